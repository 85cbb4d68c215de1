# lib.sh - shared by the benchmark scripts: a private PostgreSQL cluster (same
# settings as `make run`, fsync on), the service on a free port, timing.
# Source it; it cleans up on exit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/bin/motcua"
work=$(mktemp -d /tmp/motcua-bench.XXXXXX)
chmod 755 "$work"
svc_pid=
cleanup() {
    [ -n "$svc_pid" ] && kill -TERM "$svc_pid" 2>/dev/null && wait "$svc_pid" 2>/dev/null || true
    "$root/deploy/devdb.sh" stop "$work/pg" || true
    rm -rf "$work"
}
trap cleanup EXIT
MOTCUA_DB=$("$root/deploy/devdb.sh" start "$work/pg")
export MOTCUA_DB
"$bin" migrate 2>/dev/null
key=$("$bin" key create --role admin --label bench | awk '{print $NF}')
auth="Authorization: Bearer $key"

now_ms() { date +%s%3N; }

# start_service: serves on a free port; sets $url and $svc_pid.
start_service() {
    local port=$((30000 + RANDOM % 20000))
    MOTCUA_LISTEN=127.0.0.1:$port MOTCUA_ACCESS_LOG=0 MOTCUA_BODY_LIMIT=$((512 * 1024 * 1024)) \
        "$bin" serve 2>"$work/serve.log" &
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
