/*
 * db.h - everything motcua says to PostgreSQL. All SQL of the service lives in
 * db.c (and the migrations in sql/); handlers call these functions and never
 * build SQL themselves. Every value travels as a parameter.
 *
 * Connections come from a bounded pool: one PGconn per request at a time,
 * never shared between threads (libpq's rule). A broken connection is reset
 * on its next use, so the service reconnects by itself after the database
 * restarts.
 */
#ifndef MOTCUA_DB_H
#define MOTCUA_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "calendar.h"
#include "dossier.h"
#include "due.h"
#include "metrics.h"
#include "query.h"
#include "targets.h"

enum { DB_OK = 0, DB_ERROR = -1, DB_DOWN = -2, DB_RETRY = -3 };

typedef struct db_conn db_conn;
typedef struct db_pool db_pool;

/* A pool of at most `size` connections to conninfo, opened lazily. NULL on
 * allocation failure. The caller owns it (db_pool_free, after every
 * connection was released). */
db_pool *db_pool_new(const char *conninfo, int size);
void db_pool_free(db_pool *p);
/* A connection, waiting at most timeout_ms for a free one; NULL when none
 * became free or the database cannot be reached (answer 503). */
db_conn *db_acquire(db_pool *p, int timeout_ms);
void db_release(db_pool *p, db_conn *c);
/* The pool's use now (read under its mutex, for GET /metrics): its size,
 * the connections held by requests, the open ones waiting for a request. */
void db_pool_stats(db_pool *p, int *size, int *in_use, int *idle);
/* The last error of this connection, for logs. */
const char *db_error(db_conn *c);

/* One connection outside any pool (CLI commands). NULL and a message on failure. */
db_conn *db_connect(const char *conninfo, char *err, size_t cap);
void db_close(db_conn *c);

/* For the other modules of the db layer (db_reference.c), which share the
 * connection: its PGconn; the bookkeeping of a failed call (records the
 * error, clears res, returns DB_ERROR, DB_DOWN or DB_RETRY); a message of
 * their own (e.g. out of memory) for db_error. */
PGconn *db_pgconn(db_conn *c);
int db_fail(db_conn *c, const char *what, PGresult *res);
void db_set_error(db_conn *c, const char *msg);
/* The session's temporary staging tables (gone after a rollback or a
 * reconnect): whether one exists, and that it now does. Bits from 1 << 8
 * up mark the roll-up reader's prepared statements (db_rollup.c), cleared
 * with the rest (a statement prepared again answers 42P05, taken as done). */
enum { DB_STAGE_DOSSIER = 1, DB_STAGE_ROLLUP = 2 };
bool db_staged(const db_conn *c, unsigned bit);
void db_set_staged(db_conn *c, unsigned bit);

/* SELECT 1. */
int db_ping(db_conn *c);

/* Applies the embedded migrations that are not yet recorded, in order, each
 * in its own transaction, under an advisory lock (several instances may start
 * at once). *applied counts them. */
int db_migrate(db_conn *c, int *applied);

/* ---- ingest ---------------------------------------------------------------- */
int db_begin(db_conn *c);
int db_commit(db_conn *c);
void db_rollback(db_conn *c);

/* Locks the stored versions of `codes` (FOR UPDATE, in code order, so two
 * batches cannot deadlock on each other) and calls found() for each, with
 * strings in arena a. */
int db_lock_existing(db_conn *c, const char *const *codes, size_t n, arena_t *a,
                     void (*found)(void *ctx, const dossier_t *d), void *ctx);

/* Writes rows (inserts and replacements, one per code) with COPY into a
 * staging table and one upsert. *fresh = how many were new rows: fewer than
 * the caller expected means another batch inserted one of these codes first
 * (the caller rolls back and retries). */
int db_write_dossiers(db_conn *c, const dossier_t *const *rows, size_t n, size_t *fresh);

/* Inserts rows that are all new (no stored version was found under the
 * lock) with one COPY straight into the dossier table: no staging, no
 * upsert. DB_RETRY when another batch inserted one of the codes meanwhile
 * (unique violation; the caller rolls back and retries with the upsert). */
int db_insert_dossiers(db_conn *c, const dossier_t *const *rows, size_t n);

/* Latest-wins labels: codes[i] gets names[i] (codes unique). table is
 * "agency" or "procedure". */
int db_upsert_labels(db_conn *c, const char *table, const char *const *codes,
                     const char *const *names, size_t n);

/* ---- reads ---------------------------------------------------------------------- */

/* One dossier by code, strings in arena a; labels in *agency_name /
 * *procedure_name (may be NULL). out->due_at is the effective due date
 * (spec §4, §6): the stored one, else the one computed with cal and oh from
 * the catalog's duration (*due_computed true), else TS_NULL. DB_OK,
 * DB_ERROR, DB_DOWN, or 1 not found. */
int db_get_dossier(db_conn *c, const char *code, const calendar_t *cal, const office_hours *oh,
                   arena_t *a, dossier_t *out, const char **agency_name,
                   const char **procedure_name, bool *due_computed);

/* Streams the rows a metrics query needs (see metrics.h) in single-row mode,
 * so memory does not grow with the table. Each row's due_at is the effective
 * due date (computed with cal and oh from the catalog when the dossier has
 * none; never cached, so a catalog or calendar change shows at once).
 * row() returning nonzero stops it. */
int db_metrics_rows(db_conn *c, const metrics_query_t *q, const calendar_t *cal,
                    const office_hours *oh, int (*row)(void *ctx, const metrics_row_t *r),
                    void *ctx);

/* For the db layer (db_rollup.c): streams the metrics rows of the dossiers
 * selected by `where` (SQL over "dossier d LEFT JOIN procedure p", every
 * value a parameter), as db_metrics_rows does. */
int db_stream_rows(db_conn *c, const char *where, int nparams, const char *const *params,
                   const calendar_t *cal, const office_hours *oh,
                   int (*row)(void *ctx, const metrics_row_t *r), void *ctx);
/* A query's filters as six parameters (agency, agency prefix, procedure,
 * field, channel, service level; NULL = none), texts kept in *f. */
typedef struct {
    char ch[8], lvl[8], prefix[FILTER_MAX * 4 + 2];
} db_filter_buf;
void db_filter_params(const metrics_query_t *q, db_filter_buf *f, const char **out);

/* code -> name of every agency or procedure ("agency" / "procedure"), sorted
 * by code for binary search. The caller frees with db_labels_free. */
typedef struct {
    char **code, **name;
    size_t n;
} db_labels;
int db_load_labels(db_conn *c, const char *table, db_labels *out);
const char *db_labels_find(const db_labels *l, const char *code);
void db_labels_free(db_labels *l);

int db_load_targets(db_conn *c, target_set *out);
int db_replace_targets(db_conn *c, const target_set *s);

#endif
