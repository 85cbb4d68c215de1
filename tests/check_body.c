/*
 * check_body.c - tests for the input formats of POST /v1/dossiers
 * (service/body.c, spec §3.2 and the whole-request errors of §3.3).
 *
 * Why: the body layer decides what is a 400 for the whole request (a JSON
 * syntax error anywhere, before anything is stored) and what is an error of
 * one record (a malformed NDJSON line or CSV row), and it reports each
 * record's position (index, CSV/NDJSON line). A sink records every emitted
 * record; truncation and random mutation tests check that the parser never
 * crashes, never emits and then fails, and never lets an invalid record
 * through as valid.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "body.h"
#include "record.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ the sink */

typedef struct {
    long index, line;
    int nerr;
    int field0;               /* field of the first error (-1: the record) */
    char msg0[REC_MSG_MAX];
    dossier_t d;              /* strings point into the arena, valid until teardown */
} got_rec;

#define MAX_GOT 64

static struct {
    int n;                    /* records emitted (may exceed MAX_GOT) */
    got_rec r[MAX_GOT];
    int stop_after;           /* > 0: the sink asks to stop after that many */
} G;

static arena_t A;
static char MSG[256];

static int collect(void *ctx, rec_builder *rb, long index, long line)
{
    (void)ctx;
    if (G.n < MAX_GOT) {
        got_rec *g = &G.r[G.n];
        g->index = index;
        g->line = line;
        g->nerr = rb->nerr;
        g->field0 = rb->nerr ? rb->err[0].field : -2;
        snprintf(g->msg0, sizeof g->msg0, "%s", rb->nerr ? rb->err[0].message : "");
        g->d = rb->d;
    }
    G.n++;
    return G.stop_after > 0 && G.n >= G.stop_after;
}

static void setup(void)
{
    arena_init(&A);
    memset(&G, 0, sizeof G);
}

static void teardown(void)
{
    arena_free(&A);
}

/* Parses len bytes from an exact-size heap copy (so ASan sees any read past
 * the end) and returns body_parse's result; the records are in G. */
static int parse_n(body_format f, const char *body, size_t len)
{
    G.n = 0;
    char *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    if (len)
        memcpy(copy, body, len);
    record_sink sink = { &A, collect, NULL };
    int rc = body_parse(f, copy, len, &sink, MSG, sizeof MSG);
    free(copy);
    return rc;
}

static int parse(body_format f, const char *body)
{
    return parse_n(f, body, strlen(body));
}

/* Record i was emitted with the given position and is valid / invalid. */
static void expect_valid(int i, long index, long line)
{
    ck_assert_msg(i < G.n, "record %d not emitted (only %d)", i, G.n);
    const got_rec *g = &G.r[i];
    ck_assert_msg(g->nerr == 0, "record %d: unexpected error: %s", i, g->msg0);
    ck_assert_int_eq(g->index, index);
    ck_assert_int_eq(g->line, line);
}

static void expect_invalid(int i, long index, long line, int field, const char *what)
{
    ck_assert_msg(i < G.n, "record %d not emitted (only %d)", i, G.n);
    const got_rec *g = &G.r[i];
    ck_assert_msg(g->nerr > 0, "record %d (index %ld) should be invalid", i, index);
    ck_assert_int_eq(g->index, index);
    ck_assert_int_eq(g->line, line);
    ck_assert_msg(g->field0 == field, "record %d: first error on field %d, want %d (%s)", i,
                  g->field0, field, g->msg0);
    if (what)
        ck_assert_msg(strstr(g->msg0, what) != NULL, "record %d: '%s' lacks '%s'", i, g->msg0,
                      what);
}

/* A whole-body error: BODY_INVALID, a message, and nothing emitted. */
static void expect_body_invalid(body_format f, const char *body, size_t len, const char *what)
{
    int rc = parse_n(f, body, len);
    ck_assert_msg(rc == BODY_INVALID, "body '%.60s' gave %d, want BODY_INVALID", body, rc);
    ck_assert_msg(G.n == 0, "body '%.60s': %d records emitted before BODY_INVALID", body, G.n);
    ck_assert_msg(MSG[0] != '\0', "no message");
    if (what)
        ck_assert_msg(strstr(MSG, what) != NULL, "message '%s' lacks '%s'", MSG, what);
}

#define BODY_INVALID_STR(f, s, what) expect_body_invalid((f), (s), strlen(s), (what))

/* ------------------------------------------------------------ samples */

#define REC1 "{\"code\":\"HS-1\",\"agency_code\":\"A1\",\"procedure_code\":\"P1\",\"channel\":\"online\"," \
             "\"status\":\"received\",\"received_at\":\"2024-03-14T08:00:00+07:00\"}"
#define REC2 "{\"code\":\"HS-2\",\"agency_code\":\"A1\",\"procedure_code\":\"P1\",\"channel\":1," \
             "\"status\":9,\"received_at\":\"2024-03-14 08:00\",\"finished_at\":\"20240315100000\"," \
             "\"fee\":50000,\"paid_online\":true}"
#define REC3 "{\"code\":\"HS-3\",\"agency_code\":\"A2\",\"procedure_code\":\"P2\",\"channel\":\"postal\"," \
             "\"status\":\"1\"}"
#define BADREC "{\"code\":\"HS-X\",\"agency_code\":\"A1\",\"procedure_code\":\"P1\",\"channel\":\"online\"," \
               "\"status\":\"received\",\"received_at\":\"2024-03-14\",\"fee\":\"abc\"}"

#define DV1 "{\"MaHoSo\":\"000.00.01.H62-240314-0001\",\"MaTTHC\":\"1.004227\",\"KenhThucHien\":2," \
            "\"TrangThaiHoSo\":\"4\",\"NgayTiepNhan\":\"20240314083000\"}"
#define DV2 "{\"MaHoSo\":\"000.00.02.H62-240314-0002\",\"MaTTHC\":\"1.004228\"," \
            "\"TrangThaiHoSo\":10,\"NgayTiepNhan\":\"20240314083000\",\"NgayKetThucXuLy\":\"20240315083000\"}"

#define CSV_HEADER "code,agency_code,procedure_code,channel,status,received_at"

/* ------------------------------------------------------------ content types */

