/*
 * rank.h - the ordering of GET /v1/rankings (spec §7): groups ranked by one
 * rate, best first, equal values sharing a rank (1, 2, 2, 4), ties ordered by
 * key, and the groups under the min_n guard listed apart.
 *
 * Why this file exists: "equal values" must mean exactly equal fractions
 * (1/2 and 2/4 tie, 0.1 and 0.1000000001 do not), which doubles cannot
 * decide, and a ranking is easy to get subtly wrong at its ties and edges.
 * Keeping it pure (no I/O, no allocation) lets every rule be unit tested.
 */
#ifndef MOTCUA_RANK_H
#define MOTCUA_RANK_H

#include <stddef.h>
#include <stdint.h>
#include "rates.h"

typedef enum { RANK_HIGH_FIRST = 0, RANK_LOW_FIRST } rank_order;

typedef struct {
    const char *key;   /* NULL = the unknown key, ordered after every key */
    int64_t num, den;  /* the rate's numerator and denominator */
    size_t ref;        /* the caller's: e.g. an index into its own lines */
    int64_t rank;      /* set by rank_items: 1.. when ranked, 0 when insufficient */
} rank_item_t;

/* The direction for rate r: lowest first for the rates whose (default)
 * target is "<=" (late_rate), highest first for the others. */
rank_order rank_order_for(rate_id r);

/*
 * Compares the fractions a/b and c/d exactly (b > 0, d > 0; a and c of any
 * sign), without overflow for any int64 values: -1, 0 or 1. A fraction with
 * a denominator <= 0 has no value and compares below every other one.
 */
int frac_cmp(int64_t a, int64_t b, int64_t c, int64_t d);

/*
 * Orders v[0..n) in place: first the ranked items (den >= min_n and den > 0),
 * best first by `order`, exactly equal fractions by key (NULL last) and
 * sharing the rank of the first of them (competition ranking: 1, 2, 2, 4);
 * then the insufficient ones (den < min_n, or den == 0: no value) by key,
 * with rank 0. min_n < 0 counts as 0. Returns the number ranked.
 */
size_t rank_items(rank_item_t *v, size_t n, rank_order order, int64_t min_n);

#endif
