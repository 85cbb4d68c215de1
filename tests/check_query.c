/*
 * check_query.c - tests of the metrics query parameters (spec §5, §7).
 *
 * Why: every bad value must be a 400 naming its parameter, and the period and
 * as_of rules decide every number the service serves. Each parameter is
 * tried with good values, boundaries and malformed ones (bad dates, wrong
 * combinations, 10 KB values, invalid UTF-8, misplaced '*').
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

#define WITHIN_DEFAULT 1

/* "now" for every test: 2024-05-20T10:00:00+07:00. */
static ts_t now_ts(void)
{
    ts_t t;
    ck_assert_int_eq(ts_parse("2024-05-20T10:00:00+07:00", 25, TS_DATE_MIDNIGHT, &t), 0);
    return t;
}

static day_t D(const char *s)
{
    day_t d;
    ck_assert_msg(day_parse(s, strlen(s), &d) == 0, "bad test date %s", s);
    return d;
}

static ts_t T(const char *s)
{
    ts_t t;
    ck_assert_msg(ts_parse(s, strlen(s), TS_DATE_MIDNIGHT, &t) == 0, "bad test time %s", s);
    return t;
}

static char g_bad[64], g_msg[256];

/* Parses the pairs (key, value, key, value, ..., NULL) at now_ts(). */
static int parse_pairs(metrics_query_t *q, const char *const *pairs)
{
    kv_t kv[32];
    size_t n = 0;
    for (; pairs[2 * n] != NULL; n++) {
        ck_assert(n < 32);
        kv[n].key = pairs[2 * n];
        kv[n].value = pairs[2 * n + 1];
    }
    memset(g_bad, 0, sizeof g_bad);
    memset(g_msg, 0, sizeof g_msg);
    return query_parse_metrics(kv, n, now_ts(), WITHIN_DEFAULT, q, g_bad, sizeof g_bad, g_msg,
                               sizeof g_msg);
}

#define PARSE(q, ...) parse_pairs((q), (const char *const[]){ __VA_ARGS__, NULL })

/* Expects an error naming `param`, with the name in the message too. */
#define EXPECT_BAD(param, ...) do {                                              \
        metrics_query_t q_;                                                      \
        int rc_ = PARSE(&q_, __VA_ARGS__);                                       \
        ck_assert_msg(rc_ == -1, "accepted, expected an error on %s", (param));  \
        ck_assert_str_eq(g_bad, (param));                                        \
        ck_assert_msg(strstr(g_msg, (param)) != NULL, "message '%s'", g_msg);    \
    } while (0)

#define EXPECT_OK(q, ...) do {                                                   \
        int rc_ = PARSE((q), __VA_ARGS__);                                       \
        ck_assert_msg(rc_ == 0, "rejected: %s (%s)", g_bad, g_msg);              \
    } while (0)

START_TEST(test_defaults)
{
    metrics_query_t q;
    EXPECT_OK(&q, "unknown", "whatever");
    ck_assert_int_eq(q.period.from, D("2024-05-01"));
    ck_assert_int_eq(q.period.to, D("2024-05-20"));
    ck_assert(q.as_of == now_ts());
    ck_assert(!q.as_of_given);
    ck_assert_int_eq(q.basis, BASIS_FLOW);
    ck_assert_str_eq(q.agency, "");
    ck_assert_str_eq(q.procedure, "");
    ck_assert_str_eq(q.field, "");
    ck_assert_int_eq(q.channel, 0);
    ck_assert_int_eq(q.service_level, 0);
    ck_assert_int_eq(q.group_dim, DIM_NONE);
    ck_assert_int_eq(q.group_bucket, BK_NONE);
    ck_assert_int_eq(q.within, WITHIN_DEFAULT);
    ck_assert(!q.csv);

    /* no pairs at all */
    ck_assert_int_eq(query_parse_metrics(NULL, 0, now_ts(), 3, &q, g_bad, sizeof g_bad, g_msg,
                                         sizeof g_msg), 0);
    ck_assert_int_eq(q.within, 3);
}
END_TEST

