/* sweep: mqsim sweep: the sweep file, its grid, and the runs: local child processes, MPI ranks, or shell
 * commands for a batch system (--list) whose outputs are merged afterwards (--collect). */
#include "models/cmd/sweep.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef MQSIM_MPI
#include <mpi.h>
#endif

#include "models/cmd/plot.h"
#include "sim/buf.h"
#include "sim/lab/csv.h"
#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "sim/out.h"
#include "sim/stats.h"

#define MAX_SEEDS 1000000
#define MAX_POINTS 1000000
#define MAX_RUNS 10000000
#define MAX_NOTES 10
#define SEED_MAX (((uint64_t)1 << 53) - 1)

/* ======================================================================================================
 * The sweep file
 * ====================================================================================================== */

static const char *const top_keys[] = {"name", "description", "base", "set", "vary", "seeds", "seed_start",
                                       "metrics", NULL};
static const char *const vary_keys[] = {"key", "values", NULL};


static char *xstrdup(struct conf *c, const char *s)
{
    char *d = strdup(s);
    if (!d)
        conf_fail(c, NULL, "out of memory");
    return d;
}

/* A value as results.csv shows it: a string bare, anything else as compact JSON. */
static char *value_text(struct conf *c, const cJSON *v)
{
    if (cJSON_IsString(v))
        return xstrdup(c, v->valuestring);
    char *j = cJSON_PrintUnformatted(v);
    if (!j)
        conf_fail(c, NULL, "out of memory");
    return j;
}

/* "key=<compact JSON>", the --set argument that gives key the value v. */
static char *set_arg(struct conf *c, const char *key, const cJSON *v)
{
    char *j = cJSON_PrintUnformatted(v);
    struct buf d = {0};
    if (j) {
        buf_add(&d, key);
        buf_add(&d, "=");
        buf_add(&d, j);
    }
    free(j);
    if (!j || d.oom) {
        buf_free(&d);
        conf_fail(c, NULL, "out of memory");
        return NULL;
    }
    return d.s;
}

/* Loads the base scenario with the given --set arguments. 0, or -1 with the scenario's error in err. */
static int try_base(const struct sweep *sw, const char *const *sets, int nsets, char *err, size_t errsz)
{
    struct run_opts o = {.file = sw->base, .sets = sets, .nsets = nsets};
    struct scenario sc;
    struct conf cf;
    int rc = scenario_load(&sc, &o, &cf);
    if (rc < 0)
        snprintf(err, errsz, "%s", cf.err);
    scenario_free(&sc);
    return rc;
}

/* The --set arguments of a grid point: "set" first, then the varied keys. args has nsets + nvars slots. */
static void point_sets(const struct sweep *sw, size_t point, const char **args)
{
    for (size_t k = 0; k < sw->nsets; k++)
        args[k] = sw->sets[k];
    for (size_t k = 0; k < sw->nvars; k++)
        args[sw->nsets + k] = sw->vars[k].set[sweep_value_index(sw, point, k)];
}

/* Every value must make a valid scenario, checked one at a time so the error names the value at fault. */
static int check_scenarios(struct sweep *sw, struct conf *c)
{
    char err[1024];
    const char **args = calloc(sw->nsets + sw->nvars + 1, sizeof *args);
    if (!args)
        return conf_fail(c, NULL, "out of memory");
    if (access(sw->base, R_OK) != 0) {
        conf_fail(c, "$.base", "cannot read \"%s\": %s", sw->base, strerror(errno));
        goto out;
    }
    if (try_base(sw, NULL, 0, err, sizeof err) < 0) {
        conf_fail(c, "$.base", "%s", err);
        goto out;
    }
    for (size_t k = 0; k < sw->nsets; k++)
        args[k] = sw->sets[k];
    if (try_base(sw, args, (int)sw->nsets, err, sizeof err) < 0) {
        /* Which key? The first that fails on its own; else the combination. */
        char path[512];
        for (size_t k = 0; k < sw->nsets; k++) {
            char e1[1024];
            if (try_base(sw, &args[k], 1, e1, sizeof e1) < 0) {
                char key[512];
                snprintf(key, sizeof key, "%.*s", (int)strcspn(sw->sets[k], "="), sw->sets[k]);
                conf_fail(c, conf_path_key(path, sizeof path, "$.set", key), "%s", e1);
                goto out;
            }
        }
        conf_fail(c, "$.set", "%s", err);
        goto out;
    }
    for (size_t k = 0; k < sw->nvars; k++)
        for (size_t j = 0; j < sw->vars[k].nvals; j++) {
            args[sw->nsets] = sw->vars[k].set[j];
            if (try_base(sw, args, (int)sw->nsets + 1, err, sizeof err) < 0) {
                char p[128];
                snprintf(p, sizeof p, "$.vary[%zu].values[%zu]", k, j);
                conf_fail(c, p, "%s", err);
                goto out;
            }
        }
    if (sw->nvars > 1)
        for (size_t p = 0; p < sw->npoints; p++) {
            point_sets(sw, p, args);
            if (try_base(sw, args, (int)(sw->nsets + sw->nvars), err, sizeof err) < 0) {
                struct buf d = {0};
                for (size_t k = 0; k < sw->nvars; k++)
                    buf_addf(&d, "%s%s", k ? ", " : "", sw->vars[k].set[sweep_value_index(sw, p, k)]);
                conf_fail(c, "$.vary", "grid point %s: %s", d.s ? d.s : "", err);
                buf_free(&d);
                goto out;
            }
        }
out:
    free(args);
    return c->failed ? -1 : 0;
}

static int load_set(struct sweep *sw, struct conf *c, const cJSON *set)
{
    char d[96], p[512];
    if (!set)
        return 0;
    if (!cJSON_IsObject(set))
        return conf_fail(c, "$.set", "expected an object of --set keys and values, got %s",
                         conf_describe(set, d, sizeof d));
    size_t n = (size_t)cJSON_GetArraySize(set);
    sw->sets = calloc(n + 1, sizeof *sw->sets);
    if (!sw->sets)
        return conf_fail(c, NULL, "out of memory");
    for (const cJSON *it = set->child; it; it = it->next) {
        conf_path_key(p, sizeof p, "$.set", it->string ? it->string : "");
        if (!it->string || !*it->string)
            return conf_fail(c, p, "empty key");
        for (size_t k = 0; k < sw->nsets; k++)
            if (strncmp(sw->sets[k], it->string, strlen(it->string)) == 0 &&
                sw->sets[k][strlen(it->string)] == '=')
                return conf_fail(c, p, "duplicate key \"%s\"", it->string);
        if (!(sw->sets[sw->nsets] = set_arg(c, it->string, it)))
            return -1;
        sw->nsets++;
    }
    return 0;
}

