/* test_controller: controller mode (RIP-44) on constant 1 ms links: a process crash makes the master
 * inactive at once, a host crash only at the first scan after its heartbeats are 10 s old; a slave cut off
 * from the master leaves the SyncStateSet after haMaxTimeSlaveNotCatchup and is not elected; with unclean
 * election off no master exists until an in-sync replica returns; random crashes over seeds break no
 * invariant, and an election that ignores the SyncStateSet is caught. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/broker/broker.h"
#include "models/controller/controller.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"

/* The controller's settings, the run's seed and the links' latency the next world_json uses. */
static const char *ctl_json = "{\"count\": 1}";
static int seed = 3;
static const char *latency = "{\"const_ms\": 1}";

static char *world_json(const char *group_extra, const char *extra)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"name\": \"c\", \"run\": {\"duration_ms\": 600000, \"seed\": %d, \"trace\": \"off\"},"
             " \"network\": {\"latency\": %s, \"bandwidth_mbit_per_s\": 0}, \"controllers\": %s,"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\"%s}],"
             " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
             " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}%s%s}",
             seed, latency, ctl_json, group_extra ? group_extra : "", extra && *extra ? ", " : "", extra ? extra : "");
    return buf;
}

static void load(struct scenario *sc, const char *text)
{
    char tmpl[64];
    snprintf(tmpl, sizeof tmpl, "/tmp/mqsim-ctl-XXXXXX");
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct run_opts o = {.file = tmpl};
    struct conf c;
    int rc = scenario_load(sc, &o, &c);
    unlink(tmpl);
    ck_assert_msg(rc == 0, "load failed: %s", c.err);
}

static void run_to(struct scenario *sc, sim_time until)
{
    while (sim_now(sc->sim) < until) {
        sim_time next = (sim_now(sc->sim) / SIM_S + 1) * SIM_S;
        sim_run(sc->sim, next < until ? next : until);
        if (sim_now(sc->sim) % SIM_S == 0)
            sc->world->sample(sc->w, sc);
    }
}

static struct ctl_info info(struct scenario *sc) { return controller_info(rmq_world_get(sc->w)->ctl, 0); }

/* With equal links the first broker's election request arrives first: replica 0 is the first master. */
START_TEST(first_master_is_first_requester)
{
    struct scenario sc;
    load(&sc, world_json(NULL, NULL));
    run_to(&sc, 5 * SIM_S);
    struct rmq_world *w = rmq_world_get(sc.w);
    ck_assert_int_eq(info(&sc).master, 0);
    ck_assert_int_eq(info(&sc).master_epoch, 1);
    ck_assert_int_eq(broker_role(w->g[0].broker[0]), RMQ_SYNC_MASTER);
    ck_assert_int_eq(broker_role(w->g[0].broker[1]), RMQ_SLAVE);
    /* Both slaves caught up and joined the SyncStateSet. */
    ck_assert_uint_eq(info(&sc).sss, 7);
    scenario_free(&sc);
}
END_TEST

/* A process crash closes the broker's channel: inactive, elected and detected at the crash (the close
 * reaches the controller 1 ms later); the new master takes the role when the notify arrives, 1 ms on. */
START_TEST(process_crash_inactive_at_once)
{
    struct scenario sc;
    load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 20500, \"op\": \"crash_process\", \"node\": \"broker-a-0\"}]"));
    run_to(&sc, 40 * SIM_S);
    struct report_group *rg = &rmq_world_get(sc.w)->rep.g[0];
    ck_assert_int_eq(rg->crash, 20500 * SIM_MS);
    ck_assert_int_eq(rg->detected, 20501 * SIM_MS);
    ck_assert_int_eq(rg->elected, 20501 * SIM_MS);
    ck_assert_int_eq(rg->promoted, 20502 * SIM_MS);
    ck_assert_int_eq(info(&sc).master, 1);   /* equal epoch and offset: the lower brokerId */
    ck_assert_int_eq(info(&sc).master_epoch, 2);
    scenario_free(&sc);
}
END_TEST

/* A host crash is silent: the last heartbeat (sent at 20 s) arrives at 20.001 s; the scans run at 2 s +
 * 5 s k; the one at 32 s is the first to find it more than 10 s old. */
START_TEST(host_crash_timeout_and_scan)
{
    struct scenario sc;
    load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 20500, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"));
    run_to(&sc, 40 * SIM_S);
    struct report_group *rg = &rmq_world_get(sc.w)->rep.g[0];
    ck_assert_int_eq(rg->detected, 32000 * SIM_MS);
    ck_assert_int_eq(rg->elected, 32000 * SIM_MS);
    ck_assert_int_eq(rg->promoted, 32001 * SIM_MS);
    ck_assert_int_eq(info(&sc).master, 1);
    scenario_free(&sc);
}
END_TEST

/* broker-a-1 is cut off from the master at 10 s (still alive to the controller). Its last catch-up is
 * about 10 s; the checks run at 3 s + 5 s k: the one at 28 s finds it 18 s behind (> 15 s) and the
 * controller takes the smaller set. The master's crash at 40 s then elects broker-a-2, not the lower id. */
