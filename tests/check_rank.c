/*
 * check_rank.c - unit tests of rank.c (spec §7 rankings): exact fraction
 * comparison (equal fractions such as 1/2 and 2/4, different fractions whose
 * doubles are equal, products far beyond 64 bits, signs), competition ranks
 * (1, 2, 2, 4) with ties ordered by key and the unknown key last, lowest
 * first for late_rate, the min_n split and groups without a value; and a
 * random cross-check against a brute-force ranking written here.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rank.h"

/* ---- frac_cmp ------------------------------------------------------------------ */

START_TEST(test_frac_equal_fractions)
{
    ck_assert_int_eq(frac_cmp(1, 2, 2, 4), 0);
    ck_assert_int_eq(frac_cmp(2, 4, 1, 2), 0);
    ck_assert_int_eq(frac_cmp(0, 5, 0, 7), 0);
    ck_assert_int_eq(frac_cmp(7, 7, 1, 1), 0);
    ck_assert_int_eq(frac_cmp(1, 3, 333333333, 999999999), 0);
    ck_assert_int_eq(frac_cmp(INT64_MAX, INT64_MAX, 1, 1), 0);
    ck_assert_int_eq(frac_cmp(INT64_MAX / 7 * 3, INT64_MAX / 7 * 5, 3, 5), 0);
}
END_TEST

START_TEST(test_frac_order)
{
    ck_assert_int_eq(frac_cmp(1, 3, 1, 2), -1);
    ck_assert_int_eq(frac_cmp(1, 2, 1, 3), 1);
    ck_assert_int_eq(frac_cmp(0, 1, 1, 1000000), -1);
    ck_assert_int_eq(frac_cmp(999, 1000, 1000, 1001), -1);   /* 0.999 < 0.999000999 */
    ck_assert_int_eq(frac_cmp(1604, 1614, 98, 100), 1);
}
END_TEST

/* Different fractions whose doubles are the same number must not tie. */
START_TEST(test_frac_near_equal_doubles)
{
    const int64_t M = INT64_MAX;
    volatile double a = (double)(M - 1) / (double)M, b = (double)(M - 2) / (double)(M - 1);
    ck_assert_msg(a == b, "premise: the doubles are equal");
    ck_assert_int_eq(frac_cmp(M - 1, M, M - 2, M - 1), 1);   /* (M-1)^2 > M(M-2) */
    ck_assert_int_eq(frac_cmp(M - 2, M - 1, M - 1, M), -1);
    /* 2^60 +- 1 are not doubles: n/(n+1) and (n-1)/n both round to 1 */
    const int64_t n = 1LL << 60;
    volatile double c = (double)n / (double)(n + 1), d = (double)(n - 1) / (double)n;
    ck_assert_msg(c == d, "premise: the doubles are equal");
    ck_assert_int_eq(frac_cmp(n, n + 1, n - 1, n), 1);
    ck_assert_int_eq(frac_cmp(n - 1, n, n, n + 1), -1);
}
END_TEST

/* Cross products far beyond 64 bits. */
START_TEST(test_frac_huge)
{
    const int64_t M = INT64_MAX;
    ck_assert_int_eq(frac_cmp(M, M - 1, M - 1, M - 2), -1);   /* 1 + 1/(M-1) < 1 + 1/(M-2) */
    ck_assert_int_eq(frac_cmp(M, 1, M - 1, 1), 1);
    ck_assert_int_eq(frac_cmp(M, 1, M, 2), 1);
    ck_assert_int_eq(frac_cmp(1, M, 1, M - 1), -1);
    ck_assert_int_eq(frac_cmp(M - 1, M, M, M), -1);
    ck_assert_int_eq(frac_cmp(4294967296LL, 4294967295LL, 4294967297LL, 4294967296LL), 1);
    ck_assert_int_eq(frac_cmp(M / 2, M, 1, 2), -1);   /* M is odd: floor(M/2)/M < 1/2 */
}
END_TEST

