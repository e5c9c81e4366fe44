/* test_measure: the client-view measurements (README, "Measurements"): the histogram's error bound, outages
 * from hand-made send sequences, and whole runs on small deterministic worlds whose figures are computed by
 * hand or recomputed from the full trace alone. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "models/report/measure.h"
#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "sim/hist.h"
#include "sim/rng.h"
#include "tests/harness.h"
#include "tests/recompute.h"

#define MS SIM_MS

/* ---- the histogram ---- */

/* The bin of x by the edges e[0..n] themselves (built as sim_hist_new builds them), by bisection: k with
 * e[k] <= x < e[k + 1], the first bin for what is below, the last for what is above. */
static size_t bin_by_edges(const double *e, size_t n, double x)
{
    size_t a = 0, b = n - 1;   /* the bin is in [a, b] */
    while (a < b) {
        size_t m = a + (b - a + 1) / 2;
        if (x >= e[m])
            a = m;
        else
            b = m - 1;
    }
    return a;
}

/* sim_hist_bin finds the bin from an approximate logarithm (or from log, for bins too fine for it), then
 * steps to the edges: every value lands where the edges say, on an edge, one ulp either side of it, at
 * random, below the first and past the last. */
START_TEST(hist_bins_match_edges)
{
    const struct { double lo, hi, rel; } cfg[] = {{1e-3, 1e7, 0.01}, {1e-2, 1e6, 0.05}, {0.5, 3, 0.001},
                                                  {1, 2, 0.0001}, {1e-300, 1e-290, 0.2}};
    struct sim_rng *rng = sim_rng_new(7, "test", "hist_bins");
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        struct sim_hist *h = sim_hist_new(cfg[c].lo, cfg[c].hi, cfg[c].rel);
        ck_assert_ptr_nonnull(h);
        double r = 1 + 2 * cfg[c].rel, lo = cfg[c].lo;
        size_t n = (size_t)ceil(log(cfg[c].hi / lo) / log(r));
        double *e = malloc((n + 1) * sizeof *e);
        ck_assert_ptr_nonnull(e);
        for (size_t k = 0; k <= n; k++)
            e[k] = lo * pow(r, (double)k);
        for (size_t k = 0; k <= n; k++) {
            double xs[] = {e[k], nextafter(e[k], 0), nextafter(e[k], INFINITY)};
            for (int j = 0; j < 3; j++)
                ck_assert_msg(sim_hist_bin(h, xs[j]) == bin_by_edges(e, n, xs[j]), "cfg %zu edge %zu side %d", c,
                              k, j);
        }
        for (int i = 0; i < 20000; i++) {
            double x = lo * pow(r, sim_rng_uniform(rng) * (double)n);
            size_t want = bin_by_edges(e, n, x), got = sim_hist_bin(h, x);
            ck_assert_msg(got == want, "cfg %zu x %.17g: bin %zu, edges say %zu", c, x, got, want);
        }
        ck_assert_uint_eq(sim_hist_bin(h, lo / 3), 0);
        ck_assert_uint_eq(sim_hist_bin(h, cfg[c].hi * 5), n - 1);
        free(e);
        sim_hist_free(h);
    }
    sim_rng_free(rng);
}
END_TEST

