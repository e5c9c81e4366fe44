/* broker: the request side of a classic RocketMQ broker (R44): SendMessageProcessor and CommitLog.putMessage
 * with its flush and HA waits, PullMessageProcessor with long polling, ConsumerOffsetManager, the slave's
 * SlaveSynchronize, registration with the NameServers, and the CommitLog's flush timers (the puts that wait
 * for the flush or the slaves: put_wait.c). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/controller/ctl_proto.h"
#include "models/dledger/raft.h"
#include "models/broker/redirect.h"
#include "models/report/report.h"

static const struct sim_node_ops broker_ops;

static const char *role_name(enum rmq_role r)
{
    return r == RMQ_SYNC_MASTER ? "SYNC_MASTER" : r == RMQ_ASYNC_MASTER ? "ASYNC_MASTER" : "SLAVE";
}

static struct trace *trace_of(struct broker *b) { return sim_trace(b->n->sim); }

/* What consumers may read of queue q: what the ReputMessageService dispatched (reput.c in classic HA; on
 * DLedger the committed part, its follower's dispatch brought up to date first), and in controller mode no
 * further than the confirm offset. */
uint64_t broker_visible_qoff(struct broker *b, int q)
{
    if (b->raft) {
        dl_reput_sync(b);
        return b->committed_qoff[q];
    }
    uint64_t v = broker_reput_visible(b, q);
    if (b->ctl) {
        uint64_t c = ctl_visible_qoff(b, q);
        return c < v ? c : v;
    }
    return v;
}

/* ---- requests ---- */

static void handle_send(struct broker *b, struct rpc_ctx ctx, const struct rmq_send_req *req)
{
    struct rmq_world *w = b->base.w;
    if (b->raft || b->ctl) {
        (b->raft ? dl_send : ctl_send)(b, ctx, req);
        return;
    }
    /* DefaultMessageStore.putMessage: a slave refuses writes (R44 l.311-318). */
    if (b->role == RMQ_SLAVE) {
        rpc_reply(b->n, ctx, RMQ_SERVICE_NOT_AVAILABLE, NULL, 0, 0);
        return;
    }
    if (req->queue >= b->cfg.queues) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    /* DefaultMessageStore.putMessage: OS_PAGECACHE_BUSY, which SendMessageProcessor answers SYSTEM_ERROR
     * "[PC_SYNCHRONIZED]broker busy". */
    if (bx_page_cache_busy(b)) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    uint64_t offset;
    if (broker_put_append(b, ctx, req, &offset) < 0)
        return;
    /* CommitLog.handleDiskFlush, ASYNC_FLUSH: flushCommitLogService.wakeup(). With flushCommitLogTimed false
     * (R44) FlushRealTimeService waits by waitForRunning(interval), which the wakeup ends: its round runs
     * now, or right after the flush it is in (the notice waits); R498/R53 sleep the interval out. */
    if (!b->cfg.flush_timed && b->cfg.flush == RMQ_ASYNC_FLUSH) {
        if (b->fsync_inflight)
            b->flush_woken = 1;
        else
            broker_flush_round(b);
    }
    report_stored(&w->rep, req->msg, b->group, b->replica, 1);
    /* ReputMessageService dispatches it to the ConsumeQueue at its next round and, on a master, wakes held
     * pulls. */
    broker_reput_kick(b);

    /* What the put waits for, in locals: the answer at once is the common case (ASYNC_MASTER, ASYNC_FLUSH). */
    int need_flush = b->cfg.flush == RMQ_SYNC_FLUSH, need_slave = b->role == RMQ_SYNC_MASTER;
    int status = RMQ_SUCCESS;
    /* R44 CommitLog.putMessage runs handleHA after handleDiskFlush has returned: under SYNC_FLUSH the
     * isSlaveOK test and the writers' wakeupAll come when the flush wait ends (broker_process_waits). */
    int slave_after_flush = need_slave && need_flush && b->cfg.sync_master_wait == SYNC_WAIT_SYNC_FLUSH_TIMEOUT;
    if (b->cfg.sync_master_wait == SYNC_WAIT_IN_SYNC_REPLICAS) {
        /* R53 CommitLog.handleHA: needAckNums <= 1 is PUT_OK at once; no isSlaveOK test. */
        need_slave = need_slave && b->cfg.in_sync_replicas > 1;
    } else if (need_slave && !slave_after_flush && !ha_slave_ok(b, b->cl.max_offset)) {
        /* CommitLog.handleHA: no slave in reach, so the put does not wait. */
        need_slave = 0;
        status = RMQ_SLAVE_NOT_AVAILABLE;
    }
    if (!need_flush && !need_slave) {
        struct rmq_send_resp r = {offset};
        rpc_reply(b->n, ctx, status, &r, sizeof r, 0);
        return;
    }
    struct put_wait pw = {
        .ctx = ctx, .end = b->cl.max_offset, .offset = offset, .status = status,
        .deadline = node_now(b->n) + b->cfg.sync_flush_timeout,
        .need_flush = need_flush, .need_slave = need_slave, .slave_after_flush = (uint8_t)slave_after_flush,
        .thread = -1,
    };
    if (b->cfg.sync_master_wait != SYNC_WAIT_SYNC_FLUSH_TIMEOUT)
        pw.slave_deadline = node_now(b->n) + b->cfg.slave_timeout;
    if (broker_wait_push(b, &pw) < 0) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    /* R44: handleDiskFlush and handleHA wait on the send thread (request.waitForFlush); 4.7+ returns a
     * CompletableFuture and frees it. */
    if (!b->cfg.async_send && b->cur_thread >= 0) {
        b->waits[(b->waits_head + b->waits_n - 1) % b->waits_cap].thread = (int16_t)b->cur_thread;
        b->cur_held = 1;
    }
    if (pw.need_flush)
        broker_start_fsync(b);          /* GroupCommitService is woken by the request */
    if (pw.need_slave && !pw.slave_after_flush)
        ha_wakeup(b);
    broker_arm_group_commit(b);
}

