/*
 * metrics.c - the counts, rates and durations of spec §5, aggregated from
 * dossier rows, and their JSON and CSV forms.
 *
 * Why this file exists: the database module streams the rows of a query in;
 * this module decides, row by row and with classify() as the only judge of a
 * dossier's state, which counts each row feeds, for the whole query and for
 * its groups or time buckets. Keeping it pure (no I/O) lets the identities of
 * §5 be tested on random data.
 *
 * Design:
 *  - One aggregate (counts + duration statistics) per period: the whole query,
 *    each dimension group, each time bucket. The whole query is always
 *    aggregated on its own, so it equals the sum of the dimension groups and
 *    is the whole range as one period for buckets.
 *  - Every relevant row lands in exactly one of carried_over/received and in
 *    exactly one of finished/pending, so carried_over + received = finished +
 *    pending holds by construction.
 *  - Durations keep a histogram of whole working days (dense up to HIST_MAX,
 *    grown on demand, plus a small vector of outliers), so memory follows the
 *    longest duration seen, not the number of dossiers; medians are exact.
 *  - Rows are checked against the query's filters again here (cheap, and it
 *    makes this module correct on its own whatever the SQL did).
 *  - A bucket whose first instant is after the query's as_of is all zeros.
 *  - Other views of the same aggregates (rankings, series) read them through
 *    metrics_lines() and the rendering helpers at the end of this file, so a
 *    count or a rate object looks the same in every response.
 * No global mutable state: everything lives in the metrics_result_t.
 */
#include "metrics.h"
#include "strbuf.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "dossier.h"
#include "period.h"

#define GROUPS_MAX 10000
#define HIST_MAX 1024   /* dense histogram: 0..1023 working days (~4 years) */

typedef struct {
    int64_t *hist;          /* hist[v] = number of durations of v working days */
    size_t hist_cap;        /* <= HIST_MAX */
    int64_t *over;          /* durations outside [0, HIST_MAX), unsorted */
    size_t over_n, over_cap;
    int64_t n, wd_sum;
    int64_t sec_sum, us_sum;  /* calendar duration, split to keep int64 safe */
} durs_t;

typedef struct {
    counts_t c;
    durs_t d;
} agg_t;

typedef struct {
    char *key;   /* owned; NULL = the null key (unknown) */
    agg_t agg;
} group_t;

typedef struct {
    day_t from, to;     /* clipped to the query's period */
    day_t name_start;   /* first day of the whole (unclipped) bucket */
    ts_t start, as_of;  /* the bucket's own first instant and as_of */
    bool active;        /* start <= the query's as_of */
    agg_t agg;
} bucket_t;

struct metrics_result {
    metrics_query_t q;
    const calendar_t *cal;   /* borrowed */
    ts_t start;              /* first instant of the query's period */
    agg_t total;
    /* dimension groups: open addressing on the key, plus the null key apart */
    group_t **slots;
    size_t slot_cap;
    group_t *null_group;
    size_t ngroups;
    /* time buckets */
    bucket_t *buckets;
    size_t nbuckets;
    bool too_many_buckets;
};

/* What one row contributes to durations, computed once per row. */
typedef struct {
    bool has;      /* finished status with both instants */
    int64_t wd;    /* working days received -> finished */
    int64_t us;    /* microseconds received -> finished */
} row_dur;

/* ---- pure helpers ------------------------------------------------------- */

void counts_rate(const counts_t *c, rate_id r, int64_t *num, int64_t *den)
{
    int64_t n = 0, d = 0;
    switch (r) {
    case R_ON_TIME:              n = c->early + c->on_time; d = c->finished; break;
    case R_EARLY:                n = c->early; d = c->finished; break;
    case R_LATE:                 n = c->late; d = c->finished; break;
    case R_ON_TIME_INCL_PENDING: n = c->early + c->on_time + c->in_time;
                                 d = c->finished + c->pending; break;
    case R_ONLINE_PAYMENT:       n = c->fee_bearing_paid_online; d = c->fee_bearing; break;
    case R_ONLINE_UPTAKE:        n = c->level34_online; d = c->level34; break;
    case R_ONLINE_SHARE:         n = c->received_online; d = c->received; break;
    case R_APOLOGY:              n = c->late_apology; d = c->late; break;
    case R__COUNT:               break;
    }
    *num = n;
    *den = d;
}

/* Rank k = ceil(pct * n / 100), at least 1: the smallest value with at least
 * pct% of the values at or below it. */
static uint64_t rank_of(uint64_t n, int pct)
{
    if (pct < 1)
        pct = 1;
    if (pct > 100)
        pct = 100;
    uint64_t k = ((uint64_t)pct * n + 99) / 100;
    return k < 1 ? 1 : k;
}

int64_t nearest_rank(const int64_t *sorted, size_t n, int pct)
{
    if (n == 0)
        return 0;
    return sorted[rank_of(n, pct) - 1];
}

/* ---- aggregation -------------------------------------------------------- */

static void durs_free(durs_t *d)
{
    free(d->hist);
    free(d->over);
}

/* Makes room for one more duration of wd working days, so that adding a row
 * never fails half way. 0 ok, -1 out of memory. */
static int durs_reserve(durs_t *d, int64_t wd)
{
    if (wd >= 0 && wd < HIST_MAX) {
        if ((size_t)wd < d->hist_cap)
            return 0;
        size_t cap = d->hist_cap ? d->hist_cap : 16;
        while (cap <= (size_t)wd)
            cap *= 2;
        if (cap > HIST_MAX)
            cap = HIST_MAX;
        int64_t *h = realloc(d->hist, cap * sizeof *h);
        if (h == NULL)
            return -1;
        memset(h + d->hist_cap, 0, (cap - d->hist_cap) * sizeof *h);
        d->hist = h;
        d->hist_cap = cap;
        return 0;
    }
    if (d->over_n < d->over_cap)
        return 0;
    size_t cap = d->over_cap ? d->over_cap * 2 : 8;
    int64_t *o = realloc(d->over, cap * sizeof *o);
    if (o == NULL)
        return -1;
    d->over = o;
    d->over_cap = cap;
    return 0;
}

