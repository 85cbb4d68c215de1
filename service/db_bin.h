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
#include <string.h>
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

/* ---- COPY binary format ---------------------------------------------------
 * PostgreSQL reads binary COPY fields without parsing text (timestamps,
 * numbers): on a bulk load its time is most of the cost, so the writers use
 * it. A file: the header, then per row the field count and each field as a
 * length (-1 NULL) and its big-endian bytes, then the trailer. */
static inline void db_bin_header(strbuf *b)
{
    static const char sig[19] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0',
                                  0, 0, 0, 0, 0, 0, 0, 0 };
    sb_put(b, sig, sizeof sig);
}

static inline void db_bin_be(strbuf *b, uint64_t v, int bytes)
{
    char tmp[8];
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        tmp[i] = (char)(v & 0xff);
    sb_put(b, tmp, (size_t)bytes);
}

static inline void db_bin_count(strbuf *b, int fields) { db_bin_be(b, (uint16_t)fields, 2); }
static inline void db_bin_trailer(strbuf *b) { db_bin_be(b, 0xffff, 2); }
static inline void db_bin_null(strbuf *b) { db_bin_be(b, 0xffffffffu, 4); }

static inline void db_bin_i16(strbuf *b, int v)
{
    db_bin_be(b, 2, 4);
    db_bin_be(b, (uint16_t)(int16_t)v, 2);
}

static inline void db_bin_i32(strbuf *b, int64_t v)
{
    db_bin_be(b, 4, 4);
    db_bin_be(b, (uint32_t)(int32_t)v, 4);
}

static inline void db_bin_i64(strbuf *b, int64_t v)
{
    db_bin_be(b, 8, 4);
    db_bin_be(b, (uint64_t)v, 8);
}

static inline void db_bin_bool(strbuf *b, bool v)
{
    db_bin_be(b, 1, 4);
    sb_putc(b, v ? 1 : 0);
}

/* text: the UTF-8 bytes as they are; NULL for a null pointer */
static inline void db_bin_text(strbuf *b, const char *s)
{
    if (!s) {
        db_bin_null(b);
        return;
    }
    size_t n = strlen(s);
    db_bin_be(b, (uint32_t)n, 4);
    sb_put(b, s, n);
}

/* timestamptz: microseconds since 2000-01-01 UTC */
static inline void db_bin_ts(strbuf *b, ts_t t)
{
    if (t == TS_NULL)
        db_bin_null(b);
    else
        db_bin_i64(b, t - PG_EPOCH_OFFSET_US);
}

/* date: days since 2000-01-01 */
static inline void db_bin_date(strbuf *b, day_t d)
{
    db_bin_i32(b, (int64_t)d - 10957);
}

#endif
