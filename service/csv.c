/*
 * csv.c - RFC 4180 record reader over an in-memory buffer.
 *
 * Why: CSV uploads are validated row by row and a bad row must be reported
 * with its physical line and skipped, never abort the batch. The reader
 * unescapes each row into one growing scratch buffer (fields stored back to
 * back, NUL-terminated), counts every '\n' it passes (including those inside
 * quoted fields) so line numbers stay right, and after an error resumes at the
 * next physical line break after the point of error.
 */
#include "csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROW_OK = 1, ROW_BAD = -1, ROW_OOM = -2 };

/* Per-row progress: bytes of scratch used, unescaped bytes counted against
 * CSV_MAX_ROW, and the row being filled. */
typedef struct {
    csv_reader *r;
    csv_row *row;
    size_t used;
    size_t bytes;
} row_state;

void csv_init(csv_reader *r, const char *buf, size_t len)
{
    r->buf = buf;
    r->len = buf ? len : 0;
    r->pos = 0;
    r->line = 1;
    r->scratch = NULL;
    r->scap = 0;
    if (r->len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
}

void csv_free(csv_reader *r)
{
    free(r->scratch);
    r->scratch = NULL;
    r->scap = 0;
}

/* Makes room for `extra` more bytes in the scratch buffer. */
static int reserve(row_state *st, size_t extra)
{
    csv_reader *r = st->r;
    if (r->scap - st->used >= extra)
        return 0;
    size_t cap = r->scap ? r->scap : 4096;
    while (cap - st->used < extra) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(r->scratch, cap);
    if (!p)
        return -1;
    r->scratch = p;
    r->scap = cap;
    return 0;
}

/* Moves r->pos forward to `to`, counting the line breaks passed. */
static void advance_to(csv_reader *r, size_t to)
{
    const char *p = r->buf + r->pos, *end = r->buf + to;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        r->line++;
        p++;
    }
    r->pos = to;
}

/* Skips from the point of error `at` to just after the next line break (or to
 * the end of input), records the message and returns ROW_BAD. */
static int row_error(row_state *st, size_t at, const char *msg)
{
    csv_reader *r = st->r;
    advance_to(r, at);
    const char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
    advance_to(r, nl ? (size_t)(nl - r->buf) + 1 : r->len);
    snprintf(st->row->error, sizeof st->row->error, "%s", msg);
    st->row->nfields = 0;
    return ROW_BAD;
}

/* Appends n field bytes from src. On a row over CSV_MAX_ROW, returns ROW_BAD
 * with the error point at the first byte over the limit (src_off + allowance). */
static int append(row_state *st, size_t src_off, size_t n)
{
    if (n > CSV_MAX_ROW - st->bytes) {
        char msg[64];
        snprintf(msg, sizeof msg, "row longer than %u bytes", (unsigned)CSV_MAX_ROW);
        return row_error(st, src_off + (CSV_MAX_ROW - st->bytes), msg);
    }
    if (reserve(st, n + 1) < 0)
        return ROW_OOM;
    memcpy(st->r->scratch + st->used, st->r->buf + src_off, n);
    st->used += n;
    st->bytes += n;
    return 0;
}

/* True when the bytes at pos end a line: LF, CRLF, or CR / nothing at EOF. */
static int at_line_end(const csv_reader *r, size_t pos)
{
    if (pos >= r->len)
        return 1;
    if (r->buf[pos] == '\n')
        return 1;
    return r->buf[pos] == '\r' && (pos + 1 == r->len || r->buf[pos + 1] == '\n');
}

/* Reads an unquoted field from r->pos up to ',' or the line end. */
static int read_plain(row_state *st)
{
    csv_reader *r = st->r;
    const char *buf = r->buf;
    size_t p = r->pos, len = r->len;
    while (p < len) {
        char c = buf[p];
        if (c == ',' || c == '\n' || c == '"')
            break;
        p++;
    }
    if (p < len && buf[p] == '"')
        return row_error(st, p, "bare quote in an unquoted field");
    size_t end = p;
    if (end > r->pos && buf[end - 1] == '\r' && (end == len || buf[end] == '\n'))
        end--;   /* the CR of a CRLF line end (or a final CR) is not data */
    int rc = append(st, r->pos, end - r->pos);
    if (rc != 0)
        return rc;
    r->pos = end;
    return 0;
}

