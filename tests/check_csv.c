/*
 * check_csv.c - tests for the RFC 4180 record reader.
 *
 * Why: CSV ingest reports errors by physical line and must keep going after
 * a bad row, so line numbering, quoting rules and resynchronisation are the
 * contract; a random round trip (encode rows, read them back) guards the
 * whole grammar at once.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Only calls into Check on failure (ck_assert checkpoints are slow in loops). */
#define REQUIRE(cond)                                                         \
    do {                                                                      \
        if (!(cond))                                                          \
            ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #cond);     \
    } while (0)

/* Reads the next row and checks it is good, on `line`, with the given fields
 * (a NULL-terminated list). */
static void expect_row(csv_reader *r, long line, const char *const *fields)
{
    csv_row row;
    int rc = csv_next(r, &row);
    ck_assert_msg(rc == 1, "expected a row on line %ld, got %d (%s)", line, rc, row.error);
    ck_assert_int_eq(row.line, line);
    size_t n = 0;
    while (fields[n])
        n++;
    ck_assert_uint_eq(row.nfields, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(row.flen[i], strlen(fields[i]));
        ck_assert_str_eq(row.field[i], fields[i]);
    }
}

#define ROW(r, line, ...) expect_row((r), (line), (const char *const[]){ __VA_ARGS__, NULL })

/* Reads the next row and checks it is an error on `line` mentioning `what`. */
static void expect_bad(csv_reader *r, long line, const char *what)
{
    csv_row row;
    int rc = csv_next(r, &row);
    ck_assert_msg(rc == -1, "expected an error on line %ld, got %d", line, rc);
    ck_assert_int_eq(row.line, line);
    ck_assert_msg(strstr(row.error, what) != NULL, "error '%s' lacks '%s'", row.error, what);
    ck_assert_uint_eq(row.nfields, 0);
}

static void expect_end(csv_reader *r)
{
    csv_row row;
    ck_assert_int_eq(csv_next(r, &row), 0);
    ck_assert_int_eq(csv_next(r, &row), 0);   /* and stays there */
}

/* Starts a reader over a C string. */
static void open_str(csv_reader *r, const char *s)
{
    csv_init(r, s, strlen(s));
}

/* -------------------------------------------------------------- basics */

