/* test_sweep_runs: mqsim sweep's runs, called in-process (in a forked child, its stdout and stderr captured):
 * results.csv and summary.csv against statistics computed here, metric paths checked, provenance and null metrics,
 * and resume after SIGINT, after adding seeds and over damaged results. Its runs are child processes of the mqsim
 * binary under test ($MQSIM, else ./mqsim), on tiny scenarios (20 simulated seconds, 200 messages a second). */
#include <check.h>
#include <cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "sim/lab/runner.h"
#include "sim/sha256.h"
#include "models/cmd/sweep.h"
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define SW_HEAD "{\"base\": \"crash.json\", \"seeds\": 2, "
#define SW_VARY "\"vary\": [{\"key\": \"producers.rate_per_s\", \"values\": [100, 200]}], "

/* t(0.975, 2), from tables (Student 1908; any statistics text): the 95% two-sided quantile with 2 degrees
 * of freedom, as used for three seeds. */
#define T975_DF2 4.302652729911275

START_TEST(test_sweep_results_and_ci)
{
    char dir[96], out[256];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    th_sweep_ok(dir, "small.json", "out", "2", &r);
    th_join(out, sizeof out, dir, "out");
    ck_assert_msg(strstr(r.out, "sweep small: 12 of 12 runs") != NULL, "%s", r.out);
    th_cmd_result_free(&r);
    ck_assert_int_eq(th_count_prefix(out, ".sweep-runs"), 0);

    char *res = th_read_in(out, "results.csv"), *sum = th_read_in(out, "summary.csv");
    int rows;
    th_assert_complete_csv(res, &rows);
    ck_assert_int_eq(rows, 12);
    char *h = th_line_at(res, 0);
    ck_assert_str_eq(h, "operator.reaction.const_ms,producers.rate_per_s,seed,exit,detect_ms,acked_frac,down_ms,"
                        "lost_per_fail");
    /* Grid order (first key slowest), then seed. */
    static const char *const keys[4] = {"500,100", "500,200", "3000,100", "3000,200"};
    for (int i = 0; i < 12; i++) {
        char *l = th_line_at(res, i + 1), want[64];
        snprintf(want, sizeof want, "%s,%d,0,", keys[i / 3], i % 3 + 1);
        ck_assert_msg(strncmp(l, want, strlen(want)) == 0, "row %d: %s, expected %s...", i + 1, l, want);
        free(l);
    }
    /* summary.csv against statistics computed here from results.csv. */
    char *sh = th_line_at(sum, 0);
    int c_n = th_csv_column(sh, "detect_ms_n"), c_mean = th_csv_column(sh, "detect_ms_mean"), c_sd = th_csv_column(sh, "detect_ms_sd"),
        c_lo = th_csv_column(sh, "detect_ms_ci95_lo"), c_hi = th_csv_column(sh, "detect_ms_ci95_hi"),
        c_med = th_csv_column(sh, "detect_ms_median"), c_p95 = th_csv_column(sh, "detect_ms_p95"), c_runs = th_csv_column(sh, "runs"),
        c_viol = th_csv_column(sh, "violations"), c_det = th_csv_column(h, "detect_ms");
    ck_assert_int_eq(th_count_lines(sum), 5);
    int spread = 0;
    for (int p = 0; p < 4; p++) {
        double x[3];
        for (int s = 0; s < 3; s++) {
            char *l = th_line_at(res, p * 3 + s + 1), *f[16];
            th_csv_split(l, f, 16);
            x[s] = strtod(f[c_det], NULL);
            free(l);
        }
        double mean = (x[0] + x[1] + x[2]) / 3;
        double ss = 0;
        for (int s = 0; s < 3; s++)
            ss += (x[s] - mean) * (x[s] - mean);
        double sd = sqrt(ss / 2), half = T975_DF2 * sd / sqrt(3.0);
        double y[3] = {x[0], x[1], x[2]};
        for (int a = 0; a < 3; a++)
            for (int b = a + 1; b < 3; b++)
                if (y[b] < y[a]) {
                    double t = y[a];
                    y[a] = y[b];
                    y[b] = t;
                }
        double p95 = y[1] + 0.9 * (y[2] - y[1]);   /* between order statistics at (n - 1) * 0.95 = 1.9 */
        spread |= sd > 1;
        char *l = th_line_at(sum, p + 1), *f[64];
        int nf = th_csv_split(l, f, 64);
        ck_assert_int_eq(nf, 2 + 2 + 4 * 7);
        char want_key[32];
        snprintf(want_key, sizeof want_key, "%s,", keys[p]);
        ck_assert_msg(strncmp(f[0], keys[p], strlen(f[0])) == 0 && want_key[strlen(f[0])] == ',',
                      "summary line %d: %s", p + 1, f[0]);
        ck_assert_str_eq(f[c_runs], "3");
        ck_assert_str_eq(f[c_viol], "0");
        ck_assert_str_eq(f[c_n], "3");
        const struct { int col; double want; const char *what; } checks[] = {
            {c_mean, mean, "mean"}, {c_sd, sd, "sd"}, {c_lo, mean - half, "ci95_lo"}, {c_hi, mean + half, "ci95_hi"},
            {c_med, y[1], "median"}, {c_p95, p95, "p95"},
        };
        for (int k = 0; k < N(checks); k++) {
            double got = strtod(f[checks[k].col], NULL);
            /* The files hold 6 decimals. */
            ck_assert_msg(fabs(got - checks[k].want) < 2e-6 * (1 + fabs(checks[k].want)),
                          "point %d %s: summary.csv %s, computed %.9f", p, checks[k].what, f[checks[k].col],
                          checks[k].want);
        }
        free(l);
    }
    ck_assert_msg(spread, "detect_ms does not vary with the seed: the CI check checks nothing");
    free(h);
    free(sh);
    free(res);
    free(sum);
}
END_TEST

