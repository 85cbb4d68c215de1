/*
 * check_injection.c - SQL injection and hostile text in every input (issue 5,
 * item 6; spec §3.3, §7): the real server in-process on a fresh PostgreSQL
 * database per test.
 *
 * Why: every value a client sends reaches SQL somewhere (filters, codes in
 * arrays for the row locks, COPY data, catalog and calendar writes). The
 * service promises to pass them only as parameters, and to escape them where
 * it builds text (PostgreSQL array literals, COPY text format, prefix
 * matching). This suite sends the classic injection strings, the characters
 * that are special in LIKE, COPY, array literals and URLs, Unicode, and
 * 10 KB strings:
 *  - in every query parameter of every GET endpoint (and as a parameter
 *    name, and as the dossier code in the path): each answer is 200 or a
 *    clean 400/404 JSON error, never a 500, and quick (a pg_sleep(5) that
 *    ran would show); afterwards every table is still there with the same
 *    row count;
 *  - in the ingest fields (codes, agency and procedure codes and names,
 *    field codes, status, channel) as JSON, NDJSON and CSV: valid records are
 *    stored and read back byte for byte, re-sent they are unchanged (the row
 *    locks find them), changed they are updated; every error entry is clean;
 *  - in the PUT bodies (targets' agency, the catalog's codes and names, the
 *    calendar's names): stored and read back exactly, or a clean 400;
 *  - `%`, `_` and `\` in agency filters, target prefixes and key scopes are
 *    literal: the prefix "000.0_*" does not cover "000.01.H62".
 */
#include <check.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testlib.h"

#define JSON_CT "application/json"
#define NDJSON_CT "application/x-ndjson"
#define CSV_CT "text/csv"
#define SLOW_S 4.5      /* a pg_sleep(5) that ran would take longer */

/* ---- the hostile values ------------------------------------------------------------- */

static const char *const SMALL[] = {
    "'; DROP TABLE dossier; --",
    "' OR '1'='1",
    "\\'; SELECT pg_sleep(5); --",
    "'); SELECT pg_sleep(5); --",
    "1; SELECT pg_sleep(5)",
    "\"; DROP TABLE api_key; --",
    "' UNION SELECT id FROM api_key --",
    "$1",
    "$2::text",
    "%",
    "_",
    "%_%",
    "000.0_*",
    "%*",
    "\\\\",
    "\\",
    "\\N",
    "\\.",
    "{\"a\",\"b\"}",
    "{NULL}",
    "NULL",
    "a\tb",
    "a\r\nb",
    "-- x",
    "/* */",
    "O'Brien \"quoted\" \\ ;",
    "Đăng ký thành lập 💥 ☃ \xe2\x80\xa8 end",
    "x\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90"
    "\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90\xc4\x90",
};
#define NSMALL (sizeof SMALL / sizeof SMALL[0])
#define NBIG 4
#define NVALS (NSMALL + NBIG)
#define BIG_LEN 10240

static char *big[NBIG];

/* 10 KB of: 'A'; single quotes; an injection repeated; 'Đ' (2 bytes each). */
static void make_big(void)
{
    static const char *const unit[NBIG] = { "A", "'", "'; DROP TABLE dossier; --", "\xc4\x90" };
    for (int k = 0; k < NBIG; k++) {
        size_t ul = strlen(unit[k]), n = 0;
        big[k] = malloc(BIG_LEN + 1);
        ck_assert(big[k] != NULL);
        while (n + ul <= BIG_LEN) {
            memcpy(big[k] + n, unit[k], ul);
            n += ul;
        }
        big[k][n] = '\0';
    }
}

static void free_big(void)
{
    for (int k = 0; k < NBIG; k++) {
        free(big[k]);
        big[k] = NULL;
    }
}

static const char *val(size_t i) { return i < NSMALL ? SMALL[i] : big[i - NSMALL]; }

/* A short printable form of a value for messages. */
static const char *show(const char *v)
{
    static char buf[4][80];
    static int next;
    char *b = buf[next++ % 4];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)v; *p && n < 40; p++)
        b[n++] = *p >= 0x20 && *p < 0x7f ? (char)*p : '?';
    snprintf(b + n, sizeof buf[0] - n, "%s (%zu bytes)", strlen(v) > 40 ? "..." : "", strlen(v));
    return b;
}

/* UTF-8 code points of s. */
static size_t u8len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A value the service takes as a code (§3: string ≤ 64 characters). */
static bool code_ok(const char *v) { return u8len(v) <= 64; }

/* ---- database snapshot -------------------------------------------------------------- */

/* "table=rows;" for every table of the public schema, by name. */
static char *snapshot(void)
{
    PGconn *c = PQconnectdb(tl_env.conninfo);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                            "ORDER BY tablename COLLATE \"C\"");
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    tl_buf b = { 0 };
    for (int i = 0; i < PQntuples(r); i++) {
        const char *t = PQgetvalue(r, i, 0);
        char *q = PQescapeIdentifier(c, t, strlen(t));
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM public.%s", q);
        PQfreemem(q);
        PGresult *n = PQexec(c, sql);
        ck_assert_msg(PQresultStatus(n) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
        tl_buf_printf(&b, "%s=%s;", t, PQgetvalue(n, 0, 0));
        PQclear(n);
    }
    PQclear(r);
    PQfinish(c);
    if (!b.p)
        tl_buf_puts(&b, "");
    return b.p;
}

