/* test_sim_disk: the engine's disk: latency and throughput, what is durable at a crash, fsyncs and truncates in
 * flight, stalls.
 *
 * Every test builds a small world of recording nodes (struct th_world, tests/harness.h) with constant
 * latencies, so the times asserted are exact. A test gives the nodes behaviour through the world's optional
 * callbacks. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/disk.h"
#include "sim/sim.h"
#include "tests/harness.h"

/* TH_DISK_CONST with one queue on the device: cold reads behind the fsyncs queued before them. */
#define DISK_CONST_SHARED "{\"shared_queue\":true,\"append_latency\":{\"const_ms\":1}," \
                          "\"fsync_latency\":{\"const_ms\":5},\"read_latency\":{\"const_ms\":2}," \
                          "\"append_mib_per_s\":0,\"write_mib_per_s\":0,\"read_mib_per_s\":0}"

/* ---- disk -------------------------------------------------------------------------------------------- */

static void disk_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id != 0)
        return;
    node_disk_append(n, 0, 100, 1);
    node_disk_append(n, 0, 100, 2);
    node_disk_fsync(n, 0, 3);
    node_disk_read(n, 1, 10, 1, 4);
    node_disk_read(n, 1, 10, 0, 5);
    node_disk_append(n, 1, 7, 6);
}

struct disk_want { uint64_t tag; int file; enum sim_disk_op op; sim_time t; };

static void assert_disk_ops(struct th_world *w, const struct disk_want *want, int n)
{
    ck_assert_int_eq(th_world_count(w, TH_R_DISK, 0), n);
    for (int i = 0; i < n; i++) {
        const struct th_rec *r = th_world_find(w, TH_R_DISK, 0, i);
        ck_assert_uint_eq(r->tag, want[i].tag);
        ck_assert_uint_eq(r->a, (uint32_t)want[i].file);
        ck_assert_uint_eq(r->b, (uint32_t)want[i].op);
        TH_ASSERT_AT(r, want[i].t);
    }
}

START_TEST(test_disk_latency)
{
    struct th_world w;
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    th_world_disk(&w, DISK_CONST_SHARED);
    w.start = disk_start;
    sim_run(w.s, SIM_TIME_MAX);
    /* The page cache queue: appends and cached reads, 1 ms each in turn; the device, one queue: fsync 5 ms,
     * then the cold read 2 ms. */
    static const struct disk_want want[] = {
        {1, 0, SIM_DISK_APPEND, 1 * SIM_MS}, {2, 0, SIM_DISK_APPEND, 2 * SIM_MS}, {4, 1, SIM_DISK_READ, 3 * SIM_MS},
        {6, 1, SIM_DISK_APPEND, 4 * SIM_MS}, {3, 0, SIM_DISK_FSYNC, 5 * SIM_MS}, {5, 1, SIM_DISK_READ, 7 * SIM_MS},
    };
    assert_disk_ops(&w, want, 6);
    ck_assert_uint_eq(sim_disk_written(th_world_node(&w, 0), 0), 200);
    ck_assert_uint_eq(sim_disk_durable(th_world_node(&w, 0), 0), 200);
    ck_assert_uint_eq(sim_disk_written(th_world_node(&w, 0), 1), 7);
    ck_assert_uint_eq(sim_disk_durable(th_world_node(&w, 0), 1), 0);   /* fsync is per file */
    ck_assert_uint_eq(sim_stats(w.s)->disk_ops, 6);
    /* Out-of-range files are ignored. */
    node_disk_append(th_world_node(&w, 0), SIM_DISK_FILES, 1, 9);
    node_disk_append(th_world_node(&w, 0), -1, 1, 9);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_int_eq(th_world_count(&w, TH_R_DISK, 0), 6);
    ck_assert_uint_eq(sim_disk_written(th_world_node(&w, 0), SIM_DISK_FILES), 0);
    th_world_free(&w);
}
END_TEST

/* The default device: the cold read in a queue of its own, done 2 ms after it was issued while the fsync
 * issued before it takes its 5 ms; a second read waits for the first, not for the fsync. */
