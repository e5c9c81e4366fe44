/* test_store_ha: the classic store and HA client against RocketMQ's source, on constant 1 ms links: a
 * SYNC_FLUSH broker's GroupCommitService flushes every 10 ms with no put waiting (so a slave is durable too),
 * a 4.4 ASYNC_FLUSH master's flusher is woken by every put (flushCommitLogTimed false),
 * a slave whose registration answer names no master keeps its HA client on the old address, and a restarted
 * slave's first report (5 s after its connect in 4.x, at once in 5.3) while the master counts it from the
 * accept; a SYNC_MASTER timeout closing the producer's connection stores sends again (clientCloseSocketIfTimeout);
 * the HA writer's 100 ms wait, which a report does not end, and when a SYNC_FLUSH put wakes it (4.4: after the
 * flush; 4.9: at the put, and what a slave read then costs after a host crash); the slave's heartbeat and
 * housekeeping clocks by release (an idle 4.4 connection dropped, a 4.9 slave on a dead connection). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/world/world.h"
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

/* flushCommitLogTimed false (R44): CommitLog.handleDiskFlush wakes FlushRealTimeService at every ASYNC_FLUSH
 * put and its waitForRunning returns, so it flushes as soon as flushCommitLogLeastPages (4 pages, 16 KiB) are
 * dirty; true (R498, R53) sleeps flushIntervalCommitLog (500 ms) out. A master alone, 300 msg/s of 1 KiB, its
 * host dies at 20.25 s (a quarter of an interval after a flush) and returns: 4.4 loses the last 6
 * acknowledged messages (under 4 pages and the flush under way), the sleeping flusher 75 (250 ms of them). */
START_TEST(untimed_flusher_woken_by_every_put)
{
    static const char *const ALONE =
        "{\"name\": \"t\", \"run\": {\"duration_ms\": 40000, \"seed\": 1},"
        " \"network\": {\"latency\": {\"const_ms\": 1}},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 1}],"
        " \"producers\": {\"rate_per_s\": 300, \"size\": {\"const_bytes\": 1024}}, \"consumers\": {\"count\": 1},"
        " \"faults\": [{\"at_ms\": 20250, \"op\": \"crash_host\", \"node\": \"broker-a-0\", \"duration_ms\": 2000}]}";
    const char *v44[] = {"version=4.4"}, *v49[] = {"version=4.9"};
    struct th_run r;
    th_run(&r, ALONE, v44, 1);
    double lost44 = th_num(r.m, "messages.acked_lost");
    th_run_free(&r);
    th_run(&r, ALONE, v49, 1);
    double lost49 = th_num(r.m, "messages.acked_lost");
    th_run_free(&r);
    fprintf(stderr, "ASYNC_FLUSH master's host dies: %.0f acknowledged messages lost on 4.4 (woken flusher), "
                    "%.0f on 4.9 (timed)\n", lost44, lost49);
    ck_assert_double_gt(lost44, 0);
    ck_assert_double_le(lost44, 4 * 4 + 4);   /* 4 pages of 1 KiB messages, and the flush in flight */
    ck_assert_double_ge(lost49, 60);          /* about 250 ms of 300 msg/s */
    ck_assert_double_le(lost49, 90);
}
END_TEST

/* MappedFile.isAbleToFlush counts whole pages, (write / 4096) - (flush / 4096) >= flushCommitLogLeastPages (4),
 * not 16 KiB of bytes. A 4.4 master alone (its flusher woken by every put) stores a 5000-byte message every 10 ms
 * from 1 s (at 1.001 s + 10 ms k, offset 5000 k); fsyncs take 1 ms. The flushes come after messages 3 (20000:
 * page 4), 6 (35000: page 8), 9 (page 12) and 13 (page 17); counted in bytes they came after 3, 7, 11, 15. Its
 * host dies at 1.065 s (messages 0-6 stored) and at 1.125 s (0-12): 0 and 3 acknowledged messages lost, where
 * bytes lost 3 and 1. */
