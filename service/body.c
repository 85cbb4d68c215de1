/*
 * body.c - input formats (see body.h). Why not jansson for the whole body:
 * it needs ~13x the document in heap; here a 64 MiB body costs the buffer
 * plus one record at a time.
 */
#include "body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "jsonscan.h"

/* ---- content types ---------------------------------------------------------- */

static int media_is(const char *ct, size_t n, const char *type)
{
    return strlen(type) == n && strncasecmp(ct, type, n) == 0;
}

/* Finds parameter `name` in "; a=b; charset=utf-8" (case-insensitive name,
 * value optionally quoted). 1 found (*val, *vlen set), 0 absent, -1 malformed. */
static int find_param(const char *p, const char *name, const char **val, size_t *vlen)
{
    int found = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return found;
        if (*p++ != ';')
            return -1;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return found; /* a trailing ';' */
        const char *key = p;
        size_t klen = strcspn(p, "=; \t");
        if (klen == 0 || p[klen] != '=')
            return -1;
        const char *v = p + klen + 1;
        size_t len;
        if (*v == '"') {
            const char *close = strchr(v + 1, '"');
            if (!close)
                return -1;
            v++;
            len = (size_t)(close - v);
            p = close + 1;
        } else {
            len = strcspn(v, "; \t");
            p = v + len;
        }
        if (klen == strlen(name) && strncasecmp(key, name, klen) == 0) {
            *val = v;
            *vlen = len;
            found = 1;
        }
    }
}

int body_format_from_content_type(const char *ct, body_format *out)
{
    if (!ct)
        return -1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, "; \t");
    body_format f;
    if (media_is(ct, n, "application/json")) f = BODY_JSON;
    else if (media_is(ct, n, "application/x-ndjson") || media_is(ct, n, "application/ndjson") ||
             media_is(ct, n, "application/jsonl") || media_is(ct, n, "application/x-jsonlines"))
        f = BODY_NDJSON;
    else if (media_is(ct, n, "text/csv")) f = BODY_CSV;
    else return -1;
    /* Only UTF-8 is accepted: a charset parameter naming anything else is refused. */
    const char *cs;
    size_t cslen;
    int r = find_param(ct + n, "charset", &cs, &cslen);
    if (r < 0)
        return -1;
    if (r == 1 && !((cslen == 5 && strncasecmp(cs, "utf-8", 5) == 0) ||
                    (cslen == 4 && strncasecmp(cs, "utf8", 4) == 0)))
        return -1;
    *out = f;
    return 0;
}

int body_format_from_filename(const char *name, body_format *out)
{
    const char *dot = strrchr(name, '.');
    if (!dot) return -1;
    if (!strcasecmp(dot, ".json")) *out = BODY_JSON;
    else if (!strcasecmp(dot, ".ndjson") || !strcasecmp(dot, ".jsonl")) *out = BODY_NDJSON;
    else if (!strcasecmp(dot, ".csv")) *out = BODY_CSV;
    else return -1;
    return 0;
}

/* ---- JSON --------------------------------------------------------------------- */

typedef enum { MAP_CANONICAL, MAP_DVCQG } mapping;

/* Parses one element span and hands the record on. A span the scanner
 * accepted can still fail in jansson (an integer beyond 64 bits): that is an
 * error of this record, not of the body. */
static int emit_json_span(const char *buf, js_span sp, mapping map, long index,
                          record_sink *sink)
{
    rec_builder rb;
    rec_init(&rb);
    json_error_t jerr;
    json_t *v = json_loadb(buf + sp.off, sp.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!v) {
        rec_fail(&rb, -1, "unreadable value: %s", jerr.text);
    } else {
        if (map == MAP_DVCQG) rec_from_dvcqg(&rb, sink->arena, v);
        else rec_from_json_object(&rb, sink->arena, v);
        json_decref(v);
        rec_finish(&rb);
    }
    if (rb.oom)
        return BODY_NOMEM;
    return sink->emit(sink->ctx, &rb, index, 0) ? BODY_ABORTED : BODY_OK;
}

