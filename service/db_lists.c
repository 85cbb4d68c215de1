/*
 * db_lists.c - the SQL of the monitoring lists (see db_lists.h).
 *
 * Why it looks like this: a list must come from open dossiers only (spec §9:
 * "overdue lists via indexes on open dossiers only").
 *   - The overdue, due_soon and pending lists read streams (lists.h): each a
 *     range of one partial index of open dossiers (006_open_lists.sql) in
 *     (key, code) order, one batch per call, keyset-paginated with a row
 *     comparison and a LIMIT that the index answers in order, so a batch
 *     costs its own rows; the batches of a page share one snapshot. Codes
 *     are compared in the "C" collation, the byte order of strcmp.
 *   - db_list_rows streams every candidate: the open ones in two parts joined
 *     by UNION ALL, finished_at IS NULL AND status IN (2, 4, 5, 6) (the
 *     partial indexes of open dossiers) and status 7-10 finished after as_of
 *     (open at a past as_of: a range on dossier_finished_idx, empty when
 *     as_of is now; alone, the streams' first stream); the late list is a
 *     range on finished_at.
 * Optional narrowings are written "($n IS NULL OR ...)": PQexecParams plans
 * with the actual values, so an unused one folds away. Rows come back binary
 * (instants as int8 µs) in single-row mode, and the caller decides in C which
 * rows the state selects.
 */
#include "db_lists.h"
#include "db_bin.h"

#include <stdio.h>
#include <string.h>