START_TEST(hist_within_one_percent)
{
    struct sim_hist *h = sim_hist_new(1e-3, 1e7, 0.01);
    ck_assert_ptr_nonnull(h);
    ck_assert(isnan(sim_hist_quantile(h, 0.5)));
    ck_assert(isnan(sim_hist_mean(h)));
    struct sim_rng *r = sim_rng_new(42, "test", "hist");
    enum { N = 20000 };
    double *x = malloc(N * sizeof *x);
    double sum = 0;
    for (int i = 0; i < N; i++) {
        /* latencies from 10 us to minutes */
        x[i] = exp(sim_rng_uniform(r) * 16 - 4.6);
        sum += x[i];
        sim_hist_add(h, x[i]);
    }
    qsort(x, N, sizeof *x, th_dcmp);
    const double qs[] = {0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1};
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        double want = th_exact_quantile(x, N, qs[k]), got = sim_hist_quantile(h, qs[k]);
        ck_assert_msg(fabs(got - want) <= 0.01 * want, "q %g: %g vs exact %g", qs[k], got, want);
    }
    ck_assert_double_eq_tol(sim_hist_mean(h), sum / N, 1e-9 * sum / N);
    ck_assert_double_eq(sim_hist_max(h), x[N - 1]);
    ck_assert_uint_eq(sim_hist_count(h), N);
    /* Two halves merged give the same quantiles. */
    struct sim_hist *a = sim_hist_new(1e-3, 1e7, 0.01), *b = sim_hist_new(1e-3, 1e7, 0.01);
    for (int i = 0; i < N; i++)
        sim_hist_add(i % 2 ? a : b, x[i]);
    ck_assert_int_eq(sim_hist_merge(a, b), 0);
    ck_assert_uint_eq(sim_hist_count(a), N);
    ck_assert_double_eq(sim_hist_quantile(a, 0.99), sim_hist_quantile(h, 0.99));
    ck_assert_double_eq(sim_hist_max(a), x[N - 1]);
    sim_hist_free(a);
    sim_hist_free(b);
    /* Values on the bins' edges land in the bin they open. */
    sim_hist_reset(h);
    ck_assert_uint_eq(sim_hist_count(h), 0);
    for (int k = 0; k < 1000; k++)
        sim_hist_add(h, 1e-3 * pow(1.02, k));
    for (int k = 1; k <= 1000; k++) {
        double want = 1e-3 * pow(1.02, k - 1), got = sim_hist_quantile(h, (double)k / 1000);
        ck_assert_msg(fabs(got - want) <= 0.01 * want, "edge %d: %g vs %g", k, got, want);
    }
    /* sim_hist_add2 is two adds: into histograms with the same bins and into one with other bins. */
    struct sim_hist *p = sim_hist_new(1e-3, 1e7, 0.01), *q = sim_hist_new(1e-3, 1e7, 0.01);
    struct sim_hist *o = sim_hist_new(1e-2, 1e6, 0.05), *p2 = sim_hist_new(1e-3, 1e7, 0.01);
    struct sim_hist *o2 = sim_hist_new(1e-2, 1e6, 0.05);
    for (int i = 0; i < N; i++) {
        sim_hist_add2(p, i % 3 ? q : o, x[N - 1 - i]);
        sim_hist_add(p2, x[N - 1 - i]);
        if (i % 3 == 0)
            sim_hist_add(o2, x[N - 1 - i]);
    }
    ck_assert_uint_eq(sim_hist_count(p), N);
    for (double qq = 0; qq <= 1; qq += 0.01) {
        ck_assert_double_eq(sim_hist_quantile(p, qq), sim_hist_quantile(p2, qq));
        ck_assert_double_eq(sim_hist_quantile(o, qq), sim_hist_quantile(o2, qq));
    }
    ck_assert_double_eq(sim_hist_mean(p), sim_hist_mean(p2));
    ck_assert_double_eq(sim_hist_mean(o), sim_hist_mean(o2));
    ck_assert_uint_eq(sim_hist_count(q), N - N / 3 - 1);
    sim_hist_free(p);
    sim_hist_free(q);
    sim_hist_free(o);
    sim_hist_free(p2);
    sim_hist_free(o2);
    sim_hist_reset(h);
    free(x);
    sim_rng_free(r);
    sim_hist_free(h);
}
END_TEST

/* ---- outages from hand-made sequences ---- */

START_TEST(write_outage_in_start_order)
{
    struct meas m;
    ck_assert_int_eq(meas_init(&m, 2, 1000 * MS, 1000 * MS), 0);
    /* msg 0 starts before the warm-up and fails: not counted. */
    meas_send_done(&m, 0, 0, 0, 500 * MS, 600 * MS);
    /* msgs 1..4 start at 2000, 2010, 2020, 2030 ms; they return out of order: 2 (failed, group 0) first,
     * then 4 (acked, group 1), then 1 (failed, no route), then 3 (acked, group 0). */
    meas_send_done(&m, 2, 0, 0, 2010 * MS, 5010 * MS);
    meas_send_done(&m, 4, 1, 1, 2030 * MS, 2032 * MS);
    ck_assert_int_eq(m.topic.write_unavail, 0);   /* msg 1 has not returned: nothing taken yet */
    meas_send_done(&m, 1, -1, 0, 2000 * MS, 5000 * MS);
    meas_send_done(&m, 3, 0, 1, 2020 * MS, 2022 * MS);
    /* Topic: 1 and 2 failed, 3 acked: an outage from 2000 (msg 1's start) to 2020 (msg 3's start). */
    ck_assert_int_eq(m.topic.write_unavail, 20 * MS);
    /* Group 0: 2 failed, 3 acked: 2010 to 2020. Group 1 never failed. No-route msg 1 is topic only. */
    ck_assert_int_eq(m.group[0].write_unavail, 10 * MS);
    ck_assert_int_eq(m.group[1].write_unavail, 0);
    ck_assert_uint_eq(m.topic.sends, 4);
    ck_assert_uint_eq(m.topic.failed, 2);
    ck_assert_uint_eq(m.group[0].sends, 2);
    ck_assert_uint_eq(m.group[1].acked, 1);
    meas_flush_latency(&m);
    ck_assert_double_eq(sim_hist_max(m.topic.lat), 2);
    /* An outage still open at the end runs to the end; a send still in flight (5) is not counted, the one
     * after it (6) is. */
    meas_send_done(&m, 6, 1, 0, 3010 * MS, 6010 * MS);
    meas_finish(&m, 10000 * MS);
    ck_assert_int_eq(m.topic.write_unavail, 20 * MS + 6990 * MS);
    ck_assert_int_eq(m.group[1].write_unavail, 6990 * MS);
    ck_assert_uint_eq(m.topic.sends, 5);
    meas_free(&m);
}
END_TEST

