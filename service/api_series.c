/*
 * api_series.c - GET /v1/metrics/series?interval=day|week|month|quarter|year
 * (spec §7): every bucket of the range, empty ones included, each with its
 * counts and rates, and each rate's change against the previous bucket
 * (delta_prev) and against the same bucket a year earlier (delta_year).
 *
 * Why this file exists: a series is the metrics query grouped by a time
 * bucket (same period, as_of, basis, filters and calendar, parsed by
 * query_parse_metrics and aggregated by metrics.c, so each bucket equals
 * /v1/metrics over that bucket's own from/to), plus the two deltas, which
 * need the buckets of the year before the range too.
 *
 * How the year before is found: two aggregations are filled through
 * metrics_source_fill (from the roll-ups when they can answer): the series
 * itself over [from, to], and a "year-back" series over [from_back,
 * to_back], from_back = the start of the bucket holding from - 380 days and
 * to_back = the end of the bucket holding to - 364 days (at most `to`):
 * every bucket a year before a bucket of the range lies in it, whole.
 *
 * Decisions (see docs/DECISIONS.md):
 *  - interval is required (400 naming `interval` when absent or unknown);
 *    group_by is not a series parameter and is ignored like any unknown one.
 *  - "The same bucket a year before" is the bucket whose name is this one's
 *    with the year less one: day 2024-03-14 -> 2023-03-14 (29 February ->
 *    28 February), week 2024-W10 -> 2023-W10 (a W53 whose previous ISO year
 *    has none -> delta_year null), 2024-03 -> 2023-03, 2024-Q1 -> 2023-Q1,
 *    2024 -> 2023; with calendar=report the report buckets of those names.
 *    It is the whole bucket, evaluated as a period of its own (carried over
 *    at its start, pending at its end, as_of permitting), even when the
 *    bucket it is compared with is clipped by from/to.
 *  - delta_prev compares with the previous bucket as listed (the first
 *    bucket has none: null). Deltas are plain double differences of the
 *    two values, null when either value is null.
 *  - The range and the year before it together hold at most 10,000
 *    buckets; beyond that the answer is 400 naming `interval`.
 *  - Besides "interval" and "buckets" the answer carries "period" and
 *    "filters" as /v1/metrics does; each bucket carries "key" (its name).
 *  - CSV: BOM, header key,from,to,<counts…>, then per rate <rate>,
 *    <rate>_numerator, _denominator, _target, _status, _gap, _delta_prev,
 *    _delta_year; one row per bucket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "jsonw.h"
#include "metrics.h"
#include "metrics_source.h"
#include "period.h"
#include "strbuf.h"

#define SERIES_BUCKETS_MAX 10000

typedef struct {
    metrics_result_t *series, *back;
    int rc;
} feed_ctx;

/* The request's parameters without group_by (not a series parameter). */
static size_t params_without_group_by(const http_req *req, kv_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < req->nparams; i++)
        if (req->params[i].key == NULL || strcmp(req->params[i].key, "group_by") != 0)
            out[n++] = req->params[i];
    return n;
}

/* Buckets of kind k tiling [from, to], counting past cap at most once. */
static long count_buckets(period_calendar pc, bucket_kind k, day_t from, day_t to, long cap)
{
    long n = 0;
    for (day_t b = bucket_start_cal(pc, k, from); b <= to && n <= cap;
         b = bucket_next_cal(pc, k, b)) {
        n++;
        if (bucket_next_cal(pc, k, b) <= b)   /* defensive: never loop forever */
            return cap + 1;
    }
    return n;
}

/* The name of the bucket one year before the bucket named `name`, or -1
 * when it has none (an unparseable name). */
static int year_before_name(bucket_kind k, const char *name, char *out, size_t cap)
{
    int y = 0;
    for (int i = 0; i < 4; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        y = y * 10 + (name[i] - '0');
    }
    if (y <= 1)
        return -1;
    unsigned prev = (unsigned)(y - 1) % 10000u;   /* y <= 9999: the same number */
    if (k == BK_DAY && strcmp(name + 4, "-02-29") == 0) {
        snprintf(out, cap, "%04u-02-28", prev);
        return 0;
    }
    int len = snprintf(out, cap, "%04u%s", prev, name + 4);
    return len > 0 && (size_t)len < cap ? 0 : -1;
}

/* The line named `name` among lines sorted by name (bucket names sort in
 * time order), or NULL. */
static const metrics_line_t *find_line(const metrics_line_t *v, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v[mid].name, name);
        if (c == 0)
            return &v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The value of rate r of a line, or false when it has none. */
static bool line_value(const metrics_line_t *l, rate_id r, double *v)
{
    int64_t num, den;
    if (l == NULL)
        return false;
    counts_rate(l->counts, r, &num, &den);
    if (den <= 0)
        return false;
    *v = (double)num / (double)den;
    return true;
}

typedef struct {
    bool has_prev, has_year;
    double prev, year;
} deltas_t;

