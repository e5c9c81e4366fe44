/* broker_controller: a broker in controller mode (RIP-44; broker/.../controller/ReplicasManager.java,
 * store/.../ha/autoswitch/AutoSwitchHAService.java, EpochFileCache.java). It heartbeats the controller,
 * polls and is told the group's master and SyncStateSet, switches role without a restart (the new master is
 * SYNC_MASTER whatever its config, #6813), keeps the epoch file, truncates a diverged log in the slave's
 * handshake, and as master shrinks and expands the SyncStateSet and answers puts by inSyncReplicas /
 * allAckInSyncStateSet. Replication itself is the classic HA of ha.c. */
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/controller/controller.h"
#include "models/report/report.h"

#define EPOCHS_MAX 64

enum { CTL_T_HEARTBEAT = 1, CTL_T_SYNC, CTL_T_CHECK, CTL_T_META };
/* rpc tags of this file's requests (with BR_CTL; CTL_TAG_META carries the controller asked in bits 8-15) */
enum { CTL_TAG_HB = 1, CTL_TAG_INFO, CTL_TAG_ELECT, CTL_TAG_ALTER, CTL_TAG_EPOCH, CTL_TAG_META };

struct ctl_broker {
    struct ctl_info info;            /* what the broker knows of its group */
    int alter_pending;
    int handshake;                   /* an epoch handshake with this master node is in flight */
    sim_node_id handshake_with;
    sim_time caught_up[RMQ_MAX_REPLICAS];   /* lastCaughtUpTimeMs per slave */
    struct ctl_epoch_entry ep[EPOCHS_MAX];  /* the epoch file (EpochFileCache) */
    int nep;
    /* several controllers: controllerLeaderAddress (-1 unknown) and updateControllerMetadata's pass */
    int leader;
    int meta_busy, meta_known;
    uint64_t confirm;                /* the master's confirmOffset (DefaultMessageStore.setConfirmOffset) */
    uint32_t ha_sss;                 /* AutoSwitchHAService's syncStateSet: set only while the controller names
                                        this broker master (changeSyncStateSet); a demoted master keeps its own */
};

static struct trace *trace_of(struct broker *b) { return sim_trace(b->n->sim); }
static void update_confirm(struct broker *b);

