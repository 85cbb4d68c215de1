/*
 * check_replica.c - the read replica (MOTCUA_DB_READ): which requests read
 * from it and which stay on the primary, /readyz and /metrics with two pools.
 *
 * Why a copy of the database and not a real standby: a copy frozen at one
 * moment is a replica whose replay has stopped, so every answer tells where it
 * was read (the primary moves on, the copy does not), deterministically and in
 * the throwaway cluster of tests/with-pg.sh. The real streaming replica
 * (pg_basebackup -R, replay paused and resumed, the primary stopped) is
 * tests/replica.sh, run by `make faults`.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "api.h"
#include "testlib.h"

static char replica_db[80];

static void admin_exec(const char *sql)
{
    const char *admin = getenv("MOTCUA_TEST_DB");
    ck_assert_msg(admin != NULL, "MOTCUA_TEST_DB is not set (run through tests/with-pg.sh)");
    PGconn *c = PQconnectdb(admin);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "cannot connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    char err[512];
    snprintf(err, sizeof err, "%s", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    ck_assert_msg(st == PGRES_COMMAND_OK, "%s: %s", sql, err);
}

static void replica_teardown(void)
{
    tl_teardown();
    if (replica_db[0]) {
        char sql[160];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", replica_db);
        admin_exec(sql);
        replica_db[0] = '\0';
    }
}

/* Restarts the server with cfg.db_read = conninfo of database `name` in the
 * test cluster. */
static void serve_with_replica(const char *name)
{
    tl_server_stop();
    int n = snprintf(tl_env.cfg.db_read, sizeof tl_env.cfg.db_read, "%s dbname=%s",
                     getenv("MOTCUA_TEST_DB"), name);
    ck_assert(n > 0 && (size_t)n < sizeof tl_env.cfg.db_read);
    tl_server_start();
}

/* Freezes the test database into a copy and serves reads from the copy: a
 * replica whose replay stopped now. */
static void freeze_replica(void)
{
    tl_server_stop(); /* CREATE DATABASE ... TEMPLATE needs the source unused */
    snprintf(replica_db, sizeof replica_db, "%s_r", tl_env.dbname);
    char sql[200];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s", replica_db, tl_env.dbname);
    admin_exec(sql);
    tl_server_start();
    serve_with_replica(replica_db);
}

#define REC(code)                                                                           \
    "{\"code\":\"" code "\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"1.004227\"," \
    "\"channel\":\"online\",\"status\":\"processing\",\"received_at\":"                      \
    "\"2024-03-11T08:00:00+07:00\",\"due_at\":\"2024-03-15\"}"

static void ingest(const char *body)
{
    json_t *j = tl_ingest("application/json", body, strlen(body));
    ck_assert_int_eq(tl_jint(j, "rejected"), 0);
    json_decref(j);
}

static json_int_t received_in_march(void)
{
    json_t *j = tl_get("/v1/metrics?period=2024-03", 200);
    json_int_t n = tl_jint(j, "counts.received");
    json_decref(j);
    return n;
}

static size_t array_size_at(const char *path, const char *member)
{
    json_t *j = tl_get(path, 200);
    json_t *a = member ? json_object_get(j, member) : j;
    ck_assert_msg(json_is_array(a), "%s: no array", path);
    size_t n = json_array_size(a);
    json_decref(j);
    return n;
}

/* Whether GET /v1/calendar?year=2024 lists date as a day off or worked. */
static bool calendar_has(const char *date)
{
    json_t *j = tl_get("/v1/calendar?year=2024", 200);
    char *text = json_dumps(j, JSON_COMPACT);
    ck_assert_ptr_nonnull(text);
    bool has = strstr(text, date) != NULL;
    free(text);
    json_decref(j);
    return has;
}

static int status_of(const char *method, const char *path, const char *headers, const char *body)
{
    tl_resp r;
    int st = tl_http(method, path, headers, body, body ? strlen(body) : 0, &r);
    tl_resp_free(&r);
    return st;
}

