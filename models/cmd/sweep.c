/* sweep: `mqsim sweep`: its arguments, the sweep carried out by sim/lab/sweep, and --plot's figures. */
#include "models/cmd/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/cmd/cli.h"
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
    int rc = 2, k;
    const char *v;
    struct cli_parse p;
    if (cli_begin(&p, cli_find("sweep"), "mqsim: sweep: ", argc, argv) < 0)
        goto out;
    while ((k = cli_next(&p, &v)) != CLI_END) {
        if (k == CLI_ERROR) {
            cli_end(&p);
            goto out;
        }
        if (k == OPT_HELP) {
            cli_help(p.cmd, stdout);
            cli_end(&p);
            rc = 0;
            goto out;
        }
        if (k == OPT_QUIET) {
            o.quiet = 1;
        } else if (k == OPT_PLOT) {
            plot = 1;
        } else if (k == OPT_LIST) {
            list = 1;
        } else if (k == OPT_COLLECT) {
            is_collect = 1;
        } else if (k == OPT_OUT) {
            o.out = v;
        } else if (k == OPT_JOBS) {
            if (runner_parse_int(v, 1, 4096, &jobs) < 0) {
                usage("--jobs: expected an integer from 1 to 4096, got \"%s\"", v);
                cli_end(&p);
                goto out;
            }
            o.jobs = (int)jobs;
        } else if (!file) {
            file = v;
        } else {
            collect[ncollect++] = (char *)v;
        }
    }
    cli_end(&p);
    if (ncollect && !is_collect) {
        rc = usage("one sweep file at a time; unexpected \"%s\" (folders to merge go after --collect)", collect[0]);
        goto out;
    }
    if (is_collect && ncollect == 0) {
        rc = usage("%s", "--collect needs at least one directory (the --out of the --list runs)");
        goto out;
    }
    for (int i = 0; i < ncollect; i++) {
        struct stat st;
        if (stat(collect[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
            /* A mistyped folder would otherwise be merged as one with no runs, and results written. */
            rc = usage("--collect: \"%s\" is not a folder (give the --out folders of the --list runs)", collect[i]);
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
