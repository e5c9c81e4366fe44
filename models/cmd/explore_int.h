/* explore_int: what explore.c (the runs, the judging and the shrinking) and explore_draw.c (the fault
 * schedules and the concrete scenarios) share; not for use outside them. */
#ifndef MODELS_EXPLORE_INT_H
#define MODELS_EXPLORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "models/world/world.h"
#include "sim/buf.h"
#include "sim/out.h"

struct run_result {
    uint64_t seed;
    int nfaults;
    int status;                /* exit status of the run */
    double acked_lost, duplicates, acked, skipped;
    char violation[64];
};

struct explore {
    const char *file;
    cJSON *base;               /* the scenario after --set */
    struct world_cfg cfg;
    sim_time duration;
    char **targets;            /* node names faults may hit (explore.targets: NameServers and brokers) */
    int ntargets;
    char **partners;           /* the other end of a partition or slow link: the targets, then the NameServers
                                  and brokers that are not (the same list by default) */
    int npartners;
    char **groups;
    int ngroups;
    const cJSON *net_latency;  /* the scenario's default latency, to restore slowed links */
    char dir[OUT_PATH_MAX];
    const char *exe;
    uint64_t seed_start;
    size_t runs;
    struct run_result *res;
    int quiet;
    char sha256[65];           /* of the scenario file's bytes, as read */
    const char *const *sets;   /* the --set values */
    int nsets;
};

/* The faults of one seed: a JSON array. *end_ms is when the last of them is over. */
cJSON *explore_draw(struct explore *ex, uint64_t seed, double *end_ms);
/* The concrete scenario of a run: the base, its own faults plus the drawn ones, the liveness check, and the
 * run's seed as run.seed, so the file alone replays the run. */
cJSON *explore_concrete(struct explore *ex, const cJSON *faults, double end_ms, uint64_t seed);
/* The nodes a schedule's faults name, each once, space-separated (explore.csv's last column). */
void explore_fault_nodes(const cJSON *sched, struct buf *out);

#endif
