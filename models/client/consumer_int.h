/* consumer_int: a push consumer's state and what its parts (consumer, consumer_pull, consumer_rebalance,
 * consumer_orderly) share. */
#ifndef MODELS_CLIENT_CONSUMER_INT_H
#define MODELS_CLIENT_CONSUMER_INT_H

#include <stdint.h>

#include "models/client/client_cfg.h"
#include "models/client/client_tasks.h"
#include "models/client/heartbeat_round.h"
#include "models/namesrv/nameserver.h"
#include "models/remoting/rpc.h"
#include "models/world/cluster.h"
#include "sim/sim.h"

/* Timer tags: enum c_timer in the low 4 bits, the queue slot << 4, the generation << 32 (never bit 63).
 * Rpc tags alike with enum c_rpc. */
enum c_timer {
    C_T_ROUTE = 1, C_T_REBALANCE, C_T_PERSIST, C_T_CONSUME, C_T_PULL, C_T_FIX,
    C_T_LOCK_ALL, C_T_RELOCK, C_T_RESUBMIT,  /* orderly: lockMQPeriodically, tryLockLaterAndReconsume,
                                                submitConsumeRequestLater */
    C_T_HEARTBEAT                            /* sendHeartbeatToAllBrokerWithLock, every heartbeatBrokerInterval */
};
enum c_rpc {
    C_R_ROUTE = 1, C_R_PULL, C_R_QUERY, C_R_COMMIT, C_R_LOCK, C_R_LOCK_ALL, C_R_RELOCK, C_R_UNLOCK,
    C_R_HEARTBEAT, C_R_CID_LIST, C_R_MAX_OFFSET
};

#define GEN_MASK 0x7fffffffu
#define SLOT_MASK 0xfffffffu

enum cq_state {
    CQ_FREE,        /* not held */
    CQ_QUERY,       /* taken by the rebalance, its offset being fetched (computePullFromWhere) */
    CQ_ROUTE,       /* taken, its offset query waiting for the route the offset store asked for */
    CQ_ACTIVE,      /* in processQueueTable, pulling */
    CQ_DROPPED,     /* dropped after OFFSET_ILLEGAL, waiting for the 10 s fix to remove it */
    CQ_LOCK,        /* orderly: taken by the rebalance, its lock being asked of the master (RebalanceImpl.lock) */
    CQ_MAX,         /* taken, the broker had no offset: its max offset being asked of the master
                       (consume_from_where last_offset: MQAdminImpl.maxOffset) */
    CQ_MAX_ROUTE    /* the same, waiting for the route maxOffset asked for (the route had no master) */
};

struct pq_ent {
    uint32_t msg;
    uint64_t qoff;
};

/* A MessageQueue this consumer may hold: its ProcessQueue, PullRequest and offset store entry. */
/* The lowest offset some pulls read from or commit (UINT64_MAX: none), and the broker life they were written
 * to: a restarted process refuses the old connection's segments (node NONE: pulls to two brokers or lives, kept
 * whatever becomes of them). */
struct pull_floor {
    uint64_t low;
    sim_node_id node;
    uint32_t inc;
};

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
    uint32_t head, count, cap;  /* cap: 0 or a power of two (slots are indexed with cap - 1) */
    /* orderly (consumer_orderly.c) */
    uint8_t locked;             /* ProcessQueue.locked */
    uint8_t consuming;          /* ProcessQueue.consuming: a ConsumeRequest of the queue is queued, in service
                                   or waiting for its lock */
    uint8_t cont;               /* that request already consumed a batch (ConsumeRequest.run's loop) */
    uint8_t undispatched;       /* in processQueueTable, its PullRequest waiting for the rebalance's loop to end */
    sim_time last_lock;         /* ProcessQueue.lastLockTimestamp */
    /* Pulls that may still reach a broker though nothing here waits for them: one that timed out, lost its
     * connection or died with the process may be held by TCP and delivered later, and the broker then reads
     * from its offset and stores its commit offset (consumer_pull_lost). fly: the pulls sent since the last one
     * answered; stale: the pulls lost, kept until stale_until (the network's tcp_timeout after the last loss).
     * They survive the queue's drop and the process's death: the world's trim keeps what they may read
     * (consumer_lowest_offset). */
    struct pull_floor fly, stale;
    sim_time stale_until;
};

