/* dist: probability distributions for latencies, sizes, rates and human delays, read from JSON. */
#ifndef SIM_DIST_H
#define SIM_DIST_H

#include <math.h>
#include <stdint.h>
#include <cJSON.h>

#include "sim/conf.h"
#include "sim/rng.h"
#include "sim/time.h"

enum sim_dist_kind {
    SIM_DIST_CONST, SIM_DIST_UNIFORM, SIM_DIST_EXP, SIM_DIST_NORMAL,
    SIM_DIST_LOGNORMAL, SIM_DIST_PARETO, SIM_DIST_EMPIRICAL
};

/* What a distribution measures; it decides which key suffixes are accepted and the base unit of samples. */
enum sim_unit {
    SIM_UNIT_TIME,   /* _ns, _us, _ms, _s; samples in nanoseconds */
    SIM_UNIT_BYTES,  /* _bytes, _kib, _mib; samples in bytes */
    SIM_UNIT_RATE    /* _per_s, _per_min; samples in events per second */
};

/* Parameters are stored in the base unit. Small and copyable; an empirical list is released with
 * sim_dist_free. A parsed list is never changed, so sim_dist_copy shares it (refs counts its holders): a
 * list of a million values given once and copied to every producer or link costs its size once, not once
 * a copy. The count is not atomic: a list's holders belong to one thread. */
struct sim_dist {
    enum sim_dist_kind kind;
    enum sim_unit unit;
    double a, b;        /* const: value | uniform: min,max | exp: mean | normal: mean,sd |
                           lognormal: mu,sigma | pareto: scale,shape */
    double off;         /* added to every sample: "offset_X" on any kind (a floor such as a minimum RTT) */
    double *values;     /* empirical */
    uint32_t n;
    size_t *refs;       /* holders of values; NULL for a list set by hand, which this dist owns alone */
};

/* JSON forms (X is a unit suffix of the expected kind, e.g. _ms):
 *   {"const_X": v}                 or {"dist":"const","value_X": v}
 *   {"dist":"uniform","min_X":a,"max_X":b}
 *   {"dist":"exp","mean_X":m}
 *   {"dist":"normal","mean_X":m,"sd_X":s}           truncated at 0 (redrawn while negative)
 *   {"dist":"lognormal","median_X":m,"sigma":s}
 *   {"dist":"pareto","scale_X":xm,"shape":alpha}     xm is the minimum value
 *   {"dist":"empirical","values_X":[v, ...]}         each value equally likely
 * Any form may add "offset_X": c, a constant added to every sample (e.g. PHOLD's lookahead).
 * Every value must be >= 0 and at most max (in the base unit). A wrong or missing unit, an unknown key, a
 * bad type or range is an error at its JSON path. path is the path of v itself. */
int sim_dist_parse(struct conf *c, const cJSON *v, const char *path, enum sim_unit unit, double max,
                   struct sim_dist *out);

/* The keys a distribution may hold, as sim_dist_parse accepts them, for the README's check: "dist", the
 * "const_X" shorthand, each kind's parameters (the unitless "sigma" and "shape" bare) and "offset_X", with X
 * unit's usual suffix (_ms, _bytes or _per_s); a parameter two kinds share comes once a kind. Writes at
 * most max of them into names and returns how many there are. */
#define SIM_DIST_KEY_MAX 24
int sim_dist_keys(enum sim_unit unit, char (*names)[SIM_DIST_KEY_MAX], int max);
/* The i-th suffix (from 0) a parameter of unit may end in ("_ns", "_us", ... for a duration); NULL past the
 * last. */
const char *sim_dist_suffix(enum sim_unit unit, int i);

/* Reads obj[key] as a distribution when present, else leaves *out = *def. */
int sim_dist_get(struct conf *c, const cJSON *obj, const char *path, const char *key, enum sim_unit unit,
                 double max, const struct sim_dist *def, struct sim_dist *out);

/* A constant distribution in the base unit. */
struct sim_dist sim_dist_const(enum sim_unit unit, double value);

/* Draws one sample in the base unit (never negative). */
double sim_dist_sample(const struct sim_dist *d, struct sim_rng *r);

/* llround(x) (halves away from zero) without libm's call, which costs as much as the rest of a network
 * delay's draw: trunc(x) and x - trunc(x) are exact for |x| < 2^62, so the comparison with 0.5 decides as
 * llround does. Callers keep |x| below SIM_TIME_MAX. */
static inline int64_t sim_round(double x)
{
    int64_t i = (int64_t)x;
    double f = x - (double)i;
    return i + (f >= 0.5) - (f <= -0.5);
}

/* exp(x), the same bits as libm's exp. On glibc for x86-64 it calls glibc's __exp_finite (its exp
 * without the wrapper that sets errno on overflow and underflow: the same code underneath, chosen by the
 * same CPU test), which saves a third of the call on every network delay's draw; elsewhere it is exp. */
#if defined(__GLIBC__) && defined(__x86_64__)
__asm__(".symver sim_exp_glibc_, __exp_finite@GLIBC_2.15");
double sim_exp_glibc_(double x);
static inline double sim_exp(double x) { return sim_exp_glibc_(x); }
#else
static inline double sim_exp(double x) { return exp(x); }
#endif

/* Draws a duration in nanoseconds, rounded to the nearest nanosecond. Inline, with the lognormal (every
 * network delay's default) and the exponential (PHOLD's) drawn here rather than through sim_dist_sample's
 * switch: the same arithmetic (offset + exp(mu + sigma * gaussian), offset + exponential), so the same
 * numbers. */
static inline sim_time sim_dist_time(const struct sim_dist *d, struct sim_rng *r)
{
    double x = d->kind == SIM_DIST_LOGNORMAL ? d->off + sim_exp(d->a + d->b * sim_rng_gaussian(r))
             : d->kind == SIM_DIST_EXP       ? d->off + sim_rng_exp(r, d->a)
                                             : sim_dist_sample(d, r);
    /* Heavy tails (pareto, lognormal) can overshoot; clamp instead of overflowing the clock. */
    if (!(x < (double)SIM_TIME_MAX))
        return SIM_TIME_MAX;
    return x > -(double)SIM_TIME_MAX ? (sim_time)sim_round(x) : (sim_time)llround(x);
}

/* The distribution's mean in the base unit (infinite for a Pareto with shape <= 1). */
double sim_dist_mean(const struct sim_dist *d);

/* A copy, sharing a parsed empirical list (a list set by hand is copied); returns -1 when out of memory. */
int sim_dist_copy(struct sim_dist *dst, const struct sim_dist *src);
void sim_dist_free(struct sim_dist *d);

#endif
