/* leadership: the preferred leader and leadership transfer (DLedgerServer.checkPreferredLeader and
 * handleLeadershipTransfer; DLedgerLeaderElector.handleLeadershipTransfer, handleTakeLeadership,
 * TakeLeadershipTask, isTakingLeadership).
 *
 * The leader sets its transferee (and refuses appends with LEADER_TRANSFERRING from then on) and asks the
 * transferee to take leadership. The transferee waits, polling every 10 ms for up to
 * leadershipTransferWaitTimeout, until its log reaches the leader's end at the time of the request, then
 * becomes a candidate of the next term at once; as the preferred leader it votes after 30-100 ms instead of
 * 300-1000 ms, and the other members' TERM_NOT_READY makes it revote immediately. It answers the leader when
 * its role changes in that term: SUCCESS when it leads. A leader checks every 1000 ms whether the preferred
 * leader is live (it answered the last heartbeat) and less than maxLeadershipTransferWaitIndex entries behind,
 * and then hands leadership to it. */
#include <string.h>

#include "models/dledger/raft_msg.h"
#include "models/dledger/raft_self.h"
#include "models/dledger/member_state.h"
#include "models/dledger/role_change.h"
#include "models/dledger/leadership.h"

/* LeadershipTransferRequest / Response */
struct take_req { int64_t term, take_index; int32_t leader, transferee; };
struct take_resp { int64_t term; int32_t code; };

static const char *code_name(int code)
{
    switch (code) {
    case D_SUCCESS: return "SUCCESS";
    case D_EXPIRED_TERM: return "EXPIRED_TERM";
    case D_INCONSISTENT_LEADER: return "INCONSISTENT_LEADER";
    case D_NOT_LEADER: return "NOT_LEADER";
    case D_INCONSISTENT_TERM: return "INCONSISTENT_TERM";
    case D_LEADER_TRANSFERRING: return "LEADER_TRANSFERRING";
    case D_FALL_BEHIND_TOO_MUCH: return "FALL_BEHIND_TOO_MUCH";
    case D_TAKE_LEADERSHIP_FAILED: return "TAKE_LEADERSHIP_FAILED";
    case D_UNKNOWN_MEMBER: return "UNKNOWN_MEMBER";
    case D_INTERNAL_ERROR: return "INTERNAL_ERROR";
    default: return "UNKNOWN";
    }
}

void raft_leadership_reset(struct raft *r)
{
    r->transferee = RAFT_NONE;
    r->term_to_take = -1;
    r->take_waiting = r->take_task = 0;
    memset(r->peer_live, 0, sizeof r->peer_live);
    /* DLedgerServer.startup: scheduleAtFixedRate(checkPreferredLeader, 1000, 1000 ms) */
    r->next_preferred_check = raft_now(r) + 1000 * SIM_MS;
}

int raft_taking_leadership(const struct raft *r)
{
    return r->cfg.preferred_leader == r->self && r->term_to_take == r->term;
}

/* The leader's behind count for peer p: ledgerEndIndex - its water-mark in this term. */
static int64_t fall_behind(const struct raft *r, int p) { return raft_end(r) - r->peer[p].watermark; }

/* DLedgerLeaderElector.handleLeadershipTransfer: the transferee is set, then asked to take leadership. */
static int start_transfer(struct raft *r, int to)
{
    if (r->role != RAFT_LEADER)
        return D_NOT_LEADER;
    if (r->transferee != RAFT_NONE)
        return D_LEADER_TRANSFERRING;
    r->transferee = to;
    r->transfers++;
    struct take_req q = {r->term, raft_end(r), r->self, to};
    r->io.call(r->io.host, to, RAFT_TAKE_LEADERSHIP, &q, sizeof q, 0, r->cfg.rpc_timeout, TAG(TG_TAKE, to, (uint64_t)r->term));
    return D_SUCCESS;
}

const char *raft_transfer_leadership(struct raft *r, int to)
{
    /* DLedgerServer.handleLeadershipTransfer, the leader's branch: a peer, this leader, not far behind. */
    if (to < 0 || to >= r->n || to == r->self)
        return code_name(D_UNKNOWN_MEMBER);
    if (r->role != RAFT_LEADER)
        return code_name(D_NOT_LEADER);
    if (fall_behind(r, to) >= r->cfg.max_transfer_wait_index)
        return code_name(D_FALL_BEHIND_TOO_MUCH);
    int code = start_transfer(r, to);
    return code == D_SUCCESS ? NULL : code_name(code);
}

/* handleLeadershipTransfer's thenApply: a failure, or an answer while still leading the term of the request
 * answered (its tag carries it) with the transferee set, clears the transferee (appends are taken again). */