static int popcount(uint32_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

static int replica_of(struct broker *b, sim_node_id node)
{
    const struct rmq_group *g = &b->base.w->g[b->group];
    for (int r = 0; r < g->n; r++)
        if (g->node[r] == node)
            return r;
    return -1;
}

static void epoch_append(struct ctl_broker *c, int32_t epoch, uint64_t start)
{
    if (c->nep && c->ep[c->nep - 1].epoch >= epoch)
        return;
    if (c->nep == EPOCHS_MAX) {
        memmove(c->ep, c->ep + 1, (EPOCHS_MAX - 1) * sizeof c->ep[0]);
        c->nep--;
    }
    c->ep[c->nep].epoch = epoch;
    c->ep[c->nep++].start = start;
}

/* The epoch of the broker's last data: the last entry that starts below its max offset. */
static int32_t data_epoch(const struct broker *b)
{
    const struct ctl_broker *c = b->ctl;
    for (int i = c->nep - 1; i >= 0; i--)
        if (c->ep[i].start < b->cl.max_offset)
            return c->ep[i].epoch;
    return c->nep ? c->ep[0].epoch : 0;
}

/* The controller requests go to: the one controller, or the leader the broker knows of a group
 * (ReplicasManager's controllerLeaderAddress; SIM_NODE_NONE while unknown). */
static sim_node_id ctl_target(struct broker *b)
{
    const struct rmq_world *w = b->base.w;
    if (w->nctl <= 1)
        return w->ctl_node;
    return b->ctl->leader >= 0 ? w->ctl_nodes[b->ctl->leader] : SIM_NODE_NONE;
}

static int request(struct broker *b, uint16_t code, uint32_t sss, uint64_t tag)
{
    struct ctl_req q = {(uint16_t)b->group, (uint16_t)b->replica, b->ctl->info.master_epoch,
                        b->ctl->info.sss_epoch, sss};
    sim_node_id to = ctl_target(b);
    if (to == SIM_NODE_NONE)
        return -1;
    rpc_call(&b->rpc, to, code, &q, sizeof q, 0, b->cfg.request_timeout, BR_CTL | tag);
    return 0;
}

/* ReplicasManager.sendHeartbeatToController: to every controller address. */
static void heartbeat(struct broker *b)
{
    const struct rmq_world *w = b->base.w;
    int32_t prio = b->replica < b->cfg.nelection_priorities ? b->cfg.election_priorities[b->replica]
                                                            : b->cfg.election_priority;
    struct ctl_heartbeat hb = {(uint16_t)b->group, (uint16_t)b->replica, data_epoch(b), b->cl.max_offset, prio};
    if (w->nctl <= 1) {
        rpc_call(&b->rpc, w->ctl_node, CTL_HEARTBEAT, &hb, sizeof hb, 0, b->cfg.request_timeout, BR_CTL | CTL_TAG_HB);
        return;
    }
    for (int k = 0; k < w->nctl; k++)
        rpc_call(&b->rpc, w->ctl_nodes[k], CTL_HEARTBEAT, &hb, sizeof hb, 0, b->cfg.request_timeout,
                 BR_CTL | CTL_TAG_HB);
}

/* ReplicasManager.updateControllerMetadata: asks the controllers in turn, the first that names a leader
 * decides; when none does, the known leader stays. */
static void ask_meta(struct broker *b, int k)
{
    b->ctl->meta_busy = 1;
    rpc_call(&b->rpc, b->base.w->ctl_nodes[k], CTL_METADATA, NULL, 0, 0, b->cfg.request_timeout,
             BR_CTL | CTL_TAG_META | (uint64_t)k << 8);
}

static void meta_answer(struct broker *b, int k, int status, const void *body, uint32_t len)
{
    struct ctl_broker *c = b->ctl;
    struct ctl_meta m = {-1};
    if (status == RMQ_SUCCESS && len >= sizeof m)
        memcpy(&m, body, sizeof m);
    if (m.leader < 0 || m.leader >= b->base.w->nctl) {
        if (k + 1 < b->base.w->nctl) {
            ask_meta(b, k + 1);
            return;
        }
        c->meta_busy = 0;
        /* schedulingSyncControllerMetadata: before the first success, again after 1 s */
        if (!c->meta_known)
            node_timer(b->n, SIM_S, BT(BT_CTL, CTL_T_META));
        return;
    }
    c->meta_busy = 0;
    c->leader = m.leader;
    if (!c->meta_known) {
        /* then the fixed-rate update (3 s, then every syncControllerMetadataPeriod), and startBasicService
         * goes on: the replica info, an election when there is no master */
        c->meta_known = 1;
        node_timer(b->n, 3 * SIM_S, BT(BT_CTL, CTL_T_META));
        request(b, CTL_GET_INFO, 0, CTL_TAG_INFO);
    }
}

static void trace_role(struct broker *b, const char *ev)
{
    struct trace *tr = trace_of(b);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, node_now(b->n), b->n->name, ev);
    trace_str(tr, "group", b->base.w->g[b->group].name);
    trace_str(tr, "role", b->role == RMQ_SLAVE ? "SLAVE" : "SYNC_MASTER");
    trace_int(tr, "id", b->id);
    trace_int(tr, "epoch", b->ctl->info.master_epoch);
    trace_uint(tr, "max_offset", b->cl.max_offset);
    trace_end(tr);
}

static void close_ha(struct broker *b)
{
    for (int i = 0; i < b->nhac; i++)
        if (b->hac[i].in_use)
            node_conn_close(b->n, b->hac[i].conn);
    if (b->ha_conn)
        node_conn_close(b->n, b->ha_conn);
}

