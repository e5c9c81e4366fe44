/* net_link: what the scenario and its faults set on links: a direction cut (a partition; a path inside one
 * host is never cut) and healed, a link's own latency, loss and bandwidth, the network's defaults. The
 * table of links itself, which every send looks up, is net.c's. */
#include <math.h>
#include <stdlib.h>

#include "sim/net.h"
#include "sim/sim.h"
#include "sim/sim_int.h"

/* One path, unless an end is missing or both ends share a host (a path inside a host is never cut). */
static void link_cut(struct sim *s, sim_node_id from, sim_node_id to, int cut)
{
    if (from == SIM_NODE_NONE || to == SIM_NODE_NONE || sim_node_cohost_of(s, from) == to)
        return;
    struct link *l = net_link_get(&s->net, from, to);
    if (l)
        l->cut = cut ? 1 : 0;
}

void sim_link_cut(struct sim *s, sim_node_id from, sim_node_id to, int cut)
{
    /* one host: its processes' paths are cut together */
    sim_node_id f2 = sim_node_cohost_of(s, from), t2 = sim_node_cohost_of(s, to);
    link_cut(s, from, to, cut);
    link_cut(s, f2, to, cut);
    link_cut(s, from, t2, cut);
    link_cut(s, f2, t2, cut);
}

void sim_heal_all(struct sim *s)
{
    for (size_t i = 0; i < s->net.links_cap; i++)
        if (s->net.links[i].key != LINK_EMPTY)
            s->net.links[i].cut = 0;
}

/* Changes what is given: a latency distribution (copied), a loss, a bandwidth; NULL / NAN keep the old. */
static int cfg_update(struct net_link_cfg *cfg, const struct sim_dist *lat, double loss, double bandwidth)
{
    if (lat) {
        struct sim_dist copy;
        if (sim_dist_copy(&copy, lat) < 0)
            return -1;
        sim_dist_free(&cfg->latency);
        cfg->latency = copy;
    }
    if (!isnan(loss))
        cfg->loss = loss;
    if (!isnan(bandwidth))
        cfg->bandwidth = bandwidth;
    return 0;
}

int sim_link_set(struct sim *s, sim_node_id from, sim_node_id to, const struct sim_dist *lat, double loss,
                 double bandwidth)
{
    struct net *n = &s->net;
    struct link *l = net_link_get(n, from, to);
    if (!l)
        return -1;
    if (l->cfg < 0) {
        /* The link's first settings of its own start as a copy of the default. */
        struct net_link_cfg *a = realloc(n->cfgs, (size_t)(n->ncfgs + 1) * sizeof *a);
        if (!a)
            return -1;
        n->cfgs = a;
        if (sim_dist_copy(&a[n->ncfgs].latency, &n->cfg.def.latency) < 0)
            return -1;
        a[n->ncfgs].loss = n->cfg.def.loss;
        a[n->ncfgs].bandwidth = n->cfg.def.bandwidth;
        l->cfg = n->ncfgs++;
    }
    return cfg_update(&n->cfgs[l->cfg], lat, loss, bandwidth);
}

sim_time sim_net_tcp_timeout(const struct sim *s) { return s->net.cfg.tcp_timeout; }

int sim_net_default(struct sim *s, const struct sim_dist *lat, double loss, double bandwidth)
{
    return cfg_update(&s->net.cfg.def, lat, loss, bandwidth);
}
