/*
 * http.c - libmicrohttpd glue: per-request state, the body limit, routing,
 * error bodies, the access log and a graceful stop. Everything about HTTP
 * that is not a handler's business is here.
 */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "body.h"
#include "hdrwatch.h"
#include "openapi.h"
#include "static.h"

struct http_server {
    struct MHD_Daemon *d;
    app_t *app;
    pthread_mutex_t mu;
    int active;               /* requests between their first call and completion */
    int port;
    hdrwatch *hw;             /* request-header deadline, NULL when off (hdrwatch.h) */
};

/* Per-request state, from the first call of the access handler to completion. */
typedef struct {
    http_server *srv;
    struct timespec start;
    char *body;
    size_t len, cap;
    int rejected;             /* a response was queued before the body was read */
    int overflow;             /* the body went over the limit (413) or memory (500) */
    int status;
    size_t route;             /* label index of the operational metrics (route_index) */
    char method[16];
    char path[256];
    char key_id[AUTH_ID_LEN + 1];
} req_state;

/* ---- responses --------------------------------------------------------------- */

static const char *error_code(int status)
{
    switch (status) {
    case 400: return "invalid_parameter";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 503: return "unavailable";
    default: return "internal";
    }
}

void resp_take(http_resp *r, int status, const char *content_type, char *body, size_t len)
{
    free(r->body);
    r->status = status;
    r->content_type = content_type;
    r->body = body;
    r->len = len;
}

void resp_json(http_resp *r, int status, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) {
        static const char oom[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
        char *copy = strdup(oom);
        resp_take(r, 500, "application/json", copy, copy ? strlen(copy) : 0);
        return;
    }
    resp_take(r, status, "application/json", s, strlen(s));
}

void resp_error_code(http_resp *r, int status, const char *code, const char *msg)
{
    resp_json(r, status, json_pack("{s{ssss}}", "error", "code", code, "message", msg));
}

void resp_error(http_resp *r, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    resp_error_code(r, status, error_code(status), msg);
}

void resp_unavailable(http_resp *r, const char *what)
{
    resp_error(r, 503, "%s", what);
    r->retry_after = 5;
}

const char *req_param(const http_req *q, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; i < q->nparams; i++)
        if (!strcmp(q->params[i].key, key))
            v = q->params[i].value;
    return v;
}

int req_wants_csv(const http_req *q)
{
    const char *f = req_param(q, "format");
    if (f)
        return !strcmp(f, "csv");
    return q->accept && strstr(q->accept, "text/csv") != NULL;
}

/* ---- routing --------------------------------------------------------------------- */

static void health(app_t *app, const http_req *req, http_resp *resp)
{
    (void)app;
    (void)req;
    resp_json(resp, 200, json_pack("{ss}", "status", "ok"));
}

/* Whether a connection of pool p answers SELECT 1. */
static bool pool_answers(app_t *app, db_pool *p)
{
    db_conn *c = db_acquire(p, app->cfg->db_wait_ms);
    if (!c) /* db_acquire gave its slot back already */
        return false;
    int rc = db_ping(c);
    db_release(p, c);
    return rc == DB_OK;
}

/* Ready when the primary answers, and the read replica too when there is one
 * (every read endpoint needs it). */
static void ready(app_t *app, const http_req *req, http_resp *resp)
{
    (void)req;
    bool has_replica = app_read_pool(app) != app->pool;
    bool primary = pool_answers(app, app->pool);
    bool replica = !has_replica || pool_answers(app, app->read_pool);
    if (primary && replica)
        resp_json(resp, 200, json_pack("{ssssss}", "status", "ready", "primary", "up", "replica",
                                       has_replica ? "up" : "none"));
    else if (!primary)
        resp_unavailable(resp, replica ? "the database does not answer"
                                       : "neither the database nor its read replica answers");
    else
        resp_unavailable(resp, "the read replica does not answer");
}

