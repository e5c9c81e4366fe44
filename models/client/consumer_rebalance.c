/* consumer_rebalance: a push consumer's route, rebalance and offset store (RebalancePushImpl, RemoteBrokerOffsetStore).
 *
 * The MessageQueues a consumer holds come from AllocateMessageQueueAveragely over the route's queues; a queue
 * taken has its offset queried before its pulls start. The offset store keeps, per queue, the offset of the
 * oldest message not yet processed and commits it every persistConsumerOffsetInterval. */
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

/* RebalancePushImpl.computePullFromWhere (CONSUME_FROM_LAST_OFFSET): readOffset(mq, READ_FROM_STORE). */
void consumer_query_offset(struct consumer *c, uint32_t k)
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
             consumer_tag(C_R_QUERY, k, q->gen));
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
    consumer_pull(c, k);
}

/* RebalanceImpl.rebalanceByTopic (CLUSTERING) with AllocateMessageQueueAveragely, then
 * updateProcessQueueTableInRebalance. */
void consumer_rebalance(struct consumer *c)
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
            consumer_drop(c, (uint32_t)k);
    /* New ones: computePullFromWhere, then a PullRequest from that offset. */
    for (int i = 0; i < nall; i++) {
        uint32_t k = c->all[i];
        if (c->want[k] && c->cq[k].state == CQ_FREE) {
            if (c->cfg.orderly)
                consumer_orderly_take(c, k);
            else
                consumer_query_offset(c, k);
        }
    }
}

void consumer_rebalance_now(struct consumer *c)
{
    c->rebalance_gen = (c->rebalance_gen + 1) & GEN_MASK;
    consumer_rebalance(c);
    node_timer(c->n, c->cfg.rebalance, consumer_tag(C_T_REBALANCE, 0, c->rebalance_gen));
}

/* MQClientInstance.persistAllConsumerOffset -> RemoteBrokerOffsetStore.persistAll(processQueueTable keys):
 * every held queue with an offset, changed or not. */
void consumer_persist_all(struct consumer *c)
{
    for (int k = 0; k < c->ncq; k++) {
        const struct cq *q = &c->cq[k];
        if ((q->state == CQ_ACTIVE || q->state == CQ_DROPPED) && q->store >= 0)
            commit(c, (uint32_t)k);
    }
}

/* ---- the route ---- */

void consumer_on_route_reply(struct consumer *c, int status, const void *body, uint32_t len)
{
    if (ns_client_on_reply(&c->route, status, body, len) == NS_FETCH_PENDING)
        return;
    /* DefaultMQPushConsumerImpl.start: updateTopicSubscribeInfoWhenSubscriptionChanged, then
     * mQClientFactory.rebalanceImmediately(); RebalanceService then runs every waitInterval. */
    if (!c->rebalanced) {
        c->rebalanced = 1;
        consumer_rebalance_now(c);
    }
}
