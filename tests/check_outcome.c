/*
 * check_outcome.c - tests for the upsert decision of spec §3.3
 * (ingest_decide in service/ingest.c, dossier_equal in service/dossier.c).
 *
 * Why: the outcome of every record (inserted / stale / unchanged / updated)
 * is decided in C, purely, before anything is written; an error here either
 * rolls dossiers back (a stale state winning) or rewrites millions of rows
 * for nothing (an unchanged one counted as updated). Each stored field is
 * changed on its own to prove it takes part in the comparison.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dossier.h"
#include "ingest.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ samples */

static ts_t vn(int y, int mo, int d, int h, int mi)
{
    int64_t sec = (int64_t)day_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60;
    return sec * TS_US_PER_SEC - TS_VN_OFFSET_US;
}

/* A dossier with every field set to a non-default value. The strings come
 * from the given buffers so that two samples never share pointers. */
typedef struct {
    char code[32], agency[32], agency_name[32], proc[32], proc_name[32], field[32];
} strings;

static dossier_t sample(strings *s)
{
    snprintf(s->code, sizeof s->code, "%s", "000.00.01.H62-240314-0001");
    snprintf(s->agency, sizeof s->agency, "%s", "000.00.01.H62");
    snprintf(s->agency_name, sizeof s->agency_name, "%s", "Sở Tư pháp");
    snprintf(s->proc, sizeof s->proc, "%s", "1.004227");
    snprintf(s->proc_name, sizeof s->proc_name, "%s", "Cấp phiếu LLTP");
    snprintf(s->field, sizeof s->field, "%s", "G13-TP01");
    dossier_t d = {
        .code = s->code, .agency_code = s->agency, .agency_name = s->agency_name,
        .procedure_code = s->proc, .procedure_name = s->proc_name, .field_code = s->field,
        .service_level = 3, .channel = CH_ONLINE, .status = 10,
        .received_at = vn(2024, 3, 14, 8, 30), .due_at = vn(2024, 3, 21, 17, 0),
        .finished_at = vn(2024, 3, 20, 10, 0), .returned_at = vn(2024, 3, 21, 9, 0),
        .extended_due_at = vn(2024, 3, 25, 17, 0), .supplement_requested_at = vn(2024, 3, 15, 9, 0),
        .updated_at = vn(2024, 3, 21, 9, 0), .apology = true, .supplement_count = 1,
        .fee = 200000, .paid_online = true,
    };
    return d;
}

static const char *outcome_name(ingest_outcome o)
{
    switch (o) {
    case OUT_INSERTED: return "inserted";
    case OUT_UPDATED: return "updated";
    case OUT_UNCHANGED: return "unchanged";
    case OUT_STALE: return "stale";
    }
    return "?";
}

static void expect_outcome(const dossier_t *stored, const dossier_t *in, ingest_outcome want,
                           const char *what)
{
    ingest_outcome got = ingest_decide(stored, in);
    ck_assert_msg(got == want, "%s: got %s, want %s", what, outcome_name(got), outcome_name(want));
}

/* One change to one stored field (updated_at excluded: it orders updates). */
typedef struct {
    const char *what;
    void (*apply)(dossier_t *d);
} change;

static void ch_code(dossier_t *d) { d->code = "000.00.01.H62-240314-0002"; }
static void ch_agency(dossier_t *d) { d->agency_code = "000.00.02.H62"; }
static void ch_proc(dossier_t *d) { d->procedure_code = "1.004228"; }
static void ch_field(dossier_t *d) { d->field_code = "G13-TP02"; }
static void ch_field_null(dossier_t *d) { d->field_code = NULL; }
static void ch_field_empty(dossier_t *d) { d->field_code = ""; }
static void ch_field_case(dossier_t *d) { d->field_code = "g13-tp01"; }
static void ch_field_prefix(dossier_t *d) { d->field_code = "G13-TP0"; }
static void ch_level(dossier_t *d) { d->service_level = 4; }
static void ch_level_null(dossier_t *d) { d->service_level = 0; }
static void ch_channel(dossier_t *d) { d->channel = CH_DIRECT; }
static void ch_status(dossier_t *d) { d->status = 9; }
static void ch_received(dossier_t *d) { d->received_at += 1; }
static void ch_due(dossier_t *d) { d->due_at -= TS_US_PER_SEC; }
static void ch_due_null(dossier_t *d) { d->due_at = TS_NULL; }
static void ch_finished(dossier_t *d) { d->finished_at += 1; }
static void ch_finished_null(dossier_t *d) { d->finished_at = TS_NULL; }
static void ch_returned(dossier_t *d) { d->returned_at = TS_NULL; }
static void ch_extended(dossier_t *d) { d->extended_due_at += TS_US_PER_DAY; }
static void ch_extended_null(dossier_t *d) { d->extended_due_at = TS_NULL; }
static void ch_supp_at(dossier_t *d) { d->supplement_requested_at = TS_NULL; }
static void ch_apology(dossier_t *d) { d->apology = false; }
static void ch_supp_count(dossier_t *d) { d->supplement_count = 2; }
static void ch_supp_zero(dossier_t *d) { d->supplement_count = 0; }
static void ch_fee(dossier_t *d) { d->fee = 200001; }
static void ch_fee_zero(dossier_t *d) { d->fee = 0; }
static void ch_fee_null(dossier_t *d) { d->fee = FEE_NULL; }
static void ch_paid(dossier_t *d) { d->paid_online = false; }