START_TEST(test_content_types_accepted)
{
    static const struct { const char *ct; body_format f; } ok[] = {
        { "application/json", BODY_JSON },
        { "application/json; charset=utf-8", BODY_JSON },
        { "application/json;charset=UTF-8", BODY_JSON },
        { "application/json; charset=\"utf-8\"", BODY_JSON },
        { "application/json; charset=utf8", BODY_JSON },
        { "Application/JSON", BODY_JSON },
        { "APPLICATION/JSON; CHARSET=UTF-8", BODY_JSON },
        { "  application/json", BODY_JSON },
        { "application/json;", BODY_JSON },
        { "application/json; foo=bar; charset=utf-8", BODY_JSON },
        { "application/x-ndjson", BODY_NDJSON },
        { "application/x-ndjson; charset=utf-8", BODY_NDJSON },
        { "application/ndjson", BODY_NDJSON },
        { "application/jsonl", BODY_NDJSON },
        { "application/x-jsonlines", BODY_NDJSON },
        { "text/csv", BODY_CSV },
        { "TEXT/CSV", BODY_CSV },
        { "text/csv; charset=utf-8; header=present", BODY_CSV },
        { "text/csv; header=present", BODY_CSV },
    };
    for (size_t i = 0; i < NELEM(ok); i++) {
        body_format f = (body_format)-1;
        ck_assert_msg(body_format_from_content_type(ok[i].ct, &f) == 0, "'%s' refused", ok[i].ct);
        ck_assert_msg(f == ok[i].f, "'%s' gave format %d", ok[i].ct, (int)f);
    }
}
END_TEST

START_TEST(test_content_types_refused)
{
    static const char *const bad[] = {
        "", " ", "application/json; charset=latin1", "application/json; charset=iso-8859-1",
        "text/csv; charset=ISO-8859-1", "text/csv;charset=windows-1258",
        "application/x-ndjson; charset=utf-16", "application/json; charset=\"latin1\"",
        "application/json; CHARSET=latin1", "text/csv; Charset=Windows-1258",
        "text/plain", "application/xml", "application/jsonx", "application/json-seq",
        "application", "json", "csv", "*/*", "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded", "text/csvx", "garbage", "\x01\x02",
        "application/json/x", "application /json", "text/tab-separated-values",
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        body_format f = BODY_JSON;
        ck_assert_msg(body_format_from_content_type(bad[i], &f) == -1, "'%s' accepted", bad[i]);
    }
    body_format f;
    ck_assert_int_eq(body_format_from_content_type(NULL, &f), -1);
}
END_TEST

START_TEST(test_content_type_strict_tokens)
{
    /* The charset value is a whole token, and the media type is followed by
     * parameters only: "utf-88" is not UTF-8, "json garbage" is junk. */
    static const char *const bad[] = {
        "application/json; charset=utf-88", "text/csv;charset=utf-8y",
        "application/json; charset=utf8mb4", "application/json garbage",
        "text/csv junk=1",
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        body_format f = BODY_JSON;
        ck_assert_msg(body_format_from_content_type(bad[i], &f) == -1, "'%s' accepted", bad[i]);
    }
}
END_TEST

START_TEST(test_format_from_filename)
{
    static const struct { const char *name; int rc; body_format f; } cases[] = {
        { "dossiers.json", 0, BODY_JSON }, { "a.b.JSON", 0, BODY_JSON },
        { "x.ndjson", 0, BODY_NDJSON }, { "x.jsonl", 0, BODY_NDJSON },
        { "X.NDJSON", 0, BODY_NDJSON }, { "export.csv", 0, BODY_CSV }, { "E.CSV", 0, BODY_CSV },
        { "noext", -1, BODY_JSON }, { "a.txt", -1, BODY_JSON }, { "a.csv.gz", -1, BODY_JSON },
        { "a.json.bak", -1, BODY_JSON }, { "csv", -1, BODY_JSON },
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        body_format f = (body_format)-1;
        ck_assert_msg(body_format_from_filename(cases[i].name, &f) == cases[i].rc, "%s",
                      cases[i].name);
        if (cases[i].rc == 0)
            ck_assert_msg(f == cases[i].f, "%s", cases[i].name);
    }
}
END_TEST

/* ------------------------------------------------------------ JSON */

START_TEST(test_json_array_of_records)
{
    ck_assert_int_eq(parse(BODY_JSON, "[" REC1 "," BADREC ",\n  " REC2 " , " REC3 "]\n"), BODY_OK);
    ck_assert_int_eq(G.n, 4);
    expect_valid(0, 0, 0);
    expect_invalid(1, 1, 0, F_FEE, NULL);
    expect_valid(2, 2, 0);
    expect_valid(3, 3, 0);
    ck_assert_str_eq(G.r[0].d.code, "HS-1");
    ck_assert_int_eq(G.r[0].d.channel, CH_ONLINE);
    ck_assert_int_eq(G.r[0].d.status, 2);
    ck_assert_str_eq(G.r[2].d.code, "HS-2");
    ck_assert_int_eq(G.r[2].d.status, 9);
    ck_assert(G.r[2].d.fee == 50000);
    ck_assert(G.r[2].d.paid_online);
    ck_assert_str_eq(G.r[3].d.code, "HS-3");
    ck_assert_int_eq(G.r[3].d.status, 1);
    ck_assert_int_eq(G.r[3].d.channel, CH_POSTAL);
}
END_TEST

START_TEST(test_json_empty_array)
{
    ck_assert_int_eq(parse(BODY_JSON, "[]"), BODY_OK);
    ck_assert_int_eq(G.n, 0);
    ck_assert_int_eq(parse(BODY_JSON, " \r\n\t[ \n ] \n"), BODY_OK);
    ck_assert_int_eq(G.n, 0);
}
END_TEST

START_TEST(test_json_single_object)
{
    ck_assert_int_eq(parse(BODY_JSON, "\n  " REC2 "\n"), BODY_OK);
    ck_assert_int_eq(G.n, 1);
    expect_valid(0, 0, 0);
    ck_assert_str_eq(G.r[0].d.code, "HS-2");
    ck_assert_int_eq(parse(BODY_JSON, BADREC), BODY_OK);
    ck_assert_int_eq(G.n, 1);
    expect_invalid(0, 0, 0, F_FEE, NULL);
    /* An empty object is one (invalid) record. */
    ck_assert_int_eq(parse(BODY_JSON, "{}"), BODY_OK);
    ck_assert_int_eq(G.n, 1);
    ck_assert_int_gt(G.r[0].nerr, 0);
}
END_TEST

START_TEST(test_json_element_not_an_object)
{
    ck_assert_int_eq(parse(BODY_JSON, "[1, \"HS-1\", null, [" REC1 "], true, " REC1 ", {}]"),
                     BODY_OK);
    ck_assert_int_eq(G.n, 7);
    for (int i = 0; i < 5; i++)
        expect_invalid(i, i, 0, -1, NULL);
    expect_valid(5, 5, 0);
    ck_assert_int_gt(G.r[6].nerr, 0);
    ck_assert_int_eq(G.r[6].index, 6);
}
END_TEST

