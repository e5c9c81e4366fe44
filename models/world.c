/* world: the RocketMQ world as a scenario world: the statistics the models report, the sampled time
 * series, memory trimming, metrics.json and the summary. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/acct.h"
#include "models/broker.h"
#include "models/consumer.h"
#include "models/producer.h"
#include "models/raft_check.h"
#include "models/scenario.h"
#include "models/world_int.h"

/* ---- reports from the models ---- */

int world_group_of(const struct rmq_world *w, sim_node_id node)
{
    for (int gi = 0; gi < w->ngroups; gi++)
        for (int r = 0; r < w->g[gi].n; r++)
            if (w->g[gi].node[r] == node)
                return gi;
    return -1;
}

void world_send_attempt(struct rmq_world *w, int group, int ok, sim_time t)
{
    if (group < 0 || group >= w->ngroups)
        return;
    struct rmq_group *g = &w->g[group];
    if (ok) {
        g->acked_iv++;
        if (g->unavail_since >= 0) {
            g->write_unavailable += t - g->unavail_since;
            g->unavail_since = -1;
        }
        if (g->crash >= 0 && g->first_write < 0 && t >= g->crash)
            g->first_write = t;
    } else {
        g->failed_iv++;
        if (g->unavail_since < 0)
            g->unavail_since = t;
    }
}

void world_pull_result(struct rmq_world *w, int group, int broker_id, int ok, int n, sim_time t)
{
    if (group < 0 || group >= w->ngroups)
        return;
    struct rmq_group *g = &w->g[group];
    if (ok) {
        if (g->read_unavail_since >= 0) {
            g->read_unavailable += t - g->read_unavail_since;
            g->read_unavail_since = -1;
        }
        if (broker_id == 0) {
            g->reads_master += (uint64_t)n;
            g->reads_master_iv += (uint64_t)n;
        } else {
            g->reads_slave += (uint64_t)n;
            g->reads_slave_iv += (uint64_t)n;
        }
    } else if (g->read_unavail_since < 0) {
        g->read_unavail_since = t;
    }
}

void world_redirect(struct rmq_world *w, int group, int from_id, int to_id)
{
    if (group < 0 || group >= w->ngroups)
        return;
    if (from_id == 0 && to_id != 0)
        w->g[group].redirects_to_slave++;
    else if (from_id != 0 && to_id == 0)
        w->g[group].redirects_to_master++;
}

void world_violation(struct rmq_world *w, const char *invariant, int group, sim_node_id node, int64_t term,
                     int64_t index)
{
    w->invariant_violations++;
    struct trace *tr = sim_trace(w->sim);
    if (trace_on(tr, TRACE_EVENTS)) {
        trace_begin(tr, sim_now(w->sim), node == SIM_NODE_NONE ? "" : sim_node(w->sim, node)->name, "invariant.violation");
        trace_str(tr, "invariant", invariant);
        trace_str(tr, "group", group >= 0 ? w->g[group].name : NULL);
        trace_int(tr, "term", term);
        trace_int(tr, "index", index);
        trace_end(tr);
    }
    if (w->nviolations >= (int)(sizeof w->violations / sizeof w->violations[0]))
        return;
    struct violation *v = &w->violations[w->nviolations++];
    snprintf(v->invariant, sizeof v->invariant, "%s", invariant);
    v->group = group;
    v->node = node;
    v->term = term;
    v->index = index;
    v->t = sim_now(w->sim);
}

/* After every event: election safety in every DLedger group (the other invariants are checked where the
 * state they guard changes: appends, truncations, commits, elections). */
static void after_event(struct sim *s, void *ctx, uint64_t arg)
{
    struct rmq_world *w = ctx;
    (void)s;
    (void)arg;
    for (int gi = 0; gi < w->ngroups; gi++)
        if (w->g[gi].check)
            raft_check_event(w->g[gi].check);
}

/* "@master:GROUP" is the group's master now, "@slave:GROUP" its first live slave. */
static sim_node_id resolve(void *ctx, const char *name)
{
    struct rmq_world *w = ctx;
    int want_master;
    if (strncmp(name, "@master:", 8) == 0)
        want_master = 1;
    else if (strncmp(name, "@slave:", 7) == 0)
        want_master = 0;
    else
        return SIM_NODE_BAD;
    const char *group = name + (want_master ? 8 : 7);
    for (int gi = 0; gi < w->ngroups; gi++) {
        struct rmq_group *g = &w->g[gi];
        if (strcmp(g->name, group) != 0)
            continue;
        for (int r = 0; r < g->n; r++)
            if (sim_node(w->sim, g->node[r])->state == SIM_NODE_UP &&
                (broker_role(g->broker[r]) != RMQ_SLAVE) == want_master)
                return g->node[r];
        return SIM_NODE_NONE;
    }
    return SIM_NODE_BAD;
}

