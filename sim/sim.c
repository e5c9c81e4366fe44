/* sim: the engine's clock and event loop. In this order: the sim's creation and release, the event pool
 * and the queue (sim/heap.c, sim/nearq.h), the payload pool's slow paths, timers and hooks, the loop's
 * dispatch. Nodes and their streams are nodes.c's; a node's crash, restart and pause node_life.c's. */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/sim_int.h"

#define EV_NONE UINT32_MAX

struct sim *sim_new(uint64_t seed)
{
    struct sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->seed = seed;
    s->ev_free = EV_NONE;
    net_config_default(&s->net.cfg);
    disk_config_default(&s->disk_default);
    trace_init(&s->trace_off, TRACE_OFF, NULL);
    s->trace = &s->trace_off;
    if (net_init(&s->net) < 0) {
        free(s);
        return NULL;
    }
    s->net.syn_hook = sim_hook_register(s, net_on_syn, NULL);
    s->net.retx_hook = sim_hook_register(s, net_on_retx, NULL);
    if (s->net.syn_hook < 0 || s->net.retx_hook < 0) {
        net_free(&s->net);
        free(s);
        return NULL;
    }
    return s;
}

/* Gives the payloads of the queued messages in a[from..to) back to the pool, which frees them, and those of
 * the messages waiting behind them in their chains (the first of every chain is in the queue). */
static void release_payloads(struct sim *s, const struct heap_ent *a, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        for (uint32_t slot = heap_slot(&a[i]);; slot = heap_slot(&s->chain_after[slot])) {
            struct sim_event *e = &s->ev[slot];
            if (e->kind == EV_MSG && e->len > sizeof e->data)
                pool_put(s, (void *)(uintptr_t)e->data, e->len);
            if (!(e->flags & EVF_CHAIN_NEXT))
                break;
        }
    }
}

void sim_free(struct sim *s)
{
    if (!s)
        return;
    /* Payloads still queued go back to the pool first, so the pool frees them. */
    release_payloads(s, s->heap.a, 0, s->heap.n);
    release_payloads(s, s->near.a, s->near.head, s->near.tail);
    release_payloads(s, s->near_timers.a, s->near_timers.head, s->near_timers.tail);
    nodes_free(s);
    for (int c = 0; c < POOL_CLASSES; c++)
        while (s->pool[c]) {
            struct pool_buf *b = s->pool[c];
            s->pool[c] = b->next;
            free(b);
        }
    sim_dist_free(&s->disk_default.append_latency);
    sim_dist_free(&s->disk_default.fsync_latency);
    sim_dist_free(&s->disk_default.read_latency);
    net_free(&s->net);
    trace_free(&s->trace_off);
    heap_free(&s->heap);
    nearq_free(&s->near);
    nearq_free(&s->near_timers);
    free(s->ev);
    free(s->chain_after);
    free(s->sent);
    free(s->hooks);
    free(s);
}

/* Doubles the pool (out of the hot path). Returns 0, or -1 when it is at its limit or memory is short. */
static __attribute__((noinline)) int ev_grow(struct sim *s)
{
    if (s->ev_cap > HEAP_SLOT_MAX)
        return -1;
    uint32_t cap = s->ev_cap ? s->ev_cap * 2 : 1024;
    if (cap > HEAP_SLOT_MAX + 1)
        cap = HEAP_SLOT_MAX + 1;
    /* The arrays by slot first: they keep their contents (realloc), so a failure below leaves all usable. */
    struct heap_ent *ca = realloc(s->chain_after, (size_t)cap * sizeof *ca);
    if (!ca)
        return -1;
    s->chain_after = ca;
    sim_time *sent = realloc(s->sent, (size_t)cap * sizeof *sent);
    if (!sent)
        return -1;
    s->sent = sent;
    /* Aligned so that no record straddles two cache lines. */
    struct sim_event *ev = aligned_alloc(64, (size_t)cap * sizeof *ev);
    if (!ev)
        return -1;
    if (s->ev_cap)
        memcpy(ev, s->ev, (size_t)s->ev_cap * sizeof *ev);
    free(s->ev);
    memset(ev + s->ev_cap, 0, (size_t)(cap - s->ev_cap) * sizeof *ev);
    /* Thread the new slots onto the free list, lowest index first. */
    for (uint32_t i = cap; i-- > s->ev_cap;) {
        ev[i].data = s->ev_free;
        s->ev_free = i;
    }
    s->ev = ev;
    s->ev_cap = cap;
    return 0;
}

