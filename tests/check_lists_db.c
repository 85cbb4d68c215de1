/*
 * check_lists_db.c - the monitoring lists end to end (spec §4, §7:
 * GET /v1/dossiers?state=...): the real server in-process on a fresh
 * PostgreSQL database per test (tests/testlib.h).
 *
 * Why: the lists tell a public service centre which dossiers to chase, so
 * every item and its place are checked against an independent computation
 * written here from SPEC §4 and §6 (this file never calls classify.c,
 * calendar.c or due.c): a hand-checked example; a random data set (fixed
 * seed) with catalog due dates, queried for every state at several as_of
 * values, with every filter and several page sizes, all pages compared item by
 * item; pagination while new dossiers arrive and others change (no page
 * repeats or skips one); limit bounds; bad parameters and cursors (400 naming
 * the parameter); CSV.
 *
 * Dates are kept between September and December 2024, when Vietnam has no
 * public holiday, so "working day" means Monday to Friday whichever calendar
 * the service runs (weekends only, or the Labour Code holidays).
 */
#include <check.h>
#include <jansson.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "testlib.h"

/* ---- dates, instants and working days, written from the spec ----------------------------- */

#define US_MIN (60LL * US_SEC)



/* Local date and time of day. */
static int64_t at(int64_t day, int h, int mi, int s) { return day_start(day) + ((h * 60 + mi) * 60 + s) * US_SEC; }
static bool working(int64_t d)
{
    int wd = (int)((d % 7 + 7 + 3) % 7) + 1; /* 1 = Monday */
    return wd <= 5;
}

/* Working days d with a < d <= b (negative when b < a). */
static int64_t wd_between(int64_t a, int64_t b)
{
    int64_t n = 0;
    if (a <= b) {
        for (int64_t d = a + 1; d <= b; d++)
            n += working(d);
        return n;
    }
    for (int64_t d = b + 1; d <= a; d++)
        n += working(d);
    return -n;
}

/* The n-th working day after d (n >= 1). */
static int64_t add_working(int64_t d, int n)
{
    while (n > 0) {
        d++;
        n -= working(d);
    }
    return d;
}


/* RFC 3339 in +07:00, microseconds only when not zero (as the service writes). */
static int64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * US_SEC + tv.tv_usec;
}

static uint64_t rng;
static int64_t rn(int64_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int64_t)(rng % (uint64_t)n);
}

/* ---- the model ------------------------------------------------------------------------------ */

enum { U_NONE = 0, U_WORKING_DAYS, U_DAYS, U_HOURS };

typedef struct {
    const char *code, *name, *field;   /* field NULL: none */
    int level;                          /* 0: none */
    int duration, unit;                 /* unit U_NONE: not in the catalog */
} proc_t;

static const proc_t PROCS[] = {
    { "1.004227", "C\xE1\xBA\xA5p phi\xE1\xBA\xBFu l\xC3\xBD l\xE1\xBB\x8B" "ch", "G01", 3, 5, U_WORKING_DAYS },
    { "1.001757", "\xC4\x90\xC4\x83ng k\xC3\xBD khai sinh", "G02", 4, 10, U_DAYS },
    { "2.000889", "C\xE1\xBA\xA5p gi\xE1\xBA\xA5y ph\xC3\xA9p, \"x\xC3\xA2y d\xE1\xBB\xB1ng\"", NULL, 2, 5, U_HOURS },
    { "1.010007", "Ch\xE1\xBB\xA9ng th\xE1\xBB\xB1" "c", NULL, 0, 0, U_NONE },
    { "2.001234", "=HYPERLINK(\"http://x\")", "G01", 0, 1, U_DAYS },
};
#define NPROCS 5

static const char *const AGENCIES[][2] = {
    { "000.00.01.H62", "S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p, t\xE1\xBB\x89nh V\xC4\xA9nh Long" },
    { "000.00.02.H62", "+S\xE1\xBB\x9F X\xC3\xA2y d\xE1\xBB\xB1ng" },
    { "000.21.40.H62", "UBND x\xC3\xA3 \"B\xC3\xACnh Minh\"" },
    { "H62.10", "@Trung t\xC3\xA2m" },
};
#define NAGENCIES 4
static const char *const OWN_FIELDS[] = { "G01", "G03" };
static const char *const CHANNELS[] = { NULL, "direct", "online", "postal" };

typedef struct {
    char code[24];
    int agency, proc;
    const char *field;     /* own field, NULL: none */
    int level;             /* own level, 0: none */
    int channel, status;
    int64_t received, due, finished, sreq, updated;   /* NONE: null */
    int supp;
    bool apology;
} gen_t;

/* The effective due date (spec §4, §6): due_at, else from the catalog. */
static int64_t effective_due(const gen_t *g, bool *computed)
{
    const proc_t *p = &PROCS[g->proc];
    *computed = false;
    if (g->due != NONE)
        return g->due;
    if (p->unit == U_NONE || g->received == NONE)
        return NONE;
    *computed = true;
    int64_t r = lday(g->received);
    if (p->unit == U_WORKING_DAYS)
        return at(add_working(r, p->duration), 17, 0, 0);
    if (p->unit == U_DAYS) {
        int64_t d = r + p->duration;
        while (!working(d))
            d++;
        return at(d, 17, 0, 0);
    }
    /* hours: counted within 07:30-11:30 and 13:00-17:00 of working days */
    int64_t left = p->duration * 60 * US_MIN, t = g->received;
    for (int64_t d = r;; d++) {
        if (!working(d))
            continue;
        int64_t iv[2][2] = { { at(d, 7, 30, 0), at(d, 11, 30, 0) }, { at(d, 13, 0, 0), at(d, 17, 0, 0) } };
        for (int k = 0; k < 2; k++) {
            if (t >= iv[k][1])
                continue;
            int64_t s = t > iv[k][0] ? t : iv[k][0];
            if (left <= iv[k][1] - s)
                return s + left;
            left -= iv[k][1] - s;
        }
    }
}

typedef struct {
    bool counted, finished, open, waiting, due_soon;
    const char *cls;
    int64_t wdo, wdl;      /* -1: null */
    int64_t due;
    bool computed;
} model_t;

/* Spec §4, at as_of with the due_soon horizon `within`. */
static void model_classify(const gen_t *g, int64_t as_of, int within, model_t *m)
{
    memset(m, 0, sizeof *m);
    m->wdo = m->wdl = -1;
    m->due = effective_due(g, &m->computed);
    if (g->status == 1 || g->status == 3 || g->received == NONE || g->received > as_of)
        return;
    m->counted = true;
    bool has_due = m->due != NONE;
    if (g->status >= 7 && g->finished != NONE && g->finished <= as_of) {
        m->finished = true;
        if (g->supp > 1)
            m->cls = "late";
        else if (!has_due)
            m->cls = "on_time";
        else
            m->cls = lday(g->finished) < lday(m->due)    ? "early"
                     : lday(g->finished) == lday(m->due) ? "on_time" : "late";
        return;
    }
    m->open = true;
    int64_t ws = g->sreq != NONE ? g->sreq : g->updated != NONE ? g->updated : g->received;
    m->waiting = (g->status == 5 || g->status == 6) && ws <= as_of;
    int64_t end = m->waiting ? ws : as_of;
    bool overdue;
    if (g->supp > 1)
        overdue = true;
    else if (!has_due)
        overdue = false;
    else
        overdue = lday(end) > lday(m->due);
    m->cls = overdue ? "overdue" : "in_time";
    if (overdue) {
        int64_t w = has_due ? wd_between(lday(m->due), lday(end)) : 0;
        m->wdo = w > 0 ? w : 0;
    } else if (!m->waiting && has_due) {
        m->wdl = wd_between(lday(as_of), lday(m->due));
        m->due_soon = lday(m->due) <= (within > 0 ? add_working(lday(as_of), within) : lday(as_of));
    }
}

typedef struct {
    const char *state;
    int64_t as_of;          /* NONE: not given (now) */
    int within;             /* -1: not given (1) */
    int64_t from, to;       /* late: local dates; NONE: not given */
    const char *agency, *procedure, *field, *channel;
    int level;
} lquery_t;

typedef struct {
    const gen_t *g;
    model_t m;
    int64_t wd;             /* sort key */
} exp_t;

