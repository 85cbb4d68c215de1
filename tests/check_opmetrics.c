/*
 * check_opmetrics.c - the operational metrics (GET /metrics, opmetrics.h).
 *
 * Unit tests of the registry and its text: every line of the exposition is
 * checked against the Prometheus text format 0.0.4 by a small validator
 * written here (HELP and TYPE before a family's samples, samples
 * `name{label="value",...} value`, escapes, families not interleaved,
 * counters named *_total, histogram buckets cumulative with increasing
 * bounds, ending in +Inf equal to _count, with _sum); bucket boundaries (le
 * is inclusive); concurrent recording from several threads is exact.
 *
 * Integration through HTTP (tests/testlib.h): on a fresh server, after a
 * known sequence of requests and two ingests, /metrics shows exactly those
 * requests by route and status, the ingest outcomes, the pool gauges, and
 * open dossiers by state equal to what GET /v1/dossiers?state= lists.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opmetrics.h"
#include "testlib.h"

/* ---- a validator of the text format ------------------------------------------------ */

#define MAXS 2048
#define MAXF 64

typedef struct {
    char name[128];
    char labels[512];     /* the label pairs as written, le="..." left out */
    bool has_le;
    double le;
    double value;
} tsample;

typedef struct {
    char name[128];
    char type[16];
    bool help, typed, sampled, closed;
} tfamily;

typedef struct {
    tsample s[MAXS];
    size_t n;
    tfamily f[MAXF];
    size_t nf;
} texpo;

static bool name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

/* The end of a metric (or label, without ':') name at p; p when none. */
static const char *scan_name(const char *p, bool label)
{
    const char *q = p;
    while (name_char(*q, q == p) && !(label && *q == ':'))
        q++;
    return q;
}

static bool parse_value(const char *s, double *v)
{
    if (!strcmp(s, "+Inf")) { *v = INFINITY; return true; }
    if (!strcmp(s, "-Inf")) { *v = -INFINITY; return true; }
    if (!strcmp(s, "NaN")) { *v = NAN; return true; }
    char *end;
    *v = strtod(s, &end);
    return *s && *s != ' ' && *end == '\0';
}

static tfamily *family_of(texpo *e, const char *name, bool create)
{
    for (size_t i = 0; i < e->nf; i++)
        if (!strcmp(e->f[i].name, name))
            return &e->f[i];
    if (!create)
        return NULL;
    ck_assert_uint_lt(e->nf, MAXF);
    tfamily *f = &e->f[e->nf++];
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    return f;
}

/* The family a sample name belongs to (a histogram's _bucket/_sum/_count). */
static tfamily *family_of_sample(texpo *e, const char *name)
{
    tfamily *f = family_of(e, name, false);
    if (f)
        return f;
    static const char *const SUFFIX[] = { "_bucket", "_sum", "_count" };
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(name), k = strlen(SUFFIX[i]);
        if (n > k && !strcmp(name + n - k, SUFFIX[i])) {
            char base[128];
            snprintf(base, sizeof base, "%.*s", (int)(n - k), name);
            f = family_of(e, base, false);
            if (f && !strcmp(f->type, "histogram"))
                return f;
        }
    }
    return NULL;
}

