/* world: a RocketMQ deployment in one simulation: its configuration, its nodes (NameServers, broker groups,
 * producers, consumers, operator), and the accounting and statistics they all report to. */
#ifndef MODELS_WORLD_H
#define MODELS_WORLD_H

#include <stdint.h>

#include "models/report/acct.h"
#include "models/report/measure.h"
#include "models/dledger/raft.h"
#include "models/remoting/protocol.h"
#include "sim/dist.h"
#include "sim/sim.h"

/* ---- configuration (every default is RocketMQ's; README lists each with its source) ---- */

struct ns_cfg {
    sim_time scan_initial;      /* scanNotActiveBroker first run: 5000 ms (NamesrvController) */
    sim_time scan_interval;     /* 10000 ms in 4.x */
    sim_time expire;            /* BROKER_CHANNEL_EXPIRED_TIME 120000 ms (RouteInfoManager) */
};

struct broker_cfg {
    enum rmq_role role;         /* brokerRole: ASYNC_MASTER */
    enum rmq_flush flush;       /* flushDiskType: ASYNC_FLUSH */
    int queues;                 /* the topic's queues on this group: 4 (defaultTopicQueueNums) */
    int register_at_start;      /* BrokerController.start() registers at once: true */
    sim_time register_initial;  /* then every period from 10000 ms */
    sim_time register_period;   /* registerNameServerPeriod 30000 ms */
    sim_time request_timeout;   /* registerBrokerTimeoutMills 6000 ms, also for slave->master requests */
    sim_time flush_interval;    /* flushIntervalCommitLog 500 ms */
    int flush_least_pages;      /* flushCommitLogLeastPages 4 (of 4 KiB) */
    sim_time flush_thorough;    /* flushCommitLogThoroughInterval 10000 ms */
    sim_time group_commit_interval; /* GroupCommitService / GroupTransferService loop: 10 ms */
    sim_time sync_flush_timeout;    /* syncFlushTimeout 5000 ms: SYNC_FLUSH and, in 4.4, SYNC_MASTER waits */
    /* HA */
    sim_time ha_heartbeat;      /* haSendHeartbeatInterval 5000 ms */
    sim_time ha_housekeeping;   /* haHousekeepingInterval 20000 ms */
    sim_time ha_reconnect;      /* HAClient retry: 5000 ms */
    sim_time ha_idle_wait;      /* WriteSocketService waits up to 100 ms when nothing is new */
    uint64_t ha_batch;          /* haTransferBatchSize 32768 B */
    uint64_t ha_fallbehind_max; /* haSlaveFallbehindMax 256 MiB: the "slave OK" gap */
    uint64_t ha_window;         /* bytes in flight on the HA socket before the master waits: 64 KiB send +
                                   64 KiB receive buffers = 131072 B (mqsim's model of TCP flow control) */
    uint64_t commitlog_file;    /* mapedFileSizeCommitLog 1 GiB: where a new slave starts */
    /* reads */
    int slave_read_enable;      /* slaveReadEnable false */
    int which_broker_slowly;    /* whichBrokerWhenConsumeSlowly 1 */
    double in_memory_ratio;     /* accessMessageInMemoryMaxRatio 40 (%) */
    uint64_t host_memory;       /* TOTAL_PHYSICAL_MEMORY_SIZE; StoreUtil's fallback 24 GiB */
    sim_time hold_check;        /* PullRequestHoldService recheck: 5000 ms */
    int long_polling;           /* longPollingEnable true */
    sim_time short_polling;     /* shortPollingTimeMills 1000 ms */
    /* consumer offsets */
    sim_time offset_persist;    /* flushConsumerOffsetInterval 5000 ms */
    sim_time offset_sync_initial;   /* SlaveSynchronize: 10000 ms */
    sim_time offset_sync_period;    /* then every 60000 ms */
    /* DLedger (enableDLegerCommitLog) */
    int dledger;                /* the group replicates with DLedger instead of classic HA */
    struct raft_cfg raft;
    sim_time dledger_flush_interval;   /* flushFileInterval 10 ms */
    sim_time dledger_sync_period;      /* metadata sync of a DLedger slave: 3000 ms */
    sim_time role_check_interval;      /* DLedgerRoleChangeHandler polls the new leader's catch-up: 100 ms */
};

enum rate_kind { RATE_CONSTANT, RATE_POISSON };