/* ---- the scenario world ---- */

struct rmq_state {
    struct world_cfg cfg;
    struct rmq_world w;
    struct tseries *ts;
    int max_slaves;
    /* liveness ("checks"): when every group had a master again after the faults, and the first message
     * id created after they ended */
    sim_time recovered;
    uint32_t cutoff_msg;
    int cutoff_set;
};

struct rmq_world *rmq_world_get(void *world_state) { return &((struct rmq_state *)world_state)->w; }

/* The replica serving as master: up, not a slave; or -1. */
static int current_master(const struct rmq_world *w, int gi)
{
    const struct rmq_group *g = &w->g[gi];
    for (int r = 0; r < g->n; r++) {
        const struct sim_node *n = sim_node(w->sim, g->node[r]);
        if (n->state == SIM_NODE_UP && broker_role(g->broker[r]) != RMQ_SLAVE)
            return r;
    }
    return -1;
}

static uint64_t queue_total(const struct commitlog *cl, int queues)
{
    uint64_t t = 0;
    for (int q = 0; q < queues; q++)
        t += cl_next_qoff(cl, q);
    return t;
}

/* Forgets CommitLog entries no one can ask for again: below every replica's end and every consumer
 * offset any replica holds (live or persisted). Invisible to the protocol; it keeps memory flat. */
static void trim(struct rmq_world *w, int gi, int master)
{
    struct rmq_group *g = &w->g[gi];
    const struct commitlog *ml = broker_log(g->broker[master]);
    uint64_t safe = ml->max_offset;
    for (int r = 0; r < g->n; r++) {
        const struct commitlog *cl = broker_log(g->broker[r]);
        if (cl->max_offset < safe)
            safe = cl->max_offset;
        for (int q = 0; q < g->cfg.queues; q++) {
            uint64_t o[2] = {broker_offset(g->broker[r], q), broker_saved_offset(g->broker[r], q)};
            for (int k = 0; k < 2; k++) {
                if (o[k] == UINT64_MAX) {
                    if (cl_next_qoff(ml, q) > cl_min_qoff(ml, q))
                        safe = 0;   /* a queue with messages and no offset yet: keep everything */
                    continue;
                }
                const struct cl_entry *e = cl_at(ml, cl_qentry(ml, q, o[k]));
                if (e && e->offset < safe)
                    safe = e->offset;
            }
        }
    }
    if (safe > 0) {
        uint64_t first = UINT64_MAX;
        for (int r = 0; r < g->n; r++) {
            broker_trim(g->broker[r], safe);
            if (broker_log(g->broker[r])->first < first)
                first = broker_log(g->broker[r])->first;
        }
        if (g->check && first != UINT64_MAX)
            raft_check_trim(g->check, first);
    }
}

static int current_master(const struct rmq_world *w, int gi);

/* Liveness after the faults: sampled, so its resolution is run.sample_ms. */
static void check_liveness(struct rmq_state *st, sim_time now)
{
    if (st->cfg.checks.after <= 0 || now < st->cfg.checks.after)
        return;
    if (!st->cutoff_set) {
        st->cutoff_set = 1;
        st->cutoff_msg = st->w.acct.n;
    }
    if (st->recovered >= 0)
        return;
    for (int gi = 0; gi < st->w.ngroups; gi++)
        if (current_master(&st->w, gi) < 0)
            return;
    st->recovered = now;
}

