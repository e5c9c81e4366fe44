/* test_scenarios: whole RocketMQ 4.x worlds on small deterministic configurations (constant latencies,
 * unlimited bandwidth, constant human delays), with exact simulated times where the protocol fixes them:
 * slave crash, manual promotion, HA reconnect, SYNC vs ASYNC master losses, determinism, trace audit,
 * and every scenario key's bad value rejected at its JSON path. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/report/acct.h"
#include "models/broker/broker.h"
#include "sim/lab/fields.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"
#include "tests/harness.h"

#define MS SIM_MS

/* A small world: one NameServer, one group of master + slave, 100 msg/s of 100 bytes, one consumer,
 * 1 ms constant links with no serialisation, a constant disk, operator with constant delays. `extra` is
 * spliced into the top-level object (faults, overrides). */
static char *world_json(const char *extra)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"name\": \"t\", \"run\": {\"duration_ms\": 300000, \"seed\": 7, \"trace\": \"off\"},"
             " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
             " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"
             " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
             " \"consumers\": {\"count\": 1},"
             " \"operator\": {\"probe_interval_ms\": 10000, \"probe_timeout_ms\": 3000,"
             "   \"alert_delay\": {\"const_ms\": 30000}, \"reaction\": {\"const_ms\": 60000},"
             "   \"procedure\": {\"const_ms\": 100000}}"
             "%s%s}",
             extra && *extra ? ", " : "", extra ? extra : "");
    return buf;
}

static char tmpl[64];

static const char *write_file(const char *text)
{
    snprintf(tmpl, sizeof tmpl, "/tmp/mqsim-test-XXXXXX");
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return tmpl;
}

/* The error a scenario gives, or "" when it loads. */
static const char *load_error(const char *text, const char *const *sets, int nsets)
{
    static char err[1024];
    struct scenario sc;
    struct conf c;
    struct run_opts o = {.file = write_file(text), .sets = sets, .nsets = nsets};
    int rc = scenario_load(&sc, &o, &c);
    unlink(tmpl);
    snprintf(err, sizeof err, "%s", rc == 0 ? "" : c.err);
    scenario_free(&sc);
    return err;
}

/* ---- a slave crash costs no write availability ---- */

START_TEST(slave_crash_keeps_writes)
{
    struct scenario sc;
    th_load(&sc, world_json("\"faults\": [{\"at_ms\": 30000, \"op\": \"crash_host\", \"node\": \"broker-a-1\"}]"), NULL, 0);
    sim_run(sc.sim, 120 * SIM_S);
    cJSON *m = th_metrics(&sc);
    ck_assert_double_eq(th_num(m, "groups.0.write_unavailable_ms"), 0);
    ck_assert_double_eq(th_num(m, "messages.send_failed"), 0);
    ck_assert_double_eq(th_num(m, "messages.acked_lost"), 0);
    /* 100 msg/s from 1 s to 120 s, all stored. */
    ck_assert_double_ge(th_num(m, "messages.acked"), 11890);
    cJSON_Delete(m);
    scenario_free(&sc);
}
END_TEST

/* ---- manual promotion: exact timeline ---- */

