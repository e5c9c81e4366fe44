/* test_plot: `mqsim plot DIR` (models/plot*.c) called in-process: every figure type drawn from a real run's output
 * ($MQSIM, else ./mqsim, runs short scenarios once in main), from run folders written by hand (the topic's "*"
 * rows and the groups' rows of timeseries.csv) and from compare.csv and summary.csv fixtures is a valid PNG of the
 * expected size and an SVG; the data files gnuplot reads hold what they should (the topic's failures without a
 * route, write and read lanes, idle against down, DLedger's "elected", an unrecovered group down to the end,
 * latency quantiles, columns found by name in any order, confidence intervals, units); no gnuplot on PATH gives
 * exit 3 and its one line, an empty directory exit 2, a failing script exit 3 with gnuplot's error passed on and
 * nothing left behind; index.html comes with the figures (its contents: test_report.c). Without gnuplot the
 * figures are not checked: a stand-in lets the data files be. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/cmd/plot.h"
#include "tests/harness.h"

#define CHILD_LIMIT_S 60

/* Set once in main, before the runner forks the tests. */
static char g_lag[128];          /* output of a short slave_lag run (redirects both ways) */
static char g_crash[128];        /* output of a short master_crash run with a quick operator (a failover) */
static int g_runs_ok;            /* both runs produced their files */
static int g_gnuplot;            /* a gnuplot is on PATH; without one, a stand-in writes placeholder figures */

/* ---- files ---- */

static int exists_in(const char *dir, const char *name)
{
    char p[512];
    struct stat st;
    th_join(p, sizeof p, dir, name);
    return lstat(p, &st) == 0;
}

/* Copies the files of a run's output directory into dir (so each test draws into a directory of its own). */
static void copy_run(const char *from, const char *dir)
{
    static const char *const names[] = {"metrics.json", "timeseries.csv", "trace.jsonl"};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[512];
        char *text;
        th_join(p, sizeof p, from, names[i]);
        text = th_slurp(p, NULL);
        ck_assert_msg(text != NULL, "%s: %s", p, strerror(errno));
        th_write_in(dir, names[i], text);
        free(text);
    }
}

/* Number of entries in dir whose name starts with prefix. */
static int count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

static int count_entries(const char *dir)
{
    return count_prefix(dir, "") - 2;     /* . and .. */
}

