/*
 * metrics.h - the counts, rates and durations of spec §5, computed from
 * dossier rows. Pure: the database module streams rows in (metrics_add), this
 * module classifies each with classify() and aggregates; rendering to JSON or
 * CSV needs only the targets and a label lookup. No I/O.
 *
 * Flow basis (default): a row counts when its status is counted, it was
 * received at or before as_of and not finished before the period's first
 * instant. Cohort basis: only rows received in the period.
 */
#ifndef MOTCUA_METRICS_H
#define MOTCUA_METRICS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "calendar.h"
#include "jsonw.h"
#include "query.h"
#include "period.h"
#include "rates.h"
#include "strbuf.h"
#include "targets.h"

/* What the database gives for one dossier. Strings are borrowed for the call. */
typedef struct {
    const char *agency_code;
    const char *procedure_code;
    const char *field_code;    /* effective: own, else the catalog's; NULL unknown */
    int service_level;         /* effective: own, else the catalog's; 0 unknown */
    int channel;               /* 1..3 */
    int status;                /* 1..10 */
    ts_t received_at, due_at;  /* due_at: the effective due date, TS_NULL none */
    ts_t finished_at, supplement_requested_at, updated_at;
    int supplement_count;
    int64_t fee;               /* FEE_NULL unknown */
    int catalog_has_fee;       /* -1 unknown, 0 no, 1 yes */
    bool paid_online;
    bool apology;
} metrics_row_t;

typedef struct {
    int64_t carried_over, received, received_online, received_direct, received_postal;
    int64_t finished, early, on_time, late, withdrawn, stopped, resolved;
    int64_t pending, in_time, overdue, waiting;
    /* numerators/denominators of the payment, uptake and apology rates */
    int64_t fee_bearing, fee_bearing_paid_online;
    int64_t level34, level34_online;
    int64_t late_apology;
} counts_t;

typedef struct metrics_result metrics_result_t;

/* A label for a group key (agency or procedure name), or NULL. */
typedef const char *(*label_fn)(void *ctx, dim_t dim, const char *key);

/* A new, empty result for query q (copied). cal is borrowed and must outlive
 * the result. NULL on allocation failure. Caller frees with metrics_free. */
metrics_result_t *metrics_new(const metrics_query_t *q, const calendar_t *cal);
void metrics_free(metrics_result_t *m);

/* Adds one row (routes it to the total and to its group or buckets).
 * 0 ok, -1 out of memory, -2 more than 10,000 groups. */
int metrics_add(metrics_result_t *m, const metrics_row_t *row);

/* The counts of the whole query (for tests and other modules). */
const counts_t *metrics_total(const metrics_result_t *m);

/* The response of spec §5 as a new JSON object (caller owns), or NULL on
 * allocation failure. tol_micro is the near-miss tolerance. */
json_t *metrics_to_json(const metrics_result_t *m, const target_set *targets,
                        int64_t tol_micro, label_fn labels, void *label_ctx);

/* The same document as text: byte for byte json_dumps(metrics_to_json(…),
 * JSON_COMPACT), written without building the tree (several times faster;
 * bench/render.c). Returns a malloc'd NUL-terminated string (caller frees),
 * length in *len (when len is not NULL); NULL on allocation failure or a
 * string that is not valid UTF-8 (as metrics_to_json). */
char *metrics_to_json_text(const metrics_result_t *m, const target_set *targets,
                           int64_t tol_micro, label_fn labels, void *label_ctx, size_t *len);

/* The CSV form (spec §5): UTF-8 BOM, a header row, one row per group (or one
 * row). Returns a malloc'd NUL-terminated string (caller frees), length in
 * *len; NULL on allocation failure. */
char *metrics_to_csv(const metrics_result_t *m, const target_set *targets,
                     int64_t tol_micro, label_fn labels, void *label_ctx, size_t *len);

/* ---- feeding from the roll-up tables (metrics_source.c) --------------------
 * Instead of rows, counts summed elsewhere are added to the aggregate of the
 * whole query (MT_TOTAL), of a dimension group (MT_GROUP, key NULL = the
 * null key) or of time bucket i (MT_BUCKET). Values may be negative (a
 * correction). Each returns 0, -1 out of memory or -2 too many groups or
 * buckets. A group whose counts sum to nothing is not listed. */
typedef enum { MT_TOTAL, MT_GROUP, MT_BUCKET } metrics_target;
int metrics_add_counts(metrics_result_t *m, metrics_target t, const char *key, size_t i,
                       const counts_t *c, int64_t wd_sum, int64_t sec_sum, int64_t us_sum);
