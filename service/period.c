/*
 * period.c - query periods and time buckets (see period.h, spec §5).
 *
 * Why this file exists: a metrics query names its period ("2024-Q1",
 * "2024-W10", ...) and a time series tiles its range with buckets whose keys
 * are those same names, so parsing a name and naming a bucket must agree
 * exactly (bucket_name(k, s) parses back to the bucket [s, next - 1]).
 *
 * Weeks are ISO 8601: they start on Monday, week 1 is the week holding
 * 4 January, and a week is named by its ISO week-year (the year of its
 * Thursday), so 2024-12-30 is in "2025-W01" and 2021-01-03 in "2020-W53".
 * Years are 1900..9999 like every date the service parses; the letters H, Q
 * and W are accepted in either case and always written upper case.
 */
#include "period.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define PERIOD_YEAR_MIN 1900
#define PERIOD_YEAR_MAX 9999

static const char *const kind_names[] = {"", "day", "week", "month", "quarter", "year"};

/* The Monday of ISO week 1 of ISO week-year y: the week holding 4 January. */
static day_t iso_week1_monday(int y)
{
    day_t jan4 = day_from_ymd(y, 1, 4);
    return jan4 - (day_iso_weekday(jan4) - 1);
}

/* 52 or 53: a year has 53 ISO weeks when its week 1 starts 371 days before
 * the next year's (it begins on a Thursday, or on a Wednesday in a leap year). */
static int iso_weeks_in_year(int y)
{
    return (iso_week1_monday(y + 1) - iso_week1_monday(y)) / 7;
}

