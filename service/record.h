/*
 * record.h - building and validating one dossier record (spec §3, §3.3).
 *
 * Every input format funnels through here: the CSV reader hands text cells,
 * the JSON paths hand jansson values, the DVCQG mapping hands both. A builder
 * collects the fields, remembers every problem with the field it concerns,
 * and rec_finish() applies the cross-field rules. Strings are copied into the
 * caller's arena. Pure, no I/O.
 */
#ifndef MOTCUA_RECORD_H
#define MOTCUA_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "dossier.h"

typedef enum {
    F_CODE = 0, F_AGENCY_CODE, F_AGENCY_NAME, F_PROCEDURE_CODE, F_PROCEDURE_NAME,
    F_FIELD_CODE, F_SERVICE_LEVEL, F_CHANNEL, F_STATUS, F_RECEIVED_AT, F_DUE_AT,
    F_FINISHED_AT, F_RETURNED_AT, F_EXTENDED_DUE_AT, F_APOLOGY, F_SUPPLEMENT_COUNT,
    F_SUPPLEMENT_REQUESTED_AT, F_FEE, F_PAID_ONLINE, F_UPDATED_AT,
    F__COUNT
} field_id;

#define REC_MAX_ERRORS 8
#define REC_MSG_MAX 128

typedef struct {
    int field;                    /* field_id, or -1 for the record as a whole */
    char message[REC_MSG_MAX];
} rec_error;

typedef struct {
    dossier_t d;
    int nerr;                     /* problems found (may exceed REC_MAX_ERRORS) */
    rec_error err[REC_MAX_ERRORS];
    bool oom;                     /* an arena allocation failed */
} rec_builder;

/* Canonical field name <-> id; -1 for an unknown name (ignored by callers). */
int field_lookup(const char *name, size_t n);
const char *field_name(int field);

void rec_init(rec_builder *rb);
/* Records a problem (printf-style message). field -1: the whole record. */
void rec_fail(rec_builder *rb, int field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A text value, as in a CSV cell: "" is null (or the default); numbers,
 * booleans (true/false/1/0/yes/no), enums and timestamps are parsed from
 * the text. The bytes must be valid UTF-8 (checked by the caller per row). */
void rec_set_text(rec_builder *rb, arena_t *a, int field, const char *s, size_t n);

/* A JSON value. Strict typing (canonical JSON and NDJSON): a string field
 * wants a string, a number field an integer, a boolean field true/false;
 * status and channel take a name or a number. lenient (the DVCQG envelope):
 * numbers may also arrive as strings and codes as numbers. null is null. */
void rec_set_json(rec_builder *rb, arena_t *a, int field, json_t *v, bool lenient);

/* Sets every known key of a JSON object (unknown keys are ignored). A value
 * that is not an object is a record-level error. */
void rec_from_json_object(rec_builder *rb, arena_t *a, json_t *obj);

/* Required fields and cross-field rules (spec §3.3). After it, nerr == 0
 * means the record is valid. */
void rec_finish(rec_builder *rb);

/* UTF-8 validity of s[0..n) (strict: no overlongs, surrogates or > U+10FFFF). */
bool utf8_valid(const char *s, size_t n);
/* Number of code points in valid UTF-8. */
size_t utf8_length(const char *s, size_t n);

#endif
