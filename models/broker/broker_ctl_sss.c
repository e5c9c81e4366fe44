/* broker_ctl_sss: a broker in controller mode as master (RIP-44; store/.../ha/autoswitch/AutoSwitchHAService.java,
 * GroupTransferService.java, CommitLog.java): the SyncStateSet it shrinks and expands, its confirm offset and
 * what consumers may read below it, and its puts by inSyncReplicas / allAckInSyncStateSet. */
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_ctl_int.h"
#include "models/broker/broker_int.h"
#include "models/report/report.h"

/* ---- the master's SyncStateSet ---- */

static void alter(struct broker *b, uint32_t sss)
{
    b->ctl->alter_pending = ctl_request(b, CTL_ALTER_SSS, sss, CTL_TAG_ALTER) == 0;
}

/* The ack of each slave replica (0: not connected); returns the replicas connected, a bit each. */
static uint32_t acks(struct broker *b, uint64_t *ack)
{
    memset(ack, 0, RMQ_MAX_REPLICAS * sizeof *ack);
    uint32_t connected = 0;
    for (int i = 0; i < b->nhac; i++) {
        const struct ha_conn *h = &b->hac[i];
        int r = h->in_use ? h->replica : -1;
        if (r >= 0 && h->ack >= ack[r]) {
            ack[r] = h->ack;
            connected |= 1u << r;
        }
    }
    return connected;
}

/* The slaves of the SyncStateSet sss (the master's own bit off). */
static uint32_t sss_slaves(const struct broker *b, uint32_t sss)
{
    return sss & ((1u << RMQ_MAX_REPLICAS) - 1) & ~(1u << b->replica);
}

/* confirmOffset: the lowest ack of the SyncStateSet sss, the master's own end included. */
static uint64_t confirm_offset(struct broker *b, const uint64_t *ack, uint32_t sss)
{
    uint64_t min = b->cl.max_offset;
    for (uint32_t m = sss_slaves(b, sss); m; m &= m - 1) {
        int r = __builtin_ctz(m);
        if (ack[r] < min)
            min = ack[r];
    }
    return min;
}

/* AutoSwitchHAService.computeConfirmOffset: the lowest ack (above 0) of the SyncStateSet's slaves and the
 * master's end; while a member has no connection the value stays (#6662). */
static uint64_t compute_confirm(struct broker *b, const uint64_t *ack, uint32_t conn)
{
    uint32_t slaves = sss_slaves(b, b->ctl->info.sss);
    if (slaves & ~conn)
        return b->ctl->confirm;
    uint64_t v = b->cl.max_offset;
    for (uint32_t m = slaves; m; m &= m - 1) {
        int r = __builtin_ctz(m);
        if (ack[r] > 0 && ack[r] < v)
            v = ack[r];
    }
    return v;
}

/* CommitLog.getConfirmOffset in controller mode (a master, allAckInSyncStateSet, more than itself in the
 * set) limits the ReputMessageService (getReputEndOffset, readUnCommitted false): consumers read only the
 * messages that end at or below it. Otherwise the max offset: everything. */
static int confirm_limits(const struct broker *b)
{
    return b->role != RMQ_SLAVE && b->cfg.all_ack_in_sss && ctl_popcount(b->ctl->info.sss) > 1;
}

uint64_t ctl_header_confirm(const struct broker *b)
{
    return b->role != RMQ_SLAVE && !confirm_limits(b) ? b->cl.max_offset : b->ctl->confirm;
}

/* Where the ReputMessageService may dispatch, and so consumers read, up to: getReputEndOffset, the confirm
 * offset on a slave (whatever its master's configuration: CommitLog.getConfirmOffset returns the field to a
 * SLAVE) and on a master that confirm_limits; everything on another master, and everywhere with
 * readUnCommitted (the max offset). It may fall below what was dispatched, which stays readable
 * (broker_visible_qoff). */
uint64_t ctl_read_end(const struct broker *b)
{
    if (b->cfg.read_uncommitted)
        return b->cl.max_offset;
    return b->role == RMQ_SLAVE || confirm_limits(b) ? b->ctl->confirm : b->cl.max_offset;
}

/* The read end rose from `old`, above which messages were stored: the ReputMessageService dispatches them
 * at its next round (reput.c), which wakes the held pulls. */
