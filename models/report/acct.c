/* acct: one uint32 per message id while the message can still change fate:
 *   bits 0-7   stored on replica r (bit r) of the message's group, the group of the producer's latest
 *              attempt (acct_attempt; the one that acknowledged it, if any). A retry on another group after
 *              an attempt that stored the message got no answer leaves a copy in the first group: that
 *              copy's stores and drops do not move the bits, so its replica r is not taken for the other's
 *   bits 8-15  times consumed (saturating at 255)
 *   bits 16-21 the send's status (ACCT_STATUS_INDEX: RocketMQ's codes and the client's own -1, -2)
 *   bits 22-23 result: pending, acked, failed
 *   bits 24-30 group + 1 (0: none)
 *   bit 31     ACCT_MULTI: some replica of the group stored it more than once
 * and one byte: how many replicas' in-memory CommitLogs hold a copy (its pins).
 *
 * Copies. A retry to the same group after an attempt that stored the message but got no answer (a timeout, a
 * partition) stores it again, and the replicas copy both. A replica's bit says it holds at least one copy:
 * the copies beyond the first are counted in `copies`, a hash table keyed by message, group and replica that
 * holds only such messages (ACCT_MULTI), so that dropping one copy (a truncation, a crash losing the page
 * cache) leaves the bit while another remains. Its entries go when the copies do, when the message leaves
 * the window, or when a retry on another group restarts the bits. Not covered: attempts on group A, then B,
 * then A again; the bits restarted at B, so a copy A's first attempt left is not counted beside the new one,
 * and its drop clears the bit the new copy set.
 *
 * The window. A message changes fate only through something that names it: the producer's result, a
 * replica appending or dropping a copy, a consumer processing it. A replica appends what it reads from
 * another replica's CommitLog (HA transfer, DLedger push) or from a send request; it drops (crash losing
 * unflushed bytes, DLedger truncation, HA divergence) only copies its CommitLog still holds in memory; a
 * consumer processes what a pull read from a CommitLog. So once
 *   - the send has ended (acknowledged or failed),
 *   - no CommitLog holds a copy in memory any more (pins 0: every copy was dropped, or trimmed by the world
 *     below every replica's end and every consumer offset, where no pull, transfer or truncation reaches), and
 *   - the message was created over ACCT_GRACE ago, so that a copy already read (an HA frame, a DLedger
 *     push or a pull response on the wire when its source went) or a request still in flight (an earlier
 *     attempt held by a slow link or a paused broker) has arrived,
 * nothing can name it again. acct_fold then adds it to a counter of its kind (group, stored mask, status
 * SEND_OK, consumed or not, before the liveness cut-off) and forgets it: every end-of-run figure (acked
 * lost, unconsumed, skipped, the SYNC_MASTER check) is a sum over those kinds plus the window, the same as
 * the per-message sum over the whole run. The window runs from the oldest message not settled (lo) to the
 * newest, so in a steady run it is about the trim lag (the consumers' persisted offsets) plus ACCT_GRACE of
 * messages, whatever the run's length. The world widens the grace when the scenario can hold a request
 * longer (a partition holds a connection's segments up to tcp_timeout_ms, a pause holds a node's, a slow
 * link its own): see world.c. A message named after it was folded anyway breaks the argument: the change is
 * ignored, counted in `late`, and the world reports it as a violation ("accounting_window"), so the run
 * exits 1 and names what was not counted instead of crashing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/report/acct.h"
#include "sim/ring.h"

#define STORED(f) ACCT_STORED(f)
#define CONSUMED(f) ACCT_CONSUMED(f)
#define STATUS(f) (((f) >> 16) & 0x3fu)
#define RESULT(f) ACCT_RESULT(f)
#define GROUP(f) ACCT_GROUP(f)

int acct_init(struct acct *a)
{
    memset(a, 0, sizeof *a);
    a->cutoff = UINT32_MAX;
    a->grace = ACCT_GRACE;
    a->folded = calloc(RMQ_MAX_GROUPS, sizeof *a->folded);
    return a->folded ? 0 : -1;
}

void acct_set_grace(struct acct *a, sim_time grace)
{
    if (grace > a->grace)
        a->grace = grace;
}

void acct_free(struct acct *a)
{
    free(a->copies);
    free(a->fate);
    free(a->pins);
    free(a->mark);
    free(a->folded);
    memset(a, 0, sizeof *a);
}

static uint32_t *fate_of(const struct acct *a, uint32_t msg) { return acct_fate(a, msg); }

void acct_grow(struct acct *a)
{
    uint32_t cap = a->cap ? a->cap * 2 : 65536;
    uint32_t *f = malloc((size_t)cap * sizeof *f);
    uint8_t *p = malloc(cap);
    if (!f || !p)
        abort();   /* out of memory here means the run cannot be accounted */
    for (uint32_t i = a->lo; i < a->n; i++) {
        f[i & (cap - 1)] = a->fate[i & (a->cap - 1)];
        p[i & (cap - 1)] = a->pins[i & (a->cap - 1)];
    }
    free(a->fate);
    free(a->pins);
    a->fate = f;
    a->pins = p;
    a->cap = cap;
}