static const change CHANGES[] = {
    { "code", ch_code }, { "agency_code", ch_agency }, { "procedure_code", ch_proc },
    { "field_code", ch_field }, { "field_code null", ch_field_null },
    { "field_code empty", ch_field_empty }, { "field_code case", ch_field_case },
    { "field_code prefix", ch_field_prefix }, { "service_level", ch_level },
    { "service_level null", ch_level_null }, { "channel", ch_channel }, { "status", ch_status },
    { "received_at +1us", ch_received }, { "due_at", ch_due }, { "due_at null", ch_due_null },
    { "finished_at +1us", ch_finished }, { "finished_at null", ch_finished_null },
    { "returned_at null", ch_returned }, { "extended_due_at", ch_extended },
    { "extended_due_at null", ch_extended_null }, { "supplement_requested_at null", ch_supp_at },
    { "apology", ch_apology }, { "supplement_count", ch_supp_count },
    { "supplement_count 0", ch_supp_zero }, { "fee", ch_fee }, { "fee 0", ch_fee_zero },
    { "fee null", ch_fee_null }, { "paid_online", ch_paid },
};

/* ------------------------------------------------------------ tests */

START_TEST(test_new_code_inserted)
{
    strings s;
    dossier_t in = sample(&s);
    expect_outcome(NULL, &in, OUT_INSERTED, "no stored version");
    in.updated_at = TS_NULL;
    expect_outcome(NULL, &in, OUT_INSERTED, "no stored version, no updated_at");
}
END_TEST

START_TEST(test_identical_unchanged)
{
    strings s1, s2;
    dossier_t stored = sample(&s1), in = sample(&s2);
    ck_assert_ptr_ne(stored.code, in.code);   /* compared by content, not pointer */
    expect_outcome(&stored, &in, OUT_UNCHANGED, "identical");
    expect_outcome(&stored, &stored, OUT_UNCHANGED, "the same struct");
    stored.updated_at = in.updated_at = TS_NULL;
    expect_outcome(&stored, &in, OUT_UNCHANGED, "identical, no updated_at");
    /* All-null optional fields compare equal too. */
    stored.field_code = in.field_code = NULL;
    stored.fee = in.fee = FEE_NULL;
    stored.due_at = in.due_at = TS_NULL;
    expect_outcome(&stored, &in, OUT_UNCHANGED, "identical with nulls");
}
END_TEST

START_TEST(test_each_field_change_updates)
{
    for (size_t i = 0; i < NELEM(CHANGES); i++) {
        strings s1, s2;
        dossier_t stored = sample(&s1), in = sample(&s2);
        CHANGES[i].apply(&in);
        char what[96];
        snprintf(what, sizeof what, "%s, same updated_at", CHANGES[i].what);
        expect_outcome(&stored, &in, OUT_UPDATED, what);
        ck_assert_msg(!dossier_equal(&stored, &in) && !dossier_equal(&in, &stored), "%s",
                      CHANGES[i].what);
        /* The reverse direction too (stored has the changed value). */
        snprintf(what, sizeof what, "%s, reversed", CHANGES[i].what);
        expect_outcome(&in, &stored, OUT_UPDATED, what);
        /* Newer updated_at: updated. */
        in.updated_at += TS_US_PER_SEC;
        snprintf(what, sizeof what, "%s, newer", CHANGES[i].what);
        expect_outcome(&stored, &in, OUT_UPDATED, what);
        /* Older updated_at: stale, whatever changed. */
        in.updated_at = stored.updated_at - 1;
        snprintf(what, sizeof what, "%s, older", CHANGES[i].what);
        expect_outcome(&stored, &in, OUT_STALE, what);
        /* Either side without updated_at: never stale. */
        in.updated_at = TS_NULL;
        snprintf(what, sizeof what, "%s, incoming updated_at null", CHANGES[i].what);
        expect_outcome(&stored, &in, OUT_UPDATED, what);
        in.updated_at = vn(2000, 1, 1, 0, 0);
        stored.updated_at = TS_NULL;
        snprintf(what, sizeof what, "%s, stored updated_at null", CHANGES[i].what);
        expect_outcome(&stored, &in, OUT_UPDATED, what);
    }
}
END_TEST

