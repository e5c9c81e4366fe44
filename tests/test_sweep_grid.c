/* test_sweep_grid: mqsim sweep's file, called in-process (in a forked child, its stdout and stderr captured): the
 * grid and its seeds, bad sweep files with their JSON paths, and the command's usage. Its runs are child processes
 * of the mqsim binary under test ($MQSIM, else ./mqsim), on tiny scenarios (20 simulated seconds). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/lab/runner.h"
#include "models/cmd/sweep.h"
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ======================================================================================================
 * the sweep file and its grid
 * ====================================================================================================== */

START_TEST(test_grid_and_seeds)
{
    char dir[96], path[256];
    th_sweep_fixtures(dir, sizeof dir);
    th_write_in(dir, "grid.json",
             "{\"base\": \"crash.json\", \"seeds\": 4, \"seed_start\": 10,\n"
             " \"set\": {\"run.duration_ms\": 9000},\n"
             " \"vary\": [{\"key\": \"groups[0].flush\", \"values\": [\"ASYNC_FLUSH\", \"SYNC_FLUSH\"]},\n"
             "          {\"key\": \"producers.rate_per_s\", \"values\": [100, 250.5, 400]}],\n"
             " \"metrics\": {\"m\": \"messages.sent\"}}\n");
    th_join(path, sizeof path, dir, "grid.json");
    struct sweep sw;
    struct conf c;
    ck_assert_msg(sweep_load(&sw, path, &c) == 0, "%s", c.err);
    ck_assert_str_eq(sw.name, "grid");
    ck_assert_uint_eq(sw.npoints, 6);
    ck_assert_uint_eq(sw.seeds, 4);
    ck_assert_uint_eq(sw.nruns, 24);
    ck_assert_uint_eq(sw.seed_start, 10);
    char want_base[300];
    th_join(want_base, sizeof want_base, dir, "crash.json");
    ck_assert_str_eq(sw.base, want_base);
    ck_assert_uint_eq(sw.nsets, 1);
    ck_assert_str_eq(sw.sets[0], "run.duration_ms=9000");
    ck_assert_str_eq(sw.vars[0].set[1], "groups[0].flush=\"SYNC_FLUSH\"");
    ck_assert_str_eq(sw.vars[0].text[1], "SYNC_FLUSH");
    ck_assert_str_eq(sw.vars[1].set[1], "producers.rate_per_s=250.5");
    ck_assert_str_eq(sw.vars[1].text[2], "400");
    /* The first key varies slowest. */
    static const size_t want[6][2] = {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}};
    for (size_t p = 0; p < 6; p++)
        for (size_t k = 0; k < 2; k++)
            ck_assert_uint_eq(sweep_value_index(&sw, p, k), want[p][k]);
    /* Run directory names: distinct, naming the point and the seed. */
    char names[24][128];
    for (size_t r = 0; r < 24; r++) {
        sweep_run_dir_name(&sw, r, names[r], sizeof names[r]);
        char suffix[16];
        snprintf(suffix, sizeof suffix, "-s%zu", 10 + r % 4);
        ck_assert_msg(strstr(names[r], suffix) && names[r][0] == 'p' && names[r][1] == '0' + (int)(r / 4),
                      "run %zu: %s", r, names[r]);
        for (size_t q = 0; q < r; q++)
            ck_assert_str_ne(names[q], names[r]);
    }
    sweep_free(&sw);

    /* --list: one command a run, grid order then seed, each with its seed and values. */
    char out[256];
    th_join(out, sizeof out, dir, "out");
    struct th_cmd_result r;
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--list", NULL}, &r);
    th_assert_status(&r, 0, "--list");
    ck_assert_int_eq(th_count_lines(r.out), 24);
    for (int k = 0; k < 24; k++) {
        char *l = th_line_at(r.out, k), want_seed[32], want_dir[400], want_flush[64], want_rate[64];
        snprintf(want_seed, sizeof want_seed, " --seed %d ", 10 + k % 4);
        snprintf(want_dir, sizeof want_dir, "--out %s/runs/%.127s ", out, names[k]);
        snprintf(want_flush, sizeof want_flush, " --set 'groups[0].flush=\"%s\"'", k / 12 ? "SYNC_FLUSH"
                                                                                           : "ASYNC_FLUSH");
        snprintf(want_rate, sizeof want_rate, " --set producers.rate_per_s=%s", (const char *[]){"100", "250.5",
                 "400"}[k / 4 % 3]);
        ck_assert_msg(strncmp(l, th_mqsim, strlen(th_mqsim)) == 0, "line %d: %s", k, l);
        ck_assert_msg(strstr(l, want_base) && strstr(l, want_seed) && strstr(l, want_dir) && strstr(l, want_flush)
                      && strstr(l, want_rate) && strstr(l, " --set run.duration_ms=9000") &&
                      strstr(l, " --quiet --trace off"), "line %d: %s", k, l);
        free(l);
    }
    ck_assert_msg(!th_exists(out), "--list created %s", out);
    th_cmd_result_free(&r);
}
END_TEST