static void parse_sample(texpo *e, const char *line, int lineno)
{
    ck_assert_uint_lt(e->n, MAXS);
    tsample *s = &e->s[e->n++];
    memset(s, 0, sizeof *s);
    const char *p = line, *q = scan_name(p, false);
    ck_assert_msg(q > p && (size_t)(q - p) < sizeof s->name, "line %d: bad metric name: %s",
                  lineno, line);
    memcpy(s->name, p, (size_t)(q - p));
    p = q;
    if (*p == '{') {
        p++;
        char seen[8][64];
        size_t nseen = 0;
        while (*p != '}') {
            q = scan_name(p, true);
            ck_assert_msg(q > p && q - p < 64, "line %d: bad label name: %s", lineno, line);
            char lname[64];
            snprintf(lname, sizeof lname, "%.*s", (int)(q - p), p);
            for (size_t i = 0; i < nseen; i++)
                ck_assert_msg(strcmp(seen[i], lname), "line %d: label %s twice", lineno, lname);
            ck_assert_uint_lt(nseen, 8);
            snprintf(seen[nseen++], 64, "%s", lname);
            ck_assert_msg(q[0] == '=' && q[1] == '"', "line %d: want =\" after %s", lineno, lname);
            p = q + 2;
            char val[256];
            size_t k = 0;
            for (; *p != '"'; p++) {
                ck_assert_msg(*p && *p != '\n', "line %d: unterminated label value", lineno);
                char c = *p;
                if (c == '\\') {
                    p++;
                    ck_assert_msg(*p == '\\' || *p == '"' || *p == 'n',
                                  "line %d: bad escape \\%c", lineno, *p);
                    c = *p == 'n' ? '\n' : *p;
                }
                ck_assert_uint_lt(k, sizeof val - 1);
                val[k++] = c;
            }
            val[k] = '\0';
            p++;
            if (!strcmp(lname, "le")) {
                s->has_le = true;
                ck_assert_msg(parse_value(val, &s->le), "line %d: le=\"%s\"", lineno, val);
            } else {
                size_t L = strlen(s->labels);
                snprintf(s->labels + L, sizeof s->labels - L, "%s%s=%s", L ? "," : "", lname,
                         val);
            }
            if (*p == ',')
                p++;
            else
                ck_assert_msg(*p == '}', "line %d: want , or } in %s", lineno, line);
        }
        p++;
    }
    ck_assert_msg(*p == ' ', "line %d: want one space before the value: %s", lineno, line);
    p++;
    ck_assert_msg(parse_value(p, &s->value), "line %d: bad value '%s'", lineno, p);
    tfamily *f = family_of_sample(e, s->name);
    ck_assert_msg(f && f->typed && f->help, "line %d: %s has no HELP/TYPE before it", lineno,
                  s->name);
    ck_assert_msg(!f->closed, "line %d: samples of %s are not together", lineno, f->name);
    for (size_t i = 0; i < e->nf; i++)
        if (&e->f[i] != f && e->f[i].sampled)
            e->f[i].closed = true;
    f->sampled = true;
    if (!strcmp(f->type, "histogram"))
        ck_assert_msg(strcmp(s->name, f->name) != 0, "line %d: bare histogram sample", lineno);
    ck_assert_msg(s->has_le == (strcmp(f->type, "histogram") == 0 &&
                                strstr(s->name, "_bucket") != NULL),
                  "line %d: le only on histogram buckets", lineno);
}

/* The histogram rules, per family and label set: bounds increasing, counts
 * cumulative, the last bucket +Inf equal to _count, a _sum. */
static void check_histograms(const texpo *e)
{
    for (size_t fi = 0; fi < e->nf; fi++) {
        const tfamily *f = &e->f[fi];
        if (strcmp(f->type, "histogram"))
            continue;
        char bname[160], sname[160], cname[160];
        snprintf(bname, sizeof bname, "%s_bucket", f->name);
        snprintf(sname, sizeof sname, "%s_sum", f->name);
        snprintf(cname, sizeof cname, "%s_count", f->name);
        for (size_t i = 0; i < e->n; i++) {
            if (strcmp(e->s[i].name, cname))
                continue;
            const char *key = e->s[i].labels;
            double prev_le = -INFINITY, prev_v = 0, last_le = 0, last_v = -1;
            int nb = 0, nsum = 0;
            for (size_t j = 0; j < e->n; j++) {
                const tsample *b = &e->s[j];
                if (strcmp(b->labels, key))
                    continue;
                if (!strcmp(b->name, sname))
                    nsum++;
                if (strcmp(b->name, bname))
                    continue;
                ck_assert_msg(b->le > prev_le, "%s{%s}: le not increasing", f->name, key);
                ck_assert_msg(b->value >= prev_v, "%s{%s}: buckets not cumulative", f->name, key);
                prev_le = last_le = b->le;
                prev_v = last_v = b->value;
                nb++;
            }
            ck_assert_msg(nb >= 2, "%s{%s}: %d buckets", f->name, key, nb);
            ck_assert_msg(isinf(last_le) && last_le > 0, "%s{%s}: last bucket not +Inf", f->name,
                          key);
            ck_assert_msg(last_v == e->s[i].value, "%s{%s}: +Inf %g != _count %g", f->name, key,
                          last_v, e->s[i].value);
            ck_assert_msg(nsum == 1, "%s{%s}: %d _sum", f->name, key, nsum);
        }
    }
}

