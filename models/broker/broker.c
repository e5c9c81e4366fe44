/* broker: a RocketMQ broker node (R44; classic, DLedger or controller mode): its start, crash and pause, the
 * frames it receives and where they go (the request executors, HA, the DLedger member, the controller's
 * calls), its timers (the hold service, the CommitLog's flush, registration with the NameServers, the slave's
 * SlaveSynchronize), and what a consumer may read (broker_visible_qoff). What the executors run,
 * SendMessageProcessor with CommitLog.putMessage and PullMessageProcessor, is broker_processor.c's; the puts
 * that wait for the flush or the slaves are put_wait.c's. */
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/broker/broker_ctl_int.h"
#include "models/controller/ctl_proto.h"
#include "models/dledger/raft.h"
#include "models/report/report.h"

static const struct sim_node_ops broker_ops;

static const char *role_name(enum rmq_role r)
{
    return r == RMQ_SYNC_MASTER ? "SYNC_MASTER" : r == RMQ_ASYNC_MASTER ? "ASYNC_MASTER" : "SLAVE";
}

/* What consumers may read of queue q: what the ReputMessageService dispatched (reput.c in classic HA, where
 * controller mode's confirm offset bounds each round; on DLedger the committed part, its follower's dispatch
 * brought up to date first). A confirm offset that falls (a master's computeConfirmOffset, the least ack of
 * the SyncStateSet; a slave's from its master's frames; a master's own once it is a slave) stops the
 * dispatch and takes back nothing dispatched: DefaultMessageStore.getMessage (5.3 l.816) reads up to the
 * ConsumeQueue's getMaxOffsetInQueue, which only a truncation lowers (truncateDirtyLogicFiles). */
uint64_t broker_visible_qoff(struct broker *b, int q)
{
    if (b->raft) {
        dl_reput_sync(b);
        return b->committed_qoff[q];
    }
    return broker_reput_visible(b, q);
}

/* PullRequestHoldService.run: waitForRunning(5 s) with long polling, else shortPollingTimeMills. */
static sim_time hold_period(const struct broker *b)
{
    return b->cfg.long_polling ? b->cfg.hold_check : b->cfg.short_polling;
}

/* ---- registration and replies ---- */

void broker_register_all(struct broker *b, int oneway)
{
    struct rmq_world *w = b->base.w;
    if (!oneway && b->reg_left > 0) {
        /* BrokerController.registerBrokerAll is synchronized, and a round waits for every NameServer: one
         * asked for meanwhile goes when this one has ended and its answer was taken, with what the broker is
         * then (its brokerId, its state version). */
        b->reg_queued++;
        return;
    }
    struct rmq_register_req req = {(uint16_t)b->group, (uint16_t)b->id, b->ctl ? ctl_state_version(b) : 0};
    if (trace_on(trace_of(b), TRACE_FULL)) {
        struct trace *tr = trace_of(b);
        trace_begin(tr, node_now(b->n), b->n->name, "broker.register");
        trace_str(tr, "group", w->g[b->group].name);
        trace_int(tr, "id", b->id);
        trace_end(tr);
    }
    uint64_t tag = BR_REGISTER_ONEWAY;
    if (!oneway) {
        /* A new round (one of an earlier life, still out, is not taken) */
        b->reg_round++;
        b->reg_left = w->nns;
        b->reg_answered = 0;
        tag = BR_REGISTER | (uint64_t)b->reg_round << 8;
    }
    for (int i = 0; i < w->nns; i++)
        rpc_call(&b->rpc, w->ns[i], RMQ_REGISTER_BROKER, &req, sizeof req, 0, b->cfg.request_timeout, tag);
}

