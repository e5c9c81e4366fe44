/* test_controller_epoch: the epoch file and the slave's handshake in controller mode (AutoSwitchHAService,
 * AutoSwitchHAClient, EpochFileCache). A master whose host dies and comes back before the controller notices
 * (its heartbeats are not yet 10 s old) is master again under the same epoch, and changeToMaster restarts
 * that epoch at the end of the log it recovered (truncateSuffixByEpoch, then appendEntry(epoch,
 * getMaxPhyOffset())). Its slaves, which hold what its page cache lost, have the epoch from its old start:
 * every handshake (one a connection) finds no epoch begun at the same offset on both sides
 * (findConsistentPoint), so they transfer nothing from it, where before they resumed from their own end on
 * a log that had parted from the master's: each closes its connection and tries again 7 s later (doTruncate
 * failed: waitForRunning(2 s), then closeMasterAndWait, 5 s), and the master never takes one (it counts a
 * slave's connection from its first report, which comes after the handshake). And what the master delivered before its fsync is gone from its
 * rebuilt ConsumeQueue: controller mode bounds the dispatch by the SyncStateSet's acks, not by the flush
 * (CommitLog.getConfirmOffset), so the consumer, already past that queue offset, skips the message that
 * takes it (controller_explore.json, seed 24, shrunk). */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "models/broker/broker_ctl_int.h"
#include "tests/harness.h"
#include "tests/harness_ctl.h"

/* One controller-mode group of three at 200 msg/s, the operator off: the two tests below add their faults. */
#define EPOCH_WORLD                                                                                              \
    "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 120000, \"seed\": 1},"                    \
    " \"nameservers\": {\"count\": 1}, \"controllers\": {\"count\": 1},"                                         \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\"}],"                           \
    " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 1024}, \"start_ms\": 5000},"              \
    " \"consumers\": {\"count\": 1, \"start_ms\": 5000}, \"operator\": {\"enabled\": false},"

START_TEST(restarted_master_same_epoch_no_consistent_point)
{
    struct th_run r;
    th_run(&r,
           EPOCH_WORLD
           " \"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"@master:broker-a\", \"duration_ms\": 4000}]}",
           NULL, 0);
    /* broker-a-2, master at epoch 1 from the start, is master at epoch 1 again when it comes back */
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-2\",\"ev\":\"broker.role\"", "\"epoch\":1", 64000, 64002), 1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"controller.elect\"", NULL, 1000, 1e300), 0);
    /* both slaves try and fail, again and again, 7 s apart, and never transfer */
    for (int i = 0; i < 2; i++) {
        char node[64];
        snprintf(node, sizeof node, "\"node\":\"broker-a-%d\",\"ev\":\"broker.no_consistent_point\"", i);
        double t = th_first(r.trace, node, NULL, 64000);
        ck_assert_double_gt(t, 64000);
        ck_assert_int_eq(th_count(r.trace, node, NULL, t - 1, t + 7000 - 1), 1);
        ck_assert_int_eq(th_count(r.trace, node, NULL, t + 7000 - 1, t + 7000 + 5), 1);
    }
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-2\",\"ev\":\"ha.accept\"", NULL, 64000, 1e300), 0);
    ck_assert_double_eq(th_num(r.m, "groups.0.diverged_msgs"), 0);
    /* the messages its page cache lost were acknowledged (ASYNC_FLUSH, allAckInSyncStateSet off) */
    ck_assert_double_gt(th_num(r.m, "messages.acked_lost"), 0);
    th_run_free(&r);
}
END_TEST

/* A failover ends at its first write: the same master back under epoch 1 at 64.0 s ends the first crash's
 * failover (downtime 4.0 s, promoted: broker-a-2 registering as master again). The second crash, of its host
 * at 90 s for 15 s, is found by the controller's scan at 102 s (its heartbeats 10 s old) and broker-a-2 is
 * elected again at epoch 5 when it is back at 105 s, but that is not the first crash's detection or election:
 * both stay null (controller_explore with version 4.9 at seed 10021 put the detection of a crash 55 s after
 * the first at 106.7 s into the first's failover, after its 4.0 s downtime). A crash of its process would
 * not be found at all: the controller holds the channel broker-a-2 entered its table on, the one its host's
 * crash left dead, and the process's new one closing matches no entry (onBrokerChannelClose); the process is
 * back, and heartbeats, before the scan finds it old. */