#define SW_HEAD "{\"base\": \"crash.json\", \"seeds\": 2, "
#define SW_VARY "\"vary\": [{\"key\": \"producers.rate_per_s\", \"values\": [100, 200]}], "
#define SW_METRICS "\"metrics\": {\"sent\": \"messages.sent\"}"

static const struct { const char *text, *path, *msg; } bad_sweeps[] = {
    {"{\"base\": }", "$", "invalid JSON at line 1, column 10"},
    {"[1]", "$", "expected an object, got an array"},
    {SW_HEAD SW_VARY SW_METRICS ", \"seed\": 3}", "$.seed", "unknown key \"seed\" (did you mean \"seeds\"?)"},
    {"{\"seeds\": 2, " SW_VARY SW_METRICS "}", "$", "missing \"base\""},
    {"{\"base\": \"nope.json\", \"seeds\": 2, " SW_VARY SW_METRICS "}", "$.base", "cannot read \""},
    {"{\"base\": 5, \"seeds\": 2, " SW_VARY SW_METRICS "}", "$.base", "expected a string, got number 5"},
    {"{\"base\": \"crash.json\", " SW_VARY SW_METRICS "}", "$", "missing \"seeds\""},
    {SW_HEAD "\"seed_start\": -1, " SW_VARY SW_METRICS "}", "$.seed_start", "must be between 0 and"},
    {"{\"base\": \"crash.json\", \"seeds\": 0, " SW_VARY SW_METRICS "}", "$.seeds",
     "must be between 1 and 1000000, got 0"},
    {"{\"base\": \"crash.json\", \"seeds\": 2.5, " SW_VARY SW_METRICS "}", "$.seeds",
     "expected an integer, got number 2.5"},
    {SW_HEAD "\"seed_start\": 9007199254740991, " SW_VARY SW_METRICS "}", "$.seed_start",
     "seed_start + seeds - 1 must be at most 2^53 - 1"},
    {SW_HEAD SW_METRICS "}", "$", "missing \"vary\""},
    {SW_HEAD "\"vary\": {}, " SW_METRICS "}", "$.vary", "expected a non-empty array"},
    {SW_HEAD "\"vary\": [], " SW_METRICS "}", "$.vary", "got an empty array"},
    {SW_HEAD "\"vary\": [5], " SW_METRICS "}", "$.vary[0]", "expected {\"key\": KEY, \"values\": [...]}, got number 5"},
    {SW_HEAD "\"vary\": [{\"key\": \"producers.rate_per_s\", \"value\": [1]}], " SW_METRICS "}", "$.vary[0].value",
     "unknown key \"value\" (did you mean \"values\"?)"},
    {SW_HEAD "\"vary\": [{\"values\": [1]}], " SW_METRICS "}", "$.vary[0]", "missing \"key\""},
    {SW_HEAD "\"vary\": [{\"key\": \"producers.rate_per_s\"}], " SW_METRICS "}", "$.vary[0]", "missing \"values\""},
    {SW_HEAD "\"vary\": [{\"key\": \"producers.rate_per_s\", \"values\": []}], " SW_METRICS "}",
     "$.vary[0].values", "expected a non-empty array of values, got an empty array"},
    {SW_HEAD "\"vary\": [{\"key\": \"producers.rate_per_s\", \"values\": [100, 200, 100]}], " SW_METRICS "}",
     "$.vary[0].values[2]", "the same value as values[0]"},
    {SW_HEAD "\"vary\": [{\"key\": \"operator.reaction.const_ms\", \"values\": [10, -5]}], " SW_METRICS "}",
     "$.vary[0].values[1]", "crash.json: $.operator.reaction.const_ms: must be between 0 and"},
    {SW_HEAD "\"vary\": [{\"key\": \"operator.reacton.const_ms\", \"values\": [10]}], " SW_METRICS "}",
     "$.vary[0].values[0]", "$.operator.reacton: unknown key \"reacton\" (did you mean \"reaction\"?)"},
    {SW_HEAD "\"vary\": [{\"key\": \"groups[3].flush\", \"values\": [\"SYNC_FLUSH\"]}], " SW_METRICS "}",
     "$.vary[0].values[0]", "--set groups[3].flush=\"SYNC_FLUSH\""},
    {SW_HEAD "\"vary\": [{\"key\": \"a\", \"values\": [1]}, {\"key\": \"a\", \"values\": [2]}], " SW_METRICS "}",
     "$.vary[1].key", "\"a\" is varied twice (also $.vary[0])"},
    {SW_HEAD "\"set\": {\"producers.rate_per_s\": 5}, " SW_VARY SW_METRICS "}", "$.vary[0].key",
     "is also in \"set\": a key is either set or varied"},
    {SW_HEAD "\"set\": [1], " SW_VARY SW_METRICS "}", "$.set", "expected an object of --set keys and values"},
    {SW_HEAD "\"set\": {\"run.duration_ms\": -1}, " SW_VARY SW_METRICS "}", "$.set[\"run.duration_ms\"]",
     "crash.json: $.run.duration_ms: must be between"},
    {SW_HEAD "\"vary\": [{\"key\": \"producers.rate_per_s\", \"values\": [1]}]}", "$", "missing \"metrics\""},
    {SW_HEAD SW_VARY "\"metrics\": {}}", "$.metrics", "expected a non-empty object of NAME: EXPRESSION, got an "
                                                        "empty object"},
    {SW_HEAD SW_VARY "\"metrics\": {\"x\": 5}}", "$.metrics.x", "expected an expression string"},
    {SW_HEAD SW_VARY "\"metrics\": {\"x\": \"groups[0].reads.slave ^ 2\"}}", "$.metrics.x",
     "in \"groups[0].reads.slave ^ 2\": unexpected \"^\" at column 23: expected an operator (+ - * /) or the end"},
    {SW_HEAD SW_VARY "\"metrics\": {\"x\": \"(messages.acked + \"}}", "$.metrics.x",
     "in \"(messages.acked + \": unexpected end at column 19: expected a number, a path"},
    {SW_HEAD SW_VARY "\"metrics\": {\"x\": \"a / (b * 2\"}}", "$.metrics.x",
     "in \"a / (b * 2\": unexpected end at column 11: expected an operator (+ - * /) or \")\""},
    {SW_HEAD SW_VARY "\"metrics\": {\"seed\": \"messages.sent\"}}", "$.metrics.seed",
     "\"seed\" is a column of its own"},
    {SW_HEAD SW_VARY "\"metrics\": {\"a b\": \"messages.sent\"}}", "$.metrics[\"a b\"]",
     "a metric name is letters, digits"},
    {SW_HEAD SW_VARY "\"metrics\": {\"x\": \"messages.sent\", \"x\": \"messages.acked\"}}", "$.metrics.x",
     "duplicate key \"x\""},
    {SW_HEAD SW_VARY SW_METRICS ", \"name\": \"a/b\"}", "$.name", "\"a/b\" cannot name an output directory"},
    /* A metric path the runs' metrics.json cannot have: found before any run, from the metrics.json a run starts
     * with. */
    {SW_HEAD SW_VARY "\"metrics\": {\"x\": \"topicc.acked\"}}", "$.metrics.x",
     "topicc.acked: no key \"topicc\" in metrics.json (keys there: scenario, seed, run, sim_ms, events, ha, "
     "messages, topic, groups, invariants, engine)"},
    {SW_HEAD SW_VARY "\"metrics\": {\"x\": \"messages.sent / groups[1].acked\"}}", "$.metrics.x",
     "groups[1].acked: index [1] is past the end of an array of 1"},
    {SW_HEAD SW_VARY "\"metrics\": {\"x\": \"topic.latency_ms\"}}", "$.metrics.x",
     "topic.latency_ms: is an object in metrics.json, not a number"},
    /* Only queue-ordered producers give ordered_stall_ms: the second grid point has none. */
    {SW_HEAD "\"vary\": [{\"key\": \"producers.order\", \"values\": [\"queue\", \"none\"]}], "
     "\"metrics\": {\"x\": \"groups[0].ordered_stall_ms.max\"}}", "$.metrics.x",
     "no key \"ordered_stall_ms\" in metrics.json (keys there: name, sends, acked, failed, availability, "
     "throughput_per_s, write_unavailable_ms, read_unavailable_ms, write_outage_open_ms, read_outage_open_ms, "
     "latency_ms, failover, ...) (at the grid point producers.order=\"none\")"},
};

