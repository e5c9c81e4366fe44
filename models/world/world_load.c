/* world_load: the RocketMQ sections of a scenario ("nameservers", "groups", "producers", "consumers",
 * "operator") with their defaults, and building the nodes they describe. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/report/acct.h"
#include "models/broker/broker.h"
#include "models/client/consumer.h"
#include "sim/lab/fields.h"
#include "models/namesrv/nameserver.h"
#include "models/ops/operator.h"
#include "models/client/producer.h"
#include "models/controller/controller.h"
#include "models/dledger/raft_check.h"
#include "models/world/world.h"
#include "sim/fault.h"

#define MAX_DAY_MS 86400000.0
#define GIB (1024.0 * 1024 * 1024)

static const char *const roles[] = {"ASYNC_MASTER", "SYNC_MASTER", "SLAVE", NULL};
static const char *const flushes[] = {"ASYNC_FLUSH", "SYNC_FLUSH", NULL};
static const char *const arrivals[] = {"constant", "poisson", NULL};
static const char *const has[] = {"master_slave", "dledger", "controller", NULL};
static const char *const elections[] = {"dledger", "raft", NULL};
static const char *const modes[] = {"open", "closed", NULL};
static const char *const fault_tables[] = {"4.4", "5.x", NULL};
static const char *const orders[] = {"none", "queue", NULL};

/* ---- defaults (REFERENCE.md; the README's scenario reference lists the same) ---- */

void world_defaults(struct world_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->nns = 1;
    c->ns.scan_initial = 5 * SIM_S;
    c->ns.scan_interval = 10 * SIM_S;
    c->ns.expire = 120 * SIM_S;

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
    b->group_commit_interval = 10 * SIM_MS;
    b->sync_flush_timeout = 5 * SIM_S;
    b->ha_heartbeat = 5 * SIM_S;
    b->ha_housekeeping = 20 * SIM_S;
    b->ha_reconnect = 5 * SIM_S;
    b->ha_idle_wait = 100 * SIM_MS;
    b->ha_batch = 32768;
    b->ha_fallbehind_max = 268435456;
    b->ha_window = 131072;
    b->commitlog_file = 1073741824;
    b->slave_read_enable = 0;
    b->which_broker_slowly = 1;
    b->in_memory_ratio = 40;
    b->host_memory = (uint64_t)(24 * GIB);
    b->hold_check = 5 * SIM_S;
    b->long_polling = 1;
    b->short_polling = 1 * SIM_S;
    b->offset_persist = 5 * SIM_S;
    b->offset_sync_initial = 10 * SIM_S;
    b->offset_sync_period = 60 * SIM_S;
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
    b->dledger_sync_period = 3 * SIM_S;
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
    b->async_send = 0;
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
    p->order = ORDER_NONE;            /* send(msg): sendDefaultImpl */
    p->order_keys = 16;               /* assumed: no RocketMQ default (the application's order ids) */

    struct consumer_cfg *k = &c->consumer;
    k->pull_batch = 32;
    k->pull_threshold = 1000;
    k->flow_delay = 50 * SIM_MS;
    k->suspend = 15 * SIM_S;
    k->pull_timeout = 30 * SIM_S;
    k->retry_delay = 3 * SIM_S;
    k->route_initial = 10 * SIM_MS;
    k->route_poll = 30 * SIM_S;
    k->random_phase = 1;
    k->rebalance = 20 * SIM_S;
    k->persist_initial = 10 * SIM_S;
    k->persist_interval = 5 * SIM_S;
    k->request_timeout = 3 * SIM_S;

    struct operator_cfg *o = &c->op;
    o->enabled = 1;
    o->probe_interval = 10 * SIM_S;
    o->probe_timeout = 3 * SIM_S;
    o->alert_delay = (struct sim_dist){.kind = SIM_DIST_UNIFORM, .unit = SIM_UNIT_TIME, .a = 30e9, .b = 120e9};
    o->reaction = (struct sim_dist){.kind = SIM_DIST_LOGNORMAL, .unit = SIM_UNIT_TIME, .a = 26.427, .b = 0.5};
    o->procedure = (struct sim_dist){.kind = SIM_DIST_UNIFORM, .unit = SIM_UNIT_TIME, .a = 60e9, .b = 180e9};
    o->new_role = RMQ_ASYNC_MASTER;
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
}

/* ---- key tables ---- */

