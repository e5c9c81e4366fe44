/* broker_exec: how requests reach the processors (R44 NettyRemotingAbstract.processRequestCommand and
 * BrokerController.registerProcessor): each request code goes to its executor, waits in its queue for a
 * thread, takes a CPU service time on it, then runs its processor. A full queue refuses the request
 * (RejectedExecutionException -> SYSTEM_BUSY "[OVERLOAD]system busy"), and BrokerFastFailure answers
 * requests that waited too long (SYSTEM_BUSY "[TIMEOUT_CLEAN_QUEUE]broker busy") or every queued send while
 * the page cache is busy ("[PCBUSY_CLEAN_QUEUE]broker busy"). A send arriving while it is busy never reaches
 * the queue: SendMessageProcessor.rejectRequest refuses it first (broker.c).
 *
 * A send thread stays busy after its service while its put waits for the flush or the slave, unless the
 * broker sends asynchronously (4.7+): R44 CommitLog.handleHA and handleDiskFlush call
 * request.waitForFlush on the calling thread. A pull thread stays busy while it reads its answer's cold
 * bytes from the disk (broker_processor.c: cold_read). */
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker_int.h"

#define FF_INITIAL (1000 * SIM_MS)   /* BrokerFastFailure.start: scheduleAtFixedRate(..., 1000, 10, ms) */
#define FF_PERIOD (10 * SIM_MS)

static const char *const kind_name[EX_N] = {"send", "pull", "consumer_manage", "admin"};

static enum exec_kind kind_of(uint16_t code)
{
    switch (code) {
    case RMQ_SEND: return EX_SEND;
    case RMQ_PULL: return EX_PULL;
    case RMQ_QUERY_OFFSET:
    case RMQ_COMMIT_OFFSET:
    case RMQ_GET_CONSUMER_LIST: return EX_CONSUMER_MANAGE;
    default: return EX_ADMIN;
    }
}

int bx_init(struct broker *b)
{
    const struct broker_cfg *c = &b->cfg;
    int threads[EX_N] = {c->send_threads, c->pull_threads, c->consumer_manage_threads, c->admin_threads};
    int cap[EX_N] = {c->send_queue_capacity, c->pull_queue_capacity, c->consumer_manage_queue_capacity,
                     c->admin_queue_capacity};
    const struct sim_dist *cost[EX_N] = {&c->send_cost, &c->pull_cost, &c->consumer_manage_cost, &c->admin_cost};
    for (int k = 0; k < EX_N; k++) {
        if (exec_init(&b->ex[k], threads[k] > 0 ? threads[k] : 1, cap[k] > 0 ? (uint32_t)cap[k] : 1) < 0)
            return -1;
        if (cost[k]->kind == SIM_DIST_CONST) {
            sim_time t = sim_dist_time(cost[k], NULL);
            b->const_cost[k] = t > 0 ? t : 0;
        }
    }
    b->cur_thread = -1;
    b->cold_reads = calloc((size_t)b->ex[EX_PULL].threads, sizeof *b->cold_reads);
    return b->cold_reads ? 0 : -1;
}

void bx_free(struct broker *b)
{
    for (int k = 0; k < EX_N; k++)
        exec_free(&b->ex[k]);
    free(b->cold_reads);
    b->cold_reads = NULL;
}

void bx_reset(struct broker *b)
{
    for (int k = 0; k < EX_N; k++)
        exec_reset(&b->ex[k]);
    /* A read of the earlier life never completes (the engine drops its event): its answer is never sent. */
    for (int t = 0; t < b->ex[EX_PULL].threads; t++)
        b->cold_reads[t].pending = 0;
    b->ff_armed = 0;
    b->cur_thread = -1;
    b->started = node_now(b->n);
    if (!b->cpu_rng)
        b->cpu_rng = node_rng(b->n, "cpu");
}

