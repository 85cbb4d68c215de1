/*
 * check_rankings_db.c - GET /v1/rankings and GET /v1/metrics/series end to
 * end (spec §5, §7): the real server in-process on a fresh PostgreSQL
 * database per test.
 *
 * Why: rankings and series are views of the metrics; they must agree with an
 * independent reading of the spec, not with metrics.c. A random data set
 * (fixed seeds, two and a half years, so every bucket has a year before it)
 * is ingested over HTTP; for many random queries each ranking is compared
 * with one computed here from the generated records (per-group numerator and
 * denominator per SPEC §4/§5, exact ordering by cross-multiplication, ranks
 * 1 + the number of strictly better groups, the min_n split), and each series
 * with the model bucket by bucket (every bucket present, empty ones with zero
 * counts and null rates), with /v1/metrics over that bucket's own from/to, and
 * with its deltas (differences of the values; the year-earlier bucket found
 * by name). Hand-made data sets pin the ties 1, 2, 2, 4 (1/2 vs 2/4), 29
 * February and ISO week 53. CSV answers are checked against the JSON ones;
 * bad parameters are 400s naming the parameter. This file never calls
 * metrics.c, rank.c or classify.c.
 */
#include <check.h>
#include <jansson.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testlib.h"

/* ---- dates and instants (µs since the epoch; days since 1970-01-01, Vietnam time) ---- */






/* RFC 3339 in +07:00 with microseconds. */
static int64_t now_us(void) { return (int64_t)time(NULL) * US_SEC; }

/* ---- small helpers ------------------------------------------------------------------ */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int64_t rn(int64_t n) { return (int64_t)(rnd() % (uint64_t)n); }

/* True when `word` occurs in msg as a whole word (a parameter name). */
static bool names_word(const char *msg, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(msg, word); p; p = strstr(p + 1, word)) {
        bool left = p == msg || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        bool right = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (left && right)
            return true;
    }
    return false;
}

/* ---- the random data set -------------------------------------------------------------- */

static const char *const AGENCIES[][2] = {
    { "000.00.01.H62", "S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p" },
    { "000.00.02.H62", "=S\xE1\xBB\x9F X\xC3\xA2y d\xE1\xBB\xB1ng, t\xE1\xBB\x89nh" },
    { "000.00.15.H62", "S\xE1\xBB\x9F Y t\xE1\xBA\xBF" },
    { "000.20.31.H62", "UBND huy\xE1\xBB\x87n \"Long H\xE1\xBB\x93\"" },
    { "000.21.40.H62", "UBND th\xE1\xBB\x8B x\xC3\xA3 B\xC3\xACnh Minh" },
    { "H62.10", "Trung t\xC3\xA2m Ph\xE1\xBB\xA5" "c v\xE1\xBB\xA5" },
    { "H62.11", "-Chi nh\xC3\xA1nh" },
};
#define NAGENCIES 7
static const char *const PROCS[][2] = {
    { "1.004227", "C\xE1\xBA\xA5p phi\xE1\xBA\xBFu l\xC3\xBD l\xE1\xBB\x8B" "ch" },
    { "1.001757", "\xC4\x90\xC4\x83ng k\xC3\xBD khai sinh" },
    { "2.000889", "C\xE1\xBA\xA5p gi\xE1\xBA\xA5y ph\xC3\xA9p x\xC3\xA2y d\xE1\xBB\xB1ng" },
    { "1.010007", "Ch\xE1\xBB\xA9ng th\xE1\xBB\xB1" "c" },
    { "2.001234", "C\xE1\xBA\xA5p l\xE1\xBA\xA1i" },
};
#define NPROCS 5
static const char *const FIELDS[] = { "G01", "G02", "G03" };
#define NFIELDS 3
static const char *const PREFIXES[] = { "000.00.*", "000.2*", "H62*", "000.*" };
#define NPREFIXES 4

typedef struct {
    char code[24];
    int agency, proc, field;   /* field -1: null */
    int level;                 /* 0: null */
    int channel, status;
    int64_t received, due, finished, sreq, updated;   /* NONE: null */
    int supp;
    int64_t fee;               /* -1: null */
    bool paid, apology;
} gen_t;

static gen_t *gens;
static size_t ngens;

#define DATA_FIRST_DAY D(2022, 6, 1)
#define DATA_DAYS 945   /* to 2024-12-31 */

static int pick_status(void)
{
    static const int weights[11] = { 0, 3, 6, 3, 12, 5, 4, 3, 4, 27, 33 };
    int64_t r = rn(100);
    for (int s = 1; s <= 10; s++)
        if ((r -= weights[s]) < 0)
            return s;
    return 10;
}

/* An instant on local day `day` (sometimes its first or last microsecond),
 * never before not_before. */
static int64_t instant_on(int64_t day, int64_t not_before)
{
    int64_t k = rn(20), t;
    if (k < 2)
        t = day_start(day);
    else if (k < 3)
        t = day_end(day);
    else
        t = day_start(day) + rn(86400) * US_SEC + rn(US_SEC);
    return t < not_before ? not_before + rn(3600) * US_SEC : t;
}

static void gen_one(gen_t *g, size_t i)
{
    static const int levels[] = { 0, 2, 3, 3, 4, 4 };
    memset(g, 0, sizeof *g);
    snprintf(g->code, sizeof g->code, "R%05zu", i);
    g->agency = (int)rn(NAGENCIES);
    g->proc = (int)rn(NPROCS);
    g->field = rn(4) == 0 ? -1 : (int)rn(NFIELDS);
    g->level = levels[rn(6)];
    int64_t c = rn(20);
    g->channel = c < 9 ? 2 : c < 18 ? 1 : 3;
    g->status = pick_status();
    int64_t s = rn(100);
    g->supp = s < 8 ? 2 : s < 25 ? 1 : 0;
    int64_t day = DATA_FIRST_DAY + rn(DATA_DAYS);
    g->received = instant_on(day, NONE + 1);
    g->due = g->finished = g->sreq = g->updated = NONE;
    if ((g->status == 1 || g->status == 3) && rn(2))
        g->received = NONE;
    if (g->received != NONE) {
        if (rn(10) != 0) {
            g->due = day_start(day + rn(21)) + 17 * 3600 * US_SEC;
            if (g->due < g->received)
                g->due = g->received + rn(3 * 24 * 3600) * US_SEC;
        }
        if (g->status >= 7)
            g->finished = instant_on(day + rn(30), g->received);
        if ((g->status == 5 || g->status == 6) && rn(10) < 7)
            g->sreq = instant_on(day + rn(20), g->received);
        if (rn(2)) {
            int64_t u = g->received;
            if (g->finished != NONE && g->finished > u)
                u = g->finished;
            if (g->sreq != NONE && g->sreq > u)
                u = g->sreq;
            g->updated = u + rn(3 * 24 * 3600) * US_SEC;
        }
    }
    int64_t f = rn(10);
    g->fee = f < 3 ? -1 : f < 5 ? 0 : 1000 * (1 + rn(500));
    g->paid = rn(10) < 4;
    g->apology = rn(4) == 0;
}

static void put_json_string(tl_buf *b, const char *s)
{
    json_t *j = json_string(s);
    char *text = json_dumps(j, JSON_ENCODE_ANY);
    ck_assert(text != NULL);
    tl_buf_puts(b, text);
    free(text);
    json_decref(j);
}

static void gen_ndjson(const gen_t *g, tl_buf *b)
{
    tl_buf_printf(b, "{\"code\":\"%s\",\"agency_code\":\"%s\",\"agency_name\":", g->code,
                  AGENCIES[g->agency][0]);
    put_json_string(b, AGENCIES[g->agency][1]);
    tl_buf_printf(b, ",\"procedure_code\":\"%s\",\"procedure_name\":", PROCS[g->proc][0]);
    put_json_string(b, PROCS[g->proc][1]);
    tl_buf_printf(b, ",\"channel\":%d,\"status\":%d,\"supplement_count\":%d,"
                     "\"paid_online\":%s,\"apology\":%s",
                  g->channel, g->status, g->supp, g->paid ? "true" : "false",
                  g->apology ? "true" : "false");
    if (g->field >= 0)
        tl_buf_printf(b, ",\"field_code\":\"%s\"", FIELDS[g->field]);
    if (g->level)
        tl_buf_printf(b, ",\"service_level\":%d", g->level);
    if (g->fee >= 0)
        tl_buf_printf(b, ",\"fee\":%lld", (long long)g->fee);
    tl_put_ts(b, "received_at", g->received);
    tl_put_ts(b, "due_at", g->due);
    tl_put_ts(b, "finished_at", g->finished);
    tl_put_ts(b, "supplement_requested_at", g->sreq);
    tl_put_ts(b, "updated_at", g->updated);
    tl_buf_puts(b, "}\n");
}