START_TEST(failover_ends_at_its_first_write)
{
    struct th_run r;
    th_run(&r,
           EPOCH_WORLD
           " \"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"@master:broker-a\","
           " \"duration_ms\": 4000},"
           " {\"at_ms\": 90000, \"op\": \"crash_host\", \"node\": \"@master:broker-a\", \"duration_ms\": 15000}]}",
           NULL, 0);
    const char *role = "\"node\":\"broker-a-2\",\"ev\":\"broker.role\"";
    ck_assert_int_eq(th_count(r.trace, role, "\"epoch\":1,", 64000, 64002), 1);
    ck_assert_int_eq(
        th_count(r.trace, "\"ev\":\"controller.inactive\"", "\"broker\":\"broker-a-2\",\"why\":\"timeout\"", 102000,
                 102001),
        1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"controller.elect\"", "\"master\":\"broker-a-2\",\"epoch\":5,",
                              105001, 105002), 1);
    ck_assert_double_eq_tol(th_num(r.m, "groups.0.failover.crash_ms"), 60000, 1e-9);
    ck_assert_double_eq_tol(th_num(r.m, "groups.0.failover.promoted_ms"), 64001.101363, 1e-6);
    ck_assert_double_eq_tol(th_num(r.m, "groups.0.failover.first_write_ms"), 64001.445657, 1e-6);
    ck_assert_double_eq_tol(th_num(r.m, "groups.0.failover.downtime_ms"), 4001.445657, 1e-6);
    ck_assert_str_eq(th_at(r.m, "groups.0.failover.new_master")->valuestring, "broker-a-2");
    ck_assert(cJSON_IsNull(th_at(r.m, "groups.0.failover.detected_ms")));
    ck_assert(cJSON_IsNull(th_at(r.m, "groups.0.failover.elected_ms")));
    th_run_free(&r);
}
END_TEST

/* The last change to master before the first write, from the trace: a broker.role with brokerId 0, the
 * master's that took it. */
struct last_role {
    double before, last;
};

static void last_role_line(const char *line, void *arg)
{
    struct last_role *l = arg;
    double t = th_field(line, "\"t_ms\":", -1);
    if (t < l->before && th_has(line, "\"id\":0,"))
        l->last = t;
}

static double last_promotion_before(const char *trace, double first_write)
{
    struct last_role l = {first_write, -1};
    th_each(trace, "\"ev\":\"broker.role\"", last_role_line, &l);
    return l.last;
}

/* A master back under its own epoch that served nothing does not end the failover, and is not its promotion
 * (controller_explore.json, seed 11143, shrunk to two faults): broker-a-0's host dies at 26.76 s and is back
 * at 35.762 s, master again under epoch 1 at 35.763 s, before the controller's scan found its heartbeat old;
 * the producer, whose connect to the dead host was still pending, never reaches it before its process dies at
 * 36.335 s. The controller does not find that death: it holds the channel broker-a-0 entered its table on,
 * which the host's crash left dead, and the process's new channel closing matches no entry
 * (DefaultBrokerHeartbeatManager.onBrokerChannelClose); the process is back at 38.907 s, heartbeats before
 * the scan finds it old, is master again under epoch 1 at 39.008 s, and the first write is acknowledged 2.9 ms
 * later: that is the promotion, not the return at 35.763 s, which left 3.2 s of "route refresh" that never
 * happened. (Before the controller kept a broker's first channel, the process's death was found at once and
 * broker-a-0 elected again at epoch 5, master at 39.009 s.) */
START_TEST(promotion_is_the_master_that_took_the_first_write)
{
    struct th_run r;
    th_run(&r,
           th_ctl_explore(11143, "\"all_ack_in_sync_state_set\": true, \"flush\": \"SYNC_FLUSH\"",
                          "{\"at_ms\": 26760, \"op\": \"crash_host\", \"node\": \"@master:broker-a\","
                          " \"duration_ms\": 9002},"
                          " {\"at_ms\": 36335, \"op\": \"crash_process\", \"node\": \"@master:broker-a\","
                          " \"duration_ms\": 2572}", 148391),
           NULL, 0);
    const char *role = "\"node\":\"broker-a-0\",\"ev\":\"broker.role\"";
    ck_assert_int_eq(th_count(r.trace, role, "\"id\":0,\"epoch\":1,", 35763, 35764), 1);
    /* nothing reached it as master of epoch 1: no write, no pull */
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"send.ack\"", NULL, 26760, 39010), 0);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"pull.serve\"", NULL, 35762, 36335), 0);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"controller.inactive\"", NULL, 26760, 80000), 0);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"controller.elect\"", NULL, 26760, 80000), 0);
    ck_assert_int_eq(th_count(r.trace, role, "\"id\":0,\"epoch\":1,", 39008, 39009), 1);
    double first = th_num(r.m, "groups.0.failover.first_write_ms");
    ck_assert_double_eq_tol(first, 39011.013725, 1e-6);
    ck_assert(cJSON_IsNull(th_at(r.m, "groups.0.failover.detected_ms")));
    ck_assert(cJSON_IsNull(th_at(r.m, "groups.0.failover.elected_ms")));
    ck_assert_double_eq_tol(th_num(r.m, "groups.0.failover.promoted_ms"), 39008.099455, 1e-6);
    ck_assert_double_eq(th_num(r.m, "groups.0.failover.promoted_ms"), last_promotion_before(r.trace, first));
    ck_assert_str_eq(th_at(r.m, "groups.0.failover.new_master")->valuestring, "broker-a-0");
    th_run_free(&r);
}
END_TEST

