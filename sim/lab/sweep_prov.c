/* sweep_prov: DIR/sweep.json, beside summary.csv: how the sweep was made (the mqsim version, the command that
 * makes it again, the sweep file and the base scenario with the sha256 of their bytes as read, the "set"
 * overrides, the varied keys, the seeds; the same "run" block as compare.json's), its metrics with their
 * expressions, and the metrics that are null in every run. */
#include "sim/lab/sweep.h"
#include "sim/lab/sweep_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/buf.h"
#include "sim/lab/scenario.h"

int sweep_metric_all_null(const struct sweep_results *r, const struct sweep *sw, size_t m)
{
    size_t rows = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct sweep_row *w = &r->rows[i];
        if (w->run < 0)
            continue;
        rows++;
        if (!isnan(w->vals[m]))
            return 0;
    }
    (void)sw;
    return rows > 0;
}

size_t sweep_report_null_metrics(const struct sweep_results *r, const struct sweep *sw)
{
    size_t n = 0;
    for (size_t m = 0; m < sw->nmetrics; m++)
        if (sweep_metric_all_null(r, sw, m)) {
            fprintf(stderr, "mqsim: sweep: metric \"%s\" (%s) is null in every run: it has no value to plot "
                            "(a path through a null, such as \"failover\" in runs without one, or a division by "
                            "zero)\n", sw->metrics[m].name, sw->metrics[m].text);
            n++;
        }
    return n;
}

static int add_run(const struct sweep *sw, cJSON *root)
{
    struct buf cmd = {0};
    const char *file = sw->file;
    buf_command(&cmd, "mqsim sweep", &file, 1, "");
    cJSON *run = cJSON_AddObjectToObject(root, "run"), *a, *o;
    int ok = run && !cmd.oom && cJSON_AddStringToObject(run, "mqsim_version", MQSIM_VERSION) &&
             cJSON_AddStringToObject(run, "command", cmd.s) &&
             cJSON_AddStringToObject(run, "sweep_file", sw->file) &&
             cJSON_AddStringToObject(run, "sweep_sha256", sw->sha256) &&
             (a = cJSON_AddArrayToObject(run, "scenarios")) && (o = cJSON_CreateObject()) &&
             cJSON_AddItemToArray(a, o) && cJSON_AddStringToObject(o, "file", sw->base) &&
             cJSON_AddStringToObject(o, "sha256", sw->base_sha256) &&
             (a = cJSON_AddArrayToObject(run, "overrides"));
    buf_free(&cmd);
    for (size_t k = 0; ok && k < sw->nsets; k++)
        ok = cJSON_AddItemToArray(a, cJSON_CreateString(sw->sets[k]));
    ok = ok && (a = cJSON_AddArrayToObject(run, "vary"));
    for (size_t k = 0; ok && k < sw->nvars; k++) {
        cJSON *vals;
        ok = (o = cJSON_CreateObject()) && cJSON_AddItemToArray(a, o) &&
             cJSON_AddStringToObject(o, "key", sw->vars[k].key) && (vals = cJSON_AddArrayToObject(o, "set"));
        for (size_t j = 0; ok && j < sw->vars[k].nvals; j++)
            ok = cJSON_AddItemToArray(vals, cJSON_CreateString(sw->vars[k].set[j]));
    }
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)sw->seed_start);
    return ok && cJSON_AddItemToObject(run, "seed_start", cJSON_CreateRaw(seed)) &&
           cJSON_AddNumberToObject(run, "seeds", (double)sw->seeds) &&
           cJSON_AddNumberToObject(run, "runs", (double)sw->nruns);
}

int sweep_json_write(const struct sweep_results *r, const struct sweep *sw, const char *dir, char *err,
                     size_t errsz)
{
    cJSON *root = cJSON_CreateObject(), *ms = NULL, *nulls = NULL;
    int ok = root && cJSON_AddStringToObject(root, "name", sw->name) && add_run(sw, root) &&
             (ms = cJSON_AddObjectToObject(root, "metrics")) && (nulls = cJSON_AddArrayToObject(root, "null_metrics"));
    for (size_t m = 0; ok && m < sw->nmetrics; m++) {
        ok = cJSON_AddStringToObject(ms, sw->metrics[m].name, sw->metrics[m].text) != NULL;
        if (ok && sweep_metric_all_null(r, sw, m))
            ok = cJSON_AddItemToArray(nulls, cJSON_CreateString(sw->metrics[m].name));
    }
    if (!ok) {
        cJSON_Delete(root);
        snprintf(err, errsz, "%s/sweep.json: out of memory", dir);
        return -1;
    }
    int rc = out_write_json(dir, "sweep.json", root, err, errsz);
    cJSON_Delete(root);
    return rc;
}
