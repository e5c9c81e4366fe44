/* test_send_dups: what messages.duplicates counts when sends fail, recomputed from a full trace (README,
 * Measurements, "Duplicates"). The leader of a DLedger group of three is paused (a GC pause) for 4 s, shorter
 * than DLedger's 6 s election timeout, so it stays leader and stores, once it runs again, every request the
 * producer wrote to it meanwhile. Each attempt that reached it is one copy of its message in the log, and the
 * consumer reads each copy: a send that failed is counted neither in acked_lost nor in acked_unconsumed, but
 * its first copy is in consumed and every other one in duplicates. A controller-mode master with
 * allAckInSyncStateSet stops the same way while a member of its SyncStateSet does not ack. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"
#include "tests/recompute.h"

/* 200 msg/s (a send every 5 ms), the leader paused from 20.003 s to 24.003 s. */
static const char *const PAUSE =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 40000, \"seed\": 1},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\"}],"
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 512}},"
    " \"consumers\": {\"start_ms\": 5000, \"consume_from_where\": \"first_offset\"},"
    " \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 20003, \"op\": \"pause\", \"node\": \"@master:broker-a\", \"duration_ms\": 4000}]}";

#define MAX_MSGS 16384

/* Each message's send (0: none ended, 1: acknowledged, 2: failed), its attempts and its deliveries. */
struct fates {
    unsigned char outcome[MAX_MSGS];
    unsigned char attempts[MAX_MSGS];
    int deliveries[MAX_MSGS];
};

static int msg_of(const char *l)
{
    double m = th_field(l, "\"msg\":", -1);
    ck_assert(m >= 0 && m < MAX_MSGS);
    return (int)m;
}

/* A send's end line: its outcome and its attempts. */
static void on_end(struct fates *f, const char *l, unsigned char outcome)
{
    int m = msg_of(l);
    f->outcome[m] = outcome;
    f->attempts[m] = (unsigned char)th_field(l, "\"attempts\":", 0);
}

static void on_ack(const char *l, void *arg) { on_end(arg, l, 1); }
static void on_fail(const char *l, void *arg) { on_end(arg, l, 2); }

static void on_consume(const char *l, void *arg)
{
    struct fates *f = arg;
    f->deliveries[msg_of(l)]++;
}

/* The trace's sends and deliveries. */
struct split {
    double failed, failed_dups, acked_dups, failed_delivered, failed_as_attempts, attempts_over_one;
};

static struct split split_duplicates(const char *trace)
{
    struct fates *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    th_each(trace, "\"ev\":\"send.ack\"", on_ack, f);
    th_each(trace, "\"ev\":\"send.fail\"", on_fail, f);
    th_each(trace, "\"ev\":\"consume\"", on_consume, f);
    struct split s = {0};
    for (int m = 0; m < MAX_MSGS; m++) {
        int extra = f->deliveries[m] > 1 ? f->deliveries[m] - 1 : 0;
        if (f->outcome[m] == 2) {
            s.failed++;
            s.failed_dups += extra;
            s.failed_delivered += f->deliveries[m] > 0;
            s.failed_as_attempts += f->deliveries[m] == f->attempts[m];
        } else {
            s.acked_dups += extra;
        }
        if (f->outcome[m] && f->attempts[m] > 1)
            s.attempts_over_one += f->attempts[m] - 1;
    }
    free(f);
    return s;
}

/* 4.9 (clientCloseSocketIfTimeout): at 23.003 s the first send's only attempt times out (its 3 s are gone:
 * no retry) and closes the connection; the close fails every other request on it (failFast), and their
 * retries go at once, on a new connection, to the same broker, the group's only one. At 23.008 s the second
 * send's retry, sent with the 5 ms it had left, times out and closes that connection, and at 23.013 s the
 * third's: every send started in the pause's first 3 s fails, its three attempts written to the paused
 * leader, which stores all three. Delivered three times, each adds 2 duplicates. The first send (one attempt)
 * and the second (two) add 0 and 1; the sends started at the first two closes, acknowledged at their third
 * and second attempt, add the 2 and 1 missing: at a constant rate duplicates are exactly twice the failures,
 * as in dledger_explore's runs with such a pause (`--set version=4.9`, seed 10032: 600 and 1,200). */
