/* entry_handler: the follower's side of the pushes (DLedgerEntryPusher.EntryHandler). */
#ifndef MODELS_DLEDGER_ENTRY_HANDLER_H
#define MODELS_DLEDGER_ENTRY_HANDLER_H

#include "models/dledger/raft.h"

void raft_on_push_request(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len);
/* The member's tick: a follower looks at the appends that wait once a second (checkAbnormalFuture). */
void raft_handler_tick(struct raft *r);
/* Forget the held appends, unanswered (a process start); and their memory (the member's end). */
void raft_handler_reset(struct raft *r);
void raft_handler_free(struct raft *r);

#endif
