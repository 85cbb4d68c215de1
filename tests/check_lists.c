/*
 * check_lists.c - unit tests of lists.c, the pure part of the monitoring
 * lists (spec §4, §7): the state selection, the "most urgent first" order and
 * its ties, the keyset cursor (round trip, tampering, semantic checks), the
 * request parameters, the bounded page selection (against a full sort on
 * random data) and the CSV rendering (BOM, header, RFC 4180 quoting,
 * formula guard, CRLF).
 *
 * Why: these rules decide which dossiers a person is told to chase and in
 * which order, and a page that repeats or skips a dossier loses work; every
 * rule is checked here without a server (the HTTP path is check_lists_db.c).
 */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "lists.h"
#include "view.h"

/* ---- helpers ------------------------------------------------------------------ */

static ts_t T(const char *s)
{
    ts_t t;
    ck_assert_msg(ts_parse(s, strlen(s), TS_DATE_MIDNIGHT, &t) == 0, "bad test time %s", s);
    return t;
}

static day_t D(const char *s)
{
    day_t d;
    ck_assert_msg(day_parse(s, strlen(s), &d) == 0, "bad test date %s", s);
    return d;
}

/* now for the parameter tests: Wednesday 2024-11-20 10:00 local. */
static ts_t now_ts(void) { return T("2024-11-20T10:00:00+07:00"); }

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int64_t rn(int64_t n) { return (int64_t)(rnd() % (uint64_t)n); }

static char g_msg[256];

/* list_parse on (key, value, ..., NULL) pairs at now_ts(), within default 1. */
static int parse_pairs(list_query_t *lq, const char *const *pairs)
{
    kv_t kv[32];
    size_t n = 0;
    for (; pairs[2 * n] != NULL; n++) {
        ck_assert(n < 32);
        kv[n].key = pairs[2 * n];
        kv[n].value = pairs[2 * n + 1];
    }
    memset(g_msg, 0, sizeof g_msg);
    return list_parse(kv, n, now_ts(), 1, lq, g_msg, sizeof g_msg);
}

#define PARSE(lq, ...) parse_pairs((lq), (const char *const[]){ __VA_ARGS__, NULL })

/* Expects a 400 whose message starts with "param:". */
#define EXPECT_BAD(param, ...)                                                               \
    do {                                                                                     \
        list_query_t lq_;                                                                    \
        ck_assert_msg(PARSE(&lq_, __VA_ARGS__) == -1, "accepted, expected a %s error", param); \
        ck_assert_msg(strncmp(g_msg, param ":", strlen(param ":")) == 0,                     \
                      "message '%s' does not start with %s:", g_msg, param);                 \
    } while (0)

/* ---- states ----------------------------------------------------------------------- */

START_TEST(test_state_names)
{
    static const char *const names[] = { "overdue", "due_soon", "late", "pending", "waiting" };
    for (size_t i = 0; i < 5; i++) {
        list_state s = list_state_parse(names[i]);
        ck_assert_int_ne(s, LIST_NONE);
        ck_assert_str_eq(list_state_name(s), names[i]);
    }
    ck_assert_int_eq(list_state_parse("Overdue"), LIST_NONE);
    ck_assert_int_eq(list_state_parse(""), LIST_NONE);
    ck_assert_int_eq(list_state_parse("due-soon"), LIST_NONE);
    ck_assert_int_eq(list_state_parse(NULL), LIST_NONE);
    ck_assert_ptr_null(list_state_name(LIST_NONE));
}
END_TEST

static cls_result_t CR(cls_t cls, bool finished, bool waiting, bool due_soon, int64_t wdo,
                       int64_t wdl)
{
    cls_result_t r = { cls, finished, waiting, due_soon, wdo, wdl };
    return r;
}

START_TEST(test_selects)
{
    ts_t start = T("2024-11-01");
    cls_result_t overdue = CR(CLS_OVERDUE, false, false, false, 3, -1);
    cls_result_t overdue_waiting = CR(CLS_OVERDUE, false, true, false, 2, -1);
    cls_result_t in_time = CR(CLS_IN_TIME, false, false, false, -1, 4);
    cls_result_t soon = CR(CLS_IN_TIME, false, false, true, -1, 0);
    cls_result_t waiting = CR(CLS_IN_TIME, false, true, false, -1, -1);
    cls_result_t late = CR(CLS_LATE, true, false, false, -1, -1);
    cls_result_t early = CR(CLS_EARLY, true, false, false, -1, -1);
    cls_result_t on_time = CR(CLS_ON_TIME, true, false, false, -1, -1);
    cls_result_t none = CR(CLS_NONE, false, false, false, -1, -1);
    ts_t fin = T("2024-11-05");

    ck_assert(list_selects(LIST_OVERDUE, &overdue, TS_NULL, 0));
    ck_assert(list_selects(LIST_OVERDUE, &overdue_waiting, TS_NULL, 0));
    ck_assert(!list_selects(LIST_OVERDUE, &in_time, TS_NULL, 0));
    ck_assert(!list_selects(LIST_OVERDUE, &late, fin, start));

    ck_assert(list_selects(LIST_DUE_SOON, &soon, TS_NULL, 0));
    ck_assert(!list_selects(LIST_DUE_SOON, &in_time, TS_NULL, 0));
    ck_assert(!list_selects(LIST_DUE_SOON, &overdue, TS_NULL, 0));

    ck_assert(list_selects(LIST_PENDING, &overdue, TS_NULL, 0));
    ck_assert(list_selects(LIST_PENDING, &in_time, TS_NULL, 0));
    ck_assert(list_selects(LIST_PENDING, &waiting, TS_NULL, 0));
    ck_assert(list_selects(LIST_PENDING, &soon, TS_NULL, 0));
    ck_assert(!list_selects(LIST_PENDING, &late, fin, start));
    ck_assert(!list_selects(LIST_PENDING, &none, TS_NULL, 0));

    ck_assert(list_selects(LIST_WAITING, &waiting, TS_NULL, 0));
    ck_assert(list_selects(LIST_WAITING, &overdue_waiting, TS_NULL, 0));
    ck_assert(!list_selects(LIST_WAITING, &overdue, TS_NULL, 0));

    ck_assert(list_selects(LIST_LATE, &late, fin, start));
    ck_assert(list_selects(LIST_LATE, &late, start, start));        /* the first instant */
    ck_assert(!list_selects(LIST_LATE, &late, start - 1, start));   /* before the period */
    ck_assert(!list_selects(LIST_LATE, &early, fin, start));
    ck_assert(!list_selects(LIST_LATE, &on_time, fin, start));
    ck_assert(!list_selects(LIST_LATE, &overdue, TS_NULL, start));
    ck_assert(!list_selects(LIST_NONE, &overdue, TS_NULL, 0));
}
END_TEST

/* ---- order ------------------------------------------------------------------------- */

START_TEST(test_key_order)
{
    ts_t a = T("2024-11-01T17:00:00"), b = T("2024-11-04T17:00:00");
    /* Strictly increasing: each comes before the next. */
    const list_key keys[] = {
        { 12, b, "Z" },          /* most working days overdue first, whatever the due */
        { 5, a, "B" },
        { 5, a, "B-1" },         /* a prefix sorts first */
        { 5, a, "b" },           /* bytewise: upper case before lower case */
        { 5, b, "A" },           /* same wd: sooner due first */
        { 5, TS_NULL, "A" },     /* no deadline after every due */
        { 0, a, "A" },           /* 0 days overdue still before "not overdue" */
        { 0, TS_NULL, "0" },
        { -1, a - 1, "Z" },      /* not overdue: soonest due */
        { -1, a, "A" },
        { -1, a, "\xC3\x81" },   /* UTF-8 bytes after ASCII */
        { -1, TS_NULL, "A" },
        { -1, TS_NULL, "B" },
    };
    size_t n = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int c = list_key_cmp(&keys[i], &keys[j]);
            int want = (i > j) - (i < j);
            ck_assert_msg(c == want, "cmp(%zu, %zu) = %d, want %d", i, j, c, want);
        }
    list_key same = { 5, a, "B" };
    ck_assert_int_eq(list_key_cmp(&same, &keys[1]), 0);
}
END_TEST

