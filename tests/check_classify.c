/*
 * check_classify.c - tests of the deadline classification (spec §4).
 *
 * Why: every count motcua serves comes from classify(), so each rule and each
 * edge of §4 has a case here: local-date edges (17:00Z is midnight in
 * Vietnam), weekends in working-day counts, the three sources of a wait's
 * start, and the as_of cut (received / finished / waiting after it). Instants
 * are built with the test's own civil-date arithmetic, independent of ts.c.
 * The dates used (March 2024) hold no public holiday, so only weekends are off.
 *
 * Week used throughout: Mon 11 .. Fri 15, Sat 16, Sun 17, Mon 18 .. Fri 22 March 2024.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "calendar.h"
#include "classify.h"
#include "ts.h"

#define US_H (3600LL * 1000000LL)
#define US_M (60LL * 1000000LL)

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * algorithm), written out here so the tests do not trust ts.c. */
static int64_t civil_days(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* An instant given in UTC. */
static ts_t utc(int y, int mo, int d, int h, int mi)
{
    return civil_days(y, mo, d) * 86400LL * 1000000LL + h * US_H + mi * US_M;
}

/* An instant given in Vietnam local time (UTC+07:00). */
static ts_t vn(int y, int mo, int d, int h, int mi)
{
    return utc(y, mo, d, h, mi) - 7 * US_H;
}

/* A March 2024 local instant, the common case. */
static ts_t mar(int d, int h, int mi)
{
    return vn(2024, 3, d, h, mi);
}

/* A dossier with the given status, received Mon 11 March 08:00 local, due
 * at `due` (TS_NULL: none), everything else null. */
static cls_input_t dossier(int status, ts_t due)
{
    cls_input_t in;
    memset(&in, 0, sizeof in);
    in.status = status;
    in.received_at = mar(11, 8, 0);
    in.due_at = due;
    in.finished_at = TS_NULL;
    in.supplement_requested_at = TS_NULL;
    in.updated_at = TS_NULL;
    in.supplement_count = 0;
    return in;
}

static cls_input_t finished(int status, ts_t due, ts_t fin)
{
    cls_input_t in = dossier(status, due);
    in.finished_at = fin;
    return in;
}

/* Runs classify with the default calendar, on an output pre-filled with
 * garbage so that a field left unset shows. */
static cls_result_t run_cal(const cls_input_t *in, ts_t as_of, int within, const calendar_t *cal)
{
    cls_result_t r;
    memset(&r, 0x5a, sizeof r);
    classify(in, as_of, within, cal, &r);
    return r;
}

static cls_result_t run(const cls_input_t *in, ts_t as_of, int within)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    cls_result_t r = run_cal(in, as_of, within, cal);
    calendar_free(cal);
    return r;
}

/* Asserts every field of a result. */
#define EXPECT(r, c, fin, wait, soon, over, left) do {                        \
        ck_assert_msg((r).cls == (c), "cls %d, expected %d", (int)(r).cls, (int)(c)); \
        ck_assert_int_eq((r).finished, (fin));                              \
        ck_assert_int_eq((r).waiting, (wait));                              \
        ck_assert_int_eq((r).due_soon, (soon));                             \
        ck_assert_int_eq((r).wd_overdue, (over));                           \
        ck_assert_int_eq((r).wd_left, (left));                              \
    } while (0)

#define EXPECT_NONE(r) EXPECT(r, CLS_NONE, false, false, false, -1, -1)

/* Far enough after everything that only finished/waiting state matters. */
#define LATER mar(29, 12, 0)

START_TEST(test_helpers_agree_with_ts)
{
    /* The fixture's week: 14 March 2024 is a Thursday. */
    day_t d = ts_day(mar(14, 12, 0));
    ck_assert_int_eq(d, civil_days(2024, 3, 14));
    ck_assert_int_eq(day_iso_weekday(d), 4);
    ck_assert_int_eq(ts_day(utc(2024, 3, 14, 16, 59)), civil_days(2024, 3, 14));
    ck_assert_int_eq(ts_day(utc(2024, 3, 14, 17, 0)), civil_days(2024, 3, 15));
}
END_TEST