static uint64_t copy_key(uint32_t msg, int group, int replica)
{
    return ((uint64_t)msg + 1) << 10 | (uint64_t)(group & 0x7f) << 3 | (uint64_t)(replica & 7);
}

static uint32_t copy_slot(const struct acct *a, uint64_t key)
{
    uint64_t h = key * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(h >> 32) & (a->copies_cap - 1);
}

/* The slot holding key, or the free slot where it would go. */
static struct acct_copy *copy_find(const struct acct *a, uint64_t key)
{
    uint32_t i = copy_slot(a, key);
    while (a->copies[i].key != 0 && a->copies[i].key != key)
        i = (i + 1) & (a->copies_cap - 1);
    return &a->copies[i];
}

void acct_copy_added(struct acct *a, uint32_t msg, int group, int replica)
{
    if (2 * (a->copies_n + 1) > a->copies_cap) {
        uint32_t cap = a->copies_cap ? a->copies_cap * 2 : 64;
        struct acct_copy *old = a->copies, *t = calloc(cap, sizeof *t);
        if (!t)
            abort();   /* as acct_grow */
        uint32_t old_cap = a->copies_cap;
        a->copies = t;
        a->copies_cap = cap;
        for (uint32_t i = 0; i < old_cap; i++)
            if (old[i].key)
                *copy_find(a, old[i].key) = old[i];
        free(old);
    }
    uint64_t key = copy_key(msg, group, replica);
    struct acct_copy *c = copy_find(a, key);
    if (c->key == 0) {
        c->key = key;
        c->extra = 0;
        a->copies_n++;
    }
    c->extra++;
}

/* Linear probing's deletion: the entries after the freed slot that would be found before it move back. */
static void copy_remove(struct acct *a, struct acct_copy *c)
{
    uint32_t mask = a->copies_cap - 1, i = (uint32_t)(c - a->copies), j = i;
    a->copies[i].key = 0;
    a->copies_n--;
    for (;;) {
        j = (j + 1) & mask;
        if (a->copies[j].key == 0)
            return;
        uint32_t home = copy_slot(a, a->copies[j].key);
        /* the entry at j stays unless its home lies cyclically outside (i, j] */
        if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
            continue;
        a->copies[i] = a->copies[j];
        a->copies[j].key = 0;
        i = j;
    }
}

int acct_copy_dropped(struct acct *a, uint32_t msg, int group, int replica)
{
    if (a->copies_n == 0)
        return 0;
    struct acct_copy *c = copy_find(a, copy_key(msg, group, replica));
    if (c->key == 0)
        return 0;
    if (--c->extra == 0)
        copy_remove(a, c);
    return 1;
}

void acct_copies_forget(struct acct *a, uint32_t msg, int group)
{
    for (int r = 0; r < 8 && a->copies_n; r++) {
        struct acct_copy *c = copy_find(a, copy_key(msg, group, r));
        if (c->key)
            copy_remove(a, c);
    }
}

void acct_cutoff(struct acct *a) { a->cutoff = a->n; }

/* The kind of an acknowledged message, as acct_count's want() sees it. */
/* Its ACCT_F_* flags but ACCT_F_EARLY, from the fate word alone. */
static unsigned fate_flags(uint32_t f)
{
    unsigned k = 0;
    if ((int)STATUS(f) - ACCT_STATUS_BIAS == RMQ_SUCCESS)
        k |= ACCT_F_SUCCESS;
    if (CONSUMED(f) == 0)
        k |= ACCT_F_UNREAD;
    return k;
}

static unsigned kind_of(const struct acct *a, uint32_t msg, uint32_t f)
{
    return fate_flags(f) | (msg < a->cutoff ? ACCT_F_EARLY : 0);
}

