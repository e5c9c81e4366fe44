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

static void sift_down(struct heap_ent *a, size_t n, size_t i, struct heap_ent e)
{
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t best = c;
        size_t end = c + 4 < n ? c + 4 : n;
        for (size_t j = c + 1; j < end; j++)
            if (heap_less(&a[j], &a[best]))
                best = j;
        if (!heap_less(&a[best], &e))
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
