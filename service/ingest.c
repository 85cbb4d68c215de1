/*
 * ingest.c - see ingest.h. The chunk is the unit of work: its records'
 * strings live in one arena that is reset after the chunk commits, so memory
 * is bounded by the chunk size, not by the body.
 *
 * Two chunks are in flight: while a writer thread stores one (its
 * transaction, mostly PostgreSQL's time), the parser fills the next (C
 * time). On two cores that overlap is most of the difference between the
 * parser's rate and the database's. The parser hands a full chunk over by
 * swapping buffers and arenas, after waiting for the writer to be done with
 * the previous one; so each side owns its buffers without a lock, and at
 * most two chunks are held in memory.
 */
#include "ingest.h"

#include "auth.h"
#include "db_rollup.h"
#include "rollup.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A writer: a thread with its own connection that stores one chunk at a
 * time, in its own transaction. Its buffers belong to it while it is busy
 * and to the parser when it is idle. */
typedef struct writer {
    struct ingest *in;
    db_conn *db;
    arena_t arena;            /* its chunk's strings, stored versions, catalog */
    dossier_t *recs;
    size_t n;
    const char **codeset;     /* the chunk's codes, hashed (cap_codeset slots) */
    size_t cap_codeset;
    dossier_t *stored;        /* stored versions read back for the chunk */
    size_t nstored, cap_stored;
    rollup_acc *acc;          /* the chunk's roll-up deltas */
    bool all_new;             /* the last chunk had no stored version: try the next without lookup */
    char **labels;            /* kind, code, US, name of the labels this writer has written */
    size_t nlabels, cap_labels;
    pthread_t thread;
    bool started, busy, quit; /* under in->mu */
} writer_t;

#define MAX_WRITERS 2

struct ingest {
    body_format format;
    size_t chunk;
    /* the parser's side: the chunk being filled */
    arena_t arena;
    dossier_t *recs;          /* valid records of the current chunk, in batch order */
    size_t nrecs;
    ingest_counts counts;     /* received and rejected (parser); the rest merged in at the end */
    json_t *errors;           /* at most INGEST_MAX_ERRORS */
    const char *scope;        /* agency scope of the key, NULL = all (borrowed) */
    refdata_t *ref;           /* calendar and office hours for the roll-ups (borrowed) */
    void (*progress)(void *, const ingest_counts *);
    void *progress_ctx;
    writer_t w[MAX_WRITERS];
    int nw, next;             /* writers in use; the one the next chunk goes to */
    /* between the parser and the writers, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int status;               /* DB_OK until a chunk fails */
    ingest_counts wcounts;    /* outcomes of the chunks stored so far */
    long handed_received, handed_rejected;  /* the parser's counts at the last handoff */
};

ingest_outcome ingest_decide(const dossier_t *stored, const dossier_t *in)
{
    if (!stored)
        return OUT_INSERTED;
    if (stored->updated_at != TS_NULL && in->updated_at != TS_NULL &&
        in->updated_at < stored->updated_at)
        return OUT_STALE;
    if (dossier_equal(stored, in))
        return OUT_UNCHANGED;
    return OUT_UPDATED;
}

static int writer_init(ingest_t *in, writer_t *w, db_conn *c)
{
    memset(w, 0, sizeof *w);
    w->in = in;
    w->db = c;
    w->all_new = true;
    arena_init(&w->arena);
    w->recs = malloc(in->chunk * sizeof *w->recs);
    w->acc = rollup_acc_new();
    return w->recs && w->acc ? 0 : -1;
}

ingest_t *ingest_new(db_conn *c, body_format format, size_t chunk, refdata_t *ref)
{
    ingest_t *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->format = format;
    in->chunk = chunk ? chunk : INGEST_CHUNK;
    arena_init(&in->arena);
    in->recs = malloc(in->chunk * sizeof *in->recs);
    in->errors = json_array();
    in->ref = ref;
    pthread_mutex_init(&in->mu, NULL);
    pthread_cond_init(&in->cv, NULL);
    in->nw = 1;
    if (writer_init(in, &in->w[0], c) != 0 || !in->recs || !in->errors) {
        ingest_free(in);
        return NULL;
    }
    return in;
}

