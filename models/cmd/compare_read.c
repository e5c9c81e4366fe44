/* compare_read: the figures mqsim compare takes from each run's metrics.json, the group names across runs, and
 * their summaries per scenario, with the runs that did not recover kept apart. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cmd/compare_int.h"

const char *const compare_run_cols[CR_COUNT] = {
    "topic.availability", "topic.write_unavailable_ms", "topic.read_unavailable_ms", "topic.latency_p99_ms",
    "acked_lost", "duplicates", "sent", "acked", "send_failed", "consumed", "topic.write_outage_open_ms",
    "topic.read_outage_open_ms", "acked_lost_censored",
};

const char *const compare_group_cols[CG_COUNT] = {
    "downtime_ms", "recovered", "censored_ms", "detection_ms", "election_ms", "promotion_ms",
    "availability", "write_unavailable_ms", "read_unavailable_ms", "latency_p99_ms", "write_outage_open_ms",
    "read_outage_open_ms",
};

static const cJSON *item(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

static double num(const cJSON *obj, const char *key)
{
    const cJSON *v = item(obj, key);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : NAN;
}

static void extract_failover(const cJSON *f, double sim_ms, struct cgroup *g)
{
    double crash = num(f, "crash_ms"), down = num(f, "downtime_ms");
    const cJSON *rec = item(f, "recovered");
    int recovered = cJSON_IsBool(rec) ? cJSON_IsTrue(rec) : !isnan(down);
    g->failover = 1;
    g->v[CG_RECOVERED] = recovered;
    /* A run that did not recover is never shown as a measured downtime. */
    g->v[CG_DOWNTIME] = recovered ? down : NAN;
    if (!recovered) {
        double cens = num(f, "censored_ms");
        g->v[CG_CENSORED] = !isnan(cens) ? cens : sim_ms - crash;
    }
    g->v[CG_DETECTION] = num(f, "detected_ms") - crash;
    g->v[CG_ELECTION] = num(f, "elected_ms") - crash;
    g->v[CG_PROMOTION] = num(f, "promoted_ms") - crash;
}

int compare_extract(const cJSON *root, struct crun *r)
{
    const cJSON *topic = item(root, "topic"), *m = item(root, "messages"), *groups = item(root, "groups"), *it;
    double sim_ms = num(root, "sim_ms");
    r->v[CR_AVAIL] = num(topic, "availability");
    r->v[CR_WRITE_UNAVAIL] = num(topic, "write_unavailable_ms");
    r->v[CR_READ_UNAVAIL] = num(topic, "read_unavailable_ms");
    r->v[CR_P99] = num(item(topic, "latency_ms"), "p99");
    r->v[CR_ACKED_LOST] = num(m, "acked_lost");
    r->v[CR_DUPLICATES] = num(m, "duplicates");
    r->v[CR_SENT] = num(m, "sent");
    r->v[CR_ACKED] = num(m, "acked");
    r->v[CR_SEND_FAILED] = num(m, "send_failed");
    r->v[CR_CONSUMED] = num(m, "consumed");
    r->v[CR_WRITE_OPEN] = num(topic, "write_outage_open_ms");
    r->v[CR_READ_OPEN] = num(topic, "read_outage_open_ms");
    const cJSON *lc = item(m, "acked_lost_censored");
    r->v[CR_LOST_CENSORED] = cJSON_IsBool(lc) ? cJSON_IsTrue(lc) : NAN;
    r->has_metrics = 1;
    r->g = NULL;
    r->ng = 0;
    int n = cJSON_IsArray(groups) ? cJSON_GetArraySize(groups) : 0;
    if (n == 0)
        return 0;
    r->g = calloc((size_t)n, sizeof *r->g);
    if (!r->g)
        return -1;
    int i = 0;
    cJSON_ArrayForEach(it, groups) {
        const cJSON *name = item(it, "name");
        char fallback[32];
        snprintf(fallback, sizeof fallback, "groups[%d]", i++);
        const char *nm = cJSON_IsString(name) && name->valuestring[0] ? name->valuestring : fallback;
        if (compare_group(r, nm))
            continue;       /* a name twice: the first one counts */
        struct cgroup *g = &r->g[r->ng];
        for (int k = 0; k < CG_COUNT; k++)
            g->v[k] = NAN;
        if (!(g->name = strdup(nm))) {
            compare_run_free(r);
            r->has_metrics = 0;
            return -1;
        }
        r->ng++;
        const cJSON *f = item(it, "failover");
        if (cJSON_IsObject(f))
            extract_failover(f, sim_ms, g);
        g->v[CG_AVAIL] = num(it, "availability");
        g->v[CG_WRITE_UNAVAIL] = num(it, "write_unavailable_ms");
        g->v[CG_READ_UNAVAIL] = num(it, "read_unavailable_ms");
        g->v[CG_P99] = num(item(it, "latency_ms"), "p99");
        g->v[CG_WRITE_OPEN] = num(it, "write_outage_open_ms");
        g->v[CG_READ_OPEN] = num(it, "read_outage_open_ms");
    }
    return 0;
}

