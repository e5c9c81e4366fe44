/* broker_ctl_int: what the parts of a controller-mode broker share: broker_controller.c (roles, the
 * controller's requests), broker_ctl_epoch.c (the epoch file, the slave's handshake) and broker_ctl_sss.c (the
 * master's SyncStateSet and puts). Not for other files. */
#ifndef MODELS_BROKER_CTL_INT_H
#define MODELS_BROKER_CTL_INT_H

#include "models/broker/broker_int.h"
#include "models/controller/ctl_proto.h"

#define EPOCHS_MAX 64

/* rpc tags of a controller-mode broker's requests (with BR_CTL; CTL_TAG_META carries the controller asked in bits 8-15) */
enum { CTL_TAG_HB = 1, CTL_TAG_INFO, CTL_TAG_ELECT, CTL_TAG_ALTER, CTL_TAG_EPOCH, CTL_TAG_META, CTL_TAG_NEXT_ID,
       CTL_TAG_APPLY, CTL_TAG_REGISTER };

/* A controller-mode broker's timer kinds (BT_CTL), in the low 4 bits of the timer's argument; CTL_T_CHECK
 * carries its schedule's generation above. */
enum { CTL_T_HEARTBEAT = 1, CTL_T_SYNC, CTL_T_CHECK, CTL_T_META, CTL_T_DISPATCH, CTL_T_CHECKPOINT, CTL_T_START,
       CTL_T_REGISTER, CTL_T_CQ_FLUSH };

/* What a change of role that waits for the HA client's thread (struct ctl_broker's joining) goes on with. */
enum { CTL_JOIN_MASTER = 1, CTL_JOIN_SLAVE };

