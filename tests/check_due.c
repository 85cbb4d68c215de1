/*
 * check_due.c - tests for due.c (the due date computed from the procedure
 * catalog, spec §6).
 *
 * Why: a dossier sent without due_at gets its deadline from here, and that
 * deadline decides early / on time / late for it in every answer. The cases
 * pin the Civil Code counting (the day of reception is not counted, a
 * deadline on a day off rolls forward), office hours with the lunch break,
 * receptions before / inside / after office hours and on days off, N = 0,
 * holidays set with calendar_set_day, and the parsers; randomized cases are
 * compared with a naive day-by-day and minute-by-minute model kept here.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>

#include "calendar.h"
#include "due.h"
#include "ts.h"

#define MIN_US (60LL * TS_US_PER_SEC)

/* Local (Vietnam) wall-clock time -> instant. */
static ts_t lt(int y, int mo, int d, int h, int mi)
{
    return ts_day_start(day_from_ymd(y, mo, d)) + (int64_t)(h * 60 + mi) * MIN_US;
}

static const office_hours OH = OFFICE_HOURS_DEFAULT;

#define EQ_TS(got, want)                                                                        \
    do {                                                                                        \
        ts_t g_ = (got), w_ = (want);                                                           \
        char gb_[TS_FMT_MAX] = "null", wb_[TS_FMT_MAX] = "null";                                \
        if (g_ != TS_NULL)                                                                      \
            ts_format(g_, gb_, sizeof gb_);                                                     \
        if (w_ != TS_NULL)                                                                      \
            ts_format(w_, wb_, sizeof wb_);                                                     \
        ck_assert_msg(g_ == w_, "%s: got %s, want %s", #got, gb_, wb_);                         \
    } while (0)

/* 2026-03-02 is a Monday; March 2026 has no public holiday. */

/* ---- parsers --------------------------------------------------------------------- */

START_TEST(unit_parse)
{
    due_unit u = DUE_NONE;
    ck_assert_int_eq(due_unit_parse("working_days", &u), 0);
    ck_assert_int_eq(u, DUE_WORKING_DAYS);
    ck_assert_int_eq(due_unit_parse("days", &u), 0);
    ck_assert_int_eq(u, DUE_DAYS);
    ck_assert_int_eq(due_unit_parse("hours", &u), 0);
    ck_assert_int_eq(u, DUE_HOURS);
    const char *bad[] = { "", "Days", "weeks", "working days", "hours ", "day", "minutes" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        u = DUE_HOURS;
        ck_assert_msg(due_unit_parse(bad[i], &u) == -1, "'%s' accepted", bad[i]);
        ck_assert_int_eq(u, DUE_HOURS); /* untouched on error */
    }
    ck_assert_int_eq(due_unit_parse(NULL, &u), -1);
    ck_assert_str_eq(due_unit_name(DUE_WORKING_DAYS), "working_days");
    ck_assert_str_eq(due_unit_name(DUE_DAYS), "days");
    ck_assert_str_eq(due_unit_name(DUE_HOURS), "hours");
    ck_assert_ptr_null(due_unit_name(DUE_NONE));
    for (int i = DUE_WORKING_DAYS; i <= DUE_HOURS; i++) {
        ck_assert_int_eq(due_unit_parse(due_unit_name((due_unit)i), &u), 0);
        ck_assert_int_eq(u, i);
    }
}
END_TEST

START_TEST(office_hours_parsing)
{
    office_hours oh;
    ck_assert_int_eq(office_hours_parse("07:30-11:30,13:00-17:00", &oh), 0);
    ck_assert_int_eq(oh.am_start, OH.am_start);
    ck_assert_int_eq(oh.am_end, OH.am_end);
    ck_assert_int_eq(oh.pm_start, OH.pm_start);
    ck_assert_int_eq(oh.pm_end, OH.pm_end);
    ck_assert_int_eq(office_hours_parse("08:00-12:00,12:00-16:30", &oh), 0);
    ck_assert_int_eq(oh.am_end, 720);
    ck_assert_int_eq(oh.pm_start, 720);
    ck_assert_int_eq(oh.pm_end, 990);
    ck_assert_int_eq(office_hours_parse("00:00-12:00,13:00-24:00", &oh), 0);
    ck_assert_int_eq(oh.am_start, 0);
    ck_assert_int_eq(oh.pm_end, 1440);
    /* one period: no lunch break, the second period is empty */
    ck_assert_int_eq(office_hours_parse("08:00-16:00", &oh), 0);
    ck_assert_int_eq(oh.am_start, 480);
    ck_assert_int_eq(oh.am_end, 960);
    ck_assert_int_eq(oh.pm_start, oh.pm_end);

    const char *bad[] = {
        "", "7:30-11:30,13:00-17:00", "07:30-11:30,11:00-17:00", "11:30-07:30,13:00-17:00",
        "07:30-11:30,17:00-13:00", "07:30-07:30", "24:00-24:00", "07:60-11:30,13:00-17:00",
        "25:00-26:00", "07:30-11:30;13:00-17:00", "07:30-11:30,13:00-17:00,", " 07:30-11:30",
        "07:30-11:30,13:00-17:00 ", "07:30 - 11:30", "07:30-24:01", "ab:cd-ef:gh",
        "07:30-11:30,13:00-17:00,18:00-19:00",
    };
    office_hours keep = OH;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        oh = keep;
        ck_assert_msg(office_hours_parse(bad[i], &oh) == -1, "'%s' accepted", bad[i]);
        ck_assert_int_eq(oh.am_start, keep.am_start); /* untouched on error */
    }
    ck_assert_int_eq(office_hours_parse(NULL, &oh), -1);
}
END_TEST

