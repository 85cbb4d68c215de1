/*
 * rollup.c - see rollup.h. The events of a dossier follow classify.c's rules
 * exactly; the accumulator is an open-addressing hash map over the roll-up
 * keys, its strings in one arena, so a chunk's deltas cost no allocation per
 * dossier once the map has grown.
 */
#include "rollup.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"

const char *const RU_COL_NAMES[RU__COUNT] = {
    "received", "recv_online", "recv_direct", "recv_postal",
    "fee_bearing", "fee_paid_online", "level34", "level34_online",
    "finished", "early", "on_time", "late", "withdrawn", "stopped", "resolved",
    "late_apology", "dur_wd", "dur_sec", "dur_us",
    "s_nw_in", "s_nw_over", "s_w_in", "s_w_over",
};

#define TS_NEVER INT64_MAX

day_t rollup_first_day(void) { return day_from_ymd(1800, 1, 1); }

/* ---- events --------------------------------------------------------------- */

/* Open states, as offsets from RU_S_NW_IN; ST_NONE when not open. */
enum { ST_NONE = -1, ST_NW_IN = 0, ST_NW_OVER, ST_W_IN, ST_W_OVER };

typedef struct {
    ts_t fin;          /* finished_at of a finished status, else never */
    ts_t overdue_at;   /* first instant of the day after the due day, else never */
    ts_t wait_at;      /* when the waiting flag rises (status 5/6), else never */
    bool always_over;  /* a second supplement request: overdue whatever the dates */
    bool wait_over;    /* the class of the wait (fixed when it began) */
} life_t;

/* The open state at instant t >= received_at (classify.c's rules). */
static int state_at(const life_t *l, ts_t t)
{
    if (t >= l->fin)
        return ST_NONE;
    if (t >= l->wait_at)
        return l->wait_over ? ST_W_OVER : ST_W_IN;
    return l->always_over || t >= l->overdue_at ? ST_NW_OVER : ST_NW_IN;
}

static void received_flows(const metrics_row_t *r, int64_t *v)
{
    v[RU_RECEIVED]++;
    if (r->channel == CH_ONLINE)
        v[RU_RECV_ONLINE]++;
    else if (r->channel == CH_DIRECT)
        v[RU_RECV_DIRECT]++;
    else if (r->channel == CH_POSTAL)
        v[RU_RECV_POSTAL]++;
    if (r->fee > 0 || (r->fee == FEE_NULL && r->catalog_has_fee == 1)) {
        v[RU_FEE_BEARING]++;
        if (r->paid_online)
            v[RU_FEE_PAID_ONLINE]++;
    }
    if (r->service_level == 3 || r->service_level == 4) {
        v[RU_LEVEL34]++;
        if (r->channel == CH_ONLINE)
            v[RU_LEVEL34_ONLINE]++;
    }
}

static void finish_flows(const metrics_row_t *r, const calendar_t *cal, ru_event *e)
{
    int64_t *v = e->v;
    v[RU_FINISHED]++;
    int cls;   /* 0 early, 1 on time, 2 late: classify.c's finished_class */
    if (r->supplement_count > 1)
        cls = 2;
    else if (r->due_at == TS_NULL)
        cls = 1;
    else {
        day_t fin = ts_day(r->finished_at), due = ts_day(r->due_at);
        cls = fin < due ? 0 : fin == due ? 1 : 2;
    }
    v[cls == 0 ? RU_EARLY : cls == 1 ? RU_ON_TIME : RU_LATE]++;
    if (cls == 2 && r->apology)
        v[RU_LATE_APOLOGY]++;
    v[r->status == 7 ? RU_WITHDRAWN : r->status == 8 ? RU_STOPPED : RU_RESOLVED]++;
    e->finish = true;
    e->wd = cal_working_between(cal, ts_day(r->received_at), ts_day(r->finished_at));
    int64_t us = r->finished_at - r->received_at;
    v[RU_DUR_WD] += e->wd;
    v[RU_DUR_SEC] += us / TS_US_PER_SEC;
    v[RU_DUR_US] += us % TS_US_PER_SEC;
}

