/* entry_handler: the follower's side of DLedger's replication (DLedgerEntryPusher.EntryHandler): appends,
 * batches of appends, compares, truncates and commits pushed by the leader. A follower answers the append at
 * its log's end + 1 and compares, truncates and commits at once; the other appends wait (writeRequestMap)
 * until they are the next, or until the once-a-second look at what waits answers them. */
#include <stdlib.h>
#include <string.h>

#include "models/dledger/raft_msg.h"
#include "models/dledger/raft_self.h"
#include "models/dledger/role_change.h"
#include "models/dledger/quorum_ack.h"
#include "models/dledger/entry_handler.h"

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

/* Whether every entry of push q (one, or a batch's) is the one this member holds at its index
 * (checkAppendFuture's DLedgerEntry.equals): SUCCESS, else INCONSISTENT_STATE. */
static int entries_here(const struct raft *r, const struct push_req *q, const unsigned char *more)
{
    for (uint32_t i = 0; i < (q->count > 1 ? q->count : 1u); i++) {
        struct push_entry e = batch_entry(q, more, i);
        if (!holds(r, e.index, e.term, e.msg))
            return D_INCONSISTENT_STATE;
    }
    return D_SUCCESS;
}

/* A batch of n entries (handleDoBatchAppend). At the log's end they are appended in turn. Wholly here
 * already, partly here or after a gap: INCONSISTENT_STATE, unless every entry is the one here (SUCCESS). A
 * follower's batches come here only at its log's end (the others wait for its once-a-second look,
 * check_appends); the other cases are for a batch no memory was left to hold. */
