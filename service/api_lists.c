/*
 * api_lists.c - GET /v1/dossiers?state=overdue|due_soon|late|pending|waiting
 * (spec §4, §7): the monitoring lists a public service centre works through
 * every morning.
 *
 * Why it is built this way: candidate rows come from the database
 * (db_lists.c) and each is offered to the page by list_offer(): given its
 * effective due date (due_at, else the procedure catalog through
 * due_compute()) and classified by classify() at the list's as_of — the same
 * function and the same view (view.c) as GET /v1/dossiers/{code}, so an item
 * and the dossier it names never disagree. Only the items after the cursor
 * are considered, and a bounded heap keeps the best limit+1 of them, so memory
 * is O(limit) whatever the number of rows. The extra item tells whether a
 * next page exists; its cursor is the key of the last item served.
 *
 * The overdue, due_soon and pending lists read their rows as streams in
 * urgency order (lists.h, list_read) in batches, and stop as soon as no
 * unread row can enter the page, so a first page costs a few hundred rows
 * whatever the number of open dossiers. The late and waiting lists stream
 * every candidate (single-row mode) through the heap.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db_lists.h"
#include "lists.h"
#include "view.h"

/* The first batch of a stream, in pages (limit + 1 rows): two, so that the
 * usual first page (a few waiting dossiers among the overdue ones) needs one
 * batch; each next batch is twice the last (bench/lists.sh). */
#define LIST_FIRST_BATCH 2

typedef struct {
    const list_query_t *lq;
    const calendar_t *cal;
    const office_hours *oh;
    list_heap heap;
    bool oom;
    db_conn *conn;            /* open lists: the connection the streams read */
    const db_list_query *dq;  /* their filters */
    list_stream *stream;      /* the stream being read, NULL for db_list_rows */
} page_ctx;

static int on_row(void *ctx, const db_list_row *r)
{
    page_ctx *p = ctx;
    const list_query_t *lq = p->lq;
    dossier_t d = r->d;

    if (p->stream && p->stream->kind != LIST_STREAM_REOPENED) {
        ts_t key = p->stream->kind == LIST_STREAM_NO_DUE ? d.received_at : d.due_at;
        if (!d.code || key == TS_NULL ||
            list_stream_advance(p->stream, key, d.code, lq->as_of, p->cal) != 0)
            return -1; /* cannot happen: the stream's SQL has a non-null key and code */
    }

    if (list_offer(&p->heap, lq, p->cal, p->oh, &d, r->agency_name, r->procedure_name,
                   r->cat_duration, r->cat_unit) != 0) {
        p->oom = true;
        return -1;
    }
    return 0;
}

/* The candidate rows of a state: a superset, narrowed where an index helps. */
static void db_query_of(const list_query_t *lq, const calendar_t *cal, db_list_query *q)
{
    memset(q, 0, sizeof *q);
    q->as_of = lq->as_of;
    q->filters = &lq->m;
    q->due_before = q->due_from = q->due_to = q->finished_from = TS_NULL;
    day_t today = ts_day(lq->as_of);
    switch (lq->state) {
    case LIST_LATE:
        q->mode = DBL_FINISHED;
        q->finished_from = lq->period_start;
        q->late_only = true;
        break;
    case LIST_OVERDUE:
        /* overdue needs d(due) < d(as_of) (or a second supplement request) */
        q->due_before = ts_day_start(today);
        break;
    case LIST_DUE_SOON:
        /* due today .. the within-th working day after today */
        q->due_from = ts_day_start(today);
        q->due_to = ts_day_end(cal_add_working(cal, today, lq->within));
        break;
    case LIST_WAITING:
        q->waiting_only = true;
        break;
    case LIST_PENDING:
    case LIST_NONE:
        break;
    }
}

/* list_read's fetch: one batch of stream s. */
static int fetch(void *ctx, list_stream *s, size_t *rows)
{
    page_ctx *p = ctx;
    p->stream = s;
    if (s->kind == LIST_STREAM_REOPENED) {
        /* finished after as_of: a range on finished_at, read whole (a few rows
         * when as_of is now; a past as_of reads every one finished since) */
        db_list_query q = *p->dq;
        q.mode = DBL_REOPENED;
        *rows = 0;
        return db_list_rows(p->conn, &q, on_row, p);
    }
    return db_list_stream(p->conn, p->dq, s, on_row, p, rows);
}

/* The cursor of the page that follows item `last`. */
static int next_cursor(const list_query_t *lq, const list_item *last, char *out, size_t cap)
{
    list_cursor c;
    memset(&c, 0, sizeof c);
    c.state = lq->state;
    c.as_of = lq->as_of;
    c.within = lq->within;
    if (lq->state == LIST_LATE) {
        c.from = lq->from;
        c.to = lq->to;
    }
    c.fingerprint = lq->fingerprint;
    c.wd = last->key.wd;
    c.due = last->key.due;
    if (strlen(last->key.code) > LIST_CODE_MAX)
        return -1;
    strcpy(c.code, last->key.code);
    return list_cursor_encode(&c, out, cap) > 0 ? 0 : -1;
}

