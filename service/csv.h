/*
 * csv.h - an RFC 4180 record reader over an in-memory buffer.
 *
 * Quoted fields may hold commas, doubled quotes and line breaks (CRLF or LF).
 * A leading UTF-8 BOM is skipped. Blank lines are skipped. A malformed record
 * (a bare quote inside an unquoted field, text after a closing quote, an
 * unterminated quote, too many fields, a row over the size limit) is reported
 * with the physical line it starts on, and reading resumes at the next line,
 * so one bad row never hides the good ones after it. Pure, no I/O.
 */
#ifndef MOTCUA_CSV_H
#define MOTCUA_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 256
#define CSV_MAX_ROW (16u * 1024u * 1024u)  /* bytes of one unescaped row */

typedef struct {
    size_t nfields;
    const char *field[CSV_MAX_FIELDS];  /* NUL-terminated, owned by the reader,
                                           valid until the next csv_next() */
    size_t flen[CSV_MAX_FIELDS];
    long line;                          /* physical line (1-based) where the row starts */
    char error[96];                     /* set when csv_next returns -1 */
} csv_row;

typedef struct {
    const char *buf;
    size_t len, pos;
    long line;          /* current physical line, 1-based */
    char *scratch;      /* unescaped field bytes */
    size_t scap;
} csv_reader;

void csv_init(csv_reader *r, const char *buf, size_t len);
/* 1: a row; 0: end of input; -1: malformed row (row->error, row->line set);
 * -2: out of memory. */
int csv_next(csv_reader *r, csv_row *row);
void csv_free(csv_reader *r);

#endif
