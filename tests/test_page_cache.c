/* test_page_cache: what cold reads bring into a broker's page cache (models/broker/page_cache.c). Linux keeps
 * the pages a read brought in, so a second reader of the same bytes finds them, and a page fault on a file
 * mapped MADV_NORMAL reads the pages around it (mm/filemap.c, do_sync_mmap_readahead: read_ahead_kb, 128 KiB
 * by default, from half of it before the fault); RocketMQ 5.x's dataReadAheadEnable false madvises the
 * CommitLog MADV_RANDOM (CommitLog.load), which reads the faulting page alone. Without this model every read
 * of cold bytes went to the device, every time, for those bytes alone. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/world/world.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

/* One broker, 200 msg/s of 100 bytes (220 stored bytes each), 300,000 bytes of host memory, no consumer:
 * by 20 s about 880,000 bytes are stored and the page cache's written part begins about 300,000 below. The
 * broker's process dies at 20.5 s (back at 21 s), its host at 25 s (back at 26 s). */
static const char *const UNIT =
    "{\"name\": \"u\", \"version\": \"4.4\", \"run\": {\"duration_ms\": 30000, \"seed\": 3, \"trace\": \"off\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"readahead_bytes\": %d},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 1, \"role\": \"ASYNC_MASTER\","
    " \"host_memory_bytes\": 300000}],"
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"count\": 0}, \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 20500, \"op\": \"crash_process\", \"node\": \"broker-a-0\", \"duration_ms\": 500},"
    " {\"at_ms\": 25000, \"op\": \"crash_host\", \"node\": \"broker-a-0\", \"duration_ms\": 1000}]}";

static struct broker *load_unit(struct scenario *sc, int readahead)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, UNIT, readahead);
    th_load(sc, buf, NULL, 0);
    th_run_to(sc, 20 * SIM_S);
    return rmq_world_get(sc->w)->g[0].broker[0];
}

static uint64_t touch(struct broker *b, uint64_t from, uint64_t to, struct page_touch *t)
{
    memset(t, 0, sizeof *t);
    return broker_page_touch(b, from, to, broker_cache_low(b, b->cl.max_offset), t);
}

static uint64_t cached_bytes(const struct broker *b)
{
    uint64_t n = 0;
    for (int i = 0; i < b->pc.n; i++)
        n += b->pc.r[i].hi - b->pc.r[i].lo;
    return n;
}

/* A fault at 100,000 (page 98,304) reads the 128 KiB window from 64 KiB before its page, [32,768, 163,840):
 * the same bytes again are a hit; the next page past the window faults with a window around it, whose lower
 * half is read already: 64 KiB more, kept as one range. A process crash keeps the pages, a host crash drops
 * them. */
