/*
 * check_jsonscan.c - tests for the validating JSON scanner and iterators.
 *
 * Why: every JSON body goes through js_validate before anything is parsed, so
 * it must accept exactly RFC 8259, say where and why it rejects, survive
 * hostile input, and cut arrays/objects into spans jansson can parse alone.
 * jansson serves as the reference for thousands of random documents.
 */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"

/* ------------------------------------------------------------ helpers */

/* ck_assert records a checkpoint through a pipe on every call, too slow for
 * loops over millions of elements: this only calls into Check on failure. */
#define REQUIRE(cond)                                                         \
    do {                                                                      \
        if (!(cond))                                                          \
            ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #cond);     \
    } while (0)

/* Small deterministic PRNG so failures reproduce (state is per test). */
typedef struct {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static size_t rng_below(rng *r, size_t n)
{
    return (size_t)(rng_next(r) % n);
}

/* Renders a buffer with non-printable bytes escaped, for failure messages. */
static const char *show(const char *buf, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c >= 0x20 && c < 0x7f)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", c);
    }
    out[o] = '\0';
    return out;
}

/* 1 if jansson accepts the buffer (any top-level value, NUL escapes allowed). */
static int jansson_ok(const char *buf, size_t len, json_error_t *jerr)
{
    json_t *j = json_loadb(buf, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, jerr);
    if (!j)
        return 0;
    json_decref(j);
    return 1;
}

static void expect_valid_n(const char *buf, size_t len)
{
    js_error err = { 0, "" };
    char shown[512];
    if (js_validate(buf, len, &err) != 0)
        ck_abort_msg("rejected valid [%s]: %s at %zu", show(buf, len, shown, sizeof shown),
                     err.message, err.offset);
}

static void expect_valid(const char *s)
{
    expect_valid_n(s, strlen(s));
}

/* Expects rejection at `off` with a message containing `what`. */
static void expect_error_n(const char *buf, size_t len, size_t off, const char *what)
{
    js_error err = { 12345, "" };
    char shown[512];
    show(buf, len, shown, sizeof shown);
    ck_assert_msg(js_validate(buf, len, &err) == -1, "accepted invalid [%s]", shown);
    ck_assert_msg(err.offset == off, "[%s]: offset %zu, expected %zu (%s)", shown,
                  err.offset, off, err.message);
    ck_assert_msg(strstr(err.message, what) != NULL, "[%s]: message '%s' lacks '%s'",
                  shown, err.message, what);
}

static void expect_error(const char *s, size_t off, const char *what)
{
    expect_error_n(s, strlen(s), off, what);
}

/* The text of a span, for comparisons. */
static char *span_str(const char *buf, js_span sp)
{
    char *s = malloc(sp.len + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, buf + sp.off, sp.len);
    s[sp.len] = '\0';
    return s;
}

static void assert_span(const char *buf, js_span sp, const char *want)
{
    char *got = span_str(buf, sp);
    ck_assert_str_eq(got, want);
    free(got);
}

/* Walks the top level of any buffer with both iterators; must terminate and
 * stay in bounds (ASan checks the latter). Returns the element count or -1. */
static long walk_any(const char *buf, size_t len)
{
    size_t off = js_skip_ws(buf, len, 0);
    js_iter it;
    js_span a, b;
    long n = 0;
    int r;
    if (js_array_begin(&it, buf, len, off) == 0) {
        while ((r = js_array_next(&it, &a)) == 1) {
            REQUIRE(a.off + a.len <= len && a.len > 0);
            REQUIRE(++n <= (long)len + 1);
        }
        return r == 0 ? n : -1;
    }
    if (js_object_begin(&it, buf, len, off) == 0) {
        while ((r = js_object_next(&it, &a, &b)) == 1) {
            REQUIRE(a.off + a.len <= len && b.off + b.len <= len && b.len > 0);
            REQUIRE(++n <= (long)len + 1);
        }
        return r == 0 ? n : -1;
    }
    return -1;
}

/* ------------------------------------------------------- valid input */

static const char *const valid_docs[] = {
    "0", "-0", "7", "-12", "1.5", "-0.0", "1e5", "1E5", "1e+5", "1e-5", "1.25E-10",
    "123456789", "0.000001", " 42 ", "\t\r\n 1 \n",
    "true", "false", "null", " null\n",
    "\"\"", "\"abc\"", "\"with space\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
    "\"\\u0041\\u00e9\\u00E9\\u20AC\\uFFFF\"", "\"\\u0000\"", "\"a\\u0000b\"",
    "\"\\uD83D\\uDE00\"", "\"\\uDBFF\\uDFFF\"", "\"\\ud800\\udc00\"",
    "\"\x7f\"",                                 /* DEL is not a control char in JSON */
    "\"\xC3\xA9\"", "\"\xC2\x80\"", "\"\xDF\xBF\"",
    "\"\xE0\xA0\x80\"", "\"\xE2\x82\xAC\"", "\"\xED\x9F\xBF\"", "\"\xEE\x80\x80\"",
    "\"\xEF\xBF\xBF\"", "\"\xF0\x90\x80\x80\"", "\"\xF0\x9F\x98\x80\"",
    "\"\xF3\xBF\xBF\xBF\"", "\"\xF4\x8F\xBF\xBF\"",
    "\"Th\xE1\xBB\xA7 t\xE1\xBB\xA5\x63 h\xC3\xA0nh ch\xC3\xADnh\"",
    "[]", "{}", "[ ]", "{ }", " [\n] ", "[1]", "[1,2,3]", "[ 1 , 2 ]",
    "[\"a\",true,false,null,{},[],-1.5e3]", "{\"a\":1}", "{ \"a\" : 1 , \"b\" : [ ] }",
    "{\"a\":{\"b\":{\"c\":[{\"d\":null}]}}}", "[[[[[]]]]]", "[{},{},[{}]]",
    "{\"\":\"\"}", "{\"a\":1,\"a\":2}", "{\"]\":\"[\",\"}\":\"{\"}",
    "{\"k\\\"q\":\"v\\\\\"}", "[\"\\\\\",\"\\\"\"]",
    "{\"service\":\"DongBoHoSoMC\",\"data\":[{\"MaHoSo\":\"G01-1\",\"Gia\":10}]}",
};