static void rmq_sample(void *wp, struct scenario *sc)
{
    struct rmq_state *st = wp;
    struct rmq_world *w = &st->w;
    double row[64];
    check_liveness(st, sim_now(sc->sim));
    for (int gi = 0; gi < w->ngroups; gi++) {
        struct rmq_group *g = &w->g[gi];
        int m = current_master(w, gi);
        int k = 0;
        row[k++] = sim_time_to_ms(sim_now(sc->sim));
        const struct commitlog *ml = m >= 0 ? broker_log(g->broker[m]) : NULL;
        row[k++] = ml ? (double)ml->max_offset : NAN;
        int s = 0;
        for (int r = 0; r < g->n && s < st->max_slaves; r++) {
            if (r == m)
                continue;
            const struct commitlog *sl = broker_log(g->broker[r]);
            /* A replica that is down replicates nothing: its "lag" would only be its distance from the
             * new master, so it has no value in the series. */
            int up = sim_node(w->sim, g->node[r])->state == SIM_NODE_UP;
            if (ml && up && ml->max_offset >= sl->max_offset) {
                uint64_t lag_bytes = ml->max_offset - sl->max_offset;
                uint64_t lag_msgs = cl_end(ml) - cl_find(ml, sl->max_offset);
                row[k++] = (double)lag_bytes;
                row[k++] = (double)lag_msgs;
                if (lag_msgs > g->lag_max_msgs)
                    g->lag_max_msgs = lag_msgs;
                if (lag_bytes > g->lag_max_bytes)
                    g->lag_max_bytes = lag_bytes;
                g->lag_sum_msgs += (double)lag_msgs;
                g->lag_samples++;
            } else {
                row[k++] = NAN;
                row[k++] = NAN;
            }
            s++;
        }
        for (; s < st->max_slaves; s++) {
            row[k++] = NAN;
            row[k++] = NAN;
        }
        double backlog = NAN;
        if (ml) {
            double total = (double)queue_total(ml, g->cfg.queues);
            backlog = total - (double)w->acct.consumed_by_group[gi];
            if (backlog < 0)
                backlog = 0;
        }
        row[k++] = backlog;
        row[k++] = (double)g->reads_master_iv;
        row[k++] = (double)g->reads_slave_iv;
        row[k++] = (double)g->cfg.host_memory * g->cfg.in_memory_ratio / 100.0;
        row[k++] = (double)g->acked_iv;
        row[k++] = (double)g->failed_iv;
        row[k++] = (double)g->redirects_to_slave;
        row[k++] = (double)g->redirects_to_master;
        tseries_row_labeled(st->ts, g->name, row);
        g->reads_master_iv = g->reads_slave_iv = g->acked_iv = g->failed_iv = 0;
        if (m >= 0)
            trim(w, gi, m);
    }
}

static void *rmq_load(struct scenario *sc, struct conf *c)
{
    struct rmq_state *st = calloc(1, sizeof *st);
    if (!st) {
        conf_fail(c, "$", "out of memory");
        return NULL;
    }
    st->recovered = -1;
    if (world_cfg_read(c, sc->root, &st->cfg) < 0)
        goto fail;
    if (world_build(&st->w, sc->sim, &st->cfg) < 0) {
        conf_fail(c, "$", "out of memory building the nodes");
        goto fail;
    }
    int dledger = 0;
    for (int gi = 0; gi < st->w.ngroups; gi++) {
        if (st->w.g[gi].n - 1 > st->max_slaves)
            st->max_slaves = st->w.g[gi].n - 1;
        dledger |= st->w.g[gi].cfg.dledger;
    }
    if (dledger)
        sim_set_after_event(sc->sim, after_event, &st->w);
    sim_set_resolver(sc->sim, resolve, &st->w);
    const char *cols[64];
    static char names[RMQ_MAX_REPLICAS][2][32];
    int k = 0;
    cols[k++] = "t_ms";
    cols[k++] = "master_max_offset";
    for (int s = 0; s < st->max_slaves; s++) {
        snprintf(names[s][0], sizeof names[s][0], "slave%d_lag_bytes", s + 1);
        snprintf(names[s][1], sizeof names[s][1], "slave%d_lag_msgs", s + 1);
        cols[k++] = names[s][0];
        cols[k++] = names[s][1];
    }
    static const char *const tail[] = {"backlog_msgs", "reads_master", "reads_slave", "redirect_threshold_bytes",
                                       "acked", "send_failed", "redirects_to_slave", "redirects_to_master"};
    for (int i = 0; i < 8; i++)
        cols[k++] = tail[i];
    st->ts = tseries_new_labeled("group", cols, k);
    if (!st->ts) {
        conf_fail(c, "$", "out of memory");
        goto fail;
    }
    return st;
fail:
    world_destroy(&st->w);
    world_cfg_free(&st->cfg);
    tseries_free(st->ts);
    free(st);
    return NULL;
}

static struct tseries *rmq_series(void *wp) { return ((struct rmq_state *)wp)->ts; }

/* Per group, the replicas whose logs still count: the live master, or every live replica when the group
 * has no master at the end. */
