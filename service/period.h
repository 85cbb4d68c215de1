/*
 * period.h - query periods and time buckets (spec §5).
 *
 * A period is an inclusive range of local dates. Period names: "2024",
 * "2024-H1", "2024-Q1", "2024-03", "2024-W10" (ISO week), "2024-03-14".
 * Buckets (day, week, month, quarter, year) tile a range; each is named like
 * a period. The official reporting calendar (Decree 09/2019, calendar=report)
 * comes with the monitoring issue behind the same functions. Pure, no I/O.
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

/* The month containing `today`, from its first day to today. */
period_t period_month_to_date(day_t today);

#endif
