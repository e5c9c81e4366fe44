/* test_mq_fault: the producer's queue choice (models/client/mq_fault.c) on a hand-made publish info and latency
 * fault table. R44 keeps the last broker on a retry when it is available and otherwise asks pickOneAtLeast,
 * which sorts the table; R498 takes any available broker; 5.x (MQFaultStrategy.selectOneMessageQueue from 5.1.4,
 * R53) filters the queues round robin, available and not the last broker's, then reachable and not the last
 * broker's, then any, and restarts sendWhichQueue at random on a retry (resetIndex); with or without the fault
 * tolerance, 5.x advances sendWhichQueue at each queue it looks at, R44 once a choice. And 5.x's detector
 * (startDetectorEnable) on a small world. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "models/client/latency_fault.h"
#include "models/client/mq_fault.h"
#include "sim/rng.h"
#include "sim/time.h"
#include "tests/harness.h"

#define PICKS 2000

/* ng groups of nq queues each, in group order; sendWhichQueue at which. */
static void publish(struct publish_info *pi, int ng, int nq, uint32_t which)
{
    memset(pi, 0, sizeof *pi);
    for (int g = 0; g < ng; g++)
        for (int q = 0; q < nq; q++)
            pi->q[pi->nq++] = (struct pqueue){(uint16_t)g, (uint16_t)q};
    pi->which = which;
}

/* An empty table with R44's tables (0) or 5.x's (1). */
static void table(struct latency_fault *f, int tables_5x)
{
    memset(f, 0, sizeof *f);
    lf_reset(f, tables_5x);
}

/* An exception on group g at time 0 (isolated: 10 s on 5.x, 600 s on R44); reachable as the answer left it. */
static void failed(struct latency_fault *f, int g, int reachable)
{
    lf_update(f, g, 0, 5 * SIM_MS, 1, reachable);
}

/* How often each group (of up to 4) was chosen by PICKS choices: 5.x retries after an attempt on last (reset,
 * drawing from rng), or first attempts (last -1, no reset). */
static void count_5x(struct publish_info *pi, struct latency_fault *f, int last, struct sim_rng *rng, sim_time now,
                     int n[4])
{
    memset(n, 0, 4 * sizeof n[0]);
    for (int i = 0; i < PICKS; i++) {
        struct pqueue mq = mqf_select_5x(pi, f, last, last >= 0, rng, now);
        ck_assert_int_lt(mq.group, 4);
        n[mq.group]++;
    }
}

/* A retry goes to another broker on 5.x (BrokerFilter), where R44 keeps the last one while it is available. */
START_TEST(retry_leaves_last_broker)
{
    struct publish_info pi;
    struct latency_fault f;
    struct sim_rng *rng = sim_rng_new(1, "producer-0", "send_which_queue");
    int n[4];
    publish(&pi, 2, 4, 0);
    table(&f, 1);
    count_5x(&pi, &f, 1, rng, SIM_S, n);
    ck_assert_int_eq(n[0], PICKS);
    /* R44 with the same (empty) table: "null == lastBrokerName || mq.getBrokerName().equals(lastBrokerName)" */
    table(&f, 0);
    for (int i = 0; i < PICKS; i++)
        ck_assert_int_eq(mqf_select_r44(&pi, &f, 1, SIM_S).group, 1);
    sim_rng_free(rng);
}
END_TEST

/* All three brokers isolated; broker 2's attempt ended in an error code (an MQBrokerException: unreachable).
 * Nothing is available, so 5.x takes the reachable filter: groups 0 and 1, never 2. A retry after broker 2
 * restarts sendWhichQueue at random: both of the others come up, broker 0 about twice as often, since a start
 * on one of broker 2's queues moves on round robin to broker 0's first. */
