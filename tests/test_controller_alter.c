/* test_controller_alter: a master's changes of its SyncStateSet (5.3's ReplicasManager
 * doReportSyncStateSetChanged, BrokerOuterAPI.alterSyncStateSet, ReplicasInfoManager.alterSyncStateSet) on
 * constant 1 ms links: the controller refuses a set equal to the current one, a refused change, whatever
 * the answer carries, changes nothing at the broker, and a set the master is alone in answers its waiting
 * all-ack puts. */
#include <check.h>
#include <stdint.h>

#include "models/broker/broker.h"
#include "models/broker/broker_ctl_int.h"
#include "models/broker/broker_int.h"
#include "models/controller/controller.h"
#include "models/report/acct.h"
#include "models/controller/controller_int.h"
#include "models/world/world.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"
#include "tests/harness_ctl.h"

/* ReplicasInfoManager.alterSyncStateSet refuses a set equal to the current one before any other check
 * ("The newSyncStateSet is equal with oldSyncStateSet"): no event, the SyncStateSet epoch stays. A changed
 * set from the master at its epochs is taken. */
START_TEST(alter_to_the_same_set_refused)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, NULL, NULL), NULL, 0);
    th_run_to(&sc, 20 * SIM_S);
    struct controller *c = rmq_world_get(sc.w)->ctl;
    struct ctl_group *g = &c->g[0];
    ck_assert_int_ge(g->master, 0);
    ck_assert_uint_eq(g->sss, 7u);   /* both slaves in the set by 20 s */
    struct ctl_req q = {0, (uint16_t)g->master, g->master_epoch, g->sss_epoch, g->sss};
    struct ctl_event ev;
    ck_assert_int_eq(ctl_decide_alter(c, &q, &ev), CTL_ALTER_FAILED);
    ck_assert_int_eq(ev.type, EV_NONE);
    q.sss = g->sss & ~(1u << ((g->master + 1) % 3));
    ck_assert_int_eq(ctl_decide_alter(c, &q, &ev), RMQ_SUCCESS);
    ck_assert_int_eq(ev.type, EV_ALTER);
    scenario_free(&sc);
}
END_TEST

/* After every event: an answer to the old master's alterSyncStateSet came (alter_pending cleared) and whether
 * the same event changed its master epoch. */
struct alter_watch {
    struct broker *b;
    int pending, answers, applied;
    int32_t epoch;
};

static void alter_after(struct sim *s, void *ctx, uint64_t arg)
{
    struct alter_watch *a = ctx;
    (void)s;
    (void)arg;
    int32_t epoch = a->b->ctl->info.master_epoch;
    if (a->pending && !a->b->ctl->alter_pending) {
        a->answers++;
        a->applied += epoch != a->epoch;
    }
    a->pending = a->b->ctl->alter_pending;
    a->epoch = epoch;
}

/* A refused alterSyncStateSet changes nothing at the broker: BrokerOuterAPI.alterSyncStateSet decodes the
 * answer only on SUCCESS and throws otherwise (ReplicasManager.doReportSyncStateSetChanged logs it). The
 * master, broker-a-0, is cut off from the controller and its slaves from 20 s to 90 s; the controller elects
 * a slave at epoch 2 meanwhile. The isolated old master, back at 90 s, asks to shrink its SyncStateSet at epoch 1, which the
 * controller refuses (epoch 2 is current); it learns epoch 2 from its next replica-info poll, not from the
 * refusal. Before, the refusal's body (the controller's current view) was applied. */
START_TEST(refused_alter_is_not_applied)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, NULL, "\"faults\": [{\"at_ms\": 20000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                               "\"b\": [\"controller-0\", \"broker-a-1\", \"broker-a-2\"], \"duration_ms\": 70000}]"), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    struct alter_watch a = {w->g[0].broker[0], 0, 0, 0, 1};
    th_run_to(&sc, 90 * SIM_S);
    ck_assert_int_eq(a.b->ctl->info.master_epoch, 1);
    sim_set_after_event(sc.sim, alter_after, &a);
    while (sim_now(sc.sim) < 130 * SIM_S && a.b->ctl->info.master_epoch < 2)
        sim_run(sc.sim, sim_now(sc.sim) + SIM_MS);
    sim_set_after_event(sc.sim, NULL, NULL);
    fprintf(stderr, "refused alter: %d answers to the old master's alters, %d of them changed its epoch; epoch 2 "
            "at %.3f ms\n", a.answers, a.applied, (double)sim_now(sc.sim) / SIM_MS);
    ck_assert_int_eq(a.b->ctl->info.master_epoch, 2);
    ck_assert_int_ge(a.answers, 1);
    ck_assert_int_eq(a.applied, 0);
    ck_assert_int_eq(broker_role(a.b), RMQ_SLAVE);
    scenario_free(&sc);
}
END_TEST

/* GroupTransferService polls its requests every 1 ms (doWaitTransfer: waitForRunning(1)) and under all-ack
 * passes a SyncStateSet of the master alone: the puts waiting when the set shrinks to it are answered PUT_OK
 * at once, not at the group commit's next 10 ms round. Both slaves cut off at 10 s, a put a second: the master
 * gives their connections up 20 s after their last reports, and when the controller's answer makes its set
 * {broker-a-0} (29.06 s) the puts of 27, 28 and 29 s, each within its slaveTimeout, wait; none is left after
 * that event (the first look, 0.1 ms steps). As in GroupTransferService, a put past its deadline is not
 * passed by a set that shrinks later (the acks are looked at only before it). */
START_TEST(smaller_sss_answers_waiting_puts_at_once)
{
    struct scenario sc;
    const char *sets[] = {"producers.rate_per_s=1", "producers.send_msg_timeout_ms=10000"};
    th_load(&sc, th_ctl_world(1, ", \"all_ack_in_sync_state_set\": true",
                              "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], "
                              "\"b\": [\"broker-a-1\", \"broker-a-2\"]}]"), sets, 2);
    th_run_to(&sc, 25 * SIM_S);
    struct broker *b = rmq_world_get(sc.w)->g[0].broker[0];
    const struct acct *acct = &rmq_world_get(sc.w)->rep.acct;
    ck_assert_int_eq(broker_role(b), RMQ_SYNC_MASTER);
    ck_assert_uint_eq(b->ctl->ha_sss, 7);
    sim_time t = 25 * SIM_S;
    while (b->ctl->ha_sss != 1 && t < 35 * SIM_S) {
        ck_assert_uint_gt(b->waits_n, 0);   /* a put a second, each waiting 3 s */
        t += 100 * SIM_US;
        th_run_to(&sc, t);
    }
    ck_assert_uint_eq(b->ctl->ha_sss, 1);
    ck_assert_int_gt(t, 29 * SIM_S);
    ck_assert_uint_eq(b->waits_n, 0);
    uint64_t timeouts = acct->status_count[ACCT_STATUS_INDEX(RMQ_FLUSH_SLAVE_TIMEOUT)];
    th_run_to(&sc, t + 2 * SIM_MS);
    ck_assert_uint_eq(acct->status_count[ACCT_STATUS_INDEX(RMQ_SUCCESS)], 29 - timeouts);
    scenario_free(&sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("controller_alter");
    TCase *tc = tcase_create("alter");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, alter_to_the_same_set_refused);
    tcase_add_test(tc, refused_alter_is_not_applied);
    tcase_add_test(tc, smaller_sss_answers_waiting_puts_at_once);
    suite_add_tcase(s, tc);
    return th_run_suite(s);
}
