/* consumer: one member of a clustering consumer group: its node, life cycle and the dispatch of its replies and
 * timers to the pull loop (consumer_pull.c, its thread pull_service.c) and to the rebalance and offset store
 * (consumer_rebalance.c).
 *
 * Each held queue has a generation, bumped whenever its ProcessQueue is dropped; replies, timers and
 * queued messages of an older generation are ignored. */
#include <math.h>
#include <stdlib.h>

#include "models/client/consumer.h"
#include "models/client/consumer_int.h"

/* ---- callbacks ---- */

static void on_reply(struct sim_node *n, uint64_t tag, int status, const void *body, uint32_t len)
{
    struct consumer *c = n->model;
    uint32_t k = (uint32_t)(tag >> 4) & SLOT_MASK, gen = (uint32_t)(tag >> 32) & GEN_MASK;
    switch ((enum c_rpc)(tag & 0xf)) {
    case C_R_ROUTE:
        consumer_on_route_reply(c, status, body, len);
        break;
    case C_R_PULL:
        if (k < (uint32_t)c->ncq)
            consumer_on_pull_reply(c, k, gen, status, body, len);
        break;
    case C_R_QUERY:
        if (k < (uint32_t)c->ncq)
            consumer_on_query_reply(c, k, gen, status, body, len);
        break;
    case C_R_MAX_OFFSET:
        if (k < (uint32_t)c->ncq)
            consumer_on_max_offset_reply(c, k, gen, status, body, len);
        break;
    case C_R_COMMIT:
        break;   /* oneway in RocketMQ: nothing waits for it */
    case C_R_HEARTBEAT:
        consumer_on_heartbeat_reply(c, k, status);
        break;
    case C_R_CID_LIST:
        consumer_on_cid_list_reply(c, gen, status, body, len);
        break;
    case C_R_LOCK:
    case C_R_LOCK_ALL:
    case C_R_RELOCK:
    case C_R_UNLOCK:
        consumer_orderly_on_reply(c, (enum c_rpc)(tag & 0xf), k, gen, status, body, len);
        break;
    }
}

/* MQClientInstance's scheduled tasks (client_tasks.h): 1 while the task waits (holds the thread). */
static int run_task(void *owner, enum ct_task t)
{
    struct consumer *c = owner;
    switch (t) {
    case CT_ROUTE:
        return ns_client_fetch(&c->route) && c->route.fetching;
    case CT_HEARTBEAT:
        /* cleanOfflineBroker (the stale groups leave the table), then sendHeartbeatToAllBrokerWithLock: its
         * tryLock fails while another thread's round holds lockHeartbeat, and the task is over at once. */
        ns_client_clean(&c->route);
        if (hb_round_busy(&c->hb))
            return 0;
        consumer_heartbeat(c, 0);
        return hb_round_busy(&c->hb);
    case CT_PERSIST:
        return consumer_persist_all(c);   /* oneway commits; a route it asks for holds the thread */
    default:
        return 0;
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
        ct_on_timer(&c->tasks, CT_ROUTE);
        break;
    case C_T_REBALANCE:
        if (gen == c->rebalance_gen)   /* else a period rebalanceImmediately restarted */
            consumer_rebalance(c);
        break;
    case C_T_HEARTBEAT:
        ct_on_timer(&c->tasks, CT_HEARTBEAT);
        break;
    case C_T_PERSIST:
        ct_on_timer(&c->tasks, CT_PERSIST);
        break;
    case C_T_CONSUME:
        consumer_on_consume_timer(c);
        break;
    case C_T_PULL:
        if (k < (uint32_t)c->ncq && c->cq[k].gen == gen && c->cq[k].state == CQ_ACTIVE) {
            c->cq[k].timer = 0;
            consumer_pull(c, k);
        }
        break;
    case C_T_FIX:
        if (k < (uint32_t)c->ncq && c->cq[k].gen == gen && c->cq[k].state == CQ_DROPPED)
            consumer_on_fix_timer(c, k);
        break;
    case C_T_LOCK_ALL:
    case C_T_RELOCK:
    case C_T_RESUBMIT:
        consumer_orderly_on_timer(c, (enum c_timer)(tag & 0xf), k, gen);
        break;
    }
}

