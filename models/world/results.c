/* results: a RocketMQ run's results: metrics.json's RocketMQ part (the client-view figures of the topic and each
 * group, the failover timelines, the accounting and the invariants) and the summary on stdout. */
#include <math.h>
#include <stdio.h>

#include "models/world/world.h"

/* Per group, the replicas a message must still be on not to count as lost: the master at the end of the run.
 * A group with no master then (a failover the run did not see end) counts every replica, up or down (what a
 * crash left on a disk is still held): a message is lost there only once no replica holds it, the least the
 * failover can lose, since what it loses beyond that depends on the replica it will promote. Returns whether
 * some group has no master: its count is then a lower bound (acked_lost_censored). */
static int alive_masks(const struct rmq_world *w, unsigned *mask)
{
    int headless = 0;
    for (int gi = 0; gi < w->ngroups; gi++) {
        int m = world_current_master(w, gi);
        mask[gi] = m >= 0 ? 1u << m : (1u << w->g[gi].n) - 1;
        headless |= m < 0;
    }
    return headless;
}

static double ms_or_null(sim_time t) { return t < 0 ? NAN : sim_time_to_ms(t); }

static void add_ms(cJSON *o, const char *k, sim_time t)
{
    if (t < 0)
        cJSON_AddNullToObject(o, k);
    else
        cJSON_AddNumberToObject(o, k, ms_or_null(t));
}

/* null for an empty histogram's figures */
static void add_num_or_null(cJSON *o, const char *k, double v)
{
    if (isnan(v))
        cJSON_AddNullToObject(o, k);
    else
        cJSON_AddNumberToObject(o, k, v);
}

/* A scope's send and outage figures (README, "Measurements"). */
/* Achieved throughput: the sends acknowledged in the measurement window, from the warm-up to the end of
 * the run, per second of it (README, "Measurements"). Counted by when the answer came, not by when the send
 * started: the sends still in flight at the end would otherwise be missing from the window's last moments
 * (a bias of about the latency over the window), where a send that started in the warm-up and is
 * acknowledged after it stands in for them. */
static double throughput(const struct meas_scope *s, sim_time window)
{
    return window > 0 ? (double)s->acks_in_window / (sim_time_to_ms(window) / 1000.0) : NAN;
}

static void add_scope(cJSON *o, const struct meas_scope *s, sim_time window, sim_time end)
{
    cJSON_AddNumberToObject(o, "sends", (double)s->sends);
    cJSON_AddNumberToObject(o, "acked", (double)s->acked);
    cJSON_AddNumberToObject(o, "failed", (double)s->failed);
    add_num_or_null(o, "availability", s->sends ? (double)s->acked / (double)s->sends : NAN);
    add_num_or_null(o, "throughput_per_s", throughput(s, window));
    cJSON_AddNumberToObject(o, "write_unavailable_ms", sim_time_to_ms(s->write_unavail));
    cJSON_AddNumberToObject(o, "read_unavailable_ms", sim_time_to_ms(s->read_unavail));
    /* An outage the run ended in: its length so far, a lower bound (censored); null when none was open. The
     * totals above count it up to the end of the run. */
    add_ms(o, "write_outage_open_ms", s->open_since >= 0 ? end - s->open_since : -1);
    add_ms(o, "read_outage_open_ms", s->read_open_since >= 0 ? end - s->read_open_since : -1);
    cJSON *l = cJSON_AddObjectToObject(o, "latency_ms");
    add_num_or_null(l, "mean", sim_hist_mean(s->lat));
    static const double q[] = {0.5, 0.9, 0.99, 0.999};
    static const char *const qn[] = {"p50", "p90", "p99", "p999"};
    for (int i = 0; i < 4; i++)
        add_num_or_null(l, qn[i], sim_hist_quantile(s->lat, q[i]));
    add_num_or_null(l, "max", sim_hist_max(s->lat));
}

