/*
 * db_reference.h - the reference data of spec §6 that lives in the database:
 * the procedure catalog and the calendar overrides.
 *
 * Why one module: a catalog entry has exactly one validation, shared by
 * PUT /v1/procedures (JSON) and `motcua import --procedures` (CSV), so the
 * two can never accept different things; and all SQL of these two tables is
 * here (the rest of the db layer is db.c). The first part is pure (types,
 * validation, the CSV reader, JSON forms); the second talks to PostgreSQL.
 */
#ifndef MOTCUA_DB_REFERENCE_H
#define MOTCUA_DB_REFERENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "db.h"
#include "due.h"
#include "ts.h"

/* ---- the procedure catalog (pure) ------------------------------------------- */

#define PROC_DURATION_MAX 100000   /* units of any kind; beyond is surely a typo */

typedef enum {
    PF_PROCEDURE_CODE = 0, PF_NAME, PF_FIELD_CODE, PF_SERVICE_LEVEL, PF_DURATION,
    PF_DURATION_UNIT, PF_HAS_FEE, PF__COUNT
} proc_field;

/* One catalog entry. Strings are borrowed (from a JSON document or an arena);
 * NULL is null. */
typedef struct {
    const char *code;          /* procedure_code, required, <= 64 characters */
    const char *name;          /* NULL: keep the stored name */
    const char *field_code;    /* <= 64 characters */
    int service_level;         /* 2, 3, 4; 0 = null */
    int duration;              /* 0..PROC_DURATION_MAX; -1 = null */
    due_unit unit;             /* DUE_NONE = null; set exactly when duration is */
    int has_fee;               /* 1, 0; -1 = null */
} proc_entry;

/* Field name ("procedure_code", ...) <-> proc_field; -1 for an unknown name. */
int proc_field_lookup(const char *name, size_t n);
const char *proc_field_name(int f);

void proc_entry_init(proc_entry *e);
/* One field from a JSON value (strict types: strings, integers, booleans; ""
 * and null are null). Strings are borrowed from v. 0, or -1 with msg. */
int proc_set_json(proc_entry *e, int f, json_t *v, char *msg, size_t cap);
/* One field from a CSV cell ("" is null; integers in decimal; booleans
 * true/false, 1/0, yes/no). The cell must be valid UTF-8 (checked per row).
 * Strings are copied into a. 0, -1 with msg, -2 out of memory. */
int proc_set_text(proc_entry *e, arena_t *a, int f, const char *s, size_t n, char *msg,
                  size_t cap);
/* The rules across fields: procedure_code present; duration and
 * duration_unit both given or both null. 0, or -1 with *field and msg. */
int proc_finish(const proc_entry *e, int *field, char *msg, size_t cap);
/* A whole JSON element of PUT /v1/procedures (unknown keys ignored). 0, or
 * -1 with *field (-1: the element itself) and msg. */
int proc_from_json(json_t *o, proc_entry *e, int *field, char *msg, size_t cap);
/* The JSON form of GET /v1/procedures. NULL on allocation failure. */
json_t *proc_entry_json(const proc_entry *e);

/* A catalog CSV file (header row of the field names, any order; unknown
 * columns ignored), read and validated row by row. */
typedef struct {
    proc_entry *v;             /* the valid rows, in file order */
    size_t n, cap;
    long received, rejected;
    json_t *errors;            /* [{"line","code","field","message"}], at most 1000 */
    arena_t arena;             /* the strings of v */
} proc_csv;

/* 0: read (row errors in out); 1: the file as a whole is invalid (no
 * header, no procedure_code column, a column named twice: msg, nothing
 * kept); -2: out of memory. Free with proc_csv_free in every case. */
int proc_csv_parse(const char *buf, size_t len, proc_csv *out, char *msg, size_t cap);
void proc_csv_free(proc_csv *p);

/* ---- the procedure catalog (SQL) -------------------------------------------------- */

/* Upserts entries by code in one transaction. A code given twice: the later
 * entry wins. The catalog columns are replaced whole; the name only when the
 * entry has one (names also arrive with dossiers: the latest non-null write
 * wins). The roll-ups of the procedures whose catalog columns change are
 * recomputed in the same transaction (oh: for 'hours' due dates).
 * *upserted = distinct codes written. */
int db_upsert_procedures(db_conn *c, const office_hours *oh, const proc_entry *v, size_t n,
                         long *upserted);

/* Every row of the procedure table, ordered by code (bytewise), strings in
 * arena a, the array malloc'd in *out (caller frees). Procedures known only
 * from dossiers appear with null catalog fields. */
int db_list_procedures(db_conn *c, arena_t *a, proc_entry **out, size_t *n);

/* `motcua import --procedures FILE.csv` (and the tests): parses buf,
 * upserts every valid row, and sets *result to
 * {"received","upserted","rejected","errors":[...]} (caller owns) and
 * *rejected. DB_OK; 1 when the file as a whole is invalid (msg, nothing
 * stored); DB_ERROR (also out of memory), DB_DOWN on failure (db_error). */
int db_import_procedures_csv(db_conn *c, const office_hours *oh, const char *buf, size_t len,
                             json_t **result, long *rejected, char *msg, size_t cap);

/* ---- calendar overrides (SQL) ---------------------------------------------------------- */

typedef struct {
    day_t day;
    int working;               /* 1 working, 0 day off, -1 remove the override */
    const char *name;          /* NULL: none */
} cal_change;

/* Applies changes in order in one transaction that also bumps the calendar
 * version and recomputes the roll-ups of the dossiers the changed days
 * affect. *upserted / *removed: overrides written / actually deleted. */
int db_put_overrides(db_conn *c, const office_hours *oh, const cal_change *v, size_t n,
                     long *upserted, long *removed);

/* Every stored override, each passed to each() (nonzero: stop, DB_ERROR),
 * and the calendar version they belong to, read in one snapshot. */
int db_load_overrides(db_conn *c, int (*each)(void *ctx, day_t d, bool working,
                                              const char *name),
                      void *ctx, long long *version);

/* The stored calendar version (one indexed read). */
int db_calendar_version(db_conn *c, long long *version);

#endif
