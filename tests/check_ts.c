/*
 * check_ts.c - tests for ts.c (timestamps and local dates).
 *
 * Why: every metric depends on reading timestamps right and on the local
 * (UTC+7) date of an instant. These tests pin each accepted form, reject a
 * long list of malformed and hostile inputs, and check the integer calendar
 * against an independent oracle (glibc's timegm/gmtime_r, used here only)
 * and by round trips over random instants from 1900 to 9999.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ts.h"

/*
 * Assertions for hot loops: Check's ck_assert_* records a "mark point"
 * through the runner's pipe on every success, which makes a loop of a million
 * asserts take seconds. These only talk to Check when they fail.
 */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            ck_abort_msg("check failed: %s", #c);                                                  \
    } while (0)
#define CHECK_MSG(c, ...)                                                                          \
    do {                                                                                           \
        if (!(c))                                                                                  \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)
#define EQ(a, b)                                                                                   \
    do {                                                                                           \
        long long eq_a_ = (long long)(a), eq_b_ = (long long)(b);                                  \
        if (eq_a_ != eq_b_)                                                                        \
            ck_abort_msg("%s == %s failed: %lld != %lld", #a, #b, eq_a_, eq_b_);                   \
    } while (0)

#define US TS_US_PER_SEC
#define H7 (7LL * 3600LL)

/* A small deterministic PRNG (splitmix64); state is local to each test. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (hi - lo well below 2^63). */
static int64_t rng_range(uint64_t *state, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    return (int64_t)((uint64_t)lo + rng_next(state) % span);
}

/* Parses a C string (without its NUL). */
static int parse_str(const char *s, ts_date_default dflt, ts_t *out)
{
    return ts_parse(s, strlen(s), dflt, out);
}

/* The oracle: seconds since the epoch of a UTC civil time, by glibc. */
static int64_t oracle_utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm);
}

/* ---- accepted forms ---------------------------------------------------- */

typedef struct {
    const char *text;
    ts_date_default dflt;
    int64_t sec; /* expected instant, seconds part */
    int64_t us;  /* expected microseconds part */
} accept_case;

