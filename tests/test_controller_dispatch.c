/* test_controller_dispatch: the new master's wait for its ConsumeQueue dispatch in controller mode (5.3
 * AutoSwitchHAService.changeToMaster: while dispatchBehindBytes() > 0, sleep 100 ms) on constant 1 ms
 * links, 100 msg/s of 100 bytes. The master's process crashes at 20.5 s: the controller elects broker-a-2
 * (brokerId 2: broker-a-0 registered first, then broker-a-2 and broker-a-1 after their random pauses, as
 * ReplicasManager.register retries a refused applyBrokerId) at 20.501 s, and its notify arrives at 20.504 s:
 * the controller's first notify to a slave opens a connection (the first election's went to the brokers
 * alive then, the master alone). The master sends its slaves what it stored at its HA writer's 100 ms rounds
 * (at x.056 s here), ten messages a frame. With reput_message_cost_us 4000 the slave's ReputMessageService has
 * dispatched the last frame's ten (stored at 20.457 s) when the notify comes and the promotion is at once;
 * with 12000 (20 % short of the rate) it is 3.933 s behind and the promotion comes at the first 100 ms poll
 * after, 4 s later; a change to master the controller supersedes during the wait completes and is followed by
 * the change to slave; a crash in the wait leaves nothing behind. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/controller/controller.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"
#include "tests/harness.h"
#include "tests/harness_ctl.h"

static char *world_json(int cost_us, const char *ctl_extra, const char *faults)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"name\": \"cd\", \"run\": {\"duration_ms\": 45000, \"seed\": 3, \"trace\": \"events\"},"
             " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
             " \"controllers\": {\"count\": 1%s},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\","
             " \"reput_message_cost_us\": %d}],"
             " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
             " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
             " \"faults\": [{\"at_ms\": 20500, \"op\": \"crash_process\", \"node\": \"broker-a-0\"}%s]}",
             ctl_extra ? ctl_extra : "", cost_us, faults ? faults : "");
    return buf;
}


START_TEST(no_wait_when_dispatched)
{
    struct scenario sc;
    th_load(&sc, world_json(4000, NULL, NULL), NULL, 0);
    th_run_to(&sc, 25 * SIM_S);
    struct report_group *rg = &rmq_world_get(sc.w)->rep.g[0];
    ck_assert_int_eq(rg->elected, 20501 * SIM_MS);
    ck_assert_int_eq(rg->promoted, 20504 * SIM_MS);
    scenario_free(&sc);
    struct th_run r;
    th_run(&r, world_json(4000, NULL, NULL), NULL, 0);
    ck_assert_ptr_null(strstr(r.trace, "broker.dispatch_wait"));
    th_run_free(&r);
}
END_TEST

START_TEST(wait_delays_promotion_by_polls)
{
    struct scenario sc;
    th_load(&sc, world_json(12000, NULL, NULL), NULL, 0);
    th_run_to(&sc, 24504 * SIM_MS - 1);
    struct rmq_world *w = rmq_world_get(sc.w);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SLAVE);
    ck_assert_int_lt(w->rep.g[0].promoted, 0);
    sim_run(sc.sim, 24504 * SIM_MS);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SYNC_MASTER);
    ck_assert_int_eq(w->rep.g[0].promoted, 24504 * SIM_MS);   /* 20.504 s + 40 x 100 ms */
    /* broker-a-1 is not back in the set: its registration at its change to slave (20.504 s) found no master
     * (the old one's channel closed at 20.501 s, and the new one registers at 24.504 s), so its HA client,
     * started afresh, has no address until its next periodic registration, at 40 s */
    th_run_to(&sc, 39 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 4);
    ck_assert_int_eq(w->g[0].broker[1]->master, SIM_NODE_NONE);
    scenario_free(&sc);

    struct th_run r;
    th_run(&r, world_json(12000, NULL, NULL), NULL, 0);
    ck_assert_ptr_nonnull(strstr(r.trace, "{\"t_ms\":20504.000,\"node\":\"broker-a-2\",\"ev\":\"broker.dispatch_wait\","
                                          "\"group\":\"broker-a\",\"epoch\":2,\"behind_ms\":3933}"));
    ck_assert_ptr_nonnull(strstr(r.trace, "{\"t_ms\":24504.000,\"node\":\"broker-a-2\",\"ev\":\"broker.dispatch_done\","
                                          "\"group\":\"broker-a\",\"waited_ms\":4000}"));
    /* broker-a-1's HA client, started afresh at 20.504 s, takes broker-a-2's address only from the
     * registration answer of 40.002 s, and connects at once */
    ck_assert_ptr_nonnull(strstr(r.trace, "{\"t_ms\":20504.000,\"node\":\"broker-a-1\",\"ev\":\"ha.master\","
                                          "\"peer\":null"));
    ck_assert_double_eq(th_first(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"ha.master\"", "\"peer\":\"broker-a-2\"",
                                 20504), 40002);
    ck_assert_double_eq(th_first(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"ha.connect\"", NULL, 20504), 40004);
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    th_run_free(&r);
}
END_TEST

