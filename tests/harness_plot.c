/* harness_plot: `mqsim plot` called in-process with its output captured, the figures and files it writes, and
 * the runs and the gnuplot (or a stand-in) the plot tests draw with. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

char th_plot_lag[128], th_plot_crash[128];
int th_plot_runs_ok, th_gnuplot;

void th_copy_run(const char *from, const char *dir)
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

int th_count_prefix(const char *dir, const char *prefix)
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

int th_count_entries(const char *dir)
{
    return th_count_prefix(dir, "") - 2;     /* . and .. */
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void th_check_figure(const char *dir, const char *fig, uint32_t width, uint32_t height)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    char name[256], p[512];
    size_t len;
    char *png, *svg;
    const char *s;

    if (!th_gnuplot)
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

void th_check_no_temporaries(const char *dir)
{
    ck_assert_msg(th_count_prefix(dir, ".") == 2, "%s: a temporary file was left behind", dir);
}

void th_captured_free(struct th_captured *c)
{
    free(c->out);
    free(c->err);
}

struct th_captured th_plot_captured(int argc, char **argv)
{
    struct th_captured c;
    int out = th_anon_fd(), err = th_anon_fd();
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
    c.out = th_slurp_fd(out, NULL);
    c.err = th_slurp_fd(err, NULL);
    return c;
}

struct th_captured th_plot_dir_captured(const char *dir, int quiet)
{
    char *argv[3];
    argv[0] = (char *)dir;
    argv[1] = (char *)"--quiet";
    argv[2] = NULL;
    return th_plot_captured(quiet ? 2 : 1, argv);
}

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
        alarm(60);
        execv(bin, args);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

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

static void install_stand_in(const char *test)
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
    fprintf(stderr, "%s: no gnuplot on PATH: data files tested, figures not drawn\n", test);
}

int th_plot_setup(const char *test, int runs)
{
    const char *bin = getenv("MQSIM");
    char *abs_bin, *plots;

    if (!bin || !*bin)
        bin = "./mqsim";
    abs_bin = th_absolute(bin);
    if (!abs_bin || access(abs_bin, X_OK) != 0) {
        fprintf(stderr, "%s: no mqsim binary at %s (set MQSIM, or run from the repository root)\n", test, bin);
        free(abs_bin);
        return -1;
    }
    /* The scripts of this tree, whatever directory a test changes to. */
    if (access("plots/lag.gp", R_OK) == 0 && !getenv("MQSIM_PLOTS") && (plots = th_absolute("plots")) != NULL) {
        setenv("MQSIM_PLOTS", plots, 1);
        free(plots);
    }
    if (th_root_make(test + (strncmp(test, "test_", 5) == 0 ? 5 : 0)) < 0) {
        free(abs_bin);
        return -1;
    }
    th_gnuplot = gnuplot_on_path();
    if (!th_gnuplot)
        install_stand_in(test);
    snprintf(th_plot_lag, sizeof th_plot_lag, "%s/slave_lag", th_root);
    snprintf(th_plot_crash, sizeof th_plot_crash, "%s/master_crash", th_root);
    if (runs) {
        char *lag[] = {abs_bin, (char *)"scenarios/slave_lag.json", (char *)"--set", (char *)"run.duration_ms=150000",
                       (char *)"--out", th_plot_lag, (char *)"--quiet", NULL};
        /* A quick operator, so that the whole failover fits in 150 s. */
        char *crash[] = {abs_bin, (char *)"scenarios/master_crash.json",
                         (char *)"--set", (char *)"run.duration_ms=150000",
                         (char *)"--set", (char *)"faults[0].at_ms=20000",
                         (char *)"--set", (char *)"operator.alert_delay={\"const_ms\":5000}",
                         (char *)"--set", (char *)"operator.reaction={\"const_ms\":10000}",
                         (char *)"--set", (char *)"operator.procedure={\"const_ms\":10000}",
                         (char *)"--out", th_plot_crash, (char *)"--quiet", NULL};
        int a = run_mqsim(abs_bin, lag), b = run_mqsim(abs_bin, crash);
        th_plot_runs_ok = a == 0 && b == 0;
        if (!th_plot_runs_ok)
            fprintf(stderr, "%s: %s exited %d (slave_lag) and %d (master_crash)\n", test, abs_bin, a, b);
    }
    free(abs_bin);
    return 0;
}