static ts_t wait_start(const metrics_row_t *r)
{
    if (r->supplement_requested_at != TS_NULL)
        return r->supplement_requested_at;
    if (r->updated_at != TS_NULL)
        return r->updated_at;
    return r->received_at;
}

static int cmp_ts(const void *a, const void *b)
{
    ts_t x = *(const ts_t *)a, y = *(const ts_t *)b;
    return (x > y) - (x < y);
}

int rollup_events(const metrics_row_t *r, const calendar_t *cal, ru_event out[RU_MAX_EVENTS])
{
    if (!status_counted(r->status) || r->received_at == TS_NULL)
        return 0;
    ts_t rec = r->received_at;
    bool has_due = r->due_at != TS_NULL;
    life_t l = {
        .fin = status_finished(r->status) && r->finished_at != TS_NULL ? r->finished_at
                                                                       : TS_NEVER,
        .overdue_at = has_due ? ts_day_start(ts_day(r->due_at) + 1) : TS_NEVER,
        .wait_at = TS_NEVER,
        .always_over = r->supplement_count > 1,
    };
    if (status_waiting(r->status)) {
        ts_t ws = wait_start(r);
        l.wait_at = ws > rec ? ws : rec;
        l.wait_over = l.always_over || (has_due && ts_day(ws) > ts_day(r->due_at));
    }
    /* A finish before reception cannot be stored (validation); were it
     * there, it would count at reception, where classify() sees it. */
    if (l.fin < rec)
        l.fin = rec;

    memset(out, 0, sizeof *out);
    out[0].at = rec;
    received_flows(r, out[0].v);
    int st = state_at(&l, rec);
    if (st != ST_NONE)
        out[0].v[RU_S_NW_IN + st]++;
    if (l.fin == rec)
        finish_flows(r, cal, &out[0]);
    int n = 1;

    ts_t cand[3] = { l.overdue_at, l.wait_at, l.fin };
    qsort(cand, 3, sizeof cand[0], cmp_ts);
    for (int i = 0; i < 3 && st != ST_NONE; i++) {
        ts_t t = cand[i];
        if (t <= rec || t == TS_NEVER || (i > 0 && t == cand[i - 1]))
            continue;
        int ns = state_at(&l, t);
        if (ns == st)
            continue;
        ru_event *e = &out[n++];
        memset(e, 0, sizeof *e);
        e->at = t;
        e->v[RU_S_NW_IN + st]--;
        if (ns != ST_NONE)
            e->v[RU_S_NW_IN + ns]++;
        else
            finish_flows(r, cal, e);
        st = ns;
    }
    return n;
}

void rollup_row(const dossier_t *d, const ru_catalog *p, const calendar_t *cal,
                const office_hours *oh, metrics_row_t *out)
{
    bool cat = p && p->code;
    out->agency_code = d->agency_code;
    out->procedure_code = d->procedure_code;
    out->field_code = d->field_code ? d->field_code : cat ? p->field_code : NULL;
    out->service_level = d->service_level ? d->service_level : cat ? p->service_level : 0;
    out->channel = d->channel;
    out->status = d->status;
    out->received_at = d->received_at;
    out->due_at = d->due_at;
    if (out->due_at == TS_NULL && cat && p->duration >= 0 && p->unit != DUE_NONE)
        out->due_at = due_compute(cal, oh, d->received_at, p->duration, p->unit);
    out->finished_at = d->finished_at;
    out->supplement_requested_at = d->supplement_requested_at;
    out->updated_at = d->updated_at;
    out->supplement_count = d->supplement_count;
    out->fee = d->fee;
    out->catalog_has_fee = cat ? p->has_fee : -1;
    out->paid_online = d->paid_online;
    out->apology = d->apology;
}

/* ---- the accumulator ---------------------------------------------------------- */

typedef struct {
    ru_row row;
    uint64_t hash;
} ru_entry;