/* ---- nulls -------------------------------------------------------------------------- */

START_TEST(null_cases)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    ts_t r = lt(2026, 3, 2, 9, 0);
    EQ_TS(due_compute(cal, &OH, TS_NULL, 5, DUE_WORKING_DAYS), TS_NULL);
    EQ_TS(due_compute(cal, &OH, r, -1, DUE_WORKING_DAYS), TS_NULL);
    EQ_TS(due_compute(cal, &OH, r, -1, DUE_DAYS), TS_NULL);
    EQ_TS(due_compute(cal, &OH, r, -1, DUE_HOURS), TS_NULL);
    EQ_TS(due_compute(cal, &OH, r, 5, DUE_NONE), TS_NULL);
    calendar_free(cal);
}
END_TEST

/* ---- working days ------------------------------------------------------------------ */

START_TEST(working_days_weekends)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    /* Monday morning: the first day counted is Tuesday */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 1, DUE_WORKING_DAYS), lt(2026, 3, 3, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 4, DUE_WORKING_DAYS), lt(2026, 3, 6, 17, 0));
    /* five working days from a Monday: the next Monday */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 5, DUE_WORKING_DAYS), lt(2026, 3, 9, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 10, DUE_WORKING_DAYS), lt(2026, 3, 16, 17, 0));
    /* received late in the evening or just after midnight: the local date counts */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 23, 59), 1, DUE_WORKING_DAYS), lt(2026, 3, 3, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 3, 0, 0), 1, DUE_WORKING_DAYS), lt(2026, 3, 4, 17, 0));
    /* Friday -> Monday; Saturday and Sunday -> Monday */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 6, 16, 0), 1, DUE_WORKING_DAYS), lt(2026, 3, 9, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 7, 10, 0), 1, DUE_WORKING_DAYS), lt(2026, 3, 9, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 8, 10, 0), 1, DUE_WORKING_DAYS), lt(2026, 3, 9, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 8, 10, 0), 2, DUE_WORKING_DAYS), lt(2026, 3, 10, 17, 0));
    /* N = 0: the day of reception, or the next working day when it is off */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 0, DUE_WORKING_DAYS), lt(2026, 3, 2, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 18, 0), 0, DUE_WORKING_DAYS), lt(2026, 3, 2, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 7, 9, 0), 0, DUE_WORKING_DAYS), lt(2026, 3, 9, 17, 0));
    /* the time of day never matters for day units */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 0, 0) + 1, 3, DUE_WORKING_DAYS),
          lt(2026, 3, 5, 17, 0));
    calendar_free(cal);
}
END_TEST

