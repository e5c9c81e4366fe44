/* test_controller_group: three controllers as a DLedger group (DLedgerController) on constant 1 ms links:
 * the leader is the active controller and every member applies the same events; a crash of the
 * controller leader leaves the brokers serving and a new leader takes over with the same metadata within
 * DLedger's election time; a master crash while the controller leader is down is handled once the new
 * leader serves. Also the election's epoch rule (one controller). */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/broker/broker_ctl_int.h"
#include "models/remoting/rpc.h"
#include "models/report/acct.h"
#include "models/controller/controller.h"
#include "models/controller/controller_int.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"
#include "tests/harness.h"
#include "tests/harness_ctl.h"


static struct controller *ctl(struct scenario *sc) { return rmq_world_get(sc->w)->ctl; }

/* Every member that applied as far as the leader holds the same metadata. */
static void members_agree(struct scenario *sc, int skip)
{
    struct controller *c = ctl(sc);
    struct ctl_info l = controller_info(c, 0);
    for (int k = 0; k < controller_count(c); k++) {
        if (k == skip)
            continue;
        struct ctl_info i = controller_info_at(c, k, 0);
        ck_assert_int_eq(i.master, l.master);
        ck_assert_int_eq(i.master_epoch, l.master_epoch);
        ck_assert_int_eq(i.sss_epoch, l.sss_epoch);
        ck_assert_uint_eq(i.sss, l.sss);
    }
}

/* The group elects a controller leader; the brokers find it (getControllerMetaData), register, and the
 * first requester becomes master; every member applied the same events. */
START_TEST(group_elects_and_replicates)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(3, NULL, NULL), NULL, 0);
    th_run_to(&sc, 10 * SIM_S);
    struct rmq_world *w = rmq_world_get(sc.w);
    ck_assert_int_eq(w->nctl, 3);
    ck_assert_int_ge(controller_leader(ctl(&sc)), 0);
    struct ctl_info i = controller_info(ctl(&sc), 0);
    ck_assert_int_ge(i.master, 0);
    ck_assert_int_eq(i.master_epoch, 1);
    ck_assert_uint_eq(i.sss, 7);
    ck_assert_int_eq(broker_role(w->g[0].broker[i.master]), RMQ_SYNC_MASTER);
    th_run_to(&sc, 12 * SIM_S);   /* the followers learn the last commit with the next push or heartbeat */
    members_agree(&sc, -1);
    scenario_free(&sc);
}
END_TEST

/* The controller leader's host crashes at 20.5 s. The brokers keep serving (puts need no controller); a
 * follower stands for election once the leader's heartbeats (every 2 s) are maxHeartBeatLeak x 2 s = 6 s
 * old, wins after a vote interval (300-1000 ms), commits its empty entry and serves: 4.5 to 9 s after the
 * crash. It holds the same master, epochs and SyncStateSet. */
START_TEST(leader_crash_new_leader_takes_over)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(3, NULL, NULL), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 20500 * SIM_MS);
    int l = controller_leader(ctl(&sc));
    ck_assert_int_ge(l, 0);
    struct ctl_info before = controller_info(ctl(&sc), 0);
    sim_crash(sc.sim, controller_node_at(ctl(&sc), l), SIM_CRASH_HOST);
    uint64_t acked = w->rep.acct.acked;
    sim_time took = -1;
    while (sim_now(sc.sim) < 40 * SIM_S) {
        sim_run(sc.sim, sim_now(sc.sim) + SIM_MS);
        int k = controller_leader(ctl(&sc));
        if (k >= 0 && k != l && took < 0)
            took = sim_now(sc.sim) - 20500 * SIM_MS;
    }
    ck_assert_int_gt(took, 4500 * SIM_MS);
    ck_assert_int_le(took, 9 * SIM_S);
    ck_assert_uint_gt(w->rep.acct.acked, acked + 1500);   /* 100 msg/s went on all along */
    struct ctl_info after = controller_info(ctl(&sc), 0);
    ck_assert_int_eq(after.master, before.master);
    ck_assert_int_eq(after.master_epoch, before.master_epoch);
    ck_assert_int_eq(after.sss_epoch, before.sss_epoch);
    ck_assert_uint_eq(after.sss, before.sss);
    members_agree(&sc, l);
    scenario_free(&sc);
}
END_TEST

