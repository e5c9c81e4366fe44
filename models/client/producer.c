/* producer: each message is one application thread blocked in DefaultMQProducerImpl.sendDefaultImpl (SYNC):
 * find the publish info (fetching the route if there is none), then up to 1 + retryTimesWhenSendFailed
 * attempts, each on a queue chosen round robin and away from the last attempt's broker, all within one
 * sendMsgTimeout budget measured from the start. Sends wait in a slot pool; the rpc tag names the slot.
 *
 * Timer tags: enum p_timer. Rpc tags: enum p_rpc in the low 4 bits, slot << 4, generation << 32. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/namesrv/nameserver.h"
#include "models/client/client_tasks.h"
#include "models/client/heartbeat_round.h"
#include "models/client/latency_fault.h"
#include "models/client/producer.h"
#include "models/remoting/rpc.h"
#include "models/report/report.h"

enum p_timer { P_T_ROUTE = 1, P_T_WORKLOAD, P_T_THREAD, P_T_HEARTBEAT };
enum p_rpc { P_R_ROUTE = 1, P_R_SEND, P_R_HEARTBEAT };

#define NO_SLOT UINT32_MAX
#define GEN_MASK 0x7fffffffu
#define SLOT_MAX (1u << 27)
enum ps_state { PS_FREE, PS_WAIT_ROUTE, PS_SENDING };

/* One send in progress: an application thread inside sendDefaultImpl. */
struct psend {
    uint32_t msg, size;
    sim_time t0;                /* beginTimestampFirst */
    sim_time t_attempt;         /* beginTimestampPrev */
    uint32_t gen;
    uint32_t next;              /* free list or route-wait list */
    uint8_t state;
    uint8_t attempts;           /* `times` */
    uint32_t thread;            /* closed: the application thread that called send() */
    uint32_t key;               /* ordered: the selector's argument (an Integer: hashCode() is the key) */
    uint16_t queue;             /* the last attempt's queue id */
    int16_t group;              /* the last attempt's group (lastBrokerName), -1 before the first */
    int status;                 /* the last attempt's status */
};

/* A MessageQueue of the publish info. */
struct pqueue {
    uint16_t group;
    uint16_t queue;
};

struct producer {
    struct rmq_node base;
    struct sim_node *n;
    struct producer_cfg cfg;
    int index;
    struct rpc rpc;
    struct ns_client route;
    struct client_tasks tasks;  /* MQClientInstance's scheduled executor: the route poll, the heartbeat */
    struct sim_rng *rng;        /* "workload": arrivals, sizes, sendWhichQueue's start */
    struct sim_rng *ns_rng;     /* "nameserver": the first NameServer chosen */
    struct sim_rng *key_rng;    /* "order_keys": ordered sends' keys */
    struct sim_rng **think_rng; /* closed: thread t's think times, stream "think.<t>" (made at its first draw) */
    uint32_t next_thread;       /* closed: the thread the next new_message runs on */

    /* TopicPublishInfo: the writable queues, ordered by group name then queue id. */
    int nq;
    struct pqueue q[RMQ_MAX_GROUPS * RMQ_MAX_QUEUES];
    uint32_t which;             /* sendWhichQueue */

    struct psend *s;
    uint32_t cap, free_head, inflight;
    uint32_t wait_head, wait_tail;   /* sends waiting for tryToFindTopicPublishInfo's route request */

    sim_time wl_base;           /* constant arrivals: the k-th message is due at wl_base + k / rate */
    uint64_t wl_k;

    uint64_t sent, acked, failed;

    struct hb_round hb;         /* the heartbeat round in progress (without vipChannelEnabled) */

    struct latency_fault lf;    /* sendLatencyFaultEnable */
    uint32_t fixed_size;        /* a constant size distribution's size, drawn once (it uses no randomness); 0: none */
};

