/* entry_handler: the follower's side of DLedger's replication (DLedgerEntryPusher.EntryHandler): appends,
 * batches of appends, compares, truncates and commits pushed by the leader; a follower answers them at
 * once, a member that is not a follower holds the appends until it is one. */
#include <stdlib.h>
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

/* EntryHandler.doWork, for one push. A member that is not a follower answers NOT_FOLLOWER: a compare,
 * truncate or commit (clearCompareOrTruncateRequestsIfNeed drains them within its 1 ms poll), or an append
 * that could not be held (raft_on_push_request holds the others); compares check the entry only
 * (handleDoCompare); appends and truncates must come from this term's leader; a commit of another term or
 * leader is ignored (updateCommittedIndex skips smaller terms; mqsim skips larger ones too, as its log need
 * not agree with that leader's). */
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

/* A push's answer (body: the request as it came, a batch's further entries after it). */
static void answer(struct raft *r, struct rpc_ctx ctx, const unsigned char *body)
{
    struct push_req q;
    struct push_resp a;
    memcpy(&q, body, sizeof q);
    memset(&a, 0, sizeof a);
    handle_push(r, &q, body + sizeof q, &a);
    r->io.reply(r->io.host, ctx, RMQ_SUCCESS, &a, sizeof a);
}

/* ---- the appends a member that is not a follower holds (EntryHandler.writeRequestMap) ----
 *
 * EntryHandler.handlePush (dledger 0.3.1.2; DLedgerServer.handlePush checks only the member's id and group,
 * not its role, term or leader) queues every push for the EntryHandler's thread, whose doWork handles them
 * only while the member is a follower. An append waits in writeRequestMap under its first index; a second
 * one there is answered REPEATED_PUSH at once (the first stays); a compare or truncate clears the map, the
 * appends in it never answered (the leader's invokeAsync ends them after its 3 s timeout). Nothing else
 * ends them: not a change of term, and the map has no bound (maxPendingRequestsNum bounds the leader's
 * pending appends, not this). Once the member is a follower, of any leader in any term, doWork takes the
 * append at its log's end + 1 (handleDoAppend: appendAsFollower's checks of term and leader answer
 * INCONSISTENT_STATE). mqsim answers every held append then, in index order, as a follower answers an
 * append: one at or below its end, or after a gap, at once (DLedger leaves those to checkAbnormalFuture, once
 * a second). */

void raft_handler_reset(struct raft *r)
{
    for (uint32_t i = 0; i < r->held_n; i++)
        free(r->held[i].body);
    r->held_n = 0;
}

void raft_handler_free(struct raft *r)
{
    raft_handler_reset(r);
    free(r->held);
    r->held = NULL;
    r->held_cap = 0;
}

/* writeRequestMap.putIfAbsent: 0 held, 1 one is held there already, -1 out of memory. */
static int hold(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len, int64_t first)
{
    for (uint32_t i = 0; i < r->held_n; i++)
        if (r->held[i].first == first)
            return 1;
    if (r->held_n == r->held_cap) {
        uint32_t cap = r->held_cap ? r->held_cap * 2 : 16;
        struct raft_held *h = realloc(r->held, (size_t)cap * sizeof *h);
        if (!h)
            return -1;
        r->held = h;
        r->held_cap = cap;
    }
    void *copy = malloc(len);
    if (!copy)
        return -1;
    memcpy(copy, body, len);
    r->held[r->held_n++] = (struct raft_held){.first = first, .ctx = ctx, .len = len, .body = copy};
    return 0;
}

static int by_first(const void *x, const void *y)
{
    const struct raft_held *a = x, *b = y;
    return (a->first > b->first) - (a->first < b->first);
}

void raft_handler_follower(struct raft *r)
{
    /* Taken out first: answering cannot hold more (the member is a follower), but stays safe if it did. */
    struct raft_held *h = r->held;
    uint32_t n = r->held_n, cap = r->held_cap;
    r->held = NULL;
    r->held_n = r->held_cap = 0;
    qsort(h, n, sizeof *h, by_first);
    for (uint32_t i = 0; i < n; i++) {
        if (r->role == RAFT_FOLLOWER)
            answer(r, h[i].ctx, h[i].body);
        free(h[i].body);
    }
    if (r->held == NULL) {
        r->held = h;
        r->held_cap = cap;
    } else {
        free(h);
    }
}

void raft_on_push_request(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len)
{
    struct push_req q;
    if (len < sizeof q)
        return;
    memcpy(&q, body, sizeof q);
    /* a batch's entries after its first follow the request in the frame */
    if (q.count > 1 && (len - sizeof q) / sizeof(struct push_entry) < (size_t)q.count - 1)
        return;
    /* EntryHandler.handlePush: writeRequestMap.clear() */
    if (q.type == PUSH_COMPARE || q.type == PUSH_TRUNCATE)
        raft_handler_reset(r);
    if (r->role != RAFT_FOLLOWER && q.type == PUSH_APPEND && q.has_entry) {
        int held = hold(r, ctx, body, len, q.e.index);
        if (held == 0)
            return;
        if (held == 1) {
            /* buildResponse(request, REPEATED_PUSH) */
            struct push_resp a = {.term = q.term, .index = q.e.index, .count = (int32_t)q.count,
                                  .code = D_REPEATED_PUSH, .begin = r->log->n ? (int64_t)r->log->first : -1,
                                  .end = raft_end(r)};
            r->io.reply(r->io.host, ctx, RMQ_SUCCESS, &a, sizeof a);
            return;
        }
        /* out of memory: answered NOT_FOLLOWER at once, as a compare is */
    }
    answer(r, ctx, body);
}
