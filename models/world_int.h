/* world_int: the RocketMQ world's scenario configuration and construction (world_load.c), used by the
 * world's scenario glue (world.c) and by tests that build worlds directly. */
#ifndef MODELS_WORLD_INT_H
#define MODELS_WORLD_INT_H

#include <cJSON.h>

#include "models/world.h"
#include "sim/conf.h"

struct group_cfg {
    char name[32];
    int replicas;
    struct broker_cfg broker;
};

/* "checks": liveness after the faults (explore writes it into the scenarios it runs). */
struct checks_cfg {
    sim_time after;            /* the faults are over from here on (0: no liveness check) */
    sim_time bound;            /* every group has a master again within this */
};

/* "explore": bounds for the fault schedules `mqsim explore` draws. */
struct explore_cfg {
    int max_faults;            /* per run: 0 .. max (a fifth of the runs get none) */
    sim_time start;            /* faults begin after this */
    sim_time tail;             /* and end this long before the run does */
    sim_time max_outage;       /* longest crash, partition or slow link */
    unsigned ops;              /* bit per fault op allowed (enum fault_op) */
    double symbolic;           /* probability that a crash targets "@master:GROUP" rather than a node */
};

struct world_cfg {
    int nns;
    struct ns_cfg ns;
    struct broker_cfg broker;          /* the "broker" section: defaults of every group */
    int ngroups;
    struct group_cfg groups[RMQ_MAX_GROUPS];
    int nproducers;
    struct producer_cfg producer;
    int nconsumers;
    struct consumer_cfg consumer;
    struct operator_cfg op;
    struct checks_cfg checks;
    struct explore_cfg explore;
};

/* RocketMQ's defaults for everything (REFERENCE.md). */
void world_defaults(struct world_cfg *wc);
/* Reads the RocketMQ sections of a scenario on top of the defaults. 0, or -1 with c->err. */
int world_cfg_read(struct conf *c, const cJSON *root, struct world_cfg *wc);
void world_cfg_free(struct world_cfg *wc);

/* Adds every node to s. wc must outlive the world. 0, or -1 when out of memory. */
int world_build(struct rmq_world *w, struct sim *s, const struct world_cfg *wc);
void world_destroy(struct rmq_world *w);

/* The world inside a scenario's world state (sc->w of a RocketMQ scenario). */
struct rmq_world *rmq_world_get(void *world_state);

/* The key table of a section ("nameservers", "broker", "producers", "consumers", "operator"): its number
 * of entries, with *t set; 0 for an unknown section. */
struct field;
int world_fields(const char *section, const struct field **t);

#endif
