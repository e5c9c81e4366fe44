/* test_controller: controller mode (RIP-44) on constant 1 ms links: a process crash makes the master
 * inactive at once, a host crash only at the first scan after its heartbeats are 10 s old; a slave cut off
 * from the master leaves the SyncStateSet after haMaxTimeSlaveNotCatchup and is not elected; with unclean
 * election off no master exists until an in-sync replica returns; random crashes over seeds break no
 * invariant, and an election that ignores the SyncStateSet is caught. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/controller/controller_int.h"
#include "models/report/acct.h"
#include "models/controller/controller.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"
#include "tests/harness.h"
#include "tests/harness_ctl.h"

/* The controller's settings, the run's seed and the links' latency the next world_json uses. */
static const char *ctl_json = "{\"count\": 1}";
static int seed = 3;
static const char *latency = "{\"const_ms\": 1}";
static const char *producers = "{\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}}";

static char *world_json(const char *group_extra, const char *extra)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"name\": \"c\", \"run\": {\"duration_ms\": 600000, \"seed\": %d, \"trace\": \"off\"},"
             " \"network\": {\"latency\": %s, \"bandwidth_mbit_per_s\": 0}, \"controllers\": %s,"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\"%s}],"
             " \"producers\": %s,"
             " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}%s%s}",
             seed, latency, ctl_json, group_extra ? group_extra : "", producers, extra && *extra ? ", " : "", extra ? extra : "");
    return buf;
}


/* With equal links the first broker's election request arrives first: replica 0 is the first master. */
START_TEST(first_master_is_first_requester)
{
    struct scenario sc;
    th_load(&sc, world_json(NULL, NULL), NULL, 0);
    th_run_to(&sc, 5 * SIM_S);
    struct rmq_world *w = rmq_world_get(sc.w);
    ck_assert_int_eq(th_ctl_info(&sc).master, 0);
    ck_assert_int_eq(th_ctl_info(&sc).master_epoch, 1);
    ck_assert_int_eq(broker_role(w->g[0].broker[0]), RMQ_SYNC_MASTER);
    ck_assert_int_eq(broker_role(w->g[0].broker[1]), RMQ_SLAVE);
    /* Both slaves caught up and joined the SyncStateSet. */
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 7);
    scenario_free(&sc);
}
END_TEST

/* A process crash closes the broker's channel: inactive, elected and detected at the crash (the close
 * reaches the controller 1 ms later); the new master takes the role when the notify arrives, 3 ms on: the
 * controller's first notify to it (ControllerManager.doNotifyBrokerRoleChanged: its remotingClient's
 * invokeOneway) opens a connection first, as the brokers registered after the first election and were never
 * notified. broker-a-0 applied for brokerId 1 first; of broker-a-1 and broker-a-2, refused the same id, the
 * one whose random pause ended first asked again and got 2: broker-a-2 here (ReplicasManager.register). */
START_TEST(process_crash_inactive_at_once)
{
    struct scenario sc;
    th_load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 20500, \"op\": \"crash_process\", \"node\": \"broker-a-0\"}]"), NULL, 0);
    th_run_to(&sc, 40 * SIM_S);
    struct report_group *rg = &rmq_world_get(sc.w)->rep.g[0];
    ck_assert_int_eq(rg->crash, 20500 * SIM_MS);
    ck_assert_int_eq(rg->detected, 20501 * SIM_MS);
    ck_assert_int_eq(rg->elected, 20501 * SIM_MS);
    ck_assert_int_eq(rg->promoted, 20504 * SIM_MS);
    ck_assert_int_eq(rmq_world_get(sc.w)->ctl->g[0].r[2].id, 2);
    ck_assert_int_eq(rmq_world_get(sc.w)->ctl->g[0].r[1].id, 3);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);   /* equal epoch and offset: the lower brokerId */
    ck_assert_int_eq(th_ctl_info(&sc).master_epoch, 2);
    scenario_free(&sc);
}
END_TEST

/* A host crash is silent: the last heartbeat (sent at 20 s) arrives at 20.001 s; the scans run at 2 s +
 * 5 s k; the one at 32 s is the first to find it more than 10 s old. The notify arrives at 32.003 s (its
 * connection first), and changeToMaster's haClient.shutdown waits for broker-a-2's HA client, in a
 * select(1000) on its connection to the dead host that runs out whole seconds after the last frame it read
 * (20.457 s), so the promotion comes at 32.457 s (tests/test_controller_join.c). */
START_TEST(host_crash_timeout_and_scan)
{
    struct scenario sc;
    th_load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 20500, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"), NULL, 0);
    th_run_to(&sc, 40 * SIM_S);
    struct report_group *rg = &rmq_world_get(sc.w)->rep.g[0];
    ck_assert_int_eq(rg->detected, 32000 * SIM_MS);
    ck_assert_int_eq(rg->elected, 32000 * SIM_MS);
    ck_assert_int_eq(rg->promoted, 32457 * SIM_MS);   /* the end of the HA client's select(1000) */
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);   /* brokerId 2 */
    scenario_free(&sc);
}
END_TEST

