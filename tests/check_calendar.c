/*
 * check_calendar.c - tests for calendar.c (working days, spec §6).
 *
 * Why: deadlines, overdue counts and due-soon flags (§4) all rest on
 * cal_working_between and cal_add_working. The fast paths (prefix sums inside
 * 1900..2200, arithmetic outside) are checked against a naive day-by-day
 * model kept in the test, with and without per-date overrides, across the
 * window's edges and far outside it.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "lunar.h"
#include "ts.h"

/* Assertions for hot loops that only talk to Check on failure (see check_ts.c). */
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

static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int64_t rng_range(uint64_t *state, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    return (int64_t)((uint64_t)lo + rng_next(state) % span);
}

static day_t ymd(int y, int m, int d)
{
    return day_from_ymd(y, m, d);
}

/* ---- the naive model --------------------------------------------------- */

/*
 * The overrides the test has set, as a dense array over years 1400..3100
 * (-1: no override); days outside follow the weekday rule.
 */
typedef struct {
    day_t base;
    int64_t len;
    signed char *set;
} model_t;

static model_t *model_new(void)
{
    model_t *m = calloc(1, sizeof *m);
    ck_assert_ptr_nonnull(m);
    m->base = day_from_ymd(1400, 1, 1);
    m->len = day_from_ymd(3100, 12, 31) - m->base + 1;
    m->set = malloc((size_t)m->len);
    ck_assert_ptr_nonnull(m->set);
    for (int64_t i = 0; i < m->len; i++)
        m->set[i] = -1;
    return m;
}

static void model_free(model_t *m)
{
    free(m->set);
    free(m);
}

static bool model_working(const model_t *m, day_t d)
{
    int64_t i = (int64_t)d - m->base;
    if (i >= 0 && i < m->len && m->set[i] >= 0)
        return m->set[i] == 1;
    return day_iso_weekday(d) <= 5;
}

/* Sets an override in both the calendar and the model. */
static void model_set(calendar_t *cal, model_t *m, day_t d, bool working)
{
    int64_t i = (int64_t)d - m->base;
    ck_assert(i >= 0 && i < m->len);
    m->set[i] = working ? 1 : 0;
    calendar_set_day(cal, d, working);
}

/* Working days d with a < d <= b, negated when b < a, by walking. */
static int64_t naive_between(const model_t *m, day_t a, day_t b)
{
    int64_t sign = 1;
    if (b < a) {
        day_t t = a;
        a = b;
        b = t;
        sign = -1;
    }
    int64_t count = 0;
    for (day_t d = a + 1; d <= b && d > a; d++)
        count += model_working(m, d);
    return sign * count;
}

/* The n-th working day after d (n > 0) or before it (n < 0), by walking. */
static day_t naive_add(const model_t *m, day_t d, int n)
{
    int step = n > 0 ? 1 : -1;
    int left = n > 0 ? n : -n;
    while (left > 0) {
        d += step;
        if (model_working(m, d))
            left--;
    }
    return d;
}

/* ---- fixtures ---------------------------------------------------------- */

START_TEST(test_new_and_free)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    calendar_free(cal);
    calendar_free(NULL);
}
END_TEST

START_TEST(test_weekends_off)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    /* 2024-03-11 is a Monday */
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(cal_is_working(cal, ymd(2024, 3, 11) + i), i < 5);
    ck_assert(!cal_is_working(cal, ymd(2026, 1, 10)));  /* Saturday */
    ck_assert(!cal_is_working(cal, ymd(2026, 1, 11)));  /* Sunday */
    ck_assert(cal_is_working(cal, ymd(2026, 1, 1)));    /* Thursday: no holidays yet */
    ck_assert(cal_is_working(cal, ymd(1900, 1, 1)));    /* Monday, window start */
    ck_assert(!cal_is_working(cal, ymd(1899, 12, 31))); /* Sunday, outside */
    ck_assert(cal_is_working(cal, ymd(2200, 12, 31)));  /* Wednesday, window end */
    ck_assert(!cal_is_working(cal, ymd(2201, 1, 3)));   /* Saturday, outside */
    calendar_free(cal);
}
END_TEST

/* Every day from 1800 to 2400 (across both window edges) follows the rule. */
START_TEST(test_is_working_rule_everywhere)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    for (day_t d = ymd(1800, 1, 1); d <= ymd(2400, 12, 31); d++)
        EQ(cal_is_working(cal, d), day_iso_weekday(d) <= 5);
    const day_t far[] = {INT32_MIN, INT32_MIN + 1, -1000000000, 0, 1000000000, INT32_MAX - 1,
                         INT32_MAX};
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++)
        EQ(cal_is_working(cal, far[i]), day_iso_weekday(far[i]) <= 5);
    calendar_free(cal);
}
END_TEST

/* ---- cal_working_between ----------------------------------------------- */

START_TEST(test_between_small)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    day_t mon = ymd(2024, 3, 11), fri = mon + 4, sat = mon + 5, sun = mon + 6;
    ck_assert_int_eq(cal_working_between(cal, mon, mon), 0);
    ck_assert_int_eq(cal_working_between(cal, sat, sat), 0);
    ck_assert_int_eq(cal_working_between(cal, mon, mon + 1), 1);
    ck_assert_int_eq(cal_working_between(cal, mon, fri), 4);    /* first day not counted */
    ck_assert_int_eq(cal_working_between(cal, mon - 1, fri), 5); /* from Sunday */
    ck_assert_int_eq(cal_working_between(cal, fri, sat), 0);
    ck_assert_int_eq(cal_working_between(cal, fri, sun), 0);
    ck_assert_int_eq(cal_working_between(cal, fri, sun + 1), 1); /* Fri -> Mon */
    ck_assert_int_eq(cal_working_between(cal, sat, sun + 1), 1);
    ck_assert_int_eq(cal_working_between(cal, sun, sun + 1), 1);
    ck_assert_int_eq(cal_working_between(cal, mon, mon + 7), 5);
    ck_assert_int_eq(cal_working_between(cal, mon, mon + 14), 10);
    /* reversed: -(count with b < d <= a) */
    ck_assert_int_eq(cal_working_between(cal, fri, mon), -4);
    ck_assert_int_eq(cal_working_between(cal, sun + 1, fri), -1);
    ck_assert_int_eq(cal_working_between(cal, sun, fri), 0);
    ck_assert_int_eq(cal_working_between(cal, sun, sat), 0);
    ck_assert_int_eq(cal_working_between(cal, mon + 7, mon), -5);
    /* a whole year: 2024 has 262 weekdays, 2023 has 260 */
    ck_assert_int_eq(cal_working_between(cal, ymd(2023, 12, 31), ymd(2024, 12, 31)), 262);
    ck_assert_int_eq(cal_working_between(cal, ymd(2022, 12, 31), ymd(2023, 12, 31)), 260);
    calendar_free(cal);
}
END_TEST

