/* test_sim_net: the engine's network in working order: payloads and their pools, latency, connections and their
 * order, bandwidth, and the "network" section of a scenario.
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
#include "sim/net.h"
#include "sim/sim.h"
/* White box: the payload pool's free lists, to show buffers are reused rather than allocated per message. */
#include "sim/sim_int.h"
#include "tests/harness.h"

static uint64_t u64_at(const void *p)
{
    uint64_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

/* ---- payloads and pools ------------------------------------------------------------------------------ */

#define PING 1
#define ROUNDS 100000

static void pp_start(struct th_world *w, struct sim_node *n)
{
    if (n->id != 0)
        return;
    unsigned char buf[100];
    memset(buf, 0xab, sizeof buf);
    uint64_t k = 0;
    memcpy(buf, &k, sizeof k);
    node_send(n, 1, PING, buf, sizeof buf, sizeof buf);
    w->u[0] = 0;
}

/* Each side checks the whole payload, then answers with the counter bumped. */
static void pp_msg(struct th_world *w, struct sim_node *n, const struct sim_msg *m)
{
    TH_REQUIRE(m->len == 100, "len %u", m->len);
    uint64_t k = u64_at(m->data);
    TH_REQUIRE(k == w->u[0], "message %llu, want %llu", (unsigned long long)k, (unsigned long long)w->u[0]);
    const unsigned char *p = m->data;
    for (int i = 8; i < 100; i++)
        TH_REQUIRE(p[i] == (unsigned char)(0xab ^ (k & 0xff)), "message %llu byte %d is %u",
                (unsigned long long)k, i, p[i]);
    w->u[0]++;
    if (n->id == 0 && k + 1 >= 2 * ROUNDS)
        return;
    unsigned char buf[100];
    k++;
    memset(buf, 0xab ^ (int)(k & 0xff), sizeof buf);
    memcpy(buf, &k, sizeof k);
    node_send(n, m->from, PING, buf, sizeof buf, sizeof buf);
}

static int pool_len(struct sim *s, int cls)
{
    int k = 0;
    for (struct pool_buf *b = s->pool[cls]; b; b = b->next)
        k++;
    return k;
}

START_TEST(test_pingpong_pool)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    w.quiet = 1;
    w.start = pp_start;
    w.msg = pp_msg;
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_uint_eq(w.u[0], 2 * ROUNDS);
    TH_ASSERT_TIME(&w, 2 * ROUNDS * SIM_MS);
    ck_assert_uint_eq(sim_stats(w.s)->msgs_delivered, 2 * ROUNDS);
    /* One message in flight at a time: the queue stays tiny... */
    ck_assert_uint_le(sim_stats(w.s)->peak_pending, 3);
    ck_assert_uint_eq(sim_pending(w.s), 0);
    /* ...and the payload buffers were recycled: 100 bytes is the 128-byte class (16 << 3), and at most
     * two buffers ever existed (the reply is allocated before the request's buffer is released). */
    int cls = 3;
    ck_assert_int_ge(pool_len(w.s, cls), 1);
    ck_assert_int_le(pool_len(w.s, cls), 2);
    for (int c = 0; c < POOL_CLASSES; c++)
        if (c != cls)
            ck_assert_int_eq(pool_len(w.s, c), 0);
    th_world_free(&w);
}
END_TEST

static const uint32_t payload_sizes[] = {0, 1, 8, 9, 15, 16, 17, 100, 5000, 100000, 9u << 20};
#define NSIZES ((int)(sizeof payload_sizes / sizeof payload_sizes[0]))

static unsigned char pat(uint32_t i, uint32_t size, int round)
{
    return (unsigned char)(i * 31u + size * 7u + (uint32_t)round * 101u);
}

/* Sends every size, each as round r; the sender scribbles over its buffer right after (payloads are copied). */
static void sizes_send(struct sim_node *n, sim_node_id to, int round)
{
    static unsigned char buf[9u << 20];
    for (int k = 0; k < NSIZES; k++) {
        uint32_t sz = payload_sizes[k];
        for (uint32_t i = 0; i < sz; i++)
            buf[i] = pat(i, sz, round);
        TH_REQUIRE(node_send(n, to, (uint16_t)k, sz ? buf : NULL, sz, sz) == 0, "send failed");
        memset(buf, 0xee, sz);
    }
}

