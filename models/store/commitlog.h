/* commitlog: a broker's CommitLog (messages by byte offset) and its ConsumeQueues (per queue, the n-th
 * message's place in the CommitLog), as ids and sizes rather than bytes. */
#ifndef MODELS_COMMITLOG_H
#define MODELS_COMMITLOG_H

#include <stdint.h>

#include "models/remoting/protocol.h"

#define CL_NONE UINT64_MAX

/* One stored message. The queue offset travels with the message, as RocketMQ stores QUEUEOFFSET inside
 * each message, so a slave's ConsumeQueues number messages exactly as its master's do. */
struct cl_entry {
    uint64_t offset;           /* physical offset of its first byte */
    uint64_t qoff;             /* its position in its queue */
    uint32_t msg;              /* the message id (accounting) */
    uint32_t size;             /* stored bytes */
    uint16_t queue;
    uint8_t flags;             /* CL_UNDISPATCHED, CL_FRAGMENT */
    uint32_t term;             /* DLedger: the term the entry was written in (0 in classic HA) */
};

/* Entry flags. An undispatched entry is in the CommitLog but in no ConsumeQueue (a slave's
 * ReputMessageService stopped before it, or its queue offset was taken); a fragment is the tail of a
 * message whose head is not in this log (bytes a master sent from the middle of a message). */
#define CL_UNDISPATCHED 1
#define CL_FRAGMENT 2

/* A sequence of fixed-size elements by absolute number (entry index, queue offset) in chunks of
 * CL_CHUNK elements: a ring of chunk pointers covers the numbers kept; a chunk the head leaves or a
 * truncation empties goes to the spares and is reused by the next append, so a log that trims as fast
 * as it grows neither copies nor touches new memory. */
#define CL_CHUNK_SHIFT 12
#define CL_CHUNK ((uint64_t)1 << CL_CHUNK_SHIFT)

struct cl_chunks {
    void **dir;                /* chunk k at dir[k & (dcap - 1)], for k in [k0, k0 + nk) */
    uint64_t dcap, k0, nk;
    void *tail;                /* the newest chunk, k0 + nk - 1 (tail_k), for an append's test; tail_k is */
    uint64_t tail_k;           /* UINT64_MAX when there is none */
    void *spare;               /* freed chunks, linked through their first word */
    uint32_t esize;
};

struct cl_queue {
    struct cl_chunks idx;      /* uint64 entry index of each queue offset in [first_qoff, first_qoff + n) */
    uint64_t first_qoff, n;
    uint64_t low_qoff;         /* the lowest queue offset held since cl_reset (UINT64_MAX: none yet): cl_trim
                                  leaves it, as a ConsumeQueue whose files are all kept would */
    uint64_t low_phy;          /* the physical offset of the message at low_qoff when it was appended */
};

struct commitlog {
    struct cl_chunks e;        /* struct cl_entry by index, for [first, first + n) */
    uint64_t n;
    uint64_t first;            /* index of the oldest entry kept */
    uint64_t min_offset;       /* physical offset where the kept log starts */
    uint64_t base_offset;      /* where the log started at cl_reset: cl_trim leaves it */
    uint64_t max_offset;       /* physical offset where the next message goes */
    struct cl_queue q[RMQ_MAX_QUEUES];
};

void cl_init(struct commitlog *cl);
void cl_free(struct commitlog *cl);

/* Empties the log so that it starts at physical offset `offset` (a slave that starts from the master's
 * last file). */
void cl_reset(struct commitlog *cl, uint64_t offset);

/* Element i of c when it falls in c's newest chunk (an append's common case), else NULL. esize is c's
 * element size, a constant where it is called. */
static inline void *cl_chunk_tail(const struct cl_chunks *c, uint64_t i, uint32_t esize)
{
    if (i >> CL_CHUNK_SHIFT == c->tail_k)
        return (char *)c->tail + (i & (CL_CHUNK - 1)) * esize;
    return NULL;
}

/* cl_append_term's way for what its inline path does not take (a queue's first entry, a new chunk, a wrong
 * queue offset); the same contract. */
uint64_t cl_append_grow(struct commitlog *cl, uint32_t msg, uint32_t size, uint16_t queue, uint64_t qoff,
                        uint32_t term);

/* Appends a message at max_offset with its DLedger term. qoff is its queue offset: cl_next_qoff() on a
 * master, the master's number on a slave. Returns its entry index, or CL_NONE when out of memory (or qoff
 * is not the queue's next). Inline for the common case: the queue's next number with room in the newest
 * chunks of the log and of the queue. */
