/*
 * lists.h - the pure part of the monitoring lists (GET /v1/dossiers?state=,
 * spec §4, §7): which dossiers a state selects, the "most urgent first" order,
 * the bounded selection of one page, the opaque keyset cursor, the request
 * parameters and the CSV rendering of the items.
 *
 * Why a module of its own: the handler (api_lists.c) only streams rows from
 * the database (db_lists.c) through these functions, so every rule of the
 * lists (ordering ties, cursor round trip and tampering, page selection, CSV
 * quoting) is unit tested without a server. No I/O here.
 */
#ifndef MOTCUA_LISTS_H
#define MOTCUA_LISTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "dossier.h"
#include "query.h"
#include "ts.h"

typedef enum {
    LIST_NONE = 0,
    LIST_OVERDUE,    /* open at as_of and overdue */
    LIST_DUE_SOON,   /* the due_soon flag at as_of */
    LIST_LATE,       /* finished late in the period (finished_at <= as_of) */
    LIST_PENDING,    /* open at as_of (in_time or overdue) */
    LIST_WAITING     /* the waiting flag at as_of */
} list_state;

/* "overdue", "due_soon", "late", "pending", "waiting" -> state; LIST_NONE otherwise. */
list_state list_state_parse(const char *s);
const char *list_state_name(list_state s);   /* NULL for LIST_NONE */

#define LIST_LIMIT_DEFAULT 100
#define LIST_LIMIT_MAX 1000
#define LIST_CODE_MAX 256       /* bytes of a code in a cursor (codes are <= 64 characters) */

/* ---- order ---------------------------------------------------------------- */

/* The sort key of an item: most working days overdue first (wd -1, "not
 * overdue", after 0), then the soonest effective due instant (TS_NULL, no
 * deadline, last), then the code (bytewise, as strcmp). */
typedef struct {
    int64_t wd;
    ts_t due;
    const char *code;
} list_key;

/* < 0 when a comes before b (is more urgent), 0 when equal, > 0 after. */
int list_key_cmp(const list_key *a, const list_key *b);

/* True when a dossier classified as cr belongs to the list of state st.
 * finished_at and period_start matter for LIST_LATE only (finished in
 * [period_start, as_of]; classify() already checked <= as_of). */
bool list_selects(list_state st, const cls_result_t *cr, ts_t finished_at, ts_t period_start);

/* The key of a selected dossier. For the open lists, wd is
 * working_days_overdue (-1 when null). For LIST_LATE it is the working days
 * from the due date to the finish, d(due) < d <= d(finished), at least 0 (0
 * without a deadline: a dossier late by its second supplement request). */
list_key list_key_of(list_state st, const cls_result_t *cr, ts_t due, ts_t finished_at,
                     const calendar_t *cal, const char *code);

/* ---- cursor --------------------------------------------------------------- */

/* What a cursor carries: the first page's as_of and within (and the period
 * for LIST_LATE), a fingerprint of the state and filters it belongs to, and
 * the key of the last item served. */
typedef struct {
    list_state state;
    ts_t as_of;
    int within;
    day_t from, to;          /* LIST_LATE: the period; else 0 */
    uint64_t fingerprint;
    int64_t wd;
    ts_t due;
    char code[LIST_CODE_MAX + 1];
} list_cursor;

#define LIST_CURSOR_MAX 1024  /* characters of an encoded cursor */

/* base64url (no padding) of "<checksum>|1|state|as_of|within|from|to|fp|wd|due|code".
 * Writes a NUL-terminated token into out (cap >= LIST_CURSOR_MAX + 1);
 * returns its length, 0 when it does not fit. */
size_t list_cursor_encode(const list_cursor *c, char *out, size_t cap);
/* 0 and *c, or -1 when the token is malformed, altered, or not one we made. */
int list_cursor_decode(const char *token, list_cursor *c);
/* The token of an arbitrary payload, with a valid checksum (tests build
 * semantically bad cursors with it). 0 when it does not fit. */
size_t list_token_wrap(const char *payload, char *out, size_t cap);

/* A fingerprint of the state and the filters (agency, procedure, field,
 * channel, service_level): a cursor is only valid for the same list. */
uint64_t list_fingerprint(list_state st, const metrics_query_t *q);

/* ---- parameters ------------------------------------------------------------ */

typedef struct {
    metrics_query_t m;        /* the shared metrics parameters (filters, period, format) */
    list_state state;
    int limit;
    ts_t as_of;               /* evaluation instant of every item */
    int within;               /* due_soon horizon */
    ts_t period_start;        /* LIST_LATE: finished_at >= this */
    day_t from, to;           /* LIST_LATE: the period */
    bool has_cursor;
    list_cursor cursor;       /* when has_cursor */
    uint64_t fingerprint;
} list_query_t;

/*
 * Parses the request's pairs. The metrics parameters go through
 * query_parse_metrics; then state (required), limit (1..1000, default 100),
 * as_of (default now; never clipped to now, like GET /v1/dossiers/{code};
 * for late clipped to the end of the period), and cursor. With a cursor, its
 * as_of, within and period replace the request's, and the request's state and
 * filters must be the ones the cursor was made for. Returns 0, or -1 with a
 * message that starts with the parameter's name.
 */
int list_parse(const kv_t *kv, size_t n, ts_t now, int within_default, list_query_t *lq,
               char *msg, size_t cap);

/* ---- one page: the best limit+1 items in O(limit) memory ------------------- */

/* One selected dossier, copied out of the database row (one allocation,
 * freed with free()). d.due_at is the effective due date. */
typedef struct {
    dossier_t d;
    const char *agency_name, *procedure_name;
    bool due_computed;
    cls_result_t cr;
    list_key key;             /* key.code points at d.code */
} list_item;

/* NULL when out of memory. */
list_item *list_item_new(const dossier_t *d, const char *agency_name, const char *procedure_name,
                         bool due_computed, const cls_result_t *cr, list_key key);

/* A bounded max-heap on list_key_cmp: the root is the least urgent kept. */
typedef struct {
    list_item **v;
    size_t n, cap;
} list_heap;

int list_heap_init(list_heap *h, size_t cap);   /* 0, or -1 out of memory */
/* Whether an item with key k would be kept (check before copying a row). */
bool list_heap_wants(const list_heap *h, const list_key *k);
/* Takes ownership of it; when full, the least urgent of the kept and it is freed. */
void list_heap_push(list_heap *h, list_item *it);
/* Orders the kept items most urgent first (h->v[0..n) sorted; no longer a heap). */
void list_heap_sort(list_heap *h);
void list_heap_free(list_heap *h);

/* ---- CSV --------------------------------------------------------------------- */

/* The columns, in the order of the one-dossier view (view.c). */
extern const char *const LIST_CSV_COLUMNS[];
extern const size_t LIST_CSV_NCOLUMNS;

/* UTF-8 BOM, a header row, one row per item view (dossier_view_json
 * objects): strings as text cells (RFC 4180 quoting; a leading = + - @ tab or
 * CR gets a ' so spreadsheets do not run it as a formula), integers as
 * decimals, booleans as true/false, null as an empty cell; CRLF line ends.
 * NULL when out of memory. */
char *list_csv(json_t *const *views, size_t n, size_t *len);

#endif
