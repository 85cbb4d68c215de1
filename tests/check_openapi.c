/*
 * check_openapi.c - the OpenAPI document against the server: every route the
 * dispatcher answers is in the document with its methods, every path of the
 * document is answered, and GET /openapi.json serves the document itself.
 */
#include <check.h>
#include <string.h>

#include "openapi.h"
#include "testlib.h"

static json_t *doc(void)
{
    json_error_t err;
    json_t *d = json_loadb(OPENAPI_JSON, OPENAPI_JSON_LEN, 0, &err);
    ck_assert_msg(d != NULL, "api/openapi.json does not parse: %s (line %d)", err.text, err.line);
    ck_assert_str_eq(json_string_value(json_object_get(d, "openapi")), "3.0.3");
    return d;
}

START_TEST(test_routes_documented)
{
    json_t *d = doc(), *paths = json_object_get(d, "paths");
    ck_assert(json_is_object(paths));
    for (size_t i = 0; i < http_route_count(); i++) {
        int get, post, put;
        const char *p = http_route_path(i, &get, &post, &put);
        json_t *item = json_object_get(paths, p);
        ck_assert_msg(item != NULL, "route %s is not in api/openapi.json", p);
        ck_assert_msg(!get == !json_object_get(item, "get"), "%s: get", p);
        ck_assert_msg(!post == !json_object_get(item, "post"), "%s: post", p);
        ck_assert_msg(!put == !json_object_get(item, "put"), "%s: put", p);
    }
    ck_assert_ptr_nonnull(json_object_get(json_object_get(paths, "/v1/dossiers/{code}"), "get"));
    /* and the other way round: every documented path is a route */
    const char *key;
    json_t *v;
    json_object_foreach(paths, key, v) {
        int found = !strcmp(key, "/v1/dossiers/{code}");
        for (size_t i = 0; i < http_route_count() && !found; i++) {
            int g, po, pu;
            found = !strcmp(key, http_route_path(i, &g, &po, &pu));
        }
        ck_assert_msg(found, "documented path %s is not answered", key);
    }
    json_decref(d);
}
END_TEST

START_TEST(test_documented_paths_answer)
{
    json_t *d = doc(), *paths = json_object_get(d, "paths");
    const char *key;
    json_t *v;
    json_object_foreach(paths, key, v) {
        if (!json_object_get(v, "get"))
            continue;
        char path[256];
        if (!strcmp(key, "/v1/dossiers/{code}"))
            snprintf(path, sizeof path, "/v1/dossiers/NO-SUCH-CODE");
        else
            snprintf(path, sizeof path, "%s", key);
        tl_resp r;
        int st = tl_http("GET", path, NULL, NULL, 0, &r);
        tl_resp_free(&r);
        /* answered: anything but "no such resource" (a missing parameter is a 400) */
        ck_assert_msg(st != 404 || !strcmp(key, "/v1/dossiers/{code}"), "GET %s: 404", path);
        ck_assert_msg(st != 405 && st < 500, "GET %s: %d", path, st);
    }
    json_decref(d);
    tl_resp r;
    ck_assert_int_eq(tl_http("GET", "/openapi.json", NULL, NULL, 0, &r), 200);
    ck_assert_uint_eq(r.len, OPENAPI_JSON_LEN);
    ck_assert(memcmp(r.body, OPENAPI_JSON, OPENAPI_JSON_LEN) == 0);
    tl_resp_free(&r);
}
END_TEST

Suite *make_openapi_suite(void)
{
    Suite *s = suite_create("openapi");
    TCase *tc = tcase_create("document");
    tcase_add_test(tc, test_routes_documented);
    suite_add_tcase(s, tc);
    TCase *srv = tcase_create("served");
    tcase_add_checked_fixture(srv, tl_setup, tl_teardown);
    tcase_set_timeout(srv, 60);
    tcase_add_test(srv, test_documented_paths_answer);
    suite_add_tcase(s, srv);
    return s;
}