/* PullRequestHoldService.run: waitForRunning(5 s) with long polling, else shortPollingTimeMills. */
static sim_time hold_period(const struct broker *b)
{
    return b->cfg.long_polling ? b->cfg.hold_check : b->cfg.short_polling;
}

/* DefaultMessageStore.nextOffsetCorrection: a slave keeps the consumer's offset unless offsetCheckInSlave. */
static uint64_t correct(const struct broker *b, uint64_t old, uint64_t fixed)
{
    return b->role == RMQ_SLAVE && !b->cfg.offset_check_in_slave ? old : fixed;
}

void broker_handle_pull(struct broker *b, struct rpc_ctx ctx, const struct rmq_pull_req *req, int allow_suspend)
{
    struct rmq_pull_resp r;
    memset(&r, 0, offsetof(struct rmq_pull_resp, msg));   /* the ids are written as found: only they are sent */
    int q = req->queue;
    if (q >= RMQ_MAX_QUEUES) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    /* PullMessageProcessor.processRequest: a push consumer's pull carries no subscription
     * (postSubscriptionWhenPull false), so the group must be in ConsumerManager: "the consumer's group info
     * not exist" until a heartbeat of its reaches this process. */
    if (!broker_has_consumers(b)) {
        rpc_reply(b->n, ctx, RMQ_SUBSCRIPTION_NOT_EXIST, NULL, 0, 0);
        return;
    }
    if (b->raft)
        dl_reput_sync(b);
    struct redirect_in in = {
        .is_slave = b->role == RMQ_SLAVE, .offset_check_in_slave = b->cfg.offset_check_in_slave,
        .slave_read_enable = b->cfg.slave_read_enable,
        .which_broker_slowly = b->cfg.which_broker_slowly, .group_broker_id = 0,
        .redirects_to_master = b->cfg.slave_redirects,
        .max_offset_py = b->raft ? b->committed_py : b->cl.max_offset, .memory = b->memory,
    };
    uint64_t minq = cl_min_qoff(&b->cl, q), maxq = broker_visible_qoff(b, q), bytes = 0;
    int cold = 0;
    r.min_qoffset = minq;
    r.max_qoffset = maxq;
    /* DefaultMessageStore.getMessage (R44 l.520-600). */
    if (maxq == 0) {
        in.status = GET_NO_MESSAGE_IN_QUEUE;
        r.next_qoffset = correct(b, req->qoffset, 0);
    } else if (req->qoffset < minq) {
        in.status = GET_OFFSET_TOO_SMALL;
        r.next_qoffset = correct(b, req->qoffset, minq);
    } else if (req->qoffset == maxq) {
        in.status = GET_OFFSET_OVERFLOW_ONE;
        r.next_qoffset = req->qoffset;
    } else if (req->qoffset > maxq) {
        in.status = GET_OFFSET_OVERFLOW_BADLY;
        r.next_qoffset = correct(b, req->qoffset, minq == 0 && !b->cfg.overflow_to_max ? 0 : maxq);
    } else {
        in.status = GET_FOUND;
        int max = (int)(req->max_msgs < RMQ_PULL_MAX ? req->max_msgs : RMQ_PULL_MAX);
        for (uint64_t qo = req->qoffset; qo < maxq && r.n < max; qo++) {
            const struct cl_entry *e = cl_at(&b->cl, cl_qentry(&b->cl, q, qo));
            if (!e)
                break;
            in.max_phy_offset_pulling = e->offset;
            int in_disk = in.max_offset_py - e->offset > b->memory;
            if (redirect_batch_full(e->size, max, bytes, r.n, in_disk))
                break;
            cold |= in_disk;
            r.msg[r.n++] = e->msg;
            bytes += e->size;
        }
        r.next_qoffset = req->qoffset + r.n;
    }
    r.suggest = (uint16_t)redirect_suggest(&in);
    int code = redirect_response_code(&in, req->qoffset);

    /* storeOffsetEnable = brokerAllowSuspend && hasCommitOffsetFlag && role != SLAVE, a held request's too
     * (R44 PullMessageProcessor.processRequest commits after the switch that suspends it; R53
     * DefaultPullMessageResultHandler.handle calls tryCommitOffset before it). */
    if (allow_suspend && req->has_commit && b->role != RMQ_SLAVE)
        b->offsets[q] = req->commit_offset;
    if (code == RMQ_PULL_NOT_FOUND && allow_suspend) {
        /* Long polling: hold the request until a message arrives or the suspend time passes (or, with
         * long polling off, shortPollingTimeMills). */
        broker_hold_pull(b, ctx, req, b->cfg.long_polling ? req->suspend : b->cfg.short_polling);
        return;
    }
    if (trace_on(trace_of(b), TRACE_FULL)) {
        struct trace *tr = trace_of(b);
        trace_begin(tr, node_now(b->n), b->n->name, "pull.serve");
        trace_int(tr, "queue", q);
        trace_uint(tr, "offset", req->qoffset);
        trace_int(tr, "n", r.n);
        trace_int(tr, "code", code);
        trace_int(tr, "suggest", r.suggest);
        trace_bool(tr, "cold", cold);
        trace_end(tr);
    }
    (void)cold;   /* the read itself is a page-cache or disk read: its latency is the response's wire time */
    rpc_reply(b->n, ctx, code, &r, (uint32_t)(offsetof(struct rmq_pull_resp, msg) + r.n * sizeof r.msg[0]), bytes);
}

