/* test_sim_sched: the engine's scheduling: nodes and hooks, event order and ties, timers and cancel, run control,
 * random streams, and determinism (one seed, one run).
 *
 * Every test builds a small world of recording nodes (struct th_world, tests/harness.h) with constant
 * latencies, so the times asserted are exact. A test gives the nodes behaviour through the world's optional
 * callbacks. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/conf.h"
#include "sim/disk.h"
#include "sim/fault.h"
#include "sim/net.h"
#include "sim/sim.h"
#include "tests/harness.h"

/* ---- nodes and hooks ------------------------------------------------------------------------------------ */

START_TEST(test_nodes)
{
    struct th_world w;
    th_world_init(&w, 5, 3, 1 * SIM_MS, 0);
    ck_assert_uint_eq(sim_node_count(w.s), 3);
    ck_assert_uint_eq(sim_seed(w.s), 5);
    ck_assert_uint_eq(sim_node_find(w.s, "n2"), 2);
    ck_assert_uint_eq(sim_node_find(w.s, "n9"), SIM_NODE_NONE);
    ck_assert_ptr_null(sim_node(w.s, 3));
    struct sim_node *n = th_world_node(&w, 1);
    ck_assert_str_eq(n->name, "n1");
    ck_assert_uint_eq(n->id, 1);
    ck_assert_ptr_eq(n->sim, w.s);
    ck_assert_ptr_eq(n->model, &w.tn[1]);
    ck_assert_int_eq(n->state, SIM_NODE_UP);
    /* A duplicate name is refused and changes nothing. */
    ck_assert_uint_eq(sim_node_add(w.s, "n1", &th_world_ops, NULL), SIM_NODE_NONE);
    ck_assert_uint_eq(sim_node_count(w.s), 3);
    /* Hooks: unknown ids are refused. */
    ck_assert_int_eq(sim_hook_at(w.s, 0, -1, 0), -1);
    ck_assert_int_eq(sim_hook_at(w.s, 0, w.hook + 1, 0), -1);
    ck_assert_int_eq(sim_hook_at(w.s, 7 * SIM_MS, w.hook, 42), 0);
    /* Starts run at time 0 in the order added; nothing runs before sim_run. */
    ck_assert_uint_eq(w.nr, 0);
    ck_assert_uint_eq(sim_run(w.s, SIM_TIME_MAX), 4);
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(w.r[i].kind, TH_R_START);
        ck_assert_uint_eq(w.r[i].node, (sim_node_id)i);
        TH_ASSERT_AT(&w.r[i], 0);
    }
    ck_assert_uint_eq(w.r[3].kind, TH_R_HOOK);
    ck_assert_uint_eq(w.r[3].tag, 42);
    TH_ASSERT_AT(&w.r[3], 7 * SIM_MS);
    /* A node added later starts at the current time. */
    th_world_add(&w, "late");
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_START, 3, 0), 7 * SIM_MS);
    th_world_free(&w);
}
END_TEST

/* ---- event order and ties --------------------------------------------------------------------------- */

static void order_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id == 0) {
        node_timer(n, 30 * SIM_MS, 30);
        node_timer(n, 10 * SIM_MS, 10);
        node_timer(n, 20 * SIM_MS, 20);
    } else {
        node_timer(n, 15 * SIM_MS, 15);
        node_timer(n, 5 * SIM_MS, 5);
    }
}

