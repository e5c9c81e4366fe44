/* test_cli: the mqsim command's contract, checked by running the binary ($MQSIM, else ./mqsim) as a subprocess:
 * exit statuses, one-line errors naming the file and the JSON path, no output left behind by bad input, the
 * three output files, determinism, --set/--seed overrides, validate, --help/--version, bench. */
#include <check.h>
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A child that runs longer than this is killed (SIGALRM survives exec), so a hang fails the test instead of
 * leaving a process behind. Generous: sanitizer builds are several times slower. */
#define CHILD_LIMIT_S 60

/* Set once in main, before the runner forks the tests. */
static char *g_mqsim;           /* absolute path of the binary under test */
static char *g_demo;            /* absolute path of scenarios/engine_demo.json */
static char *absolute(const char *path);

/* ---- files ---- */

static char *read_in(const char *dir, const char *name, size_t *len)
{
    char p[512];
    th_join(p, sizeof p, dir, name);
    char *s = th_slurp(p, len);
    ck_assert_msg(s != NULL, "%s: %s", p, strerror(errno));
    return s;
}

static int exists_in(const char *dir, const char *name)
{
    char p[512];
    struct stat st;
    th_join(p, sizeof p, dir, name);
    return lstat(p, &st) == 0;
}

/* The names in dir (not . and ..), sorted, one per line, for exact comparison in messages. */
static char *list_dir(const char *dir)
{
    char *names[64];
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < N(names)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names[n] = strdup(e->d_name);
        ck_assert_ptr_nonnull(names[n]);
        n++;
    }
    closedir(d);
    for (int i = 1; i < n; i++)     /* insertion sort: a handful of names */
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    char *s = malloc(len);
    ck_assert_ptr_nonnull(s);
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        strcat(s, names[i]);
        strcat(s, "\n");
        free(names[i]);
    }
    return s;
}

static void assert_dir_holds(const char *dir, const char *expected, const char *what)
{
    char *got = list_dir(dir);
    ck_assert_msg(strcmp(got, expected) == 0, "%s: the directory holds\n%s-- expected\n%s--", what, got, expected);
    free(got);
}

/* ---- running mqsim ---- */

struct result {
    int status;         /* from waitpid */
    char *out, *err;    /* stdout and stderr, NUL-terminated */
    size_t out_len, err_len;
};

