/* test_sim_faults: crashes (timers and connections of a crashed node, connections to it, crashes during a
 * handshake), pauses, and fault plans read from a scenario's "faults" section and their errors.
 *
 * Every test builds a small world of recording nodes (struct th_world, tests/harness.h) with constant
 * latencies, so the times asserted are exact. A test gives the nodes behaviour through the world's optional
 * callbacks. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/conf.h"
#include "sim/fault.h"
#include "sim/net.h"
#include "sim/sim.h"
#include "tests/harness.h"

/* ---- crashes ----------------------------------------------------------------------------------------- */

static void crash_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id == 0) {
        /* Tag: incarnation * 100 + due ms. */
        node_timer(n, 10 * SIM_MS, n->inc * 100 + 10);
        node_timer(n, 20 * SIM_MS, n->inc * 100 + 20);
    }
}

START_TEST(test_crash_timers)
{
    for (int kind = SIM_CRASH_PROCESS; kind <= SIM_CRASH_HOST; kind++) {
        struct th_world w;
        th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
        w.start = crash_start;
        sim_run(w.s, 5 * SIM_MS);
        sim_crash(w.s, 0, (enum sim_crash_kind)kind);
        const struct th_rec *cr = th_world_find(&w, TH_R_CRASH, 0, 0);
        TH_ASSERT_AT(cr, 5 * SIM_MS);
        ck_assert_uint_eq(cr->a, (uint32_t)kind);
        ck_assert_int_eq(th_world_node(&w, 0)->state,
                         kind == SIM_CRASH_HOST ? SIM_NODE_HOST_DOWN : SIM_NODE_PROCESS_DOWN);
        /* Crashing a dead node again does nothing. */
        sim_crash(w.s, 0, SIM_CRASH_PROCESS);
        ck_assert_int_eq(th_world_count(&w, TH_R_CRASH, 0), 1);
        /* A dead node can neither send nor set timers. */
        ck_assert_int_eq(node_send(th_world_node(&w, 0), 1, 1, NULL, 0, 0), -1);
        ck_assert_uint_eq(node_timer(th_world_node(&w, 0), 1 * SIM_MS, 999), 0);
        ck_assert_uint_eq(node_connect(th_world_node(&w, 0), 1, 0), 0);
        /* It receives nothing. */
        node_send(th_world_node(&w, 1), 0, 1, NULL, 0, 0);
        sim_run(w.s, 15 * SIM_MS);
        ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 0), 0);
        ck_assert_uint_eq(sim_stats(w.s)->msgs_dropped_down, 1);
        ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, 0), 0);

        /* Restart at 15 ms: start runs again; the old life's timer at 20 ms never fires, the new ones do. */
        sim_restart(w.s, 0);
        sim_restart(w.s, 0);   /* already up: no-op */
        sim_run(w.s, SIM_TIME_MAX);
        ck_assert_int_eq(th_world_count(&w, TH_R_START, 0), 2);
        TH_ASSERT_AT(th_world_find(&w, TH_R_START, 0, 1), 15 * SIM_MS);
        ck_assert_int_eq(th_world_count(&w, TH_R_TIMER, 0), 2);
        ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, 0, 0)->tag, 110);
        TH_ASSERT_AT(th_world_find(&w, TH_R_TIMER, 0, 0), 25 * SIM_MS);
        ck_assert_uint_eq(th_world_find(&w, TH_R_TIMER, 0, 1)->tag, 120);
        TH_ASSERT_AT(th_world_find(&w, TH_R_TIMER, 0, 1), 35 * SIM_MS);
        /* And it receives again. */
        node_send(th_world_node(&w, 1), 0, 1, NULL, 0, 0);
        sim_run(w.s, SIM_TIME_MAX);
        ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 0), 1);
        th_world_free(&w);
    }
}
END_TEST

