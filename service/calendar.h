/*
 * calendar.h - the working-day calendar (spec §6).
 *
 * Today: Saturday and Sunday are the only days off. The holiday rules of the
 * Labour Code, lunar dates and per-date overrides from the database come with
 * the calendar issue; they plug in behind this interface (calendar_set_day)
 * without changing any caller. Pure logic, no I/O.
 *
 * Working-day counting follows the Civil Code: the working days from day a to
 * day b are the working days d with a < d <= b.
 */
#ifndef MOTCUA_CALENDAR_H
#define MOTCUA_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>
#include "ts.h"

typedef struct calendar calendar_t;

/* A calendar with weekends off. Returns NULL on allocation failure.
 * The caller owns it (calendar_free). Immutable after construction, so one
 * calendar may be shared by many threads. */
calendar_t *calendar_new_default(void);
void calendar_free(calendar_t *cal);

/* Marks one date as working or not (overrides the rule). Call before sharing. */
void calendar_set_day(calendar_t *cal, day_t d, bool working);

bool cal_is_working(const calendar_t *cal, day_t d);

/* Working days d with a < d <= b; negative (-(count with b < d <= a)) when b < a. O(1). */
int64_t cal_working_between(const calendar_t *cal, day_t a, day_t b);

/* The n-th working day after d (n >= 1); d itself when n == 0; for n < 0 the
 * |n|-th working day before d. */
day_t cal_add_working(const calendar_t *cal, day_t d, int n);

#endif