/* Parses and validates a whole exposition (fails the test on any fault). */
static texpo *validate(const char *text)
{
    texpo *e = calloc(1, sizeof *e);
    ck_assert_ptr_nonnull(e);
    size_t len = strlen(text);
    ck_assert_msg(len > 0 && text[len - 1] == '\n', "the text must end with a newline");
    char *copy = strdup(text), *save = NULL;
    ck_assert_ptr_nonnull(copy);
    int lineno = 0;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        ck_assert_msg(!strchr(line, '\r') && !strchr(line, '\t'), "line %d: CR or TAB", lineno);
        if (line[0] == '#') {
            bool help = !strncmp(line, "# HELP ", 7), type = !strncmp(line, "# TYPE ", 7);
            ck_assert_msg(help || type, "line %d: a comment that is neither HELP nor TYPE: %s",
                          lineno, line);
            const char *n = line + 7, *q = scan_name(n, false);
            ck_assert_msg(q > n && *q == ' ' && q[1], "line %d: %s", lineno, line);
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(q - n), n);
            tfamily *f = family_of(e, name, true);
            ck_assert_msg(!f->sampled, "line %d: %s after its samples", lineno, line);
            if (help) {
                ck_assert_msg(!f->help, "line %d: second HELP for %s", lineno, name);
                f->help = true;
            } else {
                ck_assert_msg(!f->typed, "line %d: second TYPE for %s", lineno, name);
                const char *t = q + 1;
                ck_assert_msg(!strcmp(t, "counter") || !strcmp(t, "gauge") ||
                                  !strcmp(t, "histogram") || !strcmp(t, "summary") ||
                                  !strcmp(t, "untyped"),
                              "line %d: type %s", lineno, t);
                snprintf(f->type, sizeof f->type, "%s", t);
                f->typed = true;
                if (!strcmp(t, "counter")) {
                    size_t nl = strlen(name);
                    ck_assert_msg(nl > 6 && !strcmp(name + nl - 6, "_total"),
                                  "counter %s is not named *_total", name);
                }
            }
            continue;
        }
        ck_assert_msg(line[0] != '\0', "line %d: empty", lineno);
        parse_sample(e, line, lineno);
    }
    free(copy);
    for (size_t i = 0; i < e->nf; i++)
        ck_assert_msg(e->f[i].typed && e->f[i].help, "%s lacks HELP or TYPE", e->f[i].name);
    check_histograms(e);
    return e;
}

/* The value of sample `name` with exactly the labels "k=v,k=v" (le apart); -1 when absent. */
static double value_of(const texpo *e, const char *name, const char *labels)
{
    for (size_t i = 0; i < e->n; i++)
        if (!strcmp(e->s[i].name, name) && !strcmp(e->s[i].labels, labels) && !e->s[i].has_le)
            return e->s[i].value;
    return -1;
}

static double bucket_of(const texpo *e, const char *name, const char *labels, double le)
{
    for (size_t i = 0; i < e->n; i++)
        if (!strcmp(e->s[i].name, name) && !strcmp(e->s[i].labels, labels) && e->s[i].has_le &&
            e->s[i].le == le)
            return e->s[i].value;
    return -1;
}

static char *render(const opmetrics *m, const opm_gauges *g)
{
    size_t len = 0;
    char *t = opmetrics_render(m, g, &len);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(strlen(t), len);
    return t;
}

/* ---- unit tests ------------------------------------------------------------------------ */

static const char *const LABELS[] = { "/a", "/b", "we\"ird\\la\nbel" };

