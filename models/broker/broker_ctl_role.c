/* broker_ctl_role: a controller-mode broker's changes of role (broker/.../controller/ReplicasManager.java
 * changeBrokerRole, changeToMaster, changeToSlave; store/.../ha/autoswitch/AutoSwitchHAService.java
 * changeToMaster, changeToSlave): the lock a change holds while it waits for the old HA client's thread
 * (ha_client_stop) or for the ConsumeQueue dispatch, the new master's epoch entry, SYNC_MASTER (#6813) and its
 * registration, a slave's HA client started afresh. broker_controller.c calls it with what the controller
 * says. */
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/controller/controller.h"
#include "models/report/report.h"
#include "models/broker/broker_ctl_int.h"

/* AutoSwitchHAService.changeToMaster: while (dispatchBehindBytes() > 0) Thread.sleep(100) */
#define DISPATCH_POLL (100 * SIM_MS)

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

int ctl_promoting(const struct broker *b) { return b->ctl && b->ctl->promoting; }

/* ReplicasManager.schedulingCheckSyncStateSet at a promotion: the old schedule cancelled, the check 3 s
 * later and then every checkSyncStateSetPeriod. */
static void schedule_check(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    c->check_gen++;
    node_timer(b->n, b->cfg.ctl_check_sss_initial, BT(BT_CTL, CTL_T_CHECK | (uint64_t)c->check_gen << 4));
}

/* A change of role is over and its lock released: the broker's start, if it waited for the change, is
 * done, and a role change that waited for the lock is taken up. */
static void change_done(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    if (c->start_after_promote)
        ctl_start_done(b);
    if (c->has_pending) {
        c->has_pending = 0;
        ctl_apply_info(b, &c->pending);
    }
}

/* The rest of ReplicasManager.changeToMaster once the HA service is master: SYNC_MASTER (#6813),
 * brokerId 0, registration; then a role change that waited for the lock. */
static void become_master(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    struct trace *tr = trace_of(b);
    if (c->promoting && trace_on(tr, TRACE_EVENTS)) {
        trace_begin(tr, node_now(b->n), b->n->name, "broker.dispatch_done");
        trace_str(tr, "group", b->base.w->g[b->group].name);
        trace_double(tr, "waited_ms", sim_time_to_ms(node_now(b->n) - c->promote_at));
        trace_end(tr);
    }
    b->role = RMQ_SYNC_MASTER;
    b->id = 0;
    b->master = SIM_NODE_NONE;
    c->master_id = b->n->id;   /* masterBrokerId = brokerControllerId */
    if (!c->promoting)
        ha_start(b);   /* (after a wait it started when the wait did, with the slaves it took since) */
    c->promoting = 0;
    ctl_confirm_master(b);   /* (the confirm offset is to_master's: no slave of the SyncStateSet acked since) */
    for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
        c->caught_up[r] = node_now(b->n);
    c->lost = 0;
    /* A change to master the controller superseded during the wait still completes (the role change that
     * came meanwhile runs after it, below): the broker is master of an old epoch for no time, which the
     * epoch check is not about. */
    if (!c->has_pending || c->pending.master_epoch <= c->info.master_epoch || c->pending.master == b->replica)
        controller_check_master(b->base.w->ctl, b->group, c->info.master_epoch, b->n->id);
    c->state_version = (uint32_t)c->info.master_epoch;   /* getDataVersion().nextVersion(newMasterEpoch) */
    trace_role(b, "broker.role");
    report_promoted(&b->base.w->rep, b->group, b->n->id);
    /* schedulingCheckSyncStateSet, then a check at once (executorService.submit) */
    schedule_check(b);
    ctl_check_sss(b);
    broker_register_all(b, 0);
    change_done(b);
}

/* The rest of AutoSwitchHAService.changeToMaster once its HA client stopped: the connections closed, a new
 * epoch entry at the log's end, then the wait for the ConsumeQueue dispatch (while dispatchBehindBytes() > 0,
 * sleep 100 ms; in 5.3 nothing turns it off) before the broker is master. */
