/* pending_map: one EntryDispatcher's pendingMap (DLedgerEntryPusher, dledger 0.3.1.2: index -> the time of
 * its last push), kept as what it holds rather than as a map. Outside APPEND it is empty. In APPEND it holds
 * every index from the water-mark + 1 to write_index - 1 (pushed, and no SUCCESS yet: a SUCCESS moves the
 * water-mark to its index), whose send times are a ring (raft_peer.sent), and the indexes at or below the
 * water-mark still unanswered (raft_peer.left: pushes whose answer was lost, passed by a later one's; the
 * leak check forgets those below the water-mark). entry_pusher.c keeps it. */
#ifndef MODELS_DLEDGER_PENDING_MAP_H
#define MODELS_DLEDGER_PENDING_MAP_H

#include "models/dledger/raft.h"

/* pendingMap.put(idx, now) for an index above the water-mark: its send time. */
void pmap_note_sent_grow(struct raft_peer *pe, int64_t idx, sim_time now);
/* The indexes lo..hi, at or below the water-mark, stay in pendingMap unanswered. */
void pmap_left_add(struct raft_peer *pe, int64_t lo, int64_t hi);
/* pendingMap.remove(idx) for idx at or below the water-mark. */
void pmap_left_remove(struct raft_peer *pe, int64_t idx);
/* pendingMap.containsKey(idx) for idx at or below the water-mark. */
int pmap_left_has(const struct raft_peer *pe, int64_t idx);

static inline void pmap_note_sent(struct raft_peer *pe, int64_t idx, sim_time now)
{
    if ((uint64_t)(idx - (pe->watermark + 1)) < pe->sent_cap)
        pe->sent[(uint64_t)idx & (pe->sent_cap - 1)] = now;
    else
        pmap_note_sent_grow(pe, idx, now);
}

/* pendingMap.put(idx, now): a push of idx (again: the map keeps it once). */
static inline void pmap_put(struct raft_peer *pe, int64_t idx, sim_time now)
{
    if (idx > pe->watermark)
        pmap_note_sent(pe, idx, now);
    else if (!pmap_left_has(pe, idx))
        pmap_left_add(pe, idx, idx);   /* (pushed after the water-mark passed it: a compare, or a quota sleep) */
}

/* pendingMap.remove(idx) at idx's SUCCESS. 1: idx is above the water-mark, which the caller moves to it;
 * the indexes it passes stay unanswered (their answers did not come) until the leak check. */
static inline int pmap_remove(struct raft_peer *pe, int64_t idx)
{
    if (idx <= pe->watermark) {
        if (pe->left_count)
            pmap_left_remove(pe, idx);
        return 0;
    }
    if (idx > pe->watermark + 1)
        pmap_left_add(pe, pe->watermark + 1, idx - 1);
    return 1;
}

/* pendingMap.size(): the indexes after the water-mark pushed in this state, and those left below. */
static inline int64_t pmap_size(const struct raft_peer *pe)
{
    int64_t ahead = pe->write_index - 1 - pe->watermark;
    return (ahead > 0 ? ahead : 0) + pe->left_count;
}

/* pendingMap.get(idx) for idx above the water-mark: when it was last pushed; dflt when it has not been pushed
 * in this state (at or past write_index) or its time was not kept. */
sim_time pmap_sent_time(const struct raft_peer *pe, int64_t idx, sim_time dflt);
/* The leak check: every index below the water-mark removed. */
void pmap_forget_below(struct raft_peer *pe, int64_t watermark);
/* pendingMap.clear() (its memory kept), and the memory freed. */
void pmap_clear(struct raft_peer *pe);
void pmap_free(struct raft_peer *pe);

#endif
