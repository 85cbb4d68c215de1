/*
 * api_targets.c - GET/PUT /v1/targets (spec §6). PUT replaces the whole set;
 * the body is validated completely before anything is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "record.h"

static json_t *entry_json(const target_entry *e)
{
    char val[32];
    dec_format(e->target.micro, val, sizeof val);
    return json_pack("{sssssfs o s o}", "metric", rate_name(e->rate), "op",
                     rate_op_str(e->target.op), "target", (double)e->target.micro / (double)DEC_ONE,
                     "agency", e->agency ? json_string(e->agency) : json_null(),
                     "year", e->year ? json_integer(e->year) : json_null());
}

void api_targets_get(app_t *app, const http_req *req, http_resp *resp)
{
    (void)req;
    db_conn *c = db_acquire(app_read_pool(app), app->cfg->db_wait_ms);
    if (!c) {
        resp_unavailable(resp, "no database connection is available; retry later");
        return;
    }
    target_set s;
    int rc = db_load_targets(c, &s);
    db_release(app_read_pool(app), c);
    if (rc != DB_OK) {
        api_db_failure(resp, rc, "reading the targets");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < s.n; i++)
        json_array_append_new(arr, entry_json(&s.v[i]));
    target_set_free(&s);
    resp_json(resp, 200, arr);
}

/* Validates one element of the PUT body into e (agency copied with strdup). */
static int parse_entry(json_t *o, size_t i, target_entry *e, char *msg, size_t cap)
{
    json_t *m = json_object_get(o, "metric"), *op = json_object_get(o, "op");
    json_t *t = json_object_get(o, "target"), *ag = json_object_get(o, "agency");
    json_t *y = json_object_get(o, "year");
    int r;
    memset(e, 0, sizeof *e);
    if (!json_is_object(o))
        return snprintf(msg, cap, "[%zu]: must be an object", i), -1;
    if (!json_is_string(m) || (r = rate_from_name(json_string_value(m))) < 0 || r == R_ONLINE_SHARE)
        return snprintf(msg, cap, "[%zu].metric: not a rate that takes a target", i), -1;
    e->rate = (rate_id)r;
    if (!json_is_string(op) || rate_op_parse(json_string_value(op), &e->target.op) != 0)
        return snprintf(msg, cap, "[%zu].op: must be \">=\" or \"<=\"", i), -1;
    if (!json_is_number(t) || dec_from_double(json_number_value(t), &e->target.micro) != 0 ||
        e->target.micro > DEC_ONE)
        return snprintf(msg, cap, "[%zu].target: must be a number from 0 to 1 with at most six decimals", i), -1;
    if (ag && !json_is_null(ag)) {
        const char *s = json_is_string(ag) ? json_string_value(ag) : NULL;
        size_t n = s ? strlen(s) : 0;
        const char *star = s ? strchr(s, '*') : NULL;
        if (!s || n == 0 || utf8_length(s, n) > CODE_MAX_CHARS + 1 || !utf8_valid(s, n) ||
            (star && star != s + n - 1))
            return snprintf(msg, cap, "[%zu].agency: an agency code, or a prefix ending in '*'", i), -1;
        if (!(e->agency = strdup(s)))
            return snprintf(msg, cap, "out of memory"), -1;
    }
    if (y && !json_is_null(y)) {
        if (!json_is_integer(y) || json_integer_value(y) < 1900 || json_integer_value(y) > 9999)
            return snprintf(msg, cap, "[%zu].year: a year from 1900 to 9999", i), -1;
        e->year = (int)json_integer_value(y);
    }
    return 0;
}

void api_targets_put(app_t *app, const http_req *req, http_resp *resp)
{
    json_error_t jerr;
    char msg[160];
    json_t *arr = json_loadb(req->body, req->body_len, 0, &jerr);
    if (!json_is_array(arr)) {
        json_decref(arr);
        resp_error_code(resp, 400, "invalid_body", "the body must be a JSON array of targets");
        return;
    }
    target_set s = { calloc(json_array_size(arr) + 1, sizeof *s.v), 0 };
    if (!s.v) {
        json_decref(arr);
        resp_error(resp, 500, "out of memory");
        return;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (parse_entry(json_array_get(arr, i), i, &s.v[s.n], msg, sizeof msg) != 0) {
            free(s.v[s.n].agency);
            target_set_free(&s);
            json_decref(arr);
            resp_error_code(resp, 400, "invalid_body", msg);
            return;
        }
        s.n++;
    }
    json_decref(arr);
    db_conn *c = db_acquire(app->pool, app->cfg->db_wait_ms);
    if (!c) {
        target_set_free(&s);
        resp_unavailable(resp, "no database connection is available; retry later");
        return;
    }
    int rc = db_replace_targets(c, &s);
    db_release(app->pool, c);
    if (rc != DB_OK) {
        target_set_free(&s);
        api_db_failure(resp, rc, "storing the targets");
        return;
    }
    json_t *out = json_array();
    for (size_t i = 0; out && i < s.n; i++)
        json_array_append_new(out, entry_json(&s.v[i]));
    target_set_free(&s);
    resp_json(resp, 200, out);
}