START_TEST(master_crash_promotion_timeline)
{
    struct scenario sc;
    /* Route polls at 10 ms + k * 30 s (no random phase) so the first write's time is exact too. */
    const char *sets[] = {"producers.random_poll_phase=false", "consumers.random_poll_phase=false"};
    th_load(&sc, world_json("\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"), sets, 2);
    struct rmq_world *w = rmq_world_get(sc.w);
    /* Before the crash everything is acknowledged. */
    sim_run(sc.sim, 60 * SIM_S);
    uint64_t acked_at_crash = w->rep.acct.acked;
    ck_assert_uint_eq(w->rep.acct.send_failed, 0);
    /* From the crash until the promoted slave is found by the producer, nothing is acknowledged. */
    sim_run(sc.sim, 253 * SIM_S);
    ck_assert_uint_eq(w->rep.acct.acked, acked_at_crash);
    sim_run(sc.sim, 300 * SIM_S);
    cJSON *m = th_metrics(&sc);
    /* The probe at 60 s (after the crash) times out at 63 s; the alert fires 30 s later; the operator acts
     * 60 s after that (stops the slave at 153 s) and restarts it as master 100 s later. */
    ck_assert_double_eq(th_num(m, "groups.0.failover.crash_ms"), 60000);
    ck_assert_double_eq(th_num(m, "groups.0.failover.detected_ms"), 93000);
    ck_assert_double_eq(th_num(m, "groups.0.failover.promoted_ms"), 253000);
    /* It registers at once (1 ms away); the producer's route poll at 270.010 s (10 ms + k * 30 s) learns
     * of it 2 ms later; the next send (every 10 ms) connects (2 ms) and is acknowledged 2 ms later. */
    double first = th_num(m, "groups.0.failover.first_write_ms");
    ck_assert_msg(first >= 270012 && first <= 270030, "first write at %f", first);
    ck_assert_double_eq(th_num(m, "groups.0.failover.downtime_ms"), first - 60000);
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "groups"), 0), "failover");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(nm, "new_master")->valuestring, "broker-a-1");
    ck_assert_int_eq(broker_id(w->g[0].broker[1]), 0);
    ck_assert_int_eq(broker_role(w->g[0].broker[1]), RMQ_ASYNC_MASTER);
    cJSON_Delete(m);
    scenario_free(&sc);
}
END_TEST

/* ---- a paused producer ---- */

/* A producer paused 3 s keeps its arrivals: they go out when it wakes, and then it sends on. Its workload
 * timer fired 3 s late, behind the arrivals' grid, and used to stop for good. */
START_TEST(paused_producer_sends_on)
{
    double sent[2];
    for (int k = 0; k < 2; k++) {
        struct scenario sc;
        th_load(&sc, world_json(k ? "\"faults\": [{\"at_ms\": 30000, \"op\": \"pause\", \"node\": \"producer-0\", \"duration_ms\": 3000}]" : ""),
                NULL, 0);
        sim_run(sc.sim, 60 * SIM_S);
        cJSON *m = th_metrics(&sc);
        sent[k] = th_num(m, "messages.sent");
        ck_assert_double_eq(th_num(m, "messages.send_failed"), 0);
        cJSON_Delete(m);
        scenario_free(&sc);
    }
    ck_assert_double_gt(sent[0], 5900);
    ck_assert_double_eq(sent[1], sent[0]);
}
END_TEST

/* ---- the operator looks before acting ---- */

/* The master's process is down from 60 s to 105 s: the page goes out at 93 s (the probe of 60 s failed at
 * 63 s), monitoring's probe of 110 s finds the master back, and the operator, acting at 153 s, stands down.
 * Without the look (operator.recheck=false) they stop the slave at 153 s and start it as a second master at
 * 253 s: what the healthy master took after the slave stopped is not on the new master, and the lost
 * messages are counted. Either way the failover ended with the master's first write at 105 s: a promotion
 * after it is not its own (promoted_ms stays null). */
