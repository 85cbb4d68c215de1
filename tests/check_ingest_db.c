/*
 * check_ingest_db.c - POST /v1/dossiers end to end (spec §3): the real server
 * in-process on a fresh PostgreSQL database per test, driven over HTTP.
 *
 * Covers every input format (JSON array and object, NDJSON, CSV, the
 * DongBoHoSoMC envelope), the upsert outcomes (inserted, unchanged, updated,
 * stale, a code twice in one batch), every validation rule of §3.3 with the
 * field it names, whole-request errors (400 on a JSON syntax error with
 * nothing stored, 413 with Content-Length and chunked, 415), hostile and huge
 * bodies, a batch larger than one ingest chunk, concurrent batches racing on
 * the same new codes, personal data never stored, media-type parameters,
 * codes holding URL characters, and the round trip of every stored field
 * through GET /v1/dossiers/{code}.
 */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "ingest.h"
#include "refdata.h"

#define JSON_CT "application/json"
#define NDJSON_CT "application/x-ndjson"
#define CSV_CT "text/csv"

/* ---- helpers ---------------------------------------------------------------- */

static long count_dossiers(void) { return tl_sql_long("SELECT count(*) FROM dossier"); }

static json_t *dossier(const char *code)
{
    char *enc = tl_urlencode(code);
    char path[512];
    snprintf(path, sizeof path, "/v1/dossiers/%s", enc);
    free(enc);
    return tl_get(path, 200);
}

/* Posts a JSON value (array, object or envelope; stolen) and returns the result. */
static json_t *post_json(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT);
    ck_assert(s != NULL);
    json_decref(v);
    json_t *res = tl_ingest(JSON_CT, s, strlen(s));
    free(s);
    return res;
}