/* The row count of table in a snapshot, -1 when the table is absent. */
static long snap_count(const char *snap, const char *table)
{
    size_t n = strlen(table);
    for (const char *p = snap; p && *p;) {
        if (!strncmp(p, table, n) && p[n] == '=')
            return strtol(p + n + 1, NULL, 10);
        p = strchr(p, ';');
        p = p ? p + 1 : NULL;
    }
    return -1;
}

/* The table names of a snapshot ("a;b;"). */
static char *snap_tables(const char *snap)
{
    tl_buf b = { 0 };
    tl_buf_puts(&b, "");
    for (const char *p = snap; *p;) {
        const char *eq = strchr(p, '=');
        tl_buf_put(&b, p, (size_t)(eq - p));
        tl_buf_puts(&b, ";");
        p = strchr(p, ';') + 1;
    }
    return b.p;
}

static void expect_same_tables(const char *before, const char *after, const char *ctx)
{
    char *a = snap_tables(before), *b = snap_tables(after);
    ck_assert_msg(strcmp(a, b) == 0, "%s: tables changed: before %s, after %s", ctx, a, b);
    free(a);
    free(b);
}

/* Tables no request of this suite may change. */
static void expect_untouched(const char *before, const char *after, const char *ctx)
{
    static const char *const fixed[] = { "api_key", "schema_migrations", "reference_version" };
    expect_same_tables(before, after, ctx);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        ck_assert_msg(snap_count(before, fixed[i]) == snap_count(after, fixed[i]),
                      "%s: rows of %s changed (%ld -> %ld)", ctx, fixed[i],
                      snap_count(before, fixed[i]), snap_count(after, fixed[i]));
    ck_assert_msg(snap_count(after, "dossier") >= 0, "%s: the dossier table is gone", ctx);
}

/* ---- requests ---------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * A request whose answer must be 200 or a clean error among `allowed`
 * (400, 404, ...): JSON body {"error":{...}} with the matching code, never a
 * 500, in under SLOW_S seconds. Returns the status; *json gets the parsed
 * body of a JSON 200 (else NULL) when json is not NULL.
 */
static int clean_call(const char *method, const char *path, const char *ctype, const char *body,
                      size_t len, const char *headers, const char *ctx, json_t **json)
{
    char hdr[512] = "";
    if (ctype)
        snprintf(hdr, sizeof hdr, "Content-Type: %s\r\n", ctype);
    if (headers)
        snprintf(hdr + strlen(hdr), sizeof hdr - strlen(hdr), "%s", headers);
    tl_resp r;
    double t0 = now_s();
    int st = tl_http(method, path, hdr, body, len, &r);
    double dt = now_s() - t0;
    if (json)
        *json = NULL;
    ck_assert_msg(dt < SLOW_S, "%s: took %.1f s (did a pg_sleep run?)", ctx, dt);
    ck_assert_msg(st == 200 || st == 400 || st == 404,
                  "%s: status %d, want 200 or a clean 400/404; body: %.300s", ctx, st, r.body);
    char ct[128] = "";
    tl_header(&r, "Content-Type", ct, sizeof ct);
    if (st != 200 || strncmp(ct, "application/json", 16) == 0) {
        ck_assert_msg(strncmp(ct, "application/json", 16) == 0,
                      "%s: status %d with Content-Type '%s'", ctx, st, ct);
        json_error_t e;
        json_t *j = json_loadb(r.body, r.len, 0, &e);
        ck_assert_msg(j != NULL, "%s: status %d, body is not JSON: %.200s", ctx, st, r.body);
        if (st != 200) {
            const char *code = tl_jstr(j, "error.code");
            const char *want = st == 404 ? "not_found" : "invalid_parameter";
            ck_assert_msg(code && (strcmp(code, want) == 0 ||
                                   (st == 400 && strcmp(code, "invalid_body") == 0)),
                          "%s: status %d with error code %s", ctx, st, code ? code : "(null)");
            tl_assert_error(j, code);
        }
        if (json && st == 200)
            *json = j;
        else
            json_decref(j);
    }
    tl_resp_free(&r);
    return st;
}

static json_t *get_json(const char *path, const char *headers, int expect, const char *ctx)
{
    json_t *j;
    int st = clean_call("GET", path, NULL, NULL, 0, headers, ctx, &j);
    ck_assert_msg(st == expect, "%s: GET %.200s: status %d, want %d", ctx, path, st, expect);
    return j;
}

/* Every entry of an ingest answer's errors must have a message (a string,
 * not empty) and a field (a string or null); the problems found are
 * collected in *bad (reported at the end of the test, so that one bad
 * entry does not hide the rest of it). */
static json_t *post_ok(const char *ctype, const char *body, size_t len, const char *ctx,
                       tl_buf *bad)
{
    json_t *j;
    int st = clean_call("POST", "/v1/dossiers", ctype, body, len, NULL, ctx, &j);
    ck_assert_msg(st == 200 && j, "%s: ingest status %d", ctx, st);
    json_int_t sum = tl_jint(j, "inserted") + tl_jint(j, "updated") + tl_jint(j, "unchanged") +
                     tl_jint(j, "stale") + tl_jint(j, "rejected");
    ck_assert_msg(tl_jint(j, "received") == sum, "%s: received != the sum of the outcomes", ctx);
    json_t *errs = json_object_get(j, "errors");
    ck_assert_msg(json_is_array(errs), "%s: errors is not an array", ctx);
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e) {
        json_t *m = json_object_get(e, "message"), *f = json_object_get(e, "field");
        if (!json_is_string(m) || json_string_length(m) == 0 ||
            !(json_is_string(f) || json_is_null(f))) {
            char *dump = json_dumps(e, JSON_COMPACT);
            tl_buf_printf(bad, "%s: errors[%zu] lacks a message or a field: %.200s; ", ctx, i,
                          dump ? dump : "?");
            free(dump);
        }
    }
    return j;
}

