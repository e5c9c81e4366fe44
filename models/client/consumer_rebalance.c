/* consumer_rebalance: a push consumer's route, rebalance and offset store (RebalancePushImpl, RemoteBrokerOffsetStore).
 *
 * The MessageQueues a consumer holds come from AllocateMessageQueueAveragely over the route's queues; a queue
 * taken has its offset queried before its pulls start. The offset store keeps, per queue, the offset of the
 * oldest message not yet processed and commits it every persistConsumerOffsetInterval. */
#include <stdlib.h>
#include <string.h>

#include "models/client/consumer_int.h"

/* ---- offsets ---- */

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
    q->locked = q->consuming = q->cont = 0;
    q->undispatched = 0;
}

/* findBrokerAddressInAdmin: the group's first broker by brokerId (the master if the route has it). */
static sim_node_id admin_node(const struct consumer *c, int group)
{
    int id;
    return ns_client_find(&c->route, group, -1, &id);
}

/* Whether the offset store's first lookup finds nothing it takes, so that it asks the NameServer for the
 * route before it looks again (updateTopicRouteInfoFromNameServer, then the lookup that takes any broker):
 * the group is not in the route, or need_master and the route has no master (findBrokerAddressInSubscribe(..,
 * MASTER_ID, true)). */
static int offset_store_lacks(const struct consumer *c, int group, int need_master)
{
    return admin_node(c, group) == SIM_NODE_NONE ||
           (need_master && ns_client_master(&c->route, group) == SIM_NODE_NONE);
}

/* RemoteBrokerOffsetStore.updateConsumeOffsetToBroker (oneway in R44: the reply is ignored), once the route
 * is what it asked for: to the master, else the group's first broker. */
static void commit(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    sim_node_id node = admin_node(c, q->group);
    if (q->store < 0 || node == SIM_NODE_NONE)
        return;   /* MQClientException("The broker[...] not exist"), logged */
    struct rmq_offset_req req = {.queue = q->queue, .offset = (uint64_t)q->store};
    /* persistAll -> updateConsumeOffsetToBroker(.., isOneway true): a oneway, whose loss closes nothing */
    rpc_call_async(&c->rpc, node, RMQ_COMMIT_OFFSET, &req, sizeof req, 0, c->cfg.request_timeout,
                   consumer_tag(C_R_COMMIT, k, q->gen));
}

/* RebalancePushImpl.removeUnnecessaryMessageQueue: persist(mq), then removeOffset(mq). */
void consumer_drop(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    if (q->state == CQ_ACTIVE || q->state == CQ_DROPPED)
        commit(c, k);
    if (c->cfg.orderly && q->state == CQ_ACTIVE)
        consumer_orderly_unlock(c, k);
    cq_reset(c, k);
}

/* ---- taking a queue, and the rebalance ---- */

/* The offset query itself, once the route is what the offset store asked for. */
static void query_offset(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    sim_node_id node = admin_node(c, q->group);
    if (node == SIM_NODE_NONE) {
        /* fetchConsumeOffsetFromBroker: MQClientException("The broker[...] not exist"), readOffset -> -2:
         * "doRebalance, add new mq failed"; the queue stays out of processQueueTable */
        q->state = CQ_FREE;
        q->gen = (q->gen + 1) & GEN_MASK;
        consumer_unbalanced(c);
        return;
    }
    q->state = CQ_QUERY;
    q->gen = (q->gen + 1) & GEN_MASK;
    q->store = -1;   /* removeDirtyOffset */
    struct rmq_offset_req req = {.queue = q->queue};
    rpc_call(&c->rpc, node, RMQ_QUERY_OFFSET, &req, sizeof req, 0, c->cfg.request_timeout,
             consumer_tag(C_R_QUERY, k, q->gen));
}

/* RebalancePushImpl.computePullFromWhere (CONSUME_FROM_LAST_OFFSET): readOffset(mq, READ_FROM_STORE) ->
 * fetchConsumeOffsetFromBroker, which asks the NameServer first when its lookup finds nothing (see
 * offset_store_lacks); the query waits for that route (CQ_ROUTE). */
