/*
 * calendar.c - the working-day calendar (see calendar.h, spec §6).
 *
 * Why this shape: the metrics count working days for every dossier they
 * classify (§4), millions per query, so cal_working_between must be O(1).
 * Over a fixed window (1900-01-01 .. 2200-12-31) the calendar keeps one byte
 * per day and a prefix-sum array of working days; outside the window it
 * counts weekdays arithmetically and corrects for the (few) overrides set
 * there, which are kept in a small sorted list. Both parts together define one
 * cumulative function C(x) = "working days up to x" (anchored at the window's
 * start), and every question is answered with differences of C:
 *   working days d with a < d <= b  =  C(b) - C(a).
 *
 * Days are handled as int64 inside, so that extreme day_t arguments never
 * overflow; results are clamped back into day_t's range.
 */
#include "calendar.h"

#include <stdlib.h>

#define CAL_FIRST_YEAR 1900
#define CAL_LAST_YEAR 2200

/* An override outside the window. */
typedef struct {
    day_t day;
    bool working;
} cal_override;

struct calendar {
    int64_t lo, hi;     /* the window, inclusive */
    uint8_t *working;   /* working[d - lo]: 1 when d is a working day */
    int32_t *prefix;    /* prefix[i]: working days in [lo, lo + i); i in 0..hi-lo+1 */
    cal_override *outer; /* overrides outside the window, sorted by day */
    size_t n_outer, cap_outer;
};

static int64_t floor_div7(int64_t a)
{
    int64_t q = a / 7;
    return (a % 7 < 0) ? q - 1 : q;
}

/* The rule without overrides: Monday to Friday work. */
static bool rule_working(int64_t d)
{
    int64_t wd = d + 3 - floor_div7(d + 3) * 7; /* 0 = Monday .. 6 = Sunday */
    return wd < 5;
}

/*
 * Weekdays (Mon-Fri) up to and including d, counted from an arbitrary but
 * fixed anchor (the Monday 1970-01-05). Only differences are meaningful.
 */
static int64_t weekdays_upto(int64_t d)
{
    int64_t y = d - 4; /* days since Monday 1970-01-05 */
    int64_t w = floor_div7(y);
    int64_t r = y - w * 7; /* 0 = Monday .. 6 = Sunday */
    return 5 * w + (r + 1 < 5 ? r + 1 : 5);
}

static size_t window_len(const calendar_t *cal)
{
    return (size_t)(cal->hi - cal->lo + 1);
}

/* Recomputes prefix sums from window index `from` onwards. */
static void rebuild_prefix(calendar_t *cal, size_t from)
{
    size_t n = window_len(cal);
    for (size_t i = from; i < n; i++)
        cal->prefix[i + 1] = cal->prefix[i] + cal->working[i];
}

