/*
 * testlib.c - see testlib.h. Everything here fails the running Check test on
 * the first surprise, with a message saying what was expected.
 */
#include "testlib.h"
#include "db_keys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

tl_env_t tl_env;

/* ---- messages --------------------------------------------------------------- */

const char *tl_msg_(const char *fmt, ...)
{
    static char bufs[4][512];
    static int next;
    char *b = bufs[next++ % 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    return b;
}

/* ---- databases ------------------------------------------------------------- */

static const char *admin_conninfo(void)
{
    const char *ci = getenv("MOTCUA_TEST_DB");
    ck_assert_msg(ci != NULL && ci[0] != '\0',
                  "MOTCUA_TEST_DB is not set: this suite needs a PostgreSQL cluster; run it "
                  "through tests/with-pg.sh (make check does)");
    return ci;
}

/* Runs one statement on a fresh connection to conninfo. */
static void exec_on(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "cannot connect (%s): %s", conninfo,
                  PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    char err[512];
    snprintf(err, sizeof err, "%s", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql, err);
}

static void db_create(void)
{
    static int counter;
    const char *admin = admin_conninfo();
    snprintf(tl_env.dbname, sizeof tl_env.dbname, "motcua_t_%ld_%d", (long)getpid(), ++counter);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", tl_env.dbname);
    exec_on(admin, sql);
    /* A later keyword overrides an earlier one in a conninfo string. */
    int n = snprintf(tl_env.conninfo, sizeof tl_env.conninfo, "%s dbname=%s", admin,
                     tl_env.dbname);
    ck_assert_msg(n > 0 && (size_t)n < sizeof tl_env.conninfo, "MOTCUA_TEST_DB is too long");
    char err[512];
    db_conn *c = db_connect(tl_env.conninfo, err, sizeof err);
    ck_assert_msg(c != NULL, "cannot connect to the test database: %s", err);
    int applied = 0;
    int rc = db_migrate(c, &applied);
    ck_assert_msg(rc == DB_OK, "db_migrate failed: %s", db_error(c));
    ck_assert_msg(applied > 0, "db_migrate applied no migration on a fresh database");
    db_close(c);
}

static void db_drop(void)
{
    const char *admin = getenv("MOTCUA_TEST_DB");
    if (!admin || !tl_env.dbname[0])
        return;
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", tl_env.dbname);
    exec_on(admin, sql);
    tl_env.dbname[0] = '\0';
}

static void sql_on_test_db(const char *sql, long *out)
{
    PGconn *c = PQconnectdb(tl_env.conninfo);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "cannot connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    char err[512];
    snprintf(err, sizeof err, "%s", PQresultErrorMessage(r));
    bool has_row = st == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0;
    long v = has_row && !PQgetisnull(r, 0, 0) ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    PQfinish(c);
    ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql, err);
    if (out) {
        ck_assert_msg(has_row, "%s: no row", sql);
        *out = v;
    }
}

long tl_sql_long(const char *sql)
{
    long v = 0;
    sql_on_test_db(sql, &v);
    return v;
}

void tl_sql_exec(const char *sql) { sql_on_test_db(sql, NULL); }

/* ---- server ----------------------------------------------------------------------- */

void tl_server_start(void)
{
    char err[512];
    ck_assert_msg(tl_env.srv == NULL, "server already running");
    tl_env.pool = db_pool_new(tl_env.cfg.db, tl_env.cfg.db_pool);
    tl_env.ref = refdata_new(&tl_env.cfg.office_hours);
    tl_env.ops = http_opmetrics_new();
    ck_assert_msg(tl_env.pool && tl_env.ref && tl_env.ops, "out of memory");
    tl_env.read_pool = tl_env.cfg.db_read[0] ? db_pool_new(tl_env.cfg.db_read, tl_env.cfg.db_pool)
                                              : NULL;
    ck_assert_msg(!tl_env.cfg.db_read[0] || tl_env.read_pool, "out of memory");
    tl_env.app = (app_t){ &tl_env.cfg, tl_env.pool, tl_env.ref, tl_env.ops, tl_env.read_pool };
    tl_env.srv = http_start(&tl_env.app, err, sizeof err);
    ck_assert_msg(tl_env.srv != NULL, "http_start: %s", err);
    tl_env.port = http_port(tl_env.srv);
    ck_assert_msg(tl_env.port > 0, "http_port gave %d", tl_env.port);
}

void tl_server_stop(void)
{
    if (tl_env.srv)
        http_stop(tl_env.srv, 5);
    tl_env.srv = NULL;
    db_pool_free(tl_env.pool);
    tl_env.pool = NULL;
    db_pool_free(tl_env.read_pool);
    tl_env.read_pool = NULL;
    refdata_free(tl_env.ref);
    tl_env.ref = NULL;
    opmetrics_free(tl_env.ops);
    tl_env.ops = NULL;
}

