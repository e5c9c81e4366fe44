/* broker_dledger: a broker whose CommitLog is a DLedger log (RocketMQ 4.5+, enableDLegerCommitLog).
 * DLedgerCommitLog.putMessage appends through the leader and answers when the entry is committed;
 * consumers see committed entries only; DLedgerRoleChangeHandler turns a new leader into the master once
 * it has applied everything committed, and every other member into a slave. */
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/dledger/raft.h"
#include "models/dledger/raft_check.h"
#include "models/report/report.h"

static struct rmq_group *group_of(struct broker *b) { return &b->base.w->g[b->group]; }

static const char *raft_role_name(enum raft_role r)
{
    return r == RAFT_LEADER ? "leader" : r == RAFT_FOLLOWER ? "follower" : "candidate";
}

/* ---- the member's I/O ---- */

static void io_call(void *host, int peer, uint16_t code, const void *body, uint32_t len, uint64_t extra_wire,
                    sim_time timeout, uint64_t tag)
{
    struct broker *b = host;
    /* DLedgerRpcNettyService: votes, heartbeats and pushes are invokeAsync */
    rpc_call_async(&b->rpc, group_of(b)->node[peer], code, body, len, extra_wire, timeout, BR_RAFT | tag);
}

static void io_reply(void *host, struct rpc_ctx ctx, int status, const void *body, uint32_t len)
{
    struct broker *b = host;
    rpc_reply(b->n, ctx, status, body, len, 0);
}

static void io_timer(void *host, sim_time delay, uint64_t tag)
{
    struct broker *b = host;
    node_timer(b->n, delay, BT(BT_RAFT, tag));
}

/* How long the kernel keeps a written page dirty before writing it back (Linux vm.dirty_expire_centisecs,
 * 3000): a term file written without fsync is on the device this long after the write, unless a later
 * write replaced it first. */
#define META_WRITEBACK (30 * SIM_S)

/* MemberState.persistTerm: IOUtils.string2File writes the term and vote file (temp file + rename) into the
 * page cache, without fsync: it survives a process crash, and a host crash only once written back. Under
 * dledger_persist_term_fsync the file is also fsynced, and raft_persisted waits for the fsync. */
static void io_persist(void *host)
{
    struct broker *b = host;
    sim_time now = node_now(b->n);
    if (!b->cfg.raft.persist_term_fsync) {
        /* The previous write, if it stayed unreplaced long enough, reached the device. */
        if (b->meta_wb_at >= 0 && now - b->meta_wb_at >= META_WRITEBACK) {
            b->meta_durable_term = b->meta_term;
            b->meta_durable_vote = b->meta_vote;
        }
        b->meta_term = b->raft->term;
        b->meta_vote = b->raft->voted_for;
        b->meta_wb_at = now;
        node_disk_write(b->n, FILE_META, 64);
        /* Written now; the member hears it as the next event at this instant (one per write: the page cache
         * always holds the member's latest term and vote, so every word is true). */
        node_timer(b->n, 0, BT(BT_RAFT, RAFT_TIMER_PERSISTED));
        return;
    }
    b->meta_term = b->raft->term;
    b->meta_vote = b->raft->voted_for;
    node_disk_append(b->n, FILE_META, 64, 0);
    if (!b->meta_fsync) {
        b->meta_fsync = 1;
        node_disk_fsync(b->n, FILE_META, 0);
    }
}

/* The fsync's completion (without fsync the member hears through RAFT_TIMER_PERSISTED). */
void dl_meta_synced(struct broker *b)
{
    b->meta_fsync = 0;
    b->meta_durable_term = b->meta_term;
    b->meta_durable_vote = b->meta_vote;
    if (b->meta_durable_term != b->raft->term || b->meta_durable_vote != b->raft->voted_for) {
        io_persist(b);   /* changed again while the fsync ran */
        return;
    }
    raft_persisted(b->raft);
}

