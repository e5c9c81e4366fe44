/* test_dledger_pending: what waits on a DLedger append whose leader steps down. The member answers none of its
 * pending appends (dledger 0.3.1.2: the QuorumAckChecker works only on a leader; test_raft has the member's
 * side), so the hosts' own waits end them: a 4.5-4.6 broker's send thread blocked in dledgerFuture.get(3,
 * SECONDS) is freed 3 s after its put (DLedgerCommitLog.putMessage), and the controllers' EventScheduler gives
 * up an event's append after 5 s (DLedgerController.appendToDLedgerAndWait), where the member used to fail
 * it after maxWaitAckTimeMs (2.5 s) or at once at the step-down. */
#include <check.h>
#include <stdio.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/dledger/raft.h"
#include "models/world/world.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

/* Three members on 1 ms links, 100 sends a second of 100 bytes; `extra` is spliced into the group. */
static const char *world_json(const char *extra)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"name\": \"dp\", \"run\": {\"duration_ms\": 120000, \"seed\": 5, \"trace\": \"off\"},"
             " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\"%s}],"
             " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
             " \"consumers\": {\"count\": 0}, \"operator\": {\"enabled\": false}}",
             extra);
    return buf;
}

static struct broker *leader(struct rmq_world *w)
{
    for (int r = 0; r < w->g[0].n; r++)
        if (sim_node(w->sim, w->g[0].node[r])->state == SIM_NODE_UP &&
            broker_raft(w->g[0].broker[r])->role == RAFT_LEADER)
            return w->g[0].broker[r];
    return NULL;
}

/* The world loaded with `extra` in its group and run to 30 s: its leader. */
static struct broker *settled(struct scenario *sc, const char *extra, struct rmq_world **w)
{
    th_load(sc, world_json(extra), NULL, 0);
    *w = rmq_world_get(sc->w);
    th_run_to(sc, 30 * SIM_S);
    struct broker *b = leader(*w);
    ck_assert_ptr_nonnull(b);
    return b;
}

static void cut_off(struct scenario *sc, struct rmq_world *w, const struct broker *b)
{
    for (int r = 0; r < w->g[0].n; r++)
        if (r != b->replica) {
            sim_link_cut(sc->sim, w->g[0].node[b->replica], w->g[0].node[r], 1);
            sim_link_cut(sc->sim, w->g[0].node[r], w->g[0].node[b->replica], 1);
        }
}

/* 4.5-4.6 (async_send false): the one send thread waits for each put's commit. Cut off, each put holds it
 * for maxWaitAckTimeMs (2.5 s); the one it holds when the member steps down is never answered by the member,
 * and the thread is free again 3 s after that put (the get's timeout), not held for good. */
START_TEST(held_send_thread_freed_by_its_get_timeout)
{
    struct scenario sc;
    struct rmq_world *w;
    struct broker *b = settled(&sc, ", \"async_send\": false", &w);
    cut_off(&sc, w, b);
    while (broker_raft(b)->role == RAFT_LEADER)
        th_run_to(&sc, sim_now(sc.sim) + 1 * SIM_MS);
    sim_time down = sim_now(sc.sim);
    const struct executor *ex = &b->ex[EX_SEND];
    ck_assert_int_eq(ex->idle, ex->threads - 1);   /* held by a put of the last 2.5 s */
    ck_assert_ptr_nonnull(broker_wait_head(b));
    sim_time freed_at = -1;
    for (uint32_t i = 0; i < b->waits_n; i++) {
        const struct put_wait *pw = broker_wait_at(b, i);
        if (pw->thread >= 0)
            freed_at = pw->deadline;
    }
    ck_assert_int_gt(freed_at, down);
    ck_assert_int_le(freed_at, down + 3 * SIM_S);
    th_run_to(&sc, freed_at - 1 * SIM_MS);
    ck_assert_int_eq(ex->idle, ex->threads - 1);
    th_run_to(&sc, freed_at + 10 * SIM_MS);
    /* free, and the member still holds the appends (answered TERM_CHANGED only if it leads again) */
    ck_assert_int_gt(broker_raft(b)->pend_n, 0);
    ck_assert_int_ne(broker_raft(b)->role, RAFT_LEADER);
    for (uint32_t i = 0; i < b->waits_n; i++)
        ck_assert_int_lt(broker_wait_at(b, i)->thread, 0);
    ck_assert_int_eq(ex->idle, ex->threads);
    scenario_free(&sc);
}
END_TEST

/* With maxWaitAckTimeMs above the get's 3 s, a leader whose followers are cut off holds each put past 3 s:
 * the get ends it (SYSTEM_ERROR) while the member still leads and still has the append pending; the broker
 * keeps the answered put in its ring until the member answers the append, so that each later answer still
 * goes to its own put (the ring and the member's pending appends stay in step). */
START_TEST(get_timeout_on_a_leader_keeps_the_puts_in_step)
{
    struct scenario sc;
    struct rmq_world *w;
    struct broker *b = settled(&sc, ", \"async_send\": false, \"max_wait_ack_time_ms\": 10000", &w);
    const struct raft *r = broker_raft(b);
    sim_time round = r->last_succ_heartbeat;
    while (r->last_succ_heartbeat == round)
        th_run_to(&sc, sim_now(sc.sim) + 1 * SIM_MS);
    sim_time cut = sim_now(sc.sim);
    cut_off(&sc, w, b);
    int answered = 0;
    for (sim_time t = cut; t < cut + 5900 * SIM_MS; t += 10 * SIM_MS) {
        th_run_to(&sc, t);
        ck_assert_int_eq(r->role, RAFT_LEADER);
        ck_assert_uint_eq(b->waits_n, r->pend_n - r->pend_done);
        answered = 0;
        for (uint32_t i = 0; i < b->waits_n; i++)
            answered += broker_wait_at(b, i)->ctx.conn == 0;
    }
    /* the puts held since the cut whose gets ended (about one every 3 s of the single send thread) */
    ck_assert_int_ge(answered, 1);
    scenario_free(&sc);
}
END_TEST

