/*
 * check_jsonw.c - tests of the JSON writer (jsonw.h) against jansson.
 *
 * Why: /v1/metrics is served from the writer's text mode and must be byte
 * for byte what json_dumps(tree, JSON_COMPACT) gave before. So every test
 * here drives the writer twice with the same calls, in text mode and in tree
 * mode, and requires the text to equal json_dumps of the tree (or both to
 * fail): on hundreds of thousands of reals of every magnitude (the exact
 * integer formatting and its printf fallback, ties, powers of ten and their
 * neighbours, the cache), integers, hostile strings (every control
 * character, quotes, backslashes, DEL, UTF-8 of every length, and invalid
 * UTF-8, which both modes refuse), random nested documents, and misuse.
 */
#include <check.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/* Only calls into Check on failure: the loops below run millions of checks. */
#define REQUIRE(cond)                                                         \
    do {                                                                      \
        if (!(cond))                                                          \
            ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #cond);     \
    } while (0)

#if defined(__SANITIZE_ADDRESS__)
#define SCALE 4   /* the sanitized build is several times slower */
#else
#define SCALE 1
#endif

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static int64_t rr(uint64_t *s, int64_t n) { return n <= 0 ? 0 : (int64_t)(rnd(s) % (uint64_t)n); }

typedef void (*build_fn)(jsonw *w, void *ctx);

/* Builds with fn in both modes. Returns 1 when both gave a document and the
 * text equals json_dumps(tree, JSON_COMPACT), 0 when both failed; aborts the
 * test when they disagree. */
