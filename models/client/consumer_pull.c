/* consumer_pull: a push consumer's pull loop, ProcessQueues and consume service (DefaultMQPushConsumerImpl).
 *
 * Each held queue is a ProcessQueue plus a PullRequest: a loop of long-polling pulls to the broker the queue's
 * suggestion names (the read redirect). Pulled messages are processed one at a time in arrival order
 * (ConsumeMessageConcurrentlyService reduced to one thread). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/client/consumer_int.h"
#include "sim/ring.h"
#include "models/report/report.h"


/* ---- process queues ---- */

static int ring_push(struct cq *q, uint32_t msg, uint64_t qoff)
{
    if (q->count == q->cap) {
        /* Grows by doubling and is kept across drops: allocation stops at the queue's peak. */
        struct pq_ent *r = sim_ring_grow(q->ring, sizeof *r, &q->cap, &q->head, q->count, 64);
        if (!r)
            return -1;
        q->ring = r;
    }
    q->ring[(q->head + q->count) & (q->cap - 1)] = (struct pq_ent){msg, qoff};
    q->count++;
    return 0;
}

int consumer_cring_grow(struct consumer *c)
{
    struct centry *r = sim_ring_grow(c->cring, sizeof *r, &c->ccap, &c->chead, c->ccount, 256);
    if (!r)
        return -1;
    c->cring = r;
    return 0;
}

/* ---- consumption ---- */

/* Takes the next live message off the consume queue into c->svc. Returns 0 when there is none. */
static inline int svc_begin(struct consumer *c)
{
    while (c->ccount > 0) {
        struct centry e = c->cring[c->chead];
        c->chead = (c->chead + 1) & (c->ccap - 1);
        c->ccount--;
        struct cq *q = &c->cq[e.cq];
        /* ConsumeRequest.run: "the message queue not be able to consume, because it's dropped". */
        if (q->gen != e.gen || q->state != CQ_ACTIVE || q->count == 0)
            continue;
        /* Per queue, messages reach the service in offset order: this one heads its ProcessQueue. */
        c->svc = e;
        c->svc_msg = q->ring[q->head].msg;
        return 1;
    }
    return 0;
}

/* The listener returned CONSUME_SUCCESS: ConsumeMessageConcurrentlyService.processConsumeResult. */
static inline void svc_complete(struct consumer *c)
{
    struct rmq_world *w = c->base.w;
    struct cq *q = &c->cq[c->svc.cq];
    report_consumed(&w->rep, c->svc_msg, q->group);
    c->consumed++;
    struct trace *tr = sim_trace(c->n->sim);
    if (trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, consumer_now(c), c->n->name, "consume");
        trace_uint(tr, "msg", c->svc_msg);
        trace_str(tr, "group", w->g[q->group].name);
        trace_end(tr);
    }
    /* The offset moves only while the ProcessQueue is not dropped. */
    if (q->gen != c->svc.gen || q->state != CQ_ACTIVE || q->count == 0 || q->ring[q->head].msg != c->svc_msg)
        return;
    /* ProcessQueue.removeMessage: the smallest offset left, or queueOffsetMax + 1 when empty; then
     * offsetStore.updateOffset(mq, offset, increaseOnly = true). */
    q->head = (q->head + 1) & (q->cap - 1);
    q->count--;
    int64_t off = (int64_t)(q->count > 0 ? q->ring[q->head].qoff : q->max_put + 1);
    if (q->store < off)
        q->store = off;
}

/* Starts the consume service if it is idle and has work; it always runs as a later event. */
static void consume_kick(struct consumer *c)
{
    if (c->busy || c->ccount == 0)
        return;
    if (c->per_msg > 0 && !svc_begin(c))
        return;
    c->busy = 1;
    node_timer(c->n, c->per_msg, C_T_CONSUME);
}

void consumer_on_consume_timer(struct consumer *c)
{
    if (c->cfg.orderly) {
        consumer_orderly_on_consume_timer(c);
        return;
    }
    if (c->per_msg > 0) {
        svc_complete(c);
        if (svc_begin(c))
            node_timer(c->n, c->per_msg, C_T_CONSUME);
        else
            c->busy = 0;
        return;
    }
    while (svc_begin(c))
        svc_complete(c);
    c->busy = 0;
}

/* ---- pulls ---- */

void consumer_pull_later(struct consumer *c, uint32_t k, sim_time d)
{
    struct cq *q = &c->cq[k];
    q->timer = node_timer(c->n, d, consumer_tag(C_T_PULL, k, q->gen));
}

/* DefaultMQPushConsumerImpl.pullMessage -> PullAPIWrapper.pullKernelImpl, on PullMessageService's thread. */
void consumer_pull_message(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    if (q->state != CQ_ACTIVE)
        return;
    /* Flow control: cachedMessageCount > pullThresholdForQueue -> executePullRequestLater(50 ms). */
    if (q->count > (uint32_t)(c->cfg.pull_threshold > 0 ? c->cfg.pull_threshold : 0)) {
        consumer_pull_later(c, k, c->cfg.flow_delay);
        return;
    }
    /* consumeOrderly: "pull message later because not locked in broker" (PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION).
     * Only the flag counts here, not the lock's age. */
    if (c->cfg.orderly && !q->locked) {
        consumer_pull_later(c, k, c->cfg.retry_delay);
        return;
    }
    consumer_pull_kernel(c, k, 1);
}

