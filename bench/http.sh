#!/usr/bin/env bash
# http.sh [N] - wrk with 64 connections on the repeated dashboard query
# GET /v1/metrics?period=2025-Q3&group_by=agency (and the province-wide
# month series) over N dossiers of the province data set: requests/s,
# latency percentiles, errors. DURATION (default 10 s) per query.
. "$(dirname "$0")/lib.sh"
n=${1:-${N:-100000}}
dur=${DURATION:-10}
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
start_service
ensure_data "$n"
echo "HTTP benchmark: $n dossiers, wrk -t2 -c64 -d${dur}s, keep-alive, the service's pool ${BENCH_POOL:-16} connections"
for path in "/v1/metrics?period=2025-Q3&group_by=agency" "/v1/metrics?period=2025&group_by=month"; do
    curl -s -f -o /dev/null -H "$auth" "$url$path"   # warm
    wrk -t2 -c64 -d"${dur}s" --latency -H "$auth" "$url$path" > "$work/wrk.out"
    rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.out")
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.out")
    sockerr=$(awk '/Socket errors/ {print $0}' "$work/wrk.out")
    printf '%-48s %8s req/s   p50 %8s   p99 %8s   non-2xx %s %s\n' "GET $path" "$rps" "$p50" "$p99" \
        "${non2xx:-0}" "${sockerr:+($sockerr)}"
done
