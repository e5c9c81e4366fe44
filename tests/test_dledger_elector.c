/* test_dledger_elector: DLedger's own election tests (LeaderElectorTest, dledger-all-0.3.1.2, default
 * DLedgerConfig) as scenario tests: the times they wait are the bounds asserted here, on mqsim's default
 * network and disk. Each runs once per seed 1..SEEDS (a Check loop test: a failure names its seed). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/broker/broker.h"
#include "models/dledger/raft_msg.h"
#include "models/dledger/leader_elector.h"
#include "models/dledger/leadership.h"
#include "models/dledger/raft.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"
#include "tests/harness.h"

#define SEEDS 10

static char *world_json(int replicas, const char *group_extra)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"name\": \"e\", \"run\": {\"duration_ms\": 600000, \"trace\": \"off\"},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": %d, \"ha\": \"dledger\"%s%s}],"
             " \"producers\": {\"rate_per_s\": 20, \"size\": {\"const_bytes\": 100}},"
             " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}}",
             replicas, group_extra ? ", " : "", group_extra ? group_extra : "");
    return buf;
}

static void load(struct scenario *sc, const char *text, uint64_t seed)
{
    char tmpl[64], set[64];
    snprintf(tmpl, sizeof tmpl, "/tmp/mqsim-elector-XXXXXX");
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    snprintf(set, sizeof set, "run.seed=%llu", (unsigned long long)seed);
    const char *sets[] = {set};
    struct run_opts o = {.file = tmpl, .sets = sets, .nsets = 1};
    struct conf c;
    int rc = scenario_load(sc, &o, &c);
    unlink(tmpl);
    ck_assert_msg(rc == 0, "load failed: %s", c.err);
}

static const struct raft *member(struct rmq_world *w, int r) { return broker_raft(w->g[0].broker[r]); }
static int up(struct rmq_world *w, int r) { return sim_node(w->sim, w->g[0].node[r])->state == SIM_NODE_UP; }

/* parseServers: the number of live leaders and followers; the leader (-1 when not exactly one). */
static int parse_servers(struct rmq_world *w, int *leaders, int *followers)
{
    int l = -1;
    *leaders = *followers = 0;
    for (int r = 0; r < w->g[0].n; r++) {
        if (!up(w, r))
            continue;
        if (member(w, r)->role == RAFT_LEADER) {
            ++*leaders;
            l = r;
        } else if (member(w, r)->role == RAFT_FOLLOWER) {
            ++*followers;
        }
    }
    return *leaders == 1 ? l : -1;
}

/* Steps 10 ms at a time until one live leader (other than `not`) or `until`; the time, or -1. */
static sim_time run_until_leader(struct scenario *sc, struct rmq_world *w, sim_time until, int not)
{
    int nl, nf;
    while (sim_now(sc->sim) < until) {
        sim_run(sc->sim, sim_now(sc->sim) + 10 * SIM_MS);
        int l = parse_servers(w, &nl, &nf);
        if (l >= 0 && l != not)
            return sim_now(sc->sim);
    }
    return -1;
}

/* Three members started with seed: a leader within 1 s, then 1 s more, exactly one leader and two followers
 * (the setup of LeaderElectorTest's three-server cases). Returns the leader. */
static int started_three(struct scenario *sc, uint64_t seed)
{
    load(sc, world_json(3, NULL), seed);
    struct rmq_world *w = rmq_world_get(sc->w);
    ck_assert_msg(run_until_leader(sc, w, 1 * SIM_S, -1) > 0, "seed %llu: no leader at 1 s", (unsigned long long)seed);
    sim_run(sc->sim, sim_now(sc->sim) + 1 * SIM_S);
    int nl, nf;
    int l = parse_servers(w, &nl, &nf);
    ck_assert_msg(nl == 1 && nf == 2, "seed %llu: %d leaders, %d followers", (unsigned long long)seed, nl, nf);
    return l;
}

/* testSingleServer: a group of one leads within 1 s; after a restart it leads again within 1 s, in the
 * same term. */
