/*
 * main.c - the motcua command line: serve, migrate, import, key, demo-data.
 * Each subcommand parses its own flags; configuration comes from defaults,
 * then MOTCUA_* variables, then flags (config.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "body.h"
#include "calendar.h"
#include "config.h"
#include "db.h"
#include "db_reference.h"
#include "demo.h"
#include "http.h"
#include "ingest.h"
#include "db_audit.h"
#include "db_keys.h"
#include "db_rollup.h"
#include "refdata.h"
#include "record.h"
#include "report_cmd.h"

static const char USAGE[] =
    "motcua - one-stop dossier metrics service\n\n"
    "usage: motcua COMMAND [OPTIONS]\n\n"
    "commands:\n"
    "  serve              apply pending migrations, then serve the HTTP API\n"
    "  migrate            apply pending migrations and exit\n"
    "  import FILE...     ingest dossier files (.json, .ndjson, .csv; - for stdin)\n"
    "  import --procedures FILE.csv\n"
    "                     load the procedure catalog from CSV\n"
    "  key create|list|revoke   manage API keys\n"
    "  report --period P  write the quarterly report (Biểu 06) per agency: CSV, JSON, HTML\n"
    "  demo-data          write a realistic demo data set as NDJSON to stdout\n"
    "  rollup --rebuild   recompute the roll-up tables from the dossiers\n\n"
    "`motcua COMMAND --help` describes each command.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "motcua: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 2;
}

/* A command's own flag (not a configuration flag) and where its value goes. */
typedef struct {
    const char *name;
    char **value;
} extra_flag;

/* Parses "--flag value" / "--flag=value" configuration flags and the
 * command's own flags (extra, NULL-terminated, or NULL); positional
 * arguments are left in pos (count in *npos). 0 ok, 2 usage error, 1 help. */
static int parse_flags(int argc, char **argv, config_t *cfg, char **pos, int *npos,
                       const extra_flag *extra)
{
    char err[256];
    *npos = 0;
    if (config_from_env(cfg, err, sizeof err) != 0) {
        fprintf(stderr, "motcua: %s\n", err);
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return 1;
        if (strncmp(a, "--", 2) != 0 || !strcmp(a, "-")) {
            pos[(*npos)++] = a;
            continue;
        }
        char name[64];
        char *val = strchr(a, '=');
        size_t n = val ? (size_t)(val - a) : strlen(a);
        if (n >= sizeof name)
            return usage_error("unknown option %s", a);
        memcpy(name, a, n);
        name[n] = '\0';
        if (val)
            val++;
        else if (i + 1 < argc)
            val = argv[++i];
        else
            return usage_error("option %s needs a value", name);
        const extra_flag *x = extra;
        while (x && x->name && strcmp(name, x->name) != 0)
            x++;
        if (x && x->name) {
            *x->value = val;
            continue;
        }
        int rc = config_flag(cfg, name, val, err, sizeof err);
        if (rc == 1)
            return usage_error("unknown option %s", name);
        if (rc < 0) {
            fprintf(stderr, "motcua: %s\n", err);
            return 2;
        }
    }
    return 0;
}

static db_conn *connect_or_die(const config_t *cfg)
{
    char err[512];
    db_conn *c = db_connect(cfg->db, err, sizeof err);
    if (!c)
        fprintf(stderr, "motcua: cannot connect to the database: %s\n", err);
    return c;
}

static int migrate(db_conn *c)
{
    int applied = 0;
    if (db_migrate(c, &applied) != DB_OK) {
        fprintf(stderr, "motcua: migration failed: %s\n", db_error(c));
        return 1;
    }
    fprintf(stderr, "motcua: database schema up to date (%d migration%s applied)\n", applied,
            applied == 1 ? "" : "s");
    return 0;
}

/* Migrations for commands that are not about the schema: silent unless one
 * is applied or it fails. */
