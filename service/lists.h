/*
 * lists.h - the pure part of the monitoring lists (GET /v1/dossiers?state=,
 * spec §4, §7): which dossiers a state selects, the "most urgent first" order,
 * the bounded selection of one page, the streams a page is read from and
 * where the reading may stop, the opaque keyset cursor, the request
 * parameters and the CSV rendering of the items.
 *
 * Why a module of its own: the handler (api_lists.c) only streams rows from
 * the database (db_lists.c) through these functions, so every rule of the
 * lists (ordering ties, cursor round trip and tampering, page selection,
 * stopping early, CSV quoting) is unit tested without a server. No I/O here.
 */
#ifndef MOTCUA_LISTS_H
#define MOTCUA_LISTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "dossier.h"
#include "due.h"
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

/* Offers one candidate row to the page: gives it its effective due date
 * (d->due_at, else the one the procedure catalog's cat_duration and cat_unit
 * give, through due_compute; cat_duration < 0 or cat_unit NULL: none),
 * classifies it at lq->as_of, and keeps a copy in h when the list selects it,
 * it comes after lq's cursor and it is among the best. 0, or -1 out of memory. */
int list_offer(list_heap *h, const list_query_t *lq, const calendar_t *cal, const office_hours *oh,
               const dossier_t *d, const char *agency_name, const char *procedure_name,
               int cat_duration, const char *cat_unit);

/* ---- reading an open list most urgent first ---------------------------------- */

/*
 * The overdue, due_soon and pending lists are read as a few streams that together
 * hold every open dossier once. Each stream but the first is one range of a
 * partial index of open dossiers, read in batches in the order of a key L
 * (due_at, or received_at when there is none), then code. L is a lower bound
 * of the effective due date's day, and working days overdue never grow with
 * the due date (a waiting dossier's clock stopped at or before as_of), so
 * after a row with key L no unread row of its stream can have more than
 * max(0, working days from d(L) to d(as_of)) working days overdue, nor an
 * earlier due date: the stream's bound, a list_key no unread row comes
 * before. Reading stops when the heap holds limit+1 items and no stream's
 * bound comes before the least urgent of them, so the page is exact.
 * docs/DECISIONS.md ("Monitoring lists") gives the argument in full.
 *
 * T is the start of d(as_of). The streams:
 */
typedef enum {
    LIST_STREAM_REOPENED = 0, /* status 7-10 finished after as_of (open then): read whole, once */
    LIST_STREAM_DUE_BEFORE,   /* due_at < T: overdue by date, or waiting; by (due_at, code) */
    LIST_STREAM_NO_DUE,       /* due_at null (catalog due date or none); by (received_at, code) */
    LIST_STREAM_SECOND_SUPP,  /* due_at >= T, supplement_count > 1: overdue, 0 days; by (due_at, code) */
    LIST_STREAM_IN_TIME       /* due_at >= T, supplement_count <= 1: in time; by (due_at, code) */
} list_stream_kind;

#define LIST_STREAMS_MAX 5

typedef struct {
    list_stream_kind kind;
    ts_t from, to;            /* inclusive range of the stream's key; TS_NULL: unbounded */
    int64_t wd_cap;           /* most working days overdue a row the list selects can have */
    bool done;                /* no row left */
    bool started;             /* a row was read: last_key and last_code hold it */
    ts_t last_key;
    char last_code[LIST_CODE_MAX + 1];
    int64_t bound_wd;         /* the bound: (bound_wd, bound_due, bound_code) */
    ts_t bound_due;
    char bound_code[LIST_CODE_MAX + 1];
    long batch;               /* rows to ask for next (0: all, for LIST_STREAM_REOPENED) */
} list_stream;

/* Whether the list of state st is read as streams: overdue, due_soon and
 * pending. The late list is a range of finished dossiers; the waiting list
 * reads every waiting dossier (through the partial index on them), because
 * their clocks stopped at different instants: the due date bounds nothing. */
bool list_streamed(list_state st);

/* The streams of state st (list_streamed) at as_of, in reading priority
 * order; first_batch (>= 1) rows are asked for first, twice as many each time
 * after. Returns how many were written into v (at most LIST_STREAMS_MAX). */
size_t list_streams_init(list_stream *v, list_state st, ts_t as_of, int within,
                         const calendar_t *cal, long first_batch);

/* A row of stream s was read: its key L (due_at; received_at for
 * LIST_STREAM_NO_DUE) and code. Moves the keyset and lowers the bound. 0, or
 * -1 when the code is longer than LIST_CODE_MAX bytes (the stream is then done). */
int list_stream_advance(list_stream *s, ts_t key, const char *code, ts_t as_of,
                        const calendar_t *cal);

/* The current bound of s (its code points into s). */
list_key list_stream_bound(const list_stream *s);

/* A batch of s returned rows rows: done when fewer than asked (or when it was
 * the single read of LIST_STREAM_REOPENED); the next batch is twice as large. */
void list_stream_batch_end(list_stream *s, size_t rows);

/* The stream to read next: the unfinished one whose bound comes first; NULL
 * when every stream is done or the heap is full and that bound does not come
 * before its least urgent item (no unread row can enter the page). */
list_stream *list_stream_next(list_stream *v, size_t n, const list_heap *h);

/* Reads a page: calls fetch for the stream list_stream_next names until it
 * names none. fetch reads one batch of s (rows with a key after (last_key,
 * last_code) when s->started, at most s->batch of them), passes each row to
 * list_stream_advance and to the heap, sets *rows and returns 0; nonzero stops
 * the reading and is returned. */
int list_read(list_stream *v, size_t n, const list_heap *h,
              int (*fetch)(void *ctx, list_stream *s, size_t *rows), void *ctx);

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
