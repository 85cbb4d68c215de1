/*
 * check_period.c - tests for period.c (period names and time buckets, §5).
 *
 * Why: the period a query names fixes every count it returns, and series
 * bucket keys must parse back to exactly the bucket they name. ISO weeks are
 * the easy place to be off by one week or one year, so they are checked
 * against an independent definition (the week holding the year's first
 * Thursday) for every day from 1900 to 2400. The reporting calendar
 * (calendar=report) is checked on every kind, across year boundaries, and by
 * tiling 1900..2400 with names that parse back to their buckets.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "period.h"
#include "ts.h"

/* Assertions for hot loops that only talk to Check on failure (see check_ts.c). */
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

static day_t ymd(int y, int m, int d)
{
    return day_from_ymd(y, m, d);
}

static int parse_str(const char *s, period_t *p)
{
    return period_parse(s, strlen(s), p);
}

/* ---- period_parse ------------------------------------------------------ */

typedef struct {
    const char *name;
    int fy, fm, fd, ty, tm, td;
} period_case;

static const period_case good[] = {
    {"2024", 2024, 1, 1, 2024, 12, 31},
    {"1900", 1900, 1, 1, 1900, 12, 31},
    {"9999", 9999, 1, 1, 9999, 12, 31},
    {"2024-H1", 2024, 1, 1, 2024, 6, 30},
    {"2024-H2", 2024, 7, 1, 2024, 12, 31},
    {"2024-h1", 2024, 1, 1, 2024, 6, 30},
    {"2024-Q1", 2024, 1, 1, 2024, 3, 31},
    {"2024-Q2", 2024, 4, 1, 2024, 6, 30},
    {"2024-Q3", 2024, 7, 1, 2024, 9, 30},
    {"2024-Q4", 2024, 10, 1, 2024, 12, 31},
    {"2024-q4", 2024, 10, 1, 2024, 12, 31},
    {"2024-01", 2024, 1, 1, 2024, 1, 31},
    {"2024-02", 2024, 2, 1, 2024, 2, 29},
    {"2023-02", 2023, 2, 1, 2023, 2, 28},
    {"2000-02", 2000, 2, 1, 2000, 2, 29},
    {"1900-02", 1900, 2, 1, 1900, 2, 28},
    {"2024-03", 2024, 3, 1, 2024, 3, 31},
    {"2024-04", 2024, 4, 1, 2024, 4, 30},
    {"2024-12", 2024, 12, 1, 2024, 12, 31},
    {"2024-03-14", 2024, 3, 14, 2024, 3, 14},
    {"2024-02-29", 2024, 2, 29, 2024, 2, 29},
    {"1900-01-01", 1900, 1, 1, 1900, 1, 1},
    {"9999-12-31", 9999, 12, 31, 9999, 12, 31},
    /* ISO weeks */
    {"2024-W10", 2024, 3, 4, 2024, 3, 10},
    {"2024-w10", 2024, 3, 4, 2024, 3, 10},
    {"2024-W01", 2024, 1, 1, 2024, 1, 7},     /* 2024 starts on a Monday */
    {"2024-W52", 2024, 12, 23, 2024, 12, 29},
    {"2025-W01", 2024, 12, 30, 2025, 1, 5},   /* 2024-12-30 is in 2025-W01 */
    {"2020-W01", 2019, 12, 30, 2020, 1, 5},
    {"2020-W53", 2020, 12, 28, 2021, 1, 3},   /* leap year starting on Wednesday */
    {"2021-W01", 2021, 1, 4, 2021, 1, 10},
    {"2015-W53", 2015, 12, 28, 2016, 1, 3},   /* starts on Thursday */
    {"2015-W01", 2014, 12, 29, 2015, 1, 4},
    {"2026-W53", 2026, 12, 28, 2027, 1, 3},   /* starts on Thursday */
    {"2026-W01", 2025, 12, 29, 2026, 1, 4},
    {"2009-W53", 2009, 12, 28, 2010, 1, 3},   /* starts on Thursday */
    {"2004-W53", 2004, 12, 27, 2005, 1, 2},   /* leap, starts on Thursday */
    {"1992-W53", 1992, 12, 28, 1993, 1, 3},   /* leap, starts on Wednesday */
    {"2010-W01", 2010, 1, 4, 2010, 1, 10},    /* starts on Friday: week 1 later */
    {"2011-W01", 2011, 1, 3, 2011, 1, 9},     /* starts on Saturday */
    {"2012-W01", 2012, 1, 2, 2012, 1, 8},     /* starts on Sunday */
    {"2013-W01", 2012, 12, 31, 2013, 1, 6},   /* starts on Tuesday */
    {"2014-W01", 2013, 12, 30, 2014, 1, 5},   /* starts on Wednesday */
    {"1900-W01", 1900, 1, 1, 1900, 1, 7},
    {"9999-W52", 9999, 12, 27, 10000, 1, 2}, /* ends in year 10000 */
};

