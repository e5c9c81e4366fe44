/* test_heap: the event queue (a sorted array when small, a 4-ary heap when large) against a plain
 * reference (the minimum found by a scan), over random pushes, pops and top replacements with many equal
 * times and sizes that cross between the two forms many times; and the engine's use of the top
 * replacement (sim_run leaves a dispatched event at the top until its handler schedules one): order, the
 * pending count seen from a handler, cancels that compact the queue during a dispatch. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim/heap.h"
#include "sim/nearq.h"
#include "sim/sim.h"
#include "tests/harness.h"

/* The reference: an unordered array; the minimum by (t, key), found by a scan. */
struct ref {
    struct heap_ent a[4096];
    size_t n;
};

static size_t ref_min(const struct ref *r)
{
    size_t m = 0;
    for (size_t i = 1; i < r->n; i++)
        if (heap_less(&r->a[i], &r->a[m]))
            m = i;
    return m;
}

static void ref_take(struct ref *r, size_t i) { r->a[i] = r->a[--r->n]; }

/* The next entry of a test's random walk: a xorshift step of *x, a time below range (a small range, so
 * ties are common and the sequence decides), the next sequence and a slot from *x. */
static struct heap_ent draw(uint64_t *x, uint64_t *seq, uint64_t range)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    uint64_t key = ((*seq)++ << HEAP_SLOT_BITS) | (*x >> 40 & HEAP_SLOT_MAX);
    return (struct heap_ent){(sim_time)((*x >> 8) % range), key};
}

static int same(const struct heap_ent *a, const struct heap_ent *b) { return a->t == b->t && a->key == b->key; }

START_TEST(test_heap_against_scan)
{
    static struct ref r;
    struct heap h = {0};
    uint64_t seq = 0, x = 88172645463325252ULL;
    int to_heap = 0, to_sorted = 0, ahead = 0;
    r.n = 0;
    for (int step = 0; step < 200000; step++) {
        int was = h.heaped;
        struct heap_ent e = draw(&x, &seq, 64);
        /* Phases of 2500 steps that grow (push 1/2, pop 1/4) and shrink (push 1/8, pop 5/8) the queue. */
        int op = (int)(x % 8), grow = (step / 2500) % 2 == 0;
        if ((op < (grow ? 4 : 1) || r.n == 0) && r.n < 4096) {
            ck_assert_int_eq(heap_push(&h, e), 0);
            r.a[r.n++] = e;
        } else if (op < 6 && r.n > 0) {   /* pops: 2 in 8 growing, 5 in 8 shrinking */
            struct heap_ent got;
            /* Half of them by the large queue's pop, which must give the same entries. */
            if (x & 16) {
                ahead += h.heaped;
                heap_pop_ahead(&h, &got);
            } else {
                heap_pop(&h, &got);
            }
            size_t m = ref_min(&r);
            TH_REQUIRE(same(&got, &r.a[m]), "pop at step %d", step);
            ref_take(&r, m);
        } else if (r.n > 0) {
            size_t m = ref_min(&r);
            TH_REQUIRE(same(heap_top(&h), &r.a[m]), "top at step %d", step);
            heap_replace_top(&h, e);
            r.a[m] = e;
        }
        TH_REQUIRE(h.n == r.n, "size at step %d", step);
        to_heap += !was && h.heaped;
        to_sorted += was && !h.heaped;
        TH_REQUIRE(h.heaped ? h.n >= HEAP_SORTED_MIN : h.n <= HEAP_SORTED_MAX, "form at step %d", step);
    }
    /* The random walk of the size crossed both ways between the forms, several times. */
    ck_assert_int_ge(to_heap, 3);
    ck_assert_int_ge(to_sorted, 3);
    ck_assert_int_ge(ahead, 10000);
    /* Drain: every entry comes out in order. */
    while (r.n > 0) {
        struct heap_ent got;
        heap_pop_ahead(&h, &got);
        size_t m = ref_min(&r);
        ck_assert(same(&got, &r.a[m]));
        ref_take(&r, m);
    }
    ck_assert_uint_eq(h.n, 0);
    heap_free(&h);
}
END_TEST

/* The near queue against the scan: inserts from both ends (times from a small range, so ties are common
 * and the sequence decides), pops, growth and re-centring, a filter that keeps the order. */
