/* raft_self: what the member's parts read of the member itself: its clock, its majority, its stream's draws, and its
 * log (with what the world's memory trim may have forgotten of it). */
#ifndef MODELS_DLEDGER_RAFT_SELF_H
#define MODELS_DLEDGER_RAFT_SELF_H

#include "models/dledger/raft.h"

/* A majority of the members, and the member's clock. */
static inline int raft_quorum(const struct raft *r) { return r->n / 2 + 1; }
static inline sim_time raft_now(const struct raft *r) { return node_now(r->io.node); }
/* A uniform draw from [lo, hi) of the member's stream. */
static inline sim_time raft_rand_between(struct raft *r, sim_time lo, sim_time hi)
{
    return hi > lo ? lo + (sim_time)sim_rng_below(r->io.rng, (uint64_t)(hi - lo)) : lo;
}

/* Whether index is below where the log starts (ledgerBeginIndex). In DLedger only the deletion of old files
 * raises it, which mqsim does not model; here the world's memory trim does, invisibly to the protocol unless
 * it forgot what the protocol reads: a held index below the start is told to the host (trimmed_read). */
static inline int raft_below_begin(const struct raft *r, int64_t index)
{
    if (index >= (int64_t)r->log->first)
        return 0;
    if (index >= 0 && r->io.trimmed_read)
        r->io.trimmed_read(r->io.host, index);
    return 1;
}
/* Whether the memory trim forgot this member's entry at index (raft_below_begin without the report: an index
 * held once, below the kept start). */
static inline int raft_forgot(const struct raft *r, int64_t index)
{
    return index >= 0 && (uint64_t)index < r->log->first;
}
/* The entry at index, NULL when the log does not hold it (reported when the trim forgot it). */
static inline const struct cl_entry *raft_entry(const struct raft *r, int64_t index)
{
    const struct cl_entry *e = index >= 0 ? cl_at(r->log, (uint64_t)index) : NULL;
    if (!e)
        raft_below_begin(r, index);
    return e;
}

#endif
