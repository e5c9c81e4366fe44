/* test_rpc: the remoting layer's large requests (a DLedger batch push can be kilobytes). A request body past
 * what a slot keeps is copied aside while its connection is made and sent whole when it is up; one past the
 * stack frame's size is built in the layer's scratch buffer; a waiting one whose connection fails is
 * answered CONN_FAILED. No slot keeps a copy once its request is sent or failed. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "models/remoting/rpc.h"
#include "sim/sim.h"
#include "tests/harness.h"

#define REQ 7
static struct rpc cli;                 /* node 0's remoting; node 1 answers */
static int replies, last_status;
static uint64_t last_tag, answered_sum;

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
    if (status == RMQ_SUCCESS && len == sizeof answered_sum)
        memcpy(&answered_sum, body, sizeof answered_sum);
}

static void start(struct th_world *w, struct sim_node *n)
{
    (void)w;
    if (n->id == 0)
        rpc_init(&cli, n, on_reply);
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
    th_world_free(&w);
}
END_TEST

static void reset_counts(void)
{
    replies = 0;
    last_status = 0;
    last_tag = answered_sum = 0;
}

static Suite *suite(void)
{
    Suite *s = suite_create("rpc");
    TCase *tc = tcase_create("large");
    tcase_add_checked_fixture(tc, reset_counts, NULL);
    tcase_add_test(tc, large_requests_arrive_whole);
    tcase_add_test(tc, large_request_without_connection_fails);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