START_TEST(test_connect_to_crashed)
{
    const sim_time L = 2 * SIM_MS;
    struct th_world w;

    /* Process down, host up: refused after one round trip. */
    th_world_init(&w, 1, 2, L, 0);
    sim_run(w.s, 1 * SIM_MS);
    sim_crash(w.s, 1, SIM_CRASH_PROCESS);
    sim_conn c = node_connect(th_world_node(&w, 0), 1, 5);
    sim_run(w.s, SIM_TIME_MAX);
    const struct th_rec *f = th_world_find_conn(&w, 0, SIM_CONN_FAILED, 0);
    TH_ASSERT_AT(f, 1 * SIM_MS + 2 * L);
    ck_assert_uint_eq(f->tag, 5);
    ck_assert_uint_eq(f->conn, c);
    ck_assert_int_eq(th_world_count(&w, TH_R_CONN, SIM_NODE_NONE), 1);
    th_world_free(&w);

    /* Host down: no answer, fails after the connect timeout. */
    th_world_init(&w, 1, 2, L, 0);
    sim_run(w.s, 1 * SIM_MS);
    sim_crash(w.s, 1, SIM_CRASH_HOST);
    c = node_connect(th_world_node(&w, 0), 1, 6);
    sim_run(w.s, SIM_TIME_MAX);
    f = th_world_find_conn(&w, 0, SIM_CONN_FAILED, 0);
    TH_ASSERT_AT(f, 1 * SIM_MS + 3000 * SIM_MS);
    ck_assert_uint_eq(f->tag, 6);
    ck_assert_int_eq(th_world_count(&w, TH_R_CONN, SIM_NODE_NONE), 1);
    th_world_free(&w);
}
END_TEST

START_TEST(test_crash_closes_conn)
{
    const sim_time L = 2 * SIM_MS;
    struct th_world w;

    /* Process crash of the accepting side: the connector gets CLOSED one latency later. */
    th_world_init(&w, 1, 2, L, 0);
    w.start = th_world_connect_start;
    sim_run(w.s, 10 * SIM_MS);
    sim_conn c = w.c[0];
    ck_assert_int_eq(node_conn_open(th_world_node(&w, 0), c), 1);
    sim_crash(w.s, 1, SIM_CRASH_PROCESS);
    sim_run(w.s, SIM_TIME_MAX);
    const struct th_rec *cl = th_world_find_conn(&w, 0, SIM_CONN_CLOSED, 0);
    TH_ASSERT_AT(cl, 10 * SIM_MS + L);
    ck_assert_uint_eq(cl->conn, c);
    ck_assert_uint_eq(cl->b, 1);
    ck_assert_int_eq(node_conn_open(th_world_node(&w, 0), c), 0);
    th_world_free(&w);

    /* And of the connecting side: the acceptor is told. */
    th_world_init(&w, 1, 2, L, 0);
    w.start = th_world_connect_start;
    sim_run(w.s, 10 * SIM_MS);
    sim_crash(w.s, 0, SIM_CRASH_PROCESS);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find_conn(&w, 1, SIM_CONN_CLOSED, 0), 10 * SIM_MS + L);
    ck_assert_int_eq(node_conn_open(th_world_node(&w, 1), w.c[0]), 0);
    th_world_free(&w);

    /* Host crash: the peer hears nothing and its side stays open... */
    th_world_init(&w, 1, 2, L, 0);
    w.start = th_world_connect_start;
    sim_run(w.s, 10 * SIM_MS);
    c = w.c[0];
    sim_crash(w.s, 1, SIM_CRASH_HOST);
    sim_run(w.s, 20 * SIM_MS);
    ck_assert_ptr_null(th_world_find_conn(&w, 0, SIM_CONN_CLOSED, 0));
    ck_assert_int_eq(node_conn_open(th_world_node(&w, 0), c), 1);
    /* ...what it sends is lost while the host is down... */
    ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 1, NULL, 0, 0), 0);
    sim_run(w.s, 30 * SIM_MS);
    /* ...and once the host is back, data for the old connection is answered with a reset. */
    sim_restart(w.s, 1);
    sim_run(w.s, 40 * SIM_MS);
    ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 1, NULL, 0, 0), 0);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 0);
    TH_ASSERT_AT(th_world_find_conn(&w, 0, SIM_CONN_CLOSED, 0), 40 * SIM_MS + 2 * L);
    ck_assert_int_eq(node_conn_open(th_world_node(&w, 0), c), 0);
    /* The restarted node's own view: not its connection. */
    ck_assert_int_eq(node_conn_open(th_world_node(&w, 1), c), 0);
    ck_assert_uint_eq(node_conn_peer(th_world_node(&w, 1), c), SIM_NODE_NONE);
    th_world_free(&w);
}
END_TEST

