/* broker_int: the broker's state, shared by its files (broker.c: the node, registration, flush;
 * broker_processor.c: puts and pulls; broker_offsets.c: offsets; ha.c: replication; and the others). */
#ifndef MODELS_BROKER_INT_H
#define MODELS_BROKER_INT_H

#include "models/store/commitlog.h"
#include "models/world/cluster.h"
#include "models/remoting/rpc.h"
#include "models/broker/executor.h"

#define FILE_COMMITLOG 0
#define PAGE 4096            /* OS_PAGE_SIZE: flushCommitLogLeastPages counts these */
#define OFFSET_NONE UINT64_MAX   /* no consumer offset stored */
#define FILE_META 1          /* DLedger's term and vote (MemberState's persisted file) */
/* The tag of a cold CommitLog read (node_disk_read, FILE_COMMITLOG): its reader in the high byte, which
 * broker_disk_done routes by, and the reader's argument below. */
enum cold_reader { COLD_PULL, COLD_HA, COLD_DLEDGER, COLD_AHEAD };   /* COLD_AHEAD: an asynchronous readahead */
#define COLD_TAG(reader, arg) ((uint64_t)(reader) << 56 | (uint64_t)(arg))
#define COLD_READER(tag) ((int)((tag) >> 56))
#define COLD_ARG(tag) ((tag) & ((1ULL << 56) - 1))

/* page_cache.c: the CommitLog pages cold reads brought into the page cache, as a few disjoint ranges [lo, hi),
 * each with the tick it was last read or hit at (oldest first out). */
#define PC_RANGES 8
#define PC_NO_MARK UINT64_MAX
struct page_reads {
    /* mark: its PG_readahead page (PC_NO_MARK: none), mark_end: where the window the mark is in ends */
    struct pc_range { uint64_t lo, hi, used, mark, mark_end; } r[PC_RANGES];
    int n;
    uint64_t clock;
    /* the last reads' pages, [lo, hi), and when each read ends (SIM_TIME_MAX: its read not issued yet) */
    struct pc_flight { uint64_t lo, hi; sim_time ready; } fl[PC_RANGES];
    int nfl;
};
/* What one touch of cold bytes did: the bytes the device reads (0: all hits), those of the touch found read
 * in before (hit), the read-around windows its faults read (0 without readahead), and when the last read
 * bringing in a page it hit ends (wait: the touch waits for it; <= now, nothing to wait for); ahead: where
 * the asynchronous readahead the copy started behind a fault of its own begins (0: none), issued after the
 * faults' read (broker_page_io), ahead_top where the written bytes begin, ahead_at the marked page reached. */
struct page_touch { uint64_t read, hit; uint32_t windows; sim_time wait; uint64_t ahead, ahead_top, ahead_at; };

/* Timer tags: kind in the low byte, an argument above it. */
enum broker_timer {
    BT_REGISTER = 1, BT_FLUSH, BT_GROUP_COMMIT, BT_HOLD_CHECK, BT_OFFSET_PERSIST, BT_OFFSET_SYNC,
    BT_HA_MASTER, BT_HA_CLIENT, BT_RAFT, BT_ROLE_CHECK, BT_REPUT, BT_CHECKPOINT, BT_EXEC, BT_FAST_FAILURE, BT_CTL,
    BT_CLIENT_SCAN, BT_HA_ACCEPTED, BT_CHAN_IDLE, BT_DL_GET, BT_GTS
};
#define BT(kind, arg) ((uint64_t)(kind) | ((uint64_t)(arg) << 8))

/* rpc tags of the broker's own requests. */
enum broker_req { BR_REGISTER = 1, BR_OFFSET_SYNC, BR_REGISTER_ONEWAY };
#define BR_RAFT (1ULL << 62)   /* rpc tags of the DLedger member carry this bit */
#define BR_CTL (1ULL << 61)    /* rpc tags of controller mode (broker_controller.c) carry this bit */
/* BrokerOuterAPI's invokeSync calls other than registerBroker take a fixed 3000 ms: getAllConsumerOffset (the
 * slave's offset sync), getControllerMetaData, registerBrokerToController, getReplicaInfo, brokerElect,
 * alterSyncStateSet (R44, R498, R53). */
#define BROKER_API_TIMEOUT (3 * SIM_S)
/* BrokerConfig.sendHeartbeatTimeoutMillis (R53): the controller heartbeat, a oneway. */
#define HEARTBEAT_TIMEOUT SIM_S
/* The 5.x slave's epoch handshake with its master goes over the HA connection in RocketMQ
 * (AutoSwitchHAClient), which has no request timeout; mqsim's exchange gives up after 6 s. */
#define HANDSHAKE_TIMEOUT (6 * SIM_S)

/* A put waiting for its flush (SYNC_FLUSH) and then its slave (SYNC_MASTER). */
struct put_wait {
    struct rpc_ctx ctx;
    uint64_t end;              /* the CommitLog offset just past the message */
    uint64_t offset;
    sim_time deadline;
    sim_time slave_deadline;   /* R498 on: the replica wait's own deadline, beside the flush's; 0: after it */
    int status;
    uint8_t need_flush, need_slave;
    uint8_t slave_after_flush;  /* R44 under SYNC_FLUSH: handleHA (isSlaveOK, wakeupAll) when the flush ends */
    uint8_t need_quorum;       /* DLedger: answered by the member when the entry commits, not here */
    int16_t thread;            /* the send thread blocked in waitForFlush (R44 CommitLog.handleHA), -1: none */
    uint8_t gts;               /* R44 GroupTransferService's answer (group_transfer.c): GTS_NONE, or as below */
    uint64_t gts_id;           /* its request, 0: none */
};
enum { GTS_NONE, GTS_PENDING, GTS_OK, GTS_FAILED };

