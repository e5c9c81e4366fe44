/* entry_pusher: the leader's side of DLedger's replication (DLedgerEntryPusher): its dispatchers (the
 * QuorumAckChecker is quorum_ack.c's, the follower's side entry_handler.c's).
 *
 * Per follower a dispatcher: COMPARE (find where the logs agree), TRUNCATE (cut the follower there), APPEND
 * (push entries one by one, at most 1000 unanswered, resend the one after the water-mark after 1 s; or, with
 * batch push, in batches of maxBatchPushSize bytes). An appending dispatcher compares again only when its
 * term or leader changes (checkAndFreshState), at an INCONSISTENT_STATE answer, when an entry it needs is
 * no longer in the log, or after an exception (then 500 ms later); any other answer to an append leaves
 * the push waiting for its resend (doAppendInner). The QuorumAckChecker takes the n/2-th of the water-marks
 * sorted in descending order as the committed index and completes pending appends; an append not committed
 * after 2.5 s fails. */
#include <stdlib.h>
#include <string.h>

#include "models/dledger/raft_msg.h"
#include "models/dledger/raft_self.h"
#include "models/dledger/member_state.h"
#include "models/dledger/role_change.h"
#include "models/dledger/entry_pusher.h"
#include "models/dledger/quorum_ack.h"
#include "models/dledger/pending_map.h"

/* EntryDispatcher's state */
enum { DS_COMPARE, DS_TRUNCATE, DS_APPEND };

/* DLedgerEntry.BODY_OFFSET: the entry's header before the message; DLedgerEntry.getSize() counts it. */
#define DLEDGER_ENTRY_HEADER 48


void raft_pusher_reset(struct raft *r)
{
    r->pend_n = r->pend_head = r->pend_done = 0;
    r->q_at = INT64_MIN;
    r->q_poll_armed = 0;
    r->q_last_look = raft_now(r);
    for (int p = 0; p < r->n; p++) {
        struct raft_peer *pe = &r->peer[p], keep = *pe;   /* the rings' memory stays for the next life */
        memset(pe, 0, sizeof *pe);
        pe->bp = keep.bp;
        pe->bp_cap = keep.bp_cap;
        pe->sent = keep.sent;
        pe->sent_cap = keep.sent_cap;
        pe->left = keep.left;
        pe->left_cap = keep.left_cap;
    }
}

void raft_pusher_free(struct raft *r)
{
    for (int p = 0; p < RAFT_MAX_PEERS; p++) {
        free(r->peer[p].bp);
        r->peer[p].bp = NULL;
        pmap_free(&r->peer[p]);
    }
    free(r->batch_body);
    r->batch_body = NULL;
}

int64_t raft_push_pending(const struct raft *r, int p)
{
    return r->cfg.batch_push ? (int64_t)r->peer[p].bp_live : pmap_size(&r->peer[p]);
}

/* ---- the leader's dispatchers (EntryDispatcher) ---- */

static void fill_entry(const struct raft *r, int64_t index, struct push_req *q)
{
    const struct cl_entry *e = raft_entry(r, index);
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
    if (type == PUSH_APPEND || type == PUSH_COMMIT)
        r->peer[p].last_push = raft_now(r);   /* lastPushCommitTimeMs (a truncate sets it at its answer) */
    r->io.call(r->io.host, p, RAFT_PUSH, &q, sizeof q, extra, r->cfg.rpc_timeout,
               TAG(TG_PUSH, p, (uint64_t)(r->peer[p].round & 0xffffff) | ((uint64_t)type << 24)));
}

static inline void dispatch(struct raft *r, int p);

/* EntryDispatcher.changeState */
static void change_state(struct raft *r, int p, int64_t index, int state)
{
    struct raft_peer *pe = &r->peer[p];
    pe->round++;
    pe->state = state;
    pmap_clear(pe);   /* pendingMap.clear(): empty outside APPEND */
    pe->waiting = 0;
    pe->quota_owed = -1;
    pe->batch_n = 0;   /* resetBatchAppendEntryRequest */
    pe->batch_bytes = 0;
    if (state == DS_APPEND) {
        r->q_at = INT64_MIN;
        if (index > pe->watermark)
            pe->watermark = index;
        pe->write_index = index + 1;
        pe->oldest_push = raft_now(r);
        raft_quorum_wakeup(r);
    } else if (state == DS_COMPARE) {
        pe->compare_index = -1;
        pe->bp_head = pe->bp_n = pe->bp_live = 0;   /* batchPendingMap.clear() */
    }
}

