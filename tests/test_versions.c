/* test_versions: the "version" profiles (models/world/world_version.c). Each release's resolved defaults key
 * by key; "4.4" is world_defaults() as it is; a key set by hand wins over the profile; a bad version is one
 * error line naming $.version and exit 2; and the differences end to end on constant latencies: the
 * NameServer's scan (4.x every 10 s from 5 s, 5.3 every 5 s from 5 ms), the SYNC_MASTER's wait (R44 5 s,
 * R498 3 s, R53 none unless inSyncReplicas > 1), a 5.3 slave refusing pulls without slaveReadEnable, and the
 * broker's own clientCloseSocketIfTimeout (an isolated controller-mode master back at the heal), and the
 * slaves' copy of the consumer offsets (SlaveSynchronize: classic and DLedger, by release). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/broker/broker.h"
#include "models/cmd/report.h"
#include "models/dledger/raft.h"
#include "models/world/world.h"
#include "models/world/world_version.h"
#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

/* ---- reading ---- */

/* Reads text as a scenario's RocketMQ sections into wc; 0, or -1 with the error in *c. */
static int read_cfg(const char *text, struct world_cfg *wc, struct conf *c)
{
    conf_init(c, "t.json");
    cJSON *root = cJSON_Parse(text);
    ck_assert_ptr_nonnull(root);
    int rc = world_cfg_read(c, root, wc);
    cJSON_Delete(root);
    return rc;
}

struct want {
    sim_time scan_interval, scan_initial;
    int send_threads, async_send, sync_wait, rejects, wakes, tables;
    int overflow_to_max, lock_on_take;
    sim_time offset_illegal_fix;
    int retry_busy;
    sim_time register_timeout;
    int broker_close, broker_fail_fast, flush_timed;
    sim_time sync[3], dl_sync[3];   /* SlaveSynchronize: initial delay, period, minimum interval */
    uint64_t ha_window;   /* the same in every profile (README: ha_window_bytes) */
};

static const struct want wants[WORLD_VERSIONS] = {
    {10 * SIM_S, 5 * SIM_S, 1, 0, SYNC_WAIT_SYNC_FLUSH_TIMEOUT, 0, 0, FAULT_TABLES_R44, 0, 0, 10 * SIM_S, 0,
     6 * SIM_S, 0, 0, 0, {10 * SIM_S, 60 * SIM_S, 0}, {3 * SIM_S, 10 * SIM_S, 0}, 131072},
    {10 * SIM_S, 5 * SIM_S, 4, 1, SYNC_WAIT_SLAVE_TIMEOUT, 0, 0, FAULT_TABLES_R44, 1, 1, 10 * SIM_S, 0,
     6 * SIM_S, 1, 0, 1, {3 * SIM_S, 10 * SIM_S, 0}, {3 * SIM_S, 10 * SIM_S, 0}, 131072},
    {5 * SIM_S, 5 * SIM_MS, 4, 1, SYNC_WAIT_IN_SYNC_REPLICAS, 1, 1, FAULT_TABLES_5X, 1, 1, 0, 1,
     24 * SIM_S, 1, 1, 1, {10 * SIM_S, 3 * SIM_S, 60 * SIM_S}, {3 * SIM_S, 3 * SIM_S, 10 * SIM_S}, 131072},
};

static void check_want(const struct world_cfg *wc, const struct want *w, int v)
{
    const struct broker_cfg *b = &wc->groups[0].broker;
    ck_assert_int_eq(wc->version, v);
    ck_assert_int_eq(wc->ns.scan_interval, w->scan_interval);
    ck_assert_int_eq(wc->ns.scan_initial, w->scan_initial);
    ck_assert_int_eq(b->send_threads, w->send_threads);
    ck_assert_int_eq(b->async_send, w->async_send);
    ck_assert_int_eq(b->sync_master_wait, w->sync_wait);
    ck_assert_int_eq(b->slave_rejects_pull, w->rejects);
    ck_assert_int_eq(b->slave_wakes_pulls, w->wakes);
    ck_assert_int_eq((int)wc->producer.fault_tables, w->tables);
    ck_assert_int_eq(b->overflow_to_max, w->overflow_to_max);
    ck_assert_int_eq(wc->consumer.lock_on_take, w->lock_on_take);
    ck_assert_int_eq(wc->consumer.offset_illegal_fix, w->offset_illegal_fix);
    ck_assert_int_eq(wc->producer.retry_system_busy, w->retry_busy);
    ck_assert_int_eq(b->request_timeout, w->register_timeout);
    ck_assert_int_eq(b->close_on_timeout, w->broker_close);
    ck_assert_int_eq(b->fail_fast, w->broker_fail_fast);
    ck_assert_int_eq(b->flush_timed, w->flush_timed);
    ck_assert_int_eq(b->offset_sync_initial, w->sync[0]);
    ck_assert_int_eq(b->offset_sync_period, w->sync[1]);
    ck_assert_int_eq(b->offset_sync_min_interval, w->sync[2]);
    ck_assert_int_eq(b->dledger_sync_initial, w->dl_sync[0]);
    ck_assert_int_eq(b->dledger_sync_period, w->dl_sync[1]);
    ck_assert_int_eq(b->dledger_sync_min_interval, w->dl_sync[2]);
    ck_assert_uint_eq(b->ha_window, w->ha_window);
    /* What the profiles leave alone is the same in the three releases (BrokerConfig, MessageStoreConfig). */
    ck_assert_int_eq(b->pull_threads, 16 + 2 * 8);
    ck_assert_int_eq(b->wait_in_send_queue, 200 * SIM_MS);
    ck_assert_int_eq(b->sync_flush_timeout, 5 * SIM_S);
    ck_assert_int_eq(b->slave_timeout, 3 * SIM_S);
    ck_assert_int_eq(b->in_sync_replicas, 1);
    ck_assert_int_eq(b->slave_read_enable, 0);
    ck_assert_int_eq(wc->ns.expire, 120 * SIM_S);
}

