/* nameserver: the NameServer keeps, per broker group, which broker node holds which brokerId, refreshed by
 * the brokers' registrations and dropped by expiry or by the broker's connection closing; it answers route
 * queries from that table. Everything is in memory (RouteInfoManager), so a crash forgets it all.
 *
 * The client half below is the part of MQClientInstance that asks for routes: one chosen NameServer, a
 * route table per group, "route.change" when a group's view changes. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/namesrv/nameserver.h"

enum ns_timer { NS_T_SCAN = 1, NS_T_IDLE };   /* NS_T_IDLE | the channel's conn << 8 */

/* One broker the NameServer knows: brokerAddrTable's <brokerId, addr> joined with brokerLiveTable's
 * lastUpdateTimestamp and channel (a node is one address, so the two tables share a key here). */
struct ns_broker {
    uint16_t id;
    sim_node_id node;
    sim_conn conn;
    sim_time last;
    uint32_t version;   /* its BrokerLiveInfo's DataVersion.stateVersion */
};

struct ns_group {
    int n;                              /* entries, sorted by ascending brokerId */
    int has_queues;                     /* topicQueueTable holds this group's QueueData */
    struct ns_broker b[RMQ_MAX_REPLICAS];
};

struct nameserver {
    struct rmq_node base;
    struct sim_node *n;
    struct ns_cfg cfg;
    struct ns_group g[RMQ_MAX_GROUPS];
    struct rmq_route out;               /* a GET_ROUTE reply is assembled here */
};

static const char *node_name(struct sim *s, sim_node_id id)
{
    return id == SIM_NODE_NONE ? NULL : sim_node(s, id)->name;
}

static void trace_broker(struct nameserver *ns, const char *ev, int group, const struct ns_broker *b)
{
    struct sim *s = ns->n->sim;
    struct trace *tr = sim_trace(s);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, sim_now(s), ns->n->name, ev);
    trace_str(tr, "group", ns->base.w->g[group].name);
    trace_str(tr, "broker", node_name(s, b->node));
    trace_int(tr, "id", b->id);
    trace_end(tr);
}

static void group_remove(struct nameserver *ns, int group, int i, const char *ev)
{
    struct ns_group *g = &ns->g[group];
    trace_broker(ns, ev, group, &g->b[i]);
    memmove(&g->b[i], &g->b[i + 1], (size_t)(g->n - i - 1) * sizeof g->b[0]);
    g->n--;
    /* onChannelDestroy / unregisterBroker: the last address gone takes the brokerName and, with it, the
     * topic's QueueData of that group (removeTopicByBrokerName). */
    if (g->n == 0)
        g->has_queues = 0;
}

static sim_node_id group_master(const struct ns_group *g)
{
    return g->n > 0 && g->b[0].id == 0 ? g->b[0].node : SIM_NODE_NONE;
}

/* RouteInfoManager.registerBroker. Returns 0, 1 when the registration was refused (R53: another address
 * holds this brokerId with a greater stateVersion), or -1 when the table has no room. */