static void alive_masks(const struct rmq_world *w, unsigned *mask)
{
    for (int gi = 0; gi < w->ngroups; gi++) {
        int m = current_master(w, gi);
        mask[gi] = 0;
        if (m >= 0) {
            mask[gi] = 1u << m;
            continue;
        }
        for (int r = 0; r < w->g[gi].n; r++)
            if (sim_node(w->sim, w->g[gi].node[r])->state == SIM_NODE_UP)
                mask[gi] |= 1u << r;
    }
}

static double ms_or_null(sim_time t) { return t < 0 ? NAN : sim_time_to_ms(t); }

static void add_ms(cJSON *o, const char *k, sim_time t)
{
    if (t < 0)
        cJSON_AddNullToObject(o, k);
    else
        cJSON_AddNumberToObject(o, k, ms_or_null(t));
}

/* SYNC_MASTER promises that a put answered SUCCESS is on a slave, and DLedger that it is on a quorum:
 * check every such message against the group's live master at the end. Returns the number checked;
 * records violations. */
static uint64_t check_sync_master(struct rmq_world *w, const unsigned *mask, cJSON *violations)
{
    uint64_t checked = 0;
    uint64_t bad[RMQ_MAX_GROUPS] = {0};
    for (uint32_t i = 0; i < w->acct.n; i++) {
        int g = acct_group_of(&w->acct, i);
        if (g < 0 || acct_result_of(&w->acct, i) != ACCT_ACKED ||
            (w->g[g].cfg.role != RMQ_SYNC_MASTER && !w->g[g].cfg.dledger))
            continue;
        if (acct_status_of(&w->acct, i) != RMQ_SUCCESS || current_master(w, g) < 0)
            continue;
        checked++;
        if (!(acct_stored_mask(&w->acct, i) & mask[g]))
            bad[g]++;
    }
    for (int g = 0; g < w->ngroups; g++)
        if (bad[g]) {
            cJSON *v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "invariant", w->g[g].cfg.dledger ? "acked_message_lost" : "sync_master_acked_on_slave");
            cJSON_AddStringToObject(v, "group", w->g[g].name);
            cJSON_AddNumberToObject(v, "messages", (double)bad[g]);
            cJSON_AddNumberToObject(v, "t_ms", sim_time_to_ms(sim_now(w->sim)));
            cJSON_AddItemToArray(violations, v);
            w->invariant_violations++;
        }
    return checked;
}

static void close_outages(struct rmq_world *w)
{
    sim_time now = sim_now(w->sim);
    for (int gi = 0; gi < w->ngroups; gi++) {
        struct rmq_group *g = &w->g[gi];
        if (g->unavail_since >= 0) {
            g->write_unavailable += now - g->unavail_since;
            g->unavail_since = now;
        }
        if (g->read_unavail_since >= 0) {
            g->read_unavailable += now - g->read_unavail_since;
            g->read_unavail_since = now;
        }
    }
}

