/* report: the components' facts into the accounting (acct), the client-view measurements (measure) and the
 * failover timeline of each group. */
#include "models/report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/trace.h"

/* An outage as measure counted it: outage.write / outage.read with its span, for timelines and readers of
 * an events trace (a full trace has the sends and deliveries it was computed from). */
static void trace_outage(void *ctx, int scope, int write, sim_time from, sim_time to, int open)
{
    struct report *r = ctx;
    struct trace *tr = sim_trace(r->sim);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, sim_now(r->sim), "", write ? "outage.write" : "outage.read");
    trace_str(tr, "group", scope >= 0 ? r->g[scope].name : NULL);
    trace_time_ms(tr, "from_ms", from);
    trace_time_ms(tr, "to_ms", to);
    trace_bool(tr, "open", open);
    trace_end(tr);
}

int report_init(struct report *r, struct sim *s, int ngroups, const char *const *names, sim_time warmup,
                sim_time read_gap)
{
    memset(r, 0, sizeof *r);
    r->sim = s;
    r->ngroups = ngroups;
    r->g = calloc((size_t)(ngroups > 0 ? ngroups : 1), sizeof *r->g);
    if (acct_init(&r->acct) < 0 || !r->g || meas_init(&r->meas, ngroups, warmup, read_gap) < 0)
        return -1;
    r->meas.on_outage = trace_outage;
    r->meas.ctx = r;
    for (int i = 0; i < ngroups; i++) {
        struct report_group *g = &r->g[i];
        snprintf(g->name, sizeof g->name, "%s", names[i]);
        g->crash = g->detected = g->elected = g->promoted = g->first_write = -1;
        g->new_master = SIM_NODE_NONE;
        for (int q = 0; q < RMQ_MAX_QUEUES; q++)
            g->stall_from[q] = g->ostall_from[q] = -1;
    }
    return 0;
}

void report_free(struct report *r)
{
    acct_free(&r->acct);
    meas_free(&r->meas);
    free(r->g);
    memset(r, 0, sizeof *r);
}

static int valid_group(const struct report *r, int group) { return group >= 0 && group < r->ngroups; }

uint32_t report_send_start(struct report *r) { return acct_new(&r->acct); }

/* An ordered send of (group, queue) ended: a failure starts the queue's stall, an acknowledgement ends it. */
static void ordered_done(struct report_group *g, int queue, int ok, sim_time now)
{
    sim_time *from = &g->stall_from[queue];
    if (!ok) {
        if (*from < 0)
            *from = now;
        return;
    }
    if (*from < 0)
        return;
    sim_time d = now - *from;
    g->stalls++;
    g->stall_total += d;
    if (d > g->stall_max)
        g->stall_max = d;
    *from = -1;
}

void report_orderly_blocked(struct report *r, int group, int queue)
{
    if (valid_group(r, group) && queue >= 0 && queue < RMQ_MAX_QUEUES && r->g[group].ostall_from[queue] < 0)
        r->g[group].ostall_from[queue] = sim_now(r->sim);
}

void report_orderly_consumed(struct report *r, int group, int queue)
{
    if (!valid_group(r, group) || queue < 0 || queue >= RMQ_MAX_QUEUES)
        return;
    struct report_group *g = &r->g[group];
    if (g->ostall_from[queue] < 0)
        return;
    sim_time d = sim_now(r->sim) - g->ostall_from[queue];
    g->ostalls++;
    g->ostall_total += d;
    if (d > g->ostall_max)
        g->ostall_max = d;
    g->ostall_from[queue] = -1;
}

void report_send_done(struct report *r, const char *node, uint32_t msg, int group, int queue, int status,
                      int attempts, sim_time t0)
{
    sim_time now = sim_now(r->sim);
    if (!valid_group(r, group))
        group = -1;
    int ok = rmq_send_ok(status) && group >= 0;
    int d = acct_result(&r->acct, msg, group, status);
    meas_send_done(&r->meas, msg, group, ok, t0, now);
    if (group >= 0 && queue >= 0 && queue < RMQ_MAX_QUEUES)
        ordered_done(&r->g[group], queue, ok, now);
    if (ok) {
        meas_backlog(&r->meas, group, d, now);
        /* Downtime ends with the first acknowledgement of a send that started after the crash: a reply
         * already on its way at the crash says nothing about the group after it. */
        struct report_group *g = &r->g[group];
        if (g->crash >= 0 && g->first_write < 0 && t0 > g->crash)
            g->first_write = now;
    }
    struct trace *tr = sim_trace(r->sim);
    if (trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, now, node, ok ? "send.ack" : "send.fail");
        trace_uint(tr, "msg", msg);
        trace_str(tr, "group", group >= 0 ? r->g[group].name : NULL);
        if (queue >= 0)
            trace_int(tr, "queue", queue);
        trace_str(tr, "status", rmq_status_name(status));
        trace_int(tr, "attempts", attempts);
        trace_time_ms(tr, "start_ms", t0);
        trace_time_ms(tr, "latency_ms", now - t0);
        if (ok)   /* false when no replica holds it any more: it never entered the backlog */
            trace_bool(tr, "held", acct_stored_mask(&r->acct, msg) != 0);
        trace_end(tr);
    }
}

/* The replicas of msg's group holding it (a bit each) and that group, or -1 when msg is outside the window. */
static int64_t held(const struct report *r, uint32_t msg, int *group)
{
    if (msg < r->acct.lo || msg >= r->acct.n)
        return -1;
    uint32_t f = *acct_fate(&r->acct, msg);
    *group = ACCT_GROUP(f);
    return ACCT_STORED(f);
}

/* msg.held: the replicas of the message's group that hold it now (`mask`: bit i for its i-th replica), each
 * time that set changes, so that the trace alone says who held every message at the end (acked_lost). */
