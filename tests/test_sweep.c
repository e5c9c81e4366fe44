/* test_sweep: the multi-run commands. mqsim compare and mqsim sweep are called in-process (in a forked child,
 * their stdout and stderr captured); their runs are child processes of the mqsim binary under test ($MQSIM,
 * else ./mqsim). Metric expressions; grid and seeds; results.csv and summary.csv against statistics computed
 * here; resume after SIGINT and after adding seeds; --list + --collect byte for byte; bad sweep files with
 * their JSON paths; compare's table, CSV and JSON; and an MPI sweep against a local one (skipped without an
 * MPI build and mpirun). Scenarios are tiny (20 simulated seconds, 200 messages a second) so all of it takes
 * a few seconds. */
#include <check.h>
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "models/cmd/compare.h"
#include "sim/lab/mexpr.h"
#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "sim/sha256.h"
#include "models/cmd/sweep.h"
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define CHILD_LIMIT_S 100

static char *g_mqsim;           /* absolute path of the binary the runs use */

/* A master crash at 3 s that the operator repairs within seconds; producers refresh routes every 2 s. */
#define CRASH_FIXTURE(NAME, REACTION_MS, FAULTS)                                                              \
    "{\"name\": \"" NAME "\",\n"                                                                               \
    " \"run\": {\"duration_ms\": 20000, \"trace\": \"off\"},\n"                                                \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],\n"                                              \
    " \"producers\": {\"count\": 1, \"rate_per_s\": 200, \"poll_name_server_interval_ms\": 2000},\n"          \
    " \"consumers\": {\"count\": 1},\n"                                                                        \
    " \"operator\": {\"probe_interval_ms\": 2000, \"probe_timeout_ms\": 1000,\n"                              \
    "   \"alert_delay\": {\"dist\": \"uniform\", \"min_ms\": 500, \"max_ms\": 1500},\n"                       \
    "   \"reaction\": {\"const_ms\": " REACTION_MS "},\n"                                                      \
    "   \"procedure\": {\"dist\": \"uniform\", \"min_ms\": 1000, \"max_ms\": 3000}},\n"                        \
    " \"faults\": [" FAULTS "]}\n"

#define CRASH_AT_3S "{\"at_ms\": 3000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}"

/* Two grid keys, 2 x 2 points, 3 seeds: 12 runs. detect_ms differs from seed to seed. */
static const char small_sweep[] =
    "{\"name\": \"small\",\n"
    " \"base\": \"crash.json\",\n"
    " \"set\": {\"run.duration_ms\": 15000},\n"
    " \"vary\": [{\"key\": \"operator.reaction.const_ms\", \"values\": [500, 3000]},\n"
    "          {\"key\": \"producers.rate_per_s\", \"values\": [100, 200]}],\n"
    " \"seeds\": 3,\n"
    " \"metrics\": {\"detect_ms\": \"groups[0].failover.detected_ms\",\n"
    "             \"acked_frac\": \"messages.acked / messages.sent\",\n"
    "             \"down_ms\": \"groups[0].failover.downtime_ms\",\n"
    "             \"lost_per_fail\": \"messages.acked_lost / (messages.send_failed + messages.duplicates)\"}}\n";

/* ---- files ---- */

static int exists_in(const char *dir, const char *name)
{
    char p[512];
    th_join(p, sizeof p, dir, name);
    return th_exists(p);
}

/* Names in dir starting with prefix. */
static int count_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* A scratch directory holding crash.json, crash_slow.json, steady.json and small.json. */
static void fixtures(char *dir, size_t size)
{
    th_scratch(dir, size);
    th_write_in(dir, "crash.json", CRASH_FIXTURE("tiny_crash", "1000", CRASH_AT_3S));
    th_write_in(dir, "crash_slow.json", CRASH_FIXTURE("tiny_crash_slow", "4000", CRASH_AT_3S));
    th_write_in(dir, "steady.json", CRASH_FIXTURE("tiny_steady", "1000", ""));
    th_write_in(dir, "small.json", small_sweep);
}

/* ---- calling the commands ---- */

typedef int (*cmd_fn)(int, char **);

struct result {
    int status;         /* exit status; 128 + N when killed by signal N */
    char *out, *err;
};

static void result_free(struct result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

static int anon_fd(void)
{
    char p[96];
    snprintf(p, sizeof p, "%s/io-XXXXXX", th_root);
    int fd = mkstemp(p);
    ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
    unlink(p);
    return fd;
}

static char *slurp_fd(int fd)
{
    off_t end = lseek(fd, 0, SEEK_END);
    ck_assert(end >= 0);
    char *buf = malloc((size_t)end + 1);
    ck_assert_ptr_nonnull(buf);
    ssize_t got = end ? pread(fd, buf, (size_t)end, 0) : 0;
    ck_assert(got == end);
    buf[end] = '\0';
    close(fd);
    return buf;
}

/* Starts fn in a child process with stdout and stderr going to *fo and *fe. args[0] is the command word
 * ("sweep", "compare"); fn gets what follows it, as main passes it. */
static pid_t spawn(cmd_fn fn, const char *const *args, int *fo, int *fe)
{
    char *argv[64];
    int argc = 0;
    for (; args[argc + 1]; argc++) {
        ck_assert(argc < N(argv) - 1);
        argv[argc] = (char *)args[argc + 1];
    }
    argv[argc] = NULL;
    *fo = anon_fd();
    *fe = anon_fd();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (dup2(*fo, 1) < 0 || dup2(*fe, 2) < 0)
            _exit(126);
        alarm(CHILD_LIMIT_S);
        int rc = fn(argc, argv);
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    return pid;
}

static void collect(pid_t pid, int fo, int fe, struct result *r)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ck_assert_msg(errno == EINTR, "waitpid: %s", strerror(errno));
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->out = slurp_fd(fo);
    r->err = slurp_fd(fe);
}