static void sizes_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id == 0)
        sizes_send(n, 1, 0);
}

static void sizes_msg(struct th_world *w, struct sim_node *n, const struct sim_msg *m)
{
    uint32_t sz = payload_sizes[m->type];
    int round = (int)(w->u[0]++ / NSIZES);
    TH_REQUIRE(m->len == sz, "len %u, want %u", m->len, sz);
    const unsigned char *p = m->data;
    for (uint32_t i = 0; i < sz; i++)
        if (p[i] != pat(i, sz, round))
            ck_abort_msg("size %u round %d: byte %u is %u, want %u", sz, round, i, p[i], pat(i, sz, round));
    if (m->type == NSIZES - 1 && round < 5)
        sizes_send(n, m->from, round + 1);
}

START_TEST(test_payload_sizes)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    w.start = sizes_start;
    w.msg = sizes_msg;
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_uint_eq(w.u[0], 6 * NSIZES);
    /* Each round's messages all arrive 1 ms after the previous round's last one (bandwidth 0). */
    for (int k = 0; k < 6 * NSIZES; k++)
        TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, SIM_NODE_NONE, k), (sim_time)(k / NSIZES + 1) * SIM_MS);
    th_world_free(&w);
}
END_TEST

/* ---- network: latency, payloads, connections --------------------------------------------------------- */

static void send_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id == 0) {
        char buf[16] = "hello, world";
        ck_assert_int_eq(node_send(n, 1, 7, buf, 13, 13), 0);
        strcpy(buf, "overwritten!");
        node_timer(n, 10 * SIM_MS, 1);
    }
}

static void send_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    (void)w;
    (void)tag;
    ck_assert_int_eq(node_send(n, 1, 8, NULL, 0, 0), 0);
    ck_assert_int_eq(node_send(n, 5, 8, NULL, 0, 0), -1);   /* no such node */
}

START_TEST(test_send_latency)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 3 * SIM_MS, 0);
    w.start = send_start;
    w.timer = send_timer;
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 2);
    const struct th_rec *r = th_world_find(&w, TH_R_MSG, 1, 0);
    TH_ASSERT_AT(r, 3 * SIM_MS);
    ck_assert_uint_eq(r->a, 0);
    ck_assert_uint_eq(r->b, 7);
    ck_assert_uint_eq(r->len, 13);
    ck_assert_uint_eq(r->conn, 0);
    ck_assert_uint_eq(r->hash, th_fnv(TH_FNV0, "hello, world", 13));
    r = th_world_find(&w, TH_R_MSG, 1, 1);
    TH_ASSERT_AT(r, 13 * SIM_MS);
    ck_assert_uint_eq(r->b, 8);
    ck_assert_uint_eq(r->len, 0);
    ck_assert_uint_eq(sim_stats(w.s)->msgs_delivered, 2);
    th_world_free(&w);
}
END_TEST

static void connect_conn(struct th_world *w, struct sim_node *n, sim_conn c, enum sim_conn_ev ev,
                         sim_node_id peer, uint64_t tag)
{
    (void)w;
    (void)peer;
    (void)tag;
    if (ev == SIM_CONN_UP) {
        uint32_t k = 1;
        ck_assert_int_eq(node_conn_send(n, c, 5, &k, sizeof k, 100), 0);
        k = 2;
        ck_assert_int_eq(node_conn_send(n, c, 5, &k, sizeof k, 100), 0);
        k = 3;
        ck_assert_int_eq(node_conn_send(n, c, 5, &k, sizeof k, 100), 0);
        /* Closing after the data: the peer's CLOSED comes after all three. */
        node_conn_close(n, c);
        ck_assert_int_eq(node_conn_open(n, c), 0);
        ck_assert_int_eq(node_conn_send(n, c, 5, &k, sizeof k, 100), -1);
    }
}

static void connect_msg(struct th_world *w, struct sim_node *n, const struct sim_msg *m)
{
    (void)w;
    if (n->id == 1 && u64_at(m->data) == 1)   /* answer the first over the same connection */
        ck_assert_int_eq(node_conn_send(n, m->conn, 6, "re", 2, 2), 0);
}

