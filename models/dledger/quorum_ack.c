/* quorum_ack: the leader's pending appends and its QuorumAckChecker (DLedgerEntryPusher's
 * pendingAppendResponsesByTerm and QuorumAckChecker, dledger 0.3.1.2): the committed index is the n/2-th of
 * the water-marks sorted in descending order, appends up to it succeed, appends older than maxWaitAckTimeMs
 * beyond it fail (unless a state machine is registered); the dispatchers that raise the water-marks are
 * entry_pusher.c's. */
#include <stdlib.h>

#include "models/dledger/raft_msg.h"
#include "models/dledger/raft_self.h"
#include "models/dledger/role_change.h"
#include "models/dledger/quorum_ack.h"

/* The oldest pending append leaves the map: 1 if it was answered already (timed out). */
static int pend_pop(struct raft *r)
{
    r->pend_head = (r->pend_head + 1) & (r->pend_cap - 1);
    r->pend_n--;
    if (!r->pend_done)
        return 0;
    r->pend_done--;
    return 1;
}

static struct raft_pending *pend_at(struct raft *r, uint32_t i)
{
    return &r->pend[(r->pend_head + i) & (r->pend_cap - 1)];
}

/* A leader that steps down answers none of its pending appends: the QuorumAckChecker does nothing but on a
 * leader, and only there do appends time out (DLedgerEntryPusher, dledger 0.3.1.2). They wait (the client's
 * own timeout ends its wait) until this member leads again, in a later term: then the checker completes
 * every append of an earlier term with TERM_CHANGED (checkTermForPendingMap, then the loop over
 * pendingAppendResponsesByTerm), which RocketMQ's DLedgerCommitLog answers UNKNOWN_ERROR (SYSTEM_ERROR). A
 * member elected only appends in its new term, so every append still pending is of an earlier one. */
void raft_fail_old_terms(struct raft *r)
{
    while (r->pend_n) {
        uint64_t tag = pend_at(r, 0)->tag;
        if (!pend_pop(r))   /* (a timed-out one's future is done: complete() does nothing) */
            r->io.append_done(r->io.host, tag, RMQ_SYSTEM_ERROR);
    }
}

void raft_set_committed(struct raft *r, int64_t index)
{
    if (index > raft_end(r))
        index = raft_end(r);
    if (index <= r->committed)
        return;
    r->committed = index;
    r->io.committed(r->io.host, index);
}

/* A water-mark (a follower's, or the leader's log end) rose from `from` to `to`: the count of marks above
 * the committed index follows it. Every other change of a mark forgets the count (q_at = INT64_MIN). */
void raft_mark_rose(struct raft *r, int64_t from, int64_t to)
{
    if (r->q_at == r->committed && from <= r->committed && to > r->committed)
        r->q_above++;
}

/* The n/2-th largest water-mark (the quorum index) when it is above the committed index, else -1, and in
 * *above_q the count of marks above it. Kept incrementally from the committed index, which only grows:
 * only the marks above it count, and most acks leave fewer than a majority of them (the quorum has not
 * moved), which the count kept by mark_rose tells without looking at the marks. Otherwise the quorum
 * index is the largest mark that a majority of marks reach: no sort, no stores; when exactly a majority
 * is above the committed index (the ack that just made one), it is the smallest of them. */
static int64_t quorum_above(struct raft *r, int *above_q)
{
    int64_t committed = r->committed, marks[RAFT_MAX_PEERS];
    int need = raft_quorum(r);
    if (r->q_at == committed && r->q_above < need)
        return -1;
    int above = 0;
    for (int p = 0; p < r->n; p++) {
        marks[p] = p == r->self ? raft_end(r) : r->peer[p].watermark;
        above += marks[p] > committed;
    }
    r->q_above = above;
    r->q_at = committed;
    if (above < need)
        return -1;
    int64_t q = committed;
    if (above == need) {
        q = INT64_MAX;
        for (int p = 0; p < r->n; p++)
            if (marks[p] > committed && marks[p] < q)
                q = marks[p];
    } else {
        for (int i = 0; i < r->n; i++) {
            if (marks[i] <= q)
                continue;
            int reach = 0;
            for (int j = 0; j < r->n; j++)
                reach += marks[j] >= marks[i];
            if (reach >= need)
                q = marks[i];
        }
    }
    above = 0;
    for (int p = 0; p < r->n; p++)
        above += marks[p] > q;
    *above_q = above;
    return q;
}

/* At least a majority of this term's water-marks (the leader's own: its log end) at or above index: the quorum
 * index reaches it. */
