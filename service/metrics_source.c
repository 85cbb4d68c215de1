/*
 * metrics_source.c - fills a metrics result from the roll-up tables when they
 * can answer the query, else from the dossier rows (see the header for why
 * this is one function, docs/ROLLUPS.md for the design).
 *
 * The roll-up answer: the query's days are cut into windows (window 0:
 * everything before the period; then the period, or each time bucket, up to
 * the day of as_of), each window summed from a few year, month and day rows.
 * Window 0 gives the open state the period starts with (carried over);
 * each later window its flows and the change of the open state. When as_of
 * falls inside a day, the events of that day after as_of are found through
 * the indexes and taken back out.
 *
 * The dossier rows answer what the roll-ups do not hold: the cohort basis
 * (a dossier's reception and its state at as_of in one count), an as_of
 * before the period starts, a procedure, field, channel or level filter or
 * grouping together with an agency filter (the detail roll-ups are
 * province-wide: keyed by agency too they were as large as the dossier table
 * and cost ingest most of its speed), and a database whose roll-ups are not
 * built yet.
 */
#include "metrics_source.h"

#include <stdlib.h>
#include <string.h>

#include "db_rollup.h"
#include "rollup.h"

typedef struct {
    metrics_result_t *m;
    int rc;
} feed_ctx;

static int feed(void *ctx, const metrics_row_t *row)
{
    feed_ctx *f = ctx;
    f->rc = metrics_add(f->m, row);
    return f->rc;
}

static int fill_from_rows(db_conn *c, const metrics_query_t *q, const calendar_t *cal,
                          const office_hours *oh, metrics_result_t *m, int *add_rc)
{
    feed_ctx f = { m, 0 };
    int rc = db_metrics_rows(c, q, cal, oh, feed, &f);
    *add_rc = f.rc;
    if (f.rc != 0 && rc == DB_OK)
        rc = DB_ERROR;
    return rc;
}

/* ---- the roll-up answer -------------------------------------------------------- */

typedef struct {
    metrics_result_t *m;
    const metrics_query_t *q;
    const calendar_t *cal;
    bool buckets;
    size_t *bucket_of;        /* window k >= 1 -> bucket index */
    int64_t (*wsum)[RU__COUNT];  /* buckets: the sums of each window */
    size_t nwin;
    day_t as_of_day;
    ts_t as_of;
    int add_rc;
} ru_ctx;

/* A group's key as metrics.c names it: a channel by its name. */
static const char *group_key(const ru_ctx *x, const char *key)
{
    if (key && x->q->group_dim == DIM_CHANNEL && x->q->group_bucket == BK_NONE)
        return channel_name(atoi(key));
    return key;
}

/* Adds the counts of window win's sums v to the total and the group. */
static int add_window(ru_ctx *x, int win, const char *key, const int64_t *v)
{
    counts_t cnt;
    rollup_window_counts(v, win == 0, &cnt);
    int64_t wd = win ? v[RU_DUR_WD] : 0, sec = win ? v[RU_DUR_SEC] : 0,
            us = win ? v[RU_DUR_US] : 0;
    int rc = metrics_add_counts(x->m, MT_TOTAL, NULL, 0, &cnt, wd, sec, us);
    if (rc == 0 && x->q->group_dim != DIM_NONE)
        rc = metrics_add_counts(x->m, MT_GROUP, group_key(x, key), 0, &cnt, wd, sec, us);
    return rc;
}

/* n durations of wd working days in window win (>= 1), to the total and to
 * the window's bucket or the key's group. */
static int add_durations(ru_ctx *x, int win, const char *key, int64_t wd, int64_t n)
{
    int rc = metrics_add_durations(x->m, MT_TOTAL, NULL, 0, wd, n);
    if (rc == 0 && x->buckets)
        rc = metrics_add_durations(x->m, MT_BUCKET, NULL, x->bucket_of[win], wd, n);
    else if (rc == 0 && x->q->group_dim != DIM_NONE)
        rc = metrics_add_durations(x->m, MT_GROUP, group_key(x, key), 0, wd, n);
    return rc;
}

static int on_sums(void *ctx, int win, const char *key, const int64_t *v, const int64_t *h,
                   int64_t wd)
{
    ru_ctx *x = ctx;
    (void)wd;
    if (win < 0 || (size_t)win >= x->nwin)
        return 0;
    int rc = 0;
    for (int k = 0; win > 0 && k < RU_HIST_COLS && rc == 0; k++)
        if (h[k])
            rc = add_durations(x, win, key, k, h[k]);
    if (rc == 0 && x->buckets) {
        for (int k = 0; k < RU__COUNT; k++)
            x->wsum[win][k] += v[k];
    } else if (rc == 0) {
        rc = add_window(x, win, key, v);
    }
    return x->add_rc = rc;
}