/* ReplicasManager.changeToMaster, AutoSwitchHAService.changeToMaster: a new epoch entry at the log's end,
 * SYNC_MASTER (#6813), registration. The classic store dispatches as it stores, so the wait for the
 * dispatch to catch up is nil here. */
static void to_master(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    close_ha(b);
    b->role = RMQ_SYNC_MASTER;
    b->id = 0;
    b->master = SIM_NODE_NONE;
    ha_start(b);
    epoch_append(c, c->info.master_epoch, b->cl.max_offset);
    c->confirm = b->cl.max_offset;   /* changeToMaster: computeConfirmOffset over no connection yet */
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        c->caught_up[r] = node_now(b->n);
    controller_check_master(b->base.w->ctl, b->group, c->info.master_epoch, b->n->id);
    trace_role(b, "broker.role");
    report_promoted(&b->base.w->rep, b->group, b->n->id);
    broker_register_all(b);
}

/* ReplicasManager.changeToSlave: SLAVE with its own brokerId, then the handshake with the new master. */
static void to_slave(struct broker *b, sim_node_id master)
{
    struct ctl_broker *c = b->ctl;
    int was_master = b->role != RMQ_SLAVE;
    if (was_master || b->master != master) {
        close_ha(b);
        b->ha_conn = 0;
        b->ha_connecting = 0;
    }
    b->role = RMQ_SLAVE;
    b->id = b->replica + 1;
    if (was_master) {
        ha_start(b);
        trace_role(b, "broker.role");
        broker_register_all(b);
    }
    b->master = SIM_NODE_NONE;   /* HA waits for the handshake */
    c->handshake = 1;
    c->handshake_with = master;
    rpc_call(&b->rpc, master, CTL_EPOCH, NULL, 0, 0, b->cfg.request_timeout, BR_CTL | CTL_TAG_EPOCH);
}

static void apply_info(struct broker *b, const struct ctl_info *i)
{
    struct ctl_broker *c = b->ctl;
    if (i->master_epoch < c->info.master_epoch ||
        (i->master_epoch == c->info.master_epoch && i->sss_epoch < c->info.sss_epoch))
        return;   /* older than what the broker knows (ReplicasManager.changeBrokerRole) */
    int changed = i->master_epoch != c->info.master_epoch || i->master != c->info.master;
    int sss_changed = i->sss != c->info.sss;
    c->info = *i;
    if (i->master == b->replica)
        c->ha_sss = i->sss;
    if (sss_changed && b->role != RMQ_SLAVE && b->cfg.all_ack_in_sss)
        update_confirm(b);   /* AutoSwitchHAService.setSyncStateSet */
    if (i->master < 0)
        return;
    if (i->master == b->replica) {
        if (b->role == RMQ_SLAVE || changed) {
            if (b->role == RMQ_SLAVE)
                to_master(b);
            else
                epoch_append(c, i->master_epoch, b->cl.max_offset);
        }
        return;
    }
    sim_node_id m = b->base.w->g[b->group].node[i->master];
    if (b->role != RMQ_SLAVE || changed || (b->master != m && !c->handshake))
        to_slave(b, m);
}

static void unstore(void *ctx, uint32_t msg)
{
    struct broker *b = ctx;
    report_stored(&b->base.w->rep, msg, b->group, b->replica, 0);
}

/* The slave's side of the handshake: the consistent point of both epoch files (EpochFileCache
 * .findConsistentPoint), truncation to it (AutoSwitchHAClient.doTruncate), the master's epochs adopted. */
