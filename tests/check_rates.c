/*
 * check_rates.c - tests of the rates, targets, statuses and gaps (spec §5)
 * and of the exact decimals targets are written in.
 *
 * Why: a department acts on "met" / "near" and on the gap ("37 more online
 * payments"), so those must be exact. Besides the worked examples, the gaps
 * are checked against brute force over many random (num, den, target), the
 * tolerance boundary is hit exactly, and counts far beyond int64 products
 * are evaluated without overflow.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rates.h"

#define TOL 50000 /* the default tolerance, 0.05 */

static target_t ge(int64_t micro)
{
    target_t t = { OP_GE, micro };
    return t;
}

static target_t le(int64_t micro)
{
    target_t t = { OP_LE, micro };
    return t;
}

static rate_eval_t eval(int64_t num, int64_t den, target_t t, int64_t tol)
{
    rate_eval_t e;
    memset(&e, 0x5a, sizeof e);
    rate_eval(num, den, t, tol, &e);
    return e;
}

#define EXPECT_EVAL(e, st, hasgap, g) do {                                 \
        ck_assert_msg((e).status == (st), "status %s, expected %s",        \
                      rate_status_str((e).status), rate_status_str(st));  \
        ck_assert_int_eq((e).has_gap, (hasgap));                           \
        if (hasgap)                                                         \
            ck_assert_int_eq((e).gap, (g));                                \
    } while (0)

/* A small deterministic generator (xorshift64*), state owned by the caller. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

START_TEST(test_names)
{
    static const char *const want[R__COUNT] = {
        "on_time_rate", "early_rate", "late_rate", "on_time_rate_incl_pending",
        "online_payment_rate", "online_uptake_rate", "online_share", "apology_rate",
    };
    for (int i = 0; i < R__COUNT; i++) {
        ck_assert_str_eq(rate_name((rate_id)i), want[i]);
        ck_assert_int_eq(rate_from_name(want[i]), i);
    }
    ck_assert_ptr_null(rate_name(R__COUNT));
    ck_assert_ptr_null(rate_name((rate_id)-1));
    ck_assert_int_eq(rate_from_name("on_time"), -1);
    ck_assert_int_eq(rate_from_name("ON_TIME_RATE"), -1);
    ck_assert_int_eq(rate_from_name(""), -1);
    ck_assert_int_eq(rate_from_name(NULL), -1);
}
END_TEST

START_TEST(test_default_targets)
{
    static const struct { rate_op op; int64_t micro; } want[R__COUNT] = {
        { OP_GE, 980000 }, { OP_GE, 500000 }, { OP_LE, 20000 }, { OP_GE, 980000 },
        { OP_GE, 450000 }, { OP_GE, 500000 }, { OP_NONE, 0 },   { OP_GE, 1000000 },
    };
    for (int i = 0; i < R__COUNT; i++) {
        target_t t = rate_default_target((rate_id)i);
        ck_assert_msg(t.op == want[i].op, "rate %d op", i);
        if (t.op != OP_NONE)
            ck_assert_int_eq(t.micro, want[i].micro);
    }
    ck_assert_int_eq(rate_default_target(R__COUNT).op, OP_NONE);
}
END_TEST

START_TEST(test_ops_and_statuses)
{
    rate_op op = OP_NONE;
    ck_assert_int_eq(rate_op_parse(">=", &op), 0);
    ck_assert_int_eq(op, OP_GE);
    ck_assert_int_eq(rate_op_parse("<=", &op), 0);
    ck_assert_int_eq(op, OP_LE);
    static const char *const bad[] = { "", ">", "<", "=>", "=<", "==", " >=", ">= ", "ge", "≥" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(rate_op_parse(bad[i], &op), -1);
    ck_assert_int_eq(rate_op_parse(NULL, &op), -1);
    ck_assert_str_eq(rate_op_str(OP_GE), ">=");
    ck_assert_str_eq(rate_op_str(OP_LE), "<=");
    ck_assert_ptr_null(rate_op_str(OP_NONE));
    ck_assert_str_eq(rate_status_str(RS_NONE), "none");
    ck_assert_str_eq(rate_status_str(RS_MET), "met");
    ck_assert_str_eq(rate_status_str(RS_NEAR), "near");
    ck_assert_str_eq(rate_status_str(RS_MISSED), "missed");
}
END_TEST

START_TEST(test_spec_example_met)
{
    rate_eval_t e = eval(1604, 1614, ge(980000), TOL);
    ck_assert(e.has_value);
    ck_assert(e.value == 1604.0 / 1614.0);
    ck_assert_int_eq(e.num, 1604);
    ck_assert_int_eq(e.den, 1614);
    ck_assert_int_eq(e.target.op, OP_GE);
    ck_assert_int_eq(e.target.micro, 980000);
    EXPECT_EVAL(e, RS_MET, true, 0);
}
END_TEST

START_TEST(test_ge_exactly_on_target_is_met)
{
    rate_eval_t e = eval(98, 100, ge(980000), TOL);
    EXPECT_EVAL(e, RS_MET, true, 0);
    e = eval(97, 100, ge(980000), TOL); /* 97+x / 100+x >= .98: x = 50 */
    EXPECT_EVAL(e, RS_NEAR, true, 50);
    /* a value whose double rounds up to the target must not pass: 1/3 vs 0.333333 */
    e = eval(333333, 1000000, ge(333334), 0);
    EXPECT_EVAL(e, RS_MISSED, true, 2);
}
END_TEST

