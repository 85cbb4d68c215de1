/*
 * check_report.c - `motcua report` (issue 6): the renderers of report.c and
 * the command of report_cmd.c.
 *
 * Why: the report is what a provincial centre hands upward, and agency names
 * arrive with the dossiers, so they are hostile input. The unit cases feed
 * the renderers names with <script>, quotes, ampersands and spreadsheet
 * formulas, an empty result and thousands of rows, and read every format
 * back (CSV with the tests' own reader, JSON with jansson, HTML by looking
 * for what must and must not be there). The integration cases run the
 * command on a real database and hold every number of its JSON and CSV
 * output against GET /v1/metrics?group_by=agency with the same parameters;
 * and check its exit codes, messages and the atomic replacement of --output.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calendar.h"
#include "demo.h"
#include "dossier.h"
#include "metrics.h"
#include "query.h"
#include "record.h"
#include "report.h"
#include "report_cmd.h"
#include "testlib.h"

/* ---- unit: the renderers ----------------------------------------------------- */

static const char HOSTILE_NAME[] = "<script>alert(\"x\")</script> & 'Sở' \"Tư\" pháp, <b>";
static const char FORMULA_NAME[] = "=HYPERLINK(\"http://evil\",\"x\")";
static const char FORMULA_CODE[] = "-2+3,\"A\"";

static const char *test_label(void *ctx, dim_t dim, const char *key)
{
    (void)ctx;
    if (dim != DIM_AGENCY || !key)
        return NULL;
    if (!strcmp(key, "000.00.01.H62"))
        return "Sở Tư pháp";
    if (!strcmp(key, "000.00.02.H62"))
        return HOSTILE_NAME;
    if (!strcmp(key, FORMULA_CODE))
        return FORMULA_NAME;
    return NULL;   /* 000.00.03.H62 has no name */
}

typedef struct {
    calendar_t *cal;
    metrics_query_t q;
    metrics_result_t *m;
    target_set targets;
} fixture;

static void fixture_new(fixture *f)
{
    memset(f, 0, sizeof *f);
    kv_t kv[] = { { "period", "2024-Q1" }, { "group_by", "agency" } };
    char bad[64], msg[256];
    ck_assert_int_eq(query_parse_metrics(kv, 2, ts_now(), 1, &f->q, bad, sizeof bad, msg,
                                         sizeof msg), 0);
    f->cal = calendar_new_vn();
    ck_assert_ptr_nonnull(f->cal);
    f->m = metrics_new(&f->q, f->cal);
    ck_assert_ptr_nonnull(f->m);
}

static void fixture_free(fixture *f)
{
    metrics_free(f->m);
    calendar_free(f->cal);
}

static ts_t at(int y, int mo, int d, int h)
{
    return day_start(D(y, mo, d)) + (int64_t)h * 3600 * US_SEC;
}

/* One dossier of agency `agency`: received on 2024-01-10 (or 2023-12-20 when
 * carried), finished on `fin_day` of March (0: open), due 2024-03-15. */
static void add(fixture *f, const char *agency, int channel, bool carried, int fin_day)
{
    metrics_row_t r;
    memset(&r, 0, sizeof r);
    r.agency_code = agency;
    r.procedure_code = "1.004227";
    r.channel = channel;
    r.received_at = carried ? at(2023, 12, 20, 9) : at(2024, 1, 10, 9);
    r.due_at = at(2024, 3, 15, 17);
    r.status = fin_day ? 10 : 4;
    r.finished_at = fin_day ? at(2024, 3, fin_day, 10) : TS_NULL;
    r.supplement_requested_at = r.updated_at = TS_NULL;
    r.fee = FEE_NULL;
    r.catalog_has_fee = -1;
    ck_assert_int_eq(metrics_add(f->m, &r), 0);
}

static char *render(fixture *f, report_format fmt, size_t *len)
{
    report_input in = { f->m, &f->q, "2024-Q1", &f->targets, 50000, test_label, NULL };
    char *s = report_render(fmt, &in, len);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(strlen(s), *len);
    ck_assert_msg(utf8_valid(s, *len), "the report is not valid UTF-8");
    return s;
}

/* Three named agencies (one hostile), one without a name, one whose code is
 * a formula: early, on time, late, open in time and overdue, carried over,
 * every channel. */