START_TEST(test_frac_signs_and_no_value)
{
    ck_assert_int_eq(frac_cmp(-1, 2, 1, 2), -1);
    ck_assert_int_eq(frac_cmp(-1, 2, -2, 4), 0);
    ck_assert_int_eq(frac_cmp(-1, 2, -1, 3), -1);
    ck_assert_int_eq(frac_cmp(INT64_MIN, 1, -1, 1), -1);
    ck_assert_int_eq(frac_cmp(INT64_MIN, 1, INT64_MIN, 1), 0);
    ck_assert_int_eq(frac_cmp(INT64_MIN, INT64_MAX, -1, 1), -1);
    ck_assert_int_eq(frac_cmp(0, 3, -1, INT64_MAX), 1);
    /* a denominator <= 0: no value, below every value, equal to another */
    ck_assert_int_eq(frac_cmp(1, 0, 0, 1), -1);
    ck_assert_int_eq(frac_cmp(0, 1, 5, 0), 1);
    ck_assert_int_eq(frac_cmp(3, 0, 5, -2), 0);
}
END_TEST

/* ---- rank_items ------------------------------------------------------------------ */

static void item(rank_item_t *it, const char *key, int64_t num, int64_t den, size_t ref)
{
    memset(it, 0, sizeof *it);
    it->key = key;
    it->num = num;
    it->den = den;
    it->ref = ref;
    it->rank = -7;   /* must be overwritten */
}

static void expect(const rank_item_t *v, size_t i, const char *key, int64_t rank)
{
    if (key == NULL)
        ck_assert_msg(v[i].key == NULL, "item %zu: key %s, want null", i, v[i].key);
    else
        ck_assert_msg(v[i].key != NULL && strcmp(v[i].key, key) == 0, "item %zu: key %s, want %s",
                      i, v[i].key ? v[i].key : "null", key);
    ck_assert_msg(v[i].rank == rank, "item %zu (%s): rank %lld, want %lld", i,
                  key ? key : "null", (long long)v[i].rank, (long long)rank);
}

START_TEST(test_rank_ties_1224)
{
    rank_item_t v[4];
    item(&v[0], "C", 1, 2, 0);
    item(&v[1], "D", 1, 4, 1);
    item(&v[2], "B", 3, 4, 2);
    item(&v[3], "A", 2, 4, 3);
    ck_assert_uint_eq(rank_items(v, 4, RANK_HIGH_FIRST, 0), 4);
    expect(v, 0, "B", 1);
    expect(v, 1, "A", 2);   /* 2/4 == 1/2: same rank, ordered by key */
    expect(v, 2, "C", 2);
    expect(v, 3, "D", 4);
    ck_assert_uint_eq(v[1].ref, 3);
}
END_TEST

START_TEST(test_rank_all_tied_and_null_key)
{
    rank_item_t v[4];
    item(&v[0], NULL, 5, 10, 0);
    item(&v[1], "Z", 1, 2, 1);
    item(&v[2], "A", 50, 100, 2);
    item(&v[3], "M", 3, 6, 3);
    ck_assert_uint_eq(rank_items(v, 4, RANK_HIGH_FIRST, 1), 4);
    expect(v, 0, "A", 1);
    expect(v, 1, "M", 1);
    expect(v, 2, "Z", 1);
    expect(v, 3, NULL, 1);   /* the unknown key last among equals */
}
END_TEST

START_TEST(test_rank_near_equal_is_not_a_tie)
{
    const int64_t M = INT64_MAX;
    rank_item_t v[3];
    item(&v[0], "A", M - 2, M - 1, 0);
    item(&v[1], "B", M - 1, M, 1);
    item(&v[2], "C", 1, 1, 2);
    rank_items(v, 3, RANK_HIGH_FIRST, 0);
    expect(v, 0, "C", 1);
    expect(v, 1, "B", 2);   /* (M-1)/M > (M-2)/(M-1), though the doubles are equal */
    expect(v, 2, "A", 3);
}
END_TEST

START_TEST(test_rank_lowest_first_for_late_rate)
{
    ck_assert_int_eq(rank_order_for(R_LATE), RANK_LOW_FIRST);
    ck_assert_int_eq(rank_order_for(R_ON_TIME), RANK_HIGH_FIRST);
    ck_assert_int_eq(rank_order_for(R_EARLY), RANK_HIGH_FIRST);
    ck_assert_int_eq(rank_order_for(R_ON_TIME_INCL_PENDING), RANK_HIGH_FIRST);
    ck_assert_int_eq(rank_order_for(R_ONLINE_PAYMENT), RANK_HIGH_FIRST);
    ck_assert_int_eq(rank_order_for(R_ONLINE_UPTAKE), RANK_HIGH_FIRST);
    ck_assert_int_eq(rank_order_for(R_ONLINE_SHARE), RANK_HIGH_FIRST);   /* no target */
    ck_assert_int_eq(rank_order_for(R_APOLOGY), RANK_HIGH_FIRST);

    rank_item_t v[5];
    item(&v[0], "A", 3, 100, 0);
    item(&v[1], "B", 0, 40, 1);
    item(&v[2], "C", 6, 200, 2);
    item(&v[3], "D", 1, 20, 3);
    item(&v[4], "E", 0, 25, 4);
    ck_assert_uint_eq(rank_items(v, 5, rank_order_for(R_LATE), 20), 5);
    expect(v, 0, "B", 1);
    expect(v, 1, "E", 1);
    expect(v, 2, "A", 3);   /* 3/100 == 6/200 */
    expect(v, 3, "C", 3);
    expect(v, 4, "D", 5);
}
END_TEST

