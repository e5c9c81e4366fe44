/* consumer: one member of a clustering consumer group. Its MessageQueues (group, queue) come from
 * AllocateMessageQueueAveragely over the route's queues; each held queue is a ProcessQueue plus a
 * PullRequest: an offset query when it is taken, then a loop of long-polling pulls to the broker the queue's
 * suggestion names (the read redirect). Pulled messages are processed one at a time in arrival order
 * (ConsumeMessageConcurrentlyService reduced to one thread); the offset store keeps, per queue, the offset
 * of the oldest message not yet processed and commits it every persistConsumerOffsetInterval.
 *
 * Each held queue has a generation, bumped whenever its ProcessQueue is dropped; replies, timers and
 * queued messages of an older generation are ignored. Timer tags: enum c_timer in the low 4 bits, the
 * queue slot << 4, the generation << 32 (never bit 63). Rpc tags alike with enum c_rpc. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/client/consumer.h"
#include "models/namesrv/nameserver.h"
#include "models/remoting/rpc.h"
#include "models/report/report.h"

enum c_timer { C_T_ROUTE = 1, C_T_REBALANCE, C_T_PERSIST, C_T_CONSUME, C_T_PULL, C_T_FIX };
enum c_rpc { C_R_ROUTE = 1, C_R_PULL, C_R_QUERY, C_R_COMMIT };

#define GEN_MASK 0x7fffffffu
#define SLOT_MASK 0xfffffffu
/* DefaultMQPushConsumerImpl, case OFFSET_ILLEGAL: executeTaskLater(..., 10000). */
#define OFFSET_FIX_DELAY (10 * SIM_S)

enum cq_state {
    CQ_FREE,        /* not held */
    CQ_QUERY,       /* taken by the rebalance, its offset being fetched (computePullFromWhere) */
    CQ_ACTIVE,      /* in processQueueTable, pulling */
    CQ_DROPPED      /* dropped after OFFSET_ILLEGAL, waiting for the 10 s fix to remove it */
};

struct pq_ent {
    uint32_t msg;
    uint64_t qoff;
};

/* A MessageQueue this consumer may hold: its ProcessQueue, PullRequest and offset store entry. */
struct cq {
    int16_t group;
    uint16_t queue;
    uint8_t state;
    uint16_t suggest;           /* PullAPIWrapper.pullFromWhichNodeTable: lives as long as the client */
    int pull_id;                /* brokerId the pull in flight went to */
    uint32_t gen;
    uint64_t next;              /* PullRequest.nextOffset */
    int64_t store;              /* RemoteBrokerOffsetStore.offsetTable; -1: no entry */
    uint64_t max_put;           /* ProcessQueue.queueOffsetMax */
    sim_timer timer;            /* a pull put off, or the OFFSET_ILLEGAL fix */
    struct pq_ent *ring;        /* ProcessQueue.msgTreeMap: pulled, not yet processed, by offset */
    uint32_t head, count, cap;
};

/* A message waiting for the consume service: which queue, which generation of it. */
struct centry {
    uint32_t cq, gen;
};

struct consumer {
    struct rmq_node base;
    struct sim_node *n;
    struct consumer_cfg cfg;
    int index;
    struct rpc rpc;
    struct ns_client route;
    int route_polls;            /* route timers so far in this process */
    struct sim_rng *ns_rng;     /* "nameserver": the first NameServer chosen */
    int rebalanced;             /* the start-up rebalance ran (rebalanceImmediately) */

    int ncq;                    /* one slot per (group, queue), laid out at the first start */
    struct cq *cq;
    int qbase[RMQ_MAX_GROUPS], qn[RMQ_MAX_GROUPS];
    uint32_t *all;              /* rebalance scratch: mqAll */
    uint8_t *want;              /* rebalance scratch: allocated to this consumer */

    struct centry *cring;       /* the consume service's queue, in arrival order */
    uint32_t chead, ccount, ccap;
    int busy;                   /* a C_T_CONSUME timer is pending */
    struct centry svc;          /* the message in service (consume_rate > 0) */
    uint32_t svc_msg;
    sim_time per_msg;           /* 1 / consume_rate, 0: no limit */

    uint64_t consumed;
};

static uint64_t mk_tag(unsigned kind, uint32_t slot, uint32_t gen)
{
    return (uint64_t)kind | (uint64_t)(slot & SLOT_MASK) << 4 | (uint64_t)(gen & GEN_MASK) << 32;
}

static sim_time now_of(const struct consumer *c) { return sim_now(c->n->sim); }

