/* compare: mqsim compare: each scenario over the same seeds in child processes; one table, compare.csv and
 * compare.json. */
#include "models/compare.h"

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/plot.h"
#include "models/runner.h"
#include "models/scenario.h"
#include "sim/conf.h"
#include "sim/out.h"
#include "sim/stats.h"

#define MAX_RUNS 1000000
#define MAX_TOTAL 10000000
#define MAX_NOTES 10

/* The metrics of one run, in compare.csv's column order. Times in ms, as in metrics.json. */
enum { CM_DOWNTIME, CM_PROMOTION, CM_DETECTION, CM_WRITE_UNAVAIL, CM_ACKED_LOST, CM_DUPLICATES, CM_SENT,
       CM_ACKED, CM_SEND_FAILED, CM_CONSUMED, CM_COUNT };
static const char *const cm_names[CM_COUNT] = {
    "downtime_ms", "promotion_ms", "detection_ms", "write_unavailable_ms", "acked_lost", "duplicates",
    "sent", "acked", "send_failed", "consumed",
};

struct crun {
    int status;         /* the child's exit status (128 + N: killed by signal N) */
    int has_metrics;    /* metrics.json was read */
    int failover;       /* some group has a failover */
    double v[CM_COUNT]; /* NaN: null or absent */
    char *note;         /* why a run gave no metrics, for the message */
};

struct compare {
    const char **files;
    char **names;
    size_t nsc, runs;
    uint64_t seed_start;
    const char **sets;
    int nsets;
    const char *exe;
    char tmp[OUT_PATH_MAX];
    struct crun *res;
    struct runner_progress prog;
};

/* ---- reading one run ---- */

static double num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The first group with a failover (else the first group) and its timeline; NaN for what is absent or null. */
static void extract(const cJSON *root, struct crun *r)
{
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
    const cJSON *g = NULL, *f = NULL, *it;
    const cJSON *list = cJSON_IsArray(groups) ? groups : NULL;
    cJSON_ArrayForEach(it, list) {
        const cJSON *fo = cJSON_GetObjectItemCaseSensitive(it, "failover");
        if (cJSON_IsObject(fo)) {
            g = it;
            f = fo;
            break;
        }
    }
    if (!g && cJSON_IsArray(groups))
        g = cJSON_GetArrayItem(groups, 0);
    r->failover = f != NULL;
    r->v[CM_DOWNTIME] = num(f, "downtime_ms");
    r->v[CM_PROMOTION] = num(f, "promoted_ms") - num(f, "crash_ms");
    r->v[CM_DETECTION] = num(f, "detected_ms") - num(f, "crash_ms");
    r->v[CM_WRITE_UNAVAIL] = num(g, "write_unavailable_ms");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "messages");
    r->v[CM_ACKED_LOST] = num(m, "acked_lost");
    r->v[CM_DUPLICATES] = num(m, "duplicates");
    r->v[CM_SENT] = num(m, "sent");
    r->v[CM_ACKED] = num(m, "acked");
    r->v[CM_SEND_FAILED] = num(m, "send_failed");
    r->v[CM_CONSUMED] = num(m, "consumed");
}

static int cmp_prepare(void *ctx, size_t i, struct runner_cmd *cmd)
{
    struct compare *c = ctx;
    size_t s = i / c->runs;
    unsigned long long seed = c->seed_start + i % c->runs;
    argv_add(&cmd->argv, c->exe);
    argv_add(&cmd->argv, c->files[s]);
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
    snprintf(cmd->err_path, sizeof cmd->err_path, "%s/%zu.err", c->tmp, i);
    return 0;
}

