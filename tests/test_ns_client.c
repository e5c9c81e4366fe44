/* test_ns_client: which NameServer a client's route request reaches when the one it chose cannot be connected
 * (models/namesrv/nameserver.c, the client half; NettyRemotingClient.getAndCreateNameserverChannel and
 * invokeSync). Two NameServers, one of whose host is dead from the start, 1 ms links. R44/R498 try the next
 * NameServer within the request, but its channel comes after the dead host's 3 s connect timeout, with none
 * of the request's 3 s left: RemotingTimeoutException. R44 keeps that channel, so the next request is
 * answered; R498 closes it (clientCloseSocketIfTimeout), its next request starts at the dead host again, and
 * the client never has a route. R53 takes one NameServer a request: the first fails, the next one's is
 * answered. And the order in which a client tries them: its list shuffled at its start (updateNameServerAddressList),
 * four NameServers, two of them dead. */
#include <check.h>
#include <stdio.h>

#include "tests/harness.h"

/* A producer and a consumer; seed 2 starts both at ns-0, dead from 0 s in the first run, alive in the second. */
#define DEAD_NS_WORLD                                                                                                  \
    "{\"name\": \"ns\", \"run\": {\"duration_ms\": 60000, \"seed\": 2},"                                              \
    " \"network\": {\"latency\": {\"const_ms\": 1}}, \"nameservers\": {\"count\": 2},"                                 \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"                                                        \
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 1024}}, \"consumers\": {\"count\": 1},"         \
    " \"faults\": [{\"at_ms\": 0, \"op\": \"crash_host\", \"node\": \"ns-0\"}]}"

/* The t_ms of each client's first route (-1: none in the run), and what was acknowledged and consumed. */
struct firsts {
    double producer, consumer, acked, consumed;
};

static void run_dead(const char *const *sets, int nsets, struct firsts *f)
{
    struct th_run r;
    th_run(&r, DEAD_NS_WORLD, sets, nsets);
    f->producer = th_first(r.trace, "\"node\":\"producer-0\",\"ev\":\"route.change\"", NULL, -1);
    f->consumer = th_first(r.trace, "\"node\":\"consumer-0\",\"ev\":\"route.change\"", NULL, -1);
    f->acked = th_num(r.m, "messages.acked");
    f->consumed = th_num(r.m, "messages.consumed");
    th_run_free(&r);
}

/* Both clients' first request (the route poll at 10 ms) starts at the dead host: its connect fails at
 * 3010 ms, the other NameServer's channel is up at 3012 ms, with no time left. 4.4: that request failed
 * and the channel stays, so the next (the producer's send at 3020 ms; the consumer's at 4725.7 ms) is
 * answered 2 ms later. 4.9: the channel is closed, every request starts at the dead host again: no route in
 * 60 s, nothing sent or read. 5.3: the first request fails at 3010 ms, the next one (the producer's send at
 * 3010 ms) goes to the other NameServer, connects and is answered 4 ms later. Before, every release tried the
 * other NameServer within the request with a new 3 s: the producer had the route at 3014 ms. With ns-1 dead
 * instead, both have it at 14 ms. */
START_TEST(dead_first_nameserver_by_version)
{
    static const char *const versions[] = {"version=4.4", "version=4.9", "version=5.3"};
    static const double producer[3] = {3022.000365, -1, 3014.000469}, consumer[3] = {4727.682156, -1, 4729.68226};
    const char *dead[] = {versions[_i], "faults[0].node=ns-0"}, *alive[] = {versions[_i], "faults[0].node=ns-1"};
    struct firsts a, b;
    run_dead(dead, 2, &a);
    run_dead(alive, 2, &b);
    fprintf(stderr, "%s, the first NameServer's host dead: routes at %.6f ms (producer) and %.6f ms (consumer), "
                    "%.0f acknowledged, %.0f consumed (ns-1 dead: %.6f, %.6f)\n", versions[_i], a.producer,
            a.consumer, a.acked, a.consumed, b.producer, b.consumer);
    ck_assert_double_eq_tol(a.producer, producer[_i], 1e-6);
    ck_assert_double_eq_tol(a.consumer, consumer[_i], 1e-6);
    ck_assert_double_eq_tol(b.producer, 14.000469, 1e-6);
    ck_assert_double_eq_tol(b.consumer, 14.000674, 1e-6);
    if (_i == 1) {
        ck_assert_double_eq(a.acked, 0);
        ck_assert_double_eq(a.consumed, 0);
    } else {
        ck_assert_double_gt(a.acked, 5600);
        ck_assert_double_gt(a.consumed, 5600);
    }
    ck_assert_double_eq(b.consumed, 5900);
}
END_TEST

