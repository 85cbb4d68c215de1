/*
 * db.c - all SQL of the service (see db.h). Reads of dossier rows use binary
 * results (an int8 of microseconds is cheaper and exacter than parsing
 * timestamp text); writes use COPY into a session staging table followed by
 * one upsert, the bulk path PostgreSQL is fastest at.
 */
#include "db.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migrations.h"
#include "db_bin.h"
#include "strbuf.h"

struct db_conn {
    PGconn *pg;
    unsigned staged;      /* DB_STAGE_* bits: the session's staging tables that exist */
    char err[256];
};

struct db_pool {
    char *conninfo;
    int size, in_use;
    db_conn **idle;       /* stack of idle connections (may be NULL slots) */
    int nidle;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* ---- connections ----------------------------------------------------------- */

static void set_err(db_conn *c, const char *what)
{
    const char *m = c->pg ? PQerrorMessage(c->pg) : "no connection";
    snprintf(c->err, sizeof c->err, "%s: %s", what, m);
    size_t n = strlen(c->err);
    while (n && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
        c->err[--n] = '\0';
}

const char *db_error(db_conn *c) { return c ? c->err : "no connection"; }

/* A failed call is DB_DOWN when the connection itself is gone (the caller
 * answers 503 and the next acquire reconnects), else DB_ERROR. */
static int fail(db_conn *c, const char *what, PGresult *res)
{
    set_err(c, what);
    int rc = DB_ERROR;
    if (res) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (state && (!strcmp(state, "40P01") || !strcmp(state, "40001")))
            rc = DB_RETRY;
        else if (state && (!strncmp(state, "08", 2) || !strncmp(state, "57", 2) ||
                           !strncmp(state, "53", 2) || !strncmp(state, "58", 2)))
            rc = DB_DOWN; /* connection, operator intervention, resources, system */
        PQclear(res);
    }
    if (PQstatus(c->pg) != CONNECTION_OK)
        rc = DB_DOWN;
    return rc;
}

/* For the other modules of the db layer (db_reference.c): the libpq
 * connection and the error bookkeeping of a failed call. */
PGconn *db_pgconn(db_conn *c) { return c->pg; }
int db_fail(db_conn *c, const char *what, PGresult *res) { return fail(c, what, res); }
void db_set_error(db_conn *c, const char *msg) { snprintf(c->err, sizeof c->err, "%s", msg); }
bool db_staged(const db_conn *c, unsigned bit) { return (c->staged & bit) != 0; }
void db_set_staged(db_conn *c, unsigned bit) { c->staged |= bit; }

static int open_conn(db_conn *c, const char *conninfo)
{
    if (!c->pg) {
        c->pg = PQconnectdb(conninfo);
    } else if (PQstatus(c->pg) != CONNECTION_OK) {
        PQreset(c->pg);
        c->staged = 0;
    }
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        set_err(c, "connect");
        return DB_DOWN;
    }
    PQsetClientEncoding(c->pg, "UTF8");
    /* Idempotent DDL ("IF NOT EXISTS") would otherwise fill the logs with notices. */
    PQclear(PQexec(c->pg, "SET client_min_messages = warning"));
    return DB_OK;
}

db_conn *db_connect(const char *conninfo, char *err, size_t cap)
{
    db_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    if (open_conn(c, conninfo) != DB_OK) {
        snprintf(err, cap, "%s", c->err);
        db_close(c);
        return NULL;
    }
    return c;
}

void db_close(db_conn *c)
{
    if (!c)
        return;
    if (c->pg)
        PQfinish(c->pg);
    free(c);
}

db_pool *db_pool_new(const char *conninfo, int size)
{
    db_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->size = size > 0 ? size : 1;
    p->conninfo = strdup(conninfo ? conninfo : "");
    p->idle = calloc((size_t)p->size, sizeof *p->idle);
    if (!p->conninfo || !p->idle)
        goto fail;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    return p;
fail:
    free(p->conninfo);
    free(p->idle);
    free(p);
    return NULL;
}

void db_pool_free(db_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nidle; i++)
        db_close(p->idle[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->idle);
    free(p->conninfo);
    free(p);
}

/* A pooled connection whose server restarted still says CONNECTION_OK
 * until it is used. An idle connection has nothing to read, so a readable
 * socket means the server said goodbye (or closed it): reset it now, so the
 * request that takes it does not fail. One poll(), no round trip. */
