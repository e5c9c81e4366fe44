/* test_controller_join: a change of role waits for the old HA client's thread (5.3.3 AutoSwitchHAService
 * .changeToMaster l.123-125: haClient.shutdown; changeToSlave l.176: reOpen, whose shutdown joins the thread,
 * ServiceThread.shutdown l.62-87: wakeup() and join, no interrupt). The thread ends when its loop next looks at
 * isStopped: a client connected to a master whose host died sits in transferFromMaster's select(1000)
 * (AutoSwitchHAClient l.369), which nothing but its timeout ends, so the new master's promotion, and its
 * registration, come at the end of that select: the HA client's round. A master whose process died closed the
 * connection, the client's read failed at once and it waits in closeMasterAndWait's waitForRunning, which the
 * wakeup ends: no wait. A live master's next frame ends the wait as well. One controller, three replicas,
 * constant 1 ms links, 100 msg/s of 100 bytes (seed 3); the expected instants are read off the trace: the
 * client's loop begins a select(1000) after each read, so on a dead host the selects run out 1 s, 2 s, ...
 * after the last frame came (the old master's last `ha.transfer` to it, trace level full, and the link's
 * 1 ms). */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

#define CRASH_MS 20500.0

static char *world_json(const char *op)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"name\": \"cj\", \"run\": {\"duration_ms\": 40000, \"seed\": 3, \"trace\": \"full\"},"
             " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
             " \"controllers\": {\"count\": 1},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\"}],"
             " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
             " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
             " \"faults\": [{\"at_ms\": %.0f, %s}]}",
             CRASH_MS, op);
    return buf;
}

/* "\"node\":\"NAME\",\"ev\":\"EV\"": a node's trace lines of one event (the text lives until the next call
 * with the same slot). */
static const char *node_ev(int slot, const char *node, const char *ev)
{
    static char buf[4][128];
    snprintf(buf[slot], sizeof buf[slot], "\"node\":\"%s\",\"ev\":\"%s\"", node, ev);
    return buf[slot];
}

/* The first trace line that holds ev at a t_ms after `after` (as th_first finds it), and its t_ms. */
static const char *first_line(const char *trace, const char *ev, double after, double *t)
{
    for (const char *l = trace; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (!th_has(l, ev))
            continue;
        *t = th_field(l, "\"t_ms\":", -1);
        if (*t > after)
            return l;
    }
    ck_abort_msg("no %s after %.3f", ev, after);
    return NULL;
}

/* When the last frame from the old master reached node before the crash: the old master's last
 * `ha.transfer` to it, and the link's 1 ms. */
static double last_read(const char *trace, const char *old, const char *node)
{
    char with[64];
    snprintf(with, sizeof with, "\"peer\":\"%s\"", node);
    double a = -1, t = 0;
    while ((t = th_first(trace, node_ev(0, old, "ha.transfer"), with, t)) >= 0 && t < CRASH_MS)
        a = t;
    ck_assert_double_gt(a, CRASH_MS - 1000);
    return a + 1;
}

/* The first of the select ends read + k s at or after t. */
static double select_end(double read, double t) { return read + ceil((t - read) / 1000.0) * 1000.0; }

/* node's change of role began at the notify, within 5 ms of the election, and waited for its client's
 * select on the dead host: its ha.client_stopped is `by` select, at the end of the select reckoned from old's
 * last frame to it, which it returns. */
static double select_stop(const char *trace, const char *node, const char *old, double elected)
{
    double stopped;
    const char *line = first_line(trace, node_ev(1, node, "ha.client_stopped"), CRASH_MS, &stopped);
    ck_assert(th_has(line, "\"by\":\"select\""));
    double began = stopped - th_field(line, "\"waited_ms\":", -1);
    ck_assert_double_ge(began, elected);
    ck_assert_double_lt(began, elected + 5);
    double expect = select_end(last_read(trace, old, node), began);
    ck_assert_double_eq_tol(stopped, expect, 1e-6);
    return expect;
}

/* The master's host dies: both slaves sit in their select(1000) when the notify comes, the new master is
 * promoted and registers when its select runs out, the other slave starts its client afresh (`ha.master`
 * null) and registers when its own does. */
