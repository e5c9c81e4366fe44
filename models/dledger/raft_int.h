/* raft_int: what a DLedger member's parts (member state, leader elector, entry pusher, server) share. */
#ifndef MODELS_DLEDGER_RAFT_INT_H
#define MODELS_DLEDGER_RAFT_INT_H

#include "models/dledger/raft.h"

/* DLedgerResponseCode, the ones that matter here (heartbeat, push and leadership transfer answers). */
enum dl_code {
    D_SUCCESS, D_EXPIRED_TERM, D_INCONSISTENT_LEADER, D_TERM_NOT_READY, D_INCONSISTENT_STATE, D_UNKNOWN,
    D_NOT_FOLLOWER, D_NOT_LEADER, D_INCONSISTENT_TERM, D_LEADER_TRANSFERRING, D_FALL_BEHIND_TOO_MUCH,
    D_TAKE_LEADERSHIP_FAILED, D_UNKNOWN_MEMBER, D_INTERNAL_ERROR, D_REPEATED_PUSH
};

/* VoteResponse.RESULT */
enum vote_result {
    V_UNKNOWN, V_ACCEPT, V_REJECT_UNKNOWN_LEADER, V_REJECT_UNEXPECTED_LEADER, V_REJECT_EXPIRED_VOTE_TERM,
    V_REJECT_ALREADY_VOTED, V_REJECT_ALREADY_HAS_LEADER, V_REJECT_TERM_NOT_READY, V_REJECT_TERM_SMALL_THAN_LEDGER,
    V_REJECT_EXPIRED_LEDGER_TERM, V_REJECT_SMALL_LEDGER_END_INDEX, V_REJECT_TAKING_LEADERSHIP
};
/* VoteResponse.ParseResult */
enum parse_result { P_WAIT_TO_REVOTE, P_REVOTE_IMMEDIATELY, P_PASSED, P_WAIT_TO_VOTE_NEXT };

struct vote_req { int64_t term, end_index, end_term; int32_t candidate; };
struct vote_resp { int64_t term; int32_t result; };
struct hb_req { int64_t term; int32_t leader; };
struct hb_resp { int64_t term; int32_t code; };

/* PushEntryRequest.Type, and the push's wire (entry_pusher.c sends, entry_handler.c answers) */
enum push_type { PUSH_APPEND, PUSH_COMPARE, PUSH_TRUNCATE, PUSH_COMMIT };
struct push_entry { int64_t index; uint64_t qoff; uint32_t term, msg, size; uint16_t queue; };
struct push_req {
    int64_t term, commit;
    int32_t leader;
    uint8_t type, has_entry;
    uint16_t count;            /* 0: the one entry e; else a batch of count entries, e and count - 1 after
                                * (max_batch_push_size is at most 4 MiB, an entry at least 120 bytes) */
    struct push_entry e;
};
/* Its size is part of every push's wire bytes: the count sits in what was padding. */
_Static_assert(sizeof(struct push_req) == 56, "a push request's fixed part is 56 bytes");
/* buildResponse: index the (first) entry's, count the batch's; mqsim leaves count 0 for one entry (DLedger
 * gives 1, and only the batch path reads it) */
struct push_resp { int64_t term, index, begin, end; int32_t code, count; };

/* Reply and timer tags: kind, peer, and the round or index they belong to. */
enum tag_kind { TG_TICK = 1, TG_VOTE, TG_HB, TG_PUSH, TG_PERSISTED = RAFT_TIMER_PERSISTED, TG_TAKE, TG_ELECTION, TG_BEAT,
                TG_QUORUM };
#define TAG(kind, peer, x) ((uint64_t)(kind) | ((uint64_t)(peer) << 4) | ((uint64_t)(x) << 12))
#define TAG_KIND(t) ((int)((t) & 0xf))
#define TAG_PEER(t) ((int)(((t) >> 4) & 0xff))
#define TAG_X(t) ((int64_t)((t) >> 12))

/* Whether index is below where the log starts (ledgerBeginIndex). In DLedger only the deletion of old files
 * raises it, which mqsim does not model; here the world's memory trim does, invisibly to the protocol unless
 * it forgot what the protocol reads: a held index below the start is told to the host (trimmed_read). */
static inline int raft_below_begin(const struct raft *r, int64_t index)
{
    if (index >= (int64_t)r->log->first)
        return 0;
    if (index >= 0 && r->io.trimmed_read)
        r->io.trimmed_read(r->io.host, index);
    return 1;
}
/* Whether the memory trim forgot this member's entry at index (raft_below_begin without the report: an index
 * held once, below the kept start). */
static inline int raft_forgot(const struct raft *r, int64_t index)
{
    return index >= 0 && (uint64_t)index < r->log->first;
}
/* The entry at index, NULL when the log does not hold it (reported when the trim forgot it). */
static inline const struct cl_entry *raft_entry(const struct raft *r, int64_t index)
{
    const struct cl_entry *e = index >= 0 ? cl_at(r->log, (uint64_t)index) : NULL;
    if (!e)
        raft_below_begin(r, index);
    return e;
}

