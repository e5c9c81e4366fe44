/* test_controller_elect: who the controller elects (5.3's ReplicasInfoManager.electMaster and
 * DefaultElectPolicy) on constant 1 ms links: the admin's designated election ("elect_master", mqadmin
 * electMaster -b) switches the master to a named in-sync replica, is refused for one outside the
 * SyncStateSet (CONTROLLER_ELECT_MASTER_FAILED, unless unclean election lets any alive replica in) and
 * answers CONTROLLER_MASTER_STILL_EXIST for the master itself; brokerElectionPriority (lower preferred)
 * breaks a tie of epoch and offset and never beats a higher offset, in the comparator's Java arithmetic; a
 * designated election under three controllers waits for its event's commit. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/broker/broker_ctl_int.h"
#include "models/controller/controller.h"
#include "models/controller/controller_int.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"
#include "tests/harness.h"
#include "tests/harness_ctl.h"



/* The controller.admin_elect lines of a run's trace, "broker:result" each, joined by spaces. */
static void admin_results(const char *trace, char *out, size_t size)
{
    out[0] = 0;
    for (const char *p = trace; (p = strstr(p, "\"ev\":\"controller.admin_elect\"")); p++) {
        const char *b = strstr(p, "\"broker\":\""), *r = strstr(p, "\"result\":\"");
        ck_assert_ptr_nonnull(b);
        ck_assert_ptr_nonnull(r);
        b += 10;
        r += 10;
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%.*s:%.*s", n ? " " : "", (int)(strchr(b, '"') - b), b,
                 (int)(strchr(r, '"') - r), r);
    }
}

/* At 20 s the admin names broker-a-2: the controller elects it at once (epoch 2, a SyncStateSet of
 * broker-a-2 alone) and notifies; 1 ms later broker-a-0 is a slave, and 3 ms later broker-a-2 SYNC_MASTER
 * (the controller's first notify to it opens a connection: broker-a-2 registered after the first election).
 * broker-a-0's registration as a slave lands at the NameServer before broker-a-2's as brokerId 0, and
 * broker-a-1's with it: the slaves' answers name no master, and their HA clients, started afresh, have no
 * address until the periodic registrations of 40 s name broker-a-2
 * (BrokerController.handleRegisterBrokerResult). Then they catch up and the set is whole again. */
START_TEST(designated_switches_master)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, NULL, "\"faults\": [{\"at_ms\": 20000, \"op\": \"elect_master\", \"group\": "
                                     "\"broker-a\", \"to\": \"broker-a-2\"}]"), NULL, 0);
    th_run_to(&sc, 20 * SIM_S - 1);
    ck_assert_int_eq(th_ctl_info(&sc).master, 0);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 7);
    sim_run(sc.sim, 20 * SIM_S);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    ck_assert_int_eq(th_ctl_info(&sc).master_epoch, 2);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 4);
    sim_run(sc.sim, 20001 * SIM_MS - 1);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SLAVE);
    ck_assert_int_eq(th_ctl_role(&sc, 0), RMQ_SYNC_MASTER);
    sim_run(sc.sim, 20001 * SIM_MS);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SLAVE);
    ck_assert_int_eq(th_ctl_role(&sc, 0), RMQ_SLAVE);
    sim_run(sc.sim, 20003 * SIM_MS);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SYNC_MASTER);
    th_run_to(&sc, 40 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 4);
    struct rmq_world *w = rmq_world_get(sc.w);
    ck_assert_int_eq(w->g[0].broker[0]->master, SIM_NODE_NONE);
    ck_assert_int_eq(w->g[0].broker[1]->master, SIM_NODE_NONE);
    th_run_to(&sc, 41 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 7);
    ck_assert_int_eq(th_ctl_info(&sc).master_epoch, 2);
    scenario_free(&sc);
}
END_TEST