START_TEST(profile_defaults)
{
    char text[256];
    struct world_cfg wc;
    struct conf c;
    snprintf(text, sizeof text, "{\"version\": \"%s\", \"groups\": [{\"name\": \"a\"}]}", world_version_name(_i));
    ck_assert_msg(read_cfg(text, &wc, &c) == 0, "%s", c.err);
    ck_assert_int_eq(wc.version_set, 1);
    check_want(&wc, &wants[_i], _i);
    world_cfg_free(&wc);
}
END_TEST

/* No "version" is "4.4", and the 4.4 column of the table is world_defaults() itself. */
START_TEST(no_version_is_44)
{
    struct world_cfg wc;
    struct conf c;
    ck_assert_msg(read_cfg("{\"groups\": [{\"name\": \"a\"}]}", &wc, &c) == 0, "%s", c.err);
    ck_assert_int_eq(wc.version_set, 0);
    check_want(&wc, &wants[WORLD_V44], WORLD_V44);
    world_cfg_free(&wc);
    /* Every profile key of a DLedger group: what a scenario without "version" runs with is what "4.4" gives. */
    struct world_cfg v44;
    ck_assert(read_cfg("{\"groups\": [{\"name\": \"a\", \"replicas\": 3, \"ha\": \"dledger\"}]}", &wc, &c) == 0);
    ck_assert(read_cfg("{\"version\": \"4.4\", \"groups\": [{\"name\": \"a\", \"replicas\": 3, "
                       "\"ha\": \"dledger\"}]}", &v44, &c) == 0);
    wc.version_set = 1;
    cJSON *ra = cJSON_CreateObject(), *rb = cJSON_CreateObject();
    world_version_run_info(&wc, ra);
    world_version_run_info(&v44, rb);
    const cJSON *ka = cJSON_GetObjectItem(ra, "version_keys"), *kb = cJSON_GetObjectItem(rb, "version_keys");
    ck_assert_int_eq(cJSON_GetArraySize(ka), cJSON_GetArraySize(kb));
    for (int i = 0; i < cJSON_GetArraySize(ka); i++)
        ck_assert_msg(cJSON_Compare(cJSON_GetArrayItem(ka, i), cJSON_GetArrayItem(kb, i), 1), "%s",
                      cJSON_GetObjectItem(cJSON_GetArrayItem(kb, i), "key")->valuestring);
    cJSON_Delete(ra);
    cJSON_Delete(rb);
    world_cfg_free(&v44);
    world_cfg_free(&wc);
    const struct version_key *t;
    ck_assert_int_ge(world_version_keys(&t), 8);
    for (int i = 0; i < world_version_keys(&t); i++) {
        ck_assert_ptr_nonnull(t[i].value[WORLD_V44] ? t[i].value[WORLD_V44] : t[i].note);   /* or by group */
        ck_assert_ptr_nonnull(t[i].source);
    }
}
END_TEST

/* A key set by hand wins over the profile, in the section and in a group; send threads follow
 * available_processors in 4.9/5.3 (Math.min(availableProcessors, 4)). */
START_TEST(hand_set_key_wins)
{
    struct world_cfg wc;
    struct conf c;
    const char *text =
        "{\"version\": \"5.3\","
        " \"nameservers\": {\"scan_not_active_broker_interval_ms\": 10000},"
        " \"broker\": {\"available_processors\": 2, \"slave_rejects_pull\": false},"
        " \"groups\": [{\"name\": \"a\"}, {\"name\": \"b\", \"sync_master_wait\": \"sync_flush_timeout\","
        "   \"send_message_thread_pool_nums\": 7, \"available_processors\": 16}],"
        " \"producers\": {\"latency_fault_tables\": \"4.4\"}}";
    ck_assert_msg(read_cfg(text, &wc, &c) == 0, "%s", c.err);
    ck_assert_int_eq(wc.ns.scan_interval, 10 * SIM_S);   /* by hand */
    ck_assert_int_eq(wc.ns.scan_initial, 5 * SIM_MS);    /* the profile's */
    ck_assert_int_eq(wc.groups[0].broker.send_threads, 2);
    ck_assert_int_eq(wc.groups[0].broker.slave_rejects_pull, 0);
    ck_assert_int_eq(wc.groups[0].broker.sync_master_wait, SYNC_WAIT_IN_SYNC_REPLICAS);
    ck_assert_int_eq(wc.groups[1].broker.send_threads, 7);
    ck_assert_int_eq(wc.groups[1].broker.sync_master_wait, SYNC_WAIT_SYNC_FLUSH_TIMEOUT);
    ck_assert_int_eq(wc.groups[1].broker.slave_wakes_pulls, 1);
    ck_assert_int_eq(wc.producer.fault_tables, FAULT_TABLES_R44);
    world_cfg_free(&wc);

    /* 4.9 with 16 cores: 4 send threads; with 2: 2. */
    ck_assert(read_cfg("{\"version\": \"4.9\", \"groups\": [{\"name\": \"a\", \"available_processors\": 16},"
                       " {\"name\": \"b\", \"available_processors\": 2}]}", &wc, &c) == 0);
    ck_assert_int_eq(wc.groups[0].broker.send_threads, 4);
    ck_assert_int_eq(wc.groups[1].broker.send_threads, 2);
    ck_assert_int_eq(wc.groups[0].broker.pull_threads, 16 + 2 * 16);
    world_cfg_free(&wc);
}
END_TEST

