/*
 * arena.c - see arena.h. Blocks of at least 64 KiB; a request larger than a
 * block gets a block of its own.
 */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64u * 1024u)

struct arena_block {
    arena_block *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
};

void arena_init(arena_t *a)
{
    a->head = NULL;
    a->used_total = 0;
}

static arena_block *block_new(size_t cap)
{
    arena_block *b = malloc(sizeof *b + cap);
    if (!b)
        return NULL;
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

void *arena_alloc(arena_t *a, size_t n)
{
    size_t need = (n + 15u) & ~(size_t)15u;
    if (need < n)
        return NULL; /* overflow */
    if (!a->head || a->head->cap - a->head->used < need) {
        size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
        arena_block *b = block_new(cap);
        if (!b)
            return NULL;
        b->next = a->head;
        a->head = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += need;
    a->used_total += need;
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    if (n == (size_t)-1)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void arena_reset(arena_t *a)
{
    arena_block *b = a->head, *keep = NULL;
    while (b) {
        arena_block *next = b->next;
        if (!next && b->cap == ARENA_BLOCK) {
            keep = b; /* the oldest standard block is reused */
        } else {
            free(b);
        }
        b = next;
    }
    if (keep)
        keep->used = 0;
    a->head = keep;
    a->used_total = 0;
}

void arena_free(arena_t *a)
{
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_total = 0;
}
