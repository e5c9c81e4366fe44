/* test_consume_from: where a push consumer starts a queue the broker holds no offset for, on constant 1 ms
 * links. ConsumerManageProcessor.queryConsumerOffset answers 0 only while the queue's first message is "in
 * memory": R44/R498 checkInDiskByConsumeOffset (no message at offset 0, or one at most
 * accessMessageInMemoryMaxRatio of the host's memory behind the CommitLog's end), R53 checkInMemByConsumeOffset
 * (a message at 0 whose bytes are in the page cache, which a host crash empties). Otherwise QUERY_NOT_FOUND,
 * and RebalancePushImpl.computePullFromWhere starts CONSUME_FROM_LAST_OFFSET (the default) at the queue's max
 * offset (MQAdminImpl.maxOffset: GET_MAX_OFFSET to the master), CONSUME_FROM_FIRST_OFFSET at 0. The same
 * happens on 4.x when the query is answered with any other error code (RemoteBrokerOffsetStore.readOffset catches
 * MQBrokerException as "no offset in broker"), where 5.x leaves the queue out for the next rebalance. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

/* One broker, 200 msg/s of 100 bytes (about 260 stored bytes each), a consumer that starts at 10 s, when
 * about 1,800 messages are stored; 20 s. */
static const char *const WORLD =
    "{\"name\": \"t\", \"version\": \"%s\", \"run\": {\"duration_ms\": 20000, \"seed\": 3, \"trace\": \"events\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 1, \"role\": \"ASYNC_MASTER\"%s}],"
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"random_poll_phase\": false, \"start_ms\": %d%s}, \"operator\": {\"enabled\": false}%s}";

#define TAKE "\"ev\":\"rebalance.take\""

static void run_world(struct th_run *r, const char *version, const char *group_keys, int start_ms,
                      const char *consumer_keys, const char *faults)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, WORLD, version, group_keys, start_ms, consumer_keys, faults);
    th_run(r, buf, NULL, 0);
}

/* The start of the trace line that holds the first s, or NULL. */
static const char *line_of(const char *trace, const char *s)
{
    const char *p = strstr(trace, s);
    while (p && p > trace && p[-1] != '\n')
        p--;
    return p;
}

/* The acknowledged messages never consumed by the end. */
static double unconsumed(const struct th_run *r) { return th_num(r->m, "messages.acked_unconsumed"); }

/* 4.4, the broker's host memory 100 kB (the redirect threshold 40 kB): the first message is "on disk" when the
 * consumer starts, so the broker answers QUERY_NOT_FOUND. CONSUME_FROM_LAST_OFFSET asks the master for each
 * queue's max offset and starts there: the 1,800 messages stored before are never read; CONSUME_FROM_FIRST_OFFSET
 * reads them all. With the default 24 GiB the first message is in memory, and the broker's 0 reads them all. */
START_TEST(last_offset_skips_what_is_on_disk)
{
    struct th_run last, first, big;
    run_world(&last, "4.4", ", \"host_memory_bytes\": 100000", 10000, "", "");
    run_world(&first, "4.4", ", \"host_memory_bytes\": 100000", 10000, ", \"consume_from_where\": \"first_offset\"",
              "");
    run_world(&big, "4.4", "", 10000, "", "");
    ck_assert_double_ge(unconsumed(&last), 1790);   /* 1,805 */
    ck_assert_double_le(unconsumed(&last), 1820);
    ck_assert_double_le(unconsumed(&first), 5);
    ck_assert_double_le(unconsumed(&big), 5);
    /* the first pull of each queue asks from where the max offset put it: about 450 in each of 4 queues */
    const char *p = strstr(last.trace, "\"ev\":\"pull.serve\"");
    ck_assert_ptr_nonnull(p);
    ck_assert_double_ge(th_field(p, "\"offset\":", -1), 440);
    p = strstr(first.trace, "\"ev\":\"pull.serve\"");
    ck_assert_ptr_nonnull(p);
    ck_assert_double_eq(th_field(p, "\"offset\":", -1), 0);
    th_run_free(&last);
    th_run_free(&first);
    th_run_free(&big);
}
END_TEST

/* A consumer that starts before the first message: 4.4 answers 0 for an empty queue (no unit at offset 0 is
 * not "on disk"), one call a queue; 5.3 answers QUERY_NOT_FOUND (no unit at 0 is not "in memory") and the
 * consumer asks the master for the max offset, 0: a second round trip a queue, and nothing is missed. */