/* A metric path that metrics.json does not have stops the sweep at its first run: exit 2, the JSON path,
 * nothing written. */
START_TEST(test_sweep_metric_path_checked)
{
    char dir[96], out[256];
    th_sweep_fixtures(dir, sizeof dir);
    th_write_in(dir, "typo.json", SW_HEAD SW_VARY "\"metrics\": {\"ok\": \"messages.sent\", "
                                              "\"d\": \"groups[0].failover.detectd_ms\"}}");
    struct th_cmd_result r;
    char path[256];
    th_join(path, sizeof path, dir, "typo.json");
    th_join(out, sizeof out, dir, "out");
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--quiet", NULL}, &r);
    th_assert_status(&r, 2, "typo");
    char want[512];
    snprintf(want, sizeof want, "mqsim: %s: $.metrics.d: groups[0].failover.detectd_ms: no key \"detectd_ms\" in "
             "metrics.json (keys there: crash_ms, crash_kind, detected_ms", path);
    ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
    ck_assert_msg(!th_exists(out), "%s was left behind", out);
    th_cmd_result_free(&r);
}
END_TEST

/* sweep.json records how the sweep was made (the sweep file and the base scenario with the sha256 of their
 * bytes, the command, overrides, varied keys, seeds), and a metric null in every run is reported on stderr
 * and in sweep.json while the others are not. */
START_TEST(test_sweep_provenance_and_null_metric)
{
    char dir[96], out[256], path[256], sha[65];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    static const char text[] =
        "{\"name\": \"prov\", \"base\": \"steady.json\", \"set\": {\"run.duration_ms\": 6000},\n"
        " \"vary\": [{\"key\": \"producers.rate_per_s\", \"values\": [100, 150]}], \"seeds\": 2, \"seed_start\": 7,\n"
        " \"metrics\": {\"acked\": \"messages.acked\", \"down_ms\": \"groups[0].failover.downtime_ms\"}}\n";
    th_write_in(dir, "prov.json", text);
    th_join(path, sizeof path, dir, "prov.json");
    th_join(out, sizeof out, dir, "out");
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--quiet", NULL}, &r);
    th_assert_status(&r, 0, "prov");
    ck_assert_msg(strstr(r.err, "metric \"down_ms\" (groups[0].failover.downtime_ms) is null in every run") != NULL,
                  "%s", r.err);
    ck_assert_msg(strstr(r.err, "metric \"acked\"") == NULL, "%s", r.err);
    /* --quiet drops the progress line, not the results: the summary is on stdout, as compare's table. */
    ck_assert_msg(strstr(r.out, "4 of 4 runs in ") != NULL, "%s", r.out);
    /* What "mean ± h" is, above the table. */
    ck_assert_msg(strstr(r.out, "\neach metric: the mean over the grid point's seeds ± the half-width of its 95% "
                                "confidence interval (Student's t)\nrate_per_s  ") != NULL, "%s", r.out);
    th_cmd_result_free(&r);

    char *js = th_read_in(out, "sweep.json"), *steady = th_read_in(dir, "steady.json");
    cJSON *root = cJSON_Parse(js);
    ck_assert_ptr_nonnull(root);
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(root, "run");
    char want[512];
    snprintf(want, sizeof want, "mqsim sweep %s", path);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(run, "command")->valuestring, want);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(run, "mqsim_version")->valuestring, MQSIM_VERSION);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(run, "sweep_file")->valuestring, path);
    sha256_hex(text, strlen(text), sha);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(run, "sweep_sha256")->valuestring, sha);
    const cJSON *sc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(run, "scenarios"), 0);
    th_join(want, sizeof want, dir, "steady.json");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(sc, "file")->valuestring, want);
    sha256_hex(steady, strlen(steady), sha);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(sc, "sha256")->valuestring, sha);
    const cJSON *ov = cJSON_GetObjectItemCaseSensitive(run, "overrides");
    ck_assert_int_eq(cJSON_GetArraySize(ov), 1);
    ck_assert_str_eq(cJSON_GetArrayItem(ov, 0)->valuestring, "run.duration_ms=6000");
    const cJSON *v0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(run, "vary"), 0);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(v0, "key")->valuestring, "producers.rate_per_s");
    ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(v0, "set"), 1)->valuestring,
                     "producers.rate_per_s=150");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(run, "seed_start")->valueint, 7);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(run, "seeds")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(run, "runs")->valueint, 4);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "metrics"), "down_ms")
                         ->valuestring, "groups[0].failover.downtime_ms");
    const cJSON *nulls = cJSON_GetObjectItemCaseSensitive(root, "null_metrics");
    ck_assert_int_eq(cJSON_GetArraySize(nulls), 1);
    ck_assert_str_eq(cJSON_GetArrayItem(nulls, 0)->valuestring, "down_ms");
    cJSON_Delete(root);
    free(js);
    free(steady);
}
END_TEST