/* Random pairs inside the window, across its edges and far outside it. */
START_TEST(test_between_vs_naive)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    model_t *m = model_new();
    uint64_t st = 11;
    const day_t lo = ymd(1900, 1, 1), hi = ymd(2200, 12, 31);
    const day_t centres[] = {ymd(2024, 6, 1), lo, hi, ymd(1500, 1, 1), ymd(3000, 1, 1), 0};
    for (int iter = 0; iter < 6000; iter++) {
        day_t c = centres[iter % 6];
        int64_t span = iter % 10 == 0 ? 4000 : 60;
        day_t a = (day_t)rng_range(&st, c - span, c + span);
        day_t b = (day_t)rng_range(&st, c - span, c + span);
        EQ(cal_working_between(cal, a, b), naive_between(m, a, b));
        EQ(cal_working_between(cal, a, b), -cal_working_between(cal, b, a));
    }
    /* a span over the whole window and beyond, in one go */
    day_t a = ymd(1850, 3, 7), b = ymd(2250, 11, 2);
    EQ(cal_working_between(cal, a, b), naive_between(m, a, b));
    model_free(m);
    calendar_free(cal);
}
END_TEST

/* Additivity: W(a,b) + W(b,c) == W(a,c) for any a, b, c, including extremes. */
START_TEST(test_between_additive)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    calendar_set_day(cal, ymd(2026, 1, 10), true);
    calendar_set_day(cal, ymd(1700, 1, 2), true); /* a Saturday */
    calendar_set_day(cal, ymd(2500, 1, 4), false);
    uint64_t st = 12;
    for (int iter = 0; iter < 100000; iter++) {
        day_t x[3];
        for (int k = 0; k < 3; k++)
            x[k] = (day_t)(iter % 2 ? rng_range(&st, INT32_MIN, INT32_MAX)
                                    : rng_range(&st, ymd(1600, 1, 1), ymd(2600, 1, 1)));
        EQ(cal_working_between(cal, x[0], x[1]) + cal_working_between(cal, x[1], x[2]),
           cal_working_between(cal, x[0], x[2]));
    }
    /* the full day_t range: about 5/7 of 2^32 days */
    int64_t all = cal_working_between(cal, INT32_MIN, INT32_MAX);
    int64_t span = (int64_t)INT32_MAX - INT32_MIN;
    CHECK(all >= span / 7 * 5 - 5 && all <= span / 7 * 5 + 5);
    EQ(cal_working_between(cal, INT32_MAX, INT32_MIN), -all);
    calendar_free(cal);
}
END_TEST

/* ---- overrides --------------------------------------------------------- */

START_TEST(test_override_saturday_2026)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    day_t fri = ymd(2026, 1, 9), sat = ymd(2026, 1, 10), mon = ymd(2026, 1, 12);
    ck_assert_int_eq(cal_working_between(cal, fri, mon), 1);
    ck_assert_int_eq(cal_add_working(cal, fri, 1), mon);

    calendar_set_day(cal, sat, true); /* Saturday 10/01/2026 was a working day */
    ck_assert(cal_is_working(cal, sat));
    ck_assert_int_eq(cal_working_between(cal, fri, sat), 1);
    ck_assert_int_eq(cal_working_between(cal, fri, mon), 2);
    ck_assert_int_eq(cal_working_between(cal, mon, fri), -2);
    ck_assert_int_eq(cal_add_working(cal, fri, 1), sat);
    ck_assert_int_eq(cal_add_working(cal, fri, 2), mon);
    ck_assert_int_eq(cal_add_working(cal, sat, 1), mon);
    ck_assert_int_eq(cal_add_working(cal, mon, -1), sat);
    ck_assert_int_eq(cal_add_working(cal, mon, -2), fri);
    ck_assert_int_eq(cal_add_working(cal, sat, -1), fri);
    /* the year's totals move by one, later counts are untouched */
    ck_assert_int_eq(cal_working_between(cal, ymd(2025, 12, 31), ymd(2026, 12, 31)), 262);
    ck_assert_int_eq(cal_working_between(cal, ymd(2026, 2, 1), ymd(2026, 3, 1)), 20);

    /* New Year's Day 2026 (Thursday) off: Wed 31/12 + 1 working day = Fri 2/1 */
    day_t wed = ymd(2025, 12, 31), thu = ymd(2026, 1, 1);
    calendar_set_day(cal, thu, false);
    ck_assert(!cal_is_working(cal, thu));
    ck_assert_int_eq(cal_add_working(cal, wed, 1), thu + 1);
    ck_assert_int_eq(cal_add_working(cal, thu + 1, -1), wed);
    ck_assert_int_eq(cal_working_between(cal, wed, thu), 0);
    ck_assert_int_eq(cal_working_between(cal, wed, mon), 8); /* Fri 2, Mon 5..Sat 10, Mon 12 */
    ck_assert_int_eq(cal_working_between(cal, wed, fri), 6);

    /* and back: overrides can be undone by setting the rule's value */
    calendar_set_day(cal, sat, false);
    calendar_set_day(cal, thu, true);
    ck_assert_int_eq(cal_working_between(cal, fri, mon), 1);
    ck_assert_int_eq(cal_working_between(cal, wed, mon), 8);
    ck_assert_int_eq(cal_add_working(cal, fri, 1), mon);
    calendar_free(cal);
}
END_TEST