START_TEST(test_ge_miss_online_payment)
{
    /* 400 of 1000 paid online vs 45%: x = ceil((0.45*1000 - 400) / 0.55) = 91. */
    rate_eval_t e = eval(400, 1000, ge(450000), TOL);
    ck_assert(e.value == 0.4);
    EXPECT_EVAL(e, RS_NEAR, true, 91); /* 0.40 is exactly t - 0.05: near */
    ck_assert((400 + 91) * 1000000LL >= 450000LL * (1000 + 91));
    ck_assert((400 + 90) * 1000000LL < 450000LL * (1000 + 90));
    e = eval(399, 1000, ge(450000), TOL);
    EXPECT_EVAL(e, RS_MISSED, true, 93);
}
END_TEST

START_TEST(test_near_boundary_inclusive)
{
    /* >= 0.98: 0.93 near, 0.929 missed, 0.9300001 near */
    EXPECT_EVAL(eval(93, 100, ge(980000), TOL), RS_NEAR, true, 250);
    EXPECT_EVAL(eval(929, 1000, ge(980000), TOL), RS_MISSED, true, 2550);
    EXPECT_EVAL(eval(9300001, 10000000, ge(980000), TOL), RS_NEAR, true, 24999950);
    EXPECT_EVAL(eval(92999999, 100000000, ge(980000), TOL), RS_MISSED, true, 250000050);
    /* <= 0.02: 0.07 near, 0.071 missed, 0.02 met, 0.03 near */
    EXPECT_EVAL(eval(7, 100, le(20000), TOL), RS_NEAR, true, 5);
    EXPECT_EVAL(eval(71, 1000, le(20000), TOL), RS_MISSED, true, 51);
    EXPECT_EVAL(eval(2, 100, le(20000), TOL), RS_MET, true, 0);
    EXPECT_EVAL(eval(3, 100, le(20000), TOL), RS_NEAR, true, 1);
    /* tolerance 0: no near at all */
    EXPECT_EVAL(eval(97, 100, ge(980000), 0), RS_MISSED, true, 50);
    EXPECT_EVAL(eval(3, 100, le(20000), 0), RS_MISSED, true, 1);
    /* other tolerance: 0.01 */
    EXPECT_EVAL(eval(97, 100, ge(980000), 10000), RS_NEAR, true, 50);
    EXPECT_EVAL(eval(96, 100, ge(980000), 10000), RS_MISSED, true, 100);
    EXPECT_EVAL(eval(95, 100, ge(980000), 10000), RS_MISSED, true, 150);
    /* tolerance wider than the target: every miss is near */
    EXPECT_EVAL(eval(0, 100, ge(30000), TOL), RS_NEAR, true, 4);
    EXPECT_EVAL(eval(100, 100, le(980000), TOL), RS_NEAR, true, 2);
}
END_TEST