static int drop_odd_seq(void *ctx, const struct heap_ent *e)
{
    (void)ctx;
    return (e->key >> HEAP_SLOT_BITS) % 2 == 1;
}

START_TEST(test_nearq_against_scan)
{
    static struct ref r;
    struct nearq q = {0};
    uint64_t seq = 0, x = 0x9e3779b97f4a7c15ULL;
    int from_head = 0, from_tail = 0;
    r.n = 0;
    for (int step = 0; step < 100000; step++) {
        struct heap_ent e = draw(&x, &seq, 256);
        int grow = (step / 1500) % 2 == 0;
        if (((int)(x % 8) < (grow ? 5 : 3) || r.n == 0) && r.n < 4096) {
            uint32_t head = q.head, tail = q.tail;
            ck_assert_int_eq(nearq_push(&q, e), 0);
            from_head += q.tail == tail && q.head != head;
            from_tail += q.tail != tail;
            r.a[r.n++] = e;
        } else {
            size_t m = ref_min(&r);
            TH_REQUIRE(same(nearq_top(&q), &r.a[m]), "top at step %d", step);
            nearq_pop(&q);
            ref_take(&r, m);
        }
        TH_REQUIRE(nearq_n(&q) == r.n, "size at step %d", step);
        if (step == 50000) {   /* the filter, as the engine's compaction */
            nearq_filter(&q, drop_odd_seq, NULL);
            size_t j = 0;
            for (size_t i = 0; i < r.n; i++)
                if (!drop_odd_seq(NULL, &r.a[i]))
                    r.a[j++] = r.a[i];
            r.n = j;
            ck_assert_uint_eq(nearq_n(&q), r.n);
        }
    }
    ck_assert_int_gt(from_head, 1000);
    ck_assert_int_gt(from_tail, 1000);
    for (uint32_t i = q.head; i + 1 < q.tail; i++)
        ck_assert(heap_less(&q.a[i], &q.a[i + 1]));
    nearq_free(&q);
}
END_TEST

/* Filtering in place then heap_rebuild, as the engine's compaction does: in the heap form (3000 entries)
 * and in the sorted form (60). */
START_TEST(test_heap_rebuild)
{
    const uint64_t total = _i ? 60 : 3000;
    struct heap h = {0};
    uint64_t x = 7;
    for (uint64_t i = 0; i < total; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        ck_assert_int_eq(heap_push(&h, (struct heap_ent){(sim_time)(x >> 54), i << HEAP_SLOT_BITS}), 0);
    }
    ck_assert_int_eq(h.heaped, total > HEAP_SORTED_MAX);
    /* Drop every third entry in place, as the engine's compaction does, then restore the order. */
    size_t j = 0;
    for (size_t i = 0; i < h.n; i++)
        if ((h.a[i].key >> HEAP_SLOT_BITS) % 3)
            h.a[j++] = h.a[i];
    h.n = j;
    heap_rebuild(&h);
    struct heap_ent prev = {-1, 0}, e;
    size_t n = 0;
    while (h.n) {
        heap_pop(&h, &e);
        ck_assert(heap_less(&prev, &e));
        ck_assert_uint_ne((e.key >> HEAP_SLOT_BITS) % 3, 0);
        prev = e;
        n++;
    }
    ck_assert_uint_eq(n, total - (total + 2) / 3);
    heap_free(&h);
}
END_TEST

/* The engine: a timer's handler sets the next timers and looks at the queue. */
static void chain_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    if (tag < 100) {
        /* Three timers: one at the same instant (it runs after what already waits there), two later. */
        if (tag == 0)
            w->u[0] = sim_pending(w->s);
        node_timer(n, 0, 1000 + tag);
        node_timer(n, 5 * SIM_MS, tag + 1 < 20 ? tag + 1 : 100);
        node_timer(n, 3 * SIM_MS, 2000 + tag);
    }
}

