/* test_sim_partition: the engine's network failing: loss on datagrams and connections, partitions and cuts
 * between nodes (two nodes on one host among them), connections across and broken by a cut, the TCP timeout.
 *
 * Every test builds a small world of recording nodes (struct th_world, tests/harness.h) with constant
 * latencies, so the times asserted are exact. A test gives the nodes behaviour through the world's optional
 * callbacks. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/conf.h"
#include "sim/net.h"
#include "sim/sim.h"
#include "tests/harness.h"

/* ---- loss -------------------------------------------------------------------------------------------- */

static void loss_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id == 0)
        for (int i = 0; i < 20000; i++)
            node_send(n, 1, 1, NULL, 0, 0);
}

START_TEST(test_loss_datagram)
{
    struct th_world w;
    th_world_init(&w, 11, 2, 1 * SIM_MS, 0);
    ck_assert_int_eq(sim_net_default(w.s, NULL, 0.2, NAN), 0);
    w.start = loss_start;
    sim_run(w.s, SIM_TIME_MAX);
    int got = th_world_count(&w, TH_R_MSG, 1);
    ck_assert_int_ge(got, 20000 * 78 / 100);
    ck_assert_int_le(got, 20000 * 82 / 100);
    const struct sim_stats *st = sim_stats(w.s);
    ck_assert_uint_eq(st->msgs_delivered, (uint64_t)got);
    ck_assert_uint_eq(st->msgs_dropped_loss, 20000 - (uint64_t)got);
    for (int i = 0; i < got; i++)
        TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, i), 1 * SIM_MS);
    th_world_free(&w);
}
END_TEST

static void lossc_start(struct th_world *w, struct sim_node *n)
{
    if (n->id == 0)
        w->c[0] = node_connect(n, 1, 0);
}

static void lossc_conn(struct th_world *w, struct sim_node *n, sim_conn c, enum sim_conn_ev ev,
                       sim_node_id peer, uint64_t tag)
{
    (void)peer;
    (void)tag;
    if (ev != SIM_CONN_UP)
        return;
    w->u[0] = (uint64_t)node_now(n);
    if (w->u[2])   /* the loss from now on (a SYN is not retransmitted as a segment is) */
        ck_assert_int_eq(sim_net_default(w->s, NULL, 1.0, NAN), 0);
    for (uint32_t i = 0; i < (uint32_t)w->u[1]; i++)
        ck_assert_int_eq(node_conn_send(n, c, 1, &i, sizeof i, 0), 0);
}

START_TEST(test_loss_conn)
{
    const sim_time L = 1 * SIM_MS, RTO = 200 * SIM_MS;
    struct th_world w;

    /* Every segment lost once, once connected: each costs exactly one retransmit. */
    th_world_init(&w, 11, 2, L, 0);
    w.start = lossc_start;
    w.conn = lossc_conn;
    w.u[1] = 3;
    w.u[2] = 1;
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find_conn(&w, 1, SIM_CONN_ACCEPTED, 0), L);
    TH_ASSERT_AT(th_world_find_conn(&w, 0, SIM_CONN_UP, 0), 2 * L);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 3);
    for (int i = 0; i < 3; i++) {
        TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, i), 2 * L + L + RTO);
        ck_assert_uint_eq(th_world_find(&w, TH_R_MSG, 1, i)->tag, (uint64_t)i);
    }
    ck_assert_uint_eq(sim_stats(w.s)->msgs_dropped_loss, 0);
    th_world_free(&w);

    /* Every SYN lost (at 0 and 1 s; a third would be at the timeout): the connect fails at 3 s. */
    th_world_init(&w, 11, 2, L, 0);
    ck_assert_int_eq(sim_net_default(w.s, NULL, 1.0, NAN), 0);
    w.start = lossc_start;
    w.conn = lossc_conn;
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find_conn(&w, 0, SIM_CONN_FAILED, 0), 3000 * SIM_MS);
    ck_assert_ptr_null(th_world_find_conn(&w, 1, SIM_CONN_ACCEPTED, 0));
    th_world_free(&w);

    /* Loss 0.2: nothing lost, in order, each on time or one retransmit late. */
    th_world_init(&w, 12, 2, L, 0);
    ck_assert_int_eq(sim_net_default(w.s, NULL, 0.2, NAN), 0);
    w.start = lossc_start;
    w.conn = lossc_conn;
    w.u[1] = 1000;
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 1000);
    int late = 0;
    for (int i = 0; i < 1000; i++) {
        const struct th_rec *r = th_world_find(&w, TH_R_MSG, 1, i);
        ck_assert_uint_eq(r->tag, (uint64_t)i);
        sim_time d = r->t - (sim_time)w.u[0];
        ck_assert_msg(d == L || d == L + RTO, "message %d took %lld ns", i, (long long)d);
        late += d == L + RTO;
    }
    ck_assert_int_gt(late, 0);
    ck_assert_uint_eq(sim_stats(w.s)->msgs_dropped_loss, 0);
    th_world_free(&w);
}
END_TEST

