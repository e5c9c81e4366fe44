/* world_version: a scenario's "version" ("4.4", "4.9" or "5.3"), the RocketMQ release whose defaults it
 * takes where they changed between those releases and mqsim models the difference. The profile is applied
 * after world_defaults() and before the scenario's own keys, so a key set by hand wins. Sources: R44 =
 * rocketmq-all-4.4.0, R498 = rocketmq-all-4.9.8, R53 = rocketmq-all-5.3.3 (the README's "Version profiles"). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/world/world.h"
#include "models/world/world_version.h"
#include "sim/lab/fields.h"

static const char *const names[WORLD_VERSIONS] = {"4.4", "4.9", "5.3"};

/* Each key's value per release, as the scenario would write it (JSON text). NULL: resolved per group once
 * its keys are read (the note says how). Keys whose defaults are the same in the three releases are not
 * here: world_defaults() holds them. */
static const struct version_key keys[] = {
    {"nameservers", "scan_not_active_broker_interval_ms", {"10000", "10000", "5000"},
     "R44/R498 NamesrvController.initialize: scanNotActiveBroker every 10 s; R53 "
     "NamesrvConfig.scanNotActiveBrokerInterval 5000", NULL},
    {"nameservers", "scan_initial_delay_ms", {"5000", "5000", "5"},
     "R44/R498 NamesrvController: 5 SECONDS; R53 NamesrvController.startScheduleService: 5 MILLISECONDS", NULL},
    {"broker", "send_message_thread_pool_nums", {"1", NULL, NULL},
     "BrokerConfig.sendMessageThreadPoolNums: 1 to 4.9.0, Math.min(availableProcessors, 4) from 4.9.1",
     "min(available_processors, 4)"},
    {"broker", "async_send", {NULL, "true", "true"},
     "R44 SendMessageProcessor.processRequest blocks in putMessage; from 4.7 asyncProcessRequest "
     "(CompletableFuture, R498); R53 BrokerConfig.asyncSendEnable true (DLedger is 4.5+: the 4.4 profile's "
     "DLedger groups take the 4.7+ path, as a scenario without a version does)",
     "false; DLedger groups true"},
    {"broker", "sync_master_wait", {"\"sync_flush_timeout\"", "\"slave_timeout\"", "\"in_sync_replicas\""},
     "R44 CommitLog.handleHA (syncFlushTimeout); R498 CommitLog.submitReplicaRequest (slaveTimeout); R53 "
     "CommitLog.handleHA (needAckNums = MessageStoreConfig.inSyncReplicas, slaveTimeout)", NULL},
    {"broker", "slave_redirects_to_master", {"false", "false", "true"},
     "PullMessageProcessor.composeResponseHeader: from 5.0.0 (R53) a broker with brokerId != 0 and "
     "!suggestPullingFromSlave suggests MASTER_ID and answers what it did not find PULL_RETRY_IMMEDIATELY "
     "(minBrokerIdInGroup 0 without slaveActingMaster); R44/R498 hold it", NULL},
    {"broker", "slave_rejects_pull", {"false", "false", "true"},
     "PullMessageProcessor.rejectRequest: false in R44/R498; R53 true on a SLAVE without slaveReadEnable", NULL},
    {"broker", "slave_rejects_send", {"false", "false", "true"},
     "SendMessageProcessor.rejectRequest: R44/R498 test the page cache only; R53 is also true on a SLAVE without "
     "enableSlaveActingMaster (false by default)", NULL},
    {"broker", "slave_wakes_held_pulls", {"false", "false", "true"},
     "R44/R498 ReputMessageService: arriving() only if brokerRole != SLAVE; R53 "
     "DefaultMessageStore.notifyMessageArriveIfNecessary: no role test", NULL},
    {"broker", "dispatch_flushed_only", {"false", "false", "true"},
     "R44/R498 ReputMessageService dispatches to the max offset; R53 getReputEndOffset = "
     "CommitLog.getConfirmOffset: isSyncDiskFlush() ? getFlushedWhere() : getMaxOffset() (#8240)", NULL},
    {"broker", "dledger_recover_dispatch_all", {"false", "false", "true"},
     "DLedgerCommitLog.recoverAbnormally: R498 (and 4.5-5.1) recover() dispatches nothing, and "
     "DefaultMessageStore.start resumes the ReputMessageService where the ConsumeQueues end; from 5.2.0 (R53) "
     "dledgerRecoverAbnormally doDispatch-es every entry of the log (duplicationEnable false), uncommitted ones "
     "included (DLedger is 4.5+: the 4.4 profile takes 4.9's)", NULL},
    {"broker", "flush_commitlog_timed", {"false", "true", "true"},
     "MessageStoreConfig.flushCommitLogTimed: R44 false (FlushRealTimeService waits by waitForRunning, and "
     "CommitLog.handleDiskFlush wakes it at every ASYNC_FLUSH put); R498/R53 true (Thread.sleep(interval))", NULL},
    {"broker", "register_broker_timeout_ms", {"6000", "6000", "24000"},
     "BrokerConfig.registerBrokerTimeoutMills: R44/R498 6000; R53 24000", NULL},
    {"broker", "fail_fast_on_close", {"false", "false", "true"},
     "as producers.fail_fast_on_close, for the broker's own NettyRemotingClient (BrokerOuterAPI) and DLedger's "
     "(DLedgerRpcNettyService, on the broker's rocketmq-remoting: a failed push, vote or heartbeat answers "
     "NETWORK_ERROR at once instead of at its timeout)", NULL},
    {"broker", "client_close_socket_if_timeout", {"false", "true", "true"},
     "as producers.client_close_socket_if_timeout, for BrokerOuterAPI's invokeSync calls: registerBroker, "
     "getAllConsumerOffset, the controller calls (the heartbeat to the controllers is invokeOneway, DLedger's "
     "calls invokeAsync: their timeouts close nothing)", NULL},
    {"broker", "ha_report_clock_from_connect", {"true", "true", "false"},
     "R44/R498 HAService.HAClient.connectMaster sets lastWriteTimestamp, and isTimeToReportOffset waits for it to "
     "be haSendHeartbeatInterval old: the first report 5-6 s after the connect; R53 DefaultHAClient.connectMaster "
     "sets lastReadTimestamp only, lastWriteTimestamp running from the client's start and its last report", NULL},
    {"broker", "ha_heartbeat_clock", {"\"read\"", "\"report\"", "\"report\""},
     "R44 HAService.HAClient.processReadEvent sets lastWriteTimestamp, which isTimeToReportOffset reads, at every "
     "read, and reportSlaveMaxOffset does not; from 4.5.2 (#1083) reportSlaveMaxOffset sets it and the read does "
     "not (R498); R53 DefaultHAClient.reportSlaveMaxOffset sets lastWriteTimestamp", NULL},
    {"broker", "ha_housekeeping_clock", {"\"read\"", "\"report\"", "\"read\""},
     "HAClient.run closes the connection after haHousekeepingInterval of now - lastWriteTimestamp: set by reads in "
     "R44, by reports in R498 (#1083); R53 DefaultHAClient reads lastReadTimestamp, set by reads", NULL},
    {"broker", "ha_wait_after_close", {"false", "false", "true"},
     "R53 DefaultHAClient.run: a failed read or dispatch -> closeMasterAndWait (waitForRunning(1000 * 5)); "
     "R44/R498 HAClient.run: closeMaster, then connectMaster at the next round", NULL},
    {"broker", "slave_offset_sync_initial_delay_ms", {"10000", "3000", "10000"},
     "SlaveSynchronize.syncAll on a classic slave: R44 BrokerController.initialize scheduleAtFixedRate(10 s, "
     "60 s); from 4.5 (R498) BrokerController.start -> handleSlaveSynchronize (3 s, 10 s); R53 initialize: a "
     "round every 3 s from 10 s that syncs when more than 60 s have passed since the last (lastSyncTimeMs)", NULL},
    {"broker", "slave_offset_sync_period_ms", {"60000", "10000", "3000"}, "as slave_offset_sync_initial_delay_ms",
     NULL},
    {"broker", "slave_offset_sync_min_interval_ms", {"0", "0", "60000"}, "as slave_offset_sync_initial_delay_ms",
     NULL},
    {"broker", "dledger_slave_sync_period_ms", {"10000", "10000", "3000"},
     "SlaveSynchronize.syncAll on a DLedger (or controller-mode) slave, restarted at each change to slave: "
     "R498 BrokerController.handleSlaveSynchronize every 10 s from 3 s (DLedger is 4.5+: the 4.4 profile "
     "takes it); R53 DLedgerRoleChangeHandler and ReplicasManager.handleSlaveSynchronize: a round every 3 s "
     "from 3 s that syncs when more than 10 s have passed since the last", NULL},
    {"broker", "dledger_slave_sync_min_interval_ms", {"0", "0", "10000"}, "as dledger_slave_sync_period_ms",
     NULL},
    {"broker", "overflow_badly_to_max_offset", {"false", "true", "true"},
     "DefaultMessageStore.getMessage, OFFSET_OVERFLOW_BADLY: R44 nextOffsetCorrection(offset, minOffset == 0 ? "
     "0 : maxOffset); from 4.9.4 (#4215, R498, R53) maxOffset", NULL},
    {"broker", "query_offset_in_page_cache", {"false", "false", "true"},
     "ConsumerManageProcessor.queryConsumerOffset, no offset stored: R44/R498 answer 0 when the queue's minimum "
     "offset is 0 and !checkInDiskByConsumeOffset(.., 0) (no message at 0, or one within "
     "accessMessageInMemoryMaxRatio of the end); R53 when checkInMemByConsumeOffset(.., 0, 1) (a message at 0, "
     "in the page cache)", NULL},
    {"consumers", "orderly_lock_on_take", {"false", "true", "true"},
     "RebalanceImpl.updateProcessQueueTableInRebalance: R44 new ProcessQueue() unlocked; from 4.9.5 (#5466, "
     "R498, R53) pq.setLocked(true)", NULL},
    {"consumers", "offset_illegal_fix_delay_ms", {"10000", "10000", "0"},
     "DefaultMQPushConsumerImpl.pullMessage, OFFSET_ILLEGAL: R44/R498 executeTaskLater(..., 10000); from 5.2 "
     "(#7634, R53) executeTask, then rebalanceImmediately", NULL},
    {"consumers", "pull_time_delay_when_exception_ms", {"3000", "1000", "1000"},
     "DefaultMQPushConsumerImpl: R44 PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION 3000; from 4.6.0 the constructor takes "
     "ClientConfig.pullTimeDelayMillsWhenException, 1000 (R498, R53)", NULL},
    {"consumers", "offset_commit_needs_master", {"false", "true", "false"},
     "RemoteBrokerOffsetStore.updateConsumeOffsetToBroker: R44 findBrokerAddressInAdmin (any broker); R498 "
     "findBrokerAddressInSubscribe(name, MASTER_ID, true), and updateTopicRouteInfoFromNameServer when the route "
     "has no master; R53 (name, MASTER_ID, false)", NULL},
    {"consumers", "offset_query_needs_master", {"false", "true", "true"},
     "RemoteBrokerOffsetStore.fetchConsumeOffsetFromBroker: R44 findBrokerAddressInAdmin; R498 and R53 "
     "findBrokerAddressInSubscribe(name, MASTER_ID, true), and updateTopicRouteInfoFromNameServer when the route "
     "has no master", NULL},
    {"consumers", "offset_query_error_as_not_found", {"true", "true", "false"},
     "RemoteBrokerOffsetStore.readOffset(READ_FROM_STORE): R44/R498 catch (MQBrokerException) -> -1, which "
     "MQClientAPIImpl.queryConsumerOffset throws for every code but SUCCESS; from 5.0.0 (R53) it throws "
     "OffsetNotFoundException for QUERY_NOT_FOUND alone, readOffset catches only that, and another code is -2: "
     "computePullFromWhere fails and the queue is not taken", NULL},
    {"consumers", "subscribe_tries_next_broker_id", {"false", "true", "true"},
     "MQClientInstance.findBrokerAddressInSubscribe: from 4.8.0 (#2167, R498, R53) a slave's brokerId the route "
     "lacks tries brokerId + 1 before the first entry; R44 goes to the first entry (the master)", NULL},
    {"consumers", "response_scan_initial_ms", {"3000", "3000", "3100"},
     "NettyRemotingClient.start: R44/R498 timer.scheduleAtFixedRate(scanResponseTable, 1000 * 3, 1000); R53 "
     "HashedWheelTimer.newTimeout(.., 1000 * 3): its ticks are 100 ms, and a timeout runs at the first tick "
     "after its deadline", NULL},
    {"consumers", "response_scan_interval_ms", {"1000", "1000", "1100"},
     "R44/R498 every 1000 ms (fixed rate); R53 newTimeout(this, 1000) at each run's end, run at the first 100 ms "
     "tick after: every 1100 ms", NULL},
    {"consumers", "heartbeat_on_connect", {"false", "false", "true"},
     "MQClientInstance: from 5.1.4 (#7296, R53) ClientConfig.enableHeartbeatChannelEventListener true: "
     "onChannelActive sends a heartbeat to that broker and, if it succeeds, rebalanceImmediately", NULL},
    {"consumers", "first_pull_delay_ms", {"0", "0", "500"},
     "RebalanceImpl.updateProcessQueueTableInRebalance: R44/R498 dispatchPullRequest(pullRequestList) at once; "
     "from 5.0.0 (R53) dispatchPullRequest(pullRequestList, 500)", NULL},
    {"consumers", "rebalance_min_interval_ms", {"0", "0", "1000"},
     "RebalanceService.run: from 5.2.0 (#7644, R53) a wakeup less than minInterval (1000 ms) after the last "
     "doRebalance waits out the rest, and an unbalanced one (a queue not taken) is retried after minInterval; "
     "R44/R498 every waitInterval and at each wakeup", NULL},
    {"producers", "fail_fast_on_close", {"false", "false", "true"},
     "NettyRemotingClient: from 5.1.3 (#5866, R53) channelInactive -> closeChannel -> close -> failFast fails the "
     "channel's requests at once; R44/R498 do not handle channelInactive, so they wait for their timeouts", NULL},
    {"consumers", "fail_fast_on_close", {"false", "false", "true"},
     "as producers.fail_fast_on_close (the same NettyRemotingClient)", NULL},
    {"producers", "client_close_socket_if_timeout", {"false", "true", "true"},
     "NettyClientConfig.clientCloseSocketIfTimeout: R44 false; R498/R53 NettySystemConfig "
     "(com.rocketmq.remoting.client.closeSocketIfTimeout) true: invokeSync's RemotingTimeoutException -> "
     "closeChannel -> close() -> failFast, the channel's other requests failing at once", NULL},
    {"consumers", "client_close_socket_if_timeout", {"false", "true", "true"},
     "as producers.client_close_socket_if_timeout (pulls are invokeAsync: their timeouts close nothing)", NULL},
    {"producers", "close_socket_needs_time_left", {"false", "false", "true"},
     "NettyRemotingClient.invokeSync: R53 closes the channel on a RemotingTimeoutException only if shouldClose "
     "(left > MIN_CLOSE_TIMEOUT_MILLIS 100 || left > timeoutMillis / 4, left being what getting the channel left "
     "of the timeout); R44/R498 whatever was left", NULL},
    {"consumers", "close_socket_needs_time_left", {"false", "false", "true"},
     "as producers.close_socket_needs_time_left", NULL},
    {"broker", "close_socket_needs_time_left", {"false", "false", "true"},
     "as producers.close_socket_needs_time_left, for BrokerOuterAPI's invokeSync calls", NULL},
    {"producers", "name_server_walk_in_request", {"true", "true", "false"},
     "R44/R498 NettyRemotingClient.getAndCreateNameserverChannel: a loop of addrList.size() rounds, each "
     "namesrvIndex.incrementAndGet and createChannel (awaitUninterruptibly(connectTimeoutMillis)), so a request "
     "whose NameServer cannot be connected tries the next one, its costTime counting the failed connects; R53 "
     "getAndCreateNameserverChannelAsync takes one address and invokeSync throws RemotingConnectException", NULL},
    {"consumers", "name_server_walk_in_request", {"true", "true", "false"},
     "as producers.name_server_walk_in_request (the same NettyRemotingClient)", NULL},
    {"consumers", "pull_blocks_on_connect", {"true", "true", "false"},
     "PullMessageService.run: one thread takes each PullRequest and runs pullMessage -> pullKernelImpl -> "
     "MQClientAPIImpl.pullMessageAsync -> NettyRemotingClient.invokeAsync; R44/R498 getAndCreateChannel -> "
     "createChannel waits in channelFuture.awaitUninterruptibly(connectTimeoutMillis) for a channel not OK (a "
     "connect in progress joined); R53 getAndCreateChannelAsync(addr).addListener(..) does not wait", NULL},
    {"producers", "vip_channel_enabled", {"true", "false", "false"},
     "ClientConfig.vipChannelEnabled (com.rocketmq.sendMessageWithVIPChannel): R44 true, so a producer's sends "
     "go to the broker's VIP port (listenPort - 2) and its heartbeats to the main port; false in 4.5.1 and after (R498, "
     "R53): the heartbeats every heartbeatBrokerInterval share the sends' channel to each master, which the "
     "broker's idle close then never finds idle", NULL},
    {"producers", "retry_system_busy", {"false", "false", "true"},
     "DefaultMQProducerImpl.sendDefaultImpl: R44's switch and R498's retryResponseCodes lack SYSTEM_BUSY; R53 "
     "DefaultMQProducer.retryResponseCodes has it (#5838, in 5.3.0)", NULL},
    {"producers", "latency_fault_tables", {"\"4.4\"", "\"4.4\"", "\"5.x\""},
     "MQFaultStrategy.latencyMax/notAvailableDuration: R44 = R498 {..15000}/{..600000}; R53 "
     "{..15000}/{..30000}; R53 LatencyFaultToleranceImpl (RIP-63, from 5.1.4): FaultItem.reachableFlag", NULL},
    {"producers", "queue_selection", {"\"4.4\"", "\"4.9\"", "\"5.x\""},
     "MQFaultStrategy.selectOneMessageQueue: R44 keeps the last broker on a retry while available; R498 takes any "
     "available broker (#1576, 4.8.0) and TopicPublishInfo.selectOneMessageQueue(lastBrokerName) advances "
     "sendWhichQueue at each queue looked at; R53 (RIP-63, from 5.1.4) QueueFilters and resetIndex on a retry",
     NULL},
};

