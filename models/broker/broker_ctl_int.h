/* broker_ctl_int: what the two halves of a controller-mode broker share: broker_controller.c (roles, the
 * epoch file, the controller's requests) and broker_ctl_sss.c (the master's SyncStateSet and puts). Not for
 * other files. */
#ifndef MODELS_BROKER_CTL_INT_H
#define MODELS_BROKER_CTL_INT_H

#include "models/broker/broker_int.h"
#include "models/controller/ctl_proto.h"

#define EPOCHS_MAX 64

/* rpc tags of a controller-mode broker's requests (with BR_CTL; CTL_TAG_META carries the controller asked in bits 8-15) */
enum { CTL_TAG_HB = 1, CTL_TAG_INFO, CTL_TAG_ELECT, CTL_TAG_ALTER, CTL_TAG_EPOCH, CTL_TAG_META };

struct ctl_broker {
    struct ctl_info info;            /* what the broker knows of its group */
    int alter_pending;
    int handshake;                   /* an epoch handshake with this master node is in flight */
    sim_node_id handshake_with;
    sim_time caught_up[RMQ_MAX_REPLICAS];   /* lastCaughtUpTimeMs per slave */
    struct ctl_epoch_entry ep[EPOCHS_MAX];  /* the epoch file (EpochFileCache) */
    int nep;
    /* several controllers: controllerLeaderAddress (-1 unknown) and updateControllerMetadata's pass */
    int leader;
    int meta_busy, meta_known;
    uint64_t confirm;                /* the master's confirmOffset (DefaultMessageStore.setConfirmOffset) */
    uint32_t ha_sss;                 /* AutoSwitchHAService's syncStateSet: set only while the controller names
                                        this broker master (changeSyncStateSet); a demoted master keeps its own */
    sim_time disp_end;               /* when the ReputMessageService will have dispatched all stored (see
                                        ctl_stored); idle since then when in the past */
    int promoting;                   /* changeToMaster waits for the dispatch */
    sim_time promote_at;             /* ... since then (the trace's broker.dispatch_done) */
    int has_pending;                 /* a role change that came meanwhile (it waits for the lock) */
    struct ctl_info pending;
};

/* The members of a SyncStateSet. Bit arithmetic rather than __builtin_popcount, which without -mpopcnt is
 * a call into libgcc on every put. */
static inline int ctl_popcount(uint32_t x)
{
    x = x - (x >> 1 & 0x55555555u);
    x = (x & 0x33333333u) + (x >> 2 & 0x33333333u);
    return (int)(((x + (x >> 4)) & 0x0f0f0f0fu) * 0x01010101u >> 24);
}

/* n messages entered the CommitLog now (a put, or a slave's HA frame): ReputMessageService's backlog, for
 * changeToMaster's wait (DefaultMessageStore.dispatchBehindBytes), grows. mqsim's classic store makes a
 * message readable as it stores it (on master and slave); the service's timing is kept only as the moment
 * it will have dispatched everything stored: as for DLedger brokers (broker_dledger.c), a round starts
 * after the 1 ms sleep that follows the last one and takes reput_message_cost_us a message, messages
 * stored during a round join it. Inline: a put and every HA frame call it. */
static inline void ctl_stored(struct broker *b, uint32_t n)
{
    struct ctl_broker *c = b->ctl;
    sim_time now = node_now(b->n);
    for (; n > 0 && now >= c->disp_end; n--)   /* idle since disp_end: the next round starts after its sleep */
        c->disp_end = now + broker_reput_wake(b, now - c->disp_end) + b->cfg.reput_cost;
    c->disp_end += (sim_time)n * b->cfg.reput_cost;   /* the others join the round */
}

/* A request to the controller (the one, or the leader the broker knows) with the broker's epochs; -1 when
 * no leader is known. */
int ctl_request(struct broker *b, uint16_t code, uint32_t sss, uint64_t tag);
/* setConfirmOffset(computeConfirmOffset()); held pulls see what it newly shows. */
void ctl_update_confirm(struct broker *b);
/* AutoSwitchHAService.maybeShrinkSyncStateSet, every checkSyncStateSetPeriod. */
void ctl_check_sss(struct broker *b);

#endif