void raft_on_take_reply(struct raft *r, int peer, int64_t term, int status, const void *body, uint32_t len)
{
    struct take_resp a = {0, D_INTERNAL_ERROR};
    if (status == RMQ_SUCCESS && len >= sizeof a)
        memcpy(&a, body, sizeof a);
    if (a.code != D_SUCCESS || (r->term == term && r->transferee != RAFT_NONE))
        r->transferee = RAFT_NONE;
    if (r->io.transferred)
        r->io.transferred(r->io.host, peer, a.code == D_SUCCESS, code_name(a.code));
}

static void take_answer(struct raft *r, int64_t term, int code)
{
    struct take_resp a = {term, code};
    r->io.reply(r->io.host, r->take_ctx, RMQ_SUCCESS, &a, sizeof a);
}

/* DLedgerLeaderElector.handleTakeLeadership: candidate of the next term at once; the answer waits for the
 * TakeLeadershipTask. */
static void take_leadership(struct raft *r)
{
    if (r->term != r->take_term) {
        take_answer(r, r->term, D_INCONSISTENT_TERM);
        return;
    }
    r->term_to_take = r->take_term + 1;
    r->take_task = 1;
    raft_change_to_candidate(r, r->take_term + 1);
    r->need_increase_term = 1;
}

/* DLedgerServer.handleLeadershipTransfer, the transferee's branch. */
void raft_on_take_request(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len)
{
    struct take_req q;
    if (len < sizeof q)
        return;
    memcpy(&q, body, sizeof q);
    if (r->take_waiting || r->take_task) {
        /* One at a time here (DLedger would block another request thread): the newer is refused. */
        struct take_resp a = {r->term, D_TAKE_LEADERSHIP_FAILED};
        r->io.reply(r->io.host, ctx, RMQ_SUCCESS, &a, sizeof a);
        return;
    }
    r->take_ctx = ctx;
    if (q.transferee != r->self || q.leader != r->leader) {
        /* PreConditions in DLedgerServer.handleLeadershipTransfer: UNEXPECTED_ARGUMENT for another
         * transferee (answered here as UNKNOWN: the leader only needs "not SUCCESS"), INCONSISTENT_LEADER. */
        take_answer(r, r->term, q.transferee != r->self ? D_UNKNOWN : D_INCONSISTENT_LEADER);
        return;
    }
    r->take_term = q.term;
    r->take_index = q.take_index;
    r->take_from = q.leader;
    r->take_since = raft_now(r);
    r->take_waiting = 1;
    if (raft_end(r) >= r->take_index) {
        r->take_waiting = 0;
        take_leadership(r);
    }
}

void raft_take_check(struct raft *r, int64_t term, enum raft_role role)
{
    if (r->term_to_take == -1 || !r->take_task)
        return;
    int code;
    if (term > r->term_to_take)
        code = D_EXPIRED_TERM;
    else if (term == r->term_to_take && role == RAFT_LEADER)
        code = D_SUCCESS;
    else if (role == RAFT_FOLLOWER)
        /* the same term, or a smaller one: a heartbeat came before the term was raised */
        code = D_TAKE_LEADERSHIP_FAILED;
    else if (term == r->term_to_take)
        return;   /* still a candidate of the term to take */
    else
        code = D_INTERNAL_ERROR;
    r->take_task = 0;
    r->term_to_take = -1;
    take_answer(r, term, code);
}

/* DLedgerServer.checkPreferredLeader */
static void check_preferred_leader(struct raft *r)
{
    int p = r->cfg.preferred_leader;
    if (r->role != RAFT_LEADER || p == RAFT_NONE || r->transferee != RAFT_NONE || p == r->self || p >= r->n)
        return;
    if (!r->peer_live[p] || fall_behind(r, p) >= r->cfg.max_transfer_wait_index)
        return;
    start_transfer(r, p);
}

void raft_leadership_tick(struct raft *r, sim_time now)
{
    if (r->take_waiting) {
        /* The transferee's loop: Thread.sleep(10) until its end reaches the leader's, at most
         * leadershipTransferWaitTimeout. */
        if (raft_end(r) >= r->take_index) {
            r->take_waiting = 0;
            take_leadership(r);
        } else if (now - r->take_since > r->cfg.transfer_wait_timeout) {
            r->take_waiting = 0;
            take_answer(r, r->term, D_TAKE_LEADERSHIP_FAILED);
        }
    }
    while (now >= r->next_preferred_check) {
        r->next_preferred_check += 1000 * SIM_MS;
        check_preferred_leader(r);
    }
}
