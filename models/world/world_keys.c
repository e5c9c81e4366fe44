/* world_keys: the RocketMQ sections of a scenario ("nameservers", "broker" and each group, "producers",
 * "consumers", "operator"): their defaults, from RocketMQ's own (REFERENCE.md; the README's scenario reference
 * lists the same), and the key tables that read them. */
#include <stddef.h>
#include <string.h>

#include "models/world/world.h"
#include "sim/fault.h"
#include "sim/lab/fields.h"

#define MAX_DAY_MS 86400000.0
#define GIB (1024.0 * 1024 * 1024)

static const char *const roles[] = {"ASYNC_MASTER", "SYNC_MASTER", "SLAVE", NULL};
static const char *const flushes[] = {"ASYNC_FLUSH", "SYNC_FLUSH", NULL};
static const char *const arrivals[] = {"constant", "poisson", NULL};
static const char *const has[] = {"master_slave", "dledger", "controller", NULL};
static const char *const elections[] = {"dledger", "raft", NULL};
static const char *const modes[] = {"open", "closed", NULL};
static const char *const fault_tables[] = {"4.4", "5.x", NULL};
static const char *const queue_selections[] = {"4.4", "4.9", "5.x", NULL};   /* enum queue_selection */
static const char *const orders[] = {"none", "queue", NULL};
static const char *const consume_froms[] = {"last_offset", "first_offset", NULL};
static const char *const sync_waits[] = {"sync_flush_timeout", "slave_timeout", "in_sync_replicas", NULL};
static const char *const ha_clocks[] = {"read", "report", NULL};   /* enum ha_clock */

