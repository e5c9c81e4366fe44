/* consumer_manager: the broker's table of the one consumer group's clients (ConsumerManager,
 * ConsumerGroupInfo.channelInfoTable) and what keeps it (ClientManageProcessor.heartBeat,
 * ClientHousekeepingService, ConsumerManageProcessor.getConsumerListByGroup).
 *
 * An entry is a channel: the connection a client's heartbeat came on, its clientId and the time of its last
 * heartbeat. A heartbeat on a channel the table does not hold adds it; the channel's close (the client
 * process died and its kernel closed the connection) removes it at once, and the scan every 10 s removes
 * channels silent for more than 120 s (a dead host sends no reset). Whenever the set of channels changes, every
 * channel left is told (NOTIFY_CONSUMER_IDS_CHANGED, oneway), and each of those clients rebalances at once.
 * The table lives in the broker's memory only: a restarted broker knows a client again at its next
 * heartbeat. */
#include <stdlib.h>

#include "models/broker/broker_int.h"

static void trace_chan(struct broker *b, const char *what, const struct client_chan *e, const char *why)
{
    struct trace *tr = sim_trace(b->n->sim);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, node_now(b->n), b->n->name, what);
    trace_str(tr, "group", b->base.w->g[b->group].name);
    trace_uint(tr, "client", e->client);
    if (why)
        trace_str(tr, "why", why);
    trace_int(tr, "consumers", b->nchans);
    trace_end(tr);
}

void broker_clients_reset(struct broker *b)
{
    b->nchans = 0;
    /* ClientHousekeepingService.start: scheduleAtFixedRate(scanExceptionChannel, 10 s, 10 s). */
    node_timer(b->n, b->cfg.client_scan_interval, BT(BT_CLIENT_SCAN, 0));
}

/* DefaultConsumerIdsChangeListener (CHANGE) -> Broker2Client.notifyConsumerIdsChanged: a oneway request on
 * every channel of the group, when notifyConsumerIdsChangedEnable. */
static void notify_all(struct broker *b)
{
    if (!b->cfg.notify_ids_changed)
        return;
    for (int i = 0; i < b->nchans; i++)
        rpc_oneway_to(b->n, b->chans[i].conn, RMQ_NOTIFY_IDS_CHANGED, NULL, 0);
}

static void remove_at(struct broker *b, int i, const char *why)
{
    struct client_chan e = b->chans[i];
    b->chans[i] = b->chans[--b->nchans];
    trace_chan(b, "broker.client_gone", &e, why);
}

void broker_heartbeat(struct broker *b, struct rpc_ctx ctx, const struct rmq_heartbeat *hb)
{
    sim_time now = node_now(b->n);
    /* ConsumerGroupInfo.updateChannel: a channel already held has its timestamp renewed. */
    for (int i = 0; i < b->nchans; i++)
        if (b->chans[i].conn == ctx.conn) {
            b->chans[i].last = now;
            b->chans[i].client = hb->client;
            if (trace_on(sim_trace(b->n->sim), TRACE_FULL))
                trace_chan(b, "broker.heartbeat", &b->chans[i], NULL);
            rpc_reply(b->n, ctx, RMQ_SUCCESS, NULL, 0, 0);
            return;
        }
    if (b->nchans == b->chans_cap) {
        int cap = b->chans_cap ? b->chans_cap * 2 : 8;
        struct client_chan *p = realloc(b->chans, (size_t)cap * sizeof *p);
        if (!p) {
            rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
            return;
        }
        b->chans = p;
        b->chans_cap = cap;
    }
    struct client_chan *e = &b->chans[b->nchans++];
    *e = (struct client_chan){.conn = ctx.conn, .client = hb->client, .last = now};
    trace_chan(b, "broker.client_new", e, NULL);
    rpc_reply(b->n, ctx, RMQ_SUCCESS, NULL, 0, 0);
    /* registerConsumer: a new channel changed the group (updateChannel returned true). */
    notify_all(b);
}

