/* ha_frame: the bytes an HA data frame carries, as the master cuts them and the slave appends them.
 *
 * R44 HAConnection.WriteSocketService sends the CommitLog from nextTransferFromWhere: getCommitLogData gives
 * the bytes written from there, and `if (size > haTransferBatchSize) size = haTransferBatchSize;` cuts them
 * to 32 KiB whatever the message boundaries. R498 the same; R53 DefaultHAConnection the same (its FlowMonitor
 * lets everything through unless haFlowControlEnable), and AutoSwitchHAConnection.transferToSlave also ends a
 * frame where the epoch it is sending ends. The slave (R44 HAService.HAClient.dispatchReadRequest; R498; R53
 * DefaultHAClient, AutoSwitchHAClient) checks the frame's offset against its max offset, appends its bytes as
 * they are (DefaultMessageStore.appendToCommitLog) and reports its max offset after each frame
 * (reportSlaveMaxOffsetPlus). So a frame may end, begin, or lie wholly inside a message, and the master's
 * ack offset may fall inside one: a message of more than 5 frames (160 KiB) raises push2SlaveMaxOffset 5 times
 * before its end arrives, and R44's GroupTransferService answers its put FLUSH_SLAVE_TIMEOUT (RocketMQ #1535).
 *
 * The slave keeps the bytes of the message it has in part (struct ha_partial): they are in its CommitLog file
 * and its max offset counts them (its reports, the next frame's offset check, a reconnect's first report, from
 * which the master goes on), but its log has no entry for them until the last byte comes, so neither its
 * ReputMessageService (which stops at an incomplete message) nor the accounting sees the message before. A
 * restart's recovery drops them (CommitLog.recoverNormally/recoverAbnormally end at the first message
 * checkMessageAndReturnSize refuses, and truncateDirtyFiles cuts there), and so does a change to master in
 * controller mode and, when its dispatch is behind, a controller-mode client's READY state
 * (AutoSwitchHAService.truncateInvalidMsg); a truncation cuts them as it cuts bytes. */
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_ctl_int.h"
#include "models/broker/broker_int.h"
#include "models/report/report.h"

/* ---- master side ---- */

static int holds(const struct cl_entry *e, uint64_t phy) { return e && e->offset <= phy && phy - e->offset < e->size; }

/* The piece [from, to) of entry e. */
static void put_piece(struct rmq_ha_entry *x, const struct cl_entry *e, uint64_t from, uint64_t to)
{
    x->qoff = e->qoff;
    x->msg = e->msg;
    x->size = (uint32_t)(to - from);
    x->total = e->size;
    x->skip = (uint32_t)(from - e->offset);
    x->queue = e->queue;
    x->flags = e->flags & CL_FRAGMENT;
}

/* Controller mode: AutoSwitchHAConnection sends one epoch at a time. changeTransferEpochToNext: the
 * connection's transfer epoch becomes entry k of the master's file, ending where the next begins, or nowhere
 * (-1, Long.MAX) when k is the last one then: an epoch the master starts later while the connection lasts
 * (changeToMasterWhenLastRoleIsMaster) neither ends the frames nor labels them. */
static void tx_epoch_set(const struct broker *b, struct ha_conn *h, int k)
{
    const struct ctl_broker *c = b->ctl;
    h->tx_epoch = c->ep[k].epoch;
    h->tx_end = k + 1 < c->nep ? c->ep[k + 1].start : UINT64_MAX;
}

/* EpochFileCache.nextEntry: the first entry of an epoch above h's; -1 when none. */
static int tx_epoch_next(const struct broker *b, const struct ha_conn *h)
{
    const struct ctl_broker *c = b->ctl;
    for (int k = 0; k < c->nep; k++)
        if (c->ep[k].epoch > h->tx_epoch)
            return k;
    return -1;
}

void ha_frame_epoch_start(const struct broker *b, struct ha_conn *h)
{
    /* WriteSocketService, the first report: findEpochEntryByOffset(nextTransferFromWhere) */
    const struct ctl_broker *c = b->ctl;
    h->tx_epoch = -1;
    h->tx_end = UINT64_MAX;
    for (int k = 0; k < c->nep; k++)
        if (c->ep[k].start <= h->next && (k + 1 == c->nep || c->ep[k + 1].start > h->next)) {
            tx_epoch_set(b, h, k);
            return;
        }
}