static bool passes_filters(const gen_t *g, const lquery_t *q)
{
    const char *ac = AGENCIES[g->agency][0];
    if (q->agency) {
        size_t n = strlen(q->agency);
        if (q->agency[n - 1] == '*' ? strncmp(ac, q->agency, n - 1) != 0 : strcmp(ac, q->agency) != 0)
            return false;
    }
    const proc_t *p = &PROCS[g->proc];
    if (q->procedure && strcmp(p->code, q->procedure) != 0)
        return false;
    const char *field = g->field ? g->field : p->field;
    if (q->field && (!field || strcmp(field, q->field) != 0))
        return false;
    if (q->channel && strcmp(CHANNELS[g->channel], q->channel) != 0)
        return false;
    int level = g->level ? g->level : p->level;
    if (q->level && level != q->level)
        return false;
    return true;
}

static int exp_cmp(const void *a, const void *b)
{
    const exp_t *x = a, *y = b;
    if (x->wd != y->wd)
        return x->wd > y->wd ? -1 : 1;
    if (x->m.due != y->m.due) {
        if (x->m.due == NONE)
            return 1;
        if (y->m.due == NONE)
            return -1;
        return x->m.due < y->m.due ? -1 : 1;
    }
    return strcmp(x->g->code, y->g->code);
}

/* The expected list, sorted; *as_of_eff is the list's as_of. */
static exp_t *expected(const gen_t *gs, size_t n, const lquery_t *q, int64_t now, size_t *count,
                       int64_t *as_of_eff)
{
    int64_t as_of = q->as_of != NONE ? q->as_of : now;
    int within = q->within >= 0 ? q->within : 1;
    int64_t pstart = 0;
    bool late = strcmp(q->state, "late") == 0;
    if (late) {
        int64_t from = q->from, to = q->to;
        if (from == NONE) { /* the month to date */
            int y, m, d;
            civil_from_days(lday(now), &y, &m, &d);
            from = D(y, m, 1);
            to = lday(now);
        }
        pstart = day_start(from);
        if (as_of > day_end(to))
            as_of = day_end(to);
    }
    *as_of_eff = as_of;
    exp_t *v = calloc(n ? n : 1, sizeof *v);
    ck_assert_ptr_nonnull(v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const gen_t *g = &gs[i];
        if (!passes_filters(g, q))
            continue;
        model_t m;
        model_classify(g, as_of, within, &m);
        if (!m.counted)
            continue;
        bool in;
        int64_t wd = m.wdo;
        if (late) {
            in = m.finished && !strcmp(m.cls, "late") && g->finished >= pstart;
            wd = 0;
            if (in && m.due != NONE) {
                int64_t w = wd_between(lday(m.due), lday(g->finished));
                wd = w > 0 ? w : 0;
            }
        } else if (!strcmp(q->state, "overdue")) {
            in = m.open && !strcmp(m.cls, "overdue");
        } else if (!strcmp(q->state, "due_soon")) {
            in = m.open && m.due_soon;
        } else if (!strcmp(q->state, "pending")) {
            in = m.open;
        } else {
            in = m.open && m.waiting;
        }
        if (in)
            v[k++] = (exp_t){ g, m, wd };
    }
    qsort(v, k, sizeof *v, exp_cmp);
    *count = k;
    return v;
}

/* ---- requests ------------------------------------------------------------------------------------ */

static void append_param(tl_buf *b, const char *key, const char *value)
{
    char *enc = tl_urlencode(value);
    tl_buf_printf(b, "&%s=%s", key, enc);
    free(enc);
}

/* The query string of q (after "/v1/dossiers?state=..."). */
static void build_path(tl_buf *b, const lquery_t *q, int limit)
{
    char buf[64];
    tl_buf_printf(b, "/v1/dossiers?state=%s", q->state);
    if (limit > 0)
        tl_buf_printf(b, "&limit=%d", limit);
    if (q->as_of != NONE) {
        fmt_ts(q->as_of, buf, sizeof buf);
        append_param(b, "as_of", buf);
    }
    if (q->within >= 0)
        tl_buf_printf(b, "&within=%d", q->within);
    if (q->from != NONE) {
        fmt_day(q->from, buf, sizeof buf);
        append_param(b, "from", buf);
        fmt_day(q->to, buf, sizeof buf);
        append_param(b, "to", buf);
    }
    if (q->agency)
        append_param(b, "agency", q->agency);
    if (q->procedure)
        append_param(b, "procedure", q->procedure);
    if (q->field)
        append_param(b, "field", q->field);
    if (q->channel)
        append_param(b, "channel", q->channel);
    if (q->level)
        tl_buf_printf(b, "&service_level=%d", q->level);
}

/* Every page of q with page size `limit`: the items in order (new reference).
 * Checks the shape of each page: at most limit items, exactly limit when a
 * next cursor follows, no empty page after the first. between(i) runs
 * before page i + 1 is fetched (NULL: nothing). */
static json_t *fetch_all(const lquery_t *q, int limit, void (*between)(int page),
                         int *pages, char *as_of_seen, size_t as_of_cap)
{
    json_t *all = json_array();
    tl_buf base = { 0 };
    build_path(&base, q, limit);
    char *cursor = NULL;
    int page = 0;
    for (;; page++) {
        ck_assert_msg(page < 3000, "%s: endless pagination", base.p);
        tl_buf path = { 0 };
        tl_buf_puts(&path, base.p);
        if (cursor)
            append_param(&path, "cursor", cursor);
        json_t *j = tl_get(path.p, 200);
        json_t *items = json_object_get(j, "items");
        ck_assert_msg(json_is_array(items), "%s: no items array", path.p);
        json_t *next = json_object_get(j, "next_cursor");
        ck_assert_msg(next && (json_is_null(next) || json_is_string(next)),
                      "%s: next_cursor missing or not a string/null", path.p);
        size_t n = json_array_size(items);
        int lim = limit > 0 ? limit : 100;
        ck_assert_msg(n <= (size_t)lim, "%s: %zu items over the limit", path.p, n);
        if (json_is_string(next))
            ck_assert_msg(n == (size_t)lim, "%s: a short page (%zu) with a next cursor", path.p, n);
        if (page > 0)
            ck_assert_msg(n > 0, "%s: an empty page after a cursor", path.p);
        if (page == 0 && as_of_seen) {
            const char *a = tl_jstr(j, "as_of");
            snprintf(as_of_seen, as_of_cap, "%s", a ? a : "");
        }
        json_array_extend(all, items);
        free(cursor);
        cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
        json_decref(j);
        tl_buf_free(&path);
        if (!cursor)
            break;
        if (between)
            between(page);
    }
    tl_buf_free(&base);
    if (pages)
        *pages = page + 1;
    return all;
}

/* The path of q, for messages (tl_msg_'s buffers rotate, so a copy). */
static void describe(const lquery_t *q, int limit, char *out, size_t cap)
{
    tl_buf b = { 0 };
    build_path(&b, q, limit);
    snprintf(out, cap, "%s", b.p);
    tl_buf_free(&b);
}