START_TEST(test_parse_good)
{
    const period_case *c = &good[_i];
    period_t p = {-1, -1};
    ck_assert_msg(parse_str(c->name, &p) == 0, "rejected \"%s\"", c->name);
    ck_assert_int_eq(p.from, ymd(c->fy, c->fm, c->fd));
    ck_assert_int_eq(p.to, ymd(c->ty, c->tm, c->td));
    ck_assert_int_le(p.from, p.to);
}
END_TEST

static const char *const bad[] = {
    "", "2", "24", "202", "20244", "2024-", "2024-0", "2024-1", "2024-3", "2024-13", "2024-00",
    "2024-99", "2024-H0", "2024-H3", "2024-H", "2024-H12", "2024-Q0", "2024-Q5", "2024-Q",
    "2024-Q01", "2024-W", "2024-W1", "2024-W00", "2024-W54", "2024-W53", "2021-W53",
    "2023-W53", "2019-W53", "2024-W100", "2024-W-1", "2024-X1", "2024-M03", "2024/03",
    "2024-03-", "2024-03-1", "2024-03-32", "2024-02-30", "2023-02-29", "1900-02-29",
    "2024-03-14T00:00", " 2024", "2024 ", "2024-Q1 ", " 2024-Q1", "2024-03 ", "1899",
    "1899-12", "1899-W52", "10000", "0000", "-2024", "+2024", "2024Q1", "2024_Q1",
    "2024-1Q", "2024-W1a", "2024-Wa1", "2024-03-14-", "2024-H1-", "2024\u2010Q1",
    "\uff12\uff10\uff12\uff14", /* full-width digits */
    "2024-\u04251",                 /* Cyrillic Kha */
    "Q1-2024", "W10",
    "2024-W10-1", "9999-W53", "2024-S1", "2024-1H", "abcd", "99999999999999999999",
};

START_TEST(test_parse_bad)
{
    const char *s = bad[_i];
    period_t p = {123, 456};
    ck_assert_msg(parse_str(s, &p) == -1, "accepted \"%s\"", s);
    ck_assert_int_eq(p.from, 123);
    ck_assert_int_eq(p.to, 456);
}
END_TEST

/* n is honoured, NUL bytes are data, and huge input is rejected. */
START_TEST(test_parse_hostile)
{
    period_t p;
    ck_assert_int_eq(period_parse("2024-Q1junk", 7, &p), 0);
    ck_assert_int_eq(p.from, ymd(2024, 1, 1));
    ck_assert_int_eq(period_parse("2024-Q1", 6, &p), -1);
    ck_assert_int_eq(period_parse("2024-Q1\0", 8, &p), -1);
    ck_assert_int_eq(period_parse("2024\0", 5, &p), -1);
    ck_assert_int_eq(period_parse("2024-\0" "1", 7, &p), -1);
    ck_assert_int_eq(period_parse("2024-W\0" "1", 8, &p), -1);
    ck_assert_int_eq(period_parse("2024-03-\0" "4", 10, &p), -1);
    ck_assert_int_eq(period_parse(NULL, 0, &p), -1);
    ck_assert_int_eq(period_parse("2024", 0, &p), -1);

    const char *valid[] = {"2024", "2024-H1", "2024-Q3", "2024-03", "2024-W10", "2024-03-14"};
    for (size_t v = 0; v < sizeof valid / sizeof valid[0]; v++) {
        size_t n = strlen(valid[v]);
        char *copy = malloc(n); /* exact size: ASan catches over-reads */
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, valid[v], n);
        ck_assert_int_eq(period_parse(copy, n, &p), 0);
        for (size_t pos = 0; pos < n; pos++) {
            char saved = copy[pos];
            copy[pos] = '\0';
            CHECK_MSG(period_parse(copy, n, &p) == -1, "NUL at %zu of %s", pos, valid[v]);
            copy[pos] = saved;
        }
        free(copy);
    }

    const size_t big = 1u << 20;
    char *buf = malloc(big);
    ck_assert_ptr_nonnull(buf);
    memset(buf, '9', big);
    ck_assert_int_eq(period_parse(buf, big, &p), -1);
    memcpy(buf, "2024-Q1", 7);
    ck_assert_int_eq(period_parse(buf, big, &p), -1);
    for (size_t i = 0; i < big; i++)
        buf[i] = (char)((i * 2654435761u) >> 13);
    ck_assert_int_eq(period_parse(buf, big, &p), -1);
    free(buf);
}
END_TEST

/* Independent ISO week rule: week 1 holds the year's first Thursday. */
static int iso_weeks_naive(int y)
{
    int jan1 = day_iso_weekday(ymd(y, 1, 1));
    int leap = days_in_month(y, 2) == 29;
    return (jan1 == 4 || (leap && jan1 == 3)) ? 53 : 52;
}

