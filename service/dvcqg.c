/*
 * dvcqg.c - the national portal's DongBoHoSoMC sync record mapped onto a
 * dossier (spec §3.2). The portal sends numbers as strings and codes as
 * numbers, so values are set leniently; personal fields (ChuHoSo,
 * SoGiayToChuHoSo, SoDienThoai, Email, ...) are never read.
 */
#include <string.h>

#include "body.h"

/* A timestamp member, folded into the latest-change instant when it records
 * an event. The due date (NgayHenTra) is a promise, not an event: it is
 * usually the latest timestamp of every state of a dossier, so folding it in
 * would give an old state and a newer one the same updated_at, and an old
 * re-sent state would reopen a resolved dossier instead of being stale. */
static void set_ts(rec_builder *rb, arena_t *a, int f, json_t *obj, const char *key, ts_t *latest)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return;
    rec_set_json(rb, a, f, v, true);
    ts_t t = TS_NULL;
    switch (f) {
    case F_RECEIVED_AT: t = rb->d.received_at; break;
    case F_FINISHED_AT: t = rb->d.finished_at; break;
    case F_RETURNED_AT: t = rb->d.returned_at; break;
    default: break;
    }
    if (t != TS_NULL && (*latest == TS_NULL || t > *latest))
        *latest = t;
}

/* An integer that may arrive as a number or a numeric string. */
static int lenient_int(json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n > 18)
        return -1;
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *out = x;
    return 0;
}

/* fee = the sum of DanhSachLePhi[].Gia; no list: null; an empty list: 0. */
static void map_fees(rec_builder *rb, json_t *obj)
{
    json_t *list = json_object_get(obj, "DanhSachLePhi");
    if (!list || json_is_null(list))
        return;
    if (!json_is_array(list)) {
        rec_fail(rb, F_FEE, "DanhSachLePhi must be an array");
        return;
    }
    int64_t sum = 0;
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        json_t *gia = json_is_object(item) ? json_object_get(item, "Gia") : NULL;
        int64_t g;
        if (!gia || json_is_null(gia) || (json_is_string(gia) && json_string_length(gia) == 0))
            continue; /* empty string = null (spec §3) */
        if (lenient_int(gia, &g) != 0 || g < 0) {
            rec_fail(rb, F_FEE, "DanhSachLePhi[%zu].Gia is not a whole amount >= 0", i);
            return;
        }
        if (sum > INT64_MAX - g) {
            rec_fail(rb, F_FEE, "the fees add up to more than can be stored");
            return;
        }
        sum += g;
    }
    rb->d.fee = sum;
}

/* supplement_count = the list's length; supplement_requested_at = its latest NgayBoSung. */
static void map_supplements(rec_builder *rb, arena_t *a, json_t *obj, ts_t *latest)
{
    json_t *list = json_object_get(obj, "DanhSachHoSoBoSung");
    if (!list || json_is_null(list))
        return;
    if (!json_is_array(list)) {
        rec_fail(rb, F_SUPPLEMENT_COUNT, "DanhSachHoSoBoSung must be an array");
        return;
    }
    rb->d.supplement_count = (int32_t)(json_array_size(list) > INT32_MAX ? INT32_MAX
                                                                        : json_array_size(list));
    ts_t best = TS_NULL;
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        json_t *when = json_is_object(item) ? json_object_get(item, "NgayBoSung") : NULL;
        if (!when || json_is_null(when))
            continue;
        rec_builder tmp;
        rec_init(&tmp);
        rec_set_json(&tmp, a, F_SUPPLEMENT_REQUESTED_AT, when, true);
        if (tmp.nerr) {
            rec_fail(rb, F_SUPPLEMENT_REQUESTED_AT, "DanhSachHoSoBoSung[%zu].NgayBoSung: %s",
                     i, tmp.err[0].message);
            continue;
        }
        if (tmp.d.supplement_requested_at != TS_NULL &&
            (best == TS_NULL || tmp.d.supplement_requested_at > best))
            best = tmp.d.supplement_requested_at;
    }
    rb->d.supplement_requested_at = best;
    if (best != TS_NULL && (*latest == TS_NULL || best > *latest))
        *latest = best;
}

/* agency_code = the part of MaHoSo before its first '-'. */
static void map_code(rec_builder *rb, arena_t *a, json_t *obj)
{
    json_t *v = json_object_get(obj, "MaHoSo");
    if (!v)
        return;
    rec_set_json(rb, a, F_CODE, v, true);
    const char *code = rb->d.code;
    if (!code && json_is_string(v) && json_string_length(v) > 0)
        code = json_string_value(v); /* rejected as a code (too long): still split it */
    if (!code)
        return;
    const char *dash = strchr(code, '-');
    if (!dash || dash == code) {
        rec_fail(rb, F_AGENCY_CODE, "MaHoSo '%.64s' has no agency part before a '-'", code);
        return;
    }
    rec_set_text(rb, a, F_AGENCY_CODE, code, (size_t)(dash - code));
}

void rec_from_dvcqg(rec_builder *rb, arena_t *a, json_t *obj)
{
    if (!json_is_object(obj)) {
        rec_fail(rb, -1, "a DongBoHoSoMC record must be a JSON object");
        return;
    }
    static const struct { const char *key; int field; } plain[] = {
        { "DonViXuLy", F_AGENCY_NAME }, { "MaTTHC", F_PROCEDURE_CODE },
        { "TenTTHC", F_PROCEDURE_NAME }, { "MaLinhVuc", F_FIELD_CODE },
        { "TrangThaiHoSo", F_STATUS },
    };
    ts_t latest = TS_NULL;
    map_code(rb, a, obj);
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        json_t *v = json_object_get(obj, plain[i].key);
        if (v)
            rec_set_json(rb, a, plain[i].field, v, true);
    }
    json_t *ch = json_object_get(obj, "KenhThucHien");
    if (!ch || json_is_null(ch) || (json_is_string(ch) && json_string_length(ch) == 0))
        rb->d.channel = CH_DIRECT;
    else
        rec_set_json(rb, a, F_CHANNEL, ch, true);
    set_ts(rb, a, F_RECEIVED_AT, obj, "NgayTiepNhan", &latest);
    set_ts(rb, a, F_DUE_AT, obj, "NgayHenTra", &latest);
    set_ts(rb, a, F_FINISHED_AT, obj, "NgayKetThucXuLy", &latest);
    set_ts(rb, a, F_RETURNED_AT, obj, "NgayTra", &latest);
    map_fees(rb, obj);
    int64_t pay;
    json_t *pv = json_object_get(obj, "DuocThanhToanTrucTuyen");
    rb->d.paid_online = pv && lenient_int(pv, &pay) == 0 && (pay == 1 || pay == 2);
    map_supplements(rb, a, obj, &latest);
    rb->d.updated_at = latest;
}
