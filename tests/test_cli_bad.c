/* test_cli_bad: mqsim on bad input, run as a child process: each mistake exits 2 with one exact line on stderr
 * that names the file and the JSON path, and writes nothing; `mqsim validate` says the same. */
#include <check.h>
#include <cJSON.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- the scenario the bad inputs are made from: the PHOLD demo world, in pieces ---- */

#define NAME_OK "\"name\": \"demo\""
#define RUN_OK "\"run\": {\"duration_ms\": 60000, \"seed\": 1, \"sample_ms\": 1000, \"trace\": \"events\"}"
#define PHOLD_OK "\"phold\": {\"lps\": 16, \"population\": 4, \"remote\": 0.9, \"lookahead_ms\": 0.1, \"mean_ms\": 1.0}"
#define NET_OK "\"network\": {\"loss\": 0.0}"
#define DISK_OK "\"disk\": {\"fsync_latency\": {\"const_ms\": 2}}"
#define FAULTS_OK                                                                                              \
    "\"faults\": [\n"                                                                                          \
    "    {\"at_ms\": 10000, \"op\": \"crash_host\", \"node\": \"lp-3\", \"duration_ms\": 5000},\n"           \
    "    {\"at_ms\": 20000, \"op\": \"crash_process\", \"node\": \"lp-4\"},\n"                                \
    "    {\"at_ms\": 25000, \"op\": \"restart\", \"node\": \"lp-4\"},\n"                                      \
    "    {\"at_ms\": 30000, \"op\": \"pause\", \"node\": \"lp-5\", \"duration_ms\": 2000},\n"                 \
    "    {\"at_ms\": 35000, \"op\": \"partition\", \"a\": [\"lp-0\", \"lp-1\"], \"b\": [\"lp-2\"], "         \
    "\"duration_ms\": 5000},\n"                                                                                \
    "    {\"at_ms\": 45000, \"op\": \"link\", \"from\": \"lp-6\", \"to\": \"lp-7\", "                         \
    "\"latency\": {\"dist\": \"uniform\", \"min_ms\": 5, \"max_ms\": 10}}\n"                                   \
    "  ]"
#define SCEN(name, run, phold, net, disk, faults)                                                              \
    "{\n  " name ",\n  " run ",\n  " phold ",\n  " net ",\n  " disk ",\n  " faults "\n}\n"
#define DEMO SCEN(NAME_OK, RUN_OK, PHOLD_OK, NET_OK, DISK_OK, FAULTS_OK)
/* The demo with its network section replaced. */
#define WITH_NET(net) SCEN(NAME_OK, RUN_OK, PHOLD_OK, net, DISK_OK, FAULTS_OK)
#define WITH_RUN(run) SCEN(NAME_OK, run, PHOLD_OK, NET_OK, DISK_OK, FAULTS_OK)
#define WITH_PHOLD(ph) SCEN(NAME_OK, RUN_OK, ph, NET_OK, DISK_OK, FAULTS_OK)
#define WITH_FAULTS(f) SCEN(NAME_OK, RUN_OK, PHOLD_OK, NET_OK, DISK_OK, f)
#define OUT "--out", "out"

/* The base is good: every row below fails for its own reason only. */
START_TEST(test_base_scenario_runs)
{
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "s.json", DEMO);
    th_run_in(dir, (const char *const[]){"s.json", OUT, "--quiet", NULL}, &r);
    th_assert_ok(&r, "the base scenario");
    ck_assert(th_exists_in(dir, "out/metrics.json"));
    th_result_free(&r);
}
END_TEST

/* ---- bad input: exit 2, one exact line on stderr, nothing written ---- */

enum { SP_NONE, SP_DIR, SP_TWO };

struct bad_case {
    const char *what;
    const char *text;       /* written to s.json first; NULL: no file */
    int special;            /* SP_DIR: s.json is a directory; SP_TWO: t.json exists too */
    const char *args[10];   /* mqsim's arguments */
    const char *err;        /* the expected stderr line, without its newline */
    int usage;              /* a command-line mistake: the usage text may follow the line */
    int validate;           /* `mqsim validate` with the same arguments (less --out) says the same */
};