static int cmp_finish(void *ctx, size_t i, int status)
{
    struct compare *c = ctx;
    struct crun *r = &c->res[i];
    char dir[OUT_PATH_MAX + 32], path[OUT_PATH_MAX + 64], line[512];
    snprintf(dir, sizeof dir, "%s/%zu", c->tmp, i);
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    r->status = status;
    for (int k = 0; k < CM_COUNT; k++)
        r->v[k] = NAN;
    if (status == 0 || status == 1) {
        struct conf cf;
        conf_init(&cf, path);
        cJSON *root = conf_load_file(&cf, path);
        if (root) {
            extract(root, r);
            r->has_metrics = 1;
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
    runner_progress_add(&c->prog, 1);
    return 0;
}

/* ---- outputs ---- */

static void summarize(const struct compare *c, size_t s, int m, struct stats_summary *st)
{
    double *x = malloc(c->runs * sizeof *x);
    if (!x) {
        stats_summarize(NULL, 0, st);
        return;
    }
    for (size_t k = 0; k < c->runs; k++)
        x[k] = c->res[s * c->runs + k].v[m];
    if (stats_summarize(x, c->runs, st) < 0)
        st->n = 0;
    free(x);
}

struct counts {
    size_t with_metrics, no_failover, no_recovery, violations, failed, crashed;
};

static void count(const struct compare *c, size_t s, struct counts *k)
{
    memset(k, 0, sizeof *k);
    for (size_t i = 0; i < c->runs; i++) {
        const struct crun *r = &c->res[s * c->runs + i];
        if (r->has_metrics) {
            k->with_metrics++;
            if (!r->failover)
                k->no_failover++;
            else if (isnan(r->v[CM_DOWNTIME]))
                k->no_recovery++;
        }
        if (r->status == 1)
            k->violations++;
        else if (r->status > 128)
            k->crashed++;
        if (r->status != 0)
            k->failed++;
    }
}

static int write_csv(const struct compare *c, const char *dir, char *err, size_t errsz)
{
    struct out_file o;
    struct dstr d = {0};
    if (out_open(&o, dir, "compare.csv", err, errsz) < 0)
        return -1;
    dstr_add(&d, "scenario,file,seed,exit");
    for (int m = 0; m < CM_COUNT; m++)
        dstr_addf(&d, ",%s", cm_names[m]);
    dstr_add(&d, "\n");
    /* Scenario order then seed: the same seeds give the same file, whatever order the runs ended in. */
    for (size_t i = 0; i < c->nsc * c->runs && !d.oom; i++) {
        const struct crun *r = &c->res[i];
        dstr_csv(&d, c->names[i / c->runs]);
        dstr_add(&d, ",");
        dstr_csv(&d, c->files[i / c->runs]);
        dstr_addf(&d, ",%llu,%d", (unsigned long long)(c->seed_start + i % c->runs), r->status);
        for (int m = 0; m < CM_COUNT; m++) {
            dstr_add(&d, ",");
            dstr_num(&d, r->v[m]);
        }
        dstr_add(&d, "\n");
        if (!d.oom)
            fwrite(d.s, 1, d.len, o.f);
        d.len = 0;
    }
    int oom = d.oom;
    dstr_free(&d);
    if (oom) {
        out_abort(&o);
        snprintf(err, errsz, "%s/compare.csv: out of memory", dir);
        return -1;
    }
    return out_commit(&o, err, errsz);
}

static int write_json(const struct compare *c, const char *dir, char *err, size_t errsz)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    if (ok) {
        char seed[32];
        cJSON_AddNumberToObject(root, "runs", (double)c->runs);
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed_start);
        cJSON_AddItemToObject(root, "seed_start", cJSON_CreateRaw(seed));
        cJSON *sets = cJSON_AddArrayToObject(root, "set");
        for (int k = 0; sets && k < c->nsets; k++)
            cJSON_AddItemToArray(sets, cJSON_CreateString(c->sets[k]));
        cJSON *arr = cJSON_AddArrayToObject(root, "scenarios");
        ok = sets && arr;
        for (size_t s = 0; ok && s < c->nsc; s++) {
            struct counts k;
            count(c, s, &k);
            cJSON *o = cJSON_CreateObject();
            ok = o && cJSON_AddItemToArray(arr, o);
            if (!ok)
                break;
            cJSON_AddStringToObject(o, "name", c->names[s]);
            cJSON_AddStringToObject(o, "file", c->files[s]);
            cJSON_AddNumberToObject(o, "n", (double)k.with_metrics);
            cJSON_AddNumberToObject(o, "failures", (double)k.failed);
            cJSON_AddNumberToObject(o, "violations", (double)k.violations);
            cJSON_AddNumberToObject(o, "no_failover", (double)k.no_failover);
            cJSON_AddNumberToObject(o, "no_recovery", (double)k.no_recovery);
            cJSON *ms = cJSON_AddObjectToObject(o, "metrics");
            ok = ms != NULL;
            for (int m = 0; ok && m < CM_COUNT; m++) {
                struct stats_summary st;
                summarize(c, s, m, &st);
                cJSON *j = stats_to_json(&st);
                ok = j && cJSON_AddItemToObject(ms, cm_names[m], j);
            }
        }
    }
    if (!ok) {
        cJSON_Delete(root);
        snprintf(err, errsz, "%s/compare.json: out of memory", dir);
        return -1;
    }
    int rc = out_write_json(dir, "compare.json", root, err, errsz);
    cJSON_Delete(root);
    return rc;
}

/* ---- the table ---- */

#define TCOLS 64

struct table {
    size_t ncols, nrows, cap;
    char **cells;   /* nrows * ncols */
};

static void t_add(struct table *t, const char *const *row)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        char **c = realloc(t->cells, cap * t->ncols * sizeof *c);
        if (!c)
            return;
        t->cells = c;
        t->cap = cap;
    }
    for (size_t k = 0; k < t->ncols; k++)
        t->cells[t->nrows * t->ncols + k] = strdup(row[k] ? row[k] : "");
    t->nrows++;
}

