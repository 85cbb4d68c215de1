/*
 * check_rollup_db.c - the roll-up tables give the same answers as the
 * dossier rows (docs/ROLLUPS.md), on a real PostgreSQL.
 *
 * A random history is written through the API: inserts, updates that move a
 * dossier between statuses, agencies and procedures, stale re-sends, the same
 * code twice in a batch, catalog changes (durations, units, levels, fields,
 * fees) and calendar changes (a weekday off, a Saturday worked, an override
 * removed). After each step, random metrics, series and rankings queries are
 * answered twice: with the roll-ups (rollup_state.built = true) and from the
 * dossier rows (built = false, the path metrics.c has been tested on against
 * the spec model in check_api.c); the two bodies must be equal. as_of is
 * often put inside a day where dossiers have events after it, which the
 * roll-up answer has to take back out. At the end `motcua rollup --rebuild`
 * (db_rollup_rebuild) must produce exactly the tables the incremental path
 * maintained.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_rollup.h"
#include "testlib.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int64_t rn(int64_t n) { return (int64_t)(rnd() % (uint64_t)n); }

static const char *const AGENCIES[] = { "000.00.01.H62", "000.00.02.H62", "000.21.30.H62",
                                        "000.21.31.H62" };
static const char *const PROCS[] = { "P.WD", "P.DAYS", "P.HOURS", "P.NOCAT", "P.FEE", "P.L2" };
static const char *const FIELDS[] = { "HT", "DD", "XD" };
#define NAG 4
#define NPROC 6
#define NDOSS 500

typedef struct {
    int agency, proc, field, level, channel, status, supp;
    int64_t received, due, finished, sreq, updated, fee;
    bool paid, apology;
} doss_t;

static doss_t doss[NDOSS];
static int64_t base_day;   /* 2024-01-01 */

/* An instant on day d at a random time, not before nb. */
static int64_t on_day(int64_t d, int64_t nb)
{
    int64_t t = day_start(d) + rn(86400) * US_SEC + rn(US_SEC);
    return t < nb ? nb + rn(7200) * US_SEC : t;
}

static void gen(doss_t *g)
{
    static const int statuses[] = { 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 10, 10 };
    g->agency = (int)rn(NAG);
    g->proc = (int)rn(NPROC);
    g->field = rn(3) ? -1 : (int)rn(3);
    g->level = rn(3) ? 0 : 2 + (int)rn(3);
    g->channel = 1 + (int)rn(3);
    g->status = statuses[rn(15)];
    g->supp = rn(10) == 0 ? 2 : (int)rn(2);
    int64_t day = base_day + rn(420);
    g->received = on_day(day, NONE + 1);
    g->due = rn(3) == 0 ? NONE : day_start(day + 1 + rn(15)) + 17 * 3600 * US_SEC;
    /* one in ten takes months: durations past the h0..h63 columns */
    g->finished = g->status >= 7 ? on_day(day + (rn(10) ? rn(25) : 90 + rn(150)), g->received)
                                 : NONE;
    g->sreq = rn(3) == 0 ? on_day(day + rn(10), g->received) : NONE;
    g->updated = rn(4) ? g->received + (1 + rn(40)) * US_DAY : NONE;
    g->fee = rn(4) == 0 ? -1 : rn(2) ? 0 : 1000 * (1 + rn(100));
    g->paid = rn(2);
    g->apology = rn(4) == 0;
}

static void put_one(tl_buf *b, int i, const doss_t *g)
{
    tl_buf_printf(b, "{\"code\":\"R%04d\",\"agency_code\":\"%s\",\"procedure_code\":\"%s\","
                     "\"channel\":%d,\"status\":%d,\"supplement_count\":%d,"
                     "\"paid_online\":%s,\"apology\":%s",
                  i, AGENCIES[g->agency], PROCS[g->proc], g->channel, g->status, g->supp,
                  g->paid ? "true" : "false", g->apology ? "true" : "false");
    if (g->field >= 0)
        tl_buf_printf(b, ",\"field_code\":\"%s\"", FIELDS[g->field]);
    if (g->level)
        tl_buf_printf(b, ",\"service_level\":%d", g->level);
    if (g->fee >= 0)
        tl_buf_printf(b, ",\"fee\":%lld", (long long)g->fee);
    tl_put_ts(b, "received_at", g->received);
    tl_put_ts(b, "due_at", g->due);
    tl_put_ts(b, "finished_at", g->finished);
    tl_put_ts(b, "supplement_requested_at", g->sreq);
    tl_put_ts(b, "updated_at", g->updated);
    tl_buf_puts(b, "}\n");
}

static void send(tl_buf *b)
{
    json_decref(tl_ingest("application/x-ndjson", b->p, b->len));
    b->len = 0;
}

/* ---- comparing the two answers ---------------------------------------------------- */