START_TEST(test_key_of)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    cls_result_t late = CR(CLS_LATE, true, false, false, -1, -1);
    /* due Friday 2024-11-08, finished Monday 11-18: Mon-Fri 11-11..15 and Mon 11-18 = 6 */
    ts_t due = T("2024-11-08T17:00:00"), fin = T("2024-11-18T09:00:00");
    list_key k = list_key_of(LIST_LATE, &late, due, fin, cal, "X");
    ck_assert_int_eq(k.wd, 6);
    ck_assert(k.due == due);
    ck_assert_str_eq(k.code, "X");
    /* finished on Saturday after a Friday due date: late by date, 0 working days */
    k = list_key_of(LIST_LATE, &late, due, T("2024-11-09T10:00:00"), cal, "X");
    ck_assert_int_eq(k.wd, 0);
    /* late by a second supplement request although finished before the due date */
    k = list_key_of(LIST_LATE, &late, due, T("2024-11-04T10:00:00"), cal, "X");
    ck_assert_int_eq(k.wd, 0);
    /* late without a deadline */
    k = list_key_of(LIST_LATE, &late, TS_NULL, fin, cal, "X");
    ck_assert_int_eq(k.wd, 0);
    ck_assert(k.due == TS_NULL);
    /* open lists: working_days_overdue, -1 for null */
    cls_result_t od = CR(CLS_OVERDUE, false, false, false, 7, -1);
    cls_result_t it = CR(CLS_IN_TIME, false, false, false, -1, 2);
    ck_assert_int_eq(list_key_of(LIST_PENDING, &od, due, TS_NULL, cal, "X").wd, 7);
    ck_assert_int_eq(list_key_of(LIST_PENDING, &it, due, TS_NULL, cal, "X").wd, -1);
    calendar_free(cal);
}
END_TEST

/* ---- cursor -------------------------------------------------------------------------- */

static void random_cursor(list_cursor *c)
{
    static const char alphabet[] = "AZaz09.-_|/ \"'%\xC3\xA1\xE1\xBB\x87";
    memset(c, 0, sizeof *c);
    c->state = (list_state)(1 + rn(5));
    c->as_of = T("2000-01-01") + rn(INT64_C(40) * 365 * 86400 * 1000000);
    if (rn(5) == 0)
        c->as_of = -rn(INT64_C(2208988800000000) - (INT64_C(1) << 40)); /* 1900 .. 1970 */
    c->within = (int)rn(367);
    if (c->state == LIST_LATE) {
        c->from = (day_t)(D("2000-01-01") + rn(10000));
        c->to = c->from + (day_t)rn(400);
    }
    c->fingerprint = rnd();
    c->wd = c->state == LIST_LATE ? rn(3000) : rn(3000) - 1;
    c->due = rn(4) == 0 ? TS_NULL : c->as_of + rn(INT64_C(1) << 40) - (INT64_C(1) << 39);
    size_t len = 1 + (size_t)rn(rn(10) == 0 ? LIST_CODE_MAX : 40);
    for (size_t i = 0; i < len; i++)
        c->code[i] = alphabet[rn((int64_t)sizeof alphabet - 1)];
    c->code[len] = '\0';
}

static bool cursor_eq(const list_cursor *a, const list_cursor *b)
{
    return a->state == b->state && a->as_of == b->as_of && a->within == b->within &&
           a->from == b->from && a->to == b->to && a->fingerprint == b->fingerprint &&
           a->wd == b->wd && a->due == b->due && strcmp(a->code, b->code) == 0;
}

START_TEST(test_cursor_round_trip)
{
    rng_state = 0x9e3779b97f4a7c15u;
    char tok[LIST_CURSOR_MAX + 1];
    for (int i = 0; i < 3000; i++) {
        list_cursor c, back;
        random_cursor(&c);
        size_t n = list_cursor_encode(&c, tok, sizeof tok);
        ck_assert_msg(n > 0 && n <= LIST_CURSOR_MAX, "encode failed for round %d", i);
        ck_assert_uint_eq(strlen(tok), n);
        ck_assert_msg(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789-_") == n,
                      "not URL-safe: %s", tok);
        ck_assert_msg(list_cursor_decode(tok, &back) == 0, "decode failed: %s", tok);
        ck_assert_msg(cursor_eq(&c, &back), "round trip changed the cursor (round %d)", i);
        /* one position, one token */
        char again[LIST_CURSOR_MAX + 1];
        ck_assert_uint_eq(list_cursor_encode(&back, again, sizeof again), n);
        ck_assert_str_eq(again, tok);
    }
    /* a code longer than a cursor carries, or an empty one, is not encoded */
    list_cursor c;
    random_cursor(&c);
    c.code[0] = '\0';
    ck_assert_uint_eq(list_cursor_encode(&c, tok, sizeof tok), 0);
    /* too small a buffer */
    random_cursor(&c);
    ck_assert_uint_eq(list_cursor_encode(&c, tok, 8), 0);
}
END_TEST

START_TEST(test_cursor_tampering)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    rng_state = 12345;
    list_cursor c, back;
    random_cursor(&c);
    c.state = LIST_OVERDUE;
    c.from = c.to = 0;
    c.wd = 4;
    snprintf(c.code, sizeof c.code, "000.00.01.H62-241120-0001");
    char tok[LIST_CURSOR_MAX + 1], bad[LIST_CURSOR_MAX + 8];
    size_t n = list_cursor_encode(&c, tok, sizeof tok);
    ck_assert_uint_gt(n, 0);
    ck_assert_int_eq(list_cursor_decode(tok, &back), 0);

    /* every single-character change is refused */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 64; k++) {
            if (b64[k] == tok[i])
                continue;
            memcpy(bad, tok, n + 1);
            bad[i] = b64[k];
            ck_assert_msg(list_cursor_decode(bad, &back) != 0, "changed at %zu to %c: accepted",
                          i, b64[k]);
        }
    /* every truncation, and anything appended */
    for (size_t len = 0; len < n; len++) {
        memcpy(bad, tok, len);
        bad[len] = '\0';
        ck_assert_msg(list_cursor_decode(bad, &back) != 0, "cut to %zu: accepted", len);
    }
    for (size_t k = 0; k < 64; k++) {
        snprintf(bad, sizeof bad, "%s%c", tok, b64[k]);
        ck_assert_msg(list_cursor_decode(bad, &back) != 0, "appended %c: accepted", b64[k]);
    }
    /* characters outside base64url, padding, whitespace */
    static const char *const junk[] = { "=", "+", "/", " ", "%", "\n", "." };
    for (size_t k = 0; k < sizeof junk / sizeof junk[0]; k++) {
        snprintf(bad, sizeof bad, "%s%s", tok, junk[k]);
        ck_assert_int_ne(list_cursor_decode(bad, &back), 0);
        memcpy(bad, tok, n + 1);
        bad[n / 2] = junk[k][0];
        ck_assert_int_ne(list_cursor_decode(bad, &back), 0);
    }
    ck_assert_int_ne(list_cursor_decode("", &back), 0);
    ck_assert_int_ne(list_cursor_decode(NULL, &back), 0);
    ck_assert_int_ne(list_cursor_decode("null", &back), 0);
    ck_assert_int_ne(list_cursor_decode("AAAA", &back), 0);
    /* far too long */
    char *big = malloc(LIST_CURSOR_MAX + 2);
    ck_assert_ptr_nonnull(big);
    memset(big, 'A', LIST_CURSOR_MAX + 1);
    big[LIST_CURSOR_MAX + 1] = '\0';
    ck_assert_int_ne(list_cursor_decode(big, &back), 0);
    free(big);
}
END_TEST