START_TEST(failed_sends_stored_once_per_attempt)
{
    struct th_run r;
    const char *sets[] = {"version=4.9"};
    th_run(&r, PAUSE, sets, 1);
    double failed = th_num(r.m, "messages.send_failed"), dups = th_num(r.m, "messages.duplicates");
    struct split s = split_duplicates(r.trace);
    fprintf(stderr, "4.9 pause: %.0f failed, %.0f duplicates (%.0f of failed sends, %.0f of acknowledged)\n",
            failed, dups, s.failed_dups, s.acked_dups);
    ck_assert_double_eq(s.failed, failed);
    ck_assert_double_eq(failed, 600);                     /* the sends of the pause's first 3 s */
    ck_assert_double_eq(recompute_duplicates(r.trace), dups);
    ck_assert_double_eq(s.failed_dups + s.acked_dups, dups);
    ck_assert_double_eq(s.failed_as_attempts, failed);   /* every attempt stored once, none lost */
    ck_assert_double_eq(s.attempts_over_one, dups);      /* every copy past the first is one retry */
    ck_assert_double_eq(s.acked_dups, 3);
    ck_assert_double_eq(dups, 2 * failed);
    ck_assert_double_eq(th_num(r.m, "messages.acked_lost"), 0);
    ck_assert_double_eq(th_num(r.m, "messages.acked_unconsumed"), 0);
    /* consumed: each acknowledged message once, each failed one once, and the copies */
    ck_assert_double_eq(th_num(r.m, "messages.consumed"), th_num(r.m, "messages.acked") + failed + dups);
    th_run_free(&r);
}
END_TEST

/* 4.4 (no close on a timeout): only the sends that cannot have their answer within 3 s fail, those of the
 * pause's first second, each with its one attempt (its budget spent), stored once and read once: failed
 * sends the broker stored, in consumed, no duplicate. */
START_TEST(timed_out_sends_stored_once_without_the_close)
{
    struct th_run r;
    const char *sets[] = {"version=4.4"};
    th_run(&r, PAUSE, sets, 1);
    double failed = th_num(r.m, "messages.send_failed");
    struct split s = split_duplicates(r.trace);
    fprintf(stderr, "4.4 pause: %.0f failed, %.0f delivered, %.0f duplicates\n", failed, s.failed_delivered,
            th_num(r.m, "messages.duplicates"));
    ck_assert_double_eq(failed, 201);
    ck_assert_double_eq(s.failed_delivered, failed);
    ck_assert_double_eq(s.attempts_over_one, 0);
    ck_assert_double_eq(th_num(r.m, "messages.duplicates"), 0);
    ck_assert_double_eq(th_num(r.m, "messages.consumed"), th_num(r.m, "messages.acked") + failed);
    th_run_free(&r);
}
END_TEST

/* The first failed send's attempts and deliveries (th_each callback). */
struct first_fail {
    double msg, attempts;
};

static void first_fail_line(const char *l, void *arg)
{
    struct first_fail *f = arg;
    if (f->msg < 0) {
        f->msg = th_field(l, "\"msg\":", -1);
        f->attempts = th_field(l, "\"attempts\":", -1);
    }
}

/* producers.retry_when_budget_spent on 4.4: RocketMQ's millisecond clock often reads costTime equal to the
 * timeout after a timed-out attempt, and sendDefaultImpl (`timeout < costTime`) goes on with an attempt of
 * 0 ms, which R44's invokeSync writes and fails at once (RemotingSendRequestException), closing the
 * connection. At 23.005 s the first send's second attempt is so written and closes the connection the sends
 * of the whole pause are waiting on; they all retry, and the next send's 0 ms attempt closes the next one:
 * where 4.4 without it stores each message once, the sends acknowledged after the pause are stored three
 * times as well. Before the key existed the scenario did not load. */
START_TEST(spent_budget_attempts_written_on_44)
{
    struct th_run r;
    const char *sets[] = {"version=4.4", "producers.retry_when_budget_spent=true"};
    th_run(&r, PAUSE, sets, 2);
    double failed = th_num(r.m, "messages.send_failed"), dups = th_num(r.m, "messages.duplicates");
    struct split s = split_duplicates(r.trace);
    struct first_fail f = {-1, -1};
    th_each(r.trace, "\"ev\":\"send.fail\"", first_fail_line, &f);
    char with[32];
    snprintf(with, sizeof with, "\"msg\":%.0f,", f.msg);
    double delivered = th_count(r.trace, "\"ev\":\"consume\"", with, 0, 1e9);
    fprintf(stderr, "4.4 pause, 0 ms attempts: %.0f failed, %.0f duplicates (%.0f of acknowledged sends)\n",
            failed, dups, s.acked_dups);
    ck_assert_double_eq(f.attempts, 3);                 /* one timed out, two of 0 ms */
    ck_assert_double_eq(delivered, 2);    /* the second written on the open connection, the third not sent */
    ck_assert_double_eq(failed, 203);
    ck_assert_double_eq(dups, 1202);
    ck_assert_double_eq(recompute_duplicates(r.trace), dups);
    ck_assert_double_eq(s.failed_dups + s.acked_dups, dups);
    ck_assert_double_ge(s.acked_dups, 790);             /* without the key: none at all */
    ck_assert_double_le(dups, s.attempts_over_one);     /* a copy is a retry that reached the broker */
    ck_assert_double_eq(th_num(r.m, "messages.acked_lost"), 0);
    th_run_free(&r);
}
END_TEST

/* controller_explore's group (5.3, three brokers, allAckInSyncStateSet, SYNC_FLUSH), 200 msg/s from 5 s, and a
 * slave's trouble from 20.003 s: the master broker-a-2 stores every put and waits for the acks of its whole
 * SyncStateSet (CommitLog.asyncPutMessage: needAckNums ALL_ACK_IN_SYNC_STATE_SET; GroupTransferService). */
