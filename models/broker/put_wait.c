/* put_wait: the puts that wait for the flush or the slaves before their answer (R44 CommitLog.handleDiskFlush
 * and handleHA: GroupCommitService, then GroupTransferService; R498's handleDiskFlushAndHA), a ring of
 * put_wait in arrival order, and the CommitLog's fsync that the flush waits on. */
#include <stdlib.h>

#include "models/broker/broker_int.h"

int broker_wait_push(struct broker *b, const struct put_wait *w)
{
    if (b->waits_n == b->waits_cap) {
        uint32_t cap = b->waits_cap ? b->waits_cap * 2 : 64;
        struct put_wait *a = malloc((size_t)cap * sizeof *a);
        if (!a)
            return -1;
        for (uint32_t i = 0; i < b->waits_n; i++)
            a[i] = *broker_wait_at(b, i);
        free(b->waits);
        b->waits = a;
        b->waits_cap = cap;
        b->waits_head = 0;
    }
    *broker_wait_at(b, b->waits_n++) = *w;
    return 0;
}

struct put_wait *broker_wait_head(struct broker *b) { return b->waits_n ? broker_wait_at(b, 0) : NULL; }

void broker_wait_pop(struct broker *b)
{
    b->waits_head = (b->waits_head + 1) % b->waits_cap;
    b->waits_n--;
}

void broker_start_fsync(struct broker *b)
{
    if (b->fsync_inflight || b->cl.max_offset <= b->flushed)
        return;
    b->fsync_inflight = 1;
    b->fsync_target = b->cl.max_offset;
    node_disk_fsync(b->n, FILE_COMMITLOG, 0);
}

/* FlushRealTimeService.run -> MappedFile.isAbleToFlush (R44, R498; R53 DefaultMappedFile): whole pages, the
 * write position's page number less the flushed position's, (write / OS_PAGE_SIZE) - (flush / OS_PAGE_SIZE) >=
 * flushLeastPages, not bytes; 0 pages (and the thorough round) flush whatever is written. A CommitLog file is
 * a whole number of pages, so its offsets' page numbers are its positions'. */
void broker_flush_round(struct broker *b)
{
    uint64_t dirty = b->cl.max_offset - b->flushed;
    uint64_t pages = b->cl.max_offset / PAGE - b->flushed / PAGE;
    int thorough = node_now(b->n) - b->last_thorough >= b->cfg.flush_thorough;
    if (dirty > 0 && (thorough || pages >= (uint64_t)b->cfg.flush_least_pages)) {
        if (thorough)
            b->last_thorough = node_now(b->n);
        broker_start_fsync(b);
    }
}

void broker_arm_group_commit(struct broker *b)
{
    if (!b->group_commit_armed && b->waits_n) {
        b->group_commit_armed = 1;
        node_timer(b->n, b->cfg.group_commit_interval, BT(BT_GROUP_COMMIT, 0));
    }
}

/* GroupCommitService (flush) then GroupTransferService (slave): in R44 each stage waits syncFlushTimeout, and
 * the status of the last stage to fail is what the producer gets (CommitLog.handleDiskFlush, handleHA). From
 * R498 the two wait side by side (handleDiskFlushAndHA: thenCombine), the replica's within slaveTimeout
 * (slave_deadline), and a replica failure is the status. */
void broker_process_waits(struct broker *b)
{
    sim_time now = node_now(b->n);
    int need_flush = 0, classic = 0, wake_writers = 0;
    int acks_before_deadline = b->ctl || b->cfg.sync_master_wait == SYNC_WAIT_IN_SYNC_REPLICAS;   /* below */
    for (uint32_t i = 0; i < b->waits_n; i++) {
        struct put_wait *w = broker_wait_at(b, i);
        if (w->ctx.conn == 0 || w->need_quorum)
            continue;   /* answered already, or the DLedger member answers it */
        classic = 1;
        if (w->need_flush) {
            if (b->flushed >= w->end || now >= w->deadline) {
                if (b->flushed < w->end && w->status != RMQ_FLUSH_SLAVE_TIMEOUT)
                    w->status = RMQ_FLUSH_DISK_TIMEOUT;
                w->need_flush = 0;
                w->deadline = now + b->cfg.sync_flush_timeout;
                if (w->slave_after_flush) {
                    /* R44 handleHA, now that handleDiskFlush has returned: isSlaveOK, else
                     * SLAVE_NOT_AVAILABLE (over a FLUSH_DISK_TIMEOUT) without waiting; then wakeupAll. */
                    w->slave_after_flush = 0;
                    if (ha_slave_ok(b, w->end)) {
                        wake_writers = 1;
                        if (gts_applies(b))
                            gts_put(b, w);   /* putRequest: answers w at once only if its slave has it */
                    } else {
                        w->status = RMQ_SLAVE_NOT_AVAILABLE;
                        w->need_slave = 0;
                    }
                }
            } else {
                need_flush = 1;
            }
        }
        if ((!w->need_flush || w->slave_deadline) && w->need_slave) {
            /* R53's GroupTransferService.doWaitTransfer (controller mode too) looks at the acks only while the
             * request's deadline is ahead (its loop runs while deadLine - now > 0, polling every 1 ms): an ack
             * or a smaller SyncStateSet that comes after it does not make the put PUT_OK. R498's looks once
             * before its loop and again after each waitForRunning(1000), which an ack's notifyTransferSome
             * ends, deadline or not: an ack there, even late, is PUT_OK. */
            int late = now >= (w->slave_deadline ? w->slave_deadline : w->deadline);
            if (w->gts == GTS_PENDING && now < w->deadline) {
                /* R44: the answer is GroupTransferService's (group_transfer.c), or the customer's timeout */
            } else if (w->gts >= GTS_OK ||
                       (w->gts == GTS_NONE && !(late && acks_before_deadline) &&
                        (b->ctl ? ctl_acked(b) : ha_acked(b)) >= w->end)) {
                if (w->gts == GTS_FAILED)
                    w->status = RMQ_FLUSH_SLAVE_TIMEOUT;
                w->need_slave = 0;
            } else if (late) {
                w->status = RMQ_FLUSH_SLAVE_TIMEOUT;
                w->need_slave = 0;
            }
        }
        if (!w->need_flush && !w->need_slave) {
            struct rmq_send_resp r = {w->offset};
            rpc_reply(b->n, w->ctx, w->status, &r, sizeof r, 0);
            w->ctx.conn = 0;
            if (w->thread >= 0)
                bx_put_answered(b, (int)EX_SEND << 16 | w->thread);   /* waitForFlush returns */
        }
    }
    /* (a DLedger put answered by its get's end stays until the member answers its append: io_append_done) */
    while (b->waits_n && broker_wait_at(b, 0)->ctx.conn == 0 && !broker_wait_at(b, 0)->need_quorum) {
        b->waits_head = (b->waits_head + 1) % b->waits_cap;
        b->waits_n--;
    }
    if (need_flush)
        broker_start_fsync(b);
    if (wake_writers)
        ha_wakeup(b);
    if (classic)
        broker_arm_group_commit(b);   /* the timeouts of the flush and slave waits still open */
}

void broker_acks_advanced(struct broker *b)
{
    if (b->ctl)
        ctl_acks(b);
    if (b->waits_n)
        broker_process_waits(b);
}

