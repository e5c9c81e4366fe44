/* compare_out: compare.csv (one row a run: the topic's and every group's figures) and compare.json (per
 * scenario the counts, summaries and censored runs). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cmd/compare_int.h"
#include "sim/buf.h"
#include "sim/lab/csv.h"
#include "sim/lab/scenario.h"

/* Columns of group g: all of them for a group that failed over somewhere, else those after the failover. */
static int first_col(const struct compare *c, size_t g)
{
    return c->groups.failover[g] ? 0 : CG_NFAILOVER;
}

static void csv_header(const struct compare *c, struct buf *d)
{
    buf_add(d, "scenario,file,seed,exit");
    for (int m = 0; m < CR_COUNT; m++)
        buf_addf(d, ",%s", compare_run_cols[m]);
    for (size_t g = 0; g < c->groups.n; g++)
        for (int m = first_col(c, g); m < CG_COUNT; m++) {
            char col[512];
            snprintf(col, sizeof col, "%s.%s", c->groups.name[g], compare_group_cols[m]);
            buf_add(d, ",");
            csv_put_field(d, col);
        }
    buf_add(d, "\n");
}

static void csv_row(const struct compare *c, size_t i, struct buf *d)
{
    const struct crun *r = &c->res[i];
    csv_put_field(d, c->names[i / c->runs]);
    buf_add(d, ",");
    csv_put_field(d, c->files[i / c->runs]);
    buf_addf(d, ",%llu,%d", (unsigned long long)(c->seed_start + i % c->runs), r->status);
    for (int m = 0; m < CR_COUNT; m++) {
        buf_add(d, ",");
        if (r->has_metrics)
            buf_num(d, r->v[m]);
    }
    for (size_t g = 0; g < c->groups.n; g++) {
        const struct cgroup *x = r->has_metrics ? compare_group(r, c->groups.name[g]) : NULL;
        for (int m = first_col(c, g); m < CG_COUNT; m++) {
            buf_add(d, ",");
            if (x)
                buf_num(d, x->v[m]);
        }
    }
    buf_add(d, "\n");
}

int compare_write_csv(const struct compare *c, const char *dir, char *err, size_t errsz)
{
    struct out_file o;
    struct buf d = {0};
    if (out_open(&o, dir, "compare.csv", err, errsz) < 0)
        return -1;
    csv_header(c, &d);
    /* Scenario order then seed: the same seeds give the same file, whatever order the runs ended in. A row at
     * a time, so that a million runs need no million-row string. */
    for (size_t i = 0; !d.oom; i++) {
        fwrite(d.s, 1, d.len, o.f);
        d.len = 0;
        if (i == c->nsc * c->runs)
            break;
        csv_row(c, i, &d);
    }
    int oom = d.oom;
    buf_free(&d);
    if (oom) {
        out_abort(&o);
        snprintf(err, errsz, "%s/compare.csv: out of memory", dir);
        return -1;
    }
    return out_commit(&o, err, errsz);
}

/* ---- compare.json ---- */

static int add_summary(cJSON *obj, const char *key, const struct stats_summary *st)
{
    cJSON *j = stats_to_json(st);
    return j && cJSON_AddItemToObject(obj, key, j);
}

static int add_num(cJSON *obj, const char *key, double v)
{
    return (isfinite(v) ? cJSON_AddNumberToObject(obj, key, v) : cJSON_AddNullToObject(obj, key)) != NULL;
}

/* One group of one scenario: runs with a failover, recovered, censored, the smallest censored time, and the
 * summaries (a downtime over the recovered runs only). */