/* getDLedgerEntryForAppend (DL DLedgerEntryPusher l.515-530) takes each entry it pushes from
 * dLedgerStore.get (l.518), which decodes it from DLedgerMmapFileStore's mapped data file
 * (DLedgerMmapFileStore.get l.541-560, DLedgerEntryCoder.decode l.553): the dispatcher's thread takes the
 * page faults of entries not in memory, as doCompare's and doTruncate's dLedgerStore.get of their entry do.
 * Entries first..last that the host says are not in its page cache are read first (io.read), and the
 * dispatcher does nothing else until the read ends (raft_on_read), which sends what the read was for. 1:
 * reading. The tag names the dispatcher and its state (round), which a change of state moves on. */
static int read_first(struct raft *r, int p, int64_t first, int64_t last)
{
    struct raft_peer *pe = &r->peer[p];
    if (!r->io.read || !r->io.read(r->io.host, p, first, last, (uint64_t)p << 32 | (uint32_t)pe->round))
        return 0;
    pe->reading = 1;
    pe->read_index = first;
    return 1;
}

/* EntryDispatcher.doCompare */
static void do_compare(struct raft *r, int p)
{
    struct raft_peer *pe = &r->peer[p];
    int64_t end = raft_end(r);
    /* EntryDispatcher.doCompare: a leader whose log is empty has nothing to compare with and stays in
     * COMPARE (`compareIndex == -1 && ledgerEndIndex == -1`: break); its first entry is compared (a
     * follower without it answers INCONSISTENT_STATE with its end -1, below the leader's begin) and then
     * truncated at (TRUNCATE index 0 writes it) before the dispatcher appends. */
    if (pe->compare_index == -1 && end == -1)
        return;
    if (pe->compare_index == -1 || pe->compare_index > end || raft_below_begin(r, pe->compare_index))
        pe->compare_index = end;
    if (read_first(r, p, pe->compare_index, pe->compare_index))
        return;   /* dLedgerStore.get(compareIndex) decodes it first: raft_on_read sends the compare */
    pe->waiting = 1;
    push(r, p, PUSH_COMPARE, pe->compare_index);
}

/* EntryDispatcher.doAppend */
/* EntryDispatcher.checkQuotaAndWait, before entry idx is pushed: a follower more than maxPendingSize entries
 * and peerPushThrottlePoint bytes (of the DLedger log, entry headers counted) behind has its pushes counted
 * per second (utils.Quota: the second's sum of getSize()); once they reach peerPushQuota the dispatcher
 * sleeps to the second's end, then pushes that entry (not counted again). 1: sleeping (retry_at). */
static int quota_wait(struct raft *r, struct raft_peer *pe, int64_t idx, sim_time now)
{
    if (pe->quota_owed == idx) {
        pe->quota_owed = -1;   /* the entry the sleep was for */
        return 0;
    }
    if (raft_end(r) - idx <= r->cfg.max_pending_push)
        return 0;   /* (every push of a follower keeping up: one comparison) */
    const struct cl_entry *e = cl_at(r->log, (uint64_t)idx);
    if (!e)
        return 0;
    uint64_t behind = r->log->max_offset - e->offset + (uint64_t)(raft_end(r) - idx + 1) * DLEDGER_ENTRY_HEADER;
    if (behind < (uint64_t)r->cfg.peer_push_throttle_point)
        return 0;
    int64_t second = now / SIM_S;   /* (wall-clock seconds in DLedger: here the run's) */
    uint64_t size = e->size + DLEDGER_ENTRY_HEADER;
    pe->quota_bytes = pe->quota_second == second ? pe->quota_bytes + size : size;
    pe->quota_second = second;
    if (pe->quota_bytes < (uint64_t)r->cfg.peer_push_quota)
        return 0;
    pe->retry_at = (second + 1) * SIM_S;
    pe->quota_owed = idx;
    return 1;
}

/* doAppendInner's push of entry idx (pendingMap.put), once it is read. */
static void push_one(struct raft *r, int p, int64_t idx, sim_time now)
{
    struct raft_peer *pe = &r->peer[p];
    if (idx == pe->watermark + 1)
        pe->oldest_push = now;    /* the entry after the water-mark: its own send time */
    pmap_put(pe, idx, now);
    push(r, p, PUSH_APPEND, idx);
}

