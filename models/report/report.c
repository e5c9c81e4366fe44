/* report: the components' facts into the accounting (acct), the client-view measurements (measure) and the
 * failover timeline of each group. */
#include "models/report/report.h"

#include <stdio.h>

#include "models/world/cluster.h"
#include "sim/trace.h"

static int valid_group(const struct rmq_world *w, int group) { return group >= 0 && group < w->ngroups; }

uint32_t report_send_start(struct rmq_world *w) { return acct_new(&w->acct); }

void report_send_done(struct rmq_world *w, const char *node, uint32_t msg, int group, int status, int attempts,
                      sim_time t0)
{
    sim_time now = sim_now(w->sim);
    if (!valid_group(w, group))
        group = -1;
    int ok = rmq_send_ok(status) && group >= 0;
    int d = acct_result(&w->acct, msg, group, status);
    meas_send_done(&w->meas, msg, group, ok, t0, now);
    if (ok) {
        meas_backlog(&w->meas, group, d, now);
        /* Downtime ends with the first acknowledgement of a send that started after the crash: a reply
         * already on its way at the crash says nothing about the group after it. */
        struct rmq_group *g = &w->g[group];
        if (g->crash >= 0 && g->first_write < 0 && t0 > g->crash)
            g->first_write = now;
    }
    struct trace *tr = sim_trace(w->sim);
    if (trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, now, node, ok ? "send.ack" : "send.fail");
        trace_uint(tr, "msg", msg);
        trace_str(tr, "group", group >= 0 ? w->g[group].name : NULL);
        trace_str(tr, "status", rmq_status_name(status));
        trace_int(tr, "attempts", attempts);
        trace_time_ms(tr, "start_ms", t0);
        trace_time_ms(tr, "latency_ms", now - t0);
        if (ok)   /* false when no replica holds it any more: it never entered the backlog */
            trace_bool(tr, "held", acct_stored_mask(&w->acct, msg) != 0);
        trace_end(tr);
    }
}

void report_stored(struct rmq_world *w, uint32_t msg, int group, int replica, int stored)
{
    int d = acct_stored(&w->acct, msg, group, replica, stored);
    if (d == 0)
        return;
    meas_backlog(&w->meas, group, d, sim_now(w->sim));
    struct trace *tr = sim_trace(w->sim);
    if (d < 0 && trace_on(tr, TRACE_FULL)) {
        /* An acknowledged message no replica holds any more: it left the backlog without being read. */
        trace_begin(tr, sim_now(w->sim), "", "msg.gone");
        trace_uint(tr, "msg", msg);
        trace_str(tr, "group", valid_group(w, group) ? w->g[group].name : NULL);
        trace_end(tr);
    } else if (d > 0 && trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, sim_now(w->sim), "", "msg.back");
        trace_uint(tr, "msg", msg);
        trace_str(tr, "group", valid_group(w, group) ? w->g[group].name : NULL);
        trace_end(tr);
    }
}

void report_consumed(struct rmq_world *w, uint32_t msg, int group)
{
    sim_time now = sim_now(w->sim);
    meas_delivery(&w->meas, group, now);
    int d = acct_consumed(&w->acct, msg);
    if (d)
        meas_backlog(&w->meas, group, d, now);
}

void report_pull(struct rmq_world *w, int group, int broker_id, int ok, int n)
{
    if (!valid_group(w, group) || !ok)
        return;
    struct rmq_group *g = &w->g[group];
    if (broker_id == 0) {
        g->reads_master += (uint64_t)n;
        g->reads_master_iv += (uint64_t)n;
    } else {
        g->reads_slave += (uint64_t)n;
        g->reads_slave_iv += (uint64_t)n;
    }
}

void report_redirect(struct rmq_world *w, int group, int from_id, int to_id)
{
    if (!valid_group(w, group))
        return;
    if (from_id == 0 && to_id != 0)
        w->g[group].redirects_to_slave++;
    else if (from_id != 0 && to_id == 0)
        w->g[group].redirects_to_master++;
}

void report_master_crash(struct rmq_world *w, int group, int host, int64_t term)
{
    if (!valid_group(w, group) || w->g[group].crash >= 0)
        return;
    struct rmq_group *g = &w->g[group];
    g->crash = sim_now(w->sim);
    g->crash_host = host;
    g->crash_term = term;
}

static struct rmq_group *after_crash(struct rmq_world *w, int group)
{
    if (!valid_group(w, group))
        return NULL;
    struct rmq_group *g = &w->g[group];
    return g->crash >= 0 && sim_now(w->sim) >= g->crash ? g : NULL;
}

void report_detected(struct rmq_world *w, int group)
{
    struct rmq_group *g = after_crash(w, group);
    if (g && g->detected < 0 && sim_now(w->sim) > g->crash)
        g->detected = sim_now(w->sim);
}

void report_elected(struct rmq_world *w, int group, int64_t term)
{
    struct rmq_group *g = after_crash(w, group);
    if (g && g->elected < 0 && (term < 0 || term > g->crash_term))
        g->elected = sim_now(w->sim);
}

void report_promoted(struct rmq_world *w, int group, sim_node_id node)
{
    struct rmq_group *g = after_crash(w, group);
    if (g && g->promoted < 0) {
        g->promoted = sim_now(w->sim);
        g->new_master = node;
    }
}

void report_violation(struct rmq_world *w, const char *invariant, int group, sim_node_id node, int64_t term,
                      int64_t index)
{
    w->invariant_violations++;
    struct trace *tr = sim_trace(w->sim);
    if (trace_on(tr, TRACE_EVENTS)) {
        trace_begin(tr, sim_now(w->sim), node == SIM_NODE_NONE ? "" : sim_node(w->sim, node)->name, "invariant.violation");
        trace_str(tr, "invariant", invariant);
        trace_str(tr, "group", valid_group(w, group) ? w->g[group].name : NULL);
        trace_int(tr, "term", term);
        trace_int(tr, "index", index);
        trace_end(tr);
    }
    if (w->nviolations >= (int)(sizeof w->violations / sizeof w->violations[0]))
        return;
    struct violation *v = &w->violations[w->nviolations++];
    snprintf(v->invariant, sizeof v->invariant, "%s", invariant);
    v->group = group;
    v->node = node;
    v->term = term;
    v->index = index;
    v->t = sim_now(w->sim);
}
