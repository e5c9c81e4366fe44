/* test_consumer: the push consumer against the broker's pull path, on constant 1 ms links. A held pull's
 * commit offset is stored (so a consumer that restarts re-reads about one batch a queue, not what it consumed
 * since the last 5 s persist); a master that finds a consumer past its end sends it back to 0 on 4.4 and to
 * its max offset from 4.9.4; 5.2+ fixes an OFFSET_ILLEGAL at once and rebalances, 4.x ten seconds later and
 * at the next 20 s rebalance; without long polling the held pulls are checked every shortPollingTimeMills. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"
#include "tests/recompute.h"

/* Two consumers of one group (queues 0-1 and 2-3), 1000 msg/s; consumer-1's process dies at 60 s and comes
 * back at 90 s, where it reads its queues from the offsets the master stored. */
static const char *const RESTART =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 120000, \"seed\": 3},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"rate_per_s\": 1000, \"size\": {\"const_bytes\": 100}},"
    " \"consumers\": {\"count\": 2}, \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 60000, \"op\": \"crash_process\", \"node\": \"consumer-1\", \"duration_ms\": 30000}]}";

/* PullMessageProcessor stores the commit offset a pull carries even when it holds the pull (R44 after the
 * switch that suspends it, R53 tryCommitOffset before it): a caught-up consumer's pulls are almost all held,
 * so before, the master had its offsets only from the 5 s persistAll, and the restart re-read up to 5 s of
 * messages (2500 here). Now about one message a queue. */
START_TEST(held_pull_stores_its_commit_offset)
{
    struct th_run r;
    th_run(&r, RESTART, NULL, 0);
    double dup = th_num(r.m, "messages.duplicates");
    fprintf(stderr, "consumer restart: %.0f duplicates\n", dup);
    ck_assert_double_le(dup, 8);
    ck_assert_double_le(th_num(r.m, "messages.acked_unconsumed"), 1);
    th_run_free(&r);
}
END_TEST

/* One group whose slave falls behind (its link 5 Mbit/s from 2 s) and whose master's host dies at 8 s; the
 * operator promotes the slave at 16 s, and the consumer, whose offsets lie past the new master's end, finds
 * it at its route poll (41 s): OFFSET_OVERFLOW_BADLY, answered OFFSET_MOVED. One sample at the end, so the
 * world keeps every message (its trim runs at samples) and each queue's minimum stays 0. */
static const char *const LAG =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 100000, \"seed\": 1, \"sample_ms\": 100000},"
    " \"network\": {\"latency\": {\"const_ms\": 1}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\", \"flush\": \"ASYNC_FLUSH\"}],"
    " \"producers\": {\"rate_per_s\": 1000, \"size\": {\"const_bytes\": 1024}},"
    " \"consumers\": {\"count\": 1},"
    " \"operator\": {\"alert_delay\": {\"const_ms\": 1000}, \"reaction\": {\"const_ms\": 1000},"
    "   \"procedure\": {\"const_ms\": 1000}},"
    " \"faults\": [{\"at_ms\": 2000, \"op\": \"link\", \"from\": \"broker-a-0\", \"to\": \"broker-a-1\","
    "   \"bandwidth_mbit_per_s\": 5}, {\"at_ms\": 8000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]}";

/* R44 DefaultMessageStore.getMessage: nextBeginOffset 0 while the queue's minimum is 0, so the consumer
 * reads the new master's queues again from their start (#4215); from 4.9.4 the max offset, so it reads on
 * from there. The 4.9 run keeps 4.4's clientCloseSocketIfTimeout (false): with 4.9's, a send whose retry is
 * left a budget shorter than the new master's answer times out and closes the producer's connection, which
 * fails the sends already stored on it, and their retries store them again (2,731 duplicates of that kind
 * here, none from the consumer). */
START_TEST(overflow_badly_resets_by_version)
{
    struct th_run r;
    const char *v44[] = {"version=4.4"};
    const char *v49[] = {"version=4.9", "producers.client_close_socket_if_timeout=false",
                         "consumers.client_close_socket_if_timeout=false"};
    th_run(&r, LAG, v44, 1);
    double dup44 = th_num(r.m, "messages.duplicates");
    ck_assert_double_eq(recompute_duplicates(r.trace), dup44);   /* the trace's consume events say the same */
    th_run_free(&r);
    th_run(&r, LAG, v49, 3);
    double dup49 = th_num(r.m, "messages.duplicates");
    th_run_free(&r);
    fprintf(stderr, "OFFSET_OVERFLOW_BADLY: %.0f duplicates on 4.4, %.0f on 4.9\n", dup44, dup49);
    ck_assert_double_gt(dup44, 4000);   /* the new master held about 7,000 messages, most consumed before */
    ck_assert_double_eq(dup49, 0);
}
END_TEST

