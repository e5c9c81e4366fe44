/* test_dledger_wake: a pull held on a DLedger member is answered when the member's ReputMessageService
 * dispatches a message of its queue (NotifyMessageArrivingListener): within the service's 1 ms sleep and one
 * message's cost of the member learning that the message is committed. On the leader, and, in 5.3
 * (slave_wakes_held_pulls), on a follower. A follower's service wake-ups are not events while its dispatches
 * could wake nothing (reput_dledger.c, reput_arm): a pull held meanwhile must make the next one a timer;
 * before that, a 5.3 follower woke its held pulls only at its next input, a push up to 50 ms later here. */
#include <check.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/dledger/raft.h"
#include "models/world/world.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

/* Three members, 20 sends a second of 100 bytes, no consumer: the test's pull is the only one held. */
static const char *world_json(void)
{
    return "{\"name\": \"dw\", \"version\": \"5.3\","
           " \"run\": {\"duration_ms\": 60000, \"seed\": 4, \"trace\": \"off\"},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\"}],"
           " \"producers\": {\"rate_per_s\": 20, \"size\": {\"const_bytes\": 100}},"
           " \"consumers\": {\"count\": 0}, \"operator\": {\"enabled\": false}}";
}

/* Holds a pull on b for queue 0 at its dispatched end, then steps 20 us at a time until it is answered:
 * returns the time from b's learning that the queue's next message is committed to the pull's release.
 * With `pending`, the pull is held once b has learned of a committed message of queue 0 that its service
 * has yet to dispatch (a wake-up is pending, not an event while no pull was held); else whenever. */
static sim_time wake_delay(struct scenario *sc, struct broker *b, int pending)
{
    const sim_time step = 20 * SIM_US;
    sim_time t = sim_now(sc->sim), committed = -1;
    for (int k = 0; pending && k < 150000; k++) {
        broker_visible_qoff(b, 0);   /* a reader: a follower's service brought up to now */
        const struct cl_entry *e = cl_at(broker_log(b), (uint64_t)b->reput_next);
        if (b->reput_next <= broker_raft(b)->committed && e && e->queue == 0)
            break;
        t += step;
        th_run_to(sc, t);
    }
    uint64_t qo = broker_visible_qoff(b, 0);
    struct rmq_pull_req req = {.queue = 0, .qoffset = qo, .max_msgs = 32};
    struct rpc_ctx nobody = {0, 0};
    broker_hold_pull(b, nobody, &req, 30 * SIM_S);
    ck_assert_int_gt(b->nheld, 0);
    for (int k = 0; k < 150000 && b->nheld > 0; k++) {
        uint64_t i = cl_qentry(broker_log(b), 0, qo);
        if (committed < 0 && i != CL_NONE && (int64_t)i <= broker_raft(b)->committed)
            committed = t;
        t += step;
        th_run_to(sc, t);
    }
    ck_assert_int_eq(b->nheld, 0);
    ck_assert_int_ge(committed, 0);
    return t - committed;
}

START_TEST(held_pull_woken_at_dispatch)
{
    struct scenario sc;
    th_load(&sc, world_json(), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 5 * SIM_S);
    int leader = -1, follower = -1;
    for (int r = 0; r < 3; r++) {
        const struct raft *rf = broker_raft(w->g[0].broker[r]);
        if (rf->role == RAFT_LEADER)
            leader = r;
        else if (follower < 0)
            follower = r;
    }
    ck_assert_int_ge(leader, 0);
    ck_assert_int_ge(follower, 0);
    /* The 1 ms sleep, the message's 5 us, and the step in which each shows. */
    const sim_time bound = 1 * SIM_MS + 5 * SIM_US + 2 * 20 * SIM_US;
    for (int round = 0; round < 6; round++) {
        int pending = round % 2;
        sim_time dl = wake_delay(&sc, w->g[0].broker[leader], pending);
        sim_time df = wake_delay(&sc, w->g[0].broker[follower], pending);
        ck_assert_msg(dl <= bound, "leader%s: answered %lld us after the commit", pending ? " (pending)" : "",
                      (long long)(dl / SIM_US));
        ck_assert_msg(df <= bound, "follower%s: answered %lld us after learning the commit",
                      pending ? " (pending)" : "", (long long)(df / SIM_US));
    }
    scenario_free(&sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dledger_wake");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, held_pull_woken_at_dispatch);
    suite_add_tcase(s, tc);
    return th_run_suite(s);
}