START_TEST(test_cursor_semantics)
{
    char tok[LIST_CURSOR_MAX + 1];
    list_cursor c;
    /* a valid payload, wrapped by hand, is accepted: the wrapping is right */
    ck_assert_uint_gt(list_token_wrap("1|overdue|1700000000000000|1|0|0|00000000000000ff|3|n|A|B",
                                      tok, sizeof tok), 0);
    ck_assert_int_eq(list_cursor_decode(tok, &c), 0);
    ck_assert_int_eq(c.state, LIST_OVERDUE);
    ck_assert(c.as_of == INT64_C(1700000000000000));
    ck_assert_int_eq(c.within, 1);
    ck_assert(c.fingerprint == 0xff);
    ck_assert_int_eq(c.wd, 3);
    ck_assert(c.due == TS_NULL);
    ck_assert_str_eq(c.code, "A|B"); /* the code is the rest, '|' included */
    ck_assert_uint_gt(list_token_wrap("1|late|1700000000000000|0|19000|19030|00000000000000ff|0|"
                                      "1700000000000001|X", tok, sizeof tok), 0);
    ck_assert_int_eq(list_cursor_decode(tok, &c), 0);
    ck_assert_int_eq(c.from, 19000);
    ck_assert_int_eq(c.to, 19030);

    char code257[LIST_CODE_MAX + 2];
    memset(code257, 'C', LIST_CODE_MAX + 1);
    code257[LIST_CODE_MAX + 1] = '\0';
    char longp[LIST_CURSOR_MAX];
    snprintf(longp, sizeof longp, "1|overdue|0|1|0|0|00000000000000ff|3|n|%s", code257);

    const char *const bad[] = {
        "2|overdue|1700000000000000|1|0|0|00000000000000ff|3|n|A",      /* version */
        "1|Overdue|1700000000000000|1|0|0|00000000000000ff|3|n|A",      /* state */
        "1||1700000000000000|1|0|0|00000000000000ff|3|n|A",
        "1|overdue|01700000000000000|1|0|0|00000000000000ff|3|n|A",     /* leading zero */
        "1|overdue|+1700000000000000|1|0|0|00000000000000ff|3|n|A",     /* sign */
        "1|overdue|-0|1|0|0|00000000000000ff|3|n|A",
        "1|overdue|999999999999999999|1|0|0|00000000000000ff|3|n|A",    /* after 9999 */
        "1|overdue|-9999999999999999|1|0|0|00000000000000ff|3|n|A",     /* before 1900 */
        "1|overdue|1700000000000000|367|0|0|00000000000000ff|3|n|A",    /* within */
        "1|overdue|1700000000000000|-1|0|0|00000000000000ff|3|n|A",
        "1|overdue|1700000000000000|1|5|0|00000000000000ff|3|n|A",      /* period on open list */
        "1|late|1700000000000000|1|19030|19000|00000000000000ff|3|n|A", /* from > to */
        "1|overdue|1700000000000000|1|0|0|00000000000000FF|3|n|A",      /* hex case */
        "1|overdue|1700000000000000|1|0|0|ff|3|n|A",                    /* hex length */
        "1|overdue|1700000000000000|1|0|0|00000000000000fg|3|n|A",
        "1|overdue|1700000000000000|1|0|0|00000000000000ff|-2|n|A",     /* wd */
        "1|late|1700000000000000|1|19000|19000|00000000000000ff|-1|n|A",/* wd -1 on late */
        "1|overdue|1700000000000000|1|0|0|00000000000000ff|x|n|A",
        "1|overdue|1700000000000000|1|0|0|00000000000000ff|3|N|A",      /* due */
        "1|overdue|1700000000000000|1|0|0|00000000000000ff|3||A",
        "1|overdue|1700000000000000|1|0|0|00000000000000ff|3|n|",       /* empty code */
        "1|overdue|1700000000000000|1|0|0|00000000000000ff|3|n",        /* missing field */
        "1|overdue|1700000000000000",
        "",
        longp,                                                           /* code too long */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = list_token_wrap(bad[i], tok, sizeof tok);
        ck_assert_msg(n > 0, "wrap %zu", i);
        ck_assert_msg(list_cursor_decode(tok, &c) != 0, "accepted bad payload %zu: %s", i, bad[i]);
    }
}
END_TEST

/* ---- parameters ------------------------------------------------------------------------- */

START_TEST(test_parse_defaults)
{
    list_query_t lq;
    ck_assert_int_eq(PARSE(&lq, "state", "overdue"), 0);
    ck_assert_int_eq(lq.state, LIST_OVERDUE);
    ck_assert_int_eq(lq.limit, LIST_LIMIT_DEFAULT);
    ck_assert(lq.as_of == now_ts());
    ck_assert_int_eq(lq.within, 1);
    ck_assert(!lq.has_cursor);
    ck_assert(!lq.m.csv);

    /* as_of in the future is not clipped to now (like GET /v1/dossiers/{code}) */
    ck_assert_int_eq(PARSE(&lq, "state", "pending", "as_of", "2025-01-06T08:00:00+07:00",
                           "within", "3", "limit", "7", "format", "csv"), 0);
    ck_assert(lq.as_of == T("2025-01-06T08:00:00+07:00"));
    ck_assert_int_eq(lq.within, 3);
    ck_assert_int_eq(lq.limit, 7);
    ck_assert(lq.m.csv);
    /* a bare date is midnight; from/to do not touch an open list's as_of */
    ck_assert_int_eq(PARSE(&lq, "state", "due_soon", "as_of", "2024-10-01", "from", "2024-01-01",
                           "to", "2024-01-31"), 0);
    ck_assert(lq.as_of == T("2024-10-01T00:00:00+07:00"));

    /* late: the period (default: the month to date), as_of clipped to its end */
    ck_assert_int_eq(PARSE(&lq, "state", "late"), 0);
    ck_assert_int_eq(lq.from, D("2024-11-01"));
    ck_assert_int_eq(lq.to, D("2024-11-20"));
    ck_assert(lq.period_start == T("2024-11-01T00:00:00+07:00"));
    ck_assert(lq.as_of == now_ts());
    ck_assert_int_eq(PARSE(&lq, "state", "late", "period", "2024-Q3"), 0);
    ck_assert_int_eq(lq.from, D("2024-07-01"));
    ck_assert_int_eq(lq.to, D("2024-09-30"));
    ck_assert(lq.as_of == T("2024-09-30T23:59:59.999999+07:00"));
    ck_assert_int_eq(PARSE(&lq, "state", "late", "from", "2024-10-01", "to", "2024-10-31",
                           "as_of", "2024-10-15T12:00:00"), 0);
    ck_assert(lq.as_of == T("2024-10-15T12:00:00"));
    ck_assert(lq.period_start == T("2024-10-01"));

    /* filters come from the metrics parser */
    ck_assert_int_eq(PARSE(&lq, "state", "waiting", "agency", "000.00.*", "procedure", "1.004227",
                           "field", "G01", "channel", "online", "service_level", "4"), 0);
    ck_assert_str_eq(lq.m.agency, "000.00.*");
    ck_assert_str_eq(lq.m.procedure, "1.004227");
    ck_assert_str_eq(lq.m.field, "G01");
    ck_assert_int_eq(lq.m.channel, CH_ONLINE);
    ck_assert_int_eq(lq.m.service_level, 4);
    /* the last repeated parameter wins; unknown ones are ignored */
    ck_assert_int_eq(PARSE(&lq, "state", "late", "state", "waiting", "limit", "5", "limit", "9",
                           "color", "red"), 0);
    ck_assert_int_eq(lq.state, LIST_WAITING);
    ck_assert_int_eq(lq.limit, 9);
}
END_TEST

START_TEST(test_parse_errors)
{
    EXPECT_BAD("state", "limit", "5");
    EXPECT_BAD("state", "state", "");
    EXPECT_BAD("state", "state", "overdue,late");
    EXPECT_BAD("state", "state", "OVERDUE");
    static const char *const limits[] = { "0", "1001", "-1", "+5", "abc", "", "1.5", " 5", "5 ",
                                          "10000", "99999999999999999999", "0x10" };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        EXPECT_BAD("limit", "state", "overdue", "limit", limits[i]);
    list_query_t lq;
    ck_assert_int_eq(PARSE(&lq, "state", "overdue", "limit", "1"), 0);
    ck_assert_int_eq(lq.limit, 1);
    ck_assert_int_eq(PARSE(&lq, "state", "overdue", "limit", "1000"), 0);
    ck_assert_int_eq(lq.limit, 1000);
    ck_assert_int_eq(PARSE(&lq, "state", "overdue", "limit", "0100"), 0);
    ck_assert_int_eq(lq.limit, 100);

    EXPECT_BAD("as_of", "state", "overdue", "as_of", "yesterday");
    EXPECT_BAD("within", "state", "due_soon", "within", "-1");
    EXPECT_BAD("within", "state", "due_soon", "within", "367");
    EXPECT_BAD("agency", "state", "overdue", "agency", "*");
    EXPECT_BAD("channel", "state", "overdue", "channel", "fax");
    EXPECT_BAD("service_level", "state", "overdue", "service_level", "5");
    EXPECT_BAD("format", "state", "overdue", "format", "xml");
    EXPECT_BAD("to", "state", "late", "from", "2024-01-01");
    EXPECT_BAD("cursor", "state", "overdue", "cursor", "garbage");
    EXPECT_BAD("cursor", "state", "overdue", "cursor", "");
}
END_TEST

