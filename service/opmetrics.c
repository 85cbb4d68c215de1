/*
 * opmetrics.c - see opmetrics.h.
 *
 * Counters are relaxed atomics: each value only ever grows, and a scrape
 * needs each one to be right, not a snapshot of all of them at one instant.
 * Histogram buckets are stored per bucket (not cumulative) and summed while
 * rendering, so the +Inf bucket and _count are the same number by
 * construction even while requests are being recorded.
 */
#include "opmetrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "db_lists.h"
#include "lists.h"
#include "strbuf.h"

const double OPM_BUCKETS[OPM_NBUCKETS] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                           0.25,  0.5,   1,    2.5,   5,    10 };
static const char *const BUCKET_LE[OPM_NBUCKETS] = { "0.001", "0.005", "0.01", "0.025",
                                                     "0.05",  "0.1",   "0.25", "0.5",
                                                     "1",     "2.5",   "5",    "10" };

#define NSTATUS 600   /* index = status for 100..599, 0 for anything else */

enum { ING_INSERTED = 0, ING_UPDATED, ING_UNCHANGED, ING_STALE, ING_REJECTED, ING_N };
static const char *const ING_NAMES[ING_N] = { "inserted", "updated", "unchanged", "stale",
                                              "rejected" };

typedef struct {
    atomic_uint_fast64_t status[NSTATUS];
    atomic_uint_fast64_t bucket[OPM_NBUCKETS + 1];  /* last: above every bound */
    atomic_uint_fast64_t sum_ns;
} route_stats;

struct opmetrics {
    const char **labels;      /* the pointers copied, the strings borrowed */
    size_t n;
    route_stats *routes;
    atomic_uint_fast64_t ingest[ING_N];
};