START_TEST(test_valid_documents)
{
    json_error_t jerr;
    for (size_t i = 0; i < sizeof valid_docs / sizeof *valid_docs; i++) {
        const char *d = valid_docs[i];
        expect_valid(d);
        ck_assert_msg(jansson_ok(d, strlen(d), &jerr), "jansson disagrees on #%zu: %s", i,
                      jerr.text);
    }
    /* NULL error pointer is allowed */
    ck_assert_int_eq(js_validate("[1]", 3, NULL), 0);
    ck_assert_int_eq(js_validate("[1", 2, NULL), -1);
}
END_TEST

/* Builds depth levels of nesting: "[[...]]" or "{"a":{"a":...1}}". */
static char *nested(size_t depth, int objects, size_t *len)
{
    size_t unit = objects ? 5 : 1;
    size_t n = depth * unit + 1 + depth;
    char *s = malloc(n + 1);
    ck_assert_ptr_nonnull(s);
    size_t o = 0;
    for (size_t i = 0; i < depth; i++) {
        memcpy(s + o, objects ? "{\"a\":" : "[", unit);
        o += unit;
    }
    s[o++] = '1';
    for (size_t i = 0; i < depth; i++)
        s[o++] = objects ? '}' : ']';
    s[o] = '\0';
    *len = o;
    return s;
}

START_TEST(test_depth_limit)
{
    size_t len;
    char *s = nested(JS_MAX_DEPTH, 0, &len);
    expect_valid_n(s, len);
    free(s);
    s = nested(JS_MAX_DEPTH, 1, &len);
    expect_valid_n(s, len);
    free(s);
    s = nested(JS_MAX_DEPTH + 1, 0, &len);
    expect_error_n(s, len, JS_MAX_DEPTH, "nesting deeper than 512");
    free(s);
    s = nested(JS_MAX_DEPTH + 1, 1, &len);
    expect_error_n(s, len, JS_MAX_DEPTH * 5, "nesting deeper than 512");
    free(s);
    /* alternating objects and arrays: 512 levels pass, 513 do not */
    for (int extra = 0; extra <= 1; extra++) {
        int depth = JS_MAX_DEPTH + extra;
        char mixed[(JS_MAX_DEPTH + 1) * 6 + 8];
        size_t o = 0, last_open = 0;
        for (int i = 0; i < depth; i++) {
            const char *u = (i & 1) ? "[" : "{\"k\":";
            last_open = o;
            memcpy(mixed + o, u, strlen(u));
            o += strlen(u);
        }
        mixed[o++] = '0';
        for (int i = depth - 1; i >= 0; i--)
            mixed[o++] = (i & 1) ? ']' : '}';
        if (extra)
            expect_error_n(mixed, o, last_open, "nesting deeper than 512");
        else
            expect_valid_n(mixed, o);
    }
}
END_TEST

/* ------------------------------------------------------------ errors */

typedef struct {
    const char *doc;
    size_t len;      /* 0: strlen(doc) */
    size_t off;
    const char *what;
} bad_case;

