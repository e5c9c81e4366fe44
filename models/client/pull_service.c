/* pull_service: a push consumer's PullMessageService, the one thread that sends all its pulls.
 *
 * PullMessageService.run (R44 to R53): pullRequestQueue.take(), then pullMessage(pullRequest), which runs
 * DefaultMQPushConsumerImpl.pullMessage -> PullAPIWrapper.pullKernelImpl -> MQClientAPIImpl.pullMessageAsync
 * -> NettyRemotingClient.invokeAsync on this thread. Every pull due goes through the queue:
 * executePullRequestImmediately (a pull answered, a new ProcessQueue) puts it there, executePullRequestLater
 * after its delay. The thread costs no time here, so a pull taken while the connection to its broker is up is
 * sent at once. In 4.x invokeAsync starts with getAndCreateChannel: a channel not OK (never made, closed, or
 * closed by clientCloseSocketIfTimeout) sends createChannel to connect, or to join the connect in progress
 * (createNewConnection = false), and then channelFuture.awaitUninterruptibly(connectTimeoutMillis) holds the
 * thread until the connect succeeds or fails: a dead process's host refuses it at once, a dead or cut-off host
 * holds it for the connect timeout. A failure returns null -> RemotingConnectException, which pullMessage's
 * catch turns into executePullRequestLater(pullTimeDelayMillsWhenException). The pulls due meanwhile wait in
 * the queue. R53's invokeAsync takes getAndCreateChannelAsync(addr).addListener(..) and never waits
 * (pull_blocks_on_connect false): each pull then waits for its connection in the rpc layer alone.
 *
 * The wait ends with the connect's outcome, which the network gives no later than network.connect_timeout_ms
 * (connectTimeoutMillis, the await's own bound) after the connect began; a joined connect began before the
 * wait, so no timer of its own is needed.
 *
 * pullKernelImpl (R44 to R53 alike) starts with findBrokerAddressInSubscribe, which is null only when
 * MQClientInstance.brokerAddrTable has no entry for the queue's broker name: a route without the group came,
 * the next heartbeat round's cleanOfflineBroker took the group's brokers out of the table (until then its
 * pulls go to them: ns_client's stale groups), and the rebalance has not yet dropped the queue. It then calls
 * updateTopicRouteInfoFromNameServer(topic) on this thread: lockNamesrv.tryLock(3000), then
 * getTopicRouteInfoFromNameServer, an invokeSync of 3000 ms (R44 1000 * 3, R498/R53 mqClientApiTimeout 3000),
 * and looks again. The thread waits for the route's answer or its timeout (PS_ROUTE), the pulls due meanwhile
 * behind it. As every other caller of the client's route (the scheduled poll, the offset store, the producer's
 * sends), it joins a request already in flight, where RocketMQ's would wait for lockNamesrv and then ask on
 * its own. */
#include "models/client/consumer_int.h"
#include "models/report/report.h"
#include "sim/ring.h"

/* pullMessageAsync: invokeAsync, whose timeout never closes the channel */
static void send_pull(struct consumer *c, uint32_t k, uint32_t gen, sim_node_id node, const struct rmq_pull_req *req)
{
    rpc_call_async(&c->rpc, node, RMQ_PULL, req, sizeof *req, 0, c->cfg.pull_timeout, consumer_tag(C_R_PULL, k, gen));
}

/* RemotingConnectException -> pullMessage's catch: executePullRequestLater(pullTimeDelayMillsWhenException). */
static void pull_failed(struct consumer *c, uint32_t k)
{
    const struct cq *q = &c->cq[k];
    report_pull(&c->base.w->rep, q->group, q->pull_id, 0, 0);
    consumer_pull_later(c, k, c->cfg.retry_delay);
}

void consumer_pull_send(struct consumer *c, uint32_t k, sim_node_id node, const struct rmq_pull_req *req)
{
    struct cq *q = &c->cq[k];
    if (c->cfg.pull_blocks_on_connect) {
        /* getAndCreateChannel: a channel OK (rpc_peer_open) takes the pull at once, as send_pull would */
        if (rpc_call_async_open(&c->rpc, node, RMQ_PULL, req, sizeof *req, 0, c->cfg.pull_timeout,
                                consumer_tag(C_R_PULL, k, q->gen)))
            return;
        struct pull_svc *ps = &c->ps;
        /* createChannel: a new connect, or the one in progress; no connect at all fails as a null channel. */
        if (!rpc_connect(&c->rpc, node)) {
            pull_failed(c, k);
            return;
        }
        ps->waiting = PS_CONNECT;
        ps->node = node;
        ps->k = k;
        ps->gen = q->gen;
        ps->req = *req;
        ps->since = consumer_now(c);
        return;
    }
    send_pull(c, k, q->gen, node, req);
}

