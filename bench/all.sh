#!/usr/bin/env bash
# all.sh [N] - every benchmark at size N (default 100000): ingest.sh on its
# own cluster, then metrics.sh, lists.sh and http.sh over one load of N
# dossiers in a shared cluster (loading 10 million takes minutes; it is done
# once). `make bench N=…` runs this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-${N:-100000}}
"$here/ingest.sh" "$n"
echo
dir=$(mktemp -d /tmp/motcua-bench-db.XXXXXX)
chmod 755 "$dir"
trap '"$here/../deploy/devdb.sh" stop "$dir/pg" || true; rm -rf "$dir"' EXIT
BENCH_DB=$("$here/../deploy/devdb.sh" start "$dir/pg")
export BENCH_DB
for s in metrics lists http; do
    [ -x "$here/$s.sh" ] || continue
    "$here/$s.sh" "$n"
    echo
done