static const struct {
    const char *version;
    const char *err;
} bad[] = {
    {"\"5.0\"", "t.json: $.version: expected \"4.4\", \"4.9\" or \"5.3\", got string \"5.0\""},
    {"\"4.4.0\"", "t.json: $.version: expected \"4.4\", \"4.9\" or \"5.3\", got string \"4.4.0\""},
    {"5", "t.json: $.version: expected \"4.4\", \"4.9\" or \"5.3\", got number 5"},
    {"true", "t.json: $.version: expected \"4.4\", \"4.9\" or \"5.3\", got true"},
    {"null", "t.json: $.version: expected \"4.4\", \"4.9\" or \"5.3\", got null"},
    {"[\"5.3\"]", "t.json: $.version: expected \"4.4\", \"4.9\" or \"5.3\", got an array"},
};

START_TEST(bad_version_rejected)
{
    char text[256];
    struct world_cfg wc;
    struct conf c;
    snprintf(text, sizeof text, "{\"version\": %s, \"groups\": [{\"name\": \"a\"}]}", bad[_i].version);
    ck_assert_int_eq(read_cfg(text, &wc, &c), -1);
    ck_assert_str_eq(c.err, bad[_i].err);
    world_cfg_free(&wc);
}
END_TEST

/* The command: one line on stderr naming the file and $.version, exit 2, nothing written. */
START_TEST(bad_version_exit_2)
{
    const char *bin = getenv("MQSIM") ? getenv("MQSIM") : "./mqsim";
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "test_versions: no mqsim binary at %s; skipped\n", bin);
        return;
    }
    char file[] = "/tmp/mqsim-versions-XXXXXX", out[] = "/tmp/mqsim-versions-out-XXXXXX", cmd[512], line[512];
    int fd = mkstemp(file);
    const char *text = "{\"version\": \"5.x\", \"groups\": [{\"name\": \"a\"}]}";
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    ck_assert_ptr_nonnull(mkdtemp(out));
    snprintf(cmd, sizeof cmd, "%s %s --out %s/run --quiet 2>&1 >/dev/null", bin, file, out);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    int lines = 0;
    char first[512] = "";
    while (fgets(line, sizeof line, p))
        if (lines++ == 0)
            snprintf(first, sizeof first, "%s", line);
    int st = pclose(p);
    ck_assert_int_eq(WEXITSTATUS(st), 2);
    ck_assert_int_eq(lines, 1);
    char want[512];
    snprintf(want, sizeof want, "mqsim: %s: $.version: expected \"4.4\", \"4.9\" or \"5.3\", got string \"5.x\"\n", file);
    ck_assert_str_eq(first, want);
    snprintf(line, sizeof line, "%s/run", out);
    ck_assert_int_ne(access(line, F_OK), 0);
    unlink(file);
    rmdir(out);
}
END_TEST

/* ---- running ---- */

/* The value at path: absent fails the test. */
static const cJSON *at(const cJSON *root, const char *path)
{
    const cJSON *v = th_at(root, path);
    ck_assert_msg(v != NULL, "%s is absent", path);
    return v;
}

/* One master/slave group on 1 ms links; the master's host dies at 60 s. Its last registration reached the
 * NameServer at 40.001 s (from 10 s, every 30 s), so it expires once 160.001 s has passed: at the 4.x scan of
 * 165 s (5 s, then every 10 s), at the 5.3 scan of 160.005 s (5 ms, then every 5 s). With the channel's idle
 * close (on by default) it goes at 160.001 s in every release: nameserver_idle_close_first below. */
static const char *const CRASH_WORLD =
    "{\"name\": \"v\", \"run\": {\"duration_ms\": 240000, \"seed\": 3},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"count\": 1, \"random_poll_phase\": false, \"start_ms\": 100000},"
    " \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]}";