static int channel_gone(struct broker *b, sim_conn c, const char *why)
{
    /* ConsumerManager.doChannelCloseEvent (ClientHousekeepingService.onChannelClose/Exception/Idle). */
    for (int i = 0; i < b->nchans; i++)
        if (b->chans[i].conn == c) {
            remove_at(b, i, why);
            notify_all(b);
            return 1;
        }
    return 0;
}

int broker_client_closed(struct broker *b, sim_conn c) { return channel_gone(b, c, "closed"); }

/* NettyRemotingServer's IdleStateHandler(0, 0, serverChannelMaxIdleTimeSeconds) on every channel the broker's
 * remoting server accepts (producers', consumers', other brokers'; not the HA port, which is not Netty):
 * ALL_IDLE fires when neither a read nor a write has happened for the timeout, and
 * NettyConnectManageHandler.userEventTriggered closes the channel and puts an IDLE event, which
 * ClientHousekeepingService.onChannelIdle takes to ConsumerManager.doChannelCloseEvent: unlike the scan's
 * expiry, the group is told (R44, R498, R53). As the handler, the timer re-arms for what is left of the
 * timeout after the last read or write. */
void broker_channel_accepted(struct broker *b, sim_conn c)
{
    if (b->cfg.server_idle > 0)
        node_timer(b->n, b->cfg.server_idle, BT(BT_CHAN_IDLE, c));
}

void broker_channel_idle(struct broker *b, sim_conn c)
{
    sim_time last = node_conn_last_io(b->n, c);
    if (last < 0)
        return;   /* closed already */
    sim_time left = last + b->cfg.server_idle - node_now(b->n);
    if (left > 0) {
        node_timer(b->n, left, BT(BT_CHAN_IDLE, c));
        return;
    }
    struct trace *tr = sim_trace(b->n->sim);
    if (trace_on(tr, TRACE_EVENTS)) {
        trace_begin(tr, node_now(b->n), b->n->name, "broker.idle");
        struct sim_node *peer = sim_node(b->n->sim, node_conn_peer(b->n, c));
        trace_str(tr, "peer", peer ? peer->name : "?");
        trace_end(tr);
    }
    node_conn_close(b->n, c);
    channel_gone(b, c, "idle");
}

void broker_clients_scan(struct broker *b)
{
    sim_time now = node_now(b->n);
    /* ConsumerManager.scanNotActiveChannel: a channel whose last heartbeat is older than
     * CHANNEL_EXPIRED_TIMEOUT is closed and removed, and nobody is told (R44, R498, R53): the others find
     * out at their next periodic rebalance. The close it makes finds the channel gone already. */
    for (int i = 0; i < b->nchans;) {
        if (now - b->chans[i].last > b->cfg.channel_expired) {
            sim_conn c = b->chans[i].conn;
            remove_at(b, i, "expired");
            node_conn_close(b->n, c);
        } else {
            i++;
        }
    }
    node_timer(b->n, b->cfg.client_scan_interval, BT(BT_CLIENT_SCAN, 0));
}

static int by_client(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void broker_consumer_list(struct broker *b, struct rpc_ctx ctx)
{
    if (b->nchans == 0) {
        /* ConsumerManageProcessor.getConsumerListByGroup: "no consumer for this group". */
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    uint32_t n = b->nchans < RMQ_MAX_CONSUMER_IDS ? (uint32_t)b->nchans : RMQ_MAX_CONSUMER_IDS;
    size_t bytes = sizeof(struct rmq_consumer_list) + n * sizeof(uint64_t);
    if (bytes > b->list_cap) {
        struct rmq_consumer_list *p = realloc(b->list, bytes);
        if (!p) {
            rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
            return;
        }
        b->list = p;
        b->list_cap = bytes;
    }
    b->list->n = n;
    for (uint32_t i = 0; i < n; i++)
        b->list->client[i] = b->chans[i].client;
    /* The table's order is its history; the answer's order is not the protocol's (the client sorts). */
    qsort(b->list->client, n, sizeof(uint64_t), by_client);
    /* {"consumerIdList":["ip@pid",...]}: about 24 bytes a clientId. */
    rpc_reply_big(&b->rpc, ctx, RMQ_SUCCESS, b->list, (uint32_t)bytes, 24 * (uint64_t)n);
}
