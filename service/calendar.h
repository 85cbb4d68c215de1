/*
 * calendar.h - the working-day calendar (spec §6).
 *
 * calendar_new_vn() is Vietnam's: weekends, the Labour Code holidays (Tết and
 * Hùng Kings from the lunar calendar, lunar.h) and compensatory days; the
 * overrides stored in the database are laid on top (calendar_set_override,
 * by refdata.c). calendar_new_default() has weekends only (tests). Pure
 * logic, no I/O.
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

/* Vietnam's calendar (spec §6): weekends off, the Labour Code 2019 art. 112
 * holidays (1/1; Tết: the last day of the lunar year and the first four of
 * the new one; Hùng Kings 10/3 lunar; 30/4; 1/5; 2/9 and 1/9) with lunar
 * dates computed for UTC+7, and a compensatory day off for each holiday that
 * falls on a weekend (art. 111(3)). NULL on allocation failure. */
calendar_t *calendar_new_vn(void);

/* Marks one date as working or not (overrides the rule). Call before sharing. */
void calendar_set_day(calendar_t *cal, day_t d, bool working);

/* An override from the database: working or not, with its name (copied; may
 * be NULL). 0 ok, -1 out of memory. Call before sharing. */
int calendar_set_override(calendar_t *cal, day_t d, bool working, const char *name);

typedef enum {
    DAY_WORKING = 0,   /* an ordinary working day */
    DAY_WEEKEND,       /* Saturday or Sunday off */
    DAY_HOLIDAY,       /* a public holiday (kind "holiday") */
    DAY_COMPENSATORY,  /* a day off for a holiday on a weekend ("compensatory") */
    DAY_OVERRIDE       /* set by an override ("override") */
} day_kind;

typedef struct {
    bool working;
    day_kind kind;
    const char *name;  /* Vietnamese name of the holiday or override, or NULL;
                          owned by the calendar */
} day_info;

/* What the calendar says of day d. */
void calendar_day_info(const calendar_t *cal, day_t d, day_info *out);

bool cal_is_working(const calendar_t *cal, day_t d);

/* Working days d with a < d <= b; negative (-(count with b < d <= a)) when b < a. O(1). */
int64_t cal_working_between(const calendar_t *cal, day_t a, day_t b);

/* The n-th working day after d (n >= 1); d itself when n == 0; for n < 0 the
 * |n|-th working day before d. */
day_t cal_add_working(const calendar_t *cal, day_t d, int n);

#endif