START_TEST(flush_least_pages_counts_page_numbers)
{
    static const char *const PAGES =
        "{\"name\": \"t\", \"run\": {\"duration_ms\": 3000, \"seed\": 1},"
        " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
        " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 1}],"
        " \"producers\": {\"rate_per_s\": 100, \"arrivals\": \"constant\", \"size\": {\"const_bytes\": 4880}},"
        " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
        " \"faults\": [{\"at_ms\": 1000, \"op\": \"crash_host\", \"node\": \"broker-a-0\", \"duration_ms\": 1000}]}";
    static const struct {
        const char *at;
        double lost;
    } rows[] = {{"faults[0].at_ms=1065", 0}, {"faults[0].at_ms=1125", 3}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *sets[] = {"version=4.4", rows[i].at};
        struct th_run r;
        th_run(&r, PAGES, sets, 2);
        ck_assert_msg(th_num(r.m, "messages.acked_lost") == rows[i].lost, "%s: %g lost", rows[i].at,
                      th_num(r.m, "messages.acked_lost"));
        th_run_free(&r);
    }
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

/* The slave's HA client trying its dead master. _i 0: the master's host dies at 20 s: no FIN, so the client
 * closes the connection at its housekeeping (20 s without a read) and then tries every 10 s, a blocking
 * connect that gets no answer for 5 s (RemotingUtil.connect, not the remoting clients' 3 s) then
 * waitForRunning(5000). _i 1: only the process dies (its host answers a reset): each connect fails 2 ms
 * after it starts and the next comes 5 s after the failure, not at the next of the client's 1 s rounds:
 * 5.002 s apart (6 s before). */
static const struct {
    const char *op;
    double every_ms;
} dead_master[] = {{"crash_host", 10000}, {"crash_process", 5002}};

START_TEST(slave_retries_a_dead_master)
{
    char dead[1024];
    static const char *const DEAD =
        "{\"name\": \"t\", \"run\": {\"duration_ms\": 100000, \"seed\": 1, \"trace\": \"events\"},"
        " \"network\": {\"latency\": {\"const_ms\": 1}},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"
        " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 1024}},"
        " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
        " \"faults\": [{\"at_ms\": 20000, \"op\": \"%s\", \"node\": \"broker-a-0\"}]}";
    snprintf(dead, sizeof dead, DEAD, dead_master[_i].op);
    struct th_run r;
    th_run(&r, dead, NULL, 0);
    const char *ev = "\"node\":\"broker-a-1\",\"ev\":\"ha.connect_failed\"";
    double first = th_first(r.trace, ev, NULL, 0);
    int n = th_count(r.trace, ev, NULL, 0, 1e12);
    double every = dead_master[_i].every_ms;
    fprintf(stderr, "%s: the slave's connects to its master fail from %.3f ms, %d in all\n", dead_master[_i].op,
            first, n);
    ck_assert_int_ge(n, 3);
    for (int k = 0; k < n; k++)
        ck_assert_msg(th_count(r.trace, ev, NULL, first + k * every - 0.5, first + k * every + 0.5) == 1,
                      "no failed connect at %.3f ms", first + k * every);
    th_run_free(&r);
}
END_TEST

/* A SYNC_MASTER group on 1 ms links, 200 msg/s (R44's one send thread, each put waiting about 3 ms for its
 * slave, keeps up), with these faults; SLAVE_DOWN: the slave's process is down from 60 s to 90 s. */
#define HA_WORLD(faults)                                                                                    \
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 140000, \"seed\": 1, \"trace\": \"full\"},"       \
    " \"network\": {\"latency\": {\"const_ms\": 1}},"                                                    \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"SYNC_MASTER\"}],"           \
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 1024}},"                         \
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"                              \
    " \"faults\": [" faults "]}"
#define SLAVE_DOWN "{\"at_ms\": 60000, \"op\": \"crash_process\", \"node\": \"broker-a-1\", \"duration_ms\": 30000}"
static const char *const SLAVE_BACK = HA_WORLD(SLAVE_DOWN);

#define SLAVE_EV(ev) "\"node\":\"broker-a-1\",\"ev\":\"" ev "\""
#define MASTER_EV(ev) "\"node\":\"broker-a-0\",\"ev\":\"" ev "\""
#define SEND_FAIL "\"ev\":\"send.fail\""

/* The restarted 4.4 slave: its HAClient's first round (at the start, 90 s) finds no master address, the
 * registration answering only later, and waits 5 s (waitForRunning(1000 * 5)); it connects at 95 s, and the
 * master counts the connection from its accept (HAConnection's constructor: connectionCount, isSlaveOK). The
 * first report waits until lastWriteTimestamp, set by connectMaster, is more than 5 s old: the fifth round
 * after the connect (ha.c says why not the sixth), 100 s. Meanwhile each put waits for the slave: the one
 * send thread is held 5 s (syncFlushTimeout) and the puts queued behind it are answered SYSTEM_BUSY after
 * 200 ms. With the clock not restarted at the connect
 * (R53's rule), the slave reports at once and no send fails after its restart. */
