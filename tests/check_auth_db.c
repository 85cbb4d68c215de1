/*
 * check_auth_db.c - API keys end to end (spec §7 "Auth"): 401 without a
 * valid key, 403 with the wrong role, public read, revocation, and agency
 * scopes (aggregates and lists cover only the key's agency, another agency's
 * dossier is 404, a record outside the scope is rejected).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "db_keys.h"
#include "testlib.h"

/* Status of a request made with `key` ("" = no Authorization header). */
static int status_with(const char *key, const char *method, const char *path, const char *ctype,
                       const char *body, json_t **out)
{
    char hdr[512] = "Authorization: none-given\r\n";
    size_t n = 0;
    if (key[0])
        n = (size_t)snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", key);
    else
        hdr[0] = '\0';
    if (ctype)
        snprintf(hdr + n, sizeof hdr - n, "Content-Type: %s\r\n", ctype);
    char saved[AUTH_KEY_MAX];
    memcpy(saved, tl_env.key, sizeof saved);
    tl_env.key[0] = '\0'; /* no default key */
    tl_resp r;
    int st = tl_http(method, path, hdr, body, body ? strlen(body) : 0, &r);
    memcpy(tl_env.key, saved, sizeof saved);
    if (out)
        *out = tl_json(&r);
    tl_resp_free(&r);
    return st;
}

static const char TWO_AGENCIES[] =
    "[{\"code\":\"A-1\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"P\",\"channel\":\"online\","
    "\"status\":\"processing\",\"received_at\":\"2024-03-04T08:00:00+07:00\",\"due_at\":\"2024-03-08\"},"
    "{\"code\":\"B-1\",\"agency_code\":\"000.00.02.H62\",\"procedure_code\":\"P\",\"channel\":\"direct\","
    "\"status\":\"processing\",\"received_at\":\"2024-03-05T08:00:00+07:00\",\"due_at\":\"2024-03-08\"},"
    "{\"code\":\"B-2\",\"agency_code\":\"000.00.02.H62\",\"procedure_code\":\"P\",\"channel\":\"direct\","
    "\"status\":\"processing\",\"received_at\":\"2024-03-05T09:00:00+07:00\",\"due_at\":\"2024-03-08\"}]";

