/* test_rpc: the remoting layer's large requests (a DLedger batch push can be kilobytes). A request body past
 * what a slot keeps is copied aside while its connection is made and sent whole when it is up; one past the
 * stack frame's size is built in the layer's scratch buffer; a waiting one whose connection fails is
 * answered CONN_FAILED. No slot keeps a copy once its request is sent or failed. An answer past the frame's
 * size (a consumer list) comes whole through the scratch buffer too. A request the peer holds fails when the
 * peer's process dies only with fail_fast (5.1.3+); else at its timeout. A synchronous request's timeout
 * closes its connection and fails the others on it with close_on_timeout (clientCloseSocketIfTimeout); an
 * asynchronous one fails at the client's response scan (rpc_scan). A NameServer request (rpc_call_begun) waits
 * for its connection and counts the time before it against its timeout. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "models/remoting/rpc.h"
#include "sim/sim.h"
#include "tests/harness.h"

#define REQ 7
#define REQ_HOLD 8                     /* node 1 never answers it (a held pull) */
#define REQ_BIG 9                      /* node 1 answers with a body of the request's first 4 bytes' length */
static struct rpc cli;                 /* node 0's remoting; node 1 answers */
static struct rpc srv;                 /* node 1's, for its scratch buffer */
static int replies, last_status;
static uint64_t last_tag, answered_sum;
static int status_of[64];              /* by tag: the answer's status, 0 before it */
static sim_time when_of[64];           /* by tag: when it came */
static int arrived;                    /* requests node 1 received */

/* The body of request k: len bytes of a pattern k sets. */
static void fill(unsigned char *b, uint32_t len, int k)
{
    for (uint32_t i = 0; i < len; i++)
        b[i] = (unsigned char)(i * 31 + (uint32_t)k);
}

static void on_reply(struct sim_node *n, uint64_t tag, int status, const void *body, uint32_t len)
{
    (void)n;
    replies++;
    last_tag = tag;
    last_status = status;
    if (tag < 64) {
        status_of[tag] = status;
        when_of[tag] = node_now(n);
    }
    if (status == RMQ_SUCCESS && len == sizeof answered_sum)
        memcpy(&answered_sum, body, sizeof answered_sum);
}

static void start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id == 0)
        rpc_init(&cli, n, on_reply);
    else
        rpc_init(&srv, n, on_reply);
}

/* Node 1 answers with the FNV hash of the request's body; node 0 hands answers to its rpc. */
static void msg(struct th_world *w, struct sim_node *n, const struct sim_msg *m)
{
    (void)w;
    if (n->id == 0) {
        rpc_on_message(&cli, m);
        return;
    }
    struct rpc_hdr h;
    const void *body;
    uint32_t len;
    if (rpc_parse(m, &h, &body, &len) < 0)
        return;
    arrived++;
    if (h.code == REQ_HOLD)
        return;
    if (h.code == REQ_BIG) {
        static unsigned char big[20000];
        uint32_t want;
        memcpy(&want, body, sizeof want);
        fill(big, want, 6);
        rpc_reply_big(&srv, rpc_ctx_of(m), RMQ_SUCCESS, big, want, 0);
        return;
    }
    uint64_t sum = th_fnv(TH_FNV0, body, len);
    rpc_reply(n, rpc_ctx_of(m), RMQ_SUCCESS, &sum, sizeof sum, 0);
}

static void timer(struct th_world *w, struct sim_node *n, uint64_t tag)
{
    (void)w;
    if (n->id == 0)
        rpc_on_timer(&cli, tag);
}

static void conn(struct th_world *w, struct sim_node *n, sim_conn c, enum sim_conn_ev ev, sim_node_id peer,
                 uint64_t tag)
{
    (void)w, (void)peer, (void)tag;
    if (n->id == 0)
        rpc_on_conn(&cli, c, ev);
}

static void world(struct th_world *w)
{
    th_world_init(w, 1, 2, 1 * SIM_MS, 0);
    w->start = start;
    w->msg = msg;
    w->timer = timer;
    w->conn = conn;
    sim_run(w->s, 1);   /* the nodes start */
}