START_TEST(test_registry_counts)
{
    opmetrics *m = opmetrics_new(LABELS, 3);
    ck_assert_ptr_nonnull(m);
    opmetrics_request(m, 0, 200, 0.002);
    opmetrics_request(m, 0, 200, 0.02);
    opmetrics_request(m, 0, 404, 0.2);
    opmetrics_request(m, 1, 503, 3.0);
    opmetrics_request(m, 2, 0, 0.0);       /* no response: status "0" */
    opmetrics_request(m, 2, 1000, 0.0);    /* not an HTTP status: "0" too */
    opmetrics_request(m, 3, 200, 0.0);     /* no such route: ignored */
    opmetrics_ingest(m, 5, 4, 3, 2, 1);
    opmetrics_ingest(m, 1, 0, 0, 0, 0);
    opm_gauges g = { true, 8, 2, 3, true, 10, 4, 5, false, 0, 0, 0 };
    char *t = render(m, &g);
    texpo *e = validate(t);
    const char *R = "motcua_http_requests_total";
    ck_assert(value_of(e, R, "route=/a,status=200") == 2);
    ck_assert(value_of(e, R, "route=/a,status=404") == 1);
    ck_assert(value_of(e, R, "route=/b,status=503") == 1);
    ck_assert(value_of(e, R, "route=we\"ird\\la\nbel,status=0") == 2);
    ck_assert(value_of(e, R, "route=/b,status=200") == -1); /* never seen: not listed */
    const char *I = "motcua_ingest_records_total";
    ck_assert(value_of(e, I, "outcome=inserted") == 6);
    ck_assert(value_of(e, I, "outcome=updated") == 4);
    ck_assert(value_of(e, I, "outcome=unchanged") == 3);
    ck_assert(value_of(e, I, "outcome=stale") == 2);
    ck_assert(value_of(e, I, "outcome=rejected") == 1);
    ck_assert(value_of(e, "motcua_db_pool_connections", "state=in_use") == 2);
    ck_assert(value_of(e, "motcua_db_pool_connections", "state=idle") == 3);
    ck_assert(value_of(e, "motcua_db_pool_size", "") == 8);
    ck_assert(value_of(e, "motcua_open_dossiers", "state=in_time") == 10);
    ck_assert(value_of(e, "motcua_open_dossiers", "state=overdue") == 4);
    ck_assert(value_of(e, "motcua_open_dossiers", "state=waiting") == 5);
    ck_assert(value_of(e, "motcua_up", "") == 1);
    const char *C = "motcua_http_request_duration_seconds_count";
    ck_assert(value_of(e, C, "route=/a") == 3);
    ck_assert(value_of(e, C, "route=/b") == 1);
    double sum = value_of(e, "motcua_http_request_duration_seconds_sum", "route=/a");
    ck_assert_msg(fabs(sum - 0.222) < 1e-9, "sum %g", sum);
    /* the escaped label as written */
    ck_assert_ptr_nonnull(strstr(t, "route=\"we\\\"ird\\\\la\\nbel\""));
    ck_assert_ptr_nonnull(strstr(t, "# TYPE motcua_http_request_duration_seconds histogram\n"));
    ck_assert_ptr_nonnull(strstr(t, "# TYPE motcua_http_requests_total counter\n"));
    ck_assert_ptr_nonnull(strstr(t, "# TYPE motcua_open_dossiers gauge\n"));
    free(e);
    free(t);

    /* gauges not known: left out, the rest still valid */
    opm_gauges none = { 0 };
    t = render(m, &none);
    e = validate(t);
    ck_assert(value_of(e, "motcua_db_pool_size", "") == -1);
    ck_assert(value_of(e, "motcua_open_dossiers", "state=overdue") == -1);
    ck_assert(value_of(e, I, "outcome=inserted") == 6);
    ck_assert(value_of(e, "motcua_db_read_pool_size", "") == -1);
    free(e);
    free(t);

    /* a read replica's pool (MOTCUA_DB_READ): two more families, still valid */
    opm_gauges rep = { true, 8, 2, 3, false, 0, 0, 0, true, 6, 1, 4 };
    t = render(m, &rep);
    e = validate(t);
    ck_assert(value_of(e, "motcua_db_pool_size", "") == 8);
    ck_assert(value_of(e, "motcua_db_read_pool_size", "") == 6);
    ck_assert(value_of(e, "motcua_db_read_pool_connections", "state=in_use") == 1);
    ck_assert(value_of(e, "motcua_db_read_pool_connections", "state=idle") == 4);
    free(e);
    free(t);
    opmetrics_free(m);
}
END_TEST

