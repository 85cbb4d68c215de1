/*
 * lists.c - the pure part of the monitoring lists (see lists.h).
 *
 * Why this file exists: a list page is "the best `limit` items after the
 * cursor, most urgent first", computed while rows stream from the database.
 * Keeping the order, the selection, the cursor and the CSV here, without I/O,
 * lets the unit tests check them exhaustively (ties, tampering, heap against a
 * full sort, quoting). Decisions:
 *  - The cursor is base64url (no padding) of a small versioned text
 *    "<fnv1a-64 hex>|1|state|as_of|within|from|to|fingerprint|wd|due|code".
 *    The checksum catches a cursor that was cut, edited or corrupted; it is
 *    not a secret signature, because a forged cursor can only choose another
 *    position or as_of, which the caller may ask for with the parameters
 *    anyway (the filters always come from the request, never from the cursor).
 *    Decoding is strict (canonical base64, canonical numbers), so one list
 *    position has exactly one token.
 *  - A cursor binds to its state and filters (fingerprint): the next page of
 *    another list is a 400, not a silently wrong page.
 *  - Codes compare bytewise (strcmp), the same in every locale.
 *  - A page of the overdue, due_soon and pending lists is read from streams
 *    in urgency order and stops once no unread row can enter it (list_read);
 *    the bounds are argued in lists.h and docs/DECISIONS.md, and checked
 *    against a full scan in tests/check_lists.c.
 */
#include "lists.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* ---- states ----------------------------------------------------------------- */

static const char *const STATE_NAMES[] = {
    NULL, "overdue", "due_soon", "late", "pending", "waiting",
};

list_state list_state_parse(const char *s)
{
    if (!s)
        return LIST_NONE;
    for (int i = LIST_OVERDUE; i <= LIST_WAITING; i++)
        if (strcmp(s, STATE_NAMES[i]) == 0)
            return (list_state)i;
    return LIST_NONE;
}

const char *list_state_name(list_state s)
{
    if ((int)s < LIST_OVERDUE || (int)s > LIST_WAITING)
        return NULL;
    return STATE_NAMES[s];
}

/* ---- order ------------------------------------------------------------------- */

int list_key_cmp(const list_key *a, const list_key *b)
{
    if (a->wd != b->wd)
        return a->wd > b->wd ? -1 : 1;
    if (a->due != b->due) {
        if (a->due == TS_NULL)
            return 1;
        if (b->due == TS_NULL)
            return -1;
        return a->due < b->due ? -1 : 1;
    }
    int c = strcmp(a->code, b->code);
    return (c > 0) - (c < 0);
}

bool list_selects(list_state st, const cls_result_t *cr, ts_t finished_at, ts_t period_start)
{
    bool open = !cr->finished && (cr->cls == CLS_IN_TIME || cr->cls == CLS_OVERDUE);
    switch (st) {
    case LIST_OVERDUE: return open && cr->cls == CLS_OVERDUE;
    case LIST_DUE_SOON: return open && cr->due_soon;
    case LIST_PENDING: return open;
    case LIST_WAITING: return open && cr->waiting;
    case LIST_LATE:
        return cr->finished && cr->cls == CLS_LATE && finished_at != TS_NULL &&
               finished_at >= period_start;
    case LIST_NONE: break;
    }
    return false;
}

list_key list_key_of(list_state st, const cls_result_t *cr, ts_t due, ts_t finished_at,
                     const calendar_t *cal, const char *code)
{
    list_key k = { -1, due, code };
    if (st == LIST_LATE) {
        k.wd = 0;
        if (due != TS_NULL && finished_at != TS_NULL) {
            int64_t wd = cal_working_between(cal, ts_day(due), ts_day(finished_at));
            k.wd = wd > 0 ? wd : 0;
        }
    } else {
        k.wd = cr->wd_overdue >= 0 ? cr->wd_overdue : -1;
    }
    return k;
}