START_TEST(delivered_before_fsync_then_skipped)
{
    struct th_run r;
    th_run_exit(&r,
                th_ctl_explore(24, "\"all_ack_in_sync_state_set\": true, \"flush\": \"SYNC_FLUSH\"",
                               "{\"at_ms\": 62847, \"op\": \"crash_host\", \"node\": \"@master:broker-a\","
                               " \"duration_ms\": 7655}", 134579),
                NULL, 0, 1);
    /* message 11569: sent at 62.845 s, delivered at 62.846 s, lost with the host at 62.847 s unflushed */
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"consume\",\"msg\":11569,", NULL, 62845, 62847), 1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"send.fail\",\"msg\":11569,", "\"status\":\"TIMEOUT\"", 0, 1e300), 1);
    /* the master (broker-a-2) is back under epoch 1; message 12772, sent at 68.86 s and acknowledged at
     * 71.849 s on its second attempt, is never delivered */
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"broker.role\"", "\"epoch\":1,\"max_offset\":7311608", 70502, 70504), 1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"send.ack\",\"msg\":12772,", NULL, 71848, 71850), 1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"consume\",\"msg\":12772,", NULL, 0, 1e300), 0);
    ck_assert_str_eq(th_at(r.m, "invariants.violations.0.invariant")->valuestring, "acked_not_consumed");
    ck_assert_double_eq(th_num(r.m, "messages.acked_unconsumed"), 1);
    ck_assert_double_eq(th_num(r.m, "messages.acked_lost"), 0);
    th_run_free(&r);
}
END_TEST

/* allAckInSyncStateSet does not cover it under ASYNC_FLUSH, RocketMQ's default (controller_explore.json with
 * groups[0].flush=ASYNC_FLUSH, seed 9, shrunk): the master's host (broker-a-1, the first to register) is down
 * from 44.319 s to 46.247 s. Back as master at epoch 1, its first SyncStateSet check
 * (ReplicasManager.changeToMaster, then checkSyncStateSetAndDoReport: maybeShrinkSyncStateSet) drops both
 * slaves, which have no connection with it yet, so it acknowledges alone from then on; the slaves, holding
 * the 64 acknowledged messages its page cache lost, find no consistent point with it at every handshake to
 * the end of the run. */
START_TEST(all_ack_async_flush_master_back_alone)
{
    struct th_run r;
    th_run_exit(&r,
                th_ctl_explore(9, "\"all_ack_in_sync_state_set\": true, \"flush\": \"ASYNC_FLUSH\"",
                               "{\"at_ms\": 44319, \"op\": \"crash_host\", \"node\": \"@master:broker-a\","
                               " \"duration_ms\": 1928}", 144556),
                NULL, 0, 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"broker.role\"", "\"epoch\":1,", 46247, 46250), 1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"controller.elect\"", NULL, 44319, 1e300), 0);
    /* every send from 50 s on is acknowledged, by the master alone: no slave connects again */
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"send.ack\"", NULL, 50000, 240000), 190 * 200);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"ha.accept\"", NULL, 44319, 1e300), 0);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"ha.transfer\"", NULL, 44319, 1e300), 0);
    ck_assert_int_ge(th_count(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"broker.no_consistent_point\"", NULL, 230000, 1e300), 1);
    ck_assert_int_ge(th_count(r.trace, "\"node\":\"broker-a-2\",\"ev\":\"broker.no_consistent_point\"", NULL, 230000, 1e300), 1);
    ck_assert_double_eq(th_num(r.m, "messages.acked_lost"), 64);
    ck_assert_str_eq(th_at(r.m, "invariants.violations.1.invariant")->valuestring, "acked_message_lost");
    th_run_free(&r);
}
END_TEST