START_TEST(empty_queue_on_53_asks_for_the_max_offset)
{
    struct th_run r44, r53;
    run_world(&r44, "4.4", "", 0, "", "");
    run_world(&r53, "5.3", "", 0, "", "");
    const char *t44 = line_of(r44.trace, TAKE), *t53 = line_of(r53.trace, TAKE);
    ck_assert_ptr_nonnull(t44);
    ck_assert_ptr_nonnull(t53);
    double d44 = th_field(t44, "\"t_ms\":", -1) - th_field(t44, "\"from_ms\":", -1);
    double d53 = th_field(t53, "\"t_ms\":", -1) - th_field(t53, "\"from_ms\":", -1);
    ck_assert_double_eq_tol(d44, 2.005, 1e-6);   /* 20.005 to 22.010 ms: the query and its answer */
    ck_assert_double_eq_tol(d53, 4.010, 1e-6);   /* 1002.005 to 1006.015 ms: the query, then GET_MAX_OFFSET */
    ck_assert_double_le(unconsumed(&r44), 5);
    ck_assert_double_le(unconsumed(&r53), 5);
    th_run_free(&r44);
    th_run_free(&r53);
}
END_TEST

/* The broker's host dies at 4 s and is back at 5 s: its page cache starts empty, so on 5.3 the queues' first
 * messages (on disk since the crash) are not "in memory" when the consumer starts at 10 s, and it starts at
 * the max offsets: the messages stored from 5 s to 10 s (and the flushed ones from before) are never read.
 * 4.4's test is the distance from the end alone: the same run reads them. */
START_TEST(host_restart_empties_the_page_cache_on_53)
{
    static const char *const FAULT =
        ", \"faults\": [{\"at_ms\": 4000, \"op\": \"crash_host\", \"node\": \"broker-a-0\", \"duration_ms\": 1000}]";
    struct th_run r44, r53, p53;
    run_world(&r44, "4.4", "", 10000, "", FAULT);
    run_world(&r53, "5.3", "", 10000, "", FAULT);
    /* a process crash keeps the page cache */
    run_world(&p53, "5.3", "", 10000, "",
              ", \"faults\": [{\"at_ms\": 4000, \"op\": \"crash_process\", \"node\": \"broker-a-0\","
              " \"duration_ms\": 1000}]");
    ck_assert_double_le(unconsumed(&r44), 5);
    ck_assert_double_ge(unconsumed(&r53), 1990);   /* 2,004 */
    ck_assert_double_le(unconsumed(&r53), 2020);
    ck_assert_double_le(unconsumed(&p53), 5);
    th_run_free(&r44);
    th_run_free(&r53);
    th_run_free(&p53);
}
END_TEST

/* The broker's consumer_manage executor with one thread, a queue of one place and 10 ms a request, and a
 * consumer that sends its four queues' offset queries at once (rebalance_takes_in_turn false): queue 0's query
 * takes the thread, queue 1's the place, and queues 2 and 3 are answered SYSTEM_BUSY ("[OVERLOAD]", the
 * executor's RejectedExecutionException), as is the consumer list a second rebalance of the start asks for. */
static const char *const BUSY =
    ", \"consumer_manage_thread_pool_nums\": 1, \"consumer_manager_thread_pool_queue_capacity\": 1,"
    " \"consumer_manage_service_time\": {\"const_ms\": 10}";
#define AT_ONCE ", \"rebalance_takes_in_turn\": false"
#define MANAGE_BUSY "\"executor\":\"consumer_manage\""

/* The offset of the first pull of `queue` the broker served, or -1. */
struct first_pull {
    int queue;
    double offset;
};

static void first_pull_line(const char *line, void *arg)
{
    struct first_pull *f = arg;
    if (f->offset < 0 && th_field(line, "\"queue\":", -1) == f->queue)
        f->offset = th_field(line, "\"offset\":", -1);
}

static double first_pull(const struct th_run *r, int queue)
{
    struct first_pull f = {queue, -1};
    th_each(r->trace, "\"ev\":\"pull.serve\"", first_pull_line, &f);
    return f.offset;
}

/* A consumer that starts at 10 s (about 450 messages a queue stored), 40 s. The broker holds no offset and
 * answers the queries it serves 0 (the first message is in memory), so queues 0 and 1 start at 0. Queues 2 and
 * 3, refused: 4.4 and 4.9 take the SYSTEM_BUSY as "no offset" (readOffset -1) and, CONSUME_FROM_LAST_OFFSET,
 * start at the max offset, so the 903 messages stored there before are never read; 5.3 (or 4.4 with
 * offset_query_error_as_not_found false) leaves them out (readOffset -2) and takes them at the next rebalance
 * (5.3: 1 s later, rebalance_min_interval_ms; 4.4: 20 s), where the broker answers 0. */