START_TEST(restarted_4x_slave_reports_5_s_after_its_connect)
{
    struct th_run r;
    th_run(&r, SLAVE_BACK, NULL, 0);
    double master = th_first(r.trace, SLAVE_EV("ha.master"), NULL, 90000);
    double connect = th_first(r.trace, SLAVE_EV("ha.connect"), NULL, 90000);
    double accept = th_first(r.trace, MASTER_EV("ha.accept"), NULL, 90000);
    double request = th_first(r.trace, MASTER_EV("ha.request"), NULL, 90000);
    int stalled = th_count(r.trace, SEND_FAIL, NULL, 95000, 102000);
    int after = th_count(r.trace, SEND_FAIL, NULL, 102000, 140000);
    int before = th_count(r.trace, SEND_FAIL, NULL, 60500, 95000);
    th_run_free(&r);
    fprintf(stderr, "4.4 slave back at 90 s: master known %.3f, connect %.3f, accepted %.3f, first report %.3f ms;"
            " %d sends failed in the wait, %d after it, %d before the connect\n", master, connect, accept, request,
            stalled, after, before);
    ck_assert_double_lt(master, 90010);                 /* the registration's answer */
    ck_assert_double_ge(accept, 95000);                 /* the 5 s wait of the first round */
    ck_assert_double_lt(accept, 95010);
    ck_assert_double_gt(connect, accept);
    ck_assert_double_ge(request, connect + 5000);       /* the heartbeat clock from the connect */
    ck_assert_double_lt(request, connect + 5010);       /* at the fifth round */
    ck_assert_int_gt(stalled, 800);                     /* about 5 s of 200 msg/s */
    ck_assert_int_eq(after, 0);
    ck_assert_int_eq(before, 0);                        /* no connection: SLAVE_NOT_AVAILABLE, acknowledged */

    const char *r53[] = {"broker.ha_report_clock_from_connect=false"};
    th_run(&r, SLAVE_BACK, r53, 1);
    connect = th_first(r.trace, SLAVE_EV("ha.connect"), NULL, 90000);
    request = th_first(r.trace, MASTER_EV("ha.request"), NULL, 90000);
    stalled = th_count(r.trace, SEND_FAIL, NULL, 90000, 140000);
    th_run_free(&r);
    fprintf(stderr, "the same, reporting at the connect: connect %.3f, first report %.3f ms, %d sends failed\n",
            connect, request, stalled);
    ck_assert_double_lt(request, connect + 5);
    ck_assert_int_eq(stalled, 0);
}
END_TEST

/* 5.3 (DefaultHAClient): the heartbeat clock runs from the client's start (90 s) and its last report, not
 * from the connect, so the connect at 95 s (the same 5 s wait for an address) reports at once. With
 * in_sync_replicas 2 every put waits for the slave (5.3 answers no SLAVE_NOT_AVAILABLE): the sends time out
 * while it is away, and none fails from its connect on. */
START_TEST(restarted_53_slave_reports_at_its_connect)
{
    const char *v53[] = {"version=5.3", "broker.in_sync_replicas=2"};
    struct th_run r;
    th_run(&r, SLAVE_BACK, v53, 2);
    double connect = th_first(r.trace, SLAVE_EV("ha.connect"), NULL, 90000);
    double request = th_first(r.trace, MASTER_EV("ha.request"), NULL, 90000);
    int away = th_count(r.trace, SEND_FAIL, NULL, 61000, 95000);
    int failed = th_count(r.trace, SEND_FAIL, NULL, 95100, 140000);
    th_run_free(&r);
    fprintf(stderr, "5.3 slave back at 90 s: connect %.3f, first report %.3f ms, %d sends failed while it was"
            " away, %d after\n", connect, request, away, failed);
    ck_assert_double_ge(connect, 95000);
    ck_assert_double_lt(connect, 95010);
    ck_assert_double_lt(request, connect + 5);
    ck_assert_int_gt(away, 0);
    ck_assert_int_eq(failed, 0);
}
END_TEST

/* A slave that connects and dies before its first report (its host, at 97 s: no FIN) is still counted by
 * the master, so its SYNC_MASTER puts wait for it, until ReadSocketService's housekeeping drops the silent
 * connection: at its round after 20 s, 21 s after the accept. The put waiting then ends within its 5 s, and
 * from then on puts are answered SLAVE_NOT_AVAILABLE. Without that check the group would stall for good. */