/* What the master's host had queued behind the slow link dies with it (sim/net.c, net_on_host_down): the
 * slave's HA window then decides how much waits at the master's NIC, not how much the slave receives after
 * the crash, so a 10 MiB window (4.9.3+'s autotuned buffers) loses about what 128 KiB does. Before, the
 * network delivered the queue after the crash: 97 acknowledged messages lost with 10 MiB against 2,693. */
START_TEST(window_lost_with_the_host)
{
    double lost[2];
    const char *win[2] = {"groups[0].ha_window_bytes=131072", "groups[0].ha_window_bytes=10485760"};
    for (int i = 0; i < 2; i++) {
        struct th_run r;
        const char *sets[] = {"version=5.3", win[i]};
        th_run(&r, LAG, sets, 2);
        lost[i] = th_num(r.m, "messages.acked_lost");
        th_run_free(&r);
    }
    fprintf(stderr, "acked lost: %.0f with a 128 KiB HA window, %.0f with 10 MiB\n", lost[0], lost[1]);
    ck_assert_double_ge(lost[0], 2700);
    ck_assert_double_le(fabs(lost[1] - lost[0]), 128);   /* at most one 128 KiB window of 1 KiB messages */
}
END_TEST

/* The first OFFSET_MOVED answer (code 21) and the first pull of the same queue that brought messages after
 * it, in ms (-1: none). */
struct resumed {
    double moved, queue, at;
};

static void resumed_line(const char *l, void *arg)
{
    struct resumed *r = arg;
    double q = th_field(l, "\"queue\":", -1), t = th_field(l, "{\"t_ms\":", -1);
    if (r->moved < 0 && th_field(l, "\"code\":", -1) == 21) {
        r->moved = t;
        r->queue = q;
    } else if (r->moved >= 0 && r->at < 0 && q == r->queue && th_field(l, "\"n\":", -1) > 0) {
        r->at = t;
    }
}

static double resumed_after_moved(const char *trace, double *moved)
{
    struct resumed r = {-1, -1, -1};
    th_each(trace, "\"ev\":\"pull.serve\"", resumed_line, &r);
    *moved = r.moved;
    return r.at;
}

/* DefaultMQPushConsumerImpl, OFFSET_ILLEGAL: from 5.2 the offset is fixed, the queue removed and a rebalance
 * run at once, so the consumer reads again half a second after the answer (the re-taken queue's first pull
 * waits dispatchPullRequest's 500 ms) when there is something to read;
 * with the 4.x delay (10 s) it waits for that and then the next 20 s rebalance. Both runs keep 4.4's 3 s pull
 * retry and its clientCloseSocketIfTimeout (false: with 5.3's, the consumer list request that times out
 * against the dead master at 23 s closes the connection and fails the held pulls, which then reach the new
 * master at 31 s, before anything is stored there) so that the answer comes when there is. */
START_TEST(offset_illegal_fixed_at_once_on_53)
{
    struct th_run r;
    /* The 3 s pull retry of 4.4 puts the new master's OFFSET_MOVED (41.0 s) after the producer's route has
     * it again (40.7 s), so there are messages to read at once; with 5.3's 1 s the answer comes at 39.0 s,
     * when nothing new is stored yet. */
    /* The held pulls fail at their timeout exactly (no response scan): 5.3's scan would fail them 1.4 s
     * later, when the new master has stored past the consumer's offset and answers no OFFSET_MOVED. */
    const char *now[] = {"version=5.3", "run.trace=full", "run.duration_ms=62000",
                         "consumers.pull_time_delay_when_exception_ms=3000",
                         "consumers.client_close_socket_if_timeout=false", "consumers.response_scan_interval_ms=0"};
    const char *later[] = {"version=5.3", "run.trace=full", "run.duration_ms=62000",
                           "consumers.pull_time_delay_when_exception_ms=3000",
                           "consumers.client_close_socket_if_timeout=false", "consumers.response_scan_interval_ms=0",
                           "consumers.offset_illegal_fix_delay_ms=10000"};
    double moved, moved_later;
    th_run(&r, LAG, now, 6);
    double t_now = resumed_after_moved(r.trace, &moved);
    double ru_now = th_num(r.m, "topic.read_unavailable_ms");
    th_run_free(&r);
    th_run(&r, LAG, later, 7);
    double t_later = resumed_after_moved(r.trace, &moved_later);
    double ru_later = th_num(r.m, "topic.read_unavailable_ms");
    th_run_free(&r);
    fprintf(stderr, "OFFSET_ILLEGAL at %.3f ms: reads again at %.3f ms (5.3), %.3f ms (10 s fix)\n", moved, t_now,
            t_later);
    ck_assert_double_gt(moved, 0);
    ck_assert_double_eq(moved, moved_later);
    ck_assert_double_gt(t_now, moved);
    ck_assert_double_ge(t_now, moved + 500);   /* the re-taken queue's first pull: 5.x's 500 ms */
    ck_assert_double_lt(t_now, moved + 520);   /* + the re-take's offset query, in the rebalance's loop */
    ck_assert_double_ge(t_later, moved + 10000);
    ck_assert_double_lt(ru_now, ru_later);
}
END_TEST

