/*
 * ts.c - instants and local dates (see ts.h).
 *
 * Why this file exists: every rule of the spec (§4, §5, §6) is written in
 * Vietnam local dates, and timestamps arrive in several textual forms (§3).
 * The C library's timegm/mktime depend on the TZ environment and on locale,
 * and are neither pure nor fast, so all calendar arithmetic here is plain
 * integer arithmetic on the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil / civil_from_days), with floor division everywhere so
 * that instants before 1970 behave exactly like the ones after.
 *
 * The parser reads exactly s[0..n): it never looks past n and never relies on
 * a NUL terminator, so an embedded NUL or trailing byte makes the text invalid.
 * Only ASCII digits count as digits (no isdigit(), which is locale dependent).
 */
#include "ts.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#define TS_YEAR_MIN 1900
#define TS_YEAR_MAX 9999

/* Floor division and the matching non-negative remainder (b > 0). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) < 0)
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && is_leap(y))
        return 29;
    return len[m - 1];
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
 * days_from_civil). The year is shifted to start in March so that the leap
 * day is the last day of the shifted year; eras are 400-year cycles.
 */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil (Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                       /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                     /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

day_t day_from_ymd(int y, int m, int d)
{
    return (day_t)days_from_civil(y, m, d);
}

void day_to_ymd(day_t day, int *y, int *m, int *d)
{
    int64_t yy;
    civil_from_days(day, &yy, m, d);
    *y = (int)yy;
}

/* 1970-01-01 was a Thursday (4). */
int day_iso_weekday(day_t d)
{
    return (int)floor_mod((int64_t)d + 3, 7) + 1;
}

/*
 * Splits an instant into its local date and the microseconds since local
 * midnight. Never computes t + offset or q * DAY, which could overflow near
 * the ends of the int64 range.
 */
static void split_local(ts_t t, int64_t offset_us, int64_t *day, int64_t *us_of_day)
{
    int64_t q = t / TS_US_PER_DAY;
    int64_t r = t % TS_US_PER_DAY;
    if (r < 0) {
        r += TS_US_PER_DAY;
        q--;
    }
    r += offset_us; /* [offset, DAY + offset) */
    if (r >= TS_US_PER_DAY) {
        r -= TS_US_PER_DAY;
        q++;
    } else if (r < 0) {
        r += TS_US_PER_DAY;
        q--;
    }
    *day = q;
    *us_of_day = r;
}

day_t ts_day(ts_t t)
{
    int64_t day, us;
    split_local(t, TS_VN_OFFSET_US, &day, &us);
    return (day_t)day;
}

/*
 * Local midnight of d. Days whose midnight lies outside the int64 range
 * (beyond year 292,000 either way) saturate to INT64_MIN + 1 / INT64_MAX
 * instead of overflowing; TS_NULL is never returned.
 */
ts_t ts_day_start(day_t d)
{
    if (d <= ts_day(INT64_MIN))
        return INT64_MIN + 1;
    if (d > ts_day(INT64_MAX))
        return INT64_MAX;
    if (d > 0) /* d * DAY alone may exceed INT64_MAX by less than the offset */
        return ((int64_t)d - 1) * TS_US_PER_DAY + (TS_US_PER_DAY - TS_VN_OFFSET_US);
    return (int64_t)d * TS_US_PER_DAY - TS_VN_OFFSET_US;
}

/* The last microsecond of d, saturating like ts_day_start. */
ts_t ts_day_end(day_t d)
{
    if (d >= ts_day(INT64_MAX))
        return INT64_MAX;
    if (d < ts_day(INT64_MIN))
        return INT64_MIN + 1;
    return ts_day_start(d + 1) - 1;
}

ts_t ts_now(void)
{
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0)
        return TS_NULL;
    return (int64_t)now.tv_sec * TS_US_PER_SEC + now.tv_nsec / 1000;
}