static void handshake_done(struct broker *b, const struct ctl_epochs *m)
{
    struct ctl_broker *c = b->ctl;
    uint64_t point = 0;
    int found = 0;
    for (int i = c->nep - 1; i >= 0 && !found; i--)
        for (uint32_t k = 0; k < m->n; k++) {
            if (m->e[k].epoch != c->ep[i].epoch)
                continue;
            uint64_t mine = i + 1 < c->nep ? c->ep[i + 1].start : b->cl.max_offset;
            uint64_t theirs = k + 1 < m->n ? m->e[k + 1].start : m->max_offset;
            point = mine < theirs ? mine : theirs;
            found = 1;
            break;
        }
    if (!c->nep)
        found = 1, point = b->cl.max_offset;   /* an empty epoch file: nothing of its own to doubt */
    if (found && point < b->cl.max_offset) {
        struct trace *tr = trace_of(b);
        if (trace_on(tr, TRACE_EVENTS)) {
            trace_begin(tr, node_now(b->n), b->n->name, "broker.truncate");
            trace_uint(tr, "from", b->cl.max_offset);
            trace_uint(tr, "to", point);
            trace_end(tr);
        }
        cl_truncate(&b->cl, point, unstore, b);
        node_disk_truncate(b->n, FILE_COMMITLOG, b->cl.max_offset - b->disk_base);
        if (b->flushed > b->cl.max_offset)
            b->flushed = b->cl.max_offset;
    }
    c->nep = 0;
    for (uint32_t k = 0; k < m->n; k++)
        epoch_append(c, m->e[k].epoch, m->e[k].start);
    c->handshake = 0;
    ha_master_address(b, c->handshake_with);
}

/* ---- the master's SyncStateSet ---- */

static void alter(struct broker *b, uint32_t sss)
{
    b->ctl->alter_pending = request(b, CTL_ALTER_SSS, sss, CTL_TAG_ALTER) == 0;
}

/* The ack of each slave replica (0: not connected). */
static void acks(struct broker *b, uint64_t *ack, int *connected)
{
    memset(ack, 0, RMQ_MAX_REPLICAS * sizeof *ack);
    memset(connected, 0, RMQ_MAX_REPLICAS * sizeof *connected);
    for (int i = 0; i < b->nhac; i++) {
        if (!b->hac[i].in_use)
            continue;
        int r = replica_of(b, node_conn_peer(b->n, b->hac[i].conn));
        if (r >= 0 && b->hac[i].ack >= ack[r]) {
            ack[r] = b->hac[i].ack;
            connected[r] = 1;
        }
    }
}

/* confirmOffset: the lowest ack of the SyncStateSet sss, the master's own end included. */
static uint64_t confirm_offset(struct broker *b, const uint64_t *ack, uint32_t sss)
{
    uint64_t min = b->cl.max_offset;
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if ((sss >> r & 1) && r != b->replica && ack[r] < min)
            min = ack[r];
    return min;
}

/* AutoSwitchHAService.computeConfirmOffset: the lowest ack (above 0) of the SyncStateSet's slaves and the
 * master's end; while a member has no connection the value stays (#6662). */
static uint64_t compute_confirm(struct broker *b)
{
    uint64_t ack[RMQ_MAX_REPLICAS];
    int conn[RMQ_MAX_REPLICAS];
    acks(b, ack, conn);
    uint64_t v = b->cl.max_offset;
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if ((b->ctl->info.sss >> r & 1) && r != b->replica && !conn[r])
            return b->ctl->confirm;
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if ((b->ctl->info.sss >> r & 1) && r != b->replica && ack[r] > 0 && ack[r] < v)
            v = ack[r];
    return v;
}

/* CommitLog.getConfirmOffset in controller mode (a master, allAckInSyncStateSet, more than itself in the
 * set) limits the ReputMessageService (getReputEndOffset, readUnCommitted false): consumers read only the
 * messages that end at or below it. Otherwise the max offset: everything. */
static int confirm_limits(const struct broker *b)
{
    return b->role != RMQ_SLAVE && b->cfg.all_ack_in_sss && popcount(b->ctl->info.sss) > 1;
}

