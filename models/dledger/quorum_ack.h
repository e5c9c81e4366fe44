/* quorum_ack: the leader's pending appends and its QuorumAckChecker (DLedgerEntryPusher's
 * pendingAppendResponsesByTerm and QuorumAckChecker). */
#ifndef MODELS_DLEDGER_QUORUM_ACK_H
#define MODELS_DLEDGER_QUORUM_ACK_H

#include "models/dledger/raft.h"

/* A water-mark rose from `from` to `to`: the count of marks above the committed index follows. */
void raft_mark_rose(struct raft *r, int64_t from, int64_t to);
/* The checker's look (marks_moved 0: no mark rose above the committed index since the last one), its
 * wake-up (a look now), and its next look on its 1 ms grid (batch push). */
void raft_check_quorum_marks(struct raft *r, int marks_moved);
void raft_quorum_wakeup(struct raft *r);
void raft_quorum_poll(struct raft *r);
/* Room for one more pending append (0, or -1 when out of memory), and the append itself. */
int raft_pend_reserve(struct raft *r);
void raft_pend_add(struct raft *r, int64_t index, uint64_t tag);
/* The QuorumAckChecker's look that batch push left to its 1 ms poll (a TG_QUORUM timer). */
void raft_quorum_look(struct raft *r);
/* The committed index rises to index (no further than the log's end); the host is told. */
void raft_set_committed(struct raft *r, int64_t index);

#endif