static void free_gens(void)
{
    free(gens);
    gens = NULL;
    ngens = 0;
}

/* Generates n dossiers with `seed` and ingests them as NDJSON. */
static void load_dataset(uint64_t seed, size_t n)
{
    rng_state = seed;
    free_gens();
    gens = calloc(n, sizeof *gens);
    ck_assert(gens != NULL);
    ngens = n;
    tl_buf b = { 0 };
    for (size_t i = 0; i < n; i++) {
        gen_one(&gens[i], i);
        gen_ndjson(&gens[i], &b);
    }
    json_t *res = tl_ingest("application/x-ndjson", b.p, b.len);
    ck_assert_msg(tl_jint(res, "inserted") == (json_int_t)n && tl_jint(res, "rejected") == 0,
                  "data set not stored: %.600s", json_dumps(res, JSON_COMPACT));
    json_decref(res);
    tl_buf_free(&b);
}

/* ---- the model: counts of spec §4/§5 over the generated dossiers ------------------------ */

enum { C_CARRIED, C_RECEIVED, C_R_ONLINE, C_R_DIRECT, C_R_POSTAL, C_FINISHED, C_EARLY,
       C_ON_TIME, C_LATE, C_WITHDRAWN, C_STOPPED, C_RESOLVED, C_PENDING, C_IN_TIME, C_OVERDUE,
       C_WAITING, NCOUNTS };
static const char *const COUNT_NAMES[NCOUNTS] = {
    "carried_over", "received", "received_online", "received_direct", "received_postal",
    "finished", "early", "on_time", "late", "withdrawn", "stopped", "resolved", "pending",
    "in_time", "overdue", "waiting",
};

typedef struct {
    int64_t c[NCOUNTS];
    int64_t fee_bearing, fee_paid, level34, level34_online, late_apology;
} mcounts;

static void model_add(mcounts *m, const gen_t *g, int64_t start, int64_t as_of, bool cohort)
{
    if (g->status == 1 || g->status == 3 || g->received == NONE || g->received > as_of)
        return;
    bool fin = g->status >= 7;
    if (cohort ? g->received < start : fin && g->finished < start)
        return;
    if (g->received < start) {
        m->c[C_CARRIED]++;
    } else {
        m->c[C_RECEIVED]++;
        m->c[g->channel == 2 ? C_R_ONLINE : g->channel == 1 ? C_R_DIRECT : C_R_POSTAL]++;
        if (g->fee > 0) {
            m->fee_bearing++;
            m->fee_paid += g->paid;
        }
        if (g->level == 3 || g->level == 4) {
            m->level34++;
            m->level34_online += g->channel == 2;
        }
    }
    if (fin && g->finished <= as_of) {
        int cls;   /* 1 early, 2 on time, 3 late */
        if (g->supp > 1)
            cls = 3;
        else if (g->due == NONE)
            cls = 2;
        else
            cls = lday(g->finished) < lday(g->due) ? 1 : lday(g->finished) == lday(g->due) ? 2 : 3;
        m->c[C_FINISHED]++;
        m->c[cls == 1 ? C_EARLY : cls == 2 ? C_ON_TIME : C_LATE]++;
        m->late_apology += cls == 3 && g->apology;
        m->c[g->status == 7 ? C_WITHDRAWN : g->status == 8 ? C_STOPPED : C_RESOLVED]++;
    } else {
        bool waiting = false;
        int64_t ws = NONE;
        if (g->status == 5 || g->status == 6) {
            ws = g->sreq != NONE ? g->sreq : g->updated != NONE ? g->updated : g->received;
            waiting = ws <= as_of;
        }
        bool overdue = g->supp > 1 ? true
                     : g->due == NONE ? false
                     : lday(waiting ? ws : as_of) > lday(g->due);
        m->c[C_PENDING]++;
        m->c[overdue ? C_OVERDUE : C_IN_TIME]++;
        m->c[C_WAITING] += waiting;
    }
}

static const char *const RATE_NAMES[] = {
    "on_time_rate", "early_rate", "late_rate", "on_time_rate_incl_pending",
    "online_payment_rate", "online_uptake_rate", "online_share", "apology_rate",
};
#define NRATES 8

static void rate_terms(const mcounts *m, int r, int64_t *num, int64_t *den)
{
    const int64_t *c = m->c;
    switch (r) {
    case 0: *num = c[C_EARLY] + c[C_ON_TIME]; *den = c[C_FINISHED]; break;
    case 1: *num = c[C_EARLY]; *den = c[C_FINISHED]; break;
    case 2: *num = c[C_LATE]; *den = c[C_FINISHED]; break;
    case 3: *num = c[C_EARLY] + c[C_ON_TIME] + c[C_IN_TIME];
            *den = c[C_FINISHED] + c[C_PENDING]; break;
    case 4: *num = m->fee_paid; *den = m->fee_bearing; break;
    case 5: *num = m->level34_online; *den = m->level34; break;
    case 6: *num = c[C_R_ONLINE]; *den = c[C_RECEIVED]; break;
    default: *num = m->late_apology; *den = c[C_LATE]; break;
    }
}

/* ---- queries: period, as_of and filters ----------------------------------------------- */

enum { BY_AGENCY, BY_PROCEDURE, BY_FIELD };
static const char *const BY_NAMES[] = { "agency", "procedure", "field" };

typedef struct {
    int64_t from, to;      /* days */
    char period[16];       /* a period name instead of from/to, or "" */
    int64_t as_of;         /* the as_of parameter, NONE when absent */
    int prefix;            /* agency prefix index, -1 none */
    int proc, field, channel, level;   /* -1 / 0: none */
    bool cohort;
} mfilter;

static bool passes(const mfilter *q, const gen_t *g)
{
    if (q->prefix >= 0) {
        const char *p = PREFIXES[q->prefix];
        if (strncmp(AGENCIES[g->agency][0], p, strlen(p) - 1) != 0)
            return false;
    }
    if (q->proc >= 0 && g->proc != q->proc)
        return false;
    if (q->field >= 0 && g->field != q->field)
        return false;
    if (q->channel && g->channel != q->channel)
        return false;
    return !q->level || g->level == q->level;
}

static int64_t effective_as_of(const mfilter *q)
{
    int64_t a = day_end(q->to), now = now_us();
    if (q->as_of != NONE && q->as_of < a)
        a = q->as_of;
    return now < a ? now : a;
}

/* The query string of the period, as_of, basis and filters (no leading '&'). */
static void filter_params(const mfilter *q, tl_buf *b)
{
    char buf[48];
    if (q->period[0]) {
        tl_buf_printf(b, "period=%s", q->period);
    } else {
        fmt_day(q->from, buf, sizeof buf);
        tl_buf_printf(b, "from=%s", buf);
        fmt_day(q->to, buf, sizeof buf);
        tl_buf_printf(b, "&to=%s", buf);
    }
    if (q->as_of != NONE) {
        fmt_ts(q->as_of, buf, sizeof buf);
        char *enc = tl_urlencode(buf);
        tl_buf_printf(b, "&as_of=%s", enc);
        free(enc);
    }
    if (q->cohort)
        tl_buf_puts(b, "&basis=cohort");
    if (q->prefix >= 0)
        tl_buf_printf(b, "&agency=%s", PREFIXES[q->prefix]);
    if (q->proc >= 0)
        tl_buf_printf(b, "&procedure=%s", PROCS[q->proc][0]);
    if (q->field >= 0)
        tl_buf_printf(b, "&field=%s", FIELDS[q->field]);
    if (q->channel)
        tl_buf_printf(b, "&channel=%d", q->channel);
    if (q->level)
        tl_buf_printf(b, "&service_level=%d", q->level);
}

/* Model counts over [from, ...] seen at as_of, of the dossiers passing q and,
 * when by >= 0, whose key in dimension `by` is `key`. */