/* The master's network is cut off at 30 s (its NIC down: RocketMQ #3482) while it lives; the slave has not
 * received the last few messages the consumer read from the master (the default lognormal links: the
 * slave's copy and the consumer's pulls race). Once the route drops the master (150 s:
 * the NameServer's idle close, then the consumer's poll), the consumer pulls the slave at offsets past its
 * end: OFFSET_OVERFLOW_BADLY, and a slave (offsetCheckInSlave false, all releases) neither moves the offset
 * nor holds the pull but answers PULL_RETRY_IMMEDIATELY, so the consumer asks again at once, thousands of
 * times a second, reading nothing. With offset_check_in_slave the slave answers PULL_OFFSET_MOVED once a
 * queue and corrects the offset (nextOffsetCorrection). */
static const char *const NIC =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 170000, \"seed\": 1, \"trace\": \"full\"},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"rate_per_s\": 1000, \"size\": {\"const_bytes\": 1024}},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 30000, \"op\": \"partition\", \"a\": [\"broker-a-0\"],"
    "   \"b\": [\"ns-0\", \"broker-a-1\", \"producer-0\", \"consumer-0\"]}]}";

#define SLAVE_PULL "\"node\":\"broker-a-1\",\"ev\":\"pull.serve\""

START_TEST(slave_keeps_offsets_unless_checked)
{
    struct th_run r;
    th_run(&r, NIC, NULL, 0);
    int retry = th_count(r.trace, SLAVE_PULL, "\"code\":20,", 0, 1e12),
        moved = th_count(r.trace, SLAVE_PULL, "\"code\":21,", 0, 1e12),
        served = th_count(r.trace, SLAVE_PULL, "\"code\":0,", 0, 1e12);
    double first = th_first(r.trace, SLAVE_PULL, NULL, 0);
    th_run_free(&r);
    const char *checked[] = {"groups[0].offset_check_in_slave=true"};
    th_run(&r, NIC, checked, 1);
    int retry_c = th_count(r.trace, SLAVE_PULL, "\"code\":20,", 0, 1e12),
        moved_c = th_count(r.trace, SLAVE_PULL, "\"code\":21,", 0, 1e12);
    th_run_free(&r);
    fprintf(stderr, "master cut off at 30 s: the slave's first pull at %.3f ms; %d PULL_RETRY_IMMEDIATELY, %d served; "
            "with offset_check_in_slave %d OFFSET_MOVED, %d RETRY\n", first, retry, served, moved_c, retry_c);
    ck_assert_double_gt(first, 150000);
    ck_assert_int_gt(retry, 10000);
    ck_assert_int_eq(moved, 0);
    ck_assert_int_eq(served, 0);
    ck_assert_int_eq(moved_c, 4);   /* one a queue */
    ck_assert_int_eq(retry_c, 0);
}
END_TEST

/* PullRequestHoldService: without long polling the held pulls are checked every shortPollingTimeMills (1 s),
 * so each is answered at the first check after its 1 s, 1 to 2 s after it came (before: at the next 5 s
 * check, up to 6 s). 2 msg/s over 4 queues: about one pull of queue 0 every 2 s (14 before). */
