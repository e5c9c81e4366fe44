/* test_compare_cmd: the mqsim compare command. compare.csv's header and values, compare.json's censored counts
 * and the table, from runs of a stand-in for mqsim that copies fixture metrics.json files; an interrupted compare
 * resumes; the downtime figures drawn without a crash for a zero downtime and for runs that all did not recover
 * (skipped without gnuplot); and a real compare ($MQSIM, else ./mqsim) whose runs may not recover, with --plot. */
#include <check.h>
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/cmd/compare.h"
#include "models/cmd/compare_int.h"
#include "models/cmd/plot.h"
#include "sim/lab/runner.h"
#include "sim/sha256.h"
#include "tests/harness.h"

#define CHILD_LIMIT_S 100

static char g_mqsim[4096];      /* absolute path of the binary under test */

/* ---- files ---- */

/* The file exists and starts as a PNG or an SVG should. */
static void assert_figure(const char *dir, const char *fig)
{
    char name[128];
    snprintf(name, sizeof name, "%s.png", fig);
    char *png = th_read_in(dir, name);
    ck_assert_msg(memcmp(png, "\x89PNG", 4) == 0, "%s/%s is not a PNG", dir, name);
    free(png);
    snprintf(name, sizeof name, "%s.svg", fig);
    char *svg = th_read_in(dir, name);
    ck_assert_msg(strstr(svg, "<svg") != NULL, "%s/%s is not an SVG", dir, name);
    free(svg);
}

static int have_gnuplot(void)
{
    const char *path = getenv("PATH");
    char buf[4096];
    for (const char *s = path ? path : ""; *s;) {
        size_t n = strcspn(s, ":");
        snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)n, s);
        if (n > 0 && access(buf, X_OK) == 0)
            return 1;
        s += n + (s[n] == ':');
    }
    printf("test_compare_cmd: figure test skipped: no gnuplot on PATH\n");
    return 0;
}

/* ======================================================================================================
 * the command, over a stand-in for mqsim
 * ====================================================================================================== */

/* Copies <dir>/<scenario file name>-<seed>.metrics to the run's metrics.json. */
static const char fake_mqsim[] =
    "#!/bin/sh\n"
    "file=; out=; seed=\n"
    "while [ $# -gt 0 ]; do case \"$1\" in --out) out=$2; shift;; --seed) seed=$2; shift;; --) file=$2; shift;;\n"
    "  esac; shift; done\n"
    "mkdir -p \"$out\" || exit 3\n"
    "src=\"$(dirname \"$0\")/$(basename \"$file\" .json)-$seed.metrics\"\n"
    "[ -f \"$src\" ] || { echo \"mqsim: no fixture $src\" >&2; exit 3; }\n"
    "exec cp \"$src\" \"$out/metrics.json\"\n";

#define SCENARIO(NAME)                                                                                         \
    "{\"name\": \"" NAME "\",\n"                                                                               \
    " \"run\": {\"duration_ms\": 20000, \"trace\": \"off\"},\n"                                                \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],\n"                                              \
    " \"producers\": {\"count\": 1, \"rate_per_s\": 200},\n"                                                  \
    " \"consumers\": {\"count\": 1}}\n"

/* alpha: broker-a recovers after 20 s and 30 s and does not in 85 s; broker-b never fails over.
 * beta: its group dledger-a never recovers (90, 85, 95 s). zero: broker-a recovers at once in one run (no
 * promotion), not in the others. */