static int on_long(void *ctx, int win, const char *key, const int64_t *v, const int64_t *h,
                   int64_t wd)
{
    ru_ctx *x = ctx;
    (void)h;
    if (win < 1 || (size_t)win >= x->nwin)
        return 0;
    return x->add_rc = add_durations(x, win, key, wd, v[0]);
}

/* Buckets: window 0 opens the first bucket; each bucket starts with the
 * open state the previous ones left. */
static int add_buckets(ru_ctx *x)
{
    int64_t open[RU__COUNT] = { 0 };
    int rc = add_window(x, 0, NULL, x->wsum[0]);
    for (int k = RU_S_NW_IN; k <= RU_S_W_OVER; k++)
        open[k] = x->wsum[0][k];
    for (size_t w = 1; w < x->nwin && rc == 0; w++) {
        counts_t before, flows;
        rollup_window_counts(open, true, &before);
        rollup_window_counts(x->wsum[w], false, &flows);
        const int64_t *v = x->wsum[w];
        size_t b = x->bucket_of[w];
        rc = metrics_add_counts(x->m, MT_BUCKET, NULL, b, &before, 0, 0, 0);
        if (rc == 0)
            rc = metrics_add_counts(x->m, MT_BUCKET, NULL, b, &flows, v[RU_DUR_WD],
                                    v[RU_DUR_SEC], v[RU_DUR_US]);
        if (rc == 0)
            rc = metrics_add_counts(x->m, MT_TOTAL, NULL, 0, &flows, v[RU_DUR_WD],
                                    v[RU_DUR_SEC], v[RU_DUR_US]);
        for (int k = RU_S_NW_IN; k <= RU_S_W_OVER; k++)
            open[k] += v[k];
    }
    return rc;
}

/* A dossier with an event after as_of on as_of's own day: those events are
 * in the day's roll-up rows but not in the answer; take them out again. */
static int on_late_row(void *ctx, const metrics_row_t *r)
{
    ru_ctx *x = ctx;
    if (!metrics_row_counts(x->m, r))
        return 0;
    ru_event ev[RU_MAX_EVENTS];
    int n = rollup_events(r, x->cal, ev);
    char buf[4];
    const char *key = x->q->group_dim != DIM_NONE ? metrics_row_key(x->m, r, buf) : NULL;
    for (int i = 0; i < n; i++) {
        if (ev[i].at <= x->as_of || ts_day(ev[i].at) != x->as_of_day)
            continue;
        int64_t v[RU__COUNT];
        for (int k = 0; k < RU__COUNT; k++)
            v[k] = -ev[i].v[k];
        counts_t cnt;
        rollup_window_counts(v, false, &cnt);
        int rc = metrics_add_counts(x->m, MT_TOTAL, NULL, 0, &cnt, v[RU_DUR_WD],
                                    v[RU_DUR_SEC], v[RU_DUR_US]);
        metrics_target t = x->buckets ? MT_BUCKET : MT_GROUP;
        size_t b = x->buckets ? x->bucket_of[x->nwin - 1] : 0;
        bool part = x->buckets || x->q->group_dim != DIM_NONE;
        if (rc == 0 && part)
            rc = metrics_add_counts(x->m, t, key, b, &cnt, v[RU_DUR_WD], v[RU_DUR_SEC],
                                    v[RU_DUR_US]);
        if (rc == 0 && ev[i].finish) {
            rc = metrics_add_durations(x->m, MT_TOTAL, NULL, 0, ev[i].wd, -1);
            if (rc == 0 && part)
                rc = metrics_add_durations(x->m, t, key, b, ev[i].wd, -1);
        }
        if (rc != 0) {
            x->add_rc = rc;
            return rc;
        }
    }
    return 0;
}

/* Can the roll-ups answer q, and at which level of detail: the province
 * rows when nothing narrows or splits by agency, the agency rows for an
 * agency filter or grouping, the (province-wide) detail rows for the other
 * filters and groupings. */
static bool rollup_can(const metrics_query_t *q, int *lod)
{
    if (q->basis != BASIS_FLOW || q->as_of < ts_day_start(q->period.from))
        return false;
    dim_t g = q->group_bucket == BK_NONE ? q->group_dim : DIM_NONE;
    bool detail = q->procedure[0] || q->field[0] || q->channel || q->service_level ||
                  (g != DIM_NONE && g != DIM_AGENCY);
    if (detail && (q->agency[0] || g == DIM_AGENCY))
        return false;
    if (detail)
        *lod = RU_LOD_DETAIL;
    else if (q->agency[0] || g == DIM_AGENCY)
        *lod = RU_LOD_AGENCY;
    else
        *lod = RU_LOD_PROVINCE;
    return true;
}