int ingest_add_conn(ingest_t *in, db_conn *c)
{
    if (in->nw == MAX_WRITERS || in->w[0].started)
        return -1;
    if (writer_init(in, &in->w[in->nw], c) != 0) {
        in->nw++;   /* freed with the others */
        return -1;
    }
    in->nw++;
    return 0;
}

static void writers_stop(ingest_t *in);

static void writer_free(writer_t *w)
{
    arena_free(&w->arena);
    free(w->recs);
    free(w->codeset);
    free(w->stored);
    rollup_acc_free(w->acc);
    for (size_t i = 0; i < w->cap_labels; i++)
        free(w->labels[i]);
    free(w->labels);
}

void ingest_free(ingest_t *in)
{
    if (!in)
        return;
    writers_stop(in);
    for (int i = 0; i < in->nw; i++)
        writer_free(&in->w[i]);
    pthread_mutex_destroy(&in->mu);
    pthread_cond_destroy(&in->cv);
    arena_free(&in->arena);
    free(in->recs);
    json_decref(in->errors);
    free(in);
}

const ingest_counts *ingest_get_counts(const ingest_t *in) { return &in->counts; }

int ingest_status(const ingest_t *in)
{
    pthread_mutex_lock((pthread_mutex_t *)&in->mu);
    int st = in->status;
    pthread_mutex_unlock((pthread_mutex_t *)&in->mu);
    return st;
}

void ingest_on_progress(ingest_t *in, void (*cb)(void *, const ingest_counts *), void *ctx)
{
    in->progress = cb;
    in->progress_ctx = ctx;
}

/* ---- errors ------------------------------------------------------------------ */

static void add_error(ingest_t *in, long index, long line, const char *code, int field,
                      const char *message)
{
    if (json_array_size(in->errors) >= INGEST_MAX_ERRORS)
        return;
    json_t *e = json_object();
    if (!e)
        return;
    if (in->format == BODY_CSV) {
        json_object_set_new(e, "line", json_integer(line));
    } else {
        json_object_set_new(e, "index", json_integer(index));
        if (in->format == BODY_NDJSON)
            json_object_set_new(e, "line", json_integer(line));
    }
    json_object_set_new(e, "code", code ? json_string(code) : json_null());
    json_object_set_new(e, "field", field >= 0 ? json_string(field_name(field)) : json_null());
    json_object_set_new(e, "message", json_string(message));
    json_array_append_new(in->errors, e);
}

/* ---- one chunk ------------------------------------------------------------------ */

static void found_stored(void *ctx, const dossier_t *d)
{
    writer_t *w = ctx;
    if (w->nstored == w->cap_stored) {
        size_t cap = w->cap_stored ? w->cap_stored * 2 : 256;
        dossier_t *p = realloc(w->stored, cap * sizeof *p);
        if (!p)
            return; /* detected by the caller: fewer stored than found */
        w->stored = p;
        w->cap_stored = cap;
    }
    w->stored[w->nstored++] = *d;
}

static int cmp_dossier_code(const void *a, const void *b)
{
    return strcmp(((const dossier_t *)a)->code, ((const dossier_t *)b)->code);
}

typedef struct {
    const dossier_t **write;   /* final version of each changed code */
    size_t nwrite, expect_fresh;
    ingest_counts c;
    const char **acodes, **anames, **pcodes, **pnames;  /* latest labels */
    size_t nagency, nproc;
} chunk_plan;

static void plan_free(chunk_plan *p)
{
    free(p->write);
    free(p->acodes);
    free(p->anames);
    free(p->pcodes);
    free(p->pnames);
}

/*
 * The labels this ingest has already written, so that a chunk writes only
 * the new ones: a province's 600 agency and procedure names would otherwise
 * be upserted again with every chunk. An open-addressing set of
 * kind + code + US + name strings, owned by the ingest.
 */
static uint64_t label_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static char *label_key(char kind, const char *code, const char *name)
{
    size_t a = strlen(code), b = strlen(name);
    char *k = malloc(a + b + 3);
    if (k) {
        k[0] = kind;
        memcpy(k + 1, code, a);
        k[a + 1] = '\x1f';
        memcpy(k + a + 2, name, b + 1);
    }
    return k;
}

