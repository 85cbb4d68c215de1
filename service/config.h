/*
 * config.h - the service's settings: defaults, then MOTCUA_* environment
 * variables, then command-line flags (the last one wins). Every limit has
 * both a flag and a variable (see docs/CONFIG.md and `motcua serve --help`).
 */
#ifndef MOTCUA_CONFIG_H
#define MOTCUA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "due.h"

typedef struct {
    char db[1024];            /* libpq conninfo (MOTCUA_DB) */
    char db_read[1024];       /* conninfo of a read replica, "" = none (MOTCUA_DB_READ) */
    char listen[128];         /* address:port (MOTCUA_LISTEN) */
    size_t body_limit;        /* bytes (MOTCUA_BODY_LIMIT) */
    int max_connections;      /* MOTCUA_MAX_CONNECTIONS */
    int max_per_ip;           /* connections from one address, 0 = no limit (MOTCUA_MAX_PER_IP) */
    int timeout_s;            /* idle/slow connection timeout (MOTCUA_TIMEOUT) */
    int request_timeout_s;    /* a body still arriving after this is cut (MOTCUA_REQUEST_TIMEOUT) */
    int header_timeout_s;     /* request headers not complete after this: cut, 0 off (MOTCUA_HEADER_TIMEOUT) */
    int db_pool;              /* database connections (MOTCUA_DB_POOL) */
    int db_wait_ms;           /* wait for a free connection before 503 (MOTCUA_DB_WAIT_MS) */
    int within;               /* due_soon horizon, working days (MOTCUA_DUE_SOON_DAYS) */
    int64_t tolerance_micro;  /* near-miss tolerance (MOTCUA_TOLERANCE, e.g. 0.05) */
    bool public_read;         /* MOTCUA_PUBLIC_READ */
    bool access_log;          /* one JSON line per request on stderr (MOTCUA_ACCESS_LOG) */
    office_hours office_hours; /* for `hours` durations (MOTCUA_OFFICE_HOURS) */
} config_t;

void config_defaults(config_t *c);
/* Applies MOTCUA_* variables. 0, or -1 with a message naming the variable. */
int config_from_env(config_t *c, char *err, size_t cap);
/* Applies one flag ("--listen", value). 0 applied, 1 not a config flag,
 * -1 bad value (message in err). */
int config_flag(config_t *c, const char *flag, const char *value, char *err, size_t cap);
/* Splits listen into address and port. 0 ok, -1 invalid. */
int config_listen(const config_t *c, char *addr, size_t cap, int *port);
/* The flags and variables, for --help. */
extern const char CONFIG_HELP[];

#endif
