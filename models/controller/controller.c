/* controller: the active controller of RIP-44. BrokerHeartbeatManager (heartbeats, the scan for expired
 * ones, a closed channel), ReplicasInfoManager (electMaster, alterSyncStateSet, getReplicaInfo),
 * DefaultElectPolicy (who may be master; their order is elect_policy.c's), ControllerManager (the election
 * an inactive master triggers, the notifications to the brokers) and the periodic re-election where a
 * group's master is no longer alive (DLedgerController.scanInactiveMasterAndTriggerReelect). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/controller/controller.h"
#include "models/controller/controller_int.h"
#include "models/report/report.h"

static struct trace *trace_of(struct controller *c) { return sim_trace(c->n->sim); }

struct ctl_info ctl_info_of(const struct controller *c, int gi)
{
    const struct ctl_group *g = &c->g[gi];
    struct ctl_info i = {(uint16_t)gi, (int16_t)g->master, g->master_epoch, g->sss_epoch, g->sss};
    return i;
}

/* The age test is isBrokerActive's own: a broker whose last heartbeat is older than the timeout is not
 * alive to an election, an alterSyncStateSet or a notify even before the 5 s scan (scanNotActiveBroker)
 * removes it from the table, which is what triggers the election of an inactive master. */
static int expired(const struct controller *c, const struct ctl_replica *x)
{
    return node_now(c->n) - x->last_hb > c->cfg.heartbeat_timeout;   /* (last + timeout) < now */
}

int ctl_alive(const struct controller *c, const struct ctl_replica *x)
{
    return x->registered && x->active && !expired(c, x);
}

/* notifyBrokerRoleChanged: every replica of the group the controller knows alive is told (ControllerManager
 * .notifyBrokerRoleChanged through BrokerHousekeepingService's channels, filtered by isBrokerActive). */
void ctl_notify(struct controller *c, int gi)
{
    if (!c->cfg.notify_role_changed)
        return;
    struct ctl_info i = ctl_info_of(c, gi);
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if (ctl_alive(c, &c->g[gi].r[r]))
            rpc_call(&c->rpc, c->g[gi].r[r].node, CTL_NOTIFY, &i, sizeof i, 0, c->cfg.request_timeout, 0);
}

/* DefaultElectPolicy.tryElect on the brokers of the mask: the alive ones (validPredicate: isBrokerActive);
 * the old master if still among them and no other broker is designated; the designated broker (prefer >= 0,
 * the admin's ElectMasterRequestHeader.designateElect) if among them, else nobody; otherwise the first of the
 * TreeSet DefaultElectPolicy orders (ctl_elect_first, elect_policy.c). */
static int try_elect(struct controller *c, struct ctl_group *g, uint32_t brokers, int prefer)
{
    uint32_t valid = 0;
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if ((brokers >> r & 1) && ctl_alive(c, &g->r[r]))   /* validPredicate: isBrokerActive */
            valid |= 1u << r;
    if (!valid)
        return -1;
    if (g->master >= 0 && (valid >> g->master & 1) && (prefer < 0 || prefer == g->master))
        return g->master;   /* the old master is still valid */
    if (prefer >= 0)
        return valid >> prefer & 1 ? prefer : -1;   /* the designated broker, or nobody */
    if (c->broken)
        return __builtin_ctz(valid);   /* test only: the lowest index */
    return ctl_elect_first(g, valid);
}

/* ReplicasInfoManager.electMaster as a decision on the current state, which it leaves alone: the response
 * code, and in ev the event to apply (EV_NONE: nothing changes). requester -1 when the controller triggers
 * it (the master went inactive, or the periodic re-election); designate: the admin's request to elect
 * requester (ElectMasterRequestHeader.ofAdminTrigger, mqadmin electMaster -b). */