START_TEST(test_cls_name)
{
    ck_assert_str_eq(cls_name(CLS_EARLY), "early");
    ck_assert_str_eq(cls_name(CLS_ON_TIME), "on_time");
    ck_assert_str_eq(cls_name(CLS_LATE), "late");
    ck_assert_str_eq(cls_name(CLS_IN_TIME), "in_time");
    ck_assert_str_eq(cls_name(CLS_OVERDUE), "overdue");
    ck_assert_ptr_null(cls_name(CLS_NONE));
    ck_assert_ptr_null(cls_name((cls_t)42));
}
END_TEST

START_TEST(test_not_counted_statuses)
{
    static const int statuses[] = { 0, 1, 3, 11, -1 };
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        cls_input_t in = dossier(statuses[i], mar(14, 17, 0));
        cls_result_t r = run(&in, mar(20, 12, 0), 1);
        EXPECT_NONE(r);
        in.received_at = TS_NULL; /* allowed for 1 and 3 */
        r = run(&in, mar(20, 12, 0), 1);
        EXPECT_NONE(r);
    }
}
END_TEST

START_TEST(test_counted_statuses)
{
    static const int open_st[] = { 2, 4, 5, 6 };
    for (size_t i = 0; i < 4; i++) {
        cls_input_t in = dossier(open_st[i], TS_NULL);
        cls_result_t r = run(&in, mar(12, 9, 0), 1);
        ck_assert_int_eq(r.cls, CLS_IN_TIME);
        ck_assert(!r.finished);
    }
    for (int st = 7; st <= 10; st++) {
        cls_input_t in = finished(st, mar(14, 17, 0), mar(13, 10, 0));
        cls_result_t r = run(&in, mar(20, 12, 0), 1);
        EXPECT(r, CLS_EARLY, true, false, false, -1, -1);
    }
}
END_TEST

START_TEST(test_received_after_as_of)
{
    cls_input_t in = dossier(2, mar(14, 17, 0));
    cls_result_t r = run(&in, mar(11, 7, 59), 1);
    EXPECT_NONE(r);
    /* one microsecond before receipt */
    r = run(&in, in.received_at - 1, 1);
    EXPECT_NONE(r);
    /* exactly at receipt: classified (Mon, due Thu: 3 working days left) */
    r = run(&in, in.received_at, 1);
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 3);
    /* a finished one received later is absent too */
    in = finished(9, mar(14, 17, 0), mar(12, 9, 0));
    r = run(&in, mar(10, 12, 0), 1);
    EXPECT_NONE(r);
}
END_TEST

START_TEST(test_received_null_is_not_classified)
{
    /* Invalid for a counted status; never guessed as "received long ago". */
    cls_input_t in = dossier(4, mar(14, 17, 0));
    in.received_at = TS_NULL;
    cls_result_t r = run(&in, mar(20, 12, 0), 1);
    EXPECT_NONE(r);
}
END_TEST

START_TEST(test_finished_early_on_time_late)
{
    ts_t due = mar(14, 17, 0);
    cls_input_t in = finished(9, due, mar(13, 16, 0));
    cls_result_t r = run(&in, LATER, 1);
    EXPECT(r, CLS_EARLY, true, false, false, -1, -1);

    in.finished_at = mar(14, 17, 0); /* exactly due */
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_ON_TIME, true, false, false, -1, -1);

    in.finished_at = mar(15, 8, 0);
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_LATE, true, false, false, -1, -1);

    in.finished_at = mar(22, 8, 0); /* a week late: still just late, no counts */
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_LATE, true, false, false, -1, -1);
}
END_TEST

START_TEST(test_finished_same_local_date_any_time)
{
    /* Due 17:00; finished 08:00 or 23:30 the same local day: on time either way. */
    cls_input_t in = finished(10, mar(14, 17, 0), mar(14, 8, 0));
    cls_result_t r = run(&in, LATER, 1);
    ck_assert_int_eq(r.cls, CLS_ON_TIME);
    in.finished_at = mar(14, 23, 30);
    r = run(&in, LATER, 1);
    ck_assert_int_eq(r.cls, CLS_ON_TIME);
    /* due at 00:00 (bare date elsewhere), finished 23:59 that day */
    in.due_at = mar(14, 0, 0);
    in.finished_at = mar(14, 23, 59);
    r = run(&in, LATER, 1);
    ck_assert_int_eq(r.cls, CLS_ON_TIME);
}
END_TEST

