/* fault: parsing the fault schedule and applying faults at their time through engine hooks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fault.h"

static const char *const op_names[] = {"crash_process", "crash_host", "restart", "pause", "partition", "heal",
                                       "link", "disk_stall", NULL};

/* Hook arguments: a fault index, or (index | UNDO) for the automatic restart or heal after a duration. */
#define UNDO (1ULL << 32)

static void cut_sets(struct sim *s, const struct fault *f, int cut)
{
    for (int i = 0; i < f->na; i++)
        for (int j = 0; j < f->nb; j++) {
            sim_link_cut(s, f->a[i], f->b[j], cut);
            if (!f->oneway)
                sim_link_cut(s, f->b[j], f->a[i], cut);
        }
}

static void trace_fault(struct sim *s, const struct fault *f, const char *what)
{
    struct trace *tr = sim_trace(s);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, sim_now(s), "", what);
    trace_int(tr, "a", f->na);
    trace_int(tr, "b", f->nb);
    trace_bool(tr, "oneway", f->oneway);
    trace_end(tr);
}

void fault_apply(struct sim *s, const struct fault *f)
{
    if (f->symbol) {
        /* Resolved now; the resolution is kept so an automatic restart finds the same node. */
        sim_node_id id = sim_resolve(s, f->symbol);
        if (id == SIM_NODE_NONE || id == SIM_NODE_BAD) {
            if (trace_on(sim_trace(s), TRACE_EVENTS)) {
                trace_begin(sim_trace(s), sim_now(s), "", "fault.unresolved");
                trace_str(sim_trace(s), "node", f->symbol);
                trace_end(sim_trace(s));
            }
            return;
        }
        ((struct fault *)f)->node = id;
    }
    switch (f->op) {
    case FAULT_MODEL:
        f->ext->apply(f->ext_ctx, s, f->ext_arg);
        break;
    case FAULT_CRASH_PROCESS:
    case FAULT_CRASH_HOST:
        sim_crash(s, f->node, f->op == FAULT_CRASH_HOST ? SIM_CRASH_HOST : SIM_CRASH_PROCESS);
        break;
    case FAULT_RESTART:
        sim_restart(s, f->node);
        break;
    case FAULT_PAUSE:
        sim_pause(s, f->node, f->duration);
        break;
    case FAULT_DISK_STALL:
        sim_disk_stall(s, f->node, f->duration);
        break;
    case FAULT_PARTITION:
        cut_sets(s, f, 1);
        trace_fault(s, f, "partition");
        break;
    case FAULT_HEAL:
        if (f->na == 0)
            sim_heal_all(s);
        else
            cut_sets(s, f, 0);
        trace_fault(s, f, "heal");
        break;
    case FAULT_LINK:
        sim_link_set(s, f->from, f->to, f->has_latency ? &f->latency : NULL, f->loss, f->bandwidth);
        if (f->both_ways)
            sim_link_set(s, f->to, f->from, f->has_latency ? &f->latency : NULL, f->loss, f->bandwidth);
        if (trace_on(sim_trace(s), TRACE_EVENTS)) {
            trace_begin(sim_trace(s), sim_now(s), sim_node(s, f->from)->name, "link.change");
            trace_str(sim_trace(s), "to", sim_node(s, f->to)->name);
            trace_end(sim_trace(s));
        }
        break;
    }
}

static void on_fault(struct sim *s, void *ctx, uint64_t arg)
{
    struct fault_plan *plan = ctx;
    const struct fault *f = &plan->f[arg & 0xffffffffu];
    if (!(arg & UNDO)) {
        fault_apply(s, f);
        return;
    }
    if (f->op == FAULT_PARTITION) {
        cut_sets(s, f, 0);
        trace_fault(s, f, "heal");
    } else if (f->node != SIM_NODE_NONE) {
        sim_restart(s, f->node);
    }
}

static sim_node_id node_by_name(const struct sim *s, struct conf *c, const cJSON *v, const char *path)
{
    char d[96];
    if (!cJSON_IsString(v)) {
        conf_fail(c, path, "expected a node name, got %s", conf_describe(v, d, sizeof d));
        return SIM_NODE_NONE;
    }
    sim_node_id id = sim_node_find(s, v->valuestring);
    if (id == SIM_NODE_NONE)
        conf_fail(c, path, "no node named \"%s\"", v->valuestring);
    return id;
}

static sim_node_id node_key(const struct sim *s, struct conf *c, const cJSON *obj, const char *path,
                            const char *key, char **symbol)
{
    char p[512];
    const cJSON *v = conf_child(obj, key);
    if (!v) {
        conf_fail(c, path, "missing \"%s\"", key);
        return SIM_NODE_NONE;
    }
    if (symbol && cJSON_IsString(v) && v->valuestring[0] == '@') {
        *symbol = strdup(v->valuestring);
        if (!*symbol)
            conf_fail(c, path, "out of memory");
        return SIM_NODE_NONE;
    }
    return node_by_name(s, c, v, conf_path_key(p, sizeof p, path, key));
}