int ctl_decide_elect(struct controller *c, int gi, int requester, int designate, struct ctl_event *ev)
{
    struct ctl_group *g = &c->g[gi];
    int m = -1;
    ev->type = EV_NONE;
    ev->group = gi;
    if (!g->elected_once && requester >= 0) {
        m = requester;   /* the first election of a broker set elects the requester */
    } else {
        uint32_t all = 0;
        for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
            all |= (uint32_t)(g->r[r].registered != 0) << r;
        int prefer = designate ? requester : -1;
        m = try_elect(c, g, c->broken ? all : g->sss, prefer);
        if (m < 0 && c->cfg.elect_unclean)
            m = try_elect(c, g, all, prefer);   /* enableElectUncleanMaster: any replica */
    }
    if (m >= 0 && m == g->master)
        return CTL_MASTER_STILL_EXIST;
    if (m < 0 && requester >= 0)
        return CTL_ELECT_MASTER_FAILED;   /* a request with a brokerId: no event */
    /* m < 0: ElectMasterEvent(false), the old master dropped; the controller's own election appends it
     * each time it fails, a master already dropped or not */
    ev->type = EV_ELECT;
    ev->replica = m;
    return m < 0 ? CTL_MASTER_NOT_AVAILABLE : RMQ_SUCCESS;
}

static const char *code_name(int code)
{
    switch (code) {
    case RMQ_SUCCESS: return "SUCCESS";
    case CTL_MASTER_NOT_AVAILABLE: return "CONTROLLER_MASTER_NOT_AVAILABLE";
    case CTL_NOT_LEADER: return "CONTROLLER_NOT_LEADER";
    case CTL_MASTER_STILL_EXIST: return "CONTROLLER_MASTER_STILL_EXIST";
    case CTL_ELECT_MASTER_FAILED: return "CONTROLLER_ELECT_MASTER_FAILED";
    case RMQ_SYSTEM_BUSY: return "SYSTEM_BUSY";
    case -1: return "NO_CONTROLLER";
    default: return "SYSTEM_ERROR";
    }
}

void ctl_trace_admin_elect(struct controller *c, int gi, int r, int code)
{
    struct trace *tr = trace_of(c);
    struct rmq_world *w = c->base.w;
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, node_now(c->n), c->n->name, "controller.admin_elect");
    trace_str(tr, "group", w->g[gi].name);
    trace_str(tr, "broker", sim_node(c->n->sim, w->g[gi].node[r])->name);
    trace_str(tr, "result", code_name(code));
    trace_int(tr, "code", code);
    trace_end(tr);
}

/* ReplicasInfoManager.alterSyncStateSet: a set other than the current one ("The newSyncStateSet is equal with
 * oldSyncStateSet", refused before anything else), only from the current master at its epochs, a set that
 * holds it, and only active members. */
int ctl_decide_alter(struct controller *c, const struct ctl_req *q, struct ctl_event *ev)
{
    struct ctl_group *g = &c->g[q->group];
    int ok = q->sss != g->sss && q->replica == g->master && q->master_epoch == g->master_epoch &&
             q->sss_epoch == g->sss_epoch && (q->sss >> q->replica & 1);
    for (int r = 0; ok && r < RMQ_MAX_REPLICAS; r++)
        if ((q->sss >> r & 1) && !ctl_alive(c, &g->r[r]))
            ok = 0;
    ev->type = ok ? EV_ALTER : EV_NONE;
    ev->group = q->group;
    ev->sss = q->sss;
    return ok ? RMQ_SUCCESS : CTL_ALTER_FAILED;
}

/* ReplicasInfoManager.getNextBrokerId: MixAll.FIRST_BROKER_CONTROLLER_ID (1) while no broker of the set is
 * registered, else BrokerReplicaInfo.nextAssignBrokerId. Brokers that ask at the same time get the same id;
 * the first application wins (ctl_decide_apply_id). */
int32_t ctl_next_id(const struct controller *c, int gi)
{
    return c->g[gi].next_id ? c->g[gi].next_id : 1;
}

/* ReplicasInfoManager.applyBrokerId: an unregistered set takes only brokerId 1; a registered one any id not
 * held, or held by the same broker (the register check code: an application again after its answer was
 * lost); otherwise CONTROLLER_BROKER_ID_INVALID and the broker starts its registration over. */