START_TEST(test_finished_local_date_edge)
{
    /* Due 14 March 17:00 local = 10:00Z. 17:00Z is midnight in Vietnam. */
    cls_input_t in = finished(9, utc(2024, 3, 14, 10, 0), utc(2024, 3, 14, 16, 59));
    cls_result_t r = run(&in, LATER, 1);
    ck_assert_int_eq(r.cls, CLS_ON_TIME); /* 23:59 local on the 14th */
    in.finished_at = utc(2024, 3, 14, 17, 0) - 1;
    r = run(&in, LATER, 1);
    ck_assert_int_eq(r.cls, CLS_ON_TIME); /* 23:59:59.999999 local */
    in.finished_at = utc(2024, 3, 14, 17, 0);
    r = run(&in, LATER, 1);
    ck_assert_int_eq(r.cls, CLS_LATE); /* 00:00 local on the 15th */
    in.finished_at = utc(2024, 3, 13, 17, 0) - 1;
    r = run(&in, LATER, 1);
    ck_assert_int_eq(r.cls, CLS_EARLY); /* last instant of the 13th, local */
    in.finished_at = utc(2024, 3, 13, 17, 0);
    r = run(&in, LATER, 1);
    ck_assert_int_eq(r.cls, CLS_ON_TIME); /* first instant of the 14th, local */
    /* Due given as 14 March 00:30 local = 13 March 17:30Z: its date is the 14th. */
    in.due_at = utc(2024, 3, 13, 17, 30);
    in.finished_at = utc(2024, 3, 13, 18, 0);
    r = run(&in, LATER, 1);
    ck_assert_int_eq(r.cls, CLS_ON_TIME);
}
END_TEST

START_TEST(test_finished_no_deadline)
{
    cls_input_t in = finished(9, TS_NULL, mar(28, 16, 0));
    cls_result_t r = run(&in, LATER, 1);
    EXPECT(r, CLS_ON_TIME, true, false, false, -1, -1);
}
END_TEST

START_TEST(test_finished_supplement_count)
{
    cls_input_t in = finished(9, mar(14, 17, 0), mar(12, 10, 0));
    for (int n = 0; n <= 1; n++) {
        in.supplement_count = n;
        cls_result_t r = run(&in, LATER, 1);
        ck_assert_int_eq(r.cls, CLS_EARLY);
    }
    in.supplement_count = 2;
    cls_result_t r = run(&in, LATER, 1);
    EXPECT(r, CLS_LATE, true, false, false, -1, -1);
    in.supplement_count = 7;
    in.due_at = TS_NULL; /* no deadline: still late */
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_LATE, true, false, false, -1, -1);
    in.supplement_count = 1;
    r = run(&in, LATER, 1);
    ck_assert_int_eq(r.cls, CLS_ON_TIME);
}
END_TEST

START_TEST(test_finished_at_as_of_boundary)
{
    ts_t fin = mar(15, 10, 0);
    cls_input_t in = finished(9, mar(14, 17, 0), fin);
    cls_result_t r = run(&in, fin, 1);
    EXPECT(r, CLS_LATE, true, false, false, -1, -1);
    /* one microsecond earlier it is still open, and overdue since the 15th */
    r = run(&in, fin - 1, 1);
    EXPECT(r, CLS_OVERDUE, false, false, false, 1, -1);
}
END_TEST

START_TEST(test_finished_after_as_of_is_open)
{
    /* Finished Fri 22; at Wed 13 noon it was open, in time, due Thu 14. */
    cls_input_t in = finished(9, mar(14, 17, 0), mar(22, 9, 0));
    cls_result_t r = run(&in, mar(13, 12, 0), 1);
    EXPECT(r, CLS_IN_TIME, false, false, true, -1, 1);
    /* at Mon 18: overdue by Fri 15 and Mon 18 */
    r = run(&in, mar(18, 12, 0), 1);
    EXPECT(r, CLS_OVERDUE, false, false, false, 2, -1);
    /* statuses 7/8 too; and a finished dossier with a supplement stamp after
     * as_of is processing, not waiting */
    in.status = 7;
    in.supplement_requested_at = mar(12, 9, 0);
    r = run(&in, mar(13, 12, 0), 1);
    EXPECT(r, CLS_IN_TIME, false, false, true, -1, 1);
    in.status = 8;
    r = run(&in, mar(18, 12, 0), 1);
    EXPECT(r, CLS_OVERDUE, false, false, false, 2, -1);
}
END_TEST