static int migrate_quiet(db_conn *c)
{
    int applied = 0;
    if (db_migrate(c, &applied) != DB_OK) {
        fprintf(stderr, "motcua: migration failed: %s\n", db_error(c));
        return 1;
    }
    if (applied)
        fprintf(stderr, "motcua: %d migration%s applied\n", applied, applied == 1 ? "" : "s");
    return 0;
}

/* ---- migrate --------------------------------------------------------------------- */

static int cmd_migrate(int argc, char **argv)
{
    config_t cfg;
    char *pos[64];
    int npos;
    config_defaults(&cfg);
    int rc = parse_flags(argc, argv, &cfg, pos, &npos, NULL);
    if (rc == 1) {
        printf("usage: motcua migrate [--db CONNINFO]\n\n"
               "Applies the pending schema migrations (sql/, embedded in the binary) in order,\n"
               "each in its own transaction, and records them in schema_migrations.\n");
        return 0;
    }
    if (rc)
        return rc;
    if (npos)
        return usage_error("unexpected argument %s", pos[0]);
    db_conn *c = connect_or_die(&cfg);
    if (!c)
        return 1;
    rc = migrate(c);
    db_close(c);
    return rc;
}

/* ---- serve ------------------------------------------------------------------------- */

static int cmd_serve(int argc, char **argv)
{
    config_t cfg;
    char *pos[64], err[512];
    int npos;
    config_defaults(&cfg);
    int rc = parse_flags(argc, argv, &cfg, pos, &npos, NULL);
    if (rc == 1) {
        printf("usage: motcua serve [OPTIONS]\n\n"
               "Applies pending migrations, then serves the HTTP API (see api/openapi.json).\n"
               "SIGTERM or SIGINT stop it: it stops accepting, lets requests in flight\n"
               "finish (up to 30 s), then exits.\n\noptions (flag, then variable):\n%s",
               CONFIG_HELP);
        return 0;
    }
    if (rc)
        return rc;
    if (npos)
        return usage_error("unexpected argument %s", pos[0]);

    /* Signals are taken by sigwait() in this thread only; every other thread
     * (libmicrohttpd's) inherits the blocked mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    json_object_seed(0);

    db_conn *c = connect_or_die(&cfg);
    if (!c)
        return 1;
    rc = migrate(c);
    db_close(c);
    if (rc)
        return rc;

    refdata_t *ref = refdata_new(&cfg.office_hours);
    db_pool *pool = db_pool_new(cfg.db, cfg.db_pool);
    /* A read replica (MOTCUA_DB_READ) gets a pool of its own, as large. */
    db_pool *rpool = cfg.db_read[0] ? db_pool_new(cfg.db_read, cfg.db_pool) : NULL;
    bool rpool_ok = !cfg.db_read[0] || rpool;
    opmetrics *ops = http_opmetrics_new();
    app_t app = { &cfg, pool, ref, ops, rpool };
    http_server *srv = ref && pool && ops && rpool_ok ? http_start(&app, err, sizeof err) : NULL;
    if (!srv) {
        fprintf(stderr, "motcua: %s\n", ref && pool && ops && rpool_ok ? err : "out of memory");
        db_pool_free(rpool);
        db_pool_free(pool);
        refdata_free(ref);
        opmetrics_free(ops);
        return 1;
    }
    fprintf(stderr, "{\"level\":\"info\",\"msg\":\"listening\",\"port\":%d}\n", http_port(srv));
    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "{\"level\":\"info\",\"msg\":\"stopping\",\"signal\":%d}\n", sig);
    http_stop(srv, 30);
    db_pool_free(rpool);
    db_pool_free(pool);
    refdata_free(ref);
    opmetrics_free(ops);
    return 0;
}

/* ---- import ------------------------------------------------------------------------ */

/* Reads a whole file (or stdin for "-") into a malloc'd buffer. */
static char *read_all(const char *path, size_t *len)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;
    if (fd < 0)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            buf = NULL;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (fd)
        close(fd);
    *len = n;
    return buf;
}