START_TEST(short_polling_checks_every_second)
{
    static const char *const SHORT =
        "{\"name\": \"t\", \"run\": {\"duration_ms\": 60000, \"seed\": 3, \"trace\": \"full\"},"
        " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\","
        "   \"long_polling_enable\": false}],"
        " \"producers\": {\"rate_per_s\": 2, \"size\": {\"const_bytes\": 100}},"
        " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}";
    struct th_run r;
    th_run(&r, SHORT, NULL, 0);
    int n = th_count(r.trace, "\"ev\":\"pull.serve\",\"queue\":0,", NULL, 0, 1e12);
    th_run_free(&r);
    fprintf(stderr, "short polling: %d pulls of queue 0 in 60 s\n", n);
    ck_assert_int_ge(n, 25);
    ck_assert_int_le(n, 60);
}
END_TEST

/* A pull is invokeAsync: its timeout closes nothing, even with clientCloseSocketIfTimeout (4.9). Here every
 * held pull times out on the client (2 s against the broker's 15 s hold, failed by the response scan 3-4 s
 * after it was sent) at 1 msg/s; were pulls synchronous, the first timeout would close the consumer's
 * connection (the broker drops the consumer: broker.client_gone) and fail the other queues' pulls, and the
 * consumer would read 2 of the messages. The producer stops at 25 s, so that every message is read by 30 s. */
START_TEST(pull_timeout_closes_nothing)
{
    static const char *const SLOW =
        "{\"name\": \"t\", \"version\": \"4.9\","
        " \"run\": {\"duration_ms\": 30000, \"seed\": 1, \"trace\": \"events\"},"
        " \"network\": {\"latency\": {\"const_ms\": 1}}, \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"
        " \"producers\": {\"rate_per_s\": 1, \"stop_ms\": 25000, \"size\": {\"const_bytes\": 100}},"
        " \"consumers\": {\"count\": 1, \"consumer_timeout_when_suspend_ms\": 2000}, \"operator\": {\"enabled\": false}}";
    struct th_run r;
    th_run(&r, SLOW, NULL, 0);
    int gone = th_count(r.trace, "\"ev\":\"broker.client_gone\"", NULL, 0, 30000);
    double consumed = th_num(r.m, "messages.consumed"), acked = th_num(r.m, "messages.acked");
    th_run_free(&r);
    fprintf(stderr, "pulls timing out: %.0f of %.0f consumed, %d consumer channels closed\n", consumed, acked, gone);
    ck_assert_int_eq(gone, 0);
    ck_assert_double_eq(consumed, acked);
}
END_TEST

/* groups[].reads and redirects from the trace alone (README, "Outputs"): the n of the pull.serve lines of the
 * broker pulled (brokerId 0: master, else slave), and the pull.suggest changes from brokerId 0 to another and
 * back. */
struct reads_tally {
    double master, slave, to_slave, to_master;
};

static void tally_line(const char *l, void *arg)
{
    struct reads_tally *k = arg;
    if (th_has(l, "\"ev\":\"pull.serve\"")) {
        double n = th_field(l, "\"n\":", 0);
        if (th_has(l, "\"node\":\"broker-a-0\""))
            k->master += n;
        else
            k->slave += n;
    } else {
        double from = th_field(l, "\"from\":", -1), to = th_field(l, "\"to\":", -1);
        k->to_slave += from == 0 && to != 0;
        k->to_master += from != 0 && to == 0;
    }
}

/* MQClientInstance.findBrokerAddressInSubscribe, from 4.8.0 (#2167): a slave's brokerId the route lacks tries
 * brokerId + 1 before the first entry. A group of three (brokerIds 0, 1, 2) whose slave 1 died at the start:
 * the master's suggestion of slave 1 for a consumer far behind reaches slave 2 on 4.9; with 4.4's lookup it
 * falls to the first entry, the master, and nothing is read from a slave. */