static const char *get_str(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* ---- SQL ---------------------------------------------------------------------------- */

#define LIST_COLS                                                                            \
    "SELECT d.code, d.agency_code, d.procedure_code, d.field_code, d.service_level,"         \
    " d.channel, d.status, d.received_at, d.due_at, d.finished_at, d.returned_at,"           \
    " d.extended_due_at, d.apology, d.supplement_count, d.supplement_requested_at,"          \
    " d.fee, d.paid_online, d.updated_at, a.name, p.name, p.duration, p.duration_unit"       \
    " FROM dossier d LEFT JOIN agency a ON a.code = d.agency_code"                           \
    " LEFT JOIN procedure p ON p.code = d.procedure_code"

/* $1 as_of; $2 agency (exact); $3 agency prefix; $4 procedure; $5 field;
 * $6 channel; $7 service_level. */
#define LIST_FILTERS                                                                         \
    "  AND d.received_at <= $1::timestamptz"                                                 \
    "  AND ($2::text IS NULL OR d.agency_code = $2)"                                         \
    "  AND ($3::text IS NULL OR starts_with(d.agency_code, $3))"                             \
    "  AND ($4::text IS NULL OR d.procedure_code = $4)"                                      \
    "  AND ($5::text IS NULL OR COALESCE(d.field_code, p.field_code) = $5)"                  \
    "  AND ($6::smallint IS NULL OR d.channel = $6)"                                         \
    "  AND ($7::smallint IS NULL OR COALESCE(d.service_level, p.service_level) = $7)"

/* $8 waiting only; $9 overdue: due before; $10, $11 due_soon: due range. */
#define LIST_OPEN_NARROW                                                                     \
    "  AND ($8::boolean IS NOT TRUE OR d.status IN (5, 6))"                                  \
    "  AND ($9::timestamptz IS NULL OR d.due_at IS NULL OR d.supplement_count > 1"           \
    "       OR d.due_at < $9::timestamptz)"                                                  \
    "  AND ($10::timestamptz IS NULL OR (d.supplement_count <= 1 AND (d.due_at IS NULL"      \
    "       OR d.due_at BETWEEN $10::timestamptz AND $11::timestamptz)))"

#define OPEN_PART                                                                            \
    LIST_COLS                                                                                \
    " WHERE d.finished_at IS NULL AND d.status IN (2, 4, 5, 6)"                              \
    LIST_FILTERS LIST_OPEN_NARROW

#define REOPENED_PART                                                                        \
    LIST_COLS                                                                                \
    " WHERE d.status IN (7, 8, 9, 10) AND d.finished_at > $1::timestamptz"                   \
    LIST_FILTERS LIST_OPEN_NARROW

static const char OPEN_SQL[] = OPEN_PART " UNION ALL " REOPENED_PART;
static const char REOPENED_SQL[] = REOPENED_PART;

/* One batch of a stream (lists.h): a range of one partial index of open
 * dossiers (006_open_lists.sql) in (key, code) order, code in the "C"
 * collation as in the index, so the keyset and the LIMIT are index
 * conditions. $8, $9 the key range, inclusive (NULL: unbounded); $10, $11
 * the keyset: rows after (key, code) (NULL: from the start); $12 the batch
 * size. */
#define STREAM_SQL(extra, key)                                                               \
    LIST_COLS                                                                                \
    " WHERE d.finished_at IS NULL AND d.status IN (2, 4, 5, 6)" extra                        \
    "  AND ($8::timestamptz IS NULL OR d." key " >= $8::timestamptz)"                        \
    "  AND ($9::timestamptz IS NULL OR d." key " <= $9::timestamptz)"                        \
    LIST_FILTERS                                                                             \
    "  AND ($10::timestamptz IS NULL OR (d." key ", d.code COLLATE \"C\")"                   \
    "       > ($10::timestamptz, $11::text COLLATE \"C\"))"                                 \
    " ORDER BY d." key ", d.code COLLATE \"C\" LIMIT $12::bigint"

static const char DUE_BEFORE_SQL[] = STREAM_SQL("", "due_at");
static const char NO_DUE_SQL[] = STREAM_SQL(" AND d.due_at IS NULL", "received_at");
static const char SECOND_SUPP_SQL[] = STREAM_SQL(" AND d.supplement_count > 1", "due_at");
static const char IN_TIME_SQL[] = STREAM_SQL(" AND d.supplement_count <= 1", "due_at");

/* $8 period start; $9 late only. Local dates are UTC+07:00 (spec §3). */
static const char LATE_SQL[] =
    LIST_COLS
    " WHERE d.status IN (7, 8, 9, 10)"
    "  AND d.finished_at >= $8::timestamptz AND d.finished_at <= $1::timestamptz"
    LIST_FILTERS
    "  AND ($9::boolean IS NOT TRUE OR d.due_at IS NULL OR d.supplement_count > 1"
    "       OR timezone(interval '07:00', d.finished_at)::date"
    "          > timezone(interval '07:00', d.due_at)::date)";

#define NCOLS 22

static int emit(const PGresult *r, int (*row)(void *, const db_list_row *), void *ctx)
{
    db_list_row x;
    dossier_t *d = &x.d;
    memset(&x, 0, sizeof x);
    d->code = get_str(r, 0, 0);
    d->agency_code = get_str(r, 0, 1);
    d->procedure_code = get_str(r, 0, 2);
    d->field_code = get_str(r, 0, 3);
    d->service_level = db_get_i16(r, 0, 4, 0);
    d->channel = db_get_i16(r, 0, 5, 0);
    d->status = db_get_i16(r, 0, 6, 0);
    d->received_at = db_get_ts(r, 0, 7);
    d->due_at = db_get_ts(r, 0, 8);
    d->finished_at = db_get_ts(r, 0, 9);
    d->returned_at = db_get_ts(r, 0, 10);
    d->extended_due_at = db_get_ts(r, 0, 11);
    d->apology = db_get_bool(r, 0, 12, 0);
    d->supplement_count = db_get_i32(r, 0, 13, 0);
    d->supplement_requested_at = db_get_ts(r, 0, 14);
    d->fee = db_get_i64(r, 0, 15, FEE_NULL);
    d->paid_online = db_get_bool(r, 0, 16, 0);
    d->updated_at = db_get_ts(r, 0, 17);
    x.agency_name = get_str(r, 0, 18);
    x.procedure_name = get_str(r, 0, 19);
    x.cat_duration = db_get_i32(r, 0, 20, -1);
    x.cat_unit = get_str(r, 0, 21);
    d->agency_name = x.agency_name;
    d->procedure_name = x.procedure_name;
    return row(ctx, &x);
}

static void fmt_ts(ts_t t, char *buf, size_t cap)
{
    if (t == TS_NULL)
        buf[0] = '\0';
    else
        ts_format_pg(t, buf, cap);
}

/* $1 .. $7 of LIST_FILTERS; the buffers hold the values params[] point to. */
static void filter_params(const db_list_query *q, const metrics_query_t *f, char *as_of,
                          size_t as_of_cap, char ch[8], char lvl[8], char *prefix,
                          const char **params)
{
    fmt_ts(q->as_of, as_of, as_of_cap);
    snprintf(ch, 8, "%d", f->channel);
    snprintf(lvl, 8, "%d", f->service_level);
    size_t alen = strlen(f->agency);
    bool is_prefix = alen > 0 && f->agency[alen - 1] == '*';
    if (is_prefix) {
        memcpy(prefix, f->agency, alen - 1);
        prefix[alen - 1] = '\0';
    }
    params[0] = as_of;
    params[1] = alen && !is_prefix ? f->agency : NULL;
    params[2] = is_prefix ? prefix : NULL;
    params[3] = f->procedure[0] ? f->procedure : NULL;
    params[4] = f->field[0] ? f->field : NULL;
    params[5] = f->channel ? ch : NULL;
    params[6] = f->service_level ? lvl : NULL;
}

/* Runs sql with binary results in single-row mode, passing each row to row();
 * counts them in *rows (when not NULL). */
static int run(db_conn *c, const char *sql, int nparams, const char *const *params,
               int (*row)(void *ctx, const db_list_row *r), void *ctx, size_t *rows)
{
    PGconn *pg = db_pgconn(c);
    if (!PQsendQueryParams(pg, sql, nparams, NULL, params, NULL, NULL, 1))
        return db_fail(c, "list query", NULL);
    if (!PQsetSingleRowMode(pg)) {
        /* Cannot happen right after a send; drain to keep the connection usable. */
        PGresult *res;
        while ((res = PQgetResult(pg)))
            PQclear(res);
        db_set_error(c, "list query: single-row mode refused");
        return DB_ERROR;
    }
    int rc = DB_OK, stopped = 0;
    size_t n = 0;
    PGresult *res;
    while ((res = PQgetResult(pg))) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE) {
            if (!stopped && (PQnfields(res) != NCOLS || emit(res, row, ctx) != 0))
                stopped = 1; /* drain the rest; the connection must end idle */
            else if (!stopped)
                n++;
            PQclear(res);
        } else if (st == PGRES_TUPLES_OK) {
            PQclear(res);
        } else {
            rc = db_fail(c, "list query", res);
        }
    }
    if (rc == DB_OK && stopped) {
        db_set_error(c, "list query: stopped by the caller");
        rc = DB_ERROR;
    }
    if (rows)
        *rows = n;
    return rc;
}