static void model_counts(const mfilter *q, int64_t from, int64_t as_of, int by, int key,
                         mcounts *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < ngens; i++) {
        const gen_t *g = &gens[i];
        if (!passes(q, g))
            continue;
        if (by == BY_AGENCY && g->agency != key)
            continue;
        if (by == BY_PROCEDURE && g->proc != key)
            continue;
        if (by == BY_FIELD && g->field != key)
            continue;
        model_add(m, g, day_start(from), as_of, q->cohort);
    }
}

static void random_filter(mfilter *q, int by)
{
    memset(q, 0, sizeof *q);
    q->as_of = NONE;
    q->prefix = q->proc = q->field = -1;
    int64_t k = rn(6);
    if (k == 0) {
        static const char *const names[] = { "2024-Q2", "2023", "2024-03", "2023-W40", "2024-H2",
                                             "2024-02-29" };
        static const int ranges[][6] = {
            { 2024, 4, 1, 2024, 6, 30 }, { 2023, 1, 1, 2023, 12, 31 }, { 2024, 3, 1, 2024, 3, 31 },
            { 2023, 10, 2, 2023, 10, 8 }, { 2024, 7, 1, 2024, 12, 31 }, { 2024, 2, 29, 2024, 2, 29 },
        };
        int i = (int)rn(6);
        snprintf(q->period, sizeof q->period, "%s", names[i]);
        q->from = D(ranges[i][0], ranges[i][1], ranges[i][2]);
        q->to = D(ranges[i][3], ranges[i][4], ranges[i][5]);
    } else {
        static const int64_t lens[] = { 1, 7, 31, 92, 200, 400 };
        q->from = D(2023, 1, 1) + rn(700);
        q->to = q->from + rn(lens[rn(6)]);
    }
    if (rn(3) == 0)
        q->as_of = day_start(q->from) + rn((q->to - q->from + 10) * 86400) * US_SEC + rn(US_SEC);
    q->cohort = rn(5) == 0;
    if (rn(5) == 0)
        q->prefix = (int)rn(NPREFIXES);
    if (by != BY_PROCEDURE && rn(6) == 0)
        q->proc = (int)rn(NPROCS);
    if (by != BY_FIELD && rn(6) == 0)
        q->field = (int)rn(NFIELDS);
    if (rn(6) == 0)
        q->channel = 1 + (int)rn(3);
    if (rn(6) == 0)
        q->level = 2 + (int)rn(3);
}

/* ---- rankings: the expected answer -------------------------------------------------- */

typedef struct {
    const char *key, *label;
    int64_t num, den, rank;
} egroup;

static bool low_first(int metric) { return metric == 2; }   /* late_rate: target <= */

/* -1 when a ranks before b (better value, then key with null last). */
static int ecmp(const egroup *a, const egroup *b, bool low)
{
    int64_t l = a->num * b->den, r = b->num * a->den;   /* small counts: no overflow */
    if (l != r)
        return (low ? l < r : l > r) ? -1 : 1;
    if (a->key == NULL || b->key == NULL)
        return (a->key == NULL) - (b->key == NULL);
    return strcmp(a->key, b->key);
}

static int key_cmp(const egroup *a, const egroup *b)
{
    if (a->key == NULL || b->key == NULL)
        return (a->key == NULL) - (b->key == NULL);
    return strcmp(a->key, b->key);
}