/* inSyncReplicas 2 with all-ack off: the master's host dies at 27.061 s and is back at 38.72 s, master again
 * under epoch 1 before the controller's scan found its heartbeat expired. Its SYNC_FLUSH log lost the
 * replicated but unflushed tail its slaves hold, so their handshakes find no consistent point for the rest of
 * the run, no slave acknowledges, and every put waits out slaveTimeout (CommitLog.asyncPutMessage: needAckNums
 * = inSyncReplicas, minInSyncReplicas 1 refuses nothing). The group has a master and takes no write again:
 * `unwritable_after_faults`, since the write outage that the trace's last outage.write leaves open. With
 * all-ack (the master's SyncStateSet check drops the unconnected slaves) the same fault leaves it writable. */
START_TEST(in_sync_replicas_two_unwritable_after_master_back)
{
    const char *text =
        th_ctl_explore(78, "\"all_ack_in_sync_state_set\": false, \"flush\": \"SYNC_FLUSH\", \"in_sync_replicas\": 2",
                       "{\"at_ms\": 27061, \"op\": \"crash_host\", \"node\": \"@master:broker-a\","
                       " \"duration_ms\": 11659}", 38720);
    struct th_run r;
    th_run_exit(&r, text, NULL, 0, 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"broker.role\"", "\"epoch\":1,", 38720, 38730), 1);
    ck_assert_int_ge(th_count(r.trace, "\"ev\":\"broker.no_consistent_point\"", NULL, 200000, 1e300), 2);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"send.ack\"", NULL, 27061, 1e300), 0);
    /* the violation, recomputed from the trace: the write outage open at the end began before the bound */
    const char *o = strstr(r.trace, "\"ev\":\"outage.write\",\"group\":\"broker-a\"");
    for (const char *n; o && (n = strstr(o + 1, "\"ev\":\"outage.write\",\"group\":\"broker-a\""));)
        o = n;
    ck_assert_ptr_nonnull(o);
    ck_assert_ptr_nonnull(strstr(o, "\"from_ms\":27060.000,\"to_ms\":240000.000,\"open\":true"));
    ck_assert_str_eq(th_at(r.m, "invariants.violations.0.invariant")->valuestring, "unwritable_after_faults");
    ck_assert_str_eq(th_at(r.m, "invariants.violations.0.group")->valuestring, "broker-a");
    ck_assert_double_eq(th_num(r.m, "invariants.violations.0.since_ms"), 27060);
    ck_assert_ptr_null(th_at(r.m, "invariants.violations.1"));
    th_run_free(&r);
    /* all-ack alone (needAckNums = ALL_ACK_IN_SYNC_STATE_SET, inSyncReplicas unused): one 9 s outage */
    const char *all_ack[] = {"groups[0].all_ack_in_sync_state_set=true"};
    th_run_exit(&r, text, all_ack, 1, 0);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"outage.write\",\"group\":\"broker-a\"", NULL, 0, 1e300), 1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"outage.write\",\"group\":\"broker-a\"",
                              "\"from_ms\":27060.000,\"to_ms\":36065.000,\"open\":false", 0, 1e300), 1);
    th_run_free(&r);
    /* a run that ends before the bound has passed is not judged */
    const char *short_run[] = {"run.duration_ms=90000"};
    th_run_exit(&r, text, short_run, 1, 0);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"send.ack\"", NULL, 38720, 1e300), 0);
    th_run_free(&r);
}
END_TEST

/* EpochFileCache.appendEntry takes an entry only when its epoch and its start offset are both above the
 * last entry's: a master elected again before anything was written under the epoch before keeps that epoch
 * in its file (changeToMaster's appendEntry(masterEpoch, getMaxPhyOffset()) is refused), and a slave taking
 * the epochs its frames carry keeps the same. */
START_TEST(epoch_entry_at_the_last_start_is_refused)
{
    static struct ctl_broker c;
    memset(&c, 0, sizeof c);
    ctl_epoch_restart(&c, 1, 0);
    ctl_epoch_restart(&c, 2, 0);   /* elected again, nothing written under epoch 1 */
    ck_assert_int_eq(c.nep, 1);
    ck_assert_int_eq(c.ep[0].epoch, 1);
    ctl_epoch_restart(&c, 3, 4096);
    ctl_epoch_append(&c, 4, 4096);   /* a frame of epoch 4 starting where epoch 3 starts */
    ctl_epoch_append(&c, 3, 8192);   /* an older epoch */
    ck_assert_int_eq(c.nep, 2);
    ck_assert_int_eq(c.ep[1].epoch, 3);
    ck_assert_uint_eq(c.ep[1].start, 4096);
    ctl_epoch_restart(&c, 3, 4096);   /* the same epoch again at the same end: truncated, then taken again */
    ck_assert_int_eq(c.nep, 2);
    ck_assert_int_eq(c.ep[1].epoch, 3);
    ctl_epoch_append(&c, 5, 8192);
    ck_assert_int_eq(c.nep, 3);
    ck_assert_int_eq(c.ep[2].epoch, 5);
}
END_TEST

