#!/usr/bin/env bash
# cli.sh - end-to-end checks of the motcua binary as an operator uses it:
# --help of every command, migrate, import of each format (progress on
# stderr, result on stdout, exit codes), serve answering HTTP, and a clean
# stop on SIGTERM while a large ingest is in flight (the request completes).
# Needs MOTCUA_TEST_DB (tests/with-pg.sh sets it).
set -uo pipefail
bin=${MOTCUA_BIN:-bin/motcua}
tmp=$(mktemp -d)
pass=0 fail=0
trap 'rm -rf "$tmp"; [ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect() { # expect DESCRIPTION COMMAND... : command must succeed
    local what=$1; shift
    if "$@"; then ok; else bad "$what"; fi
}

db=$(psql "$MOTCUA_TEST_DB" -tAc "SELECT 'motcua_cli_' || pg_backend_pid()")
psql "$MOTCUA_TEST_DB" -qc "CREATE DATABASE $db" || exit 1
export MOTCUA_DB="$MOTCUA_TEST_DB dbname=$db"

for c in serve migrate import demo-data key report; do
    expect "$c --help" sh -c "$bin $c --help | grep -q usage"
done
expect "no command is a usage error" sh -c "! $bin >/dev/null 2>&1"
expect "unknown command" sh -c "! $bin frobnicate 2>/dev/null"
expect "bad flag value" sh -c "! $bin migrate --db-pool zero 2>/dev/null"

expect "migrate" "$bin" migrate
expect "migrate again applies nothing" sh -c "$bin migrate 2>&1 | grep -q '0 migrations applied'"

cat > "$tmp/a.csv" <<'CSV'
code,agency_code,procedure_code,channel,status,received_at,due_at,finished_at,fee,paid_online
CLI-1,000.00.01.H62,1.004227,online,resolved,2024-03-01 08:00,2024-03-08,2024-03-05 10:00,200000,yes
CLI-2,000.00.01.H62,1.004227,direct,processing,2024-03-02 08:00,2024-03-09,,,no
CLI-3,000.00.01.H62,1.004227,fax,processing,2024-03-02 08:00,,,,
CSV
"$bin" import "$tmp/a.csv" >"$tmp/out" 2>"$tmp/err"
rc=$?
expect "import with a rejected row exits 3" test "$rc" = 3
expect "import result on stdout" grep -q '"inserted":2' "$tmp/out"
expect "rejected row reported by line" grep -q '"line":4' "$tmp/out"
expect "progress on stderr" grep -q 'records' "$tmp/err"

"$bin" demo-data --count 12000 --seed 3 > "$tmp/demo.ndjson"
expect "import ndjson from stdin" sh -c "$bin import --format ndjson - < $tmp/demo.ndjson | grep -q '\"inserted\":12000'"
expect "re-import is unchanged" sh -c "$bin import $tmp/demo.ndjson | grep -q '\"unchanged\":12000'"
expect "bad JSON stores nothing" sh -c "echo '[{\"code\":' > $tmp/bad.json; ! $bin import $tmp/bad.json 2>/dev/null"
expect "unknown extension" sh -c "! $bin import $tmp/a.txt 2>/dev/null"
n=$(psql "$MOTCUA_DB" -tAc "SELECT count(*) FROM dossier")
expect "dossier count after imports" test "$n" = 12002

"$bin" report --period 2024-Q5 2>"$tmp/rerr"
rc=$?
expect "report with a bad period exits 2" test "$rc" = 2
expect "report names the bad option" grep -q -- '--period' "$tmp/rerr"
expect "report with the database down exits 1" sh -c \
    "MOTCUA_DB='$MOTCUA_DB dbname=motcua_no_such_db' $bin report --period 2024-03 2>/dev/null; test \$? = 1"
expect "report as CSV on stdout" sh -c \
    "$bin report --period 2024-03 | grep -q '^2024-03-01,2024-03-31,.*,000.00.01.H62,'"
expect "report as HTML to a file" sh -c \
    "$bin report --period 2024-03 --format html --output $tmp/bieu06.html && grep -q 'Tổng cộng' $tmp/bieu06.html"
expect "report --output leaves no temp file" test "$(ls "$tmp" | grep -c 'bieu06')" = 1
key=$("$bin" key create --role admin --label cli-test | awk '{print $NF}')
expect "key create prints the key last" sh -c "echo '$key' | grep -Eq '^mck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$'"
expect "key list shows it, without the secret" sh -c "$bin key list | grep -q cli-test && ! $bin key list | grep -q '$key'"
expect "key create without a role fails" sh -c "! $bin key create 2>/dev/null"
auth="Authorization: Bearer $key"

printf 'procedure_code,name,service_level,duration,duration_unit,has_fee\n1.004227,Khai sinh,3,5,working_days,yes\nBAD,x,9,1,days,no\n' > "$tmp/cat.csv"
"$bin" import --procedures "$tmp/cat.csv" >"$tmp/pout" 2>/dev/null
rc=$?
expect "import --procedures with a bad line exits 3" test "$rc" = 3
expect "catalog result" grep -q '"upserted":1' "$tmp/pout"
expect "bad catalog line reported" grep -q '"line":3' "$tmp/pout"
expect "catalog stored" test "$(psql "$MOTCUA_DB" -tAc "SELECT duration_unit FROM procedure WHERE code='1.004227'")" = working_days
expect "catalog header error exits 1" sh -c "printf 'name\nx\n' > $tmp/nc.csv; ! $bin import --procedures $tmp/nc.csv 2>/dev/null"

port=$((20000 + RANDOM % 20000))
MOTCUA_LISTEN=127.0.0.1:$port "$bin" serve 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
expect "healthz" sh -c "curl -s http://127.0.0.1:$port/healthz | grep -q ok"
expect "metrics" sh -c "curl -s -H '$auth' 'http://127.0.0.1:$port/v1/metrics?period=2024-03' | grep -q '\"received\":'"
expect "one dossier" sh -c "curl -s -H '$auth' http://127.0.0.1:$port/v1/dossiers/CLI-1 | grep -q '\"code\":\"CLI-1\"'"
expect "metrics without a key is 401" sh -c "curl -s -o /dev/null -w '%{http_code}' 'http://127.0.0.1:$port/v1/metrics' | grep -q 401"
"$bin" demo-data --count 60000 --seed 4 > "$tmp/big.ndjson"
curl -s -o "$tmp/big.out" -w '%{http_code}' -H 'Content-Type: application/x-ndjson' -H "$auth" \
    --data-binary @"$tmp/big.ndjson" "http://127.0.0.1:$port/v1/dossiers" > "$tmp/big.code" &
cpid=$!
sleep 0.3
kill -TERM "$pid"
wait "$cpid"
wait "$pid"
src=$?
pid=
expect "serve exits 0 on SIGTERM" test "$src" = 0
expect "in-flight ingest completed" test "$(cat "$tmp/big.code")" = 200
expect "in-flight ingest stored everything" grep -q '"received":60000' "$tmp/big.out"
expect "access log is JSON lines" grep -q '"method":"POST","path":"/v1/dossiers"' "$tmp/serve.log"
expect "access log names the route, not the dossier code" sh -c \
    "grep -q '/v1/dossiers/{code}' $tmp/serve.log && ! grep -q CLI-1 $tmp/serve.log"

psql "$MOTCUA_TEST_DB" -qc "DROP DATABASE $db" >/dev/null 2>&1
echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
