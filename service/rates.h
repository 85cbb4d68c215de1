/*
 * rates.h - the eight rates of spec §5 and their exact target arithmetic.
 *
 * Targets and tolerances are exact decimals with at most six places, held as
 * integer millionths ("micro"), so that every comparison and every gap is done
 * on integers: "num/den >= t" is num * 1e6 >= t_micro * den. Pure, no I/O.
 */
#ifndef MOTCUA_RATES_H
#define MOTCUA_RATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEC_ONE 1000000LL /* 1.0 in micro units */

typedef enum {
    R_ON_TIME = 0,
    R_EARLY,
    R_LATE,
    R_ON_TIME_INCL_PENDING,
    R_ONLINE_PAYMENT,
    R_ONLINE_UPTAKE,
    R_ONLINE_SHARE,
    R_APOLOGY,
    R__COUNT
} rate_id;

typedef enum { OP_NONE = 0, OP_GE, OP_LE } rate_op;

typedef struct {
    rate_op op;       /* OP_NONE: no target */
    int64_t micro;    /* target in millionths, 0..DEC_ONE */
} target_t;

typedef enum { RS_NONE = 0, RS_MET, RS_NEAR, RS_MISSED } rate_status;

typedef struct {
    int64_t num, den;
    bool has_value;   /* den > 0 */
    double value;     /* num / den, unrounded */
    target_t target;
    rate_status status;
    bool has_gap;
    int64_t gap;
} rate_eval_t;

const char *rate_name(rate_id r);            /* "on_time_rate", ... */
int rate_from_name(const char *name);        /* rate_id, or -1 */
target_t rate_default_target(rate_id r);     /* spec §5 defaults */
const char *rate_op_str(rate_op op);         /* ">=", "<=", NULL for none */
int rate_op_parse(const char *s, rate_op *out);
const char *rate_status_str(rate_status s);  /* "none", "met", "near", "missed" */

/* Evaluates num/den against target t with tolerance tol (micro). */
void rate_eval(int64_t num, int64_t den, target_t t, int64_t tol_micro, rate_eval_t *out);

/* Exact decimal "0.98", "1", "0.055" (0 <= v <= 1 not enforced here; <= 6
 * places, no exponent) to micro units. 0 ok, -1 invalid. */
int dec_parse(const char *s, size_t n, int64_t *micro);
/* A JSON double (as jansson gives it) to micro units, -1 when it is not a
 * decimal with at most six places or is negative or too large. */
int dec_from_double(double v, int64_t *micro);
/* Shortest decimal text ("0.98", "1", "0.05"). Returns length. cap >= 24. */
size_t dec_format(int64_t micro, char *buf, size_t cap);

#endif
