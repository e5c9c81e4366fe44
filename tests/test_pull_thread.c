/* test_pull_thread: a push consumer's PullMessageService, the one thread that sends its pulls
 * (models/client/pull_service.c), on constant 1 ms links. On 4.x a pull whose broker connection is not up holds
 * the thread until the connect succeeds or fails (NettyRemotingClient.createChannel's
 * awaitUninterruptibly(connectTimeoutMillis)), and every pull due meanwhile waits behind it: a dead master's
 * host holds it 3 s a pull, and the healthy group's reads nearly stop; a dead process (its host alive) refuses
 * the connect at once and nothing waits. 5.3 (consumers.pull_blocks_on_connect false) never waits. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

/* Two groups of two, 200 msg/s, one consumer; schedules without the random phase (heartbeat rounds at 1 s +
 * 30 s k, route polls at 10 ms + 30 s k, persistence at 10 s + 5 s k). "%s": the fault. */
static const char *const WORLD =
    "{\"name\": \"t\", \"version\": \"%s\", \"run\": {\"duration_ms\": 70000, \"seed\": 1, \"trace\": \"events\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"},"
    "             {\"name\": \"broker-b\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"random_poll_phase\": false%s}, \"operator\": {\"enabled\": false},"
    " \"faults\": [%s]}";

/* broker-a's master's host dies at 25 s. */
#define HOST_CRASH "{\"at_ms\": 25000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}"
/* Its process dies at 31 s (after the heartbeat round of 31 s and the route poll of 30 s, so the consumer's
 * route keeps it) and comes back at 45.5 s; pulls held on the dead connection time out after 5 s + the scan. */
#define PROC_CRASH "{\"at_ms\": 31000, \"op\": \"crash_process\", \"node\": \"broker-a-0\", \"duration_ms\": 14500}"
#define PROC_KEYS ", \"consumer_timeout_when_suspend_ms\": 5000, \"broker_suspend_max_time_ms\": 4000"

#define WAIT "\"ev\":\"pull.wait\""
#define B_SERVE "\"node\":\"broker-b-0\",\"ev\":\"pull.serve\""

static void run_world(struct th_run *r, const char *version, const char *keys, const char *fault,
                      const char **sets, int nsets)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, WORLD, version, keys, fault);
    th_run(r, buf, sets, nsets);
}

struct waits {
    struct th_waits t;
    int failed, connected;
};

static void wait_line(const char *l, void *arg)
{
    struct waits *w = arg;
    th_wait_add(&w->t, l);
    w->failed += th_has(l, "\"result\":\"failed\"");
    w->connected += th_has(l, "\"result\":\"connected\"");
}

/* 4.9: the consumer's heartbeat to the dead host times out at 34 s and its close (client_close_socket_if_timeout)
 * fails the pulls held there; 1 s later (pull_time_delay_when_exception_ms) the first of them holds the thread
 * on a connect to the dead host, 3 s, then the next, and so on, one of broker-a's four queues after the other.
 * broker-b's pulls get the thread once in four waits: one pull a queue every 12 s. */
START_TEST(dead_host_connects_hold_the_thread)
{
    struct th_run r;
    run_world(&r, "4.9", "", HOST_CRASH, NULL, 0);
    struct waits w = {0};
    th_each(r.trace, WAIT, wait_line, &w);
    int served = th_count(r.trace, B_SERVE, NULL, 35000, 70000);
    double outage = th_num(r.m, "groups.1.read_unavailable_ms");
    fprintf(stderr, "4.9, broker-a's host dead at 25 s: %d waits from %.3f to %.3f ms (longest %.3f ms); "
            "broker-b: %d pulls served from 35 s to 70 s, read outage %.1f s\n", w.t.n, w.t.first_from, w.t.last_to,
            w.t.longest, served, outage / 1000);
    /* The pulls of 4 queues each 12 s (4 sets of 4 from 35 s to 70 s), against 3,627 with every pull on its
     * own (the key false, below). */
    ck_assert_int_le(served, 16);
    ck_assert_double_ge(outage, 34000);
    ck_assert_int_eq(w.t.n, 11);   /* 35 s to 68 s */
    ck_assert_int_eq(w.failed, w.t.n);
    ck_assert_double_eq_tol(w.t.first_from, 35000, 0.001);
    ck_assert_double_eq_tol(w.t.longest, 3000, 0.001);
    ck_assert(w.t.back_to_back);
    th_run_free(&r);
}
END_TEST

