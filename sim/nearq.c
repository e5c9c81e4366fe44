/* nearq: the near queue's growth, filter and release; its insert and pop are inline (nearq.h). */
#include <stdlib.h>
#include <string.h>

#include "sim/nearq.h"

int nearq_room(struct nearq *q)
{
    uint32_t n = q->tail - q->head;
    if (2 * (n + 2) > q->cap) {
        uint32_t cap = q->cap ? q->cap * 2 : 64;
        struct heap_ent *a = malloc((size_t)cap * sizeof *a);
        if (!a)
            return -1;
        if (n)
            memcpy(a + (cap - n) / 2, q->a + q->head, (size_t)n * sizeof *a);
        free(q->a);
        q->a = a;
        q->cap = cap;
    } else {
        memmove(q->a + (q->cap - n) / 2, q->a + q->head, (size_t)n * sizeof *q->a);
    }
    q->head = (q->cap - n) / 2;
    q->tail = q->head + n;
    return 0;
}

void nearq_filter(struct nearq *q, int (*drop)(void *ctx, const struct heap_ent *e), void *ctx)
{
    uint32_t k = q->head;
    for (uint32_t i = q->head; i < q->tail; i++)
        if (!drop(ctx, &q->a[i]))
            q->a[k++] = q->a[i];
    q->tail = k;
}

void nearq_free(struct nearq *q)
{
    free(q->a);
    q->a = NULL;
    q->head = q->tail = q->cap = 0;
}
