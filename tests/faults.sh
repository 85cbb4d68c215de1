#!/usr/bin/env bash
# faults.sh - the fault tests of issue 5 (item 3), against a real PostgreSQL:
#
#  a. The database restarting under load. Its own throwaway cluster (devdb.sh,
#     so the script can stop it) is stopped twice (fast shutdown, then an
#     immediate one, i.e. a crash) while clients ingest and read in a loop:
#     while it is down every request answers 503 with Retry-After, quickly
#     (never a hang, never a 500, never a dropped connection); the server
#     process survives; once the database is back the service answers 200
#     again by itself, also on the pooled connections that were idle during
#     the restart; every record whose batch answered 200 is stored, a batch
#     that answered 503 is stored whole or not at all, and re-sending every
#     batch converges.
#  b. kill -9 of motcua in the middle of a 120,000-record ingest: the records
#     stored are whole chunks of 40,000 (two writers commit chunks
#     independently, so any chunk of the batch is stored whole or not at
#     all), each row equal to the row a clean import of the same file
#     stores; after a restart, re-sending the batch converges to exactly the
#     clean import (rows, labels, checksum over code/status/updated_at).
#  c. Two clients sending overlapping batches with different updated_at at
#     the same moment, several rounds (insert races on new codes, update
#     races on stored ones, partial overlaps): the newest version wins on
#     every row, and the outcome counts of both answers add up.
#
# Needs MOTCUA_TEST_DB (tests/with-pg.sh sets it; b and c create their own
# databases there), bin/motcua, curl and the PostgreSQL 15 server binaries.
# Loopback only; every wait is bounded.
set -uo pipefail
bin=${MOTCUA_BIN:-bin/motcua}
here=$(cd "$(dirname "$0")" && pwd)
devdb=$here/../deploy/devdb.sh
: "${MOTCUA_TEST_DB:?MOTCUA_TEST_DB is not set: run this through tests/with-pg.sh}"
export PGCONNECT_TIMEOUT=5
tmp=$(mktemp -d /tmp/motcua-faults.XXXXXX)
chmod 755 "$tmp"
pass=0 fail=0
servers=()      # pids of the motcua servers this script started
dbs=()          # databases created in MOTCUA_TEST_DB
own_cluster=    # the data dir of test a's cluster, while it exists