static void openapi(app_t *app, const http_req *req, http_resp *resp)
{
    (void)app;
    (void)req;
    char *copy = malloc(OPENAPI_JSON_LEN + 1);
    if (!copy) {
        resp_error(resp, 500, "out of memory");
        return;
    }
    memcpy(copy, OPENAPI_JSON, OPENAPI_JSON_LEN + 1);
    resp_take(resp, 200, "application/json", copy, OPENAPI_JSON_LEN);
}

/* GET /metrics: the operational metrics (opmetrics.h), Prometheus text
 * format. The pool is read before this request takes a connection of its
 * own; without the database the open-dossier gauges are left out. */
static void metrics(app_t *app, const http_req *req, http_resp *resp)
{
    (void)req;
    opm_gauges g;
    memset(&g, 0, sizeof g);
    db_pool_stats(app->pool, &g.pool_size, &g.pool_in_use, &g.pool_idle);
    g.pool_known = true;
    if ((g.read_pool_known = app_read_pool(app) != app->pool))
        db_pool_stats(app->read_pool, &g.read_pool_size, &g.read_pool_in_use, &g.read_pool_idle);
    int rc = DB_DOWN;
    db_conn *c = db_acquire(app_read_pool(app), app->cfg->db_wait_ms);
    if (c) {
        const calendar_t *cal = refdata_calendar(app->ref, c, &rc);
        if (rc == DB_OK && cal)
            rc = opmetrics_count_open(c, cal, refdata_office_hours(app->ref), ts_now(),
                                      app->cfg->within, &g);
        db_release(app_read_pool(app), c);
    }
    if (rc != DB_OK)
        fprintf(stderr, "{\"level\":\"warning\",\"msg\":\"metrics: open dossiers not counted\"}\n");
    size_t len = 0;
    char *text = opmetrics_render(app->ops, &g, &len);
    if (!text) {
        resp_error(resp, 500, "out of memory");
        return;
    }
    resp_take(resp, 200, OPM_CONTENT_TYPE, text, len);
}

typedef void (*handler_fn)(app_t *, const http_req *, http_resp *);

/* Each route: its handlers, and who may read it (writes always need a key:
 * POST the ingest role, PUT the admin role). */
static const struct {
    const char *path;
    handler_fn get, post, put;
    access_kind read;
    auth_role read_role;   /* the role a GET needs */
} ROUTES[] = {
    { "/healthz", health, NULL, NULL, ACCESS_OPEN, ROLE_READ },
    { "/readyz", ready, NULL, NULL, ACCESS_OPEN, ROLE_READ },
    { "/openapi.json", openapi, NULL, NULL, ACCESS_OPEN, ROLE_READ },
    { "/metrics", metrics, NULL, NULL, ACCESS_OPEN, ROLE_READ },
    { "/v1/dossiers", api_list, api_ingest, NULL, ACCESS_KEY, ROLE_READ },
    { "/v1/metrics", api_metrics, NULL, NULL, ACCESS_PUBLIC_READ, ROLE_READ },
    { "/v1/metrics/series", api_series, NULL, NULL, ACCESS_PUBLIC_READ, ROLE_READ },
    { "/v1/rankings", api_rankings, NULL, NULL, ACCESS_PUBLIC_READ, ROLE_READ },
    { "/v1/targets", api_targets_get, NULL, api_targets_put, ACCESS_KEY, ROLE_READ },
    { "/v1/procedures", api_procedures_get, NULL, api_procedures_put, ACCESS_KEY, ROLE_READ },
    { "/v1/calendar", api_calendar_get, NULL, api_calendar_put, ACCESS_KEY, ROLE_READ },
    { "/v1/audit", api_audit, NULL, NULL, ACCESS_KEY, ROLE_ADMIN },
    /* the dashboard page (static.h): the page itself needs no key, its data does */
    { "/", static_serve, NULL, NULL, ACCESS_OPEN, ROLE_READ },
    { "/app.js", static_serve, NULL, NULL, ACCESS_OPEN, ROLE_READ },
    { "/app.css", static_serve, NULL, NULL, ACCESS_OPEN, ROLE_READ },
    { "/vendor/chart.umd.min.js", static_serve, NULL, NULL, ACCESS_OPEN, ROLE_READ },
};

