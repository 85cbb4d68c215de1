/*
 * check_lunar.c - tests for lunar.c (the Vietnamese lunar calendar, spec §6).
 *
 * Why: Tết and the Hùng Kings' day decide six of the eleven holidays, and a
 * lunar calendar computed from astronomy is easy to get wrong by one day (a
 * new moon just before midnight) or by one month (the leap month). So:
 *  - the published dates of Tết and of 10/3 for 2020..2035;
 *  - the years in which Vietnam (UTC+7) and China (UTC+8) differ, computed
 *    with both offsets (Tết 1968, 1985, 2007, 2030);
 *  - leap months of known years and the dates around them;
 *  - for every day of 1800..2299: solar -> lunar -> solar is the identity,
 *    and the lunar dates run 1, 2, .. 29 or 30 through months and years in
 *    order, with 12 months a year, or 13 when the year has a leap month;
 *  - Tết always falls between 21 January and 20 February;
 *  - every invalid lunar date is refused.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lunar.h"
#include "ts.h"

/* Assertions for hot loops that only talk to Check on failure. */
#define CHECK_MSG(c, ...)                                                                          \
    do {                                                                                           \
        if (!(c))                                                                                  \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

static day_t ymd(int y, int m, int d)
{
    return day_from_ymd(y, m, d);
}

static const char *fmt(day_t d, char *buf)
{
    day_format(d, buf, DAY_FMT_MAX);
    return buf;
}

/* Tết (1/1) and the Hùng Kings' day (10/3) of 2020..2035 as published. */
static const struct {
    int year;
    int tm, td; /* Tết */
    int hm, hd; /* 10/3 */
} published[] = {
    {2020, 1, 25, 4, 2},  {2021, 2, 12, 4, 21}, {2022, 2, 1, 4, 10},  {2023, 1, 22, 4, 29},
    {2024, 2, 10, 4, 18}, {2025, 1, 29, 4, 7},  {2026, 2, 17, 4, 26}, {2027, 2, 6, 4, 16},
    {2028, 1, 26, 4, 4},  {2029, 2, 13, 4, 23}, {2030, 2, 2, 4, 12},  {2031, 1, 23, 4, 1},
    {2032, 2, 11, 4, 19}, {2033, 1, 31, 4, 9},  {2034, 2, 19, 4, 28}, {2035, 2, 8, 4, 17},
};

START_TEST(test_tet_published)
{
    char a[DAY_FMT_MAX], b[DAY_FMT_MAX];
    for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
        int y = published[i].year;
        day_t want = ymd(y, published[i].tm, published[i].td), got = 0;
        ck_assert_int_eq(lunar_new_year(y, &got), 0);
        ck_assert_msg(got == want, "Tết %d: %s, expected %s", y, fmt(got, a), fmt(want, b));
        ck_assert_int_eq(lunar_to_solar(1, 1, y, false, &got), 0);
        ck_assert_int_eq(got, want);
        lunar_date_t l;
        ck_assert_int_eq(lunar_from_solar(want, &l), 0);
        ck_assert(l.day == 1 && l.month == 1 && l.year == y && !l.leap);
        /* the day before is the last day (29 or 30) of month 12 of the year before */
        ck_assert_int_eq(lunar_from_solar(want - 1, &l), 0);
        ck_assert(l.month == 12 && l.year == y - 1 && !l.leap);
        ck_assert(l.day == 29 || l.day == 30);
    }
}
END_TEST

START_TEST(test_hung_kings_published)
{
    char a[DAY_FMT_MAX], b[DAY_FMT_MAX];
    for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
        int y = published[i].year;
        day_t want = ymd(y, published[i].hm, published[i].hd), got = 0;
        ck_assert_int_eq(lunar_to_solar(10, 3, y, false, &got), 0);
        ck_assert_msg(got == want, "10/3/%d: %s, expected %s", y, fmt(got, a), fmt(want, b));
        lunar_date_t l;
        ck_assert_int_eq(lunar_from_solar(want, &l), 0);
        ck_assert(l.day == 10 && l.month == 3 && l.year == y && !l.leap);
    }
}
END_TEST

/* Vietnam reckons the day at UTC+7, China at UTC+8: a new moon between 23:00
 * and 24:00 Vietnam time moves Tết by a day, or by a month when it moves the
 * leap month (1985). */