/* One NameServer's answer to a registration round, or its failure. BrokerOuterAPI.registerBrokerAll waits
 * for every NameServer (a CountDownLatch, each request bounded by registerBrokerTimeoutMills) and
 * handleRegisterBrokerResult takes the first answer that came: a slave's HA address when it names one
 * (updateMasterHAServerAddrPeriodically && getHaServerAddr() != null; one without a master leaves the HA
 * client on its old address, which it keeps trying every 5 s), and SlaveSynchronize's master address,
 * whatever it is. updateMasterHAServerAddrPeriodically is true for a classic slave (BrokerController
 * .initialize: no haMasterAddress configured) and in controller mode (initialize, l.728), false in DLedger
 * mode; in controller mode the answer reaches an HA client only while one runs (AutoSwitchHAService
 * .updateHaMasterAddress: none before the first change to slave, stopped while master). */
static void on_register_reply(struct broker *b, uint64_t tag, int status, const void *body, uint32_t len)
{
    if (tag >> 8 != b->reg_round || b->reg_left == 0)
        return;
    if (status == RMQ_SUCCESS && len >= sizeof(struct rmq_register_resp) && !b->reg_answered) {
        struct rmq_register_resp r;
        memcpy(&r, body, sizeof r);
        b->reg_answered = 1;
        b->reg_master = r.master;
    }
    if (--b->reg_left > 0)
        return;
    if (b->reg_answered) {
        if (b->role == RMQ_SLAVE && !b->raft && b->ha_client_on && b->reg_master != SIM_NODE_NONE)
            ha_master_address(b, b->reg_master);
        b->sync_master = b->reg_master;
    }
    if (b->reg_queued > 0) {
        b->reg_queued--;
        broker_register_all(b, 0);
    }
}

static void on_reply(struct sim_node *n, uint64_t tag, int status, const void *body, uint32_t len)
{
    struct broker *b = n->model;
    if (tag & (BR_RAFT | BR_CTL)) {
        if (tag & BR_CTL)
            ctl_on_reply(b, tag, status, body, len);
        else if (b->raft)
            raft_on_reply(b->raft, tag & ~BR_RAFT, status, body, len);
        return;
    }
    if ((tag & 0xff) == BR_REGISTER) {
        on_register_reply(b, tag, status, body, len);
        return;
    }
    if (status != RMQ_SUCCESS)
        return;
    if (tag == BR_OFFSET_SYNC && len >= sizeof(struct rmq_all_offsets)) {
        struct rmq_all_offsets r;
        memcpy(&r, body, sizeof r);
        /* SlaveSynchronize.syncConsumerOffset: putAll of the master's table. */
        for (int q = 0; q < RMQ_MAX_QUEUES && q < r.n; q++)
            if (r.offset[q] != OFFSET_NONE)
                b->offsets[q] = r.offset[q];
    }
}

/* ---- node callbacks ---- */