size_t http_route_count(void) { return sizeof ROUTES / sizeof ROUTES[0]; }

const char *http_route_path(size_t i, int *get, int *post, int *put)
{
    if (i >= http_route_count())
        return NULL;
    *get = ROUTES[i].get != NULL;
    *post = ROUTES[i].post != NULL;
    *put = ROUTES[i].put != NULL;
    return ROUTES[i].path;
}

/* The route label of a path (bounded: never the raw URL): the index of its
 * ROUTES entry, then "/v1/dossiers/{code}", then "other". */
#define NROUTES (sizeof ROUTES / sizeof ROUTES[0])
#define ROUTE_DOSSIER NROUTES
#define ROUTE_OTHER (NROUTES + 1)

static size_t route_index(const char *path)
{
    static const char prefix[] = "/v1/dossiers/";
    if (!strncmp(path, prefix, sizeof prefix - 1) && path[sizeof prefix - 1])
        return ROUTE_DOSSIER;
    for (size_t i = 0; i < NROUTES; i++)
        if (!strcmp(path, ROUTES[i].path))
            return i;
    return ROUTE_OTHER;
}

opmetrics *http_opmetrics_new(void)
{
    const char *labels[NROUTES + 2];
    for (size_t i = 0; i < NROUTES; i++)
        labels[i] = ROUTES[i].path;
    labels[ROUTE_DOSSIER] = "/v1/dossiers/{code}";
    labels[ROUTE_OTHER] = "other";
    return opmetrics_new(labels, NROUTES + 2);
}

static void method_not_allowed(http_resp *resp, const char *allow)
{
    resp_error(resp, 405, "method not allowed here; allowed: %s", allow);
    resp->allow = allow;
}

/* A scoped key sees only its agency: the `agency` parameter every handler
 * reads is replaced by its intersection with the scope, and when they do
 * not meet the query is marked to match nothing (QUERY_MATCH_NONE), so the
 * answer covers no dossier rather than another agency's. */
static void apply_scope(http_req *q, auth_store *store)
{
    if (!q->scope)
        return;
    const char *filter = req_param(q, "agency");
    if (filter && (!*filter || (strchr(filter, '*') && strchr(filter, '*')[1] != '\0')))
        return; /* malformed: the query parser answers 400 */
    int r = auth_scope_filter(q->scope, filter, store->filter, sizeof store->filter);
    if (r != 0) {
        if (q->nparams < HTTP_MAX_PARAMS)
            q->params[q->nparams++] = (kv_t){ QUERY_MATCH_NONE, "1" };
        return;
    }
    for (size_t i = 0; i < q->nparams; i++)
        if (!strcmp(q->params[i].key, "agency"))
            q->params[i].value = store->filter;
    if (!filter && q->nparams < HTTP_MAX_PARAMS)
        q->params[q->nparams++] = (kv_t){ "agency", store->filter };
}

/* Authenticates, then calls h. */
static void call(app_t *app, const http_req *req, http_resp *resp, handler_fn h,
                 access_kind access, auth_role need)
{
    http_req q = *req;
    auth_store store;
    memset(&store, 0, sizeof store);
    int rc = api_authenticate(app, &q, access, need, &store, resp);
    if (store.id[0])
        snprintf(resp->key_id, sizeof resp->key_id, "%s", store.id);
    if (rc != 0)
        return;
    if (need == ROLE_ADMIN && q.scope) {
        /* targets, catalog, calendar and the audit trail are the province's */
        resp_error(resp, 403, "a key limited to agency %s cannot do this: it concerns every agency",
                   q.scope);
        return;
    }
    apply_scope(&q, &store);
    h(app, &q, resp);
}

