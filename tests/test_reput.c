/* test_reput: the classic store's ReputMessageService. A message a master stores reaches its ConsumeQueue,
 * and the consumers, at the service's next round: it sleeps 1 ms between rounds (ReputMessageService.run),
 * so what is stored stays unreadable for up to a millisecond, never longer, and a held pull is woken by the
 * round, not by the put; and what dispatching before the flush does to a consumer when the host dies. */
#include <check.h>
#include <stdio.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/broker/broker_ctl_int.h"
#include "models/world/world.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"
#include "tests/harness_ctl.h"

/* One master and its slave on the default network (lognormal delays: with constant ones the slave's HA
 * frames can come on the service's own 1 ms steps), 2000 sends a second of 100 bytes, one consumer. */
static const char *world_json(void)
{
    return "{\"name\": \"rp\", \"run\": {\"duration_ms\": 10000, \"seed\": 2, \"trace\": \"off\"},"
           " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"
           " \"producers\": {\"rate_per_s\": 2000, \"size\": {\"const_bytes\": 100}},"
           " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}";
}

/* Messages stored on b, and those its consumers may read. */
static uint64_t stored(struct broker *b, int queues)
{
    uint64_t n = 0;
    for (int q = 0; q < queues; q++)
        n += cl_next_qoff(broker_log(b), q);
    return n;
}

static uint64_t visible(struct broker *b, int queues)
{
    uint64_t n = 0;
    for (int q = 0; q < queues; q++)
        n += broker_visible_qoff(b, q);
    return n;
}

/* Over 1 s in 50 us steps: on the master and on the slave, stored messages wait unreadable (steps find
 * some), every message stored by a step is readable 1 ms and one step later, what is readable rises only
 * in a step that held a round (rp_idle_since: the round's time), and the rounds keep one 1 ms grid (the
 * service's sleeps step on from the last round, which takes no time). The consumer keeps up: the rounds
 * wake its held pulls (without, they would wait for the 5 s recheck). */