START_TEST(nameserver_scan_by_version)
{
    static const char *const exp[WORLD_VERSIONS] = {"\"t_ms\":165000.000,\"node\":\"ns-0\",\"ev\":\"ns.expire\"",
                                                    "\"t_ms\":165000.000,\"node\":\"ns-0\",\"ev\":\"ns.expire\"",
                                                    "\"t_ms\":160005.000,\"node\":\"ns-0\",\"ev\":\"ns.expire\""};
    char set[32];
    snprintf(set, sizeof set, "version=\"%s\"", world_version_name(_i));
    const char *sets[] = {set, "nameservers.server_channel_max_idle_time_ms=0"};
    struct th_run r;
    th_run(&r, CRASH_WORLD, sets, 2);
    ck_assert_msg(strstr(r.trace, exp[_i]) != NULL, "%s: no %s", set, exp[_i]);
    /* and it is the first expiry */
    ck_assert_ptr_eq(strstr(r.trace, "\"ev\":\"ns.expire\""), strstr(r.trace, exp[_i]) + (strstr(exp[_i], "\"ev\"") - exp[_i]));
    /* run.version and what each key resolved to */
    ck_assert_str_eq(at(r.m, "run.version")->valuestring, world_version_name(_i));
    ck_assert_str_eq(at(r.m, "run.version_keys.0.key")->valuestring, "nameservers.scan_not_active_broker_interval_ms");
    ck_assert_double_eq(th_num(r.m, "run.version_keys.0.value"), _i == WORLD_V53 ? 5000 : 10000);
    /* index.html shows them */
    ck_assert_int_eq(report_write(r.dir, 1), 0);
    char path[128], want[64];
    snprintf(path, sizeof path, "%s/index.html", r.dir);
    char *page = th_read(path);
    snprintf(want, sizeof want, "<h3>RocketMQ version %s</h3>", world_version_name(_i));
    ck_assert_ptr_nonnull(strstr(page, want));
    ck_assert_ptr_nonnull(strstr(page, _i == WORLD_V44 ? "send_message_thread_pool_nums</code></td><td>1</td><td>1</td>"
                                                       : "<td>min(available_processors, 4)</td><td>4</td>"));
    free(page);
    th_run_free(&r);
}
END_TEST

/* NettyRemotingServer's IdleStateHandler (serverChannelMaxIdleTimeSeconds 120, every release): the dead
 * master's channel carried its last registration at 40.001 s, so it is idle at 160.001 s, closed, and the
 * broker removed (BrokerHousekeepingService.onChannelIdle), before any scan finds it expired. */
START_TEST(nameserver_idle_close_first)
{
    char set[32];
    snprintf(set, sizeof set, "version=\"%s\"", world_version_name(_i));
    const char *sets[] = {set};
    struct th_run r;
    th_run(&r, CRASH_WORLD, sets, 1);
    const char *idle = strstr(r.trace, "\"ev\":\"ns.idle\"");
    ck_assert_ptr_nonnull(idle);
    ck_assert_ptr_nonnull(strstr(r.trace, "\"t_ms\":160001.000,\"node\":\"ns-0\",\"ev\":\"ns.idle\",\"group\":\"broker-a\","
                                          "\"broker\":\"broker-a-0\""));
    ck_assert_ptr_null(strstr(r.trace, "\"ev\":\"ns.expire\""));
    th_run_free(&r);
}
END_TEST

/* The consumer starts after the crash and reaches the slave once its route drops the master
 * (findBrokerAddressInSubscribe's fallback). 4.4 serves the pulls; a 5.3 slave without slaveReadEnable
 * answers SYSTEM_BUSY ([REJECTREQUEST]) and the consumer retries every 3 s, reading nothing; with
 * slaveReadEnable it serves them. */
START_TEST(slave_rejects_pulls_on_53)
{
    struct th_run r;
    const char *v44[] = {"version=\"4.4\""};
    th_run(&r, CRASH_WORLD, v44, 1);
    double stored = th_num(r.m, "groups.0.reads.slave");
    ck_assert_double_gt(stored, 5000);
    ck_assert_ptr_null(strstr(r.trace, "REJECTREQUEST"));
    th_run_free(&r);

    const char *v53[] = {"version=\"5.3\""};
    th_run(&r, CRASH_WORLD, v53, 1);
    ck_assert_double_eq(th_num(r.m, "groups.0.reads.slave"), 0);
    ck_assert_double_eq(th_num(r.m, "messages.consumed"), 0);
    const char *p = strstr(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"broker.busy\",\"executor\":\"pull\","
                                    "\"why\":\"REJECTREQUEST\"");
    ck_assert_ptr_nonnull(p);
    th_run_free(&r);

    const char *v53r[] = {"version=\"5.3\"", "broker.slave_read_enable=true"};
    th_run(&r, CRASH_WORLD, v53r, 2);
    ck_assert_double_eq(th_num(r.m, "groups.0.reads.slave"), stored);
    ck_assert_ptr_null(strstr(r.trace, "REJECTREQUEST"));
    th_run_free(&r);

    /* By hand, the 4.x behaviour on 5.3. */
    const char *v53k[] = {"version=\"5.3\"", "broker.slave_rejects_pull=false"};
    th_run(&r, CRASH_WORLD, v53k, 2);
    ck_assert_double_gt(th_num(r.m, "groups.0.reads.slave"), 5000);
    th_run_free(&r);
}
END_TEST