/* doAppendInner: read entry idx (getDLedgerEntryForAppend), then push it; the caller stops while it is
 * read (pe->reading). */
static void append_one(struct raft *r, int p, int64_t idx, sim_time now)
{
    if (!read_first(r, p, idx, idx))
        push_one(r, p, idx, now);
}

/* doCheckAppendResponse: the entry after the water-mark, if pushed and unanswered for maxPushTimeOutMs,
 * is pushed again. */
static void check_append_response(struct raft *r, int p, sim_time now)
{
    struct raft_peer *pe = &r->peer[p];
    int64_t next = pe->watermark + 1;
    if (next < pe->write_index && now - pe->oldest_push > r->cfg.max_push_timeout && !quota_wait(r, pe, next, now))
        append_one(r, p, next, now);
}

/* EntryDispatcher.doAppend: push from write_index to the log's end while pendingMap holds fewer than
 * maxPendingSize, forgetting its indexes below the water-mark once a second or when it is full; then
 * doCommit and doCheckAppendResponse. */
static void do_append(struct raft *r, int p, sim_time now)
{
    struct raft_peer *pe = &r->peer[p];
    if (pe->quota_owed >= 0 && pe->quota_owed < pe->write_index) {
        /* woken from the quota's sleep taken for a resend: doAppendInner goes on with its push */
        int64_t idx = pe->quota_owed;
        pe->quota_owed = -1;
        append_one(r, p, idx, now);
        if (pe->reading)
            return;
    }
    for (;;) {
        if (pe->write_index > raft_end(r)) {
            if (now - pe->last_push > 1 * SIM_S)
                push(r, p, PUSH_COMMIT, -1);   /* doCommit: tell an idle follower the committed index */
            check_append_response(r, p, now);
            return;
        }
        if (pmap_size(pe) >= r->cfg.max_pending_push || now - pe->last_leak_check > 1 * SIM_S) {
            pmap_forget_below(pe, pe->watermark);
            pe->last_leak_check = now;
        }
        if (pmap_size(pe) >= r->cfg.max_pending_push) {
            check_append_response(r, p, now);
            return;
        }
        if (quota_wait(r, pe, pe->write_index, now))
            return;
        append_one(r, p, pe->write_index++, now);
        if (pe->reading)
            return;
    }
}

/* ---- batch push (isEnableBatchPush): EntryDispatcher.doBatchAppend and its batchPendingMap ---- */

static struct raft_batch *bp_at(const struct raft_peer *pe, uint32_t i)
{
    return &pe->bp[(pe->bp_head + i) & (pe->bp_cap - 1)];
}

/* The dispatcher's resend clock, oldest_push, follows the oldest live batch. */
static void bp_settle(struct raft_peer *pe)
{
    while (pe->bp_n && bp_at(pe, 0)->count == 0) {
        pe->bp_head = (pe->bp_head + 1) & (pe->bp_cap - 1);
        pe->bp_n--;
    }
    if (pe->bp_n)
        pe->oldest_push = bp_at(pe, 0)->sent;
}

/* batchPendingMap.remove(first) */
static void bp_remove(struct raft_peer *pe, int64_t first)
{
    for (uint32_t i = 0; i < pe->bp_n; i++) {
        struct raft_batch *b = bp_at(pe, i);
        if (b->count && b->first == first) {
            b->count = 0;
            pe->bp_live--;
            break;
        }
    }
    bp_settle(pe);
}

/* batchPendingMap.put(first, (now, count)): a resend replaces the batch of the same first index. */
static int bp_put(struct raft_peer *pe, int64_t first, uint32_t count, sim_time now)
{
    for (uint32_t i = 0; i < pe->bp_n; i++) {
        struct raft_batch *b = bp_at(pe, i);
        if (b->count && b->first == first) {
            b->count = 0;
            pe->bp_live--;
        }
    }
    if (pe->bp_n == pe->bp_cap) {
        /* full: the live batches move to a ring twice the size, in order, the answered ones left out */
        uint32_t cap = pe->bp_cap ? pe->bp_cap * 2 : 64, n = 0;
        struct raft_batch *a = malloc((size_t)cap * sizeof *a);
        if (!a)
            return -1;
        for (uint32_t i = 0; i < pe->bp_n; i++)
            if (bp_at(pe, i)->count)
                a[n++] = *bp_at(pe, i);
        free(pe->bp);
        pe->bp = a;
        pe->bp_cap = cap;
        pe->bp_head = 0;
        pe->bp_n = n;
    }
    *bp_at(pe, pe->bp_n++) = (struct raft_batch){.first = first, .count = count, .sent = now};
    pe->bp_live++;
    bp_settle(pe);
    return 0;
}