int ctl_decide_apply_id(struct controller *c, const struct ctl_id_req *q, struct ctl_event *ev)
{
    const struct ctl_group *g = &c->g[q->group];
    ev->type = EV_NONE;
    ev->group = q->group;
    ev->replica = q->replica;
    ev->sss = (uint32_t)q->id;
    int ok = q->id >= 1 && q->id < CTL_IDS_MAX &&
             (g->next_id ? !g->id_owner[q->id] || g->id_owner[q->id] == q->replica + 1 : q->id == 1);
    if (ok)
        ev->type = EV_REGISTER;   /* ApplyBrokerIdEvent */
    return ok ? RMQ_SUCCESS : CTL_BROKER_ID_INVALID;
}

/* ReplicasInfoManager.registerBroker (registerBrokerToController at a broker's start): the master and its
 * epochs only `if (syncStateInfo.isMasterExist() && alivePredicate.check(...masterBrokerId))`, the
 * SyncStateSet always; a master the controller no longer counts alive (DefaultBrokerHeartbeatManager
 * .isBrokerActive) is not named, and the broker, knowing no master, asks for an election (brokerElect).
 * getReplicaInfo, the brokers' poll, names the master whether alive or not (ctl_info_of). */
int ctl_register_answer(const struct controller *c, const struct ctl_req *q, struct ctl_info *i)
{
    const struct ctl_group *g = &c->g[q->group];
    *i = ctl_info_of(c, q->group);
    if (!g->r[q->replica].registered)
        return CTL_NEED_TO_BE_REGISTERED;
    if (g->master < 0 || !ctl_alive(c, &g->r[g->master])) {
        i->master = -1;
        i->master_epoch = i->sss_epoch = 0;   /* the response header's epochs are set with the master only */
    }
    return RMQ_SUCCESS;
}

static void trace_broker_id(struct controller *c, int gi, int r, int32_t id)
{
    struct trace *tr = trace_of(c);
    struct rmq_world *w = c->base.w;
    if (!trace_on(tr, TRACE_EVENTS) || (c->raft && !c->serving))
        return;   /* under a group the leader traces it; a member replaying its log is silent */
    trace_begin(tr, node_now(c->n), c->n->name, "controller.broker_id");
    trace_str(tr, "group", w->g[gi].name);
    trace_str(tr, "broker", sim_node(c->n->sim, w->g[gi].node[r])->name);
    trace_int(tr, "id", id);
    trace_end(tr);
}

/* A new masterEpoch is traced and reported by the first member that applies it: the leader that commits
 * it, also when an earlier leadership appended it (a leader's uncommitted entries, committed by the next
 * leader's first entry). A member that replays its log after a restart applies old epochs again, silently. */
static int announce(struct controller *c, int gi)
{
    if (c->g[gi].master_epoch <= c->announced[gi])
        return 0;
    c->announced[gi] = c->g[gi].master_epoch;
    return 1;
}

/* ReplicasInfoManager.applyEvent (handleElectMaster, handleAlterSyncStateSet, the broker registration):
 * the same on every controller, in log order. */