/* allAckInSyncStateSet at 400 msg/s: the admin names broker-a-2 at 20.0005 s; broker-a-0 took a put at
 * 20.001 s (sent at 20.000 s) and waits for its slaves' acks when the notify demotes it at 20.0015 s. It
 * keeps the SyncStateSet it had as master (changeToSlave leaves the HA service's set) and has no connection
 * left, so the put is answered FLUSH_SLAVE_TIMEOUT after slaveTimeout (at 23.006 s at the producer), not
 * SEND_OK. The message is not lost: the controller notifies broker-a-2 for the first time (the slaves
 * registered after the first election's notify, which went to the brokers alive then:
 * ControllerManager.notifyBrokerRoleChanged), so the notify opens a connection and arrives at 20.0035 s,
 * after the frame with the put (20.002 s); nothing is truncated and the consumer reads it. Where the new
 * master's notify came first (the brokerIds were the replicas' places and every broker heartbeated from its
 * start), the handshake truncated it from broker-a-0's log, a loss the status warned of: acked_lost counts
 * such a message, the invariant over SEND_OK messages does not. */
START_TEST(designated_switch_breaks_no_promise)
{
    const char *sets[] = {"run.duration_ms=45000", "producers.rate_per_s=400", "producers.send_msg_timeout_ms=10000",
                          "groups[0].all_ack_in_sync_state_set=true", "run.trace=events"};
    struct th_run r;
    th_run(&r, th_ctl_world(1, NULL, "\"faults\": [{\"at_ms\": 20000.5, \"op\": \"elect_master\", \"group\": "
                                   "\"broker-a\", \"to\": \"broker-a-2\"}]"), sets, 5);
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    ck_assert_int_eq((int)th_num(r.m, "messages.status.FLUSH_SLAVE_TIMEOUT"), 1);
    ck_assert_int_eq((int)th_num(r.m, "messages.acked_lost"), 0);
    ck_assert_ptr_nonnull(
        strstr(r.trace, "{\"t_ms\":20003.500,\"node\":\"broker-a-2\",\"ev\":\"broker.dispatch_wait\""));
    ck_assert_ptr_null(strstr(r.trace, "\"ev\":\"broker.truncate\""));
    th_run_free(&r);
}
END_TEST

/* broker-a-1 is cut off from the master at 10 s and leaves the SyncStateSet when the master gives its
 * connection up, 20 s without a report, at 30 s (set {0, 2}). At 31 s the admin names broker-a-1: refused,
 * nothing changes; at 32 s the master itself: MASTER_STILL_EXIST; at 33 s broker-a-2: elected. With unclean
 * election broker-a-1, alive, is elected at 31 s from all replicas (DefaultElectPolicy.elect's second
 * tryElect). */
static void outside_case(int unclean)
{
    static const char faults[] =
        "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], \"b\": [\"broker-a-1\"]},"
        " {\"at_ms\": 31000, \"op\": \"elect_master\", \"group\": \"broker-a\", \"to\": 1},"
        " {\"at_ms\": 32000, \"op\": \"elect_master\", \"group\": \"broker-a\", \"to\": 0},"
        " {\"at_ms\": 33000, \"op\": \"elect_master\", \"group\": \"broker-a\", \"to\": 2}]";
    char text[8192];
    snprintf(text, sizeof text, "%s", th_ctl_world(1, NULL, faults));
    if (unclean) {
        char *p = strstr(text, "{\"count\": 1}");
        ck_assert_ptr_nonnull(p);
        char rest[8192];
        snprintf(rest, sizeof rest, "%s", p + strlen("{\"count\": 1}"));
        snprintf(p, sizeof text - (size_t)(p - text), "{\"count\": 1, \"enable_elect_unclean_master\": true}%s", rest);
    }
    const char *sets[] = {"run.duration_ms=34000", "run.trace=events"};
    struct th_run r;
    th_run(&r, text, sets, 2);
    char got[512];
    admin_results(r.trace, got, sizeof got);
    if (unclean)
        ck_assert_str_eq(got, "broker-a-1:SUCCESS broker-a-0:SUCCESS broker-a-2:SUCCESS");
    else
        ck_assert_str_eq(got, "broker-a-1:CONTROLLER_ELECT_MASTER_FAILED broker-a-0:CONTROLLER_MASTER_STILL_EXIST "
                              "broker-a-2:SUCCESS");
    th_run_free(&r);

    struct scenario sc;
    th_load(&sc, text, NULL, 0);
    th_run_to(&sc, 31 * SIM_S - 1);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 5);
    th_run_to(&sc, 31 * SIM_S + 10 * SIM_MS);
    ck_assert_int_eq(th_ctl_info(&sc).master, unclean ? 1 : 0);
    ck_assert_int_eq(th_ctl_info(&sc).master_epoch, unclean ? 2 : 1);
    ck_assert_int_eq(th_ctl_role(&sc, 0), unclean ? RMQ_SLAVE : RMQ_SYNC_MASTER);
    th_run_to(&sc, 33 * SIM_S + 10 * SIM_MS);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    ck_assert_int_eq(th_ctl_info(&sc).master_epoch, unclean ? 4 : 2);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SYNC_MASTER);
    scenario_free(&sc);
}