START_TEST(test_le_gap)
{
    /* late 10 of 100 vs <= 2%: 8 over */
    rate_eval_t e = eval(10, 100, le(20000), TOL);
    ck_assert(e.value == 0.1);
    EXPECT_EVAL(e, RS_MISSED, true, 8);
    /* 40 of 1614: 2% of 1614 is 32.28, so 8 over; 32 of 1614 is met */
    EXPECT_EVAL(eval(40, 1614, le(20000), TOL), RS_NEAR, true, 8);
    EXPECT_EVAL(eval(32, 1614, le(20000), TOL), RS_MET, true, 0);
    EXPECT_EVAL(eval(33, 1614, le(20000), TOL), RS_NEAR, true, 1);
    /* <= 0: every bad dossier is over */
    EXPECT_EVAL(eval(3, 10, le(0), TOL), RS_MISSED, true, 3);
    EXPECT_EVAL(eval(0, 10, le(0), TOL), RS_MET, true, 0);
}
END_TEST

START_TEST(test_den_zero)
{
    target_t ts[] = { ge(980000), le(20000), ge(DEC_ONE), { OP_NONE, 0 } };
    for (size_t i = 0; i < 4; i++) {
        rate_eval_t e = eval(0, 0, ts[i], TOL);
        ck_assert(!e.has_value);
        EXPECT_EVAL(e, RS_NONE, false, 0);
        ck_assert_int_eq(e.num, 0);
        ck_assert_int_eq(e.den, 0);
    }
    /* a negative denominator is no value either */
    rate_eval_t e = eval(1, -5, ge(500000), TOL);
    ck_assert(!e.has_value);
    EXPECT_EVAL(e, RS_NONE, false, 0);
}
END_TEST

START_TEST(test_no_target)
{
    target_t none = { OP_NONE, 0 };
    rate_eval_t e = eval(3, 4, none, TOL);
    ck_assert(e.has_value);
    ck_assert(e.value == 0.75);
    ck_assert_int_eq(e.target.op, OP_NONE);
    EXPECT_EVAL(e, RS_NONE, false, 0);
}
END_TEST

START_TEST(test_target_one)
{
    /* apology_rate >= 1.00: not met -> gap null (no x reaches it) */
    rate_eval_t e = eval(19, 20, ge(DEC_ONE), TOL); /* 0.95: near, inclusive */
    EXPECT_EVAL(e, RS_NEAR, false, 0);
    e = eval(9, 10, ge(DEC_ONE), TOL);
    EXPECT_EVAL(e, RS_MISSED, false, 0);
    e = eval(94, 100, ge(DEC_ONE), TOL);
    EXPECT_EVAL(e, RS_MISSED, false, 0);
    e = eval(0, 3, ge(DEC_ONE), TOL);
    EXPECT_EVAL(e, RS_MISSED, false, 0);
    e = eval(10, 10, ge(DEC_ONE), TOL);
    EXPECT_EVAL(e, RS_MET, true, 0);
    /* just under 1: reachable, large gap */
    e = eval(0, 1, ge(999999), TOL);
    EXPECT_EVAL(e, RS_MISSED, true, 999999);
    /* >= 0: always met */
    EXPECT_EVAL(eval(0, 7, ge(0), TOL), RS_MET, true, 0);
    /* <= 1: always met */
    EXPECT_EVAL(eval(7, 7, le(DEC_ONE), TOL), RS_MET, true, 0);
}
END_TEST

/* Least x with (num+x)*1e6 >= t*(den+x), by counting up (t <= 0.99). */
static int64_t brute_ge(int64_t num, int64_t den, int64_t t)
{
    int64_t x = 0;
    while ((num + x) * DEC_ONE < t * (den + x))
        x++;
    return x;
}

/* Least x with (num-x)*1e6 <= t*den, by counting up. */
static int64_t brute_le(int64_t num, int64_t den, int64_t t)
{
    int64_t x = 0;
    while ((num - x) * DEC_ONE > t * den)
        x++;
    return x;
}

/* A random target: half the time a "round" one (whole percent), else any. */
static int64_t rnd_target(uint64_t *s, int64_t max)
{
    if (rnd(s) % 2)
        return (int64_t)(rnd(s) % (uint64_t)(max / 10000 + 1)) * 10000;
    return (int64_t)(rnd(s) % (uint64_t)(max + 1));
}

