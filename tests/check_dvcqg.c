/*
 * check_dvcqg.c - tests for the national portal's DongBoHoSoMC mapping
 * (service/dvcqg.c, spec §3.2).
 *
 * Why: the envelope is how most provinces will feed motcua, and its mapping
 * is a list of small rules (agency from MaHoSo, fees summed, supplements
 * counted, updated_at derived, numbers as strings, personal data dropped).
 * Each rule gets a test; the derived updated_at is also checked against the
 * purpose the spec gives it: an older re-sent state must come out stale.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "body.h"
#include "dossier.h"
#include "ingest.h"
#include "record.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

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

/* Maps one DVCQG element given as JSON text, then applies the §3.3 rules. */
static void dv(const char *json)
{
    json_error_t e;
    json_t *v = json_loads(json, JSON_DECODE_ANY, &e);
    ck_assert_msg(v != NULL, "test JSON does not parse: %s: %s", e.text, json);
    rec_init(&RB);
    rec_from_dvcqg(&RB, &A, v);
    json_decref(v);
    rec_finish(&RB);
}

/* The base element (open, direct) with extra members appended: dv_with("\"X\":1"). */
#define BASE_MEMBERS "\"MaHoSo\":\"000.00.01.H62-240314-0001\",\"MaTTHC\":\"1.004227\"," \
                     "\"TrangThaiHoSo\":4,\"NgayTiepNhan\":\"20240314083000\""

static void dv_with(const char *extra)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "{" BASE_MEMBERS "%s%s}", extra[0] ? "," : "", extra);
    dv(buf);
}

static void expect_valid(const char *what)
{
    ck_assert_msg(RB.nerr == 0, "%s: unexpected errors: %s", what, dump());
}

static void expect_one_error(int field, const char *what)
{
    ck_assert_msg(RB.nerr == 1 && RB.err[0].field == field,
                  "%s: expected one error on %s, got %d: %s", what,
                  field >= 0 ? field_name(field) : "(record)", RB.nerr, dump());
}

static ts_t vn(int y, int mo, int d, int h, int mi, int s)
{
    int64_t sec = (int64_t)day_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return sec * TS_US_PER_SEC - TS_VN_OFFSET_US;
}

/* ------------------------------------------------------------ the full mapping */

static const char FULL[] =
    "{\"MaHoSo\":\"000.00.01.H62-240314-0001\",\"DonViXuLy\":\"Sở Tư pháp\","
    "\"MaTTHC\":\"1.004227\",\"TenTTHC\":\"Cấp phiếu lý lịch tư pháp\",\"MaLinhVuc\":\"G13-TP01\","
    "\"KenhThucHien\":2,\"TrangThaiHoSo\":\"10\",\"NgayTiepNhan\":\"20240314083000\","
    "\"NgayHenTra\":\"20240321170000\",\"NgayKetThucXuLy\":\"20240320100000\","
    "\"NgayTra\":\"20240321090000\","
    "\"DanhSachLePhi\":[{\"TenPhiLePhi\":\"Lệ phí\",\"Gia\":\"200000\"},{\"Gia\":5000}],"
    "\"DuocThanhToanTrucTuyen\":\"1\","
    "\"DanhSachHoSoBoSung\":[{\"NgayBoSung\":\"20240315090000\"},{\"NgayBoSung\":\"20240316090000\"}],"
    "\"ChuHoSo\":\"Nguyễn Văn A\",\"SoGiayToChuHoSo\":\"001234567890\","
    "\"SoDienThoai\":\"0912345678\",\"Email\":\"a@example.vn\",\"DiaChiChuHoSo\":\"Hà Nội\"}";