/* SIGINT in the middle: results.csv keeps complete lines; the same command finishes the rest without
 * running anything twice, and the result is the result of an uninterrupted sweep. */
START_TEST(test_sweep_resume_after_sigint)
{
    char dir[96], out[256], path[256];
    th_sweep_fixtures(dir, sizeof dir);
    th_write_in(dir, "slow.json", "{\"name\": \"slow\", \"base\": \"crash.json\", \"seeds\": 12,\n"
                               " \"set\": {\"run.duration_ms\": 300000},\n"
                               " \"vary\": [{\"key\": \"producers.rate_per_s\", \"values\": [200]}],\n"
                               " \"metrics\": {\"acked\": \"messages.acked\", "
                               "\"detect_ms\": \"groups[0].failover.detected_ms\"}}\n");
    th_join(path, sizeof path, dir, "slow.json");
    th_join(out, sizeof out, dir, "out");
    char res_path[300];
    th_join(res_path, sizeof res_path, out, "results.csv");
    int fo, fe;
    pid_t pid = th_spawn(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--jobs", "1", "--quiet",
                                                       NULL}, &fo, &fe);
    /* Wait for two rows, then interrupt. */
    for (int t = 0; t < 60000; t++) {
        char *s = th_slurp(res_path, NULL);
        int lines = s ? th_count_lines(s) : 0;
        free(s);
        if (lines >= 3)
            break;
        ck_assert_msg(waitpid(pid, NULL, WNOHANG) == 0, "the sweep ended before it could be interrupted");
        th_sleep_ms(1);
    }
    ck_assert_int_eq(kill(pid, SIGINT), 0);
    struct th_cmd_result r;
    th_collect(pid, fo, fe, &r);
    th_assert_status(&r, 130, "interrupted sweep");
    ck_assert_msg(strstr(r.err, "interrupted;") && strstr(r.err, "the same command resumes"), "%s", r.err);
    th_cmd_result_free(&r);
    char *part = th_read_in(out, "results.csv");
    int done;
    th_assert_complete_csv(part, &done);
    ck_assert_msg(done >= 2 && done < 12, "%d rows after the interruption", done);
    ck_assert_int_eq(th_count_prefix(out, ".sweep-runs"), 0);
    ck_assert(!th_exists_in(out, "summary.csv"));

    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--jobs", "2", NULL}, &r);
    th_assert_status(&r, 0, "resumed sweep");
    char want[512];
    snprintf(want, sizeof want, "%d of 12 runs already in %s/results.csv; %d to run", done, out, 12 - done);
    ck_assert_msg(strstr(r.err, want), "stderr:\n%s\nexpected: %s", r.err, want);
    snprintf(want, sizeof want, "12 of 12 runs in %s/results.csv (%d new)", out, 12 - done);
    ck_assert_msg(strstr(r.out, want), "stdout:\n%s\nexpected: %s", r.out, want);
    th_cmd_result_free(&r);
    /* The rows kept are the rows of the first call, byte for byte. */
    char *all = th_read_in(out, "results.csv");
    for (int i = 1; i <= done; i++) {
        char *l = th_line_at(part, i);
        ck_assert_msg(strstr(all, l), "row %s lost", l);
        free(l);
    }
    /* And the whole is an uninterrupted sweep's. */
    th_sweep_ok(dir, "slow.json", "fresh", "2", &r);
    th_cmd_result_free(&r);
    char fresh[256];
    th_join(fresh, sizeof fresh, dir, "fresh");
    char *f1 = th_read_in(fresh, "results.csv"), *f2 = th_read_in(fresh, "summary.csv"), *s2 = th_read_in(out, "summary.csv");
    ck_assert_str_eq(all, f1);
    ck_assert_str_eq(s2, f2);
    free(part);
    free(all);
    free(f1);
    free(f2);
    free(s2);
}
END_TEST