START_TEST(test_timer_order)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    w.start = order_start;
    sim_run(w.s, SIM_TIME_MAX);
    static const uint64_t want[] = {5, 10, 15, 20, 30};
    ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, SIM_NODE_NONE), 5);
    for (int i = 0; i < 5; i++) {
        const struct th_rec *r = th_world_find(&w, TH_R_TIMER, SIM_NODE_NONE, i);
        ck_assert_uint_eq(r->tag, want[i]);
        TH_ASSERT_AT(r, (sim_time)want[i] * SIM_MS);
    }
    /* Starts at time 0, in the order the nodes were added. */
    ck_assert_uint_eq(w.r[0].kind, TH_R_START);
    ck_assert_uint_eq(w.r[0].node, 0);
    ck_assert_uint_eq(w.r[1].kind, TH_R_START);
    ck_assert_uint_eq(w.r[1].node, 1);
    TH_ASSERT_AT(&w.r[1], 0);
    TH_ASSERT_TIME(&w, 30 * SIM_MS);
    ck_assert_uint_eq(sim_events(w.s), 7);
    th_world_free(&w);
}
END_TEST

static void ties_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id == 0) {
        node_timer(n, 5 * SIM_MS, 1);
        node_timer(n, 5 * SIM_MS, 2);
        node_timer(n, 5 * SIM_MS, 3);
    } else {
        node_timer(n, 5 * SIM_MS, 4);
        node_timer(n, 5 * SIM_MS, 5);
    }
}

/* At 1 ms, from outside any node: timers for different nodes interleaved, and a hook, all due at 5 ms. */
static void ties_hook(struct sim *s, void *ctx, uint64_t arg)
{
    struct th_world *w = ctx;
    (void)arg;
    node_timer(sim_node(s, 1), 4 * SIM_MS, 6);
    node_timer(sim_node(s, 0), 4 * SIM_MS, 7);
    sim_hook_at(s, 5 * SIM_MS, w->hook, 8);
    node_timer(sim_node(s, 1), 4 * SIM_MS, 9);
}

START_TEST(test_timer_ties)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    w.start = ties_start;
    int h = sim_hook_register(w.s, ties_hook, &w);
    ck_assert_int_eq(sim_hook_at(w.s, 1 * SIM_MS, h, 0), 0);
    sim_run(w.s, SIM_TIME_MAX);
    /* Everything at 5 ms runs in the order it was scheduled, whoever scheduled it and for whom. */
    static const struct { enum th_rkind k; sim_node_id node; uint64_t tag; } want[] = {
        {TH_R_TIMER, 0, 1}, {TH_R_TIMER, 0, 2}, {TH_R_TIMER, 0, 3}, {TH_R_TIMER, 1, 4}, {TH_R_TIMER, 1, 5},
        {TH_R_TIMER, 1, 6}, {TH_R_TIMER, 0, 7}, {TH_R_HOOK, SIM_NODE_NONE, 8}, {TH_R_TIMER, 1, 9},
    };
    ck_assert_uint_eq(w.nr, 2 + 9);
    for (int i = 0; i < 9; i++) {
        const struct th_rec *r = &w.r[2 + i];
        ck_assert_uint_eq(r->kind, want[i].k);
        ck_assert_uint_eq(r->node, want[i].node);
        ck_assert_uint_eq(r->tag, want[i].tag);
        TH_ASSERT_AT(r, 5 * SIM_MS);
    }
    th_world_free(&w);
}
END_TEST

static void zero_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id == 0) {
        node_timer(n, 5 * SIM_MS, 1);
        node_timer(n, 5 * SIM_MS, 3);
    }
}

static void zero_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    if (tag != 1)
        return;
    /* A zero delay timer, a message over a zero-latency network and a zero-latency disk completion:
     * none of them may run inside this handler (the recorders assert in_handler == 0). */
    w->in_handler = 1;
    node_timer(n, 0, 2);
    node_send(n, 1, 9, "x", 1, 0);
    node_disk_append(n, 0, 10, 4);
    w->in_handler = 0;
}