/* ---- partitions --------------------------------------------------------------------------------------- */

/* Sends a datagram each way between 0 and 1 now and runs until they have arrived (latency 1 ms). */
static void exchange(struct th_world *w, int *got01, int *got10)
{
    int before01 = th_world_count(w, TH_R_MSG, 1), before10 = th_world_count(w, TH_R_MSG, 0);
    node_send(th_world_node(w, 0), 1, 1, NULL, 0, 0);
    node_send(th_world_node(w, 1), 0, 1, NULL, 0, 0);
    sim_run(w->s, sim_now(w->s) + 1 * SIM_MS);
    *got01 = th_world_count(w, TH_R_MSG, 1) - before01;
    *got10 = th_world_count(w, TH_R_MSG, 0) - before10;
}

START_TEST(test_partition)
{
    struct th_world w;
    int ab, ba;
    th_world_init(&w, 1, 3, 1 * SIM_MS, 0);
    sim_run(w.s, 0);
    exchange(&w, &ab, &ba);
    ck_assert(ab == 1 && ba == 1);

    sim_link_cut(w.s, 0, 1, 1);          /* one way */
    exchange(&w, &ab, &ba);
    ck_assert(ab == 0 && ba == 1);
    ck_assert_uint_eq(sim_stats(w.s)->msgs_dropped_cut, 1);

    sim_link_cut(w.s, 1, 0, 1);          /* both ways */
    exchange(&w, &ab, &ba);
    ck_assert(ab == 0 && ba == 0);
    /* Others are not affected. */
    node_send(th_world_node(&w, 0), 2, 1, NULL, 0, 0);
    sim_run(w.s, sim_now(w.s) + 1 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 2), 1);

    sim_link_cut(w.s, 0, 1, 0);          /* heal one way */
    exchange(&w, &ab, &ba);
    ck_assert(ab == 1 && ba == 0);

    sim_link_cut(w.s, 0, 1, 1);
    sim_heal_all(w.s);
    exchange(&w, &ab, &ba);
    ck_assert(ab == 1 && ba == 1);
    ck_assert_uint_eq(sim_stats(w.s)->msgs_dropped_cut, 4);
    th_world_free(&w);
}
END_TEST

/* Two nodes on one host (sim_node_cohost): n0 and n1 crash, restart and pause together, and a cut between
 * n0 and n2 cuts n1 and n2 too; the path between n0 and n1 is never cut. n2 stays apart. */