static char *ctl_world(const char *fault)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 50000, \"seed\": 1},"
             " \"controllers\": {\"count\": 3},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\","
             " \"all_ack_in_sync_state_set\": true, \"flush\": \"SYNC_FLUSH\"}],"
             " \"producers\": {\"start_ms\": 5000, \"rate_per_s\": 200, \"size\": {\"const_bytes\": 512}},"
             " \"consumers\": {\"start_ms\": 5000, \"consume_from_where\": \"first_offset\"},"
             " \"operator\": {\"enabled\": false}, \"faults\": [%s]}",
             fault);
    return buf;
}

/* The consumer's reads: a pull served (code 0) from below the end of the queue's last one reads offsets again. */
struct rereads {
    double end[8], again;
};

static void on_serve(const char *l, void *arg)
{
    struct rereads *r = arg;
    int q = (int)th_field(l, "\"queue\":", -1);
    double off = th_field(l, "\"offset\":", -1), n = th_field(l, "\"n\":", 0);
    ck_assert(q >= 0 && q < 8);
    if (th_field(l, "\"code\":", -1) != 0 || n == 0)
        return;
    if (off < r->end[q])
        r->again += r->end[q] - off < n ? r->end[q] - off : n;
    if (off + n > r->end[q])
        r->end[q] = off + n;
}

/* Every duplicate of a stall of the SyncStateSet's acks is a copy the producer stored: each failed send read
 * once per attempt, no queue offset read twice. */
static void check_stall(const char *fault, double failed_expected)
{
    struct th_run r;
    const char *sets[] = {"run.trace=\"full\""};
    th_run(&r, ctl_world(fault), sets, 1);
    double failed = th_num(r.m, "messages.send_failed"), dups = th_num(r.m, "messages.duplicates");
    struct split s = split_duplicates(r.trace);
    struct rereads rr = {{0}, 0};
    th_each(r.trace, "\"ev\":\"pull.serve\"", on_serve, &rr);
    fprintf(stderr, "controller stall: %.0f failed, %.0f duplicates (%.0f of acknowledged sends), %.0f read again\n",
            failed, dups, s.acked_dups, rr.again);
    ck_assert_double_eq(failed, failed_expected);
    ck_assert_double_eq(s.failed_as_attempts, failed);   /* each failed send stored and read once per attempt */
    ck_assert_double_eq(recompute_duplicates(r.trace), dups);
    ck_assert_double_eq(s.attempts_over_one, dups);      /* every copy past the first is one retry */
    ck_assert_double_eq(s.acked_dups, 3);
    ck_assert_double_eq(dups, 2 * failed);
    ck_assert_double_eq(rr.again, 0);                    /* no consumer re-read */
    ck_assert_double_eq(th_num(r.m, "messages.acked_lost"), 0);
    th_run_free(&r);
}

/* broker-a-1's host is down for 3.181 s (as in controller_explore's seed 66, at 93.493 s): the puts wait until
 * it is back (23.184 s) and its HA client has caught up, so the sends of the first 3 s (from 20.005 s) time
 * out, close their connections and retry as under a pause: 600 failed, each stored three times. */
START_TEST(slave_down_stalls_all_ack_writes)
{
    check_stall("{\"at_ms\": 20003, \"op\": \"crash_host\", \"node\": \"broker-a-1\", \"duration_ms\": 3181}", 600);
}
END_TEST

/* broker-a-1 cut off for 25 s: the master waits until it drops it from the SyncStateSet, at its check of
 * 39.005 s (ReplicasManager's checkSyncStateSetPeriod, 5 s from 3 s after its promotion at 1.005 s: 15 s
 * after the last catch-up, haMaxTimeSlaveNotCatchup, is 35.0 s) and the controller's answer: six windows of
 * 3 s of failed sends, each 600 sends stored three times, 7,200 duplicates. */
START_TEST(slave_cut_off_until_the_sync_state_set_shrinks)
{
    check_stall("{\"at_ms\": 20003, \"op\": \"partition\", \"a\": [\"broker-a-1\"],"
                " \"b\": [\"ns-0\", \"broker-a-0\", \"broker-a-2\"], \"duration_ms\": 25000}", 3600);
}
END_TEST

static Suite *send_dups_suite(void)
{
    Suite *s = suite_create("send_dups");
    TCase *tc = tcase_create("pause");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, failed_sends_stored_once_per_attempt);
    tcase_add_test(tc, timed_out_sends_stored_once_without_the_close);
    tcase_add_test(tc, spent_budget_attempts_written_on_44);
    suite_add_tcase(s, tc);
    TCase *ctl = tcase_create("sync_state_set");
    tcase_set_timeout(ctl, 300);
    tcase_add_test(ctl, slave_down_stalls_all_ack_writes);
    tcase_add_test(ctl, slave_cut_off_until_the_sync_state_set_shrinks);
    suite_add_tcase(s, ctl);
    return s;
}

int main(void) { return th_run_suite(send_dups_suite()); }