static const bad_case bad_cases[] = {
    /* empty */
    { "", 0, 0, "empty body" },
    { " \t\r\n ", 0, 5, "empty body" },
    /* strings */
    { "\"abc", 0, 0, "unterminated string" },
    { "[\"abc", 0, 1, "unterminated string" },
    { "{\"a\":\"b", 0, 5, "unterminated string" },
    { "\"", 0, 0, "unterminated string" },
    { "\"a\nb\"", 0, 2, "control character" },
    { "\"\x01\"", 0, 1, "control character" },
    { "\"\x1f\"", 0, 1, "control character" },
    { "\"\tx\"", 0, 1, "control character" },
    { "\"a\0b\"", 5, 2, "control character" },
    { "\"\\x\"", 0, 1, "invalid escape" },
    { "\"\\'\"", 0, 1, "invalid escape" },
    { "\"\\U0041\"", 0, 1, "invalid escape" },
    { "\"\\", 0, 1, "unterminated escape" },
    { "\"\\u12G4\"", 0, 1, "\\u escape" },
    { "\"\\u12\"", 0, 1, "\\u escape" },
    { "\"\\u12", 0, 1, "\\u escape" },
    { "\"\\uD800\"", 0, 1, "unpaired high surrogate" },
    { "\"\\uDBFF\"", 0, 1, "unpaired high surrogate" },
    { "\"ab\\uD800x\"", 0, 3, "unpaired high surrogate" },
    { "\"\\uD800\\u0041\"", 0, 1, "unpaired high surrogate" },
    { "\"\\uD800\\uD800\"", 0, 1, "unpaired high surrogate" },
    { "\"\\uD800\\n\"", 0, 1, "unpaired high surrogate" },
    { "\"\\uD800\\uDC0\"", 0, 1, "unpaired high surrogate" },
    { "\"\\uD800", 0, 1, "unpaired high surrogate" },
    { "\"\\uDC00\"", 0, 1, "unpaired low surrogate" },
    { "\"\\uDFFF\\uD800\"", 0, 1, "unpaired low surrogate" },
    /* UTF-8 */
    { "\"\x80\"", 0, 1, "invalid UTF-8" },
    { "\"\xBF\"", 0, 1, "invalid UTF-8" },
    { "\"\xC0\xAF\"", 0, 1, "invalid UTF-8" },         /* overlong '/' */
    { "\"\xC1\xBF\"", 0, 1, "invalid UTF-8" },
    { "\"\xE0\x80\xAF\"", 0, 1, "invalid UTF-8" },     /* overlong 3 */
    { "\"\xE0\x9F\xBF\"", 0, 1, "invalid UTF-8" },
    { "\"\xF0\x80\x80\xAF\"", 0, 1, "invalid UTF-8" }, /* overlong 4 */
    { "\"\xF0\x8F\xBF\xBF\"", 0, 1, "invalid UTF-8" },
    { "\"\xED\xA0\x80\"", 0, 1, "invalid UTF-8" },     /* U+D800 */
    { "\"\xED\xBF\xBF\"", 0, 1, "invalid UTF-8" },     /* U+DFFF */
    { "\"\xF4\x90\x80\x80\"", 0, 1, "invalid UTF-8" }, /* U+110000 */
    { "\"\xF5\x80\x80\x80\"", 0, 1, "invalid UTF-8" },
    { "\"\xF8\x88\x80\x80\x80\"", 0, 1, "invalid UTF-8" },
    { "\"\xFE\"", 0, 1, "invalid UTF-8" },
    { "\"\xFF\"", 0, 1, "invalid UTF-8" },
    { "\"ab\xC3\"", 0, 3, "invalid UTF-8" },           /* truncated 2 */
    { "\"\xE2\x82\"", 0, 1, "invalid UTF-8" },         /* truncated 3 */
    { "\"\xF0\x9F\x98\"", 0, 1, "invalid UTF-8" },     /* truncated 4 */
    { "\"\xE2\x82", 0, 1, "invalid UTF-8" },           /* truncated at EOF */
    { "\"\xC3\xA9\xC3", 0, 3, "invalid UTF-8" },
    { "\"\xC3\x41\"", 0, 1, "invalid UTF-8" },
    { "\"\xE2\x28\xA1\"", 0, 1, "invalid UTF-8" },
    { "\"\xF0\x9F\x98\x28\"", 0, 1, "invalid UTF-8" },
    { "[\"ok\",\"\xC3\xA9\",\"\xA9\"]", 0, 12, "invalid UTF-8" },
    /* numbers */
    { "01", 0, 1, "leading zero" },
    { "-01", 0, 2, "leading zero" },
    { "[00]", 0, 2, "leading zero" },
    { "+1", 0, 0, "unexpected character '+'" },
    { "-", 0, 1, "digit after '-'" },
    { "-a", 0, 1, "unexpected character 'a'" },
    { "--1", 0, 1, "digit after '-'" },
    { "1.", 0, 2, "decimal point" },
    { "1.e5", 0, 2, "decimal point" },
    { ".5", 0, 0, "unexpected character '.'" },
    { "1e", 0, 2, "exponent" },
    { "1e+", 0, 3, "exponent" },
    { "1E-x", 0, 3, "exponent" },
    { "[1e]", 0, 3, "exponent" },
    { "NaN", 0, 0, "unexpected character 'N'" },
    { "Infinity", 0, 0, "unexpected character 'I'" },
    { "-Infinity", 0, 1, "digit after '-'" },
    { "[1,NaN]", 0, 3, "unexpected character 'N'" },
    { "0x10", 0, 1, "trailing data" },
    { "1 2", 0, 2, "trailing data" },
    { "1.5.5", 0, 3, "trailing data" },
    /* literals */
    { "tru", 0, 3, "invalid literal" },
    { "trUe", 0, 2, "invalid literal" },
    { "True", 0, 0, "unexpected character 'T'" },
    { "nul", 0, 3, "invalid literal" },
    { "nulL", 0, 3, "invalid literal" },
    { "fals", 0, 4, "invalid literal" },
    { "falsey", 0, 5, "trailing data" },
    { "[nil]", 0, 2, "invalid literal" },
    { "undefined", 0, 0, "unexpected character 'u'" },
    /* structure */
    { "[", 0, 1, "unexpected end of input" },
    { "{", 0, 1, "unexpected end of input" },
    { "[1", 0, 2, "unexpected end of input" },
    { "[1,", 0, 3, "unexpected end of input" },
    { "{\"a\"", 0, 4, "unexpected end of input" },
    { "{\"a\":", 0, 5, "unexpected end of input" },
    { "{\"a\":1", 0, 6, "unexpected end of input" },
    { "[[[]]", 0, 5, "unexpected end of input" },
    { "[1,]", 0, 3, "unexpected character ']'" },
    { "[,1]", 0, 1, "unexpected character ','" },
    { "[1,,2]", 0, 3, "unexpected character ','" },
    { "[1 2]", 0, 3, "expected ',' or ']'" },
    { "[1}", 0, 2, "expected ',' or ']'" },
    { "{\"a\":1]", 0, 6, "expected ',' or '}'" },
    { "{\"a\" 1}", 0, 5, "expected ':'" },
    { "{\"a\"=1}", 0, 4, "expected ':'" },
    { "{\"a\":}", 0, 5, "unexpected character '}'" },
    { "{\"a\":1,}", 0, 7, "string key" },
    { "{,}", 0, 1, "string key" },
    { "{1:2}", 0, 1, "string key" },
    { "{'a':1}", 0, 1, "string key" },
    { "{a:1}", 0, 1, "string key" },
    { "{\"a\":1 \"b\":2}", 0, 7, "expected ',' or '}'" },
    { "]", 0, 0, "unexpected character ']'" },
    { "}", 0, 0, "unexpected character '}'" },
    { ":", 0, 0, "unexpected character ':'" },
    { ",", 0, 0, "unexpected character ','" },
    { "'a'", 0, 0, "unexpected character '''" },
    { "[1]]", 0, 3, "trailing data" },
    { "{}{}", 0, 2, "trailing data" },
    { "[] []", 0, 3, "trailing data" },
    { "[1]//c", 0, 3, "trailing data" },
    { "/*c*/[1]", 0, 0, "unexpected character '/'" },
    { "[1]\0", 4, 3, "trailing data" },
    /* bytes that are not JSON whitespace */
    { "\f1", 0, 0, "unexpected byte 0x0C" },
    { "\v[]", 0, 0, "unexpected byte 0x0B" },
    { "[1,\xC2\xA0" "2]", 0, 3, "unexpected byte 0xC2" },
    { "\xEF\xBB\xBF{}", 0, 0, "unexpected byte 0xEF" },     /* a BOM */
    { "\0", 1, 0, "unexpected byte 0x00" },
    { "[\x01]", 0, 1, "unexpected byte 0x01" },
};