START_TEST(test_cohost)
{
    struct th_world w;
    th_world_init(&w, 1, 3, 1 * SIM_MS, 0);
    ck_assert_int_eq(sim_node_cohost(w.s, 0, 1), 0);
    ck_assert_int_eq(sim_node_cohost(w.s, 0, 2), -1);   /* bound already */
    ck_assert_int_eq(sim_node_cohost(w.s, 2, 2), -1);
    ck_assert_uint_eq(sim_node_cohost_of(w.s, 1), 0);
    ck_assert_uint_eq(sim_node_cohost_of(w.s, 2), SIM_NODE_NONE);
    sim_run(w.s, 0);

    sim_link_cut(w.s, 0, 2, 1);
    sim_link_cut(w.s, 2, 0, 1);
    sim_link_cut(w.s, 0, 1, 1);   /* inside the host: nothing */
    int ab, ba;
    exchange(&w, &ab, &ba);
    ck_assert(ab == 1 && ba == 1);
    node_send(th_world_node(&w, 1), 2, 1, NULL, 0, 0);
    node_send(th_world_node(&w, 2), 1, 1, NULL, 0, 0);
    sim_run(w.s, sim_now(w.s) + 1 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 2), 0);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 1);   /* n0's, from the exchange */
    sim_heal_all(w.s);

    sim_crash(w.s, 1, SIM_CRASH_HOST);
    ck_assert_int_eq(th_world_node(&w, 0)->state, SIM_NODE_HOST_DOWN);
    ck_assert_int_eq(th_world_node(&w, 1)->state, SIM_NODE_HOST_DOWN);
    ck_assert_int_eq(th_world_node(&w, 2)->state, SIM_NODE_UP);
    ck_assert_int_eq(th_world_count(&w, TH_R_CRASH, 0), 1);
    ck_assert_int_eq(th_world_count(&w, TH_R_CRASH, 1), 1);
    sim_restart(w.s, 0);
    ck_assert_int_eq(th_world_node(&w, 1)->state, SIM_NODE_UP);
    sim_run(w.s, sim_now(w.s) + 1 * SIM_MS);
    sim_pause(w.s, 0, 50 * SIM_MS);
    ck_assert_int_eq(th_world_node(&w, 1)->paused_until, sim_now(w.s) + 50 * SIM_MS);
    ck_assert_int_eq(th_world_node(&w, 2)->paused_until, 0);
    th_world_free(&w);
}
END_TEST

/* Cuts between every pair of 40 nodes: the link table grows past its first size and keeps every entry. */
START_TEST(test_partition_many_links)
{
    enum { K = 40 };
    struct th_world w;
    th_world_init(&w, 1, 0, 1 * SIM_MS, 0);
    for (int i = 0; i < K; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", i);
        th_world_add(&w, name);
    }
    sim_run(w.s, 0);
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++)
            if (i != j && (i + j) % 3 != 0)
                sim_link_cut(w.s, (sim_node_id)i, (sim_node_id)j, 1);
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++)
            if (i != j)
                node_send(th_world_node(&w, i), (sim_node_id)j, 1, &i, sizeof i, 0);
    sim_run(w.s, SIM_TIME_MAX);
    for (int j = 0; j < K; j++) {
        int want = 0;
        for (int i = 0; i < K; i++)
            want += i != j && (i + j) % 3 == 0;
        ck_assert_int_eq(th_world_count(&w, TH_R_MSG, (sim_node_id)j), want);
    }
    sim_heal_all(w.s);
    size_t before = w.nr;
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++)
            if (i != j)
                node_send(th_world_node(&w, i), (sim_node_id)j, 1, &i, sizeof i, 0);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_uint_eq(w.nr - before, K * (K - 1));
    th_world_free(&w);
}
END_TEST

