/*
 * check_reference.c - the reference data of spec §6 end to end: the real
 * server in-process on a fresh PostgreSQL database per test (testlib.h).
 *
 * Why: a dossier sent without due_at gets its deadline from the procedure
 * catalog and the calendar, so these two change what every other answer
 * says. Covered: PUT/GET /v1/procedures (valid bodies, upsert by code, names
 * shared with ingest, every invalid body: 400 and nothing stored); the CSV
 * catalog import through db_import_procedures_csv (the function behind
 * `motcua import --procedures`); GET /v1/calendar checked day by day against
 * calendar_day_info of calendar_new_vn() with the same overrides, plus facts
 * that hold whatever the holiday rules; PUT /v1/calendar (upsert, removal,
 * the version bump, invalid bodies); an override changing a dossier's
 * working-day counts, also when another instance stored it (only the
 * database changes); computed due dates (due_computed) for each unit; and the
 * metrics counting early / on time / late / overdue from computed due dates,
 * changing as soon as the catalog or the calendar changes.
 */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "db_reference.h"
#include "testlib.h"
#include "ts.h"

/* ---- helpers ------------------------------------------------------------------------ */

static json_t *put_json(const char *path, const char *body, int expect)
{
    return tl_call("PUT", path, "application/json", body, strlen(body), expect);
}

static void put_ok(const char *path, const char *body)
{
    json_decref(put_json(path, body, 200));
}

static void ingest_json(const char *body)
{
    json_t *r = tl_ingest("application/json", body, strlen(body));
    ck_assert_msg(tl_jint(r, "rejected") == 0, "ingest rejected records: %s",
                  tl_jstr(r, "errors[0].message"));
    json_decref(r);
}