/* A fixed bug (sim/net.c, node_conn_close / net_on_crash / net_conn_event ACCEPTED): a connection closed, or
 * whose connecting process died, between node_connect and the SYN's arrival was still ACCEPTED by the peer,
 * which then held an open connection forever, although node_conn_close promises the peer gets CLOSED. */
static void close_early_start(struct th_world *w, struct sim_node *n)
{
    if (n->id != 0)
        return;
    w->c[0] = node_connect(n, 1, 1);
    if (w->u[0] == 0)
        node_conn_close(n, w->c[0]);
}

START_TEST(test_conn_closed_during_handshake)
{
    const sim_time L = 5 * SIM_MS;
    int how = _i;   /* 0: the connector closes at once; 1: its process dies at 1 ms, its host stays up */
    struct th_world w;
    th_world_init(&w, 1, 2, L, 0);
    w.u[0] = (uint64_t)how;
    w.start = close_early_start;
    sim_run(w.s, 1 * SIM_MS);
    if (how == 1)
        sim_crash(w.s, 0, SIM_CRASH_PROCESS);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_ptr_null(th_world_find_conn(&w, 0, SIM_CONN_UP, 0));
    /* Either the peer never accepts, or it accepts and is then told the connection closed. */
    const struct th_rec *acc = th_world_find_conn(&w, 1, SIM_CONN_ACCEPTED, 0);
    if (acc)
        ck_assert_msg(th_world_find_conn(&w, 1, SIM_CONN_CLOSED, 0) != NULL,
                      "%s: the acceptor got ACCEPTED at %lld ns and never CLOSED",
                      how ? "connector crashed" : "connector closed", (long long)acc->t);
    ck_assert_int_eq(node_conn_open(th_world_node(&w, 1), w.c[0]), 0);
    th_world_free(&w);
}
END_TEST

/* A fixed bug (sim/net.c, node_connect): the handshake's outcome was decided when node_connect was called,
 * from the peer's state then. If the peer's process died while the SYN was in flight (host up), the
 * connector still got UP and kept the connection open forever; a real connector is refused. */
START_TEST(test_conn_peer_crash_during_handshake)
{
    const sim_time L = 5 * SIM_MS;
    struct th_world w;
    th_world_init(&w, 1, 2, L, 0);
    w.start = th_world_connect_start;
    sim_run(w.s, 1 * SIM_MS);
    sim_crash(w.s, 1, SIM_CRASH_PROCESS);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_ptr_null(th_world_find_conn(&w, 1, SIM_CONN_ACCEPTED, 0));
    const struct th_rec *up = th_world_find_conn(&w, 0, SIM_CONN_UP, 0);
    ck_assert_msg(up == NULL || th_world_find_conn(&w, 0, SIM_CONN_CLOSED, 0) != NULL,
                  "the connector got UP at %lld ns to a process that died before the SYN arrived, "
                  "and was never told", up ? (long long)up->t : 0LL);
    ck_assert_int_eq(node_conn_open(th_world_node(&w, 0), w.c[0]), 0);
    th_world_free(&w);
}
END_TEST

/* ---- pause ------------------------------------------------------------------------------------------- */

static void pause_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id == 0) {
        node_timer(n, 5 * SIM_MS, 1);
        node_timer(n, 30 * SIM_MS, 2);
    }
}

