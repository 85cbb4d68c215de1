#!/usr/bin/env bash
# devdb.sh - a private PostgreSQL 15 cluster in a directory, on a Unix socket
# inside that directory (no TCP), for `make run` and the tests.
#
#   devdb.sh start DIR   create (first time) and start; prints the conninfo
#   devdb.sh stop DIR    stop (fast shutdown)
#   devdb.sh conninfo DIR
#
# PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` user, which must own DIR.
set -euo pipefail

cmd=${1:?usage: devdb.sh start|stop|conninfo DIR}
dir=${2:?usage: devdb.sh start|stop|conninfo DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "devdb: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
port=${MOTCUA_DEVDB_PORT:-5432}   # only names the socket file; no TCP listener

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
conninfo() { echo "host=$dir/sock port=$port dbname=motcua user=postgres"; }

case "$cmd" in
start)
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
            --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_owner mkdir -p "$dir/sock"
    if ! as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
            -o "-c listen_addresses='' -c unix_socket_directories='$dir/sock' -p $port \
                -c fsync=${MOTCUA_DEVDB_FSYNC:-on} -c max_connections=200 -c shared_buffers=256MB" >/dev/null \
            || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    fi
    # The database itself (idempotent).
    if ! as_owner "$bindir/psql" -h "$dir/sock" -p "$port" -U postgres -d postgres -tAc \
            "SELECT 1 FROM pg_database WHERE datname='motcua'" | grep -q 1; then
        as_owner "$bindir/psql" -h "$dir/sock" -p "$port" -U postgres -d postgres -qc \
            "CREATE DATABASE motcua" >/dev/null
    fi
    conninfo
    ;;
stop)
    if [ -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
conninfo) conninfo ;;
*) echo "usage: devdb.sh start|stop|conninfo DIR" >&2; exit 2 ;;
esac
