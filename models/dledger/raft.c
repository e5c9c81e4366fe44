/* raft: DLedger's member, ported in behaviour (DLedgerLeaderElector, MemberState, DLedgerEntryPusher).
 *
 * Election. A StateMaintainer ticks every 10 ms. A follower that has heard no heartbeat for
 * maxHeartBeatLeak * heartBeatTimeIntervalMs becomes CANDIDATE; a candidate votes (itself included) when
 * its next vote time comes, in a new term only if its last round said WAIT_TO_VOTE_NEXT (or a larger term
 * was seen), waits up to 2000 + [0, 1000) ms for answers, and parses them in DLedger's order. A leader
 * heartbeats every 2 s and steps down after 6 s without a quorum of heartbeat successes.
 *
 * Replication. Per follower a dispatcher: COMPARE (find where the logs agree), TRUNCATE (cut the
 * follower there), APPEND (push entries one by one, at most 1000 unanswered, resend the one after the
 * water-mark after 1 s). The QuorumAckChecker takes the n/2-th of the water-marks sorted in descending
 * order as the committed index and completes pending appends; an append not committed after 2.5 s fails.
 *
 * The classic Raft election ("election": "raft") swaps the follower and candidate timing for randomized
 * timeouts redrawn at every reset. */
#include <stdlib.h>
#include <string.h>

#include "models/dledger/raft.h"

/* VoteResponse.RESULT */
enum vote_result {
    V_UNKNOWN, V_ACCEPT, V_REJECT_UNKNOWN_LEADER, V_REJECT_UNEXPECTED_LEADER, V_REJECT_EXPIRED_VOTE_TERM,
    V_REJECT_ALREADY_VOTED, V_REJECT_ALREADY_HAS_LEADER, V_REJECT_TERM_NOT_READY, V_REJECT_TERM_SMALL_THAN_LEDGER,
    V_REJECT_EXPIRED_LEDGER_TERM, V_REJECT_SMALL_LEDGER_END_INDEX, V_REJECT_TAKING_LEADERSHIP
};
/* VoteResponse.ParseResult */
enum parse_result { P_WAIT_TO_REVOTE, P_REVOTE_IMMEDIATELY, P_PASSED, P_WAIT_TO_VOTE_NEXT };
/* DLedgerResponseCode, the ones that matter here */
enum dl_code { D_SUCCESS, D_EXPIRED_TERM, D_INCONSISTENT_LEADER, D_TERM_NOT_READY, D_INCONSISTENT_STATE, D_UNKNOWN };
/* PushEntryRequest.Type */
enum push_type { PUSH_APPEND, PUSH_COMPARE, PUSH_TRUNCATE, PUSH_COMMIT };

struct vote_req { int64_t term, end_index, end_term; int32_t candidate; };
struct vote_resp { int64_t term; int32_t result; };
struct hb_req { int64_t term; int32_t leader; };
struct hb_resp { int64_t term; int32_t code; };
struct push_entry { int64_t index; uint64_t qoff; uint32_t term, msg, size; uint16_t queue; };
struct push_req {
    int64_t term, commit;
    int32_t leader;
    uint8_t type, has_entry;
    struct push_entry e;
};
struct push_resp { int64_t term, index, begin, end; int32_t code; };

/* Reply tags: kind, peer, and the round or index they belong to. */
enum tag_kind { TG_TICK = 1, TG_VOTE, TG_HB, TG_PUSH };
#define TAG(kind, peer, x) ((uint64_t)(kind) | ((uint64_t)(peer) << 4) | ((uint64_t)(x) << 12))
#define TAG_KIND(t) ((int)((t) & 0xf))
#define TAG_PEER(t) ((int)(((t) >> 4) & 0xff))
#define TAG_X(t) ((int64_t)((t) >> 12))

static int quorum(const struct raft *r) { return r->n / 2 + 1; }
static sim_time now_of(const struct raft *r);

int64_t raft_term_at(const struct raft *r, int64_t index)
{
    if (index < 0)
        return -1;
    const struct cl_entry *e = cl_at(r->log, (uint64_t)index);
    return e ? (int64_t)e->term : -1;
}

int64_t raft_end_term(const struct raft *r) { return raft_term_at(r, raft_end(r)); }

static sim_time now_of(const struct raft *r) { return node_now(r->io.node); }

static sim_time rand_between(struct raft *r, sim_time lo, sim_time hi)
{
    return hi > lo ? lo + (sim_time)sim_rng_below(r->io.rng, (uint64_t)(hi - lo)) : lo;
}

/* getNextTimeToRequestVote: now + minVoteIntervalMs + [0, max - min). */
static sim_time next_vote_time(struct raft *r)
{
    return now_of(r) + rand_between(r, r->cfg.min_vote_interval, r->cfg.max_vote_interval);
}