static const accept_case accepted[] = {
    /* RFC 3339 with an offset or Z */
    {"2024-03-14T15:30:00+07:00", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14T08:30:00Z", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14T08:30:00z", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14t08:30:00Z", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14t08:30:00z", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14T08:30:00+00:00", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14T08:30:00-00:00", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14T03:30:00-05:00", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14T14:00:00+05:30", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-15T08:29:00+23:59", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-13T08:31:00-23:59", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14 15:30:00+07:00", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14T15:30+07:00", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14T08:30Z", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14T15:30:00.5+07:00", TS_DATE_MIDNIGHT, 1710405000, 500000},
    {"2024-03-14T08:30:00.123456Z", TS_DATE_MIDNIGHT, 1710405000, 123456},
    /* local time, Vietnam */
    {"2024-03-14 15:30:00", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14T15:30:00", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14t15:30:00", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14T15:30", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14 15:30", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14 15:30:00.1", TS_DATE_MIDNIGHT, 1710405000, 100000},
    {"2024-03-14 15:30:00.12", TS_DATE_MIDNIGHT, 1710405000, 120000},
    {"2024-03-14 15:30:00.123", TS_DATE_MIDNIGHT, 1710405000, 123000},
    {"2024-03-14 15:30:00.1234", TS_DATE_MIDNIGHT, 1710405000, 123400},
    {"2024-03-14 15:30:00.12345", TS_DATE_MIDNIGHT, 1710405000, 123450},
    {"2024-03-14 15:30:00.123456", TS_DATE_MIDNIGHT, 1710405000, 123456},
    {"2024-03-14 15:30:00.1234567", TS_DATE_MIDNIGHT, 1710405000, 123456},
    {"2024-03-14 15:30:00.12345678", TS_DATE_MIDNIGHT, 1710405000, 123456},
    {"2024-03-14 15:30:00.123456789", TS_DATE_MIDNIGHT, 1710405000, 123456},
    {"2024-03-14 15:30:00.999999999", TS_DATE_MIDNIGHT, 1710405000, 999999},
    {"2024-03-14 15:30:00.000000001", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"2024-03-14 15:30:00.000001", TS_DATE_MIDNIGHT, 1710405000, 1},
    /* bare date: 00:00 or 17:00 local */
    {"2024-03-14", TS_DATE_MIDNIGHT, 1710349200, 0},
    {"2024-03-14", TS_DATE_EVENING, 1710410400, 0},
    /* DVCQG yyyyMMddHHmmss, Vietnam time */
    {"20240314153000", TS_DATE_MIDNIGHT, 1710405000, 0},
    {"20240314153000", TS_DATE_EVENING, 1710405000, 0},
    {"19000101000000", TS_DATE_MIDNIGHT, -2209014000, 0},
    {"20240229235959", TS_DATE_MIDNIGHT, 1709225999, 0},
    /* range and calendar boundaries */
    {"1900-01-01T00:00:00+07:00", TS_DATE_MIDNIGHT, -2209014000, 0},
    {"1900-01-01", TS_DATE_MIDNIGHT, -2209014000, 0},
    {"1900-01-01T00:00:00Z", TS_DATE_MIDNIGHT, -2208988800, 0},
    {"9999-12-31T23:59:59+07:00", TS_DATE_MIDNIGHT, 253402275599, 0},
    {"9999-12-31 23:59:59.999999", TS_DATE_MIDNIGHT, 253402275599, 999999},
    {"9999-12-31T23:59:59-23:59", TS_DATE_MIDNIGHT, 253402387139, 0},
    {"1970-01-01T00:00:00Z", TS_DATE_MIDNIGHT, 0, 0},
    {"1970-01-01 07:00:00", TS_DATE_MIDNIGHT, 0, 0},
    {"1970-01-01T06:59:59.999999+07:00", TS_DATE_MIDNIGHT, -1, 999999},
    {"1969-12-31T23:59:59Z", TS_DATE_MIDNIGHT, -1, 0},
    {"2000-02-29T12:00:00Z", TS_DATE_MIDNIGHT, 951825600, 0},
    {"2024-02-29", TS_DATE_MIDNIGHT, 1709139600, 0},
    {"2024-12-31T23:59:59+07:00", TS_DATE_MIDNIGHT, 1735664399, 0},
    {"2024-01-01T00:00:00+07:00", TS_DATE_MIDNIGHT, 1704042000, 0},
};

START_TEST(test_accepted_forms)
{
    const accept_case *c = &accepted[_i];
    ts_t got = 12345;
    CHECK_MSG(parse_str(c->text, c->dflt, &got) == 0, "rejected \"%s\"", c->text);
    CHECK_MSG(got == c->sec * US + c->us, "\"%s\": got %lld, want %lld", c->text,
                  (long long)got, (long long)(c->sec * US + c->us));
}
END_TEST

/* ---- rejected forms ---------------------------------------------------- */

static const char *const rejected[] = {
    "",
    " ",
    "2024",
    "2024-03",
    "2024-3-14",
    "2024-03-4",
    "24-03-14",
    "2024/03/14",
    "2024.03.14",
    "14/03/2024",
    "2024-03-14T",
    "2024-03-14 ",
    " 2024-03-14",
    "2024-03-14\t15:30",
    "2024-03-14  15:30",
    "2024-03-14_15:30",
    "2024-03-14X15:30",
    "2024-03-14T1530",
    "2024-03-14T15",
    "2024-03-14T15:3",
    "2024-03-14T5:30",
    "2024-03-14T15:30:0",
    "2024-03-14T15:30:",
    "2024-03-14T15:30:00.",
    "2024-03-14T15:30:00.Z",
    "2024-03-14T15:30:00,5",
    "2024-03-14T15:30.5",
    "2024-03-14T15:30:00+0700",
    "2024-03-14T15:30:00+07",
    "2024-03-14T15:30:00+7:00",
    "2024-03-14T15:30:00+07:0",
    "2024-03-14T15:30:00+24:00",
    "2024-03-14T15:30:00-24:00",
    "2024-03-14T15:30:00+07:60",
    "2024-03-14T15:30:00+99:99",
    "2024-03-14T15:30:00 +07:00",
    "2024-03-14T15:30:00+07:00 ",
    "2024-03-14T15:30:00ZZ",
    "2024-03-14T15:30:00Z+07:00",
    "2024-03-14T15:30:00UTC",
    "2024-03-14T15:30:00GMT+7",
    "2024-03-14T15:30:00+07:00x",
    "2024-03-14T24:00:00",
    "2024-03-14T25:00:00",
    "2024-03-14T15:60:00",
    "2024-03-14T15:30:60",
    "2024-03-14T23:59:60Z",
    "2024-00-14",
    "2024-13-14",
    "2024-03-00",
    "2024-03-32",
    "2024-04-31",
    "2024-06-31",
    "2024-09-31",
    "2024-11-31",
    "2023-02-29",
    "1900-02-29",
    "2100-02-29",
    "2024-02-30",
    "1899-12-31",
    "1899-12-31T23:59:59Z",
    "0000-01-01",
    "0001-01-01",
    "10000-01-01",
    "99999-12-31",
    "+2024-03-14",
    "-2024-03-14",
    "2024-03-14x",
    "2024-03-14T15:30:00junk",
    "2024-03-14T15:30:00\n",
    "\n2024-03-14",
    "2024-03-14T-1:30:00",
    "2024-03-14T+1:30:00",
    "2024-03-14T15:+3:00",
    "2024-+3-14",
    "2024-03-+4",
    "2024-03-14T15:30:00.+5",
    "2024-03-14T15:30:00.-5",
    "2024-03-14T15:30:00.5e3",
    "2024-03-14T15:30:00.0x5",
    "T15:30:00",
    "15:30:00",
    "null",
    "NaN",
    "1710405000",
    "1710405000000000",
    /* DVCQG */
    "2024031415300",
    "202403141530000",
    "20241314153000",
    "20240014153000",
    "20240230153000",
    "20230229000000",
    "19000229000000",
    "20240314243000",
    "20240314156000",
    "20240314153060",
    "18991231235959",
    "00000101000000",
    "2024031415300Z",
    "2024 314153000",
    "+2024031415300",
    "-2024031415300",
    "20240314153000Z",
    "20240314153000 ",
    " 20240314153000",
    "2024-03-14 1530",
    /* non-ASCII */
    "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94-03-14", /* full-width digits */
    "2024\u201003\u201014",                                 /* U+2010 hyphens */
    "2024-03-14\u00a015:30",                                 /* NBSP */
    "2024-03-14T15:30:00\u221207:00",                        /* U+2212 minus */
    "\377\3762024-03-14",                                   /* invalid UTF-8 */
    "2024-03-14\xff",
    "\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4-03-14", /* Arabic-Indic digits */
    "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80",
};

START_TEST(test_rejected_forms)
{
    const char *s = rejected[_i];
    ts_t got = 777;
    for (int dflt = 0; dflt <= 1; dflt++) {
        CHECK_MSG(ts_parse(s, strlen(s), (ts_date_default)dflt, &got) == -1,
                      "accepted \"%s\" as %lld", s, (long long)got);
        EQ(got, 777); /* *out untouched on failure */
    }
}
END_TEST

/* The parser must honour n: never read past it, nor stop at a NUL. */
START_TEST(test_length_is_honoured)
{
    ts_t t;
    const char *longer = "2024-03-14T15:30:00+07:00trailing";
    EQ(ts_parse(longer, 25, TS_DATE_MIDNIGHT, &t), 0);
    EQ(t, 1710405000 * US);
    EQ(ts_parse(longer, 26, TS_DATE_MIDNIGHT, &t), -1);
    EQ(ts_parse(longer, 19, TS_DATE_MIDNIGHT, &t), 0); /* local, no zone */
    EQ(t, 1710405000 * US);
    EQ(ts_parse(longer, 10, TS_DATE_EVENING, &t), 0);
    EQ(t, 1710410400 * US);
    EQ(ts_parse(longer, 0, TS_DATE_MIDNIGHT, &t), -1);
    EQ(ts_parse(longer, 9, TS_DATE_MIDNIGHT, &t), -1);
    EQ(ts_parse(longer, 16, TS_DATE_MIDNIGHT, &t), 0); /* "...T15:30" */
    EQ(ts_parse(longer, 15, TS_DATE_MIDNIGHT, &t), -1);
    EQ(ts_parse("20240314153000", 14, TS_DATE_MIDNIGHT, &t), 0);
    EQ(ts_parse("20240314153000", 13, TS_DATE_MIDNIGHT, &t), -1);
    EQ(ts_parse(NULL, 0, TS_DATE_MIDNIGHT, &t), -1);

    /* Exact-size heap copies: ASan flags any read past the end. */
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        size_t n = strlen(accepted[i].text);
        char *copy = malloc(n);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, accepted[i].text, n);
        EQ(ts_parse(copy, n, accepted[i].dflt, &t), 0);
        EQ(t, accepted[i].sec * US + accepted[i].us);
        for (size_t k = 0; k < n; k++) /* every proper prefix that is not itself a form */
            if (ts_parse(copy, k, TS_DATE_MIDNIGHT, &t) == 0)
                CHECK_MSG(k == 10 || k == 14 || k == 16 || k == 19 || k >= 20,
                              "prefix %zu of \"%s\" accepted", k, accepted[i].text);
        free(copy);
    }
}
END_TEST