START_TEST(working_days_holidays)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    /* Tuesday and Wednesday off */
    calendar_set_day(cal, day_from_ymd(2026, 3, 3), false);
    calendar_set_day(cal, day_from_ymd(2026, 3, 4), false);
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 1, DUE_WORKING_DAYS), lt(2026, 3, 5, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 3, DUE_WORKING_DAYS), lt(2026, 3, 9, 17, 0));
    /* received on the holiday: counting starts the day after */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 3, 9, 0), 1, DUE_WORKING_DAYS), lt(2026, 3, 5, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 3, 9, 0), 0, DUE_WORKING_DAYS), lt(2026, 3, 5, 17, 0));
    /* a worked Saturday counts */
    calendar_set_day(cal, day_from_ymd(2026, 3, 7), true);
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 5, 9, 0), 2, DUE_WORKING_DAYS), lt(2026, 3, 7, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 5, 9, 0), 3, DUE_WORKING_DAYS), lt(2026, 3, 9, 17, 0));
    calendar_free(cal);
}
END_TEST

/* ---- calendar days ------------------------------------------------------------------ */

START_TEST(days_roll_forward)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    /* Monday + 3 = Thursday; + 4 = Friday */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 3, DUE_DAYS), lt(2026, 3, 5, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 4, DUE_DAYS), lt(2026, 3, 6, 17, 0));
    /* + 5 = Saturday, + 6 = Sunday: rolled to Monday; + 7 = Monday itself */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 5, DUE_DAYS), lt(2026, 3, 9, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 6, DUE_DAYS), lt(2026, 3, 9, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 7, DUE_DAYS), lt(2026, 3, 9, 17, 0));
    /* days off in the middle do not matter, only the last day */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 15, DUE_DAYS), lt(2026, 3, 17, 17, 0));
    /* N = 0 */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 0, DUE_DAYS), lt(2026, 3, 2, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 8, 9, 0), 0, DUE_DAYS), lt(2026, 3, 9, 17, 0));
    /* a holiday on the last day and the days after it */
    calendar_set_day(cal, day_from_ymd(2026, 3, 5), false);
    calendar_set_day(cal, day_from_ymd(2026, 3, 6), false);
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 3, DUE_DAYS), lt(2026, 3, 9, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 2, DUE_DAYS), lt(2026, 3, 4, 17, 0));
    /* a worked Saturday is a valid last day */
    calendar_set_day(cal, day_from_ymd(2026, 3, 7), true);
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 0), 3, DUE_DAYS), lt(2026, 3, 7, 17, 0));
    /* across a month and a year end */
    EQ_TS(due_compute(cal, &OH, lt(2026, 12, 28, 9, 0), 5, DUE_DAYS), lt(2027, 1, 4, 17, 0));
    calendar_free(cal);
}
END_TEST

/* ---- hours ----------------------------------------------------------------------------- */

START_TEST(hours_inside_office)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 8, 0), 2, DUE_HOURS), lt(2026, 3, 2, 10, 0));
    /* ends exactly at the end of the morning: 11:30, not 13:00 */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 10, 30), 1, DUE_HOURS), lt(2026, 3, 2, 11, 30));
    /* across the lunch break */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 10, 30), 2, DUE_HOURS), lt(2026, 3, 2, 14, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 11, 0), 4, DUE_HOURS), lt(2026, 3, 2, 16, 30));
    /* a whole day is 8 hours: 07:30 + 8 = 17:00 the same day */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 7, 30), 8, DUE_HOURS), lt(2026, 3, 2, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 7, 30), 9, DUE_HOURS), lt(2026, 3, 3, 8, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 7, 30), 16, DUE_HOURS), lt(2026, 3, 3, 17, 0));
    /* into the next day, over the weekend */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 16, 0), 2, DUE_HOURS), lt(2026, 3, 3, 8, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 6, 16, 0), 2, DUE_HOURS), lt(2026, 3, 9, 8, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 6, 16, 0), 5, DUE_HOURS), lt(2026, 3, 9, 11, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 6, 16, 0), 6, DUE_HOURS), lt(2026, 3, 9, 14, 0));
    /* ten working days: from Monday 07:30, the second Friday at 17:00 */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 7, 30), 80, DUE_HOURS), lt(2026, 3, 13, 17, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 7, 30), 81, DUE_HOURS), lt(2026, 3, 16, 8, 30));
    /* the exact instant, microseconds included */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 8, 0) + 123456, 1, DUE_HOURS),
          lt(2026, 3, 2, 9, 0) + 123456);
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 11, 0) + 7, 1, DUE_HOURS),
          lt(2026, 3, 2, 13, 30) + 7);
    /* N = 0 inside office hours: the reception itself */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 9, 15), 0, DUE_HOURS), lt(2026, 3, 2, 9, 15));
    calendar_free(cal);
}
END_TEST

