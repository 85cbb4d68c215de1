#!/usr/bin/env bash
# metrics.sh [N] - GET /v1/metrics over N dossiers (default 100000) of the
# province data set (bench/lib.sh), against the plain SQL over the dossier
# table that computes the same counts (bench/sql/flow_counts.sql), in one run:
#   - 2025-Q3, whole province, group_by=agency;
#   - 2025, group_by=month (each month its own carried over and pending).
# Medians of RUNS (default 31) requests and SQL_RUNS (default RUNS; a few
# at 10 million rows, where one plain-SQL year takes minutes) executions; the
# API's counts are checked equal to the SQL's, count for count, or the
# script fails.
. "$(dirname "$0")/lib.sh"
n=${1:-${N:-100000}}
runs=${RUNS:-31}
sql_runs=${SQL_RUNS:-$runs}
start_service
ensure_data "$n"

periods_q='SELECT text $$2025-Q3$$ AS key, timestamptz $$2025-07-01 00:00:00+07$$ AS s, timestamptz $$2025-09-30 23:59:59.999999+07$$ AS a'
periods_m="SELECT to_char(g, 'YYYY-MM') AS key, (g::date::text || ' 00:00:00+07')::timestamptz AS s,
  ((g + interval '1 month')::date::text || ' 00:00:00+07')::timestamptz - interval '1 microsecond' AS a
  FROM generate_series(date '2025-01-01', date '2025-12-01', interval '1 month') g"
shopt -u patsub_replacement 2>/dev/null || true
sql_for() { # sql_for PERIODS GROUP: flow_counts.sql with its two variables filled in
    local sql
    sql=$(grep -v '^--' "$root/bench/sql/flow_counts.sql")
    sql=${sql//:group/$2}
    echo "${sql//(:periods)/($1)}"
}

# check PATH PERIODS GROUP: the API's counts equal the SQL's
check() {
    curl -s -f -H "$auth" "$url$1" > "$work/api.json"
    sed "s|:'file'|'$work/api.json'|" "$root/bench/sql/api_counts.sql" | psql "$MOTCUA_DB" -qtAX > "$work/api.rows"
    sql_for "$2" "$3" | psql "$MOTCUA_DB" -qtAX > "$work/sql.rows"
    if ! diff -q "$work/api.rows" "$work/sql.rows" >/dev/null; then
        echo "bench: $1 differs from the plain SQL:" >&2
        diff "$work/api.rows" "$work/sql.rows" | head -20 >&2
        exit 1
    fi
    echo "$(wc -l < "$work/sql.rows") groups equal, count for count"
}

q_path="/v1/metrics?period=2025-Q3&group_by=agency"
m_path="/v1/metrics?period=2025&group_by=month"
cq=$(check "$q_path" "$periods_q" agency_code)
cm=$(check "$m_path" "$periods_m" key)
a=$(api_ms "$runs" "$q_path")
b=$(sql_ms "$sql_runs" "$(sql_for "$periods_q" agency_code)")
c=$(api_ms "$runs" "$m_path")
d=$(sql_ms "$sql_runs" "$(sql_for "$periods_m" key)")
rows=$(psql_q "SELECT count(*) FROM rollup")
echo "metrics benchmark: $n dossiers over 2025 (province data set), medians of $runs requests, $sql_runs SQL runs"
printf '%-52s %10s ms\n' "GET $q_path" "$a"
printf '%-52s %10s ms   (%s)\n' "plain SQL, same counts" "$b" "$cq"
printf '%-52s %10s ms\n' "GET $m_path" "$c"
printf '%-52s %10s ms   (%s)\n' "plain SQL, same counts" "$d" "$cm"
echo "ratio plain SQL / API: quarter by agency $(ratio "$b" "$a")x, year by month $(ratio "$d" "$c")x"
echo "roll-up rows: $rows; dossier table $(psql_q "SELECT pg_size_pretty(pg_total_relation_size('dossier'))"), roll-ups $(psql_q "SELECT pg_size_pretty(pg_total_relation_size('rollup') + pg_total_relation_size('rollup_hist_long'))")"
