#!/usr/bin/env bash
# ingest.sh [N] - NDJSON ingest over HTTP of N dossiers of the province data
# set (bench/lib.sh; default 100000), in requests of 100,000 records, against
# PostgreSQL's own COPY of the same rows into the same table (the dossier
# table's shape, its indexes included), measured in one run. Also: re-sending
# the same N (all unchanged), the roll-up rows written, and the service's
# peak RSS.
. "$(dirname "$0")/lib.sh"
n=${1:-${N:-100000}}
per=${PER:-100000}

dataset "$n" > "$work/all.ndjson"
split -l "$per" -d -a 4 "$work/all.ndjson" "$work/part."
start_service

send_all() {
    for f in "$work"/part.*; do
        curl -s -f -o "$work/resp.json" -H 'Content-Type: application/x-ndjson' -H "$auth" \
            --data-binary @"$f" "$url/v1/dossiers" || { echo "bench: ingest failed" >&2; exit 1; }
    done
}
t0=$(now_ms); send_all; t1=$(now_ms)
first_ms=$((t1 - t0))
t0=$(now_ms); send_all; t1=$(now_ms)
resend_ms=$((t1 - t0))
grep -q '"unchanged":' "$work/resp.json"
rss=$(peak_rss_kb "$svc_pid")
stored=$(psql_q "SELECT count(*) FROM dossier")
rollups=$(psql_q "SELECT count(*) FROM rollup")

# PostgreSQL's own COPY of the same rows into an empty table of the same shape.
cols="code, agency_code, procedure_code, field_code, service_level, channel, status, received_at, due_at, finished_at, returned_at, extended_due_at, apology, supplement_count, supplement_requested_at, fee, paid_online, updated_at"
psql "$MOTCUA_DB" -qtAX -c "\\copy dossier ($cols) TO '$work/rows.copy'"
psql_q "CREATE TABLE copy_target (LIKE dossier INCLUDING ALL)"
t0=$(now_ms)
psql "$MOTCUA_DB" -qtAX -c "\\copy copy_target ($cols) FROM '$work/rows.copy'"
t1=$(now_ms)
copy_ms=$((t1 - t0))

rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n / (ms / 1000.0) }'; }
echo "ingest benchmark: $n dossiers ($stored stored, $rollups roll-up rows), NDJSON over HTTP in requests of $per"
printf '%-34s %10s ms %10s rows/s\n' "motcua POST /v1/dossiers (new)" "$first_ms" "$(rate "$n" "$first_ms")"
printf '%-34s %10s ms %10s rows/s\n' "motcua re-send (all unchanged)" "$resend_ms" "$(rate "$n" "$resend_ms")"
printf '%-34s %10s ms %10s rows/s\n' "PostgreSQL \\copy, same rows" "$copy_ms" "$(rate "$n" "$copy_ms")"
awk -v a="$first_ms" -v b="$resend_ms" -v c="$copy_ms" \
    'BEGIN { printf "ratio ingest/COPY rate: %.2f   re-send/COPY rate: %.2f\n", c / a, c / b }'
echo "service peak RSS: $((rss / 1024)) MiB"
