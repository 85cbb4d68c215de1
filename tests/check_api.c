/*
 * check_api.c - the HTTP API end to end (spec §4, §5, §6 targets, §7): the
 * real server in-process on a fresh PostgreSQL database per test.
 *
 * Covers health and readiness (and 503 with Retry-After when the database is
 * unreachable), 404/405 error bodies and Allow, one dossier's class and
 * working-day counts at an as_of, targets (validation, replace, their effect
 * on rate objects), the 400s of /v1/metrics, instants exactly on period
 * edges and on either side of a UTC/local date change, and the core check:
 * a random data set (fixed seeds) is ingested over HTTP and, for many random
 * queries (periods, as_of in the past, every filter, dimension groups and
 * time buckets, cohort basis), every count and rate of /v1/metrics is
 * compared with an independent computation written here from SPEC §4/§5
 * (this file never calls metrics.c or classify.c). CSV output is checked
 * against the JSON of the same query.
 */
#include <check.h>
#include <jansson.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testlib.h"

/* ---- dates and instants (microseconds since the epoch; days since 1970-01-01, Vietnam time) */






/* RFC 3339 in +07:00, microseconds only when not zero (as the service writes). */
static int64_t now_us(void) { return (int64_t)time(NULL) * US_SEC; }

/* ---- small helpers ----------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int64_t rn(int64_t n) { return (int64_t)(rnd() % (uint64_t)n); }

static json_t *get_fmt(int expect, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *get_fmt(int expect, const char *fmt, ...)
{
    char path[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    return tl_get(path, expect);
}

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

static void put_targets(const char *body, int expect)
{
    json_t *j = tl_call("PUT", "/v1/targets", "application/json", body, strlen(body), expect);
    if (expect != 200)
        tl_assert_error(j, "invalid_body");
    json_decref(j);
}

static void ingest_json(const char *body)
{
    json_t *res = tl_ingest("application/json", body, strlen(body));
    ck_assert_msg(tl_jint(res, "rejected") == 0, "test data rejected: %s",
                  json_dumps(json_object_get(res, "errors"), JSON_COMPACT));
    json_decref(res);
}

/* ---- health, 404, 405 ---------------------------------------------------------- */

START_TEST(test_health_and_ready)
{
    json_t *j = tl_get("/healthz", 200);
    json_decref(j);
    j = tl_get("/readyz", 200);
    json_decref(j);
}
END_TEST

START_TEST(test_not_found)
{
    static const char *const paths[] = { "/nope", "/v1", "/v1/dossier", "/v1/metricsx",
                                         "/v1/dossiers/NO-SUCH-CODE" };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        json_t *j = tl_get(paths[i], 404);
        tl_assert_error(j, "not_found");
        json_decref(j);
    }
}
END_TEST

static void expect_405(const char *method, const char *path, const char *must_allow)
{
    tl_resp r;
    int st = tl_http(method, path, "Content-Type: application/json\r\n", "[]", 2, &r);
    ck_assert_msg(st == 405, "%s %s: status %d, want 405", method, path, st);
    char allow[128];
    ck_assert_msg(tl_header(&r, "Allow", allow, sizeof allow) != NULL, "%s %s: no Allow header",
                  method, path);
    char want[64];
    snprintf(want, sizeof want, "%s", must_allow);
    for (char *save, *m = strtok_r(want, ",", &save); m; m = strtok_r(NULL, ",", &save))
        ck_assert_msg(strstr(allow, m) != NULL, "%s %s: Allow '%s' lacks %s", method, path,
                      allow, m);
    ck_assert_msg(strstr(allow, method) == NULL, "%s %s: Allow '%s' names the refused method",
                  method, path, allow);
    json_t *j = tl_json(&r);
    tl_assert_error(j, "method_not_allowed");
    json_decref(j);
    tl_resp_free(&r);
}

START_TEST(test_method_not_allowed)
{
    expect_405("POST", "/healthz", "GET");
    expect_405("DELETE", "/readyz", "GET");
    expect_405("PUT", "/v1/metrics", "GET");
    expect_405("POST", "/v1/metrics", "GET");
    expect_405("DELETE", "/v1/targets", "GET,PUT");
    expect_405("POST", "/v1/targets", "GET,PUT");
    expect_405("DELETE", "/v1/dossiers", "POST");
    expect_405("PUT", "/v1/dossiers/X-1", "GET");
    expect_405("DELETE", "/v1/dossiers/X-1", "GET");
}
END_TEST

/* ---- one dossier at as_of (spec §4, §7) ------------------------------------------ */

/* March 2024 has no public holiday: only weekends are off. 2024-03-11 is a Monday. */
#define KREC(code, status, extra)                                                          \
    "{\"code\":\"" code "\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":"         \
    "\"1.004227\",\"channel\":\"online\",\"status\":\"" status "\",\"received_at\":"       \
    "\"2024-03-11T08:00:00+07:00\"" extra "}"

static const char KDATA[] =
    "[" KREC("K-OPEN", "processing", ",\"due_at\":\"2024-03-15\"") ","
    KREC("K-FRI", "processing", ",\"due_at\":\"2024-03-18\"") ","
    KREC("K-WAIT-EARLY", "supplement_requested",
         ",\"due_at\":\"2024-03-15\",\"supplement_requested_at\":\"2024-03-14T09:00:00+07:00\"") ","
    KREC("K-WAIT-LATE", "supplement_requested",
         ",\"due_at\":\"2024-03-15\",\"supplement_requested_at\":\"2024-03-19T09:00:00+07:00\"") ","
    KREC("K-WAIT-UPD", "payment_requested",
         ",\"due_at\":\"2024-03-15\",\"updated_at\":\"2024-03-19T09:00:00+07:00\"") ","
    KREC("K-WAIT-RECV", "payment_requested", ",\"due_at\":\"2024-03-15\"") ","
    KREC("K-FIN-EARLY", "resolved",
         ",\"due_at\":\"2024-03-15\",\"finished_at\":\"2024-03-14T10:00:00+07:00\"") ","
    KREC("K-FIN-ONTIME", "returned",
         ",\"due_at\":\"2024-03-15\",\"finished_at\":\"2024-03-15T17:30:00+07:00\"") ","
    KREC("K-FIN-LATE", "resolved",
         ",\"due_at\":\"2024-03-15\",\"finished_at\":\"2024-03-18T08:00:00+07:00\"") ","
    KREC("K-FIN-SUPP2", "resolved",
         ",\"due_at\":\"2024-03-15\",\"finished_at\":\"2024-03-14T10:00:00+07:00\","
         "\"supplement_count\":2") ","
    KREC("K-OPEN-SUPP2", "processing", ",\"due_at\":\"2024-03-15\",\"supplement_count\":2") ","
    KREC("K-NODUE", "processing", "") ","
    KREC("K-NODUE-FIN", "resolved", ",\"finished_at\":\"2024-03-20T10:00:00+07:00\"") ","
    "{\"code\":\"K-REG\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"1.004227\","
    "\"channel\":\"online\",\"status\":\"registered\"}]";

/* 503 unavailable with Retry-After for every request that needs the database. */
static void expect_503(const char *method, const char *path, const char *ctype, const char *body)
{
    tl_resp r;
    char hdr[128] = "", ra[32];
    if (ctype)
        snprintf(hdr, sizeof hdr, "Content-Type: %s\r\n", ctype);
    int st = tl_http(method, path, hdr, body, body ? strlen(body) : 0, &r);
    ck_assert_msg(st == 503, "%s %s with the database down: status %d, want 503", method, path, st);
    ck_assert_msg(tl_header(&r, "Retry-After", ra, sizeof ra) && atoi(ra) > 0,
                  "%s %s: 503 without Retry-After", method, path);
    json_t *j = tl_json(&r);
    tl_assert_error(j, "unavailable");
    json_decref(j);
    tl_resp_free(&r);
}

START_TEST(test_database_down)
{
    tl_server_stop();
    int n = snprintf(tl_env.cfg.db, sizeof tl_env.cfg.db, "%s dbname=motcua_no_such_database",
                     tl_env.conninfo);
    ck_assert(n > 0 && (size_t)n < sizeof tl_env.cfg.db);
    tl_env.cfg.db_wait_ms = 200;
    tl_server_start();
    json_t *j = tl_get("/healthz", 200);
    json_decref(j);
    expect_503("GET", "/readyz", NULL, NULL);
    expect_503("GET", "/v1/metrics?period=2024-03", NULL, NULL);
    expect_503("GET", "/v1/dossiers/K-OPEN", NULL, NULL);
    expect_503("GET", "/v1/targets", NULL, NULL);
    expect_503("POST", "/v1/dossiers", "application/json", "[" KREC("K-X", "processing", "") "]");
}
END_TEST

