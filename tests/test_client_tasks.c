/* test_client_tasks: MQClientInstance.startScheduledTask's one thread (models/client/client_tasks.c). The route
 * poll (10 ms, then every 30 s), the heartbeat round (1 s, then every 30 s) and the offset persistence share a
 * newSingleThreadScheduledExecutor: a task waiting on an invokeSync holds back the tasks due meanwhile, and a
 * client started at any time has all of them shifted alike.
 *
 * First the executor alone, on a bare node whose tasks hold the thread as long as a test says, each run
 * logged; then a consumer in a master/slave group over constant 1 ms links. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "models/client/client_tasks.h"
#include "sim/sim.h"
#include "tests/harness.h"

/* ---- the executor alone ---- */

#define T_DONE 16   /* timer tag ending task t's hold: T_DONE + t; a task's own timers carry t + 1 */

struct fx {
    struct sim *s;
    struct sim_node *n;
    struct client_tasks ct;
    sim_time hold[CT_N];    /* how long each run of a task holds the thread; 0: over at once */
    int nlog;
    struct {
        sim_time at;
        int task;
    } log[64];
};

static int fx_run(void *owner, enum ct_task t)
{
    struct fx *f = owner;
    /* The thread is held by this task alone, and no task waits while it is free. */
    ck_assert(ct_holds(&f->ct, t));
    if (f->nlog < 64) {
        f->log[f->nlog].at = sim_now(f->s);
        f->log[f->nlog].task = (int)t;
        f->nlog++;
    }
    if (f->hold[t] > 0) {
        node_timer(f->n, f->hold[t], T_DONE + (uint64_t)t);
        return 1;
    }
    return 0;
}

static void fx_start(struct sim_node *n)
{
    struct fx *f = n->model;
    ct_start(&f->ct, 0, NULL);
}

static void fx_timer(struct sim_node *n, uint64_t tag)
{
    struct fx *f = n->model;
    if (tag >= T_DONE)
        ct_done(&f->ct, (enum ct_task)(tag - T_DONE));
    else
        ct_on_timer(&f->ct, (enum ct_task)(tag - 1));
}

static const struct sim_node_ops fx_ops = {.start = fx_start, .on_timer = fx_timer};

/* RocketMQ's delays: the route poll at 10 ms, the heartbeat at 1 s, the persistence at 10 s; periods given. */
static void fx_init(struct fx *f, sim_time route, sim_time heartbeat, sim_time persist)
{
    memset(f, 0, sizeof *f);
    f->s = sim_new(1);
    ck_assert_ptr_nonnull(f->s);
    sim_node_id id = sim_node_add(f->s, "client", &fx_ops, f);
    f->n = sim_node(f->s, id);
    ct_init(&f->ct, f->n, fx_run, f);
    ct_define(&f->ct, CT_ROUTE, 1 + CT_ROUTE, 10 * SIM_MS, route);
    ct_define(&f->ct, CT_HEARTBEAT, 1 + CT_HEARTBEAT, 1 * SIM_S, heartbeat);
    ct_define(&f->ct, CT_PERSIST, 1 + CT_PERSIST, 10 * SIM_S, persist);
}

/* A run the log must hold: when, which task. */
struct want {
    double at_ms;
    enum ct_task task;
};

/* The log holds exactly the n runs of w, in order. */
static void fx_check(const struct fx *f, const struct want *w, int n)
{
    for (int k = 0; k < n && k < f->nlog; k++)
        ck_assert_msg(f->log[k].at == (sim_time)(w[k].at_ms * SIM_MS) && f->log[k].task == (int)w[k].task,
                      "run %d: task %d at %.3f ms, expected task %d at %.3f ms", k, f->log[k].task,
                      (double)f->log[k].at / SIM_MS, (int)w[k].task, w[k].at_ms);
    ck_assert_int_eq(f->nlog, n);
}

#define FX_CHECK(f, ...)                                                                                      \
    do {                                                                                                      \
        static const struct want w_[] = {__VA_ARGS__};                                                        \
        fx_check((f), w_, (int)(sizeof w_ / sizeof w_[0]));                                                   \
    } while (0)

/* Nothing waits: every task runs at its initial delay plus whole periods. */
START_TEST(fixed_rates)
{
    struct fx f;
    fx_init(&f, 30 * SIM_S, 30 * SIM_S, 5 * SIM_S);
    sim_run(f.s, 31 * SIM_S);
    FX_CHECK(&f, {10, CT_ROUTE}, {1000, CT_HEARTBEAT}, {10000, CT_PERSIST}, {15000, CT_PERSIST},
             {20000, CT_PERSIST}, {25000, CT_PERSIST}, {30000, CT_PERSIST}, {30010, CT_ROUTE},
             {31000, CT_HEARTBEAT});
    sim_free(f.s);
}
END_TEST

