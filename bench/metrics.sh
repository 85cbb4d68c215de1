#!/usr/bin/env bash
# metrics.sh [N] - GET /v1/metrics for the last full quarter of the demo data,
# province-wide, group_by=agency (and group_by=month over the year), against
# the plain SQL GROUP BY over the dossier table that computes the same
# received/finished counts, measured in one run: medians of 21 runs each.
. "$(dirname "$0")/lib.sh"
n=${1:-${N:-100000}}
"$bin" demo-data --count "$n" --seed 42 --year 2025 | "$bin" import --format ndjson - >/dev/null 2>&1
psql_q "ANALYZE"
start_service

median_ms() { # median_ms CMD... : median wall time of 21 runs
    local times=()
    for _ in $(seq 21); do
        local t0 t1
        t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[11] / 1000.0}'
}
api() { curl -s -f -H "$auth" "$url/v1/metrics?$1"; }
sql_agency="SELECT agency_code, count(*) FILTER (WHERE received_at >= '2025-07-01+07' AND received_at < '2025-10-01+07'),
  count(*) FILTER (WHERE finished_at >= '2025-07-01+07' AND finished_at < '2025-10-01+07')
  FROM dossier WHERE status NOT IN (1,3) AND received_at < '2025-10-01+07'
  AND (finished_at IS NULL OR finished_at >= '2025-07-01+07') GROUP BY agency_code"
sql_month="SELECT date_trunc('month', received_at AT TIME ZONE 'Asia/Ho_Chi_Minh'), count(*)
  FROM dossier WHERE status NOT IN (1,3) AND received_at >= '2025-01-01+07' AND received_at < '2026-01-01+07' GROUP BY 1"

a=$(median_ms api "period=2025-Q3&group_by=agency")
b=$(median_ms psql_q "$sql_agency")
c=$(median_ms api "period=2025&group_by=month")
d=$(median_ms psql_q "$sql_month")
echo "metrics benchmark: $n dossiers over 2025, medians of 21 runs (psql includes its own start-up)"
printf '%-48s %10s ms\n' "GET /v1/metrics period=2025-Q3 group_by=agency" "$a"
printf '%-48s %10s ms\n' "plain SQL GROUP BY agency (psql)" "$b"
printf '%-48s %10s ms\n' "GET /v1/metrics period=2025 group_by=month" "$c"
printf '%-48s %10s ms\n' "plain SQL GROUP BY month (psql)" "$d"