static void rmq_metrics(void *wp, struct scenario *sc, cJSON *root)
{
    struct rmq_state *st = wp;
    struct rmq_world *w = &st->w;
    unsigned mask[RMQ_MAX_GROUPS];
    (void)sc;
    close_outages(w);
    alive_masks(w, mask);
    int dledger = 0;
    for (int gi = 0; gi < w->ngroups; gi++)
        dledger |= w->g[gi].cfg.dledger;
    cJSON_AddStringToObject(root, "ha", dledger ? "dledger" : "master_slave");

    cJSON *m = cJSON_AddObjectToObject(root, "messages");
    cJSON_AddNumberToObject(m, "sent", (double)w->acct.sent);
    cJSON_AddNumberToObject(m, "acked", (double)w->acct.acked);
    cJSON_AddNumberToObject(m, "send_failed", (double)w->acct.send_failed);
    cJSON_AddNumberToObject(m, "consumed", (double)w->acct.consumed);
    cJSON_AddNumberToObject(m, "acked_lost", (double)acct_acked_lost(&w->acct, mask, w->ngroups));
    cJSON_AddNumberToObject(m, "duplicates", (double)w->acct.duplicates);
    cJSON_AddNumberToObject(m, "acked_unconsumed", (double)acct_acked_unconsumed(&w->acct));
    cJSON *status = cJSON_AddObjectToObject(m, "status");
    for (int i = 0; i < ACCT_STATUSES; i++)
        if (w->acct.status_count[i])
            cJSON_AddNumberToObject(status, rmq_status_name(i - ACCT_STATUS_BIAS), (double)w->acct.status_count[i]);

    cJSON *groups = cJSON_AddArrayToObject(root, "groups");
    for (int gi = 0; gi < w->ngroups; gi++) {
        struct rmq_group *g = &w->g[gi];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", g->name);
        cJSON_AddNumberToObject(o, "write_unavailable_ms", sim_time_to_ms(g->write_unavailable));
        cJSON_AddNumberToObject(o, "read_unavailable_ms", sim_time_to_ms(g->read_unavailable));
        if (g->crash < 0) {
            cJSON_AddNullToObject(o, "failover");
        } else {
            cJSON *f = cJSON_AddObjectToObject(o, "failover");
            add_ms(f, "crash_ms", g->crash);
            add_ms(f, "detected_ms", g->detected);
            if (g->new_master == SIM_NODE_NONE)
                cJSON_AddNullToObject(f, "new_master");
            else
                cJSON_AddStringToObject(f, "new_master", sim_node(w->sim, g->new_master)->name);
            add_ms(f, "promoted_ms", g->promoted);
            add_ms(f, "first_write_ms", g->first_write);
            add_ms(f, "downtime_ms", g->first_write < 0 ? -1 : g->first_write - g->crash);
        }
        cJSON *lag = cJSON_AddObjectToObject(o, "lag");
        cJSON_AddNumberToObject(lag, "max_msgs", (double)g->lag_max_msgs);
        cJSON_AddNumberToObject(lag, "max_bytes", (double)g->lag_max_bytes);
        cJSON_AddNumberToObject(lag, "mean_msgs", g->lag_samples ? g->lag_sum_msgs / (double)g->lag_samples : 0);
        cJSON *reads = cJSON_AddObjectToObject(o, "reads");
        cJSON_AddNumberToObject(reads, "master", (double)g->reads_master);
        cJSON_AddNumberToObject(reads, "slave", (double)g->reads_slave);
        cJSON *red = cJSON_AddObjectToObject(o, "redirects");
        cJSON_AddNumberToObject(red, "to_slave", (double)g->redirects_to_slave);
        cJSON_AddNumberToObject(red, "to_master", (double)g->redirects_to_master);
        cJSON_AddItemToArray(groups, o);
    }
    cJSON *inv = cJSON_AddObjectToObject(root, "invariants");
    cJSON *viol = cJSON_CreateArray();
    for (int i = 0; i < w->nviolations; i++) {
        const struct violation *v = &w->violations[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "invariant", v->invariant);
        cJSON_AddStringToObject(o, "group", v->group >= 0 ? w->g[v->group].name : "");
        cJSON_AddStringToObject(o, "node", v->node == SIM_NODE_NONE ? "" : sim_node(w->sim, v->node)->name);
        cJSON_AddNumberToObject(o, "term", (double)v->term);
        cJSON_AddNumberToObject(o, "index", (double)v->index);
        cJSON_AddNumberToObject(o, "t_ms", sim_time_to_ms(v->t));
        cJSON_AddNumberToObject(o, "seed", (double)sim_seed(w->sim));
        cJSON_AddItemToArray(viol, o);
    }
    if (st->cfg.checks.after > 0) {
        /* Liveness: a master again within the bound, and every message acknowledged before the faults
         * ended (and not lost) consumed by the end of the run. */
        check_liveness(st, sim_now(w->sim));
        /* A run that ends before the bound has passed without a master is not judged. */
        int late = st->recovered < 0 ? sim_now(w->sim) >= st->cfg.checks.after + st->cfg.checks.bound
                                     : st->recovered - st->cfg.checks.after > st->cfg.checks.bound;
        if (late) {
            cJSON *v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "invariant", "no_master_after_faults");
            cJSON_AddNumberToObject(v, "after_ms", sim_time_to_ms(st->cfg.checks.after));
            cJSON_AddNumberToObject(v, "bound_ms", sim_time_to_ms(st->cfg.checks.bound));
            cJSON_AddItemToArray(viol, v);
            w->invariant_violations++;
        }
        /* Only a group that promises its acknowledged messages (SYNC_MASTER, DLedger) owes them to the
         * consumers; an ASYNC_MASTER failover can skip some (consumer offsets ahead of the promoted
         * slave's queues), which is a finding, reported beside the violations. */
        uint64_t unconsumed = 0, skipped = 0;
        for (uint32_t i = 0; i < st->cutoff_msg && i < w->acct.n; i++) {
            int g = acct_group_of(&w->acct, i);
            if (acct_result_of(&w->acct, i) != ACCT_ACKED || g < 0 || !(acct_stored_mask(&w->acct, i) & mask[g]) ||
                acct_consumed_count(&w->acct, i) > 0)
                continue;
            if (w->g[g].cfg.dledger || w->g[g].cfg.role == RMQ_SYNC_MASTER)
                unconsumed++;
            else
                skipped++;
        }
        if (unconsumed) {
            cJSON *v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "invariant", "acked_not_consumed");
            cJSON_AddNumberToObject(v, "messages", (double)unconsumed);
            cJSON_AddItemToArray(viol, v);
            w->invariant_violations++;
        }
        cJSON_AddNumberToObject(m, "acked_skipped", (double)skipped);
    }
    uint64_t checked = check_sync_master(w, mask, viol) + w->invariant_checks;
    cJSON_AddNumberToObject(inv, "checked", (double)checked);
    cJSON_AddItemToObject(inv, "violations", viol);
}

