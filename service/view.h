/*
 * view.h - the JSON view of one dossier (see view.c).
 */
#ifndef MOTCUA_VIEW_H
#define MOTCUA_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include "classify.h"
#include "dossier.h"

/* RFC 3339 in +07:00, or JSON null for TS_NULL. New reference. */
json_t *ts_json(ts_t t);

/* The stored fields of d (with due_at the effective due date, due_computed
 * true when it came from the catalog) plus its class, waiting, due_soon,
 * working_days_overdue and working_days_left from cr. New reference, NULL on
 * allocation failure. */
json_t *dossier_view_json(const dossier_t *d, const char *agency_name, const char *proc_name,
                          bool due_computed, const cls_result_t *cr);

#endif