#define BF(k, t, f, lo, hi) {k, t, offsetof(struct broker_cfg, f), lo, hi, NULL}
static const struct field broker_fields[] = {
    {"role", F_ENUM, offsetof(struct broker_cfg, role), 0, 0, roles},
    {"flush", F_ENUM, offsetof(struct broker_cfg, flush), 0, 0, flushes},
    BF("queues", F_INT, queues, 1, RMQ_MAX_QUEUES),
    BF("register_at_start", F_BOOL, register_at_start, 0, 1),
    BF("register_initial_delay_ms", F_TIME, register_initial, 0, MAX_DAY_MS),
    BF("register_name_server_period_ms", F_TIME, register_period, 1, MAX_DAY_MS),
    BF("register_broker_timeout_ms", F_TIME, request_timeout, 1, MAX_DAY_MS),
    BF("flush_interval_commitlog_ms", F_TIME, flush_interval, 1, MAX_DAY_MS),
    BF("flush_commitlog_least_pages", F_INT, flush_least_pages, 0, 1000000),
    BF("flush_commitlog_thorough_interval_ms", F_TIME, flush_thorough, 1, MAX_DAY_MS),
    BF("group_commit_interval_ms", F_TIME, group_commit_interval, 1, MAX_DAY_MS),
    BF("sync_flush_timeout_ms", F_TIME, sync_flush_timeout, 1, MAX_DAY_MS),
    BF("ha_send_heartbeat_interval_ms", F_TIME, ha_heartbeat, 1, MAX_DAY_MS),
    BF("ha_housekeeping_interval_ms", F_TIME, ha_housekeeping, 1, MAX_DAY_MS),
    BF("ha_reconnect_interval_ms", F_TIME, ha_reconnect, 1, MAX_DAY_MS),
    BF("ha_idle_wait_ms", F_TIME, ha_idle_wait, 1, MAX_DAY_MS),
    BF("ha_transfer_batch_bytes", F_U64, ha_batch, 1, 1 << 30),
    BF("ha_slave_fallbehind_max_bytes", F_U64, ha_fallbehind_max, 0, 2147483647.0),
    BF("ha_window_bytes", F_U64, ha_window, 1, 1 << 30),
    BF("commitlog_file_bytes", F_U64, commitlog_file, 4096, 1e15),
    BF("slave_read_enable", F_BOOL, slave_read_enable, 0, 1),
    BF("which_broker_when_consume_slowly", F_INT, which_broker_slowly, 0, RMQ_MAX_REPLICAS - 1),
    BF("access_message_in_memory_max_ratio", F_DOUBLE, in_memory_ratio, 0, 100),
    BF("host_memory_bytes", F_U64, host_memory, 0, 1e15),
    BF("pull_hold_check_interval_ms", F_TIME, hold_check, 1, MAX_DAY_MS),
    BF("long_polling_enable", F_BOOL, long_polling, 0, 1),
    BF("short_polling_time_ms", F_TIME, short_polling, 1, MAX_DAY_MS),
    BF("flush_consumer_offset_interval_ms", F_TIME, offset_persist, 1, MAX_DAY_MS),
    BF("slave_offset_sync_initial_delay_ms", F_TIME, offset_sync_initial, 0, MAX_DAY_MS),
    BF("slave_offset_sync_period_ms", F_TIME, offset_sync_period, 1, MAX_DAY_MS),
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
    BF("dledger_slave_sync_period_ms", F_TIME, dledger_sync_period, 1, MAX_DAY_MS),
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
    {"latency_fault_tables", F_ENUM, offsetof(struct producer_cfg, fault_tables), 0, 0, fault_tables},
    {"order", F_ENUM, offsetof(struct producer_cfg, order), 0, 0, orders},
    PF("order_keys", F_INT, order_keys, 1, 2147483647),
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
    OF("rejoin_old_master", F_BOOL, rejoin_old_master, 0, 1),
    OF("rejoin", F_DIST_TIME, rejoin, 0, MAX_DAY_MS),
};