static int same_both(build_fn fn, void *ctx)
{
    jsonw w;
    jw_init_text(&w);
    fn(&w, ctx);
    size_t len = 0;
    char *text = jw_finish_text(&w, &len);
    jw_init_tree(&w);
    fn(&w, ctx);
    json_t *tree = jw_finish_tree(&w);
    char *dump = tree ? json_dumps(tree, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if ((text == NULL) != (dump == NULL))
        ck_abort_msg("one mode failed: text %s, tree %s", text ? text : "NULL",
                     dump ? dump : "NULL");
    int ok = text != NULL;
    if (ok && (strlen(dump) != len || memcmp(text, dump, len) != 0 || text[len] != '\0'))
        ck_abort_msg("text and tree differ:\n text %.400s\n tree %.400s", text, dump);
    free(text);
    free(dump);
    json_decref(tree);
    return ok;
}

/* ---- reals -------------------------------------------------------------- */

typedef struct {
    const double *v;
    size_t n;
} reals;

static void build_reals(jsonw *w, void *ctx)
{
    const reals *r = ctx;
    jw_array_begin(w);
    for (size_t i = 0; i < r->n; i++)
        jw_real(w, r->v[i]);
    jw_array_end(w);
}

/* Checks a batch in one document: each value twice, the second from the cache. */
static void check_reals(double *v, size_t n)
{
    double buf[2 * 64];
    for (size_t at = 0; at < n; at += 64) {
        size_t k = n - at < 64 ? n - at : 64;
        for (size_t i = 0; i < k; i++) {
            buf[i] = v[at + i];
            buf[k + i] = v[at + i];
        }
        reals r = { buf, 2 * k };
        REQUIRE(same_both(build_reals, &r) == 1);
    }
}

static double random_finite(uint64_t *s)
{
    for (;;) {
        uint64_t bits = rnd(s);
        double d;
        memcpy(&d, &bits, sizeof d);
        if (isfinite(d))
            return d;
    }
}

/* A double of random mantissa around 10^lo .. 10^hi, either sign. */
static double random_magnitude(uint64_t *s, int lo, int hi)
{
    double mant = (double)(rnd(s) >> 11) / 9007199254740992.0;   /* [0, 1) */
    double v = (1.0 + 9.0 * mant) * pow(10.0, (double)(lo + rr(s, hi - lo + 1)));
    return rr(s, 4) == 0 ? -v : v;
}

START_TEST(test_reals_random_bits)
{
    uint64_t s = 0x1234567;
    double v[640];
    for (int round = 0; round < 300 / SCALE; round++) {
        for (size_t i = 0; i < 640; i++)
            v[i] = random_finite(&s);
        check_reals(v, 640);
    }
}
END_TEST

START_TEST(test_reals_magnitudes)
{
    uint64_t s = 0xBADC0FFEE;
    double v[640];
    for (int round = 0; round < 600 / SCALE; round++) {
        for (size_t i = 0; i < 640; i++)
            v[i] = random_magnitude(&s, -7, 18);
        check_reals(v, 640);
    }
}
END_TEST

/* What the service writes: num / den rates, means of working days and of
 * calendar days, targets. */
START_TEST(test_reals_ratios)
{
    uint64_t s = 0x5EED;
    double v[640];
    for (int round = 0; round < 600 / SCALE; round++) {
        for (size_t i = 0; i < 640; i++) {
            int64_t den = 1 + rr(&s, (int64_t)1 << rr(&s, 40));
            int64_t num = rr(&s, den + 1);
            switch (i % 4) {
            case 0: v[i] = (double)num / (double)den; break;
            case 1: v[i] = (double)rr(&s, 100000000) / (double)den; break;
            case 2: v[i] = (double)rr(&s, 1000000000) / 86400.0 / (double)den; break;
            default: v[i] = (double)rr(&s, 1000001) / 1e6; break;
            }
        }
        check_reals(v, 640);
    }
}
END_TEST

/* Powers of ten and their neighbours (where the exponent changes, where
 * 9.99… rounds up to the next power, the fixed / exponent switch), whole
 * numbers, zeros, and halves at the 17th digit (ties go to even). */
START_TEST(test_reals_edges)
{
    double v[4096];
    size_t n = 0;
    for (int k = -8; k <= 19; k++) {
        char buf[16];
        snprintf(buf, sizeof buf, "1e%d", k);
        double p = strtod(buf, NULL);
        double up = p, down = p;
        v[n++] = p;
        v[n++] = -p;
        for (int i = 0; i < 40; i++) {
            up = nextafter(up, INFINITY);
            down = nextafter(down, 0.0);
            v[n++] = up;
            v[n++] = down;
        }
    }
    v[n++] = 0.0;
    v[n++] = -0.0;
    v[n++] = DBL_MIN;
    v[n++] = DBL_MAX;
    v[n++] = DBL_TRUE_MIN;
    v[n++] = -DBL_MAX;
    v[n++] = 9007199254740992.0;   /* 2^53 */
    v[n++] = 9007199254740993.0;
    v[n++] = 99999999999999999.0;
    v[n++] = 1e-4;
    v[n++] = 0.98;
    v[n++] = 0.05;
    v[n++] = 1.0 / 3.0;
    for (int i = 0; i <= 1000 && n < sizeof v / sizeof v[0] - 1; i++)
        v[n++] = (double)i;
    uint64_t s = 77;
    while (n < sizeof v / sizeof v[0]) {   /* 16 digits and a quarter: a tie at the 17th */
        double k = (double)(1000000000000000LL + rr(&s, 1125899906842624LL - 1000000000000000LL));
        v[n++] = k + (rr(&s, 2) ? 0.25 : 0.75);
    }
    check_reals(v, n);
}
END_TEST

static void build_nonfinite(jsonw *w, void *ctx)
{
    (void)ctx;
    jw_array_begin(w);
    jw_real(w, NAN);
    jw_real(w, INFINITY);
    jw_real(w, -INFINITY);
    jw_real(w, 1.5);
    jw_array_end(w);
}

/* NaN and infinities: null in both modes (documented in jsonw.h). */
START_TEST(test_reals_nonfinite)
{
    jsonw w;
    jw_init_text(&w);
    build_nonfinite(&w, NULL);
    char *t = jw_finish_text(&w, NULL);
    ck_assert_str_eq(t, "[null,null,null,1.5]");
    free(t);
    ck_assert_int_eq(same_both(build_nonfinite, NULL), 1);
}
END_TEST

/* ---- integers ----------------------------------------------------------- */

typedef struct {
    const int64_t *v;
    size_t n;
} ints;

static void build_ints(jsonw *w, void *ctx)
{
    const ints *r = ctx;
    jw_array_begin(w);
    for (size_t i = 0; i < r->n; i++)
        jw_int(w, r->v[i]);
    jw_array_end(w);
}

START_TEST(test_integers)
{
    int64_t v[512];
    size_t n = 0;
    v[n++] = INT64_MIN;
    v[n++] = INT64_MAX;
    v[n++] = INT64_MIN + 1;
    v[n++] = 0;
    for (int64_t p = 1; n < 100; p *= 10) {
        v[n++] = p;
        v[n++] = p - 1;
        v[n++] = -p;
        v[n++] = 1 - p;
        if (p > INT64_MAX / 10)
            break;
    }
    ints in = { v, n };
    ck_assert_int_eq(same_both(build_ints, &in), 1);
    uint64_t s = 99;
    for (int round = 0; round < 2000 / SCALE; round++) {
        for (size_t i = 0; i < 512; i++) {
            int64_t x = (int64_t)(rnd(&s) >> rr(&s, 64));
            v[i] = rr(&s, 2) ? x : -x;
        }
        in.n = 512;
        REQUIRE(same_both(build_ints, &in) == 1);
    }
    jsonw w;
    jw_init_text(&w);
    jw_int(&w, INT64_MIN);
    char *t = jw_finish_text(&w, NULL);
    ck_assert_str_eq(t, "-9223372036854775808");
    free(t);
}
END_TEST

/* ---- strings ------------------------------------------------------------ */

/* Appends one UTF-8 encoding of code point cp (valid or not: the caller
 * picks cp) in n bytes. */
static size_t utf8_put(char *out, uint32_t cp, int n)
{
    if (n == 1) {
        out[0] = (char)cp;
    } else if (n == 2) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
    } else if (n == 3) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
    }
    return (size_t)n;
}