static void check_idle(db_conn *c)
{
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK)
        return;
    struct pollfd pfd = { PQsocket(c->pg), POLLIN, 0 };
    if (pfd.fd < 0 || poll(&pfd, 1, 0) != 0) {
        PQreset(c->pg);
        c->staged = 0;
    }
}

db_conn *db_acquire(db_pool *p, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (p->in_use >= p->size) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
    }
    p->in_use++;
    db_conn *c = p->nidle > 0 ? p->idle[--p->nidle] : NULL;
    pthread_mutex_unlock(&p->mu);

    if (!c)
        c = calloc(1, sizeof *c);
    if (c)
        check_idle(c);
    if (c && open_conn(c, p->conninfo) == DB_OK)
        return c;
    db_release(p, c); /* keep the slot's connection for a later reset */
    return NULL;
}

void db_release(db_pool *p, db_conn *c)
{
    if (c && c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        /* A handler that failed mid-transaction must not leak it to the next user. */
        db_rollback(c);
    }
    pthread_mutex_lock(&p->mu);
    if (c)
        p->idle[p->nidle++] = c;
    p->in_use--;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void db_pool_stats(db_pool *p, int *size, int *in_use, int *idle)
{
    pthread_mutex_lock(&p->mu);
    *size = p->size;
    *in_use = p->in_use;
    *idle = p->nidle;
    pthread_mutex_unlock(&p->mu);
}

static int exec_ok(db_conn *c, const char *sql)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return fail(c, sql, res);
    PQclear(res);
    return DB_OK;
}

int db_ping(db_conn *c) { return exec_ok(c, "SELECT 1"); }
int db_begin(db_conn *c) { return exec_ok(c, "BEGIN"); }
int db_commit(db_conn *c) { return exec_ok(c, "COMMIT"); }
/* The staging table is created inside a chunk's transaction, so a rollback
 * takes it away too. */
void db_rollback(db_conn *c)
{
    PQclear(PQexec(c->pg, "ROLLBACK"));
    c->staged = 0;
}

/* ---- migrations ------------------------------------------------------------------ */

int db_migrate(db_conn *c, int *applied)
{
    int rc;
    *applied = 0;
    if ((rc = exec_ok(c, "SELECT pg_advisory_lock(727274)")) != DB_OK)
        return rc;
    rc = exec_ok(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version integer PRIMARY KEY, name text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())");
    for (size_t i = 0; rc == DB_OK && i < MIGRATIONS_COUNT; i++) {
        const migration_t *m = &MIGRATIONS[i];
        char ver[16];
        snprintf(ver, sizeof ver, "%d", m->version);
        const char *params[2] = { ver, m->name };
        PGresult *res = PQexecParams(c->pg, "SELECT 1 FROM schema_migrations WHERE version = $1",
                                     1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            rc = fail(c, "migrations", res);
            break;
        }
        int done = PQntuples(res) > 0;
        PQclear(res);
        if (done)
            continue;
        if ((rc = db_begin(c)) != DB_OK)
            break;
        if ((rc = exec_ok(c, m->sql)) != DB_OK) {
            db_rollback(c);
            break;
        }
        res = PQexecParams(c->pg, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                           2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = fail(c, "record migration", res);
            db_rollback(c);
            break;
        }
        PQclear(res);
        if ((rc = db_commit(c)) != DB_OK)
            break;
        (*applied)++;
    }
    PQclear(PQexec(c->pg, "SELECT pg_advisory_unlock(727274)"));
    return rc;
}

/* ---- binary result fields ------------------------------------------------------------ */

/* A text column copied into the arena (NULL for SQL NULL). Sets *oom on failure. */
static const char *get_str(const PGresult *r, int row, int col, arena_t *a, bool *oom)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    const char *s = arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
    if (!s)
        *oom = true;
    return s;
}

/* The dossier columns, in the order read_dossier() expects. */
#define DOSSIER_COLS                                                                        \
    "code, agency_code, procedure_code, field_code, service_level, channel, status, "       \
    "received_at, due_at, finished_at, returned_at, extended_due_at, apology, "             \
    "supplement_count, supplement_requested_at, fee, paid_online, updated_at"
#define DOSSIER_NCOLS 18