START_TEST(test_from_to)
{
    metrics_query_t q;
    EXPECT_OK(&q, "from", "2024-01-01", "to", "2024-03-31");
    ck_assert_int_eq(q.period.from, D("2024-01-01"));
    ck_assert_int_eq(q.period.to, D("2024-03-31"));
    ck_assert(q.as_of == ts_day_end(D("2024-03-31")));   /* past period: its last instant */
    EXPECT_OK(&q, "from", "2024-02-29", "to", "2024-02-29");
    ck_assert_int_eq(q.period.from, q.period.to);

    /* period reaching past now: as_of is now */
    EXPECT_OK(&q, "from", "2024-05-01", "to", "2024-12-31");
    ck_assert(q.as_of == now_ts());
    /* a period wholly in the future: as_of now, before the period */
    EXPECT_OK(&q, "from", "2024-06-01", "to", "2024-06-30");
    ck_assert(q.as_of == now_ts());

    EXPECT_BAD("to", "from", "2024-01-01");
    EXPECT_BAD("from", "to", "2024-01-01");
    EXPECT_BAD("from", "from", "2024-03-02", "to", "2024-03-01");
    EXPECT_BAD("from", "from", "2024-02-30", "to", "2024-03-01");
    EXPECT_BAD("from", "from", "2023-02-29", "to", "2024-03-01");
    EXPECT_BAD("from", "from", "2024-2-01", "to", "2024-03-01");
    EXPECT_BAD("from", "from", "20240201", "to", "2024-03-01");
    EXPECT_BAD("from", "from", " 2024-02-01", "to", "2024-03-01");
    EXPECT_BAD("from", "from", "2024-02-01T00:00", "to", "2024-03-01");
    EXPECT_BAD("from", "from", "", "to", "2024-03-01");
    EXPECT_BAD("to", "from", "2024-02-01", "to", "2024-13-01");
    EXPECT_BAD("to", "from", "2024-02-01", "to", "2024-03-01x");
    EXPECT_BAD("to", "from", "2024-02-01", "to", "");
}
END_TEST

START_TEST(test_period_names)
{
    metrics_query_t q;
    EXPECT_OK(&q, "period", "2024-Q1");
    ck_assert_int_eq(q.period.from, D("2024-01-01"));
    ck_assert_int_eq(q.period.to, D("2024-03-31"));
    EXPECT_OK(&q, "period", "2023");
    ck_assert_int_eq(q.period.from, D("2023-01-01"));
    ck_assert_int_eq(q.period.to, D("2023-12-31"));
    ck_assert(q.as_of == ts_day_end(D("2023-12-31")));
    EXPECT_OK(&q, "period", "2024-H1");
    ck_assert_int_eq(q.period.to, D("2024-06-30"));
    ck_assert(q.as_of == now_ts());
    EXPECT_OK(&q, "period", "2024-02");
    ck_assert_int_eq(q.period.to, D("2024-02-29"));
    EXPECT_OK(&q, "period", "2024-W10");
    ck_assert_int_eq(q.period.from, D("2024-03-04"));
    ck_assert_int_eq(q.period.to, D("2024-03-10"));
    EXPECT_OK(&q, "period", "2024-03-14");
    ck_assert_int_eq(q.period.from, D("2024-03-14"));
    ck_assert_int_eq(q.period.to, D("2024-03-14"));

    const char *bad[] = { "", "24", "2024-Q5", "2024-Q0", "2024-H3", "2024-13", "2024-00",
                          "2024-W54", "2024-W00", "2024-02-30", "2024-1", "2024Q1", "2024-Q1 ",
                          "Q1-2024", "month" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = PARSE(&q, "period", bad[i]);
        ck_assert_msg(rc == -1, "period '%s' accepted", bad[i]);
        ck_assert_str_eq(g_bad, "period");
    }
    EXPECT_BAD("period", "period", "2024", "from", "2024-01-01");
    EXPECT_BAD("period", "period", "2024", "to", "2024-01-01");
    EXPECT_BAD("period", "from", "2024-01-01", "to", "2024-01-02", "period", "2024");
}
END_TEST