START_TEST(test_finished_status_without_finished_at)
{
    /* Invalid data must not count as finished at every as_of. */
    cls_input_t in = dossier(9, mar(14, 17, 0));
    cls_result_t r = run(&in, mar(13, 12, 0), 0);
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 1);
}
END_TEST

START_TEST(test_open_processing)
{
    cls_input_t in = dossier(4, mar(14, 17, 0)); /* due Thu 14 */
    /* Tue 12: 2 working days left */
    cls_result_t r = run(&in, mar(12, 10, 0), 1);
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 2);
    /* Thu 14 at 23:00, after the due hour: same date, still in time, 0 left */
    r = run(&in, mar(14, 23, 0), 1);
    EXPECT(r, CLS_IN_TIME, false, false, true, -1, 0);
    /* Fri 15 00:00 local: overdue by 1 */
    r = run(&in, utc(2024, 3, 14, 17, 0), 1);
    EXPECT(r, CLS_OVERDUE, false, false, false, 1, -1);
    /* 16:59:59Z on the 14th is still the 14th locally */
    r = run(&in, utc(2024, 3, 14, 17, 0) - 1, 1);
    EXPECT(r, CLS_IN_TIME, false, false, true, -1, 0);
    in.status = 2;
    r = run(&in, mar(15, 9, 0), 1);
    EXPECT(r, CLS_OVERDUE, false, false, false, 1, -1);
}
END_TEST

START_TEST(test_open_overdue_across_weekend)
{
    cls_input_t in = dossier(4, mar(15, 17, 0)); /* due Fri 15 */
    cls_result_t r = run(&in, mar(16, 10, 0), 1); /* Sat: overdue, 0 working days */
    EXPECT(r, CLS_OVERDUE, false, false, false, 0, -1);
    r = run(&in, mar(17, 10, 0), 1); /* Sun */
    EXPECT(r, CLS_OVERDUE, false, false, false, 0, -1);
    r = run(&in, mar(18, 10, 0), 1); /* Mon */
    EXPECT(r, CLS_OVERDUE, false, false, false, 1, -1);
    r = run(&in, mar(19, 10, 0), 1); /* Tue */
    EXPECT(r, CLS_OVERDUE, false, false, false, 2, -1);
    r = run(&in, mar(29, 10, 0), 1); /* Fri a fortnight on: 10 */
    EXPECT(r, CLS_OVERDUE, false, false, false, 10, -1);
    /* due on a Saturday, as_of Monday: 1 */
    in.due_at = mar(16, 17, 0);
    r = run(&in, mar(18, 10, 0), 1);
    EXPECT(r, CLS_OVERDUE, false, false, false, 1, -1);
}
END_TEST

START_TEST(test_open_no_deadline)
{
    for (int st = 2; st <= 4; st += 2) {
        cls_input_t in = dossier(st, TS_NULL);
        cls_result_t r = run(&in, LATER, 5);
        EXPECT(r, CLS_IN_TIME, false, false, false, -1, -1);
    }
}
END_TEST

START_TEST(test_open_supplement_count)
{
    cls_input_t in = dossier(4, mar(20, 17, 0)); /* due Wed 20, far ahead */
    in.supplement_count = 1;
    cls_result_t r = run(&in, mar(14, 10, 0), 1);
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 4);
    in.supplement_count = 2; /* overdue at once, 0 working days overdue */
    r = run(&in, mar(14, 10, 0), 1);
    EXPECT(r, CLS_OVERDUE, false, false, false, 0, -1);
    r = run(&in, mar(22, 10, 0), 1); /* past due: Thu 21, Fri 22 */
    EXPECT(r, CLS_OVERDUE, false, false, false, 2, -1);
    in.due_at = TS_NULL; /* no deadline: overdue, 0 */
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_OVERDUE, false, false, false, 0, -1);
    in.supplement_count = 0;
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, -1);
}
END_TEST