/* The cursor of the page after key k of list lq (as api_lists.c builds it). */
static void make_cursor(const list_query_t *lq, int64_t wd, ts_t due, const char *code, char *tok)
{
    list_cursor c;
    memset(&c, 0, sizeof c);
    c.state = lq->state;
    c.as_of = lq->as_of;
    c.within = lq->within;
    if (lq->state == LIST_LATE) {
        c.from = lq->from;
        c.to = lq->to;
    }
    c.fingerprint = lq->fingerprint;
    c.wd = wd;
    c.due = due;
    snprintf(c.code, sizeof c.code, "%s", code);
    ck_assert_uint_gt(list_cursor_encode(&c, tok, LIST_CURSOR_MAX + 1), 0);
}

START_TEST(test_parse_cursor)
{
    char tok[LIST_CURSOR_MAX + 1];
    list_query_t first, next;
    ck_assert_int_eq(PARSE(&first, "state", "due_soon", "agency", "000.00.*", "as_of",
                           "2024-11-12T08:00:00", "within", "3"), 0);
    make_cursor(&first, -1, T("2024-11-13T17:00:00"), "C-7", tok);

    /* the cursor's as_of and within win over the request's */
    ck_assert_int_eq(PARSE(&next, "state", "due_soon", "agency", "000.00.*", "cursor", tok,
                           "as_of", "2024-11-19", "within", "0"), 0);
    ck_assert(next.has_cursor);
    ck_assert(next.as_of == T("2024-11-12T08:00:00"));
    ck_assert_int_eq(next.within, 3);
    ck_assert_int_eq(next.cursor.wd, -1);
    ck_assert(next.cursor.due == T("2024-11-13T17:00:00"));
    ck_assert_str_eq(next.cursor.code, "C-7");
    /* without as_of in the request too (as_of would otherwise be now) */
    ck_assert_int_eq(PARSE(&next, "state", "due_soon", "agency", "000.00.*", "cursor", tok), 0);
    ck_assert(next.as_of == T("2024-11-12T08:00:00"));

    /* another state, other filters: refused */
    EXPECT_BAD("cursor", "state", "overdue", "agency", "000.00.*", "cursor", tok);
    EXPECT_BAD("cursor", "state", "due_soon", "cursor", tok);
    EXPECT_BAD("cursor", "state", "due_soon", "agency", "000.01.*", "cursor", tok);
    EXPECT_BAD("cursor", "state", "due_soon", "agency", "000.00.*", "channel", "online",
               "cursor", tok);
    EXPECT_BAD("cursor", "state", "due_soon", "agency", "000.00.*", "service_level", "3",
               "cursor", tok);
    EXPECT_BAD("cursor", "state", "due_soon", "agency", "000.00.*", "field", "G", "cursor", tok);
    EXPECT_BAD("cursor", "state", "due_soon", "agency", "000.00.*", "procedure", "P",
               "cursor", tok);

    /* late: the period travels with the cursor (the month may turn between pages) */
    ck_assert_int_eq(PARSE(&first, "state", "late", "period", "2024-10"), 0);
    make_cursor(&first, 2, TS_NULL, "L-1", tok);
    ck_assert_int_eq(PARSE(&next, "state", "late", "cursor", tok), 0);
    ck_assert_int_eq(next.from, D("2024-10-01"));
    ck_assert_int_eq(next.to, D("2024-10-31"));
    ck_assert(next.period_start == T("2024-10-01"));
    ck_assert(next.as_of == T("2024-10-31T23:59:59.999999+07:00"));
}
END_TEST

/* ---- the bounded heap against a full sort ---------------------------------------------------- */

static int key_qsort(const void *a, const void *b) { return list_key_cmp(a, b); }

START_TEST(test_heap_equals_sort)
{
    rng_state = 0xdeadbeefcafef00du;
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    ts_t base = T("2024-11-01T17:00:00");
    enum { MAXN = 600 };
    static char codes[MAXN][16];
    static list_key all[MAXN];
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)rn(MAXN);
        size_t cap = 1 + (size_t)rn(round % 3 == 0 ? 5 : 120);
        /* few distinct values, so ties on wd and due are the rule; codes are
         * unique (a dossier's identity) and in no relation to the rest */
        for (size_t i = 0; i < n; i++) {
            snprintf(codes[i], sizeof codes[i], "C%05d", (int)((i * 7919 + (size_t)round) % 10007));
            all[i].code = codes[i];
            all[i].wd = rn(4) - 1;
            all[i].due = rn(5) == 0 ? TS_NULL : base + rn(4) * 86400 * INT64_C(1000000);
        }
        qsort(all, n, sizeof all[0], key_qsort);
        /* a random cursor position filters like api_lists.c */
        bool use_cursor = n > 0 && rn(2);
        list_key cur = use_cursor ? all[rn((int64_t)n)] : (list_key){ 0, 0, "" };
        /* feed in a random order */
        size_t *perm = malloc((n ? n : 1) * sizeof *perm);
        ck_assert_ptr_nonnull(perm);
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)rn((int64_t)i);
            size_t t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
        list_heap h;
        ck_assert_int_eq(list_heap_init(&h, cap), 0);
        dossier_t d;
        memset(&d, 0, sizeof d);
        cls_result_t cr = CR(CLS_IN_TIME, false, false, false, -1, -1);
        for (size_t i = 0; i < n; i++) {
            const list_key *k = &all[perm[i]];
            if (use_cursor && list_key_cmp(k, &cur) <= 0)
                continue;
            if (!list_heap_wants(&h, k))
                continue;
            d.code = k->code;
            list_item *it = list_item_new(&d, NULL, NULL, false, &cr, *k);
            ck_assert_ptr_nonnull(it);
            list_heap_push(&h, it);
            ck_assert_uint_le(h.n, cap);
        }
        list_heap_sort(&h);
        /* expected: the sorted keys after the cursor, the first cap of them */
        size_t start = 0;
        if (use_cursor)
            while (start < n && list_key_cmp(&all[start], &cur) <= 0)
                start++;
        size_t want = n - start < cap ? n - start : cap;
        ck_assert_msg(h.n == want, "round %d: kept %zu, want %zu", round, h.n, want);
        for (size_t i = 0; i < want; i++) {
            const list_key *g = &h.v[i]->key, *w = &all[start + i];
            ck_assert_msg(list_key_cmp(g, w) == 0 && g->wd == w->wd && g->due == w->due,
                          "round %d item %zu: got %s, want %s", round, i, g->code, w->code);
            ck_assert_ptr_eq(g->code, h.v[i]->d.code);
        }
        list_heap_free(&h);
        free(perm);
    }
    calendar_free(cal);
}
END_TEST

START_TEST(test_item_copies)
{
    char code[] = "C-1", agency[] = "A.01", proc[] = "P.1", field[] = "F", aname[] = "S\xE1\xBB\x9F",
         pname[] = "Th\xE1\xBB\xA7 t\xE1\xBB\xA5" "c";
    dossier_t d;
    memset(&d, 0, sizeof d);
    d.code = code;
    d.agency_code = agency;
    d.procedure_code = proc;
    d.field_code = field;
    d.status = 4;
    d.due_at = T("2024-11-01T17:00:00");
    cls_result_t cr = CR(CLS_OVERDUE, false, false, false, 5, -1);
    list_key k = { 5, d.due_at, code };
    list_item *it = list_item_new(&d, aname, pname, true, &cr, k);
    ck_assert_ptr_nonnull(it);
    memset(code, 'x', 3);
    memset(agency, 'x', 4);
    memset(aname, 'x', 3);
    ck_assert_str_eq(it->d.code, "C-1");
    ck_assert_str_eq(it->d.agency_code, "A.01");
    ck_assert_str_eq(it->d.procedure_code, "P.1");
    ck_assert_str_eq(it->d.field_code, "F");
    ck_assert_str_eq(it->agency_name, "S\xE1\xBB\x9F");
    ck_assert_str_eq(it->procedure_name, pname);
    ck_assert_str_eq(it->key.code, "C-1");
    ck_assert_ptr_eq(it->key.code, it->d.code);
    ck_assert(it->due_computed);
    ck_assert_int_eq(it->cr.wd_overdue, 5);
    free(it);
    /* null strings stay null */
    d.code = "C-2";
    d.agency_code = "A";
    d.procedure_code = "P";
    d.field_code = NULL;
    it = list_item_new(&d, NULL, NULL, false, &cr, k);
    ck_assert_ptr_nonnull(it);
    ck_assert_ptr_null(it->d.field_code);
    ck_assert_ptr_null(it->agency_name);
    ck_assert_ptr_null(it->procedure_name);
    free(it);
}
END_TEST