START_TEST(test_connect)
{
    const sim_time L = 2 * SIM_MS;
    struct th_world w;
    th_world_init(&w, 1, 2, L, 0);
    w.start = th_world_connect_start;
    w.conn = connect_conn;
    w.msg = connect_msg;

    sim_run(w.s, L);
    const struct th_rec *acc = th_world_find_conn(&w, 1, SIM_CONN_ACCEPTED, 0);
    TH_ASSERT_AT(acc, L);
    ck_assert_uint_eq(acc->conn, w.c[0]);
    ck_assert_uint_eq(acc->b, 0);              /* peer */
    ck_assert_uint_eq(acc->tag, 77);           /* the connector's: the port it connected to */
    ck_assert_ptr_null(th_world_find_conn(&w, 0, SIM_CONN_UP, 0));
    ck_assert_int_eq(node_conn_open(th_world_node(&w, 1), w.c[0]), 1);
    ck_assert_uint_eq(node_conn_peer(th_world_node(&w, 1), w.c[0]), 0);
    ck_assert_uint_eq(node_conn_peer(th_world_node(&w, 0), w.c[0]), 1);

    sim_run(w.s, SIM_TIME_MAX);
    const struct th_rec *up = th_world_find_conn(&w, 0, SIM_CONN_UP, 0);
    TH_ASSERT_AT(up, 2 * L);
    ck_assert_uint_eq(up->tag, 77);
    ck_assert_uint_eq(up->b, 1);
    /* Three messages at 3L, then the close, in that order; the answer back at 4L. */
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 1), 3);
    for (int i = 0; i < 3; i++) {
        const struct th_rec *r = th_world_find(&w, TH_R_MSG, 1, i);
        TH_ASSERT_AT(r, 3 * L);
        ck_assert_uint_eq(r->tag, (uint64_t)i + 1);
        ck_assert_uint_eq(r->conn, w.c[0]);
    }
    const struct th_rec *closed = th_world_find_conn(&w, 1, SIM_CONN_CLOSED, 0);
    TH_ASSERT_AT(closed, 3 * L);
    ck_assert(closed > th_world_find(&w, TH_R_MSG, 1, 2));
    ck_assert_int_eq(node_conn_open(th_world_node(&w, 1), w.c[0]), 0);
    /* The answer reached a side that had closed: dropped, and no event for the closer. */
    ck_assert_int_eq(th_world_count(&w, TH_R_MSG, 0), 0);
    ck_assert_ptr_null(th_world_find_conn(&w, 0, SIM_CONN_CLOSED, 0));
    th_world_free(&w);
}
END_TEST

/* node_conn_last_io: the accepting side's last read or write. n1 writes at 10 ms (its message reaches n0 at
 * 12 ms, which is no activity of n1's), n0 writes at 20 ms and n1 reads it at 22 ms; the connecting side and a
 * closed side have none (-1). */
static void lastio_start(struct th_world *w, struct sim_node *n)
{
    th_world_connect_start(w, n);
    node_timer(n, (n->id == 1 ? 10 : 20) * SIM_MS, 1);
}

static void lastio_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    (void)tag;
    ck_assert_int_eq(node_conn_send(n, w->c[0], 5, "x", 1, 1), 0);
}

START_TEST(test_conn_last_io)
{
    const sim_time L = 2 * SIM_MS;
    struct th_world w;
    th_world_init(&w, 1, 2, L, 0);
    w.start = lastio_start;
    w.timer = lastio_timer;
    sim_run(w.s, L);
    struct sim_node *n0 = th_world_node(&w, 0), *n1 = th_world_node(&w, 1);
    ck_assert_int_eq(node_conn_last_io(n1, w.c[0]), L);   /* the accept */
    ck_assert_int_eq(node_conn_last_io(n0, w.c[0]), -1);  /* not the accepting side */
    sim_run(w.s, 19 * SIM_MS);
    ck_assert_int_eq(node_conn_last_io(n1, w.c[0]), 10 * SIM_MS);
    sim_run(w.s, 21 * SIM_MS);
    ck_assert_int_eq(node_conn_last_io(n1, w.c[0]), 10 * SIM_MS);   /* n0's write is not yet n1's read */
    sim_run(w.s, 30 * SIM_MS);
    ck_assert_int_eq(node_conn_last_io(n1, w.c[0]), 20 * SIM_MS + L);
    node_conn_close(n1, w.c[0]);
    ck_assert_int_eq(node_conn_last_io(n1, w.c[0]), -1);
    th_world_free(&w);
}
END_TEST