/* ---- process queues ---- */

static int ring_push(struct cq *q, uint32_t msg, uint64_t qoff)
{
    if (q->count == q->cap) {
        /* Grows by doubling and is kept across drops: allocation stops at the queue's peak. */
        uint32_t cap = q->cap ? q->cap * 2 : 64;
        struct pq_ent *r = malloc((size_t)cap * sizeof *r);
        if (!r)
            return -1;
        for (uint32_t i = 0; i < q->count; i++)
            r[i] = q->ring[(q->head + i) % q->cap];
        free(q->ring);
        q->ring = r;
        q->cap = cap;
        q->head = 0;
    }
    q->ring[(q->head + q->count) % q->cap] = (struct pq_ent){msg, qoff};
    q->count++;
    return 0;
}

static int cring_push(struct consumer *c, uint32_t k, uint32_t gen)
{
    if (c->ccount == c->ccap) {
        uint32_t cap = c->ccap ? c->ccap * 2 : 256;
        struct centry *r = malloc((size_t)cap * sizeof *r);
        if (!r)
            return -1;
        for (uint32_t i = 0; i < c->ccount; i++)
            r[i] = c->cring[(c->chead + i) % c->ccap];
        free(c->cring);
        c->cring = r;
        c->ccap = cap;
        c->chead = 0;
    }
    c->cring[(c->chead + c->ccount) % c->ccap] = (struct centry){k, gen};
    c->ccount++;
    return 0;
}

/* Forgets the queue's ProcessQueue and offset entry; everything in flight for it becomes stale. */
static void cq_reset(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    if (q->timer) {
        node_timer_cancel(c->n, q->timer);
        q->timer = 0;
    }
    q->state = CQ_FREE;
    q->gen = (q->gen + 1) & GEN_MASK;
    q->head = q->count = 0;
    q->store = -1;
}

/* findBrokerAddressInAdmin: the group's first broker by brokerId (the master if the route has it). */
static sim_node_id admin_node(const struct consumer *c, int group)
{
    int id;
    return ns_client_find(&c->route, group, -1, &id);
}

/* RemoteBrokerOffsetStore.updateConsumeOffsetToBroker (oneway in R44: the reply is ignored). */
static void commit(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    sim_node_id node = admin_node(c, q->group);
    if (q->store < 0 || node == SIM_NODE_NONE)
        return;   /* MQClientException("The broker[...] not exist"), logged */
    struct rmq_offset_req req = {.queue = q->queue, .offset = (uint64_t)q->store};
    rpc_call(&c->rpc, node, RMQ_COMMIT_OFFSET, &req, sizeof req, 0, c->cfg.request_timeout,
             mk_tag(C_R_COMMIT, k, q->gen));
}

/* RebalancePushImpl.removeUnnecessaryMessageQueue: persist(mq), then removeOffset(mq). */
static void drop(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    if (q->state == CQ_ACTIVE || q->state == CQ_DROPPED)
        commit(c, k);
    cq_reset(c, k);
}

/* ---- consumption ---- */

