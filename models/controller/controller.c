/* controller: the active controller of RIP-44. BrokerHeartbeatManager (heartbeats, the scan for expired
 * ones, a closed channel), ReplicasInfoManager (electMaster, alterSyncStateSet, getReplicaInfo),
 * DefaultElectPolicy (who may be master), ControllerManager (the election an inactive master triggers, the
 * notifications to the brokers) and the periodic re-election where a group has no master
 * (DLedgerController.scanInactiveMasterAndTriggerReelect). */
#include <stdlib.h>
#include <string.h>

#include "models/controller/controller.h"
#include "models/remoting/rpc.h"
#include "models/report/report.h"

enum { CT_SCAN = 1, CT_REELECT };

struct ctl_replica {
    int registered;            /* a heartbeat came once (registerBroker) */
    int active;                /* BrokerHeartbeatManager.isBrokerActive */
    sim_node_id node;
    sim_conn conn;             /* the channel the last heartbeat came on */
    sim_time last_hb;
    int32_t epoch;
    uint64_t max_offset;
    int32_t priority;
};

struct ctl_group {
    int master;                /* replica index, -1: none */
    int32_t master_epoch, sss_epoch;
    uint32_t sss;
    int elected_once;          /* SyncStateInfo.isFirstTimeForElect is false */
    struct ctl_replica r[RMQ_MAX_REPLICAS];
    /* the invariant check's memory (controller_check_master) */
    int32_t seen_epoch;
    sim_node_id seen_node;
};

struct controller {
    struct rmq_node base;
    struct sim_node *n;
    struct rpc rpc;
    struct controller_cfg cfg;
    int broken;                /* test only: controller_break_election */
    int ngroups;
    struct ctl_group *g;
};

static struct trace *trace_of(struct controller *c) { return sim_trace(c->n->sim); }

static struct ctl_info info_of(const struct controller *c, int gi)
{
    const struct ctl_group *g = &c->g[gi];
    struct ctl_info i = {(uint16_t)gi, (int16_t)g->master, g->master_epoch, g->sss_epoch, g->sss};
    return i;
}

/* notifyBrokerRoleChanged: every replica of the group the controller knows is told (ControllerManager
 * .notifyBrokerRoleChanged through BrokerHousekeepingService's channels). */
static void notify(struct controller *c, int gi)
{
    if (!c->cfg.notify_role_changed)
        return;
    struct ctl_info i = info_of(c, gi);
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if (c->g[gi].r[r].registered && c->g[gi].r[r].active)
            rpc_call(&c->rpc, c->g[gi].r[r].node, CTL_NOTIFY, &i, sizeof i, 0, c->cfg.request_timeout, 0);
}

/* DefaultElectPolicy.tryElect's order: epoch desc, then maxOffset desc, then electionPriority asc (a
 * TreeSet with that comparator; equal ones fall back to the lower brokerId here). */
static int better(const struct ctl_replica *a, int ai, const struct ctl_replica *b, int bi)
{
    if (a->epoch != b->epoch)
        return a->epoch > b->epoch;
    if (a->max_offset != b->max_offset)
        return a->max_offset > b->max_offset;
    if (a->priority != b->priority)
        return a->priority < b->priority;
    return ai < bi;
}

static int try_elect(struct controller *c, struct ctl_group *g, uint32_t brokers)
{
    uint32_t valid = 0;
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if ((brokers >> r & 1) && g->r[r].registered && g->r[r].active)   /* validPredicate: isBrokerActive */
            valid |= 1u << r;
    if (!valid)
        return -1;
    if (g->master >= 0 && (valid >> g->master & 1))
        return g->master;   /* the old master is still valid */
    int best = -1;
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if ((valid >> r & 1) && (best < 0 || (!c->broken && better(&g->r[r], r, &g->r[best], best))))
            best = r;
    return best;
}

/* ReplicasInfoManager.electMaster; requester -1 when the controller triggers it (the master went
 * inactive, or the periodic re-election). Returns the response code; the group's state is updated. */