static void expect_counts(json_t *res, long received, long inserted, long updated,
                          long unchanged, long stale, long rejected)
{
    const struct { const char *k; long v; } want[] = {
        { "received", received }, { "inserted", inserted }, { "updated", updated },
        { "unchanged", unchanged }, { "stale", stale }, { "rejected", rejected },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(tl_jint(res, want[i].k) == want[i].v, "%s = %lld, want %ld", want[i].k,
                      (long long)tl_jint(res, want[i].k), want[i].v);
    long nerr = (long)json_array_size(json_object_get(res, "errors"));
    ck_assert_msg(rejected == 0 ? nerr == 0
                                : nerr >= (rejected < 1000 ? rejected : 1000) && nerr <= 1000,
                  "errors lists %ld entries for %ld rejected records", nerr, rejected);
}

/* The error entry whose `key` ("index" or "line") is pos, or NULL. */
static json_t *find_error(json_t *res, const char *key, long pos)
{
    json_t *errs = json_object_get(res, "errors"), *e;
    size_t i;
    json_array_foreach(errs, i, e) {
        json_t *v = json_object_get(e, key);
        if (json_is_integer(v) && json_integer_value(v) == pos)
            return e;
    }
    return NULL;
}

/* An error at index/line pos naming `field` (NULL: the record as a whole). */
static void expect_error(json_t *res, const char *key, long pos, const char *field)
{
    json_t *e = find_error(res, key, pos);
    ck_assert_msg(e != NULL, "no error with %s %ld", key, pos);
    json_t *f = json_object_get(e, "field");
    ck_assert_msg(f != NULL, "error %s %ld has no field member", key, pos);
    ck_assert_msg(field ? json_is_string(f) && strcmp(json_string_value(f), field) == 0
                        : json_is_null(f),
                  "error %s %ld: field %s, want %s", key, pos,
                  json_is_string(f) ? json_string_value(f) : "null", field ? field : "null");
    json_t *m = json_object_get(e, "message");
    ck_assert_msg(json_is_string(m) && json_string_length(m) > 0, "error %s %ld has no message",
                  key, pos);
}

/* A valid open record: required fields plus a due date. */
static json_t *base_rec(const char *code)
{
    json_t *o = json_pack("{ss ss ss ss ss ss ss}", "code", code, "agency_code", "000.00.01.H62",
                          "procedure_code", "1.004227", "channel", "online", "status",
                          "processing", "received_at", "2024-03-11T08:00:00+07:00", "due_at",
                          "2024-03-15");
    ck_assert(o != NULL);
    return o;
}

/* base_rec as finished (resolved) at `finished`. */
static json_t *finished_rec(const char *code, const char *finished)
{
    json_t *o = base_rec(code);
    json_object_set_new(o, "status", json_string("resolved"));
    json_object_set_new(o, "finished_at", json_string(finished));
    return o;
}

static json_t *with_fee_upd(json_t *o, long fee, const char *updated_at)
{
    json_object_set_new(o, "fee", json_integer(fee));
    json_object_set_new(o, "updated_at", updated_at ? json_string(updated_at) : json_null());
    return o;
}

static json_t *array_of(json_t *a, json_t *b)
{
    json_t *arr = json_array();
    json_array_append_new(arr, a);
    if (b)
        json_array_append_new(arr, b);
    return arr;
}

/* Posts one record (steals it) and checks the single outcome. */
static void send_one(json_t *rec, const char *outcome)
{
    json_t *res = post_json(rec);
    ck_assert_msg(tl_jint(res, "received") == 1, "received %lld", (long long)tl_jint(res, "received"));
    ck_assert_msg(tl_jint(res, outcome) == 1, "outcome is not %s: %s", outcome,
                  json_dumps(res, JSON_COMPACT));
    json_decref(res);
}

static void expect_fee(const char *code, long fee)
{
    json_t *d = dossier(code);
    ck_assert_msg(tl_jint(d, "fee") == fee, "%s: fee %lld, want %ld", code,
                  (long long)tl_jint(d, "fee"), fee);
    json_decref(d);
}

static void expect_str_field(json_t *d, const char *key, const char *want)
{
    tl_assert_str(tl_jstr(d, key), want, "field %s", key);
}

/* ---- formats ----------------------------------------------------------------- */

START_TEST(test_json_array_and_object)
{
    json_t *arr = array_of(base_rec("A-1"), finished_rec("A-2", "2024-03-14T10:00:00+07:00"));
    json_array_append_new(arr, base_rec("A-3"));
    json_t *res = post_json(arr);
    expect_counts(res, 3, 3, 0, 0, 0, 0);
    json_decref(res);
    ck_assert_int_eq(count_dossiers(), 3);

    json_t *one = base_rec("A-4");
    res = post_json(one);
    expect_counts(res, 1, 1, 0, 0, 0, 0);
    json_decref(res);
    ck_assert_int_eq(count_dossiers(), 4);
    json_t *d = dossier("A-2");
    expect_str_field(d, "status", "resolved");
    expect_str_field(d, "finished_at", "2024-03-14T10:00:00+07:00");
    json_decref(d);
}
END_TEST

START_TEST(test_ndjson_lines)
{
    static const char body[] =
        "{\"code\":\"N-1\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"1.004227\","
        "\"channel\":\"online\",\"status\":\"processing\",\"received_at\":\"2024-03-11 08:00\"}\n"
        "{\"code\":\"N-2\",\"agency_code\": \n"
        "\n"
        "{\"code\":\"N-3\",\"agency_code\":\"000.00.01.H62\",\"agency_name\":\"bad \xC3\x28 utf8\","
        "\"procedure_code\":\"1.004227\",\"channel\":\"online\",\"status\":\"processing\","
        "\"received_at\":\"2024-03-11 08:00\"}\n"
        "   \t \n"
        "{\"code\":\"N-4\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"1.004227\","
        "\"channel\":2,\"status\":4,\"received_at\":\"2024-03-11 08:00\"}\r\n"
        "{\"code\":\"N-5\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"1.004227\","
        "\"channel\":\"direct\",\"status\":\"registered\"}";
    json_t *res = tl_ingest(NDJSON_CT, body, sizeof body - 1);
    expect_counts(res, 5, 3, 0, 0, 0, 2);
    expect_error(res, "index", 1, NULL);
    expect_error(res, "index", 2, NULL);
    json_t *e = find_error(res, "index", 2);
    json_t *line = json_object_get(e, "line");
    ck_assert_msg(!line || json_integer_value(line) == 4, "invalid UTF-8 line reported at %lld",
                  (long long)json_integer_value(line));
    json_decref(res);
    ck_assert_int_eq(count_dossiers(), 3);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM dossier WHERE code IN ('N-1','N-4','N-5')"), 3);
    json_t *d = dossier("N-4");
    expect_str_field(d, "channel", "online");
    expect_str_field(d, "status", "processing");
    json_decref(d);
}
END_TEST

/* The CSV body: BOM, columns out of order plus an unknown one, quoted cells
 * with commas, quotes and a line break, blank line, a malformed row (line 6),
 * a row with too few cells (line 7), an unknown channel (line 9), invalid
 * UTF-8 (line 11). */
static const char CSV_BODY[] =
    "\xEF\xBB\xBFstatus,code,received_at,agency_code,agency_name,procedure_code,channel,due_at,"
    "fee,paid_online,apology,finished_at,ghi_chu,supplement_count\r\n"
    "processing,C1,2024-03-11 08:00:00,000.00.01.H62,\"S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p, t\xE1"
    "\xBB\x89nh V\xC4\xA9nh Long\",1.004227,online,2024-03-15,,1,0,,x,0\r\n"
    "resolved,C2,2024-03-11T09:00,000.00.02.H62,\"S\xE1\xBB\x9F \"\"X\xC3\xA2y d\xE1\xBB\xB1ng\"\"\n"
    "d\xC3\xB2ng hai\",1.001757,direct,,0,yes,no,2024-03-12 10:00,\"a,b\",\n"
    "\n"
    "processing,C3,2024-03-11 08:00,000.00.01.H62,A\"B,1.004227,online,,,,,,,0\n"
    "processing,C4,2024-03-11 08:00,000.00.01.H62\n"
    "returned,C5,20240311080000,000.00.15.H62,,2.000889,postal,2024-03-20,150000,true,false,"
    "2024-03-19T16:00:00+07:00,,1\n"
    "processing,C6,2024-03-11 08:00,000.00.01.H62,,1.004227,fax,,,,,,,0\n"
    "processing,C7,2024-03-11 08:00,000.00.01.H62,,1.004227,2,,,,,,,0\n"
    "processing,C8,2024-03-11 08:00,000.00.01.H62,bad \xff name,1.004227,online,,,,,,,0";

static void check_csv_c1_c2(void)
{
    json_t *d = dossier("C1");
    expect_str_field(d, "agency_name", "S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p, t\xE1\xBB\x89nh V\xC4\xA9nh Long");
    expect_str_field(d, "received_at", "2024-03-11T08:00:00+07:00");
    expect_str_field(d, "due_at", "2024-03-15T17:00:00+07:00");
    ck_assert_msg(tl_jnull(d, "fee"), "C1: an empty fee cell must be null");
    ck_assert_msg(tl_jbool(d, "paid_online") && !tl_jbool(d, "apology"), "C1: booleans 1/0");
    json_decref(d);
    d = dossier("C2");
    expect_str_field(d, "agency_name", "S\xE1\xBB\x9F \"X\xC3\xA2y d\xE1\xBB\xB1ng\"\nd\xC3\xB2ng hai");
    ck_assert_msg(tl_jnull(d, "due_at"), "C2: an empty due_at cell must be null");
    ck_assert_int_eq(tl_jint(d, "fee"), 0);
    ck_assert_msg(tl_jbool(d, "paid_online") && !tl_jbool(d, "apology"), "C2: booleans yes/no");
    ck_assert_int_eq(tl_jint(d, "supplement_count"), 0);
    expect_str_field(d, "finished_at", "2024-03-12T10:00:00+07:00");
    expect_str_field(d, "status", "resolved");
    expect_str_field(d, "channel", "direct");
    json_decref(d);
}

static void check_csv_c5_c7(void)
{
    json_t *d = dossier("C5");
    expect_str_field(d, "received_at", "2024-03-11T08:00:00+07:00");
    expect_str_field(d, "status", "returned");
    expect_str_field(d, "channel", "postal");
    ck_assert_int_eq(tl_jint(d, "fee"), 150000);
    ck_assert_int_eq(tl_jint(d, "supplement_count"), 1);
    ck_assert_msg(tl_jbool(d, "paid_online") && !tl_jbool(d, "apology"), "C5: booleans true/false");
    json_decref(d);
    d = dossier("C7");
    expect_str_field(d, "channel", "online");
    json_decref(d);
}

START_TEST(test_csv)
{
    json_t *res = tl_ingest(CSV_CT "; charset=utf-8", CSV_BODY, sizeof CSV_BODY - 1);
    expect_counts(res, 8, 4, 0, 0, 0, 4);
    expect_error(res, "line", 6, NULL);
    expect_error(res, "line", 7, NULL);
    expect_error(res, "line", 9, "channel");
    expect_error(res, "line", 11, NULL);
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(res, "errors"), i, e)
        ck_assert_msg(json_object_get(e, "index") == NULL, "a CSV error carries line, not index");
    tl_assert_str(tl_jstr(find_error(res, "line", 9), "code"), "C6", "code of the line-9 error");
    json_decref(res);
    ck_assert_int_eq(count_dossiers(), 4);
    check_csv_c1_c2();
    check_csv_c5_c7();
    /* The same body again: every valid row unchanged. */
    res = tl_ingest(CSV_CT, CSV_BODY, sizeof CSV_BODY - 1);
    expect_counts(res, 8, 0, 0, 4, 0, 4);
    json_decref(res);
}
END_TEST

/* ---- DongBoHoSoMC ----------------------------------------------------------- */

static const char ENVELOPE[] =
    "{\"service\":\"DongBoHoSoMC\",\"isUpdating\":true,\"data\":["
    "{\"MaHoSo\":\"000.00.01.H62-240311-0001\",\"DonViXuLy\":\"S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p\","
    "\"MaTTHC\":\"1.004227\",\"TenTTHC\":\"C\xE1\xBA\xA5p phi\xE1\xBA\xBFu\",\"MaLinhVuc\":\"G01\","
    "\"KenhThucHien\":\"2\",\"TrangThaiHoSo\":\"10\",\"NgayTiepNhan\":\"20240311080000\","
    "\"NgayHenTra\":\"20240313170000\",\"NgayKetThucXuLy\":\"20240314100000\","
    "\"NgayTra\":\"20240314150000\",\"DanhSachLePhi\":[{\"TenPhiLePhi\":\"L\xE1\xBB\x87 ph\xC3\xAD\","
    "\"Gia\":\"100000\"},{\"Gia\":200000}],\"DuocThanhToanTrucTuyen\":\"1\","
    "\"DanhSachHoSoBoSung\":[{\"NgayBoSung\":\"20240312090000\"},{\"NgayBoSung\":\"20240313100000\"},"
    "{\"NgayBoSung\":\"20240311140000\"}],"
    "\"ChuHoSo\":\"Nguy\xE1\xBB\x85n V\xC4\x83n An\",\"SoGiayToChuHoSo\":\"079123456789\","
    "\"SoDienThoai\":\"0912345678\",\"Email\":\"an.nguyen@example.vn\",\"DiaChi\":\"12 L\xC3\xAA L\xE1\xBB\xA3i\"},"
    "{\"MaHoSo\":\"000.00.02.H62-240311-0002\",\"MaTTHC\":1004227,\"KenhThucHien\":null,"
    "\"TrangThaiHoSo\":4,\"NgayTiepNhan\":\"20240311090000\",\"NgayHenTra\":\"20240320170000\","
    "\"DanhSachLePhi\":[],\"DuocThanhToanTrucTuyen\":2},"
    "{\"MaHoSo\":\"H62240311\",\"MaTTHC\":\"1.004227\",\"TrangThaiHoSo\":\"2\","
    "\"NgayTiepNhan\":\"20240311080000\"},"
    "{\"MaHoSo\":\"000.00.15.H62-240311-0004\",\"MaTTHC\":\"2.000889\",\"KenhThucHien\":3,"
    "\"TrangThaiHoSo\":\"4\",\"NgayTiepNhan\":\"20240311080000\",\"DuocThanhToanTrucTuyen\":0}"
    "]}";

