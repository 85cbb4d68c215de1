/*
 * testlib.h - shared helpers of the integration suites (check_api.c,
 * check_ingest_db.c): a fresh PostgreSQL database per test, the real HTTP
 * server started in-process on a free port, a tiny blocking HTTP/1.1 client
 * (no libcurl) and jansson helpers.
 *
 * Use tl_setup/tl_teardown as a checked fixture: each test (forked by Check)
 * gets its own database motcua_t_<pid>_<n>, created from the cluster named by
 * MOTCUA_TEST_DB (tests/with-pg.sh sets it; without it every test FAILS) and
 * migrated with db_migrate, and its own server. Helpers fail the running test
 * (ck_abort_msg) on anything unexpected, so a test body stays a list of
 * requests and assertions.
 */
#ifndef MOTCUA_TESTLIB_H
#define MOTCUA_TESTLIB_H

#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "calendar.h"
#include "config.h"
#include "db.h"
#include "http.h"

typedef struct {
    char dbname[64];
    char conninfo[1024];   /* libpq conninfo of this test's database */
    config_t cfg;          /* tests may change it between tl_server_stop/start */
    db_pool *pool;
    db_pool *read_pool;    /* cfg.db_read's pool, NULL without one */
    refdata_t *ref;
    opmetrics *ops;        /* GET /metrics counters (fresh with each server start) */
    app_t app;
    http_server *srv;
    int port;
    char key[AUTH_KEY_MAX];  /* an admin key of this database, sent by tl_http
                                unless the headers carry an Authorization or
                                this is emptied (tests of auth itself) */
} tl_env_t;

extern tl_env_t tl_env;

/* ---- fixture ------------------------------------------------------------- */

/* A new key of `role` (scope NULL = every agency) in the test database;
 * its printable form in key (AUTH_KEY_MAX bytes). */
void tl_key_create(auth_role role, const char *scope, char *key);

/* Fresh migrated database + running server (config_defaults, cfg.db = the
 * database, listen 127.0.0.1:0). */
void tl_setup(void);
/* Stops the server and drops the database. */
void tl_teardown(void);
/* Starts / stops the server with tl_env.cfg (e.g. after changing body_limit). */
void tl_server_start(void);
void tl_server_stop(void);

/* ---- SQL on the test database ------------------------------------------- */

/* The first column of the first row of a query, as a long (fails the test on
 * an SQL error or no row). */
long tl_sql_long(const char *sql);
void tl_sql_exec(const char *sql);

/* ---- growable byte buffer (request bodies) ------------------------------ */

typedef struct {
    char *p;
    size_t len, cap;
} tl_buf;