/* The controller leader's host and then the master's (broker-a-1, brokerId 1: the brokers' first
 * registrations, refused while the controller leader commits its first entry, are retried after random
 * pauses, and the first to register asks for and wins the first election) crash at 20.5 s and 21 s. Nobody
 * elects while no controller leads; the brokers' heartbeats reach the followers, whose scans (2 s + 5 s k)
 * find the master's last one (21.001 s) more than 10 s old at 32 s. The new leader serves by then and
 * elects a slave: detection and election at 32 s, the entry committed over 1 ms links 2 ms later. The
 * brokers learn the new controller leader at their next metadata poll and the new master is told by the
 * notification; writes resume after the producers' route poll. */
START_TEST(master_crash_while_controller_leader_down)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(3, NULL, NULL), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 20500 * SIM_MS);
    int l = controller_leader(ctl(&sc));
    ck_assert_int_ge(l, 0);
    ck_assert_int_eq(controller_info(ctl(&sc), 0).master, 1);
    sim_crash(sc.sim, controller_node_at(ctl(&sc), l), SIM_CRASH_HOST);
    th_run_to(&sc, 21 * SIM_S);
    sim_crash(sc.sim, w->g[0].node[1], SIM_CRASH_HOST);
    th_run_to(&sc, 31 * SIM_S);
    ck_assert_int_ge(controller_leader(ctl(&sc)), 0);
    ck_assert_int_eq(controller_info(ctl(&sc), 0).master, 1);   /* not detected yet */
    th_run_to(&sc, 40 * SIM_S);
    struct report_group *rg = &w->rep.g[0];
    ck_assert_int_eq(rg->detected, 32000 * SIM_MS);
    ck_assert_int_eq(rg->elected, 32002 * SIM_MS);
    struct ctl_info i = controller_info(ctl(&sc), 0);
    /* equal epoch and offset: the lower brokerId, broker-a-2's 2 (broker-a-0 registered last: 3) */
    ck_assert_int_eq(i.master, 2);
    ck_assert_int_eq(i.master_epoch, 2);
    ck_assert_int_eq(broker_role(w->g[0].broker[2]), RMQ_SYNC_MASTER);
    uint64_t acked = w->rep.acct.acked;
    th_run_to(&sc, 90 * SIM_S);
    ck_assert_uint_gt(w->rep.acct.acked, acked + 1000);
    members_agree(&sc, l);
    scenario_free(&sc);
}
END_TEST

/* The same with a process crash of the master at 21 s: its channels close and every controller marks it
 * inactive at once, but no member leads, so nobody elects. The new leader's scanInactiveMasterAndTriggerReelect,
 * 5 s after it starts serving, finds the inactive master and elects (the entry committed 2 ms later). */
START_TEST(master_process_crash_while_controller_leader_down)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(3, NULL, NULL), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 20500 * SIM_MS);
    int l = controller_leader(ctl(&sc));
    sim_crash(sc.sim, controller_node_at(ctl(&sc), l), SIM_CRASH_HOST);
    th_run_to(&sc, 21 * SIM_S);
    ck_assert_int_eq(controller_info(ctl(&sc), 0).master, 1);
    sim_crash(sc.sim, w->g[0].node[1], SIM_CRASH_PROCESS);
    sim_time serving = -1;
    while (sim_now(sc.sim) < 40 * SIM_S) {
        sim_run(sc.sim, sim_now(sc.sim) + SIM_MS);
        if (serving < 0 && controller_leader(ctl(&sc)) >= 0)
            serving = sim_now(sc.sim);
    }
    ck_assert_int_gt(serving, 21 * SIM_S);
    struct report_group *rg = &w->rep.g[0];
    ck_assert_int_eq(rg->detected, serving + 5 * SIM_S);
    ck_assert_int_eq(rg->elected, serving + 5 * SIM_S + 2 * SIM_MS);
    ck_assert_int_eq(controller_info(ctl(&sc), 0).master, 2);   /* brokerId 2 against broker-a-0's 3 */
    ck_assert_int_eq(controller_info(ctl(&sc), 0).master_epoch, 2);
    scenario_free(&sc);
}
END_TEST

/* ControllerManager.triggerElectMaster under a group: each attempt is a job of the leader's EventScheduler.
 * The slaves are cut off from the master (broker-a-1, the first to register) at 10 s and leave its
 * SyncStateSet; its process dies at 40 s and nobody qualifies (unclean election off): three attempts, each an
 * ElectMasterEvent(false) committed in turn (masterEpoch 1 -> 4 within milliseconds); the restarted master's
 * brokerElect makes it 5. */
