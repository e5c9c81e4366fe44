/* consumer_orderly: a push consumer with MessageListenerOrderly (R44 ConsumeMessageOrderlyService and the
 * lock half of RebalanceImpl).
 *
 * An orderly consumer consumes a queue only while it holds the queue's lock on the queue's master
 * (rebalance_lock.c): the rebalance takes a queue only once the master granted it, lockMQPeriodically renews
 * every held queue's lock, a pull of a queue whose ProcessQueue is not locked is put off, and a consume
 * request runs only while the lock is held and younger than REBALANCE_LOCK_MAX_LIVE_TIME. Lock requests go to
 * brokerId 0 only (findBrokerAddressInSubscribe(brokerName, MASTER_ID, true)): while a group has no master in
 * the consumer's route, its queues' locks age out and their consumption stops, even though the slave serves
 * the pulls.
 *
 * Consumption: R44 gives each queue's ConsumeRequest a thread of consumeThreadMin 20 and serialises a queue
 * by its messageQueueLock. mqsim keeps the one consume service of consume_rate_per_s: requests of different
 * queues take turns, a batch of consumeMessageBatchMaxSize at a time, and a queue has one request at most. */
#include <string.h>

#include "models/client/consumer.h"
#include "models/client/consumer_int.h"
#include "models/report/report.h"

/* ConsumeMessageOrderlyService.ConsumeRequest.run: tryLockLaterAndReconsume(mq, pq, 100) when the request
 * finds the queue not locked; 10 ms when its loop finds it so after a batch. */
#define RELOCK_FIRST (100 * SIM_MS)
#define RELOCK_LOOP (10 * SIM_MS)
/* tryLockLaterAndReconsume: submitConsumeRequestLater(pq, mq, lockOK ? 10 : 3000). */
#define RESUBMIT_OK (10 * SIM_MS)
#define RESUBMIT_FAIL (3000 * SIM_MS)

/* findBrokerAddressInSubscribe(brokerName, MASTER_ID, onlyThisBroker = true): the master, or none. */
static sim_node_id master_of(const struct consumer *c, int group)
{
    int id = 0;
    sim_node_id node = ns_client_find(&c->route, group, 0, &id);
    return id == 0 ? node : SIM_NODE_NONE;
}

/* lockBatchMQ is invokeSync; unlockBatchMQ(.., oneway true) is a oneway, whose loss closes nothing (an rpc
 * call that is asynchronous here: its answer is ignored). */
static void lock_call(struct consumer *c, sim_node_id node, uint16_t code, uint64_t mqs, enum c_rpc kind,
                      uint32_t slot, uint32_t gen)
{
    struct rmq_lock_req req = {.client = consumer_client_id(c), .mqs = mqs};
    (code == RMQ_UNLOCK_BATCH_MQ ? rpc_call_async : rpc_call)(&c->rpc, node, code, &req, sizeof req, 0,
                                                              c->cfg.lock_timeout, consumer_tag(kind, slot, gen));
}

/* ProcessQueue.setLocked (and setLastLockTimestamp(now) when locked). Every grant is traced (a renewal
 * too: the lock's age runs from it), and every loss. */
static void set_locked(struct consumer *c, uint32_t k, int on)
{
    struct cq *q = &c->cq[k];
    if (on)
        q->last_lock = consumer_now(c);
    if (!on && !q->locked)
        return;
    q->locked = (uint8_t)on;
    struct trace *tr = sim_trace(c->n->sim);
    if (trace_on(tr, TRACE_EVENTS)) {
        trace_begin(tr, consumer_now(c), c->n->name, "orderly.lock");
        trace_str(tr, "group", c->base.w->g[q->group].name);
        trace_int(tr, "queue", q->queue);
        trace_int(tr, "locked", on);
        trace_end(tr);
    }
}

/* ConsumeRequest.run's condition: locked and !isLockExpired (now - lastLockTimestamp > 30000 ms). */
static int lock_valid(const struct consumer *c, const struct cq *q)
{
    return q->state == CQ_ACTIVE && q->locked && consumer_now(c) - q->last_lock <= c->cfg.lock_live;
}

