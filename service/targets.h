/*
 * targets.h - which target applies to a rate (spec §6 "Targets").
 *
 * Entries carry an optional agency (exact code, or a prefix ending in '*')
 * and an optional year. For a rate, the matching entries are those whose
 * agency covers the agency asked about and whose year is the period's year
 * (or none); the longest agency prefix wins (none = length 0), then an entry
 * with a year beats one without; with no match the default of §5 applies.
 * Pure, no I/O: the database module loads the entries.
 */
#ifndef MOTCUA_TARGETS_H
#define MOTCUA_TARGETS_H

#include <stddef.h>
#include "rates.h"

typedef struct {
    rate_id rate;
    target_t target;   /* op and value */
    char *agency;      /* NULL = every agency; "000.00.*" = prefix; else exact */
    int year;          /* 0 = every year */
} target_entry;

typedef struct {
    target_entry *v;   /* owned */
    size_t n;
} target_set;

void target_set_free(target_set *s);

/* True when entry agency pattern `pat` (NULL, exact, or prefix*) covers the
 * agency `agency`. An agency of NULL (a query without an agency filter) is
 * covered only by NULL patterns. A query filter that is itself a prefix
 * ("000.00.*") is covered by a pattern when the pattern covers every agency
 * the filter can match (pattern prefix is a prefix of the filter prefix) or
 * the pattern equals the filter. */
int target_pattern_covers(const char *pat, const char *agency);

/* The target for `rate` for agency (or agency filter) `agency` (NULL: the
 * province) in `year`. */
target_t target_resolve(const target_set *s, rate_id rate, const char *agency, int year);

#endif
