/* entry_pusher: the leader's dispatchers, one a follower (DLedgerEntryPusher.EntryDispatcher). */
#ifndef MODELS_DLEDGER_ENTRY_PUSHER_H
#define MODELS_DLEDGER_ENTRY_PUSHER_H

#include "models/dledger/raft.h"

/* Forget pending appends and the dispatchers (a process start). */
void raft_pusher_reset(struct raft *r);
/* Follower p's dispatcher's pushes not yet answered or forgotten: pendingMap.size() (batchPendingMap's
 * with batch push). */
int64_t raft_push_pending(const struct raft *r, int p);

/* The leader's step at a tick: the QuorumAckChecker, then every dispatcher. */
void raft_pusher_tick(struct raft *r);
void raft_on_push_reply(struct raft *r, int peer, int64_t x, int status, const void *body, uint32_t len);
/* The dispatchers' memory, at the member's end. */
void raft_pusher_free(struct raft *r);

#endif