/* The leak check: batches the water-mark has passed are forgotten. */
static void bp_drop_passed(struct raft_peer *pe)
{
    for (uint32_t i = 0; i < pe->bp_n; i++) {
        struct raft_batch *b = bp_at(pe, i);
        if (b->count && b->first + b->count - 1 <= pe->watermark) {
            b->count = 0;
            pe->bp_live--;
        }
    }
    bp_settle(pe);
}

/* sendBatchAppendEntryRequest: the entries gathered, in one push; the follower's answer names the first
 * and the count. doBatchAppendInner read each as it gathered it (getDLedgerEntryForAppend): with may_read,
 * the batch's entries not in the page cache are read first, in one read, and the batch waits for it. */
static void send_batch(struct raft *r, int p, int may_read)
{
    struct raft_peer *pe = &r->peer[p];
    uint32_t n = pe->batch_n;
    if (may_read && read_first(r, p, pe->batch_first, pe->batch_first + n - 1))
        return;
    size_t len = sizeof(struct push_req) + (n - 1) * sizeof(struct push_entry);
    if (len > r->batch_body_cap) {
        void *b = realloc(r->batch_body, len);
        if (!b)
            return;
        r->batch_body = b;
        r->batch_body_cap = len;
    }
    struct push_req *q = r->batch_body;
    memset(q, 0, sizeof *q);
    q->term = r->term;
    q->commit = r->committed;
    q->leader = r->self;
    q->type = PUSH_APPEND;
    q->has_entry = 1;
    q->count = (uint16_t)n;
    struct push_entry *e = &q->e;
    for (uint32_t i = 0; i < n; i++, e++) {
        struct push_req one;
        memset(&one, 0, sizeof one);
        fill_entry(r, pe->batch_first + i, &one);
        if (!one.has_entry) {
            /* gathered, then trimmed off the log's front: DLedger's get() throws, the dispatcher compares */
            change_state(r, p, -1, DS_COMPARE);
            pe->retry_at = raft_now(r) + 500 * SIM_MS;
            return;
        }
        memcpy(e, &one.e, sizeof *e);
    }
    sim_time now = raft_now(r);
    pe->last_push = now;
    /* On the wire, as a one-entry push: the request's fields and the messages, without DLedger's entry
     * headers (batch_bytes counts them, for the size rule only). */
    uint64_t wire = pe->batch_bytes - (uint64_t)n * DLEDGER_ENTRY_HEADER;
    if (bp_put(pe, pe->batch_first, n, now) == 0)
        r->io.call(r->io.host, p, RAFT_PUSH, q, (uint32_t)len, wire, r->cfg.rpc_timeout,
                   TAG(TG_PUSH, p, (uint64_t)(pe->round & 0xffffff) | ((uint64_t)PUSH_APPEND << 24)));
    pe->batch_n = 0;
    pe->batch_bytes = 0;
}

/* doBatchAppendInner (add = 1) and doCheckBatchAppendResponse's refill: entry index into the batch; 0, or
 * -1 when the log no longer holds it (DLedger's exception: the dispatcher compares again, after 500 ms). */
static int batch_add(struct raft *r, int p, int64_t index)
{
    struct raft_peer *pe = &r->peer[p];
    const struct cl_entry *e = raft_entry(r, index);
    if (!e) {
        change_state(r, p, -1, DS_COMPARE);
        pe->retry_at = raft_now(r) + 500 * SIM_MS;
        return -1;
    }
    if (pe->batch_n == 0)
        pe->batch_first = index;
    pe->batch_n++;
    pe->batch_bytes += e->size + DLEDGER_ENTRY_HEADER;   /* PushEntryRequest.addEntry: getSize() */
    return 0;
}