static uint32_t ev_alloc(struct sim *s)
{
    if (s->ev_free == EV_NONE && ev_grow(s) < 0)
        return EV_NONE;
    uint32_t i = s->ev_free;
    s->ev_free = (uint32_t)s->ev[i].data;
    s->live++;
    return i;
}

static void ev_release(struct sim *s, uint32_t i)
{
    struct sim_event *e = &s->ev[i];
    e->kind = EV_FREE;
    e->data = s->ev_free;
    s->ev_free = i;
    s->live--;
}

uint32_t sim_event_slot(const struct sim *s, const struct sim_event *e) { return (uint32_t)(e - s->ev); }

/* Above this many pending events the loop pops each event before its dispatch and loads what the next ones
 * read ahead of their turn (take_popped); below, the queue stays in cache and the event stays at the top
 * until its handler's first schedule replaces it (take_top). */
#define PREFETCH_PENDING 1024

enum { TOP_HEAP = 1, TOP_NEAR, TOP_NEAR_TIMERS };

/* The event being dispatched stays at the top of its queue (top_taken says which) until the first event
 * its handler schedules takes its place (in the heap form one sift-down, where a pop and a push would sift
 * twice), or until the dispatch ends. */
static inline __attribute__((always_inline)) void top_release(struct sim *s)
{
    if (s->top_taken == TOP_HEAP) {
        struct heap_ent h;
        heap_pop(&s->heap, &h);
        s->top_taken = 0;
    } else if (__builtin_expect(s->top_taken, 0)) {
        nearq_pop(s->top_taken == TOP_NEAR ? &s->near : &s->near_timers);
        s->top_taken = 0;
    }
}

/* An event other than a timer due within NEAR_WINDOW goes to the near queue instead of the heap, up to
 * NEAR_MAX of them and not in a large queue: there a new message passes only the few in flight that arrive
 * after it, where in the heap it would pass or sift among the timers. While the queue is in its heap form
 * (more than HEAP_SORTED_MAX events: bench_dledger at 7 replicas, bench_production), a timer due within
 * NEAR_TIMER_WINDOW goes to a near queue of its own (near_timers, NEAR_MAX as well): the frequent timers a
 * few tens of microseconds ahead (a producer's next send, an executor's completion) then pass only each
 * other, not the messages in flight, and the messages pass no timers (bench_production, 5 s simulated:
 * 1.797 billion instructions against 1.816 with the timers in the near queue, CPU 0.966 of it). A timer
 * due later waits long, passed by every insert from the tail, and costs the heap little (with one near
 * queue: 1.816 billion against 1.831 with timers within 1 ms, the same from 64 us to 512 us, 1.832 at
 * 16 us and 1.912 at 8 us; with two, 1.797 at 64 us and 128 us, 1.807 at 1 ms). In the sorted form the
 * timers stay in the heap's array: near_timers there measured slower (bench_master_slave 1.026 of the
 * CPU, 5 alternated pairs), while the near queue for the rest gains (0.982; bench_dledger 0.990). Which
 * queue holds an event does not change the order: the next event is the earliest of the three tops, and
 * keys are unique. */
#define NEAR_WINDOW (1 * SIM_MS)
#define NEAR_TIMER_WINDOW (128 * SIM_US)
#define NEAR_MAX 128

/* After an insert, or a message put in a chain (sim_schedule_chained). The pending events are the slots in use
 * (`live`): what the queues hold and the chains' messages, less the top taken, whose slot dispatch released. */
static inline void note_peak(struct sim *s)
{
    if (s->live > s->stats.peak_pending)
        s->stats.peak_pending = s->live;
}

static __attribute__((noinline)) int near_push(struct sim *s, struct heap_ent h, struct nearq *q)
{
    top_release(s);   /* the taken top, from any queue, then the insert into q */
    if (nearq_push(q, h) < 0)
        return -1;
    note_peak(s);
    return 0;
}

/* Inserts the event in slot, due at t, numbering it; timer says whether it is a timer (the callers pass a
 * constant or the kind's test). */