void world_defaults(struct world_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->nns = 1;
    c->ns.scan_initial = 5 * SIM_S;
    c->ns.scan_interval = 10 * SIM_S;
    c->ns.expire = 120 * SIM_S;
    c->ns.idle = 120 * SIM_S;

    struct broker_cfg *b = &c->broker;
    b->role = RMQ_ASYNC_MASTER;
    b->flush = RMQ_ASYNC_FLUSH;
    b->queues = 4;
    b->register_at_start = 1;
    b->register_initial = 10 * SIM_S;
    b->register_period = 30 * SIM_S;
    b->request_timeout = 6 * SIM_S;
    b->flush_interval = 500 * SIM_MS;
    b->flush_least_pages = 4;
    b->flush_thorough = 10 * SIM_S;
    b->cq_flush_interval = 1 * SIM_S;     /* MessageStoreConfig, R44, R498, R53 alike */
    b->cq_flush_least_pages = 2;
    b->cq_flush_thorough = 60 * SIM_S;
    b->group_commit_interval = 10 * SIM_MS;
    b->sync_flush_timeout = 5 * SIM_S;
    b->sync_master_wait = SYNC_WAIT_SYNC_FLUSH_TIMEOUT;   /* R44 CommitLog.handleHA */
    b->ha_heartbeat = 5 * SIM_S;
    b->ha_housekeeping = 20 * SIM_S;
    b->ha_reconnect = 5 * SIM_S;
    b->ha_connect_timeout = 5 * SIM_S;
    b->ha_report_clock_from_connect = 1;
    b->ha_heartbeat_clock = HA_CLOCK_READ;       /* R44 HAClient.processReadEvent: lastWriteTimestamp */
    b->ha_housekeeping_clock = HA_CLOCK_READ;
    b->ha_warm_start = 1;
    b->ha_idle_wait = 100 * SIM_MS;
    b->ha_batch = 32768;
    b->ha_fallbehind_max = 268435456;
    b->ha_window = 131072;
    b->commitlog_file = 1073741824;
    b->slave_read_enable = 0;
    b->which_broker_slowly = 1;
    b->slave_rejects_pull = 0;   /* R44 PullMessageProcessor.rejectRequest: false */
    b->slave_rejects_send = 0;   /* R44 SendMessageProcessor.rejectRequest: no role test */
    b->slave_redirects = 0;      /* R44: a slave holds a pull that found nothing (long polling) */
    b->slave_wakes_pulls = 0;    /* R44 ReputMessageService: no arriving notice on a SLAVE */
    b->dispatch_flushed_only = 0;   /* R44: getReputEndOffset is the max offset */
    b->dledger_recover_dispatch_all = 0;   /* R498 DLedgerCommitLog.recover: no dispatch (DLedger is 4.5+) */
    b->in_memory_ratio = 40;
    b->host_memory = (uint64_t)(24 * GIB);
    b->data_read_ahead = 1;   /* R53 MessageStoreConfig.dataReadAheadEnable; 4.x always reads ahead */
    b->hold_check = 5 * SIM_S;
    b->long_polling = 1;
    b->short_polling = 1 * SIM_S;
    b->overflow_to_max = 0;   /* R44 DefaultMessageStore.getMessage: minOffset == 0 ? 0 : maxOffset */
    b->query_offset_in_page_cache = 0;   /* R44 queryConsumerOffset: checkInDiskByConsumeOffset */
    b->offset_check_in_slave = 0;   /* MessageStoreConfig.offsetCheckInSlave, false in R44, R498, R53 */
    b->offset_persist = 5 * SIM_S;
    b->offset_sync_initial = 10 * SIM_S;   /* R44 BrokerController.initialize */
    b->offset_sync_period = 60 * SIM_S;
    b->offset_sync_min_interval = 0;
    b->rebalance_lock_live = 60 * SIM_S;   /* RebalanceLockManager: rocketmq.broker.rebalance.lockMaxLiveTime */
    b->channel_expired = 120 * SIM_S;      /* ConsumerManager.CHANNEL_EXPIRED_TIMEOUT */
    b->client_scan_interval = 10 * SIM_S;  /* ClientHousekeepingService: scheduleAtFixedRate(.., 10 s, 10 s) */
    b->server_idle = 120 * SIM_S;          /* NettyServerConfig.serverChannelMaxIdleTimeSeconds (R44, R498, R53) */
    b->notify_ids_changed = 1;             /* BrokerConfig.notifyConsumerIdsChangedEnable */
    b->dledger = 0;
    b->raft.election = RAFT_ELECTION_DLEDGER;
    b->raft.heartbeat = 2000 * SIM_MS;
    b->raft.max_heartbeat_leak = 3;
    b->raft.min_vote_interval = 300 * SIM_MS;
    b->raft.max_vote_interval = 1000 * SIM_MS;
    b->raft.max_pending_requests = 10000;
    b->raft.max_wait_ack = 2500 * SIM_MS;
    b->raft.max_push_timeout = 1000 * SIM_MS;
    b->raft.max_pending_push = 1000;
    b->raft.peer_push_throttle_point = 300 * 1024 * 1024;   /* DLedgerConfig.peerPushThrottlePoint */
    b->raft.peer_push_quota = 20 * 1024 * 1024;             /* DLedgerConfig.peerPushQuota */
    b->raft.max_batch_push_size = 4096;
    b->raft.tick = 10 * SIM_MS;
    b->raft.rpc_timeout = 3 * SIM_S;
    b->raft.election_min = 150 * SIM_MS;
    b->raft.election_max = 300 * SIM_MS;
    b->raft.raft_heartbeat = 50 * SIM_MS;
    b->raft.connect_at_start = -1;   /* resolved per group: on under "election": "raft" */
    b->raft.commit_current_term_only = 0;
    b->raft.persist_term_fsync = -1;   /* by election: off under DLedger, on under classic Raft */
    b->raft.preferred_leader = -1;
    b->raft.max_transfer_wait_index = 1000;
    b->raft.min_take_vote_interval = 30 * SIM_MS;
    b->raft.max_take_vote_interval = 100 * SIM_MS;
    b->raft.transfer_wait_timeout = 1000 * SIM_MS;
    b->dledger_flush_interval = 10 * SIM_MS;
    b->dledger_sync_initial = 3 * SIM_S;   /* R498 BrokerController.handleSlaveSynchronize */
    b->dledger_sync_period = 10 * SIM_S;
    b->dledger_sync_min_interval = 0;
    b->role_check_interval = 100 * SIM_MS;
    b->reput_cost = 5 * SIM_US;
    b->reput_sleep = 1 * SIM_MS;
    b->checkpoint_interval = 3000 * SIM_MS;
    /* Request processing: BrokerConfig (R44) for the pools, assumed service times (README). */
    b->cores = 8;
    b->send_threads = 1;
    b->pull_threads = -1;   /* 16 + 2 * cores, once cores is known */
    b->consumer_manage_threads = 32;
    b->admin_threads = 16;
    b->send_queue_capacity = 10000;
    b->pull_queue_capacity = 100000;
    b->consumer_manage_queue_capacity = 1000000;
    b->admin_queue_capacity = 2147483647;
    b->send_cost = sim_dist_const(SIM_UNIT_TIME, 10 * SIM_US);
    b->pull_cost = sim_dist_const(SIM_UNIT_TIME, 10 * SIM_US);
    b->consumer_manage_cost = sim_dist_const(SIM_UNIT_TIME, 5 * SIM_US);
    b->admin_cost = sim_dist_const(SIM_UNIT_TIME, 5 * SIM_US);
    b->fast_failure = 1;
    b->wait_in_send_queue = 200 * SIM_MS;
    b->wait_in_pull_queue = 5000 * SIM_MS;
    b->page_cache_busy_timeout = 1000 * SIM_MS;
    b->async_send = -1;   /* by the group's HA until set: classic false (R44), DLedger true (4.7+ asyncPutMessage) */
    b->ctl_heartbeat = 1000 * SIM_MS;
    b->ctl_sync_metadata = 5000 * SIM_MS;
    b->ctl_check_sss_initial = 3000 * SIM_MS;
    b->ctl_check_sss = 5000 * SIM_MS;
    b->ha_max_time_not_catchup = 15000 * SIM_MS;
    b->in_sync_replicas = 1;
    b->min_in_sync_replicas = 1;
    b->slave_timeout = 3000 * SIM_MS;
    b->election_priority = 2147483647;

    struct producer_cfg *p = &c->producer;
    p->rate = 1000;
    p->rate_kind = RATE_CONSTANT;
    p->size = sim_dist_const(SIM_UNIT_BYTES, 1024);
    p->start = 1 * SIM_S;   /* after the brokers registered: an earlier send finds no route */
    p->send_timeout = 3 * SIM_S;
    p->retries = 2;
    p->route_initial = 10 * SIM_MS;
    p->route_poll = 30 * SIM_S;
    p->random_phase = 1;
    p->max_inflight = 100000;
    p->mode = PRODUCER_OPEN;
    p->threads = 1;
    p->think = sim_dist_const(SIM_UNIT_TIME, 0);
    p->error_pause = 3000 * SIM_MS;   /* example/benchmark/Producer.java: Thread.sleep(3000) after an exception */
    p->latency_fault = 0;             /* DefaultMQProducer.sendLatencyFaultEnable false */
    p->fault_tables = FAULT_TABLES_R44;
    p->queue_selection = QSEL_R44;
    p->start_detector = 0;            /* R53 ClientConfig.startDetectorEnable (com.rocketmq.startDetectorEnable) */
    p->detect_interval = 2000 * SIM_MS;   /* R53 ClientConfig.detectInterval */
    p->detect_timeout = 200 * SIM_MS;     /* R53 ClientConfig.detectTimeout */
    p->spent_retry = 0;               /* a race of the millisecond clock, off: README */
    p->retry_system_busy = 0;         /* R44 sendDefaultImpl's switch: SYSTEM_BUSY is thrown */
    p->ns_walk = 1;                   /* R44 NettyRemotingClient.getAndCreateNameserverChannel: for each address */
    p->order = ORDER_NONE;            /* send(msg): sendDefaultImpl */
    p->order_keys = 16;               /* assumed: no RocketMQ default (the application's order ids) */
    p->vip_channel = 1;               /* R44 ClientConfig.vipChannelEnabled (the 4.9 and 5.3 profiles: false) */
    p->heartbeat_initial = 1 * SIM_S;
    p->heartbeat_interval = 30 * SIM_S;   /* ClientConfig.heartbeatBrokerInterval */
    p->admin_timeout = 3 * SIM_S;

    struct consumer_cfg *k = &c->consumer;
    k->pull_batch = 32;
    k->pull_threshold = 1000;
    k->flow_delay = 50 * SIM_MS;
    k->suspend = 15 * SIM_S;
    k->pull_timeout = 30 * SIM_S;
    k->retry_delay = 3 * SIM_S;
    k->pull_blocks_on_connect = 1;        /* R44 NettyRemotingClient.invokeAsync: getAndCreateChannel waits for the connect */
    k->rebalance_in_turn = 1;             /* R44 to R53 RebalanceImpl.updateProcessQueueTableInRebalance: for (mq : mqSet) */
    k->route_initial = 10 * SIM_MS;
    k->route_poll = 30 * SIM_S;
    k->random_phase = 1;
    k->rebalance = 20 * SIM_S;
    k->persist_initial = 10 * SIM_S;
    k->heartbeat_initial = 1 * SIM_S;
    k->heartbeat_interval = 30 * SIM_S;   /* ClientConfig.heartbeatBrokerInterval */
    k->admin_timeout = 3 * SIM_S;         /* MQClientInstance: sendHearbeat(addr, data, 3000), getConsumerIdListByGroup(.., 3000) */
    k->persist_interval = 5 * SIM_S;
    k->request_timeout = 5 * SIM_S;       /* RemoteBrokerOffsetStore: queryConsumerOffset, updateConsumerOffset*(..., 1000 * 5) */
    k->consume_from_first = 0;            /* DefaultMQPushConsumer.consumeFromWhere: CONSUME_FROM_LAST_OFFSET */
    k->max_offset_timeout = 6 * SIM_S;    /* MQAdminImpl.timeoutMillis */
    k->orderly = 0;                        /* MessageListenerConcurrently */
    k->consume_batch = 1;                  /* consumeMessageBatchMaxSize 1 */
    k->lock_interval = 20 * SIM_S;         /* ProcessQueue.REBALANCE_LOCK_INTERVAL */
    k->lock_live = 30 * SIM_S;             /* ProcessQueue.REBALANCE_LOCK_MAX_LIVE_TIME (client side) */
    k->lock_timeout = 1 * SIM_S;           /* RebalanceImpl.lock/lockAll: lockBatchMQ(addr, body, 1000) */
    k->lock_on_take = 0;                   /* R44 RebalanceImpl: new ProcessQueue() not locked */
    k->scan_initial = 3 * SIM_S;          /* R44 NettyRemotingClient.start: scheduleAtFixedRate(.., 1000 * 3, 1000) */
    k->scan_interval = 1 * SIM_S;
    k->commit_needs_master = 0;            /* R44 RemoteBrokerOffsetStore: findBrokerAddressInAdmin */
    k->query_needs_master = 0;
    k->query_error_not_found = 1;          /* R44 RemoteBrokerOffsetStore.readOffset: catch (MQBrokerException) -> -1 */
    k->subscribe_next_id = 0;              /* R44 findBrokerAddressInSubscribe: no brokerId + 1 */
    k->ns_walk = 1;                        /* as the producer's */
    k->offset_illegal_fix = 10 * SIM_S;    /* R44 DefaultMQPushConsumerImpl: executeTaskLater(..., 10000) */

    struct operator_cfg *o = &c->op;
    o->enabled = 1;
    o->probe_interval = 10 * SIM_S;
    o->probe_timeout = 3 * SIM_S;
    o->alert_delay = (struct sim_dist){.kind = SIM_DIST_UNIFORM, .unit = SIM_UNIT_TIME, .a = 30e9, .b = 120e9};
    o->reaction = (struct sim_dist){.kind = SIM_DIST_LOGNORMAL, .unit = SIM_UNIT_TIME, .a = 26.427, .b = 0.5};
    o->procedure = (struct sim_dist){.kind = SIM_DIST_UNIFORM, .unit = SIM_UNIT_TIME, .a = 60e9, .b = 180e9};
    o->new_role = RMQ_ASYNC_MASTER;
    o->recheck = 1;
    o->rejoin = (struct sim_dist){.kind = SIM_DIST_UNIFORM, .unit = SIM_UNIT_TIME, .a = 60e9, .b = 180e9};

    c->metrics.read_gap = 1 * SIM_S;
    c->metrics.warmup = -1;
    c->checks.after = 0;
    c->checks.bound = 60 * SIM_S;
    c->explore.max_faults = 6;
    c->explore.start = 10 * SIM_S;
    c->explore.tail = 120 * SIM_S;
    c->explore.max_outage = 30 * SIM_S;
    c->explore.ops = (1u << FAULT_CRASH_PROCESS) | (1u << FAULT_CRASH_HOST) | (1u << FAULT_PARTITION) |
                     (1u << FAULT_LINK) | (1u << FAULT_DISK_STALL) | (1u << FAULT_PAUSE);
    c->explore.symbolic = 0.5;
    c->explore.targets = EXPLORE_NAMESERVERS | EXPLORE_BROKERS;
}

