/*
 * api_reference.c - the reference data of spec §6: GET/PUT /v1/procedures
 * (the procedure catalog) and GET/PUT /v1/calendar (the working-day calendar
 * and its per-date overrides).
 *
 * Why: computed due dates (a dossier sent without due_at) come from the
 * catalog's duration and the calendar, so an administrator must be able to
 * load the catalog and enter each year's official days off and swapped
 * working days. Both PUTs validate the whole body before writing anything
 * (400 invalid_body naming the index and the field; nothing stored), and
 * write in one transaction. Nothing computed from them is cached: the next
 * answer after a PUT reflects it (the calendar of this instance is rebuilt at
 * once; other instances see the version change on their next request).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db_reference.h"

#define CAL_YEAR_MIN 1900
#define CAL_YEAR_MAX 2200

/* A connection of pool (app->pool for the PUTs, app_read_pool for the GETs). */
static db_conn *acquire(app_t *app, db_pool *pool, http_resp *resp)
{
    db_conn *c = db_acquire(pool, app->cfg->db_wait_ms);
    if (!c)
        resp_unavailable(resp, "no database connection is available; retry later");
    return c;
}

/* ---- procedures ---------------------------------------------------------------------- */

void api_procedures_get(app_t *app, const http_req *req, http_resp *resp)
{
    (void)req;
    db_conn *c = acquire(app, app_read_pool(app), resp);
    if (!c)
        return;
    arena_t a;
    arena_init(&a);
    proc_entry *v = NULL;
    size_t n = 0;
    int rc = db_list_procedures(c, &a, &v, &n);
    db_release(app_read_pool(app), c);
    if (rc != DB_OK) {
        api_db_failure(resp, rc, "reading the procedures");
    } else {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < n; i++) {
            json_t *e = proc_entry_json(&v[i]);
            if (!e || json_array_append_new(arr, e) != 0) {
                json_decref(arr);
                arr = NULL;
            }
        }
        resp_json(resp, 200, arr); /* NULL: 500 out of memory */
    }
    free(v);
    arena_free(&a);
}