START_TEST(host_crash_waits_for_the_select)
{
    struct th_run r;
    th_run(&r, world_json("\"op\": \"crash_host\", \"node\": \"@master:broker-a\""), NULL, 0);
    const cJSON *nm = th_at(r.m, "groups.0.failover.new_master");
    ck_assert_ptr_nonnull(nm);
    const char *master = nm->valuestring;
    double elected = th_num(r.m, "groups.0.failover.elected_ms");
    double promoted = th_num(r.m, "groups.0.failover.promoted_ms");
    ck_assert_double_eq(elected, th_first(r.trace, "\"ev\":\"controller.elect\"", NULL, CRASH_MS));

    /* the old master, whose frames the selects ran from */
    static const char *names[] = {"broker-a-0", "broker-a-1", "broker-a-2"};
    const char *old = NULL, *other = NULL;
    for (int i = 0; i < 3; i++)
        if (strstr(r.trace, node_ev(0, names[i], "crash.host")))
            old = names[i];
    for (int i = 0; i < 3; i++)
        if (strcmp(names[i], master) && names[i] != old)
            other = names[i];
    ck_assert_ptr_nonnull(old);
    ck_assert_ptr_nonnull(other);

    /* the change began when the notify came, a few ms after the election, and waited for the select */
    double expect = select_stop(r.trace, master, old, elected);
    ck_assert_double_eq_tol(promoted, expect, 1e-6);
    ck_assert_double_gt(promoted - elected, 100);   /* not the instant change: the wait is that long here */
    ck_assert_double_eq_tol(th_first(r.trace, node_ev(2, master, "broker.role"), "\"role\":\"SYNC_MASTER\"",
                                     CRASH_MS), expect, 1e-6);
    /* its registration follows the change (registerBrokerWhenRoleChange), not the notify */
    double reg = th_first(r.trace, "\"ev\":\"ns.register\"", "\"id\":0", CRASH_MS);
    ck_assert_double_gt(reg, promoted);
    ck_assert_double_lt(reg, promoted + 5);

    /* the third replica, which stays a slave, waits for its own select before its client starts afresh */
    double o_expect = select_stop(r.trace, other, old, elected);
    ck_assert_double_eq_tol(th_first(r.trace, node_ev(2, other, "ha.master"), "\"peer\":null", CRASH_MS), o_expect,
                            1e-6);
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    th_run_free(&r);
}
END_TEST

/* The master's process dies: its connections close, each slave's client reads the end of the stream before
 * the notify comes (one hop against the controller's two) and waits in closeMasterAndWait, which the
 * shutdown's wakeup ends: the promotion comes with the notify. */
START_TEST(process_crash_does_not_wait)
{
    struct th_run r;
    th_run(&r, world_json("\"op\": \"crash_process\", \"node\": \"@master:broker-a\""), NULL, 0);
    double elected = th_num(r.m, "groups.0.failover.elected_ms");
    double promoted = th_num(r.m, "groups.0.failover.promoted_ms");
    ck_assert_double_ge(promoted, elected);
    ck_assert_double_lt(promoted, elected + 5);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"ha.client_stopped\"", NULL, 0, 1e9), 0);
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    th_run_free(&r);
}
END_TEST

/* The master lives, cut off from the controller at 20.5 s, and the operator names broker-a-2 at 20.6 s
 * (`elect_master`; at seed 3 broker-a-0 is master and broker-a-2 in the SyncStateSet). The old master hears
 * nothing and streams on (RocketMQ #7017): the next frame, from its writer's 100 ms rounds, ends the select
 * the new master's client sits in (the frame appended and reported first), not the select's timeout; the new
 * master then waits for the dispatch of what that frame brought. */