static bool read_dossier(const PGresult *r, int row, int c0, arena_t *a, dossier_t *d)
{
    bool oom = false;
    memset(d, 0, sizeof *d);
    d->code = get_str(r, row, c0 + 0, a, &oom);
    d->agency_code = get_str(r, row, c0 + 1, a, &oom);
    d->procedure_code = get_str(r, row, c0 + 2, a, &oom);
    d->field_code = get_str(r, row, c0 + 3, a, &oom);
    d->service_level = db_get_i16(r, row, c0 + 4, 0);
    d->channel = db_get_i16(r, row, c0 + 5, 0);
    d->status = db_get_i16(r, row, c0 + 6, 0);
    d->received_at = db_get_ts(r, row, c0 + 7);
    d->due_at = db_get_ts(r, row, c0 + 8);
    d->finished_at = db_get_ts(r, row, c0 + 9);
    d->returned_at = db_get_ts(r, row, c0 + 10);
    d->extended_due_at = db_get_ts(r, row, c0 + 11);
    d->apology = db_get_bool(r, row, c0 + 12, 0);
    d->supplement_count = db_get_i32(r, row, c0 + 13, 0);
    d->supplement_requested_at = db_get_ts(r, row, c0 + 14);
    d->fee = db_get_i64(r, row, c0 + 15, FEE_NULL);
    d->paid_online = db_get_bool(r, row, c0 + 16, 0);
    d->updated_at = db_get_ts(r, row, c0 + 17);
    return !oom;
}

/* ---- text building ---------------------------------------------------------------------- */

/* One dossier in COPY's binary format, the columns of DOSSIER_COLS. */
static void copy_row(strbuf *b, const dossier_t *d)
{
    db_bin_count(b, DOSSIER_NCOLS);
    db_bin_text(b, d->code);
    db_bin_text(b, d->agency_code);
    db_bin_text(b, d->procedure_code);
    db_bin_text(b, d->field_code);
    if (d->service_level)
        db_bin_i16(b, d->service_level);
    else
        db_bin_null(b);
    db_bin_i16(b, d->channel);
    db_bin_i16(b, d->status);
    db_bin_ts(b, d->received_at);
    db_bin_ts(b, d->due_at);
    db_bin_ts(b, d->finished_at);
    db_bin_ts(b, d->returned_at);
    db_bin_ts(b, d->extended_due_at);
    db_bin_bool(b, d->apology);
    db_bin_i32(b, d->supplement_count);
    db_bin_ts(b, d->supplement_requested_at);
    if (d->fee == FEE_NULL)
        db_bin_null(b);
    else
        db_bin_i64(b, d->fee);
    db_bin_bool(b, d->paid_online);
    db_bin_ts(b, d->updated_at);
}

/* ---- ingest ------------------------------------------------------------------------------ */

int db_lock_existing(db_conn *c, const char *const *codes, size_t n, arena_t *a,
                     void (*found)(void *ctx, const dossier_t *d), void *ctx)
{
    strbuf arr = { 0 };
    db_pg_array(&arr, codes, n);
    if (arr.oom) {
        free(arr.p);
        snprintf(c->err, sizeof c->err, "out of memory");
        return DB_ERROR;
    }
    const char *params[1] = { arr.p };
    PGresult *res = PQexecParams(c->pg,
        "SELECT " DOSSIER_COLS " FROM dossier WHERE code = ANY($1::text[]) ORDER BY code FOR UPDATE",
        1, NULL, params, NULL, NULL, 1);
    free(arr.p);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return fail(c, "lock dossiers", res);
    int rows = PQntuples(res);
    for (int i = 0; i < rows; i++) {
        dossier_t d;
        if (!read_dossier(res, i, 0, a, &d)) {
            PQclear(res);
            snprintf(c->err, sizeof c->err, "out of memory");
            return DB_ERROR;
        }
        found(ctx, &d);
    }
    PQclear(res);
    return DB_OK;
}