/* Every week of every year 1900..2400 parses, weeks tile the years, and
 * W53 exists exactly in the long years. */
START_TEST(test_iso_weeks_all_years)
{
    period_t p, prev = {0, 0};
    char name[32];
    int long_years = 0;
    for (int y = 1900; y <= 2400; y++) {
        int weeks = iso_weeks_naive(y);
        long_years += weeks == 53;
        for (int w = 1; w <= 54; w++) {
            snprintf(name, sizeof name, "%04d-W%02d", y, w);
            int rc = parse_str(name, &p);
            if (w > weeks) {
                CHECK_MSG(rc == -1, "accepted %s", name);
                continue;
            }
            CHECK_MSG(rc == 0, "rejected %s", name);
            EQ(day_iso_weekday(p.from), 1);
            EQ(p.to - p.from, 6);
            if (!(y == 1900 && w == 1))
                EQ(p.from, prev.to + 1); /* contiguous across years */
            /* the week's Thursday is in year y */
            int ty, tm, td;
            day_to_ymd(p.from + 3, &ty, &tm, &td);
            EQ(ty, y);
            if (w == 1)
                CHECK_MSG(p.from <= ymd(y, 1, 4) && ymd(y, 1, 4) <= p.to, "%s", name);
            prev = p;
        }
    }
    EQ(long_years, 89); /* 71 per 400 years; 501 years 1900..2400 hold 89 */
}
END_TEST

/* ---- buckets ----------------------------------------------------------- */

START_TEST(test_bucket_kind_names)
{
    const char *names[] = {"day", "week", "month", "quarter", "year"};
    const bucket_kind kinds[] = {BK_DAY, BK_WEEK, BK_MONTH, BK_QUARTER, BK_YEAR};
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(bucket_kind_parse(names[i]), kinds[i]);
        ck_assert_str_eq(bucket_kind_name(kinds[i]), names[i]);
    }
    const char *rejected[] = {"", "Day", "DAY", "days", "da", "week ", " week", "months",
                              "quarterly", "yearly", "none", "hour", "h1", "half", "year\n"};
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
        ck_assert_msg(bucket_kind_parse(rejected[i]) == BK_NONE, "accepted \"%s\"", rejected[i]);
    ck_assert_int_eq(bucket_kind_parse(NULL), BK_NONE);
    ck_assert_ptr_nonnull(bucket_kind_name(BK_NONE));
    ck_assert_int_eq(bucket_kind_parse(bucket_kind_name(BK_NONE)), BK_NONE);
    ck_assert_ptr_nonnull(bucket_kind_name((bucket_kind)99));
}
END_TEST

typedef struct {
    bucket_kind k;
    int y, m, d;               /* a day inside */
    int sy, sm, sd;            /* expected start */
    int ny, nm, nd;            /* expected next start */
    const char *name;
} bucket_case;

static const bucket_case buckets[] = {
    {BK_DAY, 2024, 3, 14, 2024, 3, 14, 2024, 3, 15, "2024-03-14"},
    {BK_DAY, 2024, 2, 28, 2024, 2, 28, 2024, 2, 29, "2024-02-28"},
    {BK_DAY, 2024, 12, 31, 2024, 12, 31, 2025, 1, 1, "2024-12-31"},
    {BK_WEEK, 2024, 3, 14, 2024, 3, 11, 2024, 3, 18, "2024-W11"},
    {BK_WEEK, 2024, 3, 4, 2024, 3, 4, 2024, 3, 11, "2024-W10"},
    {BK_WEEK, 2024, 3, 10, 2024, 3, 4, 2024, 3, 11, "2024-W10"},
    {BK_WEEK, 2024, 12, 30, 2024, 12, 30, 2025, 1, 6, "2025-W01"},
    {BK_WEEK, 2025, 1, 1, 2024, 12, 30, 2025, 1, 6, "2025-W01"},
    {BK_WEEK, 2021, 1, 3, 2020, 12, 28, 2021, 1, 4, "2020-W53"},
    {BK_WEEK, 2021, 1, 4, 2021, 1, 4, 2021, 1, 11, "2021-W01"},
    {BK_WEEK, 2016, 1, 1, 2015, 12, 28, 2016, 1, 4, "2015-W53"},
    {BK_WEEK, 2027, 1, 3, 2026, 12, 28, 2027, 1, 4, "2026-W53"},
    {BK_WEEK, 2012, 1, 1, 2011, 12, 26, 2012, 1, 2, "2011-W52"},
    {BK_WEEK, 1970, 1, 1, 1969, 12, 29, 1970, 1, 5, "1970-W01"},
    {BK_MONTH, 2024, 3, 14, 2024, 3, 1, 2024, 4, 1, "2024-03"},
    {BK_MONTH, 2024, 2, 29, 2024, 2, 1, 2024, 3, 1, "2024-02"},
    {BK_MONTH, 2024, 12, 31, 2024, 12, 1, 2025, 1, 1, "2024-12"},
    {BK_MONTH, 1969, 12, 31, 1969, 12, 1, 1970, 1, 1, "1969-12"},
    {BK_QUARTER, 2024, 3, 31, 2024, 1, 1, 2024, 4, 1, "2024-Q1"},
    {BK_QUARTER, 2024, 4, 1, 2024, 4, 1, 2024, 7, 1, "2024-Q2"},
    {BK_QUARTER, 2024, 9, 30, 2024, 7, 1, 2024, 10, 1, "2024-Q3"},
    {BK_QUARTER, 2024, 11, 15, 2024, 10, 1, 2025, 1, 1, "2024-Q4"},
    {BK_YEAR, 2024, 3, 14, 2024, 1, 1, 2025, 1, 1, "2024"},
    {BK_YEAR, 2024, 12, 31, 2024, 1, 1, 2025, 1, 1, "2024"},
    {BK_YEAR, 1900, 1, 1, 1900, 1, 1, 1901, 1, 1, "1900"},
};

