/* test_faults: fault times given as distributions, drawn per seed from the faults' own stream; metrics.json's
 * count of the faults the processes went through, against the trace. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/lab/scenario.h"
#include "tests/harness.h"

static const char *scenario_text =
    "{\"name\": \"t\", \"run\": {\"duration_ms\": 120000, \"trace\": \"off\"},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"
    " \"faults\": [{\"at_ms\": {\"dist\": \"uniform\", \"min_ms\": 60000, \"max_ms\": 62000}, \"op\": \"crash_host\","
    "   \"node\": \"broker-a-0\", \"duration_ms\": {\"dist\": \"exp\", \"mean_ms\": 5000}},"
    "  {\"at_ms\": 70000, \"op\": \"pause\", \"node\": \"broker-a-1\", \"duration_ms\": {\"const_ms\": 300}}]}";

/* Loads the scenario text with a seed; returns 0 or fills err. */
static int load_seed(struct scenario *sc, const char *text, uint64_t seed, char *err, size_t errsz)
{
    char file[64];
    snprintf(file, sizeof file, "/tmp/mqsim-faults-XXXXXX");
    int fd = mkstemp(file);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct run_opts o = {.file = file, .seed_set = 1, .seed = seed};
    struct conf c;
    int rc = scenario_load(sc, &o, &c);
    unlink(file);
    if (rc < 0)
        snprintf(err, errsz, "%s", c.err);
    return rc;
}

START_TEST(fault_times_drawn_per_seed)
{
    sim_time first[20], dur[20];
    int distinct = 0;
    for (int k = 0; k < 20; k++) {
        struct scenario sc;
        char err[1100];
        ck_assert_msg(load_seed(&sc, scenario_text, (uint64_t)k + 1, err, sizeof err) == 0, "%s", err);
        ck_assert_int_eq(sc.faults.n, 2);
        first[k] = sc.faults.f[0].at;
        dur[k] = sc.faults.f[0].duration;
        ck_assert_int_ge(first[k], 60000 * SIM_MS);
        ck_assert_int_le(first[k], 62000 * SIM_MS);
        ck_assert_int_ge(dur[k], 0);
        ck_assert_int_eq(sc.faults.f[1].at, 70000 * SIM_MS);
        ck_assert_int_eq(sc.faults.f[1].duration, 300 * SIM_MS);
        for (int j = 0; j < k; j++)
            if (first[j] == first[k])
                goto seen;
        distinct++;
    seen:
        scenario_free(&sc);
    }
    ck_assert_int_eq(distinct, 20);
    /* The same seed draws the same times. */
    struct scenario sc;
    char err[1100];
    ck_assert_msg(load_seed(&sc, scenario_text, 5, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(sc.faults.f[0].at, first[4]);
    ck_assert_int_eq(sc.faults.f[0].duration, dur[4]);
    scenario_free(&sc);
}
END_TEST

START_TEST(fault_time_errors_name_the_path)
{
    struct scenario sc;
    char err[1100] = "";
    const char *bad = "{\"name\": \"t\", \"groups\": [{\"name\": \"broker-a\"}],"
                      " \"faults\": [{\"at_ms\": {\"dist\": \"uniform\", \"min_ms\": 5, \"max\": 9}, \"op\": \"crash_host\","
                      " \"node\": \"broker-a-0\"}]}";
    ck_assert_int_lt(load_seed(&sc, bad, 1, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "$.faults[0].at_ms") != NULL, "%s", err);
    scenario_free(&sc);
}
END_TEST

/* metrics.json's engine.faults counts the crashes, restarts, pauses and disk stalls the processes went through:
 * one line each in the trace at level events (README, "Outputs"). A partition is not one. sim_ms is the run's
 * end and ha names the replication. */
START_TEST(engine_faults_from_trace)
{
    struct th_run r;
    th_run(&r,
           "{\"name\": \"t\", \"run\": {\"duration_ms\": 60000, \"trace\": \"events\"},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}], \"operator\": {\"enabled\": false},"
           " \"faults\": [{\"at_ms\": 10000, \"op\": \"crash_process\", \"node\": \"broker-a-1\", \"duration_ms\": 5000},"
           "  {\"at_ms\": 20000, \"op\": \"pause\", \"node\": \"broker-a-0\", \"duration_ms\": 500},"
           "  {\"at_ms\": 30000, \"op\": \"disk_stall\", \"node\": \"broker-a-0\", \"duration_ms\": 200},"
           "  {\"at_ms\": 40000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], \"b\": [\"broker-a-1\"], \"duration_ms\": 1000},"
           "  {\"at_ms\": 50000, \"op\": \"crash_host\", \"node\": \"broker-a-1\"}]}",
           NULL, 0);
    int lines = 0;
    static const char *const evs[] = {"\"ev\":\"crash.process\"", "\"ev\":\"crash.host\"", "\"ev\":\"restart\"",
                                      "\"ev\":\"pause\"", "\"ev\":\"disk.stall\""};
    for (int k = 0; k < 5; k++)
        lines += th_count(r.trace, evs[k], NULL, 0, 1e300);
    ck_assert_int_eq(lines, 5);
    ck_assert_double_eq(th_num(r.m, "engine.faults"), lines);
    ck_assert_double_eq(th_num(r.m, "sim_ms"), 60000);
    ck_assert_str_eq(th_at(r.m, "ha")->valuestring, "master_slave");
    th_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("faults");
    TCase *t = tcase_create("times");
    tcase_add_test(t, fault_times_drawn_per_seed);
    tcase_add_test(t, fault_time_errors_name_the_path);
    tcase_add_test(t, engine_faults_from_trace);
    suite_add_tcase(s, t);
    return th_run_suite(s);
}
