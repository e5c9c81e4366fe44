/* role_change: what the member's parts do when its role or term changes, called by member_state.c's changeTo*
 * (the election timeout by the elections too); each is defined in the file its comment names. A header of its
 * own, so that the parts can call member_state.c's changes without a loop of includes. */
#ifndef MODELS_DLEDGER_ROLE_CHANGE_H
#define MODELS_DLEDGER_ROLE_CHANGE_H

#include "models/dledger/raft.h"

/* raft_classic.c: a fresh follower timeout drawn from [election_min, election_max]; under classic timing its
 * timer is armed to fire at that exact time. */
void raft_reset_election_timeout(struct raft *r);
/* raft_classic.c: a larger (or the same) term seen: follower of it, vote forgotten in a new term; the election
 * timer keeps running, and starts when the member was leader (it had none). */
void raft_classic_step_down(struct raft *r, int64_t term);
/* entry_handler.c: the member has just become a follower: the held append at its log's end + 1 is taken, and
 * the ones after it in turn. */
void raft_handler_follower(struct raft *r);
/* entry_pusher.c: a new leader: every follower's dispatcher starts in COMPARE. */
void raft_start_dispatchers(struct raft *r);
/* leadership.c: TakeLeadershipTask.check, at every role change to role in term (the term changeRoleTo* was
 * called with). */
void raft_take_check(struct raft *r, int64_t term, enum raft_role role);
/* quorum_ack.c: a member leading again: every pending append (of an earlier term) ends with TERM_CHANGED. */
void raft_fail_old_terms(struct raft *r);

#endif
