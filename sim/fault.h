/* fault: the scenario's fault schedule: crashes, restarts, pauses, partitions, link changes, disk stalls. */
#ifndef SIM_FAULT_H
#define SIM_FAULT_H

#include <cJSON.h>

#include "sim/conf.h"
#include "sim/sim.h"

enum fault_op {
    FAULT_CRASH_PROCESS, FAULT_CRASH_HOST, FAULT_RESTART, FAULT_PAUSE, FAULT_PARTITION, FAULT_HEAL,
    FAULT_LINK, FAULT_DISK_STALL,
    FAULT_MODEL                /* an op the world added (struct fault_ext) */
};

/* An op the world adds to the schedule, for what only its models know how to do (e.g. a planned
 * leadership transfer). The engine reads "at_ms" and "op"; parse checks the other keys (one clear line
 * through conf_fail naming path) and packs what apply needs into *arg; apply runs it at its time. */
#define FAULT_EXT_MAX 8
struct fault_ext {
    const char *name;
    const char *const *keys;   /* its keys besides "at_ms" and "op", NULL-terminated (at most 8) */
    int (*parse)(void *ctx, struct conf *c, const cJSON *v, const char *path, uint64_t *arg);
    void (*apply)(void *ctx, struct sim *s, uint64_t arg);
};

struct fault {
    sim_time at;
    int at_drawn;              /* `at` was drawn from a distribution (else the scenario's number) */
    enum fault_op op;
    sim_node_id node;          /* crash, restart, pause, disk_stall */
    char *symbol;              /* "@..." node name resolved when the fault happens (sim_resolve) */
    sim_node_id *a, *b;        /* partition, heal (both NULL for heal: every link) */
    int na, nb;
    int oneway;                /* partition/heal: only a -> b */
    sim_time duration;         /* pause, disk_stall; crash: restart after (0 = stays down); partition: heal after */
    /* link */
    sim_node_id from, to;
    int both_ways, has_latency;
    struct sim_dist latency;
    double loss, bandwidth;    /* NAN = unchanged */
    /* FAULT_MODEL */
    const struct fault_ext *ext;
    void *ext_ctx;
    uint64_t ext_arg;
};

struct fault_plan {
    struct sim *sim;
    struct fault *f;
    int n;
    int hook;
    /* The world's own ops, set before fault_load (NULL: none). */
    const struct fault_ext *ext;
    int next;
    void *ext_ctx;
};

/* Reads a "faults" array (resolving node names against s) and schedules every fault on s. Each entry:
 *   {"at_ms": T, "op": "crash_process"|"crash_host", "node": N [, "duration_ms": restart after]}
 *   {"at_ms": T, "op": "restart", "node": N}
 *   {"at_ms": T, "op": "pause", "node": N, "duration_ms": D}
 *   {"at_ms": T, "op": "disk_stall", "node": N, "duration_ms": D}
 *   {"at_ms": T, "op": "partition", "a": [N...], "b": [N...] [, "oneway": false] [, "duration_ms": heal after]}
 *   {"at_ms": T, "op": "heal" [, "a": [...], "b": [...], "oneway": false]}   without a/b: heals everything
 *   {"at_ms": T, "op": "link", "from": N, "to": N [, "both_ways": true] [, "latency": DIST]
 *                [, "loss": P] [, "bandwidth_mbit_per_s": B]}
 *   {"at_ms": T, "op": NAME, ...}   one of plan->ext, its keys checked by its parse
 * A "node" may be symbolic, "@..." (e.g. "@master:group-a"): the models resolve it when the fault
 * happens; a crash's automatic restart restarts the node it resolved to.
 * plan must be zeroed; free it with fault_plan_free after the run. */
int fault_load(struct sim *s, struct conf *c, const cJSON *arr, const char *path, struct fault_plan *plan);

/* Applies one fault now (the schedule's hook calls this; tests may too). */
void fault_apply(struct sim *s, const struct fault *f);

void fault_plan_free(struct fault_plan *plan);

#endif