/* A heartbeat round holding the thread 12 s (from 1 s to 13 s) holds back the polls due at 3.01, 6.01, 9.01
 * and 12.01 s (every 3 s) and the persistence of 10 s. At 13 s they run as the JDK's DelayedWorkQueue orders
 * them, earliest scheduled time first: the poll of 3.01 s, then its next runs, each scheduled a period after
 * the last and already due (6.01, 9.01 s), then the persistence (10 s), then the poll of 12.01 s; then every
 * task is on its own schedule again (the poll at 15.01 s, the persistence at 15 s), as scheduleAtFixedRate
 * keeps it. */
START_TEST(held_back_tasks_catch_up_in_order)
{
    struct fx f;
    fx_init(&f, 3 * SIM_S, 30 * SIM_S, 5 * SIM_S);
    f.hold[CT_HEARTBEAT] = 12 * SIM_S;
    sim_run(f.s, 16 * SIM_S);
    FX_CHECK(&f, {10, CT_ROUTE}, {1000, CT_HEARTBEAT}, {13000, CT_ROUTE}, {13000, CT_ROUTE}, {13000, CT_ROUTE},
             {13000, CT_PERSIST}, {13000, CT_ROUTE}, {15000, CT_PERSIST}, {15010, CT_ROUTE});
    sim_free(f.s);
}
END_TEST

/* Tasks due at the same time run in the order they were created (route, heartbeat, persistence); a task due
 * while another holds the thread runs as soon as it is free, and its own schedule does not move. */
START_TEST(ties_and_one_wait)
{
    struct fx f;
    /* Every 1 s from 10 ms, 1 s and 10 s: the poll and the heartbeat are never due together; each poll holds
     * the thread 995 ms, so each heartbeat waits 5 ms for it, and keeps its own schedule. */
    fx_init(&f, 1 * SIM_S, 1 * SIM_S, 1 * SIM_S);
    f.hold[CT_ROUTE] = 995 * SIM_MS;
    sim_run(f.s, 2100 * SIM_MS);
    FX_CHECK(&f, {10, CT_ROUTE}, {1005, CT_HEARTBEAT}, {1010, CT_ROUTE}, {2005, CT_HEARTBEAT}, {2010, CT_ROUTE});
    sim_free(f.s);
    /* Equal times: the heartbeat's and the persistence's periods put them both at 10 s. */
    fx_init(&f, 30 * SIM_S, 9 * SIM_S, 5 * SIM_S);
    sim_run(f.s, 10 * SIM_S + 1);
    FX_CHECK(&f, {10, CT_ROUTE}, {1000, CT_HEARTBEAT}, {10000, CT_HEARTBEAT}, {10000, CT_PERSIST});
    sim_free(f.s);
}
END_TEST

/* The phase set at the route's first run shifts every task's runs after its first by the phase modulo its
 * period: 5.5 s gives the poll 5.51 s (10 ms + 5.5 s), the heartbeat 6.5 s (990 ms after the poll, as
 * without a phase), the persistence every 5 s from 10.5 s (10 s + 0.5 s). */
START_TEST(one_phase)
{
    struct fx f;
    fx_init(&f, 30 * SIM_S, 30 * SIM_S, 5 * SIM_S);
    sim_run(f.s, 5 * SIM_MS);
    ct_set_phase(&f.ct, 5500 * SIM_MS);   /* as a client does at its first poll, before the poll runs */
    sim_run(f.s, 16 * SIM_S);
    FX_CHECK(&f, {10, CT_ROUTE}, {1000, CT_HEARTBEAT}, {5510, CT_ROUTE}, {6500, CT_HEARTBEAT}, {10000, CT_PERSIST},
             {10500, CT_PERSIST}, {15500, CT_PERSIST});
    sim_free(f.s);
}
END_TEST

/* A paused process's timers fire when the pause ends: the tasks due meanwhile then run as after a hold (the
 * poll of 3.01 s, its next of 6.01 s, already due), and go on at their rates (the poll at 9.01 s). */
START_TEST(pause_delays_and_keeps_the_tasks)
{
    struct fx f;
    fx_init(&f, 3 * SIM_S, 30 * SIM_S, 5 * SIM_S);
    sim_run(f.s, 2 * SIM_S);
    sim_pause(f.s, f.n->id, 6 * SIM_S);
    sim_run(f.s, 13 * SIM_S);
    FX_CHECK(&f, {10, CT_ROUTE}, {1000, CT_HEARTBEAT}, {8000, CT_ROUTE}, {8000, CT_ROUTE}, {9010, CT_ROUTE},
             {10000, CT_PERSIST}, {12010, CT_ROUTE});
    sim_free(f.s);
}
END_TEST

/* ---- a consumer in a group ---- */

static const char *const WORLD =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 100000, \"seed\": %d, \"trace\": \"full\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
    " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
    " \"faults\": [%s]}";

#define ROUTE "\"ev\":\"route.change\""
#define C0 "\"node\":\"consumer-0\""
#define HB "\"ev\":\"broker.heartbeat\""
#define A0 "\"node\":\"broker-a-0\""

static void run(struct th_run *r, int seed, const char *faults, const char *const *sets, int nsets)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, WORLD, seed, faults);
    th_run(r, buf, sets, nsets);
}

