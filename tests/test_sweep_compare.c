/* test_sweep_compare: mqsim compare, called in-process (in a forked child, its stdout and stderr captured): its
 * table, CSV and JSON, bad input, an interrupted compare, and compare and sweep over runs that break an invariant,
 * crash or cannot write (a stand-in for the mqsim binary). The other runs are child processes of the mqsim binary
 * under test ($MQSIM, else ./mqsim), on tiny scenarios (20 simulated seconds, 200 messages a second). */
#include <check.h>
#include <cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "models/cmd/compare.h"
#include "sim/lab/runner.h"
#include "models/cmd/sweep.h"
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ======================================================================================================
 * compare
 * ====================================================================================================== */

START_TEST(test_compare_two_scenarios)
{
    char dir[96], a[256], b[256], c[256], out[256], out2[256];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    th_join(a, sizeof a, dir, "crash.json");
    th_join(b, sizeof b, dir, "crash_slow.json");
    th_join(c, sizeof c, dir, "steady.json");
    th_join(out, sizeof out, dir, "cmp");
    th_join(out2, sizeof out2, dir, "cmp2");
    th_run_cmd(cmd_compare, (const char *const[]){"compare", a, b, c, "--runs", "3", "--jobs", "2", "--out", out,
                                               "--set", "run.duration_ms=18000", NULL}, &r);
    th_assert_status(&r, 0, "compare");
    /* One table: a column a scenario, the rows asked for. */
    ck_assert_msg(strncmp(r.out, "compare: 3 runs a scenario, seeds 1..3\n", 39) == 0, "%s", r.out);
    const char *want[] = {"tiny_crash", "tiny_crash_slow", "tiny_steady", "broker-a downtime (s)",
                          "broker-a promotion (s)", "mean ± 95% CI", "median", "p95", "max", "censored runs",
                          "broker-a detection (s)", "broker-a write outage (s)", "topic availability",
                          "acked lost", "duplicates", "no failover", "invariant violated"};
    for (int i = 0; i < N(want); i++)
        ck_assert_msg(strstr(r.out, want[i]), "no \"%s\" in the table:\n%s", want[i], r.out);
    char *nofail = strstr(r.out, "no failover");
    ck_assert_msg(nofail && strncmp(strchr(nofail, '\n') - 1, "3", 1) == 0, "tiny_steady has no failover:\n%s",
                  r.out);
    th_cmd_result_free(&r);
    ck_assert_int_eq(th_count_prefix(out, ".compare-runs"), 0);

    char *csv = th_read_in(out, "compare.csv");
    int rows;
    th_assert_complete_csv(csv, &rows);
    ck_assert_int_eq(rows, 9);
    char *h = th_line_at(csv, 0);
    ck_assert_str_eq(h, "scenario,file,seed,exit,topic.availability,topic.write_unavailable_ms,"
                        "topic.read_unavailable_ms,topic.latency_p99_ms,acked_lost,duplicates,sent,acked,"
                        "send_failed,consumed,topic.write_outage_open_ms,topic.read_outage_open_ms,"
                        "acked_lost_censored,broker-a.downtime_ms,broker-a.recovered,broker-a.censored_ms,"
                        "broker-a.detection_ms,broker-a.election_ms,broker-a.promotion_ms,broker-a.availability,"
                        "broker-a.write_unavailable_ms,broker-a.read_unavailable_ms,broker-a.latency_p99_ms,"
                        "broker-a.write_outage_open_ms,broker-a.read_outage_open_ms");
    for (int i = 0; i < 9; i++) {
        char *l = th_line_at(csv, i + 1), *f[30], wantp[300];
        const char *names[] = {"tiny_crash", "tiny_crash_slow", "tiny_steady"}, *files[] = {a, b, c};
        snprintf(wantp, sizeof wantp, "%s,%s,%d,0,", names[i / 3], files[i / 3], i % 3 + 1);
        ck_assert_msg(strncmp(l, wantp, strlen(wantp)) == 0, "row %d: %s", i + 1, l);
        ck_assert_int_eq(th_csv_split(l, f, 30), 29);
        /* every run's writes recover and it ends with a master: no write outage open, the loss exact */
        ck_assert_msg(!*f[14] && strcmp(f[16], "0") == 0 && !*f[27], "row %d: %s", i + 1,
                      th_line_at(csv, i + 1));
        if (i / 3 == 2)     /* no failover: empty fields */
            ck_assert_msg(!*f[17] && !*f[18] && !*f[19] && !*f[22] && *f[10] && *f[24], "row %d: %s", i + 1,
                          th_line_at(csv, i + 1));
        else
            ck_assert_msg(strtod(f[17], NULL) > 1000 && strcmp(f[18], "1") == 0 && !*f[19] &&
                          strtod(f[20], NULL) > 0 && strtod(f[22], NULL) > 0, "row %d: %s", i + 1,
                          th_line_at(csv, i + 1));
        free(l);
    }
    /* compare.json: per scenario n, failures and the summaries. */
    char *js = th_read_in(out, "compare.json");
    cJSON *root = cJSON_Parse(js);
    ck_assert_ptr_nonnull(root);
    const cJSON *sc = cJSON_GetObjectItem(root, "scenarios");
    ck_assert_int_eq(cJSON_GetArraySize(sc), 3);
    for (int s = 0; s < 3; s++) {
        const cJSON *o = cJSON_GetArrayItem(sc, s);
        ck_assert_int_eq(cJSON_GetObjectItem(o, "n")->valueint, 3);
        ck_assert_int_eq(cJSON_GetObjectItem(o, "failures")->valueint, 0);
        const cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "groups"), 0);
        ck_assert_str_eq(cJSON_GetObjectItem(g, "name")->valuestring, "broker-a");
        ck_assert_int_eq(cJSON_GetObjectItem(g, "failovers")->valueint, s == 2 ? 0 : 3);
        ck_assert_int_eq(cJSON_GetObjectItem(g, "censored")->valueint, 0);
        const cJSON *d = cJSON_GetObjectItem(cJSON_GetObjectItem(g, "metrics"), "downtime_ms");
        ck_assert_int_eq(cJSON_GetObjectItem(d, "n")->valueint, s == 2 ? 0 : 3);
        ck_assert_ptr_nonnull(cJSON_GetObjectItem(d, "ci95"));
    }
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(sc, 2), "no_failover")->valueint, 3);
    cJSON_Delete(root);
    free(js);

    /* Same seeds, one job: the same compare.csv. */
    th_run_cmd(cmd_compare, (const char *const[]){"compare", a, b, c, "--runs", "3", "--jobs", "1", "--out", out2,
                                               "--set", "run.duration_ms=18000", "--quiet", NULL}, &r);
    th_assert_status(&r, 0, "compare --jobs 1");
    ck_assert_str_eq(r.err, "");
    th_cmd_result_free(&r);
    char *csv2 = th_read_in(out2, "compare.csv");
    ck_assert_str_eq(csv, csv2);
    free(csv);
    free(csv2);
    free(h);
}
END_TEST