#define BF(k, t, f, lo, hi) {k, t, offsetof(struct broker_cfg, f), lo, hi, NULL}
static const struct field broker_fields[] = {
    {"role", F_ENUM, offsetof(struct broker_cfg, role), 0, 0, roles},
    {"flush", F_ENUM, offsetof(struct broker_cfg, flush), 0, 0, flushes},
    BF("queues", F_INT, queues, 1, RMQ_MAX_QUEUES),
    BF("register_at_start", F_BOOL, register_at_start, 0, 1),
    BF("register_initial_delay_ms", F_TIME, register_initial, 0, MAX_DAY_MS),
    /* BrokerController.start (R44, R498, R53) schedules registerBrokerAll every
     * max(10000, min(registerNameServerPeriod, 60000)) ms: other values would not be what RocketMQ runs. */
    BF("register_name_server_period_ms", F_TIME, register_period, 10000, 60000),
    BF("register_broker_timeout_ms", F_TIME, request_timeout, 1, MAX_DAY_MS),
    BF("fail_fast_on_close", F_BOOL, fail_fast, 0, 1),
    BF("client_close_socket_if_timeout", F_BOOL, close_on_timeout, 0, 1),
    BF("close_socket_needs_time_left", F_BOOL, close_needs_time, 0, 1),
    BF("flush_interval_commitlog_ms", F_TIME, flush_interval, 1, MAX_DAY_MS),
    BF("flush_commitlog_least_pages", F_INT, flush_least_pages, 0, 1000000),
    BF("flush_commitlog_thorough_interval_ms", F_TIME, flush_thorough, 1, MAX_DAY_MS),
    BF("flush_commitlog_timed", F_BOOL, flush_timed, 0, 1),
    BF("flush_interval_consume_queue_ms", F_TIME, cq_flush_interval, 1, MAX_DAY_MS),
    BF("flush_consume_queue_least_pages", F_INT, cq_flush_least_pages, 0, 1000000),
    BF("flush_consume_queue_thorough_interval_ms", F_TIME, cq_flush_thorough, 1, MAX_DAY_MS),
    BF("group_commit_interval_ms", F_TIME, group_commit_interval, 1, MAX_DAY_MS),
    BF("sync_flush_timeout_ms", F_TIME, sync_flush_timeout, 1, MAX_DAY_MS),
    {"sync_master_wait", F_ENUM, offsetof(struct broker_cfg, sync_master_wait), 0, 0, sync_waits},
    BF("ha_send_heartbeat_interval_ms", F_TIME, ha_heartbeat, 1, MAX_DAY_MS),
    BF("ha_housekeeping_interval_ms", F_TIME, ha_housekeeping, 1, MAX_DAY_MS),
    BF("ha_reconnect_interval_ms", F_TIME, ha_reconnect, 1, MAX_DAY_MS),
    BF("ha_connect_timeout_ms", F_TIME, ha_connect_timeout, 1, 600000),
    BF("ha_report_clock_from_connect", F_BOOL, ha_report_clock_from_connect, 0, 1),
    {"ha_heartbeat_clock", F_ENUM, offsetof(struct broker_cfg, ha_heartbeat_clock), 0, 0, ha_clocks},
    {"ha_housekeeping_clock", F_ENUM, offsetof(struct broker_cfg, ha_housekeeping_clock), 0, 0, ha_clocks},
    BF("ha_wait_after_close", F_BOOL, ha_wait_after_close, 0, 1),
    BF("ha_warm_start", F_BOOL, ha_warm_start, 0, 1),
    BF("ha_idle_wait_ms", F_TIME, ha_idle_wait, 1, MAX_DAY_MS),
    BF("ha_transfer_batch_bytes", F_U64, ha_batch, 1, 1 << 30),
    BF("ha_slave_fallbehind_max_bytes", F_U64, ha_fallbehind_max, 0, 2147483647.0),
    BF("ha_window_bytes", F_U64, ha_window, 1, 1 << 30),
    BF("commitlog_file_bytes", F_U64, commitlog_file, 4096, 1e15),
    BF("slave_read_enable", F_BOOL, slave_read_enable, 0, 1),
    BF("which_broker_when_consume_slowly", F_INT, which_broker_slowly, 0, RMQ_MAX_REPLICAS - 1),
    BF("slave_rejects_pull", F_BOOL, slave_rejects_pull, 0, 1),
    BF("slave_rejects_send", F_BOOL, slave_rejects_send, 0, 1),
    BF("slave_redirects_to_master", F_BOOL, slave_redirects, 0, 1),
    BF("slave_wakes_held_pulls", F_BOOL, slave_wakes_pulls, 0, 1),
    BF("dispatch_flushed_only", F_BOOL, dispatch_flushed_only, 0, 1),
    BF("dledger_recover_dispatch_all", F_BOOL, dledger_recover_dispatch_all, 0, 1),
    BF("access_message_in_memory_max_ratio", F_DOUBLE, in_memory_ratio, 0, 100),
    BF("host_memory_bytes", F_U64, host_memory, 0, 1e15),
    BF("data_read_ahead_enable", F_BOOL, data_read_ahead, 0, 1),
    BF("pull_hold_check_interval_ms", F_TIME, hold_check, 1, MAX_DAY_MS),
    BF("long_polling_enable", F_BOOL, long_polling, 0, 1),
    BF("short_polling_time_ms", F_TIME, short_polling, 1, MAX_DAY_MS),
    BF("overflow_badly_to_max_offset", F_BOOL, overflow_to_max, 0, 1),
    BF("query_offset_in_page_cache", F_BOOL, query_offset_in_page_cache, 0, 1),
    BF("offset_check_in_slave", F_BOOL, offset_check_in_slave, 0, 1),
    BF("flush_consumer_offset_interval_ms", F_TIME, offset_persist, 1, MAX_DAY_MS),
    BF("slave_offset_sync_initial_delay_ms", F_TIME, offset_sync_initial, 0, MAX_DAY_MS),
    BF("slave_offset_sync_period_ms", F_TIME, offset_sync_period, 1, MAX_DAY_MS),
    BF("slave_offset_sync_min_interval_ms", F_TIME, offset_sync_min_interval, 0, MAX_DAY_MS),
    BF("rebalance_lock_max_live_time_ms", F_TIME, rebalance_lock_live, 1, MAX_DAY_MS),
    BF("channel_expired_timeout_ms", F_TIME, channel_expired, 1, MAX_DAY_MS),
    BF("client_scan_interval_ms", F_TIME, client_scan_interval, 1, MAX_DAY_MS),
    BF("server_channel_max_idle_time_ms", F_TIME, server_idle, 0, MAX_DAY_MS),
    BF("notify_consumer_ids_changed_enable", F_BOOL, notify_ids_changed, 0, 1),
    {"ha", F_ENUM, offsetof(struct broker_cfg, dledger), 0, 0, has},
    {"election", F_ENUM, offsetof(struct broker_cfg, raft.election), 0, 0, elections},
    BF("heart_beat_time_interval_ms", F_TIME, raft.heartbeat, 1, MAX_DAY_MS),
    BF("max_heart_beat_leak", F_INT, raft.max_heartbeat_leak, 1, 1000),
    BF("min_vote_interval_ms", F_TIME, raft.min_vote_interval, 0, MAX_DAY_MS),
    BF("max_vote_interval_ms", F_TIME, raft.max_vote_interval, 1, MAX_DAY_MS),
    BF("max_pending_requests_num", F_INT, raft.max_pending_requests, 1, 10000000),
    BF("max_wait_ack_time_ms", F_TIME, raft.max_wait_ack, 1, MAX_DAY_MS),
    BF("max_push_time_out_ms", F_TIME, raft.max_push_timeout, 1, MAX_DAY_MS),
    BF("max_pending_push", F_INT, raft.max_pending_push, 1, 1000000),
    BF("peer_push_throttle_point", F_INT, raft.peer_push_throttle_point, 0, 2147483647.0),
    BF("peer_push_quota", F_INT, raft.peer_push_quota, 1, 2147483647.0),
    BF("enable_batch_push", F_BOOL, raft.batch_push, 0, 1),
    BF("max_batch_push_size", F_INT, raft.max_batch_push_size, 1, 4 << 20),
    BF("state_maintainer_interval_ms", F_TIME, raft.tick, 1, 60000),
    BF("raft_election_timeout_min_ms", F_TIME, raft.election_min, 1, MAX_DAY_MS),
    BF("raft_election_timeout_max_ms", F_TIME, raft.election_max, 1, MAX_DAY_MS),
    BF("raft_heartbeat_interval_ms", F_TIME, raft.raft_heartbeat, 1, MAX_DAY_MS),
    BF("raft_connect_at_start", F_BOOL, raft.connect_at_start, 0, 1),
    BF("raft_bootstrap", F_BOOL, raft.bootstrap, 0, 1),
    BF("commit_current_term_only", F_BOOL, raft.commit_current_term_only, 0, 1),
    BF("dledger_persist_term_fsync", F_BOOL, raft.persist_term_fsync, 0, 1),
    BF("max_leadership_transfer_wait_index", F_INT, raft.max_transfer_wait_index, 1, 1000000000),
    BF("min_take_leadership_vote_interval_ms", F_TIME, raft.min_take_vote_interval, 0, MAX_DAY_MS),
    BF("max_take_leadership_vote_interval_ms", F_TIME, raft.max_take_vote_interval, 1, MAX_DAY_MS),
    BF("leadership_transfer_wait_timeout_ms", F_TIME, raft.transfer_wait_timeout, 0, MAX_DAY_MS),
    BF("flush_file_interval_ms", F_TIME, dledger_flush_interval, 1, MAX_DAY_MS),
    BF("dledger_slave_sync_initial_delay_ms", F_TIME, dledger_sync_initial, 0, MAX_DAY_MS),
    BF("dledger_slave_sync_period_ms", F_TIME, dledger_sync_period, 1, MAX_DAY_MS),
    BF("dledger_slave_sync_min_interval_ms", F_TIME, dledger_sync_min_interval, 0, MAX_DAY_MS),
    BF("role_change_check_interval_ms", F_TIME, role_check_interval, 1, MAX_DAY_MS),
    BF("reput_message_cost_us", F_TIME, reput_cost, 0, 1e9),
    BF("check_point_interval_ms", F_TIME, checkpoint_interval, 1, MAX_DAY_MS),
    BF("available_processors", F_INT, cores, 1, 1024),
    BF("send_message_thread_pool_nums", F_INT, send_threads, 1, 1024),
    BF("pull_message_thread_pool_nums", F_INT, pull_threads, 1, 4096),
    BF("consumer_manage_thread_pool_nums", F_INT, consumer_manage_threads, 1, 4096),
    BF("admin_broker_thread_pool_nums", F_INT, admin_threads, 1, 4096),
    BF("send_thread_pool_queue_capacity", F_INT, send_queue_capacity, 1, 2147483647.0),
    BF("pull_thread_pool_queue_capacity", F_INT, pull_queue_capacity, 1, 2147483647.0),
    BF("consumer_manager_thread_pool_queue_capacity", F_INT, consumer_manage_queue_capacity, 1, 2147483647.0),
    BF("send_service_time", F_DIST_TIME, send_cost, 0, 60000),
    BF("pull_service_time", F_DIST_TIME, pull_cost, 0, 60000),
    BF("consumer_manage_service_time", F_DIST_TIME, consumer_manage_cost, 0, 60000),
    BF("admin_service_time", F_DIST_TIME, admin_cost, 0, 60000),
    BF("broker_fast_failure_enable", F_BOOL, fast_failure, 0, 1),
    BF("wait_time_in_send_queue_ms", F_TIME, wait_in_send_queue, 0, MAX_DAY_MS),
    BF("wait_time_in_pull_queue_ms", F_TIME, wait_in_pull_queue, 0, MAX_DAY_MS),
    BF("os_page_cache_busy_timeout_ms", F_TIME, page_cache_busy_timeout, 0, MAX_DAY_MS),
    BF("async_send", F_BOOL, async_send, 0, 1),
    BF("broker_heartbeat_interval_ms", F_TIME, ctl_heartbeat, 1, MAX_DAY_MS),
    BF("sync_broker_metadata_period_ms", F_TIME, ctl_sync_metadata, 1, MAX_DAY_MS),
    BF("check_sync_state_set_period_ms", F_TIME, ctl_check_sss, 1, MAX_DAY_MS),
    BF("ha_max_time_slave_not_catchup_ms", F_TIME, ha_max_time_not_catchup, 1, MAX_DAY_MS),
    BF("all_ack_in_sync_state_set", F_BOOL, all_ack_in_sss, 0, 1),
    BF("read_uncommitted", F_BOOL, read_uncommitted, 0, 1),
    BF("in_sync_replicas", F_INT, in_sync_replicas, 1, RMQ_MAX_REPLICAS),
    BF("min_in_sync_replicas", F_INT, min_in_sync_replicas, 1, RMQ_MAX_REPLICAS),
    BF("slave_timeout_ms", F_TIME, slave_timeout, 1, MAX_DAY_MS),
    BF("broker_election_priority", F_INT, election_priority, 0, 2147483647),
};