void consumer_query_offset(struct consumer *c, uint32_t k)
{
    struct cq *q = &c->cq[k];
    if (offset_store_lacks(c, q->group, c->cfg.query_needs_master) && ns_client_fetch(&c->route)) {
        q->state = CQ_ROUTE;
        q->gen = (q->gen + 1) & GEN_MASK;
        return;
    }
    query_offset(c, k);
}

/* dispatchPullRequest: R44/R498 executePullRequestImmediately; 5.x dispatchPullRequest(.., 500) ->
 * executePullRequestLater(pullRequest, 500). */
static void start_pulls(struct consumer *c, uint32_t k)
{
    if (c->cfg.first_pull_delay > 0)
        consumer_pull_later(c, k, c->cfg.first_pull_delay);
    else
        consumer_pull(c, k);
}

/* computePullFromWhere found no offset to start from: the queue is not added ("add new mq failed"); the next
 * rebalance tries again. */
static void take_failed(struct consumer *c, uint32_t k)
{
    c->cq[k].state = CQ_FREE;
    consumer_unbalanced(c);
    consumer_take_check(c);
}

static void take_at(struct consumer *c, uint32_t k, uint64_t off);

/* CONSUME_FROM_LAST_OFFSET with no offset in the broker (readOffset -1): MQAdminImpl.maxOffset(mq), a
 * synchronous getMaxOffset (6000 ms) to the master (findBrokerAddressInPublish); when the route has none,
 * updateTopicRouteInfoFromNameServer and one more look (may_fetch); none then: MQClientException, and R44's
 * result -1, R498/R53's rethrow, both leave the queue out. */
static void ask_max_offset(struct consumer *c, uint32_t k, int may_fetch)
{
    struct cq *q = &c->cq[k];
    sim_node_id master = ns_client_master(&c->route, q->group);
    q->gen = (q->gen + 1) & GEN_MASK;
    if (master == SIM_NODE_NONE) {
        if (may_fetch && ns_client_fetch(&c->route))
            q->state = CQ_MAX_ROUTE;
        else
            take_failed(c, k);
        return;
    }
    q->state = CQ_MAX;
    struct rmq_offset_req req = {.queue = q->queue};
    rpc_call(&c->rpc, master, RMQ_GET_MAX_OFFSET, &req, sizeof req, 0, c->cfg.max_offset_timeout,
             consumer_tag(C_R_MAX_OFFSET, k, q->gen));
}

void consumer_on_max_offset_reply(struct consumer *c, uint32_t k, uint32_t gen, int status, const void *body,
                                  uint32_t len)
{
    struct cq *q = &c->cq[k];
    if (q->gen != gen || q->state != CQ_MAX)
        return;
    struct rmq_offset_resp r;
    if (status != RMQ_SUCCESS || !body || len < sizeof r) {
        take_failed(c, k);
        return;
    }
    memcpy(&r, body, sizeof r);
    take_at(c, k, r.offset > (uint64_t)INT64_MAX ? 0 : r.offset);
}

void consumer_on_query_reply(struct consumer *c, uint32_t k, uint32_t gen, int status, const void *body,
                             uint32_t len)
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
    } else if (status == RMQ_QUERY_NOT_FOUND || (status > 0 && c->cfg.query_error_not_found)) {
        /* The broker has no offset (R44/R498 an MQBrokerException, R53 OffsetNotFoundException: readOffset ->
         * -1): CONSUME_FROM_FIRST_OFFSET starts from 0, CONSUME_FROM_LAST_OFFSET from the queue's max offset.
         * R44/R498 take any other code so too (a SYSTEM_BUSY from a full consumer_manage queue): queryConsumerOffset
         * (R44 MQClientAPIImpl l.812-823, R498 l.950-961) throws MQBrokerException for every code but SUCCESS,
         * and readOffset (RemoteBrokerOffsetStore l.97) catches MQBrokerException as "No offset in broker". From
         * 5.0.0 (R53 MQClientAPIImpl l.1409) only QUERY_NOT_FOUND throws OffsetNotFoundException, the one
         * readOffset catches (l.104); another code is "Other exceptions", -2, and computePullFromWhere fails
         * (query_error_not_found 0). A timeout or a failed connect (RemotingException) is -2 in every release. */
        if (!c->cfg.consume_from_first) {
            ask_max_offset(c, k, 1);
            return;
        }
        off = 0;
    } else {
        take_failed(c, k);   /* -2 */
        return;
    }
    take_at(c, k, off);
}

