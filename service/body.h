/*
 * body.h - the input formats of POST /v1/dossiers and `motcua import`
 * (spec §3.2): JSON (array or one object), the national portal's
 * DongBoHoSoMC envelope, NDJSON and CSV.
 *
 * The body is read from one buffer and never copied or parsed whole: JSON is
 * first checked by the scanner (a syntax error anywhere is a 400 before any
 * record is handed on), then each element is parsed on its own; NDJSON and
 * CSV go line by line / row by row, a bad line or row being an error of that
 * record only. Each record goes to a sink as soon as it is built, so memory
 * stays bounded by the sink's chunk size. Pure, no I/O.
 */
#ifndef MOTCUA_BODY_H
#define MOTCUA_BODY_H

#include <stddef.h>
#include "arena.h"
#include "record.h"

typedef enum { BODY_JSON = 0, BODY_NDJSON, BODY_CSV } body_format;

/* Media type of a Content-Type header (parameters such as charset=utf-8
 * allowed; another charset is refused). 0 ok, -1 unsupported (415). */
int body_format_from_content_type(const char *ct, body_format *out);
/* Format from a file name's extension (.json, .ndjson/.jsonl, .csv); -1 unknown. */
int body_format_from_filename(const char *name, body_format *out);

typedef struct {
    arena_t *arena;   /* where records' strings are copied; the sink may reset
                         it inside emit, after it has used the records */
    /* One record, built and finished (rb->nerr > 0: invalid). index is its
     * 0-based position in the batch; line its physical starting line (CSV,
     * NDJSON; 0 for JSON). Returns 0 to go on, nonzero to stop parsing. */
    int (*emit)(void *ctx, rec_builder *rb, long index, long line);
    void *ctx;
} record_sink;

enum { BODY_OK = 0, BODY_INVALID = -1, BODY_ABORTED = -2, BODY_NOMEM = -3 };

/* Feeds every record of buf[0..len) to the sink. BODY_INVALID (with a message
 * for a 400 invalid_body) only before any record was emitted. */
int body_parse(body_format f, const char *buf, size_t len, record_sink *sink,
               char *msg, size_t msg_cap);

/* The DVCQG (DongBoHoSoMC) mapping of one element of `data` (spec §3.2). */
void rec_from_dvcqg(rec_builder *rb, arena_t *a, json_t *obj);

#endif
