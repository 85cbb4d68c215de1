/*
 * db_audit.h - the ingest audit trail (part of the db layer, see db.h).
 */
#ifndef MOTCUA_DB_AUDIT_H
#define MOTCUA_DB_AUDIT_H

#include <jansson.h>
#include "db.h"
#include "ingest.h"

typedef struct {
    const char *key_id;       /* NULL: no key (import) */
    const char *source;       /* "http" or "import" */
    const char *format;       /* "json", "ndjson", "csv" */
    int status;
    const ingest_counts *counts;  /* NULL when the body was refused whole */
    const char *message;      /* whole-request error, or NULL */
    json_t *errors;           /* borrowed; NULL = [] */
    double duration_ms;
} audit_entry;

int db_audit_insert(db_conn *c, const audit_entry *e);
/* The newest `limit` entries with id < before_id (0: from the newest), as a
 * JSON array (new reference in *out). */
int db_audit_list(db_conn *c, long long before_id, int limit, json_t **out);

#endif
