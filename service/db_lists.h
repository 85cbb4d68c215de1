/*
 * db_lists.h - the SQL of the monitoring lists (GET /v1/dossiers?state=).
 *
 * Why a file of its own: the lists read differently from the metrics (open
 * dossiers through the partial indexes of open dossiers, in batches in due
 * date order, whole rows with their labels and catalog duration), and keeping
 * that SQL apart from db.c lets it grow without touching the ingest path.
 * Like db.c: every value is a parameter, results are binary, rows stream in
 * single-row mode so memory does not grow with the table. The rows are
 * candidates: a superset of the list, narrowed with index-friendly
 * predicates; the caller classifies each one (classify.h) and keeps what the
 * state selects.
 */
#ifndef MOTCUA_DB_LISTS_H
#define MOTCUA_DB_LISTS_H

#include <stdbool.h>
#include "db.h"
#include "dossier.h"
#include "lists.h"
#include "query.h"

typedef enum {
    DBL_OPEN = 0,     /* counted, received <= as_of, not finished at as_of */
    DBL_FINISHED,     /* finished in [finished_from, as_of] */
    DBL_REOPENED      /* the part of DBL_OPEN with status 7-10 (finished after as_of) */
} db_list_mode;

typedef struct {
    db_list_mode mode;
    ts_t as_of;
    const metrics_query_t *filters;  /* agency (exact or prefix*), procedure, field,
                                        channel, service_level (own, else the catalog's) */
    /* Narrowing for DBL_OPEN (each keeps a superset of what the state selects): */
    bool waiting_only;     /* status 5 or 6 */
    ts_t due_before;       /* TS_NULL, or: due_at IS NULL OR supplement_count > 1 OR due_at < this */
    ts_t due_from, due_to; /* TS_NULL, or: supplement_count <= 1 AND (due_at IS NULL OR
                              due_at in [due_from, due_to]) */
    /* DBL_FINISHED: */
    ts_t finished_from;
    bool late_only;        /* due_at IS NULL OR supplement_count > 1 OR d(finished) > d(due_at) */
} db_list_query;

typedef struct {
    dossier_t d;                    /* stored fields; strings valid during the callback only */
    const char *agency_name;        /* labels, NULL when unknown */
    const char *procedure_name;
    int cat_duration;               /* the procedure catalog's duration, -1 when none */
    const char *cat_unit;           /* its duration_unit, NULL when none */
} db_list_row;

/* Streams the candidate rows; row() returning nonzero stops (the rest is
 * drained) and makes the call return DB_ERROR. */
int db_list_rows(db_conn *c, const db_list_query *q,
                 int (*row)(void *ctx, const db_list_row *r), void *ctx);

/* The batches of one page read one snapshot: a read-only REPEATABLE READ
 * transaction (allowed on a hot standby too), so a dossier updated between
 * two batches is neither read twice nor missed. begin: DB_OK or an error;
 * end commits (ok) or rolls back, and leaves the connection idle either way. */
int db_list_snapshot_begin(db_conn *c);
int db_list_snapshot_end(db_conn *c, bool ok);

/* One batch of stream s (lists.h; not LIST_STREAM_REOPENED, which is
 * db_list_rows in mode DBL_REOPENED): the open dossiers (status 2, 4, 5, 6)
 * of the stream's index range that pass q's filters (as_of and filters;
 * the other fields of q are ignored), with a key after
 * (s->last_key, s->last_code) when s->started, in the order of (key, code)
 * (code bytewise), at most s->batch of them. Streams them like db_list_rows
 * and sets *rows to how many were passed to row(). */
int db_list_stream(db_conn *c, const db_list_query *q, const list_stream *s,
                   int (*row)(void *ctx, const db_list_row *r), void *ctx, size_t *rows);

#endif
