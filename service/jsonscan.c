/*
 * jsonscan.c - one-pass RFC 8259 validator and top-level iterators.
 *
 * Why: jansson builds a whole tree (about 13x the body size in heap), so a
 * 64 MiB body is first checked here without allocating anything, and then cut
 * into its top-level elements, each of which jansson parses on its own.
 *
 * The validator keeps the open containers on an explicit bit stack (one bit
 * per level: object or array) instead of recursing, so hostile input such as
 * ten million '[' costs 64 bytes of stack and stops at JS_MAX_DEPTH. Strings
 * are scanned eight bytes at a time while they hold plain ASCII; escapes and
 * multi-byte UTF-8 sequences are checked byte by byte.
 */
#include "jsonscan.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *buf;
    size_t len;
    size_t pos;
    js_error *err;
} scanner;

/* ---------------------------------------------------------------- errors */

/* Records an error at off; always returns -1 so callers can `return fail()`. */
static int fail(scanner *s, size_t off, const char *msg)
{
    if (s->err) {
        s->err->offset = off;
        snprintf(s->err->message, sizeof s->err->message, "%s", msg);
    }
    return -1;
}

/* Writes a printable description of the byte at off (or end of input) into
 * out: 'x' for visible ASCII, byte 0xC3 otherwise. */
static void describe(const scanner *s, size_t off, char *out, size_t cap)
{
    if (off >= s->len) {
        snprintf(out, cap, "end of input");
        return;
    }
    unsigned char c = (unsigned char)s->buf[off];
    if (c > 0x20 && c < 0x7f)
        snprintf(out, cap, "character '%c'", c);
    else
        snprintf(out, cap, "byte 0x%02X", (unsigned)c);
}

/* "unexpected character 'x'" (or "unexpected end of input"), optionally
 * followed by what was expected instead. */
static int fail_unexpected(scanner *s, size_t off, const char *expected)
{
    char what[24], msg[96];
    describe(s, off, what, sizeof what);
    if (expected)
        snprintf(msg, sizeof msg, "unexpected %s, expected %s", what, expected);
    else
        snprintf(msg, sizeof msg, "unexpected %s", what);
    return fail(s, off, msg);
}

/* ------------------------------------------------------------ whitespace */

static inline int is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

size_t js_skip_ws(const char *buf, size_t len, size_t off)
{
    if (!buf)
        return len;
    while (off < len && is_ws((unsigned char)buf[off]))
        off++;
    return off < len ? off : len;
}

/* --------------------------------------------------------------- strings */

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Nonzero when any of the 8 bytes in w needs a closer look inside a string:
 * a control character, '"', '\\' or a byte >= 0x80. Exact as an "any" test. */
static inline uint64_t word_has_special(uint64_t w)
{
    uint64_t quote = w ^ (ONES * '"');
    uint64_t bslash = w ^ (ONES * '\\');
    uint64_t lt20 = (w - ONES * 0x20) & ~w;
    uint64_t zq = (quote - ONES) & ~quote;
    uint64_t zb = (bslash - ONES) & ~bslash;
    return (lt20 | zq | zb | w) & HIGHS;
}

/* Value of one hex digit, or -1. */
static inline int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Reads the four hex digits after "\u" at buf[at]; -1 if malformed/short. */
static long read_hex4(const scanner *s, size_t at)
{
    if (at > s->len || s->len - at < 4)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)s->buf[at + i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Validates the escape whose backslash is at s->pos and steps past it. A high
 * surrogate must be followed at once by an escaped low surrogate. */
static int scan_escape(scanner *s)
{
    size_t bs = s->pos;
    if (bs + 1 >= s->len)
        return fail(s, bs, "unterminated escape sequence in string");
    unsigned char e = (unsigned char)s->buf[bs + 1];
    if (e != 'u') {
        if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' ||
            e == 'n' || e == 'r' || e == 't') {
            s->pos = bs + 2;
            return 0;
        }
        return fail(s, bs, "invalid escape sequence in string");
    }
    long cp = read_hex4(s, bs + 2);
    if (cp < 0)
        return fail(s, bs, "invalid \\u escape (expected four hex digits)");
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail(s, bs, "unpaired low surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        size_t lo = bs + 6;
        long cp2 = -1;
        if (lo + 1 < s->len && s->buf[lo] == '\\' && s->buf[lo + 1] == 'u')
            cp2 = read_hex4(s, lo + 2);
        if (cp2 < 0xDC00 || cp2 > 0xDFFF)
            return fail(s, bs, "unpaired high surrogate in \\u escape");
        s->pos = bs + 12;
        return 0;
    }
    s->pos = bs + 6;
    return 0;
}

/* Length of the well-formed UTF-8 sequence starting at p (lead byte >= 0x80),
 * or 0 if it is ill-formed: overlong, a surrogate, above U+10FFFF, a stray
 * continuation byte or truncated (Unicode table 3-7). */