/* ---- checksums and base64url --------------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

#define FNV_INIT UINT64_C(0xcbf29ce484222325)

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64_val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

/* Encodes n bytes; returns the length written (NUL-terminated), 0 if it does not fit. */
static size_t b64url_encode(const unsigned char *in, size_t n, char *out, size_t cap)
{
    size_t need = (n / 3) * 4 + (n % 3 ? n % 3 + 1 : 0);
    if (need + 1 > cap)
        return 0;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = B64[v >> 6 & 63];
        out[o++] = B64[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = B64[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

/* Strict decoding: alphabet only, no padding, unused low bits zero. Returns
 * the decoded length, or -1. */
static long b64url_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    if (n % 4 == 1)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_val(s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) /* non-canonical: the unused bits must be zero */
        return -1;
    return (long)o;
}

/* ---- cursor --------------------------------------------------------------------- */

size_t list_token_wrap(const char *payload, char *out, size_t cap)
{
    size_t n = strlen(payload);
    unsigned char buf[LIST_CURSOR_MAX];
    if (17 + n > sizeof buf)
        return 0;
    char sum[17];
    snprintf(sum, sizeof sum, "%016" PRIx64, fnv1a(FNV_INIT, payload, n));
    memcpy(buf, sum, 16);
    buf[16] = '|';
    memcpy(buf + 17, payload, n);
    size_t len = b64url_encode(buf, 17 + n, out, cap);
    if (len > LIST_CURSOR_MAX)
        return 0;
    return len;
}

size_t list_cursor_encode(const list_cursor *c, char *out, size_t cap)
{
    const char *st = list_state_name(c->state);
    size_t clen = strlen(c->code);
    if (!st || clen == 0 || clen > LIST_CODE_MAX)
        return 0;
    char payload[LIST_CURSOR_MAX];
    char due[24];
    if (c->due == TS_NULL)
        snprintf(due, sizeof due, "n");
    else
        snprintf(due, sizeof due, "%" PRId64, c->due);
    int n = snprintf(payload, sizeof payload,
                     "1|%s|%" PRId64 "|%d|%" PRId32 "|%" PRId32 "|%016" PRIx64 "|%" PRId64 "|%s|%s",
                     st, c->as_of, c->within, c->from, c->to, c->fingerprint, c->wd, due, c->code);
    if (n < 0 || (size_t)n >= sizeof payload)
        return 0;
    return list_token_wrap(payload, out, cap);
}

/* A canonical decimal integer (what %PRId64 writes) in [lo, hi]. */
static int parse_i64(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (n > 0 && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == n || n - i > 18)
        return -1;
    if (s[i] == '0' && (n - i > 1 || neg))
        return -1;
    int64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (neg)
        v = -v;
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_hex64(const char *s, size_t n, uint64_t *out)
{
    if (n != 16)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d;
        if (s[i] >= '0' && s[i] <= '9')
            d = s[i] - '0';
        else if (s[i] >= 'a' && s[i] <= 'f')
            d = s[i] - 'a' + 10;
        else
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

/* Instants and days a cursor may carry: years 1900..9999 (ts.h's range). */
#define TS_LO INT64_C(-2208988800000000)
#define TS_HI INT64_C(253402300799999999)
#define DAY_LO (-25567)
#define DAY_HI 2932896

int list_cursor_decode(const char *token, list_cursor *c)
{
    if (!token)
        return -1;
    size_t tn = strlen(token);
    if (tn == 0 || tn > LIST_CURSOR_MAX)
        return -1;
    unsigned char raw[LIST_CURSOR_MAX];
    long n = b64url_decode(token, tn, raw, sizeof raw - 1);
    if (n < 18 || memchr(raw, '\0', (size_t)n))
        return -1;
    raw[n] = '\0';
    const char *p = (const char *)raw;
    uint64_t sum;
    if (p[16] != '|' || parse_hex64(p, 16, &sum) != 0)
        return -1;
    const char *payload = p + 17;
    size_t plen = (size_t)n - 17;
    if (fnv1a(FNV_INIT, payload, plen) != sum)
        return -1;

    /* Nine '|'-separated fields, then the code (which may itself hold '|'). */
    const char *f[10];
    size_t fl[10];
    const char *q = payload, *end = payload + plen;
    for (int i = 0; i < 9; i++) {
        const char *bar = memchr(q, '|', (size_t)(end - q));
        if (!bar)
            return -1;
        f[i] = q;
        fl[i] = (size_t)(bar - q);
        q = bar + 1;
    }
    f[9] = q;
    fl[9] = (size_t)(end - q);

    memset(c, 0, sizeof *c);
    int64_t v;
    if (fl[0] != 1 || f[0][0] != '1')
        return -1;
    char st[16];
    if (fl[1] >= sizeof st)
        return -1;
    memcpy(st, f[1], fl[1]);
    st[fl[1]] = '\0';
    if ((c->state = list_state_parse(st)) == LIST_NONE)
        return -1;
    if (parse_i64(f[2], fl[2], TS_LO, TS_HI, &v) != 0)
        return -1;
    c->as_of = v;
    if (parse_i64(f[3], fl[3], 0, 366, &v) != 0)
        return -1;
    c->within = (int)v;
    if (parse_i64(f[4], fl[4], DAY_LO, DAY_HI, &v) != 0)
        return -1;
    c->from = (day_t)v;
    if (parse_i64(f[5], fl[5], DAY_LO, DAY_HI, &v) != 0)
        return -1;
    c->to = (day_t)v;
    if (c->state == LIST_LATE ? c->from > c->to : (c->from != 0 || c->to != 0))
        return -1;
    if (parse_hex64(f[6], fl[6], &c->fingerprint) != 0)
        return -1;
    if (parse_i64(f[7], fl[7], c->state == LIST_LATE ? 0 : -1, INT64_C(100000000), &v) != 0)
        return -1;
    c->wd = v;
    if (fl[8] == 1 && f[8][0] == 'n')
        c->due = TS_NULL;
    else if (parse_i64(f[8], fl[8], TS_LO, TS_HI, &v) == 0)
        c->due = v;
    else
        return -1;
    if (fl[9] == 0 || fl[9] > LIST_CODE_MAX)
        return -1;
    memcpy(c->code, f[9], fl[9]);
    c->code[fl[9]] = '\0';
    return 0;
}

uint64_t list_fingerprint(list_state st, const metrics_query_t *q)
{
    char num[32];
    uint64_t h = FNV_INIT;
    const char *name = list_state_name(st);
    h = fnv1a(h, name ? name : "", name ? strlen(name) + 1 : 1);
    h = fnv1a(h, q->agency, strlen(q->agency) + 1);
    h = fnv1a(h, q->procedure, strlen(q->procedure) + 1);
    h = fnv1a(h, q->field, strlen(q->field) + 1);
    int n = snprintf(num, sizeof num, "%d/%d", q->channel, q->service_level);
    return fnv1a(h, num, (size_t)n);
}

/* ---- parameters --------------------------------------------------------------------- */

static const char *last_param(const kv_t *kv, size_t n, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; i < n; i++)
        if (kv[i].key && strcmp(kv[i].key, key) == 0)
            v = kv[i].value ? kv[i].value : "";
    return v;
}

int list_parse(const kv_t *kv, size_t n, ts_t now, int within_default, list_query_t *lq,
               char *msg, size_t cap)
{
    char bad[64];
    memset(lq, 0, sizeof *lq);
    if (query_parse_metrics(kv, n, now, within_default, &lq->m, bad, sizeof bad, msg, cap) != 0)
        return -1;

    const char *st = last_param(kv, n, "state");
    if (!st) {
        snprintf(msg, cap, "state: required, one of overdue, due_soon, late, pending, waiting");
        return -1;
    }
    if ((lq->state = list_state_parse(st)) == LIST_NONE) {
        snprintf(msg, cap, "state: expected overdue, due_soon, late, pending or waiting");
        return -1;
    }

    lq->limit = LIST_LIMIT_DEFAULT;
    const char *lim = last_param(kv, n, "limit");
    if (lim) {
        int64_t v = 0;
        size_t len = strlen(lim);
        bool ok = len > 0 && len <= 4;
        for (size_t i = 0; ok && i < len; i++) {
            ok = lim[i] >= '0' && lim[i] <= '9';
            v = v * 10 + (lim[i] - '0');
        }
        if (!ok || v < 1 || v > LIST_LIMIT_MAX) {
            snprintf(msg, cap, "limit: expected a whole number from 1 to %d", LIST_LIMIT_MAX);
            return -1;
        }
        lq->limit = (int)v;
    }

    /* as_of: the request's (already validated by query_parse_metrics) or now. */
    lq->as_of = now;
    const char *a = last_param(kv, n, "as_of");
    if (a && ts_parse(a, strlen(a), TS_DATE_MIDNIGHT, &lq->as_of) != 0) {
        snprintf(msg, cap, "as_of: not a valid timestamp");
        return -1;
    }
    lq->within = lq->m.within;
    if (lq->state == LIST_LATE) {
        lq->from = lq->m.period.from;
        lq->to = lq->m.period.to;
        ts_t end = ts_day_end(lq->to);
        if (lq->as_of > end)
            lq->as_of = end;
    }
    lq->fingerprint = list_fingerprint(lq->state, &lq->m);

    const char *cur = last_param(kv, n, "cursor");
    if (cur) {
        if (list_cursor_decode(cur, &lq->cursor) != 0) {
            snprintf(msg, cap, "cursor: malformed or altered; use the next_cursor of a "
                               "previous page as it is");
            return -1;
        }
        if (lq->cursor.state != lq->state || lq->cursor.fingerprint != lq->fingerprint) {
            snprintf(msg, cap, "cursor: belongs to another list (the state or the filters "
                               "differ from the first page's)");
            return -1;
        }
        lq->has_cursor = true;
        lq->as_of = lq->cursor.as_of;
        lq->within = lq->cursor.within;
        if (lq->state == LIST_LATE) {
            lq->from = lq->cursor.from;
            lq->to = lq->cursor.to;
        }
    }
    if (lq->state == LIST_LATE)
        lq->period_start = ts_day_start(lq->from);
    return 0;
}

/* ---- items and the bounded heap --------------------------------------------------------- */

static size_t str_size(const char *s) { return s ? strlen(s) + 1 : 0; }

static const char *str_copy(char **at, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*at, s, n);
    const char *r = *at;
    *at += n;
    return r;
}

list_item *list_item_new(const dossier_t *d, const char *agency_name, const char *procedure_name,
                         bool due_computed, const cls_result_t *cr, list_key key)
{
    size_t extra = str_size(d->code) + str_size(d->agency_code) + str_size(d->procedure_code) +
                   str_size(d->field_code) + str_size(agency_name) + str_size(procedure_name);
    list_item *it = malloc(sizeof *it + extra);
    if (!it)
        return NULL;
    char *at = (char *)(it + 1);
    it->d = *d;
    it->d.code = str_copy(&at, d->code);
    it->d.agency_code = str_copy(&at, d->agency_code);
    it->d.procedure_code = str_copy(&at, d->procedure_code);
    it->d.field_code = str_copy(&at, d->field_code);
    it->agency_name = str_copy(&at, agency_name);
    it->procedure_name = str_copy(&at, procedure_name);
    it->d.agency_name = it->agency_name;
    it->d.procedure_name = it->procedure_name;
    it->due_computed = due_computed;
    it->cr = *cr;
    it->key = key;
    it->key.code = it->d.code ? it->d.code : "";
    return it;
}

int list_heap_init(list_heap *h, size_t cap)
{
    h->n = 0;
    h->cap = cap ? cap : 1;
    h->v = malloc(h->cap * sizeof *h->v);
    return h->v ? 0 : -1;
}

/* "a is less urgent than b": the heap's order (the root is the least urgent). */
static bool after(const list_item *a, const list_item *b) { return list_key_cmp(&a->key, &b->key) > 0; }

static void sift_down(list_heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && after(h->v[l], h->v[m]))
            m = l;
        if (r < h->n && after(h->v[r], h->v[m]))
            m = r;
        if (m == i)
            return;
        list_item *t = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = t;
        i = m;
    }
}

