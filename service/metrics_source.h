/*
 * metrics_source.h - where the numbers of a metrics query come from. Every
 * caller that needs a metrics result (GET /v1/metrics, rankings, series,
 * `motcua report`) fills it through this one function, so the choice between
 * the roll-up tables and the dossier rows is made in one place.
 */
#ifndef MOTCUA_METRICS_SOURCE_H
#define MOTCUA_METRICS_SOURCE_H

#include "db.h"
#include "due.h"
#include "metrics.h"

/* Adds to m (made with metrics_new for q) everything q counts. Returns DB_OK,
 * DB_ERROR, DB_DOWN or DB_RETRY; when the aggregator refused a row, DB_OK is
 * not returned and *add_rc holds metrics_add's code (-1 out of memory, -2 too
 * many groups), else *add_rc is 0. */
int metrics_source_fill(db_conn *c, const metrics_query_t *q, const calendar_t *cal,
                        const office_hours *oh, metrics_result_t *m, int *add_rc);

#endif
