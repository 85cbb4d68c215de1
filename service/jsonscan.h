/*
 * jsonscan.h - a validating JSON scanner that never builds a tree.
 *
 * jansson has no push parser and needs ~13x a document's size in heap, so a
 * large body is never parsed in one piece (see docs/ARCHITECTURE.md). This
 * module checks a whole body against RFC 8259 (strict UTF-8, nesting limit)
 * in one pass without allocating, and then walks the members of the top-level
 * object or the elements of an array as byte spans, each of which is handed
 * to json_loadb on its own. Pure, no I/O.
 */
#ifndef MOTCUA_JSONSCAN_H
#define MOTCUA_JSONSCAN_H

#include <stddef.h>

#define JS_MAX_DEPTH 512

typedef struct {
    size_t offset;        /* byte offset of the first offending byte */
    char message[96];     /* English, for an error body */
} js_error;

typedef struct {
    size_t off, len;      /* a span of the scanned buffer */
} js_span;

/* Validates that buf[0..len) is exactly one JSON value surrounded by optional
 * whitespace. Returns 0 when valid, -1 (and fills err) when not. */
int js_validate(const char *buf, size_t len, js_error *err);

/* Offset of the first non-whitespace byte at or after off (len if none). */
size_t js_skip_ws(const char *buf, size_t len, size_t off);

/* Iterators over a validated buffer. They never read outside [0, len) and
 * never crash on invalid input, but only promise meaningful spans after
 * js_validate succeeded on the same buffer. */
typedef struct {
    const char *buf;
    size_t len;
    size_t pos;   /* next byte to look at */
    int done;
} js_iter;

/* Starts iterating the array whose '[' is at buf[off]. 0 ok, -1 not an array. */
int js_array_begin(js_iter *it, const char *buf, size_t len, size_t off);
/* Next element: 1 and its span, 0 at the end, -1 on malformed input. */
int js_array_next(js_iter *it, js_span *elem);

/* Starts iterating the object whose '{' is at buf[off]. 0 ok, -1 not an object. */
int js_object_begin(js_iter *it, const char *buf, size_t len, size_t off);
/* Next member: 1 with the key span (including its quotes) and value span,
 * 0 at the end, -1 on malformed input. */
int js_object_next(js_iter *it, js_span *key, js_span *value);

/* True when the key span (with quotes) equals the plain ASCII name given
 * (no escapes in the key). */
int js_key_is(const char *buf, js_span key, const char *name);

#endif