START_TEST(test_simple_rows)
{
    csv_reader r;
    open_str(&r, "code,name,fee\nA-1,One,10\nB-2,Two,20\n");
    ROW(&r, 1, "code", "name", "fee");
    ROW(&r, 2, "A-1", "One", "10");
    ROW(&r, 3, "B-2", "Two", "20");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

START_TEST(test_quoted_fields)
{
    csv_reader r;
    open_str(&r, "\"a,b\",\"c\"\"d\",\"\",\"\"\"\",\"x\"\n"
                 "\"\"\"quoted\"\"\",plain, spaced \n");
    ROW(&r, 1, "a,b", "c\"d", "", "\"", "x");
    ROW(&r, 2, "\"quoted\"", "plain", " spaced ");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

START_TEST(test_embedded_newlines)
{
    csv_reader r;
    open_str(&r, "h1,h2\n"
                 "\"line1\nline2\",x\n"
                 "next,row\n"
                 "\"a\n\nb\n\",\"c\r\nd\"\n"
                 "last,\"\n\"\n"
                 "end,1\n");
    ROW(&r, 1, "h1", "h2");
    ROW(&r, 2, "line1\nline2", "x");
    ROW(&r, 4, "next", "row");
    ROW(&r, 5, "a\n\nb\n", "c\r\nd");   /* line breaks inside quotes are data */
    ROW(&r, 10, "last", "\n");
    ROW(&r, 12, "end", "1");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

START_TEST(test_crlf)
{
    csv_reader r;
    open_str(&r, "a,b\r\nc,\"d\"\r\n\"e\r\n\",f\r\n,\r\n");
    ROW(&r, 1, "a", "b");
    ROW(&r, 2, "c", "d");
    ROW(&r, 3, "e\r\n", "f");
    ROW(&r, 5, "", "");
    expect_end(&r);
    csv_free(&r);
    /* a CR that does not end a line is data; a final CR is a line end */
    open_str(&r, "a\rb,c\r\rd\nx\r");
    ROW(&r, 1, "a\rb", "c\r\rd");
    ROW(&r, 2, "x");
    expect_end(&r);
    csv_free(&r);
    open_str(&r, "\"q\"\r");
    ROW(&r, 1, "q");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

START_TEST(test_bom)
{
    csv_reader r;
    open_str(&r, "\xEF\xBB\xBF" "code,name\nx,y\n");
    ROW(&r, 1, "code", "name");
    ROW(&r, 2, "x", "y");
    expect_end(&r);
    csv_free(&r);
    /* only at the very start; elsewhere it is data */
    open_str(&r, "a\n\xEF\xBB\xBF" "b\n");
    ROW(&r, 1, "a");
    ROW(&r, 2, "\xEF\xBB\xBF" "b");
    expect_end(&r);
    csv_free(&r);
    /* a BOM alone, or a partial BOM */
    open_str(&r, "\xEF\xBB\xBF");
    expect_end(&r);
    csv_free(&r);
    open_str(&r, "\xEF\xBB" "x");
    ROW(&r, 1, "\xEF\xBB" "x");
    expect_end(&r);
    csv_free(&r);
    /* BOM then a quoted header */
    open_str(&r, "\xEF\xBB\xBF\"code\"\n");
    ROW(&r, 1, "code");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

START_TEST(test_blank_lines)
{
    csv_reader r;
    open_str(&r, "\n\na,b\n\r\n\nc\n\n\n");
    ROW(&r, 3, "a", "b");
    ROW(&r, 6, "c");
    expect_end(&r);
    csv_free(&r);
    /* whitespace is not blank; an empty quoted field is not blank either */
    open_str(&r, " \n\"\"\n\t\n");
    ROW(&r, 1, " ");
    ROW(&r, 2, "");
    ROW(&r, 3, "\t");
    expect_end(&r);
    csv_free(&r);
    open_str(&r, "\n\r\n\n");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

START_TEST(test_missing_final_newline)
{
    csv_reader r;
    open_str(&r, "a,b\nc,d");
    ROW(&r, 1, "a", "b");
    ROW(&r, 2, "c", "d");
    expect_end(&r);
    csv_free(&r);
    open_str(&r, "x,");
    ROW(&r, 1, "x", "");
    expect_end(&r);
    csv_free(&r);
    open_str(&r, "\"q,\"\"\"");
    ROW(&r, 1, "q,\"");
    expect_end(&r);
    csv_free(&r);
    open_str(&r, "");
    expect_end(&r);
    csv_free(&r);
    csv_init(&r, NULL, 5);
    expect_end(&r);
    csv_free(&r);
}
END_TEST

START_TEST(test_empty_fields)
{
    csv_reader r;
    open_str(&r, ",,\n,\"\",\n\"\",\"\"\na,,b\n,x\n");
    ROW(&r, 1, "", "", "");
    ROW(&r, 2, "", "", "");
    ROW(&r, 3, "", "");
    ROW(&r, 4, "a", "", "b");
    ROW(&r, 5, "", "x");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

START_TEST(test_nul_byte_in_field)
{
    static const char data[] = "a\0b,\"c\0\"\n";
    csv_reader r;
    csv_row row;
    csv_init(&r, data, sizeof data - 1);
    ck_assert_int_eq(csv_next(&r, &row), 1);
    ck_assert_uint_eq(row.nfields, 2);
    ck_assert_uint_eq(row.flen[0], 3);
    ck_assert_int_eq(memcmp(row.field[0], "a\0b", 4), 0);
    ck_assert_uint_eq(row.flen[1], 2);
    ck_assert_int_eq(memcmp(row.field[1], "c\0", 3), 0);
    expect_end(&r);
    csv_free(&r);
}
END_TEST

/* UTF-8 is passed through untouched, valid or not (the caller checks). */
START_TEST(test_bytes_passed_through)
{
    csv_reader r;
    open_str(&r, "S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p,\xFF\xC3\n");
    ROW(&r, 1, "S\xE1\xBB\x9F T\xC6\xB0 ph\xC3\xA1p", "\xFF\xC3");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

/* ------------------------------------------------------ errors, resync */

START_TEST(test_bare_quote)
{
    csv_reader r;
    open_str(&r, "ok,1\nba\"d,2\ngood,3\nx\"\ny,\"z\"\"\n\"fine\"\n");
    ROW(&r, 1, "ok", "1");
    expect_bad(&r, 2, "bare quote");
    ROW(&r, 3, "good", "3");
    expect_bad(&r, 4, "bare quote");
    /* y,"z""<LF>"fine": the doubled quote is data, so the field closes before
     * 'f' on line 6, which may not follow a closing quote */
    expect_bad(&r, 5, "after a closing quote");
    expect_end(&r);
    csv_free(&r);
    open_str(&r, "a, \"b\"\nc\n");
    expect_bad(&r, 1, "bare quote");     /* no space allowed before a quote */
    ROW(&r, 2, "c");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

START_TEST(test_text_after_closing_quote)
{
    csv_reader r;
    open_str(&r, "\"abc\"x,1\ngood,2\n\"a\" ,b\n\"c\"\"d\"e\r\nlast\n");
    expect_bad(&r, 1, "after a closing quote");
    ROW(&r, 2, "good", "2");
    expect_bad(&r, 3, "after a closing quote");
    expect_bad(&r, 4, "after a closing quote");
    ROW(&r, 5, "last");
    expect_end(&r);
    csv_free(&r);
    /* the row started on line 1; the error is on line 2; resync after it */
    open_str(&r, "\"a\nb\"x,1\ngood\n");
    expect_bad(&r, 1, "after a closing quote");
    ROW(&r, 3, "good");
    expect_end(&r);
    csv_free(&r);
    /* error point before a later quoted line break: resync at the first break */
    open_str(&r, "\"a\"x,\"b\nc\"\nd\n");
    expect_bad(&r, 1, "after a closing quote");
    expect_bad(&r, 2, "bare quote");      /* c"  */
    ROW(&r, 3, "d");
    expect_end(&r);
    csv_free(&r);
    /* a lone CR after a closing quote is not a line end */
    open_str(&r, "\"a\"\rb\nok\n");
    expect_bad(&r, 1, "after a closing quote");
    ROW(&r, 2, "ok");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

START_TEST(test_unterminated_quote)
{
    csv_reader r;
    open_str(&r, "a\n\"never closed\nmore,rows\nhere\n");
    ROW(&r, 1, "a");
    expect_bad(&r, 2, "unterminated quoted field");
    expect_end(&r);
    csv_free(&r);
    open_str(&r, "x,\"");
    expect_bad(&r, 1, "unterminated quoted field");
    expect_end(&r);
    csv_free(&r);
    open_str(&r, "\"ab\"\"");
    expect_bad(&r, 1, "unterminated quoted field");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

/* Builds a row of n fields "f0,f1,..." followed by "\n". */
static char *many_fields(size_t n, size_t *len)
{
    char *s = malloc(n * 8 + 2);
    ck_assert_ptr_nonnull(s);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(s + o, "%s%zu", i ? "," : "", i);
    s[o++] = '\n';
    s[o] = '\0';
    *len = o;
    return s;
}

START_TEST(test_max_fields)
{
    size_t l1, l2;
    char *ok = many_fields(CSV_MAX_FIELDS, &l1);
    char *bad = many_fields(CSV_MAX_FIELDS + 1, &l2);
    char *buf = malloc(l1 + l2 + l1 + 16);
    ck_assert_ptr_nonnull(buf);
    size_t o = 0;
    memcpy(buf + o, ok, l1), o += l1;
    memcpy(buf + o, bad, l2), o += l2;
    memcpy(buf + o, "\"q\nq\",1\n", 8), o += 8;
    memcpy(buf + o, bad, l2), o += l2;
    csv_reader r;
    csv_row row;
    csv_init(&r, buf, o);
    ck_assert_int_eq(csv_next(&r, &row), 1);
    ck_assert_uint_eq(row.nfields, CSV_MAX_FIELDS);
    ck_assert_str_eq(row.field[CSV_MAX_FIELDS - 1], "255");
    ck_assert_str_eq(row.field[0], "0");
    expect_bad(&r, 2, "more than 256 fields");
    ROW(&r, 3, "q\nq", "1");
    expect_bad(&r, 5, "more than 256 fields");
    expect_end(&r);
    csv_free(&r);
    /* 256 empty fields are fine, 257 are not */
    char commas[CSV_MAX_FIELDS + 4];
    memset(commas, ',', CSV_MAX_FIELDS - 1);
    commas[CSV_MAX_FIELDS - 1] = '\n';
    commas[CSV_MAX_FIELDS] = ',';
    csv_init(&r, commas, CSV_MAX_FIELDS);
    ck_assert_int_eq(csv_next(&r, &row), 1);
    ck_assert_uint_eq(row.nfields, CSV_MAX_FIELDS);
    ck_assert_uint_eq(row.flen[CSV_MAX_FIELDS - 1], 0);
    expect_end(&r);
    csv_free(&r);
    memset(commas, ',', CSV_MAX_FIELDS);
    csv_init(&r, commas, CSV_MAX_FIELDS);
    expect_bad(&r, 1, "fields");
    expect_end(&r);
    csv_free(&r);
    free(ok);
    free(bad);
    free(buf);
}
END_TEST

START_TEST(test_errors_in_a_row)
{
    /* several bad rows in a row, each reported, the good ones still read */
    csv_reader r;
    open_str(&r, "h\n\"a\"b\nc\"d\n\"e\"\"f\"g\ngood\n\n\"x\"y\r\nlast,row\r\n");
    ROW(&r, 1, "h");
    expect_bad(&r, 2, "closing quote");
    expect_bad(&r, 3, "bare quote");
    expect_bad(&r, 4, "closing quote");
    ROW(&r, 5, "good");
    expect_bad(&r, 7, "closing quote");
    ROW(&r, 8, "last", "row");
    expect_end(&r);
    csv_free(&r);
}
END_TEST

/* ------------------------------------------------------------ big rows */

#define BIG (10u * 1000u * 1000u)

START_TEST(test_ten_megabyte_field)
{
    char *s = malloc(BIG + 64);
    ck_assert_ptr_nonnull(s);
    csv_reader r;
    csv_row row;
    /* unquoted */
    memset(s, 'x', BIG);
    memcpy(s + BIG, ",y\nz\n", 5);
    csv_init(&r, s, BIG + 5);
    ck_assert_int_eq(csv_next(&r, &row), 1);
    ck_assert_uint_eq(row.nfields, 2);
    ck_assert_uint_eq(row.flen[0], BIG);
    ck_assert_int_eq(row.field[0][BIG - 1], 'x');
    ck_assert_int_eq(row.field[0][BIG], '\0');
    ck_assert_str_eq(row.field[1], "y");
    ROW(&r, 2, "z");
    expect_end(&r);
    csv_free(&r);
    /* quoted, with doubled quotes and a line break every 1000 bytes */
    s[0] = '"';
    for (size_t i = 1; i < BIG; i++)
        s[i] = (i % 1000 == 0) ? '\n' : (i % 1000 == 500 || i % 1000 == 501) ? '"' : 'q';
    memcpy(s + BIG, "\",y\nz\n", 6);
    csv_init(&r, s, BIG + 6);
    ck_assert_int_eq(csv_next(&r, &row), 1);
    size_t lines = (BIG - 1) / 1000, quotes = BIG / 1000;
    ck_assert_uint_eq(row.flen[0], BIG - 1 - quotes);
    ck_assert_str_eq(row.field[1], "y");
    ck_assert_int_eq(csv_next(&r, &row), 1);
    ck_assert_int_eq(row.line, (long)lines + 2);
    expect_end(&r);
    csv_free(&r);
    free(s);
}
END_TEST

START_TEST(test_row_over_limit)
{
    size_t n = CSV_MAX_ROW + 10;
    char *s = malloc(n + 64);
    ck_assert_ptr_nonnull(s);
    csv_reader r;
    csv_row row;
    /* one field just at the limit passes */
    memset(s, 'x', CSV_MAX_ROW);
    memcpy(s + CSV_MAX_ROW, "\nok\n", 4);
    csv_init(&r, s, CSV_MAX_ROW + 4);
    ck_assert_int_eq(csv_next(&r, &row), 1);
    ck_assert_uint_eq(row.flen[0], CSV_MAX_ROW);
    ROW(&r, 2, "ok");
    csv_free(&r);
    /* one byte over, spread across two fields: rejected, the next row read */
    s[CSV_MAX_ROW / 2] = ',';
    memcpy(s + CSV_MAX_ROW, "yz\nok\n", 6);
    csv_init(&r, s, CSV_MAX_ROW + 6);
    expect_bad(&r, 1, "row longer than");
    ROW(&r, 2, "ok");
    expect_end(&r);
    csv_free(&r);
    /* quoted: the error point is inside the field, before its last line break */
    s[0] = '"';
    s[CSV_MAX_ROW / 2] = 'x';
    memcpy(s + CSV_MAX_ROW, "xx\nyy\"\nok\n", 10);
    csv_init(&r, s, CSV_MAX_ROW + 10);
    expect_bad(&r, 1, "row longer than");
    expect_bad(&r, 2, "bare quote");      /* resync lands on yy" */
    ROW(&r, 3, "ok");
    expect_end(&r);
    csv_free(&r);
    free(s);
}
END_TEST

/* ------------------------------------------------- random round trip */

typedef struct {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static size_t rng_below(rng *r, size_t n)
{
    return (size_t)(rng_next(r) % n);
}

/* A random field value drawn from bytes that stress the grammar. */
static size_t random_field(rng *r, char *out)
{
    static const char pool[] = "ab,\"\r\n \t\xC3\xA9x";
    size_t n = rng_below(r, 4) == 0 ? 0 : rng_below(r, 12);
    for (size_t i = 0; i < n; i++)
        out[i] = pool[rng_below(r, sizeof pool - 1)];
    return n;
}

/* Whether a value can be written unquoted and read back unchanged. */
static int needs_quotes(const char *v, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] == ',' || v[i] == '"' || v[i] == '\n' || v[i] == '\r')
            return 1;
    return 0;
}

/* Writes one field, quoting when needed or at random. */
static size_t write_field(rng *r, char *out, const char *v, size_t n)
{
    size_t o = 0;
    if (!needs_quotes(v, n) && rng_below(r, 3)) {
        memcpy(out, v, n);
        return n;
    }
    out[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '"')
            out[o++] = '"';
        out[o++] = v[i];
    }
    out[o++] = '"';
    return o;
}

enum { RT_ROWS = 40, RT_FIELDS = 6, RT_LEN = 16 };

typedef struct {
    size_t nfields;
    char val[RT_FIELDS][RT_LEN];
    size_t len[RT_FIELDS];
    long line;
} rt_row;

/* Encodes random rows (random line ends, blank lines, missing final line
 * end), remembering each row's fields and the line it starts on. A row whose
 * only field is empty is written quoted, since an empty line is skipped. */
static size_t encode_rows(rng *r, char *out, rt_row *rows, size_t nrows)
{
    size_t o = 0;
    long line = 1;
    for (size_t k = 0; k < nrows; k++) {
        for (int b = 0; b < 4 && rng_below(r, 6) == 0; b++) {
            const char *nl = rng_below(r, 2) ? "\n" : "\r\n";
            memcpy(out + o, nl, strlen(nl));
            o += strlen(nl);
            line++;
        }
        rt_row *row = &rows[k];
        row->line = line;
        row->nfields = 1 + rng_below(r, RT_FIELDS);
        size_t start = o;
        for (size_t i = 0; i < row->nfields; i++) {   /* CR, LF are quoted */
            row->len[i] = random_field(r, row->val[i]);
            if (i)
                out[o++] = ',';
            if (row->nfields == 1 && row->len[0] == 0)
                out[o++] = '"', out[o++] = '"';
            else
                o += write_field(r, out + o, row->val[i], row->len[i]);
        }
        for (size_t i = start; i < o; i++)
            line += out[i] == '\n';
        if (k + 1 < nrows || rng_below(r, 2)) {
            const char *nl = rng_below(r, 2) ? "\n" : "\r\n";
            memcpy(out + o, nl, strlen(nl));
            o += strlen(nl);
            line++;
        }
    }
    return o;
}

START_TEST(test_random_round_trip)
{
    rng r = { 0xC0FFEE1234567ull };
    char *buf = malloc(RT_ROWS * (RT_FIELDS * (RT_LEN * 2 + 3) + 64));
    ck_assert_ptr_nonnull(buf);
    rt_row rows[RT_ROWS];
    csv_reader rd;
    csv_row row;
    for (int round = 0; round < 500; round++) {
        size_t len = encode_rows(&r, buf, rows, RT_ROWS);
        csv_init(&rd, buf, len);
        for (size_t k = 0; k < RT_ROWS; k++) {
            int rc = csv_next(&rd, &row);
            if (rc != 1)
                ck_abort_msg("round %d row %zu: rc %d (%s)", round, k, rc, row.error);
            REQUIRE(row.line == rows[k].line);
            REQUIRE(row.nfields == rows[k].nfields);
            for (size_t i = 0; i < row.nfields; i++) {
                REQUIRE(row.flen[i] == rows[k].len[i]);
                REQUIRE(memcmp(row.field[i], rows[k].val[i], row.flen[i]) == 0);
                REQUIRE(row.field[i][row.flen[i]] == '\0');
            }
        }
        REQUIRE(csv_next(&rd, &row) == 0);
        csv_free(&rd);
    }
    free(buf);
}
END_TEST

/* Random bytes: the reader must end, never go backwards in lines, keep
 * fields in bounds and NUL-terminated, and report errors with a message. */
START_TEST(test_random_bytes_never_crash)
{
    rng r = { 77 };
    char tmp[200];
    for (int round = 0; round < 20000; round++) {
        size_t len = rng_below(&r, sizeof tmp);
        for (size_t i = 0; i < len; i++)
            tmp[i] = "a,\"\r\n\xEF\xBB\xBF"[rng_below(&r, 8)];
        char *buf = malloc(len ? len : 1);   /* exact size: ASan sees over-reads */
        REQUIRE(buf != NULL);
        memcpy(buf, tmp, len);
        csv_reader rd;
        csv_row row;
        csv_init(&rd, buf, len);
        long last = 0;
        int rc, steps = 0;
        while ((rc = csv_next(&rd, &row)) != 0) {
            REQUIRE(rc == 1 || rc == -1);
            REQUIRE(row.line >= last && row.line >= 1);
            last = row.line;
            REQUIRE(++steps <= (int)len + 1);
            if (rc == -1)
                REQUIRE(row.error[0] != '\0' && row.nfields == 0);
            for (size_t i = 0; rc == 1 && i < row.nfields; i++)
                REQUIRE(row.field[i][row.flen[i]] == '\0');
        }
        csv_free(&rd);
        free(buf);
    }
}
END_TEST

START_TEST(test_free_is_idempotent)
{
    csv_reader r;
    open_str(&r, "a\n");
    csv_free(&r);   /* before any row */
    open_str(&r, "a\n");
    ROW(&r, 1, "a");
    csv_free(&r);
    csv_free(&r);
    ck_assert_ptr_null(r.scratch);
}
END_TEST

Suite *make_csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("rows");
    tcase_add_test(tc, test_simple_rows);
    tcase_add_test(tc, test_quoted_fields);
    tcase_add_test(tc, test_embedded_newlines);
    tcase_add_test(tc, test_crlf);
    tcase_add_test(tc, test_bom);
    tcase_add_test(tc, test_blank_lines);
    tcase_add_test(tc, test_missing_final_newline);
    tcase_add_test(tc, test_empty_fields);
    tcase_add_test(tc, test_nul_byte_in_field);
    tcase_add_test(tc, test_bytes_passed_through);
    tcase_add_test(tc, test_free_is_idempotent);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_bare_quote);
    tcase_add_test(tc, test_text_after_closing_quote);
    tcase_add_test(tc, test_unterminated_quote);
    tcase_add_test(tc, test_max_fields);
    tcase_add_test(tc, test_errors_in_a_row);
    suite_add_tcase(s, tc);

    tc = tcase_create("big");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_ten_megabyte_field);
    tcase_add_test(tc, test_row_over_limit);
    tcase_add_test(tc, test_random_round_trip);
    tcase_add_test(tc, test_random_bytes_never_crash);
    suite_add_tcase(s, tc);
    return s;
}