/* A request of len bytes from node 0 to node 1, run until answered: the answer is the body's hash. */
static void call_and_check(struct th_world *w, uint32_t len, int k)
{
    static unsigned char body[64 * 1024];
    fill(body, len, k);
    uint64_t want = th_fnv(TH_FNV0, body, len);
    int before = replies;
    rpc_call(&cli, 1, REQ, body, len, 0, 3 * SIM_S, (uint64_t)k);
    memset(body, 0, len);   /* the layer keeps its own copy */
    sim_run(w->s, sim_now(w->s) + 100 * SIM_MS);
    ck_assert_int_eq(replies, before + 1);
    ck_assert_int_eq(last_status, RMQ_SUCCESS);
    ck_assert_uint_eq(last_tag, (uint64_t)k);
    ck_assert_uint_eq(answered_sum, want);
    for (uint32_t i = 0; i < cli.cap; i++)
        ck_assert_ptr_null(cli.pend[i].big);
}

START_TEST(large_requests_arrive_whole)
{
    struct th_world w;
    world(&w);
    call_and_check(&w, 5000, 1);    /* waits for the connection: copied aside, then built in scratch */
    call_and_check(&w, 40000, 2);   /* an open connection: scratch grows */
    call_and_check(&w, 50, 3);      /* a small one on the stack's frame */
    call_and_check(&w, 3000, 4);
    rpc_free(&cli);
    rpc_free(&srv);
    th_world_free(&w);
}
END_TEST

START_TEST(large_request_without_connection_fails)
{
    struct th_world w;
    world(&w);
    sim_crash(w.s, 1, SIM_CRASH_HOST);
    static unsigned char body[8000];
    fill(body, sizeof body, 5);
    rpc_call(&cli, 1, REQ, body, sizeof body, 0, 30 * SIM_S, 5);
    sim_run(w.s, 20 * SIM_S);
    ck_assert_int_eq(replies, 1);
    ck_assert_int_eq(last_status, RMQ_CONN_FAILED);
    for (uint32_t i = 0; i < cli.cap; i++)
        ck_assert_ptr_null(cli.pend[i].big);
    rpc_free(&cli);
    rpc_free(&srv);
    th_world_free(&w);
}
END_TEST

/* A reply larger than a frame's buffer (rpc_reply_big) arrives whole. */
static unsigned char got[20000];
static uint32_t got_len;

static void on_reply_copy(struct sim_node *n, uint64_t tag, int status, const void *body, uint32_t len)
{
    on_reply(n, tag, status, body, len);
    got_len = len <= sizeof got ? len : 0;
    if (got_len)
        memcpy(got, body, len);
}

START_TEST(large_reply_arrives_whole)
{
    struct th_world w;
    world(&w);
    cli.on_reply = on_reply_copy;
    static unsigned char want[20000];
    for (uint32_t len = 100; len <= 16000; len *= 4) {
        rpc_call(&cli, 1, REQ_BIG, &len, sizeof len, 0, 3 * SIM_S, len);
        sim_run(w.s, sim_now(w.s) + 100 * SIM_MS);
        ck_assert_int_eq(last_status, RMQ_SUCCESS);
        ck_assert_uint_eq(got_len, len);
        fill(want, len, 6);
        ck_assert_int_eq(memcmp(got, want, len), 0);
    }
    rpc_free(&cli);
    rpc_free(&srv);
    th_world_free(&w);
}
END_TEST

/* Node 1 holds the request; its process dies at 50 ms and its kernel closes the connection. */
static double held_failed_after(int fail_fast)
{
    struct th_world w;
    world(&w);
    cli.fail_fast = fail_fast;
    unsigned char b[8] = {0};
    rpc_call(&cli, 1, REQ_HOLD, b, sizeof b, 0, 3 * SIM_S, 11);
    rpc_call(&cli, 1, REQ_HOLD, b, sizeof b, 0, 3 * SIM_S, 12);
    sim_run(w.s, 50 * SIM_MS);
    ck_assert_int_eq(replies, 0);
    sim_crash(w.s, 1, SIM_CRASH_PROCESS);
    sim_time at = -1;
    while (replies < 2 && sim_now(w.s) < 10 * SIM_S) {
        sim_run(w.s, sim_now(w.s) + SIM_MS);
        if (replies == 2)
            at = sim_now(w.s);
    }
    ck_assert_int_eq(replies, 2);   /* both, at the same instant */
    ck_assert_uint_eq(last_tag, 12);
    ck_assert_int_eq(last_status, fail_fast ? RMQ_CONN_FAILED : RMQ_TIMEOUT);
    rpc_free(&cli);
    rpc_free(&srv);
    th_world_free(&w);
    return sim_time_to_ms(at);
}

