/* heap: a 4-ary min-heap of (time, sequence, slot) keys; the event queue's order. */
#ifndef SIM_HEAP_H
#define SIM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "sim/time.h"

/* The slot (an index into the event pool) sits in the low 24 bits of key, the insertion sequence above it.
 * Sequences are unique, so comparing keys compares sequences and ties at one instant run in the order they
 * were scheduled. 16 bytes an entry keeps four children in one cache line. */
#define HEAP_SLOT_BITS 24
#define HEAP_SLOT_MAX  ((1u << HEAP_SLOT_BITS) - 1)

struct heap_ent {
    sim_time t;     /* >= 0 */
    uint64_t key;   /* seq << HEAP_SLOT_BITS | slot */
};

struct heap {
    struct heap_ent *a;
    size_t n, cap;
};

static inline int heap_less(const struct heap_ent *x, const struct heap_ent *y)
{
    return x->t < y->t || (x->t == y->t && x->key < y->key);
}

static inline uint32_t heap_slot(const struct heap_ent *e) { return (uint32_t)(e->key & HEAP_SLOT_MAX); }

/* Inserts e. Returns 0, or -1 when memory for the array could not be had. */
int heap_push(struct heap *h, struct heap_ent e);

/* Removes the minimum into *out. The heap must not be empty. */
void heap_pop(struct heap *h, struct heap_ent *out);

/* Replaces the minimum with e: a pop and a push in one sift-down. The heap must not be empty. */
void heap_replace_top(struct heap *h, struct heap_ent e);

/* Restores heap order over a[0..n) after the caller filtered the array in place. */
void heap_rebuild(struct heap *h);

void heap_free(struct heap *h);

#endif