static void check_envelope_first(void)
{
    json_t *d = dossier("000.00.01.H62-240311-0001");
    expect_str_field(d, "agency_code", "000.00.01.H62");
    expect_str_field(d, "agency_name", "S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p");
    expect_str_field(d, "procedure_code", "1.004227");
    expect_str_field(d, "procedure_name", "C\xE1\xBA\xA5p phi\xE1\xBA\xBFu");
    expect_str_field(d, "field_code", "G01");
    expect_str_field(d, "channel", "online");
    expect_str_field(d, "status", "returned");
    expect_str_field(d, "received_at", "2024-03-11T08:00:00+07:00");
    expect_str_field(d, "due_at", "2024-03-13T17:00:00+07:00");
    expect_str_field(d, "finished_at", "2024-03-14T10:00:00+07:00");
    expect_str_field(d, "returned_at", "2024-03-14T15:00:00+07:00");
    ck_assert_int_eq(tl_jint(d, "fee"), 300000);
    ck_assert_msg(tl_jbool(d, "paid_online"), "DuocThanhToanTrucTuyen \"1\" is paid online");
    ck_assert_int_eq(tl_jint(d, "supplement_count"), 3);
    expect_str_field(d, "supplement_requested_at", "2024-03-13T10:00:00+07:00");
    expect_str_field(d, "updated_at", "2024-03-14T15:00:00+07:00");
    ck_assert_msg(!tl_jbool(d, "apology") && tl_jnull(d, "extended_due_at") &&
                      tl_jnull(d, "service_level"),
                  "the envelope carries no apology, extension or level");
    json_decref(d);
}

static void check_envelope_others(void)
{
    json_t *d = dossier("000.00.02.H62-240311-0002");
    expect_str_field(d, "agency_code", "000.00.02.H62");
    expect_str_field(d, "procedure_code", "1004227");
    expect_str_field(d, "channel", "direct");
    expect_str_field(d, "status", "processing");
    ck_assert_int_eq(tl_jint(d, "fee"), 0);
    ck_assert_msg(tl_jbool(d, "paid_online"), "DuocThanhToanTrucTuyen 2 is paid online");
    ck_assert_int_eq(tl_jint(d, "supplement_count"), 0);
    ck_assert_msg(tl_jnull(d, "supplement_requested_at"), "no supplement list: null");
    json_decref(d);
    d = dossier("000.00.15.H62-240311-0004");
    expect_str_field(d, "channel", "postal");
    ck_assert_msg(tl_jnull(d, "fee"), "no DanhSachLePhi: fee null");
    ck_assert_msg(!tl_jbool(d, "paid_online"), "DuocThanhToanTrucTuyen 0 is not paid online");
    json_decref(d);
}

START_TEST(test_envelope_mapping)
{
    json_t *res = tl_ingest(JSON_CT, ENVELOPE, sizeof ENVELOPE - 1);
    expect_counts(res, 4, 3, 0, 0, 0, 1);
    json_t *e = find_error(res, "index", 2);
    ck_assert_msg(e != NULL, "the MaHoSo without '-' is rejected at data index 2");
    const char *f = tl_jstr(e, "field");
    ck_assert_msg(f && (!strcmp(f, "agency_code") || !strcmp(f, "code")),
                  "MaHoSo without '-': field %s", f ? f : "null");
    json_decref(res);
    ck_assert_int_eq(count_dossiers(), 3);
    check_envelope_first();
    check_envelope_others();
    res = tl_ingest(JSON_CT, ENVELOPE, sizeof ENVELOPE - 1);
    expect_counts(res, 4, 0, 0, 3, 0, 1);
    json_decref(res);
}
END_TEST

/* One envelope with one dossier (MaHoSo code) in status st. */
static void send_envelope(const char *code, int st, const char *due, const char *finished,
                          const char *returned, const char *outcome)
{
    tl_buf b = { 0 };
    tl_buf_printf(&b, "{\"service\":\"DongBoHoSoMC\",\"data\":[{\"MaHoSo\":\"%s\","
                      "\"MaTTHC\":\"1.004227\",\"KenhThucHien\":2,\"TrangThaiHoSo\":%d,"
                      "\"NgayTiepNhan\":\"20240301080000\",\"NgayHenTra\":\"%s\"",
                  code, st, due);
    if (finished)
        tl_buf_printf(&b, ",\"NgayKetThucXuLy\":\"%s\",\"NgayTra\":\"%s\"", finished, returned);
    tl_buf_puts(&b, "}]}");
    json_t *res = tl_ingest(JSON_CT, b.p, b.len);
    ck_assert_msg(tl_jint(res, outcome) == 1, "%s (status %d): expected %s, got %s", code, st,
                  outcome, json_dumps(res, JSON_COMPACT));
    json_decref(res);
    tl_buf_free(&b);
}

START_TEST(test_envelope_older_resend_is_stale)
{
    /* Finished late: the newer state's latest timestamp is its NgayTra. */
    const char *code = "000.00.01.H62-240301-0009";
    send_envelope(code, 10, "20240305170000", "20240308100000", "20240308150000", "inserted");
    send_envelope(code, 4, "20240305170000", NULL, NULL, "stale");
    json_t *d = dossier(code);
    expect_str_field(d, "status", "returned");
    expect_str_field(d, "updated_at", "2024-03-08T15:00:00+07:00");
    json_decref(d);
}
END_TEST

/*
 * The usual case, a dossier finished early: its older "processing" state,
 * re-sent late by the portal, must be stale (spec §3.2: updated_at is the
 * latest timestamp "so an older re-sent state is stale"). NgayHenTra is an
 * appointment in the future, not a change time; counting it makes both
 * states look equally new and the re-send rolls the dossier back.
 */
START_TEST(test_envelope_early_finish_resend_is_stale)
{
    const char *code = "000.00.01.H62-240301-0010";
    send_envelope(code, 10, "20240315170000", "20240308100000", "20240308150000", "inserted");
    send_envelope(code, 4, "20240315170000", NULL, NULL, "stale");
    json_t *d = dossier(code);
    expect_str_field(d, "status", "returned");
    json_decref(d);
}
END_TEST

/* ---- personal data ---------------------------------------------------------- */