/* A request to R44's GroupTransferService: the put's end offset (nextOffset), and its put_wait's gts_id. */
struct gts_req {
    uint64_t end, id;
};

/* The request executors of BrokerController.registerProcessor that mqsim's requests reach. */
enum exec_kind {
    EX_SEND,                   /* SEND_MESSAGE: sendMessageExecutor */
    EX_PULL,                   /* PULL_MESSAGE: pullMessageExecutor */
    EX_CONSUMER_MANAGE,        /* QUERY/UPDATE_CONSUMER_OFFSET: consumerManageExecutor */
    EX_ADMIN,                  /* the default processor (AdminBrokerProcessor: getAllConsumerOffset, ...) */
    EX_N
};

/* A pull thread's answer waiting for its cold bytes (broker_processor.c: cold_read): the read's
 * completion sends it. */
struct pull_read {
    struct rmq_pull_resp r;
    uint64_t bytes;            /* the messages' bytes, the answer's payload */
    uint32_t len;              /* the answer's body */
    int code;
    uint8_t pending;           /* a read is in flight */
};

/* A pull held by long polling (PullRequestHoldService). */
struct held_pull {
    struct rpc_ctx ctx;
    struct rmq_pull_req req;
    sim_time deadline;
    int in_use;
};

/* A queue's entry in RebalanceLockManager.mqLockTable (LockEntry). client 0: none. */
struct queue_lock {
    uint64_t client;
    sim_time last;             /* lastUpdateTimestamp */
};

/* A client channel of the one consumer group (ConsumerGroupInfo.channelInfoTable: ClientChannelInfo). */
struct client_chan {
    sim_conn conn;
    uint64_t client;           /* clientId */
    sim_time last;             /* lastUpdateTimestamp: its last heartbeat */
};

/* One slave's HA connection, master side (HAConnection). */
struct ha_conn {
    sim_conn conn;
    int replica;               /* the slave's replica index in the group (-1: not one of it) */
    uint64_t ack;              /* slaveAckOffset */
    uint64_t next;             /* nextTransferFromWhere */
    uint64_t next_i;           /* the entry index where `next` was last found (a hint: checked before use) */
    int exact;                 /* from the slave's own offset, even inside a message */
    int requested;             /* the slave's first report came (slaveRequestOffset is set): until then the
                                  master counts the connection but sends nothing */
    sim_time last_read, last_write;
    uint64_t master_max;       /* lastMasterMaxOffset: the master's max offset at the last data transfer */
    sim_time last_transfer;    /* lastTransferTimeMs: that transfer's time */
    int blocked;               /* the writer stopped with data left, at the window (see push) */
    uint64_t held_to;          /* the slave's last report's held_to (struct rmq_ha_report) */
    int32_t tx_epoch;          /* controller mode: currentTransferEpoch (-1: none), and where it ends */
    uint64_t tx_end;           /* (currentTransferEpochEndOffset; UINT64_MAX: it was the last epoch then) */
    int in_use;
    /* The writer blocked in a cold read (ha_frame.c: ha_frame_cold): the frame it cut, sent when the read ends. The
     * buffer is the slot's, allocated at its first cold read and kept when the slot is reused; gen counts
     * the slot's connections, so a read that ends after its connection went does not send. */
    uint8_t reading;
    uint32_t gen;
    unsigned char *rd_buf;
    uint32_t rd_len;
    uint64_t rd_wire;
};

/* A message a slave has received in part, HA frames ending anywhere in a message (ha_frame.c): its bytes are
 * in the CommitLog file after the log's last entry, and the slave's max offset counts them, but no entry
 * stands for them until the last one comes. got 0: none. */
struct ha_partial {
    uint64_t qoff;
    uint32_t msg;
    uint32_t total;            /* the bytes of the master's entry */
    uint32_t skip;             /* of them, those before the first received (0: the message's head is here) */
    uint32_t got;              /* received */
    uint16_t queue;
    uint8_t flags;             /* CL_FRAGMENT: the master's entry is itself a fragment */
    uint8_t confirmed;         /* controller mode: the last frame's confirm offset passed its first byte */
};

struct broker {
    struct rmq_node base;
    struct sim_node *n;
    struct rpc rpc;
    int group, replica;
    struct broker_cfg cfg;
    int id;                    /* brokerId */
    enum rmq_role role;
    int next_id;               /* reconfigured values, applied at start */
    enum rmq_role next_role;
    uint64_t memory;           /* host memory * accessMessageInMemoryMaxRatio / 100 */
    uint64_t page_cache_from;  /* the CommitLog below this offset is on disk only: it was the log's end when the
                                  host last came back (a host crash empties the page cache), or lower where a
                                  truncation cut the log since (what is written again is cached), but for what
                                  cold reads brought back into it (pc) */
    struct page_reads pc;      /* page_cache.c */

    struct commitlog cl;
    uint64_t disk_base;        /* the CommitLog offset that is byte 0 of its file */
    uint64_t flushed;          /* CommitLog offset made durable */
    int fsync_inflight;
    int flush_woken;           /* a put woke FlushRealTimeService while its flush ran (flush_timed false) */
    uint64_t fsync_target;
    sim_time last_thorough;