START_TEST(master_drops_an_accepted_slave_that_never_reports)
{
    struct th_run r;
    th_run(&r, HA_WORLD(SLAVE_DOWN ", {\"at_ms\": 97000, \"op\": \"crash_host\", \"node\": \"broker-a-1\"}"), NULL, 0);
    double accept = th_first(r.trace, MASTER_EV("ha.accept"), NULL, 90000);
    double drop = th_first(r.trace, MASTER_EV("ha.disconnect"), NULL, 90000);
    int waiting = th_count(r.trace, SEND_FAIL, NULL, 110000, 116000);
    int after = th_count(r.trace, SEND_FAIL, NULL, 122000, 140000);
    th_run_free(&r);
    fprintf(stderr, "slave accepted at %.3f ms and dead at 97 s: dropped at %.3f ms; sends failed %d in the"
            " last 6 s before, %d after\n", accept, drop, waiting, after);
    ck_assert_double_eq_tol(drop, accept + 21000, 1);
    ck_assert_int_gt(waiting, 0);
    ck_assert_int_eq(after, 0);
}
END_TEST

/* The master's process dies at 60 s and is back 1 ms later. Its kernel's FIN reaches the slave at
 * 60.001 s: a 4.4 slave (HAClient.run: closeMaster, then connectMaster in the next round) connects again at
 * once and reports 5 s later; a 5.3 slave (DefaultHAClient.closeMasterAndWait) waits 5 s, connects at its next
 * round and reports at once. Both replicate again from about 66 s. */
START_TEST(slave_reconnects_after_its_master_closes)
{
    for (int v = 0; v < 2; v++) {
        const char *set[] = {v ? "version=5.3" : "version=4.4"};
        struct th_run r;
        th_run(&r, HA_WORLD("{\"at_ms\": 60000, \"op\": \"crash_process\", \"node\": \"broker-a-0\","
                            " \"duration_ms\": 1}"), set, 1);
        double connect = th_first(r.trace, SLAVE_EV("ha.connect"), NULL, 59000);
        double request = th_first(r.trace, MASTER_EV("ha.request"), NULL, 59000);
        th_run_free(&r);
        fprintf(stderr, "%s slave, its master's process back at once: connect %.3f, first report %.3f ms\n",
                set[0] + 8, connect, request);
        if (v == 0) {
            ck_assert_double_lt(connect, 60010);
            ck_assert_double_ge(request, connect + 5000);
            ck_assert_double_lt(request, connect + 5010);
        } else {
            ck_assert_double_ge(connect, 65001);
            ck_assert_double_lt(connect, 66100);
            ck_assert_double_lt(request, connect + 5);
        }
    }
}
END_TEST

/* 5.3 with in_sync_replicas 2 waits for the slave as long as the producer waits for the put (3 s), so while
 * the slave is away every send times out. With clientCloseSocketIfTimeout (5.3's) each timeout closes the
 * producer's connection and fails the sends behind it, stored already and waiting; each is tried again on a
 * new connection and stored again, three attempts in all: every failed send is read three times. With the
 * close off each is stored once. */
START_TEST(timeout_close_stores_sends_again)
{
    for (int close = 0; close < 2; close++) {
        const char *set[] = {"version=5.3", "broker.in_sync_replicas=2", "run.trace=off",
                             close ? "producers.client_close_socket_if_timeout=true"
                                   : "producers.client_close_socket_if_timeout=false"};
        struct th_run r;
        th_run(&r, SLAVE_BACK, set, 4);
        double failed = th_num(r.m, "messages.send_failed"), dup = th_num(r.m, "messages.duplicates");
        th_run_free(&r);
        fprintf(stderr, "5.3, in_sync_replicas 2, slave away, close %s: %.0f sends failed, %.0f read twice\n",
                close ? "on" : "off", failed, dup);
        ck_assert_double_gt(failed, 5000);   /* about 33 s of 200 msg/s */
        ck_assert_double_eq(dup, close ? 2 * failed : 0);
    }
}
END_TEST

/* The run's first start is warm by default: the slave connects at its first round (1 s) and reports at
 * once. ha_warm_start false makes it a fresh start like a restart's: no address for 5 s, then, in 4.4, the
 * first report 5 s after the connect. */
