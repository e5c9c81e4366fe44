/* commitlog: the kept part of a log in chunks (struct cl_chunks): appends cost no malloc and no copy in
 * steady state, trimming the head hands its chunks to the next appends (a spare list, freed with the log),
 * so memory is the most the log ever kept at once (what a pull, an HA transfer or a DLedger push could
 * still read, what a crash could still drop), not the largest the log ever was, and not doubled. */
#include <stdlib.h>
#include <string.h>

#include "models/store/commitlog.h"

/* ---- chunks ---- */

/* The newest chunk's cache (tail, tail_k), after k0, nk or dir changed. */
static void ck_tail(struct cl_chunks *c)
{
    c->tail_k = c->nk > 0 ? c->k0 + c->nk - 1 : UINT64_MAX;
    c->tail = c->nk > 0 ? c->dir[c->tail_k & (c->dcap - 1)] : NULL;
}

static void ck_init(struct cl_chunks *c, uint32_t esize)
{
    memset(c, 0, sizeof *c);
    c->esize = esize;
    ck_tail(c);
}

static void ck_free(struct cl_chunks *c)
{
    for (uint64_t k = c->k0; k < c->k0 + c->nk; k++)
        free(c->dir[k & (c->dcap - 1)]);
    while (c->spare) {
        void *next = *(void **)c->spare;
        free(c->spare);
        c->spare = next;
    }
    free(c->dir);
    memset(c, 0, sizeof *c);
    ck_tail(c);
}

static void *ck_at(const struct cl_chunks *c, uint64_t i)
{
    return (char *)c->dir[(i >> CL_CHUNK_SHIFT) & (c->dcap - 1)] + (i & (CL_CHUNK - 1)) * c->esize;
}

static void ck_release(struct cl_chunks *c, void *chunk)
{
    *(void **)chunk = c->spare;
    c->spare = chunk;
}

/* ck_push's way when element i is not in the newest chunk: it starts one, or the chunks restart elsewhere. */
__attribute__((noinline)) static void *ck_grow(struct cl_chunks *c, uint64_t i)
{
    uint64_t k = i >> CL_CHUNK_SHIFT;
    if (c->nk > 0 && (k < c->k0 || k > c->k0 + c->nk)) {
        /* Not next to what is kept: only an empty queue restarts elsewhere (a slave takes its master's
         * numbers). */
        while (c->nk > 0) {
            c->nk--;
            ck_release(c, c->dir[(c->k0 + c->nk) & (c->dcap - 1)]);
        }
        ck_tail(c);
    }
    if (c->nk == 0 || k >= c->k0 + c->nk) {
        if (c->nk == c->dcap) {
            uint64_t cap = c->dcap ? c->dcap * 2 : 16;
            void **d = malloc(cap * sizeof *d);
            if (!d)
                return NULL;
            for (uint64_t j = c->k0; j < c->k0 + c->nk; j++)
                d[j & (cap - 1)] = c->dir[j & (c->dcap - 1)];
            free(c->dir);
            c->dir = d;
            c->dcap = cap;
        }
        void *chunk = c->spare;
        if (chunk)
            c->spare = *(void **)chunk;
        else if (!(chunk = malloc(CL_CHUNK * c->esize)))
            return NULL;
        if (c->nk == 0)
            c->k0 = k;
        c->dir[k & (c->dcap - 1)] = chunk;
        c->nk++;
    }
    ck_tail(c);
    return ck_at(c, i);
}

/* Makes element i writable; i is one past the last element (or any number when there is none). */
static inline void *ck_push(struct cl_chunks *c, uint64_t i, uint32_t esize)
{
    void *p = cl_chunk_tail(c, i, esize);
    return p ? p : ck_grow(c, i);
}

/* Elements below `from` are gone: frees the chunks wholly below it. */
static void ck_drop_head(struct cl_chunks *c, uint64_t from)
{
    while (c->nk > 0 && ((c->k0 + 1) << CL_CHUNK_SHIFT) <= from) {
        ck_release(c, c->dir[c->k0 & (c->dcap - 1)]);
        c->k0++;
        c->nk--;
    }
    ck_tail(c);
}

/* Elements from `end` on are gone: frees the chunks wholly at or above it. */
static void ck_drop_tail(struct cl_chunks *c, uint64_t end)
{
    while (c->nk > 0 && ((c->k0 + c->nk - 1) << CL_CHUNK_SHIFT) >= end) {
        c->nk--;
        ck_release(c, c->dir[(c->k0 + c->nk) & (c->dcap - 1)]);
    }
    ck_tail(c);
}

/* ---- the log ---- */

void cl_init(struct commitlog *cl)
{
    memset(cl, 0, sizeof *cl);
    ck_init(&cl->e, sizeof(struct cl_entry));
    for (int q = 0; q < RMQ_MAX_QUEUES; q++) {
        ck_init(&cl->q[q].idx, sizeof(uint64_t));
        cl->q[q].low_qoff = UINT64_MAX;
    }
}

void cl_free(struct commitlog *cl)
{
    ck_free(&cl->e);
    for (int q = 0; q < RMQ_MAX_QUEUES; q++)
        ck_free(&cl->q[q].idx);
    memset(cl, 0, sizeof *cl);
}

void cl_reset(struct commitlog *cl, uint64_t offset)
{
    ck_drop_tail(&cl->e, 0);
    cl->n = 0;
    cl->first = 0;
    cl->min_offset = cl->max_offset = cl->base_offset = offset;
    for (int q = 0; q < RMQ_MAX_QUEUES; q++) {
        ck_drop_tail(&cl->q[q].idx, 0);
        cl->q[q].n = 0;
        cl->q[q].first_qoff = 0;
        cl->q[q].low_qoff = UINT64_MAX;
    }
}