const char *rmq_status_name(int status)
{
    switch (status) {
    case RMQ_SUCCESS: return "SUCCESS";
    case RMQ_SYSTEM_ERROR: return "SYSTEM_ERROR";
    case RMQ_SYSTEM_BUSY: return "SYSTEM_BUSY";
    case RMQ_FLUSH_DISK_TIMEOUT: return "FLUSH_DISK_TIMEOUT";
    case RMQ_SLAVE_NOT_AVAILABLE: return "SLAVE_NOT_AVAILABLE";
    case RMQ_FLUSH_SLAVE_TIMEOUT: return "FLUSH_SLAVE_TIMEOUT";
    case RMQ_SERVICE_NOT_AVAILABLE: return "SERVICE_NOT_AVAILABLE";
    case RMQ_NO_PERMISSION: return "NO_PERMISSION";
    case RMQ_TOPIC_NOT_EXIST: return "TOPIC_NOT_EXIST";
    case RMQ_PULL_NOT_FOUND: return "PULL_NOT_FOUND";
    case RMQ_PULL_RETRY_IMMEDIATELY: return "PULL_RETRY_IMMEDIATELY";
    case RMQ_PULL_OFFSET_MOVED: return "PULL_OFFSET_MOVED";
    case RMQ_QUERY_NOT_FOUND: return "QUERY_NOT_FOUND";
    case RMQ_SUBSCRIPTION_NOT_EXIST: return "SUBSCRIPTION_NOT_EXIST";
    case RMQ_TIMEOUT: return "TIMEOUT";
    case RMQ_CONN_FAILED: return "CONN_FAILED";
    default: return "UNKNOWN";
    }
}

static uint64_t rpc_tag(enum p_rpc kind, uint32_t slot, uint32_t gen)
{
    return (uint64_t)kind | (uint64_t)slot << 4 | (uint64_t)(gen & GEN_MASK) << 32;
}

/* ---- publish info ---- */

/* MQClientInstance.topicRouteData2TopicPublishInfo: QueueData sorted by brokerName; a group's write queues
 * only when its brokerAddrs holds MASTER_ID (R44 l.174-199). */
static void rebuild_publish_info(struct producer *p)
{
    const struct ns_client *r = &p->route;
    p->nq = 0;
    for (int k = 0; k < r->ngroups; k++) {
        int g = r->order[k];
        if (ns_client_master(r, g) == SIM_NODE_NONE)
            continue;
        int nq = r->g[g].queues < RMQ_MAX_QUEUES ? r->g[g].queues : RMQ_MAX_QUEUES;
        for (int q = 0; q < nq; q++)
            p->q[p->nq++] = (struct pqueue){(uint16_t)g, (uint16_t)q};
    }
}

/* TopicPublishInfo.selectOneMessageQueue(lastBrokerName): the next queue round robin, skipping queues of
 * the last attempt's broker when another one exists. Returns an index into p->q; p->nq > 0. */
static int select_queue(struct producer *p, int last_group)
{
    uint32_t nq = (uint32_t)p->nq;
    if (last_group >= 0) {
        uint32_t index = p->which++;
        for (uint32_t i = 0; i < nq; i++) {
            uint32_t pos = (index + i) % nq;
            if (p->q[pos].group != last_group)
                return (int)pos;
        }
    }
    return (int)(p->which++ % nq);
}

/* MQFaultStrategy.updateFaultItem, when sendLatencyFaultEnable. */
static void fault_update(struct producer *p, int g, sim_time latency, int isolation)
{
    if (p->cfg.latency_fault && g >= 0)
        lf_update(&p->lf, g, sim_now(p->n->sim), latency, isolation);
}

/* MQFaultStrategy.selectOneMessageQueue(tpInfo, lastBrokerName) (R44). */
static struct pqueue choose_queue(struct producer *p, int last_group)
{
    if (!p->cfg.latency_fault)
        return p->q[select_queue(p, last_group)];
    uint32_t nq = (uint32_t)p->nq, index = p->which++;
    for (uint32_t i = 0; i < nq; i++) {
        const struct pqueue *mq = &p->q[index++ % nq];
        /* R44 keeps the last broker on a retry when it is available ("equals(lastBrokerName)"). */
        if (lf_available(&p->lf, mq->group, sim_now(p->n->sim)) && (last_group < 0 || mq->group == last_group))
            return *mq;
    }
    int not_best = lf_pick(&p->lf, sim_now(p->n->sim));
    int wq = 0;
    for (int i = 0; i < p->nq; i++)
        wq += not_best >= 0 && p->q[i].group == not_best;   /* getQueueIdByBroker */
    if (wq > 0) {
        struct pqueue mq = p->q[p->which++ % nq];
        mq.group = (uint16_t)not_best;
        mq.queue = (uint16_t)(p->which++ % (uint32_t)wq);
        return mq;
    }
    if (not_best >= 0)
        lf_remove(&p->lf, not_best);
    return p->q[p->which++ % nq];
}

