#!/usr/bin/env bash
# replica.sh - motcua with a real PostgreSQL streaming replica (MOTCUA_DB_READ),
# the setup docs/OPERATIONS.md describes, on two throwaway clusters on loopback:
#
#   primary   initdb, wal_level=replica, listening on 127.0.0.1
#   standby   pg_basebackup -R -X stream from the primary over TCP, hot standby
#
# Server A serves with MOTCUA_DB=primary and MOTCUA_DB_READ=standby (and
# MOTCUA_PUBLIC_READ=1); server B with the primary alone, as the reference.
#  1. After an ingest over HTTP and the standby's replay, every read endpoint
#     of A answers byte for byte what B answers.
#  2. With the standby's replay paused, a second ingest through A answers 200
#     (the primary), but A's reads do not show it while B's do: A reads the
#     standby. A key created after the pause works on A and its revocation
#     takes effect at once (keys are checked on the primary); a calendar PUT
#     shows in A's reads only after the replay. After resuming, A = B again.
#  3. With the primary stopped, A still answers the public metrics with the
#     ingested numbers from the standby, POST answers 503 with Retry-After,
#     keyed reads 503 (the key check needs the primary), /readyz 503 naming
#     the database; with the primary back, A ingests again by itself.
#  4. pg_dump -Fc / pg_restore into a new database: a server on it answers
#     every read as B does.
#  5. MOTCUA_DB_READ with both hosts and target_session_attrs=prefer-standby
#     reads on the standby, and on the primary once the standby is stopped
#     (/readyz stays 200); A, with the standby alone, answers 503.
#
# Needs bin/motcua, curl, psql and the PostgreSQL 15 server binaries; as root
# the clusters run as the postgres user. Loopback only; every wait is bounded.
# Run by `make faults`.
set -uo pipefail
bin=${MOTCUA_BIN:-bin/motcua}
pg_bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pg_bindir" ] || { echo "replica: PostgreSQL server binaries not found" >&2; exit 1; }
[ -x "$bin" ] || { echo "replica: $bin not built (make bin/motcua)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/motcua-replica.XXXXXX)
chmod 755 "$tmp"
[ "$(id -u)" -eq 0 ] && chown postgres: "$tmp"
export PGCONNECT_TIMEOUT=5
pass=0 fail=0
servers=()

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_stop() { # pg_stop DATADIR [MODE]
    [ -f "$1/PG_VERSION" ] && as_pg "$pg_bindir/pg_ctl" -D "$1" -m "${2:-fast}" -w -t 30 stop >/dev/null 2>&1
}
cleanup() {
    for p in "${servers[@]}"; do kill -9 "$p" 2>/dev/null; done
    pg_stop "$tmp/standby" immediate
    pg_stop "$tmp/primary" immediate
    rm -rf "$tmp"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi; }
die() { echo "replica: $*" >&2; exit 1; }

# A free TCP port on 127.0.0.1: nothing answers a connect there, and it is
# below Linux's ephemeral range (32768-60999), so no client connection of
# this machine takes it as its local port.
free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 12000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

# pg_start DATADIR PORT: a cluster on 127.0.0.1:PORT (socket in $tmp).
pg_start() {
    as_pg "$pg_bindir/pg_ctl" -D "$1" -l "$1.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $2 -c unix_socket_directories=$tmp \
            -c fsync=off -c wal_level=replica -c max_wal_senders=4 -c hot_standby=on \
            -c hot_standby_feedback=on" >/dev/null || { tail -n 20 "$1.log" >&2; return 1; }
}

# ------------------------------------------------------------------------------------
# The two clusters
# ------------------------------------------------------------------------------------
pport=$(free_port) || die "no free port"
as_pg "$pg_bindir/initdb" -D "$tmp/primary" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; die "initdb failed"; }
pg_start "$tmp/primary" "$pport" || die "cannot start the primary"
CP="host=127.0.0.1 port=$pport user=postgres dbname=motcua"
psql "host=127.0.0.1 port=$pport user=postgres dbname=postgres" -qc "CREATE DATABASE motcua" \
    >/dev/null || die "cannot create the database"
MOTCUA_DB=$CP "$bin" migrate 2>/dev/null || die "migrate failed"
key=$(MOTCUA_DB=$CP "$bin" key create --role admin --label replica | awk '{print $NF}')

sport=$(free_port) || die "no free port"
as_pg "$pg_bindir/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres -D "$tmp/standby" \
    -R -X stream -c fast >"$tmp/basebackup.log" 2>&1 || { cat "$tmp/basebackup.log" >&2; die "pg_basebackup failed"; }