/* Random overrides inside and outside the window, checked with the model. */
START_TEST(test_overrides_vs_naive)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    model_t *m = model_new();
    uint64_t st = 13;
    const day_t centres[] = {ymd(2026, 1, 1), ymd(1900, 1, 1), ymd(2200, 12, 31),
                             ymd(1800, 6, 1), ymd(2300, 6, 1)};
    for (int i = 0; i < 1500; i++) {
        day_t c = centres[i % 5];
        model_set(cal, m, (day_t)rng_range(&st, c - 300, c + 300), rng_next(&st) & 1);
    }
    for (int iter = 0; iter < 4000; iter++) {
        day_t c = centres[iter % 5];
        day_t a = (day_t)rng_range(&st, c - 400, c + 400);
        day_t b = (day_t)rng_range(&st, c - 400, c + 400);
        EQ(cal_is_working(cal, a), model_working(m, a));
        EQ(cal_working_between(cal, a, b), naive_between(m, a, b));
        int n = (int)rng_range(&st, -40, 40);
        if (n != 0)
            EQ(cal_add_working(cal, a, n), naive_add(m, a, n));
    }
    day_t a = ymd(1790, 1, 1), b = ymd(2310, 1, 1);
    EQ(cal_working_between(cal, a, b), naive_between(m, a, b));
    model_free(m);
    calendar_free(cal);
}
END_TEST

/* A long run of days off (a made-up closure) at the end of the window:
 * add_working must jump past it and beyond the window. */
START_TEST(test_long_closure)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    model_t *m = model_new();
    day_t start = ymd(2200, 1, 1), end = ymd(2201, 2, 15);
    for (day_t d = start; d <= end; d++)
        model_set(cal, m, d, false);
    EQ(cal_working_between(cal, start - 1, end), 0);
    day_t first = cal_add_working(cal, start - 1, 1);
    CHECK(first > end);
    EQ(first, naive_add(m, start - 1, 1));
    EQ(cal_add_working(cal, first, -1), naive_add(m, first, -1));
    CHECK(cal_add_working(cal, first, -1) < start);
    EQ(cal_add_working(cal, start + 30, 10), naive_add(m, start + 30, 10));
    EQ(cal_add_working(cal, end, -3), naive_add(m, end, -3));
    model_free(m);
    calendar_free(cal);
}
END_TEST

/* ---- cal_add_working --------------------------------------------------- */

START_TEST(test_add_small)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    day_t mon = ymd(2024, 3, 11), thu = mon + 3, fri = mon + 4, sat = mon + 5, sun = mon + 6;
    ck_assert_int_eq(cal_add_working(cal, mon, 0), mon);
    ck_assert_int_eq(cal_add_working(cal, sat, 0), sat); /* n == 0: d itself, even a day off */
    ck_assert_int_eq(cal_add_working(cal, mon, 1), mon + 1);
    ck_assert_int_eq(cal_add_working(cal, fri, 1), mon + 7);
    ck_assert_int_eq(cal_add_working(cal, sat, 1), mon + 7);
    ck_assert_int_eq(cal_add_working(cal, sun, 1), mon + 7);
    ck_assert_int_eq(cal_add_working(cal, thu, 2), mon + 7);
    ck_assert_int_eq(cal_add_working(cal, mon, 5), mon + 7);
    ck_assert_int_eq(cal_add_working(cal, mon, 10), mon + 14);
    ck_assert_int_eq(cal_add_working(cal, fri, 5), fri + 7);
    /* negative: symmetric */
    ck_assert_int_eq(cal_add_working(cal, mon + 7, -1), fri);
    ck_assert_int_eq(cal_add_working(cal, sat, -1), fri);
    ck_assert_int_eq(cal_add_working(cal, sun, -1), fri);
    ck_assert_int_eq(cal_add_working(cal, mon, -1), mon - 3);
    ck_assert_int_eq(cal_add_working(cal, mon, -5), mon - 7);
    ck_assert_int_eq(cal_add_working(cal, sat, -5), mon);
    /* a typical 15-working-day procedure received on 2024-03-14 (Thu) */
    ck_assert_int_eq(cal_add_working(cal, ymd(2024, 3, 14), 15), ymd(2024, 4, 4));
    calendar_free(cal);
}
END_TEST

/* Properties of add_working for random d and n, in and out of the window. */
START_TEST(test_add_properties)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    calendar_set_day(cal, ymd(2026, 1, 10), true);
    calendar_set_day(cal, ymd(2026, 1, 1), false);
    uint64_t st = 14;
    for (int iter = 0; iter < 200000; iter++) {
        day_t d = (day_t)(iter % 4 == 0 ? rng_range(&st, -1000000000, 1000000000)
                                        : rng_range(&st, ymd(1890, 1, 1), ymd(2210, 1, 1)));
        int n = (int)(iter % 8 == 0 ? rng_range(&st, -100000, 100000) : rng_range(&st, -60, 60));
        day_t r = cal_add_working(cal, d, n);
        if (n == 0) {
            EQ(r, d);
            continue;
        }
        CHECK(cal_is_working(cal, r));
        if (n > 0) {
            CHECK(r > d);
            EQ(cal_working_between(cal, d, r), n);
        } else {
            CHECK(r < d);
            EQ(cal_working_between(cal, r - 1, d - 1), -n); /* working days in [r, d) */
        }
        if (cal_is_working(cal, d))
            EQ(cal_add_working(cal, r, -n), d);
    }
    calendar_free(cal);
}
END_TEST

/* Near the ends of day_t nothing overflows (the sanitizer build checks). */
START_TEST(test_add_extremes)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    day_t r = cal_add_working(cal, INT32_MAX - 10, 3);
    CHECK(r > INT32_MAX - 10);
    EQ(cal_working_between(cal, INT32_MAX - 10, r), 3);
    r = cal_add_working(cal, INT32_MIN + 10, -3);
    CHECK(r < INT32_MIN + 10);
    EQ(cal_working_between(cal, r - 1, INT32_MIN + 9), 3);
    EQ(cal_add_working(cal, INT32_MAX, INT32_MAX), INT32_MAX); /* saturates */
    EQ(cal_add_working(cal, INT32_MIN, INT32_MIN), INT32_MIN);
    r = cal_add_working(cal, 0, 1000000000);
    EQ(cal_working_between(cal, 0, r), 1000000000);
    CHECK(cal_is_working(cal, r));
    r = cal_add_working(cal, 0, -1000000000);
    EQ(cal_working_between(cal, r - 1, -1), 1000000000);
    CHECK(cal_is_working(cal, r));
    calendar_free(cal);
}
END_TEST