START_TEST(test_pause)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    th_world_disk(&w, TH_DISK_CONST);
    w.start = pause_start;
    sim_run(w.s, 2 * SIM_MS);
    sim_pause(w.s, 0, 10 * SIM_MS);                     /* frozen until 12 ms */
    ck_assert_int_eq(th_world_node(&w, 0)->paused_until, 12 * SIM_MS);
    node_disk_append(th_world_node(&w, 0), 0, 1, 7);          /* completes at 3 ms, seen at 12 ms */
    sim_run(w.s, 3 * SIM_MS);
    uint64_t k = 1;
    node_send(th_world_node(&w, 1), 0, 1, &k, sizeof k, 0);   /* arrives at 4 ms */
    sim_run(w.s, 4 * SIM_MS);
    k = 2;
    node_send(th_world_node(&w, 1), 0, 1, &k, sizeof k, 0);   /* arrives at 5 ms, after the timer (scheduled first) */
    sim_run(w.s, 11 * SIM_MS);
    ck_assert_uint_eq(w.nr, 2);                      /* only the two starts so far */
    sim_run(w.s, SIM_TIME_MAX);
    /* At 12 ms, in the order they were due: disk (3 ms), message 1 (4 ms), timer (5 ms), message 2 (5 ms). */
    ck_assert_uint_eq(w.nr, 2 + 5);
    ck_assert_uint_eq(w.r[2].kind, TH_R_DISK);
    ck_assert_uint_eq(w.r[3].kind, TH_R_MSG);
    ck_assert_uint_eq(w.r[3].tag, 1);
    ck_assert_uint_eq(w.r[4].kind, TH_R_TIMER);
    ck_assert_uint_eq(w.r[4].tag, 1);
    ck_assert_uint_eq(w.r[5].kind, TH_R_MSG);
    ck_assert_uint_eq(w.r[5].tag, 2);
    for (int i = 2; i < 6; i++)
        TH_ASSERT_AT(&w.r[i], 12 * SIM_MS);
    /* A timer due after the pause is not moved. */
    ck_assert_uint_eq(w.r[6].tag, 2);
    TH_ASSERT_AT(&w.r[6], 30 * SIM_MS);
    ck_assert_uint_eq(sim_stats(w.s)->msgs_dropped_down, 0);
    th_world_free(&w);
}
END_TEST

/* ---- faults from JSON -------------------------------------------------------------------------------- */

START_TEST(test_faults_json)
{
    struct th_world w;
    struct fault_plan plan;
    struct conf c;
    th_world_init(&w, 1, 3, 1 * SIM_MS, 0);
    th_world_faults(&w,
                    "[{\"at_ms\":10,\"op\":\"crash_host\",\"node\":\"n1\",\"duration_ms\":20},"
                    " {\"at_ms\":50,\"op\":\"partition\",\"a\":[\"n0\"],\"b\":[\"n2\"],\"duration_ms\":30},"
                    " {\"at_ms\":100,\"op\":\"link\",\"from\":\"n0\",\"to\":\"n1\",\"latency\":{\"const_ms\":7}},"
                    " {\"at_ms\":120,\"op\":\"pause\",\"node\":\"n2\",\"duration_ms\":5},"
                    " {\"at_ms\":130,\"op\":\"crash_process\",\"node\":\"n2\"},"
                    " {\"at_ms\":140,\"op\":\"restart\",\"node\":\"n2\"},"
                    " {\"at_ms\":150,\"op\":\"partition\",\"a\":[\"n1\"],\"b\":[\"n2\"],\"oneway\":true},"
                    " {\"at_ms\":160,\"op\":\"heal\"}]",
                    &plan, &c);
    ck_assert_msg(!c.failed, "%s", c.err);
    ck_assert_int_eq(plan.n, 8);

    sim_run(w.s, 40 * SIM_MS);
    const struct th_rec *cr = th_world_find(&w, TH_R_CRASH, 1, 0);
    TH_ASSERT_AT(cr, 10 * SIM_MS);
    ck_assert_uint_eq(cr->a, SIM_CRASH_HOST);
    TH_ASSERT_AT(th_world_find(&w, TH_R_START, 1, 1), 30 * SIM_MS);    /* restarted after duration_ms */

    int got0, got2;
    sim_run(w.s, 60 * SIM_MS);                          /* partitioned n0 | n2, both ways */
    node_send(th_world_node(&w, 0), 2, 1, NULL, 0, 0);
    node_send(th_world_node(&w, 2), 0, 1, NULL, 0, 0);
    sim_run(w.s, 80 * SIM_MS);                          /* healed at 80 ms */
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, SIM_NODE_NONE), 0);
    node_send(th_world_node(&w, 0), 2, 1, NULL, 0, 0);
    node_send(th_world_node(&w, 2), 0, 1, NULL, 0, 0);
    sim_run(w.s, 81 * SIM_MS);
    got0 = th_world_count(&w, TH_R_MSG, 0);
    got2 = th_world_count(&w, TH_R_MSG, 2);
    ck_assert(got0 == 1 && got2 == 1);

    sim_run(w.s, 100 * SIM_MS);                         /* link n0 <-> n1: 7 ms, both ways by default */
    node_send(th_world_node(&w, 0), 1, 2, NULL, 0, 0);
    node_send(th_world_node(&w, 1), 0, 2, NULL, 0, 0);
    node_send(th_world_node(&w, 0), 2, 2, NULL, 0, 0);
    sim_run(w.s, 110 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 0), 107 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 0, 1), 107 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 2, 1), 101 * SIM_MS);

    sim_run(w.s, 120 * SIM_MS);                         /* n2 paused 120..125 */
    node_send(th_world_node(&w, 0), 2, 3, NULL, 0, 0);
    sim_run(w.s, 129 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 2, 2), 125 * SIM_MS);

    sim_run(w.s, 145 * SIM_MS);
    cr = th_world_find(&w, TH_R_CRASH, 2, 0);
    TH_ASSERT_AT(cr, 130 * SIM_MS);
    ck_assert_uint_eq(cr->a, SIM_CRASH_PROCESS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_START, 2, 1), 140 * SIM_MS);

    sim_run(w.s, 150 * SIM_MS);                         /* n1 -> n2 cut, n2 -> n1 open */
    node_send(th_world_node(&w, 1), 2, 4, NULL, 0, 0);
    node_send(th_world_node(&w, 2), 1, 4, NULL, 0, 0);
    sim_run(w.s, 155 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 2), 3);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 2);
    sim_run(w.s, 160 * SIM_MS);                         /* heal everything */
    node_send(th_world_node(&w, 1), 2, 5, NULL, 0, 0);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 2), 4);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 2, 3), 161 * SIM_MS);
    fault_plan_free(&plan);
    th_world_free(&w);
}
END_TEST