START_TEST(operator_stands_down_when_the_master_is_back)
{
    const char *faults = "\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_process\", \"node\": \"broker-a-0\", \"duration_ms\": 45000}]";
    const char *no_look[] = {"operator.recheck=false"};
    for (int look = 1; look >= 0; look--) {
        struct scenario sc;
        th_load(&sc, world_json(faults), look ? NULL : no_look, look ? 0 : 1);
        struct rmq_world *w = rmq_world_get(sc.w);
        sim_run(sc.sim, 300 * SIM_S);
        cJSON *m = th_metrics(&sc);
        ck_assert_double_eq(th_num(m, "groups.0.failover.detected_ms"), 93000);
        ck_assert_double_eq_tol(th_num(m, "groups.0.failover.first_write_ms"), 105016.01, 1e-6);
        ck_assert(cJSON_IsNull(th_at(m, "groups.0.failover.promoted_ms")));
        ck_assert(cJSON_IsNull(th_at(m, "groups.0.failover.elected_ms")));
        if (look) {
            ck_assert_int_eq(broker_id(w->g[0].broker[1]), 1);
            ck_assert_double_eq(th_num(m, "messages.acked_lost"), 0);
        } else {
            ck_assert_int_eq(broker_id(w->g[0].broker[1]), 0);
            ck_assert_int_ne(broker_role(w->g[0].broker[0]), RMQ_SLAVE);   /* two masters */
            ck_assert_double_gt(th_num(m, "messages.acked_lost"), 1000);
        }
        cJSON_Delete(m);
        scenario_free(&sc);
    }
    /* Down again from 115 s: the probes of 120 to 150 s fail, so at 153 s they promote (the look reads the
     * last probe, not any probe since the page): the slave is master from 253 s. */
    struct scenario sc;
    th_load(&sc, world_json("\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_process\", \"node\": \"broker-a-0\", \"duration_ms\": 45000},"
                            " {\"at_ms\": 115000, \"op\": \"crash_process\", \"node\": \"broker-a-0\"}]"), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    sim_run(sc.sim, 253 * SIM_S - 1);
    ck_assert_int_eq(broker_id(w->g[0].broker[1]), 1);
    sim_run(sc.sim, 300 * SIM_S);
    ck_assert_int_eq(broker_id(w->g[0].broker[1]), 0);
    scenario_free(&sc);
}
END_TEST

/* ---- ASYNC_MASTER loses exactly what the slave had not pulled; SYNC_MASTER loses nothing ---- */

static int want_not_on(void *ctx, int group, unsigned mask, unsigned flags)
{
    (void)group;
    (void)flags;
    return !(mask & (1u << *(int *)ctx));
}

/* Acknowledged messages, settled or not, that the replica does not hold. */
static uint64_t acked_not_on(const struct acct *a, int replica) { return acct_count(a, want_not_on, &replica); }

START_TEST(async_master_loses_unreplicated)
{
    struct scenario sc;
    /* 2000 msg/s so that the ~100 ms HA poll leaves messages unreplicated at the crash. */
    const char *sets[] = {"producers.rate_per_s=2000"};
    th_load(&sc, world_json("\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"), sets, 1);
    struct rmq_world *w = rmq_world_get(sc.w);
    /* Just before the crash (it runs first at 60 s: it was scheduled before anything else at that time):
     * the messages in the master's log past the slave's end. Some of their acks are still on the wire, so
     * count them as acknowledged at the end of the run. */
    sim_run(sc.sim, 60 * SIM_S - 1);
    const struct commitlog *ml = broker_log(w->g[0].broker[0]), *sl = broker_log(w->g[0].broker[1]);
    uint64_t from = cl_find(ml, sl->max_offset), to = cl_end(ml), slave_end = cl_end(sl);
    ck_assert_uint_gt(to, from);
    uint32_t *tail = malloc((size_t)(to - from) * sizeof *tail);
    for (uint64_t i = from; i < to; i++)
        tail[i - from] = cl_at(ml, i)->msg;
    /* Every send of the tail has ended 10 s later (sendMsgTimeout is 3 s), long before the accounting
     * folds them (ACCT_GRACE): note which were acknowledged. */
    sim_run(sc.sim, 70 * SIM_S);
    uint8_t *acked = malloc((size_t)(to - from));
    for (uint64_t i = 0; i < to - from; i++) {
        ck_assert_uint_ge(tail[i], acct_first(&w->rep.acct));
        acked[i] = acct_result_of(&w->rep.acct, tail[i]) == ACCT_ACKED;
    }
    sim_run(sc.sim, 300 * SIM_S);
    /* Lost: acknowledged, in that tail, and not in the promoted slave's log (HA frames already on the wire
     * at the crash still arrived). Found by reading the slave's log itself, not the accounting bits. */
    uint64_t unreplicated = 0;
    for (uint64_t i = 0; i < to - from; i++) {
        int present = 0;
        for (uint64_t j = slave_end; j < slave_end + (to - from) && !present; j++)
            present = cl_at(sl, j) && cl_at(sl, j)->msg == tail[i];
        unreplicated += acked[i] && !present;
    }
    free(acked);
    free(tail);
    ck_assert_uint_gt(unreplicated, 0);
    ck_assert_uint_eq(acked_not_on(&w->rep.acct, 1), unreplicated);
    cJSON *m = th_metrics(&sc);
    ck_assert_double_eq(th_num(m, "messages.acked_lost"), (double)unreplicated);
    ck_assert_double_eq(th_num(m, "invariants.checked"), 0);
    cJSON_Delete(m);
    scenario_free(&sc);
}
END_TEST

/* A failover the run does not see end: while the operator has the slave stopped (153 s to 253 s) no replica
 * is up and none is master, yet the slave's disk still holds its copies: acked_lost stays what it was with the
 * slave up, and is what the promoted slave then lacks; it does not jump to every message acknowledged. */
START_TEST(lost_while_no_replica_is_up)
{
    struct scenario sc;
    th_load(&sc, world_json("\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"), NULL, 0);
    double lost[3];
    const sim_time at[3] = {150 * SIM_S, 200 * SIM_S, 300 * SIM_S};
    for (int i = 0; i < 3; i++) {
        th_run_to(&sc, at[i]);
        cJSON *m = th_metrics(&sc);
        lost[i] = th_num(m, "messages.acked_lost");
        ck_assert_double_gt(th_num(m, "messages.acked"), 5000);
        if (i == 1) {
            struct rmq_world *w = rmq_world_get(sc.w);
            ck_assert_int_eq(sim_node(w->sim, w->g[0].node[1])->state == SIM_NODE_UP, 0);
            ck_assert(cJSON_IsNull(th_at(m, "groups.0.failover.downtime_ms")));
        }
        cJSON_Delete(m);
    }
    ck_assert_double_eq(lost[1], lost[0]);
    ck_assert_double_eq(lost[2], lost[0]);
    ck_assert_double_lt(lost[0], 100);
    scenario_free(&sc);
}
END_TEST

START_TEST(sync_master_loses_nothing)
{
    struct scenario sc;
    /* With 1 ms links a 4.4 put holds the one send thread for the slave's 2 ms round trip (500 puts/s):
     * 2000/s needs the 4.7+ send path, which frees the thread while the put waits. */
    const char *sets[] = {"producers.rate_per_s=2000", "groups[0].role=SYNC_MASTER", "groups[0].async_send=true"};
    th_load(&sc, world_json("\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"), sets, 3);
    struct rmq_world *w = rmq_world_get(sc.w);
    sim_run(sc.sim, 60 * SIM_S);
    ck_assert_uint_eq(acked_not_on(&w->rep.acct, 1), 0);
    ck_assert_uint_gt(w->rep.acct.status_count[ACCT_STATUS_INDEX(RMQ_SUCCESS)], 100000);
    sim_run(sc.sim, 300 * SIM_S);
    cJSON *m = th_metrics(&sc);
    ck_assert_double_eq(th_num(m, "messages.acked_lost"), 0);
    ck_assert_double_gt(th_num(m, "invariants.checked"), 100000);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "invariants"), "violations")), 0);
    cJSON_Delete(m);
    scenario_free(&sc);
}
END_TEST