START_TEST(failed_election_retried_under_group)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(3, NULL, "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": "
                                       "[\"broker-a-1\"], \"b\": [\"broker-a-0\", \"broker-a-2\"]}, {\"at_ms\": "
                                       "40000, \"op\": \"crash_process\", \"node\": \"broker-a-1\", "
                                       "\"duration_ms\": 30000}]"), NULL, 0);
    th_run_to(&sc, 39 * SIM_S);
    ck_assert_int_eq(controller_info(ctl(&sc), 0).master, 1);
    ck_assert_int_eq(controller_info(ctl(&sc), 0).master_epoch, 1);
    th_run_to(&sc, 41 * SIM_S);
    ck_assert_int_eq(controller_info(ctl(&sc), 0).master, -1);
    ck_assert_int_eq(controller_info(ctl(&sc), 0).master_epoch, 4);
    th_run_to(&sc, 80 * SIM_S);
    ck_assert_int_eq(controller_info(ctl(&sc), 0).master, 1);
    ck_assert_int_eq(controller_info(ctl(&sc), 0).master_epoch, 5);
    scenario_free(&sc);
}
END_TEST

/* The leading controller is cut off one way (it hears, nobody hears it) from 92.169 s to 99.069 s. The brokers'
 * replica-info polls to it time out and close their channels (97.0 s), so it finds the master, broker-a-1, inactive
 * and appends an election it cannot commit. It steps down at 97.15 s: DLedger answers none of its pending appends
 * then (the QuorumAckChecker works only on a leader), and the step-down drops the jobs (stopScheduling), so no
 * retry (triggerElectMaster) is appended. The other two split their votes until the heal; it leads again
 * (99.09 s) and its first entry commits an election: epoch 2 of broker-a-2, an in-sync replica with the lower
 * brokerId of the two slaves (2: broker-a-0 registered last, 3; it was broker-a-0 at 99.11 s while the
 * brokerIds were the replicas' places), traced by the leader that commits it. broker-a-1 serves on at epoch 1
 * with its SyncStateSet of three, all-ack, until its poll names the new master (104.52 s; a slave keeps its
 * brokerId, 1): every message it acknowledged is on the new master, nothing to cut off, nothing lost. A
 * stepping-down leader that appended the retries (two elections of nobody) had made epoch 4 master-less;
 * broker-a-1 took that answer's SyncStateSet {broker-a-0}, acknowledged three sends alone, and lost them to the
 * election that followed. */
START_TEST(leader_stepping_down_appends_nothing)
{
    struct th_run r;
    th_run(&r,
           th_ctl_explore(13, "\"all_ack_in_sync_state_set\": true, \"flush\": \"SYNC_FLUSH\"",
                          "{\"at_ms\": 92169, \"a\": [\"controller-0\"], \"op\": \"partition\", \"b\": "
                          "[\"controller-1\", \"controller-2\", \"ns-0\", \"broker-a-0\", \"broker-a-1\", "
                          "\"broker-a-2\"], \"oneway\": true, \"duration_ms\": 6900}",
                          134490),
           NULL, 0);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"controller-0\",\"ev\":\"controller.inactive\"",
                              "\"why\":\"channel_closed\"", 97000, 97100), 3);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"controller-0\",\"ev\":\"controller.raft_role\"", "\"candidate\"",
                              97100, 97200), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"controller-0\",\"ev\":\"controller.raft_role\"", "\"leader\"",
                              99069, 99200), 1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"controller.no_master\"", NULL, 0, 1e300), 0);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"controller.elect\"", NULL, 2000, 1e300), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"controller-0\",\"ev\":\"controller.elect\"",
                              "\"master\":\"broker-a-2\",\"epoch\":2,", 99069, 99200), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"broker.role\"",
                              "\"role\":\"SLAVE\",\"id\":1,\"epoch\":2,", 99069, 110000), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-2\",\"ev\":\"broker.role\"",
                              "\"role\":\"SYNC_MASTER\",\"id\":0,\"epoch\":2,", 99069, 110000), 1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"broker.truncate\"", NULL, 0, 1e300), 0);
    ck_assert_double_eq(th_num(r.m, "messages.acked_lost"), 0);
    ck_assert_double_eq(th_num(r.m, "messages.acked"), th_num(r.m, "messages.consumed"));
    th_run_free(&r);
}
END_TEST