static char *get_body(const char *path)
{
    tl_resp r;
    int st = tl_http("GET", path, NULL, NULL, 0, &r);
    ck_assert_msg(st == 200, "GET %s: %d %s", path, st, r.body ? r.body : "");
    char *s = strdup(r.body);
    tl_resp_free(&r);
    return s;
}

static void compare(const char *path)
{
    tl_sql_exec("UPDATE rollup_state SET built = false");
    char *raw = get_body(path);
    tl_sql_exec("UPDATE rollup_state SET built = true");
    char *ru = get_body(path);
    if (strcmp(raw, ru) != 0) {
        size_t k = 0;
        while (raw[k] && raw[k] == ru[k])
            k++;
        size_t from = k > 120 ? k - 120 : 0;
        ck_abort_msg("%s: roll-ups differ from the rows at byte %zu:\n rows: %.240s\n roll: %.240s",
                     path, k, raw + from, ru + from);
    }
    free(raw);
    free(ru);
}

/* An as_of inside a day where some dossier has an event later that day. */
static void random_as_of(char *buf, size_t cap)
{
    const doss_t *g = &doss[rn(NDOSS)];
    int64_t t = rn(3) == 0 && g->finished != NONE ? g->finished
              : rn(2) == 0 && g->sreq != NONE     ? g->sreq
                                                   : g->received;
    int64_t start = day_start(lday(t));
    int64_t as_of = t - rn(t - start + 1);   /* same day, at or before the event */
    if (rn(4) == 0)
        as_of = t;
    char ts[48];
    fmt_ts(as_of, ts, sizeof ts);
    char *enc = tl_urlencode(ts);
    snprintf(buf, cap, "&as_of=%s", enc);
    free(enc);
}

static void random_query(char *path, size_t cap, const char *endpoint)
{
    static const char *const GROUPS[] = { "", "agency", "procedure", "field", "channel",
                                          "service_level", "day", "week", "month", "quarter",
                                          "year" };
    static const char *const PERIODS[] = { "2024", "2024-Q2", "2024-03", "2024-H2", "2025-Q1",
                                           "2024-W20", "2024-05-06", "2025" };
    char period[64], filt[128] = "", asof[96] = "", group[48] = "";
    if (rn(2)) {
        snprintf(period, sizeof period, "period=%s", PERIODS[rn(8)]);
    } else {
        char a[16], b[16];
        int64_t d0 = base_day - 30 + rn(450), d1 = d0 + rn(200);
        fmt_day(d0, a, sizeof a);
        fmt_day(d1, b, sizeof b);
        snprintf(period, sizeof period, "from=%s&to=%s", a, b);
    }
    switch (rn(8)) {
    case 0: snprintf(filt, sizeof filt, "&agency=%s", AGENCIES[rn(NAG)]); break;
    case 1: snprintf(filt, sizeof filt, "&agency=000.21.%%2A"); break;
    case 2: snprintf(filt, sizeof filt, "&procedure=%s", PROCS[rn(NPROC)]); break;
    case 3: snprintf(filt, sizeof filt, "&field=%s", FIELDS[rn(3)]); break;
    case 4: snprintf(filt, sizeof filt, "&channel=%d", 1 + (int)rn(3)); break;
    case 5: snprintf(filt, sizeof filt, "&service_level=%d", 2 + (int)rn(3)); break;
    default: break;
    }
    if (rn(3))
        random_as_of(asof, sizeof asof);
    const char *cal = rn(5) == 0 ? "&calendar=report" : "";
    if (!strcmp(endpoint, "/v1/metrics")) {
        int gi = (int)rn(11);
        if (gi)
            snprintf(group, sizeof group, "&group_by=%s", GROUPS[gi]);
    } else if (!strcmp(endpoint, "/v1/metrics/series")) {
        snprintf(group, sizeof group, "&interval=%s", GROUPS[6 + rn(5)]);
    } else {
        static const char *const BY[] = { "agency", "procedure", "field" };
        snprintf(group, sizeof group, "&by=%s&min_n=%d&metric=on_time_rate", BY[rn(3)],
                 (int)rn(5));
    }
    snprintf(path, cap, "%s?%s%s%s%s%s", endpoint, period, filt, asof, group, cal);
}

static void compare_many(int n)
{
    char path[512];
    for (int i = 0; i < n; i++) {
        int k = (int)rn(10);
        random_query(path, sizeof path,
                     k < 7 ? "/v1/metrics" : k < 9 ? "/v1/metrics/series" : "/v1/rankings");
        compare(path);
    }
}

/* ---- the history ---------------------------------------------------------------------- */