START_TEST(test_connect_across_cut)
{
    struct th_world w;
    /* Either direction cut: no handshake, the connect times out after 3000 ms (the default). */
    for (int dir = 0; dir < 2; dir++) {
        th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
        sim_run(w.s, 5 * SIM_MS);
        sim_link_cut(w.s, dir ? 1 : 0, dir ? 0 : 1, 1);
        sim_conn c = node_connect(th_world_node(&w, 0), 1, 42);
        ck_assert_uint_ne(c, 0);
        sim_run(w.s, SIM_TIME_MAX);
        const struct th_rec *f = th_world_find_conn(&w, 0, SIM_CONN_FAILED, 0);
        TH_ASSERT_AT(f, 5 * SIM_MS + 3000 * SIM_MS);
        ck_assert_uint_eq(f->tag, 42);
        ck_assert_uint_eq(f->conn, c);
        ck_assert_ptr_null(th_world_find_conn(&w, 0, SIM_CONN_UP, 0));
        ck_assert_int_eq(node_conn_open(th_world_node(&w, 0), c), 0);
        ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 1, NULL, 0, 0), -1);
        th_world_free(&w);
    }
}
END_TEST

/* A lost SYN is sent again syn_rto after the first, then after twice as long, while the connect has time
 * left (Linux's TCP_TIMEOUT_INIT, 1 s): a path that heals, or a host that comes back, before the next SYN
 * lets the connect succeed then; one that heals later than the last SYN before the timeout does not. */
static void syn_case(int fault, sim_time heal, const char *net, sim_time up, sim_time failed)
{
    const sim_time L = 1 * SIM_MS, T0 = 5 * SIM_MS;
    struct th_world w;
    th_world_init(&w, 1, 2, L, 0);
    if (net) {
        struct conf c;
        cJSON *v = cJSON_Parse(net);
        conf_init(&c, TH_CONF_FILE);
        ck_assert_int_eq(net_load(w.s, &c, v, "$.network"), 0);
        cJSON_Delete(v);
    }
    sim_run(w.s, T0);
    if (fault == 2)
        sim_crash(w.s, 1, SIM_CRASH_HOST);
    else
        sim_link_cut(w.s, fault ? 1 : 0, fault ? 0 : 1, 1);
    sim_conn c = node_connect(th_world_node(&w, 0), 1, 7);
    sim_run(w.s, T0 + heal);
    if (fault == 2)
        sim_restart(w.s, 1);
    else
        sim_heal_all(w.s);
    sim_run(w.s, SIM_TIME_MAX);
    const struct th_rec *u = th_world_find_conn(&w, 0, SIM_CONN_UP, 0);
    const struct th_rec *f = th_world_find_conn(&w, 0, SIM_CONN_FAILED, 0);
    if (up) {
        TH_ASSERT_AT(u, T0 + up + 2 * L);
        ck_assert_uint_eq(u->conn, c);
        ck_assert_ptr_null(f);
        TH_ASSERT_AT(th_world_find_conn(&w, 1, SIM_CONN_ACCEPTED, 0), T0 + up + L);
    } else {
        ck_assert_ptr_null(u);
        TH_ASSERT_AT(f, T0 + failed);
        ck_assert_ptr_null(th_world_find_conn(&w, 1, SIM_CONN_ACCEPTED, 0));
    }
    th_world_free(&w);
}

/* A SYN slower than syn_rto (1.5 s one way to a dead host): the send due while it was on its way (1 s) is
 * past when it is found lost, and the next goes on the schedule, at 3 s, not at once: with the host back at
 * 2.9 s it lands at 4.5 s and the connect is up at 6 s. */
static void syn_slow_case(void)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 1500 * SIM_MS, 0);
    struct conf c;
    cJSON *v = cJSON_Parse("{\"connect_timeout_ms\":10000}");
    conf_init(&c, TH_CONF_FILE);
    ck_assert_int_eq(net_load(w.s, &c, v, "$.network"), 0);
    cJSON_Delete(v);
    sim_run(w.s, 0);
    sim_crash(w.s, 1, SIM_CRASH_HOST);
    node_connect(th_world_node(&w, 0), 1, 7);
    sim_run(w.s, 2900 * SIM_MS);
    sim_restart(w.s, 1);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find_conn(&w, 1, SIM_CONN_ACCEPTED, 0), 4500 * SIM_MS);
    TH_ASSERT_AT(th_world_find_conn(&w, 0, SIM_CONN_UP, 0), 6000 * SIM_MS);
    th_world_free(&w);
}