/* DLedgerRoleChangeHandler.changeToSlave: role SLAVE, brokerId = DLedgerCommitLog.getId(), and registerBrokerAll
 * at once, oneway, every time it is called, whatever the role was before (so the NameServers learn of the new
 * term's layout without waiting for the 30 s registration; the answer, with the master's address, comes only
 * to the periodic one). */
static void change_to_slave(struct broker *b)
{
    enum rmq_role before = b->role;
    b->role = RMQ_SLAVE;
    b->id = b->replica + 1;   /* DLedgerCommitLog.getId(): selfId "n<i>" -> i + 1 */
    if (before != RMQ_SLAVE && trace_on(trace_of(b), TRACE_EVENTS)) {
        trace_begin(trace_of(b), node_now(b->n), b->n->name, "broker.role");
        trace_str(trace_of(b), "group", group_of(b)->name);
        trace_str(trace_of(b), "role", "SLAVE");
        trace_int(trace_of(b), "id", b->id);
        trace_end(trace_of(b));
    }
    broker_slave_sync_start(b, SIM_NODE_NONE);   /* handleSlaveSynchronize(SLAVE): restarted at every call */
    broker_register_all(b, 1);
}

static void change_to_master(struct broker *b)
{
    struct rmq_group *g = group_of(b);
    dl_reput_make_real(b);   /* a master's dispatches may wake held pulls */
    b->role = RMQ_SYNC_MASTER;   /* DLedgerRoleChangeHandler: changeToMaster(SYNC_MASTER) */
    b->id = 0;
    broker_slave_sync_stop(b);   /* handleSlaveSynchronize(SYNC_MASTER) */
    if (trace_on(trace_of(b), TRACE_EVENTS)) {
        trace_begin(trace_of(b), node_now(b->n), b->n->name, "broker.role");
        trace_str(trace_of(b), "group", g->name);
        trace_str(trace_of(b), "role", "SYNC_MASTER");
        trace_int(trace_of(b), "id", 0);
        trace_int(trace_of(b), "term", b->raft->term);
        trace_end(trace_of(b));
    }
    report_promoted(&b->base.w->rep, b->group, b->n->id);
    broker_register_all(b, 1);   /* changeToMaster: registerBrokerAll(true, true, ...), oneway */
}

/* The new leader becomes master once its log is all committed and dispatched, checked every 100 ms. */
void dl_role_check(struct broker *b)
{
    b->role_check_armed = 0;
    if (b->raft->role != RAFT_LEADER || b->role != RMQ_SLAVE) {
        /* The handler runs role changes one after another (a single-thread executor): a FOLLOWER change that came
         * while the LEADER loop was waiting runs when the loop sees it is no longer leader. */
        if (b->slave_pending) {
            b->slave_pending = 0;
            change_to_slave(b);
        }
        return;
    }
    /* ledgerEndIndex == committedIndex && messageStore.dispatchBehindBytes() == 0 (committedPos - reputFromOffset) */
    dl_reput_sync(b);
    if (raft_end(b->raft) == -1 || (raft_end(b->raft) == b->committed && b->reput_next > b->committed)) {
        change_to_master(b);
        if (b->slave_pending) {
            /* The member lost and regained leadership during the wait: the FOLLOWER change queued behind this
             * LEADER handler runs now, then the LEADER change after it (the executor runs them in order):
             * slave, then master again once caught up. */
            b->slave_pending = 0;
            change_to_slave(b);
            if (b->raft->role == RAFT_LEADER)
                dl_role_check(b);
        }
        return;
    }
    b->role_check_armed = 1;
    node_timer(b->n, b->cfg.role_check_interval, BT(BT_ROLE_CHECK, 0));
}

/* The first put whose send thread still waits in get(3 s) (4.5-4.6), from wait i on; NULL when none. */
static struct put_wait *held_from(struct broker *b, uint32_t *i)
{
    for (; *i < b->waits_n; ++*i) {
        struct put_wait *w = broker_wait_at(b, *i);
        if (w->need_quorum && w->thread >= 0 && w->ctx.conn)
            return w;
    }
    return NULL;
}