START_TEST(test_compare_bad_input)
{
    char dir[96], a[256], bad[256], out[256];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    th_join(a, sizeof a, dir, "crash.json");
    th_join(bad, sizeof bad, dir, "bad.json");
    th_join(out, sizeof out, dir, "cmp");
    th_write(bad, TH_CRASH_FIXTURE("bad", "1000", "{\"at_ms\": 3000, \"op\": \"crash_host\", \"node\": \"broker-z\"}"));
    th_run_cmd(cmd_compare, (const char *const[]){"compare", a, bad, "--runs", "2", "--out", out, NULL}, &r);
    th_assert_status(&r, 2, "bad scenario");
    char want[400];
    snprintf(want, sizeof want, "mqsim: %s: $.faults[0].node: ", bad);
    ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0 && th_count_lines(r.err) == 1, "%s", r.err);
    ck_assert(!th_exists(out));
    th_cmd_result_free(&r);

    th_run_cmd(cmd_compare, (const char *const[]){"compare", a, "--runs", "2", "--out", out, "--set",
                                               "run.duration_ms=-1", NULL}, &r);
    th_assert_status(&r, 2, "bad --set");
    snprintf(want, sizeof want, "mqsim: %s: $.run.duration_ms: must be between", a);
    ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
    ck_assert(!th_exists(out));
    th_cmd_result_free(&r);

    const char *const usage[][8] = {
        {"compare", a, "--out", out, NULL},                     /* no --runs */
        {"compare", "--runs", "2", "--out", out, NULL},         /* no scenario */
        {"compare", a, "--runs", "0", "--out", out, NULL},
        {"compare", a, "--runs", "2", "--jobs", "x", "--out", out},
        {"compare", a, "--runs", "2", "--bogus", "--out", out, NULL},
        {"compare", a, "--runs", "2", "--seed-start", "-1", "--out", out},
    };
    for (int i = 0; i < N(usage); i++) {
        const char *args[10] = {NULL};
        for (int k = 0; k < 8 && usage[i][k]; k++)
            args[k] = usage[i][k];
        th_run_cmd(cmd_compare, args, &r);
        th_assert_status(&r, 2, "usage");
        ck_assert_msg(th_count_lines(r.err) == 1 && strncmp(r.err, "mqsim: compare: ", 16) == 0, "case %d: %s", i, r.err);
        ck_assert(!th_exists(out));
        th_cmd_result_free(&r);
    }
}
END_TEST