/* One SYNC_MASTER group, 0.1 ms of service a put, three closed-loop threads, 1 ms links (test_capacity's). */
static const char *const SYNC_WORLD =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 11000, \"seed\": 7},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"SYNC_MASTER\","
    "   \"send_service_time\": {\"const_ms\": 0.1}}],"
    " \"producers\": {\"mode\": \"closed\", \"threads\": 3, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}";

/* 4.4: one send thread held through the slave's round trip, 3 x 2.1 ms; 4.9: four threads and the async
 * path, 1 + 0.1 + 2 + 1 ms; 5.3: inSyncReplicas 1 does not wait for the slave, 1 + 0.1 + 1 ms; 5.3 with
 * inSyncReplicas 2 (or 3 of 3 replicas) waits again. */
START_TEST(sync_master_latency_by_version)
{
    static const struct {
        const char *sets[4];
        int n;
        double ms;
    } rows[] = {
        {{"version=\"4.4\""}, 1, 6.3},
        {{"version=\"4.9\""}, 1, 4.1},
        {{"version=\"5.3\""}, 1, 2.1},
        {{"version=\"5.3\"", "groups[0].in_sync_replicas=2"}, 2, 4.1},
        {{"version=\"5.3\"", "groups[0].replicas=3", "groups[0].in_sync_replicas=3"}, 3, 4.1},
        {{"version=\"5.3\"", "groups[0].sync_master_wait=\"sync_flush_timeout\"", "groups[0].async_send=false",
          "groups[0].send_message_thread_pool_nums=1"}, 4, 6.3},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct th_run r;
        th_run(&r, SYNC_WORLD, rows[i].sets, rows[i].n);
        ck_assert_msg(fabs(th_num(r.m, "topic.latency_ms.max") - rows[i].ms) < 1e-9, "row %zu: max %g ms", i,
                      th_num(r.m, "topic.latency_ms.max"));
        ck_assert_msg(fabs(th_num(r.m, "topic.latency_ms.mean") - rows[i].ms) < 1e-9, "row %zu", i);
        th_run_free(&r);
    }
}
END_TEST

/* The slave's host dies at 5 s; the master's HA connection stays up (isSlaveOK) until housekeeping. A put
 * then waits syncFlushTimeout (5 s) on 4.4, slaveTimeout (3 s) on 4.9, nothing on 5.3 with inSyncReplicas 1,
 * and slaveTimeout on 5.3 with 2, each ending FLUSH_SLAVE_TIMEOUT. */
START_TEST(sync_master_timeout_by_version)
{
    static const struct {
        const char *version, *isr;
        double max_ms;
        int timeouts;
    } rows[] = {
        {"version=\"4.4\"", "groups[0].in_sync_replicas=1", 5002.1, 1},
        {"version=\"4.9\"", "groups[0].in_sync_replicas=1", 3002.1, 1},
        {"version=\"5.3\"", "groups[0].in_sync_replicas=1", 2.1, 0},
        {"version=\"5.3\"", "groups[0].in_sync_replicas=2", 3002.1, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *sets[] = {rows[i].version, rows[i].isr, "producers.mode=\"open\"", "producers.rate_per_s=10",
                              "groups[0].async_send=true", "producers.send_msg_timeout_ms=10000",
                              "faults=[{\"at_ms\": 5000, \"op\": \"crash_host\", \"node\": \"broker-a-1\"}]"};
        struct th_run r;
        th_run(&r, SYNC_WORLD, sets, 7);
        ck_assert_msg(fabs(th_num(r.m, "topic.latency_ms.max") - rows[i].max_ms) < 1e-9, "row %zu: max %g ms", i,
                      th_num(r.m, "topic.latency_ms.max"));
        const cJSON *st = at(r.m, "messages.status");
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(st, "FLUSH_SLAVE_TIMEOUT") != NULL, rows[i].timeouts);
        ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(st, "SLAVE_NOT_AVAILABLE"));
        th_run_free(&r);
    }
}
END_TEST

/* A SYNC_MASTER (ASYNC_FLUSH) whose host dies at 30 s; the operator promotes its slave 3 s later. 4.x's put
 * waits for the slave, so every SUCCESS is on the new master and the end-of-run check finds none missing.
 * R53's waits only with inSyncReplicas above 1 (CommitLog.handleHA): with the default 1 the master answers
 * before the slave has the message and the crash loses what the slave had not received, a finding
 * (`acked_lost`), not a broken promise (no `sync_master_acked_on_slave`, exit 0); with 2 nothing is lost. */
