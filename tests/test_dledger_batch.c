/* test_dledger_batch: DLedger's batch push (enable_batch_push, DLedger 0.3.1.2's doBatchAppend). A
 * restarted follower is caught up in batches of maxBatchPushSize bytes, not an entry a push; a batch whose
 * answer is late is sent again whole and taken as a resend; acks do not wake the QuorumAckChecker, so the
 * leader commits only at its looks, 1 ms apart, and a send waits longer than without batches. */
#include <check.h>
#include <stdio.h>

#include "models/broker/broker.h"
#include "models/dledger/raft.h"
#include "models/report/measure.h"
#include "models/world/world.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

/* Three replicas over constant links of `lat` ms, 100 sends a second of 100 bytes (220 stored, 268 with
 * DLedger's entry header: a batch of 16 reaches 4096 bytes), and the faults given. */
static char *world_json(int batch, const char *faults, double lat)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"name\": \"b\", \"run\": {\"duration_ms\": 60000, \"seed\": 3, \"trace\": \"off\"},"
             " \"network\": {\"latency\": {\"const_ms\": %g}, \"bandwidth_mbit_per_s\": 0},"
             " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\","
             " \"enable_batch_push\": %s}],"
             " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
             " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}%s%s}",
             lat, batch ? "true" : "false", faults ? ", " : "", faults ? faults : "");
    return buf;
}

static const struct raft *member(struct rmq_world *w, int r) { return broker_raft(w->g[0].broker[r]); }

static int leader(struct rmq_world *w)
{
    for (int r = 0; r < w->g[0].n; r++)
        if (sim_node(w->sim, w->g[0].node[r])->state == SIM_NODE_UP && member(w, r)->role == RAFT_LEADER)
            return r;
    return -1;
}

/* The follower that is not `l` and not `other`. */
static int third(int l, int other) { return 3 - l - other; }

/* Messages the engine sent between 20 s and 40 s (the catch-up below), with the follower that is not
 * the leader (nor replica `keep`) crashed from 20 s to 25 s: 500 entries to catch up. */
static uint64_t catch_up_messages(int batch, int64_t *lag_after)
{
    struct scenario sc;
    th_load(&sc, world_json(batch, NULL, 1), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 20 * SIM_S);
    int l = leader(w);
    ck_assert_int_ge(l, 0);
    int f = third(l, l == 0 ? 1 : 0);
    sim_crash(sc.sim, w->g[0].node[f], SIM_CRASH_PROCESS);
    uint64_t before = sim_stats(sc.sim)->msgs_sent;
    th_run_to(&sc, 25 * SIM_S);
    sim_restart(sc.sim, w->g[0].node[f]);
    th_run_to(&sc, 40 * SIM_S);
    uint64_t sent = sim_stats(sc.sim)->msgs_sent - before;
    ck_assert_int_eq(leader(w), l);
    *lag_after = raft_end(member(w, l)) - raft_end(member(w, f));
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
    return sent;
}

/* The follower comes back about 500 entries behind (5 s at 100 a second). Without batches the leader
 * pushes them one a request; with them, 16 a request: about 470 requests and as many answers fewer. Both
 * leave it at the leader's end. */
START_TEST(catch_up_in_batches)
{
    int64_t lag_single, lag_batch;
    uint64_t single = catch_up_messages(0, &lag_single);
    uint64_t batch = catch_up_messages(1, &lag_batch);
    fprintf(stderr, "catch-up of 500 entries: %llu messages without batches, %llu with (%lld fewer)\n",
            (unsigned long long)single, (unsigned long long)batch, (long long)(single - batch));
    ck_assert_int_le(lag_single, 1);
    ck_assert_int_le(lag_batch, 1);
    ck_assert_msg(single > batch + 800, "catch-up sent %llu messages without batches, %llu with",
                  (unsigned long long)single, (unsigned long long)batch);
}
END_TEST

/* In steady state every rise of the leader's committed index happens at a look of its QuorumAckChecker
 * (q_last_look: the step the index rose in holds it), and the looks keep one 1 ms grid: an ack never
 * commits by itself. Poisson sends put the acks anywhere between the grid's points. */