/* path made absolute against the current directory (realpath is not POSIX.1 base). 0, or -1. */
static int absolute(const char *path, char *out, size_t size)
{
    char cwd[PATH_MAX];
    int n;
    if (path[0] == '/')
        n = snprintf(out, size, "%s", path);
    else if (getcwd(cwd, sizeof cwd))
        n = snprintf(out, size, "%s/%s", cwd, path);
    else
        return -1;
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* ---- figures ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* dir/<fig>.png is a PNG of width x height, more than a few KB; dir/<fig>.svg an SVG document. */
static void check_figure(const char *dir, const char *fig, uint32_t width, uint32_t height)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    char name[256], p[512];
    size_t len;
    char *png, *svg;
    const char *s;

    if (!g_gnuplot)
        return;                 /* the stand-in draws nothing: only the data files can be checked */
    snprintf(name, sizeof name, "%s.png", fig);
    th_join(p, sizeof p, dir, name);
    png = th_slurp(p, &len);
    ck_assert_msg(png != NULL, "%s: %s", p, strerror(errno));
    ck_assert_msg(len > 8 * 1024, "%s: only %zu bytes", p, len);
    ck_assert_msg(memcmp(png, sig, 8) == 0, "%s: no PNG signature", p);
    ck_assert_msg(memcmp(png + 12, "IHDR", 4) == 0, "%s: the first chunk is not IHDR", p);
    ck_assert_msg(be32((unsigned char *)png + 16) == width && be32((unsigned char *)png + 20) == height,
                  "%s: %ux%u, expected %ux%u", p, be32((unsigned char *)png + 16), be32((unsigned char *)png + 20),
                  width, height);
    free(png);

    snprintf(name, sizeof name, "%s.svg", fig);
    th_join(p, sizeof p, dir, name);
    svg = th_slurp(p, &len);
    ck_assert_msg(svg != NULL, "%s: %s", p, strerror(errno));
    for (s = svg; *s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'; s++)
        ;
    ck_assert_msg(strncmp(s, "<?xml", 5) == 0 || strncmp(s, "<svg", 4) == 0, "%s: not an SVG document", p);
    ck_assert_msg(strstr(svg, "</svg>") != NULL, "%s: the SVG is not complete", p);
    free(svg);
}

/* No temporary file (".name.tmp.pid") is left in dir. */
static void check_no_temporaries(const char *dir)
{
    ck_assert_msg(count_prefix(dir, ".") == 2, "%s: a temporary file was left behind", dir);
}

/* ---- running things ---- */

/* Output captured from a call of plot_dir/cmd_plot in this process. */
struct captured {
    int rc;
    char *out, *err;
};

static void captured_free(struct captured *c)
{
    free(c->out);
    free(c->err);
}

static char *drain(int fd)
{
    char *s;
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    s = calloc((size_t)st.st_size + 1, 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ck_assert(read(fd, s, (size_t)st.st_size) == st.st_size);
    close(fd);
    return s;
}

static int temp_fd(void)
{
    char p[128];
    int fd;
    snprintf(p, sizeof p, "%s/io-XXXXXX", th_root);
    fd = mkstemp(p);
    ck_assert_int_ge(fd, 0);
    unlink(p);
    return fd;
}

/* Runs cmd_plot(argc, argv) with stdout and stderr going to files, and returns what it printed. */
static struct captured plot_captured(int argc, char **argv)
{
    struct captured c;
    int out = temp_fd(), err = temp_fd();
    int save_out = dup(1), save_err = dup(2);
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    c.rc = cmd_plot(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(save_out, 1);
    dup2(save_err, 2);
    close(save_out);
    close(save_err);
    c.out = drain(out);
    c.err = drain(err);
    return c;
}

static struct captured plot_dir_captured(const char *dir, int quiet)
{
    char *argv[3];
    argv[0] = (char *)dir;
    argv[1] = (char *)"--quiet";
    argv[2] = NULL;
    return plot_captured(quiet ? 2 : 1, argv);
}

/* Runs $MQSIM with args, its output discarded. Returns its exit status, or -1. */
static int run_mqsim(const char *bin, char *const *args)
{
    int status;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0) {
            dup2(nul, 1);
            dup2(nul, 2);
        }
        alarm(CHILD_LIMIT_S);
        execv(bin, args);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- run folders written by hand: the topic's "*" rows and the groups' rows of timeseries.csv ---- */

static const char ts_header[] =
    "group,t_ms,master_max_offset,slave1_lag_bytes,slave1_lag_msgs,backlog_msgs,reads_master,reads_slave,"
    "redirect_threshold_bytes,sends,acked,failed,latency_p50_ms,latency_p99_ms,redirects_to_slave,"
    "redirects_to_master\n";

/* One sample of a series: counts for the interval ending at t_s; p50 < 0 for no acknowledged send (empty). */
struct sample {
    double backlog, reads_master, reads_slave, sends, acked, failed, p50, p99;
};

static void put_row(FILE *f, const char *group, int t_s, const struct sample *s, int topic, double offset)
{
    char p50[32] = "", p99[32] = "";
    if (s->p50 >= 0) {
        snprintf(p50, sizeof p50, "%g", s->p50);
        snprintf(p99, sizeof p99, "%g", s->p99);
    }
    if (topic)
        fprintf(f, "*,%d,,,,%g,%g,%g,,%g,%g,%g,%s,%s,0,0\n", t_s * 1000, s->backlog, s->reads_master, s->reads_slave,
                s->sends, s->acked, s->failed, p50, p99);
    else
        fprintf(f, "%s,%d,%g,0,0,%g,%g,%g,1073741824,%g,%g,%g,%s,%s,0,0\n", group, t_s * 1000, offset, s->backlog,
                s->reads_master, s->reads_slave, s->sends, s->acked, s->failed, p50, p99);
}

static FILE *open_in(const char *dir, const char *name)
{
    char p[512];
    FILE *f;
    th_join(p, sizeof p, dir, name);
    f = fopen(p, "w");
    ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
    return f;
}

/* A manual failover of broker-a, one group, samples 0..20 s: the master crashes at 5 s; sends reach it and fail
 * until 8 s, then broker-a has left the route and every send fails with no route (counted in the "*" rows only)
 * until the promotion; the first write is acknowledged at 14.5 s. Reads: nothing delivered from 5 to 10 s while
 * 50 messages wait (down), the slave serves them at 11 s, then nothing to read until 15 s (idle). */
static void fixture_manual(const char *dir)
{
    FILE *f = open_in(dir, "timeseries.csv");
    double offset = 0;
    int t;
    fputs(ts_header, f);
    for (t = 0; t <= 20; t++) {
        struct sample top = {0, 0, 0, 0, 0, 0, -1, -1}, grp;
        if (t == 0) {
        } else if (t <= 5 || t >= 16) {
            top = (struct sample){0, 100, 0, 100, 100, 0, 2, 5};
        } else if (t <= 8) {
            top = (struct sample){50, 0, 0, 100, 0, 100, -1, -1};
        } else if (t <= 14) {
            top = (struct sample){t <= 10 ? 50 : 0, 0, t == 11 ? 50 : 0, 100, 0, 100, -1, -1};
        } else {
            top = (struct sample){0, 50, 0, 100, 50, 50, 3, 40};
        }
        grp = top;
        if (t >= 9 && t <= 15) {       /* no route: the failures are the topic's alone */
            grp.sends -= grp.failed;
            grp.failed = 0;
        }
        offset += grp.acked * 1000;
        put_row(f, "", t, &top, 1, 0);
        put_row(f, "broker-a", t, &grp, 0, offset);
    }
    ck_assert_int_eq(fclose(f), 0);
    th_write_in(dir, "metrics.json",
               "{\"scenario\": \"hand_manual\", \"seed\": 7, \"ha\": \"master_slave\", \"sim_ms\": 20000,\n"
               " \"topic\": {\"sends\": 2000, \"acked\": 1050, \"failed\": 950, \"availability\": 0.525,\n"
               "   \"latency_ms\": {\"mean\": 2.5, \"p50\": 2, \"p90\": 4, \"p99\": 5, \"p999\": 40,\n"
               "   \"max\": 41}},\n"
               " \"groups\": [{\"name\": \"broker-a\", \"failover\": {\"crash_ms\": 5000,\n"
               "   \"crash_kind\": \"process\", \"detected_ms\": 7000, \"elected_ms\": 14000,\n"
               "   \"new_master\": \"broker-a-1\", \"promoted_ms\": 14000, \"first_write_ms\": 14500,\n"
               "   \"downtime_ms\": 9500, \"recovered\": true, \"censored_ms\": null}}]}\n");
}

/* DLedger, two groups, samples 0..18 s of a 20 s run: broker-a's leader crashes at 5 s, a leader is elected at
 * 8 s but no write is acknowledged on broker-a by the end (recovered false); broker-b carries on, so the
 * topic's writes are partly failing. */
static void fixture_dledger(const char *dir)
{
    FILE *f = open_in(dir, "timeseries.csv");
    double off[2] = {0, 0};
    int t;
    fputs(ts_header, f);
    for (t = 0; t <= 18; t++) {
        struct sample a = {0, 0, 0, 0, 0, 0, -1, -1}, b = a, top;
        if (t > 0) {
            b = (struct sample){0, 100, 0, 100, 100, 0, 3, 9};
            a = t <= 5 ? b : (struct sample){0, 0, 0, 100, 0, 100, -1, -1};
        }
        top = (struct sample){0, a.reads_master + b.reads_master, 0, a.sends + b.sends, a.acked + b.acked,
                              a.failed + b.failed, t > 0 ? 3 : -1, 9};
        off[0] += a.acked * 1000;
        off[1] += b.acked * 1000;
        put_row(f, "", t, &top, 1, 0);
        put_row(f, "broker-a", t, &a, 0, off[0]);
        put_row(f, "broker-b", t, &b, 0, off[1]);
    }
    ck_assert_int_eq(fclose(f), 0);
    th_write_in(dir, "metrics.json",
               "{\"scenario\": \"hand_dledger\", \"seed\": 3, \"ha\": \"dledger\", \"sim_ms\": 20000,\n"
               " \"topic\": {\"availability\": 0.75, \"latency_ms\": {\"p50\": 3, \"p99\": 9}},\n"
               " \"groups\": [{\"name\": \"broker-a\", \"failover\": {\"crash_ms\": 5000, \"crash_kind\": \"host\",\n"
               "   \"detected_ms\": null, \"elected_ms\": 8000, \"new_master\": \"broker-a-2\",\n"
               "   \"promoted_ms\": 8200,\n"
               "   \"first_write_ms\": null, \"downtime_ms\": null, \"recovered\": false, \"censored_ms\": 15000}},\n"
               "  {\"name\": \"broker-b\", \"failover\": null}]}\n");
}

/* The rows of block `block` of a gnuplot data file (blocks are separated by two blank lines), NUL-terminated
 * in a copy the caller frees. */
static char *data_block(const char *text, int block)
{
    const char *s = text, *e;
    char *out;
    int i;
    for (i = 0; i < block; i++) {
        s = strstr(s, "\n\n\n");
        ck_assert_msg(s != NULL, "no block %d", block);
        s += 3;
    }
    e = strstr(s, "\n\n\n");
    if (!e)
        e = s + strlen(s);
    out = strndup(s, (size_t)(e - s));
    ck_assert_ptr_nonnull(out);
    return out;
}

/* Column col (1-based) of the row at t_s in a block; NaN for "NaN"; fails when there is no such row. */
static double block_value(const char *block, double t_s, int col)
{
    const char *line = block;
    while (line && *line) {
        if (*line != '#' && *line != '\n') {
            char *end;
            double t = strtod(line, &end);
            if (end != line && fabs(t - t_s) < 1e-9) {
                const char *s = line;
                int c;
                for (c = 1; c < col; c++) {
                    s = strchr(s, ' ');
                    ck_assert_msg(s != NULL, "row at %g has no column %d", t_s, col);
                    s++;
                }
                return strncmp(s, "NaN", 3) == 0 ? NAN : strtod(s, NULL);
            }
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    ck_abort_msg("no row at t = %g s", t_s);
    return NAN;
}

/* The state of the box of availability.lanes.dat on lane `lane` that holds time t_s; -1 when none does. When
 * end_s is not NULL, it gets that box's end. */
static int lane_state(const char *lanes, int lane, double t_s, double *end_s)
{
    const char *line = lanes;
    while (line && *line) {
        double mid, half;
        int l, st;
        if (*line != '#' && sscanf(line, "%lf %d %lf %d", &mid, &l, &half, &st) == 4 && l == lane &&
            t_s > mid - half && t_s < mid + half) {
            if (end_s)
                *end_s = mid + half;
            return st;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return -1;
}

/* ---- a run ---- */

START_TEST(test_run_slave_lag)
{
    char dir[128];
    char *dat, *marks, *line;
    int rows = 0, to_slave = 0, to_master = 0;
    struct captured c;

    ck_assert_msg(g_runs_ok, "the mqsim runs in main failed");
    th_scratch(dir, sizeof dir);
    copy_run(g_lag, dir);
    c = plot_dir_captured(dir, 0);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_msg(c.err[0] == '\0', "stderr: %s", c.err);
    ck_assert_int_eq(th_count_lines(c.out), 4);                /* one line a figure, then index.html's */
    ck_assert_ptr_nonnull(strstr(c.out, "/index.html  "));
    ck_assert_ptr_nonnull(strstr(c.out, "lag-broker-a.png"));
    ck_assert_ptr_nonnull(strstr(c.out, "availability.png"));
    ck_assert_ptr_nonnull(strstr(c.out, "latency.png"));
    check_figure(dir, "lag-broker-a", 1000, 720);
    check_figure(dir, "availability", 1000, 600);
    check_figure(dir, "latency", 1000, 500);
    check_no_temporaries(dir);

    /* The data: times in seconds, the threshold in MiB (256 MiB * 40%), one tick per pull.suggest. */
    dat = th_read_in(dir, "lag-broker-a.dat");
    for (line = strtok(dat, "\n"); line; line = strtok(NULL, "\n")) {
        double t, backlog, thr;
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%lf %lf %lf", &t, &backlog, &thr), 3);
        ck_assert_double_eq_tol(thr, 102.4, 1e-9);
        ck_assert_double_eq_tol(t, rows, 1e-9);
        rows++;
    }
    ck_assert_int_eq(rows, 151);                            /* 0 .. 150 s */
    free(dat);
    marks = th_read_in(dir, "lag-broker-a.marks.dat");
    for (line = strtok(marks, "\n"); line; line = strtok(NULL, "\n")) {
        double t;
        int to;
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%lf %d", &t, &to), 2);
        ck_assert(t > 1 && t <= 150);
        to ? to_slave++ : to_master++;
    }
    free(marks);
    /* The consumer is sent to the slave once its backlog passes the threshold (about 50 s in). */
    ck_assert_int_gt(to_slave, 0);
    ck_assert_int_ge(to_slave, to_master);
    captured_free(&c);
}
END_TEST

START_TEST(test_run_failover)
{
    char dir[128];
    char *marks, *lanes, *line;
    int kinds[4] = {0, 0, 0, 0}, down = 0;
    struct captured c;

    ck_assert_msg(g_runs_ok, "the mqsim runs in main failed");
    th_scratch(dir, sizeof dir);
    copy_run(g_crash, dir);
    c = plot_dir_captured(dir, 1);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_str_eq(c.out, "");                            /* --quiet */
    ck_assert_str_eq(c.err, "");
    check_figure(dir, "availability", 1000, 600);
    check_figure(dir, "lag-broker-a", 1000, 720);
    check_figure(dir, "latency", 1000, 500);

    /* The four moments of the failover, from metrics.json, in order. */
    marks = th_read_in(dir, "availability.marks.dat");
    {
        double prev = 0;
        for (line = strtok(marks, "\n"); line; line = strtok(NULL, "\n")) {
            double t;
            int kind, group;
            if (line[0] == '#')
                continue;
            ck_assert_int_eq(sscanf(line, "%lf %d %d", &t, &kind, &group), 3);
            ck_assert(kind >= 0 && kind < 4 && group == 0);
            ck_assert_msg(t >= prev, "marks out of order: %s", line);
            ck_assert(kind != 0 || fabs(t - 20.0) < 1e-9);  /* the crash, at 20 s */
            prev = t;
            kinds[kind]++;
        }
    }
    ck_assert_int_eq(kinds[0], 1);
    ck_assert_int_eq(kinds[1], 1);
    ck_assert_int_eq(kinds[2], 1);
    ck_assert_int_eq(kinds[3], 1);
    free(marks);
    /* Writes are down from the crash on: a lane box in state 3 starting at 20 s. */
    lanes = th_read_in(dir, "availability.lanes.dat");
    for (line = strtok(lanes, "\n"); line; line = strtok(NULL, "\n")) {
        double mid, half;
        int lane, state;
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%lf %d %lf %d", &mid, &lane, &half, &state), 4);
        if (lane == 1 && state == 3 && fabs(mid - half - 20.0) < 1e-6)
            down++;
    }
    ck_assert_int_eq(down, 1);
    free(lanes);

    /* The topic's failed sends, per second over 1 s samples, add up to metrics.json's topic.failed (failures
     * without a route included): at least the group's own. */
    {
        char *dat = th_read_in(dir, "availability.dat"), *metrics = th_read_in(dir, "metrics.json");
        char *topic = data_block(dat, 0), *group = data_block(dat, 1);
        const char *m = strstr(metrics, "\"topic\"");
        double sum[2] = {0, 0}, want;
        int k;
        for (k = 0; k < 2; k++) {
            char *blk = k ? group : topic, *save = NULL;
            for (line = strtok_r(blk, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                double ts, acked, failed;
                if (line[0] != '#' && sscanf(line, "%lf %lf %lf", &ts, &acked, &failed) == 3)
                    sum[k] += failed;
            }
        }
        ck_assert_ptr_nonnull(m);
        m = strstr(m, "\"failed\":");
        ck_assert_ptr_nonnull(m);
        want = strtod(m + strlen("\"failed\":"), NULL);
        ck_assert_double_gt(want, 0);
        ck_assert_double_eq_tol(sum[0], want, 1e-6);
        ck_assert_double_ge(sum[0], sum[1]);
        free(topic);
        free(group);
        free(dat);
        free(metrics);
    }
    captured_free(&c);
}
END_TEST

/* A run without trace.jsonl: the redirect ticks come from the running counts in timeseries.csv. */
START_TEST(test_run_without_trace)
{
    char dir[128], p[512];
    char *marks;
    struct captured c;

    ck_assert_msg(g_runs_ok, "the mqsim runs in main failed");
    th_scratch(dir, sizeof dir);
    copy_run(g_lag, dir);
    th_join(p, sizeof p, dir, "trace.jsonl");
    ck_assert_int_eq(unlink(p), 0);
    c = plot_dir_captured(dir, 1);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    check_figure(dir, "lag-broker-a", 1000, 720);
    marks = th_read_in(dir, "lag-broker-a.marks.dat");
    ck_assert_ptr_nonnull(strstr(marks, "from timeseries.csv"));
    ck_assert_ptr_nonnull(strstr(marks, " 1\n"));
    free(marks);
    captured_free(&c);
}
END_TEST

START_TEST(test_run_topic_and_lanes)
{
    char dir[128];
    char *dat, *topic, *group, *lanes, *marks;
    struct captured c;
    double t;

    th_scratch(dir, sizeof dir);
    fixture_manual(dir);
    c = plot_dir_captured(dir, 0);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_msg(c.err[0] == '\0', "stderr: %s", c.err);
    ck_assert_int_eq(th_count_lines(c.out), 4);                /* lag-broker-a, availability, latency, index.html */
    check_figure(dir, "availability", 1000, 600);
    check_figure(dir, "latency", 1000, 500);
    check_figure(dir, "lag-broker-a", 1000, 720);
    check_no_temporaries(dir);

    /* The topic's failed sends per second include the failures without a route (9..15 s), which the group's
     * rows do not have. */
    dat = th_read_in(dir, "availability.dat");
    topic = data_block(dat, 0);
    group = data_block(dat, 1);
    ck_assert_ptr_nonnull(strstr(topic, "# topic"));
    ck_assert_ptr_nonnull(strstr(group, "# group broker-a"));
    for (t = 6; t <= 14; t++) {
        ck_assert_double_eq_tol(block_value(topic, t, 3), 100, 1e-9);
        ck_assert_double_eq_tol(block_value(topic, t, 2), 0, 1e-9);
    }
    ck_assert_double_eq_tol(block_value(group, 7, 3), 100, 1e-9);
    ck_assert_double_eq_tol(block_value(group, 12, 3), 0, 1e-9);
    ck_assert_double_eq_tol(block_value(topic, 15, 2), 50, 1e-9);
    ck_assert_double_eq_tol(block_value(topic, 15, 3), 50, 1e-9);
    ck_assert_double_eq_tol(block_value(topic, 3, 4), 100, 1e-9);     /* delivered per second */
    ck_assert_double_eq_tol(block_value(topic, 3, 5), 100, 1e-9);     /* sends per second */
    free(topic);
    free(group);
    free(dat);

    /* Lanes (one group): 3 topic writes, 2 topic reads, 1 broker-a writes, 0 broker-a reads. */
    lanes = th_read_in(dir, "availability.lanes.dat");
    ck_assert_int_eq(lane_state(lanes, 3, 3.5, NULL), 1);
    ck_assert_int_eq(lane_state(lanes, 3, 11.5, NULL), 3);               /* every send fails */
    ck_assert_int_eq(lane_state(lanes, 3, 14.5, NULL), 2);               /* some acknowledged, some failed */
    ck_assert_int_eq(lane_state(lanes, 1, 11.5, NULL), 3);               /* no route: down, not idle */
    ck_assert_int_eq(lane_state(lanes, 1, 14.5, NULL), 1);
    ck_assert_int_eq(lane_state(lanes, 1, 18.5, NULL), 1);
    ck_assert_int_eq(lane_state(lanes, 0, 7.5, NULL), 3);                /* backlog 50, nothing delivered */
    ck_assert_int_eq(lane_state(lanes, 0, 10.5, NULL), 1);               /* the slave serves them */
    ck_assert_int_eq(lane_state(lanes, 0, 12.5, NULL), 0);               /* backlog 0: idle, not down */
    ck_assert_int_eq(lane_state(lanes, 2, 12.5, NULL), 0);
    ck_assert_int_eq(lane_state(lanes, 0, 17.5, NULL), 1);
    free(lanes);

    /* Manual promotion: the operator's alert and the promotion, in order, each labelled. */
    marks = th_read_in(dir, "availability.marks.dat");
    ck_assert_ptr_nonnull(strstr(marks, "\n5 0 0 \"master crash\"\n"));
    ck_assert_ptr_nonnull(strstr(marks, "\n7 1 0 \"detected (operator alert)\"\n"));
    ck_assert_ptr_nonnull(strstr(marks, "\n14 2 0 \"promoted\"\n"));
    ck_assert_ptr_nonnull(strstr(marks, "\n14.5 3 0 \"first write acknowledged\"\n"));
    ck_assert_ptr_null(strstr(marks, "elected"));
    ck_assert_ptr_null(strstr(marks, "not recovered"));
    free(marks);

    /* Latency: p50 and p99 of the topic, a gap where nothing was acknowledged. */
    dat = th_read_in(dir, "latency.dat");
    topic = data_block(dat, 0);
    group = data_block(dat, 1);
    ck_assert_double_eq_tol(block_value(topic, 3, 2), 2, 1e-9);
    ck_assert_double_eq_tol(block_value(topic, 3, 3), 5, 1e-9);
    ck_assert_double_eq_tol(block_value(topic, 15, 3), 40, 1e-9);
    ck_assert(isnan(block_value(topic, 10, 2)) && isnan(block_value(topic, 10, 3)));
    ck_assert(isnan(block_value(topic, 0, 2)));
    ck_assert_double_eq_tol(block_value(group, 15, 2), 3, 1e-9);
    free(topic);
    free(group);
    free(dat);

    /* lag-broker-a is drawn from the group's rows alone: 21 samples, not 42. */
    dat = th_read_in(dir, "lag-broker-a.dat");
    ck_assert_int_eq(th_count_lines(dat), 1 + 21);
    free(dat);
    captured_free(&c);
}
END_TEST

START_TEST(test_run_dledger_unrecovered)
{
    char dir[128];
    char *marks, *lanes, *dat, *blk;
    struct captured c;
    double end = 0;

    th_scratch(dir, sizeof dir);
    fixture_dledger(dir);
    c = plot_dir_captured(dir, 1);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_str_eq(c.err, "");
    check_figure(dir, "availability", 1000, 600 + 72);     /* a lane pair more for the second group */
    check_figure(dir, "latency", 1000, 500);
    check_figure(dir, "lag-broker-a", 1000, 720);
    check_figure(dir, "lag-broker-b", 1000, 720);

    /* DLedger: the new master is elected (elected_ms, not promoted_ms), no operator is alerted. */
    marks = th_read_in(dir, "availability.marks.dat");
    ck_assert_ptr_nonnull(strstr(marks, "\n8 2 0 \"elected\"\n"));
    ck_assert_ptr_null(strstr(marks, "operator"));
    ck_assert_ptr_null(strstr(marks, "promoted\""));
    ck_assert_ptr_null(strstr(marks, " 3 0 "));                      /* no first write on broker-a */
    ck_assert_ptr_nonnull(strstr(marks, "\n20 4 0 \"not recovered\"\n"));  /* crash + censored_ms */
    ck_assert_ptr_null(strstr(marks, " 1 \""));                     /* broker-b had no failover */
    free(marks);

    /* Lanes (two groups): 5 topic writes, 4 topic reads, 3/2 broker-a, 1/0 broker-b. broker-a's writes are down
     * from the crash to the end of the run, past its last sample (18 s). */
    lanes = th_read_in(dir, "availability.lanes.dat");
    ck_assert_int_eq(lane_state(lanes, 3, 4.5, NULL), 1);
    ck_assert_int_eq(lane_state(lanes, 3, 12.5, &end), 3);
    ck_assert_double_eq_tol(end, 20, 1e-9);
    ck_assert_int_eq(lane_state(lanes, 3, 19.5, NULL), 3);
    ck_assert_int_eq(lane_state(lanes, 1, 12.5, NULL), 1);
    ck_assert_int_eq(lane_state(lanes, 5, 12.5, NULL), 2);              /* the topic: partly failing */
    ck_assert_int_eq(lane_state(lanes, 2, 12.5, NULL), 0);              /* nothing to read: idle */
    free(lanes);

    dat = th_read_in(dir, "availability.dat");
    blk = data_block(dat, 0);
    ck_assert_double_eq_tol(block_value(blk, 12, 2), 100, 1e-9);
    ck_assert_double_eq_tol(block_value(blk, 12, 3), 100, 1e-9);
    free(blk);
    blk = data_block(dat, 2);
    ck_assert_ptr_nonnull(strstr(blk, "# group broker-b"));
    free(blk);
    free(dat);
    dat = th_read_in(dir, "latency.dat");
    blk = data_block(dat, 2);
    ck_assert_double_eq_tol(block_value(blk, 12, 3), 9, 1e-9);
    free(blk);
    free(dat);
    captured_free(&c);
}
END_TEST

/* ---- compare.csv ---- */

/* Columns in an unusual order, extra columns, empty fields (null), a quoted name with a comma. */
static const char compare_csv[] =
    "seed,acked_lost,promotion_ms,runs_ok,downtime_ms,scenario\n"
    "1,10,8000,1,10000,manual\n"
    "2,12,15000,1,20000,manual\n"
    "3,9,25000,1,30000,manual\n"
    "4,11,,1,,manual\n"
    "1,0,2000,1,3000,\"dledger, 3 nodes\"\n"
    "2,0,2500,1,3500,\"dledger, 3 nodes\"\n"
    "3,0,3000,1,4000,\"dledger, 3 nodes\"\n"
    "1,0,1000,1,1500,controller\n";

START_TEST(test_compare)
{
    char dir[128];
    char *ci, *cdf, *line;
    int rows = 0;
    struct captured c;

    th_scratch(dir, sizeof dir);
    th_write_in(dir, "compare.csv", compare_csv);
    c = plot_dir_captured(dir, 0);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_int_eq(th_count_lines(c.out), 3);                /* two figures and index.html */
    check_figure(dir, "downtime-cdf", 1000, 600);
    check_figure(dir, "downtime-ci", 1000, 600);
    check_no_temporaries(dir);

    /* manual: downtimes 10, 20, 30 s (the run without one is left out): mean 20 s, 95% CI 20 -/+
     * t(0.975, 2) * 10 / sqrt(3) = 20 -/+ 24.8413771; promotions 8, 15, 25 s. */
    ci = th_read_in(dir, "downtime-ci.dat");
    for (line = strtok(ci, "\n"); line; line = strtok(NULL, "\n")) {
        int i, dn, pn, runs;
        char name[64];
        double dm, dlo, dhi, pm, plo, phi;
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%d \"%63[^\"]\" %lf %lf %lf %d %lf %lf %lf %d %d", &i, name, &dm, &dlo, &dhi,
                                &dn, &pm, &plo, &phi, &pn, &runs), 11);
        ck_assert_int_eq(i, rows);
        if (rows == 0) {
            ck_assert_str_eq(name, "manual");
            ck_assert_double_eq_tol(dm, 20.0, 1e-9);
            ck_assert_double_eq_tol(dlo, 20.0 - 24.8413771, 1e-6);
            ck_assert_double_eq_tol(dhi, 20.0 + 24.8413771, 1e-6);
            ck_assert_int_eq(dn, 3);
            ck_assert_int_eq(runs, 4);
            ck_assert_double_eq_tol(pm, 16.0, 1e-9);
            ck_assert_int_eq(pn, 3);
        } else if (rows == 1) {
            ck_assert_str_eq(name, "dledger, 3 nodes");
            ck_assert_double_eq_tol(dm, 3.5, 1e-9);
        } else {
            /* One run: no interval, the whiskers collapse onto the mean. */
            ck_assert_str_eq(name, "controller");
            ck_assert_double_eq_tol(dlo, 1.5, 1e-9);
            ck_assert_double_eq_tol(dhi, 1.5, 1e-9);
        }
        rows++;
    }
    ck_assert_int_eq(rows, 3);
    free(ci);
    /* The CDF of manual ends at 3 of 4 runs: one never recovered (an older compare.csv: no censored time). */
    cdf = th_read_in(dir, "downtime-cdf.dat");
    ck_assert_ptr_nonnull(strstr(cdf, "\"manual (4 runs; 1 of 4 did not recover in the run)\"\n10 0\n10 0.25\n20 0.5\n30 0.75\n"));
    free(cdf);
    captured_free(&c);
}
END_TEST

START_TEST(test_compare_bad_header)
{
    char dir[128];
    struct captured c;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "compare.csv", "scenario,seed,promotion_ms\nx,1,5\n");
    c = plot_dir_captured(dir, 0);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_int_eq(th_count_lines(c.err), 1);
    ck_assert_ptr_nonnull(strstr(c.err, "compare.csv"));
    ck_assert_ptr_nonnull(strstr(c.err, "downtime_ms"));
    ck_assert(!exists_in(dir, "downtime-cdf.png"));
    captured_free(&c);
}
END_TEST

/* ---- summary.csv ---- */

/* Two swept keys (a number in ms, then a role), two metrics; bookkeeping columns (runs, violations) that are not
 * swept keys; stats in any order. */
static const char summary_csv[] =
    "operator.reaction.median_ms,groups[0].role,runs,violations,downtime_ms_mean,downtime_ms_n,downtime_ms_sd,"
    "downtime_ms_ci95_lo,downtime_ms_ci95_hi,downtime_ms_median,downtime_ms_p95,acked_lost_n,acked_lost_mean,"
    "acked_lost_sd,acked_lost_ci95_lo,acked_lost_ci95_hi,acked_lost_median,acked_lost_p95\n"
    "60000,ASYNC_MASTER,10,0,130000,10,20000,115000,145000,128000,160000,10,50,10,43,57,50,65\n"
    "300000,ASYNC_MASTER,10,0,370000,10,60000,327000,413000,360000,470000,10,52,11,44,60,51,70\n"
    "600000,ASYNC_MASTER,10,1,690000,10,90000,625000,755000,680000,840000,10,49,9,43,55,49,63\n"
    "60000,SYNC_MASTER,10,0,135000,10,20000,120000,150000,130000,165000,10,0,0,0,0,0,0\n"
    "300000,SYNC_MASTER,10,0,380000,10,60000,337000,423000,370000,480000,10,0,0,0,0,0,0\n"
    "600000,SYNC_MASTER,10,0,,0,,,,,,10,0,0,0,0,0,0\n";

START_TEST(test_sweep)
{
    char dir[128];
    char *dat;
    struct captured c;

    th_scratch(dir, sizeof dir);
    th_write_in(dir, "summary.csv", summary_csv);
    c = plot_dir_captured(dir, 0);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_int_eq(th_count_lines(c.out), 3);                /* one figure a metric, and index.html */
    check_figure(dir, "sweep-downtime_ms", 1000, 600);
    check_figure(dir, "sweep-acked_lost", 1000, 600);
    check_no_temporaries(dir);
    /* x in seconds, y in seconds; a line per role; the grid point without a mean is left out. */
    dat = th_read_in(dir, "sweep-downtime_ms.dat");
    ck_assert_ptr_nonnull(strstr(dat, "\"ASYNC_MASTER\"\n60 130 115 145 10 \"60000\"\n"
                                      "300 370 327 413 10 \"300000\"\n600 690 625 755 10 \"600000\"\n"));
    ck_assert_ptr_nonnull(strstr(dat, "\n\n\n\"x\" \"mean\" \"SYNC_MASTER\"\n60 135 120 150 10 "
                                      "\"60000\"\n300 380 337 423 10 \"300000\"\n"));
    ck_assert_ptr_null(strstr(dat, "600 NaN"));
    free(dat);
    captured_free(&c);
}
END_TEST

/* A categorical first key, named by sweep.json (so the constant "base" column is not taken for a key). */
START_TEST(test_sweep_categorical)
{
    char dir[128];
    char *dat;
    struct captured c;

    th_scratch(dir, sizeof dir);
    th_write_in(dir, "sweep.json", "{\"base\": \"scenarios/master_crash.json\", \"runs\": 5,\n"
                                  " \"vary\": {\"groups[0].flush\": [\"ASYNC_FLUSH\", \"SYNC_FLUSH\"]}}\n");
    th_write_in(dir, "summary.csv", "base,groups[0].flush,acked_lost_mean,acked_lost_ci95_lo,acked_lost_ci95_hi\n"
                                   "x.json,ASYNC_FLUSH,120.5,100,141\n"
                                   "x.json,SYNC_FLUSH,0,0,0\n");
    c = plot_dir_captured(dir, 1);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    check_figure(dir, "sweep-acked_lost", 1000, 600);
    dat = th_read_in(dir, "sweep-acked_lost.dat");
    ck_assert_ptr_nonnull(strstr(dat, "\n0 120.5 100 141 NaN \"ASYNC_FLUSH\"\n1 0 0 0 NaN \"SYNC_FLUSH\"\n"));
    free(dat);
    captured_free(&c);
}
END_TEST

/* A metric null at every grid point (no failover in any run) gets no figure, and a line says so; the others
 * are drawn. */
START_TEST(test_sweep_null_metric)
{
    char dir[128];
    struct captured c;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "summary.csv", "rate,runs,violations,acked_n,acked_mean,acked_ci95_lo,acked_ci95_hi,"
                                   "down_ms_n,down_ms_mean,down_ms_ci95_lo,down_ms_ci95_hi\n"
                                   "100,2,0,2,95,90,100,0,,,\n"
                                   "200,2,0,2,190,180,200,0,,,\n");
    c = plot_dir_captured(dir, 1);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    check_figure(dir, "sweep-acked", 1000, 600);
    ck_assert_msg(strstr(c.err, "no figure sweep-down_ms: sweep metric \"down_ms\" is null in every run") != NULL,
                  "stderr: %s", c.err);
    ck_assert_msg(strstr(c.err, "\"acked\"") == NULL, "stderr: %s", c.err);
    captured_free(&c);
}
END_TEST

START_TEST(test_sweep_without_metrics)
{
    char dir[128];
    struct captured c;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "summary.csv", "a,b\n1,2\n");
    c = plot_dir_captured(dir, 0);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_int_eq(th_count_lines(c.err), 1);
    ck_assert_ptr_nonnull(strstr(c.err, "summary.csv"));
    captured_free(&c);
}
END_TEST

/* ---- the command's contract ---- */

START_TEST(test_no_gnuplot)
{
    char dir[128], empty[128], line[512];
    struct captured c;

    ck_assert_msg(g_runs_ok, "the mqsim runs in main failed");
    th_scratch(dir, sizeof dir);
    th_scratch(empty, sizeof empty);
    copy_run(g_lag, dir);
    th_write_in(dir, "compare.csv", compare_csv);
    ck_assert_int_eq(setenv("PATH", empty, 1), 0);
    c = plot_dir_captured(dir, 0);
    ck_assert_int_eq(c.rc, 3);
    snprintf(line, sizeof line, "mqsim: gnuplot not found; install it (apt-get install gnuplot-nox) \xe2\x80\x94 the CSV "
                                "files in %s are kept\n", dir);
    ck_assert_str_eq(c.err, line);
    ck_assert_str_eq(c.out, "");
    ck_assert_int_eq(count_entries(dir), 4);               /* nothing written */
    captured_free(&c);
}
END_TEST

START_TEST(test_empty_dir)
{
    char dir[128];
    struct captured c;
    th_scratch(dir, sizeof dir);
    c = plot_dir_captured(dir, 0);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_int_eq(th_count_lines(c.err), 1);
    ck_assert_ptr_nonnull(strstr(c.err, "nothing to plot"));
    ck_assert_int_eq(count_entries(dir), 0);
    captured_free(&c);
}
END_TEST

/* A script gnuplot rejects: exit 3, gnuplot's error on stderr, no figure and no temporary file left. */
START_TEST(test_gnuplot_fails)
{
    char dir[128], plots[128];
    struct captured c;

    if (!g_gnuplot)
        return;                 /* gnuplot's own messages are what is checked */

    th_scratch(dir, sizeof dir);
    th_scratch(plots, sizeof plots);
    th_write_in(plots, "lag.gp", "# present: the directory is recognised by it\n");
    th_write_in(plots, "downtime_cdf.gp", "set terminal pngcairo\nset output png\nplot this_is_not_defined(x)\n");
    th_write_in(plots, "downtime_ci.gp", "set terminal pngcairo\nset output png\nplot sin(x)\n");   /* no SVG */
    th_write_in(dir, "compare.csv", compare_csv);
    ck_assert_int_eq(setenv("MQSIM_PLOTS", plots, 1), 0);
    c = plot_dir_captured(dir, 0);
    ck_assert_int_eq(c.rc, 3);
    ck_assert_msg(strstr(c.err, "mqsim: gnuplot (downtime_cdf.gp): ") != NULL, "stderr: %s", c.err);
    ck_assert_msg(strstr(c.err, "undefined function") != NULL, "stderr: %s", c.err);
    ck_assert_msg(strstr(c.err, "downtime_ci.gp") != NULL, "stderr: %s", c.err);
    ck_assert(!exists_in(dir, "downtime-cdf.png"));
    ck_assert(!exists_in(dir, "downtime-ci.png"));
    ck_assert(!exists_in(dir, "downtime-ci.svg"));
    check_no_temporaries(dir);
    captured_free(&c);
}
END_TEST

START_TEST(test_scripts_not_found)
{
    char dir[128], nowhere[128];
    struct captured c;
    th_scratch(dir, sizeof dir);
    th_scratch(nowhere, sizeof nowhere);
    th_write_in(dir, "compare.csv", compare_csv);
    ck_assert_int_eq(setenv("MQSIM_PLOTS", nowhere, 1), 0);
    ck_assert_int_eq(chdir(nowhere), 0);                  /* no ./plots either */
    c = plot_dir_captured(dir, 0);
    if (access("/usr/local/share/mqsim/plots/lag.gp", F_OK) == 0) {
        ck_assert_int_eq(c.rc, 0);                         /* an installed copy was found */
    } else {
        ck_assert_int_eq(c.rc, 3);
        ck_assert_int_eq(th_count_lines(c.err), 1);
        ck_assert_ptr_nonnull(strstr(c.err, nowhere));
        ck_assert_ptr_nonnull(strstr(c.err, "share/mqsim/plots"));
    }
    captured_free(&c);
}
END_TEST

START_TEST(test_usage)
{
    char *none[1] = {NULL};
    char *bad[3] = {(char *)"x", (char *)"--loud", NULL};
    char *two[3] = {(char *)"x", (char *)"y", NULL};
    char *missing[2] = {(char *)"/nonexistent/mqsim-plot", NULL};
    struct captured c = plot_captured(0, none);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_int_eq(th_count_lines(c.err), 1);
    captured_free(&c);
    c = plot_captured(2, bad);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_ptr_nonnull(strstr(c.err, "--loud"));
    captured_free(&c);
    c = plot_captured(2, two);
    ck_assert_int_eq(c.rc, 2);
    captured_free(&c);
    c = plot_captured(1, missing);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_ptr_nonnull(strstr(c.err, "/nonexistent/mqsim-plot"));
    captured_free(&c);
}
END_TEST

static Suite *plot_suite(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("figures");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_run_slave_lag);
    tcase_add_test(tc, test_run_failover);
    tcase_add_test(tc, test_run_without_trace);
    tcase_add_test(tc, test_run_topic_and_lanes);
    tcase_add_test(tc, test_run_dledger_unrecovered);
    tcase_add_test(tc, test_compare);
    tcase_add_test(tc, test_sweep);
    tcase_add_test(tc, test_sweep_categorical);
    tcase_add_test(tc, test_sweep_null_metric);
    suite_add_tcase(s, tc);
    tc = tcase_create("contract");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_no_gnuplot);
    tcase_add_test(tc, test_empty_dir);
    tcase_add_test(tc, test_gnuplot_fails);
    tcase_add_test(tc, test_scripts_not_found);
    tcase_add_test(tc, test_compare_bad_header);
    tcase_add_test(tc, test_sweep_without_metrics);
    tcase_add_test(tc, test_usage);
    suite_add_tcase(s, tc);
    return s;
}

/* Whether an executable "gnuplot" is in one of PATH's directories. */
static int gnuplot_on_path(void)
{
    const char *path = getenv("PATH");
    char *copy, *dir, *save = NULL;
    int found = 0;
    if (!path || !(copy = strdup(path)))
        return 0;
    for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/gnuplot", *dir ? dir : ".");
        found = access(p, X_OK) == 0;
    }
    free(copy);
    return found;
}