static bool label_known(const writer_t *in, const char *key)
{
    if (!in->cap_labels)
        return false;
    for (size_t j = label_hash(key) & (in->cap_labels - 1); in->labels[j];
         j = (j + 1) & (in->cap_labels - 1))
        if (!strcmp(in->labels[j], key))
            return true;
    return false;
}

/* Adds key (taken) to the set; on allocation failure the set just stays
 * smaller (the label is written again next time). */
static void label_remember(writer_t *in, char *key)
{
    if ((in->nlabels + 1) * 2 > in->cap_labels) {
        size_t cap = in->cap_labels ? in->cap_labels * 2 : 1024;
        char **v = calloc(cap, sizeof *v);
        if (!v) {
            free(key);
            return;
        }
        for (size_t i = 0; i < in->cap_labels; i++) {
            if (!in->labels[i])
                continue;
            size_t j = label_hash(in->labels[i]) & (cap - 1);
            while (v[j])
                j = (j + 1) & (cap - 1);
            v[j] = in->labels[i];
        }
        free(in->labels);
        in->labels = v;
        in->cap_labels = cap;
    }
    size_t j = label_hash(key) & (in->cap_labels - 1);
    while (in->labels[j])
        j = (j + 1) & (in->cap_labels - 1);
    in->labels[j] = key;
    in->nlabels++;
}

/* Drops from the plan the labels this ingest already wrote (kind 'a' or
 * 'p'). A label another batch changed in between stays as that batch set
 * it: this batch's write of the same name was already applied. */
static void drop_known_labels(writer_t *in, char kind, const char **codes, const char **names,
                              size_t *n)
{
    size_t m = 0;
    for (size_t i = 0; i < *n; i++) {
        char *k = label_key(kind, codes[i], names[i]);
        bool known = k && label_known(in, k);
        free(k);
        if (!known) {
            codes[m] = codes[i];
            names[m++] = names[i];
        }
    }
    *n = m;
}

static void remember_labels(writer_t *in, char kind, const char **codes, const char **names,
                            size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *k = label_key(kind, codes[i], names[i]);
        if (k)
            label_remember(in, k);
    }
}

/* Remembers the latest label of a code. The positions come grouped by code,
 * so this only ever replaces the last entry or appends. */
static void keep_label(const char **codes, const char **names, size_t *n, const char *code,
                       const char *name)
{
    if (!name)
        return;
    if (*n > 0 && strcmp(codes[*n - 1], code) == 0) {
        names[*n - 1] = name;
        return;
    }
    codes[*n] = code;
    names[*n] = name;
    (*n)++;
}

/* A code with its position in the batch: sorting these groups the records
 * of one code together, in batch order. */
typedef struct { const char *code; size_t pos; } code_pos;

static int cmp_code_pos(const void *a, const void *b)
{
    const code_pos *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->pos < y->pos ? -1 : x->pos > y->pos);
}

static int plan_labels(writer_t *in, const bool *applied, chunk_plan *p)
{
    size_t n = in->n;
    code_pos *cp = malloc((n ? n : 1) * sizeof *cp);
    if (!cp)
        return -1;
    for (int kind = 0; kind < 2; kind++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (!applied[i])
                continue;
            const dossier_t *d = &in->recs[i];
            if ((kind == 0 ? d->agency_name : d->procedure_name) != NULL)
                cp[m++] = (code_pos){ kind == 0 ? d->agency_code : d->procedure_code, i };
        }
        qsort(cp, m, sizeof *cp, cmp_code_pos);
        for (size_t k = 0; k < m; k++) {
            const dossier_t *d = &in->recs[cp[k].pos];
            if (kind == 0)
                keep_label(p->acodes, p->anames, &p->nagency, d->agency_code, d->agency_name);
            else
                keep_label(p->pcodes, p->pnames, &p->nproc, d->procedure_code, d->procedure_name);
        }
    }
    free(cp);
    return 0;
}

/* Decides every record of the chunk against the stored versions (sorted by
 * code) and the earlier records of the same batch. */