START_TEST(test_json_integer_beyond_64_bits)
{
    /* The scanner accepts it; jansson refuses it: an error of that record only. */
    ck_assert_int_eq(parse(BODY_JSON, "[" REC1 ",{\"code\":\"HS-9\",\"fee\":123456789012345678901234567890}," REC3 "]"),
                     BODY_OK);
    ck_assert_int_eq(G.n, 3);
    expect_valid(0, 0, 0);
    expect_invalid(1, 1, 0, -1, NULL);
    expect_valid(2, 2, 0);
    /* Also in an unknown key, and as a single object. */
    ck_assert_int_eq(parse(BODY_JSON, "{\"x\":-99999999999999999999999,\"code\":\"HS-1\"}"), BODY_OK);
    ck_assert_int_eq(G.n, 1);
    expect_invalid(0, 0, 0, -1, NULL);
    /* A huge exponent overflows a double: the same. */
    ck_assert_int_eq(parse(BODY_JSON, "[{\"fee\":1e400}," REC1 "]"), BODY_OK);
    ck_assert_int_eq(G.n, 2);
    ck_assert_int_gt(G.r[0].nerr, 0);
    expect_valid(1, 1, 0);
}
END_TEST

START_TEST(test_json_syntax_error_anywhere)
{
    static const char *const bad[] = {
        "[" REC1 "," REC2 ",{",                         /* truncated at the end */
        "[" REC1 "," REC2 "]]",                         /* extra bracket */
        "[" REC1 "," REC2 "] x",                        /* trailing garbage */
        "[" REC1 "," REC2 ",]",                         /* trailing comma */
        "[" REC1 " " REC2 "]",                          /* missing comma */
        "[" REC1 ",{\"code\":\"HS-9\",}]",              /* trailing comma in an object */
        "[" REC1 ",{'code':'x'}]",                      /* single quotes */
        "[" REC1 ",{\"code\":\"a\tb\"}]",               /* raw control character */
        "[" REC1 ",{\"code\":\"\\x41\"}]",              /* bad escape */
        "[" REC1 ",{\"fee\":01}]",                      /* leading zero */
        "[" REC1 ",{\"fee\":NaN}]", "[" REC1 ",{\"fee\":-}]", "[" REC1 ",{\"a\":tru}]",
        "[" REC1 "]" REC2, REC1 REC1, REC1 ",", "{\"service\":\"DongBoHoSoMC\",\"data\":[" DV1 ",]}",
        "[" REC1 ",/* comment */" REC2 "]",
    };
    for (size_t i = 0; i < NELEM(bad); i++)
        BODY_INVALID_STR(BODY_JSON, bad[i], NULL);
    /* A lone surrogate escape: a 400, or an error of that record only. */
    int rc = parse(BODY_JSON, "[" REC1 ",{\"code\":\"\\ud800\"}]");
    ck_assert_msg((rc == BODY_INVALID && G.n == 0) ||
                  (rc == BODY_OK && G.n == 2 && G.r[0].nerr == 0 && G.r[1].nerr > 0),
                  "lone surrogate: rc %d, %d records", rc, G.n);
    /* The message says what is wrong. */
    BODY_INVALID_STR(BODY_JSON, "[" REC1 ",{", "syntax error");
}
END_TEST

START_TEST(test_json_invalid_utf8_is_a_syntax_error)
{
    static const char *const bad[] = {
        "[" REC1 ",{\"code\":\"HS-\xff\"}]",
        "[" REC1 ",{\"agency_name\":\"S\xc3\"}]",
        "[" REC1 ",{\"agency_name\":\"\xed\xa0\x80\"}]",
        "[" REC1 ",{\"agency_name\":\"\xc0\xaf\"}]",
        "[" REC1 ",{\"agency_name\":\"\xf4\x90\x80\x80\"}]",
        "{\"code\":\"Caf\xe9\"}",
    };
    for (size_t i = 0; i < NELEM(bad); i++)
        BODY_INVALID_STR(BODY_JSON, bad[i], NULL);
}
END_TEST

START_TEST(test_json_top_level_not_array_or_object)
{
    static const char *const bad[] = { "\"HS-1\"", "42", "-1.5e3", "true", "false", "null",
                                       "  \"x\"  " };
    for (size_t i = 0; i < NELEM(bad); i++)
        BODY_INVALID_STR(BODY_JSON, bad[i], NULL);
    BODY_INVALID_STR(BODY_JSON, "", NULL);
    BODY_INVALID_STR(BODY_JSON, " \n\t ", NULL);
    expect_body_invalid(BODY_JSON, "\0", 1, NULL);
    expect_body_invalid(BODY_JSON, "[]\0", 3, NULL);
    /* A BOM is not JSON whitespace. */
    BODY_INVALID_STR(BODY_JSON, "\xef\xbb\xbf[]", NULL);
}
END_TEST

START_TEST(test_json_deep_nesting)
{
    /* 400 levels inside an unknown key: valid (the scanner allows 512). */
    size_t depth = 400;
    size_t cap = strlen(REC1) + 2 * depth + 64;
    char *body = malloc(cap);
    ck_assert_ptr_nonnull(body);
    strcpy(body, "[{\"x\":");
    size_t n = strlen(body);
    memset(body + n, '[', depth);
    n += depth;
    memset(body + n, ']', depth);
    n += depth;
    body[n++] = ',';
    strcpy(body + n, &REC1[1]);  /* the rest of REC1 after its '{' */
    strcat(body, "]");
    ck_assert_int_eq(parse(BODY_JSON, body), BODY_OK);
    ck_assert_int_eq(G.n, 1);
    expect_valid(0, 0, 0);
    free(body);

    /* A nested array where a string is due: a record error. */
    ck_assert_int_eq(parse(BODY_JSON, "[{\"code\":[[[[[\"HS-1\"]]]]]}]"), BODY_OK);
    ck_assert_int_eq(G.n, 1);
    ck_assert_int_eq(G.r[0].field0, F_CODE);

    /* Far too deep: a body error, no crash, nothing emitted. */
    static const char *const units[] = { "[", "{\"a\":", "[{\"a\":" };
    for (size_t u = 0; u < NELEM(units); u++) {
        size_t reps = 200000, ul = strlen(units[u]);
        char *deep = malloc(ul * reps + 1);
        ck_assert_ptr_nonnull(deep);
        for (size_t i = 0; i < reps; i++)
            memcpy(deep + i * ul, units[u], ul);
        deep[ul * reps] = '\0';
        BODY_INVALID_STR(BODY_JSON, deep, NULL);
        free(deep);
    }
    /* Deep but closed, after a valid element. */
    size_t d2 = 100000;
    char *closed = malloc(2 * d2 + strlen(REC1) + 8);
    ck_assert_ptr_nonnull(closed);
    n = 0;
    closed[n++] = '[';
    memcpy(closed + n, REC1, strlen(REC1));
    n += strlen(REC1);
    closed[n++] = ',';
    memset(closed + n, '[', d2);
    n += d2;
    memset(closed + n, ']', d2);
    n += d2;
    closed[n++] = ']';
    expect_body_invalid(BODY_JSON, closed, n, NULL);
    free(closed);
}
END_TEST