static void result_free(struct result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* An anonymous file for a child's output: created under th_root and unlinked at once. */
static int anon_fd(void)
{
    char p[96];
    snprintf(p, sizeof p, "%s/io-XXXXXX", th_root);
    int fd = mkstemp(p);
    ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
    unlink(p);
    return fd;
}

static char *slurp_fd(int fd, size_t *len)
{
    off_t end = lseek(fd, 0, SEEK_END);
    ck_assert(end >= 0);
    char *buf = malloc((size_t)end + 1);
    ck_assert_ptr_nonnull(buf);
    size_t n = 0;
    while (n < (size_t)end) {
        ssize_t got = pread(fd, buf + n, (size_t)end - n, (off_t)n);
        if (got < 0 && errno == EINTR)
            continue;
        ck_assert_msg(got > 0, "read: %s", strerror(errno));
        n += (size_t)got;
    }
    buf[n] = '\0';
    *len = n;
    close(fd);
    return buf;
}

/* Runs mqsim with args (NULL-terminated) in directory cwd, stdin from /dev/null, stdout and stderr captured.
 * No shell: arguments reach mqsim exactly as given. */
static void run_in(const char *cwd, const char *const *args, struct result *r)
{
    const char *argv[40];
    int n = 0;
    argv[n++] = g_mqsim;
    for (int i = 0; args[i]; i++) {
        ck_assert(n < N(argv) - 1);
        argv[n++] = args[i];
    }
    argv[n] = NULL;

    int fo = anon_fd(), fe = anon_fd();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || chdir(cwd) != 0)
            _exit(126);
        alarm(CHILD_LIMIT_S);
        execv(g_mqsim, (char *const *)argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ck_assert_msg(errno == EINTR, "waitpid: %s", strerror(errno));
    memset(r, 0, sizeof *r);
    r->status = st;
    r->out = slurp_fd(fo, &r->out_len);
    r->err = slurp_fd(fe, &r->err_len);
    ck_assert_msg(!(WIFEXITED(st) && WEXITSTATUS(st) == 127 && r->err_len == 0), "cannot run %s", g_mqsim);
}

/* The exit status must be exactly code: never a signal (a crash, a sanitizer abort) nor another status. */
static void assert_exit(const struct result *r, int code, const char *what)
{
    ck_assert_msg(WIFEXITED(r->status), "%s: mqsim was killed by signal %d; stderr:\n%s", what,
                  WIFSIGNALED(r->status) ? WTERMSIG(r->status) : -1, r->err);
    ck_assert_msg(WEXITSTATUS(r->status) == code, "%s: exit status %d, expected %d; stderr:\n%s", what,
                  WEXITSTATUS(r->status), code, r->err);
}

/* A run that must succeed quietly: exit 0, nothing on stderr. */
static void assert_ok(const struct result *r, const char *what)
{
    assert_exit(r, 0, what);
    ck_assert_msg(r->err_len == 0, "%s: unexpected stderr:\n%s", what, r->err);
}

/* The usage text: what --help prints before its first empty line. */
static char *usage_text(void)
{
    char dir[96];
    struct result r;
    th_scratch(dir, sizeof dir);
    run_in(dir, (const char *const[]){"--help", NULL}, &r);
    assert_ok(&r, "--help");
    char *blank = strstr(r.out, "\n\n");
    ck_assert_msg(blank != NULL, "--help: no empty line after the usage:\n%s", r.out);
    blank[1] = '\0';
    char *u = strdup(r.out);
    ck_assert_ptr_nonnull(u);
    result_free(&r);
    return u;
}

/* stderr is exactly the line "line\n"; with usage_ok, it may also be followed by the usage text, the way
 * command-line mistakes are answered. */
static void assert_stderr_line(const struct result *r, const char *line, int usage_ok, const char *what)
{
    size_t n = strlen(line);
    int ok = strncmp(r->err, line, n) == 0 && r->err[n] == '\n';
    if (ok && r->err[n + 1] != '\0') {
        ok = 0;
        if (usage_ok) {
            char *u = usage_text();
            ok = strcmp(r->err + n + 1, u) == 0;
            free(u);
        }
    }
    ck_assert_msg(ok, "%s: stderr\n%s-- expected the line\n%s\n--%s", what, r->err, line,
                  usage_ok ? " (optionally followed by the usage)" : "");
}

/* A number member of a JSON object; fails the test when absent or of another type. */
static double num_at(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    ck_assert_msg(cJSON_IsNumber(v), "\"%s\" is not a number", key);
    return v->valuedouble;
}

static cJSON *metrics_of(const char *dir)
{
    char *text = read_in(dir, "metrics.json", NULL);
    cJSON *m = cJSON_Parse(text);
    ck_assert_msg(cJSON_IsObject(m), "%s/metrics.json is not a JSON object:\n%s", dir, text);
    free(text);
    return m;
}

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
    struct result r;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "s.json", DEMO);
    run_in(dir, (const char *const[]){"s.json", OUT, "--quiet", NULL}, &r);
    assert_ok(&r, "the base scenario");
    ck_assert(exists_in(dir, "out/metrics.json"));
    result_free(&r);
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
     "mqsim: missing.json: cannot open: No such file or directory", 0, 1},
    {"a directory", NULL, SP_DIR, {"s.json", OUT, NULL}, "mqsim: s.json: cannot read: Is a directory", 0, 1},
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

    /* --set: the value lands in the tree and is checked like the file's own; a bad path names the argument. */
    {"--set breaking a type", DEMO, 0, {"s.json", "--set", "run.seed=\"x\"", OUT, NULL},
     "mqsim: s.json: $.run.seed: expected an integer, got string \"x\"", 0, 1},
    {"--set with an empty key", DEMO, 0, {"s.json", "--set", "run..x=1", OUT, NULL},
     "mqsim: --set run..x=1: $.run: empty key", 0, 1},
    {"--set without =", DEMO, 0, {"s.json", "--set", "run.seed", OUT, NULL},
     "mqsim: --set run.seed: missing \"=\", expected --set PATH=VALUE", 0, 1},
    {"--set index out of range", DEMO, 0, {"s.json", "--set", "faults[9].at_ms=1", OUT, NULL},
     "mqsim: --set faults[9].at_ms=1: $.faults[9]: index 9 out of range, the array has 6 elements", 0, 1},
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
    /* A command-line value, not a place in s.json: said like --seed's (today "mqsim: s.json: --trace: ..."). */
    {"--trace bogus", DEMO, 0, {"s.json", "--trace", "bogus", OUT, NULL},
     "mqsim: --trace: expected \"off\", \"events\" or \"full\", got \"bogus\"", 1, 0},
    {"two scenarios", DEMO, SP_TWO, {"s.json", "t.json", OUT, NULL},
     "mqsim: one scenario at a time; unexpected \"t.json\"", 1, 0},
    {"no scenario file", NULL, 0, {OUT, "--quiet", NULL}, "mqsim: no scenario file given", 1, 0},
    {"no arguments at all", NULL, 0, {NULL}, "mqsim: no scenario file given", 1, 0},
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
    struct result r;
    th_scratch(dir, sizeof dir);
    const char *listing = bad_setup(c, dir);
    run_in(dir, c->args, &r);
    assert_exit(&r, 2, c->what);
    assert_stderr_line(&r, c->err, c->usage, c->what);
    ck_assert_msg(r.out_len == 0, "%s: unexpected stdout:\n%s", c->what, r.out);
    /* No --out directory, no default out/, no temporary file: exactly what the test wrote. */
    ck_assert_msg(!exists_in(dir, "out"), "%s: the output directory was created", c->what);
    assert_dir_holds(dir, listing, c->what);
    result_free(&r);
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
    struct result r;
    th_scratch(dir, sizeof dir);
    const char *listing = bad_setup(c, dir);
    run_in(dir, args, &r);
    assert_exit(&r, 2, c->what);
    assert_stderr_line(&r, c->err, 0, c->what);
    ck_assert_msg(r.out_len == 0, "%s: unexpected stdout:\n%s", c->what, r.out);
    assert_dir_holds(dir, listing, c->what);
    result_free(&r);
}
END_TEST