typedef struct {
    const char *code, *as_of;   /* as_of local, no offset */
    int within;                 /* -1: default */
    const char *cls;            /* NULL: null */
    bool waiting, due_soon;
    int wdo, wdl;               /* -1: null */
} kcase;

static const kcase KCASES[] = {
    { "K-OPEN", "2024-03-13T10:00:00", -1, "in_time", false, false, -1, 2 },
    { "K-OPEN", "2024-03-14T10:00:00", -1, "in_time", false, true, -1, 1 },
    { "K-OPEN", "2024-03-15T18:00:00", -1, "in_time", false, true, -1, 0 },
    { "K-OPEN", "2024-03-16T10:00:00", -1, "overdue", false, false, 0, -1 },
    { "K-OPEN", "2024-03-20T10:00:00", -1, "overdue", false, false, 3, -1 },
    { "K-OPEN", "2024-03-12T10:00:00", 3, "in_time", false, true, -1, 3 },
    { "K-OPEN", "2024-03-12T10:00:00", 2, "in_time", false, false, -1, 3 },
    { "K-OPEN", "2024-03-15T10:00:00", 0, "in_time", false, true, -1, 0 },
    { "K-OPEN", "2024-03-14T10:00:00", 0, "in_time", false, false, -1, 1 },
    { "K-OPEN", "2024-03-10T10:00:00", -1, NULL, false, false, -1, -1 },
    { "K-FRI", "2024-03-15T10:00:00", -1, "in_time", false, true, -1, 1 },
    { "K-FRI", "2024-03-14T10:00:00", -1, "in_time", false, false, -1, 2 },
    { "K-WAIT-EARLY", "2024-03-20T10:00:00", -1, "in_time", true, false, -1, -1 },
    { "K-WAIT-EARLY", "2024-03-13T10:00:00", -1, "in_time", false, false, -1, 2 },
    { "K-WAIT-LATE", "2024-03-21T10:00:00", -1, "overdue", true, false, 2, -1 },
    { "K-WAIT-LATE", "2024-03-18T10:00:00", -1, "overdue", false, false, 1, -1 },
    { "K-WAIT-UPD", "2024-03-21T10:00:00", -1, "overdue", true, false, 2, -1 },
    { "K-WAIT-RECV", "2024-03-25T10:00:00", -1, "in_time", true, false, -1, -1 },
    { "K-FIN-EARLY", "2024-03-20T10:00:00", -1, "early", false, false, -1, -1 },
    { "K-FIN-EARLY", "2024-03-14T09:00:00", -1, "in_time", false, true, -1, 1 },
    { "K-FIN-ONTIME", "2024-03-20T10:00:00", -1, "on_time", false, false, -1, -1 },
    { "K-FIN-LATE", "2024-03-20T10:00:00", -1, "late", false, false, -1, -1 },
    { "K-FIN-LATE", "2024-03-18T07:00:00", -1, "overdue", false, false, 1, -1 },
    { "K-FIN-SUPP2", "2024-03-20T10:00:00", -1, "late", false, false, -1, -1 },
    { "K-OPEN-SUPP2", "2024-03-13T10:00:00", -1, "overdue", false, false, 0, -1 },
    { "K-OPEN-SUPP2", "2024-03-20T10:00:00", -1, "overdue", false, false, 3, -1 },
    { "K-NODUE", "2024-03-20T10:00:00", -1, "in_time", false, false, -1, -1 },
    { "K-NODUE-FIN", "2024-03-25T10:00:00", -1, "on_time", false, false, -1, -1 },
    { "K-REG", "2024-03-20T10:00:00", -1, NULL, false, false, -1, -1 },
};

static void expect_wd(json_t *d, const char *key, int want, const char *ctx)
{
    if (want < 0)
        ck_assert_msg(tl_jnull(d, key), "%s: %s should be null", ctx, key);
    else
        ck_assert_msg(tl_jint(d, key) == want, "%s: %s = %lld, want %d", ctx, key,
                      (long long)tl_jint(d, key), want);
}

static void check_kcase(const kcase *k)
{
    char path[256], ctx[128];
    int n = snprintf(path, sizeof path, "/v1/dossiers/%s?as_of=%s%%2B07:00", k->code, k->as_of);
    if (k->within >= 0)
        snprintf(path + n, sizeof path - (size_t)n, "&within=%d", k->within);
    snprintf(ctx, sizeof ctx, "%s at %s (within %d)", k->code, k->as_of, k->within);
    json_t *d = tl_get(path, 200);
    tl_assert_str(tl_jstr(d, "class"), k->cls, "%s: class", ctx);
    ck_assert_msg(tl_jbool(d, "waiting") == k->waiting, "%s: waiting", ctx);
    ck_assert_msg(tl_jbool(d, "due_soon") == k->due_soon, "%s: due_soon", ctx);
    expect_wd(d, "working_days_overdue", k->wdo, ctx);
    expect_wd(d, "working_days_left", k->wdl, ctx);
    json_decref(d);
}

START_TEST(test_dossier_class_at_as_of)
{
    ingest_json(KDATA);
    for (size_t i = 0; i < sizeof KCASES / sizeof KCASES[0]; i++)
        check_kcase(&KCASES[i]);
    json_t *d = tl_get("/v1/dossiers/K-OPEN", 200);
    tl_assert_str(tl_jstr(d, "due_at"), "2024-03-15T17:00:00+07:00", "K-OPEN due_at");
    ck_assert_msg(!tl_jbool(d, "due_computed"), "K-OPEN: its own due_at is not computed");
    tl_assert_str(tl_jstr(d, "class"), "overdue", "K-OPEN now");
    json_decref(d);
}
END_TEST