/* A fixed bug (sim/net.c, node_connect): the very first connection of a simulation wrote through a NULL
 * array. nconns was bumped from 0 to 1 (id 0 is "none") before the capacity check `nconns == conns_cap`,
 * which compared 1 with 0 and so never allocated; every connection test below crashed with it. */
START_TEST(test_connect_first)
{
    struct th_world w;
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    sim_run(w.s, 0);
    sim_conn c = node_connect(th_world_node(&w, 0), 1, 1);
    ck_assert_uint_eq(c, 1);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find_conn(&w, 0, SIM_CONN_UP, 0), 2 * SIM_MS);
    th_world_free(&w);
}
END_TEST

/* Many connections: ids are distinct and never 0, the table grows, every one comes up. */
START_TEST(test_connect_many)
{
    struct th_world w;
    sim_conn ids[300];
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    sim_run(w.s, 0);
    for (int i = 0; i < 300; i++) {
        ids[i] = node_connect(th_world_node(&w, i % 2), (sim_node_id)(1 - i % 2), (uint64_t)i);
        ck_assert_uint_ne(ids[i], 0);
        if (i)
            ck_assert_uint_gt(ids[i], ids[i - 1]);
    }
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_int_eq(th_world_count(&w, TH_R_CONN, SIM_NODE_NONE), 600);
    for (int i = 0; i < 300; i++) {
        const struct th_rec *up = th_world_find_conn(&w, (sim_node_id)(i % 2), SIM_CONN_UP, i / 2);
        TH_ASSERT_AT(up, 2 * SIM_MS);
        ck_assert_uint_eq(up->conn, ids[i]);
        ck_assert_uint_eq(up->tag, (uint64_t)i);
        ck_assert_int_eq(node_conn_open(th_world_node(&w, 0), ids[i]), 1);
        ck_assert_int_eq(node_conn_open(th_world_node(&w, 1), ids[i]), 1);
    }
    th_world_free(&w);
}
END_TEST

/* Connection: FIFO under random latency; datagrams: all arrive within the latency bounds. */
#define NFIFO 1000

static void fifo_start(struct th_world *w, struct sim_node *n)
{
    if (n->id != 0)
        return;
    w->c[0] = node_connect(n, 1, 1);
    /* Datagrams, one every 10 us, each carrying its send time. */
    node_timer(n, 0, 2);
}

static void fifo_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    uint64_t msg[2] = {w->u[tag], (uint64_t)node_now(n)};
    if (tag == 1)
        node_conn_send(n, w->c[0], 1, msg, sizeof msg, 0);
    else
        node_send(n, 1, 2, msg, sizeof msg, 0);
    if (++w->u[tag] < NFIFO / (tag == 1 ? 2 : 1))
        node_timer(n, 10 * SIM_US, tag);
}

static void fifo_conn(struct th_world *w, struct sim_node *n, sim_conn c, enum sim_conn_ev ev,
                      sim_node_id peer, uint64_t tag)
{
    (void)w;
    (void)peer;
    (void)tag;
    if (ev != SIM_CONN_UP)
        return;
    /* Half in one burst, half spaced by timers: the stream keeps its order in both. */
    for (int i = 0; i < NFIFO / 2; i++) {
        uint64_t msg[2] = {(uint64_t)(NFIFO / 2 + i), (uint64_t)node_now(n)};
        TH_REQUIRE(node_conn_send(n, c, 3, msg, sizeof msg, 0) == 0, "conn send failed");
    }
    node_timer(n, 10 * SIM_US, 1);
}