bool list_heap_wants(const list_heap *h, const list_key *k)
{
    return h->n < h->cap || list_key_cmp(k, &h->v[0]->key) < 0;
}

void list_heap_push(list_heap *h, list_item *it)
{
    if (h->n < h->cap) {
        size_t i = h->n++;
        h->v[i] = it;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!after(h->v[i], h->v[p]))
                break;
            list_item *t = h->v[i];
            h->v[i] = h->v[p];
            h->v[p] = t;
            i = p;
        }
        return;
    }
    if (list_key_cmp(&it->key, &h->v[0]->key) >= 0) {
        free(it);
        return;
    }
    free(h->v[0]);
    h->v[0] = it;
    sift_down(h, 0);
}

static int item_cmp(const void *a, const void *b)
{
    const list_item *x = *(const list_item *const *)a, *y = *(const list_item *const *)b;
    return list_key_cmp(&x->key, &y->key);
}

void list_heap_sort(list_heap *h)
{
    if (h->n > 1)
        qsort(h->v, h->n, sizeof *h->v, item_cmp);
}

void list_heap_free(list_heap *h)
{
    if (h->v)
        for (size_t i = 0; i < h->n; i++)
            free(h->v[i]);
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

int list_offer(list_heap *h, const list_query_t *lq, const calendar_t *cal, const office_hours *oh,
               const dossier_t *row, const char *agency_name, const char *procedure_name,
               int cat_duration, const char *cat_unit)
{
    dossier_t d = *row;
    bool computed = false;
    due_unit unit;
    if (d.due_at == TS_NULL && cat_duration >= 0 && cat_unit &&
        due_unit_parse(cat_unit, &unit) == 0) {
        d.due_at = due_compute(cal, oh, d.received_at, cat_duration, unit);
        computed = d.due_at != TS_NULL;
    }
    cls_input_t ci = { d.status, d.received_at, d.due_at, d.finished_at,
                       d.supplement_requested_at, d.updated_at, d.supplement_count };
    cls_result_t cr;
    classify(&ci, lq->as_of, lq->within, cal, &cr);
    if (!list_selects(lq->state, &cr, d.finished_at, lq->period_start))
        return 0;
    list_key key = list_key_of(lq->state, &cr, d.due_at, d.finished_at, cal, d.code);
    if (lq->has_cursor) {
        list_key after = { lq->cursor.wd, lq->cursor.due, lq->cursor.code };
        if (list_key_cmp(&key, &after) <= 0)
            return 0;
    }
    if (!list_heap_wants(h, &key))
        return 0;
    list_item *it = list_item_new(&d, agency_name, procedure_name, computed, &cr, key);
    if (!it)
        return -1;
    list_heap_push(h, it);
    return 0;
}

/* ---- reading an open list most urgent first -------------------------------------------------- */

#define WD_TOP INT64_MAX  /* a bound before every key: nothing read yet */

static void stream_init(list_stream *s, list_stream_kind kind, ts_t from, ts_t to, int64_t wd_cap,
                        int64_t bound_wd, ts_t bound_due, long batch)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->from = from;
    s->to = to;
    s->wd_cap = wd_cap;
    s->last_key = TS_NULL;
    s->bound_wd = bound_wd;
    s->bound_due = bound_due;
    s->batch = kind == LIST_STREAM_REOPENED ? 0 : batch;
}

