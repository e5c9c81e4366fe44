/* leader_elector: DLedger's election (DLedgerLeaderElector): StateMaintainer, votes, heartbeats, Raft timing.
 *
 * A StateMaintainer ticks every 10 ms. A follower that has heard no heartbeat for
 * maxHeartBeatLeak * heartBeatTimeIntervalMs becomes CANDIDATE; a candidate votes (itself included) when
 * its next vote time comes, in a new term only if its last round said WAIT_TO_VOTE_NEXT (or a larger term
 * was seen), waits up to 2000 + [0, 1000) ms for answers, and parses them in DLedger's order. A leader
 * heartbeats every 2 s and steps down after 6 s without a quorum of heartbeat successes.
 *
 * The classic Raft election ("election": "raft") is raft_classic.c; this file hands it the member at
 * the points where the two differ. */
#include <string.h>

#include "models/dledger/raft_msg.h"
#include "models/dledger/raft_self.h"
#include "models/dledger/member_state.h"
#include "models/dledger/role_change.h"
#include "models/dledger/leader_elector.h"
#include "models/dledger/raft_classic.h"
#include "models/dledger/leadership.h"

/* getNextTimeToRequestVote: now + minVoteIntervalMs + [0, max - min); a preferred leader taking leadership
 * uses min/maxTakeLeadershipVoteIntervalMs (30, 100). */
static sim_time next_vote_time(struct raft *r)
{
    if (raft_taking_leadership(r))
        return raft_now(r) + raft_rand_between(r, r->cfg.min_take_vote_interval, r->cfg.max_take_vote_interval);
    return raft_now(r) + raft_rand_between(r, r->cfg.min_vote_interval, r->cfg.max_vote_interval);
}

/* The voteLatch's wait: a fixed 2000 ms + [0, maxVoteIntervalMs) (DLedgerLeaderElector.maintainAsCandidate:
 * voteLatch.await(2000 + random.nextInt(maxVoteIntervalMs)); the 2000 is a literal, not the heartbeat). */
#define VOTE_LATCH_BASE (2000 * SIM_MS)
static sim_time vote_wait(struct raft *r)
{
    return VOTE_LATCH_BASE + raft_rand_between(r, 0, r->cfg.max_vote_interval);
}

void raft_elector_reset(struct raft *r)
{
    r->busy = 0;
    r->need_increase_term = 0;
    r->last_parse = P_WAIT_TO_REVOTE;
    r->next_vote = -1;
    r->persist_pending = 0;
    r->nvote_replies = 0;
    r->start_round_after_persist = 0;
    r->last_leader_heartbeat = raft_now(r);
    r->last_succ_heartbeat = -1;   /* lastSuccHeartBeatTime's initial value */
}

/* ---- voting ---- */

enum vote_result raft_handle_vote(struct raft *r, const struct vote_req *q, int self)
{
    if (q->candidate < 0 || q->candidate >= r->n)
        return V_REJECT_UNKNOWN_LEADER;
    if (!self && q->candidate == r->self)
        return V_REJECT_UNEXPECTED_LEADER;
    int64_t end_term = raft_end_term(r), end_index = raft_end(r);
    if (r->cfg.election == RAFT_ELECTION_CLASSIC)
        return raft_classic_vote(r, q, self);
    /* DLedgerLeaderElector.handleVote */
    if (!r->cfg.broken_vote_ignores_log) {
        if (q->end_term < end_term)
            return V_REJECT_EXPIRED_LEDGER_TERM;
        if (q->end_term == end_term && q->end_index < end_index)
            return V_REJECT_SMALL_LEDGER_END_INDEX;
    }
    if (q->term < r->term)
        return V_REJECT_EXPIRED_VOTE_TERM;
    if (q->term == r->term) {
        if (r->voted_for != RAFT_NONE && r->voted_for != q->candidate)
            return r->leader != RAFT_NONE ? V_REJECT_ALREADY_HAS_LEADER : V_REJECT_ALREADY_VOTED;
    } else {
        /* A larger term: become candidate in it and let the maintainer raise the term first. */
        raft_change_to_candidate(r, q->term);
        r->need_increase_term = 1;
        return V_REJECT_TERM_NOT_READY;
    }
    if (q->term < end_term)
        return V_REJECT_TERM_SMALL_THAN_LEDGER;
    /* A preferred leader taking leadership refuses a candidate whose log is not longer than its own. */
    if (!self && raft_taking_leadership(r) && q->end_term == end_term && end_index >= q->end_index)
        return V_REJECT_TAKING_LEADERSHIP;
    r->voted_for = q->candidate;
    return V_ACCEPT;
}

static void send_vote_reply(struct raft *r, struct rpc_ctx ctx, int result, int64_t term)
{
    struct vote_resp v = {term, result};
    r->io.reply(r->io.host, ctx, RMQ_SUCCESS, &v, sizeof v);
}