/* A seed the user wrote must be the seed that runs. JSON numbers are doubles: 9007199254740993 (2^53 + 1) reads
 * as 9007199254740992, which is accepted today and the run goes ahead with another seed than the one written.
 * 2^53 itself is ambiguous for the same reason. */
START_TEST(test_seed_not_exact_in_json)
{
    char dir[96];
    struct result r;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "s.json", WITH_RUN("\"run\": {\"seed\": 9007199254740993}"));
    run_in(dir, (const char *const[]){"s.json", OUT, "--quiet", NULL}, &r);
    if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) {
        char out[128];
        th_join(out, sizeof out, dir, "out");
        cJSON *m = metrics_of(out);
        double seed = num_at(m, "seed");
        cJSON_Delete(m);
        ck_abort_msg("\"seed\": 9007199254740993 was accepted (metrics.json says seed %.0f)", seed);
    }
    assert_exit(&r, 2, "run.seed 2^53 + 1");
    const char *prefix = "mqsim: s.json: $.run.seed: ";
    ck_assert_msg(strncmp(r.err, prefix, strlen(prefix)) == 0 && strchr(r.err, '\n') == r.err + r.err_len - 1,
                  "stderr:\n%s-- expected one line starting \"%s\"", r.err, prefix);
    assert_dir_holds(dir, "s.json\n", "run.seed 2^53 + 1");
    result_free(&r);
}
END_TEST

/* ---- good runs ---- */