#define PF(k, t, f, lo, hi) {k, t, offsetof(struct producer_cfg, f), lo, hi, NULL}
static const struct field producer_fields[] = {
    PF("rate_per_s", F_DOUBLE, rate, 0, 1e7),
    {"arrivals", F_ENUM, offsetof(struct producer_cfg, rate_kind), 0, 0, arrivals},
    PF("size", F_DIST_BYTES, size, 0, 4194304),
    PF("start_ms", F_TIME, start, 0, 30 * MAX_DAY_MS),
    PF("stop_ms", F_TIME, stop, 0, 30 * MAX_DAY_MS),
    PF("send_msg_timeout_ms", F_TIME, send_timeout, 1, MAX_DAY_MS),
    PF("retry_times_when_send_failed", F_INT, retries, 0, 100),
    PF("poll_name_server_interval_ms", F_TIME, route_poll, 1, MAX_DAY_MS),
    PF("random_poll_phase", F_BOOL, random_phase, 0, 1),
    PF("max_inflight", F_INT, max_inflight, 1, 10000000),
    {"mode", F_ENUM, offsetof(struct producer_cfg, mode), 0, 0, modes},
    PF("threads", F_INT, threads, 1, 100000),
    PF("think_time", F_DIST_TIME, think, 0, MAX_DAY_MS),
    PF("error_pause_ms", F_TIME, error_pause, 1, MAX_DAY_MS),
    PF("send_latency_fault_enable", F_BOOL, latency_fault, 0, 1),
    PF("retry_system_busy", F_BOOL, retry_system_busy, 0, 1),
    PF("retry_when_budget_spent", F_BOOL, spent_retry, 0, 1),
    PF("fail_fast_on_close", F_BOOL, fail_fast, 0, 1),
    PF("client_close_socket_if_timeout", F_BOOL, close_on_timeout, 0, 1),
    PF("close_socket_needs_time_left", F_BOOL, close_needs_time, 0, 1),
    PF("name_server_walk_in_request", F_BOOL, ns_walk, 0, 1),
    {"latency_fault_tables", F_ENUM, offsetof(struct producer_cfg, fault_tables), 0, 0, fault_tables},
    {"queue_selection", F_ENUM, offsetof(struct producer_cfg, queue_selection), 0, 0, queue_selections},
    PF("start_detector_enable", F_BOOL, start_detector, 0, 1),
    PF("detect_interval_ms", F_TIME, detect_interval, 0, MAX_DAY_MS),
    PF("detect_timeout_ms", F_TIME, detect_timeout, 1, MAX_DAY_MS),
    {"order", F_ENUM, offsetof(struct producer_cfg, order), 0, 0, orders},
    PF("order_keys", F_INT, order_keys, 1, 2147483647),
    PF("vip_channel_enabled", F_BOOL, vip_channel, 0, 1),
    PF("heartbeat_broker_interval_ms", F_TIME, heartbeat_interval, 1, MAX_DAY_MS),
};

