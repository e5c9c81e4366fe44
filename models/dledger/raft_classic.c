/* raft_classic: the Raft paper's election (Ongaro & Ousterhout 2014, section 5.2), "election": "raft".
 *
 * A follower that hears nothing for its election timeout, drawn afresh from [election_min, election_max]
 * at every reset, starts a new term, votes for itself and asks the others; a candidate whose timeout fires
 * again starts the next term. A voter grants one vote a term to a candidate whose log is at least as
 * up to date as its own. A larger term seen in a request makes a follower at once. Replication and the
 * heartbeats' answers are the DLedger member's (entry_pusher.c, leader_elector.c). */
#include "models/dledger/raft_int.h"

void raft_reset_election_timeout(struct raft *r)
{
    r->election_deadline = raft_now(r) + raft_rand_between(r, r->cfg.election_min, r->cfg.election_max + 1);
}

/* RequestVote (Figure 2, "Receiver implementation"). */
enum vote_result raft_classic_vote(struct raft *r, const struct vote_req *q, int self)
{
    int64_t end_term = raft_end_term(r), end_index = raft_end(r);
    if (q->term < r->term)
        return V_REJECT_EXPIRED_VOTE_TERM;
    if (q->term > r->term)
        raft_change_to_candidate(r, q->term);   /* becomes a follower of the new term, vote cleared */
    int log_ok = r->cfg.broken_vote_ignores_log ||
                 q->end_term > end_term || (q->end_term == end_term && q->end_index >= end_index);
    if (!log_ok)
        return q->end_term < end_term ? V_REJECT_EXPIRED_LEDGER_TERM : V_REJECT_SMALL_LEDGER_END_INDEX;
    if (r->voted_for != RAFT_NONE && r->voted_for != q->candidate)
        return V_REJECT_ALREADY_VOTED;
    r->voted_for = q->candidate;
    if (!self)
        raft_reset_election_timeout(r);
    return V_ACCEPT;
}

int raft_classic_heartbeat(struct raft *r, const struct hb_req *q)
{
    raft_change_to_candidate(r, q->term);            /* follower of the larger term */
    raft_change_to_follower(r, q->term, q->leader);
    return D_SUCCESS;
}

void raft_classic_votes_counted(struct raft *r, int64_t term)
{
    if (r->accepted >= raft_quorum(r))
        raft_change_to_leader(r, term);
}

/* Election timeout: a new term, a vote for itself made durable before the requests leave, and a fresh
 * timeout for the next try. */
static void start_election(struct raft *r)
{
    r->role = RAFT_CANDIDATE;
    r->leader = RAFT_NONE;
    r->term++;
    r->voted_for = r->self;
    r->io.persist(r->io.host);
    r->io.role_changed(r->io.host, RAFT_CANDIDATE, (uint64_t)r->term, RAFT_NONE);
    raft_reset_election_timeout(r);
    r->start_round_after_persist = 1;
    r->persist_pending = 1;
}

void raft_classic_tick(struct raft *r, sim_time now)
{
    if (r->role == RAFT_LEADER) {
        if (now - r->last_send_heartbeat >= r->cfg.raft_heartbeat)
            raft_send_heartbeats(r, r->cfg.raft_heartbeat);
    } else if (now >= r->election_deadline) {
        start_election(r);
    }
}