static const struct bad_case bad_cases[] = {
    {"malformed JSON", "{\n  \"name\": \"demo\"\n  \"run\": {}\n}\n", 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $: invalid JSON at line 3, column 3", 0, 1},
    {"empty file", "", 0, {"s.json", OUT, NULL}, "mqsim: s.json: $: empty document, expected a JSON object", 0, 1},
    {"only whitespace", " \n\t\n", 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $: empty document, expected a JSON object", 0, 1},
    {"top level an array", "[" DEMO "]", 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $: expected an object, got an array", 0, 1},
    {"missing file", NULL, 0, {"missing.json", OUT, NULL},
     "mqsim: missing.json: $: cannot open: No such file or directory", 0, 1},
    {"a directory", NULL, SP_DIR, {"s.json", OUT, NULL}, "mqsim: s.json: $: cannot read: Is a directory", 0, 1},
    {"unknown top-level key", SCEN(NAME_OK, "\"rn\": {\"seed\": 1}", PHOLD_OK, NET_OK, DISK_OK, FAULTS_OK), 0,
     {"s.json", OUT, NULL}, "mqsim: s.json: $.rn: unknown key \"rn\" (did you mean \"run\"?)", 0, 1},
    {"unknown key in run", WITH_RUN("\"run\": {\"duration_ms\": 60000, \"sed\": 1}"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.run.sed: unknown key \"sed\" (did you mean \"seed\"?)", 0, 1},
    {"duplicate key", WITH_RUN("\"run\": {\"seed\": 1, \"seed\": 2}"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.run.seed: duplicate key \"seed\"", 0, 1},
    {"nothing to simulate", "{" NAME_OK ", " RUN_OK "}", 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $: nothing to simulate: expected a \"groups\" or \"phold\" section", 0, 1},
    {"duration a string", WITH_RUN("\"run\": {\"duration_ms\": \"abc\"}"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.run.duration_ms: expected a number, got string \"abc\"", 0, 1},
    {"negative duration", WITH_RUN("\"run\": {\"duration_ms\": -5}"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.run.duration_ms: must be between 1 and 2592000000 ms, got -5", 0, 1},
    {"absurd duration", WITH_RUN("\"run\": {\"duration_ms\": 1e300}"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.run.duration_ms: must be between 1 and 2592000000 ms, got 1e+300", 0, 1},
    {"bad trace level", WITH_RUN("\"run\": {\"trace\": \"verbose\"}"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.run.trace: expected \"off\", \"events\" or \"full\", got \"verbose\"", 0, 1},
    {"name with a slash", SCEN("\"name\": \"a/b\"", RUN_OK, PHOLD_OK, NET_OK, DISK_OK, FAULTS_OK), 0,
     {"s.json", OUT, NULL},
     "mqsim: s.json: $.name: \"a/b\" cannot name an output directory: use letters, digits, '-', '_' and '.'", 0,
     1},
    {"distribution without unit", WITH_NET("\"network\": {\"latency\": {\"dist\": \"exp\", \"mean\": 5}}"), 0,
     {"s.json", OUT, NULL},
     "mqsim: s.json: $.network.latency.mean: missing unit: \"mean\" must end in the unit of a duration "
     "(_ns, _us, _ms or _s)", 0, 1},
    {"distribution with a wrong unit",
     WITH_NET("\"network\": {\"latency\": {\"dist\": \"exp\", \"mean_bytes\": 5}}"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.network.latency.mean_bytes: wrong unit: expected a duration (_ns, _us, _ms or _s)", 0, 1},
    {"unknown distribution", WITH_NET("\"network\": {\"latency\": {\"dist\": \"gauss\", \"mean_ms\": 5}}"), 0,
     {"s.json", OUT, NULL},
     "mqsim: s.json: $.network.latency.dist: expected \"const\", \"uniform\", \"exp\", \"normal\", "
     "\"lognormal\", \"pareto\" or \"empirical\", got \"gauss\"", 0, 1},
    {"distribution not an object", WITH_NET("\"network\": {\"latency\": 5}"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.network.latency: expected a distribution object such as {\"const_ms\": 5}, got number 5",
     0, 1},
    /* The values must read in the unit the user wrote them in, not in nanoseconds ("max (5e+06) is below
     * min (1e+07)" today). */
    {"uniform max below min",
     WITH_NET("\"network\": {\"latency\": {\"dist\": \"uniform\", \"min_ms\": 10, \"max_ms\": 5}}"), 0,
     {"s.json", OUT, NULL}, "mqsim: s.json: $.network.latency: \"max_ms\" (5) is below \"min_ms\" (10)", 0, 1},
    {"network loss 2", WITH_NET("\"network\": {\"loss\": 2}"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.network.loss: must be between 0 and 1, got 2", 0, 1},
    {"phold.lps 0", WITH_PHOLD("\"phold\": {\"lps\": 0}"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.phold.lps: must be between 1 and 4096, got 0", 0, 1},
    {"phold.lps 1e12", WITH_PHOLD("\"phold\": {\"lps\": 1e12}"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.phold.lps: must be between 1 and 4096, got 1000000000000", 0, 1},
    {"fault with unknown op", WITH_FAULTS("\"faults\": [{\"at_ms\": 1000, \"op\": \"explode\", \"node\": \"lp-1\"}]"),
     0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.faults[0].op: expected \"crash_process\", \"crash_host\", \"restart\", \"pause\", "
     "\"partition\", \"heal\", \"link\" or \"disk_stall\", got \"explode\"", 0, 1},
    {"fault naming an unknown node",
     WITH_FAULTS("\"faults\": [{\"at_ms\": 1000, \"op\": \"crash_host\", \"node\": \"lp-99\"}]"), 0,
     {"s.json", OUT, NULL}, "mqsim: s.json: $.faults[0].node: no node named \"lp-99\"", 0, 1},
    {"fault without op", WITH_FAULTS("\"faults\": [{\"at_ms\": 1000}]"), 0, {"s.json", OUT, NULL},
     "mqsim: s.json: $.faults[0]: missing \"op\"", 0, 1},
    /* Values each in range, but together they leave nothing to measure. */
    {"warm-up as long as the run", WITH_RUN("\"run\": {\"duration_ms\": 60000, \"warmup_ms\": 60000}"), 0,
     {"s.json", OUT, NULL},
     "mqsim: s.json: $.run.warmup_ms: 60000 ms is not before the run's end (run.duration_ms 60000): nothing "
     "would be measured", 0, 1},

    /* --set: the value lands in the tree and is checked like the file's own; a bad path names the argument. */
    {"--set breaking a type", DEMO, 0, {"s.json", "--set", "run.seed=\"x\"", OUT, NULL},
     "mqsim: s.json: $.run.seed: expected an integer, got string \"x\" (from --set run.seed=\"x\")", 0, 1},
    /* An argument that cannot apply is named once, after the file and the path, as a value's error names it; a
     * later one, never applied, is not blamed. */
    {"--set through a number, a later --set at its path", DEMO, 0,
     {"s.json", "--set", "run.seed.x=1", "--set", "run.seed=\"x\"", OUT, NULL},
     "mqsim: s.json: $.run.seed: expected an object, got number 1 (from --set run.seed.x=1)", 0, 1},
    {"--set with an empty key", DEMO, 0, {"s.json", "--set", "run..x=1", OUT, NULL},
     "mqsim: s.json: $.run: empty key (from --set run..x=1)", 0, 1},
    {"--set without =", DEMO, 0, {"s.json", "--set", "run.seed", OUT, NULL},
     "mqsim: s.json: missing \"=\", expected --set PATH=VALUE (from --set run.seed)", 0, 1},
    {"--set index out of range", DEMO, 0, {"s.json", "--set", "faults[9].at_ms=1", OUT, NULL},
     "mqsim: s.json: $.faults[9]: index 9 out of range, the array has 6 elements (from --set faults[9].at_ms=1)",
     0, 1},
    {"--set fewer LPs than the faults name", DEMO, 0, {"s.json", "--set", "phold.lps=4", OUT, NULL},
     "mqsim: s.json: $.faults[1].node: no node named \"lp-4\"", 0, 1},

    /* Command-line mistakes. */
    {"--seed abc", DEMO, 0, {"s.json", "--seed", "abc", OUT, NULL},
     "mqsim: --seed: expected an integer from 0 to 2^53 - 1, got \"abc\"", 1, 0},
    {"--seed -1", DEMO, 0, {"s.json", "--seed", "-1", OUT, NULL},
     "mqsim: --seed: expected an integer from 0 to 2^53 - 1, got \"-1\"", 1, 0},
    {"--seed beyond 2^53", DEMO, 0, {"s.json", "--seed", "9007199254740993", OUT, NULL},
     "mqsim: --seed: expected an integer from 0 to 2^53 - 1, got \"9007199254740993\"", 1, 0},
    {"unknown option", DEMO, 0, {"--bogus", "s.json", OUT, NULL}, "mqsim: unknown option \"--bogus\" (mqsim help run lists the options)", 1, 0},
    /* Last on the line it is still unknown, not an option short of its value. */
    {"unknown option last", DEMO, 0, {"s.json", OUT, "--bogus", NULL}, "mqsim: unknown option \"--bogus\" (mqsim help run lists the options)", 1, 0},
    {"ambiguous abbreviation", DEMO, 0, {"s.json", "--se", "3", OUT, NULL},
     "mqsim: option \"--se\" is ambiguous: --seed, --set", 1, 0},
    {"a value for a flag", DEMO, 0, {"s.json", "--quiet=yes", OUT, NULL},
     "mqsim: option \"--quiet\" takes no value, got \"--quiet=yes\"", 1, 0},
    {"--seed=abc", DEMO, 0, {"s.json", "--seed=abc", OUT, NULL},
     "mqsim: --seed: expected an integer from 0 to 2^53 - 1, got \"abc\"", 1, 0},
    {"unknown short option", DEMO, 0, {"s.json", "-x", OUT, NULL},
     "mqsim: unknown option \"-x\" (mqsim help run lists the options)", 1, 0},
    {"validate takes no --seed", DEMO, 0, {"validate", "s.json", "--seed", "3", NULL},
     "mqsim: unknown option \"--seed\" (mqsim help validate lists the options)", 1, 0},
    {"option without its value", DEMO, 0, {"s.json", OUT, "--trace", NULL},
     "mqsim: option \"--trace\" needs a value", 1, 0},
    {"an empty --out", DEMO, 0, {"s.json", "--out=", NULL},
     "mqsim: option \"--out\" needs a value, got an empty one", 1, 0},
    {"an empty --seed", DEMO, 0, {"s.json", "--seed", "", OUT, NULL},
     "mqsim: option \"--seed\" needs a value, got an empty one", 1, 0},
    /* A command-line value, not a place in s.json: said like --seed's (today "mqsim: s.json: --trace: ..."). */
    {"--trace bogus", DEMO, 0, {"s.json", "--trace", "bogus", OUT, NULL},
     "mqsim: --trace: expected \"off\", \"events\" or \"full\", got \"bogus\"", 1, 0},
    {"two scenarios", DEMO, SP_TWO, {"s.json", "t.json", OUT, NULL},
     "mqsim: one scenario at a time; unexpected \"t.json\"", 1, 0},
    {"no scenario file", NULL, 0, {OUT, "--quiet", NULL}, "mqsim: no scenario file given", 1, 0},
    {"no arguments at all", NULL, 0, {NULL}, "mqsim: no scenario file given", 1, 0},
    /* bench's values: the option and what it takes (it said "bad value for an option"). */
    {"bench --lps abc", NULL, 0, {"bench", "phold", "--lps", "abc", NULL},
     "mqsim: bench: --lps: expected an integer from 1 to 1000000, got \"abc\"", 1, 0},
    {"bench --remote=2", NULL, 0, {"bench", "phold", "--remote=2", NULL},
     "mqsim: bench: --remote: expected a fraction from 0 to 1, got \"2\"", 1, 0},
    /* A file of the other kind: said so, not "unknown key". */
    {"a sweep file run as a scenario", "{\"base\": \"t.json\", \"vary\": {\"run.seed\": [1, 2]}}", 0,
     {"s.json", OUT, NULL},
     "mqsim: s.json: $: a sweep file (it has \"base\" and \"vary\"), not a scenario: run it with mqsim sweep", 0, 0},
    {"a scenario given to sweep", DEMO, 0, {"sweep", "s.json", OUT, NULL},
     "mqsim: s.json: $: a scenario (it has \"run\" and no \"base\"), not a sweep file: run it with mqsim run, or "
     "name it as a sweep's \"base\"", 0, 0},
    {"a mistyped command", DEMO, 0, {"compre", "s.json", OUT, NULL},
     "mqsim: no command \"compre\" (run, validate, compare, sweep, plot, timeline, explore, bench; or a scenario "
     "file)", 1, 0},
};

/* Prepares a row's files in dir and returns the listing they make, which must be all there is afterwards. */
static const char *bad_setup(const struct bad_case *c, const char *dir)
{
    if (c->special == SP_DIR) {
        char p[512];
        th_join(p, sizeof p, dir, "s.json");
        ck_assert_int_eq(mkdir(p, 0777), 0);
        return "s.json\n";
    }
    if (c->special == SP_TWO)
        th_write_in(dir, "t.json", DEMO);
    if (c->text)
        th_write_in(dir, "s.json", c->text);
    return c->special == SP_TWO ? "s.json\nt.json\n" : c->text ? "s.json\n" : "";
}

START_TEST(test_bad_input)
{
    const struct bad_case *c = &bad_cases[_i];
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    const char *listing = bad_setup(c, dir);
    th_run_in(dir, c->args, &r);
    th_assert_exit(&r, 2, c->what);
    th_assert_stderr_line(&r, c->err, c->usage, c->what);
    ck_assert_msg(r.out_len == 0, "%s: unexpected stdout:\n%s", c->what, r.out);
    /* No --out directory, no default out/, no temporary file: exactly what the test wrote. */
    ck_assert_msg(!th_exists_in(dir, "out"), "%s: the output directory was created", c->what);
    th_assert_dir_holds(dir, listing, c->what);
    th_result_free(&r);
}
END_TEST

/* `mqsim validate` says exactly what a run says about a bad file, and writes nothing either. */
/* The rows of bad_cases with .validate set, filled by cli_suite. */
static int validate_rows[N(bad_cases)];

START_TEST(test_validate_bad_input)
{
    const struct bad_case *c = &bad_cases[validate_rows[_i]];
    char dir[96];
    const char *args[12] = {"validate"};
    int n = 1;
    for (int i = 0; c->args[i]; i++) {
        if (strcmp(c->args[i], "--out") == 0) {
            i++;
            continue;
        }
        args[n++] = c->args[i];
    }
    args[n] = NULL;
    struct th_result r;
    th_scratch(dir, sizeof dir);
    const char *listing = bad_setup(c, dir);
    th_run_in(dir, args, &r);
    th_assert_exit(&r, 2, c->what);
    th_assert_stderr_line(&r, c->err, 0, c->what);
    ck_assert_msg(r.out_len == 0, "%s: unexpected stdout:\n%s", c->what, r.out);
    th_assert_dir_holds(dir, listing, c->what);
    th_result_free(&r);
}
END_TEST

/* A fault whose time is a number after the run's end will not happen. That is not an error (a run cut short
 * on purpose is common) but it is said, once, on stderr: by validate, and by a run unless --quiet. */
#define LATE_NOTE                                                                                              \
    "mqsim: note: s.json: $.faults[5].at_ms: 45000 ms is after the run's end (run.duration_ms 40000): that "    \
    "fault does not happen in this run"
START_TEST(test_fault_after_the_end_is_noted)
{
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "s.json", DEMO);
    th_run_in(dir, (const char *const[]){"s.json", "--set", "run.duration_ms=40000", OUT, NULL}, &r);
    th_assert_exit(&r, 0, "a run cut before its last fault");
    th_assert_stderr_line(&r, LATE_NOTE, 0, "a run cut before its last fault");
    th_result_free(&r);
    th_run_in(dir, (const char *const[]){"validate", "s.json", "--set", "run.duration_ms=40000", NULL}, &r);
    th_assert_exit(&r, 0, "validate");
    th_assert_stderr_line(&r, LATE_NOTE, 0, "validate");
    th_result_free(&r);
    th_run_in(dir, (const char *const[]){"s.json", "--set", "run.duration_ms=40000", OUT, "--quiet", NULL}, &r);
    th_assert_ok(&r, "--quiet");
    th_result_free(&r);
}
END_TEST

/* The edges: a fault at the run's last instant happens, a fault time drawn from a distribution may fall
 * after the end (one seed's draw, not a mistake), and a warm-up just short of the end leaves a window to
 * measure. None is an error and none is noted. */
START_TEST(test_fault_and_warmup_edges_run)
{
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "s.json",
                SCEN(NAME_OK, "\"run\": {\"duration_ms\": 60000, \"warmup_ms\": 59999}", PHOLD_OK, NET_OK, DISK_OK,
                     "\"faults\": [{\"at_ms\": 60000, \"op\": \"crash_host\", \"node\": \"lp-1\"},\n"
                     "    {\"at_ms\": {\"dist\": \"uniform\", \"min_ms\": 70000, \"max_ms\": 80000}, "
                     "\"op\": \"crash_host\", \"node\": \"lp-2\"}]"));
    th_run_in(dir, (const char *const[]){"validate", "s.json", NULL}, &r);
    th_assert_exit(&r, 0, "validate");
    ck_assert_msg(r.err_len == 0, "validate: unexpected stderr:\n%s", r.err);
    th_result_free(&r);
    th_run_in(dir, (const char *const[]){"s.json", OUT, NULL}, &r);
    th_assert_exit(&r, 0, "a fault at the end, a drawn one after it, a warm-up 1 ms short of the end");
    ck_assert_msg(r.err_len == 0, "unexpected stderr:\n%s", r.err);
    ck_assert(th_exists_in(dir, "out/metrics.json"));
    th_result_free(&r);
}
END_TEST

/* A seed the user wrote must be the seed that runs. JSON numbers are doubles: 9007199254740993 (2^53 + 1) reads
 * as 9007199254740992, which is accepted today and the run goes ahead with another seed than the one written.
 * 2^53 itself is ambiguous for the same reason. */
START_TEST(test_seed_not_exact_in_json)
{
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "s.json", WITH_RUN("\"run\": {\"seed\": 9007199254740993}"));
    th_run_in(dir, (const char *const[]){"s.json", OUT, "--quiet", NULL}, &r);
    if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) {
        char out[128];
        th_join(out, sizeof out, dir, "out");
        cJSON *m = th_metrics_of(out);
        double seed = th_num(m, "seed");
        cJSON_Delete(m);
        ck_abort_msg("\"seed\": 9007199254740993 was accepted (metrics.json says seed %.0f)", seed);
    }
    th_assert_exit(&r, 2, "run.seed 2^53 + 1");
    const char *prefix = "mqsim: s.json: $.run.seed: ";
    ck_assert_msg(strncmp(r.err, prefix, strlen(prefix)) == 0 && strchr(r.err, '\n') == r.err + r.err_len - 1,
                  "stderr:\n%s-- expected one line starting \"%s\"", r.err, prefix);
    th_assert_dir_holds(dir, "s.json\n", "run.seed 2^53 + 1");
    th_result_free(&r);
}
END_TEST

static Suite *cli_bad_suite(void)
{
    Suite *s = suite_create("cli_bad");
    TCase *tc = tcase_create("bad input");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_base_scenario_runs);
    tcase_add_loop_test(tc, test_bad_input, 0, N(bad_cases));
    int nv = 0;
    for (int i = 0; i < N(bad_cases); i++)
        if (bad_cases[i].validate)
            validate_rows[nv++] = i;
    tcase_add_loop_test(tc, test_validate_bad_input, 0, nv);
    tcase_add_test(tc, test_seed_not_exact_in_json);
    tcase_add_test(tc, test_fault_after_the_end_is_noted);
    tcase_add_test(tc, test_fault_and_warmup_edges_run);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (th_mqsim_find("test_cli_bad") < 0 || th_root_make("cli_bad") < 0)
        return 1;
    return th_run_suite(cli_bad_suite());
}
