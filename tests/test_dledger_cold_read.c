/* test_dledger_cold_read: a DLedger leader's dispatcher reads the entries it pushes a follower from the disk
 * when they are not in the page cache. DLedgerEntryPusher.EntryDispatcher takes each entry it pushes from
 * DLedgerMmapFileStore.get (getDLedgerEntryForAppend), which decodes it from the mapped data file, so the
 * dispatcher's thread takes the page faults and pushes nothing meanwhile. mqsim reads the pages holding an
 * entry's cold bytes with their readahead windows (the default 128 KiB), which stay in the page cache for its
 * next entries (page_cache.c). On constant 1 ms links, with `disk.read_latency` a constant. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

/* A 4.9 DLedger group of three (broker-a-1 leads from 402 ms with seed 3), 200 msg/s of 100 bytes (220 stored
 * bytes) from 5 s, 100,000 bytes of host memory; follower broker-a-2's process is down from 10 s to 20 s, and
 * comes back 2,000 entries (440,000 bytes) behind. No consumer (it starts after the run). */
static const char *const WORLD =
    "{\"name\": \"t\", \"version\": \"4.9\", \"run\": {\"duration_ms\": 30000, \"seed\": 3, \"trace\": \"full\","
    " \"sample_ms\": 10},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"read_latency\": {\"const_ms\": %d}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\", \"host_memory_bytes\": %s}],"
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false,"
    " \"start_ms\": 5000},"
    " \"consumers\": {\"start_ms\": 100000},"
    " \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 10000, \"op\": \"crash_process\", \"node\": \"broker-a-2\", \"duration_ms\": 10000}]}";

#define COLD "\"ev\":\"raft.cold_read\""
#define AHEAD "\"ev\":\"page.readahead\""

static void run_world(struct th_run *r, int read_ms, const char *memory)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, WORLD, read_ms, memory);
    th_run(r, buf, NULL, 0);
}

/* The first sample at or after `from` where broker-a-2 (the group row's slave2_lag_bytes, its 6th column) is
 * less than 20,000 bytes behind, or -1. */
static double caught_up(const char *series, double from)
{
    for (const char *p = strstr(series, "\nbroker-a,"); p; p = strstr(p + 1, "\nbroker-a,")) {
        double t = strtod(p + 10, NULL);
        const char *c = p + 1;
        for (int k = 0; k < 5 && c; k++)
            c = strchr(c + 1, ',');
        if (t >= from && c && c[1] != ',' && strtod(c + 1, NULL) < 20000)
            return t;
    }
    return -1;
}

/* The follower comes back 440,000 bytes behind: the leader's dispatcher reads the pages of the entries it
 * pushes it, with their readahead windows (cut to the 98,304 bytes the host's memory holds), the first (index
 * 2,000, its first push after the restart) at 20,512 ms, and the follower is within 20,000 bytes of the end at
 * 22,050 ms with 5 ms reads, 22,230 ms with 20 ms. Its new pushes and its resends of the entries after the
 * water-mark run about 220,000 bytes apart, and the two windows do not both fit in 100,000 bytes of memory:
 * each read evicts the other's (242 reads at faults with 5 ms reads, and 7 windows read ahead when a push
 * reached a window's PG_readahead mark). When every window was read at a fault (250 reads) the follower was
 * there at 22,060 and 22,210 ms; when the dispatcher read the 4 KiB pages of its entries alone, keeping those
 * of its last two reads, in one queue with the fsyncs, at 22,460 and 24,370 ms, 143 reads; without reads at
 * 22,010 ms whatever the read latency. */
START_TEST(follower_catch_up_waits_for_the_reads)
{
    struct th_run fast, slow;
    run_world(&fast, 5, "100000");
    run_world(&slow, 20, "100000");
    ck_assert_double_eq(caught_up(fast.series, 20000), 22050);
    ck_assert_double_eq(caught_up(slow.series, 20000), 22230);
    ck_assert_double_eq_tol(th_first(fast.trace, COLD, NULL, 20000), 20512, 1e-9);
    const char *p = strstr(fast.trace, "\"t_ms\":20512.000,");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(th_on_line(p, COLD));
    ck_assert_double_eq(th_field(p, "\"index\":", -1), 2000);
    ck_assert_double_eq(th_field(p, "\"bytes\":", -1), 98304);   /* the window around its page */
    ck_assert_int_eq(th_count(fast.trace, COLD, "\"node\":\"broker-a-1\"", 0, 1e9),
                     th_count(fast.trace, COLD, NULL, 0, 1e9));
    ck_assert_int_eq(th_count(fast.trace, COLD, NULL, 20000, 1e9), 242);
    ck_assert_int_eq(th_count(fast.trace, AHEAD, "\"node\":\"broker-a-1\"", 0, 1e9), 7);
    ck_assert_int_eq(th_count(fast.trace, AHEAD, NULL, 0, 1e9), 7);
    th_run_free(&fast);
    th_run_free(&slow);
}
END_TEST

/* The default host memory (24 GiB): every entry is in the page cache, nothing is read, and the run is the same
 * whatever the read latency, the follower caught up at 22,010 ms as without reads. */
