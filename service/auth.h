/*
 * auth.h - API keys (spec §7 "Auth"): roles, agency scope, and the secret
 * handling. A key is "mck_<id>_<secret>": the id (public, 16 hex digits) finds
 * the stored row; only a salted SHA-256 of the secret is stored, and the
 * comparison is constant-time. Pure except for the random bytes of
 * auth_key_new (getrandom).
 */
#ifndef MOTCUA_AUTH_H
#define MOTCUA_AUTH_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { ROLE_NONE = 0, ROLE_READ = 1, ROLE_INGEST = 2, ROLE_ADMIN = 3 } auth_role;

#define AUTH_ID_LEN 16       /* hex digits */
#define AUTH_SECRET_LEN 43   /* base64url of 32 random bytes, no padding */
#define AUTH_SALT_LEN 16
#define AUTH_HASH_LEN 32
#define AUTH_KEY_MAX (4 + AUTH_ID_LEN + 1 + AUTH_SECRET_LEN + 1)

const char *auth_role_name(auth_role r);            /* "read", "ingest", "admin" */
int auth_role_parse(const char *s, auth_role *out); /* 0 ok, -1 unknown */

/* May a key of role `have` do what needs role `need`? admin may do all;
 * ingest only ingest; read only read. */
bool auth_role_allows(auth_role have, auth_role need);

/* A new key: its printable form (key, AUTH_KEY_MAX), its id (AUTH_ID_LEN+1),
 * a fresh salt and the salted hash to store. 0 ok, -1 no randomness. */
int auth_key_new(char *key, char *id, unsigned char salt[AUTH_SALT_LEN],
                 unsigned char hash[AUTH_HASH_LEN]);

/* Splits "mck_<id>_<secret>" (as sent after "Bearer "). 0 ok with id
 * (AUTH_ID_LEN+1 bytes) and a pointer to the secret; -1 malformed. */
int auth_key_parse(const char *key, char *id, const char **secret);

/* Constant-time check of a secret against a stored salt and hash. */
bool auth_secret_matches(const char *secret, const unsigned char salt[AUTH_SALT_LEN],
                         const unsigned char hash[AUTH_HASH_LEN]);

/* Does the agency scope (NULL: every agency; "000.00.01.*" prefix; or an
 * exact code) cover agency code `code`? */
bool auth_scope_covers(const char *scope, const char *code);

/*
 * The agency filter a scoped key may use: the intersection of the query's
 * agency filter (exact code, prefix*, or "" for none) and the scope. Writes
 * the effective filter to out (cap bytes). Returns 1 when the intersection
 * is empty (the answer must cover no agency), 0 otherwise, -1 when out is
 * too small.
 */
int auth_scope_filter(const char *scope, const char *filter, char *out, size_t cap);

#endif