void tl_setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    json_object_seed(0);
    memset(&tl_env, 0, sizeof tl_env);
    db_create();
    config_defaults(&tl_env.cfg);
    memcpy(tl_env.cfg.db, tl_env.conninfo, sizeof tl_env.cfg.db);
    snprintf(tl_env.cfg.listen, sizeof tl_env.cfg.listen, "127.0.0.1:0");
    tl_env.cfg.timeout_s = 60;
    tl_env.cfg.access_log = false; /* thousands of requests: keep make check readable */
    tl_key_create(ROLE_ADMIN, NULL, tl_env.key);
    tl_server_start();
}

void tl_key_create(auth_role role, const char *scope, char *key)
{
    char err[256];
    db_conn *c = db_connect(tl_env.conninfo, err, sizeof err);
    ck_assert_msg(c != NULL, "connect: %s", err);
    db_key k;
    memset(&k, 0, sizeof k);
    ck_assert_int_eq(auth_key_new(key, k.id, k.salt, k.hash), 0);
    k.role = role;
    if (scope)
        snprintf(k.agency, sizeof k.agency, "%s", scope);
    ck_assert_int_eq(db_key_insert(c, &k), DB_OK);
    db_close(c);
}

void tl_teardown(void)
{
    tl_server_stop();
    db_drop();
}

/* ---- buffers -------------------------------------------------------------------- */

