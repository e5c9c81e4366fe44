/* executor: one of the broker's request executors (BrokerController's BrokerFixedThreadPoolExecutor over a
 * LinkedBlockingQueue of sendThreadPoolQueueCapacity, ...): a fixed number of threads, each serving one
 * request at a time, and a bounded FIFO of the requests waiting for a thread. The queue is a ring that grows
 * by doubling up to its capacity, so no request costs an allocation once the peak is reached. */
#ifndef MODELS_BROKER_EXECUTOR_H
#define MODELS_BROKER_EXECUTOR_H

#include <stdint.h>

#include "models/remoting/protocol.h"
#include "models/remoting/rpc.h"
#include "sim/time.h"

/* A request as the remoting layer hands it to an executor (RequestTask): its reply context, code, body and
 * createTimestamp. */
struct exec_req {
    struct rpc_ctx ctx;
    sim_time arrived;
    uint16_t code;
    uint8_t woken;              /* a held pull the hold service woke: processRequest(..., brokerAllowSuspend
                                   = false) */
    union {
        struct rmq_send_req send;
        struct rmq_pull_req pull;
        struct rmq_offset_req off;
        struct rmq_lock_req lock;
    } u;
};

struct exec_thread {
    struct exec_req req;        /* what the thread serves or waits on */
    sim_time since;             /* when it took the request: its service started */
    uint8_t busy;               /* serving, or blocked in a wait (SYNC_MASTER's waitForFlush) */
    uint8_t in_lock;            /* in the service itself: a put holds the CommitLog's putMessageLock */
};

struct executor {
    int threads;
    uint32_t capacity;          /* the queue's capacity */
    struct exec_thread *t;
    struct exec_req *q;         /* ring, oldest first */
    uint32_t head, n, alloc;
    int idle;                   /* threads not busy */
    int locked;                 /* threads in_lock */
};

/* threads >= 1, capacity >= 1. 0, or -1 when out of memory. */
int exec_init(struct executor *e, int threads, uint32_t capacity);
void exec_free(struct executor *e);
/* Every thread idle and the queue empty (the process restarted). */
void exec_reset(struct executor *e);
/* Appends r to the queue: 0, or -1 when the queue is full (RejectedExecutionException) or out of memory. */
int exec_enqueue(struct executor *e, const struct exec_req *r);

/* The rest inline: each request passes through them. */

/* An idle thread's index, or -1. */
static inline int exec_idle(const struct executor *e)
{
    if (e->idle == 0)
        return -1;
    for (int i = 0; i < e->threads; i++)
        if (!e->t[i].busy)
            return i;
    return -1;
}

/* Marks thread i busy from now with the request already in its req. */
static inline void exec_take(struct executor *e, int i, sim_time now)
{
    e->t[i].since = now;
    e->t[i].busy = 1;
    e->t[i].in_lock = 1;
    e->idle--;
    e->locked++;
}

/* Thread i's service is over (it may stay busy, blocked in a wait). */
static inline void exec_unlock(struct executor *e, int i)
{
    if (e->t[i].in_lock) {
        e->t[i].in_lock = 0;
        e->locked--;
    }
}

/* Thread i is free again. */
static inline void exec_release(struct executor *e, int i)
{
    if (!e->t[i].busy)
        return;
    exec_unlock(e, i);
    e->t[i].busy = 0;
    e->idle++;
}

/* The oldest waiting request, or NULL. */
static inline struct exec_req *exec_head(struct executor *e) { return e->n ? &e->q[e->head] : NULL; }

static inline void exec_pop(struct executor *e)
{
    if (!e->n)
        return;
    e->head = (e->head + 1) % e->alloc;
    e->n--;
}

#endif