static void run_cmd(cmd_fn fn, const char *const *args, struct result *r)
{
    int fo, fe;
    pid_t pid = spawn(fn, args, &fo, &fe);
    collect(pid, fo, fe, r);
}

static void assert_status(const struct result *r, int code, const char *what)
{
    ck_assert_msg(r->status == code, "%s: exit status %d, expected %d; stderr:\n%s\nstdout:\n%s", what, r->status,
                  code, r->err, r->out);
}

/* Runs a shell command line (from --list); returns its exit status. */
static int shell(const char *line)
{
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        alarm(CHILD_LIMIT_S);
        execl("/bin/sh", "sh", "-c", line, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ck_assert(errno == EINTR);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- CSV ---- */

/* Splits one CSV line (no quoted fields in these tests) into at most max fields; returns the count. */
static int split(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == ',') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

static int column(const char *header, const char *name)
{
    char *h = strdup(header), *f[64];
    int n = split(h, f, 64), k = -1;
    for (int i = 0; i < n; i++)
        if (strcmp(f[i], name) == 0)
            k = i;
    free(h);
    ck_assert_msg(k >= 0, "no column \"%s\" in %s", name, header);
    return k;
}

/* Every line of a results.csv is complete and has the header's number of fields. */
static void assert_complete_csv(const char *text, int *rows)
{
    size_t len = strlen(text);
    ck_assert_msg(len > 0 && text[len - 1] == '\n', "results.csv does not end with a line end:\n%s", text);
    int lines = th_count_lines(text);
    char *h = th_line_at(text, 0), *f[64];
    int want = split(h, f, 64);
    free(h);
    for (int i = 1; i < lines; i++) {
        char *l = th_line_at(text, i);
        int got = split(l, f, 64);
        ck_assert_msg(got == want, "line %d has %d fields, the header %d", i + 1, got, want);
        free(l);
    }
    *rows = lines - 1;
}

/* ======================================================================================================
 * metric expressions
 * ====================================================================================================== */

static const char metrics_doc[] =
    "{\"messages\": {\"sent\": 100, \"acked\": 80, \"acked_lost\": 0},"
    " \"groups\": [{\"name\": \"a\", \"failover\": null, \"reads\": {\"master\": 30, \"slave\": 10},"
    "               \"lag\": {\"max_bytes\": 4096}},"
    "              {\"name\": \"b\", \"failover\": {\"crash_ms\": 60000, \"downtime_ms\": null},"
    "               \"reads\": {\"master\": 0, \"slave\": 0}}]}";

static const struct { const char *expr; double want; } good_exprs[] = {
    {"messages.acked", 80},
    {"groups[0].lag.max_bytes", 4096},
    {"groups[0].reads.slave / (groups[0].reads.master + groups[0].reads.slave)", 0.25},
    {"  groups[0].reads.slave/(groups[0].reads.master+groups[0].reads.slave)  ", 0.25},
    {"(messages.acked + messages.acked_lost) / messages.sent", 0.8},
    {"(messages.acked)", 80},
    {"messages.acked / (messages.sent)", 0.8},
    {"groups[1].failover.crash_ms", 60000},
    {"groups[1].failover.downtime_ms", NAN},                  /* null */
    {"groups[0].failover.downtime_ms", NAN},                  /* null on the way */
    {"groups[1].reads.slave / (groups[1].reads.master + groups[1].reads.slave)", NAN},   /* 0 / 0 */
    {"messages.acked / messages.acked_lost", NAN},            /* x / 0 */
    /* Arithmetic: * and / before + and -, left to right, parentheses, numbers, unary minus. */
    {"messages.sent - messages.acked", 20},
    {"messages.sent - messages.acked - 5", 15},               /* (100 - 80) - 5, not 100 - (80 - 5) */
    {"messages.sent / 10 / 2", 5},                            /* (100 / 10) / 2 */
    {"1 + 2 * 3", 7},
    {"(1 + 2) * 3", 9},
    {"2 * 3 + 4 * 5", 26},
    {"100 * messages.acked / messages.sent", 80},
    {"messages.acked / messages.sent * 100", 80},
    {"1 - messages.acked / messages.sent", 0.2},
    {"-messages.acked + 100", 20},
    {"- (messages.sent - messages.acked) * 2", -40},
    {"2 - -3", 5},
    {"messages.sent * 1e-3", 0.1},
    {"0.5 * groups[0].lag.max_bytes / 1024", 2},
    {".25 * 4", 1},
    {"((messages.sent))", 100},
    {"messages.acked * groups[0].failover.crash_ms", NAN},    /* null on the way, through * */
    {"1 + groups[1].failover.downtime_ms", NAN},              /* null, through + */
    {"messages.sent / (messages.acked - 80)", NAN},           /* x / 0 */
};

START_TEST(test_mexpr_good)
{
    cJSON *doc = cJSON_Parse(metrics_doc);
    ck_assert_ptr_nonnull(doc);
    char err[256];
    struct mexpr *e = mexpr_parse(good_exprs[_i].expr, err, sizeof err);
    ck_assert_msg(e != NULL, "\"%s\": %s", good_exprs[_i].expr, err);
    double v = mexpr_eval(e, doc, err, sizeof err);
    ck_assert_msg(err[0] == '\0', "\"%s\": %s", good_exprs[_i].expr, err);
    if (isnan(good_exprs[_i].want))
        ck_assert_msg(isnan(v), "\"%s\" = %g, expected NaN", good_exprs[_i].expr, v);
    else
        ck_assert_msg(fabs(v - good_exprs[_i].want) < 1e-12, "\"%s\" = %g, expected %g", good_exprs[_i].expr, v,
                      good_exprs[_i].want);
    mexpr_free(e);
    cJSON_Delete(doc);
}
END_TEST

static const struct { const char *expr, *err; } bad_exprs[] = {
    {"", "empty expression"},
    {"   ", "empty expression"},
    {"groups[0].reads.slave ^ 2", "in \"groups[0].reads.slave ^ 2\": unexpected \"^\" at column 23: expected an "
                                  "operator (+ - * /) or the end"},
    {"messages.acked +", "in \"messages.acked +\": unexpected end at column 17: expected a number, a path"},
    {"a * * b", "in \"a * * b\": unexpected \"*\" at column 5: expected a number, a path"},
    {"(a + b", "in \"(a + b\": unexpected end at column 7: expected an operator (+ - * /) or \")\""},
    {"(a + b))", "in \"(a + b))\": unexpected \")\" at column 8: expected an operator (+ - * /) or the end"},
    {"()", "in \"()\": unexpected \")\" at column 2: expected a number, a path"},
    {"a.", "in \"a.\": unexpected end at column 3: expected a key after \".\""},
    {"a..b", "unexpected \".\" at column 3: expected a key after \".\""},
    {"a[x]", "unexpected \"x\" at column 3: expected an index (digits)"},
    {"a[1", "unexpected end at column 4: expected \"]\""},
    {"a[-1]", "unexpected \"-\" at column 3: expected an index"},
    {"$.messages.acked", "unexpected \"$\" at column 1: expected a number, a path"},
    {"1 / messages.sent 2", "unexpected \"2\" at column 19: expected an operator (+ - * /) or the end"},
    {"a /", "unexpected end at column 4: expected a number, a path"},
    {"a b", "unexpected \"b\" at column 3: expected an operator (+ - * /) or the end"},
    {"1.", "unexpected end at column 3: expected a digit after \".\""},
    {"2e", "unexpected end at column 3: expected the exponent's digits"},
    {"1e999", "unexpected \"1\" at column 1: expected a number small enough for a double"},
    {"a[99999999999]", "a smaller index"},
    {"messages.acked\n", "unexpected byte 0x0a at column 15"},
    {"((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((a", "at column 65: expected fewer nested"},
};

START_TEST(test_mexpr_bad)
{
    char err[256] = "";
    struct mexpr *e = mexpr_parse(bad_exprs[_i].expr, err, sizeof err);
    ck_assert_msg(e == NULL, "\"%s\" was accepted", bad_exprs[_i].expr);
    ck_assert_msg(strstr(err, bad_exprs[_i].err) != NULL, "\"%s\": got\n  %s\nexpected\n  %s", bad_exprs[_i].expr,
                  err, bad_exprs[_i].err);
}
END_TEST

/* A path metrics.json does not have is reported (the first run checks), and reads as NaN. */
START_TEST(test_mexpr_missing_path)
{
    static const struct { const char *expr, *err; } cases[] = {
        {"groups[0].reads.slav", "groups[0].reads.slav: no key \"slav\" in metrics.json (keys there: master, slave)"},
        {"groups[5].reads.slave", "groups[5].reads.slave: index [5] is past the end of an array of 2"},
        {"messages[0]", "messages[0]: [0] indexes something that is not an array"},
        {"groups[0].name", "groups[0].name: is a string in metrics.json, not a number"},
        {"messages.acked / groups[0].reads", "groups[0].reads: is an object in metrics.json, not a number"},
    };
    cJSON *doc = cJSON_Parse(metrics_doc);
    for (int i = 0; i < N(cases); i++) {
        char err[256];
        struct mexpr *e = mexpr_parse(cases[i].expr, err, sizeof err);
        ck_assert_msg(e != NULL, "%s: %s", cases[i].expr, err);
        double v = mexpr_eval(e, doc, err, sizeof err);
        ck_assert_msg(isnan(v), "%s: %g", cases[i].expr, v);
        ck_assert_msg(strcmp(err, cases[i].err) == 0, "%s: got\n  %s\nexpected\n  %s", cases[i].expr, err,
                      cases[i].err);
        ck_assert(isnan(mexpr_eval(e, doc, NULL, 0)));
        mexpr_free(e);
    }
    cJSON_Delete(doc);
}
END_TEST

/* ======================================================================================================
 * the sweep file and its grid
 * ====================================================================================================== */

START_TEST(test_grid_and_seeds)
{
    char dir[96], path[256];
    fixtures(dir, sizeof dir);
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
    struct result r;
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--list", NULL}, &r);
    assert_status(&r, 0, "--list");
    ck_assert_int_eq(th_count_lines(r.out), 24);
    for (int k = 0; k < 24; k++) {
        char *l = th_line_at(r.out, k), want_seed[32], want_dir[400], want_flush[64], want_rate[64];
        snprintf(want_seed, sizeof want_seed, " --seed %d ", 10 + k % 4);
        snprintf(want_dir, sizeof want_dir, "--out %s/runs/%s ", out, names[k]);
        snprintf(want_flush, sizeof want_flush, " --set 'groups[0].flush=\"%s\"'", k / 12 ? "SYNC_FLUSH"
                                                                                           : "ASYNC_FLUSH");
        snprintf(want_rate, sizeof want_rate, " --set producers.rate_per_s=%s", (const char *[]){"100", "250.5",
                 "400"}[k / 4 % 3]);
        ck_assert_msg(strncmp(l, g_mqsim, strlen(g_mqsim)) == 0, "line %d: %s", k, l);
        ck_assert_msg(strstr(l, want_base) && strstr(l, want_seed) && strstr(l, want_dir) && strstr(l, want_flush)
                      && strstr(l, want_rate) && strstr(l, " --set run.duration_ms=9000") &&
                      strstr(l, " --quiet --trace off"), "line %d: %s", k, l);
        free(l);
    }
    ck_assert_msg(!th_exists(out), "--list created %s", out);
    result_free(&r);
}
END_TEST

/* ---- bad sweep files ---- */

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
};

START_TEST(test_bad_sweep_file)
{
    char dir[96], file[256], out[256], want[1024];
    fixtures(dir, sizeof dir);
    th_join(file, sizeof file, dir, "bad.json");
    th_join(out, sizeof out, dir, "out");
    th_write(file, bad_sweeps[_i].text);
    struct result r;
    run_cmd(cmd_sweep, (const char *const[]){"sweep", file, "--out", out, NULL}, &r);
    assert_status(&r, 2, bad_sweeps[_i].text);
    snprintf(want, sizeof want, "mqsim: %s: %s: ", file, bad_sweeps[_i].path);
    ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0 && strstr(r.err, bad_sweeps[_i].msg) &&
                  th_count_lines(r.err) == 1 && r.err[strlen(r.err) - 1] == '\n',
                  "case %d: stderr\n%s-- expected one line starting\n%s\nand holding\n%s", _i, r.err, want,
                  bad_sweeps[_i].msg);
    ck_assert_msg(!th_exists(out), "case %d: %s was created", _i, out);
    ck_assert_str_eq(r.out, "");
    result_free(&r);
}
END_TEST