START_TEST(reachable_picked_at_random)
{
    struct publish_info pi;
    struct latency_fault f;
    struct sim_rng *rng = sim_rng_new(7, "producer-0", "send_which_queue");
    int n[4];
    publish(&pi, 3, 4, 5);
    table(&f, 1);
    failed(&f, 0, 1);
    failed(&f, 1, 1);
    failed(&f, 2, 0);
    count_5x(&pi, &f, 2, rng, SIM_S, n);
    ck_assert_int_eq(n[2], 0);
    ck_assert_int_eq(n[0] + n[1], PICKS);
    ck_assert_int_gt(n[0], PICKS * 6 / 10);
    ck_assert_int_lt(n[0], PICKS * 73 / 100);
    ck_assert_int_gt(n[1], PICKS / 4);
    /* First attempts (no reset): round robin over the reachable ones, never broker 2. */
    count_5x(&pi, &f, -1, rng, SIM_S, n);
    ck_assert_int_eq(n[2], 0);
    ck_assert_int_eq(n[0], PICKS / 2);
    ck_assert_int_eq(n[1], PICKS / 2);
    sim_rng_free(rng);
}
END_TEST

/* The reset's draws come from the stream given: the same seed gives the same choices. */
START_TEST(reset_is_deterministic)
{
    struct publish_info a, b;
    struct latency_fault f;
    struct sim_rng *ra = sim_rng_new(3, "producer-0", "send_which_queue");
    struct sim_rng *rb = sim_rng_new(3, "producer-0", "send_which_queue");
    publish(&a, 3, 8, 0);
    publish(&b, 3, 8, 0);
    table(&f, 1);
    int moved = 0;
    for (int i = 0; i < PICKS; i++) {
        uint32_t before = a.which;
        struct pqueue x = mqf_select_5x(&a, &f, i % 3, 1, ra, SIM_S);
        struct pqueue y = mqf_select_5x(&b, &f, i % 3, 1, rb, SIM_S);
        ck_assert(x.group == y.group && x.queue == y.queue);
        ck_assert_int_ne(x.group, i % 3);
        moved += a.which != before + 1;
    }
    ck_assert_int_gt(moved, PICKS / 2);   /* the index jumped: drawn, not counted on */
    sim_rng_free(ra);
    sim_rng_free(rb);
}
END_TEST

/* Every broker isolated and unreachable: 5.x takes the next queue whatever its broker, the last one's too. */
START_TEST(any_queue_when_none_reachable)
{
    struct publish_info pi;
    struct latency_fault f;
    struct sim_rng *rng = sim_rng_new(1, "producer-0", "send_which_queue");
    int n[4];
    publish(&pi, 2, 4, 0);
    table(&f, 1);
    failed(&f, 0, 0);
    failed(&f, 1, 0);
    count_5x(&pi, &f, 0, rng, SIM_S, n);
    ck_assert_int_gt(n[0], PICKS / 3);
    ck_assert_int_gt(n[1], PICKS / 3);
    sim_rng_free(rng);
}
END_TEST

/* 5.x advances sendWhichQueue at each queue it looks at (incrementAndGet in TopicPublishInfo's loop): with
 * broker 0 isolated, queues a0 a1 b0 b1 and the index at a0, it takes b0 then b1. R44 advances it once a
 * choice (getAndIncrement, then index++ locally): b0 twice. */
START_TEST(index_advances_per_queue_looked_at)
{
    struct publish_info pi;
    struct latency_fault f;
    publish(&pi, 2, 2, 0);
    table(&f, 1);
    failed(&f, 0, 1);
    struct pqueue x = mqf_select_5x(&pi, &f, -1, 0, NULL, SIM_S);
    ck_assert(x.group == 1 && x.queue == 0);
    ck_assert_uint_eq(pi.which, 3);
    x = mqf_select_5x(&pi, &f, -1, 0, NULL, SIM_S);
    ck_assert(x.group == 1 && x.queue == 1);
    publish(&pi, 2, 2, 0);
    table(&f, 0);
    failed(&f, 0, 1);
    for (int i = 0; i < 2; i++) {
        x = mqf_select_r44(&pi, &f, -1, SIM_S);
        ck_assert(x.group == 1 && x.queue == 0);
    }
    ck_assert_uint_eq(pi.which, 2);
}
END_TEST

/* Without the fault tolerance too, 5.x's retry advances sendWhichQueue at each queue it looks at
 * (selectOneMessageQueue(brokerFilter), then selectOneMessageQueue()), R44's once (selectOneMessageQueue(
 * lastBrokerName): getAndIncrement, then index++ locally, then selectOneMessageQueue()). */