START_TEST(test_full_mapping)
{
    dv(FULL);
    expect_valid("full element");
    const dossier_t *d = &RB.d;
    ck_assert_str_eq(d->code, "000.00.01.H62-240314-0001");
    ck_assert_str_eq(d->agency_code, "000.00.01.H62");
    ck_assert_str_eq(d->agency_name, "Sở Tư pháp");
    ck_assert_str_eq(d->procedure_code, "1.004227");
    ck_assert_str_eq(d->procedure_name, "Cấp phiếu lý lịch tư pháp");
    ck_assert_str_eq(d->field_code, "G13-TP01");
    ck_assert_int_eq(d->channel, CH_ONLINE);
    ck_assert_int_eq(d->status, 10);
    ck_assert(d->received_at == vn(2024, 3, 14, 8, 30, 0));
    ck_assert(d->due_at == vn(2024, 3, 21, 17, 0, 0));
    ck_assert(d->finished_at == vn(2024, 3, 20, 10, 0, 0));
    ck_assert(d->returned_at == vn(2024, 3, 21, 9, 0, 0));
    ck_assert(d->fee == 205000);
    ck_assert(d->paid_online);
    ck_assert_int_eq(d->supplement_count, 2);
    ck_assert(d->supplement_requested_at == vn(2024, 3, 16, 9, 0, 0));
    /* The envelope carries no level, apology or extension. */
    ck_assert_int_eq(d->service_level, 0);
    ck_assert(!d->apology);
    ck_assert(d->extended_due_at == TS_NULL);
    ck_assert(d->updated_at != TS_NULL);
}
END_TEST

START_TEST(test_personal_fields_dropped)
{
    dv(FULL);
    expect_valid("full element");
    const char *personal[] = { "Nguyễn Văn A", "001234567890", "0912345678", "a@example.vn",
                               "Hà Nội" };
    const dossier_t *d = &RB.d;
    const char *stored[] = { d->code, d->agency_code, d->agency_name, d->procedure_code,
                             d->procedure_name, d->field_code };
    for (size_t i = 0; i < NELEM(stored); i++)
        for (size_t j = 0; j < NELEM(personal); j++)
            ck_assert_msg(!stored[i] || !strstr(stored[i], personal[j]), "'%s' kept",
                          personal[j]);
    /* Nothing in the arena holds them either: the strings were never copied. */
    dv_with("\"ChuHoSo\":\"ZZPERSONALZZ\",\"SoGiayToChuHoSo\":\"ZZPERSONALZZ\","
            "\"SoDienThoai\":\"ZZPERSONALZZ\",\"Email\":\"ZZPERSONALZZ\"");
    expect_valid("personal fields");
    /* Personal fields of the wrong type do not matter. */
    dv_with("\"ChuHoSo\":[1,2],\"SoDienThoai\":912345678e3,\"Email\":{\"a\":null}");
    expect_valid("odd personal fields");
}
END_TEST

START_TEST(test_canonical_keys_ignored)
{
    /* A DVCQG element is mapped by its own names only. */
    dv_with("\"code\":\"OTHER\",\"agency_code\":\"X\",\"service_level\":3,\"apology\":true,"
            "\"extended_due_at\":\"2024-03-30\",\"fee\":5,\"paid_online\":true,"
            "\"supplement_count\":4,\"updated_at\":\"2030-01-01\",\"channel\":\"postal\"");
    expect_valid("canonical keys");
    const dossier_t *d = &RB.d;
    ck_assert_str_eq(d->code, "000.00.01.H62-240314-0001");
    ck_assert_str_eq(d->agency_code, "000.00.01.H62");
    ck_assert_int_eq(d->service_level, 0);
    ck_assert(!d->apology);
    ck_assert(d->extended_due_at == TS_NULL);
    ck_assert(d->fee == FEE_NULL);
    ck_assert(!d->paid_online);
    ck_assert_int_eq(d->supplement_count, 0);
    ck_assert(d->updated_at == vn(2024, 3, 14, 8, 30, 0));
    ck_assert_int_eq(d->channel, CH_DIRECT);
}
END_TEST

START_TEST(test_not_an_object)
{
    static const char *const vals[] = { "[]", "\"000-1\"", "1", "null", "true" };
    for (size_t i = 0; i < NELEM(vals); i++) {
        json_t *v = json_loads(vals[i], JSON_DECODE_ANY, NULL);
        ck_assert_ptr_nonnull(v);
        rec_init(&RB);
        rec_from_dvcqg(&RB, &A, v);
        json_decref(v);
        ck_assert_msg(RB.nerr == 1 && RB.err[0].field == -1, "%s: %s", vals[i], dump());
    }
}
END_TEST

/* ------------------------------------------------------------ codes */