static json_t *get_fmt(int expect, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *get_fmt(int expect, const char *fmt, ...)
{
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    return tl_get(path, expect);
}

/* A 400 invalid_body whose message names `part` (e.g. "[1].duration"). */
static void expect_invalid_body(const char *path, const char *body, const char *part)
{
    json_t *j = put_json(path, body, 400);
    tl_assert_error(j, "invalid_body");
    const char *msg = tl_jstr(j, "error.message");
    ck_assert_msg(strstr(msg, part) != NULL, "body %s: message '%s' does not name %s", body, msg,
                  part);
    json_decref(j);
}

/* ---- procedures: PUT / GET ----------------------------------------------------------- */

static void expect_proc(json_t *p, const char *code, const char *name, const char *field,
                        int level, int duration, const char *unit, int has_fee)
{
    tl_assert_str(tl_jstr(p, "procedure_code"), code, "procedure_code");
    tl_assert_str(tl_jstr(p, "name"), name, "%s: name", code);
    tl_assert_str(tl_jstr(p, "field_code"), field, "%s: field_code", code);
    if (level)
        ck_assert_int_eq(tl_jint(p, "service_level"), level);
    else
        ck_assert_msg(tl_jnull(p, "service_level"), "%s: service_level not null", code);
    if (duration >= 0)
        ck_assert_int_eq(tl_jint(p, "duration"), duration);
    else
        ck_assert_msg(tl_jnull(p, "duration"), "%s: duration not null", code);
    tl_assert_str(tl_jstr(p, "duration_unit"), unit, "%s: duration_unit", code);
    if (has_fee < 0)
        ck_assert_msg(tl_jnull(p, "has_fee"), "%s: has_fee not null", code);
    else
        ck_assert_msg(tl_jbool(p, "has_fee") == (has_fee == 1), "%s: has_fee", code);
    ck_assert_int_eq(json_object_size(p), 7);
}

START_TEST(test_procedures_put_get)
{
    json_t *j = tl_get("/v1/procedures", 200);
    ck_assert_msg(json_is_array(j) && json_array_size(j) == 0, "a fresh catalog is empty");
    json_decref(j);

    j = put_json("/v1/procedures",
                 "[{\"procedure_code\":\"2.002\",\"name\":\"Cấp giấy phép xây dựng\","
                 "\"field_code\":\"XD\",\"service_level\":4,\"duration\":15,"
                 "\"duration_unit\":\"working_days\",\"has_fee\":true},"
                 "{\"procedure_code\":\"1.004227\",\"name\":\"Đăng ký khai sinh\","
                 "\"service_level\":3,\"duration\":0,\"duration_unit\":\"days\",\"has_fee\":false,"
                 "\"unknown_key\":[1,2]},"
                 "{\"procedure_code\":\"3.1\",\"duration\":4,\"duration_unit\":\"hours\"},"
                 "{\"procedure_code\":\"4.0\",\"name\":\"\",\"field_code\":null}]",
                 200);
    ck_assert_int_eq(tl_jint(j, "received"), 4);
    ck_assert_int_eq(tl_jint(j, "upserted"), 4);
    json_decref(j);

    j = tl_get("/v1/procedures", 200);
    ck_assert_int_eq(json_array_size(j), 4);
    expect_proc(json_array_get(j, 0), "1.004227", "Đăng ký khai sinh", NULL, 3, 0, "days", 0);
    expect_proc(json_array_get(j, 1), "2.002", "Cấp giấy phép xây dựng", "XD", 4, 15,
                "working_days", 1);
    expect_proc(json_array_get(j, 2), "3.1", NULL, NULL, 0, 4, "hours", -1);
    expect_proc(json_array_get(j, 3), "4.0", NULL, NULL, 0, -1, NULL, -1);
    json_decref(j);

    /* upsert: the catalog columns are replaced whole, a missing name keeps the
     * stored one; a code twice in one body: the last entry wins */
    j = put_json("/v1/procedures",
                 "[{\"procedure_code\":\"2.002\",\"duration\":20,\"duration_unit\":\"days\"},"
                 "{\"procedure_code\":\"3.1\",\"name\":\"first\",\"duration\":1,"
                 "\"duration_unit\":\"hours\"},"
                 "{\"procedure_code\":\"3.1\",\"name\":\"second\",\"duration\":2,"
                 "\"duration_unit\":\"hours\"}]",
                 200);
    ck_assert_int_eq(tl_jint(j, "received"), 3);
    ck_assert_int_eq(tl_jint(j, "upserted"), 2);
    json_decref(j);
    j = tl_get("/v1/procedures", 200);
    ck_assert_int_eq(json_array_size(j), 4);
    expect_proc(json_array_get(j, 1), "2.002", "Cấp giấy phép xây dựng", NULL, 0, 20, "days", -1);
    expect_proc(json_array_get(j, 2), "3.1", "second", NULL, 0, 2, "hours", -1);
    json_decref(j);

    /* names are shared with ingest: the latest write wins either way */
    ingest_json("[{\"code\":\"N-1\",\"agency_code\":\"A\",\"procedure_code\":\"2.002\","
                "\"procedure_name\":\"Tên từ hồ sơ\",\"channel\":\"direct\",\"status\":\"received\","
                "\"received_at\":\"2026-03-02T09:00:00+07:00\"},"
                "{\"code\":\"N-2\",\"agency_code\":\"A\",\"procedure_code\":\"9.9\","
                "\"procedure_name\":\"Chỉ từ hồ sơ\",\"channel\":\"direct\",\"status\":\"received\","
                "\"received_at\":\"2026-03-02T09:00:00+07:00\"}]");
    j = tl_get("/v1/procedures", 200);
    ck_assert_int_eq(json_array_size(j), 5);
    expect_proc(json_array_get(j, 1), "2.002", "Tên từ hồ sơ", NULL, 0, 20, "days", -1);
    /* a procedure known only from dossiers is listed, without catalog fields */
    expect_proc(json_array_get(j, 4), "9.9", "Chỉ từ hồ sơ", NULL, 0, -1, NULL, -1);
    json_decref(j);
    put_ok("/v1/procedures", "[{\"procedure_code\":\"2.002\",\"name\":\"Tên từ danh mục\"}]");
    j = tl_get("/v1/procedures", 200);
    expect_proc(json_array_get(j, 1), "2.002", "Tên từ danh mục", NULL, 0, -1, NULL, -1);
    json_decref(j);
    j = tl_get("/v1/dossiers/N-1", 200);
    tl_assert_str(tl_jstr(j, "procedure_name"), "Tên từ danh mục", "procedure_name");
    json_decref(j);

    /* an empty array is a valid, empty upsert */
    j = put_json("/v1/procedures", "[]", 200);
    ck_assert_int_eq(tl_jint(j, "upserted"), 0);
    json_decref(j);
}
END_TEST

START_TEST(test_procedures_bad_bodies)
{
    static const char *const bad[][2] = {
        { "{\"procedure_code\":\"1\"}", "array" },
        { "[{\"procedure_code\":\"1\"}", "array" }, /* syntax error */
        { "", "array" },
        { "[1]", "[0]" },
        { "[{\"procedure_code\":\"1\"},[]]", "[1]" },
        { "[{\"name\":\"x\"}]", "[0].procedure_code" },
        { "[{\"procedure_code\":\"\"}]", "[0].procedure_code" },
        { "[{\"procedure_code\":null}]", "[0].procedure_code" },
        { "[{\"procedure_code\":12}]", "[0].procedure_code" },
        { "[{\"procedure_code\":\"1\",\"name\":5}]", "[0].name" },
        { "[{\"procedure_code\":\"1\",\"field_code\":[\"x\"]}]", "[0].field_code" },
        { "[{\"procedure_code\":\"1\",\"service_level\":1}]", "[0].service_level" },
        { "[{\"procedure_code\":\"1\",\"service_level\":5}]", "[0].service_level" },
        { "[{\"procedure_code\":\"1\",\"service_level\":\"3\"}]", "[0].service_level" },
        { "[{\"procedure_code\":\"1\",\"service_level\":3.0}]", "[0].service_level" },
        { "[{\"procedure_code\":\"1\",\"duration\":-1,\"duration_unit\":\"days\"}]", "[0].duration" },
        { "[{\"procedure_code\":\"1\",\"duration\":1.5,\"duration_unit\":\"days\"}]", "[0].duration" },
        { "[{\"procedure_code\":\"1\",\"duration\":100001,\"duration_unit\":\"days\"}]", "[0].duration" },
        { "[{\"procedure_code\":\"1\",\"duration\":\"5\",\"duration_unit\":\"days\"}]", "[0].duration" },
        { "[{\"procedure_code\":\"1\",\"duration\":5,\"duration_unit\":\"weeks\"}]", "[0].duration_unit" },
        { "[{\"procedure_code\":\"1\",\"duration\":5,\"duration_unit\":\"Days\"}]", "[0].duration_unit" },
        { "[{\"procedure_code\":\"1\",\"duration\":5}]", "[0].duration_unit" },
        { "[{\"procedure_code\":\"1\",\"duration_unit\":\"days\"}]", "[0].duration" },
        { "[{\"procedure_code\":\"1\",\"has_fee\":\"yes\"}]", "[0].has_fee" },
        { "[{\"procedure_code\":\"1\",\"has_fee\":1}]", "[0].has_fee" },
        /* the error names the first bad element, after valid ones */
        { "[{\"procedure_code\":\"1\"},{\"procedure_code\":\"2\"},"
          "{\"procedure_code\":\"3\",\"service_level\":7}]", "[2].service_level" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_invalid_body("/v1/procedures", bad[i][0], bad[i][1]);

    /* code and field_code: at most 64 characters (Vietnamese letters count one) */
    char body[1024], code[300] = "";
    for (int i = 0; i < 64; i++)
        strcat(code, "đ");
    snprintf(body, sizeof body, "[{\"procedure_code\":\"%s\",\"field_code\":\"%s\"}]", code, code);
    put_ok("/v1/procedures", body);
    strcat(code, "x");
    snprintf(body, sizeof body, "[{\"procedure_code\":\"%s\"}]", code);
    expect_invalid_body("/v1/procedures", body, "[0].procedure_code");
    snprintf(body, sizeof body, "[{\"procedure_code\":\"ok\",\"field_code\":\"%s\"}]", code);
    expect_invalid_body("/v1/procedures", body, "[0].field_code");

    /* nothing of a rejected body is stored */
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM procedure"), 1);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM procedure WHERE code IN ('1','2','3','ok')"), 0);
}
END_TEST

/* ---- procedures: CSV import (the function behind `motcua import --procedures`) ------- */

static db_conn *test_conn(void)
{
    char err[512];
    db_conn *c = db_connect(tl_env.conninfo, err, sizeof err);
    ck_assert_msg(c != NULL, "connect: %s", err);
    return c;
}

START_TEST(test_procedures_import_csv)
{
    static const char csv[] =
        "\xEF\xBB\xBF" "procedure_code,name,service_level,duration,duration_unit,has_fee,extra\n"
        "1.004227,Đăng ký khai sinh,3,0,days,no,ignored\n"
        "2.002,\"Cấp phép, xây dựng\",4,15,working_days,TRUE,\n"
        "3.1,,,4,hours,,\n"
        "BAD-LEVEL,x,5,1,days,yes,\n"
        "BAD-FEE,x,3,1,days,maybe,\n"
        "BAD-UNIT,x,3,1,weeks,1,\n"
        "BAD-PAIR,x,3,1,,1,\n"
        "BAD-NUM,x,3,1.5,days,1,\n"
        ",no code,3,1,days,1,\n"
        "SHORT,x\n"
        "4.0,Cuối cùng,2,,,0,\n";
    db_conn *c = test_conn();
    json_t *res = NULL;
    long rejected = -1;
    char msg[256] = "";
    int rc = db_import_procedures_csv(c, &tl_env.cfg.office_hours, csv, sizeof csv - 1, &res, &rejected, msg, sizeof msg);
    ck_assert_msg(rc == DB_OK, "import: rc %d, %s / %s", rc, msg, db_error(c));
    ck_assert_int_eq(rejected, 7);
    ck_assert_int_eq(tl_jint(res, "received"), 11);
    ck_assert_int_eq(tl_jint(res, "upserted"), 4);
    ck_assert_int_eq(tl_jint(res, "rejected"), 7);
    static const struct { long line; const char *code, *field; } errs[] = {
        { 5, "BAD-LEVEL", "service_level" }, { 6, "BAD-FEE", "has_fee" },
        { 7, "BAD-UNIT", "duration_unit" },  { 8, "BAD-PAIR", "duration_unit" },
        { 9, "BAD-NUM", "duration" },        { 10, NULL, "procedure_code" },
        { 11, NULL, NULL },
    };
    json_t *e = json_object_get(res, "errors");
    ck_assert_int_eq(json_array_size(e), 7);
    for (size_t i = 0; i < 7; i++) {
        json_t *x = json_array_get(e, i);
        ck_assert_int_eq(tl_jint(x, "line"), errs[i].line);
        tl_assert_str(tl_jstr(x, "code"), errs[i].code, "errors[%zu].code", i);
        tl_assert_str(tl_jstr(x, "field"), errs[i].field, "errors[%zu].field", i);
        ck_assert_msg(tl_jstr(x, "message")[0] != '\0', "errors[%zu]: no message", i);
    }
    json_decref(res);

    json_t *j = tl_get("/v1/procedures", 200);
    ck_assert_int_eq(json_array_size(j), 4);
    expect_proc(json_array_get(j, 0), "1.004227", "Đăng ký khai sinh", NULL, 3, 0, "days", 0);
    expect_proc(json_array_get(j, 1), "2.002", "Cấp phép, xây dựng", NULL, 4, 15, "working_days", 1);
    expect_proc(json_array_get(j, 2), "3.1", NULL, NULL, 0, 4, "hours", -1);
    expect_proc(json_array_get(j, 3), "4.0", "Cuối cùng", NULL, 2, -1, NULL, 0);
    json_decref(j);

    /* whole-file errors store nothing */
    static const char *const bad_files[] = {
        "",
        "name,duration\nx,1\n",
        "procedure_code,name,procedure_code\nZ,x,Z\n",
    };
    for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
        msg[0] = '\0';
        rc = db_import_procedures_csv(c, &tl_env.cfg.office_hours, bad_files[i], strlen(bad_files[i]), &res, &rejected, msg,
                                      sizeof msg);
        ck_assert_msg(rc == 1, "bad file %zu: rc %d", i, rc);
        ck_assert_msg(res == NULL && msg[0] != '\0', "bad file %zu: no message", i);
    }
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM procedure"), 4);

    /* re-importing converges (an upsert by code) */
    rc = db_import_procedures_csv(c, &tl_env.cfg.office_hours, csv, sizeof csv - 1, &res, &rejected, msg, sizeof msg);
    ck_assert_int_eq(rc, DB_OK);
    json_decref(res);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM procedure"), 4);
    db_close(c);
}
END_TEST

