/*
 * openapi.h - api/openapi.json, embedded at build time (build/openapi.c) and
 * served at GET /openapi.json, so the document a client reads is the one
 * this binary was built and tested with.
 */
#ifndef MOTCUA_OPENAPI_H
#define MOTCUA_OPENAPI_H

#include <stddef.h>

extern const char OPENAPI_JSON[];
extern const size_t OPENAPI_JSON_LEN;

#endif
