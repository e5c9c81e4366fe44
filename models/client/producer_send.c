/* producer_send: a producer's sends in flight. Each is one application thread blocked in
 * DefaultMQProducerImpl.sendDefaultImpl (SYNC): up to 1 + retryTimesWhenSendFailed attempts, each on a queue
 * of the publish info (TopicPublishInfo) chosen round robin and away from the last attempt's broker
 * (MQFaultStrategy with sendLatencyFaultEnable), all within one sendMsgTimeout budget from the start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/client/producer_int.h"
#include "models/report/report.h"

/* MQClientInstance.topicRouteData2TopicPublishInfo: QueueData sorted by brokerName; a group's write queues
 * only when its brokerAddrs holds MASTER_ID (R44 l.174-199). */
void producer_rebuild_publish_info(struct producer *p)
{
    const struct ns_client *r = &p->route;
    struct publish_info *pi = &p->pub;
    pi->nq = 0;
    /* A new TopicPublishInfo with a new ThreadLocalIndex (R44/R498/R53 alike): every thread's index restarts at
     * random at its next choice (mqf_index_enter). */
    pi->gen++;
    for (int k = 0; k < r->ngroups; k++) {
        int g = r->order[k];
        if (ns_client_master(r, g) == SIM_NODE_NONE)
            continue;
        int nq = r->g[g].queues < RMQ_MAX_QUEUES ? r->g[g].queues : RMQ_MAX_QUEUES;
        for (int q = 0; q < nq; q++)
            pi->q[pi->nq++] = (struct pqueue){(uint16_t)g, (uint16_t)q};
    }
}

/* MQFaultStrategy.updateFaultItem, when sendLatencyFaultEnable. */
static void fault_update(struct producer *p, int g, sim_time latency, int isolation, int reachable)
{
    if (p->cfg.latency_fault && g >= 0)
        lf_update(&p->lf, g, sim_now(p->n->sim), latency, isolation, reachable);
}

/* MQFaultStrategy.selectOneMessageQueue(tpInfo, lastBrokerName[, resetIndex]) for send s, on its thread's
 * sendWhichQueue (ThreadLocalIndex: a closed-loop thread's own; an open-loop producer's sends share one, the
 * application's calling threads not being modelled): last_group is the last attempt's (-1: none), retry is
 * sendDefaultImpl's times > 0. */
static struct pqueue choose_queue(struct producer *p, const struct psend *s)
{
    struct latency_fault *lf = p->cfg.latency_fault ? &p->lf : NULL;
    sim_time now = sim_now(p->n->sim);
    struct send_index *ix = &p->tl[s->thread < p->ntl ? s->thread : 0];
    struct pqueue mq;
    mqf_index_enter(&p->pub, ix, p->which_rng);
    switch (p->cfg.queue_selection) {
    case QSEL_5X: mq = mqf_select_5x(&p->pub, lf, s->group, s->attempts > 0, p->which_rng, now); break;
    case QSEL_R498: mq = mqf_select_r498(&p->pub, lf, s->group, now); break;
    default: mq = mqf_select_r44(&p->pub, lf, s->group, now); break;
    }
    mqf_index_leave(&p->pub, ix);
    return mq;
}