/* ---- reading in urgency order: streams, bounds, stopping ---------------------------------------- */

static ts_t at_day(day_t d, int h, int m) { return ts_day_start(d) + ((int64_t)h * 60 + m) * 60 * 1000000; }

START_TEST(test_streams_init)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    list_stream v[LIST_STREAMS_MAX];
    ts_t as_of = T("2024-11-20T10:00:00+07:00");   /* a Wednesday */
    ts_t t = T("2024-11-20T00:00:00+07:00");
    ck_assert(list_streamed(LIST_OVERDUE) && list_streamed(LIST_DUE_SOON) &&
              list_streamed(LIST_PENDING));
    ck_assert(!list_streamed(LIST_LATE) && !list_streamed(LIST_WAITING) &&
              !list_streamed(LIST_NONE));
    ck_assert_uint_eq(list_streams_init(v, LIST_LATE, as_of, 1, cal, 10), 0);
    ck_assert_uint_eq(list_streams_init(v, LIST_WAITING, as_of, 1, cal, 10), 0);

    /* overdue: never the in-time stream */
    ck_assert_uint_eq(list_streams_init(v, LIST_OVERDUE, as_of, 1, cal, 10), 4);
    ck_assert_int_eq(v[0].kind, LIST_STREAM_REOPENED);
    ck_assert_int_eq(v[0].batch, 0);
    ck_assert_int_eq(v[1].kind, LIST_STREAM_DUE_BEFORE);
    ck_assert(v[1].from == TS_NULL && v[1].to == t - 1);
    ck_assert_int_eq(v[1].batch, 10);
    ck_assert_int_eq(v[2].kind, LIST_STREAM_NO_DUE);
    ck_assert(v[2].from == TS_NULL && v[2].to == TS_NULL);
    ck_assert_int_eq(v[3].kind, LIST_STREAM_SECOND_SUPP);
    ck_assert(v[3].from == t && v[3].to == TS_NULL);
    /* its rows are overdue by 0 days, due at T or later */
    list_key b = list_stream_bound(&v[3]);
    ck_assert(b.wd == 0 && b.due == t && b.code[0] == '\0');
    for (size_t i = 0; i < 4; i++)
        ck_assert(!v[i].done && !v[i].started);
    /* nothing read: the first three come before every key */
    b = list_stream_bound(&v[1]);
    ck_assert(b.wd == INT64_MAX);

    /* pending: every stream */
    ck_assert_uint_eq(list_streams_init(v, LIST_PENDING, as_of, 1, cal, 0), 5);
    ck_assert_int_eq(v[4].kind, LIST_STREAM_IN_TIME);
    ck_assert(v[4].from == t && v[4].to == TS_NULL);
    ck_assert_int_eq(v[1].batch, 1); /* at least one row a batch */
    b = list_stream_bound(&v[4]);
    ck_assert(b.wd == -1 && b.due == t);

    /* due_soon: due today .. the within-th working day, at its end; a
     * Saturday as_of counts from the Saturday */
    ck_assert_uint_eq(list_streams_init(v, LIST_DUE_SOON, as_of, 2, cal, 5), 3);
    ck_assert_int_eq(v[0].kind, LIST_STREAM_REOPENED);
    ck_assert_int_eq(v[1].kind, LIST_STREAM_NO_DUE);
    ck_assert(v[1].to == T("2024-11-22T23:59:59.999999+07:00") && v[1].wd_cap == -1);
    ck_assert_int_eq(v[2].kind, LIST_STREAM_IN_TIME);
    ck_assert(v[2].from == t && v[2].to == T("2024-11-22T23:59:59.999999+07:00"));
    ck_assert_uint_eq(list_streams_init(v, LIST_DUE_SOON, T("2024-11-23T12:00:00+07:00"), 1, cal, 5), 3);
    ck_assert(v[2].from == T("2024-11-23T00:00:00+07:00") &&
              v[2].to == T("2024-11-25T23:59:59.999999+07:00"));
    ck_assert_uint_eq(list_streams_init(v, LIST_DUE_SOON, as_of, 0, cal, 5), 3);
    ck_assert(v[2].to == T("2024-11-20T23:59:59.999999+07:00"));
    calendar_free(cal);
}
END_TEST

START_TEST(test_stream_bounds)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    list_stream v[LIST_STREAMS_MAX];
    ts_t as_of = T("2024-11-20T10:00:00+07:00");
    ck_assert_uint_eq(list_streams_init(v, LIST_PENDING, as_of, 1, cal, 4), 5);
    list_stream *due = &v[1], *nodue = &v[2], *supp = &v[3], *intime = &v[4];

    /* due Friday 15th 17:00: Mon 18, Tue 19, Wed 20 -> at most 3 days overdue;
     * an unread row due at that instant has a later code */
    ck_assert_int_eq(list_stream_advance(due, T("2024-11-15T17:00:00+07:00"), "K-7", as_of, cal), 0);
    list_key b = list_stream_bound(due);
    ck_assert(b.wd == 3 && b.due == T("2024-11-15T17:00:00+07:00"));
    ck_assert_str_eq(b.code, "K-7");
    ck_assert(due->started && due->last_key == T("2024-11-15T17:00:00+07:00"));
    ck_assert_str_eq(due->last_code, "K-7");
    /* a Saturday, Sunday: the same 3 days (Monday to Wednesday) */
    list_stream_advance(due, T("2024-11-16T09:00:00+07:00"), "A", as_of, cal);
    ck_assert_int_eq(list_stream_bound(due).wd, 3);
    list_stream_advance(due, T("2024-11-17T23:59:59+07:00"), "A", as_of, cal);
    ck_assert_int_eq(list_stream_bound(due).wd, 3);
    list_stream_advance(due, T("2024-11-18T00:00:00+07:00"), "A", as_of, cal);
    ck_assert_int_eq(list_stream_bound(due).wd, 2);
    /* due yesterday: 1; today or later (not in this stream, but the bound holds): 0 */
    list_stream_advance(due, T("2024-11-19T23:59:59+07:00"), "A", as_of, cal);
    ck_assert_int_eq(list_stream_bound(due).wd, 1);
    list_stream_advance(due, T("2024-11-25T00:00:00+07:00"), "A", as_of, cal);
    ck_assert_int_eq(list_stream_bound(due).wd, 0);

    /* no due date: the key is received_at; the catalog's date may be 17:00
     * of that day, earlier than the key, never an earlier day */
    list_stream_advance(nodue, T("2024-11-15T18:30:00+07:00"), "N-1", as_of, cal);
    b = list_stream_bound(nodue);
    ck_assert(b.wd == 3 && b.due == T("2024-11-15T00:00:00+07:00"));
    ck_assert_str_eq(b.code, "");

    /* second supplement request, due from today: 0 days whatever the key */
    list_stream_advance(supp, T("2024-11-20T17:00:00+07:00"), "S", as_of, cal);
    b = list_stream_bound(supp);
    ck_assert(b.wd == 0 && b.due == T("2024-11-20T17:00:00+07:00"));
    /* in time: never overdue */
    list_stream_advance(intime, T("2024-12-20T17:00:00+07:00"), "I", as_of, cal);
    b = list_stream_bound(intime);
    ck_assert(b.wd == -1 && b.due == T("2024-12-20T17:00:00+07:00"));
    ck_assert_str_eq(b.code, "I");

    /* due_soon: its no-due rows are never overdue either */
    ck_assert_uint_eq(list_streams_init(v, LIST_DUE_SOON, as_of, 1, cal, 4), 3);
    list_stream_advance(&v[1], T("2024-10-01T08:00:00+07:00"), "N", as_of, cal);
    ck_assert_int_eq(list_stream_bound(&v[1]).wd, -1);

    /* a code longer than a cursor can carry ends the stream */
    char longc[LIST_CODE_MAX + 2];
    memset(longc, 'x', sizeof longc - 1);
    longc[sizeof longc - 1] = '\0';
    ck_assert_int_eq(list_stream_advance(intime, T("2024-12-21T17:00:00+07:00"), longc, as_of, cal), -1);
    ck_assert(intime->done);
    longc[LIST_CODE_MAX] = '\0';
    ck_assert_int_eq(list_stream_advance(supp, T("2024-12-21T17:00:00+07:00"), longc, as_of, cal), 0);
    ck_assert_str_eq(list_stream_bound(supp).code, longc);

    /* batches: done when short, else twice as large; the reopened stream
     * is read once */
    ck_assert_uint_eq(list_streams_init(v, LIST_PENDING, as_of, 1, cal, 4), 5);
    list_stream_batch_end(&v[1], 4);
    ck_assert(!v[1].done && v[1].batch == 8);
    list_stream_batch_end(&v[1], 8);
    ck_assert(!v[1].done && v[1].batch == 16);
    list_stream_batch_end(&v[1], 15);
    ck_assert(v[1].done);
    list_stream_batch_end(&v[2], 0);
    ck_assert(v[2].done);
    list_stream_batch_end(&v[0], 1000);
    ck_assert(v[0].done);
    calendar_free(cal);
}
END_TEST

