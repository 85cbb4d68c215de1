/*
 * api_rankings.c - GET /v1/rankings (spec §7): the groups of one dimension
 * (agency, procedure or field) ranked by one rate, best first, with the
 * groups under the min_n guard listed apart.
 *
 * Why this file exists: the centre ranks agencies every day, and a ranking
 * must agree with /v1/metrics to the dossier. So it is the metrics query
 * itself (same period, as_of, basis and filters, parsed by
 * query_parse_metrics, aggregated by metrics.c with group_by = `by`), ordered
 * by rank.c on exact fractions; this file only parses its own three
 * parameters and renders.
 *
 * Parameters and decisions (see docs/DECISIONS.md):
 *  - metric: a rate name; optional, default on_time_rate (the rate the
 *    spec's example ranks by). Unknown or empty: 400 naming `metric`.
 *  - by: required, agency | procedure | field (400 naming `by` otherwise).
 *  - min_n: a whole number 0..1000000000, default 20; a group whose
 *    denominator is below it, or 0 (no value), is listed under
 *    "insufficient", ordered by key.
 *  - group_by is not a parameter of rankings: it is ignored like any unknown
 *    parameter (`by` says what is ranked).
 *  - The group of the unknown key (a dossier without a field) is ranked like
 *    any group, with key null, after every key among equals.
 *  - Besides the fields of the spec the answer carries "order"
 *    ("highest_first" / "lowest_first"), "period" and "filters", as in
 *    /v1/metrics, so a dashboard can show what was ranked.
 *  - CSV: BOM, header rank,key,label,value,numerator,denominator; the ranked
 *    rows, then the insufficient rows with an empty rank.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "jsonw.h"
#include "metrics.h"
#include "rank.h"
#include "strbuf.h"

#define MIN_N_DEFAULT 20
#define MIN_N_MAX 1000000000L

typedef struct {
    rate_id metric;
    dim_t by;
    int64_t min_n;
} rank_params;

/* Strict whole number in [0, MIN_N_MAX]: ASCII digits only. */
static int parse_min_n(const char *s, int64_t *out)
{
    if (s[0] == '\0')
        return -1;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
        if (v > MIN_N_MAX)
            return -1;
    }
    *out = v;
    return 0;
}

/* Parses metric, by and min_n. 0 ok; -1 with a message naming the parameter. */
static int parse_rank_params(const http_req *req, rank_params *p, char *msg, size_t cap)
{
    const char *metric = req_param(req, "metric");
    const char *by = req_param(req, "by");
    const char *min_n = req_param(req, "min_n");
    p->metric = R_ON_TIME;
    p->by = DIM_NONE;
    p->min_n = MIN_N_DEFAULT;
    if (metric) {
        int r = rate_from_name(metric);
        if (r < 0) {
            snprintf(msg, cap, "metric: expected one of on_time_rate, early_rate, late_rate, "
                               "on_time_rate_incl_pending, online_payment_rate, "
                               "online_uptake_rate, online_share, apology_rate");
            return -1;
        }
        p->metric = (rate_id)r;
    }
    if (!by) {
        snprintf(msg, cap, "by: required: agency, procedure or field");
        return -1;
    }
    if (strcmp(by, "agency") == 0)
        p->by = DIM_AGENCY;
    else if (strcmp(by, "procedure") == 0)
        p->by = DIM_PROCEDURE;
    else if (strcmp(by, "field") == 0)
        p->by = DIM_FIELD;
    else {
        snprintf(msg, cap, "by: expected agency, procedure or field");
        return -1;
    }
    if (min_n && parse_min_n(min_n, &p->min_n) != 0) {
        snprintf(msg, cap, "min_n: expected a whole number 0..1000000000");
        return -1;
    }
    return 0;
}

/* The request's parameters without group_by (not a rankings parameter). */
static size_t params_without_group_by(const http_req *req, kv_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < req->nparams; i++)
        if (req->params[i].key == NULL || strcmp(req->params[i].key, "group_by") != 0)
            out[n++] = req->params[i];
    return n;
}

static void w_item(jsonw *out, const rank_item_t *it, const metrics_line_t *l, bool ranked)
{
    jw_object_begin(out);
    if (ranked) {
        jw_key(out, "rank");
        jw_int(out, it->rank);
    }
    jw_key(out, "key");
    jw_string(out, metrics_line_key(l));
    jw_key(out, "label");
    jw_string(out, l->label);
    jw_key(out, "value");
    if (it->den > 0)
        jw_real(out, (double)it->num / (double)it->den);
    else
        jw_null(out);
    jw_key(out, "numerator");
    jw_int(out, it->num);
    jw_key(out, "denominator");
    jw_int(out, it->den);
    jw_object_end(out);
}