/* Usage mistakes: exit 2, one line, nothing written. */
START_TEST(test_sweep_usage)
{
    char dir[96], file[256], out[256];
    fixtures(dir, sizeof dir);
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
        struct result r;
        const char *args[10] = {NULL};
        int n = 0;
        for (; cases[i][n]; n++)
            args[n] = cases[i][n];
        args[n++] = "--out";
        args[n++] = out;
        run_cmd(cmd_sweep, args, &r);
        assert_status(&r, 2, cases[i][1] ? cases[i][1] : "no file");
        ck_assert_msg(th_count_lines(r.err) == 1 && strncmp(r.err, "mqsim: ", 7) == 0, "case %d: %s", i, r.err);
        ck_assert_msg(!th_exists(out), "case %d created %s", i, out);
        result_free(&r);
    }
}
END_TEST

/* ======================================================================================================
 * running sweeps
 * ====================================================================================================== */

/* Runs the sweep file in dir into dir/<outname>; asserts exit 0. */
static void sweep_ok(const char *dir, const char *file, const char *outname, const char *jobs, struct result *r)
{
    char path[256], out[256];
    th_join(path, sizeof path, dir, file);
    th_join(out, sizeof out, dir, outname);
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--jobs", jobs, NULL}, r);
    assert_status(r, 0, outname);
}