static void fixtures(const char *dir)
{
    char name[64];
    th_write_in(dir, "alpha.json", SCENARIO("alpha"));
    th_write_in(dir, "beta.json", SCENARIO("beta"));
    th_write_in(dir, "zero.json", SCENARIO("zero"));
    const double down[3] = {20000, 30000, NAN}, beta[3] = {90000, 85000, 95000};
    for (int k = 0; k < 3; k++) {
        struct th_fx_group a[2] = {isnan(down[k]) ? th_fx_cens("broker-a", 85000) : th_fx_rec("broker-a", down[k]),
                                th_fx_calm("broker-b")};
        snprintf(name, sizeof name, "alpha-%d.metrics", k + 1);
        th_write_in(dir, name, th_fx_metrics(0.97 - 0.01 * k, 21000 + 10000 * k, 2000, 12.5 + k, 23100, 145000, a, 2));
        struct th_fx_group b[1] = {th_fx_cens("dledger-a", beta[k])};
        snprintf(name, sizeof name, "beta-%d.metrics", k + 1);
        th_write_in(dir, name, th_fx_metrics(0.5, beta[k], beta[k], NAN, 0, 145000, b, 1));
        struct th_fx_group z[1] = {k == 0 ? th_fx_rec("broker-a", 0) : th_fx_cens("broker-a", 30000)};
        z[0].promoted = z[0].elected = NAN;
        snprintf(name, sizeof name, "zero-%d.metrics", k + 1);
        th_write_in(dir, name, th_fx_metrics(0.99, 0, 0, 3, 0, 90000, z, 1));
    }
    char fake[512];
    th_join(fake, sizeof fake, dir, "fake-mqsim");
    th_write_in(dir, "fake-mqsim", fake_mqsim);
    ck_assert_int_eq(chmod(fake, 0755), 0);
    runner_set_exe(fake);   /* this test's process only: Check runs each test in its own */
}

struct result {
    int status;
    char *out, *err;
};