/* Each line of trace.jsonl is one JSON object with a numeric t_ms and a string ev. */
static void check_trace(const char *dir)
{
    size_t len;
    char *t = read_in(dir, "trace.jsonl", &len);
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
    struct result r;
    th_scratch(dir, sizeof dir);
    th_join(out, sizeof out, dir, "run");
    run_in(dir, (const char *const[]){g_demo, "--out", out, "--quiet", NULL}, &r);
    assert_ok(&r, "engine_demo");
    ck_assert_msg(r.out_len == 0, "--quiet printed:\n%s", r.out);
    /* The three files, and nothing half-written: no dot file. */
    char *names = list_dir(out);
    ck_assert_msg(strstr(names, "metrics.json\n") && strstr(names, "trace.jsonl\n") &&
                      strstr(names, "timeseries.csv\n"),
                  "output directory holds\n%s", names);
    ck_assert_msg(names[0] != '.' && strstr(names, "\n.") == NULL, "a temporary file was left:\n%s", names);
    free(names);

    cJSON *m = metrics_of(out);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(m, "scenario");
    ck_assert(cJSON_IsString(sc));
    ck_assert_str_eq(sc->valuestring, "engine_demo");
    ck_assert(num_at(m, "seed") == 1);
    ck_assert(num_at(m, "sim_ms") == 60000);
    ck_assert(num_at(m, "events") > 0);
    cJSON_Delete(m);

    char *ts = read_in(out, "timeseries.csv", NULL);
    ck_assert_msg(strncmp(ts, "t_ms", 4) == 0, "timeseries.csv header: %.80s", ts);
    int rows = 0;
    for (const char *p = ts; (p = strchr(p, '\n')) != NULL; p++)
        rows++;
    ck_assert_int_ge(rows, 2);      /* the header and at least one sample */
    free(ts);
    check_trace(out);
    result_free(&r);
}
END_TEST

/* Without --out, outputs go to out/<scenario name>/ under the working directory; without --quiet, a summary. */
START_TEST(test_run_default_out_dir)
{
    char dir[96];
    struct result r;
    th_scratch(dir, sizeof dir);
    run_in(dir, (const char *const[]){g_demo, NULL}, &r);
    assert_ok(&r, "engine_demo without --out");
    ck_assert_msg(strstr(r.out, "engine_demo") != NULL, "no summary on stdout:\n%s", r.out);
    ck_assert(exists_in(dir, "out/engine_demo/metrics.json"));
    ck_assert(exists_in(dir, "out/engine_demo/timeseries.csv"));
    ck_assert(exists_in(dir, "out/engine_demo/trace.jsonl"));
    assert_dir_holds(dir, "out\n", "engine_demo without --out");
    result_free(&r);
}
END_TEST

static void assert_same_file(const char *a, const char *b, const char *name)
{
    size_t la, lb;
    char *x = read_in(a, name, &la), *y = read_in(b, name, &lb);
    ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s differs between two runs with the same seed", name);
    free(x);
    free(y);
}

START_TEST(test_determinism)
{
    char dir[96], a[128], b[128], c[128];
    struct result r;
    th_scratch(dir, sizeof dir);
    th_join(a, sizeof a, dir, "a");
    th_join(b, sizeof b, dir, "b");
    th_join(c, sizeof c, dir, "c");
    run_in(dir, (const char *const[]){g_demo, "--out", a, "--quiet", "--trace", "full", NULL}, &r);
    assert_ok(&r, "run a");
    result_free(&r);
    run_in(dir, (const char *const[]){g_demo, "--trace", "full", "--quiet", "--out", b, NULL}, &r);
    assert_ok(&r, "run b");
    result_free(&r);
    assert_same_file(a, b, "metrics.json");
    assert_same_file(a, b, "trace.jsonl");
    assert_same_file(a, b, "timeseries.csv");

    run_in(dir, (const char *const[]){g_demo, "--out", c, "--quiet", "--trace", "full", "--seed", "2", NULL}, &r);
    assert_ok(&r, "run c (--seed 2)");
    result_free(&r);
    size_t la, lc;
    char *x = read_in(a, "metrics.json", &la), *y = read_in(c, "metrics.json", &lc);
    ck_assert_msg(la != lc || memcmp(x, y, la) != 0, "metrics.json is the same with --seed 2");
    free(x);
    free(y);
    cJSON *m = metrics_of(c);
    ck_assert(num_at(m, "seed") == 2);
    cJSON_Delete(m);
}
END_TEST

/* ---- --set and --seed ---- */

