/* nearq: the events due soon (messages in flight, a handler's immediate events) while the event queue is
 * large, an array sorted earliest first between head and tail, with room at both ends. The next event is
 * at head, so taking it is an increment; a new event goes in from the nearer end. The queue's heap keeps
 * the rest, mostly periodic services and timeouts (sim.c: queue_push). */
#ifndef SIM_NEARQ_H
#define SIM_NEARQ_H

#include <stdint.h>

#include "sim/heap.h"

struct nearq {
    struct heap_ent *a;
    uint32_t head, tail, cap;   /* the entries are a[head..tail) */
};

static inline uint32_t nearq_n(const struct nearq *q) { return q->tail - q->head; }

/* The earliest entry. The queue must not be empty. */
static inline const struct heap_ent *nearq_top(const struct nearq *q) { return &q->a[q->head]; }

/* Makes room for one entry at both ends: centres the entries in the array, growing it when they fill half.
 * Returns 0, or -1 when memory could not be had. */
int nearq_room(struct nearq *q);

/* Inserts e from the nearer end: an event that ranks before the middle entry walks forward from the head
 * over those that rank before it (a handler's immediate events pass none), a later one back from the tail
 * over those that rank after it (a message passes the few in flight that arrive after it). Ranks as
 * heap_ranks_before says (heap.h): with exact 0, e's sequence number must be above every entry's (queue_push
 * numbers each insert), so the walks compare times alone: an entry due at e's time ranks before it.
 * Returns 0, or -1 when memory could not be had. */
static inline __attribute__((always_inline)) int nearq_push_as(struct nearq *q, struct heap_ent e, int exact)
{
    if ((q->head == 0 || q->tail == q->cap) && nearq_room(q) < 0)
        return -1;
    if (q->head < q->tail && !heap_ranks_before(&q->a[(q->head + q->tail) / 2], &e, exact)) {
        uint32_t i = q->head;
        while (heap_ranks_before(&q->a[i], &e, exact)) {   /* stops at the middle entry at the latest */
            q->a[i - 1] = q->a[i];
            i++;
        }
        q->a[i - 1] = e;
        q->head--;
        return 0;
    }
    uint32_t i = q->tail;
    while (i > q->head && !heap_ranks_before(&q->a[i - 1], &e, exact)) {
        q->a[i] = q->a[i - 1];
        i--;
    }
    q->a[i] = e;
    q->tail++;
    return 0;
}

/* The insert of a freshly numbered e. */
static inline int nearq_push(struct nearq *q, struct heap_ent e) { return nearq_push_as(q, e, 0); }

/* Removes the earliest entry. The queue must not be empty. */
static inline void nearq_pop(struct nearq *q) { q->head++; }

/* Drops the entries drop() says, keeping the others' order. */
void nearq_filter(struct nearq *q, int (*drop)(void *ctx, const struct heap_ent *e), void *ctx);

void nearq_free(struct nearq *q);

#endif
