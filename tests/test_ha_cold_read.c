/* test_ha_cold_read: a master's HA writer reads a frame's bytes that are not in the page cache from the disk
 * before it sends the frame. HAConnection.WriteSocketService writes the frame's body straight from the
 * CommitLog's mapped file (getCommitLogData, transferData), so its thread takes the page faults, and it is
 * the connection's only writer: nothing more goes to that slave until the read is done. mqsim's page cache is
 * what was written since the host last came back, up to `host_memory_bytes` behind the CommitLog's end, and
 * what reads brought in with their readahead windows (the default 128 KiB: page_cache.c); on constant 1 ms
 * links, with `disk.read_latency` a constant so the frames' delays can be read off the trace. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

/* A 4.4 ASYNC_MASTER and its slave, 200 msg/s of 100 bytes (220 stored bytes each: 44,000 bytes a second).
 * The slave's process is down from 2 s to 10 s; back, it finds the master by 10,004 ms, connects at 15 s
 * (its first round waits 5 s for an address) and reports its offset, 39,820, 5 s later (R44: the report's
 * clock restarts at the connect): the master's writer starts at 20,003 ms, with about 850,000 bytes to send.
 * No consumer (it starts after the run). */
static const char *const WORLD =
    "{\"name\": \"t\", \"version\": \"4.4\", \"run\": {\"duration_ms\": %d, \"seed\": 3, \"trace\": \"full\","
    " \"sample_ms\": 10},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"read_latency\": {\"const_ms\": %d}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\", \"host_memory_bytes\": %s}],"
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"start_ms\": 100000},"
    " \"operator\": {\"enabled\": false},"
    " \"faults\": [%s{\"at_ms\": 2000, \"op\": \"crash_process\", \"node\": \"broker-a-1\", \"duration_ms\": 8000}]}";

#define COLD "\"ev\":\"ha.cold_read\""
#define TRANSFER "\"ev\":\"ha.transfer\""
#define REQUEST "\"ev\":\"ha.request\""
#define AHEAD "\"ev\":\"page.readahead\""

static void run_world(struct th_run *r, int duration_ms, int read_ms, const char *memory, const char *faults)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, WORLD, duration_ms, read_ms, memory, faults);
    th_run(r, buf, NULL, 0);
}

/* The first sample at or after `from` where the slave is less than 20,000 bytes behind its master (the
 * group's row of timeseries.csv: group, t_ms, master_max_offset, slave1_lag_bytes, ...), or -1. */
static double caught_up(const char *series, double from)
{
    for (const char *p = strstr(series, "\nbroker-a,"); p; p = strstr(p + 1, "\nbroker-a,")) {
        char *q;
        double t = strtod(p + 10, &q);
        const char *lag = strchr(q + 1, ',');
        if (t >= from && lag && lag[1] != ',' && strtod(lag + 1, NULL) < 20000)
            return t;
    }
    return -1;
}

/* Host memory 100,000 bytes: the slave's offset is about 800,000 bytes behind the end, so the writer faults its
 * frames' pages in before it sends them. The first frame's fault reads the readahead window around its first
 * page (128 KiB cut to the 24 pages the memory holds: 98,304 bytes from 0, 187.5 us at 500 MiB/s), marked
 * PG_readahead at 73,728; the second frame reaches the mark, and the next window is read ahead, cut to what the
 * memory holds beside the 24,576 bytes still ahead of the writer: 73,728 bytes from 98,304 (140.625 us), and
 * the frame's pages from 98,304 on start the next, 24,576 bytes; the second frame goes when the first of the
 * two reads ends, the next two with it. One read the writer faults, 13 read ahead, and the slave is within
 * 20,000 bytes of the end at the 20,080 ms sample with 5 ms reads, 20,290 with 20 ms. When every window was
 * read at a fault, the writer waiting, 15 reads made it 20,090 and 20,310 ms; when each frame read its own 32
 * KiB (62.5 us) the k-th frame went at 20,003 + k * (read_latency + 0.0625) ms, 22 reads, and the slave was
 * caught up at 20,120 and 20,450 ms; without reads every frame went at once, the window's worth at 20,003 ms,
 * and the slave had caught up at 20,020 ms whatever the read latency. */
