/* ha_diverge: the accounting of a diverged log. R44's HAClient appends whatever the master sends from the
 * slave's own offset (HAService.HAClient.dispatchReadRequest checks the offset, never the bytes), so when an
 * old master comes back as a slave with messages its successor never had, replication resumes on top of
 * them: both replicas now hold different messages at the same offsets, and neither RocketMQ process can
 * tell. This file is measurement, not protocol: it reads the master's log as well as the slave's, which
 * no broker can do, to count what differs at the moment replication resumes. */
#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/report/report.h"

static const struct broker *master_of(const struct broker *b)
{
    const struct rmq_group *g = &b->base.w->g[b->group];
    for (int r = 0; r < g->n; r++)
        if (g->node[r] == b->master)
            return g->broker[r];
    return NULL;
}

static void trace_msg(struct trace *tr, sim_time now, const char *node, const char *group, const char *side,
                      const struct cl_entry *e)
{
    trace_begin(tr, now, node, "ha.diverged_msg");
    trace_str(tr, "group", group);
    trace_str(tr, "side", side);
    trace_uint(tr, "msg", e->msg);
    trace_uint(tr, "offset", e->offset);
    trace_uint(tr, "size", e->size);
    trace_end(tr);
}

void ha_diverge_check(struct broker *b, const struct rmq_ha_data *d)
{
    const struct broker *m = master_of(b);
    const struct commitlog *sl = &b->cl;
    uint64_t x = d->phy_offset, verified = b->ha_verified;
    b->ha_verified = x;
    if (!m)
        return;
    const struct commitlog *ml = &m->cl;
    /* The slave's messages behind x that the master does not hold at the same offset, newest first; the
     * logs agree before the first of them (offset `from`). */
    uint64_t i = cl_end(sl), from = x, nslave = 0;
    while (i > sl->first) {
        const struct cl_entry *e = cl_at(sl, i - 1);
        if (e->offset + e->size <= verified || e->offset < ml->min_offset || cl_same_at(ml, e))
            break;
        from = e->offset;
        nslave++;
        i--;
    }
    if (nslave == 0)
        return;   /* the slave's log is a prefix of the master's */
    /* The master's messages that start in [from, x), the one x may fall inside included: the slave will
     * never hold them whole. */
    uint64_t j0 = cl_find(ml, from), j1 = cl_find(ml, x);
    uint64_t nmaster = j1 - j0;
    struct rmq_world *w = b->base.w;
    const char *group = w->g[b->group].name;
    report_diverged(&w->rep, b->group, nslave);
    struct trace *tr = sim_trace(b->n->sim);
    sim_time now = node_now(b->n);
    if (trace_on(tr, TRACE_EVENTS)) {
        const struct cl_entry *last = cl_at(sl, cl_end(sl) - 1);
        trace_begin(tr, now, b->n->name, "ha.diverged");
        trace_str(tr, "group", group);
        trace_str(tr, "peer", m->n->name);
        trace_uint(tr, "offset", x);
        trace_uint(tr, "from_offset", from);
        trace_bool(tr, "mid_message", d->e[0].skip > 0 || (d->e[0].flags & CL_FRAGMENT));
        trace_uint(tr, "master_msg", d->e[0].msg);   /* the message the master's bytes at x belong to */
        trace_uint(tr, "slave_msg", last->msg);      /* the slave's message that ends at x */
        trace_uint(tr, "slave_msgs", nslave);
        trace_uint(tr, "master_msgs", nmaster);
        trace_end(tr);
    }
    if (!trace_on(tr, TRACE_FULL))
        return;
    for (uint64_t k = i; k < cl_end(sl); k++)
        trace_msg(tr, now, b->n->name, group, "slave", cl_at(sl, k));
    for (uint64_t k = j0; k < j1; k++)
        trace_msg(tr, now, m->n->name, group, "master", cl_at(ml, k));
}