START_TEST(test_errors_table)
{
    json_error_t jerr;
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        size_t len = c->len ? c->len : strlen(c->doc);
        expect_error_n(c->doc, len, c->off, c->what);
        ck_assert_msg(!jansson_ok(c->doc, len, &jerr), "jansson accepts bad case #%zu", i);
    }
}
END_TEST

/* Whole messages, as a client would read them in an error body. */
static void expect_message(const char *doc, const char *msg)
{
    js_error err;
    ck_assert_int_eq(js_validate(doc, strlen(doc), &err), -1);
    ck_assert_str_eq(err.message, msg);
}

START_TEST(test_messages)
{
    expect_error("[1,2,@]", 5, "unexpected character '@'");
    expect_message("[1,2,@]", "unexpected character '@'");
    expect_message("[1,", "unexpected end of input, expected a value");
    expect_message("", "empty body");
    expect_message("\"abc", "unterminated string");
    expect_message("\"\xFF\"", "invalid UTF-8 in string");
    expect_message("[1] x", "trailing data after the JSON value");
    expect_message("[1 2]", "unexpected character '2', expected ',' or ']'");
    expect_message("{\"a\":1", "unexpected end of input, expected ',' or '}'");
    expect_message("\x01", "unexpected byte 0x01");
    expect_message("\"\\uDC00\"", "unpaired low surrogate in \\u escape");
}
END_TEST

START_TEST(test_error_null_buffer)
{
    js_error err;
    ck_assert_int_eq(js_validate(NULL, 0, &err), -1);
    ck_assert_str_eq(err.message, "empty body");
    ck_assert_uint_eq(err.offset, 0);
    ck_assert_int_eq(js_validate(NULL, 10, &err), -1);
}
END_TEST

/* ------------------------------------------------------ hostile input */

#define BIG (10u * 1000u * 1000u)

START_TEST(test_ten_megabyte_strings)
{
    char *s = malloc(BIG + 16);
    ck_assert_ptr_nonnull(s);
    /* plain ASCII */
    s[0] = '"';
    memset(s + 1, 'a', BIG);
    s[BIG + 1] = '"';
    expect_valid_n(s, BIG + 2);
    /* unterminated */
    expect_error_n(s, BIG + 1, 0, "unterminated string");
    /* a bad byte at the very end */
    s[BIG] = '\x01';
    expect_error_n(s, BIG + 2, BIG, "control character");
    s[BIG] = '\xC3';
    expect_error_n(s, BIG + 2, BIG, "invalid UTF-8");
    /* Vietnamese text: three-byte sequences throughout, escapes mixed in */
    s[BIG] = 'a';
    for (size_t i = 1; i + 3 <= BIG + 1; i += 3)
        memcpy(s + i, (i % 999 == 1) ? "\\\\a" : "\xE1\xBB\x87", 3);
    s[BIG + 1] = '"';
    expect_valid_n(s, BIG + 2);
    /* a surrogate encoded in UTF-8 deep inside */
    memcpy(s + BIG / 2 - (BIG / 2 - 1) % 3, "\xED\xA0\x80", 3);
    js_error err;
    ck_assert_int_eq(js_validate(s, BIG + 2, &err), -1);
    ck_assert_str_eq(err.message, "invalid UTF-8 in string");
    ck_assert_uint_eq(err.offset, BIG / 2 - (BIG / 2 - 1) % 3);
    free(s);
}
END_TEST

START_TEST(test_ten_megabyte_array)
{
    /* "[1,1,...,1]" with five million elements, then walk it */
    size_t n = BIG / 2, len = 2 * n + 1;
    char *s = malloc(len + 1);
    ck_assert_ptr_nonnull(s);
    s[0] = '[';
    for (size_t i = 0; i < n; i++) {
        s[1 + 2 * i] = '1';
        s[2 + 2 * i] = ',';
    }
    s[len - 1] = ']';
    expect_valid_n(s, len);
    ck_assert_int_eq(walk_any(s, len), (long)n);
    s[len - 1] = ',';
    expect_error_n(s, len, len, "unexpected end of input");
    free(s);
    /* ten megabytes of whitespace around a value */
    s = malloc(BIG + 1);
    ck_assert_ptr_nonnull(s);
    memset(s, ' ', BIG);
    s[BIG / 2] = '0';
    expect_valid_n(s, BIG);
    ck_assert_uint_eq(js_skip_ws(s, BIG, 0), BIG / 2);
    s[BIG / 2] = ' ';
    expect_error_n(s, BIG, BIG, "empty body");
    free(s);
}
END_TEST