START_TEST(test_connect_syn_retransmit)
{
    syn_slow_case();
    const sim_time S = SIM_MS;
    for (int fault = 0; fault < 3; fault++) {   /* 0: the SYN's path cut, 1: the SYN-ACK's, 2: the host down */
        syn_case(fault, 900 * S, NULL, 1000 * S, 0);   /* the second SYN, at 1 s, goes through */
        syn_case(fault, 1100 * S, NULL, 0, 3000 * S);  /* the third would be at 3 s: the timeout */
        /* 500 ms: SYNs at 0.5 s and 1.5 s (then 3.5 s, past the timeout) */
        syn_case(fault, 1200 * S, "{\"syn_rto_ms\":500}", 1500 * S, 0);
        syn_case(fault, 1600 * S, "{\"syn_rto_ms\":500}", 0, 3000 * S);
        /* 5 s: SYNs at 0.5, 1.5 and 3.5 s, where a fixed interval would send one at 2.5 s */
        syn_case(fault, 2200 * S, "{\"syn_rto_ms\":500,\"connect_timeout_ms\":5000}", 3500 * S, 0);
        /* 200 s: seven SYNs, the last at 63 s; the kernel gives up at 127 s (tcp_syn_retries 6) */
        syn_case(fault, 62 * SIM_S, "{\"connect_timeout_ms\":200000}", 63 * SIM_S, 0);
        syn_case(fault, 64 * SIM_S, "{\"connect_timeout_ms\":200000}", 0, 127 * SIM_S);
        /* Linux 6.5+ (tcp_syn_linear_timeouts 4): SYNs 1 s apart up to 5 s, then 7, 11, 19, 35 and 67 s; the
         * kernel gives up at 131 s. Within the client's 3 s, a third SYN at 2 s where 6.4 sends none. */
        syn_case(fault, 1500 * S, "{\"syn_linear_timeouts\":4}", 2000 * S, 0);
        syn_case(fault, 3500 * S, "{\"syn_linear_timeouts\":4,\"connect_timeout_ms\":200000}", 4000 * S, 0);
        syn_case(fault, 5500 * S, "{\"syn_linear_timeouts\":4,\"connect_timeout_ms\":200000}", 7000 * S, 0);
        syn_case(fault, 66 * SIM_S, "{\"syn_linear_timeouts\":4,\"connect_timeout_ms\":200000}", 67 * SIM_S, 0);
        syn_case(fault, 68 * SIM_S, "{\"syn_linear_timeouts\":4,\"connect_timeout_ms\":200000}", 0,
                 131 * SIM_S);
        /* tcp_syn_retries 2: SYNs at 0, 1 and 3 s, given up at 7 s */
        syn_case(fault, 2500 * S, "{\"syn_retries\":2,\"connect_timeout_ms\":200000}", 3000 * S, 0);
        syn_case(fault, 3500 * S, "{\"syn_retries\":2,\"connect_timeout_ms\":200000}", 0, 7000 * S);
        /* tcp_syn_retries 8: the eighth interval would be 128 s, TCP_RTO_MAX makes it 120: SYNs at 127 and
         * 247 s, given up at 367 s */
        syn_case(fault, 200 * SIM_S, "{\"syn_retries\":8,\"connect_timeout_ms\":600000}", 247 * SIM_S, 0);
        syn_case(fault, 250 * SIM_S, "{\"syn_retries\":8,\"connect_timeout_ms\":600000}", 0, 367 * SIM_S);
    }
}
END_TEST

/* A host that dies with bytes still queued at its NIC (a slow link) loses them with its kernel: the
 * messages, closes and datagrams that had not left never arrive (counted lost), those that had left do; and
 * its NIC starts empty when it comes back. 1000 B at 1e6 B/s take 1 ms each. */