static inline __attribute__((always_inline)) int queue_push(struct sim *s, sim_time t, uint32_t slot,
                                                            int timer)
{
    struct heap_ent h = {t, (s->seq++ << HEAP_SLOT_BITS) | slot};
    struct nearq *q = timer ? &s->near_timers : &s->near;
    if ((!timer || s->heap.heaped) && s->heap.n <= PREFETCH_PENDING &&
        t - s->now < (timer ? NEAR_TIMER_WINDOW : NEAR_WINDOW) && nearq_n(q) < NEAR_MAX)
        return near_push(s, h, q);
    if (s->top_taken == TOP_HEAP) {
        heap_replace_top(&s->heap, h);
        s->top_taken = 0;
        note_peak(s);   /* a message put in a chain since the top was taken counts now */
        return 0;
    }
    top_release(s);   /* a near queue's taken top, if any */
    if (heap_push(&s->heap, h) < 0)
        return -1;
    note_peak(s);
    return 0;
}

/* An event's time: never before now (the past runs now), never past the clock's end. */
static inline __attribute__((always_inline)) sim_time clamp_time(const struct sim *s, sim_time t)
{
    return t < s->now ? s->now : t > SIM_TIME_MAX ? SIM_TIME_MAX : t;
}

/* The record of a newly scheduled event in slot i, of node's current incarnation. */
static inline __attribute__((always_inline)) struct sim_event *ev_init(struct sim *s, uint32_t i,
                                                                       enum ev_kind kind, uint8_t flags,
                                                                       sim_node_id node)
{
    struct sim_event *e = &s->ev[i];
    e->kind = (uint8_t)kind;
    e->flags = flags;
    e->node = node;
    e->inc = node == SIM_NODE_NONE ? 0 : s->hot[node].inc;
    e->len = 0;
    e->conn = 0;
    return e;
}

struct sim_event *sim_schedule(struct sim *s, sim_time t, enum ev_kind kind, sim_node_id node)
{
    uint32_t i = ev_alloc(s);
    if (i == EV_NONE)
        return NULL;
    t = clamp_time(s, t);
    if (queue_push(s, t, i, kind == EV_TIMER) < 0) {
        ev_release(s, i);
        return NULL;
    }
    return ev_init(s, i, kind, 0, node);
}

/* Queues a chain's next message, whose key was given when it was sent: as queue_push, but the inserts compare
 * whole keys (entries due at its time may have been queued after it was sent, with higher numbers). Called
 * as the message before it is taken, so the count of pending events (note_peak) does not change. Returns
 * 0, or -1 when memory could not be had. */
static inline __attribute__((always_inline)) int queue_push_sent(struct sim *s, struct heap_ent h)
{
    if (s->heap.n <= PREFETCH_PENDING && h.t - s->now < NEAR_WINDOW && nearq_n(&s->near) < NEAR_MAX) {
        top_release(s);
        return nearq_push_as(&s->near, h, 1);
    }
    if (s->top_taken == TOP_HEAP) {
        heap_replace_top_as(&s->heap, h, 1);
        s->top_taken = 0;
        return 0;
    }
    top_release(s);
    return heap_push_as(&s->heap, h, 1);
}

struct sim_event *sim_schedule_chained(struct sim *s, sim_time t, sim_node_id node, sim_conn conn,
                                       sim_node_id from, uint32_t *last)
{
    /* *last is the chain's last while its slot holds a message of this connection and direction still in
     * flight (EVF_CHAINED): once taken, the slot is freed or the message queued again (a paused node's),
     * and a message of this direction in the slot since would be the chain's last itself. */
    uint32_t l = *last;
    if (l == EV_NONE || !(s->ev[l].flags & EVF_CHAINED) || s->ev[l].kind != EV_MSG || s->ev[l].conn != conn ||
        s->ev[l].from != from) {
        struct sim_event *e = sim_schedule(s, t, EV_MSG, node);
        if (!e)
            return NULL;
        e->flags = EVF_CHAINED;
        *last = sim_event_slot(s, e);
        return e;
    }
    uint32_t i = ev_alloc(s);
    if (i == EV_NONE)
        return NULL;
    t = clamp_time(s, t);
    /* The key queue_push would give it. */
    s->chain_after[l] = (struct heap_ent){t, (s->seq++ << HEAP_SLOT_BITS) | i};
    s->ev[l].flags |= EVF_CHAIN_NEXT;
    *last = i;
    note_peak(s);
    return ev_init(s, i, EV_MSG, EVF_CHAINED, node);
}

