/*
 * metrics_source.c - fills a metrics result from the database (see the
 * header for why this is one function).
 */
#include "metrics_source.h"

typedef struct {
    metrics_result_t *m;
    int rc;
} feed_ctx;

static int feed(void *ctx, const metrics_row_t *row)
{
    feed_ctx *f = ctx;
    f->rc = metrics_add(f->m, row);
    return f->rc;
}

int metrics_source_fill(db_conn *c, const metrics_query_t *q, const calendar_t *cal,
                        const office_hours *oh, metrics_result_t *m, int *add_rc)
{
    feed_ctx f = { m, 0 };
    int rc = db_metrics_rows(c, q, cal, oh, feed, &f);
    *add_rc = f.rc;
    if (f.rc != 0 && rc == DB_OK)
        rc = DB_ERROR;
    return rc;
}
