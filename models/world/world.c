/* world: the RocketMQ world as a scenario world: the statistics the models report, the sampled time
 * series, memory trimming, metrics.json and the summary. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/report/acct.h"
#include "models/broker/broker.h"
#include "models/client/consumer.h"
#include "models/client/producer.h"
#include "models/controller/controller.h"
#include "models/dledger/raft_check.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"

/* ---- reports from the models ---- */

/* "@master:GROUP" is the group's master now, "@slave:GROUP" its first live slave, "@controller_leader" the
 * active controller. */
static sim_node_id resolve(void *ctx, const char *name)
{
    struct rmq_world *w = ctx;
    int want_master;
    if (strcmp(name, "@controller_leader") == 0) {
        int k = w->ctl ? controller_leader(w->ctl) : -1;
        return !w->ctl ? SIM_NODE_BAD : k < 0 ? SIM_NODE_NONE : controller_node_at(w->ctl, k);
    }
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

struct rmq_world *rmq_world_get(void *world_state) { return &((struct rmq_state *)world_state)->w; }

int world_current_master(const struct rmq_world *w, int gi)
{
    const struct rmq_group *g = &w->g[gi];
    for (int r = 0; r < g->n; r++) {
        const struct sim_node *n = sim_node(w->sim, g->node[r]);
        if (n->state == SIM_NODE_UP && broker_role(g->broker[r]) != RMQ_SLAVE)
            return r;
    }
    return -1;
}

/* Where replica log cl stops holding what the master holds at the same offsets, at or below safe: the
 * start of its newest messages below safe that the master does not have there (an old master back as a
 * slave: both logs are kept from there until its replication resumes and ha_diverge.c counts them). */
static uint64_t parted_below(const struct commitlog *ml, const struct commitlog *cl, uint64_t safe)
{
    uint64_t i = cl_find(cl, safe);
    while (ml != cl && i > cl->first) {
        const struct cl_entry *e = cl_at(cl, i - 1);
        if (e->offset < ml->min_offset || cl_same_at(ml, e))
            break;
        safe = e->offset;
        i--;
    }
    return safe;
}

/* The physical offset below which the master's log ml holds no message of queue q from queue offset qoff
 * on: the offset of that message, or safe when ml does not keep it (not written yet, or forgotten). */
static uint64_t queue_floor(const struct commitlog *ml, int q, uint64_t qoff, uint64_t safe)
{
    const struct cl_entry *e = cl_at(ml, cl_qentry(ml, q, qoff));
    return e && e->offset < safe ? e->offset : safe;
}

/* Forgets CommitLog entries no one can ask for again: below what every replica's own store may read
 * (broker_keep_offset: the entry a host crash would leave its log ending with, controller mode's confirm and
 * dispatch offsets), every consumer offset any replica holds (live
 * or persisted), every offset a consumer may still pull from or commit (two consumers may hold one queue while
 * their views of the group differ, one of them from a slave, behind the offset the other committed; a pull it
 * no longer waits for, which TCP may still deliver: consumer_lowest_offset), every
 * offset a pull a broker holds, queues or serves asks for (its consumer may have let the queue go since) and,
 * in DLedger, every index a replica may still read (broker_dledger_keep). Invisible to the protocol, whose read
 * below it is the violation trimmed_read; it keeps memory flat. */
static void trim(struct rmq_world *w, int gi, int master)
{
    struct rmq_group *g = &w->g[gi];
    const struct commitlog *ml = broker_log(g->broker[master]);
    uint64_t safe = ml->max_offset;
    for (int i = 0; i < w->nconsumers; i++)
        for (int q = 0; q < g->cfg.queues; q++) {
            uint64_t o = consumer_lowest_offset(w->consumers[i], gi, q);
            if (o != UINT64_MAX)
                safe = queue_floor(ml, q, o, safe);
        }
    for (int r = 0; r < g->n; r++) {
        const struct commitlog *cl = broker_log(g->broker[r]);
        uint64_t own = broker_keep_offset(g->broker[r]);   /* a crash's cut, controller mode's offsets */
        uint64_t cut = ctl_truncation_floor(g->broker[r], g->broker[master]);   /* a handshake's cut */
        if (own < safe)
            safe = own;
        if (cut < safe)
            safe = cut;
        safe = parted_below(ml, cl, safe);
        uint64_t pulls[RMQ_MAX_QUEUES];
        broker_pull_floor(g->broker[r], pulls);
        for (int q = 0; q < g->cfg.queues; q++) {
            if (pulls[q] != UINT64_MAX)
                safe = queue_floor(ml, q, pulls[q], safe);
            uint64_t o[2] = {broker_offset(g->broker[r], q), broker_saved_offset(g->broker[r], q)};
            for (int k = 0; k < 2; k++) {
                if (o[k] == UINT64_MAX) {
                    if (cl_next_qoff(ml, q) > cl_min_qoff(ml, q))
                        safe = 0;   /* a queue with messages and no offset yet: keep everything */
                    continue;
                }
                safe = queue_floor(ml, q, o[k], safe);
            }
        }
        /* A DLedger leader compares a follower's log with its own entry at an index as low as the follower's
         * end (DLedgerEntryPusher.EntryDispatcher.doCompare reads dLedgerStore.get(compareIndex); the entries
         * stay in DLedger's files), and sends again the entry after a water-mark it has not heard of since:
         * keep every entry from the lowest committed, dispatched, checkpointed or dispatcher-read index of any
         * replica on (broker_dledger_keep), that entry included, so a leader elected after everything was
         * consumed still has something to compare, and a replica's ReputMessageService something to dispatch. */
        if (broker_raft(g->broker[r])) {
            int64_t keep = broker_dledger_keep(g->broker[r]);
            const struct cl_entry *e = keep >= (int64_t)ml->first ? cl_at(ml, (uint64_t)keep) : NULL;
            uint64_t floor = e ? e->offset : keep < (int64_t)ml->first ? ml->min_offset : safe;
            if (floor < safe)
                safe = floor;
        }
    }
    if (safe > 0) {
        uint64_t first = UINT64_MAX;
        for (int r = 0; r < g->n; r++) {
            /* The copies cl_trim forgets can no longer be read, transferred or dropped (acct.c). */
            const struct commitlog *cl = broker_log(g->broker[r]);
            for (uint64_t i = cl->first; i < cl_end(cl); i++) {
                const struct cl_entry *e = cl_at(cl, i);
                if (e->offset + e->size > safe)
                    break;
                acct_unpin(&w->rep.acct, e->msg);
            }
            broker_trim(g->broker[r], safe);
            if (broker_log(g->broker[r])->first < first)
                first = broker_log(g->broker[r])->first;
        }
        if (g->check && first != UINT64_MAX)
            raft_check_trim(g->check, first);
    }
}


/* Liveness after the faults: sampled, so its resolution is run.sample_ms. */
void world_check_liveness(struct rmq_state *st, sim_time now)
{
    if (st->cfg.checks.after <= 0 || now < st->cfg.checks.after)
        return;
    if (!st->cutoff_set) {
        st->cutoff_set = 1;
        st->cutoff_msg = st->w.rep.acct.n;
        acct_cutoff(&st->w.rep.acct);
    }
    if (st->recovered >= 0)
        return;
    for (int gi = 0; gi < st->w.ngroups; gi++)
        if (world_current_master(&st->w, gi) < 0)
            return;
    st->recovered = now;
}

/* The columns every row of timeseries.csv shares after the per-slave pairs (README, "timeseries.csv"). */
static const char *const tail_cols[] = {"backlog_msgs", "reads_master", "reads_slave", "redirect_threshold_bytes",
                                        "sends", "acked", "failed", "latency_p50_ms", "latency_p99_ms",
                                        "redirects_to_slave", "redirects_to_master"};
#define TAIL_COLS (int)(sizeof tail_cols / sizeof tail_cols[0])

/* The send figures of one scope's sample interval, at row[k...]. */
static int put_sends(double *row, int k, const struct meas_scope *ms)
{
    row[k++] = (double)ms->iv_sends;
    row[k++] = (double)ms->iv_acked;
    row[k++] = (double)ms->iv_failed;
    row[k++] = sim_hist_quantile(ms->lat_iv, 0.50);
    row[k++] = sim_hist_quantile(ms->lat_iv, 0.99);
    return k;
}

/* The topic's row: what every group's row sums to, and what reached no group. */
static void sample_topic(struct rmq_state *st, sim_time now)
{
    struct rmq_world *w = &st->w;
    double row[64];
    int k = 0;
    uint64_t rm = 0, rs = 0, ts = 0, tm = 0;
    for (int gi = 0; gi < w->ngroups; gi++) {
        rm += w->rep.g[gi].reads_master_iv;
        rs += w->rep.g[gi].reads_slave_iv;
        ts += w->rep.g[gi].redirects_to_slave;
        tm += w->rep.g[gi].redirects_to_master;
    }
    row[k++] = sim_time_to_ms(now);
    row[k++] = NAN;
    for (int s = 0; s < st->max_slaves; s++) {
        row[k++] = NAN;
        row[k++] = NAN;
    }
    row[k++] = (double)w->rep.meas.topic.backlog;
    row[k++] = (double)rm;
    row[k++] = (double)rs;
    row[k++] = NAN;
    k = put_sends(row, k, &w->rep.meas.topic);
    row[k++] = (double)ts;
    row[k++] = (double)tm;
    tseries_row_labeled(st->ts, "*", row);
}

static void sample_group(struct rmq_state *st, int gi)
{
    struct rmq_world *w = &st->w;
    struct rmq_group *g = &w->g[gi];
    struct report_group *rg = &w->rep.g[gi];
    struct lag_stats *lag = &st->lag[gi];
    double row[64];
    int m = world_current_master(w, gi);
    int k = 0;
    row[k++] = sim_time_to_ms(sim_now(w->sim));
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
            row[k++] = (double)lag_bytes;
            if (lag_bytes > lag->max_bytes)
                lag->max_bytes = lag_bytes;
            lag->byte_samples++;
            if (cl_phy_trimmed(ml, sl->max_offset)) {
                /* A slave sent back below what the master's log keeps (a handshake to an epoch's start):
                 * the messages in between are forgotten, so their count is not known. */
                row[k++] = NAN;
            } else {
                uint64_t lag_msgs = cl_end(ml) - cl_find(ml, sl->max_offset);
                row[k++] = (double)lag_msgs;
                if (lag_msgs > lag->max_msgs)
                    lag->max_msgs = lag_msgs;
                lag->sum_msgs += (double)lag_msgs;
                lag->samples++;
            }
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
    row[k++] = (double)w->rep.meas.group[gi].backlog;
    row[k++] = (double)rg->reads_master_iv;
    row[k++] = (double)rg->reads_slave_iv;
    row[k++] = (double)g->cfg.host_memory * g->cfg.in_memory_ratio / 100.0;
    k = put_sends(row, k, &w->rep.meas.group[gi]);
    row[k++] = (double)rg->redirects_to_slave;
    row[k++] = (double)rg->redirects_to_master;
    tseries_row_labeled(st->ts, g->name, row);
    if (m >= 0 && !w->keep_all)
        trim(w, gi, m);
}

static void sample_rows(struct rmq_state *st)
{
    struct rmq_world *w = &st->w;
    sim_time now = sim_now(w->sim);
    sample_topic(st, now);
    for (int gi = 0; gi < w->ngroups; gi++) {
        sample_group(st, gi);
        w->rep.g[gi].reads_master_iv = w->rep.g[gi].reads_slave_iv = 0;
    }
    meas_interval_reset(&w->rep.meas);
    st->last_sample = now;
}

/* The longest the scenario's faults can hold a request or a copy in flight: a partition or a changed link
 * holds a connection's segments until it heals or tcp_timeout_ms passes (then the connection dies); a pause
 * or a disk stall holds a node's work for its duration. The accounting keeps messages that long past its
 * usual grace (acct.c). */
static sim_time hold_horizon(const struct scenario *sc)
{
    sim_time net = 0, node = 0;
    for (int i = 0; i < sc->faults.n; i++) {
        const struct fault *f = &sc->faults.f[i];
        if (f->op == FAULT_PARTITION || f->op == FAULT_LINK)
            net = sim_net_tcp_timeout(sc->sim);
        else if ((f->op == FAULT_PAUSE || f->op == FAULT_DISK_STALL) && f->duration > node)
            node = f->duration;
    }
    return net + node;
}

static void rmq_sample(void *wp, struct scenario *sc)
{
    struct rmq_state *st = wp;
    if (st->last_sample < 0)
        acct_set_grace(&st->w.rep.acct, ACCT_GRACE + hold_horizon(sc));
    world_check_liveness(st, sim_now(sc->sim));
    sample_rows(st);
    acct_fold(&st->w.rep.acct, sim_now(sc->sim));   /* after the trims: what they unpinned may settle */
}

/* The end of the run: outages still open run to the end; sends that returned after the last sample get a
 * last row, so the rows add up to the totals. */
static void rmq_finish(void *wp, struct scenario *sc)
{
    struct rmq_state *st = wp;
    struct rmq_world *w = &st->w;
    (void)sc;
    meas_finish(&w->rep.meas, sim_now(w->sim));
    /* Each group's master at the end: what acked_lost asks every acknowledged message to be held by (with
     * msg.held, the trace says it whole). */
    struct trace *tr = sim_trace(w->sim);
    for (int gi = 0; gi < w->ngroups && trace_on(tr, TRACE_EVENTS); gi++) {
        int m = world_current_master(w, gi);
        trace_begin(tr, sim_now(w->sim), "", "run.end");
        trace_str(tr, "group", w->g[gi].name);
        trace_str(tr, "master", m >= 0 ? sim_node(w->sim, w->g[gi].node[m])->name : NULL);
        trace_int(tr, "replica", m);
        trace_end(tr);
    }
    if (w->rep.acct.late)   /* changes the accounting could not count (acct.c): the figures are not exact */
        report_violation(&w->rep, "accounting_window", -1, SIM_NODE_NONE, -1, (int64_t)w->rep.acct.late);
    if (w->rep.acct.n == ACCT_NO_MSG)   /* the producers ran out of message ids and stopped (acct.h) */
        report_violation(&w->rep, "message_ids", -1, SIM_NODE_NONE, -1, (int64_t)w->rep.acct.sent);
    int rest = st->last_sample < sim_now(w->sim) || w->rep.meas.topic.iv_sends > 0;
    for (int gi = 0; gi < w->ngroups && !rest; gi++)
        rest = w->rep.g[gi].reads_master_iv || w->rep.g[gi].reads_slave_iv;
    if (rest)
        sample_rows(st);
}

/* Message ids are 32 bits (the CommitLogs' entries, the accounting): an open workload that would send
 * more than 4,000,000,000 messages in the run is refused here; a closed one that gets there is stopped by
 * the accounting (acct_new). Poisson arrivals stray from their mean by a few hundred thousand at most. */
#define MAX_RUN_SENDS 4.0e9
static int ids_suffice(struct conf *c, const struct scenario *sc, const struct world_cfg *wc)
{
    const struct producer_cfg *p = &wc->producer;
    if (p->mode != PRODUCER_OPEN || p->rate <= 0)
        return 0;
    sim_time end = p->stop > 0 && p->stop < sc->duration ? p->stop : sc->duration;
    double sends = end > p->start ? p->rate * wc->nproducers * (double)(end - p->start) / SIM_S : 0;
    if (sends <= MAX_RUN_SENDS)
        return 0;
    return conf_fail(c, "$.run.duration_ms",
                     "the producers would send %.3g messages (%d x %g a second for %.0f s), more than the "
                     "4,000,000,000 a run can number; shorten the run or lower producers.rate_per_s",
                     sends, wc->nproducers, p->rate, (double)(end - p->start) / SIM_S);
}

static void *rmq_load(struct scenario *sc, struct conf *c)
{
    struct rmq_state *st = calloc(1, sizeof *st);
    if (!st) {
        conf_fail(c, "$", "out of memory");
        return NULL;
    }
    st->recovered = -1;
    st->last_sample = -1;
    if (world_cfg_read(c, sc->root, &st->cfg) < 0)
        goto fail;
    if (sc->warmup >= 0)
        st->cfg.metrics.warmup = sc->warmup;
    if (ids_suffice(c, sc, &st->cfg) < 0)
        goto fail;
    if (world_build(&st->w, sc->sim, &st->cfg) < 0) {
        conf_fail(c, "$", "out of memory building the nodes");
        goto fail;
    }
    for (int gi = 0; gi < st->w.ngroups; gi++)
        if (st->w.g[gi].n - 1 > st->max_slaves)
            st->max_slaves = st->w.g[gi].n - 1;
    sim_set_resolver(sc->sim, resolve, &st->w);
    world_fault_ops_add(&sc->faults, &st->w);
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
    for (int i = 0; i < TAIL_COLS; i++)
        cols[k++] = tail_cols[i];
    st->ts = tseries_new_labeled("group", cols, k);
    st->lag = calloc((size_t)st->w.ngroups + 1, sizeof *st->lag);
    if (!st->ts || !st->lag) {
        conf_fail(c, "$", "out of memory");
        goto fail;
    }
    return st;
fail:
    world_destroy(&st->w);
    world_cfg_free(&st->cfg);
    tseries_free(st->ts);
    free(st->lag);
    free(st);
    return NULL;
}

static struct tseries *rmq_series(void *wp) { return ((struct rmq_state *)wp)->ts; }

static void rmq_metrics(void *wp, struct scenario *sc, cJSON *root)
{
    (void)sc;
    results_metrics(wp, root);
}

static void rmq_summary(void *wp, struct scenario *sc, FILE *out)
{
    (void)sc;
    results_summary(wp, out);
}

static void rmq_run_info(void *wp, struct scenario *sc, cJSON *run)
{
    const struct rmq_state *st = wp;
    (void)sc;
    cJSON_AddNumberToObject(run, "warmup_ms", sim_time_to_ms(st->w.rep.meas.warmup));
    cJSON_AddNumberToObject(run, "read_warmup_ms", sim_time_to_ms(st->w.rep.meas.read_warmup));
    cJSON_AddNumberToObject(run, "read_gap_ms", sim_time_to_ms(st->w.rep.meas.read_gap));
    world_version_run_info(&st->cfg, run);
}

static int rmq_violations(void *wp) { return ((struct rmq_state *)wp)->w.rep.invariant_violations; }

static void rmq_free(void *wp)
{
    struct rmq_state *st = wp;
    world_destroy(&st->w);
    world_cfg_free(&st->cfg);
    tseries_free(st->ts);
    free(st->lag);
    free(st);
}

static const char *const rmq_keys[] = {"groups",   "nameservers", "broker",  "producers", "consumers",
                                       "operator", "checks",      "explore", "metrics",   "controllers", "version", NULL};

const struct world_ops rmq_world_ops = {
    .name = "rocketmq", .keys = rmq_keys, .load = rmq_load, .sample = rmq_sample, .series = rmq_series,
    .finish = rmq_finish, .run_info = rmq_run_info, .metrics = rmq_metrics, .summary = rmq_summary, .violations = rmq_violations, .free = rmq_free,
};
