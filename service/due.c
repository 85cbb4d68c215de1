/*
 * due.c - the due date computed from the procedure catalog (see due.h, spec
 * §6).
 *
 * Why a module of its own: the same computation must give the same instant
 * wherever a dossier without due_at is looked at (one dossier, the metrics,
 * the monitoring lists), and it is easy to get subtly wrong (Civil Code
 * counting, days off, office hours with a lunch break), so it is pure and
 * unit tested on its own (tests/check_due.c).
 *
 * Rules implemented:
 * - working_days N: 17:00 local of the N-th working day after d(received)
 *   (art. 147: the day of reception is not counted). N = 0: d(received)
 *   itself, rolled forward to the next working day when it is a day off.
 * - days N: 17:00 of d(received) + N calendar days, rolled forward to the
 *   next working day when that day is off (art. 148(5)).
 * - hours N: N hours counted only inside the office periods of working days,
 *   starting at the reception instant (a reception outside office hours
 *   starts counting at the next office period); the exact instant. A
 *   deadline that ends exactly at the end of a period is that end (11:30,
 *   not 13:00). N = 0: the reception instant when it lies inside an office
 *   period, else the start of the next one.
 * Long `hours` durations skip whole working days with cal_add_working, so the
 * cost is O(log N), never a walk over the days.
 */
#include "due.h"

#include <limits.h>
#include <string.h>

#define US_PER_MIN (60LL * TS_US_PER_SEC)
#define DUE_MINUTE (17 * 60) /* the due instant of a due day: 17:00 local */

int due_unit_parse(const char *s, due_unit *out)
{
    if (!s)
        return -1;
    if (!strcmp(s, "working_days"))
        *out = DUE_WORKING_DAYS;
    else if (!strcmp(s, "days"))
        *out = DUE_DAYS;
    else if (!strcmp(s, "hours"))
        *out = DUE_HOURS;
    else
        return -1;
    return 0;
}

const char *due_unit_name(due_unit u)
{
    switch (u) {
    case DUE_WORKING_DAYS: return "working_days";
    case DUE_DAYS: return "days";
    case DUE_HOURS: return "hours";
    case DUE_NONE: break;
    }
    return NULL;
}

/* "HH:MM" at s (exactly five characters) -> minutes; 24:00 allowed only when
 * end_ok. -1 when invalid. */
static int parse_hhmm(const char *s, int end_ok)
{
    for (int i = 0; i < 5; i++)
        if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end_ok)))
        return -1;
    return h * 60 + m;
}

/* "HH:MM-HH:MM" at s (exactly eleven characters). 0 ok, -1 invalid. */
static int parse_range(const char *s, int *start, int *end)
{
    if (s[5] != '-')
        return -1;
    *start = parse_hhmm(s, 0);
    *end = parse_hhmm(s + 6, 1);
    return *start < 0 || *end < 0 || *start >= *end ? -1 : 0;
}

/*
 * Two periods "07:30-11:30,13:00-17:00" (the first ending no later than the
 * second starts), or one period "08:00-16:00" (no lunch break: the afternoon
 * period is then empty). Nothing else: no spaces, two digits everywhere.
 */
int office_hours_parse(const char *s, office_hours *out)
{
    office_hours oh;
    if (!s)
        return -1;
    size_t n = strlen(s);
    if (n == 11) {
        if (parse_range(s, &oh.am_start, &oh.am_end) != 0)
            return -1;
        oh.pm_start = oh.pm_end = oh.am_end;
    } else if (n == 23 && s[11] == ',') {
        if (parse_range(s, &oh.am_start, &oh.am_end) != 0 ||
            parse_range(s + 12, &oh.pm_start, &oh.pm_end) != 0 || oh.am_end > oh.pm_start)
            return -1;
    } else {
        return -1;
    }
    *out = oh;
    return 0;
}

/* a + b for b >= 0, saturating at INT64_MAX. */
static ts_t sat_add(ts_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* The instant `us` microseconds after local midnight of d (saturating). */
static ts_t at(day_t d, int64_t us)
{
    return sat_add(ts_day_start(d), us);
}

static day_t clamp_day(int64_t d)
{
    return d > INT32_MAX ? INT32_MAX : d < INT32_MIN ? INT32_MIN : (day_t)d;
}

/* d, or the next working day after it when d is a day off. */
static day_t roll_forward(const calendar_t *cal, day_t d)
{
    return cal_is_working(cal, d) ? d : cal_add_working(cal, d, 1);
}

/*
 * Counts *remaining microseconds through the office periods of day d from
 * `from` microseconds after its midnight. Returns the instant where the count
 * ends, or TS_NULL with *remaining reduced by what the day offered.
 */
static ts_t walk_day(const office_hours *oh, day_t d, int64_t from, int64_t *remaining)
{
    const int64_t period[2][2] = {
        { oh->am_start * US_PER_MIN, oh->am_end * US_PER_MIN },
        { oh->pm_start * US_PER_MIN, oh->pm_end * US_PER_MIN },
    };
    for (int i = 0; i < 2; i++) {
        int64_t s = from > period[i][0] ? from : period[i][0];
        int64_t e = period[i][1];
        if (s >= e)
            continue;
        if (*remaining <= e - s)
            return at(d, s + *remaining);
        *remaining -= e - s;
    }
    return TS_NULL;
}

static ts_t due_hours(const calendar_t *cal, const office_hours *oh, ts_t received,
                      int duration)
{
    int64_t daily = (int64_t)(oh->am_end - oh->am_start) + (oh->pm_end - oh->pm_start);
    if (daily <= 0)
        return TS_NULL; /* no office hours at all: no deadline can be reached */
    daily *= US_PER_MIN;
    int64_t remaining = (int64_t)duration * 3600 * TS_US_PER_SEC; /* < 2^63 for any int */
    day_t d = ts_day(received);
    if (cal_is_working(cal, d)) {
        ts_t t = walk_day(oh, d, received - ts_day_start(d), &remaining);
        if (t != TS_NULL)
            return t;
    }
    /* The rest falls on later working days: skip k whole days, finish on the
     * (k+1)-th working day after d with 0 < rest <= daily (or rest = 0). */
    int64_t k = remaining > 0 ? (remaining - 1) / daily : 0;
    int64_t rest = remaining - k * daily;
    day_t last = cal_add_working(cal, d, k + 1 > INT_MAX ? INT_MAX : (int)(k + 1));
    ts_t t = walk_day(oh, last, 0, &rest);
    return t != TS_NULL ? t : INT64_MAX; /* only when the day count saturated */
}

ts_t due_compute(const calendar_t *cal, const office_hours *oh, ts_t received, int duration,
                 due_unit unit)
{
    if (received == TS_NULL || duration < 0)
        return TS_NULL;
    day_t d = ts_day(received);
    switch (unit) {
    case DUE_WORKING_DAYS:
        d = duration == 0 ? roll_forward(cal, d) : cal_add_working(cal, d, duration);
        return at(d, DUE_MINUTE * US_PER_MIN);
    case DUE_DAYS:
        d = roll_forward(cal, clamp_day((int64_t)d + duration));
        return at(d, DUE_MINUTE * US_PER_MIN);
    case DUE_HOURS:
        return due_hours(cal, oh, received, duration);
    case DUE_NONE:
        break;
    }
    return TS_NULL;
}
