/*
 * report.c - see report.h. The three renderers walk the same lines
 * (metrics_lines: the agencies in key order; metrics_whole_line: the total)
 * and show the same columns, in the order of the official form:
 *
 *   to_resolve = carried_over + received   (Số hồ sơ nhận giải quyết, tổng số)
 *   received_online, received_direct, received_postal (trong kỳ), carried_over
 *   finished = early + on_time + late      (Số hồ sơ đã giải quyết)
 *   pending = in_time + overdue            (Số hồ sơ đang giải quyết)
 *   on_time_rate                           (early + on_time) / finished
 */
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

int report_format_parse(const char *s, report_format *out)
{
    if (!s)
        return -1;
    if (!strcmp(s, "csv"))
        *out = REPORT_CSV;
    else if (!strcmp(s, "json"))
        *out = REPORT_JSON;
    else if (!strcmp(s, "html"))
        *out = REPORT_HTML;
    else
        return -1;
    return 0;
}

/* The Biểu 06 columns: code (CSV header, JSON under "counts"), and where
 * the value comes from. */
typedef enum { C_TO_RESOLVE, C_ONLINE, C_DIRECT, C_POSTAL, C_RECEIVED, C_CARRIED, C_FINISHED,
               C_EARLY, C_ON_TIME, C_LATE, C_PENDING, C_IN_TIME, C_OVERDUE, C__COUNT } column;

static const char *const COLUMN_CODE[C__COUNT] = {
    "to_resolve", "received_online", "received_direct", "received_postal", "received",
    "carried_over", "finished", "early", "on_time", "late", "pending", "in_time", "overdue",
};

static int64_t column_value(const counts_t *c, column k)
{
    switch (k) {
    case C_TO_RESOLVE: return c->carried_over + c->received;
    case C_ONLINE: return c->received_online;
    case C_DIRECT: return c->received_direct;
    case C_POSTAL: return c->received_postal;
    case C_RECEIVED: return c->received;
    case C_CARRIED: return c->carried_over;
    case C_FINISHED: return c->finished;
    case C_EARLY: return c->early;
    case C_ON_TIME: return c->on_time;
    case C_LATE: return c->late;
    case C_PENDING: return c->pending;
    case C_IN_TIME: return c->in_time;
    case C_OVERDUE: return c->overdue;
    case C__COUNT: break;
    }
    return 0;
}

typedef struct {
    metrics_line_t *lines;   /* the agencies (malloc'd by metrics_lines) */
    size_t n;
    metrics_line_t total;
} report_lines;

static int load_lines(const report_input *in, report_lines *out)
{
    memset(out, 0, sizeof *out);
    metrics_whole_line(in->m, &out->total);
    return metrics_lines(in->m, in->labels, in->label_ctx, &out->lines, &out->n);
}

static void on_time_rate(const report_input *in, const metrics_line_t *l, rate_eval_t *ev)
{
    metrics_line_rate(l, R_ON_TIME, in->targets, in->tol_micro, ev);
}

/* ---- CSV ------------------------------------------------------------------- */

static void csv_row(strbuf *b, const report_input *in, const char *from, const char *to,
                    const char *as_of, const metrics_line_t *l, bool total)
{
    sb_puts(b, from);
    sb_putc(b, ',');
    sb_puts(b, to);
    sb_putc(b, ',');
    sb_puts(b, as_of);
    sb_putc(b, ',');
    if (!total)
        metrics_csv_text(b, l->key);
    sb_putc(b, ',');
    metrics_csv_text(b, total ? "Tổng cộng" : l->label);
    for (int k = 0; k < C__COUNT; k++) {
        sb_putc(b, ',');
        sb_i64(b, column_value(l->counts, (column)k));
    }
    rate_eval_t ev;
    on_time_rate(in, l, &ev);
    metrics_csv_rate(b, &ev);
    sb_puts(b, "\r\n");
}