/* Runs the demo quietly into dir/out with extra arguments and returns its metrics. */
static cJSON *run_demo(const char *dir, const char *const *extra, const char *what)
{
    const char *args[24] = {g_demo, "--out", "out", "--quiet"};
    int n = 4;
    for (int i = 0; extra[i]; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    struct result r;
    run_in(dir, args, &r);
    assert_ok(&r, what);
    result_free(&r);
    char out[128];
    th_join(out, sizeof out, dir, "out");
    return metrics_of(out);
}

START_TEST(test_set_duration)
{
    char dir[96];
    th_scratch(dir, sizeof dir);
    /* The demo's faults come after 5 s: they go too, or the run is refused (see the bad-input table). */
    cJSON *m = run_demo(dir, (const char *const[]){"--set", "run.duration_ms=5000", "--set", "faults=[]", NULL},
                        "--set run.duration_ms=5000");
    ck_assert(num_at(m, "sim_ms") == 5000);
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
    ck_assert(num_at(p, "lps") == 4);
    ck_assert(num_at(e, "nodes") == 4);
    ck_assert(num_at(m, "events") > 0);
    cJSON_Delete(m);
}
END_TEST

START_TEST(test_seed_overrides)
{
    char dir[96];
    th_scratch(dir, sizeof dir);
    cJSON *m = run_demo(dir, (const char *const[]){"--seed", "7", NULL}, "--seed 7");
    ck_assert(num_at(m, "seed") == 7);
    cJSON_Delete(m);
    m = run_demo(dir, (const char *const[]){"--set", "run.seed=3", NULL}, "--set run.seed=3");
    ck_assert(num_at(m, "seed") == 3);
    cJSON_Delete(m);
    /* --seed wins over run.seed whichever way run.seed was given. */
    m = run_demo(dir, (const char *const[]){"--seed", "7", "--set", "run.seed=3", NULL}, "--seed 7 --set run.seed=3");
    ck_assert(num_at(m, "seed") == 7);
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
        double want = strtod(seeds[i], NULL), got = num_at(m, "seed");
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
    ck_assert(exists_in(dir, "out/metrics.json"));
    ck_assert_msg(!exists_in(dir, "out/trace.jsonl"), "trace.jsonl written with run.trace off");
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
    ck_assert(exists_in(dir, "out/trace.jsonl"));
    m = run_demo(dir, (const char *const[]){"--trace", "off", "--seed", "2", NULL}, "second run, --trace off");
    ck_assert(num_at(m, "seed") == 2);
    cJSON_Delete(m);
    size_t len = 0;
    char p[128];
    th_join(p, sizeof p, dir, "out/trace.jsonl");
    char *t = th_slurp(p, &len);
    ck_assert_msg(t == NULL || len == 0, "out/trace.jsonl from the first run is still there after --trace off");
    free(t);
}
END_TEST

/* ---- validate ---- */

START_TEST(test_validate_ok)
{
    char dir[96];
    struct result r;
    th_scratch(dir, sizeof dir);
    run_in(dir, (const char *const[]){"validate", g_demo, NULL}, &r);
    assert_ok(&r, "validate engine_demo.json");
    ck_assert_msg(strstr(r.out, "ok") != NULL, "validate said:\n%s", r.out);
    assert_dir_holds(dir, "", "validate engine_demo.json");
    result_free(&r);
}
END_TEST

/* validate knows a sweep file: it checks the base scenario at every grid point, and says it is a sweep. */
START_TEST(test_validate_sweep)
{
    char dir[96], *sw = absolute("scenarios/redirect_sweep.json");
    struct result r;
    ck_assert_ptr_nonnull(sw);
    th_scratch(dir, sizeof dir);
    run_in(dir, (const char *const[]){"validate", sw, NULL}, &r);
    assert_ok(&r, "validate redirect_sweep.json");
    ck_assert_msg(strstr(r.out, "ok (sweep of ") && strstr(r.out, "15 points x 5 seeds = 75 runs"), "%s", r.out);
    result_free(&r);
    th_write_in(dir, "bad.json", "{\"base\": \"nowhere.json\", \"vary\": [], \"seeds\": 1}");
    run_in(dir, (const char *const[]){"validate", "bad.json", NULL}, &r);
    assert_exit(&r, 2, "validate a sweep with a missing base");
    ck_assert_msg(strncmp(r.err, "mqsim: bad.json", 15) == 0 && strchr(r.err, '\n') == r.err + r.err_len - 1,
                  "%s", r.err);
    result_free(&r);
    assert_dir_holds(dir, "bad.json\n", "validate a sweep");
    free(sw);
}
END_TEST

/* ---- --help, --version, bench ---- */

START_TEST(test_help)
{
    static const char *const forms[] = {"--help", "-h"};
    char dir[96];
    th_scratch(dir, sizeof dir);
    for (int i = 0; i < N(forms); i++) {
        struct result r;
        run_in(dir, (const char *const[]){forms[i], NULL}, &r);
        assert_ok(&r, forms[i]);
        ck_assert_msg(strncmp(r.out, "usage: mqsim ", 13) == 0, "%s printed:\n%s", forms[i], r.out);
        ck_assert(strstr(r.out, "--seed") && strstr(r.out, "--set") && strstr(r.out, "validate"));
        result_free(&r);
    }
    assert_dir_holds(dir, "", "--help");
}
END_TEST

/* --seed=3 and --seed 3, short forms, "--" and `mqsim run` all make the same run. */
START_TEST(test_option_forms)
{
    char dir[96];
    struct result r;
    th_scratch(dir, sizeof dir);
    size_t len;
    char *text = read_in(".", "scenarios/engine_demo.json", &len);
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
        run_in(dir, args, &r);
        if (i < 3) {
            assert_ok(&r, forms[i][0]);
        } else {
            assert_exit(&r, 2, "an operand after --");
            ck_assert_msg(strstr(r.err, "unexpected \"-s\"") != NULL, "after --: %s", r.err);
        }
        result_free(&r);
    }
    char a[128], b[128];
    th_join(a, sizeof a, dir, "a");
    th_join(b, sizeof b, dir, "b");
    assert_same_file(a, b, "metrics.json");
    cJSON *m = metrics_of(a);
    ck_assert(num_at(m, "seed") == 3);
    cJSON_Delete(m);
    ck_assert(!exists_in(dir, "c"));
    /* "--" lets a file name start with "-". */
    run_in(dir, (const char *const[]){"-q", "-o", "c", "--seed", "3", "--set", "run.duration_ms=20000", "--",
                                      "-demo.json", NULL}, &r);
    assert_ok(&r, "-- -demo.json");
    result_free(&r);
    ck_assert(exists_in(dir, "c"));
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
        struct result a, b;
        run_in(dir, (const char *const[]){"help", want[i][0], NULL}, &a);
        run_in(dir, (const char *const[]){want[i][0], "--help", NULL}, &b);
        assert_ok(&a, want[i][0]);
        assert_ok(&b, want[i][0]);
        ck_assert_msg(strcmp(a.out, b.out) == 0, "help %s and %s --help differ", want[i][0], want[i][0]);
        ck_assert_msg(strncmp(a.out, "usage: mqsim ", 13) == 0, "help %s:\n%s", want[i][0], a.out);
        const char *opts = strstr(a.out, "\noptions:\n");
        ck_assert_msg(opts != NULL, "help %s has no options:\n%s", want[i][0], a.out);
        for (int k = 1; want[i][k]; k++) {
            const char *at = strstr(opts, want[i][k]);
            ck_assert_msg(at != NULL && (at[strlen(want[i][k])] == ' ' || at[strlen(want[i][k])] == '\n'),
                          "help %s leaves out %s:\n%s", want[i][0], want[i][k], a.out);
        }
        result_free(&a);
        result_free(&b);
    }
    struct result r;
    run_in(dir, (const char *const[]){"help", "frobnicate", NULL}, &r);
    assert_exit(&r, 2, "help frobnicate");
    ck_assert_msg(strchr(r.err, '\n') == r.err + r.err_len - 1, "not one line: %s", r.err);
    result_free(&r);
    assert_dir_holds(dir, "", "help");
}
END_TEST