/* transferToSlave: a frame that would pass the transfer epoch's end stops there (tx_epoch_cut), and once a
 * frame reaches that end the next epoch is taken before its header is built, so that frame carries the next
 * epoch's label (tx_epoch_reached); a frame cut shorter (its batch, its pieces) keeps this epoch's. A frame
 * from the end itself takes the next epoch first (Java sends an empty frame with its label there; here the
 * next frame has it). No next epoch: nothing is sent ("Can't find a bigger epochEntry", the writer waits). */
static int tx_epoch_reached(const struct broker *b, struct ha_conn *h)
{
    while (b->ctl && h->tx_end != UINT64_MAX && h->next >= h->tx_end) {
        int k = tx_epoch_next(b, h);
        if (k < 0)
            return 0;
        tx_epoch_set(b, h, k);
    }
    return 1;
}

static uint64_t tx_epoch_cut(const struct broker *b, struct ha_conn *h, uint64_t end)
{
    if (!b->ctl)
        return end;
    if (!tx_epoch_reached(b, h))
        return h->next;
    return h->tx_end != UINT64_MAX && end > h->tx_end ? h->tx_end : end;
}

void ha_frame_label(const struct broker *b, const struct ha_conn *h, struct rmq_ha_data *d)
{
    d->epoch = -1;
    d->epoch_start = 0;
    if (!b->ctl)
        return;
    /* buildTransferHeaderBuffer: epochCache.getEntry(currentTransferEpoch); a heartbeat without one takes the
     * first entry, a data frame without one is not built (an error in Java: it carries no label here) */
    const struct ctl_broker *c = b->ctl;
    for (int k = 0; k < c->nep; k++)
        if (c->ep[k].epoch == h->tx_epoch) {
            d->epoch = c->ep[k].epoch;
            d->epoch_start = c->ep[k].start;
            return;
        }
    if (d->n == 0 && c->nep) {
        d->epoch = c->ep[0].epoch;
        d->epoch_start = c->ep[0].start;
    }
}

/* Bytes of this log from nextTransferFromWhere that the world's memory trim forgot, up to what the slave held
 * before its handshake truncated them (held_to): one master wrote both copies in that epoch, so they are the
 * bytes the slave had, and no one can read their messages again (the trim forgot them on every replica). They
 * go as one filler entry of up to haTransferBatchSize bytes, which costs the transfer what the bytes cost, and
 * the read of those outside the page cache as any frame's (ha_frame_cold). */
uint64_t ha_frame_filler(struct broker *b, struct ha_conn *h, struct rmq_ha_data *d)
{
    uint64_t end = tx_epoch_cut(b, h, b->cl.min_offset < h->held_to ? b->cl.min_offset : h->held_to);
    uint64_t bytes = end - h->next < b->cfg.ha_batch ? end - h->next : b->cfg.ha_batch;
    d->phy_offset = h->next;
    d->n = 1;
    memset(&d->e[0], 0, sizeof d->e[0]);
    d->e[0].size = (uint32_t)bytes;
    d->e[0].flags = RMQ_HA_FILLER;
    h->next += bytes;
    h->next_i = b->cl.first;   /* where the kept log starts: the entry after the last filler */
    tx_epoch_reached(b, h);
    return bytes;
}

