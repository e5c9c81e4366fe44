/* pending_map: one EntryDispatcher's pendingMap (pending_map.h): the send times after the water-mark in a
 * ring, the indexes left unanswered at or below it in spans. */
#include <stdlib.h>
#include <string.h>

#include "models/dledger/pending_map.h"

/* pendingMap.put(index, now) for a push of entry idx. The ring keeps the indexes from the water-mark + 1 on;
 * when idx lies beyond it, it grows (out of memory: the ring is dropped and no time kept, and pmap_sent_time
 * gives its default, the time the water-mark reaches an entry, the clock of a dispatcher that knows no send times;
 * the next push tries again). pmap_note_sent's way out. */
__attribute__((noinline)) void pmap_note_sent_grow(struct raft_peer *pe, int64_t idx, sim_time now)
{
    int64_t low = pe->watermark + 1;
    if (idx < low)
        return;
    uint64_t cap = pe->sent_cap ? pe->sent_cap : 64;
    while (cap <= (uint64_t)(idx - low))
        cap *= 2;
    sim_time *a = cap <= UINT32_MAX / 2 ? malloc(cap * sizeof *a) : NULL;
    if (!a) {
        free(pe->sent);   /* no time kept for any entry: pmap_sent_time gives its default */
        pe->sent = NULL;
        pe->sent_cap = 0;
        return;
    }
    for (int64_t i = low; i < pe->write_index && i - low < (int64_t)pe->sent_cap; i++)
        a[(uint64_t)i & (cap - 1)] = pe->sent[(uint64_t)i & (pe->sent_cap - 1)];
    free(pe->sent);
    pe->sent = a;
    pe->sent_cap = (uint32_t)cap;
    pe->sent[(uint64_t)idx & (pe->sent_cap - 1)] = now;
}

/* pendingMap.get(idx) for idx above the water-mark: when it was last pushed; `dflt` when it has not been
 * pushed in this state (at or past write_index) or its time was not kept. */
sim_time pmap_sent_time(const struct raft_peer *pe, int64_t idx, sim_time dflt)
{
    if (idx >= pe->write_index || !pe->sent || (uint64_t)(pe->write_index - idx) > pe->sent_cap)
        return dflt;
    return pe->sent[(uint64_t)idx & (pe->sent_cap - 1)];
}

/* pendingMap's entries at or below the water-mark (raft_peer.left). Room for one more span: 0, or -1 out
 * of memory, where a span is not kept: its pushes are forgotten at once, as the leak check would within a
 * second. */
static int left_room(struct raft_peer *pe)
{
    if (pe->left_n < pe->left_cap)
        return 0;
    uint32_t cap = pe->left_cap ? pe->left_cap * 2 : 4;
    struct raft_span *a = cap < UINT32_MAX / 2 ? realloc(pe->left, cap * sizeof *a) : NULL;
    if (!a)
        return -1;
    pe->left = a;
    pe->left_cap = cap;
    return 0;
}

/* The pushes lo..hi stay unanswered as the water-mark passes them (or are pushed at or below it). */
void pmap_left_add(struct raft_peer *pe, int64_t lo, int64_t hi)
{
    if (pe->left_n && pe->left[pe->left_n - 1].hi + 1 == lo)
        pe->left[pe->left_n - 1].hi = hi;
    else if (left_room(pe) == 0)
        pe->left[pe->left_n++] = (struct raft_span){lo, hi};
    else
        return;
    pe->left_count += hi - lo + 1;
}

int pmap_left_has(const struct raft_peer *pe, int64_t idx)
{
    for (uint32_t i = 0; i < pe->left_n; i++)
        if (idx >= pe->left[i].lo && idx <= pe->left[i].hi)
            return 1;
    return 0;
}

/* pendingMap.remove(idx) for idx at or below the water-mark: a late SUCCESS (a resend the follower answered
 * at its look); nothing when idx was answered already. */
void pmap_left_remove(struct raft_peer *pe, int64_t idx)
{
    for (uint32_t i = 0; i < pe->left_n; i++) {
        struct raft_span *sp = &pe->left[i];
        if (idx < sp->lo || idx > sp->hi)
            continue;
        pe->left_count--;
        if (sp->lo == sp->hi) {
            memmove(sp, sp + 1, (pe->left_n - i - 1) * sizeof *sp);
            pe->left_n--;
        } else if (idx == sp->lo) {
            sp->lo++;
        } else if (idx == sp->hi) {
            sp->hi--;
        } else if (left_room(pe) < 0) {
            pe->left_count -= sp->hi - idx;   /* the upper part not kept */
            sp->hi = idx - 1;
        } else {   /* split in two */
            sp = &pe->left[i];
            memmove(sp + 2, sp + 1, (pe->left_n - i - 1) * sizeof *sp);
            sp[1] = (struct raft_span){idx + 1, sp->hi};
            sp->hi = idx - 1;
            pe->left_n++;
        }
        return;
    }
}

/* The leak check (doAppend: every pendingMap index below the water-mark removed). */
void pmap_forget_below(struct raft_peer *pe, int64_t watermark)
{
    uint32_t k = 0;
    pe->left_count = 0;
    for (uint32_t i = 0; i < pe->left_n; i++) {
        struct raft_span sp = pe->left[i];
        if (sp.hi < watermark)
            continue;
        if (sp.lo < watermark)
            sp.lo = watermark;
        pe->left[k++] = sp;
        pe->left_count += sp.hi - sp.lo + 1;
    }
    pe->left_n = k;
}

void pmap_clear(struct raft_peer *pe)
{
    pe->left_n = 0;
    pe->left_count = 0;
}

void pmap_free(struct raft_peer *pe)
{
    free(pe->sent);
    pe->sent = NULL;
    pe->sent_cap = 0;
    free(pe->left);
    pe->left = NULL;
    pe->left_cap = 0;
    pmap_clear(pe);
}