/* t(0.975, 2), from tables (Student 1908; any statistics text): the 95% two-sided quantile with 2 degrees
 * of freedom, as used for three seeds. */
#define T975_DF2 4.302652729911275

START_TEST(test_sweep_results_and_ci)
{
    char dir[96], out[256];
    struct result r;
    fixtures(dir, sizeof dir);
    sweep_ok(dir, "small.json", "out", "2", &r);
    th_join(out, sizeof out, dir, "out");
    ck_assert_msg(strstr(r.out, "sweep small: 12 of 12 runs") != NULL, "%s", r.out);
    result_free(&r);
    ck_assert_int_eq(count_entries(out, ".sweep-runs"), 0);

    char *res = th_read_in(out, "results.csv"), *sum = th_read_in(out, "summary.csv");
    int rows;
    assert_complete_csv(res, &rows);
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
    int c_n = column(sh, "detect_ms_n"), c_mean = column(sh, "detect_ms_mean"), c_sd = column(sh, "detect_ms_sd"),
        c_lo = column(sh, "detect_ms_ci95_lo"), c_hi = column(sh, "detect_ms_ci95_hi"),
        c_med = column(sh, "detect_ms_median"), c_p95 = column(sh, "detect_ms_p95"), c_runs = column(sh, "runs"),
        c_viol = column(sh, "violations"), c_det = column(h, "detect_ms");
    ck_assert_int_eq(th_count_lines(sum), 5);
    int spread = 0;
    for (int p = 0; p < 4; p++) {
        double x[3];
        for (int s = 0; s < 3; s++) {
            char *l = th_line_at(res, p * 3 + s + 1), *f[16];
            split(l, f, 16);
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
        int nf = split(l, f, 64);
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
    fixtures(dir, sizeof dir);
    th_write_in(dir, "typo.json", SW_HEAD SW_VARY "\"metrics\": {\"ok\": \"messages.sent\", "
                                              "\"d\": \"groups[0].failover.detectd_ms\"}}");
    struct result r;
    char path[256];
    th_join(path, sizeof path, dir, "typo.json");
    th_join(out, sizeof out, dir, "out");
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--quiet", NULL}, &r);
    assert_status(&r, 2, "typo");
    char want[512];
    snprintf(want, sizeof want, "mqsim: %s: $.metrics.d: groups[0].failover.detectd_ms: no key \"detectd_ms\" in "
             "metrics.json (keys there: crash_ms, crash_kind, detected_ms", path);
    ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
    ck_assert_msg(!th_exists(out), "%s was left behind", out);
    result_free(&r);
}
END_TEST

/* sweep.json records how the sweep was made (the sweep file and the base scenario with the sha256 of their
 * bytes, the command, overrides, varied keys, seeds), and a metric null in every run is reported on stderr
 * and in sweep.json while the others are not. */
START_TEST(test_sweep_provenance_and_null_metric)
{
    char dir[96], out[256], path[256], sha[65];
    struct result r;
    fixtures(dir, sizeof dir);
    static const char text[] =
        "{\"name\": \"prov\", \"base\": \"steady.json\", \"set\": {\"run.duration_ms\": 6000},\n"
        " \"vary\": [{\"key\": \"producers.rate_per_s\", \"values\": [100, 150]}], \"seeds\": 2, \"seed_start\": 7,\n"
        " \"metrics\": {\"acked\": \"messages.acked\", \"down_ms\": \"groups[0].failover.downtime_ms\"}}\n";
    th_write_in(dir, "prov.json", text);
    th_join(path, sizeof path, dir, "prov.json");
    th_join(out, sizeof out, dir, "out");
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--quiet", NULL}, &r);
    assert_status(&r, 0, "prov");
    ck_assert_msg(strstr(r.err, "metric \"down_ms\" (groups[0].failover.downtime_ms) is null in every run") != NULL,
                  "%s", r.err);
    ck_assert_msg(strstr(r.err, "metric \"acked\"") == NULL, "%s", r.err);
    result_free(&r);

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
    fixtures(dir, sizeof dir);
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
    pid_t pid = spawn(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--jobs", "1", "--quiet",
                                                       NULL}, &fo, &fe);
    /* Wait for two rows, then interrupt. */
    for (int t = 0; t < 60000; t++) {
        char *s = th_slurp(res_path, NULL);
        int lines = s ? th_count_lines(s) : 0;
        free(s);
        if (lines >= 3)
            break;
        ck_assert_msg(waitpid(pid, NULL, WNOHANG) == 0, "the sweep ended before it could be interrupted");
        sleep_ms(1);
    }
    ck_assert_int_eq(kill(pid, SIGINT), 0);
    struct result r;
    collect(pid, fo, fe, &r);
    assert_status(&r, 130, "interrupted sweep");
    ck_assert_msg(strstr(r.err, "interrupted;") && strstr(r.err, "the same command resumes"), "%s", r.err);
    result_free(&r);
    char *part = th_read_in(out, "results.csv");
    int done;
    assert_complete_csv(part, &done);
    ck_assert_msg(done >= 2 && done < 12, "%d rows after the interruption", done);
    ck_assert_int_eq(count_entries(out, ".sweep-runs"), 0);
    ck_assert(!exists_in(out, "summary.csv"));

    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--jobs", "2", NULL}, &r);
    assert_status(&r, 0, "resumed sweep");
    char want[512];
    snprintf(want, sizeof want, "%d of 12 runs already in %s/results.csv; %d to run", done, out, 12 - done);
    ck_assert_msg(strstr(r.err, want), "stderr:\n%s\nexpected: %s", r.err, want);
    snprintf(want, sizeof want, "12 of 12 runs in %s/results.csv (%d new)", out, 12 - done);
    ck_assert_msg(strstr(r.out, want), "stdout:\n%s\nexpected: %s", r.out, want);
    result_free(&r);
    /* The rows kept are the rows of the first call, byte for byte. */
    char *all = th_read_in(out, "results.csv");
    for (int i = 1; i <= done; i++) {
        char *l = th_line_at(part, i);
        ck_assert_msg(strstr(all, l), "row %s lost", l);
        free(l);
    }
    /* And the whole is an uninterrupted sweep's. */
    sweep_ok(dir, "slow.json", "fresh", "2", &r);
    result_free(&r);
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
    struct result r;
    fixtures(dir, sizeof dir);
    th_join(path, sizeof path, dir, "small.json");
    th_join(out, sizeof out, dir, "out");
    char *two = strdup(small_sweep), *p = strstr(two, "\"seeds\": 3");
    p[9] = '2';
    th_write(path, two);
    free(two);
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, NULL}, &r);
    assert_status(&r, 0, "2 seeds");
    ck_assert_msg(strstr(r.out, "8 of 8 runs"), "%s", r.out);
    result_free(&r);
    th_write(path, small_sweep);
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, NULL}, &r);
    assert_status(&r, 0, "3 seeds");
    ck_assert_msg(strstr(r.err, "8 of 12 runs already in") && strstr(r.err, "; 4 to run"), "%s", r.err);
    ck_assert_msg(strstr(r.out, "12 of 12 runs in") && strstr(r.out, "(4 new)"), "%s", r.out);
    result_free(&r);
    /* Nothing left: a third call runs nothing and changes nothing. */
    char *before = th_read_in(out, "results.csv");
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--quiet", NULL}, &r);
    assert_status(&r, 0, "again");
    ck_assert_str_eq(r.err, "");
    result_free(&r);
    char *after = th_read_in(out, "results.csv");
    ck_assert_str_eq(before, after);
    sweep_ok(dir, "small.json", "fresh", "2", &r);
    result_free(&r);
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
    struct result r;
    fixtures(dir, sizeof dir);
    th_join(path, sizeof path, dir, "small.json");
    th_join(out, sizeof out, dir, "out");
    sweep_ok(dir, "small.json", "out", "2", &r);
    result_free(&r);
    char *full = th_read_in(out, "results.csv");
    size_t cut = strlen(full) - 10;
    char *damaged = strndup(full, cut);
    char res[300];
    th_join(res, sizeof res, out, "results.csv");
    th_write(res, damaged);
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, NULL}, &r);
    assert_status(&r, 0, "after a cut line");
    ck_assert_msg(strstr(r.err, "11 of 12 runs already in"), "%s", r.err);
    result_free(&r);
    char *again = th_read_in(out, "results.csv");
    ck_assert_str_eq(again, full);

    th_write(res, "a,b,seed,exit,x\n1,2,1,0,5\n");
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, NULL}, &r);
    assert_status(&r, 2, "other columns");
    ck_assert_msg(strstr(r.err, "results.csv: line 1: the columns are not this sweep's") && th_count_lines(r.err) == 1,
                  "%s", r.err);
    result_free(&r);
    char *kept = th_read_in(out, "results.csv");
    ck_assert_str_eq(kept, "a,b,seed,exit,x\n1,2,1,0,5\n");
    free(full);
    free(damaged);
    free(again);
    free(kept);
}
END_TEST