/* At 60 s, the leading controller cut off from the other two (not from the brokers) just after one of its
 * heartbeat rounds succeeded; *cut is that moment. */
static struct controller *leader_cut_off(struct scenario *sc, sim_time *cut)
{
    th_run_to(sc, 60 * SIM_S);
    struct controller *c0 = ctl(sc), *l = NULL;
    for (int k = 0; k < controller_count(c0); k++)
        if (c0->members[k]->raft->role == RAFT_LEADER)
            l = c0->members[k];
    ck_assert_ptr_nonnull(l);
    sim_time round = l->raft->last_succ_heartbeat;
    while (l->raft->last_succ_heartbeat == round)
        th_run_to(sc, sim_now(sc->sim) + 1 * SIM_MS);
    *cut = sim_now(sc->sim);
    for (int k = 0; k < controller_count(c0); k++)
        if (c0->members[k] != l) {
            sim_link_cut(sc->sim, l->n->id, c0->members[k]->n->id, 1);
            sim_link_cut(sc->sim, c0->members[k]->n->id, l->n->id, 1);
        }
    return l;
}

/* The active controller cut off from the other two (not from the brokers) just after a heartbeat round that
 * succeeded stays leader until its rounds have failed for 6 s; the master's process dies 0.5 s after the cut
 * and the election it appends cannot commit. DLedgerController.appendToDLedgerAndWait waits 5 s for it
 * (get(5, SECONDS); a state machine is registered, so the member fails no append after maxWaitAckTimeMs):
 * one retry (triggerElectMaster) is appended 5 s after the first, none at 2.5 s. */
START_TEST(controller_append_waits_five_seconds)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(3, NULL, NULL), NULL, 0);
    struct controller *c0 = ctl(&sc);
    sim_time cut;
    struct controller *l = leader_cut_off(&sc, &cut);
    int m = controller_info(c0, 0).master;
    ck_assert_int_ge(m, 0);
    th_run_to(&sc, cut + 500 * SIM_MS);
    int64_t end = raft_end(l->raft);
    sim_crash(sc.sim, rmq_world_get(sc.w)->g[0].node[m], SIM_CRASH_PROCESS);
    th_run_to(&sc, cut + 600 * SIM_MS);
    ck_assert_int_eq(raft_end(l->raft), end + 1);   /* the election, appended */
    th_run_to(&sc, cut + 5450 * SIM_MS);
    ck_assert_int_eq(l->raft->role, RAFT_LEADER);
    ck_assert_int_eq(raft_end(l->raft), end + 1);   /* still waiting: no retry at 2.5 s */
    th_run_to(&sc, cut + 5700 * SIM_MS);
    ck_assert_int_eq(l->raft->role, RAFT_LEADER);
    ck_assert_int_eq(raft_end(l->raft), end + 2);   /* the retry, 5 s after */
    scenario_free(&sc);
}
END_TEST

/* What the brokers hear from one controller after a moment: the times of its answers other than SUCCESS. */
static struct {
    sim_node_id from;
    sim_time since;
    int n;
    sim_time at[16];
    const struct sim_node_ops *ops[RMQ_MAX_REPLICAS];
    struct sim_node_ops wrap[RMQ_MAX_REPLICAS];
} heard;

static void hearing(struct sim_node *n, const struct sim_msg *m)
{
    const struct rpc_hdr *h = m->data;
    if (m->from == heard.from && node_now(n) >= heard.since && m->len >= sizeof *h && (h->flags & RPC_RESPONSE) &&
        h->code != RMQ_SUCCESS && heard.n < 16)
        heard.at[heard.n++] = node_now(n);
    heard.ops[((struct broker *)n->model)->replica]->on_message(n, m);
}

/* stopScheduling (EventScheduler.shutdown(true)) interrupts the job running, and ControllerRequestProcessor
 * answers it SYSTEM_ERROR at once (its future cancelled); the jobs queued behind it never run, and their
 * processor threads answer only after WAIT_TIMEOUT_OUT (5 s), when the broker's 3 s invokeSync has given up.
 * The leading controller cut off from the other two (not from the brokers) after a heartbeat round, the
 * master's process crashed 1.5 s later: the election the leader appends cannot commit, and both slaves'
 * elections (brokerElect) queue behind it. It steps down 6 s after the cut and answers them nothing (both were
 * answered CONTROLLER_NOT_LEADER 1 ms later, before); what they ask it afterwards it answers NOT_LEADER. */