START_TEST(single_server)
{
    uint64_t seed = (uint64_t)_i;
    struct scenario sc;
    load(&sc, world_json(1, NULL), seed);
    struct rmq_world *w = rmq_world_get(sc.w);
    sim_run(sc.sim, 1 * SIM_S);
    ck_assert_msg(member(w, 0)->role == RAFT_LEADER, "seed %llu: no leader after 1 s", (unsigned long long)seed);
    sim_run(sc.sim, 5 * SIM_S);
    int64_t term = member(w, 0)->term;
    ck_assert_int_gt(w->rep.acct.n, 0);
    sim_crash(sc.sim, w->g[0].node[0], SIM_CRASH_PROCESS);
    sim_restart(sc.sim, w->g[0].node[0]);
    sim_run(sc.sim, 6 * SIM_S);
    ck_assert_msg(member(w, 0)->role == RAFT_LEADER, "seed %llu: no leader 1 s after the restart",
                  (unsigned long long)seed);
    ck_assert_int_eq(member(w, 0)->term, term);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* testThreeServer: 2 s after three members start, exactly one leads and two follow it, in its term. */
START_TEST(three_servers)
{
    uint64_t seed = (uint64_t)_i;
    struct scenario sc;
    load(&sc, world_json(3, NULL), seed);
    struct rmq_world *w = rmq_world_get(sc.w);
    sim_run(sc.sim, 2 * SIM_S);
    int nl, nf;
    int l = parse_servers(w, &nl, &nf);
    ck_assert_msg(nl == 1 && nf == 2, "seed %llu: %d leaders, %d followers at 2 s", (unsigned long long)seed, nl,
                  nf);
    for (int r = 0; r < 3; r++) {
        ck_assert_int_eq(member(w, r)->term, member(w, l)->term);
        ck_assert_int_eq(member(w, r)->leader, l);
    }
    scenario_free(&sc);
}
END_TEST

/* testThreeServerAndRestartFollower: 1 s after start there is a leader; each follower in turn is shut down
 * and relaunched; 2 s later it is a follower in the leader's term, and the leader still leads. */
START_TEST(restart_follower)
{
    uint64_t seed = (uint64_t)_i;
    struct scenario sc;
    load(&sc, world_json(3, NULL), seed);
    struct rmq_world *w = rmq_world_get(sc.w);
    sim_run(sc.sim, 1 * SIM_S);
    int nl, nf;
    int l = parse_servers(w, &nl, &nf);
    ck_assert_msg(nl == 1 && nf == 2, "seed %llu: %d leaders, %d followers at 1 s", (unsigned long long)seed, nl,
                  nf);
    int64_t term = member(w, l)->term;
    for (int r = 0; r < 3; r++) {
        if (r == l)
            continue;
        sim_crash(sc.sim, w->g[0].node[r], SIM_CRASH_PROCESS);
        sim_restart(sc.sim, w->g[0].node[r]);
        sim_run(sc.sim, sim_now(sc.sim) + 2 * SIM_S);
        ck_assert_msg(member(w, r)->role == RAFT_FOLLOWER, "seed %llu: member %d is not a follower 2 s after its restart",
                      (unsigned long long)seed, r);
        ck_assert_int_eq(member(w, l)->role, RAFT_LEADER);
        ck_assert_int_eq(member(w, r)->term, term);
        ck_assert_int_eq(member(w, l)->term, term);
    }
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* testThreeServerAndShutdownLeader: a leader 1 s after the first one appears; it is shut down; 1.5 s, then
 * up to 3 heartbeat intervals (6 s), then 1 s later the other two have one leader and one follower: a new
 * leader within 8.5 s of the shutdown. */
START_TEST(shutdown_leader)
{
    uint64_t seed = (uint64_t)_i;
    struct scenario sc;
    int l = started_three(&sc, seed), nl, nf;
    struct rmq_world *w = rmq_world_get(sc.w);
    sim_crash(sc.sim, w->g[0].node[l], SIM_CRASH_PROCESS);
    sim_time crash = sim_now(sc.sim);
    sim_time t = run_until_leader(&sc, w, crash + 8500 * SIM_MS, l);
    ck_assert_msg(t > 0, "seed %llu: no new leader 8.5 s after the leader's shutdown", (unsigned long long)seed);
    sim_run(sc.sim, crash + 8500 * SIM_MS);
    ck_assert(parse_servers(w, &nl, &nf) >= 0);
    ck_assert_int_eq(nl, 1);
    ck_assert_int_eq(nf, 1);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* The StateMaintainer is one thread that waits in its round (voteLatch.await: 2000 ms + up to maxVoteIntervalMs,
 * unless the answers release it) and parses it after, whatever its role has become: a vote request of a larger
 * term (handleVote, on a request thread) makes the member a candidate of that term and answers
 * REJECT_TERM_NOT_READY, but the member raises its term (needIncreaseTermImmediately) only once its round is
 * over, and the other candidate revotes meanwhile. mqsim ended the round at the role change and raised the term
 * at its next 10 ms tick. Three members, the leader's host crashed, seeds 1..40, stepping 1 ms: members are told
 * to raise their term while their vote round waits (the dead member never answers it), and one of them raises
 * it more than 100 ms later, at its round's end; every seed elects a new leader. */
START_TEST(vote_round_waits_through_role_change)
{
    int told = 0;
    sim_time longest = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        struct scenario sc;
        int l = started_three(&sc, seed);
        struct rmq_world *w = rmq_world_get(sc.w);
        sim_crash(sc.sim, w->g[0].node[l], SIM_CRASH_HOST);
        sim_time crash = sim_now(sc.sim), t = crash, told_at[3] = {-1, -1, -1};
        int64_t told_term[3] = {0, 0, 0};
        int nl, nf, nlead = -1;
        while (t < crash + 20 * SIM_S && nlead < 0) {
            sim_run(sc.sim, t += SIM_MS);
            for (int r = 0; r < 3; r++) {
                const struct raft *m = member(w, r);
                if (r == l)
                    continue;
                if (told_at[r] < 0 && m->busy && m->round_is_vote && m->need_increase_term) {
                    told_at[r] = t;   /* told during its round */
                    told_term[r] = m->term;
                    told++;
                } else if (told_at[r] >= 0 && m->term > told_term[r]) {
                    ck_assert_int_eq(m->busy && m->round_is_vote && m->round_term == told_term[r], 0);
                    if (t - told_at[r] > longest)
                        longest = t - told_at[r];
                    told_at[r] = -1;
                }
            }
            nlead = parse_servers(w, &nl, &nf);
        }
        ck_assert_msg(nlead >= 0, "seed %llu: no new leader 20 s after the crash", (unsigned long long)seed);
        scenario_free(&sc);
    }
    ck_assert_int_gt(told, 0);
    ck_assert_int_gt(longest, 100 * SIM_MS);
}
END_TEST

/* testThreeServerAndShutdownFollowers: both followers shut down; within 4 heartbeat intervals (8 s) the
 * leader is a candidate, still in its term (stepping down does not raise it). */
START_TEST(shutdown_followers)
{
    uint64_t seed = (uint64_t)_i;
    struct scenario sc;
    int l = started_three(&sc, seed);
    struct rmq_world *w = rmq_world_get(sc.w);
    for (int r = 0; r < 3; r++)
        if (r != l)
            sim_crash(sc.sim, w->g[0].node[r], SIM_CRASH_PROCESS);
    int64_t term = member(w, l)->term;
    sim_time start = sim_now(sc.sim);
    while (member(w, l)->role == RAFT_LEADER && sim_now(sc.sim) - start < 8 * SIM_S)
        sim_run(sc.sim, sim_now(sc.sim) + 10 * SIM_MS);
    ck_assert_msg(member(w, l)->role == RAFT_CANDIDATE, "seed %llu: still %d after 8 s", (unsigned long long)seed,
                  member(w, l)->role);
    ck_assert_int_eq(member(w, l)->term, term);
    scenario_free(&sc);
}
END_TEST

/* testThreeServerAndPreferredLeader: with n2 preferred, 1 s + 3 s after start n2 leads; shut down, the
 * other two elect a leader within 1.5 s + 6 s + 0.3 s; relaunched, n2 leads again in a later term within
 * 3 s + 1.5 s. */
START_TEST(preferred_leader)
{
    uint64_t seed = (uint64_t)_i;
    struct scenario sc;
    load(&sc, world_json(3, "\"preferred_leader\": 2"), seed);
    struct rmq_world *w = rmq_world_get(sc.w);
    ck_assert(run_until_leader(&sc, w, 1 * SIM_S, -1) > 0);
    sim_run(sc.sim, sim_now(sc.sim) + 3 * SIM_S);
    int nl, nf;
    int l = parse_servers(w, &nl, &nf);
    ck_assert_msg(l == 2 && nf == 2, "seed %llu: leader %d, %d followers, want the preferred 2",
                  (unsigned long long)seed, l, nf);
    sim_crash(sc.sim, w->g[0].node[2], SIM_CRASH_PROCESS);
    sim_time crash = sim_now(sc.sim);
    ck_assert_msg(run_until_leader(&sc, w, crash + 7800 * SIM_MS, 2) > 0, "seed %llu: no leader without n2",
                  (unsigned long long)seed);
    sim_run(sc.sim, sim_now(sc.sim) + 300 * SIM_MS);
    int64_t old_term = member(w, parse_servers(w, &nl, &nf))->term;
    ck_assert_int_eq(nf, 1);
    sim_restart(sc.sim, w->g[0].node[2]);
    sim_time back = sim_now(sc.sim);
    while (sim_now(sc.sim) - back < 3 * SIM_S &&
           !(member(w, 2)->role == RAFT_LEADER && member(w, 2)->term > old_term))
        sim_run(sc.sim, sim_now(sc.sim) + 10 * SIM_MS);
    sim_run(sc.sim, sim_now(sc.sim) + 1500 * SIM_MS);
    l = parse_servers(w, &nl, &nf);
    ck_assert_msg(l == 2 && nf >= 1, "seed %llu: leader %d 4.5 s after the preferred leader came back",
                  (unsigned long long)seed, l);
    ck_assert_int_gt(member(w, 2)->term, old_term);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* The fault op: a planned switch hands leadership to the named member, in the next term, and the old
 * leader follows it. */
START_TEST(planned_switch)
{
    uint64_t seed = (uint64_t)_i;
    struct scenario sc;
    static char text[4096];
    snprintf(text, sizeof text, "%s", world_json(3, NULL));
    char *end = strrchr(text, '}');
    snprintf(end, sizeof text - (size_t)(end - text),
             ", \"faults\": [{\"at_ms\": 10000, \"op\": \"transfer_leadership\", \"group\": \"broker-a\", "
             "\"to\": \"any\"}]}");
    load(&sc, text, seed);
    struct rmq_world *w = rmq_world_get(sc.w);
    sim_run(sc.sim, 10 * SIM_S - 1);
    int nl, nf;
    int l = parse_servers(w, &nl, &nf);
    ck_assert(l >= 0);
    int64_t term = member(w, l)->term;
    sim_run(sc.sim, 12 * SIM_S);
    int l2 = parse_servers(w, &nl, &nf);
    ck_assert_msg(l2 >= 0 && l2 != l && nf == 2, "seed %llu: leader %d -> %d", (unsigned long long)seed, l, l2);
    ck_assert_int_eq(member(w, l2)->term, term + 1);
    ck_assert_int_eq(member(w, l)->leader, l2);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* handleVote's REJECT_TAKING_LEADERSHIP: while the preferred leader takes leadership (a transfer made it a
 * candidate of the term it is to take), it refuses another candidate of that term whose log is no longer
 * than its own, and votes for one whose log is longer. */
START_TEST(taking_leadership_refuses_votes)
{
    uint64_t seed = (uint64_t)_i;
    struct scenario sc;
    load(&sc, world_json(3, "\"preferred_leader\": 2"), seed);
    struct rmq_world *w = rmq_world_get(sc.w);
    sim_run(sc.sim, 10 * SIM_S);
    ck_assert_int_eq(member(w, 2)->role, RAFT_LEADER);
    sim_crash(sc.sim, w->g[0].node[2], SIM_CRASH_PROCESS);
    sim_run(sc.sim, 20 * SIM_S);
    sim_restart(sc.sim, w->g[0].node[2]);
    /* The leader's checkPreferredLeader (every 1 s) hands leadership to n2, which becomes a candidate of
     * the next term and raises its term at its next tick. */
    struct raft *n2 = (struct raft *)member(w, 2);
    sim_time until = sim_now(sc.sim) + 5 * SIM_S;
    while (sim_now(sc.sim) < until && !(raft_taking_leadership(n2) && n2->term == n2->term_to_take))
        sim_run(sc.sim, sim_now(sc.sim) + 100 * SIM_US);
    ck_assert_msg(raft_taking_leadership(n2) && n2->term == n2->term_to_take, "seed %llu: n2 never took over",
                  (unsigned long long)seed);
    struct vote_req q = {n2->term, raft_end(n2), raft_end_term(n2), 0};
    ck_assert_int_eq(raft_handle_vote(n2, &q, 0), V_REJECT_TAKING_LEADERSHIP);
    q.end_index++;   /* a longer log of the same term: the usual rules, and it is the first vote this term */
    ck_assert_int_eq(raft_handle_vote(n2, &q, 0), V_ACCEPT);
    scenario_free(&sc);
}
END_TEST

static Suite *elector_suite(void)
{
    Suite *s = suite_create("dledger_elector");
    TCase *t = tcase_create("LeaderElectorTest");
    tcase_set_timeout(t, 300);
    tcase_add_loop_test(t, single_server, 1, SEEDS + 1);
    tcase_add_loop_test(t, three_servers, 1, SEEDS + 1);
    tcase_add_loop_test(t, restart_follower, 1, SEEDS + 1);
    tcase_add_loop_test(t, shutdown_leader, 1, SEEDS + 1);
    tcase_add_test(t, vote_round_waits_through_role_change);
    tcase_add_loop_test(t, shutdown_followers, 1, SEEDS + 1);
    tcase_add_loop_test(t, preferred_leader, 1, SEEDS + 1);
    tcase_add_loop_test(t, planned_switch, 1, SEEDS + 1);
    tcase_add_loop_test(t, taking_leadership_refuses_votes, 1, SEEDS + 1);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run_suite(elector_suite());
}