/* The thread takes the pulls due, in order, until one makes it wait. A request of a ProcessQueue dropped
 * since is skipped (pullMessage: processQueue.isDropped()); the queue taken again has its own. */
static void drain(struct consumer *c)
{
    struct pull_svc *ps = &c->ps;
    while (!ps->waiting && ps->count > 0) {
        struct centry e = ps->ring[ps->head];
        ps->head = (ps->head + 1) & (ps->cap - 1);
        ps->count--;
        if (e.cq < (uint32_t)c->ncq && c->cq[e.cq].gen == e.gen)
            consumer_pull_message(c, e.cq);
    }
}

void consumer_pull(struct consumer *c, uint32_t k)
{
    struct pull_svc *ps = &c->ps;
    if (!ps->waiting && ps->count == 0) {
        consumer_pull_message(c, k);
        return;
    }
    if (ps->count == ps->cap) {
        /* Grows by doubling and is kept: allocation stops at the queue's peak. */
        struct centry *r = sim_ring_grow(ps->ring, sizeof *r, &ps->cap, &ps->head, ps->count, 16);
        if (!r) {
            consumer_pull_later(c, k, c->cfg.retry_delay);   /* out of memory: tried again later */
            return;
        }
        ps->ring = r;
    }
    ps->ring[(ps->head + ps->count) & (ps->cap - 1)] = (struct centry){k, c->cq[k].gen};
    ps->count++;
}

void consumer_pull_on_conn(struct consumer *c, sim_node_id peer, enum sim_conn_ev ev)
{
    struct pull_svc *ps = &c->ps;
    if (ps->waiting != PS_CONNECT || peer != ps->node || (ev != SIM_CONN_UP && ev != SIM_CONN_FAILED))
        return;
    ps->waiting = PS_FREE;
    struct rmq_world *w = c->base.w;
    struct cq *q = &c->cq[ps->k];
    struct trace *tr = sim_trace(c->n->sim);
    if (trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, consumer_now(c), c->n->name, "pull.wait");
        trace_str(tr, "peer", sim_node(c->n->sim, peer)->name);
        trace_str(tr, "group", w->g[q->group].name);
        trace_int(tr, "queue", q->queue);
        trace_time_ms(tr, "from_ms", ps->since);
        trace_str(tr, "result", ev == SIM_CONN_UP ? "connected" : "failed");
        trace_uint(tr, "queued", ps->count);
        trace_end(tr);
    }
    if (ev == SIM_CONN_UP)
        send_pull(c, ps->k, ps->gen, peer, &ps->req);   /* cw.isOK(): sent; its callback checks the ProcessQueue */
    else if (q->gen == ps->gen && q->state == CQ_ACTIVE)
        pull_failed(c, ps->k);
    drain(c);
}

int consumer_pull_route_wait(struct consumer *c, uint32_t k)
{
    struct pull_svc *ps = &c->ps;
    /* Set before the request, so that the pulls an answer given inline starts queue behind this one. */
    ps->waiting = PS_ROUTE;
    ps->node = SIM_NODE_NONE;
    ps->k = k;
    ps->gen = c->cq[k].gen;
    ps->since = consumer_now(c);
    if (!ns_client_fetch(&c->route)) {
        ps->waiting = PS_FREE;   /* no NameServer at all: getTopicRouteInfoFromNameServer fails at once */
        return 0;
    }
    return 1;
}

void consumer_pull_on_route(struct consumer *c)
{
    struct pull_svc *ps = &c->ps;
    if (ps->waiting != PS_ROUTE)
        return;
    ps->waiting = PS_FREE;
    struct rmq_world *w = c->base.w;
    struct cq *q = &c->cq[ps->k];
    int id;
    struct trace *tr = sim_trace(c->n->sim);
    if (trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, consumer_now(c), c->n->name, "pull.route");
        trace_str(tr, "group", w->g[q->group].name);
        trace_int(tr, "queue", q->queue);
        trace_time_ms(tr, "from_ms", ps->since);
        trace_str(tr, "result", ns_client_find(&c->route, q->group, q->suggest, &id) != SIM_NODE_NONE ? "found"
                                                                                                      : "none");
        trace_uint(tr, "queued", ps->count);
        trace_end(tr);
    }
    /* findBrokerAddressInSubscribe again, then the pull or "not exist". A ProcessQueue the rebalance dropped
     * meanwhile sends nothing here (RocketMQ's pullKernelImpl would go on, its answer then ignored). */
    if (q->gen == ps->gen && q->state == CQ_ACTIVE)
        consumer_pull_kernel(c, ps->k, 0);
    drain(c);
}

void consumer_pull_reset(struct consumer *c)
{
    c->ps.waiting = PS_FREE;
    c->ps.head = c->ps.count = 0;
}