START_TEST(test_ge_gap_brute_force)
{
    uint64_t s = 0x1234567887654321ULL;
    for (int i = 0; i < 3000; i++) {
        int64_t den = (int64_t)(rnd(&s) % 300) + 1;
        int64_t num = (int64_t)(rnd(&s) % (uint64_t)(den + 1));
        int64_t t = rnd_target(&s, 990000);
        rate_eval_t e = eval(num, den, ge(t), TOL);
        ck_assert(e.has_gap);
        ck_assert_msg(e.gap == brute_ge(num, den, t), "%lld/%lld >= %lld: gap %lld, brute %lld",
                      (long long)num, (long long)den, (long long)t, (long long)e.gap,
                      (long long)brute_ge(num, den, t));
        ck_assert_int_eq(e.status == RS_MET, e.gap == 0);
    }
}
END_TEST

START_TEST(test_ge_gap_least_wide)
{
    /* Wide ranges (t up to 0.999999): the gap reaches the target and gap - 1 does not. */
    uint64_t s = 0xdeadbeefcafef00dULL;
    for (int i = 0; i < 100000; i++) {
        int64_t den = (int64_t)(rnd(&s) % 1000000) + 1;
        int64_t num = (int64_t)(rnd(&s) % (uint64_t)(den + 1));
        int64_t t = rnd_target(&s, 999999);
        rate_eval_t e = eval(num, den, ge(t), TOL);
        ck_assert(e.has_gap && e.gap >= 0);
        int64_t x = e.gap;
        ck_assert((num + x) * DEC_ONE >= t * (den + x));
        if (x > 0)
            ck_assert((num + x - 1) * DEC_ONE < t * (den + x - 1));
        bool met = num * DEC_ONE >= t * den;
        bool near = num * DEC_ONE >= (t - TOL) * den;
        ck_assert_int_eq(e.status, met ? RS_MET : near ? RS_NEAR : RS_MISSED);
    }
}
END_TEST

START_TEST(test_le_gap_brute_force)
{
    uint64_t s = 0x0f0f0f0f12345678ULL;
    for (int i = 0; i < 20000; i++) {
        int64_t den = (int64_t)(rnd(&s) % 2000) + 1;
        int64_t num = (int64_t)(rnd(&s) % (uint64_t)(den + 1));
        int64_t t = rnd_target(&s, DEC_ONE);
        rate_eval_t e = eval(num, den, le(t), TOL);
        ck_assert(e.has_gap);
        ck_assert_msg(e.gap == brute_le(num, den, t), "%lld/%lld <= %lld: gap %lld",
                      (long long)num, (long long)den, (long long)t, (long long)e.gap);
        ck_assert(e.gap <= num);
        bool met = num * DEC_ONE <= t * den;
        bool near = num * DEC_ONE <= (t + TOL) * den;
        ck_assert_int_eq(e.status, met ? RS_MET : near ? RS_NEAR : RS_MISSED);
    }
}
END_TEST

START_TEST(test_billion_counts)
{
    /* 999,000,000 of 1e9 vs 0.9999: exactly 9e9 more reach it. */
    rate_eval_t e = eval(999000000, 1000000000, ge(999900), TOL);
    EXPECT_EVAL(e, RS_NEAR, true, 9000000000LL);
    /* one short of a billion-sized target */
    e = eval(979999999, 1000000000, ge(980000), TOL);
    EXPECT_EVAL(e, RS_NEAR, true, 50);
    e = eval(20000001, 1000000000, le(20000), TOL);
    EXPECT_EVAL(e, RS_NEAR, true, 1);
}
END_TEST