int db_list_rows(db_conn *c, const db_list_query *q,
                 int (*row)(void *ctx, const db_list_row *r), void *ctx)
{
    const metrics_query_t *f = q->filters;
    if (f->match_none)
        return DB_OK; /* a scoped key asked outside its scope: no rows */
    char as_of[TS_FMT_MAX], t9[TS_FMT_MAX], t10[TS_FMT_MAX], t11[TS_FMT_MAX], t8[TS_FMT_MAX];
    char ch[8], lvl[8], prefix[sizeof f->agency];
    const char *params[11];
    filter_params(q, f, as_of, sizeof as_of, ch, lvl, prefix, params);
    const char *sql;
    int nparams;
    if (q->mode == DBL_FINISHED) {
        fmt_ts(q->finished_from, t8, sizeof t8);
        params[7] = t8;
        params[8] = q->late_only ? "true" : "false";
        sql = LATE_SQL;
        nparams = 9;
    } else {
        fmt_ts(q->due_before, t9, sizeof t9);
        fmt_ts(q->due_from, t10, sizeof t10);
        fmt_ts(q->due_to, t11, sizeof t11);
        params[7] = q->waiting_only ? "true" : "false";
        params[8] = q->due_before != TS_NULL ? t9 : NULL;
        bool range = q->due_from != TS_NULL && q->due_to != TS_NULL;
        params[9] = range ? t10 : NULL;
        params[10] = range ? t11 : NULL;
        sql = q->mode == DBL_REOPENED ? REOPENED_SQL : OPEN_SQL;
        nparams = 11;
    }
    return run(c, sql, nparams, params, row, ctx, NULL);
}

int db_list_snapshot_begin(db_conn *c)
{
    PGresult *res = PQexec(db_pgconn(c), "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return db_fail(c, "list snapshot", res);
    PQclear(res);
    return DB_OK;
}

int db_list_snapshot_end(db_conn *c, bool ok)
{
    /* Not db_rollback(): it forgets the session's staging tables, which a
     * read-only transaction never touches. */
    PGresult *res = PQexec(db_pgconn(c), ok ? "COMMIT" : "ROLLBACK");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return db_fail(c, ok ? "list snapshot commit" : "list snapshot rollback", res);
    PQclear(res);
    return DB_OK;
}

int db_list_stream(db_conn *c, const db_list_query *q, const list_stream *s,
                   int (*row)(void *ctx, const db_list_row *r), void *ctx, size_t *rows)
{
    *rows = 0;
    const metrics_query_t *f = q->filters;
    if (f->match_none)
        return DB_OK;
    const char *sql;
    switch (s->kind) {
    case LIST_STREAM_DUE_BEFORE: sql = DUE_BEFORE_SQL; break;
    case LIST_STREAM_NO_DUE: sql = NO_DUE_SQL; break;
    case LIST_STREAM_SECOND_SUPP: sql = SECOND_SUPP_SQL; break;
    case LIST_STREAM_IN_TIME: sql = IN_TIME_SQL; break;
    case LIST_STREAM_REOPENED:
    default:
        db_set_error(c, "list stream: not a stream of an index");
        return DB_ERROR;
    }
    char as_of[TS_FMT_MAX], from[TS_FMT_MAX], to[TS_FMT_MAX], after[TS_FMT_MAX];
    char ch[8], lvl[8], prefix[sizeof f->agency], limit[24];
    const char *params[12];
    filter_params(q, f, as_of, sizeof as_of, ch, lvl, prefix, params);
    fmt_ts(s->from, from, sizeof from);
    fmt_ts(s->to, to, sizeof to);
    fmt_ts(s->last_key, after, sizeof after);
    snprintf(limit, sizeof limit, "%ld", s->batch > 0 ? s->batch : 1L);
    params[7] = s->from != TS_NULL ? from : NULL;
    params[8] = s->to != TS_NULL ? to : NULL;
    bool after_ok = s->started && s->last_key != TS_NULL;
    params[9] = after_ok ? after : NULL;
    params[10] = after_ok ? s->last_code : NULL;
    params[11] = limit;
    return run(c, sql, 12, params, row, ctx, rows);
}
