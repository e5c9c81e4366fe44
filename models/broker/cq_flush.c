/* cq_flush: a controller-mode broker's ConsumeQueues on disk: FlushConsumeQueueService's rounds, what a crash
 * leaves of each queue, and what the next start's recovery and a handshake's truncation make of it.
 *
 * 5.3 DefaultMessageStore.FlushConsumeQueueService (l.2625-2700), started with the store (start l.415):
 * run() waits flushIntervalConsumeQueue (1000 ms, MessageStoreConfig l.144; nothing wakes it earlier) and
 * calls doFlush (l.2629-2667), which flushes every ConsumeQueue with flushConsumeQueueLeastPages (2,
 * l.180), or with 0 when flushConsumeQueueThoroughInterval (60 s, l.183) has passed since its
 * lastFlushTimestamp, 0 in a new service, so its first round, 1 s after the start, is thorough. A queue's
 * flush (ConsumeQueue.flush l.518 -> MappedFileQueue.flush l.634-649) takes the mapped file holding its
 * flushedWhere and DefaultMappedFile.flush (l.364): when isAbleToFlush (l.439-451: the file full, or
 * write / OS_PAGE_SIZE - flushed / OS_PAGE_SIZE >= leastPages by whole 4 KiB page numbers, l.62, or with 0
 * pages anything written past the flushed position) it forces the file and its flushed position becomes
 * the write position; flushedWhere is the file's start plus that. One file a round: a queue that crossed
 * into a new file has the rest of the full one forced first. A ConsumeQueue unit is 20 bytes
 * (ConsumeQueue.CQ_STORE_UNIT_SIZE, l.59), a file 300000 of them (mappedFileSizeConsumeQueue, l.109). So
 * with the defaults a queue is forced once its dirty bytes reach the second page boundary past its flushed
 * position: 205 to 410 entries, depending on where in a page it stood. The write position is what the
 * ReputMessageService dispatched (reput.c).
 *
 * The StoreCheckpoint's logicsMsgTimestamp is the store time of the last message dispatched to a
 * ConsumeQueue (putMessagePositionInfoWrapper l.703). A thorough round reads it before it forces the
 * queues and sets it back before it forces the checkpoint (l.2643, l.2661-2666: every round with 0 pages,
 * so the checkpoint's confirm offset too, ctl_cq_flush's answer), a time every queue was
 * forced to; but the checkpoint's own task forces it every second too (addScheduleTask l.1829-1834), with
 * whatever the dispatch set since. recoverAbnormally dispatches again from the last CommitLog file whose
 * first message is no later than the checkpoint's min(physicMsgTimestamp, logicsMsgTimestamp) - 3 s
 * (isMappedFileMatchedRecover l.827, StoreCheckpoint.getMinTimestamp l.122-130): with a CommitLog file
 * begun after a queue's forced end, a queue could miss units there ("[BUG]logic queue order maybe wrong",
 * ConsumeQueue l.824-832). mqsim follows no timestamp: its recovery dispatches again from below every
 * queue's forced end, as Java does while the log's last file (commitlog_file_bytes, 1 GiB) began before.
 *
 * After a host crash each queue's file holds what was forced (ConsumeQueue.recover l.123-183 reads units
 * until one has no size); after a process crash all it was written (the page cache). recoverAbnormally then
 * dispatches again the messages that end at or below the checkpoint's confirm offset (CommitLog l.734),
 * skipping what a queue holds already (putMessagePositionInfo l.790), and cuts the queues where the
 * recovered log ends (l.789-792: truncateDirtyLogicFiles when some queue's last unit reaches it). So a
 * queue ends at the greater of its forced end and the confirm offset's, as mqsim's ctl_start sets it.
 *
 * Classic brokers (4.4 CommitLog.recoverAbnormally l.431-438, 5.3 l.739 outside controller mode) and 5.3
 * DLedger members (DLedgerCommitLog.dledgerRecoverAbnormally) are not modelled here: their recovery
 * dispatches again every message of the recovered log, so what the queues lost comes back (mqsim's
 * broker_reput_reset, reput_dledger.c). A 4.5-4.9 DLedger member (dledger_recover_dispatch_all false)
 * dispatches nothing at its recovery and resumes the ReputMessageService at the highest queue end (4.9.7
 * DefaultMessageStore.start l.252-277, maxPhysicalPosInLogicQueue), so after a host crash a queue that was
 * forced less never gets the messages in between, and putMessagePositionInfo appends the later ones at its
 * write position, below their own queue offsets (5.0-5.1 resume at DLedger's committed position, the log's
 * start when the host took DLedger's checkpoint, and fill the holes). mqsim keeps a DLedger member's queues
 * whole there: its ConsumeQueue cannot hold units away from their messages' queue offsets (README, "A DLedger
 * member restarted after a crash"; test_dledger_broker.c, host_crash_keeps_queues_whole). */
#include "models/broker/broker_int.h"
#include "models/broker/broker_ctl_int.h"

#define CQ_UNIT 20u                         /* ConsumeQueue.CQ_STORE_UNIT_SIZE */
#define CQ_FILE (300000ull * CQ_UNIT)       /* MessageStoreConfig.mappedFileSizeConsumeQueue */
#define OS_PAGE 4096u                       /* DefaultMappedFile.OS_PAGE_SIZE */