/* The earliest get(3, SECONDS) of the held puts ends at a timer (one at a time: the deadlines come in the
 * order of the puts). A leader answers a held put within maxWaitAckTimeMs (2.5 s by default, before the
 * get's end); one that steps down answers none (raft_fail_old_terms), so the threads wait out their gets. */
static void arm_get(struct broker *b)
{
    uint32_t i = 0;
    const struct put_wait *w = held_from(b, &i);
    if (b->dl_get_armed || !w)
        return;
    b->dl_get_armed = 1;
    sim_time now = node_now(b->n);
    node_timer(b->n, w->deadline > now ? w->deadline - now : 0, BT(BT_DL_GET, 0));
}

/* 4.5-4.6 DLedgerCommitLog.putMessage: the get's TimeoutException is caught and the put answered
 * UNKNOWN_ERROR (SYSTEM_ERROR); the entry stays pending in the member (its answer, if it ever comes, finds
 * the put answered: ctx.conn 0). */
void dl_get_timeout(struct broker *b)
{
    sim_time now = node_now(b->n);
    b->dl_get_armed = 0;
    uint32_t i = 0;
    for (struct put_wait *w; (w = held_from(b, &i)) && w->deadline <= now; i++) {
        rpc_reply(b->n, w->ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        int thread = w->thread;
        w->ctx.conn = 0;
        w->thread = -1;
        bx_put_answered(b, (int)EX_SEND << 16 | thread);
    }
    arm_get(b);
}

static void io_role_changed(void *host, enum raft_role role, uint64_t term, int leader)
{
    struct broker *b = host;
    struct rmq_group *g = group_of(b);
    (void)leader;
    if (trace_on(trace_of(b), TRACE_EVENTS)) {
        trace_begin(trace_of(b), node_now(b->n), b->n->name, "raft.role");
        trace_str(trace_of(b), "group", g->name);
        trace_uint(trace_of(b), "term", term);
        trace_str(trace_of(b), "role", raft_role_name(role));
        trace_end(trace_of(b));
    }
    if (role == RAFT_CANDIDATE)
        report_detected(&b->base.w->rep, b->group);   /* a member noticed the leader is gone */
    if (role == RAFT_LEADER) {
        report_elected(&b->base.w->rep, b->group, (int64_t)term);
        if (b->check)
            raft_check_leader(b->check, b->replica, &b->cl, (int64_t)term);
        if (!b->role_check_armed)
            dl_role_check(b);
    } else if (role == RAFT_FOLLOWER || b->role != RMQ_SLAVE) {
        /* DLedgerRoleChangeHandler.handle: FOLLOWER -> changeToSlave always; CANDIDATE -> only if not SLAVE. */
        if (b->role_check_armed)
            b->slave_pending = 1;
        else
            change_to_slave(b);
    }
}

static void io_voted(void *host, int64_t term, int candidate, int granted)
{
    struct broker *b = host;
    if (!trace_on(trace_of(b), TRACE_EVENTS))
        return;
    trace_begin(trace_of(b), node_now(b->n), b->n->name, "raft.vote");
    trace_str(trace_of(b), "group", group_of(b)->name);
    trace_int(trace_of(b), "term", term);
    trace_str(trace_of(b), "candidate", sim_node(b->n->sim, group_of(b)->node[candidate])->name);
    trace_bool(trace_of(b), "granted", granted);
    trace_end(trace_of(b));
}

static void io_transferred(void *host, int transferee, int ok, const char *code)
{
    struct broker *b = host;
    if (!trace_on(trace_of(b), TRACE_EVENTS))
        return;
    trace_begin(trace_of(b), node_now(b->n), b->n->name, "raft.transfer_done");
    trace_str(trace_of(b), "group", group_of(b)->name);
    trace_str(trace_of(b), "to", sim_node(b->n->sim, group_of(b)->node[transferee])->name);
    trace_bool(trace_of(b), "ok", ok);
    trace_str(trace_of(b), "code", code);
    trace_end(trace_of(b));
}

const char *broker_transfer_leadership(struct broker *b, int to)
{
    if (!b->raft)
        return "NOT_DLEDGER";
    return raft_transfer_leadership(b->raft, to);
}

/* Entries up to index are committed; the ReputMessageService will dispatch them. */
static void io_committed(void *host, int64_t index)
{
    struct broker *b = host;
    int64_t from = b->committed + 1;
    if (index <= b->committed)
        return;
    dl_reput_sync(b);
    b->committed = index;
    if (b->check)
        raft_check_commit(b->check, &b->cl, from, index);
    /* The leader's commits are events (they decide); a follower's learning of them is detail. */
    if (trace_on(trace_of(b), b->raft->role == RAFT_LEADER ? TRACE_EVENTS : TRACE_FULL)) {
        trace_begin(trace_of(b), node_now(b->n), b->n->name, "raft.commit");
        trace_str(trace_of(b), "group", group_of(b)->name);
        trace_int(trace_of(b), "term", b->raft->term);
        trace_int(trace_of(b), "index", index);
        trace_end(trace_of(b));
    }
    dl_reput_kick(b);
    if (b->raft->role == RAFT_LEADER && b->role == RMQ_SLAVE && !b->role_check_armed)
        dl_role_check(b);
}

/* DLedgerMmapFileStore.FlushDataService: every flushFileInterval, and when more than checkPointInterval has
 * passed, persistCheckPoint writes committedIndex to the checkpoint file (IOUtils.string2File: a new file,
 * the old one deleted, a rename; no fsync). */
void dl_checkpoint(struct broker *b)
{
    b->ckpt_committed = b->committed;
    sim_time tick = b->cfg.dledger_flush_interval;
    node_timer(b->n, (b->cfg.checkpoint_interval / tick + 1) * tick, BT(BT_CHECKPOINT, 0));
}

static void io_appended(void *host, const struct cl_entry *e)
{
    struct broker *b = host;
    node_disk_write(b->n, FILE_COMMITLOG, e->size);
    report_stored(&b->base.w->rep, e->msg, b->group, b->replica, 1);
    if (b->check)
        raft_check_append(b->check, b->replica, &b->cl, cl_end(&b->cl) - 1);
}

static void io_truncated(void *host, int64_t from)
{
    struct broker *b = host;
    dl_reput_sync(b);
    if (b->check)
        raft_check_truncate(b->check, b->replica, &b->cl, b->raft->role == RAFT_LEADER, b->raft->term, (uint64_t)from);
    /* Only entries dispatched at a restart by dledgerRecoverAbnormally (dledger_recover_dispatch_all) lie in
     * the ConsumeQueues past the committed index, where a truncation can reach. DLedgerMmapFileStore.truncate
     * cuts DLedger's data and index files only: no hook reaches RocketMQ's ConsumeQueues, whose entries past
     * the cut stay and point at positions the new leader's entries then fill (a read there returns whatever
     * bytes those are), while the ReputMessageService skips the new entries they cover ("build consume queue
     * repeatedly"). mqsim does not keep them: the ConsumeQueues end at the cut and the new entries are
     * dispatched as they commit, so what readers got from the truncated tail is counted, not what the stale
     * positions return after. */
    for (uint64_t i = (uint64_t)from; i < cl_end(&b->cl); i++) {
        const struct cl_entry *e = cl_at(&b->cl, i);
        if (!e)
            continue;
        report_stored(&b->base.w->rep, e->msg, b->group, b->replica, 0);
        if (e->queue < RMQ_MAX_QUEUES && b->committed_qoff[e->queue] > e->qoff)
            b->committed_qoff[e->queue] = e->qoff;
    }
    const struct cl_entry *e = cl_at(&b->cl, (uint64_t)from);
    if (e) {
        node_disk_truncate(b->n, FILE_COMMITLOG, e->offset - b->disk_base);
        if (b->page_cache_from > e->offset)   /* what is written again over the cut is in the page cache */
            b->page_cache_from = e->offset;
    }
}

static void io_trimmed_read(void *host, int64_t index) { broker_trimmed_read(host, index); }

/* The leader's dispatcher for follower `peer` takes entries first..last from DLedger's mapped data file
 * (DLedgerMmapFileStore.get, entry_pusher.c: read_first). Their bytes outside the page cache (below
 * broker_cache_low, by the log's end: what the data file holds) fault in by whole pages, with their
 * read-around windows (broker_page_touch: DLedger's data files are never MADV_RANDOM), in one device read
 * (node_disk_read, cached 0: queued with the device's reads), whose end goes back to the member (raft_on_read). The
 * pages read stay in the page cache for the dispatcher's next entries (its new pushes and its resends of the
 * entry after the water-mark, which run apart after a follower's downtime), another dispatcher's, a pull's. */
static int io_read(void *host, int peer, int64_t first, int64_t last, uint64_t tag)
{
    struct broker *b = host;
    /* Every push asks: the common answer (the first entry's first byte cached, so all after it) looks up
     * one entry, or none while the whole log is cached. */
    uint64_t low = broker_cache_low(b, b->cl.max_offset);
    const struct cl_entry *a = low ? cl_at(&b->cl, (uint64_t)first) : NULL;
    if (!a || a->offset >= low)
        return 0;
    const struct cl_entry *z = cl_at(&b->cl, (uint64_t)last);
    if (!z)
        return 0;
    uint64_t end = z->offset + z->size;
    struct page_touch pt = {0};
    uint64_t cold = broker_page_touch(b, a->offset, end < low ? end : low, low, &pt);
    if (!cold)
        broker_page_hit(b, "raft", &pt);
    if (!cold && pt.wait <= node_now(b->n))
        return 0;
    struct trace *tr = trace_of(b);
    if (cold && trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, node_now(b->n), b->n->name, "raft.cold_read");
        trace_str(tr, "peer", sim_node(b->n->sim, group_of(b)->node[peer])->name);
        trace_int(tr, "index", first);
        trace_int(tr, "count", last - first + 1);
        trace_uint(tr, "bytes", cold);
        broker_page_trace_fields(tr, &pt);
        trace_end(tr);
    }
    return broker_page_io(b, &pt, COLD_TAG(COLD_DLEDGER, tag));
}