/* A random string of up to ~40 pieces; invalid UTF-8 with probability
 * about bad_pct percent. */
static void random_string(uint64_t *s, char *out, size_t cap, int bad_pct)
{
    size_t k = 0;
    int pieces = (int)rr(s, 40);
    for (int i = 0; i < pieces && k + 8 < cap; i++) {
        int kind = (int)rr(s, 100);
        if (kind < 40) {
            out[k++] = (char)(0x20 + rr(s, 0x5F));   /* printable ASCII, '"' and '\\' too */
        } else if (kind < 50) {
            out[k++] = (char)(1 + rr(s, 0x1F));      /* a control character */
        } else if (kind < 55) {
            static const char special[] = "\"\\/\x7f\b\f\n\r\t";
            out[k++] = special[rr(s, (int64_t)sizeof special - 1)];
        } else if (kind < 70) {
            k += utf8_put(out + k, 0x80 + (uint32_t)rr(s, 0x780), 2);
        } else if (kind < 85) {
            uint32_t cp = 0x800 + (uint32_t)rr(s, 0x10000 - 0x800);
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0x1EA1;   /* "ạ" */
            k += utf8_put(out + k, cp, 3);
        } else if (kind < 100 - bad_pct) {
            k += utf8_put(out + k, 0x10000 + (uint32_t)rr(s, 0x100000), 4);
        } else {
            switch (rr(s, 9)) {   /* invalid UTF-8 */
            case 0: out[k++] = (char)(0x80 + rr(s, 0x40)); break;            /* stray continuation */
            case 1: out[k++] = (char)(0xC0 + rr(s, 2)); out[k++] = 'A'; break; /* C0/C1 */
            case 2: out[k++] = (char)(0xF5 + rr(s, 11)); break;              /* F5..FF */
            case 3: out[k++] = (char)0xE1; out[k++] = (char)0x80; break;     /* truncated */
            case 4: k += utf8_put(out + k, (uint32_t)rr(s, 0x80), 2); break;  /* overlong */
            case 5: k += utf8_put(out + k, (uint32_t)rr(s, 0x800), 3); break; /* overlong */
            case 6: k += utf8_put(out + k, 0xD800 + (uint32_t)rr(s, 0x800), 3); break; /* surrogate */
            case 7: k += utf8_put(out + k, 0x110000 + (uint32_t)rr(s, 0x1000), 4); break;
            default: k += utf8_put(out + k, (uint32_t)rr(s, 0x10000), 4); break; /* overlong */
            }
        }
    }
    out[k] = '\0';
}

typedef struct {
    const char *a, *b;
} two_strings;

/* {a: b, "x": [a, b]}: each string as a key and as a value. */
static void build_strings(jsonw *w, void *ctx)
{
    const two_strings *t = ctx;
    jw_object_begin(w);
    jw_key(w, t->a);
    jw_string(w, t->b);
    jw_key(w, strcmp(t->a, "x") == 0 ? "y" : "x");
    jw_array_begin(w);
    jw_string(w, t->a);
    jw_string(w, t->b);
    jw_array_end(w);
    jw_object_end(w);
}

