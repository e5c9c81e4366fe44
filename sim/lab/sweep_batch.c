/* sweep_batch: a sweep run by a batch system: --list prints a shell command a pending run, --collect merges
 * the outputs of those runs into results.csv and summary.csv. */
#include "sim/lab/sweep.h"
#include "sim/lab/sweep_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/buf.h"
#include "sim/lab/runner.h"
#include "sim/out.h"

/* --list: a shell command a pending run (not in results.csv, no metrics.json in its run directory). */
int sweep_list(struct sweep_run *x)
{
    const struct sweep *sw = &x->sw;
    char out_abs[OUT_PATH_MAX], base_abs[OUT_PATH_MAX], dir[OUT_PATH_MAX + 256], path[OUT_PATH_MAX + 300];
    if (runner_absolute(x->out, out_abs, sizeof out_abs) < 0 || runner_absolute(sw->base, base_abs,
                                                                                  sizeof base_abs) < 0) {
        fprintf(stderr, "mqsim: sweep: a path is too long\n");
        return 3;
    }
    size_t listed = 0;
    for (size_t r = 0; r < sw->nruns; r++) {
        if (x->res.by_run[r] >= 0)
            continue;
        char name[128];
        struct stat st;
        sweep_run_dir_name(sw, r, name, sizeof name);
        snprintf(dir, sizeof dir, "%s/runs/%s", out_abs, name);
        snprintf(path, sizeof path, "%s/metrics.json", dir);
        if (stat(path, &st) == 0)
            continue;   /* done, waiting for --collect */
        struct buf d = {0};
        size_t point = r / sw->seeds;
        buf_shell(&d, x->exe);
        buf_add(&d, " ");
        buf_shell(&d, base_abs);
        buf_addf(&d, " --seed %llu --out ", (unsigned long long)(sw->seed_start + r % sw->seeds));
        buf_shell(&d, dir);
        buf_add(&d, " --quiet --trace off");
        for (size_t k = 0; k < sw->nsets; k++) {
            buf_add(&d, " --set ");
            buf_shell(&d, sw->sets[k]);
        }
        for (size_t k = 0; k < sw->nvars; k++) {
            buf_add(&d, " --set ");
            buf_shell(&d, sw->vars[k].set[sweep_value_index(sw, point, k)]);
        }
        if (d.oom) {
            buf_free(&d);
            fprintf(stderr, "mqsim: out of memory\n");
            return 3;
        }
        printf("%s\n", d.s);
        buf_free(&d);
        listed++;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "mqsim: sweep: --list: cannot write to stdout: %s\n", strerror(errno));
        return 3;
    }
    if (!x->quiet) {
        /* The command that collects them, as it must be typed: quoted, and with "--" before a file named -x
         * (the folder to merge is the operand after the file). */
        struct buf opts = {0}, cmd = {0};
        const char *operands[2] = {sw->file, x->out};
        buf_add(&opts, " --out ");
        buf_shell(&opts, x->out);
        buf_add(&opts, " --collect");
        buf_command(&cmd, "mqsim sweep", operands, 2, opts.s ? opts.s : "");
        int oom = opts.oom || cmd.oom || !cmd.s;
        if (oom)
            fprintf(stderr, "mqsim: out of memory\n");
        else
            fprintf(stderr, "sweep %s: %zu of %zu runs pending; their outputs go to %s/runs/, then: %s\n",
                    sw->name, listed, sw->nruns, out_abs, cmd.s);
        buf_free(&opts);
        buf_free(&cmd);
        if (oom)
            return 3;
    }
    return 0;
}

/* --collect: merges DIR/runs/<run>/metrics.json of every pending run into results.csv, then summary.csv. */
int sweep_collect(struct sweep_run *x, char **dirs, int ndirs)
{
    const struct sweep *sw = &x->sw;
    char path[OUT_PATH_MAX + 160], err[1024];
    size_t first_new = x->res.n, merged = 0, missing = 0;
    for (size_t r = 0; r < sw->nruns; r++) {
        if (x->res.by_run[r] >= 0)
            continue;
        char name[128];
        struct stat st;
        int found = 0;
        sweep_run_dir_name(sw, r, name, sizeof name);
        for (int k = 0; k < ndirs && !found; k++) {
            snprintf(path, sizeof path, "%s/runs/%s/metrics.json", dirs[k], name);
            if (stat(path, &st) != 0)
                continue;
            found = 1;
            struct conf cf;
            conf_init(&cf, path);
            cJSON *root = conf_load_file(&cf, path);
            if (!root) {
                fprintf(stderr, "mqsim: %s\n", cf.err);
                return 2;
            }
            size_t bad = SIZE_MAX;
            char *line = sweep_make_row(sw, r, sweep_violations_in(root), root, !x->checked, &bad, err, sizeof err);
            cJSON_Delete(root);
            if (!line) {
                char mp[512];
                if (bad == SIZE_MAX) {
                    fprintf(stderr, "mqsim: sweep: %s\n", err);
                    return 3;
                }
                fprintf(stderr, "mqsim: %s: %s: %s (in %s)\n", sw->file,
                        conf_path_key(mp, sizeof mp, "$.metrics", sw->metrics[bad].name), err, path);
                return 2;
            }
            x->checked = 1;
            int rc = sweep_add_line(&x->res, sw, line, err, sizeof err);
            free(line);
            if (rc < 0) {
                fprintf(stderr, "mqsim: %s\n", err);
                return 3;
            }
            merged++;
        }
        missing += !found;
    }
    x->new_rows = merged;
    char e2[OUT_PATH_MAX + 256];
    if (out_mkdirs(x->out, e2, sizeof e2) < 0) {
        fprintf(stderr, "mqsim: %s\n", e2);
        return 3;
    }
    int rc = sweep_finish_outputs(x);
    if (rc)
        return rc;
    if (!x->quiet)
        fprintf(stderr, "sweep %s: collected %zu run%s from %d director%s; %zu still missing\n", sw->name, merged,
                merged == 1 ? "" : "s", ndirs, ndirs == 1 ? "y" : "ies", missing);
    rc = sweep_report_runs(x, first_new);
    sweep_print_summary(x);
    return rc;
}