#define NKEYS ((int)(sizeof keys / sizeof keys[0]))

int world_version_keys(const struct version_key **t)
{
    *t = keys;
    return NKEYS;
}

const char *world_version_name(int v) { return v >= 0 && v < WORLD_VERSIONS ? names[v] : "?"; }

/* Where a profile section's config lies in struct world_cfg; -1 for a section the profiles do not set. */
static ptrdiff_t section_off(const char *section)
{
    if (strcmp(section, "nameservers") == 0)
        return (ptrdiff_t)offsetof(struct world_cfg, ns);
    if (strcmp(section, "broker") == 0)
        return (ptrdiff_t)offsetof(struct world_cfg, broker);
    if (strcmp(section, "producers") == 0)
        return (ptrdiff_t)offsetof(struct world_cfg, producer);
    if (strcmp(section, "consumers") == 0)
        return (ptrdiff_t)offsetof(struct world_cfg, consumer);
    return -1;
}

static const struct field *field_of(const char *section, const char *key)
{
    const struct field *t;
    int n = world_fields(section, &t);
    for (int i = 0; i < n; i++)
        if (strcmp(t[i].key, key) == 0)
            return &t[i];
    return NULL;
}

/* Sets one key of the profile through the section's own key table, as if the scenario held it. */
static int apply(struct conf *c, struct world_cfg *wc, const struct version_key *k, int v)
{
    const struct field *f = field_of(k->section, k->key);
    ptrdiff_t off = section_off(k->section);
    if (!f || off < 0)
        return conf_fail(c, "$.version", "profile key %s.%s is not a scenario key", k->section, k->key);
    if (!k->value[v]) {
        *(int *)((char *)wc + off + f->off) = -1;   /* resolved per group (world_version_resolve) */
        return 0;
    }
    cJSON *obj = cJSON_CreateObject(), *val = cJSON_Parse(k->value[v]);
    if (!obj || !val) {
        cJSON_Delete(obj);
        cJSON_Delete(val);
        return conf_fail(c, "$.version", "out of memory");
    }
    cJSON_AddItemToObject(obj, k->key, val);
    char p[64];
    snprintf(p, sizeof p, "$.version(%s)", k->section);
    int rc = fields_read(c, obj, p, f, 1, (char *)wc + off, NULL);
    cJSON_Delete(obj);
    return rc;
}