START_TEST(test_faults_disk_stall_json)
{
    struct th_world w;
    struct fault_plan plan;
    struct conf c;
    th_world_init(&w, 1, 1, 1 * SIM_MS, 0);
    th_world_disk(&w, TH_DISK_CONST);
    th_world_faults(&w, "[{\"at_ms\":10,\"op\":\"disk_stall\",\"node\":\"n0\",\"duration_ms\":20}]", &plan, &c);
    ck_assert_msg(!c.failed, "%s", c.err);
    sim_run(w.s, 15 * SIM_MS);
    node_disk_append(th_world_node(&w, 0), 0, 1, 1);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_DISK, 0, 0), 31 * SIM_MS);
    fault_plan_free(&plan);
    th_world_free(&w);
}
END_TEST

static const struct {
    const char *json;
    const char *err;     /* the whole message, or its start when sub is set */
    const char *sub;     /* a substring of the rest, or NULL */
} fault_errors[] = {
    {"[{\"at_ms\":1,\"op\":\"explode\",\"node\":\"n0\"}]", "t.json: $.faults[0].op: ",
     "expected \"crash_process\", \"crash_host\", \"restart\", \"pause\", \"partition\", \"heal\", \"link\" or "
     "\"disk_stall\", got \"explode\""},
    {"[{\"at_ms\":1,\"op\":\"crash_host\",\"node\":\"nope\"}]",
     "t.json: $.faults[0].node: no node named \"nope\"", NULL},
    {"[{\"op\":\"crash_host\",\"node\":\"n0\"}]", "t.json: $.faults[0]: missing \"at_ms\"", NULL},
    {"[{\"at_ms\":1,\"op\":\"restart\",\"node\":\"n0\"},{\"at_ms\":2,\"node\":\"n0\"}]",
     "t.json: $.faults[1]: missing \"op\"", NULL},
    {"[{\"at_ms\":1,\"op\":\"crash_host\"}]", "t.json: $.faults[0]: missing \"node\"", NULL},
    {"[{\"at_ms\":1,\"op\":\"restart\",\"node\":\"n0\",\"duration_ms\":5}]", "t.json: $.faults[0].duration_ms: ",
     "unknown key"},
    {"[{\"at_ms\":1,\"op\":\"partition\",\"a\":[\"n0\",\"zz\"],\"b\":[\"n1\"]}]",
     "t.json: $.faults[0].a[1]: no node named \"zz\"", NULL},
    {"[{\"at_ms\":1,\"op\":\"partition\",\"a\":[\"n0\"]}]", "t.json: $.faults[0]: missing \"b\"", NULL},
    {"[{\"at_ms\":1,\"op\":\"partition\",\"a\":[],\"b\":[\"n1\"]}]", "t.json: $.faults[0].a: ",
     "expected a non-empty array of node names, got an empty array"},
    {"[{\"at_ms\":1,\"op\":\"pause\",\"node\":\"n0\"}]", "t.json: $.faults[0]: missing \"duration_ms\"", NULL},
    {"{}", "t.json: $.faults: expected an array of faults, got an object", NULL},
    {"[5]", "t.json: $.faults[0]: expected a fault object, got number 5", NULL},
    {"[{\"at_ms\":-1,\"op\":\"crash_host\",\"node\":\"n0\"}]", "t.json: $.faults[0].at_ms: ", "-1"},
    {"[{\"at_ms\":1,\"op\":\"crash_host\",\"node\":3}]", "t.json: $.faults[0].node: ",
     "expected a node name, got number 3"},
    {"[{\"at_ms\":1,\"op\":\"link\",\"from\":\"n0\",\"to\":\"n1\",\"latency\":{\"mean_ms\":1}}]",
     "t.json: $.faults[0].latency.mean_ms: ", "unknown key"},
    {"[{\"at_ms\":1,\"op\":\"link\",\"from\":\"n0\",\"to\":\"n1\",\"loss\":2}]", "t.json: $.faults[0].loss: ",
     NULL},
    /* A good entry with a latency before a bad one: everything parsed so far is freed (ASan). */
    {"[{\"at_ms\":1,\"op\":\"link\",\"from\":\"n0\",\"to\":\"n1\","
     "\"latency\":{\"dist\":\"empirical\",\"values_ms\":[1,2]}},"
     "{\"at_ms\":1,\"op\":\"heal\",\"a\":[\"x\"],\"b\":[\"n0\"]}]",
     "t.json: $.faults[1].a[0]: no node named \"x\"", NULL},
};