struct rollup_acc {
    ru_entry *e;
    size_t n, cap;
    int32_t *slot;       /* index into e, -1 empty */
    size_t nslot;        /* power of two */
    arena_t strings;
    /* Interned strings: each distinct code is stored once and keys compare
     * their strings by pointer (a dossier's nine keys share three strings). */
    const char **itab;
    uint64_t *ihash;
    size_t icap, in;
};

rollup_acc *rollup_acc_new(void)
{
    rollup_acc *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    arena_init(&a->strings);
    return a;
}

void rollup_acc_free(rollup_acc *a)
{
    if (!a)
        return;
    free(a->e);
    free(a->slot);
    free(a->itab);
    free(a->ihash);
    arena_free(&a->strings);
    free(a);
}

void rollup_acc_clear(rollup_acc *a)
{
    a->n = 0;
    if (a->slot)
        memset(a->slot, 0xff, a->nslot * sizeof *a->slot);
    if (a->itab)
        memset(a->itab, 0, a->icap * sizeof *a->itab);
    a->in = 0;
    arena_reset(&a->strings);
}

size_t rollup_acc_size(const rollup_acc *a) { return a->n; }

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return mix(h, 0xff);
}

/* The hash of a key whose strings hash to sa, sp, sf (hash_str from the
 * same seed, computed once per dossier rather than once per key). */
static uint64_t key_hash(const ru_row *k, uint64_t sa, uint64_t sp, uint64_t sf)
{
    uint64_t h = 14695981039346656037ULL;
    h = mix(h, (uint64_t)k->lod << 40 | (uint64_t)k->grain << 32 | (uint32_t)k->bucket);
    h = mix(h, (uint64_t)k->channel << 8 | (uint64_t)k->level | (uint64_t)k->hist << 16);
    h = mix(h, (uint64_t)k->wd);
    h = mix(h, sa);
    h = mix(h, sp * 31);
    return mix(h, sf * 131);
}

static uint64_t str_hash(const char *s) { return hash_str(1469598103934665603ULL, s); }

/* Keys compare their (interned) strings by pointer. */
static bool key_eq(const ru_row *a, const ru_row *b)
{
    return a->lod == b->lod && a->grain == b->grain && a->bucket == b->bucket &&
           a->channel == b->channel && a->level == b->level && a->hist == b->hist &&
           a->wd == b->wd && a->agency == b->agency && a->procedure == b->procedure &&
           a->field == b->field;
}

/* The interned copy of s (h its str_hash), or NULL when out of memory. */
static const char *intern(rollup_acc *a, const char *s, uint64_t h)
{
    if ((a->in + 1) * 2 > a->icap) {
        size_t cap = a->icap ? a->icap * 2 : 256;
        const char **t = calloc(cap, sizeof *t);
        uint64_t *th = malloc(cap * sizeof *th);
        if (!t || !th) {
            free(t);
            free(th);
            return NULL;
        }
        for (size_t i = 0; i < a->icap; i++) {
            if (!a->itab[i])
                continue;
            size_t j = (size_t)a->ihash[i] & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = a->itab[i];
            th[j] = a->ihash[i];
        }
        free(a->itab);
        free(a->ihash);
        a->itab = t;
        a->ihash = th;
        a->icap = cap;
    }
    size_t j = (size_t)h & (a->icap - 1);
    for (; a->itab[j]; j = (j + 1) & (a->icap - 1))
        if (a->ihash[j] == h && !strcmp(a->itab[j], s))
            return a->itab[j];
    char *copy = arena_strndup(&a->strings, s, strlen(s));
    if (!copy)
        return NULL;
    a->itab[j] = copy;
    a->ihash[j] = h;
    a->in++;
    return copy;
}

static int grow(rollup_acc *a)
{
    size_t nslot = a->nslot ? a->nslot * 2 : 1024;
    int32_t *slot = malloc(nslot * sizeof *slot);
    if (!slot)
        return -1;
    memset(slot, 0xff, nslot * sizeof *slot);
    for (size_t i = 0; i < a->n; i++) {
        size_t j = (size_t)a->e[i].hash & (nslot - 1);
        while (slot[j] >= 0)
            j = (j + 1) & (nslot - 1);
        slot[j] = (int32_t)i;
    }
    free(a->slot);
    a->slot = slot;
    a->nslot = nslot;
    return 0;
}