START_TEST(test_bucket_examples)
{
    const bucket_case *c = &buckets[_i];
    day_t d = ymd(c->y, c->m, c->d);
    day_t s = bucket_start(c->k, d);
    ck_assert_int_eq(s, ymd(c->sy, c->sm, c->sd));
    ck_assert_int_eq(bucket_next(c->k, s), ymd(c->ny, c->nm, c->nd));
    ck_assert_int_eq(bucket_next(c->k, d), ymd(c->ny, c->nm, c->nd)); /* unaligned input */
    char buf[PERIOD_NAME_MAX];
    size_t len = bucket_name(c->k, s, buf, sizeof buf);
    ck_assert_str_eq(buf, c->name);
    ck_assert_uint_eq(len, strlen(c->name));
}
END_TEST

/*
 * For every kind and every bucket from 1899-12 to 2401: buckets tile the
 * days, each day's bucket_start is its bucket's start, and the bucket's name
 * parses back to exactly [start, next - 1] (for years the parser accepts).
 */
START_TEST(test_bucket_tiling_round_trip)
{
    const bucket_kind k = (bucket_kind)(BK_DAY + _i);
    day_t first = ymd(1899, 12, 1), last = ymd(2401, 1, 31);
    day_t s = bucket_start(k, first);
    char buf[PERIOD_NAME_MAX];
    long buckets_seen = 0;
    while (s <= last) {
        day_t next = bucket_next(k, s);
        CHECK_MSG(next > s, "kind %d: next(%d) = %d", k, s, next);
        EQ(bucket_start(k, s), s);
        EQ(bucket_start(k, next), next);
        EQ(bucket_start(k, next - 1), s);
        if (next - s <= 7 || buckets_seen % 17 == 0) /* every day of short buckets, sampled */
            for (day_t d = s; d < next; d++)
                EQ(bucket_start(k, d), s);
        size_t len = bucket_name(k, s, buf, sizeof buf);
        EQ(len, strlen(buf));
        CHECK_MSG(len < PERIOD_NAME_MAX, "long name");
        period_t p;
        int y, m, dd;
        day_to_ymd(s + (k == BK_WEEK ? 3 : 0), &y, &m, &dd); /* the name's year */
        if (y >= 1900 && y <= 9999) {
            CHECK_MSG(period_parse(buf, len, &p) == 0, "name %s does not parse", buf);
            CHECK_MSG(p.from == s && p.to == next - 1, "%s: [%d,%d] != [%d,%d]", buf, p.from,
                      p.to, s, next - 1);
            EQ(bucket_kind_parse(bucket_kind_name(k)), k);
        }
        s = next;
        buckets_seen++;
    }
    CHECK_MSG(buckets_seen > 0, "no buckets");
}
END_TEST

/* Week names use the ISO week-year for every day from 1900 to 2400. */
START_TEST(test_week_names_every_day)
{
    char buf[PERIOD_NAME_MAX];
    for (day_t d = ymd(1900, 1, 1); d <= ymd(2400, 12, 31); d++) {
        day_t s = bucket_start(BK_WEEK, d);
        size_t len = bucket_name(BK_WEEK, d, buf, sizeof buf);
        EQ(len, 8);
        period_t p;
        CHECK_MSG(period_parse(buf, len, &p) == 0, "%s", buf);
        CHECK_MSG(p.from <= d && d <= p.to && p.from == s, "%s", buf);
        /* the week-year differs from the calendar year only in the last and
         * first three days of a year */
        int y, m, dd, wy = atoi(buf);
        day_to_ymd(d, &y, &m, &dd);
        if (wy != y)
            CHECK_MSG((m == 12 && dd >= 29 && wy == y + 1) || (m == 1 && dd <= 3 && wy == y - 1),
                      "%s for %04d-%02d-%02d", buf, y, m, dd);
    }
}
END_TEST