/* DLedgerCommitLog's status mapping: SUCCESS -> PUT_OK; a quorum-ack timeout or a full pending map ->
 * OS_PAGECACHE_BUSY ("do not return flush_slave_timeout to the client"), which SendMessageProcessor
 * answers with SYSTEM_ERROR; not leader -> SERVICE_NOT_AVAILABLE. */
static void io_append_done(void *host, uint64_t tag, int status)
{
    struct broker *b = host;
    struct put_wait *w = broker_wait_head(b);
    (void)tag;
    if (!w)
        return;
    if (!w->ctx.conn) {   /* answered when its send thread's get(3 s) ended */
        broker_wait_pop(b);
        return;
    }
    struct rmq_send_resp r = {w->offset};
    int code = status == RMQ_SUCCESS ? RMQ_SUCCESS : status == RMQ_SERVICE_NOT_AVAILABLE ? RMQ_SERVICE_NOT_AVAILABLE
                                                                                       : RMQ_SYSTEM_ERROR;
    rpc_reply(b->n, w->ctx, code, &r, sizeof r, 0);
    int thread = w->thread;
    broker_wait_pop(b);
    if (thread >= 0)
        bx_put_answered(b, (int)EX_SEND << 16 | thread);   /* AppendFuture.get returns */
}

/* ---- the broker's side ---- */