START_TEST(test_agency_from_mahoso)
{
    static const struct { const char *mahoso, *agency; } ok[] = {
        { "000.00.01.H62-240314-0001", "000.00.01.H62" },
        { "H62-1", "H62" },
        { "A-", "A" },
        { "A--B", "A" },
        { "Sở-1", "Sở" },
    };
    for (size_t i = 0; i < NELEM(ok); i++) {
        char extra[128];
        snprintf(extra, sizeof extra,
                 "\"MaHoSo\":\"%s\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":1", ok[i].mahoso);
        char buf[256];
        snprintf(buf, sizeof buf, "{%s}", extra);
        dv(buf);
        expect_valid(ok[i].mahoso);
        ck_assert_str_eq(RB.d.code, ok[i].mahoso);
        ck_assert_str_eq(RB.d.agency_code, ok[i].agency);
    }
}
END_TEST

START_TEST(test_mahoso_without_dash_rejected)
{
    static const char *const bad[] = { "\"000.00.01.H62.240314.0001\"", "\"-240314\"", "12345",
                                       "\"HS 1\"" };
    for (size_t i = 0; i < NELEM(bad); i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "{\"MaHoSo\":%s,\"MaTTHC\":\"P\",\"TrangThaiHoSo\":1}", bad[i]);
        dv(buf);
        expect_one_error(F_AGENCY_CODE, bad[i]);
        ck_assert_msg(strstr(RB.err[0].message, "MaHoSo") != NULL, "%s", RB.err[0].message);
        ck_assert_ptr_null(RB.d.agency_code);
    }
    /* A number MaHoSo is still the code (as text). */
    dv("{\"MaHoSo\":12345,\"MaTTHC\":\"P\",\"TrangThaiHoSo\":1}");
    ck_assert_str_eq(RB.d.code, "12345");
}
END_TEST

START_TEST(test_mahoso_missing_or_bad)
{
    /* Absent: code and agency_code are both missing. */
    dv("{\"MaTTHC\":\"P\",\"TrangThaiHoSo\":1}");
    ck_assert_int_eq(errors_on(F_CODE), 1);
    ck_assert_int_eq(RB.nerr, 2);
    /* Wrong type: an error on code. */
    dv("{\"MaHoSo\":[\"A-1\"],\"MaTTHC\":\"P\",\"TrangThaiHoSo\":1}");
    ck_assert_int_eq(errors_on(F_CODE), 1);
    ck_assert(RB.nerr >= 1);
}
END_TEST

START_TEST(test_mahoso_too_long_one_error)
{
    /* An invalid MaHoSo is reported once, on code; agency_code is derived
     * from it and must not add a misleading "required" (§3.3: an invalid
     * field does not additionally produce a "required" error). */
    char mahoso[80];
    memset(mahoso, 'A', 70);
    mahoso[5] = '-';
    mahoso[70] = '\0';
    char buf[256];
    snprintf(buf, sizeof buf, "{\"MaHoSo\":\"%s\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":1}", mahoso);
    dv(buf);
    ck_assert_int_eq(errors_on(F_CODE), 1);
    for (int i = 0; i < RB.nerr && i < REC_MAX_ERRORS; i++)
        ck_assert_msg(strstr(RB.err[i].message, "required") == NULL,
                      "a bad MaHoSo also gave: %s", dump());
}
END_TEST

START_TEST(test_codes_as_numbers)
{
    dv("{\"MaHoSo\":\"H62-1\",\"MaTTHC\":1004227,\"MaLinhVuc\":13,\"TrangThaiHoSo\":\"2\","
       "\"NgayTiepNhan\":\"20240314083000\"}");
    expect_valid("codes as numbers");
    ck_assert_str_eq(RB.d.procedure_code, "1004227");
    ck_assert_str_eq(RB.d.field_code, "13");
    ck_assert_int_eq(RB.d.status, 2);
    /* MaTTHC missing: required. */
    dv("{\"MaHoSo\":\"H62-1\",\"TrangThaiHoSo\":1}");
    expect_one_error(F_PROCEDURE_CODE, "no MaTTHC");
}
END_TEST

/* ------------------------------------------------------------ status, channel */

