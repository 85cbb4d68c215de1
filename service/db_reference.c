/*
 * db_reference.c - the procedure catalog and the calendar overrides (see
 * db_reference.h, spec §6).
 *
 * Why it is built this way: both input paths of the catalog (JSON from
 * PUT /v1/procedures, CSV from `motcua import --procedures`) convert their
 * values to C types and then go through the same checkers (check_* below),
 * so a rule is written once. A catalog write is one INSERT ... ON CONFLICT
 * over arrays (unnest), so a whole file is one statement and one transaction;
 * a code that appears twice keeps its last entry (DISTINCT ON over the
 * position), as if the entries had been sent one by one. Override changes are
 * few: one statement each inside a transaction that first bumps the version
 * row, which also serializes two administrators' changes.
 */
#include "db_reference.h"
#include "db_bin.h"
#include "db_rollup.h"
#include "refdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "dossier.h"
#include "record.h"
#include "strbuf.h"

#define ERRORS_MAX 1000

/* ---- fields ------------------------------------------------------------------- */

static const char *const FIELD_NAMES[PF__COUNT] = {
    "procedure_code", "name", "field_code", "service_level", "duration", "duration_unit",
    "has_fee",
};

int proc_field_lookup(const char *name, size_t n)
{
    for (int f = 0; f < PF__COUNT; f++)
        if (strlen(FIELD_NAMES[f]) == n && memcmp(FIELD_NAMES[f], name, n) == 0)
            return f;
    return -1;
}

const char *proc_field_name(int f)
{
    return f >= 0 && f < PF__COUNT ? FIELD_NAMES[f] : NULL;
}

void proc_entry_init(proc_entry *e)
{
    memset(e, 0, sizeof *e);
    e->duration = -1;
    e->unit = DUE_NONE;
    e->has_fee = -1;
}

/* ---- the checkers (one per kind of value, shared by JSON and CSV) ------------------- */

/* A string value s[0..n) (valid UTF-8, n > 0) for a string field. */
static int check_string(proc_entry *e, int f, const char *s, size_t n, char *msg, size_t cap)
{
    if (memchr(s, '\0', n))
        return snprintf(msg, cap, "must not contain a NUL character"), -1;
    if (f != PF_NAME && utf8_length(s, n) > CODE_MAX_CHARS)
        return snprintf(msg, cap, "longer than %d characters", CODE_MAX_CHARS), -1;
    if (f == PF_PROCEDURE_CODE)
        e->code = s;
    else if (f == PF_NAME)
        e->name = s;
    else if (f == PF_FIELD_CODE)
        e->field_code = s;
    else if (f == PF_DURATION_UNIT) {
        if (due_unit_parse(s, &e->unit) != 0)
            return snprintf(msg, cap, "must be \"working_days\", \"days\" or \"hours\""), -1;
    } else {
        return snprintf(msg, cap, "internal: not a string field"), -1;
    }
    return 0;
}

static int check_integer(proc_entry *e, int f, long long v, char *msg, size_t cap)
{
    if (f == PF_SERVICE_LEVEL) {
        if (v < 2 || v > 4)
            return snprintf(msg, cap, "must be 2, 3 or 4"), -1;
        e->service_level = (int)v;
    } else {
        if (v < 0 || v > PROC_DURATION_MAX)
            return snprintf(msg, cap, "must be a whole number from 0 to %d", PROC_DURATION_MAX), -1;
        e->duration = (int)v;
    }
    return 0;
}

static void set_null(proc_entry *e, int f)
{
    switch (f) {
    case PF_PROCEDURE_CODE: e->code = NULL; break;
    case PF_NAME: e->name = NULL; break;
    case PF_FIELD_CODE: e->field_code = NULL; break;
    case PF_SERVICE_LEVEL: e->service_level = 0; break;
    case PF_DURATION: e->duration = -1; break;
    case PF_DURATION_UNIT: e->unit = DUE_NONE; break;
    case PF_HAS_FEE: e->has_fee = -1; break;
    }
}

