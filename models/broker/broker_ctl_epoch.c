/* broker_ctl_epoch: a controller-mode broker's epoch file (EpochFileCache: which master wrote which part of the
 * log), the slave's handshake with a new master (AutoSwitchHAClient: the two files' consistent point, the log
 * and the file truncated to it), which the world's trim also asks where it would cut, and the epochs the
 * master's frames then carry into the slave's file. */
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/broker/broker_ctl_int.h"
#include "models/controller/controller.h"

/* EpochFileCache.appendEntry: an entry is taken only when both its epoch and its start offset are above the
 * last entry's ("The appending entry's lastEpoch or endOffset ... is not bigger than lastEntry"): an epoch in
 * which nothing was written leaves no room for the next at the same offset, which then stays the older
 * epoch's, in the master's file and so in its slaves' (the frames carry the epoch of the entry that holds
 * their offset). */
static void epoch_push(struct ctl_broker *c, int32_t epoch, uint64_t start)
{
    if (c->nep && (c->ep[c->nep - 1].epoch >= epoch || c->ep[c->nep - 1].start >= start))
        return;
    if (c->nep == EPOCHS_MAX) {
        memmove(c->ep, c->ep + 1, (EPOCHS_MAX - 1) * sizeof c->ep[0]);
        c->nep--;
    }
    c->ep[c->nep].epoch = epoch;
    c->ep[c->nep++].start = start;
}

void ctl_epoch_append(struct ctl_broker *c, int32_t epoch, uint64_t start) { epoch_push(c, epoch, start); }

/* A master taking the role at epoch (AutoSwitchHAService.changeToMaster, changeToMasterWhenLastRoleIsMaster):
 * the entries of that epoch or later go (truncateSuffixByEpoch) and the epoch starts at the log's end
 * (appendEntry(new EpochEntry(masterEpoch, getMaxPhyOffset()))). An old master back under the same epoch
 * so starts that epoch again at what it recovered, where its slaves' files have it start earlier: their
 * handshakes agree with it only on the epoch before (and cut back to this epoch's start), or on none. */
void ctl_epoch_restart(struct ctl_broker *c, int32_t epoch, uint64_t start)
{
    while (c->nep && c->ep[c->nep - 1].epoch >= epoch)
        c->nep--;
    epoch_push(c, epoch, start);
}

/* EpochFileCache.lastEpoch: the last entry's epoch, what a heartbeat reports (ReplicasManager.getLastEpoch). */
int32_t ctl_last_epoch(const struct broker *b)
{
    const struct ctl_broker *c = b->ctl;
    return c->nep ? c->ep[c->nep - 1].epoch : 0;
}

/* broker.handshake (level full): how a handshake with its master ended, `agreed` (the slave may transfer),
 * `failed` (no answer, or an error) or `no_consistent_point`. */
static void trace_handshake(struct broker *b, const char *result)
{
    struct trace *tr = trace_of(b);
    if (!trace_on(tr, TRACE_FULL))
        return;
    trace_begin(tr, node_now(b->n), b->n->name, "broker.handshake");
    trace_str(tr, "peer", sim_node(b->n->sim, b->ctl->handshake_with)->name);
    trace_str(tr, "result", result);
    trace_end(tr);
}

/* A handshake that got no answer or an error: the HA client closes the connection and waits
 * (closeMasterAndWait), then connects and shakes hands again from its own loop, without the controller. */
void ctl_handshake_failed(struct broker *b)
{
    trace_handshake(b, "failed");
    b->ctl->handshake = 0;
    ha_handshake_end(b, HA_HS_FAILED);
}

/* The handshake as a request to the master once the HA connection is up (CTL_EPOCH: its epoch entries and
 * end), where AutoSwitchHAClient makes it the connection's first exchange (HANDSHAKE); the client reports,
 * and the master transfers, when it is done. Its generation in the tag: an answer to an earlier connection's
 * is not taken. */
void ctl_ha_connected(struct broker *b, sim_node_id peer)
{
    struct ctl_broker *c = b->ctl;
    c->handshake = 1;
    c->handshake_with = peer;
    c->agreed = 0;
    c->handshake_gen++;
    rpc_call_async(&b->rpc, peer, CTL_EPOCH, NULL, 0, 0, HANDSHAKE_TIMEOUT,
                   BR_CTL | CTL_TAG_EPOCH | (uint64_t)c->handshake_gen << 8);
}

/* EpochFileCache.findConsistentPoint of this broker's epoch file and a master's (its n epochs e and its log's
 * end): where the two logs are known to agree up to; 0 when they share no epoch. */