START_TEST(test_version)
{
    char dir[96];
    struct result r;
    th_scratch(dir, sizeof dir);
    run_in(dir, (const char *const[]){"--version", NULL}, &r);
    assert_ok(&r, "--version");
    ck_assert_msg(strncmp(r.out, "mqsim ", 6) == 0 && r.out[6] >= '0' && r.out[6] <= '9', "--version printed: %s",
                  r.out);
    ck_assert_msg(strchr(r.out, '\n') == r.out + r.out_len - 1, "--version printed more than one line: %s", r.out);
    result_free(&r);
}
END_TEST

START_TEST(test_bench_json)
{
    char dir[96];
    struct result r;
    th_scratch(dir, sizeof dir);
    run_in(dir, (const char *const[]){"bench", "phold", "--lps", "8", "--population", "2", "--end", "50", "--json",
                                      NULL},
           &r);
    assert_ok(&r, "bench phold --json");
    ck_assert_msg(r.out_len > 0 && strchr(r.out, '\n') == r.out + r.out_len - 1, "not one line:\n%s", r.out);
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(r.out, &end, 1);     /* one object and nothing after it but the newline */
    ck_assert_msg(cJSON_IsObject(j), "not one JSON object:\n%s", r.out);
    double events = num_at(j, "events"), expected = num_at(j, "expected");
    ck_assert(num_at(j, "wall_s") >= 0);
    ck_assert(num_at(j, "events_per_s") >= 0);
    ck_assert(expected > 0);
    ck_assert_msg(fabs(events - expected) <= 0.05 * expected, "events %g, expected %g", events, expected);
    cJSON_Delete(j);
    assert_dir_holds(dir, "", "bench");
    result_free(&r);
}
END_TEST

