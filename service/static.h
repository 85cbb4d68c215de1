/*
 * static.h - the dashboard page (web/) served at GET / and its asset paths.
 * The files are embedded in the binary at build time (the Makefile writes
 * build/static_files.c from web/, as it does for api/openapi.json), so the
 * page a browser loads is the one this binary was built and tested with and
 * nothing is read from disk or from another host at run time.
 *
 * Every answer carries its content type, a strict Content-Security-Policy
 * (scripts, styles and fetches from this origin only, no inline script, no
 * framing) and an ETag; Cache-Control "no-cache" makes a browser revalidate,
 * and a matching If-None-Match is answered 304 without a body.
 */
#ifndef MOTCUA_STATIC_H
#define MOTCUA_STATIC_H

#include <stddef.h>

#include "http.h"

/* One embedded file: its name under web/ ("index.html", "vendor/x.js"), its
 * bytes and a strong ETag (quoted, from the file's SHA-256). */
typedef struct {
    const char *name;
    const unsigned char *data;
    size_t len;
    const char *etag;
} static_file_t;

/* build/static_files.c */
extern const static_file_t STATIC_FILES[];
extern const size_t STATIC_FILES_COUNT;

/* The Content-Security-Policy of every page answer. */
#define STATIC_CSP                                                                     \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "  \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* The file served at URL path `path` ("/" is index.html, "/app.js" is
 * app.js), or NULL. */
const static_file_t *static_find(const char *path);

/* The Content-Type of a file by its extension (application/octet-stream for
 * an unknown one). A static string. */
const char *static_content_type(const char *name);

/* True when an If-None-Match header value (a list of entity tags, weak ones
 * included, or "*") matches etag. NULL or malformed: false. */
int static_etag_matches(const char *if_none_match, const char *etag);

/* The GET/HEAD handler of every page route (ROUTES in http.c): 200 with the
 * file, 304 when If-None-Match matches, 404 for a path with no file. */
void static_serve(app_t *app, const http_req *req, http_resp *resp);

#endif
