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
 *
 * Vietnam's calendar (calendar_new_vn) fills the same byte-per-day window
 * with the Labour Code's holidays and compensatory days once, at
 * construction, and keeps beside it one tag byte per day that says why a day
 * is off (holiday / compensatory and which one, or an override), so that
 * calendar_day_info can name it. Lunar dates come from lunar.c. Holidays are
 * computed inside the window only (1900..2200); outside it only weekends and
 * overrides apply.
 */
#include "calendar.h"

#include <stdlib.h>
#include <string.h>

#include "lunar.h"

#define CAL_FIRST_YEAR 1900
#define CAL_LAST_YEAR 2200

/* An override outside the window. */
typedef struct {
    day_t day;
    bool working;
} cal_override;

/* The name of an override (calendar_set_override), owned by the calendar. */
typedef struct {
    day_t day;
    char *name;
} cal_name;

/*
 * tag[d - lo]: why day d is what it is. TAG_RULE: the weekday rule;
 * 1..HOLIDAY_COUNT: that holiday (HOLIDAY_NAMES); COMP_BASE + h: the
 * compensatory day for holiday h; TAG_OVERRIDE: calendar_set_day/_override.
 */
#define TAG_RULE 0
#define TAG_OVERRIDE 255

struct calendar {
    int64_t lo, hi;     /* the window, inclusive */
    uint8_t *working;   /* working[d - lo]: 1 when d is a working day */
    uint8_t *tag;       /* tag[d - lo]: see TAG_* */
    int32_t *prefix;    /* prefix[i]: working days in [lo, lo + i); i in 0..hi-lo+1 */
    cal_override *outer; /* overrides outside the window, sorted by day */
    size_t n_outer, cap_outer;
    cal_name *names;    /* names of overrides (anywhere), sorted by day */
    size_t n_names, cap_names;
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

/* A calendar of the weekday rule over the window, prefix sums not yet built. */
static calendar_t *calendar_alloc(void)
{
    calendar_t *cal = calloc(1, sizeof *cal);
    if (cal == NULL)
        return NULL;
    cal->lo = day_from_ymd(CAL_FIRST_YEAR, 1, 1);
    cal->hi = day_from_ymd(CAL_LAST_YEAR, 12, 31);
    size_t n = window_len(cal);
    cal->working = malloc(n);
    cal->tag = calloc(n, 1); /* TAG_RULE everywhere */
    cal->prefix = malloc((n + 1) * sizeof *cal->prefix);
    if (cal->working == NULL || cal->tag == NULL || cal->prefix == NULL) {
        calendar_free(cal);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        cal->working[i] = rule_working(cal->lo + (int64_t)i);
    cal->prefix[0] = 0;
    return cal;
}

calendar_t *calendar_new_default(void)
{
    calendar_t *cal = calendar_alloc();
    if (cal == NULL)
        return NULL;
    rebuild_prefix(cal, 0);
    return cal;
}

void calendar_free(calendar_t *cal)
{
    if (cal == NULL)
        return;
    for (size_t i = 0; i < cal->n_names; i++)
        free(cal->names[i].name);
    free(cal->names);
    free(cal->working);
    free(cal->tag);
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

/* Records an override outside the window. 0 ok; -1 on allocation failure,
 * with the calendar left unchanged. */
static int set_outer(calendar_t *cal, day_t d, bool working)
{
    size_t i = outer_lower_bound(cal, d);
    if (i < cal->n_outer && cal->outer[i].day == d) {
        cal->outer[i].working = working;
        return 0;
    }
    if (cal->n_outer == cal->cap_outer) {
        size_t cap = cal->cap_outer ? cal->cap_outer * 2 : 16;
        cal_override *grown = realloc(cal->outer, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        cal->outer = grown;
        cal->cap_outer = cap;
    }
    for (size_t j = cal->n_outer; j > i; j--)
        cal->outer[j] = cal->outer[j - 1];
    cal->outer[i] = (cal_override){d, working};
    cal->n_outer++;
    return 0;
}

/*
 * Sets day d as an override. Inside the window a change moves every later
 * prefix sum by one: adding a constant to the tail is a loop without a
 * dependency chain (vectorised), so loading hundreds of overrides at every
 * start or reload stays in the milliseconds. 0 ok, -1 out of memory.
 */
static int set_day(calendar_t *cal, day_t d, bool working)
{
    if (d < cal->lo || d > cal->hi)
        return set_outer(cal, d, working);
    size_t i = (size_t)(d - cal->lo);
    cal->tag[i] = TAG_OVERRIDE;
    if (cal->working[i] == (uint8_t)working)
        return 0;
    cal->working[i] = working;
    int32_t delta = working ? 1 : -1;
    size_t n = window_len(cal);
    for (size_t j = i + 1; j <= n; j++)
        cal->prefix[j] += delta;
    return 0;
}

/* Index of the first name with day >= d (binary search). */
static size_t names_lower_bound(const calendar_t *cal, day_t d)
{
    size_t lo = 0, hi = cal->n_names;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->names[mid].day < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Forgets the name of day d's override, if any. */
static void drop_name(calendar_t *cal, day_t d)
{
    size_t i = names_lower_bound(cal, d);
    if (i >= cal->n_names || cal->names[i].day != d)
        return;
    free(cal->names[i].name);
    memmove(&cal->names[i], &cal->names[i + 1], (cal->n_names - i - 1) * sizeof *cal->names);
    cal->n_names--;
}

void calendar_set_day(calendar_t *cal, day_t d, bool working)
{
    if (cal == NULL)
        return;
    if (set_day(cal, d, working) == 0) /* the API has no error channel */
        drop_name(cal, d);
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


/* ---- Vietnam's holidays ------------------------------------------------- */

/*
 * The holidays of the Labour Code 2019 art. 112, in the order of the law,
 * indexed by their tag (1..HOLIDAY_COUNT); the compensatory day for holiday h
 * has tag COMP_BASE + h and name COMP_NAMES[h]. Constant tables, not state.
 */
enum { H_NEW_YEAR = 1, H_TET, H_HUNG, H_VICTORY, H_LABOUR, H_NATIONAL, HOLIDAY_COUNT = H_NATIONAL };
#define COMP_BASE 16

static const char *const HOLIDAY_NAMES[HOLIDAY_COUNT + 1] = {
    NULL,
    "Tết Dương lịch",
    "Tết Nguyên đán",
    "Giỗ Tổ Hùng Vương",
    "Ngày Chiến thắng",
    "Ngày Quốc tế Lao động",
    "Quốc khánh",
};

static const char *const COMP_NAMES[HOLIDAY_COUNT + 1] = {
    NULL,
    "Nghỉ bù Tết Dương lịch",
    "Nghỉ bù Tết Nguyên đán",
    "Nghỉ bù Giỗ Tổ Hùng Vương",
    "Nghỉ bù Ngày Chiến thắng",
    "Nghỉ bù Ngày Quốc tế Lao động",
    "Nghỉ bù Quốc khánh",
};

static bool tag_is_holiday(uint8_t t)
{
    return t >= 1 && t <= HOLIDAY_COUNT;
}

static bool tag_is_comp(uint8_t t)
{
    return t > COMP_BASE && t <= COMP_BASE + HOLIDAY_COUNT;
}

/* Marks day d (if inside the window) as holiday h. When two holidays fall on
 * the same day (Hùng Kings' day was 30 April in 1947) the day off is one and
 * keeps the first name: the law gives no extra day for a coincidence. */
static void mark_holiday(calendar_t *cal, int64_t d, uint8_t h)
{
    if (d < cal->lo || d > cal->hi)
        return;
    size_t i = (size_t)(d - cal->lo);
    if (cal->tag[i] == TAG_RULE)
        cal->tag[i] = h;
}

static void mark_year(calendar_t *cal, int y)
{
    mark_holiday(cal, day_from_ymd(y, 1, 1), H_NEW_YEAR);
    day_t tet;
    if (lunar_new_year(y, &tet) == 0) /* the last day of the lunar year, then 1/1..4/1 */
        for (int k = -1; k <= 3; k++)
            mark_holiday(cal, (int64_t)tet + k, H_TET);
    day_t hung;
    if (lunar_to_solar(10, 3, y, false, &hung) == 0)
        mark_holiday(cal, hung, H_HUNG);
    mark_holiday(cal, day_from_ymd(y, 4, 30), H_VICTORY);
    mark_holiday(cal, day_from_ymd(y, 5, 1), H_LABOUR);
    mark_holiday(cal, day_from_ymd(y, 9, 1), H_NATIONAL);
    mark_holiday(cal, day_from_ymd(y, 9, 2), H_NATIONAL);
}

/*
 * Art. 111(3): each holiday on a Saturday or Sunday gives a day off on the
 * next working day that is not itself a holiday. One pass in date order with
 * a queue of the days owed: a holiday on a weekend adds one; the next plain
 * weekday (not a holiday, not already a compensatory day) pays the oldest.
 * So Tết with two days on a weekend gives the first two working days after
 * it, and 1/9 Friday + 2/9 Saturday gives Monday 4/9.
 */
static void mark_compensatory(calendar_t *cal)
{
    uint8_t owed[32]; /* holiday tags, FIFO; at most ~5 are ever owed at once */
    size_t head = 0, count = 0;
    size_t n = window_len(cal);
    for (size_t i = 0; i < n; i++) {
        uint8_t t = cal->tag[i];
        bool weekend = !rule_working(cal->lo + (int64_t)i);
        if (tag_is_holiday(t)) {
            if (weekend && count < sizeof owed)
                owed[(head + count++) % sizeof owed] = t;
        } else if (!weekend && t == TAG_RULE && count > 0) {
            cal->tag[i] = (uint8_t)(COMP_BASE + owed[head]);
            head = (head + 1) % sizeof owed;
            count--;
        }
    }
}

calendar_t *calendar_new_vn(void)
{
    calendar_t *cal = calendar_alloc();
    if (cal == NULL)
        return NULL;
    for (int y = CAL_FIRST_YEAR; y <= CAL_LAST_YEAR; y++)
        mark_year(cal, y);
    mark_compensatory(cal);
    size_t n = window_len(cal);
    for (size_t i = 0; i < n; i++)
        if (cal->tag[i] != TAG_RULE)
            cal->working[i] = 0;
    rebuild_prefix(cal, 0);
    return cal;
}

int calendar_set_override(calendar_t *cal, day_t d, bool working, const char *name)
{
    if (cal == NULL)
        return -1;
    char *copy = NULL;
    if (name != NULL) {
        size_t len = strlen(name);
        copy = malloc(len + 1);
        if (copy == NULL)
            return -1;
        memcpy(copy, name, len + 1);
        if (cal->n_names == cal->cap_names) { /* room first: nothing changes on failure */
            size_t cap = cal->cap_names ? cal->cap_names * 2 : 16;
            cal_name *grown = realloc(cal->names, cap * sizeof *grown);
            if (grown == NULL) {
                free(copy);
                return -1;
            }
            cal->names = grown;
            cal->cap_names = cap;
        }
    }
    if (set_day(cal, d, working) != 0) {
        free(copy);
        return -1;
    }
    drop_name(cal, d);
    if (copy != NULL) {
        size_t i = names_lower_bound(cal, d);
        memmove(&cal->names[i + 1], &cal->names[i], (cal->n_names - i) * sizeof *cal->names);
        cal->names[i] = (cal_name){d, copy};
        cal->n_names++;
    }
    return 0;
}

/* The name of day d's override, or NULL. */
static const char *override_name(const calendar_t *cal, day_t d)
{
    size_t i = names_lower_bound(cal, d);
    return i < cal->n_names && cal->names[i].day == d ? cal->names[i].name : NULL;
}

void calendar_day_info(const calendar_t *cal, day_t d, day_info *out)
{
    out->working = cal_is_working(cal, d);
    out->name = NULL;
    uint8_t t = TAG_RULE;
    if (d >= cal->lo && d <= cal->hi) {
        t = cal->tag[d - cal->lo];
    } else {
        size_t i = outer_lower_bound(cal, d);
        if (i < cal->n_outer && cal->outer[i].day == d)
            t = TAG_OVERRIDE;
    }
    if (t == TAG_OVERRIDE) {
        out->kind = DAY_OVERRIDE;
        out->name = override_name(cal, d);
    } else if (tag_is_holiday(t)) {
        out->kind = DAY_HOLIDAY;
        out->name = HOLIDAY_NAMES[t];
    } else if (tag_is_comp(t)) {
        out->kind = DAY_COMPENSATORY;
        out->name = COMP_NAMES[t - COMP_BASE];
    } else {
        out->kind = out->working ? DAY_WORKING : DAY_WEEKEND;
    }
}