/* Every day of the window: the prefix sums agree with a running count. */
START_TEST(test_window_running_count)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    model_t *m = model_new();
    uint64_t st = 15;
    for (int i = 0; i < 2000; i++) /* scattered overrides across the whole window */
        model_set(cal, m, (day_t)rng_range(&st, ymd(1899, 12, 1), ymd(2201, 1, 31)),
                  rng_next(&st) & 1);
    day_t a = ymd(1899, 11, 1);
    int64_t running = 0;
    for (day_t d = a + 1; d <= ymd(2201, 3, 1); d++) {
        running += cal_is_working(cal, d);
        EQ(cal_working_between(cal, a, d), running);
    }
    /* spot-check the model on the same days */
    for (int i = 0; i < 2000; i++) {
        day_t d = (day_t)rng_range(&st, ymd(1899, 11, 1), ymd(2201, 3, 1));
        EQ(cal_is_working(cal, d), model_working(m, d));
    }
    model_free(m);
    calendar_free(cal);
}
END_TEST

/* Two calendars are independent (no shared state). */
START_TEST(test_independent_calendars)
{
    calendar_t *a = calendar_new_default(), *b = calendar_new_default();
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    calendar_set_day(a, ymd(2026, 1, 10), true);
    calendar_set_day(a, ymd(2500, 1, 1), false);
    ck_assert(cal_is_working(a, ymd(2026, 1, 10)));
    ck_assert(!cal_is_working(b, ymd(2026, 1, 10)));
    ck_assert(!cal_is_working(a, ymd(2500, 1, 1)));
    ck_assert(cal_is_working(b, ymd(2500, 1, 1))); /* a Friday */
    calendar_free(a);
    calendar_free(b);
}
END_TEST

/* ---- Vietnam's calendar (calendar_new_vn) ------------------------------ */

/*
 * An independent model of the rules of spec §6 for 1900..2200, written the
 * plain way: the holidays of each year, then for each holiday on a weekend,
 * in date order, a walk forward to the first weekday that is neither a
 * holiday nor already taken by an earlier compensatory day.
 */
typedef struct {
    day_t lo, hi;
    unsigned char *kind;  /* day_kind, indexed by d - lo */
    const char **name;
} vn_model_t;

static void vn_put(vn_model_t *m, day_t d, const char *name)
{
    if (d < m->lo || d > m->hi || m->kind[d - m->lo] == DAY_HOLIDAY)
        return;
    m->kind[d - m->lo] = DAY_HOLIDAY;
    m->name[d - m->lo] = name;
}

static bool is_weekend(day_t d)
{
    return day_iso_weekday(d) >= 6;
}

static vn_model_t *vn_model_new(void)
{
    vn_model_t *m = calloc(1, sizeof *m);
    ck_assert_ptr_nonnull(m);
    m->lo = ymd(1900, 1, 1);
    m->hi = ymd(2200, 12, 31);
    size_t n = (size_t)(m->hi - m->lo + 1);
    m->kind = malloc(n);
    m->name = calloc(n, sizeof *m->name);
    ck_assert_ptr_nonnull(m->kind);
    ck_assert_ptr_nonnull(m->name);
    for (day_t d = m->lo; d <= m->hi; d++)
        m->kind[d - m->lo] = is_weekend(d) ? DAY_WEEKEND : DAY_WORKING;
    for (int y = 1900; y <= 2200; y++) {
        day_t tet, hung;
        vn_put(m, ymd(y, 1, 1), "Tết Dương lịch");
        ck_assert_int_eq(lunar_new_year(y, &tet), 0);
        for (day_t d = tet - 1; d <= tet + 3; d++)
            vn_put(m, d, "Tết Nguyên đán");
        ck_assert_int_eq(lunar_to_solar(10, 3, y, false, &hung), 0);
        vn_put(m, hung, "Giỗ Tổ Hùng Vương");
        vn_put(m, ymd(y, 4, 30), "Ngày Chiến thắng");
        vn_put(m, ymd(y, 5, 1), "Ngày Quốc tế Lao động");
        vn_put(m, ymd(y, 9, 1), "Quốc khánh");
        vn_put(m, ymd(y, 9, 2), "Quốc khánh");
    }
    char buf[128];
    for (day_t h = m->lo; h <= m->hi; h++) {
        if (m->kind[h - m->lo] != DAY_HOLIDAY || !is_weekend(h))
            continue;
        day_t c = h + 1;
        while (c <= m->hi && (is_weekend(c) || m->kind[c - m->lo] != DAY_WORKING))
            c++; /* a weekend, a holiday or a day already given */
        if (c > m->hi)
            continue;
        m->kind[c - m->lo] = DAY_COMPENSATORY;
        snprintf(buf, sizeof buf, "Nghỉ bù %s", m->name[h - m->lo]);
        m->name[c - m->lo] = strdup(buf);
        ck_assert_ptr_nonnull(m->name[c - m->lo]);
    }
    return m;
}

static void vn_model_free(vn_model_t *m)
{
    for (day_t d = m->lo; d <= m->hi; d++)
        if (m->kind[d - m->lo] == DAY_COMPENSATORY)
            free((void *)m->name[d - m->lo]);
    free(m->kind);
    free(m->name);
    free(m);
}

static bool vn_model_working(const vn_model_t *m, day_t d)
{
    if (d < m->lo || d > m->hi)
        return !is_weekend(d);
    return m->kind[d - m->lo] == DAY_WORKING;
}