/* The queue's offset is known: processQueueTable.putIfAbsent(mq, pq), and its PullRequest into pullRequestList. */
static void take_at(struct consumer *c, uint32_t k, uint64_t off)
{
    struct cq *q = &c->cq[k];
    q->state = CQ_ACTIVE;
    q->next = off;
    q->head = q->count = 0;
    q->max_put = off;
    if (c->taking) {
        /* updateProcessQueueTableInRebalance: dispatchPullRequest(pullRequestList) only after the loop */
        q->undispatched = 1;
        consumer_take_check(c);
        return;
    }
    start_pulls(c, k);
}

/* One new queue: its lock first when orderly (RebalanceImpl.lock, only once granted), then its offset. */
static void take_one(struct consumer *c, uint32_t k)
{
    if (c->cfg.orderly)
        consumer_orderly_take(c, k);
    else
        consumer_query_offset(c, k);
}

static void rebalance_done(struct consumer *c);
/* "rebalance.take": the loop is done with queue k, taken or not, after waiting since take_since. */
static void trace_take(struct consumer *c, uint32_t k)
{
    struct trace *tr = sim_trace(c->n->sim);
    if (!trace_on(tr, TRACE_FULL))
        return;
    const struct cq *q = &c->cq[k];
    trace_begin(tr, consumer_now(c), c->n->name, "rebalance.take");
    trace_str(tr, "group", c->base.w->g[q->group].name);
    trace_int(tr, "queue", q->queue);
    trace_time_ms(tr, "from_ms", c->take_since);
    trace_str(tr, "result", q->state == CQ_ACTIVE ? "taken" : "failed");
    trace_end(tr);
}

/* RebalanceImpl.updateProcessQueueTableInRebalance (R44 l.370-400, R498 l.368-407, R53 l.519-556): for (mq :
 * mqSet) on the RebalanceService thread, each new queue's lock(mq) (orderly: lockBatchMQ, invokeSync 1000 ms)
 * and computePullFromWhere (RemoteBrokerOffsetStore.readOffset(READ_FROM_STORE) ->
 * fetchConsumeOffsetFromBroker -> MQClientAPIImpl.queryConsumerOffset, invokeSync 5000 ms) are synchronous, so
 * each queue waits for the one before it: NettyRemotingClient.invokeSync's getAndCreateChannel waits for a
 * connect (createChannel's awaitUninterruptibly(connectTimeoutMillis), R53 a connect bounded by
 * CONNECT_TIMEOUT_MILLIS), then for the answer. A queue whose lock or offset fails is left out
 * ("add a new mq failed"; R498 computePullFromWhereWithException's catch: continue) until the next rebalance.
 * After the loop dispatchPullRequest(pullRequestList) starts the pulls of the queues taken, in mqSet's order;
 * only then does doRebalance return and RebalanceService wait for its next round. Returns 1 when this call
 * ended the loop (the caller ends the rebalance), 0 while it waits. */
