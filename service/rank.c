/*
 * rank.c - rankings by exact fractions (see rank.h, spec §7 rankings).
 *
 * Why this file exists: two groups have "equal values" only when their
 * fractions are exactly equal, and the doubles of §5 cannot tell (1/3 and
 * 333333333/999999999 are equal fractions; two different fractions can round
 * to one double). Fractions are compared by cross-multiplication on 128-bit
 * products built from 64-bit halves, so any counts compare exactly without
 * overflow and without compiler extensions. Pure: no I/O, no allocation.
 *
 * Decisions:
 *  - The direction follows the rate's default target: "<=" (late_rate) ranks
 *    lowest first; every other rate (including online_share, which has no
 *    target) ranks highest first. A configured target never flips it: one
 *    ranking needs one direction for every group.
 *  - A group with no value (denominator 0) is never ranked, whatever min_n.
 *  - Competition ranking ("1224"): a group's rank is 1 + the number of groups
 *    strictly better than it.
 *  - The unknown key (NULL) sorts after every key; equal keys (not produced
 *    by the service) fall back to the caller's ref, so the order is total.
 */
#include "rank.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

rank_order rank_order_for(rate_id r)
{
    return rate_default_target(r).op == OP_LE ? RANK_LOW_FIRST : RANK_HIGH_FIRST;
}

/* x * y as a 128-bit number (hi, lo). */
static void mul_u64(uint64_t x, uint64_t y, uint64_t *hi, uint64_t *lo)
{
    const uint64_t M = 0xFFFFFFFFu;
    uint64_t x0 = x & M, x1 = x >> 32, y0 = y & M, y1 = y >> 32;
    uint64_t p00 = x0 * y0, p01 = x0 * y1, p10 = x1 * y0, p11 = x1 * y1;
    uint64_t mid = (p00 >> 32) + (p01 & M) + (p10 & M);   /* < 2^34 */
    *lo = (mid << 32) | (p00 & M);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* |v| as an unsigned number (|INT64_MIN| = 2^63 fits). */
static uint64_t mag(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* x/b vs y/d for x, y >= 0 and b, d > 0: compares x*d with y*b. */
static int ufrac_cmp(uint64_t x, uint64_t b, uint64_t y, uint64_t d)
{
    uint64_t h1, l1, h2, l2;
    mul_u64(x, d, &h1, &l1);
    mul_u64(y, b, &h2, &l2);
    if (h1 != h2)
        return h1 < h2 ? -1 : 1;
    if (l1 != l2)
        return l1 < l2 ? -1 : 1;
    return 0;
}

int frac_cmp(int64_t a, int64_t b, int64_t c, int64_t d)
{
    /* A fraction with a non-positive denominator has no value (outside the
     * contract): it compares below every fraction that has one. */
    if (b <= 0 || d <= 0)
        return (d <= 0) - (b <= 0);
    int sa = (a > 0) - (a < 0), sc = (c > 0) - (c < 0);
    if (sa != sc)
        return sa < sc ? -1 : 1;
    if (sa == 0)
        return 0;
    int r = ufrac_cmp(mag(a), (uint64_t)b, mag(c), (uint64_t)d);
    return sa > 0 ? r : -r;   /* both negative: the larger magnitude is smaller */
}

static int key_cmp(const rank_item_t *x, const rank_item_t *y)
{
    if (x->key == NULL || y->key == NULL) {
        int r = (x->key == NULL) - (y->key == NULL);   /* NULL last */
        if (r)
            return r;
    } else {
        int r = strcmp(x->key, y->key);
        if (r)
            return r;
    }
    return (x->ref > y->ref) - (x->ref < y->ref);
}

static int cmp_high_first(const void *pa, const void *pb)
{
    const rank_item_t *x = pa, *y = pb;
    int r = frac_cmp(y->num, y->den, x->num, x->den);   /* larger first */
    return r ? r : key_cmp(x, y);
}

static int cmp_low_first(const void *pa, const void *pb)
{
    const rank_item_t *x = pa, *y = pb;
    int r = frac_cmp(x->num, x->den, y->num, y->den);
    return r ? r : key_cmp(x, y);
}

static int cmp_key_only(const void *pa, const void *pb)
{
    return key_cmp(pa, pb);
}

static bool is_ranked(const rank_item_t *it, int64_t min_n)
{
    return it->den > 0 && it->den >= min_n;
}

size_t rank_items(rank_item_t *v, size_t n, rank_order order, int64_t min_n)
{
    if (v == NULL || n == 0)
        return 0;
    if (min_n < 0)
        min_n = 0;
    /* Partition: the ranked to the front (the order is restored by sorting). */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_ranked(&v[i], min_n)) {
            if (i != k) {
                rank_item_t t = v[k];
                v[k] = v[i];
                v[i] = t;
            }
            k++;
        }
    }
    qsort(v, k, sizeof *v, order == RANK_LOW_FIRST ? cmp_low_first : cmp_high_first);
    qsort(v + k, n - k, sizeof *v, cmp_key_only);
    for (size_t i = 0; i < k; i++) {
        if (i > 0 && frac_cmp(v[i].num, v[i].den, v[i - 1].num, v[i - 1].den) == 0)
            v[i].rank = v[i - 1].rank;
        else
            v[i].rank = (int64_t)i + 1;
    }
    for (size_t i = k; i < n; i++)
        v[i].rank = 0;
    return k;
}