/* The key false (5.3's invokeAsync adds a listener to the connect and returns): the pulls to the dead host wait
 * for their connections in the remoting layer, and broker-b reads on as before. The 5.3 profile sets it so. */
START_TEST(without_the_wait_reads_go_on)
{
    struct th_run r;
    const char *off[] = {"consumers.pull_blocks_on_connect=false"};
    run_world(&r, "4.9", "", HOST_CRASH, off, 1);
    int served = th_count(r.trace, B_SERVE, NULL, 35000, 70000);
    fprintf(stderr, "4.9 without the wait: broker-b: %d pulls served from 35 s to 70 s, read outage %.1f s\n",
            served, th_num(r.m, "groups.1.read_unavailable_ms") / 1000);
    ck_assert_int_eq(th_count(r.trace, WAIT, NULL, 0, 1e12), 0);
    ck_assert_int_ge(served, 3000);
    ck_assert_double_eq(th_num(r.m, "groups.1.read_unavailable_ms"), 0);
    th_run_free(&r);

    run_world(&r, "5.3", "", HOST_CRASH, NULL, 0);
    const cJSON *keys = th_at(r.m, "run.version_keys");
    int found = 0;
    for (const cJSON *k = keys ? keys->child : NULL; k; k = k->next) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(k, "key");
        if (cJSON_IsString(name) && strcmp(name->valuestring, "consumers.pull_blocks_on_connect") == 0) {
            found = 1;
            ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(k, "value")));
        }
    }
    ck_assert(found);
    served = th_count(r.trace, B_SERVE, NULL, 35000, 70000);
    fprintf(stderr, "5.3: broker-b: %d pulls served from 35 s to 70 s\n", served);
    ck_assert_int_eq(th_count(r.trace, WAIT, NULL, 0, 1e12), 0);
    ck_assert_int_ge(served, 3000);
    ck_assert_double_eq(th_num(r.m, "groups.1.read_unavailable_ms"), 0);
    th_run_free(&r);
}
END_TEST

/* A dead process on a live host: its kernel refuses the connect (a reset, one round trip: 2 ms), so each pull
 * that finds the connection down waits 2 ms and is tried again 1 s later; after the restart at 45.5 s the
 * next one connects and is sent. broker-b never stops. */
START_TEST(dead_process_refuses_at_once)
{
    struct th_run r;
    run_world(&r, "4.9", PROC_KEYS, PROC_CRASH, NULL, 0);
    struct waits w = {0};
    th_each(r.trace, WAIT, wait_line, &w);
    int served = th_count(r.trace, B_SERVE, NULL, 31000, 70000);
    fprintf(stderr, "4.9, broker-a's process dead from 31 s to 45.5 s: %d waits (%d refused, %d connected), "
            "longest %.3f ms, the last ending at %.3f ms; broker-b: %d pulls served from 31 s to 70 s\n", w.t.n,
            w.failed, w.connected, w.t.longest, w.t.last_to, served);
    ck_assert_int_ge(w.t.n, 40);
    ck_assert_int_eq(w.connected, 1);
    ck_assert_int_eq(w.failed, w.t.n - 1);
    ck_assert_double_le(w.t.longest, 2.001);
    ck_assert_double_eq_tol(w.t.last_to, 46024, 0.001);
    ck_assert_int_ge(served, 3000);
    ck_assert_double_eq(th_num(r.m, "groups.1.read_unavailable_ms"), 0);
    th_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pull_thread");
    TCase *tc = tcase_create("pull_thread");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, dead_host_connects_hold_the_thread);
    tcase_add_test(tc, without_the_wait_reads_go_on);
    tcase_add_test(tc, dead_process_refuses_at_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