START_TEST(test_engine_top_taken)
{
    struct th_world w;
    th_world_init(&w, 3, 1, 1 * SIM_MS, 0);
    w.timer = chain_timer;
    sim_run(w.s, 0);
    struct sim_node *n = th_world_node(&w, 0);
    node_timer(n, 1 * SIM_MS, 0);
    node_timer(n, 1 * SIM_MS, 500);   /* the same instant, set after: runs before the handler's zero delay */
    /* From inside the handler, the running event is not pending. */
    sim_run(w.s, 1 * SIM_MS);
    ck_assert_uint_eq(w.u[0], 1);
    sim_run(w.s, SIM_TIME_MAX);
    /* Order: by time, then by when each was set. */
    const struct th_rec *prev = NULL;
    int timers = 0;
    for (size_t i = 0; i < w.nr; i++) {
        if (w.r[i].kind != TH_R_TIMER)
            continue;
        if (prev)
            ck_assert_int_le(prev->t, w.r[i].t);
        prev = &w.r[i];
        timers++;
    }
    ck_assert_int_eq(timers, 2 + 20 * 3);
    ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, 0, 0)->tag, 0);
    ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, 0, 1)->tag, 500);
    ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, 0, 2)->tag, 1000);
    TH_ASSERT_AT(th_world_find(&w, TH_R_TIMER, 0, 2), 1 * SIM_MS);
    ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, 0, 3)->tag, 2000);
    TH_ASSERT_AT(th_world_find(&w, TH_R_TIMER, 0, 3), 4 * SIM_MS);
    ck_assert_uint_eq(sim_pending(w.s), 0);
    th_world_free(&w);
}
END_TEST

/* A handler that cancels enough timers to compact the queue while its own event is at the top. */
static void cancel_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    static sim_timer hs[5000];
    if (tag != 1)
        return;
    for (int i = 0; i < 5000; i++)
        hs[i] = node_timer(n, 10 * SIM_MS + i, 10 + (uint64_t)i);
    for (int i = 0; i < 5000; i++)
        if (i % 1000)
            node_timer_cancel(n, hs[i]);
    w->u[0] = sim_pending(w->s);
    node_timer(n, 2 * SIM_MS, 2);
}

START_TEST(test_engine_compact_in_dispatch)
{
    struct th_world w;
    th_world_init(&w, 3, 1, 1 * SIM_MS, 0);
    w.timer = cancel_timer;
    sim_run(w.s, 0);
    node_timer(th_world_node(&w, 0), 1 * SIM_MS, 1);
    node_timer(th_world_node(&w, 0), 3 * SIM_MS, 3);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_uint_le(w.u[0], 5000 / 2 + 1);
    ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, 0), 3 + 5);
    uint64_t want[] = {1, 3, 2, 10, 1010, 2010, 3010, 4010};   /* 3 and 2 both at 3 ms: 3 was set first */
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, 0, i)->tag, want[i]);
    ck_assert_uint_eq(sim_pending(w.s), 0);
    th_world_free(&w);
}
END_TEST

/* A queue above the loop's large-queue mark (PREFETCH_PENDING in sim.c, 1024), where each event is popped
 * before its dispatch: the same order (by time, then by when each was set), cancelled timers neither run nor
 * reach the after-event hook, and the two ways of running an event hand over to each other as the queue
 * shrinks past the mark. */
static void count_after(struct sim *s, void *ctx, uint64_t arg)
{
    (void)s;
    (void)arg;
    ((struct th_world *)ctx)->u[1]++;
}

static void follow_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    (void)w;
    if (tag < 3000 && tag % 7 == 0)
        node_timer(n, (sim_time)(tag % 5) * SIM_MS, 10000 + tag);   /* some at the same instant */
}

/* A model-sized queue above the sorted form's size (HEAP_SORTED_MAX), where events due within a
 * millisecond go to the near queue and the rest to the heap: the same order (by time, then by when each
 * was set) across the two, cancelled timers never run, and the compaction filters both. */
static void near_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    (void)tag;
    if (w->u[2] < 3000) {   /* a follow-up due in 0-2 ms, tagged in the order they are set */
        uint64_t k = w->u[2]++;
        node_timer(n, (sim_time)(k * 7919 % 2000) * SIM_US, 100000 + k);
    }
}

