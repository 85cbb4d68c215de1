/*
 * classify.h - the deadline classification of one dossier (spec §4).
 *
 * Pure: takes the fields that matter and an evaluation instant, returns the
 * class, flags and working-day counts. Every count motcua serves is built from
 * this one function, so the rules live in exactly one place.
 */
#ifndef MOTCUA_CLASSIFY_H
#define MOTCUA_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>
#include "calendar.h"
#include "ts.h"

typedef enum {
    CLS_NONE = 0,   /* not classified: status 1/3, or received after as_of */
    CLS_EARLY,      /* finished before the due date (trước hạn) */
    CLS_ON_TIME,    /* finished on the due date (đúng hạn) */
    CLS_LATE,       /* finished after it (quá hạn) */
    CLS_IN_TIME,    /* open, still in time */
    CLS_OVERDUE     /* open, past due */
} cls_t;

typedef struct {
    int status;                 /* 1..10 (DVCQG numbers) */
    ts_t received_at;           /* TS_NULL allowed only for status 1/3 */
    ts_t due_at;                /* effective due instant, TS_NULL = no deadline */
    ts_t finished_at;
    ts_t supplement_requested_at;
    ts_t updated_at;
    int supplement_count;
} cls_input_t;

typedef struct {
    cls_t cls;
    bool finished;          /* finished at as_of (status 7-10, finished_at <= as_of) */
    bool waiting;           /* open, status 5/6, wait began at or before as_of */
    bool due_soon;          /* in time, not waiting, has deadline, due within `within` working days */
    int64_t wd_overdue;     /* working_days_overdue, or -1 (null) */
    int64_t wd_left;        /* working_days_left, or -1 (null) */
} cls_result_t;

const char *cls_name(cls_t c); /* "early", "on_time", "late", "in_time", "overdue"; NULL for CLS_NONE */

/* Classifies at instant as_of; `within` is the due_soon horizon in working days (>= 0). */
void classify(const cls_input_t *in, ts_t as_of, int within, const calendar_t *cal,
              cls_result_t *out);

#endif