/* An embedded NUL anywhere inside an otherwise valid text invalidates it. */
START_TEST(test_embedded_nul)
{
    const char *forms[] = {"2024-03-14T15:30:00+07:00", "2024-03-14 15:30:00.123456",
                           "2024-03-14", "20240314153000", "2024-03-14T15:30Z"};
    ts_t t;
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        size_t n = strlen(forms[f]);
        char buf[64];
        for (size_t pos = 0; pos < n; pos++) {
            memcpy(buf, forms[f], n);
            buf[pos] = '\0';
            CHECK_MSG(ts_parse(buf, n, TS_DATE_MIDNIGHT, &t) == -1, "NUL at %zu of \"%s\"",
                          pos, forms[f]);
        }
        memcpy(buf, forms[f], n);
        buf[n] = '\0';
        EQ(ts_parse(buf, n + 1, TS_DATE_MIDNIGHT, &t), -1); /* trailing NUL */
        EQ(ts_parse(buf, n, TS_DATE_MIDNIGHT, &t), 0);
    }
}
END_TEST

/* 1 MB of digits, of garbage, and a valid prefix followed by 1 MB. */
START_TEST(test_hostile_large)
{
    const size_t n = 1u << 20;
    char *buf = malloc(n);
    ck_assert_ptr_nonnull(buf);
    ts_t t;

    memset(buf, '9', n);
    EQ(ts_parse(buf, n, TS_DATE_MIDNIGHT, &t), -1);
    memset(buf, '0', n);
    EQ(ts_parse(buf, n, TS_DATE_MIDNIGHT, &t), -1);
    for (size_t k = 1; k <= 64; k++) /* every short all-digit string but the 14-digit one */
        if (k != 14)
            EQ(ts_parse(buf, k, TS_DATE_MIDNIGHT, &t), -1);

    uint64_t st = 42;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(rng_next(&st) & 0xff);
    EQ(ts_parse(buf, n, TS_DATE_MIDNIGHT, &t), -1);

    /* A valid timestamp followed by lots of fraction digits (kept to the
     * microsecond, however many) or junk. */
    memcpy(buf, "2024-03-14T15:30:00.", 20);
    memset(buf + 20, '5', n - 20);
    EQ(ts_parse(buf, n, TS_DATE_MIDNIGHT, &t), 0);
    EQ(t, 1710405000 * US + 555555);
    EQ(ts_parse(buf, 29, TS_DATE_MIDNIGHT, &t), 0); /* 9 digits */
    EQ(t, 1710405000 * US + 555555);
    EQ(ts_parse(buf, 30, TS_DATE_MIDNIGHT, &t), 0); /* 10 digits */
    EQ(t, 1710405000 * US + 555555);
    buf[n - 1] = 'x';
    EQ(ts_parse(buf, n, TS_DATE_MIDNIGHT, &t), -1);
    memcpy(buf, "2024-03-14T15:30:00+07:00", 25);
    memset(buf + 25, ' ', n - 25);
    EQ(ts_parse(buf, n, TS_DATE_MIDNIGHT, &t), -1);
    memset(buf, '-', n);
    EQ(ts_parse(buf, n, TS_DATE_MIDNIGHT, &t), -1);
    memset(buf, '\0', n);
    EQ(ts_parse(buf, n, TS_DATE_MIDNIGHT, &t), -1);
    free(buf);
}
END_TEST