static void fill(fixture *f)
{
    add(f, "000.00.01.H62", CH_ONLINE, false, 1);    /* early */
    add(f, "000.00.01.H62", CH_DIRECT, false, 15);   /* on time */
    add(f, "000.00.01.H62", CH_POSTAL, false, 20);   /* late */
    add(f, "000.00.01.H62", CH_ONLINE, true, 0);     /* carried over, open, overdue */
    for (int i = 0; i < 1234; i++)
        add(f, "000.00.02.H62", i % 3 == 0 ? CH_DIRECT : CH_ONLINE, false, i % 2 ? 4 : 0);
    add(f, "000.00.03.H62", CH_DIRECT, false, 0);
    add(f, FORMULA_CODE, CH_ONLINE, false, 14);
}

START_TEST(test_format_parse)
{
    report_format f;
    ck_assert_int_eq(report_format_parse("csv", &f), 0);
    ck_assert_int_eq(f, REPORT_CSV);
    ck_assert_int_eq(report_format_parse("json", &f), 0);
    ck_assert_int_eq(f, REPORT_JSON);
    ck_assert_int_eq(report_format_parse("html", &f), 0);
    ck_assert_int_eq(f, REPORT_HTML);
    ck_assert_int_eq(report_format_parse("CSV", &f), -1);
    ck_assert_int_eq(report_format_parse("", &f), -1);
    ck_assert_int_eq(report_format_parse("htm", &f), -1);
    ck_assert_int_eq(report_format_parse(NULL, &f), -1);
}
END_TEST

/* The CSV cell at column `name` of a row, by the header. */
static const char *cell(char **head, size_t nh, char **row, const char *name)
{
    for (size_t i = 0; i < nh; i++)
        if (!strcmp(head[i], name))
            return row[i];
    ck_abort_msg("no column %s", name);
    return NULL;
}

START_TEST(test_csv)
{
    fixture f;
    fixture_new(&f);
    fill(&f);
    size_t len;
    char *s = render(&f, REPORT_CSV, &len);
    ck_assert_msg(!memcmp(s, "\xEF\xBB\xBF", 3), "no BOM");
    const char *p = s + 3, *end = s + len;
    char *head[CSV_MAX_CELLS], *row[CSV_MAX_CELLS];
    size_t nh = csv_read_row(&p, end, head);
    ck_assert_uint_eq(nh, 24);
    ck_assert_str_eq(head[0], "period_from");
    ck_assert_str_eq(head[3], "agency_code");
    ck_assert_str_eq(head[5], "to_resolve");
    ck_assert_str_eq(head[18], "on_time_rate");
    /* rows: agencies in key order (the formula code sorts first), then the total */
    const char *codes[] = { "'-2+3,\"A\"", "000.00.01.H62", "000.00.02.H62", "000.00.03.H62", "" };
    const char *names[] = { "'=HYPERLINK(\"http://evil\",\"x\")", "Sở Tư pháp", HOSTILE_NAME, "",
                            "Tổng cộng" };
    int64_t to_resolve = 0;
    for (size_t i = 0; i < 5; i++) {
        size_t n = csv_read_row(&p, end, row);
        ck_assert_uint_eq(n, nh);
        tl_assert_str(cell(head, nh, row, "agency_code"), codes[i], "row %zu code", i);
        tl_assert_str(cell(head, nh, row, "agency_name"), names[i], "row %zu name", i);
        tl_assert_str(cell(head, nh, row, "period_from"), "2024-01-01", "from");
        tl_assert_str(cell(head, nh, row, "period_to"), "2024-03-31", "to");
        tl_assert_str(cell(head, nh, row, "as_of"), "2024-03-31T23:59:59.999999+07:00", "as_of");
        int64_t tr = atoll(cell(head, nh, row, "to_resolve"));
        ck_assert_int_eq(tr, atoll(cell(head, nh, row, "received")) +
                                 atoll(cell(head, nh, row, "carried_over")));
        ck_assert_int_eq(tr, atoll(cell(head, nh, row, "finished")) +
                                 atoll(cell(head, nh, row, "pending")));
        if (i < 4)
            to_resolve += tr;
        else
            ck_assert_int_eq(tr, to_resolve);
        if (i == 1) {   /* 000.00.01.H62, worked out by hand */
            tl_assert_str(cell(head, nh, row, "received_online"), "1", "online");
            tl_assert_str(cell(head, nh, row, "received_direct"), "1", "direct");
            tl_assert_str(cell(head, nh, row, "received_postal"), "1", "postal");
            tl_assert_str(cell(head, nh, row, "carried_over"), "1", "carried");
            tl_assert_str(cell(head, nh, row, "early"), "1", "early");
            tl_assert_str(cell(head, nh, row, "on_time"), "1", "on_time");
            tl_assert_str(cell(head, nh, row, "late"), "1", "late");
            tl_assert_str(cell(head, nh, row, "overdue"), "1", "overdue");
            tl_assert_str(cell(head, nh, row, "in_time"), "0", "in_time");
            tl_assert_str(cell(head, nh, row, "on_time_rate_numerator"), "2", "num");
            tl_assert_str(cell(head, nh, row, "on_time_rate_denominator"), "3", "den");
            tl_assert_str(cell(head, nh, row, "on_time_rate_target"), "0.98", "target");
            tl_assert_str(cell(head, nh, row, "on_time_rate_status"), "missed", "status");
        }
        csv_free_row(row, n);
    }
    ck_assert_uint_eq(csv_read_row(&p, end, row), 0);   /* nothing after the total */
    csv_free_row(head, nh);
    free(s);
    fixture_free(&f);
}
END_TEST