START_TEST(test_timer_zero_delay)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 0, 0);
    struct conf c;
    conf_init(&c, TH_CONF_FILE);
    cJSON *disk = cJSON_Parse("{\"append_latency\":{\"const_ms\":0},\"append_mib_per_s\":0}");
    ck_assert_int_eq(disk_load(w.s, &c, disk, "$.disk"), 0);
    cJSON_Delete(disk);
    w.start = zero_start;
    w.timer = zero_timer;
    sim_run(w.s, SIM_TIME_MAX);
    /* Order at 5 ms: timer 1, then timer 3 (scheduled earlier), then what timer 1 started, in order. */
    ck_assert_uint_eq(w.nr, 2 + 5);
    ck_assert_uint_eq(w.r[2].kind, TH_R_TIMER);
    ck_assert_uint_eq(w.r[2].tag, 1);
    ck_assert_uint_eq(w.r[3].kind, TH_R_TIMER);
    ck_assert_uint_eq(w.r[3].tag, 3);
    ck_assert_uint_eq(w.r[4].kind, TH_R_TIMER);
    ck_assert_uint_eq(w.r[4].tag, 2);
    ck_assert_uint_eq(w.r[5].kind, TH_R_MSG);
    ck_assert_uint_eq(w.r[6].kind, TH_R_DISK);
    ck_assert_uint_eq(w.r[6].tag, 4);
    for (int i = 2; i < 7; i++)
        TH_ASSERT_AT(&w.r[i], 5 * SIM_MS);
    th_world_free(&w);
}
END_TEST

/* ---- cancel ------------------------------------------------------------------------------------------ */

static void cancel_start(struct th_world *w, struct sim_node *n)
{
    if (n->id != 0)
        return;
    w->h[0] = node_timer(n, 10 * SIM_MS, 1);
    w->h[1] = node_timer(n, 20 * SIM_MS, 2);
    ck_assert_uint_ne(w->h[0], 0);
    ck_assert_uint_ne(w->h[1], 0);
    ck_assert_uint_ne(w->h[0], w->h[1]);
    node_timer_cancel(n, w->h[0]);
    node_timer_cancel(n, w->h[0]);      /* twice */
    node_timer_cancel(n, 0);            /* "no timer" */
    /* Two timers at one instant: the first cancels the second. */
    w->h[2] = node_timer(n, 25 * SIM_MS, 10);
    w->h[3] = node_timer(n, 25 * SIM_MS, 11);
}

static void cancel_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    if (tag == 10) {
        node_timer_cancel(n, w->h[3]);
        node_timer_cancel(n, w->h[2]);  /* the timer now running: already fired, a no-op */
    }
}

START_TEST(test_cancel)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    w.start = cancel_start;
    w.timer = cancel_timer;
    sim_node_id n0 = 0;

    sim_run(w.s, 30 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, n0), 2);
    ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, n0, 0)->tag, 2);
    TH_ASSERT_AT(th_world_find(&w, TH_R_TIMER, n0, 0), 20 * SIM_MS);
    ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, n0, 1)->tag, 10);
    ck_assert_uint_eq(sim_pending(w.s), 0);

    /* Cancelling a timer that fired is a no-op; so is a stale handle whose slot now holds another timer
     * (the free list hands out the most recently freed slot first, which the test checks). */
    node_timer_cancel(th_world_node(&w, 0), w.h[1]);
    sim_timer again = node_timer(th_world_node(&w, 0), 5 * SIM_MS, 3);
    ck_assert_uint_ne(again, 0);
    ck_assert_uint_ne(again, w.h[1]);
    ck_assert_uint_eq((uint32_t)again, (uint32_t)w.h[3]);   /* the last slot freed: the tombstone at 25 ms */
    node_timer_cancel(th_world_node(&w, 0), w.h[3]);                 /* stale: cancelled earlier, slot reused */
    node_timer_cancel(th_world_node(&w, 1), again);                  /* not node 1's timer */
    node_timer_cancel(th_world_node(&w, 0), (sim_timer)0xffffffffu); /* a slot beyond the pool */
    sim_run(w.s, 40 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, n0), 3);
    ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, n0, 2)->tag, 3);
    TH_ASSERT_AT(th_world_find(&w, TH_R_TIMER, n0, 2), 35 * SIM_MS);

    /* A handle that fired, whose slot was then reused: cancelling it leaves the new timer alone. */
    sim_timer third = node_timer(th_world_node(&w, 0), 1 * SIM_MS, 4);
    ck_assert_uint_eq((uint32_t)third, (uint32_t)again);
    node_timer_cancel(th_world_node(&w, 0), again);
    sim_run(w.s, 50 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, n0), 4);
    ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, n0, 3)->tag, 4);
    TH_ASSERT_AT(th_world_find(&w, TH_R_TIMER, n0, 3), 41 * SIM_MS);
    th_world_free(&w);
}
END_TEST

