/*
 * query.h - the parameters of a metrics query (spec §5, §7), parsed from the
 * URL's key/value pairs. Pure, no I/O, so that it can be unit tested and
 * fuzzed without a server. Unknown parameters are ignored; a bad value is an
 * error naming the parameter (400 invalid_parameter).
 */
#ifndef MOTCUA_QUERY_H
#define MOTCUA_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include "period.h"
#include "ts.h"

typedef struct {
    const char *key;
    const char *value;   /* never NULL: "" for "?key" */
} kv_t;

typedef enum { DIM_NONE = 0, DIM_AGENCY, DIM_PROCEDURE, DIM_FIELD, DIM_CHANNEL, DIM_LEVEL } dim_t;
typedef enum { BASIS_FLOW = 0, BASIS_COHORT } basis_t;

#define FILTER_MAX 64   /* characters of an agency/procedure/field filter (codes are <= 64) */

typedef struct {
    period_t period;      /* inclusive local dates */
    ts_t as_of;           /* effective: min(end of period, as_of param, now) */
    bool as_of_given;
    basis_t basis;
    /* filters ("" = none); agency may end in '*' (prefix) */
    char agency[FILTER_MAX * 4 + 2];
    char procedure[FILTER_MAX * 4 + 1];
    char field[FILTER_MAX * 4 + 1];
    int channel;          /* 0 = any, else CH_* */
    int service_level;    /* 0 = any, else 2..4 */
    dim_t group_dim;      /* DIM_NONE unless group_by is a dimension */
    bucket_kind group_bucket;  /* BK_NONE unless group_by is a time bucket */
    int within;           /* due_soon horizon, working days */
    period_calendar calendar;  /* calendar=civil|report: period names and buckets */
    bool csv;             /* format=csv */
    bool match_none;      /* a scoped key asked for agencies outside its scope:
                             the answer covers no dossier (set by the
                             dispatcher's QUERY_MATCH_NONE parameter) */
} metrics_query_t;

/*
 * Parses the pairs into *q. `now` is the current instant; `within_default` the
 * configured due_soon horizon. Returns 0, or -1 with the offending
 * parameter's name in bad_param and a message in msg.
 * Rules: from+to (YYYY-MM-DD, from <= to), or period=NAME, or neither (the
 * current month to date); from without to, to without from, or period with
 * either: error. as_of: any accepted timestamp form. basis: flow|cohort.
 * agency/procedure/field: 1..64 characters, valid UTF-8, no control
 * characters. channel: name or 1..3. service_level: 2..4. group_by: agency,
 * procedure, field, channel, service_level, day, week, month, quarter, year.
 * within: 0..366. format: json|csv. A repeated parameter: the last one wins.
 */
int query_parse_metrics(const kv_t *kv, size_t n, ts_t now, int within_default,
                        metrics_query_t *q, char *bad_param, size_t bad_cap,
                        char *msg, size_t msg_cap);

/* The internal parameter by which the HTTP dispatcher says "this key may see
 * none of the agencies asked for". The dispatcher drops any parameter a
 * client sends whose name starts with '\x01', so only it can set this. */
#define QUERY_MATCH_NONE "\x01match_none"

const char *dim_name(dim_t d);  /* "agency", ..., NULL for DIM_NONE */

/* True when agency code `code` passes the agency filter (exact or prefix*). */
bool agency_filter_match(const char *filter, const char *code);

#endif