/* SYNC_MASTER with its slave gone: puts are stored but answered SLAVE_NOT_AVAILABLE, at once. */
START_TEST(sync_master_without_slave)
{
    struct scenario sc;
    const char *sets[] = {"groups[0].role=SYNC_MASTER"};
    th_load(&sc, world_json("\"faults\": [{\"at_ms\": 20000, \"op\": \"crash_process\", \"node\": \"broker-a-1\"}]"), sets, 1);
    struct rmq_world *w = rmq_world_get(sc.w);
    sim_run(sc.sim, 60 * SIM_S);
    ck_assert_uint_gt(w->rep.acct.status_count[ACCT_STATUS_INDEX(RMQ_SLAVE_NOT_AVAILABLE)], 3000);
    ck_assert_uint_eq(w->rep.acct.send_failed, 0);
    scenario_free(&sc);
}
END_TEST

/* ---- HA resumes at the right offset after a reconnect ---- */

START_TEST(ha_resumes_after_reconnect)
{
    struct scenario sc;
    const char *stop[] = {"producers.stop_ms=85000"};
    /* A 25 s two-way partition between master and slave: both sides' 20 s housekeeping drops the link;
     * after the heal the slave reconnects and reports where its log ends, and the master continues
     * from exactly there (any gap or overlap would be refused by the slave's log). */
    th_load(&sc, world_json("\"faults\": [{\"at_ms\": 30000, \"op\": \"partition\", \"a\": [\"broker-a-0\"],"
                         " \"b\": [\"broker-a-1\"], \"duration_ms\": 25000}]"), stop, 1);
    struct rmq_world *w = rmq_world_get(sc.w);
    sim_run(sc.sim, 54 * SIM_S);
    const struct commitlog *ml = broker_log(w->g[0].broker[0]), *sl = broker_log(w->g[0].broker[1]);
    ck_assert_uint_lt(sl->max_offset, ml->max_offset);   /* cut off: behind */
    uint64_t behind = cl_end(ml) - cl_end(sl);
    ck_assert_uint_gt(behind, 2000);
    sim_run(sc.sim, 90 * SIM_S);
    ck_assert_uint_eq(sl->max_offset, ml->max_offset);
    ck_assert_uint_eq(cl_end(sl), cl_end(ml));
    for (int q = 0; q < 4; q++)
        ck_assert_uint_eq(cl_next_qoff(sl, q), cl_next_qoff(ml, q));
    for (uint64_t i = cl_end(ml) - 500; i < cl_end(ml); i++)
        ck_assert_uint_eq(cl_at(sl, i)->msg, cl_at(ml, i)->msg);
    scenario_free(&sc);
}
END_TEST