/* broker-a-1 is cut off from the master at 10 s (still alive to the controller). The master goes on
 * writing to it until the socket's window is full (about 16 s: 128 KiB at 100 messages of 100 bytes a
 * second), so it counts as caught up until then, and the 15 s rule would take it out at the check at
 * 33.006 s (3 s after the master's promotion at 6 ms, then every 5 s); but at 30.003 s the master's
 * ReadSocketService gives the connection up (20 s without a report, haHousekeepingInterval) and
 * AutoSwitchHAService.removeConnection takes broker-a-1 out of the set at once. The master's crash at 40 s
 * then elects broker-a-2, not the lower id. */
START_TEST(lagging_slave_leaves_and_is_not_elected)
{
    struct scenario sc;
    th_load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                               "\"b\": [\"broker-a-1\"]}, {\"at_ms\": 40000, \"op\": \"crash_process\", "
                               "\"node\": \"broker-a-0\"}]"), NULL, 0);
    th_run_to(&sc, 30003 * SIM_MS - 1);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 7);
    th_run_to(&sc, 31 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 5);
    th_run_to(&sc, 45 * SIM_S);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    scenario_free(&sc);
}
END_TEST

/* The master's HA connection to group replica r, or NULL. */
static const struct ha_conn *conn_to(const struct broker *m, int r)
{
    for (int i = 0; i < m->nhac; i++)
        if (m->hac[i].in_use && m->hac[i].replica == r)
            return &m->hac[i];
    return NULL;
}

/* The 15 s rule (maybeShrinkSyncStateSet) with the connection alive: from 10 s the link to broker-a-1 carries
 * 0.05 Mbit/s, a quarter of what the master stores, so broker-a-1 keeps reporting (no housekeeping) but never
 * reaches what the master had at its last transfer: its acks stop counting as caught up, and the master's
 * writes only until the socket's window is full (at 19.464 s). The check at 38.006 s (3 s after the master's
 * promotion at 6 ms, then every 5 s) finds it more than 15 s behind that; the connection stays. With a link
 * of 0.5 Mbit/s it keeps up and stays. */
static void slow_link_case(const char *mbit, int leaves)
{
    char extra[512];
    snprintf(extra, sizeof extra, "\"faults\": [{\"at_ms\": 10000, \"op\": \"link\", \"from\": \"broker-a-0\", "
             "\"to\": \"broker-a-1\", \"bandwidth_mbit_per_s\": %s}]", mbit);
    struct scenario sc;
    th_load(&sc, world_json(NULL, extra), NULL, 0);
    th_run_to(&sc, 37 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 7);
    th_run_to(&sc, 39 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, leaves ? 5 : 7);
    ck_assert_ptr_nonnull(conn_to(rmq_world_get(sc.w)->g[0].broker[0], 1));
    th_run_to(&sc, 60 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, leaves ? 5 : 7);
    scenario_free(&sc);
}

START_TEST(slow_slave_leaves_after_15_s) { slow_link_case("0.05", 1); }
END_TEST
START_TEST(slave_keeping_up_on_slow_link_stays) { slow_link_case("0.5", 0); }
END_TEST

/* ReplicasManager.schedulingCheckSyncStateSet: a promotion restarts the SyncStateSet check, 3 s after it and
 * then every 5 s. broker-a-0's process dies at 20.5 s and broker-a-2 (brokerId 2) is master from 20.504 s;
 * broker-a-1 joins its set once the periodic registration of 40 s gives its HA client the new master's
 * address (its role change's registration went out with the new master's, at the notifies of 20.504 s, and
 * was answered first: no master), and from 48 s gets 0.05 Mbit/s from it (as in slow_link_case), so it
 * falls behind. It leaves at a check of the new master's schedule (23.504 s + 5 s k; the controller has the
 * change 1 ms on), not of a schedule from the broker's start (3 s + 5 s k). Here it leaves at 73.505 s. */
START_TEST(check_restarts_at_promotion)
{
    struct scenario sc;
    th_load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 20500, \"op\": \"crash_process\", \"node\": "
                               "\"broker-a-0\"}, {\"at_ms\": 48000, \"op\": \"link\", \"from\": \"broker-a-2\", "
                               "\"to\": \"broker-a-1\", \"bandwidth_mbit_per_s\": 0.05}]"), NULL, 0);
    th_run_to(&sc, 48 * SIM_S);
    ck_assert_int_eq(rmq_world_get(sc.w)->rep.g[0].promoted, 20504 * SIM_MS);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 6);
    sim_time t = 48 * SIM_S;
    while (th_ctl_info(&sc).sss == 6 && t < 150 * SIM_S)
        th_run_to(&sc, t += SIM_MS);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 4);
    ck_assert_int_eq(t, 73505 * SIM_MS);   /* the check at 23.504 s + 50 s, and 1 ms to the controller */
    ck_assert_ptr_nonnull(conn_to(rmq_world_get(sc.w)->g[0].broker[2], 1));   /* the 15 s rule, not the end */
    scenario_free(&sc);
}
END_TEST