static const struct field ns_fields[] = {
    {"scan_initial_delay_ms", F_TIME, offsetof(struct ns_cfg, scan_initial), 0, MAX_DAY_MS, NULL},
    {"scan_not_active_broker_interval_ms", F_TIME, offsetof(struct ns_cfg, scan_interval), 1, MAX_DAY_MS, NULL},
    {"broker_channel_expired_time_ms", F_TIME, offsetof(struct ns_cfg, expire), 1, MAX_DAY_MS, NULL},
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

/* ---- reading ---- */

static int read_count(struct conf *c, const cJSON *obj, const char *path, int64_t def, int64_t max, int *out)
{
    int64_t v;
    if (conf_int(c, obj, path, "count", def, 0, max, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int name_ok(const char *s)
{
    if (!*s || strlen(s) > 24)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

static const struct field checks_fields[] = {
    {"liveness_after_ms", F_TIME, offsetof(struct checks_cfg, after), 0, 30 * MAX_DAY_MS, NULL},
    {"recovery_bound_ms", F_TIME, offsetof(struct checks_cfg, bound), 1, MAX_DAY_MS, NULL},
};

static const struct field metrics_fields[] = {
    {"read_gap_ms", F_TIME, offsetof(struct metrics_cfg, read_gap), 1, MAX_DAY_MS, NULL},
};

static const struct field explore_fields[] = {
    {"max_faults", F_INT, offsetof(struct explore_cfg, max_faults), 0, 1000, NULL},
    {"start_ms", F_TIME, offsetof(struct explore_cfg, start), 0, 30 * MAX_DAY_MS, NULL},
    {"tail_ms", F_TIME, offsetof(struct explore_cfg, tail), 1000, 30 * MAX_DAY_MS, NULL},
    {"max_outage_ms", F_TIME, offsetof(struct explore_cfg, max_outage), 1, MAX_DAY_MS, NULL},
    {"symbolic", F_DOUBLE, offsetof(struct explore_cfg, symbolic), 0, 1, NULL},
};

static const char *const explore_ops[] = {"crash_process", "crash_host", "restart", "pause", "partition", "heal",
                                          "link", "disk_stall", NULL};

static int read_explore(struct conf *c, const cJSON *obj, struct explore_cfg *ec)
{
    static const char *const extra[] = {"ops", NULL};
    char p[64], d[96];
    if (fields_read(c, obj, "$.explore", explore_fields, N(explore_fields), ec, extra) < 0)
        return -1;
    const cJSON *ops = conf_child(obj, "ops");
    if (!ops)
        return 0;
    if (!cJSON_IsArray(ops) || cJSON_GetArraySize(ops) == 0)
        return conf_fail(c, "$.explore.ops", "expected a non-empty array of fault ops, got %s",
                         conf_describe(ops, d, sizeof d));
    ec->ops = 0;
    int i = 0;
    for (const cJSON *o = ops->child; o; o = o->next, i++) {
        snprintf(p, sizeof p, "$.explore.ops[%d]", i);
        int k = -1;
        for (int j = 0; explore_ops[j] && cJSON_IsString(o); j++)
            if (strcmp(o->valuestring, explore_ops[j]) == 0)
                k = j;
        if (k < 0 || k == FAULT_RESTART || k == FAULT_HEAL)
            return conf_fail(c, p, "expected \"crash_process\", \"crash_host\", \"pause\", \"partition\", \"link\" or "
                                   "\"disk_stall\", got %s", conf_describe(o, d, sizeof d));
        ec->ops |= 1u << k;
    }
    return 0;
}

/* A group's "preferred_leader" (DLedgerConfig.preferredLeaderIds; RocketMQ's preferredLeaderId): a replica
 * index or the replica's node name, in a DLedger group under DLedger's election. */
static int read_preferred(struct conf *c, const cJSON *g, const char *p, const char *group, int replicas,
                          struct broker_cfg *b)
{
    char q[512], d[96];
    const cJSON *v = conf_child(g, "preferred_leader");
    if (!v)
        return 0;
    conf_path_key(q, sizeof q, p, "preferred_leader");
    if (!b->dledger || b->raft.election != RAFT_ELECTION_DLEDGER)
        return conf_fail(c, q, "a preferred leader needs \"ha\": \"dledger\" with DLedger's election");
    int idx = -1;
    if (cJSON_IsNumber(v) && v->valuedouble == (double)(int)v->valuedouble)
        idx = (int)v->valuedouble;
    else if (cJSON_IsString(v)) {
        size_t n = strlen(group);
        if (strncmp(v->valuestring, group, n) == 0 && v->valuestring[n] == '-' && v->valuestring[n + 1] >= '0' &&
            v->valuestring[n + 1] <= '9' && !v->valuestring[n + 2])
            idx = v->valuestring[n + 1] - '0';
    }
    if (idx < 0 || idx >= replicas)
        return conf_fail(c, q, "expected a replica index 0 to %d or a node name \"%s-0\" to \"%s-%d\", got %s",
                         replicas - 1, group, group, replicas - 1, conf_describe(v, d, sizeof d));
    b->raft.preferred_leader = idx;
    return 0;
}

static struct sim_dist *broker_dists(struct broker_cfg *b, int i)
{
    struct sim_dist *d[] = {&b->send_cost, &b->pull_cost, &b->consumer_manage_cost, &b->admin_cost};
    return i < 4 ? d[i] : NULL;
}

/* A group's service-time distributions are its own copies of the "broker" section's. */
static int broker_dists_copy(struct broker_cfg *dst, struct broker_cfg *src)
{
    for (int i = 0; broker_dists(dst, i); i++)
        if (sim_dist_copy(broker_dists(dst, i), broker_dists(src, i)) < 0)
            return -1;
    return 0;
}

int world_cfg_read(struct conf *c, const cJSON *root, struct world_cfg *wc)
{
    static const char *const ns_extra[] = {"count", NULL};
    static const char *const group_extra[] = {"name", "replicas", "preferred_leader", NULL};
    static const char *const client_extra[] = {"count", NULL};
    char p[512];
    world_defaults(wc);

    const cJSON *ns = conf_child(root, "nameservers");
    if (ns && (read_count(c, ns, "$.nameservers", 1, 16, &wc->nns) < 0 ||
               fields_read(c, ns, "$.nameservers", ns_fields, N(ns_fields), &wc->ns, ns_extra) < 0))
        return -1;
    if (wc->nns < 1)
        return conf_fail(c, "$.nameservers.count", "must be at least 1, got 0");

    /* "broker": defaults for every group; each entry of "groups" may override any of them. */
    const cJSON *bdef = conf_child(root, "broker");
    if (bdef && fields_read(c, bdef, "$.broker", broker_fields, N(broker_fields), &wc->broker, NULL) < 0)
        return -1;
    const cJSON *groups = conf_child(root, "groups");
    if (!groups)
        return conf_fail(c, "$", "missing \"groups\": a list of broker groups, e.g. [{\"name\": \"broker-a\", \"replicas\": 2}]");
    if (!cJSON_IsArray(groups) || cJSON_GetArraySize(groups) < 1)
        return conf_fail(c, "$.groups", "expected a non-empty array of broker groups");
    if (cJSON_GetArraySize(groups) > RMQ_MAX_GROUPS)
        return conf_fail(c, "$.groups", "at most %d groups, got %d", RMQ_MAX_GROUPS, cJSON_GetArraySize(groups));
    wc->ngroups = 0;
    for (const cJSON *g = groups->child; g; g = g->next) {
        struct group_cfg *gc = &wc->groups[wc->ngroups];
        conf_path_index(p, sizeof p, "$.groups", wc->ngroups);
        gc->broker = wc->broker;
        if (broker_dists_copy(&gc->broker, &wc->broker) < 0)
            return conf_fail(c, p, "out of memory");
        if (fields_read(c, g, p, broker_fields, N(broker_fields), &gc->broker, group_extra) < 0)
            return -1;
        char def[32];
        snprintf(def, sizeof def, "broker-%c", 'a' + wc->ngroups % 26);
        const char *name;
        int64_t replicas;
        conf_string(c, g, p, "name", def, &name);
        conf_int(c, g, p, "replicas", 2, 1, RMQ_MAX_REPLICAS, &replicas);
        if (c->failed)
            return -1;
        if (!name_ok(name)) {
            char q[512];
            return conf_fail(c, conf_path_key(q, sizeof q, p, "name"),
                             "\"%s\" is not a usable group name: 1 to 24 letters, digits, '-' or '_'", name);
        }
        if (gc->broker.dledger && gc->broker.raft.max_vote_interval < gc->broker.raft.min_vote_interval) {
            char q[512];
            return conf_fail(c, conf_path_key(q, sizeof q, p, "max_vote_interval_ms"), "is below min_vote_interval_ms");
        }
        if (gc->broker.dledger && gc->broker.raft.max_take_vote_interval < gc->broker.raft.min_take_vote_interval) {
            char q[512];
            return conf_fail(c, conf_path_key(q, sizeof q, p, "max_take_leadership_vote_interval_ms"),
                             "is below min_take_leadership_vote_interval_ms");
        }
        if (gc->broker.pull_threads < 0)
            gc->broker.pull_threads = 16 + 2 * gc->broker.cores;   /* BrokerConfig.pullMessageThreadPoolNums */
        if (read_preferred(c, g, p, name, (int)replicas, &gc->broker) < 0)
            return -1;
        if (gc->broker.dledger == 2) {   /* "ha": "controller" */
            gc->broker.dledger = 0;
            gc->broker.controller = 1;
        }
        if (gc->broker.raft.connect_at_start < 0)
            gc->broker.raft.connect_at_start = gc->broker.raft.election == RAFT_ELECTION_CLASSIC;
        if (gc->broker.dledger && gc->broker.raft.election_max < gc->broker.raft.election_min) {
            char q[512];
            return conf_fail(c, conf_path_key(q, sizeof q, p, "raft_election_timeout_max_ms"),
                             "is below raft_election_timeout_min_ms");
        }
        /* MemberState.persistTerm writes without fsync; the Raft paper keeps term and vote on stable storage. */
        if (gc->broker.raft.persist_term_fsync < 0)
            gc->broker.raft.persist_term_fsync = gc->broker.raft.election == RAFT_ELECTION_CLASSIC;
        if (gc->broker.role == RMQ_SLAVE) {
            char q[512];
            return conf_fail(c, conf_path_key(q, sizeof q, p, "role"),
                             "the group's master role must be \"ASYNC_MASTER\" or \"SYNC_MASTER\"; its slaves are SLAVE by brokerId");
        }
        for (int i = 0; i < wc->ngroups; i++)
            if (strcmp(wc->groups[i].name, name) == 0) {
                char q[512];
                return conf_fail(c, conf_path_key(q, sizeof q, p, "name"), "duplicate group name \"%s\"", name);
            }
        snprintf(gc->name, sizeof gc->name, "%s", name);
        gc->replicas = (int)replicas;
        wc->ngroups++;
    }

    const cJSON *prod = conf_child(root, "producers");
    wc->nproducers = 1;
    if (prod && (read_count(c, prod, "$.producers", 1, 1000, &wc->nproducers) < 0 ||
                 fields_read(c, prod, "$.producers", producer_fields, N(producer_fields), &wc->producer, client_extra) < 0))
        return -1;
    if (wc->producer.stop && wc->producer.stop < wc->producer.start)
        return conf_fail(c, "$.producers.stop_ms", "is before start_ms");
    const cJSON *cons = conf_child(root, "consumers");
    wc->nconsumers = 1;
    if (cons && (read_count(c, cons, "$.consumers", 1, 1000, &wc->nconsumers) < 0 ||
                 fields_read(c, cons, "$.consumers", consumer_fields, N(consumer_fields), &wc->consumer, client_extra) < 0))
        return -1;
    const cJSON *op = conf_child(root, "operator");
    if (op && fields_read(c, op, "$.operator", operator_fields, N(operator_fields), &wc->op, NULL) < 0)
        return -1;
    if (wc->op.new_role == RMQ_SLAVE)
        return conf_fail(c, "$.operator.new_role", "expected \"ASYNC_MASTER\" or \"SYNC_MASTER\", got \"SLAVE\"");
    /* Recovery takes minutes when people promote by hand. */
    int manual = 0;
    for (int gi = 0; gi < wc->ngroups; gi++)
        manual |= !wc->groups[gi].broker.dledger && !wc->groups[gi].broker.controller && wc->groups[gi].replicas > 1 &&
                  wc->op.enabled;
    if (manual)
        wc->checks.bound = 1800 * SIM_S;
    if (world_controller_read(c, root, wc) < 0)
        return -1;
    const cJSON *ck = conf_child(root, "checks");
    if (ck && fields_read(c, ck, "$.checks", checks_fields, N(checks_fields), &wc->checks, NULL) < 0)
        return -1;
    const cJSON *mc = conf_child(root, "metrics");
    if (mc && fields_read(c, mc, "$.metrics", metrics_fields, N(metrics_fields), &wc->metrics, NULL) < 0)
        return -1;
    const cJSON *ex = conf_child(root, "explore");
    if (ex && read_explore(c, ex, &wc->explore) < 0)
        return -1;
    return 0;
}

/* ---- building ---- */

int world_build(struct rmq_world *w, struct sim *s, const struct world_cfg *wc)
{
    char name[64];
    memset(w, 0, sizeof *w);
    w->sim = s;
    w->ns_cfg = wc->ns;
    w->nns = wc->nns;
    w->ngroups = wc->ngroups;
    w->nproducers = wc->nproducers;
    w->nconsumers = wc->nconsumers;
    w->ns = calloc((size_t)w->nns, sizeof *w->ns);
    w->nss = calloc((size_t)w->nns, sizeof *w->nss);
    w->g = calloc((size_t)w->ngroups, sizeof *w->g);
    /* The default warm-up: until the producers started and fetched their first route. */
    sim_time warmup = wc->metrics.warmup >= 0 ? wc->metrics.warmup : wc->producer.start + wc->producer.route_initial;
    const char *names[RMQ_MAX_GROUPS];
    for (int gi = 0; gi < wc->ngroups; gi++)
        names[gi] = wc->groups[gi].name;
    if (report_init(&w->rep, s, w->ngroups, names, warmup, wc->metrics.read_gap) < 0)
        return -1;
    w->producers = calloc((size_t)w->nproducers + 1, sizeof *w->producers);
    w->consumers = calloc((size_t)w->nconsumers + 1, sizeof *w->consumers);
    if (!w->ns || !w->nss || !w->g || !w->producers || !w->consumers)
        return -1;
    for (int i = 0; i < w->nns; i++) {
        snprintf(name, sizeof name, "ns-%d", i);
        if (!(w->nss[i] = nameserver_create(w, name, &wc->ns)))
            return -1;
        w->ns[i] = nameserver_node(w->nss[i]);
    }
    if (world_controller_build(w, wc) < 0)
        return -1;
    for (int gi = 0; gi < w->ngroups; gi++) {
        struct rmq_group *g = &w->g[gi];
        const struct group_cfg *gc = &wc->groups[gi];
        snprintf(g->name, sizeof g->name, "%s", gc->name);
        g->idx = gi;
        g->n = gc->replicas;
        g->cfg = gc->broker;
        if (g->cfg.dledger && !(g->check = raft_check_new(&w->rep, s, gi, g->n)))
            return -1;
        for (int r = 0; r < g->n; r++) {
            snprintf(name, sizeof name, "%s-%d", gc->name, r);
            if (!(g->broker[r] = broker_create(w, name, gi, r, r, &gc->broker)))
                return -1;
            g->node[r] = broker_node(g->broker[r]);
            if (g->check)
                raft_check_member(g->check, r, g->node[r], broker_log(g->broker[r]), broker_raft(g->broker[r]));
        }
    }
    for (int i = 0; i < w->nproducers; i++) {
        snprintf(name, sizeof name, "producer-%d", i);
        if (!(w->producers[i] = producer_create(w, name, i, &wc->producer)))
            return -1;
    }
    for (int i = 0; i < w->nconsumers; i++) {
        snprintf(name, sizeof name, "consumer-%d", i);
        if (!(w->consumers[i] = consumer_create(w, name, i, &wc->consumer)))
            return -1;
    }
    if (wc->op.enabled && !(w->op = operator_create(w, "operator", &wc->op)))
        return -1;
    return 0;
}

void world_destroy(struct rmq_world *w)
{
    for (int i = 0; w->nss && i < w->nns; i++)
        nameserver_free(w->nss[i]);
    for (int gi = 0; w->g && gi < w->ngroups; gi++) {
        for (int r = 0; r < w->g[gi].n; r++)
            broker_free(w->g[gi].broker[r]);
        raft_check_free(w->g[gi].check);
    }
    for (int i = 0; w->producers && i < w->nproducers; i++)
        producer_free(w->producers[i]);
    for (int i = 0; w->consumers && i < w->nconsumers; i++)
        consumer_free(w->consumers[i]);
    operator_free(w->op);
    controller_free(w->ctl);
    report_free(&w->rep);
    free(w->ns);
    free(w->nss);
    free(w->g);
    free(w->producers);
    free(w->consumers);
    memset(w, 0, sizeof *w);
}

void world_cfg_free(struct world_cfg *wc)
{
    for (int i = 0; broker_dists(&wc->broker, i); i++) {
        for (int gi = 0; gi < wc->ngroups; gi++)
            sim_dist_free(broker_dists(&wc->groups[gi].broker, i));
        sim_dist_free(broker_dists(&wc->broker, i));
    }
    sim_dist_free(&wc->producer.size);
    sim_dist_free(&wc->producer.think);
    sim_dist_free(&wc->op.alert_delay);
    sim_dist_free(&wc->op.reaction);
    sim_dist_free(&wc->op.procedure);
    sim_dist_free(&wc->op.rejoin);
}
