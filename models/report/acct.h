/* acct: each message's fate (where it is stored, how the send ended, how often it was consumed), kept per
 * message only while it can still change and folded into counters after, so that a run can say exactly how
 * many acknowledged messages were lost or consumed twice in memory that does not grow with its length. */
#ifndef MODELS_ACCT_H
#define MODELS_ACCT_H

#include <stdint.h>

#include "sim/time.h"
#include "models/remoting/protocol.h"

/* Send statuses as counter indexes: RocketMQ's codes (0..55) and the client's own (-1, -2). */
#define ACCT_STATUS_BIAS 8
#define ACCT_STATUS_INDEX(s) ((unsigned)((s) + ACCT_STATUS_BIAS) & 0x3fu)
#define ACCT_STATUSES 64

/* How long a message whose copies have all left memory may still change fate: a frame on the wire, a
 * request held by a paused process or a retry still in flight (see acct.c). */
#define ACCT_GRACE (60 * SIM_S)

/* The facts about a settled, acknowledged message that the end of the run still asks about. */
#define ACCT_F_SUCCESS 1u   /* its status was SEND_OK */
#define ACCT_F_UNREAD 2u    /* never consumed */
#define ACCT_F_EARLY 4u     /* created before the liveness cut-off (acct_cutoff) */
#define ACCT_KINDS 8

struct acct_mark {
    sim_time t;
    uint32_t n;
};

/* A replica holding more than one copy of a message (see acct.c): the key names the message, its group and
 * the replica; extra is the copies beyond the first. */
struct acct_copy {
    uint64_t key;               /* 0: a free slot */
    uint32_t extra;
};

struct acct {
    /* The window: messages [lo, n), in a ring of cap (a power of two) slots. */
    uint32_t *fate;             /* see acct.c */
    uint8_t *pins;              /* copies in some replica's in-memory CommitLog */
    uint32_t lo, n, cap;
    /* (time, n) at each fold: the messages older than ACCT_GRACE. */
    struct acct_mark *mark;
    uint32_t mark_head, mark_n, mark_cap;
    uint32_t cutoff;            /* UINT32_MAX until acct_cutoff */
    sim_time grace;             /* ACCT_GRACE, or what the scenario's faults need (acct_set_grace); a test
                                 * may widen it to keep every message */
    uint64_t late;              /* changes to messages already settled: ignored, and reported (see acct.c) */
    struct acct_copy *copies;   /* open addressing, a power of two slots, at most half of them used */
    uint32_t copies_cap, copies_n;
    /* Settled acknowledged messages: [group][stored mask][ACCT_F_*]. */
    uint64_t (*folded)[256][ACCT_KINDS];
    uint64_t sent, acked, send_failed, consumed, duplicates;
    uint64_t status_count[ACCT_STATUSES];
    uint64_t consumed_by_group[RMQ_MAX_GROUPS];   /* distinct messages of each group consumed */
};

enum acct_result { ACCT_PENDING, ACCT_ACKED, ACCT_FAILED };

int acct_init(struct acct *a);
void acct_free(struct acct *a);

/* Ids are dense from 0 in the order messages are created (the order their sends start). They are 32 bits
 * (so are the CommitLogs' entries): after 4,294,967,295 messages acct_new answers ACCT_NO_MSG, and the
 * producers stop (the world refuses an open workload that would get there; see world.c). */
#define ACCT_NO_MSG UINT32_MAX

/* Widens the grace to cover the longest a request or copy may stay in flight (it never narrows). */
void acct_set_grace(struct acct *a, sim_time grace);

/* The mutators return how the message's membership in its group's backlog changed (+1, 0, -1): the backlog
 * is what consumers could still read, the messages acknowledged, never consumed and held by some replica. */

/* The fate word's fields (see acct.c). */
#define ACCT_STORED(f) ((f) & 0xffu)
#define ACCT_CONSUMED(f) (((f) >> 8) & 0xffu)
#define ACCT_RESULT(f) (((f) >> 22) & 3u)
#define ACCT_GROUP(f) ((int)(((f) >> 24) & 0x7fu) - 1)
#define ACCT_MULTI (1u << 31)   /* a replica of its group stored it more than once */

