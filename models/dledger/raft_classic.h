/* raft_classic: the Raft paper's election, for comparison (`"election": "raft"`). */
#ifndef MODELS_DLEDGER_RAFT_CLASSIC_H
#define MODELS_DLEDGER_RAFT_CLASSIC_H

#include "models/dledger/raft_msg.h"

/* The process starts as a follower with its election timer armed. */
void raft_classic_start(struct raft *r);
enum vote_result raft_classic_vote(struct raft *r, const struct vote_req *q, int self);
/* A heartbeat of a larger term: follow its leader at once. */
int raft_classic_heartbeat(struct raft *r, const struct hb_req *q);
/* Term and vote are durable: a candidate whose own vote now is sends its RequestVotes. */
void raft_classic_persisted(struct raft *r);
/* Answers to votes and heartbeats, and the election and heartbeat timers. */
void raft_classic_on_reply(struct raft *r, uint64_t tag, int status, const void *body, uint32_t len);
void raft_classic_on_timer(struct raft *r, uint64_t tag);

#endif