bool list_streamed(list_state st)
{
    return st == LIST_OVERDUE || st == LIST_DUE_SOON || st == LIST_PENDING;
}

size_t list_streams_init(list_stream *v, list_state st, ts_t as_of, int within,
                         const calendar_t *cal, long first_batch)
{
    day_t today = ts_day(as_of);
    ts_t t = ts_day_start(today);
    long b = first_batch > 0 ? first_batch : 1;
    size_t n = 0;
    if (!list_streamed(st))
        return 0;
    stream_init(&v[n++], LIST_STREAM_REOPENED, TS_NULL, TS_NULL, WD_TOP, WD_TOP, TS_NULL, 0);
    if (st == LIST_DUE_SOON) {
        /* due today .. the within-th working day after today, in time and not
         * waiting: never overdue (wd -1), so the bounds never exceed -1 */
        ts_t upto = ts_day_end(cal_add_working(cal, today, within > 0 ? within : 0));
        stream_init(&v[n++], LIST_STREAM_NO_DUE, TS_NULL, upto, -1, WD_TOP, TS_NULL, b);
        stream_init(&v[n++], LIST_STREAM_IN_TIME, t, upto, -1, -1, t, b);
        return n;
    }
    /* Before T a dossier may be overdue by date; from T on, only by a second
     * supplement request (0 days: d(due) >= d(as_of) >= d(end of its clock)),
     * and every other one is in time (wd -1). */
    stream_init(&v[n++], LIST_STREAM_DUE_BEFORE, TS_NULL, t - 1, WD_TOP, WD_TOP, TS_NULL, b);
    stream_init(&v[n++], LIST_STREAM_NO_DUE, TS_NULL, TS_NULL, WD_TOP, WD_TOP, TS_NULL, b);
    stream_init(&v[n++], LIST_STREAM_SECOND_SUPP, t, TS_NULL, 0, 0, t, b);
    if (st == LIST_PENDING)
        stream_init(&v[n++], LIST_STREAM_IN_TIME, t, TS_NULL, -1, -1, t, b);
    return n;
}