START_TEST(warm_and_cold_first_start)
{
    struct th_run r;
    th_run(&r, SLAVE_BACK, NULL, 0);
    double connect = th_first(r.trace, SLAVE_EV("ha.connect"), NULL, 0);
    double request = th_first(r.trace, MASTER_EV("ha.request"), NULL, 0);
    th_run_free(&r);
    ck_assert_double_ge(connect, 1000);
    ck_assert_double_lt(connect, 1010);
    ck_assert_double_lt(request, connect + 5);
    const char *cold[] = {"broker.ha_warm_start=false"};
    th_run(&r, SLAVE_BACK, cold, 1);
    connect = th_first(r.trace, SLAVE_EV("ha.connect"), NULL, 0);
    request = th_first(r.trace, MASTER_EV("ha.request"), NULL, 0);
    th_run_free(&r);
    fprintf(stderr, "cold first start: connect %.3f, first report %.3f ms\n", connect, request);
    ck_assert_double_ge(connect, 5000);
    ck_assert_double_lt(connect, 5010);
    ck_assert_double_ge(request, connect + 5000);
    ck_assert_double_lt(request, connect + 5010);
}
END_TEST

/* WriteSocketService sends all it has, then waits allWaitForRunning(100), which only a SYNC_MASTER put's
 * wakeupAll ends early: a slave's report does not wake it (ReadSocketService only records the ack). So an
 * ASYNC_MASTER's transfers all come at the ends of its waits, on one 100 ms grid (1000 msg/s of 1 KiB: a
 * wait gathers 100 KiB, less than the window, so no transfer waits for the socket). Its slave's lag is a
 * sawtooth of 100 ms: sampled every 1000 ms it is caught just before a transfer every time, sampled every
 * 1013 ms its mean is about half of the 100 messages a wait gathers (README, Measurements: "Slave lag"). */
static void transfer_phase(const char *line, void *arg)
{
    double *phase = arg, t = th_field(line, "\"t_ms\":", -1);
    double p = t - 100.0 * (double)(long long)(t / 100.0);
    if (t < 2000)
        return;
    if (phase[0] < 0)
        phase[0] = p;
    else if (p - phase[0] > 1e-6 || phase[0] - p > 1e-6)
        phase[1]++;   /* off the grid */
    phase[2]++;
}

#define ASYNC_WORLD                                                                                         \
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 60000, \"seed\": 1, \"trace\": \"full\"},"              \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"                                             \
    " \"producers\": {\"rate_per_s\": 1000, \"size\": {\"const_bytes\": 1024}},"                          \
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}"

START_TEST(async_writer_sends_only_at_the_end_of_its_wait)
{
    struct th_run r;
    th_run(&r, ASYNC_WORLD, NULL, 0);
    double phase[3] = {-1, 0, 0};
    th_each(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"ha.transfer\"", transfer_phase, phase);
    double mean_1000 = th_num(r.m, "groups.0.lag.mean_msgs"), max_1000 = th_num(r.m, "groups.0.lag.max_msgs");
    th_run_free(&r);
    static const char *const sets[] = {"run.sample_ms=1013"};
    th_run(&r, ASYNC_WORLD, sets, 1);
    double mean_1013 = th_num(r.m, "groups.0.lag.mean_msgs");
    th_run_free(&r);
    fprintf(stderr, "ASYNC_MASTER writer: %.0f transfers, %.0f off its 100 ms grid; lag mean %.1f (samples every "
            "1000 ms, max %.0f), %.1f (every 1013 ms)\n", phase[2], phase[1], mean_1000, max_1000, mean_1013);
    ck_assert_double_gt(phase[2], 1000);
    ck_assert_double_eq(phase[1], 0);
    ck_assert_double_gt(mean_1000, 85);
    ck_assert_double_le(max_1000, 110);
    ck_assert_double_gt(mean_1013, 35);
    ck_assert_double_lt(mean_1013, 65);
}
END_TEST

/* R44 CommitLog.putMessage calls handleHA after handleDiskFlush has returned: under SYNC_FLUSH a SYNC_MASTER
 * tests isSlaveOK and wakes its HA writers only once the put is flushed, so the slave holds a message the
 * master has not flushed only when the writer's own 100 ms wait ends inside a flush (with one send thread, as
 * here: with several, a wakeup at one put's flush end also sends later puts not yet flushed). R498's
 * handleDiskFlushAndHA submits both at once: the slave has most puts before the master's fsync (the default
 * disk's 1 ms median against the network's 0.2 ms). Counted in 50 us steps over 2 s at 200 msg/s: the steps
 * at which the slave's log ends past what the master has flushed. */
