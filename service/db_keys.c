/*
 * db_keys.c - see db_keys.h. Salts and hashes travel as bytea in binary
 * parameters and results, never as text.
 */
#include "db_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int db_key_insert(db_conn *c, const db_key *k)
{
    const char *vals[6] = { k->id, (const char *)k->salt, (const char *)k->hash,
                            auth_role_name(k->role), k->agency[0] ? k->agency : NULL,
                            k->label[0] ? k->label : NULL };
    int lens[6] = { 0, AUTH_SALT_LEN, AUTH_HASH_LEN, 0, 0, 0 };
    int fmts[6] = { 0, 1, 1, 0, 0, 0 };
    PGresult *res = PQexecParams(db_pgconn(c),
        "INSERT INTO api_key (id, salt, hash, role, agency, label) VALUES ($1, $2, $3, $4, $5, $6)",
        6, NULL, vals, lens, fmts, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return db_fail(c, "insert key", res);
    PQclear(res);
    return DB_OK;
}

static void copy_text(char *dst, size_t cap, const PGresult *r, int row, int col)
{
    snprintf(dst, cap, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

/* Columns: id, salt, hash, role, agency, label, created_at, revoked (binary). */
static int read_key(const PGresult *r, int row, db_key *k)
{
    memset(k, 0, sizeof *k);
    if (PQgetlength(r, row, 1) != AUTH_SALT_LEN || PQgetlength(r, row, 2) != AUTH_HASH_LEN)
        return -1;
    copy_text(k->id, sizeof k->id, r, row, 0);
    memcpy(k->salt, PQgetvalue(r, row, 1), AUTH_SALT_LEN);
    memcpy(k->hash, PQgetvalue(r, row, 2), AUTH_HASH_LEN);
    char role[16];
    copy_text(role, sizeof role, r, row, 3);
    if (auth_role_parse(role, &k->role) != 0)
        return -1;
    copy_text(k->agency, sizeof k->agency, r, row, 4);
    copy_text(k->label, sizeof k->label, r, row, 5);
    copy_text(k->created_at, sizeof k->created_at, r, row, 6);
    k->revoked = PQgetvalue(r, row, 7)[0] != 0;
    return 0;
}

#define KEY_COLS "id, salt, hash, role, agency, label, " \
    "to_char(created_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+07:00\"'), " \
    "revoked_at IS NOT NULL"

int db_key_get(db_conn *c, const char *id, db_key *out)
{
    const char *vals[1] = { id };
    PGresult *res = PQexecParams(db_pgconn(c), "SELECT " KEY_COLS " FROM api_key WHERE id = $1",
                                 1, NULL, vals, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return db_fail(c, "get key", res);
    int rc = PQntuples(res) == 0 ? 1 : read_key(res, 0, out) == 0 ? DB_OK : 1;
    PQclear(res);
    return rc;
}

int db_key_list(db_conn *c, db_key **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    PGresult *res = PQexecParams(db_pgconn(c), "SELECT " KEY_COLS " FROM api_key ORDER BY created_at, id",
                                 0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return db_fail(c, "list keys", res);
    int rows = PQntuples(res);
    *out = calloc(rows ? (size_t)rows : 1, sizeof **out);
    if (!*out) {
        PQclear(res);
        return DB_ERROR;
    }
    for (int i = 0; i < rows; i++)
        if (read_key(res, i, &(*out)[*n]) == 0)
            (*n)++;
    PQclear(res);
    return DB_OK;
}

int db_key_revoke(db_conn *c, const char *id)
{
    const char *vals[1] = { id };
    PGresult *res = PQexecParams(db_pgconn(c),
        "UPDATE api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        1, NULL, vals, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return db_fail(c, "revoke key", res);
    int rc = strcmp(PQcmdTuples(res), "1") == 0 ? DB_OK : 1;
    PQclear(res);
    return rc;
}