START_TEST(test_json)
{
    fixture f;
    fixture_new(&f);
    fill(&f);
    size_t len;
    char *s = render(&f, REPORT_JSON, &len);
    json_error_t e;
    json_t *j = json_loadb(s, len, 0, &e);
    ck_assert_msg(j != NULL, "not JSON: %s", e.text);
    tl_assert_str(tl_jstr(j, "report"), "bieu06", "report");
    tl_assert_str(tl_jstr(j, "period_name"), "2024-Q1", "period_name");
    tl_assert_str(tl_jstr(j, "calendar"), "civil", "calendar");
    tl_assert_str(tl_jstr(j, "period.from"), "2024-01-01", "from");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "rows")), 4);
    tl_assert_str(tl_jstr(j, "rows[0].agency"), FORMULA_CODE, "formula code, as is");
    tl_assert_str(tl_jstr(j, "rows[0].name"), FORMULA_NAME, "formula name, as is");
    tl_assert_str(tl_jstr(j, "rows[2].name"), HOSTILE_NAME, "hostile name, as is");
    ck_assert(tl_jnull(j, "rows[3].name"));
    ck_assert_int_eq(tl_jint(j, "rows[2].counts.received"), 1234);
    ck_assert_int_eq(tl_jint(j, "rows[2].counts.finished"), 617);
    ck_assert_int_eq(tl_jint(j, "rows[1].to_resolve"), 4);
    ck_assert_int_eq(tl_jint(j, "rows[1].on_time_rate.numerator"), 2);
    ck_assert_int_eq(tl_jint(j, "total.to_resolve"), 4 + 1234 + 1 + 1);
    ck_assert_int_eq(tl_jint(j, "total.counts.carried_over"), 1);
    ck_assert_msg(json_object_get(json_object_get(j, "total"), "agency") == NULL,
                  "the total has no agency");
    json_decref(j);
    free(s);
    fixture_free(&f);
}
END_TEST