START_TEST(sync_master_promise_by_version)
{
    static const char *const world =
        "{\"name\": \"sm\", \"run\": {\"duration_ms\": 60000, \"seed\": 2},"
        " \"network\": {\"latency\": {\"dist\": \"lognormal\", \"median_ms\": 0.2, \"sigma\": 0.3}},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"SYNC_MASTER\", \"flush\": \"ASYNC_FLUSH\"}],"
        " \"producers\": {\"rate_per_s\": 1000, \"size\": {\"const_bytes\": 1024}}, \"consumers\": {\"count\": 1},"
        " \"operator\": {\"alert_delay\": {\"const_ms\": 1000}, \"reaction\": {\"const_ms\": 1000},"
        "   \"procedure\": {\"const_ms\": 1000}},"
        " \"faults\": [{\"at_ms\": 30000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]}";
    static const struct {
        const char *version, *isr;
        int lost, checked;
    } rows[] = {
        {"version=\"4.4\"", "groups[0].in_sync_replicas=1", 0, 1},
        {"version=\"4.9\"", "groups[0].in_sync_replicas=1", 0, 1},
        {"version=\"5.3\"", "groups[0].in_sync_replicas=1", 1, 0},
        {"version=\"5.3\"", "groups[0].in_sync_replicas=2", 0, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *sets[] = {rows[i].version, rows[i].isr};
        struct th_run r;
        th_run(&r, world, sets, 2);
        double lost = th_num(r.m, "messages.acked_lost"), checked = th_num(r.m, "invariants.checked");
        fprintf(stderr, "%s %s: acked_lost %.0f, checked %.0f\n", rows[i].version, rows[i].isr, lost, checked);
        ck_assert_msg((lost > 0) == rows[i].lost, "row %zu: acked_lost %g", i, lost);
        ck_assert_msg((checked > 0) == rows[i].checked, "row %zu: checked %g", i, checked);
        ck_assert_int_eq(cJSON_GetArraySize(at(r.m, "invariants.violations")), 0);
        th_run_free(&r);
    }
}
END_TEST

/* Two NameServers, a master and its slave on 1 ms links, an operator who promotes in 3 s; the faults follow. */
#define TWO_NAMESERVERS                                                                                                \
    "{\"name\": \"ns\", \"run\": {\"duration_ms\": 120000, \"seed\": 2},"                                              \
    " \"network\": {\"latency\": {\"const_ms\": 1}}, \"nameservers\": {\"count\": 2},"                                 \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"                                                        \
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 1024}}, \"consumers\": {\"count\": 1},"         \
    " \"operator\": {\"alert_delay\": {\"const_ms\": 1000}, \"reaction\": {\"const_ms\": 1000},"                       \
    "   \"procedure\": {\"const_ms\": 1000}},"

/* Two NameServers; the producer (seed 2) asks ns-0, whose host dies at 20 s; the master's host dies at 30 s
 * and the operator's promotion puts broker-a-1 in the route at 34 s. A 4.4 client does not close the channel
 * whose route request timed out (clientCloseSocketIfTimeout false), so getAndCreateNameserverChannel keeps
 * returning it and the producer asks the dead NameServer again every 30 s: it never learns the new master.
 * From 4.9 the timeout closes the channel and the next request chooses ns-1. */
START_TEST(silent_nameserver_kept_by_44)
{
    static const char *const NS_DOWN = TWO_NAMESERVERS
        " \"faults\": [{\"at_ms\": 20000, \"op\": \"crash_host\", \"node\": \"ns-0\"},"
        "   {\"at_ms\": 30000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]}";
    const char *v44[] = {"version=4.4"}, *v49[] = {"version=4.9"};
    const char *ev = "\"node\":\"producer-0\",\"ev\":\"route.change\"";
    struct th_run r;
    th_run(&r, NS_DOWN, v44, 1);
    double t44 = th_first(r.trace, ev, "\"master\":\"broker-a-1\"", 0);
    double out44 = th_num(r.m, "topic.write_unavailable_ms");
    th_run_free(&r);
    th_run(&r, NS_DOWN, v49, 1);
    double t49 = th_first(r.trace, ev, "\"master\":\"broker-a-1\"", 0);
    double out49 = th_num(r.m, "topic.write_unavailable_ms");
    th_run_free(&r);
    fprintf(stderr, "a silent NameServer: the producer learns the new master at %.3f ms on 4.9 (write outage"
            " %.0f ms), %.3f on 4.4 (%.0f ms)\n", t49, out49, t44, out44);
    ck_assert_double_eq(t44, -1);
    ck_assert_double_eq_tol(out44, 90000, 100);   /* from the crash to the end */
    ck_assert_double_gt(t49, 34000);
    ck_assert_double_lt(t49, 60000);
}
END_TEST

/* RocketMQ #7017 in controller mode on 1 ms links: broker-a-0 (the master) is cut off from the controller and
 * both slaves from 20 s to 90 s and keeps its role. With the broker's clientCloseSocketIfTimeout (true from
 * 4.9) each of its controller requests times out after BrokerOuterAPI's 3 s and closes its connection, so
 * the first one after the heal goes on a new connection and it is a slave by 93.0 s; with 4.4's client its
 * requests wait behind TCP's backoff on the old connection, retried at 122.2 s (a slave at 123.0 s). */
START_TEST(broker_close_on_timeout_after_heal)
{
    static const char *const CUT =
        "{\"name\": \"c\", \"run\": {\"duration_ms\": 200000, \"seed\": 3},"
        " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0}, \"controllers\": {\"count\": 1},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\"}],"
        " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}}, \"consumers\": {\"count\": 1},"
        " \"faults\": [{\"at_ms\": 20000, \"op\": \"partition\", \"a\": [\"broker-a-0\"],"
        "   \"b\": [\"controller-0\", \"broker-a-1\", \"broker-a-2\"], \"duration_ms\": 70000}]}";
    const char *on[] = {"broker.client_close_socket_if_timeout=true"};
    const char *off[] = {"broker.client_close_socket_if_timeout=false"};
    const char *ev = "\"node\":\"broker-a-0\",\"ev\":\"broker.role\"";
    struct th_run r;
    th_run(&r, CUT, on, 1);
    double with = th_first(r.trace, ev, "\"role\":\"SLAVE\"", 0);
    th_run_free(&r);
    th_run(&r, CUT, off, 1);
    double without = th_first(r.trace, ev, "\"role\":\"SLAVE\"", 0);
    th_run_free(&r);
    fprintf(stderr, "an isolated controller-mode master healed at 90 s: a slave at %.3f ms with the broker's "
                    "close on timeout, %.3f ms without\n", with, without);
    ck_assert_double_ge(with, 90000);
    ck_assert_double_le(with, 94000);
    ck_assert_double_ge(without, 120000);
}
END_TEST

/* Two NameServers; at 20 s one of them (each in turn) restarts, and stays cut off from the brokers, so it
 * comes back knowing no broker; the master's host dies at 30 s and the operator's promotion registers
 * broker-a-1 with the other NameServer only. getAndCreateNameserverChannel leaves a chosen NameServer
 * whose channel closed (its process died) for the next one, in R44 as in R53, though it is back: so the
 * clients learn the new master whichever NameServer they had chosen. Returning to the restarted one,
 * they would keep the old route to the end. */
START_TEST(nameserver_left_after_its_restart)
{
    static const char *const NS_RESTART = TWO_NAMESERVERS
        " \"faults\": [{\"at_ms\": 20000, \"op\": \"crash_process\", \"node\": \"ns-0\", \"duration_ms\": 1000},"
        "   {\"at_ms\": 20000, \"op\": \"partition\", \"a\": [\"ns-0\"], \"b\": [\"broker-a-0\", \"broker-a-1\"],"
        "    \"duration_ms\": 100000},"
        "   {\"at_ms\": 30000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]}";
    for (int k = 0; k < 2; k++) {
        const char *sets[] = {k ? "faults[0].node=ns-1" : "faults[0].node=ns-0",
                              k ? "faults[1].a=[\"ns-1\"]" : "faults[1].a=[\"ns-0\"]"};
        struct th_run r;
        th_run(&r, NS_RESTART, sets, 2);
        double p = th_first(r.trace, "\"node\":\"producer-0\",\"ev\":\"route.change\"", "\"master\":\"broker-a-1\"", 0);
        double c = th_first(r.trace, "\"node\":\"consumer-0\",\"ev\":\"route.change\"", "\"master\":\"broker-a-1\"", 0);
        th_run_free(&r);
        fprintf(stderr, "ns-%d restarted at 20 s, cut off from the brokers: the producer learns the new master at "
                        "%.3f ms, the consumer at %.3f ms\n", k, p, c);
        ck_assert_double_gt(p, 30000);
        ck_assert_double_lt(p, 70000);
        ck_assert_double_gt(c, 30000);
        ck_assert_double_lt(c, 70000);
    }
}
END_TEST

/* SlaveSynchronize's schedule, end to end: the times (to the 50 ms step) at which replica `who`'s copy of
 * queue 0's consumer offset changes. The consumer's offset on the master moves all the time (its pulls carry
 * it, and it commits every 5 s), so every sync brings a new value, and nothing else changes the slave's. */
static int offset_changes(const char *json, const char *version, int who, double *at, int max)
{
    char set[32];
    snprintf(set, sizeof set, "version=\"%s\"", version);
    const char *sets[] = {set};
    struct scenario sc;
    th_load(&sc, json, sets, 1);
    struct rmq_world *w = rmq_world_get(sc.w);
    uint64_t last = broker_offset(w->g[0].broker[who], 0);
    int n = 0;
    for (sim_time t = 50 * SIM_MS; t <= 200 * SIM_S; t += 50 * SIM_MS) {
        th_run_to(&sc, t);
        uint64_t o = broker_offset(w->g[0].broker[who], 0);
        if (o != last && n < max)
            at[n++] = sim_time_to_ms(t) / 1000;
        last = o;
    }
    scenario_free(&sc);
    return n;
}

static const char *const OFFSETS_WORLD =
    "{\"name\": \"v\", \"run\": {\"duration_ms\": 200000, \"seed\": 1},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
    " \"consumers\": {\"count\": 1, \"start_ms\": 1000}, \"operator\": {\"enabled\": false}}";

/* A classic slave: R44 every 60 s from 10 s; R498 every 10 s from 3 s (by then the master holds the offset
 * its first pulls carried: commitOffset); R53 a round every 3 s from 10 s, syncing past 60 s since the last:
 * 61 s, then every 63 s. */
START_TEST(slave_offset_sync_by_version)
{
    static const double want[WORLD_VERSIONS][20] = {
        {10.05, 70.05, 130.05, 190.05},
        {3.05, 13.05, 23.05, 33.05, 43.05, 53.05, 63.05, 73.05, 83.05, 93.05, 103.05, 113.05, 123.05, 133.05, 143.05,
         153.05, 163.05, 173.05, 183.05, 193.05},
        {61.05, 124.05, 187.05},
    };
    static const int nwant[WORLD_VERSIONS] = {4, 20, 3};
    double at[64];
    int n = offset_changes(OFFSETS_WORLD, world_version_name(_i), 1, at, 64);
    ck_assert_int_eq(n, nwant[_i]);
    for (int k = 0; k < n; k++)
        ck_assert_msg(fabs(at[k] - want[_i][k]) < 1e-6, "%s: change %d at %.2f s, want %.2f s",
                      world_version_name(_i), k, at[k], want[_i][k]);
}
END_TEST

/* A DLedger follower: started at its change to slave (the first leader's heartbeat), R498 every 10 s, R53
 * a round every 3 s that syncs past 10 s since the last: 12 s apart. */
START_TEST(dledger_slave_sync_by_version)
{
    static const char *const json =
        "{\"name\": \"v\", \"run\": {\"duration_ms\": 200000, \"seed\": 1},"
        " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\"}],"
        " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
        " \"consumers\": {\"count\": 1, \"start_ms\": 1000}, \"operator\": {\"enabled\": false}}";
    const struct raft *r0;
    double at[64];
    int v = _i == 0 ? WORLD_V49 : WORLD_V53;
    /* a follower: the leader of seed 1 is found by running once */
    struct scenario sc;
    th_load(&sc, json, NULL, 0);
    th_run_to(&sc, 30 * SIM_S);
    int who = 0;
    for (int k = 0; k < 3; k++) {
        r0 = broker_raft(rmq_world_get(sc.w)->g[0].broker[k]);
        if (r0->role != RAFT_LEADER)
            who = k;
    }
    scenario_free(&sc);
    int n = offset_changes(json, world_version_name(v), who, at, 64);
    ck_assert_int_ge(n, 10);
    for (int k = 1; k < n; k++)
        ck_assert_msg(fabs(at[k] - at[k - 1] - (v == WORLD_V53 ? 12 : 10)) < 1e-6, "%s: changes at %.2f and %.2f s",
                      world_version_name(v), at[k - 1], at[k]);
}
END_TEST

/* What the schedule costs a consumer group: the master's host dies at 100 s and consumer-1's process at
 * 105 s; consumer-0 takes its queues and asks the slave where they stand: at the slave's last copy, so what
 * consumer-1 consumed since is consumed again. 4.9's copy every 10 s against 4.4's every 60 s. */
START_TEST(stale_slave_offsets_duplicate_by_version)
{
    static const char *const json =
        "{\"name\": \"dup\", \"run\": {\"duration_ms\": 400000, \"seed\": 1, \"trace\": \"off\"},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"
        " \"producers\": {\"rate_per_s\": 1000, \"size\": {\"const_bytes\": 1024}},"
        " \"consumers\": {\"count\": 2}, \"operator\": {\"enabled\": false},"
        " \"faults\": [{\"at_ms\": 100000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"},"
        " {\"at_ms\": 105000, \"op\": \"crash_process\", \"node\": \"consumer-1\"}]}";
    double dup[2];
    for (int i = 0; i < 2; i++) {
        const char *sets[] = {i ? "version=4.9" : "version=4.4"};
        struct th_run r;
        th_run(&r, json, sets, 1);
        dup[i] = th_num(r.m, "messages.duplicates");
        th_run_free(&r);
    }
    fprintf(stderr, "stale slave offsets: %.0f messages consumed twice on 4.4, %.0f on 4.9\n", dup[0], dup[1]);
    ck_assert_double_eq(dup[0], 14954);
    ck_assert_double_eq(dup[1], 3454);
}
END_TEST