START_TEST(test_bad_sweep_file)
{
    char dir[96], file[256], out[256], want[1024];
    th_sweep_fixtures(dir, sizeof dir);
    th_join(file, sizeof file, dir, "bad.json");
    th_join(out, sizeof out, dir, "out");
    th_write(file, bad_sweeps[_i].text);
    struct th_cmd_result r;
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", file, "--out", out, NULL}, &r);
    th_assert_status(&r, 2, bad_sweeps[_i].text);
    snprintf(want, sizeof want, "mqsim: %s: %s: ", file, bad_sweeps[_i].path);
    ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0 && strstr(r.err, bad_sweeps[_i].msg) &&
                  th_count_lines(r.err) == 1 && r.err[strlen(r.err) - 1] == '\n',
                  "case %d: stderr\n%s-- expected one line starting\n%s\nand holding\n%s", _i, r.err, want,
                  bad_sweeps[_i].msg);
    ck_assert_msg(!th_exists(out), "case %d: %s was created", _i, out);
    ck_assert_str_eq(r.out, "");
    th_cmd_result_free(&r);
}
END_TEST

/* Usage mistakes: exit 2, one line, nothing written. */
START_TEST(test_sweep_usage)
{
    char dir[96], file[256], out[256];
    th_sweep_fixtures(dir, sizeof dir);
    th_join(file, sizeof file, dir, "small.json");
    th_join(out, sizeof out, dir, "out");
    const char *const cases[][8] = {
        {"sweep", NULL},
        {"sweep", file, "--jobs", "0", NULL},
        {"sweep", file, "--jobs", NULL},
        {"sweep", file, "--frobnicate", NULL},
        {"sweep", file, file, NULL},
        {"sweep", file, "--collect", NULL},
        {"sweep", file, "--list", "--collect", out, NULL},
        {"sweep", "/nonexistent/x.json", NULL},
    };
    for (int i = 0; i < N(cases); i++) {
        struct th_cmd_result r;
        const char *args[10] = {NULL};
        int n = 0;
        for (; cases[i][n]; n++)
            args[n] = cases[i][n];
        args[n++] = "--out";
        args[n++] = out;
        th_run_cmd(cmd_sweep, args, &r);
        th_assert_status(&r, 2, cases[i][1] ? cases[i][1] : "no file");
        ck_assert_msg(th_count_lines(r.err) == 1 && strncmp(r.err, "mqsim: ", 7) == 0, "case %d: %s", i, r.err);
        ck_assert_msg(!th_exists(out), "case %d created %s", i, out);
        th_cmd_result_free(&r);
    }
}
END_TEST

static Suite *sweep_grid_suite(void)
{
    Suite *s = suite_create("sweep_grid");
    TCase *tc = tcase_create("sweep file");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_grid_and_seeds);
    tcase_add_loop_test(tc, test_bad_sweep_file, 0, N(bad_sweeps));
    tcase_add_test(tc, test_sweep_usage);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (th_mqsim_find("test_sweep_grid") < 0 || th_root_make("sweep_grid") < 0)
        return 1;
    runner_set_exe(th_mqsim);
    return th_run_suite(sweep_grid_suite());
}