struct ctl_broker {
    struct ctl_info info;            /* what the broker knows of its group */
    int alter_pending;
    uint32_t lost;                   /* slaves whose connection ended while alter_pending: their removal waits */
    int handshake;                   /* an epoch handshake with this master node is in flight */
    sim_node_id handshake_with;
    uint32_t handshake_gen;          /* the handshake's number (in its rpc tag): a late answer is not taken */
    sim_node_id master_id;           /* ReplicasManager.masterBrokerId: the master of the last change of role
                                        (itself after a change to master), NONE after a start */
    int agreed;                      /* the handshake for the HA client's next connection is done
                                        (AutoSwitchHAClient: every connectMaster goes through HANDSHAKE) */
    sim_time caught_up[RMQ_MAX_REPLICAS];   /* lastCaughtUpTimeMs per slave */
    struct ctl_epoch_entry ep[EPOCHS_MAX];  /* the epoch file (EpochFileCache) */
    int nep;
    int32_t rx_epoch;                /* the HA client's currentReceivedEpoch (-1: none since its init) */
    /* several controllers: controllerLeaderAddress (-1 unknown) and updateControllerMetadata's pass */
    int leader;
    int meta_busy, meta_known;
    int meta_tries;                  /* the failed passes of this round (three before a start retry) */
    uint64_t confirm;                /* CommitLog.confirmOffset: a master's computeConfirmOffset (kept with
                                        allAckInSyncStateSet off too), a slave's from its master's frames */
    uint64_t ckpt_confirm;           /* StoreCheckpoint.confirmPhyOffset as last flushed (every second): what
                                        a restart recovers */
    uint64_t cq_end;                 /* where the ConsumeQueues a crash left end (ctl_crash), for the next
                                        start's recovery; 0 after a host crash, where cq_flushed says */
    /* FlushConsumeQueueService (cq_flush.c), in entries of each queue: the flushed position its rounds count
     * pages from (MappedFileQueue.flushedWhere, the mapped file's flushedPosition), and what the device
     * holds, which a host crash keeps */
    uint64_t cq_flushed[RMQ_MAX_QUEUES];
    uint64_t cq_durable[RMQ_MAX_QUEUES];
    sim_time cq_thorough_at;         /* lastFlushTimestamp: the last round that flushed every queue ... */
    uint8_t cq_thorough_done;        /* ... since the start (0: the next round is thorough) */
    uint8_t cq_cut;                  /* the recovery cuts the queues at the log's end (ctl_cq_crash) */
    uint64_t disp_to;                /* the messages ending at or below it entered the ReputMessageService's
                                        backlog (ctl_stored); on a slave the confirm offset bounds it */
    uint32_t ha_sss;                 /* AutoSwitchHAService's syncStateSet: set only while the controller names
                                        this broker master (changeSyncStateSet); a demoted master keeps its own */
    sim_time disp_end;               /* when the ReputMessageService will have dispatched all stored (see
                                        ctl_stored); idle since then when in the past */
    int promoting;                   /* changeToMaster waits for the dispatch */
    int joining;                     /* a change of role waits for the HA client's thread to end (ha_client_stop,
                                        holding ReplicasManager's lock): CTL_JOIN_MASTER or CTL_JOIN_SLAVE */
    sim_time promote_at;             /* ... since then (the trace's broker.dispatch_done) */
    int has_pending;                 /* a role change that came meanwhile (it waits for the lock) */
    struct ctl_info pending;
    /* ReplicasManager.startBasicService: registered (the replica info answered), started (a master known or
     * elected: the replica-info poll runs), a retry armed after a failed start, a start that completes when
     * the promotion's dispatch wait ends */
    uint8_t registered, started, retry_armed, start_after_promote;
    /* ReplicasManager.register(): the brokerId of the metadata file (brokerControllerId, 0 before the first
     * registration) and of the temp metadata file (the id asked for, not yet applied); files that survive
     * a restart */
    int32_t my_id, temp_id;
    uint8_t start_registered;        /* BrokerController.start's registration, after the first attempt, is done */
    int register_tries;              /* the registration's failed attempts in this start round */
    struct sim_rng *start_rng;       /* the pauses between registration attempts */
    uint32_t check_gen;              /* the SyncStateSet check's schedule (checkSyncStateSetTaskFuture): a
                                        promotion restarts it, a demotion stops it */
    uint32_t state_version;          /* DataVersion.nextVersion(newMasterEpoch) at each role change */
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
 * changeToMaster's wait (DefaultMessageStore.dispatchBehindBytes), grows. What consumers may read follows
 * the service's rounds taken as instant (reput.c); for this wait its timing is kept as the moment it will
 * have dispatched everything stored: as for DLedger brokers (reput_dledger.c), a round starts
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

/* BrokerController.isIsolated in controller mode: from initialize (ReplicasManager.setFenced(true)) until
 * startBasicService reaches RUNNING (setFenced(false)); the periodic registration with the NameServers and
 * the heartbeat to the controllers skip their turns meanwhile. */
static inline int ctl_isolated(const struct broker *b) { return b->ctl && !b->ctl->started; }

/* A request to the controller (the one, or the leader the broker knows) with the broker's epochs; -1 when
 * no leader is known. */
int ctl_request(struct broker *b, uint16_t code, uint32_t sss, uint64_t tag);
/* setConfirmOffset(computeConfirmOffset()); held pulls see what it newly shows. */
void ctl_update_confirm(struct broker *b);
/* CommitLog.getConfirmOffset in controller mode: a master's max offset unless allAckInSyncStateSet with a
 * SyncStateSet of more than itself, else (and on a slave) the confirmOffset field. What the master's HA
 * frames carry. */
uint64_t ctl_header_confirm(const struct broker *b);
/* What consumers may read up to on b (ReputMessageService.getReputEndOffset, readUnCommitted included). */
uint64_t ctl_read_end(const struct broker *b);
/* An HA frame as the slave received it: the confirm offset it carries (valid: it carries one), and the
 * slave's read end (ctl_read_end) and max offset before it. */
struct frame_confirm {
    uint64_t offset, old, max_before;
    int valid;
};
/* After the slave appended a frame's n whole messages: setConfirmOffset(min(its confirmOffset, max offset))
 * (AutoSwitchHAClient); the messages at or below it enter the dispatch backlog, held pulls see them. */
void ctl_frame_confirm(struct broker *b, const struct frame_confirm *fc, uint32_t n);
/* The master read slave replica's ack: AutoSwitchHAService.updateConfirmOffsetWhenSlaveAck (with
 * allAckInSyncStateSet off; with it on ctl_acks recomputes at every ack). */
void ctl_slave_ack(struct broker *b, int replica);
/* ReplicasManager.changeToMaster's changeSyncStateSet (computeConfirmOffset over no connection): the confirm
 * offset of the broker about to wait for its dispatch, and what it newly lets the ReputMessageService take. */
void ctl_confirm_promote(struct broker *b);
/* The broker became master: with allAckInSyncStateSet off (or a SyncStateSet of itself alone) the
 * ReputMessageService's end is the max offset from now on. */
void ctl_confirm_master(struct broker *b);
/* A truncation or a restart's recovery left the log ending at max_offset: the confirm offset and the
 * dispatch go no further (CommitLog.truncateDirtyFiles, DefaultMessageStore.truncateDirtyFiles). */
void ctl_confirm_clamp(struct broker *b);
/* The lowest of the confirm offset, the one the checkpoint restores (ctl_start) and, on a slave, where the
 * dispatch backlog was counted to (reput_to): what the store reads again, which the world's trim keeps. */
uint64_t ctl_keep_offset(const struct broker *b);
/* DefaultMessageStore.start after a restart's recovery: setReputFromOffset(getConfirmOffset()), and the
 * ReputMessageService's first rounds take the dispatch on to getReputEndOffset (the confirm offset itself,
 * or with readUnCommitted the max offset: what lies above enters the backlog at once). */
void ctl_reput_from_confirm(struct broker *b);
/* cq_flush.c. flush: a FlushConsumeQueueService round (doFlush). crash: what ConsumeQueue.recover will find
 * of each queue after a crash of this kind, cut where the recovered log ends. recovered: ctl_start's recovery,
 * the dispatch again to the confirm offset, each queue read at least to what was found, the service anew.
 * truncated: a handshake cut the log (DefaultMessageStore.truncateDirtyFiles). flush answers 1 for a round
 * with 0 pages, which forces the StoreCheckpoint too (doFlush l.2661-2666). */
int ctl_cq_flush(struct broker *b);
void ctl_cq_crash(struct broker *b, enum sim_crash_kind kind);
void ctl_cq_recovered(struct broker *b);
void ctl_cq_truncated(struct broker *b);
/* AutoSwitchHAService.maybeShrinkSyncStateSet, every checkSyncStateSetPeriod. */
void ctl_check_sss(struct broker *b);
/* The controller answered an alterSyncStateSet: the removals that waited for it go. */
void ctl_alter_answered(struct broker *b);

/* broker_ctl_role.c: the changes of role. apply_info: an answer or a notify that names the group's master
 * (ReplicasManager.changeBrokerRole and the rest); dispatch_poll: changeToMaster's 100 ms poll of its
 * dispatch (CTL_T_DISPATCH). broker_controller.c's start_done: startBasicService succeeded, or a change of
 * role it waited for is over. */
void ctl_apply_info(struct broker *b, const struct ctl_info *i);
void ctl_dispatch_poll(struct broker *b);
void ctl_start_done(struct broker *b);

/* broker_ctl_epoch.c: the epoch file. append: EpochFileCache.appendEntry (an entry no newer, or starting no
 * later, than the last is not taken); restart: a master taking the role at epoch (entries of that epoch or
 * later go, then the epoch is appended at start); last_epoch: the last entry's epoch (0: none). */
void ctl_epoch_append(struct ctl_broker *c, int32_t epoch, uint64_t start);
void ctl_epoch_restart(struct ctl_broker *c, int32_t epoch, uint64_t start);
int32_t ctl_last_epoch(const struct broker *b);
/* The slave's handshake with its master on the HA connection (ctl_ha_connected asks for the master's epoch
 * file, CTL_EPOCH): done truncates the log and its own epoch file to the files' consistent point, or finds
 * none; either way the HA client goes on (ha_handshake_end). The master's epochs come with its frames
 * (ctl_frame_epoch). */
void ctl_handshake_done(struct broker *b, const struct ctl_epochs *m);
/* The handshake's request got no answer or an error: traced, and the HA client closes and waits. */
void ctl_handshake_failed(struct broker *b);

#endif