static struct cl_entry *entry(const struct commitlog *cl, uint64_t i) { return ck_at(&cl->e, i); }

/* Fills the entry just pushed at cl_end(). */
static uint64_t put(struct commitlog *cl, struct cl_entry *e, uint32_t msg, uint32_t size, uint16_t queue,
                    uint64_t qoff, uint32_t term, uint8_t flags)
{
    uint64_t i = cl_end(cl);
    cl->n++;
    e->offset = cl->max_offset;
    e->qoff = qoff;
    e->msg = msg;
    e->size = size;
    e->queue = queue;
    e->flags = flags;
    e->term = term;
    cl->max_offset += size;
    return i;
}

uint64_t cl_append_grow(struct commitlog *cl, uint32_t msg, uint32_t size, uint16_t queue, uint64_t qoff,
                        uint32_t term)
{
    if (queue >= RMQ_MAX_QUEUES)
        return CL_NONE;
    struct cl_queue *cq = &cl->q[queue];
    if (cq->n == 0) {
        cq->first_qoff = qoff;
        if (qoff <= cq->low_qoff) {   /* at low_qoff again after a truncation: where it is now */
            cq->low_qoff = qoff;
            cq->low_phy = cl->max_offset;
        }
    } else if (qoff != cq->first_qoff + cq->n)
        return CL_NONE;   /* a gap in queue numbering: the caller's bug */
    uint64_t i = cl_end(cl);
    struct cl_entry *e = ck_push(&cl->e, i, sizeof *e);
    uint64_t *qi = e ? ck_push(&cq->idx, qoff, sizeof *qi) : NULL;
    if (!qi)
        return CL_NONE;   /* out of memory; a chunk taken for e stays for the next append */
    *qi = i;
    cq->n++;
    return put(cl, e, msg, size, queue, qoff, term, 0);
}

uint64_t cl_append_undispatched(struct commitlog *cl, uint32_t msg, uint32_t size, uint16_t queue, uint64_t qoff,
                                uint8_t flags)
{
    struct cl_entry *e = ck_push(&cl->e, cl_end(cl), sizeof *e);
    if (!e)
        return CL_NONE;
    return put(cl, e, msg, size, queue, qoff, 0, (uint8_t)(flags | CL_UNDISPATCHED));
}

/* Most searches are for an offset near the newest entry (an HA transfer follows the writes), so the
 * bracket is found by galloping back from the end, 1, 2, 4 ... entries: a few cache lines instead of a
 * search over the minute of entries a log keeps. The answer is the same as a plain binary search's. */
uint64_t cl_find(const struct commitlog *cl, uint64_t phy)
{
    uint64_t lo = cl->first, hi = cl_end(cl);
    for (uint64_t step = 1; hi - lo > step; step *= 2) {
        uint64_t probe = hi - step;
        if (entry(cl, probe)->offset < phy) {
            lo = probe + 1;
            break;
        }
        hi = probe;
    }
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (entry(cl, mid)->offset < phy)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int cl_same_at(const struct commitlog *cl, const struct cl_entry *e)
{
    if (e->offset < cl->min_offset || e->offset + e->size > cl->max_offset)
        return 0;
    uint64_t i = cl_find(cl, e->offset);
    const struct cl_entry *c = cl_at(cl, i);
    if (e->flags & CL_FRAGMENT) {
        c = cl_at(cl, i - 1);   /* the message whose tail starts at e->offset */
        return c && c->msg == e->msg && c->offset + c->size == e->offset + e->size;
    }
    return c && c->offset == e->offset && c->msg == e->msg && c->size == e->size && !(c->flags & CL_FRAGMENT);
}

void cl_truncate(struct commitlog *cl, uint64_t phy, void (*dropped)(void *ctx, uint32_t msg), void *ctx)
{
    while (cl->n > 0) {
        struct cl_entry *e = entry(cl, cl_end(cl) - 1);
        if (e->offset + e->size <= phy)
            break;
        if (!(e->flags & CL_UNDISPATCHED)) {
            struct cl_queue *cq = &cl->q[e->queue];
            cq->n--;   /* the newest entry of its queue is this one */
            ck_drop_tail(&cq->idx, cq->first_qoff + cq->n);
        }
        if (dropped && !(e->flags & CL_FRAGMENT))
            dropped(ctx, e->msg);
        cl->max_offset = e->offset;
        cl->n--;
    }
    ck_drop_tail(&cl->e, cl_end(cl));
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

_Static_assert(RMQ_MAX_QUEUES <= 64, "cl_trim keeps the queues it moved in 64 bits");

void cl_trim(struct commitlog *cl, uint64_t phy)
{
    uint64_t i = cl->first, end = cl_end(cl);
    uint64_t moved = 0;   /* queues whose head moved: their chunks wholly below it go once, at the end */
    const struct cl_entry *e = i < end ? entry(cl, i) : NULL;
    while (i < end && e->offset + e->size <= phy) {
        if (!(e->flags & CL_UNDISPATCHED)) {
            struct cl_queue *cq = &cl->q[e->queue];
            /* The oldest entry of the log is the oldest of its queue too. */
            cq->n--;
            cq->first_qoff++;
            moved |= 1ULL << e->queue;
        }
        cl->min_offset = e->offset + e->size;
        i++;
        e = (i & (CL_CHUNK - 1)) ? e + 1 : i < end ? entry(cl, i) : NULL;   /* the next, within its chunk */
    }
    cl->n -= i - cl->first;
    cl->first = i;
    for (; moved; moved &= moved - 1) {
        struct cl_queue *cq = &cl->q[__builtin_ctzll(moved)];
        ck_drop_head(&cq->idx, cq->first_qoff);
    }
    ck_drop_head(&cl->e, cl->first);
}