/* Takes the next live message off the consume queue into c->svc. Returns 0 when there is none. */
static int svc_begin(struct consumer *c)
{
    while (c->ccount > 0) {
        struct centry e = c->cring[c->chead];
        c->chead = (c->chead + 1) % c->ccap;
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
static void svc_complete(struct consumer *c)
{
    struct rmq_world *w = c->base.w;
    struct cq *q = &c->cq[c->svc.cq];
    report_consumed(&w->rep, c->svc_msg, q->group);
    c->consumed++;
    struct trace *tr = sim_trace(c->n->sim);
    if (trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, now_of(c), c->n->name, "consume");
        trace_uint(tr, "msg", c->svc_msg);
        trace_str(tr, "group", w->g[q->group].name);
        trace_str(tr, "node", c->n->name);
        trace_end(tr);
    }
    /* The offset moves only while the ProcessQueue is not dropped. */
    if (q->gen != c->svc.gen || q->state != CQ_ACTIVE || q->count == 0 || q->ring[q->head].msg != c->svc_msg)
        return;
    /* ProcessQueue.removeMessage: the smallest offset left, or queueOffsetMax + 1 when empty; then
     * offsetStore.updateOffset(mq, offset, increaseOnly = true). */
    q->head = (q->head + 1) % q->cap;
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

static void on_consume_timer(struct consumer *c)
{
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

static void pull_later(struct consumer *c, uint32_t k, sim_time d)
{
    struct cq *q = &c->cq[k];
    q->timer = node_timer(c->n, d, mk_tag(C_T_PULL, k, q->gen));
}

/* DefaultMQPushConsumerImpl.pullMessage -> PullAPIWrapper.pullKernelImpl. */
static void pull(struct consumer *c, uint32_t k)
{
    struct rmq_world *w = c->base.w;
    struct cq *q = &c->cq[k];
    if (q->state != CQ_ACTIVE)
        return;
    /* Flow control: cachedMessageCount > pullThresholdForQueue -> executePullRequestLater(50 ms). */
    if (q->count > (uint32_t)(c->cfg.pull_threshold > 0 ? c->cfg.pull_threshold : 0)) {
        pull_later(c, k, c->cfg.flow_delay);
        return;
    }
    /* recalculatePullFromWhichNode(mq), then findBrokerAddressInSubscribe(brokerName, id, false). */
    int id = q->suggest;
    sim_node_id node = ns_client_find(&c->route, q->group, q->suggest, &id);
    if (node == SIM_NODE_NONE) {
        /* MQClientException("The broker[...] not exist") -> executePullRequestLater(3000). */
        report_pull(&w->rep, q->group, id, 0, 0);
        pull_later(c, k, c->cfg.retry_delay);
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
    rpc_call(&c->rpc, node, RMQ_PULL, &req, sizeof req, 0, c->cfg.pull_timeout, mk_tag(C_R_PULL, k, q->gen));
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
        trace_begin(tr, now_of(c), c->n->name, "pull.suggest");
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
static void on_pull_reply(struct consumer *c, uint32_t k, uint32_t gen, int status, const void *body, uint32_t len)
{
    struct rmq_world *w = c->base.w;
    struct cq *q = &c->cq[k];
    if (q->gen != gen || q->state != CQ_ACTIVE)
        return;   /* the ProcessQueue was dropped meanwhile */
    const size_t hdr = offsetof(struct rmq_pull_resp, msg);
    int answered = status == RMQ_SUCCESS || status == RMQ_PULL_NOT_FOUND || status == RMQ_PULL_RETRY_IMMEDIATELY ||
                   status == RMQ_PULL_OFFSET_MOVED;
    if (!answered || !body || len < hdr) {
        /* onException (timeout, connection, or an MQBrokerException for any other code):
         * executePullRequestLater(PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION). */
        report_pull(&w->rep, q->group, q->pull_id, 0, 0);
        pull_later(c, k, c->cfg.retry_delay);
        return;
    }
    struct rmq_pull_resp r;
    memset(&r, 0, sizeof r);
    memcpy(&r, body, len < sizeof r ? len : sizeof r);
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
            if (ring_push(q, r.msg[i], base + i) < 0 || cring_push(c, k, q->gen) < 0)
                break;   /* out of memory: the rest is left for a later pull */
            q->max_put = base + i;
        }
        q->next = r.next_qoffset;
        consume_kick(c);
        pull(c, k);   /* pullInterval 0: executePullRequestImmediately */
        break;
    }
    case RMQ_PULL_NOT_FOUND:
    case RMQ_PULL_RETRY_IMMEDIATELY:
        /* NO_NEW_MSG / NO_MATCHED_MSG: nextOffset = nextBeginOffset, correctTagsOffset (an empty ProcessQueue
         * moves the offset store up to it), and again at once. */
        q->next = r.next_qoffset;
        if (q->count == 0 && q->store < (int64_t)q->next)
            q->store = (int64_t)q->next;
        pull(c, k);
        break;
    case RMQ_PULL_OFFSET_MOVED:
        /* OFFSET_ILLEGAL: nextOffset = nextBeginOffset, the ProcessQueue is dropped (its messages are not
         * consumed), and 10 s later the offset is set and persisted and the queue removed, for the next
         * rebalance to take it again. */
        q->next = r.next_qoffset;
        q->state = CQ_DROPPED;
        q->gen = (q->gen + 1) & GEN_MASK;
        q->head = q->count = 0;
        q->timer = node_timer(c->n, OFFSET_FIX_DELAY, mk_tag(C_T_FIX, k, q->gen));
        break;
    }
}

/* The OFFSET_ILLEGAL task: offsetStore.updateOffset(mq, nextOffset, false); persist(mq);
 * rebalanceImpl.removeProcessQueue(mq). */
static void on_fix_timer(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    q->timer = 0;   /* it just fired */
    q->store = (int64_t)q->next;
    drop(c, k);
}

/* ---- rebalance and offsets ---- */

/* RebalancePushImpl.computePullFromWhere (CONSUME_FROM_LAST_OFFSET): readOffset(mq, READ_FROM_STORE). */
static void query_offset(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    sim_node_id node = admin_node(c, q->group);
    if (node == SIM_NODE_NONE)
        return;   /* readOffset -> -2: "doRebalance, add new mq failed"; the next rebalance tries again */
    q->state = CQ_QUERY;
    q->gen = (q->gen + 1) & GEN_MASK;
    q->store = -1;   /* removeDirtyOffset */
    struct rmq_offset_req req = {.queue = q->queue};
    rpc_call(&c->rpc, node, RMQ_QUERY_OFFSET, &req, sizeof req, 0, c->cfg.request_timeout,
             mk_tag(C_R_QUERY, k, q->gen));
}

static void on_query_reply(struct consumer *c, uint32_t k, uint32_t gen, int status, const void *body, uint32_t len)
{
    struct cq *q = &c->cq[k];
    if (q->gen != gen || q->state != CQ_QUERY)
        return;
    uint64_t off;
    if (status == RMQ_SUCCESS && body && len >= sizeof(struct rmq_offset_resp)) {
        struct rmq_offset_resp r;
        memcpy(&r, body, sizeof r);
        off = r.offset > (uint64_t)INT64_MAX ? 0 : r.offset;
        q->store = (int64_t)off;   /* readOffset: updateOffset(mq, brokerOffset, false) */
    } else if (status == RMQ_QUERY_NOT_FOUND) {
        /* The broker has no offset (an MQBrokerException: readOffset -> -1): start from 0. */
        off = 0;
    } else {
        q->state = CQ_FREE;   /* -2: not added; the next rebalance tries again */
        return;
    }
    /* processQueueTable.putIfAbsent(mq, pq); dispatchPullRequest: executePullRequestImmediately. */
    q->state = CQ_ACTIVE;
    q->next = off;
    q->head = q->count = 0;
    q->max_put = off;
    pull(c, k);
}

/* RebalanceImpl.rebalanceByTopic (CLUSTERING) with AllocateMessageQueueAveragely, then
 * updateProcessQueueTableInRebalance. */
static void rebalance(struct consumer *c)
{
    struct rmq_world *w = c->base.w;
    const struct ns_client *r = &c->route;
    if (!r->have || c->ncq == 0)
        return;   /* "doRebalance, but the topic[...] not exist." */
    /* mqAll: topicSubscribeInfoTable, every readable queue of every group in the route, sorted. */
    int nall = 0;
    for (int i = 0; i < r->ngroups; i++) {
        int g = r->order[i];
        if (r->g[g].n == 0)
            continue;
        int nq = r->g[g].queues < c->qn[g] ? r->g[g].queues : c->qn[g];
        for (int qi = 0; qi < nq; qi++)
            c->all[nall++] = (uint32_t)(c->qbase[g] + qi);
    }
    memset(c->want, 0, (size_t)c->ncq);
    int ncid = w->nconsumers, index = c->index;
    if (nall > 0 && ncid > 0 && index >= 0 && index < ncid) {
        /* AllocateMessageQueueAveragely.allocate. */
        int mod = nall % ncid;
        int average = nall <= ncid ? 1 : (mod > 0 && index < mod ? nall / ncid + 1 : nall / ncid);
        int start = mod > 0 && index < mod ? index * average : index * average + mod;
        int range = average < nall - start ? average : nall - start;
        for (int i = 0; i < range; i++)
            c->want[c->all[(start + i) % nall]] = 1;
    }
    /* Queues no longer ours: pq.setDropped(true), removeUnnecessaryMessageQueue. */
    for (int k = 0; k < c->ncq; k++)
        if (c->cq[k].state != CQ_FREE && !c->want[k])
            drop(c, (uint32_t)k);
    /* New ones: computePullFromWhere, then a PullRequest from that offset. */
    for (int i = 0; i < nall; i++) {
        uint32_t k = c->all[i];
        if (c->want[k] && c->cq[k].state == CQ_FREE)
            query_offset(c, k);
    }
}

/* MQClientInstance.persistAllConsumerOffset -> RemoteBrokerOffsetStore.persistAll(processQueueTable keys):
 * every held queue with an offset, changed or not. */
static void persist_all(struct consumer *c)
{
    for (int k = 0; k < c->ncq; k++) {
        const struct cq *q = &c->cq[k];
        if ((q->state == CQ_ACTIVE || q->state == CQ_DROPPED) && q->store >= 0)
            commit(c, (uint32_t)k);
    }
}

/* ---- callbacks ---- */

static void on_route_reply(struct consumer *c, int status, const void *body, uint32_t len)
{
    if (ns_client_on_reply(&c->route, status, body, len) == NS_FETCH_PENDING)
        return;
    /* DefaultMQPushConsumerImpl.start: updateTopicSubscribeInfoWhenSubscriptionChanged, then
     * mQClientFactory.rebalanceImmediately(); RebalanceService then runs every waitInterval. */
    if (!c->rebalanced) {
        c->rebalanced = 1;
        rebalance(c);
        node_timer(c->n, c->cfg.rebalance, C_T_REBALANCE);
    }
}

static void on_reply(struct sim_node *n, uint64_t tag, int status, const void *body, uint32_t len)
{
    struct consumer *c = n->model;
    uint32_t k = (uint32_t)(tag >> 4) & SLOT_MASK, gen = (uint32_t)(tag >> 32) & GEN_MASK;
    switch ((enum c_rpc)(tag & 0xf)) {
    case C_R_ROUTE:
        on_route_reply(c, status, body, len);
        break;
    case C_R_PULL:
        if (k < (uint32_t)c->ncq)
            on_pull_reply(c, k, gen, status, body, len);
        break;
    case C_R_QUERY:
        if (k < (uint32_t)c->ncq)
            on_query_reply(c, k, gen, status, body, len);
        break;
    case C_R_COMMIT:
        break;   /* oneway in RocketMQ: nothing waits for it */
    }
}

static void c_on_timer(struct sim_node *n, uint64_t tag)
{
    struct consumer *c = n->model;
    if (rpc_on_timer(&c->rpc, tag))
        return;
    uint32_t k = (uint32_t)(tag >> 4) & SLOT_MASK, gen = (uint32_t)(tag >> 32) & GEN_MASK;
    switch ((enum c_timer)(tag & 0xf)) {
    case C_T_ROUTE:
        /* MQClientInstance.startScheduledTask: every pollNameServerInterval. */
        ns_client_fetch(&c->route);
        /* The poll's phase is random, as the producer's. */
        node_timer(n, c->route_polls++ == 0 && c->cfg.random_phase
                          ? 1 + (sim_time)sim_rng_below(c->ns_rng, (uint64_t)c->cfg.route_poll)
                          : c->cfg.route_poll,
                   C_T_ROUTE);
        break;
    case C_T_REBALANCE:
        rebalance(c);
        node_timer(n, c->cfg.rebalance, C_T_REBALANCE);
        break;
    case C_T_PERSIST:
        persist_all(c);
        node_timer(n, c->cfg.persist_interval, C_T_PERSIST);
        break;
    case C_T_CONSUME:
        on_consume_timer(c);
        break;
    case C_T_PULL:
        if (k < (uint32_t)c->ncq && c->cq[k].gen == gen && c->cq[k].state == CQ_ACTIVE) {
            c->cq[k].timer = 0;
            pull(c, k);
        }
        break;
    case C_T_FIX:
        if (k < (uint32_t)c->ncq && c->cq[k].gen == gen && c->cq[k].state == CQ_DROPPED)
            on_fix_timer(c, k);
        break;
    }
}

static void c_on_message(struct sim_node *n, const struct sim_msg *m)
{
    struct consumer *c = n->model;
    rpc_on_message(&c->rpc, m);   /* brokers' requests to clients are not modelled */
}

static void c_on_conn(struct sim_node *n, sim_conn cn, enum sim_conn_ev ev, sim_node_id peer, uint64_t tag)
{
    struct consumer *c = n->model;
    (void)peer;
    (void)tag;
    rpc_on_conn(&c->rpc, cn, ev);
}

/* One slot per (group, queue) of the world; done once, when the world is complete. */
static int layout(struct consumer *c)
{
    struct rmq_world *w = c->base.w;
    int ng = w->ngroups < RMQ_MAX_GROUPS ? w->ngroups : RMQ_MAX_GROUPS;
    int total = 0;
    for (int g = 0; g < ng; g++) {
        int nq = w->g[g].cfg.queues;
        c->qn[g] = nq < 0 ? 0 : nq > RMQ_MAX_QUEUES ? RMQ_MAX_QUEUES : nq;
        c->qbase[g] = total;
        total += c->qn[g];
    }
    if (total == 0)
        return 0;
    c->cq = calloc((size_t)total, sizeof *c->cq);
    c->all = calloc((size_t)total, sizeof *c->all);
    c->want = calloc((size_t)total, 1);
    if (!c->cq || !c->all || !c->want)
        return -1;
    for (int g = 0; g < ng; g++)
        for (int q = 0; q < c->qn[g]; q++) {
            struct cq *e = &c->cq[c->qbase[g] + q];
            e->group = (int16_t)g;
            e->queue = (uint16_t)q;
            e->store = -1;
        }
    c->ncq = total;
    return 0;
}

/* Forgets everything the process held in memory. */
static void forget(struct consumer *c)
{
    for (int k = 0; k < c->ncq; k++) {
        struct cq *q = &c->cq[k];
        q->state = CQ_FREE;
        q->gen = (q->gen + 1) & GEN_MASK;
        q->head = q->count = 0;
        q->store = -1;
        q->suggest = 0;
        q->timer = 0;   /* timers died with the process */
    }
    c->chead = c->ccount = 0;
    c->busy = 0;
    c->rebalanced = 0;
    ns_client_clear(&c->route);
    rpc_reset(&c->rpc);
}

static void c_start(struct sim_node *n)
{
    struct consumer *c = n->model;
    if (!c->cq && layout(c) < 0)
        return;   /* out of memory: the consumer stays silent */
    if (!c->ns_rng && !(c->ns_rng = node_rng(n, "nameserver")))
        return;
    forget(c);
    ns_client_reset(&c->route, c->ns_rng);
    c->per_msg = c->cfg.consume_rate > 0 ? (sim_time)llround((double)SIM_S / c->cfg.consume_rate) : 0;
    sim_time now = sim_now(n->sim);
    sim_time base = c->cfg.start > now ? c->cfg.start - now : 0;
    /* MQClientInstance.startScheduledTask: route at 10 ms then every 30 s; persistAllConsumerOffset at 10 s
     * then every persistConsumerOffsetInterval. */
    c->route_polls = 0;
    node_timer(n, base + c->cfg.route_initial, C_T_ROUTE);
    node_timer(n, base + c->cfg.persist_initial, C_T_PERSIST);
}

static void c_on_crash(struct sim_node *n, enum sim_crash_kind kind)
{
    struct consumer *c = n->model;
    (void)kind;
    forget(c);
}

static const struct sim_node_ops consumer_ops = {
    .start = c_start,
    .on_message = c_on_message,
    .on_timer = c_on_timer,
    .on_conn = c_on_conn,
    .on_crash = c_on_crash,
};

struct consumer *consumer_create(struct rmq_world *w, const char *name, int index, const struct consumer_cfg *cfg)
{
    struct consumer *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->base.w = w;
    c->base.kind = RMQ_CONSUMER;
    c->index = index;
    c->cfg = *cfg;
    sim_node_id id = sim_node_add(w->sim, name, &consumer_ops, c);
    if (id == SIM_NODE_NONE) {
        free(c);
        return NULL;
    }
    c->n = sim_node(w->sim, id);
    rpc_init(&c->rpc, c->n, on_reply);
    ns_client_init(&c->route, c->n, &c->rpc, C_R_ROUTE);
    return c;
}

void consumer_free(struct consumer *c)
{
    if (!c)
        return;
    rpc_free(&c->rpc);
    for (int k = 0; k < c->ncq; k++)
        free(c->cq[k].ring);
    free(c->cq);
    free(c->all);
    free(c->want);
    free(c->cring);
    free(c);
}

sim_node_id consumer_node(const struct consumer *c)
{
    return c->n->id;
}

uint64_t consumer_consumed(const struct consumer *c)
{
    return c->consumed;
}

uint64_t consumer_backlog(const struct consumer *c, int group)
{
    if (group < 0 || group >= RMQ_MAX_GROUPS || !c->cq || group >= c->base.w->ngroups)
        return 0;
    uint64_t n = 0;
    for (int q = 0; q < c->qn[group]; q++) {
        const struct cq *e = &c->cq[c->qbase[group] + q];
        if (e->state == CQ_ACTIVE)
            n += e->count;
    }
    return n;
}

int64_t consumer_offset(const struct consumer *c, int group, int queue)
{
    if (group < 0 || group >= RMQ_MAX_GROUPS || !c->cq || group >= c->base.w->ngroups || queue < 0 ||
        queue >= c->qn[group])
        return -1;
    const struct cq *e = &c->cq[c->qbase[group] + queue];
    return e->state == CQ_FREE ? -1 : e->store;
}