START_TEST(retry_index_without_fault_tolerance)
{
    struct publish_info pi;
    /* a0 a1 b0 b1, the index at a0, a retry after broker 0: b0 on both, the index then at b1 (5.x) or a1 (R44). */
    publish(&pi, 2, 2, 0);
    struct pqueue x = mqf_select_5x(&pi, NULL, 0, 1, NULL, SIM_S);
    ck_assert(x.group == 1 && x.queue == 0);
    ck_assert_uint_eq(pi.which, 3);
    publish(&pi, 2, 2, 0);
    x = mqf_select_r44(&pi, NULL, 0, SIM_S);
    ck_assert(x.group == 1 && x.queue == 0);
    ck_assert_uint_eq(pi.which, 1);
    /* One group of four queues: no other broker. 5.x looks at all four, then takes the next: q0 again, the
     * index at q1; R44 takes q1, the index at q2. */
    publish(&pi, 1, 4, 0);
    x = mqf_select_5x(&pi, NULL, 0, 1, NULL, SIM_S);
    ck_assert_int_eq(x.queue, 0);
    ck_assert_uint_eq(pi.which, 5);
    publish(&pi, 1, 4, 0);
    x = mqf_select_r44(&pi, NULL, 0, SIM_S);
    ck_assert_int_eq(x.queue, 1);
    ck_assert_uint_eq(pi.which, 2);
    /* A first attempt is the next queue on both. */
    publish(&pi, 2, 2, 6);
    ck_assert_int_eq(mqf_select_5x(&pi, NULL, -1, 0, NULL, SIM_S).queue, 0);
    ck_assert_uint_eq(pi.which, 7);
}
END_TEST

/* R498 (4.9): with the fault tolerance, a retry takes any available broker's queue, the last one's too (4.8.0
 * dropped R44's rule, #1576), where R44 takes only the last broker's; without it, the retry scan advances the
 * index at each queue looked at, as 5.x's does (R44: once). */
START_TEST(r498_retry_rules)
{
    struct publish_info pi;
    struct latency_fault f;
    /* a0 a1 b0 b1, the index at b0, a retry after broker 0, nothing isolated: R498 takes b0, R44 a0. */
    publish(&pi, 2, 2, 2);
    table(&f, 0);
    struct pqueue x = mqf_select_r498(&pi, &f, 0, SIM_S);
    ck_assert(x.group == 1 && x.queue == 0);
    publish(&pi, 2, 2, 2);
    x = mqf_select_r44(&pi, &f, 0, SIM_S);
    ck_assert(x.group == 0 && x.queue == 0);
    /* Broker 1 isolated: both take broker 0's queue (available). */
    publish(&pi, 2, 2, 2);
    failed(&f, 1, 1);
    x = mqf_select_r498(&pi, &f, 0, SIM_S);
    ck_assert_int_eq(x.group, 0);
    /* Without the table: a0 a1 b0 b1, the index at a0, a retry after broker 0: b0, the index then at b1 as
     * on 5.x (R44: a1, retry_index_without_fault_tolerance). */
    publish(&pi, 2, 2, 0);
    x = mqf_select_r498(&pi, NULL, 0, SIM_S);
    ck_assert(x.group == 1 && x.queue == 0);
    ck_assert_uint_eq(pi.which, 3);
}
END_TEST

/* Both brokers unavailable, broker 0 faster (5 ms, an exception) than broker 1 (2500 ms): R44's pickOneAtLeast
 * sorts them by latency and takes the better half, broker 0, every time; 5.x never sorts: both, in turn. */
START_TEST(r44_keeps_its_sort)
{
    struct publish_info pi;
    struct latency_fault f;
    int n[4] = {0};
    publish(&pi, 2, 4, 0);
    table(&f, 0);
    failed(&f, 0, 1);
    lf_update(&f, 1, 0, 2500 * SIM_MS, 0, 1);
    for (int i = 0; i < PICKS; i++)
        n[mqf_select_r44(&pi, &f, -1, 4 * SIM_S).group]++;
    ck_assert_int_eq(n[0], PICKS);
    table(&f, 1);
    failed(&f, 0, 1);
    lf_update(&f, 1, 0, 2500 * SIM_MS, 0, 1);
    count_5x(&pi, &f, -1, NULL, 4 * SIM_S, n);
    ck_assert_int_eq(n[0], PICKS / 2);
    ck_assert_int_eq(n[1], PICKS / 2);
}
END_TEST

