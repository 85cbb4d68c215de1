/*
 * static.c - serves the embedded dashboard page (static.h): the lookup of a
 * URL path among the files of web/, content types, ETag revalidation and
 * the security headers a page needs (its CSP forbids inline script, so the
 * page's own code and any text an agency name carries can never run as
 * script).
 */
#include "static.h"

#include <stdlib.h>
#include <string.h>

const static_file_t *static_find(const char *path)
{
    if (!path || path[0] != '/')
        return NULL;
    const char *name = path[1] ? path + 1 : "index.html";
    if (!strcmp(name, "index.html") && path[1])
        return NULL; /* the page has one address: / */
    for (size_t i = 0; i < STATIC_FILES_COUNT; i++)
        if (!strcmp(STATIC_FILES[i].name, name))
            return &STATIC_FILES[i];
    return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

const char *static_content_type(const char *name)
{
    if (!name)
        return "application/octet-stream";
    if (ends_with(name, ".html"))
        return "text/html; charset=utf-8";
    if (ends_with(name, ".js"))
        return "text/javascript; charset=utf-8";
    if (ends_with(name, ".css"))
        return "text/css; charset=utf-8";
    if (ends_with(name, ".md") || ends_with(name, ".txt"))
        return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

/* RFC 9110 §13.1.2: If-None-Match = "*" / #entity-tag, compared weakly
 * (W/"x" matches "x"). Anything that is not that grammar matches nothing. */
int static_etag_matches(const char *h, const char *etag)
{
    if (!h || !etag)
        return 0;
    size_t elen = strlen(etag);
    const char *p = h;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            return 0;
        if (*p == '*') {
            p++;
            while (*p == ' ' || *p == '\t')
                p++;
            return *p == '\0' || *p == ',';
        }
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return 0;
        const char *close = strchr(p + 1, '"');
        if (!close)
            return 0;
        size_t n = (size_t)(close - p) + 1; /* with both quotes */
        const char *tag = p;
        p = close + 1;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p && *p != ',')
            return 0; /* not a list of entity tags */
        if (n == elen && !memcmp(tag, etag, n))
            return 1;
    }
}

void static_serve(app_t *app, const http_req *req, http_resp *resp)
{
    (void)app;
    const static_file_t *f = static_find(req->path);
    if (!f) {
        resp_error(resp, 404, "no such resource: %.200s", req->path);
        return;
    }
    int not_modified = static_etag_matches(req->if_none_match, f->etag);
    char *copy = malloc(not_modified ? 1 : f->len + 1);
    if (!copy) {
        resp_error(resp, 500, "out of memory");
        return;
    }
    if (not_modified) {
        copy[0] = '\0';
        resp_take(resp, 304, static_content_type(f->name), copy, 0);
    } else {
        memcpy(copy, f->data, f->len);
        copy[f->len] = '\0';
        resp_take(resp, 200, static_content_type(f->name), copy, f->len);
    }
    resp->cache_control = "no-cache";
    resp->headers[0][0] = "ETag";
    resp->headers[0][1] = f->etag;
    resp->headers[1][0] = "Content-Security-Policy";
    resp->headers[1][1] = STATIC_CSP;
    resp->headers[2][0] = "Referrer-Policy";
    resp->headers[2][1] = "no-referrer";
    resp->headers[3][0] = "X-Frame-Options";
    resp->headers[3][1] = "DENY";
}