/* --list, the commands run by a shell, then --collect: the files of a local sweep, byte for byte. */
START_TEST(test_list_collect_equals_local)
{
    char dir[96], out[256], path[256], batch[256];
    struct result r;
    fixtures(dir, sizeof dir);
    th_join(path, sizeof path, dir, "small.json");
    th_join(batch, sizeof batch, dir, "batch");
    sweep_ok(dir, "small.json", "local", "2", &r);
    result_free(&r);

    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", batch, "--list", NULL}, &r);
    assert_status(&r, 0, "--list");
    ck_assert_int_eq(th_count_lines(r.out), 12);
    /* Run them out of order, half now: --list then shows the other half only. */
    for (int k = 11; k >= 0; k -= 2) {
        char *l = th_line_at(r.out, k);
        ck_assert_msg(shell(l) == 0, "%s", l);
        free(l);
    }
    char *all = strdup(r.out);
    result_free(&r);
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", batch, "--list", NULL}, &r);
    assert_status(&r, 0, "--list again");
    ck_assert_int_eq(th_count_lines(r.out), 6);
    for (int k = 0; k < 12; k += 2) {
        char *l = th_line_at(all, k);
        ck_assert_msg(strstr(r.out, l), "pending run missing from the second --list: %s", l);
        ck_assert_msg(shell(l) == 0, "%s", l);
        free(l);
    }
    result_free(&r);
    free(all);
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", batch, "--collect", batch, NULL}, &r);
    assert_status(&r, 0, "--collect");
    ck_assert_msg(strstr(r.err, "collected 12 runs from 1 directory; 0 still missing"), "%s", r.err);
    result_free(&r);
    th_join(out, sizeof out, dir, "local");
    const char *files[] = {"results.csv", "summary.csv"};
    for (int i = 0; i < 2; i++) {
        char *a = th_read_in(out, files[i]), *b = th_read_in(batch, files[i]);
        ck_assert_msg(strcmp(a, b) == 0, "%s differs:\nlocal:\n%s\ncollected:\n%s", files[i], a, b);
        free(a);
        free(b);
    }
}
END_TEST