static void put_catalog(int variant)
{
    char body[1024];
    static const char *const UNITS[][3] = { { "working_days", "days", "hours" },
                                            { "days", "hours", "working_days" } };
    snprintf(body, sizeof body,
             "[{\"procedure_code\":\"P.WD\",\"field_code\":\"HT\",\"service_level\":%d,"
             "\"duration\":%d,\"duration_unit\":\"%s\",\"has_fee\":false},"
             "{\"procedure_code\":\"P.DAYS\",\"field_code\":\"%s\",\"service_level\":3,"
             "\"duration\":%d,\"duration_unit\":\"%s\",\"has_fee\":true},"
             "{\"procedure_code\":\"P.HOURS\",\"service_level\":4,\"duration\":%d,"
             "\"duration_unit\":\"%s\",\"has_fee\":%s},"
             "{\"procedure_code\":\"P.FEE\",\"field_code\":\"XD\",\"has_fee\":true},"
             "{\"procedure_code\":\"P.L2\",\"service_level\":2,\"duration\":1,"
             "\"duration_unit\":\"working_days\"}]",
             variant ? 4 : 3, variant ? 7 : 5, UNITS[variant][0], variant ? "XD" : "DD",
             variant ? 2 : 10, UNITS[variant][1], variant ? 30 : 16, UNITS[variant][2],
             variant ? "false" : "true");
    json_decref(tl_call("PUT", "/v1/procedures", "application/json", body, strlen(body), 200));
}

static void put_calendar(const char *body)
{
    json_decref(tl_call("PUT", "/v1/calendar", "application/json", body, strlen(body), 200));
}

/* A new version of dossier i: a later updated_at, often another status. */
static void evolve(int i)
{
    doss_t *g = &doss[i];
    doss_t n = *g;
    int64_t k = rn(6);
    if (k == 0)
        n.agency = (int)rn(NAG);
    else if (k == 1)
        n.proc = (int)rn(NPROC);
    if (n.status < 7 && rn(2)) {
        n.status = 7 + (int)rn(4);
        n.finished = on_day(lday(n.received) + rn(40), n.received);
    } else if (rn(3) == 0) {
        n.status = 5 + (int)rn(2);
        n.finished = NONE;
        n.sreq = rn(2) ? on_day(lday(n.received) + rn(20), n.received) : NONE;
    }
    n.supp = rn(8) == 0 ? 3 : n.supp;
    n.apology = !n.apology;
    n.updated = (g->updated == NONE ? n.received : g->updated) + (1 + rn(5)) * US_DAY;
    *g = n;
}