START_TEST(designated_outside_sync_state_set_refused) { outside_case(0); }
END_TEST
START_TEST(designated_outside_set_with_unclean_elected) { outside_case(1); }
END_TEST

/* The master's process crashes at 20.5 s with both slaves at the same epoch and offset: elected at
 * 20.501 s (the closed channel), promoted 1 ms later. brokerElectionPriority decides (lower value first);
 * equal priorities leave the lower brokerId (the TreeSet keeps the first of equals). */
static void tie_case(const char *prios, int expect)
{
    char extra[128];
    snprintf(extra, sizeof extra, ", \"broker_election_priorities\": %s", prios);
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, extra, "\"faults\": [{\"at_ms\": 20500, \"op\": \"crash_process\", \"node\": "
                                      "\"broker-a-0\"}]"), NULL, 0);
    th_run_to(&sc, 20500 * SIM_MS - 1);
    struct rmq_world *w = rmq_world_get(sc.w);
    ck_assert_uint_eq(broker_log(w->g[0].broker[1])->max_offset, broker_log(w->g[0].broker[2])->max_offset);
    th_run_to(&sc, 25 * SIM_S);
    struct report_group *rg = &w->rep.g[0];
    ck_assert_int_eq(rg->elected, 20501 * SIM_MS);
    ck_assert_int_eq(rg->promoted, 20504 * SIM_MS);   /* the controller's first notify to it connects */
    ck_assert_int_eq(w->ctl->g[0].r[2].id, 2);   /* broker-a-2 applied for its brokerId before broker-a-1 */
    ck_assert_int_eq(w->ctl->g[0].r[1].id, 3);
    ck_assert_int_eq(th_ctl_info(&sc).master, expect);
    ck_assert_int_eq(rg->new_master, w->g[0].node[expect]);
    scenario_free(&sc);
}

/* The brokerIds follow the order the brokers applied for them (ReplicasInfoManager.applyBrokerId), not the
 * replicas' places: broker-a-0 took 1, broker-a-2 2 and broker-a-1 3 (refused 1, their random pauses decided),
 * so on a tie of priorities broker-a-2 goes first. */
START_TEST(priority_breaks_tie) { tie_case("[0, 1, 9]", 1); }
END_TEST
START_TEST(equal_priority_lower_broker_id) { tie_case("[0, 7, 7]", 2); }
END_TEST
START_TEST(default_priority_lower_broker_id) { tie_case("[2147483647, 2147483647, 2147483647]", 2); }
END_TEST

/* DefaultBrokerHeartbeatManager.isBrokerActive tests a heartbeat's age itself: broker-a-1, cut off from the
 * controller at 59.5 s (still replicating), is not alive to the election its master's host crash triggers,
 * although the 5 s scan that would remove it has not run yet. The master crashes at 60.5 s; the scan at
 * 72 s finds its heartbeat 11 s old and elects at once, before the same scan reaches broker-a-1 (its
 * heartbeat 12 s old). The producer stops at 50 s, so both slaves reported the master's offset in their
 * last heartbeats: with the scan's table alone broker-a-1 (the lower brokerId) would have won; by age
 * broker-a-2 does. */
START_TEST(expired_heartbeat_not_elected)
{
    struct scenario sc;
    const char *sets[] = {"producers.stop_ms=50000"};
    th_load(&sc, th_ctl_world(1, NULL, "\"faults\": [{\"at_ms\": 59500, \"op\": \"partition\", \"a\": "
                                     "[\"broker-a-1\"], \"b\": [\"controller-0\"]}, {\"at_ms\": 60500, "
                                     "\"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"), sets, 1);
    th_run_to(&sc, 70 * SIM_S);
    struct rmq_world *w = rmq_world_get(sc.w);
    ck_assert_int_eq(th_ctl_info(&sc).master, 0);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 7);
    ck_assert_uint_eq(broker_log(w->g[0].broker[1])->max_offset, broker_log(w->g[0].broker[2])->max_offset);
    th_run_to(&sc, 75 * SIM_S);
    ck_assert_int_eq(w->rep.g[0].elected, 72 * SIM_S);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    scenario_free(&sc);
}
END_TEST