START_TEST(test_without_replica)
{
    json_t *j = tl_get("/readyz", 200);
    tl_assert_str(tl_jstr(j, "status"), "ready", "status");
    tl_assert_str(tl_jstr(j, "primary"), "up", "primary");
    tl_assert_str(tl_jstr(j, "replica"), "none", "replica");
    json_decref(j);
    tl_resp r;
    ck_assert_int_eq(tl_http("GET", "/metrics", NULL, NULL, 0, &r), 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\nmotcua_db_pool_size "));
    ck_assert_ptr_null(strstr(r.body, "motcua_db_read_pool"));
    tl_resp_free(&r);
}
END_TEST

/* Every read endpoint answers from the replica; ingest, the PUTs, the audit
 * row of an ingest and the key checks go to the primary. */
START_TEST(test_reads_from_replica)
{
    ingest("[" REC("R-1") "," REC("R-2") "]");
    static const char t1[] = "[{\"metric\":\"late_rate\",\"op\":\"<=\",\"target\":0.03,"
                             "\"agency\":null,\"year\":null}]";
    json_decref(tl_call("PUT", "/v1/targets", "application/json", t1, strlen(t1), 200));
    freeze_replica();

    json_t *j = tl_get("/readyz", 200);
    tl_assert_str(tl_jstr(j, "replica"), "up", "replica");
    json_decref(j);

    /* writes: to the primary */
    ingest("[" REC("R-3") "]");
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM dossier"), 3);
    static const char t2[] = "[]";
    json_decref(tl_call("PUT", "/v1/targets", "application/json", t2, strlen(t2), 200));
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM target"), 0);
    static const char p1[] = "[{\"procedure_code\":\"1.004227\",\"duration\":3,"
                             "\"duration_unit\":\"working_days\"}]";
    json_decref(tl_call("PUT", "/v1/procedures", "application/json", p1, strlen(p1), 200));
    static const char c1[] = "[{\"date\":\"2024-03-13\",\"working\":false,\"name\":\"test\"}]";
    json_decref(tl_call("PUT", "/v1/calendar", "application/json", c1, strlen(c1), 200));
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM calendar_override"), 1);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM ingest_audit"), 2);

    /* reads: from the replica, which has not seen any of that */
    ck_assert_int_eq(received_in_march(), 2);
    ck_assert_int_eq(status_of("GET", "/v1/dossiers/R-1", NULL, NULL), 200);
    ck_assert_int_eq(status_of("GET", "/v1/dossiers/R-3", NULL, NULL), 404);
    ck_assert_uint_eq(array_size_at("/v1/dossiers?state=pending&as_of=2024-03-12", "items"), 2);
    j = tl_get("/v1/metrics/series?period=2024-03&interval=month", 200);
    ck_assert_int_eq(tl_jint(j, "buckets[0].counts.received"), 2);
    json_decref(j);
    j = tl_get("/v1/rankings?period=2024-03&by=agency&metric=on_time_rate_incl_pending&min_n=0",
               200);
    ck_assert_int_eq(tl_jint(j, "ranked[0].denominator"), 2);
    json_decref(j);
    ck_assert_uint_eq(array_size_at("/v1/targets", NULL), 1);      /* t1, not t2 */
    ck_assert_uint_eq(array_size_at("/v1/procedures", NULL), 0);
    ck_assert_uint_eq(array_size_at("/v1/audit", "items"), 1);
    /* the calendar: this instance rebuilt it from the primary after its PUT,
     * then again from the replica's older version on the next read */
    ck_assert(!calendar_has("2024-03-13"));

    /* keys: checked on the primary, so a key the replica does not know yet
     * works, and a revocation takes effect at once */
    char rd[AUTH_KEY_MAX], id[AUTH_ID_LEN + 1], hdr[AUTH_KEY_MAX + 40];
    const char *secret;
    tl_key_create(ROLE_READ, NULL, rd);
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", rd);
    ck_assert_int_eq(status_of("GET", "/v1/metrics?period=2024-03", hdr, NULL), 200);
    ck_assert_int_eq(auth_key_parse(rd, id, &secret), 0);
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE api_key SET revoked_at = now() WHERE id = '%s'", id);
    tl_sql_exec(sql);
    ck_assert_int_eq(status_of("GET", "/v1/metrics?period=2024-03", hdr, NULL), 401);

    /* /metrics: both pools; the open dossiers counted on the replica */
    tl_resp r;
    ck_assert_int_eq(tl_http("GET", "/metrics", NULL, NULL, 0, &r), 200);
    char want[64];
    snprintf(want, sizeof want, "\nmotcua_db_read_pool_size %d\n", tl_env.cfg.db_pool);
    ck_assert_msg(strstr(r.body, want) != NULL, "no read pool size in %s", r.body);
    ck_assert_ptr_nonnull(strstr(r.body, "\nmotcua_db_read_pool_connections{state=\"idle\"} "));
    ck_assert_ptr_nonnull(strstr(r.body, "\nmotcua_db_pool_size "));
    ck_assert_ptr_nonnull(strstr(r.body, "\nmotcua_open_dossiers{state=\"overdue\"} 2\n"));
    tl_resp_free(&r);

    /* the replica catches up (here: reads pointed back at the primary) */
    serve_with_replica(tl_env.dbname);
    ck_assert_int_eq(received_in_march(), 3);
    ck_assert_int_eq(status_of("GET", "/v1/dossiers/R-3", NULL, NULL), 200);
    ck_assert(calendar_has("2024-03-13"));
}
END_TEST

