/*
 * api_metrics.c - GET /v1/metrics (spec §5): parse the query, stream the
 * rows from the database into the aggregator, render JSON or CSV.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "metrics.h"

typedef struct {
    db_labels agency, procedure;
} labels_ctx;

static const char *lookup_label(void *ctx, dim_t dim, const char *key)
{
    labels_ctx *l = ctx;
    if (!key)
        return NULL;
    if (dim == DIM_AGENCY)
        return db_labels_find(&l->agency, key);
    if (dim == DIM_PROCEDURE)
        return db_labels_find(&l->procedure, key);
    return NULL;
}

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

void api_metrics(app_t *app, const http_req *req, http_resp *resp)
{
    metrics_query_t q;
    char bad[64], msg[256];
    if (query_parse_metrics(req->params, req->nparams, ts_now(), app->cfg->within, &q,
                            bad, sizeof bad, msg, sizeof msg) != 0) {
        resp_error(resp, 400, "%s", msg); /* msg names the parameter */
        return;
    }
    if (req_wants_csv(req))
        q.csv = true;
    db_conn *c = db_acquire(app->pool, app->cfg->db_wait_ms);
    if (!c) {
        resp_unavailable(resp, "no database connection is available; retry later");
        return;
    }
    labels_ctx labels = { { 0 }, { 0 } };
    target_set targets = { 0 };
    int rc;
    const calendar_t *cal = refdata_calendar(app->ref, c, &rc);
    feed_ctx f = { cal ? metrics_new(&q, cal) : NULL, 0 };
    if (rc == DB_OK && !f.m)
        rc = DB_ERROR;
    if (rc == DB_OK)
        rc = db_load_targets(c, &targets);
    if (rc == DB_OK && q.group_dim == DIM_AGENCY)
        rc = db_load_labels(c, "agency", &labels.agency);
    if (rc == DB_OK && q.group_dim == DIM_PROCEDURE)
        rc = db_load_labels(c, "procedure", &labels.procedure);
    if (rc == DB_OK)
        rc = db_metrics_rows(c, &q, cal, refdata_office_hours(app->ref), feed, &f);
    db_release(app->pool, c);

    if (f.rc == -2) {
        resp_error(resp, 400, "group_by: more than 10000 groups; narrow the filters");
    } else if (f.rc == -1 || (!f.m && rc == DB_OK)) {
        resp_error(resp, 500, "out of memory");
    } else if (rc != DB_OK) {
        api_db_failure(resp, rc, "the metrics query");
    } else if (q.csv) {
        size_t len = 0;
        char *csv = metrics_to_csv(f.m, &targets, app->cfg->tolerance_micro, lookup_label,
                                   &labels, &len);
        if (csv)
            resp_take(resp, 200, "text/csv; charset=utf-8", csv, len);
        else
            resp_error(resp, 500, "out of memory");
    } else {
        resp_json(resp, 200, metrics_to_json(f.m, &targets, app->cfg->tolerance_micro,
                                             lookup_label, &labels));
    }
    metrics_free(f.m);
    target_set_free(&targets);
    db_labels_free(&labels.agency);
    db_labels_free(&labels.procedure);
}