static bool same_name(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Every day of 1900..2200 (and a margin outside) agrees with the model. */
START_TEST(test_vn_matches_model)
{
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    vn_model_t *m = vn_model_new();
    char buf[DAY_FMT_MAX];
    for (day_t d = ymd(1890, 1, 1); d <= ymd(2210, 12, 31); d++) {
        day_info info;
        calendar_day_info(cal, d, &info);
        day_kind want = d < m->lo || d > m->hi ? (is_weekend(d) ? DAY_WEEKEND : DAY_WORKING)
                                               : (day_kind)m->kind[d - m->lo];
        const char *want_name = d < m->lo || d > m->hi ? NULL : m->name[d - m->lo];
        day_format(d, buf, sizeof buf);
        CHECK_MSG(info.kind == want, "%s: kind %d, expected %d", buf, info.kind, want);
        CHECK_MSG(same_name(info.name, want_name), "%s: name %s, expected %s", buf,
                  info.name ? info.name : "NULL", want_name ? want_name : "NULL");
        CHECK_MSG(info.working == vn_model_working(m, d), "%s: working", buf);
        CHECK_MSG(cal_is_working(cal, d) == info.working, "%s: is_working", buf);
    }
    vn_model_free(m);
    calendar_free(cal);
}
END_TEST

/* Per year: 11 days of holiday (10 in 1947, when 10/3 lunar was 30/4), and
 * as many compensatory days as holidays on a weekend. */
START_TEST(test_vn_counts_per_year)
{
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    for (int y = 1900; y <= 2200; y++) {
        int holidays = 0, weekend_holidays = 0, comp = 0;
        for (day_t d = ymd(y, 1, 1); d <= ymd(y, 12, 31); d++) {
            day_info info;
            calendar_day_info(cal, d, &info);
            if (info.kind == DAY_HOLIDAY) {
                holidays++;
                weekend_holidays += is_weekend(d);
                CHECK_MSG(!info.working && info.name != NULL, "%d", y);
            } else if (info.kind == DAY_COMPENSATORY) {
                comp++;
                CHECK_MSG(!is_weekend(d) && !info.working, "%d", y);
                CHECK_MSG(strncmp(info.name, "Nghỉ bù ", strlen("Nghỉ bù ")) == 0, "%d", y);
            }
        }
        CHECK_MSG(holidays == (y == 1947 ? 10 : 11), "%d: %d holidays", y, holidays);
        CHECK_MSG(comp == weekend_holidays, "%d: %d compensatory, %d holidays on weekends", y,
                  comp, weekend_holidays);
    }
    calendar_free(cal);
}
END_TEST

typedef struct {
    int m, d;
    day_kind kind;
    const char *name;
} known_day;

/* Checks that year y's days off other than plain weekends are exactly `days`. */
static void check_year(const calendar_t *cal, int y, const known_day *days, size_t n)
{
    char buf[DAY_FMT_MAX];
    for (day_t d = ymd(y, 1, 1); d <= ymd(y, 12, 31); d++) {
        day_info info;
        calendar_day_info(cal, d, &info);
        day_format(d, buf, sizeof buf);
        const known_day *k = NULL;
        for (size_t i = 0; i < n; i++)
            if (ymd(y, days[i].m, days[i].d) == d)
                k = &days[i];
        if (k == NULL) {
            ck_assert_msg(info.kind == (is_weekend(d) ? DAY_WEEKEND : DAY_WORKING),
                          "%s: kind %d (%s)", buf, info.kind, info.name ? info.name : "");
            ck_assert_ptr_null(info.name);
            ck_assert(info.working == !is_weekend(d));
            continue;
        }
        ck_assert_msg(info.kind == k->kind, "%s: kind %d, expected %d", buf, info.kind, k->kind);
        ck_assert_msg(info.name != NULL && strcmp(info.name, k->name) == 0, "%s: %s", buf,
                      info.name ? info.name : "NULL");
        ck_assert(!info.working);
    }
}

#define HOL DAY_HOLIDAY
#define COMP DAY_COMPENSATORY

START_TEST(test_vn_2023)
{
    /* 1/1 on a Sunday; Tết Sat 21/1 .. Wed 25/1 with two days on the
     * weekend; 29/4 (10/3, Sat), 30/4 (Sun), 1/5 (Mon): two days owed after
     * 1/5; 1/9 (Fri) and 2/9 (Sat): Sunday 3/9 is a weekend, so Monday 4/9 */
    static const known_day days[] = {
        {1, 1, HOL, "Tết Dương lịch"},        {1, 2, COMP, "Nghỉ bù Tết Dương lịch"},
        {1, 21, HOL, "Tết Nguyên đán"},       {1, 22, HOL, "Tết Nguyên đán"},
        {1, 23, HOL, "Tết Nguyên đán"},       {1, 24, HOL, "Tết Nguyên đán"},
        {1, 25, HOL, "Tết Nguyên đán"},       {1, 26, COMP, "Nghỉ bù Tết Nguyên đán"},
        {1, 27, COMP, "Nghỉ bù Tết Nguyên đán"}, {4, 29, HOL, "Giỗ Tổ Hùng Vương"},
        {4, 30, HOL, "Ngày Chiến thắng"},     {5, 1, HOL, "Ngày Quốc tế Lao động"},
        {5, 2, COMP, "Nghỉ bù Giỗ Tổ Hùng Vương"}, {5, 3, COMP, "Nghỉ bù Ngày Chiến thắng"},
        {9, 1, HOL, "Quốc khánh"},            {9, 2, HOL, "Quốc khánh"},
        {9, 4, COMP, "Nghỉ bù Quốc khánh"},
    };
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    check_year(cal, 2023, days, sizeof days / sizeof days[0]);
    calendar_free(cal);
}
END_TEST

START_TEST(test_vn_2024_2025_2026)
{
    /* 2024: Tết Fri 9/2 .. Tue 13/2 (Sat, Sun inside); 1/9 on a Sunday */
    static const known_day y2024[] = {
        {1, 1, HOL, "Tết Dương lịch"},  {2, 9, HOL, "Tết Nguyên đán"},
        {2, 10, HOL, "Tết Nguyên đán"}, {2, 11, HOL, "Tết Nguyên đán"},
        {2, 12, HOL, "Tết Nguyên đán"}, {2, 13, HOL, "Tết Nguyên đán"},
        {2, 14, COMP, "Nghỉ bù Tết Nguyên đán"}, {2, 15, COMP, "Nghỉ bù Tết Nguyên đán"},
        {4, 18, HOL, "Giỗ Tổ Hùng Vương"}, {4, 30, HOL, "Ngày Chiến thắng"},
        {5, 1, HOL, "Ngày Quốc tế Lao động"}, {9, 1, HOL, "Quốc khánh"},
        {9, 2, HOL, "Quốc khánh"},      {9, 3, COMP, "Nghỉ bù Quốc khánh"},
    };
    /* 2025: Tết Tue 28/1 .. Sat 1/2 */
    static const known_day y2025[] = {
        {1, 1, HOL, "Tết Dương lịch"},  {1, 28, HOL, "Tết Nguyên đán"},
        {1, 29, HOL, "Tết Nguyên đán"}, {1, 30, HOL, "Tết Nguyên đán"},
        {1, 31, HOL, "Tết Nguyên đán"}, {2, 1, HOL, "Tết Nguyên đán"},
        {2, 3, COMP, "Nghỉ bù Tết Nguyên đán"}, {4, 7, HOL, "Giỗ Tổ Hùng Vương"},
        {4, 30, HOL, "Ngày Chiến thắng"}, {5, 1, HOL, "Ngày Quốc tế Lao động"},
        {9, 1, HOL, "Quốc khánh"},      {9, 2, HOL, "Quốc khánh"},
    };
    /* 2026: 10/3 lunar on Sunday 26/4 */
    static const known_day y2026[] = {
        {1, 1, HOL, "Tết Dương lịch"},  {2, 16, HOL, "Tết Nguyên đán"},
        {2, 17, HOL, "Tết Nguyên đán"}, {2, 18, HOL, "Tết Nguyên đán"},
        {2, 19, HOL, "Tết Nguyên đán"}, {2, 20, HOL, "Tết Nguyên đán"},
        {4, 26, HOL, "Giỗ Tổ Hùng Vương"}, {4, 27, COMP, "Nghỉ bù Giỗ Tổ Hùng Vương"},
        {4, 30, HOL, "Ngày Chiến thắng"}, {5, 1, HOL, "Ngày Quốc tế Lao động"},
        {9, 1, HOL, "Quốc khánh"},      {9, 2, HOL, "Quốc khánh"},
    };
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    check_year(cal, 2024, y2024, sizeof y2024 / sizeof y2024[0]);
    check_year(cal, 2025, y2025, sizeof y2025 / sizeof y2025[0]);
    check_year(cal, 2026, y2026, sizeof y2026 / sizeof y2026[0]);
    /* 2024 has 262 weekdays, less 1/1, 5 days of Tết (9, 12, 13/2 are
     * weekdays), 2 compensatory, 18/4, 30/4, 1/5, 2/9, 3/9 */
    ck_assert_int_eq(cal_working_between(cal, ymd(2023, 12, 31), ymd(2024, 12, 31)),
                     262 - 1 - 3 - 2 - 1 - 2 - 2);
    calendar_free(cal);
}
END_TEST

/* The published Tết and 10/3 of 2020..2035 are holidays, with Tết's eve. */
START_TEST(test_vn_tet_and_hung_2020_2035)
{
    static const int dates[][5] = {
        {2020, 1, 25, 4, 2},  {2021, 2, 12, 4, 21}, {2022, 2, 1, 4, 10},  {2023, 1, 22, 4, 29},
        {2024, 2, 10, 4, 18}, {2025, 1, 29, 4, 7},  {2026, 2, 17, 4, 26}, {2027, 2, 6, 4, 16},
        {2028, 1, 26, 4, 4},  {2029, 2, 13, 4, 23}, {2030, 2, 2, 4, 12},  {2031, 1, 23, 4, 1},
        {2032, 2, 11, 4, 19}, {2033, 1, 31, 4, 9},  {2034, 2, 19, 4, 28}, {2035, 2, 8, 4, 17},
    };
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    day_info info;
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        day_t tet = ymd(dates[i][0], dates[i][1], dates[i][2]);
        for (day_t d = tet - 1; d <= tet + 3; d++) {
            calendar_day_info(cal, d, &info);
            ck_assert_msg(info.kind == DAY_HOLIDAY && !info.working, "Tết %d", dates[i][0]);
            ck_assert_str_eq(info.name, "Tết Nguyên đán");
        }
        calendar_day_info(cal, tet - 2, &info);
        ck_assert_msg(info.kind != DAY_HOLIDAY, "Tết %d starts early", dates[i][0]);
        calendar_day_info(cal, tet + 4, &info);
        ck_assert_msg(info.kind != DAY_HOLIDAY, "Tết %d ends late", dates[i][0]);
        calendar_day_info(cal, ymd(dates[i][0], dates[i][3], dates[i][4]), &info);
        ck_assert_msg(info.kind == DAY_HOLIDAY && !info.working, "10/3 %d", dates[i][0]);
        ck_assert_str_eq(info.name, "Giỗ Tổ Hùng Vương");
    }
    calendar_free(cal);
}
END_TEST