static Suite *versions_suite(void)
{
    Suite *s = suite_create("versions");
    TCase *t = tcase_create("profiles");
    tcase_add_loop_test(t, profile_defaults, 0, WORLD_VERSIONS);
    tcase_add_test(t, no_version_is_44);
    tcase_add_test(t, hand_set_key_wins);
    tcase_add_loop_test(t, bad_version_rejected, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(t, bad_version_exit_2);
    suite_add_tcase(s, t);
    TCase *e = tcase_create("end_to_end");
    tcase_set_timeout(e, 300);
    tcase_add_loop_test(e, nameserver_scan_by_version, 0, WORLD_VERSIONS);
    tcase_add_loop_test(e, nameserver_idle_close_first, 0, WORLD_VERSIONS);
    tcase_add_test(e, slave_rejects_pulls_on_53);
    tcase_add_test(e, sync_master_latency_by_version);
    tcase_add_test(e, sync_master_timeout_by_version);
    tcase_add_test(e, sync_master_promise_by_version);
    tcase_add_test(e, silent_nameserver_kept_by_44);
    tcase_add_test(e, broker_close_on_timeout_after_heal);
    tcase_add_test(e, nameserver_left_after_its_restart);
    tcase_add_loop_test(e, slave_offset_sync_by_version, 0, WORLD_VERSIONS);
    tcase_add_loop_test(e, dledger_slave_sync_by_version, 0, 2);
    tcase_add_test(e, stale_slave_offsets_duplicate_by_version);
    suite_add_tcase(s, e);
    return s;
}

int main(void)
{
    return th_run_suite(versions_suite());
}