/* The keys one at a time on 4.9 (the producer's): without the close the fresh channel stays, as on 4.4;
 * without the walk the first request fails at the connect and the next one is answered, as on 5.3. */
START_TEST(dead_first_nameserver_keys)
{
    static const char *const rows[2][2] = {
        {"version=4.9", "producers.client_close_socket_if_timeout=false"},
        {"version=4.9", "producers.name_server_walk_in_request=false"},
    };
    static const double want[2] = {3022.000365, 3014.000521};
    for (int k = 0; k < 2; k++) {
        struct firsts f;
        run_dead(rows[k], 2, &f);
        fprintf(stderr, "%s: the producer's route at %.6f ms, the consumer's at %.6f\n", rows[k][1], f.producer,
                f.consumer);
        ck_assert_double_eq_tol(f.producer, want[k], 1e-6);
        ck_assert_double_eq(f.consumer, -1);   /* the consumer's keys are 4.9's */
    }
}
END_TEST

/* Four NameServers, ns-0's and ns-2's hosts dead from the start; the producer's first route over seeds 1 to 12.
 * Each client tries the NameServers in the order of its list, shuffled at its start (updateNameServerAddressList's
 * Collections.shuffle) from a random index (namesrvIndex): one, two or none of the dead ones before a live one,
 * the route at 14 ms, about 3 s or about 6 s (one 3 s connect timeout to a dead host each). On 4.9 a request that
 * connected only after a dead host times out unsent and closes the channel, and the next request starts after it:
 * a client whose list alternates dead and live NameServers from a dead one never has a route (-1). Before the
 * shuffle was modelled, mqsim walked the scenario's order (ns-0, ns-1, ns-2, ns-3) from a random start, in which
 * the two dead hosts are never next to each other: never a 6 s route, and on 4.9 no route for every client that
 * started at a dead host (7 of the 12, where 2 of 12 now). */
#define FOUR_NS_WORLD                                                                                                  \
    "{\"name\": \"ns4\", \"run\": {\"duration_ms\": 30000},"                                                       \
    " \"network\": {\"latency\": {\"const_ms\": 1}}, \"nameservers\": {\"count\": 4},"                                 \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"                                                        \
    " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 1024}}, \"consumers\": {\"count\": 1},"         \
    " \"faults\": [{\"at_ms\": 0, \"op\": \"crash_host\", \"node\": \"ns-0\"},"                                        \
    " {\"at_ms\": 0, \"op\": \"crash_host\", \"node\": \"ns-2\"}]}"

#define SEEDS 12

START_TEST(shuffled_list_by_version)
{
    static const char *const versions[] = {"version=4.4", "version=4.9", "version=5.3"};
    static const double want[3][SEEDS] = {
        {3022.000365, 14.000469, 14.000469, 3022.000365, 6022.000365, 6022.000365, 14.000469, 3022.000365,
         3022.000365, 14.000469, 14.000469, 6022.000365},
        {3024.000469, 14.000469, 14.000469, -1, 6024.000469, 6024.000469, 14.000469, 3024.000469, -1, 14.000469,
         14.000469, 6024.000469},
        {3014.000674, 14.000469, 14.000469, 3014.000469, 6014.000469, 6014.000469, 14.000469, 3014.000469,
         3014.000469, 14.000469, 14.000469, 6014.000469},
    };
    int six = 0, never = 0;
    for (int k = 0; k < SEEDS; k++) {
        char seed[32];
        snprintf(seed, sizeof seed, "run.seed=%d", k + 1);
        const char *sets[] = {versions[_i], seed};
        struct th_run r;
        th_run(&r, FOUR_NS_WORLD, sets, 2);
        double t = th_first(r.trace, "\"node\":\"producer-0\",\"ev\":\"route.change\"", NULL, -1);
        th_run_free(&r);
        fprintf(stderr, "%s, seed %d: the producer's route at %.6f ms\n", versions[_i], k + 1, t);
        ck_assert_double_eq_tol(t, want[_i][k], 1e-6);
        six += t > 6000;
        never += t < 0;
    }
    ck_assert_int_eq(six, 3);                  /* two dead hosts tried first: never before the shuffle */
    ck_assert_int_eq(never, _i == 1 ? 2 : 0);  /* 4.9: 7 of 12 before */
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ns_client");
    TCase *e = tcase_create("dead_first");
    tcase_set_timeout(e, 300);
    tcase_add_loop_test(e, dead_first_nameserver_by_version, 0, 3);
    tcase_add_test(e, dead_first_nameserver_keys);
    suite_add_tcase(s, e);
    TCase *l = tcase_create("shuffled_list");
    tcase_set_timeout(l, 300);
    tcase_add_loop_test(l, shuffled_list_by_version, 0, 3);
    suite_add_tcase(s, l);
    return s;
}

int main(void) { return th_run_suite(suite()); }