/* ------------------------------------------------------------ the envelope */

START_TEST(test_envelope)
{
    ck_assert_int_eq(parse(BODY_JSON, "{\"service\":\"DongBoHoSoMC\",\"data\":[" DV1 "," DV2 "]}"),
                     BODY_OK);
    ck_assert_int_eq(G.n, 2);
    expect_valid(0, 0, 0);
    expect_valid(1, 1, 0);
    ck_assert_str_eq(G.r[0].d.code, "000.00.01.H62-240314-0001");
    ck_assert_str_eq(G.r[0].d.agency_code, "000.00.01.H62");
    ck_assert_int_eq(G.r[0].d.channel, CH_ONLINE);
    ck_assert_int_eq(G.r[0].d.status, 4);
    ck_assert_str_eq(G.r[1].d.agency_code, "000.00.02.H62");
    ck_assert_int_eq(G.r[1].d.channel, CH_DIRECT);
    ck_assert_int_eq(G.r[1].d.status, 10);
}
END_TEST

START_TEST(test_envelope_member_order_and_extras)
{
    ck_assert_int_eq(parse(BODY_JSON, " { \"data\" : [ " DV1 " ] , \"page\" : 1 , \"service\" : "
                                      "\"DongBoHoSoMC\" , \"total\" : {\"n\":[1,2]} } "),
                     BODY_OK);
    ck_assert_int_eq(G.n, 1);
    expect_valid(0, 0, 0);
    ck_assert_str_eq(G.r[0].d.agency_code, "000.00.01.H62");
    /* An empty data array: no records, not an error. */
    ck_assert_int_eq(parse(BODY_JSON, "{\"service\":\"DongBoHoSoMC\",\"data\":[]}"), BODY_OK);
    ck_assert_int_eq(G.n, 0);
}
END_TEST

START_TEST(test_envelope_index_is_position_in_data)
{
    ck_assert_int_eq(parse(BODY_JSON, "{\"service\":\"DongBoHoSoMC\",\"data\":[1," DV1 ",\"x\","
                                      "{\"MaHoSo\":\"NODASH\",\"TrangThaiHoSo\":2}," DV2 ",[]]}"),
                     BODY_OK);
    ck_assert_int_eq(G.n, 6);
    expect_invalid(0, 0, 0, -1, NULL);
    expect_valid(1, 1, 0);
    expect_invalid(2, 2, 0, -1, NULL);
    ck_assert_int_gt(G.r[3].nerr, 0);
    ck_assert_int_eq(G.r[3].index, 3);
    expect_valid(4, 4, 0);
    expect_invalid(5, 5, 0, -1, NULL);
}
END_TEST

START_TEST(test_envelope_data_must_be_an_array)
{
    static const char *const bad[] = {
        "{\"service\":\"DongBoHoSoMC\"}",
        "{\"service\":\"DongBoHoSoMC\",\"data\":null}",
        "{\"service\":\"DongBoHoSoMC\",\"data\":" DV1 "}",
        "{\"service\":\"DongBoHoSoMC\",\"data\":\"[]\"}",
        "{\"service\":\"DongBoHoSoMC\",\"data\":0}",
        "{\"data\":{},\"service\":\"DongBoHoSoMC\"}",
    };
    for (size_t i = 0; i < NELEM(bad); i++)
        BODY_INVALID_STR(BODY_JSON, bad[i], "data");
}
END_TEST

START_TEST(test_envelope_service_must_be_exact)
{
    /* Anything but exactly "DongBoHoSoMC" is not the envelope: the object is
     * then one canonical record (invalid: no code etc.), never DVCQG-mapped. */
    static const char *const other[] = {
        "{\"service\":\"dongbohosomc\",\"data\":[" DV1 "]}",
        "{\"service\":\"DongBoHoSoMC \",\"data\":[" DV1 "]}",
        "{\"service\":\" DongBoHoSoMC\",\"data\":[" DV1 "]}",
        "{\"service\":\"DongBoHoSo\",\"data\":[" DV1 "]}",
        "{\"service\":[\"DongBoHoSoMC\"],\"data\":[" DV1 "]}",
        "{\"Service\":\"DongBoHoSoMC\",\"data\":[" DV1 "]}",
        "{\"data\":[" DV1 "]}",
    };
    for (size_t i = 0; i < NELEM(other); i++) {
        ck_assert_msg(parse(BODY_JSON, other[i]) == BODY_OK, "%s", other[i]);
        ck_assert_msg(G.n == 1, "%s: %d records", other[i], G.n);
        ck_assert_int_gt(G.r[0].nerr, 0);
        ck_assert_int_eq(G.r[0].index, 0);
    }
    /* A top-level array of DVCQG records is not mapped either. */
    ck_assert_int_eq(parse(BODY_JSON, "[" DV1 "]"), BODY_OK);
    ck_assert_int_eq(G.n, 1);
    ck_assert_int_gt(G.r[0].nerr, 0);
}
END_TEST

START_TEST(test_envelope_syntax_error_stores_nothing)
{
    BODY_INVALID_STR(BODY_JSON, "{\"service\":\"DongBoHoSoMC\",\"data\":[" DV1 "," DV2 "]", NULL);
    BODY_INVALID_STR(BODY_JSON, "{\"service\":\"DongBoHoSoMC\",\"data\":[" DV1 "," DV2 "]},", NULL);
    BODY_INVALID_STR(BODY_JSON, "{\"data\":[" DV1 "," DV2 "],\"service\":\"DongBoHoSoMC\"", NULL);
    BODY_INVALID_STR(BODY_JSON, "{\"service\":\"DongBoHoSoMC\",\"data\":[" DV1 "," DV2 "],\"x\":[}",
                     NULL);
}
END_TEST

/* ------------------------------------------------------------ NDJSON */

