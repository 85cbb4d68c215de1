/*
 * dossier.h - the dossier record (spec §3) as motcua holds it in memory.
 *
 * One struct for every path: parsed from a body, read back from the database,
 * compared for the upsert rule. Strings are borrowed (usually from an arena);
 * NULL means null. Instants are ts_t (TS_NULL = null).
 */
#ifndef MOTCUA_DOSSIER_H
#define MOTCUA_DOSSIER_H

#include <stdbool.h>
#include <stdint.h>
#include "ts.h"

#define CODE_MAX_CHARS 64     /* code, agency_code, procedure_code, field_code */
#define FEE_NULL INT64_C(-1)

enum { CH_DIRECT = 1, CH_ONLINE = 2, CH_POSTAL = 3 };   /* KenhThucHien */

typedef struct {
    const char *code;
    const char *agency_code;
    const char *agency_name;       /* label only: kept in the agency table */
    const char *procedure_code;
    const char *procedure_name;    /* label only: kept in the procedure table */
    const char *field_code;
    int service_level;             /* 2, 3, 4; 0 = null */
    int channel;                   /* CH_* */
    int status;                    /* 1..10 */
    ts_t received_at, due_at, finished_at, returned_at, extended_due_at;
    ts_t supplement_requested_at, updated_at;
    bool apology;
    int32_t supplement_count;
    int64_t fee;                   /* VND, FEE_NULL = unknown */
    bool paid_online;
} dossier_t;

/* Status and channel names (lower case, spec §3.1); NULL when out of range. */
const char *status_name(int status);
const char *status_label_vi(int status);
int status_from_name(const char *s, size_t n);   /* 1..10, or 0 */
const char *channel_name(int channel);
const char *channel_label_vi(int channel);
int channel_from_name(const char *s, size_t n);  /* 1..3, or 0 */

static inline bool status_counted(int s) { return s != 1 && s != 3 && s >= 1 && s <= 10; }
static inline bool status_finished(int s) { return s >= 7 && s <= 10; }
static inline bool status_waiting(int s) { return s == 5 || s == 6; }

/* True when every stored field is equal (the "unchanged" rule of §3.3).
 * Labels (agency_name, procedure_name) are not dossier fields: not compared. */
bool dossier_equal(const dossier_t *a, const dossier_t *b);

#endif
