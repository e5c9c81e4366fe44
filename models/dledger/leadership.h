/* leadership: the preferred leader and leadership transfer (DLedgerLeaderElector's TakeLeadershipTask,
 * checkPreferredLeader). */
#ifndef MODELS_DLEDGER_LEADERSHIP_H
#define MODELS_DLEDGER_LEADERSHIP_H

#include "models/dledger/raft.h"

/* Forget transfers (a process start); the first preferred-leader check comes 1000 ms later. */
void raft_leadership_reset(struct raft *r);
/* isTakingLeadership: this member is the preferred leader, taking leadership in its current term. */
int raft_taking_leadership(const struct raft *r);
/* At a tick: the transferee's wait for the leader's index, the leader's checkPreferredLeader. */
void raft_leadership_tick(struct raft *r, sim_time now);
void raft_on_take_request(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len);
void raft_on_take_reply(struct raft *r, int peer, int64_t term, int status, const void *body, uint32_t len);

#endif
