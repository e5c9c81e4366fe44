/* acct: one uint32 per message id:
 *   bits 0-7   stored on replica r (bit r)
 *   bits 8-15  times consumed (saturating at 255)
 *   bits 16-21 the send's status (ACCT_STATUS_INDEX: RocketMQ's codes and the client's own -1, -2)
 *   bits 22-23 result: pending, acked, failed
 *   bits 24-30 group + 1 (0: none) */
#include <stdlib.h>
#include <string.h>

#include "models/report/acct.h"

#define STORED(f) ((f) & 0xffu)
#define CONSUMED(f) (((f) >> 8) & 0xffu)
#define STATUS(f) (((f) >> 16) & 0x3fu)
#define RESULT(f) (((f) >> 22) & 3u)
#define GROUP(f) ((int)(((f) >> 24) & 0x7fu) - 1)

/* In the backlog: acknowledged, never consumed, and held by some replica. */
static int in_backlog(uint32_t f) { return RESULT(f) == ACCT_ACKED && CONSUMED(f) == 0 && STORED(f) != 0; }

void acct_init(struct acct *a) { memset(a, 0, sizeof *a); }

void acct_free(struct acct *a)
{
    free(a->fate);
    memset(a, 0, sizeof *a);
}

uint32_t acct_new(struct acct *a)
{
    if (a->n == a->cap) {
        uint32_t cap = a->cap ? a->cap * 2 : 65536;
        uint32_t *f = realloc(a->fate, (size_t)cap * sizeof *f);
        if (!f)
            abort();   /* 4 bytes a message: out of memory here means the run cannot be accounted */
        a->fate = f;
        a->cap = cap;
    }
    a->fate[a->n] = 0;
    a->sent++;
    return a->n++;
}

int acct_result(struct acct *a, uint32_t msg, int group, int status)
{
    if (msg >= a->n)
        return 0;
    int before = in_backlog(a->fate[msg]);
    uint32_t f = a->fate[msg] & 0xffffu;
    int ok = rmq_send_ok(status) && group >= 0;
    f |= (uint32_t)ACCT_STATUS_INDEX(status) << 16;
    f |= (uint32_t)(ok ? ACCT_ACKED : ACCT_FAILED) << 22;
    f |= (uint32_t)((group + 1) & 0x7f) << 24;
    a->fate[msg] = f;
    if (ok)
        a->acked++;
    else
        a->send_failed++;
    a->status_count[ACCT_STATUS_INDEX(status)]++;
    return in_backlog(f) - before;
}

int acct_stored(struct acct *a, uint32_t msg, int group, int replica, int stored)
{
    if (msg >= a->n || replica < 0 || replica >= 8)
        return 0;
    int before = in_backlog(a->fate[msg]);
    /* The group is known from the first store on: consumption may come before the producer's ack. */
    if (stored && GROUP(a->fate[msg]) < 0 && group >= 0)
        a->fate[msg] |= (uint32_t)((group + 1) & 0x7f) << 24;
    if (stored)
        a->fate[msg] |= 1u << replica;
    else
        a->fate[msg] &= ~(1u << replica);
    return in_backlog(a->fate[msg]) - before;
}

int acct_consumed(struct acct *a, uint32_t msg)
{
    if (msg >= a->n)
        return 0;
    int before = in_backlog(a->fate[msg]);
    uint32_t c = CONSUMED(a->fate[msg]);
    if (c < 255)
        a->fate[msg] += 1u << 8;
    a->consumed++;
    if (c > 0)
        a->duplicates++;
    else if (GROUP(a->fate[msg]) >= 0)
        a->consumed_by_group[GROUP(a->fate[msg])]++;
    return in_backlog(a->fate[msg]) - before;
}

enum acct_result acct_result_of(const struct acct *a, uint32_t msg) { return (enum acct_result)RESULT(a->fate[msg]); }
int acct_group_of(const struct acct *a, uint32_t msg) { return GROUP(a->fate[msg]); }
int acct_status_of(const struct acct *a, uint32_t msg) { return (int)STATUS(a->fate[msg]) - ACCT_STATUS_BIAS; }
unsigned acct_stored_mask(const struct acct *a, uint32_t msg) { return STORED(a->fate[msg]); }
uint32_t acct_consumed_count(const struct acct *a, uint32_t msg) { return CONSUMED(a->fate[msg]); }

uint64_t acct_acked_lost(const struct acct *a, const unsigned *alive_mask_by_group, int ngroups)
{
    uint64_t lost = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        uint32_t f = a->fate[i];
        int g = GROUP(f);
        if (RESULT(f) == ACCT_ACKED && g >= 0 && g < ngroups && !(STORED(f) & alive_mask_by_group[g]))
            lost++;
    }
    return lost;
}

uint64_t acct_acked_unconsumed(const struct acct *a)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < a->n; i++)
        if (RESULT(a->fate[i]) == ACCT_ACKED && CONSUMED(a->fate[i]) == 0)
            n++;
    return n;
}
