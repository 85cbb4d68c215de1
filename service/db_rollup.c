/*
 * db_rollup.c - see db_rollup.h. All SQL of the roll-up tables lives here;
 * every value travels as a parameter or through COPY. The column lists are
 * generated from RU_COL_NAMES once per statement, so rollup.h stays the only
 * place that names the counters.
 */
#include "db_rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_bin.h"
#include "refdata.h"
#include "strbuf.h"

#define KEY_COLS "lod, grain, bucket, agency_code, procedure_code, channel, field_code, service_level"
#define ACC_FLUSH_ROWS 300000   /* write a long pass's deltas every so often */

static int exec_cmd(db_conn *c, const char *what, const char *sql, int n,
                    const char *const *params)
{
    /* Without parameters, PQexec: it takes several statements at once. */
    PGresult *res = n ? PQexecParams(db_pgconn(c), sql, n, NULL, params, NULL, NULL, 0)
                      : PQexec(db_pgconn(c), sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return db_fail(c, what, res);
    PQclear(res);
    return DB_OK;
}

static int oom(db_conn *c)
{
    db_set_error(c, "out of memory");
    return DB_ERROR;
}

int db_reference_lock(db_conn *c, bool exclusive)
{
    return exec_cmd(c, "reference lock",
                    exclusive ? "SELECT 1 FROM reference_version WHERE id = 1 FOR UPDATE"
                              : "SELECT 1 FROM reference_version WHERE id = 1 FOR SHARE",
                    0, NULL);
}

int db_rollup_built(db_conn *c, bool *built)
{
    *built = false;
    PGresult *res = PQexec(db_pgconn(c), "SELECT built FROM rollup_state WHERE id = 1");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return db_fail(c, "roll-up state", res);
    *built = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return DB_OK;
}

/* ---- the catalog ------------------------------------------------------------ */

static int cmp_catalog(const void *a, const void *b)
{
    return strcmp(((const ru_catalog *)a)->code, ((const ru_catalog *)b)->code);
}

const ru_catalog *ru_catalog_find(const ru_catalog *v, size_t n, const char *code)
{
    if (!code || n == 0)
        return NULL;
    ru_catalog key = { .code = code };
    return bsearch(&key, v, n, sizeof *v, cmp_catalog);
}

static char *arena_copy(arena_t *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

/* codes as a text[] literal in *arr (caller frees arr->p). */
static int code_array(db_conn *c, const char *const *codes, size_t n, strbuf *arr)
{
    *arr = (strbuf){ 0 };
    db_pg_array(arr, codes, n);
    if (!arr->oom)
        return DB_OK;
    free(arr->p);
    arr->p = NULL;
    return oom(c);
}

int db_rollup_catalog(db_conn *c, const char *const *codes, size_t n, arena_t *a,
                      ru_catalog **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    strbuf arr;
    if (code_array(c, codes, n, &arr) != DB_OK)
        return DB_ERROR;
    const char *params[1] = { arr.p };
    PGresult *res = PQexecParams(db_pgconn(c),
        "SELECT code, field_code, service_level, duration, duration_unit, has_fee"
        " FROM procedure WHERE code = ANY($1::text[])",
        1, NULL, params, NULL, NULL, 0);
    free(arr.p);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return db_fail(c, "catalog", res);
    size_t rows = (size_t)PQntuples(res);
    ru_catalog *v = calloc(rows ? rows : 1, sizeof *v);
    if (!v) {
        PQclear(res);
        return oom(c);
    }
    for (size_t i = 0; i < rows; i++) {
        int r = (int)i;
        ru_catalog *e = &v[i];
        e->code = arena_copy(a, PQgetvalue(res, r, 0));
        e->field_code = PQgetisnull(res, r, 1) ? NULL : arena_copy(a, PQgetvalue(res, r, 1));
        e->service_level = PQgetisnull(res, r, 2) ? 0 : atoi(PQgetvalue(res, r, 2));
        e->duration = PQgetisnull(res, r, 3) ? -1 : atoi(PQgetvalue(res, r, 3));
        e->unit = DUE_NONE;
        if (!PQgetisnull(res, r, 4) && due_unit_parse(PQgetvalue(res, r, 4), &e->unit) != 0)
            e->unit = DUE_NONE;
        e->has_fee = PQgetisnull(res, r, 5) ? -1 : PQgetvalue(res, r, 5)[0] == 't';
        if (!e->code || (!PQgetisnull(res, r, 1) && !e->field_code)) {
            PQclear(res);
            free(v);
            return oom(c);
        }
    }
    PQclear(res);
    qsort(v, rows, sizeof *v, cmp_catalog);
    *out = v;
    *nout = rows;
    return DB_OK;
}

/* ---- writing deltas ----------------------------------------------------------- */

typedef struct {
    strbuf b;
    PGconn *pg;
    bool failed;
} copy_ctx;

static int copy_flush(copy_ctx *x)
{
    if (x->b.len && PQputCopyData(x->pg, x->b.p, (int)x->b.len) != 1)
        x->failed = true;
    x->b.len = 0;
    return x->failed ? -1 : 0;
}

/* One roll-up row in COPY's binary format: the key, then the counters
 * (bigint for the duration sums, integer for the rest) and h0..h63 (0 as
 * NULL), or for a long-tail row wd and n. */
static int copy_one(void *ctx, const ru_row *r)
{
    copy_ctx *x = ctx;
    db_bin_count(&x->b, 8 + (r->hist ? 2 : RU__COUNT + RU_HIST_COLS));
    db_bin_i16(&x->b, r->lod);
    db_bin_i16(&x->b, r->grain);
    db_bin_date(&x->b, r->bucket);
    db_bin_text(&x->b, r->agency);
    db_bin_text(&x->b, r->procedure);
    db_bin_i16(&x->b, r->channel);
    db_bin_text(&x->b, r->field);
    db_bin_i16(&x->b, r->level);
    if (r->hist) {
        db_bin_i32(&x->b, r->wd);
        db_bin_i32(&x->b, r->v[0]);
    } else {
        for (int k = 0; k < RU__COUNT; k++) {
            if (k == RU_DUR_WD || k == RU_DUR_SEC || k == RU_DUR_US)
                db_bin_i64(&x->b, r->v[k]);
            else
                db_bin_i32(&x->b, r->v[k]);
        }
        for (int k = 0; k < RU_HIST_COLS; k++) {
            if (r->h[k])
                db_bin_i32(&x->b, r->h[k]);
            else
                db_bin_null(&x->b);
        }
    }
    if (x->b.oom) {
        x->failed = true;
        return -1;
    }
    return x->b.len >= 256 * 1024 ? copy_flush(x) : 0;
}

static int ensure_stage(db_conn *c)
{
    if (db_staged(c, DB_STAGE_ROLLUP))
        return DB_OK;
    int rc = exec_cmd(c, "roll-up staging",
                      "CREATE TEMP TABLE IF NOT EXISTS stage_rollup (LIKE rollup)"
                      " ON COMMIT DELETE ROWS;"
                      " CREATE TEMP TABLE IF NOT EXISTS stage_rollup_hist (LIKE rollup_hist_long)"
                      " ON COMMIT DELETE ROWS",
                      0, NULL);
    if (rc == DB_OK)
        db_set_staged(c, DB_STAGE_ROLLUP);
    return rc;
}

/* COPY the rows of one kind into its staging table, then upsert them. */
static int write_kind(db_conn *c, rollup_acc *acc, bool hist)
{
    PGconn *pg = db_pgconn(c);
    strbuf sql = { 0 };
    sb_puts(&sql, hist ? "COPY stage_rollup_hist (" KEY_COLS ", wd, n) FROM STDIN (FORMAT binary)"
                       : "COPY stage_rollup (" KEY_COLS);
    for (int k = 0; !hist && k < RU__COUNT; k++) {
        sb_puts(&sql, ", ");
        sb_puts(&sql, RU_COL_NAMES[k]);
    }
    for (int k = 0; !hist && k < RU_HIST_COLS; k++) {
        sb_puts(&sql, ", h");
        sb_i64(&sql, k);
    }
    if (!hist)
        sb_puts(&sql, ") FROM STDIN (FORMAT binary)");
    if (sql.oom) {
        free(sql.p);
        return oom(c);
    }
    PGresult *res = PQexec(pg, sql.p);
    free(sql.p);
    sql = (strbuf){ 0 };
    if (PQresultStatus(res) != PGRES_COPY_IN)
        return db_fail(c, "roll-up COPY", res);
    PQclear(res);
    copy_ctx x = { { 0 }, pg, false };
    db_bin_header(&x.b);
    rollup_acc_each(acc, hist, copy_one, &x);
    db_bin_trailer(&x.b);
    copy_flush(&x);
    free(x.b.p);
    int rc = DB_OK;
    if (PQputCopyEnd(pg, x.failed ? "motcua: aborted" : NULL) != 1)
        rc = DB_ERROR;
    res = PQgetResult(pg);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = db_fail(c, "roll-up COPY", res);
    else
        PQclear(res);
    while ((res = PQgetResult(pg)))
        PQclear(res);
    if (rc != DB_OK || x.failed)
        return rc != DB_OK ? rc : oom(c);

    /* Key order, as the accumulator handed them over: concurrent chunks lock
     * roll-up rows in the same order and cannot deadlock on them. */
    sb_puts(&sql, hist ? "INSERT INTO rollup_hist_long AS r SELECT * FROM stage_rollup_hist"
                       : "INSERT INTO rollup AS r SELECT * FROM stage_rollup");
    sb_puts(&sql, " ORDER BY lod, grain, bucket, agency_code COLLATE \"C\","
                  " procedure_code COLLATE \"C\", channel, field_code COLLATE \"C\","
                  " service_level");
    sb_puts(&sql, hist ? ", wd ON CONFLICT (" KEY_COLS ", wd) DO UPDATE SET n = r.n + EXCLUDED.n"
                       : " ON CONFLICT (" KEY_COLS ") DO UPDATE SET ");
    for (int k = 0; !hist && k < RU__COUNT; k++) {
        sb_puts(&sql, k ? ", " : "");
        sb_puts(&sql, RU_COL_NAMES[k]);
        sb_puts(&sql, " = r.");
        sb_puts(&sql, RU_COL_NAMES[k]);
        sb_puts(&sql, " + EXCLUDED.");
        sb_puts(&sql, RU_COL_NAMES[k]);
    }
    for (int k = 0; !hist && k < RU_HIST_COLS; k++) {
        char col[16];
        snprintf(col, sizeof col, "h%d", k);
        sb_puts(&sql, ", ");
        sb_puts(&sql, col);
        sb_puts(&sql, " = CASE WHEN EXCLUDED.");
        sb_puts(&sql, col);
        sb_puts(&sql, " IS NULL THEN r.");
        sb_puts(&sql, col);
        sb_puts(&sql, " ELSE COALESCE(r.");
        sb_puts(&sql, col);
        sb_puts(&sql, ", 0) + EXCLUDED.");
        sb_puts(&sql, col);
        sb_puts(&sql, " END");
    }
    sb_puts(&sql, hist ? "; TRUNCATE stage_rollup_hist" : "; TRUNCATE stage_rollup");
    if (sql.oom) {
        free(sql.p);
        return oom(c);
    }
    rc = exec_cmd(c, "roll-up upsert", sql.p, 0, NULL);
    free(sql.p);
    return rc;
}

int db_rollup_apply(db_conn *c, rollup_acc *acc)
{
    int rc = DB_OK;
    if (rollup_acc_size(acc) > 0) {
        if ((rc = ensure_stage(c)) == DB_OK && (rc = write_kind(c, acc, false)) == DB_OK)
            rc = write_kind(c, acc, true);
    }
    rollup_acc_clear(acc);
    return rc;
}

/* ---- passes over dossiers -------------------------------------------------------- */

typedef struct {
    db_conn *c;
    rollup_acc *acc;
    const calendar_t *cal;
    int sign, rc;
    long rows;
    void (*progress)(void *ctx, long rows);
    void *progress_ctx;
} pass_ctx;

static int pass_row(void *ctx, const metrics_row_t *r)
{
    pass_ctx *p = ctx;
    if (rollup_acc_add(p->acc, r, p->cal, p->sign) != 0) {
        p->rc = oom(p->c);
        return 1;
    }
    if (++p->rows % 100000 == 0 && p->progress)
        p->progress(p->progress_ctx, p->rows);
    return 0;
}

/* Streams the selected rows into the accumulator. The stream cannot share
 * the connection with a COPY, so the deltas of a huge pass wait in memory
 * until it ends (about 250 bytes per distinct roll-up row). */
static int pass(db_conn *c, pass_ctx *p, const char *where, int n, const char *const *params,
                const office_hours *oh)
{
    p->c = c;
    p->rc = DB_OK;
    int rc = db_stream_rows(c, where, n, params, p->cal, oh, pass_row, p);
    if (p->rc != DB_OK)
        return p->rc;
    if (rc == DB_OK && rollup_acc_size(p->acc) > ACC_FLUSH_ROWS)
        rc = db_rollup_apply(c, p->acc);
    return rc;
}

int db_rollup_pass_procedures(db_conn *c, rollup_acc *acc, const calendar_t *cal,
                              const office_hours *oh, const char *const *codes, size_t n,
                              int sign)
{
    if (n == 0)
        return DB_OK;
    strbuf arr;
    if (code_array(c, codes, n, &arr) != DB_OK)
        return DB_ERROR;
    const char *params[1] = { arr.p };
    pass_ctx p = { .acc = acc, .cal = cal, .sign = sign };
    int rc = pass(c, &p, "d.procedure_code = ANY($1::text[])", 1, params, oh);
    free(arr.p);
    return rc;
}

int db_rollup_pass_days(db_conn *c, rollup_acc *acc, const calendar_t *cal,
                        const office_hours *oh, day_t lo, day_t hi, int sign)
{
    char until[TS_FMT_MAX], from[TS_FMT_MAX];
    ts_format_pg(ts_day_start(hi + 1), until, sizeof until);
    ts_format_pg(ts_day_start(lo), from, sizeof from);
    const char *params[2] = { until, from };
    pass_ctx p = { .acc = acc, .cal = cal, .sign = sign };
    return pass(c, &p,
                "d.received_at < $1::timestamptz"
                " AND (d.finished_at IS NULL OR d.finished_at >= $2::timestamptz)",
                2, params, oh);
}

int db_rollup_rebuild(db_conn *c, const office_hours *oh,
                      void (*progress)(void *ctx, long rows), void *ctx)
{
    calendar_t *cal = NULL;
    rollup_acc *acc = rollup_acc_new();
    int rc;
    if (!acc)
        return oom(c);
    if ((rc = db_begin(c)) != DB_OK)
        goto done;
    if ((rc = db_reference_lock(c, true)) != DB_OK ||
        (rc = refdata_build(c, &cal)) != DB_OK ||
        (rc = exec_cmd(c, "clear roll-ups", "TRUNCATE rollup, rollup_hist_long", 0, NULL)) != DB_OK)
        goto fail;
    /* One pass per month of reception keeps the deltas held in memory to a
     * month's worth at a time. */
    PGresult *res = PQexec(db_pgconn(c),
        "SELECT (extract(epoch FROM min(received_at)) * 1000000)::int8,"
        " (extract(epoch FROM max(received_at)) * 1000000)::int8 FROM dossier");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = db_fail(c, "dossier months", res);
        goto fail;
    }
    bool empty = PQgetisnull(res, 0, 0);
    ts_t first = empty ? 0 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    ts_t last = empty ? 0 : strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    pass_ctx p = { .acc = acc, .cal = cal, .sign = 1, .progress = progress,
                   .progress_ctx = ctx };
    int y, m, d, y1, m1;
    day_to_ymd(ts_day(first), &y, &m, &d);
    day_to_ymd(ts_day(last), &y1, &m1, &d);
    for (bool first_pass = true; !empty && rc == DB_OK; first_pass = false) {
        /* [start of month y-m, start of the next); unbounded at both ends */
        int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
        bool last_pass = y > y1 || (y == y1 && m >= m1);
        char lo[TS_FMT_MAX], hi[TS_FMT_MAX];
        ts_format_pg(ts_day_start(day_from_ymd(y, m, 1)), lo, sizeof lo);
        ts_format_pg(ts_day_start(day_from_ymd(ny, nm, 1)), hi, sizeof hi);
        const char *params[2] = { first_pass ? NULL : lo, last_pass ? NULL : hi };
        rc = pass(c, &p,
                  "($1::timestamptz IS NULL OR d.received_at >= $1::timestamptz)"
                  " AND ($2::timestamptz IS NULL OR d.received_at < $2::timestamptz)",
                  2, params, oh);
        if (rc == DB_OK)
            rc = db_rollup_apply(c, acc);
        if (last_pass)
            break;
        y = ny;
        m = nm;
    }
    if (rc == DB_OK)
        rc = exec_cmd(c, "roll-up state",
                      "INSERT INTO rollup_state (id, built, at) VALUES (1, true, now())"
                      " ON CONFLICT (id) DO UPDATE SET built = true, at = now()",
                      0, NULL);
    if (rc == DB_OK)
        rc = db_commit(c);
    if (rc == DB_OK) {
        if (progress)
            progress(ctx, p.rows);
        goto done;
    }
fail:
    db_rollback(c);
done:
    calendar_free(cal);
    rollup_acc_free(acc);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------ */

/* Which of the fixed key expressions a query uses (part of the name of the
 * prepared statement). */
static int key_index(const metrics_query_t *q)
{
    return q->group_bucket != BK_NONE ? 0 : (int)q->group_dim;
}

/* The group key expression of a dimension (a fixed string, never input). */
static const char *key_expr(const metrics_query_t *q)
{
    if (q->group_bucket != BK_NONE)
        return "NULL::text";
    switch (q->group_dim) {
    case DIM_AGENCY:    return "r.agency_code";
    case DIM_PROCEDURE: return "r.procedure_code";
    case DIM_FIELD:     return "NULLIF(r.field_code, '')";
    case DIM_CHANNEL:   return "r.channel::text";
    case DIM_LEVEL:     return "NULLIF(r.service_level, 0)::text";
    case DIM_NONE:      break;
    }
    return "NULL::text";
}

static void int_array(strbuf *b, const ru_segment *seg, size_t n, int which)
{
    sb_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_putc(b, ',');
        if (which == 0)
            sb_i64(b, seg[i].win);
        else if (which == 1)
            sb_i64(b, seg[i].grain);
        else {
            char day[DAY_FMT_MAX];
            day_format(which == 2 ? seg[i].lo : seg[i].hi, day, sizeof day);
            sb_puts(b, day);
        }
    }
    sb_putc(b, '}');
}

int db_rollup_sums(db_conn *c, const metrics_query_t *q, int lod, const ru_segment *seg,
                   size_t nseg, ru_sum_kind kind, db_rollup_each each, void *ctx)
{
    strbuf sql = { 0 }, arr[4] = { { 0 } };
    int rc = DB_OK;
    bool hist = kind == RU_SUM_LONG, states = kind == RU_SUM_STATES;
    if (nseg == 0)
        return DB_OK;
    sb_puts(&sql, "SELECT s.win, ");
    sb_puts(&sql, key_expr(q));
    if (hist) {
        sb_puts(&sql, ", r.wd, sum(r.n)::int8");
    } else if (states) {
        for (int k = RU_S_NW_IN; k <= RU_S_W_OVER; k++) {
            sb_puts(&sql, ", sum(r.");
            sb_puts(&sql, RU_COL_NAMES[k]);
            sb_puts(&sql, ")::int8");
        }
    } else {
        for (int k = 0; k < RU__COUNT; k++) {
            sb_puts(&sql, ", sum(r.");
            sb_puts(&sql, RU_COL_NAMES[k]);
            sb_puts(&sql, ")::int8");
        }
        for (int k = 0; k < RU_HIST_COLS; k++) {
            sb_puts(&sql, ", sum(r.h");
            sb_i64(&sql, k);
            sb_puts(&sql, ")::int8");
        }
    }
    /* LATERAL with OFFSET 0 (which keeps the planner from flattening it into
     * a join): one index range scan of the primary key per segment. As a
     * join, the planner, which cannot see how few and narrow the segments
     * are, chose a scan of the whole table (50 ms instead of 1 at 200,000
     * dossiers). */
    sb_puts(&sql, " FROM unnest($1::int4[], $2::int2[], $3::date[], $4::date[])"
                  " AS s(win, grain, lo, hi) CROSS JOIN LATERAL (SELECT * FROM ");
    sb_puts(&sql, hist ? "rollup_hist_long" : "rollup");
    sb_puts(&sql, " r WHERE r.lod = $5::int2 AND r.grain = s.grain AND r.bucket BETWEEN s.lo AND s.hi"
                  " AND ($6::text IS NULL OR r.agency_code = $6)"
                  " AND ($7::text IS NULL OR starts_with(r.agency_code, $7))"
                  " AND ($8::text IS NULL OR r.procedure_code = $8)"
                  " AND ($9::text IS NULL OR r.field_code = $9)"
                  " AND ($10::int2 IS NULL OR r.channel = $10)"
                  " AND ($11::int2 IS NULL OR r.service_level = $11) OFFSET 0) r");
    sb_puts(&sql, hist ? " WHERE s.win > 0 GROUP BY 1, 2, 3" : " GROUP BY 1, 2");
    for (int k = 0; k < 4; k++)
        int_array(&arr[k], seg, nseg, k);
    char lod_s[8];
    snprintf(lod_s, sizeof lod_s, "%d", lod);
    db_filter_buf fb;
    const char *params[11] = { arr[0].p, arr[1].p, arr[2].p, arr[3].p, lod_s };
    db_filter_params(q, &fb, params + 5);
    if (sql.oom || arr[0].oom || arr[1].oom || arr[2].oom || arr[3].oom) {
        rc = oom(c);
        goto done;
    }
    /* Prepared once per connection and statement shape: planning 90
     * aggregates on every request cost more than running them. */
    char name[32];
    int id = (int)kind * 8 + key_index(q);
    snprintf(name, sizeof name, "motcua_ru_sums_%d", id);
    unsigned bit = 1u << (8 + id);
    if (!db_staged(c, bit)) {
        PGresult *pr = PQprepare(db_pgconn(c), name, sql.p, 11, NULL);
        const char *state = PQresultErrorField(pr, PG_DIAG_SQLSTATE);
        if (PQresultStatus(pr) != PGRES_COMMAND_OK && !(state && !strcmp(state, "42P05"))) {
            rc = db_fail(c, "roll-up sums", pr);   /* 42P05: prepared before a rollback */
            goto done;
        }
        PQclear(pr);
        db_set_staged(c, bit);
    }
    PGresult *res = PQexecPrepared(db_pgconn(c), name, 11, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = db_fail(c, "roll-up sums", res);
        goto done;
    }
    int rows = PQntuples(res);
    for (int i = 0; i < rows && rc == DB_OK; i++) {
        int64_t v[RU__COUNT] = { 0 }, h[RU_HIST_COLS] = { 0 }, wd = 0;
        int win = atoi(PQgetvalue(res, i, 0));
        const char *key = PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1);
        if (hist) {
            wd = strtoll(PQgetvalue(res, i, 2), NULL, 10);
            v[0] = strtoll(PQgetvalue(res, i, 3), NULL, 10);
        } else if (states) {
            for (int k = RU_S_NW_IN; k <= RU_S_W_OVER; k++)
                v[k] = strtoll(PQgetvalue(res, i, 2 + k - RU_S_NW_IN), NULL, 10);
        } else {
            for (int k = 0; k < RU__COUNT; k++)
                v[k] = strtoll(PQgetvalue(res, i, 2 + k), NULL, 10);
            for (int k = 0; k < RU_HIST_COLS; k++)   /* NULL: none */
                h[k] = strtoll(PQgetvalue(res, i, 2 + RU__COUNT + k), NULL, 10);
        }
        if (each(ctx, win, key, v, hist ? NULL : h, wd) != 0) {
            db_set_error(c, "roll-up sums: stopped by the aggregator");
            rc = DB_ERROR;
        }
    }
    PQclear(res);
done:
    free(sql.p);
    for (int k = 0; k < 4; k++)
        free(arr[k].p);
    return rc;
}