static void count_outage(void *ctx, int scope, int write, sim_time from, sim_time to, int open)
{
    int *n = ctx;
    (void)scope, (void)open;
    ck_assert_int_lt(from, to);
    n[write]++;
}

/* Sends that start at the same instant are taken in message id order: a failed one and then an acknowledged
 * one starting together make no outage (and no outage event); the other way round, none either (the failure
 * comes after the acknowledgement); a failure at the run's last instant is no open outage. */
START_TEST(write_outage_same_instant)
{
    struct meas m;
    int n[2] = {0, 0};
    ck_assert_int_eq(meas_init(&m, 1, 1000 * MS, 1000 * MS), 0);
    m.on_outage = count_outage;
    m.ctx = n;
    meas_send_done(&m, 0, 0, 0, 500 * MS, 600 * MS);       /* in the warm-up: not counted */
    meas_send_done(&m, 1, 0, 1, 2000 * MS, 2001 * MS);
    meas_send_done(&m, 2, 0, 0, 2010 * MS, 2011 * MS);
    meas_send_done(&m, 3, 0, 1, 2010 * MS, 2011 * MS);     /* with 2: no outage */
    meas_send_done(&m, 4, 0, 1, 2020 * MS, 2021 * MS);
    meas_send_done(&m, 5, 0, 0, 2020 * MS, 2021 * MS);     /* after 4: an outage from 2020 ... */
    meas_send_done(&m, 6, 0, 1, 2030 * MS, 2031 * MS);     /* ... to 2030 */
    ck_assert_int_eq(m.topic.write_unavail, 10 * MS);
    ck_assert_int_eq(m.group[0].write_unavail, 10 * MS);
    ck_assert_int_eq(n[1], 2);                              /* the topic's and the group's */
    meas_send_done(&m, 7, 0, 0, 3000 * MS, 3000 * MS);
    meas_finish(&m, 3000 * MS);
    ck_assert_int_eq(n[1], 2);
    ck_assert_int_lt(m.topic.open_since, 0);
    meas_free(&m);
}
END_TEST

START_TEST(read_outage_needs_a_backlog)
{
    struct meas m;
    ck_assert_int_eq(meas_init(&m, 1, 0, 1000 * MS), 0);
    meas_delivery(&m, 0, 1000 * MS);
    /* Idle: nothing to read from 1 s to 10 s. */
    meas_backlog(&m, 0, +1, 10000 * MS);
    /* Delivered 0.5 s later: a short gap, not an outage. */
    meas_delivery(&m, 0, 10500 * MS);
    meas_backlog(&m, 0, -1, 10500 * MS);
    ck_assert_int_eq(m.group[0].read_unavail, 0);
    /* Two messages readable at 20 s and 21 s, nothing delivered until 25 s: 5 s down. */
    meas_backlog(&m, 0, +1, 20000 * MS);
    meas_backlog(&m, 0, +1, 21000 * MS);
    meas_delivery(&m, 0, 25000 * MS);
    meas_backlog(&m, 0, -1, 25000 * MS);
    ck_assert_int_eq(m.group[0].read_unavail, 5000 * MS);
    /* The other is lost (no replica holds it) at 25.5 s: the backlog is empty, nothing is down. */
    meas_backlog(&m, 0, -1, 25500 * MS);
    /* One readable at 40 s and never delivered: down from 40 s to the end. */
    meas_backlog(&m, 0, +1, 40000 * MS);
    meas_finish(&m, 50000 * MS);
    ck_assert_int_eq(m.group[0].read_unavail, 15000 * MS);
    ck_assert_int_eq(m.topic.read_unavail, 15000 * MS);
    meas_free(&m);
}
END_TEST

/* Read time before the read warm-up (the consumers' start) is not counted, and a gap counts from it. */
START_TEST(read_outage_from_the_read_warmup)
{
    struct meas m;
    ck_assert_int_eq(meas_init(&m, 1, 1000 * MS, 1000 * MS), 0);
    m.read_warmup = 30000 * MS;
    meas_backlog(&m, 0, +1, 2000 * MS);
    /* The first delivery 0.5 s after the read warm-up: no outage, though the backlog waited 28.5 s. */
    meas_delivery(&m, 0, 30500 * MS);
    ck_assert_int_eq(m.group[0].read_unavail, 0);
    /* Then 3 s without one: 3 s down. */
    meas_delivery(&m, 0, 33500 * MS);
    ck_assert_int_eq(m.group[0].read_unavail, 3000 * MS);
    meas_free(&m);
    /* A backlog from 2 s first delivered at 32 s: down from the read warm-up, 2 s. */
    ck_assert_int_eq(meas_init(&m, 1, 1000 * MS, 1000 * MS), 0);
    m.read_warmup = 30000 * MS;
    meas_backlog(&m, 0, +1, 2000 * MS);
    meas_delivery(&m, 0, 32000 * MS);
    ck_assert_int_eq(m.topic.read_unavail, 2000 * MS);
    meas_free(&m);
}
END_TEST