/* A message with one waiting behind it (EVF_CHAIN_NEXT) is taken: that one goes into the queue. The flag
 * goes, so that a message queued again (a paused node's, dispatch) does not queue it twice. */
static __attribute__((noinline)) void chain_take(struct sim *s, uint32_t slot, struct sim_event *e)
{
    e->flags &= (uint8_t)~EVF_CHAIN_NEXT;
    struct heap_ent h = s->chain_after[slot];
    /* Out of memory for the queue: the message is lost and its payload released, and the next one is
     * tried (cannot happen short of it). */
    while (queue_push_sent(s, h) < 0) {
        uint32_t next = heap_slot(&h);
        struct sim_event *n = &s->ev[next];
        if (n->len > sizeof n->data)
            pool_put(s, (void *)(uintptr_t)n->data, n->len);
        int more = n->flags & EVF_CHAIN_NEXT;
        ev_release(s, next);
        if (!more)
            return;
        h = s->chain_after[next];
    }
}

static int is_cancelled(void *ctx, const struct heap_ent *h)
{
    struct sim *s = ctx;
    uint32_t slot = heap_slot(h);
    if (!(s->ev[slot].flags & EVF_CANCELLED))
        return 0;
    ev_release(s, slot);
    return 1;
}

/* Tombstones stay in the queues until their time. When they outnumber live events, filter them out in one
 * pass so a model that cancels many long timers cannot grow the queue without bound. */
static void compact(struct sim *s)
{
    top_release(s);
    nearq_filter(&s->near, is_cancelled, s);
    nearq_filter(&s->near_timers, is_cancelled, s);
    heap_filter(&s->heap, is_cancelled, s);
    s->tombstones = 0;
}

/* The payload pool's slow paths (sim_int.h: pool_get, pool_put). */
void *pool_get_slow(uint32_t len)
{
    int c = pool_class(len);
    return malloc(c >= POOL_CLASSES ? len : (size_t)16 << c);
}

void pool_put_slow(void *p) { free(p); }

sim_timer node_timer(struct sim_node *n, sim_time delay, uint64_t tag)
{
    struct sim *s = n->sim;
    if (n->state != SIM_NODE_UP)
        return 0;
    if (delay < 0)
        delay = 0;
    struct sim_event *e = sim_schedule(s, s->now + (delay > SIM_TIME_MAX ? SIM_TIME_MAX : delay), EV_TIMER,
                                       n->id);
    if (!e)
        return 0;
    e->data = tag;
    /* gen 0 is skipped, which keeps handle 0 free for "no timer". */
    if (++s->timer_gen == 0)
        s->timer_gen = 1;
    e->gen = s->timer_gen;
    return ((uint64_t)e->gen << 32) | sim_event_slot(s, e);
}

void node_timer_cancel(struct sim_node *n, sim_timer t)
{
    struct sim *s = n->sim;
    uint32_t slot = (uint32_t)t, gen = (uint32_t)(t >> 32);
    if (t == 0 || slot >= s->ev_cap)
        return;
    struct sim_event *e = &s->ev[slot];
    if (e->kind != EV_TIMER || e->gen != gen || (e->flags & EVF_CANCELLED) || e->node != n->id)
        return;
    e->flags |= EVF_CANCELLED;
    if (++s->tombstones > 1024 && s->tombstones > sim_pending(s) / 2)
        compact(s);
}

int sim_hook_register(struct sim *s, sim_hook_fn fn, void *ctx)
{
    struct hook *h = realloc(s->hooks, (size_t)(s->nhooks + 1) * sizeof *h);
    if (!h)
        return -1;
    s->hooks = h;
    h[s->nhooks].fn = fn;
    h[s->nhooks].ctx = ctx;
    return s->nhooks++;
}

int sim_hook_at(struct sim *s, sim_time t, int hook, uint64_t arg)
{
    if (hook < 0 || hook >= s->nhooks)
        return -1;
    struct sim_event *e = sim_schedule(s, t, EV_HOOK, SIM_NODE_NONE);
    if (!e)
        return -1;
    e->from = (uint32_t)hook;
    e->data = arg;
    return 0;
}

void sim_set_after_event(struct sim *s, sim_hook_fn fn, void *ctx)
{
    s->after_event = fn;
    s->after_ctx = ctx;
}

/* Runs one event. The slot is released before any model code runs: a handler may schedule events, which
 * can grow (move) the event array, so the handler works on a copy. */
