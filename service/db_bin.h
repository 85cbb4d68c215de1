/*
 * db_bin.h - the wire encodings every db*.c file shares: fields of binary
 * results (PostgreSQL sends integers big-endian and timestamptz as
 * microseconds since 2000-01-01) and text-array literals for parameters.
 * Internal to the db layer; static inline so that each file keeps its hot
 * loops free of calls.
 */
#ifndef MOTCUA_DB_BIN_H
#define MOTCUA_DB_BIN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include "strbuf.h"
#include "ts.h"

#define PG_EPOCH_OFFSET_US INT64_C(946684800000000) /* 2000-01-01 - 1970-01-01 */

static inline int64_t db_be64(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | u[i];
    return (int64_t)v;
}

static inline ts_t db_get_ts(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return TS_NULL;
    return db_be64(PQgetvalue(r, row, col)) + PG_EPOCH_OFFSET_US;
}

static inline int db_get_i16(const PGresult *r, int row, int col, int dflt)
{
    if (PQgetisnull(r, row, col))
        return dflt;
    const unsigned char *u = (const unsigned char *)PQgetvalue(r, row, col);
    return (int16_t)((u[0] << 8) | u[1]);
}

static inline int32_t db_get_i32(const PGresult *r, int row, int col, int32_t dflt)
{
    if (PQgetisnull(r, row, col))
        return dflt;
    const unsigned char *u = (const unsigned char *)PQgetvalue(r, row, col);
    return (int32_t)(((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3]);
}

static inline int64_t db_get_i64(const PGresult *r, int row, int col, int64_t dflt)
{
    return PQgetisnull(r, row, col) ? dflt : db_be64(PQgetvalue(r, row, col));
}

static inline int db_get_bool(const PGresult *r, int row, int col, int dflt)
{
    return PQgetisnull(r, row, col) ? dflt : PQgetvalue(r, row, col)[0] != 0;
}

/* A PostgreSQL array literal {"a","b"} of text values (NULL elements as NULL). */
static inline void db_pg_array(strbuf *b, const char *const *v, size_t n)
{
    sb_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_putc(b, ',');
        if (!v[i]) {
            sb_put(b, "NULL", 4);
            continue;
        }
        sb_putc(b, '"');
        for (const char *s = v[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                sb_putc(b, '\\');
            sb_putc(b, *s);
        }
        sb_putc(b, '"');
    }
    sb_putc(b, '}');
}

/* A text field of COPY's text format: \N for NULL, backslash escapes. */
static inline void db_copy_text(strbuf *b, const char *s)
{
    if (!s) {
        sb_put(b, "\\N", 2);
        return;
    }
    for (; *s; s++) {
        switch (*s) {
        case '\\': sb_put(b, "\\\\", 2); break;
        case '\t': sb_put(b, "\\t", 2); break;
        case '\n': sb_put(b, "\\n", 2); break;
        case '\r': sb_put(b, "\\r", 2); break;
        default: sb_putc(b, *s);
        }
    }
}

#endif