/* A pull the client no longer waits for (its timeout, its connection's loss, the process's death) is not
 * gone: TCP holds what was written through a partition and delivers it, ahead of the FIN of a channel the
 * client closed, when the path heals, up to tcp_timeout later; the broker then serves it (into a closed
 * channel) and stores its commit offset (ConsumerOffsetManager.commitOffset, whatever the table held). The
 * world's trim keeps what such a pull reads until then: RocketMQ's files still hold it. */
/* f takes pulls reading from or committing low, written to node's life inc. */
static void floor_add(struct pull_floor *f, uint64_t low, sim_node_id node, uint32_t inc)
{
    if (f->low == UINT64_MAX) {
        *f = (struct pull_floor){low, node, inc};
        return;
    }
    if (low < f->low)
        f->low = low;
    if (f->node != node || f->inc != inc)
        f->node = SIM_NODE_NONE;
}

void consumer_pull_lost(struct consumer *c, struct cq *q)
{
    if (q->fly.low == UINT64_MAX)
        return;
    sim_time now = node_now(c->n);
    if (q->stale_until <= now)
        q->stale.low = UINT64_MAX;   /* the losses before are out of TCP's reach */
    floor_add(&q->stale, q->fly.low, q->fly.node, q->fly.inc);
    q->stale_until = now + sim_net_tcp_timeout(c->n->sim);
    q->fly.low = UINT64_MAX;
}

/* PullAPIWrapper.pullKernelImpl (R44 l.156-164, R498 l.157-165, R53 l.195-203, alike). */
void consumer_pull_kernel(struct consumer *c, uint32_t k, int may_fetch)
{
    struct rmq_world *w = c->base.w;
    struct cq *q = &c->cq[k];
    /* recalculatePullFromWhichNode(mq), then findBrokerAddressInSubscribe(brokerName, id, false): null only when
     * MQClientInstance.brokerAddrTable has no entry for the group (its route lacked the group). */
    int id = q->suggest;
    sim_node_id node = ns_client_find(&c->route, q->group, q->suggest, &id);
    if (node == SIM_NODE_NONE) {
        /* Null: updateTopicRouteInfoFromNameServer(mq.getTopic()) on this thread, then the lookup again. */
        if (may_fetch && consumer_pull_route_wait(c, k))
            return;
        /* Null again: MQClientException("The broker[...] not exist") (or R53's IllegalStateException for the
         * route request's RemotingException), caught by pullMessage: executePullRequestLater(
         * pullTimeDelayMillsWhenException). */
        report_pull(&w->rep, q->group, id, 0, 0);
        consumer_pull_later(c, k, c->cfg.retry_delay);
        return;
    }
    struct rmq_pull_req req;
    memset(&req, 0, sizeof req);
    req.queue = q->queue;
    req.max_msgs = (uint32_t)(c->cfg.pull_batch > 0 ? c->cfg.pull_batch : 1);
    if (req.max_msgs > RMQ_PULL_MAX)
        req.max_msgs = RMQ_PULL_MAX;
    req.qoffset = q->next;
    req.suspend = c->cfg.suspend;
    /* commitOffsetEnable when the offset store's memory value is > 0; pullKernelImpl clears the flag
     * when the broker found is a slave (PullSysFlag.clearCommitOffsetFlag). */
    if (id == 0 && q->store > 0) {
        req.has_commit = 1;
        req.commit_offset = (uint64_t)q->store;
    }
    q->pull_id = id;
    /* what this pull reads or commits, should it be lost and delivered later (a broker process that is down
     * takes no connection: a pull to it is never written) */
    const struct sim_node *to = sim_node(c->n->sim, node);
    uint64_t low = req.has_commit && req.commit_offset < req.qoffset ? req.commit_offset : req.qoffset;
    if (to->state == SIM_NODE_UP)
        floor_add(&q->fly, low, node, to->inc);
    consumer_pull_send(c, k, node, &req);   /* pullMessageAsync -> invokeAsync */
}

/* PullAPIWrapper.updatePullFromWhichNode. */
static void set_suggest(struct consumer *c, uint32_t k, uint16_t to)
{
    struct rmq_world *w = c->base.w;
    struct cq *q = &c->cq[k];
    if (q->suggest == to)
        return;
    report_redirect(&w->rep, q->group, q->suggest, to);
    struct trace *tr = sim_trace(c->n->sim);
    if (trace_on(tr, TRACE_EVENTS)) {
        trace_begin(tr, consumer_now(c), c->n->name, "pull.suggest");
        trace_str(tr, "group", w->g[q->group].name);
        trace_int(tr, "queue", q->queue);
        trace_int(tr, "from", q->suggest);
        trace_int(tr, "to", to);
        trace_end(tr);
    }
    q->suggest = to;
}