/* With one group the topic's interval latencies are the group's histogram; a send acknowledged on no group
 * gives the topic its own, holding what it held before. Either way the topic sees every acknowledged send. */
START_TEST(one_group_topic_latency)
{
    struct meas m;
    ck_assert_int_eq(meas_init(&m, 1, 0, 1000 * MS), 0);
    meas_send_done(&m, 0, 0, 1, 0, 2 * MS);
    meas_send_done(&m, 1, 0, 1, 10 * MS, 14 * MS);
    meas_send_done(&m, 2, 0, 0, 20 * MS, 30 * MS);
    ck_assert_uint_eq(sim_hist_count(m.topic.lat_iv), 2);
    ck_assert_double_eq(sim_hist_max(m.topic.lat_iv), 4);
    meas_interval_reset(&m);
    ck_assert_uint_eq(sim_hist_count(m.topic.lat_iv), 0);
    meas_send_done(&m, 3, 0, 1, 40 * MS, 48 * MS);
    meas_send_done(&m, 4, -1, 1, 50 * MS, 51 * MS);
    meas_send_done(&m, 5, 0, 1, 60 * MS, 76 * MS);
    ck_assert_uint_eq(sim_hist_count(m.topic.lat_iv), 3);
    ck_assert_uint_eq(sim_hist_count(m.group[0].lat_iv), 2);
    ck_assert_double_eq(sim_hist_mean(m.topic.lat_iv), 25.0 / 3);
    meas_flush_latency(&m);
    ck_assert_uint_eq(sim_hist_count(m.topic.lat), 5);
    ck_assert_uint_eq(sim_hist_count(m.group[0].lat), 4);
    ck_assert_double_eq(sim_hist_max(m.topic.lat), 16);
    ck_assert_double_eq(sim_hist_mean(m.group[0].lat), 30.0 / 4);
    meas_free(&m);
}
END_TEST

/* ---- whole runs ---- */

/* One or two groups of master + slave, 100 msg/s of 100 B from 1 s, 1 ms constant links, route polls at
 * 10 ms + k * 30 s; `extra` is spliced into the top-level object. */
static char *world(const char *groups, const char *extra)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"name\": \"t\", \"run\": {\"duration_ms\": 300000, \"seed\": 7},"
             " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
             " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
             " \"groups\": [%s],"
             " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
             " \"consumers\": {\"count\": 1, \"random_poll_phase\": false},"
             " \"operator\": {\"probe_interval_ms\": 10000, \"probe_timeout_ms\": 3000,"
             "   \"alert_delay\": {\"const_ms\": 30000}, \"reaction\": {\"const_ms\": 60000},"
             "   \"procedure\": {\"const_ms\": 100000}}, %s}",
             groups, extra);
    return buf;
}

#define ONE_GROUP "{\"name\": \"broker-a\", \"replicas\": 2}"
#define TWO_GROUPS "{\"name\": \"broker-a\", \"replicas\": 2}, {\"name\": \"broker-b\", \"replicas\": 2}"