/* A heap of cap items with the given keys (codes must outlive it). */
static void heap_of(list_heap *h, size_t cap, const list_key *keys, size_t n)
{
    ck_assert_int_eq(list_heap_init(h, cap), 0);
    dossier_t d;
    memset(&d, 0, sizeof d);
    cls_result_t cr = CR(CLS_OVERDUE, false, false, false, 0, -1);
    for (size_t i = 0; i < n; i++) {
        d.code = keys[i].code;
        list_item *it = list_item_new(&d, NULL, NULL, false, &cr, keys[i]);
        ck_assert_ptr_nonnull(it);
        list_heap_push(h, it);
    }
}

START_TEST(test_stream_stop)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    list_stream v[LIST_STREAMS_MAX];
    ts_t as_of = T("2024-11-20T10:00:00+07:00");
    ts_t fri = T("2024-11-15T17:00:00+07:00"); /* 3 working days before as_of */
    size_t n = list_streams_init(v, LIST_OVERDUE, as_of, 1, cal, 4);
    list_heap h;
    const list_key keys[] = { { 5, fri - 86400000000, "Z" }, { 3, fri, "B" } };

    /* nothing read yet: the unread streams come first, in order */
    heap_of(&h, 2, keys, 2);
    ck_assert_ptr_eq(list_stream_next(v, n, &h), &v[0]);
    v[0].done = true;
    ck_assert_ptr_eq(list_stream_next(v, n, &h), &v[1]);

    /* the heap's least urgent is (3, fri, "B"). The due stream stopped at
     * (fri, "A"): an unread row due at fri with code "AA" could beat "B" */
    list_stream_advance(&v[1], fri, "A", as_of, cal);
    v[2].done = true;
    ck_assert_ptr_eq(list_stream_next(v, n, &h), &v[1]);
    /* at (fri, "B") itself: every unread row comes after it: stop (the
     * second-supplement stream, (0, T, ""), comes after too) */
    list_stream_advance(&v[1], fri, "B", as_of, cal);
    ck_assert_ptr_null(list_stream_next(v, n, &h));
    /* ... and after it, a fortiori */
    list_stream_advance(&v[1], fri, "C", as_of, cal);
    ck_assert_ptr_null(list_stream_next(v, n, &h));
    /* the same bound with a heap not yet full: go on */
    list_heap_free(&h);
    heap_of(&h, 3, keys, 2);
    ck_assert_ptr_eq(list_stream_next(v, n, &h), &v[1]);
    list_heap_free(&h);

    /* an earlier due instant the same day is a tie on days, not on the
     * instant: (3, fri - 1 h, "Z") comes before (3, fri, "B"): go on */
    heap_of(&h, 2, keys, 2);
    list_stream_advance(&v[1], fri - 3600000000, "Z", as_of, cal);
    ck_assert_ptr_eq(list_stream_next(v, n, &h), &v[1]);
    v[1].done = true;
    /* the no-due stream's bound has an empty code and the day's start: at
     * (3, Fri 00:00, "") it may still hold a (3, fri, "A"): go on */
    v[2].done = false;
    list_stream_advance(&v[2], fri + 3600000000, "N", as_of, cal);
    ck_assert_ptr_eq(list_stream_next(v, n, &h), &v[2]);
    /* received Monday: at most 2 days: stop */
    list_stream_advance(&v[2], T("2024-11-18T08:00:00+07:00"), "N", as_of, cal);
    ck_assert_ptr_null(list_stream_next(v, n, &h));
    list_heap_free(&h);

    /* a heap whose least urgent is overdue by 0 days: the second-supplement
     * stream must be read (its rows are (0, >= T, ...)) */
    const list_key zero[] = { { 4, fri, "A" }, { 0, as_of - 3600000000, "Q" } };
    heap_of(&h, 2, zero, 2);
    ck_assert_ptr_eq(list_stream_next(v, n, &h), &v[2]); /* (2, ...) still comes first */
    v[2].done = true;
    ck_assert_ptr_eq(list_stream_next(v, n, &h), &v[3]);
    /* once it passes the least urgent's due date, stop */
    list_stream_advance(&v[3], as_of, "R", as_of, cal);
    ck_assert_ptr_null(list_stream_next(v, n, &h));
    list_heap_free(&h);

    /* every stream done: stop, whatever the heap */
    for (size_t i = 0; i < n; i++)
        v[i].done = true;
    heap_of(&h, 5, keys, 1);
    ck_assert_ptr_null(list_stream_next(v, n, &h));
    list_heap_free(&h);
    calendar_free(cal);
}
END_TEST

/*
 * list_read over streams held in memory, against offering every row to an
 * unbounded heap. The streams hold what db_lists.c's SQL returns (the same
 * ranges and order, codes compared bytewise); random open dossiers around
 * Tết 2025 (Vietnam's calendar: a long break, compensatory days) with many
 * ties on the due date, waiting dossiers whose clocks stopped before as_of,
 * second supplement requests, catalog due dates (days, working days, 0 days,
 * hours) and none, dossiers finished after as_of; every state, several
 * limits and first batch sizes, cursors anywhere in the list.
 */
typedef struct {
    dossier_t d;
    char code[24];
    int cat_duration;
    const char *cat_unit;
} sim_row;

typedef struct {
    sim_row *rows;
    size_t n;
    list_heap *h;
    const list_query_t *lq;
    const calendar_t *cal;
    const office_hours *oh;
    size_t served;
} sim_ctx;

static ts_t sim_key(const list_stream *s, const sim_row *r)
{
    return s->kind == LIST_STREAM_NO_DUE ? r->d.received_at : r->d.due_at;
}

/* Whether row r is in stream s (db_lists.c's WHERE). */
static bool sim_in(const list_stream *s, const sim_row *r, ts_t as_of)
{
    const dossier_t *d = &r->d;
    if (d->received_at > as_of)
        return false;
    if (s->kind == LIST_STREAM_REOPENED)
        return d->status >= 7 && d->finished_at > as_of;
    if (d->status != 2 && (d->status < 4 || d->status > 6))
        return false;
    switch (s->kind) {
    case LIST_STREAM_NO_DUE: if (d->due_at != TS_NULL) return false; break;
    case LIST_STREAM_DUE_BEFORE: if (d->due_at == TS_NULL) return false; break;
    case LIST_STREAM_SECOND_SUPP: if (d->due_at == TS_NULL || d->supplement_count <= 1) return false; break;
    case LIST_STREAM_IN_TIME: if (d->due_at == TS_NULL || d->supplement_count > 1) return false; break;
    case LIST_STREAM_REOPENED: break;
    }
    ts_t k = sim_key(s, r);
    return (s->from == TS_NULL || k >= s->from) && (s->to == TS_NULL || k <= s->to);
}