    /* puts waiting (SYNC_FLUSH / SYNC_MASTER), oldest first */
    struct put_wait *waits;
    uint32_t waits_head, waits_n, waits_cap;
    int group_commit_armed;

    /* long polling */
    struct held_pull *held;
    int nheld, held_cap;

    /* consumer offsets (ConsumerOffsetManager) of the one consumer group */
    uint64_t offsets[RMQ_MAX_QUEUES];
    uint64_t saved[RMQ_MAX_QUEUES];
    sim_timer slave_sync_timer;   /* SlaveSynchronize's next round (slave_sync.c), 0: stopped */
    sim_time slave_sync_last;     /* lastSyncTimeMs */
    sim_node_id sync_master;      /* SlaveSynchronize.masterAddr: set by each registration round's answer, null
                                   * (NONE) at a role change, the new master's at a controller-mode change to
                                   * slave */
    /* The registration round in progress (broker_register_all): its number, the NameServers yet to answer or
     * fail, and the first answer's master */
    uint32_t reg_round;
    int reg_left, reg_answered;
    int reg_queued;               /* rounds asked for while one was out (registerBrokerAll is synchronized) */
    sim_node_id reg_master;

    /* HA, master side */
    struct ha_conn *hac;
    int nhac, hac_cap;         /* slots in use or used since the last start, and allocated */
    uint64_t push2slave;       /* push2SlaveMaxOffset: the highest ack of any slave */
    /* R44 GroupTransferService (group_transfer.c): its requests in order, the head's waits so far, whether it
     * is in notifyTransferObject.waitForRunning (and when that wait times out), WaitNotifyObject.hasNotified,
     * and when its pending timer fires (0: none) */
    struct gts_req *gts_q;
    uint32_t gts_head, gts_n, gts_cap;
    uint64_t gts_next_id;
    int gts_tries, gts_waiting, gts_notified;
    sim_time gts_wait_end, gts_timer_at;
    int ha_timer_armed;
    /* the pending HA timers (0: none): a role change cancels them before it starts HA again, so a quick
     * master -> slave -> master -> slave leaves one timer chain, not two */
    sim_timer ha_master_timer, ha_client_timer;
    /* HA, slave side (HAClient) */
    sim_node_id master;        /* haMasterAddress from the register reply */
    sim_conn ha_conn;
    int ha_connecting;
    int ha_client_on;          /* the HAClient runs (a slave's; in controller mode from its change to slave):
                                  only then does a registration answer set its address */
    int ha_notified;           /* controller mode: ServiceThread.hasNotified, a wakeup() that came while the
                                  client was not waiting, which ends its next wait at once */
    int ha_warm;               /* the run's first start, warm (ha_warm_start): until its first connection */
    /* Controller mode: a change of role stopped the HA client and waits for its thread (ha_client_stop) since
     * ha_join_at; ha_join_timer ends the wait when the select it sits in runs out, or a 5 s wait ends.
     * ha_up_at: when the client's connection came up (its handshake's select(5000) began); ha_read_at: its
     * last read, a frame or the handshake's answer (transferFromMaster's select(1000) begins after it);
     * ha_join_peer: the master the client was connected or connecting to when the wait began (the trace's) */
    int ha_joining;
    sim_node_id ha_join_peer;
    sim_time ha_join_at, ha_up_at, ha_read_at;
    sim_timer ha_join_timer;
    /* The HAClient's clocks (ha_heartbeat_clock, ha_housekeeping_clock): when the heartbeat's and the
     * housekeeping's intervals last started (R44 lastWriteTimestamp for both; R53 lastWriteTimestamp and
     * lastReadTimestamp) */
    sim_time ha_hb_since, ha_hk_since;
    sim_time ha_retry_at;
    uint64_t ha_reported;
    uint64_t ha_held_to;       /* where the log ended before a handshake truncated it below its kept start (the
                                  report's held_to; 0: none) */
    uint64_t reput_stop;       /* where the ReputMessageService stopped (bad magic code), CL_NONE: it runs */
    struct ha_partial ha_part; /* the message HA frames have brought in part (ha_frame.c) */
    /* the classic store's ReputMessageService (reput.c): CommitLog bytes dispatched, a round armed, when
     * the last round ended */
    uint64_t rp_py;
    uint64_t rp_qoff[RMQ_MAX_QUEUES];   /* each ConsumeQueue's end at the last round */
    int rp_armed;
    sim_time rp_idle_since;
    int ha_check;              /* compare the logs at the next data (ha_diverge.c) */
    uint64_t ha_verified;      /* this log matched its master's up to here at the last comparison */

    /* request processing (broker_exec.c) */
    struct executor ex[EX_N];
    struct sim_rng *cpu_rng;   /* "cpu": service times */
    sim_time const_cost[EX_N]; /* an executor's service time when its distribution is a constant (bx_init) */
    int cur_thread;            /* the send or pull thread running its request now, -1 outside one */
    int cur_held;              /* the request kept its thread (a put waiting for flush or slave, a pull reading
                                  cold bytes: cold_reads) */
    struct pull_read *cold_reads;   /* one a pull thread: the answer a thread holds while its read runs */
    int ff_armed;              /* BrokerFastFailure's next 10 ms scan is armed */
    sim_time started;          /* the process's start: BrokerFastFailure runs from 1000 ms after it */

