/* client_cfg: the producers' and consumers' settings (DefaultMQProducer, DefaultMQPushConsumer, ClientConfig),
 * with RocketMQ's defaults. */
#ifndef MODELS_CLIENT_CFG_H
#define MODELS_CLIENT_CFG_H

#include "sim/dist.h"
#include "sim/time.h"

enum rate_kind { RATE_CONSTANT, RATE_POISSON };
enum producer_mode { PRODUCER_OPEN, PRODUCER_CLOSED };
enum fault_tables { FAULT_TABLES_R44, FAULT_TABLES_5X };
/* MQFaultStrategy.selectOneMessageQueue's release (mq_fault.h). */
enum queue_selection { QSEL_R44, QSEL_R498, QSEL_5X };
enum producer_order { ORDER_NONE, ORDER_QUEUE };

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
    enum producer_mode mode;    /* open: sends arrive at `rate`; closed: `threads` application threads, each
                                   sending again when its send() returns */
    int threads;                /* closed: application threads per producer */
    struct sim_dist think;      /* closed: a thread's pause after an acknowledged send (const 0) */
    sim_time error_pause;       /* closed: its pause after a failed send (3000 ms: the benchmark Producer's
                                   Thread.sleep(3000)) */
    int latency_fault;          /* sendLatencyFaultEnable false (MQFaultStrategy) */
    enum fault_tables fault_tables; /* latencyMax / notAvailableDuration: R44's or 5.x's */
    enum queue_selection queue_selection; /* how an attempt's queue is chosen: R44's (QSEL_R44) */
    int start_detector;         /* 5.x ClientConfig.startDetectorEnable false: a RemotingException leaves the broker
                                   unreachable, and the detector asks the table's brokers every 3 s */
    sim_time detect_interval;   /* ClientConfig.detectInterval 2000 ms: a broker asked again no sooner */
    sim_time detect_timeout;    /* ClientConfig.detectTimeout 200 ms: the detector's GET_MAX_OFFSET */
    int spent_retry;            /* a send whose attempt ended with its whole budget spent goes on with attempts of
                                   0 ms (RocketMQ's millisecond costTime equal to the timeout passes sendDefaultImpl's
                                   `timeout < costTime`): false, it ends there */
    int retry_system_busy;      /* sendDefaultImpl retries SYSTEM_BUSY (DefaultMQProducer.retryResponseCodes from
                                   5.3.0, #5838); R44/R498 throw it at once */
    int fail_fast;              /* requests fail when the broker closes their connection (5.1.3+), not at their
                                   timeouts */
    int close_on_timeout;       /* NettyClientConfig.clientCloseSocketIfTimeout: a synchronous request that times
                                   out closes its connection and fails the others on it (false in R44, true from
                                   4.9: NettySystemConfig) */
    int close_needs_time;       /* ...only when it was sent with over 100 ms or a quarter of its timeout left (R53
                                   NettyRemotingClient.invokeSync's shouldClose); R44/R498 whatever was left */
    int ns_walk;                /* a route request whose NameServer cannot be connected tries the next one within
                                   its time (R44/R498 getAndCreateNameserverChannel's loop); R53 fails it */
    enum producer_order order;  /* none: send(msg) (sendDefaultImpl); queue: send(msg, SelectMessageQueueByHash,
                                   key) (sendSelectImpl) */
    int vip_channel;            /* ClientConfig.vipChannelEnabled (true in R44, false from 4.5.1): sends go to the
                                   broker's VIP port (listenPort - 2), the heartbeats to its main port */
    sim_time heartbeat_initial; /* MQClientInstance.startScheduledTask: 1000 ms */
    sim_time heartbeat_interval;    /* heartbeatBrokerInterval 30000 ms */
    sim_time admin_timeout;     /* sendHeartbeat(addr, data, mqClientApiTimeout 3000) */
    int order_keys;             /* queue: keys are drawn uniformly from 0 .. order_keys - 1 (16, assumed) */
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
    sim_time heartbeat_initial; /* MQClientInstance.startScheduledTask: 1000 ms */
    sim_time heartbeat_interval;    /* heartbeatBrokerInterval 30000 ms */
    sim_time admin_timeout;     /* sendHearbeat, getConsumerIdListByGroup: 3000 ms */
    int heartbeat_on_connect;   /* a heartbeat to each broker as its connection comes up, then a rebalance
                                   (5.x ClientConfig.enableHeartbeatChannelEventListener) */
    int fail_fast;              /* as the producer's */
    int close_on_timeout;       /* as the producer's (a pull is asynchronous: its timeout closes nothing) */
    int close_needs_time;       /* as the producer's */
    int ns_walk;                /* as the producer's */
    int pull_blocks_on_connect; /* PullMessageService's one thread waits while a pull's broker connection is made
                                   (4.x NettyRemotingClient.invokeAsync -> getAndCreateChannel ->
                                   awaitUninterruptibly(connectTimeoutMillis)); 5.x invokeAsync does not wait */
    sim_time first_pull_delay;  /* a newly taken queue's first pull (5.x RebalanceImpl.dispatchPullRequest(.., 500));
                                   0: at once (4.x) */
    int rebalance_in_turn;      /* the rebalance takes its new queues one after the other on its own thread, each
                                   lock and offset query a synchronous call, and starts their pulls after the last
                                   (RebalanceImpl.updateProcessQueueTableInRebalance, R44 to R53); 0: all at once,
                                   each pulled as its offset comes */
    sim_time rebalance_min;     /* 5.2+ RebalanceService.minInterval 1000 ms: wakeups wait until this long after the
                                   last rebalance, and an unbalanced one is retried this long after; 0: neither (4.x) */
    sim_time persist_interval;  /* persistConsumerOffsetInterval 5000 ms */
    sim_time request_timeout;   /* offset queries and commits: 5000 ms */
    int consume_from_first;     /* consumeFromWhere: CONSUME_FROM_FIRST_OFFSET (1) or CONSUME_FROM_LAST_OFFSET (0,
                                   DefaultMQPushConsumer's default): where a queue the broker has no offset for
                                   starts (RebalancePushImpl.computePullFromWhere) */
    sim_time max_offset_timeout; /* MQAdminImpl.timeoutMillis 6000: getMaxOffset for CONSUME_FROM_LAST_OFFSET */
    int orderly;                /* MessageListenerOrderly (ConsumeMessageOrderlyService), false */
    int consume_batch;          /* orderly: consumeMessageBatchMaxSize 1 */
    sim_time lock_interval;     /* orderly: lockMQPeriodically every REBALANCE_LOCK_INTERVAL 20000 ms */
    sim_time lock_live;         /* orderly: ProcessQueue.REBALANCE_LOCK_MAX_LIVE_TIME 30000 ms */
    sim_time lock_timeout;      /* orderly: lockBatchMQ's 1000 ms */
    int lock_on_take;           /* orderly: a queue taken is locked at once (RebalanceImpl: new ProcessQueue()
                                   then setLocked(true), from 4.9.5); else it waits for the next lockAll */
    sim_time scan_initial;      /* the client's scanResponseTable: first run after the start (R44/R498 3000 ms by
                                   Timer.scheduleAtFixedRate; R53 3100: HashedWheelTimer's 100 ms ticks) */
    sim_time scan_interval;     /* and between runs (R44/R498 1000 ms; R53 1100: newTimeout(1000) again at each
                                   run's end, due at the first tick after); 0: a pull times out at its deadline */
    int commit_needs_master;    /* RemoteBrokerOffsetStore.updateConsumeOffsetToBroker looks for the master only
                                   (findBrokerAddressInSubscribe(.., MASTER_ID, true): R498) and asks the NameServer
                                   when it is not in the route; else any broker (R44 findBrokerAddressInAdmin, R53
                                   onlyThisBroker false), asking only when the group is not */
    int query_needs_master;     /* the same for fetchConsumeOffsetFromBroker (R498, R53; not R44) */
    int query_error_not_found;  /* an offset query answered with any error code (not only QUERY_NOT_FOUND) is "no
                                   offset in broker" (readOffset -1), so the queue starts where consumeFromWhere
                                   says (R44, R498: MQBrokerException); else the queue is not taken (from 5.0:
                                   OffsetNotFoundException for QUERY_NOT_FOUND only, R53) */
    int subscribe_next_id;      /* MQClientInstance.findBrokerAddressInSubscribe: a suggested slave id missing from
                                   the route tries id + 1 before the first entry (from 4.8.0, #2167; R498, R53) */
    sim_time offset_illegal_fix; /* OFFSET_ILLEGAL: the offset fixed and the queue removed 10000 ms later
                                    (executeTaskLater), or at once and a rebalance (0: from 5.2) */
};

#endif