static void rate_deltas(const metrics_line_t *cur, const metrics_line_t *prev,
                        const metrics_line_t *year_before, rate_id r, deltas_t *d)
{
    double v, w;
    d->has_prev = d->has_year = false;
    if (!line_value(cur, r, &v))
        return;
    if (line_value(prev, r, &w)) {
        d->has_prev = true;
        d->prev = v - w;
    }
    if (line_value(year_before, r, &w)) {
        d->has_year = true;
        d->year = v - w;
    }
}

typedef struct {
    const metrics_query_t *q;
    const target_set *targets;
    int64_t tol;
    const metrics_line_t *lines;     /* the series */
    size_t n;
    const metrics_line_t **year;     /* year[i]: the bucket a year before lines[i], or NULL */
} series_view;

/* The rates of bucket i: each the rate object of /v1/metrics plus its deltas. */
static void w_bucket_rates(jsonw *out, const series_view *sv, size_t i)
{
    jw_object_begin(out);
    for (int r = 0; r < R__COUNT; r++) {
        rate_eval_t ev;
        deltas_t d;
        metrics_line_rate(&sv->lines[i], (rate_id)r, sv->targets, sv->tol, &ev);
        rate_deltas(&sv->lines[i], i > 0 ? &sv->lines[i - 1] : NULL, sv->year[i], (rate_id)r,
                    &d);
        jw_key(out, rate_name((rate_id)r));
        jw_object_begin(out);
        metrics_rate_members_jw(out, &ev);
        jw_key(out, "delta_prev");
        if (d.has_prev)
            jw_real(out, d.prev);
        else
            jw_null(out);
        jw_key(out, "delta_year");
        if (d.has_year)
            jw_real(out, d.year);
        else
            jw_null(out);
        jw_object_end(out);
    }
    jw_object_end(out);
}

static void w_bucket(jsonw *out, const series_view *sv, size_t i)
{
    const metrics_line_t *l = &sv->lines[i];
    jw_object_begin(out);
    jw_key(out, "key");
    jw_string(out, l->name);
    jw_key(out, "from");
    metrics_day_jw(out, l->from);
    jw_key(out, "to");
    metrics_day_jw(out, l->to);
    jw_key(out, "counts");
    metrics_counts_jw(out, l->counts);
    jw_key(out, "rates");
    w_bucket_rates(out, sv, i);
    jw_object_end(out);
}

/* The JSON answer as text (jsonw.h: what json_dumps of the same tree would
 * give, without building it), malloc'd (caller frees), length in *len; NULL
 * on allocation failure. */
static char *series_json(const series_view *sv, size_t *len)
{
    jsonw out;
    jw_init_text(&out);
    jw_reserve(&out, (sv->n + 1) * 1700);   /* a bucket is ~1.5 KB of text */
    jw_object_begin(&out);
    jw_key(&out, "interval");
    jw_string(&out, bucket_kind_name(sv->q->group_bucket));
    jw_key(&out, "period");
    metrics_period_jw(&out, sv->q);
    jw_key(&out, "filters");
    metrics_filters_jw(&out, sv->q);
    jw_key(&out, "buckets");
    jw_array_begin(&out);
    for (size_t i = 0; i < sv->n && !out.failed; i++)
        w_bucket(&out, sv, i);
    jw_array_end(&out);
    jw_object_end(&out);
    return jw_finish_text(&out, len);
}

static void csv_day(strbuf *b, day_t d)
{
    char buf[DAY_FMT_MAX];
    day_format(d, buf, sizeof buf);
    sb_puts(b, buf);
}

