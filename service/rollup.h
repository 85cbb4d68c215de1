/*
 * rollup.h - the roll-up tables' arithmetic (docs/ROLLUPS.md), pure: no I/O.
 *
 * A dossier's whole life, as the metrics of spec §5 see it, is a handful of
 * events at instants: received (the flow counts of §5), maybe a change of
 * state while open (in time -> overdue at the start of the day after its due
 * day, processing -> waiting when its wait began), and finished (the finish
 * counts, its duration). Each event adds to counters of the day it happened,
 * and also of its month and year, for three levels of detail: the province
 * (lod 2: no filter, no grouping by agency), the agency (lod 0: an agency
 * filter or grouping) and procedure x channel x field x service level,
 * province-wide (lod 1: those filters and groupings without an agency
 * filter; with one, the dossier rows answer). A finish also counts its
 * duration in whole working days: h[wd] for wd < RU_HIST_COLS, else a row of
 * its own (the long tail), for the exact median and p90.
 *
 * A period's flow counts are sums of the events of its days; the open state
 * at any instant (pending, in time, overdue, waiting) is the sum of the
 * state deltas of every event before it, which the year and month rows make a
 * handful of rows per group. So no answer scans the dossier table.
 *
 * The same function (rollup_events) builds the roll-ups at ingest, at a
 * catalog or calendar change, and in `motcua rollup --rebuild`, and it uses
 * classify()'s rules, so the roll-up answer equals the row-by-row answer of
 * metrics.c; tests/check_rollup_db.c proves it on random histories.
 */
#ifndef MOTCUA_ROLLUP_H
#define MOTCUA_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calendar.h"
#include "dossier.h"
#include "due.h"
#include "metrics.h"
#include "ts.h"

/* The counters of one roll-up row, in the column order of sql/005_rollup.sql. */
typedef enum {
    RU_RECEIVED, RU_RECV_ONLINE, RU_RECV_DIRECT, RU_RECV_POSTAL,
    RU_FEE_BEARING, RU_FEE_PAID_ONLINE, RU_LEVEL34, RU_LEVEL34_ONLINE,
    RU_FINISHED, RU_EARLY, RU_ON_TIME, RU_LATE, RU_WITHDRAWN, RU_STOPPED, RU_RESOLVED,
    RU_LATE_APOLOGY, RU_DUR_WD, RU_DUR_SEC, RU_DUR_US,
    /* state deltas of open dossiers: not waiting / waiting, in time / overdue */
    RU_S_NW_IN, RU_S_NW_OVER, RU_S_W_IN, RU_S_W_OVER,
    RU__COUNT
} ru_col;

/* Column names, for the SQL of db_rollup.c. */
extern const char *const RU_COL_NAMES[RU__COUNT];

enum { RU_GRAIN_DAY = 1, RU_GRAIN_MONTH = 2, RU_GRAIN_YEAR = 3 };
enum { RU_LOD_AGENCY = 0, RU_LOD_DETAIL = 1, RU_LOD_PROVINCE = 2 };

/* Durations of 0..RU_HIST_COLS-1 working days are counted in columns h0..h63
 * of the roll-up row; longer ones in rows of rollup_hist_long. */
#define RU_HIST_COLS 64

/* One event of a dossier's life: its instant and what it adds. */
typedef struct {
    ts_t at;
    int64_t v[RU__COUNT];
    bool finish;      /* a finish: wd is its duration in working days */
    int64_t wd;
} ru_event;

#define RU_MAX_EVENTS 4

/* The events of row r (effective due date, field and level already
 * resolved, as db.c streams them), in time order. Returns how many (0 for a
 * dossier the metrics never count). */
int rollup_events(const metrics_row_t *r, const calendar_t *cal, ru_event out[RU_MAX_EVENTS]);

/* A catalog entry as the roll-ups need it (spec §6); code NULL = none. */
typedef struct {
    const char *code, *field_code;
    int service_level;   /* 0 unknown */
    int duration;        /* -1 unknown */
    due_unit unit;
    int has_fee;         /* -1 unknown */
} ru_catalog;

/* The metrics row of a dossier as stored: field and level its own, else the
 * catalog's; due its own, else computed from the catalog (spec §4, §6).
 * Strings borrowed from d and p. */
void rollup_row(const dossier_t *d, const ru_catalog *p, const calendar_t *cal,
                const office_hours *oh, metrics_row_t *out);

/* ---- the delta accumulator ----------------------------------------------
 * Deltas of many dossiers summed by roll-up key before they are written, so
 * that one upsert of a few thousand rows carries a whole ingest chunk. */
typedef struct {
    int lod, grain;
    day_t bucket;                  /* the day, or the first day of its month or year */
    const char *agency, *procedure, *field;   /* "" for none (by lod; unknown field) */
    int channel, level;            /* 0 for none / unknown */
    bool hist;                     /* a long-tail row: v[0] durations of wd working days */
    int64_t wd;
    int64_t v[RU__COUNT];
    int64_t h[RU_HIST_COLS];       /* h[k]: durations of k working days */
} ru_row;

typedef struct rollup_acc rollup_acc;

rollup_acc *rollup_acc_new(void);   /* NULL on allocation failure; caller frees */
void rollup_acc_free(rollup_acc *a);
void rollup_acc_clear(rollup_acc *a);
/* Adds sign (+1 or -1) times the events of r. 0 ok, -1 out of memory (the
 * accumulator is then unusable: clear it). */
int rollup_acc_add(rollup_acc *a, const metrics_row_t *r, const calendar_t *cal, int sign);
/* The rows with any nonzero value, in key order (so that concurrent
 * writers lock roll-up rows in one order), through each(): the counter rows
 * (hist false) or the long-tail rows (hist true); strings borrowed until the
 * next add or clear. Stops at and returns each()'s nonzero value. */
int rollup_acc_each(rollup_acc *a, bool hist, int (*each)(void *ctx, const ru_row *row),
                    void *ctx);
size_t rollup_acc_size(const rollup_acc *a);

/* ---- reading ----------------------------------------------------------
 * A query is cut into windows of days: window 0 is everything before the
 * period, window k >= 1 the period (or its k-th time bucket) up to as_of.
 * Each window is covered by a few segments: runs of whole years, whole
 * months and single days. */
typedef struct {
    int win, grain;
    day_t lo, hi;      /* buckets lo..hi of that grain (first days) */
} ru_segment;

/* The first day of window 0: 1800-01-01, before the local date of any
 * accepted timestamp (years 1900..9999, any offset). */
day_t rollup_first_day(void);

/* Appends the segments covering days [a, b] (a <= b) for window win. Returns the new count, or
 * (size_t)-1 when more than cap would be needed. */
size_t rollup_segments(day_t a, day_t b, int win, ru_segment *out, size_t n, size_t cap);

/* The counts that the sums of one window add: window 0 gives the open state
 * before the period (carried over, and the start of pending); a period
 * window its flows and the change of the open state. Durations: the
 * returned sums (wd, sec, us) of finished dossiers. */
void rollup_window_counts(const int64_t v[RU__COUNT], bool before, counts_t *c);

#endif