static int sim_fetch(void *ctx, list_stream *s, size_t *rows)
{
    sim_ctx *x = ctx;
    *rows = 0;
    for (;;) {
        /* the next row of the stream after the keyset, as ORDER BY key, code */
        const sim_row *best = NULL;
        for (size_t i = 0; i < x->n; i++) {
            const sim_row *r = &x->rows[i];
            if (!sim_in(s, r, x->lq->as_of))
                continue;
            if (s->kind == LIST_STREAM_REOPENED) {
                if (*rows > 0 && i <= (size_t)s->last_key)
                    continue; /* in table order, once */
                best = r;
                break;
            }
            ts_t k = sim_key(s, r);
            if (s->started && (k < s->last_key || (k == s->last_key && strcmp(r->code, s->last_code) <= 0)))
                continue;
            if (!best || k < sim_key(s, best) || (k == sim_key(s, best) && strcmp(r->code, best->code) < 0))
                best = r;
        }
        if (!best || (s->batch > 0 && *rows >= (size_t)s->batch))
            return 0;
        (*rows)++;
        x->served++;
        if (s->kind == LIST_STREAM_REOPENED)
            s->last_key = (ts_t)(best - x->rows);
        else
            ck_assert_int_eq(list_stream_advance(s, sim_key(s, best), best->code, x->lq->as_of, x->cal), 0);
        ck_assert_int_eq(list_offer(x->h, x->lq, x->cal, x->oh, &best->d, NULL, NULL,
                                    best->cat_duration, best->cat_unit), 0);
    }
}

/* dense: few distinct days and instants, receptions late in the day (after
 * a day-0 catalog due date), so that ties meet batch boundaries. */
static void sim_generate(sim_row *rows, size_t n, ts_t as_of, bool dense)
{
    static const char *const pre[] = { "A-", "a-", "B-", "\xC4\x90-", "D-", "Z-" };
    static const struct { int duration; const char *unit; } cat[] = {
        { 5, "working_days" }, { 0, "working_days" }, { 3, "days" }, { 8, "hours" }, { -1, NULL },
    };
    day_t today = ts_day(as_of);
    for (size_t i = 0; i < n; i++) {
        sim_row *r = &rows[i];
        memset(r, 0, sizeof *r);
        snprintf(r->code, sizeof r->code, "%s%03d", pre[rn(6)], (int)i);
        dossier_t *d = &r->d;
        d->code = r->code;
        static const int st[] = { 2, 4, 4, 5, 6, 9, 10, 7, 2, 4 };
        d->status = st[rn(10)];
        day_t rd = dense ? today - 12 + (day_t)rn(13) : today - 50 + (day_t)rn(52);
        d->received_at = dense && rn(2) ? at_day(rd, 17 + (int)rn(7), 0)
                                        : at_day(rd, (int)rn(24), (int)rn(60));
        d->due_at = d->finished_at = d->supplement_requested_at = d->updated_at = TS_NULL;
        if (rn(10) < 7) {
            /* a few due days, mostly at 17:00: ties are the rule */
            day_t dd = rd + (day_t)rn(dense ? 4 : 25);
            d->due_at = rn(4) ? at_day(dd, 17, 0) : at_day(dd, dense ? 8 : (int)rn(24), 0);
            if (d->due_at < d->received_at)
                d->due_at = d->received_at;
        }
        int c = (int)rn(5);
        r->cat_duration = cat[c].duration;
        r->cat_unit = cat[c].unit;
        d->supplement_count = rn(10) < 7 ? 0 : rn(2) ? 1 : 2 + (int)rn(2);
        if (d->status == 5 || d->status == 6) {
            int w = (int)rn(4);
            if (w == 0)
                d->supplement_requested_at = d->received_at + rn(30) * 86400 * INT64_C(1000000);
            else if (w == 1)
                d->updated_at = d->received_at + rn(30) * 86400 * INT64_C(1000000);
        }
        if (d->status >= 7)
            d->finished_at = d->received_at + (1 + rn(60)) * 86400 * INT64_C(1000000);
    }
}

static int item_qsort(const void *a, const void *b)
{
    const list_item *x = *(const list_item *const *)a, *y = *(const list_item *const *)b;
    return list_key_cmp(&x->key, &y->key);
}

START_TEST(test_read_equals_full_scan)
{
    rng_state = 0x5eed0fa11u;
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    const office_hours oh = OFFICE_HOURS_DEFAULT;
    enum { MAXN = 160 };
    static sim_row rows[MAXN];
    static const list_state states[] = { LIST_OVERDUE, LIST_DUE_SOON, LIST_PENDING };
    const ts_t as_ofs[] = {
        T("2025-01-24T10:00:00+07:00"),  /* the Friday before Tết */
        T("2025-02-03T08:00:00+07:00"),  /* the Monday after */
        T("2025-02-08T12:00:00+07:00"),  /* a Saturday */
        T("2025-03-10T00:00:00+07:00"),
    };
    size_t total_served = 0, total_rows = 0;
    for (int round = 0; round < 600; round++) {
        ts_t as_of = as_ofs[round % 4];
        size_t n = 20 + (size_t)rn(MAXN - 20);
        sim_generate(rows, n, as_of, round % 2 == 1);
        list_query_t lq;
        memset(&lq, 0, sizeof lq);
        lq.state = states[round % 3];
        lq.as_of = as_of;
        lq.within = (int)rn(4);
        static const int limits[] = { 1, 2, 3, 5, 17, 100 };
        lq.limit = limits[rn(round % 2 ? 4 : 6)];

        /* everything, through an unbounded heap */
        list_heap all;
        ck_assert_int_eq(list_heap_init(&all, n + 1), 0);
        for (size_t i = 0; i < n; i++)
            ck_assert_int_eq(list_offer(&all, &lq, cal, &oh, &rows[i].d, NULL, NULL,
                                        rows[i].cat_duration, rows[i].cat_unit), 0);
        qsort(all.v, all.n, sizeof *all.v, item_qsort);
        /* a cursor anywhere in the list (its last item: an empty next page) */
        size_t start = 0;
        if (all.n > 0 && rn(3) == 0) {
            start = 1 + (size_t)rn((int64_t)all.n);
            const list_key *k = &all.v[start - 1]->key;
            lq.has_cursor = true;
            lq.cursor.wd = k->wd;
            lq.cursor.due = k->due;
            snprintf(lq.cursor.code, sizeof lq.cursor.code, "%s", k->code);
        }

        list_heap h;
        ck_assert_int_eq(list_heap_init(&h, (size_t)lq.limit + 1), 0);
        list_stream v[LIST_STREAMS_MAX];
        long first = rn(2) ? (long)h.cap * 2 : 1 + rn(3);
        size_t ns = list_streams_init(v, lq.state, as_of, lq.within, cal, first);
        sim_ctx x = { rows, n, &h, &lq, cal, &oh, 0 };
        ck_assert_int_eq(list_read(v, ns, &h, sim_fetch, &x), 0);
        list_heap_sort(&h);

        size_t want = all.n - start < h.cap ? all.n - start : h.cap;
        ck_assert_msg(h.n == want, "round %d (%s, limit %d, first batch %ld): %zu items, want %zu",
                      round, list_state_name(lq.state), lq.limit, first, h.n, want);
        for (size_t i = 0; i < want; i++) {
            const list_item *g = h.v[i], *w = all.v[start + i];
            ck_assert_msg(!strcmp(g->d.code, w->d.code) && g->key.wd == w->key.wd &&
                          g->key.due == w->key.due && g->due_computed == w->due_computed,
                          "round %d (%s, limit %d) item %zu: %s, want %s", round,
                          list_state_name(lq.state), lq.limit, i, g->d.code, w->d.code);
        }
        total_served += x.served;
        total_rows += n;
        list_heap_free(&h);
        list_heap_free(&all);
    }
    /* the point of it all: most rows are never read */
    ck_assert_msg(total_served < total_rows, "read %zu rows of %zu", total_served, total_rows);
    calendar_free(cal);
}
END_TEST

/* Many overdue dossiers, three a working day, one in seven waiting (in time,
 * its clock stopped at reception): a page of 10 reads one batch of 22, not
 * the table; the same with every due date equal (ties all the way down to the
 * code, which the streams are ordered by too). */