/* Two groups, 1 ms links; broker-b's master process is paused (a GC pause) from 5 s to 9 s. 5.3 profile, the
 * latency fault tolerance on. */
static const char *const PAUSE_WORLD =
    "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 20000, \"seed\": 7},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}, {\"name\": \"broker-b\", \"replicas\": 2}],"
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false,"
    "   \"send_latency_fault_enable\": true},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 5000, \"op\": \"pause\", \"node\": \"broker-b-0\", \"duration_ms\": 4000}]}";

/* startDetectorEnable (LatencyFaultToleranceImpl.detectByOneRound every 3 s): the round at 6 s asks broker-b
 * GET_MAX_OFFSET on the channel its sends hang on; the 200 ms timeout closes it (clientCloseSocketIfTimeout),
 * failing those sends, whose second attempts go to broker-a at once: message 400, sent to broker-b at 5 s, is
 * acknowledged by broker-a at 6204 ms instead of failing at 8 s. The failure leaves broker-b unreachable
 * (updateFaultItem(.., true, false) with the detector), and the round at 9 s, after the pause, finds it
 * answering and makes it reachable again, within its 10 s isolation. Without the detector nothing asks. */
START_TEST(detector_closes_hung_channel_and_restores_reachable)
{
    struct th_run r;
    th_run(&r, PAUSE_WORLD, NULL, 0);
    ck_assert_ptr_nonnull(strstr(r.trace, "\"ev\":\"send.fail\",\"msg\":400,\"group\":\"broker-b\",\"status\":"
                                          "\"TIMEOUT\",\"attempts\":1,\"start_ms\":5000.000"));
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"fault.reachable\"", NULL, 0, 1e300), 0);
    th_run_free(&r);
    const char *det[] = {"producers.start_detector_enable=true"};
    th_run(&r, PAUSE_WORLD, det, 1);
    ck_assert_ptr_nonnull(strstr(r.trace, "{\"t_ms\":6204.015,\"node\":\"producer-0\",\"ev\":\"send.ack\",\"msg\":400,"
                                          "\"group\":\"broker-a\",\"status\":\"SUCCESS\",\"attempts\":2"));
    ck_assert_double_eq(th_num(r.m, "topic.failed"), 0);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"fault.reachable\"", NULL, 0, 1e300), 1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"fault.reachable\",\"group\":\"broker-b\"", NULL, 9000, 9010), 1);
    char *first = strdup(r.trace);
    th_run_free(&r);
    th_run(&r, PAUSE_WORLD, det, 1);   /* the same seed, the same run */
    ck_assert_str_eq(r.trace, first);
    free(first);
    th_run_free(&r);
}
END_TEST

/* The detector is 5.x's: with R44's tables the key changes nothing. */
START_TEST(detector_not_on_r44)
{
    struct th_run r;
    const char *r44[] = {"producers.latency_fault_tables=\"4.4\""};
    th_run(&r, PAUSE_WORLD, r44, 1);
    char *off = strdup(r.trace);
    th_run_free(&r);
    const char *r44det[] = {"producers.latency_fault_tables=\"4.4\"", "producers.start_detector_enable=true"};
    th_run(&r, PAUSE_WORLD, r44det, 2);
    ck_assert_str_eq(r.trace, off);
    free(off);
    th_run_free(&r);
}
END_TEST

static Suite *mq_fault_suite(void)
{
    Suite *s = suite_create("mq_fault");
    TCase *t = tcase_create("mq_fault");
    tcase_add_test(t, retry_leaves_last_broker);
    tcase_add_test(t, reachable_picked_at_random);
    tcase_add_test(t, reset_is_deterministic);
    tcase_add_test(t, any_queue_when_none_reachable);
    tcase_add_test(t, index_advances_per_queue_looked_at);
    tcase_add_test(t, r44_keeps_its_sort);
    tcase_add_test(t, retry_index_without_fault_tolerance);
    tcase_add_test(t, r498_retry_rules);
    tcase_add_test(t, detector_closes_hung_channel_and_restores_reachable);
    tcase_add_test(t, detector_not_on_r44);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run_suite(mq_fault_suite());
}