static void render_csv(strbuf *b, const report_input *in, const report_lines *rl)
{
    char from[DAY_FMT_MAX], to[DAY_FMT_MAX], as_of[TS_FMT_MAX];
    day_format(in->q->period.from, from, sizeof from);
    day_format(in->q->period.to, to, sizeof to);
    ts_format(in->q->as_of, as_of, sizeof as_of);
    sb_put(b, "\xEF\xBB\xBF", 3);
    sb_puts(b, "period_from,period_to,as_of,agency_code,agency_name");
    for (int k = 0; k < C__COUNT; k++) {
        sb_putc(b, ',');
        sb_puts(b, COLUMN_CODE[k]);
    }
    metrics_csv_rate_header(b, R_ON_TIME);
    sb_puts(b, "\r\n");
    for (size_t i = 0; i < rl->n; i++)
        csv_row(b, in, from, to, as_of, &rl->lines[i], false);
    csv_row(b, in, from, to, as_of, &rl->total, true);
}

/* ---- JSON ------------------------------------------------------------------ */

static json_t *json_line(const report_input *in, const metrics_line_t *l, bool total)
{
    rate_eval_t ev;
    on_time_rate(in, l, &ev);
    json_t *o = json_object();
    if (!o)
        return NULL;
    if ((!total && (json_object_set_new(o, "agency", l->key ? json_string(l->key) : json_null()) ||
                    json_object_set_new(o, "name", l->label ? json_string(l->label)
                                                             : json_null()))) ||
        json_object_set_new(o, "to_resolve", json_integer(column_value(l->counts, C_TO_RESOLVE))) ||
        json_object_set_new(o, "counts", metrics_counts_json(l->counts)) ||
        json_object_set_new(o, "on_time_rate", metrics_rate_json(&ev))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int render_json(strbuf *b, const report_input *in, const report_lines *rl)
{
    json_t *rows = json_array();
    json_t *o = json_object();
    int rc = -1;
    if (!rows || !o)
        goto done;
    for (size_t i = 0; i < rl->n; i++)
        if (json_array_append_new(rows, json_line(in, &rl->lines[i], false)) != 0)
            goto done;
    if (json_object_set_new(o, "report", json_string("bieu06")) ||
        json_object_set_new(o, "period", metrics_period_json(in->q)) ||
        json_object_set_new(o, "period_name",
                            in->period_name ? json_string(in->period_name) : json_null()) ||
        json_object_set_new(o, "calendar",
                            json_string(in->q->calendar == PCAL_REPORT ? "report" : "civil")) ||
        json_object_set_new(o, "filters", metrics_filters_json(in->q)) ||
        json_object_set_new(o, "rows", json_incref(rows)) ||
        json_object_set_new(o, "total", json_line(in, &rl->total, true)))
        goto done;
    char *s = json_dumps(o, JSON_INDENT(2));
    if (!s)
        goto done;
    sb_puts(b, s);
    sb_putc(b, '\n');
    free(s);
    rc = 0;
done:
    json_decref(rows);
    json_decref(o);
    return rc;
}

/* ---- HTML ------------------------------------------------------------------ */

/* Text as HTML character data or a quoted attribute value. */
static void html_text(strbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': sb_puts(b, "&amp;"); break;
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        case '"': sb_puts(b, "&quot;"); break;
        case '\'': sb_puts(b, "&#39;"); break;
        default: sb_putc(b, *s);
        }
    }
}

/* 1234567 -> "1.234.567" (Vietnamese digit grouping). */
static void html_int(strbuf *b, int64_t v)
{
    char digits[24], out[32];
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(digits, sizeof digits, "%" PRIu64, mag);
    size_t o = 0;
    if (v < 0)
        out[o++] = '-';
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = '.';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    sb_puts(b, out);
}

