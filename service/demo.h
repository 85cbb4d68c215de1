/*
 * demo.h - a deterministic, realistic data set for `make run` and the
 * benchmarks: the same seed gives the same dossiers on every machine.
 */
#ifndef MOTCUA_DEMO_H
#define MOTCUA_DEMO_H

#include <stdbool.h>
#include <stdio.h>
#include "ts.h"

typedef struct {
    long count;
    unsigned long seed;
    int year;          /* 0: the twelve months before now */
    bool province;     /* a province's scale: 200 agencies, 400 procedures */
    bool ordered;      /* in order of reception, as a one-stop system's sync sends them */
} demo_opts;

/* Writes o->count dossiers as NDJSON. They are received over the twelve
 * months before `now` (or over o->year); dossiers are only finished before
 * `now`. 0 ok, -1 write error (or out of memory). */
int demo_write(FILE *out, const demo_opts *o, ts_t now);

#endif
