/* test_consumer_group: the consumer group's membership as the brokers keep it (ConsumerManager), on constant
 * 1 ms links. A consumer whose process dies leaves the group at once (its host resets the channel, the
 * brokers tell the others, who rebalance); one whose host dies leaves a broker when the broker's remoting
 * server closes its channel, idle for 120 s, and the others are told; or at the broker's scan, 120 s after its
 * last heartbeat, if that comes first, and the others find out at their next rebalance; a restarted broker
 * refuses pulls until a heartbeat reaches it (at the next round on 4.x, as the connection comes up on 5.3). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

/* Two consumers (queues 0-1 and 2-3), 1000 msg/s; consumer-1 dies at 70 s ("%s": the fault's op), 10 s after
 * the consumers' rebalances (every 20 s from 0.03 s) and 9 s after their heartbeats (1 s, then every 30 s:
 * without the random phase, the schedule of a client started at 0). */
static const char *const TWO =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 230000, \"seed\": 3, \"trace\": \"events\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"rate_per_s\": 1000, \"size\": {\"const_bytes\": 100}},"
    " \"consumers\": {\"count\": 2, \"random_poll_phase\": false}, \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 70000, \"op\": \"%s\", \"node\": \"consumer-1\"}]}";

struct gone {
    int n;
    double first, last;
    char why[16];
};

static void gone_line(const char *l, void *arg)
{
    struct gone *g = arg;
    double t = th_field(l, "\"t_ms\":", -1);
    if (g->n++ == 0)
        g->first = t;
    g->last = t;
    const char *w = th_on_line(l, "\"why\":\"");
    if (w)
        snprintf(g->why, sizeof g->why, "%.*s", (int)strcspn(w + 7, "\""), w + 7);
}

/* consumer-0's rebalances that count one consumer. */
#define ALONE "\"ev\":\"rebalance\",\"consumers\":1,"
#define C0 "\"node\":\"consumer-0\""

static void run_two(struct th_run *r, const char *op, const char **sets, int nsets)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, TWO, op);
    th_run(r, buf, sets, nsets);
}

/* ConsumerManager.doChannelCloseEvent: the dead process's kernel closes its connections, both brokers drop the
 * channel and notify consumer-0, which takes all four queues within milliseconds. Without the notification
 * (notify_consumer_ids_changed_enable false) it waits for its next 20 s rebalance. */
START_TEST(dead_process_leaves_at_once)
{
    struct th_run r;
    run_two(&r, "crash_process", NULL, 0);
    struct gone g = {0};
    th_each(r.trace, "\"ev\":\"broker.client_gone\"", gone_line, &g);
    double alone = th_first(r.trace, ALONE, C0, 70000);
    fprintf(stderr, "process crash at 70 s: channel dropped at %.4f ms, consumer-0 alone at %.4f ms\n", g.first,
            alone);
    ck_assert_int_eq(g.n, 2);   /* master and slave */
    ck_assert_str_eq(g.why, "closed");
    ck_assert_double_lt(g.last, 70010);
    ck_assert_double_gt(alone, g.first);
    ck_assert_double_lt(alone, 70010);
    ck_assert_double_le(th_num(r.m, "messages.acked_unconsumed"), 1);
    th_run_free(&r);

    const char *off[] = {"broker.notify_consumer_ids_changed_enable=false"};
    run_two(&r, "crash_process", off, 1);
    alone = th_first(r.trace, ALONE, C0, 70000);
    ck_assert_double_gt(alone, 80000);
    ck_assert_double_lt(alone, 80100);
    th_run_free(&r);
}
END_TEST

/* ConsumerManager.scanNotActiveChannel: a dead host closes nothing; its last heartbeat was at 61 s, so the
 * scan of 190 s (every 10 s) is the first to find it more than 120 s old, drops it and tells nobody:
 * consumer-0 counts one consumer only at its next periodic rebalance (200 s). The remoting server's idle close
 * is off here (it comes first at the slave, below). */