START_TEST(test_overflow_sized_counts)
{
    /* products beyond int64: 5e12/1e13 vs 0.98 -> gap 2.4e14 exactly */
    rate_eval_t e = eval(5000000000000LL, 10000000000000LL, ge(980000), TOL);
    EXPECT_EVAL(e, RS_MISSED, true, 240000000000000LL);
    /* INT64_MAX / INT64_MAX */
    e = eval(INT64_MAX, INT64_MAX, ge(980000), TOL);
    ck_assert(e.value == 1.0);
    EXPECT_EVAL(e, RS_MET, true, 0);
    e = eval(INT64_MAX, INT64_MAX, le(20000), TOL);
    EXPECT_EVAL(e, RS_MISSED, true, INT64_MAX - 184467440737095516LL);
    /* 9e18 of INT64_MAX vs <= 0.02: 9e18 - floor(0.02 * INT64_MAX) */
    e = eval(9000000000000000000LL, INT64_MAX, le(20000), TOL);
    EXPECT_EVAL(e, RS_MISSED, true, 8815532559262904484LL);
    /* a hair under one half: near, one more reaches it */
    e = eval(INT64_MAX / 2, INT64_MAX, ge(500000), TOL);
    EXPECT_EVAL(e, RS_NEAR, true, 1);
    /* a gap beyond int64 is null rather than wrong */
    e = eval(0, INT64_MAX, ge(980000), TOL);
    EXPECT_EVAL(e, RS_MISSED, false, 0);
    /* extreme tolerances and targets do not overflow the thresholds */
    e = eval(1, 100, ge(980000), INT64_MAX);
    EXPECT_EVAL(e, RS_NEAR, true, 4850);
    e = eval(99, 100, le(20000), INT64_MAX);
    EXPECT_EVAL(e, RS_NEAR, true, 97);
    e = eval(INT64_MAX, INT64_MAX, le(INT64_MAX), INT64_MAX);
    EXPECT_EVAL(e, RS_MET, true, 0);
    e = eval(0, INT64_MAX, ge(INT64_MAX), INT64_MAX);
    EXPECT_EVAL(e, RS_NEAR, false, 0);
    e = eval(INT64_MIN, INT64_MAX, ge(INT64_MIN), TOL);
    ck_assert(e.has_value);
    e = eval(INT64_MIN, INT64_MAX, le(INT64_MIN), TOL);
    ck_assert(e.has_value);
}
END_TEST

/* Exact for any int64 inputs, even nonsensical ones (negative counts, targets
 * far beyond 1, limbs that carry): expectations computed with Python's
 * unbounded integers from the definitions of §5, a gap beyond int64 being null. */