static int take_step(struct consumer *c)
{
    if (c->take_busy)
        return 0;   /* a reply given inline: the loop below looks at the queue's state itself */
    c->take_busy = 1;
    while (c->take_at < c->ntake) {
        uint32_t k = c->take[c->take_at];
        struct cq *q = &c->cq[k];
        if (!c->take_started) {
            c->take_started = 1;
            c->take_since = consumer_now(c);
            c->take_peer = SIM_NODE_NONE;
            take_one(c, k);
        }
        if (q->state == CQ_LOCK || q->state == CQ_QUERY || q->state == CQ_ROUTE || q->state == CQ_MAX ||
            q->state == CQ_MAX_ROUTE || c->take_conn_wait != SIM_NODE_NONE) {
            c->take_busy = 0;
            return 0;   /* the thread waits in invokeSync */
        }
        trace_take(c, k);
        c->take_at++;
        c->take_started = 0;
    }
    c->take_busy = 0;
    c->taking = 0;
    for (int i = 0; i < c->ntake; i++) {
        uint32_t k = c->take[i];
        struct cq *q = &c->cq[k];
        if (!q->undispatched)
            continue;
        q->undispatched = 0;
        if (q->state == CQ_ACTIVE)
            start_pulls(c, k);
    }
    c->ntake = 0;
    return 1;
}

void consumer_take_check(struct consumer *c)
{
    if (c->taking && take_step(c))
        rebalance_done(c);
}

void consumer_take_lock_timed_out(struct consumer *c)
{
    /* invokeSync's timeout cannot end createChannel's wait: R44/R498 awaitUninterruptibly(connectTimeoutMillis),
     * R53 awaitUninterruptibly() on a connect bounded by CONNECT_TIMEOUT_MILLIS; then RemotingConnectException,
     * or RemotingTimeoutException when the connect took longer than the call's timeout */
    if (c->taking && c->take_peer != SIM_NODE_NONE && rpc_peer_connecting(&c->rpc, c->take_peer))
        c->take_conn_wait = c->take_peer;
}

void consumer_take_on_conn(struct consumer *c, sim_node_id peer, enum sim_conn_ev ev)
{
    if (c->take_conn_wait == SIM_NODE_NONE || peer != c->take_conn_wait ||
        (ev != SIM_CONN_UP && ev != SIM_CONN_FAILED))
        return;
    c->take_conn_wait = SIM_NODE_NONE;
    consumer_take_check(c);
}

/* AllocateMessageQueueAveragely.allocate for the consumer at `index` among ncid (index -1: this clientId is
 * not in the list, so nothing is ours), then updateProcessQueueTableInRebalance. */
