/*
 * jsonw.c - see jsonw.h. The text mode follows jansson 2.14's dump.c
 * (dump_string, and jsonp_dtostr without dtoa, which is how Debian builds
 * it) so that its output equals json_dumps(tree, JSON_COMPACT) byte for
 * byte; tests/check_jsonw.c holds it to that on random strings, integers
 * and reals, and tests/check_metrics.c on whole metrics answers.
 *
 * Speed: the text is appended to its buffer directly; plain ASCII strings
 * are copied in one piece; integers are formatted by hand; reals from 1e-4
 * to 1e17 (every rate, mean and target the service writes) are formatted
 * exactly in integer arithmetic, the others by snprintf("%.17g") as jansson
 * does, with a small cache in front, since many reals of an answer (its
 * targets, 0 and 1) come again in every group.
 */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jw_init_text(jsonw *w)
{
    memset(w, 0, sizeof *w);
}

void jw_init_tree(jsonw *w)
{
    memset(w, 0, sizeof *w);
    w->tree = true;
}

void jw_fail(jsonw *w)
{
    w->failed = true;
}

static bool complete(const jsonw *w)
{
    return !w->failed && !w->b.oom && w->depth == 0 && !w->after_key && w->has_root;
}

char *jw_finish_text(jsonw *w, size_t *len)
{
    char *p = w->b.p;
    size_t n = w->b.len;
    bool ok = !w->tree && complete(w) && p != NULL;
    if (ok)
        p[n] = '\0';   /* room() always left space for it */
    w->b.p = NULL;
    w->b.len = w->b.cap = 0;
    json_decref(w->root);   /* a tree writer finished as text: nothing is kept */
    w->root = NULL;
    if (!ok) {
        free(p);
        return NULL;
    }
    if (len)
        *len = n;
    return p;
}