static inline int raft_quorum(const struct raft *r) { return r->n / 2 + 1; }
static inline sim_time raft_now(const struct raft *r) { return node_now(r->io.node); }

/* ---- member_state.c (MemberState) ---- */

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

/* ---- leader_elector.c (DLedgerLeaderElector) ---- */

/* A uniform draw from [lo, hi). */
sim_time raft_rand_between(struct raft *r, sim_time lo, sim_time hi);
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

/* ---- raft_classic.c (the Raft paper's election) ---- */

/* A fresh follower timeout drawn from [election_min, election_max]; under classic timing its timer is armed
 * to fire at that exact time. */
void raft_reset_election_timeout(struct raft *r);
/* The process starts as a follower with its election timer armed. */
void raft_classic_start(struct raft *r);
enum vote_result raft_classic_vote(struct raft *r, const struct vote_req *q, int self);
/* A heartbeat of a larger term: follow its leader at once. */
int raft_classic_heartbeat(struct raft *r, const struct hb_req *q);
/* A larger (or the same) term seen: follower of it, vote forgotten in a new term; the election timer keeps
 * running, and starts when the member was leader (it had none). */
void raft_classic_step_down(struct raft *r, int64_t term);
/* Term and vote are durable: a candidate whose own vote now is sends its RequestVotes. */
void raft_classic_persisted(struct raft *r);
/* Answers to votes and heartbeats, and the election and heartbeat timers. */
void raft_classic_on_reply(struct raft *r, uint64_t tag, int status, const void *body, uint32_t len);
void raft_classic_on_timer(struct raft *r, uint64_t tag);

/* ---- leadership.c (preferred leader and leadership transfer) ---- */

/* Forget transfers (a process start); the first preferred-leader check comes 1000 ms later. */
void raft_leadership_reset(struct raft *r);
/* isTakingLeadership: this member is the preferred leader, taking leadership in its current term. */
int raft_taking_leadership(const struct raft *r);
/* TakeLeadershipTask.check, at every role change to role in term (the term changeRoleTo* was called with). */
void raft_take_check(struct raft *r, int64_t term, enum raft_role role);
/* At a tick: the transferee's wait for the leader's index, the leader's checkPreferredLeader. */
void raft_leadership_tick(struct raft *r, sim_time now);
void raft_on_take_request(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len);
void raft_on_take_reply(struct raft *r, int peer, int64_t term, int status, const void *body, uint32_t len);

/* ---- entry_pusher.c (DLedgerEntryPusher) ---- */

/* Forget pending appends and the dispatchers (a process start). */
void raft_pusher_reset(struct raft *r);
/* Follower p's dispatcher's pushes not yet answered or forgotten: pendingMap.size() (batchPendingMap's
 * with batch push). */
int64_t raft_push_pending(const struct raft *r, int p);

/* ---- quorum_ack.c (pendingAppendResponsesByTerm, QuorumAckChecker) ---- */

/* A member leading again: every pending append (of an earlier term) ends with TERM_CHANGED. */
void raft_fail_old_terms(struct raft *r);
/* A water-mark rose from `from` to `to`: the count of marks above the committed index follows. */
void raft_mark_rose(struct raft *r, int64_t from, int64_t to);
/* The checker's look (marks_moved 0: no mark rose above the committed index since the last one), its
 * wake-up (a look now), and its next look on its 1 ms grid (batch push). */
void raft_check_quorum_marks(struct raft *r, int marks_moved);
void raft_quorum_wakeup(struct raft *r);
void raft_quorum_poll(struct raft *r);
/* Room for one more pending append (0, or -1 when out of memory), and the append itself. */
int raft_pend_reserve(struct raft *r);
void raft_pend_add(struct raft *r, int64_t index, uint64_t tag);

/* ---- entry_pusher.c, again ---- */

/* A new leader: every follower's dispatcher starts in COMPARE. */
void raft_start_dispatchers(struct raft *r);
/* The leader's step at a tick: the QuorumAckChecker, then every dispatcher. */
void raft_pusher_tick(struct raft *r);
void raft_on_push_reply(struct raft *r, int peer, int64_t x, int status, const void *body, uint32_t len);
/* The QuorumAckChecker's look that batch push left to its 1 ms poll (a TG_QUORUM timer). */
void raft_quorum_look(struct raft *r);
/* The committed index rises to index (no further than the log's end); the host is told. */
void raft_set_committed(struct raft *r, int64_t index);
/* The dispatchers' memory, at the member's end. */
void raft_pusher_free(struct raft *r);

/* ---- entry_handler.c (DLedgerEntryPusher.EntryHandler, the follower's side) ---- */

void raft_on_push_request(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len);
/* The member has just become a follower: the held append at its log's end + 1 is taken, and the ones after
 * it in turn. */
void raft_handler_follower(struct raft *r);
/* The member's tick: a follower looks at the appends that wait once a second (checkAbnormalFuture). */
void raft_handler_tick(struct raft *r);
/* Forget the held appends, unanswered (a process start); and their memory (the member's end). */
void raft_handler_reset(struct raft *r);
void raft_handler_free(struct raft *r);

#endif