START_TEST(slave_catch_up_waits_for_the_reads)
{
    struct th_run fast, slow;
    run_world(&fast, 22000, 5, "100000", "");
    run_world(&slow, 22000, 20, "100000", "");
    const struct th_run *r[2] = {&fast, &slow};
    const double read_ms[2] = {5, 20}, caught[2] = {20080, 20290};
    for (int i = 0; i < 2; i++) {
        double request = th_first(r[i]->trace, REQUEST, NULL, 15000);
        ck_assert_double_eq_tol(request, 20003, 1e-9);
        double first = request + read_ms[i] + 0.1875, second = first + read_ms[i] + 0.140625;
        ck_assert_double_eq_tol(th_first(r[i]->trace, TRANSFER, NULL, 15000), first, 1e-6);
        ck_assert_double_eq_tol(th_first(r[i]->trace, TRANSFER, "\"offset\":72588", 15000), second, 1e-6);
        ck_assert_double_eq_tol(th_first(r[i]->trace, TRANSFER, "\"offset\":105356", 15000), second, 1e-6);
        ck_assert_double_eq_tol(th_first(r[i]->trace, TRANSFER, "\"offset\":138124", 15000), second, 1e-6);
        ck_assert_double_eq(caught_up(r[i]->series, 20000), caught[i]);
        ck_assert_double_eq_tol(th_first(r[i]->trace, COLD, NULL, 0), request, 1e-9);   /* at the first cut */
        const char *p = strstr(r[i]->trace, COLD);
        ck_assert_ptr_nonnull(p);
        ck_assert_double_eq(th_field(p, "\"offset\":", -1), 39820);
        ck_assert_double_eq(th_field(p, "\"bytes\":", -1), 98304);
        ck_assert_int_eq(th_count(r[i]->trace, COLD, NULL, 0, 1e9), 1);
        ck_assert_int_eq(th_count(r[i]->trace, AHEAD, NULL, 0, 1e9), 13);
        ck_assert_int_eq(th_count(r[i]->trace, AHEAD, "\"node\":\"broker-a-0\"", 0, 1e9), 13);
        p = strstr(r[i]->trace, AHEAD);
        ck_assert_ptr_nonnull(p);
        ck_assert_double_eq_tol(th_first(r[i]->trace, AHEAD, NULL, 0), first, 1e-6);
        ck_assert_double_eq(th_field(p, "\"offset\":", -1), 98304);
        ck_assert_double_eq(th_field(p, "\"bytes\":", -1), 73728);
        p = strstr(p + 1, AHEAD);
        ck_assert_ptr_nonnull(p);
        ck_assert_double_eq(th_field(p, "\"offset\":", -1), 172032);
        ck_assert_double_eq(th_field(p, "\"bytes\":", -1), 24576);
    }
    th_run_free(&fast);
    th_run_free(&slow);
}
END_TEST

/* The default host memory (24 GiB): every frame is in the page cache, nothing is read, and the run is the
 * same whatever the read latency: the first frames go at 20,003 ms, when the slave's report comes. */
START_TEST(in_cache_transfer_costs_nothing)
{
    struct th_run fast, slow;
    run_world(&fast, 22000, 5, "25769803776", "");
    run_world(&slow, 22000, 20, "25769803776", "");
    ck_assert_int_eq(th_count(fast.trace, COLD, NULL, 0, 1e9), 0);
    ck_assert_double_eq_tol(th_first(fast.trace, TRANSFER, NULL, 15000), 20003, 1e-9);
    ck_assert_int_gt(th_count(fast.trace, TRANSFER, NULL, 20003, 20003.5), 1);
    ck_assert_double_eq(caught_up(fast.series, 20000), 20020);
    ck_assert_str_eq(fast.trace, slow.trace);
    ck_assert_str_eq(fast.series, slow.series);
    th_run_free(&fast);
    th_run_free(&slow);
}
END_TEST