/* ---- recomputing from the trace alone (tests/recompute.h) ---- */
/* Every figure of the topic or a group ("topic" or "groups.N") against the trace's recomputation. */
static void check_scope(const struct th_run *r, const char *scope, int group, const char *const *names, int ngroups)
{
    char p[128];
    double warmup = th_num(r->m, "run.warmup_ms"), gap = th_num(r->m, "run.read_gap_ms"), end = th_num(r->m, "sim_ms");
    double read_warmup = th_num(r->m, "run.read_warmup_ms");
    struct recomputed rc = recompute(r->trace, names, ngroups, group, warmup, read_warmup, gap, end, -1);
#define F(k) (snprintf(p, sizeof p, "%s.%s", scope, k), th_num(r->m, p))
    ck_assert_double_eq(F("sends"), rc.sends);
    ck_assert_double_eq(F("acked"), rc.acked);
    ck_assert_double_eq(F("failed"), rc.failed);
    ck_assert_double_eq_tol(F("availability"), rc.acked / rc.sends, 1e-12);
    /* Achieved throughput: the sends acknowledged in the window (send.ack events at or after the warm-up,
     * whenever the send started) per second from the warm-up to the end. */
    ck_assert_double_eq_tol(F("throughput_per_s"), rc.acks_in_window / ((end - warmup) / 1000.0), 1e-9);
    ck_assert_double_eq_tol(F("write_unavailable_ms"), rc.write_unavail, 1e-6);
    ck_assert_double_eq_tol(F("read_unavailable_ms"), rc.read_unavail, 1e-6);
    /* The outages the run ended in: null, or their lengths so far. */
    snprintf(p, sizeof p, "%s.write_outage_open_ms", scope);
    if (rc.write_open < 0)
        ck_assert_msg(cJSON_IsNull(th_at(r->m, p)), "%s not null", p);
    else
        ck_assert_double_eq_tol(th_num(r->m, p), rc.write_open, 1e-6);
    /* The outage.write events of the scope: one per outage, none of zero length (sends that start together
     * are taken in message id order, and a failure followed at the same instant by an acknowledgement is no
     * outage). */
    char with[160];
    if (group < 0)
        snprintf(with, sizeof with, "\"group\":null");
    else
        snprintf(with, sizeof with, "\"group\":\"%s\"", names[group]);
    ck_assert_int_eq(th_count(r->trace, "\"ev\":\"outage.write\"", with, -1, 1e300), rc.write_outages);
    snprintf(p, sizeof p, "%s.read_outage_open_ms", scope);
    if (rc.read_open < 0)
        ck_assert_msg(cJSON_IsNull(th_at(r->m, p)), "%s not null", p);
    else
        ck_assert_double_eq_tol(th_num(r->m, p), rc.read_open, 1e-6);
    ck_assert_msg(fabs(F("latency_ms.p50") - rc.p50) <= 0.01 * rc.p50, "%s p50 %g vs %g", scope, F("latency_ms.p50"), rc.p50);
    ck_assert_msg(fabs(F("latency_ms.p99") - rc.p99) <= 0.01 * rc.p99, "%s p99 %g vs %g", scope, F("latency_ms.p99"), rc.p99);
    ck_assert_msg(fabs(F("latency_ms.p90") - rc.p90) <= 0.01 * rc.p90, "%s p90 %g vs %g", scope, F("latency_ms.p90"), rc.p90);
    ck_assert_msg(fabs(F("latency_ms.p999") - rc.p999) <= 0.01 * rc.p999, "%s p999 %g vs %g", scope,
                  F("latency_ms.p999"), rc.p999);
    /* mean and max are exact (the trace's latencies have 6 decimals) */
    ck_assert_double_eq_tol(F("latency_ms.mean"), rc.lat_mean, 1e-6);
    ck_assert_double_eq_tol(F("latency_ms.max"), rc.lat_max, 1e-6);
#undef F
}

/* Sums of sends/acked/failed over the rows of `label` in timeseries.csv. */
static void series_sums(const char *csv, const char *label, double sum[3])
{
    char *copy = strdup(csv);
    int col[3] = {-1, -1, -1}, row = 0;
    static const char *const want[3] = {"sends", "acked", "failed"};
    sum[0] = sum[1] = sum[2] = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save), row++) {
        char *fields[64];
        int nf = 0;
        for (char *f = line; nf < 64;) {
            fields[nf++] = f;
            char *comma = strchr(f, ',');
            if (!comma)
                break;
            *comma = 0;
            f = comma + 1;
        }
        if (row == 0) {
            for (int i = 0; i < nf; i++)
                for (int k = 0; k < 3; k++)
                    if (strcmp(fields[i], want[k]) == 0)
                        col[k] = i;
            ck_assert(col[0] > 0 && col[1] > 0 && col[2] > 0);
            continue;
        }
        if (strcmp(fields[0], label) == 0)
            for (int k = 0; k < 3; k++)
                sum[k] += atof(fields[col[k]]);
    }
    free(copy);
}

/* A reply already on its way back when the master's process dies (the put at 60.000 s is answered at
 * 60.00301 s, after its 10 us of send service time, and reaches the producer at 60.00401 s; the crash is at
 * 60.0035 s) is not the end of the downtime:
 * the first acknowledgement of a send that started after the crash is, after the operator's promotion. */