START_TEST(test_bucket_name_small_buffer)
{
    char buf[PERIOD_NAME_MAX];
    memset(buf, 'x', sizeof buf);
    size_t len = bucket_name(BK_WEEK, ymd(2024, 3, 14), buf, 5);
    ck_assert_uint_eq(len, 4);
    ck_assert_str_eq(buf, "2024");
    ck_assert_int_eq(buf[5], 'x');
    len = bucket_name(BK_NONE, ymd(2024, 3, 14), buf, sizeof buf);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(buf, "");
    /* far-away days still fit the buffer */
    const day_t far[] = {INT32_MIN + 400, -1000000000, 1000000000, INT32_MAX - 400};
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++)
        for (int k = BK_DAY; k <= BK_YEAR; k++) {
            len = bucket_name((bucket_kind)k, far[i], buf, sizeof buf);
            ck_assert_uint_lt(len, PERIOD_NAME_MAX);
            ck_assert_uint_eq(strlen(buf), len);
            ck_assert_int_gt(bucket_next((bucket_kind)k, far[i]), far[i]);
        }
}
END_TEST

START_TEST(test_month_to_date)
{
    period_t p = period_month_to_date(ymd(2024, 3, 14));
    ck_assert_int_eq(p.from, ymd(2024, 3, 1));
    ck_assert_int_eq(p.to, ymd(2024, 3, 14));
    p = period_month_to_date(ymd(2024, 3, 1));
    ck_assert_int_eq(p.from, ymd(2024, 3, 1));
    ck_assert_int_eq(p.to, ymd(2024, 3, 1));
    p = period_month_to_date(ymd(2024, 2, 29));
    ck_assert_int_eq(p.from, ymd(2024, 2, 1));
    ck_assert_int_eq(p.to, ymd(2024, 2, 29));
    p = period_month_to_date(ymd(1969, 12, 31));
    ck_assert_int_eq(p.from, ymd(1969, 12, 1));
    ck_assert_int_eq(p.to, ymd(1969, 12, 31));
    for (day_t d = ymd(1999, 1, 1); d <= ymd(2030, 12, 31); d++) {
        p = period_month_to_date(d);
        int y, m, dd, fy, fm, fd;
        day_to_ymd(d, &y, &m, &dd);
        day_to_ymd(p.from, &fy, &fm, &fd);
        EQ(p.to, d);
        CHECK_MSG(fy == y && fm == m && fd == 1, "day %d", d);
    }
}
END_TEST

/* ---- the reporting calendar (calendar=report, Decree 09/2019) ---------- */

static int parse_cal(period_calendar c, const char *s, period_t *p)
{
    return period_parse_cal(c, s, strlen(s), p);
}

static const period_case report_good[] = {
    /* months: the 15th of the month before .. the 14th, named by the month they end in */
    {"2024-03", 2024, 2, 15, 2024, 3, 14},
    {"2024-01", 2023, 12, 15, 2024, 1, 14},
    {"2024-12", 2024, 11, 15, 2024, 12, 14},
    {"2024-02", 2024, 1, 15, 2024, 2, 14},
    {"2024-04", 2024, 3, 15, 2024, 4, 14},
    /* quarters */
    {"2024-Q1", 2023, 12, 15, 2024, 3, 14},
    {"2024-Q2", 2024, 3, 15, 2024, 6, 14},
    {"2024-Q3", 2024, 6, 15, 2024, 9, 14},
    {"2024-Q4", 2024, 9, 15, 2024, 12, 14},
    {"2024-q4", 2024, 9, 15, 2024, 12, 14},
    /* half-years and years */
    {"2024-H1", 2023, 12, 15, 2024, 6, 14},
    {"2024-H2", 2024, 6, 15, 2024, 12, 14},
    {"2024", 2023, 12, 15, 2024, 12, 14},
    {"1900", 1899, 12, 15, 1900, 12, 14},
    {"1900-01", 1899, 12, 15, 1900, 1, 14},
    {"9999", 9998, 12, 15, 9999, 12, 14},
    /* weeks and days are the same in both calendars */
    {"2024-W10", 2024, 3, 4, 2024, 3, 10},
    {"2024-w10", 2024, 3, 4, 2024, 3, 10},
    {"2025-W01", 2024, 12, 30, 2025, 1, 5},
    {"2024-03-14", 2024, 3, 14, 2024, 3, 14},
    {"2024-03-15", 2024, 3, 15, 2024, 3, 15},
    {"2024-02-29", 2024, 2, 29, 2024, 2, 29},
};

START_TEST(test_report_parse_good)
{
    const period_case *c = &report_good[_i];
    period_t p = {-1, -1};
    ck_assert_msg(parse_cal(PCAL_REPORT, c->name, &p) == 0, "rejected \"%s\"", c->name);
    ck_assert_msg(p.from == ymd(c->fy, c->fm, c->fd) && p.to == ymd(c->ty, c->tm, c->td),
                  "%s: [%d, %d]", c->name, p.from, p.to);
}
END_TEST