static json_t *put_json(const char *path, json_t *body, int expect, const char *ctx)
{
    char *s = json_dumps(body, JSON_COMPACT);
    ck_assert(s != NULL);
    json_t *j;
    int st = clean_call("PUT", path, JSON_CT, s, strlen(s), NULL, ctx, &j);
    free(s);
    ck_assert_msg(st == expect, "%s: PUT %s: status %d, want %d", ctx, path, st, expect);
    return j;
}

/* ---- data --------------------------------------------------------------------------- */

/* A valid open dossier; the caller may override fields. */
static json_t *rec(const char *code, const char *agency, int day)
{
    char recv[40];
    snprintf(recv, sizeof recv, "2024-03-%02dT08:00:00+07:00", day);
    return json_pack("{ss ss ss ss ss ss ss ss}", "code", code, "agency_code", agency,
                     "agency_name", "Sở Tư pháp", "procedure_code", "1.004227", "channel", "online",
                     "status", "processing", "received_at", recv, "due_at", "2024-03-29");
}

static void ingest_array(json_t *arr)
{
    char *s = json_dumps(arr, JSON_COMPACT);
    ck_assert(s != NULL);
    json_t *j = tl_ingest(JSON_CT, s, strlen(s));
    ck_assert_int_eq(tl_jint(j, "rejected"), 0);
    json_decref(j);
    free(s);
    json_decref(arr);
}

/* A few dossiers so that queries have rows to go through. */
static void seed(void)
{
    json_t *a = json_array();
    json_array_append_new(a, rec("SEED-1", "000.00.01.H62", 4));
    json_array_append_new(a, rec("SEED-2", "000.00.02.H62", 5));
    json_t *q = rec("SEED-'Q'", "000.00.01.H62", 6);
    json_object_set_new(q, "field_code", json_string("F'1"));
    json_array_append_new(a, q);
    ingest_array(a);
}

static void setup(void)
{
    tl_setup();
    make_big();
}

static void teardown(void)
{
    free_big();
    tl_teardown();
}

/* ---- every query parameter of every GET endpoint ----------------------------------------- */

typedef struct {
    const char *path;     /* "{code}" in it: the dossier code goes there */
    const char *base;     /* parameters that make the request valid otherwise */
    const char *params;   /* the parameters to inject, space separated */
} endpoint;

static const endpoint ENDPOINTS[] = {
    { "/v1/metrics", "period=2024",
      "period from to as_of basis agency procedure field channel service_level group_by within "
      "format calendar" },
    { "/v1/metrics", "period=2024&group_by=agency", "agency procedure field" },
    { "/v1/metrics/series", "period=2024&interval=month",
      "interval period from to as_of basis agency procedure field channel service_level "
      "calendar format" },
    { "/v1/rankings", "period=2024&by=agency&min_n=0",
      "metric by min_n period from to as_of basis agency procedure field channel "
      "service_level calendar format" },
    { "/v1/dossiers", "state=pending",
      "state limit cursor within as_of agency procedure field channel service_level format" },
    { "/v1/dossiers", "state=late&period=2024", "period from to cursor agency procedure field" },
    { "/v1/dossiers", "state=due_soon", "within as_of agency" },
    { "/v1/dossiers/{code}", "", "{code} as_of within" },
    { "/v1/calendar", "year=2024", "year" },
    { "/v1/targets", "", "agency year metric" },
    { "/v1/procedures", "", "procedure_code code name" },
    { "/v1/audit", "", "limit before" },
    { "/readyz", "", "x" },
};
#define NENDPOINTS (sizeof ENDPOINTS / sizeof ENDPOINTS[0])

/* Appends "k=v" pairs of base, leaving out `skip` (and period when skip is
 * from/to, whose partner is added instead). */