START_TEST(test_html_escapes_everything)
{
    fixture f;
    fixture_new(&f);
    fill(&f);
    size_t len;
    char *s = render(&f, REPORT_HTML, &len);
    ck_assert_msg(!strncmp(s, "<!DOCTYPE html>", 15), "not an HTML page");
    ck_assert_ptr_null(strstr(s, "<script"));   /* no script at all, the hostile one escaped */
    ck_assert_ptr_null(strstr(s, "<b>"));
    ck_assert_ptr_nonnull(strstr(s, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                                    "&#39;Sở&#39; &quot;Tư&quot; pháp, &lt;b&gt;"));
    ck_assert_ptr_nonnull(strstr(s, "=HYPERLINK(&quot;http://evil&quot;,&quot;x&quot;)"));
    ck_assert_ptr_nonnull(strstr(s, "-2+3,&quot;A&quot;"));
    /* self-contained: nothing loaded from elsewhere */
    ck_assert_ptr_null(strstr(s, "src="));
    ck_assert_ptr_null(strstr(s, "href="));
    ck_assert_ptr_null(strstr(s, "@import"));
    /* the Biểu 06 headings, the total row, Vietnamese number forms */
    ck_assert_ptr_nonnull(strstr(s, "<html lang=\"vi\">"));
    ck_assert_ptr_nonnull(strstr(s, "Số hồ sơ nhận giải quyết"));
    ck_assert_ptr_nonnull(strstr(s, "Số hồ sơ đã giải quyết"));
    ck_assert_ptr_nonnull(strstr(s, "Số hồ sơ đang giải quyết"));
    ck_assert_ptr_nonnull(strstr(s, "<th>Trực tuyến</th><th>Trực tiếp</th><th>Bưu chính</th>"));
    ck_assert_ptr_nonnull(strstr(s, "Từ kỳ trước"));
    ck_assert_ptr_nonnull(strstr(s, "<th>Tổng cộng</th>"));
    ck_assert_ptr_nonnull(strstr(s, "2024-Q1 (từ ngày 01/01/2024 đến ngày 31/03/2024)"));
    ck_assert_ptr_nonnull(strstr(s, "23:59:59 ngày 31/03/2024"));
    ck_assert_ptr_nonnull(strstr(s, ">1.234</td>"));      /* 000.00.02.H62 received */
    ck_assert_ptr_nonnull(strstr(s, ">66,67%</td>"));     /* 000.00.01.H62: 2 of 3 */
    /* an agency without a name shows its code */
    ck_assert_ptr_nonnull(strstr(s, "<td>000.00.03.H62</td>"));
    free(s);
    fixture_free(&f);
}
END_TEST

START_TEST(test_html_escapes_the_filter_and_period)
{
    fixture f;
    fixture_new(&f);
    snprintf(f.q.agency, sizeof f.q.agency, "%s", "<i>\"x\"*");
    size_t len;
    report_input in = { f.m, &f.q, "<q>", &f.targets, 50000, NULL, NULL };
    char *s = report_render(REPORT_HTML, &in, &len);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(strstr(s, "<i>"));
    ck_assert_ptr_null(strstr(s, "<q>"));
    ck_assert_ptr_nonnull(strstr(s, "&lt;i&gt;&quot;x&quot;*"));
    ck_assert_ptr_nonnull(strstr(s, "&lt;q&gt;"));
    free(s);
    fixture_free(&f);
}
END_TEST

START_TEST(test_empty_result)
{
    fixture f;
    fixture_new(&f);
    size_t len;
    char *csv = render(&f, REPORT_CSV, &len);
    const char *p = csv + 3, *end = csv + len;
    char *head[CSV_MAX_CELLS], *row[CSV_MAX_CELLS];
    size_t nh = csv_read_row(&p, end, head);
    size_t n = csv_read_row(&p, end, row);   /* only the total, all zeros */
    ck_assert_uint_eq(n, nh);
    tl_assert_str(cell(head, nh, row, "agency_name"), "Tổng cộng", "total");
    tl_assert_str(cell(head, nh, row, "to_resolve"), "0", "zero");
    tl_assert_str(cell(head, nh, row, "on_time_rate"), "", "no value without a denominator");
    tl_assert_str(cell(head, nh, row, "on_time_rate_status"), "none", "status");
    csv_free_row(row, n);
    csv_free_row(head, nh);
    ck_assert_uint_eq(csv_read_row(&p, end, row), 0);
    free(csv);

    char *js = render(&f, REPORT_JSON, &len);
    json_t *j = json_loadb(js, len, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "rows")), 0);
    ck_assert_int_eq(tl_jint(j, "total.to_resolve"), 0);
    ck_assert(tl_jnull(j, "total.on_time_rate.value"));
    json_decref(j);
    free(js);

    char *html = render(&f, REPORT_HTML, &len);
    ck_assert_ptr_nonnull(strstr(html, "Không có hồ sơ trong kỳ báo cáo."));
    ck_assert_ptr_nonnull(strstr(html, ">–</td>"));   /* no rate */
    free(html);
    fixture_free(&f);
}
END_TEST