/* Working days across Tết (and every other holiday) by prefix sums equal a
 * day-by-day count, and cal_add_working equals a walk. */
START_TEST(test_vn_between_across_tet)
{
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    vn_model_t *vm = vn_model_new();
    uint64_t st = 21;
    for (int y = 1900; y <= 2200; y++) {
        day_t tet;
        ck_assert_int_eq(lunar_new_year(y, &tet), 0);
        for (int iter = 0; iter < 40; iter++) {
            day_t a = (day_t)rng_range(&st, tet - 30, tet + 30);
            day_t b = (day_t)rng_range(&st, tet - 30, tet + 30);
            int64_t naive = 0;
            for (day_t d = (a < b ? a : b) + 1; d <= (a < b ? b : a); d++)
                naive += cal_is_working(cal, d);
            int64_t model = 0;
            for (day_t d = (a < b ? a : b) + 1; d <= (a < b ? b : a); d++)
                model += vn_model_working(vm, d);
            EQ(naive, model);
            EQ(cal_working_between(cal, a, b), a <= b ? naive : -naive);
            int n = (int)rng_range(&st, -15, 15);
            if (n == 0)
                continue;
            day_t r = a;
            for (int left = n > 0 ? n : -n; left > 0;) {
                r += n > 0 ? 1 : -1;
                if (vn_model_working(vm, r))
                    left--;
            }
            EQ(cal_add_working(cal, a, n), r);
        }
    }
    /* Tết 2024: Thu 8/2 + 1 working day = Fri 16/2 (9..15 off) */
    EQ(cal_add_working(cal, ymd(2024, 2, 8), 1), ymd(2024, 2, 16));
    EQ(cal_working_between(cal, ymd(2024, 2, 8), ymd(2024, 2, 16)), 1);
    EQ(cal_add_working(cal, ymd(2024, 2, 16), -1), ymd(2024, 2, 8));
    vn_model_free(vm);
    calendar_free(cal);
}
END_TEST