/* snprintf's result clamped to what actually fits in buf. */
static size_t fitted(int len, size_t cap)
{
    if (len < 0 || cap == 0)
        return 0;
    return (size_t)len < cap ? (size_t)len : cap - 1;
}

/*
 * Writes t as date and time at the given offset: sep between date and time,
 * always_frac forces ".ffffff", zone is appended verbatim.
 */
static size_t format_at(ts_t t, int64_t offset_us, char sep, bool always_frac,
                        const char *zone, char *buf, size_t cap)
{
    int64_t day, us, y;
    int m, d;
    split_local(t, offset_us, &day, &us);
    civil_from_days(day, &y, &m, &d);
    int64_t sec = us / TS_US_PER_SEC;
    int64_t frac = us % TS_US_PER_SEC;
    int hh = (int)(sec / 3600), mi = (int)(sec / 60 % 60), ss = (int)(sec % 60);
    int len;
    if (frac != 0 || always_frac)
        len = snprintf(buf, cap, "%04lld-%02d-%02d%c%02d:%02d:%02d.%06lld%s", (long long)y, m,
                       d, sep, hh, mi, ss, (long long)frac, zone);
    else
        len = snprintf(buf, cap, "%04lld-%02d-%02d%c%02d:%02d:%02d%s", (long long)y, m, d, sep,
                       hh, mi, ss, zone);
    return fitted(len, cap);
}

size_t ts_format(ts_t t, char *buf, size_t cap)
{
    return format_at(t, TS_VN_OFFSET_US, 'T', false, "+07:00", buf, cap);
}

size_t ts_format_pg(ts_t t, char *buf, size_t cap)
{
    return format_at(t, 0, ' ', true, "+00", buf, cap);
}

size_t day_format(day_t d, char *buf, size_t cap)
{
    int64_t y;
    int m, dd;
    civil_from_days(d, &y, &m, &dd);
    return fitted(snprintf(buf, cap, "%04lld-%02d-%02d", (long long)y, m, dd), cap);
}

/* ---- parsing ---------------------------------------------------------- */

/* A read position in s[0..n). */
typedef struct {
    const char *s;
    size_t n, i;
} cursor;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly k ASCII digits as a number. */
static bool take_digits(cursor *c, size_t k, int *out)
{
    if (c->n - c->i < k)
        return false;
    int v = 0;
    for (size_t j = 0; j < k; j++) {
        char ch = c->s[c->i + j];
        if (!is_digit(ch))
            return false;
        v = v * 10 + (ch - '0');
    }
    c->i += k;
    *out = v;
    return true;
}

/* Consumes ch if it is the next byte. */
static bool take_char(cursor *c, char ch)
{
    if (c->i < c->n && c->s[c->i] == ch) {
        c->i++;
        return true;
    }
    return false;
}

static bool at_end(const cursor *c)
{
    return c->i == c->n;
}

/* The broken-down fields of a parsed timestamp. */
typedef struct {
    int y, mo, d, h, mi, s;
    int64_t us;        /* microseconds, fraction truncated */
    int64_t offset_us; /* the text's UTC offset */
} fields;

static bool valid_date(int y, int m, int d)
{
    return y >= TS_YEAR_MIN && y <= TS_YEAR_MAX && m >= 1 && m <= 12 && d >= 1 &&
           d <= days_in_month(y, m);
}

static bool valid_time(const fields *f)
{
    return f->h <= 23 && f->mi <= 59 && f->s <= 59;
}

/* "YYYY-MM-DD" at the cursor. */
static bool take_date(cursor *c, fields *f)
{
    return take_digits(c, 4, &f->y) && take_char(c, '-') && take_digits(c, 2, &f->mo) &&
           take_char(c, '-') && take_digits(c, 2, &f->d) && valid_date(f->y, f->mo, f->d);
}

/* ".f..." (one digit or more), truncated to microseconds: some systems send
 * nanoseconds or more, and the spec keeps microseconds. */