/* Characters on screen: UTF-8 continuation bytes (of "±") take no column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void t_print(const struct table *t, FILE *f)
{
    size_t *w = calloc(t->ncols, sizeof *w);
    if (!w)
        return;
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t k = 0; k < t->ncols; k++) {
            size_t x = width(t->cells[r * t->ncols + k]);
            if (x > w[k])
                w[k] = x;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t k = 0; k < t->ncols; k++) {
            const char *cell = t->cells[r * t->ncols + k];
            size_t pad = w[k] - width(cell);
            if (k < 2)
                fprintf(f, "%s%*s%s", cell ? cell : "", (int)pad, "", k == 0 ? "  " : "");
            else
                fprintf(f, "  %*s%s", (int)pad, "", cell ? cell : "");
        }
        fputc('\n', f);
    }
    free(w);
}

static void t_free(struct table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
}

static void fmt_s(char *b, size_t n, double ms)
{
    if (isnan(ms))
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%.1f", ms / 1000);
}

static void fmt_mean_ci(char *b, size_t n, const struct stats_summary *st, double scale)
{
    if (isnan(st->mean))
        snprintf(b, n, "-");
    else if (isnan(st->ci95_half))
        snprintf(b, n, "%.1f", st->mean / scale);
    else
        snprintf(b, n, "%.1f ± %.1f", st->mean / scale, st->ci95_half / scale);
}

enum { ROW_MEAN_CI, ROW_MEDIAN, ROW_P95, ROW_MAX, ROW_MEAN_MAX };

static void stat_row(struct table *t, const struct compare *c, int m, const char *l0, const char *l1, int kind)
{
    const char *row[TCOLS];
    char buf[TCOLS][64];
    row[0] = l0;
    row[1] = l1;
    for (size_t s = 0; s < c->nsc; s++) {
        struct stats_summary st;
        summarize(c, s, m, &st);
        char *b = buf[s];
        int secs = m == CM_DOWNTIME || m == CM_PROMOTION || m == CM_DETECTION || m == CM_WRITE_UNAVAIL;
        switch (kind) {
        case ROW_MEAN_CI: fmt_mean_ci(b, 64, &st, secs ? 1000 : 1); break;
        case ROW_MEDIAN: fmt_s(b, 64, st.median); break;
        case ROW_P95: fmt_s(b, 64, st.p95); break;
        case ROW_MAX: fmt_s(b, 64, st.max); break;
        default:
            if (isnan(st.mean))
                snprintf(b, 64, "-");
            else
                snprintf(b, 64, "%.1f / %.0f", st.mean, st.max);
        }
        row[2 + s] = b;
    }
    t_add(t, row);
}

static void count_row(struct table *t, const struct compare *c, const char *l0, const char *l1, int which)
{
    const char *row[TCOLS];
    char buf[TCOLS][32];
    row[0] = l0;
    row[1] = l1;
    for (size_t s = 0; s < c->nsc; s++) {
        struct counts k;
        count(c, s, &k);
        size_t v = which == 0 ? k.with_metrics : which == 1 ? k.no_failover : which == 2 ? k.no_recovery
                 : which == 3 ? k.violations : k.failed - k.violations;
        snprintf(buf[s], sizeof buf[s], "%zu", v);
        row[2 + s] = buf[s];
    }
    t_add(t, row);
}

static void print_table(const struct compare *c, FILE *f)
{
    struct table t = {.ncols = 2 + c->nsc};
    const char *row[TCOLS];
    row[0] = "";
    row[1] = "";
    for (size_t s = 0; s < c->nsc; s++)
        row[2 + s] = c->names[s];
    t_add(&t, row);
    count_row(&t, c, "runs", "with metrics", 0);
    static const struct { int m; const char *label; } timed[] = {
        {CM_DOWNTIME, "downtime (s)"}, {CM_PROMOTION, "promotion (s)"},
    };
    for (int k = 0; k < 2; k++) {
        stat_row(&t, c, timed[k].m, timed[k].label, "mean ± 95% CI", ROW_MEAN_CI);
        stat_row(&t, c, timed[k].m, "", "median", ROW_MEDIAN);
        stat_row(&t, c, timed[k].m, "", "p95", ROW_P95);
        stat_row(&t, c, timed[k].m, "", "max", ROW_MAX);
    }
    stat_row(&t, c, CM_DETECTION, "detection (s)", "mean ± 95% CI", ROW_MEAN_CI);
    stat_row(&t, c, CM_WRITE_UNAVAIL, "write unavailable (s)", "mean ± 95% CI", ROW_MEAN_CI);
    stat_row(&t, c, CM_ACKED_LOST, "acked lost", "mean / max", ROW_MEAN_MAX);
    stat_row(&t, c, CM_DUPLICATES, "duplicates", "mean / max", ROW_MEAN_MAX);
    count_row(&t, c, "no failover", "runs", 1);
    count_row(&t, c, "no recovery", "runs (downtime null)", 2);
    count_row(&t, c, "invariant violated", "runs (exit 1)", 3);
    int failed = 0;
    for (size_t s = 0; s < c->nsc; s++) {
        struct counts k;
        count(c, s, &k);
        failed |= k.failed > k.violations;
    }
    if (failed)
        count_row(&t, c, "failed", "runs (no metrics)", 4);
    fprintf(f, "compare: %zu run%s a scenario, seeds %llu..%llu\n", c->runs, c->runs == 1 ? "" : "s",
            (unsigned long long)c->seed_start, (unsigned long long)(c->seed_start + c->runs - 1));
    t_print(&t, f);
    t_free(&t);
}

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
            struct dstr d = {0};
            dstr_addf(&d, "mqsim: compare: %s: seed %llu broke an invariant; replay: mqsim ", file, seed);
            dstr_shell(&d, file);
            dstr_addf(&d, " --seed %llu", seed);
            for (int k = 0; k < c->nsets; k++) {
                dstr_add(&d, " --set ");
                dstr_shell(&d, c->sets[k]);
            }
            fprintf(stderr, "%s\n", d.s ? d.s : "");
            dstr_free(&d);
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
    if (!c.files || !c.sets || !c.names) {
        fprintf(stderr, "mqsim: out of memory\n");
        goto done;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--plot") == 0) {
            plot = 1;
        } else if (strncmp(a, "--set=", 6) == 0) {
            c.sets[c.nsets++] = a + 6;
        } else if (strcmp(a, "--set") == 0 || strcmp(a, "--runs") == 0 || strcmp(a, "--jobs") == 0 ||
                   strcmp(a, "--out") == 0 || strcmp(a, "--seed-start") == 0) {
            if (!val) {
                rc = usage("option \"%s\" needs a value", a);
                goto done;
            }
            i++;
            if (strcmp(a, "--set") == 0) {
                c.sets[c.nsets++] = val;
            } else if (strcmp(a, "--out") == 0) {
                out = val;
            } else if (strcmp(a, "--runs") == 0) {
                if (runner_parse_int(val, 1, MAX_RUNS, &runs) < 0) {
                    rc = usage("--runs: expected an integer from 1 to 1000000, got \"%s\"", val);
                    goto done;
                }
            } else if (strcmp(a, "--jobs") == 0) {
                if (runner_parse_int(val, 1, 4096, &jobs) < 0) {
                    rc = usage("--jobs: expected an integer from 1 to 4096, got \"%s\"", val);
                    goto done;
                }
            } else if (runner_parse_int(val, 0, ((long long)1 << 53) - 1, &seed_start) < 0) {
                rc = usage("--seed-start: expected an integer from 0 to 2^53 - 1, got \"%s\"", val);
                goto done;
            }
        } else if (a[0] == '-' && a[1]) {
            rc = usage("unknown option \"%s\" (usage: mqsim compare A.json B.json ... --runs N [--jobs J] "
                       "[--out DIR] [--seed-start S] [--set key=VALUE]... [--plot] [--quiet])", a);
            goto done;
        } else {
            c.files[c.nsc++] = a;
        }
    }
    if (c.nsc == 0) {
        rc = usage("%s", "no scenario given (usage: mqsim compare A.json B.json ... --runs N)");
        goto done;
    }
    if (c.nsc > TCOLS - 2) {
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
    if (!c.res) {
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
    runner_progress_init(&c.prog, "compare", c.nsc * c.runs, quiet);
    struct runner r = {.jobs = (int)jobs, .progress = &c.prog};
    static const struct runner_ops ops = {.prepare = cmp_prepare, .finish = cmp_finish};
    int pr = runner_run(&r, c.nsc * c.runs, &ops, &c);
    runner_progress_end(&c.prog);
    runner_remove_tree(c.tmp);
    if (pr == RUNNER_SIGNALLED) {
        int sig = runner_signals_end();
        fprintf(stderr, "mqsim: compare: interrupted; nothing written\n");
        rc = 128 + sig;
        goto done;
    }
    if (pr != 0) {
        runner_signals_end();
        goto done;
    }
    rc = 0;
    if (write_csv(&c, out, err, sizeof err) < 0 || write_json(&c, out, err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        rc = 3;
    } else {
        written = 1;
    }
    int sig = runner_signals_end();
    print_table(&c, stdout);
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
            free(c.res[i].note);
    free(c.res);
    if (c.names)
        for (size_t s = 0; s < c.nsc; s++)
            free(c.names[s]);
    free(c.names);
    free(c.files);
    free(c.sets);
    return rc;
}