/* DefaultBrokerHeartbeatManager.onBrokerHeartbeat keeps the larger (epoch, max offset) a broker reported
 * while it stays in the table. broker-a-1 flushes only every 10 s (flushCommitLogLeastPages 100 pages is
 * never reached at 100 msg/s, so only the thorough flush runs); its host crashes at 19.5 s and loses what
 * it received since the flush at 10 s, and its first heartbeat after the restart reports that much less at
 * the same epoch. Back within the 10 s timeout (restart at 21.5 s), it is still in the table: the controller
 * keeps what the heartbeat of 19.001 s reported until the slave has caught up past it. Back after the scan
 * removed it (restart at 34.5 s; the scan of 32 s found its heartbeat 13 s old), it is a new entry and the
 * controller takes what it reports. Both are read 5 ms after the restart, after its first heartbeat and
 * before its HA connection (10 ms: its registration at the change to slave names the master at once). */
static void hb_pair_case(sim_time down, int kept)
{
    char faults[256];
    snprintf(faults, sizeof faults, "\"faults\": [{\"at_ms\": 19500, \"op\": \"crash_host\", "
             "\"node\": \"broker-a-1\", \"duration_ms\": %lld}]", (long long)(down / SIM_MS));
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, ", \"flush_commitlog_least_pages\": 100", faults), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    const struct ctl_replica *x = &w->ctl->g[0].r[1];
    th_run_to(&sc, 19500 * SIM_MS - 1);
    uint64_t before = x->max_offset;
    int32_t epoch = x->epoch;
    ck_assert_int_eq(x->last_hb, 19001 * SIM_MS);
    sim_time back = 19500 * SIM_MS + down;
    th_run_to(&sc, back + 5 * SIM_MS);
    ck_assert_int_eq(x->last_hb > back, 1);   /* heard since the restart */
    ck_assert(x->active);
    ck_assert_int_eq(x->epoch, epoch);
    uint64_t now_has = broker_log(w->g[0].broker[1])->max_offset;
    ck_assert_uint_lt(now_has + 100000, before);
    uint64_t want = kept ? before : now_has;
    ck_assert_uint_eq(x->max_offset, want);
    th_run_to(&sc, back + 10 * SIM_S);
    ck_assert_uint_gt(x->max_offset, before);   /* caught up: its reports pass the old value */
    scenario_free(&sc);
}

START_TEST(heartbeat_keeps_larger_offset) { hb_pair_case(2 * SIM_S, 1); }
END_TEST
START_TEST(heartbeat_after_removal_starts_afresh) { hb_pair_case(15 * SIM_S, 0); }
END_TEST

/* broker-a-1 cut off from the master at 30 s stays in the set but lags; the master's crash at 35 s elects
 * broker-a-2 (the higher offset) although broker-a-1's priority is better: priority only breaks ties. */
START_TEST(priority_does_not_beat_offset)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, ", \"broker_election_priorities\": [5, 0, 9]",
                            "\"faults\": [{\"at_ms\": 30000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                            "\"b\": [\"broker-a-1\"]}, {\"at_ms\": 35000, \"op\": \"crash_process\", "
                            "\"node\": \"broker-a-0\"}]"), NULL, 0);
    th_run_to(&sc, 35 * SIM_S - SIM_MS);
    struct rmq_world *w = rmq_world_get(sc.w);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 7);
    ck_assert_uint_lt(broker_log(w->g[0].broker[1])->max_offset, broker_log(w->g[0].broker[2])->max_offset);
    th_run_to(&sc, 36 * SIM_S);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    scenario_free(&sc);
}
END_TEST