START_TEST(test_open_supplement_count_waiting)
{
    /* Waiting with 2 requests: overdue, counted to the wait's start; still waiting. */
    cls_input_t in = dossier(5, mar(14, 17, 0));
    in.supplement_count = 2;
    in.supplement_requested_at = mar(19, 9, 0); /* Tue 19: Fri 15, Mon 18, Tue 19 */
    cls_result_t r = run(&in, LATER, 1);
    EXPECT(r, CLS_OVERDUE, false, true, false, 3, -1);
    in.supplement_requested_at = mar(12, 9, 0); /* before due */
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_OVERDUE, false, true, false, 0, -1);
    in.due_at = TS_NULL;
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_OVERDUE, false, true, false, 0, -1);
}
END_TEST

START_TEST(test_waiting_start_from_supplement_requested_at)
{
    /* supplement_requested_at wins over updated_at and received_at. */
    cls_input_t in = dossier(5, mar(14, 17, 0));
    in.supplement_requested_at = mar(13, 9, 0); /* before due */
    in.updated_at = mar(19, 9, 0);              /* after due */
    cls_result_t r = run(&in, LATER, 1);
    EXPECT(r, CLS_IN_TIME, false, true, false, -1, -1);
    /* swapped: the wait began after the due date: overdue by Fri 15, Mon 18, Tue 19 */
    in.supplement_requested_at = mar(19, 9, 0);
    in.updated_at = mar(13, 9, 0);
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_OVERDUE, false, true, false, 3, -1);
}
END_TEST

START_TEST(test_waiting_start_from_updated_at)
{
    cls_input_t in = dossier(6, mar(14, 17, 0));
    in.updated_at = mar(18, 9, 0); /* Mon 18: Fri 15, Mon 18 */
    cls_result_t r = run(&in, LATER, 1);
    EXPECT(r, CLS_OVERDUE, false, true, false, 2, -1);
    in.updated_at = mar(14, 22, 0); /* on the due date, after the hour */
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_IN_TIME, false, true, false, -1, -1);
}
END_TEST

START_TEST(test_waiting_start_from_received_at)
{
    cls_input_t in = dossier(5, mar(14, 17, 0));
    cls_result_t r = run(&in, LATER, 1); /* waiting since receipt, Mon 11 */
    EXPECT(r, CLS_IN_TIME, false, true, false, -1, -1);
    /* received (and so waiting) after the due date: due Mon 11 17:00, received Tue 12 */
    in.due_at = mar(11, 17, 0);
    in.received_at = mar(12, 9, 0);
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_OVERDUE, false, true, false, 1, -1);
}
END_TEST

START_TEST(test_waiting_clock_stopped)
{
    /* Waiting since Wed 13, due Thu 14: in time forever, no counts, not due soon. */
    cls_input_t in = dossier(5, mar(14, 17, 0));
    in.supplement_requested_at = mar(13, 9, 0);
    cls_result_t r = run(&in, mar(14, 9, 0), 3);
    EXPECT(r, CLS_IN_TIME, false, true, false, -1, -1);
    r = run(&in, vn(2024, 7, 1, 9, 0), 3);
    EXPECT(r, CLS_IN_TIME, false, true, false, -1, -1);
    /* waiting since Tue 19 (after due): 3 working days overdue, at any later as_of */
    in.supplement_requested_at = mar(19, 9, 0);
    r = run(&in, mar(19, 9, 0), 1);
    EXPECT(r, CLS_OVERDUE, false, true, false, 3, -1);
    r = run(&in, vn(2024, 3, 29, 9, 0), 1);
    EXPECT(r, CLS_OVERDUE, false, true, false, 3, -1);
    /* waiting with no deadline */
    in.due_at = TS_NULL;
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_IN_TIME, false, true, false, -1, -1);
}
END_TEST