static void to_master_ha(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    sim_time now = node_now(b->n);
    close_ha(b);
    ctl_epoch_restart(c, c->info.master_epoch, b->cl.max_offset);
    if (now >= c->disp_end) {
        become_master(b);
        return;
    }
    /* Not master yet, and connected to no master: HA restarts without its client, and takes the slaves
     * that come meanwhile (ha.c) */
    b->master = SIM_NODE_NONE;
    c->promoting = 1;
    c->promote_at = now;
    ha_start(b);
    struct trace *tr = trace_of(b);
    if (trace_on(tr, TRACE_EVENTS)) {
        trace_begin(tr, now, b->n->name, "broker.dispatch_wait");
        trace_str(tr, "group", b->base.w->g[b->group].name);
        trace_int(tr, "epoch", c->info.master_epoch);
        trace_double(tr, "behind_ms", sim_time_to_ms(c->disp_end - now));
        trace_end(tr);
    }
    node_timer(b->n, DISPATCH_POLL, BT(BT_CTL, CTL_T_DISPATCH));
}

/* ReplicasManager.changeToMaster (l.237-279 in 5.3.3), AutoSwitchHAService.changeToMaster (l.115-162). */
static void to_master(struct broker *b)
{
    broker_slave_sync_stop(b);   /* handleSlaveSynchronize(SYNC_MASTER), before the HA service's changeToMaster */
    /* changeSyncStateSet, before the HA service's changeToMaster: the confirm offset a SyncStateSet of the
     * broker alone gives (its max offset; while a member has no connection, the value it had as a slave),
     * which the dispatch below waits for: a slave's messages above its old confirm offset join the backlog
     * (dispatchBehindBytes = getConfirmOffset() - reputFromOffset, the role still SLAVE). */
    ctl_confirm_promote(b);
    /* destroyConnections (a slave has none), then haClient.shutdown, which joins the client's thread: in a
     * select or a connect that the shutdown's wakeup does not end, the change waits for it (ha_client_stop),
     * the broker SLAVE meanwhile (setBrokerRole(SYNC_MASTER) comes after) and its lock held. */
    if (ha_client_stop(b)) {
        b->ctl->joining = CTL_JOIN_MASTER;
        return;
    }
    to_master_ha(b);
}

static void to_slave_ha(struct broker *b, int was_master);

/* ReplicasManager.changeToSlave. A new epoch of the same master (changeToSlaveWhenMasterNotChange) changes
 * nothing but the state version, and registers. A new master: SLAVE with its own brokerId, SlaveSynchronize
 * from the new master's address, and AutoSwitchHAService.changeToSlave: the HA connections closed
 * (destroyConnections) and the HA client started afresh with no address (reOpen, updateHaMasterAddress(null),
 * ha_client_start). The client learns where to connect only from a registration answer
 * (BrokerController.handleRegisterBrokerResult: updateMasterHAServerAddrPeriodically, set in controller mode
 * by BrokerController.initialize), that of this change's registerBrokerWhenRoleChange or a later periodic
 * one: whichever broker the NameServers hold as brokerId 0 (RouteInfoManager.registerBroker), the new master
 * once its own registration came, else none (the old master's process died: its channel closed and it was
 * removed) or the old master still (its host died: it stays until the NameServers' expiry). */
static void to_slave(struct broker *b, sim_node_id master, int new_epoch)
{
    struct ctl_broker *c = b->ctl;
    int was_master = b->role != RMQ_SLAVE;
    if (!was_master && c->master_id == master) {
        c->state_version = (uint32_t)c->info.master_epoch;   /* nextVersion(newMasterEpoch) */
        if (new_epoch)
            broker_register_all(b, 0);   /* registerBrokerWhenRoleChange */
        return;
    }
    if (was_master)
        c->check_gen++;   /* stopCheckSyncStateSet */
    b->role = RMQ_SLAVE;
    b->id = c->my_id;   /* "The brokerId in brokerConfig just means its role": brokerControllerId */
    c->lost = 0;   /* removals for a set this broker no longer keeps */
    /* masterAddress, then handleSlaveSynchronize(SLAVE) */
    c->master_id = master;
    broker_slave_sync_start(b, master);
    if (was_master) {
        /* The master's puts joined the dispatch backlog as they came; as a slave it reads up to the
         * confirm offset it computed last (CommitLog.getConfirmOffset of a SLAVE) until its new master's
         * first frame sets it. */
        c->disp_to = b->cl.max_offset;
    }
    /* AutoSwitchHAService.changeToSlave: destroyConnections, then reOpen's shutdown joins the running
     * client's thread (ha_client_stop; a master has none running) before the client starts afresh */
    if (ha_client_stop(b)) {
        c->joining = CTL_JOIN_SLAVE;
        return;
    }
    to_slave_ha(b, was_master);
}