static int plan_chunk(writer_t *in, chunk_plan *p)
{
    size_t n = in->n;
    code_pos *pos = malloc((n ? n : 1) * sizeof *pos);
    bool *applied = calloc(n ? n : 1, sizeof *applied);
    p->write = malloc((n ? n : 1) * sizeof *p->write);
    p->acodes = malloc((n ? n : 1) * sizeof *p->acodes);
    p->anames = malloc((n ? n : 1) * sizeof *p->anames);
    p->pcodes = malloc((n ? n : 1) * sizeof *p->pcodes);
    p->pnames = malloc((n ? n : 1) * sizeof *p->pnames);
    int rc = -1;
    if (!pos || !applied || !p->write || !p->acodes || !p->anames || !p->pcodes || !p->pnames)
        goto done;
    for (size_t i = 0; i < n; i++)
        pos[i] = (code_pos){ in->recs[i].code, i };
    qsort(pos, n, sizeof *pos, cmp_code_pos);
    for (size_t g = 0; g < n;) {
        size_t end = g;
        while (end < n && strcmp(pos[end].code, pos[g].code) == 0)
            end++;
        dossier_t key = { .code = pos[g].code };
        const dossier_t *stored = in->nstored ? bsearch(&key, in->stored, in->nstored,
                                                        sizeof *in->stored, cmp_dossier_code)
                                              : NULL;
        const dossier_t *cur = stored;
        for (size_t k = g; k < end; k++) {
            const dossier_t *d = &in->recs[pos[k].pos];
            switch (ingest_decide(cur, d)) {
            case OUT_INSERTED: p->c.inserted++; cur = d; applied[pos[k].pos] = true; break;
            case OUT_UPDATED: p->c.updated++; cur = d; applied[pos[k].pos] = true; break;
            case OUT_UNCHANGED: p->c.unchanged++; applied[pos[k].pos] = true; break;
            case OUT_STALE: p->c.stale++; break;
            }
        }
        if (cur != stored) {
            p->write[p->nwrite++] = cur;
            if (!stored)
                p->expect_fresh++;
        }
        g = end;
    }
    rc = plan_labels(in, applied, p);
done:
    free(pos);
    free(applied);
    return rc;
}

/*
 * The roll-up deltas of the chunk: each replaced version taken out, each new
 * version put in, both with the catalog and calendar in force (the caller
 * holds the shared reference lock, so they stay in force until commit).
 */
static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int rollup_deltas(writer_t *in, const chunk_plan *p, const calendar_t *cal)
{
    const char **codes = malloc((2 * p->nwrite + 1) * sizeof *codes);
    const dossier_t **old = malloc((p->nwrite + 1) * sizeof *old);
    ru_catalog *cat = NULL;
    size_t ncat = 0, n = 0;
    int rc = DB_ERROR;
    if (!codes || !old)
        goto done;
    for (size_t i = 0; i < p->nwrite; i++) {
        dossier_t key = { .code = p->write[i]->code };
        old[i] = in->nstored ? bsearch(&key, in->stored, in->nstored, sizeof *in->stored,
                                       cmp_dossier_code)
                             : NULL;
        codes[n++] = p->write[i]->procedure_code;
        if (old[i])
            codes[n++] = old[i]->procedure_code;
    }
    /* A chunk names a few hundred procedures tens of thousands of times:
     * ask for each once. */
    qsort(codes, n, sizeof *codes, cmp_str_ptr);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || strcmp(codes[u - 1], codes[i]) != 0)
            codes[u++] = codes[i];
    n = u;
    if ((rc = db_rollup_catalog(in->db, codes, n, &in->arena, &cat, &ncat)) != DB_OK)
        goto done;
    const office_hours *oh = refdata_office_hours(in->in->ref);
    rollup_acc_clear(in->acc);
    for (size_t i = 0; i < p->nwrite && rc == DB_OK; i++) {
        metrics_row_t r;
        if (old[i]) {
            rollup_row(old[i], ru_catalog_find(cat, ncat, old[i]->procedure_code), cal, oh, &r);
            if (rollup_acc_add(in->acc, &r, cal, -1) != 0)
                rc = DB_ERROR;
        }
        rollup_row(p->write[i], ru_catalog_find(cat, ncat, p->write[i]->procedure_code), cal,
                   oh, &r);
        if (rollup_acc_add(in->acc, &r, cal, +1) != 0)
            rc = DB_ERROR;
    }