static void broker_start(struct sim_node *n)
{
    struct broker *b = n->model;
    enum rmq_role before = b->role;
    b->role = b->next_role;
    b->id = b->next_id;
    if (b->raft || b->ctl) {
        /* DLedger: a slave until its member leads (DLedgerRoleChangeHandler; dl_start), whatever the config */
        b->role = RMQ_SLAVE;
        b->id = b->replica + 1;
        before = b->role;
    }
    rpc_reset(&b->rpc);
    b->slave_sync_timer = 0;   /* the last life's timers are gone */
    b->reg_left = b->reg_queued = 0;   /* a registration round of the last life ended with it */
    b->sync_master = SIM_NODE_NONE;
    b->slave_sync_last = node_now(n);   /* lastSyncTimeMs: the process's start */
    b->waits_n = b->waits_head = 0;
    b->group_commit_armed = 0;
    gts_reset(b);
    b->nheld = 0;
    b->fsync_inflight = 0;
    b->flush_woken = 0;
    b->last_thorough = node_now(n);
    bx_reset(b);
    broker_locks_reset(b);
    broker_clients_reset(b);
    memcpy(b->offsets, b->saved, sizeof b->offsets);
    if (trace_on(trace_of(b), TRACE_EVENTS)) {
        struct trace *tr = trace_of(b);
        trace_begin(tr, node_now(n), n->name, before != b->role ? "broker.role" : "broker.start");
        trace_str(tr, "group", b->base.w->g[b->group].name);
        trace_str(tr, "role", role_name(b->role));
        trace_int(tr, "id", b->id);
        trace_uint(tr, "max_offset", b->cl.max_offset);
        trace_end(tr);
    }
    node_timer(n, b->cfg.register_initial, BT(BT_REGISTER, 0));
    node_timer(n, hold_period(b), BT(BT_HOLD_CHECK, 0));
    node_timer(n, b->cfg.offset_persist, BT(BT_OFFSET_PERSIST, 0));
    if (b->raft) {
        /* DLedger mode: no registration at start (only on a role change and periodically), DLedger's own
         * 10 ms flush, metadata sync whenever the broker is a slave. */
        node_timer(n, b->cfg.dledger_flush_interval, BT(BT_FLUSH, 0));
        dl_start(b);
        return;
    }
    broker_reput_reset(b);
    /* A new process knows its master once a registration answers; the run's first start may be warm
     * (ha_warm_start: see ha_start; classic HA only). */
    b->ha_warm = !b->ctl && b->n->inc == 0 && b->cfg.ha_warm_start;
    b->master = SIM_NODE_NONE;
    /* BrokerController.start: register at once, then every registerNameServerPeriod from 10 s. In controller
     * mode start() registers after startBasicService, whose ReplicasManager.start makes its first attempt
     * (the controller's answers, a change of role) first: ctl_start_attempt_over. */
    if (b->cfg.register_at_start && !b->ctl)
        broker_register_all(b, 0);
    /* FlushRealTimeService (ASYNC_FLUSH) every flushIntervalCommitLog; GroupCommitService (SYNC_FLUSH) loops
     * every 10 ms whatever the role, and with no put waiting flushes what is dirty (doCommit: flush(0)), so
     * a SYNC_FLUSH slave is durable within about 10 ms too. */
    node_timer(n, b->cfg.flush == RMQ_ASYNC_FLUSH ? b->cfg.flush_interval : b->cfg.group_commit_interval,
               BT(BT_FLUSH, 0));
    if (b->role == RMQ_SLAVE && !b->ctl)
        broker_slave_sync_start(b, SIM_NODE_NONE);   /* controller mode: at its change to slave */
    ha_start(b);
    if (b->ctl)
        ctl_start(b);   /* controller mode: a slave until the controller names it master */
}

static void broker_timer(struct sim_node *n, uint64_t tag)
{
    struct broker *b = n->model;
    if (rpc_on_timer(&b->rpc, tag))
        return;
    enum broker_timer kind = (enum broker_timer)(tag & 0xff);
    switch (kind) {
    case BT_REGISTER:
        if (!ctl_isolated(b))   /* BrokerController.start's task: "Skip register for broker is isolated" */
            broker_register_all(b, 0);
        node_timer(n, b->cfg.register_period, tag);
        break;
    case BT_FLUSH: {
        /* FlushRealTimeService: flush when 4 pages are dirty, or everything once per thorough interval. */
        uint64_t dirty = b->cl.max_offset - b->flushed;
        if (b->raft) {
            /* DLedgerMmapFileStore's flush service: whatever is dirty, every flushFileInterval. */
            if (dirty > 0)
                broker_start_fsync(b);
            node_timer(n, b->cfg.dledger_flush_interval, tag);
            break;
        }
        if (b->cfg.flush != RMQ_ASYNC_FLUSH) {
            if (dirty > 0)
                broker_start_fsync(b);   /* GroupCommitService.doCommit with no request: flush(0) */
            node_timer(n, b->cfg.group_commit_interval, tag);
            break;
        }
        broker_flush_round(b);
        node_timer(n, b->cfg.flush_interval, tag);
        break;
    }
    case BT_GROUP_COMMIT:
        b->group_commit_armed = 0;
        broker_process_waits(b);
        break;
    case BT_GTS:
        if (gts_timeout(b))
            broker_process_waits(b);
        break;
    case BT_HOLD_CHECK:
        broker_expire_pulls(b);
        node_timer(n, hold_period(b), tag);
        break;
    case BT_OFFSET_PERSIST:
        memcpy(b->saved, b->offsets, sizeof b->saved);
        node_timer(n, b->cfg.offset_persist, tag);
        break;
    case BT_OFFSET_SYNC:
        broker_slave_sync_round(b);
        break;
    case BT_HA_MASTER:
    case BT_HA_CLIENT:
    case BT_HA_ACCEPTED:
        ha_on_timer(b, kind, tag >> 8);
        break;
    case BT_RAFT:
        raft_on_timer(b->raft, tag >> 8);
        break;
    case BT_ROLE_CHECK:
        dl_role_check(b);
        break;
    case BT_REPUT:
        if (b->raft)
            dl_reput(b);
        else
            broker_reput_round(b);
        break;
    case BT_CHECKPOINT:
        dl_checkpoint(b);
        break;
    case BT_EXEC:
    case BT_FAST_FAILURE:
        bx_on_timer(b, kind, tag >> 8);
        break;
    case BT_CTL:
        ctl_on_timer(b, tag >> 8);
        break;
    case BT_CLIENT_SCAN:
        broker_clients_scan(b);
        break;
    case BT_CHAN_IDLE:
        broker_channel_idle(b, (sim_conn)(tag >> 8));
        break;
    case BT_DL_GET:
        dl_get_timeout(b);
        break;
    }
}