/* Random byte strings of timestamp-like length, mostly built from the
 * characters timestamps use: whatever is accepted must round-trip. */
START_TEST(test_fuzz_consistency)
{
    static const char alphabet[] = "0123456789-:T tZz+.\x00\xff";
    uint64_t st = 7;
    char buf[40], out[TS_FMT_MAX];
    int accepted_count = 0;
    for (int iter = 0; iter < 200000; iter++) {
        size_t n = (size_t)rng_range(&st, 0, 32);
        for (size_t i = 0; i < n; i++)
            buf[i] = alphabet[rng_next(&st) % (sizeof alphabet - 1)];
        /* seed half the time with a valid prefix so mutations hit deep states */
        if (n >= 10 && (rng_next(&st) & 1))
            memcpy(buf, "2024-03-14", 10);
        ts_t t, back;
        if (ts_parse(buf, n, TS_DATE_MIDNIGHT, &t) != 0)
            continue;
        accepted_count++;
        if (t < -2209014000LL * US || t > 253402275599LL * US + 999999)
            continue; /* e.g. 1900-01-01T00:00+08:00 is 1899 in Vietnam */
        size_t len = ts_format(t, out, sizeof out);
        EQ(ts_parse(out, len, TS_DATE_MIDNIGHT, &back), 0);
        EQ(back, t);
    }
    ck_assert_int_gt(accepted_count, 0);
}
END_TEST

/* ---- fields against the oracle ----------------------------------------- */

/* Builds text from random valid fields in every form and compares with timegm. */
START_TEST(test_random_fields_vs_oracle)
{
    uint64_t st = 2024;
    char buf[64];
    for (int iter = 0; iter < 100000; iter++) {
        int y = (int)rng_range(&st, 1900, 9999);
        int mo = (int)rng_range(&st, 1, 12);
        int d = (int)rng_range(&st, 1, days_in_month(y, mo));
        int h = (int)rng_range(&st, 0, 23), mi = (int)rng_range(&st, 0, 59);
        int s = (int)rng_range(&st, 0, 59);
        int oh = (int)rng_range(&st, 0, 23), om = (int)rng_range(&st, 0, 59);
        int neg = (int)(rng_next(&st) & 1);
        int64_t frac = rng_range(&st, 0, 999999999);
        int64_t off = (neg ? -1 : 1) * ((int64_t)oh * 3600 + om * 60);
        int64_t base = oracle_utc(y, mo, d, h, mi, s);
        ts_t t;

        snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lld%c%02d:%02d", y, mo, d,
                 h, mi, s, (long long)frac, neg ? '-' : '+', oh, om);
        CHECK_MSG(parse_str(buf, TS_DATE_MIDNIGHT, &t) == 0, "rejected %s", buf);
        CHECK_MSG(t == (base - off) * US + frac / 1000, "%s", buf);

        snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s);
        EQ(parse_str(buf, TS_DATE_MIDNIGHT, &t), 0);
        EQ(t, (base - H7) * US);

        snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", y, mo, d, h, mi, s);
        EQ(parse_str(buf, TS_DATE_MIDNIGHT, &t), 0);
        EQ(t, (base - H7) * US);

        snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02dZ", y, mo, d, h, mi);
        EQ(parse_str(buf, TS_DATE_MIDNIGHT, &t), 0);
        EQ(t, (base - s) * US);

        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, mo, d);
        int64_t midnight = oracle_utc(y, mo, d, 0, 0, 0) - H7;
        EQ(parse_str(buf, TS_DATE_MIDNIGHT, &t), 0);
        EQ(t, midnight * US);
        EQ(parse_str(buf, TS_DATE_EVENING, &t), 0);
        EQ(t, (midnight + 17 * 3600) * US);
    }
}
END_TEST