/* ---- the send pool ---- */

static uint32_t slot_alloc(struct producer *p)
{
    if (p->cfg.mode == PRODUCER_OPEN && p->cfg.max_inflight > 0 && p->inflight >= (uint32_t)p->cfg.max_inflight)
        return NO_SLOT;
    if (p->free_head == NO_SLOT) {
        /* Grows by doubling: allocation stops once the pool covers the peak of sends in flight. */
        uint32_t cap = p->cap ? p->cap * 2 : 64;
        if (p->cfg.mode == PRODUCER_OPEN && p->cfg.max_inflight > 0 && cap > (uint32_t)p->cfg.max_inflight)
            cap = (uint32_t)p->cfg.max_inflight;
        if (cap > SLOT_MAX)
            cap = SLOT_MAX;
        if (cap <= p->cap)
            return NO_SLOT;
        struct psend *s = realloc(p->s, (size_t)cap * sizeof *s);
        if (!s)
            return NO_SLOT;
        memset(s + p->cap, 0, (size_t)(cap - p->cap) * sizeof *s);
        for (uint32_t i = cap; i-- > p->cap;) {
            s[i].next = p->free_head;
            p->free_head = i;
        }
        p->s = s;
        p->cap = cap;
    }
    uint32_t i = p->free_head;
    p->free_head = p->s[i].next;
    p->inflight++;
    return i;
}

static void slot_release(struct producer *p, uint32_t i)
{
    struct psend *s = &p->s[i];
    s->state = PS_FREE;
    s->gen = (s->gen + 1) & GEN_MASK;
    s->next = p->free_head;
    p->free_head = i;
    p->inflight--;
}

/* The application's send() returns. */
static void report(struct producer *p, uint32_t msg, int group, int queue, int status, int attempts, sim_time t0)
{
    if (rmq_send_ok(status) && group >= 0)
        p->acked++;
    else
        p->failed++;
    report_send_done(&p->base.w->rep, p->n->name, msg, group, p->cfg.order == ORDER_QUEUE ? queue : -1, status,
                     attempts, t0);
}

/* Thread t's pause after an acknowledged send, from its own stream: its draws do not depend on the other
 * threads, on the workload stream or on how many threads there are. A constant draws nothing. */
static sim_time think_time(struct producer *p, uint32_t t)
{
    if (p->cfg.think.kind == SIM_DIST_CONST)
        return sim_dist_time(&p->cfg.think, NULL);
    if (!p->think_rng[t]) {
        char purpose[32];
        snprintf(purpose, sizeof purpose, "think.%u", t);
        p->think_rng[t] = sim_rng_new(sim_seed(p->n->sim), p->n->name, purpose);
        if (!p->think_rng[t])
            return p->cfg.error_pause;   /* out of memory: the thread pauses as after a failure */
    }
    return sim_dist_time(&p->cfg.think, p->think_rng[t]);
}

static void finish(struct producer *p, uint32_t i)
{
    struct psend *s = &p->s[i];
    int ok = rmq_send_ok(s->status) && s->group >= 0;
    uint32_t t = s->thread;   /* a closed-loop thread calls send() again after its pause (a later event) */
    report(p, s->msg, s->group, s->queue, s->status, s->attempts, s->t0);
    slot_release(p, i);
    if (p->cfg.mode == PRODUCER_CLOSED)
        node_timer(p->n, ok ? think_time(p, t) : p->cfg.error_pause, (uint64_t)t << 8 | P_T_THREAD);
}