static void reset_election_timeout(struct raft *r)
{
    r->election_deadline = now_of(r) + rand_between(r, r->cfg.election_min, r->cfg.election_max + 1);
}

/* ---- role changes (MemberState.changeTo*) ---- */

static void set_role(struct raft *r, enum raft_role role, int leader)
{
    int same = r->role == role && r->leader == leader && r->reported_term == r->term;
    r->role = role;
    r->leader = leader;
    r->reported_term = r->term;
    if (!same)
        r->io.role_changed(r->io.host, role, (uint64_t)r->term, leader);
}

static void fail_pending(struct raft *r, int status);

static void change_to_candidate(struct raft *r, int64_t term)
{
    if (term < r->term)
        return;
    if (term > r->known_max_term)
        r->known_max_term = term;
    r->busy = 0;
    if (r->role == RAFT_LEADER)
        fail_pending(r, RMQ_SERVICE_NOT_AVAILABLE);
    if (r->cfg.election == RAFT_ELECTION_CLASSIC) {
        /* Classic Raft: a larger term makes a follower at once; the timeout decides when to stand. */
        if (term > r->term) {
            r->term = term;
            r->voted_for = RAFT_NONE;
            r->io.persist(r->io.host);
        }
        reset_election_timeout(r);
        set_role(r, RAFT_FOLLOWER, RAFT_NONE);
        return;
    }
    set_role(r, RAFT_CANDIDATE, RAFT_NONE);
}

static void change_to_follower(struct raft *r, int64_t term, int leader)
{
    r->term = term;
    r->busy = 0;
    if (r->role == RAFT_LEADER)
        fail_pending(r, RMQ_SERVICE_NOT_AVAILABLE);
    r->last_leader_heartbeat = now_of(r);
    reset_election_timeout(r);
    set_role(r, RAFT_FOLLOWER, leader);
}

static void start_dispatchers(struct raft *r);

static void change_to_leader(struct raft *r, int64_t term)
{
    if (r->term != term)
        return;
    r->last_send_heartbeat = -1;
    r->last_succ_heartbeat = now_of(r);
    set_role(r, RAFT_LEADER, r->self);
    start_dispatchers(r);
}

/* MemberState.nextTerm: jump to the largest term known, else one past the current; forget the vote. */
static int64_t next_term(struct raft *r)
{
    r->term = r->known_max_term > r->term ? r->known_max_term : r->term + 1;
    r->voted_for = RAFT_NONE;
    r->io.persist(r->io.host);
    return r->term;
}

/* ---- voting ---- */

static enum vote_result handle_vote(struct raft *r, const struct vote_req *q, int self)
{
    if (q->candidate < 0 || q->candidate >= r->n)
        return V_REJECT_UNKNOWN_LEADER;
    if (!self && q->candidate == r->self)
        return V_REJECT_UNEXPECTED_LEADER;
    int64_t end_term = raft_end_term(r), end_index = raft_end(r);
    if (r->cfg.election == RAFT_ELECTION_CLASSIC) {
        if (q->term < r->term)
            return V_REJECT_EXPIRED_VOTE_TERM;
        if (q->term > r->term)
            change_to_candidate(r, q->term);   /* becomes a follower of the new term, vote cleared */
        int log_ok = r->cfg.broken_vote_ignores_log ||
                     q->end_term > end_term || (q->end_term == end_term && q->end_index >= end_index);
        if (!log_ok)
            return q->end_term < end_term ? V_REJECT_EXPIRED_LEDGER_TERM : V_REJECT_SMALL_LEDGER_END_INDEX;
        if (r->voted_for != RAFT_NONE && r->voted_for != q->candidate)
            return V_REJECT_ALREADY_VOTED;
        r->voted_for = q->candidate;
        if (!self)
            reset_election_timeout(r);
        return V_ACCEPT;
    }
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
        change_to_candidate(r, q->term);
        r->need_increase_term = 1;
        return V_REJECT_TERM_NOT_READY;
    }
    if (q->term < end_term)
        return V_REJECT_TERM_SMALL_THAN_LEDGER;
    r->voted_for = q->candidate;
    return V_ACCEPT;
}

static void send_vote_reply(struct raft *r, struct rpc_ctx ctx, int result, int64_t term)
{
    struct vote_resp v = {term, result};
    r->io.reply(r->io.host, ctx, RMQ_SUCCESS, &v, sizeof v);
}

