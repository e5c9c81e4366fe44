/* explore_draw: the fault schedule each seed of `mqsim explore` draws within the scenario's "explore" bounds
 * (which nodes, which ops, when, how long), the concrete scenario a run is, and the nodes a schedule names. */
#include <math.h>
#include <string.h>

#include "models/cmd/explore_int.h"
#include "sim/fault.h"
#include "sim/rng.h"

static double between(struct sim_rng *r, double lo, double hi) { return lo + (hi - lo) * sim_rng_uniform(r); }

static cJSON *node_json(struct explore *ex, struct sim_rng *r, int allow_symbolic)
{
    if (allow_symbolic && ex->ngroups && (ex->cfg.explore.targets & EXPLORE_BROKERS) &&
        sim_rng_uniform(r) < ex->cfg.explore.symbolic) {
        char name[64];
        snprintf(name, sizeof name, "@master:%s", ex->groups[sim_rng_below(r, (uint64_t)ex->ngroups)]);
        return cJSON_CreateString(name);
    }
    return cJSON_CreateString(ex->targets[sim_rng_below(r, (uint64_t)ex->ntargets)]);
}

/* The nodes a schedule's faults name (a crash's node as written, "@master:GROUP" included; a partition's cut
 * side; a slow link's two ends), each once, space-separated: explore.csv's last column. */
void explore_fault_nodes(const cJSON *sched, struct buf *out)
{
    static const char *const keys[] = {"node", "a", "from", "to"};
    for (const cJSON *f = sched ? sched->child : NULL; f; f = f->next)
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, keys[k]);
            for (const cJSON *e = cJSON_IsArray(v) ? v->child : v; e; e = cJSON_IsArray(v) ? e->next : NULL) {
                if (!cJSON_IsString(e))
                    continue;
                /* Once: look for the name as a whole word of what is written so far. */
                size_t n = strlen(e->valuestring);
                const char *at = out->s;
                while (at && (at = strstr(at, e->valuestring)) != NULL &&
                       !((at == out->s || at[-1] == ' ') && (at[n] == ' ' || at[n] == 0)))
                    at++;
                if (!at)
                    buf_addf(out, "%s%s", out->len ? " " : "", e->valuestring);
            }
        }
}

/* The faults of one seed: a JSON array. *end_ms is when the last of them is over. */
cJSON *explore_draw(struct explore *ex, uint64_t seed, double *end_ms)
{
    struct sim_rng *r = sim_rng_new(seed, "", "explore");
    cJSON *arr = cJSON_CreateArray();
    const struct explore_cfg *e = &ex->cfg.explore;
    double start = sim_time_to_ms(e->start), stop = sim_time_to_ms(ex->duration - e->tail);
    double outage = sim_time_to_ms(e->max_outage);
    int ops[8], nops = 0;
    for (int k = 0; k < 8; k++)
        if (e->ops & (1u << k))
            ops[nops++] = k;
    /* A fifth of the runs are calm; the rest get 1 .. max faults. */
    int n = !r || nops == 0 || stop <= start || e->max_faults == 0 || sim_rng_uniform(r) < 0.2
                ? 0
                : 1 + (int)sim_rng_below(r, (uint64_t)e->max_faults);
    *end_ms = 0;
    for (int i = 0; i < n; i++) {
        cJSON *f = cJSON_CreateObject();
        double at = floor(between(r, start, stop));
        double dur = floor(between(r, 100, outage));
        int op = ops[sim_rng_below(r, (uint64_t)nops)];
        cJSON_AddNumberToObject(f, "at_ms", at);
        switch (op) {
        case FAULT_CRASH_PROCESS:
        case FAULT_CRASH_HOST:
            cJSON_AddStringToObject(f, "op", op == FAULT_CRASH_HOST ? "crash_host" : "crash_process");
            cJSON_AddItemToObject(f, "node", node_json(ex, r, 1));
            dur = floor(between(r, 1000, outage));
            cJSON_AddNumberToObject(f, "duration_ms", dur);
            break;
        case FAULT_PAUSE:
        case FAULT_DISK_STALL:
            cJSON_AddStringToObject(f, "op", op == FAULT_PAUSE ? "pause" : "disk_stall");
            cJSON_AddItemToObject(f, "node", node_json(ex, r, 0));
            dur = floor(between(r, 100, 5000 < outage ? 5000 : outage));
            cJSON_AddNumberToObject(f, "duration_ms", dur);
            break;
        case FAULT_PARTITION: {
            /* One node cut off from everybody, one way or both. */
            int v = (int)sim_rng_below(r, (uint64_t)ex->ntargets);
            cJSON *a = cJSON_AddArrayToObject(f, "a"), *b;
            cJSON_AddStringToObject(f, "op", "partition");
            cJSON_AddItemToArray(a, cJSON_CreateString(ex->targets[v]));
            b = cJSON_AddArrayToObject(f, "b");
            for (int t = 0; t < ex->npartners; t++)
                if (strcmp(ex->partners[t], ex->targets[v]) != 0)
                    cJSON_AddItemToArray(b, cJSON_CreateString(ex->partners[t]));
            cJSON_AddBoolToObject(f, "oneway", sim_rng_uniform(r) < 0.3);
            cJSON_AddNumberToObject(f, "duration_ms", dur);
            if (cJSON_GetArraySize(b) == 0) {
                cJSON_Delete(f);
                continue;
            }
            break;
        }
        case FAULT_LINK: {
            /* A slow, lossy path between two nodes, restored after the outage. */
            int x = (int)sim_rng_below(r, (uint64_t)ex->ntargets), y = (int)sim_rng_below(r, (uint64_t)ex->npartners);
            if (strcmp(ex->targets[x], ex->partners[y]) == 0) {
                cJSON_Delete(f);
                continue;
            }
            cJSON_AddStringToObject(f, "op", "link");
            cJSON_AddStringToObject(f, "from", ex->targets[x]);
            cJSON_AddStringToObject(f, "to", ex->partners[y]);
            cJSON *lat = cJSON_AddObjectToObject(f, "latency");
            cJSON_AddStringToObject(lat, "dist", "lognormal");
            cJSON_AddNumberToObject(lat, "median_ms", floor(between(r, 5, 200)));
            cJSON_AddNumberToObject(lat, "sigma", 0.5);
            cJSON_AddNumberToObject(f, "loss", floor(between(r, 0, 30)) / 100);
            cJSON *back = cJSON_CreateObject();
            cJSON_AddNumberToObject(back, "at_ms", at + dur);
            cJSON_AddStringToObject(back, "op", "link");
            cJSON_AddStringToObject(back, "from", ex->targets[x]);
            cJSON_AddStringToObject(back, "to", ex->partners[y]);
            if (ex->net_latency)
                cJSON_AddItemToObject(back, "latency", cJSON_Duplicate(ex->net_latency, 1));
            else {
                cJSON *d = cJSON_AddObjectToObject(back, "latency");
                cJSON_AddStringToObject(d, "dist", "lognormal");
                cJSON_AddNumberToObject(d, "median_ms", 0.2);
                cJSON_AddNumberToObject(d, "sigma", 0.3);
            }
            cJSON_AddNumberToObject(back, "loss", 0);
            cJSON_AddItemToArray(arr, f);
            cJSON_AddItemToArray(arr, back);
            if (at + dur > *end_ms)
                *end_ms = at + dur;
            continue;
        }
        default:
            cJSON_Delete(f);
            continue;
        }
        cJSON_AddItemToArray(arr, f);
        if (at + dur > *end_ms)
            *end_ms = at + dur;
    }
    sim_rng_free(r);
    return arr;
}