/* DefaultElectPolicy's comparator on heartbeats set by hand (the group as the controller holds it after
 * its first election, the master dropped, all three alive in the set): the higher epoch first, then the
 * higher offset by Java's (int) (o2.getMaxOffset() - o1.getMaxOffset()), then (equal offsets only) the lower
 * priority, then the lower brokerId. Offsets 2 GiB apart still compare right ((int) of -2 GiB is
 * Integer.MIN_VALUE); 3 GiB apart the wrong way ((int) of -3 GiB is +1 GiB); 4 GiB apart they compare equal
 * (0) and the TreeSet does not even add the later broker, whatever its priority. */
static int elect_with(struct controller *c, const int32_t *epoch, const uint64_t *off, const int32_t *prio)
{
    struct ctl_group *g = &c->g[0];
    g->master = -1;
    g->sss = 7;
    for (int r = 0; r < 3; r++) {
        ck_assert(g->r[r].registered && g->r[r].active);
        g->r[r].epoch = epoch[r];
        g->r[r].max_offset = off[r];
        g->r[r].priority = prio[r];
    }
    struct ctl_event ev;
    ck_assert_int_eq(ctl_decide_elect(c, 0, -1, 0, &ev), RMQ_SUCCESS);
    return ev.replica;
}

START_TEST(comparator_as_java_computes_it)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, NULL, NULL), NULL, 0);
    th_run_to(&sc, 5 * SIM_S);
    struct controller *c = rmq_world_get(sc.w)->ctl;
    const uint64_t G = 1ull << 30;
    const int32_t e111[] = {1, 1, 1}, e121[] = {1, 2, 1}, p[] = {7, 7, 7}, p_low1[] = {7, 1, 7};
    ck_assert_int_eq(elect_with(c, e111, (const uint64_t[]){3000, 5000, 4000}, p), 1);
    ck_assert_int_eq(elect_with(c, e121, (const uint64_t[]){9000, 5000, 9000}, p), 1);   /* epoch first */
    ck_assert_int_eq(elect_with(c, e111, (const uint64_t[]){5000, 5000, 5000}, p_low1), 1);
    ck_assert_int_eq(elect_with(c, e111, (const uint64_t[]){5000, 5000, 5000}, p), 0);
    ck_assert_int_eq(elect_with(c, e111, (const uint64_t[]){1000, 1000 + 3 * G, 0}, p), 0);   /* wrong way */
    ck_assert_int_eq(elect_with(c, e111, (const uint64_t[]){1000, 1000 + 4 * G, 0}, p_low1), 0);   /* "equal" */
    ck_assert_int_eq(elect_with(c, e111, (const uint64_t[]){1000 + 4 * G, 1000, 0}, p_low1), 0);
    /* not transitive: broker-a-2 (0) goes before broker-a-1 (2 GiB + 1000: -2 GiB + 1000 as an int) but is
     * greater than broker-a-0 (1000), so the tree's leftmost is broker-a-1, not a scan's minimum */
    ck_assert_int_eq(elect_with(c, e111, (const uint64_t[]){1000, 1000 + 2 * G, 0}, p), 1);
    scenario_free(&sc);
}
END_TEST

/* Eight replicas with epochs, offsets (less than 2 GiB apart) and priorities drawn from a fixed sequence:
 * the tree's first is always the least by (epoch desc, offset desc, priority asc, brokerId asc), the
 * brokerIds being the order of the brokers' applications, not the replicas' indexes. */
START_TEST(tree_first_is_least_when_consistent)
{
    char text[8192];
    snprintf(text, sizeof text, "%s", th_ctl_world(1, NULL, NULL));
    char *rp = strstr(text, "\"replicas\": 3");
    ck_assert_ptr_nonnull(rp);
    rp[strlen("\"replicas\": ")] = '8';
    struct scenario sc;
    th_load(&sc, text, NULL, 0);
    th_run_to(&sc, 5 * SIM_S);
    struct controller *c = rmq_world_get(sc.w)->ctl;
    struct ctl_group *g = &c->g[0];
    uint64_t x = 88172645463325252ull;   /* xorshift64 */
    for (int k = 0; k < 2000; k++) {
        g->master = -1;
        g->sss = 0xff;
        int best = -1;
        for (int r = 0; r < 8; r++) {
            ck_assert(g->r[r].registered && g->r[r].active);
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            g->r[r].epoch = (int32_t)(x % 3);
            g->r[r].max_offset = (x >> 8) % 4 * 1000;
            g->r[r].priority = (int32_t)((x >> 20) % 3);
            const struct ctl_replica *a = &g->r[r], *b = best < 0 ? NULL : &g->r[best];
            if (!b || a->epoch > b->epoch ||
                (a->epoch == b->epoch &&
                 (a->max_offset > b->max_offset ||
                  (a->max_offset == b->max_offset &&
                   (a->priority < b->priority || (a->priority == b->priority && a->id < b->id))))))
                best = r;
        }
        struct ctl_event ev;
        ck_assert_int_eq(ctl_decide_elect(c, 0, -1, 0, &ev), RMQ_SUCCESS);
        ck_assert_int_eq(ev.replica, best);
    }
    scenario_free(&sc);
}
END_TEST