/* ---- read redirect end to end: threshold crossed, consumer sent to the slave and back ---- */

START_TEST(redirect_to_slave_and_back)
{
    struct scenario sc;
    /* 1 MiB * 40 % = 419430 B threshold: a 500 msg/s consumer of 1000 msg/s (220 B stored each) crosses
     * it in about 4 s. At 20 s the slave's link slows to 0.5 Mbit/s (62.5 KB/s, less than the consumer's
     * 110 KB/s): the consumer catches up with the slave's end, and the slave sends it back. */
    const char *sets[] = {"groups[0].slave_read_enable=true", "groups[0].host_memory_bytes=1048576",
                          "producers.rate_per_s=1000", "consumers.consume_rate_per_s=500"};
    th_load(&sc, world_json("\"faults\": [{\"at_ms\": 20000, \"op\": \"link\", \"from\": \"broker-a-0\","
                         " \"to\": \"broker-a-1\", \"both_ways\": false, \"bandwidth_mbit_per_s\": 0.5}]"), sets, 4);
    struct rmq_world *w = rmq_world_get(sc.w);
    sim_run(sc.sim, 20 * SIM_S);
    ck_assert_uint_gt(w->rep.g[0].redirects_to_slave, 0);
    ck_assert_uint_gt(w->rep.g[0].reads_slave, 0);
    uint64_t slave_reads = w->rep.g[0].reads_slave, master_reads = w->rep.g[0].reads_master;
    sim_run(sc.sim, 60 * SIM_S);
    ck_assert_uint_gt(w->rep.g[0].redirects_to_master, 0);
    ck_assert_uint_gt(w->rep.g[0].reads_master, master_reads);
    (void)slave_reads;
    scenario_free(&sc);
}
END_TEST

