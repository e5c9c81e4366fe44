/* pull_hold: long polling (PullRequestHoldService): a pull that finds nothing new is held until a message
 * arrives in its queue (a master's ReputMessageService wakes it: NotifyMessageArrivingListener) or its
 * suspend time is up (checked every holdCheck interval), then goes to the pull executor as a new task. */
#include <stdlib.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"

static void held_remove(struct broker *b, int i) { b->held[i].in_use = 0; }

/* Wakes every held pull that can be answered now (new messages in its queue, or its time is up). */
static void held_check(struct broker *b, int queue, int timeouts)
{
    sim_time now = node_now(b->n);
    /* The queue's visible end, asked once (on a controller-mode master it is a search) and again only
     * after a pull was served. */
    uint64_t visible = 0;
    int known = 0;
    for (int i = 0; i < b->nheld; i++) {
        struct held_pull *h = &b->held[i];
        if (!h->in_use || (queue >= 0 && h->req.queue != queue))
            continue;
        if (queue < 0 || !known) {
            visible = broker_visible_qoff(b, h->req.queue);
            known = 1;
        }
        int news = visible > h->req.qoffset;
        if (news || (timeouts && now >= h->deadline)) {
            struct held_pull copy = *h;
            held_remove(b, i);
            bx_submit_woken(b, copy.ctx, &copy.req);
            known = 0;
        }
    }
    while (b->nheld && !b->held[b->nheld - 1].in_use)
        b->nheld--;
}

void broker_hold_pull(struct broker *b, struct rpc_ctx ctx, const struct rmq_pull_req *req, sim_time timeout)
{
    if (b->raft)
        dl_pull_held(b);   /* the ReputMessageService's next dispatch may wake it: an event */
    int i;
    for (i = 0; i < b->nheld && b->held[i].in_use; i++)
        ;
    if (i == b->nheld) {
        if (b->nheld == b->held_cap) {
            int cap = b->held_cap ? b->held_cap * 2 : 16;
            struct held_pull *a = realloc(b->held, (size_t)cap * sizeof *a);
            if (!a)
                return;
            b->held = a;
            b->held_cap = cap;
        }
        b->nheld++;
    }
    struct held_pull *h = &b->held[i];
    h->ctx = ctx;
    h->req = *req;
    h->deadline = node_now(b->n) + timeout;
    h->in_use = 1;
}

void broker_wake_held(struct broker *b, int queue) { held_check(b, queue, 0); }

void broker_expire_pulls(struct broker *b) { held_check(b, -1, 1); }

/* Lowers low[] to a pull's queue offset. */
static void pull_low(uint64_t low[RMQ_MAX_QUEUES], const struct rmq_pull_req *r)
{
    if (r->queue < RMQ_MAX_QUEUES && r->qoffset < low[r->queue])
        low[r->queue] = r->qoffset;
}

/* The lowest queue offset a pull this broker still has may read, per queue (UINT64_MAX: none): those held,
 * those waiting for a pull thread, and those a thread serves. A consumer may have let the queue go since it
 * asked (a rebalance), but the request is still answered from the store. */
void broker_pull_floor(const struct broker *b, uint64_t low[RMQ_MAX_QUEUES])
{
    for (int q = 0; q < RMQ_MAX_QUEUES; q++)
        low[q] = UINT64_MAX;
    for (int i = 0; i < b->nheld; i++)
        if (b->held[i].in_use)
            pull_low(low, &b->held[i].req);
    const struct executor *e = &b->ex[EX_PULL];
    for (uint32_t k = 0; k < e->n; k++) {   /* waiting for a thread */
        const struct exec_req *x = &e->q[(e->head + k) % e->alloc];
        if (x->code == RMQ_PULL)
            pull_low(low, &x->u.pull);
    }
    for (int t = 0; t < e->threads; t++)   /* served */
        if (e->t[t].busy && e->t[t].req.code == RMQ_PULL)
            pull_low(low, &e->t[t].req.u.pull);
}
