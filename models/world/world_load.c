/* world_load: reading the RocketMQ sections of a scenario ("nameservers", "groups", "producers", "consumers",
 * "operator"; their keys and defaults are in world_keys.c) and building the nodes they describe. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/report/acct.h"
#include "models/broker/broker.h"
#include "models/client/consumer.h"
#include "sim/lab/fields.h"
#include "models/namesrv/nameserver.h"
#include "models/ops/operator.h"
#include "models/client/producer.h"
#include "models/controller/controller.h"
#include "models/dledger/raft_check.h"
#include "models/world/world.h"
#include "models/world/world_version.h"
#include "sim/fault.h"

#define MAX_DAY_MS 86400000.0
#define N(t) ((int)(sizeof t / sizeof t[0]))

/* Reads obj with the key table of a RocketMQ section (world_keys.c). */
static int section_read(struct conf *c, const cJSON *obj, const char *path, const char *section, void *base,
                        const char *const *extra)
{
    const struct field *t;
    int n = world_fields(section, &t);
    return fields_read(c, obj, path, t, n, base, extra);
}


static int read_count(struct conf *c, const cJSON *obj, const char *path, int64_t def, int64_t max, int *out)
{
    int64_t v;
    if (conf_int(c, obj, path, "count", def, 0, max, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int name_ok(const char *s)
{
    if (!*s || strlen(s) > 24)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

static const struct field checks_fields[] = {
    {"liveness_after_ms", F_TIME, offsetof(struct checks_cfg, after), 0, 30 * MAX_DAY_MS, NULL},
    {"recovery_bound_ms", F_TIME, offsetof(struct checks_cfg, bound), 1, MAX_DAY_MS, NULL},
};

static const struct field metrics_fields[] = {
    {"read_gap_ms", F_TIME, offsetof(struct metrics_cfg, read_gap), 1, MAX_DAY_MS, NULL},
};

static const struct field explore_fields[] = {
    {"max_faults", F_INT, offsetof(struct explore_cfg, max_faults), 0, 1000, NULL},
    {"start_ms", F_TIME, offsetof(struct explore_cfg, start), 0, 30 * MAX_DAY_MS, NULL},
    {"tail_ms", F_TIME, offsetof(struct explore_cfg, tail), 1000, 30 * MAX_DAY_MS, NULL},
    {"max_outage_ms", F_TIME, offsetof(struct explore_cfg, max_outage), 1, MAX_DAY_MS, NULL},
    {"symbolic", F_DOUBLE, offsetof(struct explore_cfg, symbolic), 0, 1, NULL},
};

static const char *const explore_ops[] = {"crash_process", "crash_host", "restart", "pause", "partition", "heal",
                                          "link", "disk_stall", NULL};

static const char *const explore_targets[] = {"nameservers", "brokers", "controllers", "producers", "consumers",
                                              NULL};

/* explore.KEY, when present: a non-empty array of names, bit k for names[k]; `allowed` (a bit per name)
 * says which may be chosen, `expected` how the error names them, `what` the array's items. */
static int read_names(struct conf *c, const cJSON *obj, const char *key, const char *const *names, unsigned allowed,
                      const char *what, const char *expected, unsigned *bits)
{
    char p[64], d[96];
    const cJSON *t = conf_child(obj, key);
    if (!t)
        return 0;
    snprintf(p, sizeof p, "$.explore.%s", key);
    if (!cJSON_IsArray(t) || cJSON_GetArraySize(t) == 0)
        return conf_fail(c, p, "expected a non-empty array of %s, got %s", what, conf_describe(t, d, sizeof d));
    *bits = 0;
    int i = 0;
    for (const cJSON *o = t->child; o; o = o->next, i++) {
        snprintf(p, sizeof p, "$.explore.%s[%d]", key, i);
        int k = -1;
        for (int j = 0; names[j] && cJSON_IsString(o); j++)
            if (strcmp(o->valuestring, names[j]) == 0)
                k = j;
        if (k < 0 || !(allowed & (1u << k)))
            return conf_fail(c, p, "expected %s, got %s", expected, conf_describe(o, d, sizeof d));
        *bits |= 1u << k;
    }
    return 0;
}

static int read_explore(struct conf *c, const cJSON *obj, struct explore_cfg *ec)
{
    static const char *const extra[] = {"ops", "targets", NULL};
    if (fields_read(c, obj, "$.explore", explore_fields, N(explore_fields), ec, extra) < 0)
        return -1;
    if (read_names(c, obj, "targets", explore_targets, ~0u, "node kinds",
                   "\"nameservers\", \"brokers\", \"controllers\", \"producers\" or \"consumers\"", &ec->targets) < 0)
        return -1;
    return read_names(c, obj, "ops", explore_ops, ~((1u << FAULT_RESTART) | (1u << FAULT_HEAL)), "fault ops",
                      "\"crash_process\", \"crash_host\", \"pause\", \"partition\", \"link\" or \"disk_stall\"",
                      &ec->ops);
}

/* A group's "preferred_leader" (DLedgerConfig.preferredLeaderIds; RocketMQ's preferredLeaderId): a replica
 * index or the replica's node name, in a DLedger group under DLedger's election. */
static int read_preferred(struct conf *c, const cJSON *g, const char *p, const char *group, int replicas,
                          struct broker_cfg *b)
{
    char q[512], d[96];
    const cJSON *v = conf_child(g, "preferred_leader");
    if (!v)
        return 0;
    conf_path_key(q, sizeof q, p, "preferred_leader");
    if (!b->dledger || b->raft.election != RAFT_ELECTION_DLEDGER)
        return conf_fail(c, q, "a preferred leader needs \"ha\": \"dledger\" with DLedger's election");
    int idx = -1;
    if (cJSON_IsNumber(v) && v->valuedouble == (double)(int)v->valuedouble)
        idx = (int)v->valuedouble;
    else if (cJSON_IsString(v)) {
        size_t n = strlen(group);
        if (strncmp(v->valuestring, group, n) == 0 && v->valuestring[n] == '-' && v->valuestring[n + 1] >= '0' &&
            v->valuestring[n + 1] <= '9' && !v->valuestring[n + 2])
            idx = v->valuestring[n + 1] - '0';
    }
    if (idx < 0 || idx >= replicas)
        return conf_fail(c, q, "expected a replica index 0 to %d or a node name \"%s-0\" to \"%s-%d\", got %s",
                         replicas - 1, group, group, replicas - 1, conf_describe(v, d, sizeof d));
    b->raft.preferred_leader = idx;
    return 0;
}

/* A group's "broker_election_priorities": one BrokerConfig.brokerElectionPriority a replica (each broker
 * has its own broker.conf), in a group in controller mode. */
static int read_priorities(struct conf *c, const cJSON *g, const char *p, int replicas, struct group_cfg *gc)
{
    char q[512], e[512], d[96];
    const cJSON *v = conf_child(g, "broker_election_priorities");
    if (!v)
        return 0;
    conf_path_key(q, sizeof q, p, "broker_election_priorities");
    if (!gc->broker.controller)
        return conf_fail(c, q, "election priorities need \"ha\": \"controller\"");
    if (!cJSON_IsArray(v))
        return conf_fail(c, q, "expected an array of %d integers (one a replica), got %s", replicas,
                         conf_describe(v, d, sizeof d));
    if (cJSON_GetArraySize(v) != replicas)
        return conf_fail(c, q, "expected %d integers (one a replica), got %d", replicas, cJSON_GetArraySize(v));
    int i = 0;
    for (const cJSON *x = v->child; x; x = x->next, i++) {
        if (!cJSON_IsNumber(x) || x->valuedouble != (double)(int64_t)x->valuedouble || x->valuedouble < 0 ||
            x->valuedouble > 2147483647.0)
            return conf_fail(c, conf_path_index(e, sizeof e, q, i), "expected an integer 0 to 2147483647, got %s",
                             conf_describe(x, d, sizeof d));
        gc->election_priorities[i] = (int32_t)x->valuedouble;
    }
    gc->nelection_priorities = replicas;
    return 0;
}

static struct sim_dist *broker_dists(struct broker_cfg *b, int i)
{
    struct sim_dist *d[] = {&b->send_cost, &b->pull_cost, &b->consumer_manage_cost, &b->admin_cost};
    return i < 4 ? d[i] : NULL;
}

/* A group's service-time distributions are its own copies of the "broker" section's. */
static int broker_dists_copy(struct broker_cfg *dst, struct broker_cfg *src)
{
    for (int i = 0; broker_dists(dst, i); i++)
        if (sim_dist_copy(broker_dists(dst, i), broker_dists(src, i)) < 0)
            return -1;
    return 0;
}

int world_cfg_read(struct conf *c, const cJSON *root, struct world_cfg *wc)
{
    char p[512];
    world_defaults(wc);
    if (world_version_read(c, root, wc) < 0)   /* the release's defaults; the sections' own keys win */
        return -1;

    const cJSON *ns = conf_child(root, "nameservers");
    if (ns && (read_count(c, ns, "$.nameservers", 1, RMQ_MAX_NAMESERVERS, &wc->nns) < 0 ||
               section_read(c, ns, "$.nameservers", "nameservers", &wc->ns, world_hand_keys("nameservers")) < 0))
        return -1;
    if (wc->nns < 1)
        return conf_fail(c, "$.nameservers.count", "must be at least 1, got 0");

    /* "broker": defaults for every group; each entry of "groups" may override any of them. */
    const cJSON *bdef = conf_child(root, "broker");
    if (bdef && section_read(c, bdef, "$.broker", "broker", &wc->broker, NULL) < 0)
        return -1;
    const cJSON *groups = conf_child(root, "groups");
    if (!groups)
        return conf_fail(c, "$", "missing \"groups\": a list of broker groups, e.g. [{\"name\": \"broker-a\", \"replicas\": 2}]");
    if (!cJSON_IsArray(groups) || cJSON_GetArraySize(groups) < 1)
        return conf_fail(c, "$.groups", "expected a non-empty array of broker groups");
    if (cJSON_GetArraySize(groups) > RMQ_MAX_GROUPS)
        return conf_fail(c, "$.groups", "at most %d groups, got %d", RMQ_MAX_GROUPS, cJSON_GetArraySize(groups));
    wc->ngroups = 0;
    for (const cJSON *g = groups->child; g; g = g->next) {
        struct group_cfg *gc = &wc->groups[wc->ngroups];
        conf_path_index(p, sizeof p, "$.groups", wc->ngroups);
        gc->broker = wc->broker;
        if (broker_dists_copy(&gc->broker, &wc->broker) < 0)
            return conf_fail(c, p, "out of memory");
        if (section_read(c, g, p, "broker", &gc->broker, world_hand_keys("groups")) < 0)
            return -1;
        char def[32];
        snprintf(def, sizeof def, "broker-%c", 'a' + wc->ngroups % 26);
        const char *name;
        int64_t replicas;
        conf_string(c, g, p, "name", def, &name);
        conf_int(c, g, p, "replicas", 2, 1, RMQ_MAX_REPLICAS, &replicas);
        if (c->failed)
            return -1;
        if (!name_ok(name)) {
            char q[512];
            return conf_fail(c, conf_path_key(q, sizeof q, p, "name"),
                             "\"%s\" is not a usable group name: 1 to 24 letters, digits, '-' or '_'", name);
        }
        if (gc->broker.dledger && gc->broker.raft.max_vote_interval < gc->broker.raft.min_vote_interval) {
            char q[512];
            return conf_fail(c, conf_path_key(q, sizeof q, p, "max_vote_interval_ms"), "is below min_vote_interval_ms");
        }
        if (gc->broker.dledger && gc->broker.raft.max_take_vote_interval < gc->broker.raft.min_take_vote_interval) {
            char q[512];
            return conf_fail(c, conf_path_key(q, sizeof q, p, "max_take_leadership_vote_interval_ms"),
                             "is below min_take_leadership_vote_interval_ms");
        }
        if (gc->broker.pull_threads < 0)
            gc->broker.pull_threads = 16 + 2 * gc->broker.cores;   /* BrokerConfig.pullMessageThreadPoolNums */
        if (gc->broker.async_send < 0)   /* unset: R44's blocking put on classic HA, 4.7+ asyncPutMessage on DLedger */
            gc->broker.async_send = gc->broker.dledger == 1;
        world_version_resolve(&gc->broker);
        if (read_preferred(c, g, p, name, (int)replicas, &gc->broker) < 0)
            return -1;
        if (gc->broker.dledger == 2) {   /* "ha": "controller" */
            gc->broker.dledger = 0;
            gc->broker.controller = 1;
        }
        if (read_priorities(c, g, p, (int)replicas, gc) < 0)
            return -1;
        if (gc->broker.raft.connect_at_start < 0)
            gc->broker.raft.connect_at_start = gc->broker.raft.election == RAFT_ELECTION_CLASSIC;
        if (gc->broker.dledger && gc->broker.raft.election_max < gc->broker.raft.election_min) {
            char q[512];
            return conf_fail(c, conf_path_key(q, sizeof q, p, "raft_election_timeout_max_ms"),
                             "is below raft_election_timeout_min_ms");
        }
        /* MemberState.persistTerm writes without fsync; the Raft paper keeps term and vote on stable storage. */
        if (gc->broker.raft.persist_term_fsync < 0)
            gc->broker.raft.persist_term_fsync = gc->broker.raft.election == RAFT_ELECTION_CLASSIC;
        /* MessageStoreConfig.dataReadAheadEnable is 5.1.2+ (R53): 4.4 and 4.9 have no such key, and their
         * CommitLog is never MADV_RANDOM. */
        if (!gc->broker.data_read_ahead && wc->version != WORLD_V53) {
            char q[512];
            const char *at = conf_child(g, "data_read_ahead_enable")
                                 ? conf_path_key(q, sizeof q, p, "data_read_ahead_enable")
                                 : "$.broker.data_read_ahead_enable";
            return conf_fail(c, at, "false is 5.1.2+ (MessageStoreConfig.dataReadAheadEnable); %s always reads ahead: "
                             "set \"version\": \"5.3\"", world_version_name(wc->version));
        }
        if (gc->broker.role == RMQ_SLAVE) {
            char q[512];
            return conf_fail(c, conf_path_key(q, sizeof q, p, "role"),
                             "the group's master role must be \"ASYNC_MASTER\" or \"SYNC_MASTER\"; its slaves are SLAVE by brokerId");
        }
        for (int i = 0; i < wc->ngroups; i++)
            if (strcmp(wc->groups[i].name, name) == 0) {
                char q[512];
                return conf_fail(c, conf_path_key(q, sizeof q, p, "name"), "duplicate group name \"%s\"", name);
            }
        snprintf(gc->name, sizeof gc->name, "%s", name);
        gc->replicas = (int)replicas;
        wc->ngroups++;
    }

    const cJSON *prod = conf_child(root, "producers");
    wc->nproducers = 1;
    if (prod && (read_count(c, prod, "$.producers", 1, 1000, &wc->nproducers) < 0 ||
                 section_read(c, prod, "$.producers", "producers", &wc->producer, world_hand_keys("producers")) < 0))
        return -1;
    if (wc->producer.stop && wc->producer.stop < wc->producer.start)
        return conf_fail(c, "$.producers.stop_ms", "is before start_ms");
    const cJSON *cons = conf_child(root, "consumers");
    wc->nconsumers = 1;
    if (cons && (read_count(c, cons, "$.consumers", 1, 1000, &wc->nconsumers) < 0 ||
                 section_read(c, cons, "$.consumers", "consumers", &wc->consumer, world_hand_keys("consumers")) < 0))
        return -1;
    const cJSON *op = conf_child(root, "operator");
    if (op && section_read(c, op, "$.operator", "operator", &wc->op, NULL) < 0)
        return -1;
    if (wc->op.new_role == RMQ_SLAVE)
        return conf_fail(c, "$.operator.new_role", "expected \"ASYNC_MASTER\" or \"SYNC_MASTER\", got \"SLAVE\"");
    /* Recovery takes minutes when people promote by hand. */
    int manual = 0;
    for (int gi = 0; gi < wc->ngroups; gi++)
        manual |= !wc->groups[gi].broker.dledger && !wc->groups[gi].broker.controller && wc->groups[gi].replicas > 1 &&
                  wc->op.enabled;
    if (manual)
        wc->checks.bound = 1800 * SIM_S;
    if (world_controller_read(c, root, wc) < 0)
        return -1;
    const cJSON *ck = conf_child(root, "checks");
    if (ck && fields_read(c, ck, "$.checks", checks_fields, N(checks_fields), &wc->checks, NULL) < 0)
        return -1;
    const cJSON *mc = conf_child(root, "metrics");
    if (mc && fields_read(c, mc, "$.metrics", metrics_fields, N(metrics_fields), &wc->metrics, NULL) < 0)
        return -1;
    const cJSON *ex = conf_child(root, "explore");
    if (ex && read_explore(c, ex, &wc->explore) < 0)
        return -1;
    return 0;
}

/* ---- building ---- */

int world_build(struct rmq_world *w, struct sim *s, const struct world_cfg *wc)
{
    char name[64];
    memset(w, 0, sizeof *w);
    w->sim = s;
    w->ns_cfg = wc->ns;
    w->nns = wc->nns;
    w->ngroups = wc->ngroups;
    w->nproducers = wc->nproducers;
    w->nconsumers = wc->nconsumers;
    w->ns = calloc((size_t)w->nns, sizeof *w->ns);
    w->nss = calloc((size_t)w->nns, sizeof *w->nss);
    w->g = calloc((size_t)w->ngroups, sizeof *w->g);
    /* The default warm-up: until the producers started and fetched their first route. */
    sim_time warmup = wc->metrics.warmup >= 0 ? wc->metrics.warmup : wc->producer.start + wc->producer.route_initial;
    const char *names[RMQ_MAX_GROUPS];
    for (int gi = 0; gi < wc->ngroups; gi++)
        names[gi] = wc->groups[gi].name;
    if (report_init(&w->rep, s, w->ngroups, names, warmup, wc->metrics.read_gap) < 0)
        return -1;
    /* Reads are counted once the consumers could read: from their start and first route poll, when later. */
    sim_time consumers_up = wc->consumer.start + wc->consumer.route_initial;
    if (consumers_up > warmup)
        w->rep.meas.read_warmup = consumers_up;
    w->producers = calloc((size_t)w->nproducers + 1, sizeof *w->producers);
    w->consumers = calloc((size_t)w->nconsumers + 1, sizeof *w->consumers);
    if (!w->ns || !w->nss || !w->g || !w->producers || !w->consumers)
        return -1;
    for (int i = 0; i < w->nns; i++) {
        snprintf(name, sizeof name, "ns-%d", i);
        if (!(w->nss[i] = nameserver_create(w, name, &wc->ns)))
            return -1;
        w->ns[i] = nameserver_node(w->nss[i]);
    }
    if (world_controller_build(w, wc) < 0)
        return -1;
    for (int gi = 0; gi < w->ngroups; gi++) {
        struct rmq_group *g = &w->g[gi];
        const struct group_cfg *gc = &wc->groups[gi];
        snprintf(g->name, sizeof g->name, "%s", gc->name);
        g->idx = gi;
        g->n = gc->replicas;
        g->cfg = gc->broker;
        if (g->cfg.dledger && !(g->check = raft_check_new(&w->rep, s, gi, g->n)))
            return -1;
        for (int r = 0; r < g->n; r++) {
            snprintf(name, sizeof name, "%s-%d", gc->name, r);
            struct broker_cfg bc = gc->broker;   /* its own broker.conf */
            if (r < gc->nelection_priorities)
                bc.election_priority = gc->election_priorities[r];
            if (!(g->broker[r] = broker_create(w, name, gi, r, r, &bc)))
                return -1;
            g->node[r] = broker_node(g->broker[r]);
            if (g->check)
                raft_check_member(g->check, r, g->node[r], broker_log(g->broker[r]), broker_raft(g->broker[r]));
        }
    }
    for (int i = 0; i < w->nproducers; i++) {
        snprintf(name, sizeof name, "producer-%d", i);
        if (!(w->producers[i] = producer_create(w, name, i, &wc->producer)))
            return -1;
    }
    for (int i = 0; i < w->nconsumers; i++) {
        snprintf(name, sizeof name, "consumer-%d", i);
        if (!(w->consumers[i] = consumer_create(w, name, i, &wc->consumer)))
            return -1;
    }
    if (wc->op.enabled && !(w->op = operator_create(w, "operator", &wc->op)))
        return -1;
    return 0;
}

void world_destroy(struct rmq_world *w)
{
    for (int i = 0; w->nss && i < w->nns; i++)
        nameserver_free(w->nss[i]);
    for (int gi = 0; w->g && gi < w->ngroups; gi++) {
        for (int r = 0; r < w->g[gi].n; r++)
            broker_free(w->g[gi].broker[r]);
        raft_check_free(w->g[gi].check);
    }
    for (int i = 0; w->producers && i < w->nproducers; i++)
        producer_free(w->producers[i]);
    for (int i = 0; w->consumers && i < w->nconsumers; i++)
        consumer_free(w->consumers[i]);
    operator_free(w->op);
    controller_free(w->ctl);
    report_free(&w->rep);
    free(w->ns);
    free(w->nss);
    free(w->g);
    free(w->producers);
    free(w->consumers);
    memset(w, 0, sizeof *w);
}

void world_cfg_free(struct world_cfg *wc)
{
    for (int i = 0; broker_dists(&wc->broker, i); i++) {
        for (int gi = 0; gi < wc->ngroups; gi++)
            sim_dist_free(broker_dists(&wc->groups[gi].broker, i));
        sim_dist_free(broker_dists(&wc->broker, i));
    }
    sim_dist_free(&wc->producer.size);
    sim_dist_free(&wc->producer.think);
    sim_dist_free(&wc->op.alert_delay);
    sim_dist_free(&wc->op.reaction);
    sim_dist_free(&wc->op.procedure);
    sim_dist_free(&wc->op.rejoin);
}
