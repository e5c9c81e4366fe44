/* test_latency_fault: the producer's LatencyFaultToleranceImpl table (models/client/latency_fault.c) on its own:
 * MQFaultStrategy.updateFaultItem charges an exception 30000 ms (5.x: 10000) to choose how long the broker is
 * unavailable, while the FaultItem keeps the attempt's real elapsed time as its currentLatency, the key
 * FaultItem.compareTo sorts on when pickOneAtLeast chooses among unavailable brokers. */
#include <check.h>
#include <string.h>

#include "models/client/latency_fault.h"
#include "sim/time.h"
#include "tests/harness.h"

/* Group 0's attempt failed after 5 ms (a refused connection: an exception); group 1 answered after 2500 ms.
 * Both are unavailable at 4 s: group 0 for the exception's duration, group 1 for its latency's. Neither is
 * available, so compareTo orders them by currentLatency: group 0 (5 ms) before group 1 (2500 ms), and
 * pickOneAtLeast (two items, half 1) takes group 0. Stored as 30000 ms, the exception sorted group 0 last. */
static void exception_keeps_real_latency(int tables_5x, sim_time until0, sim_time until1)
{
    struct latency_fault f;
    lf_reset(&f, tables_5x);
    f.which_worst = 0;
    lf_update(&f, 0, 0, 5 * SIM_MS, 1, 1);
    lf_update(&f, 1, 0, 2500 * SIM_MS, 0, 1);
    ck_assert_int_eq(f.item[0].latency, 5);
    ck_assert_int_eq(f.item[1].latency, 2500);
    /* computeNotAvailableDuration(isolation ? charge : currentLatency) */
    ck_assert_int_eq(f.item[0].start, until0);
    ck_assert_int_eq(f.item[1].start, until1);
    sim_time now = 4 * SIM_S;
    ck_assert_int_eq(lf_available(&f, 0, now), 0);
    ck_assert_int_eq(lf_available(&f, 1, now), 0);
    ck_assert_int_eq(lf_pick(&f, now), 0);
}

/* R44/R498: 30000 ms -> 600 s; 2500 ms -> 120 s. */
START_TEST(exception_keeps_real_latency_44)
{
    exception_keeps_real_latency(0, 600 * SIM_S, 120 * SIM_S);
}
END_TEST

/* R53: 10000 ms -> 10 s; 2500 ms -> 5 s. */
START_TEST(exception_keeps_real_latency_5x)
{
    exception_keeps_real_latency(1, 10 * SIM_S, 5 * SIM_S);
}
END_TEST

/* Once one of them is available again, it comes first whatever its latency (compareTo's first key): at 7 s
 * on 5.x group 1 (unavailable to 5 s) is picked, group 0 (to 10 s) is not. */
START_TEST(available_first)
{
    struct latency_fault f;
    lf_reset(&f, 1);
    lf_update(&f, 0, 0, 5 * SIM_MS, 1, 1);
    lf_update(&f, 1, 0, 2500 * SIM_MS, 0, 1);
    ck_assert_int_eq(lf_pick(&f, 7 * SIM_S), 1);
}
END_TEST

/* 5.x FaultItem.reachableFlag: an MQBrokerException leaves the broker unreachable (updateFaultItem(.., true,
 * false)) until an answer that sets it reachable again; it no longer bears on isAvailable (#7812, in 5.3.0),
 * only on MQFaultStrategy's reachableFilter. A broker not in the table is reachable. */
START_TEST(reachable_5x)
{
    struct latency_fault f;
    memset(&f, 0, sizeof f);
    lf_reset(&f, 1);
    ck_assert_int_eq(lf_reachable(&f, 0), 1);
    lf_update(&f, 0, 0, 5 * SIM_MS, 1, 0);
    ck_assert_int_eq(lf_reachable(&f, 0), 0);
    ck_assert_int_eq(lf_available(&f, 0, 9 * SIM_S), 0);
    ck_assert_int_eq(lf_available(&f, 0, 10 * SIM_S), 1);   /* isolated 10 s, available though unreachable */
    lf_update(&f, 0, 11 * SIM_S, 2 * SIM_MS, 0, 1);
    ck_assert_int_eq(lf_reachable(&f, 0), 1);
    ck_assert_int_eq(lf_reachable(&f, 1), 1);
}
END_TEST

static Suite *latency_fault_suite(void)
{
    Suite *s = suite_create("latency_fault");
    TCase *t = tcase_create("latency_fault");
    tcase_add_test(t, exception_keeps_real_latency_44);
    tcase_add_test(t, exception_keeps_real_latency_5x);
    tcase_add_test(t, available_first);
    tcase_add_test(t, reachable_5x);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run_suite(latency_fault_suite());
}
