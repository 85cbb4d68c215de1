/*
 * api.h - the handlers of the HTTP API (spec §7), one file per resource:
 * api_dossiers.c (ingest and one dossier), api_metrics.c, api_targets.c.
 * Each fills a response from a request; routing is in http.c.
 */
#ifndef MOTCUA_API_H
#define MOTCUA_API_H

#include "http.h"

void api_ingest(app_t *app, const http_req *req, http_resp *resp);
void api_dossier_get(app_t *app, const http_req *req, http_resp *resp, const char *code);
void api_metrics(app_t *app, const http_req *req, http_resp *resp);
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
