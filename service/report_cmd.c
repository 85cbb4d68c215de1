/*
 * report_cmd.c - see report_cmd.h.
 */
#include "report_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "db.h"
#include "query.h"
#include "refdata.h"
#include "report.h"

/* The query parameters of the options, plus group_by=agency. */
static size_t report_params(const report_args *a, kv_t *kv)
{
    const struct {
        const char *key, *value;
    } opts[] = { { "period", a->period }, { "from", a->from }, { "to", a->to },
                 { "agency", a->agency }, { "calendar", a->calendar }, { "as_of", a->as_of } };
    size_t n = 0;
    kv[n++] = (kv_t){ "group_by", "agency" };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (opts[i].value)
            kv[n++] = (kv_t){ opts[i].key, opts[i].value };
    return n;
}

/* The parser's message "as_of: not a valid timestamp" as the option's:
 * "--as-of: not a valid timestamp". */
static void option_message(const char *bad, const char *msg, char *err, size_t cap)
{
    char flag[72];
    snprintf(flag, sizeof flag, "--%s", bad);
    for (char *p = flag; *p; p++)
        if (*p == '_')
            *p = '-';
    size_t n = strlen(bad);
    const char *rest = !strncmp(msg, bad, n) && !strncmp(msg + n, ": ", 2) ? msg + n + 2 : msg;
    snprintf(err, cap, "%s: %s", flag, rest);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Replaces path with data: a temp file beside it (same file system, so the
 * rename is atomic), written, flushed to disk, then renamed over path. On
 * failure path is left as it was and the temp file removed. */
static int write_atomic(const char *path, const char *data, size_t len, char *err, size_t cap)
{
    size_t n = strlen(path) + sizeof ".XXXXXX";
    char *tmp = malloc(n);
    if (!tmp) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    snprintf(tmp, n, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    mode_t um = umask(0);   /* mkstemp makes 0600; a report is as readable as any new file */
    umask(um);
    int rc = fchmod(fd, 0666 & ~um) == 0 && write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : -1;
    int saved = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) {
        snprintf(err, cap, "%s: %s", path, strerror(saved));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

int report_cmd_run(const config_t *cfg, const report_args *a, ts_t now, FILE *out, char *err,
                   size_t cap)
{
    report_format fmt = REPORT_CSV;
    if (a->format && report_format_parse(a->format, &fmt) != 0) {
        snprintf(err, cap, "--format: expected csv, json or html");
        return 2;
    }
    kv_t kv[8];
    size_t nkv = report_params(a, kv);
    metrics_query_t q;
    char bad[64], msg[256];
    if (query_parse_metrics(kv, nkv, now, cfg->within, &q, bad, sizeof bad, msg, sizeof msg) != 0) {
        option_message(bad, msg, err, cap);
        return 2;
    }

    int status = 1;
    char *text = NULL;
    size_t len = 0;
    metrics_run_t run;
    memset(&run, 0, sizeof run);
    refdata_t *ref = NULL;
    db_conn *c = db_connect(cfg->db, msg, sizeof msg);
    if (!c) {
        snprintf(err, cap, "cannot connect to the database: %s", msg);
        goto done;
    }
    if (!(ref = refdata_new(&cfg->office_hours))) {
        snprintf(err, cap, "out of memory");
        goto done;
    }
    int add_rc = 0;
    if (api_metrics_load(c, ref, &q, &run, &add_rc) != DB_OK) {
        if (add_rc == -2)
            snprintf(err, cap, "more than 10000 agencies; narrow them with --agency");
        else if (add_rc == -1)
            snprintf(err, cap, "out of memory");
        else
            snprintf(err, cap, "the metrics query failed: %s", db_error(c));
        goto done;
    }
    report_input in = { run.m, &q, a->period, &run.targets, cfg->tolerance_micro,
                        api_metrics_label, &run };
    if (!(text = report_render(fmt, &in, &len))) {
        snprintf(err, cap, "out of memory");
        goto done;
    }
    if (a->output && strcmp(a->output, "-") != 0) {
        if (write_atomic(a->output, text, len, err, cap) != 0)
            goto done;
    } else if (fwrite(text, 1, len, out) != len || fflush(out) != 0) {
        snprintf(err, cap, "writing the report: %s", strerror(errno));
        goto done;
    }
    status = 0;
done:
    free(text);
    api_metrics_run_free(&run);
    refdata_free(ref);
    db_close(c);
    return status;
}