typedef struct {
    const char *file;
    int tty;
} progress_ctx;

/* One progress line per committed chunk: rewritten in place on a terminal,
 * one line each when stderr is a file or a pipe. */
static void progress(void *ctx, const ingest_counts *c)
{
    progress_ctx *p = ctx;
    fprintf(stderr, "%s%s: %ld records (%ld inserted, %ld updated, %ld unchanged, %ld stale, "
                    "%ld rejected)%s", p->tty ? "\r" : "", p->file, c->received, c->inserted, c->updated, c->unchanged,
            c->stale, c->rejected, p->tty ? "" : "\n");
}

static int import_file(db_conn *c, db_conn *c2, refdata_t *ref, const char *path,
                       const char *format_flag, long *rejected)
{
    body_format fmt;
    char msg[256];
    int rc = 0;
    if (format_flag ? body_format_from_content_type(format_flag, &fmt) != 0 &&
                          body_format_from_filename(format_flag, &fmt) != 0
                    : body_format_from_filename(path, &fmt) != 0) {
        fprintf(stderr, "motcua: %s: unknown format (use .json, .ndjson or .csv, or --format)\n", path);
        return 1;
    }
    size_t len;
    char *buf = read_all(path, &len);
    if (!buf) {
        fprintf(stderr, "motcua: %s: %s\n", path, strerror(errno));
        return 1;
    }
    ingest_t *in = ingest_new(c, fmt, INGEST_CHUNK, ref);
    if (in && c2)
        ingest_add_conn(in, c2);   /* best effort: one connection is enough */
    if (!in) {
        free(buf);
        fprintf(stderr, "motcua: out of memory\n");
        return 1;
    }
    progress_ctx pc = { strcmp(path, "-") ? path : "stdin", isatty(2) };
    ingest_on_progress(in, progress, &pc);
    record_sink sink = ingest_sink(in);
    int prc = body_parse(fmt, buf, len, &sink, msg, sizeof msg);
    if (prc == BODY_NOMEM || prc == BODY_ABORTED)
        ingest_abort(in);   /* the writer thread lets go of c */
    if (prc == BODY_INVALID) {
        fprintf(stderr, "motcua: %s: %s (nothing stored)\n", path, msg);
        rc = 1;
    } else if (prc == BODY_NOMEM) {
        fprintf(stderr, "motcua: %s: out of memory\n", path);
        rc = 1;
    } else if (prc == BODY_ABORTED || ingest_finish(in) != DB_OK) {
        fprintf(stderr, "\nmotcua: %s: database write failed: %s\n", path, db_error(c));
        rc = 1;
    } else {
        if (pc.tty)
            fputc('\n', stderr);
        json_t *res = ingest_result_json(in);
        char *s = res ? json_dumps(res, JSON_COMPACT) : NULL;
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(res);
        *rejected += ingest_get_counts(in)->rejected;
    }
    if (prc != BODY_NOMEM && prc != BODY_ABORTED && ingest_status(in) == DB_OK) {
        static const char *const FORMATS[] = { "json", "ndjson", "csv" };
        audit_entry e = { NULL, "import", FORMATS[fmt], rc ? 400 : 200,
                          prc == BODY_INVALID ? NULL : ingest_get_counts(in),
                          prc == BODY_INVALID ? msg : NULL,
                          prc == BODY_INVALID ? NULL : ingest_errors(in), 0 };
        if (db_audit_insert(c, &e) != DB_OK)
            fprintf(stderr, "motcua: %s: the audit entry was not recorded: %s\n", path, db_error(c));
    }
    ingest_free(in);
    free(buf);
    return rc;
}

/* `import --procedures FILE.csv`: the catalog, with the validation of
 * PUT /v1/procedures; valid lines are stored, invalid ones reported. */