    /* DLedger (cfg.dledger): the member, and what consumers may see (committed entries only) */
    struct raft *raft;
    struct raft_check *check;
    int64_t committed;                      /* committed index as this broker last learnt it */
    uint64_t committed_qoff[RMQ_MAX_QUEUES];   /* ConsumeQueues: what the ReputMessageService dispatched */
    uint64_t committed_py;                  /* reputFromOffset: CommitLog bytes dispatched */
    int64_t reput_next;                     /* the next entry index to dispatch */
    int reput_busy;                         /* a round is dispatching (its next message's timer is armed) */
    int reput_armed;                        /* the end of the 1 ms sleep is armed */
    sim_time reput_idle_since;              /* the last round ended: the 1 ms sleeps run from here */
    sim_time reput_vt;                      /* the virtual wake-up (SIM_TIME_MAX: none): see dl_reput_sync */
    uint64_t reput_vt_mark;                 /* sim_order_mark() when it was armed */
    int64_t ckpt_committed;                 /* DLedger's checkpoint file (committedIndex), -1: none */
    int64_t meta_term, meta_durable_term;   /* term and vote written, and made durable */
    int meta_vote, meta_durable_vote;
    int meta_fsync;                         /* an fsync of the meta file is in flight */
    sim_time meta_wb_at;                    /* when the unsynced meta write was made, -1 if none */
    int role_check_armed;
    int slave_pending;                      /* a FOLLOWER change waits for the LEADER loop to end */
    int dl_get_armed;                       /* a held send thread's get(3 s) ends at a timer (dl_get_timeout) */

    struct ctl_broker *ctl;                 /* controller mode (cfg.controller), else NULL */

    struct queue_lock locks[RMQ_MAX_QUEUES];   /* rebalance_lock.c: the orderly consumers' queue locks */

    /* consumer_manager.c: the consumer group's channels, and the list answer's buffer */
    struct client_chan *chans;
    int nchans, chans_cap;
    struct rmq_consumer_list *list;
    size_t list_cap;
};

/* broker_dledger.c */
int dl_init(struct broker *b);
void dl_free(struct broker *b);
void dl_start(struct broker *b);
void dl_crash(struct broker *b, enum sim_crash_kind kind);
void dl_send(struct broker *b, struct rpc_ctx ctx, const struct rmq_send_req *req);
/* A send thread's dledgerFuture.get(3, SECONDS) is over (BT_DL_GET). */
void dl_get_timeout(struct broker *b);
void dl_meta_synced(struct broker *b);
void dl_role_check(struct broker *b);
/* DLedgerMmapFileStore.persistCheckPoint, every checkPointInterval. */
void dl_checkpoint(struct broker *b);
/* reput_dledger.c: the ReputMessageService of a DLedger broker. dl_reput: a round wakes, or the message being
 * dispatched is done; reset at a start (from where the ConsumeQueues end); kick when something was committed;
 * make_real: the virtual wake-up becomes a timer (the broker becomes master, or freezes). */
void dl_reput(struct broker *b);
void dl_reput_reset(struct broker *b);
void dl_reput_kick(struct broker *b);
void dl_reput_make_real(struct broker *b);
/* Runs the ReputMessageService up to now (while its wake-ups are virtual, not events): call before reading
 * what it dispatched (committed_qoff, committed_py, reput_next) or changing what it reads. */
void dl_reput_sync(struct broker *b);
/* A pull is about to be held: what is due is dispatched first, and a virtual wake-up whose dispatch would
 * wake the pull becomes a timer. */
void dl_pull_held(struct broker *b);
/* The protocol asked for what only the world's memory trim forgot (a queue offset, a CommitLog offset or a
 * DLedger index `at`), which the real store, keeping its files for days, would still hold: the violation
 * trimmed_read (world.c's trim must keep it). */
void broker_trimmed_read(struct broker *b, int64_t at);
/* The CommitLog ends at or below phy (a crash's recovery, a controller-mode handshake): the messages it drops
 * are no longer on this replica, and the page cache, the flushed offset and the last comparison with the master
 * go no further than its end. */
void broker_truncate(struct broker *b, uint64_t phy);
/* slave_sync.c: SlaveSynchronize's schedule. start (handleSlaveSynchronize(SLAVE)) restarts it from its
 * initial delay and copies from master (SIM_NODE_NONE: none until a registration answers); stop (a change
 * to master) ends it; round at its timer. */
void broker_slave_sync_start(struct broker *b, sim_node_id master);
void broker_slave_sync_stop(struct broker *b);
void broker_slave_sync_round(struct broker *b);
/* reput.c: the classic store's ReputMessageService. reset at a start (all dispatched, whatever a crash cut);
 * kick after a store; round at its timer; truncated after a running broker's log was cut; visible: queue q's
 * end among the messages that end at or below `end`. */
void broker_reput_reset(struct broker *b);
/* Controller mode's recovery left the ConsumeQueues ending at CommitLog offset `end` (ctl_start). */
void broker_reput_recovered(struct broker *b, uint64_t end);
/* ConsumeQueue q's recovered files reach `end` entries (its kept units, above the dispatch): consumers read to
 * there at least; later rounds do not lower it. */