START_TEST(test_waiting_start_local_date_edge)
{
    /* Due 14th 17:00 local; wait began 16:59:59Z (23:59:59 local, 14th): in time. */
    cls_input_t in = dossier(6, mar(14, 17, 0));
    in.supplement_requested_at = utc(2024, 3, 14, 17, 0) - 1;
    cls_result_t r = run(&in, LATER, 1);
    ck_assert_int_eq(r.cls, CLS_IN_TIME);
    in.supplement_requested_at = utc(2024, 3, 14, 17, 0); /* 00:00 local, 15th */
    r = run(&in, LATER, 1);
    EXPECT(r, CLS_OVERDUE, false, true, false, 1, -1);
}
END_TEST

START_TEST(test_wait_after_as_of_is_processing)
{
    cls_input_t in = dossier(5, mar(14, 17, 0));
    in.supplement_requested_at = mar(20, 9, 0);
    /* at Tue 12 it was processing: in time, 2 left, due soon within 2 */
    cls_result_t r = run(&in, mar(12, 10, 0), 2);
    EXPECT(r, CLS_IN_TIME, false, false, true, -1, 2);
    /* at Mon 18 it was processing and overdue, counted to as_of: Fri 15, Mon 18 */
    r = run(&in, mar(18, 10, 0), 1);
    EXPECT(r, CLS_OVERDUE, false, false, false, 2, -1);
    /* from the wait's start on, waiting: Fri 15, Mon 18, Tue 19, Wed 20 */
    r = run(&in, mar(20, 9, 0), 1);
    EXPECT(r, CLS_OVERDUE, false, true, false, 4, -1);
    r = run(&in, mar(20, 9, 0) - 1, 1);
    EXPECT(r, CLS_OVERDUE, false, false, false, 4, -1);
    /* supplement_requested_at after as_of wins even when updated_at is before */
    in.updated_at = mar(12, 9, 0);
    r = run(&in, mar(18, 10, 0), 1);
    EXPECT(r, CLS_OVERDUE, false, false, false, 2, -1);
    /* updated_at after as_of (no supplement stamp) */
    in.supplement_requested_at = TS_NULL;
    in.updated_at = mar(21, 9, 0);
    in.status = 6;
    r = run(&in, mar(13, 10, 0), 1);
    EXPECT(r, CLS_IN_TIME, false, false, true, -1, 1);
}
END_TEST

START_TEST(test_waiting_only_for_status_5_6)
{
    for (int st = 2; st <= 4; st += 2) {
        cls_input_t in = dossier(st, mar(14, 17, 0));
        in.supplement_requested_at = mar(12, 9, 0);
        cls_result_t r = run(&in, mar(18, 10, 0), 1);
        EXPECT(r, CLS_OVERDUE, false, false, false, 2, -1);
    }
}
END_TEST

START_TEST(test_due_soon_within)
{
    cls_input_t in = dossier(4, TS_NULL);
    ts_t thu = mar(14, 10, 0), fri = mar(15, 10, 0), sat = mar(16, 10, 0);
    struct { ts_t as_of; int due_day; int within; bool soon; int64_t left; } cases[] = {
        { thu, 14, 0, true, 0 },  { thu, 15, 0, false, 1 },
        { thu, 15, 1, true, 1 },  { thu, 18, 1, false, 2 },
        /* due on the weekend after the 1st working day: 1 left, yet not within 1 */
        { thu, 16, 1, false, 1 }, { thu, 17, 1, false, 1 },
        { thu, 18, 2, true, 2 },  { thu, 19, 2, false, 3 },
        { fri, 15, 0, true, 0 },  { fri, 16, 0, false, 0 }, /* Sat after Fri: not within 0 */
        { fri, 18, 1, true, 1 },  { fri, 19, 1, false, 2 },
        { fri, 16, 1, true, 0 },  { fri, 17, 1, true, 0 },
        { fri, 20, 3, true, 3 },  { fri, 21, 3, false, 4 },
        { fri, 19, 3, true, 2 },
        { sat, 16, 0, true, 0 },  { sat, 17, 0, false, 0 },
        { sat, 18, 0, false, 1 }, { sat, 18, 1, true, 1 },
        { sat, 19, 1, false, 2 }, { sat, 20, 3, true, 3 },
        { sat, 21, 3, false, 4 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        in.due_at = mar(cases[i].due_day, 17, 0);
        cls_result_t r = run(&in, cases[i].as_of, cases[i].within);
        ck_assert_msg(r.cls == CLS_IN_TIME && r.due_soon == cases[i].soon &&
                          r.wd_left == cases[i].left && r.wd_overdue == -1,
                      "case %zu: cls %d soon %d left %lld", i, (int)r.cls, (int)r.due_soon,
                      (long long)r.wd_left);
    }
}
END_TEST

START_TEST(test_due_soon_negative_within_is_zero)
{
    cls_input_t in = dossier(4, mar(14, 17, 0));
    cls_result_t r = run(&in, mar(14, 9, 0), -5);
    EXPECT(r, CLS_IN_TIME, false, false, true, -1, 0);
    r = run(&in, mar(13, 9, 0), -5);
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 1);
}
END_TEST