START_TEST(stepping_down_leaves_queued_requests_unanswered)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(3, NULL, NULL), NULL, 0);
    struct controller *c0 = ctl(&sc);
    sim_time cut;
    struct controller *l = leader_cut_off(&sc, &cut);
    struct rmq_world *w = rmq_world_get(sc.w);
    heard.from = l->n->id;
    heard.n = 0;
    for (int r = 0; r < 3; r++) {
        struct sim_node *n = sim_node(sc.sim, w->g[0].node[r]);
        heard.ops[r] = n->ops;
        heard.wrap[r] = *n->ops;
        heard.wrap[r].on_message = hearing;
        n->ops = &heard.wrap[r];
    }
    th_run_to(&sc, cut + 1500 * SIM_MS);
    sim_crash(sc.sim, w->g[0].node[controller_info(c0, 0).master], SIM_CRASH_PROCESS);
    while (l->raft->role == RAFT_LEADER && sim_now(sc.sim) < cut + 10 * SIM_S)
        th_run_to(&sc, sim_now(sc.sim) + 1 * SIM_MS);
    ck_assert_int_ne(l->raft->role, RAFT_LEADER);
    sim_time down = sim_now(sc.sim);
    ck_assert_int_ge(down, cut + 5 * SIM_S);
    ck_assert_uint_eq(l->job_n, 0);
    heard.since = down - 1 * SIM_MS;
    th_run_to(&sc, cut + 10 * SIM_S);
    ck_assert_int_ge(heard.n, 1);
    for (int i = 0; i < heard.n; i++)
        ck_assert_int_ge(heard.at[i], down + 1 * SIM_S);
    for (int r = 0; r < 3; r++)
        sim_node(sc.sim, w->g[0].node[r])->ops = heard.ops[r];
    scenario_free(&sc);
}
END_TEST

/* scanNotActiveBroker closes an expired broker's channel (RemotingHelper.closeChannel). broker-a-1, a slave,
 * paused from 20 s to 40 s, is expired by the scan (heartbeats 10 s old, a scan every 5 s) and its channel
 * closed: the close reaches it when it wakes, and its next heartbeat comes on a new channel, which the table
 * takes (the broker had left it). Without the close it heartbeated on the old channel, which the table took
 * again. */
START_TEST(expired_broker_channel_closed)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, NULL, "\"faults\": [{\"at_ms\": 20000, \"op\": \"pause\", \"node\": "
                                       "\"broker-a-1\", \"duration_ms\": 20000}]"), NULL, 0);
    th_run_to(&sc, 19 * SIM_S);
    struct controller *c = ctl(&sc);
    const struct ctl_replica *x = &c->g[0].r[1];
    ck_assert_int_eq(x->active, 1);
    sim_conn before = x->conn;
    ck_assert_int_eq(node_conn_open(c->n, before), 1);
    th_run_to(&sc, 36 * SIM_S);
    ck_assert_int_eq(x->active, 0);
    ck_assert_int_eq(node_conn_open(c->n, before), 0);
    th_run_to(&sc, 45 * SIM_S);
    ck_assert_int_eq(x->active, 1);
    ck_assert_uint_ne(x->conn, before);
    ck_assert_int_eq(node_conn_open(c->n, x->conn), 1);
    scenario_free(&sc);
}
END_TEST

/* An answer that names no master at a newer epoch (the controllers' ElectMasterEvent(false) after their
 * election found nobody) changes nothing on a broker, master or slave: its role, master, epochs and
 * SyncStateSet stay (ReplicasManager.changeBrokerRole wants a master id; schedulingSyncBrokerMetadata only asks
 * for an election). A master that took the answer's SyncStateSet {one slave} would acknowledge under
 * allAckInSyncStateSet what that slave alone holds, or what nobody else holds. */