START_TEST(inflight_reply_is_not_recovery)
{
    struct th_run r;
    const char *sets[] = {"groups[0].role=\"SYNC_MASTER\""};
    th_run(&r, world(ONE_GROUP, "\"faults\": [{\"at_ms\": 60003.5, \"op\": \"crash_process\", \"node\": \"broker-a-0\"}]"),
        sets, 1);
    const char *names[] = {"broker-a"};
    /* The in-flight reply is there: acknowledged after the crash, started before it. */
    ck_assert_ptr_nonnull(strstr(r.trace, "\"t_ms\":60004.010,\"node\":\"producer-0\",\"ev\":\"send.ack\""));
    ck_assert_ptr_nonnull(strstr(r.trace, "\"start_ms\":60000.000,\"latency_ms\":4.010"));
    double promoted = th_num(r.m, "groups.0.failover.promoted_ms"), first = th_num(r.m, "groups.0.failover.first_write_ms");
    /* Alert 40 s after the crash (probe at 60.002 s times out at 63 s... the probe schedule gives 100.002),
     * reaction 60 s, procedure 100 s. */
    ck_assert_double_eq(promoted, 260002);
    ck_assert_double_eq(th_num(r.m, "groups.0.failover.elected_ms"), promoted);
    ck_assert_msg(first > promoted && first < promoted + 100, "first write %f", first);
    ck_assert_double_eq(th_num(r.m, "groups.0.failover.downtime_ms"), first - 60003.5);
    ck_assert(cJSON_IsTrue(th_at(r.m, "groups.0.failover.recovered")));
    ck_assert(cJSON_IsNull(th_at(r.m, "groups.0.failover.censored_ms")));
    ck_assert_str_eq(th_at(r.m, "groups.0.failover.crash_kind")->valuestring, "process");
    struct recomputed rc = recompute(r.trace, names, 1, 0, 1010, 1010, 1000, 300000, 60003.5);
    ck_assert_double_eq(rc.first_write, first);
    /* The operator's moments from the trace: detected_ms at its alert, elected_ms and promoted_ms at its promotion. */
    ck_assert_double_eq(th_first(r.trace, "\"ev\":\"operator.alert\"", NULL, 0),
                        th_num(r.m, "groups.0.failover.detected_ms"));
    ck_assert_double_eq(th_first(r.trace, "\"ev\":\"operator.promote\"", NULL, 0), promoted);
    /* Recovered, with a master at the end: nothing open, the loss exact. */
    ck_assert(cJSON_IsNull(th_at(r.m, "groups.0.write_outage_open_ms")));
    ck_assert(cJSON_IsFalse(th_at(r.m, "messages.acked_lost_censored")));
    ck_assert_double_eq(recompute_lost(r.trace), th_num(r.m, "messages.acked_lost"));
    th_run_free(&r);
}
END_TEST

/* With no operator, the group never gets a master back: its downtime is censored at the end of the run. */
START_TEST(never_recovered_is_censored)
{
    struct th_run r;
    const char *sets[] = {"operator.enabled=false", "run.duration_ms=200000"};
    th_run(&r, world(ONE_GROUP, "\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"),
        sets, 2);
    ck_assert(cJSON_IsNull(th_at(r.m, "groups.0.failover.downtime_ms")));
    ck_assert(cJSON_IsNull(th_at(r.m, "groups.0.failover.first_write_ms")));
    ck_assert(cJSON_IsFalse(th_at(r.m, "groups.0.failover.recovered")));
    ck_assert_double_eq(th_num(r.m, "groups.0.failover.censored_ms"), 140000);
    ck_assert_str_eq(th_at(r.m, "groups.0.failover.crash_kind")->valuestring, "host");
    /* Every send from the crash on fails: the outage runs from 60 s to the end, where it is still open, so
     * its total is a lower bound (censored), and so is the loss: the group has no master at the end. */
    ck_assert_double_eq(th_num(r.m, "topic.write_unavailable_ms"), 140000);
    ck_assert_double_eq(th_num(r.m, "topic.write_outage_open_ms"), 140000);
    ck_assert_double_eq(th_num(r.m, "groups.0.write_outage_open_ms"), 140000);
    ck_assert(cJSON_IsTrue(th_at(r.m, "messages.acked_lost_censored")));
    ck_assert_double_gt(th_num(r.m, "messages.acked_lost"), 0);
    ck_assert_double_eq(recompute_lost(r.trace), th_num(r.m, "messages.acked_lost"));
    const char *names[] = {"broker-a"};
    check_scope(&r, "topic", -1, names, 1);
    check_scope(&r, "groups.0", 0, names, 1);
    th_run_free(&r);
}
END_TEST

/* Two groups, broker-a's master host dies at 60 s. broker-a last registered at 40 s, so the NameServer
 * expires it after 160 s at its scan of 165 s; the producer's poll at 180.010 s drops it (reply at
 * 180.012 s). Sends every 10 ms go round robin over 8 queues (4 of broker-a, then 4 of broker-b), and each
 * one to broker-a times out after 3 s with no time left to retry: so half of the 12,002 sends started in
 * [60.000 s, 180.010 s] fail, in runs of 4, each run a 40 ms outage ending at the next (acknowledged)
 * broker-b send: the topic's write outage is 10 ms per failed send. */
START_TEST(two_groups_host_crash_by_hand)
{
    struct th_run r;
    const char *sets[] = {"operator.enabled=false"};
    th_run(&r, world(TWO_GROUPS, "\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"),
        sets, 1);
    double failed = th_num(r.m, "topic.failed"), sends = th_num(r.m, "topic.sends");
    ck_assert_msg(fabs(failed - 6001) <= 2, "failed %f", failed);
    /* sends from the warm-up (1.010 s) to 300 s, less the ones still in flight at the end */
    ck_assert_double_eq(sends, 29899);
    ck_assert_double_eq_tol(th_num(r.m, "topic.availability"), (sends - failed) / sends, 1e-12);
    ck_assert_double_eq(th_num(r.m, "topic.write_unavailable_ms"), failed * 10);
    /* broker-a: every send of its own failed from the crash on, and it never came back. */
    ck_assert_double_eq(th_num(r.m, "groups.0.failed"), failed);
    ck_assert_double_eq(th_num(r.m, "groups.0.write_unavailable_ms"), 240000);
    ck_assert_double_eq(th_num(r.m, "groups.1.failed"), 0);
    ck_assert_double_eq(th_num(r.m, "groups.1.write_unavailable_ms"), 0);
    ck_assert(cJSON_IsFalse(th_at(r.m, "groups.0.failover.recovered")));
    th_run_free(&r);
}
END_TEST