/* A message waiting for the consume service: which queue, which generation of it. */
struct centry {
    uint32_t cq, gen;
};

/* What PullMessageService's thread is waiting for, inside pullKernelImpl. */
enum ps_wait {
    PS_FREE,                    /* nothing: it takes the next pull due */
    PS_CONNECT,                 /* the connect to `node` (invokeAsync -> createChannel's await) */
    PS_ROUTE                    /* the route (updateTopicRouteInfoFromNameServer, invokeSync): the queue's group
                                   was not in the client's table */
};

/* PullMessageService (pull_service.c): its pullRequestQueue, and the pull its thread is waiting to send. */
struct pull_svc {
    struct centry *ring;        /* the PullRequests due, in arrival order: queue slot and generation */
    uint32_t head, count, cap;  /* cap: 0 or a power of two */
    int waiting;                /* enum ps_wait */
    sim_node_id node;
    uint32_t k, gen;            /* the pull it was sending, and the request built for it */
    struct rmq_pull_req req;
    sim_time since;
};

struct consumer {
    struct rmq_node base;
    struct sim_node *n;
    struct consumer_cfg cfg;
    int index;
    struct rpc rpc;
    struct ns_client route;
    struct client_tasks tasks;  /* MQClientInstance's scheduled executor */
    struct sim_rng *ns_rng;     /* "nameserver": the first NameServer chosen */
    int rebalanced;             /* the start-up rebalance ran (rebalanceImmediately) */
    uint32_t rebalance_gen;     /* the RebalanceService period's timer (rebalanceImmediately restarts it) */
    int rb_inflight;            /* the rebalance waits for its GET_CONSUMER_LIST_BY_GROUP answer */
    int rb_again;               /* rebalanceImmediately came meanwhile (ServiceThread.wakeup: hasNotified) */
    sim_time rb_last;           /* lastRebalanceTimestamp: the end of the last doRebalance (its start at first) */
    sim_time rb_due;            /* when the armed C_T_REBALANCE fires (SIM_TIME_MAX: none armed) */
    int rb_unbalanced;          /* the rebalance in flight could not take a queue it allocated */
    struct sim_rng *rb_rng;     /* "rebalance": findBrokerAddrByTopic's random broker */
    struct hb_round hb;         /* the heartbeat round in progress (lockHeartbeat held) */
    int hb_then_rebalance;      /* the start's round: rebalanceImmediately when it ends */
    int persist_at;             /* persistAll waits for a route its queue asked for: that queue, else -1 */
    /* updateProcessQueueTableInRebalance's loop over the new queues (rebalance_takes_in_turn) */
    uint32_t *take;             /* the queues to take, in mqSet's order */
    int ntake, take_at;         /* how many, and the one being taken */
    int taking;                 /* the rebalance thread is in the loop (rb_inflight stays set) */
    int take_started;           /* take[take_at]'s lock or query was sent */
    int take_busy;              /* take_step is running (a reply given inline waits for it) */
    sim_node_id take_peer;      /* the broker take[take_at]'s lock went to */
    sim_node_id take_conn_wait; /* its lock timed out while the connect to it went on: createChannel still
                                   waits for that connect (SIM_NODE_NONE: no wait) */
    sim_time take_since;        /* when take[take_at] began */

    int ncq;                    /* one slot per (group, queue), laid out at the first start */
    struct cq *cq;
    int qbase[RMQ_MAX_GROUPS], qn[RMQ_MAX_GROUPS];
    uint32_t *all;              /* rebalance scratch: mqAll */
    uint8_t *want;              /* rebalance scratch: allocated to this consumer */

    struct centry *cring;       /* the consume service's queue, in arrival order */
    uint32_t chead, ccount, ccap;   /* ccap: 0 or a power of two */
    int busy;                   /* a C_T_CONSUME timer is pending */
    struct centry svc;          /* the message in service (consume_rate > 0) */
    uint32_t svc_msg;
    sim_time per_msg;           /* 1 / consume_rate, 0: no limit */
    /* orderly */
    uint32_t life;              /* process incarnations: part of the clientId, as RocketMQ's pid is */
    uint64_t lock_asked[RMQ_MAX_GROUPS];   /* the queues the lockAll in flight to each group asked for */
    uint32_t svc_n;             /* the batch in service */
    struct pq_ent svc_batch[RMQ_PULL_MAX];
    struct pull_svc ps;         /* PullMessageService: the thread that sends the pulls */