/* ReplicasManager.startBasicService tries register() up to 5 times, sleeping a random [0, 1 s) after each
 * failure, before the start fails (and is tried again 5 s later). The only controller's host is down from
 * 1 ms to 9.001 s: the brokers' attempts fail with their connections until it is back, and the first
 * attempt after that (broker-a-2's at 9.721 s, the pauses being random) takes brokerId 1, registers, finds no
 * master, and its brokerElect makes broker-a-2 master at 9.729 s. (Before the brokers sent no heartbeat until
 * registered, whose connects the attempts shared, it was 9.149 s; with one attempt and the 5 s retry
 * 14.003 s; with the poll every 5 s from start, 10.003 s.) */
START_TEST(failed_registration_retried)
{
    struct scenario sc;
    th_load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 1, \"op\": \"crash_host\", \"node\": "
                               "\"controller-0\", \"duration_ms\": 9000}]"), NULL, 0);
    th_run_to(&sc, 9729 * SIM_MS - 1);
    ck_assert_int_eq(th_ctl_info(&sc).master, -1);
    th_run_to(&sc, 9729 * SIM_MS);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    scenario_free(&sc);
}
END_TEST

/* The bar a slave must reach to join the SyncStateSet is the master's getConfirmOffset (its max offset,
 * with allAckInSyncStateSet off), not the lowest ack of the set: broker-a-1 is cut off from the master at
 * 10 s but stays in the set, connected in TCP's eyes, with its ack of 10 s; broker-a-2 restarts at 13 s
 * (its connection ends: it leaves the set at once) behind a link too slow to catch up. Its acks, above
 * broker-a-1's, never reach the master's max offset: it stays out, and when broker-a-1's connection is
 * given up at 30 s the set is the master alone. */
START_TEST(slave_behind_does_not_rejoin)
{
    struct scenario sc;
    th_load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                               "\"b\": [\"broker-a-1\"]}, {\"at_ms\": 12000, \"op\": \"crash_process\", "
                               "\"node\": \"broker-a-2\", \"duration_ms\": 1000}, {\"at_ms\": 12500, \"op\": "
                               "\"link\", \"from\": \"broker-a-0\", \"to\": \"broker-a-2\", "
                               "\"bandwidth_mbit_per_s\": 0.05}]"), NULL, 0);
    th_run_to(&sc, 20 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 3);
    struct broker *m = rmq_world_get(sc.w)->g[0].broker[0];
    const struct ha_conn *h1 = conn_to(m, 1), *h2 = conn_to(m, 2);
    ck_assert_ptr_nonnull(h1);
    ck_assert_ptr_nonnull(h2);
    uint64_t ack1 = h1->ack, ack2 = h2->ack;
    ck_assert_uint_gt(ack2, ack1);   /* above the set's lowest ack, yet out */
    ck_assert_uint_lt(ack2, broker_log(m)->max_offset);
    th_run_to(&sc, 31 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 1);
    scenario_free(&sc);
}
END_TEST

/* A slave counts as caught up from its reports only when one reaches what the master had at its newest
 * transfer (AutoSwitchHAConnection.maybeExpandInSyncStateSet): at 1000 messages a second, one a millisecond,
 * over 1 ms links, every report comes back a message or two below it, so broker-a-2, restarted at 12 s (it leaves
 * the set at once), catches up but does not join again while the traffic goes on; a pause of the producer
 * at 26 s lets a report reach the newest transfer, and it joins. */
START_TEST(rejoin_waits_for_a_report_at_the_newest_transfer)
{
    struct scenario sc;
    producers = "{\"rate_per_s\": 1000, \"size\": {\"const_bytes\": 100}}";
    th_load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 12000, \"op\": \"crash_process\", \"node\": "
                               "\"broker-a-2\", \"duration_ms\": 1000}, {\"at_ms\": 26000, \"op\": \"pause\", "
                               "\"node\": \"producer-0\", \"duration_ms\": 100}]"), NULL, 0);
    producers = "{\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}}";
    th_run_to(&sc, 12100 * SIM_MS);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 3);
    th_run_to(&sc, 26 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 3);
    struct broker *m = rmq_world_get(sc.w)->g[0].broker[0];
    const struct ha_conn *h2 = conn_to(m, 2);
    ck_assert_ptr_nonnull(h2);
    /* caught up: within what one 100 ms wait of the master's writer gathers (100 messages of about 200 bytes
     * in the CommitLog) */
    ck_assert_uint_ge(h2->ack + 25000, broker_log(m)->max_offset);
    th_run_to(&sc, 27 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 7);
    scenario_free(&sc);
}
END_TEST