START_TEST(test_fault_errors)
{
    struct th_world w;
    struct fault_plan plan;
    struct conf c;
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    th_world_faults(&w, fault_errors[_i].json, &plan, &c);
    ck_assert_int_eq(c.failed, 1);
    if (fault_errors[_i].sub == NULL && strcmp(fault_errors[_i].err + strlen(fault_errors[_i].err) - 2, ": "))
        ck_assert_str_eq(c.err, fault_errors[_i].err);
    else {
        ck_assert_msg(strncmp(c.err, fault_errors[_i].err, strlen(fault_errors[_i].err)) == 0,
                      "got \"%s\", want it to start with \"%s\"", c.err, fault_errors[_i].err);
        if (fault_errors[_i].sub)
            ck_assert_msg(strstr(c.err + strlen(fault_errors[_i].err), fault_errors[_i].sub) != NULL,
                          "got \"%s\", want \"%s\" in it", c.err, fault_errors[_i].sub);
    }
    fault_plan_free(&plan);
    th_world_free(&w);
}
END_TEST

/* ---- the suite ----------------------------------------------------------------------------------------- */

static Suite *sim_faults_suite(void)
{
    Suite *s = suite_create("sim_faults");

    TCase *tc = tcase_create("crash");
    tcase_add_test(tc, test_crash_timers);
    tcase_add_test(tc, test_connect_to_crashed);
    tcase_add_test(tc, test_crash_closes_conn);
    tcase_add_loop_test(tc, test_conn_closed_during_handshake, 0, 2);
    tcase_add_test(tc, test_conn_peer_crash_during_handshake); 
    suite_add_tcase(s, tc);

    tc = tcase_create("faults");
    tcase_add_test(tc, test_pause);
    tcase_add_test(tc, test_faults_json);
    tcase_add_test(tc, test_faults_disk_stall_json);
    tcase_add_loop_test(tc, test_fault_errors, 0, (int)(sizeof fault_errors / sizeof fault_errors[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(sim_faults_suite());
}
