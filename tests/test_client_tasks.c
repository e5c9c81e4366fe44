/* test_client_tasks: MQClientInstance.startScheduledTask's one thread (models/client/client_tasks.c). The route
 * poll (10 ms, then every 30 s), the heartbeat round (1 s, then every 30 s) and the offset persistence share a
 * newSingleThreadScheduledExecutor: a task waiting on an invokeSync holds back the tasks due meanwhile, and a
 * client started at any time has all of them shifted alike. One master/slave group over constant 1 ms links,
 * one consumer. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tests/harness.h"

static const char *const WORLD =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 100000, \"seed\": %d, \"trace\": \"full\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
    " \"faults\": [%s]}";

#define ROUTE "\"ev\":\"route.change\""
#define C0 "\"node\":\"consumer-0\""
#define HB "\"ev\":\"broker.heartbeat\""
#define A0 "\"node\":\"broker-a-0\""

static void run(struct th_run *r, int seed, const char *faults, const char *const *sets, int nsets)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, WORLD, seed, faults);
    th_run(r, buf, sets, nsets);
}

/* The slave's process dies at 40 s and the NameServer drops it at once (its channel closed): the consumer's
 * next poll, at a random point of its 30 s period, brings the route without it (traced 2 ms after the poll:
 * the request's and the answer's 1 ms). The heartbeat round of the same schedule comes 990 ms after the poll
 * (1 s against 10 ms from the start) and reaches the master 1 ms later, whatever the phase drawn: 989 ms after
 * the route change, at every seed. */
START_TEST(one_phase_for_all_tasks)
{
    double first_rc = -1;
    int phases_differ = 0;
    for (int seed = 1; seed <= 4; seed++) {
        struct th_run r;
        run(&r, seed, "{\"at_ms\": 40000, \"op\": \"crash_process\", \"node\": \"broker-a-1\"}", NULL, 0);
        double rc = th_first(r.trace, ROUTE, C0, 40000);
        double hb = th_first(r.trace, HB, A0, rc);
        fprintf(stderr, "seed %d: route change at %.3f ms, next heartbeat at the master %.3f ms (+%.3f)\n", seed,
                rc, hb, hb - rc);
        ck_assert_double_gt(rc, 40000);
        ck_assert_double_lt(rc, 70100);
        ck_assert_double_eq_tol(hb - rc, 989, 1e-6);
        if (first_rc < 0)
            first_rc = rc;
        else if (rc != first_rc)
            phases_differ = 1;
        th_run_free(&r);
    }
    ck_assert(phases_differ);   /* the seeds drew different phases */
}
END_TEST

/* A heartbeat round waiting holds back the route poll. Without the random phase the schedule is RocketMQ's for
 * a client started at 0: polls at 10 ms + 30 s k. The slave's host dies at 20 s (no reset: a heartbeat to it
 * waits its whole 3 s timeout) and the master's process at 25 s (the NameServer drops it at once). With
 * heartbeats every 30 s (1 s + 30 s k) the poll of 30.01 s runs on time and brings the route without the
 * master at 30.012 s; with heartbeats every 29 s the round of 30 s (the master refused after a round trip, then the
 * slave's 3 s timeout) holds the thread until 33.002 s, and the poll due at 30.01 s runs then: 33.004 s. */
START_TEST(waiting_round_holds_back_the_poll)
{
    const char *faults = "{\"at_ms\": 20000, \"op\": \"crash_host\", \"node\": \"broker-a-1\"},"
                         " {\"at_ms\": 25000, \"op\": \"crash_process\", \"node\": \"broker-a-0\"}";
    const char *fixed[] = {"consumers.random_poll_phase=false"};
    const char *late[] = {"consumers.random_poll_phase=false", "consumers.heartbeat_broker_interval_ms=29000"};
    struct th_run r;
    run(&r, 1, faults, fixed, 1);
    double on_time = th_first(r.trace, ROUTE, C0, 25000);
    th_run_free(&r);
    run(&r, 1, faults, late, 2);
    double held = th_first(r.trace, ROUTE, C0, 25000);
    th_run_free(&r);
    fprintf(stderr, "route without the master: %.3f ms (heartbeats every 30 s), %.3f ms (every 29 s)\n", on_time,
            held);
    ck_assert_double_eq_tol(on_time, 30012, 1e-6);
    ck_assert_double_eq_tol(held, 33004, 1e-6);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("client_tasks");
    TCase *tc = tcase_create("tasks");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, one_phase_for_all_tasks);
    tcase_add_test(tc, waiting_round_holds_back_the_poll);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(suite());
}