/* Both slaves cut off from the master leave the set; the master's crash at 40 s leaves no master (unclean
 * election off) until it restarts at 70 s and is elected again; with unclean election on a slave is elected
 * at once. The controller's own election is tried electMasterMaxRetryCount (3) times, and each failure is an
 * ElectMasterEvent(false) that moves masterEpoch on (ControllerManager.triggerElectMaster,
 * ReplicasInfoManager.electMaster): epoch 1 becomes 4, and the restarted master's election makes it 5. */
static void unclean_case(int unclean)
{
    char extra[1024];
    snprintf(extra, sizeof extra,
             "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
             "\"b\": [\"broker-a-1\", \"broker-a-2\"]}, {\"at_ms\": 40000, \"op\": \"crash_process\", "
             "\"node\": \"broker-a-0\", \"duration_ms\": 30000}]");
    char ctl[128];
    snprintf(ctl, sizeof ctl, "{\"count\": 1, \"enable_elect_unclean_master\": %s}", unclean ? "true" : "false");
    ctl_json = ctl;
    struct scenario sc;
    th_load(&sc, world_json(NULL, extra), NULL, 0);
    ctl_json = "{\"count\": 1}";
    th_run_to(&sc, 31 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 1);
    th_run_to(&sc, 60 * SIM_S);
    if (unclean) {
        ck_assert_int_ge(th_ctl_info(&sc).master, 1);
    } else {
        ck_assert_int_eq(th_ctl_info(&sc).master, -1);
        ck_assert_int_eq(th_ctl_info(&sc).master_epoch, 4);
        th_run_to(&sc, 80 * SIM_S);
        ck_assert_int_eq(th_ctl_info(&sc).master, 0);
        ck_assert_int_eq(th_ctl_info(&sc).master_epoch, 5);
        ck_assert_int_eq(broker_role(rmq_world_get(sc.w)->g[0].broker[0]), RMQ_SYNC_MASTER);
    }
    scenario_free(&sc);
}

START_TEST(unclean_off_waits_for_in_sync_replica) { unclean_case(0); }
END_TEST
START_TEST(unclean_on_elects_a_slave) { unclean_case(1); }
END_TEST

static uint64_t status_count(struct scenario *sc, int status)
{
    return rmq_world_get(sc->w)->rep.acct.status_count[ACCT_STATUS_INDEX(status)];
}

/* broker-a-1 is cut off from the master at 30 s but still in the SyncStateSet (its last catch-up is 5 s
 * old at the master's crash); broker-a-2 has every message. Equal epochs: the higher max offset wins over
 * the lower brokerId (DefaultElectPolicy's comparator). */
START_TEST(election_prefers_higher_offset)
{
    struct scenario sc;
    th_load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 30000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                               "\"b\": [\"broker-a-1\"]}, {\"at_ms\": 35000, \"op\": \"crash_process\", "
                               "\"node\": \"broker-a-0\"}]"), NULL, 0);
    th_run_to(&sc, 35 * SIM_S - SIM_MS);
    struct rmq_world *w = rmq_world_get(sc.w);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 7);
    ck_assert_uint_lt(broker_log(w->g[0].broker[1])->max_offset, broker_log(w->g[0].broker[2])->max_offset);
    th_run_to(&sc, 36 * SIM_S);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    ck_assert_int_eq(th_ctl_info(&sc).master_epoch, 2);
    scenario_free(&sc);
}
END_TEST

/* #7017 on 1 ms links: broker-a-0 (master, epoch 1) is cut off from the controller and both slaves at 20 s
 * and keeps taking puts; broker-a-1 is elected at epoch 2 and its log ends where epoch 2 starts until the
 * producer's route poll sends it writes. After the partition heals at 90 s the old master learns epoch 2
 * (at 122.2 s: its requests to the controller wait in TCP's retransmission backoff, 200 ms doubling
 * from the cut at 20 s), becomes a slave, and its handshake truncates its log to exactly that start (EpochFileCache
 * .findConsistentPoint: the end of epoch 1 on the new master). */
