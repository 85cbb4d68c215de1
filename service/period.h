/*
 * period.h - query periods and time buckets (spec §5).
 *
 * A period is an inclusive range of local dates. Period names: "2024",
 * "2024-H1", "2024-Q1", "2024-03", "2024-W10" (ISO week), "2024-03-14".
 * Buckets (day, week, month, quarter, year) tile a range; each is named like
 * a period. The official reporting calendar (Decree 09/2019, calendar=report)
 * is served by the _cal functions below. Pure, no I/O.
 */
#ifndef MOTCUA_PERIOD_H
#define MOTCUA_PERIOD_H

#include <stddef.h>
#include "ts.h"

typedef struct {
    day_t from, to; /* inclusive local dates, from <= to */
} period_t;

typedef enum { BK_NONE = 0, BK_DAY, BK_WEEK, BK_MONTH, BK_QUARTER, BK_YEAR } bucket_kind;

#define PERIOD_NAME_MAX 16

/* Parses a period name. 0 ok, -1 invalid (bad syntax or no such date/week). */
int period_parse(const char *s, size_t n, period_t *out);

/* "day" .. "year" to a kind; BK_NONE when it is not a bucket name. */
bucket_kind bucket_kind_parse(const char *s);
const char *bucket_kind_name(bucket_kind k);

/* The first day of the bucket of kind k that contains d. */
day_t bucket_start(bucket_kind k, day_t d);
/* The first day of the bucket after the one starting at `start`. */
day_t bucket_next(bucket_kind k, day_t start);
/* The bucket's name ("2024-03-14", "2024-W10", "2024-03", "2024-Q1", "2024").
 * Returns the length; cap >= PERIOD_NAME_MAX. */
size_t bucket_name(bucket_kind k, day_t start, char *buf, size_t cap);

/*
 * The official reporting calendar (Decree 09/2019/NĐ-CP art. 12, spec §6,
 * `calendar=report`): a month runs from the 15th of the previous month to the
 * 14th; quarters, half-years and years likewise end on the 14th of their last
 * month and start on the 15th of the month before their first. Weeks and days
 * are the same in both calendars. The _cal functions take the calendar; the
 * plain ones are the civil calendar.
 */
typedef enum { PCAL_CIVIL = 0, PCAL_REPORT } period_calendar;

int period_parse_cal(period_calendar c, const char *s, size_t n, period_t *out);
day_t bucket_start_cal(period_calendar c, bucket_kind k, day_t d);
day_t bucket_next_cal(period_calendar c, bucket_kind k, day_t start);
/* The name of the bucket starting at `start` (a report month 2024-03 runs
 * 2024-02-15 .. 2024-03-14: it is named after the month it ends in). */
size_t bucket_name_cal(period_calendar c, bucket_kind k, day_t start, char *buf, size_t cap);

/* The month containing `today`, from its first day to today. */
period_t period_month_to_date(day_t today);

#endif
