/* test_dledger_hold: the appends a DLedger member keeps waiting (dledger 0.3.1.2's EntryHandler
 * .writeRequestMap). A member that is not a follower holds them and takes them once it is a follower, in
 * order from its log's end; the leader only logs an error answer to an append (EntryDispatcher.doAppendInner)
 * and keeps the push for its resend, so neither side sends the dispatcher back to COMPARE. A follower whose
 * process restarts is a candidate until the leader's next heartbeat: the leader's appends meanwhile wait in
 * it, and it takes them all at the heartbeat. A compare or truncate that fails is the dispatcher's exception:
 * it compares again 500 ms later. A follower back after missing pushes gets them again one a round trip
 * (the resend after the water-mark, timed by each push's own send), while the later ones wait in it; what
 * waits after a gap or below its end is answered only at its once-a-second look (checkAbnormalFuture). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/dledger/raft_msg.h"
#include "models/dledger/entry_pusher.h"
#include "models/dledger/raft.h"
#include "models/world/world.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

/* Three members on 1 ms links, 100 sends a second of 100 bytes: an entry every 10 ms, acked 2 ms later. */
static const char *world_json(void)
{
    return "{\"name\": \"dh\", \"run\": {\"duration_ms\": 60000, \"seed\": 5, \"trace\": \"off\"},"
           " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
           " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\"}],"
           " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
           " \"consumers\": {\"count\": 0}, \"operator\": {\"enabled\": false}}";
}

static struct raft *member(struct rmq_world *w, int r) { return (struct raft *)broker_raft(w->g[0].broker[r]); }

enum { DS_APPEND = 2 };   /* entry_pusher.c's dispatcher states: COMPARE, TRUNCATE, APPEND */

/* The world loaded (with one --set, or none) and run to 30 s; its leader's member index. */
static int run_to_30s(struct scenario *sc, struct rmq_world **wp, const char *set)
{
    th_load(sc, world_json(), &set, set != NULL);
    struct rmq_world *w = *wp = rmq_world_get(sc->w);
    th_run_to(sc, 30 * SIM_S);
    int l = -1;
    for (int r = 0; r < 3; r++)
        if (member(w, r)->role == RAFT_LEADER)
            l = r;
    ck_assert_int_ge(l, 0);
    return l;
}

/* The world run to 30 s; *l its leader, *f a follower. Then, stepping 100 us at a time: the leader's
 * heartbeat reaches f, and then an ack from f leaves no push to it unanswered and f with every entry the
 * leader has; there f's process is killed and started again 1 ms later (the next entry comes 8 ms after
 * the ack). So f restarts a candidate, with the leader's whole log, about 2 s before the leader's next
 * heartbeat makes it a follower again, and the leader's first push to it after that comes to the new
 * process. */
static void restart_after_heartbeat(struct scenario *sc, struct rmq_world **wp, int *l, int *f)
{
    *l = run_to_30s(sc, wp, NULL);
    struct rmq_world *w = *wp;
    *f = *l == 0 ? 1 : 0;
    struct raft *L = member(w, *l), *F = member(w, *f);
    sim_time t = sim_now(sc->sim), beat = F->last_leader_heartbeat;
    while (F->last_leader_heartbeat == beat && t < 35 * SIM_S)
        th_run_to(sc, t += 100 * SIM_US);
    int64_t mark = L->peer[*f].watermark;
    while ((L->peer[*f].watermark == mark || raft_push_pending(L, *f) > 0 || raft_end(F) != raft_end(L)) &&
           t < 35 * SIM_S)
        th_run_to(sc, t += 100 * SIM_US);
    ck_assert_int_eq(L->peer[*f].state, DS_APPEND);
    ck_assert_int_eq(raft_end(F), raft_end(L));
    sim_crash(sc->sim, w->g[0].node[*f], SIM_CRASH_PROCESS);
    th_run_to(sc, t += SIM_MS);
    sim_restart(sc->sim, w->g[0].node[*f]);
}