START_TEST(test_dossier_bad_parameters)
{
    ingest_json(KDATA);
    static const char *const bad[][2] = {
        { "/v1/dossiers/K-OPEN?as_of=yesterday", "as_of" },
        { "/v1/dossiers/K-OPEN?as_of=2024-02-30", "as_of" },
        { "/v1/dossiers/K-OPEN?within=-1", "within" },
        { "/v1/dossiers/K-OPEN?within=x", "within" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = tl_get(bad[i][0], 400);
        tl_assert_error(j, "invalid_parameter");
        ck_assert_msg(names_word(tl_jstr(j, "error.message"), bad[i][1]),
                      "%s: the message does not name %s", bad[i][0], bad[i][1]);
        json_decref(j);
    }
    json_t *j = tl_get("/v1/dossiers/K-OPEN?unknown=1", 200);
    json_decref(j);
}
END_TEST

/* ---- the random data set ------------------------------------------------------------ */

static const char *const AGENCIES[][2] = {
    { "000.00.01.H62", "S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p, t\xE1\xBB\x89nh V\xC4\xA9nh Long" },
    { "000.00.02.H62", "S\xE1\xBB\x9F X\xC3\xA2y d\xE1\xBB\xB1ng" },
    { "000.00.15.H62", "S\xE1\xBB\x9F Y t\xE1\xBA\xBF" },
    { "000.20.31.H62", "UBND huy\xE1\xBB\x87n Long H\xE1\xBB\x93" },
    { "000.21.40.H62", "UBND th\xE1\xBB\x8B x\xC3\xA3 \"B\xC3\xACnh Minh\"" },
    { "H62.10", "Trung t\xC3\xA2m Ph\xE1\xBB\xA5" "c v\xE1\xBB\xA5 h\xC3\xA0nh ch\xC3\xADnh c\xC3\xB4ng" },
};
#define NAGENCIES 6
static const char *const PROCS[][2] = {
    { "1.004227", "C\xE1\xBA\xA5p phi\xE1\xBA\xBFu l\xC3\xBD l\xE1\xBB\x8B" "ch t\xC6\xB0 ph\xC3\xA1p" },
    { "1.001757", "\xC4\x90\xC4\x83ng k\xC3\xBD khai sinh" },
    { "2.000889", "C\xE1\xBA\xA5p gi\xE1\xBA\xA5y ph\xC3\xA9p x\xC3\xA2y d\xE1\xBB\xB1ng" },
    { "1.010007", "Ch\xE1\xBB\xA9ng th\xE1\xBB\xB1" "c b\xE1\xBA\xA3n sao" },
    { "2.001234", "C\xE1\xBA\xA5p l\xE1\xBA\xA1i gi\xE1\xBA\xA5y ph\xC3\xA9p" },
    { "3.000111", "Th\xE1\xBB\xA7 t\xE1\xBB\xA5" "c kh\xC3\xA1" "c" },
};
#define NPROCS 6
static const char *const FIELDS[] = { "G01", "G02", "G03" };
#define NFIELDS 3
static const char *const CHANNELS[] = { NULL, "direct", "online", "postal" };
static const char *const PREFIXES[] = { "000.00.*", "000.2*", "000.*", "H62*", "000.00.0*",
                                        "000.21.40.H62*" };
#define NPREFIXES 6

typedef struct {
    char code[24];
    int agency, proc, field;   /* field -1: null */
    int level;                 /* 0: null */
    int channel, status;
    int64_t received, due, finished, returned, sreq, updated;   /* NONE: null */
    int supp;
    int64_t fee;               /* -1: null */
    bool paid, apology;
} gen_t;

static gen_t *gens;
static size_t ngens;

static int pick_status(void)
{
    static const int weights[11] = { 0, 3, 8, 3, 14, 6, 4, 3, 4, 25, 30 };
    int64_t r = rn(100);
    for (int s = 1; s <= 10; s++)
        if ((r -= weights[s]) < 0)
            return s;
    return 10;
}

static int64_t max3(int64_t a, int64_t b, int64_t c)
{
    int64_t m = a;
    if (b != NONE && b > m) m = b;
    if (c != NONE && c > m) m = c;
    return m;
}

/* An instant on local day `day`: any time, or exactly its first or last microsecond
 * (period and bucket boundaries), never before `not_before`. */
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

/* Dates, finishing and waiting of one dossier, at any local time of day (so
 * that a UTC date where a local one is due shows in the counts). */
static void gen_times(gen_t *g)
{
    int64_t day = D(2023, 10, 1) + rn(340);
    g->received = instant_on(day, NONE + 1);
    g->due = g->finished = g->returned = g->sreq = g->updated = NONE;
    if ((g->status == 1 || g->status == 3) && rn(2)) {
        g->received = NONE;
        return;
    }
    if (rn(10) != 0) {
        g->due = rn(5) ? day_start(day + rn(21)) + 17 * 3600 * US_SEC
                       : g->received + rn(5 * 24 * 3600) * US_SEC;
        if (g->due < g->received)
            g->due = g->received + rn(3 * 24 * 3600) * US_SEC;
    }
    if (g->status >= 7) {
        g->finished = instant_on(day + rn(30), g->received);
        if (g->status == 10)
            g->returned = g->finished + rn(3) * US_DAY;
    }
    if ((g->status == 5 || g->status == 6 || rn(5) == 0) && rn(10) < 6)
        g->sreq = instant_on(day + rn(20), g->received);
    if (rn(2))
        g->updated = max3(g->received, g->finished, g->sreq) + rn(3 * 24 * 3600) * US_SEC;
}

static void gen_one(gen_t *g, size_t i)
{
    static const int levels[] = { 0, 2, 3, 3, 4, 4 };
    memset(g, 0, sizeof *g);
    snprintf(g->code, sizeof g->code, "D%05zu", i);
    g->agency = (int)rn(NAGENCIES);
    g->proc = (int)rn(NPROCS);
    g->field = rn(4) == 0 ? -1 : (int)rn(NFIELDS);
    g->level = levels[rn(6)];
    int64_t c = rn(20);
    g->channel = c < 9 ? 2 : c < 18 ? 1 : 3;
    g->status = pick_status();
    int64_t s = rn(100);
    g->supp = s < 10 ? 2 : s < 25 ? 1 : 0;
    gen_times(g);
    int64_t f = rn(10);
    g->fee = f < 3 ? -1 : f < 5 ? 0 : 1000 * (1 + rn(500));
    g->paid = rn(10) < 4;
    g->apology = rn(5) == 0;
}

static void gen_ndjson(const gen_t *g, tl_buf *b)
{
    tl_buf_printf(b, "{\"code\":\"%s\",\"agency_code\":\"%s\",\"agency_name\":", g->code,
                  AGENCIES[g->agency][0]);
    json_t *name = json_string(AGENCIES[g->agency][1]);
    char *s = json_dumps(name, JSON_ENCODE_ANY);
    tl_buf_puts(b, s);
    free(s);
    json_decref(name);
    tl_buf_printf(b, ",\"procedure_code\":\"%s\",\"procedure_name\":\"%s\",\"channel\":%d,"
                     "\"status\":%d,\"supplement_count\":%d,\"paid_online\":%s,\"apology\":%s",
                  PROCS[g->proc][0], PROCS[g->proc][1], g->channel, g->status, g->supp,
                  g->paid ? "true" : "false", g->apology ? "true" : "false");
    if (g->field >= 0)
        tl_buf_printf(b, ",\"field_code\":\"%s\"", FIELDS[g->field]);
    if (g->level)
        tl_buf_printf(b, ",\"service_level\":%d", g->level);
    if (g->fee >= 0)
        tl_buf_printf(b, ",\"fee\":%lld", (long long)g->fee);
    tl_put_ts(b, "received_at", g->received);
    tl_put_ts(b, "due_at", g->due);
    tl_put_ts(b, "finished_at", g->finished);
    tl_put_ts(b, "returned_at", g->returned);
    tl_put_ts(b, "supplement_requested_at", g->sreq);
    tl_put_ts(b, "updated_at", g->updated);
    tl_buf_puts(b, "}\n");
}

/* Generates n dossiers with `seed` and ingests them as NDJSON. */
static void load_dataset(uint64_t seed, size_t n)
{
    rng_state = seed;
    free(gens);
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

/* ---- the model: counts of spec §5 over the generated dossiers -------------------------- */

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

/* Finished at as_of: early (1), on time (2) or late (3). */
static int finished_class(const gen_t *g)
{
    if (g->supp > 1)
        return 3;
    if (g->due == NONE)
        return 2;
    int64_t f = lday(g->finished), d = lday(g->due);
    return f < d ? 1 : f == d ? 2 : 3;
}

static void add_received(mcounts *m, const gen_t *g)
{
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

static void add_finished(mcounts *m, const gen_t *g)
{
    int cls = finished_class(g);
    m->c[C_FINISHED]++;
    m->c[cls == 1 ? C_EARLY : cls == 2 ? C_ON_TIME : C_LATE]++;
    m->late_apology += cls == 3 && g->apology;
    m->c[g->status == 7 ? C_WITHDRAWN : g->status == 8 ? C_STOPPED : C_RESOLVED]++;
}

static void add_pending(mcounts *m, const gen_t *g, int64_t as_of)
{
    bool waiting = false;
    int64_t ws = NONE;
    if (g->status == 5 || g->status == 6) {
        ws = g->sreq != NONE ? g->sreq : g->updated != NONE ? g->updated : g->received;
        waiting = ws <= as_of;
    }
    bool overdue;
    if (g->supp > 1)
        overdue = true;
    else if (g->due == NONE)
        overdue = false;
    else
        overdue = lday(waiting ? ws : as_of) > lday(g->due);
    m->c[C_PENDING]++;
    m->c[overdue ? C_OVERDUE : C_IN_TIME]++;
    m->c[C_WAITING] += waiting;
}

/* Adds one dossier to the counts of the period starting at `start`, seen at as_of. */
static void model_add(mcounts *m, const gen_t *g, int64_t start, int64_t as_of, bool cohort)
{
    if (g->status == 1 || g->status == 3 || g->received == NONE || g->received > as_of)
        return;
    bool fin = g->status >= 7;
    if (cohort ? g->received < start : fin && g->finished < start)
        return;
    if (g->received < start)
        m->c[C_CARRIED]++;
    else
        add_received(m, g);
    if (fin && g->finished <= as_of)
        add_finished(m, g);
    else
        add_pending(m, g, as_of);
}

/* ---- queries ---------------------------------------------------------------------- */

enum { G_NONE, G_AGENCY, G_PROCEDURE, G_FIELD, G_CHANNEL, G_LEVEL,
       G_DAY, G_WEEK, G_MONTH, G_QUARTER, G_YEAR, NGROUPS };
static const char *const GROUP_NAMES[NGROUPS] = {
    NULL, "agency", "procedure", "field", "channel", "service_level",
    "day", "week", "month", "quarter", "year",
};

typedef struct {
    char period[16];       /* a period name, or "" for from/to */
    int64_t from, to;      /* days (also set for a period name) */
    int64_t as_of;         /* the as_of parameter, NONE when absent */
    char agency[32];       /* "" none; may end in '*' */
    int proc, field, channel, level;   /* -1 / 0: none */
    int group;
    bool cohort;
    char url[512];
} mquery;

static bool passes(const mquery *q, const gen_t *g)
{
    size_t n = strlen(q->agency);
    const char *code = AGENCIES[g->agency][0];
    if (n && (q->agency[n - 1] == '*' ? strncmp(code, q->agency, n - 1) != 0
                                      : strcmp(code, q->agency) != 0))
        return false;
    if (q->proc >= 0 && g->proc != q->proc)
        return false;
    if (q->field >= 0 && g->field != q->field)
        return false;
    if (q->channel && g->channel != q->channel)
        return false;
    return !q->level || g->level == q->level;
}

static int64_t effective_as_of(const mquery *q)
{
    int64_t a = day_end(q->to), now = now_us();
    if (q->as_of != NONE && q->as_of < a)
        a = q->as_of;
    return now < a ? now : a;
}

/* The counts of the dossiers passing q (and `extra`, when given) over one period. */
static void model_period(const mquery *q, int64_t from, int64_t as_of,
                         bool (*extra)(const gen_t *, int, int), int dim, int key, mcounts *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < ngens; i++)
        if (passes(q, &gens[i]) && (!extra || extra(&gens[i], dim, key)))
            model_add(m, &gens[i], day_start(from), as_of, q->cohort);
}

/* Dimension keys as indexes: agency/procedure/field index (field -1 = null),
 * channel 1..3, level 0 (null), 2..4. */
static int dim_key(const gen_t *g, int dim)
{
    switch (dim) {
    case G_AGENCY: return g->agency;
    case G_PROCEDURE: return g->proc;
    case G_FIELD: return g->field;
    case G_CHANNEL: return g->channel;
    default: return g->level;
    }
}

static bool key_is(const gen_t *g, int dim, int key) { return dim_key(g, dim) == key; }

/* The text key of a dimension key index (NULL = null key). */
static const char *dim_key_text(int dim, int key, char *buf)
{
    switch (dim) {
    case G_AGENCY: return AGENCIES[key][0];
    case G_PROCEDURE: return PROCS[key][0];
    case G_FIELD: return key < 0 ? NULL : FIELDS[key];
    case G_CHANNEL: return CHANNELS[key];
    default:
        if (key == 0)
            return NULL;
        snprintf(buf, 4, "%d", key);
        return buf;
    }
}

static void dim_key_range(int dim, int *lo, int *hi)
{
    *lo = dim == G_FIELD ? -1 : dim == G_CHANNEL ? 1 : 0;
    *hi = dim == G_AGENCY ? NAGENCIES - 1 : dim == G_PROCEDURE ? NPROCS - 1
        : dim == G_FIELD ? NFIELDS - 1 : dim == G_CHANNEL ? 3 : 4;
}

/* ---- time buckets --------------------------------------------------------------- */

static int64_t mb_start(int kind, int64_t d)
{
    int y, m, dd;
    civil_from_days(d, &y, &m, &dd);
    switch (kind) {
    case G_DAY: return d;
    case G_WEEK: return d - (iso_wday(d) - 1);
    case G_MONTH: return D(y, m, 1);
    case G_QUARTER: return D(y, (m - 1) / 3 * 3 + 1, 1);
    default: return D(y, 1, 1);
    }
}

static int64_t mb_next(int kind, int64_t s)
{
    int y, m, dd;
    civil_from_days(s, &y, &m, &dd);
    switch (kind) {
    case G_DAY: return s + 1;
    case G_WEEK: return s + 7;
    case G_MONTH: return m == 12 ? D(y + 1, 1, 1) : D(y, m + 1, 1);
    case G_QUARTER: return m >= 10 ? D(y + 1, 1, 1) : D(y, m + 3, 1);
    default: return D(y + 1, 1, 1);
    }
}

static void mb_name(int kind, int64_t s, char *buf, size_t cap)
{
    int y, m, d;
    civil_from_days(s, &y, &m, &d);
    if (kind == G_DAY) {
        fmt_day(s, buf, cap);
    } else if (kind == G_WEEK) {
        int64_t thu = s + 3;
        int ty, tm, td;
        civil_from_days(thu, &ty, &tm, &td);
        snprintf(buf, cap, "%04d-W%02d", ty, (int)((thu - D(ty, 1, 1)) / 7 + 1));
    } else if (kind == G_MONTH) {
        snprintf(buf, cap, "%04d-%02d", y, m);
    } else if (kind == G_QUARTER) {
        snprintf(buf, cap, "%04d-Q%d", y, (m - 1) / 3 + 1);
    } else {
        snprintf(buf, cap, "%04d", y);
    }
}

/* ---- comparing one answer with the model ------------------------------------------- */

static const struct {
    const char *name;
    int op;           /* 0 none, 1 >=, 2 <= */
    int64_t micro;
} DEFAULT_TARGETS[] = {
    { "on_time_rate", 1, 980000 }, { "early_rate", 1, 500000 }, { "late_rate", 2, 20000 },
    { "on_time_rate_incl_pending", 1, 980000 }, { "online_payment_rate", 1, 450000 },
    { "online_uptake_rate", 1, 500000 }, { "online_share", 0, 0 }, { "apology_rate", 1, 1000000 },
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

static int64_t ceil_div(int64_t a, int64_t b) { return a <= 0 ? 0 : (a + b - 1) / b; }

/* Status and gap of num/den against target p/1e6 (op 1 >=, 2 <=), tolerance 0.05. */
static const char *model_rate_status(int op, int64_t p, int64_t num, int64_t den, int64_t *gap)
{
    const int64_t q = 1000000, tol = 50000;
    *gap = -1;
    if (op == 0 || den == 0)
        return "none";
    if (op == 1) {
        bool met = num * q >= p * den;
        if (met || p != q)
            *gap = ceil_div(p * den - q * num, q - p);
        return met ? "met" : num * q >= (p - tol) * den ? "near" : "missed";
    }
    *gap = ceil_div(q * num - p * den, q);
    return num * q <= p * den ? "met" : num * q <= (p + tol) * den ? "near" : "missed";
}

static void check_rate(json_t *o, int r, const mcounts *m, int op, int64_t micro, const char *ctx)
{
    int64_t num, den, gap;
    rate_terms(m, r, &num, &den);
    const char *name = DEFAULT_TARGETS[r].name;
    ck_assert_msg(json_is_object(o), "%s: rate %s missing", ctx, name);
    ck_assert_msg(tl_jint(o, "numerator") == num && tl_jint(o, "denominator") == den,
                  "%s: %s = %lld/%lld, want %lld/%lld", ctx, name,
                  (long long)tl_jint(o, "numerator"), (long long)tl_jint(o, "denominator"),
                  (long long)num, (long long)den);
    json_t *v = json_object_get(o, "value");
    ck_assert_msg(den ? json_is_real(v) && json_real_value(v) == (double)num / (double)den
                      : json_is_null(v), "%s: %s value", ctx, name);
    json_t *t = json_object_get(o, "target");
    ck_assert_msg(op ? json_is_number(t) && fabs(json_number_value(t) - (double)micro / 1e6) < 1e-12
                     : json_is_null(t), "%s: %s target", ctx, name);
    tl_assert_str(tl_jstr(o, "op"), op == 0 ? NULL : op == 1 ? ">=" : "<=", "%s: %s op", ctx, name);
    tl_assert_str(tl_jstr(o, "status"), model_rate_status(op, micro, num, den, &gap), "%s: %s status",
                  ctx, name);
    if (gap < 0)
        ck_assert_msg(tl_jnull(o, "gap"), "%s: %s gap should be null", ctx, name);
    else
        ck_assert_msg(tl_jint(o, "gap") == gap, "%s: %s gap %lld, want %lld", ctx, name,
                      (long long)tl_jint(o, "gap"), (long long)gap);
}

static void check_counts(json_t *body, const mcounts *m, const char *ctx)
{
    json_t *c = json_object_get(body, "counts");
    ck_assert_msg(json_is_object(c), "%s: no counts", ctx);
    for (int i = 0; i < NCOUNTS; i++)
        ck_assert_msg(tl_jint(c, COUNT_NAMES[i]) == m->c[i], "%s: %s = %lld, want %lld", ctx,
                      COUNT_NAMES[i], (long long)tl_jint(c, COUNT_NAMES[i]), (long long)m->c[i]);
    json_int_t co = tl_jint(c, "carried_over"), rec = tl_jint(c, "received");
    json_int_t fin = tl_jint(c, "finished"), pend = tl_jint(c, "pending");
    ck_assert_msg(co + rec == fin + pend, "%s: carried_over + received != finished + pending", ctx);
    ck_assert_msg(fin == tl_jint(c, "early") + tl_jint(c, "on_time") + tl_jint(c, "late") &&
                      fin == tl_jint(c, "withdrawn") + tl_jint(c, "stopped") + tl_jint(c, "resolved"),
                  "%s: finished splits", ctx);
    ck_assert_msg(pend == tl_jint(c, "in_time") + tl_jint(c, "overdue"), "%s: pending split", ctx);
    ck_assert_msg(tl_jint(body, "durations.finished") == fin, "%s: durations.finished", ctx);
}

/* Targets in force for a check: the defaults unless a test sets its own. */
typedef struct { int op; int64_t micro; } tgt;

static void check_body(json_t *body, const mcounts *m, const tgt *targets, const char *ctx)
{
    check_counts(body, m, ctx);
    json_t *rates = json_object_get(body, "rates");
    for (int r = 0; r < NRATES; r++) {
        int op = targets ? targets[r].op : DEFAULT_TARGETS[r].op;
        int64_t micro = targets ? targets[r].micro : DEFAULT_TARGETS[r].micro;
        check_rate(json_object_get(rates, DEFAULT_TARGETS[r].name), r, m, op, micro, ctx);
    }
}

/* The group of `groups` with this key (NULL: the null key), or NULL. */
static json_t *find_group(json_t *groups, const char *key)
{
    json_t *g;
    size_t i;
    json_array_foreach(groups, i, g) {
        json_t *k = json_object_get(g, "key");
        if (key ? json_is_string(k) && !strcmp(json_string_value(k), key) : json_is_null(k))
            return g;
    }
    return NULL;
}

static const char *dim_label(int dim, int key)
{
    return dim == G_AGENCY ? AGENCIES[key][1] : dim == G_PROCEDURE ? PROCS[key][1] : NULL;
}

static void check_dim_groups(json_t *resp, const mquery *q, int64_t as_of)
{
    json_t *groups = json_object_get(resp, "groups");
    ck_assert_msg(json_is_array(groups), "%s: no groups", q->url);
    int lo, hi;
    size_t expected = 0;
    dim_key_range(q->group, &lo, &hi);
    for (int key = lo; key <= hi; key++) {
        mcounts m;
        char buf[4], ctx[640];
        model_period(q, q->from, as_of, key_is, q->group, key, &m);
        const char *text = dim_key_text(q->group, key, buf);
        json_t *g = find_group(groups, text);
        if (m.c[C_CARRIED] + m.c[C_RECEIVED] == 0) {
            ck_assert_msg(g == NULL, "%s: group %s has no count but is listed", q->url,
                          text ? text : "null");
            continue;
        }
        expected++;
        snprintf(ctx, sizeof ctx, "%s group %s", q->url, text ? text : "null");
        ck_assert_msg(g != NULL, "%s: missing", ctx);
        check_body(g, &m, NULL, ctx);
        if (dim_label(q->group, key))
            tl_assert_str(tl_jstr(g, "label"), dim_label(q->group, key), "%s: label", ctx);
    }
    ck_assert_msg(json_array_size(groups) == expected, "%s: %zu groups, want %zu", q->url,
                  json_array_size(groups), expected);
}

static void check_bucket(json_t *g, const mquery *q, int64_t s, int64_t as_of)
{
    int64_t next = mb_next(q->group, s);
    int64_t bfrom = s < q->from ? q->from : s, bto = next - 1 > q->to ? q->to : next - 1;
    int64_t bas_of = day_end(bto) < as_of ? day_end(bto) : as_of;
    char name[32], day[16], ctx[640];
    mb_name(q->group, s, name, sizeof name);
    snprintf(ctx, sizeof ctx, "%s bucket %s", q->url, name);
    tl_assert_str(tl_jstr(g, "key"), name, "%s: key", ctx);
    fmt_day(bfrom, day, sizeof day);
    tl_assert_str(tl_jstr(g, "from"), day, "%s: from", ctx);
    fmt_day(bto, day, sizeof day);
    tl_assert_str(tl_jstr(g, "to"), day, "%s: to", ctx);
    mcounts m;
    if (day_start(bfrom) > as_of) /* starts after as_of: nothing has happened yet */
        memset(&m, 0, sizeof m);
    else
        model_period(q, bfrom, bas_of, NULL, 0, 0, &m);
    check_body(g, &m, NULL, ctx);
}

static void check_buckets(json_t *resp, const mquery *q, int64_t as_of)
{
    json_t *groups = json_object_get(resp, "groups");
    ck_assert_msg(json_is_array(groups), "%s: no groups", q->url);
    size_t i = 0;
    for (int64_t s = mb_start(q->group, q->from); s <= q->to; s = mb_next(q->group, s), i++) {
        ck_assert_msg(i < json_array_size(groups), "%s: only %zu buckets", q->url,
                      json_array_size(groups));
        check_bucket(json_array_get(groups, i), q, s, as_of);
    }
    ck_assert_msg(json_array_size(groups) == i, "%s: %zu buckets, want %zu", q->url,
                  json_array_size(groups), i);
}

/* Runs q and compares the whole answer with the model. */
static void run_query(const mquery *q)
{
    json_t *resp = tl_get_canonical(q->url);
    int64_t as_of = effective_as_of(q);
    mcounts m;
    char buf[48];
    model_period(q, q->from, as_of, NULL, 0, 0, &m);
    check_body(resp, &m, NULL, q->url);
    fmt_day(q->from, buf, sizeof buf);
    tl_assert_str(tl_jstr(resp, "period.from"), buf, "%s: period.from", q->url);
    fmt_day(q->to, buf, sizeof buf);
    tl_assert_str(tl_jstr(resp, "period.to"), buf, "%s: period.to", q->url);
    fmt_ts(as_of, buf, sizeof buf);
    tl_assert_str(tl_jstr(resp, "period.as_of"), buf, "%s: period.as_of", q->url);
    tl_assert_str(tl_jstr(resp, "period.basis"), q->cohort ? "cohort" : "flow", "%s: basis", q->url);
    if (q->group == G_NONE)
        ck_assert_msg(json_object_get(resp, "groups") == NULL, "%s: groups without group_by", q->url);
    else if (q->group < G_DAY)
        check_dim_groups(resp, q, as_of);
    else
        check_buckets(resp, q, as_of);
    json_decref(resp);
}

/* ---- random queries ---------------------------------------------------------------- */

/* A random period name and its range. */
static void random_period_name(mquery *q)
{
    int64_t k = rn(6);
    int y = rn(4) ? 2024 : 2023;
    if (k == 0) {
        snprintf(q->period, sizeof q->period, "%d", y);
        q->from = D(y, 1, 1), q->to = D(y, 12, 31);
    } else if (k == 1) {
        int h = 1 + (int)rn(2);
        snprintf(q->period, sizeof q->period, "%d-H%d", y, h);
        q->from = D(y, h == 1 ? 1 : 7, 1), q->to = h == 1 ? D(y, 6, 30) : D(y, 12, 31);
    } else if (k == 2) {
        int qq = 1 + (int)rn(4);
        snprintf(q->period, sizeof q->period, "%d-Q%d", y, qq);
        q->from = D(y, qq * 3 - 2, 1), q->to = mb_next(G_QUARTER, q->from) - 1;
    } else if (k == 3) {
        int mo = 1 + (int)rn(12);
        snprintf(q->period, sizeof q->period, "%d-%02d", y, mo);
        q->from = D(y, mo, 1), q->to = mb_next(G_MONTH, q->from) - 1;
    } else if (k == 4) {
        int w = 1 + (int)rn(52);
        int64_t jan4 = D(y, 1, 4);
        snprintf(q->period, sizeof q->period, "%d-W%02d", y, w);
        q->from = jan4 - (iso_wday(jan4) - 1) + (w - 1) * 7, q->to = q->from + 6;
    } else {
        q->from = q->to = D(2023, 10, 1) + rn(340);
        fmt_day(q->from, q->period, sizeof q->period);
    }
}

static void random_filters(mquery *q)
{
    q->proc = q->field = -1;
    int64_t a = rn(20);
    if (a < 5)
        snprintf(q->agency, sizeof q->agency, "%s", AGENCIES[rn(NAGENCIES)][0]);
    else if (a < 8)
        snprintf(q->agency, sizeof q->agency, "%s", PREFIXES[rn(NPREFIXES)]);
    if (rn(7) == 0)
        q->proc = (int)rn(NPROCS);
    if (rn(7) == 0)
        q->field = (int)rn(NFIELDS);
    if (rn(5) == 0)
        q->channel = 1 + (int)rn(3);
    if (rn(7) == 0)
        q->level = 2 + (int)rn(3);
}

/* Appends the as_of parameter in one of the accepted forms. */
static void url_as_of(tl_buf *b, int64_t t)
{
    char ts[48];
    fmt_ts(t, ts, sizeof ts);
    int64_t style = rn(3);
    if (style == 0) {                 /* local, no offset */
        ts[19] = '\0';
        tl_buf_printf(b, "&as_of=%s", ts);
    } else if (style == 1) {          /* +07:00 encoded */
        ts[19] = '\0';
        tl_buf_printf(b, "&as_of=%s%%2B07:00", ts);
    } else {                          /* UTC */
        int64_t u = t;
        char day[16];
        fmt_day(floor_div(u, US_DAY), day, sizeof day);
        int64_t s = (u - floor_div(u, US_DAY) * US_DAY) / US_SEC;
        tl_buf_printf(b, "&as_of=%sT%02d:%02d:%02dZ", day, (int)(s / 3600), (int)(s / 60 % 60),
                      (int)(s % 60));
    }
}

static void build_url(mquery *q)
{
    tl_buf b = { 0 };
    char d1[16], d2[16];
    tl_buf_puts(&b, "/v1/metrics?x=1");
    if (q->period[0]) {
        tl_buf_printf(&b, "&period=%s", q->period);
    } else {
        fmt_day(q->from, d1, sizeof d1);
        fmt_day(q->to, d2, sizeof d2);
        tl_buf_printf(&b, "&from=%s&to=%s", d1, d2);
    }
    if (q->as_of != NONE)
        url_as_of(&b, q->as_of);
    if (q->agency[0])
        tl_buf_printf(&b, "&agency=%s", q->agency);
    if (q->proc >= 0)
        tl_buf_printf(&b, "&procedure=%s", PROCS[q->proc][0]);
    if (q->field >= 0)
        tl_buf_printf(&b, "&field=%s", FIELDS[q->field]);
    if (q->channel && rn(2))
        tl_buf_printf(&b, "&channel=%d", q->channel);
    else if (q->channel)
        tl_buf_printf(&b, "&channel=%s", CHANNELS[q->channel]);
    if (q->level)
        tl_buf_printf(&b, "&service_level=%d", q->level);
    if (q->group)
        tl_buf_printf(&b, "&group_by=%s", GROUP_NAMES[q->group]);
    if (q->cohort)
        tl_buf_puts(&b, "&basis=cohort");
    ck_assert(b.len < sizeof q->url);
    memcpy(q->url, b.p, b.len + 1);
    tl_buf_free(&b);
}

/* A random query; group is the grouping wanted (day buckets only on short ranges). */
static void random_query(mquery *q, int group, bool cohort)
{
    memset(q, 0, sizeof *q);
    q->as_of = NONE;
    if (rn(2)) {
        random_period_name(q);
    } else {
        q->from = D(2023, 9, 20) + rn(350);
        q->to = q->from + rn(group == G_DAY ? 40 : 240);
    }
    if (group == G_DAY && q->to - q->from > 60) {
        q->to = q->from + rn(60);
        q->period[0] = '\0';
    }
    if (rn(5) < 2) /* as_of inside the period or a little after it, never before its start */
        q->as_of = day_start(q->from) + rn((q->to - q->from + 10) * 86400) * US_SEC;
    random_filters(q);
    q->group = group;
    q->cohort = cohort;
    build_url(q);
}

static void run_random_queries(int n, const int *groups, size_t ngroups_, bool cohort)
{
    for (int i = 0; i < n; i++) {
        mquery q;
        random_query(&q, groups[(size_t)i % ngroups_], cohort);
        run_query(&q);
    }
}

/* ---- metrics against the model ------------------------------------------------------ */

START_TEST(test_metrics_flow_dimensions)
{
    static const int groups[] = { G_NONE, G_AGENCY, G_CHANNEL, G_LEVEL, G_PROCEDURE, G_FIELD };
    load_dataset(20240314, 2500);
    run_random_queries(90, groups, sizeof groups / sizeof groups[0], false);
}
END_TEST

START_TEST(test_metrics_flow_buckets)
{
    static const int groups[] = { G_MONTH, G_WEEK, G_DAY, G_QUARTER, G_YEAR };
    load_dataset(766, 2500);
    run_random_queries(50, groups, sizeof groups / sizeof groups[0], false);
}
END_TEST

START_TEST(test_metrics_cohort)
{
    static const int groups[] = { G_NONE, G_AGENCY, G_MONTH, G_CHANNEL, G_WEEK, G_LEVEL };
    load_dataset(61, 2500);
    run_random_queries(60, groups, sizeof groups / sizeof groups[0], true);
}
END_TEST

/* Without a period: the current month to date, as_of now. */
START_TEST(test_metrics_default_period)
{
    load_dataset(9, 800);
    mquery q;
    memset(&q, 0, sizeof q);
    q.proc = q.field = -1;
    q.as_of = NONE;
    int64_t today = lday(now_us());
    q.to = today;
    q.from = mb_start(G_MONTH, today);
    snprintf(q.url, sizeof q.url, "/v1/metrics");
    json_t *resp = tl_get(q.url, 200);
    mcounts m;
    model_period(&q, q.from, now_us(), NULL, 0, 0, &m);
    check_body(resp, &m, NULL, q.url);
    ck_assert_msg(m.c[C_CARRIED] > 0, "the data set has open dossiers carried into this month");
    char buf[16];
    fmt_day(q.from, buf, sizeof buf);
    tl_assert_str(tl_jstr(resp, "period.from"), buf, "default period.from");
    json_decref(resp);
    resp = tl_get("/v1/metrics?period=2023-03&unknown_parameter=1&period=2024-03", 200);
    tl_assert_str(tl_jstr(resp, "period.from"), "2024-03-01", "a repeated parameter: the last wins");
    json_decref(resp);
}
END_TEST

/* ---- instants at the edges of periods ------------------------------------------------- */

#define BREC(code, status, received, extra)                                                \
    "{\"code\":\"" code "\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":"         \
    "\"1.004227\",\"channel\":\"online\",\"status\":\"" status "\",\"received_at\":\""     \
    received "\"" extra "}"

static const char BDATA[] =
    "[" BREC("B1", "processing", "2024-03-11T08:00:00+07:00", "") ","
    BREC("B2", "resolved", "2024-02-20T08:00:00+07:00",
         ",\"due_at\":\"2024-03-05\",\"finished_at\":\"2024-03-01T00:00:00+07:00\"") ","
    BREC("B3", "resolved", "2024-02-20T08:00:00+07:00",
         ",\"due_at\":\"2024-03-05\",\"finished_at\":\"2024-02-29T23:59:59.999999+07:00\"") ","
    BREC("B4", "processing", "2024-03-31T23:59:59.999999+07:00", "") ","
    BREC("B5", "processing", "2024-04-01T00:00:00+07:00", "") ","
    BREC("B6", "processing", "2024-02-29T20:00:00Z", "") ","
    BREC("B7", "resolved", "2024-03-11T08:00:00+07:00",
         ",\"due_at\":\"2024-03-14\",\"finished_at\":\"2024-03-14T23:00:00Z\"") "]";

static const struct {
    const char *query;
    int carried, received, finished, early, on_time, late, pending;
} BCASES[] = {
    { "period=2024-03", 1, 4, 2, 1, 0, 1, 3 },
    { "period=2024-03&as_of=2024-03-11T08:00:00%2B07:00", 1, 3, 1, 1, 0, 0, 3 },
    { "period=2024-03&as_of=2024-03-11T07:59:59.999999%2B07:00", 1, 1, 1, 1, 0, 0, 1 },
    { "period=2024-02", 0, 2, 1, 1, 0, 0, 1 },
    { "period=2024-04", 3, 1, 0, 0, 0, 0, 4 },
    { "from=2024-03-15&to=2024-03-15", 3, 0, 1, 0, 0, 1, 2 },
    { "period=2024-03&basis=cohort", 0, 4, 1, 0, 0, 1, 3 },
};

START_TEST(test_metrics_instant_boundaries)
{
    ingest_json(BDATA);
    for (size_t i = 0; i < sizeof BCASES / sizeof BCASES[0]; i++) {
        json_t *r = get_fmt(200, "/v1/metrics?%s", BCASES[i].query);
        const struct { const char *k; int v; } want[] = {
            { "carried_over", BCASES[i].carried }, { "received", BCASES[i].received },
            { "finished", BCASES[i].finished }, { "early", BCASES[i].early },
            { "on_time", BCASES[i].on_time }, { "late", BCASES[i].late },
            { "pending", BCASES[i].pending },
        };
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
            ck_assert_msg(tl_jint(r, tl_msg_("counts.%s", want[k].k)) == want[k].v,
                          "%s: %s = %lld, want %d", BCASES[i].query, want[k].k,
                          (long long)tl_jint(r, tl_msg_("counts.%s", want[k].k)), want[k].v);
        json_decref(r);
    }
}
END_TEST

/* ---- CSV ------------------------------------------------------------------------- */


/* Reads one RFC 4180 row at *p into malloc'd cells; returns the count, 0 at the end. */


/* The header the spec lists: key, label, every count, six columns per rate. */
static void expected_header(char **cols, size_t *n)
{
    static const char *const suffixes[] = { "", "_numerator", "_denominator", "_target",
                                            "_status", "_gap" };
    *n = 0;
    cols[(*n)++] = strdup("key");
    cols[(*n)++] = strdup("label");
    for (int i = 0; i < NCOUNTS; i++)
        cols[(*n)++] = strdup(COUNT_NAMES[i]);
    for (int r = 0; r < NRATES; r++)
        for (int s = 0; s < 6; s++) {
            char buf[64];
            snprintf(buf, sizeof buf, "%s%s", DEFAULT_TARGETS[r].name, suffixes[s]);
            cols[(*n)++] = strdup(buf);
        }
}

static int col_index(char **hdr, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(hdr[i], name))
            return (int)i;
    ck_abort_msg("CSV header lacks %s", name);
    return -1;
}

/* One CSV cell against a JSON value: integer, number, string or null (empty cell). */
static void check_cell(const char *cell, json_t *v, const char *ctx, const char *col)
{
    if (json_is_null(v) || !v)
        ck_assert_msg(cell[0] == '\0', "%s: %s is '%s', want empty", ctx, col, cell);
    else if (json_is_integer(v))
        ck_assert_msg(strtoll(cell, NULL, 10) == json_integer_value(v) && cell[0],
                      "%s: %s is '%s', want %lld", ctx, col, cell, (long long)json_integer_value(v));
    else if (json_is_real(v))
        ck_assert_msg(cell[0] && strtod(cell, NULL) == json_real_value(v), "%s: %s is '%s', want %.17g",
                      ctx, col, cell, json_real_value(v));
    else
        ck_assert_msg(!strcmp(cell, json_string_value(v)), "%s: %s is '%s', want '%s'", ctx, col,
                      cell, json_string_value(v));
}

static void check_csv_row(char **hdr, size_t nh, char **row, size_t nr, json_t *g, const char *ctx)
{
    static const char *const parts[] = { "value", "numerator", "denominator", "target", "status", "gap" };
    static const char *const suffixes[] = { "", "_numerator", "_denominator", "_target",
                                            "_status", "_gap" };
    ck_assert_msg(nr == nh, "%s: %zu cells, header has %zu", ctx, nr, nh);
    check_cell(row[col_index(hdr, nh, "key")], json_object_get(g, "key"), ctx, "key");
    check_cell(row[col_index(hdr, nh, "label")], json_object_get(g, "label"), ctx, "label");
    for (int i = 0; i < NCOUNTS; i++)
        check_cell(row[col_index(hdr, nh, COUNT_NAMES[i])],
                   tl_jpath(g, tl_msg_("counts.%s", COUNT_NAMES[i])), ctx, COUNT_NAMES[i]);
    for (int r = 0; r < NRATES; r++)
        for (int s = 0; s < 6; s++) {
            char col[64];
            snprintf(col, sizeof col, "%s%s", DEFAULT_TARGETS[r].name, suffixes[s]);
            check_cell(row[col_index(hdr, nh, col)],
                       tl_jpath(g, tl_msg_("rates.%s.%s", DEFAULT_TARGETS[r].name, parts[s])),
                       ctx, col);
        }
}

/* Compares a CSV answer with the JSON answer of the same query. */
static void check_csv_vs_json(const tl_resp *r, json_t *js, bool exact_header, const char *ctx)
{
    char *hdr[CSV_MAX_CELLS], *row[CSV_MAX_CELLS], *want[CSV_MAX_CELLS];
    ck_assert_msg(r->len >= 3 && !memcmp(r->body, "\xEF\xBB\xBF", 3), "%s: no UTF-8 BOM", ctx);
    const char *p = r->body + 3, *end = r->body + r->len;
    size_t nh = csv_read_row(&p, end, hdr), nw;
    if (exact_header) {
        expected_header(want, &nw);
        ck_assert_msg(nh == nw, "%s: header has %zu columns, want %zu", ctx, nh, nw);
        for (size_t i = 0; i < nw; i++)
            ck_assert_msg(!strcmp(hdr[i], want[i]), "%s: column %zu is %s, want %s", ctx, i,
                          hdr[i], want[i]);
        csv_free_row(want, nw);
    }
    json_t *groups = json_object_get(js, "groups");
    size_t rows = 0, nr;
    while ((nr = csv_read_row(&p, end, row)) > 0) {
        json_t *g = groups ? json_array_get(groups, rows) : js;
        ck_assert_msg(g != NULL, "%s: more CSV rows than groups", ctx);
        if (!groups) {
            json_object_set_new(g, "key", json_null());
            json_object_set_new(g, "label", json_null());
        }
        check_csv_row(hdr, nh, row, nr, g, tl_msg_("%s row %zu", ctx, rows));
        csv_free_row(row, nr);
        rows++;
    }
    ck_assert_msg(rows == (groups ? json_array_size(groups) : 1), "%s: %zu rows", ctx, rows);
    csv_free_row(hdr, nh);
}

static void csv_case(const char *query, bool exact_header)
{
    char path[256];
    json_t *js = tl_get(tl_msg_("/v1/metrics?%s", query), 200);
    tl_resp a, b;
    snprintf(path, sizeof path, "/v1/metrics?%s&format=csv", query);
    ck_assert_int_eq(tl_http("GET", path, NULL, NULL, 0, &a), 200);
    char ct[64];
    ck_assert_msg(tl_header(&a, "Content-Type", ct, sizeof ct) && !strncmp(ct, "text/csv", 8),
                  "%s: Content-Type %s", path, ct);
    check_csv_vs_json(&a, js, exact_header, path);
    snprintf(path, sizeof path, "/v1/metrics?%s", query);
    ck_assert_int_eq(tl_http("GET", path, "Accept: text/csv\r\n", NULL, 0, &b), 200);
    ck_assert_msg(b.len == a.len && !memcmp(a.body, b.body, a.len),
                  "%s: Accept: text/csv differs from format=csv", path);
    tl_resp_free(&a);
    tl_resp_free(&b);
    json_decref(js);
}

START_TEST(test_metrics_csv)
{
    load_dataset(4242, 600);
    csv_case("period=2024&group_by=agency", true);
    csv_case("period=2024-Q1&group_by=procedure&basis=cohort", true);
    csv_case("from=2024-01-01&to=2024-02-15&group_by=service_level", true);
    csv_case("period=2024-H1&agency=000.00.*", true);
    csv_case("period=2024-Q1&group_by=month", false);
}
END_TEST

/* ---- targets (spec §6) ------------------------------------------------------------- */

static void expect_targets(const char *want_json)
{
    json_t *got = tl_get("/v1/targets", 200), *want = json_loads(want_json, 0, NULL);
    ck_assert(want != NULL);
    ck_assert_msg(json_is_array(got) && json_array_size(got) == json_array_size(want),
                  "GET /v1/targets: %s, want %s", json_dumps(got, JSON_COMPACT), want_json);
    size_t i, j;
    json_t *w, *g;
    json_array_foreach(want, i, w) {
        bool found = false;
        json_array_foreach(got, j, g) {
            json_t *t = json_object_get(g, "target");
            found = found || (json_equal(json_object_get(g, "metric"), json_object_get(w, "metric")) &&
                              json_equal(json_object_get(g, "op"), json_object_get(w, "op")) &&
                              json_equal(json_object_get(g, "agency"), json_object_get(w, "agency")) &&
                              json_equal(json_object_get(g, "year"), json_object_get(w, "year")) &&
                              json_is_number(t) &&
                              fabs(json_number_value(t) - json_number_value(json_object_get(w, "target"))) < 1e-12);
        }
        ck_assert_msg(found, "GET /v1/targets lacks %s", json_dumps(w, JSON_COMPACT));
    }
    json_decref(got);
    json_decref(want);
}

START_TEST(test_targets_bad_bodies)
{
    static const char *const bad[] = {
        "{}", "[", "", "[1]", "[null]",
        "[{\"op\":\">=\",\"target\":0.9}]",
        "[{\"metric\":\"on_time_rate\",\"target\":0.9}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\"}]",
        "[{\"metric\":\"nope\",\"op\":\">=\",\"target\":0.5}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">\",\"target\":0.5}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":1.5}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":-0.1}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":\"0.9\"}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.1234567}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.9,\"agency\":\"*000\"}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.9,\"agency\":\"\"}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.9,\"agency\":5}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.9,\"year\":\"2024\"}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.9,\"year\":2024.5}]",
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.9},{\"metric\":\"late_rate\"}]",
    };
    static const char good[] = "[{\"metric\":\"late_rate\",\"op\":\"<=\",\"target\":0.03,"
                               "\"agency\":null,\"year\":null}]";
    put_targets(good, 200);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        put_targets(bad[i], 400);
    expect_targets(good);
}
END_TEST

START_TEST(test_targets_replace)
{
    expect_targets("[]");
    static const char a[] =
        "[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.95,\"agency\":\"000.00.*\",\"year\":null},"
        "{\"metric\":\"online_payment_rate\",\"op\":\">=\",\"target\":0.45,\"agency\":null,\"year\":2024},"
        "{\"metric\":\"late_rate\",\"op\":\"<=\",\"target\":0.015,\"agency\":\"000.00.01.H62\",\"year\":2025}]";
    put_targets(a, 200);
    expect_targets(a);
    static const char b[] = "[{\"metric\":\"apology_rate\",\"op\":\">=\",\"target\":1,\"agency\":null,\"year\":null}]";
    put_targets(b, 200);
    expect_targets(b);
    put_targets("[]", 200);
    expect_targets("[]");
}
END_TEST

/* The defaults, with three rates replaced (index, op, micro). */
static void targets_with(tgt *t, int on_time, int early, int late)
{
    for (int r = 0; r < NRATES; r++)
        t[r] = (tgt){ DEFAULT_TARGETS[r].op, DEFAULT_TARGETS[r].micro };
    t[0].micro = on_time;
    t[1].micro = early;
    t[2].micro = late;
}

/* Checks the top level of a query over the generated data with targets t. */
static void check_query_targets(const char *params, const char *agency, int year, const tgt *t)
{
    mquery q;
    memset(&q, 0, sizeof q);
    q.proc = q.field = -1;
    q.as_of = NONE;
    snprintf(q.agency, sizeof q.agency, "%s", agency);
    q.from = D(year, 3, 1);
    q.to = D(year, 3, 31);
    snprintf(q.url, sizeof q.url, "/v1/metrics?period=%d-03%s", year, params);
    json_t *resp = tl_get(q.url, 200);
    mcounts m;
    model_period(&q, q.from, effective_as_of(&q), NULL, 0, 0, &m);
    check_body(resp, &m, t, q.url);
    json_decref(resp);
}

START_TEST(test_targets_in_metrics)
{
    load_dataset(98, 1200);
    json_t *r = get_fmt(200, "/v1/metrics?period=2024-03");
    json_decref(r);
    put_targets("[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.9,\"agency\":\"000.00.*\"},"
                "{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.95,\"agency\":\"000.00.01.H62\"},"
                "{\"metric\":\"late_rate\",\"op\":\"<=\",\"target\":0.05,\"year\":2024},"
                "{\"metric\":\"early_rate\",\"op\":\">=\",\"target\":0.6,\"agency\":\"000.00.*\",\"year\":2024},"
                "{\"metric\":\"early_rate\",\"op\":\">=\",\"target\":0.55,\"agency\":\"000.00.*\"}]", 200);
    tgt t[NRATES];
    targets_with(t, 900000, 600000, 50000);
    check_query_targets("&agency=000.00.02.H62", "000.00.02.H62", 2024, t);
    check_query_targets("&agency=000.00.*", "000.00.*", 2024, t);
    targets_with(t, 950000, 600000, 50000);
    check_query_targets("&agency=000.00.01.H62", "000.00.01.H62", 2024, t);
    targets_with(t, 900000, 550000, 20000);
    check_query_targets("&agency=000.00.02.H62", "000.00.02.H62", 2023, t);
    targets_with(t, 980000, 500000, 50000);
    check_query_targets("", "", 2024, t);
    check_query_targets("&agency=H62.10", "H62.10", 2024, t);
}
END_TEST

START_TEST(test_targets_per_agency_group)
{
    load_dataset(99, 1200);
    put_targets("[{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.9,\"agency\":\"000.00.*\"},"
                "{\"metric\":\"on_time_rate\",\"op\":\">=\",\"target\":0.95,\"agency\":\"000.00.01.H62\"},"
                "{\"metric\":\"late_rate\",\"op\":\"<=\",\"target\":0.05,\"year\":2024}]", 200);
    json_t *resp = tl_get("/v1/metrics?period=2024-Q1&group_by=agency", 200);
    mquery q;
    memset(&q, 0, sizeof q);
    q.proc = q.field = -1;
    q.as_of = NONE;
    q.from = D(2024, 1, 1);
    q.to = D(2024, 3, 31);
    for (int a = 0; a < NAGENCIES; a++) {
        tgt t[NRATES];
        targets_with(t, a == 0 ? 950000 : a < 3 ? 900000 : 980000, 500000, 50000);
        json_t *g = find_group(json_object_get(resp, "groups"), AGENCIES[a][0]);
        ck_assert_msg(g != NULL, "group %s missing", AGENCIES[a][0]);
        mcounts m;
        model_period(&q, q.from, effective_as_of(&q), key_is, G_AGENCY, a, &m);
        check_body(g, &m, t, AGENCIES[a][0]);
    }
    json_decref(resp);
}
END_TEST

START_TEST(test_default_targets_without_any)
{
    load_dataset(100, 500);
    json_t *t = tl_get("/v1/targets", 200);
    ck_assert_msg(json_is_array(t) && json_array_size(t) == 0, "a fresh database has no targets");
    json_decref(t);
    check_query_targets("", "", 2024, NULL);
    check_query_targets("&agency=000.00.01.H62", "000.00.01.H62", 2024, NULL);
}
END_TEST

/* ---- metrics parameters ------------------------------------------------------------- */

START_TEST(test_metrics_bad_parameters)
{
    static const char *const bad[][2] = {
        { "from=2024-01-01", "to" },
        { "to=2024-01-31", "from" },
        { "period=2024-03&from=2024-03-01", "period" },
        { "period=2024-03&to=2024-03-31", "period" },
        { "period=2024-13", "period" },
        { "period=2024-W54", "period" },
        { "period=last-month", "period" },
        { "from=2024-02-30&to=2024-03-31", "from" },
        { "from=2024-03-01&to=March", "to" },
        { "from=2024-03-02&to=2024-03-01", "from" },
        { "period=2024-03&as_of=yesterday", "as_of" },
        { "period=2024-03&basis=stock", "basis" },
        { "period=2024-03&agency=*", "agency" },
        { "period=2024-03&agency=a*b", "agency" },
        { "period=2024-03&agency=", "agency" },
        { "period=2024-03&procedure=1.00*", "procedure" },
        { "period=2024-03&channel=fax", "channel" },
        { "period=2024-03&channel=4", "channel" },
        { "period=2024-03&service_level=5", "service_level" },
        { "period=2024-03&service_level=three", "service_level" },
        { "period=2024-03&group_by=color", "group_by" },
        { "period=2024-03&within=-1", "within" },
        { "period=2024-03&format=xml", "format" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = get_fmt(400, "/v1/metrics?%s", bad[i][0]);
        tl_assert_error(j, "invalid_parameter");
        const char *msg = tl_jstr(j, "error.message");
        ck_assert_msg(names_word(msg, bad[i][1]), "%s: message '%s' does not name %s",
                      bad[i][0], msg, bad[i][1]);
        json_decref(j);
    }
}
END_TEST

/* ---- suite ---------------------------------------------------------------------------- */

static void free_gens(void)
{
    free(gens);
    gens = NULL;
    ngens = 0;
}

static void api_teardown(void)
{
    free_gens();
    tl_teardown();
}

static TCase *db_case(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, tl_setup, api_teardown);
    tcase_set_timeout(tc, 60);
    return tc;
}

Suite *make_api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *basics = db_case("basics");
    tcase_add_test(basics, test_health_and_ready);
    tcase_add_test(basics, test_not_found);
    tcase_add_test(basics, test_method_not_allowed);
    tcase_add_test(basics, test_dossier_class_at_as_of);
    tcase_add_test(basics, test_dossier_bad_parameters);
    tcase_add_test(basics, test_metrics_bad_parameters);
    tcase_add_test(basics, test_database_down);
    suite_add_tcase(s, basics);

    TCase *targets = db_case("targets");
    tcase_add_test(targets, test_targets_bad_bodies);
    tcase_add_test(targets, test_targets_replace);
    tcase_add_test(targets, test_targets_in_metrics);
    tcase_add_test(targets, test_targets_per_agency_group);
    tcase_add_test(targets, test_default_targets_without_any);
    suite_add_tcase(s, targets);

    TCase *metrics = db_case("metrics");
    tcase_add_test(metrics, test_metrics_flow_dimensions);
    tcase_add_test(metrics, test_metrics_flow_buckets);
    tcase_add_test(metrics, test_metrics_cohort);
    tcase_add_test(metrics, test_metrics_default_period);
    tcase_add_test(metrics, test_metrics_instant_boundaries);
    tcase_add_test(metrics, test_metrics_csv);
    suite_add_tcase(s, metrics);
    return s;
}