int world_version_read(struct conf *c, const cJSON *root, struct world_cfg *wc)
{
    char d[96];
    const cJSON *v = conf_child(root, "version");
    wc->version = WORLD_V44;
    wc->version_set = v != NULL;
    if (!v)
        return 0;
    /* A number is taken as written ("--set version=5.3" gives one). */
    char num[32] = "";
    if (cJSON_IsNumber(v))
        snprintf(num, sizeof num, "%g", v->valuedouble);
    const char *s = cJSON_IsString(v) ? v->valuestring : num;
    int found = -1;
    for (int i = 0; i < WORLD_VERSIONS; i++)
        if (strcmp(s, names[i]) == 0)
            found = i;
    if (found < 0)
        return conf_fail(c, "$.version", "expected \"4.4\", \"4.9\" or \"5.3\", got %s", conf_describe(v, d, sizeof d));
    wc->version = found;
    for (int i = 0; i < NKEYS; i++)
        if (apply(c, wc, &keys[i], found) < 0)
            return -1;
    return 0;
}

void world_version_resolve(struct broker_cfg *b)
{
    if (b->send_threads < 0)   /* BrokerConfig (from 4.9.1): Math.min(availableProcessors, 4) */
        b->send_threads = b->cores < 4 ? b->cores : 4;
}