/* ---- registration and replies ---- */

void broker_register_all(struct broker *b)
{
    struct rmq_world *w = b->base.w;
    struct rmq_register_req req = {(uint16_t)b->group, (uint16_t)b->id, b->ctl ? ctl_state_version(b) : 0};
    if (trace_on(trace_of(b), TRACE_FULL)) {
        struct trace *tr = trace_of(b);
        trace_begin(tr, node_now(b->n), b->n->name, "broker.register");
        trace_str(tr, "group", w->g[b->group].name);
        trace_int(tr, "id", b->id);
        trace_end(tr);
    }
    for (int i = 0; i < w->nns; i++)
        rpc_call(&b->rpc, w->ns[i], RMQ_REGISTER_BROKER, &req, sizeof req, 0, b->cfg.request_timeout, BR_REGISTER);
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
    if (status != RMQ_SUCCESS)
        return;
    if (tag == BR_REGISTER && len >= sizeof(struct rmq_register_resp)) {
        struct rmq_register_resp r;
        memcpy(&r, body, sizeof r);
        /* BrokerController.doRegisterBrokerAll: a slave takes haServerAddr from the reply when it names one
         * (updateMasterHAServerAddrPeriodically && getHaServerAddr() != null); a reply without a master
         * leaves the HA client on its old address, which it keeps trying every 5 s. */
        if (b->role == RMQ_SLAVE && !b->ctl && r.master != SIM_NODE_NONE)   /* controller mode: the controller */
            ha_master_address(b, r.master);
    } else if (tag == BR_OFFSET_SYNC && len >= sizeof(struct rmq_all_offsets)) {
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
    b->waits_n = b->waits_head = 0;
    b->group_commit_armed = 0;
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
        node_timer(n, b->cfg.dledger_sync_period, BT(BT_OFFSET_SYNC, 0));
        dl_start(b);
        return;
    }
    broker_reput_reset(b);
    if (!b->ctl) {
        /* A new process knows its master once a registration answers; the run's first start may be warm
         * (ha_warm_start: see ha_start). */
        b->ha_warm = b->n->inc == 0 && b->cfg.ha_warm_start;
        b->master = SIM_NODE_NONE;
    }
    /* BrokerController.start: register at once, then every registerNameServerPeriod from 10 s. */
    if (b->cfg.register_at_start)
        broker_register_all(b);
    /* FlushRealTimeService (ASYNC_FLUSH) every flushIntervalCommitLog; GroupCommitService (SYNC_FLUSH) loops
     * every 10 ms whatever the role, and with no put waiting flushes what is dirty (doCommit: flush(0)), so
     * a SYNC_FLUSH slave is durable within about 10 ms too. */
    node_timer(n, b->cfg.flush == RMQ_ASYNC_FLUSH ? b->cfg.flush_interval : b->cfg.group_commit_interval,
               BT(BT_FLUSH, 0));
    if (b->role == RMQ_SLAVE)
        node_timer(n, b->cfg.offset_sync_initial, BT(BT_OFFSET_SYNC, 0));
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
        broker_register_all(b);
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
    case BT_HOLD_CHECK:
        broker_expire_pulls(b);
        node_timer(n, hold_period(b), tag);
        break;
    case BT_OFFSET_PERSIST:
        memcpy(b->saved, b->offsets, sizeof b->saved);
        node_timer(n, b->cfg.offset_persist, tag);
        break;
    case BT_OFFSET_SYNC:
        if (b->role == RMQ_SLAVE && b->master != SIM_NODE_NONE)
            rpc_call(&b->rpc, b->master, RMQ_GET_ALL_OFFSETS, NULL, 0, 0, BROKER_API_TIMEOUT, BR_OFFSET_SYNC);
        node_timer(n, b->raft ? b->cfg.dledger_sync_period : b->cfg.offset_sync_period, tag);
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
    }
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
    case RMQ_LOCK_BATCH_MQ:
    case RMQ_UNLOCK_BATCH_MQ:
    case RMQ_GET_CONSUMER_LIST:
        if (((h.code == RMQ_LOCK_BATCH_MQ || h.code == RMQ_UNLOCK_BATCH_MQ) && len < sizeof(struct rmq_lock_req)) ||
            (h.code == RMQ_SEND && len < sizeof(struct rmq_send_req)) ||
            (h.code == RMQ_PULL && len < sizeof(struct rmq_pull_req)))
            return;
        /* R53 NettyRemotingAbstract.processRequestCommand: PullMessageProcessor.rejectRequest() (a SLAVE without
         * slaveReadEnable) is answered SYSTEM_BUSY before the executor. */
        if (h.code == RMQ_PULL && b->cfg.slave_rejects_pull && b->role == RMQ_SLAVE && !b->cfg.slave_read_enable) {
            struct trace *tr = sim_trace(n->sim);
            if (trace_on(tr, TRACE_EVENTS)) {
                trace_begin(tr, node_now(n), n->name, "broker.busy");
                trace_str(tr, "executor", "pull");
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

void broker_serve(struct broker *b, const struct exec_req *r)
{
    switch (r->code) {
    case RMQ_SEND:
        handle_send(b, r->ctx, &r->u.send);
        break;
    case RMQ_PULL:
        broker_handle_pull(b, r->ctx, &r->u.pull, !r->woken);
        break;
    case RMQ_QUERY_OFFSET:
    case RMQ_COMMIT_OFFSET:
    case RMQ_GET_ALL_OFFSETS:
        broker_handle_offsets(b, r->ctx, r->code, &r->u.off, sizeof r->u.off);
        break;
    case RMQ_PROBE:
        rpc_reply(b->n, r->ctx, RMQ_SUCCESS, NULL, 0, 0);
        break;
    case RMQ_LOCK_BATCH_MQ:
    case RMQ_UNLOCK_BATCH_MQ:
        broker_handle_lock(b, r->ctx, r->code, &r->u.lock);
        break;
    case RMQ_GET_CONSUMER_LIST:
        broker_consumer_list(b, r->ctx);
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
    (void)tag;
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
    cl_truncate(&b->cl, b->disk_base + kept, unstore, b);
    /* Recovery ends at the first message checkMessageAndReturnSize refuses and truncateDirtyFiles drops the
     * rest (CommitLog.recoverNormally/recoverAbnormally): a spliced tail that stopped the reput goes. */
    if (b->reput_stop != CL_NONE && b->reput_stop < b->cl.max_offset)
        cl_truncate(&b->cl, b->reput_stop, unstore, b);
    b->reput_stop = CL_NONE;
    if (b->ha_verified > b->cl.max_offset)
        b->ha_verified = b->cl.max_offset;
    node_disk_truncate(n, FILE_COMMITLOG, b->cl.max_offset - b->disk_base);
    if (b->flushed > b->cl.max_offset)
        b->flushed = b->cl.max_offset;
    if (kind == SIM_CRASH_HOST)
        b->flushed = b->cl.max_offset;
    if (b->raft)
        dl_crash(b, kind);
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
        dl_pause(b);
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
    b->master = SIM_NODE_NONE;
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
    free(b->held);
    free(b->chans);
    free(b->list);
    free(b->hac);
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

int64_t broker_dispatched(struct broker *b)
{
    if (!b->raft)
        return -1;
    dl_reput_sync(b);
    return b->reput_next - 1;
}