START_TEST(test_disk_read_queue)
{
    struct th_world w;
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    th_world_disk(&w, TH_DISK_CONST);
    w.start = disk_start;
    sim_run(w.s, SIM_TIME_MAX);
    static const struct disk_want want[] = {
        {1, 0, SIM_DISK_APPEND, 1 * SIM_MS}, {2, 0, SIM_DISK_APPEND, 2 * SIM_MS}, {5, 1, SIM_DISK_READ, 2 * SIM_MS},
        {4, 1, SIM_DISK_READ, 3 * SIM_MS},   {6, 1, SIM_DISK_APPEND, 4 * SIM_MS}, {3, 0, SIM_DISK_FSYNC, 5 * SIM_MS},
    };
    assert_disk_ops(&w, want, 6);
    struct sim_node *n = th_world_node(&w, 0);
    sim_time t = sim_now(w.s);
    node_disk_fsync(n, 0, 7);
    node_disk_read(n, 0, 10, 0, 8);
    node_disk_read(n, 0, 10, 0, 9);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 6), t + 2 * SIM_MS);   /* tag 8 */
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 7), t + 4 * SIM_MS);   /* tag 9 */
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 8), t + 5 * SIM_MS);   /* tag 7 */
    ck_assert_uint_eq(th_world_find(&w, TH_R_DISK, 0, 8)->tag, 7);
    th_world_free(&w);
}
END_TEST

START_TEST(test_disk_throughput)
{
    struct th_world w;
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    th_world_disk(&w, "{\"shared_queue\":true,\"append_latency\":{\"const_ms\":1},\"fsync_latency\":{\"const_ms\":5},"
                   "\"read_latency\":{\"const_ms\":2},\"append_mib_per_s\":2,\"write_mib_per_s\":1,"
                   "\"read_mib_per_s\":4}");
    sim_run(w.s, 0);
    struct sim_node *n = th_world_node(&w, 0);
    node_disk_append(n, 0, 1048576, 1);     /* 1 ms + 0.5 s */
    node_disk_fsync(n, 0, 2);               /* 5 ms + 1 MiB of dirty bytes at 1 MiB/s */
    node_disk_read(n, 0, 1048576, 0, 3);    /* behind the fsync: 2 ms + 0.25 s */
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 0), 1 * SIM_MS + SIM_S / 2);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 1), 5 * SIM_MS + SIM_S);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 2), 5 * SIM_MS + SIM_S + 2 * SIM_MS + SIM_S / 4);
    /* A second fsync with nothing dirty costs only its latency. */
    sim_time t = sim_now(w.s);
    node_disk_fsync(n, 0, 4);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 3), t + 5 * SIM_MS);
    th_world_free(&w);
}
END_TEST

/* append 100, then fsync, then append 50, each after the previous completed. */
static void dur_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    node_disk_append(n, 0, 100, 1);
}

static void dur_disk(struct th_world *w, struct sim_node *n, int file, enum sim_disk_op op, uint64_t tag)
{
    (void)w;
    (void)file;
    (void)op;
    if (tag == 1)
        node_disk_fsync(n, 0, 2);
    else if (tag == 2)
        node_disk_append(n, 0, 50, 3);
}

static void dur_crash(struct th_world *w, struct sim_node *n, enum sim_crash_kind kind)
{
    (void)kind;
    w->u[0] = sim_disk_written(n, 0);
    w->u[1] = sim_disk_durable(n, 0);
}

START_TEST(test_disk_durable)
{
    for (int kind = SIM_CRASH_PROCESS; kind <= SIM_CRASH_HOST; kind++) {
        struct th_world w;
        th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
        th_world_disk(&w, TH_DISK_CONST);
        w.start = dur_start;
        w.disk = dur_disk;
        w.crash = dur_crash;
        sim_run(w.s, SIM_TIME_MAX);
        TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 2), 1 * SIM_MS + 5 * SIM_MS + 1 * SIM_MS);
        ck_assert_uint_eq(sim_disk_written(th_world_node(&w, 0), 0), 150);
        ck_assert_uint_eq(sim_disk_durable(th_world_node(&w, 0), 0), 100);
        sim_crash(w.s, 0, (enum sim_crash_kind)kind);
        /* on_crash already sees what survived. */
        if (kind == SIM_CRASH_HOST) {
            ck_assert_uint_eq(w.u[0], 100);
            ck_assert_uint_eq(sim_disk_written(th_world_node(&w, 0), 0), 100);
        } else {
            ck_assert_uint_eq(w.u[0], 150);
            ck_assert_uint_eq(sim_disk_written(th_world_node(&w, 0), 0), 150);
        }
        ck_assert_uint_eq(w.u[1], 100);
        ck_assert_uint_eq(sim_disk_durable(th_world_node(&w, 0), 0), 100);
        /* After a restart the disk keeps what survived. */
        sim_restart(w.s, 0);
        sim_run(w.s, sim_now(w.s));
        ck_assert_uint_eq(sim_disk_durable(th_world_node(&w, 0), 0), 100);
        th_world_free(&w);
    }
}
END_TEST