/* doCheckBatchAppendResponse: the batch after the water-mark, unanswered for maxPushTimeOutMs, is sent
 * again whole (what was being gathered is dropped: batchAppendEntryRequest.clear()). */
static void check_batch_response(struct raft *r, int p, sim_time now)
{
    struct raft_peer *pe = &r->peer[p];
    for (uint32_t i = 0; i < pe->bp_n; i++) {
        struct raft_batch *b = bp_at(pe, i);
        if (!b->count || b->first != pe->watermark + 1)
            continue;
        if (now - b->sent <= r->cfg.max_push_timeout)
            return;
        uint32_t count = b->count;
        pe->batch_n = 0;
        pe->batch_bytes = 0;
        for (uint32_t k = 0; k < count; k++)
            if (batch_add(r, p, pe->watermark + 1 + k) < 0)
                return;
        send_batch(r, p, 1);
        return;
    }
}

/* EntryDispatcher.doBatchAppend: gather entries, send a batch once it holds maxBatchPushSize bytes, and
 * what is gathered once the dispatcher is at the log's end. */
static void do_batch_append(struct raft *r, int p, sim_time now)
{
    struct raft_peer *pe = &r->peer[p];
    for (;;) {
        if (pe->write_index > raft_end(r)) {
            if (pe->batch_n)
                send_batch(r, p, 1);
            if (pe->reading)
                return;
            if (now - pe->last_push > 1 * SIM_S)
                push(r, p, PUSH_COMMIT, -1);
            check_batch_response(r, p, now);
            return;
        }
        if ((int)pe->bp_live >= r->cfg.max_pending_push || now - pe->last_leak_check > 1 * SIM_S) {
            bp_drop_passed(pe);
            pe->last_leak_check = now;
        }
        if ((int)pe->bp_live >= r->cfg.max_pending_push) {
            check_batch_response(r, p, now);
            return;
        }
        if (batch_add(r, p, pe->write_index++) < 0)
            return;
        if (pe->batch_bytes >= (uint64_t)r->cfg.max_batch_push_size || pe->batch_n == UINT16_MAX)
            send_batch(r, p, 1);   /* (the count's bound: only entries below 65 bytes could reach it) */
        if (pe->reading)
            return;
    }
}

/* EntryDispatcher.doWork, once it has something to do */
static void dispatch_work(struct raft *r, int p, sim_time now)
{
    if (r->peer[p].state == DS_APPEND && r->cfg.batch_push)
        do_batch_append(r, p, now);
    else if (r->peer[p].state == DS_APPEND)
        do_append(r, p, now);
    else if (r->peer[p].state == DS_COMPARE)
        do_compare(r, p);
}

/* EntryDispatcher.doWork. Inline: an answered push that leaves nothing to do (no resend due, every entry
 * pushed, the follower told of the committed index less than a second ago) costs doAppend's tests only. */
static inline __attribute__((always_inline)) void dispatch(struct raft *r, int p)
{
    struct raft_peer *pe = &r->peer[p];
    if (r->role != RAFT_LEADER || p == r->self || pe->waiting || pe->reading)
        return;
    sim_time now = raft_now(r);
    if (now < pe->retry_at)
        return;
    int armed = r->cfg.batch_push ? pe->bp_live > 0 : pe->watermark + 1 < pe->write_index;   /* a resend */
    if (pe->state == DS_APPEND && !(armed && now - pe->oldest_push > r->cfg.max_push_timeout) &&
        pe->write_index > raft_end(r) && now - pe->last_push <= 1 * SIM_S && pe->batch_n == 0 && pe->quota_owed < 0)
        return;
    dispatch_work(r, p, now);
}

void raft_on_read(struct raft *r, uint64_t tag)
{
    int p = (int)(tag >> 32);
    if (p >= r->n || !r->peer[p].reading)
        return;
    struct raft_peer *pe = &r->peer[p];
    pe->reading = 0;
    /* A state changed meanwhile (changeState: an INCONSISTENT_STATE answer, a new term as leader) cleared
     * what the read was for: nothing is pushed from it. */
    if (r->role == RAFT_LEADER && (uint32_t)pe->round == (uint32_t)tag) {
        if (pe->state != DS_APPEND) {
            pe->waiting = 1;   /* doCompare's or doTruncate's entry: its request */
            push(r, p, pe->state == DS_COMPARE ? PUSH_COMPARE : PUSH_TRUNCATE, pe->read_index);
        } else if (r->cfg.batch_push) {
            send_batch(r, p, 0);
        } else {
            push_one(r, p, pe->read_index, raft_now(r));
        }
    }
    dispatch(r, p);
}

