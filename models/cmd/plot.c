/* plot: `mqsim plot DIR`. Reads what a run, a compare or a sweep wrote, prepares the small data files the
 * scripts in plots/ read, and runs gnuplot once a figure (it writes the PNG and the SVG). The data files are
 * kept beside the figures so that a user can restyle a figure with gnuplot alone. This file: the command,
 * finding gnuplot and the scripts, and which figures a folder gets (plot_run.c, plot_compare.c, plot_sweep.c). */
#include "models/cmd/plot.h"
#include "models/cmd/plot_int.h"
#include "models/cmd/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/cmd/cli.h"
#include "sim/out.h"

#ifndef MQSIM_PREFIX
#define MQSIM_PREFIX "/usr/local"
#endif

static int in_dir(const struct plot *p, const char *name)
{
    char path[OUT_PATH_MAX];
    return join(path, sizeof path, p->dir, name) == 0 && is_file(path);
}

/* ---- gnuplot ---- */

/* The first executable "gnuplot" on PATH. 0, or -1. */
static int find_gnuplot(char *out, size_t size)
{
    const char *path = getenv("PATH");
    const char *s;

    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (s = path; *s;) {
        const char *e = strchr(s, ':');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n > 0 && n + sizeof "/gnuplot" <= size) {
            memcpy(out, s, n);
            memcpy(out + n, "/gnuplot", sizeof "/gnuplot");
            if (is_file(out) && access(out, X_OK) == 0)
                return 0;
        }
        if (!e)
            break;
        s = e + 1;
    }
    return -1;
}

/* The scripts directory: the first candidate holding lag.gp. 0, or -1 with the places looked in printed. */
static int find_scripts(char *out, size_t size)
{
    char cand[5][OUT_PATH_MAX];
    char exe[OUT_PATH_MAX], looked[5 * OUT_PATH_MAX + 16];
    const char *env = getenv("MQSIM_PLOTS");
    int n = 0, i;
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);

    if (env && *env)
        snprintf(cand[n++], OUT_PATH_MAX, "%s", env);
    if (len > 0) {
        char *slash;
        exe[len] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            if (join(cand[n], OUT_PATH_MAX, exe, "plots") == 0)
                n++;
            if (join(cand[n], OUT_PATH_MAX, exe, "../share/mqsim/plots") == 0)
                n++;
        }
    }
    snprintf(cand[n++], OUT_PATH_MAX, "./plots");
    snprintf(cand[n++], OUT_PATH_MAX, "%s/share/mqsim/plots", MQSIM_PREFIX);
    looked[0] = '\0';
    for (i = 0; i < n; i++) {
        char probe[OUT_PATH_MAX];
        if (join(probe, sizeof probe, cand[i], "lag.gp") == 0 && is_file(probe)) {
            snprintf(out, size, "%s", cand[i]);
            return 0;
        }
        strcat(looked, i ? ", " : "");
        strcat(looked, cand[i]);
    }
    perr("the gnuplot scripts of mqsim (plots/*.gp) were not found; looked in %s (set MQSIM_PLOTS to their "
         "directory)", looked);
    return -1;
}

/* ---- the command ---- */

int plot_dir(const char *dir, int quiet)
{
    struct plot p;
    struct stat st;
    int run, cmp, swp;

    memset(&p, 0, sizeof p);
    p.dir = dir;
    p.quiet = quiet;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        perr("%s: %s", dir, stat(dir, &st) != 0 ? strerror(errno) : "not a directory");
        return ST_INPUT;
    }
    run = in_dir(&p, "timeseries.csv") && in_dir(&p, "metrics.json");
    cmp = in_dir(&p, "compare.csv");
    swp = in_dir(&p, "summary.csv");
    if (!run && !cmp && !swp) {
        perr("%s: nothing to plot (expected timeseries.csv and metrics.json from a run, compare.csv from mqsim "
             "compare or summary.csv from mqsim sweep)", dir);
        return ST_INPUT;
    }
    if (find_gnuplot(p.gnuplot, sizeof p.gnuplot) != 0) {
        fprintf(stderr, "mqsim: gnuplot not found; install it (apt-get install gnuplot-nox) \xe2\x80\x94 the CSV "
                        "files in %s are kept\n", dir);
        return ST_OUTPUT;
    }
    if (find_scripts(p.scripts, sizeof p.scripts) != 0)
        return ST_OUTPUT;
    if (run)
        plot_run(&p);
    if (cmp && !p.bailed)
        plot_compare(&p);
    if (swp && !p.bailed)
        plot_sweep(&p);
    /* index.html shows the figures just drawn, so it comes last; not after an input that could not be read
     * or held nothing to draw, which leaves the folder as it was (the error is printed once). A figure the
     * data cannot give (no run recovered: no downtime CDF) is one line and exit status 2, and the others are
     * drawn and shown. */
    if (!p.bailed)
        set_status(&p, report_write(dir, quiet));
    fflush(stdout);
    return p.status;
}

int cmd_plot(int argc, char **argv)
{
    const char *dir = NULL, *v;
    int quiet = 0, k;
    struct cli_parse p;

    if (cli_begin(&p, cli_find("plot"), "mqsim: plot: ", argc, argv) < 0)
        return ST_INPUT;
    while ((k = cli_next(&p, &v)) != CLI_END) {
        if (k == CLI_ERROR) {
            cli_end(&p);
            return ST_INPUT;
        }
        if (k == OPT_HELP) {
            cli_help(p.cmd, stdout);
            cli_end(&p);
            return 0;
        }
        if (k == OPT_QUIET) {
            quiet = 1;
        } else if (dir) {
            cli_end(&p);
            perr("plot: one directory per call (usage: mqsim plot DIR [--quiet])");
            return ST_INPUT;
        } else {
            dir = v;
        }
    }
    cli_end(&p);
    if (!dir) {
        perr("plot: which directory? (usage: mqsim plot DIR [--quiet])");
        return ST_INPUT;
    }
    return plot_dir(dir, quiet);
}
