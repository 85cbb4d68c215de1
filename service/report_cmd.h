/*
 * report_cmd.h - `motcua report`: the options, as the query parameters of
 * GET /v1/metrics?group_by=agency (validated by the same parser, query.c),
 * the numbers through the same path as that endpoint (api_metrics_load:
 * calendar, targets, labels, metrics_source_fill), laid out by report.c,
 * written to stdout or atomically to a file (a temp file in the same
 * directory, then rename: a reader never sees half a report).
 *
 * Kept out of main.c so that the integration tests run exactly what the
 * command runs, and compare it with the API's answer.
 */
#ifndef MOTCUA_REPORT_CMD_H
#define MOTCUA_REPORT_CMD_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "ts.h"

typedef struct {
    /* the query (NULL: not given); names as the API's parameters */
    const char *period, *from, *to, *agency, *calendar, *as_of;
    const char *format;   /* csv (default), json or html */
    const char *output;   /* a file to replace; NULL or "-": the stream `out` */
} report_args;

/* Runs the report against cfg->db at instant `now`. Returns the exit
 * status: 0 written; 1 failure (database, memory, output file); 2 a bad
 * option, with err naming it (--period, --as-of, ...). err holds the
 * message of any failure (no "motcua: " prefix). */
int report_cmd_run(const config_t *cfg, const report_args *a, ts_t now, FILE *out, char *err,
                   size_t cap);

#endif