/* Compares the items of every page with the expected list, field by field. */
static void compare(json_t *items, const exp_t *e, size_t n, const char *what)
{
    size_t got = json_array_size(items);
    for (size_t i = 0; i < got && i < n; i++) {
        json_t *it = json_array_get(items, i);
        const exp_t *x = &e[i];
        const gen_t *g = x->g;
        char buf[64];
        tl_assert_str(tl_jstr(it, "code"), g->code, "%s: item %zu", what, i);
        tl_assert_str(tl_jstr(it, "class"), x->m.cls, "%s: %s class", what, g->code);
        ck_assert_msg(tl_jbool(it, "waiting") == x->m.waiting, "%s: %s waiting", what, g->code);
        ck_assert_msg(tl_jbool(it, "due_soon") == x->m.due_soon, "%s: %s due_soon", what, g->code);
        if (x->m.wdo < 0)
            ck_assert_msg(tl_jnull(it, "working_days_overdue"), "%s: %s wdo not null", what, g->code);
        else
            ck_assert_msg(tl_jint(it, "working_days_overdue") == x->m.wdo,
                          "%s: %s working_days_overdue %lld, want %lld", what, g->code,
                          (long long)tl_jint(it, "working_days_overdue"), (long long)x->m.wdo);
        if (x->m.wdl < 0)
            ck_assert_msg(tl_jnull(it, "working_days_left"), "%s: %s wdl not null", what, g->code);
        else
            ck_assert_msg(tl_jint(it, "working_days_left") == x->m.wdl,
                          "%s: %s working_days_left %lld, want %lld", what, g->code,
                          (long long)tl_jint(it, "working_days_left"), (long long)x->m.wdl);
        if (x->m.due == NONE) {
            ck_assert_msg(tl_jnull(it, "due_at"), "%s: %s due_at not null", what, g->code);
        } else {
            fmt_ts(x->m.due, buf, sizeof buf);
            tl_assert_str(tl_jstr(it, "due_at"), buf, "%s: %s due_at", what, g->code);
        }
        ck_assert_msg(tl_jbool(it, "due_computed") == x->m.computed, "%s: %s due_computed", what,
                      g->code);
        fmt_ts(g->received, buf, sizeof buf);
        tl_assert_str(tl_jstr(it, "received_at"), buf, "%s: %s received_at", what, g->code);
        tl_assert_str(tl_jstr(it, "agency_code"), AGENCIES[g->agency][0], "%s: agency", what);
        tl_assert_str(tl_jstr(it, "agency_name"), AGENCIES[g->agency][1], "%s: agency_name", what);
        tl_assert_str(tl_jstr(it, "procedure_name"), PROCS[g->proc].name, "%s: procedure_name", what);
        tl_assert_str(tl_jstr(it, "channel"), CHANNELS[g->channel], "%s: channel", what);
        ck_assert_msg(tl_jint(it, "status_code") == g->status, "%s: %s status", what, g->code);
    }
    if (got != n) {
        /* name the first difference in the sets, for a readable failure */
        for (size_t i = 0; i < n; i++) {
            bool found = false;
            for (size_t k = 0; k < got && !found; k++)
                found = !strcmp(tl_jstr(json_array_get(items, k), "code"), e[i].g->code);
            ck_assert_msg(found, "%s: %s (%s) is missing", what, e[i].g->code, e[i].m.cls);
        }
        ck_abort_msg("%s: %zu items, want %zu (first extra: %s)", what, got, n,
                     got > n ? tl_jstr(json_array_get(items, n), "code") : "-");
    }
}

static void check_query(const gen_t *gs, size_t n, const lquery_t *q, int limit)
{
    size_t ne;
    int64_t as_of;
    exp_t *e = expected(gs, n, q, now_us(), &ne, &as_of);
    char seen[64], want[64];
    json_t *items = fetch_all(q, limit, NULL, NULL, seen, sizeof seen);
    char what[400];
    describe(q, limit, what, sizeof what);
    compare(items, e, ne, what);
    if (q->as_of != NONE || q->from != NONE) {
        fmt_ts(as_of, want, sizeof want);
        tl_assert_str(seen, want, "%s: as_of", what);
    }
    json_decref(items);
    free(e);
}

/* ---- data ----------------------------------------------------------------------------------------- */

static void put_str(tl_buf *b, const char *key, const char *s)
{
    json_t *j = json_string(s);
    char *enc = json_dumps(j, JSON_ENCODE_ANY);
    tl_buf_printf(b, ",\"%s\":%s", key, enc);
    free(enc);
    json_decref(j);
}

static void ingest(const gen_t *gs, size_t n)
{
    tl_buf b = { 0 };
    tl_buf_puts(&b, "[");
    for (size_t i = 0; i < n; i++) {
        const gen_t *g = &gs[i];
        tl_buf_printf(&b, "%s{\"code\":\"%s\",\"status\":%d,\"channel\":\"%s\"", i ? "," : "",
                      g->code, g->status, CHANNELS[g->channel]);
        tl_buf_printf(&b, ",\"agency_code\":\"%s\",\"procedure_code\":\"%s\"",
                      AGENCIES[g->agency][0], PROCS[g->proc].code);
        put_str(&b, "agency_name", AGENCIES[g->agency][1]);
        put_str(&b, "procedure_name", PROCS[g->proc].name);
        if (g->field)
            tl_buf_printf(&b, ",\"field_code\":\"%s\"", g->field);
        if (g->level)
            tl_buf_printf(&b, ",\"service_level\":%d", g->level);
        tl_put_ts(&b, "received_at", g->received);
        tl_put_ts(&b, "due_at", g->due);
        tl_put_ts(&b, "finished_at", g->finished);
        tl_put_ts(&b, "supplement_requested_at", g->sreq);
        tl_put_ts(&b, "updated_at", g->updated);
        tl_buf_printf(&b, ",\"supplement_count\":%d,\"apology\":%s}", g->supp,
                      g->apology ? "true" : "false");
    }
    tl_buf_puts(&b, "]");
    json_t *r = tl_ingest("application/json", b.p, b.len);
    ck_assert_msg(tl_jint(r, "rejected") == 0, "rejected: %s",
                  json_dumps(json_object_get(r, "errors"), 0));
    json_decref(r);
    tl_buf_free(&b);
}

/* The procedure catalog (spec §6), straight into its table. */
static void load_catalog(void)
{
    static const char *const units[] = { NULL, "working_days", "days", "hours" };
    for (size_t i = 0; i < NPROCS; i++) {
        const proc_t *p = &PROCS[i];
        if (p->unit == U_NONE && !p->field && !p->level)
            continue;
        char sql[512], lvl[8] = "NULL", dur[16] = "NULL", unit[32] = "NULL", field[16] = "NULL";
        if (p->level)
            snprintf(lvl, sizeof lvl, "%d", p->level);
        if (p->unit != U_NONE) {
            snprintf(dur, sizeof dur, "%d", p->duration);
            snprintf(unit, sizeof unit, "'%s'", units[p->unit]);
        }
        if (p->field)
            snprintf(field, sizeof field, "'%s'", p->field);
        snprintf(sql, sizeof sql,
                 "INSERT INTO procedure (code, field_code, service_level, duration, duration_unit)"
                 " VALUES ('%s', %s, %s, %s, %s) ON CONFLICT (code) DO UPDATE SET"
                 " field_code = EXCLUDED.field_code, service_level = EXCLUDED.service_level,"
                 " duration = EXCLUDED.duration, duration_unit = EXCLUDED.duration_unit",
                 p->code, field, lvl, dur, unit);
        tl_sql_exec(sql);
    }
}

static gen_t *gens;
static size_t ngens;

static int pick_status(void)
{
    static const int weights[11] = { 0, 3, 12, 2, 30, 10, 5, 3, 3, 15, 17 };
    int64_t r = rn(100);
    for (int s = 1; s <= 10; s++)
        if ((r -= weights[s]) < 0)
            return s;
    return 10;
}

static void generate(size_t n, uint64_t seed)
{
    static const char *const prefixes[] = { "A-", "B-", "a-", "Z-", "A-0", "000.00.01.H62-" };
    rng = seed;
    gens = calloc(n, sizeof *gens);
    ck_assert_ptr_nonnull(gens);
    ngens = n;
    int64_t first = D(2024, 10, 1);
    for (size_t i = 0; i < n; i++) {
        gen_t *g = &gens[i];
        snprintf(g->code, sizeof g->code, "%s%03zu", prefixes[rn(6)], i);
        g->agency = (int)rn(NAGENCIES);
        g->proc = (int)rn(NPROCS);
        g->field = rn(10) < 3 ? OWN_FIELDS[rn(2)] : NULL;
        g->level = rn(10) < 2 ? 2 + (int)rn(3) : 0;
        g->channel = 1 + (int)rn(3);
        g->status = pick_status();
        int64_t day = first + rn(53); /* Oct 1 .. Nov 22 */
        int64_t r = rn(20);
        g->received = r == 0 ? at(day, 0, 0, 0) : r == 1 ? at(day, 23, 59, 59)
                    : at(day, 6 + (int)rn(13), (int)rn(60), 17);
        g->due = g->finished = g->sreq = g->updated = NONE;
        if (rn(10) < 7) {
            int64_t dd = lday(g->received) + rn(21);
            g->due = rn(5) < 4 ? at(dd, 17, 0, 0) : at(dd, (int)rn(24), (int)rn(60), 0);
            if (g->due < g->received)
                g->due = g->received;
        }
        if (g->status >= 7)
            g->finished = g->received + rn(26 * US_DAY);
        g->supp = (int)(rn(20) < 13 ? 0 : rn(20) < 12 ? 1 : 2 + rn(2));
        if ((g->status == 5 || g->status == 6) ? rn(10) < 7 : rn(10) == 0)
            g->sreq = g->received + rn(20 * US_DAY);
        if (rn(2))
            g->updated = g->received + rn(30 * US_DAY);
        g->apology = rn(4) == 0;
    }
}

/* ---- tests: a hand-checked example ----------------------------------------------------------------- */

typedef struct {
    const char *code;
    int status;
    int64_t received, due, finished, sreq;
    int supp, proc;
} hand_t;

