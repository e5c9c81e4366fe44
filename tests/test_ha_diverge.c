/* test_ha_diverge: R44 HA when the old master comes back as a slave (scenarios/old_master_returns.json,
 * shortened). Replication resumes from the slave's own offset on a diverged log, as HAService does, instead
 * of failing forever; groups[].diverged_msgs is recomputed from a full trace; the diverged messages are the
 * acknowledged messages the new master never had. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

#define SCENARIO "scenarios/old_master_returns.json"

/* 200 msg/s; the crash at 60 s, the alert at the first failed probe + 30 s, the promotion 30 s later, the
 * old master back as a slave 30 s after that (about 160 s); the run ends at 200 s. */
static const char *const base_sets[] = {
    "run.duration_ms=200000",
    "producers.rate_per_s=200",
    "operator.alert_delay={\"const_ms\": 30000}",
    "operator.reaction={\"const_ms\": 10000}",
    "operator.procedure={\"const_ms\": 20000}",
    "operator.rejoin={\"const_ms\": 30000}",
};
#define NBASE ((int)(sizeof base_sets / sizeof base_sets[0]))

struct run {
    char dir[64];
    cJSON *m;
    char *trace, *series;
};

static void run(struct run *r, const char *trace, const char *extra)
{
    const char *sets[NBASE + 1];
    int n = 0;
    for (; n < NBASE; n++)
        sets[n] = base_sets[n];
    if (extra)
        sets[n++] = extra;
    snprintf(r->dir, sizeof r->dir, "/tmp/mqsim-diverge-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(r->dir));
    struct run_opts o = {.file = SCENARIO, .sets = sets, .nsets = n, .trace = trace, .out = r->dir, .quiet = 1};
    struct scenario sc;
    struct conf c;
    ck_assert_msg(scenario_load(&sc, &o, &c) == 0, "load: %s", c.err);
    ck_assert_int_eq(scenario_execute(&sc, &o), 0);
    scenario_free(&sc);
    char *m = th_read_in(r->dir, "metrics.json");
    r->m = cJSON_Parse(m);
    free(m);
    ck_assert_ptr_nonnull(r->m);
    r->trace = th_read_in(r->dir, "trace.jsonl");
    r->series = th_read_in(r->dir, "timeseries.csv");
}

static void run_free(struct run *r)
{
    cJSON_Delete(r->m);
    free(r->trace);
    free(r->series);
    ck_assert_int_eq(runner_remove_tree(r->dir), 0);
}

static double group_num(const cJSON *m, const char *key)
{
    const cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "groups"), 0);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, key);
    ck_assert_msg(cJSON_IsNumber(v), "groups[0].%s", key);
    return v->valuedouble;
}

static int count_ev(const char *trace, const char *node, const char *ev)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"node\":\"%s\",\"ev\":\"%s\"", node, ev);
    return th_count(trace, pat, NULL, 0, 1e12);
}

static double field(const cJSON *j, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
    ck_assert_msg(cJSON_IsNumber(v), "%s", k);
    return v->valuedouble;
}

/* One side's diverged messages, in trace order (oldest first). */
struct side {
    double msg[4096], offset[4096], size[4096];
    int n;
};

/* From a full trace alone: the ha.diverged splices and their per-message lines. */
struct recomputed {
    struct side slave, master;
    double splice_slave_msgs, splice_master_msgs;   /* summed over ha.diverged */
    double offset, from;                             /* of the last splice */
    int splices, mid_message;
    double acked_slave_side;                         /* slave-side messages with a send.ack */
};

static void recompute(const char *trace, struct recomputed *rc)
{
    memset(rc, 0, sizeof *rc);
    char *copy = strdup(trace);
    cJSON **acks = NULL;
    size_t nacks = 0;
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strstr(line, "\"ev\":\"ha.diverged") && !strstr(line, "\"ev\":\"send.ack\""))
            continue;
        cJSON *j = cJSON_Parse(line);
        ck_assert_ptr_nonnull(j);
        const char *ev = cJSON_GetObjectItemCaseSensitive(j, "ev")->valuestring;
        if (strcmp(ev, "send.ack") == 0) {
            acks = realloc(acks, (nacks + 1) * sizeof *acks);
            acks[nacks++] = j;
            continue;
        }
        ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "group")->valuestring, "broker-a");
        if (strcmp(ev, "ha.diverged") == 0) {
            rc->splices++;
            rc->splice_slave_msgs += field(j, "slave_msgs");
            rc->splice_master_msgs += field(j, "master_msgs");
            rc->offset = field(j, "offset");
            rc->from = field(j, "from_offset");
            rc->mid_message = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "mid_message"));
        } else {
            ck_assert_str_eq(ev, "ha.diverged_msg");
            const char *side = cJSON_GetObjectItemCaseSensitive(j, "side")->valuestring;
            struct side *s = strcmp(side, "slave") == 0 ? &rc->slave : &rc->master;
            ck_assert_int_lt(s->n, 4096);
            s->msg[s->n] = field(j, "msg");
            s->offset[s->n] = field(j, "offset");
            s->size[s->n] = field(j, "size");
            s->n++;
        }
        cJSON_Delete(j);
    }
    for (int i = 0; i < rc->slave.n; i++)
        for (size_t k = 0; k < nacks; k++)
            if (field(acks[k], "msg") == rc->slave.msg[i]) {
                rc->acked_slave_side++;
                break;
            }
    for (size_t k = 0; k < nacks; k++)
        cJSON_Delete(acks[k]);
    free(acks);
    free(copy);
}