static int slave_ahead_of_flush(const char *version)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"version\": \"%s\", \"run\": {\"duration_ms\": 10000, \"seed\": 1, \"trace\": \"off\"},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"SYNC_MASTER\", \"flush\": \"SYNC_FLUSH\"}],"
             " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 1024}},"
             " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}",
             version);
    struct scenario sc;
    th_load(&sc, text, NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    struct broker *m = w->g[0].broker[0], *s = w->g[0].broker[1];
    int ahead = 0;
    for (int k = 0; k < 40000; k++) {
        th_run_to(&sc, 5 * SIM_S + k * 50 * SIM_US);
        ahead += broker_log(s)->max_offset > m->flushed;
    }
    ck_assert_uint_gt(broker_log(s)->max_offset, 1000000);   /* replicating all along */
    scenario_free(&sc);
    return ahead;
}

START_TEST(sync_flush_44_wakes_the_writers_after_the_flush)
{
    int r44 = slave_ahead_of_flush("4.4"), r49 = slave_ahead_of_flush("4.9");
    fprintf(stderr, "slave past the master's flush: %d steps of 40000 on 4.4, %d on 4.9\n", r44, r49);
    ck_assert_int_lt(r44, 800);
    ck_assert_int_gt(r49, 4000);
}
END_TEST

/* What 4.9's wakeup at the put costs with slave reads (explore on sync_master_explore.json with both groups
 * SYNC_FLUSH and slave_read_enable, 2 MB of host memory so that consumers are sent to the slaves; 4.9, seed
 * 55, shrunk): broker-b's master's host dies at 94.506 s while its slave already holds the last two puts,
 * which the master had not flushed (their producers time out). The master is back at 106.196 s and stores
 * two other messages at the same offsets (SLAVE_NOT_AVAILABLE: no slave yet); the slave resumes from its own
 * end (ha.diverged: two messages each side), so from there its queues number the messages one apart from the
 * master's, and a consumer sent to the slave at a queue offset skips the master's message: two acknowledged
 * messages never consumed, none lost. 4.4, whose writers wake after the flush, passes. */
static void diverged_slave_read(const char *version, int status, struct th_run *r)
{
    const char *sets[] = {version};
    th_run_exit(r,
                "{\"name\": \"t\", \"run\": {\"duration_ms\": 300000, \"seed\": 55, \"trace\": \"off\"},"
                TH_SYNC_FLUSH_PAIR(", \"slave_read_enable\": true, \"host_memory_bytes\": 2000000", "")
                " \"consumers\": {\"count\": 2},"
                " \"faults\": [{\"at_ms\": 94506, \"op\": \"crash_host\", \"node\": \"broker-b-0\", \"duration_ms\": 11690}],"
                " \"checks\": {\"liveness_after_ms\": 120944, \"recovery_bound_ms\": 1800000}}",
                sets, 1, status);
}

START_TEST(slave_read_after_a_diverged_log_skips_on_49)
{
    struct th_run r;
    diverged_slave_read("version=4.9", 1, &r);
    ck_assert_double_eq(th_num(r.m, "messages.acked_unconsumed"), 2);
    ck_assert_double_eq(th_num(r.m, "messages.acked_lost"), 0);
    ck_assert_double_eq(th_num(r.m, "groups.1.diverged_msgs"), 2);
    ck_assert_str_eq(th_at(r.m, "invariants.violations.0.invariant")->valuestring, "acked_not_consumed");
    th_run_free(&r);
    diverged_slave_read("version=4.4", 0, &r);
    ck_assert_double_eq(th_num(r.m, "messages.acked_unconsumed"), 0);
    ck_assert_double_eq(th_num(r.m, "groups.1.diverged_msgs"), 0);
    th_run_free(&r);
}
END_TEST

/* isSlaveOK compares Java longs: a slave that has already acknowledged later puts (several send threads, or
 * 4.7+'s asynchronous puts, each woken at its own flush end) is in reach of this one. A healthy 4.4 SYNC_MASTER
 * with SYNC_FLUSH and 16 send threads answers every put SUCCESS; the test done in unsigned arithmetic wrapped
 * and answered 4,712 of 28,998 SLAVE_NOT_AVAILABLE. */
START_TEST(slave_past_the_put_is_in_reach)
{
    struct th_run r;
    static const char *const sets[] = {"broker.send_message_thread_pool_nums=16"};
    th_run(&r,
           "{\"name\": \"t\", \"run\": {\"duration_ms\": 30000, \"seed\": 1, \"trace\": \"off\"},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"SYNC_MASTER\", \"flush\": \"SYNC_FLUSH\"}],"
           " \"producers\": {\"rate_per_s\": 1000, \"size\": {\"const_bytes\": 1024}},"
           " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}",
           sets, 1);
    ck_assert_double_gt(th_num(r.m, "messages.status.SUCCESS"), 28000);
    ck_assert_ptr_null(th_at(r.m, "messages.status.SLAVE_NOT_AVAILABLE"));
    th_run_free(&r);
}
END_TEST