/* n durations (n < 0: removes them) of wd working days. */
int metrics_add_durations(metrics_result_t *m, metrics_target t, const char *key, size_t i,
                          int64_t wd, int64_t n);
/* The query's time buckets: *n (0 without); -2 when there are too many. */
int metrics_buckets(const metrics_result_t *m, size_t *n);
/* Bucket i's days, clipped to the period, and whether it began by as_of. */
void metrics_bucket_days(const metrics_result_t *m, size_t i, day_t *from, day_t *to,
                         bool *active);
/* Does row r pass the query's filters, and its key in the grouping
 * dimension (buf holds a service level's text). */
bool metrics_row_counts(const metrics_result_t *m, const metrics_row_t *r);
const char *metrics_row_key(const metrics_result_t *m, const metrics_row_t *r, char buf[4]);

/* ---- iteration: the lines of a result, for other views (rankings, series) ----
 *
 * A line is what one entry of "groups" shows: a dimension group or a time
 * bucket, in the order of "groups" (groups by key with the null key last;
 * buckets in time order). Lines borrow from the result: they stay valid until
 * metrics_free, and a line may be copied by value.
 */
typedef struct {
    bool null_key;             /* the group of the unknown key */
    const char *key;           /* a group's key (NULL when null_key); unused for buckets */
    char name[PERIOD_NAME_MAX];/* a bucket's name (its key) */
    const char *label;         /* NULL: none */
    bool bucket;
    day_t from, to;            /* a bucket's dates, clipped to the query's period */
    const counts_t *counts;    /* the line's counts */
    const char *target_agency; /* whose targets apply (spec §6), NULL = the province */
    int year;                  /* the year whose targets apply */
} metrics_line_t;

/* The key of a line: a group's key (NULL for the null key) or a bucket's name. */
const char *metrics_line_key(const metrics_line_t *l);

/* The lines under "groups" as a malloc'd array (caller frees) in *out, with
 * *n entries (*out NULL and *n 0 when the query has no grouping or no
 * group). 0 ok, -1 out of memory. */
int metrics_lines(const metrics_result_t *m, label_fn labels, void *label_ctx,
                  metrics_line_t **out, size_t *n);
/* The whole query as one line (the top level of the response). */
void metrics_whole_line(const metrics_result_t *m, metrics_line_t *out);
/* Rate r of a line, evaluated against its target. */
void metrics_line_rate(const metrics_line_t *l, rate_id r, const target_set *targets,
                       int64_t tol_micro, rate_eval_t *out);

/* ---- rendering helpers (the same forms as /v1/metrics) ------------------- */

/* {"carried_over":…,…}: every served count, in the order of §5. NULL on
 * allocation failure. */
json_t *metrics_counts_json(const counts_t *c);
/* {"value","numerator","denominator","target","op","status","gap"}. */
json_t *metrics_rate_json(const rate_eval_t *ev);
/* {"from","to","as_of","basis"} and {"agency":…,…} of a query. */
json_t *metrics_period_json(const metrics_query_t *q);
json_t *metrics_filters_json(const metrics_query_t *q);
/* "YYYY-MM-DD" as a JSON string. */
json_t *metrics_day_json(day_t d);

/* The same, written into a JSON writer (jsonw.h: text or tree), for views
 * that render their own documents: an object of counts; the members of a
 * rate object without its braces (the caller may add its own members);
 * the period and filters objects; a day string. */
void metrics_counts_jw(jsonw *out, const counts_t *c);
void metrics_rate_members_jw(jsonw *out, const rate_eval_t *ev);
void metrics_period_jw(jsonw *out, const metrics_query_t *q);
void metrics_filters_jw(jsonw *out, const metrics_query_t *q);
void metrics_day_jw(jsonw *out, day_t d);

/* CSV: a text cell, quoted when needed and guarded against spreadsheet
 * formulas (a leading = + - @ tab or CR gets a "'"); NULL is an empty cell. */
void metrics_csv_text(strbuf *b, const char *s);
/* ",carried_over,received,…": a comma before each count's name / value. */
void metrics_csv_counts_header(strbuf *b);
void metrics_csv_counts(strbuf *b, const counts_t *c);
/* ",<rate>,<rate>_numerator,<rate>_denominator,<rate>_target,<rate>_status,
 * <rate>_gap" and the matching cells (empty for null). */
void metrics_csv_rate_header(strbuf *b, rate_id r);
void metrics_csv_rate(strbuf *b, const rate_eval_t *ev);

/* Pure helpers, exposed for tests. */
void counts_rate(const counts_t *c, rate_id r, int64_t *num, int64_t *den);
/* Nearest-rank percentile (pct 1..100) of a sorted array. */
int64_t nearest_rank(const int64_t *sorted, size_t n, int pct);

#endif