/* The same instant written with every whole-hour and some odd offsets. */
START_TEST(test_offsets_same_instant)
{
    const int64_t utc = 1710405000; /* 2024-03-14T08:30:00Z */
    char buf[64];
    for (int mins = -(23 * 60 + 59); mins <= 23 * 60 + 59; mins++) {
        int64_t local = utc + mins * 60;
        time_t lt = (time_t)local;
        struct tm tm;
        gmtime_r(&lt, &tm);
        int a = mins < 0 ? -mins : mins;
        snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 mins < 0 ? '-' : '+', a / 60, a % 60);
        ts_t t;
        CHECK_MSG(parse_str(buf, TS_DATE_MIDNIGHT, &t) == 0, "rejected %s", buf);
        CHECK_MSG(t == utc * US, "%s", buf);
    }
}
END_TEST

/* Every calendar date 1900..9999 against the oracle, both directions. */
START_TEST(test_days_vs_oracle)
{
    day_t first = day_from_ymd(1900, 1, 1);
    EQ(first, -25567);
    EQ(day_from_ymd(1970, 1, 1), 0);
    EQ(day_from_ymd(1969, 12, 31), -1);
    EQ(day_from_ymd(2000, 3, 1), 11017);
    EQ(day_from_ymd(9999, 12, 31), 2932896);
    int y = 1900, m = 1, d = 1;
    for (day_t day = first; day <= 2932896; day++) {
        int gy, gm, gd;
        day_to_ymd(day, &gy, &gm, &gd);
        if (gy != y || gm != m || gd != d)
            ck_abort_msg("day %d: got %04d-%02d-%02d want %04d-%02d-%02d", day, gy, gm, gd, y, m,
                         d);
        if (day_from_ymd(y, m, d) != day)
            ck_abort_msg("day_from_ymd(%d,%d,%d) != %d", y, m, d, day);
        if (day % 997 == 0) { /* sample the oracle and the weekday */
            time_t tt = (time_t)day * 86400;
            struct tm tm;
            gmtime_r(&tt, &tm);
            EQ(tm.tm_year + 1900, y);
            EQ(tm.tm_mon + 1, m);
            EQ(tm.tm_mday, d);
            EQ(day_iso_weekday(day), tm.tm_wday == 0 ? 7 : tm.tm_wday);
        }
        if (++d > days_in_month(y, m)) { /* naive successor */
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
}
END_TEST

/* Dates far outside 1900..9999 and before year 0 still round-trip. */
START_TEST(test_days_wide_range)
{
    uint64_t st = 99;
    for (int i = 0; i < 200000; i++) {
        day_t day = (day_t)rng_range(&st, -700000000, 700000000);
        int y, m, d;
        day_to_ymd(day, &y, &m, &d);
        CHECK(m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m));
        EQ(day_from_ymd(y, m, d), day);
        EQ(day_iso_weekday(day + 1), day_iso_weekday(day) % 7 + 1);
    }
    int y, m, d;
    day_to_ymd(day_from_ymd(0, 3, 1) - 1, &y, &m, &d); /* year 0 is a leap year */
    CHECK(y == 0 && m == 2 && d == 29);
    day_to_ymd(day_from_ymd(-100, 3, 1) - 1, &y, &m, &d);
    CHECK(y == -100 && m == 2 && d == 28);
}
END_TEST

START_TEST(test_weekday_and_month_lengths)
{
    EQ(day_iso_weekday(0), 4);                          /* 1970-01-01 Thu */
    EQ(day_iso_weekday(-1), 3);                         /* 1969-12-31 Wed */
    EQ(day_iso_weekday(-3), 1);                         /* Mon */
    EQ(day_iso_weekday(-4), 7);                         /* Sun */
    EQ(day_iso_weekday(day_from_ymd(2024, 3, 14)), 4);  /* Thu */
    EQ(day_iso_weekday(day_from_ymd(2026, 1, 10)), 6);  /* Sat */
    EQ(day_iso_weekday(day_from_ymd(1900, 1, 1)), 1);   /* Mon */
    EQ(day_iso_weekday(day_from_ymd(2000, 1, 1)), 6);   /* Sat */
    EQ(day_iso_weekday(day_from_ymd(9999, 12, 31)), 5); /* Fri */
    EQ(day_iso_weekday(INT32_MIN), day_iso_weekday(INT32_MIN + 7));
    EQ(day_iso_weekday(INT32_MAX), day_iso_weekday(INT32_MAX - 7));

    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++)
        EQ(days_in_month(2023, m), len[m - 1]);
    EQ(days_in_month(2024, 2), 29);
    EQ(days_in_month(2000, 2), 29);
    EQ(days_in_month(1900, 2), 28);
    EQ(days_in_month(2100, 2), 28);
    EQ(days_in_month(2400, 2), 29);
    EQ(days_in_month(2024, 0), 0);
    EQ(days_in_month(2024, 13), 0);
    EQ(days_in_month(2024, -1), 0);
}
END_TEST