/* ======================================================================================================
 * compare
 * ====================================================================================================== */

START_TEST(test_compare_two_scenarios)
{
    char dir[96], a[256], b[256], c[256], out[256], out2[256];
    struct result r;
    fixtures(dir, sizeof dir);
    th_join(a, sizeof a, dir, "crash.json");
    th_join(b, sizeof b, dir, "crash_slow.json");
    th_join(c, sizeof c, dir, "steady.json");
    th_join(out, sizeof out, dir, "cmp");
    th_join(out2, sizeof out2, dir, "cmp2");
    run_cmd(cmd_compare, (const char *const[]){"compare", a, b, c, "--runs", "3", "--jobs", "2", "--out", out,
                                               "--set", "run.duration_ms=18000", NULL}, &r);
    assert_status(&r, 0, "compare");
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
    result_free(&r);
    ck_assert_int_eq(count_entries(out, ".compare-runs"), 0);

    char *csv = th_read_in(out, "compare.csv");
    int rows;
    assert_complete_csv(csv, &rows);
    ck_assert_int_eq(rows, 9);
    char *h = th_line_at(csv, 0);
    ck_assert_str_eq(h, "scenario,file,seed,exit,topic.availability,topic.write_unavailable_ms,"
                        "topic.read_unavailable_ms,topic.latency_p99_ms,acked_lost,duplicates,sent,acked,"
                        "send_failed,consumed,broker-a.downtime_ms,broker-a.recovered,broker-a.censored_ms,"
                        "broker-a.detection_ms,broker-a.election_ms,broker-a.promotion_ms,broker-a.availability,"
                        "broker-a.write_unavailable_ms,broker-a.read_unavailable_ms,broker-a.latency_p99_ms");
    for (int i = 0; i < 9; i++) {
        char *l = th_line_at(csv, i + 1), *f[30], wantp[300];
        const char *names[] = {"tiny_crash", "tiny_crash_slow", "tiny_steady"}, *files[] = {a, b, c};
        snprintf(wantp, sizeof wantp, "%s,%s,%d,0,", names[i / 3], files[i / 3], i % 3 + 1);
        ck_assert_msg(strncmp(l, wantp, strlen(wantp)) == 0, "row %d: %s", i + 1, l);
        ck_assert_int_eq(split(l, f, 30), 24);
        if (i / 3 == 2)     /* no failover: empty fields */
            ck_assert_msg(!*f[14] && !*f[15] && !*f[16] && !*f[19] && *f[10] && *f[21], "row %d: %s", i + 1,
                          th_line_at(csv, i + 1));
        else
            ck_assert_msg(strtod(f[14], NULL) > 1000 && strcmp(f[15], "1") == 0 && !*f[16] &&
                          strtod(f[17], NULL) > 0 && strtod(f[19], NULL) > 0, "row %d: %s", i + 1,
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
    run_cmd(cmd_compare, (const char *const[]){"compare", a, b, c, "--runs", "3", "--jobs", "1", "--out", out2,
                                               "--set", "run.duration_ms=18000", "--quiet", NULL}, &r);
    assert_status(&r, 0, "compare --jobs 1");
    ck_assert_str_eq(r.err, "");
    result_free(&r);
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
    struct result r;
    fixtures(dir, sizeof dir);
    th_join(a, sizeof a, dir, "crash.json");
    th_join(bad, sizeof bad, dir, "bad.json");
    th_join(out, sizeof out, dir, "cmp");
    th_write(bad, CRASH_FIXTURE("bad", "1000", "{\"at_ms\": 3000, \"op\": \"crash_host\", \"node\": \"broker-z\"}"));
    run_cmd(cmd_compare, (const char *const[]){"compare", a, bad, "--runs", "2", "--out", out, NULL}, &r);
    assert_status(&r, 2, "bad scenario");
    char want[400];
    snprintf(want, sizeof want, "mqsim: %s: $.faults[0].node: ", bad);
    ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0 && th_count_lines(r.err) == 1, "%s", r.err);
    ck_assert(!th_exists(out));
    result_free(&r);

    run_cmd(cmd_compare, (const char *const[]){"compare", a, "--runs", "2", "--out", out, "--set",
                                               "run.duration_ms=-1", NULL}, &r);
    assert_status(&r, 2, "bad --set");
    snprintf(want, sizeof want, "mqsim: %s: $.run.duration_ms: must be between", a);
    ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
    ck_assert(!th_exists(out));
    result_free(&r);

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
        run_cmd(cmd_compare, args, &r);
        assert_status(&r, 2, "usage");
        ck_assert_msg(th_count_lines(r.err) == 1 && strncmp(r.err, "mqsim: compare: ", 16) == 0, "case %d: %s", i, r.err);
        ck_assert(!th_exists(out));
        result_free(&r);
    }
}
END_TEST