static int load_vary(struct sweep *sw, struct conf *c, const cJSON *vary)
{
    char d[96], p[512];
    if (!vary)
        return conf_fail(c, "$", "missing \"vary\": a list of {\"key\": KEY, \"values\": [...]}");
    if (!cJSON_IsArray(vary) || cJSON_GetArraySize(vary) == 0)
        return conf_fail(c, "$.vary", "expected a non-empty array of {\"key\": KEY, \"values\": [...]}, got %s",
                         cJSON_IsArray(vary) ? "an empty array" : conf_describe(vary, d, sizeof d));
    size_t n = (size_t)cJSON_GetArraySize(vary);
    sw->vars = calloc(n, sizeof *sw->vars);
    if (!sw->vars)
        return conf_fail(c, NULL, "out of memory");
    sw->npoints = 1;
    for (const cJSON *it = vary->child; it; it = it->next) {
        size_t k = sw->nvars;
        struct sweep_var *v = &sw->vars[k];
        char path[64];
        snprintf(path, sizeof path, "$.vary[%zu]", k);
        if (!cJSON_IsObject(it))
            return conf_fail(c, path, "expected {\"key\": KEY, \"values\": [...]}, got %s",
                             conf_describe(it, d, sizeof d));
        sw->nvars++;
        const char *key;
        if (conf_keys(c, it, path, vary_keys) < 0)
            return -1;
        if (!conf_child(it, "key"))
            return conf_fail(c, path, "missing \"key\": the scenario key to vary, e.g. \"run.duration_ms\"");
        if (conf_string(c, it, path, "key", NULL, &key) < 0 || !(v->key = xstrdup(c, key)))
            return -1;
        conf_path_key(p, sizeof p, path, "key");
        for (size_t j = 0; j < k; j++)
            if (strcmp(sw->vars[j].key, key) == 0)
                return conf_fail(c, p, "\"%s\" is varied twice (also $.vary[%zu])", key, j);
        for (size_t j = 0; j < sw->nsets; j++)
            if (strncmp(sw->sets[j], key, strlen(key)) == 0 && sw->sets[j][strlen(key)] == '=')
                return conf_fail(c, p, "\"%s\" is also in \"set\": a key is either set or varied", key);
        const cJSON *vals = conf_child(it, "values");
        conf_path_key(p, sizeof p, path, "values");
        if (!vals)
            return conf_fail(c, path, "missing \"values\": the list of values to try");
        if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) == 0)
            return conf_fail(c, p, "expected a non-empty array of values, got %s",
                             cJSON_IsArray(vals) ? "an empty array" : conf_describe(vals, d, sizeof d));
        size_t nv = (size_t)cJSON_GetArraySize(vals);
        v->set = calloc(nv, sizeof *v->set);
        v->text = calloc(nv, sizeof *v->text);
        if (!v->set || !v->text)
            return conf_fail(c, NULL, "out of memory");
        for (const cJSON *x = vals->child; x; x = x->next) {
            size_t j = v->nvals;
            if (!(v->set[j] = set_arg(c, key, x)) || !(v->text[j] = value_text(c, x)))
                return -1;
            v->nvals++;
            for (size_t i = 0; i < j; i++)
                if (strcmp(v->set[i], v->set[j]) == 0 || strcmp(v->text[i], v->text[j]) == 0) {
                    char vp[600];
                    snprintf(vp, sizeof vp, "%s[%zu]", p, j);
                    return conf_fail(c, vp, "the same value as values[%zu]", i);
                }
        }
        if (sw->npoints > MAX_POINTS / nv)
            return conf_fail(c, "$.vary", "more than %d grid points", MAX_POINTS);
        sw->npoints *= nv;
    }
    return 0;
}