START_TEST(hours_outside_office)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    /* before opening: counting starts at 07:30 */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 6, 0), 1, DUE_HOURS), lt(2026, 3, 2, 8, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 0, 0), 4, DUE_HOURS), lt(2026, 3, 2, 11, 30));
    /* in the lunch break: counting starts at 13:00 */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 12, 0), 1, DUE_HOURS), lt(2026, 3, 2, 14, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 11, 30), 1, DUE_HOURS), lt(2026, 3, 2, 14, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 12, 59), 4, DUE_HOURS), lt(2026, 3, 2, 17, 0));
    /* after closing: the next working day */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 17, 0), 1, DUE_HOURS), lt(2026, 3, 3, 8, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 22, 0), 1, DUE_HOURS), lt(2026, 3, 3, 8, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 6, 18, 0), 1, DUE_HOURS), lt(2026, 3, 9, 8, 30));
    /* on a weekend */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 7, 9, 0), 1, DUE_HOURS), lt(2026, 3, 9, 8, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 8, 9, 0), 8, DUE_HOURS), lt(2026, 3, 9, 17, 0));
    /* N = 0 outside office hours: the start of the next office period */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 6, 0), 0, DUE_HOURS), lt(2026, 3, 2, 7, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 12, 0), 0, DUE_HOURS), lt(2026, 3, 2, 13, 0));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 18, 0), 0, DUE_HOURS), lt(2026, 3, 3, 7, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 7, 9, 0), 0, DUE_HOURS), lt(2026, 3, 9, 7, 30));
    calendar_free(cal);
}
END_TEST

START_TEST(hours_holidays_and_settings)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    calendar_set_day(cal, day_from_ymd(2026, 3, 3), false); /* Tuesday off */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 16, 0), 2, DUE_HOURS), lt(2026, 3, 4, 8, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 3, 9, 0), 1, DUE_HOURS), lt(2026, 3, 4, 8, 30));
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 2, 7, 30), 24, DUE_HOURS), lt(2026, 3, 5, 17, 0));
    calendar_set_day(cal, day_from_ymd(2026, 3, 7), true); /* Saturday worked */
    EQ_TS(due_compute(cal, &OH, lt(2026, 3, 6, 16, 0), 2, DUE_HOURS), lt(2026, 3, 7, 8, 30));

    /* other office hours: one period without a lunch break */
    office_hours one;
    ck_assert_int_eq(office_hours_parse("08:00-16:00", &one), 0);
    EQ_TS(due_compute(cal, &one, lt(2026, 3, 2, 11, 0), 2, DUE_HOURS), lt(2026, 3, 2, 13, 0));
    EQ_TS(due_compute(cal, &one, lt(2026, 3, 2, 15, 0), 2, DUE_HOURS), lt(2026, 3, 4, 9, 0));
    EQ_TS(due_compute(cal, &one, lt(2026, 3, 2, 7, 0), 0, DUE_HOURS), lt(2026, 3, 2, 8, 0));
    /* day units ignore the office hours: the due instant stays 17:00 */
    EQ_TS(due_compute(cal, &one, lt(2026, 3, 2, 9, 0), 1, DUE_WORKING_DAYS), lt(2026, 3, 4, 17, 0));
    calendar_free(cal);
}
END_TEST