static void put_base(tl_buf *q, const char *base, const char *skip)
{
    bool from_to = !strcmp(skip, "from") || !strcmp(skip, "to");
    char *copy = strdup(base), *save = NULL;
    ck_assert(copy != NULL);
    for (char *kv = strtok_r(copy, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        size_t kl = strcspn(kv, "=");
        if ((strlen(skip) == kl && !strncmp(kv, skip, kl)) ||
            (from_to && kl == 6 && !strncmp(kv, "period", 6)))
            continue;
        tl_buf_printf(q, "%s%s", q->len ? "&" : "", kv);
    }
    if (!strcmp(skip, "from"))
        tl_buf_printf(q, "%sto=2024-12-31", q->len ? "&" : "");
    if (!strcmp(skip, "to"))
        tl_buf_printf(q, "%sfrom=2024-01-01", q->len ? "&" : "");
    free(copy);
}

static void inject_get(const endpoint *ep, const char *param, const char *v)
{
    char *enc = tl_urlencode(v);
    tl_buf q = { 0 }, url = { 0 };
    put_base(&q, ep->base, param);
    bool in_path = !strcmp(param, "{code}");
    if (!in_path && param[0])
        tl_buf_printf(&q, "%s%s=%s", q.len ? "&" : "", param, enc);
    if (!param[0]) /* the value as a parameter name */
        tl_buf_printf(&q, "%s%s=1", q.len ? "&" : "", enc);
    const char *slot = strstr(ep->path, "{code}");
    if (slot) {
        tl_buf_put(&url, ep->path, (size_t)(slot - ep->path));
        tl_buf_puts(&url, in_path ? enc : "SEED-1");
    } else {
        tl_buf_puts(&url, ep->path);
    }
    if (q.len)
        tl_buf_printf(&url, "?%s", q.p);
    char ctx[256];
    snprintf(ctx, sizeof ctx, "GET %s [%s] = %s", ep->path, param[0] ? param : "(as a name)",
             show(v));
    clean_call("GET", url.p, NULL, NULL, 0, NULL, ctx, NULL);
    tl_buf_free(&q);
    tl_buf_free(&url);
    free(enc);
}

START_TEST(test_get_parameters)
{
    const endpoint *ep = &ENDPOINTS[_i];
    seed();
    char *before = snapshot();
    char *params = strdup(ep->params), *save = NULL;
    ck_assert(params != NULL);
    for (size_t i = 0; i < NVALS; i++)
        inject_get(ep, "", val(i));
    for (char *p = strtok_r(params, " ", &save); p; p = strtok_r(NULL, " ", &save))
        for (size_t i = 0; i < NVALS; i++)
            inject_get(ep, p, val(i));
    free(params);
    char *after = snapshot();
    ck_assert_msg(strcmp(before, after) == 0, "GET %s changed the database: before %s, after %s",
                  ep->path, before, after);
    /* and the seeded data still reads back */
    json_t *d = get_json("/v1/dossiers/SEED-%27Q%27", NULL, 200, "after the injections");
    tl_assert_str(tl_jstr(d, "field_code"), "F'1", "field_code");
    json_decref(d);
    free(before);
    free(after);
}
END_TEST

/* ---- ingest fields ------------------------------------------------------------------------ */

/* The kinds of injected record: the value goes into these fields. */
enum { R_CODE, R_AGENCY, R_PROC, R_FIELD, R_STATUS, R_CHANNEL, R__N };
static const char *const R_PREFIX[R__N] = { "", "INJ-A-", "INJ-P-", "INJ-F-", "INJ-S-", "INJ-C-" };

static void rec_code(size_t i, int kind, char *buf, size_t cap)
{
    if (kind == R_CODE)
        snprintf(buf, cap, "%s", val(i));
    else
        snprintf(buf, cap, "%s%02zu", R_PREFIX[kind], i);
}

static bool rec_valid(size_t i, int kind)
{
    return kind != R_STATUS && kind != R_CHANNEL && code_ok(val(i));
}

/* The batch: every value in every kind of field. fee: the fee of each record. */
static json_t *injected_batch(long fee)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < NVALS; i++) {
        const char *v = val(i);
        for (int kind = 0; kind < R__N; kind++) {
            char *code = malloc(BIG_LEN + 16);
            ck_assert(code != NULL);
            rec_code(i, kind, code, BIG_LEN + 16);
            json_t *r = rec(code, "000.00.01.H62", 4);
            free(code);
            json_object_del(r, "agency_name");
            json_object_set_new(r, "fee", json_integer(fee));
            switch (kind) {
            case R_AGENCY:
                json_object_set_new(r, "agency_code", json_string(v));
                json_object_set_new(r, "agency_name", json_string(v));
                break;
            case R_PROC:
                json_object_set_new(r, "procedure_code", json_string(v));
                json_object_set_new(r, "procedure_name", json_string(v));
                break;
            case R_FIELD: json_object_set_new(r, "field_code", json_string(v)); break;
            case R_STATUS: json_object_set_new(r, "status", json_string(v)); break;
            case R_CHANNEL: json_object_set_new(r, "channel", json_string(v)); break;
            }
            json_array_append_new(arr, r);
        }
    }
    return arr;
}

static long count_valid(void)
{
    long n = 0;
    for (size_t i = 0; i < NVALS; i++)
        for (int kind = 0; kind < R__N; kind++)
            n += rec_valid(i, kind);
    return n;
}

/* One CSV cell, always quoted ("" for a quote). */
static void csv_cell(tl_buf *b, json_t *v, bool last)
{
    if (v && !json_is_null(v)) {
        char num[32];
        const char *s = json_is_string(v) ? json_string_value(v) : num;
        if (json_is_integer(v))
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        tl_buf_puts(b, "\"");
        for (const char *p = s; *p; p++) {
            tl_buf_put(b, p, 1);
            if (*p == '"')
                tl_buf_put(b, "\"", 1);
        }
        tl_buf_puts(b, "\"");
    }
    tl_buf_puts(b, last ? "\r\n" : ",");
}

static char *batch_csv(json_t *arr)
{
    static const char *const cols[] = { "code", "agency_code", "agency_name", "procedure_code",
                                        "procedure_name", "field_code", "channel", "status",
                                        "received_at", "due_at", "fee" };
    const size_t nc = sizeof cols / sizeof cols[0];
    tl_buf b = { 0 };
    for (size_t c = 0; c < nc; c++)
        tl_buf_printf(&b, "%s%s", cols[c], c + 1 < nc ? "," : "\r\n");
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r)
        for (size_t c = 0; c < nc; c++)
            csv_cell(&b, json_object_get(r, cols[c]), c + 1 == nc);
    return b.p;
}