/* The PullCallback: MQClientAPIImpl.processPullResponse maps the code, processPullResult takes the
 * suggestion, DefaultMQPushConsumerImpl.pullMessage's onSuccess/onException decide what comes next. */
void consumer_on_pull_reply(struct consumer *c, uint32_t k, uint32_t gen, int status, const void *body,
                            uint32_t len)
{
    struct rmq_world *w = c->base.w;
    struct cq *q = &c->cq[k];
    if (status < 0)
        consumer_pull_lost(c, q);   /* no answer: the request may still be on its way */
    else if (q->gen == gen)
        q->fly.low = UINT64_MAX;   /* it reached the broker, as did those before it */
    if (q->gen != gen || q->state != CQ_ACTIVE)
        return;   /* the ProcessQueue was dropped meanwhile */
    const size_t hdr = offsetof(struct rmq_pull_resp, msg);
    int answered = status == RMQ_SUCCESS || status == RMQ_PULL_NOT_FOUND || status == RMQ_PULL_RETRY_IMMEDIATELY ||
                   status == RMQ_PULL_OFFSET_MOVED;
    if (!answered || !body || len < hdr) {
        /* onException (timeout, connection, or an MQBrokerException for any other code, SYSTEM_BUSY included:
         * 4.9.5's 20 ms retry is for FLOW_CONTROL, 215, which no pull is answered with):
         * executePullRequestLater(pullTimeDelayMillsWhenException). */
        report_pull(&w->rep, q->group, q->pull_id, 0, 0);
        consumer_pull_later(c, k, c->cfg.retry_delay);
        return;
    }
    /* The fields before the message ids; the ids are read from the body where they lie. */
    struct rmq_pull_resp r;
    memcpy(&r, body, hdr);
    const unsigned char *ids = (const unsigned char *)body + hdr;
    uint32_t n = 0;
    if (status == RMQ_SUCCESS) {
        n = r.n < RMQ_PULL_MAX ? r.n : RMQ_PULL_MAX;
        if (n > (len - hdr) / sizeof r.msg[0])
            n = (uint32_t)((len - hdr) / sizeof r.msg[0]);
    }
    report_pull(&w->rep, q->group, q->pull_id, 1, (int)n);
    set_suggest(c, k, r.suggest);
    switch (status) {
    case RMQ_SUCCESS: {
        /* FOUND: processQueue.putMessage, submitConsumeRequest, nextOffset = nextBeginOffset. The messages
         * are the consume queue's entries from the offset asked for. */
        uint64_t base = q->next;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t msg;
            memcpy(&msg, ids + i * sizeof msg, sizeof msg);
            if (ring_push(q, msg, base + i) < 0 || (!c->cfg.orderly && consumer_cring_push(c, k, q->gen) < 0))
                break;   /* out of memory: the rest is left for a later pull */
            q->max_put = base + i;
        }
        q->next = r.next_qoffset;
        if (c->cfg.orderly)
            consumer_orderly_submit(c, k);   /* ConsumeMessageOrderlyService.submitConsumeRequest */
        else
            consume_kick(c);
        consumer_pull(c, k);   /* pullInterval 0: executePullRequestImmediately */
        break;
    }
    case RMQ_PULL_NOT_FOUND:
    case RMQ_PULL_RETRY_IMMEDIATELY:
        /* NO_NEW_MSG / NO_MATCHED_MSG: nextOffset = nextBeginOffset, correctTagsOffset (an empty ProcessQueue
         * moves the offset store up to it), and again at once. */
        q->next = r.next_qoffset;
        if (q->count == 0 && q->store < (int64_t)q->next)
            q->store = (int64_t)q->next;
        consumer_pull(c, k);
        break;
    case RMQ_PULL_OFFSET_MOVED:
        /* OFFSET_ILLEGAL: nextOffset = nextBeginOffset, the ProcessQueue is dropped (its messages are not
         * consumed), and offset_illegal_fix later (R44/R498: 10 s) the offset is set and persisted and the
         * queue removed, for the next rebalance to take it again; from 5.2 at once, with a rebalance. */
        q->next = r.next_qoffset;
        q->state = CQ_DROPPED;
        q->gen = (q->gen + 1) & GEN_MASK;
        q->head = q->count = 0;
        if (c->cfg.offset_illegal_fix > 0) {
            q->timer = node_timer(c->n, c->cfg.offset_illegal_fix, consumer_tag(C_T_FIX, k, q->gen));
        } else {
            consumer_on_fix_timer(c, k);
            consumer_rebalance_now(c);
        }
        break;
    }
}

/* The OFFSET_ILLEGAL task: offsetStore.updateOffset(mq, nextOffset, false); persist(mq);
 * rebalanceImpl.removeProcessQueue(mq). */
void consumer_on_fix_timer(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    q->timer = 0;   /* it just fired */
    q->store = (int64_t)q->next;
    consumer_drop(c, k);
}