START_TEST(huge_durations_saturate)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    ts_t r = lt(2026, 3, 2, 9, 0);
    ck_assert(due_compute(cal, &OH, r, INT32_MAX, DUE_HOURS) > r);
    ck_assert(due_compute(cal, &OH, r, INT32_MAX, DUE_DAYS) > r);
    ck_assert(due_compute(cal, &OH, r, INT32_MAX, DUE_WORKING_DAYS) > r);
    /* long durations stay exact: from Monday 07:30, 8 h fill Monday, then
     * 100000 more working days of 8 h end at 17:00 of the 100000-th one */
    ts_t a = due_compute(cal, &OH, lt(2026, 3, 2, 7, 30), 800008, DUE_HOURS);
    EQ_TS(a, due_compute(cal, &OH, r, 100000, DUE_WORKING_DAYS));
    calendar_free(cal);
}
END_TEST

/* ---- against a naive model ---------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int64_t rng_range(uint64_t *s, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

static ts_t naive_days(const calendar_t *cal, ts_t received, int n, due_unit u)
{
    day_t d = ts_day(received);
    if (u == DUE_DAYS) {
        d += n;
    } else {
        for (int k = 0; k < n;)
            if (cal_is_working(cal, ++d))
                k++;
    }
    while (!cal_is_working(cal, d))
        d++;
    return ts_day_start(d) + 17LL * 60 * MIN_US;
}

static int in_office(const calendar_t *cal, const office_hours *oh, ts_t t)
{
    day_t d = ts_day(t);
    int64_t m = (t - ts_day_start(d)) / MIN_US;
    return cal_is_working(cal, d) &&
           ((m >= oh->am_start && m < oh->am_end) || (m >= oh->pm_start && m < oh->pm_end));
}

/* Minute by minute (received on a whole minute). */
static ts_t naive_hours(const calendar_t *cal, const office_hours *oh, ts_t received, int n)
{
    ts_t t = received;
    if (n == 0) {
        while (!in_office(cal, oh, t))
            t += MIN_US;
        return t;
    }
    for (int64_t minutes = 0;; t += MIN_US)
        if (in_office(cal, oh, t) && ++minutes == (int64_t)n * 60)
            return t + MIN_US;
}

START_TEST(random_against_model)
{
    uint64_t seed = 20260302;
    office_hours alt;
    ck_assert_int_eq(office_hours_parse("08:00-12:00,13:30-17:30", &alt), 0);
    for (int round = 0; round < 40; round++) {
        calendar_t *cal = calendar_new_default();
        ck_assert_ptr_nonnull(cal);
        day_t base = day_from_ymd(2026, 1, 1);
        for (int i = 0; i < 30; i++) /* random days off and worked weekend days */
            calendar_set_day(cal, base + (day_t)rng_range(&seed, 0, 120), rng_next(&seed) & 1);
        for (int i = 0; i < 50; i++) {
            ts_t r = ts_day_start(base + (day_t)rng_range(&seed, 0, 60)) +
                     rng_range(&seed, 0, 1439) * MIN_US;
            int n = (int)rng_range(&seed, 0, 25);
            const office_hours *oh = (i & 1) ? &alt : &OH;
            EQ_TS(due_compute(cal, oh, r, n, DUE_WORKING_DAYS), naive_days(cal, r, n, DUE_WORKING_DAYS));
            EQ_TS(due_compute(cal, oh, r, n, DUE_DAYS), naive_days(cal, r, n, DUE_DAYS));
            EQ_TS(due_compute(cal, oh, r, n, DUE_HOURS), naive_hours(cal, oh, r, n));
        }
        calendar_free(cal);
    }
}
END_TEST

Suite *make_due_suite(void)
{
    Suite *s = suite_create("due");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, unit_parse);
    tcase_add_test(tc, office_hours_parsing);
    tcase_add_test(tc, null_cases);
    tcase_add_test(tc, working_days_weekends);
    tcase_add_test(tc, working_days_holidays);
    tcase_add_test(tc, days_roll_forward);
    tcase_add_test(tc, hours_inside_office);
    tcase_add_test(tc, hours_outside_office);
    tcase_add_test(tc, hours_holidays_and_settings);
    tcase_add_test(tc, huge_durations_saturate);
    tcase_add_test(tc, random_against_model);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}