START_TEST(test_cancel_many)
{
    struct th_world w;
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    sim_run(w.s, 0);
    struct sim_node *n = th_world_node(&w, 0);
    for (int i = 0; i < 10; i++)
        ck_assert_uint_ne(node_timer(n, (i + 1) * SIM_S, (uint64_t)i), 0);

    /* Set and cancel one at a time: tombstones are compacted once they exceed half the queue. */
    size_t max_pending = 0;
    for (int i = 0; i < 100000; i++) {
        sim_timer t = node_timer(n, 2 * SIM_S + i, 1000 + (uint64_t)i);
        node_timer_cancel(n, t);
        if (sim_pending(w.s) > max_pending)
            max_pending = sim_pending(w.s);
    }
    ck_assert_uint_le(max_pending, 2100);

    /* Set many, then cancel them all. */
    static sim_timer hs[100000];
    size_t before = sim_pending(w.s);
    for (int i = 0; i < 100000; i++)
        hs[i] = node_timer(n, 3 * SIM_S + i, 200000 + (uint64_t)i);
    ck_assert_uint_eq(sim_pending(w.s), before + 100000);
    for (int i = 0; i < 100000; i++)
        node_timer_cancel(n, hs[i]);
    ck_assert_uint_le(sim_pending(w.s), 2100);

    uint64_t ran = sim_run(w.s, SIM_TIME_MAX);
    ck_assert_uint_eq(ran, 10);
    ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, 0), 10);
    for (int i = 0; i < 10; i++) {
        ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, 0, i)->tag, (uint64_t)i);
        TH_ASSERT_AT(th_world_find(&w, TH_R_TIMER, 0, i), (sim_time)(i + 1) * SIM_S);
    }
    ck_assert_uint_eq(sim_pending(w.s), 0);
    th_world_free(&w);
}
END_TEST

/* ---- run control ------------------------------------------------------------------------------------- */

static void run_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    node_timer(n, 10 * SIM_MS, 1);
    node_timer(n, 10 * SIM_MS, 2);
    node_timer(n, 20 * SIM_MS, 3);
    node_timer(n, 30 * SIM_MS, 4);
}

START_TEST(test_run_until)
{
    struct th_world w;
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    w.start = run_start;
    ck_assert_uint_eq(sim_run(w.s, 25 * SIM_MS), 4);   /* start and three timers */
    TH_ASSERT_TIME(&w, 25 * SIM_MS);
    ck_assert_uint_eq(sim_pending(w.s), 1);
    ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, 0), 3);
    /* An event exactly at `until` runs. */
    ck_assert_uint_eq(sim_run(w.s, 30 * SIM_MS), 1);
    TH_ASSERT_TIME(&w, 30 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_TIMER, 0, 3), 30 * SIM_MS);
    /* Nothing left: the clock still moves to `until`. */
    ck_assert_uint_eq(sim_run(w.s, 100 * SIM_MS), 0);
    TH_ASSERT_TIME(&w, 100 * SIM_MS);
    ck_assert_uint_eq(sim_events(w.s), 5);
    th_world_free(&w);

    /* Run to "forever": the clock stays at the last event. */
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    w.start = run_start;
    ck_assert_uint_eq(sim_run(w.s, SIM_TIME_MAX), 5);
    TH_ASSERT_TIME(&w, 30 * SIM_MS);
    th_world_free(&w);
}
END_TEST