START_TEST(commits_on_the_checkers_grid)
{
    struct scenario sc;
    const char *sets[] = {"producers.arrivals=poisson"};
    th_load(&sc, world_json(1, NULL, 1), sets, 1);
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 20 * SIM_S);
    int l = leader(w);
    ck_assert_int_ge(l, 0);
    const struct raft *r = member(w, l);
    int64_t committed = r->committed;
    sim_time grid = -1, step = 50 * SIM_US;
    int rises = 0;
    for (sim_time t = 20 * SIM_S + step; t <= 22 * SIM_S; t += step) {
        th_run_to(&sc, t);
        if (r->committed == committed)
            continue;
        committed = r->committed;
        rises++;
        ck_assert_msg(r->q_last_look > t - step && r->q_last_look <= t, "committed at %lld without a look",
                      (long long)t);
        if (grid < 0)
            grid = r->q_last_look;
        ck_assert_int_eq((r->q_last_look - grid) % SIM_MS, 0);
    }
    ck_assert_int_ge(rises, 150);   /* 200 sends in the 2 s */
    scenario_free(&sc);
}
END_TEST

/* The send's wait: with constant 1 ms links the quorum ack comes 2 ms after the append; without batches
 * it commits then, with them at the next look, up to 1 ms later. The sends come at random times (Poisson):
 * at a constant rate every ack would fall at the same point of the looks' 1 ms grid, anchored where the
 * dispatchers began to append (the group's first entry, after its compare and truncate), and with these
 * round numbers exactly on a look. */
static double mean_latency(int batch)
{
    struct scenario sc;
    const char *sets[] = {"producers.arrivals=poisson"};
    th_load(&sc, world_json(batch, NULL, 1), sets, 1);
    th_run_to(&sc, 30 * SIM_S);
    meas_flush_latency(&rmq_world_get(sc.w)->rep.meas);
    double mean = sim_hist_mean(rmq_world_get(sc.w)->rep.meas.topic.lat);
    scenario_free(&sc);
    return mean;
}

START_TEST(sends_wait_for_the_look)
{
    double single = mean_latency(0), batch = mean_latency(1);
    ck_assert_msg(batch > single && batch <= single + 1.0, "mean send latency %.3f ms, %.3f ms with batches",
                  single, batch);
}
END_TEST

/* A follower paused for 3 s (a GC pause: what reaches it waits) leaves the batch after its water-mark
 * unanswered for more than maxPushTimeOutMs; the leader sends it again whole, the follower finds it
 * already there when it comes, and answers SUCCESS to both: the dispatcher stays in APPEND and the
 * follower catches up. */
START_TEST(late_batch_sent_again)
{
    struct scenario sc;
    th_load(&sc, world_json(1, NULL, 1), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 20 * SIM_S);
    int l = leader(w);
    ck_assert_int_ge(l, 0);
    int f = third(l, l == 0 ? 1 : 0);
    uint64_t round = member(w, l)->peer[f].round;
    sim_pause(sc.sim, w->g[0].node[f], 3 * SIM_S);
    th_run_to(&sc, 21500 * SIM_MS);
    const struct raft_peer *pe = &member(w, l)->peer[f];
    ck_assert_uint_gt(pe->bp_live, 64);   /* the ring grew, its head elsewhere than 0 */
    /* the batch after the water-mark went out again after 21 s, and the ring keeps the order sent */
    int resent = 0;
    sim_time sent = 0;
    for (uint32_t i = 0; i < pe->bp_n; i++) {
        const struct raft_batch *b = &pe->bp[(pe->bp_head + i) & (pe->bp_cap - 1)];
        if (!b->count)
            continue;
        ck_assert_int_ge(b->sent, sent);
        sent = b->sent;
        resent |= b->first == pe->watermark + 1 && b->sent > 21 * SIM_S;
    }
    ck_assert(resent);
    th_run_to(&sc, 30 * SIM_S);
    ck_assert_int_eq(leader(w), l);
    ck_assert_uint_eq(member(w, l)->peer[f].round, round);   /* never back to COMPARE */
    ck_assert_int_le(raft_end(member(w, l)) - raft_end(member(w, f)), 1);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dledger_batch");
    TCase *tc = tcase_create("batch");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, catch_up_in_batches);
    tcase_add_test(tc, commits_on_the_checkers_grid);
    tcase_add_test(tc, sends_wait_for_the_look);
    tcase_add_test(tc, late_batch_sent_again);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