START_TEST(test_ndjson_lines)
{
    const char body[] = "\xef\xbb\xbf" REC1 "\r\n"      /* line 1: BOM, CRLF */
                        "\r\n"                          /* 2: blank */
                        "   \t \n"                      /* 3: blank */
                        "{\"code\":\"HS-4\",\n"         /* 4: malformed */
                        "{\"code\":\"HS-\xff\"}\n"      /* 5: invalid UTF-8 */
                        BADREC "\n"                     /* 6: invalid record */
                        "[1,2]\n"                       /* 7: not an object */
                        "\n"                            /* 8 */
                        REC2;                           /* 9: no final newline */
    ck_assert_int_eq(parse_n(BODY_NDJSON, body, sizeof body - 1), BODY_OK);
    ck_assert_int_eq(G.n, 6);
    expect_valid(0, 0, 1);
    ck_assert_str_eq(G.r[0].d.code, "HS-1");
    expect_invalid(1, 1, 4, -1, "malformed");
    expect_invalid(2, 2, 5, -1, "UTF-8");
    expect_invalid(3, 3, 6, F_FEE, NULL);
    expect_invalid(4, 4, 7, -1, NULL);
    expect_valid(5, 5, 9);
    ck_assert_str_eq(G.r[5].d.code, "HS-2");
}
END_TEST

START_TEST(test_ndjson_edge_bodies)
{
    ck_assert_int_eq(parse(BODY_NDJSON, ""), BODY_OK);
    ck_assert_int_eq(G.n, 0);
    ck_assert_int_eq(parse(BODY_NDJSON, "\xef\xbb\xbf"), BODY_OK);
    ck_assert_int_eq(G.n, 0);
    ck_assert_int_eq(parse(BODY_NDJSON, "\n\r\n \n"), BODY_OK);
    ck_assert_int_eq(G.n, 0);
    /* Two values on a line, a bare value, a huge integer, a trailing comma. */
    ck_assert_int_eq(parse(BODY_NDJSON, REC1 REC1 "\n\"x\"\n{\"fee\":123456789012345678901234567890}\n"
                                        REC1 ",\n" REC3 "\n"),
                     BODY_OK);
    ck_assert_int_eq(G.n, 5);
    expect_invalid(0, 0, 1, -1, NULL);
    expect_invalid(1, 1, 2, -1, NULL);
    expect_invalid(2, 2, 3, -1, NULL);
    expect_invalid(3, 3, 4, -1, NULL);
    expect_valid(4, 4, 5);
    /* A JSON array on one line is one bad record, not a batch. */
    ck_assert_int_eq(parse(BODY_NDJSON, "[" REC1 "," REC2 "]\n"), BODY_OK);
    ck_assert_int_eq(G.n, 1);
    expect_invalid(0, 0, 1, -1, NULL);
    /* A NUL escape is refused (not storable). */
    ck_assert_int_eq(parse(BODY_NDJSON, "{\"code\":\"A\\u0000B\"}\n"), BODY_OK);
    ck_assert_int_eq(G.n, 1);
    ck_assert_int_gt(G.r[0].nerr, 0);
    /* Only LF ends a line: a lone CR inside a record is JSON whitespace. */
    ck_assert_int_eq(parse(BODY_NDJSON, "{\"code\":\"HS-1\",\r\"agency_code\":\"A1\","
                                        "\"procedure_code\":\"P1\",\"channel\":1,\"status\":1}\n"),
                     BODY_OK);
    ck_assert_int_eq(G.n, 1);
    expect_valid(0, 0, 1);
}
END_TEST

/* ------------------------------------------------------------ CSV */

START_TEST(test_csv_basic)
{
    const char body[] = "\xef\xbb\xbf" CSV_HEADER ",fee,paid_online,apology,supplement_count\r\n"
                        "HS-1,A1,P1,direct,2,2024-03-14 08:00,150000,TRUE,No,\r\n"
                        "HS-2,A1,P1,2,received,2024-03-14T08:00:00+07:00,,,,3\r\n";
    ck_assert_int_eq(parse(BODY_CSV, body), BODY_OK);
    ck_assert_int_eq(G.n, 2);
    expect_valid(0, 0, 2);
    expect_valid(1, 1, 3);
    const dossier_t *d = &G.r[0].d;
    ck_assert_str_eq(d->code, "HS-1");
    ck_assert_str_eq(d->agency_code, "A1");
    ck_assert_str_eq(d->procedure_code, "P1");
    ck_assert_int_eq(d->channel, CH_DIRECT);
    ck_assert_int_eq(d->status, 2);
    ck_assert(d->fee == 150000);
    ck_assert(d->paid_online);
    ck_assert(!d->apology);
    ck_assert_int_eq(d->supplement_count, 0);
    d = &G.r[1].d;
    ck_assert_int_eq(d->channel, CH_ONLINE);
    ck_assert(d->fee == FEE_NULL);
    ck_assert(!d->paid_online);
    ck_assert_int_eq(d->supplement_count, 3);
    ck_assert(d->received_at == G.r[0].d.received_at);
}
END_TEST

START_TEST(test_csv_header_any_order_unknown_ignored)
{
    ck_assert_int_eq(parse(BODY_CSV, "ChuHoSo,status,x,received_at,channel,procedure_code,x,"
                                     "agency_code,code\n"
                                     "Nguyễn Văn A,resolved,1,2024-03-14,postal,P9,2,A9,HS-9\n"),
                     BODY_OK);
    ck_assert_int_eq(G.n, 1);
    /* status 9 needs finished_at, absent here: the record is read in the
     * right columns but invalid on finished_at only. */
    expect_invalid(0, 0, 2, F_FINISHED_AT, NULL);
    const dossier_t *d = &G.r[0].d;
    ck_assert_str_eq(d->code, "HS-9");
    ck_assert_str_eq(d->agency_code, "A9");
    ck_assert_str_eq(d->procedure_code, "P9");
    ck_assert_int_eq(d->channel, CH_POSTAL);
    ck_assert_int_eq(d->status, 9);
    ck_assert_ptr_null(d->agency_name);
    ck_assert_ptr_null(d->procedure_name);
    /* Quoted header names are names too. */
    ck_assert_int_eq(parse(BODY_CSV, "\"code\",\"agency_code\",\"procedure_code\",\"channel\","
                                     "\"status\"\nHS-1,A1,P1,1,1\n"),
                     BODY_OK);
    ck_assert_int_eq(G.n, 1);
    expect_valid(0, 0, 2);
}
END_TEST

