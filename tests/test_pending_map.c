/* test_pending_map: an EntryDispatcher's pendingMap as pending_map.c keeps it (the indexes after the
 * water-mark implied by write_index, the unanswered ones at or below it in spans) against a plain map of
 * indexes, driven the way entry_pusher.c drives it: pushes from write_index, the resend of the index after the
 * water-mark, a push at or below it (held already or not), SUCCESS answers (the water-mark moving to an index
 * above it), answers that never come, the leak
 * check, a compare (clear) and an APPEND that restarts below the water-mark. After every step the sizes and
 * every index's presence agree. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "models/dledger/pending_map.h"
#include "tests/harness.h"

#define N 4096

struct ref {
    unsigned char in[N];   /* Java's pendingMap: index -> present */
    int64_t size;
};

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* pmap's presence of idx, from what it keeps */
static int held(const struct raft_peer *pe, int64_t idx)
{
    if (idx > pe->watermark && idx < pe->write_index)
        return 1;
    for (uint32_t i = 0; i < pe->left_n; i++)
        if (idx >= pe->left[i].lo && idx <= pe->left[i].hi)
            return 1;
    return 0;
}

static void agree(const struct raft_peer *pe, const struct ref *m, int step)
{
    ck_assert_msg(pmap_size(pe) == m->size, "step %d: size %lld, the map's %lld", step, (long long)pmap_size(pe),
                  (long long)m->size);
    for (int64_t i = 0; i < N; i++)
        if (held(pe, i) != m->in[i])
            ck_abort_msg("step %d: index %lld %s", step, (long long)i, m->in[i] ? "missing" : "kept");
}

static void put(struct raft_peer *pe, struct ref *m, int64_t idx, sim_time now)
{
    pmap_put(pe, idx, now);
    m->size += !m->in[idx];
    m->in[idx] = 1;
}

static void success(struct raft_peer *pe, struct ref *m, int64_t idx)
{
    if (pmap_remove(pe, idx))
        pe->watermark = idx;
    m->size -= m->in[idx];
    m->in[idx] = 0;
}

START_TEST(pending_map_agrees_with_a_map)
{
    struct raft_peer pe;
    struct ref m;
    uint64_t x = 88172645463325252ull + (uint64_t)_i;
    memset(&pe, 0, sizeof pe);
    memset(&m, 0, sizeof m);
    pe.watermark = -1;
    pe.write_index = 0;
    /* pushes not yet answered, in the order sent: their answers come in order, or are lost */
    int64_t flight[N];
    int nf = 0, head = 0;
    for (int step = 0; step < 20000 && pe.write_index < N - 2; step++) {
        uint64_t r = rnd(&x) % 100;
        sim_time now = step;
        if (r < 45) {
            int64_t idx = pe.write_index++;
            put(&pe, &m, idx, now);
            flight[nf++] = idx;
        } else if (r < 50 && pe.watermark + 1 < pe.write_index) {
            put(&pe, &m, pe.watermark + 1, now);   /* the resend */
            flight[nf++] = pe.watermark + 1;
        } else if (r < 52 && pe.watermark >= 0) {
            /* a push at or below the water-mark (a resend woken from a quota sleep after a later answer
             * passed it, held or not) */
            int64_t idx = pe.watermark - (int64_t)(rnd(&x) % 8);
            if (idx >= 0) {
                put(&pe, &m, idx, now);
                flight[nf++] = idx;
            }
        } else if (r < 85 && head < nf) {
            success(&pe, &m, flight[head++]);      /* the oldest answer comes */
        } else if (r < 92 && head < nf) {
            head++;                                /* lost */
        } else if (r < 96) {
            pmap_forget_below(&pe, pe.watermark);  /* the leak check */
            for (int64_t i = 0; i < pe.watermark; i++) {
                m.size -= m.in[i];
                m.in[i] = 0;
            }
        } else if (r < 98) {
            /* a compare, then APPEND at an index at or below the water-mark (kept: updatePeerWaterMark only
             * raises it) */
            pmap_clear(&pe);
            memset(m.in, 0, sizeof m.in);
            m.size = 0;
            nf = head = 0;
            int64_t at = pe.watermark - (int64_t)(rnd(&x) % 5);
            pe.write_index = (at < -1 ? -1 : at) + 1;
        }
        agree(&pe, &m, step);
    }
    ck_assert_int_gt(pe.watermark, 100);
    pmap_free(&pe);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pending_map");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, pending_map_agrees_with_a_map, 0, 8);
    suite_add_tcase(s, tc);
    return th_run_suite(s);
}
