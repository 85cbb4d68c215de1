/*
 * demo.h - a deterministic, realistic data set for `make run` and the
 * benchmarks: the same seed gives the same dossiers on every machine.
 */
#ifndef MOTCUA_DEMO_H
#define MOTCUA_DEMO_H

#include <stdio.h>
#include "ts.h"

/* Writes `count` dossiers as NDJSON. They are received over the twelve
 * months before `now` (or over `year` when it is not 0); dossiers are only
 * finished before `now`. 0 ok, -1 write error. */
int demo_write(FILE *out, long count, unsigned long seed, int year, ts_t now);

#endif
