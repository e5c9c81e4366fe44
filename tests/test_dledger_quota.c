/* test_dledger_quota: DLedger's push throttle (EntryDispatcher.checkQuotaAndWait, dledger 0.3.1.2): a
 * follower more than maxPendingSize (1000) entries and peerPushThrottlePoint (300 MiB) behind is pushed at
 * most peerPushQuota (20 MiB) a second. A follower down for 40 s under 10,000 msg/s of 1 KiB (about 11.9 MB
 * a second of DLedger entries) comes back about 476 MB behind: it catches up at about 21 - 11.9 MB/s until it
 * is within 300 MiB, then at the network's pace; without the throttle in seconds. */
#include <check.h>
#include <stdio.h>

#include "models/broker/broker.h"
#include "models/dledger/raft.h"
#include "models/world/world.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

static const char *world_json(void)
{
    return "{\"name\": \"dq\", \"run\": {\"duration_ms\": 200000, \"seed\": 2, \"trace\": \"off\"},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\"}],"
           " \"producers\": {\"rate_per_s\": 10000, \"size\": {\"const_bytes\": 1024}},"
           " \"consumers\": {\"count\": 0}, \"operator\": {\"enabled\": false}}";
}

/* Seconds from the follower's restart until it is within 1,000 entries of the leader; also the bytes of
 * entries it received in the 5 s from 5 s after its restart (the throttled stretch). */
static double catch_up(const char *const *sets, int nsets, double *mb_per_s)
{
    struct scenario sc;
    th_load(&sc, world_json(), sets, nsets);
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 20 * SIM_S);
    int f = -1, l = -1;
    for (int r = 0; r < 3; r++) {
        if (broker_raft(w->g[0].broker[r])->role == RAFT_LEADER)
            l = r;
        else
            f = r;
    }
    ck_assert(l >= 0 && f >= 0);
    sim_crash(sc.sim, w->g[0].node[f], SIM_CRASH_PROCESS);
    th_run_to(&sc, 60 * SIM_S);
    sim_restart(sc.sim, w->g[0].node[f]);
    const struct raft *fr = broker_raft(w->g[0].broker[f]), *lr = broker_raft(w->g[0].broker[l]);
    const struct commitlog *fl = broker_log(w->g[0].broker[f]);
    sim_time t = 60 * SIM_S;
    uint64_t at5 = 0, at10 = 0;
    while (raft_end(lr) - raft_end(fr) > 1000 && t < 190 * SIM_S) {
        t += 10 * SIM_MS;
        th_run_to(&sc, t);
        if (t == 65 * SIM_S)
            at5 = fl->max_offset;
        if (t == 70 * SIM_S)
            at10 = fl->max_offset;
    }
    *mb_per_s = at10 > at5 ? (double)(at10 - at5) / 5 / 1e6 : 0;
    scenario_free(&sc);
    return (double)(t - 60 * SIM_S) / SIM_S;
}

START_TEST(lagging_follower_pushed_at_the_quota)
{
    double rate, s = catch_up(NULL, 0, &rate);
    printf("caught up %.2f s after its restart; %.2f MB/s of messages from 5 s to 10 s\n", s, rate);
    /* 20 MiB a second of entries (48-byte headers counted), less their headers: 20.97 * 1144 / 1192 MB/s. */
    ck_assert_double_ge(rate, 19.5);
    ck_assert_double_le(rate, 20.2);
    ck_assert_double_ge(s, 15);
    const char *off[] = {"broker.peer_push_throttle_point=2147483647"};
    s = catch_up(off, 1, &rate);
    printf("without the throttle: %.2f s\n", s);
    ck_assert_double_le(s, 10);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("dledger_quota");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, lagging_follower_pushed_at_the_quota);
    suite_add_tcase(su, tc);
    return th_run_suite(su);
}