START_TEST(a_fault_reads_its_window_and_keeps_it)
{
    struct scenario sc;
    struct broker *b = load_unit(&sc, 131072);
    ck_assert_uint_gt(broker_cache_low(b, b->cl.max_offset), 400000);
    struct page_touch t;
    ck_assert_uint_eq(touch(b, 100000, 101000, &t), 131072);
    ck_assert_uint_eq(t.windows, 1);
    ck_assert_uint_eq(t.hit, 0);
    ck_assert_int_eq(b->pc.n, 1);
    ck_assert_uint_eq(b->pc.r[0].lo, 32768);
    ck_assert_uint_eq(b->pc.r[0].hi, 163840);
    ck_assert_int_eq(broker_page_read_in(b, 32768), 0);   /* on its way: mincore does not count it yet */
    ck_assert_int_eq(broker_page_io(b, &t, COLD_TAG(COLD_HA, UINT32_MAX)), 1);
    ck_assert_int_eq(broker_page_read_in(b, 32768), 0);
    th_run_to(&sc, 20 * SIM_S + 100 * SIM_MS);   /* the read has ended */
    ck_assert_int_eq(broker_page_read_in(b, 32768), 1);
    ck_assert_int_eq(broker_page_read_in(b, 32767), 0);
    ck_assert_uint_eq(touch(b, 100000, 101000, &t), 0);   /* a second reader: nothing from the device */
    ck_assert_uint_eq(t.hit, 1000);
    ck_assert_uint_eq(t.windows, 0);
    ck_assert_uint_eq(touch(b, 160000, 170000, &t), 65536);   /* [163,840, 229,376) more */
    ck_assert_uint_eq(t.hit, 3840);
    ck_assert_int_eq(broker_page_read_in(b, 163840), 0);     /* on its way */
    ck_assert_int_eq(broker_page_read_in(b, 120000), 1);     /* the window's lower half: in before it */
    struct page_touch lower;
    ck_assert_uint_eq(touch(b, 120000, 121000, &lower), 0);
    ck_assert_int_le(lower.wait, node_now(b->n));            /* nothing to wait for */
    ck_assert_int_eq(b->pc.n, 1);
    ck_assert_uint_eq(b->pc.r[0].hi, 229376);
    th_run_to(&sc, 22 * SIM_S);   /* the process died and came back: the host kept its page cache */
    ck_assert_uint_eq(touch(b, 40000, 220000, &t), 0);
    th_run_to(&sc, 27 * SIM_S);   /* the host died and came back */
    ck_assert_int_eq(b->pc.n, 0);
    ck_assert_uint_eq(touch(b, 100000, 101000, &t), 131072);
    scenario_free(&sc);
}
END_TEST

/* Without readahead a fault reads its page alone: a touch reads the pages it touches that were not read in. */
START_TEST(no_readahead_reads_the_touched_pages)
{
    struct scenario sc;
    struct broker *b = load_unit(&sc, 0);
    struct page_touch t;
    ck_assert_uint_eq(touch(b, 100000, 101000, &t), 4096);   /* page 98,304 */
    ck_assert_uint_eq(t.windows, 0);
    ck_assert_uint_eq(touch(b, 101000, 110000, &t), 8192);   /* pages 102,400 and 106,496 */
    ck_assert_uint_eq(t.hit, 1400);
    ck_assert_int_eq(b->pc.n, 1);
    ck_assert_uint_eq(touch(b, 98304, 110592, &t), 0);
    scenario_free(&sc);
}
END_TEST

/* A reader of pages another read is still bringing in waits for that read's end, however many reads are on
 * their way: ten one-page reads of consecutive pages (one range), more than the slots for reads on their way
 * (PC_RANGES), none ended; each page touched again waits, the first too. */
START_TEST(a_reader_waits_for_every_read_on_its_way)
{
    struct scenario sc;
    struct broker *b = load_unit(&sc, 0);
    struct page_touch t;
    sim_time now = node_now(b->n);
    for (uint64_t k = 0; k < PC_RANGES + 2; k++) {
        ck_assert_uint_eq(touch(b, 4096 * k, 4096 * k + 1, &t), 4096);
        ck_assert_int_eq(broker_page_io(b, &t, COLD_TAG(COLD_HA, UINT32_MAX)), 1);   /* no connection's */
    }
    ck_assert_int_eq(b->pc.n, 1);
    for (uint64_t k = 0; k < PC_RANGES + 2; k++) {
        ck_assert_uint_eq(touch(b, 4096 * k, 4096 * k + 1, &t), 0);
        ck_assert_int_gt(t.wait, now);
    }
    scenario_free(&sc);
}
END_TEST

/* The latest read on its way: when its pages are in (0 when none is on its way). */
static sim_time last_ready(const struct broker *b)
{
    sim_time r = 0;
    for (int i = 0; i < b->pc.nfl; i++)
        if (b->pc.fl[i].ready > r)
            r = b->pc.fl[i].ready;
    return r;
}