START_TEST(test_wd_left_values)
{
    cls_input_t in = dossier(2, mar(22, 17, 0)); /* due Fri 22 */
    cls_result_t r = run(&in, mar(11, 9, 0), 0);
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 9);
    r = run(&in, mar(15, 9, 0), 0);
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 5);
    r = run(&in, mar(17, 23, 59), 0); /* Sunday night */
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 5);
    r = run(&in, mar(18, 0, 0), 0); /* Monday 00:00 */
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 4);
    r = run(&in, mar(22, 16, 0), 0);
    EXPECT(r, CLS_IN_TIME, false, false, true, -1, 0);
    /* due across a month boundary: Fri 29 Mar to Tue 2 Apr = Mon 1, Tue 2 */
    in.due_at = vn(2024, 4, 2, 17, 0);
    r = run(&in, mar(29, 9, 0), 0);
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 2);
}
END_TEST

START_TEST(test_uses_the_calendar)
{
    /* An override (Mon 18 off, Sat 16 worked) changes every working-day figure. */
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    calendar_set_day(cal, (day_t)civil_days(2024, 3, 18), false);
    calendar_set_day(cal, (day_t)civil_days(2024, 3, 16), true);
    cls_input_t in = dossier(4, mar(15, 17, 0)); /* due Fri 15 */
    cls_result_t r = run_cal(&in, mar(19, 10, 0), 1, cal); /* Sat 16, Tue 19 */
    EXPECT(r, CLS_OVERDUE, false, false, false, 2, -1);
    r = run_cal(&in, mar(16, 10, 0), 1, cal); /* Sat 16 worked */
    EXPECT(r, CLS_OVERDUE, false, false, false, 1, -1);
    in.due_at = mar(19, 17, 0); /* due Tue 19, as_of Fri 15: Sat 16, Tue 19 */
    r = run_cal(&in, mar(15, 10, 0), 1, cal);
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 2);
    r = run_cal(&in, mar(15, 10, 0), 2, cal);
    EXPECT(r, CLS_IN_TIME, false, false, true, -1, 2);
    in.due_at = mar(18, 17, 0); /* due on the day off: Sat 16 is the 1st working day */
    r = run_cal(&in, mar(15, 10, 0), 1, cal);
    EXPECT(r, CLS_IN_TIME, false, false, false, -1, 1);
    calendar_free(cal);
}
END_TEST

/* A small deterministic generator (xorshift64*), state owned by the caller. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

/* A random local instant within a few weeks of March 2024, or TS_NULL. */
static ts_t rnd_ts(uint64_t *s, bool nullable)
{
    if (nullable && rnd(s) % 4 == 0)
        return TS_NULL;
    return mar(4, 0, 0) + (ts_t)(rnd(s) % (28ULL * 24 * 60)) * US_M;
}