static void trace_held(struct report *r, uint32_t msg, int64_t before, int gb)
{
    int group = -1;
    int64_t after = held(r, msg, &group);
    if (after < 0 || (after == before && group == gb))
        return;
    struct trace *tr = sim_trace(r->sim);
    trace_begin(tr, sim_now(r->sim), "", "msg.held");
    trace_uint(tr, "msg", msg);
    trace_str(tr, "group", valid_group(r, group) ? r->g[group].name : NULL);
    trace_uint(tr, "mask", (uint64_t)after);
    trace_end(tr);
}

void report_attempt_traced(struct report *r, uint32_t msg, int group)
{
    int gb = -1;
    int64_t before = held(r, msg, &gb);
    acct_attempt(&r->acct, msg, group);
    if (before > 0)   /* a new group starts with none of its replicas holding it */
        trace_held(r, msg, before, gb);
}

void report_stored_traced(struct report *r, uint32_t msg, int group, int replica, int stored)
{
    int gb = -1;
    int64_t before = held(r, msg, &gb);
    report_stored_untraced(r, msg, group, replica, stored);
    trace_held(r, msg, before, gb);
}

void report_stored_backlog(struct report *r, uint32_t msg, int group, int d)
{
    meas_backlog(&r->meas, group, d, sim_now(r->sim));
    struct trace *tr = sim_trace(r->sim);
    if (trace_on(tr, TRACE_FULL)) {
        /* An acknowledged, unconsumed message left every replica (it leaves the backlog unread), or came back. */
        trace_begin(tr, sim_now(r->sim), "", d < 0 ? "msg.gone" : "msg.back");
        trace_uint(tr, "msg", msg);
        trace_str(tr, "group", valid_group(r, group) ? r->g[group].name : NULL);
        trace_end(tr);
    }
}

void report_consumed(struct report *r, uint32_t msg, int group)
{
    sim_time now = sim_now(r->sim);
    meas_delivery(&r->meas, group, now);
    int d = acct_consumed(&r->acct, msg);
    if (d)
        meas_backlog(&r->meas, group, d, now);
}

void report_pull(struct report *r, int group, int broker_id, int ok, int n)
{
    if (!valid_group(r, group) || !ok)
        return;
    struct report_group *g = &r->g[group];
    if (broker_id == 0) {
        g->reads_master += (uint64_t)n;
        g->reads_master_iv += (uint64_t)n;
    } else {
        g->reads_slave += (uint64_t)n;
        g->reads_slave_iv += (uint64_t)n;
    }
}

void report_redirect(struct report *r, int group, int from_id, int to_id)
{
    if (!valid_group(r, group))
        return;
    if (from_id == 0 && to_id != 0)
        r->g[group].redirects_to_slave++;
    else if (from_id != 0 && to_id == 0)
        r->g[group].redirects_to_master++;
}

void report_master_crash(struct report *r, int group, int host, int64_t term)
{
    if (!valid_group(r, group) || r->g[group].crash >= 0)
        return;
    struct report_group *g = &r->g[group];
    g->crash = sim_now(r->sim);
    g->crash_host = host;
    g->crash_term = term;
}

/* The group whose first failover is under way: its master has crashed and no send started since has been
 * acknowledged. Once one has (first_write), the failover is over: a later crash's detection, election or
 * promotion (a master back under its own epoch, then a second crash) is not this one's. */
static struct report_group *after_crash(struct report *r, int group)
{
    if (!valid_group(r, group))
        return NULL;
    struct report_group *g = &r->g[group];
    return g->crash >= 0 && sim_now(r->sim) >= g->crash && g->first_write < 0 ? g : NULL;
}

void report_detected(struct report *r, int group)
{
    struct report_group *g = after_crash(r, group);
    if (g && g->detected < 0 && sim_now(r->sim) > g->crash)
        g->detected = sim_now(r->sim);
}

void report_elected(struct report *r, int group, int64_t term)
{
    struct report_group *g = after_crash(r, group);
    if (g && g->elected < 0 && (term < 0 || term > g->crash_term))
        g->elected = sim_now(r->sim);
}

/* The last promotion before the first write, not the first after the crash: a master that took no write
 * before it was gone again (back under its own epoch, then a second crash) was not the failover's end. */
void report_promoted(struct report *r, int group, sim_node_id node)
{
    struct report_group *g = after_crash(r, group);
    if (g) {
        g->promoted = sim_now(r->sim);
        g->new_master = node;
    }
}

void report_diverged(struct report *r, int group, uint64_t n)
{
    if (valid_group(r, group))
        r->g[group].diverged_msgs += n;
}

void report_violation(struct report *r, const char *invariant, int group, sim_node_id node, int64_t term,
                      int64_t index)
{
    r->invariant_violations++;
    struct trace *tr = sim_trace(r->sim);
    if (trace_on(tr, TRACE_EVENTS)) {
        trace_begin(tr, sim_now(r->sim), node == SIM_NODE_NONE ? "" : sim_node(r->sim, node)->name, "invariant.violation");
        trace_str(tr, "invariant", invariant);
        trace_str(tr, "group", valid_group(r, group) ? r->g[group].name : NULL);
        trace_int(tr, "term", term);
        trace_int(tr, "index", index);
        trace_end(tr);
    }
    if (r->nviolations >= (int)(sizeof r->violations / sizeof r->violations[0]))
        return;
    struct report_violation *v = &r->violations[r->nviolations++];
    snprintf(v->invariant, sizeof v->invariant, "%s", invariant);
    v->group = group;
    v->node = node;
    v->term = term;
    v->index = index;
    v->t = sim_now(r->sim);
}
