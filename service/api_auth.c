/*
 * api_auth.c - API-key authentication of a request (spec §7 "Auth"): the
 * Bearer key is looked up by its public id, its secret checked against the
 * salted hash in constant time, then the role is checked. 401 without a
 * valid key, 403 with the wrong role. Every lookup reads the database, so a
 * revoked key stops working at once.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "db_keys.h"

static void unauthorized(http_resp *resp, const char *msg)
{
    resp_error(resp, 401, "%s", msg);
    resp->www_authenticate = 1;
}

int api_authenticate(app_t *app, http_req *req, access_kind access, auth_role need,
                     auth_store *store, http_resp *resp)
{
    req->role = ROLE_NONE;
    req->key_id = NULL;
    req->scope = NULL;
    if (access == ACCESS_OPEN)
        return 0;
    const char *h = req->authorization;
    if (!h || !*h) {
        if (access == ACCESS_PUBLIC_READ && app->cfg->public_read)
            return 0;
        unauthorized(resp, "an API key is required: Authorization: Bearer <key>");
        return -1;
    }
    const char *secret;
    if (strncmp(h, "Bearer ", 7) != 0 || auth_key_parse(h + 7, store->id, &secret) != 0) {
        unauthorized(resp, "malformed Authorization header (want: Bearer mck_…)");
        return -1;
    }
    db_conn *c = db_acquire(app->pool, app->cfg->db_wait_ms);
    if (!c) {
        resp_unavailable(resp, "no database connection is available; retry later");
        return -1;
    }
    db_key k;
    int rc = db_key_get(c, store->id, &k);
    db_release(app->pool, c);
    if (rc != DB_OK && rc != 1) {
        api_db_failure(resp, rc, "checking the API key");
        return -1;
    }
    if (rc == 1 || k.revoked || !auth_secret_matches(secret, k.salt, k.hash)) {
        unauthorized(resp, "unknown or revoked API key");
        return -1;
    }
    if (!auth_role_allows(k.role, need)) {
        resp_error(resp, 403, "a key with the %s role cannot do this (needs %s)",
                   auth_role_name(k.role), auth_role_name(need));
        return -1;
    }
    req->role = k.role;
    req->key_id = store->id;
    if (k.agency[0]) {
        snprintf(store->scope, sizeof store->scope, "%s", k.agency);
        req->scope = store->scope;
    }
    return 0;
}