void raft_start_dispatchers(struct raft *r)
{
    for (int p = 0; p < r->n; p++) {
        if (p == r->self)
            continue;
        r->peer[p].watermark = -1;
        r->q_at = INT64_MIN;
        change_state(r, p, -1, DS_COMPARE);
        dispatch(r, p);
    }
}

int64_t raft_read_floor(const struct raft *r)
{
    int64_t floor = INT64_MAX;
    if (r->role != RAFT_LEADER)
        return floor;
    for (int p = 0; p < r->n; p++) {
        const struct raft_peer *pe = &r->peer[p];
        int64_t low = pe->state == DS_APPEND ? pe->watermark + 1 : pe->compare_index;
        if (p != r->self && (pe->state == DS_APPEND || low >= 0) && low < floor)
            floor = low;
    }
    return floor;
}

void raft_pusher_tick(struct raft *r)
{
    if (r->role == RAFT_LEADER) {
        /* the appends past maxWaitAckTimeMs (with batch push the marks count only at the checker's look) */
        raft_check_quorum_marks(r, !r->cfg.batch_push);
        for (int p = 0; p < r->n; p++)
            dispatch(r, p);
    }
}

/* DLedgerServer.handleAppend: appendAsLeader, then the entry waits for its quorum ack. */
int raft_propose(struct raft *r, uint32_t msg, uint32_t size, uint16_t queue, uint64_t qoff, uint64_t tag)
{
    if (r->role != RAFT_LEADER)
        return RMQ_SERVICE_NOT_AVAILABLE;           /* NOT_LEADER */
    if (r->transferee != RAFT_NONE)
        return RMQ_SYSTEM_ERROR;                    /* LEADER_TRANSFERRING (DLedgerServer.handleAppend) */
    if ((int)r->pend_n > r->cfg.max_pending_requests)
        return RMQ_SYSTEM_BUSY;                     /* LEADER_PENDING_FULL */
    if (raft_pend_reserve(r) < 0)
        return RMQ_SYSTEM_ERROR;
    uint64_t idx = cl_append_term(r->log, msg, size, queue, qoff, (uint32_t)r->term);
    if (idx == CL_NONE)
        return RMQ_SYSTEM_ERROR;
    raft_mark_rose(r, (int64_t)idx - 1, (int64_t)idx);
    r->io.appended(r->io.host, cl_at(r->log, idx));
    raft_pend_add(r, (int64_t)idx, tag);
    for (int p = 0; p < r->n; p++)
        dispatch(r, p);
    if (r->cfg.batch_push)
        raft_quorum_poll(r);
    else
        raft_check_quorum_marks(r, 1);   /* a group of one commits at once */
    return 0;
}

/* A compare or truncate failed: doCompare and doTruncate wait for the answer (get(3, SECONDS)) and check
 * it (PreConditions.check: a compare SUCCESS or INCONSISTENT_STATE, a truncate SUCCESS), so no answer in
 * 3 s, a NETWORK_ERROR, or another code (NOT_FOLLOWER, ...) is an exception. EntryDispatcher.doWork's catch:
 * changeState(-1, COMPARE), which keeps a compare's compareIndex (it resets it only coming from APPEND;
 * entering TRUNCATE had set it to -1), then DLedgerUtils.sleep(500). The leader does not step down here;
 * only heartbeats and votes tell it of larger terms. */
static void compare_failed(struct raft *r, int p)
{
    struct raft_peer *pe = &r->peer[p];
    pe->waiting = 0;
    if (pe->state != DS_COMPARE)
        change_state(r, p, -1, DS_COMPARE);
    pe->retry_at = raft_now(r) + 500 * SIM_MS;
}