void broker_reput_keep(struct broker *b, int q, uint64_t end);
void broker_reput_kick(struct broker *b);
void broker_reput_round(struct broker *b);
void broker_reput_truncated(struct broker *b);
/* The flushed offset rose: where it bounds the dispatch (5.3 SYNC_FLUSH), the next round is armed. */
void broker_reput_flushed(struct broker *b);
uint64_t broker_reput_visible(const struct broker *b, int q);
/* Queue q's end among the messages that end at or below CommitLog offset `end`. */
uint64_t broker_qoff_below(const struct broker *b, int q, uint64_t end);
/* ReputMessageService.run's sleep (every store's: classic, DLedger, controller mode): how long from now a
 * service idle for `since` (its last round ended then) waits before its next round; the sleeps step from
 * the round's end, a full one right after it. */
sim_time broker_reput_wake(const struct broker *b, sim_time since);
/* broker.c: BrokerController.registerBrokerAll to every NameServer; a oneway one (DLedger's role changes)
 * takes no answer. */
void broker_register_all(struct broker *b, int oneway);
/* pull_hold.c: long polling. New messages in queue (-1: any) answer the pulls held for it. */
void broker_wake_held(struct broker *b, int queue);
/* The run's trace, for the broker's events. */
static inline struct trace *trace_of(const struct broker *b) { return sim_trace(b->n->sim); }
/* A dispatch of the ReputMessageService wakes held pulls (notifyMessageArriving): with long polling, on a
 * master, and on a slave with slave_wakes_held_pulls (R53). */
static inline int broker_wakes_pulls(const struct broker *b)
{
    return b->cfg.long_polling && (b->role != RMQ_SLAVE || b->cfg.slave_wakes_pulls);
}
/* broker_wake_held, inline: every append asks, and usually no pull is held (always on a slave). */
static inline void broker_wake_pulls(struct broker *b, int queue)
{
    if (b->nheld)
        broker_wake_held(b, queue);
}
/* Held pulls whose time is up are answered (empty). */
void broker_expire_pulls(struct broker *b);
/* Holds a pull that found nothing new, for timeout. */
void broker_hold_pull(struct broker *b, struct rpc_ctx ctx, const struct rmq_pull_req *req, sim_time timeout);
/* broker_processor.c, for pull_hold.c: a pull served (or held again, when allow_suspend); broker.c: the
 * queue offset a consumer may read up to. */
void broker_handle_pull(struct broker *b, struct rpc_ctx ctx, const struct rmq_pull_req *req, int allow_suspend);
uint64_t broker_visible_qoff(struct broker *b, int q);

/* A send's message to the CommitLog's end (CommitLog.putMessage's append): an mmap'ed file, so the bytes are in
 * the page cache as soon as they are copied. 0 with its physical offset in *offset, or -1 with SYSTEM_ERROR
 * answered when memory is short. Inline: the classic and the controller-mode put, every message's path. */
static inline int broker_put_append(struct broker *b, struct rpc_ctx ctx, const struct rmq_send_req *req,
                                    uint64_t *offset)
{
    uint32_t size = req->size + RMQ_MSG_OVERHEAD;
    *offset = b->cl.max_offset;
    if (cl_append(&b->cl, req->msg, size, req->queue, cl_next_qoff(&b->cl, req->queue)) == CL_NONE) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return -1;
    }
    node_disk_write(b->n, FILE_COMMITLOG, size);
    return 0;
}

/* put_wait.c: the puts waiting for the flush or the slaves (a ring, oldest first) and the CommitLog's fsync. */
int broker_wait_push(struct broker *b, const struct put_wait *w);
struct put_wait *broker_wait_head(struct broker *b);
/* The i-th waiting put, oldest first (i < waits_n). */
static inline struct put_wait *broker_wait_at(struct broker *b, uint32_t i)
{
    return &b->waits[(b->waits_head + i) % b->waits_cap];
}
void broker_wait_pop(struct broker *b);
/* Starts an fsync of everything stored, unless one is in flight or nothing is unflushed. */
void broker_start_fsync(struct broker *b);
/* One round of FlushRealTimeService (ASYNC_FLUSH): flush when flushCommitLogLeastPages are dirty, or all
 * that is dirty once a thorough interval has passed. */
void broker_flush_round(struct broker *b);
/* Arms GroupCommitService's next check while puts wait. */
void broker_arm_group_commit(struct broker *b);
/* Answers the waiting puts whose flush and replica waits ended (done or timed out). */
void broker_process_waits(struct broker *b);
/* The flush or a replica's ack moved: the waits (and controller mode's SyncStateSet) see it. */
void broker_acks_advanced(struct broker *b);

/* ha.c */
void ha_start(struct broker *b);
/* ha.c's trace line of an HA event (level events): the peer's name and an offset. */
void ha_trace(struct broker *b, const char *ev, sim_node_id peer, uint64_t offset);
/* ha_master.c, the master's side, which ha.c dispatches to: tick, the writer's 100 ms wait and both sides'
 * housekeeping (BT_HA_MASTER); accept, a slave's connection to the HA port; accepted, the housekeeping of a
 * connection that never reported (BT_HA_ACCEPTED); on_report, a slave's report of its max offset on c;
 * closed, c ended: 1 if it was a slave's connection. */
