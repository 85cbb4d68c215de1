/*
 * http.h - the HTTP server (libmicrohttpd) and the request/response types
 * every handler sees. Handlers are plain functions of (app, request) to a
 * response; they never touch libmicrohttpd, so routing, limits and logging
 * live in one place (http.c) and handlers stay testable.
 *
 * Threading: one thread per connection. Handlers block on PostgreSQL, and in
 * MHD's epoll thread pool a blocking call stalls every connection of that
 * worker; with a thread per connection a slow ingest holds only its own
 * connection, and the database pool (db.h) bounds the work in flight.
 */
#ifndef MOTCUA_HTTP_H
#define MOTCUA_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include "auth.h"
#include "refdata.h"
#include "config.h"
#include "db.h"
#include "opmetrics.h"
#include "query.h"

#define HTTP_MAX_PARAMS 66   /* 64 from the client, 2 the dispatcher may add */

typedef struct {
    const config_t *cfg;
    db_pool *pool;
    refdata_t *ref;            /* calendar and office hours (refdata.h) */
    opmetrics *ops;            /* GET /metrics counters (http_opmetrics_new), or NULL */
    db_pool *read_pool;        /* the read replica's pool (MOTCUA_DB_READ); NULL = none */
} app_t;

/* The pool of the read endpoints (every GET that reads dossiers, aggregates,
 * reference data or the audit trail): the replica's when one is configured,
 * else the primary's. Writes, migrations and API key checks always use
 * app->pool (a revoked key must stop at once, whatever the replica's lag). */
static inline db_pool *app_read_pool(const app_t *app)
{
    return app->read_pool ? app->read_pool : app->pool;
}

typedef struct {
    const char *method;        /* "GET", ... */
    const char *path;          /* decoded path */
    kv_t params[HTTP_MAX_PARAMS];
    size_t nparams;
    const char *content_type, *accept, *authorization;  /* NULL when absent */
    const char *if_none_match;  /* NULL when absent (static.c revalidation) */
    const char *body;
    size_t body_len;
    /* Set by the dispatcher after authentication (spec §7 "Auth"). */
    auth_role role;            /* ROLE_NONE: no key (public read) */
    const char *key_id;        /* NULL without a key */
    const char *scope;         /* agency scope of the key, NULL = every agency */
} http_req;

typedef struct {
    int status;
    const char *content_type;  /* static string */
    char *body;                /* malloc'd, owned by the response */
    size_t len;
    const char *allow;         /* Allow header for 405, or NULL */
    int retry_after;           /* seconds for 503, 0 = none */
    int www_authenticate;      /* 401: add WWW-Authenticate: Bearer */
    char key_id[AUTH_ID_LEN + 1]; /* the authenticated key, for the access log ("" = none) */
    const char *extra_header;  /* one more response header (static name), or NULL */
    char *extra_value;         /* its value, malloc'd, owned by the response */
    const char *cache_control; /* Cache-Control (static string); NULL: no-store */
    const char *headers[6][2]; /* more headers, static names and values; unused: NULL */
} http_resp;

/* Sets a JSON body (steals j; j NULL means out of memory: 500). */
void resp_json(http_resp *r, int status, json_t *j);
/* Sets {"error":{"code","message"}}; the code follows from the status. */
void resp_error(http_resp *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with an explicit error code (e.g. "invalid_body"). */
void resp_error_code(http_resp *r, int status, const char *code, const char *msg);
/* A 503 "unavailable" with Retry-After (database down or pool exhausted). */
void resp_unavailable(http_resp *r, const char *what);
/* Takes ownership of a malloc'd body. */
void resp_take(http_resp *r, int status, const char *content_type, char *body, size_t len);

/* The value of a query parameter (last one wins), or NULL. */
const char *req_param(const http_req *q, const char *key);
/* True when CSV was asked for (format=csv or Accept: text/csv). */
int req_wants_csv(const http_req *q);

/* Who may do what on a route: the role a key needs, and whether the route
 * is open without a key (health, or aggregates under MOTCUA_PUBLIC_READ). */
typedef enum { ACCESS_OPEN = 0, ACCESS_PUBLIC_READ, ACCESS_KEY } access_kind;

/* Authenticates req for a route needing role `need` (api_auth.c). On success
 * fills req->role/key_id/scope (pointing into *store) and returns 0; else
 * fills resp (401 or 403, or 503 when the keys cannot be read) and returns -1. */
typedef struct {
    char id[AUTH_ID_LEN + 1];
    char scope[80];
    char filter[300];          /* the agency filter intersected with the scope */
} auth_store;
int api_authenticate(app_t *app, http_req *req, access_kind access, auth_role need,
                     auth_store *store, http_resp *resp);

/* The routing table, for tests that hold it against the OpenAPI document:
 * the path of route i (NULL past the end) and which methods it answers.
 * Besides these, GET /v1/dossiers/{code} is answered. */
size_t http_route_count(void);
const char *http_route_path(size_t i, int *get, int *post, int *put);

/* A registry of operational metrics whose route labels are the routing
 * table's paths, "/v1/dossiers/{code}" and "other" (opmetrics.h), for
 * app_t.ops. NULL when out of memory. */
opmetrics *http_opmetrics_new(void);

/* Routes and answers one request (used by the server and by tests). */
void http_dispatch(app_t *app, const http_req *req, http_resp *resp);

typedef struct http_server http_server;
/* Starts serving on the configured address (port 0: any free port). NULL
 * and a message on failure. */
http_server *http_start(app_t *app, char *err, size_t cap);
int http_port(const http_server *s);
/* Stops accepting, lets requests in flight finish (at most grace_s seconds),
 * then stops. Frees s. */
void http_stop(http_server *s, int grace_s);

#endif