START_TEST(test_fresh_and_null)
{
    opmetrics *m = opmetrics_new(LABELS, 2);
    ck_assert_ptr_nonnull(m);
    char *t = render(m, NULL);
    texpo *e = validate(t);
    /* no request yet: no request series, but every ingest outcome at 0 */
    ck_assert_ptr_null(strstr(t, "motcua_http_requests_total{"));
    ck_assert_ptr_null(strstr(t, "_bucket{"));
    ck_assert(value_of(e, "motcua_ingest_records_total", "outcome=stale") == 0);
    free(e);
    free(t);
    opmetrics_free(m);
    /* a NULL registry is accepted everywhere */
    opmetrics_request(NULL, 0, 200, 1);
    opmetrics_ingest(NULL, 1, 1, 1, 1, 1);
    opmetrics_free(NULL);
    t = render(NULL, NULL);
    e = validate(t);
    ck_assert(value_of(e, "motcua_up", "") == 1);
    free(e);
    free(t);
}
END_TEST

START_TEST(test_histogram_buckets)
{
    opmetrics *m = opmetrics_new(LABELS, 1);
    ck_assert_ptr_nonnull(m);
    /* le is inclusive: a value equal to a bound is in that bucket */
    const double obs[] = { 0.0, 0.0005, 0.001, 0.0011, 0.005, 0.3, 1.0, 9.99, 10.0, 10.5, 100,
                           -1.0 /* a clock step: counted as 0 */ };
    size_t n = sizeof obs / sizeof obs[0];
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        opmetrics_request(m, 0, 200, obs[i]);
        sum += obs[i] > 0 ? obs[i] : 0;
    }
    char *t = render(m, NULL);
    texpo *e = validate(t);
    const char *B = "motcua_http_request_duration_seconds_bucket";
    for (size_t k = 0; k < OPM_NBUCKETS; k++) {
        double want = 0;
        for (size_t i = 0; i < n; i++)
            want += (obs[i] > 0 ? obs[i] : 0) <= OPM_BUCKETS[k];
        double got = bucket_of(e, B, "route=/a", OPM_BUCKETS[k]);
        ck_assert_msg(got == want, "le=%g: %g, want %g", OPM_BUCKETS[k], got, want);
    }
    ck_assert(bucket_of(e, B, "route=/a", 0.001) == 4);
    ck_assert(bucket_of(e, B, "route=/a", 10) == 10);
    ck_assert(bucket_of(e, B, "route=/a", INFINITY) == (double)n);
    ck_assert(value_of(e, "motcua_http_request_duration_seconds_count", "route=/a") == (double)n);
    double got = value_of(e, "motcua_http_request_duration_seconds_sum", "route=/a");
    ck_assert_msg(fabs(got - sum) < 1e-6, "sum %g want %g", got, sum);
    /* the bounds are the documented ones, in this order */
    ck_assert_ptr_nonnull(strstr(t, "le=\"0.001\"} 4\n"));
    ck_assert_ptr_nonnull(strstr(t, "le=\"2.5\"}"));
    ck_assert_ptr_nonnull(strstr(t, "le=\"+Inf\"} 12\n"));
    free(e);
    free(t);
    opmetrics_free(m);
}
END_TEST

#define NTHREADS 8
#define PER_THREAD 20000

static void *hammer(void *arg)
{
    opmetrics *m = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        opmetrics_request(m, (size_t)(i % 2), i % 3 ? 200 : 404, (double)(i % 7) * 0.004);
        opmetrics_ingest(m, 1, 0, 2, 0, 0);
    }
    return NULL;
}