int dl_init(struct broker *b)
{
    struct rmq_group *g = group_of(b);
    b->raft = calloc(1, sizeof *b->raft);
    if (!b->raft)
        return -1;
    struct raft_io io = {
        .host = b, .node = b->n, .call = io_call, .reply = io_reply, .timer = io_timer, .persist = io_persist,
        .role_changed = io_role_changed, .voted = io_voted, .committed = io_committed, .appended = io_appended,
        .truncated = io_truncated, .append_done = io_append_done, .transferred = io_transferred,
        .trimmed_read = io_trimmed_read, .read = io_read, .rng = node_rng(b->n, "election"),
    };
#ifdef MQSIM_PLANTED_BUG
    b->cfg.raft.broken_vote_ignores_log = 1;   /* the test-only binary mqsim-planted */
#endif
    raft_init(b->raft, &b->cfg.raft, &io, &b->cl, b->replica, g->n);
    b->meta_vote = b->meta_durable_vote = RAFT_NONE;
    b->meta_wb_at = -1;
    b->committed = -1;
    b->ckpt_committed = -1;
    b->reput_vt = SIM_TIME_MAX;
    b->check = g->check;
    return 0;
}

void dl_free(struct broker *b)
{
    if (b->raft)
        raft_free(b->raft);
    free(b->raft);
}