START_TEST(dead_host_leaves_at_the_scan)
{
    struct th_run r;
    const char *no_idle[] = {"broker.server_channel_max_idle_time_ms=0"};
    run_two(&r, "crash_host", no_idle, 1);
    struct gone g = {0};
    th_each(r.trace, "\"ev\":\"broker.client_gone\"", gone_line, &g);
    ck_assert_int_eq(g.n, 2);
    ck_assert_str_eq(g.why, "expired");
    ck_assert_double_eq_tol(g.first, 190000, 1e-9);
    ck_assert_double_eq_tol(g.last, 190000, 1e-9);
    double alone = th_first(r.trace, ALONE, C0, 70000);
    fprintf(stderr, "host crash at 70 s: channel expired at %.3f ms, consumer-0 alone at %.3f ms\n", g.first,
            alone);
    ck_assert_int_eq(th_count(r.trace, ALONE, C0, 70000, 190000), 0);
    ck_assert_double_gt(alone, 200000);
    ck_assert_double_lt(alone, 200100);
    /* Its queues are read to the end once taken. */
    ck_assert_double_le(th_num(r.m, "messages.acked_unconsumed"), 1);
    th_run_free(&r);
}
END_TEST

static void idle_line(const char *l, void *arg)
{
    double *t = arg;
    if (th_has(l, "\"why\":\"idle\""))
        t[th_has(l, "\"node\":\"broker-a-0\"") ? 0 : 1] = th_field(l, "\"t_ms\":", -1);
}

/* NettyRemotingServer's IdleStateHandler (ALL_IDLE, 120 s) closes a channel with no read or write, and
 * ClientHousekeepingService.onChannelIdle removes the consumer and tells the group. The slave's channel carries
 * only the heartbeats (the last at 61.0 s), so the slave closes it at 181.0 s, before any scan would; the
 * master's carried pulls until the host died. Dead at 62 s, its last pull is answered at 62.0 s and the master
 * closes the channel at 182.0 s, before the scan of 190 s: consumer-0 is told and takes all the queues at once.
 * Dead at 70 s, the master's scan of 190 s comes first, tells nobody, and consumer-0 is alone at its next
 * periodic rebalance, 20 s after the one the slave's notice started (181.0 s: the master still listed
 * consumer-1 then). */
START_TEST(dead_host_channel_closed_idle)
{
    struct th_run r;
    const char *at62[] = {"faults[0].at_ms=62000"};
    run_two(&r, "crash_host", at62, 1);
    double idle[2] = {-1, -1};
    th_each(r.trace, "\"ev\":\"broker.client_gone\"", idle_line, idle);
    double alone = th_first(r.trace, ALONE, C0, 62000);
    fprintf(stderr, "host crash at 62 s: idle close at %.3f (master) and %.3f ms (slave), consumer-0 alone at %.3f ms\n",
            idle[0], idle[1], alone);
    ck_assert_double_eq_tol(idle[1], 181003, 1e-6);
    ck_assert_double_gt(idle[0], 182000);
    ck_assert_double_lt(idle[0], 182010);
    ck_assert_int_eq(th_count(r.trace, ALONE, C0, 62000, idle[0]), 0);
    ck_assert_double_gt(alone, idle[0]);
    ck_assert_double_lt(alone, idle[0] + 10);
    ck_assert_double_le(th_num(r.m, "messages.acked_unconsumed"), 1);
    th_run_free(&r);

    run_two(&r, "crash_host", NULL, 0);
    struct gone g = {0};
    th_each(r.trace, "\"ev\":\"broker.client_gone\"", gone_line, &g);
    ck_assert_int_eq(g.n, 2);
    ck_assert_double_eq_tol(g.first, 181003, 1e-6);   /* the slave: idle */
    ck_assert_double_eq_tol(g.last, 190000, 1e-9);    /* the master: its scan */
    ck_assert_str_eq(g.why, "expired");
    alone = th_first(r.trace, ALONE, C0, 70000);
    ck_assert_double_gt(alone, 201000);
    ck_assert_double_lt(alone, 201100);
    th_run_free(&r);
}
END_TEST