done:
    free(codes);
    free(old);
    free(cat);
    return rc;
}

/*
 * One attempt at a chunk in one transaction. DB_RETRY when another batch
 * raced us to a new code or a deadlock was detected. A chunk whose codes are
 * all new (the common case of a bulk load) is written with one COPY into the
 * dossier table; a retry (upsert true) goes through the upsert.
 *
 * While the previous chunk was all new, the next one is tried without
 * reading stored versions at all (optimistic): the direct COPY then fails on
 * the first code that exists, and the retry takes the normal path. A bulk
 * load saves the lookup of every code; a re-send pays one failed COPY per
 * request.
 */
static int try_chunk(writer_t *in, chunk_plan *p, bool upsert)
{
    const char **codes = malloc((in->n ? in->n : 1) * sizeof *codes);
    int rc;
    size_t fresh = 0;
    if (!codes)
        return DB_ERROR;
    for (size_t i = 0; i < in->n; i++)
        codes[i] = in->recs[i].code;
    in->nstored = 0;
    bool built = false;
    const calendar_t *cal = NULL;
    if ((rc = db_begin(in->db)) != DB_OK)
        goto done;
    if ((rc = db_reference_lock(in->db, false)) != DB_OK ||
        (rc = db_rollup_built(in->db, &built)) != DB_OK)
        goto rollback;
    if (built && (cal = refdata_calendar(in->in->ref, in->db, &rc)) == NULL && rc == DB_OK)
        rc = DB_ERROR;
    if (rc != DB_OK)
        goto rollback;
    bool optimistic = !upsert && in->all_new;
    if (!optimistic &&
        (rc = db_lock_existing(in->db, codes, in->n, &in->arena, found_stored, in)) != DB_OK)
        goto rollback;
    in->all_new = in->nstored == 0;
    if (in->nstored > 1)
        qsort(in->stored, in->nstored, sizeof *in->stored, cmp_dossier_code);
    if (plan_chunk(in, p) != 0) {
        rc = DB_ERROR;
        goto rollback;
    }
    if (!upsert && in->nstored == 0) {
        if ((rc = db_insert_dossiers(in->db, p->write, p->nwrite)) != DB_OK) {
            if (rc == DB_RETRY)
                in->all_new = false;   /* some code exists: look them up from now on */
            goto rollback;
        }
        fresh = p->nwrite;
    } else if ((rc = db_write_dossiers(in->db, p->write, p->nwrite, &fresh)) != DB_OK) {
        goto rollback;
    }
    if (fresh != p->expect_fresh) {
        rc = DB_RETRY;
        goto rollback;
    }
    if (built && ((rc = rollup_deltas(in, p, cal)) != DB_OK ||
                  (rc = db_rollup_apply(in->db, in->acc)) != DB_OK))
        goto rollback;
    drop_known_labels(in, 'a', p->acodes, p->anames, &p->nagency);
    drop_known_labels(in, 'p', p->pcodes, p->pnames, &p->nproc);
    if ((rc = db_upsert_labels(in->db, "agency", p->acodes, p->anames, p->nagency)) != DB_OK ||
        (rc = db_upsert_labels(in->db, "procedure", p->pcodes, p->pnames, p->nproc)) != DB_OK)
        goto rollback;
    if ((rc = db_commit(in->db)) == DB_OK) {
        remember_labels(in, 'a', p->acodes, p->anames, p->nagency);
        remember_labels(in, 'p', p->pcodes, p->pnames, p->nproc);
    }
    goto done;
rollback:
    db_rollback(in->db);
done:
    free(codes);
    return rc;
}

/* Stores the writer's chunk, retrying races, and counts its outcomes. */
static int write_chunk(writer_t *in, ingest_counts *out)
{
    int rc = DB_OK;
    for (int attempt = 0; attempt < 8; attempt++) {
        chunk_plan p = { 0 };
        rc = try_chunk(in, &p, attempt > 0);
        if (rc == DB_OK) {
            out->inserted += p.c.inserted;
            out->updated += p.c.updated;
            out->unchanged += p.c.unchanged;
            out->stale += p.c.stale;
        }
        plan_free(&p);
        if (rc != DB_RETRY)
            break;
    }
    return rc == DB_RETRY ? DB_ERROR : rc;
}