/* The failover timeline of the group's first master crash. */
static void add_failover(const struct rmq_world *w, const struct report_group *rg, cJSON *f)
{
    add_ms(f, "crash_ms", rg->crash);
    cJSON_AddStringToObject(f, "crash_kind", rg->crash_host ? "host" : "process");
    add_ms(f, "detected_ms", rg->detected);
    add_ms(f, "elected_ms", rg->elected);
    if (rg->new_master == SIM_NODE_NONE)
        cJSON_AddNullToObject(f, "new_master");
    else
        cJSON_AddStringToObject(f, "new_master", sim_node(w->sim, rg->new_master)->name);
    add_ms(f, "promoted_ms", rg->promoted);
    add_ms(f, "first_write_ms", rg->first_write);
    int recovered = rg->first_write >= 0;
    add_ms(f, "downtime_ms", recovered ? rg->first_write - rg->crash : -1);
    cJSON_AddBoolToObject(f, "recovered", recovered);
    /* Not recovered within the run: all we know is that the downtime is longer than this. */
    add_ms(f, "censored_ms", recovered ? -1 : sim_now(w->sim) - rg->crash);
}

/* Queue stalls (ordered sends: report_send_done; orderly consumers: report_orderly_*): those that ended,
 * and those still open at the end. */
static void add_stalls(const struct rmq_world *w, uint64_t stalls, sim_time max, sim_time total,
                       const sim_time *from, cJSON *o)
{
    cJSON_AddNumberToObject(o, "stalls", (double)stalls);
    add_num_or_null(o, "max", stalls ? sim_time_to_ms(max) : NAN);
    add_num_or_null(o, "mean", stalls ? sim_time_to_ms(total) / (double)stalls : NAN);
    int open = 0;
    sim_time open_max = -1;
    for (int q = 0; q < RMQ_MAX_QUEUES; q++)
        if (from[q] >= 0) {
            open++;
            if (sim_now(w->sim) - from[q] > open_max)
                open_max = sim_now(w->sim) - from[q];
        }
    cJSON_AddNumberToObject(o, "open", open);
    add_ms(o, "open_max", open_max);
}

/* The acknowledged messages one end-of-run check asks about, as acct_count's want(). */
struct want_ctx {
    const struct rmq_world *w;
    const unsigned *alive;
    int group;          /* the group asked about, or -1 for all */
    int promised;       /* 1: SYNC_MASTER or DLedger groups only, 0: the others only, -1: any */
    unsigned need, none;   /* ACCT_F_* flags that must be set, and that must not be */
    int held;           /* 1: held by a live replica, 0: by none, -1: either */
};

/* Whether a group promises that a message it acknowledged SUCCESS survives its master: DLedger (a quorum
 * holds it); a classic SYNC_MASTER whose put waits for a slave, which R53's does only with inSyncReplicas
 * above 1 (CommitLog.handleHA: needAckNums <= 1 is PUT_OK at once); controller mode with
 * allAckInSyncStateSet and no unclean election. Elsewhere a loss is a finding (acked_lost), not a
 * violation. */
static int promises(const struct rmq_world *w, int g)
{
    const struct broker_cfg *c = &w->g[g].cfg;
    int sync_master = c->role == RMQ_SYNC_MASTER && !c->controller &&
                      (c->sync_master_wait != SYNC_WAIT_IN_SYNC_REPLICAS || c->in_sync_replicas > 1);
    return sync_master || c->dledger || (c->controller && c->all_ack_in_sss && !w->ctl_unclean);
}

static int want(void *ctx, int g, unsigned mask, unsigned flags)
{
    const struct want_ctx *c = ctx;
    if (g >= c->w->ngroups || (c->group >= 0 && g != c->group))
        return 0;
    if (c->promised >= 0 && promises(c->w, g) != c->promised)
        return 0;
    if ((flags & c->need) != c->need || (flags & c->none))
        return 0;
    return c->held < 0 || ((mask & c->alive[g]) != 0) == c->held;
}

