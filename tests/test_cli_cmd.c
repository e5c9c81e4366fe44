/* test_cli_cmd: mqsim's commands and options, as a child process: validate, help, version, the forms options take,
 * bench --json, and output directories it cannot write. */
#include <check.h>
#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Set once in main, before the runner forks the tests. */
static char *g_demo;            /* absolute path of scenarios/engine_demo.json */

START_TEST(test_validate_ok)
{
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_run_in(dir, (const char *const[]){"validate", g_demo, NULL}, &r);
    th_assert_ok(&r, "validate engine_demo.json");
    ck_assert_msg(strstr(r.out, "ok") != NULL, "validate said:\n%s", r.out);
    th_assert_dir_holds(dir, "", "validate engine_demo.json");
    th_result_free(&r);
}
END_TEST

/* validate knows a sweep file: it checks the base scenario at every grid point, and says it is a sweep. */
START_TEST(test_validate_sweep)
{
    char dir[96], *sw = th_absolute("scenarios/redirect_sweep.json");
    struct th_result r;
    ck_assert_ptr_nonnull(sw);
    th_scratch(dir, sizeof dir);
    th_run_in(dir, (const char *const[]){"validate", sw, NULL}, &r);
    th_assert_ok(&r, "validate redirect_sweep.json");
    ck_assert_msg(strstr(r.out, "ok (sweep of ") && strstr(r.out, "15 points x 5 seeds = 75 runs"), "%s", r.out);
    th_result_free(&r);
    th_write_in(dir, "bad.json", "{\"base\": \"nowhere.json\", \"vary\": [], \"seeds\": 1}");
    th_run_in(dir, (const char *const[]){"validate", "bad.json", NULL}, &r);
    th_assert_exit(&r, 2, "validate a sweep with a missing base");
    ck_assert_msg(strncmp(r.err, "mqsim: bad.json", 15) == 0 && strchr(r.err, '\n') == r.err + r.err_len - 1,
                  "%s", r.err);
    th_result_free(&r);
    th_assert_dir_holds(dir, "bad.json\n", "validate a sweep");
    free(sw);
}
END_TEST

/* validate checks a sweep's metric paths, at once, on the metrics.json its runs start with: a path no run has
 * is exit 2 as `mqsim sweep` would give it; one that fills as a run goes (a failover, the send statuses, the
 * violations) is taken. */
START_TEST(test_validate_sweep_metrics)
{
    char dir[96], text[1024], *base = th_absolute("scenarios/master_crash.json");
    struct th_result r;
    ck_assert_ptr_nonnull(base);
    th_scratch(dir, sizeof dir);
    static const char *const form = "{\"base\": \"%s\", \"seeds\": 1, \"set\": {\"run.duration_ms\": 3000000},\n"
                                    " \"vary\": [{\"key\": \"producers.rate_per_s\", \"values\": [100, 200]}],\n"
                                    " \"metrics\": {%s}}\n";
    snprintf(text, sizeof text, form, base,
             "\"down\": \"groups[0].failover.downtime_ms\", \"ok\": \"messages.status.SUCCESS\", "
             "\"v\": \"invariants.violations[0].t_ms\", \"acked\": \"topic.acked\"");
    th_write_in(dir, "good.json", text);
    th_run_in(dir, (const char *const[]){"validate", "good.json", NULL}, &r);
    th_assert_ok(&r, "validate a sweep whose metrics fill as the run goes");
    th_result_free(&r);
    snprintf(text, sizeof text, form, base, "\"acked\": \"topicc.acked\"");
    th_write_in(dir, "bad.json", text);
    th_run_in(dir, (const char *const[]){"validate", "bad.json", NULL}, &r);
    th_assert_stderr_line(&r, "mqsim: bad.json: $.metrics.acked: topicc.acked: no key \"topicc\" in metrics.json "
                              "(keys there: scenario, seed, run, sim_ms, events, ha, messages, topic, groups, "
                              "invariants, engine)", 0, "validate a sweep with a metric no run has");
    th_assert_exit(&r, 2, "validate a sweep with a metric no run has");
    th_result_free(&r);
    th_assert_dir_holds(dir, "bad.json\ngood.json\n", "validate a sweep");
    free(base);
}
END_TEST

START_TEST(test_help)
{
    static const char *const forms[] = {"--help", "-h"};
    char dir[96];
    th_scratch(dir, sizeof dir);
    for (int i = 0; i < N(forms); i++) {
        struct th_result r;
        th_run_in(dir, (const char *const[]){forms[i], NULL}, &r);
        th_assert_ok(&r, forms[i]);
        ck_assert_msg(strncmp(r.out, "usage: mqsim ", 13) == 0, "%s printed:\n%s", forms[i], r.out);
        ck_assert(strstr(r.out, "--seed") && strstr(r.out, "--set") && strstr(r.out, "validate"));
        th_result_free(&r);
    }
    th_assert_dir_holds(dir, "", "--help");
}
END_TEST

