/* reput_dledger: the ReputMessageService (DefaultMessageStore) of a broker whose CommitLog is a DLedger log:
 * committed CommitLog bytes to the ConsumeQueues, reputMessageCost a message, a 1 ms sleep between rounds,
 * on every member; a follower's wake-ups are virtual while they can wake nothing (dl_reput_sync). */
#include "models/broker/broker_int.h"

/* One message dispatched: consumers may read it now (DLedgerCommitLog.getMaxOffset is the committed
 * position, so only committed entries are dispatched). */
static void reput_one(struct broker *b)
{
    if (b->reput_next < (int64_t)b->cl.first) {
        if (b->reput_next >= 0)
            broker_trimmed_read(b, b->reput_next);
        b->reput_next = (int64_t)b->cl.first;
    }
    const struct cl_entry *e = cl_at(&b->cl, (uint64_t)b->reput_next);
    b->reput_next++;
    if (!e)
        return;
    /* ConsumeQueue.putMessagePositionInfo: an entry the queue holds already (built at a 5.3 restart by
     * dledgerRecoverAbnormally) is skipped, "build consume queue repeatedly". */
    if (b->committed_qoff[e->queue] < e->qoff + 1)
        b->committed_qoff[e->queue] = e->qoff + 1;
    b->committed_py = e->offset + e->size;
    if (broker_wakes_pulls(b))
        broker_wake_pulls(b, e->queue);   /* NotifyMessageArrivingListener on a master (R53: any role) */
}

static int reput_behind(const struct broker *b)
{
    return b->reput_next <= b->committed && b->reput_next < (int64_t)cl_end(&b->cl);
}

/* A slave's dispatch that can wake no held pull (none is held, or it wakes none: broker_wakes_pulls) has no
 * effect but the ConsumeQueues' ends, which only readers look at. A
 * master's stays a timer: a wake-up armed while a reader replays past ones (dl_reput_sync) would take the
 * order of the replay's moment, not of the time it stands for, and on a master, whose pulls come often,
 * that reordered a dispatch and a pull at one instant. */
static int reput_wakes_nothing(const struct broker *b)
{
    return b->role == RMQ_SLAVE && (b->nheld == 0 || !broker_wakes_pulls(b));
}

/* The service's next wake-up or message end at `at`. While its dispatches can wake nothing the wake-up is
 * virtual: dl_reput_sync runs it when a reader or an input comes at or after it (as the event would have run
 * first), so a follower costs no event a message for it. A pull held meanwhile makes it a timer
 * (dl_pull_held), as a pause or a promotion does; otherwise it is a timer. */
static void reput_arm(struct broker *b, sim_time now, sim_time at)
{
    if (reput_wakes_nothing(b)) {
        b->reput_vt = at;
        b->reput_vt_mark = sim_order_mark(b->n->sim);
        return;
    }
    node_timer(b->n, at - now, BT(BT_REPUT, 0));
}

static void reput_kick(struct broker *b, sim_time now)
{
    if (b->reput_busy || b->reput_armed || !reput_behind(b))
        return;
    b->reput_armed = 1;
    reput_arm(b, now, now + broker_reput_wake(b, now - b->reput_idle_since));
}

/* A round wakes, or the message being dispatched is done, at `now`. */
static void reput_step(struct broker *b, sim_time now)
{
    if (b->reput_busy) {
        reput_one(b);   /* the message whose cost just elapsed */
        b->reput_busy = 0;
    } else {
        b->reput_armed = 0;
    }
    if (b->cfg.reput_cost == 0) {
        while (reput_behind(b))
            reput_one(b);
    } else if (reput_behind(b)) {
        b->reput_busy = 1;
        reput_arm(b, now, now + b->cfg.reput_cost);
        return;
    }
    b->reput_idle_since = now;   /* caught up: sleep */
    reput_kick(b, now);
}

void dl_reput(struct broker *b) { reput_step(b, node_now(b->n)); }

void dl_reput_sync(struct broker *b)
{
    sim_time now = node_now(b->n);
    /* A wake-up due now runs first when a timer armed then would have: armed before the event running now
     * was scheduled. */
    while (b->reput_vt < now || (b->reput_vt == now && sim_order_passed(b->n->sim, b->reput_vt_mark))) {
        sim_time t = b->reput_vt;
        b->reput_vt = SIM_TIME_MAX;
        reput_step(b, t);
    }
}

/* The virtual wake-up becomes a timer (the broker stops being a slave, or freezes: its timers wait). */
void dl_reput_make_real(struct broker *b)
{
    dl_reput_sync(b);
    if (b->reput_vt == SIM_TIME_MAX)
        return;
    node_timer(b->n, b->reput_vt - node_now(b->n), BT(BT_REPUT, 0));
    b->reput_vt = SIM_TIME_MAX;
}

void dl_pull_held(struct broker *b)
{
    dl_reput_sync(b);   /* what is due is dispatched as it was armed, before the pull counts */
    if (broker_wakes_pulls(b))
        dl_reput_make_real(b);   /* (a master's wake-ups are timers already) */
}

/* The service after a start (DefaultMessageStore.start): it resumes where the ConsumeQueues end. */
void dl_reput_reset(struct broker *b)
{
    if (cl_phy_trimmed(&b->cl, b->committed_py))
        broker_trimmed_read(b, (int64_t)b->committed_py);   /* cl_find would start past what it forgot */
    b->reput_next = (int64_t)cl_find(&b->cl, b->committed_py);
    b->reput_busy = b->reput_armed = 0;
    b->reput_vt = SIM_TIME_MAX;
    b->reput_idle_since = node_now(b->n);
    reput_kick(b, node_now(b->n));
}

void dl_reput_kick(struct broker *b) { reput_kick(b, node_now(b->n)); }