static void read_end_rose(struct broker *b, uint64_t old, uint64_t max_before)
{
    if (old < max_before && ctl_read_end(b) > old)
        broker_reput_kick(b);
}

/* The ReputMessageService may now go up to `end`: the messages that end in (disp_to, end] enter its
 * backlog (ctl_stored), for changeToMaster's dispatch wait. */
static void reput_to(struct broker *b, uint64_t end)
{
    struct ctl_broker *c = b->ctl;
    if (end <= c->disp_to)
        return;
    const struct commitlog *cl = &b->cl;
    if (cl_phy_trimmed(cl, c->disp_to))
        broker_trimmed_read(b, (int64_t)c->disp_to);   /* the backlog would count the messages forgotten */
    uint64_t i = cl_find(cl, c->disp_to);
    const struct cl_entry *p = i > cl->first ? cl_at(cl, i - 1) : NULL;
    if (p && p->offset + p->size > c->disp_to)
        i--;   /* the message that straddles it */
    uint32_t n = 0;
    for (const struct cl_entry *e = cl_at(cl, i); e && e->offset + e->size <= end; e = cl_after(cl, e, i++))
        n += !(e->flags & CL_FRAGMENT);
    if (n)
        ctl_stored(b, n);
    c->disp_to = end;
}

void ctl_frame_confirm(struct broker *b, const struct frame_confirm *fc, uint32_t n)
{
    struct ctl_broker *c = b->ctl;
    uint64_t max = b->cl.max_offset;
    if (!fc->valid) {
        if (n)
            ctl_stored(b, n);
        return;
    }
    /* AutoSwitchHAClient.HAClientReader.processReadResult, after appendToCommitLog:
     * setConfirmOffset(Math.min(confirmOffset, messageStore.getMaxPhyOffset())), heartbeats too. */
    c->confirm = fc->offset < max ? fc->offset : max;
    uint64_t end = ctl_read_end(b);   /* a SLAVE's getReputEndOffset: with readUnCommitted the max offset */
    if (c->disp_to >= fc->max_before && end >= max) {
        /* the common case (allAckInSyncStateSet off: the master sends its max offset; or readUnCommitted):
         * the frame's messages are all dispatchable */
        if (n)
            ctl_stored(b, n);
        c->disp_to = max;
    } else {
        reput_to(b, end);
    }
    read_end_rose(b, fc->old, fc->max_before);
}

void ctl_slave_ack(struct broker *b, int replica)
{
    if (!b->cfg.all_ack_in_sss && b->role != RMQ_SLAVE && replica >= 0 && (b->ctl->ha_sss >> replica & 1))
        ctl_update_confirm(b);
}

void ctl_confirm_promote(struct broker *b)
{
    uint64_t old = ctl_read_end(b);
    ctl_update_confirm(b);
    reput_to(b, ctl_read_end(b));   /* the role still SLAVE */
    read_end_rose(b, old, b->cl.max_offset);
}

void ctl_confirm_master(struct broker *b)
{
    uint64_t old = b->ctl->confirm;
    if (ctl_read_end(b) <= old || b->cfg.read_uncommitted)
        return;   /* (with readUnCommitted all was read and dispatched already) */
    reput_to(b, b->cl.max_offset);
    read_end_rose(b, old, b->cl.max_offset);
}

uint64_t ctl_keep_offset(const struct broker *b)
{
    const struct ctl_broker *c = b->ctl;
    uint64_t keep = c->confirm < c->ckpt_confirm ? c->confirm : c->ckpt_confirm;
    /* a master's puts join the backlog as they come; disp_to is read again once it is a slave */
    return b->role == RMQ_SLAVE && c->disp_to < keep ? c->disp_to : keep;
}

void ctl_confirm_clamp(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    if (c->confirm > b->cl.max_offset)
        c->confirm = b->cl.max_offset;
    if (c->confirm < b->cl.min_offset) {
        if (cl_phy_trimmed(&b->cl, c->confirm))
            broker_trimmed_read(b, (int64_t)c->confirm);   /* the real minPhyOffset is below it */
        c->confirm = b->cl.min_offset;   /* CommitLog.recover: "correct confirmOffset to minPhyOffset" */
    }
    if (c->disp_to > b->cl.max_offset)
        c->disp_to = b->cl.max_offset;   /* resetReputOffset = min(oldReputFromOffset, offsetToTruncate) */
}