/* --seed=3 and --seed 3, short forms, "--" and `mqsim run` all make the same run. */
START_TEST(test_option_forms)
{
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    size_t len;
    char *text = th_slurp_in(".", "scenarios/engine_demo.json", &len);
    th_write_in(dir, "-demo.json", text);
    free(text);
    static const char *const forms[][12] = {
        {"DEMO", "--seed", "3", "--out", "a", "--quiet", "--set", "run.duration_ms=20000", NULL},
        {"run", "--seed=3", "-o", "b", "-q", "-srun.duration_ms=20000", "DEMO", NULL},
        {"-qob", "--seed=3", "--set=run.duration_ms=20000", "DEMO", NULL},
        {"--qu", "--seed=3", "-o", "c", "--", "-demo.json", "-s", "run.duration_ms=20000", NULL},
    };
    /* Row 2 writes to "b" again (clustered -q -o b); row 3 gives "-s ..." after "--": an operand. */
    for (int i = 0; i < N(forms); i++) {
        const char *args[16];
        int n = 0;
        for (; forms[i][n]; n++)
            args[n] = strcmp(forms[i][n], "DEMO") == 0 ? g_demo : forms[i][n];
        args[n] = NULL;
        th_run_in(dir, args, &r);
        if (i < 3) {
            th_assert_ok(&r, forms[i][0]);
        } else {
            th_assert_exit(&r, 2, "an operand after --");
            ck_assert_msg(strstr(r.err, "unexpected \"-s\"") != NULL, "after --: %s", r.err);
        }
        th_result_free(&r);
    }
    char a[128], b[128];
    th_join(a, sizeof a, dir, "a");
    th_join(b, sizeof b, dir, "b");
    th_assert_same_file(a, b, "metrics.json");
    cJSON *m = th_metrics_of(a);
    ck_assert(th_num(m, "seed") == 3);
    cJSON_Delete(m);
    ck_assert(!th_exists_in(dir, "c"));
    /* "--" lets a file name start with "-". */
    th_run_in(dir, (const char *const[]){"-q", "-o", "c", "--seed", "3", "--set", "run.duration_ms=20000", "--",
                                      "-demo.json", NULL}, &r);
    th_assert_ok(&r, "-- -demo.json");
    th_result_free(&r);
    ck_assert(th_exists_in(dir, "c"));
}
END_TEST

/* `mqsim help COMMAND` and `mqsim COMMAND --help` print the same text, with every option of the command. */
START_TEST(test_command_help)
{
    static const char *const want[][10] = {
        {"run", "--seed", "--set", "--out", "--trace", "--timeline", "--quiet", "--help", NULL},
        {"validate", "--set", "--help", NULL},
        {"compare", "--runs", "--seed-start", "--jobs", "--out", "--set", "--plot", "--quiet", "--help", NULL},
        {"sweep", "--jobs", "--out", "--list", "--collect", "--plot", "--quiet", "--help", NULL},
        {"explore", "--runs", "--seed-start", "--jobs", "--out", "--set", "--quiet", "--help", NULL},
        {"plot", "--quiet", "--help", NULL},
        {"timeline", "--help", NULL},
        {"bench", "--lps", "--population", "--remote", "--lookahead", "--mean", "--end", "--seed", "--json", NULL},
    };
    char dir[96];
    th_scratch(dir, sizeof dir);
    for (int i = 0; i < N(want); i++) {
        struct th_result a, b;
        th_run_in(dir, (const char *const[]){"help", want[i][0], NULL}, &a);
        th_run_in(dir, (const char *const[]){want[i][0], "--help", NULL}, &b);
        th_assert_ok(&a, want[i][0]);
        th_assert_ok(&b, want[i][0]);
        ck_assert_msg(strcmp(a.out, b.out) == 0, "help %s and %s --help differ", want[i][0], want[i][0]);
        ck_assert_msg(strncmp(a.out, "usage: mqsim ", 13) == 0, "help %s:\n%s", want[i][0], a.out);
        const char *opts = strstr(a.out, "\noptions:\n");
        ck_assert_msg(opts != NULL, "help %s has no options:\n%s", want[i][0], a.out);
        for (int k = 1; want[i][k]; k++) {
            const char *at = strstr(opts, want[i][k]);
            ck_assert_msg(at != NULL && (at[strlen(want[i][k])] == ' ' || at[strlen(want[i][k])] == '\n'),
                          "help %s leaves out %s:\n%s", want[i][0], want[i][k], a.out);
        }
        th_result_free(&a);
        th_result_free(&b);
    }
    struct th_result r;
    th_run_in(dir, (const char *const[]){"help", "frobnicate", NULL}, &r);
    th_assert_exit(&r, 2, "help frobnicate");
    ck_assert_msg(strchr(r.err, '\n') == r.err + r.err_len - 1, "not one line: %s", r.err);
    th_result_free(&r);
    th_assert_dir_holds(dir, "", "help");
}
END_TEST