START_TEST(closed_connection_fails_fast)
{
    double fast = held_failed_after(1);
    replies = 0;
    double slow = held_failed_after(0);
    ck_assert_double_le(fast, 52);     /* the reset's 1 ms */
    ck_assert_double_ge(slow, 3000);   /* its timeout */
}
END_TEST

/* clientCloseSocketIfTimeout: node 1 holds every request; a synchronous one that times out (tag 21, 1 s)
 * closes the connection, and the other requests on it fail at that instant, the asynchronous one (a pull,
 * tag 23) too; the next request connects anew and is answered. Without it each waits its own 3 s timeout,
 * and an asynchronous request's timeout (tag 24, 1 s) closes nothing even with it. */
START_TEST(sync_timeout_closes_the_connection)
{
    for (int close = 0; close < 2; close++) {
        struct th_world w;
        world(&w);
        cli.close_on_timeout = close;
        unsigned char b[8] = {0};
        sim_time t0 = sim_now(w.s);
        rpc_call(&cli, 1, REQ_HOLD, b, sizeof b, 0, 1 * SIM_S, 21);
        rpc_call(&cli, 1, REQ_HOLD, b, sizeof b, 0, 3 * SIM_S, 22);
        rpc_call_async(&cli, 1, REQ_HOLD, b, sizeof b, 0, 3 * SIM_S, 23);
        sim_run(w.s, 50 * SIM_MS);
        sim_conn first = cli.peers[0].conn;
        ck_assert_int_eq(node_conn_open(th_world_node(&w, 0), first), 1);
        sim_run(w.s, 1500 * SIM_MS);
        ck_assert_int_eq(status_of[21], RMQ_TIMEOUT);
        ck_assert_int_eq(when_of[21], t0 + 1 * SIM_S);
        if (close) {
            ck_assert_int_eq(status_of[22], RMQ_CONN_FAILED);
            ck_assert_int_eq(status_of[23], RMQ_CONN_FAILED);
            ck_assert_int_eq(when_of[22], t0 + 1 * SIM_S);
            ck_assert_int_eq(when_of[23], t0 + 1 * SIM_S);
            ck_assert_int_eq(node_conn_open(th_world_node(&w, 0), first), 0);
            call_and_check(&w, 16, 25);   /* on a new connection */
            ck_assert_uint_ne(cli.peers[0].conn, first);
        } else {
            ck_assert_int_eq(status_of[22], 0);
            sim_run(w.s, 3100 * SIM_MS);
            ck_assert_int_eq(status_of[22], RMQ_TIMEOUT);
            ck_assert_int_eq(status_of[23], RMQ_TIMEOUT);
            ck_assert_int_eq(node_conn_open(th_world_node(&w, 0), first), 1);
        }
        rpc_free(&cli);
        rpc_free(&srv);
        th_world_free(&w);
        memset(status_of, 0, sizeof status_of);
    }
    /* An asynchronous request that times out first leaves the connection and the others alone. */
    struct th_world w;
    world(&w);
    cli.close_on_timeout = 1;
    unsigned char b[8] = {0};
    rpc_call_async(&cli, 1, REQ_HOLD, b, sizeof b, 0, 1 * SIM_S, 24);
    rpc_call(&cli, 1, REQ_HOLD, b, sizeof b, 0, 3 * SIM_S, 22);
    sim_run(w.s, 1500 * SIM_MS);
    ck_assert_int_eq(status_of[24], RMQ_TIMEOUT);
    ck_assert_int_eq(status_of[22], 0);
    ck_assert_int_eq(node_conn_open(th_world_node(&w, 0), cli.peers[0].conn), 1);
    rpc_free(&cli);
    rpc_free(&srv);
    th_world_free(&w);
}
END_TEST

/* NettyRemotingAbstract.scanResponseTable: an asynchronous request fails at the scan's first run at least
 * 1 s after its deadline (runs from 3 s, every 1 s as R44's Timer, or from 3.1 s every 1.1 s as R53's
 * HashedWheelTimer), and an answer that comes after the deadline but before that run is taken; a
 * synchronous request fails at its deadline. Without the scan (period 0) the asynchronous ones do too. */
