/* rng: seeded random streams, one per (node, purpose), behind GSL; models never see GSL itself. */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

struct sim_rng;

/* Creates the stream for (run seed, owner, purpose). owner is a node's name (or "" for engine-wide
 * purposes); the stream depends only on these three values, so adding a node or a draw elsewhere never
 * changes this stream's draws. Returns NULL when out of memory. */
struct sim_rng *sim_rng_new(uint64_t seed, const char *owner, const char *purpose);
void sim_rng_free(struct sim_rng *r);

/* Uniform in [0, 1). */
double sim_rng_uniform(struct sim_rng *r);
/* Uniform in (0, 1): never 0, for logarithms. */
double sim_rng_uniform_pos(struct sim_rng *r);
/* Uniform integer in [0, n), n >= 1. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* Exponential with the given mean. */
double sim_rng_exp(struct sim_rng *r, double mean);
/* Standard normal N(0, 1): GSL's gsl_ran_gaussian_ziggurat, draw for draw. */
double sim_rng_gaussian(struct sim_rng *r);
/* The same draw made by GSL's function itself, always: what sim_rng_gaussian is tested against. */
double sim_rng_gaussian_gsl(struct sim_rng *r);

/* Derives a 64-bit value from a seed and strings (splitmix64 over FNV-1a); used for stream seeds and by
 * callers that need a stable per-run number. */
uint64_t sim_rng_derive(uint64_t seed, const char *a, const char *b);

#endif