/* Asynchronous readahead. A fault's window [32,768, 163,840) marks its page 131,072 (a quarter window before
 * its end) PG_readahead; a reader reaching it reads nothing itself, and page_cache_async_ra reads the next
 * window, [163,840, 294,912), the mark on its first page, while the reader goes on. A reader of that window's
 * pages waits for its read and, reaching its mark, starts the next one; what the memory cannot hold beside the
 * pages still ahead of the reader is not read ahead (mqsim's bound: in a host's memory smaller than two windows
 * Linux would thrash). A touch that reaches its own fault's mark starts the next window after its read.
 * MADV_RANDOM (no readahead) marks nothing. */
START_TEST(a_hit_on_the_mark_reads_the_next_window)
{
    struct scenario sc;
    struct broker *b = load_unit(&sc, 131072);
    struct page_touch t;
    sim_time now = node_now(b->n);
    ck_assert_uint_eq(touch(b, 100000, 101000, &t), 131072);
    ck_assert_int_eq(broker_page_io(b, &t, COLD_TAG(COLD_HA, UINT32_MAX)), 1);
    sim_time first = last_ready(b);
    ck_assert_int_gt(first, now);
    ck_assert_uint_eq(touch(b, 120000, 131072, &t), 0);   /* up to the mark, not on it: nothing more */
    ck_assert_uint_eq(b->pc.r[0].hi, 163840);
    ck_assert_uint_eq(touch(b, 131072, 131073, &t), 0);   /* on it: the next window, read for no one */
    ck_assert_int_eq(t.wait, first);
    ck_assert_int_eq(b->pc.n, 1);
    ck_assert_uint_eq(b->pc.r[0].lo, 32768);
    ck_assert_uint_eq(b->pc.r[0].hi, 294912);
    sim_time second = last_ready(b);
    ck_assert_int_gt(second, first);   /* behind the first in the device's read queue */
    ck_assert_uint_eq(touch(b, 131072, 131073, &t), 0);   /* the mark went with its read */
    ck_assert_uint_eq(b->pc.r[0].hi, 294912);
    /* The second window's first page: its reader waits for its read and starts the third, [294,912, 425,984);
     * the memory keeps 300,000 bytes, the oldest cut first. */
    ck_assert_uint_eq(touch(b, 163840, 164000, &t), 0);
    ck_assert_int_eq(t.wait, second);
    ck_assert_uint_eq(b->pc.r[0].hi, 425984);
    ck_assert_uint_eq(b->pc.r[0].lo, 425984 - 300000);
    ck_assert_int_gt(last_ready(b), second);
    scenario_free(&sc);

    /* 256 KiB windows in 300,000 bytes: the fault at 100,000 reads [0, 262,144), marked at 196,608; the next
     * window is cut to 233,472 bytes, what the memory holds beside the 65,536 still ahead of the reader, so the
     * cut from the low end leaves the reader's page; at the next mark 233,472 bytes are ahead of the reader,
     * which leaves room for 65,536 bytes at most: the window is cut before that, where the written part of the
     * page cache begins. */
    b = load_unit(&sc, 262144);
    ck_assert_uint_eq(touch(b, 100000, 101000, &t), 262144);
    broker_page_io(b, &t, COLD_TAG(COLD_HA, UINT32_MAX));
    ck_assert_uint_eq(touch(b, 196608, 196609, &t), 0);
    ck_assert_uint_eq(b->pc.r[0].hi, 262144 + 233472);
    ck_assert_uint_le(b->pc.r[0].lo, 196608);
    ck_assert_uint_eq(touch(b, 262144, 262145, &t), 0);
    uint64_t top = (broker_cache_low(b, b->cl.max_offset) + 4095) / 4096 * 4096;
    ck_assert_uint_lt(top, 262144 + 233472 + 65536);
    ck_assert_uint_eq(b->pc.r[0].hi, top);
    ck_assert_uint_le(b->pc.r[0].lo, 262144);
    scenario_free(&sc);

    /* A touch over its fault's mark: its read, then the next window's. */
    b = load_unit(&sc, 131072);
    ck_assert_uint_eq(touch(b, 100000, 140000, &t), 131072);
    ck_assert_uint_eq(t.ahead, 163840);
    ck_assert_uint_eq(b->pc.r[0].hi, 163840);
    ck_assert_int_eq(broker_page_io(b, &t, COLD_TAG(COLD_HA, UINT32_MAX)), 1);
    ck_assert_uint_eq(b->pc.r[0].hi, 294912);
    ck_assert_uint_eq(touch(b, 163840, 164000, &t), 0);
    ck_assert_int_gt(t.wait, node_now(b->n));
    scenario_free(&sc);

    b = load_unit(&sc, 0);
    for (uint64_t p = 0; p < 40 * 4096; p += 4096) {
        ck_assert_uint_eq(touch(b, p, p + 4096, &t), 4096);
        ck_assert_uint_eq(t.ahead, 0);
    }
    ck_assert_uint_eq(cached_bytes(b), 40 * 4096);
    scenario_free(&sc);
}
END_TEST