static sim_time service(struct broker *b, enum exec_kind k)
{
    const struct sim_dist *d = k == EX_SEND ? &b->cfg.send_cost : k == EX_PULL ? &b->cfg.pull_cost
                             : k == EX_CONSUMER_MANAGE ? &b->cfg.consumer_manage_cost : &b->cfg.admin_cost;
    if (d->kind == SIM_DIST_CONST && d->a == 0)
        return 0;
    if (!b->cpu_rng)
        return 0;
    /* A constant (the default, 10 us) draws nothing: its time, computed once, spares every request the
     * general sampler's call. */
    if (d->kind == SIM_DIST_CONST)
        return b->const_cost[k];
    sim_time t = sim_dist_time(d, b->cpu_rng);
    return t > 0 ? t : 0;
}

static void busy_trace(struct broker *b, enum exec_kind k, const struct exec_req *r, const char *why)
{
    struct trace *tr = sim_trace(b->n->sim);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, node_now(b->n), b->n->name, "broker.busy");
    trace_str(tr, "executor", kind_name[k]);
    trace_str(tr, "why", why);
    trace_time_ms(tr, "waited_ms", node_now(b->n) - r->arrived);
    trace_uint(tr, "queued", b->ex[k].n);
    trace_end(tr);
}

/* The thread's service is over: the processor runs. Inlined into its two callers (the service's end, and a
 * request's arrival when its service costs nothing): every request passes here. */
static inline __attribute__((always_inline)) void run(struct broker *b, enum exec_kind k, int t)
{
    struct exec_thread *th = &b->ex[k].t[t];
    exec_unlock(&b->ex[k], t);
    b->cur_thread = k == EX_SEND || k == EX_PULL ? t : -1;
    b->cur_held = 0;
    struct exec_req r = th->req;
    broker_serve(b, &r);
    int held = b->cur_held;
    b->cur_thread = -1;
    b->cur_held = 0;
    if (!held)
        bx_put_answered(b, (int)k << 16 | t);
}

/* Thread t of executor k takes the request in its req; its service ends in a later event (or now, inline,
 * when it costs nothing and the caller is the request's arrival). */
static void start(struct broker *b, enum exec_kind k, int t, int inline_ok)
{
    exec_take(&b->ex[k], t, node_now(b->n));
    sim_time s = service(b, k);
    if (s == 0 && inline_ok)
        run(b, k, t);
    else
        node_timer(b->n, s, BT(BT_EXEC, (uint64_t)k | (uint64_t)t << 4));
}

static void arm_fast_failure(struct broker *b)
{
    if (b->ff_armed || !b->cfg.fast_failure)
        return;
    sim_time now = node_now(b->n), base = b->started + FF_INITIAL;
    sim_time at = now < base ? base : base + ((now - base) / FF_PERIOD + 1) * FF_PERIOD;
    b->ff_armed = 1;
    node_timer(b->n, at - now, BT(BT_FAST_FAILURE, 0));
}

/* Where a request for executor k goes: an idle thread's req when one is free and none waits (*t its index),
 * else `spare` (*t -1), for the queue. */
static struct exec_req *slot_for(struct broker *b, enum exec_kind k, struct exec_req *spare, int *t)
{
    struct executor *e = &b->ex[k];
    *t = e->n == 0 ? exec_idle(e) : -1;
    return *t >= 0 ? &e->t[*t].req : spare;
}

/* r, in slot_for's place: to thread t at once, else to the queue; 0, or -1 when the queue is full. */
static int submit(struct broker *b, enum exec_kind k, int t, const struct exec_req *r)
{
    if (t >= 0) {
        start(b, k, t, 1);
        return 0;
    }
    if (exec_enqueue(&b->ex[k], r) < 0)
        return -1;
    arm_fast_failure(b);
    return 0;
}

/* A request task created now (BrokerFastFailure times its wait from here). */
static void new_req(struct broker *b, struct exec_req *r, struct rpc_ctx ctx, uint16_t code)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->code = code;
    r->arrived = node_now(b->n);
}