static int json_group(const struct compare *c, size_t s, size_t g, cJSON *arr)
{
    const char *name = c->groups.name[g];
    int present = 0;
    for (size_t k = 0; k < c->runs && !present; k++)
        present = compare_group(&c->res[s * c->runs + k], name) != NULL;
    if (!present)
        return 1;
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddItemToArray(arr, o) && cJSON_AddStringToObject(o, "name", name);
    if (ok && c->groups.failover[g]) {
        struct cdown d;
        compare_downtime(c, s, name, &d);
        ok = add_num(o, "failovers", (double)d.failovers) && add_num(o, "recovered", (double)d.recovered) &&
             add_num(o, "censored", (double)d.censored) && add_num(o, "censored_min_ms", d.censored_min);
    }
    cJSON *ms = ok ? cJSON_AddObjectToObject(o, "metrics") : NULL;
    ok = ms != NULL;
    for (int m = first_col(c, g); ok && m < CG_COUNT; m++) {
        if (m == CG_RECOVERED || m == CG_CENSORED)
            continue;
        struct stats_summary st;
        compare_summary(c, s, name, m, &st);
        ok = add_summary(ms, compare_group_cols[m], &st);
    }
    return ok;
}

static int json_scenario(const struct compare *c, size_t s, cJSON *arr)
{
    struct ccounts k;
    compare_count(c, s, &k);
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(arr, o))
        return 0;
    int ok = cJSON_AddStringToObject(o, "name", c->names[s]) && cJSON_AddStringToObject(o, "file", c->files[s]) &&
             add_num(o, "n", (double)k.with_metrics) && add_num(o, "failures", (double)k.failed) &&
             add_num(o, "violations", (double)k.violations) && add_num(o, "no_failover", (double)k.no_failover);
    cJSON *ms = ok ? cJSON_AddObjectToObject(o, "metrics") : NULL;
    ok = ms != NULL;
    for (int m = 0; ok && m < CR_COUNT; m++) {
        struct stats_summary st;
        compare_summary(c, s, NULL, m, &st);
        ok = add_summary(ms, compare_run_cols[m], &st);
    }
    cJSON *groups = ok ? cJSON_AddArrayToObject(o, "groups") : NULL;
    ok = groups != NULL;
    for (size_t g = 0; ok && g < c->groups.n; g++)
        ok = json_group(c, s, g, groups);
    return ok;
}

/* How the compare was made: the mqsim version, the command that makes it again (not --out, --jobs, --quiet or
 * --plot, nor the order the options came in), the scenario files with the sha256 of their bytes as read, the
 * --set values and the seeds. */
static int json_provenance(const struct compare *c, cJSON *root)
{
    struct buf cmd = {0}, opts = {0};
    buf_addf(&opts, " --runs %zu --seed-start %llu", c->runs, (unsigned long long)c->seed_start);
    for (int k = 0; k < c->nsets; k++) {
        buf_add(&opts, " --set ");
        buf_shell(&opts, c->sets[k]);
    }
    buf_command(&cmd, "mqsim compare", c->files, c->nsc, opts.s);
    cmd.oom |= opts.oom;
    buf_free(&opts);
    cJSON *run = cJSON_AddObjectToObject(root, "run");
    int ok = run && !cmd.oom && cJSON_AddStringToObject(run, "mqsim_version", MQSIM_VERSION) &&
             cJSON_AddStringToObject(run, "command", cmd.s);
    buf_free(&cmd);
    cJSON *files = ok ? cJSON_AddArrayToObject(run, "scenarios") : NULL;
    ok = files != NULL;
    for (size_t s = 0; ok && s < c->nsc; s++) {
        cJSON *f = cJSON_CreateObject();
        ok = f && cJSON_AddItemToArray(files, f) && cJSON_AddStringToObject(f, "file", c->files[s]) &&
             cJSON_AddStringToObject(f, "sha256", c->sha ? c->sha[s] : "");
    }
    cJSON *sets = ok ? cJSON_AddArrayToObject(run, "overrides") : NULL;
    ok = sets != NULL;
    for (int k = 0; ok && k < c->nsets; k++)
        ok = cJSON_AddItemToArray(sets, cJSON_CreateString(c->sets[k]));
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed_start);
    return ok && cJSON_AddItemToObject(run, "seed_start", cJSON_CreateRaw(seed)) &&
           cJSON_AddNumberToObject(run, "runs", (double)c->runs);
}

int compare_write_json(const struct compare *c, const char *dir, char *err, size_t errsz)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL && json_provenance(c, root);
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
        for (size_t s = 0; ok && s < c->nsc; s++)
            ok = json_scenario(c, s, arr);
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