/* ---- determinism and the trace as an audit of the accounting ---- */

static char *run_capture(const char *extra, uint64_t seed, char **trace_out)
{
    struct scenario sc;
    char seedset[64];
    snprintf(seedset, sizeof seedset, "run.seed=%llu", (unsigned long long)seed);
    const char *sets[] = {seedset, "network.latency={\"dist\":\"lognormal\",\"median_ms\":0.3,\"sigma\":0.5}"};
    th_load(&sc, world_json(extra), sets, 2);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    trace_init(&sc.trace, TRACE_FULL, f);
    sim_set_trace(sc.sim, &sc.trace);
    sim_run(sc.sim, 120 * SIM_S);
    trace_flush(&sc.trace);
    sim_set_trace(sc.sim, NULL);
    trace_free(&sc.trace);
    fclose(f);
    cJSON *m = th_metrics(&sc);
    char *out = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    scenario_free(&sc);
    *trace_out = buf;
    return out;
}

START_TEST(determinism)
{
    const char *faults = "\"faults\": [{\"at_ms\": 30000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]";
    char *t1, *t2, *t3;
    char *a = run_capture(faults, 11, &t1), *b = run_capture(faults, 11, &t2), *c = run_capture(faults, 12, &t3);
    ck_assert_str_eq(a, b);
    ck_assert(strcmp(t1, t2) == 0);
    ck_assert(strcmp(t1, t3) != 0);
    free(a), free(b), free(c), free(t1), free(t2), free(t3);
}
END_TEST

/* ---- the accounting forgets settled messages without changing a count ---- */

/* The accounting's grace to set (`grace`) and, once run, the oldest message it still keeps one by one. */
struct acct_run {
    sim_time grace;
    uint32_t first;
};

static void acct_hook(struct scenario *sc, int ran, void *arg)
{
    struct acct_run *a = arg;
    struct rmq_world *w = rmq_world_get(sc->w);
    if (ran)
        a->first = acct_first(&w->rep.acct);
    else
        w->rep.acct.grace = a->grace;
}

/* metrics.json of a shipped scenario, run as `mqsim FILE --set SET` runs it, with the accounting's grace
 * as given; *first: the oldest message the accounting still keeps one by one at the end. */
static char *run_shipped(const char *file, const char *set, sim_time grace, uint32_t *first)
{
    struct acct_run a = {.grace = grace};
    char *m = th_run_file(file, set, acct_hook, &a, NULL);
    *first = a.first;
    return m;
}

/* Runs where messages settle (a replica that stays down keeps every later message pinned: its log may yet
 * be sent what it missed, as in slave_crash and dledger_master_crash): the plain benchmark, and a slave
 * that crashes and comes back. */
static const struct {
    const char *file, *set;
} shipped[] = {
    {"scenarios/bench_master_slave.json", "run.duration_ms=300000"},
    {"scenarios/slave_crash.json", "faults=[{\"at_ms\": 90000, \"op\": \"crash_host\", \"node\": \"broker-a-1\"},"
                                   "{\"at_ms\": 150000, \"op\": \"restart\", \"node\": \"broker-a-1\"}]"},
};

START_TEST(accounting_window_exact)
{
    uint32_t folded, kept;
    char *a = run_shipped(shipped[_i].file, shipped[_i].set, ACCT_GRACE, &folded);
    char *b = run_shipped(shipped[_i].file, shipped[_i].set, 1000000 * SIM_S, &kept);   /* keeps every message */
    ck_assert_uint_gt(folded, 0);
    ck_assert_uint_eq(kept, 0);
    ck_assert_str_eq(a, b);
    free(a), free(b);
}
END_TEST