void ctl_reput_from_confirm(struct broker *b)
{
    b->ctl->disp_to = b->ctl->confirm;
    reput_to(b, ctl_read_end(b));
}

/* setConfirmOffset(computeConfirmOffset()) after a SyncStateSet slave's ack, a new SyncStateSet and the
 * change to master; held pulls see what it newly shows, also when a new SyncStateSet of the master alone
 * lifts the bound to the max offset above what was dispatched (the ReputMessageService, which reads
 * getReputEndOffset every round, takes it at its next). */
static void update_confirm_acks(struct broker *b, const uint64_t *ack, uint32_t conn)
{
    uint64_t old = b->ctl->confirm;
    b->ctl->confirm = compute_confirm(b, ack, conn);
    if ((b->ctl->confirm > old && confirm_limits(b) && !b->cfg.read_uncommitted) || ctl_read_end(b) > b->rp_py)
        broker_reput_kick(b);   /* the next round dispatches what it newly allows */
}

void ctl_update_confirm(struct broker *b)
{
    uint64_t ack[RMQ_MAX_REPLICAS];
    uint32_t conn = acks(b, ack);
    update_confirm_acks(b, ack, conn);
}

/* AutoSwitchHAService.maybeShrinkSyncStateSet, every checkSyncStateSetPeriod. */
void ctl_check_sss(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    if (b->role == RMQ_SLAVE || c->alter_pending)
        return;
    uint64_t ack[RMQ_MAX_REPLICAS];
    uint32_t conn = acks(b, ack);
    uint32_t sss = c->info.sss;
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        if ((sss >> r & 1) && r != b->replica &&
            (!(conn >> r & 1) || node_now(b->n) - c->caught_up[r] > b->cfg.ha_max_time_not_catchup))
            sss &= ~(1u << r);
    if (sss != c->info.sss)
        alter(b, sss);
}

/* AutoSwitchHAService.getConfirmOffset on a master, the bar of maybeExpandInSyncStateSet: the max offset,
 * unless allAckInSyncStateSet with a SyncStateSet of more than the master, where the kept confirm offset. */
static uint64_t expand_bar(const struct broker *b)
{
    return confirm_limits(b) ? b->ctl->confirm : b->cl.max_offset;
}

/* The group replica h is the connection of, when this broker is master and h one of its slaves; else -1. */
static int slave_of(const struct broker *b, const struct ha_conn *h)
{
    return b->role != RMQ_SLAVE && h->replica >= 0 && h->replica != b->replica ? h->replica : -1;
}

void ctl_report(struct broker *b, const struct ha_conn *h)
{
    struct ctl_broker *c = b->ctl;
    int r = slave_of(b, h);
    if (r < 0)
        return;
    /* AutoSwitchHAConnection.maybeExpandInSyncStateSet: a report at or above the master's max offset at
     * the last data transfer; caught up now if at its max offset, else at that transfer. */
    if (h->ack < h->master_max)
        return;
    sim_time t = h->ack == b->cl.max_offset ? node_now(b->n) : h->last_transfer;
    if (t > c->caught_up[r])
        c->caught_up[r] = t;   /* updateConnectionLastCaughtUpTime keeps the later */
    /* AutoSwitchHAService.maybeExpandInSyncStateSet: at least the confirm offset and the current epoch's
     * start. */
    if (c->alter_pending || (c->info.sss >> r & 1))
        return;
    uint64_t epoch_start = c->nep ? c->ep[c->nep - 1].start : 0;
    if (h->ack >= expand_bar(b) && h->ack >= epoch_start)
        alter(b, c->info.sss | 1u << r);
}

void ctl_all_sent(struct broker *b, const struct ha_conn *h)
{
    int r = slave_of(b, h);
    if (r >= 0)
        b->ctl->caught_up[r] = node_now(b->n);
}

void ctl_conn_lost(struct broker *b, const struct ha_conn *h)
{
    struct ctl_broker *c = b->ctl;
    int r = slave_of(b, h);
    if (r < 0 || !(c->info.sss >> r & 1))
        return;
    /* one change on its way at a time: with one pending this removal goes when it is answered (RocketMQ
     * queues it on the HA service's executor with the set of this moment: see the README's differences) */
    if (c->alter_pending)
        c->lost |= 1u << r;
    else
        alter(b, c->info.sss & ~(1u << r));
}