/* ---- integration: the command against the API ---------------------------------- */

/* Writes the data set: the demo dossiers of 2024, plus dossiers carried over
 * from 2023, sent by post, and agencies with hostile names. */
static void load_data(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(demo_write(f, &(demo_opts){ .count = 4000, .seed = 7, .year = 2024 }, ts_now()), 0);
    fprintf(f, "{\"code\":\"R-1\",\"agency_code\":\"000.00.01.H62\",\"procedure_code\":\"P\","
               "\"channel\":\"postal\",\"status\":\"processing\",\"received_at\":\"2023-12-01\","
               "\"due_at\":\"2024-01-05\"}\n"
               "{\"code\":\"R-2\",\"agency_code\":\"X<1>\",\"agency_name\":\"<script>alert(1)"
               "</script>\",\"procedure_code\":\"P\",\"channel\":\"online\",\"status\":"
               "\"resolved\",\"received_at\":\"2023-12-20\",\"due_at\":\"2024-01-10\","
               "\"finished_at\":\"2024-01-09\"}\n"
               "{\"code\":\"R-3\",\"agency_code\":\"=1+1\",\"agency_name\":\"@SUM(A1)\","
               "\"procedure_code\":\"P\",\"channel\":\"direct\",\"status\":\"received\","
               "\"received_at\":\"2024-02-01\"}\n");
    ck_assert_int_eq(fclose(f), 0);
    json_t *r = tl_ingest("application/x-ndjson", buf, len);
    ck_assert_int_eq(tl_jint(r, "rejected"), 0);
    json_decref(r);
    free(buf);
}

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/motcua-report-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
        if (unlink(path) != 0)
            rmdir(path);
    }
    closedir(d);
    rmdir(tmpdir);
}