static void fmt_ms(char *buf, size_t n, sim_time t)
{
    if (t < 0)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.1f s", sim_time_to_ms(t) / 1000);
}

static void rmq_summary(void *wp, struct scenario *sc, FILE *out)
{
    struct rmq_state *st = wp;
    struct rmq_world *w = &st->w;
    unsigned mask[RMQ_MAX_GROUPS];
    (void)sc;
    alive_masks(w, mask);
    const struct acct *a = &w->acct;
    fprintf(out, "messages: sent %llu, acked %llu (%.2f%%), failed %llu, consumed %llu; acked lost %llu, "
                 "duplicates %llu\n",
            (unsigned long long)a->sent, (unsigned long long)a->acked,
            a->sent ? 100.0 * (double)a->acked / (double)a->sent : 0.0, (unsigned long long)a->send_failed,
            (unsigned long long)a->consumed, (unsigned long long)acct_acked_lost(a, mask, w->ngroups),
            (unsigned long long)a->duplicates);
    for (int gi = 0; gi < w->ngroups; gi++) {
        struct rmq_group *g = &w->g[gi];
        char c[32], d[32], p[32], f[32];
        if (g->crash >= 0) {
            fmt_ms(c, sizeof c, g->crash);
            fmt_ms(d, sizeof d, g->detected);
            fmt_ms(p, sizeof p, g->promoted);
            fmt_ms(f, sizeof f, g->first_write);
            fprintf(out, "%s: master crashed %s, detected %s, promoted %s%s%s%s, first write %s", g->name, c, d, p,
                    g->new_master != SIM_NODE_NONE ? " (" : "",
                    g->new_master != SIM_NODE_NONE ? sim_node(w->sim, g->new_master)->name : "",
                    g->new_master != SIM_NODE_NONE ? ")" : "", f);
            if (g->first_write >= 0)
                fprintf(out, ": downtime %.1f s", sim_time_to_ms(g->first_write - g->crash) / 1000);
            fprintf(out, "\n");
        }
        fprintf(out, "%s: write unavailable %.1f s, read unavailable %.1f s; slave lag max %llu msgs (%llu B); "
                     "reads master %llu / slave %llu; redirects %llu to slave, %llu to master\n",
                g->name, sim_time_to_ms(g->write_unavailable) / 1000, sim_time_to_ms(g->read_unavailable) / 1000,
                (unsigned long long)g->lag_max_msgs, (unsigned long long)g->lag_max_bytes,
                (unsigned long long)g->reads_master, (unsigned long long)g->reads_slave,
                (unsigned long long)g->redirects_to_slave, (unsigned long long)g->redirects_to_master);
    }
    if (w->invariant_violations)
        fprintf(out, "INVARIANT VIOLATIONS: %d (see metrics.json)\n", w->invariant_violations);
}

static int rmq_violations(void *wp) { return ((struct rmq_state *)wp)->w.invariant_violations; }

static void rmq_free(void *wp)
{
    struct rmq_state *st = wp;
    world_destroy(&st->w);
    world_cfg_free(&st->cfg);
    tseries_free(st->ts);
    free(st);
}

static const char *const rmq_keys[] = {"groups",    "nameservers", "broker", "producers", "consumers",
                                       "operator", "checks",      "explore", NULL};

const struct world_ops rmq_world_ops = {
    .name = "rocketmq", .keys = rmq_keys, .load = rmq_load, .sample = rmq_sample, .series = rmq_series,
    .metrics = rmq_metrics, .summary = rmq_summary, .violations = rmq_violations, .free = rmq_free,
};