int db_rollup_event_rows(db_conn *c, const metrics_query_t *q, ts_t after, ts_t until,
                         const calendar_t *cal, const office_hours *oh,
                         int (*row)(void *ctx, const metrics_row_t *r), void *ctx)
{
    char a[TS_FMT_MAX], u[TS_FMT_MAX];
    ts_format_pg(after, a, sizeof a);
    ts_format_pg(until, u, sizeof u);
    db_filter_buf fb;
    const char *params[8] = { a, u };
    db_filter_params(q, &fb, params + 2);
    return db_stream_rows(c,
        "d.status NOT IN (1, 3)"
        " AND ((d.received_at > $1::timestamptz AND d.received_at <= $2::timestamptz)"
        "  OR (d.finished_at > $1::timestamptz AND d.finished_at <= $2::timestamptz)"
        "  OR (d.status IN (5, 6)"
        "   AND COALESCE(d.supplement_requested_at, d.updated_at, d.received_at) > $1::timestamptz"
        "   AND COALESCE(d.supplement_requested_at, d.updated_at, d.received_at) <= $2::timestamptz))"
        " AND ($3::text IS NULL OR d.agency_code = $3)"
        " AND ($4::text IS NULL OR starts_with(d.agency_code, $4))"
        " AND ($5::text IS NULL OR d.procedure_code = $5)"
        " AND ($6::text IS NULL OR COALESCE(d.field_code, p.field_code) = $6)"
        " AND ($7::smallint IS NULL OR d.channel = $7)"
        " AND ($8::smallint IS NULL OR COALESCE(d.service_level, p.service_level) = $8)",
        8, params, cal, oh, row, ctx);
}
