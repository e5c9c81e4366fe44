/* test_cli_run: mqsim runs, as a child process: the outputs it writes and where, determinism, and what --set and
 * --seed change. */
#include <check.h>
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Set once in main, before the runner forks the tests. */
static char *g_demo;            /* absolute path of scenarios/engine_demo.json */

/* Each line of trace.jsonl is one JSON object with a numeric t_ms and a string ev. */
static void check_trace(const char *dir)
{
    size_t len;
    char *t = th_slurp_in(dir, "trace.jsonl", &len);
    ck_assert_msg(len > 0 && t[len - 1] == '\n', "trace.jsonl does not end with a newline");
    int lines = 0;
    for (char *line = t, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1, lines++) {
        *nl = '\0';
        cJSON *e = cJSON_Parse(line);
        ck_assert_msg(cJSON_IsObject(e), "trace.jsonl line %d is not a JSON object: %s", lines + 1, line);
        ck_assert_msg(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e, "t_ms")) &&
                          cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "ev")),
                      "trace.jsonl line %d lacks t_ms or ev: %s", lines + 1, line);
        cJSON_Delete(e);
    }
    ck_assert_int_gt(lines, 0);
    free(t);
}

START_TEST(test_run_writes_outputs)
{
    char dir[96], out[128];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_join(out, sizeof out, dir, "run");
    th_run_in(dir, (const char *const[]){g_demo, "--out", out, "--quiet", NULL}, &r);
    th_assert_ok(&r, "engine_demo");
    ck_assert_msg(r.out_len == 0, "--quiet printed:\n%s", r.out);
    /* The three files, and nothing half-written: no dot file. */
    char *names = th_list_dir(out);
    ck_assert_msg(strstr(names, "metrics.json\n") && strstr(names, "trace.jsonl\n") &&
                      strstr(names, "timeseries.csv\n"),
                  "output directory holds\n%s", names);
    ck_assert_msg(names[0] != '.' && strstr(names, "\n.") == NULL, "a temporary file was left:\n%s", names);
    free(names);

    cJSON *m = th_metrics_of(out);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(m, "scenario");
    ck_assert(cJSON_IsString(sc));
    ck_assert_str_eq(sc->valuestring, "engine_demo");
    ck_assert(th_num(m, "seed") == 1);
    ck_assert(th_num(m, "sim_ms") == 60000);
    ck_assert(th_num(m, "events") > 0);
    cJSON_Delete(m);

    char *ts = th_slurp_in(out, "timeseries.csv", NULL);
    ck_assert_msg(strncmp(ts, "t_ms", 4) == 0, "timeseries.csv header: %.80s", ts);
    int rows = 0;
    for (const char *p = ts; (p = strchr(p, '\n')) != NULL; p++)
        rows++;
    ck_assert_int_ge(rows, 2);      /* the header and at least one sample */
    free(ts);
    check_trace(out);
    th_result_free(&r);
}
END_TEST

/* Without --out, outputs go to out/<scenario name>/ under the working directory; without --quiet, a summary. */
START_TEST(test_run_default_out_dir)
{
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_run_in(dir, (const char *const[]){g_demo, NULL}, &r);
    th_assert_ok(&r, "engine_demo without --out");
    ck_assert_msg(strstr(r.out, "engine_demo") != NULL, "no summary on stdout:\n%s", r.out);
    ck_assert(th_exists_in(dir, "out/engine_demo/metrics.json"));
    ck_assert(th_exists_in(dir, "out/engine_demo/timeseries.csv"));
    ck_assert(th_exists_in(dir, "out/engine_demo/trace.jsonl"));
    th_assert_dir_holds(dir, "out\n", "engine_demo without --out");
    th_result_free(&r);
}
END_TEST

START_TEST(test_determinism)
{
    char dir[96], a[128], b[128], c[128];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_join(a, sizeof a, dir, "a");
    th_join(b, sizeof b, dir, "b");
    th_join(c, sizeof c, dir, "c");
    th_run_in(dir, (const char *const[]){g_demo, "--out", a, "--quiet", "--trace", "full", NULL}, &r);
    th_assert_ok(&r, "run a");
    th_result_free(&r);
    th_run_in(dir, (const char *const[]){g_demo, "--trace", "full", "--quiet", "--out", b, NULL}, &r);
    th_assert_ok(&r, "run b");
    th_result_free(&r);
    th_assert_same_file(a, b, "metrics.json");
    th_assert_same_file(a, b, "trace.jsonl");
    th_assert_same_file(a, b, "timeseries.csv");

    th_run_in(dir, (const char *const[]){g_demo, "--out", c, "--quiet", "--trace", "full", "--seed", "2", NULL}, &r);
    th_assert_ok(&r, "run c (--seed 2)");
    th_result_free(&r);
    size_t la, lc;
    char *x = th_slurp_in(a, "metrics.json", &la), *y = th_slurp_in(c, "metrics.json", &lc);
    ck_assert_msg(la != lc || memcmp(x, y, la) != 0, "metrics.json is the same with --seed 2");
    free(x);
    free(y);
    cJSON *m = th_metrics_of(c);
    ck_assert(th_num(m, "seed") == 2);
    cJSON_Delete(m);
}
END_TEST

