/*
 * render.c - the cost of rendering a metrics answer, without the database:
 * the JSON of GET /v1/metrics?period=2025-Q3&group_by=agency for a province
 * (200 agencies, Vietnamese names, realistic counts and durations), rendered
 * N times each way:
 *   - tree: metrics_to_json (a jansson tree), then json_dumps(JSON_COMPACT),
 *     as the service did before;
 *   - text: metrics_to_json_text (written straight into a strbuf), as it
 *     serves now.
 * The two texts are checked equal byte for byte first. Prints microseconds
 * per render (the median of 5 rounds of N/5 renders each).
 *
 * Build and run: make bench-render [RENDER_N=2000] [RENDER_GROUPS=200].
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"

#define ROUNDS 5

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static int64_t rr(uint64_t *s, int64_t n) { return n <= 0 ? 0 : (int64_t)(rnd(s) % (uint64_t)n); }

typedef struct {
    char (*keys)[32];
    char (*labels)[96];
    size_t n;
} label_tab;

static const char *bench_label(void *ctx, dim_t dim, const char *key)
{
    const label_tab *t = ctx;
    (void)dim;
    for (size_t lo = 0, hi = t->n; lo < hi;) {   /* keys are sorted */
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(key, t->keys[mid]);
        if (c == 0)
            return t->labels[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One group's counts, consistent with the identities of spec §5. */
static void random_counts(uint64_t *s, counts_t *c)
{
    memset(c, 0, sizeof *c);
    c->carried_over = rr(s, 400);
    c->received_online = rr(s, 2000);
    c->received_direct = rr(s, 1500);
    c->received_postal = rr(s, 50);
    c->received = c->received_online + c->received_direct + c->received_postal;
    int64_t all = c->carried_over + c->received;
    c->finished = all - rr(s, all / 5 + 1);
    c->pending = all - c->finished;
    c->late = rr(s, c->finished / 20 + 1);
    c->early = rr(s, c->finished - c->late + 1);
    c->on_time = c->finished - c->late - c->early;
    c->withdrawn = rr(s, c->finished / 50 + 1);
    c->stopped = rr(s, (c->finished - c->withdrawn) / 50 + 1);
    c->resolved = c->finished - c->withdrawn - c->stopped;
    c->overdue = rr(s, c->pending / 10 + 1);
    c->in_time = c->pending - c->overdue;
    c->waiting = rr(s, c->pending / 5 + 1);
    c->fee_bearing = rr(s, c->received + 1);
    c->fee_bearing_paid_online = rr(s, c->fee_bearing + 1);
    c->level34 = rr(s, c->received + 1);
    c->level34_online = rr(s, c->level34 + 1);
    c->late_apology = rr(s, c->late + 1);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000;
    long ngroups = argc > 2 ? atol(argv[2]) : 200;
    if (n < ROUNDS || ngroups < 1 || ngroups > 10000) {
        fprintf(stderr, "usage: %s [renders >= %d] [groups 1..10000]\n", argv[0], ROUNDS);
        return 2;
    }
    json_object_seed(1);
    calendar_t *cal = calendar_new_default();
    metrics_query_t q;
    memset(&q, 0, sizeof q);
    if (!cal || day_parse("2025-07-01", 10, &q.period.from) != 0 ||
        day_parse("2025-09-30", 10, &q.period.to) != 0) {
        fprintf(stderr, "render: setup failed\n");
        return 1;
    }
    q.as_of = ts_day_end(q.period.to);
    q.within = 1;
    q.group_dim = DIM_AGENCY;
    metrics_result_t *m = metrics_new(&q, cal);
    label_tab tab = { calloc((size_t)ngroups, 32), calloc((size_t)ngroups, 96), (size_t)ngroups };
    if (!m || !tab.keys || !tab.labels) {
        fprintf(stderr, "render: out of memory\n");
        return 1;
    }
    static const char *const kinds[] = { "Sở Tư pháp", "Sở Xây dựng", "UBND huyện Tân Châu",
                                         "UBND xã Phước Vinh", "Sở Tài nguyên và Môi trường" };
    uint64_t seed = 42;
    for (long g = 0; g < ngroups; g++) {
        snprintf(tab.keys[g], 32, "000.%02ld.%02ld.H62", g / 100, g % 100);
        snprintf(tab.labels[g], 96, "%s %ld", kinds[g % 5], g);
        counts_t c;
        random_counts(&seed, &c);
        int64_t wd_sum = 0;
        int64_t left = c.finished;
        for (int k = 0; left > 0; k++) {   /* durations: a few whole working days */
            int64_t cnt = k < 8 ? rr(&seed, left + 1) : left;
            int64_t wd = rr(&seed, 25);
            if (cnt > 0 && (metrics_add_durations(m, MT_GROUP, tab.keys[g], 0, wd, cnt) != 0 ||
                            metrics_add_durations(m, MT_TOTAL, NULL, 0, wd, cnt) != 0)) {
                fprintf(stderr, "render: out of memory\n");
                return 1;
            }
            wd_sum += wd * cnt;
            left -= cnt;
        }
        int64_t secs = wd_sum * 86400 + rr(&seed, 86400) * c.finished / 3;
        int64_t us = rr(&seed, 1000000);
        if (metrics_add_counts(m, MT_GROUP, tab.keys[g], 0, &c, wd_sum, secs, us) != 0 ||
            metrics_add_counts(m, MT_TOTAL, NULL, 0, &c, wd_sum, secs, us) != 0) {
            fprintf(stderr, "render: out of memory\n");
            return 1;
        }
    }
    target_set targets = { NULL, 0 };
    const int64_t tol = 50000;

    json_t *j = metrics_to_json(m, &targets, tol, bench_label, &tab);
    char *a = j ? json_dumps(j, JSON_COMPACT) : NULL;
    size_t blen = 0;
    char *b = metrics_to_json_text(m, &targets, tol, bench_label, &tab, &blen);
    if (!a || !b || strlen(a) != blen || memcmp(a, b, blen) != 0) {
        fprintf(stderr, "render: the two texts differ (or allocation failed)\n");
        return 1;
    }
    json_decref(j);
    free(a);
    free(b);

    double tree[ROUNDS], dump[ROUNDS], total[ROUNDS], text[ROUNDS];
    long per = n / ROUNDS;
    volatile size_t sink = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t_tree = 0, t_dump = 0;
        for (long i = 0; i < per; i++) {
            double t0 = now_us();
            json_t *o = metrics_to_json(m, &targets, tol, bench_label, &tab);
            double t1 = now_us();
            char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
            double t2 = now_us();
            if (!s)
                return 1;
            sink += strlen(s);
            free(s);
            json_decref(o);   /* freeing the tree is part of the tree's cost */
            double t3 = now_us();
            t_tree += (t1 - t0) + (t3 - t2);
            t_dump += t2 - t1;
        }
        tree[r] = t_tree / (double)per;
        dump[r] = t_dump / (double)per;
        total[r] = tree[r] + dump[r];
        double t0 = now_us();
        for (long i = 0; i < per; i++) {
            size_t len;
            char *s = metrics_to_json_text(m, &targets, tol, bench_label, &tab, &len);
            if (!s)
                return 1;
            sink += len;
            free(s);
        }
        text[r] = (now_us() - t0) / (double)per;
    }
    qsort(tree, ROUNDS, sizeof tree[0], cmp_double);
    qsort(dump, ROUNDS, sizeof dump[0], cmp_double);
    qsort(total, ROUNDS, sizeof total[0], cmp_double);
    qsort(text, ROUNDS, sizeof text[0], cmp_double);
    const int mid = ROUNDS / 2;
    printf("render benchmark: %ld groups by agency, %zu bytes of JSON, %ld renders each way\n",
           ngroups, blen, per * ROUNDS);
    printf("  microseconds per render           median of %d rounds   fastest round\n", ROUNDS);
    printf("  tree: metrics_to_json (+ free)    %12.1f %19.1f\n", tree[mid], tree[0]);
    printf("  tree: json_dumps(JSON_COMPACT)    %12.1f %19.1f\n", dump[mid], dump[0]);
    printf("  tree: both                        %12.1f %19.1f\n", total[mid], total[0]);
    printf("  text: metrics_to_json_text        %12.1f %19.1f\n", text[mid], text[0]);
    printf("  text is %.1fx faster (medians), %.1fx (fastest rounds)\n", total[mid] / text[mid],
           total[0] / text[0]);
    metrics_free(m);
    calendar_free(cal);
    free(tab.keys);
    free(tab.labels);
    return 0;
}
