/*
 * refdata.h - the reference data every request needs in memory: the
 * working-day calendar (rules + the overrides stored in the database) and
 * the office hours. The calendar is rebuilt when the overrides change — in
 * this instance (PUT /v1/calendar) or in another one (a version number in the
 * database, checked once per request) — and swapped in atomically. A calendar
 * handed out stays valid until refdata_free (old ones are kept, they are
 * small and replaced only by an administrator's change), so a request never
 * sees a calendar disappear under it.
 */
#ifndef MOTCUA_REFDATA_H
#define MOTCUA_REFDATA_H

#include "calendar.h"
#include "db.h"
#include "due.h"

typedef struct refdata refdata_t;

/* NULL on allocation failure. The caller owns it. */
refdata_t *refdata_new(const office_hours *oh);
void refdata_free(refdata_t *r);

/* The current calendar, reloaded through c when the stored overrides changed
 * since it was built. Never NULL after a successful refdata_load. On a
 * database error the calendar in hand is returned (and *rc set). */
const calendar_t *refdata_calendar(refdata_t *r, db_conn *c, int *rc);
/* Loads (or reloads) the calendar now. DB_OK or a db.h code. */
int refdata_load(refdata_t *r, db_conn *c);
const office_hours *refdata_office_hours(const refdata_t *r);
/* A new calendar of the rules plus the overrides stored now, as the
 * current transaction of c sees them (caller frees with calendar_free). */
int refdata_build(db_conn *c, calendar_t **out);

#endif