static int parse_json_array(const char *buf, size_t len, size_t off, mapping map,
                            record_sink *sink)
{
    js_iter it;
    js_span el;
    long index = 0;
    if (js_array_begin(&it, buf, len, off) != 0)
        return BODY_INVALID;
    int r;
    while ((r = js_array_next(&it, &el)) == 1) {
        int rc = emit_json_span(buf, el, map, index++, sink);
        if (rc != BODY_OK)
            return rc;
    }
    return r == 0 ? BODY_OK : BODY_INVALID;
}

/* True when the value span is the JSON string "DongBoHoSoMC". */
static int is_envelope_service(const char *buf, js_span v)
{
    static const char want[] = "\"DongBoHoSoMC\"";
    return v.len == sizeof want - 1 && memcmp(buf + v.off, want, v.len) == 0;
}

static int parse_json_object(const char *buf, size_t len, size_t off, record_sink *sink,
                             char *msg, size_t cap)
{
    js_iter it;
    js_span k, v, data = { 0, 0 };
    int envelope = 0, have_data = 0, r;
    if (js_object_begin(&it, buf, len, off) != 0)
        return BODY_INVALID;
    while ((r = js_object_next(&it, &k, &v)) == 1) {
        if (js_key_is(buf, k, "service") && is_envelope_service(buf, v))
            envelope = 1;
        else if (js_key_is(buf, k, "data")) {
            data = v;
            have_data = 1;
        }
    }
    if (r != 0)
        return BODY_INVALID;
    if (!envelope) {
        js_span whole = { off, len - off };
        return emit_json_span(buf, whole, MAP_CANONICAL, 0, sink);
    }
    if (!have_data || buf[data.off] != '[') {
        snprintf(msg, cap, "a DongBoHoSoMC envelope needs \"data\": an array of dossiers");
        return BODY_INVALID;
    }
    return parse_json_array(buf, len, data.off, MAP_DVCQG, sink);
}

static int parse_json(const char *buf, size_t len, record_sink *sink, char *msg, size_t cap)
{
    js_error err;
    if (js_validate(buf, len, &err) != 0) {
        snprintf(msg, cap, "JSON syntax error at byte %zu: %s", err.offset, err.message);
        return BODY_INVALID;
    }
    size_t off = js_skip_ws(buf, len, 0);
    if (buf[off] == '[')
        return parse_json_array(buf, len, off, MAP_CANONICAL, sink);
    if (buf[off] == '{')
        return parse_json_object(buf, len, off, sink, msg, cap);
    snprintf(msg, cap, "the body must be a JSON array of dossiers or one dossier object");
    return BODY_INVALID;
}

/* ---- NDJSON ------------------------------------------------------------------- */

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

static int parse_ndjson_line(const char *s, size_t n, long index, long line, record_sink *sink)
{
    rec_builder rb;
    rec_init(&rb);
    if (!utf8_valid(s, n)) {
        rec_fail(&rb, -1, "invalid UTF-8 on this line");
    } else {
        json_error_t jerr;
        json_t *v = json_loadb(s, n, JSON_DECODE_ANY, &jerr);
        if (!v) {
            rec_fail(&rb, -1, "malformed JSON at column %d: %s", jerr.column, jerr.text);
        } else {
            rec_from_json_object(&rb, sink->arena, v);
            json_decref(v);
            rec_finish(&rb);
        }
    }
    if (rb.oom)
        return BODY_NOMEM;
    return sink->emit(sink->ctx, &rb, index, line) ? BODY_ABORTED : BODY_OK;
}

static int parse_ndjson(const char *buf, size_t len, record_sink *sink)
{
    size_t pos = 0;
    long line = 0, index = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        line++;
        size_t n = end - pos;
        if (!blank(buf + pos, n)) {
            int rc = parse_ndjson_line(buf + pos, n, index++, line, sink);
            if (rc != BODY_OK)
                return rc;
        }
        pos = end + 1;
    }
    return BODY_OK;
}