struct producer_cfg {
    double rate;                /* messages per second */
    enum rate_kind rate_kind;
    struct sim_dist size;       /* body bytes: const 1024 */
    sim_time start, stop;       /* stop 0 = until the end */
    sim_time send_timeout;      /* sendMsgTimeout 3000 ms, shared by all attempts */
    int retries;                /* retryTimesWhenSendFailed 2 */
    sim_time route_initial;     /* MQClientInstance: 10 ms */
    sim_time route_poll;        /* pollNameServerInterval 30000 ms */
    int random_phase;           /* the poll schedule's phase is random (the client started at any time) */
    int max_inflight;           /* sends in flight before new ones are refused (the app's threads) */
};

struct consumer_cfg {
    sim_time start;
    double consume_rate;        /* messages per second this consumer processes; 0 = no limit */
    int pull_batch;             /* pullBatchSize 32 */
    int pull_threshold;         /* pullThresholdForQueue 1000 */
    sim_time flow_delay;        /* PULL_TIME_DELAY_MILLS_WHEN_FLOW_CONTROL 50 ms */
    sim_time suspend;           /* BROKER_SUSPEND_MAX_TIME_MILLIS 15000 ms */
    sim_time pull_timeout;      /* CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND 30000 ms */
    sim_time retry_delay;       /* PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION 3000 ms */
    sim_time route_initial;     /* 10 ms */
    sim_time route_poll;        /* 30000 ms */
    int random_phase;           /* as the producer's */
    sim_time rebalance;         /* 20000 ms */
    sim_time persist_initial;   /* 10000 ms */
    sim_time persist_interval;  /* persistConsumerOffsetInterval 5000 ms */
    sim_time request_timeout;   /* offset queries and commits: 3000 ms */
};

struct operator_cfg {
    int enabled;
    sim_time probe_interval;    /* monitoring probes the master: 10000 ms */
    sim_time probe_timeout;     /* 3000 ms */
    struct sim_dist alert_delay;     /* failures seen -> page sent: uniform 30-120 s */
    struct sim_dist reaction;        /* page -> operator acts: lognormal median 300 s, sigma 0.5 */
    struct sim_dist procedure;       /* stop slave, edit broker.conf, start: uniform 60-180 s */
    enum rmq_role new_role;     /* the promoted slave's brokerRole: ASYNC_MASTER */
};

/* ---- the world ---- */

struct broker;
struct nameserver;
struct producer;
struct consumer;
struct operator_;
struct raft_check;

struct rmq_group {
    char name[32];
    int idx;
    int n;                              /* replicas */
    sim_node_id node[RMQ_MAX_REPLICAS];
    struct broker *broker[RMQ_MAX_REPLICAS];
    struct broker_cfg cfg;

    /* what the group's consumers read, by replica kind; redirects of the consumers' suggestions */
    uint64_t reads_master, reads_slave;         /* messages delivered by pulls */
    uint64_t reads_master_iv, reads_slave_iv;   /* in the current sample interval */
    uint64_t redirects_to_slave, redirects_to_master;
    /* the failover timeline of the first master crash (-1: not yet); see report.h */
    sim_time crash, detected, elected, promoted, first_write;
    int crash_host;                     /* the crash took the host (else the process) */
    int64_t crash_term;                 /* DLedger: the Raft term at the crash */
    sim_node_id new_master;
    struct raft_check *check;           /* DLedger invariants (NULL for classic HA) */
    /* lag, sampled */
    uint64_t lag_max_msgs, lag_max_bytes;
    double lag_sum_msgs;
    uint64_t lag_samples;
};

struct rmq_world {
    struct sim *sim;
    int nns;
    sim_node_id *ns;
    struct nameserver **nss;
    struct ns_cfg ns_cfg;
    int ngroups;
    struct rmq_group *g;
    int nproducers;
    struct producer **producers;
    int nconsumers;
    struct consumer **consumers;
    struct operator_ *op;
    struct acct acct;
    struct meas meas;           /* what the clients experience (report.h feeds it) */
    int invariant_violations;
    uint64_t invariant_checks;
    struct violation {
        char invariant[32];
        int group;
        sim_node_id node;
        int64_t term, index;
        sim_time t;
    } violations[64];
    int nviolations;
};

/* Every RocketMQ model's state starts with this, so any node leads to its world. */
enum rmq_kind { RMQ_NAMESERVER, RMQ_BROKER, RMQ_PRODUCER, RMQ_CONSUMER, RMQ_OPERATOR };
struct rmq_node {
    struct rmq_world *w;
    enum rmq_kind kind;
};

static inline struct rmq_world *world_of(const struct sim_node *n) { return ((struct rmq_node *)n->model)->w; }

/* The group index of a broker node, or -1. */
int world_group_of(const struct rmq_world *w, sim_node_id node);

#endif