/* 2026: Friday 2/1 off, Saturday 10/1 worked (the swap decided that year). */
START_TEST(test_vn_override_2026_swap)
{
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    day_t thu = ymd(2026, 1, 1), fri = ymd(2026, 1, 2), fri9 = ymd(2026, 1, 9),
          sat = ymd(2026, 1, 10), mon = ymd(2026, 1, 12);
    day_info info;
    calendar_day_info(cal, sat, &info);
    ck_assert(!info.working && info.kind == DAY_WEEKEND && info.name == NULL);
    EQ(cal_working_between(cal, thu - 1, mon), 7); /* Fri 2, Mon 5 .. Fri 9, Mon 12 */
    EQ(cal_add_working(cal, fri9, 1), mon);
    int64_t rest = cal_working_between(cal, ymd(2026, 1, 31), ymd(2026, 12, 31));

    char name[64];
    snprintf(name, sizeof name, "%s", "Làm bù cho ngày 02/01/2026");
    ck_assert_int_eq(calendar_set_override(cal, sat, true, name), 0);
    ck_assert_int_eq(calendar_set_override(cal, fri, false, "Nghỉ bù (đổi ngày làm việc)"), 0);
    memset(name, 'x', sizeof name - 1); /* the calendar keeps its own copy */
    calendar_day_info(cal, sat, &info);
    ck_assert(info.working);
    ck_assert_int_eq(info.kind, DAY_OVERRIDE);
    ck_assert_str_eq(info.name, "Làm bù cho ngày 02/01/2026");
    ck_assert_ptr_ne(info.name, name);
    calendar_day_info(cal, fri, &info);
    ck_assert(!info.working);
    ck_assert_int_eq(info.kind, DAY_OVERRIDE);
    ck_assert_str_eq(info.name, "Nghỉ bù (đổi ngày làm việc)");
    ck_assert(cal_is_working(cal, sat));
    ck_assert(!cal_is_working(cal, fri));
    EQ(cal_working_between(cal, thu - 1, mon), 7); /* a swap: same count over the fortnight */
    EQ(cal_working_between(cal, thu - 1, fri), 0);
    EQ(cal_working_between(cal, fri9, sat), 1);
    EQ(cal_add_working(cal, fri9, 1), sat);
    EQ(cal_add_working(cal, sat, 1), mon);
    EQ(cal_add_working(cal, thu - 1, 1), ymd(2026, 1, 5));
    EQ(cal_add_working(cal, mon, -1), sat);
    /* the rest of the year is untouched */
    EQ(cal_working_between(cal, ymd(2026, 1, 31), ymd(2026, 12, 31)), rest);
    calendar_day_info(cal, thu, &info);
    ck_assert(info.kind == DAY_HOLIDAY && !info.working);

    /* set again: the last one wins; a NULL name is no name */
    ck_assert_int_eq(calendar_set_override(cal, sat, true, "Làm việc"), 0);
    calendar_day_info(cal, sat, &info);
    ck_assert_str_eq(info.name, "Làm việc");
    ck_assert_int_eq(calendar_set_override(cal, sat, true, NULL), 0);
    calendar_day_info(cal, sat, &info);
    ck_assert(info.working && info.kind == DAY_OVERRIDE && info.name == NULL);
    ck_assert_int_eq(calendar_set_override(cal, sat, true, ""), 0);
    calendar_day_info(cal, sat, &info);
    ck_assert_str_eq(info.name, "");
    /* calendar_set_day is an override without a name */
    calendar_set_day(cal, fri, false);
    calendar_day_info(cal, fri, &info);
    ck_assert(!info.working && info.kind == DAY_OVERRIDE && info.name == NULL);
    calendar_free(cal);
}
END_TEST

/* Overrides win over every rule, inside and outside the window. */
START_TEST(test_vn_override_wins)
{
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    day_info info;
    day_t tet = ymd(2026, 2, 17), comp = ymd(2026, 4, 27), far = ymd(2300, 1, 3);
    int64_t before = cal_working_between(cal, ymd(2025, 12, 31), ymd(2026, 12, 31));
    ck_assert_int_eq(calendar_set_override(cal, tet, true, "Trực Tết"), 0);
    ck_assert_int_eq(calendar_set_override(cal, comp, true, "Đi làm"), 0);
    ck_assert_int_eq(calendar_set_override(cal, ymd(2026, 3, 4), false, "Nghỉ riêng"), 0);
    EQ(cal_working_between(cal, ymd(2025, 12, 31), ymd(2026, 12, 31)), before + 1);
    calendar_day_info(cal, tet, &info);
    ck_assert(info.working && info.kind == DAY_OVERRIDE);
    ck_assert_str_eq(info.name, "Trực Tết");
    calendar_day_info(cal, comp, &info);
    ck_assert(info.working && info.kind == DAY_OVERRIDE);
    ck_assert_str_eq(info.name, "Đi làm");
    /* outside the window (a Wednesday) */
    ck_assert_int_eq(calendar_set_override(cal, far, false, "Xa"), 0);
    calendar_day_info(cal, far, &info);
    ck_assert(!info.working && info.kind == DAY_OVERRIDE);
    ck_assert_str_eq(info.name, "Xa");
    ck_assert(!cal_is_working(cal, far));
    EQ(cal_working_between(cal, far - 1, far + 1), 1);
    calendar_day_info(cal, far + 1, &info);
    ck_assert(info.working && info.kind == DAY_WORKING && info.name == NULL);
    calendar_day_info(cal, ymd(2300, 1, 1), &info); /* no holidays outside 1900..2200 */
    ck_assert(info.working && info.kind == DAY_WORKING);
    calendar_day_info(cal, ymd(1899, 12, 31), &info);
    ck_assert(!info.working && info.kind == DAY_WEEKEND);
    ck_assert_int_eq(calendar_set_override(NULL, far, true, "x"), -1);
    calendar_free(cal);
}
END_TEST