static char *batch_ndjson(json_t *arr)
{
    tl_buf b = { 0 };
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r) {
        char *s = json_dumps(r, JSON_COMPACT);
        ck_assert(s != NULL);
        tl_buf_printf(&b, "%s\n", s);
        free(s);
    }
    return b.p;
}

/* Every valid injected record reads back exactly as sent. */
static void expect_round_trip(json_t *arr, long fee, const char *ctx)
{
    static const char *const fields[] = { "code", "agency_code", "agency_name", "procedure_code",
                                          "procedure_name", "field_code" };
    size_t k = 0;
    for (size_t i = 0; i < NVALS; i++) {
        for (int kind = 0; kind < R__N; kind++, k++) {
            if (!rec_valid(i, kind))
                continue;
            json_t *sent = json_array_get(arr, k);
            const char *code = json_string_value(json_object_get(sent, "code"));
            char *enc = tl_urlencode(code);
            tl_buf path = { 0 };
            tl_buf_printf(&path, "/v1/dossiers/%s", enc);
            free(enc);
            char what[200];
            snprintf(what, sizeof what, "%s: dossier %s", ctx, show(code));
            json_t *d = get_json(path.p, NULL, 200, what);
            tl_buf_free(&path);
            for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
                json_t *want = json_object_get(sent, fields[f]);
                if (!want && strstr(fields[f], "_name"))
                    continue; /* a label sent by another record (latest wins) */
                tl_assert_str(tl_jstr(d, fields[f]), want ? json_string_value(want) : NULL,
                              "%s: %s", what, fields[f]);
            }
            ck_assert_msg(tl_jint(d, "fee") == fee, "%s: fee", what);
            json_decref(d);
        }
    }
}

static long audit_rows(void)
{
    char *s = snapshot();
    long n = snap_count(s, "ingest_audit");
    free(s);
    return n;
}

START_TEST(test_ingest_fields)
{
    seed();
    char *before = snapshot();
    long dossiers = snap_count(before, "dossier"), audit0 = snap_count(before, "ingest_audit");
    long valid = count_valid(), total = (long)NVALS * R__N;

    /* JSON: valid records inserted, the rest rejected per record */
    json_t *arr = injected_batch(100);
    char *s = json_dumps(arr, JSON_COMPACT);
    tl_buf bad = { 0 };
    tl_buf_puts(&bad, "");
    json_t *res = post_ok(JSON_CT, s, strlen(s), "JSON batch", &bad);
    free(s);
    ck_assert_int_eq(tl_jint(res, "received"), total);
    ck_assert_int_eq(tl_jint(res, "inserted"), valid);
    ck_assert_int_eq(tl_jint(res, "rejected"), total - valid);
    json_decref(res);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM dossier"), dossiers + valid);
    expect_round_trip(arr, 100, "after JSON");

    /* NDJSON, the same records: the row locks find every stored code */
    s = batch_ndjson(arr);
    res = post_ok(NDJSON_CT, s, strlen(s), "NDJSON batch", &bad);
    free(s);
    ck_assert_msg(tl_jint(res, "unchanged") == valid, "NDJSON re-send: unchanged %lld, want %ld",
                  (long long)tl_jint(res, "unchanged"), valid);
    ck_assert_int_eq(tl_jint(res, "rejected"), total - valid);
    json_decref(res);
    json_decref(arr);

    /* CSV, every record changed (fee): updated, strings unchanged */
    arr = injected_batch(200);
    s = batch_csv(arr);
    res = post_ok(CSV_CT, s, strlen(s), "CSV batch", &bad);
    free(s);
    ck_assert_msg(tl_jint(res, "updated") == valid, "CSV: updated %lld, want %ld",
                  (long long)tl_jint(res, "updated"), valid);
    ck_assert_int_eq(tl_jint(res, "rejected"), total - valid);
    json_decref(res);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM dossier"), dossiers + valid);
    expect_round_trip(arr, 200, "after CSV");
    json_decref(arr);

    char *after = snapshot();
    expect_untouched(before, after, "ingest");
    if (audit0 >= 0)
        ck_assert_msg(audit_rows() == audit0 + 3, "ingest_audit: %ld rows, want %ld (one per batch)",
                      audit_rows(), audit0 + 3);
    free(before);
    free(after);
    /* last, so that it hides nothing above */
    ck_assert_msg(bad.len == 0, "unclean error entries: %.900s", bad.p);
    tl_buf_free(&bad);
}
END_TEST

/* ---- PUT bodies ------------------------------------------------------------------------------ */

/* An agency a target takes: an agency code, or a prefix ending in '*'. */
static bool target_agency_ok(const char *v)
{
    const char *star = strchr(v, '*');
    return u8len(v) <= 65 && (!star || star[1] == '\0');
}

