/* world_int: the RocketMQ world's scenario configuration and construction (world_load.c), used by the
 * world's scenario glue (world.c) and by tests that build worlds directly. */
#ifndef MODELS_WORLD_INT_H
#define MODELS_WORLD_INT_H

#include <stdio.h>

#include <cJSON.h>

#include "models/client/client_cfg.h"
#include "models/controller/controller_cfg.h"
#include "models/ops/operator_cfg.h"
#include "models/world/cluster.h"
#include "sim/conf.h"
#include "sim/lab/scenario.h"
#include "sim/tseries.h"

struct group_cfg {
    char name[32];
    int replicas;
    struct broker_cfg broker;
    /* "broker_election_priorities": replica r's brokerElectionPriority (each broker has its own broker.conf);
     * none given: broker.election_priority for all */
    int nelection_priorities;
    int32_t election_priorities[RMQ_MAX_REPLICAS];
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
    unsigned targets;          /* bit per enum explore_target: the nodes faults may name */
};

/* explore.targets: the kinds of node a drawn fault may name (crashes, pauses, disk stalls, partitions, links). */
enum explore_target {
    EXPLORE_NAMESERVERS = 1, EXPLORE_BROKERS = 2, EXPLORE_CONTROLLERS = 4, EXPLORE_PRODUCERS = 8,
    EXPLORE_CONSUMERS = 16
};

/* "metrics": how the client-view figures are measured (README, "Measurements"). */
struct metrics_cfg {
    sim_time read_gap;         /* a delivery gap longer than this with a backlog is a read outage: 1000 ms */
    sim_time warmup;           /* run.warmup_ms; -1: the producers' start plus their first route poll */
};

struct world_cfg {
    int version;                       /* enum world_version: "version", "4.4" unless named */
    int version_set;                   /* the scenario names it */
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
    struct metrics_cfg metrics;
    struct controller_cfg ctl;         /* "controllers" (count 0: none) */
};

/* RocketMQ's defaults for everything (REFERENCE.md). */
void world_defaults(struct world_cfg *wc);
/* Reads the RocketMQ sections of a scenario on top of the defaults. 0, or -1 with c->err. */
int world_cfg_read(struct conf *c, const cJSON *root, struct world_cfg *wc);
void world_cfg_free(struct world_cfg *wc);

/* world_version.c: the "version" profiles (the table is in world_version.h). */
/* Reads "$.version" (default "4.4": world_defaults() as it is) and applies its profile to wc's section
 * defaults; call after world_defaults() and before the sections are read. 0, or -1 with c->err. */
int world_version_read(struct conf *c, const cJSON *root, struct world_cfg *wc);
/* Resolves a group's keys the profile left to its other keys (send threads from available_processors). */
void world_version_resolve(struct broker_cfg *b);
/* metrics.json run.version and run.version_keys (each profile key: the profile's value and the value each
 * section or group runs with), only when the scenario names a version. */
void world_version_run_info(const struct world_cfg *wc, cJSON *run);

/* world_controller.c: the "controllers" section (after the groups are read), and its node. */
int world_controller_read(struct conf *c, const cJSON *root, struct world_cfg *wc);
int world_controller_build(struct rmq_world *w, const struct world_cfg *wc);

/* Adds every node to s. wc must outlive the world. 0, or -1 when out of memory. */
int world_build(struct rmq_world *w, struct sim *s, const struct world_cfg *wc);
void world_destroy(struct rmq_world *w);

/* A RocketMQ scenario's world state (sc->w): the world, its configuration, its time series and the liveness
 * check's progress. */
/* A group's slave lag, sampled (metrics.json's "lag"). */
struct lag_stats {
    uint64_t max_msgs, max_bytes;
    double sum_msgs;
    uint64_t samples;           /* samples with a lag in messages */
    uint64_t byte_samples;      /* samples with a lag in bytes */
};

struct rmq_state {
    struct world_cfg cfg;
    struct rmq_world w;
    struct tseries *ts;
    int max_slaves;
    /* liveness ("checks"): when every group had a master again after the faults, and the first message
     * id created after they ended */
    sim_time recovered;
    uint32_t cutoff_msg;
    int cutoff_set;
    struct lag_stats *lag;      /* per group */
    sim_time last_sample;       /* the last row's time, -1 before the first */
};

/* The replica of group gi serving as master now: up, not a slave; or -1. */
int world_current_master(const struct rmq_world *w, int gi);

/* Adds the world's own fault ops (world_faults.c: "transfer_leadership") to plan, before it is loaded. */
struct fault_plan;
void world_fault_ops_add(struct fault_plan *plan, struct rmq_world *w);

/* results.c: metrics.json's RocketMQ part, and the summary a person reads. */
void results_metrics(struct rmq_state *st, cJSON *root);
void results_summary(struct rmq_state *st, FILE *out);
/* Liveness after the faults (checks.liveness_after_ms), at a sample point or the end. */
void world_check_liveness(struct rmq_state *st, sim_time now);

/* The RocketMQ world as a scenario world (world.c). */
extern const struct world_ops rmq_world_ops;

/* The world inside a scenario's world state (sc->w of a RocketMQ scenario). */
struct rmq_world *rmq_world_get(void *world_state);

/* The key table of a section ("nameservers", "broker", "producers", "consumers", "operator"): its number
 * of entries, with *t set; 0 for an unknown section. */
struct field;
int world_fields(const char *section, const struct field **t);
/* The keys an object's reader takes by hand besides its section's table ("nameservers", "producers" and
 * "consumers": count; "groups", each group: name, replicas, ...), NULL-terminated; empty for any other. */
const char *const *world_hand_keys(const char *object);

#endif