static void dossier_get(app_t *app, const http_req *req, http_resp *resp)
{
    static const char prefix[] = "/v1/dossiers/";
    api_dossier_get(app, req, resp, req->path + sizeof prefix - 1);
}

void http_dispatch(app_t *app, const http_req *req, http_resp *resp)
{
    int is_get = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
    static const char prefix[] = "/v1/dossiers/";
    if (!strncmp(req->path, prefix, sizeof prefix - 1) && req->path[sizeof prefix - 1]) {
        if (is_get)
            call(app, req, resp, dossier_get, ACCESS_KEY, ROLE_READ);
        else
            method_not_allowed(resp, "GET, HEAD");
        return;
    }
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        if (strcmp(req->path, ROUTES[i].path) != 0)
            continue;
        if (is_get && ROUTES[i].get)
            call(app, req, resp, ROUTES[i].get, ROUTES[i].read, ROUTES[i].read_role);
        else if (!strcmp(req->method, "POST") && ROUTES[i].post)
            call(app, req, resp, ROUTES[i].post, ACCESS_KEY, ROLE_INGEST);
        else if (!strcmp(req->method, "PUT") && ROUTES[i].put)
            call(app, req, resp, ROUTES[i].put, ACCESS_KEY, ROLE_ADMIN);
        else
            method_not_allowed(resp, ROUTES[i].get && ROUTES[i].put    ? "GET, HEAD, PUT"
                                     : ROUTES[i].get && ROUTES[i].post ? "GET, HEAD, POST"
                                     : ROUTES[i].get                   ? "GET, HEAD"
                                     : ROUTES[i].post                  ? "POST" : "PUT");
        return;
    }
    resp_error(resp, 404, "no such resource: %.200s", req->path);
}

/* ---- libmicrohttpd callbacks ---------------------------------------------------- */

static enum MHD_Result queue(struct MHD_Connection *conn, req_state *st, http_resp *r)
{
    struct MHD_Response *mr = MHD_create_response_from_buffer(r->len, r->body,
                                                             MHD_RESPMEM_MUST_FREE);
    if (!mr) {
        free(r->body);
        free(r->extra_value);
        return MHD_NO;
    }
    r->body = NULL;
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->content_type ? r->content_type : "application/json");
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL,
                            r->cache_control ? r->cache_control : "no-store");
    for (size_t i = 0; i < sizeof r->headers / sizeof r->headers[0] && r->headers[i][0]; i++)
        MHD_add_response_header(mr, r->headers[i][0], r->headers[i][1]);
    if (r->allow)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->extra_header && r->extra_value)
        MHD_add_response_header(mr, r->extra_header, r->extra_value);
    free(r->extra_value);
    r->extra_value = NULL;
    if (r->www_authenticate)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (r->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", r->retry_after);
        MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    st->status = r->status;
    memcpy(st->key_id, r->key_id, sizeof st->key_id);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

typedef struct {
    http_req *q;
    size_t seen;
} param_collector;

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    param_collector *pc = cls;
    if (key && key[0] == '\x01')
        return MHD_YES; /* internal parameter names (query.h) are never taken from clients */
    if (++pc->seen > HTTP_MAX_PARAMS - 2)   /* room for the dispatcher's own two */
        return MHD_NO;
    http_req *q = pc->q;
    q->params[q->nparams].key = key ? key : "";
    q->params[q->nparams].value = value ? value : "";
    q->nparams++;
    return MHD_YES;
}

/* The checks that can be made from the headers alone: a declared body over
 * the limit (413) and an ingest body of an unknown type (415). Answering
 * before the body is read spares reading a body we would refuse anyway. */