/* Rows of any table in the public schema whose text matches regex re. */
static long rows_matching(const char *re)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(sum((xpath('/row/c/text()', query_to_xml(format("
             "'SELECT count(*) AS c FROM %%I.%%I t WHERE t::text ~ %%L', schemaname, tablename, "
             "'%s'), false, true, '')))[1]::text::int), 0) FROM pg_tables "
             "WHERE schemaname = 'public'", re);
    return tl_sql_long(sql);
}

START_TEST(test_personal_data_not_stored)
{
    json_t *res = tl_ingest(JSON_CT, ENVELOPE, sizeof ENVELOPE - 1);
    json_decref(res);
    json_t *rec = base_rec("P-1");
    json_object_set_new(rec, "ChuHoSo", json_string("Tr\xE1\xBA\xA7n Th\xE1\xBB\x8B B\xC3\xAD" "ch"));
    json_object_set_new(rec, "applicant_name", json_string("Tr\xE1\xBA\xA7n Th\xE1\xBB\x8B B\xC3\xAD" "ch"));
    json_object_set_new(rec, "phone", json_string("0987654321"));
    json_object_set_new(rec, "id_number", json_string("001200009999"));
    send_one(rec, "inserted");

    ck_assert_msg(rows_matching("S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p") >= 1,
                  "the search does not find a label that is stored");
    long n = rows_matching("079123456789|0912345678|an\\.nguyen@example|Nguy\xE1\xBB\x85n V\xC4\x83n An|"
                           "12 L\xC3\xAA L\xE1\xBB\xA3i|0987654321|001200009999|Tr\xE1\xBA\xA7n Th\xE1\xBB\x8B B\xC3\xAD" "ch");
    ck_assert_msg(n == 0, "%ld rows hold personal data", n);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM information_schema.columns WHERE "
                                 "table_schema = 'public' AND column_name ~* "
                                 "'chu_?ho_?so|giay_?to|dien_?thoai|phone|email|dia_?chi|"
                                 "address|applicant|citizen|cccd|cmnd|id_number'"), 0);
    const char *codes[] = { "000.00.01.H62-240311-0001", "P-1" };
    for (size_t i = 0; i < 2; i++) {
        json_t *d = dossier(codes[i]);
        char *s = json_dumps(d, JSON_COMPACT);
        ck_assert_msg(!strstr(s, "079123456789") && !strstr(s, "0912345678") &&
                          !strstr(s, "ChuHoSo") && !strstr(s, "Email") && !strstr(s, "phone") &&
                          !strstr(s, "0987654321") && !strstr(s, "applicant"),
                      "GET %s echoes personal data: %s", codes[i], s);
        free(s);
        json_decref(d);
    }
}
END_TEST

/* ---- outcomes ------------------------------------------------------------------ */

START_TEST(test_outcomes_sequence)
{
    send_one(with_fee_upd(base_rec("O-1"), 1000, "2024-03-11T09:00:00+07:00"), "inserted");
    send_one(with_fee_upd(base_rec("O-1"), 1000, "2024-03-11T09:00:00+07:00"), "unchanged");
    send_one(with_fee_upd(base_rec("O-1"), 2000, "2024-03-12T09:00:00+07:00"), "updated");
    expect_fee("O-1", 2000);
    send_one(with_fee_upd(base_rec("O-1"), 3000, "2024-03-11T10:00:00+07:00"), "stale");
    expect_fee("O-1", 2000);
    json_t *d = dossier("O-1");
    expect_str_field(d, "updated_at", "2024-03-12T09:00:00+07:00");
    json_decref(d);
    /* Same updated_at, other content: not older, so updated. */
    send_one(with_fee_upd(base_rec("O-1"), 2500, "2024-03-12T09:00:00+07:00"), "updated");
    expect_fee("O-1", 2500);
    /* Without updated_at it cannot be stale. */
    send_one(with_fee_upd(base_rec("O-1"), 4000, NULL), "updated");
    d = dossier("O-1");
    ck_assert_msg(tl_jnull(d, "updated_at"), "updated_at replaced by null");
    json_decref(d);
    /* The stored version has none now: an old updated_at is not stale. */
    send_one(with_fee_upd(base_rec("O-1"), 5000, "2024-01-01T00:00:00+07:00"), "updated");
    expect_fee("O-1", 5000);
    ck_assert_int_eq(count_dossiers(), 1);
}
END_TEST

START_TEST(test_record_replaced_whole)
{
    json_t *r = base_rec("W-1");
    json_object_set_new(r, "field_code", json_string("G01"));
    json_object_set_new(r, "apology", json_true());
    json_object_set_new(r, "agency_name", json_string("Old name"));
    send_one(r, "inserted");
    r = base_rec("W-1");
    json_object_set_new(r, "agency_name", json_string("New name"));
    send_one(r, "updated");
    json_t *d = dossier("W-1");
    ck_assert_msg(tl_jnull(d, "field_code"), "an absent field_code is null after the update");
    ck_assert_msg(!tl_jbool(d, "apology"), "an absent apology is false after the update");
    expect_str_field(d, "agency_name", "New name");
    json_decref(d);
    /* A label is not a dossier field: a new name alone leaves it unchanged, latest name wins. */
    r = base_rec("W-1");
    json_object_set_new(r, "agency_name", json_string("Newest name"));
    send_one(r, "unchanged");
    d = dossier("W-1");
    expect_str_field(d, "agency_name", "Newest name");
    json_decref(d);
}
END_TEST

START_TEST(test_same_code_twice_in_batch)
{
    json_t *res = post_json(array_of(with_fee_upd(base_rec("B-1"), 1, NULL),
                                     with_fee_upd(base_rec("B-1"), 2, NULL)));
    expect_counts(res, 2, 1, 1, 0, 0, 0);
    json_decref(res);
    expect_fee("B-1", 2);

    res = post_json(array_of(with_fee_upd(base_rec("B-2"), 2, "2024-03-12T09:00:00+07:00"),
                             with_fee_upd(base_rec("B-2"), 1, "2024-03-11T09:00:00+07:00")));
    expect_counts(res, 2, 1, 0, 0, 1, 0);
    json_decref(res);
    expect_fee("B-2", 2);

    res = post_json(array_of(with_fee_upd(base_rec("B-3"), 7, NULL),
                             with_fee_upd(base_rec("B-3"), 7, NULL)));
    expect_counts(res, 2, 1, 0, 1, 0, 0);
    json_decref(res);

    /* Re-sending the first batch: v1 replaces the stored v2, then v2 replaces v1. */
    res = post_json(array_of(with_fee_upd(base_rec("B-1"), 1, NULL),
                             with_fee_upd(base_rec("B-1"), 2, NULL)));
    expect_counts(res, 2, 0, 2, 0, 0, 0);
    json_decref(res);
    expect_fee("B-1", 2);
    ck_assert_int_eq(count_dossiers(), 3);
}
END_TEST

/* ---- validation ----------------------------------------------------------------- */

typedef struct {
    const char *patch;   /* JSON object merged into base_rec */
    const char *del;     /* comma-separated keys removed */
    const char *field;   /* the field the error names; NULL with ok */
    bool ok;             /* accepted */
} vcase;

static const vcase VCASES[] = {
    { NULL, "code", "code", false },
    { NULL, "agency_code", "agency_code", false },
    { NULL, "procedure_code", "procedure_code", false },
    { NULL, "channel", "channel", false },
    { NULL, "status", "status", false },
    { NULL, "received_at", "received_at", false },
    { "{\"code\":123}", NULL, "code", false },
    { "{\"agency_code\":[\"x\"]}", NULL, "agency_code", false },
    { "{\"procedure_name\":{\"a\":1}}", NULL, "procedure_name", false },
    { "{\"agency_name\":5}", NULL, "agency_name", false },
    { "{\"fee\":\"abc\"}", NULL, "fee", false },
    { "{\"fee\":1.5}", NULL, "fee", false },
    { "{\"apology\":\"yes\"}", NULL, "apology", false },
    { "{\"paid_online\":1}", NULL, "paid_online", false },
    { "{\"supplement_count\":\"2\"}", NULL, "supplement_count", false },
    { "{\"service_level\":\"3\"}", NULL, "service_level", false },
    { "{\"received_at\":20240311}", NULL, "received_at", false },
    { "{\"extended_due_at\":[]}", NULL, "extended_due_at", false },
    { "{\"supplement_requested_at\":true}", NULL, "supplement_requested_at", false },
    { "{\"channel\":true}", NULL, "channel", false },
    { "{\"channel\":\"fax\"}", NULL, "channel", false },
    { "{\"channel\":4}", NULL, "channel", false },
    { "{\"status\":\"done\"}", NULL, "status", false },
    { "{\"status\":11}", NULL, "status", false },
    { "{\"received_at\":\"2024-13-01T08:00:00+07:00\"}", NULL, "received_at", false },
    { "{\"due_at\":\"not a date\"}", NULL, "due_at", false },
    { "{\"updated_at\":\"yesterday\"}", NULL, "updated_at", false },
    { "{\"returned_at\":\"2024-03-11T25:00:00\"}", NULL, "returned_at", false },
    { "{\"status\":\"resolved\",\"finished_at\":\"2024-02-30 10:00\"}", NULL, "finished_at", false },
    { "{\"due_at\":\"2024-03-10\"}", NULL, "due_at", false },
    { "{\"due_at\":\"2024-03-11T07:59:59+07:00\"}", NULL, "due_at", false },
    { "{\"status\":\"resolved\",\"finished_at\":\"2024-03-10T09:00:00+07:00\"}", NULL, "finished_at", false },
    { "{\"finished_at\":\"2024-03-12T09:00:00+07:00\"}", NULL, "finished_at", false },
    { "{\"status\":\"supplement_requested\",\"finished_at\":\"2024-03-12T09:00:00+07:00\"}", NULL,
      "finished_at", false },
    { "{\"status\":\"returned\"}", NULL, "finished_at", false },
    { "{\"status\":7}", NULL, "finished_at", false },
    { "{\"fee\":-1}", NULL, "fee", false },
    { "{\"status\":\"registered\"}", "received_at", NULL, true },
    { "{\"status\":3}", "received_at", NULL, true },
    { "{\"due_at\":\"\"}", NULL, NULL, true },
    { "{\"status\":10,\"finished_at\":\"2024-03-11T08:00:00+07:00\"}", NULL, NULL, true },
    { "{\"due_at\":\"2024-03-11T08:00:00+07:00\"}", NULL, NULL, true },
    { "{\"channel\":2,\"fee\":0,\"ghi_chu\":[1,{\"x\":null}]}", NULL, NULL, true },
};
#define NVCASES (sizeof VCASES / sizeof VCASES[0])

static json_t *vcase_rec(size_t i)
{
    char code[16];
    snprintf(code, sizeof code, "V-%02zu", i);
    json_t *r = base_rec(code);
    if (VCASES[i].patch) {
        json_error_t e;
        json_t *p = json_loads(VCASES[i].patch, 0, &e);
        ck_assert_msg(p != NULL, "bad test patch %s", VCASES[i].patch);
        json_object_update(r, p);
        json_decref(p);
    }
    if (VCASES[i].del) {
        char keys[128];
        snprintf(keys, sizeof keys, "%s", VCASES[i].del);
        for (char *save, *k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save))
            json_object_del(r, k);
    }
    return r;
}

/* A record whose `key` is a string of n copies of unit. */
static json_t *long_rec(const char *code, const char *key, const char *unit, int n)
{
    tl_buf b = { 0 };
    for (int i = 0; i < n; i++)
        tl_buf_puts(&b, unit);
    json_t *r = base_rec(code);
    json_object_set_new(r, key, json_string(b.p));
    tl_buf_free(&b);
    return r;
}

static void check_vcases(json_t *res)
{
    for (size_t i = 0; i < NVCASES; i++) {
        if (VCASES[i].ok) {
            ck_assert_msg(find_error(res, "index", (long)i) == NULL, "case %zu (%s) rejected", i,
                          VCASES[i].patch ? VCASES[i].patch : "");
            continue;
        }
        expect_error(res, "index", (long)i, VCASES[i].field);
        json_t *code = json_object_get(find_error(res, "index", (long)i), "code");
        char want[16];
        snprintf(want, sizeof want, "V-%02zu", i);
        if (strcmp(VCASES[i].field, "code") != 0)
            ck_assert_msg(json_is_string(code) && !strcmp(json_string_value(code), want),
                          "case %zu: error code member is not %s", i, want);
    }
}

START_TEST(test_validation_rules)
{
    static const char *const long_keys[] = { "code", "agency_code", "procedure_code", "field_code" };
    json_t *arr = json_array();
    for (size_t i = 0; i < NVCASES; i++)
        json_array_append_new(arr, vcase_rec(i));
    size_t n = NVCASES;
    for (size_t k = 0; k < 4; k++)                                  /* n .. n+3: 65 chars */
        json_array_append_new(arr, long_rec("V-long", long_keys[k], "x", 65));
    json_array_append_new(arr, json_integer(42));                  /* n+4: not an object */
    json_array_append_new(arr, long_rec("", "code", "x", 64));      /* n+5: 64 chars ok */
    json_array_append_new(arr, long_rec("", "code", "\xC4\x90", 64)); /* n+6: 64 code points ok */
    json_t *res = post_json(arr);
    long accepted = 2;
    for (size_t i = 0; i < NVCASES; i++)
        accepted += VCASES[i].ok;
    expect_counts(res, (long)n + 7, accepted, 0, 0, 0, (long)n + 7 - accepted);
    check_vcases(res);
    for (size_t k = 0; k < 4; k++)
        expect_error(res, "index", (long)(n + k), long_keys[k]);
    expect_error(res, "index", (long)n + 4, NULL);
    ck_assert_msg(!find_error(res, "index", (long)n + 5) && !find_error(res, "index", (long)n + 6),
                  "64-character codes are valid");
    json_decref(res);
    ck_assert_int_eq(count_dossiers(), accepted);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM dossier WHERE code LIKE 'V-%' AND "
                                 "code NOT IN ('V-37','V-38','V-39','V-40','V-41','V-42')"), 0);
    json_t *d = dossier("V-39");
    ck_assert_msg(tl_jnull(d, "due_at"), "an empty due_at string is null");
    json_decref(d);
}
END_TEST