static void c_on_message(struct sim_node *n, const struct sim_msg *m)
{
    struct consumer *c = n->model;
    struct rpc_hdr h;
    const void *body;
    uint32_t len;
    if (rpc_on_message(&c->rpc, m) || rpc_parse(m, &h, &body, &len) < 0)
        return;
    /* ClientRemotingProcessor.notifyConsumerIdsChanged: rebalanceImmediately. The brokers' other requests
     * to clients are not modelled. */
    if (h.code == RMQ_NOTIFY_IDS_CHANGED && c->rebalanced)
        consumer_rebalance_now(c);
}

static void c_on_conn(struct sim_node *n, sim_conn cn, enum sim_conn_ev ev, sim_node_id peer, uint64_t tag)
{
    struct consumer *c = n->model;
    (void)tag;
    int held = rpc_on_conn(&c->rpc, cn, ev);   /* 0: no longer the connection the rpc holds for peer */
    if (ev == SIM_CONN_UP && c->cfg.heartbeat_on_connect)
        consumer_heartbeat_on_connect(c, peer);
    if (held) {
        consumer_take_on_conn(c, peer, ev);
        consumer_pull_on_conn(c, peer, ev);
    }
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
    c->take = calloc((size_t)total, sizeof *c->take);
    if (!c->cq || !c->all || !c->want || !c->take)
        return -1;
    for (int g = 0; g < ng; g++)
        for (int q = 0; q < c->qn[g]; q++) {
            struct cq *e = &c->cq[c->qbase[g] + q];
            e->group = (int16_t)g;
            e->queue = (uint16_t)q;
            e->store = -1;
            e->fly.low = e->stale.low = UINT64_MAX;
        }
    c->ncq = total;
    return 0;
}

/* Forgets everything the process held in memory. */
static void forget(struct consumer *c)
{
    for (int k = 0; k < c->ncq; k++) {
        struct cq *q = &c->cq[k];
        consumer_pull_lost(c, q);   /* what the process had written goes out before its FIN */
        q->state = CQ_FREE;
        q->gen = (q->gen + 1) & GEN_MASK;
        q->head = q->count = 0;
        q->store = -1;
        q->suggest = 0;
        q->timer = 0;   /* timers died with the process */
        q->locked = q->consuming = q->cont = 0;
        q->undispatched = 0;
    }
    c->persist_at = -1;
    c->taking = c->ntake = c->take_at = c->take_started = c->take_busy = 0;
    c->take_peer = c->take_conn_wait = SIM_NODE_NONE;
    c->chead = c->ccount = 0;
    c->busy = 0;
    consumer_pull_reset(c);
    c->rebalanced = 0;
    c->rb_inflight = c->rb_again = 0;
    c->rb_due = SIM_TIME_MAX;
    c->rb_unbalanced = 0;
    ct_stop(&c->tasks);
    hb_round_reset(&c->hb);
    c->hb_then_rebalance = 0;
    ns_client_clear(&c->route);
    rpc_reset(&c->rpc);
}