void dl_start(struct broker *b)
{
    b->role = RMQ_SLAVE;
    b->id = b->replica + 1;
    b->committed = -1;
    b->meta_fsync = 0;
    b->role_check_armed = 0;
    b->slave_pending = 0;
    b->dl_get_armed = 0;
    raft_restore(b->raft, b->meta_term, b->meta_vote);
    raft_start(b->raft);
    /* DLedgerMmapFileStore.recover: the committed index comes back from the checkpoint through
     * updateCommittedIndex (not with an empty log, not below the log's first index, at most its end). The
     * index is the store's (the CommitLog here), so the host sets it on the member. */
    int64_t end = raft_end(b->raft), ck = b->ckpt_committed;
    if (ck >= 0 && ck < (int64_t)b->cl.first)
        broker_trimmed_read(b, ck);   /* DLedger's ledgerBeginIndex is below it */
    if (ck >= 0 && end >= 0 && ck >= (int64_t)b->cl.first) {
        b->committed = b->raft->committed = ck < end ? ck : end;
    }
    /* Every restart here follows a crash (DefaultMessageStore.load: the abort file is there, recoverAbnormally).
     * R53 DLedgerCommitLog.dledgerRecoverAbnormally: from the last data file older than the checkpoint's
     * timestamp, defaultMessageStore.doDispatch of every entry of the log (duplicationEnable false), the
     * uncommitted tail included, so the ConsumeQueues end where the log does and a reader of this member
     * sees entries the group may never commit (DLedgerCommitLog.getMessage reads past committedPos). The
     * ReputMessageService then starts at getConfirmOffset (recheckReputOffsetFromCq false), the checkpoint's
     * committedPos (the log's first entry without one: getMaxOffset), and walks the recovered entries again as
     * they commit, adding nothing (reput_one: "build consume queue repeatedly"). R498's recover() dispatches
     * nothing; DefaultMessageStore.start resumes where the ConsumeQueues end. */
    if (b->cfg.dledger_recover_dispatch_all) {
        for (int q = 0; q < RMQ_MAX_QUEUES; q++)
            b->committed_qoff[q] = cl_next_qoff(&b->cl, q);
        const struct cl_entry *c = b->committed >= 0 ? cl_at(&b->cl, (uint64_t)b->committed) : NULL;
        const struct cl_entry *f = cl_at(&b->cl, b->cl.first);
        b->committed_py = c ? c->offset + c->size : f ? f->offset : b->cl.max_offset;
    }
    dl_reput_reset(b);
    node_timer(b->n, (b->cfg.checkpoint_interval / b->cfg.dledger_flush_interval + 1) * b->cfg.dledger_flush_interval,
               BT(BT_CHECKPOINT, 0));
    if (b->cfg.raft.connect_at_start)
        for (int p = 0; p < group_of(b)->n; p++)
            if (p != b->replica)
                rpc_connect(&b->rpc, group_of(b)->node[p]);
}

