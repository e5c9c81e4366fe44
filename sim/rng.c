/* rng: GSL's taus2 generator, one instance per stream. taus2 is among GSL's fastest generators (a few
 * shifts and xors, 24 bytes of state) with a period of 2^88, which is why the event loop uses it. */
#include <math.h>
#include <pthread.h>
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

static pthread_once_t zig_once = PTHREAD_ONCE_INIT;
static void zig_init(void);

struct sim_rng *sim_rng_new(uint64_t seed, const char *owner, const char *purpose)
{
    /* Every stream's gaussian draw reads the table, so it is there before the first stream is. */
    pthread_once(&zig_once, zig_init);
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
static inline void taus2_step(const unsigned long *s, unsigned long *n)
{
    n[0] = (((s[0] & 4294967294UL) << 12) & 0xffffffffUL) ^ ((((s[0] << 13) & 0xffffffffUL) ^ s[0]) >> 19);
    n[1] = (((s[1] & 4294967288UL) << 4) & 0xffffffffUL) ^ ((((s[1] << 2) & 0xffffffffUL) ^ s[1]) >> 25);
    n[2] = (((s[2] & 4294967280UL) << 17) & 0xffffffffUL) ^ ((((s[2] << 3) & 0xffffffffUL) ^ s[2]) >> 11);
}

static inline unsigned long taus2_get(struct sim_rng *r)
{
    taus2_step(r->state, r->state);   /* each word from its own old value: in place is safe */
    return r->state[0] ^ r->state[1] ^ r->state[2];
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
/* ---- the gaussian draw ----
 * GSL's gsl_ran_gaussian_ziggurat (GSL 2.x, Marsaglia and Tsang's ziggurat of 128 strips), given a
 * generator of 32 bits such as taus2, starts each try with one draw k: the strip is bits 0-6, the sign bit
 * 7, and j bits 8-31. When j is below the strip's bound the try ends at once with +-j * (the strip's
 * width); that is about 98.8 % of draws. Otherwise it draws more (the strip's wedge, or the tail).
 * sim_rng_gaussian does the first case on the stream's own state, without the calls through GSL and its
 * generator's function pointer, and leaves every other case to GSL on the state as it was before the
 * draw, which then draws the same k again and goes on exactly as it would have.
 *
 * The bounds and widths are GSL's own, read once a process out of GSL's function itself (zig_init): it is
 * fed chosen first draws through a generator of our own, and the number of draws it then asks for tells
 * whether a draw ends at once. Nothing of GSL's tables is copied here, and if GSL's function behaved
 * otherwise than described (another version), no bound would be found and every draw would call GSL.
 * tests/test_rng_zig.c compares the draws with GSL's, bit for bit. */
static struct {
    uint32_t bound[128];   /* j below this ends the draw at once (0: never) */
    double width[128];     /* the draw is then +-j * width */
} zig;

/* A generator that answers a chosen first draw, then anything (so that a longer try ends), and counts. */
struct zig_probe {
    unsigned long first, next;
    unsigned calls;
};

static unsigned long zig_probe_get(void *state)
{
    struct zig_probe *p = state;
    if (p->calls++ == 0)
        return p->first;
    p->next = splitmix64(p->next);
    return p->next & 0xffffffffUL;
}

static double zig_probe_get_double(void *state) { return (double)zig_probe_get(state) / 4294967296.0; }
static void zig_probe_set(void *state, unsigned long seed)
{
    (void)state;
    (void)seed;
}

/* GSL's draw when its first draw is k; *calls is how many draws it took. */
static double zig_probe(const gsl_rng_type *t, unsigned long k, unsigned *calls)
{
    struct zig_probe p = {k, k, 0};
    gsl_rng g = {t, &p};
    double x = gsl_ran_gaussian_ziggurat(&g, 1.0);
    *calls = p.calls;
    return x;
}

static void zig_init(void)
{
    const gsl_rng_type t = {"mqsim-zig-probe", gsl_rng_taus2->max, gsl_rng_taus2->min, sizeof(struct zig_probe),
                            zig_probe_set, zig_probe_get, zig_probe_get_double};
    if (t.min != 0 || t.max != 0xffffffffUL)
        return;   /* not the 32-bit generator this is written for: every draw calls GSL */
    for (unsigned long i = 0; i < 128; i++) {
        /* The smallest j whose draw does not end at once (bits 8-31; bit 7 set: the positive side). */
        unsigned calls;
        unsigned long lo = 0, hi = 1ul << 24;
        while (lo < hi) {
            unsigned long mid = lo + (hi - lo) / 2;
            zig_probe(&t, mid << 8 | 0x80 | i, &calls);
            if (calls == 1)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < 2)
            continue;   /* never (or only j = 0) at once: GSL draws this strip */
        double w = zig_probe(&t, 1ul << 8 | 0x80 | i, &calls);
        /* What the fast path will answer must be what GSL answers, at both sides and both ends. */
        unsigned long top = lo - 1;
        unsigned c1, c2, c3;
        double xp = zig_probe(&t, top << 8 | 0x80 | i, &c1), xn = zig_probe(&t, top << 8 | i, &c2);
        double x0 = zig_probe(&t, 1ul << 8 | i, &c3);
        if (calls != 1 || c1 != 1 || c2 != 1 || c3 != 1 || xp != (double)top * w || xn != -((double)top * w) ||
            x0 != -w)
            continue;
        zig.bound[i] = (uint32_t)lo;
        zig.width[i] = w;
    }
}

double sim_rng_gaussian(struct sim_rng *r)
{
    unsigned long n[3];
    taus2_step(r->state, n);
    unsigned long k = n[0] ^ n[1] ^ n[2], i = k & 0x7f, j = (k >> 8) & 0xffffff;
    if (j < zig.bound[i]) {
        r->state[0] = n[0];
        r->state[1] = n[1];
        r->state[2] = n[2];
        double x = (double)j * zig.width[i];
        return k & 0x80 ? x : -x;
    }
    return gsl_ran_gaussian_ziggurat(&r->g, 1.0);
}

double sim_rng_gaussian_gsl(struct sim_rng *r) { return gsl_ran_gaussian_ziggurat(&r->g, 1.0); }

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