static bool take_fraction(cursor *c, fields *f)
{
    size_t k = 0;
    int64_t scaled = 0;
    while (c->i < c->n && is_digit(c->s[c->i])) {
        if (++k <= 6)
            scaled = scaled * 10 + (c->s[c->i] - '0');
        c->i++;
    }
    if (k == 0)
        return false;
    for (size_t j = k; j < 6; j++)
        scaled *= 10;
    f->us = scaled;
    return true;
}

/* "HH:MM[:SS[.frac]]" at the cursor. */
static bool take_time(cursor *c, fields *f)
{
    if (!take_digits(c, 2, &f->h) || !take_char(c, ':') || !take_digits(c, 2, &f->mi))
        return false;
    if (take_char(c, ':')) {
        if (!take_digits(c, 2, &f->s))
            return false;
        if (take_char(c, '.') && !take_fraction(c, f))
            return false;
    }
    return valid_time(f);
}

/* Optional zone: "Z", "z", "+HH:MM" or "-HH:MM"; absent means +07:00. */
static bool take_zone(cursor *c, fields *f)
{
    f->offset_us = TS_VN_OFFSET_US;
    if (at_end(c))
        return true;
    if (take_char(c, 'Z') || take_char(c, 'z')) {
        f->offset_us = 0;
        return true;
    }
    int sign = take_char(c, '+') ? 1 : take_char(c, '-') ? -1 : 0;
    int oh, om;
    if (sign == 0 || !take_digits(c, 2, &oh) || !take_char(c, ':') || !take_digits(c, 2, &om))
        return false;
    if (oh > 23 || om > 59)
        return false;
    f->offset_us = sign * ((int64_t)oh * 3600 + om * 60) * TS_US_PER_SEC;
    return true;
}

/* DVCQG "yyyyMMddHHmmss": exactly 14 digits, Vietnam time. */
static bool parse_dvcqg(cursor *c, fields *f)
{
    f->offset_us = TS_VN_OFFSET_US;
    return take_digits(c, 4, &f->y) && take_digits(c, 2, &f->mo) && take_digits(c, 2, &f->d) &&
           take_digits(c, 2, &f->h) && take_digits(c, 2, &f->mi) && take_digits(c, 2, &f->s) &&
           at_end(c) && valid_date(f->y, f->mo, f->d) && valid_time(f);
}

/* The ISO-like forms: a date, then optionally [T t space] time [zone]. */
static bool parse_iso(cursor *c, ts_date_default dflt, fields *f)
{
    if (!take_date(c, f))
        return false;
    if (at_end(c)) {
        f->h = dflt == TS_DATE_EVENING ? 17 : 0;
        f->offset_us = TS_VN_OFFSET_US;
        return true;
    }
    if (!take_char(c, 'T') && !take_char(c, 't') && !take_char(c, ' '))
        return false;
    return take_time(c, f) && take_zone(c, f) && at_end(c);
}

int ts_parse(const char *s, size_t n, ts_date_default dflt, ts_t *out)
{
    if (s == NULL || out == NULL)
        return -1;
    cursor c = {s, n, 0};
    fields f = {0};
    bool ok = n == 14 ? parse_dvcqg(&c, &f) : parse_iso(&c, dflt, &f);
    if (!ok)
        return -1;
    int64_t day = days_from_civil(f.y, f.mo, f.d);
    int64_t sec = day * 86400 + (int64_t)f.h * 3600 + f.mi * 60 + f.s;
    *out = sec * TS_US_PER_SEC + f.us - f.offset_us;
    return 0;
}

int day_parse(const char *s, size_t n, day_t *out)
{
    if (s == NULL || out == NULL)
        return -1;
    cursor c = {s, n, 0};
    fields f = {0};
    if (!take_date(&c, &f) || !at_end(&c))
        return -1;
    *out = (day_t)days_from_civil(f.y, f.mo, f.d);
    return 0;
}