static void ingest_hand(const hand_t *h, size_t n)
{
    gen_t *gs = calloc(n, sizeof *gs);
    ck_assert_ptr_nonnull(gs);
    for (size_t i = 0; i < n; i++) {
        gen_t *g = &gs[i];
        snprintf(g->code, sizeof g->code, "%s", h[i].code);
        g->status = h[i].status;
        g->received = h[i].received;
        g->due = h[i].due;
        g->finished = h[i].finished;
        g->sreq = h[i].sreq;
        g->updated = NONE;
        g->supp = h[i].supp;
        g->proc = h[i].proc;
        g->channel = 1;
    }
    ingest(gs, n);
    free(gs);
}

/* The codes of every page of path, joined by spaces. */
static const char *codes_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *codes_of(const char *fmt, ...)
{
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    tl_buf out = { 0 };
    tl_buf_puts(&out, "");
    char *cursor = NULL;
    for (int page = 0; page < 100; page++) {
        tl_buf p = { 0 };
        tl_buf_puts(&p, path);
        if (cursor)
            append_param(&p, "cursor", cursor);
        json_t *j = tl_get(p.p, 200);
        json_t *items = json_object_get(j, "items");
        for (size_t i = 0; i < json_array_size(items); i++)
            tl_buf_printf(&out, "%s%s", out.len ? " " : "", tl_jstr(json_array_get(items, i), "code"));
        free(cursor);
        cursor = tl_jnull(j, "next_cursor") ? NULL : strdup(tl_jstr(j, "next_cursor"));
        json_decref(j);
        tl_buf_free(&p);
        if (!cursor)
            break;
    }
    const char *r = tl_msg_("%s", out.p);
    tl_buf_free(&out);
    return r;
}

static json_t *item_of(const char *path, const char *code)
{
    json_t *j = tl_get(path, 200);
    json_t *items = json_object_get(j, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (!strcmp(tl_jstr(it, "code"), code)) {
            json_incref(it);
            json_decref(j);
            return it;
        }
    }
    ck_abort_msg("%s: no item %s", path, code);
    return NULL;
}

START_TEST(test_hand_example)
{
    load_catalog(); /* PROCS[0]: 5 working days */
    int64_t n1 = D(2024, 11, 1), n4 = D(2024, 11, 4), n5 = D(2024, 11, 5), n8 = D(2024, 11, 8),
            n10 = D(2024, 11, 10), n12 = D(2024, 11, 12), n13 = D(2024, 11, 13),
            n15 = D(2024, 11, 15), n18 = D(2024, 11, 18), n19 = D(2024, 11, 19),
            n20 = D(2024, 11, 20), n21 = D(2024, 11, 21), n22 = D(2024, 11, 22),
            n25 = D(2024, 11, 25), n30 = D(2024, 11, 30), o15 = D(2024, 10, 15),
            o20 = D(2024, 10, 20), o1 = D(2024, 10, 1);
    const hand_t h[] = {
        { "H-A", 4, at(n1, 8, 0, 0), at(n8, 17, 0, 0), NONE, NONE, 0, 3 },   /* overdue 8 */
        { "H-B", 2, at(n5, 8, 0, 0), at(n15, 17, 0, 0), NONE, NONE, 0, 3 },  /* overdue 3 */
        { "H-C", 4, at(n5, 8, 0, 0), at(n15, 10, 0, 0), NONE, NONE, 0, 3 },  /* overdue 3, sooner */
        { "H-D", 4, at(n18, 8, 0, 0), at(n20, 17, 0, 0), NONE, NONE, 0, 3 }, /* due today */
        { "H-E", 4, at(n18, 8, 0, 0), at(n21, 17, 0, 0), NONE, NONE, 0, 3 }, /* due tomorrow */
        { "H-F", 4, at(n18, 8, 0, 0), at(n22, 17, 0, 0), NONE, NONE, 0, 3 }, /* in 2 days */
        { "H-G", 5, at(n1, 8, 0, 0), at(n8, 17, 0, 0), NONE, at(n4, 9, 0, 0), 1, 3 }, /* waiting, in time */
        { "H-H", 6, at(n1, 8, 0, 0), at(n8, 17, 0, 0), NONE, at(n12, 9, 0, 0), 0, 3 }, /* waiting, overdue 2 */
        { "H-I", 4, at(n10, 8, 0, 0), NONE, NONE, NONE, 0, 0 },              /* catalog: due 11-15 */
        { "H-J", 2, at(n19, 8, 0, 0), at(n30, 17, 0, 0), NONE, NONE, 2, 3 }, /* 2nd supplement */
        { "H-K", 4, at(n19, 8, 0, 0), NONE, NONE, NONE, 0, 3 },              /* no deadline */
        { "H-L", 10, at(n1, 8, 0, 0), at(n8, 17, 0, 0), at(n13, 9, 0, 0), NONE, 0, 3 }, /* late 3 */
        { "H-M", 9, at(n1, 8, 0, 0), at(n8, 17, 0, 0), at(n8, 20, 0, 0), NONE, 0, 3 },  /* on time */
        { "H-N", 9, at(n1, 8, 0, 0), at(n15, 17, 0, 0), at(n12, 9, 0, 0), NONE, 2, 3 }, /* late 0 */
        { "H-O", 10, at(n1, 8, 0, 0), at(n4, 17, 0, 0), at(n25, 9, 0, 0), NONE, 0, 3 }, /* open at as_of */
        { "H-P", 1, at(n1, 8, 0, 0), at(n4, 17, 0, 0), NONE, NONE, 0, 3 },   /* registered */
        { "H-Q", 4, at(n21, 8, 0, 0), at(n21, 17, 0, 0), NONE, NONE, 0, 3 }, /* after as_of */
        { "H-R", 9, at(o1, 8, 0, 0), at(o15, 17, 0, 0), at(o20, 9, 0, 0), NONE, 0, 3 }, /* late in Oct */
    };
    ingest_hand(h, sizeof h / sizeof h[0]);
    const char *A = "as_of=2024-11-20T10:00:00%2B07:00";

    tl_assert_str(codes_of("/v1/dossiers?state=overdue&%s&limit=2", A),
                  "H-O H-A H-C H-B H-I H-H H-J", "overdue");
    tl_assert_str(codes_of("/v1/dossiers?state=pending&%s&limit=5", A),
                  "H-O H-A H-C H-B H-I H-H H-J H-G H-D H-E H-F H-K", "pending");
    tl_assert_str(codes_of("/v1/dossiers?state=due_soon&%s", A), "H-D H-E", "due_soon");
    tl_assert_str(codes_of("/v1/dossiers?state=due_soon&%s&within=2", A), "H-D H-E H-F",
                  "due_soon within 2");
    tl_assert_str(codes_of("/v1/dossiers?state=due_soon&%s&within=0", A), "H-D", "due_soon within 0");
    tl_assert_str(codes_of("/v1/dossiers?state=waiting&%s", A), "H-H H-G", "waiting");
    tl_assert_str(codes_of("/v1/dossiers?state=late&%s&period=2024-11", A), "H-L H-N", "late Nov");
    tl_assert_str(codes_of("/v1/dossiers?state=late&period=2024-10"), "H-R", "late Oct");
    tl_assert_str(codes_of("/v1/dossiers?state=late&%s&from=2024-10-01&to=2024-11-30&limit=1", A),
                  "H-R H-L H-N", "late Oct-Nov");
    /* H-O finished on 11-25: late once as_of passes it (period to date) */
    tl_assert_str(codes_of("/v1/dossiers?state=late&from=2024-11-01&to=2024-11-30"),
                  "H-O H-L H-N", "late Nov, whole month");

    json_t *it = item_of("/v1/dossiers?state=overdue&as_of=2024-11-20T10:00:00%2B07:00", "H-O");
    tl_assert_str(tl_jstr(it, "class"), "overdue", "H-O");
    ck_assert_int_eq(tl_jint(it, "working_days_overdue"), 12);
    ck_assert(tl_jnull(it, "working_days_left"));
    tl_assert_str(tl_jstr(it, "status"), "returned", "H-O status");
    tl_assert_str(tl_jstr(it, "finished_at"), "2024-11-25T09:00:00+07:00", "H-O finished_at");
    json_decref(it);
    it = item_of("/v1/dossiers?state=overdue&as_of=2024-11-20T10:00:00%2B07:00", "H-I");
    tl_assert_str(tl_jstr(it, "due_at"), "2024-11-15T17:00:00+07:00", "H-I computed due");
    ck_assert(tl_jbool(it, "due_computed"));
    ck_assert_int_eq(tl_jint(it, "working_days_overdue"), 3);
    json_decref(it);
    it = item_of("/v1/dossiers?state=waiting&as_of=2024-11-20T10:00:00%2B07:00", "H-H");
    ck_assert_int_eq(tl_jint(it, "working_days_overdue"), 2);
    ck_assert(tl_jbool(it, "waiting"));
    json_decref(it);
    it = item_of("/v1/dossiers?state=due_soon&as_of=2024-11-20T10:00:00%2B07:00", "H-E");
    ck_assert_int_eq(tl_jint(it, "working_days_left"), 1);
    ck_assert(tl_jbool(it, "due_soon"));
    tl_assert_str(tl_jstr(it, "class"), "in_time", "H-E");
    json_decref(it);
    it = item_of("/v1/dossiers?state=late&as_of=2024-11-20T10:00:00%2B07:00&period=2024-11", "H-L");
    tl_assert_str(tl_jstr(it, "class"), "late", "H-L");
    ck_assert(tl_jnull(it, "working_days_overdue"));
    json_decref(it);
    /* the response says which instant it describes */
    json_t *j = tl_get("/v1/dossiers?state=late&period=2024-10", 200);
    tl_assert_str(tl_jstr(j, "as_of"), "2024-10-31T23:59:59.999999+07:00", "late as_of");
    ck_assert(tl_jnull(j, "next_cursor"));
    json_decref(j);
    /* an empty list */
    j = tl_get("/v1/dossiers?state=overdue&as_of=2024-11-20T10:00:00%2B07:00&agency=nobody", 200);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 0);
    ck_assert(tl_jnull(j, "next_cursor"));
    json_decref(j);
}
END_TEST