START_TEST(test_million_open_brackets)
{
    size_t n = 1000u * 1000u;
    char *s = malloc(2 * n);
    ck_assert_ptr_nonnull(s);
    memset(s, '[', n);
    expect_error_n(s, n, JS_MAX_DEPTH, "nesting deeper than 512");
    memset(s + n, ']', n);
    expect_error_n(s, 2 * n, JS_MAX_DEPTH, "nesting deeper than 512");
    /* the iterators need no depth limit and must not recurse either */
    js_iter it;
    js_span sp;
    ck_assert_int_eq(js_array_begin(&it, s, n, 0), 0);
    ck_assert_int_eq(js_array_next(&it, &sp), -1);
    ck_assert_int_eq(js_array_begin(&it, s, 2 * n, 0), 0);
    ck_assert_int_eq(js_array_next(&it, &sp), 1);
    ck_assert_uint_eq(sp.off, 1);
    ck_assert_uint_eq(sp.len, 2 * n - 2);
    ck_assert_int_eq(js_array_next(&it, &sp), 0);
    /* objects: {"a":{"a":... */
    for (size_t i = 0; i + 5 <= n; i += 5)
        memcpy(s + i, "{\"a\":", 5);
    expect_error_n(s, n, JS_MAX_DEPTH * 5, "nesting deeper than 512");
    free(s);
}
END_TEST

static const char sample_doc[] =
    "{\"service\":\"DongBoHoSoMC\",\"data\":[{\"MaHoSo\":\"G01.01-250101-0001\","
    "\"DonViXuLy\":\"S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p\",\"Gia\":-12.5e+2,"
    "\"esc\":\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\",\"ok\":true,"
    "\"no\":false,\"nil\":null,\"list\":[0,1,[],{},[[\"]\"]]]},"
    " {\"emoji\":\"\xF0\x9F\x98\x80\",\"n\":0.001E-3}\n],\"x\":[1 ,2\t,3\r\n]}";

START_TEST(test_every_truncation_rejected)
{
    size_t n = sizeof sample_doc - 1;
    json_error_t jerr;
    expect_valid_n(sample_doc, n);
    ck_assert(jansson_ok(sample_doc, n, &jerr));
    for (size_t k = 0; k < n; k++) {
        /* a fresh copy of exactly k bytes so ASan sees any over-read */
        char *p = malloc(k ? k : 1);
        REQUIRE(p != NULL);
        memcpy(p, sample_doc, k);
        js_error err = { 0, "" };
        if (js_validate(p, k, &err) != -1)
            ck_abort_msg("prefix %zu accepted", k);
        if (err.offset > k || err.message[0] == '\0')
            ck_abort_msg("prefix %zu: offset %zu, message '%s'", k, err.offset, err.message);
        REQUIRE(!jansson_ok(p, k, &jerr));
        walk_any(p, k);
        free(p);
    }
}
END_TEST

/* ------------------------------------------------- random vs jansson */

/* Appends a random valid JSON value of bounded depth to out. */
static void gen_value(rng *r, char *out, size_t *o, size_t cap, int depth)
{
    static const char *const atoms[] = {
        "0", "-0", "12", "-3.25", "1e10", "2E-3", "true", "false", "null", "\"\"",
        "\"plain\"", "\"\\\"q\\\\\"", "\"\\u00e9\\uD83D\\uDE00\"", "\"\xC3\xA9\xE2\x82\xAC\"",
        "\"\xF0\x9F\x98\x80\"", "\"[]{},:\"", "\"\\u0000\"", "123456789012", "0.5",
    };
    static const char *const ws[] = { "", "", "", " ", "\n", "\t", "\r\n " };
    if (*o + 64 >= cap)
        depth = 0;
#define PUT(str)                                                              \
    do {                                                                      \
        const char *s_ = (str);                                               \
        size_t l_ = strlen(s_);                                               \
        memcpy(out + *o, s_, l_);                                             \
        *o += l_;                                                             \
    } while (0)
    PUT(ws[rng_below(r, 7)]);
    size_t kind = depth > 0 ? rng_below(r, 4) : 0;
    if (kind < 2) {
        PUT(atoms[rng_below(r, sizeof atoms / sizeof *atoms)]);
    } else {
        int obj = kind == 3;
        PUT(obj ? "{" : "[");
        size_t n = rng_below(r, 5);
        for (size_t i = 0; i < n && *o + 128 < cap; i++) {
            if (i)
                PUT(",");
            if (obj) {
                PUT(ws[rng_below(r, 7)]);
                PUT(i & 1 ? "\"k\\\"\"" : "\"key\"");
                PUT(ws[rng_below(r, 7)]);
                PUT(":");
            }
            gen_value(r, out, o, cap, depth - 1);
        }
        PUT(ws[rng_below(r, 7)]);
        PUT(obj ? "}" : "]");
    }
    PUT(ws[rng_below(r, 7)]);
#undef PUT
}

/* Applies one to three random edits (replace, insert, delete) to doc. */
static void mutate(rng *r, char *doc, size_t *len, size_t cap)
{
    static const unsigned char pool[] = {
        '"', '\\', '[', ']', '{', '}', ',', ':', '0', '1', '-', '+', '.', 'e', 'E',
        'u', 'D', 'd', '8', 'C', 'F', 't', 'n', ' ', '\n', '\t', '\r', 0x00, 0x01, 0x1f,
        0x7f, 0x80, 0xBF, 0xC0, 0xC3, 0xE0, 0xED, 0xA0, 0xF0, 0xF4, 0x90, 0xFF,
    };
    size_t edits = 1 + rng_below(r, 3);
    for (size_t e = 0; e < edits; e++) {
        unsigned char b = rng_below(r, 4) == 0 ? (unsigned char)rng_next(r)
                                               : pool[rng_below(r, sizeof pool)];
        size_t at = *len ? rng_below(r, *len) : 0;
        switch (rng_below(r, 3)) {
        case 0:
            if (*len)
                doc[at] = (char)b;
            break;
        case 1:
            if (*len + 1 < cap) {
                memmove(doc + at + 1, doc + at, *len - at);
                doc[at] = (char)b;
                (*len)++;
            }
            break;
        default:
            if (*len) {
                memmove(doc + at, doc + at + 1, *len - at - 1);
                (*len)--;
            }
        }
    }
}