/* ---- output errors: exit 3, one line naming the path ---- */

START_TEST(test_out_under_a_file)
{
    static const char *const outs[] = {"file/out", "file"};
    char dir[96];
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "file", "not a directory\n");
    for (int i = 0; i < N(outs); i++) {
        struct result r;
        run_in(dir, (const char *const[]){g_demo, "--out", outs[i], "--quiet", NULL}, &r);
        assert_exit(&r, 3, outs[i]);
        assert_stderr_line(&r, "mqsim: file: not a directory", 0, outs[i]);
        assert_dir_holds(dir, "file\n", outs[i]);
        result_free(&r);
    }
    char *t = read_in(dir, "file", NULL);
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
    struct result r;
    th_scratch(dir, sizeof dir);
    run_in(dir, (const char *const[]){g_demo, "--out", longpath, "--quiet", NULL}, &r);
    assert_exit(&r, 3, "a 6000-byte --out");
    ck_assert_msg(strncmp(r.err, "mqsim: ", 7) == 0 && strchr(r.err, '\n') == r.err + r.err_len - 1 &&
                      strstr(r.err, "too long") != NULL,
                  "stderr:\n%s-- expected one line saying the name is too long", r.err);
    assert_dir_holds(dir, "", "a 6000-byte --out");
    result_free(&r);
}
END_TEST


static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
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
    suite_add_tcase(s, tc);

    tc = tcase_create("runs");
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
    suite_add_tcase(s, tc);

    tc = tcase_create("commands");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_validate_ok);
    tcase_add_test(tc, test_validate_sweep);
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

/* path made absolute against the working directory (the children run elsewhere), or NULL when it is not there. */
static char *absolute(const char *path)
{
    char cwd[4096];
    if (access(path, F_OK) != 0)
        return NULL;
    if (path[0] == '/')
        return strdup(path);
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", cwd, path);
    return p;
}

int main(void)
{
    const char *bin = getenv("MQSIM");
    if (!bin || !*bin)
        bin = "./mqsim";
    g_mqsim = absolute(bin);
    g_demo = absolute("scenarios/engine_demo.json");
    if (!g_mqsim || access(g_mqsim, X_OK) != 0) {
        fprintf(stderr, "test_cli: no mqsim binary at %s (set MQSIM, or run from the repository root)\n", bin);
        return 1;
    }
    if (!g_demo) {
        fprintf(stderr, "test_cli: scenarios/engine_demo.json not found (run from the repository root)\n");
        return 1;
    }
    if (th_root_make("cli") < 0)
        return 1;


    SRunner *sr = srunner_create(cli_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    th_root_remove();
    free(g_mqsim);
    free(g_demo);
    return failed == 0 ? 0 : 1;
}