/* A key's value in a config struct, as the scenario writes it. */
static cJSON *value_json(const struct field *f, const char *base)
{
    const void *at = base + f->off;
    switch (f->type) {
    case F_TIME:
        return cJSON_CreateNumber(sim_time_to_ms(*(const sim_time *)at));
    case F_INT:
        return cJSON_CreateNumber(*(const int *)at);
    case F_BOOL:
        return cJSON_CreateBool(*(const int *)at);
    case F_ENUM:
        return cJSON_CreateString(f->choices[*(const int *)at]);
    case F_U64:
        return cJSON_CreateNumber((double)*(const uint64_t *)at);
    case F_DOUBLE:
        return cJSON_CreateNumber(*(const double *)at);
    default:
        return cJSON_CreateNull();
    }
}

static void add_key(cJSON *arr, const char *path, const struct version_key *k, int v, const struct field *f,
                    const char *base)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    cJSON_AddStringToObject(o, "key", path);
    if (k->value[v])
        cJSON_AddItemToObject(o, "profile", cJSON_Parse(k->value[v]));
    else
        cJSON_AddStringToObject(o, "profile", k->note);
    cJSON_AddItemToObject(o, "value", value_json(f, base));
    cJSON_AddItemToArray(arr, o);
}

void world_version_run_info(const struct world_cfg *wc, cJSON *run)
{
    if (!wc->version_set)
        return;   /* a scenario without "version" keeps today's metrics.json, byte for byte */
    cJSON_AddStringToObject(run, "version", names[wc->version]);
    cJSON *arr = cJSON_AddArrayToObject(run, "version_keys");
    char path[128];
    for (int i = 0; arr && i < NKEYS; i++) {
        const struct version_key *k = &keys[i];
        const struct field *f = field_of(k->section, k->key);
        if (!f)
            continue;
        if (strcmp(k->section, "broker") != 0) {
            snprintf(path, sizeof path, "%s.%s", k->section, k->key);
            add_key(arr, path, k, wc->version, f, (const char *)wc + section_off(k->section));
            continue;
        }
        for (int g = 0; g < wc->ngroups; g++) {   /* what each group runs with, its own keys included */
            snprintf(path, sizeof path, "groups[%d].%s", g, k->key);
            add_key(arr, path, k, wc->version, f, (const char *)&wc->groups[g].broker);
        }
    }
}
