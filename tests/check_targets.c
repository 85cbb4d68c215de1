/*
 * check_targets.c - tests of target precedence (spec §6 "Targets").
 *
 * Why: a department is judged against the target that applies to it; a
 * wrong precedence silently turns "met" into "missed". Checked: pattern
 * coverage (exact, prefix, a query filter that is itself a prefix), longer
 * prefix wins whatever the order of the entries, a year beats none only at
 * equal specificity, the year must match, exact codes, and the defaults.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"

static target_t T(rate_op op, int64_t micro)
{
    target_t t = { op, micro };
    return t;
}

/* Builds an owned set from a static description (agency strings copied). */
typedef struct {
    rate_id rate;
    rate_op op;
    int64_t micro;
    const char *agency;
    int year;
} spec_entry;

static target_set make_set(const spec_entry *e, size_t n)
{
    target_set s = { calloc(n ? n : 1, sizeof(target_entry)), n };
    ck_assert_ptr_nonnull(s.v);
    for (size_t i = 0; i < n; i++) {
        s.v[i].rate = e[i].rate;
        s.v[i].target = T(e[i].op, e[i].micro);
        s.v[i].agency = e[i].agency ? strdup(e[i].agency) : NULL;
        if (e[i].agency)
            ck_assert_ptr_nonnull(s.v[i].agency);
        s.v[i].year = e[i].year;
    }
    return s;
}

#define EXPECT_TARGET(t, op_, micro_) do {                 \
        target_t t_ = (t);                                 \
        ck_assert_int_eq(t_.op, (op_));                    \
        ck_assert_int_eq(t_.micro, (micro_));              \
    } while (0)

START_TEST(test_covers)
{
    /* no agency: covers everything, the province included */
    ck_assert(target_pattern_covers(NULL, NULL));
    ck_assert(target_pattern_covers(NULL, "000.00.01"));
    ck_assert(target_pattern_covers(NULL, "000.*"));
    /* a province query is covered by nothing else */
    ck_assert(!target_pattern_covers("000.*", NULL));
    ck_assert(!target_pattern_covers("000.00.01", NULL));
    /* exact codes */
    ck_assert(target_pattern_covers("000.00.01", "000.00.01"));
    ck_assert(!target_pattern_covers("000.00.01", "000.00.012"));
    ck_assert(!target_pattern_covers("000.00.01", "000.00.0"));
    ck_assert(!target_pattern_covers("000.00.01", "000.00.*"));
    ck_assert(!target_pattern_covers("000.00.01", "000.00.01*"));
    /* prefixes over codes */
    ck_assert(target_pattern_covers("000.00.*", "000.00.01"));
    ck_assert(target_pattern_covers("000.00.*", "000.00."));
    ck_assert(!target_pattern_covers("000.00.*", "000.01.01"));
    ck_assert(!target_pattern_covers("000.00.*", "000.00"));
    /* prefixes over prefix filters: only when every match is covered */
    ck_assert(target_pattern_covers("000.00.*", "000.00.*"));
    ck_assert(target_pattern_covers("000.00.*", "000.00.01*"));
    ck_assert(target_pattern_covers("000.*", "000.00.*"));
    ck_assert(!target_pattern_covers("000.00.*", "000.*"));
    ck_assert(!target_pattern_covers("000.00.*", "000.01.*"));
    ck_assert(!target_pattern_covers("000.00.01*", "000.00.*"));
}
END_TEST

START_TEST(test_defaults)
{
    target_set empty = { NULL, 0 };
    for (int r = 0; r < R__COUNT; r++) {
        target_t d = rate_default_target((rate_id)r);
        EXPECT_TARGET(target_resolve(&empty, (rate_id)r, NULL, 2024), d.op, d.micro);
        EXPECT_TARGET(target_resolve(NULL, (rate_id)r, "000.00.01", 2024), d.op, d.micro);
    }
    EXPECT_TARGET(target_resolve(NULL, R_ON_TIME, NULL, 2024), OP_GE, 980000);
    EXPECT_TARGET(target_resolve(NULL, R_LATE, NULL, 2024), OP_LE, 20000);
    EXPECT_TARGET(target_resolve(NULL, R_ONLINE_SHARE, NULL, 2024), OP_NONE, 0);
    target_set_free(&empty);
    target_set_free(NULL);

    /* entries that match nothing leave the default */
    spec_entry e[] = {
        { R_ON_TIME, OP_GE, 900000, "001.*", 0 },          /* other agencies */
        { R_ON_TIME, OP_GE, 910000, NULL, 2023 },          /* other year */
        { R_EARLY, OP_GE, 920000, NULL, 0 },               /* other rate */
        { R_ON_TIME, OP_GE, 930000, "000.00.01", 0 },      /* other exact code */
    };
    target_set s = make_set(e, 4);
    EXPECT_TARGET(target_resolve(&s, R_ON_TIME, "000.00.02", 2024), OP_GE, 980000);
    EXPECT_TARGET(target_resolve(&s, R_ON_TIME, NULL, 2024), OP_GE, 980000);
    EXPECT_TARGET(target_resolve(&s, R_EARLY, "000.00.02", 2024), OP_GE, 920000);
    EXPECT_TARGET(target_resolve(&s, R_ON_TIME, NULL, 2023), OP_GE, 910000);
    target_set_free(&s);
    ck_assert_ptr_null(s.v);
    ck_assert_uint_eq(s.n, 0);
}
END_TEST