void api_procedures_put(app_t *app, const http_req *req, http_resp *resp)
{
    json_error_t jerr;
    char msg[200], full[320];
    proc_entry *v = NULL;
    db_conn *c = NULL;
    json_t *arr = json_loadb(req->body ? req->body : "", req->body_len, 0, &jerr);
    if (!json_is_array(arr)) {
        resp_error_code(resp, 400, "invalid_body", "the body must be a JSON array of procedures");
        goto done;
    }
    size_t n = json_array_size(arr);
    if (!(v = malloc((n ? n : 1) * sizeof *v))) {
        resp_error(resp, 500, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        int field;
        if (proc_from_json(json_array_get(arr, i), &v[i], &field, msg, sizeof msg) != 0) {
            if (field >= 0)
                snprintf(full, sizeof full, "[%zu].%s: %s", i, proc_field_name(field), msg);
            else
                snprintf(full, sizeof full, "[%zu]: %s", i, msg);
            resp_error_code(resp, 400, "invalid_body", full);
            goto done;
        }
    }
    if (!(c = acquire(app, app->pool, resp)))
        goto done;
    long upserted = 0;
    int rc = db_upsert_procedures(c, refdata_office_hours(app->ref), v, n, &upserted);
    if (rc != DB_OK)
        api_db_failure(resp, rc, "storing the procedures");
    else
        resp_json(resp, 200, json_pack("{sIsI}", "received", (json_int_t)n, "upserted",
                                       (json_int_t)upserted));
done:
    if (c)
        db_release(app->pool, c);
    free(v);
    json_decref(arr); /* after the write: the entries borrow its strings */
}

/* ---- calendar ------------------------------------------------------------------------- */

static const char *kind_name(day_kind k)
{
    switch (k) {
    case DAY_HOLIDAY: return "holiday";
    case DAY_COMPENSATORY: return "compensatory";
    default: return "override"; /* a weekday off or a weekend day worked by no rule */
    }
}

/* The year parameter: required, a whole number from 1900 to 2200. */
static int year_param(const http_req *req, int *year)
{
    const char *y = req_param(req, "year");
    if (!y || !*y || strlen(y) > 4 || strspn(y, "0123456789") != strlen(y))
        return -1;
    *year = atoi(y);
    return *year >= CAL_YEAR_MIN && *year <= CAL_YEAR_MAX ? 0 : -1;
}

/* {"year":Y,"days":[...]}: every weekday off and every weekend day worked. */
static json_t *year_json(const calendar_t *cal, int year)
{
    json_t *days = json_array();
    json_t *out = days ? json_pack("{siso}", "year", year, "days", days) : NULL;
    if (!out)
        return NULL;
    day_t last = day_from_ymd(year, 12, 31);
    for (day_t d = day_from_ymd(year, 1, 1); d <= last; d++) {
        day_info info;
        calendar_day_info(cal, d, &info);
        bool weekend = day_iso_weekday(d) >= 6;
        if (weekend != info.working)
            continue;
        char date[DAY_FMT_MAX];
        day_format(d, date, sizeof date);
        json_t *e = json_pack("{sssbssso}", "date", date, "working", info.working, "kind",
                              kind_name(info.kind), "name",
                              info.name ? json_string(info.name) : json_null());
        if (!e || json_array_append_new(days, e) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

void api_calendar_get(app_t *app, const http_req *req, http_resp *resp)
{
    int year;
    if (year_param(req, &year) != 0) {
        resp_error(resp, 400, "year: required, a year from %d to %d", CAL_YEAR_MIN, CAL_YEAR_MAX);
        return;
    }
    db_conn *c = acquire(app, app_read_pool(app), resp);
    if (!c)
        return;
    int rc;
    const calendar_t *cal = refdata_calendar(app->ref, c, &rc);
    db_release(app_read_pool(app), c);
    if (rc != DB_OK || !cal)
        api_db_failure(resp, rc != DB_OK ? rc : DB_ERROR, "loading the calendar");
    else
        resp_json(resp, 200, year_json(cal, year));
}

/* One element of the PUT body. 0, or -1 with msg. */
static int parse_change(json_t *o, size_t i, cal_change *ch, char *msg, size_t cap)
{
    if (!json_is_object(o))
        return snprintf(msg, cap, "[%zu]: must be an object", i), -1;
    json_t *d = json_object_get(o, "date"), *w = json_object_get(o, "working");
    json_t *nm = json_object_get(o, "name");
    int y, m, dd;
    if (!json_is_string(d) ||
        day_parse(json_string_value(d), json_string_length(d), &ch->day) != 0 ||
        (day_to_ymd(ch->day, &y, &m, &dd), y < CAL_YEAR_MIN || y > CAL_YEAR_MAX))
        return snprintf(msg, cap, "[%zu].date: a date YYYY-MM-DD from %d to %d", i,
                        CAL_YEAR_MIN, CAL_YEAR_MAX), -1;
    if (!w || !(json_is_boolean(w) || json_is_null(w)))
        return snprintf(msg, cap, "[%zu].working: required: true, false, or null to remove "
                                  "the override", i), -1;
    ch->working = json_is_null(w) ? -1 : json_is_true(w);
    ch->name = NULL;
    if (nm && !json_is_null(nm)) {
        if (!json_is_string(nm) || memchr(json_string_value(nm), '\0', json_string_length(nm)))
            return snprintf(msg, cap, "[%zu].name: must be a string or null", i), -1;
        if (json_string_length(nm) > 0)
            ch->name = json_string_value(nm);
    }
    return 0;
}

void api_calendar_put(app_t *app, const http_req *req, http_resp *resp)
{
    json_error_t jerr;
    char msg[200];
    cal_change *v = NULL;
    db_conn *c = NULL;
    json_t *arr = json_loadb(req->body ? req->body : "", req->body_len, 0, &jerr);
    if (!json_is_array(arr)) {
        resp_error_code(resp, 400, "invalid_body",
                        "the body must be a JSON array of {\"date\",\"working\",\"name\"}");
        goto done;
    }
    size_t n = json_array_size(arr);
    if (!(v = malloc((n ? n : 1) * sizeof *v))) {
        resp_error(resp, 500, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (parse_change(json_array_get(arr, i), i, &v[i], msg, sizeof msg) != 0) {
            resp_error_code(resp, 400, "invalid_body", msg);
            goto done;
        }
    }
    if (!(c = acquire(app, app->pool, resp)))
        goto done;
    long upserted = 0, removed = 0;
    int rc = db_put_overrides(c, refdata_office_hours(app->ref), v, n, &upserted, &removed);
    if (rc != DB_OK) {
        api_db_failure(resp, rc, "storing the calendar overrides");
        goto done;
    }
    /* Stored: rebuild this instance's calendar now. Should that fail, the
     * next request sees the new version and rebuilds it then. */
    if (refdata_load(app->ref, c) != DB_OK)
        fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"calendar reload failed\"}\n");
    resp_json(resp, 200, json_pack("{sIsI}", "upserted", (json_int_t)upserted, "removed",
                                   (json_int_t)removed));
done:
    if (c)
        db_release(app->pool, c);
    free(v);
    json_decref(arr);
}