static size_t utf8_seq_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Scans the string whose opening quote is at s->pos; leaves s->pos just past
 * the closing quote. */
static int scan_string(scanner *s)
{
    const char *buf = s->buf;
    const size_t len = s->len, open = s->pos;
    size_t pos = open + 1;
    for (;;) {
        while (len - pos >= 8) {
            uint64_t w;
            memcpy(&w, buf + pos, 8);
            if (word_has_special(w))
                break;
            pos += 8;
        }
        unsigned char c = 0;
        while (pos < len) {
            c = (unsigned char)buf[pos];
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
                break;
            pos++;
        }
        if (pos >= len)
            return fail(s, open, "unterminated string");
        if (c == '"') {
            s->pos = pos + 1;
            return 0;
        }
        if (c == '\\') {
            s->pos = pos;
            if (scan_escape(s) < 0)
                return -1;
            pos = s->pos;
        } else if (c < 0x20) {
            return fail(s, pos, "unescaped control character in string");
        } else {
            size_t n = utf8_seq_len((const unsigned char *)buf + pos, len - pos);
            if (n == 0)
                return fail(s, pos, "invalid UTF-8 in string");
            pos += n;
        }
    }
}

/* ------------------------------------------------------- numbers, literals */

static inline int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Steps over a run of digits starting at pos; returns the first non-digit. */
static inline size_t skip_digits(const char *buf, size_t len, size_t pos)
{
    while (pos < len && is_digit((unsigned char)buf[pos]))
        pos++;
    return pos;
}

/* Requires at least one digit at s->pos, then skips all of them. */
static int need_digits(scanner *s, const char *after)
{
    if (s->pos >= s->len || !is_digit((unsigned char)s->buf[s->pos]))
        return fail_unexpected(s, s->pos, after);
    s->pos = skip_digits(s->buf, s->len, s->pos);
    return 0;
}

/* number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT ) */
static int scan_number(scanner *s)
{
    const char *buf = s->buf;
    if (buf[s->pos] == '-')
        s->pos++;
    if (s->pos < s->len && buf[s->pos] == '0') {
        s->pos++;
        if (s->pos < s->len && is_digit((unsigned char)buf[s->pos]))
            return fail(s, s->pos, "leading zero in number");
    } else if (need_digits(s, "a digit after '-'") < 0) {
        return -1;
    }
    if (s->pos < s->len && buf[s->pos] == '.') {
        s->pos++;
        if (need_digits(s, "a digit after the decimal point") < 0)
            return -1;
    }
    if (s->pos < s->len && (buf[s->pos] == 'e' || buf[s->pos] == 'E')) {
        s->pos++;
        if (s->pos < s->len && (buf[s->pos] == '+' || buf[s->pos] == '-'))
            s->pos++;
        if (need_digits(s, "a digit in the exponent") < 0)
            return -1;
    }
    return 0;
}

/* Matches the literal word (true/false/null) at s->pos. */
static int scan_literal(scanner *s, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i < n; i++) {
        size_t at = s->pos + i;
        if (at >= s->len || s->buf[at] != word[i]) {
            char what[24], msg[96];
            describe(s, at, what, sizeof what);
            snprintf(msg, sizeof msg, "invalid literal (expected '%s'), unexpected %s",
                     word, what);
            return fail(s, at, msg);
        }
    }
    s->pos += n;
    return 0;
}

/* Any value that is not a container, starting at s->pos (< len). */
static int scan_scalar(scanner *s)
{
    unsigned char c = (unsigned char)s->buf[s->pos];
    switch (c) {
    case '"':
        return scan_string(s);
    case 't':
        return scan_literal(s, "true");
    case 'f':
        return scan_literal(s, "false");
    case 'n':
        return scan_literal(s, "null");
    default:
        if (c == '-' || is_digit(c))
            return scan_number(s);
        return fail_unexpected(s, s->pos, NULL);
    }
}

/* ------------------------------------------------------------ containers */

typedef struct {
    uint8_t bits[(JS_MAX_DEPTH + 7) / 8];   /* 1 = object, 0 = array */
    size_t depth;
} nest;

static inline int top_is_object(const nest *n)
{
    size_t i = n->depth - 1;
    return (n->bits[i >> 3] >> (i & 7)) & 1;
}

/* Steps over "key" ws ':' ws of an object member starting at s->pos (after
 * any whitespace); leaves s->pos at the value. */
static int scan_key_colon(scanner *s)
{
    if (s->pos >= s->len || s->buf[s->pos] != '"')
        return fail_unexpected(s, s->pos, "a string key");
    if (scan_string(s) < 0)
        return -1;
    s->pos = js_skip_ws(s->buf, s->len, s->pos);
    if (s->pos >= s->len || s->buf[s->pos] != ':')
        return fail_unexpected(s, s->pos, "':' after the key");
    s->pos = js_skip_ws(s->buf, s->len, s->pos + 1);
    return 0;
}

