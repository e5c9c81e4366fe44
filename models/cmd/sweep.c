/* sweep: `mqsim sweep`: its arguments, the sweep carried out by sim/lab/sweep, and --plot's figures. */
#include "models/cmd/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cmd/plot.h"
#include "sim/lab/runner.h"
#include "sim/lab/sweep.h"

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "mqsim: sweep: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    return 2;
}

static int sweep_main(struct sweep_run *x, int argc, char **argv)
{
    struct sweep_opts o = {0};
    const char *file = NULL;
    char **collect = NULL;
    int ncollect = 0, list = 0, is_collect = 0, plot = 0;
    long long jobs = 0;
    collect = calloc((size_t)argc + 1, sizeof *collect);
    if (!collect)
        return 3;
    int rc = 2;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0) {
            o.quiet = 1;
        } else if (strcmp(a, "--plot") == 0) {
            plot = 1;
        } else if (strcmp(a, "--list") == 0) {
            list = 1;
        } else if (strcmp(a, "--collect") == 0) {
            is_collect = 1;
            while (i + 1 < argc && !(argv[i + 1][0] == '-' && argv[i + 1][1] == '-'))
                collect[ncollect++] = argv[++i];
            if (ncollect == 0) {
                rc = usage("%s", "--collect needs at least one directory (the --out of the --list runs)");
                goto out;
            }
        } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "--out") == 0) {
            if (!v) {
                rc = usage("option \"%s\" needs a value", a);
                goto out;
            }
            i++;
            if (strcmp(a, "--out") == 0) {
                o.out = v;
            } else if (runner_parse_int(v, 1, 4096, &jobs) < 0) {
                rc = usage("--jobs: expected an integer from 1 to 4096, got \"%s\"", v);
                goto out;
            } else {
                o.jobs = (int)jobs;
            }
        } else if (a[0] == '-' && a[1]) {
            rc = usage("unknown option \"%s\" (usage: mqsim sweep SWEEP.json [--jobs J] [--out DIR] [--list] "
                       "[--collect DIR...] [--plot] [--quiet])", a);
            goto out;
        } else if (!file) {
            file = a;
        } else {
            rc = usage("one sweep file at a time; unexpected \"%s\"", a);
            goto out;
        }
    }
    if (!file) {
        rc = usage("%s", "no sweep file given (usage: mqsim sweep SWEEP.json [--jobs J] [--out DIR])");
        goto out;
    }
    if (list && is_collect) {
        rc = usage("%s", "--list and --collect are two steps: one at a time");
        goto out;
    }
    if (list && plot) {
        rc = usage("%s", "--plot draws results: give it to --collect, not to --list");
        goto out;
    }
    o.file = file;
    rc = sweep_open(x, &o);
    if (rc)
        goto out;
    if (list || is_collect) {
        if (sweep_rank(x) == 0)
            rc = list ? sweep_list(x) : sweep_collect(x, collect, ncollect);
        goto out;
    }
    rc = sweep_exec(x);
out:
    /* --plot: the figures of summary.csv (plot_dir says what went wrong, if anything). */
    if (plot && sweep_written(x) && rc < 128 && sweep_rank(x) == 0 && plot_dir(sweep_out_dir(x), o.quiet) != 0 &&
        rc == 0)
        rc = 3;
    free(collect);
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    struct sweep_run *x = sweep_begin();
    if (!x) {
        fprintf(stderr, "mqsim: out of memory\n");
        return 3;
    }
    return sweep_end(x, sweep_main(x, argc, argv));
}