/* ---- locks ---- */

void consumer_orderly_start(struct consumer *c, sim_time delay)
{
    /* ConsumeMessageOrderlyService.start: lockMQPeriodically at 1000 ms, then every REBALANCE_LOCK_INTERVAL. */
    node_timer(c->n, delay, C_T_LOCK_ALL);
}

/* RebalanceImpl.lockAll: per broker name, the queues in processQueueTable, in one lockBatchMQ to its master.
 * A group with no master in the route is skipped; a failed request changes nothing. */
void consumer_orderly_lock_all(struct consumer *c)
{
    struct rmq_world *w = c->base.w;
    for (int g = 0; g < w->ngroups && g < RMQ_MAX_GROUPS; g++) {
        uint64_t mqs = 0;
        for (int qi = 0; qi < c->qn[g]; qi++)
            if (c->cq[c->qbase[g] + qi].state == CQ_ACTIVE)
                mqs |= 1ULL << c->cq[c->qbase[g] + qi].queue;
        sim_node_id node = master_of(c, g);
        if (mqs == 0 || node == SIM_NODE_NONE)
            continue;
        c->lock_asked[g] = mqs;
        lock_call(c, node, RMQ_LOCK_BATCH_MQ, mqs, C_R_LOCK_ALL, (uint32_t)g, 0);
    }
}

/* RebalanceImpl.updateProcessQueueTableInRebalance: isOrder && !lock(mq) -> "add a new mq failed, because
 * lock failed"; the next rebalance tries again. */
void consumer_orderly_take(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    sim_node_id node = master_of(c, q->group);
    if (node == SIM_NODE_NONE) {
        consumer_unbalanced(c);   /* RebalanceImpl.lock: no master in the route, not locked */
        return;
    }
    q->state = CQ_LOCK;
    q->gen = (q->gen + 1) & GEN_MASK;
    c->take_peer = node;   /* the rebalance's loop waits for this call (consumer_take_lock_timed_out) */
    lock_call(c, node, RMQ_LOCK_BATCH_MQ, 1ULL << q->queue, C_R_LOCK, k, q->gen);
}

/* RebalancePushImpl.removeUnnecessaryMessageQueue -> unlockDelay -> unlock(mq, oneway = true). R44 delays
 * the unlock by 20 s when the ProcessQueue has messages taken but not committed; mqsim unlocks at once. */
void consumer_orderly_unlock(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    sim_node_id node = master_of(c, q->group);
    if (node != SIM_NODE_NONE)
        lock_call(c, node, RMQ_UNLOCK_BATCH_MQ, 1ULL << q->queue, C_R_UNLOCK, k, q->gen);
}

static uint64_t locked_set(int status, const void *body, uint32_t len, int *ok)
{
    struct rmq_lock_resp r = {0};
    *ok = status == RMQ_SUCCESS && body && len >= sizeof r;
    if (*ok)
        memcpy(&r, body, sizeof r);
    return r.locked;
}