/* Many random overrides on Vietnam's calendar, checked against the model. */
START_TEST(test_vn_random_overrides)
{
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    vn_model_t *vm = vn_model_new();
    model_t *m = model_new(); /* only its override array is used */
    uint64_t st = 22;
    for (int i = 0; i < 3000; i++) {
        day_t d = (day_t)rng_range(&st, ymd(1899, 6, 1), ymd(2201, 6, 1));
        bool w = rng_next(&st) & 1;
        char name[32];
        snprintf(name, sizeof name, "o%d", i);
        ck_assert_int_eq(calendar_set_override(cal, d, w, i % 3 ? name : NULL), 0);
        m->set[d - m->base] = w;
    }
    for (int iter = 0; iter < 3000; iter++) {
        day_t a = (day_t)rng_range(&st, ymd(1899, 1, 1), ymd(2202, 1, 1));
        day_t b = a + (day_t)rng_range(&st, -400, 400);
        int64_t naive = 0;
        for (day_t d = (a < b ? a : b) + 1; d <= (a < b ? b : a); d++) {
            signed char o = m->set[d - m->base];
            naive += o >= 0 ? o : vn_model_working(vm, d);
        }
        EQ(cal_working_between(cal, a, b), a <= b ? naive : -naive);
    }
    model_free(m);
    vn_model_free(vm);
    calendar_free(cal);
}
END_TEST

/* calendar_day_info on the weekend-only calendar. */
START_TEST(test_default_day_info)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    day_info info;
    calendar_day_info(cal, ymd(2026, 1, 1), &info); /* no holidays in the default */
    ck_assert(info.working && info.kind == DAY_WORKING && info.name == NULL);
    calendar_day_info(cal, ymd(2026, 1, 10), &info);
    ck_assert(!info.working && info.kind == DAY_WEEKEND && info.name == NULL);
    calendar_set_day(cal, ymd(2026, 1, 10), true);
    calendar_day_info(cal, ymd(2026, 1, 10), &info);
    ck_assert(info.working && info.kind == DAY_OVERRIDE && info.name == NULL);
    ck_assert_int_eq(calendar_set_override(cal, ymd(2026, 1, 1), false, "Tết Dương lịch"), 0);
    calendar_day_info(cal, ymd(2026, 1, 1), &info);
    ck_assert(!info.working && info.kind == DAY_OVERRIDE);
    ck_assert_str_eq(info.name, "Tết Dương lịch");
    calendar_free(cal);
}
END_TEST

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Built at every start and reload: well under 50 ms (the best of three, so
 * that one slow scheduling slice does not fail it; sanitizers get 10x). */
START_TEST(test_vn_construction_fast)
{
    double limit = 50.0;
#if defined(__SANITIZE_ADDRESS__)
    limit *= 10;
#endif
    double best = 1e9;
    for (int i = 0; i < 3; i++) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        calendar_t *cal = calendar_new_vn();
        for (int k = 0; k < 500; k++) /* and a realistic load of overrides */
            ck_assert_int_eq(calendar_set_override(cal, ymd(2000, 1, 1) + k * 17, k & 1, "o"), 0);
        double ms = ms_since(&t0);
        ck_assert_ptr_nonnull(cal);
        calendar_free(cal);
        if (ms < best)
            best = ms;
    }
    ck_assert_msg(best < limit, "calendar_new_vn + 500 overrides took %.1f ms", best);
}
END_TEST

Suite *make_calendar_suite(void)
{
    Suite *s = suite_create("calendar");

    TCase *basic = tcase_create("basic");
    tcase_add_test(basic, test_new_and_free);
    tcase_add_test(basic, test_weekends_off);
    tcase_add_test(basic, test_is_working_rule_everywhere);
    tcase_add_test(basic, test_independent_calendars);
    suite_add_tcase(s, basic);

    TCase *between = tcase_create("between");
    tcase_set_timeout(between, 120);
    tcase_add_test(between, test_between_small);
    tcase_add_test(between, test_between_vs_naive);
    tcase_add_test(between, test_between_additive);
    tcase_add_test(between, test_window_running_count);
    suite_add_tcase(s, between);

    TCase *add = tcase_create("add_working");
    tcase_set_timeout(add, 120);
    tcase_add_test(add, test_add_small);
    tcase_add_test(add, test_add_properties);
    tcase_add_test(add, test_add_extremes);
    suite_add_tcase(s, add);

    TCase *over = tcase_create("overrides");
    tcase_set_timeout(over, 120);
    tcase_add_test(over, test_override_saturday_2026);
    tcase_add_test(over, test_overrides_vs_naive);
    tcase_add_test(over, test_long_closure);
    suite_add_tcase(s, over);

    TCase *vn = tcase_create("vietnam");
    tcase_set_timeout(vn, 120);
    tcase_add_test(vn, test_vn_2023);
    tcase_add_test(vn, test_vn_2024_2025_2026);
    tcase_add_test(vn, test_vn_tet_and_hung_2020_2035);
    tcase_add_test(vn, test_vn_matches_model);
    tcase_add_test(vn, test_vn_counts_per_year);
    tcase_add_test(vn, test_vn_between_across_tet);
    tcase_add_test(vn, test_vn_override_2026_swap);
    tcase_add_test(vn, test_vn_override_wins);
    tcase_add_test(vn, test_vn_random_overrides);
    tcase_add_test(vn, test_default_day_info);
    tcase_add_test(vn, test_vn_construction_fast);
    suite_add_tcase(s, vn);
    return s;
}