START_TEST(test_as_of)
{
    metrics_query_t q;
    /* earlier than the period's end: taken as is */
    EXPECT_OK(&q, "period", "2024-Q1", "as_of", "2024-02-15T12:00:00+07:00");
    ck_assert(q.as_of_given);
    ck_assert(q.as_of == T("2024-02-15T12:00:00+07:00"));
    /* after the period's end: clipped to its last instant */
    EXPECT_OK(&q, "period", "2024-Q1", "as_of", "2024-04-15T12:00:00Z");
    ck_assert(q.as_of == ts_day_end(D("2024-03-31")));
    /* after now: clipped to now */
    EXPECT_OK(&q, "period", "2024", "as_of", "2024-09-01T00:00:00+07:00");
    ck_assert(q.as_of == now_ts());
    /* a bare date is 00:00 local */
    EXPECT_OK(&q, "period", "2024-Q1", "as_of", "2024-02-15");
    ck_assert(q.as_of == ts_day_start(D("2024-02-15")));
    /* other accepted forms */
    EXPECT_OK(&q, "period", "2024-Q1", "as_of", "20240215120000");
    ck_assert(q.as_of == T("2024-02-15 12:00:00"));
    EXPECT_OK(&q, "period", "2024-Q1", "as_of", "2024-02-15T05:00:00Z");
    ck_assert(q.as_of == T("2024-02-15 12:00"));
    /* before the period: allowed (everything is then zero or carried over) */
    EXPECT_OK(&q, "period", "2024-Q1", "as_of", "2023-12-01");
    ck_assert(q.as_of == ts_day_start(D("2023-12-01")));

    EXPECT_BAD("as_of", "as_of", "yesterday");
    EXPECT_BAD("as_of", "as_of", "");
    EXPECT_BAD("as_of", "as_of", "2024-02-30");
    EXPECT_BAD("as_of", "period", "2024", "as_of", "2024-02-15T25:00:00");
}
END_TEST

START_TEST(test_basis_format_within)
{
    metrics_query_t q;
    EXPECT_OK(&q, "basis", "cohort", "format", "csv", "within", "0");
    ck_assert_int_eq(q.basis, BASIS_COHORT);
    ck_assert(q.csv);
    ck_assert_int_eq(q.within, 0);
    EXPECT_OK(&q, "basis", "flow", "format", "json", "within", "366");
    ck_assert_int_eq(q.basis, BASIS_FLOW);
    ck_assert(!q.csv);
    ck_assert_int_eq(q.within, 366);
    EXPECT_OK(&q, "within", "007");
    ck_assert_int_eq(q.within, 7);

    EXPECT_BAD("basis", "basis", "Cohort");
    EXPECT_BAD("basis", "basis", "");
    EXPECT_BAD("basis", "basis", "stock");
    EXPECT_BAD("format", "format", "xml");
    EXPECT_BAD("format", "format", "CSV");
    EXPECT_BAD("format", "format", "");
    const char *bad_within[] = { "367", "-1", "+1", " 1", "1 ", "1e2", "", "1.5", "0x10",
                                 "99999999999999999999999999" };
    for (size_t i = 0; i < sizeof bad_within / sizeof bad_within[0]; i++) {
        int rc = PARSE(&q, "within", bad_within[i]);
        ck_assert_msg(rc == -1, "within '%s' accepted", bad_within[i]);
        ck_assert_str_eq(g_bad, "within");
    }
}
END_TEST