/* The master's process dies at 20,050 ms while the first frame's 100 ms read is in flight (it would end at
 * 20,103.1875 ms) and is back at 21,050 ms. The read's frame dies with the process: nothing is sent from it;
 * the pages it reads do not (the kernel ends the read, and a process crash keeps the page cache). The restarted
 * master's HA starts afresh: the slave connects again and reports, the writer finds the first frame in those
 * pages and sends it at once; the second reaches the window's PG_readahead mark and waits for the next window,
 * read ahead (73,728 bytes: 100.140625 ms), and the slave catches up (at 100 ms a read the writer outruns the
 * producer). When every window was read at a fault, the second frame's tail faulted in 100.09375 ms (49,152
 * bytes); before the page cache kept what reads brought in, the restarted writer read the first frame again and
 * sent it 100.0625 ms later; without reads the frames had gone at 20,003 ms and nothing was read. */
START_TEST(master_crash_during_a_read)
{
    struct th_run r;
    run_world(&r, 45000, 100, "100000",
              "{\"at_ms\": 20050, \"op\": \"crash_process\", \"node\": \"broker-a-0\", \"duration_ms\": 1000}, ");
    double request = th_first(r.trace, REQUEST, NULL, 21050);
    ck_assert_double_gt(request, 21050);
    ck_assert_int_eq(th_count(r.trace, TRANSFER, NULL, 15000, request), 0);
    ck_assert_double_eq_tol(th_first(r.trace, TRANSFER, NULL, 15000), request, 1e-9);
    ck_assert_double_eq_tol(th_first(r.trace, "\"ev\":\"page.hit\"", NULL, 15000), request, 1e-9);
    ck_assert_double_eq_tol(th_first(r.trace, TRANSFER, "\"offset\":72588", 15000), request + 100.140625, 1e-6);
    ck_assert_double_eq_tol(th_first(r.trace, COLD, NULL, 15000), 20003, 1e-9);
    ck_assert_int_eq(th_count(r.trace, COLD, NULL, 20003.5, request + 1000), 0);   /* the windows read ahead */
    ck_assert_double_eq_tol(th_first(r.trace, AHEAD, NULL, 20003), request, 1e-9);   /* the second frame's */
    ck_assert_int_gt(th_count(r.trace, TRANSFER, NULL, request, 1e9), 20);
    double caught = caught_up(r.series, request);
    ck_assert_double_gt(caught, request);
    ck_assert_double_lt(caught, 44000);
    th_run_free(&r);
}
END_TEST

/* The slave's process dies at 20,100 ms while the master reads its first frame (15 s reads: it ends at
 * 35,003.1875 ms) and is back at 20,600 ms. The master drops the connection (its slot is free), takes the
 * slave's new one into the same slot at 25,601 ms, and at its report (30,603 ms) cuts its first frame, whose
 * pages are the ones the first read is bringing in: it waits for that read (a page.hit until its end). The
 * first read's end finds the slot holding another connection: it sends nothing (the slot's generation moved
 * on); the new connection's frame goes then, and its next frame reaches the window's PG_readahead mark and waits
 * for the next window, read ahead past the run's end. Before the
 * page cache kept what reads brought in, the new connection read its frame again, behind the first read, and
 * sent nothing in the run; without reads the frames went at the reports. */