/* SIGTERM: the children are killed, no table is written, exit 143. */
START_TEST(test_compare_interrupted)
{
    char dir[96], a[256], out[256];
    th_sweep_fixtures(dir, sizeof dir);
    th_join(a, sizeof a, dir, "crash.json");
    th_join(out, sizeof out, dir, "cmp");
    int fo, fe;
    pid_t pid = th_spawn(cmd_compare, (const char *const[]){"compare", a, "--runs", "40", "--jobs", "2", "--out", out,
                                                         "--set", "run.duration_ms=400000", "--quiet", NULL},
                      &fo, &fe);
    for (int t = 0; t < 20000 && th_count_prefix(dir, "cmp") == 0; t++)
        th_sleep_ms(1);
    th_sleep_ms(100);
    ck_assert_msg(waitpid(pid, NULL, WNOHANG) == 0, "compare ended before it could be interrupted");
    kill(pid, SIGTERM);
    struct th_cmd_result r;
    th_collect(pid, fo, fe, &r);
    th_assert_status(&r, 143, "interrupted compare");
    ck_assert_str_eq(r.out, "");
    ck_assert(!th_exists_in(out, "compare.csv") && !th_exists_in(out, "compare.json"));
    /* On a fast machine a run may finish before the signal lands: then its result is kept for a resume
     * (test_compare_cmd.c resumes one) and the folder holds the journal alone; otherwise it stays empty. */
    if (strstr(r.err, "interrupted; nothing written")) {
        ck_assert_int_eq(th_count_prefix(out, "."), 2);   /* . and .. only */
    } else {
        ck_assert_msg(strstr(r.err, "runs kept in") && strstr(r.err, "the same command resumes"), "%s", r.err);
        ck_assert_int_eq(th_count_prefix(out, ".compare-runs"), 1);
        ck_assert_int_eq(th_count_prefix(out, "."), 3);
    }
    th_cmd_result_free(&r);
}
END_TEST

/* ======================================================================================================
 * runs that break an invariant, crash or fail: a stand-in for the mqsim binary
 * ====================================================================================================== */

/* Seed 12 breaks an invariant (exit 1, metrics.json with a violation), 13 crashes (SIGSEGV), 14 cannot
 * write (exit 3, a message on stderr); the others succeed. acked_lost is the seed. */
static const char fake_mqsim[] =
    "#!/bin/sh\n"
    "out=; seed=\n"
    "while [ $# -gt 0 ]; do case \"$1\" in --out) out=$2; shift;; --seed) seed=$2; shift;; esac; shift; done\n"
    "mkdir -p \"$out\" || exit 3\n"
    "[ \"$seed\" = 13 ] && kill -SEGV $$\n"
    "[ \"$seed\" = 14 ] && { echo \"mqsim: $out/metrics.json: write failed: No space left on device\" >&2; exit 3; }\n"
    "v='[]'; rc=0\n"
    "[ \"$seed\" = 12 ] && { v='[{\"what\": \"acked message lost\"}]'; rc=1; }\n"
    "cat > \"$out/metrics.json\" <<EOF\n"
    "{\"scenario\": \"fake\", \"seed\": $seed, \"messages\": {\"sent\": 100, \"acked\": 90, \"send_failed\": 10,\n"
    " \"consumed\": 90, \"acked_lost\": $seed, \"duplicates\": 0},\n"
    " \"groups\": [{\"name\": \"g\", \"write_unavailable_ms\": 1000, \"failover\": {\"crash_ms\": 1000,\n"
    "  \"detected_ms\": 2000, \"promoted_ms\": 5000, \"first_write_ms\": 7000, \"downtime_ms\": 6000}}],\n"
    " \"invariants\": {\"checked\": 1, \"violations\": $v}}\n"
    "EOF\n"
    "exit $rc\n";

static void use_fake_mqsim(const char *dir)
{
    char fake[256];
    th_join(fake, sizeof fake, dir, "fake-mqsim");
    th_write(fake, fake_mqsim);
    ck_assert_int_eq(chmod(fake, 0755), 0);
    runner_set_exe(fake);   /* this test's process only: Check runs each test in its own */
}

