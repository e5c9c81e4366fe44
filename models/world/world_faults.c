/* world_faults: the fault ops only the RocketMQ world knows, added to the engine's schedule through
 * struct fault_ext: "transfer_leadership", an operator's planned switch of a DLedger group's leader (as
 * done before maintenance with DLedger's leadershipTransfer admin request), and "elect_master", an
 * operator's designated election in controller mode (mqadmin electMaster -b brokerId). */
#include <string.h>

#include "models/broker/broker.h"
#include "models/controller/controller.h"
#include "models/dledger/raft.h"
#include "models/world/world.h"
#include "sim/fault.h"

/* arg: group index << 8 | target replica (TO_ANY: chosen when the switch happens) */
#define ARG(g, r) (((uint64_t)(g) << 8) | (uint64_t)(r))
#define TO_ANY 0xff

/* The "group" and "to" of an op on one group's replicas: the group's index, and the replica "to" names
 * (an index or a node name; "any" gives TO_ANY when any_ok). kind_ok says whether the group fits the op,
 * kind_err what it must be. 0, or -1 after the error. */
typedef int group_kind_fn(const struct rmq_world *w, const struct rmq_group *g);
static int group_to(struct rmq_world *w, struct conf *c, const cJSON *v, const char *path, group_kind_fn *kind_ok,
                    const char *kind_err, int any_ok, uint64_t *arg)
{
    char p[512], d[96];
    const char *name;
    if (!conf_child(v, "group"))
        return conf_fail(c, path, "missing \"group\"");
    if (!conf_child(v, "to"))
        return conf_fail(c, path, "missing \"to\"");
    if (conf_string(c, v, path, "group", "", &name) < 0)
        return -1;
    int gi = -1;
    for (int i = 0; i < w->ngroups; i++)
        if (strcmp(w->g[i].name, name) == 0)
            gi = i;
    conf_path_key(p, sizeof p, path, "group");
    if (gi < 0)
        return conf_fail(c, p, "no group named \"%s\"", name);
    const struct rmq_group *g = &w->g[gi];
    if (!kind_ok(w, g))
        return conf_fail(c, p, "\"%s\" is not %s", name, kind_err);
    const cJSON *to = conf_child(v, "to");
    int r = -1;
    if (cJSON_IsNumber(to) && to->valuedouble == (double)(int)to->valuedouble)
        r = (int)to->valuedouble;
    else if (any_ok && cJSON_IsString(to) && strcmp(to->valuestring, "any") == 0) {
        *arg = ARG(gi, TO_ANY);
        return 0;
    } else if (cJSON_IsString(to))
        for (int i = 0; i < g->n; i++)
            if (strcmp(sim_node(w->sim, g->node[i])->name, to->valuestring) == 0)
                r = i;
    if (r < 0 || r >= g->n)
        return conf_fail(c, conf_path_key(p, sizeof p, path, "to"),
                         "expected a replica index 0 to %d%s a node name of group %s%s, got %s", g->n - 1,
                         any_ok ? "," : " or", name, any_ok ? " or \"any\"" : "", conf_describe(to, d, sizeof d));
    *arg = ARG(gi, r);
    return 0;
}

static int dledger_elects(const struct rmq_world *w, const struct rmq_group *g)
{
    (void)w;
    return g->cfg.dledger && g->cfg.raft.election == RAFT_ELECTION_DLEDGER;
}

/* {"at_ms": T, "op": "transfer_leadership", "group": NAME, "to": replica index, node name or "any"} */
static int transfer_parse(void *ctx, struct conf *c, const cJSON *v, const char *path, uint64_t *arg)
{
    return group_to(ctx, c, v, path, dledger_elects, "a DLedger group under DLedger's election (\"ha\": \"dledger\")",
                    1, arg);
}

static void trace_transfer(struct rmq_world *w, const struct rmq_group *g, int from, int to, const char *result)
{
    struct trace *tr = sim_trace(w->sim);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, sim_now(w->sim), from >= 0 ? sim_node(w->sim, g->node[from])->name : "", "raft.transfer");
    trace_str(tr, "group", g->name);
    trace_str(tr, "to", sim_node(w->sim, g->node[to])->name);
    trace_str(tr, "result", result);
    trace_end(tr);
}

/* The operator's request goes to the member leading now (the live leader of the largest term). */
static void transfer_apply(void *ctx, struct sim *s, uint64_t arg)
{
    struct rmq_world *w = ctx;
    (void)s;
    struct rmq_group *g = &w->g[arg >> 8];
    int to = (int)(arg & 0xff), leader = -1;
    for (int r = 0; r < g->n; r++) {
        const struct raft *m = broker_raft(g->broker[r]);
        if (sim_node(w->sim, g->node[r])->state == SIM_NODE_UP && m->role == RAFT_LEADER &&
            (leader < 0 || m->term > broker_raft(g->broker[leader])->term))
            leader = r;
    }
    if (leader < 0) {
        trace_transfer(w, g, -1, to == TO_ANY ? 0 : to, "NO_LEADER");
        return;
    }
    if (to == TO_ANY) {
        /* "any": the live follower the leader knows to be furthest along (an operator picks a caught-up one). */
        const struct raft *m = broker_raft(g->broker[leader]);
        for (int r = 0; r < g->n; r++)
            if (r != leader && sim_node(w->sim, g->node[r])->state == SIM_NODE_UP &&
                (to == TO_ANY || m->peer[r].watermark > m->peer[to].watermark))
                to = r;
        if (to == TO_ANY) {
            trace_transfer(w, g, leader, leader, "NO_FOLLOWER");
            return;
        }
    }
    if (leader == to) {
        trace_transfer(w, g, leader, to, "ALREADY_LEADER");
        return;
    }
    const char *why = broker_transfer_leadership(g->broker[leader], to);
    trace_transfer(w, g, leader, to, why ? why : "STARTED");
}

static const char *const transfer_keys[] = {"group", "to", NULL};

static int controller_mode(const struct rmq_world *w, const struct rmq_group *g)
{
    return g->cfg.controller && w->ctl;
}

/* {"at_ms": T, "op": "elect_master", "group": NAME, "to": replica index or node name}: the admin's
 * ElectMasterRequestHeader.ofAdminTrigger (designateElect) to the active controller. */
static int elect_parse(void *ctx, struct conf *c, const cJSON *v, const char *path, uint64_t *arg)
{
    return group_to(ctx, c, v, path, controller_mode, "a group in controller mode (\"ha\": \"controller\")", 0, arg);
}

static void elect_apply(void *ctx, struct sim *s, uint64_t arg)
{
    struct rmq_world *w = ctx;
    (void)s;
    controller_admin_elect(w->ctl, (int)(arg >> 8), (int)(arg & 0xff));
}

static const struct fault_ext world_fault_ops[] = {
    {"transfer_leadership", transfer_keys, transfer_parse, transfer_apply},
    {"elect_master", transfer_keys, elect_parse, elect_apply},
};

void world_fault_ops_add(struct fault_plan *plan, struct rmq_world *w)
{
    plan->ext = world_fault_ops;
    plan->next = (int)(sizeof world_fault_ops / sizeof world_fault_ops[0]);
    plan->ext_ctx = w;
}