/* One iteration of sendDefaultImpl's loop, or its end. */
static void attempt(struct producer *p, uint32_t i)
{
    struct psend *s = &p->s[i];
    sim_time now = sim_now(p->n->sim);
    int ordered = p->cfg.order == ORDER_QUEUE;
    /* SYNC: 1 + retryTimesWhenSendFailed; sendSelectImpl calls sendKernelImpl once, with no retry at all. */
    int times_total = ordered ? 1 : 1 + (p->cfg.retries > 0 ? p->cfg.retries : 0);
    if (s->attempts >= times_total || p->nq == 0) {
        finish(p, i);
        return;
    }
    sim_time cost = now - s->t0;
    if (cost >= p->cfg.send_timeout) {
        /* "if (timeout < costTime) { callTimeout = true; break; }": RemotingTooMuchRequestException. */
        if (s->attempts == 0)
            s->status = RMQ_TIMEOUT;
        finish(p, i);
        return;
    }
    /* String lastBrokerName = null == mq ? null : mq.getBrokerName(); selectOneMessageQueue(...) */
    /* sendSelectImpl: SelectMessageQueueByHash.select(mqs, msg, key): mqs.get(abs(key.hashCode()) % mqs.size()),
     * over the publish info's queues (MQAdminImpl.parsePublishMessageQueues). */
    struct pqueue chosen = ordered ? p->q[s->key % (uint32_t)p->nq] : choose_queue(p, s->group);
    const struct pqueue *mq = &chosen;
    sim_node_id master = ns_client_master(&p->route, mq->group);
    s->attempts++;
    s->group = (int16_t)mq->group;
    s->queue = mq->queue;
    s->state = PS_SENDING;
    s->t_attempt = now;
    if (master == SIM_NODE_NONE) {
        if (!ordered)
            fault_update(p, mq->group, 0, 1);
        /* sendKernelImpl: findBrokerAddressInPublish null -> MQClientException("The broker[...] not exist"),
         * which the loop continues on. Unreachable while the publish info and the route change together. */
        s->status = RMQ_SYSTEM_ERROR;
        attempt(p, i);
        return;
    }
    struct rmq_send_req req = {.msg = s->msg, .size = s->size, .queue = mq->queue};
    report_attempt(&p->base.w->rep, s->msg, mq->group);
    /* sendKernelImpl(msg, mq, SYNC, null, topicPublishInfo, timeout - costTime) */
    rpc_call(&p->rpc, master, RMQ_SEND, &req, sizeof req, s->size, p->cfg.send_timeout - cost,
             rpc_tag(P_R_SEND, i, s->gen));
}

/* Whether sendDefaultImpl goes on to the next attempt after this status. */
static int retriable(const struct producer *p, int status)
{
    switch (status) {
    case RMQ_TIMEOUT:                   /* RemotingException: continue */
    case RMQ_CONN_FAILED:
    /* MQBrokerException codes the loop continues on (R44's switch, R498's retryResponseCodes) */
    case RMQ_SERVICE_NOT_AVAILABLE:
    case RMQ_SYSTEM_ERROR:
    case RMQ_NO_PERMISSION:
    case RMQ_TOPIC_NOT_EXIST:
        return 1;
    case RMQ_SYSTEM_BUSY:               /* in retryResponseCodes from 5.3.0 (#5838) */
        return p->cfg.retry_system_busy;
    default:
        return 0;
    }
}

static void on_send_reply(struct producer *p, uint32_t i, uint32_t gen, int status)
{
    if (i >= p->cap || p->s[i].state != PS_SENDING || p->s[i].gen != gen)
        return;
    struct psend *s = &p->s[i];
    int ok = rmq_send_ok(status);
    s->status = status;
    /* sendDefaultImpl: a SendResult charges its latency; an exception isolates the broker (sendSelectImpl
     * does neither). */
    if (p->cfg.order != ORDER_QUEUE)
        fault_update(p, s->group, sim_now(p->n->sim) - s->t_attempt, !ok);
    /* SYNC: any status the broker stored under is the result, SEND_OK or not, since
     * retryAnotherBrokerWhenNotStoreOK is false. */
    if (ok || !retriable(p, status)) {
        finish(p, i);
        return;
    }
    attempt(p, i);
}

/* ---- route ---- */

/* The route request that waiting sends joined is over: each goes on with the publish info it finds now
 * (tryToFindTopicPublishInfo), or fails with "No route info of this topic". */
static void serve_waiting(struct producer *p)
{
    uint32_t i = p->wait_head;
    p->wait_head = p->wait_tail = NO_SLOT;
    while (i != NO_SLOT) {
        uint32_t next = p->s[i].next;
        if (p->nq == 0) {
            p->s[i].status = RMQ_SYSTEM_ERROR;   /* MQClientException: group -1 */
            finish(p, i);
        } else {
            attempt(p, i);
        }
        i = next;
    }
}

static void on_route_reply(struct producer *p, int status, const void *body, uint32_t len)
{
    enum ns_fetch r = ns_client_on_reply(&p->route, status, body, len);
    if (r == NS_FETCH_PENDING)
        return;
    /* updateTopicRouteInfoFromNameServer: the publish info is rebuilt when the route changed. */
    if (r == NS_FETCH_CHANGED)
        rebuild_publish_info(p);
    serve_waiting(p);
    ct_done(&p->tasks, CT_ROUTE);   /* the poll is over (if the scheduled thread made it) */
}