START_TEST(test_updated_at_alone)
{
    strings s1, s2;
    dossier_t stored = sample(&s1), in = sample(&s2);
    /* Only updated_at differs: newer is an update (it is stored too). */
    in.updated_at += 1;
    expect_outcome(&stored, &in, OUT_UPDATED, "only updated_at, newer");
    in.updated_at = stored.updated_at - 1;
    expect_outcome(&stored, &in, OUT_STALE, "only updated_at, older");
    /* Stale is checked before unchanged: an older copy is stale even when
     * it equals the stored version in every other field. */
    in.updated_at = stored.updated_at - TS_US_PER_DAY;
    expect_outcome(&stored, &in, OUT_STALE, "identical but older");
    /* updated_at set on one side only: not stale, and a difference. */
    in.updated_at = TS_NULL;
    expect_outcome(&stored, &in, OUT_UPDATED, "incoming updated_at null");
    in.updated_at = stored.updated_at;
    stored.updated_at = TS_NULL;
    expect_outcome(&stored, &in, OUT_UPDATED, "stored updated_at null");
    /* Both null: compared on the other fields only. */
    in.updated_at = TS_NULL;
    expect_outcome(&stored, &in, OUT_UNCHANGED, "both null, identical");
    in.status = 9;
    expect_outcome(&stored, &in, OUT_UPDATED, "both null, status differs");
}
END_TEST

START_TEST(test_stale_boundaries)
{
    strings s1, s2;
    dossier_t stored = sample(&s1), in = sample(&s2);
    in.status = 9;
    /* Equal updated_at is not older. */
    expect_outcome(&stored, &in, OUT_UPDATED, "equal updated_at");
    /* One microsecond older is. */
    in.updated_at = stored.updated_at - 1;
    expect_outcome(&stored, &in, OUT_STALE, "1 us older");
    /* Far past and before 1970 still compare as instants. */
    in.updated_at = vn(1900, 1, 1, 0, 0);
    expect_outcome(&stored, &in, OUT_STALE, "1900");
    stored.updated_at = vn(1969, 12, 31, 23, 0);
    in.updated_at = vn(1969, 12, 31, 22, 59);
    expect_outcome(&stored, &in, OUT_STALE, "before 1970");
    in.updated_at = vn(1970, 1, 1, 0, 0);
    expect_outcome(&stored, &in, OUT_UPDATED, "across 1970");
}
END_TEST

START_TEST(test_labels_not_compared)
{
    /* agency_name and procedure_name are labels kept in their own tables
     * ("latest wins" there); they are not dossier fields (dossier.h). */
    strings s1, s2;
    dossier_t stored = sample(&s1), in = sample(&s2);
    in.agency_name = "Sở Tư pháp tỉnh Đồng Nai";
    in.procedure_name = NULL;
    ck_assert(dossier_equal(&stored, &in));
    expect_outcome(&stored, &in, OUT_UNCHANGED, "labels only");
}
END_TEST

START_TEST(test_dossier_equal_strings)
{
    strings s1, s2;
    dossier_t a = sample(&s1), b = sample(&s2);
    ck_assert(dossier_equal(&a, &b));
    /* NULL vs "" are different; NULL vs NULL equal. */
    a.field_code = NULL;
    b.field_code = "";
    ck_assert(!dossier_equal(&a, &b));
    ck_assert(!dossier_equal(&b, &a));
    b.field_code = NULL;
    ck_assert(dossier_equal(&a, &b));
    /* Multibyte content compared byte for byte. */
    a.code = "HS-Đ-1";
    b.code = "HS-Ð-1";   /* U+00D0, looks the same */
    ck_assert(!dossier_equal(&a, &b));
    b.code = "HS-Đ-1";
    ck_assert(dossier_equal(&a, &b));
}
END_TEST

Suite *make_outcome_suite(void)
{
    Suite *s = suite_create("outcome");
    TCase *tc = tcase_create("decide");
    tcase_add_test(tc, test_new_code_inserted);
    tcase_add_test(tc, test_identical_unchanged);
    tcase_add_test(tc, test_each_field_change_updates);
    tcase_add_test(tc, test_updated_at_alone);
    tcase_add_test(tc, test_stale_boundaries);
    tcase_add_test(tc, test_labels_not_compared);
    tcase_add_test(tc, test_dossier_equal_strings);
    suite_add_tcase(s, tc);
    return s;
}
