/*
 * record.c - one dossier record from text cells or JSON values, validated
 * exactly as spec §3.3 lists and nothing more: a missing required field, a
 * wrong JSON type, an unknown enum value, an unparseable timestamp, the
 * date-order rules, finished_at against the status, a negative number, a
 * field over its length. Each problem is kept with its field so that a
 * department can fix its export.
 */
#include "record.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef enum { K_CODE, K_TEXT, K_LEVEL, K_CHANNEL, K_STATUS, K_TS, K_TS_EVENING,
               K_BOOL, K_COUNT, K_FEE } field_kind;

static const struct {
    const char *name;
    field_kind kind;
} FIELDS[F__COUNT] = {
    [F_CODE] = { "code", K_CODE },
    [F_AGENCY_CODE] = { "agency_code", K_CODE },
    [F_AGENCY_NAME] = { "agency_name", K_TEXT },
    [F_PROCEDURE_CODE] = { "procedure_code", K_CODE },
    [F_PROCEDURE_NAME] = { "procedure_name", K_TEXT },
    [F_FIELD_CODE] = { "field_code", K_CODE },
    [F_SERVICE_LEVEL] = { "service_level", K_LEVEL },
    [F_CHANNEL] = { "channel", K_CHANNEL },
    [F_STATUS] = { "status", K_STATUS },
    [F_RECEIVED_AT] = { "received_at", K_TS },
    [F_DUE_AT] = { "due_at", K_TS_EVENING },
    [F_FINISHED_AT] = { "finished_at", K_TS },
    [F_RETURNED_AT] = { "returned_at", K_TS },
    [F_EXTENDED_DUE_AT] = { "extended_due_at", K_TS_EVENING },
    [F_APOLOGY] = { "apology", K_BOOL },
    [F_SUPPLEMENT_COUNT] = { "supplement_count", K_COUNT },
    [F_SUPPLEMENT_REQUESTED_AT] = { "supplement_requested_at", K_TS },
    [F_FEE] = { "fee", K_FEE },
    [F_PAID_ONLINE] = { "paid_online", K_BOOL },
    [F_UPDATED_AT] = { "updated_at", K_TS },
};

int field_lookup(const char *name, size_t n)
{
    for (int i = 0; i < F__COUNT; i++)
        if (strlen(FIELDS[i].name) == n && memcmp(FIELDS[i].name, name, n) == 0)
            return i;
    return -1;
}

const char *field_name(int f) { return f >= 0 && f < F__COUNT ? FIELDS[f].name : NULL; }

void rec_init(rec_builder *rb)
{
    memset(rb, 0, sizeof *rb);
    dossier_t *d = &rb->d;
    d->received_at = d->due_at = d->finished_at = d->returned_at = TS_NULL;
    d->extended_due_at = d->supplement_requested_at = d->updated_at = TS_NULL;
    d->fee = FEE_NULL;
}

/* Cuts s back to its longest valid UTF-8 prefix. Messages quote what was
 * sent, cut to a length; a cut inside a multi-byte character (or invalid
 * input quoted back) would make the message unusable as a JSON string. */
static void utf8_trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && !utf8_valid(s, n))
        n--;
    s[n] = '\0';
}

void rec_fail(rec_builder *rb, int field, const char *fmt, ...)
{
    if (rb->nerr < REC_MAX_ERRORS) {
        rec_error *e = &rb->err[rb->nerr];
        e->field = field;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
        utf8_trim(e->message);
    }
    rb->nerr++;
}

/* ---- UTF-8 ---------------------------------------------------------------- */

bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t len;
        unsigned cp, min;
        if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
        else return false;
        if ((size_t)(end - p) < len)
            return false;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += len;
    }
    return true;
}

size_t utf8_length(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

/* ---- typed setters ---------------------------------------------------------- */

static const char **str_slot(dossier_t *d, int f)
{
    switch (f) {
    case F_CODE: return &d->code;
    case F_AGENCY_CODE: return &d->agency_code;
    case F_AGENCY_NAME: return &d->agency_name;
    case F_PROCEDURE_CODE: return &d->procedure_code;
    case F_PROCEDURE_NAME: return &d->procedure_name;
    case F_FIELD_CODE: return &d->field_code;
    default: return NULL;
    }
}

static ts_t *ts_slot(dossier_t *d, int f)
{
    switch (f) {
    case F_RECEIVED_AT: return &d->received_at;
    case F_DUE_AT: return &d->due_at;
    case F_FINISHED_AT: return &d->finished_at;
    case F_RETURNED_AT: return &d->returned_at;
    case F_EXTENDED_DUE_AT: return &d->extended_due_at;
    case F_SUPPLEMENT_REQUESTED_AT: return &d->supplement_requested_at;
    case F_UPDATED_AT: return &d->updated_at;
    default: return NULL;
    }
}

/* Resets a field to null or its default (spec §3: an absent field is null). */
static void set_null(rec_builder *rb, int f)
{
    dossier_t *d = &rb->d;
    const char **sp = str_slot(d, f);
    ts_t *tp = ts_slot(d, f);
    if (sp) *sp = NULL;
    else if (tp) *tp = TS_NULL;
    else switch (f) {
    case F_SERVICE_LEVEL: d->service_level = 0; break;
    case F_CHANNEL: d->channel = 0; break;
    case F_STATUS: d->status = 0; break;
    case F_APOLOGY: d->apology = false; break;
    case F_PAID_ONLINE: d->paid_online = false; break;
    case F_SUPPLEMENT_COUNT: d->supplement_count = 0; break;
    case F_FEE: d->fee = FEE_NULL; break;
    default: break;
    }
}

/* Parses an optionally negative decimal integer with no other characters.
 * Returns 0, -1 not a number, -2 out of range. */
static int parse_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (n > 0 && s[0] == '-') { neg = true; i = 1; }
    if (i == n)
        return -1;
    int64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v > (INT64_MAX - 9) / 10)
            return -2;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