/* With unclean election the admin names broker-a-1 at 21 s, during broker-a-2's wait (epoch 3; broker-a-1
 * waits too, 3.436 s behind: promoted at 24.501 s). broker-a-2's change to master completes at 24.504 s
 * and the notify of epoch 3, which waited for it, makes it a slave at the same instant: no two masters
 * of one epoch, no epoch going back in the checks. */
START_TEST(superseded_promotion_completes_then_slave)
{
    const char *faults = ", {\"at_ms\": 21000, \"op\": \"elect_master\", \"group\": \"broker-a\", \"to\": 1}";
    struct scenario sc;
    th_load(&sc, world_json(12000, ", \"enable_elect_unclean_master\": true", faults), NULL, 0);
    th_run_to(&sc, 24501 * SIM_MS);
    ck_assert_int_eq(th_ctl_info(&sc).master, 1);
    ck_assert_int_eq(th_ctl_info(&sc).master_epoch, 3);
    ck_assert_int_eq(th_ctl_role(&sc, 1), RMQ_SYNC_MASTER);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SLAVE);
    sim_run(sc.sim, 24504 * SIM_MS);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SLAVE);
    scenario_free(&sc);

    struct th_run r;
    th_run(&r, world_json(12000, ", \"enable_elect_unclean_master\": true", faults), NULL, 0);
    ck_assert_ptr_nonnull(strstr(r.trace, "{\"t_ms\":24504.000,\"node\":\"broker-a-2\",\"ev\":\"broker.role\","
                                          "\"group\":\"broker-a\",\"role\":\"SYNC_MASTER\",\"id\":0,\"epoch\":2,"));
    ck_assert_ptr_nonnull(strstr(r.trace, "{\"t_ms\":24504.000,\"node\":\"broker-a-2\",\"ev\":\"broker.role\","
                                          "\"group\":\"broker-a\",\"role\":\"SLAVE\",\"id\":2,\"epoch\":3,"));
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    th_run_free(&r);
}
END_TEST

/* broker-a-2's process crashes at 22 s, in its wait, and restarts at 25 s. The SyncStateSet is broker-a-2
 * alone, so nobody is master meanwhile; the restarted broker recovered its ConsumeQueues (nothing to
 * dispatch), is elected again when it asks and becomes master at once. */
START_TEST(crash_in_wait_leaves_nothing)
{
    const char *faults = ", {\"at_ms\": 22000, \"op\": \"crash_process\", \"node\": \"broker-a-2\", \"duration_ms\": 3000}";
    struct scenario sc;
    th_load(&sc, world_json(12000, NULL, faults), NULL, 0);
    th_run_to(&sc, 25 * SIM_S - 1);
    ck_assert_int_eq(th_ctl_info(&sc).master, -1);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SLAVE);
    th_run_to(&sc, 26 * SIM_S);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SYNC_MASTER);
    scenario_free(&sc);
    struct th_run r;
    th_run(&r, world_json(12000, NULL, faults), NULL, 0);
    ck_assert_ptr_null(strstr(r.trace, "broker.dispatch_done"));
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    th_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("controller_dispatch");
    TCase *tc = tcase_create("timeline");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, no_wait_when_dispatched);
    tcase_add_test(tc, wait_delays_promotion_by_polls);
    tcase_add_test(tc, superseded_promotion_completes_then_slave);
    tcase_add_test(tc, crash_in_wait_leaves_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(suite());
}
