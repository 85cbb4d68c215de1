/*
 * classify.c - the deadline classification of one dossier (spec §4).
 *
 * Why this file exists: every count, list and dossier view motcua serves
 * derives from the class of a dossier at an instant, so the rules of §4 are
 * written here once, as a pure function of the stored fields, the evaluation
 * instant and the working-day calendar. All date comparisons are on Vietnam
 * local dates (ts_day); all working-day counts come from calendar.h.
 */
#include "classify.h"

#include <stddef.h>

const char *cls_name(cls_t c)
{
    switch (c) {
    case CLS_EARLY:   return "early";
    case CLS_ON_TIME: return "on_time";
    case CLS_LATE:    return "late";
    case CLS_IN_TIME: return "in_time";
    case CLS_OVERDUE: return "overdue";
    case CLS_NONE:    break;
    }
    return NULL;
}

/* Statuses counted by the metrics: 2, 4, 5, 6 (open) and 7-10 (finished). */
static bool counted_status(int status)
{
    return status == 2 || (status >= 4 && status <= 10);
}

static bool finished_status(int status)
{
    return status >= 7 && status <= 10;
}

/* Start of the current wait: supplement_requested_at, else updated_at,
 * else received_at (the first that is not null). */
static ts_t wait_start(const cls_input_t *in)
{
    if (in->supplement_requested_at != TS_NULL)
        return in->supplement_requested_at;
    if (in->updated_at != TS_NULL)
        return in->updated_at;
    return in->received_at;
}

/* Class of a dossier finished at or before as_of: late after a second
 * supplement request, else by local date of finish against local due date. */
static cls_t finished_class(const cls_input_t *in)
{
    if (in->supplement_count > 1)
        return CLS_LATE;
    if (in->due_at == TS_NULL)
        return CLS_ON_TIME;
    day_t fin = ts_day(in->finished_at);
    day_t due = ts_day(in->due_at);
    if (fin < due)
        return CLS_EARLY;
    return fin == due ? CLS_ON_TIME : CLS_LATE;
}

/* Class of an open dossier. `end` is the instant its clock stopped: the
 * wait start for a waiting dossier, as_of otherwise. */
static cls_t open_class(const cls_input_t *in, ts_t end)
{
    if (in->supplement_count > 1)
        return CLS_OVERDUE;
    if (in->due_at == TS_NULL)
        return CLS_IN_TIME;
    return ts_day(end) > ts_day(in->due_at) ? CLS_OVERDUE : CLS_IN_TIME;
}

/* Fills the flags and working-day counts of an open dossier (out->cls and
 * out->waiting already set). */
static void open_counts(const cls_input_t *in, ts_t as_of, ts_t end, int within,
                        const calendar_t *cal, cls_result_t *out)
{
    bool has_due = in->due_at != TS_NULL;
    if (out->cls == CLS_OVERDUE) {
        int64_t wd = 0;
        if (has_due)
            wd = cal_working_between(cal, ts_day(in->due_at), ts_day(end));
        out->wd_overdue = wd > 0 ? wd : 0;
        return;
    }
    if (out->waiting || !has_due)
        return;
    day_t today = ts_day(as_of);
    day_t due = ts_day(in->due_at);
    out->wd_left = cal_working_between(cal, today, due);
    out->due_soon = due <= cal_add_working(cal, today, within > 0 ? within : 0);
}

void classify(const cls_input_t *in, ts_t as_of, int within, const calendar_t *cal,
              cls_result_t *out)
{
    out->cls = CLS_NONE;
    out->finished = false;
    out->waiting = false;
    out->due_soon = false;
    out->wd_overdue = -1;
    out->wd_left = -1;

    if (!counted_status(in->status) || in->received_at == TS_NULL || in->received_at > as_of)
        return;

    if (finished_status(in->status) && in->finished_at != TS_NULL && in->finished_at <= as_of) {
        out->finished = true;
        out->cls = finished_class(in);
        return;
    }

    /* Open at as_of: a 7-10 dossier finished later was processing, not waiting. */
    ts_t ws = wait_start(in);
    out->waiting = (in->status == 5 || in->status == 6) && ws <= as_of;
    ts_t end = out->waiting ? ws : as_of;
    out->cls = open_class(in, end);
    open_counts(in, as_of, end, within, cal, out);
}