START_TEST(in_cache_push_costs_nothing)
{
    struct th_run fast, slow;
    run_world(&fast, 5, "25769803776");
    run_world(&slow, 20, "25769803776");
    ck_assert_int_eq(th_count(fast.trace, COLD, NULL, 0, 1e9), 0);
    ck_assert_double_eq(caught_up(fast.series, 20000), 22010);
    ck_assert_str_eq(fast.trace, slow.trace);
    ck_assert_str_eq(fast.series, slow.series);
    th_run_free(&fast);
    th_run_free(&slow);
}
END_TEST

/* Batch push (enable_batch_push): the dispatcher asks for a batch's entries before it sends the batch, and
 * the pages their cold bytes fault in are read, with their readahead windows, in one read: the first after the
 * restart, at 20,512 ms, takes entries 2,000-2,015 (16 entries of 220 bytes and a 48-byte header reach
 * max_batch_push_size, 4,096 bytes) and reads 98,304 bytes (the window cut to what the host's memory holds).
 * The follower is within 20,000 bytes of the end at 22,040 ms with 5 ms reads (96 reads at faults from then on
 * and 8 windows read ahead; 104 reads when every window was read at a fault, and the same 22,040 ms), against
 * 22,010 ms with its entries in the page cache, which no read delays. */
START_TEST(batch_push_waits_for_the_reads)
{
    static const char *const batch[] = {"broker.enable_batch_push=true"};
    char buf[2048];
    struct th_run cold, warm;
    snprintf(buf, sizeof buf, WORLD, 5, "100000");
    th_run(&cold, buf, batch, 1);
    snprintf(buf, sizeof buf, WORLD, 5, "25769803776");
    th_run(&warm, buf, batch, 1);
    ck_assert_double_eq(caught_up(cold.series, 20000), 22040);
    ck_assert_double_eq(caught_up(warm.series, 20000), 22010);
    ck_assert_int_eq(th_count(warm.trace, COLD, NULL, 0, 1e9), 0);
    const char *p = strstr(cold.trace, "\"t_ms\":20512.000,");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(th_on_line(p, COLD));
    ck_assert_double_eq(th_field(p, "\"index\":", -1), 2000);
    ck_assert_double_eq(th_field(p, "\"count\":", -1), 16);
    ck_assert_double_eq(th_field(p, "\"bytes\":", -1), 98304);
    ck_assert_int_eq(th_count(cold.trace, COLD, "\"node\":\"broker-a-1\"", 0, 1e9),
                     th_count(cold.trace, COLD, NULL, 0, 1e9));
    ck_assert_int_eq(th_count(cold.trace, COLD, NULL, 20000, 1e9), 96);
    ck_assert_int_eq(th_count(cold.trace, AHEAD, NULL, 0, 1e9), 8);
    th_run_free(&cold);
    th_run_free(&warm);
}
END_TEST

/* doCompare and doTruncate decode their entry with dLedgerStore.get too (DL DLedgerEntryPusher.doCompare,
 * doTruncate). Follower broker-a-2 is down from 10 s to 20 s, and the leader, broker-a-1, dies at 20.3 s, before
 * it has caught up; broker-a-0 leads from 25,272 ms and its dispatcher compares at its own end (in the page
 * cache): broker-a-2 answers INCONSISTENT_STATE with its end, 999, an entry 100,000 bytes of memory no longer hold,
 * which the dispatcher reads (25,782 ms) before it compares there; the append of entry 1,000 then finds its page in
 * that window. When the compare read nothing, entry 1,000's push read it, 2 ms later. The dispatcher for the dead
 * broker-a-1 compares every 500 ms at the index it took when it began, 3,059: once the memory no longer holds it,
 * the first retry reads it, and the others find it read in. */
START_TEST(compare_reads_its_entry)
{
    static const char *const sets[] = {
        "faults=[{\"at_ms\": 10000, \"op\": \"crash_process\", \"node\": \"broker-a-2\", \"duration_ms\": 10000},"
        " {\"at_ms\": 20300, \"op\": \"crash_process\", \"node\": \"broker-a-1\", \"duration_ms\": 30000}]",
        "run.duration_ms=40000"};
    char buf[2048];
    struct th_run r;
    snprintf(buf, sizeof buf, WORLD, 5, "100000");
    th_run(&r, buf, sets, 2);
    ck_assert_double_eq_tol(th_first(r.trace, "\"ev\":\"raft.role\"", "\"role\":\"leader\"", 20300), 25272, 1e-9);
    const char *p = strstr(r.trace, "\"t_ms\":25782.000,");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(th_on_line(p, COLD));
    ck_assert_double_eq(th_field(p, "\"index\":", -1), 999);
    ck_assert_ptr_nonnull(th_on_line(p, "\"peer\":\"broker-a-2\""));
    ck_assert_int_eq(th_count(r.trace, COLD, "\"index\":1000,", 20300, 1e9), 0);
    ck_assert_int_eq(th_count(r.trace, COLD, "\"peer\":\"broker-a-1\"", 20300, 1e9), 1);
    ck_assert_int_eq(th_count(r.trace, COLD, "\"index\":3059,", 20300, 1e9), 1);
    th_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dledger_cold_read");
    TCase *tc = tcase_create("dledger");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, follower_catch_up_waits_for_the_reads);
    tcase_add_test(tc, in_cache_push_costs_nothing);
    tcase_add_test(tc, batch_push_waits_for_the_reads);
    tcase_add_test(tc, compare_reads_its_entry);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