static void stop_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    (void)w;
    if (tag == 1)
        sim_stop(n->sim);
}

START_TEST(test_run_stop)
{
    struct th_world w;
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    w.start = run_start;
    w.timer = stop_timer;
    /* Stops right after the event that called sim_stop; the tie at 10 ms stays queued. */
    ck_assert_uint_eq(sim_run(w.s, SIM_S), 2);
    ck_assert_int_eq(sim_stopped(w.s), 1);
    TH_ASSERT_TIME(&w, 10 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, 0), 1);
    ck_assert_uint_eq(sim_pending(w.s), 3);
    /* The next run goes on from there. */
    ck_assert_uint_eq(sim_run(w.s, SIM_S), 3);
    ck_assert_int_eq(sim_stopped(w.s), 0);
    TH_ASSERT_TIME(&w, SIM_S);
    ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, 0), 4);
    ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, 0, 1)->tag, 2);
    TH_ASSERT_AT(th_world_find(&w, TH_R_TIMER, 0, 1), 10 * SIM_MS);
    th_world_free(&w);
}
END_TEST

static void after_count(struct sim *s, void *ctx, uint64_t arg)
{
    (void)s;
    (void)arg;
    ((struct th_world *)ctx)->u[0]++;
}

START_TEST(test_after_event)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    w.start = run_start;
    sim_set_after_event(w.s, after_count, &w);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_uint_eq(w.u[0], sim_events(w.s));
    ck_assert_uint_eq(w.u[0], 10);
    th_world_free(&w);
}
END_TEST

/* ---- random streams ---------------------------------------------------------------------------------- */

#define DRAWS 64

static void draw(struct sim_rng *r, double *out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = sim_rng_uniform(r);
}

static int same(const double *a, const double *b, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += a[i] == b[i];
    return k;
}

START_TEST(test_rng_streams)
{
    double ref[DRAWS], got[DRAWS], tmp[DRAWS];
    struct th_world w;

    /* "a" alone. */
    th_world_init(&w, 42, 0, 1 * SIM_MS, 0);
    sim_node_id a = th_world_add(&w, "a");
    struct sim_rng *r = node_rng(th_world_node(&w, (int)a), "x");
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_eq(node_rng(th_world_node(&w, (int)a), "x"), r);   /* one stream a purpose */
    draw(r, ref, DRAWS);
    th_world_free(&w);

    /* "b" added first, the simulation run for a while, and other streams of both nodes drawn from. */
    th_world_init(&w, 42, 0, 1 * SIM_MS, 0);
    sim_node_id b = th_world_add(&w, "b");
    a = th_world_add(&w, "a");
    sim_run(w.s, 10 * SIM_MS);
    draw(node_rng(th_world_node(&w, (int)b), "x"), tmp, 10);
    draw(node_rng(th_world_node(&w, (int)b), "y"), tmp, 10);
    draw(node_rng(th_world_node(&w, (int)a), "y"), tmp, 10);
    draw(sim_rng(w.s, "x"), tmp, 10);
    draw(node_rng(th_world_node(&w, (int)a), "x"), got, DRAWS);
    ck_assert_int_eq(same(ref, got, DRAWS), DRAWS);
    /* b's "x" is another stream than a's "x", and the engine-wide "x" another again. */
    draw(node_rng(th_world_node(&w, (int)b), "x"), got, DRAWS);
    ck_assert_int_lt(same(ref, got, DRAWS), 3);
    th_world_free(&w);

    /* The same stream straight from sim_rng_new. */
    struct sim_rng *direct = sim_rng_new(42, "a", "x");
    draw(direct, got, DRAWS);
    ck_assert_int_eq(same(ref, got, DRAWS), DRAWS);
    sim_rng_free(direct);

    /* Engine-wide streams are owner "". */
    th_world_init(&w, 42, 0, 1 * SIM_MS, 0);
    draw(sim_rng(w.s, "faults"), got, DRAWS);
    direct = sim_rng_new(42, "", "faults");
    draw(direct, tmp, DRAWS);
    ck_assert_int_eq(same(tmp, got, DRAWS), DRAWS);
    sim_rng_free(direct);
    th_world_free(&w);

    /* Another seed, other draws; the same seed again, the same draws. */
    th_world_init(&w, 43, 0, 1 * SIM_MS, 0);
    a = th_world_add(&w, "a");
    draw(node_rng(th_world_node(&w, (int)a), "x"), got, DRAWS);
    ck_assert_int_lt(same(ref, got, DRAWS), 3);
    th_world_free(&w);
    th_world_init(&w, 42, 0, 1 * SIM_MS, 0);
    a = th_world_add(&w, "a");
    draw(node_rng(th_world_node(&w, (int)a), "x"), got, DRAWS);
    ck_assert_int_eq(same(ref, got, DRAWS), DRAWS);
    th_world_free(&w);
}
END_TEST