void acct_fold(struct acct *a, sim_time now)
{
    /* Remember where the messages stood now; find the newest mark at least ACCT_GRACE old. */
    if (a->mark_n == a->mark_cap) {
        struct acct_mark *m = sim_ring_grow(a->mark, sizeof *m, &a->mark_cap, &a->mark_head, a->mark_n, 64);
        if (!m)
            return;   /* fold later */
        a->mark = m;
    }
    a->mark[(a->mark_head + a->mark_n++) & (a->mark_cap - 1)] = (struct acct_mark){now, a->n};
    while (a->mark_n >= 2 && a->mark[(a->mark_head + 1) & (a->mark_cap - 1)].t <= now - a->grace) {
        a->mark_head = (a->mark_head + 1) & (a->mark_cap - 1);
        a->mark_n--;
    }
    const struct acct_mark *old = &a->mark[a->mark_head];
    if (old->t > now - a->grace)
        return;
    while (a->lo < old->n) {
        uint32_t f = *fate_of(a, a->lo);
        if (RESULT(f) == ACCT_PENDING || a->pins[a->lo & (a->cap - 1)] != 0)
            break;
        int g = GROUP(f);
        if (RESULT(f) == ACCT_ACKED && g >= 0 && g < RMQ_MAX_GROUPS)
            a->folded[g][STORED(f)][kind_of(a, a->lo, f)]++;
        if (f & ACCT_MULTI)
            acct_copies_forget(a, a->lo, g);   /* copies trimmed from memory, never dropped */
        a->lo++;
    }
}

enum acct_result acct_result_of(const struct acct *a, uint32_t msg) { return (enum acct_result)RESULT(*fate_of(a, msg)); }
int acct_group_of(const struct acct *a, uint32_t msg) { return GROUP(*fate_of(a, msg)); }
int acct_status_of(const struct acct *a, uint32_t msg) { return (int)STATUS(*fate_of(a, msg)) - ACCT_STATUS_BIAS; }
unsigned acct_stored_mask(const struct acct *a, uint32_t msg) { return STORED(*fate_of(a, msg)); }
uint32_t acct_consumed_count(const struct acct *a, uint32_t msg) { return CONSUMED(*fate_of(a, msg)); }

/* Whether one message of fate f, with `early` its ACCT_F_EARLY, counts. */
static int fate_counts(uint32_t f, unsigned early, int (*want)(void *ctx, int group, unsigned mask, unsigned flags),
                       void *ctx)
{
    return RESULT(f) == ACCT_ACKED && GROUP(f) >= 0 && want(ctx, GROUP(f), STORED(f), fate_flags(f) | early);
}

/* How many of the messages [from, to) of the window count, all of them early or none. Neighbours mostly
 * share their fate word, and a message its group's previous one's: want is asked only when that changes. */
static uint64_t count_window(const struct acct *a, uint32_t from, uint32_t to, unsigned early,
                             int (*want)(void *ctx, int group, unsigned mask, unsigned flags), void *ctx)
{
    const uint32_t *fate = a->fate;
    uint32_t ring = a->cap - 1;
    uint32_t seen[128] = {0};   /* by the fate's group bits: the last fate word (0, pending, counts not) */
    unsigned counts[128] = {0};
    uint32_t prev = 0;
    unsigned c = 0;             /* whether prev counts */
    uint64_t n = 0;
    for (uint32_t i = from; i < to; i++) {
        uint32_t f = fate[i & ring];
        if (f != prev) {
            uint32_t g = f >> 24 & 0x7f;
            if (f != seen[g]) {
                seen[g] = f;
                counts[g] = (unsigned)fate_counts(f, early, want, ctx);
            }
            prev = f;
            c = counts[g];
        }
        n += c;
    }
    return n;
}

uint64_t acct_count(const struct acct *a, int (*want)(void *ctx, int group, unsigned mask, unsigned flags),
                    void *ctx)
{
    uint64_t n = 0;
    for (int g = 0; g < RMQ_MAX_GROUPS; g++)
        for (unsigned m = 0; m < 256; m++)
            for (unsigned k = 0; k < ACCT_KINDS; k++)
                if (a->folded[g][m][k] && want(ctx, g, m, k))
                    n += a->folded[g][m][k];
    /* The window, each side of the cut-off. */
    uint32_t cut = a->cutoff < a->lo ? a->lo : a->cutoff > a->n ? a->n : a->cutoff;
    n += count_window(a, a->lo, cut, ACCT_F_EARLY, want, ctx);
    n += count_window(a, cut, a->n, 0, want, ctx);
    return n;
}

struct lost_ctx {
    const unsigned *alive;
    int ngroups;
};

static int want_lost(void *ctx, int g, unsigned mask, unsigned flags)
{
    const struct lost_ctx *c = ctx;
    (void)flags;
    return g < c->ngroups && !(mask & c->alive[g]);
}

uint64_t acct_acked_lost(const struct acct *a, const unsigned *alive_mask_by_group, int ngroups)
{
    struct lost_ctx c = {alive_mask_by_group, ngroups};
    return acct_count(a, want_lost, &c);
}

static int want_unread(void *ctx, int g, unsigned mask, unsigned flags)
{
    (void)ctx;
    (void)g;
    (void)mask;
    return (flags & ACCT_F_UNREAD) != 0;
}

uint64_t acct_acked_unconsumed(const struct acct *a) { return acct_count(a, want_unread, NULL); }