/* Checks the relations between fields that must hold for any input. */
static void check_invariants(const cls_input_t *in, ts_t as_of, int within, const cls_result_t *r,
                             const calendar_t *cal)
{
    bool counted = in->status == 2 || (in->status >= 4 && in->status <= 10);
    bool seen = counted && in->received_at != TS_NULL && in->received_at <= as_of;
    ck_assert_int_eq(r->cls != CLS_NONE, seen);
    if (!seen) {
        ck_assert(!r->finished && !r->waiting && !r->due_soon);
        ck_assert(r->wd_overdue == -1 && r->wd_left == -1);
        return;
    }
    bool fin = in->status >= 7 && in->finished_at != TS_NULL && in->finished_at <= as_of;
    ck_assert_int_eq(r->finished, fin);
    ck_assert_int_eq(fin, r->cls == CLS_EARLY || r->cls == CLS_ON_TIME || r->cls == CLS_LATE);
    ck_assert(!(r->waiting && (fin || (in->status != 5 && in->status != 6))));
    ck_assert_int_eq(r->wd_overdue >= 0, r->cls == CLS_OVERDUE);
    ck_assert_int_eq(r->wd_left >= 0,
                     r->cls == CLS_IN_TIME && !r->waiting && in->due_at != TS_NULL);
    ck_assert(!r->due_soon || r->wd_left >= 0);
    if (r->wd_left >= 0) {
        day_t today = ts_day(as_of), due = ts_day(in->due_at);
        ck_assert_int_eq(r->wd_left, cal_working_between(cal, today, due));
        ck_assert(today <= due);
        if (r->due_soon)
            ck_assert(r->wd_left <= within);
        if (r->wd_left < within)
            ck_assert(r->due_soon);
    }
    if (in->supplement_count > 1)
        ck_assert(r->cls == CLS_LATE || r->cls == CLS_OVERDUE);
}

START_TEST(test_random_invariants)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 20000; i++) {
        cls_input_t in;
        in.status = (int)(rnd(&s) % 12);
        in.received_at = rnd_ts(&s, in.status == 1 || in.status == 3);
        in.due_at = rnd_ts(&s, true);
        in.finished_at = in.status >= 7 ? rnd_ts(&s, false) : TS_NULL;
        in.supplement_requested_at = rnd_ts(&s, true);
        in.updated_at = rnd_ts(&s, true);
        in.supplement_count = (int)(rnd(&s) % 4);
        ts_t as_of = rnd_ts(&s, false);
        int within = (int)(rnd(&s) % 5);
        cls_result_t r = run_cal(&in, as_of, within, cal);
        check_invariants(&in, as_of, within, &r, cal);
    }
    calendar_free(cal);
}
END_TEST

Suite *make_classify_suite(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_helpers_agree_with_ts);
    tcase_add_test(tc, test_cls_name);
    tcase_add_test(tc, test_not_counted_statuses);
    tcase_add_test(tc, test_counted_statuses);
    tcase_add_test(tc, test_received_after_as_of);
    tcase_add_test(tc, test_received_null_is_not_classified);
    tcase_add_test(tc, test_finished_early_on_time_late);
    tcase_add_test(tc, test_finished_same_local_date_any_time);
    tcase_add_test(tc, test_finished_local_date_edge);
    tcase_add_test(tc, test_finished_no_deadline);
    tcase_add_test(tc, test_finished_supplement_count);
    tcase_add_test(tc, test_finished_at_as_of_boundary);
    tcase_add_test(tc, test_finished_after_as_of_is_open);
    tcase_add_test(tc, test_finished_status_without_finished_at);
    tcase_add_test(tc, test_open_processing);
    tcase_add_test(tc, test_open_overdue_across_weekend);
    tcase_add_test(tc, test_open_no_deadline);
    tcase_add_test(tc, test_open_supplement_count);
    tcase_add_test(tc, test_open_supplement_count_waiting);
    tcase_add_test(tc, test_waiting_start_from_supplement_requested_at);
    tcase_add_test(tc, test_waiting_start_from_updated_at);
    tcase_add_test(tc, test_waiting_start_from_received_at);
    tcase_add_test(tc, test_waiting_clock_stopped);
    tcase_add_test(tc, test_waiting_start_local_date_edge);
    tcase_add_test(tc, test_wait_after_as_of_is_processing);
    tcase_add_test(tc, test_waiting_only_for_status_5_6);
    tcase_add_test(tc, test_due_soon_within);
    tcase_add_test(tc, test_due_soon_negative_within_is_zero);
    tcase_add_test(tc, test_wd_left_values);
    tcase_add_test(tc, test_uses_the_calendar);
    tcase_add_test(tc, test_random_invariants);
    suite_add_tcase(s, tc);
    return s;
}