START_TEST(lagging_slave_leaves_and_is_not_elected)
{
    struct scenario sc;
    load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                               "\"b\": [\"broker-a-1\"]}, {\"at_ms\": 40000, \"op\": \"crash_process\", "
                               "\"node\": \"broker-a-0\"}]"));
    run_to(&sc, 27 * SIM_S);
    ck_assert_uint_eq(info(&sc).sss, 7);
    run_to(&sc, 29 * SIM_S);
    ck_assert_uint_eq(info(&sc).sss, 5);
    run_to(&sc, 45 * SIM_S);
    ck_assert_int_eq(info(&sc).master, 2);
    scenario_free(&sc);
}
END_TEST

/* Both slaves cut off from the master leave the set; the master's crash at 40 s leaves no master (unclean
 * election off) until it restarts at 70 s and is elected again; with unclean election on a slave is elected
 * at once. */
static void unclean_case(int unclean)
{
    char extra[1024];
    snprintf(extra, sizeof extra,
             "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
             "\"b\": [\"broker-a-1\", \"broker-a-2\"]}, {\"at_ms\": 40000, \"op\": \"crash_process\", "
             "\"node\": \"broker-a-0\", \"duration_ms\": 30000}]");
    char ctl[128];
    snprintf(ctl, sizeof ctl, "{\"count\": 1, \"enable_elect_unclean_master\": %s}", unclean ? "true" : "false");
    ctl_json = ctl;
    struct scenario sc;
    load(&sc, world_json(NULL, extra));
    ctl_json = "{\"count\": 1}";
    run_to(&sc, 30 * SIM_S);
    ck_assert_uint_eq(info(&sc).sss, 1);
    run_to(&sc, 60 * SIM_S);
    if (unclean) {
        ck_assert_int_ge(info(&sc).master, 1);
    } else {
        ck_assert_int_eq(info(&sc).master, -1);
        run_to(&sc, 80 * SIM_S);
        ck_assert_int_eq(info(&sc).master, 0);
        ck_assert_int_eq(broker_role(rmq_world_get(sc.w)->g[0].broker[0]), RMQ_SYNC_MASTER);
    }
    scenario_free(&sc);
}

START_TEST(unclean_off_waits_for_in_sync_replica) { unclean_case(0); }
END_TEST
START_TEST(unclean_on_elects_a_slave) { unclean_case(1); }
END_TEST

static int violations(struct scenario *sc)
{
    cJSON *root = cJSON_CreateObject();
    sc->world->metrics(sc->w, sc, root);
    cJSON_Delete(root);
    return rmq_world_get(sc->w)->rep.invariant_violations;
}

/* Crashes of whoever is master, process and host, over seeds with lognormal links, allAckInSyncStateSet:
 * no invariant broken (one master an epoch, epochs only grow, no acknowledged message lost). */
START_TEST(invariants_over_seeds)
{
    seed = _i;
    latency = "{\"dist\": \"lognormal\", \"median_ms\": 0.5, \"sigma\": 0.5}";
    char text[8192];
    snprintf(text, sizeof text, "%s", world_json(", \"all_ack_in_sync_state_set\": true",
        "\"faults\": [{\"at_ms\": 15000, \"op\": \"crash_process\", \"node\": \"@master:broker-a\", \"duration_ms\": 10000},"
        " {\"at_ms\": 45000, \"op\": \"crash_host\", \"node\": \"@master:broker-a\", \"duration_ms\": 20000},"
        " {\"at_ms\": 80000, \"op\": \"crash_process\", \"node\": \"@slave:broker-a\", \"duration_ms\": 5000}]"));
    seed = 3;
    latency = "{\"const_ms\": 1}";
    struct scenario sc;
    load(&sc, text);
    run_to(&sc, 120 * SIM_S);
    ck_assert_int_eq(violations(&sc), 0);
    ck_assert_uint_gt(rmq_world_get(sc.w)->rep.invariant_checks, 2);
    scenario_free(&sc);
}
END_TEST

/* The broken election (any active replica, lowest index first) elects broker-a-1, cut off and out of the
 * set: the acknowledged messages it lacks are lost, and the check says so. */
START_TEST(broken_election_is_caught)
{
    struct scenario sc;
    load(&sc, world_json(", \"all_ack_in_sync_state_set\": true",
                         "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                         "\"b\": [\"broker-a-1\"]}, {\"at_ms\": 40000, \"op\": \"crash_process\", "
                         "\"node\": \"broker-a-0\"}]"));
    controller_break_election(rmq_world_get(sc.w)->ctl);
    run_to(&sc, 60 * SIM_S);
    ck_assert_int_eq(info(&sc).master, 1);
    ck_assert_int_gt(violations(&sc), 0);
    scenario_free(&sc);
}
END_TEST

static Suite *controller_suite(void)
{
    Suite *s = suite_create("controller");
    TCase *tc = tcase_create("timeline");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, first_master_is_first_requester);
    tcase_add_test(tc, process_crash_inactive_at_once);
    tcase_add_test(tc, host_crash_timeout_and_scan);
    tcase_add_test(tc, lagging_slave_leaves_and_is_not_elected);
    tcase_add_test(tc, unclean_off_waits_for_in_sync_replica);
    tcase_add_test(tc, unclean_on_elects_a_slave);
    tcase_add_test(tc, broken_election_is_caught);
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("invariants");
    tcase_set_timeout(tl, 300);
    tcase_add_loop_test(tl, invariants_over_seeds, 1, 9);
    suite_add_tcase(s, tl);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(controller_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