/* Without gnuplot: a stand-in first on PATH that writes a line to the png= and svg= files named in its -e
 * definitions, so that `mqsim plot` writes its data files and they can be tested (the figures are not). */
static void install_stand_in(void)
{
    char bin[PATH_MAX], p[PATH_MAX + 16], *path;
    const char *old = getenv("PATH");
    FILE *f;
    snprintf(bin, sizeof bin, "%s/bin", th_root);
    snprintf(p, sizeof p, "%s/gnuplot", bin);
    if (mkdir(bin, 0777) != 0 || !(f = fopen(p, "w")))
        return;
    fputs("#!/bin/sh\n"
          "for v in png svg; do\n"
          "  f=$(printf '%s\\n' \"$2\" | tr ';' '\\n' | sed -n \"s/^$v='\\(.*\\)'\\$/\\1/p\")\n"
          "  [ -n \"$f\" ] && echo stand-in > \"$f\"\n"
          "done\n"
          "exit 0\n", f);
    fclose(f);
    chmod(p, 0755);
    path = malloc(strlen(bin) + strlen(old ? old : "") + 2);
    if (!path)
        return;
    sprintf(path, "%s:%s", bin, old ? old : "");
    setenv("PATH", path, 1);
    free(path);
    fprintf(stderr, "test_plot: no gnuplot on PATH: data files tested, figures not drawn\n");
}

