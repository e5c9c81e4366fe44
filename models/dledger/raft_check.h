/* raft_check: the Raft invariants of a DLedger group, checked as the simulation runs: election safety,
 * leader append-only, log matching, leader completeness; each break recorded with time, node and term. */
#ifndef MODELS_RAFT_CHECK_H
#define MODELS_RAFT_CHECK_H

#include "models/world/cluster.h"

struct raft_check *raft_check_new(struct rmq_world *w, int group);
void raft_check_free(struct raft_check *c);

/* After every event: at most one leader per term among the group's live members. */
void raft_check_event(struct raft_check *c);
/* A member appended entry index (its log is `log`): the logs that hold the same index and term agree on
 * it and on the entry before it. */
void raft_check_append(struct raft_check *c, int replica, const struct commitlog *log, uint64_t index);
/* A member is about to drop entries from index on: never a leader's own entries, never committed ones. */
void raft_check_truncate(struct raft_check *c, int replica, const struct commitlog *log, int is_leader,
                         int64_t term, uint64_t from);
/* A member's committed index rose from `from` - 1 to `committed`: remember what was committed, and check
 * the member's newly committed entries against it. */
void raft_check_commit(struct raft_check *c, const struct commitlog *log, int64_t from, int64_t committed);
/* A member became leader: its log holds every entry committed before. */
void raft_check_leader(struct raft_check *c, int replica, const struct commitlog *log, int64_t term);
/* Entries below index are gone from every log's memory (world trimming): forget them here too. */
void raft_check_trim(struct raft_check *c, uint64_t index);

#endif
