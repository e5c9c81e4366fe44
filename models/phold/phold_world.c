/* phold_world: PHOLD as a scenario ("phold" section), the engine's demonstration before any RocketMQ
 * model: LPs exchanging events over the simulated network, with the scenario's faults applied to them. */
#include <stdlib.h>

#include "models/phold/phold.h"
#include "sim/lab/scenario.h"

struct phold_world {
    struct phold_config cfg;
    struct phold *p;
    struct tseries *ts;
    uint64_t last_handled;
};

static const char *const phold_keys[] = {"phold", NULL};

static void *pw_load(struct scenario *sc, struct conf *c)
{
    struct phold_world *w = calloc(1, sizeof *w);
    static const char *const cols[] = {"t_ms", "handled", "pending", "msgs_delivered"};
    if (!w) {
        conf_fail(c, "$", "out of memory");
        return NULL;
    }
    phold_config_default(&w->cfg);
    w->cfg.lps = 16;
    w->cfg.population = 4;
    if (phold_config_parse(c, conf_child(sc->root, "phold"), "$.phold", &w->cfg) < 0)
        goto fail;
    w->p = phold_new(sc->sim, &w->cfg);
    w->ts = tseries_new(cols, 4);
    if (!w->p || !w->ts) {
        conf_fail(c, "$.phold", "out of memory");
        goto fail;
    }
    /* Remote events take the network's path; their delay is PHOLD's, unless the scenario's "network"
     * section (read after this) overrides it. */
    struct sim_dist lat = phold_network_latency(&w->cfg);
    sim_net_default(sc->sim, &lat, 0, 0);
    return w;
fail:
    phold_free(w->p);
    tseries_free(w->ts);
    free(w);
    return NULL;
}

static void pw_sample(void *wp, struct scenario *sc)
{
    struct phold_world *w = wp;
    double row[4] = {sim_time_to_ms(sim_now(sc->sim)), (double)(phold_handled(w->p) - w->last_handled),
                     (double)sim_pending(sc->sim), (double)sim_stats(sc->sim)->msgs_delivered};
    w->last_handled = phold_handled(w->p);
    tseries_row(w->ts, row);
}

static struct tseries *pw_series(void *wp) { return ((struct phold_world *)wp)->ts; }

static void pw_metrics(void *wp, struct scenario *sc, cJSON *root)
{
    struct phold_world *w = wp;
    cJSON *p = cJSON_AddObjectToObject(root, "phold");
    cJSON_AddNumberToObject(p, "lps", (double)w->cfg.lps);
    cJSON_AddNumberToObject(p, "handled", (double)phold_handled(w->p));
    cJSON_AddNumberToObject(p, "remote", (double)phold_remote(w->p));
    cJSON_AddNumberToObject(p, "expected_without_faults", phold_expected(&w->cfg, sim_now(sc->sim)));
}

static void pw_summary(void *wp, struct scenario *sc, FILE *out)
{
    struct phold_world *w = wp;
    fprintf(out, "phold: %lld LPs handled %llu events (%llu remote); %.0f expected without faults\n",
            (long long)w->cfg.lps, (unsigned long long)phold_handled(w->p),
            (unsigned long long)phold_remote(w->p), phold_expected(&w->cfg, sim_now(sc->sim)));
}

static void pw_free(void *wp)
{
    struct phold_world *w = wp;
    phold_free(w->p);
    tseries_free(w->ts);
    free(w);
}

const struct world_ops phold_world_ops = {
    .name = "phold", .keys = phold_keys, .load = pw_load, .sample = pw_sample, .series = pw_series,
    .metrics = pw_metrics, .summary = pw_summary, .free = pw_free,
};
