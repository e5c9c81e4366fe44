/* producer_detect: the 5.x producer's fault detector (LatencyFaultToleranceImpl.startDetector and
 * detectByOneRound, R53), on with ClientConfig.startDetectorEnable (false by default), the latency fault
 * tolerance and its 5.x tables. DefaultMQProducerImpl.start always schedules it, 3 s after the start and every
 * 3 s (scheduleAtFixedRate on a single thread: a round that overruns delays the next, which then catches up);
 * a round runs only when it is enabled. It goes through the fault table: each broker whose checkStamp has
 * passed gets a new one detectInterval on, and is asked GET_MAX_OFFSET (ServiceDetector.detect:
 * MQClientAPIImpl.getMaxOffset, an invokeSync of detectTimeout) at its master's address; an answer makes it
 * reachable again. A broker without a master address (findBrokerAddressInPublish) leaves the table. One broker
 * at a time: each detect blocks the detector's thread, first until the channel to the broker is connected or
 * has failed (NettyRemotingClient.invokeSync -> getAndCreateChannel: channelFuture.awaitUninterruptibly(),
 * whatever the request's timeout: up to the connect timeout for a dead host), then up to detectTimeout for the
 * answer. mqsim goes through the table in group order (the ConcurrentHashMap's order) and asks with RMQ_PROBE,
 * which a live broker answers at once on its admin executor, as AdminBrokerProcessor.getMaxOffset does whatever
 * the topic. */
#include "models/client/producer_int.h"

/* LatencyFaultToleranceImpl.startDetector: scheduleAtFixedRate(.., 3, 3, TimeUnit.SECONDS). */
#define DETECT_PERIOD (3 * SIM_S)

int producer_detect_enabled(const struct producer *p)
{
    return p->cfg.start_detector && p->cfg.latency_fault && p->cfg.fault_tables == FAULT_TABLES_5X;
}

void producer_detect_start(struct producer *p)
{
    p->det.busy = 0;
    p->det.pending = 0;
    p->det.connecting = SIM_NODE_NONE;
    p->det.gen++;   /* a reply from before a restart is not this round's */
    if (producer_detect_enabled(p))
        node_timer(p->n, DETECT_PERIOD, P_T_DETECT);
}

static void trace_reachable(struct producer *p, int g)
{
    struct trace *tr = sim_trace(p->n->sim);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, sim_now(p->n->sim), p->n->name, "fault.reachable");
    trace_str(tr, "group", g < p->base.w->ngroups ? p->base.w->g[g].name : NULL);
    trace_end(tr);
}

static void round_next(struct producer *p);

/* GET_MAX_OFFSET to the broker's master, within what detectTimeout leaves ("left = timeoutMillis - costTime";
 * none left: RemotingTimeoutException before sending, detect() false). */
static void ask(struct producer *p, sim_node_id master)
{
    sim_time left = p->cfg.detect_timeout - (sim_now(p->n->sim) - p->det.t0);
    if (left <= 0) {
        p->det.next++;
        round_next(p);
        return;
    }
    rpc_call(&p->rpc, master, RMQ_PROBE, NULL, 0, 0, left, producer_tag(P_R_DETECT, (uint32_t)p->det.next, p->det.gen));
}

/* The round goes on from group det.next: the next broker due is asked, or the round is over. */
static void round_next(struct producer *p)
{
    sim_time now = sim_now(p->n->sim);
    for (; p->det.next < RMQ_MAX_GROUPS; p->det.next++) {
        int g = p->det.next;
        struct fault_item *it = &p->lf.item[g];
        if (!it->used || now - it->check < 0)
            continue;
        it->check = now + p->cfg.detect_interval;
        sim_node_id master = ns_client_master(&p->route, g);
        if (master == SIM_NODE_NONE) {
            lf_remove(&p->lf, g);   /* "if (brokerAddr == null) { faultItemTable.remove(..); continue; }" */
            continue;
        }
        p->det.busy = 1;
        p->det.t0 = now;
        if (rpc_peer_open(&p->rpc, master)) {
            ask(p, master);
            return;
        }
        if (rpc_connect(&p->rpc, master)) {
            p->det.connecting = master;   /* producer_detect_on_conn goes on */
            return;
        }
        /* no channel at all: RemotingConnectException, detect() false */
    }
    p->det.busy = 0;
    if (p->det.pending > 0) {   /* runs that came due during this round, one after the other */
        p->det.pending--;
        p->det.next = 0;
        round_next(p);
    }
}

void producer_detect_on_timer(struct producer *p)
{
    node_timer(p->n, DETECT_PERIOD, P_T_DETECT);
    if (p->det.busy) {
        p->det.pending++;
        return;
    }
    p->det.next = 0;
    round_next(p);
}

void producer_detect_on_conn(struct producer *p, sim_node_id peer, enum sim_conn_ev ev)
{
    if (!p->det.busy || p->det.connecting != peer || (ev != SIM_CONN_UP && ev != SIM_CONN_FAILED))
        return;
    p->det.connecting = SIM_NODE_NONE;
    if (ev == SIM_CONN_UP && rpc_peer_open(&p->rpc, peer)) {
        ask(p, peer);
        return;
    }
    p->det.next++;   /* not connected: RemotingConnectException, detect() false */
    round_next(p);
}

void producer_detect_on_reply(struct producer *p, uint32_t g, uint32_t gen, int status)
{
    if (!p->det.busy || gen != p->det.gen || (int)g != p->det.next)
        return;
    /* "if (serviceOK && !brokerItem.reachableFlag) brokerItem.reachableFlag = true" */
    if (status == RMQ_SUCCESS && p->lf.item[g].used && !p->lf.item[g].reachable) {
        p->lf.item[g].reachable = 1;
        trace_reachable(p, (int)g);
    }
    p->det.next++;
    round_next(p);
}
