/* member_state: the role, term and vote changes every part of a member makes (MemberState). */
#ifndef MODELS_DLEDGER_MEMBER_STATE_H
#define MODELS_DLEDGER_MEMBER_STATE_H

#include "models/dledger/raft.h"

/* Sets role and leader; tells the host unless role, leader and term are what it was last told. A member
 * that becomes a follower takes the held append that comes next (raft_handler_follower). */
void raft_set_role(struct raft *r, enum raft_role role, int leader);
/* changeToCandidate: never to a smaller term; under classic timing a larger term makes a follower at once.
 * A leader's pending appends fail. */
void raft_change_to_candidate(struct raft *r, int64_t term);
/* changeToFollower: follow leader in term; the heartbeat clock and election timeout restart. */
void raft_change_to_follower(struct raft *r, int64_t term, int leader);
/* changeToLeader: only in the current term; the dispatchers start comparing. */
void raft_change_to_leader(struct raft *r, int64_t term);
/* nextTerm: jump to the largest term known, else one past the current; forget the vote; persist. */
int64_t raft_next_term(struct raft *r);

#endif