/* The civil calendar through the _cal functions is period_parse exactly; the
 * report calendar refuses every name the civil one refuses. */
START_TEST(test_report_parse_same_syntax)
{
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        period_t a, b;
        ck_assert_int_eq(parse_cal(PCAL_CIVIL, good[i].name, &a), 0);
        ck_assert_int_eq(parse_str(good[i].name, &b), 0);
        ck_assert(a.from == b.from && a.to == b.to);
        ck_assert_msg(parse_cal(PCAL_REPORT, good[i].name, &a) == 0, "%s", good[i].name);
        ck_assert_int_le(a.from, a.to);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        period_t p = {123, 456};
        ck_assert_msg(parse_cal(PCAL_REPORT, bad[i], &p) == -1, "accepted \"%s\"", bad[i]);
        ck_assert_msg(parse_cal(PCAL_CIVIL, bad[i], &p) == -1, "accepted \"%s\"", bad[i]);
        ck_assert(p.from == 123 && p.to == 456);
    }
    period_t p;
    ck_assert_int_eq(period_parse_cal(PCAL_REPORT, NULL, 0, &p), -1);
    ck_assert_int_eq(period_parse_cal(PCAL_REPORT, "2024-Q1junk", 7, &p), 0);
    ck_assert_int_eq(p.from, ymd(2023, 12, 15));
    ck_assert_int_eq(period_parse_cal(PCAL_REPORT, "2024-03-14", 7, &p), 0); /* "2024-03" */
    ck_assert_int_eq(p.from, ymd(2024, 2, 15));
}
END_TEST

/* Report months, quarters, half-years and years of every year 1900..2400:
 * the months tile the days, and three months make each quarter, two
 * quarters each half-year, twelve months each year. */
START_TEST(test_report_parse_all_years)
{
    char name[32];
    period_t prev = {0, 0};
    for (int y = 1900; y <= 2400; y++) {
        period_t yp, h[2], q[4], mo[12];
        snprintf(name, sizeof name, "%04d", y);
        CHECK_MSG(parse_cal(PCAL_REPORT, name, &yp) == 0, "%s", name);
        EQ(yp.from, ymd(y - 1, 12, 15));
        EQ(yp.to, ymd(y, 12, 14));
        if (y > 1900)
            EQ(yp.from, prev.to + 1);
        prev = yp;
        for (int i = 0; i < 2; i++) {
            snprintf(name, sizeof name, "%04d-H%d", y, i + 1);
            CHECK_MSG(parse_cal(PCAL_REPORT, name, &h[i]) == 0, "%s", name);
        }
        for (int i = 0; i < 4; i++) {
            snprintf(name, sizeof name, "%04d-Q%d", y, i + 1);
            CHECK_MSG(parse_cal(PCAL_REPORT, name, &q[i]) == 0, "%s", name);
        }
        for (int i = 0; i < 12; i++) {
            snprintf(name, sizeof name, "%04d-%02d", y, i + 1);
            CHECK_MSG(parse_cal(PCAL_REPORT, name, &mo[i]) == 0, "%s", name);
            int fy, fm, fd, ty, tm, td;
            day_to_ymd(mo[i].from, &fy, &fm, &fd);
            day_to_ymd(mo[i].to, &ty, &tm, &td);
            CHECK_MSG(fd == 15 && td == 14 && ty == y && tm == i + 1, "%s", name);
            EQ(mo[i].from, i == 0 ? yp.from : mo[i - 1].to + 1);
        }
        EQ(mo[11].to, yp.to);
        for (int i = 0; i < 4; i++) {
            EQ(q[i].from, mo[3 * i].from);
            EQ(q[i].to, mo[3 * i + 2].to);
        }
        EQ(h[0].from, q[0].from);
        EQ(h[0].to, q[1].to);
        EQ(h[1].from, q[2].from);
        EQ(h[1].to, q[3].to);
    }
}
END_TEST

typedef struct {
    bucket_kind k;
    int y, m, d;    /* a day inside */
    int sy, sm, sd; /* expected start */
    int ny, nm, nd; /* expected next start */
    const char *name;
} report_bucket_case;