int list_stream_advance(list_stream *s, ts_t key, const char *code, ts_t as_of,
                        const calendar_t *cal)
{
    size_t len = strlen(code);
    if (len > LIST_CODE_MAX) {
        s->done = true;
        return -1;
    }
    s->started = true;
    s->last_key = key;
    memcpy(s->last_code, code, len + 1);
    if (s->kind == LIST_STREAM_REOPENED)
        return 0;
    /* Unread rows have a key >= key, so a due day >= d(key), so at most
     * max(0, working days from d(key) to d(as_of)) working days overdue (the
     * clock of a waiting one stopped at or before as_of). */
    int64_t wd = cal_working_between(cal, ts_day(key), ts_day(as_of));
    if (wd < 0)
        wd = 0;
    s->bound_wd = wd < s->wd_cap ? wd : s->wd_cap;
    if (s->kind == LIST_STREAM_NO_DUE) {
        /* The key is received_at; the catalog's due date may fall earlier that
         * same day (17:00 of a day-0 due date), never on an earlier day. */
        s->bound_due = ts_day_start(ts_day(key));
        s->bound_code[0] = '\0';
    } else {
        /* The key is the due date itself: an unread row with this due date
         * has a later code. */
        s->bound_due = key;
        memcpy(s->bound_code, code, len + 1);
    }
    return 0;
}