/* Adds a duration; durs_reserve(d, rd->wd) must have succeeded. */
static void durs_add(durs_t *d, const row_dur *rd)
{
    d->n++;
    d->wd_sum += rd->wd;
    d->sec_sum += rd->us / TS_US_PER_SEC;
    d->us_sum += rd->us % TS_US_PER_SEC;
    if (rd->wd >= 0 && rd->wd < HIST_MAX)
        d->hist[rd->wd]++;
    else
        d->over[d->over_n++] = rd->wd;
}

static bool row_passes_filters(const metrics_query_t *q, const metrics_row_t *r)
{
    if (q->match_none)
        return false;
    if (!agency_filter_match(q->agency, r->agency_code))
        return false;
    if (q->procedure[0] && (r->procedure_code == NULL || strcmp(q->procedure, r->procedure_code)))
        return false;
    if (q->field[0] && (r->field_code == NULL || strcmp(q->field, r->field_code)))
        return false;
    if (q->channel && r->channel != q->channel)
        return false;
    if (q->service_level && r->service_level != q->service_level)
        return false;
    return true;
}

static bool finished_with_date(const metrics_row_t *r)
{
    return status_finished(r->status) && r->finished_at != TS_NULL;
}

/* Does the row count in the period starting at `start`, evaluated at as_of?
 * Flow: received by as_of and not finished before the start. Cohort: received
 * in [start, as_of]. */
static bool row_relevant(const metrics_row_t *r, ts_t start, ts_t as_of, basis_t basis)
{
    if (!status_counted(r->status) || r->received_at == TS_NULL || r->received_at > as_of)
        return false;
    if (basis == BASIS_COHORT)
        return r->received_at >= start;
    return !(finished_with_date(r) && r->finished_at < start);
}

/* Will the row be finished at as_of (and so need a duration slot)? */
static bool finishes_by(const metrics_row_t *r, ts_t as_of)
{
    return finished_with_date(r) && r->finished_at <= as_of;
}

/* Adds a relevant row to one period's aggregate (start, as_of). The duration
 * slot must have been reserved when the row finishes by as_of. */
static void agg_add(agg_t *a, const metrics_row_t *r, const row_dur *rd, ts_t start, ts_t as_of,
                    int within, const calendar_t *cal)
{
    counts_t *c = &a->c;
    if (r->received_at < start) {
        c->carried_over++;
    } else {
        c->received++;
        if (r->channel == CH_ONLINE)
            c->received_online++;
        else if (r->channel == CH_DIRECT)
            c->received_direct++;
        else if (r->channel == CH_POSTAL)
            c->received_postal++;
        if (r->fee > 0 || (r->fee == FEE_NULL && r->catalog_has_fee == 1)) {
            c->fee_bearing++;
            if (r->paid_online)
                c->fee_bearing_paid_online++;
        }
        if (r->service_level == 3 || r->service_level == 4) {
            c->level34++;
            if (r->channel == CH_ONLINE)
                c->level34_online++;
        }
    }

    cls_input_t in = {
        .status = r->status,
        .received_at = r->received_at,
        .due_at = r->due_at,
        .finished_at = r->finished_at,
        .supplement_requested_at = r->supplement_requested_at,
        .updated_at = r->updated_at,
        .supplement_count = r->supplement_count,
    };
    cls_result_t res;
    classify(&in, as_of, within, cal, &res);

    if (res.finished) {
        c->finished++;
        if (res.cls == CLS_EARLY)
            c->early++;
        else if (res.cls == CLS_ON_TIME)
            c->on_time++;
        else {
            c->late++;
            if (r->apology)
                c->late_apology++;
        }
        if (r->status == 7)
            c->withdrawn++;
        else if (r->status == 8)
            c->stopped++;
        else
            c->resolved++;
        if (rd->has)
            durs_add(&a->d, rd);
    } else {
        c->pending++;
        if (res.cls == CLS_OVERDUE)
            c->overdue++;
        else
            c->in_time++;
        if (res.waiting)
            c->waiting++;
    }
}

/* ---- groups ------------------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 14695981039346656037ULL;   /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static void group_free(group_t *g)
{
    if (g == NULL)
        return;
    free(g->key);
    durs_free(&g->agg.d);
    free(g);
}

/* A new group with a copy of key (NULL = the null key), or NULL. */
static group_t *group_new(const char *key)
{
    group_t *g = calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    if (key != NULL && (g->key = strdup(key)) == NULL) {
        free(g);
        return NULL;
    }
    return g;
}

static int map_grow(metrics_result_t *m)
{
    size_t cap = m->slot_cap ? m->slot_cap * 2 : 64;
    group_t **slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < m->slot_cap; i++) {
        group_t *g = m->slots[i];
        if (g == NULL)
            continue;
        size_t j = (size_t)hash_str(g->key) & (cap - 1);
        while (slots[j] != NULL)
            j = (j + 1) & (cap - 1);
        slots[j] = g;
    }
    free(m->slots);
    m->slots = slots;
    m->slot_cap = cap;
    return 0;
}

/* The group of key (NULL = null key), created when new. *err: -1 out of
 * memory, -2 more than GROUPS_MAX groups; NULL returned then. */