void tl_buf_put(tl_buf *b, const char *s, size_t n);
void tl_buf_puts(tl_buf *b, const char *s);
void tl_buf_printf(tl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tl_buf_free(tl_buf *b);

/* ---- HTTP client ----------------------------------------------------------- */

typedef struct {
    int status;      /* 0 when no status line was received */
    char *head;      /* status line and headers, NUL-terminated */
    char *body;      /* NUL-terminated */
    size_t len;
} tl_resp;

/* One request to the test server with Connection: close. headers: extra
 * "Name: value\r\n" lines or NULL. body NULL: no body and no Content-Length.
 * Returns the status (0 when the connection failed). */
int tl_http(const char *method, const char *path, const char *headers, const char *body,
            size_t len, tl_resp *out);
/* Percent-encodes s for a URL path segment or query value (caller frees). */
char *tl_urlencode(const char *s);
/* Sends raw request bytes as they are (e.g. a chunked upload). */
int tl_http_raw(const char *req, size_t n, tl_resp *out);
/* A response header's value (case-insensitive name) copied into buf, or NULL. */
const char *tl_header(const tl_resp *r, const char *name, char *buf, size_t cap);
void tl_resp_free(tl_resp *r);

/* ---- JSON ------------------------------------------------------------------ */

/* The response body as JSON (fails the test when it is not JSON). */
json_t *tl_json(const tl_resp *r);
/* A request whose answer must have status `expect` and a JSON body. */
json_t *tl_call(const char *method, const char *path, const char *ctype, const char *body,
                size_t len, int expect);
json_t *tl_get(const char *path, int expect);
/* tl_get(path, 200) of an answer written as text (jsonw.h): the body must
 * also be byte for byte json_dumps(json_loads(body), JSON_COMPACT), i.e.
 * what jansson writes for the same document. */
json_t *tl_get_canonical(const char *path);
/* POST /v1/dossiers that must answer 200; returns the ingest result after
 * checking received = inserted + updated + unchanged + stale + rejected. */
json_t *tl_ingest(const char *ctype, const char *body, size_t len);

/* The value at a path like "counts.received" or "errors[0].field" (NULL when
 * absent). */
json_t *tl_jpath(json_t *root, const char *path);
/* An integer at path (fails the test when it is not an integer). */
json_int_t tl_jint(json_t *root, const char *path);
/* A string at path, NULL when it is JSON null (fails on other types or absence). */
const char *tl_jstr(json_t *root, const char *path);
bool tl_jnull(json_t *root, const char *path);
/* true/false at path (fails on other types). */
bool tl_jbool(json_t *root, const char *path);
/* Checks an error body {"error":{"code":code,"message":"..."}}. */
void tl_assert_error(json_t *body, const char *code);

/* ck_assert-style string comparison where either side may be NULL. */
#define tl_assert_str(got, want, ...)                                                        \
    do {                                                                                     \
        const char *tl_g_ = (got), *tl_w_ = (want);                                          \
        ck_assert_msg((tl_g_ == NULL && tl_w_ == NULL) ||                                    \
                          (tl_g_ != NULL && tl_w_ != NULL && strcmp(tl_g_, tl_w_) == 0),     \
                      "%s: got '%s', want '%s'", tl_msg_(__VA_ARGS__),                       \
                      tl_g_ ? tl_g_ : "(null)", tl_w_ ? tl_w_ : "(null)");                   \
    } while (0)

/* A formatted context string for messages (a static rotating buffer). */
const char *tl_msg_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));


/* ---- the tests' own date arithmetic and CSV reader -----------------------
 * Written from the spec, independent of service/ts.c and service/csv.c, so
 * that the integration suites' expected values never borrow the code under
 * test. Instants in µs since the epoch, days since 1970-01-01 (Vietnam time). */
#define NONE INT64_MIN
#define US_SEC 1000000LL
#define US_DAY (86400LL * US_SEC)
#define VN_OFF (7LL * 3600LL * US_SEC)
#define CSV_MAX_CELLS 256

int64_t days_from_civil(int y, int m, int d);
void civil_from_days(int64_t z, int *y, int *m, int *d);
int64_t floor_div(int64_t a, int64_t b);
int64_t lday(int64_t t);                 /* local date of an instant */
int64_t day_start(int64_t d);            /* 00:00 local */
int64_t day_end(int64_t d);              /* 23:59:59.999999 local */
int iso_wday(int64_t d);                 /* 1 = Monday */
int64_t D(int y, int m, int d);
void fmt_day(int64_t d, char *buf, size_t cap);   /* YYYY-MM-DD */
/* RFC 3339 in +07:00, ".ffffff" only when the microseconds are not zero
 * (the API's own form); cap >= 40. */
void fmt_ts(int64_t t, char *buf, size_t cap);
/* ,"key":"<fmt_ts>" into a JSON record being written, or ,"key":null. */
void tl_put_ts(tl_buf *b, const char *key, int64_t t);
/* Reads one RFC 4180 row at *p into malloc'd cells; the count, 0 at the end. */
size_t csv_read_row(const char **p, const char *end, char **out);
void csv_free_row(char **cells, size_t n);

#endif