static const report_bucket_case report_buckets[] = {
    {BK_MONTH, 2024, 3, 14, 2024, 2, 15, 2024, 3, 15, "2024-03"},
    {BK_MONTH, 2024, 2, 15, 2024, 2, 15, 2024, 3, 15, "2024-03"},
    {BK_MONTH, 2024, 2, 29, 2024, 2, 15, 2024, 3, 15, "2024-03"},
    {BK_MONTH, 2024, 3, 15, 2024, 3, 15, 2024, 4, 15, "2024-04"},
    {BK_MONTH, 2024, 1, 1, 2023, 12, 15, 2024, 1, 15, "2024-01"},
    {BK_MONTH, 2023, 12, 15, 2023, 12, 15, 2024, 1, 15, "2024-01"},
    {BK_MONTH, 2023, 12, 14, 2023, 11, 15, 2023, 12, 15, "2023-12"},
    {BK_MONTH, 2023, 12, 31, 2023, 12, 15, 2024, 1, 15, "2024-01"},
    {BK_QUARTER, 2023, 12, 15, 2023, 12, 15, 2024, 3, 15, "2024-Q1"},
    {BK_QUARTER, 2024, 3, 14, 2023, 12, 15, 2024, 3, 15, "2024-Q1"},
    {BK_QUARTER, 2024, 3, 15, 2024, 3, 15, 2024, 6, 15, "2024-Q2"},
    {BK_QUARTER, 2024, 6, 30, 2024, 6, 15, 2024, 9, 15, "2024-Q3"},
    {BK_QUARTER, 2024, 9, 14, 2024, 6, 15, 2024, 9, 15, "2024-Q3"},
    {BK_QUARTER, 2024, 9, 15, 2024, 9, 15, 2024, 12, 15, "2024-Q4"},
    {BK_QUARTER, 2024, 12, 14, 2024, 9, 15, 2024, 12, 15, "2024-Q4"},
    {BK_QUARTER, 2024, 12, 31, 2024, 12, 15, 2025, 3, 15, "2025-Q1"},
    {BK_YEAR, 2024, 12, 14, 2023, 12, 15, 2024, 12, 15, "2024"},
    {BK_YEAR, 2024, 12, 15, 2024, 12, 15, 2025, 12, 15, "2025"},
    {BK_YEAR, 2025, 1, 1, 2024, 12, 15, 2025, 12, 15, "2025"},
    {BK_YEAR, 2024, 6, 1, 2023, 12, 15, 2024, 12, 15, "2024"},
    {BK_YEAR, 1899, 12, 31, 1899, 12, 15, 1900, 12, 15, "1900"},
    /* weeks and days as in the civil calendar */
    {BK_WEEK, 2024, 12, 30, 2024, 12, 30, 2025, 1, 6, "2025-W01"},
    {BK_WEEK, 2024, 3, 14, 2024, 3, 11, 2024, 3, 18, "2024-W11"},
    {BK_DAY, 2024, 3, 14, 2024, 3, 14, 2024, 3, 15, "2024-03-14"},
    {BK_DAY, 2024, 12, 15, 2024, 12, 15, 2024, 12, 16, "2024-12-15"},
};

START_TEST(test_report_bucket_examples)
{
    const report_bucket_case *c = &report_buckets[_i];
    day_t d = ymd(c->y, c->m, c->d);
    day_t s = bucket_start_cal(PCAL_REPORT, c->k, d);
    ck_assert_int_eq(s, ymd(c->sy, c->sm, c->sd));
    ck_assert_int_eq(bucket_next_cal(PCAL_REPORT, c->k, s), ymd(c->ny, c->nm, c->nd));
    ck_assert_int_eq(bucket_next_cal(PCAL_REPORT, c->k, d), ymd(c->ny, c->nm, c->nd));
    char buf[PERIOD_NAME_MAX];
    size_t len = bucket_name_cal(PCAL_REPORT, c->k, s, buf, sizeof buf);
    ck_assert_str_eq(buf, c->name);
    ck_assert_uint_eq(len, strlen(c->name));
    len = bucket_name_cal(PCAL_REPORT, c->k, d, buf, sizeof buf); /* unaligned */
    ck_assert_str_eq(buf, c->name);
}
END_TEST

/*
 * Both calendars, every kind, every bucket from 1899-12 to 2401-01: the
 * buckets tile the days (every day in exactly one: each day's start is the
 * bucket it is walked in), and each name parses back through
 * period_parse_cal to exactly [start, next - 1]. The civil _cal functions
 * are the plain ones.
 */
