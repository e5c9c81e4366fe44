/* broker_cfg: a broker group's settings (BrokerConfig, MessageStoreConfig, DLedger's), with RocketMQ's
 * defaults; the README lists each with its source. */
#ifndef MODELS_BROKER_CFG_H
#define MODELS_BROKER_CFG_H

#include <stdint.h>

#include "models/dledger/raft_cfg.h"
#include "models/remoting/protocol.h"
#include "sim/dist.h"
#include "sim/time.h"

/* How a classic SYNC_MASTER put waits for its slaves, as the releases differ (the "sync_master_wait" key). */
/* What restarts one of the slave HA client's clocks: a read from the master, or its own offset report.
 * R44 HAService.HAClient has one clock, lastWriteTimestamp, which processReadEvent sets at every read (so an
 * idle slave, read by the master's heartbeats, never reports, and the master's housekeeping drops it every
 * 20 s: #1082); from 4.5.2 (#1083, R498) reportSlaveMaxOffset sets it instead; R53 DefaultHAClient keeps two,
 * lastWriteTimestamp (its reports) for the heartbeat and lastReadTimestamp (its reads) for housekeeping. */
enum ha_clock { HA_CLOCK_READ, HA_CLOCK_REPORT };

enum rmq_sync_wait {
    SYNC_WAIT_SYNC_FLUSH_TIMEOUT,  /* R44 CommitLog.handleHA: after the flush, isSlaveOK or SLAVE_NOT_AVAILABLE,
                                      then push2SlaveMaxOffset within syncFlushTimeout */
    SYNC_WAIT_SLAVE_TIMEOUT,       /* R498 CommitLog.submitReplicaRequest: the same test, the wait beside the
                                      flush's (thenCombine) and within slaveTimeout */
    SYNC_WAIT_IN_SYNC_REPLICAS     /* R53 CommitLog.handleHA: needAckNums = inSyncReplicas (the master counts);
                                      <= 1 answers at once, else that many acks within slaveTimeout; no
                                      isSlaveOK test, so no SLAVE_NOT_AVAILABLE */
};

