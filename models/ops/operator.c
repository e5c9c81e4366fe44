/* operator: RocketMQ 4.x has no runtime promotion (REFERENCE section 4), so promotion is a procedure:
 *   1. monitoring probes each group's master every probe_interval; a failed probe starts the clock;
 *   2. if the master is still failing after alert_delay, the alert fires (the group's detected_ms);
 *   3. after the on-call person's reaction delay, they look at monitoring, which kept probing: a master whose
 *      last probe succeeded is back, and they stand down (recheck; the page resolved, and a new failure
 *      starts at 1 again); else they stop the slave with the lowest brokerId;
 *   4. after the procedure's duration (edit brokerRole and brokerId=0, restart), the slave starts as
 *      master and registers with the NameServers (promoted_ms); clients see it at their next route poll;
 *   5. optionally (rejoin_old_master), once the old master's machine is back, they stop it if it runs,
 *      set brokerRole=SLAVE and the promoted broker's old brokerId, and start it: a slave of the new master.
 * Every delay is a distribution in the scenario; the defaults are assumptions, not RocketMQ facts. */
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/report/report.h"
#include "models/ops/operator.h"
#include "models/remoting/rpc.h"

enum op_timer { OT_PROBE = 1, OT_ALERT, OT_ACT, OT_RESTART, OT_REJOIN };
#define OT(kind, g) ((uint64_t)(kind) | ((uint64_t)(g) << 8))
#define EPISODE_MASK 0x7fffffffu   /* below the rpc timers' bit 63 */
#define OT_ALERT_OF(g, ep) (OT(OT_ALERT, g) | (uint64_t)((ep) & EPISODE_MASK) << 32)   /* failure `ep`'s alert */

struct op_group {
    int watched;               /* replica index of the master being watched */
    sim_time failing_since;    /* -1: healthy (the last probe succeeded) */
    int alerted, acting, done;
    uint32_t episode;          /* failures seen (healthy, then a failed probe): an older alert timer is stale */
    int promoting;             /* replica index being promoted */
    int promoted_id;           /* its brokerId before the promotion */
};

struct operator_ {
    struct rmq_node base;
    struct sim_node *n;
    struct rpc rpc;
    struct operator_cfg cfg;
    struct sim_rng *rng;
    struct op_group *g;
};

static void trace_op(struct operator_ *op, const char *ev, int group, int replica)
{
    struct trace *tr = sim_trace(op->n->sim);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    struct rmq_group *g = &op->base.w->g[group];
    trace_begin(tr, node_now(op->n), op->n->name, ev);
    trace_str(tr, "group", g->name);
    trace_str(tr, "broker", replica >= 0 ? sim_node(op->n->sim, g->node[replica])->name : NULL);
    trace_end(tr);
}

static void on_reply(struct sim_node *n, uint64_t tag, int status, const void *body, uint32_t len)
{
    struct operator_ *op = n->model;
    int gi = (int)tag;
    struct op_group *og = &op->g[gi];
    (void)body;
    (void)len;
    if (og->acting || og->done)
        return;   /* people took it from here */
    if (status == RMQ_SUCCESS) {
        og->failing_since = -1;
        return;
    }
    if (og->failing_since >= 0)
        return;   /* still failing */
    og->failing_since = node_now(n);
    og->episode++;
    if (!og->alerted)   /* (while a page is out, monitoring only records it for the look before acting) */
        node_timer(n, sim_dist_time(&op->cfg.alert_delay, op->rng), OT_ALERT_OF(gi, og->episode));
}