START_TEST(test_put_targets)
{
    seed();
    char *before = snapshot();
    for (size_t i = 0; i < NVALS; i++) {
        const char *v = val(i);
        char ctx[160];
        snprintf(ctx, sizeof ctx, "targets agency %s", show(v));
        json_t *body = json_pack("[{sssssfsssi}]", "metric", "on_time_rate", "op", ">=",
                                 "target", 0.9, "agency", v, "year", 2024);
        bool ok = target_agency_ok(v);
        json_decref(put_json("/v1/targets", body, ok ? 200 : 400, ctx));
        json_decref(body);
        json_t *got = get_json("/v1/targets", NULL, 200, ctx);
        if (ok) {
            ck_assert_int_eq(json_array_size(got), 1);
            tl_assert_str(tl_jstr(got, "[0].agency"), v, "%s: stored agency", ctx);
            /* the metrics of that agency still answer */
            char *enc = tl_urlencode(v);
            tl_buf path = { 0 };
            tl_buf_printf(&path, "/v1/metrics?period=2024&agency=%s", enc);
            free(enc);
            int st = clean_call("GET", path.p, NULL, NULL, 0, NULL, ctx, NULL);
            (void)st;
            tl_buf_free(&path);
        }
        json_decref(got);
        /* the metric and op fields */
        body = json_pack("[{sssssf}]", "metric", v, "op", ">=", "target", 0.9);
        json_decref(put_json("/v1/targets", body, 400, ctx));
        json_decref(body);
        body = json_pack("[{sssssf}]", "metric", "on_time_rate", "op", v, "target", 0.9);
        json_decref(put_json("/v1/targets", body, 400, ctx));
        json_decref(body);
    }
    char *after = snapshot();
    expect_untouched(before, after, "PUT /v1/targets");
    ck_assert_int_eq(snap_count(after, "dossier"), snap_count(before, "dossier"));
    free(before);
    free(after);
}
END_TEST

/* Finds the catalog entry of a procedure code in GET /v1/procedures. */
static json_t *find_proc(json_t *list, const char *code)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        json_t *c = json_object_get(e, "procedure_code");
        if (json_is_string(c) && !strcmp(json_string_value(c), code))
            return e;
    }
    return NULL;
}

START_TEST(test_put_procedures)
{
    seed();
    char *before = snapshot();
    for (size_t i = 0; i < NVALS; i++) {
        const char *v = val(i);
        char ctx[160];
        snprintf(ctx, sizeof ctx, "procedures %s", show(v));
        json_t *body = json_pack("[{sssssssisssb}]", "procedure_code", v, "name", v,
                                 "field_code", v, "duration", 5, "duration_unit", "working_days",
                                 "has_fee", 1);
        json_decref(put_json("/v1/procedures", body, code_ok(v) ? 200 : 400, ctx));
        json_decref(body);
        /* a long name is fine (names have no limit) */
        char code[32];
        snprintf(code, sizeof code, "P-NAME-%02zu", i);
        body = json_pack("[{ssss}]", "procedure_code", code, "name", v);
        json_decref(put_json("/v1/procedures", body, 200, ctx));
        json_decref(body);
        body = json_pack("[{ssss}]", "procedure_code", "P-UNIT", "duration_unit", v);
        json_decref(put_json("/v1/procedures", body, 400, ctx));
        json_decref(body);

        json_t *list = get_json("/v1/procedures", NULL, 200, ctx);
        json_t *e = find_proc(list, code);
        ck_assert_msg(e != NULL, "%s: %s not listed", ctx, code);
        tl_assert_str(tl_jstr(e, "name"), v, "%s: name", ctx);
        if (code_ok(v)) {
            e = find_proc(list, v);
            ck_assert_msg(e != NULL, "%s: not listed", ctx);
            tl_assert_str(tl_jstr(e, "name"), v, "%s: name", ctx);
            tl_assert_str(tl_jstr(e, "field_code"), v, "%s: field_code", ctx);
            ck_assert_int_eq(tl_jint(e, "duration"), 5);
        }
        json_decref(list);
    }
    char *after = snapshot();
    expect_untouched(before, after, "PUT /v1/procedures");
    ck_assert_int_eq(snap_count(after, "dossier"), snap_count(before, "dossier"));
    free(before);
    free(after);
}
END_TEST

START_TEST(test_put_calendar)
{
    seed();
    char *before = snapshot();
    /* one weekday of 2025 per value, made a day off named with the value */
    json_t *body = json_array();
    char dates[NVALS][40];
    int64_t day = D(2025, 3, 3); /* a Monday */
    for (size_t i = 0; i < NVALS; i++) {
        fmt_day(day, dates[i], sizeof dates[i]);
        json_array_append_new(body, json_pack("{sssbss}", "date", dates[i], "working", 0,
                                              "name", val(i)));
        day += (i % 5 == 4) ? 3 : 1; /* Monday to Friday, then the next Monday */
    }
    json_decref(put_json("/v1/calendar", body, 200, "PUT /v1/calendar"));
    json_decref(body);
    json_t *cal = get_json("/v1/calendar?year=2025", NULL, 200, "GET /v1/calendar");
    json_t *days = json_object_get(cal, "days");
    for (size_t i = 0; i < NVALS; i++) {
        size_t k;
        json_t *e, *found = NULL;
        json_array_foreach(days, k, e)
            if (!strcmp(json_string_value(json_object_get(e, "date")), dates[i]))
                found = e;
        ck_assert_msg(found != NULL, "%s (%s) is not listed", dates[i], show(val(i)));
        tl_assert_str(tl_jstr(found, "name"), val(i), "calendar name of %s", dates[i]);
    }
    json_decref(cal);
    for (size_t i = 0; i < NVALS; i++) {
        char ctx[160];
        snprintf(ctx, sizeof ctx, "calendar date %s", show(val(i)));
        body = json_pack("[{sssb}]", "date", val(i), "working", 0);
        json_decref(put_json("/v1/calendar", body, 400, ctx));
        json_decref(body);
    }
    char *after = snapshot();
    expect_same_tables(before, after, "PUT /v1/calendar");
    ck_assert_int_eq(snap_count(after, "api_key"), snap_count(before, "api_key"));
    ck_assert_int_eq(snap_count(after, "dossier"), snap_count(before, "dossier"));
    ck_assert_int_eq(snap_count(after, "calendar_override"), (long)NVALS);
    free(before);
    free(after);
}
END_TEST