pg_start "$tmp/standby" "$sport" || die "cannot start the standby"
CS="host=127.0.0.1 port=$sport user=postgres dbname=motcua application_name=motcua-read"
eq "the standby is in recovery" "$(psql "$CS" -tAc 'SELECT pg_is_in_recovery()')" t
eq "the primary streams to one standby" \
    "$(psql "$CP" -tAc "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" 1

# wait_replay: until the standby has replayed everything the primary wrote (30 s at most).
wait_replay() {
    local lsn
    lsn=$(psql "$CP" -tAc "SELECT pg_current_wal_lsn()")
    for _ in $(seq 300); do
        [ "$(psql "$CS" -tAc "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && return 0
        sleep 0.1
    done
    return 1
}

# ------------------------------------------------------------------------------------
# The servers
# ------------------------------------------------------------------------------------
# start_server LOG VAR=VALUE...: motcua serve with those variables on a free
# port; sets srv_pid and srv_port.
start_server() {
    local log=$1 port pid; shift
    for _ in 1 2 3 4 5; do   # another process may take the port first: try another
        port=$(free_port) || return 1
        env "$@" MOTCUA_LISTEN="127.0.0.1:$port" MOTCUA_DB_WAIT_MS=2000 MOTCUA_ACCESS_LOG=0 \
            "$bin" serve 2>>"$log" &
        pid=$!
        servers+=("$pid")
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            if curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$port/healthz"; then
                sleep 0.1   # still ours (not another process on that port)?
                kill -0 "$pid" 2>/dev/null || break
                srv_pid=$pid srv_port=$port
                return 0
            fi
            sleep 0.05
        done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    echo "replica: cannot start motcua serve:" >&2; tail -n 5 "$log" >&2
    return 1
}
start_server "$tmp/a.log" MOTCUA_DB="$CP" MOTCUA_DB_READ="$CS" MOTCUA_PUBLIC_READ=1 || exit 1
pa=$srv_port
start_server "$tmp/b.log" MOTCUA_DB="$CP" || exit 1
pb=$srv_port

# call PORT KEY METHOD PATH [CTYPE FILE]: prints the status; body in $tmp/out,
# headers in $tmp/head.
call() {
    local port=$1 k=$2 method=$3 path=$4 ctype=${5:-} file=${6:-} args=()
    [ -n "$k" ] && args+=(-H "Authorization: Bearer $k")
    [ -n "$file" ] && args+=(-H "Content-Type: $ctype" --data-binary "@$file")
    curl -s -X "$method" --max-time 15 -o "$tmp/out" -D "$tmp/head" -w '%{http_code}' \
        "${args[@]}" "http://127.0.0.1:$port$path"
}
jint() { sed -n "s/.*\"$2\":\([0-9-]*\).*/\1/p" "$1" | head -n 1; }

AS_OF=2024-12-31T12:00:00%2B07:00
READS=(
    "/v1/metrics?period=2024&group_by=agency"
    "/v1/metrics?period=2024-Q3&group_by=procedure&format=csv"
    "/v1/metrics/series?period=2024&interval=month"
    "/v1/rankings?period=2024&by=agency&min_n=0"
    "/v1/dossiers?state=overdue&as_of=$AS_OF&limit=50"
    "/v1/dossiers?state=pending&as_of=$AS_OF&limit=20&format=csv"
    "/v1/targets"
    "/v1/procedures"
    "/v1/calendar?year=2024"
    "/v1/audit?limit=5"
)
# same_reads LABEL [PORT]: every read of A (or of the server on PORT) equals
# B's, status and body.
same_reads() {
    local p sa sb x=${2:-$pa}
    for p in "${READS[@]}" "/v1/dossiers/$first_code?as_of=$AS_OF"; do
        sa=$(call "$x" "$key" GET "$p"); cp "$tmp/out" "$tmp/a.body"
        sb=$(call "$pb" "$key" GET "$p")
        if [ "$sa" = 200 ] && [ "$sb" = 200 ] && cmp -s "$tmp/a.body" "$tmp/out"; then ok
        else bad "$1: GET $p: $sa, B $sb, bodies $(cmp -s "$tmp/a.body" "$tmp/out" && echo equal || echo differ)"
        fi
    done
}

# ------------------------------------------------------------------------------------
# 1. Ingest, replay, the same answers
# ------------------------------------------------------------------------------------
echo "replica: 1. reads from the standby after replay" >&2
r=$(call "$pa" "" GET /readyz)
eq "/readyz with both up" "$r $(cat "$tmp/out")" '200 {"status":"ready","primary":"up","replica":"up"}'
"$bin" demo-data --count 3000 --seed 5 --year 2024 > "$tmp/batch1.ndjson"
first_code=$(head -n 1 "$tmp/batch1.ndjson" | sed 's/^{"code":"\([^"]*\)".*/\1/')
eq "ingest through A" "$(call "$pa" "$key" POST /v1/dossiers application/x-ndjson "$tmp/batch1.ndjson") $(jint "$tmp/out" inserted)" "200 3000"
check "the standby replays the ingest" wait_replay
same_reads "after replay"
call "$pa" "" GET "/v1/metrics?period=2024" >/dev/null; cp "$tmp/out" "$tmp/metrics1.json"
check "A's metrics count the 3000 dossiers" test "$(jint "$tmp/metrics1.json" received)" -gt 0
check "A's read connections are on the standby" \
    test "$(psql "$CS" -tAc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'motcua-read'")" -ge 1

