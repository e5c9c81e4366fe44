/* phold: Fujimoto's PHOLD workload as a model of logical processes exchanging events; the engine's benchmark
 * and its demonstration scenario. */
#ifndef MODELS_PHOLD_H
#define MODELS_PHOLD_H

#include <stdint.h>
#include <cJSON.h>

#include "sim/conf.h"
#include "sim/sim.h"

struct phold_config {
    int64_t lps;          /* logical processes, each a node named lp-<i> (default 1024) */
    int64_t population;   /* events each LP starts with (16) */
    double remote;        /* probability that an event goes to a uniformly chosen LP (0.9) */
    sim_time lookahead;   /* minimum delay of every event (0.1 ms: one PHOLD time unit is 1 ms here) */
    sim_time mean;        /* mean of the exponential added to it (1 ms) */
};

struct phold;

void phold_config_default(struct phold_config *cfg);

/* Reads a "phold" scenario section (keys lps, population, remote, lookahead_ms, mean_ms). */
int phold_config_parse(struct conf *c, const cJSON *obj, const char *path, struct phold_config *cfg);

/* Adds cfg.lps nodes to s. Local events are timers; remote ones are messages whose delay is the network's
 * latency, so the caller sets the network latency to lookahead + Exp(mean) (phold_network_latency). */
struct phold *phold_new(struct sim *s, const struct phold_config *cfg);
void phold_free(struct phold *p);

/* The latency distribution remote PHOLD events need: offset lookahead, exponential with the mean. */
struct sim_dist phold_network_latency(const struct phold_config *cfg);

/* Events the LPs handled (timers and messages), and messages sent between LPs. */
uint64_t phold_handled(const struct phold *p);
uint64_t phold_remote(const struct phold *p);

/* The count PHOLD should execute by time end: lps * population * end / (lookahead + mean). */
double phold_expected(const struct phold_config *cfg, sim_time end);

/* PHOLD as a scenario world (phold_world.c). */
struct world_ops;
extern const struct world_ops phold_world_ops;

#endif