void compare_run_free(struct crun *r)
{
    for (size_t i = 0; i < r->ng; i++)
        free(r->g[i].name);
    free(r->g);
    free(r->note);
    r->g = NULL;
    r->ng = 0;
    r->note = NULL;
}

const struct cgroup *compare_group(const struct crun *r, const char *name)
{
    for (size_t i = 0; i < r->ng; i++)
        if (strcmp(r->g[i].name, name) == 0)
            return &r->g[i];
    return NULL;
}

/* ---- group names ---- */

void compare_names_free(struct cnames *n)
{
    for (size_t i = 0; i < n->n; i++)
        free(n->name[i]);
    free(n->name);
    free(n->failover);
    memset(n, 0, sizeof *n);
}

static long name_index(const struct cnames *n, const char *name)
{
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->name[i], name) == 0)
            return (long)i;
    return -1;
}

int compare_names_build(struct compare *c)
{
    struct cnames *n = &c->groups;
    size_t cap = 0;
    compare_names_free(n);
    /* res is in scenario then seed order whatever order the runs ended in: the same columns every time. */
    for (size_t i = 0; i < c->nsc * c->runs; i++) {
        const struct crun *r = &c->res[i];
        for (size_t k = 0; k < r->ng; k++) {
            long at = name_index(n, r->g[k].name);
            if (at < 0) {
                if (n->n == cap) {
                    size_t nc = cap ? cap * 2 : 8;
                    char **nn = realloc(n->name, nc * sizeof *nn);
                    if (!nn)
                        goto oom;
                    n->name = nn;
                    int *nf = realloc(n->failover, nc * sizeof *nf);
                    if (!nf)
                        goto oom;
                    n->failover = nf;
                    cap = nc;
                }
                if (!(n->name[n->n] = strdup(r->g[k].name)))
                    goto oom;
                n->failover[n->n] = 0;
                at = (long)n->n++;
            }
            n->failover[at] |= r->g[k].failover;
        }
    }
    return 0;
oom:
    compare_names_free(n);
    return -1;
}

/* ---- summaries ---- */

static double value(const struct crun *r, const char *group, int m)
{
    if (!r->has_metrics)
        return NAN;
    if (!group)
        return r->v[m];
    const struct cgroup *g = compare_group(r, group);
    return g ? g->v[m] : NAN;
}

void compare_summary(const struct compare *c, size_t s, const char *group, int m, struct stats_summary *st)
{
    double *x = malloc((c->runs ? c->runs : 1) * sizeof *x);
    if (!x) {
        stats_summarize(NULL, 0, st);
        return;
    }
    for (size_t k = 0; k < c->runs; k++)
        x[k] = value(&c->res[s * c->runs + k], group, m);
    if (stats_summarize(x, c->runs, st) < 0)
        st->n = 0;
    free(x);
}

size_t compare_count_flagged(const struct compare *c, size_t s, const char *group, int m)
{
    size_t n = 0;
    for (size_t k = 0; k < c->runs; k++) {
        double x = value(&c->res[s * c->runs + k], group, m);
        n += !isnan(x) && x != 0;
    }
    return n;
}

void compare_downtime(const struct compare *c, size_t s, const char *group, struct cdown *d)
{
    memset(d, 0, sizeof *d);
    d->censored_min = NAN;
    for (size_t k = 0; k < c->runs; k++) {
        const struct crun *r = &c->res[s * c->runs + k];
        const struct cgroup *g = r->has_metrics ? compare_group(r, group) : NULL;
        if (!g || !g->failover)
            continue;
        d->failovers++;
        if (g->v[CG_RECOVERED] == 1) {
            d->recovered++;
        } else {
            d->censored++;
            if (!isnan(g->v[CG_CENSORED]) && !(g->v[CG_CENSORED] >= d->censored_min))
                d->censored_min = g->v[CG_CENSORED];
        }
    }
    /* Censored runs have no downtime (NaN), so the summary is over the recovered ones. */
    compare_summary(c, s, group, CG_DOWNTIME, &d->st);
}

void compare_count(const struct compare *c, size_t s, struct ccounts *k)
{
    memset(k, 0, sizeof *k);
    for (size_t i = 0; i < c->runs; i++) {
        const struct crun *r = &c->res[s * c->runs + i];
        if (r->has_metrics) {
            int any = 0;
            k->with_metrics++;
            for (size_t g = 0; g < r->ng; g++)
                any |= r->g[g].failover;
            k->no_failover += !any;
        }
        if (r->status == 1)
            k->violations++;
        else if (r->status > 128)
            k->crashed++;
        if (r->status != 0)
            k->failed++;
    }
}
