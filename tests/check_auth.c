/*
 * check_auth.c - the pure part of API keys: key format, hashing, roles and
 * agency scopes (auth.c).
 */
#include <check.h>
#include <string.h>

#include "auth.h"

START_TEST(test_key_round_trip)
{
    char key[AUTH_KEY_MAX], id[AUTH_ID_LEN + 1], pid[AUTH_ID_LEN + 1];
    unsigned char salt[AUTH_SALT_LEN], hash[AUTH_HASH_LEN];
    const char *secret;
    ck_assert_int_eq(auth_key_new(key, id, salt, hash), 0);
    ck_assert_int_eq(strlen(key), 4 + AUTH_ID_LEN + 1 + AUTH_SECRET_LEN);
    ck_assert_int_eq(auth_key_parse(key, pid, &secret), 0);
    ck_assert_str_eq(pid, id);
    ck_assert(auth_secret_matches(secret, salt, hash));

    /* one character changed anywhere in the secret: no match */
    char bad[AUTH_KEY_MAX];
    for (size_t i = 0; i < AUTH_SECRET_LEN; i++) {
        memcpy(bad, secret, AUTH_SECRET_LEN + 1);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        ck_assert(!auth_secret_matches(bad, salt, hash));
    }
    /* another salt: no match */
    salt[0] ^= 1;
    ck_assert(!auth_secret_matches(secret, salt, hash));

    /* two keys never share id or secret */
    char key2[AUTH_KEY_MAX], id2[AUTH_ID_LEN + 1];
    unsigned char salt2[AUTH_SALT_LEN], hash2[AUTH_HASH_LEN];
    ck_assert_int_eq(auth_key_new(key2, id2, salt2, hash2), 0);
    ck_assert_str_ne(key, key2);
    ck_assert_str_ne(id, id2);
}
END_TEST

START_TEST(test_key_parse_rejects)
{
    char id[AUTH_ID_LEN + 1];
    const char *secret;
    static const char *const bad[] = {
        "", "mck_", "Bearer x", "mck_0123456789abcdef", "mck_0123456789abcdef_",
        "mck_0123456789ABCDEF_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "mck_0123456789abcde_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "mck_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "mck_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "mck_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "mck_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ",
        "xck_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(auth_key_parse(bad[i], id, &secret) == -1, "accepted '%s'", bad[i]);
    ck_assert_int_eq(auth_key_parse(NULL, id, &secret), -1);
    ck_assert_int_eq(
        auth_key_parse("mck_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", id, &secret),
        0);
    ck_assert_str_eq(id, "0123456789abcdef");
}
END_TEST

START_TEST(test_roles)
{
    auth_role r;
    ck_assert_int_eq(auth_role_parse("read", &r), 0);
    ck_assert_int_eq(r, ROLE_READ);
    ck_assert_int_eq(auth_role_parse("admin", &r), 0);
    ck_assert_int_eq(r, ROLE_ADMIN);
    ck_assert_int_eq(auth_role_parse("root", &r), -1);
    ck_assert_int_eq(auth_role_parse(NULL, &r), -1);
    ck_assert(auth_role_allows(ROLE_ADMIN, ROLE_READ));
    ck_assert(auth_role_allows(ROLE_ADMIN, ROLE_INGEST));
    ck_assert(auth_role_allows(ROLE_ADMIN, ROLE_ADMIN));
    ck_assert(auth_role_allows(ROLE_READ, ROLE_READ));
    ck_assert(!auth_role_allows(ROLE_READ, ROLE_INGEST));
    ck_assert(!auth_role_allows(ROLE_READ, ROLE_ADMIN));
    ck_assert(auth_role_allows(ROLE_INGEST, ROLE_INGEST));
    ck_assert(!auth_role_allows(ROLE_INGEST, ROLE_READ));
    ck_assert(!auth_role_allows(ROLE_INGEST, ROLE_ADMIN));
    ck_assert(!auth_role_allows(ROLE_NONE, ROLE_READ));
}
END_TEST

START_TEST(test_scope_covers)
{
    ck_assert(auth_scope_covers(NULL, "000.00.01.H62"));
    ck_assert(auth_scope_covers("000.00.*", "000.00.01.H62"));
    ck_assert(!auth_scope_covers("000.00.*", "000.01.01.H62"));
    ck_assert(auth_scope_covers("000.00.01.H62", "000.00.01.H62"));
    ck_assert(!auth_scope_covers("000.00.01.H62", "000.00.01.H62X"));
    ck_assert(auth_scope_covers("*", "anything"));
}
END_TEST

static void expect_filter(const char *scope, const char *filter, int rc, const char *want)
{
    char out[128];
    int got = auth_scope_filter(scope, filter, out, sizeof out);
    ck_assert_msg(got == rc, "scope %s filter %s: rc %d want %d", scope, filter, got, rc);
    if (rc == 0)
        ck_assert_msg(!strcmp(out, want), "scope %s filter %s: '%s' want '%s'", scope, filter,
                      out, want);
}

START_TEST(test_scope_filter)
{
    expect_filter(NULL, "000.00.*", 0, "000.00.*");
    expect_filter(NULL, "", 0, "");
    expect_filter("000.00.*", NULL, 0, "000.00.*");
    expect_filter("000.00.*", "", 0, "000.00.*");
    expect_filter("000.00.*", "000.*", 0, "000.00.*");        /* wider filter: the scope */
    expect_filter("000.00.*", "000.00.01.*", 0, "000.00.01.*");  /* narrower: the filter */
    expect_filter("000.00.*", "000.00.01.H62", 0, "000.00.01.H62");
    expect_filter("000.00.*", "000.01.*", 1, "");              /* disjoint */
    expect_filter("000.00.*", "000.01.01.H62", 1, "");
    expect_filter("000.00.01.H62", "000.00.*", 0, "000.00.01.H62");
    expect_filter("000.00.01.H62", "000.00.01.H62", 0, "000.00.01.H62");
    expect_filter("000.00.01.H62", "000.00.02.H62", 1, "");
    expect_filter("000.00.01.H62", "000.01.*", 1, "");
    char tiny[4];
    ck_assert_int_eq(auth_scope_filter("000.00.*", NULL, tiny, sizeof tiny), -1);
}
END_TEST

Suite *make_auth_suite(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("keys");
    tcase_add_test(tc, test_key_round_trip);
    tcase_add_test(tc, test_key_parse_rejects);
    tcase_add_test(tc, test_roles);
    tcase_add_test(tc, test_scope_covers);
    tcase_add_test(tc, test_scope_filter);
    suite_add_tcase(s, tc);
    return s;
}