uint64_t ha_frame_cut(struct broker *b, struct ha_conn *h, struct rmq_ha_data *d)
{
    const struct commitlog *cl = &b->cl;
    /* the entry holding nextTransferFromWhere is usually where the last frame ended (h->next_i) */
    uint64_t i = h->next_i;
    const struct cl_entry *e = cl_at(cl, i);
    if (!holds(e, h->next)) {
        if (cl_phy_trimmed(cl, h->next))
            broker_trimmed_read(b, (int64_t)h->next);   /* getCommitLogData would find these bytes */
        i = cl_find(cl, h->next);   /* the first entry at or after it; the one before may hold it */
        e = cl_at(cl, i);
        const struct cl_entry *p = i > cl->first ? cl_at(cl, i - 1) : NULL;
        if (holds(p, h->next)) {
            e = p;
            i--;
        }
    }
    if (e && e->offset < h->next && !h->exact)
        e = cl_after(cl, e, i++);   /* a new slave starts at a file's start: a message boundary in RocketMQ */
    if (!e)
        return 0;
    if (e->offset > h->next)
        h->next = e->offset;   /* nothing kept there (a log that starts later) */
    /* From here on the writer goes on from where its last frame ended, inside a message or not; when the
     * slave's own offset falls inside one of this log's messages (the logs diverged), the first frame begins
     * with that message's tail: getCommitLogData does not look at message boundaries. */
    h->exact = 1;
    uint64_t end = cl->max_offset - h->next > b->cfg.ha_batch ? h->next + b->cfg.ha_batch : cl->max_offset;
    end = tx_epoch_cut(b, h, end);
    uint64_t pos = h->next;
    uint32_t n = 0;
    d->phy_offset = pos;
    while (e && pos < end && n < RMQ_HA_BATCH_MAX && e->offset <= pos) {
        uint64_t e_end = e->offset + e->size, to = e_end < end ? e_end : end;
        put_piece(&d->e[n++], e, pos, to);
        pos = to;
        if (pos < e_end)
            break;   /* the frame ends inside e: the next one begins with the rest of it */
        e = cl_after(cl, e, i++);
    }
    d->n = n;
    h->next_i = i;
    uint64_t bytes = pos - h->next;
    h->next = pos;
    tx_epoch_reached(b, h);
    return bytes;
}

/* WriteSocketService writes the frame's body from the CommitLog's mapped file (R44 HAConnection l.270-271
 * getCommitLogData, transferData l.356 socketChannel.write(selectMappedBufferResult.getByteBuffer()); R498
 * l.286 and l.359; R53 DefaultHAConnection l.334 and l.435, AutoSwitchHAConnection.getNextTransferDataSize
 * l.386 and transferData l.419 through HAWriter.write l.36): getCommitLogData only slices the mapped file
 * (MappedFile.selectMappedBuffer), so the write is where the pages not in the page cache fault in, and the
 * connection's one writer thread waits for the disk, sending nothing more on it meanwhile. The pages read are
 * those broker_page_touch faults in (not read in before, with their read-around windows). */
int ha_frame_cold(struct broker *b, struct ha_conn *h, const unsigned char *buf, uint32_t len, uint64_t bytes,
                  uint64_t wire)
{
    uint64_t phy = ((const struct rmq_ha_data *)buf)->phy_offset;
    uint64_t low = broker_cache_low(b, b->cl.max_offset);
    if (phy >= low)
        return 0;
    struct page_touch pt = {0};
    uint64_t cold = broker_page_touch(b, phy, phy + bytes < low ? phy + bytes : low, low, &pt);
    if (!cold)
        broker_page_hit(b, "ha", &pt);
    if (!cold && pt.wait <= node_now(b->n))
        return 0;
    if (!h->rd_buf && !(h->rd_buf = malloc(HA_FRAME_MAX))) {
        broker_page_unwaited(b, &pt);
        return 0;   /* no memory to keep the frame: it goes at once, as it did before reads were modelled */
    }
    memcpy(h->rd_buf, buf, len);
    h->rd_len = len;
    h->rd_wire = wire;
    h->reading = 1;
    h->blocked = 0;
    struct trace *tr = trace_of(b);
    if (cold && trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, node_now(b->n), b->n->name, "ha.cold_read");
        trace_str(tr, "peer", sim_node(b->n->sim, node_conn_peer(b->n, h->conn))->name);
        trace_uint(tr, "offset", phy);
        trace_uint(tr, "bytes", cold);
        broker_page_trace_fields(tr, &pt);
        trace_end(tr);
    }
    broker_page_io(b, &pt, COLD_TAG(COLD_HA, (uint64_t)(h - b->hac) << 32 | h->gen));
    return 1;
}

struct ha_conn *ha_frame_cold_done(struct broker *b, uint64_t arg)
{
    int i = (int)(arg >> 32);
    struct ha_conn *h = i < b->nhac ? &b->hac[i] : NULL;
    if (!h || !h->in_use || !h->reading || h->gen != (uint32_t)arg)
        return NULL;   /* the connection went meanwhile (dropped, closed, a role change): no write */
    h->reading = 0;
    if (!node_conn_open(b->n, h->conn))
        return NULL;   /* closed by the slave: the writer's next round finds it so (ha_master_tick) */
    return h;
}

void ha_free(struct broker *b)
{
    for (int i = 0; i < b->hac_cap; i++)
        free(b->hac[i].rd_buf);
    free(b->hac);
    b->hac = NULL;
    b->nhac = b->hac_cap = 0;
}

