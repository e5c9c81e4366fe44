/* leader_elector: DLedger's election, votes and heartbeats (DLedgerLeaderElector). */
#ifndef MODELS_DLEDGER_LEADER_ELECTOR_H
#define MODELS_DLEDGER_LEADER_ELECTOR_H

#include "models/dledger/raft_msg.h"

/* Forget the elector's volatile state (a process start). */
void raft_elector_reset(struct raft *r);
/* The StateMaintainer's step at a tick: wait for a round's answers, or act by role. */
void raft_elector_tick(struct raft *r, sim_time now);
void raft_on_vote_request(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len);
void raft_on_heartbeat_request(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len);
void raft_on_vote_reply(struct raft *r, int64_t round, int status, const void *body, uint32_t len);
void raft_on_heartbeat_reply(struct raft *r, int64_t round, int status, const void *body, uint32_t len, int peer);
/* handleVote, for a request or the candidate's own vote (self). */
enum vote_result raft_handle_vote(struct raft *r, const struct vote_req *q, int self);
/* A vote round in this term (the candidate votes for itself first) waiting `wait` for the answers. */
void raft_send_votes(struct raft *r, sim_time wait);
/* A heartbeat round in this term, waiting `interval` for the answers. */
void raft_send_heartbeats(struct raft *r, sim_time interval);

#endif