static bool is_int_field(int f) { return f == PF_SERVICE_LEVEL || f == PF_DURATION; }

/* ---- JSON ------------------------------------------------------------------------------- */

int proc_set_json(proc_entry *e, int f, json_t *v, char *msg, size_t cap)
{
    if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
        set_null(e, f);
        return 0;
    }
    if (f == PF_HAS_FEE) {
        if (!json_is_boolean(v))
            return snprintf(msg, cap, "must be true or false"), -1;
        e->has_fee = json_is_true(v);
        return 0;
    }
    if (is_int_field(f)) {
        if (!json_is_integer(v))
            return snprintf(msg, cap, "must be a whole number"), -1;
        return check_integer(e, f, (long long)json_integer_value(v), msg, cap);
    }
    if (!json_is_string(v))
        return snprintf(msg, cap, "must be a string"), -1;
    return check_string(e, f, json_string_value(v), json_string_length(v), msg, cap);
}

int proc_finish(const proc_entry *e, int *field, char *msg, size_t cap)
{
    if (!e->code) {
        *field = PF_PROCEDURE_CODE;
        return snprintf(msg, cap, "required"), -1;
    }
    if ((e->duration >= 0) != (e->unit != DUE_NONE)) {
        *field = e->duration >= 0 ? PF_DURATION_UNIT : PF_DURATION;
        return snprintf(msg, cap, "duration and duration_unit go together: give both or neither"), -1;
    }
    return 0;
}

int proc_from_json(json_t *o, proc_entry *e, int *field, char *msg, size_t cap)
{
    proc_entry_init(e);
    *field = -1;
    if (!json_is_object(o))
        return snprintf(msg, cap, "must be an object"), -1;
    for (int f = 0; f < PF__COUNT; f++) {
        if (proc_set_json(e, f, json_object_get(o, FIELD_NAMES[f]), msg, cap) != 0) {
            *field = f;
            return -1;
        }
    }
    return proc_finish(e, field, msg, cap);
}

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

json_t *proc_entry_json(const proc_entry *e)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    const char *unit = due_unit_name(e->unit);
    int bad = 0;
    bad |= json_object_set_new(o, "procedure_code", str_or_null(e->code));
    bad |= json_object_set_new(o, "name", str_or_null(e->name));
    bad |= json_object_set_new(o, "field_code", str_or_null(e->field_code));
    bad |= json_object_set_new(o, "service_level",
                               e->service_level ? json_integer(e->service_level) : json_null());
    bad |= json_object_set_new(o, "duration", e->duration >= 0 ? json_integer(e->duration) : json_null());
    bad |= json_object_set_new(o, "duration_unit", str_or_null(unit));
    bad |= json_object_set_new(o, "has_fee", e->has_fee < 0 ? json_null() : json_boolean(e->has_fee));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- CSV ------------------------------------------------------------------------------------ */

static bool ascii_ieq(const char *s, size_t n, const char *w)
{
    if (strlen(w) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        if (c != w[i])
            return false;
    }
    return true;
}

int proc_set_text(proc_entry *e, arena_t *a, int f, const char *s, size_t n, char *msg,
                  size_t cap)
{
    if (n == 0) {
        set_null(e, f);
        return 0;
    }
    if (f == PF_HAS_FEE) {
        if (ascii_ieq(s, n, "true") || ascii_ieq(s, n, "1") || ascii_ieq(s, n, "yes"))
            e->has_fee = 1;
        else if (ascii_ieq(s, n, "false") || ascii_ieq(s, n, "0") || ascii_ieq(s, n, "no"))
            e->has_fee = 0;
        else
            return snprintf(msg, cap, "not a boolean (true/false, 1/0, yes/no)"), -1;
        return 0;
    }
    if (is_int_field(f)) {
        long long v = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9' || i >= 12)
                return snprintf(msg, cap, "must be a whole number"), -1;
            v = v * 10 + (s[i] - '0');
        }
        return check_integer(e, f, v, msg, cap);
    }
    if (memchr(s, '\0', n))
        return check_string(e, f, s, n, msg, cap); /* reports the NUL */
    char *copy = arena_strndup(a, s, n);
    if (!copy)
        return -2;
    return check_string(e, f, copy, n, msg, cap);
}

