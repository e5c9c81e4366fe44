/* phold: each LP, on every event, draws a delay of lookahead + Exp(mean) and sends one new event, to a
 * uniformly chosen LP with probability `remote`, else to itself. Self events are timers; remote events go
 * through the network like any model's message, so the benchmark measures the real message path. */
#include <stdlib.h>

#include "models/phold/phold.h"

#define PHOLD_MSG 1
#define PHOLD_SCENARIO_MAX_LPS 4096

struct lp {
    struct phold *p;
    struct sim_rng *rng;
};

struct phold {
    struct phold_config cfg;
    struct sim *sim;
    struct lp *lps;
    sim_node_id first;
    struct sim_dist delay;
    uint64_t handled, remote;
};

void phold_config_default(struct phold_config *cfg)
{
    cfg->lps = 1024;
    cfg->population = 16;
    cfg->remote = 0.9;
    cfg->lookahead = 100 * SIM_US;
    cfg->mean = 1 * SIM_MS;
}

int phold_config_parse(struct conf *c, const cJSON *obj, const char *path, struct phold_config *cfg)
{
    static const char *const keys[] = {"lps", "population", "remote", "lookahead_ms", "mean_ms", NULL};
    if (conf_keys(c, obj, path, keys) < 0)
        return -1;
    /* At most PHOLD_SCENARIO_MAX_LPS: adding a node looks its name up among all the others (sim_node_add), so
     * building n nodes takes n^2 / 2 name comparisons: 100,000 LPs took a minute just to validate, 1,000,000
     * would take hours. Raise it once sim_node_find hashes names. */
    conf_int(c, obj, path, "lps", cfg->lps, 1, PHOLD_SCENARIO_MAX_LPS, &cfg->lps);
    conf_int(c, obj, path, "population", cfg->population, 1, 10000, &cfg->population);
    conf_double(c, obj, path, "remote", cfg->remote, 0, 1, &cfg->remote);
    conf_time(c, obj, path, "lookahead_ms", cfg->lookahead, 0, 3600 * SIM_S, &cfg->lookahead);
    conf_time(c, obj, path, "mean_ms", cfg->mean, 1 * SIM_US, 3600 * SIM_S, &cfg->mean);
    if (!c->failed && cfg->lps * cfg->population > 10000000)
        return conf_fail(c, path, "lps * population must be at most 10000000, got %lld",
                         (long long)(cfg->lps * cfg->population));
    return c->failed ? -1 : 0;
}

struct sim_dist phold_network_latency(const struct phold_config *cfg)
{
    struct sim_dist d = {.kind = SIM_DIST_EXP, .unit = SIM_UNIT_TIME, .a = (double)cfg->mean,
                         .off = (double)cfg->lookahead};
    return d;
}

double phold_expected(const struct phold_config *cfg, sim_time end)
{
    return (double)cfg->lps * (double)cfg->population * (double)end / (double)(cfg->lookahead + cfg->mean);
}

static void next_event(struct sim_node *n)
{
    struct lp *lp = n->model;
    struct phold *p = lp->p;
    p->handled++;
    if (p->cfg.lps > 1 && sim_rng_uniform(lp->rng) < p->cfg.remote) {
        sim_node_id to = p->first + (sim_node_id)sim_rng_below(lp->rng, (uint64_t)p->cfg.lps);
        if (to != n->id) {
            p->remote++;
            node_send(n, to, PHOLD_MSG, NULL, 0, 0);
            return;
        }
    }
    node_timer(n, sim_dist_time(&p->delay, lp->rng), 0);
}

static void lp_start(struct sim_node *n)
{
    struct lp *lp = n->model;
    for (int64_t i = 0; i < lp->p->cfg.population; i++)
        node_timer(n, sim_dist_time(&lp->p->delay, lp->rng), 0);
}

static void lp_timer(struct sim_node *n, uint64_t tag)
{
    (void)tag;
    next_event(n);
}

static void lp_message(struct sim_node *n, const struct sim_msg *m)
{
    (void)m;
    next_event(n);
}

static const struct sim_node_ops lp_ops = {
    .start = lp_start,
    .on_timer = lp_timer,
    .on_message = lp_message,
};

struct phold *phold_new(struct sim *s, const struct phold_config *cfg)
{
    struct phold *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->cfg = *cfg;
    p->sim = s;
    p->delay = phold_network_latency(cfg);
    p->lps = calloc((size_t)cfg->lps, sizeof *p->lps);
    if (!p->lps)
        goto fail;
    for (int64_t i = 0; i < cfg->lps; i++) {
        char name[32];
        snprintf(name, sizeof name, "lp-%lld", (long long)i);
        p->lps[i].p = p;
        sim_node_id id = sim_node_add(s, name, &lp_ops, &p->lps[i]);
        if (id == SIM_NODE_NONE)
            goto fail;
        if (i == 0)
            p->first = id;
        p->lps[i].rng = node_rng(sim_node(s, id), "phold");
        if (!p->lps[i].rng)
            goto fail;
    }
    return p;
fail:
    phold_free(p);
    return NULL;
}

void phold_free(struct phold *p)
{
    if (!p)
        return;
    free(p->lps);
    free(p);
}

uint64_t phold_handled(const struct phold *p) { return p->handled; }
uint64_t phold_remote(const struct phold *p) { return p->remote; }