START_TEST(test_rank_min_n_split)
{
    rank_item_t v[7];
    item(&v[0], "E", 19, 19, 0);   /* under min_n, though the best value */
    item(&v[1], "D", 10, 20, 1);   /* exactly min_n: ranked */
    item(&v[2], "C", 0, 0, 2);     /* no value */
    item(&v[3], NULL, 1, 5, 3);    /* unknown key, under min_n */
    item(&v[4], "B", 30, 40, 4);
    item(&v[5], "A", 0, 3, 5);
    item(&v[6], "F", 20, 21, 6);
    ck_assert_uint_eq(rank_items(v, 7, RANK_HIGH_FIRST, 20), 3);
    expect(v, 0, "F", 1);
    expect(v, 1, "B", 2);
    expect(v, 2, "D", 3);
    expect(v, 3, "A", 0);   /* then the insufficient ones by key, unknown last */
    expect(v, 4, "C", 0);
    expect(v, 5, "E", 0);
    expect(v, 6, NULL, 0);
}
END_TEST

START_TEST(test_rank_null_values_never_ranked)
{
    rank_item_t v[3];
    item(&v[0], "B", 0, 0, 0);
    item(&v[1], "A", 1, 1, 1);
    item(&v[2], "C", 0, 0, 2);
    ck_assert_uint_eq(rank_items(v, 3, RANK_HIGH_FIRST, 0), 1);
    expect(v, 0, "A", 1);
    expect(v, 1, "B", 0);
    expect(v, 2, "C", 0);
    /* a negative min_n counts as 0 */
    item(&v[0], "B", 0, 0, 0);
    item(&v[1], "A", 1, 1, 1);
    item(&v[2], "C", 0, 3, 2);
    ck_assert_uint_eq(rank_items(v, 3, RANK_LOW_FIRST, -5), 2);
    expect(v, 0, "C", 1);
    expect(v, 1, "A", 2);
    expect(v, 2, "B", 0);
}
END_TEST

START_TEST(test_rank_empty_and_all_insufficient)
{
    ck_assert_uint_eq(rank_items(NULL, 0, RANK_HIGH_FIRST, 20), 0);
    rank_item_t v[2];
    item(&v[0], "B", 1, 2, 0);
    item(&v[1], "A", 1, 3, 1);
    ck_assert_uint_eq(rank_items(v, 2, RANK_HIGH_FIRST, 1000000000), 0);
    expect(v, 0, "A", 0);
    expect(v, 1, "B", 0);
}
END_TEST

START_TEST(test_rank_huge_counts)
{
    const int64_t M = INT64_MAX;
    rank_item_t v[4];
    item(&v[0], "A", M / 3, M / 3 * 2, 0);   /* exactly 1/2 */
    item(&v[1], "B", M - 1, M, 1);
    item(&v[2], "C", 1, 2, 2);
    item(&v[3], "D", M / 2, M, 3);           /* a hair under 1/2 */
    ck_assert_uint_eq(rank_items(v, 4, RANK_HIGH_FIRST, M), 2);   /* den >= M: B, D */
    expect(v, 0, "B", 1);
    expect(v, 1, "D", 2);
    item(&v[0], "A", M / 3, M / 3 * 2, 0);
    item(&v[1], "B", M - 1, M, 1);
    item(&v[2], "C", 1, 2, 2);
    item(&v[3], "D", M / 2, M, 3);
    rank_items(v, 4, RANK_HIGH_FIRST, 0);
    expect(v, 0, "B", 1);
    expect(v, 1, "A", 2);
    expect(v, 2, "C", 2);
    expect(v, 3, "D", 4);
}
END_TEST