START_TEST(old_master_truncates_to_new_epoch_start)
{
    struct scenario sc;
    th_load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 20000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                               "\"b\": [\"controller-0\", \"broker-a-1\", \"broker-a-2\"], \"duration_ms\": 70000}]"), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    uint64_t start = 0;
    while (sim_now(sc.sim) < 60 * SIM_S && th_ctl_info(&sc).master_epoch < 2)
        sim_run(sc.sim, sim_now(sc.sim) + SIM_MS);
    ck_assert_int_eq(th_ctl_info(&sc).master_epoch, 2);
    int m = th_ctl_info(&sc).master;
    ck_assert_int_ge(m, 1);
    while (sim_now(sc.sim) < 60 * SIM_S && broker_role(w->g[0].broker[m]) == RMQ_SLAVE)
        sim_run(sc.sim, sim_now(sc.sim) + SIM_MS);
    ck_assert_int_eq(broker_role(w->g[0].broker[m]), RMQ_SYNC_MASTER);
    start = broker_log(w->g[0].broker[m])->max_offset;
    th_run_to(&sc, 90 * SIM_S);
    uint64_t before = broker_log(w->g[0].broker[0])->max_offset;
    ck_assert_uint_gt(before, start);   /* the isolated master took writes after the election */
    uint64_t low = before;
    while (sim_now(sc.sim) < 130 * SIM_S) {
        sim_run(sc.sim, sim_now(sc.sim) + SIM_MS);
        uint64_t x = broker_log(w->g[0].broker[0])->max_offset;
        if (x < low)
            low = x;
    }
    ck_assert_int_eq(broker_role(w->g[0].broker[0]), RMQ_SLAVE);
    ck_assert_uint_eq(low, start);
    scenario_free(&sc);
}
END_TEST

/* R53 RouteInfoManager.registerBroker refuses a brokerId the NameServer has from another address with a
 * greater stateVersion, which controller mode sets to the master epoch of the broker's last role change. In
 * the #7017 world above the isolated old master (epoch 1) registers as brokerId 0 again every 30 s after
 * the new master (epoch 2) did: each time it is refused (ns.reject), so the route keeps the new master and
 * the producer never goes back to the old one. Before, the last registration won and the route flapped. */
/* In the trace: epoch 2's election, the NameServer's refusals of broker-a-0, and the routes that name it after. */
struct stale {
    double elected;
    int rejects, back;
};

static void stale_line(const char *l, void *arg)
{
    struct stale *s = arg;
    if (th_has(l, "\"ev\":\"controller.elect\"") && th_has(l, "\"epoch\":2"))
        s->elected = th_field(l, "{\"t_ms\":", -1);
    s->rejects += th_has(l, "\"ev\":\"ns.reject\"") && th_has(l, "\"broker\":\"broker-a-0\"");
    s->back += s->elected > 0 && th_has(l, "\"ev\":\"route.change\"") && th_has(l, "\"master\":\"broker-a-0\"");
}

START_TEST(stale_master_registration_refused)
{
    struct th_run r;
    const char *sets[] = {"run.duration_ms=130000", "run.trace=events"};
    th_run(&r, world_json(NULL, "\"faults\": [{\"at_ms\": 20000, \"op\": \"partition\", \"a\": [\"broker-a-0\"],"
                                " \"b\": [\"controller-0\", \"broker-a-1\", \"broker-a-2\"], \"duration_ms\": 70000}]"),
           sets, 2);
    struct stale s = {-1, 0, 0};
    th_each(r.trace, "\"ev\":", stale_line, &s);
    double elected = s.elected;
    int rejects = s.rejects, back = s.back;
    th_run_free(&r);
    fprintf(stderr, "stale master: elected %.3f ms, %d registrations refused, %d routes back to it\n", elected,
            rejects, back);
    ck_assert_double_gt(elected, 0);
    ck_assert_int_ge(rejects, 2);
    ck_assert_int_eq(back, 0);
}
END_TEST

/* minInSyncReplicas 2: both slaves cut off from the master at 10 s leave the SyncStateSet when the master
 * gives their connections up, at 30 s (20 s without a report); from then on the master refuses puts before
 * the append (IN_SYNC_REPLICAS_NOT_ENOUGH, which SendMessageProcessor answers SYSTEM_ERROR) and no more
 * messages are acknowledged. */
START_TEST(min_in_sync_replicas_not_enough)
{
    struct scenario sc;
    th_load(&sc, world_json(", \"min_in_sync_replicas\": 2",
                         "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                         "\"b\": [\"broker-a-1\", \"broker-a-2\"]}]"), NULL, 0);
    th_run_to(&sc, 27 * SIM_S);
    ck_assert_uint_eq(status_count(&sc, RMQ_SYSTEM_ERROR), 0);
    th_run_to(&sc, 31 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 1);
    uint64_t acked = rmq_world_get(sc.w)->rep.acct.acked;
    th_run_to(&sc, 40 * SIM_S);
    ck_assert_uint_gt(status_count(&sc, RMQ_SYSTEM_ERROR), 0);
    ck_assert_uint_eq(rmq_world_get(sc.w)->rep.acct.acked, acked);
    scenario_free(&sc);
}
END_TEST

