/*
 * fuzz_body.c - libFuzzer target for the ingest parsers (body.c and what it
 * calls: jsonscan, csv, record, dvcqg, ts). FUZZ_FORMAT selects the format at
 * build time: 0 JSON, 1 NDJSON, 2 CSV, 3 the DongBoHoSoMC envelope (the input
 * becomes the elements of "data", to reach the DVCQG mapping quickly).
 * Every record handed to the sink is checked for the invariants a valid
 * record must have, so a parser bug that lets a bad record through crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT 0
#endif

static int emit(void *ctx, rec_builder *rb, long index, long line)
{
    arena_t *a = ctx;
    (void)index;
    (void)line;
    if (rb->nerr == 0) {
        const dossier_t *d = &rb->d;
        if (!d->code || !d->agency_code || !d->procedure_code || d->status < 1 ||
            d->status > 10 || d->channel < 1 || d->channel > 3 ||
            (d->received_at != TS_NULL && d->due_at != TS_NULL && d->due_at < d->received_at) ||
            (status_finished(d->status) && d->finished_at == TS_NULL))
            abort();
    }
    if (a->used_total > (1u << 20))
        arena_reset(a);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t a;
    arena_init(&a);
    record_sink sink = { &a, emit, &a };
    char msg[256];
    const char *buf = (const char *)data;
    char *wrapped = NULL;
    body_format f = FUZZ_FORMAT == 1 ? BODY_NDJSON : FUZZ_FORMAT == 2 ? BODY_CSV : BODY_JSON;
    if (FUZZ_FORMAT == 3) {
        static const char pre[] = "{\"service\":\"DongBoHoSoMC\",\"data\":[";
        wrapped = malloc(sizeof pre + size + 2);
        if (!wrapped)
            return 0;
        memcpy(wrapped, pre, sizeof pre - 1);
        memcpy(wrapped + sizeof pre - 1, data, size);
        memcpy(wrapped + sizeof pre - 1 + size, "]}", 2);
        buf = wrapped;
        size += sizeof pre - 1 + 2;
    }
    body_parse(f, buf, size, &sink, msg, sizeof msg);
    free(wrapped);
    arena_free(&a);
    return 0;
}
