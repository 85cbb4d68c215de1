/*
 * api_metrics.c - GET /v1/metrics (spec §5): parse the query, stream the
 * numbers into the aggregator (metrics_source.c), render JSON or CSV.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "metrics.h"
#include "metrics_source.h"

const char *api_metrics_label(void *ctx, dim_t dim, const char *key)
{
    const metrics_run_t *run = ctx;
    if (!key)
        return NULL;
    if (dim == DIM_AGENCY)
        return db_labels_find(&run->agency, key);
    if (dim == DIM_PROCEDURE)
        return db_labels_find(&run->procedure, key);
    return NULL;
}

void api_metrics_run_free(metrics_run_t *run)
{
    metrics_free(run->m);
    target_set_free(&run->targets);
    db_labels_free(&run->agency);
    db_labels_free(&run->procedure);
    memset(run, 0, sizeof *run);
}

int api_metrics_load(db_conn *c, refdata_t *ref, const metrics_query_t *q, metrics_run_t *run,
                     int *add_rc)
{
    memset(run, 0, sizeof *run);
    *add_rc = 0;
    int rc;
    const calendar_t *cal = refdata_calendar(ref, c, &rc);
    if (rc == DB_OK && !cal)
        rc = DB_ERROR;
    if (rc == DB_OK && !(run->m = metrics_new(q, cal))) {
        *add_rc = -1;
        rc = DB_ERROR;
    }
    if (rc == DB_OK)
        rc = db_load_targets(c, &run->targets);
    if (rc == DB_OK && q->group_dim == DIM_AGENCY)
        rc = db_load_labels(c, "agency", &run->agency);
    if (rc == DB_OK && q->group_dim == DIM_PROCEDURE)
        rc = db_load_labels(c, "procedure", &run->procedure);
    if (rc == DB_OK)
        rc = metrics_source_fill(c, q, cal, refdata_office_hours(ref), run->m, add_rc);
    if (rc != DB_OK)
        api_metrics_run_free(run);
    return rc;
}

int api_metrics_run(app_t *app, const metrics_query_t *q, const char *group_param,
                    metrics_run_t *run, http_resp *resp)
{
    memset(run, 0, sizeof *run);
    db_conn *c = db_acquire(app_read_pool(app), app->cfg->db_wait_ms);
    if (!c) {
        resp_unavailable(resp, "no database connection is available; retry later");
        return -1;
    }
    int add_rc = 0;
    int rc = api_metrics_load(c, app->ref, q, run, &add_rc);
    db_release(app_read_pool(app), c);

    if (add_rc == -2)
        resp_error(resp, 400, "%s: more than 10000 groups; narrow the filters", group_param);
    else if (add_rc == -1)
        resp_error(resp, 500, "out of memory");
    else if (rc != DB_OK)
        api_db_failure(resp, rc, "the metrics query");
    else
        return 0;
    return -1;
}

void api_metrics(app_t *app, const http_req *req, http_resp *resp)
{
    metrics_query_t q;
    metrics_run_t run;
    char bad[64], msg[256];
    if (query_parse_metrics(req->params, req->nparams, ts_now(), app->cfg->within, &q,
                            bad, sizeof bad, msg, sizeof msg) != 0) {
        resp_error(resp, 400, "%s", msg); /* msg names the parameter */
        return;
    }
    if (req_wants_csv(req))
        q.csv = true;
    if (api_metrics_run(app, &q, "group_by", &run, resp) != 0)
        return;
    if (q.csv) {
        size_t len = 0;
        char *csv = metrics_to_csv(run.m, &run.targets, app->cfg->tolerance_micro,
                                   api_metrics_label, &run, &len);
        if (csv)
            resp_take(resp, 200, "text/csv; charset=utf-8", csv, len);
        else
            resp_error(resp, 500, "out of memory");
    } else {
        /* the text straight away, not a jansson tree dumped (bench/render.c) */
        size_t len = 0;
        char *json = metrics_to_json_text(run.m, &run.targets, app->cfg->tolerance_micro,
                                          api_metrics_label, &run, &len);
        if (json)
            resp_take(resp, 200, "application/json", json, len);
        else
            resp_error(resp, 500, "out of memory");
    }
    api_metrics_run_free(&run);
}