void consumer_orderly_on_reply(struct consumer *c, enum c_rpc kind, uint32_t slot, uint32_t gen, int status,
                               const void *body, uint32_t len)
{
    int ok;
    uint64_t locked = locked_set(status, body, len, &ok);
    if (kind == C_R_LOCK_ALL) {
        int g = (int)slot;
        if (!ok || g >= c->base.w->ngroups || g >= RMQ_MAX_GROUPS)
            return;   /* "lockBatchMQ exception": nothing changes */
        /* lockOKMQSet: locked, lastLockTimestamp = now; the others asked for: not locked. */
        for (int qi = 0; qi < c->qn[g]; qi++) {
            uint32_t k = (uint32_t)(c->qbase[g] + qi);
            struct cq *q = &c->cq[k];
            if (q->state != CQ_ACTIVE || !(c->lock_asked[g] >> q->queue & 1))
                continue;
            set_locked(c, k, (int)(locked >> q->queue & 1));
        }
        return;
    }
    if (slot >= (uint32_t)c->ncq)
        return;
    struct cq *q = &c->cq[slot];
    int got = ok && (locked >> q->queue & 1);
    switch (kind) {
    case C_R_LOCK:
        if (q->gen != gen || q->state != CQ_LOCK)
            return;
        if (!got) {
            q->state = CQ_FREE;   /* "add a new mq failed, because lock failed" */
            consumer_unbalanced(c);
            if (status == RMQ_TIMEOUT)
                consumer_take_lock_timed_out(c);
            consumer_take_check(c);
            return;
        }
        /* R44: lock(mq) marks only ProcessQueues already in the table: the new one starts not locked, and
         * its pulls wait for the next lockAll. From 4.9.5 the new ProcessQueue is set locked. */
        if (c->cfg.lock_on_take)
            set_locked(c, slot, 1);
        else
            q->locked = 0;
        q->consuming = q->cont = 0;
        consumer_query_offset(c, slot);
        consumer_take_check(c);   /* a query that could not even be sent: the rebalance's loop goes on */
        break;
    case C_R_RELOCK:
        if (q->gen != gen || q->state != CQ_ACTIVE)
            return;
        if (got)
            set_locked(c, slot, 1);
        node_timer(c->n, got ? RESUBMIT_OK : RESUBMIT_FAIL, consumer_tag(C_T_RESUBMIT, slot, gen));
        break;
    default:
        break;   /* C_R_UNLOCK: oneway */
    }
}

/* ---- consumption ---- */

void consumer_orderly_submit(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    /* ProcessQueue.putMessage returns dispatchToConsume = !consuming, and sets consuming. */
    if (q->consuming || q->count == 0)
        return;
    if (consumer_cring_push(c, k, q->gen) < 0)
        return;
    q->consuming = 1;
    q->cont = 0;
    consumer_orderly_kick(c);
}

/* The request cannot run: the stall starts; the lock is asked for again after `delay`. */
static void blocked(struct consumer *c, uint32_t k, sim_time delay)
{
    struct rmq_world *w = c->base.w;
    struct cq *q = &c->cq[k];
    report_orderly_blocked(&w->rep, q->group, q->queue);
    struct trace *tr = sim_trace(c->n->sim);
    if (trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, consumer_now(c), c->n->name, "consume.unlocked");
        trace_str(tr, "group", w->g[q->group].name);
        trace_int(tr, "queue", q->queue);
        trace_int(tr, "locked", q->locked);
        trace_end(tr);
    }
    node_timer(c->n, delay, consumer_tag(C_T_RELOCK, k, q->gen));
}

/* Invariant (measurement, not protocol): while this consumer consumes queue k, no other consumer holds the
 * queue's lock as valid. */
static void check_exclusive(struct consumer *c, const struct cq *q)
{
    struct rmq_world *w = c->base.w;
    w->rep.invariant_checks++;
    for (int j = 0; j < w->nconsumers; j++) {
        const struct consumer *o = w->consumers[j];
        if (!o || o == c || o->ncq != c->ncq || !o->cq)
            continue;
        if (lock_valid(o, &o->cq[c->qbase[q->group] + (int)q->queue]))
            report_violation(&w->rep, "orderly_lock", q->group, c->n->id, -1, q->queue);
    }
}

/* The next request that can consume takes a batch into service. 0: none. */
static int begin(struct consumer *c)
{
    while (c->ccount > 0) {
        struct centry e = c->cring[c->chead];
        c->chead = (c->chead + 1) & (c->ccap - 1);
        c->ccount--;
        struct cq *q = &c->cq[e.cq];
        if (q->gen != e.gen || q->state != CQ_ACTIVE)
            continue;   /* "the message queue not be able to consume, because it's dropped" */
        if (q->count == 0) {
            q->consuming = 0;   /* takeMessags found nothing: consuming = false */
            continue;
        }
        if (!lock_valid(c, q)) {
            blocked(c, e.cq, q->cont ? RELOCK_LOOP : RELOCK_FIRST);
            continue;
        }
        check_exclusive(c, q);
        uint32_t n = (uint32_t)(c->cfg.consume_batch > 0 ? c->cfg.consume_batch : 1);
        if (n > q->count)
            n = q->count;
        if (n > RMQ_PULL_MAX)
            n = RMQ_PULL_MAX;
        for (uint32_t i = 0; i < n; i++)
            c->svc_batch[i] = q->ring[(q->head + i) & (q->cap - 1)];
        c->svc = e;
        c->svc_n = n;
        return 1;
    }
    return 0;
}

