/*
 * fuzz_query.c - libFuzzer target for the query-parameter parser (query.c,
 * period.c, ts.c). The input is split like a decoded query string:
 * "key=value" pairs separated by '&'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    kv_t kv[64];
    size_t n = 0;
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    for (char *p = s; p && n < 64;) {
        char *amp = strchr(p, '&');
        if (amp)
            *amp = '\0';
        char *eq = strchr(p, '=');
        if (eq)
            *eq = '\0';
        kv[n].key = p;
        kv[n].value = eq ? eq + 1 : "";
        n++;
        p = amp ? amp + 1 : NULL;
    }
    metrics_query_t q;
    char bad[64], msg[256];
    /* a fixed "now" keeps runs reproducible: 2024-06-15 10:00 +07:00 */
    query_parse_metrics(kv, n, (ts_t)1718420400 * TS_US_PER_SEC, 1, &q, bad, sizeof bad, msg,
                        sizeof msg);
    free(s);
    return 0;
}