void api_list(app_t *app, const http_req *req, http_resp *resp)
{
    list_query_t lq;
    char msg[256];
    if (list_parse(req->params, req->nparams, ts_now(), app->cfg->within, &lq, msg,
                   sizeof msg) != 0) {
        resp_error(resp, 400, "%s", msg); /* msg starts with the parameter's name */
        return;
    }
    bool csv = lq.m.csv || req_wants_csv(req);

    page_ctx p = { &lq, NULL, refdata_office_hours(app->ref), { NULL, 0, 0 }, false, NULL, NULL, NULL };
    json_t **views = NULL;
    json_t *body = NULL;
    size_t n = 0;
    char cursor[LIST_CURSOR_MAX + 1];
    bool more = false;
    int rc = DB_OK;
    db_conn *c = NULL;
    json_t *items = NULL;

    if (list_heap_init(&p.heap, (size_t)lq.limit + 1) != 0) {
        resp_error(resp, 500, "out of memory");
        goto done;
    }
    c = db_acquire(app_read_pool(app), app->cfg->db_wait_ms);
    if (!c) {
        resp_unavailable(resp, "no database connection is available; retry later");
        goto done;
    }
    p.cal = refdata_calendar(app->ref, c, &rc);
    if (rc == DB_OK && !p.cal)
        rc = DB_ERROR;
    if (rc == DB_OK) {
        db_list_query dq;
        db_query_of(&lq, p.cal, &dq);
        if (!list_streamed(lq.state)) {
            rc = db_list_rows(c, &dq, on_row, &p); /* late, waiting: every candidate */
        } else {
            /* overdue, due_soon, pending: streams in urgency order, stopping
             * once no unread dossier can enter the page (lists.h) */
            list_stream streams[LIST_STREAMS_MAX];
            size_t ns = list_streams_init(streams, lq.state, lq.as_of, lq.within, p.cal,
                                          (long)p.heap.cap * LIST_FIRST_BATCH);
            p.conn = c;
            p.dq = &dq;
            rc = db_list_snapshot_begin(c);
            if (rc == DB_OK) {
                rc = list_read(streams, ns, &p.heap, fetch, &p);
                int end = db_list_snapshot_end(c, rc == DB_OK);
                if (rc == DB_OK)
                    rc = end;
            }
        }
    }
    db_release(app_read_pool(app), c);
    if (p.oom) {
        resp_error(resp, 500, "out of memory");
        goto done;
    }
    if (rc != DB_OK) {
        api_db_failure(resp, rc, "the list query");
        goto done;
    }

    list_heap_sort(&p.heap);
    n = p.heap.n;
    if (n > (size_t)lq.limit) {
        n = (size_t)lq.limit;
        more = true;
        if (next_cursor(&lq, p.heap.v[n - 1], cursor, sizeof cursor) != 0) {
            resp_error(resp, 500, "cannot build the next cursor");
            goto done;
        }
    }
    views = calloc(n ? n : 1, sizeof *views);
    if (!views) {
        resp_error(resp, 500, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const list_item *it = p.heap.v[i];
        views[i] = dossier_view_json(&it->d, it->agency_name, it->procedure_name,
                                     it->due_computed, &it->cr);
        if (!views[i]) {
            resp_error(resp, 500, "out of memory");
            goto done;
        }
    }

    if (csv) {
        size_t len = 0;
        char *text = list_csv(views, n, &len);
        if (!text) {
            resp_error(resp, 500, "out of memory");
            goto done;
        }
        resp_take(resp, 200, "text/csv; charset=utf-8", text, len);
        /* A CSV body has no place for the cursor: it goes in the response
         * header X-Next-Cursor (absent on the last page). */
        if (more) {
            resp->extra_header = "X-Next-Cursor";
            resp->extra_value = strdup(cursor);
            if (!resp->extra_value)
                resp_error(resp, 500, "out of memory");
        }
        goto done;
    }

    body = json_object();
    items = json_array();
    if (!body || !items) {
        json_decref(items);
        resp_error(resp, 500, "out of memory");
        goto done;
    }
    if (json_object_set_new(body, "items", items) != 0) { /* steals items, even on failure */
        resp_error(resp, 500, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (json_array_append(items, views[i]) != 0) {
            resp_error(resp, 500, "out of memory");
            goto done;
        }
    }
    if (json_object_set_new(body, "next_cursor", more ? json_string(cursor) : json_null()) != 0 ||
        json_object_set_new(body, "as_of", ts_json(lq.as_of)) != 0) {
        resp_error(resp, 500, "out of memory");
        goto done;
    }
    resp_json(resp, 200, body); /* takes body */
    body = NULL;

done:
    json_decref(body);
    if (views)
        for (size_t i = 0; i < n; i++)
            json_decref(views[i]);
    free(views);
    list_heap_free(&p.heap);
}