START_TEST(test_threads)
{
    opmetrics *m = opmetrics_new(LABELS, 2);
    ck_assert_ptr_nonnull(m);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, hammer, m), 0);
    /* scrapes while recording: every one valid (+Inf == _count) */
    for (int k = 0; k < 20; k++) {
        char *t = render(m, NULL);
        free(validate(t));
        free(t);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    char *t = render(m, NULL);
    texpo *e = validate(t);
    double all = value_of(e, "motcua_http_request_duration_seconds_count", "route=/a") +
                 value_of(e, "motcua_http_request_duration_seconds_count", "route=/b");
    ck_assert(all == (double)NTHREADS * PER_THREAD);
    double ok = 0, nf = 0;
    for (int i = 0; i < PER_THREAD; i++) {
        if (i % 3)
            ok += NTHREADS;
        else
            nf += NTHREADS;
    }
    ck_assert(value_of(e, "motcua_http_requests_total", "route=/a,status=200") +
                  value_of(e, "motcua_http_requests_total", "route=/b,status=200") == ok);
    ck_assert(value_of(e, "motcua_http_requests_total", "route=/a,status=404") +
                  value_of(e, "motcua_http_requests_total", "route=/b,status=404") == nf);
    ck_assert(value_of(e, "motcua_ingest_records_total", "outcome=inserted") ==
              (double)NTHREADS * PER_THREAD);
    ck_assert(value_of(e, "motcua_ingest_records_total", "outcome=unchanged") ==
              2.0 * NTHREADS * PER_THREAD);
    free(e);
    free(t);
    opmetrics_free(m);
}
END_TEST

/* ---- through HTTP ---------------------------------------------------------------------- */

static void expect_status(const char *method, const char *path, const char *headers,
                          const char *ctype, const char *body, int want)
{
    char h[256];
    snprintf(h, sizeof h, "%s%s%s%s", headers ? headers : "", ctype ? "Content-Type: " : "",
             ctype ? ctype : "", ctype ? "\r\n" : "");
    tl_resp r;
    int st = tl_http(method, path, h[0] ? h : NULL, body, body ? strlen(body) : 0, &r);
    ck_assert_msg(st == want, "%s %s: %d, want %d: %s", method, path, st, want, r.body);
    tl_resp_free(&r);
}

static long list_count(const char *state)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/dossiers?state=%s&limit=1000", state);
    json_t *j = tl_get(path, 200);
    long n = (long)json_array_size(json_object_get(j, "items"));
    ck_assert(tl_jnull(j, "next_cursor"));
    json_decref(j);
    return n;
}

/* One scrape, validated; *text keeps the body (caller frees). */
static texpo *scrape(char **text)
{
    tl_resp r;
    /* any Authorization header is ignored: /metrics needs no key */
    int st = tl_http("GET", "/metrics", "Authorization: Bearer not-a-key\r\n", NULL, 0, &r);
    ck_assert_msg(st == 200, "GET /metrics: %d %s", st, r.body);
    char ct[128];
    tl_assert_str(tl_header(&r, "Content-Type", ct, sizeof ct), OPM_CONTENT_TYPE,
                  "Content-Type");
    texpo *e = validate(r.body);
    *text = strdup(r.body);
    tl_resp_free(&r);
    return e;
}

/* The requests counted so far, /metrics itself left out. */
static double counted(const texpo *e)
{
    double n = 0;
    for (size_t i = 0; i < e->n; i++)
        if (!strcmp(e->s[i].name, "motcua_http_requests_total") &&
            strncmp(e->s[i].labels, "route=/metrics,", 15) != 0)
            n += e->s[i].value;
    return n;
}

#define REC(code, status, rest)                                                                 \
    "{\"code\":\"" code "\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"P-X\","   \
    "\"channel\":\"online\",\"status\":" #status ",\"received_at\":\"2024-01-02T08:00:00+07:00\"," \
    "\"updated_at\":\"2024-06-01T00:00:00+07:00\"" rest "}"

