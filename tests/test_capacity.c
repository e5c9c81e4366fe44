/* test_capacity: the broker's request executors and the closed-loop producers on small deterministic worlds
 * (1 ms constant links, constant service times): a single send thread serialises 4.4 SYNC_MASTER puts
 * (and 4.5-4.6 DLedger puts),
 * BrokerFastFailure answers SYSTEM_BUSY after the queue wait, closed-loop throughput obeys Little's law,
 * latency fault tolerance keeps a producer away from an isolated broker for its table's duration, a 5.3
 * controller-mode put waiting for its replica holds no send thread, and a busy page cache refuses puts in
 * every HA mode, and sends at their arrival. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/lab/runner.h"
#include "sim/dist.h"
#include "sim/lab/scenario.h"
#include "sim/rng.h"
#include "tests/harness.h"

/* One SYNC_MASTER group with 0.1 ms of service a put, three closed-loop threads, 1 ms links. */
static const char *const SYNC_WORLD =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 11000, \"seed\": 7},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"SYNC_MASTER\","
    "   \"send_service_time\": {\"const_ms\": 0.1}}],"
    " \"producers\": {\"mode\": \"closed\", \"threads\": 3, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}";

/* 4.4: each put holds the one send thread for its 0.1 ms of service and the slave's 2 ms round trip, so the
 * three threads' puts go one after the other, 2.1 ms apart, and each send takes 3 x 2.1 = 6.3 ms. 4.7+
 * (async_send) frees the thread: 1 + 0.1 + 2 + 1 = 4.1 ms. */
START_TEST(single_send_thread_serialises_sync_puts)
{
    struct th_run r;
    const char *set44[] = {"groups[0].async_send=false"};
    th_run(&r, SYNC_WORLD, set44, 1);
    ck_assert_double_eq_tol(th_num(r.m, "topic.latency_ms.mean"), 6.3, 1e-9);
    ck_assert_double_eq_tol(th_num(r.m, "topic.latency_ms.max"), 6.3, 1e-9);
    /* Consecutive acknowledgements 2.1 ms apart once the threads are in step. */
    ck_assert_ptr_nonnull(strstr(r.trace, "\"t_ms\":1012.400,\"node\":\"producer-0\",\"ev\":\"send.ack\""));
    ck_assert_ptr_nonnull(strstr(r.trace, "\"t_ms\":1014.500,\"node\":\"producer-0\",\"ev\":\"send.ack\""));
    th_run_free(&r);
    const char *set47[] = {"groups[0].async_send=true"};
    th_run(&r, SYNC_WORLD, set47, 1);
    ck_assert_double_eq_tol(th_num(r.m, "topic.latency_ms.mean"), 4.1, 1e-9);
    ck_assert_double_eq_tol(th_num(r.m, "topic.latency_ms.max"), 4.1, 1e-9);
    th_run_free(&r);
}
END_TEST

/* Three DLedger peers, the same service time and links; the producer starts at 11 s, after the election. */
static const char *const DLEDGER_WORLD =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 21000, \"seed\": 7},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\","
    "   \"send_service_time\": {\"const_ms\": 0.1}}],"
    " \"producers\": {\"mode\": \"closed\", \"threads\": 3, \"start_ms\": 11000, \"size\": {\"const_bytes\": 100},"
    "   \"random_poll_phase\": false},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}";

/* 4.5-4.6 DLedgerCommitLog.putMessage waits in AppendFuture.get on the send thread until a quorum has the
 * entry (the push to the followers and their acks: 2 ms), so the three threads' puts go 2.1 ms apart and each
 * send takes 6.3 ms, as 4.4 SYNC_MASTER's; 4.7+ asyncPutMessage (async_send, the default for DLedger
 * groups) frees the thread: 1 + 0.1 + 2 + 1 = 4.1 ms. */