START_TEST(test_csv_header_errors)
{
    BODY_INVALID_STR(BODY_CSV, CSV_HEADER ",status\nHS-1,A1,P1,1,2,2024-03-14,2\n", "twice");
    BODY_INVALID_STR(BODY_CSV, "code," CSV_HEADER "\n", "twice");
    static const char *const req[] = { "code", "agency_code", "procedure_code", "channel",
                                       "status" };
    for (size_t i = 0; i < NELEM(req); i++) {
        /* The header without that column. */
        char header[256] = "";
        for (size_t j = 0; j < NELEM(req); j++)
            if (j != i) {
                strcat(header, req[j]);
                strcat(header, ",");
            }
        strcat(header, "received_at\nx,x,x,x,x\n");
        expect_body_invalid(BODY_CSV, header, strlen(header), req[i]);
    }
    BODY_INVALID_STR(BODY_CSV, "", NULL);
    BODY_INVALID_STR(BODY_CSV, "\xef\xbb\xbf", NULL);
    BODY_INVALID_STR(BODY_CSV, "\n\r\n\n", NULL);
    BODY_INVALID_STR(BODY_CSV, "\"code,agency_code\n", NULL);   /* malformed header */
    BODY_INVALID_STR(BODY_CSV, "Code,Agency_Code,Procedure_Code,Channel,Status\n", NULL);
    /* Unknown duplicate columns and received_at absent are fine. */
    ck_assert_int_eq(parse(BODY_CSV, "x,code,agency_code,procedure_code,channel,status,x\n"
                                     "1,HS-1,A1,P1,online,registered,2\n"),
                     BODY_OK);
    ck_assert_int_eq(G.n, 1);
    expect_valid(0, 0, 2);
    /* A header alone: no records. */
    ck_assert_int_eq(parse(BODY_CSV, CSV_HEADER "\n"), BODY_OK);
    ck_assert_int_eq(G.n, 0);
    ck_assert_int_eq(parse(BODY_CSV, CSV_HEADER), BODY_OK);
    ck_assert_int_eq(G.n, 0);
}
END_TEST

START_TEST(test_csv_row_errors_and_lines)
{
    const char body[] = CSV_HEADER ",agency_name\n"                               /* 1 */
                        "HS-1,A1,P1,direct,2,2024-03-14 08:00,\"Sở\nTư pháp\"\n"  /* 2-3 */
                        "HS-2,A1,P1,direct,2\n"                                  /* 4: too few */
                        "HS-3,A1,P1,direct,2,2024-03-14 08:00,x,extra\n"          /* 5: too many */
                        "HS-4,A1,P1,direct,2,2024-03-14 08:00,\"bad\"x\n"         /* 6: bad quote */
                        "HS-5,A1,P1,direct,2,2024-03-14 08:00,ba\"d\n"            /* 7: bare quote */
                        "\n"                                                    /* 8: blank */
                        "HS-6,A1,P1,direct,2,2024-03-14 08:00,\"a\r\nb\r\nc\"\n"  /* 9-11 */
                        "HS-7,A1,P1,direct,2,2024-03-14 08:00,S\xe1\xbb\n"        /* 12: bad UTF-8 */
                        "HS-8,A1,P1,direct,9,2024-03-14 08:00,x\n"               /* 13: no finished_at */
                        "HS-9,A1,P1,direct,2,2024-03-14 08:00,\"unterminated\n"; /* 14: unterminated */
    ck_assert_int_eq(parse(BODY_CSV, body), BODY_OK);
    ck_assert_int_eq(G.n, 9);
    expect_valid(0, 0, 2);
    ck_assert_str_eq(G.r[0].d.agency_name, "Sở\nTư pháp");
    expect_invalid(1, 1, 4, -1, "cells");
    expect_invalid(2, 2, 5, -1, "cells");
    expect_invalid(3, 3, 6, -1, "malformed");
    expect_invalid(4, 4, 7, -1, "malformed");
    expect_valid(5, 5, 9);
    ck_assert_str_eq(G.r[5].d.agency_name, "a\r\nb\r\nc");
    expect_invalid(6, 6, 12, -1, "UTF-8");
    expect_invalid(7, 7, 13, F_FINISHED_AT, NULL);
    ck_assert_str_eq(G.r[7].d.code, "HS-8");
    expect_invalid(8, 8, 14, -1, "malformed");
}
END_TEST

START_TEST(test_csv_bad_quote_then_good_row)
{
    ck_assert_int_eq(parse(BODY_CSV, CSV_HEADER "\n"
                                     "\"HS-1\"x,A1,P1,direct,2,2024-03-14\n"
                                     "HS-2,A1,P1,direct,2,2024-03-14\n"
                                     "HS-3,\"A\"1\",P1,direct,2,2024-03-14\n"
                                     "HS-4,A1,P1,direct,2,2024-03-14"),
                     BODY_OK);
    ck_assert_int_eq(G.n, 4);
    expect_invalid(0, 0, 2, -1, NULL);
    expect_valid(1, 1, 3);
    ck_assert_str_eq(G.r[1].d.code, "HS-2");
    expect_invalid(2, 2, 4, -1, NULL);
    expect_valid(3, 3, 5);
    ck_assert_str_eq(G.r[3].d.code, "HS-4");
}
END_TEST

START_TEST(test_csv_nul_byte_not_silently_truncated)
{
    /* A NUL byte in a code cell cannot be stored (PostgreSQL text refuses
     * it, the JSON paths reject \u0000). Storing "HS" for "HS\0-1" would
     * silently merge different dossiers: the record must be rejected (or
     * at least keep the whole value). */
    const char body[] = CSV_HEADER "\nHS\0-1,A1,P1,direct,2,2024-03-14\n";
    ck_assert_int_eq(parse_n(BODY_CSV, body, sizeof body - 1), BODY_OK);
    ck_assert_int_eq(G.n, 1);
    ck_assert_msg(G.r[0].nerr > 0, "a code with a NUL byte was accepted as '%s'", G.r[0].d.code);
}
END_TEST

/* ------------------------------------------------------------ the sink stops */

START_TEST(test_sink_abort)
{
    static const struct { body_format f; const char *body; } cases[] = {
        { BODY_JSON, "[" REC1 "," REC2 "," REC3 "]" },
        { BODY_JSON, "{\"service\":\"DongBoHoSoMC\",\"data\":[" DV1 "," DV2 "," DV1 "]}" },
        { BODY_NDJSON, REC1 "\n" REC2 "\n" REC3 "\n" },
        { BODY_CSV, CSV_HEADER "\nHS-1,A,P,1,1,\nHS-2,A,P,1,1,\nHS-3,A,P,1,1,\n" },
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        G.stop_after = 2;
        ck_assert_msg(parse(cases[i].f, cases[i].body) == BODY_ABORTED, "case %zu", i);
        ck_assert_int_eq(G.n, 2);
    }
}
END_TEST

/* ------------------------------------------------------------ robustness */

/* Checks a valid record's invariants; returns a description of the first
 * broken one, or NULL. */