START_TEST(test_status_numbers_and_strings)
{
    for (int s = 1; s <= 10; s++) {
        char extra[256];
        const char *fin = s >= 7 ? ",\"NgayKetThucXuLy\":\"20240315083000\"" : "";
        snprintf(extra, sizeof extra,
                 "{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":%d,"
                 "\"NgayTiepNhan\":\"20240314083000\"%s}", s, fin);
        dv(extra);
        expect_valid("status number");
        ck_assert_int_eq(RB.d.status, s);
        snprintf(extra, sizeof extra,
                 "{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":\"%d\","
                 "\"NgayTiepNhan\":\"20240314083000\"%s}", s, fin);
        dv(extra);
        expect_valid("status string");
        ck_assert_int_eq(RB.d.status, s);
    }
    static const char *const bad[] = { "0", "11", "\"0\"", "\"abc\"", "2.5", "true", "[2]" };
    for (size_t i = 0; i < NELEM(bad); i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":%s}",
                 bad[i]);
        dv(buf);
        expect_one_error(F_STATUS, bad[i]);
    }
    dv("{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\"}");
    expect_one_error(F_STATUS, "no TrangThaiHoSo");
}
END_TEST

START_TEST(test_channel_kenhthuchien)
{
    static const struct { const char *member; int ch; } ok[] = {
        { "", CH_DIRECT },
        { "\"KenhThucHien\":null", CH_DIRECT },
        { "\"KenhThucHien\":\"\"", CH_DIRECT },
        { "\"KenhThucHien\":1", CH_DIRECT },
        { "\"KenhThucHien\":2", CH_ONLINE },
        { "\"KenhThucHien\":3", CH_POSTAL },
        { "\"KenhThucHien\":\"1\"", CH_DIRECT },
        { "\"KenhThucHien\":\"2\"", CH_ONLINE },
        { "\"KenhThucHien\":\"3\"", CH_POSTAL },
    };
    for (size_t i = 0; i < NELEM(ok); i++) {
        dv_with(ok[i].member);
        expect_valid(ok[i].member);
        ck_assert_msg(RB.d.channel == ok[i].ch, "%s: channel %d", ok[i].member, RB.d.channel);
    }
    static const char *const bad[] = { "\"KenhThucHien\":0", "\"KenhThucHien\":4",
                                       "\"KenhThucHien\":\"4\"", "\"KenhThucHien\":\"web\"",
                                       "\"KenhThucHien\":2.0", "\"KenhThucHien\":[2]" };
    for (size_t i = 0; i < NELEM(bad); i++) {
        dv_with(bad[i]);
        expect_one_error(F_CHANNEL, bad[i]);
    }
}
END_TEST

/* ------------------------------------------------------------ timestamps */

START_TEST(test_timestamps)
{
    dv_with("\"NgayHenTra\":\"20240321170000\",\"NgayTra\":\"\"");
    expect_valid("timestamps");
    ck_assert(RB.d.received_at == vn(2024, 3, 14, 8, 30, 0));
    ck_assert(RB.d.due_at == vn(2024, 3, 21, 17, 0, 0));
    ck_assert(RB.d.returned_at == TS_NULL);
    dv_with("\"NgayHenTra\":null");
    expect_valid("null NgayHenTra");
    ck_assert(RB.d.due_at == TS_NULL);
    static const struct { const char *member; int field; } bad[] = {
        { "\"NgayHenTra\":\"20241321170000\"", F_DUE_AT },
        { "\"NgayHenTra\":\"2024032117000\"", F_DUE_AT },
        { "\"NgayHenTra\":20240321170000", F_DUE_AT },
        { "\"NgayTra\":\"21/03/2024\"", F_RETURNED_AT },
        { "\"NgayHenTra\":\"20240301170000\"", F_DUE_AT },   /* before NgayTiepNhan */
        { "\"NgayKetThucXuLy\":\"20240315100000\"", F_FINISHED_AT }, /* on an open status */
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        dv_with(bad[i].member);
        expect_one_error(bad[i].field, bad[i].member);
    }
    dv("{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":2,\"NgayTiepNhan\":\"2024-03-14\"}");
    expect_valid("ISO NgayTiepNhan");
    dv("{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":2,\"NgayTiepNhan\":\"bad\"}");
    expect_one_error(F_RECEIVED_AT, "bad NgayTiepNhan, no 'required' on top");
    dv("{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":9,"
       "\"NgayTiepNhan\":\"20240314083000\"}");
    expect_one_error(F_FINISHED_AT, "finished without NgayKetThucXuLy");
}
END_TEST

/* ------------------------------------------------------------ fees */