#define CF(k, t, f, lo, hi) {k, t, offsetof(struct consumer_cfg, f), lo, hi, NULL}
static const struct field consumer_fields[] = {
    CF("start_ms", F_TIME, start, 0, 30 * MAX_DAY_MS),
    CF("consume_rate_per_s", F_DOUBLE, consume_rate, 0, 1e7),
    CF("pull_batch_size", F_INT, pull_batch, 1, RMQ_PULL_MAX),
    CF("pull_threshold_for_queue", F_INT, pull_threshold, 1, 10000000),
    CF("broker_suspend_max_time_ms", F_TIME, suspend, 1, MAX_DAY_MS),
    CF("consumer_timeout_when_suspend_ms", F_TIME, pull_timeout, 1, MAX_DAY_MS),
    CF("pull_time_delay_when_exception_ms", F_TIME, retry_delay, 1, MAX_DAY_MS),
    CF("poll_name_server_interval_ms", F_TIME, route_poll, 1, MAX_DAY_MS),
    CF("random_poll_phase", F_BOOL, random_phase, 0, 1),
    CF("rebalance_interval_ms", F_TIME, rebalance, 1, MAX_DAY_MS),
    CF("persist_consumer_offset_interval_ms", F_TIME, persist_interval, 1, MAX_DAY_MS),
    CF("heartbeat_broker_interval_ms", F_TIME, heartbeat_interval, 1, MAX_DAY_MS),
    CF("heartbeat_on_connect", F_BOOL, heartbeat_on_connect, 0, 1),
    CF("fail_fast_on_close", F_BOOL, fail_fast, 0, 1),
    CF("client_close_socket_if_timeout", F_BOOL, close_on_timeout, 0, 1),
    CF("close_socket_needs_time_left", F_BOOL, close_needs_time, 0, 1),
    CF("name_server_walk_in_request", F_BOOL, ns_walk, 0, 1),
    CF("pull_blocks_on_connect", F_BOOL, pull_blocks_on_connect, 0, 1),
    CF("first_pull_delay_ms", F_TIME, first_pull_delay, 0, MAX_DAY_MS),
    CF("rebalance_takes_in_turn", F_BOOL, rebalance_in_turn, 0, 1),
    CF("rebalance_min_interval_ms", F_TIME, rebalance_min, 0, MAX_DAY_MS),
    CF("orderly", F_BOOL, orderly, 0, 1),
    CF("consume_message_batch_max_size", F_INT, consume_batch, 1, RMQ_PULL_MAX),
    CF("rebalance_lock_interval_ms", F_TIME, lock_interval, 1, MAX_DAY_MS),
    CF("rebalance_lock_max_live_time_ms", F_TIME, lock_live, 1, MAX_DAY_MS),
    CF("orderly_lock_on_take", F_BOOL, lock_on_take, 0, 1),
    CF("offset_illegal_fix_delay_ms", F_TIME, offset_illegal_fix, 0, MAX_DAY_MS),
    CF("subscribe_tries_next_broker_id", F_BOOL, subscribe_next_id, 0, 1),
    CF("offset_commit_needs_master", F_BOOL, commit_needs_master, 0, 1),
    CF("offset_query_needs_master", F_BOOL, query_needs_master, 0, 1),
    CF("offset_query_error_as_not_found", F_BOOL, query_error_not_found, 0, 1),
    {"consume_from_where", F_ENUM, offsetof(struct consumer_cfg, consume_from_first), 0, 0, consume_froms},
    CF("response_scan_initial_ms", F_TIME, scan_initial, 0, MAX_DAY_MS),
    CF("response_scan_interval_ms", F_TIME, scan_interval, 0, MAX_DAY_MS),
};