/* Reads a quoted field whose opening quote is at r->pos, unescaping "" and
 * keeping embedded commas and line breaks. Leaves r->pos after the closing
 * quote, which must be followed by ',' or a line end. */
static int read_quoted(row_state *st)
{
    csv_reader *r = st->r;
    r->pos++;
    for (;;) {
        const char *q = memchr(r->buf + r->pos, '"', r->len - r->pos);
        if (!q) {
            advance_to(r, r->len);
            snprintf(st->row->error, sizeof st->row->error,
                     "unterminated quoted field");
            st->row->nfields = 0;
            return ROW_BAD;
        }
        size_t at = (size_t)(q - r->buf);
        int escaped = at + 1 < r->len && r->buf[at + 1] == '"';
        int rc = append(st, r->pos, at - r->pos + (size_t)escaped);
        if (rc != 0)
            return rc;
        advance_to(r, at + 1 + (size_t)escaped);
        if (escaped)
            continue;
        if (r->pos < r->len && r->buf[r->pos] != ',' && !at_line_end(r, r->pos))
            return row_error(st, r->pos, "unexpected character after a closing quote");
        return 0;
    }
}

/* Closes the current field (NUL terminator, length) in the row. */
static int end_field(row_state *st, size_t start)
{
    if (reserve(st, 1) < 0)
        return ROW_OOM;
    st->row->flen[st->row->nfields++] = st->used - start;
    st->r->scratch[st->used++] = '\0';
    return 0;
}

/* Consumes the line end at r->pos (LF, CRLF, a final CR, or nothing at EOF). */
static void eat_line_end(csv_reader *r)
{
    if (r->pos < r->len && r->buf[r->pos] == '\r')
        r->pos++;
    if (r->pos < r->len && r->buf[r->pos] == '\n') {
        r->pos++;
        r->line++;
    }
}

/* Skips empty lines (LF or CRLF alone) before a row. */
static void skip_blank_lines(csv_reader *r)
{
    while (r->pos < r->len) {
        if (r->buf[r->pos] == '\n') {
            r->pos++;
        } else if (r->buf[r->pos] == '\r' && r->pos + 1 < r->len &&
                   r->buf[r->pos + 1] == '\n') {
            r->pos += 2;
        } else {
            return;
        }
        r->line++;
    }
}

/* Points row->field[] into the scratch buffer once the row is complete (the
 * buffer may have moved while the row grew). */
static void link_fields(row_state *st)
{
    size_t off = 0;
    for (size_t i = 0; i < st->row->nfields; i++) {
        st->row->field[i] = st->r->scratch + off;
        off += st->row->flen[i] + 1;
    }
}

int csv_next(csv_reader *r, csv_row *row)
{
    row->nfields = 0;
    row->error[0] = '\0';
    skip_blank_lines(r);
    row->line = r->line;
    if (r->pos >= r->len)
        return 0;
    row_state st = { r, row, 0, 0 };
    for (;;) {
        if (row->nfields == CSV_MAX_FIELDS) {
            char msg[64];
            snprintf(msg, sizeof msg, "more than %d fields in a row", CSV_MAX_FIELDS);
            return row_error(&st, r->pos, msg);
        }
        size_t start = st.used;
        int rc = (r->pos < r->len && r->buf[r->pos] == '"') ? read_quoted(&st)
                                                             : read_plain(&st);
        if (rc == 0)
            rc = end_field(&st, start);
        if (rc != 0) {
            if (rc == ROW_OOM) {
                r->pos = r->len;
                row->nfields = 0;
                snprintf(row->error, sizeof row->error, "out of memory");
            }
            return rc;
        }
        if (r->pos < r->len && r->buf[r->pos] == ',') {
            r->pos++;
            continue;
        }
        eat_line_end(r);
        link_fields(&st);
        return ROW_OK;
    }
}