static int import_procedures(db_conn *c, const office_hours *oh, const char *path,
                             long *rejected)
{
    char msg[256];
    size_t len;
    json_t *res = NULL;
    long bad = 0;
    char *buf = read_all(path, &len);
    if (!buf) {
        fprintf(stderr, "motcua: %s: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = db_import_procedures_csv(c, oh, buf, len, &res, &bad, msg, sizeof msg);
    free(buf);
    if (rc == 1) {
        fprintf(stderr, "motcua: %s: %s (nothing stored)\n", path, msg);
        return 1;
    }
    if (rc != DB_OK) {
        fprintf(stderr, "motcua: %s: storing the procedures failed: %s\n", path, db_error(c));
        return 1;
    }
    fprintf(stderr, "%s: %lld procedures (%lld upserted, %lld rejected)\n",
            strcmp(path, "-") ? path : "stdin",
            (long long)json_integer_value(json_object_get(res, "received")),
            (long long)json_integer_value(json_object_get(res, "upserted")), (long long)bad);
    char *s = json_dumps(res, JSON_COMPACT);
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(res);
    *rejected += bad;
    return 0;
}

static int cmd_import(int argc, char **argv)
{
    config_t cfg;
    char *pos[256], *format = NULL, *procedures = NULL;
    int npos;
    config_defaults(&cfg);
    if (argc > 256)
        return usage_error("%s", "too many files at once (at most 256)");
    const extra_flag extra[] = { { "--format", &format }, { "--procedures", &procedures },
                                 { NULL, NULL } };
    int rc = parse_flags(argc, argv, &cfg, pos, &npos, extra);
    if (rc == 1) {
        printf("usage: motcua import [--db CONNINFO] [--format json|ndjson|csv] FILE...\n"
               "       motcua import [--db CONNINFO] --procedures CATALOG.csv [FILE...]\n\n"
               "Ingests dossier files with the same parser, validation and upsert as\n"
               "POST /v1/dossiers. The format follows the extension (.json, .ndjson/.jsonl,\n"
               ".csv) unless --format names it; - reads stdin. Progress goes to stderr,\n"
               "one result object per file (as the API's response) to stdout.\n\n"
               "--procedures loads the procedure catalog (first, before any FILE) with the\n"
               "validation of PUT /v1/procedures: a CSV header of procedure_code (required),\n"
               "name, field_code, service_level, duration, duration_unit, has_fee; an entry\n"
               "per code, upserted. Valid lines are stored, invalid ones reported by line.\n\n"
               "Exit status: 0 all stored, 3 some records rejected, 1 failure.\n");
        return 0;
    }
    if (rc)
        return rc;
    if (npos == 0 && !procedures)
        return usage_error("%s", "import needs at least one FILE (or --procedures FILE)");
    char fmtbuf[32];
    if (format) {
        if (!strcmp(format, "json") || !strcmp(format, "ndjson") || !strcmp(format, "csv")) {
            snprintf(fmtbuf, sizeof fmtbuf, "x.%s", format);
            format = fmtbuf;
        } else {
            return usage_error("unknown --format %s (json, ndjson or csv)", format);
        }
    }
    db_conn *c = connect_or_die(&cfg);
    if (!c)
        return 1;
    if ((rc = migrate(c)) != 0) {
        db_close(c);
        return rc;
    }
    long rejected = 0;
    refdata_t *ref = refdata_new(&cfg.office_hours);
    if (!ref) {
        db_close(c);
        fprintf(stderr, "motcua: out of memory\n");
        return 1;
    }
    if (procedures)
        rc = import_procedures(c, &cfg.office_hours, procedures, &rejected);
    char err[256];
    db_conn *c2 = npos ? db_connect(cfg.db, err, sizeof err) : NULL;   /* a second writer */
    for (int i = 0; i < npos && rc == 0; i++)
        rc = import_file(c, c2, ref, pos[i], format, &rejected);
    db_close(c2);
    refdata_free(ref);
    db_close(c);
    return rc ? rc : rejected ? 3 : 0;
}

/* ---- rollup ------------------------------------------------------------------------------- */

static void rollup_progress(void *ctx, long rows)
{
    (void)ctx;
    fprintf(stderr, "motcua: roll-ups: %ld dossiers read\n", rows);
}

static int cmd_rollup(int argc, char **argv)
{
    config_t cfg;
    char *pos[64], *rest[64];
    int npos, nrest = 0;
    bool rebuild = false;
    config_defaults(&cfg);
    if (argc > 64)
        return usage_error("%s", "too many arguments");
    for (int i = 0; i < argc; i++) {   /* --rebuild takes no value */
        if (!strcmp(argv[i], "--rebuild"))
            rebuild = true;
        else
            rest[nrest++] = argv[i];
    }
    int rc = parse_flags(nrest, rest, &cfg, pos, &npos, NULL);
    if (rc == 1) {
        printf("usage: motcua rollup --rebuild [--db CONNINFO] [--office-hours H]\n\n"
               "Recomputes the roll-up tables (docs/ROLLUPS.md) from the dossier table, the\n"
               "procedure catalog and the calendar, in one transaction: ingest waits, reads go\n"
               "on with the old roll-ups until it commits. Needed once after upgrading a\n"
               "database that held dossiers before the roll-ups existed, or after changing\n"
               "the office hours (MOTCUA_OFFICE_HOURS), which 'hours' due dates depend on.\n");
        return 0;
    }
    if (rc)
        return rc;
    if (npos)
        return usage_error("unexpected argument %s", pos[0]);
    if (!rebuild)
        return usage_error("%s", "rollup needs --rebuild (see motcua rollup --help)");
    db_conn *c = connect_or_die(&cfg);
    if (!c)
        return 1;
    if ((rc = migrate(c)) == 0 &&
        db_rollup_rebuild(c, &cfg.office_hours, rollup_progress, NULL) != DB_OK) {
        fprintf(stderr, "motcua: rebuilding the roll-ups failed: %s\n", db_error(c));
        rc = 1;
    }
    db_close(c);
    return rc;
}

/* ---- key ------------------------------------------------------------------------------------ */

static const char KEY_USAGE[] =
    "usage: motcua key create --role read|ingest|admin [--agency CODE|PREFIX*] [--label TEXT]\n"
    "       motcua key list\n"
    "       motcua key revoke ID\n\n"
    "create prints the new key once, as the last word of its output: keep it, only a\n"
    "salted hash is stored. A key with --agency reads and writes only that agency\n"
    "(an exact code, or a prefix ending in '*'). list shows ids, roles, scopes and\n"
    "whether revoked, never secrets. revoke stops a key at once. --db as for serve.\n";

static int key_create(db_conn *c, const char *role, const char *agency, const char *label)
{
    db_key k;
    char key[AUTH_KEY_MAX];
    memset(&k, 0, sizeof k);
    if (!role || auth_role_parse(role, &k.role) != 0)
        return usage_error("key create needs --role read, ingest or admin");
    if (agency) {
        size_t n = strlen(agency);
        const char *star = strchr(agency, '*');
        if (n == 0 || n >= sizeof k.agency || (star && star != agency + n - 1) ||
            !utf8_valid(agency, n))
            return usage_error("--agency: an agency code, or a prefix ending in '*'");
        memcpy(k.agency, agency, n + 1);
    }
    if (label)
        snprintf(k.label, sizeof k.label, "%s", label);
    if (auth_key_new(key, k.id, k.salt, k.hash) != 0) {
        fprintf(stderr, "motcua: no randomness available for a key\n");
        return 1;
    }
    if (db_key_insert(c, &k) != DB_OK) {
        fprintf(stderr, "motcua: storing the key failed: %s\n", db_error(c));
        return 1;
    }
    printf("created %s key %s%s%s: %s\n", auth_role_name(k.role), k.id,
           k.agency[0] ? " for agency " : "", k.agency, key);
    return 0;
}

static int key_list(db_conn *c)
{
    db_key *keys;
    size_t n;
    if (db_key_list(c, &keys, &n) != DB_OK) {
        fprintf(stderr, "motcua: listing keys failed: %s\n", db_error(c));
        return 1;
    }
    printf("%-16s  %-6s  %-20s  %-25s  %-7s  %s\n", "id", "role", "agency", "created", "state",
           "label");
    for (size_t i = 0; i < n; i++)
        printf("%-16s  %-6s  %-20s  %-25s  %-7s  %s\n", keys[i].id, auth_role_name(keys[i].role),
               keys[i].agency[0] ? keys[i].agency : "*", keys[i].created_at,
               keys[i].revoked ? "revoked" : "active", keys[i].label);
    free(keys);
    return 0;
}

static int cmd_key(int argc, char **argv)
{
    config_t cfg;
    char *pos[8], *role = NULL, *agency = NULL, *label = NULL;
    int npos = 0;
    config_defaults(&cfg);
    char err[256];
    if (config_from_env(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "motcua: %s\n", err);
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        char **dst = !strcmp(argv[i], "--role") ? &role : !strcmp(argv[i], "--agency") ? &agency
                   : !strcmp(argv[i], "--label") ? &label : NULL;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(KEY_USAGE, stdout);
            return 0;
        }
        if (dst || !strcmp(argv[i], "--db")) {
            if (i + 1 >= argc)
                return usage_error("option %s needs a value", argv[i]);
            if (dst)
                *dst = argv[++i];
            else
                config_flag(&cfg, "--db", argv[++i], err, sizeof err);
        } else if (argv[i][0] == '-' || npos >= 8) {
            return usage_error("unknown option %s", argv[i]);
        } else {
            pos[npos++] = argv[i];
        }
    }
    if (npos == 0)
        return usage_error("key needs create, list or revoke (see motcua key --help)");
    db_conn *c = connect_or_die(&cfg);
    if (!c)
        return 1;
    int rc = migrate_quiet(c);
    if (rc == 0) {
        if (!strcmp(pos[0], "create") && npos == 1)
            rc = key_create(c, role, agency, label);
        else if (!strcmp(pos[0], "list") && npos == 1)
            rc = key_list(c);
        else if (!strcmp(pos[0], "revoke") && npos == 2) {
            int r = db_key_revoke(c, pos[1]);
            if (r == DB_OK)
                printf("revoked %s\n", pos[1]);
            else
                fprintf(stderr, "motcua: %s\n", r == 1 ? "no such active key" : db_error(c));
            rc = r == DB_OK ? 0 : 1;
        } else
            rc = usage_error("key needs create, list or revoke ID (see motcua key --help)");
    }
    db_close(c);
    return rc;
}

/* ---- report ------------------------------------------------------------------------------- */

static const char REPORT_USAGE[] =
    "usage: motcua report [--period P | --from DATE --to DATE] [--agency CODE|PREFIX*]\n"
    "                     [--calendar civil|report] [--as-of TIME]\n"
    "                     [--format csv|json|html] [--output FILE] [--db CONNINFO]\n\n"
    "Writes the quarterly report (Biểu 06), one row per agency and a total row:\n"
    "dossiers to resolve (received online, direct, by post, and carried over),\n"
    "resolved (early, on time, late), pending (in time, overdue), and the on-time\n"
    "rate against its target. The numbers are those of\n"
    "GET /v1/metrics?group_by=agency with the same parameters, validated the same\n"
    "way: --period 2024-Q1 (or 2024, 2024-H1, 2024-03, 2024-W10, 2024-03-14), or\n"
    "--from and --to; neither: the current month to date. --calendar report takes\n"
    "the official reporting periods (Decree 09/2019: a quarter runs from the 15th of\n"
    "the month before it to the 14th of its last month). --as-of evaluates the data\n"
    "at an earlier moment.\n\n"
    "--format csv (default): UTF-8 with a BOM, a header row of column codes, the\n"
    "  total last (empty agency_code). json: the API's counts and rate objects.\n"
    "  html: one self-contained page in the layout of Biểu 06.\n"
    "--output FILE replaces FILE atomically (a temp file beside it, then rename);\n"
    "  without it the report goes to stdout.\n\n"
    "Exit status: 0 written, 1 failure (database, output file), 2 bad option.\n";

static int cmd_report(int argc, char **argv)
{
    config_t cfg;
    char *pos[64], err[512];
    int npos;
    char *period = NULL, *from = NULL, *to = NULL, *agency = NULL, *calendar = NULL,
         *as_of = NULL, *format = NULL, *output = NULL;
    config_defaults(&cfg);
    const extra_flag extra[] = {
        { "--period", &period }, { "--from", &from }, { "--to", &to }, { "--agency", &agency },
        { "--calendar", &calendar }, { "--as-of", &as_of }, { "--format", &format },
        { "--output", &output }, { NULL, NULL } };
    if (argc > 64)
        return usage_error("%s", "too many arguments");
    int rc = parse_flags(argc, argv, &cfg, pos, &npos, extra);
    if (rc == 1) {
        fputs(REPORT_USAGE, stdout);
        return 0;
    }
    if (rc)
        return rc;
    if (npos)
        return usage_error("unexpected argument %s", pos[0]);
    report_args a = { period, from, to, agency, calendar, as_of, format, output };
    rc = report_cmd_run(&cfg, &a, ts_now(), stdout, err, sizeof err);
    if (rc)
        fprintf(stderr, "motcua: %s\n", err);
    return rc;
}

/* ---- demo-data -------------------------------------------------------------------------- */

static int cmd_demo(int argc, char **argv)
{
    long count = 20000, seed = 1, year = 0;
    demo_opts o = { 0 };
    for (int i = 0; i < argc; i++) {
        long *dst = !strcmp(argv[i], "--count") ? &count : !strcmp(argv[i], "--seed") ? &seed
                  : !strcmp(argv[i], "--year") ? &year : NULL;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: motcua demo-data [--count N] [--seed S] [--year Y] [--province]\n"
                   "                        [--ordered]\n\n"
                   "Writes N (20000) deterministic, realistic dossiers as NDJSON to stdout:\n"
                   "the twelve months up to today (or the year Y), several agencies and\n"
                   "procedures, every status and channel, fees, early/on-time/late.\n"
                   "--province: a province's scale (200 agencies, 400 procedures, most\n"
                   "dossiers at commune level, a few procedures taking most of the volume).\n"
                   "--ordered: in order of reception, as a one-stop system's sync sends them.\n");
            return 0;
        }
        if (!strcmp(argv[i], "--province") || !strcmp(argv[i], "--ordered")) {
            *(argv[i][2] == 'p' ? &o.province : &o.ordered) = true;
            continue;
        }
        if (!dst || i + 1 >= argc)
            return usage_error("unknown or incomplete option %s", argv[i]);
        char *end;
        *dst = strtol(argv[++i], &end, 10);
        if (*end || *dst < 0)
            return usage_error("bad number %s", argv[i]);
    }
    o.count = count;
    o.seed = (unsigned long)seed;
    o.year = (int)year;
    return demo_write(stdout, &o, ts_now()) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "serve")) return cmd_serve(argc - 2, argv + 2);
    if (!strcmp(cmd, "migrate")) return cmd_migrate(argc - 2, argv + 2);
    if (!strcmp(cmd, "import")) return cmd_import(argc - 2, argv + 2);
    if (!strcmp(cmd, "demo-data")) return cmd_demo(argc - 2, argv + 2);
    if (!strcmp(cmd, "rollup")) return cmd_rollup(argc - 2, argv + 2);
    if (!strcmp(cmd, "key")) return cmd_key(argc - 2, argv + 2);
    if (!strcmp(cmd, "report")) return cmd_report(argc - 2, argv + 2);
    fprintf(stderr, "motcua: unknown command '%s'\n\n%s", cmd, USAGE);
    return 2;
}