/* NettyRemotingAbstract.processRequestCommand asks the code's processor rejectRequest() before it queues the
 * request, and answers a refusal SYSTEM_BUSY "[REJECTREQUEST]system busy, start flow control for a while" at
 * once (R44, R498, R53). */
static int broker_rejects(const struct broker *b, int code)
{
    /* SendMessageProcessor.rejectRequest (R44, R498, R53): isOSPageCacheBusy(), a put holding the put lock
     * (DLedgerCommitLog: its dledger lock) longer than osPageCacheBusyTimeOutMills, ||
     * isTransientStorePoolDeficient() (transientStorePoolEnable is not modelled: never). R53 first: a SLAVE
     * without enableSlaveActingMaster (not modelled: false). */
    if (code == RMQ_SEND)
        return (b->cfg.slave_rejects_send && b->role == RMQ_SLAVE) || bx_page_cache_busy(b);
    /* R53 PullMessageProcessor.rejectRequest: a SLAVE without slaveReadEnable; R44/R498 return false. */
    return code == RMQ_PULL && b->cfg.slave_rejects_pull && b->role == RMQ_SLAVE && !b->cfg.slave_read_enable;
}

static void broker_message(struct sim_node *n, const struct sim_msg *m)
{
    struct broker *b = n->model;
    struct rpc_hdr h;
    const void *body;
    uint32_t len;
    /* Responses to the rpc layer, the HA stream to ha.c (each tests the frame's type first: most frames are
     * neither). */
    if (rpc_on_message(&b->rpc, m) ||
        ((m->type == RMQ_HA_REPORT || m->type == RMQ_HA_DATA) && ha_on_message(b, m)) ||
        rpc_parse(m, &h, &body, &len) < 0)
        return;
    struct rpc_ctx ctx = rpc_ctx_of(m);
    switch (h.code) {
    case RMQ_SEND:
    case RMQ_PULL:
    case RMQ_QUERY_OFFSET:
    case RMQ_COMMIT_OFFSET:
    case RMQ_GET_ALL_OFFSETS:
    case RMQ_PROBE:
    case RMQ_GET_MAX_OFFSET:
    case RMQ_LOCK_BATCH_MQ:
    case RMQ_UNLOCK_BATCH_MQ:
    case RMQ_GET_CONSUMER_LIST:
        if (((h.code == RMQ_LOCK_BATCH_MQ || h.code == RMQ_UNLOCK_BATCH_MQ) && len < sizeof(struct rmq_lock_req)) ||
            (h.code == RMQ_SEND && len < sizeof(struct rmq_send_req)) ||
            (h.code == RMQ_PULL && len < sizeof(struct rmq_pull_req)))
            return;
        if (broker_rejects(b, h.code)) {
            struct trace *tr = sim_trace(n->sim);
            if (trace_on(tr, TRACE_EVENTS)) {
                trace_begin(tr, node_now(n), n->name, "broker.busy");
                trace_str(tr, "executor", h.code == RMQ_SEND ? "send" : "pull");
                trace_str(tr, "why", "REJECTREQUEST");
                trace_end(tr);
            }
            rpc_reply(n, ctx, RMQ_SYSTEM_BUSY, NULL, 0, 0);
            return;
        }
        bx_submit(b, ctx, (uint16_t)h.code, body, len);   /* through the request's executor */
        break;
    case RMQ_HEART_BEAT:
        /* ClientManageProcessor on the heartbeat executor (heartbeatThreadPoolNums: min(32, cores)
         * threads of their own, light work): served at its arrival. */
        if (len >= sizeof(struct rmq_heartbeat)) {
            struct rmq_heartbeat hb;
            memcpy(&hb, body, sizeof hb);
            broker_heartbeat(b, ctx, &hb);
        } else {
            /* A producer's: no consumerDataSet, only ProducerManager.registerProducer, not kept. */
            rpc_reply(n, ctx, RMQ_SUCCESS, NULL, 0, 0);
        }
        break;
    case RAFT_VOTE:
    case RAFT_HEARTBEAT:
    case RAFT_PUSH:
    case RAFT_TAKE_LEADERSHIP:
        if (b->raft)
            raft_on_request(b->raft, (uint16_t)h.code, ctx, body, len);
        break;
    case CTL_NOTIFY:
    case CTL_EPOCH:
        if (b->ctl)
            ctl_on_request(b, ctx, (uint16_t)h.code, body, len);
        break;
    default:
        rpc_reply(n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        break;
    }
}

static void broker_conn(struct sim_node *n, sim_conn c, enum sim_conn_ev ev, sim_node_id peer, uint64_t tag)
{
    struct broker *b = n->model;
    (void)peer;
    if (rpc_on_conn(&b->rpc, c, ev) || ha_on_conn(b, c, ev, tag))
        return;
    if (ev == SIM_CONN_ACCEPTED)
        broker_channel_accepted(b, c);
    else if (ev == SIM_CONN_CLOSED)
        broker_client_closed(b, c);
}

static void broker_disk_done(struct sim_node *n, int file, enum sim_disk_op op, uint64_t tag)
{
    struct broker *b = n->model;
    if (file == FILE_COMMITLOG && op == SIM_DISK_READ) {
        if (COLD_READER(tag) == COLD_AHEAD)
            return;   /* no one waits for an asynchronous readahead but through its pages (page_cache.c) */
        if (COLD_READER(tag) == COLD_HA)
            ha_cold_read_done(b, COLD_ARG(tag));   /* an HA writer's (ha.c) */
        else if (COLD_READER(tag) == COLD_DLEDGER && b->raft)
            raft_on_read(b->raft, COLD_ARG(tag));   /* a DLedger leader's dispatcher (broker_dledger.c) */
        else
            broker_cold_read_done(b, (int)COLD_ARG(tag));   /* a pull thread's (broker_processor.c) */
        return;
    }
    if (file == FILE_META && op == SIM_DISK_FSYNC && b->raft) {
        dl_meta_synced(b);
        return;
    }
    if (file != FILE_COMMITLOG || op != SIM_DISK_FSYNC)
        return;
    b->fsync_inflight = 0;
    if (b->fsync_target > b->flushed) {
        b->flushed = b->fsync_target;
        if (!b->raft)
            broker_reput_flushed(b);
    }
    if (b->flush_woken) {
        b->flush_woken = 0;   /* FlushRealTimeService's next waitForRunning returns at once: another round */
        broker_flush_round(b);
    }
    if (b->waits_n)
        broker_process_waits(b);
}

static void unstore(void *ctx, uint32_t msg)
{
    struct broker *b = ctx;
    report_stored(&b->base.w->rep, msg, b->group, b->replica, 0);
}

void broker_truncate(struct broker *b, uint64_t phy)
{
    uint64_t whole = b->cl.max_offset;
    cl_truncate(&b->cl, phy, unstore, b);
    ha_partial_cut(b, phy, whole);
    if (b->ha_verified > b->cl.max_offset)
        b->ha_verified = b->cl.max_offset;
    node_disk_truncate(b->n, FILE_COMMITLOG, broker_log_end(b) - b->disk_base);
    if (b->flushed > b->cl.max_offset)
        b->flushed = b->cl.max_offset;
    if (b->page_cache_from > b->cl.max_offset)   /* what is written again over the cut is in the page cache */
        b->page_cache_from = b->cl.max_offset;
}

static void broker_crash(struct sim_node *n, enum sim_crash_kind kind)
{
    struct broker *b = n->model;
    if (b->raft)
        dl_reput_sync(b);   /* what it dispatched before dying */
    if (b->role != RMQ_SLAVE)   /* the failover timeline starts at the first master crash */
        report_master_crash(&b->base.w->rep, b->group, kind == SIM_CRASH_HOST, b->raft ? (int64_t)b->raft->term : -1);
    /* What survives: the page cache after a process crash, only fsynced bytes after a host crash.
     * Recovery drops the partial message at the end (CommitLog.recoverAbnormally). */
    uint64_t kept = kind == SIM_CRASH_HOST ? sim_disk_durable(n, FILE_COMMITLOG) : sim_disk_written(n, FILE_COMMITLOG);
    if (cl_phy_trimmed(&b->cl, b->disk_base + kept))
        broker_trimmed_read(b, (int64_t)(b->disk_base + kept));   /* the log ends where the trim forgot */
    broker_truncate(b, b->disk_base + kept);
    /* Recovery ends at the first message checkMessageAndReturnSize refuses and truncateDirtyFiles drops the
     * rest (CommitLog.recoverNormally/recoverAbnormally): a message HA frames brought in part goes, and a
     * spliced tail that stopped the reput. */
    ha_partial_drop(b);
    if (b->reput_stop != CL_NONE && b->reput_stop < b->cl.max_offset)
        broker_truncate(b, b->reput_stop);
    b->reput_stop = CL_NONE;
    if (kind == SIM_CRASH_HOST) {
        b->flushed = b->cl.max_offset;
        b->page_cache_from = b->cl.max_offset;
        broker_page_forget(b);
    }
    if (b->raft)
        dl_crash(b, kind);
    if (b->ctl)
        ctl_crash(b, kind);
    b->nhac = 0;
    b->ha_conn = 0;
    b->ha_connecting = 0;
    b->ha_timer_armed = 0;
}

static void broker_pause(struct sim_node *n, sim_time until)
{
    struct broker *b = n->model;
    (void)until;
    if (b->raft)
        dl_reput_make_real(b);   /* a frozen process: its virtual wake-up waits as a timer */
}

static const struct sim_node_ops broker_ops = {
    .start = broker_start,
    .on_message = broker_message,
    .on_timer = broker_timer,
    .on_disk_done = broker_disk_done,
    .on_conn = broker_conn,
    .on_crash = broker_crash,
    .on_pause = broker_pause,
};

/* ---- public ---- */

struct broker *broker_create(struct rmq_world *w, const char *name, int group, int replica, int broker_id,
                             const struct broker_cfg *cfg)
{
    struct broker *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->base.w = w;
    b->base.kind = RMQ_BROKER;
    b->group = group;
    b->replica = replica;
    b->cfg = *cfg;
    b->next_id = b->id = broker_id;
    b->next_role = b->role = broker_id == 0 ? cfg->role : RMQ_SLAVE;
    b->memory = (uint64_t)((double)cfg->host_memory * cfg->in_memory_ratio / 100.0);
    b->master = b->sync_master = SIM_NODE_NONE;
    b->reput_stop = CL_NONE;
    cl_init(&b->cl);
    for (int q = 0; q < RMQ_MAX_QUEUES; q++)
        b->offsets[q] = b->saved[q] = OFFSET_NONE;
    sim_node_id id = sim_node_add(w->sim, name, &broker_ops, b);
    if (id == SIM_NODE_NONE) {
        free(b);
        return NULL;
    }
    b->n = sim_node(w->sim, id);
    rpc_init(&b->rpc, b->n, on_reply);
    b->rpc.fail_fast = cfg->fail_fast;
    b->rpc.close_on_timeout = cfg->close_on_timeout;
    b->rpc.close_needs_time = cfg->close_needs_time;
    if (bx_init(b) < 0 || (cfg->dledger && dl_init(b) < 0) || (cfg->controller && ctl_init(b) < 0)) {
        bx_free(b);
        dl_free(b);
        ctl_free(b);
        rpc_free(&b->rpc);
        free(b);
        return NULL;
    }
    return b;
}

void broker_free(struct broker *b)
{
    if (!b)
        return;
    dl_free(b);
    bx_free(b);
    ctl_free(b);
    cl_free(&b->cl);
    rpc_free(&b->rpc);
    free(b->waits);
    free(b->gts_q);
    free(b->held);
    free(b->chans);
    free(b->list);
    ha_free(b);
    free(b);
}

sim_node_id broker_node(const struct broker *b) { return b->n->id; }
const struct raft *broker_raft(const struct broker *b) { return b->raft; }
int broker_id(const struct broker *b) { return b->id; }
enum rmq_role broker_role(const struct broker *b) { return b->role; }
const struct commitlog *broker_log(const struct broker *b) { return &b->cl; }
uint64_t broker_offset(const struct broker *b, int q) { return b->offsets[q]; }
uint64_t broker_saved_offset(const struct broker *b, int q) { return b->saved[q]; }
uint64_t broker_flushed(const struct broker *b) { return b->flushed; }

void broker_reconfigure(struct broker *b, enum rmq_role role, int id)
{
    b->next_role = role;
    b->next_id = id;
}

void broker_trim(struct broker *b, uint64_t phy) { cl_trim(&b->cl, phy); }

void broker_trimmed_read(struct broker *b, int64_t at)
{
    report_violation(&b->base.w->rep, "trimmed_read", b->group, b->n->id, -1, at);
}

int64_t broker_dispatched(struct broker *b)
{
    if (!b->raft)
        return -1;
    dl_reput_sync(b);
    return b->reput_next - 1;
}

int64_t broker_dledger_keep(struct broker *b)
{
    if (!b->raft)
        return INT64_MAX;
    int64_t end = raft_end(b->raft), keep = b->raft->committed < end ? b->raft->committed : end;
    int64_t dispatched = broker_dispatched(b), reads = raft_read_floor(b->raft);
    if (dispatched < keep)
        keep = dispatched;
    if (b->ckpt_committed >= 0 && b->ckpt_committed < keep)
        keep = b->ckpt_committed;
    return reads < keep ? reads : keep;
}

uint64_t broker_keep_offset(const struct broker *b)
{
    /* A host crash cuts the log back to its fsynced bytes, less a message they hold in part (the crash's
     * recovery drops it): the entry the log then ends with is kept too (a DLedger member reads its term). */
    uint64_t end = b->disk_base + sim_disk_durable(b->n, FILE_COMMITLOG);
    if (end > b->cl.max_offset)
        end = b->cl.max_offset;
    uint64_t i = cl_find(&b->cl, end);   /* entry i - 1 starts below end; it may hold end in part */
    const struct cl_entry *last = i > b->cl.first ? cl_at(&b->cl, i - 1) : NULL;
    if (last && last->offset + last->size > end)
        last = i - 1 > b->cl.first ? cl_at(&b->cl, i - 2) : NULL;
    uint64_t keep = last ? last->offset : end;
    if (b->ctl) {
        uint64_t ctl = ctl_keep_offset(b);
        if (ctl < keep)
            keep = ctl;
    }
    return keep;
}
