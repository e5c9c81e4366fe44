/* entry_handler: the follower's side of DLedger's replication (DLedgerEntryPusher.EntryHandler): appends,
 * batches of appends, compares, truncates and commits pushed by the leader, answered at once. */
#include <string.h>

#include "models/dledger/raft_int.h"

/* DLedgerMmapFileStore.appendAsFollower / truncate: only a follower, of this leader, in this term, takes
 * entries; any failed check is caught by handleDoAppend / handleDoTruncate and answered INCONSISTENT_STATE.
 * A push never changes role, term or leader: only heartbeats do (DLedgerLeaderElector.handleHeartBeat). */
static int from_my_leader(const struct raft *r, const struct push_req *q)
{
    return q->term == r->term && q->leader == r->leader;
}

/* Writes a pushed entry at the end of this member's log (DLedgerStore.appendAsFollower). */
static int follower_append(struct raft *r, const struct push_entry *e)
{
    if (cl_append_term(r->log, e->msg, e->size, e->queue, e->qoff, e->term) == CL_NONE)
        return D_INCONSISTENT_STATE;
    r->io.appended(r->io.host, cl_at(r->log, (uint64_t)e->index));
    return D_SUCCESS;
}

/* Entry i of a batch: the request's own, then the ones after it in the frame (copied out: the frame's bytes
 * are not a struct array). */
static struct push_entry batch_entry(const struct push_req *q, const unsigned char *more, uint32_t i)
{
    struct push_entry e = q->e;
    if (i > 0)
        memcpy(&e, more + (size_t)(i - 1) * sizeof e, sizeof e);
    return e;
}

/* Whether this member holds the entry (index, term, msg): its own entry there has that term and message, or
 * the host's memory trim forgot it. The trim forgets only entries every replica had committed, and committed
 * entries are the same in every log (raft_check reports it otherwise: committed_entries_differ,
 * committed_entry_removed), so the sender's entry at that index is the one forgotten: the checks below take it
 * as the same entry (as DLedger, comparing with its files, finds it). */
static int holds(const struct raft *r, int64_t index, uint32_t term, uint32_t msg)
{
    if (raft_forgot(r, index))
        return 1;
    const struct cl_entry *here = index >= 0 ? cl_at(r->log, (uint64_t)index) : NULL;
    return here && here->term == term && here->msg == msg;
}

/* A batch of n entries (handleDoBatchAppend). At the log's end they are appended in turn. Wholly here
 * already (a resend): SUCCESS if every entry is the one here (checkAppendFuture's equals: term and message),
 * else INCONSISTENT_STATE; partly here, or after a gap: INCONSISTENT_STATE (checkAppendFuture's
 * fast-forward), and the leader compares again. DLedger answers these from its once-a-second
 * checkAbnormalFuture, and a resend that finds the first still queued REPEATED_PUSH; mqsim answers at once. */
static int batch_append(struct raft *r, const struct push_req *q, const unsigned char *more, int *appended)
{
    uint32_t n = q->count;
    int64_t end = raft_end(r), first = q->e.index, last = first + n - 1;
    *appended = 0;
    if (last <= end) {
        for (uint32_t i = 0; i < n; i++) {
            struct push_entry e = batch_entry(q, more, i);
            if (!holds(r, e.index, e.term, e.msg))
                return D_INCONSISTENT_STATE;
        }
        return D_SUCCESS;
    }
    if (first != end + 1)
        return D_INCONSISTENT_STATE;
    for (uint32_t i = 0; i < n; i++) {
        struct push_entry e = batch_entry(q, more, i);
        if (e.index != first + i || follower_append(r, &e) != D_SUCCESS)
            return D_INCONSISTENT_STATE;
    }
    *appended = 1;
    return D_SUCCESS;
}

/* EntryHandler.handlePush and doWork. A member that is not a follower answers NOT_FOLLOWER
 * (clearCompareOrTruncateRequestsIfNeed; DLedger holds appends until it is a follower or the push times out,
 * mqsim answers them the same way); compares check the entry only (handleDoCompare); appends and truncates
 * must come from this term's leader; a commit of another term or leader is ignored (updateCommittedIndex
 * skips smaller terms; mqsim skips larger ones too, as its log need not agree with that leader's). */
static void handle_push(struct raft *r, const struct push_req *q, const unsigned char *more, struct push_resp *a)
{
    int advance_commit = 0;   /* only where the log is known to agree with the leader's up to its end */
    a->term = q->term;        /* buildResponse: the request's term */
    a->index = q->has_entry ? q->e.index : -1;
    a->count = (int32_t)q->count;
    a->code = r->role == RAFT_FOLLOWER ? D_SUCCESS : D_NOT_FOLLOWER;
    if (a->code == D_SUCCESS) {
        int64_t end = raft_end(r);
        switch (q->type) {
        case PUSH_APPEND:
            if (q->count > 0) {
                a->code = from_my_leader(r, q) ? batch_append(r, q, more, &advance_commit) : D_INCONSISTENT_STATE;
                break;
            }
            if (!from_my_leader(r, q) || !q->has_entry || q->e.index > end + 1) {
                a->code = D_INCONSISTENT_STATE;   /* another term or leader, or a gap: the leader compares again */
                break;
            }
            if (q->e.index <= end) {
                /* Already here (a resend): fine if it is the same entry, else the logs diverge
                 * (EntryHandler.checkAbnormalFuture). */
                if (!raft_forgot(r, q->e.index) && raft_term_at(r, q->e.index) != (int64_t)q->e.term)
                    a->code = D_INCONSISTENT_STATE;
                break;
            }
            a->code = follower_append(r, &q->e);
            advance_commit = a->code == D_SUCCESS;
            break;
        case PUSH_COMPARE:
            if (!q->has_entry || !holds(r, q->e.index, q->e.term, q->e.msg))
                a->code = D_INCONSISTENT_STATE;
            break;
        case PUSH_TRUNCATE: {
            /* DLedgerStore.truncate: the log ends with the leader's entry at this index. */
            if (!from_my_leader(r, q) || !q->has_entry || q->e.index > end + 1) {
                a->code = D_INCONSISTENT_STATE;
                break;
            }
            int same = holds(r, q->e.index, q->e.term, q->e.msg);
            int64_t cut = same ? q->e.index + 1 : q->e.index;
            if (cut <= end) {
                raft_below_begin(r, cut);   /* reported: the cut would stop at the kept start */
                r->io.truncated(r->io.host, cut);
                cl_truncate_index(r->log, (uint64_t)cut, NULL, NULL);
            }
            if (!same)
                a->code = follower_append(r, &q->e);
            advance_commit = a->code == D_SUCCESS;
            break;
        }
        case PUSH_COMMIT:
            advance_commit = from_my_leader(r, q);
            break;
        default:
            break;
        }
        if (a->code == D_SUCCESS && advance_commit && q->commit >= 0)
            raft_set_committed(r, q->commit < raft_end(r) ? q->commit : raft_end(r));
    }
    a->begin = r->log->n ? (int64_t)r->log->first : -1;
    a->end = raft_end(r);
}

void raft_on_push_request(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len)
{
    struct push_req q;
    struct push_resp a;
    if (len < sizeof q)
        return;
    memcpy(&q, body, sizeof q);
    memset(&a, 0, sizeof a);
    /* a batch's entries after its first follow the request in the frame */
    if (q.count > 1 && (len - sizeof q) / sizeof(struct push_entry) < (size_t)q.count - 1)
        return;
    handle_push(r, &q, (const unsigned char *)body + sizeof q, &a);
    r->io.reply(r->io.host, ctx, RMQ_SUCCESS, &a, sizeof a);
}
