/*
 * api.h - the handlers of the HTTP API (spec §7), one file per resource:
 * api_dossiers.c (ingest and one dossier), api_metrics.c, api_targets.c.
 * Each fills a response from a request; routing is in http.c.
 */
#ifndef MOTCUA_API_H
#define MOTCUA_API_H

#include "http.h"
#include "metrics.h"

void api_ingest(app_t *app, const http_req *req, http_resp *resp);
void api_dossier_get(app_t *app, const http_req *req, http_resp *resp, const char *code);
void api_metrics(app_t *app, const http_req *req, http_resp *resp);

/* One metrics query run against the database, shared by /v1/metrics and
 * /v1/rankings (api_metrics.c): the aggregate, the targets and the labels of
 * the grouping dimension. Owned by the caller (api_metrics_run_free). */
typedef struct {
    metrics_result_t *m;
    target_set targets;
    db_labels agency, procedure;
} metrics_run_t;

/* Runs q. 0 ok; -1 with resp filled (400 naming group_param when there are
 * too many groups, 500, 503). */
int api_metrics_run(app_t *app, const metrics_query_t *q, const char *group_param,
                    metrics_run_t *run, http_resp *resp);
void api_metrics_run_free(metrics_run_t *run);
/* The same on a connection in hand (api_metrics_run, `motcua report`): the
 * calendar through ref, the targets, the labels of the grouping dimension,
 * then metrics_source_fill. DB_OK, or a db.h code with run freed; *add_rc is
 * -1 out of memory, -2 too many groups, else 0. */
int api_metrics_load(db_conn *c, refdata_t *ref, const metrics_query_t *q, metrics_run_t *run,
                     int *add_rc);
/* A label_fn (metrics.h) over a run's labels; ctx is the metrics_run_t. */
const char *api_metrics_label(void *ctx, dim_t dim, const char *key);
void api_targets_get(app_t *app, const http_req *req, http_resp *resp);
void api_targets_put(app_t *app, const http_req *req, http_resp *resp);
/* GET /v1/audit: the ingest audit trail (admins; api_dossiers.c). */
void api_audit(app_t *app, const http_req *req, http_resp *resp);
/* Monitoring lists: GET /v1/dossiers?state=... (api_lists.c). */
void api_list(app_t *app, const http_req *req, http_resp *resp);
/* GET /v1/rankings (api_rankings.c), GET /v1/metrics/series (api_series.c). */
void api_rankings(app_t *app, const http_req *req, http_resp *resp);
void api_series(app_t *app, const http_req *req, http_resp *resp);
/* Reference data (api_reference.c): the procedure catalog and the calendar. */
void api_procedures_get(app_t *app, const http_req *req, http_resp *resp);
void api_procedures_put(app_t *app, const http_req *req, http_resp *resp);
void api_calendar_get(app_t *app, const http_req *req, http_resp *resp);
void api_calendar_put(app_t *app, const http_req *req, http_resp *resp);

/* The HTTP status for a db.h failure code (503 when the database is down). */
void api_db_failure(http_resp *resp, int rc, const char *what);

#endif