/* jansson rejects a few things RFC 8259 allows: numbers it cannot hold and
 * NUL in object keys; it also nests deeper. Those cases are not compared. */
static int jansson_too_strict(const json_error_t *jerr)
{
    enum json_error_code c = json_error_code(jerr);
    return c == json_error_numeric_overflow || c == json_error_null_byte_in_key ||
           c == json_error_stack_overflow;
}

/* jansson 2.14 also accepts a raw NUL byte right after a number or literal
 * ("0\0" is valid to it: its stream treats 0 as "no pushed-back byte"). We
 * reject such a NUL; the case is recognized by our error pointing at it. */
static int jansson_too_lax(const char *doc, size_t len, const js_error *err)
{
    return err->offset < len && doc[err->offset] == '\0';
}

typedef struct {
    int valid;      /* both accept */
    int skipped;    /* a known, legitimate difference */
} fuzz_stats;

/* Compares the two verdicts; for a valid array also that the iterator's
 * element count matches jansson's. */
static void compare_with_jansson(const char *doc, size_t len, fuzz_stats *st)
{
    json_error_t jerr;
    js_error err = { 0, "" };
    char shown[2048];
    int mine = js_validate(doc, len, &err) == 0;
    json_t *j = json_loadb(doc, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    int theirs = j != NULL;
    if (mine != theirs && ((mine && jansson_too_strict(&jerr)) ||
                           (theirs && jansson_too_lax(doc, len, &err)))) {
        st->skipped++;
    } else if (mine != theirs) {
        ck_abort_msg("disagree on [%s]: jsonscan %s (%s at %zu), jansson %s (%s)",
                     show(doc, len, shown, sizeof shown), mine ? "valid" : "invalid",
                     err.message, err.offset, theirs ? "valid" : "invalid", jerr.text);
    }
    if (!mine)
        REQUIRE(err.offset <= len);
    long n = walk_any(doc, len);
    if (mine && theirs) {
        st->valid++;
        if (json_is_array(j))
            REQUIRE(n == (long)json_array_size(j));
        else if (json_is_object(j))
            REQUIRE(n >= (long)json_object_size(j));   /* duplicate keys collapse */
        else
            REQUIRE(n == -1);
    }
    json_decref(j);
}

START_TEST(test_random_against_jansson)
{
    rng r = { 0x9E3779B97F4A7C15u };
    enum { CAP = 4096, ROUNDS = 6000 };
    char *doc = malloc(CAP);
    ck_assert_ptr_nonnull(doc);
    fuzz_stats gen = { 0, 0 }, mut = { 0, 0 };
    for (int i = 0; i < ROUNDS; i++) {
        size_t len = 0;
        if (i % 3 == 0) {
            len = sizeof sample_doc - 1;
            memcpy(doc, sample_doc, len);
        } else {
            gen_value(&r, doc, &len, CAP, 1 + (int)rng_below(&r, 5));
            /* an unmutated generated document is valid for both */
            compare_with_jansson(doc, len, &gen);
        }
        mutate(&r, doc, &len, CAP);
        compare_with_jansson(doc, len, &mut);
    }
    ck_assert_int_eq(gen.valid, ROUNDS - ROUNDS / 3);
    ck_assert_int_eq(gen.skipped, 0);
    /* the mutations must exercise both outcomes, and rarely be skipped */
    ck_assert_int_gt(mut.valid, ROUNDS / 20);
    ck_assert_int_lt(mut.valid, ROUNDS - ROUNDS / 20);
    ck_assert_int_lt(mut.skipped, ROUNDS / 50);
    free(doc);
}
END_TEST

START_TEST(test_random_bytes_never_crash)
{
    rng r = { 12345 };
    char buf[64];
    for (int i = 0; i < 20000; i++) {
        size_t len = rng_below(&r, sizeof buf);
        for (size_t k = 0; k < len; k++)
            buf[k] = "[]{}\",:\\ 0tu"[rng_below(&r, 13)];
        char *p = malloc(len ? len : 1);
        REQUIRE(p != NULL);
        memcpy(p, buf, len);
        js_error err;
        if (js_validate(p, len, &err) < 0)
            REQUIRE(err.offset <= len);
        walk_any(p, len);
        free(p);
    }
}
END_TEST

/* ------------------------------------------------------------ iterators */

START_TEST(test_array_iteration)
{
    const char *d = " [ 1 , \"a]\\\"[\" ,{\"x\":[1,{\"y\":\"}\"}]},[[]],true,null,-1.5e3,"
                    "\"\\\\\",\"\\\\\\\"]\" , {} ] ";
    static const char *const want[] = {
        "1", "\"a]\\\"[\"", "{\"x\":[1,{\"y\":\"}\"}]}", "[[]]", "true", "null", "-1.5e3",
        "\"\\\\\"", "\"\\\\\\\"]\"", "{}",
    };
    size_t len = strlen(d);
    expect_valid(d);
    js_iter it;
    js_span sp;
    ck_assert_int_eq(js_array_begin(&it, d, len, js_skip_ws(d, len, 0)), 0);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        ck_assert_int_eq(js_array_next(&it, &sp), 1);
        assert_span(d, sp, want[i]);
        json_error_t jerr;
        json_t *j = json_loadb(d + sp.off, sp.len, JSON_DECODE_ANY, &jerr);
        ck_assert_msg(j != NULL, "element %zu does not parse: %s", i, jerr.text);
        json_decref(j);
    }
    ck_assert_int_eq(js_array_next(&it, &sp), 0);
    ck_assert_int_eq(js_array_next(&it, &sp), 0);   /* stays at the end */

    /* a nested array, iterated from its own offset */
    const char *inner = strstr(d, "[1,{");
    ck_assert_int_eq(js_array_begin(&it, d, len, (size_t)(inner - d)), 0);
    ck_assert_int_eq(js_array_next(&it, &sp), 1);
    assert_span(d, sp, "1");
    ck_assert_int_eq(js_array_next(&it, &sp), 1);
    assert_span(d, sp, "{\"y\":\"}\"}");
    ck_assert_int_eq(js_array_next(&it, &sp), 0);
}
END_TEST