START_TEST(test_exact_for_any_int64)
{
    static const struct {
        int64_t num, den;
        rate_op op;
        int64_t t, tol;
        rate_status st;
        bool has_gap;
        int64_t gap;
    } cases[] = {
        { 1208925819612430151LL, 1099511627775LL, OP_GE, 1099511627775LL, 0LL, RS_MISSED, false, 0LL },
        { 1208925819612430151LL, 1099511627775LL, OP_LE, 1099511627775LL, 0LL, RS_MET, true, 0LL },
        { 1208925819612430152LL, 1099511627775LL, OP_GE, 1099511627775LL, 0LL, RS_MET, true, 0LL },
        { 1208925819612430152LL, 1099511627775LL, OP_LE, 1099511627775LL, 0LL, RS_MISSED, true, 1LL },
        { INT64_MIN, 1LL, OP_GE, INT64_MIN, 0LL, RS_MISSED, true, 999999LL },
        { INT64_MIN, 1LL, OP_GE, (-9223372036854775803LL), 50000LL, RS_MISSED, true, 999999LL },
        { (-4611686018427387904LL), 3LL, OP_LE, (-1000000LL), 0LL, RS_MET, true, 0LL },
        { (-4611686018427387904LL), 3LL, OP_GE, (-1000000LL), 0LL, RS_MISSED, true, 2305843009213693951LL },
        { (-4611686018427387904LL), 7LL, OP_LE, (-1125899906842624LL), 0LL, RS_MET, true, 0LL },
        { INT64_MAX, 4294967296LL, OP_LE, (-1000000LL), 0LL, RS_MISSED, false, 0LL },
        { 3000000000000000000LL, INT64_MAX, OP_GE, INT64_MIN, 0LL, RS_MET, true, 0LL },
        { 123456789012345LL, 999999LL, OP_GE, 4294967295LL, (-5LL), RS_MET, true, 0LL },
        { 3000000000000000000LL, 4294967295LL, OP_LE, 4611686018427387904LL, 0LL, RS_MET, true, 0LL },
        { INT64_MAX, 4294967295LL, OP_GE, (-4611686018427387904LL), 50000LL, RS_MET, true, 0LL },
        { 4294967296LL, 4294967296LL, OP_GE, 123456789012345LL, (-5LL), RS_MISSED, false, 0LL },
        { (-1LL), 1000000LL, OP_GE, INT64_MAX, (-5LL), RS_MISSED, false, 0LL },
        { (-1LL), 999999LL, OP_GE, 3000000000000000000LL, 0LL, RS_MISSED, false, 0LL },
        { 1000000LL, 4294967295LL, OP_GE, 3000000000000000000LL, 50000LL, RS_MISSED, false, 0LL },
        { 999999LL, 1099511627775LL, OP_GE, 4611686018427387904LL, 50000LL, RS_MISSED, false, 0LL },
        { (-1LL), 4294967295LL, OP_LE, 999999LL, 0LL, RS_MET, true, 0LL },
        { 4294967295LL, 4611686018427387904LL, OP_GE, 123456789012345LL, 50000LL, RS_MISSED, false, 0LL },
        { 999999LL, 1000000LL, OP_LE, 999999LL, 0LL, RS_MET, true, 0LL },
        { INT64_MAX, 1099511627775LL, OP_GE, 999999LL, INT64_MAX, RS_MET, true, 0LL },
        { 3000000000000000000LL, 4294967296LL, OP_LE, (-4611686018427387904LL), INT64_MAX, RS_NEAR, false, 0LL },
        { (-1LL), INT64_MAX, OP_LE, (-4611686018427387904LL), 50000LL, RS_MISSED, false, 0LL },
        { 0LL, 4294967296LL, OP_GE, (-4611686018427387904LL), INT64_MAX, RS_MET, true, 0LL },
        { 3000000000000000000LL, 4611686018427387904LL, OP_GE, 4611686018427387904LL, (-5LL), RS_MISSED, false, 0LL },
        { 4294967295LL, 4611686018427387904LL, OP_GE, 1099511627775LL, 0LL, RS_MISSED, false, 0LL },
        { (-4611686018427387904LL), 999999LL, OP_GE, 1LL, 50000LL, RS_MISSED, true, 4611690630118018024LL },
        { 123456789012345LL, INT64_MAX, OP_LE, 4611686018427387904LL, INT64_MAX, RS_MET, true, 0LL },
        { 123456789012345LL, 3000000000000000000LL, OP_LE, (-1000000LL), (-5LL), RS_MISSED, true, 3000123456789012345LL },
        { 1LL, 123456789012345LL, OP_LE, 3000000000000000000LL, INT64_MAX, RS_MET, true, 0LL },
        { 0LL, 4611686018427387904LL, OP_GE, 1000000LL, INT64_MAX, RS_NEAR, false, 0LL },
        { 4611686018427387904LL, 123456789012345LL, OP_LE, 123456789012345LL, 50000LL, RS_MET, true, 0LL },
        { 4294967295LL, 4294967296LL, OP_GE, 999999LL, INT64_MAX, RS_MET, true, 0LL },
        { 999999LL, 999999LL, OP_GE, INT64_MIN, 50000LL, RS_MET, true, 0LL },
        { (-4611686018427387904LL), 4294967296LL, OP_LE, (-1LL), 0LL, RS_MET, true, 0LL },
        { 1LL, 123456789012345LL, OP_LE, 0LL, 50000LL, RS_NEAR, true, 1LL },
        { (-4611686018427387904LL), 123456789012345LL, OP_LE, 3000000000000000000LL, INT64_MAX, RS_MET, true, 0LL },
        { 1099511627775LL, 4611686018427387904LL, OP_GE, 0LL, 0LL, RS_MET, true, 0LL },
        { (-1000000LL), INT64_MAX, OP_LE, 3000000000000000000LL, 50000LL, RS_MET, true, 0LL },
        { (-1LL), 123456789012345LL, OP_GE, INT64_MIN, (-5LL), RS_MET, true, 0LL },
        { 1LL, 999999LL, OP_LE, 4294967295LL, 50000LL, RS_MET, true, 0LL },
        { 0LL, 4611686018427387904LL, OP_LE, (-1LL), (-5LL), RS_MISSED, true, 4611686018428LL },
        { 123456789012345LL, 123456789012345LL, OP_GE, 4611686018427387904LL, (-5LL), RS_MISSED, false, 0LL },
        { 1099511627775LL, 1099511627775LL, OP_LE, 999999LL, INT64_MAX, RS_NEAR, true, 1099512LL },
        { 1099511627775LL, 4611686018427387904LL, OP_GE, 1LL, (-5LL), RS_MISSED, true, 3512177902831LL },
        { 3000000000000000000LL, 3000000000000000000LL, OP_GE, INT64_MIN, (-5LL), RS_MET, true, 0LL },
        { 3000000000000000000LL, 1099511627775LL, OP_GE, 1LL, (-5LL), RS_MET, true, 0LL },
        { 999999LL, 3000000000000000000LL, OP_LE, 1LL, INT64_MAX, RS_MET, true, 0LL },
        { (-4611686018427387904LL), 123456789012345LL, OP_GE, (-1000000LL), INT64_MAX, RS_NEAR, true, 2305781280819187780LL },
        { 4294967295LL, 3000000000000000000LL, OP_LE, 3000000000000000000LL, (-5LL), RS_MET, true, 0LL },
        { 999999LL, 4294967296LL, OP_LE, INT64_MIN, 50000LL, RS_MISSED, false, 0LL },
        { INT64_MAX, 1LL, OP_LE, 4611686018427387904LL, INT64_MAX, RS_MISSED, true, 9223367425168757380LL },
        { 4294967295LL, 4294967296LL, OP_LE, 999999LL, INT64_MAX, RS_NEAR, true, 4294LL },
        { 4294967295LL, 4294967296LL, OP_LE, (-4611686018427387904LL), (-5LL), RS_MISSED, false, 0LL },
        { 4294967295LL, 999999LL, OP_LE, 4294967295LL, INT64_MAX, RS_NEAR, true, 4295LL },
        { 4611686018427387904LL, 999999LL, OP_GE, 1000000LL, INT64_MAX, RS_MET, true, 0LL },
        { 123456789012345LL, INT64_MAX, OP_LE, (-4611686018427387904LL), 0LL, RS_MISSED, false, 0LL },
        { (-4611686018427387904LL), 4611686018427387904LL, OP_GE, INT64_MAX, (-5LL), RS_MISSED, false, 0LL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        target_t t = { cases[i].op, cases[i].t };
        rate_eval_t e = eval(cases[i].num, cases[i].den, t, cases[i].tol);
        ck_assert_msg(e.status == cases[i].st && e.has_gap == cases[i].has_gap &&
                          (!e.has_gap || e.gap == cases[i].gap),
                      "case %zu: status %s gap %d/%lld", i, rate_status_str(e.status),
                      (int)e.has_gap, (long long)e.gap);
    }
}
END_TEST

START_TEST(test_dec_parse_valid)
{
    static const struct { const char *s; int64_t micro; } ok[] = {
        { "0.98", 980000 }, { "1", 1000000 }, { "1.0", 1000000 }, { "0", 0 },
        { "0.0", 0 }, { "0.055", 55000 }, { "0.05", 50000 }, { "0.000001", 1 },
        { "0.999999", 999999 }, { "1.000000", 1000000 }, { "00.5", 500000 },
        { "12.5", 12500000 }, { "9223372036854.775807", INT64_MAX },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t m = -1;
        ck_assert_msg(dec_parse(ok[i].s, strlen(ok[i].s), &m) == 0, "%s", ok[i].s);
        ck_assert_int_eq(m, ok[i].micro);
    }
    /* only n bytes are read */
    int64_t m = -1;
    ck_assert_int_eq(dec_parse("0.985", 4, &m), 0);
    ck_assert_int_eq(m, 980000);
    ck_assert_int_eq(dec_parse("1x", 1, &m), 0);
    ck_assert_int_eq(m, DEC_ONE);
}
END_TEST

START_TEST(test_dec_parse_invalid)
{
    static const char *const bad[] = {
        "", ".", ".5", "5.", "-0.5", "+0.5", "-0", "1e-2", "1E2", "0.0000001",
        "0.9800000", " 1", "1 ", "0.98x", "1.2.3", "0,98", "0x10", "inf", "nan",
        "9223372036854.775808", "9223372036855", "99999999999999999999",
        "1..0", "\xc2\xbd",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t m = 0;
        ck_assert_msg(dec_parse(bad[i], strlen(bad[i]), &m) == -1, "accepted '%s'", bad[i]);
    }
    int64_t m = 0;
    ck_assert_int_eq(dec_parse(NULL, 0, &m), -1);
    ck_assert_int_eq(dec_parse("1\0", 2, &m), -1);
}
END_TEST

START_TEST(test_dec_from_double)
{
    static const struct { double v; int64_t micro; } ok[] = {
        { 0.98, 980000 }, { 1.0, 1000000 }, { 0.0, 0 }, { 0.055, 55000 },
        { 0.000001, 1 }, { 0.45, 450000 }, { 0.3, 300000 }, { 1e9, 1000000000000000LL },
        { 999999999.999999, 999999999999999LL }, { 123.456789, 123456789 },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t m = -1;
        ck_assert_msg(dec_from_double(ok[i].v, &m) == 0, "%.17g", ok[i].v);
        ck_assert_int_eq(m, ok[i].micro);
    }
    static const double bad[] = {
        -0.5, -1e-6, 1e-7, 0.1234567, 0.98000001, 0.1 + 0.2, 1e9 + 1, 1e300,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t m = 0;
        ck_assert_msg(dec_from_double(bad[i], &m) == -1, "accepted %.17g", bad[i]);
    }
    int64_t m = 0;
    ck_assert_int_eq(dec_from_double(NAN, &m), -1);
    ck_assert_int_eq(dec_from_double(INFINITY, &m), -1);
    ck_assert_int_eq(dec_from_double(-INFINITY, &m), -1);
}
END_TEST

START_TEST(test_dec_from_double_every_micro)
{
    /* Every six-place decimal in [0, 1] as strtod reads it (as jansson does),
     * and random ones up to 1e9, come back to the same micro count. */
    char buf[64];
    for (int64_t m = 0; m <= DEC_ONE; m++) {
        snprintf(buf, sizeof buf, "%lld.%06lld", (long long)(m / DEC_ONE), (long long)(m % DEC_ONE));
        int64_t got = -1;
        ck_assert_msg(dec_from_double(strtod(buf, NULL), &got) == 0 && got == m, "%s", buf);
    }
    uint64_t s = 42;
    for (int i = 0; i < 200000; i++) {
        int64_t m = (int64_t)(rnd(&s) % (uint64_t)(1000000000LL * DEC_ONE + 1));
        snprintf(buf, sizeof buf, "%lld.%06lld", (long long)(m / DEC_ONE), (long long)(m % DEC_ONE));
        int64_t got = -1;
        ck_assert_msg(dec_from_double(strtod(buf, NULL), &got) == 0 && got == m, "%s", buf);
    }
}
END_TEST

START_TEST(test_dec_format)
{
    static const struct { int64_t micro; const char *s; } cases[] = {
        { 980000, "0.98" }, { 1000000, "1" }, { 50000, "0.05" }, { 0, "0" },
        { 1, "0.000001" }, { 55000, "0.055" }, { 1234567, "1.234567" },
        { 10000000, "10" }, { 1500000, "1.5" }, { -500000, "-0.5" },
        { INT64_MAX, "9223372036854.775807" }, { INT64_MIN, "-9223372036854.775808" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[24];
        size_t n = dec_format(cases[i].micro, buf, sizeof buf);
        ck_assert_str_eq(buf, cases[i].s);
        ck_assert_uint_eq(n, strlen(cases[i].s));
    }
}
END_TEST

START_TEST(test_dec_round_trip)
{
    uint64_t s = 7;
    for (int i = 0; i < 100000; i++) {
        int64_t m = (int64_t)(rnd(&s) >> (1 + rnd(&s) % 63)); /* >= 0: no sign in text */
        char buf[24];
        size_t n = dec_format(m, buf, sizeof buf);
        int64_t back = -1;
        ck_assert_msg(dec_parse(buf, n, &back) == 0 && back == m, "%s", buf);
    }
}
END_TEST

Suite *make_rates_suite(void)
{
    Suite *s = suite_create("rates");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_default_targets);
    tcase_add_test(tc, test_ops_and_statuses);
    tcase_add_test(tc, test_spec_example_met);
    tcase_add_test(tc, test_ge_exactly_on_target_is_met);
    tcase_add_test(tc, test_ge_miss_online_payment);
    tcase_add_test(tc, test_near_boundary_inclusive);
    tcase_add_test(tc, test_le_gap);
    tcase_add_test(tc, test_den_zero);
    tcase_add_test(tc, test_no_target);
    tcase_add_test(tc, test_target_one);
    tcase_add_test(tc, test_ge_gap_brute_force);
    tcase_add_test(tc, test_ge_gap_least_wide);
    tcase_add_test(tc, test_le_gap_brute_force);
    tcase_add_test(tc, test_billion_counts);
    tcase_add_test(tc, test_overflow_sized_counts);
    tcase_add_test(tc, test_exact_for_any_int64);
    tcase_add_test(tc, test_dec_parse_valid);
    tcase_add_test(tc, test_dec_parse_invalid);
    tcase_add_test(tc, test_dec_from_double);
    tcase_add_test(tc, test_dec_from_double_every_micro);
    tcase_add_test(tc, test_dec_format);
    tcase_add_test(tc, test_dec_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
