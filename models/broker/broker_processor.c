/* broker_processor: the requests a broker's executors run (NettyRequestProcessor.processRequest):
 * SendMessageProcessor with the classic CommitLog.putMessage (a DLedger or controller-mode broker's put is
 * broker_dledger.c's or broker_controller.c's), PullMessageProcessor with its long polling (the held pulls
 * are pull_hold.c's) and its read of the messages not in the page cache, and the codes the consumer's
 * offsets, locks and lists take. */
#include <stddef.h>
#include <string.h>

#include "models/broker/broker_int.h"
#include "models/broker/redirect.h"
#include "models/report/report.h"

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
     * "[PC_SYNCHRONIZED]broker busy": a send queued before the page cache became busy and taken by another
     * thread (one arriving while it is busy is refused before the executor: broker.c, broker_rejects). */
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
        broker_wait_at(b, b->waits_n - 1)->thread = (int16_t)b->cur_thread;
        b->cur_held = 1;
    }
    if (pw.need_flush)
        broker_start_fsync(b);          /* GroupCommitService is woken by the request */
    /* R44 HAService.putRequest, then wakeupAll. The service answers at once only a put its slave already has
     * (a slave past it); that answer goes at the next look at the waits, as the wait it replaces did, not
     * inside this request's service. */
    if (pw.need_slave && !pw.slave_after_flush && gts_applies(b))
        gts_put(b, broker_wait_at(b, b->waits_n - 1));
    if (pw.need_slave && !pw.slave_after_flush)
        ha_wakeup(b);
    broker_arm_group_commit(b);
}

/* DefaultMessageStore.nextOffsetCorrection: a slave keeps the consumer's offset unless offsetCheckInSlave. */
static uint64_t correct(const struct broker *b, uint64_t old, uint64_t fixed)
{
    return b->role == RMQ_SLAVE && !b->cfg.offset_check_in_slave ? old : fixed;
}

/* PullMessageProcessor.processRequest, SUCCESS with transferMsgByHeap (BrokerConfig, default true: R44
 * l.108, R498 l.113, R53 l.132; R44 l.378-384, R498 l.381-386, R53 DefaultPullMessageResultHandler.handle
 * l.140-145) copies the messages into a heap buffer on the pull thread (readGetMessageResult, R44 l.487,
 * R498 l.489, R53 l.236). getMessage only took slices of the CommitLog's mapped file (CommitLog.getMessage
 * -> MappedFile.selectMappedBuffer), so the copy is where the pages not in the page cache fault in, and the
 * thread waits for the disk. mqsim reads the pages the copy faults in (broker_page_touch: below
 * broker_cache_low, not read in before, with their read-around windows) in one device read, which queues with
 * the device's reads (node_disk_read, cached 0), and sends the answer when it ends; the thread is busy meanwhile. A
 * crash meanwhile drops the read and the answer with it (what it read stays in the page cache). */
static __attribute__((noinline)) int cold_read(struct broker *b, const struct rmq_pull_resp *r, uint32_t len,
                                                int code, uint64_t bytes, int q, uint64_t qoffset, int ncold,
                                                uint64_t low)
{
    /* The answer's first ncold messages are below low (a queue's messages lie in the order of their offsets):
     * the copy touches each. */
    struct page_touch touch = {0}, *pt = &touch;
    for (int k = 0; k < ncold; k++) {
        const struct cl_entry *e = cl_at(&b->cl, cl_qentry(&b->cl, q, qoffset + (uint64_t)k));
        if (e)
            broker_page_touch(b, e->offset, e->offset + e->size, low, pt);
    }
    if (!pt->read && pt->wait <= node_now(b->n)) {
        if (pt->hit)
            broker_page_hit(b, "pull", pt);
        return 0;
    }
    if (b->cur_thread < 0) {
        broker_page_unwaited(b, pt);   /* no thread to wait */
        return 0;
    }
    int t = b->cur_thread;
    struct pull_read *p = &b->cold_reads[t];
    memcpy(&p->r, r, len);
    p->len = len;
    p->code = code;
    p->bytes = bytes;
    p->pending = 1;
    b->cur_held = 1;
    if (!pt->read) {
        broker_page_hit(b, "pull", pt);   /* waits for the read bringing its pages in */
    } else if (trace_on(trace_of(b), TRACE_FULL)) {
        struct trace *tr = trace_of(b);
        trace_begin(tr, node_now(b->n), b->n->name, "pull.cold_read");
        trace_int(tr, "queue", b->ex[EX_PULL].t[t].req.u.pull.queue);
        trace_uint(tr, "bytes", pt->read);
        broker_page_trace_fields(tr, pt);
        trace_end(tr);
    }
    broker_page_io(b, pt, COLD_TAG(COLD_PULL, t));
    return 1;
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
        .max_offset_py = broker_max_offset_py(b), .memory = b->memory,
    };
    uint64_t minq = cl_min_qoff(&b->cl, q), maxq = broker_visible_qoff(b, q), bytes = 0, cache_low = 0;
    int cold = 0, ncold = 0;
    r.min_qoffset = minq;
    r.max_qoffset = maxq;
    /* DefaultMessageStore.getMessage (R44 l.520-600). */
    if (maxq == 0) {
        in.status = GET_NO_MESSAGE_IN_QUEUE;
        r.next_qoffset = correct(b, req->qoffset, 0);
    } else if (req->qoffset < minq) {
        /* Below what this store still holds. Only the world's memory trim forgets a store's oldest messages,
         * and it must keep what a consumer may still ask for: the real store keeps its files for days. */
        if (cl_trimmed(&b->cl, q, req->qoffset))
            broker_trimmed_read(b, (int64_t)req->qoffset);
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
        cache_low = broker_cache_low(b, in.max_offset_py);   /* broker_page_cached's bound, once */
        for (uint64_t qo = req->qoffset; qo < maxq && r.n < max; qo++) {
            const struct cl_entry *e = cl_at(&b->cl, cl_qentry(&b->cl, q, qo));
            if (!e)
                break;
            in.max_phy_offset_pulling = e->offset;
            /* checkInDiskByCommitOffset: (maxOffsetPy - offsetPy) > memory, a long: an entry past maxOffsetPy (a
             * 5.3 DLedger member's uncommitted tail dispatched at its restart) is in memory. */
            int in_disk = in.max_offset_py > e->offset && in.max_offset_py - e->offset > b->memory;
            if (redirect_batch_full(e->size, max, bytes, r.n, in_disk))
                break;
            cold |= in_disk;
            ncold += e->offset < cache_low;   /* a message is in the page cache when its first byte is */
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
    uint32_t len = (uint32_t)(offsetof(struct rmq_pull_resp, msg) + r.n * sizeof r.msg[0]);
    if (ncold && cold_read(b, &r, len, code, bytes, q, req->qoffset, ncold, cache_low))
        return;
    rpc_reply(b->n, ctx, code, &r, len, bytes);
}

void broker_cold_read_done(struct broker *b, int thread)
{
    if (thread < 0 || thread >= b->ex[EX_PULL].threads || !b->cold_reads[thread].pending)
        return;
    struct pull_read *p = &b->cold_reads[thread];
    p->pending = 0;
    rpc_reply(b->n, b->ex[EX_PULL].t[thread].req.ctx, p->code, &p->r, p->len, p->bytes);
    bx_put_answered(b, (int)EX_PULL << 16 | thread);
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
    case RMQ_GET_MAX_OFFSET:
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