/* cmd_compare in a child process (it installs signal handlers), stdout and stderr captured. */
static void compare(const char *const *args, struct result *r)
{
    char *argv[32];
    int argc = 0;
    for (; args[argc]; argc++)
        argv[argc] = (char *)args[argc];
    argv[argc] = NULL;
    int fo = th_anon_fd(), fe = th_anon_fd(), st;
    fflush(stdout);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        if (dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(126);
        alarm(CHILD_LIMIT_S);
        int rc = cmd_compare(argc, argv);
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    while (waitpid(pid, &st, 0) < 0)
        ck_assert(errno == EINTR);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->out = th_slurp_fd(fo, NULL);
    r->err = th_slurp_fd(fe, NULL);
}

static void result_free(struct result *r)
{
    free(r->out);
    free(r->err);
}

/* The cells of the table row under block label l0 whose second label is l1 (cells are split at runs of two
 * or more spaces). Returns how many, or -1 when there is no such row. */
static int table_row(const char *out, const char *l0, const char *l1, char cells[][96], int max)
{
    int in_block = 0;
    for (const char *p = out; *p;) {
        size_t len = strcspn(p, "\n");
        char f[16][96];
        int nf = 0;
        for (size_t i = 0; i < len && nf < 16;) {
            while (i < len && p[i] == ' ')
                i++;
            size_t s = i;
            while (i < len && !(p[i] == ' ' && (i + 1 >= len || p[i + 1] == ' ')))
                i++;
            if (i > s)
                snprintf(f[nf++], 96, "%.*s", (int)(i - s), p + s);
        }
        int lead = len > 0 && p[0] == ' ';
        if (!lead && nf > 0)
            in_block = strcmp(f[0], l0) == 0;
        int at = lead ? 0 : 1;
        if (in_block && nf > at && strcmp(f[at], l1) == 0) {
            int n = 0;
            for (int k = at + 1; k < nf && n < max; k++)
                snprintf(cells[n++], 96, "%s", f[k]);
            return n;
        }
        p += len + (p[len] == '\n');
    }
    return -1;
}

static void assert_row(const char *out, const char *l0, const char *l1, const char *const *want, int n)
{
    char cells[8][96];
    int got = table_row(out, l0, l1, cells, 8);
    ck_assert_msg(got == n, "row \"%s\" / \"%s\": %d cells, expected %d, in\n%s", l0, l1, got, n, out);
    for (int k = 0; k < n; k++)
        ck_assert_msg(strcmp(cells[k], want[k]) == 0, "row \"%s\" / \"%s\" cell %d: \"%s\", expected \"%s\"\n%s",
                      l0, l1, k, cells[k], want[k], out);
}

START_TEST(test_csv_json_and_table)
{
    char dir[96], a[256], b[256], out[256];
    struct result r;
    th_scratch(dir, sizeof dir);
    fixtures(dir);
    th_join(a, sizeof a, dir, "alpha.json");
    th_join(b, sizeof b, dir, "beta.json");
    th_join(out, sizeof out, dir, "cmp");
    compare((const char *const[]){a, b, "--runs", "3", "--jobs", "2", "--out", out, "--quiet", NULL}, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.err);
    ck_assert_str_eq(r.err, "");

    /* compare.csv: the topic's figures, the messages, then each group's by name in order of appearance;
     * broker-b never failed over: no downtime columns. */
    char *csv = th_read_in(out, "compare.csv");
    const char *want_csv =
        "scenario,file,seed,exit,topic.availability,topic.write_unavailable_ms,topic.read_unavailable_ms,"
        "topic.latency_p99_ms,acked_lost,duplicates,sent,acked,send_failed,consumed,topic.write_outage_open_ms,"
        "topic.read_outage_open_ms,acked_lost_censored,"
        "broker-a.downtime_ms,broker-a.recovered,broker-a.censored_ms,broker-a.detection_ms,broker-a.election_ms,"
        "broker-a.promotion_ms,broker-a.availability,broker-a.write_unavailable_ms,broker-a.read_unavailable_ms,"
        "broker-a.latency_p99_ms,broker-a.write_outage_open_ms,broker-a.read_outage_open_ms,"
        "broker-b.availability,broker-b.write_unavailable_ms,broker-b.read_unavailable_ms,broker-b.latency_p99_ms,"
        "broker-b.write_outage_open_ms,broker-b.read_outage_open_ms,"
        "dledger-a.downtime_ms,dledger-a.recovered,dledger-a.censored_ms,dledger-a.detection_ms,"
        "dledger-a.election_ms,dledger-a.promotion_ms,dledger-a.availability,dledger-a.write_unavailable_ms,"
        "dledger-a.read_unavailable_ms,dledger-a.latency_p99_ms,dledger-a.write_outage_open_ms,"
        "dledger-a.read_outage_open_ms\n";
    ck_assert_msg(strncmp(csv, want_csv, strlen(want_csv)) == 0, "header:\n%s", csv);
    char row[1024];
    snprintf(row, sizeof row, "\nalpha,%s,1,0,0.97,21000,2000,12.5,23100,2,1000,950,50,940,,,0,"
             "20000,1,,5000,9000,10000,0.95,21000,2000,15,,,1,0,0,4.5,,,,,,,,,,,,,,\n", a);
    ck_assert_msg(strstr(csv, row), "no row\n%s\nin\n%s", row + 1, csv);
    /* broker-a did not recover: its write outage was open at the end, and the loss is a lower bound. */
    snprintf(row, sizeof row, "\nalpha,%s,3,0,0.95,41000,2000,14.5,23100,2,1000,950,50,940,,,1,"
             ",0,85000,5000,,,0.5,85000,85000,8,85000,,1,0,0,4.5,,,,,,,,,,,,,,\n", a);
    ck_assert_msg(strstr(csv, row), "no row\n%s\nin\n%s", row + 1, csv);
    snprintf(row, sizeof row, "\nbeta,%s,2,0,0.5,85000,85000,,0,2,1000,950,50,940,,,1,"
             ",,,,,,,,,,,,,,,,,,,0,85000,5000,,,0.5,85000,85000,8,85000,\n", b);
    ck_assert_msg(strstr(csv, row), "no row\n%s\nin\n%s", row + 1, csv);
    free(csv);

    /* compare.json: censored counts per group; the downtime summary over the recovered runs only. */
    char *js = th_read_in(out, "compare.json");
    cJSON *root = cJSON_Parse(js);
    ck_assert_ptr_nonnull(root);
    const cJSON *sc = cJSON_GetObjectItem(root, "scenarios");
    const cJSON *ga = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(sc, 0), "groups"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(ga, "name")->valuestring, "broker-a");
    ck_assert_int_eq(cJSON_GetObjectItem(ga, "failovers")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItem(ga, "recovered")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(ga, "censored")->valueint, 1);
    ck_assert_double_eq(cJSON_GetObjectItem(ga, "censored_min_ms")->valuedouble, 85000);
    const cJSON *dt = cJSON_GetObjectItem(cJSON_GetObjectItem(ga, "metrics"), "downtime_ms");
    ck_assert_int_eq(cJSON_GetObjectItem(dt, "n")->valueint, 2);
    ck_assert_double_eq(cJSON_GetObjectItem(dt, "mean")->valuedouble, 25000);
    const cJSON *gb = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(sc, 0), "groups"), 1);
    ck_assert_str_eq(cJSON_GetObjectItem(gb, "name")->valuestring, "broker-b");
    ck_assert_ptr_null(cJSON_GetObjectItem(gb, "censored"));       /* never failed over */
    const cJSON *gd = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(sc, 1), "groups"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(gd, "name")->valuestring, "dledger-a");
    ck_assert_int_eq(cJSON_GetObjectItem(gd, "censored")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(gd, "metrics"), "downtime_ms"),
                                         "n")->valueint, 0);
    const cJSON *ta = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(sc, 0), "metrics"),
                                          "topic.availability");
    ck_assert_double_eq_tol(cJSON_GetObjectItem(ta, "mean")->valuedouble, 0.96, 1e-12);
    cJSON_Delete(root);
    free(js);

    /* The table: a column a scenario; censored runs never as a measured value. alpha's recovered 20 and 30 s:
     * mean 25, half t(0.975, 1) * 7.0711 / sqrt(2) = 63.53. */
    ck_assert_msg(strncmp(r.out, "compare: 3 runs a scenario, seeds 1..3\n", 39) == 0, "%s", r.out);
    const char *names = strchr(r.out, '\n') + 1;
    ck_assert_msg(strstr(names, "alpha  ") && strstr(names, "beta\n") < strchr(names, '\n') + 1, "%s", r.out);
    assert_row(r.out, "topic availability", "mean ± 95% CI", (const char *const[]){"96.00 ± 2.48%", "50.00 ± 0.00%"}, 2);
    assert_row(r.out, "topic write outage (s)", "mean ± 95% CI", (const char *const[]){"31.0 ± 24.8", "90.0 ± 12.4"},
               2);
    assert_row(r.out, "topic p99 latency (ms)", "mean ± 95% CI", (const char *const[]){"13.5 ± 2.5", "-"}, 2);
    assert_row(r.out, "broker-a downtime (s)", "recovered runs", (const char *const[]){"2", "-"}, 2);
    assert_row(r.out, "broker-a downtime (s)", "mean ± 95% CI", (const char *const[]){"25.0 ± 63.5", "-"}, 2);
    assert_row(r.out, "broker-a downtime (s)", "max", (const char *const[]){"30.0", "-"}, 2);
    assert_row(r.out, "broker-a downtime (s)", "censored runs", (const char *const[]){"1 (> 85.0 s)", "-"}, 2);
    assert_row(r.out, "broker-a promotion (s)", "mean ± 95% CI", (const char *const[]){"10.0 ± 0.0 (2 of 3)", "-"},
               2);
    assert_row(r.out, "dledger-a downtime (s)", "mean ± 95% CI",
               (const char *const[]){"-", "> 85.0 s (3 censored)"}, 2);
    assert_row(r.out, "dledger-a downtime (s)", "censored runs", (const char *const[]){"-", "3 (> 85.0 s)"}, 2);
    assert_row(r.out, "dledger-a downtime (s)", "median", (const char *const[]){"-", "-"}, 2);
    assert_row(r.out, "broker-b availability", "mean ± 95% CI", (const char *const[]){"100.00 ± 0.00%", "-"}, 2);
    /* A run that ended inside an outage, or with a group that had no master, says so: its figure is a lower
     * bound. */
    assert_row(r.out, "dledger-a write outage (s)", "mean ± 95% CI",
               (const char *const[]){"-", "90.0 ± 12.4 (3 runs open at the end: lower bound)"}, 2);
    assert_row(r.out, "acked lost", "mean / max",
               (const char *const[]){"23,100 / 23,100 (1 run censored: lower bound)",
                                     "0.0 / 0 (3 runs censored: lower bound)"}, 2);
    assert_row(r.out, "no failover", "runs", (const char *const[]){"0", "0"}, 2);
    ck_assert_int_eq(table_row(r.out, "broker-b downtime (s)", "mean ± 95% CI", NULL, 0), -1);
    ck_assert_msg(!strstr(r.out, "e+") && !strstr(r.out, "e-0"), "an exponent in\n%s", r.out);
    result_free(&r);
}
END_TEST