/* The JSON answer as text (jsonw.h: what json_dumps of the same tree would
 * give, without building it), malloc'd (caller frees), length in *len; NULL
 * on allocation failure. */
static char *rankings_json(const metrics_query_t *q, const rank_params *p, rank_order order,
                           const rank_item_t *items, size_t n, size_t nranked,
                           const metrics_line_t *lines, size_t *len)
{
    jsonw out;
    jw_init_text(&out);
    jw_reserve(&out, (n + 4) * 160);   /* an item is ~120 bytes of text */
    jw_object_begin(&out);
    jw_key(&out, "metric");
    jw_string(&out, rate_name(p->metric));
    jw_key(&out, "by");
    jw_string(&out, dim_name(p->by));
    jw_key(&out, "min_n");
    jw_int(&out, p->min_n);
    jw_key(&out, "order");
    jw_string(&out, order == RANK_LOW_FIRST ? "lowest_first" : "highest_first");
    jw_key(&out, "period");
    metrics_period_jw(&out, q);
    jw_key(&out, "filters");
    metrics_filters_jw(&out, q);
    jw_key(&out, "ranked");
    jw_array_begin(&out);
    for (size_t i = 0; i < nranked && i < n; i++)
        w_item(&out, &items[i], &lines[items[i].ref], true);
    jw_array_end(&out);
    jw_key(&out, "insufficient");
    jw_array_begin(&out);
    for (size_t i = nranked; i < n; i++)
        w_item(&out, &items[i], &lines[items[i].ref], false);
    jw_array_end(&out);
    jw_object_end(&out);
    return jw_finish_text(&out, len);
}

static char *rankings_csv(const rank_item_t *items, size_t n, size_t nranked,
                          const metrics_line_t *lines, size_t *len)
{
    strbuf b = { NULL, 0, 0, false };
    sb_put(&b, "\xEF\xBB\xBF", 3);
    sb_puts(&b, "rank,key,label,value,numerator,denominator\r\n");
    for (size_t i = 0; i < n; i++) {
        const rank_item_t *it = &items[i];
        const metrics_line_t *l = &lines[it->ref];
        if (i < nranked)
            sb_i64(&b, it->rank);
        sb_putc(&b, ',');
        metrics_csv_text(&b, metrics_line_key(l));
        sb_putc(&b, ',');
        metrics_csv_text(&b, l->label);
        sb_putc(&b, ',');
        if (it->den > 0)
            sb_double(&b, (double)it->num / (double)it->den);
        sb_putc(&b, ',');
        sb_i64(&b, it->num);
        sb_putc(&b, ',');
        sb_i64(&b, it->den);
        sb_puts(&b, "\r\n");
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

void api_rankings(app_t *app, const http_req *req, http_resp *resp)
{
    metrics_query_t q;
    rank_params p;
    kv_t kv[HTTP_MAX_PARAMS];
    char bad[64], msg[256];
    metrics_run_t run;
    metrics_line_t *lines = NULL;
    rank_item_t *items = NULL;
    size_t nlines = 0;

    size_t nkv = params_without_group_by(req, kv);
    if (query_parse_metrics(kv, nkv, ts_now(), app->cfg->within, &q, bad, sizeof bad, msg,
                            sizeof msg) != 0 ||
        parse_rank_params(req, &p, msg, sizeof msg) != 0) {
        resp_error(resp, 400, "%s", msg);   /* msg names the parameter */
        return;
    }
    if (req_wants_csv(req))
        q.csv = true;
    q.group_dim = p.by;
    q.group_bucket = BK_NONE;
    if (api_metrics_run(app, &q, "by", &run, resp) != 0)
        return;
    if (metrics_lines(run.m, api_metrics_label, &run, &lines, &nlines) != 0 ||
        (nlines > 0 && (items = calloc(nlines, sizeof *items)) == NULL)) {
        resp_error(resp, 500, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nlines; i++) {
        items[i].key = metrics_line_key(&lines[i]);
        items[i].ref = i;
        counts_rate(lines[i].counts, p.metric, &items[i].num, &items[i].den);
    }
    rank_order order = rank_order_for(p.metric);
    size_t nranked = rank_items(items, nlines, order, p.min_n);
    if (q.csv) {
        size_t len = 0;
        char *csv = rankings_csv(items, nlines, nranked, lines, &len);
        if (csv)
            resp_take(resp, 200, "text/csv; charset=utf-8", csv, len);
        else
            resp_error(resp, 500, "out of memory");
    } else {
        size_t len = 0;
        char *json = rankings_json(&q, &p, order, items, nlines, nranked, lines, &len);
        if (json)
            resp_take(resp, 200, "application/json", json, len);
        else
            resp_error(resp, 500, "out of memory");
    }
done:
    free(items);
    free(lines);
    api_metrics_run_free(&run);
}
