# lib.sh - shared by the benchmark scripts: a private PostgreSQL cluster (same
# settings as `make run`, fsync on), the service on a free port, the data set,
# timing. Source it; it cleans up on exit.
#
# BENCH_DB=CONNINFO uses an existing database instead of a new cluster (how
# bench/all.sh runs several scripts over one 10-million-row load).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/bin/motcua"
work=$(mktemp -d /tmp/motcua-bench.XXXXXX)
chmod 755 "$work"
svc_pid=
own_cluster=
cleanup() {
    [ -n "$svc_pid" ] && kill -TERM "$svc_pid" 2>/dev/null && wait "$svc_pid" 2>/dev/null || true
    [ -n "$own_cluster" ] && { "$root/deploy/devdb.sh" stop "$work/pg" || true; }
    rm -rf "$work"
}
trap cleanup EXIT
if [ -n "${BENCH_DB:-}" ]; then
    MOTCUA_DB=$BENCH_DB
else
    MOTCUA_DB=$("$root/deploy/devdb.sh" start "$work/pg")
    own_cluster=1
fi
export MOTCUA_DB
"$bin" migrate 2>/dev/null
key=$("$bin" key create --role admin --label bench | awk '{print $NF}')
auth="Authorization: Bearer $key"

now_ms() { date +%s%3N; }

# start_service: serves on a free port; sets $url and $svc_pid.
start_service() {
    local port=$((30000 + RANDOM % 20000))
    MOTCUA_LISTEN=127.0.0.1:$port MOTCUA_ACCESS_LOG=0 MOTCUA_BODY_LIMIT=$((512 * 1024 * 1024)) \
        MOTCUA_DB_POOL=${BENCH_POOL:-16} "$bin" serve 2>"$work/serve.log" &
    svc_pid=$!
    url=http://127.0.0.1:$port
    for _ in $(seq 100); do curl -s "$url/healthz" >/dev/null && return 0; sleep 0.1; done
    echo "bench: the service did not start" >&2
    cat "$work/serve.log" >&2
    return 1
}

# peak_rss_kb PID: the process's high-water mark of resident memory.
peak_rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

psql_q() { psql "$MOTCUA_DB" -qtAX -c "$1"; }

# The benchmark data set: a province (200 agencies, 400 procedures) over
# 2025, in order of reception, deterministic (seed 42).
dataset() { "$bin" demo-data --count "$1" --seed 42 --year 2025 --province --ordered; }

# ensure_data N: loads the data set through POST /v1/dossiers unless the
# database already holds N dossiers (the service must be running).
ensure_data() {
    local n=$1 have
    have=$(psql_q "SELECT count(*) FROM dossier")
    [ "$have" -ge "$n" ] && return 0
    [ "$have" -eq 0 ] || { echo "bench: the database holds $have dossiers, not $n" >&2; exit 1; }
    echo "bench: loading $n dossiers ..." >&2
    local t0 t1
    t0=$(now_ms)
    dataset "$n" | split -l 200000 -d -a 4 --filter='curl -s -f -o /dev/null -H "Content-Type: application/x-ndjson" -H "'"$auth"'" --data-binary @- '"$url"'/v1/dossiers' - "$work/load."
    t1=$(now_ms)
    echo "bench: loaded in $(( (t1 - t0) / 1000 )) s" >&2
    psql_q "VACUUM ANALYZE" >/dev/null
}

# median of the numbers on stdin, one per line
median() { sort -n | awk '{a[NR] = $1} END { printf "%.2f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# api_ms RUNS PATH: the median time of GET PATH over RUNS requests on one
# kept-alive connection, as curl measures each transfer (no process start-up).
api_ms() {
    local runs=$1 path=$2 args=()
    for _ in $(seq "$runs"); do args+=(-o /dev/null "$url$path"); done
    curl -s -f -H "$auth" -w '%{time_total}\n' "${args[@]}" | awk '{print $1 * 1000}' | median
}

# sql_ms RUNS SQL: the median execution time of SQL over RUNS runs in one
# psql session, as its \timing reports (no start-up).
sql_ms() {
    local runs=$1 sql=$2
    { echo '\timing on'; for _ in $(seq "$runs"); do echo "$sql;"; done; } |
        psql "$MOTCUA_DB" -qtAX -o /dev/null 2>&1 | awk '/^Time:/ {print $2}' | median
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