static char *series_csv(const series_view *sv, size_t *len)
{
    strbuf b = { NULL, 0, 0, false };
    sb_put(&b, "\xEF\xBB\xBF", 3);
    sb_puts(&b, "key,from,to");
    metrics_csv_counts_header(&b);
    for (int r = 0; r < R__COUNT; r++) {
        metrics_csv_rate_header(&b, (rate_id)r);
        sb_putc(&b, ',');
        sb_puts(&b, rate_name((rate_id)r));
        sb_puts(&b, "_delta_prev,");
        sb_puts(&b, rate_name((rate_id)r));
        sb_puts(&b, "_delta_year");
    }
    sb_puts(&b, "\r\n");
    for (size_t i = 0; i < sv->n; i++) {
        const metrics_line_t *l = &sv->lines[i];
        metrics_csv_text(&b, l->name);
        sb_putc(&b, ',');
        csv_day(&b, l->from);
        sb_putc(&b, ',');
        csv_day(&b, l->to);
        metrics_csv_counts(&b, l->counts);
        for (int r = 0; r < R__COUNT; r++) {
            rate_eval_t ev;
            deltas_t d;
            metrics_line_rate(l, (rate_id)r, sv->targets, sv->tol, &ev);
            rate_deltas(l, i > 0 ? &sv->lines[i - 1] : NULL, sv->year[i], (rate_id)r, &d);
            metrics_csv_rate(&b, &ev);
            sb_putc(&b, ',');
            if (d.has_prev)
                sb_double(&b, d.prev);
            sb_putc(&b, ',');
            if (d.has_year)
                sb_double(&b, d.year);
        }
        sb_puts(&b, "\r\n");
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

/* Parses interval and sets up the series query *q and the year-back query
 * *back. 0 ok; -1 with a message naming the parameter. */
static int series_queries(const http_req *req, metrics_query_t *q, metrics_query_t *back,
                          char *msg, size_t cap)
{
    const char *iv = req_param(req, "interval");
    if (iv == NULL) {
        snprintf(msg, cap, "interval: required: day, week, month, quarter or year");
        return -1;
    }
    bucket_kind k = bucket_kind_parse(iv);
    if (k == BK_NONE) {
        snprintf(msg, cap, "interval: expected day, week, month, quarter or year");
        return -1;
    }
    q->group_dim = DIM_NONE;
    q->group_bucket = k;
    period_calendar pc = q->calendar;
    day_t from = q->period.from, to = q->period.to;
    day_t back_from = bucket_start_cal(pc, k, from - 380);
    day_t back_to = bucket_next_cal(pc, k, bucket_start_cal(pc, k, to - 364)) - 1;
    if (back_to > to)
        back_to = to;
    if (count_buckets(pc, k, from, to, SERIES_BUCKETS_MAX) > SERIES_BUCKETS_MAX ||
        count_buckets(pc, k, back_from, back_to, SERIES_BUCKETS_MAX) > SERIES_BUCKETS_MAX) {
        snprintf(msg, cap, "interval: more than 10000 buckets in the range and the year "
                           "before it");
        return -1;
    }
    *back = *q;
    back->period.from = back_from;
    back->period.to = back_to;
    return 0;
}

void api_series(app_t *app, const http_req *req, http_resp *resp)
{
    metrics_query_t q, back;
    kv_t kv[HTTP_MAX_PARAMS];
    char bad[64], msg[256];
    target_set targets = { 0 };
    feed_ctx f = { NULL, NULL, 0 };
    metrics_line_t *lines = NULL, *back_lines = NULL;
    const metrics_line_t **year = NULL;
    size_t n = 0, nback = 0;
    bool oom = false;
    int rc = DB_OK;

    size_t nkv = params_without_group_by(req, kv);
    if (query_parse_metrics(kv, nkv, ts_now(), app->cfg->within, &q, bad, sizeof bad, msg,
                            sizeof msg) != 0 ||
        series_queries(req, &q, &back, msg, sizeof msg) != 0) {
        resp_error(resp, 400, "%s", msg);   /* msg names the parameter */
        return;
    }
    if (req_wants_csv(req))
        q.csv = true;
    db_conn *c = db_acquire(app_read_pool(app), app->cfg->db_wait_ms);
    if (c == NULL) {
        resp_unavailable(resp, "no database connection is available; retry later");
        return;
    }
    const calendar_t *cal = refdata_calendar(app->ref, c, &rc);
    if (rc == DB_OK && cal == NULL)
        rc = DB_ERROR;
    if (rc == DB_OK && ((f.series = metrics_new(&q, cal)) == NULL ||
                        (f.back = metrics_new(&back, cal)) == NULL))
        oom = true;
    if (rc == DB_OK && !oom)
        rc = db_load_targets(c, &targets);
    if (rc == DB_OK && !oom)
        rc = metrics_source_fill(c, &q, cal, refdata_office_hours(app->ref), f.series, &f.rc);
    if (rc == DB_OK && !oom)
        rc = metrics_source_fill(c, &back, cal, refdata_office_hours(app->ref), f.back, &f.rc);
    db_release(app_read_pool(app), c);

    if (oom || f.rc == -1) {
        resp_error(resp, 500, "out of memory");
        goto done;
    }
    if (f.rc == -2) {   /* not reached: the bucket count was checked */
        resp_error(resp, 400, "interval: more than 10000 buckets");
        goto done;
    }
    if (rc != DB_OK) {
        api_db_failure(resp, rc, "the series query");
        goto done;
    }
    if (metrics_lines(f.series, NULL, NULL, &lines, &n) != 0 ||
        metrics_lines(f.back, NULL, NULL, &back_lines, &nback) != 0 ||
        (year = calloc(n ? n : 1, sizeof *year)) == NULL) {
        resp_error(resp, 500, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        char name[PERIOD_NAME_MAX];
        if (year_before_name(q.group_bucket, lines[i].name, name, sizeof name) == 0)
            year[i] = find_line(back_lines, nback, name);
    }
    series_view sv = { &q, &targets, app->cfg->tolerance_micro, lines, n, year };
    if (q.csv) {
        size_t len = 0;
        char *csv = series_csv(&sv, &len);
        if (csv)
            resp_take(resp, 200, "text/csv; charset=utf-8", csv, len);
        else
            resp_error(resp, 500, "out of memory");
    } else {
        size_t len = 0;
        char *json = series_json(&sv, &len);
        if (json)
            resp_take(resp, 200, "application/json", json, len);
        else
            resp_error(resp, 500, "out of memory");
    }
done:
    free(year);
    free(lines);
    free(back_lines);
    metrics_free(f.series);
    metrics_free(f.back);
    target_set_free(&targets);
}