/* ---- tests: the random data set against the model ------------------------------------------------------ */

START_TEST(test_states_against_model)
{
    generate(260, 0x5eed1157u);
    load_catalog();
    ingest(gens, ngens);
    static const char *const states[] = { "overdue", "due_soon", "late", "pending", "waiting" };
    const int64_t as_ofs[] = {
        at(D(2024, 11, 20), 10, 0, 0),        /* a Wednesday morning */
        at(D(2024, 11, 18), 0, 0, 0),         /* Monday, midnight */
        at(D(2024, 11, 23), 12, 0, 0),        /* a Saturday */
        day_end(D(2024, 10, 31)),             /* the past: later dossiers absent, open ones reopen */
    };
    static const int limits[] = { 7, 20, 1000 };
    rng = 77;
    int k = 0;
    for (size_t s = 0; s < 5; s++)
        for (size_t a = 0; a < 4; a++) {
            lquery_t q = { states[s], as_ofs[a], -1, NONE, NONE, NULL, NULL, NULL, NULL, 0 };
            if (!strcmp(states[s], "late")) {
                q.from = a % 2 ? D(2024, 10, 1) : D(2024, 10, 15);
                q.to = a % 2 ? D(2024, 11, 30) : D(2024, 11, 19);
            }
            check_query(gens, ngens, &q, limits[k++ % 3]);
            /* the same with one filter */
            lquery_t f = q;
            switch (rn(7)) {
            case 0: f.agency = "000.00.*"; break;
            case 1: f.agency = AGENCIES[rn(NAGENCIES)][0]; break;
            case 2: f.procedure = PROCS[rn(NPROCS)].code; break;
            case 3: f.field = rn(2) ? "G01" : "G02"; break;
            case 4: f.channel = CHANNELS[1 + rn(3)]; break;
            case 5: f.level = 2 + (int)rn(3); break;
            default: f.agency = "H62*"; f.channel = "online"; break;
            }
            check_query(gens, ngens, &f, 5);
        }
    /* the due_soon horizon */
    for (int w = 0; w <= 10; w += 5) {
        lquery_t q = { "due_soon", as_ofs[0], w, NONE, NONE, NULL, NULL, NULL, NULL, 0 };
        check_query(gens, ngens, &q, 6);
    }
    /* late: the default period (this month, to now) and a named one, as_of not given */
    lquery_t late = { "late", NONE, -1, NONE, NONE, NULL, NULL, NULL, NULL, 0 };
    check_query(gens, ngens, &late, 10);
    late.from = D(2024, 11, 1);
    late.to = D(2024, 11, 30);
    check_query(gens, ngens, &late, 10);
    /* every filter on the pending list */
    lquery_t p = { "pending", as_ofs[0], -1, NONE, NONE, NULL, NULL, NULL, NULL, 0 };
    lquery_t fs[] = { p, p, p, p, p, p, p };
    fs[0].agency = "000.00.01.H62";
    fs[1].agency = "000.*";
    fs[2].procedure = PROCS[2].code;
    fs[3].field = "G01";   /* own or the catalog's */
    fs[4].channel = "postal";
    fs[5].level = 4;       /* own or the catalog's */
    fs[6].agency = "000.2*";
    fs[6].field = "G03";
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        check_query(gens, ngens, &fs[i], 1000);
    free(gens);
    gens = NULL;
}
END_TEST

/* ---- tests: pagination while dossiers arrive ----------------------------------------------------------- */

static int inserted;

/* New dossiers, received now (after the first page's as_of), that would sort
 * anywhere in the list; and one not yet served dossier finished now (after
 * as_of, so still open then). */
static void arrive(int page)
{
    if (page % 2)
        return;
    int64_t now = now_us(); /* later than the first page's as_of */
    gen_t g[3];
    memset(g, 0, sizeof g);
    for (int i = 0; i < 3; i++) {
        snprintf(g[i].code, sizeof g[i].code, "%c-NEW-%02d", "0AZ"[i], inserted++);
        g[i].status = 4;
        g[i].channel = 2;
        g[i].proc = 3;
        g[i].received = now;
        g[i].due = i == 2 ? NONE : now;   /* due today: first of the in-time ones */
        g[i].finished = g[i].sreq = g[i].updated = NONE;
        g[i].supp = i == 1 ? 2 : 0;       /* overdue by its second supplement request */
    }
    ingest(g, 3);
    if (page == 2) {
        /* P-20 is served later: finished now, it was still open at as_of */
        char sql[256];
        snprintf(sql, sizeof sql, "UPDATE dossier SET status = 9, finished_at = now() "
                                  "WHERE code = 'P-20'");
        tl_sql_exec(sql);
    }
}

START_TEST(test_pagination_with_arrivals)
{
    /* 30 open dossiers: overdue (2024 due dates), in time (2099), no deadline.
     * Their order is the order of their due dates whatever the calendar. */
    gen_t base[30];
    memset(base, 0, sizeof base);
    for (int i = 0; i < 30; i++) {
        gen_t *g = &base[i];
        snprintf(g->code, sizeof g->code, "P-%02d", i);
        g->status = i % 3 ? 4 : 2;
        g->channel = 1;
        g->proc = 3;
        g->received = at(D(2024, 11, 1), 8, 0, 0);
        g->due = i < 12 ? at(D(2024, 11, 4 + i / 2), 17, 0, 0)     /* pairs share a due date */
               : i < 24 ? at(D(2099, 1, 1 + (i - 12) / 3), 17, 0, 0)
               : NONE;
        g->finished = g->sreq = g->updated = NONE;
    }
    ingest(base, 30);
    /* expected: by due date (pairs by code), no deadline last by code */
    const char *want = "P-00 P-01 P-02 P-03 P-04 P-05 P-06 P-07 P-08 P-09 P-10 P-11 "
                       "P-12 P-13 P-14 P-15 P-16 P-17 P-18 P-19 P-20 P-21 P-22 P-23 "
                       "P-24 P-25 P-26 P-27 P-28 P-29";

    inserted = 0;
    lquery_t q = { "pending", NONE, -1, NONE, NONE, NULL, NULL, NULL, NULL, 0 };
    int pages = 0;
    json_t *items = fetch_all(&q, 4, arrive, &pages, NULL, 0);
    ck_assert_int_eq(pages, 8);
    ck_assert_int_gt(inserted, 0);
    tl_buf got = { 0 };
    tl_buf_puts(&got, "");
    for (size_t i = 0; i < json_array_size(items); i++)
        tl_buf_printf(&got, "%s%s", i ? " " : "", tl_jstr(json_array_get(items, i), "code"));
    tl_assert_str(got.p, want, "pending pages with arrivals");
    tl_buf_free(&got);
    /* P-20, finished between the pages, was still open at the list's as_of */
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (!strcmp(tl_jstr(it, "code"), "P-20")) {
            tl_assert_str(tl_jstr(it, "class"), "in_time", "P-20 at as_of");
            ck_assert(!tl_jnull(it, "finished_at"));
        }
    }
    json_decref(items);

    /* a new first page sees the arrivals (and no longer P-20) */
    json_t *j = tl_get("/v1/dossiers?state=pending&limit=1000", 200);
    json_t *all = json_object_get(j, "items");
    ck_assert_uint_eq(json_array_size(all), 30 - 1 + (size_t)inserted);
    json_decref(j);

    /* the same with an as_of in the past: arrivals received after it, overdue
     * ones that would come first, never show on the later pages */
    inserted = 100;
    q.state = "overdue";
    q.as_of = at(D(2024, 11, 20), 10, 0, 0);
    items = fetch_all(&q, 3, arrive, &pages, NULL, 0);
    tl_buf_puts(&got, "");
    for (size_t i = 0; i < json_array_size(items); i++)
        tl_buf_printf(&got, "%s%s", i ? " " : "", tl_jstr(json_array_get(items, i), "code"));
    tl_assert_str(got.p, "P-00 P-01 P-02 P-03 P-04 P-05 P-06 P-07 P-08 P-09 P-10 P-11",
                  "overdue pages with arrivals");
    tl_buf_free(&got);
    json_decref(items);
}
END_TEST