void ctl_alter_answered(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    uint32_t lost = c->lost & c->info.sss;
    c->lost = 0;
    if (b->role != RMQ_SLAVE && lost && !c->alter_pending)
        alter(b, c->info.sss & ~lost);
}

void ctl_acks(struct broker *b)
{
    if (b->role == RMQ_SLAVE || !b->cfg.all_ack_in_sss)
        return;
    uint64_t ack[RMQ_MAX_REPLICAS];
    uint32_t conn = acks(b, ack);
    update_confirm_acks(b, ack, conn);
}

/* GroupTransferService in controller mode: with allAckInSyncStateSet every member of a SyncStateSet of
 * more than the master; otherwise inSyncReplicas - 1 slave connections, whichever they are. The set is the
 * HA service's own: a master demoted while puts wait keeps the set it had (changeToSlave leaves it) and
 * has no connection left, so they wait for slaveTimeout (FLUSH_SLAVE_TIMEOUT). */
uint64_t ctl_acked(struct broker *b)
{
    uint64_t ack[RMQ_MAX_REPLICAS];
    acks(b, ack);
    if (b->cfg.all_ack_in_sss)
        return ctl_popcount(b->ctl->ha_sss) <= 1 ? UINT64_MAX : confirm_offset(b, ack, b->ctl->ha_sss);
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
    /* An invalid queue (SendMessageProcessor), then HookUtils.checkBeforePutMessage's page cache check
     * (OS_PAGE_CACHE_BUSY), both answered SYSTEM_ERROR as in handle_send. */
    if (req->queue >= b->cfg.queues || bx_page_cache_busy(b)) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    int members = ctl_popcount(b->ctl->info.sss);   /* nothing below changes the set */
    /* IN_SYNC_REPLICAS_NOT_ENOUGH, before the append; SendMessageProcessor answers it SYSTEM_ERROR. */
    if (members < b->cfg.min_in_sync_replicas) {
        if (trace_on(trace_of(b), TRACE_FULL)) {
            trace_begin(trace_of(b), node_now(b->n), b->n->name, "put.in_sync_replicas_not_enough");
            trace_end(trace_of(b));
        }
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    uint64_t offset;
    if (broker_put_append(b, ctx, req, &offset) < 0)
        return;
    report_stored(&b->base.w->rep, req->msg, b->group, b->replica, 1);
    ctl_stored(b, 1);
    broker_reput_kick(b);   /* dispatched (and held pulls woken) at the ReputMessageService's next round */
    /* needHandleHA: the controller-mode master is SYNC_MASTER; handleHA returns at once for needAckNums
     * <= 1, and allAckInSyncStateSet with a SyncStateSet of the master alone. */
    int slave = b->cfg.all_ack_in_sss ? members > 1 : b->cfg.in_sync_replicas > 1;
    int flush = b->cfg.flush == RMQ_SYNC_FLUSH;
    if (!flush && !slave) {
        struct rmq_send_resp r = {offset};
        rpc_reply(b->n, ctx, RMQ_SUCCESS, &r, sizeof r, 0);
        return;
    }
    /* CommitLog.handleDiskFlushAndHA: the flush (syncFlushTimeout) and the replicas (handleHA's
     * GroupCommitRequest, slaveTimeout from the put) wait side by side (thenCombine). */
    struct put_wait pw = {
        .ctx = ctx, .end = b->cl.max_offset, .offset = offset, .status = RMQ_SUCCESS,
        .deadline = node_now(b->n) + (flush ? b->cfg.sync_flush_timeout : b->cfg.slave_timeout),
        .slave_deadline = slave ? node_now(b->n) + b->cfg.slave_timeout : 0,
        .need_flush = (uint8_t)flush, .need_slave = (uint8_t)slave,
        .thread = -1,   /* 5.x's asyncPutMessage returns a future: no send thread waits */
    };
    if (broker_wait_push(b, &pw) < 0) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    if (pw.need_slave)
        ha_wakeup(b);
    broker_acks_advanced(b);   /* starts the flush, arms the transfer wait */
}