/* A killed broker process closes its connections: sends to it are refused at once and retried on broker-b
 * within the same 3 s, and the NameServer drops it at once. The application barely notices, unlike the
 * host crash above. */
START_TEST(process_crash_versus_host_crash)
{
    struct th_run r;
    const char *sets[] = {"operator.enabled=false"};
    th_run(&r, world(TWO_GROUPS, "\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_process\", \"node\": \"broker-a-0\"}]"),
        sets, 1);
    ck_assert_double_le(th_num(r.m, "topic.failed"), 1);
    ck_assert_double_le(th_num(r.m, "topic.write_unavailable_ms"), 10);
    ck_assert_double_ge(th_num(r.m, "topic.availability"), 0.9999);
    ck_assert_str_eq(th_at(r.m, "groups.0.failover.crash_kind")->valuestring, "process");
    ck_assert(cJSON_IsFalse(th_at(r.m, "groups.0.failover.recovered")));
    th_run_free(&r);
}
END_TEST

/* A consumer that starts at 60 s: the messages sent before wait for it, but reads are counted from its start
 * and first route poll (run.read_warmup_ms 60,010), not as a minute's outage. */
START_TEST(late_consumer_is_not_an_outage)
{
    struct th_run r;
    const char *sets[] = {"operator.enabled=false", "consumers.start_ms=60000"};
    th_run(&r, world(ONE_GROUP, "\"faults\": []"), sets, 2);
    ck_assert_double_eq(th_num(r.m, "run.warmup_ms"), 1010);
    ck_assert_double_eq(th_num(r.m, "run.read_warmup_ms"), 60010);
    ck_assert_double_lt(th_num(r.m, "topic.read_unavailable_ms"), 1000);
    const char *names[] = {"broker-a"};
    check_scope(&r, "topic", -1, names, 1);
    check_scope(&r, "groups.0", 0, names, 1);
    th_run_free(&r);
}
END_TEST

/* A consumer behind the producer (50 of 100 msg/s, at most 2 messages cached per queue) has a backlog when
 * the master's host dies. Its pulls to the dead host only fail 30 s later, but the read outage starts when
 * deliveries stop, a fraction of a second after the crash, and lasts until it reads from the slave. */
START_TEST(read_outage_starts_at_the_crash)
{
    struct th_run r;
    const char *sets[] = {"operator.enabled=false", "consumers.consume_rate_per_s=50",
                          "consumers.pull_threshold_for_queue=2", "consumers.pull_batch_size=1"};
    th_run(&r, world(ONE_GROUP, "\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"),
        sets, 4);
    /* The gap in deliveries after the crash, from the trace. */
    double last = -1, next = -1;
    char *copy = strdup(r.trace);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strstr(line, "\"ev\":\"consume\""))
            continue;
        double t = atof(line + strlen("{\"t_ms\":"));
        if (t <= 61000)
            last = t;
        else if (next < 0)
            next = t;
    }
    free(copy);
    ck_assert_msg(last >= 60000 && last < 61000, "last delivery %f", last);
    ck_assert_msg(next > 150000, "deliveries resumed at %f", next);
    double down = th_num(r.m, "groups.0.read_unavailable_ms");
    ck_assert_double_eq_tol(down, next - last, 1e-6);
    /* 30 s later, as a failed-pull measure would have started it, would be 30 s less. */
    ck_assert_double_gt(down, next - 60000 - 1000);
    const char *names[] = {"broker-a"};
    check_scope(&r, "groups.0", 0, names, 1);
    th_run_free(&r);
}
END_TEST

/* On the same load a SYNC_MASTER answers after the slave's ack: two more link crossings than ASYNC. */
START_TEST(sync_master_waits_longer)
{
    struct th_run a, s;
    const char *sets_a[] = {"run.duration_ms=30000"};
    const char *sets_s[] = {"run.duration_ms=30000", "groups[0].role=\"SYNC_MASTER\""};
    th_run(&a, world(ONE_GROUP, "\"faults\": []"), sets_a, 1);
    th_run(&s, world(ONE_GROUP, "\"faults\": []"), sets_s, 2);
    double pa = th_num(a.m, "topic.latency_ms.p50"), ps = th_num(s.m, "topic.latency_ms.p50");
    ck_assert_double_eq_tol(pa, 2, 0.02);
    ck_assert_double_eq_tol(ps, 4, 0.04);
    ck_assert_double_gt(ps, pa);
    th_run_free(&a);
    th_run_free(&s);
}
END_TEST