/* ---- heartbeat ---- */

/* A producer alone (consumerEmpty) sends its heartbeat round to the masters. The heartbeat updates only
 * ProducerManager's table, not kept, so it only keeps the channel busy. With vipChannelEnabled (R44) the sends
 * go on the VIP port's channel and the heartbeats on another: none is sent then. */
static void heartbeat_next(struct producer *p)
{
    if (!hb_round_next(&p->hb, &p->rpc, NULL, 0, p->cfg.admin_timeout, P_R_HEARTBEAT))
        ct_done(&p->tasks, CT_HEARTBEAT);   /* the round is over: the scheduled thread is free */
}

/* MQClientInstance's scheduled tasks (client_tasks.h): 1 while the task waits (holds the thread). */
static int run_task(void *owner, enum ct_task t)
{
    struct producer *p = owner;
    if (t == CT_HEARTBEAT) {
        if (hb_round_start(&p->hb, &p->route, 1) == 0)
            heartbeat_next(p);
        return hb_round_busy(&p->hb);
    }
    return ns_client_fetch(&p->route) && p->route.fetching;
}

static void on_reply(struct sim_node *n, uint64_t tag, int status, const void *body, uint32_t len)
{
    struct producer *p = n->model;
    switch ((enum p_rpc)(tag & 0xf)) {
    case P_R_ROUTE:
        on_route_reply(p, status, body, len);
        break;
    case P_R_SEND:
        on_send_reply(p, (uint32_t)(tag >> 4) & (SLOT_MAX - 1), (uint32_t)(tag >> 32) & GEN_MASK, status);
        break;
    case P_R_HEARTBEAT:
        if (hb_round_busy(&p->hb))
            heartbeat_next(p);   /* answered, failed or timed out: the next master */
        break;
    }
}

/* ---- workload ---- */

/* A message's body size from a sample of the size distribution: at least 1 byte, at most maxMessageSize (4 MiB). */
static uint32_t body_size(double sz)
{
    return sz < 1 ? 1 : sz > 4194304 ? 4194304 : (uint32_t)llround(sz);
}

static void new_message(struct producer *p)
{
    struct rmq_world *w = p->base.w;
    uint32_t msg = report_send_start(&w->rep);
    if (msg == ACCT_NO_MSG)
        return;   /* out of message ids: the workload ends (reported by the world) */
    p->sent++;
    uint32_t size = p->fixed_size ? p->fixed_size : body_size(sim_dist_sample(&p->cfg.size, p->rng));
    uint32_t i = slot_alloc(p);
    if (i == NO_SLOT) {
        /* Every application thread is busy: the message is refused before it reaches the client. */
        report(p, msg, -1, -1, RMQ_SYSTEM_BUSY, 0, sim_now(p->n->sim));
        return;
    }
    struct psend *s = &p->s[i];
    s->msg = msg;
    s->size = size;
    s->t0 = sim_now(p->n->sim);
    s->attempts = 0;
    s->group = -1;
    s->status = RMQ_SYSTEM_ERROR;
    s->thread = p->next_thread;
    s->queue = 0;
    if (p->cfg.order == ORDER_QUEUE)
        s->key = (uint32_t)sim_rng_below(p->key_rng, (uint64_t)p->cfg.order_keys);
    if (p->nq > 0) {
        attempt(p, i);
        return;
    }
    /* tryToFindTopicPublishInfo: no usable publish info -> updateTopicRouteInfoFromNameServer(topic) now.
     * Sends arriving meanwhile join the request in flight (RocketMQ serializes them on lockNamesrv). */
    s->state = PS_WAIT_ROUTE;
    s->next = NO_SLOT;
    if (p->wait_tail == NO_SLOT)
        p->wait_head = i;
    else
        p->s[p->wait_tail].next = i;
    p->wait_tail = i;
    if (!ns_client_fetch(&p->route))
        serve_waiting(p);
}