# ------------------------------------------------------------------------------------
# 2. Replay paused: A's reads stay where the standby is
# ------------------------------------------------------------------------------------
echo "replica: 2. replay paused" >&2
psql "$CS" -qtAc "SELECT pg_wal_replay_pause()" >/dev/null
for _ in $(seq 100); do
    [ "$(psql "$CS" -tAc 'SELECT pg_get_wal_replay_pause_state()')" = paused ] && break; sleep 0.1
done
eq "replay paused" "$(psql "$CS" -tAc 'SELECT pg_get_wal_replay_pause_state()')" paused
"$bin" demo-data --count 500 --seed 6 --year 2024 | sed 's/^{"code":"/{"code":"RP-/' > "$tmp/batch2.ndjson"
code2=$(head -n 1 "$tmp/batch2.ndjson" | sed 's/^{"code":"\([^"]*\)".*/\1/')
eq "ingest through A while paused (the primary)" \
    "$(call "$pa" "$key" POST /v1/dossiers application/x-ndjson "$tmp/batch2.ndjson") $(jint "$tmp/out" inserted)" "200 500"
eq "B sees the new dossier" "$(call "$pb" "$key" GET "/v1/dossiers/$code2")" 200
eq "A does not yet (read on the standby)" "$(call "$pa" "$key" GET "/v1/dossiers/$code2")" 404
call "$pa" "" GET "/v1/metrics?period=2024" >/dev/null
check "A's metrics are those before the second ingest" cmp -s "$tmp/out" "$tmp/metrics1.json"
call "$pb" "$key" GET "/v1/metrics?period=2024" >/dev/null
check "B's metrics count the second ingest" test "$(jint "$tmp/out" received)" -gt "$(jint "$tmp/metrics1.json" received)"

k2=$(MOTCUA_DB=$CP "$bin" key create --role read --label late | awk '{print $NF}')
eq "a key the standby has not seen works on A (checked on the primary)" \
    "$(call "$pa" "$k2" GET "/v1/dossiers/$first_code")" 200
MOTCUA_DB=$CP "$bin" key revoke "$(echo "$k2" | cut -d_ -f2)" >/dev/null
eq "its revocation takes effect at once on A" "$(call "$pa" "$k2" GET "/v1/dossiers/$first_code")" 401

printf '[{"date":"2024-10-07","working":false,"name":"replica test"}]' > "$tmp/cal.json"
eq "calendar PUT through A" "$(call "$pa" "$key" PUT /v1/calendar application/json "$tmp/cal.json")" 200
call "$pb" "$key" GET "/v1/calendar?year=2024" >/dev/null
check "B's calendar has the new day off" grep -q 2024-10-07 "$tmp/out"
call "$pa" "$key" GET "/v1/calendar?year=2024" >/dev/null
check "A's calendar does not yet (the standby's version row)" sh -c "! grep -q 2024-10-07 '$tmp/out'"

psql "$CS" -qtAc "SELECT pg_wal_replay_resume()" >/dev/null
check "the standby replays the rest" wait_replay
same_reads "after resuming"
eq "A sees the second ingest" "$(call "$pa" "$key" GET "/v1/dossiers/$code2")" 200
call "$pa" "$key" GET "/v1/calendar?year=2024" >/dev/null
check "A's calendar has the new day off" grep -q 2024-10-07 "$tmp/out"
call "$pa" "" GET /metrics >/dev/null
check "/metrics shows the read pool" grep -q '^motcua_db_read_pool_size ' "$tmp/out"

