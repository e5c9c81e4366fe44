/* producer: a DefaultMQProducer's client. Its MQClientInstance (the route poll and the heartbeat round on the
 * scheduled thread), its route requests when a send finds no publish info (tryToFindTopicPublishInfo, which
 * the waiting sends join), the application's workload (open: arrivals at a rate; closed: threads calling
 * send() again after a pause, that pause drawn in producer_send.c) and the node's life. The sends themselves
 * are producer_send.c's; the tags are laid out in producer_int.h. */
#include <math.h>
#include <stdlib.h>

#include "models/client/producer.h"
#include "models/client/producer_int.h"
#include "models/report/report.h"

/* ---- route ---- */

/* The route request that waiting sends joined is over: each goes on with the publish info it finds now
 * (tryToFindTopicPublishInfo), or fails with "No route info of this topic". */
static void serve_waiting(struct producer *p)
{
    uint32_t i = p->wait_head;
    p->wait_head = p->wait_tail = P_NO_SLOT;
    while (i != P_NO_SLOT) {
        uint32_t next = p->s[i].next;
        if (p->pub.nq == 0) {
            p->s[i].status = RMQ_SYSTEM_ERROR;   /* MQClientException: group -1 */
            producer_send_finish(p, i);
        } else {
            producer_send_attempt(p, i);
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
        producer_rebuild_publish_info(p);
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
        producer_send_on_reply(p, (uint32_t)(tag >> 4) & (P_SLOT_MAX - 1), (uint32_t)(tag >> 32) & P_GEN_MASK, status);
        break;
    case P_R_HEARTBEAT:
        if (hb_round_busy(&p->hb))
            heartbeat_next(p);   /* answered, failed or timed out: the next master */
        break;
    case P_R_DETECT:
        producer_detect_on_reply(p, (uint32_t)(tag >> 4) & (P_SLOT_MAX - 1), (uint32_t)(tag >> 32) & P_GEN_MASK,
                                 status);
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
    uint32_t i = producer_send_alloc(p);
    if (i == P_NO_SLOT) {
        /* Every application thread is busy: the message is refused before it reaches the client. */
        producer_send_report(p, msg, -1, -1, RMQ_SYSTEM_BUSY, 0, sim_now(p->n->sim));
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
    if (p->pub.nq > 0) {
        producer_send_attempt(p, i);
        return;
    }
    /* tryToFindTopicPublishInfo: no usable publish info -> updateTopicRouteInfoFromNameServer(topic) now.
     * Sends arriving meanwhile join the request in flight (RocketMQ serializes them on lockNamesrv). */
    s->state = PS_WAIT_ROUTE;
    s->next = P_NO_SLOT;
    if (p->wait_tail == P_NO_SLOT)
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
    if (!p->which_rng)
        p->which_rng = node_rng(n, "send_which_queue");
    if (!p->rng || !p->ns_rng || (p->cfg.order == ORDER_QUEUE && !p->key_rng) || !p->which_rng)
        return;   /* out of memory: the producer stays silent */
    rpc_reset(&p->rpc);
    ns_client_reset(&p->route, p->ns_rng);
    p->pub.nq = 0;
    /* ThreadLocalIndex: a random start for thread 0 on the first publish info (the next rebuild's), drawn here
     * from the workload stream; every other start comes from "send_which_queue" at the thread's first choice on
     * its publish info (mqf_index_enter). */
    p->tl[0] = (struct send_index){(uint32_t)sim_rng_below(p->rng, 1u << 31), p->pub.gen + 1};
    p->wait_head = p->wait_tail = P_NO_SLOT;
    /* MQClientInstance.startScheduledTask: updateTopicRouteInfoFromNameServer at 10 ms, then every
     * pollNameServerInterval; sendHeartbeatToAllBrokerWithLock at 1 s, then every heartbeatBrokerInterval. */
    hb_round_reset(&p->hb);
    /* Real clients start at any time, so the schedule's phase relative to a fault is random: drawn once per
     * process, at the first poll (client_tasks.h). */
    ct_start(&p->tasks, 0, p->cfg.random_phase ? p->rng : NULL);
    lf_reset(&p->lf, p->cfg.fault_tables == FAULT_TABLES_5X);
    producer_detect_start(p);   /* DefaultMQProducerImpl.start: mqFaultStrategy.startDetector() */
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
    case P_T_DETECT:
        producer_detect_on_timer(p);
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
    (void)tag;
    rpc_on_conn(&p->rpc, c, ev);
    producer_detect_on_conn(p, peer, ev);
}

static void p_on_crash(struct sim_node *n, enum sim_crash_kind kind)
{
    struct producer *p = n->model;
    (void)kind;
    /* The application dies with its threads: sends in flight never learn their outcome. They count as
     * failed for the application (the broker may still have stored them). */
    for (uint32_t i = 0; i < p->cap; i++)
        if (p->s[i].state != PS_FREE) {
            producer_send_report(p, p->s[i].msg, -1, -1, RMQ_SYSTEM_ERROR, p->s[i].attempts, p->s[i].t0);
            producer_send_release(p, i);
        }
    p->wait_head = p->wait_tail = P_NO_SLOT;
    p->pub.nq = 0;
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
    p->free_head = P_NO_SLOT;
    p->wait_head = p->wait_tail = P_NO_SLOT;
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
    p->ntl = cfg->mode == PRODUCER_CLOSED && cfg->threads > 1 ? (uint32_t)cfg->threads : 1;
    if (!(p->tl = calloc(p->ntl, sizeof *p->tl)))
        goto fail;
    sim_node_id id = sim_node_add(w->sim, name, &producer_ops, p);
    if (id == SIM_NODE_NONE)
        goto fail;
    p->n = sim_node(w->sim, id);
    rpc_init(&p->rpc, p->n, on_reply);
    p->rpc.fail_fast = cfg->fail_fast;
    p->rpc.close_on_timeout = cfg->close_on_timeout;
    p->rpc.close_needs_time = cfg->close_needs_time;
    ns_client_init(&p->route, p->n, &p->rpc, P_R_ROUTE);
    p->route.walk = cfg->ns_walk;
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
    free(p->tl);
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
