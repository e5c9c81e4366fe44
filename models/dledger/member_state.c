/* member_state: a member's role, term, vote, ledger end and its role changes (MemberState). */
#include <string.h>

#include "models/dledger/raft_msg.h"
#include "models/dledger/raft_self.h"
#include "models/dledger/member_state.h"
#include "models/dledger/role_change.h"

/* MemberState.ledgerEndTerm, for any index: the term of the entry there, -1 if none. */
int64_t raft_term_at(const struct raft *r, int64_t index)
{
    if (index < 0)
        return -1;
    const struct cl_entry *e = raft_entry(r, index);
    return e ? (int64_t)e->term : -1;
}

int64_t raft_end_term(const struct raft *r) { return raft_term_at(r, raft_end(r)); }

/* MemberState.loadTerm: term and vote as the durable file holds them. */
void raft_restore(struct raft *r, int64_t term, int vote)
{
    r->term = r->durable_term = term;
    r->voted_for = r->durable_vote = vote;
}

/* ---- role changes (MemberState.changeTo*) ---- */

void raft_set_role(struct raft *r, enum raft_role role, int leader)
{
    int same = r->role == role && r->leader == leader && r->reported_term == r->term;
    if (r->role != role)
        r->q_at = INT64_MIN;   /* the QuorumAckChecker's count (entry_pusher.c) is a leader's */
    r->role = role;
    r->leader = leader;
    r->reported_term = r->term;
    if (!same)
        r->io.role_changed(r->io.host, role, (uint64_t)r->term, leader);
    /* EntryHandler.doWork takes the appends it holds only while MemberState.isFollower(): from the role
     * change on (it polls every 1 ms; mqsim takes the next at once). */
    if (role == RAFT_FOLLOWER && r->held_n)
        raft_handler_follower(r);
}

void raft_change_to_candidate(struct raft *r, int64_t term)
{
    if (term < r->term)
        return;
    if (term > r->known_max_term)
        r->known_max_term = term;
    r->transferee = RAFT_NONE;
    raft_take_check(r, term, RAFT_CANDIDATE);   /* DLedgerLeaderElector.handleRoleChange */
    if (r->cfg.election == RAFT_ELECTION_CLASSIC) {
        raft_classic_step_down(r, term);   /* a follower at once; its timeout decides when to stand */
        return;
    }
    raft_set_role(r, RAFT_CANDIDATE, RAFT_NONE);
}

void raft_change_to_follower(struct raft *r, int64_t term, int leader)
{
    r->term = term;
    if (r->cfg.election == RAFT_ELECTION_CLASSIC)
        r->busy = 0;   /* (DLedger's maintainer stays in its round: raft_elector_tick) */
    r->last_leader_heartbeat = raft_now(r);
    r->transferee = RAFT_NONE;
    r->last_parse = P_WAIT_TO_REVOTE;   /* changeRoleToFollower */
    raft_reset_election_timeout(r);
    raft_set_role(r, RAFT_FOLLOWER, leader);
    raft_take_check(r, term, RAFT_FOLLOWER);
}

void raft_change_to_leader(struct raft *r, int64_t term)
{
    if (r->term != term)
        return;
    /* lastSuccHeartBeatTime is not reset (DLedgerLeaderElector.changeRoleToLeader): a leader whose first
     * heartbeat round finds no quorum steps down at once, unless a round of an earlier leadership of this
     * process succeeded within maxHeartBeatLeak intervals. */
    r->last_send_heartbeat = -1;
    memset(r->peer_live, 0, sizeof r->peer_live);   /* MemberState.changeToLeader: peersLiveTable.clear() */
    raft_set_role(r, RAFT_LEADER, r->self);
    raft_start_dispatchers(r);
    raft_take_check(r, term, RAFT_LEADER);
    raft_fail_old_terms(r);   /* the QuorumAckChecker's first look in the new term */
}

int64_t raft_next_term(struct raft *r)
{
    r->term = r->known_max_term > r->term ? r->known_max_term : r->term + 1;
    r->voted_for = RAFT_NONE;
    r->io.persist(r->io.host);
    return r->term;
}