/* broker-a-1 cut off from the master at 10 s stays in the SyncStateSet until the master gives its
 * connection up at 30 s. With allAckInSyncStateSet every put waits for it and fails after slaveTimeout 3 s
 * (FLUSH_SLAVE_TIMEOUT), none before 13 s; once the set is {0, 2} puts succeed again. With inSyncReplicas 2
 * instead, broker-a-2's ack is enough and no put times out. The producer waits 10 s so that the broker's
 * answer, not its own timeout, ends each send. Under SYNC_FLUSH the same 3 s from the put: the flush and the
 * replicas wait side by side (CommitLog.handleDiskFlushAndHA), not the replicas syncFlushTimeout after the
 * flush (their first timeouts came at 15 s). */
static void slave_timeout_case(int all_ack, int sync_flush)
{
    struct scenario sc;
    producers = "{\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}, \"send_msg_timeout_ms\": 10000}";
    th_load(&sc, world_json(all_ack && sync_flush ? ", \"all_ack_in_sync_state_set\": true, \"flush\": \"SYNC_FLUSH\""
                            : all_ack           ? ", \"all_ack_in_sync_state_set\": true"
                                                : ", \"in_sync_replicas\": 2",
                         "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                         "\"b\": [\"broker-a-1\"]}]"), NULL, 0);
    producers = "{\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}}";
    th_run_to(&sc, 12900 * SIM_MS);
    ck_assert_uint_eq(status_count(&sc, RMQ_FLUSH_SLAVE_TIMEOUT), 0);
    th_run_to(&sc, 14 * SIM_S);
    uint64_t n = status_count(&sc, RMQ_FLUSH_SLAVE_TIMEOUT);
    if (!all_ack) {
        th_run_to(&sc, 50 * SIM_S);
        ck_assert_uint_eq(status_count(&sc, RMQ_FLUSH_SLAVE_TIMEOUT), 0);
        scenario_free(&sc);
        return;
    }
    ck_assert_uint_gt(n, 0);
    th_run_to(&sc, 35 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 5);
    uint64_t at35 = status_count(&sc, RMQ_FLUSH_SLAVE_TIMEOUT), acked = rmq_world_get(sc.w)->rep.acct.acked;
    th_run_to(&sc, 50 * SIM_S);
    ck_assert_uint_eq(status_count(&sc, RMQ_FLUSH_SLAVE_TIMEOUT), at35);
    ck_assert_uint_gt(rmq_world_get(sc.w)->rep.acct.acked, acked + 1000);
    scenario_free(&sc);
}

START_TEST(all_ack_times_out_after_slave_timeout) { slave_timeout_case(1, 0); }
END_TEST
START_TEST(sync_flush_times_out_after_slave_timeout) { slave_timeout_case(1, 1); }
END_TEST
START_TEST(in_sync_replicas_takes_any_slave) { slave_timeout_case(0, 0); }
END_TEST

/* ha.c's guard: a slave that turns master and slave again within a second (as ReplicasManager's
 * changeToMaster / changeToSlave may) keeps one HAClient timer chain, one tick a second, not two: the client
 * started afresh (ha_client_start) and given its master's address again, as a registration answer gives it,
 * connects at once and then ticks every second. */
static int ha_ticks;
static const struct sim_node_ops *broker_ops;
static void counting_timer(struct sim_node *n, uint64_t tag)
{
    if ((tag & 0xff) == BT_HA_CLIENT)
        ha_ticks++;
    broker_ops->on_timer(n, tag);
}

START_TEST(ha_role_flip_keeps_one_client_timer)
{
    struct scenario sc;
    th_load(&sc, world_json(NULL, NULL), NULL, 0);
    th_run_to(&sc, 5 * SIM_S);
    struct broker *b = rmq_world_get(sc.w)->g[0].broker[1];
    struct sim_node *n = sim_node(sc.sim, broker_node(b));
    ck_assert_int_eq(broker_role(b), RMQ_SLAVE);
    static struct sim_node_ops counting;
    broker_ops = n->ops;
    counting = *n->ops;
    counting.on_timer = counting_timer;
    n->ops = &counting;
    ha_ticks = 0;
    th_run_to(&sc, 15 * SIM_S);
    ck_assert_int_eq(ha_ticks, 10);
    sim_run(sc.sim, 15 * SIM_S + 300 * SIM_MS);
    /* what to_master and to_slave do to HA: close it, switch the role, start it again */
    sim_node_id master = b->master;
    node_conn_close(n, b->ha_conn);
    b->role = RMQ_SYNC_MASTER;
    ha_start(b);
    b->role = RMQ_SLAVE;
    ha_start(b);
    ha_client_start(b);
    ck_assert_int_eq(b->master, SIM_NODE_NONE);
    ha_ticks = 0;
    ha_master_address(b, master);
    th_run_to(&sc, 25 * SIM_S + 300 * SIM_MS);
    ck_assert_int_eq(ha_ticks, 10);
    n->ops = broker_ops;
    scenario_free(&sc);
}
END_TEST