static int elect(struct controller *c, int gi, int requester)
{
    struct ctl_group *g = &c->g[gi];
    struct rmq_world *w = c->base.w;
    int m = -1;
    if (!g->elected_once && requester >= 0) {
        m = requester;   /* the first election of a broker set elects the requester */
    } else {
        uint32_t all = 0;
        for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
            all |= (uint32_t)(g->r[r].registered != 0) << r;
        m = try_elect(c, g, c->broken ? all : g->sss);
        if (m < 0 && c->cfg.elect_unclean)
            m = try_elect(c, g, all);   /* enableElectUncleanMaster: any replica */
    }
    if (m >= 0 && m == g->master)
        return CTL_MASTER_STILL_EXIST;
    struct trace *tr = trace_of(c);
    if (m < 0) {
        if (requester >= 0 || g->master < 0)
            return CTL_MASTER_NOT_AVAILABLE;
        /* ElectMasterEvent(false): the old master is dropped, its SyncStateSet kept; masterEpoch moves on
         * (SyncStateInfo.updateMasterInfo). */
        g->master = -1;
        g->master_epoch++;
        if (trace_on(tr, TRACE_EVENTS)) {
            trace_begin(tr, node_now(c->n), c->n->name, "controller.no_master");
            trace_str(tr, "group", w->g[gi].name);
            trace_int(tr, "epoch", g->master_epoch);
            trace_end(tr);
        }
        notify(c, gi);
        return CTL_MASTER_NOT_AVAILABLE;
    }
    g->elected_once = 1;
    g->master = m;
    g->master_epoch++;
    g->sss_epoch++;
    g->sss = 1u << m;   /* the new SyncStateSet is the new master alone */
    report_elected(&w->rep, gi, g->master_epoch);
    if (trace_on(tr, TRACE_EVENTS)) {
        trace_begin(tr, node_now(c->n), c->n->name, "controller.elect");
        trace_str(tr, "group", w->g[gi].name);
        trace_str(tr, "master", sim_node(c->n->sim, w->g[gi].node[m])->name);
        trace_int(tr, "epoch", g->master_epoch);
        trace_uint(tr, "max_offset", g->r[m].max_offset);
        trace_end(tr);
    }
    notify(c, gi);
    return RMQ_SUCCESS;
}

/* onBrokerInactive: a master gone inactive makes the controller elect (ControllerManager). */
static void inactive(struct controller *c, int gi, int r, const char *why)
{
    struct ctl_group *g = &c->g[gi];
    g->r[r].active = 0;
    struct trace *tr = trace_of(c);
    if (trace_on(tr, TRACE_EVENTS)) {
        trace_begin(tr, node_now(c->n), c->n->name, "controller.inactive");
        trace_str(tr, "broker", sim_node(c->n->sim, g->r[r].node)->name);
        trace_str(tr, "why", why);
        trace_end(tr);
    }
    if (r == g->master) {
        report_detected(&c->base.w->rep, gi);
        elect(c, gi, -1);
    }
}

static void on_heartbeat(struct controller *c, const struct sim_msg *m, const struct ctl_heartbeat *hb)
{
    struct ctl_replica *x = &c->g[hb->group].r[hb->replica];
    x->registered = 1;
    x->active = 1;
    x->node = m->from;
    x->conn = m->conn;
    x->last_hb = node_now(c->n);
    x->epoch = hb->epoch;
    x->max_offset = hb->max_offset;
    x->priority = hb->priority;
}