static void dispatch(struct sim *s, uint32_t slot, struct sim_event *e)
{
    if (e->kind != EV_HOOK) {
        const struct node_hot *h = &s->hot[e->node];
        if ((h->flags & HOT_PAUSED) && e->inc == h->inc && (h->flags & HOT_UP)) {
            const struct sim_node *pn = &s->nodes[e->node]->pub;
            if (pn->paused_until > s->now) {
                /* Frozen: run it when the pause ends, after what was already waiting (sequence order). Out
                 * of its chain: later messages may now arrive first (sim_schedule_chained). */
                e->flags &= (uint8_t)~EVF_CHAINED;
                queue_push(s, pn->paused_until, slot, 0);
                return;
            }
        }
    }
    struct sim_event ev = *e;
    ev_release(s, slot);
    if (ev.kind == EV_HOOK) {
        s->stats.events++;
        s->hooks[ev.from].fn(s, s->hooks[ev.from].ctx, ev.data);
        return;
    }
    const struct node_hot *h = &s->hot[ev.node];
    if (ev.inc != h->inc || !(h->flags & HOT_UP)) {
        /* For the dead or for an earlier life of this node. */
        if (ev.kind == EV_MSG) {
            s->stats.msgs_dropped_down++;
            net_deliver(s, &ev, NULL);   /* releases the payload, may answer a reset */
        }
        return;
    }
    struct sim_node *n = &s->nodes[ev.node]->pub;
    s->stats.events++;
    switch ((enum ev_kind)ev.kind) {
    case EV_START:
        if (n->ops->start)
            n->ops->start(n);
        break;
    case EV_TIMER:
        n->ops->on_timer(n, ev.data);
        break;
    case EV_MSG:
        net_deliver(s, &ev, n);
        break;
    case EV_CONN:
        net_conn_event(s, &ev, n);
        break;
    case EV_DISK: {
        struct node_disk *d = &((struct node_int *)n)->disk;
        enum sim_disk_op op = (enum sim_disk_op)ev.type;
        if (op == SIM_DISK_FSYNC && d->ring_n) {
            struct fsync_pending *f = &d->ring[d->ring_head];
            /* A truncation while this fsync was in flight may have cut below its target. */
            uint64_t t = f->target < d->written[f->file] ? f->target : d->written[f->file];
            if (t > d->durable[f->file])
                d->durable[f->file] = t;
            d->ring_head = (d->ring_head + 1) % d->ring_cap;
            d->ring_n--;
        }
        if (n->ops->on_disk_done)
            n->ops->on_disk_done(n, (int)ev.from, op, ev.data);
        break;
    }
    default:
        break;
    }
}

/* Takes the next event of a small queue (a model's hundred events): the top is taken, not popped, so that
 * the first event its handler schedules replaces it (queue_push): in the heap form one sift-down, where a
 * pop and a push would sift twice; in the sorted form (up to HEAP_SORTED_MAX events) an insert. Returns 1
 * with its time and slot, 0 when the top was a cancelled one (dropped), -1 when it lies past until. */
static inline int take_top(struct sim *s, sim_time until, struct heap_ent *h)
{
    int q = TOP_HEAP;
    const struct heap_ent *best = s->heap.n ? heap_top(&s->heap) : NULL;
    if (__builtin_expect(nearq_n(&s->near) != 0, 0) && (!best || heap_less(nearq_top(&s->near), best))) {
        q = TOP_NEAR;
        best = nearq_top(&s->near);
    }
    if (__builtin_expect(nearq_n(&s->near_timers) != 0, 0) && (!best || heap_less(nearq_top(&s->near_timers), best))) {
        q = TOP_NEAR_TIMERS;
        best = nearq_top(&s->near_timers);
    }
    *h = *best;
    if (h->t > until)
        return -1;
    s->top_taken = q;
    uint32_t slot = heap_slot(h);
    if (s->ev[slot].flags & EVF_CANCELLED) {
        top_release(s);
        s->tombstones--;
        ev_release(s, slot);
        return 0;
    }
    return 1;
}