/* Adds a stored chunk's outcomes (or failure) and reports progress. */
static void chunk_done(ingest_t *in, writer_t *w, int rc, const ingest_counts *c)
{
    pthread_mutex_lock(&in->mu);
    in->wcounts.inserted += c->inserted;
    in->wcounts.updated += c->updated;
    in->wcounts.unchanged += c->unchanged;
    in->wcounts.stale += c->stale;
    if (rc != DB_OK && in->status == DB_OK)
        in->status = rc;
    ingest_counts snap = in->wcounts;
    snap.received = in->handed_received;
    snap.rejected = in->handed_rejected;
    w->busy = false;
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&in->mu);
    if (rc == DB_OK && in->progress)
        in->progress(in->progress_ctx, &snap);
}

/* A writer thread: one chunk at a time, as the parser hands them over. */
static void *writer_main(void *arg)
{
    writer_t *w = arg;
    ingest_t *in = w->in;
    pthread_mutex_lock(&in->mu);
    for (;;) {
        while (!w->busy && !w->quit)
            pthread_cond_wait(&in->cv, &in->mu);
        if (!w->busy)
            break;
        pthread_mutex_unlock(&in->mu);
        ingest_counts c = { 0 };
        int rc = write_chunk(w, &c);
        chunk_done(in, w, rc, &c);
        pthread_mutex_lock(&in->mu);
    }
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

static void writers_stop(ingest_t *in)
{
    for (int i = 0; i < in->nw; i++) {
        writer_t *w = &in->w[i];
        if (!w->started)
            continue;
        pthread_mutex_lock(&in->mu);
        w->quit = true;
        pthread_cond_broadcast(&in->cv);
        pthread_mutex_unlock(&in->mu);
        pthread_join(w->thread, NULL);
        w->started = false;
    }
}

/* Waits until writer w (NULL: every writer) is idle; the ingest's status. */
static int writers_wait(ingest_t *in, const writer_t *w)
{
    pthread_mutex_lock(&in->mu);
    for (int i = 0; i < in->nw; i++)
        while ((!w || w == &in->w[i]) && in->w[i].busy)
            pthread_cond_wait(&in->cv, &in->mu);
    int st = in->status;
    pthread_mutex_unlock(&in->mu);
    return st;
}

static uint64_t code_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Indexes the codes of w's chunk (the parser does it, before handing it
 * over): another chunk in flight at the same time must share no code. */
static int index_codes(writer_t *w)
{
    size_t cap = 64;
    while (cap < w->n * 2)
        cap *= 2;
    if (cap > w->cap_codeset) {
        const char **v = malloc(cap * sizeof *v);
        if (!v)
            return -1;
        free(w->codeset);
        w->codeset = v;
        w->cap_codeset = cap;
    }
    memset(w->codeset, 0, w->cap_codeset * sizeof *w->codeset);
    for (size_t i = 0; i < w->n; i++) {
        size_t j = code_hash(w->recs[i].code) & (w->cap_codeset - 1);
        while (w->codeset[j] && strcmp(w->codeset[j], w->recs[i].code))
            j = (j + 1) & (w->cap_codeset - 1);
        w->codeset[j] = w->recs[i].code;
    }
    return 0;
}

static bool shares_code(const writer_t *w, const dossier_t *recs, size_t n)
{
    if (!w->codeset)
        return true;
    for (size_t i = 0; i < n; i++)
        for (size_t j = code_hash(recs[i].code) & (w->cap_codeset - 1); w->codeset[j];
             j = (j + 1) & (w->cap_codeset - 1))
            if (!strcmp(w->codeset[j], recs[i].code))
                return true;
    return false;
}

/*
 * Hands the parser's chunk to the next writer (its buffers, now free, become
 * the parser's). With two writers, two chunks are stored at once on two
 * connections; a chunk that shares a code with the one in flight waits for
 * it, so a code sent twice is still applied in batch order. Without a thread
 * (it could not be started), the chunk is stored here.
 */