START_TEST(async_timeout_at_the_response_scan)
{
    const sim_time first[3] = {3000 * SIM_MS, 3100 * SIM_MS, 0}, period[3] = {1000 * SIM_MS, 1100 * SIM_MS, 0};
    /* tag 31: async, 1.5 s; 32: async, 2.2 s; 33: sync, 1.5 s; 34: async, 1 us, answered after 2 ms */
    const double want31[3] = {3000, 3100, 1500}, want32[3] = {4000, 4200, 2200};
    for (int k = 0; k < 3; k++) {
        struct th_world w;
        world(&w);
        sim_time t0 = sim_now(w.s);
        if (period[k] > 0)
            rpc_scan(&cli, first[k], period[k]);
        unsigned char b[8] = {0};
        rpc_call_async(&cli, 1, REQ_HOLD, b, sizeof b, 0, 1500 * SIM_MS, 31);
        rpc_call_async(&cli, 1, REQ_HOLD, b, sizeof b, 0, 2200 * SIM_MS, 32);
        rpc_call(&cli, 1, REQ_HOLD, b, sizeof b, 0, 1500 * SIM_MS, 33);
        rpc_call_async(&cli, 1, REQ, b, sizeof b, 0, 1 * SIM_US, 34);
        sim_run(w.s, 5 * SIM_S);
        ck_assert_int_eq(status_of[31], RMQ_TIMEOUT);
        ck_assert_int_eq(status_of[32], RMQ_TIMEOUT);
        ck_assert_int_eq(status_of[33], RMQ_TIMEOUT);
        ck_assert_double_eq_tol(sim_time_to_ms(when_of[31]), want31[k] + (k == 2 ? sim_time_to_ms(t0) : 0), 1e-6);
        ck_assert_double_eq_tol(sim_time_to_ms(when_of[32]), want32[k] + (k == 2 ? sim_time_to_ms(t0) : 0), 1e-6);
        ck_assert_int_eq(when_of[33], t0 + 1500 * SIM_MS);
        ck_assert_int_eq(status_of[34], period[k] > 0 ? RMQ_SUCCESS : RMQ_TIMEOUT);
        rpc_free(&cli);
        rpc_free(&srv);
        th_world_free(&w);
        memset(status_of, 0, sizeof status_of);
    }
}
END_TEST

/* rpc_call_begun (NettyRemotingClient.invokeSync for a NameServer): its connection is waited for however long
 * it takes, and its time counts from `begin`. Tag 41: node 1's host is dead, 1 s timeout: CONN_FAILED at the
 * 3 s connect timeout, not TIMEOUT at 1 s. Tag 42: begun 3 s ago (a dead NameServer's connect): the connection
 * comes up 2 ms later with no time left, so the request is not sent and times out then, the connection
 * closed with close_on_timeout (R498) and kept without (R44); tag 43 then, on the kept connection, times out
 * at once (a later event, not inline). Tag 44: sent with 48 ms of 3 s left and held: its timeout closes the
 * connection unless close_needs_time (R53 shouldClose: left > 100 ms || left > timeout / 4). */
START_TEST(begun_request_counts_its_connect)
{
    unsigned char b[8] = {0};
    struct th_world w;
    world(&w);
    sim_crash(w.s, 1, SIM_CRASH_HOST);
    sim_time t0 = sim_now(w.s);
    rpc_call_begun(&cli, 1, REQ, b, sizeof b, 0, t0, 1 * SIM_S, 41);
    sim_run(w.s, t0 + 5 * SIM_S);
    ck_assert_int_eq(status_of[41], RMQ_CONN_FAILED);
    ck_assert_int_eq(when_of[41], t0 + 3 * SIM_S);
    rpc_free(&cli);
    rpc_free(&srv);
    th_world_free(&w);
    for (int close = 0; close < 2; close++) {
        memset(status_of, 0, sizeof status_of);
        world(&w);
        cli.close_on_timeout = close;
        t0 = sim_now(w.s);
        rpc_call_begun(&cli, 1, REQ, b, sizeof b, 0, t0 - 3 * SIM_S, 3 * SIM_S, 42);
        sim_run(w.s, t0 + 100 * SIM_MS);
        ck_assert_int_eq(status_of[42], RMQ_TIMEOUT);
        ck_assert_int_eq(when_of[42], t0 + 2 * SIM_MS);
        ck_assert_int_eq(rpc_peer_open(&cli, 1), !close);
        if (!close) {
            int before = replies;
            rpc_call_begun(&cli, 1, REQ, b, sizeof b, 0, t0 - 3 * SIM_S, 3 * SIM_S, 43);
            ck_assert_int_eq(replies, before);
            sim_run(w.s, sim_now(w.s) + 1 * SIM_MS);
            ck_assert_int_eq(status_of[43], RMQ_TIMEOUT);
            ck_assert_int_eq(rpc_peer_open(&cli, 1), 1);
        }
        rpc_free(&cli);
        rpc_free(&srv);
        th_world_free(&w);
    }
    for (int needs = 0; needs < 2; needs++) {
        memset(status_of, 0, sizeof status_of);
        world(&w);
        cli.close_on_timeout = 1;
        cli.close_needs_time = needs;
        t0 = sim_now(w.s);
        rpc_call_begun(&cli, 1, REQ_HOLD, b, sizeof b, 0, t0 - 2950 * SIM_MS, 3 * SIM_S, 44);
        sim_run(w.s, t0 + 100 * SIM_MS);
        ck_assert_int_eq(status_of[44], RMQ_TIMEOUT);
        ck_assert_int_eq(when_of[44], t0 + 50 * SIM_MS);
        ck_assert_int_eq(rpc_peer_open(&cli, 1), needs);
        rpc_free(&cli);
        rpc_free(&srv);
        th_world_free(&w);
    }
}
END_TEST

