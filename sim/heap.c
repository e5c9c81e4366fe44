/* heap: a 4-ary min-heap. Four children per node halve the depth of a binary heap and keep siblings in one
 * cache line; sift-down moves a hole instead of swapping (as in ns-3 and most d-ary heap write-ups). */
#include <stdlib.h>

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

/* (time, key) as one unsigned 128-bit number (times are never negative, so unsigned order is theirs): one
 * comparison the compiler does without a branch, which matters when choosing among four children whose
 * order is random. */
static inline unsigned __int128 rank(const struct heap_ent *e)
{
    return ((unsigned __int128)(uint64_t)e->t << 64) | e->key;
}

static void sift_down(struct heap_ent *a, size_t n, size_t i, struct heap_ent e)
{
    unsigned __int128 re = rank(&e);
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t best;
        unsigned __int128 rb;
        if (c + 4 <= n) {
            /* All four children: a tournament of two pairs, on indices (the entries are in L1 by then:
             * loading a winner again is cheaper than carrying 128-bit values through selects). */
            size_t b01 = c + (rank(&a[c + 1]) < rank(&a[c]));
            size_t b23 = c + 2 + (rank(&a[c + 3]) < rank(&a[c + 2]));
            best = rank(&a[b23]) < rank(&a[b01]) ? b23 : b01;
            rb = rank(&a[best]);
        } else {
            best = c;
            rb = rank(&a[c]);
            for (size_t j = c + 1; j < n; j++) {
                unsigned __int128 rj = rank(&a[j]);
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

int heap_push(struct heap *h, struct heap_ent e)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        struct heap_ent *a = realloc(h->a, cap * sizeof *a);
        if (!a)
            return -1;
        h->a = a;
        h->cap = cap;
    }
    sift_up(h->a, h->n++, e);
    return 0;
}

void heap_pop(struct heap *h, struct heap_ent *out)
{
    *out = h->a[0];
    struct heap_ent last = h->a[--h->n];
    if (h->n > 0)
        sift_down(h->a, h->n, 0, last);
}

void heap_replace_top(struct heap *h, struct heap_ent e) { sift_down(h->a, h->n, 0, e); }

void heap_rebuild(struct heap *h)
{
    if (h->n < 2)
        return;
    for (size_t i = (h->n - 2) / 4 + 1; i-- > 0;)
        sift_down(h->a, h->n, i, h->a[i]);
}

void heap_free(struct heap *h)
{
    free(h->a);
    h->a = NULL;
    h->n = h->cap = 0;
}