static int fill_from_rollups(db_conn *c, const metrics_query_t *q, const calendar_t *cal,
                             const office_hours *oh, metrics_result_t *m, int lod,
                             int *add_rc)
{
    ru_ctx x = { .m = m, .q = q, .cal = cal, .buckets = q->group_bucket != BK_NONE,
                 .as_of = q->as_of, .as_of_day = ts_day(q->as_of) };
    size_t nb = 0, cap, nseg = 0;
    ru_segment *seg = NULL;
    int rc = DB_OK;
    if (x.buckets && (*add_rc = metrics_buckets(m, &nb)) != 0)
        return DB_ERROR;
    /* windows: 0, then the period or each bucket begun by as_of */
    x.bucket_of = calloc(nb + 2, sizeof *x.bucket_of);
    x.wsum = calloc(nb + 2, sizeof *x.wsum);
    cap = 8 * (nb + 2);
    seg = malloc(cap * sizeof *seg);
    if (!x.bucket_of || !x.wsum || !seg) {
        *add_rc = -1;
        rc = DB_ERROR;
        goto done;
    }
    day_t from = q->period.from;
    if (x.buckets && nb > 0) {
        day_t bf, bt;
        bool active;
        metrics_bucket_days(m, 0, &bf, &bt, &active);
        from = bf;
    }
    if ((nseg = rollup_segments(rollup_first_day(), from - 1, 0, seg, 0, cap)) == (size_t)-1)
        goto too_many;
    x.nwin = 1;
    if (x.buckets) {
        for (size_t b = 0; b < nb; b++) {
            day_t bf, bt;
            bool active;
            metrics_bucket_days(m, b, &bf, &bt, &active);
            if (!active)
                break;
            if (bt > x.as_of_day)
                bt = x.as_of_day;
            x.bucket_of[x.nwin] = b;
            nseg = rollup_segments(bf, bt, (int)x.nwin++, seg, nseg, cap);
            if (nseg == (size_t)-1)
                goto too_many;
        }
    } else {
        day_t to = q->period.to < x.as_of_day ? q->period.to : x.as_of_day;
        nseg = rollup_segments(from, to, 1, seg, nseg, cap);
        if (nseg == (size_t)-1)
            goto too_many;
        x.nwin = 2;
    }
    /* window 0 needs only the open state: its segments come first */
    size_t n0 = 0;
    while (n0 < nseg && seg[n0].win == 0)
        n0++;
    rc = db_rollup_sums(c, q, lod, seg, n0, RU_SUM_STATES, on_sums, &x);
    if (rc == DB_OK)
        rc = db_rollup_sums(c, q, lod, seg + n0, nseg - n0, RU_SUM_ALL, on_sums, &x);
    if (rc == DB_OK && x.buckets && (x.add_rc = add_buckets(&x)) != 0)
        rc = DB_ERROR;
    if (rc == DB_OK)
        rc = db_rollup_sums(c, q, lod, seg + n0, nseg - n0, RU_SUM_LONG, on_long, &x);
    if (rc == DB_OK && x.nwin > 1 && q->as_of < ts_day_end(x.as_of_day))
        rc = db_rollup_event_rows(c, q, q->as_of, ts_day_end(x.as_of_day), cal, oh,
                                  on_late_row, &x);
    if (x.add_rc) {   /* the aggregator stopped a read: out of memory, too many groups */
        *add_rc = x.add_rc;
        rc = DB_ERROR;
    }
    goto done;
too_many:
    *add_rc = -1;
    rc = DB_ERROR;
done:
    free(seg);
    free(x.bucket_of);
    free(x.wsum);
    return rc;
}

int metrics_source_fill(db_conn *c, const metrics_query_t *q, const calendar_t *cal,
                        const office_hours *oh, metrics_result_t *m, int *add_rc)
{
    *add_rc = 0;
    if (q->match_none)
        return DB_OK;   /* a scoped key asked outside its scope: nothing */
    int lod;
    bool built = false;
    int rc = db_rollup_built(c, &built);
    if (rc != DB_OK)
        return rc;
    if (built && rollup_can(q, &lod))
        return fill_from_rollups(c, q, cal, oh, m, lod, add_rc);
    return fill_from_rows(c, q, cal, oh, m, add_rc);
}