/* ======================================================================================================
 * figures
 * ====================================================================================================== */

static void plot_of(const char *scenario, char *out, size_t size)
{
    char dir[96], a[256];
    struct result r;
    th_scratch(dir, sizeof dir);
    fixtures(dir);
    th_join(a, sizeof a, dir, scenario);
    th_join(out, size, dir, "cmp");
    compare((const char *const[]){a, "--runs", "3", "--out", out, "--quiet", "--plot", NULL}, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.err);
    ck_assert_str_eq(r.err, "");
    result_free(&r);
    assert_figure(out, "downtime-cdf");
    assert_figure(out, "downtime-ci");
}

/* A run that recovered in 0 ms with no promotion beside runs that did not: gnuplot used to die of SIGSEGV
 * on the CI figure (a label plot with no defined point), and a 0 cannot sit on a log axis. */
START_TEST(test_figures_zero_downtime)
{
    char out[256];
    if (!have_gnuplot())
        return;
    plot_of("zero.json", out, sizeof out);
    char *cdf = th_read_in(out, "downtime-cdf.dat");
    ck_assert_msg(strstr(cdf, "\"zero (3 runs; 2 of 3 did not recover in the run)\"\n0.001 0\n0.001 0.333333\n"
                              "30 0.333333\n"), "%s", cdf);
    free(cdf);
    char *ci = th_read_in(out, "downtime-ci.dat");
    ck_assert_msg(strstr(ci, "\n0 \"zero\" 0 0 0 1 NaN NaN NaN 0 3 2 30 \"broker-a\" 0 \"0.00 s\" 0 \"\" 30 "
                             "\"> 30.0 s\" \"3 runs, 2 did not recover\"\n"), "%s", ci);
    free(ci);
}
END_TEST