/* ---- tests: where the reading stops ------------------------------------------------------------------ */

/*
 * The overdue, due_soon and pending lists read open dossiers in the order of
 * their due dates, in batches, and stop once no unread one can enter the page
 * (lists.h). This data set puts every case of that argument at a page or
 * batch boundary, and every page of every small limit is compared with the
 * model: a tie of 21 dossiers on one due instant (stored, computed from the
 * catalog, finished after as_of, a second supplement request; codes that
 * differ in case and in non-ASCII bytes), waiting dossiers due early whose
 * clocks stopped early (read first, ranked late or not overdue at all),
 * second supplement requests not yet due and without a deadline, dossiers
 * without a deadline, and a run of overdue ones a day apart.
 */
START_TEST(test_stopping)
{
    load_catalog(); /* PROCS[0]: 5 working days; PROCS[1]: 10 days; PROCS[3]: none */
    int64_t n8 = D(2024, 11, 8), o1 = D(2024, 10, 1);
    int64_t due8 = at(n8, 17, 0, 0), fin = at(D(2024, 11, 25), 9, 0, 0);
    int64_t rec = at(D(2024, 11, 1), 8, 0, 0);
    static const char *const tie[] = { "T-b", "T-d", "T-f", "T-h", "T-j", "T-l", "t-a",
                                       "\xC4\x90-1", "D-1", "T-n", "T-p", "T-~" };
    enum { NMAX = 96 };
    hand_t h[NMAX];
    size_t n = 0;
    for (size_t i = 0; i < sizeof tie / sizeof tie[0]; i++)
        h[n++] = (hand_t){ tie[i], 4, rec, due8, NONE, NONE, 0, 3 };
    /* the same instant: finished after as_of; from the catalog (received the
     * 1st, at 08:00 and at 19:00: 5 working days later, 17:00); asked twice */
    h[n++] = (hand_t){ "T-c", 9, rec, due8, fin, NONE, 0, 3 };
    h[n++] = (hand_t){ "T-k", 10, rec, due8, fin, NONE, 0, 3 };
    h[n++] = (hand_t){ "T-e", 4, rec, NONE, NONE, NONE, 0, 0 };
    h[n++] = (hand_t){ "T-m", 2, at(D(2024, 11, 1), 19, 0, 0), NONE, NONE, NONE, 0, 0 };
    h[n++] = (hand_t){ "T-o", 4, rec, due8, NONE, NONE, 2, 3 };
    /* waiting, due the 8th: stopped the 12th (2 days), the 5th (in time) */
    h[n++] = (hand_t){ "T-g", 5, rec, due8, NONE, at(D(2024, 11, 12), 9, 0, 0), 1, 3 };
    h[n++] = (hand_t){ "T-i", 6, rec, due8, NONE, at(D(2024, 11, 5), 9, 0, 0), 0, 3 };
    h[n++] = (hand_t){ "T-q", 5, rec, due8, NONE, at(D(2024, 11, 21), 9, 0, 0), 0, 3 }; /* later */
    /* due long ago: overdue 36 days, waiting 1 day, waiting in time */
    h[n++] = (hand_t){ "O-1", 2, at(o1, 8, 0, 0), at(o1, 17, 0, 0), NONE, NONE, 0, 3 };
    h[n++] = (hand_t){ "W-1", 5, at(o1, 8, 0, 0), at(o1, 17, 0, 0), NONE, at(D(2024, 10, 2), 10, 0, 0), 0, 3 };
    h[n++] = (hand_t){ "W-2", 6, at(o1, 8, 0, 0), at(o1, 17, 0, 0), NONE, at(o1, 9, 0, 0), 0, 3 };
    /* due yesterday, at two instants; today before and after as_of */
    h[n++] = (hand_t){ "O-2", 4, rec, at(D(2024, 11, 19), 17, 0, 0), NONE, NONE, 0, 3 };
    h[n++] = (hand_t){ "O-3", 4, rec, at(D(2024, 11, 19), 9, 0, 0), NONE, NONE, 0, 3 };
    h[n++] = (hand_t){ "I-0", 4, rec, at(D(2024, 11, 20), 8, 0, 0), NONE, NONE, 0, 3 };
    h[n++] = (hand_t){ "I-1", 4, rec, at(D(2024, 11, 20), 17, 0, 0), NONE, NONE, 0, 3 };
    /* second supplement requests: not yet due, due today, no deadline, waiting */
    h[n++] = (hand_t){ "S-1", 4, rec, at(D(2024, 12, 2), 17, 0, 0), NONE, NONE, 2, 3 };
    h[n++] = (hand_t){ "S-2", 2, rec, at(D(2024, 11, 20), 17, 0, 0), NONE, NONE, 3, 3 };
    h[n++] = (hand_t){ "S-3", 4, rec, NONE, NONE, NONE, 2, 3 };
    h[n++] = (hand_t){ "S-4", 5, rec, at(D(2024, 11, 25), 17, 0, 0), NONE, at(D(2024, 11, 15), 9, 0, 0), 2, 3 };
    /* in time: ties, the catalog (due the 25th; the 22nd), finished after as_of */
    h[n++] = (hand_t){ "I-3", 4, rec, at(D(2024, 11, 21), 17, 0, 0), NONE, NONE, 0, 3 };
    h[n++] = (hand_t){ "I-2", 4, rec, at(D(2024, 11, 21), 17, 0, 0), NONE, NONE, 0, 3 };
    h[n++] = (hand_t){ "I-4", 4, rec, at(D(2024, 11, 22), 17, 0, 0), NONE, NONE, 0, 3 };
    h[n++] = (hand_t){ "I-5", 2, rec, at(D(2024, 11, 29), 17, 0, 0), NONE, NONE, 1, 3 };
    h[n++] = (hand_t){ "I-6", 4, at(D(2024, 11, 18), 8, 0, 0), NONE, NONE, NONE, 0, 0 };
    h[n++] = (hand_t){ "I-7", 4, at(D(2024, 11, 12), 8, 0, 0), NONE, NONE, NONE, 0, 1 };
    h[n++] = (hand_t){ "R-1", 10, rec, at(D(2024, 11, 21), 17, 0, 0), fin, NONE, 0, 3 };
    /* no deadline */
    h[n++] = (hand_t){ "N-1", 4, rec, NONE, NONE, NONE, 0, 3 };
    h[n++] = (hand_t){ "N-2", 4, rec, NONE, NONE, NONE, 1, 3 };
    /* a run of overdue ones, two a day, across many batches */
    static char run[40][16];
    for (int i = 0; i < 40 && n < NMAX; i++) {
        snprintf(run[i], sizeof run[i], "B-%02d", i);
        int64_t day = D(2024, 10, 14) + i / 2;
        h[n++] = (hand_t){ run[i], i % 5 ? 4 : 2, at(D(2024, 10, 1), 8, 0, 0),
                           at(day, i % 3 ? 17 : 11, 0, 0), NONE, NONE, 0, 3 };
    }
    ck_assert_uint_le(n, NMAX);
    ingest_hand(h, n);

    /* the model's view of the same data */
    gen_t *gs = calloc(n, sizeof *gs);
    ck_assert_ptr_nonnull(gs);
    for (size_t i = 0; i < n; i++) {
        snprintf(gs[i].code, sizeof gs[i].code, "%s", h[i].code);
        gs[i].status = h[i].status;
        gs[i].received = h[i].received;
        gs[i].due = h[i].due;
        gs[i].finished = h[i].finished;
        gs[i].sreq = h[i].sreq;
        gs[i].updated = NONE;
        gs[i].supp = h[i].supp;
        gs[i].proc = h[i].proc;
        gs[i].channel = 1;
    }
    static const char *const states[] = { "overdue", "pending", "due_soon", "waiting" };
    const int64_t as_ofs[] = {
        at(D(2024, 11, 20), 10, 0, 0),   /* Wednesday */
        at(D(2024, 11, 23), 12, 0, 0),   /* Saturday */
        at(D(2024, 11, 12), 12, 0, 0),   /* before some receptions */
    };
    static const int limits[] = { 1, 2, 3, 4, 5, 7, 12, 100 };
    for (size_t s = 0; s < 4; s++)
        for (size_t a = 0; a < 3; a++)
            for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
                if (s == 3 && l % 2)
                    continue; /* waiting: no stream; a few limits suffice */
                lquery_t q = { states[s], as_ofs[a], -1, NONE, NONE, NULL, NULL, NULL, NULL, 0 };
                if (s == 2)
                    q.within = (int)l % 4;
                check_query(gs, n, &q, limits[l]);
            }
    /* the whole list by hand, pages of 3: the tie (8 days, due the 8th at
     * 17:00) by code byte by byte ("D" < "T" < "t" < "\xC4"); T-q's wait
     * began after as_of; the run's pairs at 11:00 (i % 3 == 0) before 17:00 */
    tl_assert_str(codes_of("/v1/dossiers?state=overdue&as_of=2024-11-20T10:00:00%%2B07:00"
                           "&limit=3&agency=000.00.01.H62"),
                  "O-1 B-00 B-01 B-03 B-02 B-04 B-05 B-06 B-07 B-09 B-08 B-10 B-11 B-12 B-13 "
                  "B-15 B-14 B-16 B-17 B-18 B-19 B-21 B-20 B-22 B-23 B-24 B-25 B-27 B-26 B-28 "
                  "B-29 B-30 B-31 B-33 B-32 B-34 B-35 B-36 B-37 B-39 B-38 "
                  "D-1 T-b T-c T-d T-e T-f T-h T-j T-k T-l T-m T-n T-o T-p T-q T-~ t-a \xC4\x90-1 "
                  "T-g W-1 O-3 O-2 S-2 S-4 S-1 S-3", "overdue, by hand");
    free(gs);
}
END_TEST