static int add_error(proc_csv *p, long line, const char *code, int field, const char *message)
{
    p->rejected++;
    if (json_array_size(p->errors) >= ERRORS_MAX)
        return 0;
    json_t *e = json_pack("{sIs o s o ss}", "line", (json_int_t)line, "code", str_or_null(code),
                          "field", field >= 0 ? json_string(FIELD_NAMES[field]) : json_null(),
                          "message", message);
    return e && json_array_append_new(p->errors, e) == 0 ? 0 : -2;
}

static int keep_entry(proc_csv *p, const proc_entry *e)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        proc_entry *v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return -2;
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = *e;
    return 0;
}

/* One data row: validated into an entry (kept) or reported. 0 or -2. */
static int csv_entry(proc_csv *p, const csv_row *row, int rc, const int *col_field, size_t ncols)
{
    char msg[160];
    proc_entry e;
    int field = -1;
    proc_entry_init(&e);
    p->received++;
    if (rc < 0) {
        snprintf(msg, sizeof msg, "malformed CSV row: %s", row->error);
        return add_error(p, row->line, NULL, -1, msg);
    }
    if (row->nfields != ncols) {
        snprintf(msg, sizeof msg, "the row has %zu cells, the header %zu", row->nfields, ncols);
        return add_error(p, row->line, NULL, -1, msg);
    }
    for (size_t i = 0; i < ncols; i++)
        if (!utf8_valid(row->field[i], row->flen[i]))
            return add_error(p, row->line, NULL, -1, "invalid UTF-8 in this row");
    for (size_t i = 0; i < ncols; i++) {
        if (col_field[i] < 0)
            continue;
        int src = proc_set_text(&e, &p->arena, col_field[i], row->field[i], row->flen[i], msg,
                                sizeof msg);
        if (src == -2)
            return -2;
        if (src != 0) {
            field = col_field[i];
            break;
        }
    }
    if (field < 0 && proc_finish(&e, &field, msg, sizeof msg) == 0)
        return keep_entry(p, &e);
    /* the code as written, for the report, when the row has a usable one */
    const char *code = e.code;
    for (size_t i = 0; !code && i < ncols; i++)
        if (col_field[i] == PF_PROCEDURE_CODE && row->flen[i] > 0 &&
            !memchr(row->field[i], '\0', row->flen[i]))
            code = row->field[i];
    return add_error(p, row->line, code, field, msg);
}

int proc_csv_parse(const char *buf, size_t len, proc_csv *out, char *msg, size_t cap)
{
    memset(out, 0, sizeof *out);
    arena_init(&out->arena);
    out->errors = json_array();
    csv_reader r;
    csv_row *row = malloc(sizeof *row);
    int col_field[CSV_MAX_FIELDS];
    int result = 0, rc;
    csv_init(&r, buf, len);
    if (!row || !out->errors) {
        result = -2;
        goto done;
    }
    rc = csv_next(&r, row);
    if (rc == -2) {
        result = -2;
        goto done;
    }
    if (rc != 1) {
        snprintf(msg, cap, rc == 0 ? "the CSV file has no header row"
                                   : "the CSV header row is malformed");
        result = 1;
        goto done;
    }
    size_t ncols = row->nfields;
    bool seen[PF__COUNT] = { false };
    for (size_t i = 0; i < ncols; i++) {
        int f = proc_field_lookup(row->field[i], row->flen[i]);
        col_field[i] = f;
        if (f >= 0 && seen[f]) {
            snprintf(msg, cap, "CSV header names column '%s' twice", FIELD_NAMES[f]);
            result = 1;
            goto done;
        }
        if (f >= 0)
            seen[f] = true;
    }
    if (!seen[PF_PROCEDURE_CODE]) {
        snprintf(msg, cap, "CSV header lacks the required column 'procedure_code'");
        result = 1;
        goto done;
    }
    while ((rc = csv_next(&r, row)) != 0) {
        if (rc == -2 || csv_entry(out, row, rc, col_field, ncols) != 0) {
            result = -2;
            goto done;
        }
    }
done:
    csv_free(&r);
    free(row);
    return result;
}