/* ---- calendar ---------------------------------------------------------------------------- */

static const char *kind_of(day_kind k)
{
    return k == DAY_HOLIDAY ? "holiday" : k == DAY_COMPENSATORY ? "compensatory" : "override";
}

/* The API's listing of `year` against calendar_day_info of cal, day by day. */
static void check_year_against(const calendar_t *cal, int year)
{
    json_t *j = get_fmt(200, "/v1/calendar?year=%d", year);
    ck_assert_int_eq(tl_jint(j, "year"), year);
    json_t *days = json_object_get(j, "days");
    ck_assert_msg(json_is_array(days), "days is not an array");
    size_t k = 0;
    for (day_t d = day_from_ymd(year, 1, 1); d <= day_from_ymd(year, 12, 31); d++) {
        day_info info;
        calendar_day_info(cal, d, &info);
        bool weekend = day_iso_weekday(d) >= 6;
        if (weekend != info.working)
            continue;
        char date[DAY_FMT_MAX];
        day_format(d, date, sizeof date);
        json_t *e = json_array_get(days, k++);
        ck_assert_msg(e != NULL, "%s is missing from the listing", date);
        tl_assert_str(tl_jstr(e, "date"), date, "days[%zu].date", k - 1);
        ck_assert_msg(tl_jbool(e, "working") == info.working, "%s: working", date);
        tl_assert_str(tl_jstr(e, "kind"), kind_of(info.kind), "%s: kind", date);
        tl_assert_str(tl_jstr(e, "name"), info.name, "%s: name", date);
        ck_assert_int_eq(json_object_size(e), 4);
    }
    ck_assert_msg(json_array_size(days) == k, "the listing has %zu days, want %zu",
                  json_array_size(days), k);
    json_decref(j);
}