/* timeseries.csv's rows add up to metrics.json's totals, and every figure is recomputed from the trace. Two
 * producers in step start their sends at the same instants, one to broker-a (failing) and one to broker-b
 * (acknowledged) at times: the message id order decides, and no outage of zero length is counted. */
START_TEST(series_and_trace_agree_with_metrics)
{
    struct th_run r;
    const char *sets[] = {"operator.enabled=false", "consumers.consume_rate_per_s=150",
                          "network.latency={\"dist\":\"lognormal\",\"median_ms\":0.3,\"sigma\":0.5}",
                          "run.sample_ms=700", "producers.count=2"};
    th_run(&r, world(TWO_GROUPS, "\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"),
        sets, 5);
    double sum[3];
    series_sums(r.series, "*", sum);
    ck_assert_double_eq(sum[0], th_num(r.m, "topic.sends"));
    ck_assert_double_eq(sum[1], th_num(r.m, "topic.acked"));
    ck_assert_double_eq(sum[2], th_num(r.m, "topic.failed"));
    series_sums(r.series, "broker-a", sum);
    ck_assert_double_eq(sum[0], th_num(r.m, "groups.0.sends"));
    ck_assert_double_eq(sum[2], th_num(r.m, "groups.0.failed"));
    series_sums(r.series, "broker-b", sum);
    ck_assert_double_eq(sum[1], th_num(r.m, "groups.1.acked"));
    ck_assert_double_gt(th_num(r.m, "topic.failed"), 1000);
    const char *names[] = {"broker-a", "broker-b"};
    check_scope(&r, "topic", -1, names, 2);
    check_scope(&r, "groups.0", 0, names, 2);
    check_scope(&r, "groups.1", 1, names, 2);
    ck_assert_double_eq(recompute_duplicates(r.trace), th_num(r.m, "messages.duplicates"));
    th_run_free(&r);
}
END_TEST

/* Controller mode's detected_ms from the trace alone: the first controller.reelect (the re-election scan, every
 * 5 s, found the master not alive and elects) or controller.inactive (the heartbeat table's scan, at 2 s + 5 s k)
 * naming the crashed master. With 1 ms links a host crash at 20.5 s is found by the table's scan at 32 s, one
 * at 22.5 s by the re-election scan at 35 s, 2 s before the table's scan says it. */
START_TEST(controller_detection_from_trace)
{
    static const struct { double at, detected; const char *ev; } c[] = {
        {20500, 32000, "\"ev\":\"controller.inactive\""}, {22500, 35000, "\"ev\":\"controller.reelect\""}};
    for (int i = 0; i < 2; i++) {
        struct th_run r;
        char faults[256];
        snprintf(faults, sizeof faults, "\"controllers\": {\"count\": 1}, \"faults\": [{\"at_ms\": %.0f, "
                 "\"op\": \"crash_host\", \"node\": \"broker-a-0\"}]", c[i].at);
        const char *sets[] = {"operator.enabled=false", "run.duration_ms=40000", "run.trace=\"events\""};
        th_run(&r, world("{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\"}", faults), sets, 3);
        double detected = th_num(r.m, "groups.0.failover.detected_ms");
        double reelect = th_first(r.trace, "\"ev\":\"controller.reelect\"", "\"master\":\"broker-a-0\"", c[i].at);
        double inactive = th_first(r.trace, "\"ev\":\"controller.inactive\"", "\"broker\":\"broker-a-0\"", c[i].at);
        double first = reelect < 0 || (inactive >= 0 && inactive < reelect) ? inactive : reelect;
        ck_assert_double_eq(detected, c[i].detected);
        ck_assert_double_eq(first, detected);
        ck_assert_double_eq(th_first(r.trace, c[i].ev, "broker-a-0", c[i].at), detected);
        th_run_free(&r);
    }
}
END_TEST

static Suite *measure_suite(void)
{
    Suite *s = suite_create("measure");
    TCase *u = tcase_create("units");
    tcase_add_test(u, hist_within_one_percent);
    tcase_add_test(u, hist_bins_match_edges);
    tcase_add_test(u, write_outage_in_start_order);
    tcase_add_test(u, write_outage_same_instant);
    tcase_add_test(u, read_outage_needs_a_backlog);
    tcase_add_test(u, read_outage_from_the_read_warmup);
    tcase_add_test(u, one_group_topic_latency);
    suite_add_tcase(s, u);
    TCase *t = tcase_create("runs");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, inflight_reply_is_not_recovery);
    tcase_add_test(t, never_recovered_is_censored);
    tcase_add_test(t, two_groups_host_crash_by_hand);
    tcase_add_test(t, process_crash_versus_host_crash);
    tcase_add_test(t, read_outage_starts_at_the_crash);
    tcase_add_test(t, late_consumer_is_not_an_outage);
    tcase_add_test(t, sync_master_waits_longer);
    tcase_add_test(t, series_and_trace_agree_with_metrics);
    tcase_add_test(t, controller_detection_from_trace);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run_suite(measure_suite());
}