void ha_master_tick(struct broker *b);
void ha_master_accept(struct broker *b, sim_conn c);
void ha_master_accepted(struct broker *b, sim_conn c);
void ha_master_on_report(struct broker *b, sim_conn c, uint64_t offset, uint64_t held_to);
int ha_master_closed(struct broker *b, sim_conn c);
void ha_on_timer(struct broker *b, enum broker_timer kind, uint64_t arg);
int ha_on_message(struct broker *b, const struct sim_msg *m);
int ha_on_conn(struct broker *b, sim_conn c, enum sim_conn_ev ev, uint64_t port);
/* A SYNC_MASTER put wakes the writers (CommitLog.handleHA: wakeupAll): at the put, or, on 4.4 under SYNC_FLUSH,
 * when its flush wait ends (broker_process_waits). */
void ha_wakeup(struct broker *b);
/* isSlaveOK(put_end): a slave is connected and put_end is less than haSlaveFallbehindMax past
 * push2SlaveMaxOffset (signed: a slave past the put is in reach). */
int ha_slave_ok(const struct broker *b, uint64_t put_end);
/* updateHaMasterAddress: the address the HA client connects to next; in controller mode a new address wakes
 * the client (AutoSwitchHAClient: wakeup()). */
void ha_master_address(struct broker *b, sim_node_id master);
/* Controller mode, AutoSwitchHAService.changeToSlave: the HA client started afresh (reOpen, then start), its
 * address cleared (updateHaMasterAddress(null)): its first round finds none and waits 5 s, until a
 * registration answer names one. */
void ha_client_start(struct broker *b);
/* Controller mode, AutoSwitchHAClient.shutdown from a change of role (AutoSwitchHAService.changeToMaster,
 * changeToSlave's reOpen): ServiceThread.shutdown sets stopped, calls wakeup() and joins the thread, which
 * ends when its loop next looks at isStopped. 0: at once (no client runs, or it sits in a waitForRunning,
 * which the wakeup ends). 1: the thread is in a wait its wakeup does not end, a select on the connection
 * (TRANSFER's select(1000), HANDSHAKE's select(5000)) or a blocking connect; ctl_ha_joined is called when it
 * ends, the client's connection closed. */
int ha_client_stop(struct broker *b);
/* The read of a frame's cold bytes (COLD_HA, arg: slot << 32 | gen) is done: the frame goes, and the writer
 * goes on. */
void ha_cold_read_done(struct broker *b, uint64_t arg);
/* Controller mode: how the epoch handshake on the HA connection ended (ctl_handshake_done/failed). */
enum ha_handshake_end { HA_HS_AGREED, HA_HS_FAILED, HA_HS_NO_POINT };
void ha_handshake_end(struct broker *b, enum ha_handshake_end how);

/* group_transfer.c: what a classic SYNC_MASTER put's wait counts as acknowledged by the slaves
 * (GroupTransferService), and R44's service. */
uint64_t ha_acked(const struct broker *b);
/* The puts of this broker wait for R44's GroupTransferService (classic, sync_master_wait "sync_flush_timeout"). */
int gts_applies(const struct broker *b);
/* The process (re)starts: no request, no wait, no notice (its timer is gone with the last life). */
void gts_reset(struct broker *b);
/* HAService.putRequest for waiting put w (which takes its gts_id). The gts_put/notify/timeout calls return 1
 * when they answered a put (its gts set), which broker_process_waits then replies to. */
int gts_put(struct broker *b, struct put_wait *w);
/* notifyTransferSome: a slave's ack raised push2SlaveMaxOffset. */
int gts_notify(struct broker *b);
/* The service's waitForRunning(1000) timed out (BT_GTS). */
int gts_timeout(struct broker *b);

/* ha_frame.c: the bytes of HA data frames. cut: the master's next frame for connection h from
 * nextTransferFromWhere (h->next, which it moves past the frame), at most haTransferBatchSize bytes whatever
 * the message boundaries; its byte count, 0 when there is nothing to send. append: the slave's
 * appendToCommitLog of frame d (its offset checked), the messages it completes entered in the log and counted
 * stored (their number in *n), the bytes written to the file; fc: its confirm offset (controller mode), or
 * NULL. -1 when a piece could not be appended (the caller closes the connection). */
struct frame_confirm;
uint64_t ha_frame_cut(struct broker *b, struct ha_conn *h, struct rmq_ha_data *d);
/* The same for bytes the memory trim forgot that the slave held (h->held_to): one filler entry. */
uint64_t ha_frame_filler(struct broker *b, struct ha_conn *h, struct rmq_ha_data *d);
/* Controller mode: the connection's transfer epoch at the slave's first report (findEpochEntryByOffset of
 * h->next), and the epoch and its start that frame d's header carries (a heartbeat's too). */
void ha_frame_epoch_start(const struct broker *b, struct ha_conn *h);
void ha_frame_label(const struct broker *b, const struct ha_conn *h, struct rmq_ha_data *d);
/* A frame's largest payload: its header fields, RMQ_HA_BATCH_MAX pieces, controller mode's confirm offset. */
#define HA_FRAME_MAX (sizeof(struct rmq_ha_data) + RMQ_HA_BATCH_MAX * sizeof(struct rmq_ha_entry) + sizeof(uint64_t))
/* The frame just cut for h (buf, len bytes of payload; bytes of the CommitLog from its offset, wire on the
 * wire): when some of those bytes are outside the page cache (broker_page_touch), it is kept in h's buffer,
 * the bytes are read in one device read (node_disk_read, cached 0: queued with the device's reads), and 1 is
 * returned: the writer sends nothing more on h until the read ends. 0: the caller sends the frame now. */
int ha_frame_cold(struct broker *b, struct ha_conn *h, const unsigned char *buf, uint32_t len, uint64_t bytes,
                  uint64_t wire);