static void fifo_msg(struct th_world *w, struct sim_node *n, const struct sim_msg *m)
{
    uint64_t seq = u64_at(m->data), sent = u64_at((const char *)m->data + 8);
    sim_time d = node_now(n) - (sim_time)sent;
    TH_REQUIRE(d >= 1 * SIM_MS, "message took %lld ns", (long long)d);
    if (m->type == 2) {
        TH_REQUIRE(d <= 10 * SIM_MS, "datagram took %lld ns", (long long)d);
        w->u[4]++;
        return;
    }
    /* Connection data: two sub-streams (timer 0.., burst NFIFO/2..) interleaved, each in order. */
    int burst = m->type == 3;
    uint64_t want = burst ? NFIFO / 2 + w->u[6] : w->u[5];
    TH_REQUIRE(seq == want, "connection message %llu arrived when %llu was due", (unsigned long long)seq,
            (unsigned long long)want);
    w->u[burst ? 6 : 5]++;
    if (node_now(n) < (sim_time)w->u[7])
        ck_abort_msg("connection message arrived at %lld before the previous one at %llu",
                     (long long)node_now(n), (unsigned long long)w->u[7]);
    w->u[7] = (uint64_t)node_now(n);
    /* The timer stream's messages were sent after the whole burst: none may arrive before the burst ends. */
    if (!burst)
        TH_REQUIRE(w->u[6] == NFIFO / 2, "a later message overtook the burst");
}

START_TEST(test_conn_fifo)
{
    struct th_world w;
    th_world_init(&w, 3, 2, 1 * SIM_MS, 0);
    struct sim_dist lat = {.kind = SIM_DIST_UNIFORM, .unit = SIM_UNIT_TIME, .a = 1e6, .b = 1e7};
    ck_assert_int_eq(sim_net_default(w.s, &lat, NAN, NAN), 0);
    w.quiet = 1;
    w.start = fifo_start;
    w.timer = fifo_timer;
    w.conn = fifo_conn;
    w.msg = fifo_msg;
    sim_run(w.s, SIM_TIME_MAX);
    ck_assert_uint_eq(w.u[4], NFIFO);           /* every datagram */
    ck_assert_uint_eq(w.u[5] + w.u[6], NFIFO);  /* every connection message, in order */
    th_world_free(&w);
}
END_TEST

/* ---- bandwidth ---------------------------------------------------------------------------------------- */

static void bw_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id != 0)
        return;
    node_send(n, 1, 1, NULL, 0, 1001);          /* 1001 B at 3e6 B/s: ceil(333666.67) ns */
    node_send(n, 1, 2, NULL, 0, 3000);          /* queued behind: 1 ms more */
    node_send(n, 2, 3, NULL, 0, 3000);          /* another receiver, the same NIC: 1 ms more */
    node_send(n, 2, 4, NULL, 0, 0);             /* no bytes, no serialisation, no wait */
    node_timer(n, 100 * SIM_MS, 0);
}

static void bw_timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    (void)w;
    (void)tag;
    node_send(n, 1, 5, NULL, 0, 3000);          /* an idle NIC again */
}

START_TEST(test_bandwidth)
{
    const sim_time L = 5 * SIM_MS;
    const sim_time tx1 = 333667;
    struct th_world w;
    th_world_init(&w, 1, 3, L, 3e6);
    w.start = bw_start;
    w.timer = bw_timer;
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 0), L + tx1);
    ck_assert_uint_eq(th_world_find(&w, TH_R_MSG, 1, 0)->b, 1);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 1), L + tx1 + 1 * SIM_MS);
    ck_assert_uint_eq(th_world_find(&w, TH_R_MSG, 2, 0)->b, 4);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 2, 0), L);
    ck_assert_uint_eq(th_world_find(&w, TH_R_MSG, 2, 1)->b, 3);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 2, 1), L + tx1 + 2 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 2), 100 * SIM_MS + 1 * SIM_MS + L);
    th_world_free(&w);
}
END_TEST

static void bwlink_start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id != 0)
        return;
    node_send(n, 1, 1, NULL, 0, 1000);   /* own link: 1e5 B/s, 10 ms each, queued on the link */
    node_send(n, 1, 2, NULL, 0, 1000);
    node_send(n, 2, 3, NULL, 0, 1000);   /* default path: 1e6 B/s at the NIC, not behind the slow link */
}