json_t *jw_finish_tree(jsonw *w)
{
    json_t *root = w->root;
    bool ok = w->tree && complete(w);
    w->root = NULL;
    free(w->b.p);   /* a text writer finished as a tree: nothing is kept */
    w->b.p = NULL;
    w->b.len = w->b.cap = 0;
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---- text ----------------------------------------------------------------
 * The writer owns w->b until jw_finish_text and appends to it directly:
 * room() makes space for n more bytes (and the final NUL), growing by
 * doubling; the NUL is written once, at the end. */

static bool grow(jsonw *w, size_t n)
{
    strbuf *b = &w->b;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < n + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            w->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = true;
        w->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

/* Space for n more bytes at the end of the text, or NULL (failed). */
static inline char *room(jsonw *w, size_t n)
{
    if (w->b.cap - w->b.len < n + 1 && !grow(w, n))
        return NULL;
    return w->b.p + w->b.len;
}

static inline void put(jsonw *w, const char *s, size_t n)
{
    char *p = room(w, n);
    if (p) {
        memcpy(p, s, n);
        w->b.len += n;
    }
}

static inline void put1(jsonw *w, char c)
{
    char *p = room(w, 1);
    if (p) {
        *p = c;
        w->b.len++;
    }
}

void jw_reserve(jsonw *w, size_t n)
{
    if (!w->tree && !w->failed)
        room(w, n);
}

/* 1 for the bytes a string cannot carry as they are, or that start a
 * UTF-8 sequence to check: controls, '"', '\\', and every byte >= 0x80. */
static const unsigned char SPECIAL[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x20: '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,   /* 0x50: '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x70 (DEL as is) */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x80 - 0xFF */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* True when none of s[0..n) is special: printable ASCII other than '"'
 * and '\\', copied as it is. */
static bool plain_ascii(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= SPECIAL[s[i]];
    return bad == 0;
}

/* Appends s quoted and escaped as jansson's dump_string does. -1 when s is
 * not valid UTF-8 by jansson's rules (utf8_check_first / utf8_check_full:
 * no stray continuation byte, no overlong form, no surrogate, nothing
 * above U+10FFFF). */
static int put_quoted(jsonw *w, const char *str)
{
    const unsigned char *s = (const unsigned char *)str, *run = s;
    put1(w, '"');
    for (;;) {
        unsigned char c = *s;
        if (!SPECIAL[c]) {
            s++;
            continue;
        }
        if (c >= 0x80) {
            size_t n;
            uint32_t cp;
            if (c >= 0xC2 && c <= 0xDF) {
                n = 2;
                cp = c & 0x1F;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 3;
                cp = c & 0x0F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 4;
                cp = c & 0x07;
            } else {
                return -1;
            }
            for (size_t i = 1; i < n; i++) {
                if (s[i] < 0x80 || s[i] > 0xBF)   /* also stops at the NUL */
                    return -1;
                cp = (cp << 6) | (s[i] & 0x3F);
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
                (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
                return -1;
            s += n;
            continue;
        }
        /* the end, or a character to escape: the run before it first */
        if (s > run)
            put(w, (const char *)run, (size_t)(s - run));
        if (c == '\0')
            break;
        char esc[6] = { '\\', 0, 0, 0, 0, 0 };
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = "0123456789ABCDEF"[c >> 4];
            esc[5] = "0123456789ABCDEF"[c & 0xF];
            elen = 6;
        }
        put(w, esc, elen);
        run = ++s;
    }
    put1(w, '"');
    return 0;
}

/* s as a JSON string, with a ',' before it when comma; a ':' after it when
 * colon (a key). -1 when s is not valid UTF-8. */
static int put_string(jsonw *w, const char *s, bool comma, bool colon)
{
    size_t n = strlen(s);
    if (plain_ascii(s, n)) {   /* the usual case: one copy */
        char *p = room(w, n + 4);
        if (p == NULL)
            return 0;
        char *q = p;
        if (comma)
            *q++ = ',';
        *q++ = '"';
        memcpy(q, s, n);
        q += n;
        *q++ = '"';
        if (colon)
            *q++ = ':';
        w->b.len += (size_t)(q - p);
        return 0;
    }
    if (comma)
        put1(w, ',');
    if (put_quoted(w, s) != 0)
        return -1;
    if (colon)
        put1(w, ':');
    return 0;
}

static const char DIGIT_PAIRS[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* x as exactly n decimal digits (zero-padded; x < 10^n) at out. */
static void put_digits(uint32_t x, char *out, int n)
{
    while (n >= 2) {
        memcpy(out + n - 2, DIGIT_PAIRS + 2 * (x % 100), 2);
        x /= 100;
        n -= 2;
    }
    if (n == 1)
        out[0] = (char)('0' + x);
}

/* v in decimal, as "%lld" writes it, at out; returns the length (<= 20). */
static size_t fmt_i64(int64_t v, char *out)
{
    size_t k = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        out[k++] = '-';
    if (u < 10) {   /* the commonest counts: 0..9 */
        out[k] = (char)('0' + u);
        return k + 1;
    }
    int n = 1;   /* number of digits */
    for (uint64_t p = 10; n < 20 && u >= p; p *= 10)
        n++;
    /* up to 20 digits as 8 + 8 + 4 (u < 1.9e19) */
    int lo_n = n > 8 ? 8 : n;
    int mid_n = n > 16 ? 8 : n - lo_n;
    int hi_n = n - lo_n - mid_n;
    put_digits((uint32_t)(u % 100000000), out + k + n - lo_n, lo_n);
    u /= 100000000;
    if (mid_n > 0)
        put_digits((uint32_t)(u % 100000000), out + k + hi_n, mid_n);
    if (hi_n > 0)
        put_digits((uint32_t)(u / 100000000), out + k, hi_n);
    return k + (size_t)n;
}

/* A finite v as jansson's jsonp_dtostr (its snprintf build) writes it, at
 * out[32]; returns the length. */
static size_t fmt_real_printf(double v, char *out)
{
    int ret = snprintf(out, 32, "%.17g", v);
    if (ret < 0 || ret > 28)   /* never: at most 24 characters */
        return 0;
    size_t len = (size_t)ret;
    /* a locale whose decimal point is ',' (jansson's from_locale) */
    char *comma = memchr(out, ',', len);
    if (comma)
        *comma = '.';
    char *e = memchr(out, 'e', len);
    if (e == NULL && memchr(out, '.', len) == NULL) {
        out[len++] = '.';
        out[len++] = '0';
        out[len] = '\0';
    }
    if (e) {   /* no '+', no leading zeros in the exponent */
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - out) + 1);
            len -= (size_t)(end - start);
        }
    }
    return len;
}

__extension__ typedef unsigned __int128 u128;

/*
 * The same text as fmt_real_printf, computed exactly in integers, for
 * 1e-4 <= |v| < 1e17 (every rate, mean and target), where "%.17g" writes
 * no exponent; 0 outside that range (the caller falls back to snprintf,
 * several times slower). v = m * 2^e exactly; with E = floor(log10 |v|),
 * the 17 significant digits are q = m * 2^e * 10^(16 - E) rounded half to
 * even (as glibc's printf in the default rounding mode), which fits in 128
 * bits over that range (m < 2^53, 10^(16 - E) <= 10^20, e >= -66). Then
 * "%g" drops the fraction's trailing zeros, and jansson adds ".0" to a whole
 * number. tests/check_jsonw.c compares the two on millions of values.
 */
static size_t fmt_real_exact(double v, char *out)
{
    static const uint64_t P10[20] = {
        1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
        100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
        10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
        100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
    };
    size_t k = 0;
    if (v < 0) {
        out[k++] = '-';
        v = -v;
    }
    if (!(v >= 1e-4 && v < 1e17))
        return 0;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
    int e = (int)((bits >> 52) & 0x7FF) - 1075;   /* v = m * 2^e, v normal here */
    /* log10(v) lies in [x log10 2, (x + 1) log10 2) with x = e + 52, and
     * 1233 / 4096 is log10 2 to within 0.01%: E is this guess or one more
     * (the loop below settles it) */
    int x = e + 52;
    int E = x >= 0 ? (x * 1233) >> 12 : -((-x * 1233 + 4095) >> 12);
    if (E < -4)
        E = -4;
    if (E > 16)
        E = 16;
    uint64_t q;
    for (;;) {
        int s = 16 - E;   /* 0..20 */
        u128 n = (u128)m * P10[s > 19 ? 19 : s];
        if (s == 20)
            n *= 10;
        u128 qq, rem = 0, half = 0;
        int sh = -e;
        if (sh <= 0) {
            qq = n << -sh;   /* e <= 4 here, since v < 1e17 */
        } else {
            qq = n >> sh;
            rem = n & (((u128)1 << sh) - 1);
            half = (u128)1 << (sh - 1);
        }
        if (qq < P10[16]) {   /* E was too large */
            if (--E < -4)
                return 0;
            continue;
        }
        if (qq >= P10[17]) {  /* E was too small */
            if (++E > 16)
                return 0;
            continue;
        }
        if (sh > 0 && (rem > half || (rem == half && (qq & 1))))
            qq++;
        if (qq == P10[17]) {  /* a guard: 17 digits tell doubles apart, none rounds up to 10^k */
            qq = P10[16];
            if (++E > 16)
                return 0;     /* "1e+17": the exponent form */
        }
        q = (uint64_t)qq;
        break;
    }
    char dig[17];
    put_digits((uint32_t)(q / 100000000), dig, 9);
    put_digits((uint32_t)(q % 100000000), dig + 9, 8);
    int last = 16;   /* the last significant digit (dig[0] is not 0) */
    while (dig[last] == '0')
        last--;
    if (E >= 0) {
        memcpy(out + k, dig, (size_t)E + 1);
        k += (size_t)E + 1;
        out[k++] = '.';
        if (last > E) {
            memcpy(out + k, dig + E + 1, (size_t)(last - E));
            k += (size_t)(last - E);
        } else {
            out[k++] = '0';   /* jansson's ".0" */
        }
    } else {
        out[k++] = '0';
        out[k++] = '.';
        for (int i = 0; i < -E - 1; i++)
            out[k++] = '0';
        memcpy(out + k, dig, (size_t)last + 1);
        k += (size_t)last + 1;
    }
    out[k] = '\0';
    return k;
}

/* jansson's text of a finite real, at out[32]; returns the length. */
static size_t fmt_real(double v, char *out)
{
    size_t len = fmt_real_exact(v, out);
    return len ? len : fmt_real_printf(v, out);
}

/* ---- tree --------------------------------------------------------------- */

/* Hands v (owned, NULL = allocation failure) to the open container or makes
 * it the root. */
static void attach(jsonw *w, json_t *v)
{
    if (v == NULL) {
        w->failed = true;
        return;
    }
    if (w->depth == 0) {
        w->root = v;
        return;
    }
    json_t *parent = w->stack[w->depth - 1];
    int rc = w->is_object[w->depth - 1] ? json_object_set_new(parent, w->key, v)
                                        : json_array_append_new(parent, v);   /* take v */
    w->key = NULL;
    if (rc != 0)
        w->failed = true;
}

/* ---- both --------------------------------------------------------------- */

/* Where a value may go: after a key, as the next element of an array, or as
 * the document. Writes the ',' due before an element. false: failed or
 * misplaced (then the output is failed). */
static bool value_slot(jsonw *w)
{
    if (w->failed)
        return false;
    if (w->after_key) {
        w->after_key = false;
        return true;
    }
    if (w->depth == 0) {
        if (w->has_root) {
            w->failed = true;
            return false;
        }
        w->has_root = true;
        return true;
    }
    int d = w->depth - 1;
    if (w->is_object[d]) {   /* a member needs its key first */
        w->failed = true;
        return false;
    }
    if (w->has_member[d]) {
        if (!w->tree)
            put1(w, ',');
    } else {
        w->has_member[d] = true;
    }
    return true;
}

static void begin(jsonw *w, bool object)
{
    if (!value_slot(w))
        return;
    if (w->depth == JW_DEPTH_MAX) {
        w->failed = true;
        return;
    }
    if (w->tree) {
        json_t *c = object ? json_object() : json_array();
        attach(w, c);
        if (w->failed)
            return;
        w->stack[w->depth] = c;   /* borrowed: its parent (or root) holds it */
    } else {
        put1(w, object ? '{' : '[');
    }
    w->is_object[w->depth] = object;
    w->has_member[w->depth] = false;
    w->depth++;
}

static void end(jsonw *w, bool object)
{
    if (w->failed)
        return;
    if (w->depth == 0 || w->is_object[w->depth - 1] != object || w->after_key) {
        w->failed = true;
        return;
    }
    w->depth--;
    if (!w->tree)
        put1(w, object ? '}' : ']');
}

void jw_object_begin(jsonw *w) { begin(w, true); }
void jw_object_end(jsonw *w) { end(w, true); }
void jw_array_begin(jsonw *w) { begin(w, false); }
void jw_array_end(jsonw *w) { end(w, false); }

void jw_key(jsonw *w, const char *key)
{
    if (w->failed)
        return;
    int d = w->depth - 1;
    if (d < 0 || !w->is_object[d] || w->after_key || key == NULL) {
        w->failed = true;
        return;
    }
    w->after_key = true;
    if (w->tree) {
        w->key = key;
        return;
    }
    bool comma = w->has_member[d];
    w->has_member[d] = true;
    if (put_string(w, key, comma, true) != 0)
        w->failed = true;
}

void jw_null(jsonw *w)
{
    if (!value_slot(w))
        return;
    if (w->tree)
        attach(w, json_null());
    else
        put(w, "null", 4);
}

void jw_string(jsonw *w, const char *s)
{
    if (s == NULL) {
        jw_null(w);
        return;
    }
    if (!value_slot(w))
        return;
    if (w->tree)
        attach(w, json_string(s));   /* NULL for invalid UTF-8 */
    else if (put_string(w, s, false, false) != 0)
        w->failed = true;
}

void jw_int(jsonw *w, int64_t v)
{
    if (!value_slot(w))
        return;
    if (w->tree) {
        attach(w, json_integer((json_int_t)v));
    } else {
        char *p = room(w, 20);
        if (p)
            w->b.len += fmt_i64(v, p);
    }
}

void jw_real(jsonw *w, double v)
{
    if (!isfinite(v)) {
        jw_null(w);
        return;
    }
    if (!value_slot(w))
        return;
    if (w->tree) {
        attach(w, json_real(v));
        return;
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    size_t h = (size_t)((bits * 0x9E3779B97F4A7C15ULL) >> 59);   /* 0..31 */
    if (w->reals[h].len == 0 || w->reals[h].bits != bits) {
        char buf[32];
        size_t len = fmt_real(v, buf);
        if (len == 0 || len > sizeof w->reals[h].text) {
            w->failed = true;
            return;
        }
        memcpy(w->reals[h].text, buf, len);
        w->reals[h].len = (uint8_t)len;
        w->reals[h].bits = bits;
    }
    put(w, w->reals[h].text, w->reals[h].len);
}