static const char *broken_invariant(const rec_builder *rb)
{
    const dossier_t *d = &rb->d;
    if (rb->nerr > 0)
        return NULL;
    if (!d->code || !d->agency_code || !d->procedure_code)
        return "a required code is NULL";
    if (d->status < 1 || d->status > 10)
        return "status out of 1..10";
    if (d->channel < 1 || d->channel > 3)
        return "channel out of 1..3";
    if (d->service_level != 0 && (d->service_level < 2 || d->service_level > 4))
        return "service_level out of 2..4";
    if (d->fee < 0 && d->fee != FEE_NULL)
        return "negative fee";
    if (d->supplement_count < 0)
        return "negative supplement_count";
    if (d->status != 1 && d->status != 3 && d->received_at == TS_NULL)
        return "received_at missing";
    if (status_finished(d->status) && d->finished_at == TS_NULL)
        return "finished_at missing";
    if ((d->status == 2 || d->status == 4 || status_waiting(d->status)) &&
        d->finished_at != TS_NULL)
        return "finished_at on an open status";
    if (d->received_at != TS_NULL && d->due_at != TS_NULL && d->due_at < d->received_at)
        return "due before received";
    if (d->received_at != TS_NULL && d->finished_at != TS_NULL && d->finished_at < d->received_at)
        return "finished before received";
    const char *codes[] = { d->code, d->agency_code, d->procedure_code, d->field_code };
    for (size_t i = 0; i < NELEM(codes); i++)
        if (codes[i] && (!utf8_valid(codes[i], strlen(codes[i])) ||
                         utf8_length(codes[i], strlen(codes[i])) > CODE_MAX_CHARS))
            return "a code is invalid UTF-8 or longer than 64 characters";
    const char *names[] = { d->agency_name, d->procedure_name };
    for (size_t i = 0; i < NELEM(names); i++)
        if (names[i] && !utf8_valid(names[i], strlen(names[i])))
            return "a name is invalid UTF-8";
    return NULL;
}

static struct {
    long emitted;
    long valid;
    const char *broken;
} F;

static int check_sink(void *ctx, rec_builder *rb, long index, long line)
{
    (void)index;
    (void)line;
    arena_t *a = ctx;
    F.emitted++;
    if (rb->nerr == 0)
        F.valid++;
    const char *b = broken_invariant(rb);
    if (b && !F.broken)
        F.broken = b;
    arena_reset(a); /* as the ingest sink does */
    return 0;
}

/* Parses an exact-size copy with the invariant-checking sink; aborts the
 * test on a broken invariant or an emit-then-fail. Returns body_parse's rc. */
static int robust_parse(body_format f, const char *buf, size_t len, const char *what, long n)
{
    char *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    if (len)
        memcpy(copy, buf, len);
    memset(&F, 0, sizeof F);
    record_sink sink = { &A, check_sink, &A };
    int rc = body_parse(f, copy, len, &sink, MSG, sizeof MSG);
    free(copy);
    if (F.broken)
        ck_abort_msg("%s #%ld: a valid record breaks an invariant: %s", what, n, F.broken);
    if (rc == BODY_INVALID && F.emitted > 0)
        ck_abort_msg("%s #%ld: %ld records emitted, then BODY_INVALID", what, n, F.emitted);
    if (rc != BODY_OK && rc != BODY_INVALID)
        ck_abort_msg("%s #%ld: unexpected rc %d", what, n, rc);
    return rc;
}

static const char JSON_SAMPLE[] = "[" REC1 ",\n" REC2 "," BADREC "," REC3 ",{\"code\":\"HS-5\","
    "\"agency_code\":\"A\",\"procedure_code\":\"P\",\"channel\":3,\"status\":\"stopped\","
    "\"received_at\":\"2024-03-14\",\"finished_at\":\"2024-03-15\",\"due_at\":\"2024-03-20\","
    "\"agency_name\":\"S\\u1edf \\\"T\\u01b0\\\" ph\\u00e1p\",\"service_level\":3,"
    "\"supplement_count\":2,\"apology\":false,\"x\":[1,{\"y\":null}]}]";
static const char OBJ_SAMPLE[] = REC2;
static const char ENV_SAMPLE[] = "{\"service\":\"DongBoHoSoMC\",\"data\":[" DV1 "," DV2 ","
    "{\"MaHoSo\":\"H62-9\",\"MaTTHC\":1004,\"KenhThucHien\":\"3\",\"TrangThaiHoSo\":\"9\","
    "\"NgayTiepNhan\":\"20240314083000\",\"NgayKetThucXuLy\":\"20240316083000\","
    "\"DanhSachLePhi\":[{\"Gia\":\"1000\"},{\"Gia\":2000}],\"DuocThanhToanTrucTuyen\":1,"
    "\"DanhSachHoSoBoSung\":[{\"NgayBoSung\":\"20240315083000\"}],\"ChuHoSo\":\"Nguyễn Văn A\"}]}";
static const char NDJSON_SAMPLE[] = "\xef\xbb\xbf" REC1 "\r\n\n" REC2 "\n" BADREC "\n" REC3;
static const char CSV_SAMPLE[] = "\xef\xbb\xbf" CSV_HEADER ",finished_at,agency_name,fee,apology\r\n"
    "HS-1,A1,P1,direct,2,2024-03-14 08:00,,\"Sở, \"\"Tư\"\"\nPháp\",100,yes\r\n"
    "HS-2,A1,P1,online,resolved,2024-03-14,2024-03-15,,0,FALSE\r\n"
    "HS-3,A1,P1,3,1,,,,,\r\n"
    "HS-4,A1,P1,direct,2,2024-03-14 08:00,,x,-1,\r\n";

static const struct {
    const char *name;
    body_format f;
    const char *buf;
    size_t len;
} SAMPLES[] = {
    { "json", BODY_JSON, JSON_SAMPLE, sizeof JSON_SAMPLE - 1 },
    { "object", BODY_JSON, OBJ_SAMPLE, sizeof OBJ_SAMPLE - 1 },
    { "envelope", BODY_JSON, ENV_SAMPLE, sizeof ENV_SAMPLE - 1 },
    { "ndjson", BODY_NDJSON, NDJSON_SAMPLE, sizeof NDJSON_SAMPLE - 1 },
    { "csv", BODY_CSV, CSV_SAMPLE, sizeof CSV_SAMPLE - 1 },
};