START_TEST(test_disk_fsync_inflight)
{
    struct th_world w;
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    th_world_disk(&w, TH_DISK_CONST);
    sim_run(w.s, 0);
    struct sim_node *n = th_world_node(&w, 0);
    /* An fsync covers what was appended before it was issued, not after. */
    node_disk_append(n, 0, 100, 1);
    node_disk_fsync(n, 0, 2);
    node_disk_append(n, 0, 50, 3);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 2), 5 * SIM_MS);
    ck_assert_uint_eq(sim_disk_durable(n, 0), 100);
    ck_assert_uint_eq(sim_disk_written(n, 0), 150);

    /* A host crash with an fsync in flight: it never completes and nothing more is durable. */
    sim_time t = sim_now(w.s);
    node_disk_append(n, 0, 30, 4);
    node_disk_fsync(n, 0, 5);
    sim_run(w.s, t + 3 * SIM_MS);
    sim_crash(w.s, 0, SIM_CRASH_HOST);
    sim_restart(w.s, 0);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_int_eq(th_world_count(&w, TH_R_DISK, 0), 4);   /* 1, 3, 2, 4: the fsync's completion is gone */
    ck_assert_uint_eq(sim_disk_durable(n, 0), 100);
    ck_assert_uint_eq(sim_disk_written(n, 0), 100);
    th_world_free(&w);
}
END_TEST

/* A fixed bug (sim/disk.c node_disk_truncate + sim/sim.c dispatch EV_DISK): an fsync in flight kept the
 * target it was issued with; when the model truncated the file before it completed, the completion raised
 * durable back above the truncated size, so durable > written. */
START_TEST(test_disk_truncate_inflight_fsync)
{
    struct th_world w;
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    th_world_disk(&w, TH_DISK_CONST);
    sim_run(w.s, 0);
    struct sim_node *n = th_world_node(&w, 0);
    node_disk_append(n, 0, 100, 1);
    node_disk_fsync(n, 0, 2);
    sim_run(w.s, 2 * SIM_MS);
    node_disk_truncate(n, 0, 40);
    ck_assert_uint_eq(sim_disk_written(n, 0), 40);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_msg(sim_disk_durable(n, 0) <= sim_disk_written(n, 0),
                  "durable %llu > written %llu after truncating under an in-flight fsync",
                  (unsigned long long)sim_disk_durable(n, 0), (unsigned long long)sim_disk_written(n, 0));
    th_world_free(&w);
}
END_TEST

START_TEST(test_disk_stall)
{
    struct th_world w;
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    th_world_disk(&w, DISK_CONST_SHARED);
    sim_run(w.s, 0);
    struct sim_node *n = th_world_node(&w, 0);
    sim_disk_stall(w.s, 0, 10 * SIM_MS);
    node_disk_append(n, 0, 10, 1);
    node_disk_fsync(n, 0, 2);
    node_disk_read(n, 0, 10, 0, 3);
    sim_run(w.s, 20 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 0), 11 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 1), 15 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 2), 17 * SIM_MS);
    /* After the stall, normal again. */
    node_disk_append(n, 0, 10, 4);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 3), 21 * SIM_MS);
    ck_assert_uint_eq(sim_stats(w.s)->faults, 1);
    th_world_free(&w);
    /* With the reads in a queue of their own, the stall holds that queue too: the read at 12 ms. */
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    th_world_disk(&w, TH_DISK_CONST);
    sim_run(w.s, 0);
    n = th_world_node(&w, 0);
    sim_disk_stall(w.s, 0, 10 * SIM_MS);
    node_disk_fsync(n, 0, 2);
    node_disk_read(n, 0, 10, 0, 3);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 0), 12 * SIM_MS);
    ck_assert_uint_eq(th_world_find(&w, TH_R_DISK, 0, 0)->tag, 3);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 1), 15 * SIM_MS);
    th_world_free(&w);
}
END_TEST

/* ---- the suite ----------------------------------------------------------------------------------------- */

static Suite *sim_disk_suite(void)
{
    Suite *s = suite_create("sim_disk");

    TCase *tc = tcase_create("disk");
    tcase_add_test(tc, test_disk_latency);
    tcase_add_test(tc, test_disk_read_queue);
    tcase_add_test(tc, test_disk_throughput);
    tcase_add_test(tc, test_disk_durable);
    tcase_add_test(tc, test_disk_fsync_inflight);
    tcase_add_test(tc, test_disk_truncate_inflight_fsync);     
    tcase_add_test(tc, test_disk_stall);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(sim_disk_suite());
}