START_TEST(test_vietnam_vs_china)
{
    static const struct {
        int year, vm, vd, cm, cd;
    } cases[] = {
        {1968, 1, 29, 1, 30}, /* Tết Mậu Thân: the North (UTC+7) a day before the South */
        {1985, 1, 21, 2, 20},
        {2007, 2, 17, 2, 18},
        {2030, 2, 2, 2, 3},
        {2024, 2, 10, 2, 10}, /* and most years agree */
        {2027, 2, 6, 2, 6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        day_t vn, cn;
        ck_assert_int_eq(lunar_new_year_tz(cases[i].year, 7, &vn), 0);
        ck_assert_int_eq(lunar_new_year_tz(cases[i].year, 8, &cn), 0);
        ck_assert_int_eq(vn, ymd(cases[i].year, cases[i].vm, cases[i].vd));
        ck_assert_int_eq(cn, ymd(cases[i].year, cases[i].cm, cases[i].cd));
        day_t plain;
        ck_assert_int_eq(lunar_new_year(cases[i].year, &plain), 0); /* UTC+7 by default */
        ck_assert_int_eq(plain, vn);
    }
}
END_TEST

START_TEST(test_leap_months)
{
    static const struct {
        int year, leap;
    } years[] = {
        {2017, 6}, {2020, 4}, {2021, 0}, {2022, 0}, {2023, 2}, {2024, 0}, {2025, 6},
        {2026, 0}, {2027, 0}, {2028, 5}, {2031, 3}, {2033, 11}, {2036, 6},
    };
    for (size_t i = 0; i < sizeof years / sizeof years[0]; i++)
        ck_assert_msg(lunar_leap_month(years[i].year) == years[i].leap, "leap month of %d: %d",
                      years[i].year, lunar_leap_month(years[i].year));

    day_t d;
    lunar_date_t l;
    /* 2023: 2nd month 20/2, leap 2nd month 22/3, 3rd month 20/4 */
    ck_assert_int_eq(lunar_to_solar(1, 2, 2023, false, &d), 0);
    ck_assert_int_eq(d, ymd(2023, 2, 20));
    ck_assert_int_eq(lunar_to_solar(1, 2, 2023, true, &d), 0);
    ck_assert_int_eq(d, ymd(2023, 3, 22));
    ck_assert_int_eq(lunar_to_solar(1, 3, 2023, false, &d), 0);
    ck_assert_int_eq(d, ymd(2023, 4, 20));
    ck_assert_int_eq(lunar_from_solar(ymd(2023, 3, 22), &l), 0);
    ck_assert(l.day == 1 && l.month == 2 && l.year == 2023 && l.leap);
    ck_assert_int_eq(lunar_from_solar(ymd(2023, 3, 21), &l), 0);
    ck_assert(l.day == 30 && l.month == 2 && l.year == 2023 && !l.leap);
    ck_assert_int_eq(lunar_from_solar(ymd(2023, 4, 19), &l), 0);
    ck_assert(l.day == 29 && l.month == 2 && l.year == 2023 && l.leap);
    /* 2025: 6th month 25/6, leap 6th month 25/7, 7th month 23/8 (Vu Lan 15/7: 6/9) */
    ck_assert_int_eq(lunar_to_solar(1, 6, 2025, false, &d), 0);
    ck_assert_int_eq(d, ymd(2025, 6, 25));
    ck_assert_int_eq(lunar_to_solar(1, 6, 2025, true, &d), 0);
    ck_assert_int_eq(d, ymd(2025, 7, 25));
    ck_assert_int_eq(lunar_to_solar(15, 7, 2025, false, &d), 0);
    ck_assert_int_eq(d, ymd(2025, 9, 6));
    ck_assert_int_eq(lunar_month_days(6, 2025, false), 30);
    ck_assert_int_eq(lunar_month_days(6, 2025, true), 29);
    /* 2033: leap 11th month, from 22/12/2033; Tết 2034 is still 19/2 */
    ck_assert_int_eq(lunar_to_solar(1, 11, 2033, true, &d), 0);
    ck_assert_int_eq(d, ymd(2033, 12, 22));
    ck_assert_int_eq(lunar_from_solar(ymd(2034, 1, 1), &l), 0);
    ck_assert(l.day == 11 && l.month == 11 && l.year == 2033 && l.leap);
    ck_assert_int_eq(lunar_from_solar(ymd(2034, 2, 18), &l), 0);
    ck_assert(l.month == 12 && l.year == 2033 && !l.leap);

    /* a leap month that the year does not have */
    ck_assert_int_eq(lunar_to_solar(1, 3, 2023, true, &d), -1);
    ck_assert_int_eq(lunar_to_solar(1, 2, 2024, true, &d), -1);
    ck_assert_int_eq(lunar_month_days(2, 2024, true), -1);
}
END_TEST

START_TEST(test_invalid_dates)
{
    day_t d = 12345;
    const int bad[][3] = {
        {0, 1, 2024}, {31, 1, 2024}, {-1, 1, 2024}, {1, 0, 2024}, {1, 13, 2024}, {1, -5, 2024},
        {1, 1, LUNAR_YEAR_MIN - 1}, {1, 1, LUNAR_YEAR_MAX + 1}, {1, 1, 0}, {1, 1, -2024},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(lunar_to_solar(bad[i][0], bad[i][1], bad[i][2], false, &d) == -1,
                      "accepted %d/%d/%d", bad[i][0], bad[i][1], bad[i][2]);
        ck_assert_int_eq(d, 12345);
    }
    /* the 30th of a 29-day month: the 12th month of 2024 began 31/12/2024 and
     * Tết 2025 is 29/1, so its last day is the 29th (28/1/2025); the 12th
     * month of 2023 (11/1/2024 .. 9/2/2024) has a 30th */
    ck_assert_int_eq(lunar_month_days(12, 2024, false), 29);
    ck_assert_int_eq(lunar_to_solar(30, 12, 2024, false, &d), -1);
    ck_assert_int_eq(lunar_to_solar(29, 12, 2024, false, &d), 0);
    ck_assert_int_eq(d, ymd(2025, 1, 28));
    ck_assert_int_eq(lunar_month_days(12, 2023, false), 30);
    ck_assert_int_eq(lunar_to_solar(30, 12, 2023, false, &d), 0);
    ck_assert_int_eq(d, ymd(2024, 2, 9));
    ck_assert_int_eq(lunar_new_year(LUNAR_YEAR_MAX + 1, &d), -1);
    ck_assert_int_eq(lunar_new_year(LUNAR_YEAR_MIN - 1, &d), -1);
    ck_assert_int_eq(lunar_new_year_tz(2024, 99, &d), -1);
    ck_assert_int_eq(lunar_leap_month(LUNAR_YEAR_MAX + 1), -1);
    lunar_date_t l;
    ck_assert_int_eq(lunar_from_solar(ymd(1700, 6, 1), &l), -1);
    ck_assert_int_eq(lunar_from_solar(ymd(2400, 6, 1), &l), -1);
    ck_assert_int_eq(lunar_from_solar(INT32_MIN, &l), -1);
    ck_assert_int_eq(lunar_from_solar(INT32_MAX, &l), -1);
    ck_assert_int_eq(lunar_from_solar_tz(ymd(2024, 1, 1), -13, &l), -1);
}
END_TEST

/*
 * Every day from Tết 1800 to the end of lunar 2298: solar -> lunar -> solar is
 * the identity, and consecutive days are consecutive lunar dates: the day
 * goes up by one, or a month of 29 or 30 days ends and the next begins (the
 * leap month after its ordinary month, month 1 of the next year after 12),
 * and each year has 12 months, or 13 exactly when lunar_leap_month says so.
 */
START_TEST(test_every_day_round_trip)
{
    day_t first, end;
    ck_assert_int_eq(lunar_new_year(LUNAR_YEAR_MIN, &first), 0);
    ck_assert_int_eq(lunar_new_year(LUNAR_YEAR_MAX, &end), 0);
    lunar_date_t prev;
    ck_assert_int_eq(lunar_from_solar(first, &prev), 0);
    ck_assert(prev.day == 1 && prev.month == 1 && prev.year == LUNAR_YEAR_MIN && !prev.leap);
    int months_this_year = 1;
    char buf[DAY_FMT_MAX];
    for (day_t d = first + 1; d < end; d++) {
        lunar_date_t l;
        CHECK_MSG(lunar_from_solar(d, &l) == 0, "no lunar date for %s", fmt(d, buf));
        day_t back = 0;
        CHECK_MSG(lunar_to_solar(l.day, l.month, l.year, l.leap, &back) == 0 && back == d,
                  "%s -> %d/%d%s/%d -> %d", fmt(d, buf), l.day, l.month, l.leap ? "L" : "", l.year,
                  back);
        if (l.day != 1) {
            CHECK_MSG(l.day == prev.day + 1 && l.month == prev.month && l.leap == prev.leap &&
                          l.year == prev.year,
                      "%s: day does not follow", fmt(d, buf));
            prev = l;
            continue;
        }
        /* a new month */
        CHECK_MSG(prev.day == 29 || prev.day == 30, "%s: month of %d days", fmt(d, buf), prev.day);
        CHECK_MSG(lunar_month_days(prev.month, prev.year, prev.leap) == prev.day,
                  "%s: month length", fmt(d, buf));
        if (l.leap) {
            CHECK_MSG(l.month == prev.month && !prev.leap && l.year == prev.year,
                      "%s: leap month out of place", fmt(d, buf));
            CHECK_MSG(lunar_leap_month(l.year) == l.month, "%s: leap month %d of %d",
                      fmt(d, buf), lunar_leap_month(l.year), l.year);
            months_this_year++;
        } else if (l.month == 1) {
            CHECK_MSG(prev.month == 12 && l.year == prev.year + 1, "%s: year", fmt(d, buf));
            int leap = lunar_leap_month(prev.year);
            CHECK_MSG(months_this_year == (leap ? 13 : 12), "%d: %d months, leap %d", prev.year,
                      months_this_year, leap);
            months_this_year = 1;
            /* Tết between 21 January and 20 February */
            int y, m, dd;
            day_to_ymd(d, &y, &m, &dd);
            CHECK_MSG(y == l.year && ((m == 1 && dd >= 21) || (m == 2 && dd <= 20)),
                      "Tết %d on %s", l.year, fmt(d, buf));
            day_t ny = 0;
            CHECK_MSG(lunar_new_year(l.year, &ny) == 0 && ny == d, "lunar_new_year(%d)", l.year);
        } else {
            CHECK_MSG(l.month == prev.month + 1 && l.year == prev.year, "%s: month order",
                      fmt(d, buf));
            months_this_year++;
        }
        prev = l;
    }
}
END_TEST

/* Every lunar date of 1900..2200 that exists maps into its own month: the
 * days 1..length of each month are consecutive solar days, and a day past
 * the month's length is refused. */
START_TEST(test_every_lunar_date)
{
    day_t expect;
    ck_assert_int_eq(lunar_new_year(1900, &expect), 0);
    for (int y = 1900; y <= 2200; y++) {
        int leap = lunar_leap_month(y);
        for (int m = 1; m <= 12; m++) {
            for (int pass = 0; pass < (m == leap ? 2 : 1); pass++) {
                bool is_leap = pass == 1;
                int len = lunar_month_days(m, y, is_leap);
                CHECK_MSG(len == 29 || len == 30, "%d/%d: %d days", m, y, len);
                for (int dd = 1; dd <= 30; dd++) {
                    day_t got = 0;
                    int rc = lunar_to_solar(dd, m, y, is_leap, &got);
                    if (dd > len) {
                        CHECK_MSG(rc == -1, "accepted %d/%d/%d", dd, m, y);
                        continue;
                    }
                    CHECK_MSG(rc == 0 && got == expect, "%d/%d%s/%d: %d, expected %d", dd, m,
                              is_leap ? "L" : "", y, got, expect);
                    expect++;
                }
            }
            day_t unused;
            if (m != leap)
                CHECK_MSG(lunar_to_solar(1, m, y, true, &unused) == -1, "leap %d/%d accepted",
                          m, y);
        }
    }
}
END_TEST

Suite *make_lunar_suite(void)
{
    Suite *s = suite_create("lunar");
    TCase *pub = tcase_create("published");
    tcase_add_test(pub, test_tet_published);
    tcase_add_test(pub, test_hung_kings_published);
    tcase_add_test(pub, test_vietnam_vs_china);
    tcase_add_test(pub, test_leap_months);
    tcase_add_test(pub, test_invalid_dates);
    suite_add_tcase(s, pub);

    TCase *all = tcase_create("all_days");
    tcase_set_timeout(all, 120);
    tcase_add_test(all, test_every_day_round_trip);
    tcase_add_test(all, test_every_lunar_date);
    suite_add_tcase(s, all);
    return s;
}
