/* heap: the event queue's order, a priority queue of (time, sequence, slot) keys. Small, it is an array
 * sorted latest first (the minimum at the end: a pop is a decrement, an insert moves only the entries
 * due before it, which for a model's queue of tens of events, most of them timers far ahead, are few);
 * large, a 4-ary min-heap. Both give the same order: keys are unique. */
#ifndef SIM_HEAP_H
#define SIM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "sim/time.h"

/* The slot (an index into the event pool) sits in the low 24 bits of key, the insertion sequence above it.
 * Sequences are unique, so comparing keys compares sequences and ties at one instant run in the order they
 * were scheduled. 16 bytes an entry keeps four children within 64 bytes (one cache line when the array's
 * alignment puts a[1] at a line's start, two otherwise). */
#define HEAP_SLOT_BITS 24
#define HEAP_SLOT_MAX  ((1u << HEAP_SLOT_BITS) - 1)

struct heap_ent {
    sim_time t;     /* >= 0 */
    uint64_t key;   /* seq << HEAP_SLOT_BITS | slot */
};

struct heap {
    struct heap_ent *a;
    size_t n, cap;
    size_t top;   /* where the minimum is: 0 in a heap, n - 1 in the sorted form */
    int heaped;   /* a is a 4-ary heap (minimum at a[0]), else sorted latest first (minimum at a[n-1]) */
};

/* The form changes with the size: to a heap when an insert would pass HEAP_SORTED_MAX entries, back to
 * the sorted array when a removal leaves fewer than HEAP_SORTED_MIN (apart, so a size that hovers does
 * not convert on every event). */
#define HEAP_SORTED_MAX 96
#define HEAP_SORTED_MIN (HEAP_SORTED_MAX / 2)

static inline int heap_less(const struct heap_ent *x, const struct heap_ent *y)
{
    return x->t < y->t || (x->t == y->t && x->key < y->key);
}

static inline uint32_t heap_slot(const struct heap_ent *e) { return (uint32_t)(e->key & HEAP_SLOT_MAX); }

/* The minimum. The queue must not be empty. */
static inline const struct heap_ent *heap_top(const struct heap *h) { return &h->a[h->top]; }

/* (time, key) as one unsigned 128-bit number (times are never negative, so unsigned order is theirs): one
 * comparison the compiler does without a branch, which matters when choosing among four children whose
 * order is random. */
static inline unsigned __int128 heap_rank(const struct heap_ent *e)
{
    return ((unsigned __int128)(uint64_t)e->t << 64) | e->key;
}

/* The slow halves of the operations below (heap.c): the heap form, growth and the changes of form. */
int heap_push_slow(struct heap *h, struct heap_ent e, int exact);
void heap_pop_heaped(struct heap *h, struct heap_ent *out);
void heap_replace_heaped(struct heap *h, struct heap_ent e);
void heap_insert_latest(struct heap_ent *a, size_t n, struct heap_ent e);

/* Whether a ranks before e, which is being inserted. exact 0: e's sequence number is above every entry's
 * (every insert but a connection's deferred message, sim.c: queue_push_sent, is numbered afresh: the
 * engine's queue_push, the bare loop, the tests), so times alone decide: an entry due at e's time ranks
 * before it. exact 1: e keeps the number it was given earlier, and a tie in time compares the keys. The
 * callers pass a constant, so the common insert compiles to the comparison of times alone. */
static inline __attribute__((always_inline)) int heap_ranks_before(const struct heap_ent *a,
                                                                   const struct heap_ent *e, int exact)
{
    return exact ? heap_less(a, e) : a->t <= e->t;
}

/* Inserts e into a[0..n), sorted latest first, moving up the entries that rank before it
 * (heap_ranks_before). When a[0] ranks after e, the walk stops at a[0] at the latest, so it needs no bound
 * check. Inline, with the sorted form's pop and replacement below, so that the engine's loop and schedule
 * call nothing in a small queue. */
static inline __attribute__((always_inline)) void heap_sorted_insert_as(struct heap_ent *a, size_t n,
                                                                        struct heap_ent e, int exact)
{
    if (n == 0 || heap_ranks_before(&a[0], &e, exact)) {
        heap_insert_latest(a, n, e);
        return;
    }
    size_t i = n;
    while (heap_ranks_before(&a[i - 1], &e, exact)) {
        a[i] = a[i - 1];
        i--;
    }
    a[i] = e;
}

/* The insert of a freshly numbered e (exact 0 above). */
static inline void heap_sorted_insert(struct heap_ent *a, size_t n, struct heap_ent e)
{
    heap_sorted_insert_as(a, n, e, 0);
}

/* Inserts e, compared as heap_ranks_before says. Returns 0, or -1 when memory for the array could not be
 * had. */
static inline __attribute__((always_inline)) int heap_push_as(struct heap *h, struct heap_ent e, int exact)
{
    if (h->heaped || h->n >= HEAP_SORTED_MAX || h->n == h->cap)
        return heap_push_slow(h, e, exact);
    heap_sorted_insert_as(h->a, h->n, e, exact);
    h->top = h->n++;
    return 0;
}

/* Inserts a freshly numbered e. */
static inline int heap_push(struct heap *h, struct heap_ent e) { return heap_push_as(h, e, 0); }

/* Removes the minimum into *out. The heap must not be empty. */
static inline void heap_pop(struct heap *h, struct heap_ent *out)
{
    if (h->heaped) {
        heap_pop_heaped(h, out);
        return;
    }
    *out = h->a[--h->n];
    h->top = h->n - 1;
}

/* heap_pop for a large heap (thousands of entries), whose lower levels are cache misses: its sift asks
 * for each next level's lines a level ahead (heap.c). The same result as heap_pop. */
void heap_pop_ahead(struct heap *h, struct heap_ent *out);

/* Replaces the minimum with e: in the heap form a pop and a push in one sift-down (which compares whole
 * keys). The heap must not be empty. */
static inline __attribute__((always_inline)) void heap_replace_top_as(struct heap *h, struct heap_ent e,
                                                                      int exact)
{
    if (h->heaped)
        heap_replace_heaped(h, e);
    else
        heap_sorted_insert_as(h->a, h->n - 1, e, exact);
}

/* The replacement by a freshly numbered e. */
static inline void heap_replace_top(struct heap *h, struct heap_ent e) { heap_replace_top_as(h, e, 0); }

/* Restores the order over a[0..n) after the caller filtered the array in place, keeping the relative
 * order of what stayed. */
void heap_rebuild(struct heap *h);

/* Drops the entries drop() says, in one pass, and restores the order (as nearq_filter). */
void heap_filter(struct heap *h, int (*drop)(void *ctx, const struct heap_ent *e), void *ctx);

void heap_free(struct heap *h);

#endif
