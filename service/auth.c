/*
 * auth.c - see auth.h. SHA-256 and the constant-time comparison come from
 * OpenSSL's libcrypto (already on every machine that has libpq), rather than
 * hand-written cryptography.
 */
#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static const char *const ROLE_NAMES[] = { NULL, "read", "ingest", "admin" };

const char *auth_role_name(auth_role r) { return r >= ROLE_READ && r <= ROLE_ADMIN ? ROLE_NAMES[r] : NULL; }

int auth_role_parse(const char *s, auth_role *out)
{
    for (int r = ROLE_READ; r <= ROLE_ADMIN; r++)
        if (s && !strcmp(s, ROLE_NAMES[r])) {
            *out = (auth_role)r;
            return 0;
        }
    return -1;
}

bool auth_role_allows(auth_role have, auth_role need)
{
    return have == ROLE_ADMIN || (have != ROLE_NONE && have == need);
}

static int random_bytes(unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void hash_secret(const char *secret, const unsigned char salt[AUTH_SALT_LEN],
                        unsigned char out[AUTH_HASH_LEN])
{
    unsigned int len = AUTH_HASH_LEN;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, salt, AUTH_SALT_LEN) != 1 ||
        EVP_DigestUpdate(ctx, secret, strlen(secret)) != 1 ||
        EVP_DigestFinal_ex(ctx, out, &len) != 1)
        memset(out, 0, AUTH_HASH_LEN); /* never matches a stored hash of a real secret */
    EVP_MD_CTX_free(ctx);
}

int auth_key_new(char *key, char *id, unsigned char salt[AUTH_SALT_LEN],
                 unsigned char hash[AUTH_HASH_LEN])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char idb[AUTH_ID_LEN / 2], sec[32];
    char secret[AUTH_SECRET_LEN + 1];
    if (random_bytes(idb, sizeof idb) || random_bytes(sec, sizeof sec) ||
        random_bytes(salt, AUTH_SALT_LEN))
        return -1;
    for (size_t i = 0; i < sizeof idb; i++)
        snprintf(id + 2 * i, 3, "%02x", idb[i]);
    /* base64url of 32 bytes: 42 full sextets + 4 bits = 43 characters */
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < sizeof sec; i++) {
        acc = (acc << 8) | sec[i];
        bits += 8;
        while (bits >= 6) {
            secret[o++] = b64[(acc >> (bits - 6)) & 63];
            bits -= 6;
        }
    }
    if (bits > 0)
        secret[o++] = b64[(acc << (6 - bits)) & 63];
    secret[o] = '\0';
    snprintf(key, AUTH_KEY_MAX, "mck_%s_%s", id, secret);
    hash_secret(secret, salt, hash);
    OPENSSL_cleanse(sec, sizeof sec);
    OPENSSL_cleanse(secret, sizeof secret);
    return 0;
}

int auth_key_parse(const char *key, char *id, const char **secret)
{
    if (!key || strncmp(key, "mck_", 4) != 0)
        return -1;
    const char *p = key + 4;
    for (int i = 0; i < AUTH_ID_LEN; i++) {
        char c = p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
    }
    if (p[AUTH_ID_LEN] != '_')
        return -1;
    const char *s = p + AUTH_ID_LEN + 1;
    size_t n = strlen(s);
    if (n != AUTH_SECRET_LEN)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return -1;
    }
    memcpy(id, p, AUTH_ID_LEN);
    id[AUTH_ID_LEN] = '\0';
    *secret = s;
    return 0;
}

bool auth_secret_matches(const char *secret, const unsigned char salt[AUTH_SALT_LEN],
                         const unsigned char hash[AUTH_HASH_LEN])
{
    unsigned char got[AUTH_HASH_LEN];
    hash_secret(secret, salt, got);
    bool ok = CRYPTO_memcmp(got, hash, AUTH_HASH_LEN) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return ok;
}

/* Is pattern p (exact or prefix*) covering every code that q covers? */
static bool pattern_within(const char *q, const char *p)
{
    size_t pl = strlen(p), ql = strlen(q);
    bool pp = pl > 0 && p[pl - 1] == '*', qp = ql > 0 && q[ql - 1] == '*';
    if (!pp)
        return !qp && !strcmp(p, q);
    return (qp ? ql - 1 : ql) >= pl - 1 && !strncmp(p, q, pl - 1);
}

bool auth_scope_covers(const char *scope, const char *code)
{
    if (!scope)
        return true;
    size_t sl = strlen(scope);
    if (sl > 0 && scope[sl - 1] == '*')
        return !strncmp(scope, code, sl - 1);
    return !strcmp(scope, code);
}

int auth_scope_filter(const char *scope, const char *filter, char *out, size_t cap)
{
    const char *pick;
    if (!scope)
        pick = filter;
    else if (!filter || !*filter || pattern_within(scope, filter))
        pick = scope;              /* the filter is wider: the scope bounds it */
    else if (pattern_within(filter, scope))
        pick = filter;             /* the filter is inside the scope */
    else
        return 1;                  /* disjoint: no agency at all */
    if (strlen(pick) + 1 > cap)
        return -1;
    memcpy(out, pick, strlen(pick) + 1);
    return 0;
}