START_TEST(test_report_tiling_round_trip)
{
    const period_calendar pc = _i < 5 ? PCAL_REPORT : PCAL_CIVIL;
    const bucket_kind k = (bucket_kind)(BK_DAY + _i % 5);
    day_t first = ymd(1899, 12, 1), last = ymd(2401, 1, 31);
    day_t s = bucket_start_cal(pc, k, first);
    CHECK_MSG(s <= first, "start after the day");
    char buf[PERIOD_NAME_MAX], civil_buf[PERIOD_NAME_MAX];
    long seen = 0;
    day_t expect_day = s;
    while (s <= last) {
        day_t next = bucket_next_cal(pc, k, s);
        CHECK_MSG(next > s, "kind %d: next(%d) = %d", k, s, next);
        CHECK_MSG(next - s <= 366, "kind %d: bucket of %d days", k, next - s);
        EQ(s, expect_day); /* contiguous: no gap, no overlap */
        for (day_t d = s; d < next; d++) {
            EQ(bucket_start_cal(pc, k, d), s);
            EQ(bucket_next_cal(pc, k, d), next);
        }
        size_t len = bucket_name_cal(pc, k, s, buf, sizeof buf);
        EQ(len, strlen(buf));
        period_t p;
        int name_year = atoi(buf);
        if (name_year >= 1900) { /* the parser's years; 1899 only at the start */
            CHECK_MSG(period_parse_cal(pc, buf, len, &p) == 0, "name %s does not parse", buf);
            CHECK_MSG(p.from == s && p.to == next - 1, "%s: [%d,%d] != [%d,%d]", buf, p.from,
                      p.to, s, next - 1);
        } else {
            CHECK_MSG(s < ymd(1900, 1, 1), "%s", buf);
        }
        if (pc == PCAL_CIVIL) {
            EQ(s, bucket_start(k, s));
            EQ(next, bucket_next(k, s));
            bucket_name(k, s, civil_buf, sizeof civil_buf);
            CHECK_MSG(strcmp(buf, civil_buf) == 0, "%s != %s", buf, civil_buf);
        } else if (k == BK_MONTH || k == BK_QUARTER || k == BK_YEAR) {
            int y, m, d;
            day_to_ymd(s, &y, &m, &d);
            EQ(d, 15);
            day_to_ymd(next - 1, &y, &m, &d);
            EQ(d, 14);
            CHECK_MSG(k != BK_QUARTER || m % 3 == 0, "quarter ends in month %d", m);
            CHECK_MSG(k != BK_YEAR || m == 12, "year ends in month %d", m);
        } else {
            EQ(s, bucket_start(k, s)); /* weeks and days are civil */
            EQ(next, bucket_next(k, s));
        }
        expect_day = next;
        s = next;
        seen++;
    }
    CHECK_MSG(seen > 0, "no buckets");
}
END_TEST

START_TEST(test_report_far_days)
{
    char buf[PERIOD_NAME_MAX];
    const day_t far[] = {INT32_MIN + 400, -1000000000, 1000000000, INT32_MAX - 400};
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++)
        for (int k = BK_DAY; k <= BK_YEAR; k++) {
            day_t s = bucket_start_cal(PCAL_REPORT, (bucket_kind)k, far[i]);
            day_t n = bucket_next_cal(PCAL_REPORT, (bucket_kind)k, far[i]);
            ck_assert(s <= far[i] && far[i] < n);
            size_t len = bucket_name_cal(PCAL_REPORT, (bucket_kind)k, far[i], buf, sizeof buf);
            ck_assert_uint_lt(len, PERIOD_NAME_MAX);
            ck_assert_uint_eq(strlen(buf), len);
        }
    ck_assert_uint_eq(bucket_name_cal(PCAL_REPORT, BK_NONE, ymd(2024, 1, 1), buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(bucket_start_cal(PCAL_REPORT, BK_NONE, ymd(2024, 3, 20)), ymd(2024, 3, 20));
}
END_TEST

Suite *make_period_suite(void)
{
    Suite *s = suite_create("period");

    TCase *parse = tcase_create("parse");
    tcase_set_timeout(parse, 60);
    tcase_add_loop_test(parse, test_parse_good, 0, (int)(sizeof good / sizeof good[0]));
    tcase_add_loop_test(parse, test_parse_bad, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(parse, test_parse_hostile);
    tcase_add_test(parse, test_iso_weeks_all_years);
    tcase_add_test(parse, test_month_to_date);
    suite_add_tcase(s, parse);

    TCase *bk = tcase_create("buckets");
    tcase_set_timeout(bk, 120);
    tcase_add_test(bk, test_bucket_kind_names);
    tcase_add_loop_test(bk, test_bucket_examples, 0, (int)(sizeof buckets / sizeof buckets[0]));
    tcase_add_loop_test(bk, test_bucket_tiling_round_trip, 0, 5);
    tcase_add_test(bk, test_week_names_every_day);
    tcase_add_test(bk, test_bucket_name_small_buffer);
    suite_add_tcase(s, bk);

    TCase *rep = tcase_create("report");
    tcase_set_timeout(rep, 120);
    tcase_add_loop_test(rep, test_report_parse_good, 0,
                        (int)(sizeof report_good / sizeof report_good[0]));
    tcase_add_test(rep, test_report_parse_same_syntax);
    tcase_add_test(rep, test_report_parse_all_years);
    tcase_add_loop_test(rep, test_report_bucket_examples, 0,
                        (int)(sizeof report_buckets / sizeof report_buckets[0]));
    tcase_add_loop_test(rep, test_report_tiling_round_trip, 0, 10);
    tcase_add_test(rep, test_report_far_days);
    suite_add_tcase(s, rep);
    return s;
}
