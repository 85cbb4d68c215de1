/*
 * view.c - a dossier as the API shows it (GET /v1/dossiers/{code} and every
 * item of the monitoring lists): the stored fields, the effective due date
 * and the classification at as_of. One function, so that a list item and the
 * dossier it links to never disagree.
 */
#include "view.h"

json_t *ts_json(ts_t t)
{
    if (t == TS_NULL)
        return json_null();
    char buf[TS_FMT_MAX];
    ts_format(t, buf, sizeof buf);
    return json_string(buf);
}

static json_t *str_json(const char *s) { return s ? json_string(s) : json_null(); }

json_t *dossier_view_json(const dossier_t *d, const char *agency_name, const char *proc_name,
                          bool due_computed, const cls_result_t *cr)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "code", json_string(d->code));
    json_object_set_new(o, "agency_code", json_string(d->agency_code));
    json_object_set_new(o, "agency_name", str_json(agency_name));
    json_object_set_new(o, "procedure_code", json_string(d->procedure_code));
    json_object_set_new(o, "procedure_name", str_json(proc_name));
    json_object_set_new(o, "field_code", str_json(d->field_code));
    json_object_set_new(o, "service_level",
                        d->service_level ? json_integer(d->service_level) : json_null());
    json_object_set_new(o, "channel", str_json(channel_name(d->channel)));
    json_object_set_new(o, "status", str_json(status_name(d->status)));
    json_object_set_new(o, "status_code", json_integer(d->status));
    json_object_set_new(o, "status_label", str_json(status_label_vi(d->status)));
    json_object_set_new(o, "received_at", ts_json(d->received_at));
    json_object_set_new(o, "due_at", ts_json(d->due_at));
    json_object_set_new(o, "due_computed", json_boolean(due_computed));
    json_object_set_new(o, "finished_at", ts_json(d->finished_at));
    json_object_set_new(o, "returned_at", ts_json(d->returned_at));
    json_object_set_new(o, "extended_due_at", ts_json(d->extended_due_at));
    json_object_set_new(o, "apology", json_boolean(d->apology));
    json_object_set_new(o, "supplement_count", json_integer(d->supplement_count));
    json_object_set_new(o, "supplement_requested_at", ts_json(d->supplement_requested_at));
    json_object_set_new(o, "fee", d->fee == FEE_NULL ? json_null() : json_integer(d->fee));
    json_object_set_new(o, "paid_online", json_boolean(d->paid_online));
    json_object_set_new(o, "updated_at", ts_json(d->updated_at));
    json_object_set_new(o, "class", str_json(cls_name(cr->cls)));
    json_object_set_new(o, "waiting", json_boolean(cr->waiting));
    json_object_set_new(o, "due_soon", json_boolean(cr->due_soon));
    json_object_set_new(o, "working_days_overdue",
                        cr->wd_overdue >= 0 ? json_integer(cr->wd_overdue) : json_null());
    json_object_set_new(o, "working_days_left",
                        cr->wd_left >= 0 ? json_integer(cr->wd_left) : json_null());
    return o;
}