uint32_t producer_send_alloc(struct producer *p)
{
    if (p->cfg.mode == PRODUCER_OPEN && p->cfg.max_inflight > 0 && p->inflight >= (uint32_t)p->cfg.max_inflight)
        return P_NO_SLOT;
    if (p->free_head == P_NO_SLOT) {
        /* Grows by doubling: allocation stops once the pool covers the peak of sends in flight. */
        uint32_t cap = p->cap ? p->cap * 2 : 64;
        if (p->cfg.mode == PRODUCER_OPEN && p->cfg.max_inflight > 0 && cap > (uint32_t)p->cfg.max_inflight)
            cap = (uint32_t)p->cfg.max_inflight;
        if (cap > P_SLOT_MAX)
            cap = P_SLOT_MAX;
        if (cap <= p->cap)
            return P_NO_SLOT;
        struct psend *s = realloc(p->s, (size_t)cap * sizeof *s);
        if (!s)
            return P_NO_SLOT;
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

void producer_send_release(struct producer *p, uint32_t i)
{
    struct psend *s = &p->s[i];
    s->state = PS_FREE;
    s->gen = (s->gen + 1) & P_GEN_MASK;
    s->next = p->free_head;
    p->free_head = i;
    p->inflight--;
}

/* The application's send() returns. */
void producer_send_report(struct producer *p, uint32_t msg, int group, int queue, int status, int attempts,
                          sim_time t0)
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

void producer_send_finish(struct producer *p, uint32_t i)
{
    struct psend *s = &p->s[i];
    int ok = rmq_send_ok(s->status) && s->group >= 0;
    uint32_t t = s->thread;   /* a closed-loop thread calls send() again after its pause (a later event) */
    producer_send_report(p, s->msg, s->group, s->queue, s->status, s->attempts, s->t0);
    producer_send_release(p, i);
    if (p->cfg.mode == PRODUCER_CLOSED)
        node_timer(p->n, ok ? think_time(p, t) : p->cfg.error_pause, (uint64_t)t << 8 | P_T_THREAD);
}

/* One iteration of sendDefaultImpl's loop, or its end. */
void producer_send_attempt(struct producer *p, uint32_t i)
{
    struct psend *s = &p->s[i];
    sim_time now = sim_now(p->n->sim);
    int ordered = p->cfg.order == ORDER_QUEUE;
    /* SYNC: 1 + retryTimesWhenSendFailed; sendSelectImpl calls sendKernelImpl once, with no retry at all. */
    int times_total = ordered ? 1 : 1 + (p->cfg.retries > 0 ? p->cfg.retries : 0);
    if (s->attempts >= times_total || p->pub.nq == 0) {
        producer_send_finish(p, i);
        return;
    }
    sim_time cost = now - s->t0;
    int spent = cost == p->cfg.send_timeout && p->cfg.spent_retry && s->attempts > 0;
    if (cost >= p->cfg.send_timeout && !spent) {
        /* "if (timeout < costTime) { callTimeout = true; break; }": RemotingTooMuchRequestException
         * (DefaultMQProducerImpl.sendDefaultImpl, 4.9.7 l.570-574). An attempt that timed out ends exactly at
         * the budget's end here, cost == send_timeout: spent. RocketMQ's millisecond clock often reads
         * costTime == timeout then, and R44/R498 go on with a 0 ms attempt that writes its request on a
         * connection at hand (NettyRemotingClient.invokeSync `timeoutMillis < costTime` false, 4.9.7 l.387)
         * and fails at once (ResponseFuture.waitResponse(0)), closing the connection; R53 throws before the
         * write (`left <= 0`, 5.3.0 l.552). With retry_when_budget_spent such attempts are made (rpc_call_spent;
         * README, Measurements, "Duplicates"). */
        if (s->attempts == 0)
            s->status = RMQ_TIMEOUT;
        producer_send_finish(p, i);
        return;
    }
    /* String lastBrokerName = null == mq ? null : mq.getBrokerName(); selectOneMessageQueue(...) */
    /* sendSelectImpl: SelectMessageQueueByHash.select(mqs, msg, key): mqs.get(abs(key.hashCode()) % mqs.size()),
     * over the publish info's queues (MQAdminImpl.parsePublishMessageQueues). */
    struct pqueue chosen =
        ordered ? p->pub.q[s->key % (uint32_t)p->pub.nq] : choose_queue(p, s);
    const struct pqueue *mq = &chosen;
    sim_node_id master = ns_client_master(&p->route, mq->group);
    s->attempts++;
    s->group = (int16_t)mq->group;
    s->queue = mq->queue;
    s->state = PS_SENDING;
    s->t_attempt = now;
    if (master == SIM_NODE_NONE) {
        /* An MQClientException: R44/R498 isolate the broker (updateFaultItem(.., true)); R53 charges the
         * attempt's latency, reachable (updateFaultItem(.., false, true)). */
        if (!ordered)
            fault_update(p, mq->group, 0, p->cfg.fault_tables != FAULT_TABLES_5X, 1);
        /* sendKernelImpl: findBrokerAddressInPublish null -> MQClientException("The broker[...] not exist"),
         * which the loop continues on. Unreachable while the publish info and the route change together. */
        s->status = RMQ_SYSTEM_ERROR;
        producer_send_attempt(p, i);
        return;
    }
    struct rmq_send_req req = {.msg = s->msg, .size = s->size, .queue = mq->queue};
    report_attempt(&p->base.w->rep, s->msg, mq->group);
    /* sendKernelImpl(msg, mq, SYNC, null, topicPublishInfo, timeout - costTime) */
    if (spent) {
        rpc_call_spent(&p->rpc, master, RMQ_SEND, &req, sizeof req, s->size, producer_tag(P_R_SEND, i, s->gen));
        return;
    }
    rpc_call(&p->rpc, master, RMQ_SEND, &req, sizeof req, s->size, p->cfg.send_timeout - cost,
             producer_tag(P_R_SEND, i, s->gen));
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

void producer_send_on_reply(struct producer *p, uint32_t i, uint32_t gen, int status)
{
    if (i >= p->cap || p->s[i].state != PS_SENDING || p->s[i].gen != gen)
        return;
    struct psend *s = &p->s[i];
    int ok = rmq_send_ok(status);
    s->status = status;
    /* sendDefaultImpl: a SendResult charges its latency; an exception isolates the broker (sendSelectImpl
     * does neither). R53 also marks the broker unreachable after an MQBrokerException (an answer with an error
     * code), and after a RemotingException (a timeout, a failed connection) only when
     * mqFaultStrategy.isStartDetectorEnable(), the detector then making it reachable again. */
    if (p->cfg.order != ORDER_QUEUE) {
        int remoting = status == RMQ_TIMEOUT || status == RMQ_CONN_FAILED;
        int reachable = ok || (remoting && !p->cfg.start_detector);
        fault_update(p, s->group, sim_now(p->n->sim) - s->t_attempt, !ok, reachable);
    }
    /* SYNC: any status the broker stored under is the result, SEND_OK or not, since
     * retryAnotherBrokerWhenNotStoreOK is false. */
    if (ok || !retriable(p, status)) {
        producer_send_finish(p, i);
        return;
    }
    producer_send_attempt(p, i);
}