/* The only controller's host is down from 15 s to 25 s and the master's process dies at 20 s: nobody sees
 * its channel close, and after the restart it never heartbeats, so no scan marks it inactive. The
 * re-election scan (scanNeedReelectBrokerSets: a master not active while another replica is) runs 5 s
 * after the restart and elects broker-a-2 (brokerId 2, broker-a-1 3) at 30 s. */
START_TEST(restarted_controller_replaces_dead_master)
{
    struct scenario sc;
    th_load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 15000, \"op\": \"crash_host\", \"node\": "
                                  "\"controller-0\", \"duration_ms\": 10000}, {\"at_ms\": 20000, \"op\": "
                                  "\"crash_process\", \"node\": \"broker-a-0\"}]"), NULL, 0);
    th_run_to(&sc, 30 * SIM_S - 1);
    ck_assert_int_eq(th_ctl_info(&sc).master, 0);
    th_run_to(&sc, 31 * SIM_S);
    struct report_group *rg = &rmq_world_get(sc.w)->rep.g[0];
    ck_assert_int_eq(rg->detected, 30 * SIM_S);
    ck_assert_int_eq(rg->elected, 30 * SIM_S);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    ck_assert_int_eq(broker_role(rmq_world_get(sc.w)->g[0].broker[2]), RMQ_SYNC_MASTER);
    scenario_free(&sc);
}
END_TEST

/* enableControllerInNamesrv: controller-0 runs in ns-0's process. A partition at 20.5 s between ns-0 and
 * broker-a-0 (the master) cuts controller-0 off from it too: its last heartbeat (20 s) is more than 10 s old
 * at the 32 s scan and broker-a-2 (brokerId 2) is elected, as after a host crash; without the key nothing changes. A
 * crash of ns-0's host at 50 s takes controller-0 down with it, and the restart 5 s later brings both back. */
static void in_namesrv_case(int on)
{
    ctl_json = on ? "{\"count\": 1, \"enable_controller_in_namesrv\": true}" : "{\"count\": 1}";
    struct scenario sc;
    th_load(&sc, world_json(NULL, "\"faults\": [{\"at_ms\": 20500, \"op\": \"partition\", \"a\": [\"ns-0\"], "
                                   "\"b\": [\"broker-a-0\"]}, {\"at_ms\": 50000, \"op\": \"crash_host\", "
                                   "\"node\": \"ns-0\", \"duration_ms\": 5000}]"), NULL, 0);
    ctl_json = "{\"count\": 1}";
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 32 * SIM_S - 1);
    ck_assert_int_eq(th_ctl_info(&sc).master, 0);
    th_run_to(&sc, 32 * SIM_S);
    ck_assert_int_eq(th_ctl_info(&sc).master, on ? 2 : 0);
    th_run_to(&sc, 50 * SIM_S);
    ck_assert_int_eq(sim_node(sc.sim, w->ctl_node)->state, on ? SIM_NODE_HOST_DOWN : SIM_NODE_UP);
    ck_assert_int_eq(sim_node(sc.sim, w->ns[0])->state, SIM_NODE_HOST_DOWN);
    th_run_to(&sc, 55 * SIM_S);
    ck_assert_int_eq(sim_node(sc.sim, w->ctl_node)->state, SIM_NODE_UP);
    ck_assert_int_eq(sim_node(sc.sim, w->ns[0])->state, SIM_NODE_UP);
    scenario_free(&sc);
}

START_TEST(controller_in_namesrv_shares_its_fate) { in_namesrv_case(1); }
END_TEST
START_TEST(controller_apart_from_namesrv) { in_namesrv_case(0); }
END_TEST

static int violations(struct scenario *sc)
{
    cJSON *root = cJSON_CreateObject();
    sc->world->metrics(sc->w, sc, root);
    cJSON_Delete(root);
    return rmq_world_get(sc->w)->rep.invariant_violations;
}

/* Crashes of whoever is master, process and host, over seeds with lognormal links, allAckInSyncStateSet:
 * no invariant broken (one master an epoch, epochs only grow, no acknowledged message lost). */