static void c_start(struct sim_node *n)
{
    struct consumer *c = n->model;
    if (!c->cq && layout(c) < 0)
        return;   /* out of memory: the consumer stays silent */
    if ((!c->ns_rng && !(c->ns_rng = node_rng(n, "nameserver"))) ||
        (!c->rb_rng && !(c->rb_rng = node_rng(n, "rebalance"))))
        return;
    forget(c);
    ns_client_reset(&c->route, c->ns_rng);
    c->per_msg = c->cfg.consume_rate > 0 ? (sim_time)llround((double)SIM_S / c->cfg.consume_rate) : 0;
    sim_time now = sim_now(n->sim);
    sim_time base = c->cfg.start > now ? c->cfg.start - now : 0;
    c->rb_last = now + base;   /* RebalanceService: lastRebalanceTimestamp starts at its construction */
    c->life++;   /* a new process: a new clientId */
    /* Its NettyRemotingClient starts with it: pulls (invokeAsync) time out at scanResponseTable's runs. */
    if (c->cfg.scan_interval > 0)
        rpc_scan(&c->rpc, now + base + c->cfg.scan_initial, c->cfg.scan_interval);
    /* MQClientInstance.startScheduledTask: route at 10 ms then every 30 s; the heartbeat at 1 s then every
     * heartbeatBrokerInterval; persistAllConsumerOffset at 10 s then every persistConsumerOffsetInterval;
     * on one thread (client_tasks.h), its phase random as the producer's. */
    ct_start(&c->tasks, base, c->cfg.random_phase ? c->ns_rng : NULL);
    if (c->cfg.orderly)
        consumer_orderly_start(c, base + SIM_S);
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
    if (cfg->orderly)
        w->rep.orderly = 1;
    sim_node_id id = sim_node_add(w->sim, name, &consumer_ops, c);
    if (id == SIM_NODE_NONE) {
        free(c);
        return NULL;
    }
    c->n = sim_node(w->sim, id);
    rpc_init(&c->rpc, c->n, on_reply);
    c->rpc.fail_fast = cfg->fail_fast;
    c->rpc.close_on_timeout = cfg->close_on_timeout;
    c->rpc.close_needs_time = cfg->close_needs_time;
    ns_client_init(&c->route, c->n, &c->rpc, C_R_ROUTE);
    c->route.next_id = cfg->subscribe_next_id;
    c->route.walk = cfg->ns_walk;
    /* brokerAddrTable keeps a group missing from a new route until cleanOfflineBroker (the heartbeat task): the
     * pulls, offset commits and locks of the queues still held go to its old brokers meanwhile. A producer's
     * sends take only the route's queues, so its table drops such a group at once. */
    c->route.keep_stale = 1;
    ct_init(&c->tasks, c->n, run_task, c);
    ct_define(&c->tasks, CT_ROUTE, C_T_ROUTE, cfg->route_initial, cfg->route_poll);
    ct_define(&c->tasks, CT_HEARTBEAT, C_T_HEARTBEAT, cfg->heartbeat_initial, cfg->heartbeat_interval);
    ct_define(&c->tasks, CT_PERSIST, C_T_PERSIST, cfg->persist_initial, cfg->persist_interval);
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
    free(c->take);
    hb_round_free(&c->hb);
    free(c->cring);
    free(c->ps.ring);
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

uint64_t consumer_lowest_offset(const struct consumer *c, int group, int queue)
{
    if (group < 0 || group >= RMQ_MAX_GROUPS || !c->cq || group >= c->base.w->ngroups || queue < 0 ||
        queue >= c->qn[group])
        return UINT64_MAX;
    const struct cq *e = &c->cq[c->qbase[group] + queue];
    uint64_t low = UINT64_MAX;
    if (e->state != CQ_FREE) {
        low = e->state == CQ_ACTIVE || e->state == CQ_DROPPED ? e->next : UINT64_MAX;
        if (e->store >= 0 && (uint64_t)e->store < low)
            low = (uint64_t)e->store;
    }
    /* a lost pull's copy TCP may still deliver (consumer_pull_lost), whether or not the queue is still held,
     * to the broker's life it was sent to (a crash since: the restarted process refuses it) */
    if (e->stale_until > node_now(c->n) && e->stale.low < low &&
        (e->stale.node == SIM_NODE_NONE || sim_node(c->n->sim, e->stale.node)->inc == e->stale.inc))
        low = e->stale.low;
    return low;
}