static int ensure_stage(db_conn *c)
{
    if (c->staged & DB_STAGE_DOSSIER)
        return DB_OK;
    int rc = exec_ok(c, "CREATE TEMP TABLE IF NOT EXISTS stage_dossier "
                        "(LIKE dossier INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
    if (rc == DB_OK)
        c->staged |= DB_STAGE_DOSSIER;
    return rc;
}

static int copy_rows(db_conn *c, const char *copy_sql, const dossier_t *const *rows, size_t n)
{
    PGresult *res = PQexec(c->pg, copy_sql);
    if (PQresultStatus(res) != PGRES_COPY_IN)
        return fail(c, "COPY", res);
    PQclear(res);
    strbuf b = { 0 };
    int rc = DB_OK;
    db_bin_header(&b);
    for (size_t i = 0; i < n && rc == DB_OK; i++) {
        copy_row(&b, rows[i]);
        if (i + 1 == n)
            db_bin_trailer(&b);
        if (b.oom) {
            rc = DB_ERROR;
            break;
        }
        if (b.len >= 256 * 1024 || i + 1 == n) {
            if (PQputCopyData(c->pg, b.p, (int)b.len) != 1)
                rc = DB_ERROR;
            b.len = 0;
        }
    }
    free(b.p);
    if (PQputCopyEnd(c->pg, rc == DB_OK ? NULL : "motcua: aborted") != 1)
        rc = DB_ERROR;
    res = PQgetResult(c->pg);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        bool dup = state && !strcmp(state, "23505");
        rc = fail(c, "COPY", res);
        if (dup)
            rc = DB_RETRY;   /* another batch inserted one of these codes first */
    } else {
        PQclear(res);
    }
    while ((res = PQgetResult(c->pg)))
        PQclear(res);
    return rc;
}

int db_insert_dossiers(db_conn *c, const dossier_t *const *rows, size_t n)
{
    if (n == 0)
        return DB_OK;
    return copy_rows(c, "COPY dossier (" DOSSIER_COLS ") FROM STDIN (FORMAT binary)", rows, n);
}

int db_write_dossiers(db_conn *c, const dossier_t *const *rows, size_t n, size_t *fresh)
{
    int rc;
    *fresh = 0;
    if (n == 0)
        return DB_OK;
    if ((rc = ensure_stage(c)) != DB_OK ||
        (rc = copy_rows(c, "COPY stage_dossier (" DOSSIER_COLS ") FROM STDIN (FORMAT binary)",
                        rows, n)) != DB_OK)
        return rc;
    PGresult *res = PQexec(c->pg,
        "WITH w AS ("
        " INSERT INTO dossier (" DOSSIER_COLS ")"
        " SELECT " DOSSIER_COLS " FROM stage_dossier ORDER BY code"
        " ON CONFLICT (code) DO UPDATE SET"
        "  agency_code = EXCLUDED.agency_code, procedure_code = EXCLUDED.procedure_code,"
        "  field_code = EXCLUDED.field_code, service_level = EXCLUDED.service_level,"
        "  channel = EXCLUDED.channel, status = EXCLUDED.status,"
        "  received_at = EXCLUDED.received_at, due_at = EXCLUDED.due_at,"
        "  finished_at = EXCLUDED.finished_at, returned_at = EXCLUDED.returned_at,"
        "  extended_due_at = EXCLUDED.extended_due_at, apology = EXCLUDED.apology,"
        "  supplement_count = EXCLUDED.supplement_count,"
        "  supplement_requested_at = EXCLUDED.supplement_requested_at,"
        "  fee = EXCLUDED.fee, paid_online = EXCLUDED.paid_online,"
        "  updated_at = EXCLUDED.updated_at, ingested_at = now()"
        " RETURNING (xmax = 0) AS fresh)"
        " SELECT count(*) FILTER (WHERE fresh) FROM w");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return fail(c, "upsert dossiers", res);
    *fresh = (size_t)strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return DB_OK;
}