/* In the backlog: acknowledged, never consumed, and held by some replica. */
static inline int acct_in_backlog(uint32_t f)
{
    return ACCT_RESULT(f) == ACCT_ACKED && ACCT_CONSUMED(f) == 0 && ACCT_STORED(f) != 0;
}

static inline uint32_t *acct_fate(const struct acct *a, uint32_t msg) { return &a->fate[msg & (a->cap - 1)]; }

/* Whether msg is in the window; a message already folded counts in `late` (see acct.c). */
static inline int acct_named(struct acct *a, uint32_t msg)
{
    if (msg >= a->n)
        return 0;
    if (msg < a->lo) {
        a->late++;
        return 0;
    }
    return 1;
}

/* A replica appended a copy of a message it holds already (a retry to the same group after an attempt that
 * stored it got no answer, and the copies replicated); a copy of such a message dropped, answering whether the
 * replica still holds another; the message leaves the window, or its group's bits restart. Out of line: rare. */
void acct_copy_added(struct acct *a, uint32_t msg, int group, int replica) __attribute__((noinline, cold));
int acct_copy_dropped(struct acct *a, uint32_t msg, int group, int replica) __attribute__((noinline, cold));
void acct_copies_forget(struct acct *a, uint32_t msg, int group) __attribute__((noinline, cold));

/* The producer sends an attempt of msg to group's master: the message's group from now on (see acct.c). An
 * attempt on another group than the last one starts with none of its replicas holding the message; a copy
 * the earlier attempt left behind counts in the pins (memory) only. */
static inline void acct_attempt(struct acct *a, uint32_t msg, int group)
{
    if (group < 0 || !acct_named(a, msg))
        return;
    uint32_t *fp = acct_fate(a, msg);
    if (ACCT_GROUP(*fp) != group) {
        if (*fp & ACCT_MULTI)
            acct_copies_forget(a, msg, ACCT_GROUP(*fp));
        *fp = (*fp & ~(ACCT_MULTI | 0x7fu << 24 | 0xffu)) | (uint32_t)((group + 1) & 0x7f) << 24;
    }
}

/* A replica (index in its group) appended or dropped the message. Inline: every replica calls it for every
 * message it appends. The stored bits are the replicas of the message's group: a copy in another group,
 * left by an attempt that got no answer, counts in the pins only. */
static inline int acct_stored(struct acct *a, uint32_t msg, int group, int replica, int stored)
{
    if (!acct_named(a, msg) || replica < 0 || replica >= 8)
        return 0;
    uint32_t *fp = acct_fate(a, msg);
    uint8_t *pins = &a->pins[msg & (a->cap - 1)];
    uint32_t f = *fp;   /* worked on in a local: a store through pins may alias it for the compiler */
    int other = group >= 0 && ACCT_GROUP(f) >= 0 && ACCT_GROUP(f) != group;
    if (stored) {
        if (*pins < UINT8_MAX)
            (*pins)++;
        if (other)
            return 0;
        /* A store with no attempt before it names the group (the producer's attempts always come first). */
        if (ACCT_GROUP(f) < 0 && group >= 0)
            f |= (uint32_t)((group + 1) & 0x7f) << 24;
        if (f & 1u << replica) {
            acct_copy_added(a, msg, ACCT_GROUP(f), replica);   /* a second copy: the bit stays one */
            *fp = f | ACCT_MULTI;
            return 0;
        }
        /* It joins the backlog when acknowledged and unread, and no replica held it before. */
        int joins = ACCT_STORED(f) == 0 && ACCT_RESULT(f) == ACCT_ACKED && ACCT_CONSUMED(f) == 0;
        *fp = f | 1u << replica;
        return joins;
    }
    if (*pins > 0)
        (*pins)--;
    if (other || ((f & ACCT_MULTI) && acct_copy_dropped(a, msg, ACCT_GROUP(f), replica)))
        return 0;   /* another group's copy, or this replica holds another copy */
    int before = acct_in_backlog(f);
    f &= ~(1u << replica);
    *fp = f;
    return acct_in_backlog(f) - before;
}

/* Doubles the ring (while the window grows: the first minutes of a run); acct_new's rare way. */
void acct_grow(struct acct *a) __attribute__((noinline, cold));
/* A new message's id (see ACCT_NO_MSG). Inline, as the two below: each message passes them once. */
static inline uint32_t acct_new(struct acct *a)
{
    if (a->n == ACCT_NO_MSG)
        return ACCT_NO_MSG;   /* every id is taken: see ACCT_NO_MSG */
    if (a->n - a->lo == a->cap)
        acct_grow(a);
    *acct_fate(a, a->n) = 0;
    a->pins[a->n & (a->cap - 1)] = 0;
    a->sent++;
    return a->n++;
}