START_TEST(test_version)
{
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_run_in(dir, (const char *const[]){"--version", NULL}, &r);
    th_assert_ok(&r, "--version");
    ck_assert_msg(strncmp(r.out, "mqsim ", 6) == 0 && r.out[6] >= '0' && r.out[6] <= '9', "--version printed: %s",
                  r.out);
    ck_assert_msg(strchr(r.out, '\n') == r.out + r.out_len - 1, "--version printed more than one line: %s", r.out);
    th_result_free(&r);
}
END_TEST

START_TEST(test_bench_json)
{
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_run_in(dir, (const char *const[]){"bench", "phold", "--lps", "8", "--population", "2", "--end", "50", "--json",
                                      NULL},
           &r);
    th_assert_ok(&r, "bench phold --json");
    ck_assert_msg(r.out_len > 0 && strchr(r.out, '\n') == r.out + r.out_len - 1, "not one line:\n%s", r.out);
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(r.out, &end, 1);     /* one object and nothing after it but the newline */
    ck_assert_msg(cJSON_IsObject(j), "not one JSON object:\n%s", r.out);
    double events = th_num(j, "events"), expected = th_num(j, "expected");
    ck_assert(th_num(j, "wall_s") >= 0);
    ck_assert(th_num(j, "events_per_s") >= 0);
    ck_assert(expected > 0);
    ck_assert_msg(fabs(events - expected) <= 0.05 * expected, "events %g, expected %g", events, expected);
    cJSON_Delete(j);
    th_assert_dir_holds(dir, "", "bench");
    th_result_free(&r);
}
END_TEST

START_TEST(test_out_under_a_file)
{
    static const char *const outs[] = {"file/out", "file"};
    char dir[96];
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "file", "not a directory\n");
    for (int i = 0; i < N(outs); i++) {
        struct th_result r;
        th_run_in(dir, (const char *const[]){g_demo, "--out", outs[i], "--quiet", NULL}, &r);
        th_assert_exit(&r, 3, outs[i]);
        th_assert_stderr_line(&r, "mqsim: file: not a directory", 0, outs[i]);
        th_assert_dir_holds(dir, "file\n", outs[i]);
        th_result_free(&r);
    }
    char *t = th_slurp_in(dir, "file", NULL);
    ck_assert_str_eq(t, "not a directory\n");
    free(t);
}
END_TEST

/* An --out path longer than the longest path mqsim handles must be refused before anything is created. Today it
 * is cut at 4095 bytes and the cut path is created (2048 directories here) before the run fails on
 * "x/x/.../x//trace.jsonl...: cannot open for writing: File name too long". */
START_TEST(test_out_too_long)
{
    char dir[96];
    static char longpath[6001];
    for (int i = 0; i < 3000; i++)
        memcpy(longpath + 2 * i, "x/", 2);
    longpath[6000] = '\0';
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_run_in(dir, (const char *const[]){g_demo, "--out", longpath, "--quiet", NULL}, &r);
    th_assert_exit(&r, 3, "a 6000-byte --out");
    ck_assert_msg(strncmp(r.err, "mqsim: ", 7) == 0 && strchr(r.err, '\n') == r.err + r.err_len - 1 &&
                      strstr(r.err, "too long") != NULL,
                  "stderr:\n%s-- expected one line saying the name is too long", r.err);
    th_assert_dir_holds(dir, "", "a 6000-byte --out");
    th_result_free(&r);
}
END_TEST

static Suite *cli_cmd_suite(void)
{
    Suite *s = suite_create("cli_cmd");
    TCase *tc = tcase_create("commands");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_validate_ok);
    tcase_add_test(tc, test_validate_sweep);
    tcase_add_test(tc, test_validate_sweep_metrics);
    tcase_add_test(tc, test_help);
    tcase_add_test(tc, test_version);
    tcase_add_test(tc, test_option_forms);
    tcase_add_test(tc, test_command_help);
    tcase_add_test(tc, test_bench_json);
    suite_add_tcase(s, tc);

    tc = tcase_create("output errors");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_out_under_a_file);
    tcase_add_test(tc, test_out_too_long);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (th_mqsim_find("test_cli_cmd") < 0 || !(g_demo = th_find("test_cli_cmd", "scenarios/engine_demo.json"))
        || th_root_make("cli_cmd") < 0)
        return 1;
    int rc = th_run_suite(cli_cmd_suite());
    free(g_demo);
    return rc;
}