/* Term and vote changed: the host writes them (MemberState.persistTerm) every time, even with a write
 * outstanding, so that what it holds is always the latest; raft_persisted follows. */
static void persist_now(struct raft *r)
{
    if (r->persist_pending && r->cfg.persist_term_fsync)
        return;   /* the host fsyncs again if term or vote changed while its fsync ran */
    r->persist_pending = 1;
    r->io.persist(r->io.host);
}

/* A vote changed term or vote: the answer leaves once they are written (at the same instant when the host
 * only writes the file, as MemberState.persistTerm does; after the fsync under dledger_persist_term_fsync). */
static void vote_answer(struct raft *r, struct rpc_ctx ctx, int result, int64_t term)
{
    if (r->durable_term == r->term && r->durable_vote == r->voted_for) {
        send_vote_reply(r, ctx, result, term);
        return;
    }
    if (r->nvote_replies < (int)(sizeof r->vote_replies / sizeof r->vote_replies[0])) {
        r->vote_replies[r->nvote_replies].ctx = ctx;
        r->vote_replies[r->nvote_replies].result = result;
        r->vote_replies[r->nvote_replies].term = term;
        r->nvote_replies++;
    }
    persist_now(r);
}

void raft_on_vote_request(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len)
{
    struct vote_req q;
    if (len < sizeof q)
        return;
    memcpy(&q, body, sizeof q);
    int res = raft_handle_vote(r, &q, 0);
    if (res == V_ACCEPT)
        r->votes_granted++;
    if (r->io.voted)
        r->io.voted(r->io.host, q.term, q.candidate, res == V_ACCEPT);
    /* handleVote: REJECT_TERM_SMALL_THAN_LEDGER carries the voter's ledgerEndTerm, every other answer its
     * current term. */
    vote_answer(r, ctx, res, res == V_REJECT_TERM_SMALL_THAN_LEDGER ? raft_end_term(r) : r->term);
}

static void count_vote(struct raft *r, int result, int64_t term)
{
    r->answers++;
    if (result != V_UNKNOWN)
        r->valid++;
    switch (result) {
    case V_ACCEPT: r->accepted++; break;
    case V_REJECT_ALREADY_HAS_LEADER: r->already_has_leader = 1; break;
    case V_REJECT_TERM_SMALL_THAN_LEDGER:
    case V_REJECT_EXPIRED_VOTE_TERM:
        if (term > r->max_term_seen)
            r->max_term_seen = term;
        break;
    case V_REJECT_EXPIRED_LEDGER_TERM:
    case V_REJECT_SMALL_LEDGER_END_INDEX: r->bigger_ledger++; break;
    case V_REJECT_TERM_NOT_READY: r->not_ready++; break;
    default: break;
    }
}

/* The end of a vote round: DLedger's parse order (maintainAsCandidate after voteLatch), on the round's term
 * whatever the role now: a member that follows a leader of a larger term meanwhile becomes a candidate of that
 * term (changeRoleToCandidate accepts a term not below the current one), and PASSED leads only if the term is
 * still the round's (changeRoleToLeader). */
static void parse_votes(struct raft *r)
{
    int64_t term = r->round_term;
    r->busy = 0;
    int p;
    if (r->max_term_seen > term) {
        p = P_WAIT_TO_VOTE_NEXT;
        r->next_vote = next_vote_time(r);
        raft_change_to_candidate(r, r->max_term_seen);
    } else if (r->already_has_leader) {
        p = P_WAIT_TO_REVOTE;
        r->next_vote = next_vote_time(r) + r->cfg.heartbeat * r->cfg.max_heartbeat_leak;
    } else if (r->valid < raft_quorum(r)) {
        p = P_WAIT_TO_REVOTE;
        r->next_vote = next_vote_time(r);
    } else if (r->valid - r->bigger_ledger < raft_quorum(r)) {
        p = P_WAIT_TO_REVOTE;
        r->next_vote = next_vote_time(r) + r->cfg.max_vote_interval;
    } else if (r->accepted >= raft_quorum(r)) {
        p = P_PASSED;
    } else if (r->accepted + r->not_ready >= raft_quorum(r)) {
        p = P_REVOTE_IMMEDIATELY;
    } else {
        p = P_WAIT_TO_VOTE_NEXT;
        r->next_vote = next_vote_time(r);
    }
    r->last_parse = p;
    if (p == P_PASSED)
        raft_change_to_leader(r, term);
}

/* The voteLatch is released when a leader exists, a quorum accepted, accepted + notReady is a quorum, or every
 * member (the candidate included) answered (maintainAsCandidate). */