void proc_csv_free(proc_csv *p)
{
    free(p->v);
    json_decref(p->errors);
    arena_free(&p->arena);
    memset(p, 0, sizeof *p);
}

/* ---- catalog SQL ------------------------------------------------------------------------------- */


/* An array literal of integers (< 0 or 0 when zero_is_null: NULL). */
static void pg_int_array(strbuf *b, const proc_entry *v, size_t n, int which)
{
    sb_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_putc(b, ',');
        int x = which == PF_SERVICE_LEVEL ? v[i].service_level
              : which == PF_DURATION      ? v[i].duration
                                          : v[i].has_fee;
        bool null = which == PF_SERVICE_LEVEL ? x == 0 : x < 0;
        if (null)
            sb_put(b, "NULL", 4);
        else if (which == PF_HAS_FEE)
            sb_putc(b, x ? 't' : 'f');
        else
            sb_i64(b, x);
    }
    sb_putc(b, '}');
}

static const char UPSERT_PROCEDURES[] =
    "INSERT INTO procedure AS p"
    " (code, name, field_code, service_level, duration, duration_unit, has_fee)"
    " SELECT DISTINCT ON (u.code) u.code, u.name, u.field_code, u.service_level, u.duration,"
    "  u.duration_unit, u.has_fee"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::integer[],"
    "  $6::text[], $7::boolean[]) WITH ORDINALITY"
    "  AS u(code, name, field_code, service_level, duration, duration_unit, has_fee, ord)"
    " ORDER BY u.code, u.ord DESC"
    " ON CONFLICT (code) DO UPDATE SET name = COALESCE(EXCLUDED.name, p.name),"
    "  field_code = EXCLUDED.field_code, service_level = EXCLUDED.service_level,"
    "  duration = EXCLUDED.duration, duration_unit = EXCLUDED.duration_unit,"
    "  has_fee = EXCLUDED.has_fee";

