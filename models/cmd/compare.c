/* compare: mqsim compare: each scenario over the same seeds in child processes; one table, compare.csv and
 * compare.json. */
#include "models/cmd/compare.h"
#include "models/cmd/compare_int.h"

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/cmd/cli.h"
#include "models/cmd/plot.h"
#include "sim/buf.h"
#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "sim/conf.h"
#include "sim/out.h"
#include "sim/stats.h"

#define MAX_RUNS 1000000
#define MAX_TOTAL 10000000
#define MAX_NOTES 10

static int cmp_prepare(void *ctx, size_t j, struct runner_cmd *cmd)
{
    struct compare *c = ctx;
    size_t i = c->pending[j];
    size_t s = i / c->runs;
    unsigned long long seed = c->seed_start + i % c->runs;
    argv_add(&cmd->argv, c->exe);
    argv_add(&cmd->argv, "--seed");
    argv_addf(&cmd->argv, "%llu", seed);
    argv_add(&cmd->argv, "--out");
    argv_addf(&cmd->argv, "%s/%zu", c->tmp, i);
    argv_add(&cmd->argv, "--quiet");
    argv_add(&cmd->argv, "--trace");
    argv_add(&cmd->argv, "off");
    for (int k = 0; k < c->nsets; k++) {
        argv_add(&cmd->argv, "--set");
        argv_add(&cmd->argv, c->sets[k]);
    }
    argv_add(&cmd->argv, "--");     /* the file last: a name that starts with '-' is not an option */
    argv_add(&cmd->argv, c->files[s]);
    snprintf(cmd->err_path, sizeof cmd->err_path, "%s/%zu.err", c->tmp, i);
    return 0;
}

static int cmp_finish(void *ctx, size_t j, int status)
{
    struct compare *c = ctx;
    size_t i = c->pending[j];
    struct crun *r = &c->res[i];
    char dir[OUT_PATH_MAX + 32], path[OUT_PATH_MAX + 64], line[512];
    snprintf(dir, sizeof dir, "%s/%zu", c->tmp, i);
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    r->status = status;
    for (int k = 0; k < CR_COUNT; k++)
        r->v[k] = NAN;
    if (status == 0 || status == 1) {
        struct conf cf;
        conf_init(&cf, path);
        cJSON *root = conf_load_file(&cf, path);
        if (root) {
            if (compare_extract(root, r) < 0)
                r->note = strdup("out of memory reading metrics.json");
            cJSON_Delete(root);
        } else {
            r->note = strdup(cf.err);
        }
    } else {
        snprintf(path, sizeof path, "%s/%zu.err", c->tmp, i);
        runner_first_line(path, line, sizeof line);
        r->note = strdup(line);
    }
    runner_remove_tree(dir);
    snprintf(path, sizeof path, "%s/%zu.err", c->tmp, i);
    unlink(path);
    c->done[i] = 1;
    runner_progress_add(&c->prog, 1);
    char err[OUT_PATH_MAX + 128];
    if (compare_journal_add(c, i, err, sizeof err) < 0) {
        runner_progress_end(&c->prog);
        fprintf(stderr, "mqsim: %s\n", err);
        return -1;
    }
    return 0;
}

/* ---- messages ---- */

/* One line a run that broke an invariant or failed, in scenario then seed order. */
static void print_notes(const struct compare *c)
{
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < c->nsc * c->runs; i++) {
        const struct crun *r = &c->res[i];
        if (r->status == 0 && r->has_metrics)
            continue;
        if (shown == MAX_NOTES) {
            more++;
            continue;
        }
        shown++;
        const char *file = c->files[i / c->runs];
        unsigned long long seed = c->seed_start + i % c->runs;
        if (r->status == 1 && r->has_metrics) {
            struct buf d = {0}, opts = {0};
            buf_addf(&opts, " --seed %llu", seed);
            for (int k = 0; k < c->nsets; k++) {
                buf_add(&opts, " --set ");
                buf_shell(&opts, c->sets[k]);
            }
            buf_addf(&d, "mqsim: compare: %s: seed %llu broke an invariant; replay:", file, seed);
            buf_command(&d, " mqsim", &file, 1, opts.s);
            buf_free(&opts);
            fprintf(stderr, "%s\n", d.s ? d.s : "");
            buf_free(&d);
        } else {
            char st[64];
            fprintf(stderr, "mqsim: compare: %s: seed %llu: %s%s%s\n", file, seed,
                    runner_status_text(r->status, st, sizeof st), r->note && *r->note ? ": " : "",
                    r->note ? r->note : "");
        }
    }
    if (more)
        fprintf(stderr, "mqsim: compare: ... and %zu more (see compare.csv)\n", more);
}