static void allocate(struct consumer *c, int ncid, int index)
{
    const struct ns_client *r = &c->route;
    if (!r->have || c->ncq == 0)
        return;   /* "doRebalance, but the topic[...] not exist." */
    /* mqAll: topicSubscribeInfoTable, every readable queue of every group in the route, sorted. */
    int nall = 0;
    for (int i = 0; i < r->ngroups; i++) {
        int g = r->order[i];
        if (!ns_client_routed(r, g))
            continue;
        int nq = r->g[g].queues < c->qn[g] ? r->g[g].queues : c->qn[g];
        for (int qi = 0; qi < nq; qi++)
            c->all[nall++] = (uint32_t)(c->qbase[g] + qi);
    }
    memset(c->want, 0, (size_t)c->ncq);
    if (nall > 0 && ncid > 0 && index >= 0 && index < ncid) {
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
            consumer_drop(c, (uint32_t)k);
    /* New ones: (orderly) lock(mq), computePullFromWhere, then a PullRequest from that offset. */
    c->ntake = 0;
    for (int i = 0; i < nall; i++) {
        uint32_t k = c->all[i];
        if (c->want[k] && c->cq[k].state == CQ_FREE)
            c->take[c->ntake++] = k;
    }
    if (c->cfg.rebalance_in_turn) {
        c->taking = 1;
        c->take_at = 0;
        c->take_started = 0;
        take_step(c);   /* taking is 0 again if the loop is already over */
        return;
    }
    for (int i = 0; i < c->ntake; i++)
        take_one(c, c->take[i]);
}

/* MQClientInstance.findBrokerAddrByTopic: a BrokerData of the route at random, then its selectBrokerAddr (the
 * master, else any of its brokers at random). */
static sim_node_id any_broker(struct consumer *c)
{
    const struct ns_client *r = &c->route;
    int listed[RMQ_MAX_GROUPS], n = 0;
    for (int i = 0; i < r->ngroups; i++)
        if (ns_client_routed(r, r->order[i]))   /* topicRouteTable's BrokerDatas: no stale group */
            listed[n++] = r->order[i];
    if (n == 0)
        return SIM_NODE_NONE;
    const struct ns_client_group *g = &r->g[listed[sim_rng_below(c->rb_rng, (uint64_t)n)]];
    if (g->id[0] == 0)
        return g->node[0];
    return g->node[sim_rng_below(c->rb_rng, g->n)];
}

/* The armed C_T_REBALANCE, if any, is void (its generation is no longer the current one). */
static void rebalance_disarm(struct consumer *c)
{
    c->rebalance_gen = (c->rebalance_gen + 1) & GEN_MASK;
    c->rb_due = SIM_TIME_MAX;
}

/* RebalanceService's next doRebalance at t (no earlier than now), unless one is due sooner. */
static void rebalance_at(struct consumer *c, sim_time t)
{
    sim_time now = consumer_now(c);
    if (t < now)
        t = now;
    if (t >= c->rb_due)
        return;
    rebalance_disarm(c);
    c->rb_due = t;
    node_timer(c->n, t - now, consumer_tag(C_T_REBALANCE, 0, c->rebalance_gen));
}

/* RebalanceService.run: waitForRunning(waitInterval), from the end of the last doRebalance. A wakeup that
 * came during it ends the wait at once, then (5.2+) what is left of minInterval. */
static void rebalance_done(struct consumer *c)
{
    c->rb_inflight = 0;
    c->rb_last = consumer_now(c);
    int unbalanced = c->rb_unbalanced;
    c->rb_unbalanced = 0;
    if (c->rb_again) {
        c->rb_again = 0;
        if (c->cfg.rebalance_min == 0) {
            consumer_rebalance(c);
            return;
        }
        rebalance_at(c, c->rb_last + c->cfg.rebalance_min);
        return;
    }
    rebalance_at(c, c->rb_last + (unbalanced ? c->cfg.rebalance_min : c->cfg.rebalance));
}

void consumer_unbalanced(struct consumer *c)
{
    /* 5.2+: doRebalance returns balanced false, and the wait is minInterval instead of waitInterval. */
    if (c->cfg.rebalance_min == 0 || !c->rebalanced)
        return;
    if (c->rb_inflight)
        c->rb_unbalanced = 1;   /* rebalance_done waits minInterval */
    else
        rebalance_at(c, c->rb_last + c->cfg.rebalance_min);
}

/* RebalanceImpl.doRebalance -> rebalanceByTopic (CLUSTERING): findConsumerIdList, a synchronous call to one
 * broker of the topic, then the allocation. */
void consumer_rebalance(struct consumer *c)
{
    rebalance_disarm(c);
    sim_node_id node = c->route.have && c->ncq > 0 ? any_broker(c) : SIM_NODE_NONE;
    if (node == SIM_NODE_NONE) {
        rebalance_done(c);   /* "doRebalance, but the topic[...] not exist." */
        return;
    }
    c->rb_inflight = 1;
    rpc_call(&c->rpc, node, RMQ_GET_CONSUMER_LIST, NULL, 0, 0, c->cfg.admin_timeout,
             consumer_tag(C_R_CID_LIST, 0, c->rebalance_gen));
}

/* "rebalance" with the list's size and this client's index in it (-1: not listed), or "rebalance.skip" with
 * the answer's status (`why`) when the list could not be had. */
static void trace_rebalance(struct consumer *c, int ncid, int index, int status)
{
    struct trace *tr = sim_trace(c->n->sim);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, consumer_now(c), c->n->name, status == RMQ_SUCCESS ? "rebalance" : "rebalance.skip");
    if (status == RMQ_SUCCESS) {
        trace_int(tr, "consumers", ncid);
        trace_int(tr, "index", index);
    } else {
        trace_str(tr, "why", rmq_status_name(status));
    }
    trace_end(tr);
}