START_TEST(test_channel_level)
{
    metrics_query_t q;
    EXPECT_OK(&q, "channel", "online");
    ck_assert_int_eq(q.channel, 2);
    EXPECT_OK(&q, "channel", "direct");
    ck_assert_int_eq(q.channel, 1);
    EXPECT_OK(&q, "channel", "postal");
    ck_assert_int_eq(q.channel, 3);
    EXPECT_OK(&q, "channel", "1");
    ck_assert_int_eq(q.channel, 1);
    EXPECT_OK(&q, "channel", "3");
    ck_assert_int_eq(q.channel, 3);
    const char *bad_ch[] = { "0", "4", "Online", "ONLINE", "+1", " 1", "", "-2", "web",
                             "99999999999999999999" };
    for (size_t i = 0; i < sizeof bad_ch / sizeof bad_ch[0]; i++) {
        int rc = PARSE(&q, "channel", bad_ch[i]);
        ck_assert_msg(rc == -1, "channel '%s' accepted", bad_ch[i]);
        ck_assert_str_eq(g_bad, "channel");
    }

    for (int l = 2; l <= 4; l++) {
        char v[2] = { (char)('0' + l), 0 };
        EXPECT_OK(&q, "service_level", v);
        ck_assert_int_eq(q.service_level, l);
    }
    const char *bad_lv[] = { "1", "5", "0", "-3", "3.0", "", "three", " 3",
                             "99999999999999999999" };
    for (size_t i = 0; i < sizeof bad_lv / sizeof bad_lv[0]; i++) {
        int rc = PARSE(&q, "service_level", bad_lv[i]);
        ck_assert_msg(rc == -1, "service_level '%s' accepted", bad_lv[i]);
        ck_assert_str_eq(g_bad, "service_level");
    }
}
END_TEST

START_TEST(test_group_by)
{
    metrics_query_t q;
    const struct { const char *v; dim_t d; bucket_kind k; } ok[] = {
        { "agency", DIM_AGENCY, BK_NONE },   { "procedure", DIM_PROCEDURE, BK_NONE },
        { "field", DIM_FIELD, BK_NONE },     { "channel", DIM_CHANNEL, BK_NONE },
        { "service_level", DIM_LEVEL, BK_NONE }, { "day", DIM_NONE, BK_DAY },
        { "week", DIM_NONE, BK_WEEK },       { "month", DIM_NONE, BK_MONTH },
        { "quarter", DIM_NONE, BK_QUARTER }, { "year", DIM_NONE, BK_YEAR },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        EXPECT_OK(&q, "group_by", ok[i].v);
        ck_assert_int_eq(q.group_dim, ok[i].d);
        ck_assert_int_eq(q.group_bucket, ok[i].k);
        if (ok[i].d != DIM_NONE)
            ck_assert_str_eq(dim_name(ok[i].d), ok[i].v);
    }
    ck_assert_ptr_null(dim_name(DIM_NONE));
    EXPECT_BAD("group_by", "group_by", "Agency");
    EXPECT_BAD("group_by", "group_by", "hour");
    EXPECT_BAD("group_by", "group_by", "");
    EXPECT_BAD("group_by", "group_by", "status");

    /* at most 10,000 buckets: 10,000 days pass, 10,001 do not */
    day_t from = D("2000-01-01");
    char to_ok[DAY_FMT_MAX], to_bad[DAY_FMT_MAX];
    day_format(from + 9999, to_ok, sizeof to_ok);
    day_format(from + 10000, to_bad, sizeof to_bad);
    EXPECT_OK(&q, "from", "2000-01-01", "to", to_ok, "group_by", "day");
    EXPECT_BAD("group_by", "from", "2000-01-01", "to", to_bad, "group_by", "day");
    EXPECT_OK(&q, "from", "2000-01-01", "to", to_bad, "group_by", "week");
    EXPECT_OK(&q, "from", "1900-01-01", "to", "9999-12-31", "group_by", "year");
}
END_TEST

