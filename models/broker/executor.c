/* executor: a broker request executor's threads and bounded queue (see executor.h). */
#include <stdlib.h>
#include <string.h>

#include "models/broker/executor.h"

int exec_init(struct executor *e, int threads, uint32_t capacity)
{
    memset(e, 0, sizeof *e);
    e->threads = threads;
    e->capacity = capacity;
    e->t = calloc((size_t)threads, sizeof *e->t);
    if (!e->t)
        return -1;
    e->idle = threads;
    return 0;
}

void exec_free(struct executor *e)
{
    free(e->t);
    free(e->q);
    memset(e, 0, sizeof *e);
}

void exec_reset(struct executor *e)
{
    for (int i = 0; i < e->threads; i++)
        e->t[i].busy = e->t[i].in_lock = 0;
    e->idle = e->threads;
    e->locked = 0;
    e->head = e->n = 0;
}

int exec_enqueue(struct executor *e, const struct exec_req *r)
{
    if (e->n >= e->capacity)
        return -1;
    if (e->n == e->alloc) {
        uint32_t cap = e->alloc ? e->alloc * 2 : 64;
        if (cap > e->capacity)
            cap = e->capacity;
        struct exec_req *a = malloc((size_t)cap * sizeof *a);
        if (!a)
            return -1;
        for (uint32_t i = 0; i < e->n; i++)
            a[i] = e->q[(e->head + i) % e->alloc];
        free(e->q);
        e->q = a;
        e->alloc = cap;
        e->head = 0;
    }
    e->q[(e->head + e->n++) % e->alloc] = *r;
    return 0;
}