/* The last row of broker-a in timeseries.csv: its slave's lag in messages, and the master's max offset. */
static void last_lag(const char *series, double *lag_msgs, double *master_max)
{
    const char *last = NULL;
    for (const char *p = series; (p = strstr(p, "\nbroker-a,")) != NULL; p++)
        last = p + 1;
    ck_assert_ptr_nonnull(last);
    /* group, t_ms, master_max_offset, slave1_lag_bytes, slave1_lag_msgs */
    double t, max, bytes, msgs;
    ck_assert_int_eq(sscanf(last, "broker-a,%lf,%lf,%lf,%lf", &t, &max, &bytes, &msgs), 4);
    *lag_msgs = msgs;
    *master_max = max;
}

/* diverged_msgs from the full trace: the slave-side ha.diverged_msg lines, which tile the slave's log from
 * where the logs part to where replication resumed; the master-side lines cover the same range and the
 * message the resume point falls inside. The diverged messages that were acknowledged are exactly the
 * acknowledged messages lost (the new master never had them, nothing else was lost). */
START_TEST(diverged_msgs_from_the_trace)
{
    struct run r;
    run(&r, "full", NULL);
    struct recomputed rc;
    recompute(r.trace, &rc);
    double metric = group_num(r.m, "diverged_msgs");
    ck_assert_int_eq(rc.splices, 1);
    ck_assert_int_gt(rc.slave.n, 0);
    ck_assert_double_eq(metric, rc.slave.n);
    ck_assert_double_eq(rc.splice_slave_msgs, rc.slave.n);
    ck_assert_double_eq(rc.splice_master_msgs, rc.master.n);
    ck_assert(rc.mid_message);   /* sizes vary: the resume point falls inside one of the master's messages */
    double at = rc.from;
    for (int i = 0; i < rc.slave.n; i++) {
        ck_assert_double_eq(rc.slave.offset[i], at);
        at += rc.slave.size[i];
    }
    ck_assert_double_eq(at, rc.offset);
    at = rc.from;
    for (int i = 0; i < rc.master.n; i++) {
        ck_assert_double_eq(rc.master.offset[i], at);
        at += rc.master.size[i];
    }
    ck_assert(at > rc.offset);
    ck_assert_double_lt(rc.master.offset[rc.master.n - 1], rc.offset);
    /* No message is on both sides. */
    for (int i = 0; i < rc.slave.n; i++)
        for (int k = 0; k < rc.master.n; k++)
            ck_assert(rc.slave.msg[i] != rc.master.msg[k]);
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(r.m, "messages");
    double lost = cJSON_GetObjectItemCaseSensitive(msgs, "acked_lost")->valuedouble;
    ck_assert_double_gt(lost, 0);
    ck_assert_double_eq(rc.acked_slave_side, lost);
    run_free(&r);
}
END_TEST

/* Before, the slave closed the connection at the first push (ha.offset_mismatch: the master had moved to
 * its next whole message; or ha.append_failed: queue offsets that did not follow the slave's), reconnected
 * every few seconds and fell further behind for ever. Now it connects once, follows the master closely,
 * and its ReputMessageService stops at the spliced message's middle. */
START_TEST(replication_resumes_mid_message)
{
    struct run r;
    run(&r, "events", NULL);
    ck_assert_ptr_null(strstr(r.trace, "ha.offset_mismatch"));
    ck_assert_ptr_null(strstr(r.trace, "ha.append_failed"));
    ck_assert_int_eq(count_ev(r.trace, "broker-a-0", "ha.connect"), 1);
    ck_assert_int_eq(count_ev(r.trace, "broker-a-0", "ha.diverged"), 1);
    ck_assert_int_eq(count_ev(r.trace, "broker-a-0", "reput.stop"), 1);
    double lag, max;
    last_lag(r.series, &lag, &max);
    ck_assert_double_gt(max, 0);
    ck_assert_double_lt(lag, 100);   /* 200 msg/s, pushed every 100 ms */
    ck_assert_double_gt(group_num(r.m, "diverged_msgs"), 0);
    run_free(&r);
}
END_TEST

/* With messages of one size the resume point is a message boundary on the master too: the slave's reput
 * goes on and its ConsumeQueues skip the queue offsets they already hold (ConsumeQueue "repeatedly").
 * Before, replication went on here without a word (the queue offsets happened to follow the slave's):
 * now the divergence is counted. */
START_TEST(replication_resumes_on_a_boundary)
{
    struct run r;
    run(&r, "events", "producers.size={\"const_bytes\": 1024}");
    ck_assert_ptr_null(strstr(r.trace, "ha.offset_mismatch"));
    ck_assert_ptr_null(strstr(r.trace, "ha.append_failed"));
    ck_assert_ptr_null(strstr(r.trace, "reput.stop"));
    ck_assert_ptr_nonnull(strstr(r.trace, "\"mid_message\":false"));
    ck_assert_int_eq(count_ev(r.trace, "broker-a-0", "ha.connect"), 1);
    double lag, max;
    last_lag(r.series, &lag, &max);
    ck_assert_double_lt(lag, 100);
    ck_assert_double_gt(group_num(r.m, "diverged_msgs"), 0);
    run_free(&r);
}
END_TEST

static Suite *diverge_suite(void)
{
    Suite *s = suite_create("ha_diverge");
    TCase *t = tcase_create("old_master_returns");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, diverged_msgs_from_the_trace);
    tcase_add_test(t, replication_resumes_mid_message);
    tcase_add_test(t, replication_resumes_on_a_boundary);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run_suite(diverge_suite());
}