START_TEST(test_samples_parse)
{
    /* The samples themselves: OK, with valid and invalid records as written. */
    static const long want_valid[] = { 4, 1, 3, 3, 3 };
    static const long want_emitted[] = { 5, 1, 3, 4, 4 };
    for (size_t i = 0; i < NELEM(SAMPLES); i++) {
        int rc = robust_parse(SAMPLES[i].f, SAMPLES[i].buf, SAMPLES[i].len, SAMPLES[i].name, 0);
        ck_assert_msg(rc == BODY_OK, "%s: rc %d (%s)", SAMPLES[i].name, rc, MSG);
        ck_assert_msg(F.emitted == want_emitted[i] && F.valid == want_valid[i],
                      "%s: %ld emitted, %ld valid", SAMPLES[i].name, F.emitted, F.valid);
    }
}
END_TEST

START_TEST(test_truncated_at_every_byte)
{
    for (size_t i = 0; i < NELEM(SAMPLES); i++)
        for (size_t cut = 0; cut < SAMPLES[i].len; cut++) {
            int rc = robust_parse(SAMPLES[i].f, SAMPLES[i].buf, cut, SAMPLES[i].name, (long)cut);
            /* No proper prefix of a JSON sample is valid JSON: a 400 with nothing emitted. */
            if (SAMPLES[i].f == BODY_JSON && rc != BODY_INVALID)
                ck_abort_msg("%s cut at %zu: rc %d, want BODY_INVALID", SAMPLES[i].name, cut, rc);
        }
}
END_TEST

/* xorshift64*: deterministic, so a failure is reproducible. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

/* Applies 1..4 random edits to buf (capacity cap), returns the new length. */
static size_t mutate(char *buf, size_t len, size_t cap)
{
    static const char interesting[] = "\"{}[],:\n\r\\0-9eE.\xff\xc3\xe1\xbb\x80 \t";
    int edits = 1 + (int)(rnd() % 4);
    for (int e = 0; e < edits; e++) {
        size_t pos = len ? (size_t)(rnd() % len) : 0;
        switch (rnd() % 6) {
        case 0: /* overwrite with a random byte */
            if (len) buf[pos] = (char)(rnd() & 0xff);
            break;
        case 1: /* overwrite with an interesting byte */
            if (len) buf[pos] = interesting[rnd() % (sizeof interesting - 1)];
            break;
        case 2: /* insert */
            if (len < cap) {
                memmove(buf + pos + 1, buf + pos, len - pos);
                buf[pos] = interesting[rnd() % (sizeof interesting - 1)];
                len++;
            }
            break;
        case 3: /* delete a short run */
            if (len) {
                size_t k = 1 + (size_t)(rnd() % 8);
                if (k > len - pos) k = len - pos;
                memmove(buf + pos, buf + pos + k, len - pos - k);
                len -= k;
            }
            break;
        case 4: /* truncate */
            len = pos;
            break;
        default: /* duplicate a short run */
            if (len) {
                size_t k = 1 + (size_t)(rnd() % 16);
                if (k > len - pos) k = len - pos;
                if (len + k <= cap) {
                    memmove(buf + pos + k, buf + pos, len - pos);
                    len += k;
                }
            }
            break;
        }
    }
    return len;
}

START_TEST(test_random_mutations)
{
    rng_state = UINT64_C(0x9e3779b97f4a7c15);
    long runs = 0, valid = 0, invalid_bodies = 0;
    for (size_t i = 0; i < NELEM(SAMPLES); i++) {
        size_t cap = SAMPLES[i].len + 64;
        char *buf = malloc(cap);
        ck_assert_ptr_nonnull(buf);
        for (int iter = 0; iter < 2000; iter++) {
            memcpy(buf, SAMPLES[i].buf, SAMPLES[i].len);
            size_t len = mutate(buf, SAMPLES[i].len, cap);
            int rc = robust_parse(SAMPLES[i].f, buf, len, SAMPLES[i].name, iter);
            runs++;
            valid += F.valid;
            invalid_bodies += rc == BODY_INVALID;
            /* The same bytes read as the other formats must not crash either. */
            if (iter % 4 == 0) {
                robust_parse((body_format)((SAMPLES[i].f + 1) % 3), buf, len, SAMPLES[i].name, iter);
                robust_parse((body_format)((SAMPLES[i].f + 2) % 3), buf, len, SAMPLES[i].name, iter);
            }
        }
        free(buf);
    }
    /* The mutations are mild enough that many bodies still carry valid records. */
    ck_assert_int_eq(runs, 10000);
    ck_assert_int_gt(valid, 2000);
    ck_assert_int_gt(invalid_bodies, 200);
}
END_TEST

Suite *make_body_suite(void)
{
    Suite *s = suite_create("body");
    TCase *tc = tcase_create("content_type");
    tcase_add_test(tc, test_content_types_accepted);
    tcase_add_test(tc, test_content_types_refused);
    tcase_add_test(tc, test_content_type_strict_tokens);
    tcase_add_test(tc, test_format_from_filename);
    suite_add_tcase(s, tc);

    tc = tcase_create("json");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_json_array_of_records);
    tcase_add_test(tc, test_json_empty_array);
    tcase_add_test(tc, test_json_single_object);
    tcase_add_test(tc, test_json_element_not_an_object);
    tcase_add_test(tc, test_json_integer_beyond_64_bits);
    tcase_add_test(tc, test_json_syntax_error_anywhere);
    tcase_add_test(tc, test_json_invalid_utf8_is_a_syntax_error);
    tcase_add_test(tc, test_json_top_level_not_array_or_object);
    tcase_add_test(tc, test_json_deep_nesting);
    suite_add_tcase(s, tc);

    tc = tcase_create("envelope");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_envelope);
    tcase_add_test(tc, test_envelope_member_order_and_extras);
    tcase_add_test(tc, test_envelope_index_is_position_in_data);
    tcase_add_test(tc, test_envelope_data_must_be_an_array);
    tcase_add_test(tc, test_envelope_service_must_be_exact);
    tcase_add_test(tc, test_envelope_syntax_error_stores_nothing);
    suite_add_tcase(s, tc);

    tc = tcase_create("ndjson");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ndjson_lines);
    tcase_add_test(tc, test_ndjson_edge_bodies);
    suite_add_tcase(s, tc);

    tc = tcase_create("csv");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_csv_basic);
    tcase_add_test(tc, test_csv_header_any_order_unknown_ignored);
    tcase_add_test(tc, test_csv_header_errors);
    tcase_add_test(tc, test_csv_row_errors_and_lines);
    tcase_add_test(tc, test_csv_bad_quote_then_good_row);
    tcase_add_test(tc, test_csv_nul_byte_not_silently_truncated);
    tcase_add_test(tc, test_sink_abort);
    suite_add_tcase(s, tc);

    tc = tcase_create("robustness");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_samples_parse);
    tcase_add_test(tc, test_truncated_at_every_byte);
    tcase_add_test(tc, test_random_mutations);
    suite_add_tcase(s, tc);
    return s;
}