START_TEST(test_filters)
{
    metrics_query_t q;
    EXPECT_OK(&q, "agency", "000.00.01.H62", "procedure", "1.004227", "field", "G01");
    ck_assert_str_eq(q.agency, "000.00.01.H62");
    ck_assert_str_eq(q.procedure, "1.004227");
    ck_assert_str_eq(q.field, "G01");
    EXPECT_OK(&q, "agency", "000.00.*");
    ck_assert_str_eq(q.agency, "000.00.*");
    EXPECT_OK(&q, "agency", "Sở Tư pháp");
    ck_assert_str_eq(q.agency, "Sở Tư pháp");

    EXPECT_BAD("agency", "agency", "000.*.01");
    EXPECT_BAD("agency", "agency", "*000");
    EXPECT_BAD("agency", "agency", "000**");
    EXPECT_BAD("agency", "agency", "*");
    EXPECT_BAD("agency", "agency", "");
    EXPECT_BAD("procedure", "procedure", "1.00*");
    EXPECT_BAD("procedure", "procedure", "1.*4");
    EXPECT_BAD("procedure", "procedure", "");
    EXPECT_BAD("field", "field", "G*1");
    EXPECT_BAD("field", "field", "G*");

    /* lengths: 64 characters pass, 65 do not, counted in characters */
    char buf[16 * 1024];
    memset(buf, 'a', 64);
    buf[64] = '\0';
    EXPECT_OK(&q, "agency", buf, "procedure", buf, "field", buf);
    buf[64] = '*';
    buf[65] = '\0';
    EXPECT_OK(&q, "agency", buf);   /* 64 characters and the prefix star */
    ck_assert_str_eq(q.agency, buf);
    buf[64] = 'a';
    EXPECT_BAD("agency", "agency", buf);
    EXPECT_BAD("procedure", "procedure", buf);
    EXPECT_BAD("field", "field", buf);
    /* 64 four-byte characters (256 bytes) pass, 65 do not */
    buf[0] = '\0';
    for (int i = 0; i < 64; i++)
        strcat(buf, "\xF0\x9F\x98\x80");
    EXPECT_OK(&q, "procedure", buf);
    ck_assert_uint_eq(strlen(q.procedure), 256);
    strcat(buf, "*");
    EXPECT_OK(&q, "agency", buf);
    buf[strlen(buf) - 1] = '\0';
    strcat(buf, "\xF0\x9F\x98\x80");
    EXPECT_BAD("procedure", "procedure", buf);
    EXPECT_BAD("agency", "agency", buf);
    /* 64 Vietnamese characters of 2 or 3 bytes */
    buf[0] = '\0';
    for (int i = 0; i < 32; i++)
        strcat(buf, "ở\xE1\xBB\x9F");   /* U+1EDF twice, as two spellings of the same bytes */
    EXPECT_OK(&q, "field", buf);
    strcat(buf, "a");
    EXPECT_BAD("field", "field", buf);
    /* 10 KB */
    memset(buf, 'x', 10 * 1024);
    buf[10 * 1024] = '\0';
    EXPECT_BAD("agency", "agency", buf);
    EXPECT_BAD("procedure", "procedure", buf);
    EXPECT_BAD("field", "field", buf);
    EXPECT_BAD("period", "period", buf);
    EXPECT_BAD("as_of", "as_of", buf);
    EXPECT_BAD("channel", "channel", buf);
    EXPECT_BAD("group_by", "group_by", buf);
    memset(buf, '9', 10 * 1024);
    EXPECT_BAD("within", "within", buf);
    EXPECT_BAD("service_level", "service_level", buf);

    /* invalid UTF-8 and control characters */
    const char *bad_text[] = {
        "ab\xC3", "\xC3\x28", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
        "\xF8\x88\x80\x80\x80", "\xFF", "a\x80", "a\x01", "a\tb", "a\nb", "a\x7F",
        "a\xC2\x85", "\xE2\x82",
    };
    for (size_t i = 0; i < sizeof bad_text / sizeof bad_text[0]; i++) {
        ck_assert_msg(PARSE(&q, "agency", bad_text[i]) == -1, "agency #%zu accepted", i);
        ck_assert_str_eq(g_bad, "agency");
        ck_assert_msg(PARSE(&q, "procedure", bad_text[i]) == -1, "procedure #%zu accepted", i);
        ck_assert_msg(PARSE(&q, "field", bad_text[i]) == -1, "field #%zu accepted", i);
    }
    /* the largest code point and a non-BMP one are fine */
    EXPECT_OK(&q, "field", "\xF4\x8F\xBF\xBF\xF0\x90\x80\x80");
}
END_TEST