/* ---- CSV ------------------------------------------------------------------------ */

/* Maps header cells to fields. The five fields every record needs must be
 * columns: without them every row would fail the same way. */
static int csv_header(const csv_row *h, int *col_field, char *msg, size_t cap)
{
    int seen[F__COUNT] = { 0 };
    for (size_t i = 0; i < h->nfields; i++) {
        int f = field_lookup(h->field[i], h->flen[i]);
        col_field[i] = f;
        if (f < 0)
            continue;
        if (seen[f]++) {
            snprintf(msg, cap, "CSV header names column '%s' twice", field_name(f));
            return -1;
        }
    }
    static const int required[] = { F_CODE, F_AGENCY_CODE, F_PROCEDURE_CODE, F_CHANNEL, F_STATUS };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (!seen[required[i]]) {
            snprintf(msg, cap, "CSV header lacks the required column '%s'", field_name(required[i]));
            return -1;
        }
    }
    return 0;
}

static int csv_record(const csv_row *row, int rc, const int *col_field, size_t ncols,
                      long index, record_sink *sink)
{
    rec_builder rb;
    rec_init(&rb);
    if (rc < 0) {
        rec_fail(&rb, -1, "malformed CSV row: %s", row->error);
    } else if (row->nfields != ncols) {
        rec_fail(&rb, -1, "the row has %zu cells, the header %zu", row->nfields, ncols);
    } else {
        int ok = 1;
        for (size_t i = 0; i < ncols && ok; i++)
            if (!utf8_valid(row->field[i], row->flen[i]))
                ok = 0;
        if (!ok) {
            rec_fail(&rb, -1, "invalid UTF-8 in this row");
        } else {
            for (size_t i = 0; i < ncols; i++)
                if (col_field[i] >= 0)
                    rec_set_text(&rb, sink->arena, col_field[i], row->field[i], row->flen[i]);
            rec_finish(&rb);
        }
    }
    if (rb.oom)
        return BODY_NOMEM;
    return sink->emit(sink->ctx, &rb, index, row->line) ? BODY_ABORTED : BODY_OK;
}

static int parse_csv(const char *buf, size_t len, record_sink *sink, char *msg, size_t cap)
{
    csv_reader r;
    csv_row *row = malloc(sizeof *row);
    int col_field[CSV_MAX_FIELDS];
    size_t ncols;
    int rc, result = BODY_OK;
    long index = 0;
    if (!row)
        return BODY_NOMEM;
    csv_init(&r, buf, len);
    rc = csv_next(&r, row);
    if (rc == -2) { result = BODY_NOMEM; goto done; }
    if (rc != 1) {
        snprintf(msg, cap, rc == 0 ? "the CSV body has no header row"
                                   : "the CSV header row is malformed");
        result = BODY_INVALID;
        goto done;
    }
    ncols = row->nfields;
    if (csv_header(row, col_field, msg, cap) != 0) {
        result = BODY_INVALID;
        goto done;
    }
    while ((rc = csv_next(&r, row)) != 0) {
        if (rc == -2) { result = BODY_NOMEM; goto done; }
        result = csv_record(row, rc, col_field, ncols, index++, sink);
        if (result != BODY_OK)
            goto done;
    }
done:
    csv_free(&r);
    free(row);
    return result;
}

int body_parse(body_format f, const char *buf, size_t len, record_sink *sink,
               char *msg, size_t msg_cap)
{
    msg[0] = '\0';
    int rc;
    switch (f) {
    case BODY_JSON: rc = parse_json(buf, len, sink, msg, msg_cap); break;
    case BODY_NDJSON: rc = parse_ndjson(buf, len, sink); break;
    default: rc = parse_csv(buf, len, sink, msg, msg_cap); break;
    }
    if (rc == BODY_INVALID && msg[0] == '\0')
        snprintf(msg, msg_cap, "malformed body");
    return rc;
}
