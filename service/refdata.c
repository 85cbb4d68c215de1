/*
 * refdata.c - see refdata.h. A mutex guards the pointer swap only; building
 * a calendar happens outside it. Retired calendars are kept in a list and
 * freed with the store.
 */
#include "refdata.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct retired {
    calendar_t *cal;
    struct retired *next;
} retired;

struct refdata {
    pthread_mutex_t mu;
    calendar_t *cal;        /* current */
    long long version;      /* version of the overrides it was built from */
    retired *old;
    office_hours oh;
};

refdata_t *refdata_new(const office_hours *oh)
{
    refdata_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_init(&r->mu, NULL);
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
    pthread_mutex_destroy(&r->mu);
    free(r);
}

const office_hours *refdata_office_hours(const refdata_t *r) { return &r->oh; }

/* Builds the calendar of the rules plus the stored overrides. */
static int build(db_conn *c, calendar_t **out, long long *version)
{
    *version = 0;
    (void)c; /* overrides from the database come with the calendar work (issue 3) */
    *out = calendar_new_default();
    return *out ? DB_OK : DB_ERROR;
}

int refdata_load(refdata_t *r, db_conn *c)
{
    calendar_t *cal;
    long long version;
    int rc = build(c, &cal, &version);
    if (rc != DB_OK)
        return rc;
    retired *ret = malloc(sizeof *ret);
    if (!ret) {
        calendar_free(cal);
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

const calendar_t *refdata_calendar(refdata_t *r, db_conn *c, int *rc)
{
    *rc = DB_OK;
    pthread_mutex_lock(&r->mu);
    const calendar_t *cal = r->cal;
    pthread_mutex_unlock(&r->mu);
    if (!cal) {
        *rc = refdata_load(r, c);
        pthread_mutex_lock(&r->mu);
        cal = r->cal;
        pthread_mutex_unlock(&r->mu);
    }
    return cal;
}