/* An append answered WAIT_QUORUM_ACK_TIMEOUT stays in pendingAppendResponsesByTerm until the quorum passes it
 * (DLedgerEntryPusher.checkResponseFuturesTimeout completes the future and leaves it), so it still counts
 * towards maxPendingRequestsNum (DLedgerServer.handleAppend: LEADER_PENDING_FULL before the append). With
 * max_pending_requests_num 200 at 100 sends a second, both followers' processes paused for 4.5 s right after a
 * heartbeat round (the leader keeps leading: it steps down 6 s after its last round answered by a quorum): the
 * map is full 2 s into the pause, and the leader refuses sends without appending them to its end, though
 * appends time out from 2.5 s on. mqsim removed an append at its timeout, so the log grew again from 2.5 s.
 * After the pause every append is committed, the timed-out ones leave without a second answer, and the
 * broker's puts stay in step with the member's open appends. */
START_TEST(timed_out_appends_count_until_committed)
{
    struct scenario sc;
    struct rmq_world *w;
    struct broker *b = settled(&sc, ", \"max_pending_requests_num\": 200", &w);
    const struct raft *r = broker_raft(b);
    sim_time round = r->last_succ_heartbeat;
    while (r->last_succ_heartbeat == round)
        th_run_to(&sc, sim_now(sc.sim) + 1 * SIM_MS);
    int64_t end = raft_end(r);
    sim_time t = sim_now(sc.sim);
    for (int i = 0; i < w->g[0].n; i++)
        if (i != b->replica)
            sim_pause(sc.sim, w->g[0].node[i], 4500 * SIM_MS);
    uint32_t most = 0, most_done = 0;
    for (sim_time until = t + 4500 * SIM_MS; t < until;) {
        th_run_to(&sc, t += 10 * SIM_MS);
        ck_assert_int_eq(r->role, RAFT_LEADER);
        ck_assert_uint_eq(b->waits_n, r->pend_n - r->pend_done);
        if (r->pend_n > most)
            most = r->pend_n;
        if (r->pend_done > most_done)
            most_done = r->pend_done;
    }
    ck_assert_uint_eq(most, 201);   /* full: handleAppend refuses above maxPendingRequestsNum */
    ck_assert_uint_ge(most_done, 150);
    ck_assert_int_le(raft_end(r) - end, 202);
    th_run_to(&sc, t += 2 * SIM_S);
    ck_assert_int_eq(r->role, RAFT_LEADER);
    ck_assert_int_ge(r->committed, end + 201);
    ck_assert_uint_eq(b->waits_n, r->pend_n - r->pend_done);
    ck_assert_uint_eq(r->pend_done, 0);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* checkResponseFuturesTimeout(quorumIndex + 1) finds no pending append while this term's quorum index is below
 * the committed index: a new leader whose only live follower is far behind times nothing out until that
 * follower's water-mark passes what the earlier term committed. One member's process is down 10 s, the
 * producer stops 2 s (so the third member learns the committed index from a commit push and, leading, takes
 * sends at once), and the leader's host dies as the member restarts; the new leader pushes to it under the push
 * quota (max_pending_push 20, throttle point 0, 3,000 bytes a second: about 1,000 entries to catch up, at 12
 * a second). While its water-mark is below the committed index the new leader's appends (from the producer's
 * next route update) wait 5 s and more unanswered; mqsim timed them out counting from the committed index. */
START_TEST(no_timeout_below_the_committed_index)
{
    struct scenario sc;
    struct rmq_world *w;
    struct broker *b = settled(&sc, ", \"max_pending_push\": 20, \"peer_push_throttle_point\": 0,"
                                    " \"peer_push_quota\": 3000", &w);
    int l = b->replica, a = (l + 1) % 3, n = (l + 2) % 3;
    sim_time t = sim_now(sc.sim);
    sim_crash(sc.sim, w->g[0].node[a], SIM_CRASH_PROCESS);
    th_run_to(&sc, t += 10 * SIM_S);
    sim_pause(sc.sim, sim_node_find(sc.sim, "producer-0"), 2 * SIM_S);
    th_run_to(&sc, t += 1500 * SIM_MS);
    sim_crash(sc.sim, w->g[0].node[l], SIM_CRASH_HOST);
    sim_restart(sc.sim, w->g[0].node[a]);
    const struct raft *N = broker_raft(w->g[0].broker[n]);
    int64_t committed = -1;
    sim_time waited = 0;
    while (t < 120 * SIM_S && waited < 5 * SIM_S) {
        th_run_to(&sc, t += 10 * SIM_MS);
        if (N->role != RAFT_LEADER)
            continue;
        if (committed < 0)
            committed = N->committed;
        if (N->peer[a].watermark >= committed)
            break;
        ck_assert_uint_eq(N->pend_done, 0);
        if (N->pend_n && t - N->pend[N->pend_head].created > waited)
            waited = t - N->pend[N->pend_head].created;
    }
    ck_assert_int_ge(committed, 0);
    ck_assert_msg(waited >= 5 * SIM_S, "the oldest append waited %.0f ms", (double)waited / SIM_MS);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dledger_pending");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, held_send_thread_freed_by_its_get_timeout);
    tcase_add_test(tc, get_timeout_on_a_leader_keeps_the_puts_in_step);
    tcase_add_test(tc, timed_out_appends_count_until_committed);
    tcase_add_test(tc, no_timeout_below_the_committed_index);
    suite_add_tcase(s, tc);
    return th_run_suite(s);
}