START_TEST(stored_is_readable_at_the_next_round)
{
    struct scenario sc;
    th_load(&sc, world_json(), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    int queues = 4;
    enum { LAG = 1000 / 50 + 1 };
    static uint64_t was[2][20000];
    int waited[2] = {0, 0};
    uint64_t seen[2] = {0, 0};
    sim_time t0 = 5 * SIM_S, step = 50 * SIM_US, grid[2] = {-1, -1};
    for (int k = 0; k < 20000; k++) {
        sim_time t = t0 + k * step;
        th_run_to(&sc, t);
        for (int r = 0; r < 2; r++) {
            struct broker *b = w->g[0].broker[r];
            was[r][k] = stored(b, queues);
            uint64_t v = visible(b, queues);
            ck_assert_uint_le(v, was[r][k]);
            waited[r] += v < was[r][k];
            if (k > 0 && v > seen[r]) {
                ck_assert_msg(b->rp_idle_since > t - step, "replica %d: readable rose at %lld without a round", r,
                              (long long)t);
                if (grid[r] < 0)
                    grid[r] = b->rp_idle_since;
                ck_assert_int_eq((b->rp_idle_since - grid[r]) % SIM_MS, 0);
            }
            seen[r] = v;
            if (k >= LAG)
                ck_assert_msg(v >= was[r][k - LAG], "replica %d at step %d: %llu readable of %llu stored 1 ms before",
                              r, k, (unsigned long long)v, (unsigned long long)was[r][k - LAG]);
        }
    }
    ck_assert_int_gt(waited[0], 5000);   /* a message every 0.5 ms, each unreadable for up to 1 ms */
    ck_assert_int_gt(waited[1], 20);     /* HA frames come ten a second (the writer's 100 ms wait), fuller */
    ck_assert_uint_lt(w->rep.acct.acked - w->rep.acct.consumed, 50);
    scenario_free(&sc);
}
END_TEST

/* Controller mode with allAckInSyncStateSet: the service dispatches no further than the confirm offset
 * (getReputEndOffset), so a rise of the confirm offset shows its messages at the next round too, never at
 * once: on the master and on both slaves, over 2 s in 50 us steps at 2,000 sends a second on lognormal
 * links, what is readable rises only in a step that held a round, and never passes the confirm offset. */
START_TEST(confirm_offset_shows_at_the_next_round)
{
    struct scenario sc;
    const char *sets[] = {"producers.rate_per_s=2000", "network.latency={\"dist\": \"lognormal\", \"median_ms\": 1, \"sigma\": 0.3}"};
    th_load(&sc, th_ctl_world(1, ", \"all_ack_in_sync_state_set\": true", NULL), sets, 2);
    struct rmq_world *w = rmq_world_get(sc.w);
    uint64_t seen[3] = {0, 0, 0};
    int rises = 0;
    sim_time t0 = 10 * SIM_S, step = 50 * SIM_US;
    for (int k = 0; k < 40000; k++) {
        sim_time t = t0 + k * step;
        th_run_to(&sc, t);
        for (int r = 0; r < 3; r++) {
            struct broker *b = w->g[0].broker[r];
            uint64_t v = visible(b, 4);
            if (k > 0 && v > seen[r]) {
                rises++;
                ck_assert_msg(b->rp_idle_since > t - step, "replica %d: readable rose at %lld without a round", r,
                              (long long)t);
            }
            ck_assert_uint_le(b->rp_py, ctl_read_end(b));
            seen[r] = v;
        }
    }
    ck_assert_int_gt(rises, 3000);
    scenario_free(&sc);
}
END_TEST

/* RocketMQ 5.3 under SYNC_FLUSH: CommitLog.getConfirmOffset is the flushed offset (#8240), so the service
 * dispatches no message before its fsync (5 ms here): over 1 s in 50 us steps what the master dispatched never
 * passes what it flushed, yet consumers keep up. With dispatch_flushed_only off (4.x) it does pass it. */
static uint64_t dispatched_past_flushed(int on)
{
    struct scenario sc;
    const char *sets[] = {"version=\"5.3\"", "groups[0].flush=\"SYNC_FLUSH\"",
                          "disk.fsync_latency={\"const_ms\": 5}",
                          on ? "groups[0].dispatch_flushed_only=true" : "groups[0].dispatch_flushed_only=false"};
    th_load(&sc, world_json(), sets, 4);
    struct rmq_world *w = rmq_world_get(sc.w);
    struct broker *m = w->g[0].broker[0];
    uint64_t past = 0;
    for (int k = 0; k < 20000; k++) {
        th_run_to(&sc, 5 * SIM_S + k * 50 * SIM_US);
        past += m->rp_py > m->flushed;
    }
    ck_assert_int_lt((int64_t)w->rep.acct.acked - (int64_t)w->rep.acct.consumed, 50);   /* (a consumer may
                                                                                     read a message before its ack) */
    scenario_free(&sc);
    return past;
}

START_TEST(sync_flush_dispatches_flushed_messages)
{
    ck_assert_uint_eq(dispatched_past_flushed(1), 0);
    ck_assert_uint_gt(dispatched_past_flushed(0), 1000);
}
END_TEST

/* What dispatching before the flush costs a consumer (explore on sync_master_explore.json with both groups
 * SYNC_FLUSH, ordered sends and orderly consumers, 4.4, seed 9, shrunk): a send of 108.040 s is put on
 * broker-b's master, dispatched to queue 0 at queue offset 5281 and delivered at 108.041 s, before its fsync;
 * the host dies at 108.042 s and takes it (the producer times out). After the restart at 127.037 s the
 * rebuilt ConsumeQueue gives offset 5281 to the next message of that queue, acknowledged SLAVE_NOT_AVAILABLE
 * at 127.047 s, which the consumer, whose offset is already past it, never reads: one acknowledged message
 * not consumed, none lost. Dispatching only what is flushed (5.3, #8240) delivers it. */
static cJSON *skipped_after_host_crash(int flushed_only, struct th_run *r)
{
    const char *sets[] = {flushed_only ? "broker.dispatch_flushed_only=true" : "broker.dispatch_flushed_only=false"};
    th_run_exit(r,
           "{\"name\": \"t\", \"version\": \"4.4\", \"run\": {\"duration_ms\": 300000, \"seed\": 9, \"trace\": \"off\"},"
           TH_SYNC_FLUSH_PAIR("", ", \"order\": \"queue\", \"order_keys\": 64")
           " \"consumers\": {\"count\": 2, \"orderly\": true},"
           " \"faults\": [{\"at_ms\": 108042, \"op\": \"crash_host\", \"node\": \"broker-b-0\", \"duration_ms\": 18995}],"
           " \"checks\": {\"liveness_after_ms\": 191537, \"recovery_bound_ms\": 1800000}}",
           sets, 1, flushed_only ? 0 : 1);
    return r->m;
}

START_TEST(dispatch_before_flush_skips_an_acked_message)
{
    struct th_run r;
    cJSON *m = skipped_after_host_crash(0, &r);
    ck_assert_double_eq(th_num(m, "messages.acked_unconsumed"), 1);
    ck_assert_double_eq(th_num(m, "messages.acked_lost"), 0);
    ck_assert_str_eq(th_at(m, "invariants.violations.0.invariant")->valuestring, "acked_not_consumed");
    th_run_free(&r);
    m = skipped_after_host_crash(1, &r);
    ck_assert_double_eq(th_num(m, "messages.acked_unconsumed"), 0);
    ck_assert_int_eq(cJSON_GetArraySize(th_at(m, "invariants.violations")), 0);
    th_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reput");
    TCase *tc = tcase_create("classic");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, stored_is_readable_at_the_next_round);
    tcase_add_test(tc, confirm_offset_shows_at_the_next_round);
    tcase_add_test(tc, sync_flush_dispatches_flushed_messages);
    tcase_add_test(tc, dispatch_before_flush_skips_an_acked_message);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
