/*
 * db_keys.h - the SQL of API keys (part of the db layer, see db.h).
 */
#ifndef MOTCUA_DB_KEYS_H
#define MOTCUA_DB_KEYS_H

#include <stdbool.h>
#include "auth.h"
#include "db.h"

typedef struct {
    char id[AUTH_ID_LEN + 1];
    unsigned char salt[AUTH_SALT_LEN], hash[AUTH_HASH_LEN];
    auth_role role;
    char agency[80];        /* "" = every agency */
    char label[128];
    char created_at[40];
    bool revoked;
} db_key;

int db_key_insert(db_conn *c, const db_key *k);
/* The key with this id (revoked or not). DB_OK, 1 when absent, or a db.h code. */
int db_key_get(db_conn *c, const char *id, db_key *out);
/* Every key, oldest first; *out malloc'd (caller frees), *n entries. */
int db_key_list(db_conn *c, db_key **out, size_t *n);
/* DB_OK, 1 when there is no such (unrevoked) key. */
int db_key_revoke(db_conn *c, const char *id);

#endif