/* ---- the command ---- */

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "mqsim: compare: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    return 2;
}

int cmd_compare(int argc, char **argv)
{
    struct compare c;
    memset(&c, 0, sizeof c);
    const char *out = "out/compare";
    long long runs = -1, jobs = runner_default_jobs(), seed_start = 1;
    int quiet = 0, plot = 0, written = 0, rc = 2;
    c.files = calloc((size_t)argc + 1, sizeof *c.files);
    c.sets = calloc((size_t)argc + 1, sizeof *c.sets);
    c.names = calloc((size_t)argc + 1, sizeof *c.names);
    c.sha = calloc((size_t)argc + 1, sizeof *c.sha);
    c.jfd = -1;
    if (!c.files || !c.sets || !c.names || !c.sha) {
        fprintf(stderr, "mqsim: out of memory\n");
        goto done;
    }
    struct cli_parse p;
    const char *val;
    int k, bad = 0;
    if (cli_begin(&p, cli_find("compare"), "mqsim: compare: ", argc, argv) < 0)
        goto done;
    while ((k = cli_next(&p, &val)) != CLI_END) {
        if (k == CLI_ERROR) {
            cli_end(&p);
            goto done;
        }
        if (k == OPT_HELP) {
            cli_help(p.cmd, stdout);
            cli_end(&p);
            rc = 0;
            goto done;
        }
        if (k == OPT_QUIET) {
            quiet = 1;
        } else if (k == OPT_PLOT) {
            plot = 1;
        } else if (k == OPT_SET) {
            c.sets[c.nsets++] = val;
        } else if (k == OPT_OUT) {
            out = val;
        } else if (k == OPT_RUNS) {
            if (runner_parse_int(val, 1, MAX_RUNS, &runs) < 0)
                bad = usage("--runs: expected an integer from 1 to 1000000, got \"%s\"", val);
        } else if (k == OPT_JOBS) {
            if (runner_parse_int(val, 1, 4096, &jobs) < 0)
                bad = usage("--jobs: expected an integer from 1 to 4096, got \"%s\"", val);
        } else if (k == OPT_SEED_START) {
            if (runner_parse_int(val, 0, ((long long)1 << 53) - 1, &seed_start) < 0)
                bad = usage("--seed-start: expected an integer from 0 to 2^53 - 1, got \"%s\"", val);
        } else {
            c.files[c.nsc++] = val;
        }
        if (bad) {
            cli_end(&p);
            goto done;
        }
    }
    cli_end(&p);
    if (c.nsc == 0) {
        rc = usage("%s", "no scenario given (usage: mqsim compare A.json B.json ... --runs N)");
        goto done;
    }
    if (c.nsc > 62) {
        rc = usage("%s", "at most 62 scenarios at once");
        goto done;
    }
    if (runs < 0) {
        rc = usage("%s", "--runs N is required (the seeds are S..S+N-1, S from --seed-start, default 1)");
        goto done;
    }
    if (seed_start + runs - 1 > ((long long)1 << 53) - 1) {
        rc = usage("%s", "--seed-start + --runs - 1 must be at most 2^53 - 1");
        goto done;
    }
    if ((long long)c.nsc * runs > MAX_TOTAL) {
        rc = usage("%s", "at most 10000000 runs in all");
        goto done;
    }
    c.runs = (size_t)runs;
    c.seed_start = (uint64_t)seed_start;

    /* Every scenario is checked before anything runs, with the --set values, as a run would check it. */
    for (size_t s = 0; s < c.nsc; s++) {
        struct run_opts o = {.file = c.files[s], .sets = c.sets, .nsets = c.nsets};
        struct scenario sc;
        struct conf cf;
        if (scenario_load(&sc, &o, &cf) < 0) {
            fprintf(stderr, "mqsim: %s\n", cf.err);
            scenario_free(&sc);
            goto done;
        }
        c.names[s] = strdup(sc.name);
        memcpy(c.sha[s], sc.sha256, sizeof c.sha[s]);
        scenario_free(&sc);
        if (!c.names[s]) {
            fprintf(stderr, "mqsim: out of memory\n");
            goto done;
        }
    }
    char err[OUT_PATH_MAX + 256];
    rc = 3;
    c.exe = runner_exe(err, sizeof err);
    if (!c.exe) {
        fprintf(stderr, "mqsim: compare: %s\n", err);
        goto done;
    }
    c.res = calloc(c.nsc * c.runs, sizeof *c.res);
    c.done = calloc(c.nsc * c.runs, 1);
    c.pending = calloc(c.nsc * c.runs, sizeof *c.pending);
    if (!c.res || !c.done || !c.pending) {
        fprintf(stderr, "mqsim: out of memory\n");
        goto done;
    }
    /* Signals are caught from before the directory for the runs exists, so that ^C cannot leave it behind. */
    if (runner_signals_begin() < 0) {
        fprintf(stderr, "mqsim: compare: cannot set up signal handling\n");
        goto done;
    }
    if (out_mkdirs(out, err, sizeof err) < 0 || runner_tmpdir(out, "compare-runs", c.tmp, sizeof c.tmp, err,
                                                               sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        runner_signals_end();
        goto done;
    }
    size_t reused = 0;
    if (compare_journal_open(&c, out, &reused, err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        compare_journal_close(&c, 0);
        runner_remove_tree(c.tmp);
        runner_signals_end();
        goto done;
    }
    for (size_t i = 0; i < c.nsc * c.runs; i++)
        if (!c.done[i])
            c.pending[c.npending++] = i;
    if (reused && !quiet)
        fprintf(stderr, "compare: resuming: %zu of %zu runs already done (%s)\n", reused, c.nsc * c.runs,
                c.journal);
    runner_progress_init(&c.prog, "compare", c.npending, quiet);
    struct runner r = {.jobs = (int)jobs, .progress = &c.prog};
    static const struct runner_ops ops = {.prepare = cmp_prepare, .finish = cmp_finish};
    int pr = runner_run(&r, c.npending, &ops, &c);
    runner_progress_end(&c.prog);
    runner_remove_tree(c.tmp);
    if (pr == RUNNER_SIGNALLED) {
        int sig = runner_signals_end();
        size_t kept = 0;
        for (size_t i = 0; i < c.nsc * c.runs; i++)
            kept += c.done[i] && c.res[i].has_metrics && (c.res[i].status == 0 || c.res[i].status == 1);
        compare_journal_close(&c, kept == 0);
        if (kept == 0)
            fprintf(stderr, "mqsim: compare: interrupted; nothing written (no run had finished)\n");
        else
            fprintf(stderr, "mqsim: compare: interrupted; %zu of %zu runs kept in %s: the same command resumes\n",
                    kept, c.nsc * c.runs, c.journal);
        rc = 128 + sig;
        goto done;
    }
    if (pr != 0) {
        compare_journal_close(&c, 0);
        runner_signals_end();
        goto done;
    }
    rc = 0;
    if (compare_names_build(&c) < 0) {
        snprintf(err, sizeof err, "%s/compare.csv: out of memory", out);
        rc = 3;
    }
    if (rc != 0 || compare_write_csv(&c, out, err, sizeof err) < 0 || compare_write_json(&c, out, err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        rc = 3;
    } else {
        written = 1;
    }
    compare_journal_close(&c, written);
    int sig = runner_signals_end();
    compare_print_table(&c, stdout);
    fflush(stdout);
    print_notes(&c);
    if (rc == 0)
        for (size_t i = 0; i < c.nsc * c.runs; i++) {
            const struct crun *x = &c.res[i];
            if ((x->status == 0 || x->status == 1) && !x->has_metrics)
                rc = 3;
            else if (x->status == 1 || x->status > 128)
                rc = rc ? rc : 1;
            else if (x->status != 0)
                rc = 3;
        }
    if (rc == 0 || rc == 1)
        if (!quiet)
            fprintf(stderr, "compare: wrote %s/compare.csv and %s/compare.json\n", out, out);
    /* --plot: the figures of the outputs just written (plot_dir says what went wrong, if anything). */
    if (plot && written && !sig && plot_dir(out, quiet) != 0 && rc == 0)
        rc = 3;
    if (sig)
        rc = 128 + sig;
done:
    if (c.res)
        for (size_t i = 0; i < c.nsc * c.runs; i++)
            compare_run_free(&c.res[i]);
    compare_names_free(&c.groups);
    compare_journal_close(&c, 0);
    free(c.res);
    free(c.done);
    free(c.pending);
    free(c.sha);
    if (c.names)
        for (size_t s = 0; s < c.nsc; s++)
            free(c.names[s]);
    free(c.names);
    free(c.files);
    free(c.sets);
    return rc;
}