int db_upsert_labels(db_conn *c, const char *table, const char *const *codes,
                     const char *const *names, size_t n)
{
    if (n == 0)
        return DB_OK;
    const char *sql = strcmp(table, "agency") == 0
        ? "INSERT INTO agency (code, name) SELECT * FROM unnest($1::text[], $2::text[])"
          " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name"
          " WHERE agency.name IS DISTINCT FROM EXCLUDED.name"
        : "INSERT INTO procedure (code, name) SELECT * FROM unnest($1::text[], $2::text[])"
          " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name"
          " WHERE procedure.name IS DISTINCT FROM EXCLUDED.name";
    strbuf a = { 0 }, b = { 0 };
    db_pg_array(&a, codes, n);
    db_pg_array(&b, names, n);
    int rc = DB_ERROR;
    if (a.oom || b.oom) {
        snprintf(c->err, sizeof c->err, "out of memory");
    } else {
        const char *params[2] = { a.p, b.p };
        PGresult *res = PQexecParams(c->pg, sql, 2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            rc = fail(c, "labels", res);
        else {
            PQclear(res);
            rc = DB_OK;
        }
    }
    free(a.p);
    free(b.p);
    return rc;
}

/* ---- reads ------------------------------------------------------------------------------------ */

/*
 * The effective due date (spec §4): the stored due_at, else the one computed
 * from the catalog's duration (columns col: duration int4, col + 1:
 * duration_unit text; binary results), else TS_NULL. Computed on every read,
 * never stored, so a catalog or calendar change shows in the next answer.
 */
static ts_t effective_due(const PGresult *r, int row, int col, ts_t due_at, ts_t received,
                          const calendar_t *cal, const office_hours *oh, bool *computed)
{
    due_unit u;
    *computed = false;
    if (due_at != TS_NULL || PQgetisnull(r, row, col) || PQgetisnull(r, row, col + 1) ||
        due_unit_parse(PQgetvalue(r, row, col + 1), &u) != 0)
        return due_at;
    ts_t t = due_compute(cal, oh, received, db_get_i32(r, row, col, -1), u);
    *computed = t != TS_NULL;
    return t;
}

int db_get_dossier(db_conn *c, const char *code, const calendar_t *cal, const office_hours *oh,
                   arena_t *a, dossier_t *out, const char **agency_name,
                   const char **procedure_name, bool *due_computed)
{
    const char *params[1] = { code };
    PGresult *res = PQexecParams(c->pg,
        "SELECT d.code, d.agency_code, d.procedure_code, d.field_code, d.service_level,"
        " d.channel, d.status, d.received_at, d.due_at, d.finished_at, d.returned_at,"
        " d.extended_due_at, d.apology, d.supplement_count, d.supplement_requested_at,"
        " d.fee, d.paid_online, d.updated_at, a.name, p.name, p.duration, p.duration_unit"
        " FROM dossier d LEFT JOIN agency a ON a.code = d.agency_code"
        " LEFT JOIN procedure p ON p.code = d.procedure_code WHERE d.code = $1",
        1, NULL, params, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return fail(c, "get dossier", res);
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 1;
    }
    bool oom = !read_dossier(res, 0, 0, a, out);
    *agency_name = get_str(res, 0, DOSSIER_NCOLS, a, &oom);
    *procedure_name = get_str(res, 0, DOSSIER_NCOLS + 1, a, &oom);
    out->due_at = effective_due(res, 0, DOSSIER_NCOLS + 2, out->due_at, out->received_at, cal,
                                oh, due_computed);
    PQclear(res);
    if (oom) {
        snprintf(c->err, sizeof c->err, "out of memory");
        return DB_ERROR;
    }
    return DB_OK;
}

/* The columns of a metrics row (metrics_row_cb reads them by position). */
static const char ROWS_SELECT[] =
    "SELECT d.agency_code, d.procedure_code, COALESCE(d.field_code, p.field_code),"
    " COALESCE(d.service_level, p.service_level), d.channel, d.status, d.received_at,"
    " d.due_at, d.finished_at, d.supplement_requested_at, d.updated_at,"
    " d.supplement_count, d.fee, p.has_fee, d.paid_online, d.apology,"
    " p.duration, p.duration_unit"
    " FROM dossier d LEFT JOIN procedure p ON p.code = d.procedure_code WHERE ";

/* The WHERE clause of a metrics query; $1 as_of, $2 period start, then the filters. */
static const char METRICS_WHERE[] =
    "d.status NOT IN (1, 3) AND d.received_at <= $1::timestamptz"
    "  AND (d.finished_at IS NULL OR d.finished_at >= $2::timestamptz)"
    "  AND ($3::boolean IS NOT TRUE OR d.received_at >= $2::timestamptz)"
    "  AND ($4::text IS NULL OR d.agency_code = $4)"
    "  AND ($5::text IS NULL OR starts_with(d.agency_code, $5))"
    "  AND ($6::text IS NULL OR d.procedure_code = $6)"
    "  AND ($7::text IS NULL OR COALESCE(d.field_code, p.field_code) = $7)"
    "  AND ($8::smallint IS NULL OR d.channel = $8)"
    "  AND ($9::smallint IS NULL OR COALESCE(d.service_level, p.service_level) = $9)";

typedef struct {
    const calendar_t *cal;
    const office_hours *oh;
    int (*row)(void *ctx, const metrics_row_t *r);
    void *ctx;
} metrics_feed;

static int metrics_row_cb(const PGresult *r, int i, const metrics_feed *f)
{
    bool computed;
    metrics_row_t m;
    m.agency_code = PQgetvalue(r, i, 0);
    m.procedure_code = PQgetvalue(r, i, 1);
    m.field_code = PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2);
    m.service_level = db_get_i16(r, i, 3, 0);
    m.channel = db_get_i16(r, i, 4, 0);
    m.status = db_get_i16(r, i, 5, 0);
    m.received_at = db_get_ts(r, i, 6);
    m.due_at = db_get_ts(r, i, 7);
    m.finished_at = db_get_ts(r, i, 8);
    m.supplement_requested_at = db_get_ts(r, i, 9);
    m.updated_at = db_get_ts(r, i, 10);
    m.supplement_count = db_get_i32(r, i, 11, 0);
    m.fee = db_get_i64(r, i, 12, FEE_NULL);
    m.catalog_has_fee = db_get_bool(r, i, 13, -1);
    m.paid_online = db_get_bool(r, i, 14, 0);
    m.apology = db_get_bool(r, i, 15, 0);
    m.due_at = effective_due(r, i, 16, m.due_at, m.received_at, f->cal, f->oh, &computed);
    return f->row(f->ctx, &m);
}

