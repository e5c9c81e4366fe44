/* test_rebalance_turns: a push consumer's rebalance takes its new queues one after the other
 * (RebalanceImpl.updateProcessQueueTableInRebalance, R44 to R53), on constant 1 ms links: each queue's offset
 * query (and, orderly, its lock) is a synchronous call on the RebalanceService thread, and the pulls of the
 * queues taken start only after the last (dispatchPullRequest). A dead master's host holds the loop 3 s a
 * queue (NettyRemotingClient.createChannel's connect wait), so the healthy group's queues start 12 s late;
 * with consumers.rebalance_takes_in_turn false (mqsim before) they start at once. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

/* Two groups of two, 200 msg/s; broker-a's master's host dies at 5 s and the consumer starts at 10 s, while
 * its route still lists the dead master (the NameServer's 120 s expiry). Seed 4: the start's rebalance, at
 * 13.022 s (after its heartbeat round waited 3 s on the dead host), asks broker-b for the consumer list. */
static const char *const WORLD =
    "{\"name\": \"t\", \"version\": \"%s\", \"run\": {\"duration_ms\": 40000, \"seed\": 4, \"trace\": \"events\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"},"
    "             {\"name\": \"broker-b\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"random_poll_phase\": false, \"start_ms\": 10000%s}, \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 5000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]}";

#define TAKE "\"ev\":\"rebalance.take\""
#define B_SERVE "\"node\":\"broker-b-0\",\"ev\":\"pull.serve\""
#define START 13022.005   /* the start's rebalance gets its consumer list */

static void run_world(struct th_run *r, const char *version, const char *keys, const char **sets, int nsets)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, WORLD, version, keys);
    th_run(r, buf, sets, nsets);
}

struct takes {
    int n, failed, taken;
    double first_from, last_to, longest_failed;
    int back_to_back;
};

static void take_line(const char *l, void *arg)
{
    struct takes *t = arg;
    double to = th_field(l, "\"t_ms\":", -1), from = th_field(l, "\"from_ms\":", -1);
    if (t->n == 0) {
        t->first_from = from;
        t->back_to_back = 1;
    } else if (from != t->last_to) {
        t->back_to_back = 0;
    }
    t->n++;
    t->last_to = to;
    if (th_has(l, "\"result\":\"failed\"")) {
        t->failed++;
        if (to - from > t->longest_failed)
            t->longest_failed = to - from;
    } else {
        t->taken++;
    }
}

/* The first rebalance's loop: the takes that began before `until` (the next rebalance's come after). */
static void first_loop(const char *trace, double until, struct takes *t)
{
    memset(t, 0, sizeof *t);
    for (const char *l = trace; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (th_has(l, TAKE) && th_field(l, "\"from_ms\":", -1) < until)
            take_line(l, t);
}

/* 4.4: broker-a's four queues fail one after the other, each after a 3 s connect to the dead host, then
 * broker-b's four are taken (2 ms each) and their pulls start at 25.030 s: the first read 12 s later than
 * with every query on its own. */
START_TEST(dead_host_holds_the_loop)
{
    struct th_run r;
    run_world(&r, "4.4", "", NULL, 0);
    struct takes t;
    first_loop(r.trace, 25031, &t);
    double first_b = th_first(r.trace, B_SERVE, NULL, 0);
    fprintf(stderr, "4.4, broker-a's host dead: %d takes (%d failed, longest %.3f ms) from %.3f to %.3f ms; "
            "broker-b's first pull served at %.3f ms\n", t.n, t.failed, t.longest_failed, t.first_from,
            t.last_to, first_b);
    ck_assert_int_eq(t.n, 8);
    ck_assert_int_eq(t.failed, 4);
    ck_assert_int_eq(t.taken, 4);
    ck_assert(t.back_to_back);
    ck_assert_double_eq_tol(t.first_from, START, 0.001);
    ck_assert_double_eq_tol(t.longest_failed, 3000, 0.001);
    ck_assert_double_eq_tol(t.last_to, START + 4 * 3000 + 4 * 2.005, 0.001);
    /* dispatchPullRequest at the loop's end; the pull is served 1.01 ms later */
    ck_assert_double_eq_tol(first_b, t.last_to + 1.010, 0.001);
    th_run_free(&r);

    /* The key false: every query at once, broker-b's first pull served 3 ms after the list came. */
    const char *off[] = {"consumers.rebalance_takes_in_turn=false"};
    run_world(&r, "4.4", "", off, 1);
    double before = th_first(r.trace, B_SERVE, NULL, 0);
    fprintf(stderr, "the key false: broker-b's first pull served at %.3f ms\n", before);
    ck_assert_int_eq(th_count(r.trace, TAKE, NULL, 0, 1e12), 0);
    ck_assert_double_eq_tol(before, START + 3.015, 0.001);
    ck_assert_double_eq_tol(first_b - before, 12006.015, 0.001);   /* 4 x 3 s, and 4 queries in turn */
    th_run_free(&r);
}
END_TEST

/* Orderly: each new queue's lock (lockBatchMQ, 1000 ms) holds the loop until the connect to the dead host
 * fails, 3 s, not the call's 1 s (invokeSync cannot end createChannel's wait); broker-b's queues then take a
 * lock and a query each (4 ms). */
START_TEST(orderly_lock_waits_for_the_connect)
{
    struct th_run r;
    run_world(&r, "4.4", ", \"orderly\": true", NULL, 0);
    struct takes t;
    first_loop(r.trace, 25039, &t);
    fprintf(stderr, "4.4 orderly: %d takes (%d failed, longest %.3f ms) from %.3f to %.3f ms\n", t.n, t.failed,
            t.longest_failed, t.first_from, t.last_to);
    ck_assert_int_eq(t.n, 8);
    ck_assert_int_eq(t.failed, 4);
    ck_assert(t.back_to_back);
    ck_assert_double_eq_tol(t.longest_failed, 3000, 0.001);
    ck_assert_double_eq_tol(t.last_to, START + 4 * 3000 + 4 * 4.010, 0.001);
    th_run_free(&r);
}
END_TEST

/* 5.3 loops the same way and dispatches the pulls 500 ms after the loop (dispatchPullRequest(.., 500)). */
START_TEST(v53_dispatches_after_the_loop)
{
    struct th_run r;
    run_world(&r, "5.3", "", NULL, 0);
    struct takes t;
    first_loop(r.trace, 25031, &t);
    double first_b = th_first(r.trace, B_SERVE, NULL, 0);
    fprintf(stderr, "5.3: %d takes (%d failed) to %.3f ms; broker-b's first pull served at %.3f ms\n", t.n,
            t.failed, t.last_to, first_b);
    ck_assert_int_eq(t.n, 8);
    ck_assert_int_eq(t.failed, 4);
    ck_assert_double_eq_tol(first_b, t.last_to + 500 + 1.010, 0.001);
    th_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rebalance_turns");
    TCase *tc = tcase_create("rebalance_turns");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, dead_host_holds_the_loop);
    tcase_add_test(tc, orderly_lock_waits_for_the_connect);
    tcase_add_test(tc, v53_dispatches_after_the_loop);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