START_TEST(live_master_frame_ends_the_wait)
{
    struct th_run r;
    th_run(&r, world_json("\"op\": \"partition\", \"a\": [\"broker-a-0\"], \"b\": [\"controller-0\"]}, "
                          "{\"at_ms\": 20600, \"op\": \"elect_master\", \"group\": \"broker-a\", "
                          "\"to\": \"broker-a-2\""), NULL, 0);
    double elect = th_first(r.trace, "\"ev\":\"controller.elect\"", "\"master\":\"broker-a-2\"", CRASH_MS);
    ck_assert_double_eq(elect, 20600);
    double stopped;
    const char *line = first_line(r.trace, node_ev(0, "broker-a-2", "ha.client_stopped"), elect, &stopped);
    ck_assert(th_has(line, "\"by\":\"data\""));
    ck_assert(th_has(line, "\"peer\":\"broker-a-0\""));
    double waited = th_field(line, "\"waited_ms\":", -1);
    ck_assert_double_gt(waited, 0);
    ck_assert_double_lt(waited, 100);
    ck_assert_double_lt(stopped - waited, elect + 5);
    /* the frame's messages are not dispatched yet: changeToMaster's 100 ms poll, then SYNC_MASTER */
    ck_assert_double_eq(th_first(r.trace, node_ev(1, "broker-a-2", "broker.dispatch_wait"), NULL, elect), stopped);
    ck_assert_double_eq_tol(th_first(r.trace, node_ev(1, "broker-a-2", "broker.role"), "\"role\":\"SYNC_MASTER\"",
                                     elect), stopped + 100, 1e-6);
    th_run_free(&r);
}
END_TEST

/* A client in a blocking connect (RemotingHelper.connect, 5 s) holds the change until the connect ends:
 * controller_master_crash.json with the controller inside ns-0's process and ns-0's host down from 59 s to
 * 89 s, the master's host down at 60 s (lognormal links, 1000 msg/s from 5 s). The restarted controller
 * elects at 94.0 s, while the new master's HA client is in its connect to the dead host, begun after its 5 s
 * wait: the change of role, begun at the notify, waits for the connect to fail and the broker is master at
 * that instant (96.5 s), 2.5 s after the notify. */
START_TEST(connect_ends_the_wait)
{
    struct th_run r;
    th_run(&r,
           "{\"name\": \"cj\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 110000, \"seed\": 1,"
           " \"trace\": \"events\"}, \"nameservers\": {\"count\": 1},"
           " \"controllers\": {\"count\": 1, \"enable_controller_in_namesrv\": true},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\"}],"
           " \"producers\": {\"count\": 1, \"rate_per_s\": 1000, \"size\": {\"const_bytes\": 1024},"
           " \"start_ms\": 5000}, \"consumers\": {\"count\": 1, \"start_ms\": 5000},"
           " \"operator\": {\"enabled\": false},"
           " \"network\": {\"latency\": {\"dist\": \"lognormal\", \"median_ms\": 0.2, \"sigma\": 0.3}},"
           " \"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"@master:broker-a\"},"
           " {\"at_ms\": 59000, \"op\": \"crash_host\", \"node\": \"ns-0\", \"duration_ms\": 30000}]}",
           NULL, 0);
    double elected;
    const char *el = first_line(r.trace, "\"ev\":\"controller.elect\"", 60000, &elected);
    ck_assert_double_ge(elected, 89000);
    const char *m = strstr(el, "\"master\":\"");
    ck_assert_ptr_nonnull(m);
    char master[32];
    ck_assert_int_eq(sscanf(m + 10, "%31[^\"]", master), 1);
    double stopped;
    const char *line = first_line(r.trace, node_ev(0, master, "ha.client_stopped"), elected, &stopped);
    ck_assert(th_has(line, "\"by\":\"connect\""));
    double began = stopped - th_field(line, "\"waited_ms\":", -1);
    ck_assert_double_ge(began, elected);
    ck_assert_double_lt(began, elected + 5);
    ck_assert_double_gt(stopped - began, 1000);   /* the connect had seconds to go */
    ck_assert_double_eq_tol(th_first(r.trace, node_ev(1, master, "ha.connect_failed"), NULL, elected), stopped,
                            1e-6);
    ck_assert_double_eq_tol(th_first(r.trace, node_ev(2, master, "broker.role"), "\"role\":\"SYNC_MASTER\"",
                                     elected), stopped, 1e-6);
    th_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("controller_join");
    TCase *tc = tcase_create("timeline");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, host_crash_waits_for_the_select);
    tcase_add_test(tc, process_crash_does_not_wait);
    tcase_add_test(tc, live_master_frame_ends_the_wait);
    tcase_add_test(tc, connect_ends_the_wait);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(suite());
}