/* unwritable_after_faults for one scope (the topic or a group): the write outage the end of the run found
 * open began by the bound (the faults' end + recovery_bound_ms), and sends still failed after the bound,
 * so the producers kept trying and none was acknowledged since. A send counts for the group of its last
 * attempt; one that found no route counts for the topic only. */
static int unwritable(const struct meas_scope *s, sim_time bound)
{
    return s->open_since >= 0 && s->open_since <= bound && s->last_fail >= bound;
}

/* SYNC_MASTER promises that a put answered SUCCESS is on a slave, and DLedger that it is on a quorum:
 * check every such message against the group's live master at the end. Returns the number checked;
 * records violations. */
static uint64_t check_sync_master(struct rmq_world *w, const unsigned *mask, cJSON *violations)
{
    uint64_t checked = 0;
    for (int g = 0; g < w->ngroups; g++) {
        if (!promises(w, g) || world_current_master(w, g) < 0)
            continue;
        struct want_ctx c = {.w = w, .alive = mask, .group = g, .promised = 1, .need = ACCT_F_SUCCESS, .held = -1};
        checked += acct_count(&w->rep.acct, want, &c);
        c.held = 0;
        uint64_t bad = acct_count(&w->rep.acct, want, &c);
        if (bad) {
            cJSON *v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "invariant", w->g[g].cfg.dledger || w->g[g].cfg.controller ? "acked_message_lost" : "sync_master_acked_on_slave");
            cJSON_AddStringToObject(v, "group", w->g[g].name);
            cJSON_AddNumberToObject(v, "messages", (double)bad);
            cJSON_AddNumberToObject(v, "t_ms", sim_time_to_ms(sim_now(w->sim)));
            cJSON_AddItemToArray(violations, v);
            w->rep.invariant_violations++;
        }
    }
    return checked;
}

