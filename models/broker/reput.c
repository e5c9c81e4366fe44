/* reput: the classic store's ReputMessageService (DefaultMessageStore.ReputMessageService): what a put or an
 * HA append stores reaches the ConsumeQueues, and the consumers, at the service's next round: run() sleeps
 * 1 ms (TimeUnit.MILLISECONDS.sleep(1)) then doReput() dispatches everything stored, and on a master (any
 * role with slave_wakes_held_pulls) notifyMessageArriving wakes the held pulls of the queues it dispatched
 * to. An idle service costs no event: its rounds step from the last one's end, and a store arms the next. */
#include "models/broker/broker_int.h"

/* Takes the dispatch to the log's end: the ConsumeQueues' ends as they are now. */
static void dispatch_all(struct broker *b)
{
    b->rp_py = b->cl.max_offset;
    for (int q = 0; q < b->cfg.queues; q++)
        b->rp_qoff[q] = cl_next_qoff(&b->cl, q);
}

void broker_reput_reset(struct broker *b)
{
    /* The store's recovery rebuilt the ConsumeQueues from the CommitLog: everything is dispatched. */
    dispatch_all(b);
    b->rp_armed = 0;
    b->rp_idle_since = node_now(b->n);
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
    if (b->rp_py >= b->cl.max_offset)
        return;
    int wake = b->cfg.long_polling && (b->role != RMQ_SLAVE || b->cfg.slave_wakes_pulls);
    b->rp_py = b->cl.max_offset;
    for (int q = 0; q < b->cfg.queues; q++) {
        uint64_t end = cl_next_qoff(&b->cl, q);
        if (end == b->rp_qoff[q])
            continue;
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
    return b->rp_py >= b->cl.max_offset ? cl_next_qoff(&b->cl, q) : b->rp_qoff[q];
}