static group_t *group_get(metrics_result_t *m, const char *key, int *err)
{
    if (key == NULL) {
        if (m->null_group == NULL) {
            if (m->ngroups >= GROUPS_MAX) {
                *err = -2;
                return NULL;
            }
            if ((m->null_group = group_new(NULL)) == NULL) {
                *err = -1;
                return NULL;
            }
            m->ngroups++;
        }
        return m->null_group;
    }
    size_t j = 0;
    if (m->slot_cap > 0) {
        j = (size_t)hash_str(key) & (m->slot_cap - 1);
        for (; m->slots[j] != NULL; j = (j + 1) & (m->slot_cap - 1))
            if (strcmp(m->slots[j]->key, key) == 0)
                return m->slots[j];
    }
    if (m->ngroups >= GROUPS_MAX) {
        *err = -2;
        return NULL;
    }
    if ((m->ngroups + 1) * 2 > m->slot_cap) {   /* keep the load under 1/2 */
        if (map_grow(m) != 0) {
            *err = -1;
            return NULL;
        }
        j = (size_t)hash_str(key) & (m->slot_cap - 1);
        while (m->slots[j] != NULL)
            j = (j + 1) & (m->slot_cap - 1);
    }
    group_t *g = group_new(key);
    if (g == NULL) {
        *err = -1;
        return NULL;
    }
    m->slots[j] = g;
    m->ngroups++;
    return g;
}

/* The row's key in the grouping dimension; NULL when unknown. buf holds the
 * text of a service level. */
static const char *row_key(dim_t dim, const metrics_row_t *r, char buf[4])
{
    switch (dim) {
    case DIM_AGENCY:    return r->agency_code;
    case DIM_PROCEDURE: return r->procedure_code;
    case DIM_FIELD:     return r->field_code;
    case DIM_CHANNEL:   return channel_name(r->channel);
    case DIM_LEVEL:
        if (r->service_level < 2 || r->service_level > 4)
            return NULL;
        buf[0] = (char)('0' + r->service_level);
        buf[1] = '\0';
        return buf;
    case DIM_NONE:      break;
    }
    return NULL;
}

/* ---- buckets ------------------------------------------------------------ */

static int buckets_init(metrics_result_t *m)
{
    bucket_kind k = m->q.group_bucket;
    day_t from = m->q.period.from, to = m->q.period.to;
    size_t n = 0;
    period_calendar pc = m->q.calendar;
    for (day_t b = bucket_start_cal(pc, k, from); b <= to; b = bucket_next_cal(pc, k, b)) {
        if (++n > GROUPS_MAX || bucket_next_cal(pc, k, b) <= b) {
            m->too_many_buckets = true;   /* metrics_add answers -2 */
            return 0;
        }
    }
    m->buckets = calloc(n ? n : 1, sizeof *m->buckets);
    if (m->buckets == NULL)
        return -1;
    size_t i = 0;
    for (day_t b = bucket_start_cal(pc, k, from); b <= to; b = bucket_next_cal(pc, k, b), i++) {
        bucket_t *bk = &m->buckets[i];
        day_t next = bucket_next_cal(pc, k, b);
        bk->name_start = b;
        bk->from = b < from ? from : b;
        bk->to = next - 1 > to ? to : next - 1;
        bk->start = ts_day_start(bk->from);
        bk->as_of = ts_day_end(bk->to);
        if (m->q.as_of < bk->as_of)
            bk->as_of = m->q.as_of;
        bk->active = bk->start <= m->q.as_of;
    }
    m->nbuckets = n;
    return 0;
}

