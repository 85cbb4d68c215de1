/*
 * strbuf.h - a growable byte buffer for text built piece by piece (COPY
 * data, CSV responses, array literals). Allocation failure is sticky: once
 * `oom` is set, appends are ignored, so callers check once at the end.
 */
#ifndef MOTCUA_STRBUF_H
#define MOTCUA_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *p;      /* malloc'd, NUL-terminated when len > 0; owned by the caller */
    size_t len, cap;
    bool oom;
} strbuf;

void sb_put(strbuf *b, const char *s, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_putc(strbuf *b, char c);
void sb_i64(strbuf *b, int64_t v);
/* The shortest decimal text that reads back as exactly v. */
void sb_double(strbuf *b, double v);

#endif