/* A slave that catches up on a slow link: from 1 s the master's link to it carries 8 Mbit/s (1 MB/s), its process
 * is down from 2 s to 5 s, and the producer writes 2 MB/s (500 x 4 KiB). Its first report after the reconnect
 * (15.003 s: the address 5 s after the restart, the report 5 s after the connect) starts a catch-up of about
 * 7 MB, each 32 KiB frame it appends one ack that raises push2SlaveMaxOffset but not up to the put. R44's
 * GroupTransferService gives a put 5 wake-ups (doWaitTransfer; the first ends at once on the notice an earlier
 * ack left), so a put then is answered FLUSH_SLAVE_TIMEOUT after 4-5 acks, about 150 ms of service (350 ms
 * with its time in the send queue), long before syncFlushTimeout (5 s, when the wait used to end); 4.9's
 * deadline loop waits slaveTimeout (3 s). */
struct fst_count {
    double after, max_ms;
    int n;
};

static void fst_line(const char *l, void *arg)
{
    struct fst_count *c = arg;
    if (!th_has(l, "\"status\":\"FLUSH_SLAVE_TIMEOUT\"") || th_field(l, "\"t_ms\":", -1) <= c->after)
        return;
    double ms = th_field(l, "\"latency_ms\":", -1);
    c->max_ms = ms > c->max_ms ? ms : c->max_ms;
    c->n++;
}

static struct fst_count catch_up_timeouts(const char *version)
{
    static const char *const LAG =
        "{\"name\": \"t\", \"run\": {\"duration_ms\": 20000, \"seed\": 7, \"trace\": \"full\"},"
        " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"SYNC_MASTER\"}],"
        " \"producers\": {\"rate_per_s\": 500, \"size\": {\"const_bytes\": 4096}, \"send_msg_timeout_ms\": 10000},"
        " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
        " \"faults\": [{\"at_ms\": 1000, \"op\": \"link\", \"from\": \"broker-a-0\", \"to\": \"broker-a-1\","
        "   \"both_ways\": false, \"bandwidth_mbit_per_s\": 8},"
        "   {\"at_ms\": 2000, \"op\": \"crash_process\", \"node\": \"broker-a-1\", \"duration_ms\": 3000}]}";
    const char *sets[] = {version};
    struct th_run r;
    th_run(&r, LAG, sets, 1);
    struct fst_count c = {th_first(r.trace, "\"ev\":\"ha.request\"", NULL, 3000), 0, 0};
    ck_assert_double_eq_tol(c.after, 15003.064, 1e-6);
    th_each(r.trace, "\"ev\":\"send.ack\"", fst_line, &c);
    th_run_free(&r);
    return c;
}

START_TEST(sync_master_44_gives_up_after_five_wakeups)
{
    struct fst_count c44 = catch_up_timeouts("version=\"4.4\""), c49 = catch_up_timeouts("version=\"4.9\"");
    fprintf(stderr, "catch-up on a slow link: 4.4 %d FLUSH_SLAVE_TIMEOUT, the slowest in %.1f ms; 4.9 %d, %.1f ms\n",
            c44.n, c44.max_ms, c49.n, c49.max_ms);
    ck_assert_int_gt(c44.n, 20);
    ck_assert_double_lt(c44.max_ms, 400);
    ck_assert_int_gt(c49.n, 20);
    ck_assert_double_ge(c49.max_ms, 3000);
}
END_TEST

/* The slave HA client's clocks by release (ha_heartbeat_clock, ha_housekeeping_clock). No message for the
 * first 90 s: on 4.4 the heartbeat's clock runs from the last read, so the master's own heartbeats keep the
 * slave from reporting, and the master's housekeeping drops the idle connection again and again (#1082, fixed
 * in 4.5.2 by #1083); 4.9 and 5.3 report every 5 s and keep it. */
#define IDLE                                                                                                  \
    "{\"name\": \"idle\", \"run\": {\"duration_ms\": 120000, \"seed\": 1, \"trace\": \"events\"},"           \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"                                             \
    " \"producers\": {\"rate_per_s\": 100, \"start_ms\": 90000}, \"consumers\": {\"count\": 1},"             \
    " \"operator\": {\"enabled\": false}}"
#define MASTER_DROP "\"node\":\"broker-a-0\",\"ev\":\"ha.disconnect\""
#define SLAVE_DROP "\"node\":\"broker-a-1\",\"ev\":\"ha.disconnect\""