START_TEST(test_http_metrics)
{
    /* the catalog behind a computed due date: 5 working days */
    tl_sql_exec("INSERT INTO procedure (code, duration, duration_unit) VALUES"
                " ('P-5', 5, 'working_days')");
    expect_status("GET", "/healthz", NULL, NULL, NULL, 200);
    expect_status("GET", "/healthz", NULL, NULL, NULL, 200);
    expect_status("GET", "/no/such/thing?x=1", NULL, NULL, NULL, 404);
    expect_status("GET", "/v1/dossiers/NO-SUCH", NULL, NULL, NULL, 404);
    expect_status("GET", "/v1/targets", "Authorization: Bearer nope\r\n", NULL, NULL, 401);
    expect_status("POST", "/v1/dossiers", NULL, "text/plain", "x", 415);

    static const char batch1[] =
        "["
        REC("O-1", 4, ",\"due_at\":\"2024-01-10T17:00:00+07:00\"") ","      /* overdue */
        "{\"code\":\"O-2\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"P-5\","
        "\"channel\":\"direct\",\"status\":2,\"received_at\":\"2024-03-01T08:00:00+07:00\"}," /* computed due: overdue */
        REC("I-1", 4, ",\"due_at\":\"2099-12-31T17:00:00+07:00\"") ","      /* in time */
        REC("I-2", 4, "") ","                                              /* no deadline: in time */
        REC("W-1", 5, ",\"due_at\":\"2099-12-31T17:00:00+07:00\","
                      "\"supplement_requested_at\":\"2024-01-05T09:00:00+07:00\"") "," /* waiting, in time */
        REC("W-2", 6, ",\"due_at\":\"2024-01-03T17:00:00+07:00\","
                      "\"supplement_requested_at\":\"2024-01-10T09:00:00+07:00\"") "," /* waiting, overdue */
        REC("F-1", 9, ",\"due_at\":\"2024-01-10T17:00:00+07:00\","
                      "\"finished_at\":\"2024-01-08T09:00:00+07:00\"") ","  /* finished */
        REC("R-1", 1, "") ","                                              /* registered */
        REC("X-1", 99, "")                                                 /* rejected */
        "]";
    json_t *res = tl_ingest("application/json", batch1, strlen(batch1));
    ck_assert_int_eq(tl_jint(res, "inserted"), 8);
    ck_assert_int_eq(tl_jint(res, "rejected"), 1);
    json_decref(res);
    static const char batch2[] =
        "["
        REC("I-1", 4, ",\"due_at\":\"2099-12-31T17:00:00+07:00\"") ","      /* unchanged */
        "{\"code\":\"O-1\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"P-X\","
        "\"channel\":\"online\",\"status\":4,\"received_at\":\"2024-01-02T08:00:00+07:00\","
        "\"updated_at\":\"2024-07-01T00:00:00+07:00\",\"due_at\":\"2024-01-11T17:00:00+07:00\"},"
        "{\"code\":\"F-1\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"P-X\","
        "\"channel\":\"online\",\"status\":4,\"received_at\":\"2024-01-02T08:00:00+07:00\","
        "\"updated_at\":\"2024-05-01T00:00:00+07:00\"}"                  /* stale */
        "]";
    res = tl_ingest("application/json", batch2, strlen(batch2));
    ck_assert_int_eq(tl_jint(res, "unchanged"), 1);
    ck_assert_int_eq(tl_jint(res, "updated"), 1);
    ck_assert_int_eq(tl_jint(res, "stale"), 1);
    json_decref(res);

    long overdue = list_count("overdue"), pending = list_count("pending"),
         waiting = list_count("waiting");
    ck_assert_int_eq(overdue, 3);
    ck_assert_int_eq(pending, 6);
    ck_assert_int_eq(waiting, 2);
    const double total = 6 + 2 + 3; /* the requests above: 6 single ones, 2 ingests, 3 lists */

    /* A request is counted when it completes, which may come just after its
     * answer reached the client: scrape until every request is in. */
    char *t = NULL;
    texpo *e = NULL;
    for (int i = 0; i < 200; i++) {
        free(e);
        free(t);
        e = scrape(&t);
        if (counted(e) >= total)
            break;
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    ck_assert_msg(counted(e) == total, "%g requests counted, want %g:\n%s", counted(e), total, t);
    const char *R = "motcua_http_requests_total";
    ck_assert(value_of(e, R, "route=/healthz,status=200") == 2);
    ck_assert(value_of(e, R, "route=other,status=404") == 1);
    ck_assert(value_of(e, R, "route=/v1/dossiers/{code},status=404") == 1);
    ck_assert(value_of(e, R, "route=/v1/targets,status=401") == 1);
    ck_assert(value_of(e, R, "route=/v1/dossiers,status=415") == 1);
    ck_assert(value_of(e, R, "route=/v1/dossiers,status=200") == 5);
    ck_assert_ptr_null(strstr(t, "/no/such")); /* never the raw URL */
    ck_assert_ptr_null(strstr(t, "NO-SUCH"));
    const char *C = "motcua_http_request_duration_seconds_count";
    ck_assert(value_of(e, C, "route=/v1/dossiers") == 6);
    ck_assert(value_of(e, C, "route=/healthz") == 2);
    ck_assert(value_of(e, C, "route=other") == 1);
    ck_assert(value_of(e, "motcua_http_request_duration_seconds_sum", "route=/v1/dossiers") > 0);

    const char *I = "motcua_ingest_records_total";
    ck_assert(value_of(e, I, "outcome=inserted") == 8);
    ck_assert(value_of(e, I, "outcome=updated") == 1);
    ck_assert(value_of(e, I, "outcome=unchanged") == 1);
    ck_assert(value_of(e, I, "outcome=stale") == 1);
    ck_assert(value_of(e, I, "outcome=rejected") == 1);

    ck_assert(value_of(e, "motcua_db_pool_size", "") == tl_env.cfg.db_pool);
    ck_assert(value_of(e, "motcua_db_pool_connections", "state=in_use") == 0);
    double idle = value_of(e, "motcua_db_pool_connections", "state=idle");
    ck_assert_msg(idle >= 1 && idle <= tl_env.cfg.db_pool, "idle %g", idle);

    /* open dossiers, as the lists show them */
    double o_in = value_of(e, "motcua_open_dossiers", "state=in_time"),
           o_over = value_of(e, "motcua_open_dossiers", "state=overdue"),
           o_wait = value_of(e, "motcua_open_dossiers", "state=waiting");
    ck_assert_msg(o_over == overdue, "overdue %g, list %ld", o_over, overdue);
    ck_assert_msg(o_in + o_over == pending, "in_time %g + overdue %g, pending %ld", o_in, o_over,
                  pending);
    ck_assert_msg(o_wait == waiting, "waiting %g, list %ld", o_wait, waiting);
    ck_assert(o_in == 3);
    ck_assert(value_of(e, "motcua_up", "") == 1);
    free(e);
    free(t);

    /* the scrapes are counted too, on their own route */
    for (int i = 0; i < 200; i++) {
        e = scrape(&t);
        double m = value_of(e, R, "route=/metrics,status=200");
        free(e);
        free(t);
        if (m >= 2)
            break;
        ck_assert_msg(i < 199, "scrapes not counted");
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    /* HEAD is answered; other methods are 405 */
    expect_status("HEAD", "/metrics", NULL, NULL, NULL, 200);
    expect_status("POST", "/metrics", NULL, "text/plain", "x", 405);
}
END_TEST

Suite *make_opmetrics_suite(void)
{
    Suite *s = suite_create("opmetrics");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, test_registry_counts);
    tcase_add_test(tc, test_fresh_and_null);
    tcase_add_test(tc, test_histogram_buckets);
    tcase_add_test(tc, test_threads);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    TCase *srv = tcase_create("http");
    tcase_add_checked_fixture(srv, tl_setup, tl_teardown);
    tcase_set_timeout(srv, 60);
    tcase_add_test(srv, test_http_metrics);
    suite_add_tcase(s, srv);
    return s;
}
