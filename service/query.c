/*
 * query.c - parses the URL parameters of a metrics query (spec §5, §7).
 *
 * Why this file exists: every metrics endpoint takes the same period, filter
 * and grouping parameters, and a bad value must be a 400 that names the
 * parameter. Keeping the parsing pure (no I/O, the clock passed in) lets it be
 * unit tested and fuzzed. Decisions the spec leaves open:
 *  - as_of with a bare date means 00:00 local of that date (TS_DATE_MIDNIGHT),
 *    like every timestamp other than a due date (spec §3).
 *  - Integers (channel, service_level, within) are strict: ASCII digits only,
 *    no sign, no spaces, no overflow.
 *  - Only `agency` takes a prefix ("000.00.*"); a '*' anywhere else in a
 *    filter, or anywhere but last in `agency`, is invalid. A bare "*" is
 *    invalid too: it would mean "no filter", which is spelled by omission.
 *  - A filter value is 1..64 characters (code points) of valid UTF-8 without
 *    control characters (C0, DEL, C1); for `agency` the trailing '*' is not
 *    counted.
 *  - A time-bucket group_by whose range has more than 10,000 buckets is
 *    invalid (the same cap as for dimension groups).
 *  - calendar=civil|report (default civil) switches how `period` names and
 *    time buckets are read (spec §6, Decree 09/2019); the default period
 *    (the current month to date) stays the civil month in both.
 * Messages never echo the offending value (it may be 10 KB of anything).
 */
#include "query.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dossier.h"

#define BUCKETS_MAX 10000

static const char *const DIM_NAMES[] = {
    NULL, "agency", "procedure", "field", "channel", "service_level",
};

const char *dim_name(dim_t d)
{
    if ((int)d <= (int)DIM_NONE || (int)d > (int)DIM_LEVEL)
        return NULL;
    return DIM_NAMES[d];
}

static dim_t dim_parse(const char *s)
{
    for (int i = DIM_AGENCY; i <= DIM_LEVEL; i++)
        if (strcmp(s, DIM_NAMES[i]) == 0)
            return (dim_t)i;
    return DIM_NONE;
}

bool agency_filter_match(const char *filter, const char *code)
{
    if (filter == NULL || filter[0] == '\0')
        return true;
    if (code == NULL)
        return false;
    size_t n = strlen(filter);
    if (filter[n - 1] == '*')
        return strncmp(code, filter, n - 1) == 0;
    return strcmp(code, filter) == 0;
}

/*
 * Counts the code points of s[0..n) when it is valid UTF-8 (no overlong
 * forms, no surrogates, nothing above U+10FFFF) without control characters.
 * Returns the count, or -1.
 */