/* 0.99375 -> "99,38%" (decimal comma); no value -> "–". */
static void html_percent(strbuf *b, const rate_eval_t *ev)
{
    if (!ev->has_value) {
        sb_puts(b, "–");
        return;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%.2f%%", ev->value * 100.0);
    for (char *p = buf; *p; p++)
        if (*p == '.')
            *p = ',';
    sb_puts(b, buf);
}

static void html_date(strbuf *b, day_t d)
{
    int y, m, dd;
    char buf[24];
    day_to_ymd(d, &y, &m, &dd);
    snprintf(buf, sizeof buf, "%02d/%02d/%04d", dd, m, y);
    sb_puts(b, buf);
}

/* An instant as "HH:MM:SS ngày DD/MM/YYYY" in Vietnam time. */
static void html_instant(strbuf *b, ts_t t)
{
    day_t d = ts_day(t);
    int64_t sec = (t - ts_day_start(d)) / TS_US_PER_SEC;
    char buf[32];
    snprintf(buf, sizeof buf, "%02d:%02d:%02d ngày ", (int)(sec / 3600), (int)(sec / 60 % 60),
             (int)(sec % 60));
    sb_puts(b, buf);
    html_date(b, d);
}

static const char HTML_STYLE[] =
    "body{font-family:\"Times New Roman\",serif;margin:2em;color:#000}"
    "h1{font-size:1.3em;text-align:center;text-transform:uppercase;margin:0 0 .3em}"
    "p.sub{text-align:center;margin:.2em 0}"
    "table{border-collapse:collapse;width:100%;margin-top:1em;font-size:.95em}"
    "th,td{border:1px solid #000;padding:.25em .4em}"
    "th{background:#f0f0f0;font-weight:bold;text-align:center}"
    "td.n{text-align:right;white-space:nowrap}"
    "tr.colno th{font-weight:normal;font-style:italic;font-size:.85em}"
    "tfoot th,tfoot td{font-weight:bold;background:#f7f7f7}"
    "td.met{color:#0a6b2d}td.near{color:#8a5a00}td.missed{color:#b00020;font-weight:bold}"
    "small{color:#444}"
    "p.note{font-size:.85em;margin-top:1em}"
    "@page{size:A4 landscape;margin:1cm}"
    "@media print{body{margin:0}}";

static void html_cells(strbuf *b, const report_input *in, const metrics_line_t *l)
{
    static const column ORDER[] = { C_TO_RESOLVE, C_ONLINE, C_DIRECT, C_POSTAL, C_CARRIED,
                                    C_FINISHED, C_EARLY, C_ON_TIME, C_LATE,
                                    C_PENDING, C_IN_TIME, C_OVERDUE };
    for (size_t k = 0; k < sizeof ORDER / sizeof ORDER[0]; k++) {
        sb_puts(b, "<td class=\"n\">");
        html_int(b, column_value(l->counts, ORDER[k]));
        sb_puts(b, "</td>");
    }
    rate_eval_t ev;
    on_time_rate(in, l, &ev);
    sb_puts(b, "<td class=\"n ");
    sb_puts(b, rate_status_str(ev.status));
    sb_puts(b, "\">");
    html_percent(b, &ev);
    sb_puts(b, "</td>");
}

static void render_html(strbuf *b, const report_input *in, const report_lines *rl)
{
    const metrics_query_t *q = in->q;
    sb_puts(b, "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>Tình hình, kết quả giải quyết thủ tục hành chính");
    if (in->period_name) {
        sb_puts(b, " – ");
        html_text(b, in->period_name);
    }
    sb_puts(b, "</title>\n<style>");
    sb_puts(b, HTML_STYLE);
    sb_puts(b, "</style>\n</head>\n<body>\n"
               "<h1>Tình hình, kết quả giải quyết thủ tục hành chính</h1>\n<p class=\"sub\">Kỳ báo cáo: ");
    if (in->period_name) {
        html_text(b, in->period_name);
        sb_puts(b, " (");
    }
    sb_puts(b, "từ ngày ");
    html_date(b, q->period.from);
    sb_puts(b, " đến ngày ");
    html_date(b, q->period.to);
    if (in->period_name)
        sb_puts(b, ")");
    if (q->calendar == PCAL_REPORT)
        sb_puts(b, ", theo kỳ báo cáo của Nghị định 09/2019/NĐ-CP");
    sb_puts(b, "</p>\n<p class=\"sub\">Số liệu tính đến ");
    html_instant(b, q->as_of);
    sb_puts(b, "</p>\n");
    if (q->agency[0]) {
        sb_puts(b, "<p class=\"sub\">Cơ quan, đơn vị: ");
        html_text(b, q->agency);
        sb_puts(b, "</p>\n");
    }
    sb_puts(b,
        "<table>\n<thead>\n"
        "<tr><th rowspan=\"3\">STT</th><th rowspan=\"3\">Cơ quan, đơn vị</th>"
        "<th colspan=\"5\">Số hồ sơ nhận giải quyết</th>"
        "<th colspan=\"4\">Số hồ sơ đã giải quyết</th>"
        "<th colspan=\"3\">Số hồ sơ đang giải quyết</th>"
        "<th rowspan=\"3\">Tỷ lệ giải quyết đúng hạn</th></tr>\n"
        "<tr><th rowspan=\"2\">Tổng số</th><th colspan=\"3\">Trong kỳ</th>"
        "<th rowspan=\"2\">Từ kỳ trước</th>"
        "<th rowspan=\"2\">Tổng số</th><th rowspan=\"2\">Trước hạn</th>"
        "<th rowspan=\"2\">Đúng hạn</th><th rowspan=\"2\">Quá hạn</th>"
        "<th rowspan=\"2\">Tổng số</th><th rowspan=\"2\">Trong hạn</th>"
        "<th rowspan=\"2\">Quá hạn</th></tr>\n"
        "<tr><th>Trực tuyến</th><th>Trực tiếp</th><th>Bưu chính</th></tr>\n"
        "<tr class=\"colno\"><th>(1)</th><th>(2)</th><th>(3)=(4)+(5)+(6)+(7)</th><th>(4)</th>"
        "<th>(5)</th><th>(6)</th><th>(7)</th><th>(8)=(9)+(10)+(11)</th><th>(9)</th>"
        "<th>(10)</th><th>(11)</th><th>(12)=(13)+(14)</th><th>(13)</th><th>(14)</th>"
        "<th>(15)=((9)+(10))/(8)</th></tr>\n"
        "</thead>\n<tbody>\n");
    if (rl->n == 0)
        sb_puts(b, "<tr><td colspan=\"15\">Không có hồ sơ trong kỳ báo cáo.</td></tr>\n");
    for (size_t i = 0; i < rl->n; i++) {
        const metrics_line_t *l = &rl->lines[i];
        char stt[24];
        snprintf(stt, sizeof stt, "%zu", i + 1);
        sb_puts(b, "<tr><td class=\"n\">");
        sb_puts(b, stt);
        sb_puts(b, "</td><td>");
        if (l->label && l->label[0]) {
            html_text(b, l->label);
            sb_puts(b, "<br><small>");
            html_text(b, l->key);
            sb_puts(b, "</small>");
        } else {
            html_text(b, l->key ? l->key : "(không rõ)");
        }
        sb_puts(b, "</td>");
        html_cells(b, in, l);
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</tbody>\n<tfoot>\n<tr><th></th><th>Tổng cộng</th>");
    html_cells(b, in, &rl->total);
    sb_puts(b, "</tr>\n</tfoot>\n</table>\n");
    rate_eval_t ev;
    on_time_rate(in, &rl->total, &ev);
    sb_puts(b, "<p class=\"note\">(3) = (8) + (12). Hồ sơ đã giải quyết gồm cả hồ sơ rút và "
               "dừng xử lý. Tỷ lệ đúng hạn: hồ sơ giải quyết trước hạn và đúng hạn trên tổng số hồ "
               "sơ đã giải quyết");
    if (ev.target.op != OP_NONE) {
        char t[32];
        dec_format(ev.target.micro * 100, t, sizeof t);
        for (char *p = t; *p; p++)
            if (*p == '.')
                *p = ',';
        sb_puts(b, "; chỉ tiêu của dòng tổng cộng ");
        sb_puts(b, ev.target.op == OP_GE ? "≥ " : "≤ ");
        sb_puts(b, t);
        sb_puts(b, "%, của mỗi cơ quan theo chỉ tiêu áp dụng cho cơ quan đó. Màu xanh: đạt "
                   "chỉ tiêu; màu nâu: gần đạt (trong dung sai); màu đỏ: không đạt");
    }
    sb_puts(b, ".</p>\n</body>\n</html>\n");
}

char *report_render(report_format f, const report_input *in, size_t *len)
{
    report_lines rl;
    strbuf b = { NULL, 0, 0, false };
    if (load_lines(in, &rl) != 0)
        return NULL;
    int rc = 0;
    if (f == REPORT_CSV)
        render_csv(&b, in, &rl);
    else if (f == REPORT_JSON)
        rc = render_json(&b, in, &rl);
    else
        render_html(&b, in, &rl);
    free(rl.lines);
    if (rc != 0 || b.oom || !b.p) {
        free(b.p);
        return NULL;
    }
    if (len)
        *len = b.len;
    return b.p;
}
