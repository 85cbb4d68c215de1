/*
 * arena.h - a bump allocator for the strings of one ingest chunk.
 *
 * Parsing a batch creates many short strings that all die together when the
 * chunk has been written to the database; an arena makes that one free
 * instead of thousands. Not thread-safe: one arena per request.
 */
#ifndef MOTCUA_ARENA_H
#define MOTCUA_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct {
    arena_block *head;
    size_t used_total;
} arena_t;

void arena_init(arena_t *a);
/* n bytes, 16-aligned, or NULL when out of memory. Owned by the arena. */
void *arena_alloc(arena_t *a, size_t n);
/* A NUL-terminated copy of s[0..n), or NULL when out of memory. */
char *arena_strndup(arena_t *a, const char *s, size_t n);
/* Frees everything but the first block, which is kept for reuse. */
void arena_reset(arena_t *a);
void arena_free(arena_t *a);

#endif