/* The listener returned SUCCESS for the batch: processConsumeResult commits it (ProcessQueue.commit, then
 * updateOffset(mq, commitOffset, false)) unless the ProcessQueue was dropped meanwhile. */
static void complete(struct consumer *c)
{
    struct rmq_world *w = c->base.w;
    struct cq *q = &c->cq[c->svc.cq];
    struct trace *tr = sim_trace(c->n->sim);
    for (uint32_t i = 0; i < c->svc_n; i++) {
        report_consumed(&w->rep, c->svc_batch[i].msg, q->group);
        report_orderly_consumed(&w->rep, q->group, q->queue);
        c->consumed++;
        if (trace_on(tr, TRACE_FULL)) {
            trace_begin(tr, consumer_now(c), c->n->name, "consume");
            trace_uint(tr, "msg", c->svc_batch[i].msg);
            trace_str(tr, "group", w->g[q->group].name);
            trace_int(tr, "queue", q->queue);
            trace_uint(tr, "qoffset", c->svc_batch[i].qoff);
            trace_end(tr);
        }
    }
    if (q->gen != c->svc.gen || q->state != CQ_ACTIVE || q->count < c->svc_n ||
        q->ring[q->head].msg != c->svc_batch[0].msg)
        return;
    q->head = (q->head + c->svc_n) & (q->cap - 1);
    q->count -= c->svc_n;
    q->store = (int64_t)c->svc_batch[c->svc_n - 1].qoff + 1;
    /* The request's loop goes on with the queue's next batch, after the other queues' turns. */
    if (q->count > 0 && consumer_cring_push(c, c->svc.cq, q->gen) == 0)
        q->cont = 1;
    else
        q->consuming = 0;
}

void consumer_orderly_kick(struct consumer *c)
{
    if (c->busy || c->ccount == 0)
        return;
    if (c->per_msg > 0 && !begin(c))
        return;
    c->busy = 1;
    node_timer(c->n, c->per_msg * (sim_time)c->svc_n, C_T_CONSUME);
}

void consumer_orderly_on_consume_timer(struct consumer *c)
{
    if (c->per_msg > 0) {
        complete(c);
        if (begin(c))
            node_timer(c->n, c->per_msg * (sim_time)c->svc_n, C_T_CONSUME);
        else
            c->busy = 0;
        return;
    }
    while (begin(c))
        complete(c);
    c->busy = 0;
}

void consumer_orderly_on_timer(struct consumer *c, enum c_timer kind, uint32_t k, uint32_t gen)
{
    if (kind == C_T_LOCK_ALL) {
        consumer_orderly_lock_all(c);
        node_timer(c->n, c->cfg.lock_interval, C_T_LOCK_ALL);
        return;
    }
    if (k >= (uint32_t)c->ncq)
        return;
    struct cq *q = &c->cq[k];
    if (q->gen != gen || q->state != CQ_ACTIVE)
        return;   /* dropped: ConsumeRequest.run returns at once */
    if (kind == C_T_RELOCK) {
        /* tryLockLaterAndReconsume's task: lockOneMQ(mq) = RebalanceImpl.lock(mq). */
        sim_node_id node = master_of(c, q->group);
        if (node == SIM_NODE_NONE)
            node_timer(c->n, RESUBMIT_FAIL, consumer_tag(C_T_RESUBMIT, k, gen));
        else
            lock_call(c, node, RMQ_LOCK_BATCH_MQ, 1ULL << q->queue, C_R_RELOCK, k, gen);
        return;
    }
    /* C_T_RESUBMIT: submitConsumeRequestLater: a new ConsumeRequest of the queue. */
    if (consumer_cring_push(c, k, gen) == 0) {
        q->cont = 0;
        consumer_orderly_kick(c);
    } else {
        q->consuming = 0;
    }
}