START_TEST(test_fees)
{
    static const struct { const char *member; int64_t fee; } ok[] = {
        { "", FEE_NULL },
        { "\"DanhSachLePhi\":null", FEE_NULL },
        { "\"DanhSachLePhi\":[]", 0 },
        { "\"DanhSachLePhi\":[{\"Gia\":0}]", 0 },
        { "\"DanhSachLePhi\":[{\"Gia\":1000},{\"Gia\":2500}]", 3500 },
        { "\"DanhSachLePhi\":[{\"Gia\":\"1000\"},{\"Gia\":\"2500\"}]", 3500 },
        { "\"DanhSachLePhi\":[{\"Gia\":\"1000\"},{\"Gia\":2500},{\"Gia\":null}]", 3500 },
        { "\"DanhSachLePhi\":[{\"TenPhiLePhi\":\"x\",\"Gia\":\"050000\"}]", 50000 },
        { "\"DanhSachLePhi\":[{\"Gia\":\"999999999999999999\"}]", INT64_C(999999999999999999) },
        { "\"DanhSachLePhi\":[{\"Gia\":9223372036854775807}]", INT64_MAX },
    };
    for (size_t i = 0; i < NELEM(ok); i++) {
        dv_with(ok[i].member);
        expect_valid(ok[i].member);
        ck_assert_msg(RB.d.fee == ok[i].fee, "%s: fee %lld", ok[i].member, (long long)RB.d.fee);
    }
}
END_TEST

START_TEST(test_bad_fees)
{
    /* Each with a word its message must contain (which Gia, or why). */
    static const struct { const char *member, *says; } bad[] = {
        { "\"DanhSachLePhi\":[{\"Gia\":\"abc\"}]", "[0].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":1.5}]", "[0].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":\"1.5\"}]", "[0].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":\"50.000\"}]", "[0].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":\"1,000\"}]", "[0].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":-1}]", "[0].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":\"-1\"}]", "[0].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":\"+1\"}]", "[0].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":true}]", "[0].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":[1]}]", "[0].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":1000},{\"Gia\":\"x\"}]", "[1].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":1000},{\"Gia\":-5}]", "[1].Gia" },
        { "\"DanhSachLePhi\":[{\"Gia\":9223372036854775807},{\"Gia\":1}]", "more than" },
        { "\"DanhSachLePhi\":{\"Gia\":1}", "array" },
        { "\"DanhSachLePhi\":\"1000\"", "array" },
        { "\"DanhSachLePhi\":1000", "array" },
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        dv_with(bad[i].member);
        expect_one_error(F_FEE, bad[i].member);
        ck_assert_msg(strstr(RB.err[0].message, bad[i].says) != NULL, "%s: '%s' lacks '%s'",
                      bad[i].member, RB.err[0].message, bad[i].says);
        ck_assert(RB.d.fee == FEE_NULL);
    }
}
END_TEST

START_TEST(test_fee_empty_string_is_null)
{
    /* §3: "Empty string = null", and numbers may arrive as strings: an
     * empty Gia is an unknown amount, skipped like "Gia": null. */
    dv_with("\"DanhSachLePhi\":[{\"Gia\":\"\"},{\"Gia\":\"3000\"}]");
    expect_valid("empty Gia");
    ck_assert(RB.d.fee == 3000);
}
END_TEST

START_TEST(test_paid_online)
{
    static const struct { const char *member; bool paid; } cases[] = {
        { "", false },
        { "\"DuocThanhToanTrucTuyen\":null", false },
        { "\"DuocThanhToanTrucTuyen\":0", false },
        { "\"DuocThanhToanTrucTuyen\":\"0\"", false },
        { "\"DuocThanhToanTrucTuyen\":1", true },
        { "\"DuocThanhToanTrucTuyen\":2", true },
        { "\"DuocThanhToanTrucTuyen\":\"1\"", true },
        { "\"DuocThanhToanTrucTuyen\":\"2\"", true },
        { "\"DuocThanhToanTrucTuyen\":3", false },
        { "\"DuocThanhToanTrucTuyen\":\"\"", false },
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        dv_with(cases[i].member);
        expect_valid(cases[i].member);
        ck_assert_msg(RB.d.paid_online == cases[i].paid, "%s", cases[i].member);
    }
}
END_TEST

/* ------------------------------------------------------------ supplements */

