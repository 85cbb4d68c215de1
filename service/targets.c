/*
 * targets.c - which target applies to a rate (spec §6 "Targets").
 *
 * Why this file exists: a department's target may differ from the
 * province's, and a year's from the standing one; the precedence is written
 * once here so that metrics, series and rankings agree. Precedence among the
 * entries that match a rate, an agency and a year:
 *   1. the more specific agency: the longer prefix (no agency = length 0);
 *      an exact code counts as its length and beats a prefix of the same
 *      length ("000.01" beats "000.01*"),
 *   2. then an entry with a year beats one without,
 *   3. then the earlier entry in the set (a stable, documented tie-break for
 *      duplicates, which the PUT handler should reject anyway).
 * With no match, the default of spec §5 (rate_default_target) applies.
 * Pure, no I/O, no state.
 */
#include "targets.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void target_set_free(target_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].agency);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static bool is_prefix_pattern(const char *p, size_t *stem_len)
{
    size_t n = strlen(p);
    *stem_len = n;
    if (n > 0 && p[n - 1] == '*') {
        *stem_len = n - 1;
        return true;
    }
    return false;
}

int target_pattern_covers(const char *pat, const char *agency)
{
    if (pat == NULL)
        return 1;
    if (agency == NULL)
        return 0;
    if (strcmp(pat, agency) == 0)
        return 1;   /* same exact code, or the very same prefix */
    size_t pstem, astem;
    if (!is_prefix_pattern(pat, &pstem))
        return 0;   /* an exact pattern covers only that code */
    (void)is_prefix_pattern(agency, &astem);
    /* A prefix pattern covers an exact code that starts with it, and a prefix
     * filter whose stem starts with it (every agency the filter can match). */
    return astem >= pstem && strncmp(agency, pat, pstem) == 0;
}

/* Specificity of an entry's agency: twice the stem length, plus one for an
 * exact code, so that an exact code outranks the prefix of the same text. */
static size_t specificity(const char *pat)
{
    if (pat == NULL)
        return 0;
    size_t stem;
    bool prefix = is_prefix_pattern(pat, &stem);
    return 2 * stem + (prefix ? 0 : 1);
}

target_t target_resolve(const target_set *s, rate_id rate, const char *agency, int year)
{
    const target_entry *best = NULL;
    size_t best_spec = 0;
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        const target_entry *e = &s->v[i];
        if (e->rate != rate || (e->year != 0 && e->year != year))
            continue;
        if (!target_pattern_covers(e->agency, agency))
            continue;
        size_t spec = specificity(e->agency);
        if (best == NULL || spec > best_spec ||
            (spec == best_spec && e->year != 0 && best->year == 0)) {
            best = e;
            best_spec = spec;
        }
    }
    return best ? best->target : rate_default_target(rate);
}
