/*
 * due.h - the due date computed from the procedure catalog (spec §6) for a
 * dossier sent without due_at. Civil Code art. 147-148: counting starts the
 * day after reception; a deadline on a day off rolls to the next working day.
 * Pure, no I/O.
 */
#ifndef MOTCUA_DUE_H
#define MOTCUA_DUE_H

#include "calendar.h"
#include "ts.h"

typedef enum { DUE_NONE = 0, DUE_WORKING_DAYS, DUE_DAYS, DUE_HOURS } due_unit;

/* Office hours for `hours` durations, minutes after local midnight:
 * default 07:30-11:30 and 13:00-17:00. */
typedef struct {
    int am_start, am_end, pm_start, pm_end;
} office_hours;

#define OFFICE_HOURS_DEFAULT { 450, 690, 780, 1020 }

/* "working_days", "days", "hours" -> unit; -1 for anything else. */
int due_unit_parse(const char *s, due_unit *out);
const char *due_unit_name(due_unit u);   /* NULL for DUE_NONE */

/* "07:30-11:30,13:00-17:00" -> hours. 0 ok, -1 invalid. */
int office_hours_parse(const char *s, office_hours *out);

/*
 * The due instant of a dossier received at `received` whose procedure takes
 * `duration` units: working_days: 17:00 local of the duration-th working day
 * after d(received); days: 17:00 of d(received) + duration, rolled forward to
 * the next working day when that is a day off; hours: `duration` working
 * hours from `received` counted within office hours on working days (the
 * exact instant). TS_NULL when unit is DUE_NONE, duration < 0 or received is
 * TS_NULL.
 */
ts_t due_compute(const calendar_t *cal, const office_hours *oh, ts_t received, int duration,
                 due_unit unit);

#endif