/* A partition holds the producer's requests up to tcp_timeout_ms: the accounting keeps messages that long
 * (world.c hold_horizon), so a request delivered 100 s late is still counted, exactly as with every message
 * kept (this run used to abort). */
START_TEST(accounting_window_partition)
{
    const char *set = "faults=[{\"at_ms\": 60000, \"op\": \"partition\", \"a\": [\"producer-0\"], "
                      "\"b\": [\"broker-a-0\"], \"duration_ms\": 100000}]";
    uint32_t first, kept;
    char *a = run_shipped("scenarios/master_crash.json", set, ACCT_GRACE, &first);
    char *b = run_shipped("scenarios/master_crash.json", set, 1000000 * SIM_S, &kept);
    ck_assert_uint_eq(kept, 0);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_null(strstr(a, "accounting_window"));
    free(a), free(b);
}
END_TEST

/* A change to a message already folded is not counted and not fatal: it is counted in `late` (which the
 * world reports as the violation "accounting_window"). */
START_TEST(accounting_late_change)
{
    struct acct a;
    ck_assert_int_eq(acct_init(&a), 0);
    uint32_t m = acct_new(&a);
    acct_result(&a, m, 0, RMQ_SUCCESS);
    acct_fold(&a, 0);
    acct_fold(&a, ACCT_GRACE);
    acct_new(&a);
    acct_fold(&a, 2 * ACCT_GRACE + 1);
    ck_assert_uint_gt(acct_first(&a), m);   /* folded */
    ck_assert_int_eq(acct_stored(&a, m, 0, 0, 1), 0);
    ck_assert_int_eq(acct_consumed(&a, m), 0);
    ck_assert_uint_eq(a.late, 2);
    acct_free(&a);
}
END_TEST

/* The last ids: 4,294,967,294 is the last message; then acct_new answers ACCT_NO_MSG and counts nothing. */
START_TEST(accounting_ids_run_out)
{
    struct acct a;
    ck_assert_int_eq(acct_init(&a), 0);
    a.lo = a.n = UINT32_MAX - 2;   /* as after 4,294,967,293 settled messages */
    ck_assert_uint_eq(acct_new(&a), UINT32_MAX - 2);
    ck_assert_uint_eq(acct_new(&a), UINT32_MAX - 1);
    acct_result(&a, UINT32_MAX - 1, 0, RMQ_SUCCESS);
    ck_assert_uint_eq(acct_new(&a), ACCT_NO_MSG);
    ck_assert_uint_eq(acct_new(&a), ACCT_NO_MSG);
    ck_assert_uint_eq(a.sent, 2);
    ck_assert_uint_eq(a.acked, 1);
    acct_free(&a);
}
END_TEST

/* An open workload that would need more ids than a run has is refused when the scenario is read; one just
 * under the limit loads. */
START_TEST(too_many_sends_rejected)
{
    const char *day[] = {"run.duration_ms=86400000", "producers.rate_per_s=50000"};
    const char *err = load_error(world_json(""), day, 2);
    ck_assert_msg(strstr(err, "$.run.duration_ms") && strstr(err, "4.32e+09 messages"), "got \"%s\"", err);
    const char *under[] = {"run.duration_ms=86400000", "producers.rate_per_s=46000"};
    ck_assert_str_eq(load_error(world_json(""), under, 2), "");
}
END_TEST

/* Counts the trace's events named ev; for send.ack only those whose status means "stored". */
static uint64_t count_events(const char *text, const char *ev)
{
    static const char *const stored[] = {"SUCCESS", "FLUSH_DISK_TIMEOUT", "FLUSH_SLAVE_TIMEOUT", "SLAVE_NOT_AVAILABLE"};
    uint64_t n = 0;
    char *copy = strdup(text);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(line);
        ck_assert_msg(j != NULL, "bad trace line: %s", line);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "ev");
        if (e && strcmp(e->valuestring, ev) == 0) {
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
            int ok = !st;
            for (int i = 0; st && i < 4; i++)
                ok |= strcmp(st->valuestring, stored[i]) == 0;
            n += ok;
        }
        cJSON_Delete(j);
    }
    free(copy);
    return n;
}