/* Three controllers (the first master is broker-a-1: the brokers' registrations, refused while the new
 * controller leader commits its first entry, are retried after random pauses): the admin's request goes to
 * the active controller, which appends the ElectMasterEvent at 20 s; the push reaches the followers at
 * 20.001 s and their acks at 20.002 s commit it: applied and the brokers notified then; broker-a-0 is
 * master at 20.005 s. Every member holds the new master. */
START_TEST(designated_under_controller_group)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(3, NULL, "\"faults\": [{\"at_ms\": 20000, \"op\": \"elect_master\", \"group\": "
                                     "\"broker-a\", \"to\": \"broker-a-0\"}]"), NULL, 0);
    th_run_to(&sc, 20 * SIM_S - 1);
    ck_assert_int_eq(th_ctl_info(&sc).master, 1);
    sim_run(sc.sim, 20002 * SIM_MS - 1);
    ck_assert_int_eq(th_ctl_info(&sc).master, 1);
    sim_run(sc.sim, 20002 * SIM_MS);
    ck_assert_int_eq(th_ctl_info(&sc).master, 0);
    sim_run(sc.sim, 20005 * SIM_MS - 1);
    ck_assert_int_eq(th_ctl_role(&sc, 0), RMQ_SLAVE);
    sim_run(sc.sim, 20005 * SIM_MS);
    ck_assert_int_eq(th_ctl_role(&sc, 0), RMQ_SYNC_MASTER);
    th_run_to(&sc, 25 * SIM_S);
    struct controller *c = rmq_world_get(sc.w)->ctl;
    for (int k = 0; k < controller_count(c); k++)
        ck_assert_int_eq(controller_info_at(c, k, 0).master, 0);
    scenario_free(&sc);
}
END_TEST

/* With the only controller down the admin tool cannot connect: nothing changes. */
START_TEST(designated_without_controller)
{
    const char *sets[] = {"run.duration_ms=21000", "run.trace=events"};
    struct th_run r;
    th_run(&r, th_ctl_world(1, NULL, "\"faults\": [{\"at_ms\": 15000, \"op\": \"crash_process\", \"node\": "
                                   "\"controller-0\"}, {\"at_ms\": 20000, \"op\": \"elect_master\", \"group\": "
                                   "\"broker-a\", \"to\": 1}]"), sets, 2);
    char got[256];
    admin_results(r.trace, got, sizeof got);
    ck_assert_str_eq(got, "broker-a-1:NO_CONTROLLER");
    th_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("controller_elect");
    TCase *tc = tcase_create("timeline");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, designated_switches_master);
    tcase_add_test(tc, designated_switch_breaks_no_promise);
    tcase_add_test(tc, designated_outside_sync_state_set_refused);
    tcase_add_test(tc, designated_outside_set_with_unclean_elected);
    tcase_add_test(tc, priority_breaks_tie);
    tcase_add_test(tc, equal_priority_lower_broker_id);
    tcase_add_test(tc, default_priority_lower_broker_id);
    tcase_add_test(tc, priority_does_not_beat_offset);
    tcase_add_test(tc, expired_heartbeat_not_elected);
    tcase_add_test(tc, heartbeat_keeps_larger_offset);
    tcase_add_test(tc, heartbeat_after_removal_starts_afresh);
    tcase_add_test(tc, comparator_as_java_computes_it);
    tcase_add_test(tc, tree_first_is_least_when_consistent);
    tcase_add_test(tc, designated_under_controller_group);
    tcase_add_test(tc, designated_without_controller);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(suite());
}
