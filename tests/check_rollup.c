/*
 * check_rollup.c - the pure arithmetic of the roll-ups (service/rollup.c):
 * a dossier's events agree with classify() at every instant, segments cover
 * exactly the days asked, the accumulator cancels what it is given back.
 * The database side is tests/check_rollup_db.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "classify.h"
#include "rollup.h"

static uint64_t rng = 1;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static int64_t rn(int64_t n) { return (int64_t)(rnd() % (uint64_t)n); }

#define HOUR (3600 * TS_US_PER_SEC)

/* A random dossier around 2024-03: every status, with or without due date,
 * waits before and after the due day, second supplement requests. */
static void random_row(metrics_row_t *r)
{
    memset(r, 0, sizeof *r);
    r->agency_code = "A";
    r->procedure_code = "P";
    r->channel = 1 + (int)rn(3);
    r->status = 1 + (int)rn(10);
    ts_t base = ts_day_start(day_from_ymd(2024, 3, 1));
    r->received_at = base + rn(20 * 24) * HOUR + rn(TS_US_PER_SEC);
    r->due_at = rn(4) ? r->received_at + rn(15 * 24) * HOUR : TS_NULL;
    r->finished_at = r->status >= 7 ? r->received_at + rn(30 * 24) * HOUR : TS_NULL;
    r->supplement_requested_at = rn(2) ? r->received_at + (rn(20 * 24) - 48) * HOUR : TS_NULL;
    r->updated_at = rn(2) ? r->received_at + rn(25 * 24) * HOUR : TS_NULL;
    r->supplement_count = (int)rn(4);
    r->fee = rn(3) ? (int64_t)rn(3) * 1000 : FEE_NULL;
    r->catalog_has_fee = (int)rn(3) - 1;
    r->service_level = (int)rn(5);
    r->paid_online = rn(2);
    r->apology = rn(2);
}

/* The one-hot open state of classify() at t, as RU_S_* offsets; -1 none. */
static int classify_state(const metrics_row_t *r, ts_t t, const calendar_t *cal, cls_t *fin)
{
    cls_input_t in = { r->status, r->received_at, r->due_at, r->finished_at,
                       r->supplement_requested_at, r->updated_at, r->supplement_count };
    cls_result_t res;
    classify(&in, t, 1, cal, &res);
    *fin = res.finished ? res.cls : CLS_NONE;
    if (res.cls == CLS_NONE || res.finished)
        return -1;
    return (res.waiting ? 2 : 0) + (res.cls == CLS_OVERDUE ? 1 : 0);
}

START_TEST(test_events_follow_classify)
{
    calendar_t *cal = calendar_new_vn();
    rng = 42;
    for (int i = 0; i < 20000; i++) {
        metrics_row_t r;
        random_row(&r);
        ru_event ev[RU_MAX_EVENTS];
        int n = rollup_events(&r, cal, ev);
        ck_assert_int_le(n, RU_MAX_EVENTS);
        for (int k = 1; k < n; k++)
            ck_assert(ev[k - 1].at < ev[k].at);
        /* instants around every event and at random */
        ts_t probes[16];
        int np = 0;
        for (int k = 0; k < n; k++) {
            probes[np++] = ev[k].at - 1;
            probes[np++] = ev[k].at;
        }
        while (np < 16)
            probes[np++] = r.received_at + (rn(50 * 24) - 24) * HOUR;
        for (int j = 0; j < np; j++) {
            int64_t s[4] = { 0 }, received = 0, finished = 0, early = 0, on_time = 0, late = 0;
            for (int k = 0; k < n && ev[k].at <= probes[j]; k++) {
                for (int q = 0; q < 4; q++)
                    s[q] += ev[k].v[RU_S_NW_IN + q];
                received += ev[k].v[RU_RECEIVED];
                finished += ev[k].v[RU_FINISHED];
                early += ev[k].v[RU_EARLY];
                on_time += ev[k].v[RU_ON_TIME];
                late += ev[k].v[RU_LATE];
            }
            cls_t fin;
            int want = classify_state(&r, probes[j], cal, &fin);
            for (int q = 0; q < 4; q++)
                ck_assert_msg(s[q] == (q == want), "row %d probe %d: state %d is %lld, want %d",
                              i, j, q, (long long)s[q], want);
            bool counted = status_counted(r.status) && r.received_at <= probes[j];
            ck_assert_int_eq(received, counted);
            ck_assert_int_eq(finished, fin != CLS_NONE);
            ck_assert_int_eq(early, fin == CLS_EARLY);
            ck_assert_int_eq(on_time, fin == CLS_ON_TIME);
            ck_assert_int_eq(late, fin == CLS_LATE);
        }
    }
    calendar_free(cal);
}
END_TEST