static int batch_append(struct raft *r, const struct push_req *q, const unsigned char *more, int *appended)
{
    uint32_t n = q->count;
    int64_t end = raft_end(r), first = q->e.index, last = first + n - 1;
    *appended = 0;
    if (last <= end)
        return entries_here(r, q, more);
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

/* A push handled (body: the request as it came, a batch's further entries after it), and answered unless
 * its answer went already (a fast-forward's: the future is complete). */
static void answer(struct raft *r, struct rpc_ctx ctx, const unsigned char *body, int reply)
{
    struct push_req q;
    struct push_resp a;
    memcpy(&q, body, sizeof q);
    memset(&a, 0, sizeof a);
    handle_push(r, &q, body + sizeof q, &a);
    if (reply)
        r->io.reply(r->io.host, ctx, RMQ_SUCCESS, &a, sizeof a);
}

/* ---- the appends waiting to be taken (EntryHandler.writeRequestMap) ----
 *
 * EntryHandler.handlePush (dledger 0.3.1.2; DLedgerServer.handlePush checks only the member's id and group,
 * not its role, term or leader) puts every append in writeRequestMap under its first index, with a
 * TimeoutFuture of 1 s; a second one there is answered REPEATED_PUSH at once (the first stays); a compare or
 * truncate clears the map, the appends in it never answered (the leader's invokeAsync ends them after its 3 s
 * timeout). Only a follower's doWork takes from it, and only the append at its log's end + 1 (handleDoAppend:
 * appendAsFollower's checks of term and leader answer INCONSISTENT_STATE), in turn as its end moves. Whatever
 * else waits, a follower looks at when idle once a second (checkAbnormalFuture, from lastCheckFastForwardTimeMs,
 * set when the handler is made and at each look): an append wholly at or below its end is answered SUCCESS if
 * every entry is the one here, else INCONSISTENT_STATE, and removed ([PushFallBehind]: an ack the leader
 * missed); of the appends after a gap whose 1 s has passed, the lowest is answered INCONSISTENT_STATE and
 * stays in the map ([PushFastForward]: the follower lost entries, and the leader compares again). mqsim looks
 * at the member's 10 ms tick (DLedger's handler polls every 1 ms), and takes an append at once where DLedger's
 * handler is woken. */

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

static int find_held(const struct raft *r, int64_t first)
{
    for (uint32_t i = 0; i < r->held_n; i++)
        if (r->held[i].first == first)
            return (int)i;
    return -1;
}

/* writeRequestMap.putIfAbsent: 0 held, 1 one is held there already, -1 out of memory. */
static int hold(struct raft *r, struct rpc_ctx ctx, const void *body, uint32_t len, const struct push_req *q)
{
    if (find_held(r, q->e.index) >= 0)
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
    int64_t last = q->count > 1 ? q->e.index + q->count - 1 : q->e.index;
    r->held[r->held_n++] = (struct raft_held){.first = q->e.index, .last = last, .at = raft_now(r), .ctx = ctx,
                                              .len = len, .body = copy};
    return 0;
}

/* Takes held append i out of the map (the caller frees its body). */
static struct raft_held take_held(struct raft *r, uint32_t i)
{
    struct raft_held h = r->held[i];
    r->held[i] = r->held[--r->held_n];
    return h;
}

/* buildResponse(request, code), sent. */
static void reply_code(struct raft *r, struct rpc_ctx ctx, const struct push_req *q, int code)
{
    struct push_resp a = {.term = q->term, .index = q->e.index, .count = (int32_t)q->count, .code = code,
                          .begin = r->log->n ? (int64_t)r->log->first : -1, .end = raft_end(r)};
    r->io.reply(r->io.host, ctx, RMQ_SUCCESS, &a, sizeof a);
}

/* doWork while a follower: writeRequestMap.remove(ledgerEndIndex + 1), handled, for as long as there is one
 * (an append the fast-forward answered already is handled unanswered: its future is complete). */
static void take_next(struct raft *r)
{
    int i;
    while (r->role == RAFT_FOLLOWER && (i = find_held(r, raft_end(r) + 1)) >= 0) {
        struct raft_held h = take_held(r, (uint32_t)i);
        answer(r, h.ctx, h.body, !h.answered);
        free(h.body);
    }
}

void raft_handler_follower(struct raft *r) { take_next(r); }

/* checkAppendFuture(ledgerEndIndex). DLedger walks the map in its hash order and stops at an append at the
 * end + 1; take_next has always taken that one before a look. */
static void check_appends(struct raft *r)
{
    int64_t end = raft_end(r), lowest = INT64_MAX;
    sim_time now = raft_now(r);
    for (uint32_t i = r->held_n; i-- > 0;) {
        struct raft_held *h = &r->held[i];
        struct push_req q;
        memcpy(&q, h->body, sizeof q);
        if (h->last <= end) {
            /* [PushFallBehind] */
            int code = entries_here(r, &q, (const unsigned char *)h->body + sizeof q);
            struct raft_held t = take_held(r, i);
            if (!t.answered)
                reply_code(r, t.ctx, &q, code);
            free(t.body);
            continue;
        }
        if (now - h->at >= 1 * SIM_S && h->first < lowest)
            lowest = h->first;   /* TimeoutFuture.isTimeOut */
    }
    int i = lowest < INT64_MAX ? find_held(r, lowest) : -1;   /* (the removals above move entries) */
    if (i >= 0 && !r->held[i].answered) {
        /* [PushFastForward] */
        struct push_req q;
        memcpy(&q, r->held[i].body, sizeof q);
        r->held[i].answered = 1;
        reply_code(r, r->held[i].ctx, &q, D_INCONSISTENT_STATE);
    }
}

void raft_handler_tick(struct raft *r)
{
    /* checkAbnormalFuture: a follower idle a second after the last look looks again */
    sim_time now = raft_now(r);
    if (r->role != RAFT_FOLLOWER || now - r->ff_check < 1 * SIM_S)
        return;
    r->ff_check = now;
    if (r->held_n)
        check_appends(r);
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
    if (q.type == PUSH_APPEND && q.has_entry) {
        if (r->role == RAFT_FOLLOWER && q.e.index == raft_end(r) + 1 && (!r->held_n || find_held(r, q.e.index) < 0)) {
            /* the next entry: taken as soon as it is put (no copy held for it) */
            answer(r, ctx, body, 1);
            if (r->held_n)
                take_next(r);
            return;
        }
        int held = hold(r, ctx, body, len, &q);
        if (held == 0) {
            take_next(r);
            return;
        }
        if (held == 1) {
            reply_code(r, ctx, &q, D_REPEATED_PUSH);   /* buildResponse(request, REPEATED_PUSH) */
            return;
        }
        /* out of memory: answered at once, as a compare is */
    }
    answer(r, ctx, body, 1);
}