/* SIGTERM: the children are killed, no table is written, exit 143. */
START_TEST(test_compare_interrupted)
{
    char dir[96], a[256], out[256];
    fixtures(dir, sizeof dir);
    th_join(a, sizeof a, dir, "crash.json");
    th_join(out, sizeof out, dir, "cmp");
    int fo, fe;
    pid_t pid = spawn(cmd_compare, (const char *const[]){"compare", a, "--runs", "40", "--jobs", "2", "--out", out,
                                                         "--set", "run.duration_ms=400000", "--quiet", NULL},
                      &fo, &fe);
    for (int t = 0; t < 20000 && count_entries(dir, "cmp") == 0; t++)
        sleep_ms(1);
    sleep_ms(100);
    ck_assert_msg(waitpid(pid, NULL, WNOHANG) == 0, "compare ended before it could be interrupted");
    kill(pid, SIGTERM);
    struct result r;
    collect(pid, fo, fe, &r);
    assert_status(&r, 143, "interrupted compare");
    ck_assert_str_eq(r.out, "");
    ck_assert(!exists_in(out, "compare.csv") && !exists_in(out, "compare.json"));
    /* On a fast machine a run may finish before the signal lands: then its result is kept for a resume
     * (test_compare.c resumes one) and the folder holds the journal alone; otherwise it stays empty. */
    if (strstr(r.err, "interrupted; nothing written")) {
        ck_assert_int_eq(count_entries(out, "."), 2);   /* . and .. only */
    } else {
        ck_assert_msg(strstr(r.err, "runs kept in") && strstr(r.err, "the same command resumes"), "%s", r.err);
        ck_assert_int_eq(count_entries(out, ".compare-runs"), 1);
        ck_assert_int_eq(count_entries(out, "."), 3);
    }
    result_free(&r);
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
    struct result r;
    fixtures(dir, sizeof dir);
    use_fake_mqsim(dir);
    th_join(a, sizeof a, dir, "crash.json");
    th_join(out, sizeof out, dir, "cmp");
    run_cmd(cmd_compare, (const char *const[]){"compare", a, "--runs", "4", "--seed-start", "10", "--out", out,
                                               "--quiet", NULL}, &r);
    assert_status(&r, 1, "a violation and a crash");
    snprintf(want, sizeof want, "mqsim: compare: %s: seed 12 broke an invariant; replay: mqsim %s --seed 12\n"
             "mqsim: compare: %s: seed 13: killed by signal 11\n", a, a, a);
    ck_assert_str_eq(r.err, want);
    ck_assert_msg(strstr(r.out, "compare: 4 runs a scenario, seeds 10..13\n"), "%s", r.out);
    const char *rows[] = {"invariant violated ", "failed "};
    for (int i = 0; i < 2; i++) {
        const char *p = strstr(r.out, rows[i]);
        ck_assert_msg(p && strncmp(strchr(p, '\n') - 2, " 1", 2) == 0, "\"%s ... 1\" in\n%s", rows[i], r.out);
    }
    result_free(&r);
    char *csv = th_read_in(out, "compare.csv");
    char *l12 = th_line_at(csv, 3), *l13 = th_line_at(csv, 4);
    snprintf(want, sizeof want, "tiny_crash,%s,12,1,,,,,12,0,100,90,10,90,6000,1,,1000,,4000,,1000,,", a);
    ck_assert_str_eq(l12, want);
    snprintf(want, sizeof want, "tiny_crash,%s,13,139,,,,,,,,,,,,,,,,,,,,", a);
    ck_assert_str_eq(l13, want);
    free(l12);
    free(l13);
    free(csv);

    /* A run that cannot write is not a bug found but a run not carried out: exit 3. */
    run_cmd(cmd_compare, (const char *const[]){"compare", a, "--runs", "5", "--seed-start", "10", "--out", out,
                                               "--quiet", NULL}, &r);
    assert_status(&r, 3, "a run that could not write");
    ck_assert_msg(strstr(r.err, ": seed 14: exit 3: mqsim: ") && strstr(r.err, "No space left on device\n"),
                  "%s", r.err);
    result_free(&r);
}
END_TEST