START_TEST(invariants_over_seeds)
{
    seed = _i;
    latency = "{\"dist\": \"lognormal\", \"median_ms\": 0.5, \"sigma\": 0.5}";
    /* and partitions: at 95 s whoever is master is cut off from the controller and the other replicas for
     * 20 s (done below, by hand: partitions take node names); at 130 s one slave from another, by seed */
    char faults[1024];
    snprintf(faults, sizeof faults,
        "\"faults\": [{\"at_ms\": 15000, \"op\": \"crash_process\", \"node\": \"@master:broker-a\", \"duration_ms\": 10000},"
        " {\"at_ms\": 45000, \"op\": \"crash_host\", \"node\": \"@master:broker-a\", \"duration_ms\": 20000},"
        " {\"at_ms\": 80000, \"op\": \"crash_process\", \"node\": \"@slave:broker-a\", \"duration_ms\": 5000},"
        " {\"at_ms\": 130000, \"op\": \"partition\", \"a\": [\"broker-a-%d\"], \"b\": [\"broker-a-%d\"], \"duration_ms\": 25000}]",
        (_i + 1) % 3, (_i + 2) % 3);
    char text[8192];
    snprintf(text, sizeof text, "%s", world_json(", \"all_ack_in_sync_state_set\": true", faults));
    seed = 3;
    latency = "{\"const_ms\": 1}";
    struct scenario sc;
    th_load(&sc, text, NULL, 0);
    th_run_to(&sc, 95 * SIM_S);
    struct rmq_world *w = rmq_world_get(sc.w);
    int m = th_ctl_info(&sc).master;
    int32_t epoch = th_ctl_info(&sc).master_epoch;
    ck_assert_int_ge(m, 0);
    sim_node_id cut[3] = {w->ctl_node, w->g[0].node[(m + 1) % 3], w->g[0].node[(m + 2) % 3]};
    for (int k = 0; k < 3; k++) {
        sim_link_cut(sc.sim, w->g[0].node[m], cut[k], 1);
        sim_link_cut(sc.sim, cut[k], w->g[0].node[m], 1);
    }
    th_run_to(&sc, 115 * SIM_S);
    ck_assert_int_gt(th_ctl_info(&sc).master_epoch, epoch);   /* the controller elected another master */
    for (int k = 0; k < 3; k++) {
        sim_link_cut(sc.sim, w->g[0].node[m], cut[k], 0);
        sim_link_cut(sc.sim, cut[k], w->g[0].node[m], 0);
    }
    th_run_to(&sc, 180 * SIM_S);
    ck_assert_int_eq(violations(&sc), 0);
    ck_assert_uint_gt(rmq_world_get(sc.w)->rep.invariant_checks, 2);
    scenario_free(&sc);
}
END_TEST

/* The broken election (any active replica, lowest index first) elects broker-a-1, cut off and out of the
 * set: the acknowledged messages it lacks are lost, and the check says so. */
START_TEST(broken_election_is_caught)
{
    struct scenario sc;
    th_load(&sc, world_json(", \"all_ack_in_sync_state_set\": true",
                         "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                         "\"b\": [\"broker-a-1\"]}, {\"at_ms\": 40000, \"op\": \"crash_process\", "
                         "\"node\": \"broker-a-0\"}]"), NULL, 0);
    controller_break_election(rmq_world_get(sc.w)->ctl);
    th_run_to(&sc, 60 * SIM_S);
    ck_assert_int_eq(th_ctl_info(&sc).master, 1);
    ck_assert_int_gt(violations(&sc), 0);
    scenario_free(&sc);
}
END_TEST

static Suite *controller_suite(void)
{
    Suite *s = suite_create("controller");
    TCase *tc = tcase_create("timeline");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, first_master_is_first_requester);
    tcase_add_test(tc, process_crash_inactive_at_once);
    tcase_add_test(tc, host_crash_timeout_and_scan);
    tcase_add_test(tc, lagging_slave_leaves_and_is_not_elected);
    tcase_add_test(tc, slow_slave_leaves_after_15_s);
    tcase_add_test(tc, slave_keeping_up_on_slow_link_stays);
    tcase_add_test(tc, slave_behind_does_not_rejoin);
    tcase_add_test(tc, check_restarts_at_promotion);
    tcase_add_test(tc, failed_registration_retried);
    tcase_add_test(tc, rejoin_waits_for_a_report_at_the_newest_transfer);
    tcase_add_test(tc, unclean_off_waits_for_in_sync_replica);
    tcase_add_test(tc, unclean_on_elects_a_slave);
    tcase_add_test(tc, broken_election_is_caught);
    tcase_add_test(tc, election_prefers_higher_offset);
    tcase_add_test(tc, old_master_truncates_to_new_epoch_start);
    tcase_add_test(tc, stale_master_registration_refused);
    tcase_add_test(tc, min_in_sync_replicas_not_enough);
    tcase_add_test(tc, all_ack_times_out_after_slave_timeout);
    tcase_add_test(tc, sync_flush_times_out_after_slave_timeout);
    tcase_add_test(tc, in_sync_replicas_takes_any_slave);
    tcase_add_test(tc, ha_role_flip_keeps_one_client_timer);
    tcase_add_test(tc, restarted_controller_replaces_dead_master);
    tcase_add_test(tc, controller_in_namesrv_shares_its_fate);
    tcase_add_test(tc, controller_apart_from_namesrv);
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("invariants");
    tcase_set_timeout(tl, 300);
    tcase_add_loop_test(tl, invariants_over_seeds, 1, 9);
    suite_add_tcase(s, tl);
    return s;
}

int main(void)
{
    return th_run_suite(controller_suite());
}
