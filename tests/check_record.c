/*
 * check_record.c - tests for building and validating one dossier record
 * (service/record.c, spec §3 and §3.3).
 *
 * Why: every input format funnels through rec_set_text / rec_set_json and
 * rec_finish, and §3.3 says exactly which problems reject a record ("Nothing
 * else"). These tests pin each field kind from text (CSV cells) and from JSON
 * (strict typing), every timestamp form, the cross-field rules, the code
 * length limit in characters and the UTF-8 validator.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dossier.h"
#include "record.h"
#include "ts.h"

/* ------------------------------------------------------------ fixtures */

static arena_t A;
static rec_builder RB;

static void setup(void)
{
    arena_init(&A);
    rec_init(&RB);
}

static void teardown(void)
{
    arena_free(&A);
}

/* ------------------------------------------------------------ helpers */

/* Starts a new record in the same arena. */
static void fresh(void)
{
    rec_init(&RB);
}

/* All recorded errors as one line, for failure messages. */
static const char *dump(void)
{
    static char buf[2048];
    size_t off = 0;
    int n = RB.nerr < REC_MAX_ERRORS ? RB.nerr : REC_MAX_ERRORS;
    buf[0] = '\0';
    for (int i = 0; i < n && off < sizeof buf; i++) {
        const char *f = field_name(RB.err[i].field);
        off += (size_t)snprintf(buf + off, sizeof buf - off, "[%s: %s] ", f ? f : "(record)",
                                RB.err[i].message);
    }
    return buf;
}

static int errors_on(int field)
{
    int n = RB.nerr < REC_MAX_ERRORS ? RB.nerr : REC_MAX_ERRORS, c = 0;
    for (int i = 0; i < n; i++)
        if (RB.err[i].field == field)
            c++;
    return c;
}

/* A text value, as a CSV cell. */
static void set_t(int f, const char *s)
{
    rec_set_text(&RB, &A, f, s, strlen(s));
}

/* A JSON value given as JSON text (strict, or lenient as in the DVCQG envelope). */
static void set_json_text(int f, const char *json, size_t n, bool lenient)
{
    json_error_t e;
    json_t *v = json_loadb(json, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    ck_assert_msg(v != NULL, "test JSON '%s' does not parse: %s", json, e.text);
    rec_set_json(&RB, &A, f, v, lenient);
    json_decref(v);
}

static void set_j(int f, const char *json) { set_json_text(f, json, strlen(json), false); }
static void set_jl(int f, const char *json) { set_json_text(f, json, strlen(json), true); }

/* Exactly one error, on `field`. */
static void expect_one_error(int field, const char *what)
{
    ck_assert_msg(RB.nerr == 1 && RB.err[0].field == field,
                  "%s: expected one error on %s, got %d: %s", what, field_name(field), RB.nerr,
                  dump());
}

static void expect_no_error(const char *what)
{
    ck_assert_msg(RB.nerr == 0, "%s: unexpected errors: %s", what, dump());
}

/* A text cell that must be accepted / rejected (with exactly one error on f). */
static void text_ok(int f, const char *s)
{
    fresh();
    set_t(f, s);
    expect_no_error(s);
}

static void text_bad(int f, const char *s)
{
    fresh();
    set_t(f, s);
    expect_one_error(f, s);
}

static void json_ok(int f, const char *json)
{
    fresh();
    set_j(f, json);
    expect_no_error(json);
}

static void json_bad(int f, const char *json)
{
    fresh();
    set_j(f, json);
    expect_one_error(f, json);
}

/* Local time in Vietnam (UTC+07:00) as an instant, computed independently of ts_parse. */
static ts_t vn(int y, int mo, int d, int h, int mi, int s, int64_t us)
{
    int64_t sec = (int64_t)day_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return sec * TS_US_PER_SEC + us - TS_VN_OFFSET_US;
}

static ts_t utc(int y, int mo, int d, int h, int mi, int s, int64_t us)
{
    return vn(y, mo, d, h, mi, s, us) + TS_VN_OFFSET_US;
}

/* The minimal valid record with the given status (received 14/03/2024 08:00). */
static void base(int status)
{
    fresh();
    set_t(F_CODE, "HS-0001");
    set_t(F_AGENCY_CODE, "000.00.01.H62");
    set_t(F_PROCEDURE_CODE, "1.004227");
    set_t(F_CHANNEL, "direct");
    char st[16];
    snprintf(st, sizeof st, "%d", status);
    set_t(F_STATUS, st);
    set_t(F_RECEIVED_AT, "2024-03-14T08:00:00+07:00");
}

/* n copies of the UTF-8 string unit. */
static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    return s;
}

static const int CODE_FIELDS[] = { F_CODE, F_AGENCY_CODE, F_PROCEDURE_CODE, F_FIELD_CODE };
static const int TS_FIELDS[] = { F_RECEIVED_AT, F_DUE_AT, F_FINISHED_AT, F_RETURNED_AT,
                                 F_EXTENDED_DUE_AT, F_SUPPLEMENT_REQUESTED_AT, F_UPDATED_AT };

static ts_t ts_value(int f)
{
    switch (f) {
    case F_RECEIVED_AT: return RB.d.received_at;
    case F_DUE_AT: return RB.d.due_at;
    case F_FINISHED_AT: return RB.d.finished_at;
    case F_RETURNED_AT: return RB.d.returned_at;
    case F_EXTENDED_DUE_AT: return RB.d.extended_due_at;
    case F_SUPPLEMENT_REQUESTED_AT: return RB.d.supplement_requested_at;
    case F_UPDATED_AT: return RB.d.updated_at;
    default: return TS_NULL;
    }
}