/* ---- random cross-check ------------------------------------------------------------ */

static uint64_t rs = 12345;
static uint64_t rnd(void)
{
    uint64_t z = (rs += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

START_TEST(test_rank_random_vs_brute_force)
{
    static char keys[40][16];
    for (unsigned i = 0; i < 40; i++)
        snprintf(keys[i], sizeof keys[i], "K%02u", i);
    for (int round = 0; round < 500; round++) {
        size_t n = 1 + rnd() % 40;
        int64_t min_n = (int64_t)(rnd() % 8);
        rank_order order = rnd() % 2 ? RANK_LOW_FIRST : RANK_HIGH_FIRST;
        rank_item_t v[40], orig[40];
        /* unique keys (n <= 40, rotated so key order differs from insertion
         * order), at most one unknown key, like the groups of the service */
        size_t offset = (size_t)(rnd() % 40), null_at = rnd() % 3 == 0 ? (size_t)(rnd() % n) : n;
        for (size_t i = 0; i < n; i++) {
            int64_t den = (int64_t)(rnd() % 9);
            int64_t num = den ? (int64_t)(rnd() % (uint64_t)(den + 1)) : 0;
            item(&v[i], i == null_at ? NULL : keys[(i + offset) % 40], num, den, i);
            orig[i] = v[i];
        }
        size_t k = rank_items(v, n, order, min_n);
        size_t want_k = 0;
        for (size_t i = 0; i < n; i++)
            want_k += orig[i].den > 0 && orig[i].den >= min_n;
        ck_assert_uint_eq(k, want_k);
        for (size_t i = 0; i < n; i++) {
            const rank_item_t *it = &v[i], *o = &orig[it->ref];
            ck_assert(it->num == o->num && it->den == o->den && it->key == o->key);
            bool ranked = o->den > 0 && o->den >= min_n;
            ck_assert_msg(ranked == (i < k), "round %d: item %zu in the wrong part", round, i);
            if (!ranked) {
                ck_assert_int_eq(it->rank, 0);
                continue;
            }
            /* rank = 1 + the ranked items strictly better (small ints: plain products) */
            int64_t better = 0;
            for (size_t j = 0; j < n; j++) {
                const rank_item_t *p = &orig[j];
                if (!(p->den > 0 && p->den >= min_n))
                    continue;
                int64_t l = p->num * o->den, r = o->num * p->den;
                better += order == RANK_HIGH_FIRST ? l > r : l < r;
            }
            ck_assert_msg(it->rank == better + 1, "round %d: rank %lld, want %lld", round,
                          (long long)it->rank, (long long)(better + 1));
        }
        /* within each part: non-decreasing rank, then keys ascending among equals */
        for (size_t i = 1; i < n; i++) {
            const rank_item_t *a = &v[i - 1], *b = &v[i];
            if (i < k) {
                ck_assert(a->rank <= b->rank);
                if (a->rank == b->rank)
                    ck_assert(a->key && (b->key == NULL || strcmp(a->key, b->key) < 0));
            } else if (i > k) {
                ck_assert(a->key && (b->key == NULL || strcmp(a->key, b->key) < 0));
            }
        }
    }
}
END_TEST

Suite *make_rank_suite(void)
{
    Suite *s = suite_create("rank");
    TCase *tc = tcase_create("frac");
    tcase_add_test(tc, test_frac_equal_fractions);
    tcase_add_test(tc, test_frac_order);
    tcase_add_test(tc, test_frac_near_equal_doubles);
    tcase_add_test(tc, test_frac_huge);
    tcase_add_test(tc, test_frac_signs_and_no_value);
    suite_add_tcase(s, tc);
    tc = tcase_create("rank");
    tcase_add_test(tc, test_rank_ties_1224);
    tcase_add_test(tc, test_rank_all_tied_and_null_key);
    tcase_add_test(tc, test_rank_near_equal_is_not_a_tie);
    tcase_add_test(tc, test_rank_lowest_first_for_late_rate);
    tcase_add_test(tc, test_rank_min_n_split);
    tcase_add_test(tc, test_rank_null_values_never_ranked);
    tcase_add_test(tc, test_rank_empty_and_all_insufficient);
    tcase_add_test(tc, test_rank_huge_counts);
    tcase_add_test(tc, test_rank_random_vs_brute_force);
    suite_add_tcase(s, tc);
    return s;
}
