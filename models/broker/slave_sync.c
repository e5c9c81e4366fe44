/* slave_sync: the schedule of SlaveSynchronize.syncAll, by which a slave copies its master's metadata; mqsim
 * models the part that matters to clients, the consumer offsets (syncConsumerOffset: putAll of the master's
 * table, broker.c's BR_OFFSET_SYNC answer), which a consumer sent to the slave reads.
 *
 * The task is a fixed-rate round (scheduleAtFixedRate) from an initial delay; from 5.0 a round calls syncAll
 * only when more than a minimum interval has passed since the last call (lastSyncTimeMs, which starts at the
 * process's start and is set whether or not a master was known).
 * - A classic slave starts it at its start: R44 BrokerController.initialize (10 s, then every 60 s); R498
 *   BrokerController.start -> handleSlaveSynchronize (3 s, then every 10 s); R53 initialize (a round every 3 s
 *   from 10 s, syncing when 60 s have passed: the first at 61 s, then every 63 s).
 * - A DLedger broker starts it at each change to slave and stops it at the change to master (R498
 *   BrokerController.changeToSlave/changeToMaster -> handleSlaveSynchronize: 3 s, then every 10 s; R53
 *   DLedgerRoleChangeHandler.handleSlaveSynchronize: a round every 3 s from 3 s, syncing when 10 s have
 *   passed), as does a controller-mode broker (R53 ReplicasManager.handleSlaveSynchronize, the same task).
 *
 * Where it copies from is SlaveSynchronize.masterAddr: the master a registration round's first answer names,
 * null included, taken when every NameServer has answered or failed (BrokerController.doRegisterBrokerAll /
 * handleRegisterBrokerResult; broker.c). A classic or DLedger change of role sets it to null
 * (handleSlaveSynchronize), and DLedger's role changes register oneway
 * (DLedgerRoleChangeHandler.changeToSlave: registerBrokerAll(true, true, ...)), so a new DLedger slave copies
 * nothing until its next periodic registration answers. A controller-mode slave takes its new master's
 * address at once (ReplicasManager.changeToSlave: masterAddress, then handleSlaveSynchronize), and then what
 * the registration of each new epoch answers (registerBrokerWhenRoleChange, not oneway). */
#include "models/broker/broker_int.h"

/* Classic slaves take the slave_offset_sync_* keys; DLedger and controller mode the dledger_slave_sync_*. */
static int by_role_change(const struct broker *b) { return b->raft != NULL || b->ctl != NULL; }

void broker_slave_sync_start(struct broker *b, sim_node_id master)
{
    broker_slave_sync_stop(b);
    b->sync_master = master;
    sim_time initial = by_role_change(b) ? b->cfg.dledger_sync_initial : b->cfg.offset_sync_initial;
    b->slave_sync_timer = node_timer(b->n, initial, BT(BT_OFFSET_SYNC, 0));
}

void broker_slave_sync_stop(struct broker *b)
{
    if (b->slave_sync_timer)
        node_timer_cancel(b->n, b->slave_sync_timer);
    b->slave_sync_timer = 0;
    b->sync_master = SIM_NODE_NONE;   /* setMasterAddr(null) */
}

void broker_slave_sync_round(struct broker *b)
{
    int rc = by_role_change(b);
    sim_time period = rc ? b->cfg.dledger_sync_period : b->cfg.offset_sync_period;
    sim_time gap = rc ? b->cfg.dledger_sync_min_interval : b->cfg.offset_sync_min_interval;
    sim_time now = node_now(b->n);
    b->slave_sync_timer = node_timer(b->n, period, BT(BT_OFFSET_SYNC, 0));
    if (gap > 0 && now - b->slave_sync_last <= gap)
        return;
    b->slave_sync_last = now;
    struct trace *tr = trace_of(b);
    if (trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, now, b->n->name, "broker.slave_sync");
        trace_str(tr, "group", b->base.w->g[b->group].name);
        trace_str(tr, "master", b->sync_master == SIM_NODE_NONE ? NULL : sim_node(b->n->sim, b->sync_master)->name);
        trace_end(tr);
    }
    if (b->role == RMQ_SLAVE && b->sync_master != SIM_NODE_NONE)   /* syncAll without a master address: nothing */
        rpc_call(&b->rpc, b->sync_master, RMQ_GET_ALL_OFFSETS, NULL, 0, 0, BROKER_API_TIMEOUT, BR_OFFSET_SYNC);
}