/* A metric name is a CSV column: plain characters, and no clash with the other columns. */
static int metric_scenario_name_ok(const struct sweep *sw, const char *name, struct conf *c, const char *p)
{
    if (!*name || strlen(name) > 64)
        return conf_fail(c, p, "a metric name must have 1 to 64 characters");
    for (const char *s = name; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-' || *s == '.'))
            return conf_fail(c, p, "a metric name is letters, digits, '_', '-' and '.', got \"%s\"", name);
    if (strcmp(name, "seed") == 0 || strcmp(name, "exit") == 0 || strcmp(name, "runs") == 0 ||
        strcmp(name, "violations") == 0)
        return conf_fail(c, p, "\"%s\" is a column of its own; choose another name", name);
    for (size_t k = 0; k < sw->nvars; k++)
        if (strcmp(sw->vars[k].key, name) == 0)
            return conf_fail(c, p, "\"%s\" is a varied key; choose another name", name);
    return 0;
}

static int load_metrics(struct sweep *sw, struct conf *c, const cJSON *ms)
{
    char d[96], p[512], err[512];
    if (!ms)
        return conf_fail(c, "$", "missing \"metrics\": an object of NAME: \"path.into.metrics_json\"");
    if (!cJSON_IsObject(ms) || !ms->child)
        return conf_fail(c, "$.metrics", "expected a non-empty object of NAME: EXPRESSION, got %s",
                         cJSON_IsObject(ms) ? "an empty object" : conf_describe(ms, d, sizeof d));
    size_t n = (size_t)cJSON_GetArraySize(ms);
    sw->metrics = calloc(n, sizeof *sw->metrics);
    if (!sw->metrics)
        return conf_fail(c, NULL, "out of memory");
    for (const cJSON *it = ms->child; it; it = it->next) {
        const char *name = it->string ? it->string : "";
        conf_path_key(p, sizeof p, "$.metrics", name);
        if (metric_scenario_name_ok(sw, name, c, p) < 0)
            return -1;
        for (size_t k = 0; k < sw->nmetrics; k++)
            if (strcmp(sw->metrics[k].name, name) == 0)
                return conf_fail(c, p, "duplicate key \"%s\"", name);
        if (!cJSON_IsString(it))
            return conf_fail(c, p, "expected an expression string like \"groups[0].lag.max_bytes\" or "
                             "\"a.b / (a.b + a.c)\", got %s", conf_describe(it, d, sizeof d));
        struct sweep_metric *m = &sw->metrics[sw->nmetrics];
        if (!(m->name = xstrdup(c, name)))
            return -1;
        sw->nmetrics++;
        if (!(m->expr = mexpr_parse(it->valuestring, err, sizeof err)))
            return conf_fail(c, p, "%s", err);
    }
    return 0;
}

int sweep_load(struct sweep *sw, const char *file, struct conf *c)
{
    memset(sw, 0, sizeof *sw);
    conf_init(c, file);
    cJSON *root = conf_load_file(c, file);
    if (!root)
        return -1;
    const char *name, *base, *desc;
    int64_t seeds = 0, start = 1;
    char def[128];
    const char *b = strrchr(file, '/');
    snprintf(def, sizeof def, "%s", b ? b + 1 : file);
    if (strlen(def) > 5 && strcmp(def + strlen(def) - 5, ".json") == 0)
        def[strlen(def) - 5] = '\0';

    if (!(sw->file = xstrdup(c, file)) || conf_keys(c, root, "$", top_keys) < 0)
        goto out;
    conf_string(c, root, "$", "name", def, &name);
    conf_string(c, root, "$", "description", "", &desc);
    if (c->failed)
        goto out;
    if (!scenario_name_ok(name)) {
        conf_fail(c, conf_child(root, "name") ? "$.name" : "$",
                  "\"%s\" cannot name an output directory: use letters, digits, '-', '_' and '.'", name);
        goto out;
    }
    if (!(sw->name = xstrdup(c, name)))
        goto out;
    if (!conf_child(root, "base")) {
        conf_fail(c, "$", "missing \"base\": the scenario to vary, relative to this file's directory");
        goto out;
    }
    if (conf_string(c, root, "$", "base", NULL, &base) < 0 || !(sw->base_given = xstrdup(c, base)))
        goto out;
    {
        char dir[4096];
        struct buf d = {0};
        runner_dirname(file, dir, sizeof dir);
        if (base[0] != '/' && strcmp(dir, ".") != 0)
            buf_addf(&d, "%s/", dir);
        buf_add(&d, base);
        if (d.oom) {
            buf_free(&d);
            conf_fail(c, NULL, "out of memory");
            goto out;
        }
        sw->base = d.s;
    }
    if (!conf_child(root, "seeds")) {
        conf_fail(c, "$", "missing \"seeds\": how many seeds each grid point runs");
        goto out;
    }
    conf_int(c, root, "$", "seeds", 1, 1, MAX_SEEDS, &seeds);
    conf_int(c, root, "$", "seed_start", 1, 0, (int64_t)SEED_MAX, &start);
    if (c->failed)
        goto out;
    if ((uint64_t)start + (uint64_t)seeds - 1 > SEED_MAX) {
        conf_fail(c, "$.seed_start", "seed_start + seeds - 1 must be at most 2^53 - 1");
        goto out;
    }
    sw->seeds = (size_t)seeds;
    sw->seed_start = (uint64_t)start;
    if (load_set(sw, c, conf_child(root, "set")) < 0 || load_vary(sw, c, conf_child(root, "vary")) < 0 ||
        load_metrics(sw, c, conf_child(root, "metrics")) < 0)
        goto out;
    if (sw->npoints > MAX_RUNS / sw->seeds) {
        conf_fail(c, "$.seeds", "the grid (%zu points) times the seeds is more than %d runs", sw->npoints,
                  MAX_RUNS);
        goto out;
    }
    sw->nruns = sw->npoints * sw->seeds;
    check_scenarios(sw, c);
out:
    cJSON_Delete(root);
    return c->failed ? -1 : 0;
}

void sweep_free(struct sweep *sw)
{
    for (size_t k = 0; k < sw->nsets; k++)
        free(sw->sets[k]);
    free(sw->sets);
    for (size_t k = 0; k < sw->nvars; k++) {
        for (size_t j = 0; j < sw->vars[k].nvals; j++) {
            free(sw->vars[k].set[j]);
            free(sw->vars[k].text[j]);
        }
        free(sw->vars[k].set);
        free(sw->vars[k].text);
        free(sw->vars[k].key);
    }
    free(sw->vars);
    for (size_t k = 0; k < sw->nmetrics; k++) {
        free(sw->metrics[k].name);
        mexpr_free(sw->metrics[k].expr);
    }
    free(sw->metrics);
    free(sw->file);
    free(sw->base);
    free(sw->base_given);
    free(sw->name);
    memset(sw, 0, sizeof *sw);
}

size_t sweep_value_index(const struct sweep *sw, size_t point, size_t var)
{
    size_t stride = 1;
    for (size_t k = sw->nvars; k-- > var + 1;)
        stride *= sw->vars[k].nvals;
    return point / stride % sw->vars[var].nvals;
}

static uint32_t fnv1a(uint32_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    h ^= 0xff;      /* a separator, so that "ab"+"c" and "a"+"bc" differ */
    return h * 16777619u;
}

void sweep_run_dir_name(const struct sweep *sw, size_t run, char *buf, size_t size)
{
    size_t point = run / sw->seeds;
    uint32_t h = fnv1a(2166136261u, sw->base_given);
    for (size_t k = 0; k < sw->nsets; k++)
        h = fnv1a(h, sw->sets[k]);
    for (size_t k = 0; k < sw->nvars; k++)
        h = fnv1a(h, sw->vars[k].set[sweep_value_index(sw, point, k)]);
    int digits = 1;
    for (size_t n = sw->npoints - 1; n >= 10; n /= 10)
        digits++;
    snprintf(buf, size, "p%0*zu-%08x-s%llu", digits, point, (unsigned)h,
             (unsigned long long)(sw->seed_start + run % sw->seeds));
}

/* ======================================================================================================
 * results.csv: reading, appending, rewriting; summary.csv
 * ====================================================================================================== */

struct row {
    char *line;         /* the CSV record, without its line end */
    long point;         /* -1: values that are not on this sweep's grid */
    uint64_t seed;
    long run;           /* -1: not a run of this sweep (another grid point or seed) */
    size_t order;       /* position in the file */
    int exit;
    double *vals;       /* nmetrics; NaN for an empty field */
};

struct results {
    struct row *rows;
    size_t n, cap;
    long *by_run;       /* nruns: the row of each run of this sweep, or -1 */
    int exists;         /* results.csv was there */
    int rewrite;        /* its contents must be rewritten before appending (an incomplete last line, ...) */
    size_t dropped;     /* repeated runs dropped */
};

static void results_free(struct results *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->rows[i].line);
        free(r->rows[i].vals);
    }
    free(r->rows);
    free(r->by_run);
    memset(r, 0, sizeof *r);
}

static int results_init(struct results *r, const struct sweep *sw)
{
    memset(r, 0, sizeof *r);
    r->by_run = malloc(sw->nruns * sizeof *r->by_run);
    if (!r->by_run)
        return -1;
    for (size_t i = 0; i < sw->nruns; i++)
        r->by_run[i] = -1;
    return 0;
}

static void header(const struct sweep *sw, struct buf *d)
{
    for (size_t k = 0; k < sw->nvars; k++) {
        csv_put_field(d, sw->vars[k].key);
        buf_add(d, ",");
    }
    buf_add(d, "seed,exit");
    for (size_t m = 0; m < sw->nmetrics; m++) {
        buf_add(d, ",");
        csv_put_field(d, sw->metrics[m].name);
    }
}