/* ---- %, _ and \ are literal in prefixes -------------------------------------------------------- */

/* counts.received of a metrics query. */
static long received(const char *query, const char *headers)
{
    char path[512];
    snprintf(path, sizeof path, "/v1/metrics?period=2024-03&%s", query);
    json_t *j = get_json(path, headers, 200, query);
    long n = (long)tl_jint(j, "counts.received");
    json_decref(j);
    return n;
}

/* The agency codes a list or ranking answer names (items[].agency_code or
 * ranked[]/insufficient[].key), as "a;b;" in order of appearance. */
static void keys_of(json_t *arr, const char *field, tl_buf *out)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        json_t *k = json_object_get(e, field);
        tl_buf_printf(out, "%s;", json_is_string(k) ? json_string_value(k) : "(null)");
    }
}

START_TEST(test_prefix_is_literal)
{
    /* 3 dossiers of 000.01.H62, 2 of 000.0_.H62, 1 of 000.0%.H62, 1 of 000.0\.H62 */
    static const struct { const char *code, *agency; } D[] = {
        { "L-1", "000.01.H62" }, { "L-2", "000.01.H62" }, { "L-3", "000.01.H62" },
        { "L-4", "000.0_.H62" }, { "L-5", "000.0_.H62" }, { "L-6", "000.0%.H62" },
        { "L-7", "000.0\\.H62" },
    };
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof D / sizeof D[0]; i++)
        json_array_append_new(a, rec(D[i].code, D[i].agency, 4 + (int)i));
    ingest_array(a);

    ck_assert_int_eq(received("agency=000.0*", NULL), 7);
    ck_assert_msg(received("agency=000.0_*", NULL) == 2, "'_' in an agency prefix is a wildcard");
    ck_assert_msg(received("agency=000.0%25*", NULL) == 1, "'%%' in an agency prefix is a wildcard");
    ck_assert_msg(received("agency=000.0%5C*", NULL) == 1, "'\\' in an agency prefix");
    ck_assert_int_eq(received("agency=000.0_.H62", NULL), 2);
    ck_assert_int_eq(received("agency=000.01.H62", NULL), 3);
    ck_assert_int_eq(received("agency=%25*", NULL), 0);
    ck_assert_int_eq(received("agency=_*", NULL), 0);
    ck_assert_int_eq(received("agency=%25", NULL), 0);

    /* groups, series, lists and rankings use the same filter */
    json_t *j = get_json("/v1/metrics?period=2024-03&group_by=agency&agency=000.0_*", NULL, 200,
                         "group_by");
    tl_buf keys = { 0 };
    tl_buf_puts(&keys, "");
    keys_of(json_object_get(j, "groups"), "key", &keys);
    tl_assert_str(keys.p, "000.0_.H62;", "metric groups under 000.0_*");
    tl_buf_free(&keys);
    json_decref(j);

    j = get_json("/v1/metrics/series?period=2024-03&interval=month&agency=000.0_*", NULL, 200,
                 "series");
    ck_assert_int_eq(tl_jint(j, "buckets[0].counts.received"), 2);
    json_decref(j);

    j = get_json("/v1/dossiers?state=pending&agency=000.0_*&as_of=2024-03-20", NULL, 200, "list");
    tl_buf_puts(&keys, "");
    keys_of(json_object_get(j, "items"), "agency_code", &keys);
    tl_assert_str(keys.p, "000.0_.H62;000.0_.H62;", "list items under 000.0_*");
    tl_buf_free(&keys);
    json_decref(j);

    j = get_json("/v1/rankings?period=2024-03&by=agency&min_n=0&agency=000.0_*", NULL, 200,
                 "rankings");
    tl_buf_puts(&keys, "");
    keys_of(json_object_get(j, "ranked"), "key", &keys);
    keys_of(json_object_get(j, "insufficient"), "key", &keys);
    tl_assert_str(keys.p, "000.0_.H62;", "ranking groups under 000.0_*");
    tl_buf_free(&keys);
    json_decref(j);

    /* a target for the prefix 000.0_* applies to 000.0_.H62 only */
    json_t *body = json_pack("[{sssssfss}]", "metric", "on_time_rate", "op", ">=", "target", 0.5,
                             "agency", "000.0_*");
    json_decref(put_json("/v1/targets", body, 200, "targets"));
    json_decref(body);
    j = get_json("/v1/metrics?period=2024-03&agency=000.01.H62", NULL, 200, "target");
    json_t *t = tl_jpath(j, "rates.on_time_rate.target");
    ck_assert_msg(json_is_number(t) && json_number_value(t) > 0.97,
                  "the target of prefix 000.0_* applied to 000.01.H62");
    json_decref(j);
    j = get_json("/v1/metrics?period=2024-03&agency=000.0_.H62", NULL, 200, "target");
    t = tl_jpath(j, "rates.on_time_rate.target");
    ck_assert_msg(json_is_number(t) && json_number_value(t) == 0.5,
                  "the target of prefix 000.0_* did not apply to 000.0_.H62");
    json_decref(j);

    /* a key scoped to 000.0_* sees 000.0_.H62 only */
    char key[AUTH_KEY_MAX], hdr[AUTH_KEY_MAX + 64];
    tl_key_create(ROLE_ADMIN, "000.0_*", key);
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", key);
    json_decref(get_json("/v1/dossiers/L-1", hdr, 404, "scoped key, 000.01.H62"));
    json_decref(get_json("/v1/dossiers/L-4", hdr, 200, "scoped key, 000.0_.H62"));
    ck_assert_msg(received("as_of=2024-03-31", hdr) == 2, "a key scoped to 000.0_* sees more");
    ck_assert_msg(received("agency=000.0*", hdr) == 2, "a key scoped to 000.0_* sees more");
    j = get_json("/v1/dossiers?state=pending&as_of=2024-03-20", hdr, 200, "scoped list");
    ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 2);
    json_decref(j);
    const char *rec01 = "{\"code\":\"L-8\",\"agency_code\":\"000.01.H62\",\"procedure_code\":"
                        "\"1.004227\",\"channel\":\"online\",\"status\":\"processing\","
                        "\"received_at\":\"2024-03-04T08:00:00+07:00\"}";
    json_t *res;
    ck_assert_int_eq(clean_call("POST", "/v1/dossiers", JSON_CT, rec01, strlen(rec01), hdr,
                                "scoped ingest", &res), 200);
    ck_assert_msg(tl_jint(res, "rejected") == 1, "a key scoped to 000.0_* wrote to 000.01.H62");
    json_decref(res);
}
END_TEST