/* ---- tests: limits, bad parameters, CSV ----------------------------------------------------------------- */

static bool names_word(const char *msg, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(msg, word); p; p = strstr(p + 1, word)) {
        bool left = p == msg || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        bool right = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (left && right)
            return true;
    }
    return false;
}

static void expect_400(const char *path, const char *param)
{
    json_t *j = tl_get(path, 400);
    tl_assert_error(j, "invalid_parameter");
    const char *msg = tl_jstr(j, "error.message");
    ck_assert_msg(names_word(msg, param), "%s: message '%s' does not name %s", path, msg, param);
    json_decref(j);
}

START_TEST(test_limits)
{
    gen_t g[101];
    memset(g, 0, sizeof g);
    for (int i = 0; i < 101; i++) {
        snprintf(g[i].code, sizeof g[i].code, "L-%03d", i);
        g[i].status = 4;
        g[i].channel = 1;
        g[i].proc = 3;
        g[i].received = at(D(2024, 11, 1), 8, 0, 0);
        g[i].due = at(D(2024, 11, 5), 17, 0, 0);
        g[i].finished = g[i].sreq = g[i].updated = NONE;
    }
    ingest(g, 101);
    const char *A = "as_of=2024-11-20";
    char path[256];
    /* the default limit is 100 */
    snprintf(path, sizeof path, "/v1/dossiers?state=overdue&%s", A);
    json_t *j = tl_get(path, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 100);
    const char *cur = tl_jstr(j, "next_cursor");
    ck_assert_ptr_nonnull(cur);
    tl_assert_str(tl_jstr(j, "items[99].code"), "L-099", "last of page 1");
    snprintf(path, sizeof path, "/v1/dossiers?state=overdue&%s&cursor=%s", A, cur);
    json_decref(j);
    j = tl_get(path, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 1);
    tl_assert_str(tl_jstr(j, "items[0].code"), "L-100", "page 2");
    ck_assert(tl_jnull(j, "next_cursor"));
    json_decref(j);
    /* 1 and 1000 are accepted; exactly limit items left: no next cursor */
    snprintf(path, sizeof path, "/v1/dossiers?state=overdue&%s&limit=1000", A);
    j = tl_get(path, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 101);
    ck_assert(tl_jnull(j, "next_cursor"));
    json_decref(j);
    snprintf(path, sizeof path, "/v1/dossiers?state=overdue&%s&limit=101", A);
    j = tl_get(path, 200);
    ck_assert(tl_jnull(j, "next_cursor"));
    json_decref(j);
    snprintf(path, sizeof path, "/v1/dossiers?state=overdue&%s&limit=1", A);
    j = tl_get(path, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 1);
    ck_assert(!tl_jnull(j, "next_cursor"));
    json_decref(j);
    static const char *const bad[] = { "0", "1001", "-1", "abc", "", "1.5", "%2B5", "99999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, "/v1/dossiers?state=overdue&limit=%s", bad[i]);
        expect_400(path, "limit");
    }
}
END_TEST

START_TEST(test_bad_parameters)
{
    gen_t g[3];
    memset(g, 0, sizeof g);
    for (int i = 0; i < 3; i++) {
        snprintf(g[i].code, sizeof g[i].code, "X-%d", i);
        g[i].status = 4;
        g[i].channel = 1;
        g[i].agency = i % 2;
        g[i].proc = 3;
        g[i].received = at(D(2024, 11, 1), 8, 0, 0);
        g[i].due = at(D(2024, 11, 5), 17, 0, 0);
        g[i].finished = g[i].sreq = g[i].updated = NONE;
    }
    ingest(g, 3);
    expect_400("/v1/dossiers", "state");
    expect_400("/v1/dossiers?limit=5", "state");
    expect_400("/v1/dossiers?state=", "state");
    expect_400("/v1/dossiers?state=open", "state");
    expect_400("/v1/dossiers?state=overdue&as_of=soon", "as_of");
    expect_400("/v1/dossiers?state=due_soon&within=x", "within");
    expect_400("/v1/dossiers?state=due_soon&within=400", "within");
    expect_400("/v1/dossiers?state=overdue&agency=a*b", "agency");
    expect_400("/v1/dossiers?state=overdue&channel=fax", "channel");
    expect_400("/v1/dossiers?state=overdue&service_level=1", "service_level");
    expect_400("/v1/dossiers?state=late&from=2024-11-01", "to");
    expect_400("/v1/dossiers?state=late&period=2024-13", "period");
    expect_400("/v1/dossiers?state=overdue&format=xml", "format");
    expect_400("/v1/dossiers?state=overdue&cursor=", "cursor");
    expect_400("/v1/dossiers?state=overdue&cursor=not-a-cursor", "cursor");
    expect_400("/v1/dossiers?state=overdue&cursor=%3D%3D", "cursor");

    /* a real cursor, then altered, cut, or used for another list */
    json_t *j = tl_get("/v1/dossiers?state=overdue&as_of=2024-11-20&limit=1&agency=000.00.*", 200);
    char cur[2048];
    snprintf(cur, sizeof cur, "%s", tl_jstr(j, "next_cursor"));
    json_decref(j);
    char path[4096];
    snprintf(path, sizeof path, "/v1/dossiers?state=overdue&limit=1&agency=000.00.*&cursor=%s", cur);
    j = tl_get(path, 200);
    json_decref(j);
    size_t n = strlen(cur);
    char alt[2048];
    memcpy(alt, cur, n + 1);
    alt[n / 2] = alt[n / 2] == 'A' ? 'B' : 'A';
    snprintf(path, sizeof path, "/v1/dossiers?state=overdue&agency=000.00.*&cursor=%s", alt);
    expect_400(path, "cursor");
    memcpy(alt, cur, n + 1);
    alt[n - 3] = '\0';
    snprintf(path, sizeof path, "/v1/dossiers?state=overdue&agency=000.00.*&cursor=%s", alt);
    expect_400(path, "cursor");
    snprintf(path, sizeof path, "/v1/dossiers?state=pending&agency=000.00.*&cursor=%s", cur);
    expect_400(path, "cursor");
    snprintf(path, sizeof path, "/v1/dossiers?state=overdue&cursor=%s", cur);
    expect_400(path, "cursor");
    snprintf(path, sizeof path, "/v1/dossiers?state=overdue&agency=000.00.01.H62&cursor=%s", cur);
    expect_400(path, "cursor");
    /* unknown parameters are ignored */
    j = tl_get("/v1/dossiers?state=overdue&as_of=2024-11-20&colour=red&group_by=agency", 200);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 3);
    json_decref(j);
    /* other methods */
    tl_resp r;
    ck_assert_int_eq(tl_http("DELETE", "/v1/dossiers?state=overdue", NULL, NULL, 0, &r), 405);
    tl_resp_free(&r);
}
END_TEST