START_TEST(test_sweep_violation_and_crash)
{
    char dir[96], path[256], out[256];
    struct result r;
    fixtures(dir, sizeof dir);
    use_fake_mqsim(dir);
    th_write_in(dir, "v.json", "{\"base\": \"crash.json\", \"seeds\": 4, \"seed_start\": 10,\n"
                            " \"vary\": [{\"key\": \"producers.rate_per_s\", \"values\": [100, 200]}],\n"
                            " \"metrics\": {\"lost\": \"messages.acked_lost\"}}\n");
    th_join(path, sizeof path, dir, "v.json");
    th_join(out, sizeof out, dir, "out");
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--quiet", NULL}, &r);
    assert_status(&r, 1, "a violation and a crash");
    ck_assert_msg(strstr(r.err, "mqsim: sweep: killed by signal 11; not recorded, it runs again next time: mqsim ")
                  && strstr(r.err, " --seed 13 --set producers.rate_per_s=100\n") &&
                  strstr(r.err, "mqsim: sweep: an invariant was broken; replay: mqsim ") &&
                  strstr(r.err, " --seed 12 --set producers.rate_per_s=200\n") && th_count_lines(r.err) == 4,
                  "%s", r.err);
    result_free(&r);
    char *res = th_read_in(out, "results.csv"), *sum = th_read_in(out, "summary.csv");
    ck_assert_str_eq(res, "producers.rate_per_s,seed,exit,lost\n"
                          "100,10,0,10\n100,11,0,11\n100,12,1,12\n"
                          "200,10,0,10\n200,11,0,11\n200,12,1,12\n");
    char *l = th_line_at(sum, 1);
    /* 10, 11, 12: mean 11, sd 1, CI 11 -/+ t(0.975, 2) / sqrt(3) = 11 -/+ 2.484138; p95 11 + 0.9 * (12 - 11). */
    ck_assert_str_eq(l, "100,3,1,3,11,1,8.515862,13.484138,11,11.9");
    free(l);
    /* The crashed runs are tried again; the recorded ones are not. The violations still count. */
    run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, NULL}, &r);
    assert_status(&r, 1, "again");
    ck_assert_msg(strstr(r.err, "6 of 8 runs already in") && strstr(r.err, "; 2 to run"), "%s", r.err);
    result_free(&r);
    free(res);
    free(sum);
}
END_TEST

/* ======================================================================================================
 * MPI
 * ====================================================================================================== */

/* mpirun -np 2 of the MPI build gives the results of a local sweep. The MPI binary is $MQSIM_MPI_BIN, which
 * .ci/run sets right after `make MPI=1`; without it (make test), without that binary or without mpirun the
 * test says so and passes: an MPI build left from an earlier tree must not fail the suite of a newer one. */
START_TEST(test_mpi_sweep_equals_local)
{
    const char *bin = getenv("MQSIM_MPI_BIN");
    char abs_bin[4096];
    const char *skip = !bin || !*bin ? "MQSIM_MPI_BIN is not set (.ci/run sets it after make MPI=1)"
                     : access(bin, X_OK) != 0 ? "no MPI binary at $MQSIM_MPI_BIN (make MPI=1)"
                     : shell("command -v mpirun >/dev/null 2>&1") != 0 ? "no mpirun (apt-get install openmpi-bin)"
                     : NULL;
    if (skip) {
        printf("test_sweep: MPI test skipped: %s\n", skip);
        return;
    }
    ck_assert(runner_absolute(bin, abs_bin, sizeof abs_bin) == 0);
    char dir[96], path[256], mpi_out[256], local[256];
    struct result r;
    fixtures(dir, sizeof dir);
    th_join(path, sizeof path, dir, "small.json");
    th_join(mpi_out, sizeof mpi_out, dir, "mpi");
    th_join(local, sizeof local, dir, "local");
    sweep_ok(dir, "small.json", "local", "2", &r);
    result_free(&r);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mpirun --allow-run-as-root --oversubscribe -np 2 '%s' sweep '%s' --out '%s' "
             "--jobs 1 --quiet > '%s/mpi.log' 2>&1", abs_bin, path, mpi_out, dir);
    int st = shell(cmd);
    char *log = th_read_in(dir, "mpi.log");
    ck_assert_msg(st == 0, "%s: exit %d\n%s", cmd, st, log);
    free(log);
    const char *files[] = {"results.csv", "summary.csv"};
    for (int i = 0; i < 2; i++) {
        char *a = th_read_in(local, files[i]), *b = th_read_in(mpi_out, files[i]);
        ck_assert_msg(strcmp(a, b) == 0, "%s differs:\nlocal:\n%s\nmpi:\n%s", files[i], a, b);
        free(a);
        free(b);
    }
    ck_assert_int_eq(count_entries(mpi_out, ".sweep-runs"), 0);
}
END_TEST

static Suite *sweep_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("mexpr");
    tcase_add_loop_test(tc, test_mexpr_good, 0, N(good_exprs));
    tcase_add_loop_test(tc, test_mexpr_bad, 0, N(bad_exprs));
    tcase_add_test(tc, test_mexpr_missing_path);
    suite_add_tcase(s, tc);

    tc = tcase_create("sweep file");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_grid_and_seeds);
    tcase_add_loop_test(tc, test_bad_sweep_file, 0, N(bad_sweeps));
    tcase_add_test(tc, test_sweep_usage);
    suite_add_tcase(s, tc);

    tc = tcase_create("sweep runs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_sweep_results_and_ci);
    tcase_add_test(tc, test_sweep_metric_path_checked);
    tcase_add_test(tc, test_sweep_provenance_and_null_metric);
    tcase_add_test(tc, test_sweep_resume_after_sigint);
    tcase_add_test(tc, test_sweep_resume_more_seeds);
    tcase_add_test(tc, test_sweep_damaged_results);
    tcase_add_test(tc, test_list_collect_equals_local);
    suite_add_tcase(s, tc);

    tc = tcase_create("compare");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_compare_two_scenarios);
    tcase_add_test(tc, test_compare_bad_input);
    tcase_add_test(tc, test_compare_interrupted);
    tcase_add_test(tc, test_compare_violation_and_crash);
    tcase_add_test(tc, test_sweep_violation_and_crash);
    suite_add_tcase(s, tc);

    tc = tcase_create("mpi");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_mpi_sweep_equals_local);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    const char *bin = getenv("MQSIM");
    char abs_bin[4096];
    if (!bin || !*bin)
        bin = "./mqsim";
    if (access(bin, X_OK) != 0 || runner_absolute(bin, abs_bin, sizeof abs_bin) < 0) {
        fprintf(stderr, "test_sweep: no mqsim binary at %s (set MQSIM, or run from the repository root)\n", bin);
        return 1;
    }
    g_mqsim = abs_bin;
    runner_set_exe(g_mqsim);
    if (th_root_make("sweep") < 0)
        return 1;

    SRunner *sr = srunner_create(sweep_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    th_root_remove();
    return failed == 0 ? 0 : 1;
}