/* A slave far behind, elected by an unclean election, starts its epoch where its log ends. broker-a-0 gets
 * the masters' bytes over a 0.5 Mbit/s link from 20 s, so it falls behind and leaves the SyncStateSet; the
 * master's host dies at 60 s and broker-a-1 is elected at epoch 2 (starting at 12,564,552), and is master at
 * 70.912 s, when its HA client's select on the dead host runs out; broker-a-0, whose own select ran out
 * first, registered first and was named the dead master, shakes hands with broker-a-1 at 100 s, still behind
 * epoch 2's start; broker-a-1's host dies at 110 s and broker-a-0, the only replica left, is elected at epoch
 * 3 at 120 s with 6,519,656 bytes (master at 120.988 s). Its epoch file holds only what its frames brought
 * (AutoSwitchHAClient appends the epoch of each frame's header), so epoch 3 starts at its end, and
 * broker-a-1, back at 135 s, truncates to there. Before, the handshake copied broker-a-1's entries, epoch 2's
 * among them: changeToMaster's entry (3, 6,519,656) was refused (not after the last start), the new master's
 * writes stayed under epoch 2 in its file, and broker-a-1 found the two files consistent up to 8,123,544 and
 * kept 1,402 messages the new master had overwritten (diverged_msgs). (Its log ends at 14,965,808 at its
 * crash, not 21,829,808 as when the promotion took no time: the producer's route poll of 70.7 s came before
 * the new master registered, and the next is at 100.7 s.) */
START_TEST(unclean_elected_slave_starts_its_epoch_at_its_end)
{
    struct th_run r;
    th_run(&r,
           "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 200000, \"seed\": 1},"
           " \"nameservers\": {\"count\": 1},"
           " \"controllers\": {\"count\": 1, \"enable_elect_unclean_master\": true},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\"}],"
           " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 1024}, \"start_ms\": 5000},"
           " \"consumers\": {\"count\": 1, \"start_ms\": 5000}, \"operator\": {\"enabled\": false},"
           " \"faults\": [{\"at_ms\": 20000, \"op\": \"link\", \"from\": \"broker-a-2\", \"to\": \"broker-a-0\","
           " \"bandwidth_mbit_per_s\": 0.5},"
           " {\"at_ms\": 20000, \"op\": \"link\", \"from\": \"broker-a-1\", \"to\": \"broker-a-0\","
           " \"bandwidth_mbit_per_s\": 0.5},"
           " {\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"broker-a-2\", \"duration_ms\": 200000},"
           " {\"at_ms\": 110000, \"op\": \"crash_host\", \"node\": \"broker-a-1\", \"duration_ms\": 25000}]}",
           NULL, 0);
    ck_assert_int_eq(
        th_count(r.trace, "\"ev\":\"controller.elect\"", "\"master\":\"broker-a-1\",\"epoch\":2", 0, 1e300), 1);
    ck_assert_double_eq(th_first(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"broker.handshake\"",
                                 "\"peer\":\"broker-a-1\"", 0), 100014.917937);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"broker.role\"",
                              "\"epoch\":3,\"max_offset\":6519656", 120987, 120988), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"broker.truncate\"",
                              "\"from\":14965808,\"to\":6519656", 135000, 136000), 1);
    ck_assert_double_eq(th_num(r.m, "groups.0.diverged_msgs"), 0);
    th_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("controller_epoch");
    TCase *tc = tcase_create("handshake");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, restarted_master_same_epoch_no_consistent_point);
    tcase_add_test(tc, failover_ends_at_its_first_write);
    tcase_add_test(tc, promotion_is_the_master_that_took_the_first_write);
    tcase_add_test(tc, delivered_before_fsync_then_skipped);
    tcase_add_test(tc, all_ack_async_flush_master_back_alone);
    tcase_add_test(tc, in_sync_replicas_two_unwritable_after_master_back);
    tcase_add_test(tc, epoch_entry_at_the_last_start_is_refused);
    tcase_add_test(tc, unclean_elected_slave_starts_its_epoch_at_its_end);
    suite_add_tcase(s, tc);
    return th_run_suite(s);
}