static size_t count_files(void)
{
    DIR *d = opendir(tmpdir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = malloc(1 << 22);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, (1 << 22) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Runs the command with format fmt into a file; its text. */
static char *run_report(report_args a, const char *fmt, size_t *len)
{
    char path[128], err[512] = "";
    snprintf(path, sizeof path, "%s/report.%s", tmpdir, fmt);
    a.format = fmt;
    a.output = path;
    int rc = report_cmd_run(&tl_env.cfg, &a, ts_now(), stdout, err, sizeof err);
    ck_assert_msg(rc == 0, "report exited %d: %s", rc, err);
    return slurp(path, len);
}

/* The API's answer for the same parameters. */
static json_t *api_answer(const report_args *a)
{
    char url[1024];
    int n = snprintf(url, sizeof url, "/v1/metrics?group_by=agency");
    const struct {
        const char *k, *v;
    } ps[] = { { "period", a->period }, { "from", a->from }, { "to", a->to },
               { "agency", a->agency }, { "calendar", a->calendar }, { "as_of", a->as_of } };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        if (!ps[i].v)
            continue;
        char *e = tl_urlencode(ps[i].v);
        n += snprintf(url + n, sizeof url - (size_t)n, "&%s=%s", ps[i].k, e);
        free(e);
    }
    return tl_get(url, 200);
}

static void assert_same_numbers(report_args a, const char *what)
{
    json_t *api = api_answer(&a);
    size_t len;
    char *text = run_report(a, "json", &len);
    json_t *rep = json_loadb(text, len, 0, NULL);
    ck_assert_msg(rep != NULL, "%s: the JSON report does not parse", what);
    free(text);

    ck_assert_msg(json_equal(json_object_get(api, "period"), json_object_get(rep, "period")),
                  "%s: period differs", what);
    ck_assert_msg(json_equal(json_object_get(api, "filters"), json_object_get(rep, "filters")),
                  "%s: filters differ", what);
    json_t *groups = json_object_get(api, "groups"), *rows = json_object_get(rep, "rows");
    ck_assert_msg(json_array_size(groups) > 0 || !a.agency, "%s: no group to compare", what);
    ck_assert_uint_eq(json_array_size(rows), json_array_size(groups));
    for (size_t i = 0; i < json_array_size(groups); i++) {
        json_t *g = json_array_get(groups, i), *r = json_array_get(rows, i);
        ck_assert_msg(json_equal(json_object_get(g, "key"), json_object_get(r, "agency")) &&
                          json_equal(json_object_get(g, "label"), json_object_get(r, "name")),
                      "%s: row %zu is another agency", what, i);
        ck_assert_msg(json_equal(json_object_get(g, "counts"), json_object_get(r, "counts")),
                      "%s: counts of %s differ", what, tl_jstr(g, "key"));
        ck_assert_msg(json_equal(json_object_get(json_object_get(g, "rates"), "on_time_rate"),
                                 json_object_get(r, "on_time_rate")),
                      "%s: on_time_rate of %s differs", what, tl_jstr(g, "key"));
        ck_assert_int_eq(tl_jint(r, "to_resolve"),
                         tl_jint(g, "counts.carried_over") + tl_jint(g, "counts.received"));
    }
    json_t *total = json_object_get(rep, "total");
    ck_assert_msg(json_equal(json_object_get(api, "counts"), json_object_get(total, "counts")),
                  "%s: total counts differ", what);
    ck_assert_msg(json_equal(json_object_get(json_object_get(api, "rates"), "on_time_rate"),
                             json_object_get(total, "on_time_rate")),
                  "%s: total on_time_rate differs", what);

    /* the CSV carries the same numbers */
    char *csv = run_report(a, "csv", &len);
    ck_assert_msg(!memcmp(csv, "\xEF\xBB\xBF", 3), "no BOM");
    const char *p = csv + 3, *end = csv + len;
    char *head[CSV_MAX_CELLS], *row[CSV_MAX_CELLS];
    size_t nh = csv_read_row(&p, end, head);
    static const char *const cols[] = { "received_online", "received_direct", "received_postal",
                                        "received", "carried_over", "finished", "early",
                                        "on_time", "late", "pending", "in_time", "overdue" };
    for (size_t i = 0; i <= json_array_size(groups); i++) {
        json_t *g = i < json_array_size(groups) ? json_array_get(groups, i) : api;
        size_t n = csv_read_row(&p, end, row);
        ck_assert_uint_eq(n, nh);
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            char path[64];
            snprintf(path, sizeof path, "counts.%s", cols[k]);
            ck_assert_msg(atoll(cell(head, nh, row, cols[k])) == tl_jint(g, path),
                          "%s: CSV row %zu %s differs", what, i, cols[k]);
        }
        csv_free_row(row, n);
    }
    ck_assert_uint_eq(csv_read_row(&p, end, row), 0);
    csv_free_row(head, nh);
    free(csv);

    /* and the page shows every agency's name escaped */
    char *html = run_report(a, "html", &len);
    ck_assert_ptr_null(strstr(html, "<script"));
    for (size_t i = 0; i < json_array_size(groups); i++) {
        const char *label = tl_jstr(json_array_get(groups, i), "label");
        if (label && !strcmp(label, "<script>alert(1)</script>"))
            ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
    free(html);
    json_decref(rep);
    json_decref(api);
}

START_TEST(test_report_equals_api)
{
    load_data();
    make_tmpdir();
    report_args a;
    memset(&a, 0, sizeof a);
    a.period = "2024-Q1";
    assert_same_numbers(a, "2024-Q1");
    a.calendar = "report";
    assert_same_numbers(a, "2024-Q1, report calendar");
    a.period = "2024-Q2";
    a.calendar = NULL;
    a.agency = "000.00.*";
    assert_same_numbers(a, "2024-Q2, agency prefix");
    a.agency = NULL;
    a.period = NULL;
    a.from = "2024-02-10";
    a.to = "2024-05-20";
    a.as_of = "2024-04-01T12:00:00+07:00";
    assert_same_numbers(a, "from/to with as_of");
    remove_tmpdir();
}
END_TEST

START_TEST(test_report_errors_and_atomic_output)
{
    load_data();
    make_tmpdir();
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/bieu06.html", tmpdir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("old report", f);
    fclose(f);

    /* bad options: exit 2, the message names the option, the old file stays */
    const struct {
        report_args a;
        const char *flag;
    } bad[] = {
        { { .period = "2024-Q5", .format = "html", .output = path }, "--period" },
        { { .period = "2024-Q1", .from = "2024-01-01", .output = path }, "--period" },
        { { .from = "2024-01-01", .output = path }, "--to" },
        { { .as_of = "yesterday", .output = path }, "--as-of" },
        { { .calendar = "lunar", .output = path }, "--calendar" },
        { { .agency = "", .output = path }, "--agency" },
        { { .agency = "a*b", .output = path }, "--agency" },
        { { .agency = "\x01", .output = path }, "--agency" },
        { { .period = "2024-Q1", .format = "pdf", .output = path }, "--format" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        ck_assert_int_eq(report_cmd_run(&tl_env.cfg, &bad[i].a, ts_now(), stdout, err,
                                        sizeof err), 2);
        ck_assert_msg(!strncmp(err, bad[i].flag, strlen(bad[i].flag)),
                      "case %zu: '%s' does not start with %s", i, err, bad[i].flag);
    }
    size_t len;
    char *old = slurp(path, &len);
    ck_assert_str_eq(old, "old report");
    free(old);

    /* the database down: exit 1, the old file stays */
    config_t down = tl_env.cfg;
    int dn = snprintf(down.db, sizeof down.db, "%.900s dbname=motcua_no_such_database",
                      tl_env.conninfo);
    ck_assert_int_lt(dn, (int)sizeof down.db);
    report_args ok = { .period = "2024-Q1", .format = "html", .output = path };
    ck_assert_int_eq(report_cmd_run(&down, &ok, ts_now(), stdout, err, sizeof err), 1);
    ck_assert_ptr_nonnull(strstr(err, "database"));
    old = slurp(path, &len);
    ck_assert_str_eq(old, "old report");
    free(old);

    /* an output directory that does not exist: exit 1, naming the file */
    report_args nodir = { .period = "2024-Q1", .output = "/nonexistent-dir/r.csv" };
    ck_assert_int_eq(report_cmd_run(&tl_env.cfg, &nodir, ts_now(), stdout, err, sizeof err), 1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/r.csv"));
    /* a directory in the way of the file: exit 1, no temp file left beside it */
    char sub[160];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    report_args isdir = { .period = "2024-Q1", .output = sub };
    ck_assert_int_eq(report_cmd_run(&tl_env.cfg, &isdir, ts_now(), stdout, err, sizeof err), 1);
    ck_assert_ptr_nonnull(strstr(err, sub));
    ck_assert_uint_eq(count_files(), 2);   /* bieu06.html and sub */

    /* success replaces the file whole, readable like any new file */
    ck_assert_int_eq(report_cmd_run(&tl_env.cfg, &ok, ts_now(), stdout, err, sizeof err), 0);
    char *html = slurp(path, &len);
    ck_assert_msg(!strncmp(html, "<!DOCTYPE html>", 15), "not replaced by the report");
    ck_assert_ptr_nonnull(strstr(html, "</html>\n"));
    free(html);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    mode_t um = umask(0);
    umask(um);
    ck_assert_int_eq(st.st_mode & 0777, 0666 & ~um);
    ck_assert_uint_eq(count_files(), 2);   /* no temp file left */

    /* "-" and no --output: the stream */
    char *buf = NULL;
    size_t blen = 0;
    FILE *mem = open_memstream(&buf, &blen);
    ck_assert_ptr_nonnull(mem);
    report_args out = { .period = "2024-Q1", .format = "json", .output = "-" };
    ck_assert_int_eq(report_cmd_run(&tl_env.cfg, &out, ts_now(), mem, err, sizeof err), 0);
    fclose(mem);
    json_t *j = json_loadb(buf, blen, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_gt(json_array_size(json_object_get(j, "rows")), 0);
    json_decref(j);
    free(buf);
    remove_tmpdir();
}
END_TEST

Suite *make_report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, test_format_parse);
    tcase_add_test(tc, test_csv);
    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_html_escapes_everything);
    tcase_add_test(tc, test_html_escapes_the_filter_and_period);
    tcase_add_test(tc, test_empty_result);
    suite_add_tcase(s, tc);
    TCase *db = tcase_create("command");
    tcase_add_checked_fixture(db, tl_setup, tl_teardown);
    tcase_set_timeout(db, 120);
    tcase_add_test(db, test_report_equals_api);
    tcase_add_test(db, test_report_errors_and_atomic_output);
    suite_add_tcase(s, db);
    return s;
}