START_TEST(test_supplements)
{
    dv_with("");
    ck_assert_int_eq(RB.d.supplement_count, 0);
    ck_assert(RB.d.supplement_requested_at == TS_NULL);
    dv_with("\"DanhSachHoSoBoSung\":[]");
    expect_valid("empty list");
    ck_assert_int_eq(RB.d.supplement_count, 0);
    ck_assert(RB.d.supplement_requested_at == TS_NULL);
    dv_with("\"DanhSachHoSoBoSung\":null");
    expect_valid("null list");
    ck_assert_int_eq(RB.d.supplement_count, 0);
    /* Count = length (entries without a date count too); time = the latest date. */
    dv_with("\"DanhSachHoSoBoSung\":[{\"NgayBoSung\":\"20240316090000\"},"
            "{\"NgayBoSung\":\"20240320090000\"},{\"NgayBoSung\":\"20240315090000\"},"
            "{},{\"NgayBoSung\":null},{\"NgayBoSung\":\"\"}]");
    expect_valid("three dates");
    ck_assert_int_eq(RB.d.supplement_count, 6);
    ck_assert(RB.d.supplement_requested_at == vn(2024, 3, 20, 9, 0, 0));
    /* A bad date is an error on supplement_requested_at. */
    dv_with("\"DanhSachHoSoBoSung\":[{\"NgayBoSung\":\"20241316090000\"}]");
    expect_one_error(F_SUPPLEMENT_REQUESTED_AT, "bad NgayBoSung");
    dv_with("\"DanhSachHoSoBoSung\":[{\"NgayBoSung\":20240316090000}]");
    expect_one_error(F_SUPPLEMENT_REQUESTED_AT, "numeric NgayBoSung");
    dv_with("\"DanhSachHoSoBoSung\":{\"NgayBoSung\":\"20240316090000\"}");
    expect_one_error(F_SUPPLEMENT_COUNT, "not a list");
}
END_TEST

/* ------------------------------------------------------------ updated_at */

START_TEST(test_updated_at_is_latest)
{
    /* Only NgayTiepNhan. */
    dv_with("");
    ck_assert(RB.d.updated_at == vn(2024, 3, 14, 8, 30, 0));
    /* The latest supplement date. */
    dv_with("\"DanhSachHoSoBoSung\":[{\"NgayBoSung\":\"20240318090000\"}]");
    ck_assert(RB.d.updated_at == vn(2024, 3, 18, 9, 0, 0));
    /* NgayTra after NgayKetThucXuLy. */
    dv("{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":10,"
       "\"NgayTiepNhan\":\"20240314083000\",\"NgayKetThucXuLy\":\"20240316100000\","
       "\"NgayTra\":\"20240317080000\","
       "\"DanhSachHoSoBoSung\":[{\"NgayBoSung\":\"20240315090000\"}]}");
    expect_valid("returned");
    ck_assert(RB.d.updated_at == vn(2024, 3, 17, 8, 0, 0));
    /* No timestamps at all (status 1): null. */
    dv("{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":1}");
    expect_valid("registered");
    ck_assert(RB.d.updated_at == TS_NULL);
}
END_TEST

/* Decides `newer` stored, then the older state re-sent. */
static ingest_outcome resend_outcome(const char *older, const char *newer)
{
    dv(newer);
    expect_valid("newer state");
    dossier_t stored = RB.d;
    dv(older);
    expect_valid("older state");
    dossier_t resent = RB.d;
    return ingest_decide(&stored, &resent);
}

START_TEST(test_older_state_resent_is_stale)
{
    /* The purpose §3.2 gives updated_at: "so an older re-sent state is stale". */
    /* Received -> supplement requested. */
    ck_assert_int_eq(resend_outcome(
        "{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":4,\"NgayTiepNhan\":\"20240314083000\"}",
        "{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":5,\"NgayTiepNhan\":\"20240314083000\","
        "\"DanhSachHoSoBoSung\":[{\"NgayBoSung\":\"20240315090000\"}]}"), OUT_STALE);
    /* Processing -> resolved (no deadline). */
    ck_assert_int_eq(resend_outcome(
        "{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":4,\"NgayTiepNhan\":\"20240314083000\"}",
        "{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":9,\"NgayTiepNhan\":\"20240314083000\","
        "\"NgayKetThucXuLy\":\"20240318100000\"}"), OUT_STALE);
}
END_TEST