/* The slave's process dies at 40 s and the NameServer drops it at once (its channel closed): the consumer's
 * next poll, at a random point of its 30 s period, brings the route without it (traced 2 ms after the poll:
 * the request's and the answer's 1 ms). The heartbeat round of the same schedule comes 990 ms after the poll
 * (1 s against 10 ms from the start) and reaches the master 1 ms later, whatever the phase drawn: 989 ms after
 * the route change, at every seed. */
START_TEST(one_phase_for_all_tasks)
{
    double first_rc = -1;
    int phases_differ = 0;
    for (int seed = 1; seed <= 4; seed++) {
        struct th_run r;
        run(&r, seed, "{\"at_ms\": 40000, \"op\": \"crash_process\", \"node\": \"broker-a-1\"}", NULL, 0);
        double rc = th_first(r.trace, ROUTE, C0, 40000);
        double hb = th_first(r.trace, HB, A0, rc);
        fprintf(stderr, "seed %d: route change at %.3f ms, next heartbeat at the master %.3f ms (+%.3f)\n", seed,
                rc, hb, hb - rc);
        ck_assert_double_gt(rc, 40000);
        ck_assert_double_lt(rc, 70100);
        ck_assert_double_eq_tol(hb - rc, 989, 1e-6);
        if (first_rc < 0)
            first_rc = rc;
        else if (rc != first_rc)
            phases_differ = 1;
        th_run_free(&r);
    }
    ck_assert(phases_differ);   /* the seeds drew different phases */
}
END_TEST

/* A heartbeat round waiting holds back the route poll. Without the random phase the schedule is RocketMQ's for
 * a client started at 0: polls at 10 ms + 30 s k. The slave's host dies at 20 s (no reset: a heartbeat to it
 * waits its whole 3 s timeout) and the master's process at 25 s (the NameServer drops it at once). With
 * heartbeats every 30 s (1 s + 30 s k) the poll of 30.01 s runs on time and brings the route without the
 * master at 30.012 s; with heartbeats every 29 s the round of 30 s (the master refused after a round trip, then the
 * slave's 3 s timeout) holds the thread until 33.002 s, and the poll due at 30.01 s runs then: 33.004 s. */
START_TEST(waiting_round_holds_back_the_poll)
{
    const char *faults = "{\"at_ms\": 20000, \"op\": \"crash_host\", \"node\": \"broker-a-1\"},"
                         " {\"at_ms\": 25000, \"op\": \"crash_process\", \"node\": \"broker-a-0\"}";
    const char *fixed[] = {"consumers.random_poll_phase=false"};
    const char *late[] = {"consumers.random_poll_phase=false", "consumers.heartbeat_broker_interval_ms=29000"};
    struct th_run r;
    run(&r, 1, faults, fixed, 1);
    double on_time = th_first(r.trace, ROUTE, C0, 25000);
    th_run_free(&r);
    run(&r, 1, faults, late, 2);
    double held = th_first(r.trace, ROUTE, C0, 25000);
    th_run_free(&r);
    fprintf(stderr, "route without the master: %.3f ms (heartbeats every 30 s), %.3f ms (every 29 s)\n", on_time,
            held);
    ck_assert_double_eq_tol(on_time, 30012, 1e-6);
    ck_assert_double_eq_tol(held, 33004, 1e-6);
}
END_TEST

/* A consumer paused from 30 s to 32 s: its round due at 31.3 s (the phase seed 1 draws) goes when the pause
 * ends, and the next ones keep their schedule, 61.3 s and 91.3 s. */
START_TEST(paused_consumer_keeps_its_schedule)
{
    struct th_run r;
    run(&r, 1, "{\"at_ms\": 30000, \"op\": \"pause\", \"node\": \"consumer-0\", \"duration_ms\": 2000}", NULL, 0);
    double after = th_first(r.trace, HB, A0, 30000);
    int later = th_count(r.trace, HB, A0, 33000, 1e12);
    double next = th_first(r.trace, HB, A0, 33000);
    fprintf(stderr, "consumer paused 30-32 s: heartbeats at the master at %.3f ms, then %d more from %.3f ms\n",
            after, later, next);
    ck_assert_double_eq_tol(after, 32003, 1e-6);
    ck_assert_int_eq(later, 2);
    ck_assert_double_gt(next, 61000);
    ck_assert_double_lt(next, 62000);
    th_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("client_tasks");
    TCase *ex = tcase_create("executor");
    tcase_add_test(ex, fixed_rates);
    tcase_add_test(ex, held_back_tasks_catch_up_in_order);
    tcase_add_test(ex, ties_and_one_wait);
    tcase_add_test(ex, one_phase);
    tcase_add_test(ex, pause_delays_and_keeps_the_tasks);
    suite_add_tcase(s, ex);
    TCase *tc = tcase_create("consumer");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, one_phase_for_all_tasks);
    tcase_add_test(tc, waiting_round_holds_back_the_poll);
    tcase_add_test(tc, paused_consumer_keeps_its_schedule);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(suite());
}