/* The delay from now to the next arrival, or -1 when the workload is over. */
static sim_time next_arrival(struct producer *p)
{
    sim_time now = sim_now(p->n->sim);
    sim_time at;
    if (p->cfg.rate_kind == RATE_POISSON) {
        at = now + (sim_time)sim_round(sim_rng_exp(p->rng, (double)SIM_S / p->cfg.rate));
    } else {
        p->wl_k++;
        at = p->wl_base + (sim_time)sim_round((double)p->wl_k * (double)SIM_S / p->cfg.rate);
    }
    if (p->cfg.stop > 0 && at >= p->cfg.stop)
        return -1;
    /* Behind the grid (the process was paused past its arrivals): the arrivals wait for it and go now. */
    return at > now ? at - now : 0;
}

/* ---- node ops ---- */

static void p_start(struct sim_node *n)
{
    struct producer *p = n->model;
    sim_time now = sim_now(n->sim);
    if (!p->rng)
        p->rng = node_rng(n, "workload");
    if (!p->ns_rng)
        p->ns_rng = node_rng(n, "nameserver");
    if (!p->key_rng && p->cfg.order == ORDER_QUEUE)
        p->key_rng = node_rng(n, "order_keys");
    if (!p->rng || !p->ns_rng || (p->cfg.order == ORDER_QUEUE && !p->key_rng))
        return;   /* out of memory: the producer stays silent */
    rpc_reset(&p->rpc);
    ns_client_reset(&p->route, p->ns_rng);
    p->nq = 0;
    /* ThreadLocalIndex: a random start. */
    p->which = (uint32_t)sim_rng_below(p->rng, 1u << 31);
    p->wait_head = p->wait_tail = NO_SLOT;
    /* MQClientInstance.startScheduledTask: updateTopicRouteInfoFromNameServer at 10 ms, then every
     * pollNameServerInterval; sendHeartbeatToAllBrokerWithLock at 1 s, then every heartbeatBrokerInterval. */
    hb_round_reset(&p->hb);
    /* Real clients start at any time, so the schedule's phase relative to a fault is random: drawn once per
     * process, at the first poll (client_tasks.h). */
    ct_start(&p->tasks, 0, p->cfg.random_phase ? p->rng : NULL);
    lf_reset(&p->lf, p->cfg.fault_tables == FAULT_TABLES_5X);
    if (p->cfg.mode == PRODUCER_CLOSED) {
        /* The application's threads all call send() at start_ms. */
        sim_time base = p->cfg.start > now ? p->cfg.start : now;
        if (p->cfg.threads > 0 && (p->cfg.stop == 0 || base < p->cfg.stop))
            node_timer(n, base - now, P_T_WORKLOAD);
        return;
    }
    if (p->cfg.rate <= 0)
        return;
    sim_time base = p->cfg.start > now ? p->cfg.start : now;
    if (p->cfg.stop > 0 && base >= p->cfg.stop)
        return;
    p->wl_base = base;
    p->wl_k = 0;
    sim_time first = base - now;
    if (p->cfg.rate_kind == RATE_POISSON) {
        first += (sim_time)sim_round(sim_rng_exp(p->rng, (double)SIM_S / p->cfg.rate));
        if (p->cfg.stop > 0 && now + first >= p->cfg.stop)
            return;
    }
    node_timer(n, first, P_T_WORKLOAD);
}

static void p_on_timer(struct sim_node *n, uint64_t tag)
{
    struct producer *p = n->model;
    if (rpc_on_timer(&p->rpc, tag))
        return;
    switch ((enum p_timer)(tag & 0xff)) {
    case P_T_ROUTE:
        ct_on_timer(&p->tasks, CT_ROUTE);
        break;
    case P_T_HEARTBEAT:
        ct_on_timer(&p->tasks, CT_HEARTBEAT);
        break;
    case P_T_THREAD:
        if (p->cfg.stop == 0 || sim_now(n->sim) < p->cfg.stop) {
            p->next_thread = (uint32_t)(tag >> 8);
            new_message(p);
        }
        break;
    case P_T_WORKLOAD: {
        if (p->cfg.mode == PRODUCER_CLOSED) {
            for (int t = 0; t < p->cfg.threads; t++) {
                p->next_thread = (uint32_t)t;
                new_message(p);
            }
            break;
        }
        new_message(p);
        sim_time d = next_arrival(p);
        if (d >= 0)
            node_timer(n, d, P_T_WORKLOAD);
        break;
    }
    }
}

static void p_on_message(struct sim_node *n, const struct sim_msg *m)
{
    struct producer *p = n->model;
    rpc_on_message(&p->rpc, m);   /* a producer serves no requests */
}

