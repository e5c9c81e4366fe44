/* rebalance_lock: the broker's RebalanceLockManager, which gives each queue of the one consumer group and topic
 * to at most one orderly consumer client (LOCK_BATCH_MQ, UNLOCK_BATCH_MQ through AdminBrokerProcessor).
 *
 * The table lives in the broker's memory only: a crash or restart forgets every lock, and a promoted slave
 * starts with none. The broker does not look at its role; the clients send these requests to brokerId 0 only
 * (RebalanceImpl.lock: findBrokerAddressInSubscribe(brokerName, MASTER_ID, true)). */
#include <string.h>

#include "models/broker/broker_int.h"

void broker_locks_reset(struct broker *b)
{
    memset(b->locks, 0, sizeof b->locks);
}

/* LockEntry.isExpired: now - lastUpdateTimestamp > REBALANCE_LOCK_MAX_LIVE_TIME (60000 ms). */
static int expired(const struct broker *b, const struct queue_lock *e, sim_time now)
{
    return now - e->last > b->cfg.rebalance_lock_live;
}

static void lock_trace(struct broker *b, int q, uint64_t from, uint64_t to)
{
    struct trace *tr = sim_trace(b->n->sim);
    if (!trace_on(tr, TRACE_FULL))
        return;
    trace_begin(tr, node_now(b->n), b->n->name, "broker.lock");
    trace_str(tr, "group", b->base.w->g[b->group].name);
    trace_int(tr, "queue", q);
    trace_uint(tr, "from", from);
    trace_uint(tr, "to", to);
    trace_end(tr);
}

/* RebalanceLockManager.tryLockBatch: a queue is granted when it has no entry, when the entry is this
 * client's (its timestamp renewed), or when the entry expired (taken over). */
static uint64_t try_lock_batch(struct broker *b, const struct rmq_lock_req *req)
{
    sim_time now = node_now(b->n);
    uint64_t locked = 0;
    for (int q = 0; q < RMQ_MAX_QUEUES; q++) {
        if (!(req->mqs >> q & 1))
            continue;
        struct queue_lock *e = &b->locks[q];
        if (e->client != 0 && e->client != req->client && !expired(b, e, now))
            continue;   /* "the message queue locked by other client" */
        if (e->client != req->client)
            lock_trace(b, q, e->client, req->client);
        e->client = req->client;
        e->last = now;
        locked |= 1ULL << q;
    }
    return locked;
}

/* RebalanceLockManager.unlockBatch: only the holder's own entries go. */
static void unlock_batch(struct broker *b, const struct rmq_lock_req *req)
{
    for (int q = 0; q < RMQ_MAX_QUEUES; q++)
        if (req->mqs >> q & 1 && b->locks[q].client == req->client) {
            lock_trace(b, q, req->client, 0);
            b->locks[q].client = 0;
        }
}

void broker_handle_lock(struct broker *b, struct rpc_ctx ctx, uint16_t code, const struct rmq_lock_req *req)
{
    if (code == RMQ_UNLOCK_BATCH_MQ) {
        unlock_batch(b, req);
        rpc_reply(b->n, ctx, RMQ_SUCCESS, NULL, 0, 0);
        return;
    }
    struct rmq_lock_resp r = {.locked = try_lock_batch(b, req)};
    rpc_reply(b->n, ctx, RMQ_SUCCESS, &r, sizeof r, 0);
}