START_TEST(masterless_answer_changes_nothing)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, ", \"all_ack_in_sync_state_set\": true", NULL), NULL, 0);
    th_run_to(&sc, 10 * SIM_S);
    struct rmq_world *w = rmq_world_get(sc.w);
    struct ctl_info now = th_ctl_info(&sc);
    ck_assert_int_eq(now.sss, 7);
    for (int r = 0; r < 3; r++) {
        struct broker *b = w->g[0].broker[r];
        struct ctl_info before = b->ctl->info;
        enum rmq_role role = broker_role(b);
        sim_node_id master = b->master;
        int other = (now.master + 1) % 3;   /* a slave: the SyncStateSet of one the answer names */
        /* at the broker's own epoch: nothing to ask; at a newer one: one election request */
        struct ctl_info same = {0, -1, before.master_epoch, before.sss_epoch + 1, 1u << other};
        uint32_t inflight = b->rpc.inflight;
        ctl_on_reply(b, BR_CTL | CTL_TAG_INFO, RMQ_SUCCESS, &same, sizeof same);
        ck_assert_uint_eq(b->rpc.inflight, inflight);
        struct ctl_info none = {0, -1, now.master_epoch + 3, now.sss_epoch + 1, 1u << other};
        ctl_on_reply(b, BR_CTL | CTL_TAG_INFO, RMQ_SUCCESS, &none, sizeof none);
        ck_assert_uint_eq(b->rpc.inflight, inflight + 1);
        ck_assert_int_eq(b->ctl->info.master, before.master);
        ck_assert_int_eq(b->ctl->info.master_epoch, before.master_epoch);
        ck_assert_int_eq(b->ctl->info.sss_epoch, before.sss_epoch);
        ck_assert_uint_eq(b->ctl->info.sss, before.sss);
        ck_assert_int_eq(broker_role(b), role);
        ck_assert_uint_eq(b->master, master);
    }
    /* the elections they asked for find the master alive (CONTROLLER_MASTER_STILL_EXIST): nothing moves */
    th_run_to(&sc, 20 * SIM_S);
    ck_assert_int_eq(th_ctl_info(&sc).master, now.master);
    ck_assert_int_eq(th_ctl_info(&sc).master_epoch, now.master_epoch);
    ck_assert_int_eq(th_ctl_role(&sc, now.master), RMQ_SYNC_MASTER);
    scenario_free(&sc);
}
END_TEST


/* A whole run over a group is deterministic: the same seed twice gives the same controller and broker
 * history. */
START_TEST(group_run_is_deterministic)
{
    int64_t out[2][4];
    for (int k = 0; k < 2; k++) {
        struct scenario sc;
        th_load(&sc, th_ctl_world(3, NULL, "\"faults\": [{\"at_ms\": 20000, \"op\": \"crash_host\", \"node\": \"controller-0\","
                                " \"duration_ms\": 30000}, {\"at_ms\": 25000, \"op\": \"crash_process\","
                                " \"node\": \"@master:broker-a\"}]"), NULL, 0);
        th_run_to(&sc, 120 * SIM_S);
        struct rmq_world *w = rmq_world_get(sc.w);
        out[k][0] = (int64_t)w->rep.acct.acked;
        out[k][1] = w->rep.g[0].elected;
        out[k][2] = controller_info(ctl(&sc), 0).master_epoch;
        out[k][3] = controller_leader(ctl(&sc));
        scenario_free(&sc);
    }
    ck_assert_mem_eq(out[0], out[1], sizeof out[0]);
}
END_TEST

/* DefaultElectPolicy's order on one controller: the master's process crashes at 20.5 s (its channel
 * closes, the election runs at 20.501 s). The slaves' last heartbeats (20.001 s) are made to report, as a
 * heartbeat carries them, broker-a-1 at epoch 3 with a short log and broker-a-2 at epoch 2 with a long
 * one: the higher epoch wins over the longer log. The other way round, broker-a-2 wins over the lower
 * brokerId. */
static void epoch_rule_case(int first)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, NULL, "\"faults\": [{\"at_ms\": 20500, \"op\": \"crash_process\", \"node\": \"broker-a-0\"}]"), NULL, 0);
    th_run_to(&sc, 20500 * SIM_MS);
    struct controller *c = ctl(&sc);
    ck_assert_int_eq(controller_info(c, 0).master, 0);
    ck_assert_uint_eq(controller_info(c, 0).sss, 7);
    int hi = first ? 1 : 2, lo = first ? 2 : 1;
    c->g[0].r[hi].epoch = 3;
    c->g[0].r[hi].max_offset = 1000;
    c->g[0].r[lo].epoch = 2;
    c->g[0].r[lo].max_offset = 1000000;
    th_run_to(&sc, 20502 * SIM_MS);
    ck_assert_int_eq(rmq_world_get(sc.w)->rep.g[0].elected, 20501 * SIM_MS);
    ck_assert_int_eq(controller_info(c, 0).master, hi);
    ck_assert_int_eq(controller_info(c, 0).master_epoch, 2);
    scenario_free(&sc);
}