START_TEST(dledger_put_holds_send_thread)
{
    struct th_run r;
    const char *set46[] = {"groups[0].async_send=false"};
    th_run(&r, DLEDGER_WORLD, set46, 1);
    ck_assert_double_eq_tol(th_num(r.m, "topic.latency_ms.mean"), 6.3, 1e-9);
    ck_assert_double_eq_tol(th_num(r.m, "topic.latency_ms.max"), 6.3, 1e-9);
    /* The group's first entry reaches the followers by a compare and a truncate (a leader with an empty
     * log waits in COMPARE: EntryDispatcher.doCompare), 2 ms more than an append: every put after it too. */
    ck_assert_ptr_nonnull(strstr(r.trace, "\"t_ms\":11016.400,\"node\":\"producer-0\",\"ev\":\"send.ack\""));
    ck_assert_ptr_nonnull(strstr(r.trace, "\"t_ms\":11018.500,\"node\":\"producer-0\",\"ev\":\"send.ack\""));
    /* one answer every 2.1 ms at most: the 10 s window holds 4,762 of them (one more than 10 s / 2.1 ms) */
    ck_assert_double_le(th_num(r.m, "topic.throughput_per_s"), (10000 / 2.1 + 1) / 10);
    th_run_free(&r);
    /* The first put's entry is committed by that compare and truncate, the next two (appended meanwhile)
     * together by one push 2 ms later: those two threads' next puts reach the send thread at once, and one
     * takes 4.2 ms (started at 11012.1 ms); from then on the threads stay apart. Counted from 11020 ms. */
    const char *set47[] = {"groups[0].async_send=true", "run.warmup_ms=11020"};
    th_run(&r, DLEDGER_WORLD, set47, 2);
    ck_assert_double_eq_tol(th_num(r.m, "topic.latency_ms.mean"), 4.1, 1e-9);
    ck_assert_double_eq_tol(th_num(r.m, "topic.latency_ms.max"), 4.1, 1e-9);
    th_run_free(&r);
    th_run(&r, DLEDGER_WORLD, set47 + 1, 1);   /* async_send unset: DLedger groups take the 4.7+ path */
    ck_assert_double_eq_tol(th_num(r.m, "topic.latency_ms.max"), 4.1, 1e-9);
    th_run_free(&r);
}
END_TEST

/* Little's law on a closed system: throughput = threads / mean latency (up to the window's two edges). The
 * last case's sends take 126 ms (60 threads, one at a time through the 4.4 send thread), 1.3 % of the 10 s
 * window: counted by the sends' starts, the throughput lost the sends in flight at the end (1.2 % low). */
START_TEST(closed_loop_littles_law)
{
    const char *sets[][2] = {{"groups[0].async_send=false", "producers.threads=3"},
                             {"groups[0].async_send=true", "producers.threads=3"},
                             {"groups[0].async_send=false", "producers.threads=20"},
                             {"groups[0].role=ASYNC_MASTER", "producers.threads=20"},
                             {"groups[0].async_send=false", "producers.threads=60"}};
    for (int i = 0; i < 5; i++) {
        struct th_run r;
        th_run(&r, SYNC_WORLD, sets[i], 2);
        double threads = atof(strchr(sets[i][1], '=') + 1);
        double x = th_num(r.m, "topic.throughput_per_s"), l = th_num(r.m, "topic.latency_ms.mean");
        ck_assert_msg(fabs(x - threads / (l / 1000)) <= 0.005 * x, "%s %s: %g/s vs %g / %g ms", sets[i][0],
                      sets[i][1], x, threads, l);
        /* One send thread bounds the 4.4 SYNC_MASTER: an answer every 2.1 ms whatever the threads, 4,762 in
         * the 10 s window at most. */
        if (i == 0 || i == 2 || i == 4)
            ck_assert_double_le(x, (10000 / 2.1 + 1) / 10);
        th_run_free(&r);
    }
}
END_TEST

/* A send waits in the send queue behind 50 ms puts; BrokerFastFailure answers it SYSTEM_BUSY at its first
 * 10 ms scan after 200 ms. */
START_TEST(system_busy_after_queue_wait)
{
    struct th_run r;
    const char *sets[] = {"groups[0].role=ASYNC_MASTER", "producers.mode=open", "producers.rate_per_s=100",
                          "groups[0].send_service_time={\"const_ms\": 50}", "run.duration_ms=5000"};
    th_run(&r, SYNC_WORLD, sets, 5);
    const char *p = strstr(r.trace, "\"ev\":\"broker.busy\"");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(strstr(p, "\"why\":\"TIMEOUT_CLEAN_QUEUE\""));
    const char *w = strstr(p, "\"waited_ms\":");
    ck_assert_ptr_nonnull(w);
    double waited = atof(w + 12);
    ck_assert_msg(waited >= 200 && waited < 210, "waited %g ms", waited);
    ck_assert_ptr_nonnull(strstr(r.trace, "\"status\":\"SYSTEM_BUSY\""));
    ck_assert_double_gt(th_num(r.m, "topic.failed"), 0);
    /* 20 puts a second are all the thread can serve. */
    ck_assert_double_le(th_num(r.m, "topic.throughput_per_s"), 20.5);
    th_run_free(&r);
}
END_TEST

