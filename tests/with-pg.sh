#!/usr/bin/env bash
# with-pg.sh CMD... - run CMD with a throwaway PostgreSQL cluster (temp dir,
# Unix socket, fsync off) whose conninfo is in MOTCUA_TEST_DB; the cluster is
# stopped and deleted afterwards, whatever CMD returns.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/motcua-test-pg.XXXXXX)
chmod 755 "$tmp"
cleanup() { "$here/../deploy/devdb.sh" stop "$tmp/pg" || true; rm -rf "$tmp"; }
trap cleanup EXIT
export MOTCUA_DEVDB_FSYNC=off
MOTCUA_TEST_DB=$("$here/../deploy/devdb.sh" start "$tmp/pg")
export MOTCUA_TEST_DB
echo "with-pg: throwaway cluster at $tmp/pg" >&2
"$@"