static int vote_latch_released(const struct raft *r)
{
    return r->already_has_leader || r->accepted >= raft_quorum(r) || r->accepted + r->not_ready >= raft_quorum(r) ||
           r->answers >= r->n;
}

void raft_on_vote_reply(struct raft *r, int64_t round, int status, const void *body, uint32_t len)
{
    if (!r->busy || round != r->round || !r->round_is_vote)
        return;
    struct vote_resp v = {0, V_UNKNOWN};
    if (status == RMQ_SUCCESS && len >= sizeof v)
        memcpy(&v, body, sizeof v);
    else if (status != RMQ_SUCCESS)
        r->answers++;   /* a failure: counted as answered, not as valid */
    if (status == RMQ_SUCCESS)
        count_vote(r, v.result, v.term);
    if (vote_latch_released(r))
        parse_votes(r);
}

static void round_begin(struct raft *r, sim_time wait)
{
    r->busy = 1;
    r->round++;
    r->round_term = (int)r->term;
    r->answers = r->accepted = r->valid = r->bigger_ledger = r->not_ready = r->already_has_leader = 0;
    r->succ = 1;
    r->inconsistent = 0;
    r->max_term_seen = -1;
    r->round_deadline = raft_now(r) + wait;
}

void raft_send_votes(struct raft *r, sim_time wait)
{
    struct vote_req q = {r->term, raft_end(r), raft_end_term(r), r->self};
    round_begin(r, wait);
    r->round_is_vote = 1;
    r->elections++;
    int own = V_UNKNOWN;
    for (int p = 0; p < r->n; p++) {
        if (p == r->self) {
            /* voteForQuorumResponses: the candidate's own handleVote completes at once and counts like any
             * answer; setCurrVoteFor writes the vote (MemberState.persistTerm). */
            own = raft_handle_vote(r, &q, 1);
            count_vote(r, own, r->term);
            if (own == V_ACCEPT && r->durable_vote != r->voted_for)
                persist_now(r);
        } else {
            r->io.call(r->io.host, p, RAFT_VOTE, &q, sizeof q, 0, wait, TAG(TG_VOTE, p, r->round));
        }
    }
    /* The own answer alone may release the latch: a group of one leads at once. */
    if (vote_latch_released(r))
        parse_votes(r);
}

/* Term and vote are durable (MemberState.persistTerm done): the answers and the round that waited go out. */
void raft_persisted(struct raft *r)
{
    r->persist_pending = 0;
    r->durable_term = r->term;
    r->durable_vote = r->voted_for;
    int n = r->nvote_replies;
    r->nvote_replies = 0;
    for (int i = 0; i < n; i++)
        send_vote_reply(r, r->vote_replies[i].ctx, r->vote_replies[i].result, r->vote_replies[i].term);
    if (r->cfg.election == RAFT_ELECTION_CLASSIC) {
        raft_classic_persisted(r);
        return;
    }
    if (r->start_round_after_persist && r->role == RAFT_CANDIDATE && !r->busy) {
        r->start_round_after_persist = 0;
        raft_send_votes(r, vote_wait(r));
    }
}

/* DLedgerLeaderElector.maintainAsCandidate */
static void maintain_candidate(struct raft *r)
{
    if (raft_now(r) < r->next_vote && !r->need_increase_term)
        return;
    if (r->last_parse == P_WAIT_TO_VOTE_NEXT || r->need_increase_term) {
        raft_next_term(r);
        r->last_parse = P_WAIT_TO_REVOTE;
    }
    if (r->need_increase_term) {
        r->next_vote = next_vote_time(r);
        r->need_increase_term = 0;
        return;
    }
    /* The candidate's own vote must be durable before its requests go out. */
    if (r->durable_term != r->term || r->durable_vote != r->voted_for) {
        r->start_round_after_persist = 1;
        if (!r->persist_pending)
            persist_now(r);
        return;
    }
    raft_send_votes(r, vote_wait(r));
}

/* ---- heartbeats ---- */

void raft_send_heartbeats(struct raft *r, sim_time interval)
{
    struct hb_req q = {r->term, r->self};
    r->last_send_heartbeat = raft_now(r);
    round_begin(r, interval);
    r->round_is_vote = 0;
    for (int p = 0; p < r->n; p++)
        if (p != r->self)
            r->io.call(r->io.host, p, RAFT_HEARTBEAT, &q, sizeof q, 0, interval, TAG(TG_HB, p, r->round));
}

/* The end of a heartbeat round (DLedgerLeaderElector.sendHeartbeats after beatLatch), on the round's term
 * whatever the role now (a step-down to a term no larger than the current one does nothing). */