/* Runs the demo quietly into dir/out with extra arguments and returns its metrics. */
static cJSON *run_demo(const char *dir, const char *const *extra, const char *what)
{
    const char *args[24] = {g_demo, "--out", "out", "--quiet"};
    int n = 4;
    for (int i = 0; extra[i]; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    struct th_result r;
    th_run_in(dir, args, &r);
    th_assert_ok(&r, what);
    th_result_free(&r);
    char out[128];
    th_join(out, sizeof out, dir, "out");
    return th_metrics_of(out);
}

START_TEST(test_set_duration)
{
    char dir[96];
    th_scratch(dir, sizeof dir);
    /* The demo's faults come after 5 s: they go too, or the run is refused (see the bad-input table). */
    cJSON *m = run_demo(dir, (const char *const[]){"--set", "run.duration_ms=5000", "--set", "faults=[]", NULL},
                        "--set run.duration_ms=5000");
    ck_assert(th_num(m, "sim_ms") == 5000);
    cJSON_Delete(m);
}
END_TEST

START_TEST(test_set_lps)
{
    char dir[96];
    th_scratch(dir, sizeof dir);
    cJSON *m = run_demo(dir, (const char *const[]){"--set", "phold.lps=4", "--set", "faults=[]", NULL},
                        "--set phold.lps=4");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "phold"), *e = cJSON_GetObjectItemCaseSensitive(m, "engine");
    ck_assert(cJSON_IsObject(p) && cJSON_IsObject(e));
    ck_assert(th_num(p, "lps") == 4);
    ck_assert(th_num(e, "nodes") == 4);
    ck_assert(th_num(m, "events") > 0);
    cJSON_Delete(m);
}
END_TEST

START_TEST(test_seed_overrides)
{
    char dir[96];
    th_scratch(dir, sizeof dir);
    cJSON *m = run_demo(dir, (const char *const[]){"--seed", "7", NULL}, "--seed 7");
    ck_assert(th_num(m, "seed") == 7);
    cJSON_Delete(m);
    m = run_demo(dir, (const char *const[]){"--set", "run.seed=3", NULL}, "--set run.seed=3");
    ck_assert(th_num(m, "seed") == 3);
    cJSON_Delete(m);
    /* --seed wins over run.seed whichever way run.seed was given. */
    m = run_demo(dir, (const char *const[]){"--seed", "7", "--set", "run.seed=3", NULL}, "--seed 7 --set run.seed=3");
    ck_assert(th_num(m, "seed") == 7);
    cJSON_Delete(m);
}
END_TEST

/* metrics.json's seed is the seed that replays the run, to the last digit, for every seed --seed accepts. cJSON
 * prints numbers with %1.15g when that reads back within a relative DBL_EPSILON, so 9007199254740991 comes out as
 * 9.00719925474099e+15 (9007199254740990) today. */
START_TEST(test_seed_exact_in_metrics)
{
    static const char *const seeds[] = {"9007199254740991", "1234567890123457"};
    char dir[96];
    th_scratch(dir, sizeof dir);
    for (int i = 0; i < N(seeds); i++) {
        cJSON *m = run_demo(dir, (const char *const[]){"--seed", seeds[i], "--set", "run.duration_ms=1000",
                                                       "--set", "faults=[]", NULL}, seeds[i]);
        double want = strtod(seeds[i], NULL), got = th_num(m, "seed");
        ck_assert_msg(got == want, "--seed %s: metrics.json says seed %.0f", seeds[i], got);
        cJSON_Delete(m);
    }
}
END_TEST

/* A VALUE that is not JSON is a plain string: --set run.trace=off needs no quotes. */
START_TEST(test_set_plain_string)
{
    char dir[96];
    th_scratch(dir, sizeof dir);
    cJSON *m = run_demo(dir, (const char *const[]){"--set", "run.trace=off", NULL}, "--set run.trace=off");
    cJSON_Delete(m);
    ck_assert(th_exists_in(dir, "out/metrics.json"));
    ck_assert_msg(!th_exists_in(dir, "out/trace.jsonl"), "trace.jsonl written with run.trace off");
}
END_TEST