START_TEST(test_compare_violation_and_crash)
{
    char dir[96], a[256], out[256], want[1024];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    use_fake_mqsim(dir);
    th_join(a, sizeof a, dir, "crash.json");
    th_join(out, sizeof out, dir, "cmp");
    th_run_cmd(cmd_compare, (const char *const[]){"compare", a, "--runs", "4", "--seed-start", "10", "--out", out,
                                               "--quiet", NULL}, &r);
    th_assert_status(&r, 1, "a violation and a crash");
    snprintf(want, sizeof want, "mqsim: compare: %s: seed 12 broke an invariant; replay: mqsim %s --seed 12\n"
             "mqsim: compare: %s: seed 13: killed by signal 11\n", a, a, a);
    ck_assert_str_eq(r.err, want);
    ck_assert_msg(strstr(r.out, "compare: 4 runs a scenario, seeds 10..13\n"), "%s", r.out);
    const char *rows[] = {"invariant violated ", "failed "};
    for (int i = 0; i < 2; i++) {
        const char *p = strstr(r.out, rows[i]);
        ck_assert_msg(p && strncmp(strchr(p, '\n') - 2, " 1", 2) == 0, "\"%s ... 1\" in\n%s", rows[i], r.out);
    }
    th_cmd_result_free(&r);
    char *csv = th_read_in(out, "compare.csv");
    char *l12 = th_line_at(csv, 3), *l13 = th_line_at(csv, 4);
    snprintf(want, sizeof want, "tiny_crash,%s,12,1,,,,,12,0,100,90,10,90,,,,6000,1,,1000,,4000,,1000,,,,", a);
    ck_assert_str_eq(l12, want);
    snprintf(want, sizeof want, "tiny_crash,%s,13,139,,,,,,,,,,,,,,,,,,,,,,,,,", a);
    ck_assert_str_eq(l13, want);
    free(l12);
    free(l13);
    free(csv);

    /* A run that cannot write is not a bug found but a run not carried out: exit 3. */
    th_run_cmd(cmd_compare, (const char *const[]){"compare", a, "--runs", "5", "--seed-start", "10", "--out", out,
                                               "--quiet", NULL}, &r);
    th_assert_status(&r, 3, "a run that could not write");
    ck_assert_msg(strstr(r.err, ": seed 14: exit 3: mqsim: ") && strstr(r.err, "No space left on device\n"),
                  "%s", r.err);
    th_cmd_result_free(&r);
}
END_TEST

START_TEST(test_sweep_violation_and_crash)
{
    char dir[96], path[256], out[256];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    use_fake_mqsim(dir);
    th_write_in(dir, "v.json", "{\"base\": \"crash.json\", \"seeds\": 4, \"seed_start\": 10,\n"
                            " \"vary\": [{\"key\": \"producers.rate_per_s\", \"values\": [100, 200]}],\n"
                            " \"metrics\": {\"lost\": \"messages.acked_lost\"}}\n");
    th_join(path, sizeof path, dir, "v.json");
    th_join(out, sizeof out, dir, "out");
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--quiet", NULL}, &r);
    th_assert_status(&r, 1, "a violation and a crash");
    ck_assert_msg(strstr(r.err, "mqsim: sweep: killed by signal 11; not recorded, it runs again next time: mqsim ")
                  && strstr(r.err, " --seed 13 --set producers.rate_per_s=100\n") &&
                  strstr(r.err, "mqsim: sweep: an invariant was broken; replay: mqsim ") &&
                  strstr(r.err, " --seed 12 --set producers.rate_per_s=200\n") && th_count_lines(r.err) == 4,
                  "%s", r.err);
    th_cmd_result_free(&r);
    char *res = th_read_in(out, "results.csv"), *sum = th_read_in(out, "summary.csv");
    ck_assert_str_eq(res, "producers.rate_per_s,seed,exit,lost\n"
                          "100,10,0,10\n100,11,0,11\n100,12,1,12\n"
                          "200,10,0,10\n200,11,0,11\n200,12,1,12\n");
    char *l = th_line_at(sum, 1);
    /* 10, 11, 12: mean 11, sd 1, CI 11 -/+ t(0.975, 2) / sqrt(3) = 11 -/+ 2.484138; p95 11 + 0.9 * (12 - 11). */
    ck_assert_str_eq(l, "100,3,1,3,11,1,8.515862,13.484138,11,11.9");
    free(l);
    /* The crashed runs are tried again; the recorded ones are not. The violations still count. */
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, NULL}, &r);
    th_assert_status(&r, 1, "again");
    ck_assert_msg(strstr(r.err, "6 of 8 runs already in") && strstr(r.err, "; 2 to run"), "%s", r.err);
    th_cmd_result_free(&r);
    free(res);
    free(sum);
}
END_TEST

static Suite *sweep_compare_suite(void)
{
    Suite *s = suite_create("sweep_compare");
    TCase *tc = tcase_create("compare");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_compare_two_scenarios);
    tcase_add_test(tc, test_compare_bad_input);
    tcase_add_test(tc, test_compare_interrupted);
    tcase_add_test(tc, test_compare_violation_and_crash);
    tcase_add_test(tc, test_sweep_violation_and_crash);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (th_mqsim_find("test_sweep_compare") < 0 || th_root_make("sweep_compare") < 0)
        return 1;
    runner_set_exe(th_mqsim);
    return th_run_suite(sweep_compare_suite());
}