static void parse_heartbeats(struct raft *r)
{
    r->busy = 0;
    if (r->succ >= raft_quorum(r)) {
        r->last_succ_heartbeat = raft_now(r);
        return;
    }
    if (r->succ + r->not_ready >= raft_quorum(r))
        r->last_send_heartbeat = -1;
    else if (r->max_term_seen > r->round_term)
        raft_change_to_candidate(r, r->max_term_seen);
    else if (r->inconsistent)
        raft_change_to_candidate(r, r->round_term);
    else if (r->last_succ_heartbeat < 0 ||
             raft_now(r) - r->last_succ_heartbeat > r->cfg.heartbeat * r->cfg.max_heartbeat_leak)
        raft_change_to_candidate(r, r->round_term);   /* (-1: none in this process's life, elapsed() huge) */
}

void raft_on_heartbeat_reply(struct raft *r, int64_t round, int status, const void *body, uint32_t len, int peer)
{
    /* sendHeartbeats: every answer marks the peer live in peersLiveTable, a failure not live. */
    if (r->role == RAFT_LEADER && peer >= 0 && peer < r->n)
        r->peer_live[peer] = status == RMQ_SUCCESS;
    if (!r->busy || round != r->round || r->round_is_vote)
        return;
    struct hb_resp a = {0, D_UNKNOWN};
    if (status == RMQ_SUCCESS && len >= sizeof a) {
        memcpy(&a, body, sizeof a);
        if (a.code == D_SUCCESS)
            r->succ++;
        else if (a.code == D_EXPIRED_TERM && a.term > r->max_term_seen)
            r->max_term_seen = a.term;
        else if (a.code == D_INCONSISTENT_LEADER)
            r->inconsistent = 1;
        else if (a.code == D_TERM_NOT_READY)
            r->not_ready++;
    }
    r->answers++;
    if (r->succ >= raft_quorum(r) || r->succ + r->not_ready >= raft_quorum(r) || r->answers >= r->n - 1)
        parse_heartbeats(r);
}

/* DLedgerLeaderElector.handleHeartBeat */
static int handle_heartbeat(struct raft *r, const struct hb_req *q, int64_t *term_out)
{
    *term_out = r->term;
    if (q->leader < 0 || q->leader >= r->n || q->leader == r->self)
        return D_UNKNOWN;
    if (q->term < r->term)
        return D_EXPIRED_TERM;
    if (q->term == r->term) {
        if (r->leader == q->leader) {
            r->last_leader_heartbeat = raft_now(r);
            raft_reset_election_timeout(r);
            return D_SUCCESS;
        }
        if (r->leader == RAFT_NONE) {
            raft_change_to_follower(r, q->term, q->leader);
            return D_SUCCESS;
        }
        return D_INCONSISTENT_LEADER;
    }
    if (r->cfg.election == RAFT_ELECTION_CLASSIC)
        return raft_classic_heartbeat(r, q);
    /* A larger term: become candidate first, and let the maintainer raise the term. */
    raft_change_to_candidate(r, q->term);
    r->need_increase_term = 1;
    return D_TERM_NOT_READY;
}

void raft_on_heartbeat_request(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len)
{
    struct hb_req q;
    struct hb_resp a;
    if (len < sizeof q)
        return;
    memcpy(&q, body, sizeof q);
    a.code = handle_heartbeat(r, &q, &a.term);
    a.term = r->term;
    r->io.reply(r->io.host, ctx, RMQ_SUCCESS, &a, sizeof a);
}

/* ---- the StateMaintainer ---- */

void raft_elector_tick(struct raft *r, sim_time now)
{
    if (r->cfg.election == RAFT_ELECTION_CLASSIC)
        return;   /* raft_classic.c runs on its own timers */
    if (r->busy) {
        /* The maintainer waits for the round's answers (voteLatch / beatLatch.await on its one thread) and
         * then parses them, whatever the member's role and term have become meanwhile: a role change made by
         * a vote or heartbeat request (on the request threads) does not end the wait. */
        if (now < r->round_deadline)
            return;
        if (r->round_is_vote)
            parse_votes(r);
        else
            parse_heartbeats(r);
        return;
    }
    switch (r->role) {
    case RAFT_LEADER:
        if (r->last_send_heartbeat < 0 || now - r->last_send_heartbeat > r->cfg.heartbeat)
            raft_send_heartbeats(r, r->cfg.heartbeat);
        break;
    case RAFT_FOLLOWER:
        /* maintainAsFollower: 2 * interval, then maxHeartBeatLeak * interval, since the last heartbeat. */
        if (now - r->last_leader_heartbeat > 2 * r->cfg.heartbeat &&
            now - r->last_leader_heartbeat > r->cfg.max_heartbeat_leak * r->cfg.heartbeat)
            raft_change_to_candidate(r, r->term);
        break;
    case RAFT_CANDIDATE:
        maintain_candidate(r);
        break;
    }
}