static int do_register(struct nameserver *ns, int group, uint16_t id, sim_node_id node, sim_conn conn,
                       uint32_t version)
{
    struct ns_group *g = &ns->g[group];
    sim_time now = sim_now(ns->n->sim);

    /* R498 RouteInfoManager.registerBroker l.164-175: "Switch slave to master: first remove <1, IP:PORT>
     * in namesrv, then add <0, IP:PORT>. The same IP:PORT must only have one record in brokerAddrTable." */
    for (int i = 0; i < g->n; i++)
        if (g->b[i].node == node && g->b[i].id != id) {
            memmove(&g->b[i], &g->b[i + 1], (size_t)(g->n - i - 1) * sizeof g->b[0]);
            g->n--;
            i--;
        }

    int i = 0;
    while (i < g->n && g->b[i].id < id)
        i++;
    /* R53 l.274-291: "If Local brokerId stateVersion bigger than the registering one", the registration is
     * ignored (and the broker's live entry removed). Only controller mode sets stateVersion (to the master
     * epoch), so elsewhere, and before 5.x, the last registration wins. */
    if (i < g->n && g->b[i].id == id && g->b[i].node != node && g->b[i].version > version) {
        trace_broker(ns, "ns.reject", group, &(struct ns_broker){.id = id, .node = node});
        return 1;
    }
    int fresh = i == g->n || g->b[i].id != id;
    if (fresh) {
        if (g->n == RMQ_MAX_REPLICAS)
            return -1;
        memmove(&g->b[i + 1], &g->b[i], (size_t)(g->n - i) * sizeof g->b[0]);
        g->n++;
        g->b[i].id = id;
        g->b[i].node = SIM_NODE_NONE;
    }
    struct ns_broker *b = &g->b[i];
    int changed = fresh || b->node != node;
    b->node = node;          /* brokerAddrs.put(brokerId, brokerAddr) */
    b->last = now;           /* brokerLiveTable.put(addr, new BrokerLiveInfo(now, ..., channel, ...)) */
    b->conn = conn;
    b->version = version;
    /* Only a master's registration creates the topic's QueueData (registerBroker: MASTER_ID == brokerId
     * -> createAndUpdateQueueData); a slave alone does not put its group in the route. */
    if (id == 0)
        g->has_queues = 1;
    if (changed)
        trace_broker(ns, "ns.register", group, b);
    return 0;
}