struct broker_cfg {
    enum rmq_role role;         /* brokerRole: ASYNC_MASTER */
    enum rmq_flush flush;       /* flushDiskType: ASYNC_FLUSH */
    int queues;                 /* the topic's queues on this group: 4 (defaultTopicQueueNums) */
    int register_at_start;      /* BrokerController.start() registers at once: true */
    sim_time register_initial;  /* then every period from 10000 ms */
    sim_time register_period;   /* registerNameServerPeriod 30000 ms */
    sim_time request_timeout;   /* registerBrokerTimeoutMills 6000 ms (24000 from 5.0: R53 BrokerConfig) */
    int fail_fast;              /* the broker's NettyRemotingClient (BrokerOuterAPI's, and DLedger's on the same
                                   remoting): requests fail when their peer closes the connection (5.1.3+), not
                                   at their timeouts: false (4.x) */
    int close_on_timeout;       /* NettyClientConfig.clientCloseSocketIfTimeout of that client: a synchronous
                                   request (a registration, a controller call, the offset sync) that times out
                                   closes its connection: false (R44; true from 4.9) */
    int close_needs_time;       /* ...only when it was sent with over 100 ms or a quarter of its timeout left (R53
                                   NettyRemotingClient.invokeSync's shouldClose): false (R44/R498) */
    sim_time flush_interval;    /* flushIntervalCommitLog 500 ms */
    int flush_least_pages;      /* flushCommitLogLeastPages 4 (of 4 KiB) */
    sim_time flush_thorough;    /* flushCommitLogThoroughInterval 10000 ms */
    /* FlushConsumeQueueService (DefaultMessageStore, controller mode here: cq_flush.c) */
    sim_time cq_flush_interval; /* flushIntervalConsumeQueue 1000 ms */
    int cq_flush_least_pages;   /* flushConsumeQueueLeastPages 2 (of 4 KiB) */
    sim_time cq_flush_thorough; /* flushConsumeQueueThoroughInterval 60000 ms */
    int flush_timed;            /* flushCommitLogTimed: false (R44), so every put wakes FlushRealTimeService;
                                   true (R498, R53): it sleeps its interval out */
    sim_time group_commit_interval; /* GroupCommitService / GroupTransferService loop: 10 ms */
    sim_time sync_flush_timeout;    /* syncFlushTimeout 5000 ms: SYNC_FLUSH and, in 4.4, SYNC_MASTER waits */
    int sync_master_wait;           /* enum rmq_sync_wait: SYNC_WAIT_SYNC_FLUSH_TIMEOUT (R44) */
    /* HA */
    sim_time ha_heartbeat;      /* haSendHeartbeatInterval 5000 ms */
    sim_time ha_housekeeping;   /* haHousekeepingInterval 20000 ms */
    sim_time ha_reconnect;      /* HAClient retry: 5000 ms */
    sim_time ha_connect_timeout; /* HAClient.connectMaster's blocking connect: RemotingUtil.connect, 5000 ms */
    int ha_report_clock_from_connect; /* R44/R498 HAClient.connectMaster sets lastWriteTimestamp, so the first
                                   report waits out ha_heartbeat after the connect; R53 DefaultHAClient's clock
                                   runs from its start and its last report: true (4.x) */
    int ha_warm_start;          /* the run's first start finds replication as a broker long in service does:
                                   the master known at the HA client's first round, the first report at the
                                   connect (mqsim's choice, not a RocketMQ setting): true */
    /* The slave's two HAClient clocks: what restarts the heartbeat's (isTimeToReportOffset) and the
     * housekeeping's (the connection closed after ha_housekeeping on it), besides the connect. */
    int ha_heartbeat_clock;     /* enum ha_clock: HA_CLOCK_READ (R44), HA_CLOCK_REPORT (R498, R53) */
    int ha_housekeeping_clock;  /* enum ha_clock: HA_CLOCK_READ (R44, R53), HA_CLOCK_REPORT (R498) */
    int ha_wait_after_close;    /* R53 DefaultHAClient.closeMasterAndWait: 5 s before reconnecting after a read
                                   error; R44/R498 reconnect at the next round: false (4.x) */
    sim_time ha_idle_wait;      /* WriteSocketService waits up to 100 ms when nothing is new */
    uint64_t ha_batch;          /* haTransferBatchSize 32768 B */
    uint64_t ha_fallbehind_max; /* haSlaveFallbehindMax 256 MiB: the "slave OK" gap */
    uint64_t ha_window;         /* bytes in flight on the HA socket before the master waits: 64 KiB send +
                                   64 KiB receive buffers = 131072 B (mqsim's model of TCP flow control) */
    uint64_t commitlog_file;    /* mapedFileSizeCommitLog 1 GiB: where a new slave starts */
    /* reads */
    int slave_read_enable;      /* slaveReadEnable false */
    int which_broker_slowly;    /* whichBrokerWhenConsumeSlowly 1 */
    int slave_rejects_pull;     /* R53 PullMessageProcessor.rejectRequest: a SLAVE without slaveReadEnable answers
                                   SYSTEM_BUSY "[REJECTREQUEST]"; R44/R498 return false (the slave serves): false */
    int slave_rejects_send;     /* R53 SendMessageProcessor.rejectRequest: a SLAVE (enableSlaveActingMaster false)
                                   answers sends SYSTEM_BUSY "[REJECTREQUEST]" before its executor; R44/R498 queue
                                   them and the store answers SERVICE_NOT_AVAILABLE: false */
    int slave_redirects;        /* R53 PullMessageProcessor.composeResponseHeader: a slave not suggesting the slave
                                   sends the consumer to the master, with PULL_RETRY_IMMEDIATELY when it found
                                   nothing (from 5.0.0) */
    int slave_wakes_pulls;      /* R53 DefaultMessageStore.notifyMessageArriveIfNecessary has no role test, so a
                                   slave's reput wakes its held pulls; R44/R498 ReputMessageService skips a SLAVE:
                                   false */
    int dispatch_flushed_only;  /* R53 CommitLog.getConfirmOffset outside controller mode: under SYNC_FLUSH the
                                   flushed offset (#8240), which bounds the ReputMessageService; R44/R498 the
                                   max offset: false */
    int dledger_recover_dispatch_all;   /* R53 DLedgerCommitLog.dledgerRecoverAbnormally (from 5.2.0): a DLedger
                                   store restarted after a crash dispatches every entry of its log, uncommitted
                                   ones included; R44-era/R498 DLedgerCommitLog.recover dispatches none: false */
    double in_memory_ratio;     /* accessMessageInMemoryMaxRatio 40 (%) */
    uint64_t host_memory;       /* TOTAL_PHYSICAL_MEMORY_SIZE; StoreUtil's fallback 24 GiB */
    int data_read_ahead;        /* R53 MessageStoreConfig.dataReadAheadEnable (true): false madvises the CommitLog's
                                   files MADV_RANDOM (CommitLog.load l.161-165, new files l.1000-1031), so a cold
                                   read's page fault reads no window around it. 4.x has no such key and never
                                   calls MADV_RANDOM; DLedger's data files never get it (page_cache.c) */
    sim_time hold_check;        /* PullRequestHoldService recheck: 5000 ms */
    int long_polling;           /* longPollingEnable true */
    sim_time short_polling;     /* shortPollingTimeMills 1000 ms */
    int offset_check_in_slave;  /* MessageStoreConfig.offsetCheckInSlave (false in R44, R498, R53): a slave
                                   corrects a bad offset and answers PULL_OFFSET_MOVED as a master does */
    int query_offset_in_page_cache; /* QUERY_CONSUMER_OFFSET with no offset stored answers 0 only if the queue's
                                   first message is in the page cache (R53 checkInMemByConsumeOffset); else unless
                                   it is further than `memory` behind the end (R44/R498 checkInDiskByConsumeOffset) */
    int overflow_to_max;        /* OFFSET_OVERFLOW_BADLY sends the consumer to the max offset (from 4.9.4,
                                   #4215); else to 0 while the queue's minimum is 0 (R44) */
    /* consumer offsets */
    sim_time offset_persist;    /* flushConsumerOffsetInterval 5000 ms */
    /* SlaveSynchronize.syncAll's schedule on a classic slave (slave_sync.c): R44 10 s then every 60 s;
       R498 3 s then every 10 s; R53 a round every 3 s from 10 s, syncing when 60 s have passed */
    sim_time offset_sync_initial;
    sim_time offset_sync_period;
    sim_time offset_sync_min_interval;   /* a round syncs only when more than this has passed (0: every round) */
    sim_time rebalance_lock_live;   /* RebalanceLockManager.REBALANCE_LOCK_MAX_LIVE_TIME 60000 ms */
    /* the consumer group's channels (ConsumerManager, ClientHousekeepingService) */
    sim_time channel_expired;   /* ConsumerManager.CHANNEL_EXPIRED_TIMEOUT 120000 ms */
    sim_time client_scan_interval;  /* ClientHousekeepingService: every 10000 ms */
    sim_time server_idle;       /* NettyServerConfig.serverChannelMaxIdleTimeSeconds 120 s: the remoting server
                                   closes a channel with no read or write for this long; 0: never */
    int notify_ids_changed;     /* notifyConsumerIdsChangedEnable true */
    /* request processing (BrokerConfig, R44; BrokerController.initialize builds the executors) */
    int cores;                  /* Runtime.availableProcessors(): 8, assumed */
    int send_threads;           /* sendMessageThreadPoolNums 1 (4.x: "spin lock ... the default value is 1") */
    int pull_threads;           /* pullMessageThreadPoolNums 16 + 2 * cores (-1 until resolved) */
    int consumer_manage_threads;    /* consumerManageThreadPoolNums 32 */
    int admin_threads;          /* adminBrokerThreadPoolNums 16 */
    int send_queue_capacity;    /* sendThreadPoolQueueCapacity 10000 */
    int pull_queue_capacity;    /* pullThreadPoolQueueCapacity 100000 */
    int consumer_manage_queue_capacity; /* consumerManagerThreadPoolQueueCapacity 1000000 */
    int admin_queue_capacity;   /* Executors.newFixedThreadPool: unbounded (2^31 - 1) */
    struct sim_dist send_cost, pull_cost, consumer_manage_cost, admin_cost;   /* CPU service times, assumed */
    int fast_failure;           /* brokerFastFailureEnable true */
    sim_time wait_in_send_queue;    /* waitTimeMillsInSendQueue 200 ms */
    sim_time wait_in_pull_queue;    /* waitTimeMillsInPullQueue 5000 ms */
    sim_time page_cache_busy_timeout;   /* MessageStoreConfig.osPageCacheBusyTimeOutMills 1000 ms */
    int async_send;             /* 4.7+: SendMessageProcessor.asyncProcessRequest frees the send thread while
                                   the put waits for flush or slave (Rdev BrokerConfig.asyncSendEnable true);
                                   R44 blocks it in waitForFlush: false. DLedger groups: 4.5-4.6
                                   DLedgerCommitLog.putMessage blocks it in AppendFuture.get until the quorum
                                   commits: false; 4.7+ asyncPutMessage: true. -1 until resolved (broker_create):
                                   false for classic HA, true for DLedger */
    /* DLedger (enableDLegerCommitLog) */
    int dledger;                /* the group replicates with DLedger instead of classic HA */
    struct raft_cfg raft;
    sim_time dledger_flush_interval;   /* flushFileInterval 10 ms */
    /* the same task started at each change to slave, on DLedger and controller-mode brokers: R498 3 s then
       every 10 s; R53 a round every 3 s from 3 s, syncing when 10 s have passed */
    sim_time dledger_sync_initial;
    sim_time dledger_sync_period;
    sim_time dledger_sync_min_interval;
    sim_time role_check_interval;      /* DLedgerRoleChangeHandler polls the new leader's catch-up: 100 ms */
    sim_time reput_cost;               /* ReputMessageService's work per message (ConsumeQueue and index
                                          entries): 5 us, assumed */
    sim_time reput_sleep;              /* ReputMessageService.run: Thread.sleep(1) between doReput rounds */
    sim_time checkpoint_interval;      /* DLedgerConfig.checkPointInterval 3000 ms */
    /* controller mode (enableControllerMode, RIP-44) */
    int controller;                    /* the group's "ha" is "controller" */
    sim_time ctl_heartbeat;            /* brokerHeartbeatInterval 1000 ms */
    sim_time ctl_sync_metadata;        /* syncBrokerMetadataPeriod 5000 ms: the replica-info poll */
    sim_time ctl_check_sss_initial;    /* checkSyncStateSet's first run: 3000 ms */
    sim_time ctl_check_sss;            /* checkSyncStateSetPeriod 5000 ms */
    sim_time ha_max_time_not_catchup;  /* haMaxTimeSlaveNotCatchup 15000 ms */
    int all_ack_in_sss;                /* allAckInSyncStateSet false */
    int read_uncommitted;              /* readUnCommitted false: the ReputMessageService stops at the confirm
                                          offset (controller mode) */
    int in_sync_replicas;              /* inSyncReplicas 1 (the master counts) */
    int min_in_sync_replicas;          /* minInSyncReplicas 1 */
    sim_time slave_timeout;            /* slaveTimeout 3000 ms (controller mode; classic from R498 on) */
    int election_priority;             /* brokerElectionPriority Integer.MAX_VALUE (lower is preferred) */
};

#endif