START_TEST(test_older_state_with_deadline_resent_is_stale)
{
    /* The usual case: a dossier with an appointment date (NgayHenTra) that
     * is resolved early. The old "processing" state re-sent afterwards must
     * be stale, not roll the dossier back to open. NgayHenTra is a deadline,
     * not a change time: when it counts in updated_at, both states get the
     * same updated_at (the due date) and the old state wins as "updated". */
    ck_assert_int_eq(resend_outcome(
        "{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":4,\"NgayTiepNhan\":\"20240314083000\","
        "\"NgayHenTra\":\"20240321170000\"}",
        "{\"MaHoSo\":\"H62-1\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":9,\"NgayTiepNhan\":\"20240314083000\","
        "\"NgayHenTra\":\"20240321170000\",\"NgayKetThucXuLy\":\"20240318100000\"}"), OUT_STALE);
}
END_TEST

START_TEST(test_same_state_resent_is_unchanged)
{
    dv(FULL);
    dossier_t first = RB.d;
    dv(FULL);
    ck_assert_int_eq(ingest_decide(&first, &RB.d), OUT_UNCHANGED);
}
END_TEST

/* ------------------------------------------------------------ through body_parse */

typedef struct {
    int n;
    long index[8];
    int nerr[8];
    int field0[8];
} seen_t;

static int seen_emit(void *ctx, rec_builder *rb, long index, long line)
{
    seen_t *s = ctx;
    (void)line;
    if (s->n < 8) {
        s->index[s->n] = index;
        s->nerr[s->n] = rb->nerr;
        s->field0[s->n] = rb->nerr ? rb->err[0].field : -2;
    }
    s->n++;
    return 0;
}

START_TEST(test_envelope_through_body)
{
    static const char body[] =
        "{\"data\":[{\"MaHoSo\":\"NODASH\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":1},"
        "{\"MaHoSo\":\"H62-2\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":\"1\"},"
        "{\"MaHoSo\":\"H62-3\",\"MaTTHC\":\"P\",\"TrangThaiHoSo\":1,"
        "\"DanhSachLePhi\":[{\"Gia\":\"x\"}]}],"
        "\"service\":\"DongBoHoSoMC\"}";
    seen_t s = { 0 };
    record_sink sink = { &A, seen_emit, &s };
    char msg[128];
    ck_assert_int_eq(body_parse(BODY_JSON, body, sizeof body - 1, &sink, msg, sizeof msg), BODY_OK);
    ck_assert_int_eq(s.n, 3);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(s.index[i], i);
    ck_assert_int_eq(s.field0[0], F_AGENCY_CODE);
    ck_assert_int_eq(s.nerr[1], 0);
    ck_assert_int_eq(s.field0[2], F_FEE);
}
END_TEST

Suite *make_dvcqg_suite(void)
{
    Suite *s = suite_create("dvcqg");
    TCase *tc = tcase_create("mapping");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_full_mapping);
    tcase_add_test(tc, test_personal_fields_dropped);
    tcase_add_test(tc, test_canonical_keys_ignored);
    tcase_add_test(tc, test_not_an_object);
    tcase_add_test(tc, test_agency_from_mahoso);
    tcase_add_test(tc, test_mahoso_without_dash_rejected);
    tcase_add_test(tc, test_mahoso_missing_or_bad);
    tcase_add_test(tc, test_mahoso_too_long_one_error);
    tcase_add_test(tc, test_codes_as_numbers);
    tcase_add_test(tc, test_status_numbers_and_strings);
    tcase_add_test(tc, test_channel_kenhthuchien);
    tcase_add_test(tc, test_timestamps);
    tcase_add_test(tc, test_envelope_through_body);
    suite_add_tcase(s, tc);

    tc = tcase_create("fees");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_fees);
    tcase_add_test(tc, test_bad_fees);
    tcase_add_test(tc, test_fee_empty_string_is_null);
    tcase_add_test(tc, test_paid_online);
    suite_add_tcase(s, tc);

    tc = tcase_create("supplements");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_supplements);
    suite_add_tcase(s, tc);

    tc = tcase_create("updated_at");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_updated_at_is_latest);
    tcase_add_test(tc, test_older_state_resent_is_stale);
    tcase_add_test(tc, test_older_state_with_deadline_resent_is_stale);
    tcase_add_test(tc, test_same_state_resent_is_unchanged);
    suite_add_tcase(s, tc);
    return s;
}
