/* rng: GSL's taus2 generator, one instance per stream. taus2 is among GSL's fastest generators (a few
 * shifts and xors, 24 bytes of state) with a period of 2^88, which is why the event loop uses it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/rng.h"

/* The generator and its state in one cache line of their own (GSL's gsl_rng_alloc puts them in two
 * blocks): a stream a node draws from on every event costs one line, not three. */
struct sim_rng {
    gsl_rng g;
    unsigned long state[3];
};

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    /* A terminator, so ("ab","c") and ("a","bc") differ. */
    h ^= 0xff;
    return h * 0x100000001b3ULL;
}

uint64_t sim_rng_derive(uint64_t seed, const char *a, const char *b)
{
    uint64_t h = fnv1a(fnv1a(0xcbf29ce484222325ULL, a ? a : ""), b ? b : "");
    return splitmix64(splitmix64(seed) ^ h);
}

/* taus2 keeps three 32-bit words in unsigned longs. gsl_rng_set would squeeze the seed through one 32-bit
 * LCG, so thousands of streams could collide; instead all 96 bits come from the derived hash. The words
 * must exceed 1, 7 and 15 (the generator's own seeding rule), and six warm-up draws follow as in GSL. */
struct taus_state { unsigned long s1, s2, s3; };

static void seed_taus2(gsl_rng *g, uint64_t x)
{
    if (gsl_rng_size(g) != sizeof(struct taus_state)) {
        gsl_rng_set(g, (unsigned long)(x ^ (x >> 32)));
        return;
    }
    struct taus_state *st = gsl_rng_state(g);
    uint64_t y = splitmix64(x);
    st->s1 = (unsigned long)(x & 0xffffffffu);
    st->s2 = (unsigned long)(x >> 32);
    st->s3 = (unsigned long)(y & 0xffffffffu);
    if (st->s1 < 2) st->s1 += 2;
    if (st->s2 < 8) st->s2 += 8;
    if (st->s3 < 16) st->s3 += 16;
    for (int i = 0; i < 6; i++)
        gsl_rng_get(g);
}

struct sim_rng *sim_rng_new(uint64_t seed, const char *owner, const char *purpose)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_taus2);
    if (!g)
        return NULL;
    seed_taus2(g, sim_rng_derive(seed, owner, purpose));
    struct sim_rng *r = NULL;
    if (gsl_rng_size(g) <= sizeof r->state)
        r = aligned_alloc(64, 64);
    if (r) {
        r->g.type = g->type;
        r->g.state = r->state;
        memcpy(r->state, gsl_rng_state(g), gsl_rng_size(g));
    }
    gsl_rng_free(g);
    return r;
}

void sim_rng_free(struct sim_rng *r)
{
    free(r);
}

/* The draws an event loop makes on every event, done here as GSL does them (taus.c, gsl_rng.h, exponential.c
 * of GSL 2.7) on the same state, so they give the same numbers without the call through the library and
 * its generator's function pointer. The rarer ones (gaussian) call GSL on that state. */
static inline unsigned long taus2_get(struct sim_rng *r)
{
    unsigned long *s = r->state;
    s[0] = (((s[0] & 4294967294UL) << 12) & 0xffffffffUL) ^ ((((s[0] << 13) & 0xffffffffUL) ^ s[0]) >> 19);
    s[1] = (((s[1] & 4294967288UL) << 4) & 0xffffffffUL) ^ ((((s[1] << 2) & 0xffffffffUL) ^ s[1]) >> 25);
    s[2] = (((s[2] & 4294967280UL) << 17) & 0xffffffffUL) ^ ((((s[2] << 3) & 0xffffffffUL) ^ s[2]) >> 11);
    return s[0] ^ s[1] ^ s[2];
}

double sim_rng_uniform(struct sim_rng *r) { return (double)taus2_get(r) / 4294967296.0; }

double sim_rng_uniform_pos(struct sim_rng *r)
{
    double x;
    do
        x = sim_rng_uniform(r);
    while (x == 0);
    return x;
}

double sim_rng_exp(struct sim_rng *r, double mean) { return -mean * log1p(-sim_rng_uniform(r)); }
double sim_rng_gaussian(struct sim_rng *r) { return gsl_ran_gaussian_ziggurat(&r->g, 1.0); }

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    if (n <= 0xffffffffULL) {
        /* gsl_rng_uniform_int: the generator's range (0 .. 2^32 - 1) in n buckets, the rest redrawn. Every
         * value fits in 32 bits, where division is quicker than GSL's unsigned long one. */
        uint32_t scale = UINT32_MAX / (uint32_t)n, k;
        do
            k = (uint32_t)taus2_get(r) / scale;
        while (k >= n);
        return k;
    }
    /* Wider ranges: two 32-bit draws, rejection to stay unbiased. */
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
        uint64_t x = ((uint64_t)gsl_rng_get(&r->g) << 32) | (uint64_t)gsl_rng_get(&r->g);
        if (x < lim)
            return x % n;
    }
}
