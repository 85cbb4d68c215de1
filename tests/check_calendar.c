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
#include <stdlib.h>

#include "calendar.h"
#include "ts.h"

/* Assertions for hot loops that only talk to Check on failure (see check_ts.c). */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            ck_abort_msg("check failed: %s", #c);                                                  \
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
    return s;
}