int db_stream_rows(db_conn *c, const char *where, int nparams, const char *const *params,
                   const calendar_t *cal, const office_hours *oh,
                   int (*row)(void *ctx, const metrics_row_t *r), void *ctx)
{
    const metrics_feed feed = { cal, oh, row, ctx };
    strbuf sql = { 0 };
    sb_puts(&sql, ROWS_SELECT);
    sb_puts(&sql, where);
    if (sql.oom) {
        free(sql.p);
        snprintf(c->err, sizeof c->err, "out of memory");
        return DB_ERROR;
    }
    int sent = PQsendQueryParams(c->pg, sql.p, nparams, NULL, params, NULL, NULL, 1);
    free(sql.p);
    if (!sent)
        return fail(c, "rows query", NULL);
    PQsetSingleRowMode(c->pg);
    int rc = DB_OK, stopped = 0;
    PGresult *res;
    while ((res = PQgetResult(c->pg))) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE) {
            if (!stopped && metrics_row_cb(res, 0, &feed) != 0)
                stopped = 1; /* drain the rest; libpq has no cheap cancel here */
            PQclear(res);
        } else if (st == PGRES_TUPLES_OK) {
            PQclear(res);
        } else {
            rc = fail(c, "rows query", res);
        }
    }
    if (rc == DB_OK && stopped)
        rc = DB_ERROR;
    return rc;
}

/* The filters of a metrics query as parameters $first.. $first+5 (agency,
 * agency prefix, procedure, field, channel, service level); buffers in f. */
void db_filter_params(const metrics_query_t *q, db_filter_buf *f, const char **out)
{
    snprintf(f->ch, sizeof f->ch, "%d", q->channel);
    snprintf(f->lvl, sizeof f->lvl, "%d", q->service_level);
    size_t alen = strlen(q->agency);
    bool is_prefix = alen > 0 && q->agency[alen - 1] == '*';
    if (is_prefix) {
        memcpy(f->prefix, q->agency, alen - 1);
        f->prefix[alen - 1] = '\0';
    }
    out[0] = alen && !is_prefix ? q->agency : NULL;
    out[1] = is_prefix ? f->prefix : NULL;
    out[2] = q->procedure[0] ? q->procedure : NULL;
    out[3] = q->field[0] ? q->field : NULL;
    out[4] = q->channel ? f->ch : NULL;
    out[5] = q->service_level ? f->lvl : NULL;
}

int db_metrics_rows(db_conn *c, const metrics_query_t *q, const calendar_t *cal,
                    const office_hours *oh, int (*row)(void *ctx, const metrics_row_t *r),
                    void *ctx)
{
    if (q->match_none)
        return DB_OK; /* a scoped key asked outside its scope: no rows */
    char as_of[TS_FMT_MAX], start[TS_FMT_MAX];
    db_filter_buf fb;
    ts_format_pg(q->as_of, as_of, sizeof as_of);
    ts_format_pg(ts_day_start(q->period.from), start, sizeof start);
    const char *params[9] = { as_of, start, q->basis == BASIS_COHORT ? "true" : "false" };
    db_filter_params(q, &fb, params + 3);
    return db_stream_rows(c, METRICS_WHERE, 9, params, cal, oh, row, ctx);
}