/* The master's process restarts at 40 s with an empty consumer table: its pulls are answered
 * SUBSCRIPTION_NOT_EXIST until a heartbeat reaches it, at the round of 61 s on 4.x (no random phase: rounds at
 * 1 s + 30 s k; the rebalances of 40.03 s and 60.03 s, which ask it for the consumer list, are skipped and keep
 * the queues); with heartbeat_on_connect (5.x) the heartbeat goes as the consumer's connection comes up again
 * (its offset commit of 40 s opens it). The pulls held at the crash fail at the client's first response
 * scan 1 s after their 5 s timeout (45 s here: scanResponseTable; mqsim's remoting, as R44's, fails nothing
 * early when a channel closes) and are retried every 3 s. */
static const char *const RESTART =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 80000, \"seed\": 3, \"trace\": \"full\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
    " \"consumers\": {\"count\": 1, \"random_poll_phase\": false, \"broker_suspend_max_time_ms\": 3000,"
    "   \"consumer_timeout_when_suspend_ms\": 5000}, \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 39000, \"op\": \"crash_process\", \"node\": \"broker-a-0\", \"duration_ms\": 1000}]}";

#define A0 "\"node\":\"broker-a-0\""

START_TEST(restarted_broker_refuses_pulls_until_heartbeat)
{
    struct th_run r;
    th_run(&r, RESTART, NULL, 0);
    double f_t = th_first(r.trace, "\"ev\":\"pull.serve\"", A0, 40000);
    double f_known = th_first(r.trace, "\"ev\":\"broker.client_new\"", A0, 40000);
    int skipped = th_count(r.trace, "\"ev\":\"rebalance.skip\"", "\"why\":\"SYSTEM_ERROR\"", 40000, 1e12);
    th_run_free(&r);
    const char *on[] = {"consumers.heartbeat_on_connect=true"};
    th_run(&r, RESTART, on, 1);
    double g_t = th_first(r.trace, "\"ev\":\"pull.serve\"", A0, 40000);
    double g_known = th_first(r.trace, "\"ev\":\"broker.client_new\"", A0, 40000);
    th_run_free(&r);
    fprintf(stderr, "master restarted at 40 s: consumer known at %.3f ms, first pull served at %.3f ms (4.x); "
            "%.3f ms and %.3f ms (heartbeat on connect)\n", f_known, f_t, g_known, g_t);
    ck_assert_double_eq_tol(f_known, 61001, 1e-6);
    ck_assert_int_eq(skipped, 2);   /* 40.03 s and 60.03 s: "no consumer for this group" */
    ck_assert_double_gt(f_t, f_known);
    ck_assert_double_lt(f_t, f_known + 3100);
    ck_assert_double_lt(g_known, 40100);
    ck_assert_double_gt(g_t, 45000);
    ck_assert_double_lt(g_t, 48100);
}
END_TEST

/* 5.x cadence at start: RebalanceService's lastRebalanceTimestamp starts at its construction, so the start's
 * rebalanceImmediately waits out minInterval (1 s, 5.2+), and the queues it takes are first pulled 500 ms later
 * (dispatchPullRequest(.., 500), 5.0+); 4.x rebalances and pulls at once. The consumer starts at 3 s, when
 * there are messages to read, so its first pull is served as soon as it comes. */
static const char *const ONE =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 6000, \"seed\": 3, \"trace\": \"full\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
    " \"consumers\": {\"count\": 1, \"start_ms\": 3000}, \"operator\": {\"enabled\": false}}";

START_TEST(start_cadence_by_version)
{
    struct th_run r;
    const char *v53[] = {"version=5.3"};
    th_run(&r, ONE, v53, 1);
    struct { double rebalance, pull; } f, g;
    f.rebalance = th_first(r.trace, "\"ev\":\"rebalance\"", NULL, 0);
    f.pull = th_first(r.trace, "\"ev\":\"pull.serve\"", NULL, 0);
    th_run_free(&r);
    th_run(&r, ONE, NULL, 0);
    g.rebalance = th_first(r.trace, "\"ev\":\"rebalance\"", NULL, 0);
    g.pull = th_first(r.trace, "\"ev\":\"pull.serve\"", NULL, 0);
    th_run_free(&r);
    fprintf(stderr, "start: rebalance at %.3f ms, first pull served at %.3f ms (5.3); %.3f ms, %.3f ms (4.4)\n",
            f.rebalance, f.pull, g.rebalance, g.pull);
    ck_assert_double_ge(f.rebalance, 4000);
    ck_assert_double_lt(f.rebalance, 4010);
    ck_assert_double_ge(f.pull, f.rebalance + 500);
    ck_assert_double_lt(f.pull, f.rebalance + 510);
    ck_assert_double_lt(g.rebalance, 3050);
    ck_assert_double_lt(g.pull, g.rebalance + 10);
}
END_TEST