#define OF(k, t, f, lo, hi) {k, t, offsetof(struct operator_cfg, f), lo, hi, NULL}
static const struct field operator_fields[] = {
    OF("enabled", F_BOOL, enabled, 0, 1),
    OF("probe_interval_ms", F_TIME, probe_interval, 1, MAX_DAY_MS),
    OF("probe_timeout_ms", F_TIME, probe_timeout, 1, MAX_DAY_MS),
    OF("alert_delay", F_DIST_TIME, alert_delay, 0, MAX_DAY_MS),
    OF("reaction", F_DIST_TIME, reaction, 0, MAX_DAY_MS),
    OF("procedure", F_DIST_TIME, procedure, 0, MAX_DAY_MS),
    {"new_role", F_ENUM, offsetof(struct operator_cfg, new_role), 0, 0, roles},
    OF("recheck", F_BOOL, recheck, 0, 1),
    OF("rejoin_old_master", F_BOOL, rejoin_old_master, 0, 1),
    OF("rejoin", F_DIST_TIME, rejoin, 0, MAX_DAY_MS),
};

static const struct field ns_fields[] = {
    {"scan_initial_delay_ms", F_TIME, offsetof(struct ns_cfg, scan_initial), 0, MAX_DAY_MS, NULL},
    {"scan_not_active_broker_interval_ms", F_TIME, offsetof(struct ns_cfg, scan_interval), 1, MAX_DAY_MS, NULL},
    {"broker_channel_expired_time_ms", F_TIME, offsetof(struct ns_cfg, expire), 1, MAX_DAY_MS, NULL},
    {"server_channel_max_idle_time_ms", F_TIME, offsetof(struct ns_cfg, idle), 0, MAX_DAY_MS, NULL},
};

#define N(t) ((int)(sizeof t / sizeof t[0]))

int world_fields(const char *section, const struct field **t)
{
    static const struct {
        const char *name;
        const struct field *t;
        int n;
    } all[] = {
        {"nameservers", ns_fields, N(ns_fields)},
        {"broker", broker_fields, N(broker_fields)},
        {"producers", producer_fields, N(producer_fields)},
        {"consumers", consumer_fields, N(consumer_fields)},
        {"operator", operator_fields, N(operator_fields)},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(all[i].name, section) == 0) {
            *t = all[i].t;
            return all[i].n;
        }
    return 0;
}

const char *const *world_hand_keys(const char *object)
{
    static const char *const count[] = {"count", NULL};
    static const char *const group[] = {"name", "replicas", "preferred_leader", "broker_election_priorities", NULL};
    static const char *const none[] = {NULL};
    if (strcmp(object, "groups") == 0)
        return group;
    if (strcmp(object, "nameservers") == 0 || strcmp(object, "producers") == 0 || strcmp(object, "consumers") == 0)
        return count;
    return none;
}
