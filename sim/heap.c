/* heap: the event queue, in two forms. Small, an array sorted latest first: the minimum is the last entry,
 * so a pop is a decrement, and an insert walks back from the end over the entries due before it (a model's
 * queue is a few dozen events, most of them timers well ahead of the messages in flight, so a new event
 * passes few). Large, a 4-ary min-heap: four children per node halve the depth of a binary heap and keep
 * siblings within 64 bytes; sift-down moves a hole instead of swapping (as in ns-3 and most d-ary heap
 * write-ups). */
#include <stdlib.h>
#include <string.h>

#include "sim/heap.h"

static void sift_up(struct heap_ent *a, size_t i, struct heap_ent e)
{
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!heap_less(&e, &a[p]))
            break;
        a[i] = a[p];
        i = p;
    }
    a[i] = e;
}

/* Moves the hole at i down to where e belongs. With ahead, each level also asks for the lines of the next
 * level's four possible groups of children (the grandchildren of i: a[16i + 5 .. 16i + 20], 256 bytes: five
 * lines, as the array's start is 16-byte aligned), so that the level after the choice is on its way while
 * this one is compared: the heap_pop_ahead of a large queue whose lower levels are not in the first-level
 * cache. Only where all sixteen lie in the array: the last levels' partial groups go without. */
static inline __attribute__((always_inline)) void sift(struct heap_ent *a, size_t n, size_t i, struct heap_ent e,
                                                       int ahead)
{
    unsigned __int128 re = heap_rank(&e);
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t best;
        unsigned __int128 rb;
        if (c + 4 <= n) {
            if (ahead && 4 * c + 16 < n) {
                __builtin_prefetch(&a[4 * c + 1]);
                __builtin_prefetch(&a[4 * c + 5]);
                __builtin_prefetch(&a[4 * c + 9]);
                __builtin_prefetch(&a[4 * c + 13]);
                __builtin_prefetch(&a[4 * c + 16]);
            }
            /* All four children: a tournament of two pairs, on indices (the entries are in L1 by then:
             * loading a winner again is cheaper than carrying 128-bit values through selects). */
            size_t b01 = c + (heap_rank(&a[c + 1]) < heap_rank(&a[c]));
            size_t b23 = c + 2 + (heap_rank(&a[c + 3]) < heap_rank(&a[c + 2]));
            best = heap_rank(&a[b23]) < heap_rank(&a[b01]) ? b23 : b01;
            rb = heap_rank(&a[best]);
        } else {
            best = c;
            rb = heap_rank(&a[c]);
            for (size_t j = c + 1; j < n; j++) {
                unsigned __int128 rj = heap_rank(&a[j]);
                if (rj < rb) {
                    best = j;
                    rb = rj;
                }
            }
        }
        if (!(rb < re))
            break;
        a[i] = a[best];
        i = best;
    }
    a[i] = e;
}

static void sift_down(struct heap_ent *a, size_t n, size_t i, struct heap_ent e) { sift(a, n, i, e, 0); }

/* e before all of a[0..n) (rare: a model's longest timer). Out of line, so that heap_sorted_insert stays
 * a leaf that saves no registers. */
__attribute__((noinline, cold)) void heap_insert_latest(struct heap_ent *a, size_t n, struct heap_ent e)
{
    memmove(a + 1, a, n * sizeof *a);
    a[0] = e;
}

/* Sorted latest first to a heap: reversed, the array is sorted earliest first, which is a heap. */
static void to_heap(struct heap *h)
{
    for (size_t i = 0, j = h->n; i + 1 < j; i++, j--) {
        struct heap_ent t = h->a[i];
        h->a[i] = h->a[j - 1];
        h->a[j - 1] = t;
    }
    h->heaped = 1;
    h->top = 0;
}

/* A heap back to the sorted array, in place: heapsort. The minimum swaps with the last entry of the shrinking
 * heap, so the array ends sorted latest first, the minimum at its end. */
static void to_sorted(struct heap *h)
{
    struct heap_ent *a = h->a;
    for (size_t m = h->n; m > 1; m--) {
        struct heap_ent min = a[0];
        sift_down(a, m - 1, 0, a[m - 1]);
        a[m - 1] = min;
    }
    h->heaped = 0;
    h->top = h->n - 1;
}

int heap_push_slow(struct heap *h, struct heap_ent e, int exact)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        struct heap_ent *a = realloc(h->a, cap * sizeof *a);
        if (!a)
            return -1;
        h->a = a;
        h->cap = cap;
    }
    if (!h->heaped) {
        if (h->n < HEAP_SORTED_MAX) {
            if (exact)
                heap_sorted_insert_as(h->a, h->n, e, 1);
            else
                heap_sorted_insert(h->a, h->n, e);
            h->top = h->n++;
            return 0;
        }
        to_heap(h);
    }
    sift_up(h->a, h->n++, e);
    return 0;
}

/* The pop that leaves fewer than HEAP_SORTED_MIN entries in a heap: then the sorted form (out of line, so
 * that heap_pop_heaped's common case ends in a tail call). */
static __attribute__((noinline, cold)) void pop_to_sorted(struct heap *h, struct heap_ent *out)
{
    *out = h->a[0];
    struct heap_ent last = h->a[--h->n];
    if (h->n > 0)
        sift_down(h->a, h->n, 0, last);
    to_sorted(h);
}

/* The heap form's pop: the last entry's sift from the top, or the change to the sorted form. */
static inline __attribute__((always_inline)) void pop_heaped(struct heap *h, struct heap_ent *out, int ahead)
{
    if (h->n <= HEAP_SORTED_MIN) {
        pop_to_sorted(h, out);
        return;
    }
    *out = h->a[0];
    struct heap_ent last = h->a[--h->n];
    if (ahead)
        sift(h->a, h->n, 0, last, 1);
    else
        sift_down(h->a, h->n, 0, last);   /* a call, as the bare loop of make bench has always made it */
}

void heap_pop_heaped(struct heap *h, struct heap_ent *out) { pop_heaped(h, out, 0); }

void heap_pop_ahead(struct heap *h, struct heap_ent *out)
{
    if (h->heaped)
        pop_heaped(h, out, 1);
    else
        heap_pop(h, out);
}

void heap_replace_heaped(struct heap *h, struct heap_ent e) { sift_down(h->a, h->n, 0, e); }

void heap_rebuild(struct heap *h)
{
    if (!h->heaped) {
        h->top = h->n - 1;
        return;   /* a filtered sorted array is still sorted */
    }
    if (h->n < 2)
        return;
    for (size_t i = (h->n - 2) / 4 + 1; i-- > 0;)
        sift_down(h->a, h->n, i, h->a[i]);
}

void heap_filter(struct heap *h, int (*drop)(void *ctx, const struct heap_ent *e), void *ctx)
{
    size_t j = 0;
    for (size_t i = 0; i < h->n; i++)
        if (!drop(ctx, &h->a[i]))
            h->a[j++] = h->a[i];
    h->n = j;
    heap_rebuild(h);
}

void heap_free(struct heap *h)
{
    free(h->a);
    h->a = NULL;
    h->n = h->cap = h->top = 0;
    h->heaped = 0;
}