START_TEST(test_array_iteration_edges)
{
    js_iter it;
    js_span sp;
    ck_assert_int_eq(js_array_begin(&it, "[]", 2, 0), 0);
    ck_assert_int_eq(js_array_next(&it, &sp), 0);
    ck_assert_int_eq(js_array_begin(&it, "[ \n ]", 5, 0), 0);
    ck_assert_int_eq(js_array_next(&it, &sp), 0);
    ck_assert_int_eq(js_array_begin(&it, "[\"\"]", 4, 0), 0);
    ck_assert_int_eq(js_array_next(&it, &sp), 1);
    ck_assert_uint_eq(sp.off, 1);
    ck_assert_uint_eq(sp.len, 2);
    ck_assert_int_eq(js_array_next(&it, &sp), 0);
    /* not an array */
    ck_assert_int_eq(js_array_begin(&it, "{}", 2, 0), -1);
    ck_assert_int_eq(js_array_next(&it, &sp), -1);
    ck_assert_int_eq(js_array_begin(&it, " []", 3, 0), -1);
    ck_assert_int_eq(js_array_begin(&it, "[]", 2, 2), -1);
    ck_assert_int_eq(js_array_begin(&it, "[]", 0, 0), -1);
    ck_assert_int_eq(js_array_begin(&it, NULL, 0, 0), -1);
    ck_assert_int_eq(js_object_begin(&it, "[]", 2, 0), -1);
}
END_TEST

/* Expects the array iterator over doc to yield `good` elements, then -1
 * (and -1 again: the error is sticky). */
static void expect_array_fails_after(const char *doc, int good)
{
    js_iter it;
    js_span sp;
    size_t len = strlen(doc);
    ck_assert_int_eq(js_array_begin(&it, doc, len, 0), 0);
    for (int i = 0; i < good; i++)
        ck_assert_msg(js_array_next(&it, &sp) == 1, "[%s] element %d", doc, i);
    ck_assert_msg(js_array_next(&it, &sp) == -1, "[%s] should fail after %d", doc, good);
    ck_assert_int_eq(js_array_next(&it, &sp), -1);
}

START_TEST(test_array_iteration_malformed)
{
    expect_array_fails_after("[", 0);
    expect_array_fails_after("[1", 1);
    expect_array_fails_after("[1,", 1);
    expect_array_fails_after("[1,]", 1);
    expect_array_fails_after("[,]", 0);
    expect_array_fails_after("[1 2]", 1);
    expect_array_fails_after("[\"abc", 0);
    expect_array_fails_after("[\"abc\\\"]", 0);
    expect_array_fails_after("[[1,2]", 1);      /* "[1,2]", then no ']' */
    expect_array_fails_after("[{\"a\":\"}]", 0);
    expect_array_fails_after("[1,}", 1);
    expect_array_fails_after("[1,2}", 2);
}
END_TEST

START_TEST(test_object_iteration)
{
    const char *d = "{ \"a\" : 1 ,\"k\\\"}\":\"v]\\\\\", \"nested\":{\"x\":[{\"}\":\"{\"}]},"
                    "\"e\":[],\"service\" :\"DongBoHoSoMC\" , \"data\":[1,2] }";
    size_t len = strlen(d);
    expect_valid(d);
    static const char *const keys[] = {
        "\"a\"", "\"k\\\"}\"", "\"nested\"", "\"e\"", "\"service\"", "\"data\"",
    };
    static const char *const vals[] = {
        "1", "\"v]\\\\\"", "{\"x\":[{\"}\":\"{\"}]}", "[]", "\"DongBoHoSoMC\"", "[1,2]",
    };
    js_iter it;
    js_span k, v;
    ck_assert_int_eq(js_object_begin(&it, d, len, 0), 0);
    for (size_t i = 0; i < 6; i++) {
        ck_assert_int_eq(js_object_next(&it, &k, &v), 1);
        assert_span(d, k, keys[i]);
        assert_span(d, v, vals[i]);
    }
    ck_assert_int_eq(js_object_next(&it, &k, &v), 0);
    ck_assert_int_eq(js_object_next(&it, &k, &v), 0);

    /* find the envelope the way the ingest code does */
    int seen = 0;
    ck_assert_int_eq(js_object_begin(&it, d, len, 0), 0);
    while (js_object_next(&it, &k, &v) == 1) {
        if (js_key_is(d, k, "service")) {
            assert_span(d, v, "\"DongBoHoSoMC\"");
            seen |= 1;
        }
        if (js_key_is(d, k, "data")) {
            js_iter inner;
            js_span e;
            ck_assert_int_eq(js_array_begin(&inner, d, len, v.off), 0);
            ck_assert_int_eq(js_array_next(&inner, &e), 1);
            ck_assert_int_eq(js_array_next(&inner, &e), 1);
            assert_span(d, e, "2");
            ck_assert_int_eq(js_array_next(&inner, &e), 0);
            seen |= 2;
        }
    }
    ck_assert_int_eq(seen, 3);

    ck_assert_int_eq(js_object_begin(&it, "{ }", 3, 0), 0);
    ck_assert_int_eq(js_object_next(&it, &k, &v), 0);
    ck_assert_int_eq(js_object_begin(&it, "[]", 2, 0), -1);
    ck_assert_int_eq(js_object_next(&it, &k, &v), -1);
}
END_TEST