/* Every permutation order of the same entries gives the same answer. */
static void check_orders(const spec_entry *e, size_t n, rate_id rate, const char *agency,
                         int year, rate_op op, int64_t micro)
{
    spec_entry buf[8];
    ck_assert(n <= 8);
    for (size_t rot = 0; rot < n; rot++) {
        for (int rev = 0; rev < 2; rev++) {
            for (size_t i = 0; i < n; i++) {
                size_t j = (i + rot) % n;
                buf[rev ? n - 1 - i : i] = e[j];
            }
            target_set s = make_set(buf, n);
            target_t t = target_resolve(&s, rate, agency, year);
            ck_assert_msg(t.op == op && t.micro == micro,
                          "agency %s year %d order %zu/%d: got %d %lld, want %d %lld",
                          agency ? agency : "(province)", year, rot, rev, t.op,
                          (long long)t.micro, op, (long long)micro);
            target_set_free(&s);
        }
    }
}

START_TEST(test_precedence)
{
    spec_entry e[] = {
        { R_ON_TIME, OP_GE, 950000, NULL, 0 },             /* province, any year */
        { R_ON_TIME, OP_GE, 960000, NULL, 2024 },          /* province, 2024 */
        { R_ON_TIME, OP_GE, 970000, "000.*", 0 },
        { R_ON_TIME, OP_GE, 975000, "000.*", 2024 },
        { R_ON_TIME, OP_GE, 990000, "000.00.*", 0 },       /* longer, no year */
        { R_ON_TIME, OP_GE, 995000, "000.00.01*", 0 },     /* same stem as the exact code */
        { R_ON_TIME, OP_GE, 999000, "000.00.01", 0 },      /* exact code */
    };
    size_t n = sizeof e / sizeof e[0];
    /* province: the year wins among NULL agencies */
    check_orders(e, n, R_ON_TIME, NULL, 2024, OP_GE, 960000);
    check_orders(e, n, R_ON_TIME, NULL, 2025, OP_GE, 950000);
    /* an agency under 000.01: only "000.*" covers; the year wins */
    check_orders(e, n, R_ON_TIME, "000.01.05", 2024, OP_GE, 975000);
    check_orders(e, n, R_ON_TIME, "000.01.05", 2023, OP_GE, 970000);
    /* a longer prefix without a year beats a shorter one with a year */
    check_orders(e, n, R_ON_TIME, "000.00.07", 2024, OP_GE, 990000);
    /* the exact code beats the prefix of the same text, and every shorter one */
    check_orders(e, n, R_ON_TIME, "000.00.01", 2024, OP_GE, 999000);
    /* a longer code under the same stem gets the prefix */
    check_orders(e, n, R_ON_TIME, "000.00.015", 2024, OP_GE, 995000);
    /* agency outside every prefix: province entries */
    check_orders(e, n, R_ON_TIME, "001.00.01", 2024, OP_GE, 960000);

    /* query filters that are prefixes themselves */
    check_orders(e, n, R_ON_TIME, "000.00.*", 2024, OP_GE, 990000);   /* same pattern */
    check_orders(e, n, R_ON_TIME, "000.00.0*", 2024, OP_GE, 990000);  /* under it */
    check_orders(e, n, R_ON_TIME, "000.00.01*", 2024, OP_GE, 995000); /* not the exact one */
    check_orders(e, n, R_ON_TIME, "000.*", 2024, OP_GE, 975000);
    check_orders(e, n, R_ON_TIME, "00*", 2024, OP_GE, 960000);        /* wider than all */

    /* the year must match exactly; an agency entry with another year is out */
    spec_entry y[] = {
        { R_LATE, OP_LE, 10000, "000.00.*", 2023 },
        { R_LATE, OP_LE, 30000, "000.*", 0 },
    };
    check_orders(y, 2, R_LATE, "000.00.01", 2024, OP_LE, 30000);
    check_orders(y, 2, R_LATE, "000.00.01", 2023, OP_LE, 10000);
    /* other rates keep their defaults */
    check_orders(y, 2, R_APOLOGY, "000.00.01", 2023, OP_GE, DEC_ONE);
}
END_TEST

START_TEST(test_duplicates_first_wins)
{
    spec_entry e[] = {
        { R_ONLINE_PAYMENT, OP_GE, 400000, "000.*", 2024 },
        { R_ONLINE_PAYMENT, OP_GE, 600000, "000.*", 2024 },
    };
    target_set s = make_set(e, 2);
    EXPECT_TARGET(target_resolve(&s, R_ONLINE_PAYMENT, "000.1", 2024), OP_GE, 400000);
    target_set_free(&s);
    /* an entry may give a target to a rate without a default */
    spec_entry f[] = { { R_ONLINE_SHARE, OP_GE, 300000, NULL, 0 } };
    s = make_set(f, 1);
    EXPECT_TARGET(target_resolve(&s, R_ONLINE_SHARE, "x", 2024), OP_GE, 300000);
    EXPECT_TARGET(target_resolve(&s, R_ONLINE_SHARE, NULL, 2024), OP_GE, 300000);
    target_set_free(&s);
}
END_TEST

Suite *make_targets_suite(void)
{
    Suite *s = suite_create("targets");
    TCase *tc = tcase_create("targets");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_covers);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_precedence);
    tcase_add_test(tc, test_duplicates_first_wins);
    suite_add_tcase(s, tc);
    return s;
}