/* The producer's final word on a message: stored with `status` on `group`, or failed (status < 0 or not
 * a stored status) after all attempts. */
static inline int acct_result(struct acct *a, uint32_t msg, int group, int status)
{
    if (!acct_named(a, msg))
        return 0;
    uint32_t *fp = acct_fate(a, msg);
    int before = acct_in_backlog(*fp);
    if ((*fp & ACCT_MULTI) && ACCT_GROUP(*fp) != group)
        acct_copies_forget(a, msg, ACCT_GROUP(*fp));   /* the copies are keyed by the group they are in */
    uint32_t f = *fp & (0xffffu | ACCT_MULTI);
    int ok = rmq_send_ok(status) && group >= 0;
    f |= (uint32_t)ACCT_STATUS_INDEX(status) << 16;
    f |= (uint32_t)(ok ? ACCT_ACKED : ACCT_FAILED) << 22;
    f |= (uint32_t)((group + 1) & 0x7f) << 24;
    *fp = f;
    if (ok)
        a->acked++;
    else
        a->send_failed++;
    a->status_count[ACCT_STATUS_INDEX(status)]++;
    return acct_in_backlog(f) - before;
}

/* A consumer processed the message. */
static inline int acct_consumed(struct acct *a, uint32_t msg)
{
    if (!acct_named(a, msg))
        return 0;
    uint32_t *fp = acct_fate(a, msg);
    uint32_t f = *fp;
    int before = acct_in_backlog(f);
    uint32_t c = ACCT_CONSUMED(f);
    if (c < 255)
        *fp = f += 1u << 8;
    a->consumed++;
    if (c > 0)
        a->duplicates++;
    else if (ACCT_GROUP(f) >= 0)
        a->consumed_by_group[ACCT_GROUP(f)]++;
    return acct_in_backlog(f) - before;
}

/* A replica's CommitLog forgot the message from memory (cl_trim): nothing can read or drop that copy again.
 * Inline: every copy of every message is forgotten once. */
static inline void acct_unpin(struct acct *a, uint32_t msg)
{
    if (!acct_named(a, msg))
        return;
    uint8_t *pins = &a->pins[msg & (a->cap - 1)];
    if (*pins > 0)
        (*pins)--;
}

/* The liveness cut-off: the messages created so far are the ones acct_count's `early` speaks of. */
void acct_cutoff(struct acct *a);
/* Folds every message that can no longer change into the counters (call it now and then, e.g. at each
 * sample): its send has ended, no CommitLog holds it in memory, and it was created over ACCT_GRACE ago. */
void acct_fold(struct acct *a, sim_time now);

/* The oldest message still kept one by one; the accessors below take ids from there to n - 1. */
static inline uint32_t acct_first(const struct acct *a) { return a->lo; }
enum acct_result acct_result_of(const struct acct *a, uint32_t msg);
/* The status the send ended with (meaningful once it is not pending). */
int acct_status_of(const struct acct *a, uint32_t msg);
/* The group it was stored on (acked), or -1. */
int acct_group_of(const struct acct *a, uint32_t msg);
/* Bit r set: replica r of its group holds it. */
unsigned acct_stored_mask(const struct acct *a, uint32_t msg);
uint32_t acct_consumed_count(const struct acct *a, uint32_t msg);

/* Acknowledged messages, settled or not, counted by what the end of the run asks about: want(ctx, group,
 * stored mask, ACCT_F_* flags) says whether a kind counts (the same answer each time: one answer may serve
 * many messages of a kind). */
uint64_t acct_count(const struct acct *a, int (*want)(void *ctx, int group, unsigned mask, unsigned flags),
                    void *ctx);
/* Acknowledged messages that the replicas in `alive_mask` of their group (per group) no longer hold. */
uint64_t acct_acked_lost(const struct acct *a, const unsigned *alive_mask_by_group, int ngroups);
/* Acknowledged messages never consumed. */
uint64_t acct_acked_unconsumed(const struct acct *a);

#endif