/* The entry of key k (h: its key_hash), created (zeroed, strings copied)
 * when new; NULL when out of memory. */
static ru_row *entry(rollup_acc *a, const ru_row *k, uint64_t h)
{
    if ((a->n + 1) * 2 > a->nslot && grow(a) != 0)
        return NULL;
    size_t j = (size_t)h & (a->nslot - 1);
    for (; a->slot[j] >= 0; j = (j + 1) & (a->nslot - 1)) {
        ru_entry *e = &a->e[a->slot[j]];
        if (e->hash == h && key_eq(&e->row, k))
            return &e->row;
    }
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 512;
        ru_entry *e = realloc(a->e, cap * sizeof *e);
        if (!e)
            return NULL;
        a->e = e;
        a->cap = cap;
    }
    ru_entry *e = &a->e[a->n];
    e->row = *k;
    e->hash = h;
    memset(e->row.v, 0, sizeof e->row.v);
    memset(e->row.h, 0, sizeof e->row.h);
    a->slot[j] = (int32_t)a->n++;   /* the key's strings are interned already */
    return &e->row;
}

int rollup_acc_add(rollup_acc *a, const metrics_row_t *r, const calendar_t *cal, int sign)
{
    static const int LODS[3] = { RU_LOD_PROVINCE, RU_LOD_AGENCY, RU_LOD_DETAIL };
    ru_event ev[RU_MAX_EVENTS];
    int n = rollup_events(r, cal, ev);
    if (n == 0)
        return 0;
    const uint64_t h0 = str_hash(""), ha = str_hash(r->agency_code ? r->agency_code : ""),
                   hp = str_hash(r->procedure_code ? r->procedure_code : ""),
                   hf = str_hash(r->field_code ? r->field_code : "");
    const char *none = intern(a, "", h0);
    const char *agency = intern(a, r->agency_code ? r->agency_code : "", ha);
    const char *proc = intern(a, r->procedure_code ? r->procedure_code : "", hp);
    const char *field = intern(a, r->field_code ? r->field_code : "", hf);
    if (!none || !agency || !proc || !field)
        return -1;
    for (int i = 0; i < n; i++) {
        day_t day = ts_day(ev[i].at);
        int y, m, d;
        day_to_ymd(day, &y, &m, &d);
        const day_t starts[4] = { 0, day, day_from_ymd(y, m, 1), day_from_ymd(y, 1, 1) };
        for (int l = 0; l < 3; l++) {
            int lod = LODS[l];
            bool detail = lod == RU_LOD_DETAIL;
            for (int g = RU_GRAIN_DAY; g <= RU_GRAIN_YEAR; g++) {
                bool by_agency = lod == RU_LOD_AGENCY;
                ru_row k = {
                    .lod = lod, .grain = g, .bucket = starts[g],
                    .agency = by_agency ? agency : none,
                    .procedure = detail ? proc : none,
                    .field = detail ? field : none,
                    .channel = detail ? r->channel : 0,
                    .level = detail ? r->service_level : 0,
                };
                uint64_t sa = by_agency ? ha : h0, sp = detail ? hp : h0, sf = detail ? hf : h0;
                ru_row *e = entry(a, &k, key_hash(&k, sa, sp, sf));
                if (!e)
                    return -1;
                for (int c = 0; c < RU__COUNT; c++)
                    e->v[c] += sign * ev[i].v[c];
                if (!ev[i].finish)
                    continue;
                if (ev[i].wd >= 0 && ev[i].wd < RU_HIST_COLS) {
                    e->h[ev[i].wd] += sign;
                    continue;
                }
                k.hist = true;   /* the long tail: a row per duration */
                k.wd = ev[i].wd;
                if (!(e = entry(a, &k, key_hash(&k, sa, sp, sf))))
                    return -1;
                e->v[0] += sign;
            }
        }
    }
    return 0;
}