/* ---- quotes round-trip through every view ------------------------------------------------------ */

START_TEST(test_quotes_round_trip)
{
    const char *code = "Q'1\";--\\x", *agency = "000.'\";--\\", *aname = "Sở 'Tư' \"pháp\" \\;--",
               *pcode = "1.'0\"4", *pname = "Khai sinh 'x' \"y\" \\z", *field = "F'\"\\";
    json_t *r = rec(code, agency, 4);
    json_object_set_new(r, "agency_name", json_string(aname));
    json_object_set_new(r, "procedure_code", json_string(pcode));
    json_object_set_new(r, "procedure_name", json_string(pname));
    json_object_set_new(r, "field_code", json_string(field));
    json_t *a = json_array();
    json_array_append_new(a, r);
    ingest_array(a);

    char *enc = tl_urlencode(code), path[512];
    snprintf(path, sizeof path, "/v1/dossiers/%s", enc);
    free(enc);
    json_t *d = get_json(path, NULL, 200, "one dossier");
    tl_assert_str(tl_jstr(d, "code"), code, "code");
    tl_assert_str(tl_jstr(d, "agency_code"), agency, "agency_code");
    tl_assert_str(tl_jstr(d, "agency_name"), aname, "agency_name");
    tl_assert_str(tl_jstr(d, "procedure_code"), pcode, "procedure_code");
    tl_assert_str(tl_jstr(d, "procedure_name"), pname, "procedure_name");
    tl_assert_str(tl_jstr(d, "field_code"), field, "field_code");
    json_decref(d);

    enc = tl_urlencode(agency);
    snprintf(path, sizeof path, "/v1/dossiers?state=pending&as_of=2024-03-20&agency=%s", enc);
    d = get_json(path, NULL, 200, "list");
    tl_assert_str(tl_jstr(d, "items[0].code"), code, "list item code");
    tl_assert_str(tl_jstr(d, "items[0].agency_name"), aname, "list item agency_name");
    json_decref(d);
    snprintf(path, sizeof path, "/v1/metrics?period=2024-03&group_by=agency&agency=%s", enc);
    d = get_json(path, NULL, 200, "metrics group");
    tl_assert_str(tl_jstr(d, "groups[0].key"), agency, "group key");
    tl_assert_str(tl_jstr(d, "groups[0].label"), aname, "group label");
    json_decref(d);
    free(enc);
    enc = tl_urlencode(pcode);
    snprintf(path, sizeof path, "/v1/rankings?period=2024-03&by=procedure&min_n=0&procedure=%s",
             enc);
    free(enc);
    d = get_json(path, NULL, 200, "rankings");
    tl_assert_str(tl_jstr(d, "insufficient[0].key"), pcode, "ranking key");
    tl_assert_str(tl_jstr(d, "insufficient[0].label"), pname, "ranking label");
    json_decref(d);
    enc = tl_urlencode(field);
    snprintf(path, sizeof path, "/v1/metrics?period=2024-03&field=%s", enc);
    free(enc);
    d = get_json(path, NULL, 200, "field filter");
    ck_assert_int_eq(tl_jint(d, "counts.received"), 1);
    json_decref(d);
}
END_TEST

/* ---- suite ---------------------------------------------------------------------------------------- */

Suite *make_injection_suite(void)
{
    Suite *s = suite_create("injection");
    TCase *get = tcase_create("get");
    tcase_add_checked_fixture(get, setup, teardown);
    tcase_set_timeout(get, 120);
    tcase_add_loop_test(get, test_get_parameters, 0, (int)NENDPOINTS);
    suite_add_tcase(s, get);

    TCase *write = tcase_create("write");
    tcase_add_checked_fixture(write, setup, teardown);
    tcase_set_timeout(write, 120);
    tcase_add_test(write, test_ingest_fields);
    tcase_add_test(write, test_put_targets);
    tcase_add_test(write, test_put_procedures);
    tcase_add_test(write, test_put_calendar);
    tcase_add_test(write, test_prefix_is_literal);
    tcase_add_test(write, test_quotes_round_trip);
    suite_add_tcase(s, write);
    return s;
}