START_TEST(test_strings_random)
{
    uint64_t s = 0xFACE;
    char a[400], b[400];
    int ok = 0, failed = 0;
    for (int i = 0; i < 60000 / SCALE; i++) {
        random_string(&s, a, sizeof a, 0);
        random_string(&s, b, sizeof b, i % 3 == 0 ? 3 : 0);
        two_strings t = { a, b };
        if (same_both(build_strings, &t))
            ok++;
        else
            failed++;
    }
    /* both kinds happened: valid strings written, invalid ones refused */
    ck_assert_int_gt(ok, 1000);
    ck_assert_int_gt(failed, 100);
}
END_TEST

/* Every byte value alone, and the escapes spelt out. */
START_TEST(test_strings_each_byte)
{
    for (int c = 1; c < 256; c++) {
        char a[2] = { (char)c, 0 };
        two_strings t = { a, a };
        int ok = same_both(build_strings, &t);
        ck_assert_int_eq(ok, c < 0x80);   /* a lone byte >= 0x80 is never valid UTF-8 */
    }
    jsonw w;
    jw_init_text(&w);
    jw_string(&w, "\"\\/\b\f\n\r\t\x01\x1f\x7f é ạ 😀");
    char *t = jw_finish_text(&w, NULL);
    ck_assert_str_eq(t, "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001F\x7f é ạ 😀\"");
    free(t);
}
END_TEST

static void build_null_string(jsonw *w, void *ctx)
{
    (void)ctx;
    jw_object_begin(w);
    jw_key(w, "");
    jw_string(w, NULL);
    jw_key(w, "e");
    jw_string(w, "");
    jw_object_end(w);
}

START_TEST(test_strings_null_and_empty)
{
    ck_assert_int_eq(same_both(build_null_string, NULL), 1);
    jsonw w;
    jw_init_text(&w);
    build_null_string(&w, NULL);
    char *t = jw_finish_text(&w, NULL);
    ck_assert_str_eq(t, "{\"\":null,\"e\":\"\"}");
    free(t);
}
END_TEST

/* ---- structure ---------------------------------------------------------- */

static void random_value(jsonw *w, uint64_t *s, int depth)
{
    int kind = (int)rr(s, depth >= 6 ? 5 : 8);
    char str[200];
    switch (kind) {
    case 0: jw_null(w); break;
    case 1: jw_int(w, (int64_t)(rnd(s) >> rr(s, 64))); break;
    case 2: jw_real(w, random_magnitude(s, -6, 18)); break;
    case 3: jw_real(w, random_finite(s)); break;
    case 4:
        random_string(s, str, sizeof str, 0);
        jw_string(w, str);
        break;
    case 5:
    case 6: {
        jw_array_begin(w);
        int n = (int)rr(s, 6);
        for (int i = 0; i < n; i++)
            random_value(w, s, depth + 1);
        jw_array_end(w);
        break;
    }
    default: {
        jw_object_begin(w);
        int n = (int)rr(s, 6);
        for (int i = 0; i < n; i++) {
            snprintf(str, sizeof str, "k%d", i);   /* distinct keys: jansson replaces a repeated one */
            jw_key(w, str);
            random_value(w, s, depth + 1);
        }
        jw_object_end(w);
    }
    }
}

static void build_random_doc(jsonw *w, void *ctx)
{
    uint64_t s = *(const uint64_t *)ctx;   /* a copy: the same calls in both modes */
    random_value(w, &s, 0);
}

START_TEST(test_random_documents)
{
    for (uint64_t seed = 1; seed <= (uint64_t)(20000 / SCALE); seed++) {
        uint64_t s = seed * 0x9E3779B97F4A7C15ULL;
        REQUIRE(same_both(build_random_doc, &s) == 1);
    }
}
END_TEST