/* Insertion sorts (a handful of groups). */
static void sort_groups(egroup *v, size_t n, bool low, bool by_key)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && (by_key ? key_cmp(&v[j - 1], &v[j])
                                            : ecmp(&v[j - 1], &v[j], low)) > 0; j--) {
            egroup t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static void check_entry(json_t *e, const egroup *g, bool ranked, const char *ctx)
{
    ck_assert_msg(json_is_object(e), "%s: entry missing", ctx);
    tl_assert_str(tl_jstr(e, "key"), g->key, "%s: key", ctx);
    tl_assert_str(tl_jstr(e, "label"), g->label, "%s: label", ctx);
    ck_assert_msg(tl_jint(e, "numerator") == g->num && tl_jint(e, "denominator") == g->den,
                  "%s (%s): %lld/%lld, want %lld/%lld", ctx, g->key ? g->key : "null",
                  (long long)tl_jint(e, "numerator"), (long long)tl_jint(e, "denominator"),
                  (long long)g->num, (long long)g->den);
    json_t *v = json_object_get(e, "value");
    if (g->den == 0)
        ck_assert_msg(json_is_null(v), "%s: value should be null", ctx);
    else
        ck_assert_msg(json_is_number(v) && json_number_value(v) == (double)g->num / (double)g->den,
                      "%s: value", ctx);
    if (ranked)
        ck_assert_msg(tl_jint(e, "rank") == g->rank, "%s (%s): rank %lld, want %lld", ctx,
                      g->key ? g->key : "null", (long long)tl_jint(e, "rank"),
                      (long long)g->rank);
    else
        ck_assert_msg(json_object_get(e, "rank") == NULL, "%s: insufficient entry has a rank",
                      ctx);
}

typedef struct {
    mfilter f;
    int metric;       /* -1: parameter absent (on_time_rate) */
    int by;
    int64_t min_n;    /* -1: parameter absent (20) */
    char url[768];
} rquery;

static void build_rank_url(rquery *q)
{
    tl_buf b = { 0 };
    tl_buf_puts(&b, "/v1/rankings?");
    filter_params(&q->f, &b);
    tl_buf_printf(&b, "&by=%s", BY_NAMES[q->by]);
    if (q->metric >= 0)
        tl_buf_printf(&b, "&metric=%s", RATE_NAMES[q->metric]);
    if (q->min_n >= 0)
        tl_buf_printf(&b, "&min_n=%lld", (long long)q->min_n);
    ck_assert(b.len < sizeof q->url);
    memcpy(q->url, b.p, b.len + 1);
    tl_buf_free(&b);
}

/* Runs a rankings query and compares it with the expected ranking. Returns
 * the number of ranked groups that share a rank with another. */
static int check_rankings(const rquery *q)
{
    json_t *resp = tl_get_canonical(q->url);
    int metric = q->metric < 0 ? 0 : q->metric;
    int64_t min_n = q->min_n < 0 ? 20 : q->min_n;
    int64_t as_of = effective_as_of(&q->f);
    tl_assert_str(tl_jstr(resp, "metric"), RATE_NAMES[metric], "%s: metric", q->url);
    tl_assert_str(tl_jstr(resp, "by"), BY_NAMES[q->by], "%s: by", q->url);
    ck_assert_msg(tl_jint(resp, "min_n") == min_n, "%s: min_n", q->url);

    egroup ranked[16], insufficient[16];
    size_t nr = 0, ni = 0;
    int lo = q->by == BY_FIELD ? -1 : 0;
    int hi = q->by == BY_AGENCY ? NAGENCIES - 1 : q->by == BY_PROCEDURE ? NPROCS - 1 : NFIELDS - 1;
    for (int key = lo; key <= hi; key++) {
        mcounts m;
        model_counts(&q->f, q->f.from, as_of, q->by, key, &m);
        if (m.c[C_CARRIED] + m.c[C_RECEIVED] == 0)
            continue;   /* a group is listed when it has any count */
        egroup g = { NULL, NULL, 0, 0, 0 };
        g.key = q->by == BY_AGENCY ? AGENCIES[key][0] : q->by == BY_PROCEDURE ? PROCS[key][0]
              : key < 0 ? NULL : FIELDS[key];
        g.label = q->by == BY_AGENCY ? AGENCIES[key][1] : q->by == BY_PROCEDURE ? PROCS[key][1]
                : NULL;
        rate_terms(&m, metric, &g.num, &g.den);
        if (g.den > 0 && g.den >= min_n)
            ranked[nr++] = g;
        else
            insufficient[ni++] = g;
    }
    bool low = low_first(metric);
    sort_groups(ranked, nr, low, false);
    sort_groups(insufficient, ni, low, true);
    int shared = 0;
    for (size_t i = 0; i < nr; i++) {
        int64_t better = 0;
        for (size_t j = 0; j < nr; j++) {
            int64_t l = ranked[j].num * ranked[i].den, r = ranked[i].num * ranked[j].den;
            better += low ? l < r : l > r;
        }
        ranked[i].rank = better + 1;
        if ((i > 0 && ranked[i - 1].rank == ranked[i].rank) ||
            (i + 1 < nr && ranked[i + 1].num * ranked[i].den == ranked[i].num * ranked[i + 1].den))
            shared++;
    }
    json_t *jr = json_object_get(resp, "ranked"), *ji = json_object_get(resp, "insufficient");
    ck_assert_msg(json_is_array(jr) && json_is_array(ji), "%s: no ranked/insufficient", q->url);
    ck_assert_msg(json_array_size(jr) == nr, "%s: %zu ranked, want %zu", q->url,
                  json_array_size(jr), nr);
    ck_assert_msg(json_array_size(ji) == ni, "%s: %zu insufficient, want %zu", q->url,
                  json_array_size(ji), ni);
    for (size_t i = 0; i < nr; i++)
        check_entry(json_array_get(jr, i), &ranked[i], true, tl_msg_("%s ranked[%zu]", q->url, i));
    for (size_t i = 0; i < ni; i++)
        check_entry(json_array_get(ji, i), &insufficient[i], false,
                    tl_msg_("%s insufficient[%zu]", q->url, i));
    json_decref(resp);
    return shared;
}

START_TEST(test_rankings_random)
{
    load_dataset(0xA11CE, 1200);
    rng_state = 77;
    int shared = 0, with_insufficient = 0;
    for (int i = 0; i < 60; i++) {
        rquery q;
        memset(&q, 0, sizeof q);
        q.by = (int)rn(3);
        random_filter(&q.f, q.by);
        q.metric = rn(5) == 0 ? -1 : (int)rn(NRATES);
        static const int64_t mins[] = { -1, 0, 1, 2, 5, 20, 60 };
        q.min_n = mins[rn(7)];
        build_rank_url(&q);
        shared += check_rankings(&q);
        with_insufficient += q.min_n != 0;
    }
    /* the data must have exercised ties */
    ck_assert_msg(shared > 0, "no shared rank in 60 random rankings");
    ck_assert(with_insufficient > 0);
}
END_TEST

/* ---- rankings: hand-made ties ------------------------------------------------------- */

/* One finished dossier of agency `agency`, received 2024-03-04 and due 2024-03-11;
 * finished on 03-11 (on time) or 03-15 (late). */
static void put_finished(tl_buf *b, const char *code, const char *agency, bool on_time,
                         const char *field)
{
    tl_buf_printf(b, "{\"code\":\"%s\",\"agency_code\":\"%s\",\"procedure_code\":\"P1\","
                     "\"channel\":\"online\",\"status\":\"resolved\","
                     "\"received_at\":\"2024-03-04 09:00:00\",\"due_at\":\"2024-03-11\","
                     "\"finished_at\":\"%s\"%s%s%s}\n",
                  code, agency, on_time ? "2024-03-11 10:00:00" : "2024-03-15 10:00:00",
                  field ? ",\"field_code\":\"" : "", field ? field : "", field ? "\"" : "");
}

START_TEST(test_rankings_ties)
{
    /* on_time_rate: A1 1/2, A2 2/4, A3 3/4, A4 1/4, A5 1/1 (under min_n), A6 no
     * finished dossier (value null) */
    static const struct { const char *agency; int on_time, late; } G[] = {
        { "A1", 1, 1 }, { "A2", 2, 2 }, { "A3", 3, 1 }, { "A4", 1, 3 }, { "A5", 1, 0 },
    };
    tl_buf b = { 0 };
    int n = 0;
    for (size_t i = 0; i < sizeof G / sizeof G[0]; i++)
        for (int k = 0; k < G[i].on_time + G[i].late; k++) {
            char code[16];
            snprintf(code, sizeof code, "T%03d", n++);
            put_finished(&b, code, G[i].agency, k < G[i].on_time, k % 2 ? "F1" : NULL);
        }
    tl_buf_puts(&b, "{\"code\":\"T999\",\"agency_code\":\"A6\",\"procedure_code\":\"P1\","
                    "\"channel\":\"direct\",\"status\":\"processing\","
                    "\"received_at\":\"2024-03-05 09:00:00\"}\n");
    json_t *res = tl_ingest("application/x-ndjson", b.p, b.len);
    ck_assert_int_eq(tl_jint(res, "rejected"), 0);
    json_decref(res);
    tl_buf_free(&b);

    json_t *j = tl_get("/v1/rankings?period=2024-03&by=agency&metric=on_time_rate&min_n=2", 200);
    static const struct { const char *key; int rank, num, den; } R[] = {
        { "A3", 1, 3, 4 }, { "A1", 2, 1, 2 }, { "A2", 2, 2, 4 }, { "A4", 4, 1, 4 },
    };
    ck_assert_int_eq(json_array_size(json_object_get(j, "ranked")), 4);
    for (size_t i = 0; i < 4; i++) {
        json_t *e = json_array_get(json_object_get(j, "ranked"), i);
        tl_assert_str(tl_jstr(e, "key"), R[i].key, "ranked[%zu]", i);
        ck_assert_int_eq(tl_jint(e, "rank"), R[i].rank);
        ck_assert_int_eq(tl_jint(e, "numerator"), R[i].num);
        ck_assert_int_eq(tl_jint(e, "denominator"), R[i].den);
    }
    json_t *ins = json_object_get(j, "insufficient");
    ck_assert_int_eq(json_array_size(ins), 2);
    tl_assert_str(tl_jstr(json_array_get(ins, 0), "key"), "A5", "insufficient[0]");
    tl_assert_str(tl_jstr(json_array_get(ins, 1), "key"), "A6", "insufficient[1]");
    ck_assert(tl_jnull(json_array_get(ins, 1), "value"));
    ck_assert_int_eq(tl_jint(json_array_get(ins, 1), "denominator"), 0);
    ck_assert(json_object_get(json_array_get(ins, 0), "rank") == NULL);
    tl_assert_str(tl_jstr(j, "order"), "highest_first", "order");
    json_decref(j);

    /* late_rate: lowest first (A3 1/4; A1, A2 1/2; A4 3/4); min_n=0 ranks A5 (0/1)
     * first, while A6 (no value) stays insufficient */
    j = tl_get("/v1/rankings?period=2024-03&by=agency&metric=late_rate&min_n=0", 200);
    static const struct { const char *key; int rank; } L[] = {
        { "A5", 1 }, { "A3", 2 }, { "A1", 3 }, { "A2", 3 }, { "A4", 5 },
    };
    ck_assert_int_eq(json_array_size(json_object_get(j, "ranked")), 5);
    for (size_t i = 0; i < 5; i++) {
        json_t *e = json_array_get(json_object_get(j, "ranked"), i);
        tl_assert_str(tl_jstr(e, "key"), L[i].key, "late ranked[%zu]", i);
        ck_assert_int_eq(tl_jint(e, "rank"), L[i].rank);
    }
    ck_assert_int_eq(json_array_size(json_object_get(j, "insufficient")), 1);
    tl_assert_str(tl_jstr(j, "order"), "lowest_first", "order");
    json_decref(j);

    /* by field: the unknown field (null key) is a group like the others */
    j = tl_get("/v1/rankings?period=2024-03&by=field&min_n=0", 200);
    json_t *rk = json_object_get(j, "ranked");
    ck_assert_int_eq(json_array_size(rk) + json_array_size(json_object_get(j, "insufficient")), 2);
    bool seen_null = false;
    size_t i;
    json_t *e;
    json_array_foreach(rk, i, e)
        seen_null |= tl_jnull(e, "key");
    json_array_foreach(json_object_get(j, "insufficient"), i, e)
        seen_null |= tl_jnull(e, "key");
    ck_assert_msg(seen_null, "the unknown field is not listed");
    json_decref(j);

    /* default metric (on_time_rate) and default min_n (20): everything insufficient */
    j = tl_get("/v1/rankings?period=2024-03&by=agency", 200);
    tl_assert_str(tl_jstr(j, "metric"), "on_time_rate", "default metric");
    ck_assert_int_eq(tl_jint(j, "min_n"), 20);
    ck_assert_int_eq(json_array_size(json_object_get(j, "ranked")), 0);
    ck_assert_int_eq(json_array_size(json_object_get(j, "insufficient")), 6);
    json_decref(j);
}
END_TEST

/* ---- series --------------------------------------------------------------------------- */

enum { K_DAY, K_WEEK, K_MONTH, K_QUARTER, K_YEAR };
static const char *const KIND_NAMES[] = { "day", "week", "month", "quarter", "year" };

static int64_t iso_week1_monday(int y)
{
    int64_t jan4 = D(y, 1, 4);
    return jan4 - (iso_wday(jan4) - 1);
}

static int64_t kb_start(int kind, int64_t d)
{
    int y, m, dd;
    civil_from_days(d, &y, &m, &dd);
    switch (kind) {
    case K_DAY: return d;
    case K_WEEK: return d - (iso_wday(d) - 1);
    case K_MONTH: return D(y, m, 1);
    case K_QUARTER: return D(y, (m - 1) / 3 * 3 + 1, 1);
    default: return D(y, 1, 1);
    }
}

static int64_t kb_next(int kind, int64_t s)
{
    int y, m, dd;
    civil_from_days(s, &y, &m, &dd);
    switch (kind) {
    case K_DAY: return s + 1;
    case K_WEEK: return s + 7;
    case K_MONTH: return m == 12 ? D(y + 1, 1, 1) : D(y, m + 1, 1);
    case K_QUARTER: return m >= 10 ? D(y + 1, 1, 1) : D(y, m + 3, 1);
    default: return D(y + 1, 1, 1);
    }
}

static void kb_name(int kind, int64_t s, char *buf, size_t cap)
{
    int y, m, d;
    civil_from_days(s, &y, &m, &d);
    if (kind == K_DAY) {
        fmt_day(s, buf, cap);
    } else if (kind == K_WEEK) {
        int64_t thu = s + 3;
        int ty, tm, td;
        civil_from_days(thu, &ty, &tm, &td);
        snprintf(buf, cap, "%04d-W%02d", ty, (int)((thu - iso_week1_monday(ty)) / 7 + 1));
    } else if (kind == K_MONTH) {
        snprintf(buf, cap, "%04d-%02d", y, m);
    } else if (kind == K_QUARTER) {
        snprintf(buf, cap, "%04d-Q%d", y, (m - 1) / 3 + 1);
    } else {
        snprintf(buf, cap, "%04d", y);
    }
}

/* The first day of the bucket a year before the bucket starting at s, or
 * NONE (an ISO week 53 whose previous ISO year has none). */
static int64_t kb_year_before(int kind, int64_t s)
{
    int y, m, d;
    civil_from_days(s, &y, &m, &d);
    switch (kind) {
    case K_DAY:
        return D(y - 1, m, m == 2 && d == 29 ? 28 : d);
    case K_WEEK: {
        int64_t thu = s + 3;
        int ty, tm, td;
        civil_from_days(thu, &ty, &tm, &td);
        int64_t w = (thu - iso_week1_monday(ty)) / 7 + 1;
        int64_t weeks_before = (iso_week1_monday(ty) - iso_week1_monday(ty - 1)) / 7;
        return w > weeks_before ? NONE : iso_week1_monday(ty - 1) + (w - 1) * 7;
    }
    default:
        return D(y - 1, m, 1);
    }
}

typedef struct {
    mfilter f;
    int kind;
    char url[768];
    char metrics_params[640];   /* the filter part, for /v1/metrics */
} squery;

static void build_series_url(squery *q)
{
    tl_buf b = { 0 };
    filter_params(&q->f, &b);
    ck_assert(b.len < sizeof q->metrics_params);
    memcpy(q->metrics_params, b.p, b.len + 1);
    tl_buf_free(&b);
    snprintf(q->url, sizeof q->url, "/v1/metrics/series?%s&interval=%s", q->metrics_params,
             KIND_NAMES[q->kind]);
}

/* The model value of rate r over [from, to] as a bucket of its own (zero
 * counts when it starts after as_of). false: no value. */
static bool model_bucket(const mfilter *f, int64_t from, int64_t to, int64_t as_of, mcounts *m)
{
    int64_t bas_of = day_end(to) < as_of ? day_end(to) : as_of;
    if (day_start(from) > as_of) {
        memset(m, 0, sizeof *m);
        return false;
    }
    model_counts(f, from, bas_of, -1, 0, m);
    return true;
}

static bool rate_value(const mcounts *m, int r, double *v)
{
    int64_t num, den;
    rate_terms(m, r, &num, &den);
    if (den == 0)
        return false;
    *v = (double)num / (double)den;
    return true;
}

/* A copy of a rate object without its deltas (to compare with /v1/metrics). */
static json_t *without_deltas(json_t *rate)
{
    json_t *c = json_deep_copy(rate);
    ck_assert(c != NULL);
    json_object_del(c, "delta_prev");
    json_object_del(c, "delta_year");
    return c;
}

static void check_delta(json_t *ro, const char *field, bool has_cur, double cur, bool has_other,
                        double other, const char *ctx)
{
    json_t *d = json_object_get(ro, field);
    ck_assert_msg(d != NULL, "%s: %s missing", ctx, field);
    if (has_cur && has_other)
        ck_assert_msg(json_is_number(d) && json_number_value(d) == cur - other,
                      "%s: %s is %s, want %.17g", ctx, field,
                      json_is_number(d) ? tl_msg_("%.17g", json_number_value(d)) : "null",
                      cur - other);
    else
        ck_assert_msg(json_is_null(d), "%s: %s should be null", ctx, field);
}

/* Runs a series query and checks every bucket. with_metrics: also compare
 * each active bucket with /v1/metrics over its own from/to. */
static void check_series(const squery *q, bool with_metrics)
{
    json_t *resp = tl_get_canonical(q->url);
    int64_t as_of = effective_as_of(&q->f);
    tl_assert_str(tl_jstr(resp, "interval"), KIND_NAMES[q->kind], "%s: interval", q->url);
    json_t *buckets = json_object_get(resp, "buckets");
    ck_assert_msg(json_is_array(buckets), "%s: no buckets", q->url);
    size_t i = 0;
    mcounts prev;
    bool has_prev_bucket = false;
    for (int64_t s = kb_start(q->kind, q->f.from); s <= q->f.to; s = kb_next(q->kind, s), i++) {
        ck_assert_msg(i < json_array_size(buckets), "%s: only %zu buckets", q->url,
                      json_array_size(buckets));
        json_t *bk = json_array_get(buckets, i);
        int64_t next = kb_next(q->kind, s);
        int64_t bfrom = s < q->f.from ? q->f.from : s, bto = next - 1 > q->f.to ? q->f.to : next - 1;
        char name[32], day[16], ctx[900];
        kb_name(q->kind, s, name, sizeof name);
        snprintf(ctx, sizeof ctx, "%s bucket %s", q->url, name);
        tl_assert_str(tl_jstr(bk, "key"), name, "%s: key", ctx);
        fmt_day(bfrom, day, sizeof day);
        tl_assert_str(tl_jstr(bk, "from"), day, "%s: from", ctx);
        fmt_day(bto, day, sizeof day);
        tl_assert_str(tl_jstr(bk, "to"), day, "%s: to", ctx);

        /* counts and rates against the model */
        mcounts m;
        bool active = model_bucket(&q->f, bfrom, bto, as_of, &m);
        json_t *counts = json_object_get(bk, "counts"), *rates = json_object_get(bk, "rates");
        for (int c = 0; c < NCOUNTS; c++)
            ck_assert_msg(tl_jint(counts, COUNT_NAMES[c]) == m.c[c], "%s: %s = %lld, want %lld",
                          ctx, COUNT_NAMES[c], (long long)tl_jint(counts, COUNT_NAMES[c]),
                          (long long)m.c[c]);

        /* the bucket a year before, as a whole bucket */
        int64_t ys = kb_year_before(q->kind, s);
        mcounts ym;
        bool has_year = false;
        if (ys != NONE)
            has_year = model_bucket(&q->f, ys, kb_next(q->kind, ys) - 1, as_of, &ym);

        for (int r = 0; r < NRATES; r++) {
            json_t *ro = json_object_get(rates, RATE_NAMES[r]);
            int64_t num, den;
            rate_terms(&m, r, &num, &den);
            ck_assert_msg(json_is_object(ro), "%s: rate %s missing", ctx, RATE_NAMES[r]);
            ck_assert_msg(tl_jint(ro, "numerator") == num && tl_jint(ro, "denominator") == den,
                          "%s: %s = %lld/%lld, want %lld/%lld", ctx, RATE_NAMES[r],
                          (long long)tl_jint(ro, "numerator"),
                          (long long)tl_jint(ro, "denominator"), (long long)num, (long long)den);
            double v = 0, pv = 0, yv = 0;
            bool hv = rate_value(&m, r, &v);
            ck_assert_msg(hv ? json_number_value(json_object_get(ro, "value")) == v
                             : tl_jnull(ro, "value"), "%s: %s value", ctx, RATE_NAMES[r]);
            bool hp = has_prev_bucket && rate_value(&prev, r, &pv);
            check_delta(ro, "delta_prev", hv, v, hp, pv, tl_msg_("%s %s", ctx, RATE_NAMES[r]));
            bool hy = has_year && rate_value(&ym, r, &yv);
            check_delta(ro, "delta_year", hv, v, hy, yv, tl_msg_("%s %s", ctx, RATE_NAMES[r]));
            /* and the deltas are differences of the values served */
            if (i > 0) {
                json_t *pro = tl_jpath(json_array_get(buckets, i - 1),
                                       tl_msg_("rates.%s", RATE_NAMES[r]));
                json_t *pval = json_object_get(pro, "value"), *val = json_object_get(ro, "value");
                if (json_is_number(pval) && json_is_number(val))
                    ck_assert(json_number_value(json_object_get(ro, "delta_prev")) ==
                              json_number_value(val) - json_number_value(pval));
            }
        }

        /* the same bucket through /v1/metrics over its own from/to */
        if (with_metrics && active) {
            char f1[16], f2[16];
            fmt_day(bfrom, f1, sizeof f1);
            fmt_day(bto, f2, sizeof f2);
            mfilter one = q->f;
            one.period[0] = '\0';
            one.from = bfrom;
            one.to = bto;
            tl_buf b = { 0 };
            tl_buf_puts(&b, "/v1/metrics?");
            filter_params(&one, &b);
            json_t *mj = tl_get(b.p, 200);
            ck_assert_msg(json_equal(json_object_get(mj, "counts"), counts),
                          "%s: counts differ from %s", ctx, b.p);
            for (int r = 0; r < NRATES; r++) {
                json_t *a = without_deltas(json_object_get(rates, RATE_NAMES[r]));
                ck_assert_msg(json_equal(a, tl_jpath(mj, tl_msg_("rates.%s", RATE_NAMES[r]))),
                              "%s: rate %s differs from %s", ctx, RATE_NAMES[r], b.p);
                json_decref(a);
            }
            json_decref(mj);
            tl_buf_free(&b);
        }
        prev = m;
        has_prev_bucket = true;
    }
    ck_assert_msg(json_array_size(buckets) == i, "%s: %zu buckets, want %zu", q->url,
                  json_array_size(buckets), i);
    json_decref(resp);
}

START_TEST(test_series_random)
{
    load_dataset(0x5E21E5, 1200);
    rng_state = 4242;
    static const int64_t max_len[] = { 40, 140, 540, 1000, 700 };
    for (int i = 0; i < 20; i++) {
        squery q;
        memset(&q, 0, sizeof q);
        q.kind = i % 5;
        random_filter(&q.f, -1);
        q.f.period[0] = '\0';
        q.f.from = D(2023, 1, 1) + rn(640);
        q.f.to = q.f.from + rn(max_len[q.kind]);
        if (q.f.as_of != NONE)
            q.f.as_of = day_start(q.f.from) + rn((q.f.to - q.f.from + 2) * 86400) * US_SEC;
        build_series_url(&q);
        check_series(&q, i < 10);
    }
}
END_TEST

/* Period names and whole years, each bucket against /v1/metrics. */
START_TEST(test_series_named_periods)
{
    load_dataset(0xBEEF, 900);
    static const char *const cases[][2] = {
        { "2024", "month" }, { "2024", "quarter" }, { "2024-Q1", "week" },
        { "2024-02", "day" }, { "2024-H1", "year" },
    };
    static const int ranges[][6] = {
        { 2024, 1, 1, 2024, 12, 31 }, { 2024, 1, 1, 2024, 12, 31 }, { 2024, 1, 1, 2024, 3, 31 },
        { 2024, 2, 1, 2024, 2, 29 }, { 2024, 1, 1, 2024, 6, 30 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        squery q;
        memset(&q, 0, sizeof q);
        q.f.as_of = NONE;
        q.f.prefix = q.f.proc = q.f.field = -1;
        snprintf(q.f.period, sizeof q.f.period, "%s", cases[i][0]);
        q.f.from = D(ranges[i][0], ranges[i][1], ranges[i][2]);
        q.f.to = D(ranges[i][3], ranges[i][4], ranges[i][5]);
        for (int k = 0; k < 5; k++)
            if (!strcmp(KIND_NAMES[k], cases[i][1]))
                q.kind = k;
        build_series_url(&q);
        check_series(&q, true);
    }
}
END_TEST

/* An empty range: every bucket listed with zero counts, null rates and deltas. */
START_TEST(test_series_empty_buckets)
{
    json_t *j = tl_get("/v1/metrics/series?period=2019&interval=month", 200);
    json_t *b = json_object_get(j, "buckets");
    ck_assert_int_eq(json_array_size(b), 12);
    for (size_t i = 0; i < 12; i++) {
        json_t *bk = json_array_get(b, i);
        char name[16];
        snprintf(name, sizeof name, "2019-%02zu", i + 1);
        tl_assert_str(tl_jstr(bk, "key"), name, "bucket %zu", i);
        for (int c = 0; c < NCOUNTS; c++)
            ck_assert_int_eq(tl_jint(bk, tl_msg_("counts.%s", COUNT_NAMES[c])), 0);
        for (int r = 0; r < NRATES; r++) {
            ck_assert(tl_jnull(bk, tl_msg_("rates.%s.value", RATE_NAMES[r])));
            ck_assert(tl_jnull(bk, tl_msg_("rates.%s.delta_prev", RATE_NAMES[r])));
            ck_assert(tl_jnull(bk, tl_msg_("rates.%s.delta_year", RATE_NAMES[r])));
            ck_assert_int_eq(tl_jint(bk, tl_msg_("rates.%s.denominator", RATE_NAMES[r])), 0);
        }
    }
    tl_assert_str(tl_jstr(j, "interval"), "month", "interval");
    json_decref(j);
    /* a range after as_of: the buckets are there, all zero */
    j = tl_get("/v1/metrics/series?from=2024-01-01&to=2024-01-10&interval=day"
               "&as_of=2024-01-03T12:00:00%2B07:00", 200);
    ck_assert_int_eq(json_array_size(json_object_get(j, "buckets")), 10);
    json_decref(j);
}
END_TEST

/* One resolved dossier received, due and finished on `day` (local): on time,
 * or late by its two supplement requests (so it stays in that day's bucket). */
static void put_day(tl_buf *b, const char *code, int y, int m, int d, bool on_time)
{
    char day[16];
    fmt_day(D(y, m, d), day, sizeof day);
    tl_buf_printf(b, "{\"code\":\"%s\",\"agency_code\":\"Y1\",\"procedure_code\":\"P1\","
                     "\"channel\":\"direct\",\"status\":\"resolved\","
                     "\"received_at\":\"%s 08:00:00\",\"due_at\":\"%s\","
                     "\"finished_at\":\"%s 10:00:00\",\"supplement_count\":%d}\n",
                  code, day, day, day, on_time ? 0 : 2);
}

static double on_time_value(json_t *bk) { return json_number_value(tl_jpath(bk, "rates.on_time_rate.value")); }

START_TEST(test_series_year_matching)
{
    tl_buf b = { 0 };
    /* 29 February: 2023-02-28 has 1 on time + 1 late (1/2), 2024-02-29 1 on time */
    put_day(&b, "Y01", 2023, 2, 28, true);
    put_day(&b, "Y02", 2023, 2, 28, false);
    put_day(&b, "Y03", 2024, 2, 29, true);
    /* ISO weeks: 2019-W52 on time, 2020-W01 (2019-12-31) late, 2020-W52 late,
     * 2020-W53 on time, 2021-W01 on time */
    put_day(&b, "Y04", 2019, 12, 24, true);
    put_day(&b, "Y05", 2019, 12, 31, false);
    put_day(&b, "Y06", 2020, 12, 22, false);
    put_day(&b, "Y07", 2020, 12, 29, true);
    put_day(&b, "Y08", 2021, 1, 5, true);
    json_t *res = tl_ingest("application/x-ndjson", b.p, b.len);
    ck_assert_int_eq(tl_jint(res, "rejected"), 0);
    json_decref(res);
    tl_buf_free(&b);

    json_t *j = tl_get("/v1/metrics/series?from=2024-02-28&to=2024-03-01&interval=day", 200);
    json_t *bs = json_object_get(j, "buckets");
    ck_assert_int_eq(json_array_size(bs), 3);
    json_t *feb29 = json_array_get(bs, 1);
    tl_assert_str(tl_jstr(feb29, "key"), "2024-02-29", "key");
    ck_assert(on_time_value(feb29) == 1.0);
    ck_assert_msg(json_number_value(tl_jpath(feb29, "rates.on_time_rate.delta_year")) == 0.5,
                  "29 February is compared with 28 February a year before");
    ck_assert(tl_jnull(feb29, "rates.on_time_rate.delta_prev"));   /* 02-28 has no value */
    ck_assert(tl_jnull(json_array_get(bs, 0), "rates.on_time_rate.delta_year")); /* no value */
    ck_assert(tl_jnull(json_array_get(bs, 0), "rates.on_time_rate.delta_prev"));  /* first */
    json_decref(j);

    j = tl_get("/v1/metrics/series?from=2020-12-21&to=2021-01-10&interval=week", 200);
    bs = json_object_get(j, "buckets");
    ck_assert_int_eq(json_array_size(bs), 3);
    static const char *const keys[] = { "2020-W52", "2020-W53", "2021-W01" };
    for (size_t i = 0; i < 3; i++)
        tl_assert_str(tl_jstr(json_array_get(bs, i), "key"), keys[i], "week %zu", i);
    json_t *w52 = json_array_get(bs, 0), *w53 = json_array_get(bs, 1), *w01 = json_array_get(bs, 2);
    ck_assert(on_time_value(w52) == 0.0 && on_time_value(w53) == 1.0 && on_time_value(w01) == 1.0);
    ck_assert(json_number_value(tl_jpath(w52, "rates.on_time_rate.delta_year")) == -1.0);
    ck_assert_msg(tl_jnull(w53, "rates.on_time_rate.delta_year"), "2019 has no week 53");
    ck_assert(json_number_value(tl_jpath(w53, "rates.on_time_rate.delta_prev")) == 1.0);
    ck_assert(json_number_value(tl_jpath(w01, "rates.on_time_rate.delta_year")) == 1.0);
    ck_assert(json_number_value(tl_jpath(w01, "rates.on_time_rate.delta_prev")) == 0.0);
    json_decref(j);

    /* months: 2024-02 (1/1) vs 2023-02 (1/2), the month clipped by from */
    j = tl_get("/v1/metrics/series?from=2024-02-20&to=2024-03-31&interval=month", 200);
    bs = json_object_get(j, "buckets");
    ck_assert_int_eq(json_array_size(bs), 2);
    tl_assert_str(tl_jstr(json_array_get(bs, 0), "from"), "2024-02-20", "clipped from");
    ck_assert(json_number_value(tl_jpath(json_array_get(bs, 0), "rates.on_time_rate.delta_year"))
              == 0.5);
    json_decref(j);
}
END_TEST

/* ---- CSV ----------------------------------------------------------------------------- */


/* One RFC 4180 row into out (malloc'd cells); 0 at the end. */


/* A CSV cell against a JSON value (null: empty; a text starting with = + - @
 * carries the guard "'"). */
static void check_cell(const char *cell, json_t *v, const char *ctx)
{
    if (v == NULL || json_is_null(v)) {
        ck_assert_msg(cell[0] == '\0', "%s: '%s', want empty", ctx, cell);
    } else if (json_is_integer(v)) {
        ck_assert_msg(cell[0] && strtoll(cell, NULL, 10) == json_integer_value(v),
                      "%s: '%s', want %lld", ctx, cell, (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        ck_assert_msg(cell[0] && strtod(cell, NULL) == json_real_value(v), "%s: '%s', want %.17g",
                      ctx, cell, json_real_value(v));
    } else {
        const char *s = json_string_value(v);
        if (s[0] && strchr("=+-@", s[0])) {
            ck_assert_msg(cell[0] == '\'' && !strcmp(cell + 1, s), "%s: '%s', want guarded '%s'",
                          ctx, cell, s);
        } else {
            ck_assert_msg(!strcmp(cell, s), "%s: '%s', want '%s'", ctx, cell, s);
        }
    }
}

/* GET path as CSV twice (format=csv, and Accept: text/csv without it): the
 * same body, a BOM, text/csv. Returns the body of the first (caller frees). */
static tl_resp get_csv(const char *query_path)
{
    tl_resp a, b;
    ck_assert_int_eq(tl_http("GET", tl_msg_("%s&format=csv", query_path), NULL, NULL, 0, &a), 200);
    char ct[64];
    ck_assert_msg(tl_header(&a, "Content-Type", ct, sizeof ct) && !strncmp(ct, "text/csv", 8),
                  "%s: Content-Type", query_path);
    ck_assert_msg(a.len >= 3 && !memcmp(a.body, "\xEF\xBB\xBF", 3), "%s: no BOM", query_path);
    ck_assert_int_eq(tl_http("GET", query_path, "Accept: text/csv\r\n", NULL, 0, &b), 200);
    ck_assert_msg(a.len == b.len && !memcmp(a.body, b.body, a.len),
                  "%s: Accept: text/csv differs from format=csv", query_path);
    tl_resp_free(&b);
    return a;
}

START_TEST(test_rankings_csv)
{
    load_dataset(0xC5C5, 600);
    /* the first query's min_n is the largest denominator: ranked and insufficient */
    json_t *all = tl_get("/v1/rankings?from=2023-01-01&to=2024-06-30&by=agency&min_n=0", 200);
    json_int_t max_den = 0;
    size_t k;
    json_t *e0;
    json_array_foreach(json_object_get(all, "ranked"), k, e0)
        if (tl_jint(e0, "denominator") > max_den)
            max_den = tl_jint(e0, "denominator");
    json_decref(all);
    char first[128];
    snprintf(first, sizeof first, "/v1/rankings?from=2023-01-01&to=2024-06-30&by=agency&min_n=%lld",
             (long long)max_den);
    const char *const queries[] = {
        first,
        "/v1/rankings?period=2024&by=procedure&metric=late_rate&min_n=0",
        "/v1/rankings?period=2023-Q3&by=field&metric=online_share",
    };
    for (size_t qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
        json_t *j = tl_get(queries[qi], 200);
        tl_resp r = get_csv(queries[qi]);
        const char *p = r.body + 3, *end = r.body + r.len;
        char *row[CSV_MAX_CELLS];
        size_t n = csv_read_row(&p, end, row);
        static const char *const hdr[] = { "rank", "key", "label", "value", "numerator",
                                           "denominator" };
        ck_assert_uint_eq(n, 6);
        for (size_t i = 0; i < 6; i++)
            tl_assert_str(row[i], hdr[i], "%s: header %zu", queries[qi], i);
        csv_free_row(row, n);
        json_t *ranked = json_object_get(j, "ranked"), *ins = json_object_get(j, "insufficient");
        size_t nr = json_array_size(ranked), ni = json_array_size(ins), rows = 0;
        while ((n = csv_read_row(&p, end, row)) > 0) {
            char ctx[256];
            snprintf(ctx, sizeof ctx, "%s row %zu", queries[qi], rows);
            ck_assert_msg(rows < nr + ni, "%s: too many rows", ctx);
            ck_assert_uint_eq(n, 6);
            json_t *e = rows < nr ? json_array_get(ranked, rows) : json_array_get(ins, rows - nr);
            check_cell(row[0], json_object_get(e, "rank"), ctx);   /* empty when insufficient */
            check_cell(row[1], json_object_get(e, "key"), ctx);
            check_cell(row[2], json_object_get(e, "label"), ctx);
            check_cell(row[3], json_object_get(e, "value"), ctx);
            check_cell(row[4], json_object_get(e, "numerator"), ctx);
            check_cell(row[5], json_object_get(e, "denominator"), ctx);
            csv_free_row(row, n);
            rows++;
        }
        ck_assert_msg(rows == nr + ni, "%s: %zu rows, want %zu", queries[qi], rows, nr + ni);
        if (qi == 0)
            ck_assert_msg(nr > 0 && ni > 0, "the first query should have both parts");
        tl_resp_free(&r);
        json_decref(j);
    }
}
END_TEST

START_TEST(test_series_csv)
{
    load_dataset(0xC5C6, 600);
    static const char *const queries[] = {
        "/v1/metrics/series?from=2024-01-15&to=2024-06-30&interval=month",
        "/v1/metrics/series?period=2024-Q1&interval=week&agency=000.00.*",
    };
    for (size_t qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
        json_t *j = tl_get(queries[qi], 200);
        tl_resp r = get_csv(queries[qi]);
        const char *p = r.body + 3, *end = r.body + r.len;
        char *hdr[CSV_MAX_CELLS], *row[CSV_MAX_CELLS];
        size_t nh = csv_read_row(&p, end, hdr);
        /* key,from,to, the counts, then 8 columns per rate */
        static const char *const sfx[] = { "", "_numerator", "_denominator", "_target", "_status",
                                           "_gap", "_delta_prev", "_delta_year" };
        static const char *const parts[] = { "value", "numerator", "denominator", "target",
                                             "status", "gap", "delta_prev", "delta_year" };
        ck_assert_uint_eq(nh, 3 + NCOUNTS + NRATES * 8);
        tl_assert_str(hdr[0], "key", "h0");
        tl_assert_str(hdr[1], "from", "h1");
        tl_assert_str(hdr[2], "to", "h2");
        for (int c = 0; c < NCOUNTS; c++)
            tl_assert_str(hdr[3 + c], COUNT_NAMES[c], "count column %d", c);
        for (int rt = 0; rt < NRATES; rt++)
            for (int s = 0; s < 8; s++)
                tl_assert_str(hdr[3 + NCOUNTS + rt * 8 + s],
                              tl_msg_("%s%s", RATE_NAMES[rt], sfx[s]), "rate column");
        json_t *bs = json_object_get(j, "buckets");
        size_t rows = 0, n;
        while ((n = csv_read_row(&p, end, row)) > 0) {
            char ctx[256];
            snprintf(ctx, sizeof ctx, "%s row %zu", queries[qi], rows);
            json_t *bk = json_array_get(bs, rows);
            ck_assert_msg(bk != NULL, "%s: more rows than buckets", ctx);
            ck_assert_uint_eq(n, nh);
            check_cell(row[0], json_object_get(bk, "key"), ctx);
            check_cell(row[1], json_object_get(bk, "from"), ctx);
            check_cell(row[2], json_object_get(bk, "to"), ctx);
            for (int c = 0; c < NCOUNTS; c++)
                check_cell(row[3 + c], tl_jpath(bk, tl_msg_("counts.%s", COUNT_NAMES[c])), ctx);
            for (int rt = 0; rt < NRATES; rt++)
                for (int s = 0; s < 8; s++) {
                    if (s == 3)   /* target: a decimal text vs the JSON double */
                        continue;
                    check_cell(row[3 + NCOUNTS + rt * 8 + s],
                               tl_jpath(bk, tl_msg_("rates.%s.%s", RATE_NAMES[rt], parts[s])),
                               tl_msg_("%s %s%s", ctx, RATE_NAMES[rt], sfx[s]));
                }
            csv_free_row(row, n);
            rows++;
        }
        ck_assert_msg(rows == json_array_size(bs), "%s: %zu rows, want %zu", queries[qi], rows,
                      json_array_size(bs));
        csv_free_row(hdr, nh);
        tl_resp_free(&r);
        json_decref(j);
    }
}
END_TEST

/* ---- bad parameters ------------------------------------------------------------------ */

START_TEST(test_bad_parameters)
{
    static const char *const bad[][2] = {
        { "/v1/rankings?period=2024-03", "by" },
        { "/v1/rankings?period=2024-03&by=", "by" },
        { "/v1/rankings?period=2024-03&by=channel", "by" },
        { "/v1/rankings?period=2024-03&by=month", "by" },
        { "/v1/rankings?period=2024-03&by=agency&metric=speed", "metric" },
        { "/v1/rankings?period=2024-03&by=agency&metric=", "metric" },
        { "/v1/rankings?period=2024-03&by=agency&metric=ON_TIME_RATE", "metric" },
        { "/v1/rankings?period=2024-03&by=agency&min_n=-1", "min_n" },
        { "/v1/rankings?period=2024-03&by=agency&min_n=", "min_n" },
        { "/v1/rankings?period=2024-03&by=agency&min_n=1.5", "min_n" },
        { "/v1/rankings?period=2024-03&by=agency&min_n=1000000001", "min_n" },
        { "/v1/rankings?period=2024-03&by=agency&min_n=99999999999999999999999", "min_n" },
        { "/v1/rankings?period=2024-03&by=agency&min_n=%205", "min_n" },
        { "/v1/rankings?from=2024-03-01&by=agency", "to" },
        { "/v1/rankings?period=2024-13&by=agency", "period" },
        { "/v1/rankings?period=2024-03&by=agency&channel=fax", "channel" },
        { "/v1/rankings?period=2024-03&by=agency&format=xml", "format" },
        { "/v1/metrics/series?period=2024", "interval" },
        { "/v1/metrics/series?period=2024&interval=", "interval" },
        { "/v1/metrics/series?period=2024&interval=hour", "interval" },
        { "/v1/metrics/series?period=2024&interval=agency", "interval" },
        { "/v1/metrics/series?from=1990-01-01&to=2024-12-31&interval=day", "interval" },
        { "/v1/metrics/series?to=2024-03-01&interval=day", "from" },
        { "/v1/metrics/series?period=2024&interval=month&as_of=soon", "as_of" },
        { "/v1/metrics/series?period=2024&interval=month&basis=stock", "basis" },
        { "/v1/metrics/series?period=2024&interval=month&service_level=9", "service_level" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = tl_get(bad[i][0], 400);
        tl_assert_error(j, "invalid_parameter");
        const char *msg = tl_jstr(j, "error.message");
        ck_assert_msg(names_word(msg, bad[i][1]), "%s: message '%s' does not name %s", bad[i][0],
                      msg, bad[i][1]);
        json_decref(j);
    }
    /* group_by is not a parameter of either: ignored, even when invalid */
    json_t *j = tl_get("/v1/rankings?period=2024-03&by=agency&group_by=color", 200);
    tl_assert_str(tl_jstr(j, "by"), "agency", "by");
    json_decref(j);
    j = tl_get("/v1/metrics/series?period=2024&interval=quarter&group_by=agency", 200);
    ck_assert_int_eq(json_array_size(json_object_get(j, "buckets")), 4);
    json_decref(j);
    /* 9,991 days: under 10,000 buckets, but not with the year before */
    j = tl_get("/v1/metrics/series?from=2000-01-01&to=2027-05-09&interval=day", 400);
    ck_assert(names_word(tl_jstr(j, "error.message"), "interval"));
    json_decref(j);
    j = tl_get("/v1/metrics/series?from=2000-01-01&to=2024-12-31&interval=year", 200);
    ck_assert_int_eq(json_array_size(json_object_get(j, "buckets")), 25);
    json_decref(j);
}
END_TEST

/* ---- suite ------------------------------------------------------------------------------- */

static void teardown(void)
{
    free_gens();
    tl_teardown();
}

Suite *make_rankings_db_suite(void)
{
    Suite *s = suite_create("rankings_db");
    TCase *tc = tcase_create("rankings");
    tcase_add_checked_fixture(tc, tl_setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_rankings_random);
    tcase_add_test(tc, test_rankings_ties);
    tcase_add_test(tc, test_rankings_csv);
    tcase_add_test(tc, test_bad_parameters);
    suite_add_tcase(s, tc);
    tc = tcase_create("series");
    tcase_add_checked_fixture(tc, tl_setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_series_random);
    tcase_add_test(tc, test_series_named_periods);
    tcase_add_test(tc, test_series_empty_buckets);
    tcase_add_test(tc, test_series_year_matching);
    tcase_add_test(tc, test_series_csv);
    suite_add_tcase(s, tc);
    return s;
}