/* Expects the object iterator over doc to yield `good` members, then -1. */
static void expect_object_fails_after(const char *doc, int good)
{
    js_iter it;
    js_span k, v;
    size_t len = strlen(doc);
    ck_assert_int_eq(js_object_begin(&it, doc, len, 0), 0);
    for (int i = 0; i < good; i++)
        ck_assert_msg(js_object_next(&it, &k, &v) == 1, "[%s] member %d", doc, i);
    ck_assert_msg(js_object_next(&it, &k, &v) == -1, "[%s] should fail after %d", doc,
                  good);
    ck_assert_int_eq(js_object_next(&it, &k, &v), -1);
}

START_TEST(test_object_iteration_malformed)
{
    expect_object_fails_after("{", 0);
    expect_object_fails_after("{\"a\"", 0);
    expect_object_fails_after("{\"a\" 1}", 0);
    expect_object_fails_after("{\"a\":}", 0);
    expect_object_fails_after("{\"a\":", 0);
    expect_object_fails_after("{\"a\":1", 1);
    expect_object_fails_after("{\"a\":1,}", 1);
    expect_object_fails_after("{\"a\":1 \"b\":2}", 1);
    expect_object_fails_after("{a:1}", 0);
    expect_object_fails_after("{\"a\":1]", 1);
    expect_object_fails_after("{\"a\":\"x}", 0);
}
END_TEST

/* js_key_is over a whole string that is just the key. */
static int key_is(const char *k, const char *name)
{
    js_span sp = { 0, strlen(k) };
    return js_key_is(k, sp, name);
}

START_TEST(test_key_is)
{
    ck_assert(key_is("\"service\"", "service"));
    ck_assert(!key_is("\"service\"", "servic"));
    ck_assert(!key_is("\"service\"", "services"));
    ck_assert(!key_is("\"service\"", "Service"));
    ck_assert(!key_is("\"service\"", ""));
    ck_assert(key_is("\"\"", ""));
    ck_assert(!key_is("\"\"", "a"));
    ck_assert(key_is("\"D\xC6\xA1n\"", "D\xC6\xA1n"));       /* raw UTF-8 bytes */
    /* escapes in the key are decoded before comparing, as jansson would */
    ck_assert(key_is("\"ser\\u0076ice\"", "service"));
    ck_assert(key_is("\"\\u0073ervic\\u0065\"", "service"));
    ck_assert(!key_is("\"ser\\u0076ice\"", "servicf"));
    ck_assert(!key_is("\"ser\\u0076ice\"", "servic"));
    ck_assert(!key_is("\"ser\\u0076ice\"", "services"));
    ck_assert(key_is("\"a\\\"b\"", "a\"b"));
    ck_assert(key_is("\"\\n\\/\"", "\n/"));
    ck_assert(!key_is("\"\\u00e9\"", "\xC3\xA9"));   /* escaped non-ASCII: no match */
    ck_assert(!key_is("\"\\u00e9\"", "e"));
    ck_assert(!key_is("\"ser\\u00\"", "ser"));       /* malformed escapes */
    ck_assert(!key_is("\"ser\\u00\"", "ser\\u00"));
    ck_assert(!key_is("\"ser\\\"", "ser"));
    ck_assert(!key_is("\"ser\\q\"", "ser\\q"));
    /* not a quoted key */
    ck_assert(!key_is("service", "ervic"));
    ck_assert(!key_is("\"x", "x"));
    ck_assert(!key_is("\"", ""));
    ck_assert(!key_is("", ""));
    ck_assert(!js_key_is(NULL, (js_span){ 0, 0 }, ""));
    /* a span in the middle of a buffer */
    const char *d = "{\"a\":1,\"data\":[]}";
    ck_assert(js_key_is(d, (js_span){ 7, 6 }, "data"));
    ck_assert(!js_key_is(d, (js_span){ 7, 6 }, "dat"));
}
END_TEST

START_TEST(test_skip_ws)
{
    const char *d = " \t\r\n x \f";
    ck_assert_uint_eq(js_skip_ws(d, 8, 0), 5);
    ck_assert_uint_eq(js_skip_ws(d, 8, 5), 5);
    ck_assert_uint_eq(js_skip_ws(d, 8, 6), 7);       /* \f is not whitespace */
    ck_assert_uint_eq(js_skip_ws(d, 4, 0), 4);
    ck_assert_uint_eq(js_skip_ws(d, 8, 8), 8);
    ck_assert_uint_eq(js_skip_ws(d, 8, 100), 8);
    ck_assert_uint_eq(js_skip_ws("", 0, 0), 0);
}
END_TEST

Suite *make_jsonscan_suite(void)
{
    Suite *s = suite_create("jsonscan");
    TCase *tc = tcase_create("validate");
    tcase_add_test(tc, test_valid_documents);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_errors_table);
    tcase_add_test(tc, test_error_null_buffer);
    tcase_add_test(tc, test_messages);
    tcase_add_test(tc, test_skip_ws);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_ten_megabyte_strings);
    tcase_add_test(tc, test_ten_megabyte_array);
    tcase_add_test(tc, test_million_open_brackets);
    tcase_add_test(tc, test_every_truncation_rejected);
    tcase_add_test(tc, test_random_against_jansson);
    tcase_add_test(tc, test_random_bytes_never_crash);
    suite_add_tcase(s, tc);

    tc = tcase_create("iterate");
    tcase_add_test(tc, test_array_iteration);
    tcase_add_test(tc, test_array_iteration_edges);
    tcase_add_test(tc, test_array_iteration_malformed);
    tcase_add_test(tc, test_object_iteration);
    tcase_add_test(tc, test_object_iteration_malformed);
    tcase_add_test(tc, test_key_is);
    suite_add_tcase(s, tc);
    return s;
}