/* ---- local dates of instants ------------------------------------------- */

START_TEST(test_local_day_boundaries)
{
    day_t d14 = day_from_ymd(2024, 3, 14);
    ts_t t;
    /* 16:59:59.999999Z is still the 13th locally; 17:00:00Z is the 14th. */
    EQ(parse_str("2024-03-13T16:59:59.999999Z", 0, &t), 0);
    EQ(ts_day(t), d14 - 1);
    EQ(parse_str("2024-03-13T17:00:00Z", 0, &t), 0);
    EQ(ts_day(t), d14);
    EQ(ts_day_start(d14), t);
    EQ(ts_day_end(d14 - 1), t - 1);
    EQ(parse_str("2024-03-14T16:59:59.999999Z", 0, &t), 0);
    EQ(ts_day(t), d14);
    EQ(ts_day_end(d14), t);
    EQ(parse_str("2024-03-14 23:59:59.999999", 0, &t), 0);
    EQ(ts_day(t), d14);
    EQ(parse_str("2024-03-14T00:00:00+07:00", 0, &t), 0);
    EQ(ts_day(t), d14);
    EQ(ts_day(t - 1), d14 - 1);

    /* the epoch and negative instants: floor, not truncation */
    EQ(ts_day(0), 0);
    EQ(ts_day(-H7 * US), 0);
    EQ(ts_day(-H7 * US - 1), -1);
    EQ(ts_day(17 * 3600 * US - 1), 0);
    EQ(ts_day(17 * 3600 * US), 1);
    EQ(ts_day(-TS_US_PER_DAY - H7 * US), -1);
    EQ(ts_day(-TS_US_PER_DAY - H7 * US - 1), -2);
    EQ(ts_day_start(0), -H7 * US);
    EQ(ts_day_start(-1), -H7 * US - TS_US_PER_DAY);
    EQ(ts_day_end(-1), -H7 * US - 1);

    /* extremes must not overflow */
    EQ(ts_day(INT64_MAX), (day_t)((INT64_MAX / US + H7) / 86400));
    ck_assert_int_lt(ts_day(INT64_MIN), -100000000);
    EQ(ts_day(INT64_MIN + 1), ts_day(INT64_MIN));

    /* days at the ends of the int64 range: exact where representable, else saturated */
    day_t top = ts_day(INT64_MAX), bottom = ts_day(INT64_MIN);
    EQ(ts_day(ts_day_start(top)), top);
    EQ(ts_day_end(top), INT64_MAX);
    EQ(ts_day_end(top - 1) + 1, ts_day_start(top));
    EQ(ts_day_start(top + 1), INT64_MAX);
    EQ(ts_day_start(INT32_MAX), INT64_MAX);
    EQ(ts_day_end(INT32_MAX), INT64_MAX);
    EQ(ts_day(ts_day_start(bottom + 1)), bottom + 1);
    EQ(ts_day(ts_day_start(bottom + 1) - 1), bottom);
    EQ(ts_day(ts_day_end(bottom)), bottom);
    EQ(ts_day_start(bottom), INT64_MIN + 1);
    EQ(ts_day_start(INT32_MIN), INT64_MIN + 1);
    EQ(ts_day_end(INT32_MIN), INT64_MIN + 1);
}
END_TEST

/* ts_day, ts_day_start and ts_day_end agree over a wide random range. */
START_TEST(test_local_day_random)
{
    uint64_t st = 5;
    for (int i = 0; i < 300000; i++) {
        ts_t t = rng_range(&st, -5000000000000000000LL, 5000000000000000000LL);
        day_t d = ts_day(t);
        CHECK(ts_day_start(d) <= t && t <= ts_day_end(d));
        EQ(ts_day_end(d) + 1, ts_day_start(d + 1));
        EQ(ts_day(ts_day_start(d)), d);
        EQ(ts_day(ts_day_start(d) - 1), d - 1);
        EQ(ts_day(ts_day_end(d)), d);
    }
}
END_TEST

/* ---- formatting -------------------------------------------------------- */

typedef struct {
    int64_t t;
    const char *rfc, *pg;
} fmt_case;

static const fmt_case formats[] = {
    {0, "1970-01-01T07:00:00+07:00", "1970-01-01 00:00:00.000000+00"},
    {-1, "1970-01-01T06:59:59.999999+07:00", "1969-12-31 23:59:59.999999+00"},
    {1, "1970-01-01T07:00:00.000001+07:00", "1970-01-01 00:00:00.000001+00"},
    {-H7 * US, "1970-01-01T00:00:00+07:00", "1969-12-31 17:00:00.000000+00"},
    {1710405000 * US, "2024-03-14T15:30:00+07:00", "2024-03-14 08:30:00.000000+00"},
    {1710405000 * US + 500000, "2024-03-14T15:30:00.500000+07:00",
     "2024-03-14 08:30:00.500000+00"},
    {1709139600 * US, "2024-02-29T00:00:00+07:00", "2024-02-28 17:00:00.000000+00"},
    {-2209014000 * US, "1900-01-01T00:00:00+07:00", "1899-12-31 17:00:00.000000+00"},
    {253402275599 * US + 999999, "9999-12-31T23:59:59.999999+07:00",
     "9999-12-31 16:59:59.999999+00"},
    {951825600 * US, "2000-02-29T19:00:00+07:00", "2000-02-29 12:00:00.000000+00"},
};