START_TEST(test_read_stops_early)
{
    calendar_t *cal = calendar_new_default();
    ck_assert_ptr_nonnull(cal);
    const office_hours oh = OFFICE_HOURS_DEFAULT;
    enum { N = 2000 };
    static sim_row rows[N];
    ts_t as_of = T("2024-11-20T10:00:00+07:00");
    day_t today = ts_day(as_of);
    for (int same = 0; same < 2; same++) {
        for (size_t i = 0; i < N; i++) {
            sim_row *r = &rows[i];
            memset(r, 0, sizeof *r);
            snprintf(r->code, sizeof r->code, "C-%05d", (int)((i * 7919) % N));
            r->d.code = r->code;
            r->d.status = i % 7 == 0 ? 5 : 4;
            r->d.due_at = at_day(today - 1 - (same ? 100 : (day_t)(i / 3)), 17, 0);
            r->d.received_at = r->d.due_at - 86400 * INT64_C(1000000);
            r->d.finished_at = r->d.supplement_requested_at = r->d.updated_at = TS_NULL;
            r->cat_duration = -1;
        }
        list_query_t lq;
        memset(&lq, 0, sizeof lq);
        lq.state = LIST_OVERDUE;
        lq.as_of = as_of;
        lq.limit = 10;
        list_heap h;
        ck_assert_int_eq(list_heap_init(&h, 11), 0);
        list_stream v[LIST_STREAMS_MAX];
        size_t ns = list_streams_init(v, lq.state, as_of, 1, cal, 22);
        sim_ctx x = { rows, N, &h, &lq, cal, &oh, 0 };
        ck_assert_int_eq(list_read(v, ns, &h, sim_fetch, &x), 0);
        list_heap_sort(&h);
        ck_assert_uint_eq(h.n, 11);
        ck_assert_msg(x.served == 22, "read %zu rows", x.served);
        if (same) {
            /* by code, the waiting ones (i % 7 == 0) left out */
            for (size_t i = 0; i < 11; i++)
                ck_assert_int_eq(h.v[i]->d.status, 4);
            ck_assert_str_eq(h.v[0]->d.code, "C-00001");
            for (size_t i = 1; i < 11; i++)
                ck_assert_int_lt(strcmp(h.v[i - 1]->d.code, h.v[i]->d.code), 0);
        } else {
            /* the oldest due dates first, waiting ones (clock stopped at
             * reception, in time) left out */
            ck_assert_int_eq(h.v[0]->d.status, 4);
            ck_assert(h.v[0]->d.due_at == at_day(today - 1 - (N - 1) / 3, 17, 0));
        }
        list_heap_free(&h);
    }
    calendar_free(cal);
}
END_TEST

/* ---- CSV --------------------------------------------------------------------------------------- */

START_TEST(test_csv_quoting)
{
    json_t *v[2];
    v[0] = json_pack("{ss ss ss ss ss ss sI sb ss? so}",
                     "code", "A,1",
                     "agency_name", "=SUM(A1:A9)",
                     "procedure_name", "He said \"hi\"\r\nnext",
                     "field_code", "-5",
                     "status_label", "@x",
                     "agency_code", "+84",
                     "working_days_overdue", (json_int_t)12,
                     "apology", 1,
                     "working_days_left", NULL,
                     "fee", json_integer(0));
    v[1] = json_pack("{ss ss ss sb}", "code", "B\xE1\xBB\x87", "class", "in_time",
                     "procedure_code", "=1+2,3", "waiting", 0);
    ck_assert(v[0] && v[1]);
    size_t len = 0;
    char *s = list_csv(v, 2, &len);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(strlen(s), len);
    ck_assert_msg(memcmp(s, "\xEF\xBB\xBF", 3) == 0, "no BOM");
    /* the header: every column, in order */
    const char *p = s + 3;
    for (size_t c = 0; c < LIST_CSV_NCOLUMNS; c++) {
        size_t n = strlen(LIST_CSV_COLUMNS[c]);
        ck_assert_msg(strncmp(p, LIST_CSV_COLUMNS[c], n) == 0, "header column %zu", c);
        p += n;
        ck_assert_int_eq(*p, c + 1 < LIST_CSV_NCOLUMNS ? ',' : '\r');
        p++;
    }
    ck_assert_int_eq(*p++, '\n');
    /* row 1, column by column */
    const char *want1[] = {
        "\"A,1\"", "'+84", "'=SUM(A1:A9)", "", "\"He said \"\"hi\"\"\r\nnext\"", "'-5",
        "", "", "", "", "'@x", "", "", "", "", "", "", "true", "", "", "0", "", "", "", "", "",
        "12", "",
    };
    ck_assert_uint_eq(sizeof want1 / sizeof want1[0], LIST_CSV_NCOLUMNS);
    char row1[1024] = "";
    for (size_t c = 0; c < LIST_CSV_NCOLUMNS; c++) {
        if (c)
            strcat(row1, ",");
        strcat(row1, want1[c]);
    }
    strcat(row1, "\r\n");
    ck_assert_msg(strncmp(p, row1, strlen(row1)) == 0, "row 1:\n%s\nwant\n%s", p, row1);
    p += strlen(row1);
    char row2[1024] = "";
    for (size_t c = 0; c < LIST_CSV_NCOLUMNS; c++) {
        const char *name = LIST_CSV_COLUMNS[c];
        if (c)
            strcat(row2, ",");
        if (!strcmp(name, "code"))
            strcat(row2, "B\xE1\xBB\x87");
        else if (!strcmp(name, "class"))
            strcat(row2, "in_time");
        else if (!strcmp(name, "procedure_code"))
            strcat(row2, "\"'=1+2,3\"");
        else if (!strcmp(name, "waiting"))
            strcat(row2, "false");
    }
    strcat(row2, "\r\n");
    ck_assert_str_eq(p, row2);
    free(s);

    /* no items: the BOM and the header alone */
    s = list_csv(NULL, 0, &len);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(len, strlen(s));
    ck_assert_msg(strstr(s, "working_days_left\r\n") == s + len - strlen("working_days_left\r\n"),
                  "header only");
    free(s);
    json_decref(v[0]);
    json_decref(v[1]);
}
END_TEST

/* The CSV columns are exactly the keys of the one-dossier view, in its order:
 * a field added to view.c without a CSV column fails here. */
START_TEST(test_csv_columns_match_view)
{
    dossier_t d;
    memset(&d, 0, sizeof d);
    d.code = "C";
    d.agency_code = "A";
    d.procedure_code = "P";
    d.channel = CH_ONLINE;
    d.status = 4;
    d.received_at = T("2024-11-01T08:00:00");
    d.due_at = d.finished_at = d.returned_at = d.extended_due_at = TS_NULL;
    d.supplement_requested_at = d.updated_at = TS_NULL;
    d.fee = FEE_NULL;
    cls_result_t cr = CR(CLS_IN_TIME, false, false, false, -1, -1);
    json_t *o = dossier_view_json(&d, NULL, NULL, false, &cr);
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(json_object_size(o), LIST_CSV_NCOLUMNS);
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val) {
        (void)val;
        ck_assert_msg(i < LIST_CSV_NCOLUMNS && strcmp(key, LIST_CSV_COLUMNS[i]) == 0,
                      "view key %zu is %s, CSV column is %s", i, key,
                      i < LIST_CSV_NCOLUMNS ? LIST_CSV_COLUMNS[i] : "(none)");
        i++;
    }
    json_decref(o);
}
END_TEST

Suite *make_lists_suite(void)
{
    Suite *s = suite_create("lists");
    TCase *tc = tcase_create("order");
    tcase_add_test(tc, test_state_names);
    tcase_add_test(tc, test_selects);
    tcase_add_test(tc, test_key_order);
    tcase_add_test(tc, test_key_of);
    suite_add_tcase(s, tc);

    tc = tcase_create("cursor");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_cursor_round_trip);
    tcase_add_test(tc, test_cursor_tampering);
    tcase_add_test(tc, test_cursor_semantics);
    suite_add_tcase(s, tc);

    tc = tcase_create("parameters");
    tcase_add_test(tc, test_parse_defaults);
    tcase_add_test(tc, test_parse_errors);
    tcase_add_test(tc, test_parse_cursor);
    suite_add_tcase(s, tc);

    tc = tcase_create("page");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_heap_equals_sort);
    tcase_add_test(tc, test_item_copies);
    suite_add_tcase(s, tc);

    tc = tcase_create("streams");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_streams_init);
    tcase_add_test(tc, test_stream_bounds);
    tcase_add_test(tc, test_stream_stop);
    tcase_add_test(tc, test_read_equals_full_scan);
    tcase_add_test(tc, test_read_stops_early);
    suite_add_tcase(s, tc);

    tc = tcase_create("csv");
    tcase_add_test(tc, test_csv_quoting);
    tcase_add_test(tc, test_csv_columns_match_view);
    suite_add_tcase(s, tc);
    return s;
}