START_TEST(test_last_wins_and_errors)
{
    metrics_query_t q;
    EXPECT_OK(&q, "from", "2024-01-01", "to", "2024-01-31", "from", "2024-01-10", "channel",
              "online", "channel", "postal");
    ck_assert_int_eq(q.period.from, D("2024-01-10"));
    ck_assert_int_eq(q.channel, 3);
    /* a later good value hides an earlier bad one, and the reverse */
    EXPECT_OK(&q, "within", "x", "within", "5");
    ck_assert_int_eq(q.within, 5);
    EXPECT_BAD("within", "within", "5", "within", "x");

    /* the buffers are optional and never overrun */
    kv_t kv[] = { { "channel", "nope" } };
    ck_assert_int_eq(query_parse_metrics(kv, 1, now_ts(), 1, &q, NULL, 0, NULL, 0), -1);
    char tiny[4];
    ck_assert_int_eq(query_parse_metrics(kv, 1, now_ts(), 1, &q, tiny, sizeof tiny, tiny,
                                         sizeof tiny), -1);
    ck_assert_uint_eq(strlen(tiny), 3);
    /* a NULL value is taken as "" */
    kv_t kv2[] = { { "format", NULL } };
    ck_assert_int_eq(query_parse_metrics(kv2, 1, now_ts(), 1, &q, g_bad, sizeof g_bad, g_msg,
                                         sizeof g_msg), -1);
    ck_assert_str_eq(g_bad, "format");
}
END_TEST

START_TEST(test_agency_filter_match)
{
    ck_assert(agency_filter_match("", "000.00.01"));
    ck_assert(agency_filter_match(NULL, "x"));
    ck_assert(agency_filter_match("000.00.01", "000.00.01"));
    ck_assert(!agency_filter_match("000.00.01", "000.00.012"));
    ck_assert(!agency_filter_match("000.00.01", "000.00.0"));
    ck_assert(agency_filter_match("000.00.*", "000.00.01"));
    ck_assert(agency_filter_match("000.00.*", "000.00."));
    ck_assert(!agency_filter_match("000.00.*", "000.01.01"));
    ck_assert(!agency_filter_match("000.00.*", "000.00"));
    ck_assert(!agency_filter_match("000.00.*", NULL));
}
END_TEST