/* The latency draws of a's sends do not depend on another node being there. */
static void lat_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (strcmp(n->name, "a") == 0)
        for (int i = 0; i < 50; i++)
            node_send(n, n->id, 1, &i, sizeof i, 0);
}

START_TEST(test_rng_net_independent)
{
    struct sim_dist lat = {.kind = SIM_DIST_UNIFORM, .unit = SIM_UNIT_TIME, .a = 1e6, .b = 1e7};
    sim_time t1[50], t2[50];
    for (int pass = 0; pass < 2; pass++) {
        struct th_world w;
        th_world_init(&w, 7, 0, 1 * SIM_MS, 0);
        ck_assert_int_eq(sim_net_default(w.s, &lat, NAN, NAN), 0);
        if (pass == 1)
            th_world_add(&w, "zz");
        th_world_add(&w, "a");
        w.start = lat_start;
        sim_run(w.s, SIM_TIME_MAX);
        ck_assert_int_eq(th_world_count(&w, TH_R_MSG, SIM_NODE_NONE), 50);
        for (int i = 0; i < 50; i++) {
            const struct th_rec *r = th_world_find(&w, TH_R_MSG, SIM_NODE_NONE, i);
            (pass ? t2 : t1)[(int)r->tag] = r->t;
        }
        th_world_free(&w);
    }
    for (int i = 0; i < 50; i++)
        ck_assert_int_eq(t1[i], t2[i]);
}
END_TEST

/* ---- determinism -------------------------------------------------------------------------------------- */

static void det_start(struct th_world *w, struct sim_node *n)
{
    w->rng[n->id] = node_rng(n, "work");
    node_timer(n, (sim_time)sim_rng_below(w->rng[n->id], 5 * SIM_MS), 1);
    if (n->id == 0)
        for (sim_node_id p = 1; p < (sim_node_id)w->n; p++)
            w->c[p] = node_connect(n, p, p);
}

static void det_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    (void)tag;
    struct sim_rng *r = w->rng[n->id];
    sim_node_id to = (sim_node_id)sim_rng_below(r, (uint64_t)w->n);
    uint64_t body[3] = {n->id, (uint64_t)node_now(n), (uint64_t)sim_rng_below(r, 1000000)};
    node_send(n, to, 1, body, sizeof body, 100 + sim_rng_below(r, 1000));
    if (n->id == 0 && to != 0 && node_conn_open(n, w->c[to]))
        node_conn_send(n, w->c[to], 2, body, sizeof body, 500);
    node_timer(n, (sim_time)(sim_rng_uniform(r) * 3e6), 1);
}

static void det_msg(struct th_world *w, struct sim_node *n, const struct sim_msg *m)
{
    (void)w;
    if (m->conn && sim_rng_uniform(node_rng(n, "reply")) < 0.5)
        node_conn_send(n, m->conn, 3, m->data, m->len, m->len);
}