/* While the member is a candidate the leader's pushes wait in it (its log does not grow), the one after its
 * water-mark is pushed again after maxPushTimeOutMs (1 s) and answered REPEATED_PUSH, and the leader's
 * dispatcher stays in APPEND throughout. At the heartbeat the member appends every held entry at once, in
 * order: the leader's water-mark for it is at the log's end with no compare. Before, the candidate answered
 * NOT_FOLLOWER at once, and the leader compared again after sleeping 500 ms. */
START_TEST(candidate_holds_appends_until_it_follows)
{
    struct scenario sc;
    struct rmq_world *w;
    int l, f;
    restart_after_heartbeat(&sc, &w, &l, &f);
    struct raft *L = member(w, l), *F = member(w, f);
    sim_time restarted = sim_now(sc.sim), t = restarted, followed = -1;
    while (F->role != RAFT_CANDIDATE)   /* the restart's start event */
        th_run_to(&sc, t += 100 * SIM_US);
    int64_t end_at_restart = raft_end(F);
    uint32_t most_held = 0;
    while (t < restarted + 5 * SIM_S) {
        th_run_to(&sc, t += 100 * SIM_US);
        ck_assert_msg(L->role == RAFT_LEADER && L->peer[f].state == DS_APPEND && L->peer[f].retry_at <= t,
                      "%.1f ms: the leader's dispatcher left APPEND (state %d)", (double)t / SIM_MS,
                      L->peer[f].state);
        if (F->role != RAFT_FOLLOWER) {
            ck_assert_int_eq(raft_end(F), end_at_restart);   /* held, not appended */
            if (F->held_n > most_held)
                most_held = F->held_n;
            continue;
        }
        if (followed < 0) {
            followed = t;
            /* every held append taken at the heartbeat, in order */
            ck_assert_int_eq(F->held_n, 0);
            ck_assert_int_ge(raft_end(F), raft_end(L) - 1);   /* (an entry appended in the last step) */
        }
        if (t >= followed + 100 * SIM_MS)
            break;
    }
    ck_assert_msg(followed > restarted + 1500 * SIM_MS, "a follower again %.1f ms after the restart",
                  (double)(followed - restarted) / SIM_MS);
    /* ~2 s of entries, 100 a second; the resend after 1 s answered REPEATED_PUSH, kept once */
    ck_assert_uint_ge(most_held, 150);
    ck_assert_int_ge(L->peer[f].watermark, raft_end(L) - 1);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* A push of the test's own to member r: of type, from the group's leader l in its term, for L's entry at
 * index (0: none). */
static void push_to(struct rmq_world *w, int r, int l, enum push_type type, int64_t index)
{
    struct raft *L = member(w, l);
    struct push_req q;
    memset(&q, 0, sizeof q);
    q.term = L->term;
    q.commit = L->committed;
    q.leader = l;
    q.type = (uint8_t)type;
    const struct cl_entry *e = index >= 0 ? cl_at(L->log, (uint64_t)index) : NULL;
    ck_assert_ptr_nonnull(e);
    q.has_entry = 1;
    q.e = (struct push_entry){.index = index, .qoff = e->qoff, .term = e->term, .msg = e->msg, .size = e->size,
                              .queue = e->queue};
    raft_on_request(member(w, r), RAFT_PUSH, (struct rpc_ctx){0, 0}, &q, sizeof q);
}

/* EntryHandler.handlePush: a second append of an index already held is answered (REPEATED_PUSH) and the
 * first kept; a compare (or a truncate) clears what is held, unanswered, whatever the member's role. */
START_TEST(compare_drops_held_appends)
{
    struct scenario sc;
    struct rmq_world *w;
    int l, f;
    restart_after_heartbeat(&sc, &w, &l, &f);
    struct raft *L = member(w, l), *F = member(w, f);
    sim_time t = sim_now(sc.sim);
    while (F->role != RAFT_CANDIDATE)   /* the restart's start event */
        th_run_to(&sc, t += 100 * SIM_US);
    while (F->held_n < 3 && F->role == RAFT_CANDIDATE)
        th_run_to(&sc, t += 100 * SIM_US);
    ck_assert_int_eq(F->role, RAFT_CANDIDATE);
    uint32_t held = F->held_n;
    int64_t last = -1;
    for (uint32_t i = 0; i < held; i++)
        if (F->held[i].first > last)
            last = F->held[i].first;
    push_to(w, f, l, PUSH_APPEND, F->held[0].first);
    ck_assert_uint_eq(F->held_n, held);
    push_to(w, f, l, PUSH_COMPARE, raft_end(F));
    ck_assert_uint_eq(F->held_n, 0);
    /* The dropped appends are not taken at the heartbeat (only the one after the water-mark, pushed again
     * after 1 s, may be): the member's log has a gap to the next push, and the leader compares again and
     * catches it up. */
    while (F->role != RAFT_FOLLOWER && t < 40 * SIM_S)
        th_run_to(&sc, t += 100 * SIM_US);
    ck_assert_int_eq(F->role, RAFT_FOLLOWER);
    ck_assert_int_lt(raft_end(F), last);
    th_run_to(&sc, t += 5 * SIM_S);
    ck_assert_int_ge(L->peer[f].watermark, raft_end(L) - 1);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* A compare that fails (here: to a member whose host is down, which never answers) is an exception of
 * doCompare, and EntryDispatcher.doWork sleeps 500 ms before it compares again; mqsim compared again at its
 * next tick. The member's host crashes, and leadership moves to the third member, whose dispatcher for it
 * starts in COMPARE: each compare it sends comes at least 500 ms after the last one failed. */
START_TEST(failed_compare_sleeps)
{
    struct scenario sc;
    struct rmq_world *w;
    int l = run_to_30s(&sc, &w, NULL);
    int a = (l + 1) % 3, f = (l + 2) % 3;
    sim_crash(sc.sim, w->g[0].node[f], SIM_CRASH_HOST);
    ck_assert_ptr_null(raft_transfer_leadership(member(w, l), a));
    struct raft *A = member(w, a);
    sim_time t = sim_now(sc.sim), failed = -1;
    int compares = 0, was_waiting = 0;
    while (t < 50 * SIM_S) {
        th_run_to(&sc, t += SIM_MS);
        if (A->role != RAFT_LEADER)
            continue;
        const struct raft_peer *pe = &A->peer[f];
        if (pe->waiting && !was_waiting) {
            compares++;
            if (failed >= 0)
                ck_assert_msg(t - failed >= 500 * SIM_MS, "compared again %.0f ms after a failed compare",
                              (double)(t - failed) / SIM_MS);
        }
        if (!pe->waiting && was_waiting)
            failed = t;
        was_waiting = pe->waiting;
    }
    ck_assert_int_ge(compares, 3);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* A follower whose process was down while the leader pushed: the pushes of those 3 s failed, the leader's
 * pendingMap keeps them (EntryDispatcher: a NETWORK_ERROR answer is only logged), and its dispatcher resends
 * only the entry after the water-mark, once that entry's own send is 1 s old (doCheckAppendResponse). The
 * process comes back 200 ms before the leader's next heartbeat, which makes it a follower. It takes the
 * resend it held (its log's end + 1) and answers it; the next entry's own send is seconds old too, so it is
 * resent at once, and so on, one entry a round trip (2 ms here), while the entries the leader pushes
 * meanwhile wait in the member (writeRequestMap: after a gap) until they come next. The 446 entries missed
 * take about 1.25 s, and at its looks (checkAbnormalFuture, 1 s and 2 s after the restart) no waiting append
 * is a second old, so none is answered INCONSISTENT_STATE and the dispatcher never compares again. Before,
 * the member answered the appends after the gap INCONSISTENT_STATE at once, and the dispatcher compared and
 * pushed the rest in one go; and the resend clock ran from the water-mark's last move, a resend a second. */
START_TEST(restarted_follower_catches_up_by_resends)
{
    struct scenario sc;
    struct rmq_world *w;
    int l = run_to_30s(&sc, &w, NULL);
    int f = l == 0 ? 1 : 0;
    struct raft *L = member(w, l), *F = member(w, f);
    sim_crash(sc.sim, w->g[0].node[f], SIM_CRASH_PROCESS);
    sim_time t = sim_now(sc.sim);
    th_run_to(&sc, t += 3 * SIM_S);
    while (L->last_send_heartbeat + L->cfg.heartbeat - t > 200 * SIM_MS)
        th_run_to(&sc, t += SIM_MS);
    int64_t missed = raft_end(L) - raft_end(F);
    sim_restart(sc.sim, w->g[0].node[f]);
    sim_time restarted = t;
    while (F->role != RAFT_CANDIDATE)   /* the restart's start event */
        th_run_to(&sc, t += 100 * SIM_US);
    while (F->role != RAFT_FOLLOWER && t < restarted + 3 * SIM_S)
        th_run_to(&sc, t += 100 * SIM_US);
    ck_assert_int_eq(F->role, RAFT_FOLLOWER);
    sim_time followed = t, caught = -1;
    uint32_t most_held = 0;
    while (t < restarted + 3 * SIM_S) {
        th_run_to(&sc, t += 100 * SIM_US);
        ck_assert_msg(L->role == RAFT_LEADER && L->peer[f].state == DS_APPEND, "%.1f ms: the dispatcher left APPEND",
                      (double)(t - followed) / SIM_MS);
        if (F->held_n > most_held)
            most_held = F->held_n;
        if (caught < 0 && L->peer[f].watermark >= raft_end(L) - 1)
            caught = t;
    }
    fprintf(stderr, "follower back after %lld missed entries: a follower %.1f ms after the restart, caught up %.1f ms"
            " later; %u appends waited in it at most\n", (long long)missed, (double)(followed - restarted) / SIM_MS,
            caught >= 0 ? (double)(caught - followed) / SIM_MS : -1.0, most_held);
    ck_assert_int_ge(missed, 400);
    ck_assert_int_lt(followed - restarted, 500 * SIM_MS);
    ck_assert_int_ge(caught, 0);
    ck_assert_int_ge(caught - followed, (missed - 10) * 2 * SIM_MS);   /* one a round trip of 2 ms */
    ck_assert_int_lt(caught, restarted + 2 * SIM_S);   /* before the second look */
    ck_assert_uint_ge(most_held, 30);
    ck_assert_uint_eq(F->held_n, 0);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* checkAbnormalFuture, once a second from the last look while the member is a follower: an append pushed
 * after a gap waits (no answer, nothing appended); at the first look a second or more after it came it is
 * answered INCONSISTENT_STATE ([PushFastForward]) and stays, so a second push of it is answered
 * REPEATED_PUSH; an append at or below the member's end waits until the next look, which answers and
 * removes it ([PushFallBehind]). The member's pushes from the leader are cut meanwhile, so only the test's
 * own come. */
START_TEST(follower_looks_at_waiting_appends_once_a_second)
{
    struct scenario sc;
    struct rmq_world *w;
    int l = run_to_30s(&sc, &w, NULL);
    int f = l == 0 ? 1 : 0;
    struct raft *L = member(w, l), *F = member(w, f);
    sim_link_cut(sc.sim, w->g[0].node[l], w->g[0].node[f], 1);
    sim_time t = sim_now(sc.sim);
    th_run_to(&sc, t += 500 * SIM_MS);
    ck_assert_int_eq(F->role, RAFT_FOLLOWER);
    int64_t end = raft_end(F);
    ck_assert_int_ge(raft_end(L), end + 20);
    sim_time look = F->ff_check, came = t;
    push_to(w, f, l, PUSH_APPEND, end + 10);   /* after a gap */
    push_to(w, f, l, PUSH_APPEND, end);        /* at its end */
    ck_assert_uint_eq(F->held_n, 2);
    ck_assert_int_eq(raft_end(F), end);
    /* the next look: the one at its end answered and gone, the other not yet a second old */
    while (F->ff_check == look)
        th_run_to(&sc, t += SIM_MS);
    ck_assert_uint_eq(F->held_n, 1);
    ck_assert_int_eq(F->held[0].first, end + 10);
    ck_assert_int_eq(F->held[0].answered, t - came >= 1 * SIM_S);
    /* the first look a second after it came answers it; it stays */
    while (!F->held[0].answered && t < came + 2100 * SIM_MS)
        th_run_to(&sc, t += SIM_MS);
    ck_assert_int_eq(F->held[0].answered, 1);
    ck_assert_int_ge(t - came, 1 * SIM_S);
    ck_assert_int_lt(t - came, 2 * SIM_S + 20 * SIM_MS);
    push_to(w, f, l, PUSH_APPEND, end + 10);   /* REPEATED_PUSH */
    ck_assert_uint_eq(F->held_n, 1);
    ck_assert_int_eq(raft_end(F), end);
    scenario_free(&sc);
}
END_TEST

/* The resend clock is the entry's own send time (doCheckAppendResponse: pendingMap.get(waterMark + 1)): after
 * 2 s without sends (the producer paused; its sends then come together), the entry after the water-mark is
 * pushed once, not again at the next tick because the water-mark last moved 2 s ago. A second push of it
 * would wait in the follower for its next look (a fall-behind), so the follower holds nothing. */
START_TEST(idle_dispatcher_pushes_the_next_entry_once)
{
    struct scenario sc;
    struct rmq_world *w;
    int l = run_to_30s(&sc, &w, NULL);
    int f = l == 0 ? 1 : 0;
    struct raft *L = member(w, l), *F = member(w, f);
    sim_time t = sim_now(sc.sim);
    sim_pause(sc.sim, sim_node_find(sc.sim, "producer-0"), 2 * SIM_S);
    th_run_to(&sc, t += 2 * SIM_S - 5 * SIM_MS);
    ck_assert_int_eq(L->peer[f].state, DS_APPEND);
    ck_assert_int_eq(L->peer[f].watermark, raft_end(L));
    ck_assert_int_eq(L->peer[f].write_index, raft_end(L) + 1);
    int64_t end = raft_end(L);
    while (raft_end(L) == end && t < 33 * SIM_S)
        th_run_to(&sc, t += 100 * SIM_US);
    ck_assert_int_gt(raft_end(L), end);
    sim_time pushed = t;
    uint32_t most_held = 0;
    while (t < pushed + 50 * SIM_MS) {
        th_run_to(&sc, t += 100 * SIM_US);
        if (F->held_n > most_held)
            most_held = F->held_n;
    }
    ck_assert_uint_eq(most_held, 0);
    ck_assert_int_ge(L->peer[f].watermark, end + 1);
    scenario_free(&sc);
}
END_TEST

/* pendingMap keeps a push whose answer did not come until the water-mark passes it and the leak check (at
 * most a second later) forgets it (EntryDispatcher.doAppend); the dispatcher counted it as unanswered until
 * it left APPEND. With max_pending_push 20: the path from a follower to the leader is cut for 5 s, so the
 * follower's answers wait in its connection and the pushes time out (3 s): the leader pushes 20 entries and
 * then only the one after the water-mark, once a second. After the heal the follower's answers come again,
 * and its water-mark passes pushes whose answers were lost, with no compare. Then the follower's process is
 * paused for 500 ms: the leader pushes 20 entries to it again, not one. */
START_TEST(lost_answers_leave_pending_at_the_leak_check)
{
    struct scenario sc;
    struct rmq_world *w;
    int l = run_to_30s(&sc, &w, "groups[0].max_pending_push=20");
    int f = l == 0 ? 1 : 0;
    struct raft *L = member(w, l);
    struct raft_peer *pe = &L->peer[f];
    int64_t round = pe->round;
    sim_time t = sim_now(sc.sim);
    sim_link_cut(sc.sim, w->g[0].node[f], w->g[0].node[l], 1);
    th_run_to(&sc, t += 5 * SIM_S);
    ck_assert_int_eq(raft_push_pending(L, f), 20);
    ck_assert_int_eq(pe->write_index - pe->watermark - 1, 20);
    sim_link_cut(sc.sim, w->g[0].node[f], w->g[0].node[l], 0);
    int64_t lost = 0;   /* pushes the water-mark passed unanswered */
    while (t < 40 * SIM_S) {
        int64_t mark = pe->watermark, pending = raft_push_pending(L, f);
        th_run_to(&sc, t += SIM_MS);
        if (pe->watermark > mark + 1 && raft_push_pending(L, f) >= pending)
            lost += pe->watermark - mark - 1;
    }
    ck_assert_int_gt(lost, 0);
    ck_assert_int_eq(pe->round, round);   /* no compare: APPEND throughout */
    ck_assert_int_eq(pe->watermark, raft_end(L));
    ck_assert_int_eq(raft_push_pending(L, f), 0);
    sim_pause(sc.sim, w->g[0].node[f], 500 * SIM_MS);
    th_run_to(&sc, t += 490 * SIM_MS);
    ck_assert_int_eq(pe->write_index - pe->watermark - 1, 20);
    ck_assert_int_eq(raft_push_pending(L, f), 20);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* doCommit tells a follower the committed index once lastPushCommitTimeMs is a second old; appends, commits
 * and a truncate's answer set it, a compare does not. In an idle group whose leadership moves 30 ms after
 * the last entry, the third member knows the entry before the last as committed (each push carries the
 * index committed before it). The new leader's dispatcher for it compares, finds the logs agree, and tells
 * it the last entry committed at once; mqsim counted the compare as a push and told it a second later. */
START_TEST(compare_leaves_the_commit_push_due)
{
    struct scenario sc;
    struct rmq_world *w;
    int l = run_to_30s(&sc, &w, NULL);
    int a = (l + 1) % 3, f = (l + 2) % 3;
    struct raft *A = member(w, a), *F = member(w, f);
    sim_time t = sim_now(sc.sim);
    sim_pause(sc.sim, sim_node_find(sc.sim, "producer-0"), 5 * SIM_S);
    th_run_to(&sc, t += 30 * SIM_MS);
    int64_t end = raft_end(A);
    ck_assert_int_eq(F->committed, end - 1);
    ck_assert_ptr_null(raft_transfer_leadership(member(w, l), a));
    sim_time appending = -1;
    while (t < 34 * SIM_S && (appending < 0 || F->committed < end)) {
        th_run_to(&sc, t += 100 * SIM_US);
        if (appending < 0 && A->role == RAFT_LEADER && A->peer[f].state == DS_APPEND)
            appending = t;
    }
    ck_assert_int_ge(appending, 0);
    ck_assert_int_eq(raft_end(A), end);
    ck_assert_int_eq(F->committed, end);
    ck_assert_msg(t - appending < 10 * SIM_MS, "told %.1f ms after its dispatcher appended",
                  (double)(t - appending) / SIM_MS);
    scenario_free(&sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dledger_hold");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, candidate_holds_appends_until_it_follows);
    tcase_add_test(tc, compare_drops_held_appends);
    tcase_add_test(tc, failed_compare_sleeps);
    tcase_add_test(tc, restarted_follower_catches_up_by_resends);
    tcase_add_test(tc, follower_looks_at_waiting_appends_once_a_second);
    tcase_add_test(tc, idle_dispatcher_pushes_the_next_entry_once);
    tcase_add_test(tc, lost_answers_leave_pending_at_the_leak_check);
    tcase_add_test(tc, compare_leaves_the_commit_push_due);
    suite_add_tcase(s, tc);
    return th_run_suite(s);
}
