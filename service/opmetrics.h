/*
 * opmetrics.h - the operational metrics served at GET /metrics (Prometheus
 * text exposition format 0.0.4): requests by route and status, request
 * latency, ingested records by outcome, database pool use, open dossiers by
 * state.
 *
 * Why it looks like this: the counters are one registry object owned by the
 * server (app_t.ops, created in main.c), updated with relaxed atomics from
 * every connection thread, so recording a request costs a few atomic adds and
 * takes no lock. Route labels come from a fixed table given at creation
 * (the routing table, "/v1/dossiers/{code}", "other"), never from the raw URL,
 * so the number of series is bounded. The rendering is pure; the gauges read
 * at scrape time (pool, open dossiers) are passed in by the caller. Every
 * function accepts a NULL registry and then does nothing (renders nothing).
 */
#ifndef MOTCUA_OPMETRICS_H
#define MOTCUA_OPMETRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "db.h"
#include "due.h"
#include "ts.h"

#define OPM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The upper bounds (seconds) of the latency histogram's buckets, +Inf aside. */
#define OPM_NBUCKETS 12
extern const double OPM_BUCKETS[OPM_NBUCKETS];

typedef struct opmetrics opmetrics;

/* A registry whose requests are labelled with labels[0..n) (the array is
 * copied; the strings are borrowed and must outlive it: static strings).
 * NULL when out of memory. */
opmetrics *opmetrics_new(const char *const *labels, size_t n);
void opmetrics_free(opmetrics *m);

/* One finished request: route index (< n, else ignored), HTTP status (a
 * status outside 100..599, e.g. 0 for a connection closed before any
 * response, is counted as "0"), duration in seconds. Thread-safe. */
void opmetrics_request(opmetrics *m, size_t route, int status, double seconds);

/* The outcome counts of one successful ingest. Thread-safe. */
void opmetrics_ingest(opmetrics *m, int64_t inserted, int64_t updated, int64_t unchanged,
                      int64_t stale, int64_t rejected);

/* The gauges read at scrape time; a part whose *_known is false is left out. */
typedef struct {
    bool pool_known;
    int pool_size, pool_in_use, pool_idle;
    bool open_known;
    int64_t open_in_time, open_overdue, open_waiting;
    bool read_pool_known;      /* a read replica's pool (MOTCUA_DB_READ) */
    int read_pool_size, read_pool_in_use, read_pool_idle;
} opm_gauges;

/* The exposition text (malloc'd, NUL-terminated, *len its length), or NULL
 * when out of memory. */
char *opmetrics_render(const opmetrics *m, const opm_gauges *g, size_t *len);

/* Counts the open dossiers at as_of exactly as GET /v1/dossiers?state= lists
 * them: each open dossier streamed from the database (db_lists.h, O(1)
 * memory per row) gets its effective due date (stored, else computed from
 * the catalog) and is classified by classify(); in_time and overdue split
 * the open dossiers (state=pending), waiting is the state=waiting list (a
 * subset of both). Fills the open_* fields of g; DB_OK or a db.h code. */
int opmetrics_count_open(db_conn *c, const calendar_t *cal, const office_hours *oh, ts_t as_of,
                         int within, opm_gauges *g);

#endif