START_TEST(test_format_examples)
{
    const fmt_case *c = &formats[_i];
    char buf[TS_FMT_MAX];
    size_t len = ts_format(c->t, buf, sizeof buf);
    ck_assert_str_eq(buf, c->rfc);
    EQ(len, strlen(c->rfc));
    len = ts_format_pg(c->t, buf, sizeof buf);
    ck_assert_str_eq(buf, c->pg);
    EQ(len, strlen(c->pg));
}
END_TEST

/* Extreme values fit TS_FMT_MAX and a short buffer is never overrun. */
START_TEST(test_format_extremes)
{
    const ts_t vals[] = {TS_NULL, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1, -1, 0};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char buf[TS_FMT_MAX];
        size_t len = ts_format(vals[i], buf, sizeof buf);
        ck_assert_uint_lt(len, TS_FMT_MAX);
        EQ(strlen(buf), len);
        len = ts_format_pg(vals[i], buf, sizeof buf);
        ck_assert_uint_lt(len, TS_FMT_MAX);
        EQ(strlen(buf), len);
    }
    char small[8];
    memset(small, 'x', sizeof small);
    size_t len = ts_format(0, small, 5);
    EQ(len, 4);
    ck_assert_str_eq(small, "1970");
    EQ(small[5], 'x');
    char dbuf[DAY_FMT_MAX];
    ck_assert_uint_lt(day_format(INT32_MIN, dbuf, sizeof dbuf), DAY_FMT_MAX);
    ck_assert_uint_lt(day_format(INT32_MAX, dbuf, sizeof dbuf), DAY_FMT_MAX);
}
END_TEST

/* Random instants 1900..9999: format then parse gives the same instant, and
 * the pg form matches gmtime_r. */
START_TEST(test_round_trip_random)
{
    uint64_t st = 31337;
    const int64_t lo = -2209014000LL * US, hi = 253402275599LL * US + 999999;
    char buf[TS_FMT_MAX], want[96];
    for (int i = 0; i < 300000; i++) {
        ts_t t = rng_range(&st, lo, hi);
        if (i % 3 == 0)
            t -= t % US; /* whole seconds: the short form */
        size_t len = ts_format(t, buf, sizeof buf);
        ts_t back;
        CHECK_MSG(ts_parse(buf, len, TS_DATE_MIDNIGHT, &back) == 0, "rejected %s", buf);
        CHECK_MSG(back == t, "%s: %lld != %lld", buf, (long long)back, (long long)t);
        EQ(len, t % US == 0 ? 25 : 32);

        if (t >= -2208988800LL * US) { /* pg form for UTC years >= 1900 */
            int64_t sec = t / US, us = t % US;
            if (us < 0) {
                us += US;
                sec--;
            }
            time_t tt = (time_t)sec;
            struct tm tm;
            gmtime_r(&tt, &tm);
            snprintf(want, sizeof want, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (long long)us);
            ts_format_pg(t, buf, sizeof buf);
            ck_assert_str_eq(buf, want);
        }
    }
}
END_TEST

/* Instants near the epoch, one microsecond apart, across local midnight. */
START_TEST(test_round_trip_epoch)
{
    char buf[TS_FMT_MAX];
    for (ts_t t = -3 * US; t <= 3 * US; t += 137) {
        ts_t back;
        size_t len = ts_format(t, buf, sizeof buf);
        EQ(ts_parse(buf, len, TS_DATE_MIDNIGHT, &back), 0);
        EQ(back, t);
    }
    for (ts_t t = -H7 * US - 2000; t <= -H7 * US + 2000; t++) {
        ts_t back;
        size_t len = ts_format(t, buf, sizeof buf);
        EQ(ts_parse(buf, len, TS_DATE_MIDNIGHT, &back), 0);
        EQ(back, t);
        EQ(ts_day(t), t < -H7 * US ? -1 : 0);
    }
}
END_TEST

/* ---- day_parse / day_format -------------------------------------------- */