/* Splits one RFC 4180 record at *p into cells (malloc'd, NUL-terminated);
 * advances *p past its CRLF. Returns the number of cells. */
static size_t csv_record(const char **p, char **cells, size_t max)
{
    size_t n = 0;
    const char *s = *p;
    for (;;) {
        tl_buf c = { 0 };
        tl_buf_puts(&c, "");
        if (*s == '"') {
            s++;
            for (;;) {
                ck_assert_msg(*s != '\0', "unterminated quoted cell");
                if (*s == '"' && s[1] == '"') {
                    tl_buf_put(&c, "\"", 1);
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    tl_buf_put(&c, s++, 1);
                }
            }
        } else {
            while (*s && *s != ',' && *s != '\r' && *s != '\n' && *s != '"')
                tl_buf_put(&c, s++, 1);
            ck_assert_msg(*s != '"', "a quote inside an unquoted cell");
        }
        ck_assert(n < max);
        cells[n++] = c.p;
        if (*s == ',') {
            s++;
            continue;
        }
        ck_assert_msg(s[0] == '\r' && s[1] == '\n', "a record does not end with CRLF");
        *p = s + 2;
        return n;
    }
}

/* The CSV text of a JSON value as the lists write it. */
static void csv_expect(json_t *v, char *buf, size_t cap)
{
    if (!v || json_is_null(v)) {
        buf[0] = '\0';
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        snprintf(buf, cap, "%s%s", s[0] && strchr("=+-@\t\r", s[0]) ? "'" : "", s);
    } else if (json_is_integer(v)) {
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    } else if (json_is_boolean(v)) {
        snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
    } else {
        ck_abort_msg("unexpected JSON type in an item");
    }
}

static void check_csv_against_json(const char *query, const char *headers)
{
    char path[512];
    snprintf(path, sizeof path, "/v1/dossiers?%s", query);
    json_t *j = tl_get(path, 200);
    json_t *items = json_object_get(j, "items");
    if (!headers)
        snprintf(path, sizeof path, "/v1/dossiers?%s&format=csv", query);
    tl_resp r;
    ck_assert_int_eq(tl_http("GET", path, headers, NULL, 0, &r), 200);
    char ct[128];
    ck_assert_ptr_nonnull(tl_header(&r, "Content-Type", ct, sizeof ct));
    ck_assert_msg(strncmp(ct, "text/csv", 8) == 0, "Content-Type %s", ct);
    ck_assert_msg(r.len >= 3 && memcmp(r.body, "\xEF\xBB\xBF", 3) == 0, "no UTF-8 BOM");
    const char *p = r.body + 3;
    char *head[64], *cells[64];
    size_t nh = csv_record(&p, head, 64);
    ck_assert_str_eq(head[0], "code");
    size_t rows = 0;
    while (*p) {
        size_t nc = csv_record(&p, cells, 64);
        ck_assert_uint_eq(nc, nh);
        json_t *it = json_array_get(items, rows);
        ck_assert_msg(it != NULL, "%s: more CSV rows than JSON items", query);
        for (size_t c = 0; c < nh; c++) {
            json_t *v = json_object_get(it, head[c]);
            ck_assert_msg(v != NULL, "CSV column %s is not an item field", head[c]);
            char want[1024];
            csv_expect(v, want, sizeof want);
            tl_assert_str(cells[c], want, "%s: row %zu column %s", query, rows, head[c]);
            free(cells[c]);
        }
        rows++;
    }
    ck_assert_uint_eq(rows, json_array_size(items));
    /* every item field has a column */
    if (rows) {
        ck_assert_uint_eq(json_object_size(json_array_get(items, 0)), nh);
    }
    for (size_t c = 0; c < nh; c++)
        free(head[c]);
    tl_resp_free(&r);
    json_decref(j);
}

START_TEST(test_csv)
{
    generate(60, 0xc5f);
    load_catalog();
    ingest(gens, ngens);
    check_csv_against_json("state=pending&as_of=2024-11-20T10:00:00%2B07:00&limit=1000", NULL);
    check_csv_against_json("state=late&from=2024-10-01&to=2024-11-30&limit=1000", NULL);
    check_csv_against_json("state=overdue&as_of=2024-11-20T10:00:00%2B07:00&limit=1000",
                           "Accept: text/csv\r\n");
    /* an empty list: the header row alone */
    check_csv_against_json("state=waiting&agency=nobody", NULL);
    /* format=json wins over Accept */
    tl_resp r;
    ck_assert_int_eq(tl_http("GET", "/v1/dossiers?state=pending&format=json", "Accept: text/csv\r\n",
                             NULL, 0, &r), 200);
    char ct[128];
    ck_assert_ptr_nonnull(tl_header(&r, "Content-Type", ct, sizeof ct));
    ck_assert_msg(strncmp(ct, "application/json", 16) == 0, "Content-Type %s", ct);
    tl_resp_free(&r);
#ifdef HTTP_RESP_EXTRA_HEADER
    /* CSV pages: the cursor in X-Next-Cursor, absent on the last page; the
     * pages together are the JSON list */
    {
        json_t *j = tl_get("/v1/dossiers?state=pending&as_of=2024-11-20&limit=1000", 200);
        size_t total = json_array_size(json_object_get(j, "items")), rows = 0;
        json_decref(j);
        char cur[2048] = "", path[4096];
        for (int page = 0; page < 100; page++) {
            snprintf(path, sizeof path, "/v1/dossiers?state=pending&as_of=2024-11-20&limit=7"
                                        "&format=csv%s%s", cur[0] ? "&cursor=" : "", cur);
            ck_assert_int_eq(tl_http("GET", path, NULL, NULL, 0, &r), 200);
            const char *p = strstr(r.body, "\r\n") + 2;
            size_t n = 0;
            for (; *p; n++) {
                char *cells[64];
                size_t nc = csv_record(&p, cells, 64);
                for (size_t c = 0; c < nc; c++)
                    free(cells[c]);
            }
            rows += n;
            bool has = tl_header(&r, "X-Next-Cursor", cur, sizeof cur) != NULL;
            tl_resp_free(&r);
            ck_assert_msg(has ? n == 7 : n <= 7, "CSV page of %zu rows", n);
            if (!has)
                break;
        }
        ck_assert_uint_eq(rows, total);
    }
#endif
    /* formula guard on a label: the agency named "+Sở Xây dựng" */
    ck_assert_int_eq(tl_http("GET", "/v1/dossiers?state=pending&as_of=2024-11-20&limit=1000"
                                    "&agency=000.00.02.H62&format=csv", NULL, NULL, 0, &r), 200);
    ck_assert_msg(strstr(r.body, ",'+S\xE1\xBB\x9F X\xC3\xA2y d\xE1\xBB\xB1ng,") != NULL,
                  "no guarded label in %s", r.body);
    tl_resp_free(&r);
    free(gens);
    gens = NULL;
}
END_TEST

/* ---- suite ------------------------------------------------------------------------------------------- */

static void lists_teardown(void)
{
    free(gens);
    gens = NULL;
    ngens = 0;
    tl_teardown();
}

Suite *make_lists_db_suite(void)
{
    Suite *s = suite_create("lists_db");
    TCase *tc = tcase_create("lists");
    tcase_add_checked_fixture(tc, tl_setup, lists_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hand_example);
    tcase_add_test(tc, test_states_against_model);
    tcase_add_test(tc, test_pagination_with_arrivals);
    tcase_add_test(tc, test_stopping);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_bad_parameters);
    tcase_add_test(tc, test_csv);
    suite_add_tcase(s, tc);
    return s;
}