static void push_answered(struct raft *r, int p, int64_t round, int type, const struct push_resp *a)
{
    struct raft_peer *pe = &r->peer[p];
    if (r->role != RAFT_LEADER || (round & 0xffffff) != (pe->round & 0xffffff))
        return;
    /* Any other answer (NOT_FOLLOWER, REPEATED_PUSH, ...) to an append is only logged
     * (EntryDispatcher.doAppendInner and sendBatchAppendEntryRequest: "Get error response code"): the push
     * stays in pendingMap (batchPendingMap), and the one after the water-mark is sent again once it is
     * maxPushTimeOutMs old (doCheckAppendResponse). doCommit ignores its answers. */
    if (a->code != D_SUCCESS && a->code != D_INCONSISTENT_STATE && (type == PUSH_APPEND || type == PUSH_COMMIT))
        return;
    switch (type) {
    case PUSH_COMPARE: {
        if (a->code != D_SUCCESS && a->code != D_INCONSISTENT_STATE) {
            compare_failed(r, p);
            return;
        }
        pe->waiting = 0;
        int64_t begin = (int64_t)r->log->first, end = raft_end(r), truncate = -1;
        if (a->code == D_SUCCESS) {
            if (pe->compare_index == a->end) {
                change_state(r, p, pe->compare_index, DS_APPEND);
                break;
            }
            truncate = pe->compare_index;
        } else if (raft_below_begin(r, a->end) || a->begin > end) {
            truncate = begin;   /* (a follower's end that this log forgot is reported) */
        } else if (pe->compare_index < a->begin) {
            truncate = begin;
        } else if (pe->compare_index > a->end) {
            pe->compare_index = a->end;
        } else {
            pe->compare_index--;
        }
        if (raft_below_begin(r, pe->compare_index))   /* -1 too: the follower holds nothing of this log */
            truncate = begin;
        if (truncate != -1) {
            pe->state = DS_TRUNCATE;
            pe->compare_index = truncate;
            if (read_first(r, p, truncate, truncate))
                return;   /* doTruncate's dLedgerStore.get(truncateIndex): raft_on_read sends the truncate */
            pe->waiting = 1;
            push(r, p, PUSH_TRUNCATE, truncate);
            return;
        }
        break;
    }
    case PUSH_TRUNCATE:
        if (a->code != D_SUCCESS) {
            compare_failed(r, p);
            return;
        }
        pe->waiting = 0;
        pe->last_push = raft_now(r);   /* doTruncate: lastPushCommitTimeMs */
        change_state(r, p, pe->compare_index, DS_APPEND);
        break;
    case PUSH_APPEND:
        if (a->code == D_SUCCESS && r->cfg.batch_push) {
            /* sendBatchAppendEntryRequest's answer: the water-mark to its last entry, no wakeup */
            bp_remove(pe, a->index);
            int64_t last = a->count == 0 ? a->index : a->index + a->count - 1;
            if (last > pe->watermark) {
                int moved = last > r->committed;
                raft_mark_rose(r, pe->watermark, last);
                pe->watermark = last;
                if (moved)
                    raft_quorum_poll(r);
            }
        } else if (a->code == D_SUCCESS) {
            int moved = 0;
            if (pmap_remove(pe, a->index)) {   /* the water-mark moves to it */
                moved = a->index > r->committed;
                raft_mark_rose(r, pe->watermark, a->index);
                pe->watermark = a->index;
                /* the resend clock: the next entry's own send time in pendingMap, now if not yet sent */
                pe->oldest_push = pmap_sent_time(pe, a->index + 1, raft_now(r));
            }
            raft_check_quorum_marks(r, moved);
        } else if (a->code == D_INCONSISTENT_STATE) {
            change_state(r, p, -1, DS_COMPARE);
        }
        break;
    default:
        break;
    }
    dispatch(r, p);
}

void raft_on_push_reply(struct raft *r, int p, int64_t x, int status, const void *body, uint32_t len)
{
    struct push_resp a;
    if (status != RMQ_SUCCESS || len < sizeof a) {
        /* No answer: an append will be resent by the timeout check; a compare or truncate failed. */
        if (r->role == RAFT_LEADER && (x & 0xffffff) == (r->peer[p].round & 0xffffff) && r->peer[p].waiting)
            compare_failed(r, p);
        return;
    }
    memcpy(&a, body, sizeof a);
    if (r->cfg.election == RAFT_ELECTION_CLASSIC && a.term > r->term) {
        raft_change_to_candidate(r, a.term);   /* Raft: any reply of a larger term makes a follower */
        return;
    }
    push_answered(r, p, x & 0xffffff, (int)(x >> 24), &a);
}
