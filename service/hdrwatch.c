/*
 * hdrwatch.c - see hdrwatch.h. A doubly linked list of the open connections
 * under one mutex, and a thread that walks it every interval. The walk is
 * O(connections), bounded by MOTCUA_MAX_CONNECTIONS (a thousand entries: a
 * few microseconds), so no ordered structure is needed.
 */
#include "hdrwatch.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

struct hdrwatch_conn {
    int fd;
    int64_t since_ms;    /* start of the current wait for headers */
    bool in_request;     /* headers arrived; no deadline until the request ends */
    bool cut;            /* shut down already */
    hdrwatch_conn *prev, *next;
};

struct hdrwatch {
    pthread_mutex_t mu;  /* guards everything below */
    pthread_cond_t wake; /* signalled by hdrwatch_stop */
    pthread_t thread;
    bool running, stopping;
    int timeout_ms, interval_ms;
    long cuts;
    hdrwatch_conn *head;
};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Shuts down every socket past its deadline. Called with w->mu held. */
static void sweep(hdrwatch *w)
{
    int64_t now = now_ms();
    for (hdrwatch_conn *c = w->head; c; c = c->next) {
        if (c->in_request || c->cut || now - c->since_ms < w->timeout_ms)
            continue;
        /* shutdown, not close: libmicrohttpd owns the descriptor; its
         * connection thread reads the end of the stream and closes it */
        shutdown(c->fd, SHUT_RDWR);
        c->cut = true;
        w->cuts++;
        fprintf(stderr, "{\"level\":\"warning\",\"msg\":\"connection closed: request headers "
                        "not complete within %d ms\"}\n", w->timeout_ms);
    }
}

static void *watch_main(void *arg)
{
    hdrwatch *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)w->interval_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        int rc = 0;
        while (!w->stopping && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&w->wake, &w->mu, &until);
        if (!w->stopping)
            sweep(w);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

hdrwatch *hdrwatch_start(int timeout_ms)
{
    if (timeout_ms <= 0)
        return NULL;
    hdrwatch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) {
        free(w);
        return NULL;
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int crc = pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (crc != 0) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    w->timeout_ms = timeout_ms;
    /* a quarter of the deadline, at most 250 ms: a connection is cut
     * between 1 and 1.25 deadlines after its wait began */
    int quarter = timeout_ms / 4;
    w->interval_ms = quarter > 250 ? 250 : quarter < 10 ? 10 : quarter;
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    w->running = true;
    return w;
}

void hdrwatch_stop(hdrwatch *w)
{
    if (!w || !w->running)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    w->running = false;
}

void hdrwatch_free(hdrwatch *w)
{
    if (!w)
        return;
    hdrwatch_stop(w);
    while (w->head) {
        hdrwatch_conn *n = w->head->next;
        free(w->head);
        w->head = n;
    }
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

hdrwatch_conn *hdrwatch_open(hdrwatch *w, int fd)
{
    if (!w || fd < 0)
        return NULL;
    hdrwatch_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->since_ms = now_ms();
    pthread_mutex_lock(&w->mu);
    c->next = w->head;
    if (w->head)
        w->head->prev = c;
    w->head = c;
    pthread_mutex_unlock(&w->mu);
    return c;
}

void hdrwatch_close(hdrwatch *w, hdrwatch_conn *c)
{
    if (!w || !c)
        return;
    pthread_mutex_lock(&w->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&w->mu);
    free(c);
}

void hdrwatch_headers_done(hdrwatch *w, hdrwatch_conn *c)
{
    if (!w || !c)
        return;
    pthread_mutex_lock(&w->mu);
    c->in_request = true;
    pthread_mutex_unlock(&w->mu);
}

void hdrwatch_request_done(hdrwatch *w, hdrwatch_conn *c)
{
    if (!w || !c)
        return;
    int64_t now = now_ms();
    pthread_mutex_lock(&w->mu);
    c->in_request = false;
    c->since_ms = now;
    pthread_mutex_unlock(&w->mu);
}

long hdrwatch_cut_count(hdrwatch *w)
{
    if (!w)
        return 0;
    pthread_mutex_lock(&w->mu);
    long n = w->cuts;
    pthread_mutex_unlock(&w->mu);
    return n;
}