static void on_register(struct nameserver *ns, const struct sim_msg *m, const void *body, uint32_t len)
{
    struct rmq_world *w = ns->base.w;
    struct rmq_register_req req;
    struct rpc_ctx ctx = rpc_ctx_of(m);
    if (len < sizeof req) {
        rpc_reply(ns->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    memcpy(&req, body, sizeof req);
    int rc = req.group >= w->ngroups || req.group >= RMQ_MAX_GROUPS
                 ? -1 : do_register(ns, req.group, req.broker_id, m->from, m->conn, req.state_version);
    if (rc < 0) {
        rpc_reply(ns->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    /* NettyRemotingServer's IdleStateHandler(0, 0, serverChannelMaxIdleTimeSeconds): the channel is idle
     * that long after this read and its answer's write, unless another registration comes on it. */
    if (rc == 0 && ns->cfg.idle > 0)
        node_timer(ns->n, ns->cfg.idle, NS_T_IDLE | (uint64_t)m->conn << 8);
    /* RegisterBrokerResult: the master's address (and its haServerAddr) for the slave to follow, filled only
     * for a registering slave (RouteInfoManager.registerBroker: MixAll.MASTER_ID != brokerId); a master's
     * and a refused registration's result is empty. */
    struct rmq_register_resp resp = {.master = rc || req.broker_id == 0 ? SIM_NODE_NONE
                                                                        : group_master(&ns->g[req.group])};
    rpc_reply(ns->n, ctx, RMQ_SUCCESS, &resp, sizeof resp, 0);
}

/* RouteInfoManager.pickupTopicRouteData: the groups with QueueData and brokers; null (TOPIC_NOT_EXIST)
 * when there is none. */
static void on_get_route(struct nameserver *ns, const struct sim_msg *m)
{
    struct rmq_world *w = ns->base.w;
    struct rmq_route *r = &ns->out;
    r->ngroups = 0;
    for (int gi = 0; gi < w->ngroups && gi < RMQ_MAX_GROUPS; gi++) {
        const struct ns_group *g = &ns->g[gi];
        if (g->n == 0 || !g->has_queues)
            continue;
        struct rmq_route_group *o = &r->g[r->ngroups++];
        memset(o, 0, sizeof *o);
        o->group = (uint16_t)gi;
        o->n = (uint8_t)g->n;
        int q = w->g[gi].cfg.queues;
        o->queues = (uint8_t)(q < 0 ? 0 : q > RMQ_MAX_QUEUES ? RMQ_MAX_QUEUES : q);
        for (int i = 0; i < g->n; i++) {
            o->id[i] = g->b[i].id;
            o->node[i] = g->b[i].node;
        }
    }
    if (r->ngroups == 0) {
        /* DefaultRequestProcessor.getRouteInfoByTopic: no queue of the topic known. */
        rpc_reply(ns->n, rpc_ctx_of(m), RMQ_TOPIC_NOT_EXIST, NULL, 0, 0);
        return;
    }
    uint32_t len = (uint32_t)(offsetof(struct rmq_route, g) + r->ngroups * sizeof r->g[0]);
    rpc_reply(ns->n, rpc_ctx_of(m), RMQ_SUCCESS, r, len, 0);
}

static void ns_on_message(struct sim_node *n, const struct sim_msg *m)
{
    struct nameserver *ns = n->model;
    struct rpc_hdr h;
    const void *body;
    uint32_t len;
    if (rpc_parse(m, &h, &body, &len) < 0 || (h.flags & RPC_RESPONSE))
        return;
    switch (h.code) {
    case RMQ_REGISTER_BROKER:
        on_register(ns, m, body, len);
        break;
    case RMQ_GET_ROUTE:
        on_get_route(ns, m);
        break;
    default:
        /* NettyRemotingAbstract.processRequestCommand: no processor for the code. */
        rpc_reply(n, rpc_ctx_of(m), RMQ_REQUEST_CODE_NOT_SUPPORTED, NULL, 0, 0);
        break;
    }
}

/* RouteInfoManager.scanNotActiveBroker: last + BROKER_CHANNEL_EXPIRED_TIME < now -> closeChannel, remove. */
static void scan(struct nameserver *ns)
{
    struct rmq_world *w = ns->base.w;
    sim_time now = sim_now(ns->n->sim);
    for (int gi = 0; gi < w->ngroups && gi < RMQ_MAX_GROUPS; gi++) {
        struct ns_group *g = &ns->g[gi];
        for (int i = 0; i < g->n; i++) {
            if (g->b[i].last + ns->cfg.expire >= now)
                continue;
            node_conn_close(ns->n, g->b[i].conn);   /* RemotingUtil.closeChannel */
            group_remove(ns, gi, i, "ns.expire");
            i--;
        }
    }
}

/* Removes every broker whose live entry uses channel c (RouteInfoManager.onChannelDestroy). */
static void remove_channel(struct nameserver *ns, sim_conn c, const char *ev)
{
    struct rmq_world *w = ns->base.w;
    for (int gi = 0; gi < w->ngroups && gi < RMQ_MAX_GROUPS; gi++) {
        struct ns_group *g = &ns->g[gi];
        for (int i = 0; i < g->n; i++)
            if (g->b[i].conn == c) {
                group_remove(ns, gi, i, ev);
                i--;
            }
    }
}

/* NettyConnectManageHandler.userEventTriggered (ALL_IDLE): closeChannel, then
 * BrokerHousekeepingService.onChannelIdle -> onChannelDestroy. A channel carries only its broker's
 * registrations, so it is idle when the last one it carried is `idle` old; one that held no live entry (its
 * registrations were refused) is left alone. */
static void idle_check(struct nameserver *ns, sim_conn c)
{
    struct rmq_world *w = ns->base.w;
    sim_time now = sim_now(ns->n->sim);
    int held = 0;
    for (int gi = 0; gi < w->ngroups && gi < RMQ_MAX_GROUPS; gi++)
        for (int i = 0; i < ns->g[gi].n; i++)
            if (ns->g[gi].b[i].conn == c) {
                if (now - ns->g[gi].b[i].last < ns->cfg.idle)
                    return;   /* read again since: its own timer is armed */
                held = 1;
            }
    if (!held)
        return;
    node_conn_close(ns->n, c);
    remove_channel(ns, c, "ns.idle");
}

static void ns_on_timer(struct sim_node *n, uint64_t tag)
{
    struct nameserver *ns = n->model;
    switch (tag & 0xff) {
    case NS_T_SCAN:
        scan(ns);
        node_timer(n, ns->cfg.scan_interval, NS_T_SCAN);
        break;
    case NS_T_IDLE:
        idle_check(ns, (sim_conn)(tag >> 8));
        break;
    }
}

/* BrokerHousekeepingService.onChannelClose/Exception -> RouteInfoManager.onChannelDestroy: the broker
 * whose live entry used this channel goes at once. */
static void ns_on_conn(struct sim_node *n, sim_conn c, enum sim_conn_ev ev, sim_node_id peer, uint64_t tag)
{
    struct nameserver *ns = n->model;
    (void)peer;
    (void)tag;
    if (ev == SIM_CONN_CLOSED)
        remove_channel(ns, c, "ns.remove");
}

static void ns_start(struct sim_node *n)
{
    struct nameserver *ns = n->model;
    memset(ns->g, 0, sizeof ns->g);
    /* NamesrvController.initialize: scanNotActiveBroker at a fixed rate, 5 s initial delay, 10 s period. */
    node_timer(n, ns->cfg.scan_initial, NS_T_SCAN);
}

static void ns_on_crash(struct sim_node *n, enum sim_crash_kind kind)
{
    struct nameserver *ns = n->model;
    (void)kind;
    memset(ns->g, 0, sizeof ns->g);
}

static const struct sim_node_ops ns_ops = {
    .start = ns_start,
    .on_message = ns_on_message,
    .on_timer = ns_on_timer,
    .on_conn = ns_on_conn,
    .on_crash = ns_on_crash,
};

struct nameserver *nameserver_create(struct rmq_world *w, const char *name, const struct ns_cfg *cfg)
{
    struct nameserver *ns = calloc(1, sizeof *ns);
    if (!ns)
        return NULL;
    ns->base.w = w;
    ns->base.kind = RMQ_NAMESERVER;
    ns->cfg = *cfg;
    sim_node_id id = sim_node_add(w->sim, name, &ns_ops, ns);
    if (id == SIM_NODE_NONE) {
        free(ns);
        return NULL;
    }
    ns->n = sim_node(w->sim, id);
    return ns;
}

void nameserver_free(struct nameserver *ns)
{
    free(ns);
}

sim_node_id nameserver_node(const struct nameserver *ns)
{
    return ns->n->id;
}

int nameserver_brokers(const struct nameserver *ns)
{
    int k = 0;
    for (int gi = 0; gi < RMQ_MAX_GROUPS; gi++)
        k += ns->g[gi].n;
    return k;
}

/* ---- the client half ---- */

void ns_client_init(struct ns_client *c, struct sim_node *n, struct rpc *r, uint64_t tag)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->rpc = r;
    c->tag = tag;
}

void ns_client_clear(struct ns_client *c)
{
    c->have = 0;
    c->fetching = 0;
    c->tries = 0;
    c->connected = 0;
    memset(c->g, 0, sizeof c->g);
}

void ns_client_reset(struct ns_client *c, struct sim_rng *rng)
{
    struct rmq_world *w = world_of(c->n);
    ns_client_clear(c);
    c->ngroups = w->ngroups < RMQ_MAX_GROUPS ? w->ngroups : RMQ_MAX_GROUPS;
    /* MQClientInstance's constructor hands the configured list to NettyRemotingClient.updateNameServerAddressList,
     * which Collections.shuffle-s it (a new list: every process start), and namesrvIndex starts at
     * initValueIndex(), a random value (R44/R498 Math.abs(nextInt() % 999) % 999, R53 nextInt(999)); each choice
     * is addrList.get(namesrvIndex.incrementAndGet() % size), in R44, R498 and R53 alike. The shuffle being
     * uniform and independent of the start, the order the client tries the NameServers in is a uniformly random
     * permutation whatever the start: drawn here as its first entry (the draw mqsim made before it modelled the
     * shuffle), then the others shuffled (Fisher-Yates, one draw per NameServer beyond the second), so one or
     * two NameServers draw what they did before. */
    int n = w->nns < RMQ_MAX_NAMESERVERS ? w->nns : RMQ_MAX_NAMESERVERS;
    int first = n > 0 ? (int)sim_rng_below(rng, (uint64_t)n) : 0;
    c->nns = n;
    for (int k = 0; k < n; k++)
        c->list[k] = (uint8_t)((first + k) % n);
    for (int i = n - 1; i > 1; i--) {
        int j = 1 + (int)sim_rng_below(rng, (uint64_t)i);
        uint8_t t = c->list[i];
        c->list[i] = c->list[j];
        c->list[j] = t;
    }
    c->chosen = 0;
    /* MessageQueue and QueueData compare brokerName: queues are ordered by group name (insertion sort:
     * a few dozen groups at most, once per start). */
    for (int i = 0; i < c->ngroups; i++) {
        int j = i;
        while (j > 0 && strcmp(w->g[c->order[j - 1]].name, w->g[i].name) > 0) {
            c->order[j] = c->order[j - 1];
            j--;
        }
        c->order[j] = i;
    }
}

/* The chosen NameServer's node (namesrvAddrChoosed). */
static sim_node_id chosen_node(const struct ns_client *c)
{
    return world_of(c->n)->ns[c->list[c->chosen]];
}

/* namesrvIndex.incrementAndGet(): the next NameServer of the client's list. */
static void choose_next(struct ns_client *c)
{
    c->chosen = (c->chosen + 1) % c->nns;
}

int ns_client_fetch(struct ns_client *c)
{
    if (c->fetching)
        return 1;
    if (c->nns <= 0)
        return 0;
    c->fetching = 1;
    c->tries = 1;
    c->begin = sim_now(c->n->sim);
    /* getAndCreateNameserverChannel: a chosen NameServer whose channel is no longer OK (its process died and
     * closed it, or TCP gave it up) is left for the next one (namesrvIndex.incrementAndGet), in R44 as in
     * R53, even if it is back by now. A channel still open to a silent host stays chosen. */
    if (c->connected && !rpc_peer_open(c->rpc, chosen_node(c))) {
        choose_next(c);
        c->connected = 0;
    }
    /* The topic is implied: the body is empty. NettyRemotingClient.invokeSync(null, ..): the channel is had
     * first (createChannel waits up to connectTimeoutMillis), then the time left is checked. */
    rpc_call_begun(c->rpc, chosen_node(c), RMQ_GET_ROUTE, NULL, 0, 0, c->begin, NS_ROUTE_TIMEOUT, c->tag);
    return 1;
}

static void trace_group(struct ns_client *c, int gi)
{
    struct sim *s = c->n->sim;
    struct trace *tr = sim_trace(s);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    /* The route's view: a stale group is not in it. */
    int routed = ns_client_routed(c, gi);
    sim_node_id m = routed ? ns_client_master(c, gi) : SIM_NODE_NONE;
    trace_begin(tr, sim_now(s), c->n->name, "route.change");
    trace_str(tr, "group", world_of(c->n)->g[gi].name);
    trace_str(tr, "master", node_name(s, m));
    trace_int(tr, "brokers", routed ? c->g[gi].n : 0);
    trace_end(tr);
}

/* Applies a route; returns whether any group changed (topicRouteDataIsChange). */
static int apply_route(struct ns_client *c, const struct rmq_route *r, uint32_t len)
{
    struct ns_client_group next[RMQ_MAX_GROUPS];
    memset(next, 0, sizeof next);
    uint32_t have = len >= offsetof(struct rmq_route, g)
                        ? (uint32_t)((len - offsetof(struct rmq_route, g)) / sizeof r->g[0]) : 0;
    uint32_t ng = r->ngroups < have ? r->ngroups : have;
    for (uint32_t k = 0; k < ng; k++) {
        const struct rmq_route_group *in = &r->g[k];
        if (in->group >= c->ngroups)
            continue;
        struct ns_client_group *o = &next[in->group];
        int n = in->n < RMQ_MAX_REPLICAS ? in->n : RMQ_MAX_REPLICAS;
        o->n = (uint8_t)n;
        o->queues = in->queues;
        /* The NameServer sends brokerAddrs by ascending brokerId, the order a HashMap<Long,String> of small
         * ids iterates in; findBrokerAddressInSubscribe's "first entry" relies on it. */
        for (int i = 0; i < n; i++) {
            o->id[i] = in->id[i];
            o->node[i] = in->node[i];
        }
    }
    int changed = 0;
    for (int gi = 0; gi < c->ngroups; gi++) {
        struct ns_client_group *a = &c->g[gi], *b = &next[gi];
        if (b->n == 0 && (a->n == 0 || a->stale))
            continue;   /* not in the route, as before */
        if (b->n == 0 && c->keep_stale) {
            /* MQClientInstance.updateTopicRouteInfoFromNameServer (R44 to R53): brokerAddrTable.put for each
             * BrokerData of the new route only; a group missing from it keeps its addresses until
             * cleanOfflineBroker, at the next heartbeat round, while its queues are gone from the route. */
            a->stale = 1;
            a->queues = 0;
            changed = 1;
            trace_group(c, gi);
            continue;
        }
        int same = !a->stale && a->n == b->n && a->queues == b->queues;
        for (int i = 0; same && i < a->n; i++)
            same = a->id[i] == b->id[i] && a->node[i] == b->node[i];
        if (same)
            continue;
        /* brokerAddrTable.put(brokerName, brokerAddrs): the group's brokers replaced whole. */
        *a = *b;
        changed = 1;
        trace_group(c, gi);
    }
    return changed;
}

void ns_client_clean(struct ns_client *c)
{
    /* cleanOfflineBroker: an address that isBrokerAddrExistInTopicRouteTable finds in no route is removed, and a
     * group left empty leaves brokerAddrTable. A group in the route has the route's brokers (put) already. */
    for (int gi = 0; gi < c->ngroups; gi++)
        if (c->g[gi].stale)
            memset(&c->g[gi], 0, sizeof c->g[gi]);
}

enum ns_fetch ns_client_on_reply(struct ns_client *c, int status, const void *body, uint32_t len)
{
    if (!c->fetching)
        return NS_FETCH_FAILED;
    if (status == RMQ_CONN_FAILED && c->nns > 0) {
        /* A NameServer that cannot be connected makes the client choose the next one
         * (namesrvIndex.incrementAndGet). R44/R498 NettyRemotingClient.getAndCreateNameserverChannel tries it
         * within the same request (its loop over addrList.size() createChannel calls), the failed connect's
         * time spent: invokeSync's costTime counts from its beginStartTime, so after a dead host's 3 s connect
         * timeout the next one's channel comes with no time left, `timeoutMillis < costTime` throws
         * RemotingTimeoutException and, with clientCloseSocketIfTimeout (R498), closeChannel closes that fresh
         * channel while namesrvAddrChoosed stays on it. R53 getAndCreateNameserverChannelAsync takes one address
         * a request: the request fails (RemotingConnectException) and the next one takes the next address. */
        choose_next(c);
        if (c->walk && c->tries < c->nns) {
            c->tries++;
            rpc_call_begun(c->rpc, chosen_node(c), RMQ_GET_ROUTE, NULL, 0, 0, c->begin, NS_ROUTE_TIMEOUT, c->tag);
            return NS_FETCH_PENDING;
        }
    }
    c->fetching = 0;
    c->connected = status != RMQ_CONN_FAILED;
    if (status == RMQ_TIMEOUT && c->nns > 0 && !rpc_peer_open(c->rpc, chosen_node(c))) {
        /* NettyRemotingClient.invokeSync closed the channel on the timeout (clientCloseSocketIfTimeout, 4.9+:
         * the rpc layer did; R53 not when it had little time left, shouldClose), so the next request's
         * getAndCreateNameserverChannel finds no channel and chooses the next NameServer. Without the close
         * (R44) the channel stays and so does the choice: a client keeps asking a silent NameServer until TCP
         * gives the connection up. */
        choose_next(c);
        c->connected = 0;
    }
    if (status != RMQ_SUCCESS || !body || len < offsetof(struct rmq_route, g))
        return NS_FETCH_FAILED;
    /* The reply may be shorter than struct rmq_route: copy what came into an aligned buffer. */
    const size_t max = sizeof(struct rmq_route);
    struct rmq_route r;
    memcpy(&r, body, len < max ? len : max);
    int changed = apply_route(c, &r, len < max ? len : (uint32_t)max);
    c->have = 1;
    return changed ? NS_FETCH_CHANGED : NS_FETCH_SAME;
}

