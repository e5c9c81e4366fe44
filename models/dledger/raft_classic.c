/* raft_classic: the Raft paper's election (Ongaro & Ousterhout 2014, section 5.2), "election": "raft".
 *
 * A follower that hears nothing for its election timeout, drawn afresh from [election_min, election_max]
 * at every reset, starts a new term, votes for itself and asks the others; a candidate whose timeout fires
 * again starts the next term, whatever answers are still outstanding. Timeouts are the engine's timers at
 * the exact deadline (not the StateMaintainer's tick). The timer is reset only by granting a vote or by a
 * heartbeat from the current leader (Figure 2, "Followers"). A voter grants one vote a term to a candidate
 * whose log is at least as up to date as its own. Any request or reply carrying a larger term makes a
 * follower at once; a leader steps down only then (no heartbeat-leak step-down: that is DLedger's). A leader
 * heartbeats every raft_heartbeat on its own timer. Replication and the heartbeats' answers on the follower
 * side are the DLedger member's (entry_pusher.c, leader_elector.c). LogCabin, the paper's implementation,
 * does the same: RaftConsensus::stepDown sets the election timer only when none runs (a leader's),
 * handleRequestVote resets it only when granting. */
#include <string.h>

#include "models/dledger/raft_msg.h"
#include "models/dledger/raft_self.h"
#include "models/dledger/member_state.h"
#include "models/dledger/role_change.h"
#include "models/dledger/raft_classic.h"

#define GEN_MASK ((1ULL << 52) - 1)   /* what TAG_X carries */

/* The timer fires at the deadline or earlier; one that fires early re-arms (a later reset needs no new
 * event). A reset to an earlier time arms a new timer and makes the old one stale by its generation. */
static void arm_election(struct raft *r)
{
    if (r->election_armed >= 0 && r->election_armed <= r->election_deadline)
        return;
    r->election_gen = (r->election_gen + 1) & GEN_MASK;
    r->election_armed = r->election_deadline;
    r->io.timer(r->io.host, r->election_deadline - raft_now(r), TAG(TG_ELECTION, 0, r->election_gen));
}

void raft_reset_election_timeout(struct raft *r)
{
    /* DLedger's timing draws this too (unused there): the draw stays so its streams do not move. */
    r->election_deadline = raft_now(r) + raft_rand_between(r, r->cfg.election_min, r->cfg.election_max + 1);
    if (r->cfg.election == RAFT_ELECTION_CLASSIC && r->role != RAFT_LEADER)
        arm_election(r);
}

void raft_classic_start(struct raft *r)
{
    r->election_armed = -1;   /* the timers died with the process */
    raft_set_role(r, RAFT_FOLLOWER, RAFT_NONE);
    raft_reset_election_timeout(r);
    if (r->cfg.bootstrap && r->self == 0 && r->term == 0 && raft_end(r) < 0) {
        r->election_deadline = raft_now(r);   /* the bootstrap member stands at once */
        r->election_armed = -1;
        arm_election(r);
    }
}

/* RequestVote (Figure 2, "Receiver implementation"). */
enum vote_result raft_classic_vote(struct raft *r, const struct vote_req *q, int self)
{
    int64_t end_term = raft_end_term(r), end_index = raft_end(r);
    if (q->term < r->term)
        return V_REJECT_EXPIRED_VOTE_TERM;
    if (q->term > r->term)
        raft_change_to_candidate(r, q->term);   /* a follower of the new term, vote cleared, timer kept */
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
    raft_change_to_follower(r, q->term, q->leader);  /* and of its leader: the timer restarts */
    return D_SUCCESS;
}

void raft_classic_step_down(struct raft *r, int64_t term)
{
    int was_leader = r->role == RAFT_LEADER;
    r->busy = 0;   /* a vote round still waiting is dropped */
    if (term > r->term) {
        r->term = term;
        r->voted_for = RAFT_NONE;
        r->io.persist(r->io.host);
    }
    raft_set_role(r, RAFT_FOLLOWER, RAFT_NONE);
    if (was_leader)
        raft_reset_election_timeout(r);
}

/* ---- the leader's heartbeats ---- */