static void det_conn(struct th_world *w, struct sim_node *n, sim_conn c, enum sim_conn_ev ev, sim_node_id peer,
                     uint64_t tag)
{
    (void)c;
    (void)peer;
    if (n->id == 0 && (ev == SIM_CONN_CLOSED || ev == SIM_CONN_FAILED))
        w->c[tag ? tag : peer] = node_connect(n, peer, peer);
}

static uint64_t det_run(uint64_t seed, size_t *nrec)
{
    struct th_world w;
    struct fault_plan plan;
    struct conf c;
    th_world_init(&w, seed, 4, 1 * SIM_MS, 1e7);
    struct sim_dist lat = {.kind = SIM_DIST_UNIFORM, .unit = SIM_UNIT_TIME, .a = 1e6, .b = 1e7};
    ck_assert_int_eq(sim_net_default(w.s, &lat, 0.1, NAN), 0);
    th_world_disk(&w, "{}");
    w.start = det_start;
    w.timer = det_timer;
    w.msg = det_msg;
    w.conn = det_conn;
    th_world_faults(&w,
                    "[{\"at_ms\":300,\"op\":\"crash_process\",\"node\":\"n3\",\"duration_ms\":100},"
                    " {\"at_ms\":600,\"op\":\"crash_host\",\"node\":\"n2\",\"duration_ms\":100},"
                    " {\"at_ms\":800,\"op\":\"partition\",\"a\":[\"n0\"],\"b\":[\"n1\"],\"duration_ms\":100},"
                    " {\"at_ms\":1000,\"op\":\"pause\",\"node\":\"n1\",\"duration_ms\":50}]",
                    &plan, &c);
    ck_assert_msg(!c.failed, "%s", c.err);
    sim_run(w.s, 1500 * SIM_MS);
    uint64_t h = TH_FNV0;
    for (size_t i = 0; i < w.nr; i++) {
        const struct th_rec *r = &w.r[i];
        uint64_t f[10] = {(uint64_t)r->kind, (uint64_t)r->t, r->node, r->inc, r->tag, r->a, r->b, r->len,
                          r->conn, r->hash};
        h = th_fnv(h, f, sizeof f);
    }
    const struct sim_stats *st = sim_stats(w.s);
    uint64_t f[4] = {st->events, st->msgs_sent, st->msgs_dropped_loss, st->msgs_dropped_cut};
    h = th_fnv(h, f, sizeof f);
    *nrec = w.nr;
    fault_plan_free(&plan);
    th_world_free(&w);
    return h;
}

START_TEST(test_determinism)
{
    size_t n1, n2, n3;
    uint64_t a = det_run(99, &n1), b = det_run(99, &n2), c = det_run(100, &n3);
    ck_assert_uint_gt(n1, 1000);
    ck_assert_uint_eq(n1, n2);
    ck_assert_uint_eq(a, b);
    ck_assert_uint_ne(a, c);
}
END_TEST

/* ---- the suite ----------------------------------------------------------------------------------------- */

static Suite *sim_sched_suite(void)
{
    Suite *s = suite_create("sim_sched");

    TCase *tc = tcase_create("events");
    tcase_add_test(tc, test_nodes);
    tcase_add_test(tc, test_timer_order);
    tcase_add_test(tc, test_timer_ties);
    tcase_add_test(tc, test_timer_zero_delay);
    tcase_add_test(tc, test_cancel);
    tcase_add_test(tc, test_cancel_many);
    tcase_add_test(tc, test_run_until);
    tcase_add_test(tc, test_run_stop);
    tcase_add_test(tc, test_after_event);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("rng");
    tcase_add_test(tc, test_rng_streams);
    tcase_add_test(tc, test_rng_net_independent);
    suite_add_tcase(s, tc);

    tc = tcase_create("determinism");
    tcase_add_test(tc, test_determinism);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(sim_sched_suite());
}