START_TEST(a_read_outlives_its_connection)
{
    struct th_run r;
    run_world(&r, 40000, 15000, "100000",
              "{\"at_ms\": 20100, \"op\": \"crash_process\", \"node\": \"broker-a-1\", \"duration_ms\": 500}, ");
    double request = th_first(r.trace, REQUEST, NULL, 20100);
    ck_assert_double_eq_tol(request, 30603, 1e-9);
    ck_assert_int_eq(th_count(r.trace, TRANSFER, NULL, 15000, 1e9), 1);
    ck_assert_double_eq_tol(th_first(r.trace, TRANSFER, NULL, 15000), 35003.1875, 1e-6);
    const char *hit = strstr(r.trace, "\"ev\":\"page.hit\"");
    ck_assert_ptr_nonnull(hit);
    ck_assert_double_eq_tol(th_field(hit, "\"until_ms\":", -1), 35003.1875, 1e-6);
    ck_assert_double_eq_tol(th_first(r.trace, "\"ev\":\"page.hit\"", NULL, 15000), request, 1e-9);
    ck_assert_double_eq_tol(th_first(r.trace, COLD, NULL, 15000), 20003, 1e-9);
    ck_assert_double_eq_tol(th_first(r.trace, AHEAD, NULL, 20003), 35003.1875, 1e-6);
    ck_assert_int_eq(th_count(r.trace, COLD, NULL, 0, 1e9), 1);
    th_run_free(&r);
}
END_TEST

/* Controller mode (5.3, AutoSwitchHAConnection), the same slave down from 2 s to 10 s, one controller: the
 * slave is back and shakes hands at once, and the master's writer starts at 10,015 ms from 39,600; it reads
 * its frames as a classic master does (one read of 98,304 bytes at the first frame's fault, then 5 windows read
 * ahead), and the slave is within 20,000 bytes of the end at the 10,050 ms sample with 5 ms reads, 10,140 with
 * 20 ms, as when every window was read at a fault (6 reads) (10,030 without reads; 10,060 and 10,200 when each
 * frame read its own bytes). */
static const char *const CTL_WORLD =
    "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 12000, \"seed\": 3, \"trace\": \"full\","
    " \"sample_ms\": 10},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"read_latency\": {\"const_ms\": %d}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"ha\": \"controller\", \"host_memory_bytes\": 100000}],"
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"start_ms\": 100000}, \"operator\": {\"enabled\": false}, \"controllers\": {\"count\": 1},"
    " \"faults\": [{\"at_ms\": 2000, \"op\": \"crash_process\", \"node\": \"broker-a-1\", \"duration_ms\": 8000}]}";

START_TEST(controller_mode_reads_as_classic)
{
    const int read_ms[2] = {5, 20};
    const double caught[2] = {10050, 10140};
    for (int i = 0; i < 2; i++) {
        static char buf[2048];
        struct th_run r;
        snprintf(buf, sizeof buf, CTL_WORLD, read_ms[i]);
        th_run(&r, buf, NULL, 0);
        ck_assert_double_eq(caught_up(r.series, 10000), caught[i]);
        ck_assert_double_eq_tol(th_first(r.trace, TRANSFER, NULL, 10000), 10015 + read_ms[i] + 0.1875, 1e-6);
        ck_assert_int_eq(th_count(r.trace, COLD, NULL, 0, 1e9), 1);
        ck_assert_int_eq(th_count(r.trace, AHEAD, NULL, 0, 1e9), 5);
        ck_assert_double_eq_tol(th_first(r.trace, COLD, NULL, 10000), 10015, 1e-9);
        const char *p = strstr(r.trace, COLD);
        ck_assert_ptr_nonnull(p);
        ck_assert_double_eq(th_field(p, "\"offset\":", -1), 39600);
        th_run_free(&r);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ha_cold_read");
    TCase *tc = tcase_create("ha");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, slave_catch_up_waits_for_the_reads);
    tcase_add_test(tc, in_cache_transfer_costs_nothing);
    tcase_add_test(tc, master_crash_during_a_read);
    tcase_add_test(tc, a_read_outlives_its_connection);
    tcase_add_test(tc, controller_mode_reads_as_classic);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
