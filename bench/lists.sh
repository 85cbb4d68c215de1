#!/usr/bin/env bash
# lists.sh [N] - the monitoring lists (GET /v1/dossiers?state=) over N
# dossiers (default 1000000) of the province data set (bench/lib.sh): the
# median latency of the first page (limit 100, as_of now) of state=overdue and
# state=due_soon, the second page of overdue (its cursor), pending and waiting,
# and the number of open dossiers the lists are drawn from. Medians of RUNS
# (default 31) requests on one kept-alive connection.
#
# Checked, or the script fails: each first page is in the lists' order (most
# working days overdue first, then the soonest due date, then the code), the
# two overdue pages do not overlap and equal the first 200 items of a page of
# 1000 (other batch sizes), and no overdue item is in time.
. "$(dirname "$0")/lib.sh"
n=${1:-${N:-1000000}}
runs=${RUNS:-31}
start_service
ensure_data "$n"

# check PATH [COUNT]: fetches PATH into $work/page.json, checks its order (and
# that it holds COUNT items, when given); prints its next_cursor (empty on the
# last page).
check() {
    curl -s -f -H "$auth" "$url$1" | tr -d '\n' > "$work/page.json"
    local got
    got=$(sed "s|:'file'|'$work/page.json'|" <<'SQL' | psql "$MOTCUA_DB" -qtAX
CREATE TEMP TABLE page (doc jsonb);
\copy page FROM :'file' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
WITH it AS (
  SELECT i.n, COALESCE((i.v->>'working_days_overdue')::bigint, -1) AS wd,
         (i.v->>'due_at')::timestamptz AS due, i.v->>'code' AS code
  FROM page, jsonb_array_elements(doc->'items') WITH ORDINALITY AS i(v, n))
SELECT (SELECT count(*) FROM it) || ' ' || count(*) FROM it a JOIN it b ON b.n = a.n + 1
WHERE NOT (a.wd > b.wd OR (a.wd = b.wd AND (a.due < b.due OR (b.due IS NULL AND a.due IS NOT NULL)
        OR (a.due IS NOT DISTINCT FROM b.due AND a.code COLLATE "C" < b.code COLLATE "C"))));
SQL
)
    [ "${got#* }" = 0 ] || { echo "bench: $1 is not in the lists' order ($got)" >&2; exit 1; }
    [ -z "${2:-}" ] || [ "${got% *}" = "$2" ] || { echo "bench: $1 has ${got% *} items, not $2" >&2; exit 1; }
    sed -n 's/.*"next_cursor": *"\([^"]*\)".*/\1/p' "$work/page.json"
}
items() { grep -o '"code": *"[^"]*"' "$work/$1" | sort; }

cur=$(check "/v1/dossiers?state=overdue" 100)
[ -n "$cur" ] || { echo "bench: the overdue list has a single page; is N too small?" >&2; exit 1; }
cp "$work/page.json" "$work/p1.json"
grep -q '"class": *"in_time"' "$work/p1.json" && { echo "bench: an in-time item on the overdue list" >&2; exit 1; }
# The cursor carries the first page's as_of, so the second page is timed as a client pages.
check "/v1/dossiers?state=overdue&cursor=$cur" 100 >/dev/null
cp "$work/page.json" "$work/p2.json"
[ -z "$(comm -12 <(items p1.json) <(items p2.json))" ] || { echo "bench: overdue pages overlap" >&2; exit 1; }
# A page of 1000 starts with the same 200 dossiers, in the same order.
check "/v1/dossiers?state=overdue&limit=1000&as_of=$(sed -n 's/.*"as_of": *"\([^"]*\)".*/\1/p' "$work/p1.json" | sed 's/+/%2B/')" >/dev/null
cat "$work/p1.json" "$work/p2.json" | grep -o '"code": *"[^"]*"' > "$work/two.codes"
grep -o '"code": *"[^"]*"' "$work/page.json" > "$work/all.codes"
head -n 200 "$work/all.codes" | cmp -s - "$work/two.codes" \
    || { echo "bench: the first two pages of 100 differ from the first 200 of a page of 1000" >&2; exit 1; }
check "/v1/dossiers?state=due_soon" >/dev/null
check "/v1/dossiers?state=pending" >/dev/null
check "/v1/dossiers?state=waiting" >/dev/null

open=$(psql_q "SELECT count(*) FROM dossier WHERE finished_at IS NULL AND status IN (2, 4, 5, 6)")
a=$(api_ms "$runs" "/v1/dossiers?state=overdue")
b=$(api_ms "$runs" "/v1/dossiers?state=overdue&cursor=$cur")
c=$(api_ms "$runs" "/v1/dossiers?state=due_soon")
d=$(api_ms "$runs" "/v1/dossiers?state=pending")
e=$(api_ms "$runs" "/v1/dossiers?state=waiting")
echo "lists benchmark: $n dossiers (province data set), $open open, medians of $runs, limit 100"
printf '%-48s %10s ms\n' "GET /v1/dossiers?state=overdue" "$a" \
    "GET /v1/dossiers?state=overdue, second page" "$b" \
    "GET /v1/dossiers?state=due_soon" "$c" \
    "GET /v1/dossiers?state=pending" "$d" \
    "GET /v1/dossiers?state=waiting" "$e"