uint64_t ctl_visible_qoff(const struct broker *b, int q)
{
    uint64_t next = cl_next_qoff(&b->cl, q);
    if (!confirm_limits(b) || b->ctl->confirm >= b->cl.max_offset)
        return next;
    uint64_t lo = cl_min_qoff(&b->cl, q), hi = next;
    while (lo < hi) {   /* the first message of q that ends above the confirm offset */
        uint64_t mid = lo + (hi - lo) / 2;
        uint64_t i = cl_qentry(&b->cl, q, mid);
        const struct cl_entry *e = i == CL_NONE ? NULL : cl_at(&b->cl, i);
        if (!e || e->offset + e->size <= b->ctl->confirm)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* setConfirmOffset(computeConfirmOffset()) after a SyncStateSet slave's ack, a new SyncStateSet and the
 * change to master; held pulls see what it newly shows. */
static void update_confirm(struct broker *b)
{
    uint64_t old = b->ctl->confirm;
    b->ctl->confirm = compute_confirm(b);
    if (b->ctl->confirm > old && confirm_limits(b) && b->cfg.long_polling)
        for (int q = 0; q < b->cfg.queues; q++)
            broker_wake_pulls(b, q);
}

/* AutoSwitchHAService.maybeShrinkSyncStateSet, every checkSyncStateSetPeriod. */
static void check_sss(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    if (b->role == RMQ_SLAVE || c->alter_pending)
        return;
    uint64_t ack[RMQ_MAX_REPLICAS];
    int conn[RMQ_MAX_REPLICAS];
    acks(b, ack, conn);
    uint32_t sss = c->info.sss;
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if ((sss >> r & 1) && r != b->replica &&
            (!conn[r] || node_now(b->n) - c->caught_up[r] > b->cfg.ha_max_time_not_catchup))
            sss &= ~(1u << r);
    if (sss != c->info.sss)
        alter(b, sss);
}

/* A slave acked: lastCaughtUpTimeMs, and maybeExpandInSyncStateSet (ack >= confirmOffset and >= the
 * start of the current epoch). */
void ctl_acks(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    if (b->role == RMQ_SLAVE)
        return;
    if (b->cfg.all_ack_in_sss)
        update_confirm(b);
    for (int i = 0; i < b->nhac; i++) {
        const struct ha_conn *h = &b->hac[i];
        int r = h->in_use ? replica_of(b, node_conn_peer(b->n, h->conn)) : -1;
        if (r >= 0 && h->ack >= h->next && h->last_write > c->caught_up[r])
            c->caught_up[r] = h->last_write;   /* it has everything sent at the last transfer */
    }
    if (c->alter_pending)
        return;
    uint64_t ack[RMQ_MAX_REPLICAS];
    int conn[RMQ_MAX_REPLICAS];
    acks(b, ack, conn);
    uint64_t confirm = confirm_offset(b, ack, c->info.sss);
    uint64_t epoch_start = c->nep ? c->ep[c->nep - 1].start : 0;
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if (conn[r] && !(c->info.sss >> r & 1) && ack[r] >= confirm && ack[r] >= epoch_start) {
            c->caught_up[r] = node_now(b->n);
            alter(b, c->info.sss | 1u << r);
            return;
        }
}

/* GroupTransferService in controller mode: with allAckInSyncStateSet every member of a SyncStateSet of
 * more than the master; otherwise inSyncReplicas - 1 slave connections, whichever they are. The set is the
 * HA service's own: a master demoted while puts wait keeps the set it had (changeToSlave leaves it) and
 * has no connection left, so they wait for slaveTimeout (FLUSH_SLAVE_TIMEOUT). */
uint64_t ctl_acked(struct broker *b)
{
    uint64_t ack[RMQ_MAX_REPLICAS];
    int conn[RMQ_MAX_REPLICAS];
    acks(b, ack, conn);
    if (b->cfg.all_ack_in_sss)
        return popcount(b->ctl->ha_sss) <= 1 ? UINT64_MAX : confirm_offset(b, ack, b->ctl->ha_sss);
    int need = b->cfg.in_sync_replicas - 1;   /* the master is one of inSyncReplicas */
    if (need <= 0)
        return UINT64_MAX;
    for (int i = 1; i < RMQ_MAX_REPLICAS; i++)   /* descending */
        for (int j = i; j > 0 && ack[j] > ack[j - 1]; j--) {
            uint64_t t = ack[j];
            ack[j] = ack[j - 1];
            ack[j - 1] = t;
        }
    return need <= RMQ_MAX_REPLICAS ? ack[need - 1] : 0;
}

/* ---- puts (CommitLog.asyncPutMessage and handleHA in controller mode) ---- */

void ctl_send(struct broker *b, struct rpc_ctx ctx, const struct rmq_send_req *req)
{
    if (b->role == RMQ_SLAVE) {
        rpc_reply(b->n, ctx, RMQ_SERVICE_NOT_AVAILABLE, NULL, 0, 0);
        return;
    }
    /* IN_SYNC_REPLICAS_NOT_ENOUGH, before the append; SendMessageProcessor answers it SYSTEM_ERROR. */
    if (req->queue >= b->cfg.queues || popcount(b->ctl->info.sss) < b->cfg.min_in_sync_replicas) {
        if (req->queue < b->cfg.queues && trace_on(trace_of(b), TRACE_FULL)) {
            trace_begin(trace_of(b), node_now(b->n), b->n->name, "put.in_sync_replicas_not_enough");
            trace_end(trace_of(b));
        }
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    uint32_t size = req->size + RMQ_MSG_OVERHEAD;
    uint64_t offset = b->cl.max_offset;
    uint64_t idx = cl_append(&b->cl, req->msg, size, req->queue, cl_next_qoff(&b->cl, req->queue));
    if (idx == CL_NONE) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    node_disk_write(b->n, FILE_COMMITLOG, size);
    report_stored(&b->base.w->rep, req->msg, b->group, b->replica, 1);
    if (b->cfg.long_polling)
        broker_wake_pulls(b, req->queue);
    /* needHandleHA: the controller-mode master is SYNC_MASTER; handleHA returns at once for needAckNums
     * <= 1, and allAckInSyncStateSet with a SyncStateSet of the master alone. */
    int slave = b->cfg.all_ack_in_sss ? popcount(b->ctl->info.sss) > 1 : b->cfg.in_sync_replicas > 1;
    struct put_wait pw = {
        .ctx = ctx, .end = b->cl.max_offset, .offset = offset, .status = RMQ_SUCCESS,
        .deadline = node_now(b->n) + (b->cfg.flush == RMQ_SYNC_FLUSH ? b->cfg.sync_flush_timeout : b->cfg.slave_timeout),
        .need_flush = b->cfg.flush == RMQ_SYNC_FLUSH, .need_slave = (uint8_t)slave,
    };
    if (!pw.need_flush && !pw.need_slave) {
        struct rmq_send_resp r = {offset};
        rpc_reply(b->n, ctx, RMQ_SUCCESS, &r, sizeof r, 0);
        return;
    }
    if (broker_wait_push(b, &pw) < 0) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    if (pw.need_slave)
        ha_wakeup(b);
    broker_acks_advanced(b);   /* starts the flush, arms the transfer wait */
}

/* ---- broker hooks ---- */

int ctl_init(struct broker *b)
{
    b->ctl = calloc(1, sizeof *b->ctl);
    return b->ctl ? 0 : -1;
}

void ctl_free(struct broker *b) { free(b->ctl); }

/* ReplicasManager.start after a (re)start: SLAVE until told otherwise; register by heartbeat, ask for the
 * replica info, and elect when there is no master (brokerElect). The epoch file survives a restart. */
void ctl_start(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    memset(&c->info, 0, sizeof c->info);
    c->info.master = -1;
    c->ha_sss = 0;
    c->alter_pending = 0;
    c->handshake = 0;
    c->leader = b->base.w->nctl <= 1 ? 0 : -1;
    c->meta_busy = c->meta_known = 0;
    heartbeat(b);
    if (b->base.w->nctl > 1)
        ask_meta(b, 0);
    else
        request(b, CTL_GET_INFO, 0, CTL_TAG_INFO);
    node_timer(b->n, b->cfg.ctl_heartbeat, BT(BT_CTL, CTL_T_HEARTBEAT));
    node_timer(b->n, b->cfg.ctl_sync_metadata, BT(BT_CTL, CTL_T_SYNC));
    node_timer(b->n, b->cfg.ctl_check_sss_initial, BT(BT_CTL, CTL_T_CHECK));
}

void ctl_on_timer(struct broker *b, uint64_t arg)
{
    switch (arg) {
    case CTL_T_HEARTBEAT:
        heartbeat(b);
        node_timer(b->n, b->cfg.ctl_heartbeat, BT(BT_CTL, arg));
        break;
    case CTL_T_SYNC:
        request(b, CTL_GET_INFO, 0, CTL_TAG_INFO);
        node_timer(b->n, b->cfg.ctl_sync_metadata, BT(BT_CTL, arg));
        break;
    case CTL_T_CHECK:
        check_sss(b);
        node_timer(b->n, b->cfg.ctl_check_sss, BT(BT_CTL, arg));
        break;
    case CTL_T_META:
        if (!b->ctl->meta_busy)
            ask_meta(b, 0);
        if (b->ctl->meta_known)
            node_timer(b->n, b->base.w->ctl_sync_metadata, BT(BT_CTL, arg));
        break;
    }
}

void ctl_on_reply(struct broker *b, uint64_t tag, int status, const void *body, uint32_t len)
{
    struct ctl_broker *c = b->ctl;
    tag &= ~BR_CTL;
    if ((tag & 0xff) == CTL_TAG_META) {
        meta_answer(b, (int)(tag >> 8), status, body, len);
        return;
    }
    if (tag == CTL_TAG_EPOCH) {
        struct ctl_epochs m;
        if (status == RMQ_SUCCESS && len >= sizeof m && c->handshake) {
            memcpy(&m, body, sizeof m);
            handshake_done(b, &m);
        } else {
            c->handshake = 0;   /* the next poll retries */
            c->info.master = -1;
        }
        return;
    }
    if (tag == CTL_TAG_ALTER)
        c->alter_pending = 0;
    struct ctl_info i;
    if (tag == CTL_TAG_HB || len < sizeof i)
        return;
    memcpy(&i, body, sizeof i);
    apply_info(b, &i);
    if (tag == CTL_TAG_INFO && i.master < 0 && b->role == RMQ_SLAVE)
        request(b, CTL_ELECT, 0, CTL_TAG_ELECT);   /* brokerElect: no master known */
}

void ctl_on_request(struct broker *b, struct rpc_ctx ctx, uint16_t code, const void *body, uint32_t len)
{
    struct ctl_broker *c = b->ctl;
    if (code == CTL_NOTIFY) {
        struct ctl_info i;
        if (len >= sizeof i) {
            memcpy(&i, body, sizeof i);
            apply_info(b, &i);
        }
        rpc_reply(b->n, ctx, RMQ_SUCCESS, NULL, 0, 0);
        return;
    }
    /* CTL_EPOCH: the master's side of the handshake (its newest epoch entries and its end). */
    if (b->role == RMQ_SLAVE) {
        rpc_reply(b->n, ctx, RMQ_SERVICE_NOT_AVAILABLE, NULL, 0, 0);
        return;
    }
    struct ctl_epochs m = {0};
    int from = c->nep > CTL_EPOCHS_MAX ? c->nep - CTL_EPOCHS_MAX : 0;
    for (int i = from; i < c->nep; i++)
        m.e[m.n++] = c->ep[i];
    m.max_offset = b->cl.max_offset;
    rpc_reply(b->n, ctx, RMQ_SUCCESS, &m, sizeof m, 0);
}