static int consistent_point(const struct broker *b, const struct ctl_epoch_entry *e, uint32_t n, uint64_t end,
                            uint64_t *point)
{
    const struct ctl_broker *c = b->ctl;
    if (!c->nep) {
        *point = broker_log_end(b);   /* an empty epoch file: nothing of its own to doubt */
        return 1;
    }
    for (int i = c->nep - 1; i >= 0; i--)
        for (uint32_t k = 0; k < n; k++) {
            /* the same epoch begun at the same offset: the same master wrote both (findConsistentPoint) */
            if (e[k].epoch != c->ep[i].epoch || e[k].start != c->ep[i].start)
                continue;
            /* the log's end as getMaxPhyOffset gives it: a message held in part counts (ha_frame.c) */
            uint64_t mine = i + 1 < c->nep ? c->ep[i + 1].start : broker_log_end(b);
            uint64_t theirs = k + 1 < n ? e[k + 1].start : end;
            *point = mine < theirs ? mine : theirs;
            return 1;
        }
    return 0;
}

uint64_t ctl_truncation_floor(const struct broker *b, const struct broker *master)
{
    uint64_t point;
    if (b == master || !b->ctl || !master->ctl ||
        !consistent_point(b, master->ctl->ep, (uint32_t)master->ctl->nep, master->cl.max_offset, &point))
        return UINT64_MAX;
    return point;
}

/* The slave's side of the handshake: the consistent point of both epoch files (EpochFileCache
 * .findConsistentPoint), the log truncated to it and its epoch file too (AutoSwitchHAClient.doTruncate:
 * truncateSuffixByOffset, the entries starting at or above it go). The master's epochs are not taken here:
 * each frame's header brings the one it is of (ctl_frame_epoch), so the file never holds an epoch the log
 * has not reached (but for the frame that ends an epoch, which carries the next). */
void ctl_handshake_done(struct broker *b, const struct ctl_epochs *m)
{
    struct ctl_broker *c = b->ctl;
    uint64_t point = 0;
    int found = consistent_point(b, m->e, m->n, m->max_offset, &point);
    if (!found) {
        /* AutoSwitchHAClient.doTruncate: "Failed to find a consistent point", no transfer. The handshake
         * is tried again and fails the same way while the two epoch files disagree. */
        trace_handshake(b, "no_consistent_point");
        struct trace *tr = trace_of(b);
        if (trace_on(tr, TRACE_EVENTS)) {
            trace_begin(tr, node_now(b->n), b->n->name, "broker.no_consistent_point");
            trace_str(tr, "peer", sim_node(b->n->sim, c->handshake_with)->name);
            trace_uint(tr, "offset", b->cl.max_offset);
            trace_end(tr);
        }
        c->handshake = 0;
        ha_handshake_end(b, HA_HS_NO_POINT);
        return;
    }
    b->ha_held_to = 0;
    if (point < broker_log_end(b)) {
        uint64_t held = broker_log_end(b);
        int forgot = cl_phy_trimmed(&b->cl, point);
        struct trace *tr = trace_of(b);
        if (trace_on(tr, TRACE_EVENTS)) {
            trace_begin(tr, node_now(b->n), b->n->name, "broker.truncate");
            trace_uint(tr, "from", held);
            trace_uint(tr, "to", point);
            trace_end(tr);
        }
        broker_truncate(b, point);
        if (forgot) {
            /* Below the log's kept start (a master back after a host crash began its epoch again, and its
             * slaves go back to that epoch's start, however long ago): all that was kept is gone, and the log,
             * empty, ends at the point. The master sends again the bytes up to where it ended, what its trim
             * forgot of them as filler (ha_frame.c, ha_frame_filler). */
            cl_reset(&b->cl, point);
            b->ha_held_to = held;
            broker_truncate(b, point);   /* the page cache and the marks follow the end down to the point */
        }
        broker_reput_truncated(b);
        ctl_cq_truncated(b);
        ctl_confirm_clamp(b);
    }
    while (c->nep && c->ep[c->nep - 1].start >= point)
        c->nep--;
    c->handshake = 0;
    c->agreed = 1;
    trace_handshake(b, "agreed");
    ha_handshake_end(b, HA_HS_AGREED);
}

int ctl_ha_agreed(const struct broker *b) { return b->ctl->agreed; }

void ctl_client_init(struct broker *b) { b->ctl->rx_epoch = -1; }

/* HAClientReader, a TRANSFER frame (its offset checked): an epoch other than currentReceivedEpoch is recorded
 * there and appended to the epoch file (appendEntry, which keeps only an epoch and start above the last's).
 * currentReceivedEpoch lasts the client's life, not its connection's: a reconnect to the same master whose
 * handshake cut the epoch's entry away does not bring it back. */
void ctl_frame_epoch(struct broker *b, int32_t epoch, uint64_t start)
{
    struct ctl_broker *c = b->ctl;
    if (epoch == c->rx_epoch)
        return;
    c->rx_epoch = epoch;
    epoch_push(c, epoch, start);
}

void ctl_ha_closed(struct broker *b)
{
    b->ctl->agreed = 0;
    b->ctl->handshake = 0;
}