/* Opens the container at s->pos. Returns 1 if it was empty and closed at
 * once (a complete value), 0 if a value or member must follow, -1 on error. */
static int open_container(scanner *s, nest *n)
{
    int is_obj = s->buf[s->pos] == '{';
    if (n->depth == JS_MAX_DEPTH) {
        char msg[40];
        snprintf(msg, sizeof msg, "nesting deeper than %d", JS_MAX_DEPTH);
        return fail(s, s->pos, msg);
    }
    size_t i = n->depth++;
    if (is_obj)
        n->bits[i >> 3] |= (uint8_t)(1u << (i & 7));
    else
        n->bits[i >> 3] &= (uint8_t)~(1u << (i & 7));
    s->pos = js_skip_ws(s->buf, s->len, s->pos + 1);
    if (s->pos < s->len && s->buf[s->pos] == (is_obj ? '}' : ']')) {
        s->pos++;
        n->depth--;
        return 1;
    }
    return is_obj ? scan_key_colon(s) : 0;
}

/* Called after a complete value: consumes ',' or closing brackets. Returns
 * 1 when the top-level value is complete and only whitespace follows, 0 when
 * another value is due at s->pos, -1 on error. */
static int after_value(scanner *s, nest *n)
{
    for (;;) {
        s->pos = js_skip_ws(s->buf, s->len, s->pos);
        if (n->depth == 0) {
            if (s->pos < s->len)
                return fail(s, s->pos, "trailing data after the JSON value");
            return 1;
        }
        int is_obj = top_is_object(n);
        char close = is_obj ? '}' : ']';
        if (s->pos < s->len && s->buf[s->pos] == ',') {
            s->pos = js_skip_ws(s->buf, s->len, s->pos + 1);
            return is_obj ? scan_key_colon(s) : 0;
        }
        if (s->pos < s->len && s->buf[s->pos] == close) {
            s->pos++;
            n->depth--;
            continue;
        }
        return fail_unexpected(s, s->pos, is_obj ? "',' or '}'" : "',' or ']'");
    }
}

int js_validate(const char *buf, size_t len, js_error *err)
{
    scanner s = { buf, len, 0, err };
    nest n;
    n.depth = 0;
    if (!buf)
        len = s.len = 0;
    s.pos = js_skip_ws(buf, len, 0);
    if (s.pos >= len)
        return fail(&s, len, "empty body");
    for (;;) {
        /* s.pos is at the first byte of a value (whitespace skipped). */
        int r;
        if (s.pos >= len)
            return fail_unexpected(&s, s.pos, "a value");
        char c = buf[s.pos];
        if (c == '[' || c == '{') {
            r = open_container(&s, &n);
            if (r <= 0) {
                if (r < 0)
                    return -1;
                continue;
            }
        } else if (scan_scalar(&s) < 0) {
            return -1;
        }
        r = after_value(&s, &n);
        if (r != 0)
            return r > 0 ? 0 : -1;
    }
}

/* ------------------------------------------------------------- iterators */

/* End (exclusive) of the string whose quote is at pos, or 0 if unterminated.
 * Only skips escapes; validation is js_validate's job. */
static size_t string_end(const char *buf, size_t len, size_t pos)
{
    pos++;
    while (pos < len) {
        const char *q = memchr(buf + pos, '"', len - pos);
        if (!q)
            return 0;
        size_t at = (size_t)(q - buf);
        /* the quote is escaped when an odd number of backslashes precede it */
        size_t nb = 0;
        while (at - nb > pos && buf[at - nb - 1] == '\\')
            nb++;
        if ((nb & 1) == 0)
            return at + 1;
        pos = at + 1;
    }
    return 0;
}

/* End (exclusive) of the container opening at pos, counting brackets and
 * skipping strings; 0 if it never closes. No recursion, no depth limit. */
static size_t container_end(const char *buf, size_t len, size_t pos)
{
    size_t depth = 0;
    while (pos < len) {
        char c = buf[pos];
        if (c == '"') {
            pos = string_end(buf, len, pos);
            if (pos == 0)
                return 0;
            continue;
        }
        if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            if (depth == 0)
                return 0;
            if (--depth == 0)
                return pos + 1;
        }
        pos++;
    }
    return 0;
}

/* End (exclusive) of a number or literal at pos; 0 if there is none. */
static size_t bare_end(const char *buf, size_t len, size_t pos)
{
    size_t start = pos;
    while (pos < len) {
        unsigned char c = (unsigned char)buf[pos];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.'))
            break;
        pos++;
    }
    return pos > start ? pos : 0;
}