START_TEST(test_no_key)
{
    ck_assert_int_eq(status_with("", "GET", "/healthz", NULL, NULL, NULL), 200);
    ck_assert_int_eq(status_with("", "GET", "/readyz", NULL, NULL, NULL), 200);
    json_t *j;
    ck_assert_int_eq(status_with("", "GET", "/v1/metrics?period=2024-03", NULL, NULL, &j), 401);
    tl_assert_error(j, "unauthorized");
    json_decref(j);
    ck_assert_int_eq(status_with("", "GET", "/v1/dossiers/A-1", NULL, NULL, NULL), 401);
    ck_assert_int_eq(status_with("", "POST", "/v1/dossiers", "application/json", "[]", NULL), 401);
    ck_assert_int_eq(status_with("", "PUT", "/v1/targets", "application/json", "[]", NULL), 401);
    ck_assert_int_eq(status_with("", "GET", "/v1/targets", NULL, NULL, NULL), 401);
    /* malformed and unknown keys */
    ck_assert_int_eq(status_with("nonsense", "GET", "/v1/metrics", NULL, NULL, NULL), 401);
    ck_assert_int_eq(status_with("mck_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                 "GET", "/v1/metrics", NULL, NULL, NULL), 401);
    /* the right id with a wrong secret */
    char forged[AUTH_KEY_MAX];
    memcpy(forged, tl_env.key, sizeof forged);
    size_t n = strlen(forged);
    forged[n - 1] = forged[n - 1] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(status_with(forged, "GET", "/v1/metrics", NULL, NULL, NULL), 401);
    ck_assert_int_eq(status_with(tl_env.key, "GET", "/v1/metrics", NULL, NULL, NULL), 200);
}
END_TEST

START_TEST(test_roles)
{
    char rd[AUTH_KEY_MAX], in[AUTH_KEY_MAX];
    tl_key_create(ROLE_READ, NULL, rd);
    tl_key_create(ROLE_INGEST, NULL, in);
    json_t *j;
    ck_assert_int_eq(status_with(rd, "GET", "/v1/metrics", NULL, NULL, NULL), 200);
    ck_assert_int_eq(status_with(rd, "POST", "/v1/dossiers", "application/json", TWO_AGENCIES, &j), 403);
    tl_assert_error(j, "forbidden");
    json_decref(j);
    ck_assert_int_eq(status_with(rd, "PUT", "/v1/targets", "application/json", "[]", NULL), 403);
    ck_assert_int_eq(status_with(in, "POST", "/v1/dossiers", "application/json", TWO_AGENCIES, NULL), 200);
    ck_assert_int_eq(status_with(in, "GET", "/v1/metrics", NULL, NULL, NULL), 403);
    ck_assert_int_eq(status_with(in, "GET", "/v1/dossiers/A-1", NULL, NULL, NULL), 403);
    ck_assert_int_eq(status_with(in, "PUT", "/v1/targets", "application/json", "[]", NULL), 403);
    ck_assert_int_eq(status_with(tl_env.key, "PUT", "/v1/targets", "application/json", "[]", NULL), 200);
    ck_assert_int_eq(status_with(rd, "GET", "/v1/dossiers/A-1", NULL, NULL, NULL), 200);
}
END_TEST

START_TEST(test_revoked)
{
    char rd[AUTH_KEY_MAX], id[AUTH_ID_LEN + 1];
    const char *secret;
    tl_key_create(ROLE_READ, NULL, rd);
    ck_assert_int_eq(status_with(rd, "GET", "/v1/metrics", NULL, NULL, NULL), 200);
    ck_assert_int_eq(auth_key_parse(rd, id, &secret), 0);
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE api_key SET revoked_at = now() WHERE id = '%s'", id);
    tl_sql_exec(sql);
    ck_assert_int_eq(status_with(rd, "GET", "/v1/metrics", NULL, NULL, NULL), 401);
    /* only a hash is stored: the secret appears nowhere in the table */
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM api_key WHERE position('%s' in "
                          "concat(id, encode(salt, 'escape'), encode(hash, 'escape'), label)) > 0",
             secret);
    ck_assert_int_eq(tl_sql_long(q), 0);
}
END_TEST

START_TEST(test_public_read)
{
    tl_server_stop();
    tl_env.cfg.public_read = true;
    tl_server_start();
    ck_assert_int_eq(status_with("", "GET", "/v1/metrics?period=2024-03", NULL, NULL, NULL), 200);
    ck_assert_int_eq(status_with("", "GET", "/v1/rankings?period=2024-03&by=agency", NULL, NULL, NULL), 200);
    ck_assert_int_eq(status_with("", "GET", "/v1/metrics/series?period=2024-03&interval=week", NULL, NULL, NULL), 200);
    /* dossier-level data always needs a key */
    ck_assert_int_eq(status_with("", "GET", "/v1/dossiers/A-1", NULL, NULL, NULL), 401);
    ck_assert_int_eq(status_with("", "GET", "/v1/dossiers?state=pending", NULL, NULL, NULL), 401);
    ck_assert_int_eq(status_with("", "POST", "/v1/dossiers", "application/json", "[]", NULL), 401);
    /* a key that is sent must be valid even where none is needed */
    ck_assert_int_eq(status_with("nonsense", "GET", "/v1/metrics", NULL, NULL, NULL), 401);
}
END_TEST

static json_int_t received_with(const char *key, const char *query)
{
    json_t *j;
    char path[256];
    snprintf(path, sizeof path, "/v1/metrics?period=2024-03%s", query);
    ck_assert_int_eq(status_with(key, "GET", path, NULL, NULL, &j), 200);
    json_int_t n = tl_jint(j, "counts.received");
    json_decref(j);
    return n;
}

START_TEST(test_scope)
{
    json_decref(tl_ingest("application/json", TWO_AGENCIES, strlen(TWO_AGENCIES)));
    char a1[AUTH_KEY_MAX], b[AUTH_KEY_MAX];
    tl_key_create(ROLE_ADMIN, "000.00.01.H62", a1);
    tl_key_create(ROLE_ADMIN, "000.00.02.*", b);
    /* aggregates cover only the key's agency; a filter is intersected */
    ck_assert_int_eq(received_with(tl_env.key, ""), 3);
    ck_assert_int_eq(received_with(a1, ""), 1);
    ck_assert_int_eq(received_with(b, ""), 2);
    ck_assert_int_eq(received_with(b, "&agency=000.00.*"), 2);
    ck_assert_int_eq(received_with(b, "&agency=000.00.01.H62"), 0);
    ck_assert_int_eq(received_with(a1, "&agency=000.00.02.*"), 0);
    json_t *j;
    ck_assert_int_eq(status_with(b, "GET", "/v1/metrics?period=2024-03&group_by=agency", NULL, NULL, &j), 200);
    ck_assert_int_eq(json_array_size(json_object_get(j, "groups")), 1);
    json_decref(j);
    /* lists cover only the key's agency */
    ck_assert_int_eq(status_with(a1, "GET", "/v1/dossiers?state=pending&as_of=2024-03-06", NULL, NULL, &j), 200);
    ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    ck_assert_int_eq(status_with(a1, "GET", "/v1/dossiers?state=pending&as_of=2024-03-06"
                                 "&agency=000.00.02.*", NULL, NULL, &j), 200);
    ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    /* another agency's dossier does not exist for the key */
    ck_assert_int_eq(status_with(a1, "GET", "/v1/dossiers/A-1", NULL, NULL, NULL), 200);
    ck_assert_int_eq(status_with(a1, "GET", "/v1/dossiers/B-1", NULL, NULL, &j), 404);
    tl_assert_error(j, "not_found");
    json_decref(j);
    /* a record outside the scope is rejected, the others stored */
    ck_assert_int_eq(status_with(a1, "POST", "/v1/dossiers", "application/json",
        "[{\"code\":\"A-2\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"P\",\"channel\":1,"
        "\"status\":2,\"received_at\":\"2024-03-06\"},"
        "{\"code\":\"B-1\",\"agency_code\":\"000.00.02.H62\",\"procedure_code\":\"P\",\"channel\":1,"
        "\"status\":9,\"received_at\":\"2024-03-05\",\"finished_at\":\"2024-03-06\"}]", &j), 200);
    ck_assert_int_eq(tl_jint(j, "inserted"), 1);
    ck_assert_int_eq(tl_jint(j, "rejected"), 1);
    ck_assert_int_eq(tl_jint(j, "errors[0].index"), 1);
    ck_assert_str_eq(tl_jstr(j, "errors[0].field"), "agency_code");
    json_decref(j);
    ck_assert_int_eq(tl_sql_long("SELECT status FROM dossier WHERE code = 'B-1'"), 4);
    /* province-wide reference data is out of a scoped admin's reach */
    ck_assert_int_eq(status_with(a1, "PUT", "/v1/targets", "application/json", "[]", NULL), 403);
    ck_assert_int_eq(status_with(a1, "PUT", "/v1/calendar", "application/json", "[]", NULL), 403);
    ck_assert_int_eq(status_with(a1, "GET", "/v1/audit", NULL, NULL, NULL), 403);
    ck_assert_int_eq(status_with(a1, "GET", "/v1/targets", NULL, NULL, NULL), 200);
}
END_TEST

START_TEST(test_audit)
{
    json_decref(tl_ingest("application/json", TWO_AGENCIES, strlen(TWO_AGENCIES)));
    char rd[AUTH_KEY_MAX], in[AUTH_KEY_MAX];
    tl_key_create(ROLE_READ, NULL, rd);
    tl_key_create(ROLE_INGEST, NULL, in);
    ck_assert_int_eq(status_with(in, "POST", "/v1/dossiers", "application/x-ndjson",
                                 "{\"code\":\"X\"}\n", NULL), 200);
    ck_assert_int_eq(status_with(in, "POST", "/v1/dossiers", "application/json", "[{", NULL), 400);
    json_t *j;
    ck_assert_int_eq(status_with(rd, "GET", "/v1/audit", NULL, NULL, &j), 403);
    json_decref(j);
    j = tl_get("/v1/audit?limit=10", 200);
    json_t *items = json_object_get(j, "items");
    ck_assert_int_eq(json_array_size(items), 3);
    /* newest first: the refused body, the rejected record, the first batch */
    ck_assert_int_eq(tl_jint(j, "items[0].status"), 400);
    ck_assert_ptr_nonnull(tl_jstr(j, "items[0].message"));
    ck_assert_int_eq(tl_jint(j, "items[1].rejected"), 1);
    ck_assert_str_eq(tl_jstr(j, "items[1].format"), "ndjson");
    ck_assert_int_eq(tl_jint(j, "items[1].errors[0].index"), 0);
    char id[AUTH_ID_LEN + 1];
    const char *secret;
    ck_assert_int_eq(auth_key_parse(in, id, &secret), 0);
    ck_assert_str_eq(tl_jstr(j, "items[1].key_id"), id);
    ck_assert_int_eq(tl_jint(j, "items[2].inserted"), 3);
    json_int_t newest = tl_jint(j, "items[0].id");
    json_decref(j);
    char path[64];
    snprintf(path, sizeof path, "/v1/audit?before=%lld&limit=1", (long long)newest);
    j = tl_get(path, 200);
    ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
    ck_assert_int_eq(tl_jint(j, "items[0].rejected"), 1);
    json_decref(j);
    json_decref(tl_get("/v1/audit?limit=0", 400));
}
END_TEST

Suite *make_auth_db_suite(void)
{
    Suite *s = suite_create("auth_db");
    TCase *tc = tcase_create("keys");
    tcase_add_checked_fixture(tc, tl_setup, tl_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_no_key);
    tcase_add_test(tc, test_roles);
    tcase_add_test(tc, test_revoked);
    tcase_add_test(tc, test_public_read);
    tcase_add_test(tc, test_scope);
    tcase_add_test(tc, test_audit);
    suite_add_tcase(s, tc);
    return s;
}