/* Index of the bucket containing day d (d within the query's period). */
static size_t bucket_index(const metrics_result_t *m, day_t d)
{
    size_t lo = 0, hi = m->nbuckets;   /* answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->buckets[mid].from <= d)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Routes a row to its buckets. Flow: every bucket it is relevant to, i.e.
 * from the bucket of its reception (or the first) to the bucket holding
 * min(finished_at, as_of); cohort: only the bucket of its reception.
 * Duration slots are reserved first, so a failure leaves no partial row.
 */
static int add_to_buckets(metrics_result_t *m, const metrics_row_t *r, const row_dur *rd)
{
    const metrics_query_t *q = &m->q;
    if (m->nbuckets == 0)
        return 0;
    size_t lo, hi;
    if (r->received_at < m->buckets[0].start) {
        if (q->basis == BASIS_COHORT)
            return 0;
        lo = 0;
    } else {
        lo = bucket_index(m, ts_day(r->received_at));
    }
    if (q->basis == BASIS_COHORT) {
        hi = lo;
    } else {
        ts_t end = q->as_of;
        if (finished_with_date(r) && r->finished_at < end)
            end = r->finished_at;
        if (end < m->buckets[0].start)
            return 0;
        hi = bucket_index(m, ts_day(end));
    }
    for (size_t i = lo; i <= hi; i++) {
        bucket_t *b = &m->buckets[i];
        if (b->active && rd->has && finishes_by(r, b->as_of) &&
            row_relevant(r, b->start, b->as_of, q->basis) && durs_reserve(&b->agg.d, rd->wd) != 0)
            return -1;
    }
    for (size_t i = lo; i <= hi; i++) {
        bucket_t *b = &m->buckets[i];
        if (b->active && row_relevant(r, b->start, b->as_of, q->basis))
            agg_add(&b->agg, r, rd, b->start, b->as_of, q->within, m->cal);
    }
    return 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

metrics_result_t *metrics_new(const metrics_query_t *q, const calendar_t *cal)
{
    metrics_result_t *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->q = *q;
    m->cal = cal;
    m->start = ts_day_start(q->period.from);
    if (q->group_bucket != BK_NONE) {
        m->q.group_dim = DIM_NONE;   /* one grouping at a time: buckets win */
        if (buckets_init(m) != 0)
            goto fail;
    }
    return m;
fail:
    metrics_free(m);
    return NULL;
}

void metrics_free(metrics_result_t *m)
{
    if (m == NULL)
        return;
    durs_free(&m->total.d);
    for (size_t i = 0; i < m->slot_cap; i++)
        group_free(m->slots[i]);
    free(m->slots);
    group_free(m->null_group);
    for (size_t i = 0; i < m->nbuckets; i++)
        durs_free(&m->buckets[i].agg.d);
    free(m->buckets);
    free(m);
}

const counts_t *metrics_total(const metrics_result_t *m)
{
    return &m->total.c;
}

int metrics_add(metrics_result_t *m, const metrics_row_t *r)
{
    const metrics_query_t *q = &m->q;
    if (!row_passes_filters(q, r) || !row_relevant(r, m->start, q->as_of, q->basis))
        return 0;

    row_dur rd = { false, 0, 0 };
    if (finished_with_date(r)) {
        rd.has = true;
        rd.wd = cal_working_between(m->cal, ts_day(r->received_at), ts_day(r->finished_at));
        rd.us = r->finished_at - r->received_at;
    }
    bool total_dur = rd.has && finishes_by(r, q->as_of);

    if (q->group_bucket != BK_NONE) {
        if (m->too_many_buckets)
            return -2;
        if (total_dur && durs_reserve(&m->total.d, rd.wd) != 0)
            return -1;
        if (add_to_buckets(m, r, &rd) != 0)
            return -1;
    } else if (q->group_dim != DIM_NONE) {
        char buf[4];
        int err = 0;
        group_t *g = group_get(m, row_key(q->group_dim, r, buf), &err);
        if (g == NULL)
            return err;
        if (total_dur && (durs_reserve(&m->total.d, rd.wd) != 0 ||
                          durs_reserve(&g->agg.d, rd.wd) != 0))
            return -1;
        agg_add(&g->agg, r, &rd, m->start, q->as_of, q->within, m->cal);
    } else if (total_dur && durs_reserve(&m->total.d, rd.wd) != 0) {
        return -1;
    }
    agg_add(&m->total, r, &rd, m->start, q->as_of, q->within, m->cal);
    return 0;
}

/* ---- feeding from the roll-ups ------------------------------------------ */

static bool agg_has_count(const agg_t *a)
{
    return a->c.carried_over != 0 || a->c.received != 0;
}

/* The aggregate a roll-up reader adds to; NULL with *err set. */
static agg_t *target_agg(metrics_result_t *m, metrics_target t, const char *key, size_t i,
                         int *err)
{
    *err = 0;
    if (t == MT_TOTAL)
        return &m->total;
    if (t == MT_BUCKET) {
        if (m->too_many_buckets)
            *err = -2;
        return i < m->nbuckets ? &m->buckets[i].agg : NULL;
    }
    group_t *g = group_get(m, key, err);
    return g ? &g->agg : NULL;
}

static void counts_add(counts_t *a, const counts_t *b)
{
    a->carried_over += b->carried_over;
    a->received += b->received;
    a->received_online += b->received_online;
    a->received_direct += b->received_direct;
    a->received_postal += b->received_postal;
    a->finished += b->finished;
    a->early += b->early;
    a->on_time += b->on_time;
    a->late += b->late;
    a->withdrawn += b->withdrawn;
    a->stopped += b->stopped;
    a->resolved += b->resolved;
    a->pending += b->pending;
    a->in_time += b->in_time;
    a->overdue += b->overdue;
    a->waiting += b->waiting;
    a->fee_bearing += b->fee_bearing;
    a->fee_bearing_paid_online += b->fee_bearing_paid_online;
    a->level34 += b->level34;
    a->level34_online += b->level34_online;
    a->late_apology += b->late_apology;
}

int metrics_add_counts(metrics_result_t *m, metrics_target t, const char *key, size_t i,
                       const counts_t *c, int64_t wd_sum, int64_t sec_sum, int64_t us_sum)
{
    int err;
    agg_t *a = target_agg(m, t, key, i, &err);
    if (!a)
        return err ? err : -1;
    counts_add(&a->c, c);
    a->d.wd_sum += wd_sum;
    a->d.sec_sum += sec_sum;
    a->d.us_sum += us_sum;
    return 0;
}

int metrics_add_durations(metrics_result_t *m, metrics_target t, const char *key, size_t i,
                          int64_t wd, int64_t n)
{
    int err;
    agg_t *a = target_agg(m, t, key, i, &err);
    if (!a)
        return err ? err : -1;
    durs_t *d = &a->d;
    d->n += n;
    for (; n > 0; n--) {   /* one at a time only for outliers; the histogram takes n at once */
        if (durs_reserve(d, wd) != 0)
            return -1;
        if (wd >= 0 && wd < HIST_MAX) {
            d->hist[wd] += n;
            return 0;
        }
        d->over[d->over_n++] = wd;
    }
    for (; n < 0; n++) {   /* a correction: remove what an earlier call added */
        if (wd >= 0 && wd < HIST_MAX) {
            if ((size_t)wd < d->hist_cap)
                d->hist[wd] += n;
            return 0;
        }
        for (size_t k = 0; k < d->over_n; k++)
            if (d->over[k] == wd) {
                d->over[k] = d->over[--d->over_n];
                break;
            }
    }
    return 0;
}

int metrics_buckets(const metrics_result_t *m, size_t *n)
{
    *n = m->nbuckets;
    return m->too_many_buckets ? -2 : 0;
}

void metrics_bucket_days(const metrics_result_t *m, size_t i, day_t *from, day_t *to,
                         bool *active)
{
    *from = m->buckets[i].from;
    *to = m->buckets[i].to;
    *active = m->buckets[i].active;
}

bool metrics_row_counts(const metrics_result_t *m, const metrics_row_t *r)
{
    return row_passes_filters(&m->q, r);
}

const char *metrics_row_key(const metrics_result_t *m, const metrics_row_t *r, char buf[4])
{
    return row_key(m->q.group_dim, r, buf);
}

/* ---- rendering: shared views -------------------------------------------- */

/* One line of output: the whole query, a dimension group or a bucket. */
typedef struct {
    bool null_key;
    const char *key;           /* when !null_key */
    const char *label;         /* NULL = null */
    bool bucket;
    day_t from, to;            /* bucket only */
    char name[PERIOD_NAME_MAX];
    const agg_t *agg;
    const char *target_agency; /* agency the targets are resolved for */
    int year;                  /* year of the period's `to` */
} view_t;

static const char *const LEVEL_LABELS[5] = { NULL, NULL, "Mức độ 2", "Mức độ 3", "Mức độ 4" };

static int year_of(day_t d)
{
    int y, mo, dd;
    day_to_ymd(d, &y, &mo, &dd);
    return y;
}

static int cmp_group(const void *a, const void *b)
{
    const group_t *ga = *(const group_t *const *)a, *gb = *(const group_t *const *)b;
    if (ga->key == NULL || gb->key == NULL)
        return (ga->key == NULL) - (gb->key == NULL);   /* null last */
    return strcmp(ga->key, gb->key);
}

static const char *group_label(const metrics_query_t *q, const char *key, label_fn labels,
                               void *ctx)
{
    if (key == NULL)
        return NULL;
    switch (q->group_dim) {
    case DIM_AGENCY:
    case DIM_PROCEDURE:
    case DIM_FIELD:
        return labels ? labels(ctx, q->group_dim, key) : NULL;
    case DIM_CHANNEL:
        return channel_label_vi(channel_from_name(key, strlen(key)));
    case DIM_LEVEL:
        return key[0] >= '2' && key[0] <= '4' ? LEVEL_LABELS[key[0] - '0'] : NULL;
    case DIM_NONE:
        break;
    }
    return NULL;
}

/*
 * The ordered lines under "groups" (dimension groups by key, null last; or
 * buckets in time order). Returns a malloc'd array (caller frees) with *n
 * entries, or NULL with *n = 0 when there is nothing to list; *oom is set on
 * allocation failure.
 */
static view_t *group_views(const metrics_result_t *m, label_fn labels, void *ctx, size_t *n,
                           bool *oom)
{
    const metrics_query_t *q = &m->q;
    const char *filter_agency = q->agency[0] ? q->agency : NULL;
    group_t **gs = NULL;
    view_t *v = NULL;
    size_t count = 0;
    *n = 0;
    *oom = false;

    if (q->group_bucket != BK_NONE) {
        if (m->nbuckets == 0)
            return NULL;
        if ((v = calloc(m->nbuckets, sizeof *v)) == NULL)
            goto fail;
        for (size_t i = 0; i < m->nbuckets; i++) {
            const bucket_t *b = &m->buckets[i];
            view_t *w = &v[i];
            bucket_name_cal(q->calendar, q->group_bucket, b->name_start, w->name, sizeof w->name);
            w->key = w->name;
            w->bucket = true;
            w->from = b->from;
            w->to = b->to;
            w->agg = &b->agg;
            w->target_agency = filter_agency;
            w->year = year_of(b->to);
        }
        *n = m->nbuckets;
        return v;
    }
    if (q->group_dim == DIM_NONE || m->ngroups == 0)
        return NULL;
    if ((gs = malloc(m->ngroups * sizeof *gs)) == NULL)
        goto fail;
    /* A group fed from the roll-ups can sum to nothing (rows whose deltas
     * cancel); the spec lists only groups that have a count. */
    for (size_t i = 0; i < m->slot_cap; i++)
        if (m->slots[i] != NULL && agg_has_count(&m->slots[i]->agg))
            gs[count++] = m->slots[i];
    if (m->null_group != NULL && agg_has_count(&m->null_group->agg))
        gs[count++] = m->null_group;
    if (count == 0) {
        free(gs);
        return NULL;
    }
    qsort(gs, count, sizeof *gs, cmp_group);
    if ((v = calloc(count, sizeof *v)) == NULL)
        goto fail;
    for (size_t i = 0; i < count; i++) {
        view_t *w = &v[i];
        w->null_key = gs[i]->key == NULL;
        w->key = gs[i]->key;
        w->label = group_label(q, gs[i]->key, labels, ctx);
        w->agg = &gs[i]->agg;
        w->target_agency = q->group_dim == DIM_AGENCY ? gs[i]->key : filter_agency;
        w->year = year_of(q->period.to);
    }
    free(gs);
    *n = count;
    return v;
fail:
    free(gs);
    free(v);
    *oom = true;
    return NULL;
}

static void whole_view(const metrics_result_t *m, view_t *w)
{
    memset(w, 0, sizeof *w);
    w->null_key = true;
    w->agg = &m->total;
    w->target_agency = m->q.agency[0] ? m->q.agency : NULL;
    w->year = year_of(m->q.period.to);
}

typedef struct {
    const char *name;
    size_t off;
} count_field;

/* The counts served, in order: every counts_t field except the helpers. */
static const count_field COUNT_FIELDS[] = {
    { "carried_over", offsetof(counts_t, carried_over) },
    { "received", offsetof(counts_t, received) },
    { "received_online", offsetof(counts_t, received_online) },
    { "received_direct", offsetof(counts_t, received_direct) },
    { "received_postal", offsetof(counts_t, received_postal) },
    { "finished", offsetof(counts_t, finished) },
    { "early", offsetof(counts_t, early) },
    { "on_time", offsetof(counts_t, on_time) },
    { "late", offsetof(counts_t, late) },
    { "withdrawn", offsetof(counts_t, withdrawn) },
    { "stopped", offsetof(counts_t, stopped) },
    { "resolved", offsetof(counts_t, resolved) },
    { "pending", offsetof(counts_t, pending) },
    { "in_time", offsetof(counts_t, in_time) },
    { "overdue", offsetof(counts_t, overdue) },
    { "waiting", offsetof(counts_t, waiting) },
};
#define N_COUNT_FIELDS (sizeof COUNT_FIELDS / sizeof COUNT_FIELDS[0])

static int64_t count_at(const counts_t *c, size_t i)
{
    int64_t v;
    memcpy(&v, (const char *)c + COUNT_FIELDS[i].off, sizeof v);
    return v;
}

static void eval_rate(const view_t *w, rate_id r, const target_set *targets, int64_t tol,
                      rate_eval_t *ev)
{
    int64_t num, den;
    counts_rate(&w->agg->c, r, &num, &den);
    rate_eval(num, den, target_resolve(targets, r, w->target_agency, w->year), tol, ev);
}

/* The target as a number: the double nearest to its exact decimal value,
 * micro / 10^6. Both are exact doubles (|micro| <= 2^53), and IEEE division
 * is correctly rounded, so the quotient is that double: the same as strtod
 * of the decimal text (tests/check_metrics.c compares them), without
 * formatting and parsing it for every rate of every group. */
static double target_double(int64_t micro)
{
    if (micro > (INT64_C(1) << 53) || micro < -(INT64_C(1) << 53)) {
        char buf[32];
        dec_format(micro, buf, sizeof buf);
        return strtod(buf, NULL);
    }
    return (double)micro / (double)DEC_ONE;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The k-th smallest duration (1-based): negative outliers, then the
 * histogram, then the large outliers. `over` is d->over sorted. */
static int64_t durs_kth(const durs_t *d, const int64_t *over, uint64_t k)
{
    uint64_t seen = 0;
    size_t i = 0;
    for (; i < d->over_n && over[i] < 0; i++)
        if (++seen >= k)
            return over[i];
    for (size_t v = 0; v < d->hist_cap; v++) {
        seen += (uint64_t)d->hist[v];
        if (seen >= k)
            return (int64_t)v;
    }
    for (; i < d->over_n; i++)
        if (++seen >= k)
            return over[i];
    return 0;   /* k > n: not reached */
}

/* ---- JSON ---------------------------------------------------------------
 * One renderer for both forms (jsonw.h): metrics_to_json gets the jansson
 * tree, metrics_to_json_text the same document as text, byte for byte what
 * json_dumps(tree, JSON_COMPACT) gives, without building the tree. */

static void w_counts(jsonw *out, const counts_t *c)
{
    jw_object_begin(out);
    for (size_t i = 0; i < N_COUNT_FIELDS; i++) {
        jw_key(out, COUNT_FIELDS[i].name);
        jw_int(out, count_at(c, i));
    }
    jw_object_end(out);
}

/* The members of a rate object, without its braces (series adds its own). */
static void w_rate_members(jsonw *out, const rate_eval_t *ev)
{
    jw_key(out, "value");
    if (ev->has_value)
        jw_real(out, ev->value);
    else
        jw_null(out);
    jw_key(out, "numerator");
    jw_int(out, ev->num);
    jw_key(out, "denominator");
    jw_int(out, ev->den);
    jw_key(out, "target");
    if (ev->target.op != OP_NONE)
        jw_real(out, target_double(ev->target.micro));
    else
        jw_null(out);
    jw_key(out, "op");
    jw_string(out, rate_op_str(ev->target.op));
    jw_key(out, "status");
    jw_string(out, rate_status_str(ev->status));
    jw_key(out, "gap");
    if (ev->has_gap)
        jw_int(out, ev->gap);
    else
        jw_null(out);
}

static void w_rates(jsonw *out, const view_t *w, const target_set *targets, int64_t tol)
{
    jw_object_begin(out);
    for (int r = 0; r < R__COUNT; r++) {
        rate_eval_t ev;
        eval_rate(w, (rate_id)r, targets, tol, &ev);
        jw_key(out, rate_name((rate_id)r));
        jw_object_begin(out);
        w_rate_members(out, &ev);
        jw_object_end(out);
    }
    jw_object_end(out);
}

static void w_durations(jsonw *out, const durs_t *d)
{
    int64_t *over = NULL;
    if (d->n != 0 && d->over_n > 0) {
        if ((over = malloc(d->over_n * sizeof *over)) == NULL) {
            jw_fail(out);
            return;
        }
        memcpy(over, d->over, d->over_n * sizeof *over);
        qsort(over, d->over_n, sizeof *over, cmp_i64);
    }
    jw_object_begin(out);
    jw_key(out, "finished");
    jw_int(out, d->n);
    jw_key(out, "working_days");
    jw_object_begin(out);
    if (d->n == 0) {
        jw_key(out, "mean");
        jw_null(out);
        jw_key(out, "median");
        jw_null(out);
        jw_key(out, "p90");
        jw_null(out);
    } else {
        uint64_t n = (uint64_t)d->n;
        jw_key(out, "mean");
        jw_real(out, (double)d->wd_sum / (double)d->n);
        jw_key(out, "median");
        jw_int(out, durs_kth(d, over, rank_of(n, 50)));
        jw_key(out, "p90");
        jw_int(out, durs_kth(d, over, rank_of(n, 90)));
    }
    jw_object_end(out);
    jw_key(out, "calendar_days");
    jw_object_begin(out);
    jw_key(out, "mean");
    if (d->n == 0) {
        jw_null(out);
    } else {
        double secs = (double)d->sec_sum + (double)d->us_sum / (double)TS_US_PER_SEC;
        jw_real(out, secs / 86400.0 / (double)d->n);
    }
    jw_object_end(out);
    jw_object_end(out);
    free(over);
}

/* "counts", "rates" and "durations" of one view, as members of the open object. */
static void w_body(jsonw *out, const view_t *w, const target_set *targets, int64_t tol)
{
    jw_key(out, "counts");
    w_counts(out, &w->agg->c);
    jw_key(out, "rates");
    w_rates(out, w, targets, tol);
    jw_key(out, "durations");
    w_durations(out, &w->agg->d);
}

static void w_day(jsonw *out, day_t d)
{
    char buf[DAY_FMT_MAX];
    day_format(d, buf, sizeof buf);
    jw_string(out, buf);
}

static void w_group(jsonw *out, const view_t *w, const target_set *targets, int64_t tol)
{
    jw_object_begin(out);
    jw_key(out, "key");
    jw_string(out, w->null_key ? NULL : w->key);
    jw_key(out, "label");
    jw_string(out, w->label);
    if (w->bucket) {
        jw_key(out, "from");
        w_day(out, w->from);
        jw_key(out, "to");
        w_day(out, w->to);
    }
    w_body(out, w, targets, tol);
    jw_object_end(out);
}

static void w_period(jsonw *out, const metrics_query_t *q)
{
    char asof[TS_FMT_MAX];
    ts_format(q->as_of, asof, sizeof asof);
    jw_object_begin(out);
    jw_key(out, "from");
    w_day(out, q->period.from);
    jw_key(out, "to");
    w_day(out, q->period.to);
    jw_key(out, "as_of");
    jw_string(out, asof);
    jw_key(out, "basis");
    jw_string(out, q->basis == BASIS_COHORT ? "cohort" : "flow");
    jw_object_end(out);
}

static void w_filters(jsonw *out, const metrics_query_t *q)
{
    jw_object_begin(out);
    if (q->agency[0]) {
        jw_key(out, "agency");
        jw_string(out, q->agency);
    }
    if (q->procedure[0]) {
        jw_key(out, "procedure");
        jw_string(out, q->procedure);
    }
    if (q->field[0]) {
        jw_key(out, "field");
        jw_string(out, q->field);
    }
    if (q->channel) {
        jw_key(out, "channel");
        jw_string(out, channel_name(q->channel));
    }
    if (q->service_level) {
        jw_key(out, "service_level");
        jw_int(out, q->service_level);
    }
    jw_object_end(out);
}

static void w_metrics(jsonw *out, const metrics_result_t *m, const target_set *targets,
                      int64_t tol, label_fn labels, void *label_ctx)
{
    const metrics_query_t *q = &m->q;
    view_t whole;
    whole_view(m, &whole);
    const char *gb = q->group_bucket != BK_NONE ? bucket_kind_name(q->group_bucket)
                                                 : dim_name(q->group_dim);
    jw_object_begin(out);
    jw_key(out, "period");
    w_period(out, q);
    jw_key(out, "filters");
    w_filters(out, q);
    if (gb) {
        jw_key(out, "group_by");
        jw_string(out, gb);
    }
    w_body(out, &whole, targets, tol);
    if (gb) {
        size_t ng = 0;
        bool oom = false;
        view_t *gv = group_views(m, labels, label_ctx, &ng, &oom);
        if (oom)
            jw_fail(out);
        jw_reserve(out, (ng + 1) * 2048);   /* a group is ~1.6 KB of text */
        jw_key(out, "groups");
        jw_array_begin(out);
        for (size_t i = 0; i < ng && !out->failed; i++)
            w_group(out, &gv[i], targets, tol);
        jw_array_end(out);
        free(gv);
    }
    jw_object_end(out);
}

json_t *metrics_to_json(const metrics_result_t *m, const target_set *targets, int64_t tol_micro,
                        label_fn labels, void *label_ctx)
{
    jsonw out;
    jw_init_tree(&out);
    w_metrics(&out, m, targets, tol_micro, labels, label_ctx);
    return jw_finish_tree(&out);
}

char *metrics_to_json_text(const metrics_result_t *m, const target_set *targets,
                           int64_t tol_micro, label_fn labels, void *label_ctx, size_t *len)
{
    jsonw out;
    jw_init_text(&out);
    w_metrics(&out, m, targets, tol_micro, labels, label_ctx);
    return jw_finish_text(&out, len);
}

/* ---- CSV ---------------------------------------------------------------- */

static void sb_text_cell(strbuf *b, const char *s)
{
    if (s == NULL)
        return;
    bool guard = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        sb_put(b, "\"", 1);
    if (guard)
        sb_put(b, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            sb_put(b, "\"\"", 2);
        else
            sb_put(b, p, 1);
    }
    if (quote)
        sb_put(b, "\"", 1);
}

void metrics_csv_counts_header(strbuf *b)
{
    for (size_t i = 0; i < N_COUNT_FIELDS; i++) {
        sb_put(b, ",", 1);
        sb_puts(b, COUNT_FIELDS[i].name);
    }
}

void metrics_csv_counts(strbuf *b, const counts_t *c)
{
    for (size_t i = 0; i < N_COUNT_FIELDS; i++) {
        sb_put(b, ",", 1);
        sb_i64(b, count_at(c, i));
    }
}

void metrics_csv_rate_header(strbuf *b, rate_id r)
{
    static const char *const suffixes[] = {
        "", "_numerator", "_denominator", "_target", "_status", "_gap",
    };
    for (size_t s = 0; s < sizeof suffixes / sizeof suffixes[0]; s++) {
        sb_put(b, ",", 1);
        sb_puts(b, rate_name(r));
        sb_puts(b, suffixes[s]);
    }
}

void metrics_csv_rate(strbuf *b, const rate_eval_t *ev)
{
    char buf[32];
    sb_put(b, ",", 1);
    if (ev->has_value)
        sb_double(b, ev->value);
    sb_put(b, ",", 1);
    sb_i64(b, ev->num);
    sb_put(b, ",", 1);
    sb_i64(b, ev->den);
    sb_put(b, ",", 1);
    if (ev->target.op != OP_NONE) {
        dec_format(ev->target.micro, buf, sizeof buf);
        sb_puts(b, buf);
    }
    sb_put(b, ",", 1);
    sb_puts(b, rate_status_str(ev->status));
    sb_put(b, ",", 1);
    if (ev->has_gap)
        sb_i64(b, ev->gap);
}

static void csv_header(strbuf *b, bool buckets)
{
    sb_puts(b, "key,label");
    metrics_csv_counts_header(b);
    for (int r = 0; r < R__COUNT; r++)
        metrics_csv_rate_header(b, (rate_id)r);
    /* A bucket's dates come last, so the spec's columns keep their order. */
    if (buckets)
        sb_puts(b, ",from,to");
    sb_puts(b, "\r\n");
}

static void csv_row(strbuf *b, const view_t *w, bool buckets, const target_set *targets,
                    int64_t tol)
{
    char buf[32];
    sb_text_cell(b, w->null_key ? NULL : w->key);
    sb_put(b, ",", 1);
    sb_text_cell(b, w->label);
    metrics_csv_counts(b, &w->agg->c);
    for (int r = 0; r < R__COUNT; r++) {
        rate_eval_t ev;
        eval_rate(w, (rate_id)r, targets, tol, &ev);
        metrics_csv_rate(b, &ev);
    }
    if (buckets) {
        sb_put(b, ",", 1);
        if (w->bucket) {
            day_format(w->from, buf, sizeof buf);
            sb_puts(b, buf);
        }
        sb_put(b, ",", 1);
        if (w->bucket) {
            day_format(w->to, buf, sizeof buf);
            sb_puts(b, buf);
        }
    }
    sb_puts(b, "\r\n");
}

char *metrics_to_csv(const metrics_result_t *m, const target_set *targets, int64_t tol_micro,
                     label_fn labels, void *label_ctx, size_t *len)
{
    const metrics_query_t *q = &m->q;
    bool buckets = q->group_bucket != BK_NONE;
    strbuf b = { NULL, 0, 0, false };
    view_t *gv = NULL;
    size_t ng = 0;
    bool oom = false;

    sb_put(&b, "\xEF\xBB\xBF", 3);
    csv_header(&b, buckets);
    if (buckets || q->group_dim != DIM_NONE) {
        gv = group_views(m, labels, label_ctx, &ng, &oom);
        if (oom)
            goto fail;
        for (size_t i = 0; i < ng; i++)
            csv_row(&b, &gv[i], buckets, targets, tol_micro);
    } else {
        view_t whole;
        whole_view(m, &whole);
        csv_row(&b, &whole, false, targets, tol_micro);
    }
    if (b.oom)
        goto fail;
    free(gv);
    if (len)
        *len = b.len;
    return b.p;
fail:
    free(gv);
    free(b.p);
    return NULL;
}

/* ---- public rendering helpers and iteration (rankings, series) ----------- */

void metrics_counts_jw(jsonw *out, const counts_t *c) { w_counts(out, c); }
void metrics_rate_members_jw(jsonw *out, const rate_eval_t *ev) { w_rate_members(out, ev); }
void metrics_period_jw(jsonw *out, const metrics_query_t *q) { w_period(out, q); }
void metrics_filters_jw(jsonw *out, const metrics_query_t *q) { w_filters(out, q); }
void metrics_day_jw(jsonw *out, day_t d) { w_day(out, d); }

json_t *metrics_counts_json(const counts_t *c)
{
    jsonw out;
    jw_init_tree(&out);
    w_counts(&out, c);
    return jw_finish_tree(&out);
}

json_t *metrics_rate_json(const rate_eval_t *ev)
{
    jsonw out;
    jw_init_tree(&out);
    jw_object_begin(&out);
    w_rate_members(&out, ev);
    jw_object_end(&out);
    return jw_finish_tree(&out);
}

json_t *metrics_period_json(const metrics_query_t *q)
{
    jsonw out;
    jw_init_tree(&out);
    w_period(&out, q);
    return jw_finish_tree(&out);
}

json_t *metrics_filters_json(const metrics_query_t *q)
{
    jsonw out;
    jw_init_tree(&out);
    w_filters(&out, q);
    return jw_finish_tree(&out);
}

json_t *metrics_day_json(day_t d)
{
    jsonw out;
    jw_init_tree(&out);
    w_day(&out, d);
    return jw_finish_tree(&out);
}
void metrics_csv_text(strbuf *b, const char *s) { sb_text_cell(b, s); }

const char *metrics_line_key(const metrics_line_t *l)
{
    if (l->bucket)
        return l->name;
    return l->null_key ? NULL : l->key;
}

/* A line from a view; a bucket's name is copied (the view's own storage
 * goes away with the views). */
static void line_from_view(const view_t *w, metrics_line_t *l)
{
    memset(l, 0, sizeof *l);
    l->null_key = w->null_key;
    l->bucket = w->bucket;
    if (w->bucket)
        snprintf(l->name, sizeof l->name, "%s", w->name);
    else
        l->key = w->null_key ? NULL : w->key;
    l->label = w->label;
    l->from = w->from;
    l->to = w->to;
    l->counts = &w->agg->c;
    l->target_agency = w->target_agency;
    l->year = w->year;
}

int metrics_lines(const metrics_result_t *m, label_fn labels, void *label_ctx,
                  metrics_line_t **out, size_t *n)
{
    bool oom = false;
    size_t ng = 0;
    metrics_line_t *lines = NULL;
    *out = NULL;
    *n = 0;
    view_t *gv = group_views(m, labels, label_ctx, &ng, &oom);
    if (oom)
        return -1;
    if (ng == 0) {
        free(gv);
        return 0;
    }
    if ((lines = calloc(ng, sizeof *lines)) == NULL) {
        free(gv);
        return -1;
    }
    for (size_t i = 0; i < ng; i++)
        line_from_view(&gv[i], &lines[i]);
    free(gv);
    *out = lines;
    *n = ng;
    return 0;
}

void metrics_whole_line(const metrics_result_t *m, metrics_line_t *out)
{
    view_t whole;
    whole_view(m, &whole);
    line_from_view(&whole, out);
}

void metrics_line_rate(const metrics_line_t *l, rate_id r, const target_set *targets,
                       int64_t tol_micro, rate_eval_t *out)
{
    int64_t num, den;
    counts_rate(l->counts, r, &num, &den);
    rate_eval(num, den, target_resolve(targets, r, l->target_agency, l->year), tol_micro, out);
}