typedef void (*misuse_fn)(jsonw *w);
static void mis_value_without_key(jsonw *w) { jw_object_begin(w); jw_int(w, 1); jw_object_end(w); }
static void mis_key_in_array(jsonw *w) { jw_array_begin(w); jw_key(w, "a"); jw_int(w, 1); jw_array_end(w); }
static void mis_key_at_top(jsonw *w) { jw_key(w, "a"); jw_int(w, 1); }
static void mis_two_keys(jsonw *w) { jw_object_begin(w); jw_key(w, "a"); jw_key(w, "b"); jw_int(w, 1); jw_object_end(w); }
static void mis_key_without_value(jsonw *w) { jw_object_begin(w); jw_key(w, "a"); jw_object_end(w); }
static void mis_wrong_end(jsonw *w) { jw_object_begin(w); jw_array_end(w); }
static void mis_end_at_top(jsonw *w) { jw_int(w, 1); jw_array_end(w); }
static void mis_unclosed(jsonw *w) { jw_array_begin(w); jw_int(w, 1); }
static void mis_two_roots(jsonw *w) { jw_int(w, 1); jw_int(w, 2); }
static void mis_nothing(jsonw *w) { (void)w; }
static void mis_null_key(jsonw *w) { jw_object_begin(w); jw_key(w, NULL); jw_int(w, 1); jw_object_end(w); }
static void mis_failed(jsonw *w) { jw_array_begin(w); jw_fail(w); jw_array_end(w); }
static void mis_bad_key(jsonw *w) { jw_object_begin(w); jw_key(w, "\xC3"); jw_int(w, 1); jw_object_end(w); }
static void mis_too_deep(jsonw *w)
{
    for (int i = 0; i <= JW_DEPTH_MAX; i++)
        jw_array_begin(w);
    for (int i = 0; i <= JW_DEPTH_MAX; i++)
        jw_array_end(w);
}

START_TEST(test_misuse_fails_in_both_modes)
{
    static const misuse_fn cases[] = {
        mis_value_without_key, mis_key_in_array, mis_key_at_top, mis_two_keys,
        mis_key_without_value, mis_wrong_end, mis_end_at_top, mis_unclosed, mis_two_roots,
        mis_nothing, mis_null_key, mis_failed, mis_bad_key, mis_too_deep,
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jsonw w;
        jw_init_text(&w);
        cases[i](&w);
        size_t len = 123;
        char *t = jw_finish_text(&w, &len);
        ck_assert_msg(t == NULL, "case %zu: text %s", i, t);
        ck_assert_uint_eq(len, 123);   /* untouched on failure */
        jw_init_tree(&w);
        cases[i](&w);
        json_t *j = jw_finish_tree(&w);
        ck_assert_msg(j == NULL, "case %zu: a tree", i);
    }
    /* the deepest nesting allowed works */
    jsonw w;
    jw_init_text(&w);
    for (int i = 0; i < JW_DEPTH_MAX; i++)
        jw_array_begin(&w);
    for (int i = 0; i < JW_DEPTH_MAX; i++)
        jw_array_end(&w);
    char *t = jw_finish_text(&w, NULL);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(strlen(t), 2 * JW_DEPTH_MAX);
    free(t);
    /* a finished text writer may be finished again: nothing, no double free */
    ck_assert_ptr_null(jw_finish_text(&w, NULL));
    /* finished in the other mode: NULL, and nothing leaks (the sanitized run) */
    jw_init_text(&w);
    jw_string(&w, "x");
    ck_assert_ptr_null(jw_finish_tree(&w));
    jw_init_tree(&w);
    jw_array_begin(&w);
    jw_string(&w, "x");
    jw_array_end(&w);
    ck_assert_ptr_null(jw_finish_text(&w, NULL));
}
END_TEST

/* A long text grows through many reallocations; jw_reserve is only a hint. */
START_TEST(test_long_text)
{
    jsonw w;
    jw_init_text(&w);
    jw_reserve(&w, 10);
    jw_array_begin(&w);
    for (int i = 0; i < 200000; i++)
        jw_string(&w, "Sở Tư pháp tỉnh Tây Ninh");
    jw_array_end(&w);
    size_t len = 0;
    char *t = jw_finish_text(&w, &len);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(len, strlen(t));
    json_error_t err;
    json_t *j = json_loadb(t, len, 0, &err);
    ck_assert_ptr_nonnull(j);
    ck_assert_uint_eq(json_array_size(j), 200000);
    json_decref(j);
    free(t);
}
END_TEST

Suite *make_jsonw_suite(void)
{
    Suite *s = suite_create("jsonw");
    TCase *tc = tcase_create("against_jansson");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_reals_random_bits);
    tcase_add_test(tc, test_reals_magnitudes);
    tcase_add_test(tc, test_reals_ratios);
    tcase_add_test(tc, test_reals_edges);
    tcase_add_test(tc, test_reals_nonfinite);
    tcase_add_test(tc, test_integers);
    tcase_add_test(tc, test_strings_random);
    tcase_add_test(tc, test_strings_each_byte);
    tcase_add_test(tc, test_strings_null_and_empty);
    tcase_add_test(tc, test_random_documents);
    tcase_add_test(tc, test_misuse_fails_in_both_modes);
    tcase_add_test(tc, test_long_text);
    suite_add_tcase(s, tc);
    return s;
}