START_TEST(idle_44_connection_dropped_by_the_master)
{
    struct th_run r;
    th_run(&r, IDLE, NULL, 0);
    ck_assert_int_ge(th_count(r.trace, MASTER_DROP, NULL, 0, 90000), 2);
    ck_assert_int_eq(th_count(r.trace, MASTER_DROP, NULL, 0, 25000), 0);   /* report 5 s after the connect */
    th_run_free(&r);
    static const char *const v[][1] = {{"version=4.9"}, {"version=5.3"}};
    for (int i = 0; i < 2; i++) {
        th_run(&r, IDLE, v[i], 1);
        ck_assert_msg(th_count(r.trace, "\"ev\":\"ha.disconnect\"", NULL, 0, 1e12) == 0, "%s", v[i][0]);
        th_run_free(&r);
    }
}
END_TEST

/* The slave is cut off from its master from 30 s to 90 s. On 4.4 and 5.3 it closes the connection 20 s after
 * its last read (50 s) and connects again after the heal. A 4.9 slave's housekeeping runs from its own last
 * report, which it goes on writing every 5 s: it keeps the dead connection (the master closed its side at
 * 50 s) until its held reports reach the master after the heal, on TCP's backed-off retransmission at 132.2 s
 * (30 s + 0.2 s x (2^9 - 1)), and the master's reset ends it. */
#define CUT                                                                                                   \
    "{\"name\": \"cut\", \"run\": {\"duration_ms\": 160000, \"seed\": 1, \"trace\": \"events\"},"            \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}], \"producers\": {\"rate_per_s\": 100},"       \
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}, \"faults\": [{\"at_ms\": 30000,"   \
    " \"op\": \"partition\", \"a\": [\"broker-a-0\"], \"b\": [\"broker-a-1\"], \"duration_ms\": 60000}]}"

START_TEST(slave_housekeeping_clock_by_release)
{
    struct th_run r;
    static const char *const v[][1] = {{"version=4.4"}, {"version=5.3"}};
    for (int i = 0; i < 2; i++) {
        th_run(&r, CUT, v[i], 1);
        ck_assert_msg(th_count(r.trace, SLAVE_DROP, NULL, 49999, 50001) == 1, "%s", v[i][0]);
        ck_assert_msg(th_count(r.trace, SLAVE_DROP, NULL, 50001, 1e12) == 0, "%s", v[i][0]);
        th_run_free(&r);
    }
    static const char *const v49[] = {"version=4.9"};
    th_run(&r, CUT, v49, 1);
    ck_assert_int_eq(th_count(r.trace, MASTER_DROP, NULL, 50000, 50001), 1);
    ck_assert_int_eq(th_count(r.trace, SLAVE_DROP, NULL, 0, 132000), 0);
    ck_assert_int_eq(th_count(r.trace, SLAVE_DROP, NULL, 132000, 132300), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"ha.connect\"", NULL, 132000, 132400), 1);
    th_run_free(&r);
}
END_TEST

static Suite *store_ha_suite(void)
{
    Suite *s = suite_create("store_ha");
    TCase *tc = tcase_create("classic");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, sync_flush_slave_flushes_every_10_ms);
    tcase_add_test(tc, untimed_flusher_woken_by_every_put);
    tcase_add_test(tc, flush_least_pages_counts_page_numbers);
    tcase_add_test(tc, slave_keeps_master_address_without_one_in_the_answer);
    tcase_add_loop_test(tc, slave_retries_a_dead_master, 0, 2);
    tcase_add_test(tc, restarted_4x_slave_reports_5_s_after_its_connect);
    tcase_add_test(tc, restarted_53_slave_reports_at_its_connect);
    tcase_add_test(tc, master_drops_an_accepted_slave_that_never_reports);
    tcase_add_test(tc, slave_reconnects_after_its_master_closes);
    tcase_add_test(tc, timeout_close_stores_sends_again);
    tcase_add_test(tc, warm_and_cold_first_start);
    tcase_add_test(tc, async_writer_sends_only_at_the_end_of_its_wait);
    tcase_add_test(tc, sync_flush_44_wakes_the_writers_after_the_flush);
    tcase_add_test(tc, slave_read_after_a_diverged_log_skips_on_49);
    tcase_add_test(tc, slave_past_the_put_is_in_reach);
    tcase_add_test(tc, sync_master_44_gives_up_after_five_wakeups);
    tcase_add_test(tc, idle_44_connection_dropped_by_the_master);
    tcase_add_test(tc, slave_housekeeping_clock_by_release);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(store_ha_suite()); }