static void unsent_start(struct th_world *w, struct sim_node *n)
{
    if (n->id != 0)
        return;
    if (w->u[0]++ == 0) {
        w->c[0] = node_connect(n, 1, 0);
        return;
    }
    w->u[2] = (uint64_t)node_now(n);   /* back: an idle NIC */
    node_send(n, 1, 9, NULL, 0, 1000);
}

static void unsent_conn(struct th_world *w, struct sim_node *n, sim_conn c, enum sim_conn_ev ev,
                        sim_node_id peer, uint64_t tag)
{
    (void)peer;
    (void)tag;
    if (n->id != 0 || ev != SIM_CONN_UP)
        return;
    w->u[1] = (uint64_t)node_now(n);
    for (uint32_t i = 0; i < 5; i++)   /* leave at +1 .. +5 ms */
        ck_assert_int_eq(node_conn_send(n, c, 1, &i, sizeof i, 1000), 0);
    node_conn_close(n, c);             /* its FIN behind them */
    node_send(n, 1, 2, NULL, 0, 1000);
    node_send(n, 1, 3, NULL, 0, 1000);
}

/* own_link 0: the NIC is slow (1e6 B/s); 1: the path 0 -> 1 has its own bandwidth, the NIC none. */
static void host_death_case(int own_link)
{
    const sim_time L = 1 * SIM_MS;
    struct th_world w;
    th_world_init(&w, 1, 2, L, own_link ? 0 : 1e6);
    if (own_link)
        ck_assert_int_eq(sim_link_set(w.s, 0, 1, NULL, NAN, 1e6), 0);
    w.start = unsent_start;
    w.conn = unsent_conn;
    sim_run(w.s, 3 * SIM_MS);
    sim_time up = (sim_time)w.u[1];   /* the connect's SYN and SYN-ACK took about 2.13 ms */
    ck_assert_int_gt(up, 0);
    sim_run(w.s, up + 2500 * SIM_US);
    uint64_t lost = sim_stats(w.s)->msgs_dropped_loss;
    sim_crash(w.s, 0, SIM_CRASH_HOST);
    sim_run(w.s, up + 3 * SIM_MS);
    sim_restart(w.s, 0);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 3);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 0), up + 1 * SIM_MS + L);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 1), up + 2 * SIM_MS + L);
    ck_assert_uint_eq(th_world_find(&w, TH_R_MSG, 1, 1)->b, 1);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 2), (sim_time)w.u[2] + 1 * SIM_MS + L);
    ck_assert_uint_eq(th_world_find(&w, TH_R_MSG, 1, 2)->b, 9);
    ck_assert_ptr_null(th_world_find_conn(&w, 1, SIM_CONN_CLOSED, 0));   /* its FIN never left */
    ck_assert_uint_eq(sim_stats(w.s)->msgs_dropped_loss - lost, 5);   /* three on the connection, two datagrams */
    th_world_free(&w);
}

START_TEST(test_host_death_loses_unsent)
{
    host_death_case(0);
    host_death_case(1);
}
END_TEST

/* Segments held while a path was cut are sent again when it heals, behind one another at the NIC: a host
 * that dies 1.5 ms after the heal has sent the first only. */
static void held_conn(struct th_world *w, struct sim_node *n, sim_conn c, enum sim_conn_ev ev, sim_node_id peer,
                      uint64_t tag)
{
    (void)peer;
    (void)tag;
    if (n->id == 0 && ev == SIM_CONN_UP)
        w->c[0] = c;
}

