/* test_producer_heartbeat: MQClientInstance.sendHeartbeatToAllBroker for a producer alone, and what it means for
 * the broker's idle close (NettyRemotingServer's IdleStateHandler, 120 s). A producer sends once every 200 s
 * (at 1 s, 201 s and 401 s) to one master/slave group over constant 1 ms links. Without vipChannelEnabled
 * (4.9, 5.3) its heartbeats, at 1 s and every 30 s to the master only (no random phase: the schedule of a
 * producer started at 0), share the sends' channel, which is never idle; with it (4.4) the sends' channel
 * carries nothing else and the master closes it 120 s after each send, and the next send connects again and
 * is acknowledged all the same. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tests/harness.h"

static const char *const WORLD =
    "{\"name\": \"t\", \"version\": \"%s\", \"run\": {\"duration_ms\": 600000, \"seed\": 1, \"trace\": \"events\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\"}],"
    " \"producers\": {\"rate_per_s\": 0.005, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"count\": 0}, \"operator\": {\"enabled\": false}}";

#define IDLE "\"ev\":\"broker.idle\""
#define PEER "\"peer\":\"producer-0\""

struct closes {
    int n, slave;
    double t[8];
};

static void idle_line(const char *l, void *arg)
{
    struct closes *c = arg;
    if (!th_has(l, PEER))
        return;
    if (th_has(l, "\"node\":\"broker-a-1\""))
        c->slave++;
    if (c->n < 8)
        c->t[c->n] = th_field(l, "\"t_ms\":", -1);
    c->n++;
}

static struct closes run(const char *version, const char *const *sets, int nsets)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, WORLD, version);
    struct th_run r;
    th_run(&r, buf, sets, nsets);
    struct closes c = {0};
    th_each(r.trace, IDLE, idle_line, &c);
    /* Every send is acknowledged, on a channel opened again or not. */
    ck_assert_int_eq((int)th_num(r.m, "messages.sent"), 3);
    ck_assert_int_eq((int)th_num(r.m, "messages.acked"), 3);
    th_run_free(&r);
    return c;
}

/* 4.9 and 5.3: the heartbeats keep the producer's channel to the master busy; nobody closes it. */
START_TEST(heartbeats_keep_the_channel)
{
    struct closes c = run("4.9", NULL, 0);
    ck_assert_int_eq(c.n, 0);
    c = run("5.3", NULL, 0);
    ck_assert_int_eq(c.n, 0);
}
END_TEST

/* 4.4 (vipChannelEnabled true), and 4.9 with the key set: no heartbeat on the sends' channel, so the master
 * closes it 120 s after it wrote each send's answer (1.003 s, 201.003 s, 401.003 s: the request's 1 ms and the
 * put), and never the slave, to which a producer sends nothing. */
START_TEST(vip_channel_idles_after_each_send)
{
    const char *vip[] = {"producers.vip_channel_enabled=true"};
    for (int k = 0; k < 2; k++) {
        struct closes c = k == 0 ? run("4.4", NULL, 0) : run("4.9", vip, 1);
        fprintf(stderr, "%s: idle closes at %.3f, %.3f, %.3f ms\n", k == 0 ? "4.4" : "4.9 vip", c.t[0], c.t[1],
                c.t[2]);
        ck_assert_int_eq(c.n, 3);
        ck_assert_int_eq(c.slave, 0);
        for (int i = 0; i < 3; i++) {
            ck_assert_double_ge(c.t[i], 121003 + 200000.0 * i);
            ck_assert_double_lt(c.t[i], 121010 + 200000.0 * i);
        }
    }
}
END_TEST

/* The heartbeats' own cadence decides: every 150 s (at 1, 151, 301 and 451 s) they leave the channel idle from
 * the first send's answer to 151 s and from the last heartbeat's answer (451.001 s) to the end, so the master
 * closes it at 121.003 s and 571.001 s; and they go to the master alone (the slave, sent nothing else, would
 * close a channel the heartbeats opened). */
START_TEST(heartbeat_cadence_and_masters_only)
{
    const char *slow[] = {"producers.heartbeat_broker_interval_ms=150000"};
    struct closes c = run("4.9", slow, 1);
    fprintf(stderr, "4.9, heartbeats every 150 s: idle closes at %.3f and %.3f ms\n", c.t[0], c.t[1]);
    ck_assert_int_eq(c.n, 2);
    ck_assert_int_eq(c.slave, 0);
    ck_assert_double_ge(c.t[0], 121003);
    ck_assert_double_lt(c.t[0], 121010);
    ck_assert_double_ge(c.t[1], 571001);
    ck_assert_double_lt(c.t[1], 571002);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("producer_heartbeat");
    TCase *tc = tcase_create("heartbeat");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, heartbeats_keep_the_channel);
    tcase_add_test(tc, vip_channel_idles_after_each_send);
    tcase_add_test(tc, heartbeat_cadence_and_masters_only);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