    uint64_t consumed;
};

static inline uint64_t consumer_tag(unsigned kind, uint32_t slot, uint32_t gen)
{
    return (uint64_t)kind | (uint64_t)(slot & SLOT_MASK) << 4 | (uint64_t)(gen & GEN_MASK) << 32;
}

static inline sim_time consumer_now(const struct consumer *c) { return sim_now(c->n->sim); }

/* MQClientInstance.clientId (ip@pid): the consumer node and its process incarnation, so a restarted process
 * is another client. Never 0 (no lock). */
static inline uint64_t consumer_client_id(const struct consumer *c)
{
    return (uint64_t)(c->n->id + 1) << 32 | c->life;
}

/* ---- consumer_pull.c: the pull loop, ProcessQueues and the consume service ---- */

/* DefaultMQPushConsumerImpl.pullMessage: pulls queue k from the broker its suggestion names, unless it is not
 * ACTIVE or flow control puts it off. Run by the pull service's thread (consumer_pull). */
void consumer_pull_message(struct consumer *c, uint32_t k);
/* PullAPIWrapper.pullKernelImpl for queue k (ACTIVE): findBrokerAddressInSubscribe, then the pull to the broker
 * found. When the group is not in the route: with may_fetch the thread asks the NameServer and waits
 * (consumer_pull_route_wait); else the pull fails ("The broker[...] not exist") and is tried again
 * pull_time_delay_when_exception later. */
void consumer_pull_kernel(struct consumer *c, uint32_t k, int may_fetch);
/* executePullRequestLater: queue k's next pull in d. */
void consumer_pull_later(struct consumer *c, uint32_t k, sim_time d);
void consumer_on_pull_reply(struct consumer *c, uint32_t k, uint32_t gen, int status, const void *body, uint32_t len);
/* The pulls of q sent since the last answered one end without an answer: they may still be delivered. */
void consumer_pull_lost(struct consumer *c, struct cq *q);
/* The OFFSET_ILLEGAL fix of a DROPPED queue is due. */
void consumer_on_fix_timer(struct consumer *c, uint32_t k);
/* MQClientInstance.rebalanceImmediately: a rebalance now, and RebalanceService's period from now on. */
void consumer_rebalance_now(struct consumer *c);
void consumer_on_consume_timer(struct consumer *c);
/* consumer_cring_push's way when the ring is full: it doubles (0), or memory is short (-1). */
int consumer_cring_grow(struct consumer *c);
/* Appends a consume request for queue k of generation gen to the consume service's queue; -1: out of memory.
 * Inline: every message pulled passes here. */
static inline int consumer_cring_push(struct consumer *c, uint32_t k, uint32_t gen)
{
    if (c->ccount == c->ccap && consumer_cring_grow(c) < 0)
        return -1;
    c->cring[(c->chead + c->ccount) & (c->ccap - 1)] = (struct centry){k, gen};
    c->ccount++;
    return 0;
}

/* ---- pull_service.c: PullMessageService, the one thread that sends a consumer's pulls ---- */

/* executePullRequestImmediately: queue k's pull is due. The thread runs it now unless it is waiting for a
 * connection (pull_blocks_on_connect), when it queues behind the pulls already due. */
void consumer_pull(struct consumer *c, uint32_t k);
/* pullKernelImpl's invokeAsync of req to broker node, with the tag of queue k's reply: sent at once on a
 * connection that is up; else, with pull_blocks_on_connect, the thread waits for the connect. */
void consumer_pull_send(struct consumer *c, uint32_t k, sim_node_id node, const struct rmq_pull_req *req);
/* A connection of the consumer's rpc came up or failed (after rpc_on_conn took it): ends the thread's wait
 * when it was for that broker. */
void consumer_pull_on_conn(struct consumer *c, sim_node_id peer, enum sim_conn_ev ev);
/* pullKernelImpl found no broker of queue k's group: the thread asks the NameServer for the route (or joins the
 * request in flight) and waits for it. Returns 1 when it waits (or the wait is already over), 0 when there is
 * no NameServer to ask. */