/* The read for the frame kept in slot arg >> 32 (its generation in the low 32 bits) ended: h, no longer
 * reading, whose kept frame (rd_buf) the writer now sends; NULL when the connection went meanwhile. */
struct ha_conn *ha_frame_cold_done(struct broker *b, uint64_t arg);
/* The HA slots and their frame buffers, at the broker's end. */
void ha_free(struct broker *b);
int ha_frame_append(struct broker *b, const struct rmq_ha_data *d, const struct frame_confirm *fc, uint32_t *n);
/* The partial message goes (a restart's recovery, a change to master: truncateInvalidMsg), its bytes cut from
 * the file. */
void ha_partial_drop(struct broker *b);
/* The log was truncated to phy, its entries having ended at `whole` before: the partial message's bytes at or
 * past phy go. */
void ha_partial_cut(struct broker *b, uint64_t phy, uint64_t whole);
/* A controller-mode HA client about to connect (AutoSwitchHAClient's READY state): truncateInvalidMsg. */
void ha_partial_ready(struct broker *b);
/* Where the CommitLog file ends (getMaxPhyOffset): the log's entries, and a partial message's bytes after them. */
static inline uint64_t broker_log_end(const struct broker *b) { return b->cl.max_offset + b->ha_part.got; }
/* DefaultMessageStore's commitLog.getMaxOffset as the store's checks read it: a DLedger member's committed
 * position (DLedgerCommitLog.getMaxOffset), else the CommitLog's end. */
static inline uint64_t broker_max_offset_py(const struct broker *b)
{
    return b->raft ? b->committed_py : b->cl.max_offset;
}
/* mqsim's page cache: the CommitLog's bytes written since the host last came back (page_cache_from) and at
 * most the host's memory (host_memory_bytes) behind max, the CommitLog's max offset as the store's checks read
 * it (broker_max_offset_py), and what cold reads brought back into it (page_cache.c). A host crash empties it,
 * a process crash keeps it. broker_cache_low: where the written part begins, every byte at or above it cached
 * (0: nothing is out of it). A message is in it when its first byte is (checkInDiskByCommitOffset tests offsetPy
 * too). */
static inline uint64_t broker_cache_low(const struct broker *b, uint64_t max)
{
    uint64_t lo = max > b->cfg.host_memory ? max - b->cfg.host_memory : 0;
    return lo < b->page_cache_from ? b->page_cache_from : lo;
}
static inline int broker_page_cached(const struct broker *b, uint64_t phy, uint64_t max)
{
    return phy >= broker_cache_low(b, max);
}
/* page_cache.c. The reader touches [from, to) of the CommitLog through its mapped file (from below low, the
 * bound of what was written and is still cached, broker_cache_low; bytes at or above max(low, to) are cached):
 * what earlier reads brought in is a hit, each other page faults in, with the read-around window of the
 * disk's readahead_bytes unless the CommitLog is MADV_RANDOM (data_read_ahead_enable false, not DLedger).
 * Adds to *t; records what it reads. Returns the bytes the device reads for it. */
uint64_t broker_page_touch(struct broker *b, uint64_t from, uint64_t to, uint64_t low, struct page_touch *t);
/* The touches' I/O (node_disk_read of t->read bytes, or node_disk_wait for t->wait) with tag, or none: 1 when
 * one was issued, whose end the caller waits for (a crash meanwhile drops it, not the pages). Every touch is
 * followed by one (or by broker_page_unwaited: the pages are in at once), before the event ends. */
int broker_page_io(struct broker *b, const struct page_touch *t, uint64_t tag);
/* A touch no one waits for (no pull thread, no HA buffer): its pages are in at once, and the window its copy
 * reads ahead goes on the device. */
void broker_page_unwaited(struct broker *b, const struct page_touch *t);
/* Whether the byte at phy is in a page a read brought in, its read ended (SelectMappedBufferResult.isInMem's
 * mincore sees it). */
int broker_page_read_in(const struct broker *b, uint64_t phy);
/* The host went down: the page cache is empty. */
void broker_page_forget(struct broker *b);
/* Trace fields of a touch (hit, windows), and the page.hit event of one that read nothing (level full). */
void broker_page_trace_fields(struct trace *tr, const struct page_touch *t);
void broker_page_hit(struct broker *b, const char *reader, const struct page_touch *t);

/* ha_diverge.c: measurement, not protocol. The first data after a connect lands at d->phy_offset: the
 * slave's messages before it that differ from the master's bytes at the same offsets are diverged
 * (groups[].diverged_msgs, the ha.diverged and ha.diverged_msg trace events). */
void ha_diverge_check(struct broker *b, const struct rmq_ha_data *d);
/* broker_exec.c: requests through the executors */
int bx_init(struct broker *b);
void bx_free(struct broker *b);
/* The process (re)starts: executors idle and empty. */
void bx_reset(struct broker *b);
/* A request arrived: served now, queued, or refused ([OVERLOAD]system busy). */
void bx_submit(struct broker *b, struct rpc_ctx ctx, uint16_t code, const void *body, uint32_t len);
/* A held pull woken by a message or its timeout, through the pull executor. */
void bx_submit_woken(struct broker *b, struct rpc_ctx ctx, const struct rmq_pull_req *req);
void bx_on_timer(struct broker *b, enum broker_timer kind, uint64_t arg);
/* The request that held thread `thread` (executor << 16 | index) was answered: a put in its flush or slave
 * wait, a pull after its cold read. */