START_TEST(test_uncounted_statuses_have_no_events)
{
    calendar_t *cal = calendar_new_vn();
    metrics_row_t r;
    rng = 7;
    random_row(&r);
    ru_event ev[RU_MAX_EVENTS];
    r.status = 1;
    ck_assert_int_eq(rollup_events(&r, cal, ev), 0);
    r.status = 3;
    ck_assert_int_eq(rollup_events(&r, cal, ev), 0);
    r.status = 2;
    r.received_at = TS_NULL;
    ck_assert_int_eq(rollup_events(&r, cal, ev), 0);
    calendar_free(cal);
}
END_TEST

/* Every day of the grain's bucket starting at lo. */
static day_t bucket_end(int grain, day_t b)
{
    int y, m, d;
    day_to_ymd(b, &y, &m, &d);
    if (grain == RU_GRAIN_DAY)
        return b;
    if (grain == RU_GRAIN_MONTH)
        return (m == 12 ? day_from_ymd(y + 1, 1, 1) : day_from_ymd(y, m + 1, 1)) - 1;
    return day_from_ymd(y + 1, 1, 1) - 1;
}

static day_t next_bucket(int grain, day_t b) { return bucket_end(grain, b) + 1; }

START_TEST(test_segments_cover_exactly)
{
    ru_segment seg[64];
    rng = 99;
    for (int i = 0; i < 5000; i++) {
        day_t a = day_from_ymd(2020, 1, 1) + (day_t)rn(2000), b = a + (day_t)rn(900);
        if (rn(10) == 0)
            a = rollup_first_day();
        size_t n = rollup_segments(a, b, 3, seg, 0, 64);
        ck_assert(n != (size_t)-1);
        ck_assert_int_le(n, 5);
        day_t next = a;   /* the segments tile [a, b] in order */
        for (size_t k = 0; k < n; k++) {
            ck_assert_int_eq(seg[k].win, 3);
            ck_assert_int_eq(seg[k].lo, next);
            for (day_t bk = seg[k].lo; bk <= seg[k].hi; bk = next_bucket(seg[k].grain, bk))
                next = bucket_end(seg[k].grain, bk) + 1;
            ck_assert_int_eq(bucket_end(seg[k].grain, seg[k].hi) + 1, next);
        }
        ck_assert_int_eq(next, b + 1);
    }
    /* the shapes the docs promise */
    size_t n = rollup_segments(day_from_ymd(2024, 1, 1), day_from_ymd(2024, 12, 31), 1, seg, 0, 64);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(seg[0].grain, RU_GRAIN_YEAR);
    n = rollup_segments(day_from_ymd(2024, 7, 1), day_from_ymd(2024, 9, 30), 1, seg, 0, 64);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(seg[0].grain, RU_GRAIN_MONTH);
    ck_assert_int_eq(seg[0].hi, day_from_ymd(2024, 9, 1));
    n = rollup_segments(rollup_first_day(), day_from_ymd(2024, 3, 31), 0, seg, 0, 64);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(seg[0].grain, RU_GRAIN_YEAR);
    ck_assert_int_eq(seg[1].grain, RU_GRAIN_MONTH);
    /* too small an array */
    ck_assert(rollup_segments(day_from_ymd(2024, 1, 15), day_from_ymd(2025, 2, 10), 0, seg, 0, 2)
              == (size_t)-1);
}
END_TEST

static int count_row(void *ctx, const ru_row *row)
{
    (void)row;
    (*(int *)ctx)++;
    return 0;
}

START_TEST(test_accumulator_cancels)
{
    calendar_t *cal = calendar_new_vn();
    rollup_acc *a = rollup_acc_new();
    ck_assert_ptr_nonnull(a);
    metrics_row_t rows[300];
    rng = 5;
    for (int i = 0; i < 300; i++) {
        random_row(&rows[i]);
        if (i % 3 == 0)   /* some durations beyond the h columns */
            rows[i].finished_at = rows[i].received_at + 200 * 24 * HOUR;
        ck_assert_int_eq(rollup_acc_add(a, &rows[i], cal, +1), 0);
    }
    int n = 0, nlong = 0;
    rollup_acc_each(a, false, count_row, &n);
    rollup_acc_each(a, true, count_row, &nlong);
    ck_assert_int_gt(n, 0);
    ck_assert_int_gt(nlong, 0);
    for (int i = 299; i >= 0; i--)
        ck_assert_int_eq(rollup_acc_add(a, &rows[i], cal, -1), 0);
    n = nlong = 0;
    rollup_acc_each(a, false, count_row, &n);
    rollup_acc_each(a, true, count_row, &nlong);
    ck_assert_int_eq(n, 0);   /* everything given back: no row left to write */
    ck_assert_int_eq(nlong, 0);
    rollup_acc_clear(a);
    ck_assert_int_eq(rollup_acc_size(a), 0);
    rollup_acc_free(a);
    calendar_free(cal);
}
END_TEST

Suite *make_rollup_suite(void)
{
    Suite *s = suite_create("rollup");
    TCase *tc = tcase_create("pure");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_events_follow_classify);
    tcase_add_test(tc, test_uncounted_statuses_have_no_events);
    tcase_add_test(tc, test_segments_cover_exactly);
    tcase_add_test(tc, test_accumulator_cancels);
    suite_add_tcase(s, tc);
    return s;
}