/* Long polling on one master, constant 1 ms links, a message every 500 ms. */
static const char *const HOLD_WORLD =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 3000, \"seed\": 1, \"trace\": \"full\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 1}],"
    " \"producers\": {\"count\": 1, \"rate_per_s\": 2, \"arrivals\": \"constant\"},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}";

/* The times (ms) of the trace's pull.serve events that returned messages; returns how many. */
static int serves_with_messages(const char *trace, double *t, int max)
{
    int n = 0;
    for (int i = 0; i < th_count_lines(trace) && n < max; i++) {
        char *l = th_line_at(trace, i);
        const char *k = strstr(l, "\"ev\":\"pull.serve\"") ? strstr(l, "\"n\":") : NULL;
        if (k && atoi(k + 4) > 0)
            t[n++] = atof(l + 8);   /* {"t_ms": */
        free(l);
    }
    return n;
}

/* A held pull that a message wakes is a new task on the pull executor (executeRequestWhenWakeup): it is
 * served one pull_service_time after the wake-up, not at it. */
START_TEST(woken_pull_takes_the_pull_executor)
{
    double fast[8], slow[8];
    struct th_run a, b;
    const char *zero[] = {"groups[0].pull_service_time={\"const_ms\": 0}"};
    const char *three[] = {"groups[0].pull_service_time={\"const_ms\": 3}"};
    th_run(&a, HOLD_WORLD, zero, 1);
    th_run(&b, HOLD_WORLD, three, 1);
    int n = serves_with_messages(a.trace, fast, 8);
    ck_assert_int_eq(n, 4);
    ck_assert_int_eq(serves_with_messages(b.trace, slow, 8), n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(fabs(slow[i] - fast[i] - 3) < 1e-6, "pull %d served at %.6f ms, %.6f ms without service time",
                      i, slow[i], fast[i]);
    th_run_free(&a);
    th_run_free(&b);
}
END_TEST

/* Four held pulls time out at the hold check of 20 s; the pull executor has one thread and room for one
 * more: two are dropped at once (PullRequestHoldService logs the rejection; their consumer's pulls time
 * out) and the other two are answered PULL_NOT_FOUND one after the other, 3 and 6 ms later. */
START_TEST(woken_pulls_dropped_when_the_pull_queue_is_full)
{
    struct th_run r;
    const char *sets[] = {"producers.rate_per_s=0.01", "run.duration_ms=25000",
                          "groups[0].pull_message_thread_pool_nums=1", "groups[0].pull_thread_pool_queue_capacity=1",
                          "groups[0].pull_service_time={\"const_ms\": 3}"};
    th_run(&r, HOLD_WORLD, sets, 5);
    int dropped = 0, served = 0;
    double at[2] = {0, 0};
    for (int i = 0; i < th_count_lines(r.trace); i++) {
        char *l = th_line_at(r.trace, i);
        double t = atof(l + 8);
        if (t >= 20000 && t < 20010) {
            if (strstr(l, "\"why\":\"OVERLOAD\"") && strstr(l, "\"executor\":\"pull\"")) {
                ck_assert_double_eq(t, 20000);
                dropped++;
            }
            if (strstr(l, "\"ev\":\"pull.serve\"") && strstr(l, "\"code\":19,") && served < 2)
                at[served++] = t;
        }
        free(l);
    }
    ck_assert_int_eq(dropped, 2);
    ck_assert_int_eq(served, 2);
    ck_assert_double_eq_tol(at[0], 20003, 1e-6);
    ck_assert_double_eq_tol(at[1], 20006, 1e-6);
    th_run_free(&r);
}
END_TEST

/* Two groups, broker-b's master host dies at 5 s; its connection attempts time out after 3 s. */
static const char *const TWO_WORLD =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 100000, \"seed\": 7},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}, {\"name\": \"broker-b\", \"replicas\": 2}],"
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 5000, \"op\": \"crash_host\", \"node\": \"broker-b-0\"}]}";

/* Start times (ms) of the sends that failed on broker-b, in trace order; returns how many. */
static int failed_on_b(const char *trace, double *start, int max)
{
    int n = 0;
    for (const char *p = trace; (p = strstr(p, "\"ev\":\"send.fail\"")); p++) {
        const char *eol = strchr(p, '\n');
        const char *g = strstr(p, "\"group\":\"broker-b\"");
        const char *s = strstr(p, "\"start_ms\":");
        if (g && s && (!eol || (g < eol && s < eol)) && n < max)
            start[n++] = atof(s + 11);
    }
    return n;
}

START_TEST(latency_fault_tolerance_isolates)
{
    static double st[20000];
    struct th_run r;
    th_run(&r, TWO_WORLD, NULL, 0);
    int off = failed_on_b(r.trace, st, 20000);
    th_run_free(&r);
    /* Without it, every send that starts on broker-b until the route drops it fails (3 s each). */
    ck_assert_int_gt(off, 1000);

    const char *r44[] = {"producers.send_latency_fault_enable=true"};
    th_run(&r, TWO_WORLD, r44, 1);
    int n = failed_on_b(r.trace, st, 20000);
    /* The first failure (at 8 s) isolates broker-b for 600 s (R44: an exception counts as 30000 ms): only
     * the sends already on their way to it in the first 3 s fail. */
    ck_assert_int_gt(n, 0);
    for (int i = 0; i < n; i++)
        ck_assert_msg(st[i] >= 5000 - 10 && st[i] < 8000, "send at %g ms failed on broker-b", st[i]);
    ck_assert_double_gt(th_num(r.m, "topic.availability"), 0.98);   /* 3 s of half the sends: 1.5 % */
    th_run_free(&r);

    const char *r5[] = {"producers.send_latency_fault_enable=true", "producers.latency_fault_tables=\"5.x\""};
    th_run(&r, TWO_WORLD, r5, 2);
    n = failed_on_b(r.trace, st, 20000);
    /* 5.x isolates for 10 s only (an exception counts as 10000 ms): the producer tries broker-b again every
     * 3 s + 10 s, and never sooner. */
    int later = 0;
    for (int i = 0; i < n; i++) {
        ck_assert_msg(st[i] < 8000 || st[i] >= 8000 + 10000 - 10, "send at %g ms failed on broker-b", st[i]);
        later += st[i] >= 18000;
    }
    ck_assert_int_gt(later, 0);
    th_run_free(&r);
}
END_TEST

/* Two groups; broker-a has one send thread at 1 ms a put (about 1000 puts a second) and gets half of 3000
 * sends a second, so its send queue overflows and BrokerFastFailure answers SYSTEM_BUSY. */
static const char *const BUSY_WORLD =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 20000, \"seed\": 1},"
    " \"network\": {\"latency\": {\"const_ms\": 0.2}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 1, \"role\": \"ASYNC_MASTER\","
    "   \"send_message_thread_pool_nums\": 1, \"send_service_time\": {\"const_ms\": 1}},"
    "   {\"name\": \"broker-b\", \"replicas\": 1, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"count\": 1, \"rate_per_s\": 3000, \"size\": {\"const_bytes\": 1024}},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}";

/* sendDefaultImpl retries SYSTEM_BUSY from 5.3.0 only (retryResponseCodes, #5838): on 4.4 and 4.9 each busy
 * answer fails its send; with the retry the next attempt goes to broker-b and every send is acknowledged. */
START_TEST(system_busy_retried_from_53)
{
    struct th_run r;
    th_run(&r, BUSY_WORLD, NULL, 0);
    double failed44 = th_num(r.m, "topic.failed");
    th_run_free(&r);
    const char *retry[] = {"producers.retry_system_busy=true"};
    th_run(&r, BUSY_WORLD, retry, 1);
    double failed53 = th_num(r.m, "topic.failed");
    th_run_free(&r);
    fprintf(stderr, "SYSTEM_BUSY: %.0f failed sends without the retry, %.0f with it\n", failed44, failed53);
    ck_assert_double_gt(failed44, 5000);
    ck_assert_double_eq(failed53, 0);
}
END_TEST

/* 5.x LatencyFaultToleranceImpl only ever extends a broker's isolation (FaultItem.updateNotAvailableDuration):
 * a busy answer isolates broker-a for 10 s, and its fast successes meanwhile do not end it, where R44's rule
 * (every answer sets it) let them clear it at once: then broker-a kept a third of the sends. */
START_TEST(latency_fault_5x_only_extends_isolation)
{
    struct th_run r;
    const char *sets[] = {"version=5.3", "groups[0].send_message_thread_pool_nums=1",
                          "producers.send_latency_fault_enable=true"};
    th_run(&r, BUSY_WORLD, sets, 3);
    double a = th_num(r.m, "groups.0.sends"), b = th_num(r.m, "groups.1.sends");
    fprintf(stderr, "5.x isolation: broker-a %.0f sends, broker-b %.0f\n", a, b);
    ck_assert_double_eq(th_num(r.m, "topic.failed"), 0);
    ck_assert_double_gt(a, 0);
    ck_assert_double_lt(a, 0.1 * (a + b));
    th_run_free(&r);
}
END_TEST

/* A closed-loop thread's think time comes from its own stream ("think.<thread>" of its producer): with one
 * thread, the pause between each acknowledgement and the next send's start is the stream's next draw. */
START_TEST(think_time_from_thread_stream)
{
    struct th_run r;
    const char *sets[] = {"groups[0].role=ASYNC_MASTER",
                          "producers.think_time={\"dist\": \"uniform\", \"min_ms\": 1, \"max_ms\": 9}",
                          "producers.threads=1", "run.duration_ms=3000"};
    th_run(&r, SYNC_WORLD, sets, 4);
    struct sim_rng *g = sim_rng_new(7, "producer-0", "think.0");
    struct sim_dist d = {.kind = SIM_DIST_UNIFORM, .unit = SIM_UNIT_TIME, .a = 1e6, .b = 9e6};
    double ack = -1;
    int n = 0;
    for (const char *p = r.trace; (p = strstr(p, "\"ev\":\"send.ack\"")); p++) {
        double start = atof(strstr(p, "\"start_ms\":") + 11);
        if (ack >= 0) {
            double think = (double)sim_dist_time(&d, g) / 1e6;
            ck_assert_msg(fabs(start - ack - think) < 0.0011, "send %d: paused %g ms, drew %g", n, start - ack, think);
            n++;
        }
        const char *t = p;
        while (t > r.trace && strncmp(t, "\"t_ms\":", 7) != 0)
            t--;
        ack = atof(t + 7);
    }
    ck_assert_int_gt(n, 200);
    sim_rng_free(g);
    th_run_free(&r);
}
END_TEST

/* Open mode never draws think times: a scenario that gives a think time runs exactly as the same scenario
 * without one (Poisson arrivals, random sizes, links and service times, two producers). */
START_TEST(open_mode_unchanged_by_think_streams)
{
    static const char *const OPEN =
        "{\"name\": \"t\", \"run\": {\"duration_ms\": 11000, \"seed\": 7},"
        " \"network\": {\"latency\": {\"dist\": \"uniform\", \"min_ms\": 0.5, \"max_ms\": 2}, \"bandwidth_mbit_per_s\": 0},"
        " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"SYNC_MASTER\","
        "   \"send_service_time\": {\"dist\": \"exp\", \"mean_ms\": 0.3}}],"
        " \"producers\": {\"count\": 2, \"rate_per_s\": 300, \"arrivals\": \"poisson\","
        "   \"size\": {\"dist\": \"uniform\", \"min_bytes\": 100, \"max_bytes\": 5000}%s},"
        " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}";
    static const char *const keys[] = {"topic.sends", "topic.acked", "topic.failed", "topic.latency_ms.mean",
                                       "topic.latency_ms.max", "topic.read_unavailable_ms"};
    char with[2048], without[2048];
    snprintf(with, sizeof with, OPEN, ", \"think_time\": {\"dist\": \"exp\", \"mean_ms\": 3}");
    snprintf(without, sizeof without, OPEN, "");
    struct th_run a, b;
    th_run(&a, with, NULL, 0);
    th_run(&b, without, NULL, 0);
    /* Overloaded (one send thread waiting for the slave): failures and long waits, so the draws matter. */
    ck_assert_double_gt(th_num(a.m, "topic.failed"), 1000);
    ck_assert_double_gt(th_num(a.m, "topic.latency_ms.mean"), 100);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        ck_assert_msg(th_num(a.m, keys[i]) == th_num(b.m, keys[i]), "%s: %.17g with a think time, %.17g without",
                      keys[i], th_num(a.m, keys[i]), th_num(b.m, keys[i]));
    th_run_free(&a);
    th_run_free(&b);
}
END_TEST

/* 5.3 controller mode: two replicas, a put waits for inSyncReplicas 2 (the slave's ack, a 2 ms round trip);
 * one send thread, 3 ms of service a put; the producer starts at 3 s, after the election. */
static const char *const CTL_WORLD =
    "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 8000, \"seed\": 7},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
    " \"controllers\": {\"count\": 1},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"ha\": \"controller\", \"in_sync_replicas\": 2,"
    "   \"send_message_thread_pool_nums\": 1, \"send_service_time\": {\"const_ms\": 3}}],"
    " \"producers\": {\"mode\": \"closed\", \"threads\": 3, \"start_ms\": 3000, \"size\": {\"const_bytes\": 100},"
    "   \"random_poll_phase\": false},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}";

/* 5.x's asyncPutMessage frees the send thread while the put waits for its replica: the thread serves puts
 * back to back, 3 ms each, so three closed-loop threads get 1000 / 3 sends a second and each send takes
 * 3 x 3 = 9 ms. The answer to a waiting put must not free the thread serving the next one (it did: the wait
 * named thread 0, so each answer let a queued put start beside the one in service). */
START_TEST(controller_put_wait_frees_no_thread)
{
    struct th_run r;
    th_run(&r, CTL_WORLD, NULL, 0);
    ck_assert_double_gt(th_num(r.m, "topic.acked"), 100);
    ck_assert_double_le(th_num(r.m, "topic.throughput_per_s"), 1000.0 / 3 * 1.001);
    ck_assert_double_eq_tol(th_num(r.m, "topic.latency_ms.max"), 9, 1e-9);
    th_run_free(&r);
}
END_TEST

/* HookUtils.checkBeforePutMessage (5.3) and DefaultMessageStore.putMessage (DLedger groups): a put reaching
 * the store while another has held the put lock for more than os_page_cache_busy_timeout_ms (here 100 ms; a
 * put's service is 150 ms on each of two send threads) is refused with SYSTEM_ERROR, in every HA mode. The
 * first two sends start together, so the first to reach its store is refused; without retries that is its
 * send's final status (a retry's answer depends on where later puts fall). */
START_TEST(page_cache_busy_in_every_mode)
{
    const char *worlds[] = {CTL_WORLD, DLEDGER_WORLD, SYNC_WORLD};
    for (int i = 0; i < 3; i++) {
        struct th_run r;
        const char *sets[] = {"groups[0].send_message_thread_pool_nums=2", "groups[0].os_page_cache_busy_timeout_ms=100",
                              "groups[0].send_service_time={\"const_ms\": 150}", "producers.threads=8",
                              "producers.retry_times_when_send_failed=0"};
        th_run(&r, worlds[i], sets, 5);
        ck_assert_msg(strstr(r.trace, "\"status\":\"SYSTEM_ERROR\"") != NULL, "world %d: no put refused", i);
        th_run_free(&r);
        /* Under the timeout, none is (the queue's own SYSTEM_BUSY answers stay). */
        sets[1] = "groups[0].os_page_cache_busy_timeout_ms=1000";
        th_run(&r, worlds[i], sets, 5);
        ck_assert_msg(strstr(r.trace, "\"status\":\"SYSTEM_ERROR\"") == NULL, "world %d: a put refused", i);
        th_run_free(&r);
    }
}
END_TEST

/* Two groups, 1 ms links; broker-a's one send thread takes 1.5 s a put, so from 1 s into each put its page
 * cache is busy. SendMessageProcessor.rejectRequest (R44, R498, R53: isOSPageCacheBusy) is asked by
 * NettyRemotingAbstract.processRequestCommand before the executor: a send arriving then is answered
 * SYSTEM_BUSY "[REJECTREQUEST]" at its arrival (it was queued until BrokerFastFailure's next 10 ms scan).
 * A 4.x producer fails the send at once, 2 ms after its start; a 5.3 producer (SYSTEM_BUSY in
 * retryResponseCodes) sends it again, to broker-b. */
static const char *const PCBUSY_WORLD =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 6000, \"seed\": 1},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 1, \"role\": \"ASYNC_MASTER\","
    "   \"send_message_thread_pool_nums\": 1, \"send_service_time\": {\"const_ms\": 1500}},"
    "   {\"name\": \"broker-b\", \"replicas\": 1, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"count\": 1, \"rate_per_s\": 20, \"size\": {\"const_bytes\": 100},"
    "   \"random_poll_phase\": false},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}";

START_TEST(page_cache_busy_rejects_send_on_arrival)
{
    struct th_run r;
    th_run(&r, PCBUSY_WORLD, NULL, 0);
    /* The put that started at 1011 ms holds the lock until 2511 ms: message 21 (sent at 2050 ms) arrives at a
     * busy page cache. */
    ck_assert_ptr_nonnull(strstr(r.trace, "{\"t_ms\":2051.000,\"node\":\"broker-a-0\",\"ev\":\"broker.busy\","
                                          "\"executor\":\"send\",\"why\":\"REJECTREQUEST\"}"));
    ck_assert_ptr_nonnull(strstr(r.trace, "\"ev\":\"send.fail\",\"msg\":21,\"group\":\"broker-a\",\"status\":"
                                          "\"SYSTEM_BUSY\",\"attempts\":1,\"start_ms\":2050.000,\"latency_ms\":2.000"));
    /* Nothing queues behind the busy page cache any more: at its first busy stretch (from about 2010 ms),
     * BrokerFastFailure's PCBUSY_CLEAN_QUEUE finds only the send that queued before it (at 1801 ms), and the
     * sends after it are refused at their arrival (REJECTREQUEST, above). */
    ck_assert_ptr_nonnull(strstr(r.trace, "{\"t_ms\":2010.000,\"node\":\"broker-a-0\",\"ev\":\"broker.busy\","
                                          "\"executor\":\"send\",\"why\":\"PCBUSY_CLEAN_QUEUE\",\"waited_ms\":209.000,"
                                          "\"queued\":0}"));
    ck_assert_int_eq(th_count(r.trace, "\"why\":\"PCBUSY_CLEAN_QUEUE\"", NULL, 2000, 2500), 1);
    th_run_free(&r);
    const char *retry[] = {"producers.retry_system_busy=true"};
    th_run(&r, PCBUSY_WORLD, retry, 1);
    ck_assert_ptr_nonnull(strstr(r.trace, "\"ev\":\"send.ack\",\"msg\":21,\"group\":\"broker-b\",\"status\":"
                                          "\"SUCCESS\",\"attempts\":2,\"start_ms\":2050.000,\"latency_ms\":4.010"));
    th_run_free(&r);
}
END_TEST

static Suite *capacity_suite(void)
{
    Suite *s = suite_create("capacity");
    TCase *t = tcase_create("capacity");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, single_send_thread_serialises_sync_puts);
    tcase_add_test(t, dledger_put_holds_send_thread);
    tcase_add_test(t, closed_loop_littles_law);
    tcase_add_test(t, system_busy_after_queue_wait);
    tcase_add_test(t, woken_pull_takes_the_pull_executor);
    tcase_add_test(t, woken_pulls_dropped_when_the_pull_queue_is_full);
    tcase_add_test(t, latency_fault_tolerance_isolates);
    tcase_add_test(t, system_busy_retried_from_53);
    tcase_add_test(t, latency_fault_5x_only_extends_isolation);
    tcase_add_test(t, think_time_from_thread_stream);
    tcase_add_test(t, open_mode_unchanged_by_think_streams);
    tcase_add_test(t, controller_put_wait_frees_no_thread);
    tcase_add_test(t, page_cache_busy_in_every_mode);
    tcase_add_test(t, page_cache_busy_rejects_send_on_arrival);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run_suite(capacity_suite());
}