void bx_submit(struct broker *b, struct rpc_ctx ctx, uint16_t code, const void *body, uint32_t len)
{
    enum exec_kind k = kind_of(code);
    struct exec_req spare;
    int t;
    struct exec_req *r = slot_for(b, k, &spare, &t);
    new_req(b, r, ctx, code);
    /* The body's bytes, up to the union's size (fixed-size copies for a send's and a pull's). */
    if (len >= sizeof r->u)
        memcpy(&r->u, body, sizeof r->u);
    else if (len == sizeof r->u.send)
        memcpy(&r->u, body, sizeof r->u.send);
    else
        memcpy(&r->u, body, len);
    if (submit(b, k, t, r) < 0) {
        busy_trace(b, k, r, "OVERLOAD");
        rpc_reply(b->n, ctx, RMQ_SYSTEM_BUSY, NULL, 0, 0);
    }
}

/* PullMessageProcessor.executeRequestWhenWakeup: a woken held pull is a new RequestTask on the pull
 * executor. A full queue throws, and PullRequestHoldService logs it: the request is dropped unanswered and
 * the client's pull times out. */
void bx_submit_woken(struct broker *b, struct rpc_ctx ctx, const struct rmq_pull_req *req)
{
    struct exec_req spare;
    int t;
    struct exec_req *r = slot_for(b, EX_PULL, &spare, &t);
    new_req(b, r, ctx, RMQ_PULL);
    r->woken = 1;
    r->u.pull = *req;
    if (submit(b, EX_PULL, t, r) < 0)
        busy_trace(b, EX_PULL, r, "OVERLOAD");
}

/* Thread (k << 16 | t) is free: it takes the oldest queued request of its executor. */
void bx_put_answered(struct broker *b, int thread)
{
    enum exec_kind k = (enum exec_kind)(thread >> 16);
    int t = thread & 0xffff;
    exec_release(&b->ex[k], t);
    struct exec_req *next = exec_head(&b->ex[k]);
    if (next) {
        b->ex[k].t[t].req = *next;
        exec_pop(&b->ex[k]);
        start(b, k, t, 0);
    }
}

int bx_page_cache_busy(const struct broker *b)
{
    const struct executor *e = &b->ex[EX_SEND];
    if (!e->locked)
        return 0;   /* no put in its service */
    sim_time now = node_now(b->n);
    for (int i = 0; i < e->threads; i++)
        if (e->t[i].in_lock && now - e->t[i].since > b->cfg.page_cache_busy_timeout)
            return 1;
    return 0;
}

/* Answers the expired head of executor k's queue (cleanExpiredRequestInQueue). */
static void clean_queue(struct broker *b, enum exec_kind k, sim_time max_wait)
{
    struct executor *e = &b->ex[k];
    sim_time now = node_now(b->n);
    struct exec_req *h;
    while ((h = exec_head(e)) && now - h->arrived >= max_wait) {
        struct exec_req r = *h;
        exec_pop(e);
        busy_trace(b, k, &r, "TIMEOUT_CLEAN_QUEUE");
        rpc_reply(b->n, r.ctx, RMQ_SYSTEM_BUSY, NULL, 0, 0);
    }
}

/* BrokerFastFailure.cleanExpiredRequest (R44), every 10 ms while something waits. */
static void fast_failure(struct broker *b)
{
    b->ff_armed = 0;
    struct executor *send = &b->ex[EX_SEND];
    struct exec_req *h;
    while (bx_page_cache_busy(b) && (h = exec_head(send))) {
        struct exec_req r = *h;
        exec_pop(send);
        busy_trace(b, EX_SEND, &r, "PCBUSY_CLEAN_QUEUE");
        rpc_reply(b->n, r.ctx, RMQ_SYSTEM_BUSY, NULL, 0, 0);
    }
    clean_queue(b, EX_SEND, b->cfg.wait_in_send_queue);
    clean_queue(b, EX_PULL, b->cfg.wait_in_pull_queue);
    if (send->n || b->ex[EX_PULL].n)
        arm_fast_failure(b);
}

void bx_on_timer(struct broker *b, enum broker_timer kind, uint64_t arg)
{
    if (kind == BT_FAST_FAILURE) {
        fast_failure(b);
        return;
    }
    enum exec_kind k = (enum exec_kind)(arg & 0xf);
    int t = (int)(arg >> 4);
    if (k < EX_N && t < b->ex[k].threads && b->ex[k].t[t].busy)
        run(b, k, t);
}