/* calendar=civil|report (spec §6): how period names and buckets are read. */
START_TEST(test_calendar)
{
    metrics_query_t q;
    EXPECT_OK(&q, "period", "2024-Q1");
    ck_assert_int_eq(q.calendar, PCAL_CIVIL);
    EXPECT_OK(&q, "period", "2024-Q1", "calendar", "civil");
    ck_assert_int_eq(q.calendar, PCAL_CIVIL);
    ck_assert_int_eq(q.period.from, D("2024-01-01"));
    ck_assert_int_eq(q.period.to, D("2024-03-31"));

    EXPECT_OK(&q, "period", "2024-Q1", "calendar", "report");
    ck_assert_int_eq(q.calendar, PCAL_REPORT);
    ck_assert_int_eq(q.period.from, D("2023-12-15"));
    ck_assert_int_eq(q.period.to, D("2024-03-14"));
    ck_assert(q.as_of == ts_day_end(D("2024-03-14")));
    /* the order of the parameters does not matter */
    EXPECT_OK(&q, "calendar", "report", "period", "2024-03");
    ck_assert_int_eq(q.period.from, D("2024-02-15"));
    ck_assert_int_eq(q.period.to, D("2024-03-14"));
    EXPECT_OK(&q, "calendar", "report", "period", "2023");
    ck_assert_int_eq(q.period.from, D("2022-12-15"));
    ck_assert_int_eq(q.period.to, D("2023-12-14"));
    EXPECT_OK(&q, "calendar", "report", "period", "2024-H1");
    ck_assert_int_eq(q.period.from, D("2023-12-15"));
    ck_assert_int_eq(q.period.to, D("2024-06-14"));
    ck_assert(q.as_of == now_ts()); /* runs past now (2024-05-20) */
    /* weeks, days and from/to are the same in both */
    EXPECT_OK(&q, "calendar", "report", "period", "2024-W10");
    ck_assert_int_eq(q.period.from, D("2024-03-04"));
    ck_assert_int_eq(q.period.to, D("2024-03-10"));
    EXPECT_OK(&q, "calendar", "report", "period", "2024-03-14");
    ck_assert_int_eq(q.period.from, D("2024-03-14"));
    ck_assert_int_eq(q.period.to, D("2024-03-14"));
    EXPECT_OK(&q, "calendar", "report", "from", "2024-01-01", "to", "2024-01-31");
    ck_assert_int_eq(q.period.from, D("2024-01-01"));
    ck_assert_int_eq(q.period.to, D("2024-01-31"));
    /* the default period stays the civil month to date */
    EXPECT_OK(&q, "calendar", "report");
    ck_assert_int_eq(q.calendar, PCAL_REPORT);
    ck_assert_int_eq(q.period.from, D("2024-05-01"));
    ck_assert_int_eq(q.period.to, D("2024-05-20"));
    /* with a time bucket */
    EXPECT_OK(&q, "calendar", "report", "period", "2024", "group_by", "month");
    ck_assert_int_eq(q.group_bucket, BK_MONTH);
    ck_assert_int_eq(q.calendar, PCAL_REPORT);
    /* the last one wins */
    EXPECT_OK(&q, "calendar", "report", "calendar", "civil", "period", "2024-03");
    ck_assert_int_eq(q.period.from, D("2024-03-01"));

    const char *bad[] = { "", "Report", "REPORT", "civil ", "fiscal", "report\n", "1",
                          "civilreport" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = PARSE(&q, "calendar", bad[i], "period", "2024-Q1");
        ck_assert_msg(rc == -1, "calendar '%s' accepted", bad[i]);
        ck_assert_str_eq(g_bad, "calendar");
        ck_assert_msg(strstr(g_msg, "calendar") != NULL, "message '%s'", g_msg);
    }
    EXPECT_BAD("calendar", "calendar", "civil", "calendar", "lunar");
    /* a bad name is still a bad period in the report calendar */
    EXPECT_BAD("period", "calendar", "report", "period", "2024-Q5");
    EXPECT_BAD("period", "calendar", "report", "period", "2024-13");
}
END_TEST

Suite *make_query_suite(void)
{
    Suite *s = suite_create("query");
    TCase *tc = tcase_create("metrics_query");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_from_to);
    tcase_add_test(tc, test_period_names);
    tcase_add_test(tc, test_as_of);
    tcase_add_test(tc, test_basis_format_within);
    tcase_add_test(tc, test_channel_level);
    tcase_add_test(tc, test_group_by);
    tcase_add_test(tc, test_filters);
    tcase_add_test(tc, test_last_wins_and_errors);
    tcase_add_test(tc, test_agency_filter_match);
    tcase_add_test(tc, test_calendar);
    suite_add_tcase(s, tc);
    return s;
}