START_TEST(election_highest_epoch_before_offset) { epoch_rule_case(1); }
END_TEST
START_TEST(election_highest_epoch_before_broker_id) { epoch_rule_case(0); }
END_TEST

/* confirmOffset on a controller-mode master with allAckInSyncStateSet: broker-a-1 is cut off from the
 * master at 10 s but stays in the SyncStateSet (connected in TCP's eyes) until the master gives the
 * connection up at 30 s. Its ack stops, so the confirm offset stops: consumers read nothing stored after it
 * (the puts time out FLUSH_SLAVE_TIMEOUT but are on the master), then catch up once the set is {0, 2}. */
START_TEST(confirm_offset_limits_consumers)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, ", \"all_ack_in_sync_state_set\": true",
                         "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], \"b\": [\"broker-a-1\"]}]"), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 11 * SIM_S);
    uint64_t consumed = w->rep.acct.consumed;
    struct broker *m = w->g[0].broker[0];
    th_run_to(&sc, 27 * SIM_S);
    ck_assert_int_eq(broker_role(m), RMQ_SYNC_MASTER);
    ck_assert_uint_eq(controller_info(ctl(&sc), 0).sss, 7);
    ck_assert_uint_eq(w->rep.acct.consumed, consumed);   /* nothing new readable for 16 s */
    uint64_t hidden = 0;
    for (int q = 0; q < 4; q++)
        hidden += cl_next_qoff(broker_log(m), q) - broker_visible_qoff(m, q);
    ck_assert_uint_gt(hidden, 500);   /* stored on the master, above the confirm offset */
    th_run_to(&sc, 35 * SIM_S);
    ck_assert_uint_eq(controller_info(ctl(&sc), 0).sss, 5);
    ck_assert_uint_gt(w->rep.acct.consumed, consumed + 1000);
    for (int q = 0; q < 4; q++)
        ck_assert_uint_ge(broker_visible_qoff(m, q) + 50, cl_next_qoff(broker_log(m), q));
    scenario_free(&sc);
}
END_TEST

/* Controller and broker crashes over seeds with lognormal links and allAckInSyncStateSet: one master an
 * epoch, epochs only grow, no acknowledged message lost; and the group ends with an active controller, a
 * master, and the same metadata on every member. */
START_TEST(invariants_over_seeds)
{
    char faults[1024], text[8192];
    snprintf(faults, sizeof faults,
        "\"faults\": [{\"at_ms\": 15000, \"op\": \"crash_host\", \"node\": \"controller-%d\", \"duration_ms\": 15000},"
        " {\"at_ms\": 25000, \"op\": \"crash_process\", \"node\": \"@master:broker-a\", \"duration_ms\": 10000},"
        " {\"at_ms\": 50000, \"op\": \"crash_host\", \"node\": \"controller-%d\", \"duration_ms\": 20000},"
        " {\"at_ms\": 55000, \"op\": \"crash_host\", \"node\": \"@master:broker-a\", \"duration_ms\": 20000},"
        " {\"at_ms\": 100000, \"op\": \"crash_process\", \"node\": \"controller-%d\", \"duration_ms\": 5000}]",
        _i % 3, (_i + 1) % 3, (_i + 2) % 3);
    snprintf(text, sizeof text, "%s", th_ctl_world(3, ", \"all_ack_in_sync_state_set\": true", faults));
    char *lat = strstr(text, "{\"const_ms\": 1}");
    ck_assert_ptr_nonnull(lat);
    char seeded[8192];
    snprintf(seeded, sizeof seeded, "%.*s{\"dist\": \"lognormal\", \"median_ms\": 0.5, \"sigma\": 0.5}%s",
             (int)(lat - text), text, lat + strlen("{\"const_ms\": 1}"));
    char *sd = strstr(seeded, "\"seed\": 3");
    ck_assert_ptr_nonnull(sd);
    sd[8] = (char)('0' + _i);
    struct scenario sc;
    th_load(&sc, seeded, NULL, 0);
    th_run_to(&sc, 150 * SIM_S);
    cJSON *root = cJSON_CreateObject();
    sc.world->metrics(sc.w, &sc, root);
    cJSON_Delete(root);
    struct rmq_world *w = rmq_world_get(sc.w);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    ck_assert_uint_gt(w->rep.invariant_checks, 2);
    ck_assert_int_ge(controller_leader(ctl(&sc)), 0);
    ck_assert_int_ge(controller_info(ctl(&sc), 0).master, 0);
    ck_assert_int_ge(controller_info(ctl(&sc), 0).master_epoch, 3);
    members_agree(&sc, -1);   /* every member up again and caught up */
    scenario_free(&sc);
}
END_TEST