# ------------------------------------------------------------------------------------
# 3. The primary stopped
# ------------------------------------------------------------------------------------
echo "replica: 3. primary stopped" >&2
call "$pa" "" GET "/v1/metrics?period=2024" >/dev/null; cp "$tmp/out" "$tmp/metrics2.json"
pg_stop "$tmp/primary" fast
eq "the primary is down" "$(psql "$CP" -tAc 'SELECT 1' 2>/dev/null)" ""
eq "public metrics still answer" "$(call "$pa" "" GET "/v1/metrics?period=2024")" 200
check "with the ingested numbers" cmp -s "$tmp/out" "$tmp/metrics2.json"
eq "series still answer" "$(call "$pa" "" GET "/v1/metrics/series?period=2024&interval=quarter")" 200
eq "POST answers 503" "$(call "$pa" "$key" POST /v1/dossiers application/x-ndjson "$tmp/batch2.ndjson")" 503
check "with Retry-After" grep -qi '^retry-after: [1-9]' "$tmp/head"
eq "a keyed read answers 503 (the key check needs the primary)" \
    "$(call "$pa" "$key" GET "/v1/dossiers/$first_code")" 503
eq "/readyz answers 503" "$(call "$pa" "" GET /readyz)" 503
check "naming the database" grep -q 'the database does not answer' "$tmp/out"
eq "/healthz answers 200" "$(call "$pa" "" GET /healthz)" 200

pg_start "$tmp/primary" "$pport" || die "cannot restart the primary"
eq "/readyz 200 again with the primary back" "$(call "$pa" "" GET /readyz)" 200
eq "ingest works again by itself" \
    "$(call "$pa" "$key" POST /v1/dossiers application/x-ndjson "$tmp/batch2.ndjson") $(jint "$tmp/out" unchanged)" "200 500"

# ------------------------------------------------------------------------------------
# 4. Backup and restore (pg_dump / pg_restore, as docs/OPERATIONS.md says)
# ------------------------------------------------------------------------------------
echo "replica: 4. backup and restore" >&2
check "the standby replays the last ingest" wait_replay
pg_dump -Fc -d "$CP" -f "$tmp/motcua.dump" 2>"$tmp/dump.log"
check "pg_dump -Fc" test -s "$tmp/motcua.dump"
psql "$CP" -qc "CREATE DATABASE motcua_restored" >/dev/null
CR="host=127.0.0.1 port=$pport user=postgres dbname=motcua_restored"
check "pg_restore" pg_restore --no-owner -d "$CR" "$tmp/motcua.dump"
start_server "$tmp/c.log" MOTCUA_DB="$CR" || exit 1
pc=$srv_port
same_reads "restored" "$pc"
eq "the key revoked before the backup stays revoked" "$(call "$pc" "$k2" GET "/v1/dossiers/$first_code")" 401

# ------------------------------------------------------------------------------------
# 5. MOTCUA_DB_READ naming the standby, then the primary (prefer-standby)
# ------------------------------------------------------------------------------------
echo "replica: 5. prefer-standby: the standby stopped" >&2
start_server "$tmp/d.log" MOTCUA_DB="$CP" MOTCUA_DB_READ="host=127.0.0.1,127.0.0.1 port=$sport,$pport \
user=postgres dbname=motcua target_session_attrs=prefer-standby application_name=motcua-d" || exit 1
pd=$srv_port
same_reads "prefer-standby" "$pd"
check "D reads on the standby" \
    test "$(psql "$CS" -tAc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'motcua-d'")" -ge 1
pg_stop "$tmp/standby" fast
eq "with the standby stopped, D's /readyz" "$(call "$pd" "" GET /readyz)" 200
same_reads "standby stopped, reads on the primary" "$pd"
check "D now reads on the primary" \
    test "$(psql "$CP" -tAc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'motcua-d'")" -ge 1
eq "A (standby only) answers 503 for reads" "$(call "$pa" "$key" GET "/v1/dossiers/$first_code")" 503
eq "A's /readyz names the replica" "$(call "$pa" "" GET /readyz) $(grep -o 'read replica' "$tmp/out")" "503 read replica"

for p in "${servers[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${servers[@]}"; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
done
for p in "${servers[@]}"; do
    if kill -0 "$p" 2>/dev/null; then bad "server $p did not stop on SIGTERM"; kill -9 "$p"; fi
done
servers=()

echo "replica: $pass passed, $fail failed"
[ "$fail" = 0 ]