/* The concrete scenario of a run: the base, its own faults plus the drawn ones, the liveness check, and the
 * run's seed as run.seed, so the file alone replays the run. */
cJSON *explore_concrete(struct explore *ex, const cJSON *faults, double end_ms, uint64_t seed)
{
    cJSON *s = cJSON_Duplicate(ex->base, 1);
    cJSON *run = cJSON_GetObjectItemCaseSensitive(s, "run");
    if (!cJSON_IsObject(run)) {
        cJSON_DeleteItemFromObjectCaseSensitive(s, "run");
        run = cJSON_AddObjectToObject(s, "run");
    }
    char seedtext[32];
    snprintf(seedtext, sizeof seedtext, "%llu", (unsigned long long)seed);
    cJSON_DeleteItemFromObjectCaseSensitive(run, "seed");
    cJSON_AddItemToObject(run, "seed", cJSON_CreateRaw(seedtext));
    cJSON *all = cJSON_CreateArray();
    const cJSON *own = cJSON_GetObjectItemCaseSensitive(ex->base, "faults");
    for (const cJSON *f = own ? own->child : NULL; f; f = f->next)
        cJSON_AddItemToArray(all, cJSON_Duplicate(f, 1));
    for (const cJSON *f = faults->child; f; f = f->next)
        cJSON_AddItemToArray(all, cJSON_Duplicate(f, 1));
    cJSON_DeleteItemFromObjectCaseSensitive(s, "faults");
    cJSON_AddItemToObject(s, "faults", all);
    /* The scenario's own faults end somewhere too: the tail starts after both. */
    for (const cJSON *f = own ? own->child : NULL; f; f = f->next) {
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(f, "at_ms"), *d = cJSON_GetObjectItemCaseSensitive(f, "duration_ms");
        double e = (cJSON_IsNumber(at) ? at->valuedouble : 0) + (cJSON_IsNumber(d) ? d->valuedouble : 0);
        if (e > end_ms)
            end_ms = e;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(s, "checks");
    cJSON_DeleteItemFromObjectCaseSensitive(s, "explore");
    cJSON *ck = cJSON_AddObjectToObject(s, "checks");
    cJSON_AddNumberToObject(ck, "liveness_after_ms", end_ms > 0 ? end_ms : 1);
    cJSON_AddNumberToObject(ck, "recovery_bound_ms", sim_time_to_ms(ex->cfg.checks.bound));
    return s;
}

