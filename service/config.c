/*
 * config.c - settings from defaults, environment and flags (see config.h).
 * One table drives both sources so a limit can never have a flag without a
 * variable or the other way round.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rates.h"

/* T_STR_DB settings share one size (db, db_read). */
_Static_assert(sizeof ((config_t *)0)->db_read == sizeof ((config_t *)0)->db,
               "db and db_read must have the same size");

typedef enum { T_STR_DB, T_STR_LISTEN, T_SIZE, T_INT, T_DEC, T_BOOL, T_HOURS } opt_type;

static const struct {
    const char *flag, *env;
    opt_type type;
    size_t offset;
    long long min, max;
} OPTS[] = {
    { "--db", "MOTCUA_DB", T_STR_DB, offsetof(config_t, db), 0, 0 },
    { "--db-read", "MOTCUA_DB_READ", T_STR_DB, offsetof(config_t, db_read), 0, 0 },
    { "--listen", "MOTCUA_LISTEN", T_STR_LISTEN, offsetof(config_t, listen), 0, 0 },
    { "--body-limit", "MOTCUA_BODY_LIMIT", T_SIZE, offsetof(config_t, body_limit), 1024, 1LL << 34 },
    { "--max-connections", "MOTCUA_MAX_CONNECTIONS", T_INT, offsetof(config_t, max_connections), 1, 100000 },
    { "--max-per-ip", "MOTCUA_MAX_PER_IP", T_INT, offsetof(config_t, max_per_ip), 0, 100000 },
    { "--timeout", "MOTCUA_TIMEOUT", T_INT, offsetof(config_t, timeout_s), 1, 3600 },
    { "--request-timeout", "MOTCUA_REQUEST_TIMEOUT", T_INT, offsetof(config_t, request_timeout_s), 1, 86400 },
    { "--header-timeout", "MOTCUA_HEADER_TIMEOUT", T_INT, offsetof(config_t, header_timeout_s), 0, 3600 },
    { "--db-pool", "MOTCUA_DB_POOL", T_INT, offsetof(config_t, db_pool), 1, 1000 },
    { "--db-wait-ms", "MOTCUA_DB_WAIT_MS", T_INT, offsetof(config_t, db_wait_ms), 0, 600000 },
    { "--due-soon-days", "MOTCUA_DUE_SOON_DAYS", T_INT, offsetof(config_t, within), 0, 366 },
    { "--tolerance", "MOTCUA_TOLERANCE", T_DEC, offsetof(config_t, tolerance_micro), 0, DEC_ONE },
    { "--public-read", "MOTCUA_PUBLIC_READ", T_BOOL, offsetof(config_t, public_read), 0, 1 },
    { "--access-log", "MOTCUA_ACCESS_LOG", T_BOOL, offsetof(config_t, access_log), 0, 1 },
    { "--office-hours", "MOTCUA_OFFICE_HOURS", T_HOURS, offsetof(config_t, office_hours), 0, 0 },
};

const char CONFIG_HELP[] =
    "  --db CONNINFO           libpq conninfo                      MOTCUA_DB\n"
    "  --db-read CONNINFO      read replica for the GETs (none)    MOTCUA_DB_READ\n"
    "  --listen ADDR:PORT      listen address (127.0.0.1:8080)     MOTCUA_LISTEN\n"
    "  --body-limit BYTES      largest request body (67108864)     MOTCUA_BODY_LIMIT\n"
    "  --max-connections N     concurrent connections (1000)       MOTCUA_MAX_CONNECTIONS\n"
    "  --max-per-ip N          connections per client address (0: off) MOTCUA_MAX_PER_IP\n"
    "  --timeout SECONDS       idle/slow connection timeout (30)   MOTCUA_TIMEOUT\n"
    "  --request-timeout S     a body must arrive within S s (300) MOTCUA_REQUEST_TIMEOUT\n"
    "  --header-timeout S      headers must arrive within S s (10; 0: off) MOTCUA_HEADER_TIMEOUT\n"
    "  --db-pool N             database connections (8)            MOTCUA_DB_POOL\n"
    "  --db-wait-ms MS         wait for a free one, then 503 (5000) MOTCUA_DB_WAIT_MS\n"
    "  --due-soon-days N       due_soon horizon, working days (1)  MOTCUA_DUE_SOON_DAYS\n"
    "  --tolerance DEC         near-miss tolerance (0.05)          MOTCUA_TOLERANCE\n"
    "  --public-read 0|1       aggregates without a key (0)        MOTCUA_PUBLIC_READ\n"
    "  --access-log 0|1        a JSON line per request (1)         MOTCUA_ACCESS_LOG\n"
    "  --office-hours RANGES   office hours of `hours` durations   MOTCUA_OFFICE_HOURS\n"
    "                          (07:30-11:30,13:00-17:00)\n";