START_TEST(trace_audits_accounting)
{
    char *trace;
    char *m = run_capture("\"faults\": [{\"at_ms\": 30000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]", 3, &trace);
    cJSON *root = cJSON_Parse(m);
    ck_assert_double_gt(th_num(root, "messages.acked"), 1000);
    ck_assert_double_eq((double)count_events(trace, "send.ack"), th_num(root, "messages.acked"));
    ck_assert_double_eq((double)count_events(trace, "consume"), th_num(root, "messages.consumed"));
    cJSON_Delete(root);
    free(m);
    free(trace);
}
END_TEST

/* ---- every key's bad value is rejected at its path ---- */

START_TEST(bad_values_rejected)
{
    static const struct {
        const char *section, *prefix, *path;
    } sections[] = {
        {"broker", "groups[0].", "$.groups[0]."},
        {"broker", "broker.", "$.broker."},
        {"producers", "producers.", "$.producers."},
        {"consumers", "consumers.", "$.consumers."},
        {"operator", "operator.", "$.operator."},
        {"nameservers", "nameservers.", "$.nameservers."},
    };
    int checked = 0;
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        const struct field *t;
        int n = world_fields(sections[s].section, &t);
        ck_assert_int_gt(n, 0);
        for (int i = 0; i < n; i++) {
            /* A string is wrong for every type except an enum, which gets an unknown choice. */
            char set[256], want[256];
            const char *bad[] = {"\"bogus\"", "-5", "1e300"};
            for (int k = 0; k < 3; k++) {
                if (t[i].type == F_BOOL && k > 0)
                    continue;
                if (t[i].type == F_ENUM && k > 0)
                    continue;
                if (t[i].type == F_DOUBLE && t[i].min < 0 && k == 1)
                    continue;
                snprintf(set, sizeof set, "%s%s=%s", sections[s].prefix, t[i].key, bad[k]);
                snprintf(want, sizeof want, "%s%s", sections[s].path, t[i].key);
                const char *setv[] = {set};
                const char *err = load_error(world_json(""), setv, 1);
                ck_assert_msg(strstr(err, want) != NULL, "--set %s: got \"%s\", want the path %s", set, err, want);
                checked++;
            }
        }
    }
    ck_assert_int_gt(checked, 100);
}
END_TEST

static Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenarios");
    TCase *t = tcase_create("master_slave");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, slave_crash_keeps_writes);
    tcase_add_test(t, master_crash_promotion_timeline);
    tcase_add_test(t, operator_stands_down_when_the_master_is_back);
    tcase_add_test(t, paused_producer_sends_on);
    tcase_add_test(t, async_master_loses_unreplicated);
    tcase_add_test(t, lost_while_no_replica_is_up);
    tcase_add_test(t, sync_master_loses_nothing);
    tcase_add_test(t, sync_master_without_slave);
    tcase_add_test(t, ha_resumes_after_reconnect);
    tcase_add_test(t, redirect_to_slave_and_back);
    tcase_add_test(t, determinism);
    tcase_add_loop_test(t, accounting_window_exact, 0, (int)(sizeof shipped / sizeof shipped[0]));
    tcase_add_test(t, accounting_window_partition);
    tcase_add_test(t, accounting_late_change);
    tcase_add_test(t, trace_audits_accounting);
    tcase_add_test(t, bad_values_rejected);
    tcase_add_test(t, accounting_ids_run_out);
    tcase_add_test(t, too_many_sends_rejected);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run_suite(scenario_suite());
}