void bx_put_answered(struct broker *b, int thread);
/* MessageStore.isOSPageCacheBusy: a put holds the put lock longer than osPageCacheBusyTimeOutMills. */
int bx_page_cache_busy(const struct broker *b);
/* broker_processor.c, for broker_exec.c: serve one request (the processors). */
void broker_serve(struct broker *b, const struct exec_req *r);
/* broker_processor.c, for broker.c: pull thread `thread`'s read of cold CommitLog bytes is done: its answer
 * goes and the thread is free. */
void broker_cold_read_done(struct broker *b, int thread);
/* broker_controller.c: controller mode (RIP-44) */
int ctl_init(struct broker *b);
void ctl_free(struct broker *b);
void ctl_start(struct broker *b);
/* The broker's node crashed: what of its ConsumeQueues the next start recovers (ctl_start). */
void ctl_crash(struct broker *b, enum sim_crash_kind kind);
void ctl_on_timer(struct broker *b, uint64_t arg);
void ctl_on_reply(struct broker *b, uint64_t tag, int status, const void *body, uint32_t len);
void ctl_on_request(struct broker *b, struct rpc_ctx ctx, uint16_t code, const void *body, uint32_t len);
void ctl_send(struct broker *b, struct rpc_ctx ctx, const struct rmq_send_req *req);
/* The master read a report on h (AutoSwitchHAConnection.maybeExpandInSyncStateSet): the slave's caught-up
 * time, and the SyncStateSet's expansion. */
void ctl_report(struct broker *b, const struct ha_conn *h);
/* The master has sent h all it stores (AutoSwitchHAConnection.WriteSocketService with nothing left to
 * transfer): the slave counts as caught up now. */
void ctl_all_sent(struct broker *b, const struct ha_conn *h);
/* The master lost h (AutoSwitchHAService.removeConnection): its slave leaves the SyncStateSet at once. */
void ctl_conn_lost(struct broker *b, const struct ha_conn *h);
/* A slave acked: with allAckInSyncStateSet, the confirm offset. */
void ctl_acks(struct broker *b);
/* The offset every put up to which has the acks controller mode asks for (UINT64_MAX: no wait). */
uint64_t ctl_acked(struct broker *b);
/* changeToMaster waits for the dispatch: the broker is not master yet but takes its slaves' handshakes and
 * HA connections (AutoSwitchHAService accepts them meanwhile). */
int ctl_promoting(const struct broker *b);
/* The HA client's connection to peer is up: the epoch handshake on it starts (AutoSwitchHAClient: HANDSHAKE,
 * its first exchange); ha_handshake_end tells how it ended. */
void ctl_ha_connected(struct broker *b, sim_node_id peer);
/* The epoch handshake on the HA client's connection is done (the slave may report and transfer). */
int ctl_ha_agreed(const struct broker *b);
/* The slave's HA client: started afresh (currentReceivedEpoch -1), and a frame taken with the epoch its header
 * carries (a new one appended to the epoch file). */
void ctl_client_init(struct broker *b);
void ctl_frame_epoch(struct broker *b, int32_t epoch, uint64_t start);
/* The HA client closed its connection, or started afresh: a handshake still out is not taken, and the next
 * connection shakes hands again. */
void ctl_ha_closed(struct broker *b);
/* The HA client a change of role stopped (ha_client_stop answered 1) has ended: the change goes on. */
void ctl_ha_joined(struct broker *b);
/* The DataVersion's stateVersion a controller-mode broker registers with (its last role change's epoch). */
uint32_t ctl_state_version(const struct broker *b);

/* broker_offsets.c: QUERY_OFFSET, COMMIT_OFFSET, GET_ALL_OFFSETS (ConsumerOffsetManager). */
void broker_handle_offsets(struct broker *b, struct rpc_ctx ctx, uint16_t code, const void *body, uint32_t len);

/* rebalance_lock.c: RebalanceLockManager. The process (re)starts with no locks. */
void broker_locks_reset(struct broker *b);
/* LOCK_BATCH_MQ (answered with the queues granted) or UNLOCK_BATCH_MQ. */
void broker_handle_lock(struct broker *b, struct rpc_ctx ctx, uint16_t code, const struct rmq_lock_req *req);

/* consumer_manager.c: ConsumerManager of the one consumer group (its channels), ClientHousekeepingService.
 * reset: the process (re)starts with no channel and its scan armed. */
void broker_clients_reset(struct broker *b);
void broker_heartbeat(struct broker *b, struct rpc_ctx ctx, const struct rmq_heartbeat *hb);
/* Connection c closed: 1 when it was a client's channel (removed, the others told). */
int broker_client_closed(struct broker *b, sim_conn c);
/* The scan: channels silent for channel_expired are closed and removed. */
void broker_clients_scan(struct broker *b);
/* The remoting server accepted c: its idle timer starts (server_idle). */
void broker_channel_accepted(struct broker *b, sim_conn c);
/* The idle timer of channel c fired: closed when it has had no read or write for server_idle. */
void broker_channel_idle(struct broker *b, sim_conn c);
/* GET_CONSUMER_LIST_BY_GROUP. */
void broker_consumer_list(struct broker *b, struct rpc_ctx ctx);
/* ConsumerManager.getConsumerGroupInfo is not null: inline, as every pull asks. */
static inline int broker_has_consumers(const struct broker *b) { return b->nchans > 0; }

#endif
