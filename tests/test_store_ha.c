/* test_store_ha: the classic store and HA client against RocketMQ's source, on constant 1 ms links: a
 * SYNC_FLUSH broker's GroupCommitService flushes every 10 ms with no put waiting (so a slave is durable too),
 * and a slave whose registration answer names no master keeps its HA client on the old address. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

/* GroupCommitService loops every 10 ms on a SYNC_FLUSH broker of either role, and with no put waiting
 * flushes what is dirty: a SYNC_FLUSH slave is durable within about 10 ms. Both hosts die at 20 s and only
 * the slave's returns (2 s later, to be promoted): it lost about 10 ms of its log plus the HA lag, 28
 * acknowledged messages. Before, a slave flushed only for puts, which it never gets, and came back with
 * nothing past the world's trim point: 3,000 lost. */
START_TEST(sync_flush_slave_flushes_every_10_ms)
{
    static const char *const POWER =
        "{\"name\": \"t\", \"run\": {\"duration_ms\": 60000, \"seed\": 1},"
        " \"network\": {\"latency\": {\"const_ms\": 1}},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\", \"flush\": \"SYNC_FLUSH\"}],"
        " \"producers\": {\"rate_per_s\": 300, \"size\": {\"const_bytes\": 1024}},"
        " \"consumers\": {\"count\": 1},"
        " \"operator\": {\"alert_delay\": {\"const_ms\": 1000}, \"reaction\": {\"const_ms\": 1000},"
        "   \"procedure\": {\"const_ms\": 1000}},"
        " \"faults\": [{\"at_ms\": 20000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"},"
        "   {\"at_ms\": 20000, \"op\": \"crash_host\", \"node\": \"broker-a-1\", \"duration_ms\": 2000}]}";
    struct th_run r;
    th_run(&r, POWER, NULL, 0);
    double lost = th_num(r.m, "messages.acked_lost");
    fprintf(stderr, "SYNC_FLUSH slave: %.0f acknowledged messages lost\n", lost);
    ck_assert_double_gt(th_num(r.m, "groups.0.failover.promoted_ms"), 0);
    ck_assert_double_gt(lost, 0);
    ck_assert_double_lt(lost, 60);   /* 300 msg/s: the HA lag and about 10 ms */
    th_run_free(&r);
}
END_TEST

/* The time of the first of the lines after 105 s, into *arg (-1 until then). */
static void first_after_restart(const char *l, void *arg)
{
    double *first = arg, t = th_field(l, "{\"t_ms\":", -1);
    if (t > 105000 && *first < 0)
        *first = t;
}

/* A SYNC_MASTER's process dies at 60 s and is back at 105 s. The slave's registration at 70 s is answered
 * with no master; BrokerController.doRegisterBrokerAll takes haServerAddr only when the answer names one, so
 * the HA client keeps the old address, tries it every 5 s (HAClient: waitForRunning(5000) after a failed
 * connect) and is connected again at 108 s. Before, the slave forgot the address and reconnected only after
 * its next registration (130 s), at 131 s. */
START_TEST(slave_keeps_master_address_without_one_in_the_answer)
{
    static const char *const RESTART =
        "{\"name\": \"t\", \"run\": {\"duration_ms\": 140000, \"seed\": 1, \"trace\": \"events\"},"
        " \"network\": {\"latency\": {\"const_ms\": 1}},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"SYNC_MASTER\"}],"
        " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 1024}},"
        " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
        " \"faults\": [{\"at_ms\": 60000, \"op\": \"crash_process\", \"node\": \"broker-a-0\","
        "   \"duration_ms\": 45000}]}";
    struct th_run r;
    th_run(&r, RESTART, NULL, 0);
    double connect = -1;
    th_each(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"ha.connect\"", first_after_restart, &connect);
    th_run_free(&r);
    fprintf(stderr, "slave reconnects at %.3f ms after its master's restart at 105 s\n", connect);
    ck_assert_double_gt(connect, 105000);
    ck_assert_double_lt(connect, 111000);
}
END_TEST

static Suite *store_ha_suite(void)
{
    Suite *s = suite_create("store_ha");
    TCase *tc = tcase_create("classic");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, sync_flush_slave_flushes_every_10_ms);
    tcase_add_test(tc, slave_keeps_master_address_without_one_in_the_answer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(store_ha_suite()); }