START_TEST(test_bandwidth_link)
{
    const sim_time L = 1 * SIM_MS;
    struct th_world w;
    th_world_init(&w, 1, 3, L, 1e6);
    ck_assert_int_eq(sim_link_set(w.s, 0, 1, NULL, NAN, 1e5), 0);
    /* A link with its own latency; the reverse direction keeps the default. */
    struct sim_dist lat7 = sim_dist_const(SIM_UNIT_TIME, 7 * SIM_MS);
    ck_assert_int_eq(sim_link_set(w.s, 2, 0, &lat7, NAN, NAN), 0);
    w.start = bwlink_start;
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 0), 10 * SIM_MS + L);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 1), 20 * SIM_MS + L);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 2, 0), 1 * SIM_MS + L);

    /* 2 -> 0 has its own 7 ms; 0 -> 2 still has the default L. */
    sim_time t = sim_now(w.s);
    node_send(th_world_node(&w, 2), 0, 9, NULL, 0, 0);
    node_send(th_world_node(&w, 0), 2, 9, NULL, 0, 0);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 0, 0), t + 7 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 2, 1), t + L);
    th_world_free(&w);
}
END_TEST

/* The "network" section: default and per-link settings, timeouts, and errors at their JSON path. */
static int load_net(struct th_world *w, const char *json, struct conf *c)
{
    cJSON *v = cJSON_Parse(json);
    ck_assert_ptr_nonnull(v);
    conf_init(c, TH_CONF_FILE);
    int rc = net_load(w->s, c, v, "$.network");
    cJSON_Delete(v);
    return rc;
}

START_TEST(test_net_load)
{
    struct th_world w;
    struct conf c;
    th_world_init(&w, 1, 3, 1 * SIM_MS, 0);
    int rc = load_net(&w,
                      "{\"latency\":{\"const_ms\":2},\"loss\":0,\"bandwidth_mbit_per_s\":0,"
                      "\"connect_timeout_ms\":150,\"retransmit_ms\":50,\"links\":["
                      "{\"from\":\"n0\",\"to\":\"n1\",\"latency\":{\"const_ms\":9}},"
                      "{\"from\":\"n0\",\"to\":\"n2\",\"both_ways\":false,\"latency\":{\"const_ms\":4},"
                      "\"bandwidth_mbit_per_s\":8}]}",
                      &c);
    ck_assert_msg(rc == 0, "%s", c.err);
    sim_run(w.s, 0);
    node_send(th_world_node(&w, 0), 1, 1, NULL, 0, 1000);
    node_send(th_world_node(&w, 1), 0, 1, NULL, 0, 1000);
    node_send(th_world_node(&w, 0), 2, 1, NULL, 0, 1000);   /* 1000 B at 8 Mbit/s: 1 ms, then 4 ms */
    node_send(th_world_node(&w, 2), 0, 2, NULL, 0, 1000);   /* the reverse keeps the default */
    node_send(th_world_node(&w, 1), 2, 1, NULL, 0, 1000);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 1, 0), 9 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 0, 0), 2 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 0, 1), 9 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 2, 0), 2 * SIM_MS);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 2, 1), 5 * SIM_MS);

    /* connect_timeout_ms: a connect across a cut fails after it. */
    sim_time t = sim_now(w.s);
    sim_link_cut(w.s, 2, 0, 1);
    node_connect(th_world_node(&w, 2), 0, 1);
    sim_conn c12 = node_connect(th_world_node(&w, 1), 2, 2);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find_conn(&w, 2, SIM_CONN_FAILED, 0), t + 150 * SIM_MS);
    TH_ASSERT_AT(th_world_find_conn(&w, 1, SIM_CONN_UP, 0), t + 2 * 2 * SIM_MS);
    /* retransmit_ms: a connection's segment lost once arrives one retransmit later. */
    ck_assert_int_eq(sim_net_default(w.s, NULL, 1.0, NAN), 0);
    t = sim_now(w.s);
    ck_assert_int_eq(node_conn_send(th_world_node(&w, 1), c12, 5, NULL, 0, 0), 0);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find(&w, TH_R_MSG, 2, 2), t + 2 * SIM_MS + 50 * SIM_MS);
    /* A connect whose SYN-ACK would come after its timeout (60 ms each way, 100 ms) fails at the timeout:
     * the client gave up before it came. */
    th_world_free(&w);
    th_world_init(&w, 1, 3, 1 * SIM_MS, 0);
    ck_assert_msg(load_net(&w, "{\"latency\":{\"const_ms\":60},\"connect_timeout_ms\":100}", &c) == 0, "%s",
                  c.err);
    sim_run(w.s, 0);
    node_connect(th_world_node(&w, 1), 2, 2);
    sim_run(w.s, SIM_TIME_MAX);
    TH_ASSERT_AT(th_world_find_conn(&w, 1, SIM_CONN_FAILED, 0), 100 * SIM_MS);
    ck_assert_ptr_null(th_world_find_conn(&w, 1, SIM_CONN_UP, 0));
    ck_assert_ptr_null(th_world_find_conn(&w, 2, SIM_CONN_ACCEPTED, 0));
    th_world_free(&w);
}
END_TEST

