/*
 * api_dossiers.c - POST /v1/dossiers (ingest, spec §3) and
 * GET /v1/dossiers/{code} (one dossier with its class at as_of, spec §7; its
 * due_at is the effective due date, computed from the procedure catalog and
 * the calendar when the dossier has none: due_computed true).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "body.h"
#include "classify.h"
#include "db_audit.h"
#include "ingest.h"
#include "view.h"

void api_db_failure(http_resp *resp, int rc, const char *what)
{
    if (rc == DB_DOWN)
        resp_unavailable(resp, "the database is not available; retry later");
    else if (rc == DB_RETRY) /* e.g. a read replica cancelled the query to replay (40001) */
        resp_unavailable(resp, "the database cancelled the query; retry later");
    else
        resp_error(resp, 500, "%s failed", what);
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Records the batch in the audit trail. A failure there is logged, not
 * answered: the records themselves are already committed. */
static void audit(db_conn *c, const http_req *req, body_format fmt, const http_resp *resp,
                  const ingest_t *in, bool counted, const char *message,
                  const struct timespec *t0)
{
    static const char *const FORMATS[] = { "json", "ndjson", "csv" };
    audit_entry e = { req->key_id, "http", FORMATS[fmt], resp->status,
                      counted ? ingest_get_counts(in) : NULL, message,
                      counted ? ingest_errors(in) : NULL, elapsed_ms(t0) };
    if (db_audit_insert(c, &e) != DB_OK)
        fprintf(stderr, "{\"level\":\"warning\",\"msg\":\"ingest audit not recorded\"}\n");
}

void api_ingest(app_t *app, const http_req *req, http_resp *resp)
{
    body_format fmt;
    char msg[256];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (body_format_from_content_type(req->content_type, &fmt) != 0) {
        resp_error(resp, 415, "Content-Type must be application/json, application/x-ndjson "
                              "or text/csv (UTF-8)");
        return;
    }
    db_conn *c = db_acquire(app->pool, app->cfg->db_wait_ms);
    if (!c) {
        resp_unavailable(resp, "no database connection is available; retry later");
        return;
    }
    ingest_t *in = ingest_new(c, fmt, INGEST_CHUNK, app->ref);
    if (!in) {
        db_release(app->pool, c);
        resp_error(resp, 500, "out of memory");
        return;
    }
    /* A second connection, if one is free now, lets two chunks be stored at
     * once; without it the ingest runs on one. */
    db_conn *c2 = db_acquire(app->pool, 0);
    if (c2 && ingest_add_conn(in, c2) != 0) {
        db_release(app->pool, c2);
        c2 = NULL;
    }
    ingest_set_scope(in, req->scope);
    record_sink sink = ingest_sink(in);
    int rc = body_parse(fmt, req->body, req->body_len, &sink, msg, sizeof msg);
    bool db_failed = false;
    if (rc == BODY_NOMEM || rc == BODY_ABORTED)
        ingest_abort(in);   /* the writer thread lets go of c */
    if (rc == BODY_INVALID) {
        resp_error_code(resp, 400, "invalid_body", msg);
    } else if (rc == BODY_NOMEM) {
        resp_error(resp, 500, "out of memory");
    } else if (rc == BODY_ABORTED || ingest_finish(in) != DB_OK) {
        json_t *line = json_pack("{ssssss}", "level", "error", "msg", "ingest: database write failed",
                                 "db", db_error(c));
        char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
        if (text)
            fprintf(stderr, "%s\n", text);
        free(text);
        json_decref(line);
        api_db_failure(resp, ingest_status(in), "storing the dossiers");
        db_failed = true;
    } else {
        resp_json(resp, 200, ingest_result_json(in));
        if (resp->status == 200) {
            const ingest_counts *k = ingest_get_counts(in);
            opmetrics_ingest(app->ops, k->inserted, k->updated, k->unchanged, k->stale,
                             k->rejected);
        }
    }
    if (!db_failed) /* with the database gone, there is nowhere to write the audit */
        audit(c, req, fmt, resp, in, rc != BODY_INVALID, rc == BODY_INVALID ? msg : NULL, &t0);
    ingest_free(in);
    if (c2)
        db_release(app->pool, c2);
    db_release(app->pool, c);
}