/* The file holding the flushed position `fl` (entries): its start, in bytes. */
static uint64_t file_from(uint64_t fl) { return fl * CQ_UNIT - fl * CQ_UNIT % CQ_FILE; }

/* MappedFileQueue.flush(leastPages) of queue q, whose write position is w entries. */
static void flush_queue(struct ctl_broker *c, int q, uint64_t w, int least)
{
    uint64_t f = c->cq_flushed[q] * CQ_UNIT, wb = w * CQ_UNIT;
    if (wb <= f)
        return;   /* nothing written past it (no file there yet when it is a file's end) */
    uint64_t from = f - f % CQ_FILE;
    uint64_t wpos = wb - from < CQ_FILE ? wb - from : CQ_FILE, fpos = f - from;
    int able = wpos == CQ_FILE ||
               (least > 0 ? wpos / OS_PAGE - fpos / OS_PAGE >= (uint64_t)least : wpos > fpos);
    if (!able)
        return;
    c->cq_flushed[q] = (from + wpos) / CQ_UNIT;
    c->cq_durable[q] = c->cq_flushed[q];   /* the force writes every dirty page of the file */
}

int ctl_cq_flush(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    sim_time now = node_now(b->n);
    int least = b->cfg.cq_flush_least_pages;
    if (!c->cq_thorough_done || now >= c->cq_thorough_at + b->cfg.cq_flush_thorough) {
        c->cq_thorough_done = 1;   /* lastFlushTimestamp = currentTimeMillis */
        c->cq_thorough_at = now;
        least = 0;
    }
    for (int q = 0; q < b->cfg.queues; q++)
        flush_queue(c, q, broker_reput_visible(b, q), least);
    return least == 0;
}

/* truncateDirtyLogicFiles sets the last file's flushed position at the cut, whatever was forced
 * (ConsumeQueue l.406-474: wrote, committed and flushed positions at each unit below phyOffset): the units
 * below it count as flushed and wait, dirty, for the next force of the file. (A queue whose flushed position
 * stands in an earlier, full file keeps it: the mark falls on the last file, which mqsim does not follow.) */
static void mark_flushed(struct ctl_broker *c, int q, uint64_t w)
{
    if (w < c->cq_flushed[q] || file_from(w) == file_from(c->cq_flushed[q]))
        c->cq_flushed[q] = w;
    if (c->cq_durable[q] > w)
        c->cq_durable[q] = w;
}

void ctl_cq_truncated(struct broker *b)
{
    /* DefaultMessageStore.truncateDirtyFiles l.722 -> ConsumeQueueStore.truncateDirty (l.559-565): every
     * queue, the ones the cut does not reach too */
    for (int q = 0; q < b->cfg.queues; q++)
        mark_flushed(b->ctl, q, broker_reput_visible(b, q));
}

void ctl_cq_crash(struct broker *b, enum sim_crash_kind kind)
{
    struct ctl_broker *c = b->ctl;
    const struct commitlog *cl = &b->cl;
    c->cq_cut = 0;
    for (int q = 0; q < b->cfg.queues; q++) {
        /* what ConsumeQueue.recover finds: the forced units, or all the page cache held */
        uint64_t found = kind == SIM_CRASH_HOST ? c->cq_durable[q] : broker_reput_visible(b, q);
        uint64_t next = cl_next_qoff(cl, q);
        /* recover() sets the queue's maxPhysicOffset from its last unit; recoverAbnormally cuts every queue
         * when the greatest of them reaches the recovered log's end (l.789) */
        if (found > next) {
            c->cq_cut = 1;
            found = next;   /* truncateDirtyLogicFiles(processOffset) */
        } else if (found > 0 && found == next) {
            uint64_t i = cl_qentry(cl, q, found - 1);
            const struct cl_entry *e = i == CL_NONE ? NULL : cl_at(cl, i);
            if (e && e->offset + e->size >= cl->max_offset)
                c->cq_cut = 1;
        }
        c->cq_flushed[q] = found;   /* recover(): flushedWhere and the file's flushed position */
        if (c->cq_durable[q] > found)
            c->cq_durable[q] = found;
    }
}

void ctl_cq_recovered(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    /* The ConsumeQueues are loaded from their files and recovered (ConsumeQueue.recover), cut only where the
     * recovered log ends (CommitLog l.389-393, l.788-792: truncateDirtyLogicFiles(processOffset) when they
     * reach it); recoverAbnormally dispatches again the messages up to the confirm offset (l.734), and
     * getMessage reads to the queues' end (DefaultMessageStore l.816), whatever the confirm offset. So
     * consumers read what the crash left of the queues (all dispatched, cq_end, after a process crash; each
     * queue's forced units after a host crash), and no less than the recovered confirm offset or, with
     * readUnCommitted, the max offset (the ReputMessageService's first rounds, taken as instant). */
    uint64_t end = c->cq_end < b->cl.max_offset ? c->cq_end : b->cl.max_offset;
    if (end < ctl_read_end(b))
        end = ctl_read_end(b);
    broker_reput_recovered(b, end);
    c->cq_thorough_done = 0;   /* a new FlushConsumeQueueService */
    for (int q = 0; q < b->cfg.queues; q++) {
        broker_reput_keep(b, q, c->cq_flushed[q]);
        if (c->cq_cut)   /* after the dispatch again (l.734), so what it added counts as flushed */
            mark_flushed(c, q, broker_reput_visible(b, q));
    }
}