/* Takes the next event of a large queue (PHOLD's thousands, a million), whose records and nodes are cache
 * misses: the event is popped first, so that the next one is known a whole event ahead. Its record came in
 * while it was a child of the top (below), so its node's record is asked for now, to arrive while this
 * event runs; the new top's four children hold the events after it (unless this one schedules earlier
 * ones): their records are asked for a few events ahead of their turn; and what this event's handler reads
 * first, its node's model state, stream and the stream of its sends, is asked for from the node record that
 * came in during the last event. Returns as take_top does. The order was measured at 1M pending (PHOLD,
 * alternated runs): the event kept at the top with the next node asked for after the dispatch was about
 * 1.2 times slower, and a variant that read the top before popping it and asked for this event's node lines
 * before the cancelled check about 1.6 times slower, for a reason not found; keep this order unless a
 * measurement says otherwise. */
static inline int take_popped(struct sim *s, sim_time until, struct heap_ent *h)
{
    if ((nearq_n(&s->near) && heap_less(nearq_top(&s->near), heap_top(&s->heap))) ||
        (nearq_n(&s->near_timers) && heap_less(nearq_top(&s->near_timers), heap_top(&s->heap))))
        return take_top(s, until, h);   /* a near queue's turn (what it held when the queue grew) */
    if (heap_top(&s->heap)->t > until)
        return -1;
    heap_pop_ahead(&s->heap, h);
    const struct heap_ent *a = s->heap.a;   /* the heap form (over HEAP_SORTED_MAX entries): a[0] is the top */
    const struct sim_event *next = &s->ev[heap_slot(&a[0])];
    if (next->kind != EV_HOOK) {
        const char *ni = (const char *)s->nodes[next->node];
        __builtin_prefetch(ni);
        __builtin_prefetch(ni + 64);
    }
    __builtin_prefetch(&s->ev[heap_slot(&a[1])]);
    __builtin_prefetch(&s->ev[heap_slot(&a[2])]);
    __builtin_prefetch(&s->ev[heap_slot(&a[3])]);
    __builtin_prefetch(&s->ev[heap_slot(&a[4])]);
    uint32_t slot = heap_slot(h);
    const struct sim_event *e = &s->ev[slot];
    if (e->flags & EVF_CANCELLED) {
        s->tombstones--;
        ev_release(s, slot);
        return 0;
    }
    if (e->kind != EV_HOOK) {
        const struct node_int *ni = s->nodes[e->node];
        __builtin_prefetch(ni->pub.model);
        __builtin_prefetch(ni->net_rng);
        __builtin_prefetch(ni->model_rng);
    }
    return 1;
}

uint64_t sim_run(struct sim *s, sim_time until)
{
    uint64_t before = s->stats.events;
    s->stop = 0;
    while (!s->stop && (s->heap.n > 0 || nearq_n(&s->near) || nearq_n(&s->near_timers))) {
        struct heap_ent h;
        int taken = s->heap.n > PREFETCH_PENDING ? take_popped(s, until, &h) : take_top(s, until, &h);
        if (taken < 0)
            break;
        if (!taken)
            continue;
        uint32_t slot = heap_slot(&h);
        s->now = h.t;
        s->cur_seq = h.key >> HEAP_SLOT_BITS;
        struct sim_event *e = &s->ev[slot];
        if (e->flags & EVF_CHAIN_NEXT)
            chain_take(s, slot, e);
        dispatch(s, slot, e);
        top_release(s);   /* the small queue's top, unless a schedule replaced it */
        s->stats.dispatched++;
        if (s->after_event)
            s->after_event(s, s->after_ctx, 0);
    }
    if (!s->stop && s->now < until && until < SIM_TIME_MAX)
        s->now = until;
    return s->stats.events - before;
}

void sim_stop(struct sim *s) { s->stop = 1; }
int sim_stopped(const struct sim *s) { return s->stop; }
_Static_assert(offsetof(struct sim, now) == 0, "sim_now (sim.h) reads the clock as struct sim's first member");
uint64_t sim_events(const struct sim *s) { return s->stats.events; }
uint64_t sim_order_mark(const struct sim *s) { return s->seq; }
/* The timer would have taken sequence number `mark`; the running event's is below it when it was scheduled
 * before. */
int sim_order_passed(const struct sim *s, uint64_t mark) { return mark <= s->cur_seq; }
size_t sim_pending(const struct sim *s)
{
    return s->live;
}
uint64_t sim_seed(const struct sim *s) { return s->seed; }
const struct sim_stats *sim_stats(const struct sim *s) { return &s->stats; }
struct trace *sim_trace(struct sim *s) { return s->trace; }
void sim_set_trace(struct sim *s, struct trace *tr) { s->trace = tr ? tr : &s->trace_off; }
