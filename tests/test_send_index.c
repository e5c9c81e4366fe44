/* test_send_index: the producer's sendWhichQueue across route changes. TopicPublishInfo owns the index (a
 * ThreadLocalIndex), and MQClientInstance.updateTopicRouteInfoFromNameServer builds a new TopicPublishInfo
 * (topicRouteData2TopicPublishInfo) whenever the route changed, so each thread's index restarts at a random
 * value at its first choice after a route change (R44, R498 and R53 alike).
 *
 * Two groups of 4 queues, one after the other in the publish info; one producer sends every 20 ms, each send
 * done long before the next, so round robin gives runs of 4 sends to one group, then 4 to the other. The
 * slaves' processes crash and restart: four route changes. Between them every run has 4 sends; a run of
 * another length (not the first or the last) touches a route change, and at least one does, where one index
 * kept across the changes would give runs of 4 throughout. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "models/client/mq_fault.h"
#include "sim/rng.h"
#include "tests/harness.h"

static const char *const WORLD =
    "{\"name\": \"t\", \"version\": \"%s\", \"run\": {\"duration_ms\": 150000, \"seed\": %d, \"trace\": \"full\"},"
    " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\", \"queues\": 4},"
    "              {\"name\": \"broker-b\", \"replicas\": 2, \"role\": \"ASYNC_MASTER\", \"queues\": 4}],"
    " \"producers\": {\"rate_per_s\": 50, \"size\": {\"const_bytes\": 100}, \"random_poll_phase\": false},"
    " \"consumers\": {\"count\": 0}, \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 20000, \"op\": \"crash_process\", \"node\": \"broker-b-1\", \"duration_ms\": 20000},"
    "              {\"at_ms\": 65000, \"op\": \"crash_process\", \"node\": \"broker-a-1\", \"duration_ms\": 35000}]}";

#define MAX_SENDS 8000
#define MAX_CHANGES 16

struct sends {
    int n;
    char group[MAX_SENDS];      /* 'a' or 'b' */
    double start[MAX_SENDS];
    int nc;
    double change[MAX_CHANGES]; /* the producer's route changes, each time once */
};

static void ack_line(const char *l, void *arg)
{
    struct sends *s = arg;
    ck_assert_int_lt(s->n, MAX_SENDS);
    s->group[s->n] = th_has(l, "\"group\":\"broker-a\"") ? 'a' : 'b';
    s->start[s->n++] = th_field(l, "\"start_ms\":", -1);
}

static void change_line(const char *l, void *arg)
{
    struct sends *s = arg;
    double t = th_field(l, "\"t_ms\":", -1);
    if (!th_has(l, "\"node\":\"producer-0\"") || (s->nc > 0 && s->change[s->nc - 1] == t))
        return;
    ck_assert_int_lt(s->nc, MAX_CHANGES);
    s->change[s->nc++] = t;
}

/* Whether a route change came between send i - 1's start and send i's. */
static int seam(const struct sends *s, int i)
{
    for (int k = 0; k < s->nc; k++)
        if (i > 0 && i < s->n && s->start[i - 1] < s->change[k] && s->change[k] <= s->start[i])
            return 1;
    return 0;
}

/* The runs that are not 4 long, not counting the first and the last; each must touch a route change. */
static int odd_runs(const char *version, int seed)
{
    static char buf[2048];
    static struct sends s;
    memset(&s, 0, sizeof s);
    snprintf(buf, sizeof buf, WORLD, version, seed);
    struct th_run r;
    th_run(&r, buf, NULL, 0);
    th_each(r.trace, "\"ev\":\"send.ack\"", ack_line, &s);
    th_each(r.trace, "\"ev\":\"route.change\"", change_line, &s);
    ck_assert_int_eq((int)th_num(r.m, "messages.acked"), s.n);
    ck_assert_int_gt(s.n, 7000);
    /* The first route, then each slave's crash and restart (the 2nd to 5th). */
    ck_assert_int_eq(s.nc, 5);
    int odd = 0, first = 1;
    for (int i = 0; i < s.n;) {
        int j = i;
        while (j + 1 < s.n && s.group[j + 1] == s.group[i])
            j++;
        if (!first && j + 1 < s.n && j - i + 1 != 4) {
            int touches = 0;
            for (int k = i; k <= j + 1 && !touches; k++)
                touches = seam(&s, k);
            ck_assert_msg(touches, "%s: a run of %d sends from %.0f ms, no route change there", version, j - i + 1,
                          s.start[i]);
            odd++;
        }
        first = 0;
        i = j + 1;
    }
    fprintf(stderr, "%s seed %d: %d sends, %d runs not 4 long at %d route changes\n", version, seed, s.n, odd,
            s.nc - 1);
    th_run_free(&r);
    return odd;
}

START_TEST(index_restarts_at_route_change)
{
    const char *versions[] = {"4.4", "4.9", "5.3"};
    for (int v = 0; v < 3; v++) {
        int odd = 0;
        for (int seed = 1; seed <= 2; seed++)
            odd += odd_runs(versions[v], seed);
        /* Eight restarts, each keeping the old sequence with probability 1/8. */
        ck_assert_int_ge(odd, 2);
    }
}
END_TEST

/* Each thread has its own index, drawn at its first choice on a publish info and drawn again on the next one. */
START_TEST(thread_indexes)
{
    struct publish_info pi;
    struct send_index a = {0}, b = {0};
    struct sim_rng *rng = sim_rng_new(5, "producer-0", "send_which_queue");
    memset(&pi, 0, sizeof pi);
    pi.gen = 1;
    mqf_index_enter(&pi, &a, rng);
    uint32_t a0 = pi.which;
    pi.which += 3;
    mqf_index_leave(&pi, &a);
    mqf_index_enter(&pi, &b, rng);
    uint32_t b0 = pi.which;
    ck_assert_uint_ne(a0, b0);
    ck_assert_uint_lt(b0, 1u << 31);
    mqf_index_leave(&pi, &b);
    mqf_index_enter(&pi, &a, rng);
    ck_assert_uint_eq(pi.which, a0 + 3);   /* where thread a left it */
    mqf_index_leave(&pi, &a);
    pi.gen = 2;                            /* a new TopicPublishInfo */
    mqf_index_enter(&pi, &a, rng);
    ck_assert_uint_ne(pi.which, a0 + 3);
    ck_assert_uint_eq(a.gen, 2);
    sim_rng_free(rng);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("send_index");
    TCase *tc = tcase_create("send_index");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, index_restarts_at_route_change);
    tcase_add_test(tc, thread_indexes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
