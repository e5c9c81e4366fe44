/* commitlog: rings that grow by doubling, so appends cost no malloc in steady state and trimming the
 * head frees nothing but makes room. */
#include <stdlib.h>
#include <string.h>

#include "models/store/commitlog.h"

void cl_init(struct commitlog *cl) { memset(cl, 0, sizeof *cl); }

void cl_free(struct commitlog *cl)
{
    free(cl->e);
    for (int q = 0; q < RMQ_MAX_QUEUES; q++)
        free(cl->q[q].idx.a);
    memset(cl, 0, sizeof *cl);
}

void cl_reset(struct commitlog *cl, uint64_t offset)
{
    cl->head = cl->n = 0;
    cl->first = 0;
    cl->min_offset = cl->max_offset = offset;
    for (int q = 0; q < RMQ_MAX_QUEUES; q++) {
        cl->q[q].idx.head = cl->q[q].idx.n = 0;
        cl->q[q].first_qoff = 0;
    }
}

static int ring_push(struct cl_ring *r, uint64_t v)
{
    if (r->n == r->cap) {
        uint64_t cap = r->cap ? r->cap * 2 : 256;
        uint64_t *a = malloc(cap * sizeof *a);
        if (!a)
            return -1;
        for (uint64_t i = 0; i < r->n; i++)
            a[i] = r->a[(r->head + i) & (r->cap - 1)];
        free(r->a);
        r->a = a;
        r->cap = cap;
        r->head = 0;
    }
    r->a[(r->head + r->n++) & (r->cap - 1)] = v;
    return 0;
}

static uint64_t ring_get(const struct cl_ring *r, uint64_t i) { return r->a[(r->head + i) & (r->cap - 1)]; }

static struct cl_entry *entry(const struct commitlog *cl, uint64_t i)
{
    return &cl->e[(cl->head + (i - cl->first)) & (cl->cap - 1)];
}

uint64_t cl_append(struct commitlog *cl, uint32_t msg, uint32_t size, uint16_t queue, uint64_t qoff)
{
    return cl_append_term(cl, msg, size, queue, qoff, 0);
}

uint64_t cl_append_term(struct commitlog *cl, uint32_t msg, uint32_t size, uint16_t queue, uint64_t qoff,
                        uint32_t term)
{
    if (queue >= RMQ_MAX_QUEUES)
        return CL_NONE;
    if (cl->n == cl->cap) {
        uint64_t cap = cl->cap ? cl->cap * 2 : 1024;
        struct cl_entry *a = malloc(cap * sizeof *a);
        if (!a)
            return CL_NONE;
        for (uint64_t i = 0; i < cl->n; i++)
            a[i] = cl->e[(cl->head + i) & (cl->cap - 1)];
        free(cl->e);
        cl->e = a;
        cl->cap = cap;
        cl->head = 0;
    }
    struct cl_queue *cq = &cl->q[queue];
    if (cq->idx.n == 0)
        cq->first_qoff = qoff;
    else if (qoff != cq->first_qoff + cq->idx.n)
        return CL_NONE;   /* a gap in queue numbering: the caller's bug */
    uint64_t i = cl_end(cl);
    if (ring_push(&cq->idx, i) < 0)
        return CL_NONE;
    struct cl_entry *e = &cl->e[(cl->head + cl->n++) & (cl->cap - 1)];
    e->offset = cl->max_offset;
    e->qoff = qoff;
    e->msg = msg;
    e->size = size;
    e->queue = queue;
    e->term = term;
    cl->max_offset += size;
    return i;
}

const struct cl_entry *cl_at(const struct commitlog *cl, uint64_t i)
{
    if (i < cl->first || i >= cl_end(cl))
        return NULL;
    return entry(cl, i);
}

uint64_t cl_find(const struct commitlog *cl, uint64_t phy)
{
    uint64_t lo = cl->first, hi = cl_end(cl);
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (entry(cl, mid)->offset < phy)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t cl_next_qoff(const struct commitlog *cl, int q)
{
    const struct cl_queue *cq = &cl->q[q];
    return cq->first_qoff + cq->idx.n;
}

uint64_t cl_min_qoff(const struct commitlog *cl, int q) { return cl->q[q].first_qoff; }

uint64_t cl_qentry(const struct commitlog *cl, int q, uint64_t qoff)
{
    const struct cl_queue *cq = &cl->q[q];
    if (qoff < cq->first_qoff || qoff >= cq->first_qoff + cq->idx.n)
        return CL_NONE;
    return ring_get(&cq->idx, qoff - cq->first_qoff);
}

void cl_truncate(struct commitlog *cl, uint64_t phy, void (*dropped)(void *ctx, uint32_t msg), void *ctx)
{
    while (cl->n > 0) {
        struct cl_entry *e = entry(cl, cl_end(cl) - 1);
        if (e->offset + e->size <= phy)
            break;
        struct cl_queue *cq = &cl->q[e->queue];
        cq->idx.n--;   /* the newest entry of its queue is this one */
        if (dropped)
            dropped(ctx, e->msg);
        cl->max_offset = e->offset;
        cl->n--;
    }
    if (cl->n == 0 && phy < cl->max_offset)
        cl->max_offset = phy < cl->min_offset ? cl->min_offset : phy;
}

void cl_truncate_index(struct commitlog *cl, uint64_t i, void (*dropped)(void *ctx, uint32_t msg), void *ctx)
{
    if (i >= cl_end(cl))
        return;
    if (i < cl->first)
        i = cl->first;
    cl_truncate(cl, entry(cl, i)->offset, dropped, ctx);
}

void cl_trim(struct commitlog *cl, uint64_t phy)
{
    while (cl->n > 0) {
        struct cl_entry *e = entry(cl, cl->first);
        if (e->offset + e->size > phy)
            break;
        struct cl_queue *cq = &cl->q[e->queue];
        /* The oldest entry of the log is the oldest of its queue too. */
        cq->idx.head = (cq->idx.head + 1) & (cq->idx.cap - 1);
        cq->idx.n--;
        cq->first_qoff++;
        cl->min_offset = e->offset + e->size;
        cl->head = (cl->head + 1) & (cl->cap - 1);
        cl->first++;
        cl->n--;
    }
}