int consumer_pull_route_wait(struct consumer *c, uint32_t k);
/* The client's route request is over (a route came, or it failed): ends the thread's wait for it, and queue
 * k's pull looks for its broker once more. */
void consumer_pull_on_route(struct consumer *c);
/* The process died: the queue and the wait are gone. */
void consumer_pull_reset(struct consumer *c);

/* ---- consumer_rebalance.c: route, rebalance, offset queries and commits ---- */

/* A queue the rebalance allocated could not be taken (its offset query or its lock failed): with
 * rebalance_min_interval_ms (5.2+), the next rebalance comes that long after the last. */
void consumer_unbalanced(struct consumer *c);
/* The rebalance's loop looks again at the queue it is taking: once that queue's lock and offset query are
 * over (taken or not) it goes on to the next; after the last it dispatches the PullRequests and the rebalance
 * is over. Does nothing outside the loop. */
void consumer_take_check(struct consumer *c);
/* A lock of the loop's timed out while its connect went on: the loop waits for that connect's outcome. */
void consumer_take_lock_timed_out(struct consumer *c);
/* A connection of the consumer's rpc came up or failed: ends the loop's wait for it. */
void consumer_take_on_conn(struct consumer *c, sim_node_id peer, enum sim_conn_ev ev);
/* Commits queue k's offset if it was held, then forgets its ProcessQueue and offset entry. */
void consumer_drop(struct consumer *c, uint32_t k);
void consumer_rebalance(struct consumer *c);
/* computePullFromWhere: queue k's offset is asked for, then its pulls start. */
void consumer_query_offset(struct consumer *c, uint32_t k);
/* persistAllConsumerOffset: 1 while it holds the scheduled thread (a route it asked for, see persist_at). */
int consumer_persist_all(struct consumer *c);
void consumer_on_max_offset_reply(struct consumer *c, uint32_t k, uint32_t gen, int status, const void *body,
                                  uint32_t len);
void consumer_on_query_reply(struct consumer *c, uint32_t k, uint32_t gen, int status, const void *body,
                             uint32_t len);
void consumer_on_route_reply(struct consumer *c, int status, const void *body, uint32_t len);
/* MQClientInstance.sendHeartbeatToAllBrokerWithLock: a round over every broker of the route, one after the
 * other; skipped while a round is under way. then_rebalance: the start's round, rebalanceImmediately at its
 * end. */
void consumer_heartbeat(struct consumer *c, int then_rebalance);
/* 5.x onChannelActive: a connection to peer came up; if it is a broker of the route, a heartbeat to it, and
 * when that succeeds rebalanceImmediately. */
void consumer_heartbeat_on_connect(struct consumer *c, sim_node_id peer);
/* A heartbeat's answer: of the round (slot 0) or of a connection's (slot 1). */
void consumer_on_heartbeat_reply(struct consumer *c, uint32_t slot, int status);
void consumer_on_cid_list_reply(struct consumer *c, uint32_t gen, int status, const void *body, uint32_t len);

/* ---- consumer_orderly.c: MessageListenerOrderly (ConsumeMessageOrderlyService, RebalanceImpl's locks) ---- */

/* The process started: lockMQPeriodically from `delay` on. */
void consumer_orderly_start(struct consumer *c, sim_time delay);
/* RebalanceImpl.lockAll, every REBALANCE_LOCK_INTERVAL. */
void consumer_orderly_lock_all(struct consumer *c);
/* The rebalance takes queue k: only once its master granted the lock (then its offset is asked for). */
void consumer_orderly_take(struct consumer *c, uint32_t k);
/* Queue k is given up: its lock is released (RebalanceImpl.unlock, oneway). */
void consumer_orderly_unlock(struct consumer *c, uint32_t k);
void consumer_orderly_on_reply(struct consumer *c, enum c_rpc kind, uint32_t slot, uint32_t gen, int status,
                               const void *body, uint32_t len);
void consumer_orderly_on_timer(struct consumer *c, enum c_timer kind, uint32_t k, uint32_t gen);
/* New messages are in queue k's ProcessQueue: submitConsumeRequest when no request of it is under way. */
void consumer_orderly_submit(struct consumer *c, uint32_t k);
void consumer_orderly_kick(struct consumer *c);
void consumer_orderly_on_consume_timer(struct consumer *c);

#endif