/* ---- whole-request errors -------------------------------------------------------- */

#define VREC(c) "{\"code\":\"" c "\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":" \
                "\"1.004227\",\"channel\":\"online\",\"status\":\"processing\","          \
                "\"received_at\":\"2024-03-11T08:00:00+07:00\"}"

static void expect_status_error(const char *method, const char *path, const char *headers,
                                const char *body, size_t len, int status, const char *code)
{
    tl_resp r;
    int st = tl_http(method, path, headers, body, len, &r);
    ck_assert_msg(st == status, "status %d, want %d (%s); body %.300s", st, status, code, r.body);
    json_t *j = tl_json(&r);
    tl_assert_error(j, code);
    json_decref(j);
    tl_resp_free(&r);
}

START_TEST(test_json_syntax_error_stores_nothing)
{
    static const char *const bodies[] = {
        "[" VREC("S-1") "," VREC("S-2"),
        "[" VREC("S-1") "," VREC("S-2") "] x",
        "[" VREC("S-1") "," VREC("S-2") "]]",
        "[" VREC("S-1") ",{\"code\":\"S-2\" \"agency_code\":\"x\"}]",
        "[" VREC("S-1") "," VREC("S-2") ",]",
        "[" VREC("S-1") "," VREC("S-2") ",tru]",
        "[" VREC("S-1") ",{\"code\":\"S-\xff\"}]",
        "[" VREC("S-1") ",{\"code\":\"S-\\u12\"}]",
        "{\"code\":\"S-3\",\"agency_code\":\"000.00.01.H62\",}",
        "{\"service\":\"DongBoHoSoMC\",\"data\":[{\"MaHoSo\":\"000.00.01.H62-1\","
        "\"MaTTHC\":\"1.004227\",\"TrangThaiHoSo\":2,\"NgayTiepNhan\":\"20240311080000\"},]}",
        "",
        "   ",
        "[" VREC("S-1") "," VREC("S-2") "] [" VREC("S-4") "]",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        expect_status_error("POST", "/v1/dossiers", "Content-Type: application/json\r\n",
                            bodies[i], strlen(bodies[i]), 400, "invalid_body");
    ck_assert_int_eq(count_dossiers(), 0);
    /* The same records well formed are stored. */
    static const char good[] = "[" VREC("S-1") "," VREC("S-2") "]";
    json_t *res = tl_ingest(JSON_CT, good, sizeof good - 1);
    expect_counts(res, 2, 2, 0, 0, 0, 0);
    json_decref(res);
}
END_TEST

START_TEST(test_unsupported_media_type)
{
    static const char body[] = "[" VREC("M-1") "]";
    static const char *const headers[] = {
        "Content-Type: text/plain\r\n",
        "Content-Type: application/xml\r\n",
        "Content-Type: application/json; charset=latin1\r\n",
        "Content-Type: multipart/form-data; boundary=x\r\n",
        NULL,
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
        expect_status_error("POST", "/v1/dossiers", headers[i], body, sizeof body - 1, 415,
                            "unsupported_media_type");
    ck_assert_int_eq(count_dossiers(), 0);
}
END_TEST

/* n NDJSON records S-<first>.. as one body. */
static void ndjson_records(tl_buf *b, int first, int n)
{
    for (int i = first; i < first + n; i++)
        tl_buf_printf(b, "{\"code\":\"L-%05d\",\"agency_code\":\"000.00.01.H62\","
                         "\"procedure_code\":\"1.004227\",\"channel\":\"online\","
                         "\"status\":\"processing\",\"received_at\":\"2024-03-11T08:00:00+07:00\"}\n", i);
}

/* A chunked upload of body in pieces of `piece` bytes. */
static int post_chunked(const char *body, size_t len, size_t piece, tl_resp *r)
{
    tl_buf req = { 0 };
    tl_buf_printf(&req, "POST /v1/dossiers HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                        "Authorization: Bearer %s\r\n"
                        "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n",
                  tl_env.port, tl_env.key);
    for (size_t off = 0; off < len; off += piece) {
        size_t n = len - off < piece ? len - off : piece;
        tl_buf_printf(&req, "%zx\r\n", n);
        tl_buf_put(&req, body + off, n);
        tl_buf_puts(&req, "\r\n");
    }
    tl_buf_puts(&req, "0\r\n\r\n");
    int st = tl_http_raw(req.p, req.len, r);
    tl_buf_free(&req);
    return st;
}

START_TEST(test_body_limit)
{
    tl_server_stop();
    tl_env.cfg.body_limit = 4096;
    tl_server_start();
    tl_buf big = { 0 }, small = { 0 };
    ndjson_records(&big, 0, 60);
    ndjson_records(&small, 100, 5);
    ck_assert(big.len > 8000 && small.len < 4096);
    expect_status_error("POST", "/v1/dossiers", "Content-Type: application/x-ndjson\r\n", big.p,
                        big.len, 413, "payload_too_large");
    tl_resp r;
    int st = post_chunked(big.p, big.len, 1000, &r);
    ck_assert_msg(st == 413, "chunked body over the limit: status %d, want 413", st);
    json_t *j = tl_json(&r);
    tl_assert_error(j, "payload_too_large");
    json_decref(j);
    tl_resp_free(&r);
    ck_assert_int_eq(count_dossiers(), 0);

    st = post_chunked(small.p, small.len, 300, &r);
    ck_assert_msg(st == 200, "chunked body under the limit: status %d; %s", st, r.body);
    tl_resp_free(&r);
    json_t *res = tl_ingest(NDJSON_CT, small.p, small.len);
    expect_counts(res, 5, 0, 0, 5, 0, 0);
    json_decref(res);
    ck_assert_int_eq(count_dossiers(), 5);
    /* Exactly the limit is allowed, one byte more is not (blank NDJSON lines pad it). */
    while (small.len < 4096)
        tl_buf_puts(&small, "\n");
    res = tl_ingest(NDJSON_CT, small.p, small.len);
    expect_counts(res, 5, 0, 0, 5, 0, 0);
    json_decref(res);
    tl_buf_puts(&small, "\n");
    expect_status_error("POST", "/v1/dossiers", "Content-Type: application/x-ndjson\r\n", small.p,
                        small.len, 413, "payload_too_large");
    st = post_chunked(small.p, small.len, 1024, &r);
    ck_assert_msg(st == 413, "chunked body one byte over the limit: status %d, want 413", st);
    tl_resp_free(&r);
    tl_buf_free(&big);
    tl_buf_free(&small);
}
END_TEST

START_TEST(test_huge_strings)
{
    const size_t n = 10u * 1024u * 1024u;
    char *s = malloc(n + 1);
    ck_assert(s != NULL);
    memset(s, 'a', n);
    s[n] = '\0';
    json_t *big_code = base_rec("H-1");
    json_object_set_new(big_code, "code", json_string(s));
    json_t *big_name = base_rec("H-2");
    json_object_set_new(big_name, "agency_name", json_string(s));
    json_t *res = post_json(array_of(big_code, big_name));
    expect_counts(res, 2, 1, 0, 0, 0, 1);
    expect_error(res, "index", 0, "code");
    char *dump = json_dumps(res, JSON_COMPACT);
    ck_assert_msg(strlen(dump) < 4096, "the response echoes the huge code (%zu bytes)", strlen(dump));
    free(dump);
    json_decref(res);
    json_t *d = dossier("H-2");
    const char *name = tl_jstr(d, "agency_name");
    ck_assert_msg(name && strlen(name) == n && memcmp(name, s, n) == 0,
                  "the 10 MB agency_name does not round-trip");
    json_decref(d);
    free(s);
    ck_assert_int_eq(count_dossiers(), 1);
}
END_TEST

START_TEST(test_hostile_bodies)
{
    const size_t n = 1000000;
    char *deep = malloc(n);
    ck_assert(deep != NULL);
    memset(deep, '[', n);
    expect_status_error("POST", "/v1/dossiers", "Content-Type: application/json\r\n", deep, n,
                        400, "invalid_body");
    /* The same as one NDJSON line: that line's error only. */
    json_t *res = tl_ingest(NDJSON_CT, deep, n);
    expect_counts(res, 1, 0, 0, 0, 0, 1);
    json_decref(res);
    free(deep);
    static const char full[] = "[" VREC("T-1") "," VREC("T-2") "," VREC("T-3") "]";
    for (size_t cut = 1; cut < sizeof full - 1; cut += 37)
        expect_status_error("POST", "/v1/dossiers", "Content-Type: application/json\r\n", full,
                            cut, 400, "invalid_body");
    ck_assert_int_eq(count_dossiers(), 0);
    json_t *h = tl_get("/healthz", 200);
    json_decref(h);
}
END_TEST

START_TEST(test_large_batch_crosses_chunks)
{
    tl_buf b = { 0 };
    for (int i = 0; i < 42000; i++)
        tl_buf_printf(&b, "{\"code\":\"L-%05d\",\"agency_code\":\"000.00.%02d.H62\","
                          "\"procedure_code\":\"1.00%04d\",\"channel\":\"online\","
                          "\"status\":\"resolved\",\"received_at\":\"2024-03-11T08:00:00+07:00\","
                          "\"due_at\":\"2024-03-15\",\"finished_at\":\"2024-03-14T10:00:00+07:00\","
                          "\"fee\":%d,\"updated_at\":\"2024-03-14T10:00:00+07:00\"}\n",
                      i, i % 40, i % 300, i);
    /* The first code again in the last chunk, newer. */
    tl_buf_puts(&b, "{\"code\":\"L-00000\",\"agency_code\":\"000.00.00.H62\",\"procedure_code\":"
                    "\"1.000000\",\"channel\":\"online\",\"status\":\"resolved\",\"received_at\":"
                    "\"2024-03-11T08:00:00+07:00\",\"due_at\":\"2024-03-15\",\"finished_at\":"
                    "\"2024-03-14T10:00:00+07:00\",\"fee\":999,\"updated_at\":"
                    "\"2024-03-14T11:00:00+07:00\"}\n");
    json_t *res = tl_ingest(NDJSON_CT, b.p, b.len);
    expect_counts(res, 42001, 42000, 1, 0, 0, 0);
    json_decref(res);
    ck_assert_int_eq(count_dossiers(), 42000);
    res = tl_ingest(NDJSON_CT, b.p, b.len);
    expect_counts(res, 42001, 0, 0, 42000, 1, 0);
    json_decref(res);
    ck_assert_int_eq(count_dossiers(), 42000);
    expect_fee("L-00000", 999);
    expect_fee("L-41999", 41999);
    tl_buf_free(&b);
}
END_TEST

/* ---- round trip ------------------------------------------------------------------ */

static const char ROUNDTRIP[] =
    "[{\"code\":\"R-1\",\"agency_code\":\"000.00.01.H62\",\"agency_name\":\"S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p\","
    "\"procedure_code\":\"1.004227\",\"procedure_name\":\"L\xC3\xBD l\xE1\xBB\x8B\xC2\xA0t\xC6\xB0 ph\xC3\xA1p\","
    "\"field_code\":\"G01\",\"service_level\":4,\"channel\":\"postal\",\"status\":\"returned\","
    "\"received_at\":\"2024-03-11T01:30:00Z\",\"due_at\":\"2024-03-20\","
    "\"finished_at\":\"2024-03-18 10:15:30.1234561\",\"returned_at\":\"20240319090000\","
    "\"extended_due_at\":\"2024-03-25\",\"apology\":true,\"supplement_count\":1,"
    "\"supplement_requested_at\":\"2024-03-12T14:45\",\"fee\":150000,\"paid_online\":true,"
    "\"updated_at\":\"2024-03-19T09:00:00.5+07:00\"},"
    "{\"code\":\"R-2\",\"agency_code\":\"000.00.02.H62\",\"procedure_code\":\"1.001757\","
    "\"channel\":1,\"status\":2,\"received_at\":\"2024-03-11T10:30:00+09:00\",\"due_at\":\"\","
    "\"supplement_requested_at\":\"2024-03-12\",\"extended_due_at\":null}]";

static void check_roundtrip_r1(void)
{
    static const char *const want[][2] = {
        { "code", "R-1" }, { "agency_code", "000.00.01.H62" },
        { "agency_name", "S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p" },
        { "procedure_code", "1.004227" },
        { "procedure_name", "L\xC3\xBD l\xE1\xBB\x8B\xC2\xA0t\xC6\xB0 ph\xC3\xA1p" },
        { "field_code", "G01" }, { "channel", "postal" }, { "status", "returned" },
        { "received_at", "2024-03-11T08:30:00+07:00" }, { "due_at", "2024-03-20T17:00:00+07:00" },
        { "finished_at", "2024-03-18T10:15:30.123456+07:00" },
        { "returned_at", "2024-03-19T09:00:00+07:00" },
        { "extended_due_at", "2024-03-25T17:00:00+07:00" },
        { "supplement_requested_at", "2024-03-12T14:45:00+07:00" },
        { "updated_at", "2024-03-19T09:00:00.500000+07:00" },
    };
    json_t *d = dossier("R-1");
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        expect_str_field(d, want[i][0], want[i][1]);
    ck_assert_int_eq(tl_jint(d, "service_level"), 4);
    ck_assert_int_eq(tl_jint(d, "supplement_count"), 1);
    ck_assert_int_eq(tl_jint(d, "fee"), 150000);
    ck_assert_msg(tl_jbool(d, "apology") && tl_jbool(d, "paid_online"), "R-1 booleans");
    json_decref(d);
}

static void check_roundtrip_r2(void)
{
    static const char *const nulls[] = {
        "agency_name", "procedure_name", "field_code", "service_level", "due_at", "finished_at",
        "returned_at", "extended_due_at", "fee", "updated_at",
    };
    json_t *d = dossier("R-2");
    expect_str_field(d, "channel", "direct");
    expect_str_field(d, "status", "received");
    expect_str_field(d, "received_at", "2024-03-11T08:30:00+07:00");
    expect_str_field(d, "supplement_requested_at", "2024-03-12T00:00:00+07:00");
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        ck_assert_msg(tl_jnull(d, nulls[i]), "R-2: %s should be null", nulls[i]);
    ck_assert_msg(!tl_jbool(d, "apology") && !tl_jbool(d, "paid_online"), "R-2 defaults");
    ck_assert_int_eq(tl_jint(d, "supplement_count"), 0);
    json_decref(d);
}

START_TEST(test_roundtrip_every_field)
{
    json_t *res = tl_ingest(JSON_CT, ROUNDTRIP, sizeof ROUNDTRIP - 1);
    expect_counts(res, 2, 2, 0, 0, 0, 0);
    json_decref(res);
    check_roundtrip_r1();
    check_roundtrip_r2();
    /* What was read back is exactly what is stored: the same batch is unchanged. */
    res = tl_ingest(JSON_CT, ROUNDTRIP, sizeof ROUNDTRIP - 1);
    expect_counts(res, 2, 0, 0, 2, 0, 0);
    json_decref(res);
    json_t *nf = tl_get("/v1/dossiers/R-404", 404);
    tl_assert_error(nf, "not_found");
    json_decref(nf);
}
END_TEST

/* At most 1000 errors are listed, however many records are rejected. */
START_TEST(test_errors_capped)
{
    tl_buf b = { 0 };
    for (int i = 0; i < 1500; i++)
        tl_buf_printf(&b, "{\"code\":\"E-%04d\",\"status\":\"processing\"}\n", i);
    ndjson_records(&b, 0, 3);
    json_t *res = tl_ingest(NDJSON_CT, b.p, b.len);
    ck_assert_int_eq(tl_jint(res, "rejected"), 1500);
    ck_assert_int_eq(tl_jint(res, "inserted"), 3);
    ck_assert_int_eq(json_array_size(json_object_get(res, "errors")), 1000);
    json_decref(res);
    tl_buf_free(&b);
    ck_assert_int_eq(count_dossiers(), 3);
}
END_TEST

/* ---- codes and media types ---------------------------------------------------------- */

START_TEST(test_code_with_url_characters)
{
    static const char code[] = "123/Q\xC4\x90-UBND 2024?x=1#a%20";
    json_t *r = base_rec(code);
    send_one(r, "inserted");
    json_t *d = dossier(code);
    expect_str_field(d, "code", code);
    json_decref(d);
}
END_TEST

START_TEST(test_content_type_variants)
{
    static const char *const types[] = {
        "application/json;charset=UTF-8", "Application/JSON; charset=\"utf-8\"",
        "application/x-ndjson; charset=utf-8", "text/csv;charset=UTF-8",
    };
    static const char *const bodies[] = {
        "[" VREC("CT-1") "]", VREC("CT-2"), VREC("CT-3") "\n",
        "code,agency_code,procedure_code,channel,status,received_at\r\n"
        "CT-4,000.00.01.H62,1.004227,online,processing,2024-03-11 08:00\r\n",
    };
    for (size_t i = 0; i < 4; i++) {
        json_t *res = tl_ingest(types[i], bodies[i], strlen(bodies[i]));
        ck_assert_msg(tl_jint(res, "inserted") == 1, "%s: not stored", types[i]);
        json_decref(res);
    }
    ck_assert_int_eq(count_dossiers(), 4);
}
END_TEST

/* ---- concurrent batches ------------------------------------------------------------------ */

typedef struct {
    const char *body;
    size_t len;
    int status;
    long inserted, unchanged, updated, rejected;
} conc_arg;

static void *conc_post(void *p)
{
    conc_arg *a = p;
    tl_resp r;
    a->status = tl_http("POST", "/v1/dossiers", "Content-Type: application/x-ndjson\r\n", a->body,
                        a->len, &r);
    json_t *j = a->status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    if (j) {
        a->inserted = (long)json_integer_value(json_object_get(j, "inserted"));
        a->unchanged = (long)json_integer_value(json_object_get(j, "unchanged"));
        a->updated = (long)json_integer_value(json_object_get(j, "updated"));
        a->rejected = (long)json_integer_value(json_object_get(j, "rejected"));
    }
    json_decref(j);
    tl_resp_free(&r);
    return NULL;
}

/* Four batches of the same 6000 dossiers in different orders at once: each
 * code is inserted exactly once, every other copy is unchanged. */
/* Two writers store chunks at once: a code repeated in the next chunk (no
 * updated_at, so only the order decides) must still end as its last
 * version, and every count must add up. Chunks of 7 records: each shared
 * code (every even record, W-<n/10>) spans two adjacent chunks, the odd
 * records are codes of their own. */
START_TEST(test_two_writers_keep_batch_order)
{
    char err[256];
    db_conn *c1 = db_connect(tl_env.conninfo, err, sizeof err);
    db_conn *c2 = db_connect(tl_env.conninfo, err, sizeof err);
    ck_assert_msg(c1 && c2, "%s", err);
    tl_buf b = { 0 };
    enum { N = 400 };
    for (int n = 0; n < N; n++)
        tl_buf_printf(&b, "{\"code\":\"%s-%d\",\"agency_code\":\"A%d\",\"procedure_code\":\"P\","
                          "\"channel\":\"online\",\"status\":\"processing\","
                          "\"received_at\":\"2024-03-11T08:00:00+07:00\",\"fee\":%d}\n",
                      n % 2 ? "U" : "W", n % 2 ? n : n / 10, n % 3, n);
    ingest_t *in = ingest_new(c1, BODY_NDJSON, 7, tl_env.ref);
    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(ingest_add_conn(in, c2), 0);
    record_sink sink = ingest_sink(in);
    char msg[256];
    ck_assert_int_eq(body_parse(BODY_NDJSON, b.p, b.len, &sink, msg, sizeof msg), BODY_OK);
    ck_assert_int_eq(ingest_finish(in), DB_OK);
    const ingest_counts *k = ingest_get_counts(in);
    ck_assert_int_eq(k->received, N);
    ck_assert_int_eq(k->inserted, N / 2 + N / 10);
    ck_assert_int_eq(k->updated, N / 2 - N / 10);
    ingest_free(in);
    db_close(c1);
    db_close(c2);
    for (int j = 0; j < N / 10; j++) {   /* W-j last sent at n = 10j + 8 */
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT fee FROM dossier WHERE code = 'W-%d'", j);
        ck_assert_int_eq(tl_sql_long(sql), 10 * j + 8);
    }
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM dossier"), N / 2 + N / 10);
    tl_buf_free(&b);
}
END_TEST

START_TEST(test_concurrent_batches)
{
    enum { N = 6000, T = 4 };
    tl_buf bodies[T];
    conc_arg args[T];
    pthread_t th[T];
    memset(bodies, 0, sizeof bodies);
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < N; i++) {
            int k = t % 2 ? N - 1 - i : (i + t * 1500) % N;
            ndjson_records(&bodies[t], k, 1);
        }
        args[t] = (conc_arg){ bodies[t].p, bodies[t].len, 0, 0, 0, 0, 0 };
    }
    for (int t = 0; t < T; t++)
        ck_assert_int_eq(pthread_create(&th[t], NULL, conc_post, &args[t]), 0);
    long inserted = 0, unchanged = 0;
    for (int t = 0; t < T; t++) {
        pthread_join(th[t], NULL);
        ck_assert_msg(args[t].status == 200, "batch %d: status %d", t, args[t].status);
        ck_assert_msg(args[t].updated == 0 && args[t].rejected == 0, "batch %d: updated %ld, "
                      "rejected %ld", t, args[t].updated, args[t].rejected);
        inserted += args[t].inserted;
        unchanged += args[t].unchanged;
        tl_buf_free(&bodies[t]);
    }
    ck_assert_int_eq(inserted, N);
    ck_assert_int_eq(unchanged, (T - 1) * N);
    ck_assert_int_eq(count_dossiers(), N);
    /* Whatever the race did, every pooled connection still stores new batches. */
    for (int i = 0; i < 12; i++) {
        tl_buf b = { 0 };
        ndjson_records(&b, 10000 + i * 10, 10);
        json_t *res = tl_ingest(NDJSON_CT, b.p, b.len);
        expect_counts(res, 10, 10, 0, 0, 0, 0);
        json_decref(res);
        tl_buf_free(&b);
    }
}
END_TEST