/* 5.x onChannelActive: sendHeartbeatToBroker(.., strictLockMode false) gives up while a round holds the
 * heartbeat lock, so the round's own heartbeats, which open the consumer's connections, add none: with
 * heartbeat_on_connect the brokers get as many heartbeats in the first seconds as without (each broker's
 * first adds the channel, `broker.client_new`; later ones renew it, `broker.heartbeat`). */
static int heartbeats(const char *trace, double until)
{
    return th_count(trace, "\"ev\":\"broker.client_new\"", NULL, 0, until) +
           th_count(trace, "\"ev\":\"broker.heartbeat\"", NULL, 0, until);
}

START_TEST(round_connects_add_no_heartbeat)
{
    struct th_run r;
    const char *on[] = {"consumers.heartbeat_on_connect=true"};
    th_run(&r, ONE, on, 1);
    int a = heartbeats(r.trace, 5000);
    th_run_free(&r);
    th_run(&r, ONE, NULL, 0);
    int b = heartbeats(r.trace, 5000);
    th_run_free(&r);
    fprintf(stderr, "start: %d heartbeats with heartbeat_on_connect, %d without\n", a, b);
    ck_assert_int_eq(b, 4);   /* the start's round and the scheduled one at 4 s, to both brokers */
    ck_assert_int_eq(a, b);
}
END_TEST

/* A consumer whose process comes back 30 s after its death starts its rebalances afresh (the RebalanceService
 * of the new process): a few at its start (its own, and the brokers' notifications of its new channels), then
 * every 20 s; nothing of the dead process's schedule (its timer, its next due time) is kept. */
static int rebalances_in(const char *trace, double from, double to)
{
    return th_count(trace, "\"ev\":\"rebalance\"", "\"node\":\"consumer-1\"", from, to);
}

START_TEST(restarted_consumer_rebalances_again)
{
    struct th_run r;
    /* from the first offset: a 5.3 consumer that starts with the producers may find a queue empty at its offset
     * query and start it at the max offset, 1 by then (test_consume_from) */
    const char *back[] = {"faults[0].duration_ms=30000", _i ? "version=5.3" : "version=4.4",
                          "consumers.consume_from_where=first_offset"};
    run_two(&r, "crash_process", back, 3);
    int start = rebalances_in(r.trace, 100000, 101100), p1 = rebalances_in(r.trace, 119000, 122000),
        p2 = rebalances_in(r.trace, 139000, 142000), dead = rebalances_in(r.trace, 70000, 100000);
    fprintf(stderr, "%s: consumer-1 back at 100 s: %d rebalances at its start, %d and %d 20 s and 40 s later, %d "
            "while dead\n", back[1], start, p1, p2, dead);
    ck_assert_int_ge(start, 1);
    ck_assert_int_eq(p1, 1);
    ck_assert_int_eq(p2, 1);
    ck_assert_int_eq(dead, 0);
    ck_assert_double_le(th_num(r.m, "messages.acked_unconsumed"), 1);
    th_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("consumer_group");
    TCase *tc = tcase_create("membership");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, dead_process_leaves_at_once);
    tcase_add_test(tc, dead_host_leaves_at_the_scan);
    tcase_add_test(tc, dead_host_channel_closed_idle);
    tcase_add_test(tc, restarted_broker_refuses_pulls_until_heartbeat);
    tcase_add_test(tc, start_cadence_by_version);
    tcase_add_test(tc, round_connects_add_no_heartbeat);
    tcase_add_loop_test(tc, restarted_consumer_rebalances_again, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