void results_metrics(struct rmq_state *st, cJSON *root)
{
    struct rmq_world *w = &st->w;
    unsigned mask[RMQ_MAX_GROUPS];
    int headless = alive_masks(w, mask);
    meas_flush_latency(&w->rep.meas);
    int dledger = 0, controller = 0;
    for (int gi = 0; gi < w->ngroups; gi++)
        dledger |= w->g[gi].cfg.dledger, controller |= w->g[gi].cfg.controller;
    cJSON_AddStringToObject(root, "ha", dledger ? "dledger" : controller ? "controller" : "master_slave");

    cJSON *m = cJSON_AddObjectToObject(root, "messages");
    cJSON_AddNumberToObject(m, "sent", (double)w->rep.acct.sent);
    cJSON_AddNumberToObject(m, "acked", (double)w->rep.acct.acked);
    cJSON_AddNumberToObject(m, "send_failed", (double)w->rep.acct.send_failed);
    cJSON_AddNumberToObject(m, "consumed", (double)w->rep.acct.consumed);
    cJSON_AddNumberToObject(m, "acked_lost", (double)acct_acked_lost(&w->rep.acct, mask, w->ngroups));
    /* A group with no master at the end counts only what no replica holds (alive_masks): a lower bound. */
    cJSON_AddBoolToObject(m, "acked_lost_censored", headless);
    cJSON_AddNumberToObject(m, "duplicates", (double)w->rep.acct.duplicates);
    cJSON_AddNumberToObject(m, "acked_unconsumed", (double)acct_acked_unconsumed(&w->rep.acct));
    cJSON *status = cJSON_AddObjectToObject(m, "status");
    for (int i = 0; i < ACCT_STATUSES; i++)
        if (w->rep.acct.status_count[i])
            cJSON_AddNumberToObject(status, rmq_status_name(i - ACCT_STATUS_BIAS), (double)w->rep.acct.status_count[i]);

    cJSON *topic = cJSON_AddObjectToObject(root, "topic");
    add_scope(topic, &w->rep.meas.topic, sim_now(w->sim) - w->rep.meas.warmup, sim_now(w->sim));

    cJSON *groups = cJSON_AddArrayToObject(root, "groups");
    for (int gi = 0; gi < w->ngroups; gi++) {
        const struct rmq_group *g = &w->g[gi];
        const struct report_group *rg = &w->rep.g[gi];
        const struct lag_stats *ls = &st->lag[gi];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", g->name);
        add_scope(o, &w->rep.meas.group[gi], sim_now(w->sim) - w->rep.meas.warmup, sim_now(w->sim));
        if (rg->crash < 0)
            cJSON_AddNullToObject(o, "failover");
        else
            add_failover(w, rg, cJSON_AddObjectToObject(o, "failover"));
        if (w->rep.ordered)
            add_stalls(w, rg->stalls, rg->stall_max, rg->stall_total, rg->stall_from,
                       cJSON_AddObjectToObject(o, "ordered_stall_ms"));
        if (w->rep.orderly)
            add_stalls(w, rg->ostalls, rg->ostall_max, rg->ostall_total, rg->ostall_from,
                       cJSON_AddObjectToObject(o, "orderly_stall_ms"));
        cJSON *lag = cJSON_AddObjectToObject(o, "lag");
        /* null when no sample had a value (no slave up beside a master: nothing measured) */
        add_num_or_null(lag, "max_msgs", ls->samples ? (double)ls->max_msgs : NAN);
        add_num_or_null(lag, "max_bytes", ls->byte_samples ? (double)ls->max_bytes : NAN);
        add_num_or_null(lag, "mean_msgs", ls->samples ? ls->sum_msgs / (double)ls->samples : NAN);
        cJSON *reads = cJSON_AddObjectToObject(o, "reads");
        cJSON_AddNumberToObject(reads, "master", (double)rg->reads_master);
        cJSON_AddNumberToObject(reads, "slave", (double)rg->reads_slave);
        cJSON *red = cJSON_AddObjectToObject(o, "redirects");
        cJSON_AddNumberToObject(red, "to_slave", (double)rg->redirects_to_slave);
        cJSON_AddNumberToObject(red, "to_master", (double)rg->redirects_to_master);
        cJSON_AddNumberToObject(o, "diverged_msgs", (double)rg->diverged_msgs);
        cJSON_AddItemToArray(groups, o);
    }
    cJSON *inv = cJSON_AddObjectToObject(root, "invariants");
    cJSON *viol = cJSON_CreateArray();
    for (int i = 0; i < w->rep.nviolations; i++) {
        const struct report_violation *v = &w->rep.violations[i];
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
        world_check_liveness(st, sim_now(w->sim));
        /* A run that ends before the bound has passed without a master is not judged. */
        int late = st->recovered < 0 ? sim_now(w->sim) >= st->cfg.checks.after + st->cfg.checks.bound
                                     : st->recovered - st->cfg.checks.after > st->cfg.checks.bound;
        if (late) {
            cJSON *v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "invariant", "no_master_after_faults");
            cJSON_AddNumberToObject(v, "after_ms", sim_time_to_ms(st->cfg.checks.after));
            cJSON_AddNumberToObject(v, "bound_ms", sim_time_to_ms(st->cfg.checks.bound));
            cJSON_AddItemToArray(viol, v);
            w->rep.invariant_violations++;
        }
        /* A master is not enough: a group that has acknowledged no send since before the bound passed while
         * its sends kept failing after it (producers still trying) is unwritable after the faults; the topic
         * is, when no group is (its sends found no route). */
        sim_time bound = st->cfg.checks.after + st->cfg.checks.bound;
        int flagged = 0;
        for (int gi = 0; gi <= w->ngroups && sim_now(w->sim) >= bound; gi++) {
            int whole = gi == w->ngroups;
            const struct meas_scope *sc = whole ? &w->rep.meas.topic : &w->rep.meas.group[gi];
            if ((whole && flagged) || !unwritable(sc, bound))
                continue;
            flagged = 1;
            cJSON *v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "invariant", "unwritable_after_faults");
            cJSON_AddStringToObject(v, "group", whole ? "" : w->g[gi].name);
            cJSON_AddNumberToObject(v, "since_ms", sim_time_to_ms(sc->open_since));
            cJSON_AddNumberToObject(v, "after_ms", sim_time_to_ms(st->cfg.checks.after));
            cJSON_AddNumberToObject(v, "bound_ms", sim_time_to_ms(st->cfg.checks.bound));
            cJSON_AddItemToArray(viol, v);
            w->rep.invariant_violations++;
        }
        /* Only a group that promises its acknowledged messages (SYNC_MASTER, DLedger) owes them to the
         * consumers; an ASYNC_MASTER failover can skip some (consumer offsets ahead of the promoted
         * slave's queues), which is a finding, reported beside the violations. */
        uint64_t unconsumed = 0, skipped = 0;
        if (st->cutoff_set) {
            struct want_ctx c = {.w = w, .alive = mask, .group = -1, .promised = 1,
                                 .need = ACCT_F_EARLY | ACCT_F_UNREAD, .held = 1};
            unconsumed = acct_count(&w->rep.acct, want, &c);
            c.promised = 0;
            skipped = acct_count(&w->rep.acct, want, &c);
        }
        if (unconsumed) {
            cJSON *v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "invariant", "acked_not_consumed");
            cJSON_AddNumberToObject(v, "messages", (double)unconsumed);
            cJSON_AddItemToArray(viol, v);
            w->rep.invariant_violations++;
        }
        cJSON_AddNumberToObject(m, "acked_skipped", (double)skipped);
    }
    /* Election safety is checked where a member becomes leader (raft_check_leader), the only place it can
     * break; it then holds after every event, which is what it counts as: once per event and DLedger group. */
    uint64_t checked = check_sync_master(w, mask, viol) + w->rep.invariant_checks;
    for (int gi = 0; gi < w->ngroups; gi++)
        if (w->g[gi].check)
            checked += sim_stats(w->sim)->dispatched;
    cJSON_AddNumberToObject(inv, "checked", (double)checked);
    cJSON_AddItemToObject(inv, "violations", viol);
}