/* When the read bringing in [lo, hi) ends (the slot holding it), or -1. */
static sim_time ready_of(const struct broker *b, uint64_t lo)
{
    for (int i = 0; i < b->pc.nfl; i++)
        if (b->pc.fl[i].lo <= lo && lo < b->pc.fl[i].hi)
            return b->pc.fl[i].ready;
    return -1;
}

/* The mark is a page (PG_readahead): a touch inside it, not at its first byte, reads ahead too. A pull's copy
 * that faults and then reaches the window's mark (two messages, one page_touch) reads ahead after its fault's
 * read, which the device ends first, as when the copy is one touch. A touch over two fault windows keeps the
 * chain: the window past its end is read ahead when the next touch reaches the second window's mark, and a
 * sequential reader then never faults again. */
START_TEST(read_ahead_from_the_marked_page_after_the_fault)
{
    struct scenario sc;
    struct broker *b = load_unit(&sc, 131072);
    struct page_touch t;
    ck_assert_uint_eq(touch(b, 100000, 101000, &t), 131072);
    broker_page_io(b, &t, COLD_TAG(COLD_HA, UINT32_MAX));
    sim_time fault = ready_of(b, 100000);
    ck_assert_uint_eq(touch(b, 131100, 131200, &t), 0);   /* inside the marked page 131,072 */
    ck_assert_uint_eq(b->pc.r[0].hi, 294912);
    scenario_free(&sc);

    b = load_unit(&sc, 131072);
    memset(&t, 0, sizeof t);
    uint64_t low = broker_cache_low(b, b->cl.max_offset);
    ck_assert_uint_eq(broker_page_touch(b, 100000, 101000, low, &t), 131072);
    ck_assert_uint_eq(broker_page_touch(b, 131100, 131200, low, &t), 0);
    ck_assert_uint_eq(t.ahead, 163840);
    broker_page_io(b, &t, COLD_TAG(COLD_HA, UINT32_MAX));
    ck_assert_int_eq(ready_of(b, 100000), fault);   /* first in the queue, as alone */
    ck_assert_int_gt(ready_of(b, 200000), fault);
    ck_assert_uint_eq(b->pc.r[0].hi, 294912);
    scenario_free(&sc);

    b = load_unit(&sc, 131072);
    ck_assert_uint_gt(touch(b, 100000, 170000, &t), 0);   /* windows [32,768, 163,840) and [98,304, 229,376) */
    broker_page_io(b, &t, COLD_TAG(COLD_HA, UINT32_MAX));
    for (uint64_t p = 170000; p < 500000; p += 4096) {
        ck_assert_uint_eq(touch(b, p, p + 4096, &t), 0);
        broker_page_io(b, &t, COLD_TAG(COLD_HA, UINT32_MAX));
    }
    scenario_free(&sc);
}
END_TEST

/* The next window starts where the marked one ends (ondemand_readahead: ra->start += ra->size), not where the
 * pages read in end, and page_cache_ra_unbounded reads only the pages not in the page cache, marking its first
 * page only if it reads it. Pages [163,840, 294,912) read in before a fault's window [32,768, 163,840): a reader
 * reaching that window's mark (131,072) finds the next window all read in: nothing is read, nothing marked, and a
 * reader further on reads nothing ahead either. */