void consumer_on_cid_list_reply(struct consumer *c, uint32_t gen, int status, const void *body, uint32_t len)
{
    if (gen != c->rebalance_gen || !c->rb_inflight)
        return;
    struct rmq_consumer_list hdr;
    if (status != RMQ_SUCCESS || !body || len < sizeof hdr) {
        /* "doRebalance, get consumer id list failed": this topic's queues stay as they are. */
        trace_rebalance(c, 0, -1, status == RMQ_SUCCESS ? RMQ_SYSTEM_ERROR : status);
        rebalance_done(c);
        return;
    }
    memcpy(&hdr, body, sizeof hdr);
    uint32_t n = hdr.n, have = (len - (uint32_t)sizeof hdr) / (uint32_t)sizeof(uint64_t);
    if (n > have)
        n = have;
    /* Collections.sort(cidAll), then the index of currentCID: ids below this client's, when it is listed. */
    uint64_t me = consumer_client_id(c);
    const unsigned char *ids = (const unsigned char *)body + sizeof hdr;
    int below = 0, found = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t id;
        memcpy(&id, ids + i * sizeof id, sizeof id);
        below += id < me;
        found |= id == me;
    }
    int index = found ? below : -1;
    trace_rebalance(c, (int)n, index, RMQ_SUCCESS);
    allocate(c, (int)n, index);
    if (!c->taking)
        rebalance_done(c);   /* else at the end of the loop over the new queues */
}

/* MQClientInstance.rebalanceImmediately: RebalanceService wakes up; if it is inside a doRebalance, the next
 * one follows at once. */
void consumer_rebalance_now(struct consumer *c)
{
    if (c->rb_inflight)
        c->rb_again = 1;
    else if (c->cfg.rebalance_min > 0 && consumer_now(c) - c->rb_last < c->cfg.rebalance_min)
        rebalance_at(c, c->rb_last + c->cfg.rebalance_min);   /* 5.2+: the rest of minInterval first */
    else
        consumer_rebalance(c);
}

/* ---- the heartbeat ---- */

#define HB_ON_CONNECT 1   /* the slot of a connection's heartbeat's tag; the round's is 0 */

static void heartbeat_next(struct consumer *c)
{
    struct rmq_heartbeat hb = {.client = consumer_client_id(c)};
    if (hb_round_next(&c->hb, &c->rpc, &hb, sizeof hb, c->cfg.admin_timeout, C_R_HEARTBEAT))
        return;
    /* The round is over: lockHeartbeat.unlock(), and the scheduled thread is free if it was its round. */
    ct_done(&c->tasks, CT_HEARTBEAT);
    if (c->hb_then_rebalance) {
        c->hb_then_rebalance = 0;
        consumer_rebalance_now(c);
    }
}

void consumer_heartbeat(struct consumer *c, int then_rebalance)
{
    if (hb_round_busy(&c->hb)) {
        /* lockHeartbeat.tryLock() failed: "lock heartBeat, but failed". */
        if (then_rebalance)
            consumer_rebalance_now(c);
        return;
    }
    /* brokerAddrTable: every broker of the route, masters and slaves (a consumer's heartbeat goes to
     * slaves too). */
    if (hb_round_start(&c->hb, &c->route, 0) < 0)
        return;
    c->hb_then_rebalance = then_rebalance;
    heartbeat_next(c);
}

void consumer_on_heartbeat_reply(struct consumer *c, uint32_t slot, int status)
{
    if (slot == HB_ON_CONNECT) {
        if (status == RMQ_SUCCESS && c->rebalanced)
            consumer_rebalance_now(c);
        return;
    }
    /* Answered, failed or timed out, the round goes on to the next broker. */
    if (hb_round_busy(&c->hb))
        heartbeat_next(c);
}