/* Every run censored: no bar, a triangle at the smallest censored time; a CDF level at 0. */
START_TEST(test_figures_all_censored)
{
    char out[256];
    if (!have_gnuplot())
        return;
    plot_of("beta.json", out, sizeof out);
    char *cdf = th_read_in(out, "downtime-cdf.dat");
    ck_assert_msg(strstr(cdf, "\"beta (3 runs; 3 of 3 did not recover in the run)\"\n10 0\n85 0\n"), "%s", cdf);
    free(cdf);
    char *ci = th_read_in(out, "downtime-ci.dat");
    ck_assert_msg(strstr(ci, "\n0 \"beta\" NaN NaN NaN 0 NaN NaN NaN 0 3 3 85 \"dledger-a\" 0 \"\" 0 \"\" 85 "
                             "\"> 85.0 s\" \"3 runs, 3 did not recover\"\n"), "%s", ci);
    free(ci);
}
END_TEST

/* The real binary: a SYNC_MASTER master_crash cut at 90 s, whose runs need not recover in time (the case that
 * crashed gnuplot). Whatever the model gives, a run is recovered with a downtime or censored without one,
 * and the figures are drawn. */
START_TEST(test_real_compare_plot)
{
    char dir[96], out[256];
    struct result r;
    if (access("scenarios/master_crash.json", R_OK) != 0) {
        printf("test_compare_cmd: real compare skipped: run from the repository root\n");
        return;
    }
    int plot = have_gnuplot();
    th_scratch(dir, sizeof dir);
    th_join(out, sizeof out, dir, "cmp");
    runner_set_exe(g_mqsim);
    compare((const char *const[]){"scenarios/master_crash.json", "--runs", "3", "--jobs", "2", "--out", out,
                                  "--set", "groups[0].role=SYNC_MASTER", "--set", "run.duration_ms=90000",
                                  "--quiet", plot ? "--plot" : NULL, NULL}, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.err, r.out);
    char *csv = th_read_in(out, "compare.csv");
    char *hdr = strndup(csv, strcspn(csv, "\n"));
    int cd = -1, cr = -1, cc = -1, k = 0;
    for (char *f = strtok(hdr, ","); f; f = strtok(NULL, ","), k++) {
        cd = strcmp(f, "broker-a.downtime_ms") == 0 ? k : cd;
        cr = strcmp(f, "broker-a.recovered") == 0 ? k : cr;
        cc = strcmp(f, "broker-a.censored_ms") == 0 ? k : cc;
    }
    ck_assert_msg(cd >= 0 && cr == cd + 1 && cc == cd + 2, "%s", csv);
    for (const char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        char *f[64], *l = strndup(line, strcspn(line, "\n")), *p = l;
        int n = 0;
        for (f[n++] = p; *p && n < 64; p++)
            if (*p == ',') {
                *p = '\0';
                f[n++] = p + 1;
            }
        ck_assert_msg(n > cc, "%s", line);
        if (strcmp(f[cr], "1") == 0)
            ck_assert_msg(*f[cd] && !*f[cc], "recovered: a downtime and no censored time: %s", line);
        else
            ck_assert_msg(strcmp(f[cr], "0") == 0 && !*f[cd] && strtod(f[cc], NULL) > 0,
                          "censored: no downtime, a censored time: %s", line);
        free(l);
    }
    free(hdr);
    free(csv);
    if (plot) {
        assert_figure(out, "downtime-cdf");
        assert_figure(out, "downtime-ci");
    }
    result_free(&r);
}
END_TEST