/* ---- suite -------------------------------------------------------------------------- */

static TCase *db_case(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, tl_setup, tl_teardown);
    tcase_set_timeout(tc, 60);
    return tc;
}

Suite *make_ingest_db_suite(void)
{
    Suite *s = suite_create("ingest_db");
    TCase *formats = db_case("formats");
    tcase_add_test(formats, test_json_array_and_object);
    tcase_add_test(formats, test_ndjson_lines);
    tcase_add_test(formats, test_csv);
    tcase_add_test(formats, test_envelope_mapping);
    tcase_add_test(formats, test_envelope_older_resend_is_stale);
    tcase_add_test(formats, test_envelope_early_finish_resend_is_stale);
    tcase_add_test(formats, test_personal_data_not_stored);
    tcase_add_test(formats, test_roundtrip_every_field);
    tcase_add_test(formats, test_code_with_url_characters);
    tcase_add_test(formats, test_content_type_variants);
    suite_add_tcase(s, formats);

    TCase *outcomes = db_case("outcomes");
    tcase_add_test(outcomes, test_outcomes_sequence);
    tcase_add_test(outcomes, test_record_replaced_whole);
    tcase_add_test(outcomes, test_same_code_twice_in_batch);
    tcase_add_test(outcomes, test_validation_rules);
    suite_add_tcase(s, outcomes);

    TCase *errors = db_case("request_errors");
    tcase_add_test(errors, test_json_syntax_error_stores_nothing);
    tcase_add_test(errors, test_unsupported_media_type);
    tcase_add_test(errors, test_body_limit);
    tcase_add_test(errors, test_huge_strings);
    tcase_add_test(errors, test_hostile_bodies);
    tcase_add_test(errors, test_large_batch_crosses_chunks);
    tcase_add_test(errors, test_concurrent_batches);
    tcase_add_test(errors, test_two_writers_keep_batch_order);
    tcase_add_test(errors, test_errors_capped);
    suite_add_tcase(s, errors);
    return s;
}