START_TEST(the_next_window_starts_where_the_marked_one_ends)
{
    struct scenario sc;
    struct broker *b = load_unit(&sc, 131072);
    struct page_touch t;
    ck_assert_uint_eq(touch(b, 230000, 230001, &t), 131072);   /* [163,840, 294,912) */
    broker_page_io(b, &t, COLD_TAG(COLD_HA, UINT32_MAX));
    ck_assert_uint_eq(touch(b, 100000, 101000, &t), 131072);   /* [32,768, 163,840), marked at 131,072 */
    broker_page_io(b, &t, COLD_TAG(COLD_HA, UINT32_MAX));
    ck_assert_int_eq(b->pc.n, 1);
    sim_time last = last_ready(b);
    ck_assert_uint_eq(touch(b, 131072, 131073, &t), 0);
    ck_assert_uint_eq(b->pc.r[0].lo, 32768);
    ck_assert_uint_eq(b->pc.r[0].hi, 294912);                  /* not [294,912, 425,984) */
    ck_assert_int_eq(last_ready(b), last);                     /* no read */
    ck_assert_uint_eq(b->pc.r[0].mark, PC_NO_MARK);
    ck_assert_uint_eq(touch(b, 163840, 294912, &t), 0);
    ck_assert_uint_eq(b->pc.r[0].hi, 294912);
    ck_assert_uint_eq(touch(b, 294912, 294913, &t), 65536);   /* past them the reader faults */
    scenario_free(&sc);
}
END_TEST

/* Memory stays bounded: scattered single pages far apart (no two merge) keep at most PC_RANGES ranges, the
 * least recently used dropped first; windows read far more than the host's memory keep at most
 * host_memory_bytes, cut from the least recently used range's low end. What the CommitLog trim forgot goes. */
START_TEST(bounded_by_slots_and_by_memory)
{
    struct scenario sc;
    struct broker *b = load_unit(&sc, 0);
    struct page_touch t;
    for (int k = 0; k < 40; k++) {
        ck_assert_uint_eq(touch(b, (uint64_t)k * 8192, (uint64_t)k * 8192 + 1, &t), 4096);
        ck_assert_int_le(b->pc.n, PC_RANGES);
    }
    ck_assert_int_eq(b->pc.n, PC_RANGES);
    ck_assert_uint_eq(touch(b, 39 * 8192, 39 * 8192 + 1, &t), 0);   /* the newest is kept */
    ck_assert_uint_eq(touch(b, 0, 1, &t), 4096);                    /* the oldest went */
    scenario_free(&sc);

    b = load_unit(&sc, 131072);
    uint64_t low = broker_cache_low(b, b->cl.max_offset);
    for (uint64_t p = 0; p + 4096 < low; p += 4096) {
        touch(b, p, p + 4096, &t);
        ck_assert_uint_le(cached_bytes(b), 300000);
    }
    ck_assert_uint_eq(cached_bytes(b), 300000);
    ck_assert_int_eq(b->pc.n, 1);
    ck_assert_uint_eq(touch(b, low - 4096, low, &t), 0);   /* the newest pages are kept */
    ck_assert_uint_gt(touch(b, 0, 1, &t), 0);             /* the oldest went */
    cl_trim(&b->cl, 200000);                               /* the trim forgets the log's head */
    touch(b, low - 4096, low, &t);
    for (int i = 0; i < b->pc.n; i++)
        ck_assert_uint_ge(b->pc.r[i].lo, b->cl.min_offset);
    ck_assert_int_eq(broker_page_read_in(b, 0), 0);
    scenario_free(&sc);
}
END_TEST