static void p_on_conn(struct sim_node *n, sim_conn c, enum sim_conn_ev ev, sim_node_id peer, uint64_t tag)
{
    struct producer *p = n->model;
    (void)peer;
    (void)tag;
    rpc_on_conn(&p->rpc, c, ev);
}

static void p_on_crash(struct sim_node *n, enum sim_crash_kind kind)
{
    struct producer *p = n->model;
    (void)kind;
    /* The application dies with its threads: sends in flight never learn their outcome. They count as
     * failed for the application (the broker may still have stored them). */
    for (uint32_t i = 0; i < p->cap; i++)
        if (p->s[i].state != PS_FREE) {
            report(p, p->s[i].msg, -1, -1, RMQ_SYSTEM_ERROR, p->s[i].attempts, p->s[i].t0);
            slot_release(p, i);
        }
    p->wait_head = p->wait_tail = NO_SLOT;
    p->nq = 0;
    ns_client_clear(&p->route);
    ct_stop(&p->tasks);
    rpc_reset(&p->rpc);
}

static const struct sim_node_ops producer_ops = {
    .start = p_start,
    .on_message = p_on_message,
    .on_timer = p_on_timer,
    .on_conn = p_on_conn,
    .on_crash = p_on_crash,
};

struct producer *producer_create(struct rmq_world *w, const char *name, int index, const struct producer_cfg *cfg)
{
    struct producer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->base.w = w;
    p->base.kind = RMQ_PRODUCER;
    p->index = index;
    p->cfg = *cfg;
    if (cfg->order == ORDER_QUEUE)
        w->rep.ordered = 1;
    p->cfg.size.values = NULL;
    p->cfg.think.values = NULL;
    p->free_head = NO_SLOT;
    p->wait_head = p->wait_tail = NO_SLOT;
    if (sim_dist_copy(&p->cfg.size, &cfg->size) < 0) {
        p->cfg.size.values = NULL;
        goto fail;
    }
    if (sim_dist_copy(&p->cfg.think, &cfg->think) < 0) {
        p->cfg.think.values = NULL;
        goto fail;
    }
    if (p->cfg.size.kind == SIM_DIST_CONST)
        p->fixed_size = body_size(sim_dist_sample(&p->cfg.size, NULL));
    if (cfg->mode == PRODUCER_CLOSED && cfg->threads > 0 &&
        !(p->think_rng = calloc((size_t)cfg->threads, sizeof *p->think_rng)))
        goto fail;
    sim_node_id id = sim_node_add(w->sim, name, &producer_ops, p);
    if (id == SIM_NODE_NONE)
        goto fail;
    p->n = sim_node(w->sim, id);
    rpc_init(&p->rpc, p->n, on_reply);
    p->rpc.fail_fast = cfg->fail_fast;
    p->rpc.close_on_timeout = cfg->close_on_timeout;
    ns_client_init(&p->route, p->n, &p->rpc, P_R_ROUTE);
    ct_init(&p->tasks, p->n, run_task, p);
    ct_define(&p->tasks, CT_ROUTE, P_T_ROUTE, cfg->route_initial, cfg->route_poll);
    if (!cfg->vip_channel)   /* with the VIP channel the heartbeats go on a channel not modelled */
        ct_define(&p->tasks, CT_HEARTBEAT, P_T_HEARTBEAT, cfg->heartbeat_initial, cfg->heartbeat_interval);
    return p;
fail:
    producer_free(p);
    return NULL;
}

void producer_free(struct producer *p)
{
    if (!p)
        return;
    if (p->n)
        rpc_free(&p->rpc);
    sim_dist_free(&p->cfg.size);
    sim_dist_free(&p->cfg.think);
    for (int t = 0; p->think_rng && t < p->cfg.threads; t++)
        sim_rng_free(p->think_rng[t]);
    free(p->think_rng);
    free(p->s);
    hb_round_free(&p->hb);
    free(p);
}

sim_node_id producer_node(const struct producer *p)
{
    return p->n->id;
}

void producer_counts(const struct producer *p, uint64_t *sent, uint64_t *acked, uint64_t *failed)
{
    if (sent)
        *sent = p->sent;
    if (acked)
        *acked = p->acked;
    if (failed)
        *failed = p->failed;
}

uint32_t producer_inflight(const struct producer *p)
{
    return p->inflight;
}