/* Adds the record f has just read (its fields, its text line) as a row. Returns 0, or -1 with err. */
static int add_row(struct results *r, const struct sweep *sw, const struct csv *f, char *err, size_t errsz)
{
    size_t want = sw->nvars + 2 + sw->nmetrics, line_len;
    const char *line = csv_record_text(f, &line_len);
    long long seed, ex;
    if ((size_t)f->nf != want) {
        snprintf(err, errsz, "expected %zu fields, got %d", want, f->nf);
        return -1;
    }
    if (runner_parse_int(csv_field(f, (int)sw->nvars), 0, (long long)SEED_MAX, &seed) < 0) {
        snprintf(err, errsz, "seed: expected an integer, got \"%.40s\"", csv_field(f, (int)sw->nvars));
        return -1;
    }
    if (runner_parse_int(csv_field(f, (int)sw->nvars + 1), 0, 255, &ex) < 0) {
        snprintf(err, errsz, "exit: expected 0 to 255, got \"%.40s\"", csv_field(f, (int)sw->nvars + 1));
        return -1;
    }
    double *vals = malloc((sw->nmetrics + 1) * sizeof *vals);
    if (!vals) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    for (size_t m = 0; m < sw->nmetrics; m++) {
        const char *s = csv_field(f, (int)(sw->nvars + 2 + m));
        char *end;
        vals[m] = NAN;
        if (!*s)
            continue;
        vals[m] = strtod(s, &end);
        if (*end || !isfinite(vals[m])) {
            snprintf(err, errsz, "%s: expected a number or nothing, got \"%.40s\"", sw->metrics[m].name, s);
            free(vals);
            return -1;
        }
    }
    long point = 0;
    for (size_t k = 0; k < sw->nvars && point >= 0; k++) {
        size_t j = 0;
        while (j < sw->vars[k].nvals && strcmp(sw->vars[k].text[j], csv_field(f, (int)k)) != 0)
            j++;
        point = j < sw->vars[k].nvals ? point * (long)sw->vars[k].nvals + (long)j : -1;
    }
    long run = -1;
    if (point >= 0 && (uint64_t)seed >= sw->seed_start && (uint64_t)seed - sw->seed_start < sw->seeds)
        run = point * (long)sw->seeds + (long)((uint64_t)seed - sw->seed_start);
    if (run >= 0 && r->by_run[run] >= 0) {
        r->dropped++;   /* a run recorded twice: the first stays */
        r->rewrite = 1;
        free(vals);
        return 0;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct row *rows = realloc(r->rows, cap * sizeof *rows);
        if (!rows) {
            free(vals);
            snprintf(err, errsz, "out of memory");
            return -1;
        }
        r->rows = rows;
        r->cap = cap;
    }
    struct row *w = &r->rows[r->n];
    w->line = malloc(line_len + 1);
    if (!w->line) {
        free(vals);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    memcpy(w->line, line, line_len);
    w->line[line_len] = '\0';
    w->point = point;
    w->seed = (uint64_t)seed;
    w->run = run;
    w->order = r->n;
    w->exit = (int)ex;
    w->vals = vals;
    if (run >= 0)
        r->by_run[run] = (long)r->n;
    r->n++;
    return 0;
}

/* Adds a row given as one CSV line (made by make_row). */
static int add_line(struct results *r, const struct sweep *sw, const char *line, char *err, size_t errsz)
{
    struct csv f;
    size_t len = strlen(line);
    char *nl = malloc(len + 2);
    int rc = -1;
    if (!nl) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    memcpy(nl, line, len);
    nl[len] = '\n';
    nl[len + 1] = '\0';
    csv_init_mem(&f, nl, len + 1, CSV_STRICT);
    if (csv_next(&f) != 1)
        snprintf(err, errsz, "malformed row \"%.60s\"", line);
    else
        rc = add_row(r, sw, &f, err, errsz);
    csv_close(&f);
    free(nl);
    return rc;
}

/* Reads dir/results.csv if it is there. Returns 0, or -1 with err (exit status 2: the file is not this
 * sweep's, or is damaged before its last line). */
static int results_load(struct results *r, const struct sweep *sw, const char *dir, char *err, size_t errsz)
{
    char path[OUT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    struct conf cf;
    conf_init(&cf, path);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct buf text = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
        buf_addn(&text, chunk, got);
    int bad = ferror(fp);
    fclose(fp);
    if (bad || text.oom) {
        snprintf(err, errsz, "%s: cannot read: %s", path, bad ? strerror(errno) : "out of memory");
        buf_free(&text);
        return -1;
    }
    r->exists = 1;
    struct csv f;
    struct buf want = {0};
    size_t line = 1, rec_len;
    int rc = 0;
    header(sw, &want);
    csv_init_mem(&f, text.s, text.len, CSV_STRICT);
    int h = csv_next(&f);
    if (h == CSV_END || h == CSV_CUT) {
        r->rewrite = 1;     /* empty, or a header cut short: nothing to keep */
        goto out;
    }
    const char *htext = csv_record_text(&f, &rec_len);
    if (h < 0 || rec_len != want.len || memcmp(htext, want.s, rec_len) != 0) {
        snprintf(err, errsz, "%s: line 1: the columns are not this sweep's (%.300s): use another --out, or "
                 "remove the file to start again", path, want.s ? want.s : "");
        rc = -1;
        goto out;
    }
    for (;;) {
        line++;
        int k = csv_next(&f);
        if (k == CSV_END)
            break;
        if (k == CSV_CUT) {
            r->rewrite = 1;     /* a line cut short by a crash: dropped, and the run is run again */
            break;
        }
        char e[512];
        if (k < 0) {
            snprintf(err, errsz, "%s: line %zu: malformed CSV", path, line);
            rc = -1;
            break;
        }
        if (add_row(r, sw, &f, e, sizeof e) < 0) {
            snprintf(err, errsz, "%s: line %zu: %.300s", path, line, e);
            rc = -1;
            break;
        }
    }
out:
    csv_close(&f);
    buf_free(&want);
    buf_free(&text);
    return rc;
}

static const struct row *g_sort_rows;

/* This sweep's grid order, then seed; rows of other grid points after, as they were. */
static int row_cmp(const void *a, const void *b)
{
    const struct row *x = &g_sort_rows[*(const size_t *)a], *y = &g_sort_rows[*(const size_t *)b];
    int xo = x->point < 0, yo = y->point < 0;
    if (xo != yo)
        return xo - yo;
    if (!xo && x->point != y->point)
        return x->point < y->point ? -1 : 1;
    if (!xo && x->seed != y->seed)
        return x->seed < y->seed ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Writes dir/results.csv atomically, in grid then seed order. */
static int results_write(const struct results *r, const struct sweep *sw, const char *dir, char *err,
                         size_t errsz)
{
    size_t *idx = malloc((r->n + 1) * sizeof *idx);
    struct out_file o;
    struct buf d = {0};
    if (!idx) {
        snprintf(err, errsz, "%s/results.csv: out of memory", dir);
        return -1;
    }
    for (size_t i = 0; i < r->n; i++)
        idx[i] = i;
    g_sort_rows = r->rows;
    qsort(idx, r->n, sizeof *idx, row_cmp);
    if (out_open(&o, dir, "results.csv", err, errsz) < 0) {
        free(idx);
        return -1;
    }
    header(sw, &d);
    if (!d.oom)
        fprintf(o.f, "%s\n", d.s);
    for (size_t i = 0; i < r->n; i++)
        fprintf(o.f, "%s\n", r->rows[idx[i]].line);
    free(idx);
    int oom = d.oom;
    buf_free(&d);
    if (oom) {
        out_abort(&o);
        snprintf(err, errsz, "%s/results.csv: out of memory", dir);
        return -1;
    }
    return out_commit(&o, err, errsz);
}

/* summary.csv: a line a grid point, the statistics of each metric over this sweep's seeds. */
static int summary_write(const struct results *r, const struct sweep *sw, const char *dir, char *err,
                         size_t errsz)
{
    static const char *const stat_cols[] = {"n", "mean", "sd", "ci95_lo", "ci95_hi", "median", "p95"};
    struct out_file o;
    struct buf d = {0};
    double *x = malloc(sw->seeds * sizeof *x);
    if (!x || out_open(&o, dir, "summary.csv", err, errsz) < 0) {
        if (!x)
            snprintf(err, errsz, "%s/summary.csv: out of memory", dir);
        free(x);
        return -1;
    }
    for (size_t k = 0; k < sw->nvars; k++) {
        csv_put_field(&d, sw->vars[k].key);
        buf_add(&d, ",");
    }
    buf_add(&d, "runs,violations");
    for (size_t m = 0; m < sw->nmetrics; m++)
        for (size_t s = 0; s < 7; s++)
            buf_addf(&d, ",%s_%s", sw->metrics[m].name, stat_cols[s]);
    buf_add(&d, "\n");
    for (size_t p = 0; p < sw->npoints && !d.oom; p++) {
        size_t runs = 0, viol = 0;
        for (size_t k = 0; k < sw->nvars; k++) {
            csv_put_field(&d, sw->vars[k].text[sweep_value_index(sw, p, k)]);
            buf_add(&d, ",");
        }
        for (size_t s = 0; s < sw->seeds; s++) {
            long i = r->by_run[p * sw->seeds + s];
            runs += i >= 0;
            viol += i >= 0 && r->rows[i].exit == 1;
        }
        buf_addf(&d, "%zu,%zu", runs, viol);
        for (size_t m = 0; m < sw->nmetrics; m++) {
            size_t n = 0;
            struct stats_summary st;
            for (size_t s = 0; s < sw->seeds; s++) {
                long i = r->by_run[p * sw->seeds + s];
                if (i >= 0)
                    x[n++] = r->rows[i].vals[m];
            }
            if (stats_summarize(x, n, &st) < 0)
                d.oom = 1;
            buf_addf(&d, ",%zu", st.n);
            double v[6] = {st.mean, st.sd, st.ci95_lo, st.ci95_hi, st.median, st.p95};
            for (int k = 0; k < 6; k++) {
                buf_add(&d, ",");
                buf_num(&d, v[k]);
            }
        }
        buf_add(&d, "\n");
        if (!d.oom)
            fwrite(d.s, 1, d.len, o.f);
        buf_reset(&d);
    }
    free(x);
    int oom = d.oom;
    buf_free(&d);
    if (oom) {
        out_abort(&o);
        snprintf(err, errsz, "%s/summary.csv: out of memory", dir);
        return -1;
    }
    return out_commit(&o, err, errsz);
}

/* The CSV line of run `run` from its metrics.json. With check, a metric path that metrics.json does not
 * have is an error (in err, with *bad_metric set to its index); otherwise it reads as empty. */
static char *make_row(const struct sweep *sw, size_t run, int exit_status, const cJSON *root, int check,
                      size_t *bad_metric, char *err, size_t errsz)
{
    struct buf d = {0};
    size_t point = run / sw->seeds;
    for (size_t k = 0; k < sw->nvars; k++) {
        csv_put_field(&d, sw->vars[k].text[sweep_value_index(sw, point, k)]);
        buf_add(&d, ",");
    }
    buf_addf(&d, "%llu,%d", (unsigned long long)(sw->seed_start + run % sw->seeds), exit_status);
    for (size_t m = 0; m < sw->nmetrics; m++) {
        char e[512];
        double v = mexpr_eval(sw->metrics[m].expr, root, check ? e : NULL, sizeof e);
        if (check && e[0]) {
            snprintf(err, errsz, "%s", e);
            *bad_metric = m;
            buf_free(&d);
            return NULL;
        }
        buf_add(&d, ",");
        buf_num(&d, v);
    }
    if (d.oom) {
        snprintf(err, errsz, "out of memory");
        buf_free(&d);
        return NULL;
    }
    return d.s;
}

static int violations_in(const cJSON *root)
{
    const cJSON *inv = cJSON_GetObjectItemCaseSensitive(root, "invariants");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(inv, "violations");
    return cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0;
}

/* ======================================================================================================
 * The command
 * ====================================================================================================== */

struct failure {
    size_t run;
    int status;
    char *note;
};

struct ctx {
    struct sweep sw;
    struct results res;
    const char *out;
    const char *exe;
    int quiet, plot, written, jobs, rank, nranks, nlocal;
    char tmp[OUT_PATH_MAX];
    size_t *todo, ntodo;            /* runs this process carries out */
    size_t npending;                /* runs to do, over every rank */
    struct runner_progress prog;
    int fd;                         /* results.csv open for appending, or -1 */
    int checked;                    /* the metric paths were checked on a first run */
    int fatal;                      /* exit status that stopped the pool */
    size_t new_rows;
    struct failure *fails;
    size_t nfails;
    int ranks_done;
};

static void note_failure(struct ctx *x, size_t run, int status, const char *note)
{
    struct failure *f = realloc(x->fails, (x->nfails + 1) * sizeof *f);
    if (!f)
        return;
    x->fails = f;
    f[x->nfails].run = run;
    f[x->nfails].status = status;
    f[x->nfails].note = strdup(note ? note : "");
    x->nfails++;
}

static int open_append(struct ctx *x)
{
    char path[OUT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/results.csv", x->out);
    x->fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0666);
    if (x->fd < 0) {
        fprintf(stderr, "mqsim: %s: cannot open for appending: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Appends one finished run to results.csv with a single write, then fsync: the file is a complete CSV at
 * every moment (the header goes with the first line). */
static int append_row(struct ctx *x, const char *line)
{
    struct buf d = {0};
    struct stat st;
    if (x->fd < 0 && open_append(x) < 0)
        return -1;
    if (fstat(x->fd, &st) == 0 && st.st_size == 0) {
        header(&x->sw, &d);
        buf_add(&d, "\n");
    }
    buf_add(&d, line);
    buf_add(&d, "\n");
    size_t off = 0;
    while (!d.oom && off < d.len) {
        ssize_t w = write(x->fd, d.s + off, d.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int ok = !d.oom && off == d.len && fsync(x->fd) == 0;
    if (!ok)
        fprintf(stderr, "mqsim: %s/results.csv: write failed: %s\n", x->out, d.oom ? "out of memory" :
                strerror(errno ? errno : EIO));
    buf_free(&d);
    return ok ? 0 : -1;
}

/* A finished run reaches rank 0 (or the only process): a row, or a failure note. */
static int deliver(struct ctx *x, size_t run, int status, const char *line)
{
    char err[512];
    if (!line || !*line || !(status == 0 || status == 1)) {
        note_failure(x, run, status, line);
        runner_progress_add(&x->prog, 1);
        return 0;
    }
    if (append_row(x, line) < 0) {
        x->fatal = 3;
        return -1;
    }
    if (add_line(&x->res, &x->sw, line, err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        x->fatal = 3;
        return -1;
    }
    x->new_rows++;
    runner_progress_add(&x->prog, 1);
    return 0;
}

#ifdef MQSIM_MPI
enum { TAG_ROW = 1, TAG_FAIL = 2, TAG_DONE = 3 };

/* "run status text": a row (TAG_ROW) or a failure note (TAG_FAIL) for rank 0. */
static int send_result(size_t run, int status, const char *text, int tag)
{
    struct buf d = {0};
    buf_addf(&d, "%zu %d %s", run, status, text ? text : "");
    if (d.oom)
        return -1;
    MPI_Send(d.s, (int)d.len + 1, MPI_CHAR, 0, tag, MPI_COMM_WORLD);
    buf_free(&d);
    return 0;
}

/* Rank 0's poll: takes what the other ranks have finished. 1 while some rank is not done. */
static int mpi_poll(void *p)
{
    struct ctx *x = p;
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (!flag)
            break;
        int n = 0;
        MPI_Get_count(&st, MPI_CHAR, &n);
        char *buf = malloc((size_t)n + 1);
        if (!buf)
            return -1;
        MPI_Recv(buf, n, MPI_CHAR, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        buf[n > 0 ? n - 1 : 0] = '\0';
        if (st.MPI_TAG == TAG_DONE) {
            x->ranks_done++;
        } else {
            unsigned long long run = 0;
            int status = 0, off = 0;
            if (sscanf(buf, "%llu %d %n", &run, &status, &off) < 2 || run >= x->sw.nruns) {
                free(buf);
                fprintf(stderr, "mqsim: sweep: a malformed message from rank %d\n", st.MPI_SOURCE);
                x->fatal = 3;
                return -1;
            }
            int rc = 0;
            if (st.MPI_TAG == TAG_ROW) {
                rc = deliver(x, (size_t)run, status, buf + off);
            } else {
                note_failure(x, (size_t)run, status, buf + off);
                runner_progress_add(&x->prog, 1);
            }
            free(buf);
            if (rc < 0)
                return -1;
        }
    }
    return x->ranks_done < x->nranks - 1 ? 1 : 0;
}
#endif

static int sw_prepare(void *p, size_t i, struct runner_cmd *cmd)
{
    struct ctx *x = p;
    const struct sweep *sw = &x->sw;
    size_t run = x->todo[i], point = run / sw->seeds;
    argv_add(&cmd->argv, x->exe);
    argv_add(&cmd->argv, sw->base);
    argv_add(&cmd->argv, "--seed");
    argv_addf(&cmd->argv, "%llu", (unsigned long long)(sw->seed_start + run % sw->seeds));
    argv_add(&cmd->argv, "--out");
    argv_addf(&cmd->argv, "%s/%zu", x->tmp, i);
    argv_add(&cmd->argv, "--quiet");
    argv_add(&cmd->argv, "--trace");
    argv_add(&cmd->argv, "off");
    for (size_t k = 0; k < sw->nsets; k++) {
        argv_add(&cmd->argv, "--set");
        argv_add(&cmd->argv, sw->sets[k]);
    }
    for (size_t k = 0; k < sw->nvars; k++) {
        argv_add(&cmd->argv, "--set");
        argv_add(&cmd->argv, sw->vars[k].set[sweep_value_index(sw, point, k)]);
    }
    snprintf(cmd->err_path, sizeof cmd->err_path, "%s/%zu.err", x->tmp, i);
    return 0;
}

static int sw_finish(void *p, size_t i, int status)
{
    struct ctx *x = p;
    size_t run = x->todo[i];
    char dir[OUT_PATH_MAX + 32], path[OUT_PATH_MAX + 64], err[1024], note[1100] = "";
    char *line = NULL;
    snprintf(dir, sizeof dir, "%s/%zu", x->tmp, i);
    if (status == 0 || status == 1) {
        struct conf cf;
        snprintf(path, sizeof path, "%s/metrics.json", dir);
        conf_init(&cf, path);
        cJSON *root = conf_load_file(&cf, path);
        if (root) {
            size_t bad = SIZE_MAX;
            line = make_row(&x->sw, run, status, root, !x->checked, &bad, err, sizeof err);
            cJSON_Delete(root);
            if (!line) {
                char mp[512];
                if (bad == SIZE_MAX) {
                    fprintf(stderr, "mqsim: sweep: %s\n", err);
                    x->fatal = 3;
                    return -1;
                }
                fprintf(stderr, "mqsim: %s: %s: %s\n", x->sw.file,
                        conf_path_key(mp, sizeof mp, "$.metrics", x->sw.metrics[bad].name), err);
                x->fatal = 2;
                return -1;
            }
            x->checked = 1;
        } else {
            snprintf(note, sizeof note, "%s", cf.err);
            status = 3;
        }
    } else {
        snprintf(path, sizeof path, "%s/%zu.err", x->tmp, i);
        runner_first_line(path, note, sizeof note);
    }
    runner_remove_tree(dir);
    snprintf(path, sizeof path, "%s/%zu.err", x->tmp, i);
    unlink(path);
    int rc;
#ifdef MQSIM_MPI
    if (x->rank != 0) {
        rc = send_result(run, status, line ? line : note, line ? TAG_ROW : TAG_FAIL);
        free(line);
        return rc;
    }
#endif
    if (line)
        rc = deliver(x, run, status, line);
    else {
        note_failure(x, run, status, note);
        runner_progress_add(&x->prog, 1);
        rc = 0;
    }
    free(line);
    return rc;
}

/* Shell command that replays run `run` (for messages). */
static void replay_command(const struct sweep *sw, size_t run, struct buf *d)
{
    size_t point = run / sw->seeds;
    buf_add(d, "mqsim ");
    buf_shell(d, sw->base);
    buf_addf(d, " --seed %llu", (unsigned long long)(sw->seed_start + run % sw->seeds));
    for (size_t k = 0; k < sw->nsets; k++) {
        buf_add(d, " --set ");
        buf_shell(d, sw->sets[k]);
    }
    for (size_t k = 0; k < sw->nvars; k++) {
        buf_add(d, " --set ");
        buf_shell(d, sw->vars[k].set[sweep_value_index(sw, point, k)]);
    }
}

static int fail_cmp(const void *a, const void *b)
{
    const struct failure *x = a, *y = b;
    return x->run < y->run ? -1 : x->run > y->run;
}

/* Messages about runs that broke an invariant (new this time) or failed; the exit status they imply. */
static int report_runs(struct ctx *x, size_t first_new)
{
    const struct sweep *sw = &x->sw;
    int rc = 0;
    size_t shown = 0, more = 0;
    if (x->nfails)
        qsort(x->fails, x->nfails, sizeof *x->fails, fail_cmp);
    for (size_t i = 0; i < x->nfails; i++) {
        const struct failure *f = &x->fails[i];
        struct buf d = {0};
        char st[64];
        rc = f->status > 128 && rc != 3 ? 1 : 3;
        if (shown++ >= MAX_NOTES) {
            more++;
            continue;
        }
        replay_command(sw, f->run, &d);
        fprintf(stderr, "mqsim: sweep: %s%s%s; not recorded, it runs again next time: %s\n",
                runner_status_text(f->status, st, sizeof st), *f->note ? ": " : "", f->note, d.s ? d.s : "");
        buf_free(&d);
    }
    for (size_t i = 0; i < x->res.n; i++) {
        const struct row *w = &x->res.rows[i];
        if (w->run < 0 || w->exit != 1)
            continue;
        if (rc == 0)
            rc = 1;
        if (i < first_new)
            continue;
        if (shown++ >= MAX_NOTES) {
            more++;
            continue;
        }
        struct buf d = {0};
        replay_command(sw, (size_t)w->run, &d);
        fprintf(stderr, "mqsim: sweep: an invariant was broken; replay: %s\n", d.s ? d.s : "");
        buf_free(&d);
    }
    if (more)
        fprintf(stderr, "mqsim: sweep: ... and %zu more\n", more);
    return rc;
}

/* Characters on screen: UTF-8 continuation bytes (of "±") take no column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* A few lines on stdout: each grid point's mean and 95% CI half-width of each metric, in aligned columns
 * headed by the last part of each varied key. */
static void print_summary(const struct ctx *x)
{
    const struct sweep *sw = &x->sw;
    size_t have = 0;
    for (size_t r = 0; r < sw->nruns; r++)
        have += x->res.by_run[r] >= 0;
    printf("sweep %s: %zu of %zu runs in %s/results.csv (%zu new); summary in %s/summary.csv\n", sw->name,
           have, sw->nruns, x->out, x->new_rows, x->out);
    if (sw->npoints > 200)
        return;
    size_t ncols = sw->nvars + sw->nmetrics, nrows = sw->npoints + 1;
    char **cell = calloc(ncols * nrows, sizeof *cell);
    size_t *w = calloc(ncols, sizeof *w);
    double *v = malloc(sw->seeds * sizeof *v);
    if (!cell || !w || !v)
        goto out;
    for (size_t k = 0; k < sw->nvars; k++) {
        const char *key = sw->vars[k].key, *dot = strrchr(key, '.');
        cell[k] = strdup(dot && dot[1] ? dot + 1 : key);
    }
    for (size_t m = 0; m < sw->nmetrics; m++)
        cell[sw->nvars + m] = strdup(sw->metrics[m].name);
    for (size_t p = 0; p < sw->npoints; p++) {
        char **row = cell + (p + 1) * ncols;
        for (size_t k = 0; k < sw->nvars; k++)
            row[k] = strdup(sw->vars[k].text[sweep_value_index(sw, p, k)]);
        for (size_t m = 0; m < sw->nmetrics; m++) {
            size_t n = 0;
            struct stats_summary st;
            char buf[64];
            for (size_t s = 0; s < sw->seeds; s++) {
                long i = x->res.by_run[p * sw->seeds + s];
                if (i >= 0)
                    v[n++] = x->res.rows[i].vals[m];
            }
            stats_summarize(v, n, &st);
            if (isnan(st.mean))
                snprintf(buf, sizeof buf, "-");
            else if (isnan(st.ci95_half))
                snprintf(buf, sizeof buf, "%.4g", st.mean);
            else
                snprintf(buf, sizeof buf, "%.4g ± %.2g", st.mean, st.ci95_half);
            row[sw->nvars + m] = strdup(buf);
        }
    }
    for (size_t i = 0; i < ncols * nrows; i++)
        if (!cell[i])
            goto out;
    for (size_t i = 0; i < ncols * nrows; i++)
        if (width(cell[i]) > w[i % ncols])
            w[i % ncols] = width(cell[i]);
    for (size_t r = 0; r < nrows; r++) {
        for (size_t k = 0; k < ncols; k++) {
            const char *c = cell[r * ncols + k];
            int pad = (int)(w[k] - width(c));
            if (k < sw->nvars)      /* grid values left, metrics right */
                printf("%s%s%*s", k ? "  " : "", c, pad, "");
            else
                printf("  %*s%s", pad, "", c);
        }
        printf("\n");
    }
out:
    if (cell)
        for (size_t i = 0; i < ncols * nrows; i++)
            free(cell[i]);
    free(cell);
    free(w);
    free(v);
}

static int finish_outputs(struct ctx *x)
{
    char err[OUT_PATH_MAX + 256];
    if (results_write(&x->res, &x->sw, x->out, err, sizeof err) < 0 ||
        summary_write(&x->res, &x->sw, x->out, err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        return 3;
    }
    x->written = 1;
    return 0;
}

static int pending_runs(struct ctx *x, size_t **list, size_t *n)
{
    *list = malloc((x->sw.nruns + 1) * sizeof **list);
    if (!*list)
        return -1;
    *n = 0;
    for (size_t r = 0; r < x->sw.nruns; r++)
        if (x->res.by_run[r] < 0)
            (*list)[(*n)++] = r;
    return 0;
}

/* --list: a shell command a pending run (not in results.csv, no metrics.json in its run directory). */
static int do_list(struct ctx *x)
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
    if (!x->quiet)
        fprintf(stderr, "sweep %s: %zu of %zu runs pending; their outputs go to %s/runs/, then: mqsim sweep %s "
                "--out %s --collect %s\n", sw->name, listed, sw->nruns, out_abs, sw->file, x->out, x->out);
    return 0;
}

/* --collect: merges DIR/runs/<run>/metrics.json of every pending run into results.csv, then summary.csv. */
static int do_collect(struct ctx *x, char **dirs, int ndirs)
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
            char *line = make_row(sw, r, violations_in(root), root, !x->checked, &bad, err, sizeof err);
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
            int rc = add_line(&x->res, sw, line, err, sizeof err);
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
    int rc = finish_outputs(x);
    if (rc)
        return rc;
    if (!x->quiet)
        fprintf(stderr, "sweep %s: collected %zu run%s from %d director%s; %zu still missing\n", sw->name, merged,
                merged == 1 ? "" : "s", ndirs, ndirs == 1 ? "y" : "ies", missing);
    rc = report_runs(x, first_new);
    if (!x->quiet)
        print_summary(x);
    return rc;
}

/* Runs this process's share of the pending runs; on rank 0 (or alone) writes the results. */
static int do_run(struct ctx *x)
{
    char err[OUT_PATH_MAX + 256];
    size_t *pending = NULL, npending = 0, first_new = x->res.n;
    int rc = 0;
    if (x->rank == 0) {
        if (pending_runs(x, &pending, &npending) < 0) {
            fprintf(stderr, "mqsim: out of memory\n");
            rc = 3;
        } else if (out_mkdirs(x->out, err, sizeof err) < 0) {
            fprintf(stderr, "mqsim: %s\n", err);
            rc = 3;
        } else if (x->res.rewrite && results_write(&x->res, &x->sw, x->out, err, sizeof err) < 0) {
            /* A line cut short or a run twice: rewrite before appending, so appends extend a clean file. */
            fprintf(stderr, "mqsim: %s\n", err);
            rc = 3;
        }
    }
#ifdef MQSIM_MPI
    if (x->nranks > 1) {
        unsigned long long n = npending;
        MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (rc) {
            free(pending);
            return rc;
        }
        MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
        if (x->rank != 0) {
            pending = malloc((n + 1) * sizeof *pending);
            if (!pending)
                MPI_Abort(MPI_COMM_WORLD, 3);
        }
        npending = (size_t)n;
        unsigned long long *tmp = malloc((n + 1) * sizeof *tmp);
        if (!tmp)
            MPI_Abort(MPI_COMM_WORLD, 3);
        for (size_t k = 0; x->rank == 0 && k < npending; k++)
            tmp[k] = pending[k];
        MPI_Bcast(tmp, (int)n, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
        for (size_t k = 0; k < npending; k++)
            pending[k] = (size_t)tmp[k];
        free(tmp);
        if (x->rank != 0 && out_mkdirs(x->out, err, sizeof err) < 0) {
            fprintf(stderr, "mqsim: %s\n", err);
            MPI_Abort(MPI_COMM_WORLD, 3);
        }
    }
#endif
    if (rc) {
        free(pending);
        return rc;
    }
    /* Rank r takes the pending runs k with k % nranks == r; alone, all of them. */
    x->todo = malloc((npending / (size_t)x->nranks + 2) * sizeof *x->todo);
    if (!x->todo) {
        free(pending);
        fprintf(stderr, "mqsim: out of memory\n");
        return 3;
    }
    for (size_t k = (size_t)x->rank; k < npending; k += (size_t)x->nranks)
        x->todo[x->ntodo++] = pending[k];
    free(pending);
    x->npending = npending;
    if (x->rank == 0 && !x->quiet && npending < x->sw.nruns)
        fprintf(stderr, "sweep %s: %zu of %zu runs already in %s/results.csv; %zu to run\n", x->sw.name,
                x->sw.nruns - npending, x->sw.nruns, x->out, npending);

    /* Signals are caught from before the directory for the runs exists, so that ^C cannot leave it behind. */
    if (runner_signals_begin() < 0) {
        fprintf(stderr, "mqsim: sweep: cannot set up signal handling\n");
        return 3;
    }
    if (runner_tmpdir(x->out, "sweep-runs", x->tmp, sizeof x->tmp, err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        runner_signals_end();
#ifdef MQSIM_MPI
        if (x->nranks > 1)
            MPI_Abort(MPI_COMM_WORLD, 3);
#endif
        return 3;
    }
    char label[160];
    snprintf(label, sizeof label, "sweep %s", x->sw.name);
    runner_progress_init(&x->prog, label, npending, x->quiet || x->rank != 0);
    struct runner r = {.jobs = x->jobs, .progress = &x->prog};
    struct runner_ops ops = {.prepare = sw_prepare, .finish = sw_finish};
#ifdef MQSIM_MPI
    if (x->nranks > 1 && x->rank == 0)
        ops.poll = mpi_poll;
#endif
    int pr = runner_run(&r, x->ntodo, &ops, x);
    runner_progress_end(&x->prog);
    runner_remove_tree(x->tmp);
    if (x->fd >= 0) {
        close(x->fd);
        x->fd = -1;
    }
    if (pr == RUNNER_SIGNALLED) {
        int sig = runner_signals_end();
        if (x->rank == 0) {
            size_t have = 0;
            for (size_t k = 0; k < x->sw.nruns; k++)
                have += x->res.by_run[k] >= 0;
            fprintf(stderr, "mqsim: sweep: interrupted; %s/results.csv holds %zu of %zu runs; the same command "
                    "resumes\n", x->out, have, x->sw.nruns);
        }
#ifdef MQSIM_MPI
        if (x->nranks > 1)
            MPI_Abort(MPI_COMM_WORLD, 128 + sig);
#endif
        return 128 + sig;
    }
    if (pr != 0) {
        runner_signals_end();
        if (x->fatal == 2 && !x->res.exists)
            rmdir(x->out);      /* a bad metric path: nothing written, not even the directory (if empty) */
#ifdef MQSIM_MPI
        if (x->nranks > 1)
            MPI_Abort(MPI_COMM_WORLD, x->fatal ? x->fatal : 3);
#endif
        return x->fatal ? x->fatal : 3;
    }
#ifdef MQSIM_MPI
    if (x->nranks > 1 && x->rank != 0) {
        MPI_Send("", 1, MPI_CHAR, 0, TAG_DONE, MPI_COMM_WORLD);
        runner_signals_end();
        return 0;
    }
#endif
    rc = finish_outputs(x);
    int sig = runner_signals_end();
    if (rc == 0) {
        rc = report_runs(x, first_new);
        if (!x->quiet)
            print_summary(x);
    }
    return sig ? 128 + sig : rc;
}

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "mqsim: sweep: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    return 2;
}

static int sweep_main(struct ctx *x, int argc, char **argv)
{
    const char *file = NULL;
    char **collect = NULL;
    int ncollect = 0, list = 0, is_collect = 0, jobs_set = 0;
    long long jobs = 0;
    char def_out[256];
    collect = calloc((size_t)argc + 1, sizeof *collect);
    if (!collect)
        return 3;
    int rc = 2;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0) {
            x->quiet = 1;
        } else if (strcmp(a, "--plot") == 0) {
            x->plot = 1;
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
                x->out = v;
            } else if (runner_parse_int(v, 1, 4096, &jobs) < 0) {
                rc = usage("--jobs: expected an integer from 1 to 4096, got \"%s\"", v);
                goto out;
            } else {
                jobs_set = 1;
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
    if (list && x->plot) {
        rc = usage("%s", "--plot draws results: give it to --collect, not to --list");
        goto out;
    }
    /* Every rank reads the sweep; all must agree before anything runs (a rank that cannot read it stops
     * them all), and one message is enough: rank 0's, or another rank's when rank 0 had none. */
    struct conf c;
    char err[OUT_PATH_MAX + 1280] = "";
    rc = 0;
    if (sweep_load(&x->sw, file, &c) < 0) {
        snprintf(err, sizeof err, "%s", c.err);
        rc = 2;
    } else {
        if (!x->out) {
            snprintf(def_out, sizeof def_out, "out/%s", x->sw.name);
            x->out = def_out;
        }
        /* Under MPI, the cores of a machine are shared by the ranks on it. */
        x->jobs = jobs_set ? (int)jobs : runner_default_jobs() / x->nlocal > 0 ? runner_default_jobs() / x->nlocal
                                                                                : 1;
        char e[OUT_PATH_MAX + 1024];
        if (!(x->exe = runner_exe(e, sizeof e))) {
            snprintf(err, sizeof err, "sweep: %s", e);
            rc = 3;
        } else if (results_init(&x->res, &x->sw) < 0) {
            snprintf(err, sizeof err, "out of memory");
            rc = 3;
        } else if (x->rank == 0 && results_load(&x->res, &x->sw, x->out, e, sizeof e) < 0) {
            snprintf(err, sizeof err, "%s", e);
            rc = 2;
        }
    }
#ifdef MQSIM_MPI
    if (x->nranks > 1) {
        int worst = rc, rc0 = rc;
        MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        MPI_Bcast(&rc0, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (rc && rc0 && x->rank != 0)
            err[0] = '\0';
        rc = worst;
    }
#endif
    if (err[0])
        fprintf(stderr, "mqsim: %s\n", err);
    if (rc)
        goto out;
    if (list || is_collect) {
        if (x->rank == 0)
            rc = list ? do_list(x) : do_collect(x, collect, ncollect);
        goto out;
    }
    rc = do_run(x);
out:
    /* --plot: the figures of summary.csv (plot_dir says what went wrong, if anything). */
    if (x->plot && x->written && rc < 128 && x->rank == 0 && plot_dir(x->out, x->quiet) != 0 && rc == 0)
        rc = 3;
    free(collect);
    return rc;
}

#ifdef MQSIM_MPI
/* Under mpirun (Open MPI, or any PMI launcher), not when run by hand: a plain run needs no MPI. */
static int under_mpirun(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}
#endif

int cmd_sweep(int argc, char **argv)
{
    struct ctx x;
    memset(&x, 0, sizeof x);
    x.fd = -1;
    x.nranks = 1;
    x.nlocal = 1;
#ifdef MQSIM_MPI
    int mpi = under_mpirun();
    if (mpi) {
        MPI_Comm local;
        MPI_Init(NULL, NULL);
        MPI_Comm_rank(MPI_COMM_WORLD, &x.rank);
        MPI_Comm_size(MPI_COMM_WORLD, &x.nranks);
        if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local) == MPI_SUCCESS) {
            MPI_Comm_size(local, &x.nlocal);
            MPI_Comm_free(&local);
        }
    }
#endif
    int rc = sweep_main(&x, argc, argv);
#ifdef MQSIM_MPI
    if (mpi) {
        if (x.nranks > 1)
            MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
        MPI_Finalize();
    }
#endif
    for (size_t i = 0; i < x.nfails; i++)
        free(x.fails[i].note);
    free(x.fails);
    free(x.todo);
    results_free(&x.res);
    sweep_free(&x.sw);
    return rc;
}