static long utf8_text_chars(const unsigned char *s, size_t n)
{
    long count = 0;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        uint32_t cp;
        size_t len;
        if (c < 0x80) {
            cp = c;
            len = 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            cp = c & 0x1F;
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            cp = c & 0x0F;
            len = 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            cp = c & 0x07;
            len = 4;
        } else {
            return -1;
        }
        if (len > n - i)
            return -1;
        for (size_t k = 1; k < len; k++) {
            unsigned cc = s[i + k];
            if ((cc & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            return -1;
        count++;
        i += len;
    }
    return count;
}

/* Strict decimal integer in [lo, hi]: digits only (leading zeros allowed).
 * hi must be below LONG_MAX / 10. 0 ok, -1 otherwise. */
static int parse_int(const char *s, long lo, long hi, long *out)
{
    if (s[0] == '\0')
        return -1;
    long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');   /* v <= hi before: cannot overflow */
        if (v > hi)
            return -1;
    }
    if (v < lo)
        return -1;
    *out = v;
    return 0;
}

typedef struct {
    char *bad;
    size_t bad_cap;
    char *msg;
    size_t msg_cap;
} err_sink;

/* Records the error and returns -1, so callers can `return fail(...)`. */
static int fail(const err_sink *e, const char *param, const char *msg)
{
    if (e->bad && e->bad_cap > 0)
        snprintf(e->bad, e->bad_cap, "%s", param);
    if (e->msg && e->msg_cap > 0)
        snprintf(e->msg, e->msg_cap, "%s: %s", param, msg);
    return -1;
}

/*
 * Validates a code filter and copies it into dst (cap bytes). allow_prefix:
 * one trailing '*' is allowed (agency).
 */
static int parse_filter(const err_sink *e, const char *name, const char *v, bool allow_prefix,
                        char *dst, size_t cap)
{
    size_t n = strlen(v);
    if (n == 0)
        return fail(e, name, "must not be empty");
    if (n >= cap)
        return fail(e, name, "longer than 64 characters");
    size_t code_len = n;
    if (allow_prefix && v[n - 1] == '*')
        code_len = n - 1;
    if (memchr(v, '*', code_len) != NULL || (!allow_prefix && v[n - 1] == '*'))
        return fail(e, name, allow_prefix ? "'*' is allowed only as the last character"
                                          : "'*' (prefix match) is allowed only for agency");
    if (code_len == 0)
        return fail(e, name, "a prefix needs at least one character before '*'");
    long chars = utf8_text_chars((const unsigned char *)v, code_len);
    if (chars < 0)
        return fail(e, name, "not valid UTF-8 text (or holds control characters)");
    if (chars > FILTER_MAX)
        return fail(e, name, "longer than 64 characters");
    memcpy(dst, v, n + 1);
    return 0;
}

/* The number of buckets of kind k tiling [from, to], stopping past `cap`. */
static long count_buckets(period_calendar pc, bucket_kind k, day_t from, day_t to, long cap)
{
    long n = 0;
    for (day_t b = bucket_start_cal(pc, k, from); b <= to && n <= cap; b = bucket_next_cal(pc, k, b)) {
        n++;
        if (bucket_next_cal(pc, k, b) <= b)   /* defensive: never loop forever */
            break;
    }
    return n;
}

/* The last value of each parameter we know (NULL = absent). */
typedef struct {
    const char *from, *to, *period, *as_of, *basis, *agency, *procedure, *field;
    const char *channel, *service_level, *group_by, *within, *format, *calendar;
    bool match_none;
} raw_params;

static void collect(const kv_t *kv, size_t n, raw_params *r)
{
    memset(r, 0, sizeof *r);
    struct { const char *name; const char **slot; } known[] = {
        { "from", &r->from },       { "to", &r->to },
        { "period", &r->period },   { "as_of", &r->as_of },
        { "basis", &r->basis },     { "agency", &r->agency },
        { "procedure", &r->procedure }, { "field", &r->field },
        { "channel", &r->channel }, { "service_level", &r->service_level },
        { "group_by", &r->group_by }, { "within", &r->within },
        { "format", &r->format },   { "calendar", &r->calendar },
    };
    for (size_t i = 0; i < n; i++) {
        if (kv[i].key == NULL)
            continue;
        if (strcmp(kv[i].key, QUERY_MATCH_NONE) == 0)
            r->match_none = true;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            if (strcmp(kv[i].key, known[k].name) == 0)
                *known[k].slot = kv[i].value ? kv[i].value : "";
    }
}

/* Period names are read in the calendar (PCAL_CIVIL or PCAL_REPORT); the
 * default, the current month to date, is always the civil month. */
static int parse_period(const err_sink *e, const raw_params *r, period_calendar pc, ts_t now,
                        period_t *out)
{
    if (r->period) {
        if (r->from)
            return fail(e, "period", "cannot be combined with from");
        if (r->to)
            return fail(e, "period", "cannot be combined with to");
        if (period_parse_cal(pc, r->period, strlen(r->period), out) != 0)
            return fail(e, "period",
                        "expected YYYY, YYYY-H1, YYYY-Q1, YYYY-MM, YYYY-Www or YYYY-MM-DD");
        return 0;
    }
    if (r->from && !r->to)
        return fail(e, "to", "required with from");
    if (r->to && !r->from)
        return fail(e, "from", "required with to");
    if (!r->from) {
        *out = period_month_to_date(ts_day(now));
        return 0;
    }
    if (day_parse(r->from, strlen(r->from), &out->from) != 0)
        return fail(e, "from", "expected a date YYYY-MM-DD");
    if (day_parse(r->to, strlen(r->to), &out->to) != 0)
        return fail(e, "to", "expected a date YYYY-MM-DD");
    if (out->from > out->to)
        return fail(e, "from", "is after to");
    return 0;
}

static int parse_group_by(const err_sink *e, const char *v, metrics_query_t *q)
{
    dim_t d = dim_parse(v);
    if (d != DIM_NONE) {
        q->group_dim = d;
        return 0;
    }
    bucket_kind k = bucket_kind_parse(v);
    if (k == BK_NONE)
        return fail(e, "group_by", "expected agency, procedure, field, channel, "
                                   "service_level, day, week, month, quarter or year");
    if (count_buckets(q->calendar, k, q->period.from, q->period.to, BUCKETS_MAX) > BUCKETS_MAX)
        return fail(e, "group_by", "more than 10000 buckets in the period");
    q->group_bucket = k;
    return 0;
}

int query_parse_metrics(const kv_t *kv, size_t n, ts_t now, int within_default,
                        metrics_query_t *q, char *bad_param, size_t bad_cap,
                        char *msg, size_t msg_cap)
{
    const err_sink e = { bad_param, bad_cap, msg, msg_cap };
    raw_params r;
    long v;

    memset(q, 0, sizeof *q);
    q->within = within_default;
    if (bad_param && bad_cap > 0)
        bad_param[0] = '\0';
    if (msg && msg_cap > 0)
        msg[0] = '\0';
    collect(kv, n, &r);
    q->match_none = r.match_none;

    /* first: period names and time buckets depend on it */
    if (r.calendar) {
        if (strcmp(r.calendar, "civil") == 0)
            q->calendar = PCAL_CIVIL;
        else if (strcmp(r.calendar, "report") == 0)
            q->calendar = PCAL_REPORT;
        else
            return fail(&e, "calendar", "expected civil or report");
    }
    if (parse_period(&e, &r, q->calendar, now, &q->period) != 0)
        return -1;

    ts_t as_of = ts_day_end(q->period.to);
    if (now != TS_NULL && now < as_of)
        as_of = now;
    if (r.as_of) {
        ts_t given;
        if (ts_parse(r.as_of, strlen(r.as_of), TS_DATE_MIDNIGHT, &given) != 0)
            return fail(&e, "as_of", "not a valid timestamp");
        q->as_of_given = true;
        if (given < as_of)
            as_of = given;
    }
    q->as_of = as_of;

    if (r.basis) {
        if (strcmp(r.basis, "flow") == 0)
            q->basis = BASIS_FLOW;
        else if (strcmp(r.basis, "cohort") == 0)
            q->basis = BASIS_COHORT;
        else
            return fail(&e, "basis", "expected flow or cohort");
    }
    if (r.agency && parse_filter(&e, "agency", r.agency, true, q->agency, sizeof q->agency) != 0)
        return -1;
    if (r.procedure &&
        parse_filter(&e, "procedure", r.procedure, false, q->procedure, sizeof q->procedure) != 0)
        return -1;
    if (r.field && parse_filter(&e, "field", r.field, false, q->field, sizeof q->field) != 0)
        return -1;
    if (r.channel) {
        int ch = channel_from_name(r.channel, strlen(r.channel));
        if (ch == 0 && parse_int(r.channel, 1, 3, &v) == 0)
            ch = (int)v;
        if (ch == 0)
            return fail(&e, "channel", "expected direct, online, postal or 1..3");
        q->channel = ch;
    }
    if (r.service_level) {
        if (parse_int(r.service_level, 2, 4, &v) != 0)
            return fail(&e, "service_level", "expected 2, 3 or 4");
        q->service_level = (int)v;
    }
    if (r.group_by && parse_group_by(&e, r.group_by, q) != 0)
        return -1;
    if (r.within) {
        if (parse_int(r.within, 0, 366, &v) != 0)
            return fail(&e, "within", "expected a whole number of working days 0..366");
        q->within = (int)v;
    }
    if (r.format) {
        if (strcmp(r.format, "csv") == 0)
            q->csv = true;
        else if (strcmp(r.format, "json") != 0)
            return fail(&e, "format", "expected json or csv");
    }
    return 0;
}