static bool ascii_ieq(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (m != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != lit[i]) return false;
    }
    return true;
}

static void set_string(rec_builder *rb, arena_t *a, int f, const char *s, size_t n)
{
    if (FIELDS[f].kind == K_CODE && utf8_length(s, n) > CODE_MAX_CHARS) {
        rec_fail(rb, f, "longer than %d characters", CODE_MAX_CHARS);
        return;
    }
    char *copy = arena_strndup(a, s, n);
    if (!copy) {
        rb->oom = true;
        rec_fail(rb, f, "out of memory");
        return;
    }
    *str_slot(&rb->d, f) = copy;
}

/* Applies an integer to a numeric or enum field; shared by text and JSON. */
static void set_integer(rec_builder *rb, int f, int64_t v)
{
    dossier_t *d = &rb->d;
    switch (FIELDS[f].kind) {
    case K_LEVEL:
        if (v < 2 || v > 4) rec_fail(rb, f, "must be 2, 3 or 4");
        else d->service_level = (int)v;
        break;
    case K_CHANNEL:
        if (v < 1 || v > 3) rec_fail(rb, f, "unknown channel %lld (1, 2 or 3)", (long long)v);
        else d->channel = (int)v;
        break;
    case K_STATUS:
        if (v < 1 || v > 10) rec_fail(rb, f, "unknown status %lld (1 to 10)", (long long)v);
        else d->status = (int)v;
        break;
    case K_COUNT:
        if (v < 0) rec_fail(rb, f, "must not be negative");
        else if (v > INT32_MAX) rec_fail(rb, f, "too large");
        else d->supplement_count = (int32_t)v;
        break;
    case K_FEE:
        if (v < 0) rec_fail(rb, f, "must not be negative");
        else d->fee = v;
        break;
    default:
        rec_fail(rb, f, "must not be a number");
    }
}

static void set_enum_text(rec_builder *rb, int f, const char *s, size_t n)
{
    int v = FIELDS[f].kind == K_STATUS ? status_from_name(s, n) : channel_from_name(s, n);
    if (v) {
        set_integer(rb, f, v);
        return;
    }
    int64_t num;
    if (parse_int(s, n, &num) == 0) {
        set_integer(rb, f, num);
        return;
    }
    rec_fail(rb, f, "unknown %s '%.*s'", FIELDS[f].name, n > 40 ? 40 : (int)n, s);
}

static void set_ts_text(rec_builder *rb, int f, const char *s, size_t n)
{
    ts_t t;
    ts_date_default dflt = FIELDS[f].kind == K_TS_EVENING ? TS_DATE_EVENING : TS_DATE_MIDNIGHT;
    if (ts_parse(s, n, dflt, &t) != 0) {
        rec_fail(rb, f, "not a valid timestamp");
        return;
    }
    *ts_slot(&rb->d, f) = t;
}

static void set_number_text(rec_builder *rb, int f, const char *s, size_t n)
{
    int64_t v;
    int rc = parse_int(s, n, &v);
    if (rc == -1)
        rec_fail(rb, f, "not an integer");
    else if (rc == -2)
        rec_fail(rb, f, "too large");
    else
        set_integer(rb, f, v);
}

void rec_set_text(rec_builder *rb, arena_t *a, int f, const char *s, size_t n)
{
    if (f < 0 || f >= F__COUNT)
        return;
    if (n == 0) {
        set_null(rb, f);
        return;
    }
    if (memchr(s, '\0', n)) {
        /* A C string would silently end at the NUL and merge two codes. */
        rec_fail(rb, f, "contains a NUL character");
        return;
    }
    switch (FIELDS[f].kind) {
    case K_CODE:
    case K_TEXT:
        set_string(rb, a, f, s, n);
        break;
    case K_CHANNEL:
    case K_STATUS:
        set_enum_text(rb, f, s, n);
        break;
    case K_TS:
    case K_TS_EVENING:
        set_ts_text(rb, f, s, n);
        break;
    case K_BOOL: {
        bool v;
        if (ascii_ieq(s, n, "true") || ascii_ieq(s, n, "1") || ascii_ieq(s, n, "yes")) v = true;
        else if (ascii_ieq(s, n, "false") || ascii_ieq(s, n, "0") || ascii_ieq(s, n, "no")) v = false;
        else {
            rec_fail(rb, f, "not a boolean (true/false, 1/0, yes/no)");
            return;
        }
        if (f == F_APOLOGY) rb->d.apology = v;
        else rb->d.paid_online = v;
        break;
    }
    case K_LEVEL:
    case K_COUNT:
    case K_FEE:
        set_number_text(rb, f, s, n);
        break;
    }
}