START_TEST(missing_slave_id_tries_the_next)
{
    static const char *const NEXT =
        "{\"name\": \"t\", \"version\": \"4.9\", \"run\": {\"duration_ms\": 60000, \"seed\": 1},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"slave_read_enable\": true,"
        "   \"host_memory_bytes\": 2000000}],"
        " \"producers\": {\"rate_per_s\": 1000, \"size\": {\"const_bytes\": 1024}},"
        " \"consumers\": {\"count\": 1, \"consume_rate_per_s\": 500}, \"operator\": {\"enabled\": false},"
        " \"faults\": [{\"at_ms\": 1, \"op\": \"crash_process\", \"node\": \"broker-a-1\"}]}";
    struct th_run r;
    const char *full[] = {"run.trace=\"full\""};
    th_run(&r, NEXT, full, 1);
    double next = th_num(r.m, "groups.0.reads.slave");
    /* broker-a-0 stays the master (brokerId 0) throughout: the other pull.serve lines are slaves' */
    struct reads_tally k = {0};
    th_each(r.trace, "\"ev\":\"pull.serve\"", tally_line, &k);
    th_each(r.trace, "\"ev\":\"pull.suggest\"", tally_line, &k);
    ck_assert_double_eq(k.master, th_num(r.m, "groups.0.reads.master"));
    ck_assert_double_eq(k.slave, next);
    ck_assert_double_eq(k.to_slave, th_num(r.m, "groups.0.redirects.to_slave"));
    ck_assert_double_eq(k.to_master, th_num(r.m, "groups.0.redirects.to_master"));
    ck_assert_double_gt(k.to_slave, 0);
    th_run_free(&r);
    const char *r44[] = {"consumers.subscribe_tries_next_broker_id=false"};
    th_run(&r, NEXT, r44, 1);
    double first = th_num(r.m, "groups.0.reads.slave"), to_slave = th_num(r.m, "groups.0.redirects.to_slave");
    th_run_free(&r);
    fprintf(stderr, "slave 1 missing: %.0f messages read from slave 2 (4.9), %.0f with 4.4's lookup\n", next, first);
    ck_assert_double_gt(next, 10000);
    ck_assert_double_gt(to_slave, 0);   /* the master did suggest the slave */
    ck_assert_double_eq(first, 0);
}
END_TEST

/* RemoteBrokerOffsetStore on 4.9: a commit (and an offset query) looks for the master only, and when the route
 * has none asks the NameServer first (updateTopicRouteInfoFromNameServer). A DLedger group of three whose
 * leader's process dies at 60 s: the consumer's route loses the master at 65.3 s and the new leader is master
 * at 65.9 s; the next persistAll (70.3 s) asks for the route and has it, where the 30 s poll would have it at
 * 95.3 s, meanwhile reading from a follower. 4.4's lookup (any broker) asks nothing. */
static const char *const DL =
    "{\"name\": \"t\", \"version\": \"4.9\", \"run\": {\"duration_ms\": 100000, \"seed\": 1, \"trace\": \"events\"},"
    " \"nameservers\": {\"count\": 1}, \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\"}],"
    " \"producers\": {\"rate_per_s\": 1000, \"size\": {\"const_bytes\": 1024}, \"start_ms\": 5000},"
    " \"consumers\": {\"count\": 1, \"start_ms\": 5000}, \"operator\": {\"enabled\": false},"
    " \"network\": {\"latency\": {\"dist\": \"lognormal\", \"median_ms\": 0.2, \"sigma\": 0.3}},"
    " \"faults\": [{\"at_ms\": 60000, \"op\": \"crash_process\", \"node\": \"@master:broker-a\"}]}";

START_TEST(offset_store_asks_for_the_missing_master)
{
    double found[2], slave[2];
    const char *sets[2] = {"consumers.offset_commit_needs_master=true", "consumers.offset_commit_needs_master=false"};
    for (int i = 0; i < 2; i++) {
        struct th_run r;
        th_run(&r, DL, &sets[i], 1);
        found[i] = th_first(r.trace, "\"ev\":\"route.change\"", "\"node\":\"consumer-0\"", 66000);
        slave[i] = th_num(r.m, "groups.0.reads.slave");
        th_run_free(&r);
    }
    fprintf(stderr, "consumer has the new master at %.3f ms (%.0f read from a follower), %.3f ms (%.0f) with "
            "4.4's lookup\n", found[0], slave[0], found[1], slave[1]);
    ck_assert_double_lt(found[0], 71000);   /* the persistAll after the master left the route */
    ck_assert_double_gt(found[1], 95000);   /* the next 30 s poll */
    ck_assert_double_lt(slave[0], slave[1]);
}
END_TEST

static Suite *consumer_suite(void)
{
    Suite *s = suite_create("consumer");
    TCase *tc = tcase_create("pull");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, held_pull_stores_its_commit_offset);
    tcase_add_test(tc, overflow_badly_resets_by_version);
    tcase_add_test(tc, window_lost_with_the_host);
    tcase_add_test(tc, pull_timeout_closes_nothing);
    tcase_add_test(tc, offset_illegal_fixed_at_once_on_53);
    tcase_add_test(tc, short_polling_checks_every_second);
    tcase_add_test(tc, slave_keeps_offsets_unless_checked);
    tcase_add_test(tc, missing_slave_id_tries_the_next);
    tcase_add_test(tc, offset_store_asks_for_the_missing_master);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(consumer_suite()); }