static const char *str_value(int f)
{
    switch (f) {
    case F_CODE: return RB.d.code;
    case F_AGENCY_CODE: return RB.d.agency_code;
    case F_AGENCY_NAME: return RB.d.agency_name;
    case F_PROCEDURE_CODE: return RB.d.procedure_code;
    case F_PROCEDURE_NAME: return RB.d.procedure_name;
    case F_FIELD_CODE: return RB.d.field_code;
    default: return NULL;
    }
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ names */

START_TEST(test_field_names_round_trip)
{
    static const char *const names[F__COUNT] = {
        "code", "agency_code", "agency_name", "procedure_code", "procedure_name", "field_code",
        "service_level", "channel", "status", "received_at", "due_at", "finished_at",
        "returned_at", "extended_due_at", "apology", "supplement_count",
        "supplement_requested_at", "fee", "paid_online", "updated_at",
    };
    for (int f = 0; f < F__COUNT; f++) {
        ck_assert_str_eq(field_name(f), names[f]);
        ck_assert_int_eq(field_lookup(names[f], strlen(names[f])), f);
    }
    ck_assert_ptr_null(field_name(-1));
    ck_assert_ptr_null(field_name(F__COUNT));
    ck_assert_int_eq(field_lookup("cod", 3), -1);
    ck_assert_int_eq(field_lookup("code ", 5), -1);
    ck_assert_int_eq(field_lookup("Code", 4), -1);
    ck_assert_int_eq(field_lookup("MaHoSo", 6), -1);
    ck_assert_int_eq(field_lookup("", 0), -1);
    ck_assert_int_eq(field_lookup("codeX", 4), F_CODE); /* length-bounded */
}
END_TEST

START_TEST(test_status_and_channel_names)
{
    static const char *const st[] = { "registered", "received", "not_accepted", "processing",
                                      "supplement_requested", "payment_requested", "withdrawn",
                                      "stopped", "resolved", "returned" };
    for (int i = 1; i <= 10; i++) {
        ck_assert_str_eq(status_name(i), st[i - 1]);
        ck_assert_int_eq(status_from_name(st[i - 1], strlen(st[i - 1])), i);
        ck_assert_ptr_nonnull(status_label_vi(i));
    }
    ck_assert_ptr_null(status_name(0));
    ck_assert_ptr_null(status_name(11));
    ck_assert_int_eq(status_from_name("Received", 8), 0);
    ck_assert_int_eq(status_from_name("receive", 7), 0);
    static const char *const ch[] = { "direct", "online", "postal" };
    for (int i = 1; i <= 3; i++) {
        ck_assert_str_eq(channel_name(i), ch[i - 1]);
        ck_assert_int_eq(channel_from_name(ch[i - 1], strlen(ch[i - 1])), i);
    }
    ck_assert_ptr_null(channel_name(0));
    ck_assert_ptr_null(channel_name(4));
    ck_assert_int_eq(channel_from_name("email", 5), 0);
}
END_TEST

/* ------------------------------------------------------------ defaults */

START_TEST(test_defaults)
{
    const dossier_t *d = &RB.d;
    ck_assert_ptr_null(d->code);
    ck_assert_ptr_null(d->agency_name);
    ck_assert_int_eq(d->service_level, 0);
    ck_assert_int_eq(d->channel, 0);
    ck_assert_int_eq(d->status, 0);
    for (size_t i = 0; i < NELEM(TS_FIELDS); i++)
        ck_assert(ts_value(TS_FIELDS[i]) == TS_NULL);
    ck_assert(!d->apology);
    ck_assert(!d->paid_online);
    ck_assert_int_eq(d->supplement_count, 0);
    ck_assert(d->fee == FEE_NULL);
    ck_assert_int_eq(RB.nerr, 0);
    ck_assert(!RB.oom);

    /* The minimal valid record keeps those defaults. */
    base(2);
    rec_finish(&RB);
    expect_no_error("minimal record");
    ck_assert(!RB.d.apology && !RB.d.paid_online);
    ck_assert_int_eq(RB.d.supplement_count, 0);
    ck_assert(RB.d.fee == FEE_NULL);
    ck_assert_int_eq(RB.d.service_level, 0);
}
END_TEST

START_TEST(test_out_of_range_field_is_ignored)
{
    set_t(-1, "x");
    set_t(F__COUNT, "x");
    json_t *v = json_string("x");
    rec_set_json(&RB, &A, -1, v, false);
    rec_set_json(&RB, &A, F__COUNT, v, true);
    json_decref(v);
    ck_assert_int_eq(RB.nerr, 0);
}
END_TEST

START_TEST(test_rec_fail_limits)
{
    char longmsg[300];
    memset(longmsg, 'x', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    for (int i = 0; i < REC_MAX_ERRORS + 3; i++)
        rec_fail(&RB, i % F__COUNT, "%s", longmsg);
    ck_assert_int_eq(RB.nerr, REC_MAX_ERRORS + 3);
    ck_assert_int_eq(RB.err[REC_MAX_ERRORS - 1].field, (REC_MAX_ERRORS - 1) % F__COUNT);
    ck_assert_uint_eq(strlen(RB.err[0].message), REC_MSG_MAX - 1);
}
END_TEST

/* ------------------------------------------------------------ strings */

START_TEST(test_strings_from_text)
{
    static const int all[] = { F_CODE, F_AGENCY_CODE, F_AGENCY_NAME, F_PROCEDURE_CODE,
                               F_PROCEDURE_NAME, F_FIELD_CODE };
    for (size_t i = 0; i < NELEM(all); i++) {
        fresh();
        set_t(all[i], "Sở Tư pháp, \"quoted\"\nline");
        expect_no_error(field_name(all[i]));
        ck_assert_str_eq(str_value(all[i]), "Sở Tư pháp, \"quoted\"\nline");
        set_t(all[i], "");          /* empty = null, replacing the earlier value */
        ck_assert_ptr_null(str_value(all[i]));
        expect_no_error("empty");
    }
    /* Copies: the caller's buffer may change afterwards. */
    char buf[] = "HS-1";
    fresh();
    rec_set_text(&RB, &A, F_CODE, buf, 4);
    buf[0] = 'X';
    ck_assert_str_eq(RB.d.code, "HS-1");
    /* Only n bytes are taken. */
    rec_set_text(&RB, &A, F_CODE, "HS-12345", 4);
    ck_assert_str_eq(RB.d.code, "HS-1");
}
END_TEST

START_TEST(test_strings_from_json)
{
    json_ok(F_CODE, "\"HS-1\"");
    ck_assert_str_eq(RB.d.code, "HS-1");
    json_ok(F_AGENCY_NAME, "\"S\\u1edf T\\u01b0 ph\\u00e1p\"");
    ck_assert_str_eq(RB.d.agency_name, "Sở Tư pháp");
    json_ok(F_CODE, "null");
    ck_assert_ptr_null(RB.d.code);
    json_ok(F_CODE, "\"\"");
    ck_assert_ptr_null(RB.d.code);

    /* Strict typing: arrays, objects, numbers, booleans where a string is due. */
    static const char *const wrong[] = { "[]", "[\"HS-1\"]", "{}", "{\"a\":\"b\"}", "123",
                                         "1.5", "true", "false" };
    static const int fields[] = { F_CODE, F_AGENCY_CODE, F_AGENCY_NAME, F_PROCEDURE_CODE,
                                  F_PROCEDURE_NAME, F_FIELD_CODE };
    for (size_t f = 0; f < NELEM(fields); f++)
        for (size_t i = 0; i < NELEM(wrong); i++) {
            json_bad(fields[f], wrong[i]);
            ck_assert_ptr_null(str_value(fields[f]));
        }
}
END_TEST

START_TEST(test_nul_in_json_string_rejected)
{
    static const char j[] = "\"HS\\u00001\"";
    fresh();
    set_j(F_CODE, j);
    expect_one_error(F_CODE, "NUL in code");
    fresh();
    set_j(F_AGENCY_NAME, j);
    expect_one_error(F_AGENCY_NAME, "NUL in agency_name");
    fresh();
    set_j(F_RECEIVED_AT, "\"2024-03-14\\u0000\"");
    expect_one_error(F_RECEIVED_AT, "NUL in a timestamp");
}
END_TEST

START_TEST(test_code_length_ascii)
{
    char *c64 = repeat("A", 64), *c65 = repeat("A", 65);
    for (size_t i = 0; i < NELEM(CODE_FIELDS); i++) {
        text_ok(CODE_FIELDS[i], c64);
        ck_assert_str_eq(str_value(CODE_FIELDS[i]), c64);
        text_bad(CODE_FIELDS[i], c65);
        ck_assert_ptr_null(str_value(CODE_FIELDS[i]));
    }
    /* Names have no limit. */
    text_ok(F_AGENCY_NAME, c65);
    text_ok(F_PROCEDURE_NAME, c65);
    free(c64);
    free(c65);
}
END_TEST

START_TEST(test_code_length_counts_characters)
{
    /* "Ệ" is 3 bytes, "😀" 4: 64 characters are 192 / 256 bytes and fit. */
    static const char *const units[] = { "\xe1\xbb\x86", "\xf0\x9f\x98\x80", "\xc4\x90" };
    for (size_t u = 0; u < NELEM(units); u++) {
        char *c64 = repeat(units[u], 64), *c65 = repeat(units[u], 65);
        for (size_t i = 0; i < NELEM(CODE_FIELDS); i++) {
            text_ok(CODE_FIELDS[i], c64);
            ck_assert_str_eq(str_value(CODE_FIELDS[i]), c64);
            text_bad(CODE_FIELDS[i], c65);
        }
        /* The same through JSON. */
        size_t n = strlen(c64);
        char *j = malloc(n + 3);
        ck_assert_ptr_nonnull(j);
        j[0] = '"';
        memcpy(j + 1, c64, n);
        j[n + 1] = '"';
        j[n + 2] = '\0';
        json_ok(F_CODE, j);
        ck_assert_str_eq(RB.d.code, c64);
        free(j);
        free(c64);
        free(c65);
    }
    /* A mixed Vietnamese code of exactly 64 characters. */
    char mixed[512] = "HS-ĐỒNGNAI-";
    while (utf8_length(mixed, strlen(mixed)) < 64)
        strcat(mixed, "ữ");
    ck_assert_uint_eq(utf8_length(mixed, strlen(mixed)), 64);
    text_ok(F_CODE, mixed);
    strcat(mixed, "1");
    text_bad(F_CODE, mixed);
}
END_TEST

START_TEST(test_ten_megabyte_strings)
{
    size_t n = 10u * 1024u * 1024u;
    char *big = malloc(n + 3);
    ck_assert_ptr_nonnull(big);
    memset(big + 1, 'x', n);
    big[0] = '"';
    big[n + 1] = '"';
    big[n + 2] = '\0';

    /* In a code: over the limit, one error and no "required" on top. */
    base(2);
    rec_set_text(&RB, &A, F_CODE, big + 1, n);
    expect_one_error(F_CODE, "10 MB code");
    rec_finish(&RB);
    expect_one_error(F_CODE, "10 MB code, finished");

    /* In agency_name / procedure_name: accepted, kept whole. */
    base(2);
    rec_set_text(&RB, &A, F_AGENCY_NAME, big + 1, n);
    rec_set_text(&RB, &A, F_PROCEDURE_NAME, big + 1, n);
    rec_finish(&RB);
    expect_no_error("10 MB names");
    ck_assert_uint_eq(strlen(RB.d.agency_name), n);
    ck_assert_uint_eq(strlen(RB.d.procedure_name), n);

    /* And from JSON. */
    base(2);
    set_json_text(F_AGENCY_NAME, big, n + 2, false);
    set_json_text(F_CODE, big, n + 2, false);
    rec_finish(&RB);
    expect_one_error(F_CODE, "10 MB JSON code");
    ck_assert_uint_eq(strlen(RB.d.agency_name), n);
    free(big);
}
END_TEST

/* ------------------------------------------------------------ service_level */

START_TEST(test_service_level)
{
    for (int l = 2; l <= 4; l++) {
        char s[16];
        snprintf(s, sizeof s, "%d", l);
        text_ok(F_SERVICE_LEVEL, s);
        ck_assert_int_eq(RB.d.service_level, l);
        json_ok(F_SERVICE_LEVEL, s);
        ck_assert_int_eq(RB.d.service_level, l);
    }
    static const char *const bad_text[] = { "0", "1", "5", "-3", "abc", "3.0", " 3", "3 ",
                                            "+3", "ba", "99999999999999999999" };
    for (size_t i = 0; i < NELEM(bad_text); i++) {
        text_bad(F_SERVICE_LEVEL, bad_text[i]);
        ck_assert_int_eq(RB.d.service_level, 0);
    }
    static const char *const bad_json[] = { "1", "5", "0", "-2", "\"3\"", "3.0", "3.5", "true",
                                            "[3]", "{}" };
    for (size_t i = 0; i < NELEM(bad_json); i++)
        json_bad(F_SERVICE_LEVEL, bad_json[i]);
    text_ok(F_SERVICE_LEVEL, "");
    ck_assert_int_eq(RB.d.service_level, 0);
    json_ok(F_SERVICE_LEVEL, "null");
    ck_assert_int_eq(RB.d.service_level, 0);
    /* Lenient (DVCQG): a numeric string is fine. */
    fresh();
    set_jl(F_SERVICE_LEVEL, "\"4\"");
    expect_no_error("lenient \"4\"");
    ck_assert_int_eq(RB.d.service_level, 4);
}
END_TEST

/* ------------------------------------------------------------ channel, status */

START_TEST(test_channel)
{
    static const char *const names[] = { "direct", "online", "postal" };
    for (int c = 1; c <= 3; c++) {
        char num[16], jnum[16], jname[32];
        snprintf(num, sizeof num, "%d", c);
        snprintf(jnum, sizeof jnum, "\"%d\"", c);
        snprintf(jname, sizeof jname, "\"%s\"", names[c - 1]);
        text_ok(F_CHANNEL, names[c - 1]);
        ck_assert_int_eq(RB.d.channel, c);
        text_ok(F_CHANNEL, num);
        ck_assert_int_eq(RB.d.channel, c);
        json_ok(F_CHANNEL, jname);
        ck_assert_int_eq(RB.d.channel, c);
        json_ok(F_CHANNEL, num);
        ck_assert_int_eq(RB.d.channel, c);
        json_ok(F_CHANNEL, jnum);
        ck_assert_int_eq(RB.d.channel, c);
    }
    static const char *const bad_text[] = { "0", "4", "-1", "email", "Online", "DIRECT",
                                            " direct", "direct ", "2.0", "truc_tiep" };
    for (size_t i = 0; i < NELEM(bad_text); i++) {
        text_bad(F_CHANNEL, bad_text[i]);
        ck_assert_int_eq(RB.d.channel, 0);
    }
    static const char *const bad_json[] = { "0", "4", "2.0", "true", "[1]", "{}",
                                            "\"kiosk\"", "\"Online\"" };
    for (size_t i = 0; i < NELEM(bad_json); i++)
        json_bad(F_CHANNEL, bad_json[i]);
    json_ok(F_CHANNEL, "\"\"");
    ck_assert_int_eq(RB.d.channel, 0);
}
END_TEST

START_TEST(test_status)
{
    static const char *const names[] = { "registered", "received", "not_accepted", "processing",
                                         "supplement_requested", "payment_requested",
                                         "withdrawn", "stopped", "resolved", "returned" };
    for (int s = 1; s <= 10; s++) {
        char num[16], jnum[16], jname[32];
        snprintf(num, sizeof num, "%d", s);
        snprintf(jnum, sizeof jnum, "\"%d\"", s);
        snprintf(jname, sizeof jname, "\"%s\"", names[s - 1]);
        text_ok(F_STATUS, names[s - 1]);
        ck_assert_int_eq(RB.d.status, s);
        text_ok(F_STATUS, num);
        ck_assert_int_eq(RB.d.status, s);
        json_ok(F_STATUS, jname);
        ck_assert_int_eq(RB.d.status, s);
        json_ok(F_STATUS, num);
        ck_assert_int_eq(RB.d.status, s);
        json_ok(F_STATUS, jnum);
        ck_assert_int_eq(RB.d.status, s);
    }
    static const char *const bad_text[] = { "0", "11", "-1", "done", "Received", "RESOLVED",
                                            "received ", "9.0", "Đã xử lý xong", "x" };
    for (size_t i = 0; i < NELEM(bad_text); i++) {
        text_bad(F_STATUS, bad_text[i]);
        ck_assert_int_eq(RB.d.status, 0);
    }
    static const char *const bad_json[] = { "0", "11", "-5", "2.0", "2.5", "true", "false",
                                            "[2]", "{\"status\":2}", "\"closed\"",
                                            "123456789012345678" };
    for (size_t i = 0; i < NELEM(bad_json); i++)
        json_bad(F_STATUS, bad_json[i]);
}
END_TEST

/* ------------------------------------------------------------ booleans */

static bool bool_value(int f) { return f == F_APOLOGY ? RB.d.apology : RB.d.paid_online; }

START_TEST(test_booleans_from_text)
{
    static const char *const yes[] = { "true", "1", "yes", "TRUE", "True", "YES", "Yes", "tRuE" };
    static const char *const no[] = { "false", "0", "no", "FALSE", "False", "NO", "No" };
    static const char *const bad[] = { "2", "y", "n", "t", "f", "on", "off", " true", "true ",
                                       "-1", "01", "có", "truee", "ye" };
    static const int fields[] = { F_APOLOGY, F_PAID_ONLINE };
    for (size_t f = 0; f < NELEM(fields); f++) {
        for (size_t i = 0; i < NELEM(yes); i++) {
            text_ok(fields[f], yes[i]);
            ck_assert_msg(bool_value(fields[f]), "%s", yes[i]);
        }
        for (size_t i = 0; i < NELEM(no); i++) {
            fresh();
            set_t(fields[f], "true");
            set_t(fields[f], no[i]);
            expect_no_error(no[i]);
            ck_assert_msg(!bool_value(fields[f]), "%s", no[i]);
        }
        for (size_t i = 0; i < NELEM(bad); i++) {
            text_bad(fields[f], bad[i]);
            ck_assert(!bool_value(fields[f]));
        }
        /* Empty: the default, false. */
        fresh();
        set_t(fields[f], "yes");
        set_t(fields[f], "");
        expect_no_error("empty bool");
        ck_assert(!bool_value(fields[f]));
    }
}
END_TEST

START_TEST(test_booleans_from_json)
{
    static const int fields[] = { F_APOLOGY, F_PAID_ONLINE };
    for (size_t f = 0; f < NELEM(fields); f++) {
        json_ok(fields[f], "true");
        ck_assert(bool_value(fields[f]));
        json_ok(fields[f], "false");
        ck_assert(!bool_value(fields[f]));
        json_ok(fields[f], "null");
        ck_assert(!bool_value(fields[f]));
        /* Strict typing: no numbers or strings for a boolean. */
        static const char *const bad[] = { "1", "0", "\"true\"", "\"yes\"", "\"1\"", "[]", "{}",
                                           "1.0" };
        for (size_t i = 0; i < NELEM(bad); i++)
            json_bad(fields[f], bad[i]);
        /* Lenient: 0/1 and the text forms. */
        fresh();
        set_jl(fields[f], "1");
        expect_no_error("lenient 1");
        ck_assert(bool_value(fields[f]));
        fresh();
        set_jl(fields[f], "\"yes\"");
        expect_no_error("lenient \"yes\"");
        ck_assert(bool_value(fields[f]));
        fresh();
        set_jl(fields[f], "2");
        expect_one_error(fields[f], "lenient 2");
    }
}
END_TEST

/* ------------------------------------------------------------ numbers */

START_TEST(test_supplement_count)
{
    text_ok(F_SUPPLEMENT_COUNT, "0");
    ck_assert_int_eq(RB.d.supplement_count, 0);
    text_ok(F_SUPPLEMENT_COUNT, "3");
    ck_assert_int_eq(RB.d.supplement_count, 3);
    text_ok(F_SUPPLEMENT_COUNT, "2147483647");
    ck_assert_int_eq(RB.d.supplement_count, 2147483647);
    static const char *const bad_text[] = { "-1", "-2147483648", "abc", "1.5", "1e2", " 1",
                                            "2147483648", "99999999999999999999999", "-" };
    for (size_t i = 0; i < NELEM(bad_text); i++) {
        text_bad(F_SUPPLEMENT_COUNT, bad_text[i]);
        ck_assert_int_eq(RB.d.supplement_count, 0);
    }
    json_ok(F_SUPPLEMENT_COUNT, "2");
    ck_assert_int_eq(RB.d.supplement_count, 2);
    static const char *const bad_json[] = { "-1", "\"2\"", "1.5", "2.0", "true", "[]", "{}",
                                            "\"abc\"", "4294967296" };
    for (size_t i = 0; i < NELEM(bad_json); i++)
        json_bad(F_SUPPLEMENT_COUNT, bad_json[i]);
    /* Empty / null: back to the default 0. */
    fresh();
    set_t(F_SUPPLEMENT_COUNT, "4");
    set_t(F_SUPPLEMENT_COUNT, "");
    ck_assert_int_eq(RB.d.supplement_count, 0);
    set_j(F_SUPPLEMENT_COUNT, "4");
    set_j(F_SUPPLEMENT_COUNT, "null");
    ck_assert_int_eq(RB.d.supplement_count, 0);
    expect_no_error("reset");
}
END_TEST

START_TEST(test_fee)
{
    text_ok(F_FEE, "0");
    ck_assert(RB.d.fee == 0);
    text_ok(F_FEE, "150000");
    ck_assert(RB.d.fee == 150000);
    text_ok(F_FEE, "100000000000000");
    ck_assert(RB.d.fee == INT64_C(100000000000000));
    static const char *const bad_text[] = { "-1", "-150000", "abc", "1.5", "100.000", "1e3",
                                            "1,000", " 100", "100đ", "99999999999999999999999",
                                            "-" };
    for (size_t i = 0; i < NELEM(bad_text); i++) {
        text_bad(F_FEE, bad_text[i]);
        ck_assert(RB.d.fee == FEE_NULL);
    }
    json_ok(F_FEE, "0");
    ck_assert(RB.d.fee == 0);
    json_ok(F_FEE, "250000");
    ck_assert(RB.d.fee == 250000);
    /* §3.3's own examples, and the other wrong types. */
    static const char *const bad_json[] = { "\"abc\"", "1.5", "\"100\"", "-5", "100.0", "1e3",
                                            "true", "false", "[]", "[100]", "{}",
                                            "{\"Gia\":100}", "\"\\u0031\"" };
    for (size_t i = 0; i < NELEM(bad_json); i++) {
        json_bad(F_FEE, bad_json[i]);
        ck_assert(RB.d.fee == FEE_NULL);
    }
    /* null and "" are null, never 0. */
    json_ok(F_FEE, "null");
    ck_assert(RB.d.fee == FEE_NULL);
    text_ok(F_FEE, "");
    ck_assert(RB.d.fee == FEE_NULL);
    fresh();
    set_t(F_FEE, "5");
    set_t(F_FEE, "");
    ck_assert(RB.d.fee == FEE_NULL);
    /* Lenient: numeric strings. */
    fresh();
    set_jl(F_FEE, "\"100\"");
    expect_no_error("lenient fee");
    ck_assert(RB.d.fee == 100);
    fresh();
    set_jl(F_FEE, "\"abc\"");
    expect_one_error(F_FEE, "lenient abc");
    fresh();
    set_jl(F_FEE, "\"-1\"");
    expect_one_error(F_FEE, "lenient -1");
}
END_TEST

START_TEST(test_lenient_codes_as_numbers)
{
    fresh();
    set_jl(F_PROCEDURE_CODE, "1004227");
    set_jl(F_FIELD_CODE, "7");
    set_jl(F_CODE, "-5");
    expect_no_error("codes as numbers");
    ck_assert_str_eq(RB.d.procedure_code, "1004227");
    ck_assert_str_eq(RB.d.field_code, "7");
    ck_assert_str_eq(RB.d.code, "-5");
    /* Strict: a number is not a code. */
    json_bad(F_PROCEDURE_CODE, "1004227");
    /* Names are not codes: even lenient they want a string. */
    fresh();
    set_jl(F_AGENCY_NAME, "5");
    expect_one_error(F_AGENCY_NAME, "lenient number name");
    /* Lenient channel/status from strings. */
    fresh();
    set_jl(F_STATUS, "\"10\"");
    set_jl(F_CHANNEL, "\"2\"");
    expect_no_error("lenient enums");
    ck_assert_int_eq(RB.d.status, 10);
    ck_assert_int_eq(RB.d.channel, 2);
}
END_TEST

/* ------------------------------------------------------------ timestamps */

typedef struct {
    const char *text;
    ts_t want;
} ts_case;

START_TEST(test_timestamp_forms)
{
    const ts_t t1530 = vn(2024, 3, 14, 15, 30, 0, 0);
    const ts_case cases[] = {
        { "2024-03-14T15:30:00+07:00", t1530 },
        { "2024-03-14T08:30:00Z", t1530 },
        { "2024-03-14T08:30:00z", t1530 },
        { "2024-03-14T08:30:00+00:00", t1530 },
        { "2024-03-14T08:30:00-00:00", t1530 },
        { "2024-03-14T03:30:00-05:00", t1530 },
        { "2024-03-14T14:00:00+05:30", t1530 },
        { "2024-03-14t15:30:00+07:00", t1530 },
        { "2024-03-14 15:30:00+07:00", t1530 },
        { "2024-03-14 15:30:00", t1530 },
        { "2024-03-14T15:30:00", t1530 },
        { "2024-03-14T15:30", t1530 },
        { "2024-03-14 15:30", t1530 },
        { "2024-03-14T08:30Z", t1530 },
        { "20240314153000", t1530 },
        { "2024-03-14T15:30:00.5", t1530 + 500000 },
        { "2024-03-14T15:30:00.123456+07:00", t1530 + 123456 },
        { "2024-03-14T08:30:00.000001Z", t1530 + 1 },
        { "2024-03-14T15:30:00.1234567", t1530 + 123456 },
        { "2024-03-14T15:30:00.999999999+07:00", t1530 + 999999 },
        { "2024-03-14 15:30:00.12", t1530 + 120000 },
        { "2024-02-29T00:00:00", vn(2024, 2, 29, 0, 0, 0, 0) },
        { "2024-12-31T23:59:59.999999+07:00", vn(2024, 12, 31, 23, 59, 59, 999999) },
        { "2025-01-01T00:00:00+14:00", utc(2024, 12, 31, 10, 0, 0, 0) },
        { "1970-01-01T00:00:00Z", 0 },
        { "1969-12-31T23:59:59Z", -TS_US_PER_SEC },
        { "19991231235959", vn(1999, 12, 31, 23, 59, 59, 0) },
    };
    for (size_t f = 0; f < NELEM(TS_FIELDS); f++)
        for (size_t i = 0; i < NELEM(cases); i++) {
            text_ok(TS_FIELDS[f], cases[i].text);
            ck_assert_msg(ts_value(TS_FIELDS[f]) == cases[i].want, "%s on %s: got %lld want %lld",
                          cases[i].text, field_name(TS_FIELDS[f]),
                          (long long)ts_value(TS_FIELDS[f]), (long long)cases[i].want);
            /* The same from a JSON string. */
            char j[80];
            snprintf(j, sizeof j, "\"%s\"", cases[i].text);
            json_ok(TS_FIELDS[f], j);
            ck_assert(ts_value(TS_FIELDS[f]) == cases[i].want);
        }
}
END_TEST

START_TEST(test_bare_date_defaults)
{
    for (size_t f = 0; f < NELEM(TS_FIELDS); f++) {
        int field = TS_FIELDS[f];
        bool evening = field == F_DUE_AT || field == F_EXTENDED_DUE_AT;
        ts_t want = vn(2024, 3, 14, evening ? 17 : 0, 0, 0, 0);
        text_ok(field, "2024-03-14");
        ck_assert_msg(ts_value(field) == want, "bare date on %s", field_name(field));
        json_ok(field, "\"2024-03-14\"");
        ck_assert_msg(ts_value(field) == want, "JSON bare date on %s", field_name(field));
    }
    /* A due date on the day of reception is not "before" it. */
    base(2);
    set_t(F_RECEIVED_AT, "2024-03-14 15:30");
    set_t(F_DUE_AT, "2024-03-14");
    rec_finish(&RB);
    expect_no_error("due the same day");
}
END_TEST

START_TEST(test_timestamp_bad_forms)
{
    static const char *const bad[] = {
        "2024-03-14T25:00:00", "2024-03-14T24:00:00", "2024-03-14T15:60:00",
        "2024-03-14T15:30:60", "2024-13-01", "2024-00-10", "2024-03-32", "2023-02-29",
        "2024-04-31", "2024-3-14", "24-03-14", "14/03/2024", "03/14/2024",
        "2024-03-14T15:30:00+0700", "2024-03-14T15:30:00+07", "2024-03-14T15:30:00+24:00",
        "2024-03-14T15:30:00+07:60", "2024-03-14T15:30:00 +07:00", "2024-03-14T15",
        "2024-03-14T", "2024-03-14 ", " 2024-03-14", "2024-03-14T15:30:00.",
        "2024-03-14T15:30:00Zjunk", "2024-03-14T15:30:00ZZ",
        "2024-03-14X15:30", "2024-03-14T15:3", "2024-03-14T1:30", "2024031415300",
        "202403141530000", "20241314153000", "20240230120000", "20240314250000",
        "20240314156000", "2024031415300a", "2024-03-1415:30", "abc", "now", "0",
        "1899-12-31", "18991231235959", "10000-01-01", "２０２４-03-14", "2024-03-14T15:30:00+07:00\n",
        "1710405000", "2024-W11-4", "2024-074",
    };
    for (size_t f = 0; f < NELEM(TS_FIELDS); f++)
        for (size_t i = 0; i < NELEM(bad); i++) {
            text_bad(TS_FIELDS[f], bad[i]);
            ck_assert(ts_value(TS_FIELDS[f]) == TS_NULL);
        }
    /* Wrong JSON types. */
    static const char *const bad_json[] = { "20240314153000", "1710405000", "1.5", "true",
                                            "[\"2024-03-14\"]", "{\"t\":\"2024-03-14\"}" };
    for (size_t i = 0; i < NELEM(bad_json); i++)
        json_bad(F_RECEIVED_AT, bad_json[i]);
    /* An embedded NUL byte in a text cell is not a timestamp. */
    fresh();
    rec_set_text(&RB, &A, F_RECEIVED_AT, "2024-03-14\0", 11);
    expect_one_error(F_RECEIVED_AT, "trailing NUL");
    /* Empty is null. */
    fresh();
    set_t(F_DUE_AT, "2024-03-14");
    set_t(F_DUE_AT, "");
    expect_no_error("empty due");
    ck_assert(RB.d.due_at == TS_NULL);
}
END_TEST

/* ------------------------------------------------------------ JSON objects */

START_TEST(test_full_json_object)
{
    json_error_t e;
    json_t *o = json_loads(
        "{\"code\":\"HS-9\",\"agency_code\":\"000.00.01.H62\",\"agency_name\":\"Sở Tư pháp\","
        "\"procedure_code\":\"1.004227\",\"procedure_name\":\"Cấp phiếu LLTP\","
        "\"field_code\":\"TP\",\"service_level\":4,\"channel\":\"online\",\"status\":\"returned\","
        "\"received_at\":\"2024-03-14T08:00:00+07:00\",\"due_at\":\"2024-03-20\","
        "\"finished_at\":\"2024-03-19 10:00\",\"returned_at\":\"20240320090000\","
        "\"extended_due_at\":\"2024-03-25\",\"apology\":true,\"supplement_count\":1,"
        "\"supplement_requested_at\":\"2024-03-15T09:00:00Z\",\"fee\":200000,"
        "\"paid_online\":true,\"updated_at\":\"2024-03-20T09:00:00.25+07:00\","
        "\"ChuHoSo\":\"Nguyễn Văn A\",\"unknown\":[1,{\"x\":null}]}",
        0, &e);
    ck_assert_ptr_nonnull(o);
    rec_from_json_object(&RB, &A, o);
    json_decref(o);
    rec_finish(&RB);
    expect_no_error("full object");
    const dossier_t *d = &RB.d;
    ck_assert_str_eq(d->code, "HS-9");
    ck_assert_str_eq(d->agency_code, "000.00.01.H62");
    ck_assert_str_eq(d->agency_name, "Sở Tư pháp");
    ck_assert_str_eq(d->procedure_code, "1.004227");
    ck_assert_str_eq(d->procedure_name, "Cấp phiếu LLTP");
    ck_assert_str_eq(d->field_code, "TP");
    ck_assert_int_eq(d->service_level, 4);
    ck_assert_int_eq(d->channel, CH_ONLINE);
    ck_assert_int_eq(d->status, 10);
    ck_assert(d->received_at == vn(2024, 3, 14, 8, 0, 0, 0));
    ck_assert(d->due_at == vn(2024, 3, 20, 17, 0, 0, 0));
    ck_assert(d->finished_at == vn(2024, 3, 19, 10, 0, 0, 0));
    ck_assert(d->returned_at == vn(2024, 3, 20, 9, 0, 0, 0));
    ck_assert(d->extended_due_at == vn(2024, 3, 25, 17, 0, 0, 0));
    ck_assert(d->apology);
    ck_assert_int_eq(d->supplement_count, 1);
    ck_assert(d->supplement_requested_at == utc(2024, 3, 15, 9, 0, 0, 0));
    ck_assert(d->fee == 200000);
    ck_assert(d->paid_online);
    ck_assert(d->updated_at == vn(2024, 3, 20, 9, 0, 0, 250000));
}
END_TEST

START_TEST(test_json_record_not_an_object)
{
    static const char *const vals[] = { "[]", "[{\"code\":\"x\"}]", "\"HS-1\"", "1", "true",
                                        "null" };
    for (size_t i = 0; i < NELEM(vals); i++) {
        fresh();
        json_t *v = json_loads(vals[i], JSON_DECODE_ANY, NULL);
        ck_assert_ptr_nonnull(v);
        rec_from_json_object(&RB, &A, v);
        json_decref(v);
        ck_assert_msg(RB.nerr == 1 && RB.err[0].field == -1, "%s: %s", vals[i], dump());
    }
}
END_TEST

START_TEST(test_json_object_collects_all_field_errors)
{
    json_t *o = json_loads("{\"code\":[],\"fee\":\"abc\",\"status\":\"done\",\"channel\":9,"
                           "\"received_at\":\"yesterday\",\"apology\":\"yes\"}",
                           0, NULL);
    ck_assert_ptr_nonnull(o);
    rec_from_json_object(&RB, &A, o);
    json_decref(o);
    ck_assert_int_eq(errors_on(F_CODE), 1);
    ck_assert_int_eq(errors_on(F_FEE), 1);
    ck_assert_int_eq(errors_on(F_STATUS), 1);
    ck_assert_int_eq(errors_on(F_CHANNEL), 1);
    ck_assert_int_eq(errors_on(F_RECEIVED_AT), 1);
    ck_assert_int_eq(errors_on(F_APOLOGY), 1);
    ck_assert_int_eq(RB.nerr, 6);
}
END_TEST

/* ------------------------------------------------------------ cross-field rules */

START_TEST(test_required_fields)
{
    rec_finish(&RB);
    static const int req[] = { F_CODE, F_AGENCY_CODE, F_PROCEDURE_CODE, F_CHANNEL, F_STATUS };
    ck_assert_int_eq(RB.nerr, 5);
    for (size_t i = 0; i < NELEM(req); i++)
        ck_assert_msg(errors_on(req[i]) == 1, "%s not reported: %s", field_name(req[i]), dump());

    /* Each required field missing on its own. */
    for (size_t i = 0; i < NELEM(req); i++) {
        base(2);
        set_t(req[i], "");
        rec_finish(&RB);
        expect_one_error(req[i], field_name(req[i]));
        ck_assert_msg(strstr(RB.err[0].message, "required") != NULL, "%s", dump());
    }
}
END_TEST

START_TEST(test_received_at_required_unless_1_or_3)
{
    for (int s = 1; s <= 10; s++) {
        base(s);
        set_t(F_RECEIVED_AT, "");
        if (s >= 7)
            set_t(F_FINISHED_AT, "2024-03-15");
        rec_finish(&RB);
        if (s == 1 || s == 3) {
            expect_no_error("status 1/3 without received_at");
        } else {
            char what[32];
            snprintf(what, sizeof what, "status %d", s);
            expect_one_error(F_RECEIVED_AT, what);
        }
    }
}
END_TEST

START_TEST(test_due_before_received)
{
    base(2);
    set_t(F_DUE_AT, "2024-03-14T07:59:59.999999+07:00");
    rec_finish(&RB);
    expect_one_error(F_DUE_AT, "due 1 us early");
    base(2);
    set_t(F_DUE_AT, "2024-03-14T08:00:00+07:00");
    rec_finish(&RB);
    expect_no_error("due == received");
    base(2);
    set_t(F_DUE_AT, "2024-03-13");
    rec_finish(&RB);
    expect_one_error(F_DUE_AT, "due the day before");
    /* Across zones: 01:00Z is 08:00 local, equal. */
    base(2);
    set_t(F_DUE_AT, "2024-03-14T01:00:00Z");
    rec_finish(&RB);
    expect_no_error("due == received, other zone");
    /* Without received_at (status 1) there is nothing to compare. */
    base(1);
    set_t(F_RECEIVED_AT, "");
    set_t(F_DUE_AT, "2000-01-01");
    rec_finish(&RB);
    expect_no_error("status 1, no received");
}
END_TEST

START_TEST(test_finished_before_received)
{
    base(9);
    set_t(F_FINISHED_AT, "2024-03-14T07:59:59+07:00");
    rec_finish(&RB);
    expect_one_error(F_FINISHED_AT, "finished early");
    base(9);
    set_t(F_FINISHED_AT, "2024-03-14T08:00:00+07:00");
    rec_finish(&RB);
    expect_no_error("finished == received");
    /* A bare date means 00:00 for finished_at: before 08:00 the same day. */
    base(9);
    set_t(F_FINISHED_AT, "2024-03-14");
    rec_finish(&RB);
    expect_one_error(F_FINISHED_AT, "bare finished date the same day");
}
END_TEST

START_TEST(test_finished_at_against_status)
{
    for (int s = 1; s <= 10; s++) {
        /* With finished_at. */
        base(s);
        set_t(F_FINISHED_AT, "2024-03-20T10:00:00+07:00");
        rec_finish(&RB);
        char what[48];
        snprintf(what, sizeof what, "status %d with finished_at", s);
        if (s == 2 || s == 4 || s == 5 || s == 6)
            expect_one_error(F_FINISHED_AT, what);
        else
            expect_no_error(what);
        /* Without. */
        base(s);
        rec_finish(&RB);
        snprintf(what, sizeof what, "status %d without finished_at", s);
        if (s >= 7)
            expect_one_error(F_FINISHED_AT, what);
        else
            expect_no_error(what);
    }
}
END_TEST

START_TEST(test_invalid_field_not_also_required)
{
    char *c65 = repeat("B", 65);
    static const int codes[] = { F_CODE, F_AGENCY_CODE, F_PROCEDURE_CODE };
    for (size_t i = 0; i < NELEM(codes); i++) {
        base(2);
        set_t(codes[i], c65);
        rec_finish(&RB);
        expect_one_error(codes[i], "too long");
        base(2);
        set_j(codes[i], "[\"x\"]");
        rec_finish(&RB);
        expect_one_error(codes[i], "array");
    }
    free(c65);
    base(2);
    set_t(F_CHANNEL, "email");
    rec_finish(&RB);
    expect_one_error(F_CHANNEL, "bad channel");
    base(2);
    set_t(F_STATUS, "done");
    rec_finish(&RB);
    expect_one_error(F_STATUS, "bad status");
    base(2);
    set_t(F_RECEIVED_AT, "14/03/2024");
    rec_finish(&RB);
    expect_one_error(F_RECEIVED_AT, "bad received_at");
    base(9);
    set_t(F_FINISHED_AT, "soon");
    rec_finish(&RB);
    expect_one_error(F_FINISHED_AT, "bad finished_at");
    /* A bad due_at is not compared with received_at either. */
    base(2);
    set_t(F_DUE_AT, "2020-13-01");
    rec_finish(&RB);
    expect_one_error(F_DUE_AT, "bad due_at");
}
END_TEST

START_TEST(test_nothing_else_is_rejected)
{
    /* Things §3.3 does not list must pass: returned/extended/updated before
     * received, supplement fields on any status, fee 0, apology on time,
     * finished_at on statuses 1 and 3, times far in the future. */
    base(9);
    set_t(F_FINISHED_AT, "2024-03-20 10:00");
    set_t(F_RETURNED_AT, "2020-01-01");
    set_t(F_EXTENDED_DUE_AT, "2020-01-01");
    set_t(F_UPDATED_AT, "2020-01-01");
    set_t(F_SUPPLEMENT_REQUESTED_AT, "2020-01-01");
    set_t(F_SUPPLEMENT_COUNT, "7");
    set_t(F_FEE, "0");
    set_t(F_APOLOGY, "yes");
    set_t(F_PAID_ONLINE, "yes");
    set_t(F_SERVICE_LEVEL, "2");
    set_t(F_DUE_AT, "9999-12-31T23:59:59");
    rec_finish(&RB);
    expect_no_error("unlisted combinations");
    base(3);
    set_t(F_RECEIVED_AT, "");
    set_t(F_FINISHED_AT, "2024-03-20 10:00");
    rec_finish(&RB);
    expect_no_error("not_accepted with finished_at");
}
END_TEST

/* ------------------------------------------------------------ UTF-8 */

typedef struct {
    const char *s;
    size_t n;
} bytes;

#define B(lit) { lit, sizeof(lit) - 1 }

START_TEST(test_utf8_valid)
{
    static const bytes ok[] = {
        B(""), B("abc"), B("a\0b"), B("\x7f"), B("\xc2\x80"), B("\xdf\xbf"),
        B("\xe0\xa0\x80"), B("\xe1\xbb\x86"), B("\xed\x9f\xbf"), B("\xee\x80\x80"),
        B("\xef\xbf\xbf"), B("\xef\xbb\xbf"), B("\xf0\x90\x80\x80"), B("\xf0\x9f\x98\x80"),
        B("\xf4\x8f\xbf\xbf"), B("Sở Tư pháp tỉnh Đồng Nai"),
    };
    static const bytes bad[] = {
        /* overlongs */
        B("\xc0\x80"), B("\xc0\xaf"), B("\xc1\xbf"), B("\xe0\x80\x80"), B("\xe0\x9f\xbf"),
        B("\xf0\x80\x80\x80"), B("\xf0\x8f\xbf\xbf"),
        /* surrogates */
        B("\xed\xa0\x80"), B("\xed\xbf\xbf"), B("\xed\xa0\x80\xed\xb0\x80"),
        /* beyond U+10FFFF, and 5/6-byte forms */
        B("\xf4\x90\x80\x80"), B("\xf5\x80\x80\x80"), B("\xf7\xbf\xbf\xbf"),
        B("\xf8\x88\x80\x80\x80"), B("\xfc\x84\x80\x80\x80\x80"), B("\xfe"), B("\xff"),
        /* truncated */
        B("\xc3"), B("\xe1\xbb"), B("\xf0\x9f\x98"), B("abc\xe1"), B("\xf0"),
        /* stray or wrong continuation bytes */
        B("\x80"), B("\xbf"), B("a\x80z"), B("\xc3\x28"), B("\xe1\x28\xa1"), B("\xe1\xbb\x28"),
        B("\xf0\x9f\x28\x80"), B("\xc3\xc3\xa9"), B("latin1 caf\xe9"),
    };
    for (size_t i = 0; i < NELEM(ok); i++)
        ck_assert_msg(utf8_valid(ok[i].s, ok[i].n), "valid case %zu rejected", i);
    for (size_t i = 0; i < NELEM(bad); i++)
        ck_assert_msg(!utf8_valid(bad[i].s, bad[i].n), "invalid case %zu accepted", i);
    /* Only n bytes are looked at. */
    ck_assert(utf8_valid("ab\xff", 2));
    ck_assert(!utf8_valid("\xe1\xbb\x86", 2));
}
END_TEST

START_TEST(test_utf8_valid_exhaustive_two_and_three_bytes)
{
    /* Every 2- and 3-byte sequence against the definition. */
    unsigned char s[3];
    for (unsigned a = 0x80; a <= 0xff; a++)
        for (unsigned b = 0; b <= 0xff; b++) {
            s[0] = (unsigned char)a;
            s[1] = (unsigned char)b;
            bool want = a >= 0xc2 && a <= 0xdf && b >= 0x80 && b <= 0xbf;
            if (utf8_valid((const char *)s, 2) != want)
                ck_abort_msg("%02x %02x: want %d", a, b, want);
        }
    for (unsigned a = 0xe0; a <= 0xef; a++)
        for (unsigned b = 0; b <= 0xff; b++)
            for (unsigned c = 0x7f; c <= 0xc0; c++) {
                s[0] = (unsigned char)a;
                s[1] = (unsigned char)b;
                s[2] = (unsigned char)c;
                bool cont = b >= 0x80 && b <= 0xbf && c >= 0x80 && c <= 0xbf;
                unsigned cp = ((a & 0x0f) << 12) | ((b & 0x3f) << 6) | (c & 0x3f);
                bool want = cont && cp >= 0x800 && !(cp >= 0xd800 && cp <= 0xdfff);
                if (utf8_valid((const char *)s, 3) != want)
                    ck_abort_msg("%02x %02x %02x: want %d", a, b, c, want);
            }
}
END_TEST

START_TEST(test_utf8_length)
{
    ck_assert_uint_eq(utf8_length("", 0), 0);
    ck_assert_uint_eq(utf8_length("abc", 3), 3);
    ck_assert_uint_eq(utf8_length("Đồng", strlen("Đồng")), 4);
    ck_assert_uint_eq(utf8_length("\xf0\x9f\x98\x80x", 5), 2);
}
END_TEST

Suite *make_record_suite(void)
{
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("fields");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_field_names_round_trip);
    tcase_add_test(tc, test_status_and_channel_names);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_out_of_range_field_is_ignored);
    tcase_add_test(tc, test_rec_fail_limits);
    tcase_add_test(tc, test_strings_from_text);
    tcase_add_test(tc, test_strings_from_json);
    tcase_add_test(tc, test_nul_in_json_string_rejected);
    tcase_add_test(tc, test_code_length_ascii);
    tcase_add_test(tc, test_code_length_counts_characters);
    tcase_add_test(tc, test_service_level);
    tcase_add_test(tc, test_channel);
    tcase_add_test(tc, test_status);
    tcase_add_test(tc, test_booleans_from_text);
    tcase_add_test(tc, test_booleans_from_json);
    tcase_add_test(tc, test_supplement_count);
    tcase_add_test(tc, test_fee);
    tcase_add_test(tc, test_lenient_codes_as_numbers);
    tcase_add_test(tc, test_full_json_object);
    tcase_add_test(tc, test_json_record_not_an_object);
    tcase_add_test(tc, test_json_object_collects_all_field_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("timestamps");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_timestamp_forms);
    tcase_add_test(tc, test_bare_date_defaults);
    tcase_add_test(tc, test_timestamp_bad_forms);
    suite_add_tcase(s, tc);

    tc = tcase_create("rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_required_fields);
    tcase_add_test(tc, test_received_at_required_unless_1_or_3);
    tcase_add_test(tc, test_due_before_received);
    tcase_add_test(tc, test_finished_before_received);
    tcase_add_test(tc, test_finished_at_against_status);
    tcase_add_test(tc, test_invalid_field_not_also_required);
    tcase_add_test(tc, test_nothing_else_is_rejected);
    suite_add_tcase(s, tc);

    tc = tcase_create("big");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ten_megabyte_strings);
    suite_add_tcase(s, tc);

    tc = tcase_create("utf8");
    tcase_add_test(tc, test_utf8_valid);
    tcase_add_test(tc, test_utf8_valid_exhaustive_two_and_three_bytes);
    tcase_add_test(tc, test_utf8_length);
    suite_add_tcase(s, tc);
    return s;
}