void dl_crash(struct broker *b, enum sim_crash_kind kind)
{
    b->reput_vt = SIM_TIME_MAX;   /* the service died with the process (brought up to now by broker_crash) */
    /* Term and vote: what reached the device survives a host crash (the last unsynced write if the kernel
     * wrote it back), the page cache a process crash. */
    if (kind == SIM_CRASH_HOST) {
        if (!b->cfg.raft.persist_term_fsync && b->meta_wb_at >= 0 && node_now(b->n) - b->meta_wb_at >= META_WRITEBACK) {
            b->meta_durable_term = b->meta_term;
            b->meta_durable_vote = b->meta_vote;
        }
        b->meta_term = b->meta_durable_term;
        b->meta_vote = b->meta_durable_vote;
        /* The checkpoint is never fsynced and is rewritten every 3 s, the old file deleted first: its newest
         * version is always younger than the kernel's 30 s writeback (vm.dirty_expire_centisecs), so a host
         * crash leaves it empty or missing (assumed) and the committed index starts at -1. */
        b->ckpt_committed = -1;
        b->meta_wb_at = -1;
    }
    for (int q = 0; q < RMQ_MAX_QUEUES; q++)
        if (b->committed_qoff[q] > cl_next_qoff(&b->cl, q))
            b->committed_qoff[q] = cl_next_qoff(&b->cl, q);
    if (b->committed_py > b->cl.max_offset)
        b->committed_py = b->cl.max_offset;
}

/* 4.5-4.6 DLedgerCommitLog.putMessage: dledgerFuture.get(3, TimeUnit.SECONDS). */
#define DL_GET_TIMEOUT (3 * SIM_S)

void dl_send(struct broker *b, struct rpc_ctx ctx, const struct rmq_send_req *req)
{
    /* Before it is master (catching up) the broker is a slave and DefaultMessageStore refuses the put. */
    if (b->role == RMQ_SLAVE || req->queue >= b->cfg.queues) {
        rpc_reply(b->n, ctx, b->role == RMQ_SLAVE ? RMQ_SERVICE_NOT_AVAILABLE : RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    /* DefaultMessageStore.putMessage checks the page cache before any CommitLog, DLedger's too: OS_PAGECACHE_BUSY,
     * answered SYSTEM_ERROR (as in handle_send). */
    if (bx_page_cache_busy(b)) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    struct put_wait pw = {.ctx = ctx, .offset = b->cl.max_offset, .status = RMQ_SUCCESS, .need_quorum = 1, .thread = -1};
    if (broker_wait_push(b, &pw) < 0) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    uint32_t n = b->waits_n;
    int rc = raft_propose(b->raft, req->msg, req->size + RMQ_MSG_OVERHEAD, req->queue,
                          cl_next_qoff(&b->cl, req->queue), 0);
    if (rc != 0) {
        /* Refused at once: take the wait back (it is the newest) and answer. */
        b->waits_n--;
        rpc_reply(b->n, ctx, rc == RMQ_SERVICE_NOT_AVAILABLE ? RMQ_SERVICE_NOT_AVAILABLE : RMQ_SYSTEM_ERROR, NULL, 0,
                  0);
        return;
    }
    /* 4.5-4.6 DLedgerCommitLog.putMessage: after handleAppend, dledgerFuture.get(3, SECONDS) blocks the send
     * thread until the entry commits (or fails); 4.7+ asyncPutMessage returns the future and frees it. */
    struct put_wait *w = b->waits_n == n ? broker_wait_at(b, n - 1) : NULL;
    if (!b->cfg.async_send && b->cur_thread >= 0 && w && w->ctx.conn == ctx.conn && w->ctx.opaque == ctx.opaque) {
        w->thread = (int16_t)b->cur_thread;
        w->deadline = node_now(b->n) + DL_GET_TIMEOUT;
        b->cur_held = 1;
        arm_get(b);
    }
}