static int node_list(const struct sim *s, struct conf *c, const cJSON *obj, const char *path,
                     const char *key, sim_node_id **out, int *n)
{
    char p[512], q[512], d[96];
    const cJSON *v = conf_child(obj, key);
    conf_path_key(p, sizeof p, path, key);
    if (!v)
        return conf_fail(c, path, "missing \"%s\"", key);
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
        return conf_fail(c, p, "expected a non-empty array of node names, got %s", conf_describe(v, d, sizeof d));
    *n = cJSON_GetArraySize(v);
    *out = calloc((size_t)*n, sizeof **out);
    if (!*out)
        return conf_fail(c, p, "out of memory");
    int i = 0;
    for (const cJSON *x = v->child; x; x = x->next, i++)
        if (((*out)[i] = node_by_name(s, c, x, conf_path_index(q, sizeof q, p, i))) == SIM_NODE_NONE)
            return -1;
    return 0;
}

#define FAULT_TIME_MAX (365LL * 86400 * SIM_S)

/* A fault's time: a number of ms, or a distribution ({"dist": "uniform", "min_ms": 60000, "max_ms": 62000})
 * drawn once, when the scenario is loaded, from the faults' own random stream ("fault-times"), so one
 * scenario over many seeds randomises the fault's phase while the other streams stay as they are. */
static int fault_time(struct sim *s, struct conf *c, const cJSON *v, const char *p, const char *key, sim_time min,
                      sim_time *out)
{
    const cJSON *x = conf_child(v, key);
    if (!cJSON_IsObject(x))
        return conf_time(c, v, p, key, 0, min, FAULT_TIME_MAX, out);
    char q[512];
    struct sim_dist d;
    if (sim_dist_parse(c, x, conf_path_key(q, sizeof q, p, key), SIM_UNIT_TIME, (double)FAULT_TIME_MAX, &d) < 0)
        return -1;
    struct sim_rng *r = sim_rng(s, "fault-times");
    if (!r) {
        sim_dist_free(&d);
        return conf_fail(c, p, "out of memory");
    }
    *out = sim_dist_time(&d, r);
    sim_dist_free(&d);
    if (*out < min)
        *out = min;
    return 0;
}

/* Every fault's "at_ms" (required), and whether it was drawn from a distribution. */
static int fault_at(struct sim *s, struct conf *c, const cJSON *v, const char *p, struct fault *f)
{
    const cJSON *x = conf_child(v, "at_ms");
    if (!x)
        return conf_fail(c, p, "missing \"at_ms\"");
    f->at_drawn = cJSON_IsObject(x);
    return fault_time(s, c, v, p, "at_ms", 0, &f->at);
}

/* A world's op: "at_ms", "op" and its own keys. */
static int parse_ext(struct sim *s, struct conf *c, const cJSON *v, const char *p, const struct fault_plan *plan,
                     int k, struct fault *f)
{
    const char *keys[12] = {"at_ms", "op"};
    int nk = 2;
    for (const char *const *x = plan->ext[k].keys; x && *x && nk < 11; x++)
        keys[nk++] = *x;
    keys[nk] = NULL;
    f->op = FAULT_MODEL;
    f->ext = &plan->ext[k];
    f->ext_ctx = plan->ext_ctx;
    if (conf_keys(c, v, p, keys) < 0 || fault_at(s, c, v, p, f) < 0)
        return -1;
    return f->ext->parse(f->ext_ctx, c, v, p, &f->ext_arg) < 0 || c->failed ? -1 : 0;
}