static int hand_over(ingest_t *in)
{
    writer_t *w = &in->w[in->next];
    int st = writers_wait(in, w);
    if (st != DB_OK || in->nrecs == 0)
        return st;
    for (int i = 0; i < in->nw; i++) {   /* the other writer's chunk, if it shares a code */
        writer_t *o = &in->w[i];
        pthread_mutex_lock(&in->mu);
        bool busy = o != w && o->busy;
        pthread_mutex_unlock(&in->mu);
        if (busy && shares_code(o, in->recs, in->nrecs) && (st = writers_wait(in, o)) != DB_OK)
            return st;
    }
    dossier_t *r = w->recs;
    w->recs = in->recs;
    in->recs = r;
    w->n = in->nrecs;
    in->nrecs = 0;
    arena_t a = w->arena;
    w->arena = in->arena;
    in->arena = a;
    arena_reset(&in->arena);   /* the strings of w's previous chunk */
    w->nstored = 0;
    if (in->nw > 1 && index_codes(w) != 0) {
        free(w->codeset);   /* no index: every later chunk waits for this one */
        w->codeset = NULL;
        w->cap_codeset = 0;
    }
    if (!w->started && pthread_create(&w->thread, NULL, writer_main, w) == 0)
        w->started = true;
    in->next = (in->next + 1) % in->nw;
    pthread_mutex_lock(&in->mu);
    in->handed_received = in->counts.received;
    in->handed_rejected = in->counts.rejected;
    w->busy = true;
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&in->mu);
    if (w->started)
        return DB_OK;
    ingest_counts c = { 0 };   /* no thread: store it here */
    int rc = write_chunk(w, &c);
    chunk_done(in, w, rc, &c);
    return rc;
}

void ingest_set_scope(ingest_t *in, const char *scope) { in->scope = scope; }

static int emit(void *ctx, rec_builder *rb, long index, long line)
{
    ingest_t *in = ctx;
    in->counts.received++;
    if (rb->nerr == 0 && in->scope && !auth_scope_covers(in->scope, rb->d.agency_code))
        rec_fail(rb, F_AGENCY_CODE, "outside the agency scope of this API key (%s)", in->scope);
    if (rb->nerr > 0) {
        in->counts.rejected++;
        int shown = rb->nerr < REC_MAX_ERRORS ? rb->nerr : REC_MAX_ERRORS;
        for (int i = 0; i < shown; i++)
            add_error(in, index, line, rb->d.code, rb->err[i].field, rb->err[i].message);
        return 0;
    }
    in->recs[in->nrecs++] = rb->d;
    if (in->nrecs == in->chunk && hand_over(in) != DB_OK)
        return 1;
    return 0;
}

record_sink ingest_sink(ingest_t *in)
{
    record_sink s = { &in->arena, emit, in };
    return s;
}

static int quiesce(ingest_t *in)
{
    int st = writers_wait(in, NULL);
    writers_stop(in);
    return st;
}

void ingest_abort(ingest_t *in)
{
    quiesce(in);
    in->nrecs = 0;
    in->counts.inserted = in->wcounts.inserted;
    in->counts.updated = in->wcounts.updated;
    in->counts.unchanged = in->wcounts.unchanged;
    in->counts.stale = in->wcounts.stale;
}

int ingest_finish(ingest_t *in)
{
    hand_over(in);
    int st = quiesce(in);
    in->counts.inserted = in->wcounts.inserted;
    in->counts.updated = in->wcounts.updated;
    in->counts.unchanged = in->wcounts.unchanged;
    in->counts.stale = in->wcounts.stale;
    return st;
}

json_t *ingest_errors(const ingest_t *in) { return in->errors; }

json_t *ingest_result_json(const ingest_t *in)
{
    const ingest_counts *c = &in->counts;
    return json_pack("{sI sI sI sI sI sI sO}", "received", (json_int_t)c->received,
                     "inserted", (json_int_t)c->inserted, "updated", (json_int_t)c->updated,
                     "unchanged", (json_int_t)c->unchanged, "stale", (json_int_t)c->stale,
                     "rejected", (json_int_t)c->rejected, "errors", in->errors);
}
