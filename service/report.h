/*
 * report.h - the quarterly report of `motcua report` (Biểu 06: received
 * online / direct / postal and carried over; resolved early / on time /
 * late; pending in time / overdue; one row per agency and a total) rendered
 * as CSV, JSON or a self-contained HTML page.
 *
 * Why a module of its own: the numbers come from the same query and
 * aggregation as GET /v1/metrics?group_by=agency (report_cmd.c fetches
 * them); this file only lays them out, so it is pure (no I/O) and every
 * format is unit tested with hostile agency names. Agency names are
 * untrusted input (they arrive with the dossiers): HTML-escaped in the page,
 * guarded against spreadsheet formulas in CSV, plain JSON strings in JSON.
 */
#ifndef MOTCUA_REPORT_H
#define MOTCUA_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

typedef enum { REPORT_CSV = 0, REPORT_JSON, REPORT_HTML } report_format;

/* "csv", "json" or "html". 0 ok, -1 unknown. */
int report_format_parse(const char *s, report_format *out);

typedef struct {
    const metrics_result_t *m;   /* a result grouped by agency */
    const metrics_query_t *q;    /* the query m was made for (period, as_of, filters) */
    const char *period_name;     /* the period as asked ("2024-Q1"), or NULL */
    const target_set *targets;   /* for the on-time rate's target and status */
    int64_t tol_micro;           /* near-miss tolerance */
    label_fn labels;             /* agency names (metrics.h), may be NULL */
    void *label_ctx;
} report_input;

/* The report in format f as a malloc'd NUL-terminated text (caller frees),
 * its length in *len; NULL when out of memory.
 * CSV: UTF-8 BOM, a header row of column codes, one row per agency, then
 * the total row (empty agency_code). JSON: {"report":"bieu06","period",
 * "period_name","calendar","filters","columns","rows":[…],"total":{…}}.
 * HTML: one page, inline style, no script, no external resource. */
char *report_render(report_format f, const report_input *in, size_t *len);

#endif