/* The rest of ReplicasManager.changeToSlave once the old HA client stopped. */
static void to_slave_ha(struct broker *b, int was_master)
{
    struct ctl_broker *c = b->ctl;
    close_ha(b);
    ha_start(b);
    ha_client_start(b);
    c->state_version = (uint32_t)c->info.master_epoch;   /* nextVersion(newMasterEpoch) */
    if (was_master)
        trace_role(b, "broker.role");
    /* registerBrokerWhenRoleChange: its answer names the master the NameServers have, which SlaveSynchronize
     * and the HA client take */
    broker_register_all(b, 0);
}

/* An answer or a notify that names the group's master: ReplicasManager.changeBrokerRole, changeToMaster,
 * changeToSlave and changeSyncStateSet. One that names none is not taken, whatever its epoch: the broker
 * keeps its role, master, epochs and SyncStateSet (changeBrokerRole wants a newMasterBrokerId; the
 * replica-info poll then calls brokerElect, ctl_on_reply). */
void ctl_apply_info(struct broker *b, const struct ctl_info *i)
{
    struct ctl_broker *c = b->ctl;
    if (i->master < 0)
        return;
    if (c->promoting || c->joining) {   /* changeBrokerRole waits for the lock the change under way holds */
        if (!c->has_pending || i->master_epoch > c->pending.master_epoch ||
            (i->master_epoch == c->pending.master_epoch && i->sss_epoch >= c->pending.sss_epoch))
            c->pending = *i;
        c->has_pending = 1;
        return;
    }
    if (i->master_epoch < c->info.master_epoch ||
        (i->master_epoch == c->info.master_epoch && i->sss_epoch < c->info.sss_epoch))
        return;   /* older than what the broker knows (ReplicasManager.changeBrokerRole) */
    int changed = i->master_epoch != c->info.master_epoch || i->master != c->info.master;
    int sss_changed = i->sss != c->info.sss;
    c->info = *i;
    if (i->master == b->replica)
        c->ha_sss = i->sss;
    if (sss_changed && b->role != RMQ_SLAVE)
        ctl_update_confirm(b);   /* AutoSwitchHAService.setSyncStateSet, whatever allAckInSyncStateSet */
    if (sss_changed && i->master == b->replica && b->waits_n)
        broker_process_waits(b);   /* GroupTransferService's next 1 ms poll sees the new set */
    if (i->master == b->replica) {
        if (b->role == RMQ_SLAVE || changed) {
            if (b->role == RMQ_SLAVE) {
                to_master(b);
            } else {
                /* changeToMasterWhenLastRoleIsMaster, nextVersion(newMasterEpoch), a check at once, and
                 * registerBrokerWhenRoleChange */
                ctl_epoch_restart(c, i->master_epoch, b->cl.max_offset);
                c->state_version = (uint32_t)i->master_epoch;
                ctl_check_sss(b);
                broker_register_all(b, 0);
            }
        }
        return;
    }
    sim_node_id m = b->base.w->g[b->group].node[i->master];
    if (b->role != RMQ_SLAVE || changed)
        to_slave(b, m, changed);
}

void ctl_ha_joined(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    int to = c->joining;
    c->joining = 0;
    if (to == CTL_JOIN_MASTER) {
        /* changeToMaster l.130: setConfirmOffset(computeConfirmOffset()), after what the client's last frame
         * brought; become_master takes up the start and a change that waited */
        ctl_confirm_promote(b);
        to_master_ha(b);
        return;
    }
    if (to == CTL_JOIN_SLAVE) {
        to_slave_ha(b, 0);   /* a master has no HA client running: only a slave's change waits for one */
        change_done(b);
    }
}

void ctl_dispatch_poll(struct broker *b)
{
    if (!b->ctl->promoting)
        return;
    if (node_now(b->n) < b->ctl->disp_end)
        node_timer(b->n, DISPATCH_POLL, BT(BT_CTL, CTL_T_DISPATCH));
    else
        become_master(b);
}
