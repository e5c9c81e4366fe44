/* test_pull_route: a pull whose broker group is not in the consumer's route, on constant 1 ms links.
 * PullAPIWrapper.pullKernelImpl (R44 to R53 alike): findBrokerAddressInSubscribe finds nothing when
 * MQClientInstance.brokerAddrTable has no entry for the group, so it calls updateTopicRouteInfoFromNameServer on
 * PullMessageService's thread (a synchronous GET_ROUTE, 3 s) and looks again before it gives up ("The broker[...]
 * not exist", the pull again pull_time_delay_when_exception_ms later). The thread waits for that answer, every
 * other pull due behind it (models/client/pull_service.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

/* Two groups of one broker, 200 msg/s, one consumer; schedules without the random phase (route polls at 10 ms +
 * 30 s k, heartbeat rounds at 1 s + 30 s k, persistence at 10 s + 5 s k, rebalances about 20 s apart).
 * broker-a-0's process dies at 20 s: the NameServer drops the group at once (its connection closed), the
 * consumer's poll of 30.01 s drops it from the route, and the heartbeat round of 31 s (cleanOfflineBroker) from
 * the client's table of brokers. The consumer's pulls held there fail at once
 * (fail_fast_on_close, 5.3's default, set for 4.4 too), so they are tried again every 3 s (4.4) or 1 s (5.3).
 * "%s": the version, then the faults. */
static const char *const WORLD =
    "{\"name\": \"t\", \"version\": \"%s\", \"run\": {\"duration_ms\": 70000, \"seed\": 1, \"trace\": \"events\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 1, \"role\": \"ASYNC_MASTER\"},"
    "             {\"name\": \"broker-b\", \"replicas\": 1, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"random_poll_phase\": false, \"fail_fast_on_close\": true}, \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 20000, \"op\": \"crash_process\", \"node\": \"broker-a-0\"%s]}";

/* broker-a-0 is back at 31 s and registers at once. */
#define BACK ", \"duration_ms\": 11000}"
/* It stays dead, and the NameServer's host dies at 31 s: a GET_ROUTE sent on the open channel is never answered. */
#define NS_SILENT "}, {\"at_ms\": 31000, \"op\": \"crash_host\", \"node\": \"ns-0\"}"

#define ROUTE "\"ev\":\"pull.route\""
#define A_BACK "\"node\":\"consumer-0\",\"ev\":\"route.change\",\"group\":\"broker-a\",\"master\":\"broker-a-0\""
#define CLIENT_NEW "\"node\":\"broker-a-0\",\"ev\":\"broker.client_new\""
#define B_SERVE "\"node\":\"broker-b-0\",\"ev\":\"pull.serve\""

static void run_world(struct th_run *r, const char *version, const char *faults)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, WORLD, version, faults);
    th_run(r, buf, NULL, 0);
}

struct waits {
    struct th_waits t;
    int found;
};

static void wait_line(const char *l, void *arg)
{
    struct waits *w = arg;
    th_wait_add(&w->t, l);
    w->found += th_has(l, "\"result\":\"found\"");
}

/* 4.4: the retry of 32.007 s finds no broker-a (the heartbeat round of 31 s cleaned it out of the table) and asks
 * the NameServer, which has had broker-a-0 again since 31 s: the route comes 2 ms later and the pull goes on to
 * broker-a-0 (its connect, 2 ms). Failing at once instead, the consumer learnt of broker-a-0 only from the
 * offset store's persistAll of 35 s (35.002 s). 5.3 retries every 1 s: the retries of 30.02 s still find the
 * dead broker-a-0 in the table (cleanOfflineBroker comes with the round of 31 s) and are refused; the one of
 * 31.021 s asks and finds it, and the connection its pull opens brings the broker the consumer's heartbeat
 * (onChannelActive) at 31.026 s instead of 35.005 s. */
