/*
 * ts.h - instants and local dates.
 *
 * An instant (ts_t) is microseconds since 1970-01-01T00:00:00Z; TS_NULL means
 * "no value". A local date (day_t) is the number of days since 1970-01-01 in
 * Vietnam time (UTC+07:00, no daylight saving), which is the calendar every
 * rule of the spec (§4) is written in. Pure functions, no I/O.
 */
#ifndef MOTCUA_TS_H
#define MOTCUA_TS_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t ts_t;
typedef int32_t day_t;

#define TS_NULL INT64_MIN
#define TS_US_PER_SEC 1000000LL
#define TS_US_PER_DAY 86400000000LL
#define TS_VN_OFFSET_US (7LL * 3600LL * TS_US_PER_SEC)
#define TS_FMT_MAX 40 /* buffer size that always fits ts_format() */
#define DAY_FMT_MAX 16

/* What a bare date ("2024-03-14") means: 00:00 or 17:00 local (spec §3). */
typedef enum { TS_DATE_MIDNIGHT = 0, TS_DATE_EVENING = 1 } ts_date_default;

/*
 * Parses s[0..n) in one of the accepted forms: RFC 3339 with offset or Z;
 * local "YYYY-MM-DD[ T]HH:MM[:SS[.frac]]" (Vietnam time); bare "YYYY-MM-DD"
 * (00:00 or 17:00 local per dflt); DVCQG "yyyyMMddHHmmss" (Vietnam time).
 * Fractions are truncated to the microsecond. Years 1900..9999.
 * Returns 0 and sets *out, or -1 when the text is not a valid timestamp.
 */
int ts_parse(const char *s, size_t n, ts_date_default dflt, ts_t *out);

/* Writes t as RFC 3339 in +07:00 ("2024-03-14T15:30:00+07:00", with
 * ".ffffff" only when the microseconds are not zero). NUL-terminated;
 * returns the length. cap must be >= TS_FMT_MAX. */
size_t ts_format(ts_t t, char *buf, size_t cap);

/* Writes t in UTC in PostgreSQL's input form "2024-03-14 08:30:00.000000+00"
 * (for COPY). Returns the length. cap >= TS_FMT_MAX. */
size_t ts_format_pg(ts_t t, char *buf, size_t cap);

ts_t ts_now(void);

day_t ts_day(ts_t t);          /* local date of an instant (floor division) */
/* 00:00:00 and 23:59:59.999999 local; days beyond about year +-292,000
 * saturate to INT64_MIN + 1 / INT64_MAX instead of overflowing. */
ts_t ts_day_start(day_t d);
ts_t ts_day_end(day_t d);

day_t day_from_ymd(int y, int m, int d);           /* proleptic Gregorian */
void day_to_ymd(day_t day, int *y, int *m, int *d);
int day_iso_weekday(day_t d);                       /* 1 = Monday .. 7 = Sunday */
int days_in_month(int y, int m);

/* Strict "YYYY-MM-DD" (a real calendar date). 0 ok, -1 invalid. */
int day_parse(const char *s, size_t n, day_t *out);
size_t day_format(day_t d, char *buf, size_t cap); /* "YYYY-MM-DD", cap >= DAY_FMT_MAX */

#endif