/* The ISO week-year and week number of d (the year of that week's Thursday). */
static void iso_week_of(day_t d, int *year, int *week)
{
    day_t thursday = d + (4 - day_iso_weekday(d));
    int y, m, dd;
    day_to_ymd(thursday, &y, &m, &dd);
    *year = y;
    *week = (thursday - iso_week1_monday(y)) / 7 + 1;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Exactly k ASCII digits at s[0..k) as a number; -1 when they are not. */
static int digits(const char *s, size_t k)
{
    int v = 0;
    for (size_t i = 0; i < k; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static period_t make_period(day_t from, day_t to)
{
    period_t p = {from, to};
    return p;
}

/* Months m0..m0+count-1 of year y as one period. */
static period_t month_span(int y, int m0, int count)
{
    int m1 = m0 + count - 1;
    return make_period(day_from_ymd(y, m0, 1), day_from_ymd(y, m1, days_in_month(y, m1)));
}

/* The 7-character forms after "YYYY-": "Hn", "Qn", "MM" (rest = s + 5, len 2)
 * and the 3-character "Www". */
static int parse_suffix(int y, const char *rest, size_t len, period_t *out)
{
    char tag = rest[0];
    if (len == 2 && (tag == 'H' || tag == 'h')) {
        int h = digits(rest + 1, 1);
        if (h < 1 || h > 2)
            return -1;
        *out = month_span(y, h == 1 ? 1 : 7, 6);
        return 0;
    }
    if (len == 2 && (tag == 'Q' || tag == 'q')) {
        int q = digits(rest + 1, 1);
        if (q < 1 || q > 4)
            return -1;
        *out = month_span(y, (q - 1) * 3 + 1, 3);
        return 0;
    }
    if (len == 2) {
        int m = digits(rest, 2);
        if (m < 1 || m > 12)
            return -1;
        *out = month_span(y, m, 1);
        return 0;
    }
    if (len == 3 && (tag == 'W' || tag == 'w')) {
        int w = digits(rest + 1, 2);
        if (w < 1 || w > iso_weeks_in_year(y))
            return -1;
        day_t mon = iso_week1_monday(y) + (w - 1) * 7;
        *out = make_period(mon, mon + 6);
        return 0;
    }
    return -1;
}

int period_parse(const char *s, size_t n, period_t *out)
{
    if (s == NULL || out == NULL || n < 4)
        return -1;
    int y = digits(s, 4);
    if (y < PERIOD_YEAR_MIN || y > PERIOD_YEAR_MAX)
        return -1;
    if (n == 4) {
        *out = month_span(y, 1, 12);
        return 0;
    }
    if (n == 10) {
        day_t d;
        if (day_parse(s, n, &d) != 0)
            return -1;
        *out = make_period(d, d);
        return 0;
    }
    if ((n == 7 || n == 8) && s[4] == '-')
        return parse_suffix(y, s + 5, n - 5, out);
    return -1;
}

bucket_kind bucket_kind_parse(const char *s)
{
    if (s == NULL)
        return BK_NONE;
    for (int k = BK_DAY; k <= BK_YEAR; k++)
        if (strcmp(s, kind_names[k]) == 0)
            return (bucket_kind)k;
    return BK_NONE;
}

/* "day" .. "year"; "" for BK_NONE or an out-of-range value. */
const char *bucket_kind_name(bucket_kind k)
{
    if (k < BK_DAY || k > BK_YEAR)
        return "";
    return kind_names[k];
}

day_t bucket_start(bucket_kind k, day_t d)
{
    int y, m, dd;
    day_to_ymd(d, &y, &m, &dd);
    switch (k) {
    case BK_WEEK:
        return d - (day_iso_weekday(d) - 1);
    case BK_MONTH:
        return day_from_ymd(y, m, 1);
    case BK_QUARTER:
        return day_from_ymd(y, (m - 1) / 3 * 3 + 1, 1);
    case BK_YEAR:
        return day_from_ymd(y, 1, 1);
    case BK_DAY:
    case BK_NONE:
    default:
        return d;
    }
}

/* The first day of the month `months` months after y-m-01. */
static day_t add_months(int y, int m, int months)
{
    int64_t idx = (int64_t)y * 12 + (m - 1) + months;
    int64_t yy = idx / 12, mm = idx % 12;
    if (mm < 0) { /* floor division for years before 0 */
        mm += 12;
        yy--;
    }
    return day_from_ymd((int)yy, (int)mm + 1, 1);
}

day_t bucket_next(bucket_kind k, day_t start)
{
    day_t s = bucket_start(k, start);
    int y, m, d;
    day_to_ymd(s, &y, &m, &d);
    switch (k) {
    case BK_WEEK:
        return s + 7;
    case BK_MONTH:
        return add_months(y, m, 1);
    case BK_QUARTER:
        return add_months(y, m, 3);
    case BK_YEAR:
        return day_from_ymd(y + 1, 1, 1);
    case BK_DAY:
    case BK_NONE:
    default:
        return s + 1;
    }
}

/* snprintf's result clamped to what actually fits in buf. */
static size_t fitted(int len, size_t cap)
{
    if (len < 0 || cap == 0)
        return 0;
    return (size_t)len < cap ? (size_t)len : cap - 1;
}

size_t bucket_name(bucket_kind k, day_t start, char *buf, size_t cap)
{
    day_t s = bucket_start(k, start);
    int y, m, d, wy, w;
    day_to_ymd(s, &y, &m, &d);
    switch (k) {
    case BK_DAY:
        return day_format(s, buf, cap);
    case BK_WEEK:
        iso_week_of(s, &wy, &w);
        return fitted(snprintf(buf, cap, "%04d-W%02d", wy, w), cap);
    case BK_MONTH:
        return fitted(snprintf(buf, cap, "%04d-%02d", y, m), cap);
    case BK_QUARTER:
        return fitted(snprintf(buf, cap, "%04d-Q%d", y, (m - 1) / 3 + 1), cap);
    case BK_YEAR:
        return fitted(snprintf(buf, cap, "%04d", y), cap);
    case BK_NONE:
    default:
        if (cap > 0)
            buf[0] = '\0';
        return 0;
    }
}

period_t period_month_to_date(day_t today)
{
    return make_period(bucket_start(BK_MONTH, today), today);
}

/* ---- reporting calendar ---------------------------------------------------- */

/*
 * Decree 09/2019 art. 12 (spec §6, calendar=report): every month, quarter,
 * half-year and year is shifted to run from the 15th of the month before its
 * first month to the 14th of its last month. So one rule serves every kind:
 * a report period is the civil period of the same name with its first day
 * moved to the 15th of the previous month and its last day to the 14th of
 * its own last month; and a report bucket is named like the civil bucket that
 * holds its last day (the 14th). Weeks and days are the same in both.
 *
 * "The report month of d": the month whose report period holds d, i.e. d's
 * own month up to the 14th and the next month from the 15th on.
 */

#define REPORT_FIRST_DAY 15 /* report months start on the 15th */

/* The civil month span [from, to] (first day of a month .. last day of a
 * month) as a report period: 15th of the month before .. 14th of to's month. */
static period_t report_span(period_t civil)
{
    int fy, fm, fd, ty, tm, td;
    day_to_ymd(civil.from, &fy, &fm, &fd);
    day_to_ymd(civil.to, &ty, &tm, &td);
    return make_period(add_months(fy, fm, -1) + (REPORT_FIRST_DAY - 1),
                       day_from_ymd(ty, tm, REPORT_FIRST_DAY - 1));
}

int period_parse_cal(period_calendar c, const char *s, size_t n, period_t *out)
{
    period_t p;
    if (period_parse(s, n, &p) != 0)
        return -1;
    /* days ("YYYY-MM-DD") and weeks ("YYYY-Www") are the same in both */
    bool month_based = n == 4 || (n == 7 && s[5] != 'W' && s[5] != 'w');
    if (c == PCAL_REPORT && month_based)
        p = report_span(p);
    *out = p;
    return 0;
}

/* The report month holding d begins on the 15th of (*y, *m): d's own month
 * from the 15th on, else the month before. */
static void report_month_start(day_t d, int *y, int *m)
{
    int dd;
    day_to_ymd(d, y, m, &dd);
    if (dd < REPORT_FIRST_DAY) { /* belongs to the report month that began last month */
        if (--*m == 0) {
            *m = 12;
            --*y;
        }
    }
}

/* The 15th, `months` months after the 15th of y-m. */
static day_t add_report_months(int y, int m, int months)
{
    return add_months(y, m, months) + (REPORT_FIRST_DAY - 1);
}

day_t bucket_start_cal(period_calendar c, bucket_kind k, day_t d)
{
    if (c != PCAL_REPORT || (k != BK_MONTH && k != BK_QUARTER && k != BK_YEAR))
        return bucket_start(k, d);
    int y, m;
    report_month_start(d, &y, &m);
    /* (y, m): the month in which the report month holding d begins; the
     * report month itself is named m + 1, so report quarters begin in the
     * months 12, 3, 6, 9 and report years in December */
    int named = m % 12; /* 0..11: the named month - 1 */
    switch (k) {
    case BK_QUARTER:
        return add_report_months(y, m, -(named % 3));
    case BK_YEAR:
        return add_report_months(y, m, -named);
    case BK_MONTH:
    default:
        return add_report_months(y, m, 0);
    }
}

day_t bucket_next_cal(period_calendar c, bucket_kind k, day_t start)
{
    if (c != PCAL_REPORT || (k != BK_MONTH && k != BK_QUARTER && k != BK_YEAR))
        return bucket_next(k, start);
    int y, m, d;
    day_to_ymd(bucket_start_cal(c, k, start), &y, &m, &d);
    int months = k == BK_MONTH ? 1 : (k == BK_QUARTER ? 3 : 12);
    return add_report_months(y, m, months);
}

size_t bucket_name_cal(period_calendar c, bucket_kind k, day_t start, char *buf, size_t cap)
{
    if (c != PCAL_REPORT || (k != BK_MONTH && k != BK_QUARTER && k != BK_YEAR))
        return bucket_name(k, start, buf, cap);
    /* named like the civil bucket holding its last day (the 14th) */
    return bucket_name(k, bucket_next_cal(c, k, start) - 1, buf, cap);
}