/* A request with 0 ms left (rpc_call_spent: RocketMQ's millisecond costTime equal to a send's timeout). R44/R498
 * (invokeSync's `timeoutMillis < costTime`): on the open connection it is written, fails a moment later, not
 * inline, with CONN_FAILED (waitResponse(0): RemotingSendRequestException) and closes the connection without
 * close_on_timeout, failing the request held on it; with no connection open it connects and times out
 * unsent. R53 (close_needs_time: `left <= 0`) times out unsent and closes nothing. */
START_TEST(spent_request_written_then_closes)
{
    unsigned char b[8] = {0};
    for (int needs = 0; needs < 2; needs++) {
        struct th_world w;
        world(&w);
        cli.close_needs_time = needs;
        arrived = 0;
        rpc_call(&cli, 1, REQ_HOLD, b, sizeof b, 0, 3 * SIM_S, 51);
        sim_run(w.s, sim_now(w.s) + 50 * SIM_MS);
        sim_time t1 = sim_now(w.s);
        rpc_call_spent(&cli, 1, REQ_HOLD, b, sizeof b, 0, 52);
        ck_assert_int_eq(status_of[52], 0);
        sim_run(w.s, t1 + 50 * SIM_MS);
        ck_assert_int_eq(status_of[52], needs ? RMQ_TIMEOUT : RMQ_CONN_FAILED);
        ck_assert_int_eq(when_of[52], t1);
        ck_assert_int_eq(arrived, needs ? 1 : 2);
        ck_assert_int_eq(status_of[51], needs ? 0 : RMQ_CONN_FAILED);
        ck_assert_int_eq(rpc_peer_open(&cli, 1), needs);
        rpc_free(&cli);
        rpc_free(&srv);
        th_world_free(&w);
        memset(status_of, 0, sizeof status_of);
    }
    struct th_world w;
    world(&w);
    arrived = 0;
    sim_time t0 = sim_now(w.s);
    rpc_call_spent(&cli, 1, REQ, b, sizeof b, 0, 53);
    sim_run(w.s, t0 + 50 * SIM_MS);
    ck_assert_int_eq(status_of[53], RMQ_TIMEOUT);
    ck_assert_int_eq(when_of[53], t0 + 2 * SIM_MS);   /* the connect's round trip */
    ck_assert_int_eq(arrived, 0);
    rpc_free(&cli);
    rpc_free(&srv);
    th_world_free(&w);
}
END_TEST

static void reset_counts(void)
{
    replies = 0;
    last_status = 0;
    last_tag = answered_sum = 0;
    memset(status_of, 0, sizeof status_of);
    memset(when_of, 0, sizeof when_of);
}

static Suite *suite(void)
{
    Suite *s = suite_create("rpc");
    TCase *tc = tcase_create("large");
    tcase_add_checked_fixture(tc, reset_counts, NULL);
    tcase_add_test(tc, large_requests_arrive_whole);
    tcase_add_test(tc, large_request_without_connection_fails);
    tcase_add_test(tc, large_reply_arrives_whole);
    tcase_add_test(tc, closed_connection_fails_fast);
    tcase_add_test(tc, sync_timeout_closes_the_connection);
    tcase_add_test(tc, async_timeout_at_the_response_scan);
    tcase_add_test(tc, begun_request_counts_its_connect);
    tcase_add_test(tc, spent_request_written_then_closes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