static int quorum_reaches(const struct raft *r, int64_t index)
{
    int n = 0;
    for (int p = 0; p < r->n; p++)
        n += (p == r->self ? raft_end(r) : r->peer[p].watermark) >= index;
    return n >= raft_quorum(r);
}

/* QuorumAckChecker: the committed index is the n/2-th largest water-mark of this term; appends up to it
 * succeed and leave the map (a timed-out one silently). Then checkResponseFuturesTimeout(quorumIndex + 1):
 * from the index after the quorum index, while there is a pending append there, the appends older than
 * maxWaitAckTimeMs are answered WAIT_QUORUM_ACK_TIMEOUT in order, and stay in the map, which
 * DLedgerServer.handleAppend finds full at maxPendingRequestsNum, until the committed index passes them.
 * Nothing times out while the quorum index is below the committed index (a new leader whose followers' marks
 * of its term are still below what an earlier term committed) or the entry after it is of an earlier term:
 * no append of this term is pending there. marks_moved 0: no water-mark rose above the committed index since
 * the last check (an ack at or below it), so the quorum index is what the last check found, and only the
 * pending appends need looking at. */
void raft_check_quorum_marks(struct raft *r, int marks_moved)
{
    if (r->role != RAFT_LEADER)
        return;
    int above_q = 0;
    int64_t q = marks_moved ? quorum_above(r, &above_q) : -1;
    if (q > r->committed && (!r->cfg.commit_current_term_only || raft_term_at(r, q) == r->term)) {
        r->q_above = above_q;   /* the count for the committed index q, if it becomes q */
        r->q_at = q;
        raft_set_committed(r, q);
    }
    while (r->pend_n && r->pend[r->pend_head].index <= r->committed) {
        uint64_t tag = r->pend[r->pend_head].tag;
        if (!pend_pop(r))
            r->io.append_done(r->io.host, tag, RMQ_SUCCESS);
    }
    if (r->cfg.state_machine || r->pend_done == r->pend_n)
        return;
    sim_time now = raft_now(r);
    if (now - pend_at(r, r->pend_done)->created <= r->cfg.max_wait_ack)
        return;   /* (nothing old enough: the common case) */
    if (r->pend[r->pend_head].index != r->committed + 1 || !quorum_reaches(r, r->committed))
        return;
    while (r->pend_done < r->pend_n) {
        const struct raft_pending *pd = pend_at(r, r->pend_done);
        if (now - pd->created <= r->cfg.max_wait_ack)
            break;
        uint64_t tag = pd->tag;
        r->pend_done++;
        r->io.append_done(r->io.host, tag, RMQ_SYSTEM_ERROR);   /* WAIT_QUORUM_ACK_TIMEOUT */
    }
}

/* quorumAckChecker.wakeup(): it looks at once, and its next idle look is 1 ms later. */
void raft_quorum_wakeup(struct raft *r)
{
    r->q_last_look = raft_now(r);
    raft_check_quorum_marks(r, 1);
}

/* With batch push nothing wakes the QuorumAckChecker on an ack (sendBatchAppendEntryRequest's SUCCESS
 * only updates the water-mark): the new marks count at its next look, on its 1 ms grid from the last. */
void raft_quorum_poll(struct raft *r)
{
    if (r->q_poll_armed)
        return;
    sim_time now = raft_now(r), at = r->q_last_look + SIM_MS;
    if (at < now)
        at += (now - at + SIM_MS - 1) / SIM_MS * SIM_MS;
    r->q_poll_armed = 1;
    r->io.timer(r->io.host, at - now, TAG(TG_QUORUM, 0, 0));
}

void raft_quorum_look(struct raft *r)
{
    r->q_poll_armed = 0;
    raft_quorum_wakeup(r);
}

/* The ring doubles when full. */
int raft_pend_reserve(struct raft *r)
{
    if (r->pend_n < r->pend_cap)
        return 0;
    uint32_t cap = r->pend_cap ? r->pend_cap * 2 : 256;
    struct raft_pending *a = malloc((size_t)cap * sizeof *a);
    if (!a)
        return -1;
    for (uint32_t i = 0; i < r->pend_n; i++)
        a[i] = *pend_at(r, i);
    free(r->pend);
    r->pend = a;
    r->pend_cap = cap;
    r->pend_head = 0;
    return 0;
}

void raft_pend_add(struct raft *r, int64_t index, uint64_t tag)
{
    struct raft_pending *pd = pend_at(r, r->pend_n++);
    pd->index = index;
    pd->tag = tag;
    pd->created = raft_now(r);
}