/* ---- slave side ---- */

/* The slave's ReputMessageService stops at `phy`: checkMessageAndReturnSize finds an illegal magic code
 * there (the middle of a message) and returns DispatchRequest(-1, false); on a slave (brokerId != 0) doReput
 * sets doNext = false without moving reputFromOffset, so it tries the same bytes again every round and
 * dispatches nothing after them (DefaultMessageStore.ReputMessageService.doReput, R44 l.1793-1806). */
static void reput_stop(struct broker *b, uint64_t phy)
{
    b->reput_stop = phy;
    struct trace *tr = trace_of(b);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, node_now(b->n), b->n->name, "reput.stop");
    trace_uint(tr, "offset", phy);
    trace_end(tr);
}

/* A filler x: bytes this slave held before its truncation and the trim forgot since. Its log, empty from there
 * (ctl_handshake_done), ends after them. */
static uint64_t slave_fill(struct broker *b, const struct rmq_ha_entry *x)
{
    if (b->cl.n > 0 || b->ha_part.got)
        return CL_NONE;
    cl_reset(&b->cl, b->cl.max_offset + x->size);
    return 0;
}

/* Appends the entry x stands for (x->size bytes, a fragment when CL_FRAGMENT; not a filler) at the log's end;
 * what the slave's ConsumeQueues make of it is the ReputMessageService's dispatch. Inlined into its callers:
 * take_piece's call runs for nearly every message a slave stores. */
static inline __attribute__((always_inline)) uint64_t slave_append(struct broker *b, const struct rmq_ha_entry *x)
{
    if (b->reput_stop == CL_NONE && (x->flags & CL_FRAGMENT))
        reput_stop(b, b->cl.max_offset);
    if (b->reput_stop != CL_NONE || x->queue >= RMQ_MAX_QUEUES)
        return cl_append_undispatched(&b->cl, x->msg, x->size, x->queue, x->qoff, x->flags & CL_FRAGMENT);
    uint64_t qoff = x->qoff, next = cl_next_qoff(&b->cl, x->queue);
    if (next > cl_min_qoff(&b->cl, x->queue) || cl_trimmed(&b->cl, x->queue, next - 1)) {   /* not empty */
        /* ConsumeQueue.putMessagePositionInfo: a queue offset below the queue's end is "Build consume
         * queue repeatedly" and not written; one above it is "[BUG]logic queue order maybe wrong" and is
         * written at the queue's end all the same. */
        if (qoff < next)
            return cl_append_undispatched(&b->cl, x->msg, x->size, x->queue, x->qoff, 0);
        qoff = next;
    }
    return cl_append(&b->cl, x->msg, x->size, x->queue, qoff);
}

/* The slave appended message msg: the accounting, and the ReputMessageService's next round armed (it wakes
 * the held pulls); the page cache write and controller mode's ctl_stored are the caller's, once a frame. */
static void stored(struct broker *b, uint32_t msg)
{
    report_stored(&b->base.w->rep, msg, b->group, b->replica, 1);
    broker_reput_kick(b);
}

static void trace_partial(struct broker *b, const char *ev, uint32_t bytes)
{
    struct trace *tr = trace_of(b);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, node_now(b->n), b->n->name, ev);
    trace_uint(tr, "offset", b->cl.max_offset);
    trace_uint(tr, "msg", b->ha_part.msg);
    trace_uint(tr, "bytes", bytes);
    trace_end(tr);
}

/* Appends x, which ends a message (or is a fragment of one): 1 when a whole message was stored, 0 for bytes
 * only, -1 when the append failed. */
static inline __attribute__((always_inline)) int append_end(struct broker *b, const struct rmq_ha_entry *x)
{
    if (slave_append(b, x) == CL_NONE)
        return -1;
    if (x->flags & CL_FRAGMENT)
        return 0;   /* bytes, but no whole message */
    stored(b, x->msg);
    return 1;
}