static int early_reject(app_t *app, struct MHD_Connection *conn, const char *method,
                        const char *url, http_resp *r)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (*end == '\0' && n > app->cfg->body_limit) {
            resp_error(r, 413, "the body is larger than %zu bytes", app->cfg->body_limit);
            return 1;
        }
    }
    if (!strcmp(method, "POST") && !strcmp(url, "/v1/dossiers")) {
        body_format f;
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_TYPE);
        if (body_format_from_content_type(ct, &f) != 0) {
            resp_error(r, 415, "Content-Type must be application/json, application/x-ndjson "
                               "or text/csv (UTF-8)");
            return 1;
        }
    }
    return 0;
}

static int append_body(req_state *st, const char *data, size_t n, size_t limit)
{
    if (st->len + n > limit)
        return -1;
    if (st->len + n > st->cap) {
        size_t cap = st->cap ? st->cap : 64 * 1024;
        while (cap < st->len + n)
            cap *= 2;
        if (cap > limit)
            cap = limit;
        char *p = realloc(st->body, cap);
        if (!p)
            return -2;
        st->body = p;
        st->cap = cap;
    }
    memcpy(st->body + st->len, data, n);
    st->len += n;
    return 0;
}

/* MHD's connection timeout only sees silence; a client that sends one byte
 * every few seconds never falls silent. The whole body must arrive within
 * MOTCUA_REQUEST_TIMEOUT. */
static int body_too_slow(const req_state *st, int limit_s)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec - st->start.tv_sec > (time_t)limit_s;
}

/* The header watch of a connection (its socket context), or NULL. */
static hdrwatch_conn *conn_watch(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Connections are registered with the header watch from accept to close
 * (libmicrohttpd reports the close before it closes the socket). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci ? hdrwatch_open(srv->hw, ci->connect_fd) : NULL;
    } else {
        hdrwatch_close(srv->hw, *socket_context);
        *socket_context = NULL;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    http_server *srv = cls;
    app_t *app = srv->app;
    req_state *st = *con_cls;
    http_resp r = { 0 };

    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        st->srv = srv;
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        snprintf(st->method, sizeof st->method, "%s", method);
        snprintf(st->path, sizeof st->path, "%s", url);
        st->route = route_index(url);
        *con_cls = st;
        hdrwatch_headers_done(srv->hw, conn_watch(conn));
        pthread_mutex_lock(&srv->mu);
        srv->active++;
        pthread_mutex_unlock(&srv->mu);
        if (early_reject(app, conn, method, url, &r)) {
            st->rejected = 1;
            return queue(conn, st, &r);
        }
        return MHD_YES;
    }
    if (*upload_size > 0 && body_too_slow(st, app->cfg->request_timeout_s))
        return MHD_NO; /* a trickling body would hold its thread forever: cut it */
    if (*upload_size > 0) {
        if (!st->rejected && !st->overflow) {
            int rc = append_body(st, upload_data, *upload_size, app->cfg->body_limit);
            if (rc != 0) {
                /* libmicrohttpd 0.9.75 cannot answer in the middle of a body, so
                 * the rest is read and dropped and the answer comes at its end;
                 * a client that goes on far past the limit is cut off. */
                free(st->body);
                st->body = NULL;
                st->cap = 0;
                st->overflow = rc == -1 ? 413 : 500;
            }
        } else if (st->overflow) {
            st->len += *upload_size;
            if (st->len > 2 * app->cfg->body_limit + (1u << 20))
                return MHD_NO;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (st->rejected)
        return MHD_YES;
    if (st->overflow) {
        st->rejected = 1;
        if (st->overflow == 413)
            resp_error(&r, 413, "the body is larger than %zu bytes", app->cfg->body_limit);
        else
            resp_error(&r, 500, "out of memory");
        return queue(conn, st, &r);
    }

    http_req q = { 0 };
    q.method = method;
    q.path = url;
    param_collector pc = { &q, 0 };
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_param, &pc);
    q.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    q.accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    q.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    q.if_none_match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    q.body = st->body ? st->body : "";
    q.body_len = st->len;
    if (pc.seen > HTTP_MAX_PARAMS - 2)
        resp_error(&r, 400, "too many query parameters (at most %d)", HTTP_MAX_PARAMS - 2);
    else
        http_dispatch(app, &q, &r);
    if (!r.status)
        resp_error(&r, 500, "no response");
    /* The body is not needed any more; free it before the response is sent. */
    free(st->body);
    st->body = NULL;
    st->len = st->cap = 0;
    return queue(conn, st, &r);
}

