/*
 * jsonw.h - JSON output written once, produced either as text or as a
 * jansson tree.
 *
 * Why: the large answers (/v1/metrics grouped by 200 agencies is ~300 KB)
 * cost several times more to build as a jansson tree and dump than to write
 * as text, but other modules still want the tree form (the report, tests).
 * A renderer written against this interface gives both from one piece of
 * code, so the two forms cannot drift apart.
 *
 * Text mode writes exactly what json_dumps(tree, JSON_COMPACT) of jansson
 * 2.14 writes for the same calls: members in the order written; strings
 * with '"', '\\' and the control characters escaped (\b \f \n \r \t, others
 * as \u00XX in upper-case hex), everything else (DEL, non-ASCII UTF-8) as
 * is; integers in decimal; reals as "%.17g", with ".0" appended when that
 * has neither '.' nor 'e', and the exponent without '+' or leading zeros.
 *
 * Failure is sticky and checked once, by jw_finish_*: out of memory, a
 * string that is not valid UTF-8 (jansson's json_string refuses it, so both
 * modes fail), unbalanced or misplaced calls (a value in an object without a
 * key, nesting deeper than JW_DEPTH_MAX). A real that is not finite (NaN,
 * infinity) is written as null in both modes: JSON has no such number and
 * jansson refuses to make one; the renderers never produce one.
 */
#ifndef MOTCUA_JSONW_H
#define MOTCUA_JSONW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "strbuf.h"

#define JW_DEPTH_MAX 16
#define JW_REAL_CACHE 32   /* text mode: recently formatted reals (targets repeat) */

typedef struct {
    bool tree;             /* the mode */
    bool failed;           /* sticky */
    bool after_key;        /* a key was written, its value is due */
    int depth;
    bool is_object[JW_DEPTH_MAX];
    bool has_member[JW_DEPTH_MAX];   /* text: a ',' before the next member */
    bool has_root;
    strbuf b;              /* text: the output (appended to by jsonw.c only) */
    json_t *stack[JW_DEPTH_MAX];     /* tree: the open containers (borrowed) */
    json_t *root;          /* tree: the output (owned until jw_finish_tree) */
    const char *key;       /* tree: the pending key (borrowed) */
    struct {
        uint64_t bits;
        uint8_t len;       /* 0: empty */
        char text[31];
    } reals[JW_REAL_CACHE];
} jsonw;

void jw_init_text(jsonw *w);
void jw_init_tree(jsonw *w);

/* The text (malloc'd, NUL-terminated, caller frees; length in *len when len
 * is not NULL), or NULL on any failure. Each finish releases whatever w
 * holds, whatever its mode (a writer finished in the other mode gives NULL). */
char *jw_finish_text(jsonw *w, size_t *len);
/* The tree (caller owns), or NULL on any failure. */
json_t *jw_finish_tree(jsonw *w);

/* Text mode: makes room for n more bytes at once (a size hint; the text
 * grows as needed anyway). Nothing in tree mode. */
void jw_reserve(jsonw *w, size_t n);

/* Marks the output failed (e.g. an allocation of the caller's failed). */
void jw_fail(jsonw *w);

void jw_object_begin(jsonw *w);
void jw_object_end(jsonw *w);
void jw_array_begin(jsonw *w);
void jw_array_end(jsonw *w);
/* The key of the next member of the current object. key is borrowed until
 * that member's value is written. The caller never repeats a key in one
 * object (the tree would keep the last value, the text both). */
void jw_key(jsonw *w, const char *key);

/* Values: the next element of an array, the value of the pending key, or the
 * whole document. */
void jw_string(jsonw *w, const char *s);   /* NULL: null */
void jw_int(jsonw *w, int64_t v);
void jw_real(jsonw *w, double v);          /* not finite: null */
void jw_null(jsonw *w);

#endif