cleanup() {
    for p in "${servers[@]}"; do kill -9 "$p" 2>/dev/null; done
    for p in "${client_pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
    [ -n "$own_cluster" ] && "$devdb" stop "$own_cluster" >/dev/null 2>&1
    for d in "${dbs[@]}"; do
        psql "$MOTCUA_TEST_DB" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { # check DESCRIPTION COMMAND... : the command must succeed
    local what=$1; shift
    if "$@"; then ok; else bad "$what"; fi
}
eq() { # eq DESCRIPTION GOT WANT
    if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
now_ms() { date +%s%3N; }

# A JSON integer member of a compact JSON object: jint FILE NAME.
jint() { sed -n "s/.*\"$2\":\([0-9-]*\).*/\1/p" "$1" | head -n 1; }

new_db() { # new_db NAME: creates it in the test cluster; its conninfo in $db_conn
    db_conn=
    psql "$MOTCUA_TEST_DB" -qc "CREATE DATABASE $1" >/dev/null || return 1
    dbs+=("$1")
    db_conn="$MOTCUA_TEST_DB dbname=$1"
}

# start_server CONNINFO LOG: a motcua serve on a free loopback port; sets
# srv_pid and srv_port (tries a few ports).
start_server() {
    local conninfo=$1 log=$2
    srv_pid= srv_port=
    for _ in 1 2 3 4 5; do
        local port=$((20000 + RANDOM % 30000))
        MOTCUA_DB=$conninfo MOTCUA_LISTEN=127.0.0.1:$port MOTCUA_DB_WAIT_MS=2000 \
            MOTCUA_TIMEOUT=20 "$bin" serve 2>>"$log" &
        local pid=$!
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
    echo "faults: cannot start motcua serve (see $log)" >&2
    return 1
}

stop_server() { # stop_server PID: SIGTERM, bounded wait, then SIGKILL
    local pid=$1
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# call PORT KEY METHOD PATH [CTYPE BODYFILE]: one request; the body goes to
# $tmp/call.body, the headers to $tmp/call.head; prints
# "STATUS RETRY_AFTER CURL_RC MS START_MS" (RETRY_AFTER "-" when absent).
call() {
    local port=$1 key=$2 method=$3 path=$4 ctype=${5:-} file=${6:-}
    local out=${CALL_OUT:-$tmp/call} args=() t0 code rc ra
    [ -n "$key" ] && args+=(-H "Authorization: Bearer $key")
    [ -n "$file" ] && args+=(-H "Content-Type: $ctype" --data-binary "@$file")
    rm -f "$out.body" "$out.head"
    t0=$(now_ms)
    code=$(curl -s -X "$method" --max-time 15 -o "$out.body" -D "$out.head" -w '%{http_code}' \
        "${args[@]}" "http://127.0.0.1:$port$path")
    rc=$?
    ra=$(tr -d '\r' < "$out.head" 2>/dev/null | sed -n 's/^[Rr]etry-[Aa]fter: *//p' | head -n 1)
    echo "${code:-000} ${ra:--} $rc $(( $(now_ms) - t0 )) $t0"
}

# An acceptable answer while the database is down: 503, Retry-After > 0, the
# error body "unavailable", in under 5 s.
down_ok() { # down_ok "STATUS RA RC MS START" BODYFILE
    local st ra rc ms
    read -r st ra rc ms _ <<<"$1"
    [ "$st" = 503 ] && [ "$ra" != - ] && [ "$ra" -gt 0 ] 2>/dev/null && [ "$rc" = 0 ] &&
        [ "$ms" -lt 5000 ] && grep -q '"code":"unavailable"' "$2"
}

# ====================================================================================
# a. The database restarting under load
# ====================================================================================
echo "faults: a. database restart under load" >&2
pga=$tmp/pga
own_cluster=$pga
conn_a=$(MOTCUA_DEVDB_FSYNC=on "$devdb" start "$pga") || { echo "faults: cannot start a cluster" >&2; exit 1; }
pg_bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_up() { MOTCUA_DEVDB_FSYNC=on "$devdb" start "$pga" >/dev/null; }
pg_down_fast() { as_pg "$pg_bindir/pg_ctl" -D "$pga/data" -m fast -w -t 30 stop >/dev/null; }
pg_down_crash() { as_pg "$pg_bindir/pg_ctl" -D "$pga/data" -m immediate -w -t 30 stop >/dev/null; }

MOTCUA_DB=$conn_a "$bin" migrate 2>/dev/null
key_a=$(MOTCUA_DB=$conn_a "$bin" key create --role admin --label faults | awk '{print $NF}')
start_server "$conn_a" "$tmp/a-serve.log" || exit 1
pid_a=$srv_pid port_a=$srv_port

mkdir -p "$tmp/a"
"$bin" demo-data --count 600 --seed 11 > "$tmp/a/src.ndjson"
BATCH=200

# make_batch CLIENT N: batch N of an ingest client: 200 demo records with
# codes made unique by a prefix.
make_batch() {
    local c=$1 n=$2 start
    start=$(( (n % 3) * BATCH + 1 ))
    sed -n "${start},$((start + BATCH - 1))p" "$tmp/a/src.ndjson" |
        sed "s/^{\"code\":\"/{\"code\":\"FA$c-$n-/" > "$tmp/a/b-$c-$n.ndjson"
}

# Ingest client: a new batch every turn until the stop file appears (at
# most 400 turns); one log line per request:
#   ingest CLIENT N STATUS RETRY_AFTER CURL_RC MS START_MS INSERTED ERRCODE
ingest_client() {
    local c=$1 n=0 r ins err
    while [ ! -e "$tmp/a/stop" ] && [ $n -lt 400 ]; do
        n=$((n + 1))
        make_batch "$c" "$n"
        r=$(CALL_OUT=$tmp/a/ic$c call "$port_a" "$key_a" POST /v1/dossiers application/x-ndjson \
            "$tmp/a/b-$c-$n.ndjson")
        ins=$(jint "$tmp/a/ic$c.body" inserted)
        err=$(sed -n 's/.*"error":{"code":"\([a-z_]*\)".*/\1/p' "$tmp/a/ic$c.body")
        echo "ingest $c $n $r ${ins:--} ${err:--}" >> "$tmp/a/log"
        sleep 0.05
    done
}

# Read client: metrics, one dossier, a monitoring list, readiness, in turn:
#   read CLIENT N STATUS RETRY_AFTER CURL_RC MS START_MS - ERRCODE PATH
read_client() {
    local c=$1 n=0 r err path
    local paths=("/v1/metrics?period=2026&group_by=agency" "/v1/dossiers/$seed_code"
        "/v1/dossiers?state=pending&limit=5" "/readyz" "/v1/metrics/series?period=2026&interval=month")
    while [ ! -e "$tmp/a/stop" ] && [ $n -lt 1500 ]; do
        path=${paths[$((n % ${#paths[@]}))]}
        n=$((n + 1))
        r=$(CALL_OUT=$tmp/a/rc$c call "$port_a" "$key_a" GET "$path")
        err=$(sed -n 's/.*"error":{"code":"\([a-z_]*\)".*/\1/p' "$tmp/a/rc$c.body")
        echo "read $c $n $r - ${err:--} $path" >> "$tmp/a/log"
        sleep 0.03
    done
}

# Requests sent while the database is down: each must be a quick 503.
probe_down() { # probe_down LABEL
    local label=$1 r p
    printf '%s\n' "$(sed -n 1p "$tmp/a/src.ndjson" | sed 's/^{"code":"/{"code":"FA-PROBE-/')" \
        > "$tmp/a/probe.ndjson"
    for p in "GET /readyz" "GET /v1/metrics?period=2026" "GET /v1/dossiers/FA1-1-x" \
             "GET /v1/dossiers?state=overdue" "GET /v1/targets" "GET /v1/rankings?by=agency" \
             "POST /v1/dossiers"; do
        set -- $p
        if [ "$1" = POST ]; then
            r=$(CALL_OUT=$tmp/a/probe call "$port_a" "$key_a" POST "$2" application/x-ndjson \
                "$tmp/a/probe.ndjson")
        else
            r=$(CALL_OUT=$tmp/a/probe call "$port_a" "$key_a" GET "$2")
        fi
        check "$label: $p answers a quick 503 with Retry-After (got: $r)" \
            down_ok "$r" "$tmp/a/probe.body"
    done
}

# Waits until the service itself says ready again (bounded); prints the ms.
wait_ready() {
    local t0 r
    t0=$(now_ms)
    for _ in $(seq 150); do
        r=$(CALL_OUT=$tmp/a/wr call "$port_a" "" GET /readyz)
        [ "${r%% *}" = 200 ] && { echo $(( $(now_ms) - t0 )); return 0; }
        sleep 0.2
    done
    return 1
}

# One dossier stored before the load, for the read clients.
sed -n 1p "$tmp/a/src.ndjson" | sed 's/^{"code":"/{"code":"FA-SEED-/' > "$tmp/a/seed.ndjson"
seed_code=$(sed -n 's/^{"code":"\([^"]*\)".*/\1/p' "$tmp/a/seed.ndjson")
r=$(CALL_OUT=$tmp/a/seed call "$port_a" "$key_a" POST /v1/dossiers application/x-ndjson \
    "$tmp/a/seed.ndjson")
eq "a first ingest with the database up" "${r%% *}" 200

client_pids=()
for c in 1 2 3; do ingest_client $c & client_pids+=($!); done
for c in 1 2; do read_client $c & client_pids+=($!); done

sleep 2
n200_before=$(awk '$4 == 200' "$tmp/a/log" 2>/dev/null | wc -l)
check "requests succeed before the restart ($n200_before answers 200)" test "$n200_before" -gt 0

# Two restarts: a fast shutdown, then an immediate one (a crash). The
# events file holds "STOP_MS DOWN_MS UP_MS READY_MS" per restart: the
# database was asked to stop at STOP_MS, was down at DOWN_MS, started after
# UP_MS, and the service said ready at READY_MS.
for mode in fast crash; do
    t_stop=$(now_ms)
    if [ $mode = fast ]; then pg_down_fast; else pg_down_crash; fi
    t_down=$(now_ms)
    sleep 0.5
    probe_down "db down ($mode)"
    sleep 1.5
    t_up=$(now_ms)
    pg_up
    ms=$(wait_ready)
    check "after the $mode restart /readyz answers 200 again by itself" test -n "$ms"
    echo "$t_stop $t_down $t_up $(now_ms)" >> "$tmp/a/events"
    sleep 2
done

touch "$tmp/a/stop"
for p in "${client_pids[@]}"; do wait "$p"; done
client_pids=()

check "motcua survived both restarts (same process)" kill -0 "$pid_a"
total=$(wc -l < "$tmp/a/log")
n200=$(awk '$4 == 200' "$tmp/a/log" | wc -l)
n503=$(awk '$4 == 503' "$tmp/a/log" | wc -l)
echo "faults: a: $total requests under load: $n200 answered 200, $n503 answered 503" >&2
check "clients saw 503s while the database was down" test "$n503" -gt 0
other=$(awk '$4 != 200 && $4 != 503' "$tmp/a/log")
check "every answer under load is 200 or 503 (never a 500, a hang or a dropped connection): $(echo "$other" | head -n 3)" \
    test -z "$other"
no_ra=$(awk '$4 == 503 && ($5 == "-" || $5 <= 0 || $10 != "unavailable")' "$tmp/a/log")
check "every 503 has Retry-After and the error code unavailable: $(echo "$no_ra" | head -n 3)" \
    test -z "$no_ra"
curl_fail=$(awk '$6 != 0' "$tmp/a/log")
check "no request failed at the connection level or timed out: $(echo "$curl_fail" | head -n 3)" \
    test -z "$curl_fail"
slow=$(awk '$4 == 503 && $7 >= 5000' "$tmp/a/log")
check "every 503 came quickly (< 5 s): $(echo "$slow" | head -n 3)" test -z "$slow"
bad_ins=$(awk '$1 == "ingest" && $4 == 200 && $9 != '$BATCH'' "$tmp/a/log")
check "every ingest that answered 200 inserted its whole batch: $(echo "$bad_ins" | head -n 3)" \
    test -z "$bad_ins"
# While the database was down (requests started after it stopped and ended
# before it started again) nothing answered 200; once the service said
# ready again, every request answered 200 (from 0.5 s after, until the
# next restart).
read -r s1 d1 u1 r1 s2 d2 u2 r2 <<<"$(tr '\n' ' ' < "$tmp/a/events")"
down200=$(awk -v d1="$d1" -v u1="$u1" -v d2="$d2" -v u2="$u2" '$4 == 200 &&
    (($8 > d1 && $8 + $7 < u1) || ($8 > d2 && $8 + $7 < u2))' "$tmp/a/log")
check "no request answered 200 while the database was down: $(echo "$down200" | head -n 3)" \
    test -z "$down200"
after=$(awk -v r1="$r1" -v s2="$s2" -v r2="$r2" '($8 > r1 + 500 && $8 + $7 < s2) || $8 > r2 + 500' \
    "$tmp/a/log" | wc -l)
after_bad=$(awk -v r1="$r1" -v s2="$s2" -v r2="$r2" '$4 != 200 &&
    (($8 > r1 + 500 && $8 + $7 < s2) || $8 > r2 + 500)' "$tmp/a/log")
check "every request after each recovery answered 200 ($after requests): $(echo "$after_bad" | head -n 3)" \
    test -z "$after_bad" -a "$after" -gt 0

# Every record of a batch that answered 200 is stored; a batch that answered
# 503 (one chunk) is stored whole or not at all.
awk '$1 == "ingest" && $4 == 200 {print $2, $3}' "$tmp/a/log" > "$tmp/a/accepted"
awk '$1 == "ingest" && $4 != 200 {print $2, $3}' "$tmp/a/log" > "$tmp/a/refused"
: > "$tmp/a/accepted.codes"
while read -r c n; do
    sed -n 's/^{"code":"\([^"]*\)".*/\1/p' "$tmp/a/b-$c-$n.ndjson" >> "$tmp/a/accepted.codes"
done < "$tmp/a/accepted"
n_acc=$(wc -l < "$tmp/a/accepted.codes")
missing=$(psql "$conn_a" -qtA -c "CREATE TEMP TABLE acc (code text)" \
    -c "\\copy acc FROM '$tmp/a/accepted.codes'" \
    -c "SELECT count(*) FROM acc LEFT JOIN dossier d USING (code) WHERE d.code IS NULL")
eq "records of batches answered 200 ($n_acc) missing from the database" "$missing" 0
partial=$(psql "$conn_a" -qtA -c "
    SELECT string_agg(p || ':' || n, ' ') FROM (
        SELECT substring(code from '^(FA[0-9]+-[0-9]+)-') AS p, count(*) AS n
        FROM dossier WHERE code ~ '^FA[0-9]+-[0-9]+-' GROUP BY 1) s
    WHERE n <> $BATCH")
eq "batches stored partially (a 503'd batch is one chunk: whole or nothing)" "$partial" ""

# Re-sending every batch converges: each answers 200, accepted ones are all unchanged.
resend_bad=0 resend_unch_bad=0 n_batches=0
while read -r c n; do
    n_batches=$((n_batches + 1))
    r=$(CALL_OUT=$tmp/a/rs call "$port_a" "$key_a" POST /v1/dossiers application/x-ndjson \
        "$tmp/a/b-$c-$n.ndjson")
    [ "${r%% *}" = 200 ] || resend_bad=$((resend_bad + 1))
    if grep -qx "$c $n" "$tmp/a/accepted" && [ "$(jint "$tmp/a/rs.body" unchanged)" != $BATCH ]; then
        resend_unch_bad=$((resend_unch_bad + 1))
    fi
done < <(cat "$tmp/a/accepted" "$tmp/a/refused")
eq "re-sent batches not answered 200" "$resend_bad" 0
eq "re-sent accepted batches not all unchanged" "$resend_unch_bad" 0
stored=$(psql "$conn_a" -qtA -c "SELECT count(*) FROM dossier WHERE code ~ '^FA[0-9]+-[0-9]+-'")
eq "after re-sending, the table holds every batch exactly" "$stored" \
    "$((n_batches * BATCH))"

# The database restarts while the service is idle: the pooled connections it
# holds are all stale. Requests after the database is back must answer 200,
# not 503 once per stale pooled connection.
conc_get() { # 8 concurrent GETs; prints their statuses
    local pids=() i
    for i in 1 2 3 4 5 6 7 8; do
        curl -s -o /dev/null -w '%{http_code}\n' --max-time 15 -H "Authorization: Bearer $key_a" \
            "http://127.0.0.1:$port_a/v1/metrics?period=2026&group_by=agency" > "$tmp/a/cg$i" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    cat "$tmp/a/cg"[1-8] | tr '\n' ' '
}
conc_get >/dev/null            # fills the pool with several connections
pg_down_fast
pg_up
psql "$conn_a" -qtAc "SELECT 1" >/dev/null   # the database answers again
r=$(CALL_OUT=$tmp/a/idle call "$port_a" "$key_a" GET "/v1/metrics?period=2026")
eq "idle restart: the first request after the database is back ($(cat "$tmp/a/idle.body"))" \
    "${r%% *}" 200
statuses=$(conc_get)
eq "idle restart: 8 concurrent requests after the database is back" "$statuses" \
    "200 200 200 200 200 200 200 200 "
statuses=$(conc_get)
eq "idle restart: 8 more concurrent requests" "$statuses" "200 200 200 200 200 200 200 200 "

stop_server "$pid_a"
"$devdb" stop "$pga" >/dev/null 2>&1
own_cluster=

# ====================================================================================
# b. kill -9 of motcua in the middle of a large ingest
# ====================================================================================
echo "faults: b. kill -9 during a 120,000-record ingest" >&2
mkdir -p "$tmp/b"
N=120000 CHUNK=40000
"$bin" demo-data --count $N --seed 7 > "$tmp/b/big.ndjson"
sed -n 's/^{"code":"\([^"]*\)".*/\1/p' "$tmp/b/big.ndjson" > "$tmp/b/codes"
eq "the demo batch has $N distinct codes" "$(sort -u "$tmp/b/codes" | wc -l)" $N

# The reference: a second database that imports the same file cleanly.
new_db "motcua_faults_ref_$$" || exit 1
conn_ref=$db_conn
MOTCUA_DB=$conn_ref "$bin" import "$tmp/b/big.ndjson" > "$tmp/b/ref.out" 2>/dev/null
eq "clean import of the batch" "$(jint "$tmp/b/ref.out" inserted)" $N

ROWSQL="SELECT code, agency_code, procedure_code, field_code, service_level, channel, status,
    received_at, due_at, finished_at, returned_at, extended_due_at, apology, supplement_count,
    supplement_requested_at, fee, paid_online, updated_at FROM dossier ORDER BY code COLLATE \"C\""
SUMSQL="SELECT count(*) || ' ' || md5(string_agg(code || '|' || status || '|' ||
    coalesce(updated_at::text, ''), E'\n' ORDER BY code COLLATE \"C\")) FROM dossier"
LABELSQL="SELECT * FROM (SELECT 'a' AS k, code, name FROM agency
    UNION ALL SELECT 'p', code, name FROM procedure) l ORDER BY k, code COLLATE \"C\""
psql "$conn_ref" -qtA -F'|' -c "$ROWSQL" > "$tmp/b/ref.rows"

killed=0
for attempt in 1 2 3; do
    new_db "motcua_faults_b${attempt}_$$" || exit 1
    conn_b=$db_conn
    MOTCUA_DB=$conn_b "$bin" migrate 2>/dev/null
    key_b=$(MOTCUA_DB=$conn_b "$bin" key create --role ingest | awk '{print $NF}')
    start_server "$conn_b" "$tmp/b-serve.log" || exit 1
    pid_b=$srv_pid port_b=$srv_port
    curl -s -o "$tmp/b/post.out" -w '%{http_code}' --max-time 60 \
        -H "Authorization: Bearer $key_b" -H 'Content-Type: application/x-ndjson' \
        --data-binary @"$tmp/b/big.ndjson" "http://127.0.0.1:$port_b/v1/dossiers" \
        > "$tmp/b/post.code" &
    cpid=$!
    # kill -9 as soon as one chunk is committed (bounded poll)
    for _ in $(seq 500); do
        n=$(psql "$conn_b" -qtAc "SELECT count(*) FROM dossier" 2>/dev/null)
        [ "${n:-0}" -ge $CHUNK ] && break
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.01
    done
    kill -9 "$pid_b"
    wait "$pid_b" 2>/dev/null
    wait "$cpid"
    code=$(cat "$tmp/b/post.code")
    # The killed server's database session may still be finishing its chunk.
    for _ in $(seq 100); do
        a=$(psql "$conn_b" -qtAc "SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()")
        [ "$a" = 0 ] && break
        sleep 0.1
    done
    n=$(psql "$conn_b" -qtAc "SELECT count(*) FROM dossier")
    if [ "$code" != 200 ] && [ "$n" -lt $N ]; then
        killed=1
        break
    fi
    echo "faults: b: attempt $attempt: the ingest finished before the kill (HTTP $code, $n rows); again" >&2
done
check "motcua was killed in the middle of the ingest" test $killed = 1
echo "faults: b: killed with $n of $N records stored" >&2
# (curl shows 000, or 100 when the server had said "100 Continue")
check "the killed request got no final answer (HTTP $code)" test "$code" = 000 -o "$code" = 100
eq "records stored at the kill are whole chunks ($n % $CHUNK)" "$((n % CHUNK))" 0
psql "$conn_b" -qtAc "SELECT code FROM dossier ORDER BY code COLLATE \"C\"" > "$tmp/b/got.codes"
# each chunk of the batch (lines i*CHUNK+1 .. (i+1)*CHUNK) is stored whole or not at all
partial=0 whole=0
for i in $(seq 0 $((N / CHUNK - 1))); do
    sed -n "$((i * CHUNK + 1)),$(((i + 1) * CHUNK))p" "$tmp/b/codes" | LC_ALL=C sort > "$tmp/b/chunk.codes"
    k=$(LC_ALL=C comm -12 "$tmp/b/chunk.codes" "$tmp/b/got.codes" | wc -l)
    [ "$k" -eq "$CHUNK" ] && whole=$((whole + 1))
    [ "$k" -ne 0 ] && [ "$k" -ne "$CHUNK" ] && partial=$((partial + 1))
done
eq "chunks of the batch stored in part" "$partial" 0
eq "the records stored are the whole chunks ($whole of them)" "$n" "$((whole * CHUNK))"
psql "$conn_b" -qtA -F'|' -c "$ROWSQL" > "$tmp/b/got.rows"
notref=$(LC_ALL=C comm -23 <(LC_ALL=C sort "$tmp/b/got.rows") <(LC_ALL=C sort "$tmp/b/ref.rows") | wc -l)
eq "stored rows that differ from the clean import's (partial rows)" "$notref" 0

# Restart and re-send: converges to exactly the clean import.
start_server "$conn_b" "$tmp/b-serve.log" || exit 1
pid_b=$srv_pid port_b=$srv_port
r=$(CALL_OUT=$tmp/b/resend call "$port_b" "$key_b" POST /v1/dossiers application/x-ndjson \
    "$tmp/b/big.ndjson")
eq "re-sending the batch after the restart" "${r%% *}" 200
eq "re-send: received" "$(jint "$tmp/b/resend.body" received)" $N
eq "re-send: inserted" "$(jint "$tmp/b/resend.body" inserted)" $((N - n))
eq "re-send: unchanged" "$(jint "$tmp/b/resend.body" unchanged)" "$n"
eq "re-send: updated + stale + rejected" "$(( $(jint "$tmp/b/resend.body" updated) + \
    $(jint "$tmp/b/resend.body" stale) + $(jint "$tmp/b/resend.body" rejected) ))" 0
eq "count and checksum of code/status/updated_at equal the clean import's" \
    "$(psql "$conn_b" -qtAc "$SUMSQL")" "$(psql "$conn_ref" -qtAc "$SUMSQL")"
psql "$conn_b" -qtA -F'|' -c "$ROWSQL" > "$tmp/b/final.rows"
check "every row equals the clean import's" cmp -s "$tmp/b/final.rows" "$tmp/b/ref.rows"
check "agency and procedure labels equal the clean import's" \
    cmp -s <(psql "$conn_b" -qtA -F'|' -c "$LABELSQL") <(psql "$conn_ref" -qtA -F'|' -c "$LABELSQL")
r=$(CALL_OUT=$tmp/b/again call "$port_b" "$key_b" POST /v1/dossiers application/x-ndjson \
    "$tmp/b/big.ndjson")
eq "a third send is all unchanged" "${r%% *} $(jint "$tmp/b/again.body" unchanged)" "200 $N"
stop_server "$pid_b"

# ====================================================================================
# c. Two clients, overlapping batches with different updated_at, at once
# ====================================================================================
echo "faults: c. concurrent overlapping batches" >&2
mkdir -p "$tmp/c"
new_db "motcua_faults_c_$$" || exit 1
conn_c=$db_conn
MOTCUA_DB=$conn_c "$bin" migrate 2>/dev/null
key_c=$(MOTCUA_DB=$conn_c "$bin" key create --role ingest | awk '{print $NF}')
start_server "$conn_c" "$tmp/c-serve.log" || exit 1
pid_c=$srv_pid port_c=$srv_port

# gen FILE LO HI ROUND VERSION ORDER: the records of codes FC-LO..FC-HI (4
# digits) as NDJSON. VERSION 0 is older (updated_at 10:00 of the round's day,
# open), 1 newer (11:00, resolved); fee = ROUND * 10 + VERSION tells them apart.
gen() {
    awk -v lo="$2" -v hi="$3" -v r="$4" -v v="$5" -v ord="$6" 'BEGIN {
        day = sprintf("2024-04-%02d", r)
        for (k = 0; k <= hi - lo; k++) {
            i = ord == "desc" ? hi - k : lo + k
            st = v ? "resolved" : "processing"
            fin = v ? ",\"finished_at\":\"2024-03-05T10:00:00+07:00\"" : ""
            printf "{\"code\":\"FC-%04d\",\"agency_code\":\"000.00.%02d.H62\",\"agency_name\":\"Agency %d v%d\",", i, i % 7, i % 7, v
            printf "\"procedure_code\":\"1.00%04d\",\"channel\":\"online\",\"status\":\"%s\",", i % 13, st
            printf "\"received_at\":\"2024-03-01T08:00:00+07:00\",\"due_at\":\"2024-03-10\"%s,", fin
            printf "\"fee\":%d,\"updated_at\":\"%sT1%d:00:00+07:00\"}\n", r * 10 + v, day, v
        }
    }' > "$1"
}

# Rounds: LO_A HI_A LO_B HI_B ORDER_A ORDER_B. Older batch A, newer batch B.
rounds=(
    "0 1999 0 1999 asc asc"      # the same 2,000 new codes: an insert race
    "0 1999 0 1999 asc desc"     # the same 2,000 stored codes: an update race
    "1000 2999 0 1999 desc asc"  # partial overlap, 1,000 codes new (A only)
    "0 1999 0 1999 desc desc"
    "3000 4999 2500 4499 asc asc" # partial overlap, mostly new codes
    "0 4999 0 4999 asc desc"     # 5,000 codes: a whole chunk each
)
r=0
for spec in "${rounds[@]}"; do
    r=$((r + 1))
    read -r la ha lb hb oa ob <<<"$spec"
    gen "$tmp/c/a$r.ndjson" "$la" "$ha" "$r" 0 "$oa"
    gen "$tmp/c/b$r.ndjson" "$lb" "$hb" "$r" 1 "$ob"
    before=$(psql "$conn_c" -qtAc "SELECT count(*) FROM dossier")
    existing=$(psql "$conn_c" -qtAc "SELECT count(*) FROM dossier
        WHERE substr(code, 4)::int BETWEEN $la AND $ha OR substr(code, 4)::int BETWEEN $lb AND $hb")
    # the union of A and B (two ranges)
    union=$(( (ha - la + 1) + (hb - lb + 1) - ( (ha < hb ? ha : hb) >= (la > lb ? la : lb) ? \
        (ha < hb ? ha : hb) - (la > lb ? la : lb) + 1 : 0 ) ))
    fresh=$((union - existing))
    CALL_OUT=$tmp/c/ra$r call "$port_c" "$key_c" POST /v1/dossiers application/x-ndjson \
        "$tmp/c/a$r.ndjson" > "$tmp/c/sa$r" &
    p1=$!
    CALL_OUT=$tmp/c/rb$r call "$port_c" "$key_c" POST /v1/dossiers application/x-ndjson \
        "$tmp/c/b$r.ndjson" > "$tmp/c/sb$r" &
    p2=$!
    wait $p1 $p2
    eq "round $r: both answers" "$(cut -d' ' -f1 "$tmp/c/sa$r") $(cut -d' ' -f1 "$tmp/c/sb$r")" "200 200"
    for x in a b; do
        f=$tmp/c/r$x$r.body
        sum=$(( $(jint "$f" inserted) + $(jint "$f" updated) + $(jint "$f" unchanged) + \
            $(jint "$f" stale) + $(jint "$f" rejected) ))
        eq "round $r: batch $x: received = the sum of the outcomes" "$(jint "$f" received)" "$sum"
        eq "round $r: batch $x: nothing rejected or unchanged" \
            "$(jint "$f" rejected) $(jint "$f" unchanged)" "0 0"
    done
    fa=$tmp/c/ra$r.body fb=$tmp/c/rb$r.body
    eq "round $r: received" "$(jint "$fa" received) $(jint "$fb" received)" \
        "$((ha - la + 1)) $((hb - lb + 1))"
    eq "round $r: the newer batch is never stale" "$(jint "$fb" stale)" 0
    eq "round $r: inserted by both = the codes new to the database" \
        "$(( $(jint "$fa" inserted) + $(jint "$fb" inserted) ))" "$fresh"
    # Each code of the overlap was stale for A exactly when A came second;
    # A's stale count can only come from the overlap.
    ov=$(( (ha < hb ? ha : hb) >= (la > lb ? la : lb) ? (ha < hb ? ha : hb) - (la > lb ? la : lb) + 1 : 0 ))
    check "round $r: the older batch is stale only on the overlap ($(jint "$fa" stale) <= $ov)" \
        test "$(jint "$fa" stale)" -le "$ov"
    eq "round $r: rows in the table" "$(psql "$conn_c" -qtAc "SELECT count(*) FROM dossier")" \
        "$((before + fresh))"
    # Every row: B's codes hold B's version (fee, status, updated_at); A-only
    # codes hold A's version.
    wrong=$(psql "$conn_c" -qtAc "
        SELECT count(*) || ' ' || coalesce(min(code), '-') FROM dossier d,
          LATERAL (SELECT substr(d.code, 4)::int AS i) x
        WHERE CASE
          WHEN x.i BETWEEN $lb AND $hb THEN NOT (d.fee = $r * 10 + 1 AND d.status = 9
               AND d.finished_at IS NOT NULL
               AND d.updated_at = '2024-04-$(printf %02d $r)T11:00:00+07:00')
          WHEN x.i BETWEEN $la AND $ha THEN NOT (d.fee = $r * 10 AND d.status = 4
               AND d.finished_at IS NULL
               AND d.updated_at = '2024-04-$(printf %02d $r)T10:00:00+07:00')
          ELSE false END")
    eq "round $r: rows not holding the newest version sent" "$wrong" "0 -"
done
stop_server "$pid_c"

echo "faults: $pass passed, $fail failed"
[ "$fail" = 0 ]
