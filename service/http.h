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
#include "refdata.h"
#include "config.h"
#include "db.h"
#include "query.h"

#define HTTP_MAX_PARAMS 64

typedef struct {
    const config_t *cfg;
    db_pool *pool;
    refdata_t *ref;            /* calendar and office hours (refdata.h) */
} app_t;

typedef struct {
    const char *method;        /* "GET", ... */
    const char *path;          /* decoded path */
    kv_t params[HTTP_MAX_PARAMS];
    size_t nparams;
    const char *content_type, *accept, *authorization;  /* NULL when absent */
    const char *body;
    size_t body_len;
} http_req;

typedef struct {
    int status;
    const char *content_type;  /* static string */
    char *body;                /* malloc'd, owned by the response */
    size_t len;
    const char *allow;         /* Allow header for 405, or NULL */
    int retry_after;           /* seconds for 503, 0 = none */
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
