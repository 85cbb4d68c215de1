/*
 * rates.c - the eight rates of spec §5: names, default targets, status, gap,
 * and the exact decimals targets are written in.
 *
 * Why this file exists: §5 requires every comparison against a target and
 * every gap to be exact, so nothing here compares doubles. Targets are integer
 * millionths; "num/den >= t" is num * 1e6 >= t * den. Counts are int64, so a
 * product of two of them can need 127 bits: the products are taken in a small
 * portable 128-bit integer (two uint64 halves) rather than risk overflow or
 * depend on __int128. Pure, no I/O, no mutable state.
 */
#include "rates.h"

#include <math.h>
#include <string.h>

/* ---- names and defaults ------------------------------------------------ */

static const char *const rate_names[R__COUNT] = {
    "on_time_rate", "early_rate", "late_rate", "on_time_rate_incl_pending",
    "online_payment_rate", "online_uptake_rate", "online_share", "apology_rate",
};

const char *rate_name(rate_id r)
{
    if ((int)r < 0 || r >= R__COUNT)
        return NULL;
    return rate_names[r];
}

int rate_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < R__COUNT; i++)
        if (strcmp(name, rate_names[i]) == 0)
            return i;
    return -1;
}

/* §5 table: online_share has no target; everything else a fixed one. */
target_t rate_default_target(rate_id r)
{
    target_t t = { OP_NONE, 0 };
    switch (r) {
    case R_ON_TIME:              t.op = OP_GE; t.micro = 980000; break;
    case R_EARLY:                t.op = OP_GE; t.micro = 500000; break;
    case R_LATE:                 t.op = OP_LE; t.micro = 20000; break;
    case R_ON_TIME_INCL_PENDING: t.op = OP_GE; t.micro = 980000; break;
    case R_ONLINE_PAYMENT:       t.op = OP_GE; t.micro = 450000; break;
    case R_ONLINE_UPTAKE:        t.op = OP_GE; t.micro = 500000; break;
    case R_APOLOGY:              t.op = OP_GE; t.micro = DEC_ONE; break;
    case R_ONLINE_SHARE:
    case R__COUNT:               break;
    }
    return t;
}

const char *rate_op_str(rate_op op)
{
    switch (op) {
    case OP_GE:   return ">=";
    case OP_LE:   return "<=";
    case OP_NONE: break;
    }
    return NULL;
}

int rate_op_parse(const char *s, rate_op *out)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, ">=") == 0) {
        *out = OP_GE;
        return 0;
    }
    if (strcmp(s, "<=") == 0) {
        *out = OP_LE;
        return 0;
    }
    return -1;
}

const char *rate_status_str(rate_status s)
{
    switch (s) {
    case RS_NONE:   return "none";
    case RS_MET:    return "met";
    case RS_NEAR:   return "near";
    case RS_MISSED: return "missed";
    }
    return NULL;
}

/* ---- a minimal exact 128-bit integer ------------------------------------ */

/* Two's complement, value = hi * 2^64 + lo with hi read as signed. */
typedef struct {
    uint64_t hi, lo;
} i128;

static i128 i128_neg(i128 x)
{
    i128 r = { ~x.hi, ~x.lo + 1 };
    if (r.lo == 0)
        r.hi++;
    return r;
}

static bool i128_is_neg(i128 x)
{
    return (x.hi >> 63) != 0;
}

/* |v| as uint64, exact also for INT64_MIN. */
static uint64_t mag64(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* Full 64x64 -> 128 unsigned product, in 32-bit limbs. */
static i128 umul(uint64_t a, uint64_t b)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
    uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    i128 r;
    r.lo = (mid << 32) | (p00 & 0xffffffffu);
    r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    return r;
}

/* Exact signed product a * b. */
static i128 i128_mul(int64_t a, int64_t b)
{
    i128 r = umul(mag64(a), mag64(b));
    return ((a < 0) != (b < 0)) ? i128_neg(r) : r;
}

static i128 i128_sub(i128 x, i128 y)
{
    i128 r = { x.hi - y.hi, x.lo - y.lo };
    if (x.lo < y.lo)
        r.hi--;
    return r;
}

/* Signed comparison: <0, 0, >0. */
static int i128_cmp(i128 x, i128 y)
{
    uint64_t sx = x.hi ^ (UINT64_C(1) << 63), sy = y.hi ^ (UINT64_C(1) << 63);
    if (sx != sy)
        return sx < sy ? -1 : 1;
    if (x.lo != y.lo)
        return x.lo < y.lo ? -1 : 1;
    return 0;
}

/* ceil(x / d) for x > 0 (as unsigned) and d > 0, by binary long division.
 * Returns false when the result does not fit in int64. */
static bool ceil_div(i128 x, uint64_t d, int64_t *out)
{
    if (x.hi == 0) {   /* the usual case: one machine division */
        uint64_t q = x.lo / d + (x.lo % d != 0);
        if (q > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)q;
        return true;
    }
    uint64_t qhi = 0, qlo = 0, rem = 0;
    for (int i = 127; i >= 0; i--) {
        uint64_t bit = i >= 64 ? (x.hi >> (i - 64)) & 1 : (x.lo >> i) & 1;
        uint64_t carry = rem >> 63;
        rem = (rem << 1) | bit;
        bool take = carry || rem >= d;
        if (take)
            rem -= d;
        if (i >= 64)
            qhi |= (uint64_t)take << (i - 64);
        else
            qlo |= (uint64_t)take << i;
    }
    if (rem != 0 && ++qlo == 0)
        qhi++;
    if (qhi != 0 || qlo > (uint64_t)INT64_MAX)
        return false;
    *out = (int64_t)qlo;
    return true;
}