/* A vote changed durable state: the answer leaves only once term and vote are on disk. */
static void vote_answer(struct raft *r, struct rpc_ctx ctx, int result)
{
    if (r->durable_term == r->term && r->durable_vote == r->voted_for) {
        send_vote_reply(r, ctx, result, r->term);
        return;
    }
    if (r->nvote_replies < (int)(sizeof r->vote_replies / sizeof r->vote_replies[0])) {
        r->vote_replies[r->nvote_replies].ctx = ctx;
        r->vote_replies[r->nvote_replies].result = result;
        r->vote_replies[r->nvote_replies].term = r->term;
        r->nvote_replies++;
    }
    if (!r->persist_pending) {
        r->persist_pending = 1;
        r->io.persist(r->io.host);
    }
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

/* The end of a vote round: DLedger's parse order. */
static void parse_votes(struct raft *r)
{
    int64_t term = r->round_term;
    r->busy = 0;
    if (r->role != RAFT_CANDIDATE || r->term != term)
        return;
    if (r->cfg.election == RAFT_ELECTION_CLASSIC) {
        if (r->accepted >= quorum(r))
            change_to_leader(r, term);
        return;   /* otherwise the election timeout starts the next term */
    }
    int p;
    if (r->max_term_seen > term) {
        p = P_WAIT_TO_VOTE_NEXT;
        r->next_vote = next_vote_time(r);
        change_to_candidate(r, r->max_term_seen);
    } else if (r->already_has_leader) {
        p = P_WAIT_TO_REVOTE;
        r->next_vote = next_vote_time(r) + r->cfg.heartbeat * r->cfg.max_heartbeat_leak;
    } else if (r->valid < quorum(r)) {
        p = P_WAIT_TO_REVOTE;
        r->next_vote = next_vote_time(r);
    } else if (r->valid - r->bigger_ledger < quorum(r)) {
        p = P_WAIT_TO_REVOTE;
        r->next_vote = next_vote_time(r) + r->cfg.max_vote_interval;
    } else if (r->accepted >= quorum(r)) {
        p = P_PASSED;
    } else if (r->accepted + r->not_ready >= quorum(r)) {
        p = P_REVOTE_IMMEDIATELY;
    } else {
        p = P_WAIT_TO_VOTE_NEXT;
        r->next_vote = next_vote_time(r);
    }
    r->last_parse = p;
    if (p == P_PASSED)
        change_to_leader(r, term);
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
    r->round_deadline = now_of(r) + wait;
}

static void send_votes(struct raft *r)
{
    struct vote_req q = {r->term, raft_end(r), raft_end_term(r), r->self};
    sim_time wait = r->cfg.election == RAFT_ELECTION_CLASSIC
                        ? r->cfg.election_max
                        : r->cfg.heartbeat + rand_between(r, 0, r->cfg.max_vote_interval);
    round_begin(r, wait);
    r->elections++;
    for (int p = 0; p < r->n; p++) {
        if (p == r->self) {
            int res = handle_vote(r, &q, 1);
            count_vote(r, res, r->term);
        } else {
            r->io.call(r->io.host, p, RAFT_VOTE, &q, sizeof q, 0, wait, TAG(TG_VOTE, p, r->round));
        }
    }
}

/* DLedgerLeaderElector.maintainAsCandidate */
static void maintain_candidate(struct raft *r)
{
    if (now_of(r) < r->next_vote && !r->need_increase_term)
        return;
    if (r->last_parse == P_WAIT_TO_VOTE_NEXT || r->need_increase_term) {
        next_term(r);
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
        if (!r->persist_pending) {
            r->persist_pending = 1;
            r->io.persist(r->io.host);
        }
        return;
    }
    send_votes(r);
}

static void maintain_classic(struct raft *r)
{
    if (r->role == RAFT_LEADER)
        return;
    if (now_of(r) < r->election_deadline)
        return;
    /* Election timeout: a new term, vote for itself, ask the others; a fresh timeout for the next try. */
    r->role = RAFT_CANDIDATE;
    r->leader = RAFT_NONE;
    r->term++;
    r->voted_for = r->self;
    r->io.persist(r->io.host);
    r->io.role_changed(r->io.host, RAFT_CANDIDATE, (uint64_t)r->term, RAFT_NONE);
    reset_election_timeout(r);
    r->start_round_after_persist = 1;
    r->persist_pending = 1;
}

/* ---- heartbeats ---- */

static void send_heartbeats(struct raft *r)
{
    struct hb_req q = {r->term, r->self};
    sim_time interval = r->cfg.election == RAFT_ELECTION_CLASSIC ? r->cfg.raft_heartbeat : r->cfg.heartbeat;
    r->last_send_heartbeat = now_of(r);
    round_begin(r, interval);
    for (int p = 0; p < r->n; p++)
        if (p != r->self)
            r->io.call(r->io.host, p, RAFT_HEARTBEAT, &q, sizeof q, 0, interval, TAG(TG_HB, p, r->round));
}

/* The end of a heartbeat round (DLedgerLeaderElector.sendHeartbeats after beatLatch). */
static void parse_heartbeats(struct raft *r)
{
    r->busy = 0;
    if (r->role != RAFT_LEADER || r->term != r->round_term)
        return;
    if (r->succ >= quorum(r)) {
        r->last_succ_heartbeat = now_of(r);
        return;
    }
    if (r->succ + r->not_ready >= quorum(r))
        r->last_send_heartbeat = -1;
    else if (r->max_term_seen > r->term)
        change_to_candidate(r, r->max_term_seen);
    else if (r->inconsistent)
        change_to_candidate(r, r->term);
    else if (now_of(r) - r->last_succ_heartbeat > r->cfg.heartbeat * r->cfg.max_heartbeat_leak)
        change_to_candidate(r, r->term);
}

static int handle_heartbeat(struct raft *r, const struct hb_req *q, int64_t *term_out)
{
    *term_out = r->term;
    if (q->leader < 0 || q->leader >= r->n || q->leader == r->self)
        return D_UNKNOWN;
    if (q->term < r->term)
        return D_EXPIRED_TERM;
    if (q->term == r->term) {
        if (r->leader == q->leader) {
            r->last_leader_heartbeat = now_of(r);
            reset_election_timeout(r);
            return D_SUCCESS;
        }
        if (r->leader == RAFT_NONE) {
            change_to_follower(r, q->term, q->leader);
            return D_SUCCESS;
        }
        return D_INCONSISTENT_LEADER;
    }
    if (r->cfg.election == RAFT_ELECTION_CLASSIC) {
        change_to_candidate(r, q->term);            /* follower of the larger term */
        change_to_follower(r, q->term, q->leader);
        return D_SUCCESS;
    }
    /* A larger term: become candidate first, and let the maintainer raise the term. */
    change_to_candidate(r, q->term);
    r->need_increase_term = 1;
    return D_TERM_NOT_READY;
}

/* ---- replication, leader side ---- */

enum { DS_COMPARE, DS_TRUNCATE, DS_APPEND };

static void pend_pop(struct raft *r)
{
    r->pend_head = (r->pend_head + 1) % r->pend_cap;
    r->pend_n--;
}

static struct raft_pending *pend_at(struct raft *r, uint32_t i) { return &r->pend[(r->pend_head + i) % r->pend_cap]; }

static void fail_pending(struct raft *r, int status)
{
    while (r->pend_n) {
        uint64_t tag = pend_at(r, 0)->tag;
        pend_pop(r);
        r->io.append_done(r->io.host, tag, status);
    }
}

static void set_committed(struct raft *r, int64_t index)
{
    if (index > raft_end(r))
        index = raft_end(r);
    if (index <= r->committed)
        return;
    r->committed = index;
    r->io.committed(r->io.host, index);
}

/* QuorumAckChecker: the committed index is the n/2-th largest water-mark of this term; appends up to it
 * succeed, appends older than maxWaitAckTimeMs beyond it fail. */
static void check_quorum(struct raft *r)
{
    if (r->role != RAFT_LEADER)
        return;
    int64_t marks[RAFT_MAX_PEERS];
    for (int p = 0; p < r->n; p++)
        marks[p] = p == r->self ? raft_end(r) : r->peer[p].watermark;
    for (int i = 1; i < r->n; i++)
        for (int j = i; j > 0 && marks[j] > marks[j - 1]; j--) {
            int64_t t = marks[j];
            marks[j] = marks[j - 1];
            marks[j - 1] = t;
        }
    int64_t q = marks[r->n / 2];
    if (q > r->committed && (!r->cfg.commit_current_term_only || raft_term_at(r, q) == r->term))
        set_committed(r, q);
    while (r->pend_n && pend_at(r, 0)->index <= r->committed) {
        uint64_t tag = pend_at(r, 0)->tag;
        pend_pop(r);
        r->io.append_done(r->io.host, tag, RMQ_SUCCESS);
    }
    sim_time now = now_of(r);
    while (r->pend_n && now - pend_at(r, 0)->created > r->cfg.max_wait_ack) {
        uint64_t tag = pend_at(r, 0)->tag;
        pend_pop(r);
        /* WAIT_QUORUM_ACK_TIMEOUT */
        r->io.append_done(r->io.host, tag, RMQ_SYSTEM_ERROR);
    }
}

static void fill_entry(const struct raft *r, int64_t index, struct push_req *q)
{
    const struct cl_entry *e = cl_at(r->log, (uint64_t)index);
    q->has_entry = e != NULL;
    if (e) {
        q->e.index = index;
        q->e.qoff = e->qoff;
        q->e.term = e->term;
        q->e.msg = e->msg;
        q->e.size = e->size;
        q->e.queue = e->queue;
    }
}

static void push(struct raft *r, int p, enum push_type type, int64_t index)
{
    struct push_req q;
    memset(&q, 0, sizeof q);
    q.term = r->term;
    q.commit = r->committed;
    q.leader = r->self;
    q.type = (uint8_t)type;
    uint64_t extra = 0;
    if (type != PUSH_COMMIT) {
        fill_entry(r, index, &q);
        if (q.has_entry)
            extra = q.e.size;
    }
    r->peer[p].last_push = now_of(r);
    r->io.call(r->io.host, p, RAFT_PUSH, &q, sizeof q, extra, r->cfg.rpc_timeout,
               TAG(TG_PUSH, p, (uint64_t)(r->peer[p].round & 0xffffff) | ((uint64_t)type << 24)));
}

static void dispatch(struct raft *r, int p);

static void change_state(struct raft *r, int p, int64_t index, int state)
{
    struct raft_peer *pe = &r->peer[p];
    pe->round++;
    pe->state = state;
    pe->inflight = 0;
    pe->waiting = 0;
    if (state == DS_APPEND) {
        if (index > pe->watermark)
            pe->watermark = index;
        pe->write_index = index + 1;
        pe->oldest_push = now_of(r);
        check_quorum(r);
    } else if (state == DS_COMPARE) {
        pe->compare_index = -1;
    }
}

static void do_compare(struct raft *r, int p)
{
    struct raft_peer *pe = &r->peer[p];
    int64_t end = raft_end(r), begin = (int64_t)r->log->first;
    if (pe->compare_index == -1 && end == -1) {
        /* Both empty: nothing to compare, start appending from the beginning. */
        change_state(r, p, -1, DS_APPEND);
        dispatch(r, p);
        return;
    }
    if (pe->compare_index == -1 || pe->compare_index > end || pe->compare_index < begin)
        pe->compare_index = end;
    pe->waiting = 1;
    push(r, p, PUSH_COMPARE, pe->compare_index);
}

static void do_append(struct raft *r, int p)
{
    struct raft_peer *pe = &r->peer[p];
    sim_time now = now_of(r);
    /* doCheckAppendResponse: the entry after the water-mark unanswered for maxPushTimeOutMs is resent. */
    if (pe->inflight > 0 && now - pe->oldest_push > r->cfg.max_push_timeout && pe->watermark + 1 < pe->write_index) {
        pe->oldest_push = now;
        push(r, p, PUSH_APPEND, pe->watermark + 1);
    }
    while (pe->write_index <= raft_end(r) && pe->inflight < r->cfg.max_pending_push) {
        if (pe->inflight == 0)
            pe->oldest_push = now;
        pe->inflight++;
        push(r, p, PUSH_APPEND, pe->write_index++);
    }
    /* doCommit: tell an idle follower the committed index once a second. */
    if (pe->write_index > raft_end(r) && now - pe->last_push > 1 * SIM_S)
        push(r, p, PUSH_COMMIT, -1);
}

static void dispatch(struct raft *r, int p)
{
    struct raft_peer *pe = &r->peer[p];
    if (r->role != RAFT_LEADER || p == r->self || pe->waiting || now_of(r) < pe->retry_at)
        return;
    if (pe->state == DS_COMPARE)
        do_compare(r, p);
    else if (pe->state == DS_APPEND)
        do_append(r, p);
}

static void start_dispatchers(struct raft *r)
{
    for (int p = 0; p < r->n; p++) {
        if (p == r->self)
            continue;
        r->peer[p].watermark = -1;
        change_state(r, p, -1, DS_COMPARE);
        dispatch(r, p);
    }
}

static void on_push_reply(struct raft *r, int p, int64_t round, int type, const struct push_resp *a)
{
    struct raft_peer *pe = &r->peer[p];
    if (r->role != RAFT_LEADER || (round & 0xffffff) != (pe->round & 0xffffff))
        return;
    if (a->code != D_SUCCESS && a->code != D_INCONSISTENT_STATE) {
        /* EntryDispatcher.doWork: any other answer (an expired term, another leader) is an exception: back
         * to COMPARE after sleeping 500 ms. The leader does not step down here; only heartbeats and votes
         * tell it of larger terms. */
        change_state(r, p, -1, DS_COMPARE);
        pe->retry_at = now_of(r) + 500 * SIM_MS;
        return;
    }
    switch (type) {
    case PUSH_COMPARE: {
        pe->waiting = 0;
        int64_t begin = (int64_t)r->log->first, end = raft_end(r), truncate = -1;
        if (a->code == D_SUCCESS) {
            if (pe->compare_index == a->end) {
                change_state(r, p, pe->compare_index, DS_APPEND);
                break;
            }
            truncate = pe->compare_index;
        } else if (a->end < begin || a->begin > end) {
            truncate = begin;
        } else if (pe->compare_index < a->begin) {
            truncate = begin;
        } else if (pe->compare_index > a->end) {
            pe->compare_index = a->end;
        } else {
            pe->compare_index--;
        }
        if (pe->compare_index < begin)
            truncate = begin;
        if (truncate != -1) {
            pe->state = DS_TRUNCATE;
            pe->waiting = 1;
            pe->compare_index = truncate;
            push(r, p, PUSH_TRUNCATE, truncate);
            return;
        }
        break;
    }
    case PUSH_TRUNCATE:
        pe->waiting = 0;
        if (a->code == D_SUCCESS)
            change_state(r, p, pe->compare_index, DS_APPEND);
        else
            change_state(r, p, -1, DS_COMPARE);
        break;
    case PUSH_APPEND:
        if (a->code == D_SUCCESS) {
            if (pe->inflight > 0)
                pe->inflight--;
            if (a->index > pe->watermark) {
                pe->watermark = a->index;
                pe->oldest_push = now_of(r);
            }
            check_quorum(r);
        } else if (a->code == D_INCONSISTENT_STATE) {
            change_state(r, p, -1, DS_COMPARE);
        }
        break;
    default:
        break;
    }
    dispatch(r, p);
}

/* ---- replication, follower side (DLedgerEntryPusher.EntryHandler) ---- */

static int accept_leader(struct raft *r, int64_t term, int leader)
{
    if (term < r->term)
        return D_EXPIRED_TERM;
    if (term > r->term || r->leader == RAFT_NONE) {
        /* Pushes come from the leader of this term: the follower learns of it here too. */
        if (term > r->term)
            change_to_candidate(r, term);
        if (r->role != RAFT_FOLLOWER || r->leader != leader)
            change_to_follower(r, term, leader);
    } else if (r->leader != leader) {
        return D_INCONSISTENT_LEADER;
    }
    return D_SUCCESS;
}

/* Writes the pushed entry at the end of this member's log (DLedgerStore.appendAsFollower). */
static int follower_append(struct raft *r, const struct push_req *q)
{
    if (cl_append_term(r->log, q->e.msg, q->e.size, q->e.queue, q->e.qoff, q->e.term) == CL_NONE)
        return D_INCONSISTENT_STATE;
    r->io.appended(r->io.host, cl_at(r->log, (uint64_t)q->e.index));
    return D_SUCCESS;
}

static void handle_push(struct raft *r, const struct push_req *q, struct push_resp *a)
{
    int advance_commit = 0;   /* only where the log is known to agree with the leader's up to its end */
    a->term = r->term;
    a->index = q->has_entry ? q->e.index : -1;
    a->code = accept_leader(r, q->term, q->leader);
    a->term = r->term;
    if (a->code == D_SUCCESS) {
        int64_t end = raft_end(r);
        switch (q->type) {
        case PUSH_APPEND:
            if (!q->has_entry || q->e.index > end + 1) {
                a->code = D_INCONSISTENT_STATE;   /* a gap: the leader compares again */
                break;
            }
            if (q->e.index <= end) {
                /* Already here (a resend): fine if it is the same entry, else the logs diverge
                 * (EntryHandler.checkAbnormalFuture). */
                if (raft_term_at(r, q->e.index) != (int64_t)q->e.term)
                    a->code = D_INCONSISTENT_STATE;
                break;
            }
            a->code = follower_append(r, q);
            advance_commit = a->code == D_SUCCESS;
            break;
        case PUSH_COMPARE:
            if (!q->has_entry || raft_term_at(r, q->e.index) != (int64_t)q->e.term ||
                cl_at(r->log, (uint64_t)q->e.index)->msg != q->e.msg)
                a->code = D_INCONSISTENT_STATE;
            break;
        case PUSH_TRUNCATE: {
            /* DLedgerStore.truncate: the log ends with the leader's entry at this index. */
            if (!q->has_entry || q->e.index > end + 1) {
                a->code = D_INCONSISTENT_STATE;
                break;
            }
            const struct cl_entry *here = cl_at(r->log, (uint64_t)q->e.index);
            int same = here && here->term == q->e.term && here->msg == q->e.msg;
            int64_t cut = same ? q->e.index + 1 : q->e.index;
            if (cut <= end) {
                r->io.truncated(r->io.host, cut);
                cl_truncate_index(r->log, (uint64_t)cut, NULL, NULL);
            }
            if (!same)
                a->code = follower_append(r, q);
            advance_commit = a->code == D_SUCCESS;
            break;
        }
        case PUSH_COMMIT:
            advance_commit = 1;
            break;
        default:
            break;
        }
        if (a->code == D_SUCCESS && advance_commit && q->commit >= 0)
            set_committed(r, q->commit < raft_end(r) ? q->commit : raft_end(r));
    }
    a->begin = r->log->n ? (int64_t)r->log->first : -1;
    a->end = raft_end(r);
}

/* ---- the host's hooks ---- */

void raft_on_request(struct raft *r, uint16_t code, struct rpc_ctx ctx, const void *body, uint32_t len)
{
    switch (code) {
    case RAFT_VOTE: {
        struct vote_req q;
        if (len < sizeof q)
            return;
        memcpy(&q, body, sizeof q);
        int res = handle_vote(r, &q, 0);
        if (res == V_ACCEPT)
            r->votes_granted++;
        if (r->io.voted)
            r->io.voted(r->io.host, q.term, q.candidate, res == V_ACCEPT);
        vote_answer(r, ctx, res);
        break;
    }
    case RAFT_HEARTBEAT: {
        struct hb_req q;
        struct hb_resp a;
        if (len < sizeof q)
            return;
        memcpy(&q, body, sizeof q);
        a.code = handle_heartbeat(r, &q, &a.term);
        a.term = r->term;
        r->io.reply(r->io.host, ctx, RMQ_SUCCESS, &a, sizeof a);
        break;
    }
    case RAFT_PUSH: {
        struct push_req q;
        struct push_resp a;
        if (len < sizeof q)
            return;
        memcpy(&q, body, sizeof q);
        memset(&a, 0, sizeof a);
        handle_push(r, &q, &a);
        r->io.reply(r->io.host, ctx, RMQ_SUCCESS, &a, sizeof a);
        break;
    }
    }
}

void raft_on_reply(struct raft *r, uint64_t tag, int status, const void *body, uint32_t len)
{
    int p = TAG_PEER(tag);
    int64_t x = TAG_X(tag);
    switch (TAG_KIND(tag)) {
    case TG_VOTE: {
        if (!r->busy || x != r->round || r->role != RAFT_CANDIDATE)
            return;
        struct vote_resp v = {0, V_UNKNOWN};
        if (status == RMQ_SUCCESS && len >= sizeof v)
            memcpy(&v, body, sizeof v);
        else if (status != RMQ_SUCCESS)
            r->answers++;   /* a failure: counted as answered, not as valid */
        if (status == RMQ_SUCCESS)
            count_vote(r, v.result, v.term);
        /* voteLatch: a leader exists, a quorum decided, or everybody answered. */
        if (r->already_has_leader || r->accepted >= quorum(r) || r->accepted + r->not_ready >= quorum(r) ||
            r->answers >= r->n)
            parse_votes(r);
        break;
    }
    case TG_HB: {
        if (!r->busy || x != r->round || r->role != RAFT_LEADER)
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
        if (r->succ >= quorum(r) || r->succ + r->not_ready >= quorum(r) || r->answers >= r->n - 1)
            parse_heartbeats(r);
        break;
    }
    case TG_PUSH: {
        struct push_resp a;
        if (status != RMQ_SUCCESS || len < sizeof a) {
            /* No answer: an append will be resent by the timeout check; a compare or truncate retries. */
            if (r->role == RAFT_LEADER && (x & 0xffffff) == (r->peer[p].round & 0xffffff) && r->peer[p].waiting) {
                r->peer[p].waiting = 0;
                if (r->peer[p].state == DS_TRUNCATE)
                    change_state(r, p, -1, DS_COMPARE);
            }
            return;
        }
        memcpy(&a, body, sizeof a);
        on_push_reply(r, p, x & 0xffffff, (int)(x >> 24), &a);
        break;
    }
    }
}

void raft_on_timer(struct raft *r, uint64_t tag)
{
    (void)tag;
    r->io.timer(r->io.host, r->cfg.tick, TAG(TG_TICK, 0, 0));
    sim_time now = now_of(r);
    r->last_tick = now;
    if (r->busy) {
        /* The maintainer waits for the round's answers (voteLatch / beatLatch). */
        if (now < r->round_deadline)
            goto pusher;
        if (r->role == RAFT_CANDIDATE)
            parse_votes(r);
        else if (r->role == RAFT_LEADER)
            parse_heartbeats(r);
        else
            r->busy = 0;
        goto pusher;
    }
    if (r->cfg.election == RAFT_ELECTION_CLASSIC) {
        if (r->role == RAFT_LEADER) {
            if (now - r->last_send_heartbeat >= r->cfg.raft_heartbeat)
                send_heartbeats(r);
        } else {
            maintain_classic(r);
        }
        goto pusher;
    }
    switch (r->role) {
    case RAFT_LEADER:
        if (r->last_send_heartbeat < 0 || now - r->last_send_heartbeat > r->cfg.heartbeat)
            send_heartbeats(r);
        break;
    case RAFT_FOLLOWER:
        /* maintainAsFollower: 2 * interval, then maxHeartBeatLeak * interval, since the last heartbeat. */
        if (now - r->last_leader_heartbeat > 2 * r->cfg.heartbeat &&
            now - r->last_leader_heartbeat > r->cfg.max_heartbeat_leak * r->cfg.heartbeat)
            change_to_candidate(r, r->term);
        break;
    case RAFT_CANDIDATE:
        maintain_candidate(r);
        break;
    }
pusher:
    if (r->role == RAFT_LEADER) {
        check_quorum(r);
        for (int p = 0; p < r->n; p++)
            dispatch(r, p);
    }
}

void raft_persisted(struct raft *r)
{
    r->persist_pending = 0;
    r->durable_term = r->term;
    r->durable_vote = r->voted_for;
    int n = r->nvote_replies;
    r->nvote_replies = 0;
    for (int i = 0; i < n; i++)
        send_vote_reply(r, r->vote_replies[i].ctx, r->vote_replies[i].result, r->vote_replies[i].term);
    if (r->start_round_after_persist && r->role == RAFT_CANDIDATE && !r->busy) {
        r->start_round_after_persist = 0;
        send_votes(r);
    }
}

int raft_propose(struct raft *r, uint32_t msg, uint32_t size, uint16_t queue, uint64_t qoff, uint64_t tag)
{
    if (r->role != RAFT_LEADER)
        return RMQ_SERVICE_NOT_AVAILABLE;           /* NOT_LEADER */
    if ((int)r->pend_n > r->cfg.max_pending_requests)
        return RMQ_SYSTEM_BUSY;                     /* LEADER_PENDING_FULL */
    if (r->pend_n == r->pend_cap) {
        uint32_t cap = r->pend_cap ? r->pend_cap * 2 : 256;
        struct raft_pending *a = malloc((size_t)cap * sizeof *a);
        if (!a)
            return RMQ_SYSTEM_ERROR;
        for (uint32_t i = 0; i < r->pend_n; i++)
            a[i] = *pend_at(r, i);
        free(r->pend);
        r->pend = a;
        r->pend_cap = cap;
        r->pend_head = 0;
    }
    uint64_t idx = cl_append_term(r->log, msg, size, queue, qoff, (uint32_t)r->term);
    if (idx == CL_NONE)
        return RMQ_SYSTEM_ERROR;
    r->io.appended(r->io.host, cl_at(r->log, idx));
    struct raft_pending *pd = pend_at(r, r->pend_n++);
    pd->index = (int64_t)idx;
    pd->tag = tag;
    pd->created = now_of(r);
    for (int p = 0; p < r->n; p++)
        dispatch(r, p);
    check_quorum(r);   /* a group of one commits at once */
    return 0;
}

/* ---- life cycle ---- */

void raft_init(struct raft *r, const struct raft_cfg *cfg, const struct raft_io *io, struct commitlog *log, int self,
               int n)
{
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    r->io = *io;
    r->log = log;
    r->self = self;
    r->n = n;
    r->voted_for = r->durable_vote = RAFT_NONE;
}

void raft_free(struct raft *r)
{
    free(r->pend);
    r->pend = NULL;
}

void raft_restore(struct raft *r, int64_t term, int vote)
{
    r->term = r->durable_term = term;
    r->voted_for = r->durable_vote = vote;
}

void raft_start(struct raft *r)
{
    /* Everything but term, vote and the log is memory and starts afresh. */
    r->known_max_term = r->term;
    r->leader = RAFT_NONE;
    r->committed = -1;
    r->busy = 0;
    r->need_increase_term = 0;
    r->last_parse = P_WAIT_TO_REVOTE;
    r->next_vote = -1;
    r->persist_pending = 0;
    r->nvote_replies = 0;
    r->start_round_after_persist = 0;
    r->pend_n = r->pend_head = 0;
    r->last_leader_heartbeat = now_of(r);
    r->reported_term = -1;
    for (int p = 0; p < r->n; p++)
        memset(&r->peer[p], 0, sizeof r->peer[p]);
    reset_election_timeout(r);
    if (r->cfg.election == RAFT_ELECTION_CLASSIC)
        set_role(r, RAFT_FOLLOWER, RAFT_NONE);
    else
        set_role(r, RAFT_CANDIDATE, RAFT_NONE);
    r->io.timer(r->io.host, r->cfg.tick, TAG(TG_TICK, 0, 0));
}