static int parse_one(struct sim *s, struct conf *c, const cJSON *v, const char *p, const struct fault_plan *plan,
                     struct fault *f)
{
    static const char *const keys[][9] = {
        [FAULT_CRASH_PROCESS] = {"at_ms", "op", "node", "duration_ms", NULL},
        [FAULT_CRASH_HOST] = {"at_ms", "op", "node", "duration_ms", NULL},
        [FAULT_RESTART] = {"at_ms", "op", "node", NULL},
        [FAULT_PAUSE] = {"at_ms", "op", "node", "duration_ms", NULL},
        [FAULT_PARTITION] = {"at_ms", "op", "a", "b", "oneway", "duration_ms", NULL},
        [FAULT_HEAL] = {"at_ms", "op", "a", "b", "oneway", NULL},
        [FAULT_LINK] = {"at_ms", "op", "from", "to", "both_ways", "latency", "loss", "bandwidth_mbit_per_s", NULL},
        [FAULT_DISK_STALL] = {"at_ms", "op", "node", "duration_ms", NULL},
    };
    char d[96];
    int op;
    if (!cJSON_IsObject(v))
        return conf_fail(c, p, "expected a fault object, got %s", conf_describe(v, d, sizeof d));
    if (!conf_child(v, "op"))
        return conf_fail(c, p, "missing \"op\"");
    /* The engine's ops, then the world's: one list in the message when the name is neither. */
    const char *names[FAULT_MODEL + FAULT_EXT_MAX + 1];
    int nn = 0;
    for (; op_names[nn]; nn++)
        names[nn] = op_names[nn];
    for (int k = 0; k < plan->next && k < FAULT_EXT_MAX; k++)
        names[nn++] = plan->ext[k].name;
    names[nn] = NULL;
    if (conf_enum(c, v, p, "op", names, 0, &op) < 0)
        return -1;
    if (op >= FAULT_MODEL)
        return parse_ext(s, c, v, p, plan, op - FAULT_MODEL, f);
    f->op = (enum fault_op)op;
    f->loss = f->bandwidth = NAN;
    if (conf_keys(c, v, p, keys[op]) < 0 || fault_at(s, c, v, p, f) < 0)
        return -1;
    switch (f->op) {
    case FAULT_CRASH_PROCESS:
    case FAULT_CRASH_HOST:
    case FAULT_RESTART:
        f->node = node_key(s, c, v, p, "node", &f->symbol);
        fault_time(s, c, v, p, "duration_ms", 0, &f->duration);
        break;
    case FAULT_PAUSE:
    case FAULT_DISK_STALL:
        f->node = node_key(s, c, v, p, "node", &f->symbol);
        if (!conf_child(v, "duration_ms"))
            return conf_fail(c, p, "missing \"duration_ms\"");
        fault_time(s, c, v, p, "duration_ms", 1, &f->duration);
        break;
    case FAULT_PARTITION:
    case FAULT_HEAL:
        if (f->op == FAULT_HEAL && !conf_child(v, "a") && !conf_child(v, "b"))
            break;
        if (node_list(s, c, v, p, "a", &f->a, &f->na) < 0 || node_list(s, c, v, p, "b", &f->b, &f->nb) < 0)
            return -1;
        conf_bool(c, v, p, "oneway", 0, &f->oneway);
        fault_time(s, c, v, p, "duration_ms", 0, &f->duration);
        break;
    case FAULT_LINK: {
        char q[512];
        f->from = node_key(s, c, v, p, "from", NULL);
        f->to = node_key(s, c, v, p, "to", NULL);
        conf_bool(c, v, p, "both_ways", 1, &f->both_ways);
        const cJSON *lat = conf_child(v, "latency");
        if (lat && !c->failed) {
            if (sim_dist_parse(c, lat, conf_path_key(q, sizeof q, p, "latency"), SIM_UNIT_TIME, 86400e9,
                               &f->latency) < 0)
                return -1;
            f->has_latency = 1;
        }
        if (conf_child(v, "loss"))
            conf_double(c, v, p, "loss", 0, 0, 1, &f->loss);
        if (conf_child(v, "bandwidth_mbit_per_s")) {
            double mbit;
            if (conf_throughput(c, v, p, "bandwidth_mbit_per_s", 0, 1e7, &mbit) == 0)
                f->bandwidth = mbit * 1e6 / 8;
        }
        break;
    }
    case FAULT_MODEL:   /* parse_ext */
        break;
    }
    return c->failed ? -1 : 0;
}

int fault_load(struct sim *s, struct conf *c, const cJSON *arr, const char *path, struct fault_plan *plan)
{
    char p[512], d[96];
    plan->sim = s;
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return conf_fail(c, path, "expected an array of faults, got %s", conf_describe(arr, d, sizeof d));
    int n = cJSON_GetArraySize(arr);
    if (n > 1000000)
        return conf_fail(c, path, "at most 1000000 faults, got %d", n);
    plan->f = calloc((size_t)(n ? n : 1), sizeof *plan->f);
    if (!plan->f)
        return conf_fail(c, path, "out of memory");
    int i = 0;
    for (const cJSON *v = arr->child; v; v = v->next, i++) {
        plan->n = i + 1;
        if (parse_one(s, c, v, conf_path_index(p, sizeof p, path, i), plan, &plan->f[i]) < 0)
            return -1;
    }
    plan->hook = sim_hook_register(s, on_fault, plan);
    if (plan->hook < 0)
        return conf_fail(c, path, "out of memory");
    for (i = 0; i < plan->n; i++) {
        const struct fault *f = &plan->f[i];
        sim_hook_at(s, f->at, plan->hook, (uint64_t)i);
        int undo = f->duration > 0 &&
                   (f->op == FAULT_PARTITION || f->op == FAULT_CRASH_HOST || f->op == FAULT_CRASH_PROCESS);
        if (undo)
            sim_hook_at(s, f->at + f->duration, plan->hook, (uint64_t)i | UNDO);
    }
    return 0;
}

void fault_plan_free(struct fault_plan *plan)
{
    for (int i = 0; i < plan->n; i++) {
        free(plan->f[i].a);
        free(plan->f[i].b);
        free(plan->f[i].symbol);
        if (plan->f[i].has_latency)
            sim_dist_free(&plan->f[i].latency);
    }
    free(plan->f);
    plan->f = NULL;
    plan->n = 0;
}