/* A broker keeps the channel it entered the live table on (DefaultBrokerHeartbeatManager.onBrokerHeartbeat
 * sets it only when prev == null). controller_explore with one controller, brokers and the controller as
 * targets, seed 3 shrunk: controller-0 cut off from 96.461 s to 112.861 s. The brokers' requests time out and
 * they close their channels, whose heartbeats and FINs TCP holds; the scan expires all three at 107 s, the
 * heartbeats on new channels bring them back and broker-a-0 is elected again at 118.0 s; the old channels'
 * heartbeats and FINs arrive at 122.4 s. Before, every heartbeat made its channel the broker's, so the late
 * ones re-pointed the entries and their FINs removed broker-a-2 and then the live master broker-a-0 (elections
 * at 122.4 s and 123.7 s, a truncated master answering 120 waiting puts SUCCESS: acked_message_lost). */
START_TEST(late_heartbeat_on_a_closed_channel_removes_nobody)
{
    struct th_run r;
    th_run(&r,
           "{\"name\": \"t\", \"version\": \"5.3\","
           " \"run\": {\"duration_ms\": 240000, \"sample_ms\": 1000, \"seed\": 3},"
           " \"nameservers\": {\"count\": 1}, \"controllers\": {\"count\": 1},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\","
           " \"all_ack_in_sync_state_set\": true, \"flush\": \"SYNC_FLUSH\"}],"
           " \"producers\": {\"count\": 1, \"rate_per_s\": 200, \"size\": {\"const_bytes\": 512}, \"start_ms\": 5000},"
           " \"consumers\": {\"count\": 1, \"start_ms\": 5000, \"consume_from_where\": \"first_offset\"},"
           " \"operator\": {\"enabled\": false},"
           " \"faults\": [{\"at_ms\": 95589, \"op\": \"pause\", \"node\": \"broker-a-1\", \"duration_ms\": 2719},"
           " {\"at_ms\": 96461, \"op\": \"partition\", \"a\": [\"controller-0\"],"
           " \"b\": [\"broker-a-0\", \"broker-a-1\", \"broker-a-2\", \"ns-0\"], \"duration_ms\": 16400}]}",
           NULL, 0);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"controller.inactive\"", "\"why\":\"timeout\"", 107000, 107001), 3);
    ck_assert_double_eq(th_first(r.trace, "\"ev\":\"controller.elect\"", "\"epoch\":5", 100000), 118002.250096);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"controller.inactive\"", "\"why\":\"channel_closed\"", 0, 1e300), 0);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"controller.elect\"", NULL, 118003, 1e300), 0);
    ck_assert_double_eq(th_num(r.m, "messages.acked_lost"), 0);
    ck_assert_double_eq(th_num(r.m, "messages.acked"), 47000);
    th_run_free(&r);
}
END_TEST

static Suite *group_suite(void)
{
    Suite *s = suite_create("controller_group");
    TCase *tc = tcase_create("group");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, group_elects_and_replicates);
    tcase_add_test(tc, leader_crash_new_leader_takes_over);
    tcase_add_test(tc, master_crash_while_controller_leader_down);
    tcase_add_test(tc, master_process_crash_while_controller_leader_down);
    tcase_add_test(tc, failed_election_retried_under_group);
    tcase_add_test(tc, leader_stepping_down_appends_nothing);
    tcase_add_test(tc, stepping_down_leaves_queued_requests_unanswered);
    tcase_add_test(tc, expired_broker_channel_closed);
    tcase_add_test(tc, controller_append_waits_five_seconds);
    tcase_add_test(tc, masterless_answer_changes_nothing);
    tcase_add_test(tc, group_run_is_deterministic);
    tcase_add_test(tc, election_highest_epoch_before_offset);
    tcase_add_test(tc, election_highest_epoch_before_broker_id);
    tcase_add_test(tc, confirm_offset_limits_consumers);
    tcase_add_test(tc, late_heartbeat_on_a_closed_channel_removes_nobody);
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("invariants");
    tcase_set_timeout(tl, 300);
    tcase_add_loop_test(tl, invariants_over_seeds, 1, 7);
    suite_add_tcase(s, tl);
    return s;
}

int main(void)
{
    return th_run_suite(group_suite());
}