opmetrics *opmetrics_new(const char *const *labels, size_t n)
{
    opmetrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->routes = calloc(n ? n : 1, sizeof *m->routes);
    m->labels = calloc(n ? n : 1, sizeof *m->labels);
    if (!m->routes || !m->labels) {
        opmetrics_free(m);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        m->labels[i] = labels[i];
    m->n = n;
    for (size_t r = 0; r < n; r++) {
        route_stats *s = &m->routes[r];
        for (size_t i = 0; i < NSTATUS; i++)
            atomic_init(&s->status[i], 0);
        for (size_t i = 0; i <= OPM_NBUCKETS; i++)
            atomic_init(&s->bucket[i], 0);
        atomic_init(&s->sum_ns, 0);
    }
    for (size_t i = 0; i < ING_N; i++)
        atomic_init(&m->ingest[i], 0);
    return m;
}

void opmetrics_free(opmetrics *m)
{
    if (!m)
        return;
    free(m->routes);
    free(m->labels);
    free(m);
}

void opmetrics_request(opmetrics *m, size_t route, int status, double seconds)
{
    if (!m || route >= m->n)
        return;
    route_stats *s = &m->routes[route];
    size_t si = status >= 100 && status < NSTATUS ? (size_t)status : 0;
    atomic_fetch_add_explicit(&s->status[si], 1, memory_order_relaxed);
    if (!(seconds >= 0)) /* negative or NaN: a clock step */
        seconds = 0;
    size_t b = 0;
    while (b < OPM_NBUCKETS && seconds > OPM_BUCKETS[b])
        b++;
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    double ns = seconds * 1e9;
    uint64_t add = ns < 1.8e19 ? (uint64_t)(ns + 0.5) : UINT64_C(18000000000000000000);
    atomic_fetch_add_explicit(&s->sum_ns, add, memory_order_relaxed);
}

void opmetrics_ingest(opmetrics *m, int64_t inserted, int64_t updated, int64_t unchanged,
                      int64_t stale, int64_t rejected)
{
    if (!m)
        return;
    const int64_t v[ING_N] = { inserted, updated, unchanged, stale, rejected };
    for (size_t i = 0; i < ING_N; i++)
        if (v[i] > 0)
            atomic_fetch_add_explicit(&m->ingest[i], (uint_fast64_t)v[i], memory_order_relaxed);
}

/* ---- rendering ----------------------------------------------------------------------- */

static void u64(strbuf *b, uint64_t v)
{
    char buf[24];
    size_t i = sizeof buf;
    buf[--i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_puts(b, buf + i);
}

/* A label value: backslash, double quote and newline escaped (format 0.0.4). */
static void label_value(strbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            sb_puts(b, "\\\\");
        else if (*s == '"')
            sb_puts(b, "\\\"");
        else if (*s == '\n')
            sb_puts(b, "\\n");
        else
            sb_putc(b, *s);
    }
}

static void family(strbuf *b, const char *name, const char *type, const char *help)
{
    sb_puts(b, "# HELP ");
    sb_puts(b, name);
    sb_putc(b, ' ');
    sb_puts(b, help);
    sb_puts(b, "\n# TYPE ");
    sb_puts(b, name);
    sb_putc(b, ' ');
    sb_puts(b, type);
    sb_putc(b, '\n');
}

/* name{label="value"} (no braces when label is NULL), then a space. */
static void sample(strbuf *b, const char *name, const char *label, const char *value)
{
    sb_puts(b, name);
    if (label) {
        sb_putc(b, '{');
        sb_puts(b, label);
        sb_puts(b, "=\"");
        label_value(b, value);
        sb_puts(b, "\"}");
    }
    sb_putc(b, ' ');
}

static void render_requests(strbuf *b, const opmetrics *m)
{
    family(b, "motcua_http_requests_total", "counter",
           "HTTP requests answered, by route (the routing table's path) and status.");
    for (size_t r = 0; r < m->n; r++) {
        const route_stats *s = &m->routes[r];
        for (size_t i = 0; i < NSTATUS; i++) {
            uint64_t v = atomic_load_explicit(&s->status[i], memory_order_relaxed);
            if (!v)
                continue;
            char st[8];
            size_t k = 0;
            if (i == 0)
                st[k++] = '0';
            else {
                st[k++] = (char)('0' + i / 100);
                st[k++] = (char)('0' + i / 10 % 10);
                st[k++] = (char)('0' + i % 10);
            }
            st[k] = '\0';
            sb_puts(b, "motcua_http_requests_total{route=\"");
            label_value(b, m->labels[r]);
            sb_puts(b, "\",status=\"");
            sb_puts(b, st);
            sb_puts(b, "\"} ");
            u64(b, v);
            sb_putc(b, '\n');
        }
    }
}

static void render_durations(strbuf *b, const opmetrics *m)
{
    static const char name[] = "motcua_http_request_duration_seconds";
    family(b, name, "histogram",
           "Time from a request's first byte to its completion, by route.");
    for (size_t r = 0; r < m->n; r++) {
        const route_stats *s = &m->routes[r];
        uint64_t counts[OPM_NBUCKETS + 1], total = 0;
        for (size_t i = 0; i <= OPM_NBUCKETS; i++) {
            counts[i] = atomic_load_explicit(&s->bucket[i], memory_order_relaxed);
            total += counts[i];
        }
        if (!total)
            continue;
        uint64_t cum = 0;
        for (size_t i = 0; i <= OPM_NBUCKETS; i++) {
            cum += counts[i];
            sb_puts(b, "motcua_http_request_duration_seconds_bucket{route=\"");
            label_value(b, m->labels[r]);
            sb_puts(b, "\",le=\"");
            sb_puts(b, i < OPM_NBUCKETS ? BUCKET_LE[i] : "+Inf");
            sb_puts(b, "\"} ");
            u64(b, cum);
            sb_putc(b, '\n');
        }
        uint64_t ns = atomic_load_explicit(&s->sum_ns, memory_order_relaxed);
        sample(b, "motcua_http_request_duration_seconds_sum", "route", m->labels[r]);
        sb_double(b, (double)ns / 1e9);
        sb_putc(b, '\n');
        sample(b, "motcua_http_request_duration_seconds_count", "route", m->labels[r]);
        u64(b, total);
        sb_putc(b, '\n');
    }
}

char *opmetrics_render(const opmetrics *m, const opm_gauges *g, size_t *len)
{
    strbuf b = { 0 };
    family(&b, "motcua_up", "gauge", "1 while the service answers.");
    sb_puts(&b, "motcua_up 1\n");
    if (m) {
        render_requests(&b, m);
        render_durations(&b, m);
        family(&b, "motcua_ingest_records_total", "counter",
               "Records of successful POST /v1/dossiers requests, by outcome.");
        for (size_t i = 0; i < ING_N; i++) {
            sample(&b, "motcua_ingest_records_total", "outcome", ING_NAMES[i]);
            u64(&b, atomic_load_explicit(&m->ingest[i], memory_order_relaxed));
            sb_putc(&b, '\n');
        }
    }
    if (g && g->pool_known) {
        family(&b, "motcua_db_pool_connections", "gauge",
               "Database pool connections: in_use by a request, idle (open, waiting for one).");
        sample(&b, "motcua_db_pool_connections", "state", "in_use");
        sb_i64(&b, g->pool_in_use);
        sb_putc(&b, '\n');
        sample(&b, "motcua_db_pool_connections", "state", "idle");
        sb_i64(&b, g->pool_idle);
        sb_putc(&b, '\n');
        family(&b, "motcua_db_pool_size", "gauge",
               "The most database connections the pool opens (MOTCUA_DB_POOL).");
        sample(&b, "motcua_db_pool_size", NULL, NULL);
        sb_i64(&b, g->pool_size);
        sb_putc(&b, '\n');
    }
    if (g && g->read_pool_known) {
        family(&b, "motcua_db_read_pool_connections", "gauge",
               "Read replica pool connections (MOTCUA_DB_READ): in_use by a request, idle.");
        sample(&b, "motcua_db_read_pool_connections", "state", "in_use");
        sb_i64(&b, g->read_pool_in_use);
        sb_putc(&b, '\n');
        sample(&b, "motcua_db_read_pool_connections", "state", "idle");
        sb_i64(&b, g->read_pool_idle);
        sb_putc(&b, '\n');
        family(&b, "motcua_db_read_pool_size", "gauge",
               "The most connections the read replica pool opens (MOTCUA_DB_POOL).");
        sample(&b, "motcua_db_read_pool_size", NULL, NULL);
        sb_i64(&b, g->read_pool_size);
        sb_putc(&b, '\n');
    }
    if (g && g->open_known) {
        family(&b, "motcua_open_dossiers", "gauge",
               "Open dossiers now: in_time and overdue split them (state=pending); waiting "
               "(state=waiting) is counted in those too.");
        const struct { const char *k; int64_t v; } s[] = {
            { "in_time", g->open_in_time }, { "overdue", g->open_overdue },
            { "waiting", g->open_waiting },
        };
        for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
            sample(&b, "motcua_open_dossiers", "state", s[i].k);
            sb_i64(&b, s[i].v);
            sb_putc(&b, '\n');
        }
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

/* ---- open dossiers at scrape time ------------------------------------------------------ */

typedef struct {
    const calendar_t *cal;
    const office_hours *oh;
    ts_t as_of;
    int within;
    opm_gauges *g;
} open_ctx;

static int on_open_row(void *ctx, const db_list_row *r)
{
    open_ctx *o = ctx;
    const dossier_t *d = &r->d;
    ts_t due = d->due_at;
    due_unit unit;
    /* the effective due date, as GET /v1/dossiers?state= computes it */
    if (due == TS_NULL && r->cat_duration >= 0 && r->cat_unit &&
        due_unit_parse(r->cat_unit, &unit) == 0)
        due = due_compute(o->cal, o->oh, d->received_at, r->cat_duration, unit);
    cls_input_t ci = { d->status, d->received_at, due, d->finished_at,
                       d->supplement_requested_at, d->updated_at, d->supplement_count };
    cls_result_t cr;
    classify(&ci, o->as_of, o->within, o->cal, &cr);
    if (!list_selects(LIST_PENDING, &cr, d->finished_at, TS_NULL))
        return 0;
    if (list_selects(LIST_OVERDUE, &cr, d->finished_at, TS_NULL))
        o->g->open_overdue++;
    else
        o->g->open_in_time++;
    if (list_selects(LIST_WAITING, &cr, d->finished_at, TS_NULL))
        o->g->open_waiting++;
    return 0;
}

int opmetrics_count_open(db_conn *c, const calendar_t *cal, const office_hours *oh, ts_t as_of,
                         int within, opm_gauges *g)
{
    static const metrics_query_t NO_FILTERS; /* every agency, procedure, field, channel, level */
    db_list_query q;
    memset(&q, 0, sizeof q);
    q.mode = DBL_OPEN;
    q.as_of = as_of;
    q.filters = &NO_FILTERS;
    q.due_before = q.due_from = q.due_to = q.finished_from = TS_NULL;
    g->open_in_time = g->open_overdue = g->open_waiting = 0;
    open_ctx o = { cal, oh, as_of, within, g };
    int rc = db_list_rows(c, &q, on_open_row, &o);
    g->open_known = rc == DB_OK;
    return rc;
}
