/*
 * db_audit.c - see db_audit.h. The errors list is stored as jsonb exactly as
 * the ingest answered it; the listing is built by PostgreSQL (json_agg) so
 * that it is one round trip.
 */
#include "db_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int db_audit_insert(db_conn *c, const audit_entry *e)
{
    char status[16], n[6][24], ms[32];
    const ingest_counts *k = e->counts;
    long v[6] = { 0 };
    if (k) {
        v[0] = k->received; v[1] = k->inserted; v[2] = k->updated;
        v[3] = k->unchanged; v[4] = k->stale; v[5] = k->rejected;
    }
    for (int i = 0; i < 6; i++)
        snprintf(n[i], sizeof n[i], "%ld", v[i]);
    snprintf(status, sizeof status, "%d", e->status);
    snprintf(ms, sizeof ms, "%.3f", e->duration_ms);
    char *errs = e->errors ? json_dumps(e->errors, JSON_COMPACT) : NULL;
    const char *params[13] = { e->key_id, e->source, e->format, status, n[0], n[1], n[2],
                               n[3], n[4], n[5], e->message, errs ? errs : "[]", ms };
    PGresult *res = PQexecParams(db_pgconn(c),
        "INSERT INTO ingest_audit (key_id, source, format, status, received, inserted, updated,"
        " unchanged, stale, rejected, message, errors, duration_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13)",
        13, NULL, params, NULL, NULL, 0);
    free(errs);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return db_fail(c, "audit", res);
    PQclear(res);
    return DB_OK;
}

int db_audit_list(db_conn *c, long long before_id, int limit, json_t **out)
{
    char before[24], lim[16];
    snprintf(before, sizeof before, "%lld", before_id);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[2] = { before, lim };
    *out = NULL;
    PGresult *res = PQexecParams(db_pgconn(c),
        "SELECT coalesce(json_agg(t ORDER BY t.id DESC), '[]') FROM ("
        " SELECT id, to_char(at AT TIME ZONE 'Asia/Ho_Chi_Minh',"
        "  'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+07:00\"') AS at, key_id, source, format, status,"
        "  received, inserted, updated, unchanged, stale, rejected, message, errors, duration_ms"
        " FROM ingest_audit WHERE ($1::bigint = 0 OR id < $1::bigint)"
        " ORDER BY id DESC LIMIT $2::int) t",
        2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return db_fail(c, "audit list", res);
    json_error_t jerr;
    *out = json_loads(PQgetvalue(res, 0, 0), 0, &jerr);
    PQclear(res);
    return *out ? DB_OK : DB_ERROR;
}