static int upsert_rows(db_conn *c, const proc_entry *v, size_t n, long *upserted)
{
    *upserted = 0;
    if (n == 0)
        return DB_OK;
    int rc = DB_ERROR;
    strbuf arr[7] = { { 0 } };
    const char **col = malloc(n * sizeof *col);
    if (!col)
        goto oom;
    for (int k = 0; k < 4; k++) {
        static const int text_fields[4] = { PF_PROCEDURE_CODE, PF_NAME, PF_FIELD_CODE,
                                            PF_DURATION_UNIT };
        for (size_t i = 0; i < n; i++)
            col[i] = text_fields[k] == PF_PROCEDURE_CODE ? v[i].code
                   : text_fields[k] == PF_NAME           ? v[i].name
                   : text_fields[k] == PF_FIELD_CODE     ? v[i].field_code
                                                         : due_unit_name(v[i].unit);
        db_pg_array(&arr[k == 3 ? 5 : k], col, n);
    }
    pg_int_array(&arr[3], v, n, PF_SERVICE_LEVEL);
    pg_int_array(&arr[4], v, n, PF_DURATION);
    pg_int_array(&arr[6], v, n, PF_HAS_FEE);
    for (int k = 0; k < 7; k++)
        if (arr[k].oom)
            goto oom;
    const char *params[7];
    for (int k = 0; k < 7; k++)
        params[k] = arr[k].p;
    PGresult *res = PQexecParams(db_pgconn(c), UPSERT_PROCEDURES, 7, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = db_fail(c, "upsert procedures", res);
    } else {
        *upserted = strtol(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        rc = DB_OK;
    }
    goto done;
oom:
    db_set_error(c, "out of memory");
done:
    for (int k = 0; k < 7; k++)
        free(arr[k].p);
    free(col);
    return rc;
}

static bool str_differs(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

/* The codes of v whose catalog columns (what the roll-ups depend on) will
 * change: the last entry of each code against the stored row. Borrowed
 * strings in *out (malloc'd, caller frees). */
static int changed_procedures(db_conn *c, const proc_entry *v, size_t n, arena_t *a,
                              const char ***out, size_t *nout)
{
    const char **codes = malloc((n ? n : 1) * sizeof *codes);
    ru_catalog *old = NULL;
    size_t nold = 0, m = 0;
    *out = NULL;
    *nout = 0;
    if (!codes) {
        db_set_error(c, "out of memory");
        return DB_ERROR;
    }
    for (size_t i = 0; i < n; i++)
        codes[i] = v[i].code;
    int rc = db_rollup_catalog(c, codes, n, a, &old, &nold);
    for (size_t i = 0; rc == DB_OK && i < n; i++) {
        bool last = true;
        for (size_t j = i + 1; j < n && last; j++)
            last = strcmp(v[j].code, v[i].code) != 0;
        const ru_catalog *o = ru_catalog_find(old, nold, v[i].code);
        if (last && (!o || str_differs(o->field_code, v[i].field_code) ||
                     o->service_level != v[i].service_level || o->duration != v[i].duration ||
                     o->unit != v[i].unit || o->has_fee != v[i].has_fee))
            codes[m++] = v[i].code;
    }
    free(old);
    if (rc != DB_OK) {
        free(codes);
        return rc;
    }
    *out = codes;
    *nout = m;
    return DB_OK;
}

/*
 * The catalog and the roll-ups change together: under the exclusive
 * reference lock, the dossiers of the procedures whose catalog columns change
 * are taken out of the roll-ups with the old entries and put back with the
 * new ones, in the transaction of the upsert.
 */
int db_upsert_procedures(db_conn *c, const office_hours *oh, const proc_entry *v, size_t n,
                         long *upserted)
{
    *upserted = 0;
    if (n == 0)
        return DB_OK;
    arena_t a;
    arena_init(&a);
    const char **changed = NULL;
    size_t nchanged = 0;
    bool built = false;
    calendar_t *cal = NULL;
    rollup_acc *acc = rollup_acc_new();
    int rc = acc ? db_begin(c) : DB_ERROR;
    if (!acc) {
        db_set_error(c, "out of memory");
        goto done;
    }
    if (rc != DB_OK)
        goto done;
    if ((rc = db_reference_lock(c, true)) != DB_OK || (rc = db_rollup_built(c, &built)) != DB_OK)
        goto fail;
    if (built && ((rc = changed_procedures(c, v, n, &a, &changed, &nchanged)) != DB_OK ||
                  (nchanged && (rc = refdata_build(c, &cal)) != DB_OK) ||
                  (rc = db_rollup_pass_procedures(c, acc, cal, oh, changed, nchanged, -1)) != DB_OK))
        goto fail;
    if ((rc = upsert_rows(c, v, n, upserted)) != DB_OK)
        goto fail;
    if (built && ((rc = db_rollup_pass_procedures(c, acc, cal, oh, changed, nchanged, +1)) != DB_OK ||
                  (rc = db_rollup_apply(c, acc)) != DB_OK))
        goto fail;
    if ((rc = db_commit(c)) == DB_OK)
        goto done;
fail:
    db_rollback(c);
    *upserted = 0;
done:
    free(changed);
    calendar_free(cal);
    rollup_acc_free(acc);
    arena_free(&a);
    return rc;
}

int db_list_procedures(db_conn *c, arena_t *a, proc_entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    PGresult *res = PQexec(db_pgconn(c),
        "SELECT code, name, field_code, service_level, duration, duration_unit, has_fee"
        " FROM procedure ORDER BY code COLLATE \"C\"");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return db_fail(c, "list procedures", res);
    size_t rows = (size_t)PQntuples(res);
    proc_entry *v = malloc((rows ? rows : 1) * sizeof *v);
    bool oom = !v;
    for (size_t i = 0; !oom && i < rows; i++) {
        int r = (int)i;
        proc_entry *e = &v[i];
        proc_entry_init(e);
        const char *s[3];
        for (int k = 0; k < 3; k++) {
            s[k] = NULL;
            if (!PQgetisnull(res, r, k) &&
                !(s[k] = arena_strndup(a, PQgetvalue(res, r, k), (size_t)PQgetlength(res, r, k))))
                oom = true;
        }
        e->code = s[0];
        e->name = s[1];
        e->field_code = s[2];
        if (!PQgetisnull(res, r, 3))
            e->service_level = atoi(PQgetvalue(res, r, 3));
        if (!PQgetisnull(res, r, 4) && !PQgetisnull(res, r, 5) &&
            due_unit_parse(PQgetvalue(res, r, 5), &e->unit) == 0)
            e->duration = atoi(PQgetvalue(res, r, 4));
        if (!PQgetisnull(res, r, 6))
            e->has_fee = PQgetvalue(res, r, 6)[0] == 't';
    }
    PQclear(res);
    if (oom) {
        free(v);
        db_set_error(c, "out of memory");
        return DB_ERROR;
    }
    *out = v;
    *n = rows;
    return DB_OK;
}

int db_import_procedures_csv(db_conn *c, const office_hours *oh, const char *buf, size_t len,
                             json_t **result, long *rejected, char *msg, size_t cap)
{
    proc_csv p;
    long upserted = 0;
    int rc = DB_OK;
    *result = NULL;
    *rejected = 0;
    int prc = proc_csv_parse(buf, len, &p, msg, cap);
    if (prc == 1) {
        rc = 1;
    } else if (prc != 0) {
        db_set_error(c, "out of memory");
        rc = DB_ERROR;
    } else if ((rc = db_upsert_procedures(c, oh, p.v, p.n, &upserted)) == DB_OK) {
        *rejected = p.rejected;
        *result = json_pack("{sIsIsIsO}", "received", (json_int_t)p.received, "upserted",
                            (json_int_t)upserted, "rejected", (json_int_t)p.rejected, "errors",
                            p.errors);
        if (!*result) {
            db_set_error(c, "out of memory");
            rc = DB_ERROR;
        }
    }
    proc_csv_free(&p);
    return rc;
}

/* ---- calendar overrides SQL --------------------------------------------------------------------- */

static int exec_params(db_conn *c, const char *what, const char *sql, int n,
                       const char *const *params, long *affected)
{
    PGresult *res = PQexecParams(db_pgconn(c), sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return db_fail(c, what, res);
    if (affected)
        *affected = strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return DB_OK;
}

/* The roll-ups after a calendar change: the dossiers the changed days can
 * affect, out with the old calendar and back in with the new one. */
static int rollup_days(db_conn *c, const office_hours *oh, const cal_change *v, size_t n,
                       const calendar_t *old)
{
    calendar_t *cal = NULL;
    rollup_acc *acc = NULL;
    day_t lo = 0, hi = -1;
    int rc = refdata_build(c, &cal);
    for (size_t i = 0; rc == DB_OK && i < n; i++) {
        if (cal_is_working(old, v[i].day) == cal_is_working(cal, v[i].day))
            continue;
        if (hi < lo || v[i].day < lo)
            lo = v[i].day;
        if (hi < v[i].day)
            hi = v[i].day;
    }
    if (rc == DB_OK && lo <= hi) {
        if (!(acc = rollup_acc_new())) {
            db_set_error(c, "out of memory");
            rc = DB_ERROR;
        }
        if (rc == DB_OK)
            rc = db_rollup_pass_days(c, acc, old, oh, lo, hi, -1);
        if (rc == DB_OK)
            rc = db_rollup_pass_days(c, acc, cal, oh, lo, hi, +1);
        if (rc == DB_OK)
            rc = db_rollup_apply(c, acc);
    }
    rollup_acc_free(acc);
    calendar_free(cal);
    return rc;
}

int db_put_overrides(db_conn *c, const office_hours *oh, const cal_change *v, size_t n,
                     long *upserted, long *removed)
{
    int rc;
    bool built = false;
    calendar_t *old = NULL;
    *upserted = *removed = 0;
    if ((rc = db_begin(c)) != DB_OK)
        return rc;
    /* The version first: its row lock orders concurrent changes, and it is
     * the reference lock that keeps ingest out until the roll-ups follow. */
    rc = exec_params(c, "calendar version",
                     "INSERT INTO reference_version (id, calendar) VALUES (1, 1)"
                     " ON CONFLICT (id) DO UPDATE SET calendar = reference_version.calendar + 1",
                     0, NULL, NULL);
    if (rc == DB_OK)
        rc = db_rollup_built(c, &built);
    if (rc == DB_OK && built)
        rc = refdata_build(c, &old);
    for (size_t i = 0; rc == DB_OK && i < n; i++) {
        char day[DAY_FMT_MAX];
        long k = 0;
        day_format(v[i].day, day, sizeof day);
        if (v[i].working < 0) {
            const char *params[1] = { day };
            rc = exec_params(c, "remove override",
                             "DELETE FROM calendar_override WHERE day = $1::date", 1, params, &k);
            *removed += k;
        } else {
            const char *params[3] = { day, v[i].working ? "true" : "false", v[i].name };
            rc = exec_params(c, "store override",
                             "INSERT INTO calendar_override (day, working, name)"
                             " VALUES ($1::date, $2::boolean, $3)"
                             " ON CONFLICT (day) DO UPDATE SET working = EXCLUDED.working,"
                             " name = EXCLUDED.name",
                             3, params, &k);
            *upserted += k;
        }
    }
    if (rc == DB_OK && built)
        rc = rollup_days(c, oh, v, n, old);
    calendar_free(old);
    if (rc == DB_OK)
        rc = db_commit(c);
    if (rc != DB_OK) {
        db_rollback(c);
        *upserted = *removed = 0;
    }
    return rc;
}

int db_load_overrides(db_conn *c, int (*each)(void *ctx, day_t d, bool working,
                                              const char *name),
                      void *ctx, long long *version)
{
    *version = 0;
    /* One statement, so the version and the overrides come from one snapshot. */
    PGresult *res = PQexec(db_pgconn(c),
        "SELECT (SELECT calendar FROM reference_version WHERE id = 1),"
        " to_char(o.day, 'YYYY-MM-DD'), o.working, o.name"
        " FROM (SELECT 1) AS one LEFT JOIN calendar_override o ON true ORDER BY o.day");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return db_fail(c, "load overrides", res);
    int rows = PQntuples(res), rc = DB_OK;
    if (rows > 0 && !PQgetisnull(res, 0, 0))
        *version = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    for (int i = 0; i < rows && rc == DB_OK; i++) {
        day_t d;
        const char *s = PQgetvalue(res, i, 1);
        if (PQgetisnull(res, i, 1))
            continue; /* no override at all: the one row of the left join */
        if (day_parse(s, strlen(s), &d) != 0)
            continue; /* a year beyond 9999: cannot be set through the API */
        if (each(ctx, d, PQgetvalue(res, i, 2)[0] == 't',
                 PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3)) != 0) {
            db_set_error(c, "out of memory");
            rc = DB_ERROR;
        }
    }
    PQclear(res);
    return rc;
}

int db_calendar_version(db_conn *c, long long *version)
{
    *version = 0;
    PGresult *res = PQexec(db_pgconn(c), "SELECT calendar FROM reference_version WHERE id = 1");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return db_fail(c, "calendar version", res);
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        *version = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return DB_OK;
}