/* The replica down: reads answer 503 with Retry-After, writes still work,
 * /readyz says which one is missing. */
START_TEST(test_replica_down)
{
    tl_env.cfg.db_wait_ms = 200;
    serve_with_replica("motcua_no_such_replica");
    json_t *j = tl_call("GET", "/readyz", NULL, NULL, 0, 503);
    tl_assert_error(j, "unavailable");
    ck_assert_ptr_nonnull(strstr(tl_jstr(j, "error.message"), "read replica"));
    json_decref(j);
    ck_assert_int_eq(status_of("GET", "/healthz", NULL, NULL), 200);
    static const char *const reads[] = {
        "/v1/metrics?period=2024-03", "/v1/dossiers/R-1", "/v1/dossiers?state=pending",
        "/v1/metrics/series?period=2024&interval=month", "/v1/rankings?period=2024&by=agency",
        "/v1/targets", "/v1/procedures", "/v1/calendar?year=2024", "/v1/audit",
    };
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        tl_resp r;
        int st = tl_http("GET", reads[i], NULL, NULL, 0, &r);
        char ra[16];
        ck_assert_msg(st == 503, "GET %s: %d, want 503", reads[i], st);
        ck_assert_ptr_nonnull(tl_header(&r, "Retry-After", ra, sizeof ra));
        tl_resp_free(&r);
    }
    ingest("[" REC("R-9") "]");
    static const char t[] = "[]";
    json_decref(tl_call("PUT", "/v1/targets", "application/json", t, strlen(t), 200));
    /* /metrics still answers, without the open-dossier gauges */
    tl_resp r;
    ck_assert_int_eq(tl_http("GET", "/metrics", NULL, NULL, 0, &r), 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\nmotcua_db_read_pool_size "));
    ck_assert_ptr_null(strstr(r.body, "motcua_open_dossiers"));
    tl_resp_free(&r);
}
END_TEST

/* The setting itself: flag and variable, too long refused. */
START_TEST(test_config)
{
    config_t c;
    char err[200];
    config_defaults(&c);
    ck_assert_str_eq(c.db_read, "");
    setenv("MOTCUA_DB_READ", "host=replica dbname=motcua", 1);
    ck_assert_int_eq(config_from_env(&c, err, sizeof err), 0);
    unsetenv("MOTCUA_DB_READ");
    ck_assert_str_eq(c.db_read, "host=replica dbname=motcua");
    ck_assert_int_eq(config_flag(&c, "--db-read", "host=r2", err, sizeof err), 0);
    ck_assert_str_eq(c.db_read, "host=r2");
    char big[1100];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(config_flag(&c, "--db-read", big, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "--db-read"));
    ck_assert_str_eq(c.db_read, "host=r2");
    ck_assert_int_eq(config_flag(&c, "--db-read", "", err, sizeof err), 0);
    ck_assert_str_eq(c.db_read, "");
}
END_TEST

/* A query the replica cancelled to replay WAL (SQLSTATE 40001, DB_RETRY) is a
 * 503 with Retry-After, not a 500: the same request succeeds a moment later. */
START_TEST(test_cancelled_query)
{
    http_resp r;
    memset(&r, 0, sizeof r);
    api_db_failure(&r, DB_RETRY, "the metrics query");
    ck_assert_int_eq(r.status, 503);
    ck_assert_int_gt(r.retry_after, 0);
    ck_assert_ptr_nonnull(strstr(r.body, "\"unavailable\""));
    free(r.body);
    memset(&r, 0, sizeof r);
    api_db_failure(&r, DB_ERROR, "the metrics query");
    ck_assert_int_eq(r.status, 500);
    free(r.body);
}
END_TEST

Suite *make_replica_suite(void)
{
    Suite *s = suite_create("replica");
    TCase *unit = tcase_create("config");
    tcase_add_test(unit, test_config);
    tcase_add_test(unit, test_cancelled_query);
    suite_add_tcase(s, unit);
    TCase *tc = tcase_create("pools");
    tcase_add_checked_fixture(tc, tl_setup, replica_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_without_replica);
    tcase_add_test(tc, test_reads_from_replica);
    tcase_add_test(tc, test_replica_down);
    suite_add_tcase(s, tc);
    return s;
}