calendar_t *calendar_new_default(void)
{
    calendar_t *cal = calloc(1, sizeof *cal);
    if (cal == NULL)
        return NULL;
    cal->lo = day_from_ymd(CAL_FIRST_YEAR, 1, 1);
    cal->hi = day_from_ymd(CAL_LAST_YEAR, 12, 31);
    size_t n = window_len(cal);
    cal->working = malloc(n);
    cal->prefix = malloc((n + 1) * sizeof *cal->prefix);
    if (cal->working == NULL || cal->prefix == NULL) {
        calendar_free(cal);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        cal->working[i] = rule_working(cal->lo + (int64_t)i);
    cal->prefix[0] = 0;
    rebuild_prefix(cal, 0);
    return cal;
}

void calendar_free(calendar_t *cal)
{
    if (cal == NULL)
        return;
    free(cal->working);
    free(cal->prefix);
    free(cal->outer);
    free(cal);
}

/* Index of the first outer override with day >= d (binary search). */
static size_t outer_lower_bound(const calendar_t *cal, int64_t d)
{
    size_t lo = 0, hi = cal->n_outer;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->outer[mid].day < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Records an override outside the window; on allocation failure the
 * calendar is left unchanged (the API has no error channel). */
static void set_outer(calendar_t *cal, day_t d, bool working)
{
    size_t i = outer_lower_bound(cal, d);
    if (i < cal->n_outer && cal->outer[i].day == d) {
        cal->outer[i].working = working;
        return;
    }
    if (cal->n_outer == cal->cap_outer) {
        size_t cap = cal->cap_outer ? cal->cap_outer * 2 : 16;
        cal_override *grown = realloc(cal->outer, cap * sizeof *grown);
        if (grown == NULL)
            return;
        cal->outer = grown;
        cal->cap_outer = cap;
    }
    for (size_t j = cal->n_outer; j > i; j--)
        cal->outer[j] = cal->outer[j - 1];
    cal->outer[i] = (cal_override){d, working};
    cal->n_outer++;
}

void calendar_set_day(calendar_t *cal, day_t d, bool working)
{
    if (cal == NULL)
        return;
    if (d < cal->lo || d > cal->hi) {
        set_outer(cal, d, working);
        return;
    }
    size_t i = (size_t)(d - cal->lo);
    if (cal->working[i] == (uint8_t)working)
        return;
    cal->working[i] = working;
    rebuild_prefix(cal, i);
}

bool cal_is_working(const calendar_t *cal, day_t d)
{
    if (d >= cal->lo && d <= cal->hi)
        return cal->working[d - cal->lo] != 0;
    size_t i = outer_lower_bound(cal, d);
    if (i < cal->n_outer && cal->outer[i].day == d)
        return cal->outer[i].working;
    return rule_working(d);
}

/* Sum of (override - rule) over outer overrides with a < day <= b. */
static int64_t outer_adjust(const calendar_t *cal, int64_t a, int64_t b)
{
    int64_t adj = 0;
    for (size_t i = outer_lower_bound(cal, a + 1); i < cal->n_outer; i++) {
        const cal_override *o = &cal->outer[i];
        if (o->day > b)
            break;
        adj += (int64_t)o->working - (int64_t)rule_working(o->day);
    }
    return adj;
}

/* Working days in (a, b] for a range lying entirely outside the window. */
static int64_t outside_between(const calendar_t *cal, int64_t a, int64_t b)
{
    return weekdays_upto(b) - weekdays_upto(a) + outer_adjust(cal, a, b);
}

/*
 * C(x): working days in [lo, x] for x >= lo - 1, and minus the working days in
 * (x, lo - 1] below the window. O(1) inside the window.
 */
static int64_t cumulative(const calendar_t *cal, int64_t x)
{
    if (x < cal->lo - 1)
        return -outside_between(cal, x, cal->lo - 1);
    if (x <= cal->hi)
        return cal->prefix[x - cal->lo + 1];
    return cal->prefix[window_len(cal)] + outside_between(cal, cal->hi, x);
}

int64_t cal_working_between(const calendar_t *cal, day_t a, day_t b)
{
    return cumulative(cal, b) - cumulative(cal, a);
}

static day_t clamp_day(int64_t d)
{
    if (d > INT32_MAX)
        return INT32_MAX;
    if (d < INT32_MIN)
        return INT32_MIN;
    return (day_t)d;
}

/*
 * The smallest x > d with C(x) - C(d) >= n (n >= 1). That x is always a
 * working day, since C only grows on working days. Gallops to an upper bound,
 * then bisects: O(log n) evaluations of C.
 */
static int64_t forward_working(const calendar_t *cal, int64_t d, int64_t n)
{
    int64_t base = cumulative(cal, d);
    int64_t lo = d + n - 1; /* C(lo) - base < n: at most one per day */
    int64_t step = n + 7;
    int64_t hi = d + step;
    while (cumulative(cal, hi) - base < n) {
        lo = hi;
        step *= 2;
        hi = d + step;
    }
    while (hi - lo > 1) { /* invariant: C(lo) - base < n <= C(hi) - base */
        int64_t mid = lo + (hi - lo) / 2;
        if (cumulative(cal, mid) - base >= n)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

/*
 * The largest x < d with (working days in [x, d)) >= n (n >= 1), i.e.
 * C(d-1) - C(x-1) >= n. That x is a working day, for the same reason.
 */
static int64_t backward_working(const calendar_t *cal, int64_t d, int64_t n)
{
    int64_t top = cumulative(cal, d - 1);
    int64_t hi = d - n + 1; /* fewer than n working days in [hi, d) */
    int64_t step = n + 7;
    int64_t lo = d - step;
    while (top - cumulative(cal, lo - 1) < n) {
        hi = lo;
        step *= 2;
        lo = d - step;
    }
    while (hi - lo > 1) { /* invariant: count(lo) >= n > count(hi) */
        int64_t mid = lo + (hi - lo) / 2;
        if (top - cumulative(cal, mid - 1) >= n)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

day_t cal_add_working(const calendar_t *cal, day_t d, int n)
{
    if (n == 0)
        return d;
    if (n > 0)
        return clamp_day(forward_working(cal, d, n));
    return clamp_day(backward_working(cal, d, -(int64_t)n));
}

/* ---- Vietnam's holidays (placeholder: the holiday rules are being added) ---- */

calendar_t *calendar_new_vn(void)
{
    return calendar_new_default();
}

int calendar_set_override(calendar_t *cal, day_t d, bool working, const char *name)
{
    (void)name;
    calendar_set_day(cal, d, working);
    return 0;
}

void calendar_day_info(const calendar_t *cal, day_t d, day_info *out)
{
    out->working = cal_is_working(cal, d);
    out->kind = out->working ? DAY_WORKING : DAY_WEEKEND;
    out->name = NULL;
}