static void op_timer(struct sim_node *n, uint64_t tag)
{
    struct operator_ *op = n->model;
    struct rmq_world *w = op->base.w;
    if (rpc_on_timer(&op->rpc, tag))
        return;
    int gi = (int)(tag >> 8 & 0xffffff);
    struct op_group *og = &op->g[gi];
    struct rmq_group *g = &w->g[gi];
    switch ((enum op_timer)(tag & 0xff)) {
    case OT_PROBE:
        if (!og->acting && !og->done)
            rpc_call(&op->rpc, g->node[og->watched], RMQ_PROBE, NULL, 0, 0, op->cfg.probe_timeout, (uint64_t)gi);
        node_timer(n, op->cfg.probe_interval, tag);
        break;
    case OT_ALERT:
        if (og->failing_since < 0 || og->alerted || (uint32_t)(tag >> 32) != (og->episode & EPISODE_MASK))
            break;   /* recovered, paged already, or the alert of a failure that ended */
        og->alerted = 1;
        report_detected(&w->rep, gi);
        trace_op(op, "operator.alert", gi, og->watched);
        node_timer(n, sim_dist_time(&op->cfg.reaction, op->rng), OT(OT_ACT, gi));
        break;
    case OT_ACT: {
        if (op->cfg.recheck && og->failing_since < 0) {
            /* The master answered monitoring since the page: nothing to promote. */
            og->alerted = 0;
            trace_op(op, "operator.stand_down", gi, og->watched);
            break;
        }
        /* The slave with the lowest brokerId becomes the new master. */
        int best = -1;
        for (int r = 0; r < g->n; r++)
            if (r != og->watched && (best < 0 || broker_id(g->broker[r]) < broker_id(g->broker[best])))
                best = r;
        if (best < 0)
            break;
        og->promoting = best;
        og->promoted_id = broker_id(g->broker[best]);
        og->acting = 1;
        trace_op(op, "operator.stop_slave", gi, best);
        sim_crash(n->sim, g->node[best], SIM_CRASH_PROCESS);
        node_timer(n, sim_dist_time(&op->cfg.procedure, op->rng), OT(OT_RESTART, gi));
        break;
    }
    case OT_RESTART: {
        struct broker *b = g->broker[og->promoting];
        broker_reconfigure(b, op->cfg.new_role, 0);
        sim_restart(n->sim, g->node[og->promoting]);
        og->done = 1;
        report_elected(&w->rep, gi, -1);   /* manual promotion: the operator is the election */
        report_promoted(&w->rep, gi, g->node[og->promoting]);
        trace_op(op, "operator.promote", gi, og->promoting);
        if (op->cfg.rejoin_old_master)
            node_timer(n, sim_dist_time(&op->cfg.rejoin, op->rng), OT(OT_REJOIN, gi));
        break;
    }
    case OT_REJOIN: {
        /* The old master's broker.conf now says brokerRole=SLAVE and the brokerId the promoted slave had;
         * its CommitLog is whatever its crash left, replication resumes from its end (HAClient). */
        sim_node_id old = g->node[og->watched];
        if (sim_node(n->sim, old)->state == SIM_NODE_UP)
            sim_crash(n->sim, old, SIM_CRASH_PROCESS);
        broker_reconfigure(g->broker[og->watched], RMQ_SLAVE, og->promoted_id);
        sim_restart(n->sim, old);
        trace_op(op, "operator.rejoin", gi, og->watched);
        break;
    }
    }
}

static void op_start(struct sim_node *n)
{
    struct operator_ *op = n->model;
    struct rmq_world *w = op->base.w;
    rpc_reset(&op->rpc);
    for (int gi = 0; gi < w->ngroups; gi++) {
        memset(&op->g[gi], 0, sizeof op->g[gi]);
        op->g[gi].failing_since = -1;
        for (int r = 0; r < w->g[gi].n; r++)
            if (broker_id(w->g[gi].broker[r]) == 0)
                op->g[gi].watched = r;
        if (w->g[gi].n > 1)
            node_timer(n, op->cfg.probe_interval, OT(OT_PROBE, gi));
    }
}

static void op_message(struct sim_node *n, const struct sim_msg *m)
{
    struct operator_ *op = n->model;
    rpc_on_message(&op->rpc, m);
}

static void op_conn(struct sim_node *n, sim_conn c, enum sim_conn_ev ev, sim_node_id peer, uint64_t tag)
{
    struct operator_ *op = n->model;
    (void)peer;
    (void)tag;
    rpc_on_conn(&op->rpc, c, ev);
}

static const struct sim_node_ops op_ops = {
    .start = op_start, .on_message = op_message, .on_timer = op_timer, .on_conn = op_conn,
};

struct operator_ *operator_create(struct rmq_world *w, const char *name, const struct operator_cfg *cfg)
{
    struct operator_ *op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    op->base.w = w;
    op->base.kind = RMQ_OPERATOR;
    op->cfg = *cfg;
    op->g = calloc((size_t)w->ngroups, sizeof *op->g);
    sim_node_id id = op->g ? sim_node_add(w->sim, name, &op_ops, op) : SIM_NODE_NONE;
    if (id == SIM_NODE_NONE) {
        free(op->g);
        free(op);
        return NULL;
    }
    op->n = sim_node(w->sim, id);
    op->rng = node_rng(op->n, "human");
    rpc_init(&op->rpc, op->n, on_reply);
    return op;
}

void operator_free(struct operator_ *op)
{
    if (!op)
        return;
    rpc_free(&op->rpc);
    free(op->g);
    free(op);
}
