/* sweep_grid: a sweep file read and checked (every value and grid point must make a valid scenario), its grid
 * of values times seeds, and each run's directory name. */
#include "sim/lab/sweep.h"
#include "sim/lab/sweep_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/buf.h"
#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"

#define MAX_SEEDS 1000000
#define MAX_POINTS 1000000
#define MAX_RUNS 10000000

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

/* Loads the base scenario with the given --set arguments. 0, or -1 with the scenario's error in err. With
 * bad_metric (sets make a grid point), the metrics are checked too on the metrics.json its runs start with
 * (mexpr_check_start): a path a run's metrics.json cannot have is the error, its index in *bad_metric. */
static int try_base(struct sweep *sw, const char *const *sets, int nsets, char *err, size_t errsz,
                    size_t *bad_metric)
{
    struct run_opts o = {.file = sw->base, .sets = sets, .nsets = nsets, .sets_own = 1};
    struct scenario sc;
    struct conf cf;
    int rc = scenario_load(&sc, &o, &cf);
    if (rc < 0)
        snprintf(err, errsz, "%s", cf.err);
    else if (nsets == 0)
        memcpy(sw->base_sha256, sc.sha256, sizeof sw->base_sha256);
    cJSON *start = NULL;
    if (rc == 0 && bad_metric) {
        /* Printed and read back, as a run's metrics.json is written and read: its seeds are raw numbers. */
        cJSON *tree = scenario_metrics(&sc, &o);
        char *text = tree ? cJSON_PrintUnformatted(tree) : NULL;
        start = text ? cJSON_Parse(text) : NULL;
        free(text);
        cJSON_Delete(tree);
    }
    if (rc == 0 && bad_metric && !start) {
        snprintf(err, errsz, "out of memory");
        rc = -1;
    }
    for (size_t m = 0; start && m < sw->nmetrics && rc == 0; m++)
        if (mexpr_check_start(sw->metrics[m].expr, start, err, errsz) < 0) {
            *bad_metric = m;
            rc = -1;
        }
    cJSON_Delete(start);
    scenario_free(&sc);
    return rc;
}

/* A metric that a grid point's runs cannot have (try_base), named as `mqsim sweep` names it when a run's
 * metrics.json lacks it, with the grid point when it is not the first (where the first run is). */
static void metric_fail(struct sweep *sw, struct conf *c, size_t m, size_t point, const char *err)
{
    char path[512];
    struct buf d = {0};
    for (size_t k = 0; point > 0 && k < sw->nvars; k++)
        buf_addf(&d, "%s%s", k ? ", " : " (at the grid point ", sw->vars[k].set[sweep_value_index(sw, point, k)]);
    if (point > 0)
        buf_add(&d, ")");
    conf_fail(c, conf_path_key(path, sizeof path, "$.metrics", sw->metrics[m].name), "%s%s", err, d.s ? d.s : "");
    buf_free(&d);
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
    if (try_base(sw, NULL, 0, err, sizeof err, NULL) < 0) {
        conf_fail(c, "$.base", "%s", err);
        goto out;
    }
    for (size_t k = 0; k < sw->nsets; k++)
        args[k] = sw->sets[k];
    if (try_base(sw, args, (int)sw->nsets, err, sizeof err, NULL) < 0) {
        /* Which key? The first that fails on its own; else the combination. */
        char path[512];
        for (size_t k = 0; k < sw->nsets; k++) {
            char e1[1024];
            if (try_base(sw, &args[k], 1, e1, sizeof e1, NULL) < 0) {
                char key[512];
                snprintf(key, sizeof key, "%.*s", (int)strcspn(sw->sets[k], "="), sw->sets[k]);
                conf_fail(c, conf_path_key(path, sizeof path, "$.set", key), "%s", e1);
                goto out;
            }
        }
        conf_fail(c, "$.set", "%s", err);
        goto out;
    }
    /* One key varied: its values are the grid points, whose metrics are checked here. */
    for (size_t k = 0; k < sw->nvars; k++)
        for (size_t j = 0; j < sw->vars[k].nvals; j++) {
            size_t bad = SIZE_MAX;
            args[sw->nsets] = sw->vars[k].set[j];
            if (try_base(sw, args, (int)sw->nsets + 1, err, sizeof err, sw->nvars == 1 ? &bad : NULL) < 0) {
                char p[128];
                if (bad != SIZE_MAX) {
                    metric_fail(sw, c, bad, j, err);
                    goto out;
                }
                snprintf(p, sizeof p, "$.vary[%zu].values[%zu]", k, j);
                conf_fail(c, p, "%s", err);
                goto out;
            }
        }
    if (sw->nvars > 1)
        for (size_t p = 0; p < sw->npoints; p++) {
            size_t bad = SIZE_MAX;
            point_sets(sw, p, args);
            if (try_base(sw, args, (int)(sw->nsets + sw->nvars), err, sizeof err, &bad) < 0) {
                if (bad != SIZE_MAX) {
                    metric_fail(sw, c, bad, p, err);
                    goto out;
                }
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
                             "\"100 * a.b / (a.b + a.c)\", got %s", conf_describe(it, d, sizeof d));
        struct sweep_metric *m = &sw->metrics[sw->nmetrics];
        if (!(m->name = xstrdup(c, name)) || !(m->text = xstrdup(c, it->valuestring)))
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
    memcpy(sw->sha256, c->sha256, sizeof sw->sha256);
    const char *name, *base, *desc;
    int64_t seeds = 0, start = 1;
    char def[128];
    const char *b = strrchr(file, '/');
    snprintf(def, sizeof def, "%s", b ? b + 1 : file);
    if (strlen(def) > 5 && strcmp(def + strlen(def) - 5, ".json") == 0)
        def[strlen(def) - 5] = '\0';

    if (!conf_child(root, "base") && (conf_child(root, "run") || conf_child(root, "groups"))) {
        conf_fail(c, "$", "a scenario (it has \"%s\" and no \"base\"), not a sweep file: run it with mqsim run, "
                  "or name it as a sweep's \"base\"", conf_child(root, "run") ? "run" : "groups");
        goto out;
    }
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
    conf_int(c, root, "$", "seed_start", 1, 0, (int64_t)SWEEP_SEED_MAX, &start);
    if (c->failed)
        goto out;
    if ((uint64_t)start + (uint64_t)seeds - 1 > SWEEP_SEED_MAX) {
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
        free(sw->metrics[k].text);
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
