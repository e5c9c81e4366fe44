/* test_ordered: ordered sends (sendSelectImpl with SelectMessageQueueByHash) on two DLedger groups whose
 * broker-b leader host dies: its queues stall until the new leader is in the producer's route, while
 * unordered sends move to broker-a; the ordered-stall measurement is recomputed from the trace. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

static const char *const WORLD =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 90000, \"seed\": 3},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\"},"
    "   {\"name\": \"broker-b\", \"replicas\": 3, \"ha\": \"dledger\"}],"
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}, \"start_ms\": 5000,"
    "   \"random_poll_phase\": false, \"order_keys\": 64},"
    " \"consumers\": {\"count\": 1, \"start_ms\": 5000}, \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 20000, \"op\": \"crash_host\", \"node\": \"@master:broker-b\"}]}";

/* The value after "key": on the trace line at p, or def when the line has none. */
static double field(const char *p, const char *key, double def)
{
    const char *eol = strchr(p, '\n'), *k = strstr(p, key);
    return k && (!eol || k < eol) ? atof(k + strlen(key)) : def;
}

static const char *line_start(const char *trace, const char *p)
{
    while (p > trace && p[-1] != '\n')
        p--;
    return p;
}

/* Recomputes README's ordered stall from the trace: per queue of broker-b, from its first failed ordered
 * send (send.fail's t_ms) to its next acknowledged one. Returns the count; *max and *sum in ms. */
static int stalls_b(const char *trace, double *max, double *sum, double *first_fail)
{
    double from[64];
    for (int q = 0; q < 64; q++)
        from[q] = -1;
    int n = 0;
    *max = *sum = 0;
    *first_fail = -1;
    for (const char *p = trace; (p = strstr(p, "\"group\":\"broker-b\"")); p++) {
        const char *l = line_start(trace, p);
        int q = (int)field(l, "\"queue\":", -1);
        if (q < 0)
            continue;
        double t = field(l, "\"t_ms\":", -1);
        const char *eol = strchr(l, '\n');
        const char *fail = strstr(l, "\"ev\":\"send.fail\"");
        if (fail && (!eol || fail < eol)) {
            if (from[q] < 0)
                from[q] = t;
            if (*first_fail < 0)
                *first_fail = t;
        } else if (from[q] >= 0) {
            double d = t - from[q];
            n++;
            *sum += d;
            if (d > *max)
                *max = d;
            from[q] = -1;
        }
    }
    return n;
}

/* Sends acknowledged on broker-a with t_ms in [from, to). */
static int acks_a(const char *trace, double from, double to)
{
    int n = 0;
    for (const char *p = trace; (p = strstr(p, "\"ev\":\"send.ack\"")); p++) {
        const char *l = line_start(trace, p), *eol = strchr(l, '\n'), *a = strstr(l, "\"group\":\"broker-a\"");
        double t = field(l, "\"t_ms\":", -1);
        n += a && a < eol && t >= from && t < to;
    }
    return n;
}

START_TEST(ordered_queue_stalls_until_promotion)
{
    struct th_run r;
    /* sendLatencyFaultEnable on for both runs: sendSelectImpl ignores it. */
    const char *sets[] = {"producers.send_latency_fault_enable=true", "producers.order=\"queue\""};
    th_run(&r, WORLD, sets, 2);
    /* broker-b's new leader registers as master; the producer sees it at its next route poll. */
    double promoted = th_num(r.m, "groups.1.failover.promoted_ms");
    ck_assert_double_gt(promoted, 20000);
    double max, sum, first_fail;
    int n = stalls_b(r.trace, &max, &sum, &first_fail);
    ck_assert_int_gt(n, 0);
    ck_assert_double_eq(th_num(r.m, "groups.1.ordered_stall_ms.stalls"), n);
    ck_assert_double_eq_tol(th_num(r.m, "groups.1.ordered_stall_ms.max"), max, 1e-6);
    ck_assert_double_eq_tol(th_num(r.m, "groups.1.ordered_stall_ms.mean"), sum / n, 1e-6);
    ck_assert_double_eq(th_num(r.m, "groups.1.ordered_stall_ms.open"), 0);
    ck_assert_double_eq(th_num(r.m, "groups.0.ordered_stall_ms.stalls"), 0);
    /* The first failures are the sends caught by the crash; the queues stay stalled past the promotion. */
    ck_assert_double_ge(first_fail, 20000);
    ck_assert_double_gt(first_fail + max, promoted);
    /* No ordered send was acknowledged on broker-b between the crash and the promotion, and none failed
     * over to broker-a: sendSelectImpl makes one attempt. */
    for (const char *p = r.trace; (p = strstr(p, "\"ev\":\"send.ack\"")); p++) {
        const char *l = line_start(r.trace, p);
        double t = field(l, "\"t_ms\":", -1);
        const char *eol = strchr(l, '\n'), *b = strstr(l, "\"group\":\"broker-b\"");
        if (b && b < eol)
            ck_assert_msg(t < 20000 || t > promoted, "ordered send acknowledged on broker-b at %g ms", t);
        ck_assert_double_eq(field(l, "\"attempts\":", -1), 1);
    }
    fprintf(stderr, "promoted %.1f ms, first failure %.1f ms, %d stalls, longest %.1f ms\n", promoted, first_fail,
            n, max);

    /* The same world, unordered (no ordered_stall_ms without ordered producers). */
    int ordered_a = acks_a(r.trace, 24000, promoted);
    th_run_free(&r);
    th_run(&r, WORLD, sets, 1);
    /* From the first isolation (a failure at 23 s) to the promotion, every unordered send goes to broker-a;
     * ordered sends go there only for broker-a's keys (half of them). */
    int unordered_a = acks_a(r.trace, 24000, promoted);
    double window_s = (promoted - 24000) / 1000;
    fprintf(stderr, "acks on broker-a in %.1f s: ordered %d, unordered %d\n", window_s, ordered_a, unordered_a);
    ck_assert_int_ge(unordered_a, (int)(100 * window_s) - 2);
    ck_assert_int_le(ordered_a, (int)(60 * window_s));
    const cJSON *g1 = cJSON_GetArrayItem(cJSON_GetObjectItem(r.m, "groups"), 1);
    ck_assert_ptr_null(cJSON_GetObjectItem(g1, "ordered_stall_ms"));
    th_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ordered");
    TCase *t = tcase_create("ordered");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, ordered_queue_stalls_until_promotion);
    suite_add_tcase(s, t);
    return th_run_suite(s);
}
