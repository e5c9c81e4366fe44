/* node_life: the faults that concern a node itself (a crash of its process or host, a restart, a pause)
 * and the co-hosting of two nodes, which shares them. What a crash does to the node's connections and disk
 * is net.c's and disk.c's (net_on_crash, disk_on_crash); the loop drops the events of an earlier life by
 * the incarnation (sim.c, dispatch). */
#include "sim/sim.h"
#include "sim/sim_int.h"

void sim_crash(struct sim *s, sim_node_id id, enum sim_crash_kind kind)
{
    struct node_int *n = node_int(s, id);
    if (n->pub.state == SIM_NODE_HOST_DOWN || (n->pub.state == SIM_NODE_PROCESS_DOWN && kind == SIM_CRASH_PROCESS))
        return;
    int was_up = n->pub.state == SIM_NODE_UP;
    n->pub.state = kind == SIM_CRASH_HOST ? SIM_NODE_HOST_DOWN : SIM_NODE_PROCESS_DOWN;
    n->pub.paused_until = 0;
    s->hot[id].flags = 0;
    if (was_up) {
        /* Every event already queued for the old incarnation is dropped when it comes up. */
        n->pub.inc++;
        s->hot[id].inc = n->pub.inc;
        net_on_crash(s, id, kind);
    }
    if (kind == SIM_CRASH_HOST)
        net_on_host_down(s, id);   /* also what a process closed or dead before still had to send */
    disk_on_crash(s, n, kind);
    s->stats.faults++;
    if (trace_on(s->trace, TRACE_EVENTS)) {
        trace_begin(s->trace, s->now, n->pub.name, kind == SIM_CRASH_HOST ? "crash.host" : "crash.process");
        trace_end(s->trace);
    }
    if (n->pub.ops->on_crash)
        n->pub.ops->on_crash(&n->pub, kind);
    if (n->cohost != SIM_NODE_NONE)
        sim_crash(s, n->cohost, kind);   /* back here it finds this node down and stops */
}

int sim_node_cohost(struct sim *s, sim_node_id a, sim_node_id b)
{
    if (a >= s->nnodes || b >= s->nnodes || a == b || s->nodes[a]->cohost != SIM_NODE_NONE ||
        s->nodes[b]->cohost != SIM_NODE_NONE)
        return -1;
    s->nodes[a]->cohost = b;
    s->nodes[b]->cohost = a;
    return 0;
}

sim_node_id sim_node_cohost_of(const struct sim *s, sim_node_id id)
{
    return id < s->nnodes ? s->nodes[id]->cohost : SIM_NODE_NONE;
}

void sim_restart(struct sim *s, sim_node_id id)
{
    struct node_int *n = node_int(s, id);
    if (n->pub.state == SIM_NODE_UP)
        return;
    n->pub.state = SIM_NODE_UP;
    n->pub.paused_until = 0;
    s->hot[id].flags = HOT_UP;
    s->stats.faults++;
    if (trace_on(s->trace, TRACE_EVENTS)) {
        trace_begin(s->trace, s->now, n->pub.name, "restart");
        trace_end(s->trace);
    }
    sim_schedule(s, s->now, EV_START, id);
    if (n->cohost != SIM_NODE_NONE)
        sim_restart(s, n->cohost);
}

void sim_pause(struct sim *s, sim_node_id id, sim_time d)
{
    struct node_int *n = node_int(s, id);
    if (n->pub.state != SIM_NODE_UP || d <= 0)
        return;
    sim_time until = s->now + d;
    if (until > n->pub.paused_until)
        n->pub.paused_until = until;
    s->hot[id].flags |= HOT_PAUSED;
    s->stats.faults++;
    if (trace_on(s->trace, TRACE_EVENTS)) {
        trace_begin(s->trace, s->now, n->pub.name, "pause");
        trace_time_ms(s->trace, "until_ms", n->pub.paused_until);
        trace_end(s->trace);
    }
    if (n->pub.ops->on_pause)
        n->pub.ops->on_pause(&n->pub, n->pub.paused_until);
    if (n->cohost != SIM_NODE_NONE && s->nodes[n->cohost]->pub.paused_until < n->pub.paused_until)
        sim_pause(s, n->cohost, n->pub.paused_until - s->now);
}