/* take_piece's way for a piece of a message, or a piece that goes on the partial message held. */
static __attribute__((noinline)) int take_part(struct broker *b, struct rmq_ha_entry x)
{
    struct ha_partial *p = &b->ha_part, had = *p;
    if (p->got) {
        if (x.msg == p->msg && x.skip == p->skip + p->got && x.total == p->total && x.queue == p->queue) {
            x.skip = p->skip;   /* the piece goes on the bytes received: one piece from the first of them */
            x.size += p->got;
        } else {
            /* The master's bytes here are not the rest of this message: the logs differ where it lies (the
             * slave reported an offset inside a message the master does not have there). They are appended
             * all the same; the message's header now covers bytes of another, and the ReputMessageService
             * stops at it. Its bytes stay in the log as a fragment. */
            struct rmq_ha_entry y = {.qoff = p->qoff, .msg = p->msg, .size = p->got, .total = p->total,
                                     .skip = p->skip, .queue = p->queue, .flags = CL_FRAGMENT};
            if (slave_append(b, &y) == CL_NONE)
                return -1;
            had.got = 0;   /* in the log now: a failure below must not hold them a second time */
        }
        p->got = 0;
    }
    if (x.skip + x.size < x.total) {
        /* the message's end is in a later frame */
        *p = (struct ha_partial){.qoff = x.qoff, .msg = x.msg, .total = x.total, .skip = x.skip, .got = x.size,
                                 .queue = x.queue, .flags = x.flags};
        return 0;
    }
    if (x.skip)
        x.flags |= CL_FRAGMENT;   /* the tail of a message whose head this log does not hold */
    int r = append_end(b, &x);
    if (r < 0)
        *p = had;
    return r;
}

/* One piece x, merged with the partial message it goes on (when it does): the message is complete (appended,
 * 1 when counted stored), or incomplete (kept as the partial message). -1: the append failed, and nothing of
 * x is in the log (a partial message x goes on is as it was; one it does not go on was appended as a
 * fragment before, and is gone). */
static inline int take_piece(struct broker *b, const struct rmq_ha_entry *x)
{
    if (x->flags & RMQ_HA_FILLER)
        return slave_fill(b, x) == CL_NONE ? -1 : 0;
    /* A whole message with no partial one held, nearly every piece: as take_part, without its copies. */
    if (b->ha_part.got || x->skip || x->size < x->total)
        return take_part(b, *x);
    return append_end(b, x);
}

int ha_frame_append(struct broker *b, const struct rmq_ha_data *d, const struct frame_confirm *fc, uint32_t *n)
{
    uint64_t bytes = 0;   /* appended: one page cache write for the frame */
    int rc = 0;
    *n = 0;
    for (uint32_t k = 0; k < d->n; k++) {
        int r = take_piece(b, &d->e[k]);
        if (r < 0) {
            rc = -1;
            break;
        }
        bytes += d->e[k].size;
        *n += (uint32_t)r;
    }
    if (bytes)
        node_disk_write(b->n, FILE_COMMITLOG, bytes);
    /* Controller mode: after the append the client sets its confirm offset to min(the frame's, its max
     * offset), which passes the partial message's first byte when the frame's does (see ha_partial_ready). */
    if (fc && fc->valid)
        b->ha_part.confirmed = fc->offset > b->cl.max_offset;
    return rc;
}

void ha_partial_drop(struct broker *b)
{
    if (!b->ha_part.got)
        return;
    trace_partial(b, "ha.partial_dropped", b->ha_part.got);
    b->ha_part.got = 0;
    node_disk_truncate(b->n, FILE_COMMITLOG, b->cl.max_offset - b->disk_base);
}

void ha_partial_cut(struct broker *b, uint64_t phy, uint64_t whole)
{
    struct ha_partial *p = &b->ha_part;
    if (!p->got || phy >= whole + p->got)
        return;
    if (phy <= whole) {
        trace_partial(b, "ha.partial_dropped", p->got);
        p->got = 0;
        return;
    }
    p->got = (uint32_t)(phy - whole);   /* truncateDirtyFiles cuts bytes: the bytes below phy stay */
}

void ha_partial_ready(struct broker *b)
{
    /* AutoSwitchHAClient's READY state, before each connect: truncateInvalidMsg, when dispatchBehindBytes()
     * (getConfirmOffset() - reputFromOffset) is above 0, checks the messages from reputFromOffset and cuts the
     * log at the first it refuses, the incomplete one. Behind: the confirm offset passed its first byte, or
     * the dispatch has not caught up with what it may dispatch. */
    if (b->ctl && b->ha_part.got && (b->ha_part.confirmed || node_now(b->n) < b->ctl->disp_end))
        ha_partial_drop(b);
}
