/* group_transfer: what a classic SYNC_MASTER put's wait counts as acknowledged by the slaves, and R44's
 * HAService.GroupTransferService, the thread that tells each waiting put whether its slave has it.
 *
 * R44 (sync_master_wait "sync_flush_timeout"): CommitLog.handleHA puts a GroupCommitRequest(nextOffset) and
 * waits syncFlushTimeout for the service's answer. The service takes the requests one after the other
 * (requestsWrite/requestsRead swapped at each ServiceThread wait, which a putRequest ends at once), and for
 * each (doWaitTransfer) tests push2SlaveMaxOffset >= nextOffset; while that fails it calls
 * notifyTransferObject.waitForRunning(1000) at most 5 times, testing again after each, then wakeupCustomer
 * with the result. A slave's ack that raises push2SlaveMaxOffset (notifyTransferSome) ends the wait in
 * progress, or, when none is (WaitNotifyObject.hasNotified), the next one at once. So a put is answered
 * FLUSH_SLAVE_TIMEOUT after 5 acks (or 1 s waits) that do not reach it (RocketMQ #1535, #1244), and a put
 * whose customer has timed out still holds the service for its 5 waits. R498 and R53 wait for a deadline
 * instead (HAService/DefaultHAService.GroupTransferService: while (!transferOK && deadLine > now)), as
 * put_wait.c's slave_deadline does: they do not come here. */
#include <stdlib.h>

#include "models/broker/broker_int.h"

#define GTS_WAITS 5               /* doWaitTransfer: for (i = 0; !transferOK && i < 5; i++) */
#define GTS_WAIT (1 * SIM_S)      /* notifyTransferObject.waitForRunning(1000) */

/* What the slaves acknowledged, as GroupTransferService tests it: push2SlaveMaxOffset (the highest ack of
 * any slave) up to R498; in R53 (DefaultHAService.GroupTransferService.doWaitTransfer) needAckNums - 1 of the
 * current connections whose slaveAckOffset reached the offset, so the (inSyncReplicas - 1)-th highest ack. */
uint64_t ha_acked(const struct broker *b)
{
    int need = b->cfg.in_sync_replicas - 1;
    if (b->cfg.sync_master_wait != SYNC_WAIT_IN_SYNC_REPLICAS)
        return b->push2slave;
    if (need < 1)
        return UINT64_MAX;
    uint64_t top[RMQ_MAX_REPLICAS] = {0};   /* the highest acks, descending */
    for (int i = 0; i < b->nhac; i++) {
        if (!b->hac[i].in_use)
            continue;
        uint64_t a = b->hac[i].ack;
        for (int j = 0; j < need && j < RMQ_MAX_REPLICAS; j++)
            if (a > top[j]) {
                uint64_t t = top[j];
                top[j] = a;
                a = t;
            }
    }
    return need <= RMQ_MAX_REPLICAS ? top[need - 1] : 0;
}

int gts_applies(const struct broker *b) { return !b->ctl && b->cfg.sync_master_wait == SYNC_WAIT_SYNC_FLUSH_TIMEOUT; }

void gts_reset(struct broker *b)
{
    b->gts_head = b->gts_n = 0;
    b->gts_tries = 0;
    b->gts_waiting = 0;
    b->gts_notified = 0;
    b->gts_wait_end = b->gts_timer_at = 0;
}

/* wakeupCustomer(ok): the put still waiting for request id takes the answer; one whose own wait
 * (syncFlushTimeout) is over has gone with FLUSH_SLAVE_TIMEOUT already. */
static void answer(struct broker *b, uint64_t id, int ok)
{
    sim_time now = node_now(b->n);
    for (uint32_t i = 0; i < b->waits_n; i++) {
        struct put_wait *w = broker_wait_at(b, i);
        if (w->gts_id != id)
            continue;
        if (w->ctx.conn != 0 && w->need_slave && now < w->deadline)
            w->gts = ok ? GTS_OK : GTS_FAILED;
        return;
    }
}

/* doWaitTransfer from where the service is: the head request tested, then its next wait, until a wait
 * must pass time or no request is left. Returns 1 when a put was answered. */
static int run(struct broker *b)
{
    int answered = 0;
    while (b->gts_n && !b->gts_waiting) {
        const struct gts_req *r = &b->gts_q[b->gts_head];
        int ok = b->push2slave >= r->end;
        if (ok || b->gts_tries == GTS_WAITS) {
            answer(b, r->id, ok);
            answered = 1;
            b->gts_head = (b->gts_head + 1) % b->gts_cap;
            b->gts_n--;
            b->gts_tries = 0;
            continue;
        }
        b->gts_tries++;
        if (b->gts_notified) {
            b->gts_notified = 0;   /* a notify came while the service was not waiting: this wait ends at once */
            continue;
        }
        b->gts_waiting = 1;
        b->gts_wait_end = node_now(b->n) + GTS_WAIT;
        if (!b->gts_timer_at) {
            /* one timer at a time: most waits end at an ack, and a timer cancelled at each would stay in the
             * event queue for its second (see gts_timeout) */
            b->gts_timer_at = b->gts_wait_end;
            node_timer(b->n, GTS_WAIT, BT(BT_GTS, 0));
        }
    }
    return answered;
}

int gts_put(struct broker *b, struct put_wait *w)
{
    if (b->gts_n == b->gts_cap) {
        uint32_t cap = b->gts_cap ? b->gts_cap * 2 : 64;
        struct gts_req *q = malloc((size_t)cap * sizeof *q);
        if (!q)
            return 0;   /* no request: the put's own wait answers it (FLUSH_SLAVE_TIMEOUT) */
        for (uint32_t i = 0; i < b->gts_n; i++)
            q[i] = b->gts_q[(b->gts_head + i) % b->gts_cap];
        free(b->gts_q);
        b->gts_q = q;
        b->gts_cap = cap;
        b->gts_head = 0;
    }
    w->gts_id = ++b->gts_next_id;
    w->gts = GTS_PENDING;
    b->gts_q[(b->gts_head + b->gts_n++) % b->gts_cap] = (struct gts_req){w->end, w->gts_id};
    return run(b);
}

int gts_notify(struct broker *b)
{
    if (!b->gts_waiting) {
        b->gts_notified = 1;
        return 0;
    }
    b->gts_waiting = 0;   /* the waiter's finally clears hasNotified */
    return run(b);
}

int gts_timeout(struct broker *b)
{
    sim_time now = node_now(b->n);
    b->gts_timer_at = 0;
    if (!b->gts_waiting)
        return 0;
    if (b->gts_wait_end > now) {
        /* an ack ended the wait this timer was for: the one in progress began later */
        b->gts_timer_at = b->gts_wait_end;
        node_timer(b->n, b->gts_wait_end - now, BT(BT_GTS, 0));
        return 0;
    }
    b->gts_waiting = 0;
    return run(b);
}