void consumer_heartbeat_on_connect(struct consumer *c, sim_node_id peer)
{
    const struct ns_client *r = &c->route;
    if (hb_round_busy(&c->hb))
        return;   /* sendHeartbeatToBroker(.., strictLockMode false): the round holds lockHeartbeat (its own
                     heartbeat may have opened this connection): no heartbeat, no rebalance */
    for (int i = 0; i < r->ngroups; i++) {
        const struct ns_client_group *g = &r->g[i];
        for (int k = 0; k < g->n; k++)
            if (g->node[k] == peer) {
                struct rmq_heartbeat hb = {.client = consumer_client_id(c)};
                rpc_call(&c->rpc, peer, RMQ_HEART_BEAT, &hb, sizeof hb, 0, c->cfg.admin_timeout,
                         consumer_tag(C_R_HEARTBEAT, HB_ON_CONNECT, 0));
                return;
            }
    }
}

/* persistAll's walk from queue `from`: each held queue's commit, in turn; a queue whose lookup finds nothing
 * asks the NameServer first and the walk waits for the answer on the scheduled thread (the route request is
 * invokeSync). Returns 1 while it waits (persist_at is that queue), 0 when the walk is over. */
static int persist_from(struct consumer *c, int from)
{
    for (int k = from; k < c->ncq; k++) {
        const struct cq *q = &c->cq[k];
        if (!((q->state == CQ_ACTIVE || q->state == CQ_DROPPED) && q->store >= 0))
            continue;
        if (k != c->persist_at && offset_store_lacks(c, q->group, c->cfg.commit_needs_master) &&
            ns_client_fetch(&c->route)) {
            c->persist_at = k;
            return 1;
        }
        commit(c, (uint32_t)k);
    }
    c->persist_at = -1;
    return 0;
}

/* MQClientInstance.persistAllConsumerOffset -> RemoteBrokerOffsetStore.persistAll(processQueueTable keys):
 * every held queue with an offset, changed or not. */
int consumer_persist_all(struct consumer *c)
{
    c->persist_at = -1;
    return persist_from(c, 0);
}

/* A route came (or its request failed): what the offset store waited for looks again, taking any broker. */
static void offset_store_route_came(struct consumer *c)
{
    for (int k = 0; k < c->ncq; k++)
        if (c->cq[k].state == CQ_ROUTE)
            query_offset(c, (uint32_t)k);
        else if (c->cq[k].state == CQ_MAX_ROUTE)
            ask_max_offset(c, (uint32_t)k, 0);
    consumer_take_check(c);   /* a query that found no broker even then: the loop goes on */
    if (c->persist_at >= 0 && !persist_from(c, c->persist_at))
        ct_done(&c->tasks, CT_PERSIST);
}

/* ---- the route ---- */

void consumer_on_route_reply(struct consumer *c, int status, const void *body, uint32_t len)
{
    if (ns_client_on_reply(&c->route, status, body, len) == NS_FETCH_PENDING)
        return;
    offset_store_route_came(c);
    consumer_pull_on_route(c);   /* pullKernelImpl's updateTopicRouteInfoFromNameServer returned */
    /* DefaultMQPushConsumerImpl.start: updateTopicSubscribeInfoWhenSubscriptionChanged,
     * sendHeartbeatToAllBrokerWithLock, then mQClientFactory.rebalanceImmediately(); RebalanceService then
     * runs every waitInterval. (The start's own route lookup comes before the scheduled thread's first poll,
     * so its heartbeat round takes lockHeartbeat before any scheduled round can.) */
    if (!c->rebalanced) {
        c->rebalanced = 1;
        consumer_heartbeat(c, 1);
    }
    ct_done(&c->tasks, CT_ROUTE);   /* the poll's invokeSync returned (if the scheduled thread made it) */
}