START_TEST(test_host_death_after_heal)
{
    const sim_time L = 1 * SIM_MS;
    struct th_world w;
    th_world_init(&w, 1, 2, L, 1e6);
    w.start = lossc_start;
    w.conn = held_conn;
    sim_run(w.s, 10 * SIM_MS);
    ck_assert_uint_ne(w.c[0], 0);
    sim_link_cut(w.s, 0, 1, 1);
    for (uint32_t i = 0; i < 3; i++)
        ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), w.c[0], 1, &i, sizeof i, 1000), 0);
    sim_run(w.s, 100 * SIM_MS);
    sim_heal_all(w.s);   /* the held segments go at the next retransmission, 200 ms after the first was held */
    sim_run(w.s, 210 * SIM_MS + 1500 * SIM_US);
    sim_crash(w.s, 0, SIM_CRASH_HOST);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 1);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 0), 210 * SIM_MS + 1 * SIM_MS + L);
    th_world_free(&w);
}
END_TEST

START_TEST(test_conn_broken_by_cut)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    w.start = th_world_connect_start;
    sim_run(w.s, 10 * SIM_MS);
    sim_conn c = w.c[0];
    TH_ASSERT_AT(th_world_find_conn(&w, 0, SIM_CONN_UP, 0), 2 * SIM_MS);
    ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 1, NULL, 0, 0), 0);
    sim_run(w.s, 20 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 1);

    /* Segments sent into a cut wait for the path: TCP retransmits them (200 ms, then doubling). Sent at
     * 20 ms, retried at 220, 620, 1420 ms; the link heals at 1000 ms, so they land at 1421 ms, in order. */
    sim_link_cut(w.s, 0, 1, 1);
    ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 1, NULL, 0, 0), 0);
    ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 2, NULL, 0, 0), 0);
    sim_run(w.s, 1000 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 1);
    sim_heal_all(w.s);
    /* Sent after the heal but behind the held ones: it waits too, and keeps the order. */
    ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 3, NULL, 0, 0), 0);
    sim_run(w.s, 1420 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 1);
    sim_run(w.s, 1421 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 4);
    ck_assert_ptr_null(th_world_find_conn(&w, 0, SIM_CONN_CLOSED, 0));
    th_world_free(&w);
}
END_TEST

/* Two nodes 1 ms apart: node 0 connects to node 1 (up at 2 ms), then at 10 ms the path 0 -> 1 is cut. */
static sim_conn connected_then_cut(struct th_world *w)
{
    th_world_init(w, 1, 2, 1 * SIM_MS, 0);
    w->start = th_world_connect_start;
    sim_run(w->s, 10 * SIM_MS);
    sim_link_cut(w->s, 0, 1, 1);
    return w->c[0];
}

/* A side that closes (or whose process dies) while its segments wait for a cut path still sends them, then
 * its FIN, once the path heals (the kernel keeps the socket's send queue after close()); a side whose host
 * died sends nothing more. Before, the close dropped the waiting segments and the FIN with them, so the peer
 * kept the connection open: a broker counted a consumer twice until its 120 s channel expiry. */
START_TEST(test_close_behind_held_data)
{
    /* close(), a process crash, a host crash; then close() and a process crash each followed by a host
     * crash before the path heals (the host takes the socket's send queue with it) */
    for (int kind = 0; kind < 5; kind++) {
        struct th_world w;
        sim_conn c = connected_then_cut(&w);
        ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 1, NULL, 0, 0), 0);
        ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 2, NULL, 0, 0), 0);
        sim_run(w.s, 500 * SIM_MS);
        if (kind == 0 || kind == 3)
            node_conn_close(th_world_node(&w, 0), c);
        else
            sim_crash(w.s, 0, kind == 2 ? SIM_CRASH_HOST : SIM_CRASH_PROCESS);
        sim_run(w.s, 800 * SIM_MS);
        if (kind >= 3)
            sim_crash(w.s, 0, SIM_CRASH_HOST);
        sim_run(w.s, 1000 * SIM_MS);
        sim_heal_all(w.s);
        /* Sent at 10 ms, retried at 210, 610 and 1410 ms: both land at 1411 ms, the FIN with them. */
        sim_run(w.s, 2000 * SIM_MS);
        if (kind < 2) {
            ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 2);
            TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 1), 1411 * SIM_MS);
            TH_ASSERT_AT(th_world_find_conn(&w, 1, SIM_CONN_CLOSED, 0), 1411 * SIM_MS);
        } else {
            ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 0);
            ck_assert_ptr_null(th_world_find_conn(&w, 1, SIM_CONN_CLOSED, 0));
        }
        th_world_free(&w);
    }
}
END_TEST

