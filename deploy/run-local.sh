#!/usr/bin/env bash
# run-local.sh - what `make run` does after building: a PostgreSQL cluster
# under var/ (unless MOTCUA_DB names a database), the demo data on first
# start, then `motcua serve` in the foreground. Ctrl-C stops the service and
# the cluster it started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/bin/motcua"
started_db=0
if [ -z "${MOTCUA_DB:-}" ]; then
    MOTCUA_DB=$("$root/deploy/devdb.sh" start "$root/var/pg")
    started_db=1
fi
export MOTCUA_DB
stop_db() { [ "$started_db" = 1 ] && "$root/deploy/devdb.sh" stop "$root/var/pg" || true; }
trap stop_db EXIT

"$bin" migrate
count=$(psql "$MOTCUA_DB" -tAc "SELECT count(*) FROM dossier" 2>/dev/null || echo 0)
if [ "${count:-0}" = 0 ]; then
    echo "motcua: loading the demo data set (first start)" >&2
    "$bin" demo-data --count "${MOTCUA_DEMO_COUNT:-20000}" --seed 1 | "$bin" import --format ndjson - >/dev/null
fi
# A database from before the roll-up tables (docs/ROLLUPS.md) is answered from
# the dossier rows until they are rebuilt; for the local demo, rebuild now.
if [ "$(psql "$MOTCUA_DB" -tAc "SELECT built FROM rollup_state" 2>/dev/null)" = f ]; then
    echo "motcua: building the roll-up tables of this database (once)" >&2
    "$bin" rollup --rebuild
fi

# An admin key for the local demo, created once and kept under var/ (only a
# hash is in the database; this file is the one copy of the key).
keyfile="$root/var/demo-admin.key"
if [ ! -s "$keyfile" ]; then
    mkdir -p "$root/var"
    (umask 077; "$bin" key create --role admin --label "make run" | awk '{print $NF}' > "$keyfile")
fi
key=$(cat "$keyfile")

listen=${MOTCUA_LISTEN:-127.0.0.1:8080}
cat >&2 <<TXT

motcua serves on http://$listen  (Ctrl-C stops it)
admin API key for this demo (kept in var/demo-admin.key): $key
dashboard: http://$listen/  (paste the key when it asks)

  curl -s -H 'Authorization: Bearer $key' 'http://$listen/v1/metrics?period=$(date +%Y)&group_by=agency'
  curl -s -H 'Authorization: Bearer $key' -X POST -H 'Content-Type: application/json' http://$listen/v1/dossiers \\
       -d '[{"code":"DEMO-1","agency_code":"000.00.01.H62","procedure_code":"1.004227","channel":"online","status":"received","received_at":"$(date +%Y-%m-%d)T08:00:00+07:00","due_at":"$(date +%Y-%m-%d)"}]'

TXT
"$bin" serve &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; stop_db' INT TERM
wait $pid || true