/* The HA world of test_ha_cold_read: a 4.4 (or 5.3) ASYNC_MASTER and its slave, 200 msg/s of 100 bytes, the
 * slave's process down from 2 s to 10 s; the master's writer starts at 20,003 ms with about 850,000 bytes to
 * send, 32 KiB frames, from 39,820. 5 ms reads. */
static const char *const HA =
    "{\"name\": \"t\", \"version\": \"%s\", \"run\": {\"duration_ms\": 22000, \"seed\": 3, \"trace\": \"full\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"read_latency\": {\"const_ms\": 5}, \"readahead_bytes\": %d},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\", \"host_memory_bytes\": %d%s}],"
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"random_poll_phase\": false, \"start_ms\": %d, \"consume_from_where\": \"first_offset\"},"
    " \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 2000, \"op\": \"crash_process\", \"node\": \"broker-a-1\", \"duration_ms\": 8000}]}";

#define HA_COLD "\"ev\":\"ha.cold_read\""
#define HIT "\"ev\":\"page.hit\""
#define AHEAD "\"ev\":\"page.readahead\""

static void run_ha(struct th_run *r, const char *version, int readahead, int memory, const char *keys, int consumer)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, HA, version, readahead, memory, keys, consumer);
    th_run(r, buf, NULL, 0);
}

static void add_bytes(const char *line, void *arg) { *(double *)arg += th_field(line, "\"bytes\":", 0); }

/* Host memory 200,000 bytes, no consumer. With the default 128 KiB readahead the first frame's fault (page
 * 36,864) reads the window from 0, 131,072 bytes, marked at 98,304; the next frame reaches the mark and the
 * next window, from 131,072, is read ahead while the writer goes on, and so on: one read the writer waits for,
 * then 5 read ahead (506,028 bytes, the windows cut to what the memory holds beside the pages still ahead of
 * the writer, the last where the written part of the page cache begins), and the frame from 564,108 goes at
 * 20,034.215 ms (20,049.217 when every window was read at a fault, the writer waiting: 9 reads). Without
 * readahead each frame reads its own pages, as before reads were kept: 19 reads, the first the 9 pages
 * [36,864, 73,728), the next 8 pages each (a frame's first bytes are in its predecessor's last page), and that
 * frame goes at 20,089.070 ms. */
START_TEST(sequential_catch_up_reads_windows)
{
    struct th_run ra, none;
    run_ha(&ra, "4.4", 131072, 200000, "", 100000);
    run_ha(&none, "4.4", 0, 200000, "", 100000);
    const char *p = strstr(ra.trace, HA_COLD);
    ck_assert_ptr_nonnull(p);
    ck_assert_double_eq_tol(th_first(ra.trace, HA_COLD, NULL, 0), 20003, 1e-9);
    ck_assert_double_eq(th_field(p, "\"offset\":", -1), 39820);
    ck_assert_double_eq(th_field(p, "\"bytes\":", -1), 131072);
    ck_assert_double_eq(th_field(p, "\"windows\":", -1), 1);
    ck_assert_int_eq(th_count(ra.trace, HA_COLD, NULL, 0, 1e9), 1);
    p = strstr(ra.trace, AHEAD);
    ck_assert_ptr_nonnull(p);
    ck_assert_double_eq(th_field(p, "\"offset\":", -1), 131072);
    ck_assert_double_eq(th_field(p, "\"bytes\":", -1), 131072);
    ck_assert_int_eq(th_count(ra.trace, AHEAD, NULL, 0, 1e9), 5);
    double ahead = 0;
    th_each(ra.trace, AHEAD, add_bytes, &ahead);
    ck_assert_double_eq(ahead, 506028);
    ck_assert_int_eq(th_count(none.trace, HA_COLD, NULL, 0, 1e9), 19);
    ck_assert_int_eq(th_count(none.trace, AHEAD, NULL, 0, 1e9), 0);
    p = strstr(none.trace, HA_COLD);
    ck_assert_double_eq(th_field(p, "\"bytes\":", -1), 36864);
    ck_assert_double_eq(th_field(p, "\"windows\":", -1), 0);
    ck_assert_int_eq(th_count(none.trace, HA_COLD, "\"hit\":0,", 0, 1e9), 1);   /* a frame ends inside a page */
    static const char *const FRAME = "\"offset\":564108";
    ck_assert_double_eq_tol(th_first(ra.trace, "\"ev\":\"ha.transfer\"", FRAME, 20000), 20034.215172, 1e-6);
    ck_assert_double_eq_tol(th_first(none.trace, "\"ev\":\"ha.transfer\"", FRAME, 20000), 20089.070313, 1e-6);
    th_run_free(&ra);
    th_run_free(&none);
}
END_TEST