void ctl_apply(struct controller *c, const struct ctl_event *ev)
{
    struct ctl_group *g = &c->g[ev->group];
    struct rmq_world *w = c->base.w;
    struct trace *tr = trace_of(c);
    if (ev->type == EV_REGISTER) {
        /* handleApplyBrokerId: the first registration of the set creates it (nextAssignBrokerId 1); an id
         * not held yet is added (BrokerReplicaInfo.addBroker: nextAssignBrokerId + 1) */
        int32_t id = (int32_t)ev->sss;
        if (id < 1 || id >= CTL_IDS_MAX)
            return;
        if (!g->next_id)
            g->next_id = 1;
        if (!g->id_owner[id]) {
            g->id_owner[id] = (int8_t)(ev->replica + 1);
            g->next_id++;
        }
        if (g->id_owner[id] == ev->replica + 1) {
            g->r[ev->replica].registered = 1;
            g->r[ev->replica].id = id;
            trace_broker_id(c, ev->group, ev->replica, id);
        }
    } else if (ev->type == EV_ALTER) {
        g->sss = ev->sss;
        g->sss_epoch++;
    } else if (ev->type == EV_ELECT && ev->replica < 0) {
        /* ElectMasterEvent(false): the old master is dropped, its SyncStateSet kept; masterEpoch moves on
         * (SyncStateInfo.updateMasterInfo). */
        g->master = -1;
        g->master_epoch++;
        if (announce(c, ev->group) && trace_on(tr, TRACE_EVENTS)) {
            trace_begin(tr, node_now(c->n), c->n->name, "controller.no_master");
            trace_str(tr, "group", w->g[ev->group].name);
            trace_int(tr, "epoch", g->master_epoch);
            trace_end(tr);
        }
    } else if (ev->type == EV_ELECT) {
        int m = ev->replica;
        g->elected_once = 1;
        g->master = m;
        g->master_epoch++;
        g->sss_epoch++;
        g->sss = 1u << m;   /* the new SyncStateSet is the new master alone */
        if (!announce(c, ev->group))
            return;
        report_elected(&w->rep, ev->group, g->master_epoch);
        if (trace_on(tr, TRACE_EVENTS)) {
            trace_begin(tr, node_now(c->n), c->n->name, "controller.elect");
            trace_str(tr, "group", w->g[ev->group].name);
            trace_str(tr, "master", sim_node(c->n->sim, w->g[ev->group].node[m])->name);
            trace_int(tr, "epoch", g->master_epoch);
            trace_uint(tr, "max_offset", g->r[m].max_offset);
            trace_end(tr);
        }
    }
}

/* One controller: decided and applied at once; a success is told to the brokers (ControllerManager and
 * ControllerRequestProcessor notify only a SUCCESS). */
static int elect(struct controller *c, int gi, int requester, int designate)
{
    struct ctl_event ev;
    int code = ctl_decide_elect(c, gi, requester, designate, &ev);
    if (ev.type != EV_NONE)
        ctl_apply(c, &ev);
    if (code == RMQ_SUCCESS)
        ctl_notify(c, gi);
    return code;
}

/* ControllerManager.triggerElectMaster: the controller found the group's master gone and elects; under a
 * group as a request the serving leader appends. */
static void trigger_elect(struct controller *c, int gi)
{
    report_detected(&c->base.w->rep, gi);
    if (!c->raft) {
        /* up to electMasterMaxRetryCount attempts, each failure an ElectMasterEvent(false) */
        for (int k = 0; k < c->cfg.elect_retries; k++)
            if (elect(c, gi, -1, 0) == RMQ_SUCCESS)
                break;
    } else {
        struct ctl_req q = {(uint16_t)gi, 0, 0, 0, 0};
        ctlg_request(c, CTL_ELECT, &q, (struct rpc_ctx){0, 0}, 1);
    }
}

/* onBrokerInactive: a master gone inactive makes the controller elect (ControllerManager; under a group
 * only the leader does, ControllerManager.onBrokerInactive checks isLeaderState). */
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
    if (r == g->master && (!c->raft || c->serving))
        trigger_elect(c, gi);
}

/* BrokerHeartbeatManager.onBrokerHeartbeat. Under a group every controller hears every broker
 * (ReplicasManager.sendHeartbeatToController sends to all controller addresses); registration is an event
 * the leader appends. */
