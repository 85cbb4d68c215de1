/*
 * ingest.h - storing a batch of records with the upsert rule of spec §3.3.
 *
 * Records arrive one by one from the body parser (as a record_sink). They are
 * gathered into chunks (a writer thread stores one while the parser fills
 * the next); each chunk is one transaction: lock the stored
 * versions of its codes, decide every record's outcome in C (ingest_decide,
 * in batch order, so a code sent twice behaves as two sends), write the
 * winners with COPY + one upsert, commit. A record is therefore durable
 * before the response counts it, a crash leaves each record fully stored or
 * not at all, and re-sending converges.
 */
#ifndef MOTCUA_INGEST_H
#define MOTCUA_INGEST_H

#include <jansson.h>
#include "body.h"
#include "db.h"
#include "refdata.h"

typedef enum { OUT_INSERTED = 0, OUT_UPDATED, OUT_UNCHANGED, OUT_STALE } ingest_outcome;

/* The outcome of applying `in` on top of `stored` (NULL: no stored version). Pure. */
ingest_outcome ingest_decide(const dossier_t *stored, const dossier_t *in);

typedef struct {
    long received, inserted, updated, unchanged, stale, rejected;
} ingest_counts;

#define INGEST_MAX_ERRORS 1000
#define INGEST_CHUNK 40000

typedef struct ingest ingest_t;

/* A new ingest writing through c (borrowed). format decides how record
 * positions are reported (CSV: line). ref (borrowed) gives the calendar and
 * office hours with which each chunk adjusts the roll-up tables in its own
 * transaction (docs/ROLLUPS.md). NULL when out of memory. */
ingest_t *ingest_new(db_conn *c, body_format format, size_t chunk, refdata_t *ref);
/* A second connection (borrowed), before the first record: two chunks are
 * then stored at once, one on each (a chunk sharing a code with the one in
 * flight waits for it). 0 ok, -1 not taken (out of memory, or too late). */
int ingest_add_conn(ingest_t *in, db_conn *c);
void ingest_free(ingest_t *in);

/* The sink to give body_parse(). */
record_sink ingest_sink(ingest_t *in);

/* Limits the ingest to an agency scope (auth.h; NULL = every agency,
 * borrowed): a record outside it is rejected on agency_code. */
void ingest_set_scope(ingest_t *in, const char *scope);

/* Writes what is still buffered. DB_OK, or the db.h code of the failure that
 * stopped the ingest (the sink then aborted the parse). Chunks are written
 * by a thread of the ingest; after the parse, call ingest_finish, or
 * ingest_abort when the parse failed (out of memory, aborted), before using
 * the connection again: both return only when that thread is done with it. */
int ingest_finish(ingest_t *in);
/* Stops after the chunks already handed over; what is still buffered is
 * dropped. */
void ingest_abort(ingest_t *in);
/* The failure that stopped the ingest (DB_OK when none). */
int ingest_status(const ingest_t *in);

const ingest_counts *ingest_get_counts(const ingest_t *in);

/* Called after every committed chunk (progress of `motcua import`). */
void ingest_on_progress(ingest_t *in, void (*cb)(void *ctx, const ingest_counts *c), void *ctx);

/* The errors listed so far (at most INGEST_MAX_ERRORS; borrowed). */
json_t *ingest_errors(const ingest_t *in);

/* The response body of spec §3.3 (caller owns). NULL when out of memory. */
json_t *ingest_result_json(const ingest_t *in);

#endif