static void heartbeat(struct raft *r)
{
    struct hb_req q = {r->term, r->self};
    r->last_send_heartbeat = raft_now(r);
    for (int p = 0; p < r->n; p++)
        if (p != r->self)
            r->io.call(r->io.host, p, RAFT_HEARTBEAT, &q, sizeof q, 0, r->cfg.raft_heartbeat, TAG(TG_HB, p, 0));
    r->beat_gen = (r->beat_gen + 1) & GEN_MASK;
    r->io.timer(r->io.host, r->cfg.raft_heartbeat, TAG(TG_BEAT, 0, r->beat_gen));
}

/* A quorum granted this term: lead, and tell everyone at once. */
static void elected(struct raft *r)
{
    raft_change_to_leader(r, r->term);
    if (r->role == RAFT_LEADER)
        heartbeat(r);
}

/* ---- elections ---- */

/* A quorum of grants (the candidate's own included). */
static void check_won(struct raft *r)
{
    if (r->role == RAFT_CANDIDATE && r->accepted >= raft_quorum(r))
        elected(r);
}

/* The election timeout: a new term, a vote for itself, and a fresh timeout for the next try. The
 * RequestVotes leave once the candidate's term and vote are durable (raft_classic_persisted), as in
 * LogCabin, whose startNewElection writes its metadata before its peer threads may send. A round still
 * waiting for answers is dropped: its late answers carry an old round and are ignored. */
static void start_election(struct raft *r)
{
    r->busy = 0;
    r->round++;
    r->accepted = 0;
    r->term++;
    r->voted_for = r->self;
    r->persist_pending = 1;
    r->io.persist(r->io.host);
    raft_set_role(r, RAFT_CANDIDATE, RAFT_NONE);
    raft_reset_election_timeout(r);
    r->start_round_after_persist = 1;
}

void raft_classic_persisted(struct raft *r)
{
    if (!r->start_round_after_persist || r->role != RAFT_CANDIDATE || r->durable_term != r->term ||
        r->durable_vote != r->self)
        return;
    r->start_round_after_persist = 0;
    r->round++;
    r->accepted = 1;   /* its own, durable */
    r->elections++;
    struct vote_req q = {r->term, raft_end(r), raft_end_term(r), r->self};
    for (int p = 0; p < r->n; p++)
        if (p != r->self)
            r->io.call(r->io.host, p, RAFT_VOTE, &q, sizeof q, 0, r->cfg.election_max, TAG(TG_VOTE, p, r->round));
    check_won(r);   /* a group of one */
}

static void vote_reply(struct raft *r, int64_t round, int status, const void *body, uint32_t len)
{
    struct vote_resp v;
    if (status != RMQ_SUCCESS || len < sizeof v)
        return;   /* no answer: the election timeout decides */
    memcpy(&v, body, sizeof v);
    if (v.term > r->term) {
        raft_change_to_candidate(r, v.term);
        return;
    }
    if (round != r->round || r->role != RAFT_CANDIDATE || v.term != r->term || v.result != V_ACCEPT)
        return;
    r->accepted++;
    check_won(r);
}

void raft_classic_on_reply(struct raft *r, uint64_t tag, int status, const void *body, uint32_t len)
{
    if (TAG_KIND(tag) == TG_VOTE) {
        vote_reply(r, TAG_X(tag), status, body, len);
        return;
    }
    struct hb_resp a;
    if (status != RMQ_SUCCESS || len < sizeof a)
        return;
    memcpy(&a, body, sizeof a);
    if (a.term > r->term)
        raft_change_to_candidate(r, a.term);
}

void raft_classic_on_timer(struct raft *r, uint64_t tag)
{
    uint64_t gen = (uint64_t)TAG_X(tag);
    if (TAG_KIND(tag) == TG_BEAT) {
        if (gen == r->beat_gen && r->role == RAFT_LEADER)
            heartbeat(r);
        return;
    }
    if (TAG_KIND(tag) != TG_ELECTION || gen != r->election_gen || r->election_armed < 0)
        return;
    r->election_armed = -1;
    if (r->role == RAFT_LEADER)
        return;
    if (raft_now(r) >= r->election_deadline)
        start_election(r);
    else
        arm_election(r);
}