START_TEST(busy_offset_answer_starts_at_the_max_offset_on_4x)
{
    static const char *const LONG[] = {"run.duration_ms=40000"};
    static const char *const VERSIONS[] = {"4.4", "4.9", "5.3", "4.4"};
    double again[4];
    for (int i = 0; i < 4; i++) {
        static char buf[2048];
        struct th_run r;
        snprintf(buf, sizeof buf, WORLD, VERSIONS[i], BUSY, 10000,
                 i == 3 ? AT_ONCE ", \"offset_query_error_as_not_found\": false" : AT_ONCE, "");
        th_run(&r, buf, LONG, 1);
        ck_assert_int_ge(th_count(r.trace, "\"ev\":\"broker.busy\"", MANAGE_BUSY, 0, 12000), 2);
        ck_assert_double_eq(first_pull(&r, 0), 0);
        ck_assert_double_eq(first_pull(&r, 1), 0);
        for (int q = 2; q < 4; q++) {
            if (i < 2) {
                ck_assert_double_ge(first_pull(&r, q), 440);   /* 451, 452 */
                ck_assert_double_le(first_pull(&r, q), 460);
            } else {
                ck_assert_double_eq(first_pull(&r, q), 0);
            }
        }
        if (i < 2) {
            ck_assert_double_ge(unconsumed(&r), 890);   /* 903 */
            ck_assert_double_le(unconsumed(&r), 920);
        } else {
            ck_assert_double_le(unconsumed(&r), 5);
        }
        again[i] = th_first(r.trace, "\"ev\":\"pull.serve\"", "\"queue\":2,", 0);
        th_run_free(&r);
    }
    /* 5.3 takes them again 1 s after the round that failed them, 4.4 without the key 20 s after */
    ck_assert_double_ge(again[2], 12000);
    ck_assert_double_le(again[2], 13000);
    ck_assert_double_ge(again[3], 30000);
    ck_assert_double_le(again[3], 31000);
}
END_TEST

/* CONSUME_FROM_FIRST_OFFSET, the consumer's process dead from 10 s to 11 s: the broker holds the offsets its
 * pulls carried. At the restart queues 2 and 3 are refused: 4.4 starts them at 0 and reads their first 10 s
 * (902 messages) again; 5.3 takes them a second later at their stored offsets (449). One sample, at the end: the
 * world's trim (at every sample) would forget what every consumer had read, and 4.4's read from 0 would be
 * the violation trimmed_read, where RocketMQ's files still hold it. */
START_TEST(busy_offset_answer_rereads_from_zero_on_4x)
{
    static const char *const ONE_SAMPLE[] = {"run.sample_ms=20000"};
    static const char *const CRASH =
        ", \"faults\": [{\"at_ms\": 10000, \"op\": \"crash_process\", \"node\": \"consumer-0\","
        " \"duration_ms\": 1000}]";
    static const char *const VERSIONS[] = {"4.4", "5.3"};
    for (int i = 0; i < 2; i++) {
        static char buf[2048];
        struct th_run r;
        snprintf(buf, sizeof buf, WORLD, VERSIONS[i], BUSY, 0, AT_ONCE ", \"consume_from_where\": \"first_offset\"",
                 CRASH);
        th_run(&r, buf, ONE_SAMPLE, 1);
        double dup = th_num(r.m, "messages.duplicates");
        if (i == 0) {
            ck_assert_double_ge(dup, 890);   /* 902 */
            ck_assert_double_le(dup, 920);
        } else {
            ck_assert_double_le(dup, 10);   /* 4 */
        }
        ck_assert_double_le(unconsumed(&r), 5);
        th_run_free(&r);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("consume_from");
    TCase *tc = tcase_create("query_not_found");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, last_offset_skips_what_is_on_disk);
    tcase_add_test(tc, empty_queue_on_53_asks_for_the_max_offset);
    tcase_add_test(tc, host_restart_empties_the_page_cache_on_53);
    suite_add_tcase(s, tc);
    tc = tcase_create("query_error");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, busy_offset_answer_starts_at_the_max_offset_on_4x);
    tcase_add_test(tc, busy_offset_answer_rereads_from_zero_on_4x);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