/* A pull, then the HA writer: host memory 400,000 bytes, a consumer from 12 s reads the backlog from the first
 * offset, faulting in [0, ~84,000) (what lies below the written part then); at 20,003 ms the writer's first
 * frames, from 39,820, are in the pages the pulls brought in: no read (page.hit), where every frame below the
 * written part was read from the device before, whoever had read it. */
START_TEST(the_ha_writer_finds_what_a_pull_read)
{
    struct th_run with, without;
    run_ha(&with, "4.4", 131072, 400000, "", 12000);
    run_ha(&without, "4.4", 131072, 400000, "", 100000);
    ck_assert_int_gt(th_count(with.trace, "\"ev\":\"pull.cold_read\"", NULL, 12000, 20000), 0);
    ck_assert_double_eq_tol(th_first(with.trace, HIT, "\"reader\":\"ha\"", 20000), 20003, 1e-9);
    ck_assert_double_eq_tol(th_first(without.trace, HA_COLD, NULL, 20000), 20003, 1e-9);
    ck_assert_int_eq(th_count(without.trace, HIT, NULL, 0, 1e9) > 0, 1);   /* its own frames' windows */
    double read_with = 0, read_without = 0;
    th_each(with.trace, HA_COLD, add_bytes, &read_with);
    th_each(without.trace, HA_COLD, add_bytes, &read_without);
    ck_assert_double_lt(read_with, read_without);
    th_run_free(&with);
    th_run_free(&without);
}
END_TEST

/* data_read_ahead_enable false (5.3: the CommitLog MADV_RANDOM) reads as no readahead does: the same run as
 * disk.readahead_bytes 0, and not the default's. A DLedger group's data files are never MADV_RANDOM: the key
 * changes nothing there. */
START_TEST(no_read_ahead_is_madv_random)
{
    struct th_run off, zero, on;
    run_ha(&off, "5.3", 131072, 100000, ", \"data_read_ahead_enable\": false", 100000);
    run_ha(&zero, "5.3", 0, 100000, "", 100000);
    run_ha(&on, "5.3", 131072, 100000, "", 100000);
    ck_assert_int_gt(th_count(off.trace, HA_COLD, NULL, 0, 1e9), 10);
    ck_assert_str_eq(off.trace, zero.trace);
    ck_assert_int_eq(th_count(off.trace, HA_COLD, "\"windows\":0", 0, 1e9),
                     th_count(off.trace, HA_COLD, NULL, 0, 1e9));
    ck_assert_int_lt(th_count(on.trace, HA_COLD, NULL, 0, 1e9), th_count(off.trace, HA_COLD, NULL, 0, 1e9));
    th_run_free(&off);
    th_run_free(&zero);
    th_run_free(&on);
    static const char *const DL =
        "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 30000, \"seed\": 3, \"trace\": \"full\"},"
        " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
        " \"disk\": {\"read_latency\": {\"const_ms\": 5}},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\","
        " \"host_memory_bytes\": 100000%s}],"
        " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false,"
        " \"start_ms\": 5000},"
        " \"consumers\": {\"random_poll_phase\": false, \"start_ms\": 15000, \"consume_from_where\": \"first_offset\"},"
        " \"operator\": {\"enabled\": false}}";
    static char buf[2048];
    snprintf(buf, sizeof buf, DL, ", \"data_read_ahead_enable\": false");
    th_run(&off, buf, NULL, 0);
    snprintf(buf, sizeof buf, DL, "");
    th_run(&on, buf, NULL, 0);
    ck_assert_int_gt(th_count(on.trace, "\"ev\":\"pull.cold_read\"", "\"windows\":1", 0, 1e9), 0);
    ck_assert_str_eq(off.trace, on.trace);
    th_run_free(&off);
    th_run_free(&on);
}
END_TEST