/* More seeds on a second call: only the new seeds run. */
START_TEST(test_sweep_resume_more_seeds)
{
    char dir[96], out[256], path[256];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    th_join(path, sizeof path, dir, "small.json");
    th_join(out, sizeof out, dir, "out");
    char *two = strdup(th_small_sweep), *p = strstr(two, "\"seeds\": 3");
    p[9] = '2';
    th_write(path, two);
    free(two);
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, NULL}, &r);
    th_assert_status(&r, 0, "2 seeds");
    ck_assert_msg(strstr(r.out, "8 of 8 runs"), "%s", r.out);
    th_cmd_result_free(&r);
    th_write(path, th_small_sweep);
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, NULL}, &r);
    th_assert_status(&r, 0, "3 seeds");
    ck_assert_msg(strstr(r.err, "8 of 12 runs already in") && strstr(r.err, "; 4 to run"), "%s", r.err);
    ck_assert_msg(strstr(r.out, "12 of 12 runs in") && strstr(r.out, "(4 new)"), "%s", r.out);
    th_cmd_result_free(&r);
    /* Nothing left: a third call runs nothing and changes nothing. */
    char *before = th_read_in(out, "results.csv");
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--quiet", NULL}, &r);
    th_assert_status(&r, 0, "again");
    ck_assert_str_eq(r.err, "");
    th_cmd_result_free(&r);
    char *after = th_read_in(out, "results.csv");
    ck_assert_str_eq(before, after);
    th_sweep_ok(dir, "small.json", "fresh", "2", &r);
    th_cmd_result_free(&r);
    char fresh[256];
    th_join(fresh, sizeof fresh, dir, "fresh");
    char *f = th_read_in(fresh, "results.csv");
    ck_assert_str_eq(after, f);
    free(before);
    free(after);
    free(f);
}
END_TEST

/* A results.csv whose last line was cut short (a crash mid-append) loses that line only; one of another
 * sweep's columns is refused. */
START_TEST(test_sweep_damaged_results)
{
    char dir[96], out[256], path[256];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    th_join(path, sizeof path, dir, "small.json");
    th_join(out, sizeof out, dir, "out");
    th_sweep_ok(dir, "small.json", "out", "2", &r);
    th_cmd_result_free(&r);
    char *full = th_read_in(out, "results.csv");
    size_t cut = strlen(full) - 10;
    char *damaged = strndup(full, cut);
    char res[300];
    th_join(res, sizeof res, out, "results.csv");
    th_write(res, damaged);
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, NULL}, &r);
    th_assert_status(&r, 0, "after a cut line");
    ck_assert_msg(strstr(r.err, "11 of 12 runs already in"), "%s", r.err);
    th_cmd_result_free(&r);
    char *again = th_read_in(out, "results.csv");
    ck_assert_str_eq(again, full);

    th_write(res, "a,b,seed,exit,x\n1,2,1,0,5\n");
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, NULL}, &r);
    th_assert_status(&r, 2, "other columns");
    ck_assert_msg(strstr(r.err, "results.csv: line 1: the columns are not this sweep's") && th_count_lines(r.err) == 1,
                  "%s", r.err);
    th_cmd_result_free(&r);
    char *kept = th_read_in(out, "results.csv");
    ck_assert_str_eq(kept, "a,b,seed,exit,x\n1,2,1,0,5\n");
    free(full);
    free(damaged);
    free(again);
    free(kept);
}
END_TEST

static Suite *sweep_runs_suite(void)
{
    Suite *s = suite_create("sweep_runs");
    TCase *tc = tcase_create("sweep runs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_sweep_results_and_ci);
    tcase_add_test(tc, test_sweep_metric_path_checked);
    tcase_add_test(tc, test_sweep_provenance_and_null_metric);
    tcase_add_test(tc, test_sweep_resume_after_sigint);
    tcase_add_test(tc, test_sweep_resume_more_seeds);
    tcase_add_test(tc, test_sweep_damaged_results);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (th_mqsim_find("test_sweep_runs") < 0 || th_root_make("sweep_runs") < 0)
        return 1;
    runner_set_exe(th_mqsim);
    return th_run_suite(sweep_runs_suite());
}