int main(void)
{
    const char *bin = getenv("MQSIM");
    char abs_bin[PATH_MAX], plots[PATH_MAX];
    SRunner *sr;
    int failed;

    if (!bin || !*bin)
        bin = "./mqsim";
    if (absolute(bin, abs_bin, sizeof abs_bin) != 0 || access(abs_bin, X_OK) != 0) {
        fprintf(stderr, "test_plot: no mqsim binary at %s (set MQSIM, or run from the repository root)\n", bin);
        return 1;
    }
    /* The scripts of this tree, whatever directory a test changes to. */
    if (access("plots/lag.gp", R_OK) == 0 && absolute("plots", plots, sizeof plots) == 0 && !getenv("MQSIM_PLOTS"))
        setenv("MQSIM_PLOTS", plots, 1);
    if (th_root_make("plot") < 0)
        return 1;

    g_gnuplot = gnuplot_on_path();
    if (!g_gnuplot)
        install_stand_in();
    snprintf(g_lag, sizeof g_lag, "%s/slave_lag", th_root);
    snprintf(g_crash, sizeof g_crash, "%s/master_crash", th_root);
    {
        char *lag[] = {abs_bin, (char *)"scenarios/slave_lag.json", (char *)"--set", (char *)"run.duration_ms=150000",
                       (char *)"--out", g_lag, (char *)"--quiet", NULL};
        /* A quick operator, so that the whole failover fits in 150 s. */
        char *crash[] = {abs_bin, (char *)"scenarios/master_crash.json",
                         (char *)"--set", (char *)"run.duration_ms=150000",
                         (char *)"--set", (char *)"faults[0].at_ms=20000",
                         (char *)"--set", (char *)"operator.alert_delay={\"const_ms\":5000}",
                         (char *)"--set", (char *)"operator.reaction={\"const_ms\":10000}",
                         (char *)"--set", (char *)"operator.procedure={\"const_ms\":10000}",
                         (char *)"--out", g_crash, (char *)"--quiet", NULL};
        int a = run_mqsim(abs_bin, lag), b = run_mqsim(abs_bin, crash);
        g_runs_ok = a == 0 && b == 0;
        if (!g_runs_ok)
            fprintf(stderr, "test_plot: %s exited %d (slave_lag) and %d (master_crash)\n", abs_bin, a, b);
    }

    sr = srunner_create(plot_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    th_root_remove();
    return failed == 0 ? 0 : 1;
}