/* The entry of `date` in the listing of its year, or NULL (new reference in *root). */
static json_t *listed(const char *date, json_t **root)
{
    *root = get_fmt(200, "/v1/calendar?year=%.4s", date);
    json_t *days = json_object_get(*root, "days");
    for (size_t i = 0; i < json_array_size(days); i++)
        if (strcmp(tl_jstr(json_array_get(days, i), "date"), date) == 0)
            return json_array_get(days, i);
    return NULL;
}

START_TEST(test_calendar_get)
{
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    for (int y = 2020; y <= 2030; y++)
        check_year_against(cal, y);
    check_year_against(cal, 1900);
    check_year_against(cal, 2200);

    /* facts that hold whatever the holiday rules say */
    json_t *root;
    ck_assert_msg(listed("2026-01-10", &root) == NULL, "a fresh database holds no override");
    json_decref(root);
    ck_assert_msg(listed("2026-03-04", &root) == NULL, "an ordinary Wednesday is not listed");
    json_decref(root);
    root = tl_get("/v1/calendar?year=2026", 200);
    json_t *days = json_object_get(root, "days");
    for (size_t i = 0; i < json_array_size(days); i++) {
        json_t *e = json_array_get(days, i);
        day_t d;
        const char *s = tl_jstr(e, "date");
        ck_assert_int_eq(day_parse(s, strlen(s), &d), 0);
        ck_assert_msg(strncmp(s, "2026-", 5) == 0, "%s is not in 2026", s);
        ck_assert_msg((day_iso_weekday(d) >= 6) == tl_jbool(e, "working"),
                      "%s: listed but neither a weekday off nor a weekend day worked", s);
        if (i > 0)
            ck_assert_msg(strcmp(tl_jstr(json_array_get(days, i - 1), "date"), s) < 0,
                          "not in date order at %s", s);
    }
    json_decref(root);

    static const char *const bad[] = {
        "/v1/calendar", "/v1/calendar?year=", "/v1/calendar?year=abc", "/v1/calendar?year=1899",
        "/v1/calendar?year=2201", "/v1/calendar?year=20260", "/v1/calendar?year=-2026",
        "/v1/calendar?year=2026.0", "/v1/calendar?year=%2B2026",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = tl_get(bad[i], 400);
        tl_assert_error(j, "invalid_parameter");
        ck_assert_msg(strstr(tl_jstr(j, "error.message"), "year") != NULL, "%s: names year",
                      bad[i]);
        json_decref(j);
    }
    calendar_free(cal);
}
END_TEST