/* An output directory holds one run's outputs. A run without a trace into a directory that holds an older
 * trace.jsonl must not leave that trace next to its own metrics.json: today it does, and the stale trace (seed
 * 1) sits beside metrics.json of seed 2. */
START_TEST(test_trace_off_leaves_no_stale_trace)
{
    char dir[96];
    th_scratch(dir, sizeof dir);
    cJSON *m = run_demo(dir, (const char *const[]){NULL}, "first run");
    cJSON_Delete(m);
    ck_assert(th_exists_in(dir, "out/trace.jsonl"));
    m = run_demo(dir, (const char *const[]){"--trace", "off", "--seed", "2", NULL}, "second run, --trace off");
    ck_assert(th_num(m, "seed") == 2);
    cJSON_Delete(m);
    size_t len = 0;
    char p[128];
    th_join(p, sizeof p, dir, "out/trace.jsonl");
    char *t = th_slurp(p, &len);
    ck_assert_msg(t == NULL || len == 0, "out/trace.jsonl from the first run is still there after --trace off");
    free(t);
}
END_TEST

/* The summary says what it counts (README, "Outputs"): engine_demo's PHOLD line, whose remote events are the
 * network's messages plus those it dropped as they were sent; master_crash's messages over the whole run, and
 * its failover line under manual promotion. */
START_TEST(test_summary_says_what_it_counts)
{
    char dir[96], out[128];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_join(out, sizeof out, dir, "demo");
    th_run_in(dir, (const char *const[]){g_demo, "--out", out, "--trace", "off", NULL}, &r);
    th_assert_ok(&r, "engine_demo");
    cJSON *m = th_metrics_of(out);
    char line[256];
    snprintf(line, sizeof line, "\nphold: 16 LPs handled %.0f events (%.0f remote); %.0f expected without faults\n",
             th_num(m, "phold.handled"), th_num(m, "phold.remote"), th_num(m, "phold.expected_without_faults"));
    ck_assert_msg(strstr(r.out, line), "%s", r.out);
    ck_assert(th_num(m, "phold.remote") > th_num(m, "engine.msgs_sent"));
    ck_assert(th_num(m, "phold.remote") ==
              th_num(m, "engine.msgs_sent") + th_num(m, "engine.msgs_cut") + th_num(m, "engine.msgs_lost"));
    ck_assert_double_eq_tol(th_num(m, "phold.expected_without_faults"), 16 * 4 * 60000 / 1.1, 1e-6);
    cJSON_Delete(m);
    th_result_free(&r);

    char *crash = th_find("test_cli_run", "scenarios/master_crash.json");
    th_join(out, sizeof out, dir, "crash");
    th_run_in(dir, (const char *const[]){crash, "--out", out, "--trace", "off", "--set", "run.duration_ms=70000",
                                         NULL}, &r);
    th_assert_exit(&r, 0, "master_crash for 70 s");
    m = th_metrics_of(out);
    snprintf(line, sizeof line, "\nmessages (whole run, with the 1.0 s warm-up the topic and group figures leave "
             "out): sent %.0f, acked %.0f, consumed %.0f;", th_num(m, "messages.sent"), th_num(m, "messages.acked"),
             th_num(m, "messages.consumed"));
    ck_assert_msg(strstr(r.out, line), "%s\nexpected\n%s", r.out, line);
    ck_assert_msg(strstr(r.out, "\nbroker-a: master host crashed 60.0 s, alert -, operator -, promoted -, first "
                                "write -: not recovered, downtime > 10.0 s (censored)\n"), "%s", r.out);
    cJSON_Delete(m);
    th_result_free(&r);
    free(crash);
}
END_TEST

static Suite *cli_run_suite(void)
{
    Suite *s = suite_create("cli_run");
    TCase *tc = tcase_create("runs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_run_writes_outputs);
    tcase_add_test(tc, test_run_default_out_dir);
    tcase_add_test(tc, test_determinism);
    tcase_add_test(tc, test_set_duration);
    tcase_add_test(tc, test_set_lps);
    tcase_add_test(tc, test_seed_overrides);
    tcase_add_test(tc, test_seed_exact_in_metrics);
    tcase_add_test(tc, test_set_plain_string);
    tcase_add_test(tc, test_trace_off_leaves_no_stale_trace);
    tcase_add_test(tc, test_summary_says_what_it_counts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (th_mqsim_find("test_cli_run") < 0 || !(g_demo = th_find("test_cli_run", "scenarios/engine_demo.json"))
        || th_root_make("cli_run") < 0)
        return 1;
    int rc = th_run_suite(cli_run_suite());
    free(g_demo);
    return rc;
}
