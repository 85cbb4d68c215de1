/*
 * check_static.c - the dashboard page's files (static.c): path lookup with
 * hostile paths, content types, If-None-Match parsing, the page's own rules
 * (no inline script or style, no other host, no HTML-writing calls in
 * app.js, every asset it names is served) and, through the real server,
 * the headers of every answer, HEAD, 304, 404 and 405.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "static.h"
#include "testlib.h"

static const char *const ASSETS[] = { "/", "/app.js", "/app.css", "/vendor/chart.umd.min.js" };
#define NASSETS (sizeof ASSETS / sizeof ASSETS[0])

/* The file's text as a NUL-terminated copy (caller frees). */
static char *text_of(const char *path)
{
    const static_file_t *f = static_find(path);
    ck_assert_msg(f != NULL, "%s is not embedded", path);
    char *s = malloc(f->len + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, f->data, f->len);
    s[f->len] = '\0';
    ck_assert_msg(strlen(s) == f->len, "%s holds a NUL byte", path);
    return s;
}

/* ---- lookup, content types, entity tags (no server) ---------------------------------------- */

START_TEST(test_find)
{
    ck_assert_str_eq(static_find("/")->name, "index.html");
    ck_assert_str_eq(static_find("/app.js")->name, "app.js");
    ck_assert_str_eq(static_find("/app.css")->name, "app.css");
    ck_assert_str_eq(static_find("/vendor/chart.umd.min.js")->name, "vendor/chart.umd.min.js");
    static const char *const absent[] = {
        "", "app.js", "/index.html", "/nope", "/vendor", "/vendor/", "/../app.js", "/./app.js",
        "/app.js/", "/APP.JS", "//app.js", "/app.js?x=1", "/app.js%00", "/app.jsx", "/app.j",
        "/vendor/chart.umd.min.js.map", "/vendor/chart.js.LICENSE.md", "/package.json",
        "/\xff\xfe", "/ app.js", "/app.js ",
    };
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        ck_assert_msg(static_find(absent[i]) == NULL, "'%s' is found", absent[i]);
    ck_assert_ptr_null(static_find(NULL));
    char *longp = malloc(100001);
    ck_assert_ptr_nonnull(longp);
    longp[0] = '/';
    memset(longp + 1, 'a', 99999);
    longp[100000] = '\0';
    ck_assert_ptr_null(static_find(longp));
    free(longp);
}
END_TEST

START_TEST(test_content_types)
{
    ck_assert_str_eq(static_content_type("index.html"), "text/html; charset=utf-8");
    ck_assert_str_eq(static_content_type("app.js"), "text/javascript; charset=utf-8");
    ck_assert_str_eq(static_content_type("vendor/chart.umd.min.js"), "text/javascript; charset=utf-8");
    ck_assert_str_eq(static_content_type("app.css"), "text/css; charset=utf-8");
    ck_assert_str_eq(static_content_type("LICENSE.md"), "text/plain; charset=utf-8");
    ck_assert_str_eq(static_content_type("x.js.map"), "application/octet-stream");
    ck_assert_str_eq(static_content_type("js"), "application/octet-stream");
    ck_assert_str_eq(static_content_type(""), "application/octet-stream");
    ck_assert_str_eq(static_content_type(NULL), "application/octet-stream");
    for (size_t i = 0; i < STATIC_FILES_COUNT; i++)
        ck_assert_msg(strcmp(static_content_type(STATIC_FILES[i].name), "application/octet-stream"),
                      "%s has no content type", STATIC_FILES[i].name);
}
END_TEST