START_TEST(restarted_group_is_found_by_the_pull)
{
    struct th_run r;
    run_world(&r, "4.4", BACK);
    struct waits w = {0};
    th_each(r.trace, ROUTE, wait_line, &w);
    double back = th_first(r.trace, A_BACK, NULL, 31000);
    fprintf(stderr, "4.4, broker-a-0 back at 31 s: %d route waits (%d found) from %.3f to %.3f ms; the consumer's "
            "route has broker-a at %.3f ms\n", w.t.n, w.found, w.t.first_from, w.t.last_to, back);
    ck_assert_double_eq_tol(back, 32009, 0.001);   /* 35,002 before */
    ck_assert_int_eq(w.t.n, 1);
    ck_assert_int_eq(w.found, 1);
    ck_assert_double_eq_tol(w.t.first_from, 32007, 0.001);
    ck_assert_double_eq_tol(w.t.last_to, 32009, 0.001);
    ck_assert_double_eq_tol(th_first(r.trace, "\"node\":\"consumer-0\",\"ev\":\"pull.wait\"",
                                     "\"peer\":\"broker-a-0\"", 31000), 32011, 0.001);
    th_run_free(&r);

    run_world(&r, "5.3", BACK);
    memset(&w, 0, sizeof w);
    th_each(r.trace, ROUTE, wait_line, &w);
    back = th_first(r.trace, A_BACK, NULL, 31000);
    double hb = th_first(r.trace, CLIENT_NEW, NULL, 31000);
    fprintf(stderr, "5.3: %d route waits (%d found) from %.3f to %.3f ms; the route has broker-a at %.3f ms, "
            "broker-a-0 has the consumer at %.3f ms\n", w.t.n, w.found, w.t.first_from, w.t.last_to, back, hb);
    ck_assert_double_eq_tol(back, 31023, 0.001);   /* 35,002 before */
    ck_assert_double_eq_tol(hb, 31026, 0.001);     /* 35,005 before */
    ck_assert_int_eq(w.t.n, 1);
    ck_assert_int_eq(w.found, 1);
    ck_assert_double_eq_tol(w.t.first_from, 31021, 0.001);
    ck_assert_double_eq_tol(w.t.last_to, 31023, 0.001);
    th_run_free(&r);
}
END_TEST

/* broker-a stays dead and the NameServer's host dies at 31 s. 4.4: each retry of broker-a's queues sends its
 * GET_ROUTE on the open channel and waits the whole 3 s for nothing (R44 keeps the channel after a timeout):
 * 32.007 s to 41.007 s, one queue after the other, until the rebalance of 40.04 s drops broker-a's queues.
 * broker-b's pulls wait behind them: 6 of them served from 32 s to 41 s (1,800 before), a read outage of 8,982 ms
 * (none before).
 * 5.3 (whose pulls never wait for a connect) waits alike, from its retry of 31.021 s: four 3 s waits. */
START_TEST(silent_name_server_holds_the_thread)
{
    struct th_run r;
    run_world(&r, "4.4", NS_SILENT);
    struct waits w = {0};
    th_each(r.trace, ROUTE, wait_line, &w);
    int served = th_count(r.trace, B_SERVE, NULL, 32000, 41000);
    double outage = th_num(r.m, "groups.1.read_unavailable_ms");
    fprintf(stderr, "4.4, silent NameServer: %d route waits from %.3f to %.3f ms (%.3f to %.3f ms each); "
            "broker-b: %d pulls served from 32 s to 41 s, read outage %.3f ms\n", w.t.n, w.t.first_from, w.t.last_to,
            w.t.shortest, w.t.longest, served, outage);
    ck_assert_int_le(served, 10);                 /* 6; 1,800 before */
    ck_assert_double_ge(outage, 8900);            /* 8,982; 0 before */
    ck_assert_double_le(outage, 9000);
    ck_assert_int_eq(w.t.n, 3);
    ck_assert_int_eq(w.found, 0);
    ck_assert(w.t.back_to_back);
    ck_assert_double_eq_tol(w.t.first_from, 32007, 0.001);
    ck_assert_double_eq_tol(w.t.last_to, 41007, 0.001);
    ck_assert_double_eq_tol(w.t.shortest, 3000, 0.001);
    ck_assert_double_eq_tol(w.t.longest, 3000, 0.001);
    th_run_free(&r);

    run_world(&r, "5.3", NS_SILENT);
    memset(&w, 0, sizeof w);
    th_each(r.trace, ROUTE, wait_line, &w);
    outage = th_num(r.m, "groups.1.read_unavailable_ms");
    fprintf(stderr, "5.3: %d route waits from %.3f to %.3f ms (%.3f ms at least); broker-b's read outage %.3f ms\n",
            w.t.n, w.t.first_from, w.t.last_to, w.t.shortest, outage);
    ck_assert_double_ge(outage, 11900);           /* 11,981; 0 before */
    ck_assert_double_le(outage, 12000);
    ck_assert_int_eq(w.t.n, 4);
    ck_assert_int_eq(w.found, 0);
    ck_assert(w.t.back_to_back);
    ck_assert_double_eq_tol(w.t.first_from, 31021, 0.001);
    ck_assert_double_eq_tol(w.t.last_to, 43021, 0.001);
    ck_assert_double_eq_tol(w.t.shortest, 3000, 0.001);
    th_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pull_route");
    TCase *tc = tcase_create("pull_route");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, restarted_group_is_found_by_the_pull);
    tcase_add_test(tc, silent_name_server_holds_the_thread);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