/* Every request ends here: the operational metrics, and the access log (one
 * JSON line per request on stderr, no body content). */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_server *srv = cls;
    req_state *st = *con_cls;
    hdrwatch_request_done(srv->hw, conn_watch(conn)); /* the next request's headers are due */
    if (!st)
        return;
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ms = (double)(end.tv_sec - st->start.tv_sec) * 1e3 +
                (double)(end.tv_nsec - st->start.tv_nsec) / 1e6;
    opmetrics_request(srv->app->ops, st->route, st->status, ms / 1e3);
    if (!srv->app->cfg->access_log)
        goto done;
    /* a dossier's code is its content: the log names the route, not the code */
    const char *path = st->route == ROUTE_DOSSIER ? "/v1/dossiers/{code}" : st->path;
    json_t *line = json_pack("{sssssisfsbss?}", "method", st->method, "path", path,
                             "status", st->status, "ms", ms,
                             "completed", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK,
                             "key", st->key_id[0] ? st->key_id : NULL);
    char *s = line ? json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    if (s) {
        fprintf(stderr, "%s\n", s);
        free(s);
    }
    json_decref(line);
done:
    free(st->body);
    free(st);
    *con_cls = NULL;
    pthread_mutex_lock(&srv->mu);
    srv->active--;
    pthread_mutex_unlock(&srv->mu);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    json_t *line = json_pack("{ssss}", "level", "warning", "http", msg);
    char *s = line ? json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    if (s) {
        fprintf(stderr, "%s\n", s);
        free(s);
    }
    json_decref(line);
}

http_server *http_start(app_t *app, char *err, size_t cap)
{
    char addr[128];
    int port;
    if (config_listen(app->cfg, addr, sizeof addr, &port) != 0) {
        snprintf(err, cap, "invalid listen address '%s' (want ADDRESS:PORT)", app->cfg->listen);
        return NULL;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_USE_POLL;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (addr[0] == '[') { /* [::1]:8080 */
        size_t n = strlen(addr);
        if (n < 2 || addr[n - 1] != ']') goto bad_addr;
        addr[n - 1] = '\0';
        memmove(addr, addr + 1, n - 1);
    }
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        goto bad_addr;
    }
    http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    srv->app = app;
    if (app->cfg->header_timeout_s > 0 &&
        !(srv->hw = hdrwatch_start(app->cfg->header_timeout_s * 1000))) {
        snprintf(err, cap, "cannot start the request-header watchdog");
        free(srv);
        return NULL;
    }
    pthread_mutex_init(&srv->mu, NULL);
    srv->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)app->cfg->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)app->cfg->max_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)app->cfg->timeout_s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_END);
    if (!srv->d) {
        snprintf(err, cap, "cannot listen on %s (in use, or not an address of this machine)",
                 app->cfg->listen);
        hdrwatch_free(srv->hw);
        pthread_mutex_destroy(&srv->mu);
        free(srv);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : port;
    return srv;
bad_addr:
    snprintf(err, cap, "invalid listen address '%s'", app->cfg->listen);
    return NULL;
}

int http_port(const http_server *s) { return s->port; }

void http_stop(http_server *s, int grace_s)
{
    if (!s)
        return;
    MHD_socket fd = MHD_quiesce_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    for (int i = 0; i < grace_s * 20; i++) {
        pthread_mutex_lock(&s->mu);
        int active = s->active;
        pthread_mutex_unlock(&s->mu);
        if (active == 0)
            break;
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    hdrwatch_stop(s->hw);     /* cut nothing more; connections still unregister */
    MHD_stop_daemon(s->d);
    hdrwatch_free(s->hw);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