START_TEST(test_etag_matches)
{
    const char *e = "\"0123abcd\"";
    ck_assert(static_etag_matches("\"0123abcd\"", e));
    ck_assert(static_etag_matches("W/\"0123abcd\"", e));
    ck_assert(static_etag_matches("\"x\", \"0123abcd\"", e));
    ck_assert(static_etag_matches("\"x\",W/\"0123abcd\" , \"y\"", e));
    ck_assert(static_etag_matches("  \t\"0123abcd\"  ", e));
    ck_assert(static_etag_matches("*", e));
    ck_assert(static_etag_matches(" * ", e));
    ck_assert(static_etag_matches("\"x\", *", e));
    static const char *const no[] = {
        "", " ", ",,,", "\"0123abc\"", "\"0123abcd", "0123abcd", "\"0123ABCD\"", "W/0123abcd",
        "W/", "W", "w/\"0123abcd\"", "\"\"", "\"0123abcd\"x", "\"x\" \"0123abcd\"", "*x", "**",
        "\"x\"junk, \"0123abcd\"", "\"0123abcd\"\"", "\"x\", \"0123abcd",
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        ck_assert_msg(!static_etag_matches(no[i], e), "'%s' matches", no[i]);
    ck_assert(!static_etag_matches(NULL, e));
    ck_assert(!static_etag_matches("\"0123abcd\"", NULL));
    /* thousands of tags, and one long unterminated one */
    size_t n = 200000;
    char *many = malloc(n + 16);
    ck_assert_ptr_nonnull(many);
    size_t k = 0;
    while (k + 6 < n) {
        memcpy(many + k, "\"a\", ", 5);
        k += 5;
    }
    strcpy(many + k, "\"0123abcd\"");
    ck_assert(static_etag_matches(many, e));
    many[k] = '\0';
    ck_assert(!static_etag_matches(many, e));
    memset(many, 'W', n);
    many[0] = '"';
    many[n] = '\0';
    ck_assert(!static_etag_matches(many, e));
    free(many);
}
END_TEST

START_TEST(test_embedded_files)
{
    ck_assert_uint_eq(STATIC_FILES_COUNT, NASSETS);
    for (size_t i = 0; i < NASSETS; i++) {
        const static_file_t *f = static_find(ASSETS[i]);
        ck_assert_msg(f && f->len > 0, "%s", ASSETS[i]);
        /* "\"" + 32 hex digits of the SHA-256 + "\"", one per file */
        ck_assert_uint_eq(strlen(f->etag), 34);
        ck_assert(f->etag[0] == '"' && f->etag[33] == '"');
        ck_assert_uint_eq(strspn(f->etag + 1, "0123456789abcdef"), 32);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(f->etag, static_find(ASSETS[j])->etag);
        /* every embedded file has a route */
        int found = 0;
        for (size_t r = 0; r < http_route_count() && !found; r++) {
            int g, po, pu;
            found = !strcmp(http_route_path(r, &g, &po, &pu), ASSETS[i]) && g && !po && !pu;
        }
        ck_assert_msg(found, "%s has no GET route", ASSETS[i]);
    }
    ck_assert_msg(strstr(STATIC_CSP, "script-src 'self'") && !strstr(STATIC_CSP, "unsafe"),
                  "CSP: %s", STATIC_CSP);
}
END_TEST

/* The page holds no inline script or style, names no other host, and every
 * asset it names is embedded. */
START_TEST(test_page_rules)
{
    char *html = text_of("/");
    for (const char *p = html; (p = strstr(p, "<script")) != NULL; p++) {
        const char *end = strchr(p, '>');
        ck_assert_ptr_nonnull(end);
        char tag[256];
        snprintf(tag, sizeof tag, "%.*s", (int)(end - p), p);
        ck_assert_msg(strstr(tag, " src=\"/") != NULL, "inline script at %.40s", p);
        ck_assert_msg(!strncmp(end, "></script>", 10), "script with a body at %.40s", p);
    }
    ck_assert_msg(!strstr(html, "style=") && !strstr(html, "<style"), "inline style");
    ck_assert_msg(!strstr(html, "http://") && !strstr(html, "https://"), "another host");
    ck_assert_msg(!strstr(html, "javascript:"), "javascript: URL");
    /* no event-handler attribute: " on" followed by letters and '=' */
    for (const char *p = html; (p = strstr(p, " on")) != NULL; p++) {
        const char *q = p + 3;
        while (*q >= 'a' && *q <= 'z')
            q++;
        ck_assert_msg(*q != '=', "event handler attribute at %.40s", p);
    }
    int assets = 0;
    static const char *const attrs[] = { " src=\"", " href=\"" };
    for (size_t a = 0; a < 2; a++)
        for (const char *p = html; (p = strstr(p, attrs[a])) != NULL; p++) {
            const char *v = p + strlen(attrs[a]);
            const char *end = strchr(v, '"');
            ck_assert_ptr_nonnull(end);
            char ref[256];
            snprintf(ref, sizeof ref, "%.*s", (int)(end - v), v);
            if (!strncmp(ref, "data:", 5) || !strcmp(ref, "#"))
                continue;
            ck_assert_msg(static_find(ref) != NULL, "the page names %s, which is not served", ref);
            assets++;
        }
    ck_assert_int_eq(assets, 3); /* app.css, the chart library, app.js */
    free(html);

    /* the script and the style sheet: no other host, no HTML-writing calls */
    static const char *const own[] = { "/app.js", "/app.css" };
    static const char *const banned[] = { "innerHTML", "outerHTML", "insertAdjacentHTML",
                                          "document.write", "eval(", "new Function",
                                          "http://", "https://", "localStorage.setItem(KEY" };
    for (size_t i = 0; i < 2; i++) {
        char *s = text_of(own[i]);
        for (size_t b = 0; b < sizeof banned / sizeof banned[0]; b++)
            ck_assert_msg(!strstr(s, banned[b]), "%s uses %s", own[i], banned[b]);
        free(s);
    }
    /* the key goes to sessionStorage and the Authorization header only */
    char *js = text_of("/app.js");
    ck_assert(strstr(js, "sessionStorage.setItem(KEY_STORE") != NULL);
    ck_assert(strstr(js, "'Bearer ' + key") != NULL);
    free(js);
}
END_TEST

/* ---- through the server ---------------------------------------------------------------------- */

static void assert_header(const tl_resp *r, const char *name, const char *want, const char *path)
{
    char buf[1024];
    const char *got = tl_header(r, name, buf, sizeof buf);
    ck_assert_msg(got != NULL, "%s: no %s header", path, name);
    ck_assert_msg(!strcmp(got, want), "%s: %s is '%s', want '%s'", path, name, got, want);
}

START_TEST(test_served)
{
    tl_env.key[0] = '\0'; /* the page needs no key */
    for (size_t i = 0; i < NASSETS; i++) {
        const static_file_t *f = static_find(ASSETS[i]);
        tl_resp r;
        ck_assert_int_eq(tl_http("GET", ASSETS[i], NULL, NULL, 0, &r), 200);
        ck_assert_uint_eq(r.len, f->len);
        ck_assert(memcmp(r.body, f->data, f->len) == 0);
        assert_header(&r, "Content-Type", static_content_type(f->name), ASSETS[i]);
        assert_header(&r, "Content-Security-Policy", STATIC_CSP, ASSETS[i]);
        assert_header(&r, "X-Content-Type-Options", "nosniff", ASSETS[i]);
        assert_header(&r, "X-Frame-Options", "DENY", ASSETS[i]);
        assert_header(&r, "Referrer-Policy", "no-referrer", ASSETS[i]);
        assert_header(&r, "Cache-Control", "no-cache", ASSETS[i]);
        assert_header(&r, "ETag", f->etag, ASSETS[i]);
        tl_resp_free(&r);

        /* HEAD: the same status and headers, no body */
        char cl[32];
        snprintf(cl, sizeof cl, "%zu", f->len);
        ck_assert_int_eq(tl_http("HEAD", ASSETS[i], NULL, NULL, 0, &r), 200);
        ck_assert_uint_eq(r.len, 0);
        assert_header(&r, "Content-Length", cl, ASSETS[i]);
        assert_header(&r, "ETag", f->etag, ASSETS[i]);
        assert_header(&r, "Content-Type", static_content_type(f->name), ASSETS[i]);
        tl_resp_free(&r);

        /* revalidation: 304 without a body when the tag matches */
        char h[256];
        snprintf(h, sizeof h, "If-None-Match: %s\r\n", f->etag);
        ck_assert_int_eq(tl_http("GET", ASSETS[i], h, NULL, 0, &r), 304);
        ck_assert_uint_eq(r.len, 0);
        assert_header(&r, "ETag", f->etag, ASSETS[i]);
        tl_resp_free(&r);
        snprintf(h, sizeof h, "If-None-Match: \"other\", W/%s\r\n", f->etag);
        ck_assert_int_eq(tl_http("GET", ASSETS[i], h, NULL, 0, &r), 304);
        tl_resp_free(&r);
        ck_assert_int_eq(tl_http("GET", ASSETS[i], "If-None-Match: \"stale\"\r\n", NULL, 0, &r), 200);
        ck_assert_uint_eq(r.len, f->len);
        tl_resp_free(&r);
    }
}
END_TEST

START_TEST(test_not_served)
{
    tl_env.key[0] = '\0';
    static const char *const absent[] = { "/index.html", "/nope", "/vendor/", "/app.js.map",
                                          "/vendor/chart.umd.min.js.map", "/web/app.js",
                                          "/package.json", "/vendor/chart.js.LICENSE.md" };
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        json_t *b = tl_call("GET", absent[i], NULL, NULL, 0, 404);
        tl_assert_error(b, "not_found");
        json_decref(b);
    }
    /* the page answers GET and HEAD only */
    static const char *const methods[] = { "POST", "PUT", "DELETE", "PATCH" };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        tl_resp r;
        ck_assert_int_eq(tl_http(methods[i], "/", NULL, "x", 1, &r), 405);
        assert_header(&r, "Allow", "GET, HEAD", "/");
        assert_header(&r, "Cache-Control", "no-store", "/");
        tl_resp_free(&r);
    }
    /* a query string changes nothing; an Authorization header is not looked at */
    tl_resp r;
    ck_assert_int_eq(tl_http("GET", "/?period=2024-Q1&x=%3Cscript%3E", NULL, NULL, 0, &r), 200);
    ck_assert_uint_eq(r.len, static_find("/")->len);
    tl_resp_free(&r);
    ck_assert_int_eq(tl_http("GET", "/", "Authorization: Bearer garbage\r\n", NULL, 0, &r), 200);
    tl_resp_free(&r);
    /* a hostile If-None-Match: the file, not a crash */
    tl_buf h = { 0 };
    tl_buf_puts(&h, "If-None-Match: ");
    for (int i = 0; i < 800; i++)
        tl_buf_puts(&h, "W/\"x");
    tl_buf_puts(&h, "\r\n");
    ck_assert_int_eq(tl_http("GET", "/app.css", h.p, NULL, 0, &r), 200);
    tl_resp_free(&r);
    tl_buf_free(&h);
    /* the API's answers keep no-store and carry no page CSP */
    ck_assert_int_eq(tl_http("GET", "/healthz", NULL, NULL, 0, &r), 200);
    assert_header(&r, "Cache-Control", "no-store", "/healthz");
    char buf[64];
    ck_assert_ptr_null(tl_header(&r, "ETag", buf, sizeof buf));
    tl_resp_free(&r);
}
END_TEST

Suite *make_static_suite(void)
{
    Suite *s = suite_create("static");
    TCase *tc = tcase_create("files");
    tcase_add_test(tc, test_find);
    tcase_add_test(tc, test_content_types);
    tcase_add_test(tc, test_etag_matches);
    tcase_add_test(tc, test_embedded_files);
    tcase_add_test(tc, test_page_rules);
    suite_add_tcase(s, tc);
    TCase *srv = tcase_create("served");
    tcase_add_checked_fixture(srv, tl_setup, tl_teardown);
    tcase_set_timeout(srv, 60);
    tcase_add_test(srv, test_served);
    tcase_add_test(srv, test_not_served);
    suite_add_tcase(s, srv);
    return s;
}