/* A stand-in that hangs on seed 3 (until the compare kills it), and one that refuses seeds 1 and 2. */
static const char slow_mqsim[] =
    "#!/bin/sh\n"
    "for a; do [ \"$prev\" = --seed ] && [ \"$a\" = 3 ] && exec sleep 60; prev=$a; done\n"
    "exec \"$(dirname \"$0\")/fake-mqsim\" \"$@\"\n";

static const char strict_mqsim[] =
    "#!/bin/sh\n"
    "for a; do [ \"$prev\" = --seed ] && [ \"$a\" != 3 ] && { echo \"mqsim: seed $a ran again\" >&2; exit 3; };"
    " prev=$a; done\n"
    "exec \"$(dirname \"$0\")/fake-mqsim\" \"$@\"\n";

static void use_exe(const char *dir, const char *name, const char *text)
{
    char p[256];
    th_join(p, sizeof p, dir, name);
    th_write_in(dir, name, text);
    ck_assert_int_eq(chmod(p, 0755), 0);
    runner_set_exe(p);
}

static int count_lines_in(const char *path)
{
    FILE *f = fopen(path, "r");
    int n = 0, ch;
    if (!f)
        return -1;
    while ((ch = fgetc(f)) != EOF)
        n += ch == '\n';
    fclose(f);
    return n;
}

/* ^C keeps the finished runs; the same command then runs only the others and writes what an uninterrupted
 * compare writes. */