static void on_message(struct sim_node *n, const struct sim_msg *m)
{
    struct controller *c = n->model;
    struct rpc_hdr h;
    const void *body;
    uint32_t len;
    if (rpc_on_message(&c->rpc, m) || rpc_parse(m, &h, &body, &len) < 0)
        return;
    struct rpc_ctx ctx = rpc_ctx_of(m);
    if (h.code == CTL_HEARTBEAT) {
        struct ctl_heartbeat hb;
        if (len < sizeof hb)
            return;
        memcpy(&hb, body, sizeof hb);
        if (hb.group < c->ngroups && hb.replica < RMQ_MAX_REPLICAS)
            on_heartbeat(c, m, &hb);
        rpc_reply(n, ctx, RMQ_SUCCESS, NULL, 0, 0);
        return;
    }
    struct ctl_req q;
    if (len < sizeof q || (memcpy(&q, body, sizeof q), q.group >= c->ngroups || q.replica >= RMQ_MAX_REPLICAS)) {
        rpc_reply(n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    struct ctl_group *g = &c->g[q.group];
    int code = RMQ_SUCCESS;
    if (h.code == CTL_ELECT) {
        code = elect(c, q.group, q.replica);
    } else if (h.code == CTL_ALTER_SSS) {
        /* ReplicasInfoManager.alterSyncStateSet: only the current master at its epochs, a set that holds
         * it, and only active members. */
        int ok = q.replica == g->master && q.master_epoch == g->master_epoch && q.sss_epoch == g->sss_epoch &&
                 (q.sss >> q.replica & 1);
        for (int r = 0; ok && r < RMQ_MAX_REPLICAS; r++)
            if ((q.sss >> r & 1) && !(g->r[r].registered && g->r[r].active))
                ok = 0;
        if (ok) {
            g->sss = q.sss;
            g->sss_epoch++;
        } else {
            code = CTL_ALTER_FAILED;
        }
    } else if (h.code != CTL_GET_INFO) {
        code = RMQ_REQUEST_CODE_NOT_SUPPORTED;
    }
    struct ctl_info i = info_of(c, q.group);
    rpc_reply(n, ctx, code, &i, sizeof i, 0);
}

static void on_timer(struct sim_node *n, uint64_t tag)
{
    struct controller *c = n->model;
    if (rpc_on_timer(&c->rpc, tag))
        return;
    sim_time now = node_now(n);
    if (tag == CT_SCAN) {
        /* DefaultBrokerHeartbeatManager.scanNotActiveBroker */
        for (int gi = 0; gi < c->ngroups; gi++)
            for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
                if (c->g[gi].r[r].active && now - c->g[gi].r[r].last_hb > c->cfg.heartbeat_timeout)
                    inactive(c, gi, r, "timeout");
        node_timer(n, c->cfg.scan_interval, CT_SCAN);
    } else if (tag == CT_REELECT) {
        for (int gi = 0; gi < c->ngroups; gi++)
            if (c->g[gi].elected_once && c->g[gi].master < 0)
                elect(c, gi, -1);
        node_timer(n, c->cfg.scan_inactive_master, CT_REELECT);
    }
}

static void on_conn(struct sim_node *n, sim_conn cn, enum sim_conn_ev ev, sim_node_id peer, uint64_t tag)
{
    struct controller *c = n->model;
    (void)peer;
    (void)tag;
    if (rpc_on_conn(&c->rpc, cn, ev) || ev != SIM_CONN_CLOSED)
        return;
    /* BrokerHousekeepingService.onChannelClose: the broker is inactive at once. */
    for (int gi = 0; gi < c->ngroups; gi++)
        for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
            if (c->g[gi].r[r].active && c->g[gi].r[r].conn == cn)
                inactive(c, gi, r, "channel_closed");
}

static void on_start(struct sim_node *n)
{
    struct controller *c = n->model;
    rpc_reset(&c->rpc);
    /* Heartbeats are not persisted: after a restart every broker is unknown until it beats again. */
    for (int gi = 0; gi < c->ngroups; gi++)
        for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
            c->g[gi].r[r].active = 0;
    node_timer(n, c->cfg.scan_initial, CT_SCAN);
    node_timer(n, c->cfg.scan_inactive_master, CT_REELECT);
}

static const struct sim_node_ops controller_ops = {
    .start = on_start, .on_message = on_message, .on_timer = on_timer, .on_conn = on_conn,
};

static void on_reply(struct sim_node *n, uint64_t tag, int status, const void *body, uint32_t len)
{
    (void)n, (void)tag, (void)status, (void)body, (void)len;   /* a broker's notify answer says nothing */
}

struct controller *controller_create(struct rmq_world *w, const char *name, const struct controller_cfg *cfg)
{
    struct controller *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->base.w = w;
    c->base.kind = RMQ_CONTROLLER;
    c->cfg = *cfg;
    c->ngroups = w->ngroups;
    c->g = calloc((size_t)w->ngroups, sizeof *c->g);
    sim_node_id id = c->g ? sim_node_add(w->sim, name, &controller_ops, c) : SIM_NODE_NONE;
    if (id == SIM_NODE_NONE) {
        free(c->g);
        free(c);
        return NULL;
    }
    for (int gi = 0; gi < c->ngroups; gi++) {
        c->g[gi].master = -1;
        c->g[gi].seen_node = SIM_NODE_NONE;
    }
    c->n = sim_node(w->sim, id);
    rpc_init(&c->rpc, c->n, on_reply);
    return c;
}

void controller_free(struct controller *c)
{
    if (!c)
        return;
    rpc_free(&c->rpc);
    free(c->g);
    free(c);
}

sim_node_id controller_node(const struct controller *c) { return c->n->id; }
struct ctl_info controller_info(const struct controller *c, int gi) { return info_of(c, gi); }
void controller_break_election(struct controller *c) { c->broken = 1; }

void controller_check_master(struct controller *c, int gi, int32_t epoch, sim_node_id node)
{
    struct ctl_group *g = &c->g[gi];
    struct report *rep = &c->base.w->rep;
    rep->invariant_checks++;
    if (epoch < g->seen_epoch)
        report_violation(rep, "master_epoch_went_back", gi, node, epoch, g->seen_epoch);
    else if (epoch == g->seen_epoch && node != g->seen_node && g->seen_node != SIM_NODE_NONE)
        report_violation(rep, "two_masters_one_epoch", gi, node, epoch, -1);
    if (epoch >= g->seen_epoch) {
        g->seen_epoch = epoch;
        g->seen_node = node;
    }
}