void ctl_heartbeat_seen(struct controller *c, const struct sim_msg *m, const struct ctl_heartbeat *hb)
{
    struct ctl_replica *x = &c->g[hb->group].r[hb->replica];
    /* A broker in the table keeps the larger (epoch, max offset) of what it reported: a heartbeat after its
     * log shrank at the same epoch (a host crash and restart within the timeout) does not lower it. One the
     * scan or a closed channel removed comes back with what it reports. */
    if (!x->active || hb->epoch > x->epoch || (hb->epoch == x->epoch && hb->max_offset > x->max_offset)) {
        x->epoch = hb->epoch;
        x->max_offset = hb->max_offset;
    }
    /* The live table is not the registration: a broker has a brokerId (ApplyBrokerIdEvent) before its first
     * heartbeat, which carries it (ControllerRequestProcessor.handleBrokerHeartbeat refuses one without) */
    /* DefaultBrokerHeartbeatManager.onBrokerHeartbeat: the address and the channel are taken when the broker
     * enters the live table (prev == null), and kept while it stays: a heartbeat that comes late on a channel
     * the broker has since closed (held by TCP through a partition) does not make that channel the broker's,
     * so its close removes nobody; a broker that reconnected within the timeout stays on its first channel,
     * whose close removes it (onBrokerChannelClose) though it heartbeats on the new one. */
    if (!x->active) {
        x->node = m->from;
        x->conn = m->conn;
    }
    x->active = 1;
    x->heard = 1;
    x->last_hb = node_now(c->n);
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
            ctl_heartbeat_seen(c, m, &hb);
        rpc_reply(n, ctx, RMQ_SUCCESS, NULL, 0, 0);
        return;
    }
    if (c->raft && ctlg_on_request(c, (uint16_t)h.code, ctx, body, len))
        return;
    if (h.code == CTL_NEXT_ID || h.code == CTL_APPLY_ID) {
        struct ctl_id_req iq;
        if (len < sizeof iq ||
            (memcpy(&iq, body, sizeof iq), iq.group >= c->ngroups || iq.replica >= RMQ_MAX_REPLICAS)) {
            rpc_reply(n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
            return;
        }
        if (c->raft) {   /* the id rides in the job's sss */
            struct ctl_req q = {iq.group, iq.replica, 0, 0, (uint32_t)iq.id};
            ctlg_request(c, (uint16_t)h.code, &q, ctx, 0);
            return;
        }
        if (h.code == CTL_NEXT_ID) {
            iq.id = ctl_next_id(c, iq.group);
            rpc_reply(n, ctx, RMQ_SUCCESS, &iq, sizeof iq, 0);
            return;
        }
        struct ctl_event ev;
        int code = ctl_decide_apply_id(c, &iq, &ev);
        if (ev.type != EV_NONE)
            ctl_apply(c, &ev);
        rpc_reply(n, ctx, code, NULL, 0, 0);
        return;
    }
    struct ctl_req q;
    if (len < sizeof q || (memcpy(&q, body, sizeof q), q.group >= c->ngroups || q.replica >= RMQ_MAX_REPLICAS)) {
        rpc_reply(n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    if (h.code != CTL_ELECT && h.code != CTL_ALTER_SSS && h.code != CTL_GET_INFO && h.code != CTL_REGISTER) {
        struct ctl_info i = ctl_info_of(c, q.group);
        rpc_reply(n, ctx, RMQ_REQUEST_CODE_NOT_SUPPORTED, &i, sizeof i, 0);
        return;
    }
    if (c->raft) {
        ctlg_request(c, (uint16_t)h.code, &q, ctx, 0);
        return;
    }
    int code = RMQ_SUCCESS;
    if (h.code == CTL_REGISTER) {
        struct ctl_info i;
        code = ctl_register_answer(c, &q, &i);
        rpc_reply(n, ctx, code, &i, sizeof i, 0);
        return;
    }
    if (h.code == CTL_ELECT) {
        code = elect(c, q.group, q.replica, 0);
    } else if (h.code == CTL_ALTER_SSS) {
        struct ctl_event ev;
        code = ctl_decide_alter(c, &q, &ev);
        if (ev.type != EV_NONE)
            ctl_apply(c, &ev);
    }
    struct ctl_info i = ctl_info_of(c, q.group);
    rpc_reply(n, ctx, code, &i, sizeof i, 0);
}

/* DLedgerController.scanInactiveMasterAndTriggerReelect on the leader of a group
 * (ReplicasInfoManager.scanNeedReelectBrokerSets: a master that is not alive while another replica is; a
 * group without a master is left to its brokers, which ask for an election on their 5 s poll). */
static int needs_reelect(const struct controller *c, const struct ctl_group *g)
{
    if (!g->elected_once || g->master < 0 || ctl_alive(c, &g->r[g->master]))
        return 0;
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if (ctl_alive(c, &g->r[r]))
            return 1;
    return 0;
}

/* The scan that found a master not alive elects at once: "controller.reelect" marks that moment (the failover's
 * detected_ms), which the heartbeat table's own scan may trace as controller.inactive only later. */
static void reelect_scan(struct controller *c)
{
    for (int gi = 0; gi < c->ngroups; gi++) {
        const struct ctl_group *g = &c->g[gi];
        if (!needs_reelect(c, g))
            continue;
        struct trace *tr = trace_of(c);
        if (trace_on(tr, TRACE_EVENTS)) {
            trace_begin(tr, node_now(c->n), c->n->name, "controller.reelect");
            trace_str(tr, "group", c->base.w->g[gi].name);
            trace_str(tr, "master", sim_node(c->n->sim, g->r[g->master].node)->name);
            trace_end(tr);
        }
        trigger_elect(c, gi);
    }
}

static void on_timer(struct sim_node *n, uint64_t tag)
{
    struct controller *c = n->model;
    if (rpc_on_timer(&c->rpc, tag))
        return;
    if (tag == CT_SCAN) {
        /* DefaultBrokerHeartbeatManager.scanNotActiveBroker: an expired broker leaves the table and its channel
         * is closed (RemotingHelper.closeChannel; the close's onBrokerChannelClose finds nobody on it): what
         * the broker has in flight on it fails when the close reaches it, and its next heartbeat connects
         * anew. */
        for (int gi = 0; gi < c->ngroups; gi++)
            for (int r = 0; r < RMQ_MAX_REPLICAS; r++) {
                struct ctl_replica *x = &c->g[gi].r[r];
                if (!x->active || !expired(c, x))
                    continue;
                inactive(c, gi, r, "timeout");
                if (x->conn && node_conn_open(n, x->conn))
                    node_conn_close(n, x->conn);
            }
        node_timer(n, c->cfg.scan_interval, CT_SCAN);
    } else if (tag == CT_REELECT && !c->raft) {
        /* scanNeedReelectBrokerSets as under a group (after the controller's restart a dead master never
         * heartbeats, so no scan of the table finds it expired: this one does) */
        reelect_scan(c);
        node_timer(n, c->cfg.scan_inactive_master, CT_REELECT);
    } else if ((tag & 0xff) == CT_REELECT && c->raft) {
        /* the leader's schedule; a member that lost the lead cancels it (cancelScanInactiveFuture) */
        if (!c->serving || tag >> 8 != c->reelect_gen)
            return;
        reelect_scan(c);
        node_timer(n, c->cfg.scan_inactive_master, tag);
    } else if ((tag & 0xff) == CT_RAFT && c->raft) {
        ctlg_on_timer(c, tag >> 8);
    } else if (tag == CT_FIRST && c->raft) {
        ctlg_first_entry(c);
    } else if ((tag & 0xff) == CT_APPEND_WAIT && c->raft) {
        ctlg_append_wait_over(c, tag);
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
            c->g[gi].r[r].active = c->g[gi].r[r].heard = 0;
    node_timer(n, c->cfg.scan_initial, CT_SCAN);
    if (c->raft)
        ctlg_start(c);
    else
        node_timer(n, c->cfg.scan_inactive_master, CT_REELECT);
}

static const struct sim_node_ops controller_ops = {
    .start = on_start, .on_message = on_message, .on_timer = on_timer, .on_conn = on_conn,
};

static void on_reply(struct sim_node *n, uint64_t tag, int status, const void *body, uint32_t len)
{
    struct controller *c = n->model;
    if (c->raft && tag)
        ctlg_on_reply(c, tag, status, body, len);   /* the DLedger member's answers */
    /* a broker's notify answer says nothing */
}

static struct controller *create_one(struct rmq_world *w, const char *name, const struct controller_cfg *cfg,
                                     int32_t *announced)
{
    struct controller *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->base.w = w;
    c->base.kind = RMQ_CONTROLLER;
    c->cfg = *cfg;
    c->ngroups = w->ngroups;
    c->g = calloc((size_t)w->ngroups, sizeof *c->g);
    c->announced = announced;
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

static void free_one(struct controller *c)
{
    if (!c)
        return;
    ctlg_free(c);
    rpc_free(&c->rpc);
    free(c->g);
    free(c);
}

struct controller *controller_create(struct rmq_world *w, const struct controller_cfg *cfg)
{
    int32_t *announced = calloc((size_t)w->ngroups, sizeof *announced);   /* one for all members */
    if (!announced)
        return NULL;
    if (cfg->count <= 1) {
        struct controller *c = create_one(w, "controller-0", cfg, announced);
        if (!c)
            free(announced);
        return c;
    }
    struct controller **m = calloc((size_t)cfg->count, sizeof *m);
    if (!m) {
        free(announced);
        return NULL;
    }
    char name[32];
    for (int k = 0; k < cfg->count; k++) {
        snprintf(name, sizeof name, "controller-%d", k);
        if (!(m[k] = create_one(w, name, cfg, announced)))
            goto fail;
        m[k]->self = k;
        m[k]->members = m;
    }
    for (int k = 0; k < cfg->count; k++)
        if (ctlg_init(m[k]) < 0)
            goto fail;
    return m[0];
fail:
    for (int k = 0; k < cfg->count; k++)
        free_one(m[k]);
    free(m);
    free(announced);
    return NULL;
}

void controller_free(struct controller *c)
{
    if (!c)
        return;
    int32_t *announced = c->announced;   /* shared by the members */
    struct controller **m = c->members;
    int n = m ? c->cfg.count : 1;        /* c is m[0]: freed in the loop */
    for (int k = 0; k < n; k++)
        free_one(m ? m[k] : c);
    free(m);
    free(announced);
}

int controller_count(const struct controller *c) { return c->members ? c->cfg.count : 1; }

static const struct controller *member(const struct controller *c, int k)
{
    return c->members ? c->members[k] : c;
}

sim_node_id controller_node_at(const struct controller *c, int k) { return member(c, k)->n->id; }
sim_node_id controller_node(const struct controller *c) { return c->n->id; }

int controller_leader(const struct controller *c)
{
    if (!c->members)
        return 0;
    for (int k = 0; k < controller_count(c); k++)   /* a crashed one keeps its memory, not its role */
        if (member(c, k)->serving && member(c, k)->n->state == SIM_NODE_UP)
            return k;
    return -1;
}

struct ctl_info controller_info_at(const struct controller *c, int k, int gi) { return ctl_info_of(member(c, k), gi); }

struct ctl_info controller_info(const struct controller *c, int gi)
{
    if (!c->members)
        return ctl_info_of(c, gi);
    int k = controller_leader(c), best = 0;
    if (k >= 0)
        return ctl_info_of(member(c, k), gi);
    for (int j = 1; j < c->cfg.count; j++)   /* no active controller: the one that applied most */
        if (member(c, j)->applied > member(c, best)->applied)
            best = j;
    return ctl_info_of(member(c, best), gi);
}

void controller_break_election(struct controller *c)
{
    for (int k = 0; k < controller_count(c); k++)
        ((struct controller *)member(c, k))->broken = 1;
}

void controller_admin_elect(struct controller *c, int gi, int r)
{
    if (!c->members) {
        if (c->n->state != SIM_NODE_UP) {
            ctl_trace_admin_elect(c, gi, r, -1);   /* the admin tool cannot connect */
            return;
        }
        ctl_trace_admin_elect(c, gi, r, elect(c, gi, r, 1));
        return;
    }
    int k = controller_leader(c);
    if (k < 0) {   /* every member answers CONTROLLER_NOT_LEADER, or none is up */
        int up = 0;
        for (int j = 0; j < c->cfg.count; j++)
            up |= c->members[j]->n->state == SIM_NODE_UP;
        ctl_trace_admin_elect(c, gi, r, up ? CTL_NOT_LEADER : -1);
        return;
    }
    ctlg_admin_elect(c->members[k], gi, r);
}

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