static inline uint64_t cl_append_term(struct commitlog *cl, uint32_t msg, uint32_t size, uint16_t queue,
                                      uint64_t qoff, uint32_t term)
{
    if (queue >= RMQ_MAX_QUEUES)
        return CL_NONE;
    struct cl_queue *cq = &cl->q[queue];
    uint64_t i = cl->first + cl->n;
    struct cl_entry *e;
    uint64_t *qi;
    if (cq->n > 0 && qoff == cq->first_qoff + cq->n && (e = cl_chunk_tail(&cl->e, i, sizeof *e)) &&
        (qi = cl_chunk_tail(&cq->idx, qoff, sizeof *qi))) {
        *qi = i;
        cq->n++;
        cl->n++;
        e->offset = cl->max_offset;   /* as the general path's put() */
        e->qoff = qoff;
        e->msg = msg;
        e->size = size;
        e->queue = queue;
        e->flags = 0;
        e->term = term;
        cl->max_offset += size;
        return i;
    }
    return cl_append_grow(cl, msg, size, queue, qoff, term);
}
/* The same in classic HA (term 0). */
static inline uint64_t cl_append(struct commitlog *cl, uint32_t msg, uint32_t size, uint16_t queue, uint64_t qoff)
{
    return cl_append_term(cl, msg, size, queue, qoff, 0);
}
/* Appends bytes at max_offset that no ConsumeQueue indexes (flags: CL_UNDISPATCHED, with CL_FRAGMENT
 * for a partial message; msg is then the message the bytes belong to). Returns its entry index, or CL_NONE
 * when out of memory. */
uint64_t cl_append_undispatched(struct commitlog *cl, uint32_t msg, uint32_t size, uint16_t queue, uint64_t qoff,
                                uint8_t flags);
/* Drops entries from index i on (see cl_truncate). */
void cl_truncate_index(struct commitlog *cl, uint64_t i, void (*dropped)(void *ctx, uint32_t msg), void *ctx);

/* The entry with index i, or NULL when it is not kept. */
static inline const struct cl_entry *cl_at(const struct commitlog *cl, uint64_t i)
{
    if (i < cl->first || i >= cl->first + cl->n)
        return NULL;
    const struct cl_chunks *c = &cl->e;
    return (const struct cl_entry *)((const char *)c->dir[(i >> CL_CHUNK_SHIFT) & (c->dcap - 1)] +
                                     (i & (CL_CHUNK - 1)) * sizeof(struct cl_entry));
}
/* The entry after e, whose index is i: what cl_at(cl, i + 1) returns, without the chunk lookup inside a
 * chunk (for a scan). */
static inline const struct cl_entry *cl_after(const struct commitlog *cl, const struct cl_entry *e, uint64_t i)
{
    if (++i >= cl->first + cl->n)
        return NULL;
    return (i & (CL_CHUNK - 1)) ? e + 1 : cl_at(cl, i);
}
/* One past the newest entry's index. */
static inline uint64_t cl_end(const struct commitlog *cl) { return cl->first + cl->n; }

/* The index of the first entry whose offset is >= phy (cl_end() when none). */
uint64_t cl_find(const struct commitlog *cl, uint64_t phy);

/* cl holds the bytes that entry e (of another log) holds at e's offset: the same message there, or, for a
 * fragment, the message it is the tail of. 0 when cl does not keep that offset. */
int cl_same_at(const struct commitlog *cl, const struct cl_entry *e);

/* ConsumeQueue q: the next queue offset to assign, the smallest kept, and the entry index of qoff (CL_NONE
 * when not kept or not written yet). */
static inline uint64_t cl_next_qoff(const struct commitlog *cl, int q) { return cl->q[q].first_qoff + cl->q[q].n; }
static inline uint64_t cl_min_qoff(const struct commitlog *cl, int q) { return cl->q[q].first_qoff; }
/* Whether queue q's offset qoff was held and is gone only because cl_trim forgot it: what the real store,
 * which keeps its files for days, would still serve. */
static inline int cl_trimmed(const struct commitlog *cl, int q, uint64_t qoff)
{
    return qoff >= cl->q[q].low_qoff && qoff < cl->q[q].first_qoff;
}
/* Whether physical offset phy was held and is gone only because cl_trim forgot it (an entry index below
 * `first` always is: indexes start at 0 at cl_reset). */
static inline int cl_phy_trimmed(const struct commitlog *cl, uint64_t phy)
{
    return phy >= cl->base_offset && phy < cl->min_offset;
}
static inline uint64_t cl_qentry(const struct commitlog *cl, int q, uint64_t qoff)
{
    const struct cl_queue *cq = &cl->q[q];
    if (qoff < cq->first_qoff || qoff >= cq->first_qoff + cq->n)
        return CL_NONE;
    const struct cl_chunks *c = &cq->idx;
    return *(const uint64_t *)((const char *)c->dir[(qoff >> CL_CHUNK_SHIFT) & (c->dcap - 1)] +
                               (qoff & (CL_CHUNK - 1)) * sizeof(uint64_t));
}

/* Drops every message that does not end at or before phy (recovery after losing unflushed bytes, or a
 * divergent tail). Calls dropped(ctx, msg) for each message removed (not for fragments). */
void cl_truncate(struct commitlog *cl, uint64_t phy, void (*dropped)(void *ctx, uint32_t msg), void *ctx);

/* Forgets messages that end at or before phy from memory (nobody can ask for them any more); offsets and
 * queue numbering are unchanged. */
void cl_trim(struct commitlog *cl, uint64_t phy);

#endif