START_TEST(test_engine_near_queue)
{
    struct th_world w;
    th_world_init(&w, 3, 1, 1 * SIM_MS, 0);
    w.timer = near_timer;
    sim_run(w.s, 0);
    struct sim_node *n = th_world_node(&w, 0);
    static sim_timer hs[300];
    for (int i = 0; i < 300; i++)   /* 0.1-50 ms: a tenth of them within the near window */
        hs[i] = node_timer(n, (sim_time)(i * 37 % 50) * SIM_MS + (sim_time)(1 + i % 10) * 100 * SIM_US, (uint64_t)i);
    for (int i = 0; i < 300; i += 5)
        node_timer_cancel(n, hs[i]);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, 0), 300 - 60 + 3000);
    const struct th_rec *prev = NULL;
    for (size_t i = 0; i < w.nr; i++) {
        const struct th_rec *r = &w.r[i];
        if (r->kind != TH_R_TIMER)
            continue;
        ck_assert_msg(r->tag >= 100000 || r->tag % 5 != 0, "cancelled timer %llu ran", (unsigned long long)r->tag);
        if (prev) {
            ck_assert_int_le(prev->t, r->t);
            /* At one instant: the initial timers (set first) by tag, then the follow-ups by when set. */
            if (prev->t == r->t)
                ck_assert_uint_lt(prev->tag, r->tag);
        }
        prev = r;
    }
    ck_assert_uint_ge(sim_stats(w.s)->peak_pending, 240);
    ck_assert_uint_eq(sim_pending(w.s), 0);
    th_world_free(&w);
}
END_TEST

START_TEST(test_engine_large_queue)
{
    struct th_world w;
    th_world_init(&w, 3, 1, 1 * SIM_MS, 0);
    w.timer = follow_timer;
    sim_run(w.s, 0);
    sim_set_after_event(w.s, count_after, &w);
    struct sim_node *n = th_world_node(&w, 0);
    static sim_timer hs[3000];
    for (int i = 0; i < 3000; i++)   /* 100 distinct instants, 30 timers each */
        hs[i] = node_timer(n, (sim_time)(1 + (i * 37) % 100) * SIM_MS, (uint64_t)i);
    int cancelled = 0;
    for (int i = 0; i < 3000; i += 3, cancelled++)
        node_timer_cancel(n, hs[i]);
    sim_run(w.s, SIM_TIME_MAX);
    int follow = 0;
    for (int i = 0; i < 3000; i++)
        follow += i % 3 != 0 && i % 7 == 0;
    ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, 0), 3000 - cancelled + follow);
    ck_assert_uint_eq(w.u[1], (uint64_t)(3000 - cancelled + follow));
    ck_assert_uint_ge(sim_stats(w.s)->peak_pending, 3000);
    /* Order: by time; at one instant, the initial timers by tag (the order they were set), all before the
     * follow-ups set at that instant with no delay. */
    const struct th_rec *prev = NULL;
    int follow_seen = 0;
    for (size_t i = 0; i < w.nr; i++) {
        const struct th_rec *r = &w.r[i];
        if (r->kind != TH_R_TIMER)
            continue;
        ck_assert_msg(r->tag >= 10000 || r->tag % 3 != 0, "cancelled timer %llu ran", (unsigned long long)r->tag);
        if (prev && prev->t == r->t) {
            if (r->tag < 10000) {
                ck_assert_msg(!follow_seen, "timer %llu ran after a follow-up", (unsigned long long)r->tag);
                if (prev->tag < 10000)
                    ck_assert_uint_lt(prev->tag, r->tag);
            }
        } else {
            if (prev)
                ck_assert_int_lt(prev->t, r->t);
            follow_seen = 0;
        }
        follow_seen |= r->tag >= 10000;
        prev = r;
    }
    ck_assert_uint_eq(sim_pending(w.s), 0);
    th_world_free(&w);
}
END_TEST

static Suite *heap_suite(void)
{
    Suite *s = suite_create("heap");
    TCase *tc = tcase_create("heap");
    tcase_add_test(tc, test_heap_against_scan);
    tcase_add_loop_test(tc, test_heap_rebuild, 0, 2);
    tcase_add_test(tc, test_engine_top_taken);
    tcase_add_test(tc, test_engine_compact_in_dispatch);
    tcase_add_test(tc, test_engine_large_queue);
    tcase_add_test(tc, test_nearq_against_scan);
    tcase_add_test(tc, test_engine_near_queue);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(heap_suite()); }