START_TEST(test_interrupt_resumes)
{
    char dir[96], a[256], out[256], ref[256], journal[300];
    struct result r;
    th_scratch(dir, sizeof dir);
    fixtures(dir);
    th_join(a, sizeof a, dir, "alpha.json");
    th_join(out, sizeof out, dir, "cmp");
    th_join(ref, sizeof ref, dir, "ref");
    th_join(journal, sizeof journal, out, ".compare-runs.jsonl");
    compare((const char *const[]){a, "--runs", "3", "--out", ref, NULL}, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.err);
    char *want_out = r.out;
    free(r.err);

    use_exe(dir, "slow-mqsim", slow_mqsim);
    int fo = th_anon_fd(), fe = th_anon_fd(), st;
    fflush(stdout);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        if (dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(126);
        alarm(CHILD_LIMIT_S);
        char *argv[] = {a, (char *)"-n", (char *)"3", (char *)"-j1", (char *)"-o", out, NULL};
        _exit(cmd_compare(6, argv));
    }
    /* Seeds 1 and 2 finish at once; seed 3 hangs: interrupt once both are in the journal. */
    for (int k = 0; k < 2000 && count_lines_in(journal) < 2; k++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    ck_assert_int_eq(count_lines_in(journal), 2);
    ck_assert_int_eq(kill(pid, SIGINT), 0);
    while (waitpid(pid, &st, 0) < 0)
        ck_assert(errno == EINTR);
    char *err = th_slurp_fd(fe, NULL);
    free(th_slurp_fd(fo, NULL));
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 130, "interrupted compare: status %d\n%s", st, err);
    ck_assert_msg(strstr(err, "interrupted; 2 of 3 runs kept") != NULL, "%s", err);
    free(err);
    char csv[300];
    th_join(csv, sizeof csv, out, "compare.csv");
    ck_assert_msg(access(csv, F_OK) != 0, "an interrupted compare wrote compare.csv");

    /* Rerun: seeds 1 and 2 must come from the journal (this stand-in fails them). */
    use_exe(dir, "strict-mqsim", strict_mqsim);
    compare((const char *const[]){a, "--runs", "3", "--out", out, NULL}, &r);
    ck_assert_msg(r.status == 0, "resumed compare: exit %d\n%s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "resuming: 2 of 3 runs already done") != NULL, "%s", r.err);
    ck_assert_str_eq(r.out, want_out);
    char *x = th_read_in(ref, "compare.csv"), *y = th_read_in(out, "compare.csv");
    ck_assert_str_eq(x, y);
    free(x);
    free(y);
    x = th_read_in(ref, "compare.json");
    y = th_read_in(out, "compare.json");
    ck_assert_str_eq(x, y);
    free(x);
    free(y);
    ck_assert_msg(access(journal, F_OK) != 0, "the journal is left after a finished compare");
    /* compare.json says how it was made. */
    char *js = th_read_in(out, "compare.json"), *text = th_read_in(dir, "alpha.json"), sha[65], want_cmd[400];
    cJSON *j = cJSON_Parse(js), *run = cJSON_GetObjectItemCaseSensitive(j, "run");
    sha256_hex(text, strlen(text), sha);
    snprintf(want_cmd, sizeof want_cmd, "mqsim compare %s --runs 3 --seed-start 1", a);
    const cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(run, "scenarios"), 0);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(run, "command")->valuestring, want_cmd);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(f0, "sha256")->valuestring, sha);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(f0, "file")->valuestring, a);
    ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(run, "mqsim_version")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(run, "overrides")), 0);
    cJSON_Delete(j);
    free(js);
    free(text);
    free(want_out);
    result_free(&r);
}
END_TEST

/* The real binary over a scenario file named "-odd.json" (given after "--"): the runs read it as a file, not
 * as options, and compare.json records a command that does the same. */
START_TEST(test_real_compare_dashed_file)
{
    char dir[96];
    struct result r;
    char *src = th_read_in(".", "scenarios/master_crash.json");
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "-odd.json", src);
    free(src);
    ck_assert_int_eq(chdir(dir), 0);    /* this test's process only */
    runner_set_exe(g_mqsim);
    compare((const char *const[]){"--runs", "2", "--out", "cmp", "--set", "run.duration_ms=1000", "--quiet", "--",
                                  "-odd.json", NULL}, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.err, r.out);
    char *text = th_read_in("cmp", "compare.json");
    cJSON *root = cJSON_Parse(text);
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(root, "run");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(run, "command")->valuestring,
                     "mqsim compare --runs 2 --seed-start 1 --set run.duration_ms=1000 -- -odd.json");
    cJSON_Delete(root);
    free(text);
    result_free(&r);
}
END_TEST

static Suite *compare_cmd_suite(void)
{
    Suite *s = suite_create("compare_cmd");
    TCase *tc = tcase_create("command");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_csv_json_and_table);
    tcase_add_test(tc, test_interrupt_resumes);
    tcase_add_test(tc, test_figures_zero_downtime);
    tcase_add_test(tc, test_figures_all_censored);
    tcase_add_test(tc, test_real_compare_plot);
    tcase_add_test(tc, test_real_compare_dashed_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    const char *bin = getenv("MQSIM");
    char plots[4096];
    if (!bin || !*bin)
        bin = "./mqsim";
    if (access(bin, X_OK) != 0 || runner_absolute(bin, g_mqsim, sizeof g_mqsim) < 0) {
        fprintf(stderr, "test_compare_cmd: no mqsim binary at %s (set MQSIM, or run from the repository root)\n", bin);
        return 1;
    }
    /* The scripts of this tree, whatever directory a test changes to. */
    if (!getenv("MQSIM_PLOTS") && access("plots/lag.gp", R_OK) == 0 && runner_absolute("plots", plots, sizeof plots) == 0)
        setenv("MQSIM_PLOTS", plots, 1);
    if (th_root_make("compare_cmd") < 0)
        return 1;

    return th_run_suite(compare_cmd_suite());
}