static const char *json_type_name(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a fractional number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

void rec_set_json(rec_builder *rb, arena_t *a, int f, json_t *v, bool lenient)
{
    if (f < 0 || f >= F__COUNT)
        return;
    if (json_is_null(v)) {
        set_null(rb, f);
        return;
    }
    field_kind k = FIELDS[f].kind;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        bool text_ok = k == K_CODE || k == K_TEXT || k == K_CHANNEL || k == K_STATUS ||
                       k == K_TS || k == K_TS_EVENING || lenient;
        if (!text_ok) {
            rec_fail(rb, f, "must be %s, not a string",
                     k == K_BOOL ? "true or false" : "an integer");
            return;
        }
        rec_set_text(rb, a, f, s, n);
        return;
    }
    if (json_is_integer(v)) {
        json_int_t iv = json_integer_value(v);
        if (k == K_CODE && lenient) {
            char buf[32];
            int len = snprintf(buf, sizeof buf, "%lld", (long long)iv);
            set_string(rb, a, f, buf, (size_t)len);
        } else if (k == K_BOOL && lenient && (iv == 0 || iv == 1)) {
            if (f == F_APOLOGY) rb->d.apology = iv == 1;
            else rb->d.paid_online = iv == 1;
        } else if (k == K_LEVEL || k == K_CHANNEL || k == K_STATUS || k == K_COUNT || k == K_FEE) {
            set_integer(rb, f, iv);
        } else {
            rec_fail(rb, f, "must be %s, not an integer", k == K_BOOL ? "true or false" : "a string");
        }
        return;
    }
    if (json_is_boolean(v) && k == K_BOOL) {
        if (f == F_APOLOGY) rb->d.apology = json_is_true(v);
        else rb->d.paid_online = json_is_true(v);
        return;
    }
    const char *want = k == K_BOOL ? "true or false"
                     : (k == K_LEVEL || k == K_COUNT || k == K_FEE) ? "an integer"
                     : (k == K_CHANNEL || k == K_STATUS) ? "a name or a number"
                     : "a string";
    rec_fail(rb, f, "must be %s, not %s", want, json_type_name(v));
}

void rec_from_json_object(rec_builder *rb, arena_t *a, json_t *obj)
{
    if (!json_is_object(obj)) {
        rec_fail(rb, -1, "a record must be a JSON object, not %s", json_type_name(obj));
        return;
    }
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val) {
        int f = field_lookup(key, strlen(key));
        if (f >= 0)
            rec_set_json(rb, a, f, val, false);
    }
}

/* Was this field already reported as bad? Cross-field rules skip such fields. */
static bool field_failed(const rec_builder *rb, int f)
{
    int n = rb->nerr < REC_MAX_ERRORS ? rb->nerr : REC_MAX_ERRORS;
    for (int i = 0; i < n; i++)
        if (rb->err[i].field == f)
            return true;
    return false;
}

static void require(rec_builder *rb, int f, bool present)
{
    if (!present && !field_failed(rb, f))
        rec_fail(rb, f, "required");
}

void rec_finish(rec_builder *rb)
{
    const dossier_t *d = &rb->d;
    if (field_failed(rb, -1))
        return; /* not a record at all: "required" errors would only be noise */
    require(rb, F_CODE, d->code != NULL);
    require(rb, F_AGENCY_CODE, d->agency_code != NULL);
    require(rb, F_PROCEDURE_CODE, d->procedure_code != NULL);
    require(rb, F_CHANNEL, d->channel != 0);
    require(rb, F_STATUS, d->status != 0);
    if (d->status == 0)
        return; /* the status-dependent rules cannot be judged */
    if (d->status != 1 && d->status != 3)
        require(rb, F_RECEIVED_AT, d->received_at != TS_NULL);
    if (d->received_at != TS_NULL && d->due_at != TS_NULL && d->due_at < d->received_at)
        rec_fail(rb, F_DUE_AT, "before received_at");
    if (d->received_at != TS_NULL && d->finished_at != TS_NULL && d->finished_at < d->received_at)
        rec_fail(rb, F_FINISHED_AT, "before received_at");
    bool open = d->status == 2 || d->status == 4 || d->status == 5 || d->status == 6;
    if (open && d->finished_at != TS_NULL)
        rec_fail(rb, F_FINISHED_AT, "must be empty while the status is %s", status_name(d->status));
    if (status_finished(d->status) && d->finished_at == TS_NULL && !field_failed(rb, F_FINISHED_AT))
        rec_fail(rb, F_FINISHED_AT, "required when the status is %s", status_name(d->status));
}