static const struct {
    const char *json;
    const char *err;     /* the start of the message: file and path */
    const char *sub;     /* a substring of the rest */
} net_errors[] = {
    {"{\"links\":[{\"from\":\"n0\",\"to\":\"zz\"}]}", "t.json: $.network.links[0].to: ",
     "no node named \"zz\""},
    {"{\"links\":[{\"to\":\"n0\"}]}", "t.json: $.network.links[0]: ", "missing \"from\""},
    {"{\"latncy\":{\"const_ms\":1}}", "t.json: $.network.latncy: ", "unknown key"},
    {"{\"latency\":{\"const\":1}}", "t.json: $.network.latency.const: ", "unknown key"},
    {"{\"latency\":{\"dist\":\"exp\",\"mean\":1}}", "t.json: $.network.latency.mean: ", "missing unit"},
    {"{\"loss\":1.5}", "t.json: $.network.loss: ", "1.5"},
    {"{\"links\":{}}", "t.json: $.network.links: ", "expected an array"},
    {"{\"links\":[{\"from\":\"n0\",\"to\":\"n1\",\"latency\":{\"const_s\":100000}}]}",
     "t.json: $.network.links[0].latency.const_s: ", "must be between 0 and 86400"},
};

START_TEST(test_net_load_errors)
{
    struct th_world w;
    struct conf c;
    th_world_init(&w, 1, 2, 1 * SIM_MS, 0);
    ck_assert_int_eq(load_net(&w, net_errors[_i].json, &c), -1);
    ck_assert_int_eq(c.failed, 1);
    ck_assert_msg(strncmp(c.err, net_errors[_i].err, strlen(net_errors[_i].err)) == 0,
                  "got \"%s\", want it to start with \"%s\"", c.err, net_errors[_i].err);
    ck_assert_msg(strstr(c.err + strlen(net_errors[_i].err), net_errors[_i].sub) != NULL,
                  "got \"%s\", want \"%s\" in it", c.err, net_errors[_i].sub);
    th_world_free(&w);
}
END_TEST

/* ---- the suite ----------------------------------------------------------------------------------------- */

static Suite *sim_net_suite(void)
{
    Suite *s = suite_create("sim_net");

    TCase *tc = tcase_create("pools");
    tcase_add_test(tc, test_pingpong_pool);
    tcase_add_test(tc, test_payload_sizes);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("net");
    tcase_add_test(tc, test_send_latency);
    tcase_add_test(tc, test_connect_first);                    
    tcase_add_test(tc, test_connect);
    tcase_add_test(tc, test_connect_many);
    tcase_add_test(tc, test_conn_last_io);
    tcase_add_test(tc, test_conn_fifo);
    tcase_add_test(tc, test_bandwidth);
    tcase_add_test(tc, test_bandwidth_link);
    tcase_add_test(tc, test_net_load);
    tcase_add_loop_test(tc, test_net_load_errors, 0, (int)(sizeof net_errors / sizeof net_errors[0]));
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(sim_net_suite());
}