/* "12.3 s", or "-" for what did not happen. */
static const char *fmt_s(char *buf, size_t n, sim_time t)
{
    if (t < 0)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.1f s", sim_time_to_ms(t) / 1000);
    return buf;
}

/* "availability 99.12% (12 of 1,000 sends failed), write outage 1.2 s, read outage 0.0 s, latency p50 0.48 ms
 * p99 1.9 ms" */
static void scope_line(FILE *out, const struct meas_scope *s, sim_time window)
{
    if (s->sends)
        fprintf(out, "availability %.2f%% (%llu of %llu sends failed)", 100.0 * (double)s->acked / (double)s->sends,
                (unsigned long long)s->failed, (unsigned long long)s->sends);
    else
        fprintf(out, "no sends");
    fprintf(out, ", write outage %.1f s%s, read outage %.1f s%s", sim_time_to_ms(s->write_unavail) / 1000,
            s->open_since >= 0 ? " (still open at the end)" : "", sim_time_to_ms(s->read_unavail) / 1000,
            s->read_open_since >= 0 ? " (still open at the end)" : "");
    if (sim_hist_count(s->lat))
        fprintf(out, ", latency p50 %.3g ms p99 %.3g ms", sim_hist_quantile(s->lat, 0.5), sim_hist_quantile(s->lat, 0.99));
    if (window > 0)
        fprintf(out, ", throughput %.0f/s", throughput(s, window));
}