START_TEST(test_day_parse_format)
{
    day_t d;
    EQ(day_parse("2024-03-14", 10, &d), 0);
    EQ(d, day_from_ymd(2024, 3, 14));
    EQ(day_parse("1970-01-01", 10, &d), 0);
    EQ(d, 0);
    EQ(day_parse("1969-12-31", 10, &d), 0);
    EQ(d, -1);
    EQ(day_parse("2024-02-29", 10, &d), 0);
    EQ(day_parse("1900-01-01", 10, &d), 0);
    EQ(day_parse("9999-12-31", 10, &d), 0);
    EQ(day_parse("2024-03-14xyz", 10, &d), 0); /* n honoured */

    static const char *const bad[] = {
        "", "2024-03-1", "2024-03-14 ", " 2024-03-14", "2024-03-14T00:00", "2023-02-29",
        "2100-02-29", "2024-13-01", "2024-00-01", "2024-01-00", "2024-01-32", "2024/01/01",
        "20240101", "1899-12-31", "0000-01-01", "2024-1-01", "2024-01-1x", "+024-01-01",
        "2024-04-31", "\uff12\uff10\uff12\uff14-01-01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = 4242;
        CHECK_MSG(day_parse(bad[i], strlen(bad[i]), &d) == -1, "accepted \"%s\"", bad[i]);
        EQ(d, 4242);
    }
    EQ(day_parse("2024-03-14\0", 11, &d), -1);
    EQ(day_parse("2024-03\0" "14", 10, &d), -1);
    EQ(day_parse(NULL, 0, &d), -1);

    char buf[DAY_FMT_MAX];
    EQ(day_format(day_from_ymd(2024, 3, 14), buf, sizeof buf), 10);
    ck_assert_str_eq(buf, "2024-03-14");
    day_format(-1, buf, sizeof buf);
    ck_assert_str_eq(buf, "1969-12-31");
    day_format(day_from_ymd(1900, 1, 1), buf, sizeof buf);
    ck_assert_str_eq(buf, "1900-01-01");

    /* every day 1900..9999 formats and parses back */
    for (day_t x = day_from_ymd(1900, 1, 1); x <= day_from_ymd(9999, 12, 31); x += 3) {
        size_t len = day_format(x, buf, sizeof buf);
        EQ(len, 10);
        EQ(day_parse(buf, len, &d), 0);
        EQ(d, x);
    }
}
END_TEST

/* A bare date as due date (17:00) versus elsewhere (00:00), at both ends. */
START_TEST(test_bare_date_defaults)
{
    ts_t a, b;
    EQ(parse_str("2024-03-14", TS_DATE_MIDNIGHT, &a), 0);
    EQ(parse_str("2024-03-14", TS_DATE_EVENING, &b), 0);
    EQ(b - a, 17 * 3600 * US);
    EQ(a, ts_day_start(day_from_ymd(2024, 3, 14)));
    EQ(ts_day(a), ts_day(b));
    ts_t c;
    EQ(parse_str("2024-03-14 17:00", TS_DATE_MIDNIGHT, &c), 0);
    EQ(c, b);
    EQ(parse_str("1900-01-01", TS_DATE_EVENING, &c), 0);
    EQ(c, (-2209014000LL + 17 * 3600) * US);
    EQ(parse_str("9999-12-31", TS_DATE_EVENING, &c), 0);
    EQ(c, (253402275599LL - (6 * 3600 + 59 * 60 + 59)) * US);
    /* the default only applies to bare dates */
    EQ(parse_str("2024-03-14T00:00", TS_DATE_EVENING, &c), 0);
    EQ(c, a);
    EQ(parse_str("20240314000000", TS_DATE_EVENING, &c), 0);
    EQ(c, a);
}
END_TEST

START_TEST(test_now)
{
    ts_t a = ts_now();
    time_t wall = time(NULL);
    ts_t b = ts_now();
    ck_assert_int_ne(a, TS_NULL);
    ck_assert_int_le(a, b);
    ck_assert_int_le(a / US, (int64_t)wall + 1);
    ck_assert_int_ge(b / US, (int64_t)wall - 1);
    ck_assert_int_gt(a, 1704042000LL * US); /* after 2024-01-01 */
}
END_TEST

Suite *make_ts_suite(void)
{
    Suite *s = suite_create("ts");

    TCase *parse = tcase_create("parse");
    tcase_set_timeout(parse, 120);
    tcase_add_loop_test(parse, test_accepted_forms, 0,
                        (int)(sizeof accepted / sizeof accepted[0]));
    tcase_add_loop_test(parse, test_rejected_forms, 0,
                        (int)(sizeof rejected / sizeof rejected[0]));
    tcase_add_test(parse, test_length_is_honoured);
    tcase_add_test(parse, test_embedded_nul);
    tcase_add_test(parse, test_hostile_large);
    tcase_add_test(parse, test_fuzz_consistency);
    tcase_add_test(parse, test_random_fields_vs_oracle);
    tcase_add_test(parse, test_offsets_same_instant);
    tcase_add_test(parse, test_bare_date_defaults);
    suite_add_tcase(s, parse);

    TCase *days = tcase_create("days");
    tcase_set_timeout(days, 120);
    tcase_add_test(days, test_days_vs_oracle);
    tcase_add_test(days, test_days_wide_range);
    tcase_add_test(days, test_weekday_and_month_lengths);
    tcase_add_test(days, test_local_day_boundaries);
    tcase_add_test(days, test_local_day_random);
    tcase_add_test(days, test_day_parse_format);
    suite_add_tcase(s, days);

    TCase *fmt = tcase_create("format");
    tcase_set_timeout(fmt, 120);
    tcase_add_loop_test(fmt, test_format_examples, 0, (int)(sizeof formats / sizeof formats[0]));
    tcase_add_test(fmt, test_format_extremes);
    tcase_add_test(fmt, test_round_trip_random);
    tcase_add_test(fmt, test_round_trip_epoch);
    tcase_add_test(fmt, test_now);
    suite_add_tcase(s, fmt);
    return s;
}