void config_defaults(config_t *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen, sizeof c->listen, "127.0.0.1:8080");
    c->body_limit = 64u * 1024u * 1024u;
    c->max_connections = 1000;
    c->timeout_s = 30;
    c->request_timeout_s = 300;
    c->header_timeout_s = 10;
    c->db_pool = 8;
    c->db_wait_ms = 5000;
    c->within = 1;
    c->tolerance_micro = 50000;
    c->public_read = false;
    c->access_log = true;
    c->office_hours = (office_hours)OFFICE_HOURS_DEFAULT;
}

static int parse_ll(const char *s, long long *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    long long v = strtoll(s, &end, 10);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static int apply(config_t *c, size_t i, const char *value, const char *name, char *err, size_t cap)
{
    char *base = (char *)c + OPTS[i].offset;
    long long v = 0;
    int64_t micro;
    switch (OPTS[i].type) {
    case T_STR_DB:
    case T_STR_LISTEN: {
        size_t max = OPTS[i].type == T_STR_DB ? sizeof c->db : sizeof c->listen;
        if (strlen(value) >= max)
            goto bad;
        memcpy(base, value, strlen(value) + 1);
        return 0;
    }
    case T_BOOL:
        if (!strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes")) *(bool *)base = true;
        else if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "no") || !*value) *(bool *)base = false;
        else goto bad;
        return 0;
    case T_HOURS:
        if (office_hours_parse(value, (office_hours *)base) != 0)
            goto bad;
        return 0;
    case T_DEC:
        if (dec_parse(value, strlen(value), &micro) != 0 || micro > OPTS[i].max)
            goto bad;
        *(int64_t *)base = micro;
        return 0;
    case T_SIZE:
    case T_INT:
        if (parse_ll(value, &v) != 0 || v < OPTS[i].min || v > OPTS[i].max)
            goto bad;
        if (OPTS[i].type == T_SIZE) *(size_t *)base = (size_t)v;
        else *(int *)base = (int)v;
        return 0;
    }
bad:
    snprintf(err, cap, "invalid value for %s: '%.80s'", name, value);
    return -1;
}

int config_from_env(config_t *c, char *err, size_t cap)
{
    for (size_t i = 0; i < sizeof OPTS / sizeof OPTS[0]; i++) {
        const char *v = getenv(OPTS[i].env);
        if (v && apply(c, i, v, OPTS[i].env, err, cap) != 0)
            return -1;
    }
    return 0;
}

int config_flag(config_t *c, const char *flag, const char *value, char *err, size_t cap)
{
    for (size_t i = 0; i < sizeof OPTS / sizeof OPTS[0]; i++)
        if (!strcmp(flag, OPTS[i].flag))
            return apply(c, i, value ? value : "", flag, err, cap);
    return 1;
}

int config_listen(const config_t *c, char *addr, size_t cap, int *port)
{
    const char *colon = strrchr(c->listen, ':');
    long long p;
    if (!colon || (size_t)(colon - c->listen) >= cap || parse_ll(colon + 1, &p) != 0 ||
        p < 0 || p > 65535)
        return -1;
    memcpy(addr, c->listen, (size_t)(colon - c->listen));
    addr[colon - c->listen] = '\0';
    *port = (int)p;
    return 0;
}