/* Data that reaches a side its process closed is answered with a reset at once (Linux's tcp_rcv_state_process:
 * data after close(), TCPAbortOnData), ahead of that side's FIN, which waits in the retransmission backoff:
 * node 0 closes at 500 ms while 0 -> 1 is cut, the path heals at 1000 ms, node 1 writes at 1100 ms and is told
 * the connection is closed at 1102 ms, not with the FIN at 1411 ms (without the write, as
 * test_close_behind_held_data). What node 0 had written reaches a closed side then and is dropped, as the
 * kernel's reset destroys the socket that held it. */
START_TEST(test_data_after_close_reset)
{
    struct th_world w;
    sim_conn c = connected_then_cut(&w);
    ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 1, NULL, 0, 0), 0);
    sim_run(w.s, 500 * SIM_MS);
    node_conn_close(th_world_node(&w, 0), c);
    sim_run(w.s, 1000 * SIM_MS);
    sim_heal_all(w.s);
    sim_run(w.s, 1100 * SIM_MS);
    ck_assert_ptr_null(th_world_find_conn(&w, 1, SIM_CONN_CLOSED, 0));
    ck_assert_int_eq(node_conn_send(th_world_node(&w, 1), c, 3, NULL, 0, 0), 0);
    sim_run(w.s, 2000 * SIM_MS);
    TH_ASSERT_AT(th_world_find_conn(&w, 1, SIM_CONN_CLOSED, 0), 1102 * SIM_MS);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 0);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 0), 0);
    th_world_free(&w);
}
END_TEST

/* A path cut for longer than the TCP timeout: the sender's side gives up and is told it is closed. */
START_TEST(test_conn_tcp_timeout)
{
    struct th_world w;
    sim_conn c = connected_then_cut(&w);
    ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 1, NULL, 0, 0), 0);
    sim_run(w.s, 900 * SIM_S);
    ck_assert_ptr_null(th_world_find_conn(&w, 0, SIM_CONN_CLOSED, 0));
    sim_run(w.s, 1200 * SIM_S);
    ck_assert_ptr_nonnull(th_world_find_conn(&w, 0, SIM_CONN_CLOSED, 0));
    ck_assert_int_eq(node_conn_send(th_world_node(&w, 0), c, 1, NULL, 0, 0), -1);
    sim_heal_all(w.s);
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 0);
    th_world_free(&w);
}
END_TEST

/* ---- the suite ----------------------------------------------------------------------------------------- */

static Suite *sim_partition_suite(void)
{
    Suite *s = suite_create("sim_partition");

    TCase *tc = tcase_create("net");
    tcase_add_test(tc, test_loss_datagram);
    tcase_add_test(tc, test_loss_conn);
    tcase_add_test(tc, test_partition);
    tcase_add_test(tc, test_cohost);
    tcase_add_test(tc, test_partition_many_links);
    tcase_add_test(tc, test_connect_across_cut);
    tcase_add_test(tc, test_connect_syn_retransmit);
    tcase_add_test(tc, test_host_death_loses_unsent);
    tcase_add_test(tc, test_host_death_after_heal);
    tcase_add_test(tc, test_conn_broken_by_cut);
    tcase_add_test(tc, test_conn_tcp_timeout);
    tcase_add_test(tc, test_close_behind_held_data);
    tcase_add_test(tc, test_data_after_close_reset);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(sim_partition_suite());
}
