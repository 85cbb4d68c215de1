/*
 * refdata.c - see refdata.h.
 *
 * Why this shape: every request that classifies a dossier needs the calendar,
 * and the calendar changes only when an administrator stores an override (in
 * this instance or in another one behind the same load balancer). So each
 * request reads one number, the stored calendar version (one indexed row), and
 * only when it differs from the version of the calendar in hand is the
 * calendar rebuilt: calendar_new_vn() (the rules of §6) plus every stored
 * override, read with its version in one snapshot.
 *
 * A mutex guards the pointer swap only; building happens outside it, under a
 * second mutex that lets one thread rebuild while the others keep answering
 * with the calendar in hand (and a thread that waited for it finds the
 * calendar already current). Retired calendars are kept in a list and freed
 * with the store, so a calendar handed out never disappears under a request.
 */
#include "refdata.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "db_reference.h"

typedef struct retired {
    calendar_t *cal;
    struct retired *next;
} retired;

struct refdata {
    pthread_mutex_t mu;      /* guards cal, version, old */
    pthread_mutex_t load_mu; /* one rebuild at a time */
    calendar_t *cal;         /* current */
    long long version;       /* version of the overrides it was built from */
    retired *old;
    office_hours oh;
};

refdata_t *refdata_new(const office_hours *oh)
{
    refdata_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->load_mu, NULL);
    r->version = -1;
    r->oh = *oh;
    return r;
}

void refdata_free(refdata_t *r)
{
    if (!r)
        return;
    calendar_free(r->cal);
    while (r->old) {
        retired *n = r->old->next;
        calendar_free(r->old->cal);
        free(r->old);
        r->old = n;
    }
    pthread_mutex_destroy(&r->load_mu);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

const office_hours *refdata_office_hours(const refdata_t *r) { return &r->oh; }

static int add_override(void *ctx, day_t d, bool working, const char *name)
{
    return calendar_set_override(ctx, d, working, name);
}

/* Builds the calendar of the rules plus the stored overrides. */
static int build(db_conn *c, calendar_t **out, long long *version)
{
    *out = NULL;
    calendar_t *cal = calendar_new_vn();
    if (!cal) {
        db_set_error(c, "out of memory");
        return DB_ERROR;
    }
    int rc = db_load_overrides(c, add_override, cal, version);
    if (rc != DB_OK) {
        calendar_free(cal);
        return rc;
    }
    *out = cal;
    return DB_OK;
}

int refdata_build(db_conn *c, calendar_t **out)
{
    long long version;
    return build(c, out, &version);
}

/* Builds and swaps in a new calendar; the caller holds load_mu. */
static int load_locked(refdata_t *r, db_conn *c)
{
    calendar_t *cal;
    long long version;
    int rc = build(c, &cal, &version);
    if (rc != DB_OK)
        return rc;
    retired *ret = malloc(sizeof *ret);
    if (!ret) {
        calendar_free(cal);
        db_set_error(c, "out of memory");
        return DB_ERROR;
    }
    pthread_mutex_lock(&r->mu);
    ret->cal = r->cal;
    ret->next = r->old;
    if (ret->cal)
        r->old = ret;
    else
        free(ret);
    r->cal = cal;
    r->version = version;
    pthread_mutex_unlock(&r->mu);
    return DB_OK;
}

int refdata_load(refdata_t *r, db_conn *c)
{
    pthread_mutex_lock(&r->load_mu);
    int rc = load_locked(r, c);
    pthread_mutex_unlock(&r->load_mu);
    return rc;
}

/* The calendar in hand and its version. */
static const calendar_t *current(refdata_t *r, long long *version)
{
    pthread_mutex_lock(&r->mu);
    const calendar_t *cal = r->cal;
    *version = r->version;
    pthread_mutex_unlock(&r->mu);
    return cal;
}

const calendar_t *refdata_calendar(refdata_t *r, db_conn *c, int *rc)
{
    long long stored, have;
    const calendar_t *cal = current(r, &have);
    *rc = db_calendar_version(c, &stored);
    if (*rc != DB_OK || (cal && stored == have))
        return cal;
    pthread_mutex_lock(&r->load_mu);
    cal = current(r, &have);
    if (!cal || stored != have) /* not already rebuilt by the thread we waited for */
        *rc = load_locked(r, c);
    pthread_mutex_unlock(&r->load_mu);
    return current(r, &have);
}