/* GET /v1/audit?limit=100&before=ID: the ingest audit trail, newest first (admins). */
void api_audit(app_t *app, const http_req *req, http_resp *resp)
{
    const char *l = req_param(req, "limit"), *b = req_param(req, "before");
    long limit = 100;
    long long before = 0;
    char *end;
    if (l && (!*l || l[0] < '0' || l[0] > '9' || (limit = strtol(l, &end, 10), *end) ||
              limit < 1 || limit > 1000)) {
        resp_error(resp, 400, "limit: a whole number from 1 to 1000");
        return;
    }
    if (b && (!*b || b[0] < '0' || b[0] > '9' || (before = strtoll(b, &end, 10), *end) ||
              before < 1)) {
        resp_error(resp, 400, "before: an audit entry id");
        return;
    }
    db_conn *c = db_acquire(app_read_pool(app), app->cfg->db_wait_ms);
    if (!c) {
        resp_unavailable(resp, "no database connection is available; retry later");
        return;
    }
    json_t *items = NULL;
    int rc = db_audit_list(c, before, (int)limit, &items);
    db_release(app_read_pool(app), c);
    if (rc != DB_OK) {
        api_db_failure(resp, rc, "reading the audit trail");
        return;
    }
    resp_json(resp, 200, json_pack("{so}", "items", items));
}

/* ---- one dossier ------------------------------------------------------------------ */

/* as_of (default now) and within (default from the configuration). */
static int instant_params(const app_t *app, const http_req *req, http_resp *resp, ts_t *as_of,
                          int *within)
{
    const char *a = req_param(req, "as_of");
    const char *w = req_param(req, "within");
    *as_of = ts_now();
    *within = app->cfg->within;
    if (a && ts_parse(a, strlen(a), TS_DATE_MIDNIGHT, as_of) != 0) {
        resp_error(resp, 400, "as_of: not a valid timestamp");
        return -1;
    }
    if (w) {
        char *end;
        long v = strtol(w, &end, 10);
        if (!*w || *end || *w == '-' || *w == '+' || v < 0 || v > 366) {
            resp_error(resp, 400, "within: must be a whole number of working days, 0 to 366");
            return -1;
        }
        *within = (int)v;
    }
    return 0;
}

void api_dossier_get(app_t *app, const http_req *req, http_resp *resp, const char *code)
{
    ts_t as_of;
    int within;
    if (instant_params(app, req, resp, &as_of, &within) != 0)
        return;
    db_conn *c = db_acquire(app_read_pool(app), app->cfg->db_wait_ms);
    if (!c) {
        resp_unavailable(resp, "no database connection is available; retry later");
        return;
    }
    arena_t a;
    arena_init(&a);
    dossier_t d;
    const char *aname = NULL, *pname = NULL;
    bool due_computed = false;
    int rc;
    const calendar_t *cal = refdata_calendar(app->ref, c, &rc);
    if (rc == DB_OK) /* d.due_at: the effective due date (spec §4, §6) */
        rc = db_get_dossier(c, code, cal, refdata_office_hours(app->ref), &a, &d, &aname,
                            &pname, &due_computed);
    db_release(app_read_pool(app), c);
    if (rc == DB_OK && !auth_scope_covers(req->scope, d.agency_code))
        rc = 1; /* another agency's dossier does not exist for a scoped key (spec §7) */
    if (rc == 1) {
        resp_error(resp, 404, "no dossier with this code");
    } else if (rc != DB_OK) {
        api_db_failure(resp, rc, "reading the dossier");
    } else {
        cls_input_t ci = { d.status, d.received_at, d.due_at, d.finished_at,
                           d.supplement_requested_at, d.updated_at, d.supplement_count };
        cls_result_t cr;
        classify(&ci, as_of, within, cal, &cr);
        resp_json(resp, 200, dossier_view_json(&d, aname, pname, due_computed, &cr));
    }
    arena_free(&a);
}