void results_summary(struct rmq_state *st, FILE *out)
{
    struct rmq_world *w = &st->w;
    unsigned mask[RMQ_MAX_GROUPS];
    int headless = alive_masks(w, mask);
    meas_flush_latency(&w->rep.meas);
    const struct acct *a = &w->rep.acct;
    fprintf(out, "topic: ");
    scope_line(out, &w->rep.meas.topic, sim_now(w->sim) - w->rep.meas.warmup);
    fprintf(out, "\n");
    /* messages.*: the whole run; the lines of the topic and the groups count from the warm-up on. */
    fprintf(out, "messages (whole run, with the %.1f s warm-up the topic and group figures leave out): sent %llu, "
                 "acked %llu, consumed %llu; acked lost %s%llu%s, duplicates %llu\n",
            sim_time_to_ms(w->rep.meas.warmup) / 1000, (unsigned long long)a->sent, (unsigned long long)a->acked,
            (unsigned long long)a->consumed,
            headless ? ">= " : "", (unsigned long long)acct_acked_lost(a, mask, w->ngroups),
            headless ? " (censored: a group has no master at the end)" : "", (unsigned long long)a->duplicates);
    for (int gi = 0; gi < w->ngroups; gi++) {
        const struct rmq_group *g = &w->g[gi];
        const struct report_group *rg = &w->rep.g[gi];
        const struct lag_stats *lag = &st->lag[gi];
        fprintf(out, "%s: ", g->name);
        scope_line(out, &w->rep.meas.group[gi], sim_now(w->sim) - w->rep.meas.warmup);
        fprintf(out, "\n");
        if (rg->crash >= 0) {
            char c[32], d[32], e[32], p[32], f[32];
            int dl = g->cfg.dledger || g->cfg.controller;
            const char *seen = g->cfg.controller ? "inactive" : dl ? "candidate" : "alert";
            fprintf(out, "%s: master %s crashed %s, %s %s, %s %s, promoted %s%s%s%s, first write %s", g->name,
                    rg->crash_host ? "host" : "process", fmt_s(c, sizeof c, rg->crash), seen,
                    fmt_s(d, sizeof d, rg->detected), dl ? "elected" : "operator", fmt_s(e, sizeof e, rg->elected),
                    fmt_s(p, sizeof p, rg->promoted), rg->new_master != SIM_NODE_NONE ? " (" : "",
                    rg->new_master != SIM_NODE_NONE ? sim_node(w->sim, rg->new_master)->name : "",
                    rg->new_master != SIM_NODE_NONE ? ")" : "", fmt_s(f, sizeof f, rg->first_write));
            if (rg->first_write >= 0)
                fprintf(out, ": downtime %.1f s\n", sim_time_to_ms(rg->first_write - rg->crash) / 1000);
            else
                fprintf(out, ": not recovered, downtime > %.1f s (censored)\n",
                        sim_time_to_ms(sim_now(w->sim) - rg->crash) / 1000);
        }
        char lm[64];
        if (lag->samples)
            snprintf(lm, sizeof lm, "%llu msgs (%llu B)", (unsigned long long)lag->max_msgs,
                     (unsigned long long)lag->max_bytes);
        else if (lag->byte_samples)
            snprintf(lm, sizeof lm, "%llu B", (unsigned long long)lag->max_bytes);
        else
            snprintf(lm, sizeof lm, "not measured");
        fprintf(out, "%s: slave lag max %s; reads master %llu / slave %llu; redirects %llu to slave, "
                     "%llu to master\n",
                g->name, lm, (unsigned long long)rg->reads_master, (unsigned long long)rg->reads_slave,
                (unsigned long long)rg->redirects_to_slave, (unsigned long long)rg->redirects_to_master);
        if (rg->diverged_msgs)
            fprintf(out, "%s: %llu messages on a slave differ from the master's at the same offsets (diverged log)\n",
                    g->name, (unsigned long long)rg->diverged_msgs);
    }
    if (w->rep.invariant_violations)
        fprintf(out, "INVARIANT VIOLATIONS: %d (see metrics.json)\n", w->rep.invariant_violations);
}