START_TEST(test_calendar_put)
{
    long v0 = tl_sql_long("SELECT calendar FROM reference_version");
    json_t *j = put_json("/v1/calendar",
                         "[{\"date\":\"2026-01-10\",\"working\":true,\"name\":\"Làm bù cho 2/1\"},"
                         "{\"date\":\"2026-03-04\",\"working\":false,\"name\":\"Nghỉ đặc biệt\"},"
                         "{\"date\":\"2026-03-05\",\"working\":false},"
                         "{\"date\":\"2026-03-06\",\"working\":false,\"name\":\"\"}]",
                         200);
    ck_assert_int_eq(tl_jint(j, "upserted"), 4);
    ck_assert_int_eq(tl_jint(j, "removed"), 0);
    json_decref(j);
    ck_assert_int_eq(tl_sql_long("SELECT calendar FROM reference_version"), v0 + 1);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM calendar_override"), 4);

    json_t *root, *e;
    e = listed("2026-01-10", &root);
    ck_assert_msg(e != NULL, "the worked Saturday is listed");
    ck_assert_msg(tl_jbool(e, "working"), "2026-01-10 works");
    tl_assert_str(tl_jstr(e, "kind"), "override", "2026-01-10 kind");
    json_decref(root);
    e = listed("2026-03-04", &root);
    ck_assert_msg(e != NULL && !tl_jbool(e, "working"), "2026-03-04 is off");
    tl_assert_str(tl_jstr(e, "kind"), "override", "2026-03-04 kind");
    json_decref(root);

    /* the whole year, against calendar_day_info with the same overrides */
    calendar_t *cal = calendar_new_vn();
    ck_assert_ptr_nonnull(cal);
    ck_assert_int_eq(calendar_set_override(cal, day_from_ymd(2026, 1, 10), true, "Làm bù cho 2/1"), 0);
    ck_assert_int_eq(calendar_set_override(cal, day_from_ymd(2026, 3, 4), false, "Nghỉ đặc biệt"), 0);
    ck_assert_int_eq(calendar_set_override(cal, day_from_ymd(2026, 3, 5), false, NULL), 0);
    ck_assert_int_eq(calendar_set_override(cal, day_from_ymd(2026, 3, 6), false, NULL), 0);
    check_year_against(cal, 2026);
    calendar_free(cal);

    /* upsert one, remove two (one of them never stored) */
    j = put_json("/v1/calendar",
                 "[{\"date\":\"2026-03-04\",\"working\":true},"
                 "{\"date\":\"2026-01-10\",\"working\":null},"
                 "{\"date\":\"2026-07-01\",\"working\":null}]",
                 200);
    ck_assert_int_eq(tl_jint(j, "upserted"), 1);
    ck_assert_int_eq(tl_jint(j, "removed"), 1);
    json_decref(j);
    ck_assert_int_eq(tl_sql_long("SELECT calendar FROM reference_version"), v0 + 2);
    ck_assert_msg(listed("2026-01-10", &root) == NULL, "a removed override is gone");
    json_decref(root);
    ck_assert_msg(listed("2026-03-04", &root) == NULL, "a weekday made working is not listed");
    json_decref(root);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM calendar_override WHERE working"), 1);

    /* invalid bodies: 400, nothing stored, no version bump */
    static const char *const bad[][2] = {
        { "{\"date\":\"2026-01-10\",\"working\":true}", "array" },
        { "[{\"date\":\"2026-01-10\",\"working\":true}", "array" },
        { "[\"2026-01-10\"]", "[0]" },
        { "[{\"working\":true}]", "[0].date" },
        { "[{\"date\":\"2026-02-30\",\"working\":true}]", "[0].date" },
        { "[{\"date\":\"2026-1-10\",\"working\":true}]", "[0].date" },
        { "[{\"date\":\"20260110\",\"working\":true}]", "[0].date" },
        { "[{\"date\":\"1899-12-31\",\"working\":true}]", "[0].date" },
        { "[{\"date\":\"2201-01-01\",\"working\":true}]", "[0].date" },
        { "[{\"date\":\"2026-01-10\"}]", "[0].working" },
        { "[{\"date\":\"2026-01-10\",\"working\":\"yes\"}]", "[0].working" },
        { "[{\"date\":\"2026-01-10\",\"working\":1}]", "[0].working" },
        { "[{\"date\":\"2026-01-10\",\"working\":true,\"name\":5}]", "[0].name" },
        { "[{\"date\":\"2026-01-11\",\"working\":true},"
          "{\"date\":\"2026-01-17\",\"working\":\"no\"}]", "[1].working" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_invalid_body("/v1/calendar", bad[i][0], bad[i][1]);
    ck_assert_int_eq(tl_sql_long("SELECT calendar FROM reference_version"), v0 + 2);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM calendar_override"), 3);
}
END_TEST

/* ---- overrides change the working-day counts -------------------------------------------- */

/* Received Thursday 2026-03-05, due Tuesday 2026-03-10 17:00. */
static const char OPEN_DOSSIERS[] =
    "[{\"code\":\"W-OPEN\",\"agency_code\":\"A\",\"procedure_code\":\"P\",\"channel\":\"direct\","
    "\"status\":\"processing\",\"received_at\":\"2026-03-05T09:00:00+07:00\","
    "\"due_at\":\"2026-03-10\"}]";

static void expect_left(const char *as_of, int left, int overdue)
{
    json_t *d = get_fmt(200, "/v1/dossiers/W-OPEN?as_of=%s", as_of);
    if (left >= 0)
        ck_assert_msg(tl_jint(d, "working_days_left") == left, "as of %s: left %lld, want %d",
                      as_of, (long long)tl_jint(d, "working_days_left"), left);
    else
        ck_assert_msg(tl_jnull(d, "working_days_left"), "as of %s: left not null", as_of);
    if (overdue >= 0)
        ck_assert_msg(tl_jint(d, "working_days_overdue") == overdue,
                      "as of %s: overdue %lld, want %d", as_of,
                      (long long)tl_jint(d, "working_days_overdue"), overdue);
    else
        ck_assert_msg(tl_jnull(d, "working_days_overdue"), "as of %s: overdue not null", as_of);
    json_decref(d);
}

START_TEST(test_override_changes_counts)
{
    ingest_json(OPEN_DOSSIERS);
    /* Friday: Monday and Tuesday left; the Tuesday after: none left; Friday 13: 3 overdue */
    expect_left("2026-03-06", 2, -1);
    expect_left("2026-03-13", -1, 3);
    put_ok("/v1/calendar", "[{\"date\":\"2026-03-07\",\"working\":true,\"name\":\"Làm bù\"}]");
    expect_left("2026-03-06", 3, -1);
    put_ok("/v1/calendar", "[{\"date\":\"2026-03-12\",\"working\":false}]");
    expect_left("2026-03-13", -1, 2);
    /* removing them restores the rules */
    put_ok("/v1/calendar", "[{\"date\":\"2026-03-07\",\"working\":null},"
                           "{\"date\":\"2026-03-12\",\"working\":null}]");
    expect_left("2026-03-06", 2, -1);
    expect_left("2026-03-13", -1, 3);

    /* another instance stores an override: only the database changes, and
     * this instance sees it on its next request (the version) */
    tl_sql_exec("INSERT INTO calendar_override (day, working, name)"
                " VALUES ('2026-03-09', false, 'elsewhere')");
    tl_sql_exec("UPDATE reference_version SET calendar = calendar + 1");
    expect_left("2026-03-06", 1, -1);
    json_t *root;
    json_t *e = listed("2026-03-09", &root);
    ck_assert_msg(e != NULL, "the other instance's override is listed");
    tl_assert_str(tl_jstr(e, "kind"), "override", "kind");
    json_decref(root);
}
END_TEST

/* ---- computed due dates ------------------------------------------------------------------ */

/* Dossiers received Monday 2026-03-02 10:30 local, without due_at unless said. */
static const char DUE_DOSSIERS[] =
    "["
    "{\"code\":\"D-WD\",\"agency_code\":\"A\",\"procedure_code\":\"P-WD\",\"channel\":\"direct\","
    "\"status\":\"processing\",\"received_at\":\"2026-03-02T10:30:00+07:00\"},"
    "{\"code\":\"D-DAYS\",\"agency_code\":\"A\",\"procedure_code\":\"P-DAYS\",\"channel\":\"direct\","
    "\"status\":\"processing\",\"received_at\":\"2026-03-02T10:30:00+07:00\"},"
    "{\"code\":\"D-HOURS\",\"agency_code\":\"A\",\"procedure_code\":\"P-HOURS\",\"channel\":\"online\","
    "\"status\":\"processing\",\"received_at\":\"2026-03-02T10:30:00+07:00\"},"
    "{\"code\":\"D-OWN\",\"agency_code\":\"A\",\"procedure_code\":\"P-WD\",\"channel\":\"direct\","
    "\"status\":\"processing\",\"received_at\":\"2026-03-02T10:30:00+07:00\","
    "\"due_at\":\"2026-03-20\"},"
    "{\"code\":\"D-NONE\",\"agency_code\":\"A\",\"procedure_code\":\"P-NONE\",\"channel\":\"direct\","
    "\"status\":\"processing\",\"received_at\":\"2026-03-02T10:30:00+07:00\"},"
    "{\"code\":\"D-UNKNOWN\",\"agency_code\":\"A\",\"procedure_code\":\"P-UNKNOWN\",\"channel\":\"direct\","
    "\"status\":\"processing\",\"received_at\":\"2026-03-02T10:30:00+07:00\"}"
    "]";

static void expect_due(const char *code, const char *due, bool computed)
{
    json_t *d = get_fmt(200, "/v1/dossiers/%s?as_of=2026-03-02T12:00:00%%2B07:00", code);
    tl_assert_str(tl_jstr(d, "due_at"), due, "%s: due_at", code);
    ck_assert_msg(tl_jbool(d, "due_computed") == computed, "%s: due_computed", code);
    json_decref(d);
}

START_TEST(test_due_computed)
{
    ingest_json(DUE_DOSSIERS);
    /* no catalog yet: no deadline except its own */
    expect_due("D-WD", NULL, false);
    expect_due("D-OWN", "2026-03-20T17:00:00+07:00", false);

    put_ok("/v1/procedures",
           "[{\"procedure_code\":\"P-WD\",\"duration\":5,\"duration_unit\":\"working_days\"},"
           "{\"procedure_code\":\"P-DAYS\",\"duration\":5,\"duration_unit\":\"days\"},"
           "{\"procedure_code\":\"P-HOURS\",\"duration\":4,\"duration_unit\":\"hours\"},"
           "{\"procedure_code\":\"P-NONE\",\"name\":\"no duration\",\"service_level\":3}]");
    expect_due("D-WD", "2026-03-09T17:00:00+07:00", true);     /* 5 working days after Monday */
    expect_due("D-DAYS", "2026-03-09T17:00:00+07:00", true);   /* Saturday 7 rolls to Monday 9 */
    expect_due("D-HOURS", "2026-03-02T16:00:00+07:00", true);  /* 1 h before lunch, 3 h after */
    expect_due("D-OWN", "2026-03-20T17:00:00+07:00", false);   /* its own due_at wins */
    expect_due("D-NONE", NULL, false);
    expect_due("D-UNKNOWN", NULL, false);

    json_t *d = tl_get("/v1/dossiers/D-WD?as_of=2026-03-06T12:00:00%2B07:00", 200);
    tl_assert_str(tl_jstr(d, "class"), "in_time", "D-WD class");
    ck_assert_int_eq(tl_jint(d, "working_days_left"), 1);
    json_decref(d);
    d = tl_get("/v1/dossiers/D-HOURS?as_of=2026-03-03T08:00:00%2B07:00", 200);
    tl_assert_str(tl_jstr(d, "class"), "overdue", "D-HOURS class next morning");
    json_decref(d);

    /* a catalog change shows at once */
    put_ok("/v1/procedures",
           "[{\"procedure_code\":\"P-WD\",\"duration\":2,\"duration_unit\":\"working_days\"},"
           "{\"procedure_code\":\"P-DAYS\",\"duration\":3,\"duration_unit\":\"days\"}]");
    expect_due("D-WD", "2026-03-04T17:00:00+07:00", true);
    expect_due("D-DAYS", "2026-03-05T17:00:00+07:00", true);
    /* and a calendar change too */
    put_ok("/v1/calendar", "[{\"date\":\"2026-03-03\",\"working\":false},"
                           "{\"date\":\"2026-03-05\",\"working\":false}]");
    expect_due("D-WD", "2026-03-06T17:00:00+07:00", true);
    expect_due("D-DAYS", "2026-03-06T17:00:00+07:00", true);
    expect_due("D-HOURS", "2026-03-02T16:00:00+07:00", true);
    /* a duration removed: no deadline again */
    put_ok("/v1/procedures", "[{\"procedure_code\":\"P-WD\"}]");
    expect_due("D-WD", NULL, false);
    d = tl_get("/v1/dossiers/D-WD?as_of=2026-12-31T12:00:00%2B07:00", 200);
    tl_assert_str(tl_jstr(d, "class"), "in_time", "no deadline: in time");
    json_decref(d);
}
END_TEST

/* ---- metrics count from computed due dates -------------------------------------------------- */

/* Procedure P-M (set per test step). Received Monday 2026-03-02 09:00. */
static const char METRIC_DOSSIERS[] =
    "["
    "{\"code\":\"M-EARLY\",\"agency_code\":\"A\",\"procedure_code\":\"P-M\",\"channel\":\"direct\","
    "\"status\":\"resolved\",\"received_at\":\"2026-03-02T09:00:00+07:00\","
    "\"finished_at\":\"2026-03-04T10:00:00+07:00\"},"
    "{\"code\":\"M-ONTIME\",\"agency_code\":\"A\",\"procedure_code\":\"P-M\",\"channel\":\"direct\","
    "\"status\":\"resolved\",\"received_at\":\"2026-03-02T09:00:00+07:00\","
    "\"finished_at\":\"2026-03-05T16:00:00+07:00\"},"
    "{\"code\":\"M-LATE\",\"agency_code\":\"A\",\"procedure_code\":\"P-M\",\"channel\":\"direct\","
    "\"status\":\"returned\",\"received_at\":\"2026-03-02T09:00:00+07:00\","
    "\"finished_at\":\"2026-03-09T08:00:00+07:00\"},"
    "{\"code\":\"M-OPEN\",\"agency_code\":\"A\",\"procedure_code\":\"P-M\",\"channel\":\"direct\","
    "\"status\":\"processing\",\"received_at\":\"2026-03-02T09:00:00+07:00\"},"
    "{\"code\":\"M-OWN\",\"agency_code\":\"A\",\"procedure_code\":\"P-M\",\"channel\":\"direct\","
    "\"status\":\"resolved\",\"received_at\":\"2026-03-02T09:00:00+07:00\","
    "\"due_at\":\"2026-03-03\",\"finished_at\":\"2026-03-05T10:00:00+07:00\"}"
    "]";

static void expect_counts(long early, long on_time, long late, long in_time, long overdue)
{
    json_t *m = tl_get("/v1/metrics?from=2026-03-01&to=2026-03-31"
                       "&as_of=2026-03-10T12:00:00%2B07:00", 200);
    ck_assert_int_eq(tl_jint(m, "counts.received"), 5);
    ck_assert_msg(tl_jint(m, "counts.early") == early, "early %lld, want %ld",
                  (long long)tl_jint(m, "counts.early"), early);
    ck_assert_msg(tl_jint(m, "counts.on_time") == on_time, "on_time %lld, want %ld",
                  (long long)tl_jint(m, "counts.on_time"), on_time);
    ck_assert_msg(tl_jint(m, "counts.late") == late, "late %lld, want %ld",
                  (long long)tl_jint(m, "counts.late"), late);
    ck_assert_msg(tl_jint(m, "counts.in_time") == in_time, "in_time %lld, want %ld",
                  (long long)tl_jint(m, "counts.in_time"), in_time);
    ck_assert_msg(tl_jint(m, "counts.overdue") == overdue, "overdue %lld, want %ld",
                  (long long)tl_jint(m, "counts.overdue"), overdue);
    ck_assert_int_eq(tl_jint(m, "rates.late_rate.numerator"), late);
    ck_assert_int_eq(tl_jint(m, "rates.late_rate.denominator"), 4);
    json_decref(m);
}

START_TEST(test_metrics_use_computed_due)
{
    ingest_json(METRIC_DOSSIERS);
    /* no duration: no deadline, finished ones on time, the open one in time;
     * M-OWN (due 3/3, finished 3/5) is late by its own due_at throughout */
    expect_counts(0, 3, 1, 1, 0);
    /* 3 working days: due Thursday 3/5 */
    put_ok("/v1/procedures",
           "[{\"procedure_code\":\"P-M\",\"duration\":3,\"duration_unit\":\"working_days\"}]");
    expect_counts(1, 1, 2, 0, 1);
    /* a longer duration: due Monday 3/16 */
    put_ok("/v1/procedures",
           "[{\"procedure_code\":\"P-M\",\"duration\":10,\"duration_unit\":\"working_days\"}]");
    expect_counts(3, 0, 1, 1, 0);
    /* 4 calendar days: Friday 3/6 */
    put_ok("/v1/procedures", "[{\"procedure_code\":\"P-M\",\"duration\":4,\"duration_unit\":\"days\"}]");
    expect_counts(2, 0, 2, 0, 1);
    /* a day off on Friday rolls it to Monday 3/9: M-LATE is now on time */
    put_ok("/v1/calendar", "[{\"date\":\"2026-03-06\",\"working\":false}]");
    expect_counts(2, 1, 1, 0, 1);
    /* 3 working days with Wednesday and Friday off: Tuesday 3, Thursday 5, Monday 9 */
    put_ok("/v1/calendar", "[{\"date\":\"2026-03-04\",\"working\":false}]");
    put_ok("/v1/procedures",
           "[{\"procedure_code\":\"P-M\",\"duration\":3,\"duration_unit\":\"working_days\"}]");
    expect_counts(2, 1, 1, 0, 1);
    /* as_of before the due date: the open one is in time */
    json_t *m = tl_get("/v1/metrics?from=2026-03-01&to=2026-03-31"
                       "&as_of=2026-03-09T12:00:00%2B07:00", 200);
    ck_assert_int_eq(tl_jint(m, "counts.in_time"), 1);
    ck_assert_int_eq(tl_jint(m, "counts.overdue"), 0);
    json_decref(m);
}
END_TEST

/* ---- suite ---------------------------------------------------------------------------------- */

Suite *make_reference_suite(void)
{
    Suite *s = suite_create("reference");
    TCase *tc = tcase_create("reference");
    tcase_add_checked_fixture(tc, tl_setup, tl_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_procedures_put_get);
    tcase_add_test(tc, test_procedures_bad_bodies);
    tcase_add_test(tc, test_procedures_import_csv);
    tcase_add_test(tc, test_calendar_get);
    tcase_add_test(tc, test_calendar_put);
    tcase_add_test(tc, test_override_changes_counts);
    tcase_add_test(tc, test_due_computed);
    tcase_add_test(tc, test_metrics_use_computed_due);
    suite_add_tcase(s, tc);
    return s;
}