/* End (exclusive) of the value starting at pos; 0 on malformed input. */
static size_t value_end(const char *buf, size_t len, size_t pos)
{
    if (pos >= len)
        return 0;
    char c = buf[pos];
    if (c == '"')
        return string_end(buf, len, pos);
    if (c == '[' || c == '{')
        return container_end(buf, len, pos);
    return bare_end(buf, len, pos);
}

/* Shared start of both iterators: buf[off] must be `open`. */
static int iter_begin(js_iter *it, const char *buf, size_t len, size_t off,
                      char open, char close)
{
    it->buf = buf;
    it->len = len;
    it->pos = len;
    it->done = -1;
    if (!buf || off >= len || buf[off] != open)
        return -1;
    it->pos = js_skip_ws(buf, len, off + 1);
    it->done = 0;
    if (it->pos < len && buf[it->pos] == close) {
        it->pos++;
        it->done = 1;
    }
    return 0;
}

/* After an element or member ending at it->pos: consumes ',' (another one is
 * due) or the closing bracket (done = 1); anything else makes the iterator
 * report -1 on its next call (done = -1). */
static void iter_separator(js_iter *it, char close)
{
    size_t p = js_skip_ws(it->buf, it->len, it->pos);
    if (p < it->len && it->buf[p] == ',') {
        it->pos = p + 1;
    } else if (p < it->len && it->buf[p] == close) {
        it->pos = p + 1;
        it->done = 1;
    } else {
        it->pos = p;
        it->done = -1;
    }
}

/* Span of the value at it->pos (after whitespace); 0 ok, -1 (sticky) if none. */
static int iter_value(js_iter *it, js_span *sp)
{
    size_t p = js_skip_ws(it->buf, it->len, it->pos);
    size_t end = value_end(it->buf, it->len, p);
    if (end == 0) {
        it->done = -1;
        return -1;
    }
    sp->off = p;
    sp->len = end - p;
    it->pos = end;
    return 0;
}

int js_array_begin(js_iter *it, const char *buf, size_t len, size_t off)
{
    return iter_begin(it, buf, len, off, '[', ']');
}

int js_array_next(js_iter *it, js_span *elem)
{
    if (it->done)
        return it->done > 0 ? 0 : -1;
    if (iter_value(it, elem) < 0)
        return -1;
    iter_separator(it, ']');
    return 1;
}

int js_object_begin(js_iter *it, const char *buf, size_t len, size_t off)
{
    return iter_begin(it, buf, len, off, '{', '}');
}

int js_object_next(js_iter *it, js_span *key, js_span *value)
{
    if (it->done)
        return it->done > 0 ? 0 : -1;
    size_t p = js_skip_ws(it->buf, it->len, it->pos);
    size_t kend = (p < it->len && it->buf[p] == '"') ? string_end(it->buf, it->len, p) : 0;
    if (kend == 0) {
        it->done = -1;
        return -1;
    }
    key->off = p;
    key->len = kend - p;
    p = js_skip_ws(it->buf, it->len, kend);
    if (p >= it->len || it->buf[p] != ':') {
        it->done = -1;
        return -1;
    }
    it->pos = p + 1;
    if (iter_value(it, value) < 0)
        return -1;
    iter_separator(it, '}');
    return 1;
}

/* ------------------------------------------------------------------ keys */

/* Decodes one character of a key body at *p (< end) into *out: a plain byte,
 * a simple escape, or a \uXXXX escape (code points above 0x7F are reported as
 * such, so they never equal an ASCII name). Returns -1 if malformed. */
static int key_char(const char *buf, size_t *p, size_t end, long *out)
{
    unsigned char c = (unsigned char)buf[*p];
    if (c != '\\') {
        *out = c;
        (*p)++;
        return 0;
    }
    if (end - *p < 2)
        return -1;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    char e = buf[*p + 1];
    const char *hit = e ? strchr(from, e) : NULL;
    if (hit) {
        *out = (unsigned char)to[hit - from];
        *p += 2;
        return 0;
    }
    if (e != 'u' || end - *p < 6)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)buf[*p + 2 + i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    *out = v;
    *p += 6;
    return 0;
}

int js_key_is(const char *buf, js_span key, const char *name)
{
    if (!buf || !name || key.len < 2 || buf[key.off] != '"' ||
        buf[key.off + key.len - 1] != '"')
        return 0;
    size_t p = key.off + 1, end = key.off + key.len - 1;
    size_t nlen = strlen(name);
    if (!memchr(buf + p, '\\', end - p))
        return end - p == nlen && memcmp(buf + p, name, nlen) == 0;
    /* slow path: the key spells some characters as escapes */
    size_t i = 0;
    while (p < end) {
        long ch;
        if (i >= nlen || key_char(buf, &p, end, &ch) < 0 ||
            ch != (unsigned char)name[i])
            return 0;
        i++;
    }
    return i == nlen;
}
