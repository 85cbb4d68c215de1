/*
 * db_rollup.h - the SQL of the roll-up tables (sql/005_rollup.sql): writing
 * the deltas that rollup.c computes, reading the sums a metrics query needs,
 * recomputing after a catalog or calendar change, rebuilding from scratch.
 *
 * Consistency: the roll-ups are a function of the dossier rows, the catalog
 * and the calendar. Every writer of any of the three holds the reference lock
 * (a row lock on reference_version) for its whole transaction: shared by
 * ingest chunks, exclusive for catalog and calendar changes and rebuilds. So
 * an ingest chunk computes its deltas with the catalog and calendar that
 * stay in force until it commits.
 */
#ifndef MOTCUA_DB_ROLLUP_H
#define MOTCUA_DB_ROLLUP_H

#include <stdbool.h>
#include "arena.h"
#include "db.h"
#include "rollup.h"

/* Inside a transaction: the reference lock, shared or exclusive. */
int db_reference_lock(db_conn *c, bool exclusive);

/* Whether the roll-ups hold the whole dossier table (rollup_state). */
int db_rollup_built(db_conn *c, bool *built);

/* The catalog entries of codes (duplicates allowed), sorted by code
 * (strcmp) in *out (malloc'd, caller frees; strings in arena a). */
int db_rollup_catalog(db_conn *c, const char *const *codes, size_t n, arena_t *a,
                      ru_catalog **out, size_t *nout);
/* The entry of code in a sorted catalog, or NULL. */
const ru_catalog *ru_catalog_find(const ru_catalog *v, size_t n, const char *code);

/* Writes the accumulated deltas (COPY into a staging table, one upsert per
 * table, in key order) and clears acc. Inside a transaction. */
int db_rollup_apply(db_conn *c, rollup_acc *acc);

/* Adds sign times the contributions of the dossiers of procedures codes /
 * of the dossiers a change of the days lo..hi can affect (received by the
 * end of hi, and open or finished from lo on), computed with cal, oh and the
 * catalog as the transaction sees it now. Large sets are written as they go.
 * Inside a transaction holding the exclusive reference lock. */
int db_rollup_pass_procedures(db_conn *c, rollup_acc *acc, const calendar_t *cal,
                              const office_hours *oh, const char *const *codes, size_t n,
                              int sign);
int db_rollup_pass_days(db_conn *c, rollup_acc *acc, const calendar_t *cal,
                        const office_hours *oh, day_t lo, day_t hi, int sign);

/* Recomputes the roll-ups from the dossier table in one transaction (under
 * the exclusive reference lock, so ingest waits) and marks them built.
 * progress(ctx, rows) is called now and then. */
int db_rollup_rebuild(db_conn *c, const office_hours *oh,
                      void (*progress)(void *ctx, long rows), void *ctx);

/* The sums of one window and group: win, the group key (NULL for the null
 * key or no grouping), the counters v and durations h (h[k]: of k working
 * days), or for the long tail (h NULL) wd and v[0] durations of wd days. */
typedef int (*db_rollup_each)(void *ctx, int win, const char *key, const int64_t *v,
                              const int64_t *h, int64_t wd);
/* What to sum: every counter and duration column; only the open-state
 * deltas (what the window before the period needs); the long durations. */
typedef enum { RU_SUM_ALL, RU_SUM_STATES, RU_SUM_LONG } ru_sum_kind;
/* Sums rows of level of detail lod over the segments, filtered as q says,
 * grouped by window and by q's grouping dimension (none for time buckets).
 * each() returning nonzero stops it (DB_ERROR). */
int db_rollup_sums(db_conn *c, const metrics_query_t *q, int lod, const ru_segment *seg,
                   size_t nseg, ru_sum_kind kind, db_rollup_each each, void *ctx);

/* The metrics rows passing q's filters with an event (reception, finish,
 * start of a wait) in (after, until]. */
int db_rollup_event_rows(db_conn *c, const metrics_query_t *q, ts_t after, ts_t until,
                         const calendar_t *cal, const office_hours *oh,
                         int (*row)(void *ctx, const metrics_row_t *r), void *ctx);

#endif