void tl_buf_put(tl_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        ck_assert_msg(p != NULL, "out of memory");
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void tl_buf_puts(tl_buf *b, const char *s) { tl_buf_put(b, s, strlen(s)); }

void tl_buf_printf(tl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    ck_assert(n >= 0);
    char *tmp = malloc((size_t)n + 1);
    ck_assert_msg(tmp != NULL, "out of memory");
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    tl_buf_put(b, tmp, (size_t)n);
    free(tmp);
}

void tl_buf_free(tl_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- HTTP client ----------------------------------------------------------------- */

static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
    struct timeval tv = { 60, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)tl_env.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Writes everything it can; a server that answered early and closed may
 * refuse the rest, which is not an error here (the answer is read next). */
static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* The value of Content-Length in a header block, or -1. */
static long content_length(const char *head)
{
    char buf[32];
    tl_resp r = { 0, (char *)head, NULL, 0 };
    if (!tl_header(&r, "Content-Length", buf, sizeof buf))
        return -1;
    return strtol(buf, NULL, 10);
}

/* Reads until the body announced by Content-Length is complete, or until the
 * server closes the connection. */
static void read_response(int fd, tl_buf *in, size_t *head_len, long *clen)
{
    char chunk[65536];
    *head_len = 0;
    *clen = -1;
    for (;;) {
        if (*head_len && *clen >= 0 && in->len >= *head_len + (size_t)*clen)
            return;
        ssize_t r = recv(fd, chunk, sizeof chunk, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        tl_buf_put(in, chunk, (size_t)r);
        if (!*head_len) {
            char *end = strstr(in->p, "\r\n\r\n");
            if (end) {
                *head_len = (size_t)(end - in->p) + 4;
                char save = in->p[*head_len];
                in->p[*head_len] = '\0';
                *clen = content_length(in->p);
                in->p[*head_len] = save;
            }
        }
    }
}

static int finish_response(tl_buf *in, size_t head_len, long clen, bool head_only,
                           tl_resp *out)
{
    memset(out, 0, sizeof *out);
    if (!in->p || !head_len) {
        out->head = strdup("");
        out->body = strdup("");
        tl_buf_free(in);
        return 0;
    }
    size_t body_len = in->len - head_len;
    if (head_only)
        body_len = 0;
    else if (clen >= 0 && (size_t)clen < body_len)
        body_len = (size_t)clen;
    ck_assert_msg(head_only || clen < 0 || (size_t)clen == body_len,
                  "response body shorter than its Content-Length (%zu < %ld)", body_len, clen);
    out->head = strndup(in->p, head_len);
    out->body = malloc(body_len + 1);
    ck_assert_msg(out->head && out->body, "out of memory");
    memcpy(out->body, in->p + head_len, body_len);
    out->body[body_len] = '\0';
    out->len = body_len;
    if (sscanf(out->head, "HTTP/1.%*d %d", &out->status) != 1)
        out->status = 0;
    tl_buf_free(in);
    return out->status;
}

static int exchange(const char *req, size_t n, const char *body, size_t blen, bool head_only,
                    tl_resp *out)
{
    int fd = connect_server();
    ck_assert_msg(fd >= 0, "cannot connect to the test server on port %d", tl_env.port);
    send_all(fd, req, n);
    if (body)
        send_all(fd, body, blen);
    tl_buf in = { 0 };
    size_t head_len;
    long clen;
    read_response(fd, &in, &head_len, &clen);
    close(fd);
    return finish_response(&in, head_len, clen, head_only, out);
}

int tl_http(const char *method, const char *path, const char *headers, const char *body,
            size_t len, tl_resp *out)
{
    tl_buf req = { 0 };
    tl_buf_printf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n",
                  method, path, tl_env.port);
    if (tl_env.key[0] && !(headers && strstr(headers, "Authorization:")))
        tl_buf_printf(&req, "Authorization: Bearer %s\r\n", tl_env.key);
    if (body)
        tl_buf_printf(&req, "Content-Length: %zu\r\n", len);
    if (headers)
        tl_buf_puts(&req, headers);
    tl_buf_puts(&req, "\r\n");
    int st = exchange(req.p, req.len, body, len, strcmp(method, "HEAD") == 0, out);
    tl_buf_free(&req);
    return st;
}

char *tl_urlencode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(s) * 3 + 1), *o = out;
    ck_assert_msg(out != NULL, "out of memory");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

int tl_http_raw(const char *req, size_t n, tl_resp *out)
{
    return exchange(req, n, NULL, 0, false, out);
}

const char *tl_header(const tl_resp *r, const char *name, char *buf, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = r->head ? strstr(r->head, "\r\n") : NULL;
    while (p) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t vl = strcspn(v, "\r\n");
            if (vl >= cap)
                vl = cap - 1;
            memcpy(buf, v, vl);
            buf[vl] = '\0';
            return buf;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

void tl_resp_free(tl_resp *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* ---- JSON ----------------------------------------------------------------------------- */

json_t *tl_json(const tl_resp *r)
{
    json_error_t e;
    json_t *j = json_loadb(r->body, r->len, JSON_DECODE_ANY, &e);
    ck_assert_msg(j != NULL, "response (status %d) is not JSON: %s; body: %.300s", r->status,
                  e.text, r->body);
    return j;
}

json_t *tl_call(const char *method, const char *path, const char *ctype, const char *body,
                size_t len, int expect)
{
    char hdr[256] = "";
    if (ctype)
        snprintf(hdr, sizeof hdr, "Content-Type: %s\r\n", ctype);
    tl_resp r;
    int st = tl_http(method, path, hdr, body, len, &r);
    ck_assert_msg(st == expect, "%s %.200s: status %d, want %d; body: %.400s", method, path, st,
                  expect, r.body);
    char ct[128];
    ck_assert_msg(tl_header(&r, "Content-Type", ct, sizeof ct) &&
                      strncmp(ct, "application/json", 16) == 0,
                  "%s %.200s: Content-Type is not application/json", method, path);
    json_t *j = tl_json(&r);
    tl_resp_free(&r);
    return j;
}

json_t *tl_get(const char *path, int expect)
{
    return tl_call("GET", path, NULL, NULL, 0, expect);
}

json_t *tl_get_canonical(const char *path)
{
    tl_resp r;
    int st = tl_http("GET", path, NULL, NULL, 0, &r);
    ck_assert_msg(st == 200, "GET %.200s: status %d; body: %.400s", path, st, r.body);
    char ct[128];
    ck_assert_msg(tl_header(&r, "Content-Type", ct, sizeof ct) &&
                      strncmp(ct, "application/json", 16) == 0,
                  "GET %.200s: Content-Type is not application/json", path);
    json_t *j = tl_json(&r);
    char *dump = json_dumps(j, JSON_COMPACT);
    ck_assert_ptr_nonnull(dump);
    if (strlen(dump) != r.len || memcmp(dump, r.body, r.len) != 0) {
        size_t k = 0;
        while (k < r.len && dump[k] == r.body[k])
            k++;
        size_t from = k > 80 ? k - 80 : 0;
        ck_abort_msg("GET %.200s: not jansson's compact form at byte %zu:\n got  %.160s\n want %.160s",
                     path, k, r.body + from, dump + from);
    }
    free(dump);
    tl_resp_free(&r);
    return j;
}

json_t *tl_ingest(const char *ctype, const char *body, size_t len)
{
    json_t *j = tl_call("POST", "/v1/dossiers", ctype, body, len, 200);
    json_int_t sum = tl_jint(j, "inserted") + tl_jint(j, "updated") + tl_jint(j, "unchanged") +
                     tl_jint(j, "stale") + tl_jint(j, "rejected");
    ck_assert_msg(tl_jint(j, "received") == sum, "received %lld != sum of the outcomes %lld",
                  (long long)tl_jint(j, "received"), (long long)sum);
    ck_assert_msg(json_is_array(json_object_get(j, "errors")), "errors is not an array");
    return j;
}

json_t *tl_jpath(json_t *root, const char *path)
{
    json_t *cur = root;
    const char *p = path;
    while (cur && *p) {
        if (*p == '[') {
            char *end;
            long i = strtol(p + 1, &end, 10);
            ck_assert_msg(*end == ']', "bad path %s", path);
            cur = json_is_array(cur) ? json_array_get(cur, (size_t)i) : NULL;
            p = end + 1;
        } else {
            if (*p == '.')
                p++;
            size_t n = strcspn(p, ".[");
            char key[128];
            ck_assert_msg(n < sizeof key, "bad path %s", path);
            memcpy(key, p, n);
            key[n] = '\0';
            cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
            p += n;
        }
    }
    return cur;
}

json_int_t tl_jint(json_t *root, const char *path)
{
    json_t *v = tl_jpath(root, path);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
    return json_integer_value(v);
}

const char *tl_jstr(json_t *root, const char *path)
{
    json_t *v = tl_jpath(root, path);
    ck_assert_msg(v != NULL, "%s is absent", path);
    if (json_is_null(v))
        return NULL;
    ck_assert_msg(json_is_string(v), "%s is not a string", path);
    return json_string_value(v);
}

bool tl_jnull(json_t *root, const char *path)
{
    json_t *v = tl_jpath(root, path);
    ck_assert_msg(v != NULL, "%s is absent", path);
    return json_is_null(v);
}

bool tl_jbool(json_t *root, const char *path)
{
    json_t *v = tl_jpath(root, path);
    ck_assert_msg(json_is_boolean(v), "%s is not a boolean", path);
    return json_is_true(v);
}

void tl_assert_error(json_t *body, const char *code)
{
    ck_assert_msg(json_is_object(body) && json_object_size(body) == 1,
                  "an error body must be {\"error\":{...}} only");
    tl_assert_str(tl_jstr(body, "error.code"), code, "error.code");
    const char *msg = tl_jstr(body, "error.message");
    ck_assert_msg(msg != NULL && msg[0] != '\0', "error.message is empty");
}

/* ---- the tests' own date arithmetic and CSV reader (see testlib.h) ---------- */

int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

int64_t lday(int64_t t) { return floor_div(t + VN_OFF, US_DAY); }

int64_t day_start(int64_t d) { return d * US_DAY - VN_OFF; }

int64_t day_end(int64_t d) { return day_start(d + 1) - 1; }

int iso_wday(int64_t d) { return (int)((d % 7 + 7 + 3) % 7) + 1; } /* 1 = Monday */

int64_t D(int y, int m, int d) { return days_from_civil(y, m, d); }

void fmt_day(int64_t d, char *buf, size_t cap)
{
    int y, m, dd;
    civil_from_days(d, &y, &m, &dd);
    snprintf(buf, cap, "%04d-%02d-%02d", y, m, dd);
}

void fmt_ts(int64_t t, char *buf, size_t cap)
{
    int64_t d = lday(t), us = t + VN_OFF - d * US_DAY;
    int64_t s = us / US_SEC, frac = us % US_SEC;
    char day[16];
    fmt_day(d, day, sizeof day);
    if (frac)
        snprintf(buf, cap, "%sT%02d:%02d:%02d.%06lld+07:00", day, (int)(s / 3600),
                 (int)(s / 60 % 60), (int)(s % 60), (long long)frac);
    else
        snprintf(buf, cap, "%sT%02d:%02d:%02d+07:00", day, (int)(s / 3600), (int)(s / 60 % 60),
                 (int)(s % 60));
}

void tl_put_ts(tl_buf *b, const char *key, int64_t t)
{
    char buf[48];
    if (t == NONE) {
        tl_buf_printf(b, ",\"%s\":null", key);
        return;
    }
    fmt_ts(t, buf, sizeof buf);
    tl_buf_printf(b, ",\"%s\":\"%s\"", key, buf);
}

size_t csv_read_row(const char **p, const char *end, char **out)
{
    const char *s = *p;
    size_t n = 0;
    if (s >= end)
        return 0;
    for (;;) {
        tl_buf cell = { 0 };
        tl_buf_puts(&cell, "");
        if (s < end && *s == '"') {
            for (s++; s < end; s++) {
                if (*s == '"' && (s + 1 >= end || s[1] != '"')) {
                    s++;
                    break;
                }
                tl_buf_put(&cell, s, 1);
                s += *s == '"';
            }
        } else {
            for (; s < end && *s != ',' && *s != '\r' && *s != '\n'; s++)
                tl_buf_put(&cell, s, 1);
        }
        ck_assert_msg(n < CSV_MAX_CELLS, "CSV row with too many cells");
        out[n++] = cell.p;
        if (s < end && *s == ',') {
            s++;
            continue;
        }
        s += s < end && *s == '\r';
        s += s < end && *s == '\n';
        break;
    }
    *p = s;
    return n;
}

void csv_free_row(char **cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(cells[i]);
}