/* ---- labels ------------------------------------------------------------------------------------ */

void db_labels_free(db_labels *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->code[i]);
        free(l->name[i]);
    }
    free(l->code);
    free(l->name);
    memset(l, 0, sizeof *l);
}

int db_load_labels(db_conn *c, const char *table, db_labels *out)
{
    memset(out, 0, sizeof *out);
    PGresult *res = PQexec(c->pg, strcmp(table, "agency") == 0
        ? "SELECT code, name FROM agency WHERE name IS NOT NULL ORDER BY code COLLATE \"C\""
        : "SELECT code, name FROM procedure WHERE name IS NOT NULL ORDER BY code COLLATE \"C\"");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return fail(c, "labels", res);
    size_t n = (size_t)PQntuples(res);
    out->code = calloc(n ? n : 1, sizeof *out->code);
    out->name = calloc(n ? n : 1, sizeof *out->name);
    if (!out->code || !out->name)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        out->code[i] = strdup(PQgetvalue(res, (int)i, 0));
        out->name[i] = strdup(PQgetvalue(res, (int)i, 1));
        out->n = i + 1;
        if (!out->code[i] || !out->name[i])
            goto oom;
    }
    PQclear(res);
    return DB_OK;
oom:
    PQclear(res);
    db_labels_free(out);
    snprintf(c->err, sizeof c->err, "out of memory");
    return DB_ERROR;
}

const char *db_labels_find(const db_labels *l, const char *code)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(l->code[mid], code);
        if (cmp == 0)
            return l->name[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- targets ------------------------------------------------------------------------------------ */

int db_load_targets(db_conn *c, target_set *out)
{
    memset(out, 0, sizeof *out);
    PGresult *res = PQexec(c->pg,
        "SELECT metric, op, target::text, agency, year FROM target ORDER BY id");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return fail(c, "targets", res);
    size_t n = (size_t)PQntuples(res);
    out->v = calloc(n ? n : 1, sizeof *out->v);
    if (!out->v)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        int row = (int)i;
        int r = rate_from_name(PQgetvalue(res, row, 0));
        rate_op op;
        int64_t micro;
        const char *t = PQgetvalue(res, row, 2);
        if (r < 0 || rate_op_parse(PQgetvalue(res, row, 1), &op) != 0 ||
            dec_parse(t, strlen(t), &micro) != 0)
            continue; /* a row this version does not know: skip, do not fail every query */
        target_entry *e = &out->v[out->n++];
        e->rate = (rate_id)r;
        e->target.op = op;
        e->target.micro = micro;
        e->year = PQgetisnull(res, row, 4) ? 0 : atoi(PQgetvalue(res, row, 4));
        e->agency = NULL;
        if (!PQgetisnull(res, row, 3) && !(e->agency = strdup(PQgetvalue(res, row, 3))))
            goto oom;
    }
    PQclear(res);
    return DB_OK;
oom:
    PQclear(res);
    target_set_free(out);
    snprintf(c->err, sizeof c->err, "out of memory");
    return DB_ERROR;
}

int db_replace_targets(db_conn *c, const target_set *s)
{
    int rc;
    if ((rc = db_begin(c)) != DB_OK)
        return rc;
    if ((rc = exec_ok(c, "DELETE FROM target")) != DB_OK)
        goto fail;
    for (size_t i = 0; i < s->n; i++) {
        const target_entry *e = &s->v[i];
        char val[32], year[16];
        dec_format(e->target.micro, val, sizeof val);
        snprintf(year, sizeof year, "%d", e->year);
        const char *params[5] = { rate_name(e->rate), rate_op_str(e->target.op), val,
                                  e->agency, e->year ? year : NULL };
        PGresult *res = PQexecParams(c->pg,
            "INSERT INTO target (metric, op, target, agency, year) VALUES ($1, $2, $3, $4, $5)",
            5, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = fail(c, "insert target", res);
            goto fail;
        }
        PQclear(res);
    }
    return db_commit(c);
fail:
    db_rollback(c);
    return rc;
}
