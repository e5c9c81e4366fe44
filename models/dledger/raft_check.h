/* raft_check: the Raft invariants of a DLedger group, checked as the simulation runs: election safety,
 * leader append-only, log matching, leader completeness; each break recorded with time, node and term. */
#ifndef MODELS_RAFT_CHECK_H
#define MODELS_RAFT_CHECK_H

#include "models/dledger/raft.h"
#include "models/report/report.h"
#include "models/store/commitlog.h"
#include "sim/sim.h"

struct raft_check;

/* The checker of group `group` (its index in the report) of n members; breaks go to rep. NULL when out of
 * memory. */
struct raft_check *raft_check_new(struct report *rep, struct sim *s, int group, int n);
/* Member `replica` runs on node, with this log and Raft member (they live as long as the checker). */
void raft_check_member(struct raft_check *c, int replica, sim_node_id node, const struct commitlog *log,
                       const struct raft *raft);
void raft_check_free(struct raft_check *c);

/* A member appended entry index (its log is `log`): the logs that hold the same index and term agree on
 * it and on the entry before it. */
void raft_check_append(struct raft_check *c, int replica, const struct commitlog *log, uint64_t index);
/* A member is about to drop entries from index on: never a leader's own entries, never committed ones. */
void raft_check_truncate(struct raft_check *c, int replica, const struct commitlog *log, int is_leader,
                         int64_t term, uint64_t from);
/* A member's committed index rose from `from` - 1 to `committed`: remember what was committed, and check
 * the member's newly committed entries against it. */
void raft_check_commit(struct raft_check *c, const struct commitlog *log, int64_t from, int64_t committed);
/* A member became leader of term: no other member was one of that term (election safety), and its log
 * holds every entry committed before (leader completeness). */
void raft_check_leader(struct raft_check *c, int replica, const struct commitlog *log, int64_t term);
/* Entries below index are gone from every log's memory (world trimming): forget them here too. */
void raft_check_trim(struct raft_check *c, uint64_t index);

#endif
