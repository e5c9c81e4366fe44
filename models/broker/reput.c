/* reput: the classic store's ReputMessageService (DefaultMessageStore.ReputMessageService): what a put or an
 * HA append stores reaches the ConsumeQueues, and the consumers, at the service's next round: run() sleeps
 * 1 ms (TimeUnit.MILLISECONDS.sleep(1)) then doReput() dispatches what is stored up to getReputEndOffset, and
 * on a master (any role with slave_wakes_held_pulls) notifyMessageArriving wakes the held pulls of the queues
 * it dispatched to. A round is taken as instant. An idle service costs no event: its rounds step from the
 * last one's end, and a store (or a rise of the end: a flush, a confirm offset) arms the next. */
#include "models/broker/broker_int.h"
#include "models/broker/broker_ctl_int.h"

/* 5.3 under SYNC_FLUSH outside controller mode: CommitLog.getConfirmOffset is the flushed offset (#8240). */
static int flush_bounded(const struct broker *b)
{
    return !b->ctl && b->cfg.dispatch_flushed_only && b->cfg.flush == RMQ_SYNC_FLUSH && !b->cfg.read_uncommitted;
}

/* getReputEndOffset (readUnCommitted: the max offset, else CommitLog.getConfirmOffset): in controller mode the
 * confirm offset where it limits (ctl_read_end); with dispatch_flushed_only under SYNC_FLUSH the flushed
 * offset (5.3); else the log's end. */
static uint64_t reput_end(const struct broker *b)
{
    if (b->ctl)
        return ctl_read_end(b);
    return flush_bounded(b) && b->flushed < b->cl.max_offset ? b->flushed : b->cl.max_offset;
}

void broker_reput_flushed(struct broker *b)
{
    if (flush_bounded(b))
        broker_reput_kick(b);   /* 5.3 SYNC_FLUSH: the service may dispatch up to here */
}

uint64_t broker_qoff_below(const struct broker *b, int q, uint64_t end)
{
    uint64_t next = cl_next_qoff(&b->cl, q);
    if (end >= b->cl.max_offset)
        return next;
    uint64_t lo = cl_min_qoff(&b->cl, q), hi = next;
    while (lo < hi) {   /* the first message of q that ends above `end` */
        uint64_t mid = lo + (hi - lo) / 2;
        uint64_t i = cl_qentry(&b->cl, q, mid);
        const struct cl_entry *e = i == CL_NONE ? NULL : cl_at(&b->cl, i);
        if (!e || e->offset + e->size <= end)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ReputMessageService.run: doReput, then Thread.sleep(1), forever. doReput dispatches while reputFromOffset
 * is below the committed position (read again for every message), reputMessageCost each. An idle service
 * costs no events here: when something is committed, the round starts at the end of the sleep then running. */
sim_time broker_reput_wake(const struct broker *b, sim_time since)
{
    sim_time sleep = b->cfg.reput_sleep;
    sim_time wake = sleep > 0 ? (since + sleep - 1) / sleep * sleep - since : 0;
    if (wake == 0 && since == 0)
        wake = sleep;   /* the round that just ended sleeps first */
    return wake;
}

/* The dispatch stands at CommitLog offset end: the ConsumeQueues end with the messages that end at or below. */
static void dispatch_to(struct broker *b, uint64_t end)
{
    b->rp_py = end;
    for (int q = 0; q < b->cfg.queues; q++)
        b->rp_qoff[q] = broker_qoff_below(b, q, end);
}

void broker_reput_reset(struct broker *b)
{
    /* The store's recovery rebuilt the ConsumeQueues from the CommitLog: everything is dispatched (in
     * controller mode ctl_start sets what its recovery kept: broker_reput_recovered). */
    dispatch_to(b, reput_end(b));
    b->rp_armed = 0;
    b->rp_idle_since = node_now(b->n);
}

void broker_reput_recovered(struct broker *b, uint64_t end) { dispatch_to(b, end); }

void broker_reput_keep(struct broker *b, int q, uint64_t end)
{
    uint64_t next = cl_next_qoff(&b->cl, q);
    if (end > next)
        end = next;
    if (end > b->rp_qoff[q])
        b->rp_qoff[q] = end;
}

void broker_reput_kick(struct broker *b)
{
    if (b->rp_armed)
        return;
    sim_time now = node_now(b->n);
    b->rp_armed = 1;
    node_timer(b->n, broker_reput_wake(b, now - b->rp_idle_since), BT(BT_REPUT, 0));
}

void broker_reput_round(struct broker *b)
{
    b->rp_armed = 0;
    b->rp_idle_since = node_now(b->n);
    uint64_t to = reput_end(b);
    if (b->rp_py >= to)
        return;
    int wake = broker_wakes_pulls(b);
    b->rp_py = to;
    for (int q = 0; q < b->cfg.queues; q++) {
        uint64_t end = broker_qoff_below(b, q, to);
        if (end <= b->rp_qoff[q])
            continue;   /* (above it only what a controller-mode recovery kept: broker_reput_keep) */
        b->rp_qoff[q] = end;
        if (wake)
            broker_wake_pulls(b, q);   /* the queues it dispatched to */
    }
}

void broker_reput_truncated(struct broker *b)
{
    if (b->rp_py > b->cl.max_offset)
        b->rp_py = b->cl.max_offset;
    for (int q = 0; q < b->cfg.queues; q++)
        if (b->rp_qoff[q] > cl_next_qoff(&b->cl, q))
            b->rp_qoff[q] = cl_next_qoff(&b->cl, q);
}

uint64_t broker_reput_visible(const struct broker *b, int q)
{
    if (b->rp_py >= b->cl.max_offset)
        return cl_next_qoff(&b->cl, q);
    /* (never below the queue's start, which the world's trim may have moved past a round's end) */
    uint64_t min = cl_min_qoff(&b->cl, q);
    return b->rp_qoff[q] > min ? b->rp_qoff[q] : min;
}
