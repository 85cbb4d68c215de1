#!/usr/bin/env bash
# e2e.sh - the dashboard page end to end in headless Chromium (Debian's
# chromium package): a database of demo data (plus one dossier whose agency
# name is an HTML injection attempt), a read key, the service twice on free
# ports (without and with MOTCUA_PUBLIC_READ), then tests/e2e_driver.js,
# which drives the page and holds every figure it shows against the API.
# Screenshots go to build/e2e/ (dashboard.png, dashboard-public.png).
#
#   tests/e2e.sh          (starts a throwaway cluster itself: tests/with-pg.sh)
#
# Skips, saying so, when chromium or node is missing; `make check` runs it,
# .ci/run installs chromium.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
chromium=${CHROMIUM:-chromium}
if ! command -v "$chromium" >/dev/null 2>&1; then
    echo "e2e: SKIPPED: no chromium on PATH (apt-get install chromium; .ci/run installs it)"
    exit 0
fi
if ! command -v node >/dev/null 2>&1; then
    echo "e2e: SKIPPED: no node on PATH"
    exit 0
fi
if [ -z "${MOTCUA_TEST_DB:-}" ]; then
    exec "$here/with-pg.sh" "$0" "$@"
fi
bin=${MOTCUA_BIN:-$root/bin/motcua}
out=${E2E_OUT:-$root/build/e2e}
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
db=motcua_e2e_$$
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    psql "$MOTCUA_TEST_DB" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "e2e: $*" >&2; echo "e2e: 0 passed, 1 failed"; exit 1; }

psql "$MOTCUA_TEST_DB" -qc "CREATE DATABASE $db" >/dev/null || fail "cannot create database $db"
export MOTCUA_DB="$MOTCUA_TEST_DB dbname=$db"
"$bin" migrate >/dev/null 2>&1 || fail "migrate failed"
"$bin" demo-data --count 6000 --seed 11 | "$bin" import --format ndjson - >/dev/null 2>&1 \
    || fail "loading the demo data failed"

# One more dossier, received last month (Vietnam time) and overdue, whose
# agency name tries to inject markup: the page must show it as text.
prev=$(date -u -d "$(date -u -d '+7 hours' +%Y-%m-15) -1 month" +%Y-%m)
xss='<img src=x onerror="window.__xss=1">Sở <b>Thử</b> & co'
printf '%s\n' "{\"code\":\"E2E-XSS-1\",\"agency_code\":\"999.00.00.E2E\",\"agency_name\":\"$(printf '%s' "$xss" | sed 's/"/\\"/g')\",\"procedure_code\":\"1.004227\",\"channel\":\"online\",\"status\":\"processing\",\"received_at\":\"$prev-03T08:00:00+07:00\",\"due_at\":\"$prev-05\"}" \
    > "$tmp/xss.ndjson"
"$bin" import "$tmp/xss.ndjson" >/dev/null 2>&1 || fail "loading the hostile dossier failed"

key=$("$bin" key create --role read --label e2e 2>/dev/null | awk '{print $NF}')
[ -n "$key" ] || fail "key create failed"

# serve VAR LOG [ENV...]: starts the service on a free port (port 0, read
# back from its log) and sets VAR to the port. Not in $(...): the server
# would hold the substitution's pipe open.
serve() {
    local var=$1 log=$2; shift 2
    env "$@" MOTCUA_LISTEN=127.0.0.1:0 "$bin" serve >/dev/null 2>"$log" &
    pids+=($!)
    local p=""
    for _ in $(seq 100); do
        p=$(sed -n 's/.*"msg":"listening","port":\([0-9]*\).*/\1/p' "$log" | head -n 1)
        [ -n "$p" ] && break
        sleep 0.1
    done
    printf -v "$var" '%s' "$p"
}
port= pport=
serve port "$tmp/serve.log"
serve pport "$tmp/serve-public.log" MOTCUA_PUBLIC_READ=1
[ -n "$port" ] && [ -n "$pport" ] || { cat "$tmp"/serve*.log >&2; fail "the service did not start"; }

E2E_BASE=http://127.0.0.1:$port E2E_PUBLIC_BASE=http://127.0.0.1:$pport E2E_KEY=$key \
E2E_OUT=$out E2E_XSS=$xss CHROMIUM=$chromium node "$here/e2e_driver.js"
rc=$?
if [ "$rc" != 0 ]; then
    echo "e2e: service log (last lines):" >&2
    tail -n 20 "$tmp/serve.log" >&2
    echo "e2e: chromium log: $out/chromium.log" >&2
fi
exit "$rc"