/* ---- evaluation --------------------------------------------------------- */

static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

/* Does num/den satisfy "op thr" exactly (den > 0)? */
static bool holds(rate_op op, int64_t num, int64_t den, int64_t thr)
{
    int c = i128_cmp(i128_mul(num, DEC_ONE), i128_mul(thr, den));
    return op == OP_GE ? c >= 0 : c <= 0;
}

/* Least whole x >= 0 with (num+x)/(den+x) >= t: ceil((t*den - 1e6*num) /
 * (1e6 - t)). Unreachable (false) when t >= 1 and not met. */
static bool gap_ge(int64_t num, int64_t den, int64_t t, int64_t *gap)
{
    i128 short_by = i128_sub(i128_mul(t, den), i128_mul(num, DEC_ONE));
    if (i128_is_neg(short_by) || (short_by.hi | short_by.lo) == 0) {
        *gap = 0;
        return true;
    }
    if (t >= DEC_ONE)
        return false;
    return ceil_div(short_by, (uint64_t)DEC_ONE - (uint64_t)t, gap);
}

/* Least whole x >= 0 with (num-x)/den <= t: ceil((1e6*num - t*den) / 1e6). */
static bool gap_le(int64_t num, int64_t den, int64_t t, int64_t *gap)
{
    i128 over_by = i128_sub(i128_mul(num, DEC_ONE), i128_mul(t, den));
    if (i128_is_neg(over_by) || (over_by.hi | over_by.lo) == 0) {
        *gap = 0;
        return true;
    }
    return ceil_div(over_by, (uint64_t)DEC_ONE, gap);
}

void rate_eval(int64_t num, int64_t den, target_t t, int64_t tol_micro, rate_eval_t *out)
{
    out->num = num;
    out->den = den;
    out->target = t;
    out->has_value = den > 0;
    out->value = out->has_value ? (double)num / (double)den : 0.0;
    out->status = RS_NONE;
    out->has_gap = false;
    out->gap = 0;
    if (!out->has_value || (t.op != OP_GE && t.op != OP_LE))
        return;

    int64_t loose = t.op == OP_GE ? sat_add(t.micro, tol_micro < 0 ? 0 : -tol_micro)
                                  : sat_add(t.micro, tol_micro < 0 ? 0 : tol_micro);
    if (holds(t.op, num, den, t.micro))
        out->status = RS_MET;
    else if (holds(t.op, num, den, loose))
        out->status = RS_NEAR;
    else
        out->status = RS_MISSED;

    out->has_gap = t.op == OP_GE ? gap_ge(num, den, t.micro, &out->gap)
                                 : gap_le(num, den, t.micro, &out->gap);
    if (!out->has_gap)
        out->gap = 0;
}

/* ---- exact decimals ----------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Appends the decimal digits s[*i..) to *acc; false on overflow. Returns the
 * number of digits consumed through *ndig. */
static bool take_digits(const char *s, size_t n, size_t *i, int64_t *acc, size_t *ndig)
{
    size_t start = *i;
    for (; *i < n && is_digit(s[*i]); (*i)++) {
        int dg = s[*i] - '0';
        if (*acc > (INT64_MAX - dg) / 10)
            return false;
        *acc = *acc * 10 + dg;
    }
    *ndig = *i - start;
    return true;
}

/* DIGITS [ "." DIGITS{1,6} ]: no sign, no exponent, no bare "." on either side. */
int dec_parse(const char *s, size_t n, int64_t *micro)
{
    if (s == NULL || n == 0)
        return -1;
    size_t i = 0, nint = 0, nfrac = 0;
    int64_t whole = 0, frac = 0;
    if (!take_digits(s, n, &i, &whole, &nint) || nint == 0)
        return -1;
    if (i < n) {
        if (s[i] != '.')
            return -1;
        i++;
        if (!take_digits(s, n, &i, &frac, &nfrac) || nfrac == 0 || nfrac > 6 || i != n)
            return -1;
    }
    for (size_t k = nfrac; k < 6; k++)
        frac *= 10;
    if (whole > (INT64_MAX - frac) / DEC_ONE)
        return -1;
    *micro = whole * DEC_ONE + frac;
    return 0;
}

/* A double is accepted when it is exactly the double nearest to some decimal
 * with at most six places: micro/1e6 is correctly rounded, as strtod is, so
 * the round trip compares equal exactly when the JSON text had <= 6 places
 * (up to what the double can tell apart). */
int dec_from_double(double v, int64_t *micro)
{
    if (!(v >= 0.0) || v > 1e9)
        return -1;
    long long m = llround(v * 1e6);
    if ((double)m / 1e6 != v)
        return -1;
    *micro = (int64_t)m;
    return 0;
}

size_t dec_format(int64_t micro, char *buf, size_t cap)
{
    char tmp[32];
    size_t len = 0;
    uint64_t mag = mag64(micro);
    uint64_t whole = mag / (uint64_t)DEC_ONE, frac = mag % (uint64_t)DEC_ONE;
    char digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole != 0);
    if (micro < 0)
        tmp[len++] = '-';
    while (nd > 0)
        tmp[len++] = digits[--nd];
    if (frac != 0) {
        tmp[len++] = '.';
        for (uint64_t p = (uint64_t)DEC_ONE / 10; p > 0 && frac != 0; p /= 10) {
            tmp[len++] = (char)('0' + frac / p);
            frac %= p;
        }
    }
    if (cap == 0)
        return 0;
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, tmp, len);
    buf[len] = '\0';
    return len;
}