/* The error a scenario gives (one line, the file and the JSON path), or "" when it loads. */
static const char *load_error(const char *text)
{
    static char err[1024];
    char file[TH_TEMP_NAME];
    th_temp(file, text);
    struct scenario sc;
    struct conf c;
    struct run_opts o = {.file = file};
    int rc = scenario_load(&sc, &o, &c);
    unlink(file);
    snprintf(err, sizeof err, "%s", rc == 0 ? "" : c.err);
    scenario_free(&sc);
    return err;
}

/* disk.readahead_bytes is whole pages, 0 to 1 GiB; data_read_ahead_enable a boolean, false only on 5.3. */
START_TEST(keys_checked)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, HA, "4.4", 1000, 100000, "", 100000);
    ck_assert_ptr_nonnull(strstr(load_error(buf), "$.disk.readahead_bytes: expected a multiple of 4096"));
    snprintf(buf, sizeof buf, HA, "4.4", 1 << 30, 100000, "", 100000);
    ck_assert_str_eq(load_error(buf), "");
    snprintf(buf, sizeof buf, HA, "4.4", -4096, 100000, "", 100000);
    ck_assert_ptr_nonnull(strstr(load_error(buf), "$.disk.readahead_bytes"));
    snprintf(buf, sizeof buf, HA, "4.4", 131072, 100000, ", \"data_read_ahead_enable\": 1", 100000);
    ck_assert_ptr_nonnull(strstr(load_error(buf), "$.groups[0].data_read_ahead_enable"));
    /* false is 5.1.2+: refused on 4.4 and 4.9, where the key at the group or in "broker" is named. */
    snprintf(buf, sizeof buf, HA, "4.4", 131072, 100000, ", \"data_read_ahead_enable\": false", 100000);
    ck_assert_ptr_nonnull(strstr(load_error(buf), "$.groups[0].data_read_ahead_enable: false is 5.1.2+"));
    snprintf(buf, sizeof buf, HA, "5.3", 131072, 100000, ", \"data_read_ahead_enable\": false", 100000);
    ck_assert_str_eq(load_error(buf), "");
    static char broker[2200];
    snprintf(buf, sizeof buf, HA, "4.9", 131072, 100000, "", 100000);
    snprintf(broker, sizeof broker, "{\"broker\": {\"data_read_ahead_enable\": false}, %s", buf + 1);
    ck_assert_ptr_nonnull(strstr(load_error(broker), "$.broker.data_read_ahead_enable: false is 5.1.2+"));
    ck_assert_ptr_nonnull(strstr(load_error(broker), "4.9 always reads ahead"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("page_cache");
    TCase *tc = tcase_create("unit");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_fault_reads_its_window_and_keeps_it);
    tcase_add_test(tc, no_readahead_reads_the_touched_pages);
    tcase_add_test(tc, a_reader_waits_for_every_read_on_its_way);
    tcase_add_test(tc, a_hit_on_the_mark_reads_the_next_window);
    tcase_add_test(tc, read_ahead_from_the_marked_page_after_the_fault);
    tcase_add_test(tc, the_next_window_starts_where_the_marked_one_ends);
    tcase_add_test(tc, bounded_by_slots_and_by_memory);
    suite_add_tcase(s, tc);
    tc = tcase_create("runs");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, sequential_catch_up_reads_windows);
    tcase_add_test(tc, the_ha_writer_finds_what_a_pull_read);
    tcase_add_test(tc, no_read_ahead_is_madv_random);
    tcase_add_test(tc, keys_checked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