START_TEST(test_rollups_equal_rows)
{
    rng_state = 0x5eed0000u + (unsigned)_i;
    base_day = D(2024, 1, 1);
    tl_buf b = { 0 };
    put_catalog(0);
    for (int i = 0; i < NDOSS; i++) {
        gen(&doss[i]);
        put_one(&b, i, &doss[i]);
        if (i % 97 == 96)
            send(&b);   /* several batches, so chunks meet stored versions */
    }
    send(&b);
    compare_many(40);

    /* updates, a stale re-send of each, and the same code twice in a batch */
    for (int i = 0; i < NDOSS; i += 3) {
        doss_t old = doss[i];
        evolve(i);
        put_one(&b, i, &doss[i]);
        if (old.updated != NONE && doss[i].updated != NONE && rn(2))
            put_one(&b, i, &old);   /* older updated_at: stale */
    }
    send(&b);
    for (int i = 1; i < NDOSS; i += 7) {
        evolve(i);
        put_one(&b, i, &doss[i]);
        evolve(i);
        put_one(&b, i, &doss[i]);
    }
    send(&b);
    compare_many(40);

    /* the catalog changes: units, durations, levels, fields, fees */
    put_catalog(1);
    compare_many(30);

    /* the calendar changes inside the data: a Monday off, a Saturday worked;
     * then one override is removed again */
    put_calendar("[{\"date\":\"2024-04-08\",\"working\":false,\"name\":\"Nghỉ bù\"},"
                 "{\"date\":\"2024-04-13\",\"working\":true,\"name\":\"Làm bù\"},"
                 "{\"date\":\"2024-09-03\",\"working\":false}]");
    compare_many(30);
    put_calendar("[{\"date\":\"2024-04-13\",\"working\":null}]");
    compare_many(30);
    tl_buf_free(&b);

    /* a rebuild gives the tables the incremental path kept (a duration
     * column that went back to 0 and one never set compare equal) */
#define HCOLS "COALESCE(h0,0),COALESCE(h1,0),COALESCE(h2,0),COALESCE(h3,0),COALESCE(h4,0),COALESCE(h5,0)," \
    "COALESCE(h6,0),COALESCE(h7,0),COALESCE(h8,0),COALESCE(h9,0),COALESCE(h10,0),COALESCE(h11,0)," \
    "COALESCE(h12,0),COALESCE(h13,0),COALESCE(h14,0),COALESCE(h15,0),COALESCE(h16,0),COALESCE(h17,0)," \
    "COALESCE(h18,0),COALESCE(h19,0),COALESCE(h20,0),COALESCE(h21,0),COALESCE(h22,0),COALESCE(h23,0)," \
    "COALESCE(h24,0),COALESCE(h25,0),COALESCE(h26,0),COALESCE(h27,0),COALESCE(h28,0),COALESCE(h29,0)," \
    "COALESCE(h30,0),COALESCE(h31,0),COALESCE(h32,0),COALESCE(h33,0),COALESCE(h34,0),COALESCE(h35,0)," \
    "COALESCE(h36,0),COALESCE(h37,0),COALESCE(h38,0),COALESCE(h39,0),COALESCE(h40,0),COALESCE(h41,0)," \
    "COALESCE(h42,0),COALESCE(h43,0),COALESCE(h44,0),COALESCE(h45,0),COALESCE(h46,0),COALESCE(h47,0)," \
    "COALESCE(h48,0),COALESCE(h49,0),COALESCE(h50,0),COALESCE(h51,0),COALESCE(h52,0),COALESCE(h53,0)," \
    "COALESCE(h54,0),COALESCE(h55,0),COALESCE(h56,0),COALESCE(h57,0),COALESCE(h58,0),COALESCE(h59,0)," \
    "COALESCE(h60,0),COALESCE(h61,0),COALESCE(h62,0),COALESCE(h63,0)"
    static const char SNAP[] =
        "SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ("
        " SELECT lod, grain, bucket, agency_code, procedure_code, channel, field_code,"
        " service_level, received, recv_online, recv_direct, recv_postal, fee_bearing,"
        " fee_paid_online, level34, level34_online, finished, early, on_time, late,"
        " withdrawn, stopped, resolved, late_apology, dur_wd, dur_sec, dur_us, s_nw_in,"
        " s_nw_over, s_w_in, s_w_over, ARRAY[" HCOLS "] AS h FROM rollup"
        " WHERE received <> 0 OR finished <> 0"
        " OR s_nw_in <> 0 OR s_nw_over <> 0 OR s_w_in <> 0 OR s_w_over <> 0"
        " UNION ALL SELECT lod, grain, bucket, agency_code, procedure_code, channel,"
        " field_code, service_level, wd, n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,"
        " 0, 0, 0, 0, 0, NULL FROM rollup_hist_long WHERE n <> 0) t";
    char err[256];
    db_conn *c = db_connect(tl_env.conninfo, err, sizeof err);
    ck_assert_msg(c != NULL, "%s", err);
    PGresult *res = PQexec(db_pgconn(c), SNAP);
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    char before[64];
    snprintf(before, sizeof before, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    long rows = tl_sql_long("SELECT count(*) FROM rollup WHERE received <> 0");
    ck_assert_int_gt(rows, 100);
    ck_assert_int_eq(db_rollup_rebuild(c, &tl_env.cfg.office_hours, NULL, NULL), DB_OK);
    res = PQexec(db_pgconn(c), SNAP);
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), before);
    PQclear(res);
    db_close(c);
    compare_many(20);
}
END_TEST

/* A database that had dossiers before the roll-ups existed answers from the
 * rows until the rebuild, and ingest leaves the roll-ups alone meanwhile. */
START_TEST(test_not_built_until_rebuild)
{
    rng_state = 77;
    base_day = D(2024, 1, 1);
    tl_buf b = { 0 };
    tl_sql_exec("UPDATE rollup_state SET built = false");
    for (int i = 0; i < 120; i++) {
        gen(&doss[i]);
        put_one(&b, i, &doss[i]);
    }
    send(&b);
    tl_buf_free(&b);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM rollup"), 0);
    char *raw = get_body("/v1/metrics?period=2024&group_by=agency");
    char err[256];
    db_conn *c = db_connect(tl_env.conninfo, err, sizeof err);
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_int_eq(db_rollup_rebuild(c, &tl_env.cfg.office_hours, NULL, NULL), DB_OK);
    db_close(c);
    ck_assert_int_eq(tl_sql_long("SELECT built::int FROM rollup_state"), 1);
    ck_assert_int_gt(tl_sql_long("SELECT count(*) FROM rollup"), 0);
    char *ru = get_body("/v1/metrics?period=2024&group_by=agency");
    ck_assert_str_eq(ru, raw);
    free(raw);
    free(ru);
}
END_TEST

Suite *make_rollup_db_suite(void)
{
    Suite *s = suite_create("rollup_db");
    TCase *tc = tcase_create("equivalence");
    tcase_add_checked_fixture(tc, tl_setup, tl_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_rollups_equal_rows, 0, 3);
    tcase_add_test(tc, test_not_built_until_rebuild);
    suite_add_tcase(s, tc);
    return s;
}