list_key list_stream_bound(const list_stream *s)
{
    list_key k = { s->bound_wd, s->bound_due, s->bound_code };
    return k;
}

void list_stream_batch_end(list_stream *s, size_t rows)
{
    if (s->batch <= 0 || rows < (size_t)s->batch) {
        s->done = true;
        return;
    }
    if (s->batch <= LONG_MAX / 2)
        s->batch *= 2;
}

list_stream *list_stream_next(list_stream *v, size_t n, const list_heap *h)
{
    list_stream *best = NULL;
    list_key bk = { 0, TS_NULL, "" };
    for (size_t i = 0; i < n; i++) {
        if (v[i].done)
            continue;
        list_key k = list_stream_bound(&v[i]);
        if (!best || list_key_cmp(&k, &bk) < 0) {
            best = &v[i];
            bk = k;
        }
    }
    if (best && h->n >= h->cap && list_key_cmp(&bk, &h->v[0]->key) >= 0)
        return NULL; /* every unread row comes after the least urgent kept */
    return best;
}

int list_read(list_stream *v, size_t n, const list_heap *h,
              int (*fetch)(void *ctx, list_stream *s, size_t *rows), void *ctx)
{
    list_stream *s;
    while ((s = list_stream_next(v, n, h))) {
        size_t rows = 0;
        int rc = fetch(ctx, s, &rows);
        if (rc != 0)
            return rc;
        list_stream_batch_end(s, rows);
    }
    return 0;
}

/* ---- CSV ------------------------------------------------------------------------------------- */

const char *const LIST_CSV_COLUMNS[] = {
    "code", "agency_code", "agency_name", "procedure_code", "procedure_name", "field_code",
    "service_level", "channel", "status", "status_code", "status_label", "received_at",
    "due_at", "due_computed", "finished_at", "returned_at", "extended_due_at", "apology",
    "supplement_count", "supplement_requested_at", "fee", "paid_online", "updated_at",
    "class", "waiting", "due_soon", "working_days_overdue", "working_days_left",
};
const size_t LIST_CSV_NCOLUMNS = sizeof LIST_CSV_COLUMNS / sizeof LIST_CSV_COLUMNS[0];

/* A text cell: quoted when it holds , " CR or LF; a leading character that a
 * spreadsheet would read as a formula gets a ' in front. */
static void text_cell(strbuf *b, const char *s, size_t n)
{
    bool guard = n > 0 && strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        sb_putc(b, '"');
    if (guard)
        sb_putc(b, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            sb_putc(b, '"');
        sb_putc(b, s[i]);
    }
    if (quote)
        sb_putc(b, '"');
}

static void json_cell(strbuf *b, const json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING: text_cell(b, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: sb_i64(b, (int64_t)json_integer_value(v)); break;
    case JSON_REAL: sb_double(b, json_real_value(v)); break;
    case JSON_TRUE: sb_puts(b, "true"); break;
    case JSON_FALSE: sb_puts(b, "false"); break;
    default: break; /* null, or a nested value the view never has: empty */
    }
}

char *list_csv(json_t *const *views, size_t n, size_t *len)
{
    strbuf b = { NULL, 0, 0, false };
    sb_put(&b, "\xEF\xBB\xBF", 3);
    for (size_t c = 0; c < LIST_CSV_NCOLUMNS; c++) {
        if (c)
            sb_putc(&b, ',');
        sb_puts(&b, LIST_CSV_COLUMNS[c]);
    }
    sb_put(&b, "\r\n", 2);
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < LIST_CSV_NCOLUMNS; c++) {
            if (c)
                sb_putc(&b, ',');
            json_cell(&b, json_object_get(views[i], LIST_CSV_COLUMNS[c]));
        }
        sb_put(&b, "\r\n", 2);
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    if (len)
        *len = b.len;
    return b.p;
}