static int cmp_row(const void *pa, const void *pb)
{
    const ru_row *a = *(const ru_row *const *)pa, *b = *(const ru_row *const *)pb;
    if (a->lod != b->lod)
        return a->lod - b->lod;
    if (a->grain != b->grain)
        return a->grain - b->grain;
    if (a->bucket != b->bucket)
        return a->bucket < b->bucket ? -1 : 1;
    int c = strcmp(a->agency, b->agency);
    if (c || (c = strcmp(a->procedure, b->procedure)))
        return c;
    if (a->channel != b->channel)
        return a->channel - b->channel;
    if ((c = strcmp(a->field, b->field)))
        return c;
    if (a->level != b->level)
        return a->level - b->level;
    return (a->wd > b->wd) - (a->wd < b->wd);
}

static bool nonzero(const ru_row *r)
{
    for (int c = 0; c < RU__COUNT; c++)
        if (r->v[c])
            return true;
    for (int k = 0; k < RU_HIST_COLS; k++)
        if (r->h[k])
            return true;
    return false;
}

int rollup_acc_each(rollup_acc *a, bool hist, int (*each)(void *ctx, const ru_row *row),
                    void *ctx)
{
    const ru_row **v = malloc((a->n ? a->n : 1) * sizeof *v);
    if (!v)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->e[i].row.hist == hist && nonzero(&a->e[i].row))
            v[m++] = &a->e[i].row;
    qsort(v, m, sizeof *v, cmp_row);
    int rc = 0;
    for (size_t i = 0; i < m && rc == 0; i++)
        rc = each(ctx, v[i]);
    free(v);
    return rc;
}

/* ---- reading ------------------------------------------------------------------ */

size_t rollup_segments(day_t a, day_t b, int win, ru_segment *out, size_t n, size_t cap)
{
    size_t first = n;
    for (day_t cur = a; cur <= b;) {
        int y, m, d;
        day_to_ymd(cur, &y, &m, &d);
        day_t next_year = day_from_ymd(y + 1, 1, 1);
        day_t next_month = m == 12 ? next_year : day_from_ymd(y, m + 1, 1);
        int g;
        day_t next;
        if (m == 1 && d == 1 && next_year - 1 <= b) {
            g = RU_GRAIN_YEAR;
            next = next_year;
        } else if (d == 1 && next_month - 1 <= b) {
            g = RU_GRAIN_MONTH;
            next = next_month;
        } else {
            g = RU_GRAIN_DAY;
            next = cur + 1;
        }
        if (n > first && out[n - 1].grain == g) {
            out[n - 1].hi = cur;
        } else {
            if (n == cap)
                return (size_t)-1;
            out[n++] = (ru_segment){ win, g, cur, cur };
        }
        cur = next;
    }
    return n;
}

void rollup_window_counts(const int64_t v[RU__COUNT], bool before, counts_t *c)
{
    memset(c, 0, sizeof *c);
    int64_t in = v[RU_S_NW_IN] + v[RU_S_W_IN], over = v[RU_S_NW_OVER] + v[RU_S_W_OVER];
    c->pending = in + over;
    c->in_time = in;
    c->overdue = over;
    c->waiting = v[RU_S_W_IN] + v[RU_S_W_OVER];
    if (before) {
        c->carried_over = c->pending;
        return;
    }
    c->received = v[RU_RECEIVED];
    c->received_online = v[RU_RECV_ONLINE];
    c->received_direct = v[RU_RECV_DIRECT];
    c->received_postal = v[RU_RECV_POSTAL];
    c->fee_bearing = v[RU_FEE_BEARING];
    c->fee_bearing_paid_online = v[RU_FEE_PAID_ONLINE];
    c->level34 = v[RU_LEVEL34];
    c->level34_online = v[RU_LEVEL34_ONLINE];
    c->finished = v[RU_FINISHED];
    c->early = v[RU_EARLY];
    c->on_time = v[RU_ON_TIME];
    c->late = v[RU_LATE];
    c->withdrawn = v[RU_WITHDRAWN];
    c->stopped = v[RU_STOPPED];
    c->resolved = v[RU_RESOLVED];
    c->late_apology = v[RU_LATE_APOLOGY];
}
