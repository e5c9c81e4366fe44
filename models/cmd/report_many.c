/* report_many: the parts of index.html for many runs: a compare's figures per scenario (compare.json, the
 * summaries of compare.csv's columns) and a sweep's per grid point (summary.csv). */
#include "models/cmd/report_int.h"
#include "models/cmd/plot_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GROUPS 64

/* ---- compare ---- */

/* The summary (n, mean, ci95, max, ...) of a column, or NULL. */
static const cJSON *summary_of(const cJSON *metrics, const char *col)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(metrics, col);
    return cJSON_IsObject(s) ? s : NULL;
}

/* A mean ± half its 95% CI, scaled. */
static void ci_cell(FILE *f, const cJSON *s, double scale, int decimals, const char *unit)
{
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(s, "ci95");
    double lo = NAN, hi = NAN;
    if (cJSON_GetArraySize(ci) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)) &&
        cJSON_IsNumber(cJSON_GetArrayItem(ci, 1))) {
        lo = cJSON_GetArrayItem(ci, 0)->valuedouble;
        hi = cJSON_GetArrayItem(ci, 1)->valuedouble;
    }
    h_cell_ci(f, j_num(s, "mean"), lo, hi, scale, decimals, unit);
}

/* A row of the table: one cell per scenario of a topic column. */
static void topic_row(FILE *f, const cJSON *scen, const char *label, const char *col, double scale, int dec,
                      const char *unit)
{
    const cJSON *s;
    fputs("<tr><td>", f);
    h_text(f, label);
    fputs("</td>", f);
    cJSON_ArrayForEach(s, scen)
        ci_cell(f, summary_of(cJSON_GetObjectItemCaseSensitive(s, "metrics"), col), scale, dec, unit);
    fputs("</tr>\n", f);
}

/* "mean / max" of a count column. */
static void mean_max_row(FILE *f, const cJSON *scen, const char *label, const char *col)
{
    const cJSON *s;
    char a[64], b[64];
    fputs("<tr><td>", f);
    h_text(f, label);
    fputs("</td>", f);
    cJSON_ArrayForEach(s, scen) {
        const cJSON *m = summary_of(cJSON_GetObjectItemCaseSensitive(s, "metrics"), col);
        double max = j_num(m, "max");
        fprintf(f, "<td%s>", max > 0 && strcmp(col, "acked_lost") == 0 ? " class=\"bad\"" : "");
        h_text(f, h_num(a, j_num(m, "mean"), 1));
        fputs(" / ", f);
        h_text(f, h_num(b, max, 0));
        fputs("</td>", f);
    }
    fputs("</tr>\n", f);
}

static const cJSON *group_of(const cJSON *s, const char *name)
{
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(s, "groups")) {
        const char *n = j_str(g, "name");
        if (n && strcmp(n, name) == 0)
            return g;
    }
    return NULL;
}

/* The downtime of a group in each scenario: recovered runs' mean ± CI, and the censored runs apart (they are
 * at least censored_min_ms long and never shown as measurements). */
static void downtime_row(FILE *f, const cJSON *scen, const char *group)
{
    const cJSON *s;
    char b[64];
    fputs("<tr><td>", f);
    h_text(f, group);
    fputs(" downtime</td>", f);
    cJSON_ArrayForEach(s, scen) {
        const cJSON *g = group_of(s, group);
        double fo = j_num(g, "failovers"), rec = j_num(g, "recovered"), cen = j_num(g, "censored");
        if (!g || !(fo > 0)) {
            fputs("<td>\xe2\x80\x93</td>", f);
            continue;
        }
        fputs("<td>", f);
        if (rec > 0) {
            const cJSON *m = summary_of(cJSON_GetObjectItemCaseSensitive(g, "metrics"), "downtime_ms");
            const cJSON *ci = cJSON_GetObjectItemCaseSensitive(m, "ci95");
            h_text(f, h_num(b, j_num(m, "mean") / 1000, 1));
            if (cJSON_GetArraySize(ci) == 2) {
                double lo = cJSON_GetArrayItem(ci, 0)->valuedouble, hi = cJSON_GetArrayItem(ci, 1)->valuedouble;
                fputs(" &plusmn; ", f);
                h_text(f, h_num(b, (hi - lo) / 2000, 1));
            }
            fputs("&#8239;s (", f);
            h_text(f, h_num(b, rec, 0));
            fputs(" recovered)", f);
        }
        if (cen > 0) {
            fputs(rec > 0 ? "<br>" : "", f);
            fputs("<span class=\"bad\">", f);
            h_text(f, h_num(b, cen, 0));
            fputs(" not recovered (&gt; ", f);
            h_text(f, h_num(b, j_num(g, "censored_min_ms") / 1000, 1));
            fputs("&#8239;s, censored)</span>", f);
        }
        fputs("</td>", f);
    }
    fputs("</tr>\n", f);
}

/* A row of a group column, "–" where the scenario has no such group. */
static void group_row(FILE *f, const cJSON *scen, const char *group, const char *label, const char *col,
                      double scale, int dec, const char *unit)
{
    const cJSON *s;
    fputs("<tr><td>", f);
    h_text(f, group);
    fputc(' ', f);
    h_text(f, label);
    fputs("</td>", f);
    cJSON_ArrayForEach(s, scen) {
        const cJSON *g = group_of(s, group);
        ci_cell(f, g ? summary_of(cJSON_GetObjectItemCaseSensitive(g, "metrics"), col) : NULL, scale, dec, unit);
    }
    fputs("</tr>\n", f);
}

int report_compare(struct page *p)
{
    FILE *f = p->f;
    cJSON *root;
    const cJSON *scen, *s, *g;
    const char *groups[MAX_GROUPS];
    int ng = 0;
    char b[64];

    if (!p_has(p, "compare.csv") && !p_has(p, "compare.json"))
        return 0;
    fputs("<h1>Compare: ", f);
    h_text(f, p->dir);
    fputs("</h1>\n", f);
    root = j_load(p, "compare.json");
    scen = cJSON_GetObjectItemCaseSensitive(root, "scenarios");
    if (cJSON_GetArraySize(scen) == 0) {
        fputs("<p class=\"bad\">No compare.json with its summaries here; compare.csv, linked below, has one row "
              "per run.</p>\n", f);
        cJSON_Delete(root);
        return 1;
    }
    fprintf(f, "<p class=\"note\">%s runs a scenario from seed %s. Means &plusmn; half the 95%% confidence "
               "interval (Student t) over the runs that have the value; compare.csv has every run.</p>\n",
            h_num(b, j_num(root, "runs"), 0), h_num((char[64]){0}, j_num(root, "seed_start"), 0));
    fputs("<section id=\"headline\"><h2>Headline</h2>\n<table><thead><tr><th></th>", f);
    cJSON_ArrayForEach(s, scen) {
        fputs("<th>", f);
        h_text(f, j_str(s, "name"));
        fputs("<br><code>", f);
        h_text(f, j_str(s, "file"));
        fputs("</code></th>", f);
        cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(s, "groups")) {
            const char *n = j_str(g, "name");
            int k;
            for (k = 0; n && k < ng && strcmp(groups[k], n) != 0; k++)
                ;
            if (n && k == ng && ng < MAX_GROUPS)
                groups[ng++] = n;
        }
    }
    fputs("</tr></thead><tbody>\n<tr><td>runs</td>", f);
    cJSON_ArrayForEach(s, scen)
        h_cell(f, j_num(s, "n"), 1, 0, "");
    fputs("</tr>\n", f);
    topic_row(f, scen, "topic availability", "topic.availability", 100, 2, "%");
    topic_row(f, scen, "topic write outage", "topic.write_unavailable_ms", 1e-3, 1, "s");
    topic_row(f, scen, "topic read outage", "topic.read_unavailable_ms", 1e-3, 1, "s");
    topic_row(f, scen, "topic latency p99", "topic.latency_p99_ms", 1, 3, "ms");
    for (int k = 0; k < ng; k++) {
        downtime_row(f, scen, groups[k]);
        group_row(f, scen, groups[k], "write outage", "write_unavailable_ms", 1e-3, 1, "s");
        group_row(f, scen, groups[k], "read outage", "read_unavailable_ms", 1e-3, 1, "s");
        group_row(f, scen, groups[k], "availability", "availability", 100, 2, "%");
        group_row(f, scen, groups[k], "latency p99", "latency_p99_ms", 1, 3, "ms");
    }
    mean_max_row(f, scen, "acked_lost (mean / max)", "acked_lost");
    mean_max_row(f, scen, "duplicates (mean / max)", "duplicates");
    fputs("<tr><td>runs without a failover</td>", f);
    cJSON_ArrayForEach(s, scen)
        h_cell(f, j_num(s, "no_failover"), 1, 0, "");
    fputs("</tr>\n<tr><td>runs that broke an invariant</td>", f);
    cJSON_ArrayForEach(s, scen) {
        double v = j_num(s, "violations");
        fprintf(f, "<td%s>%s</td>", v > 0 ? " class=\"bad\"" : "", h_num(b, v, 0));
    }
    fputs("</tr>\n</tbody></table>\n</section>\n", f);
    cJSON_Delete(root);
    return 1;
}

/* ---- sweep ---- */

/* Decimals that show about four significant digits of v. */
static int sig_decimals(double v)
{
    int d;
    if (!isfinite(v) || v == 0)
        return 0;
    d = 3 - (int)floor(log10(fabs(v)));
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

/* "How it was made", from sweep.json's "run", and the metrics null in every run. */
static void sweep_made(struct page *p)
{
    FILE *f = p->f;
    cJSON *root = j_load(p, "sweep.json");
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(root, "run"), *w;
    const cJSON *nulls = cJSON_GetObjectItemCaseSensitive(root, "null_metrics");
    char b[64];

    if (cJSON_GetArraySize(nulls) > 0) {
        fputs("<p class=\"bad\">Null in every run, so in no figure:", f);
        cJSON_ArrayForEach(w, nulls) {
            const char *expr = j_str(cJSON_GetObjectItemCaseSensitive(root, "metrics"),
                                     cJSON_IsString(w) ? w->valuestring : "");
            fputs(" <code>", f);
            h_text(f, cJSON_IsString(w) ? w->valuestring : "");
            fputs("</code>", f);
            if (expr) {
                fputs(" (<code>", f);
                h_text(f, expr);
                fputs("</code>)", f);
            }
        }
        fputs(". A path through a null (such as <code>failover</code> in runs without one) or a division by "
              "zero gives no value.</p>\n", f);
    }
    fputs("<section id=\"made\"><h2>How it was made</h2>\n", f);
    if (!cJSON_IsObject(run)) {
        fputs("<p class=\"note\">No sweep.json here (a sweep written by an older mqsim): not recorded.</p>\n"
              "</section>\n", f);
        cJSON_Delete(root);
        return;
    }
    fputs("<dl>\n<dt>command</dt><dd><code>", f);
    h_text(f, j_str(run, "command") ? j_str(run, "command") : "(not recorded)");
    fputs("</code></dd>\n<dt>sweep file</dt><dd><code>", f);
    h_text(f, j_str(run, "sweep_file"));
    fputs("</code>, sha256 <code>", f);
    h_text(f, j_str(run, "sweep_sha256"));
    fputs("</code></dd>\n", f);
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(run, "scenarios")) {
        fputs("<dt>scenario</dt><dd><code>", f);
        h_text(f, j_str(w, "file"));
        fputs("</code>, sha256 <code>", f);
        h_text(f, j_str(w, "sha256"));
        fputs("</code></dd>\n", f);
    }
    fputs("<dt>overrides</dt><dd>", f);
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(run, "overrides")) == 0)
        fputs("none", f);
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(run, "overrides")) {
        fputs("<code>--set ", f);
        h_text(f, cJSON_IsString(w) ? w->valuestring : "");
        fputs("</code> ", f);
    }
    fputs("</dd>\n<dt>varied</dt><dd>", f);
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(run, "vary")) {
        fputs("<code>", f);
        h_text(f, j_str(w, "key"));
        fputs("</code> (", f);
        h_text(f, h_num(b, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(w, "set")), 0));
        fputs(" values) ", f);
    }
    fputs("</dd>\n<dt>seeds</dt><dd>", f);
    h_text(f, h_num(b, j_num(run, "seeds"), 0));
    fputs(" from ", f);
    h_text(f, h_num(b, j_num(run, "seed_start"), 0));
    fputs(" (", f);
    h_text(f, h_num(b, j_num(run, "runs"), 0));
    fputs(" runs)</dd>\n<dt>metrics</dt><dd>", f);
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(root, "metrics")) {
        fputs("<code>", f);
        h_text(f, w->string);
        fputs(" = ", f);
        h_text(f, cJSON_IsString(w) ? w->valuestring : "");
        fputs("</code><br>", f);
    }
    fputs("</dd>\n<dt>mqsim version</dt><dd>", f);
    h_text(f, j_str(run, "mqsim_version") ? j_str(run, "mqsim_version") : "(not recorded)");
    fputs("</dd>\n</dl>\n</section>\n", f);
    cJSON_Delete(root);
}

int report_sweep(struct page *p)
{
    FILE *f = p->f;
    char path[OUT_PATH_MAX], name[256], b[64];
    struct table t;
    int runs, nkeys, ncol;

    if (!p_has(p, "summary.csv"))
        return 0;
    fputs("<h1>Sweep: ", f);
    h_text(f, p->dir);
    fputs("</h1>\n", f);
    if (join(path, sizeof path, p->dir, "summary.csv") != 0 || table_load(&t, path) != 0) {
        p->status = ST_INPUT;
        fputs("<p class=\"bad\">summary.csv could not be read.</p>\n", f);
        return 1;
    }
    runs = csv_col(&t.c, "runs");
    nkeys = runs < 0 ? 0 : runs;
    ncol = t.c.nhdr;
    fputs("<section id=\"headline\"><h2>Headline</h2>\n<p class=\"note\">One row per grid point: each metric's "
          "mean &plusmn; half its 95% confidence interval, and in brackets the runs that have it; results.csv "
          "has every run.</p>\n<table><thead><tr>", f);
    for (int c = 0; c < nkeys; c++) {
        fputs("<th>", f);
        h_text(f, t.c.hdr[c]);
        fputs("</th>", f);
    }
    fputs("<th>runs</th><th>violations</th>", f);
    for (int c = 0; c < ncol; c++)
        if (ends_with(t.c.hdr[c], "_mean")) {
            fputs("<th>", f);
            h_textf(f, "%.*s", (int)(strlen(t.c.hdr[c]) - 5), t.c.hdr[c]);
            fputs("</th>", f);
        }
    fputs("</tr></thead><tbody>\n", f);
    for (size_t r = 0; r < t.nrows; r++) {
        fputs("<tr>", f);
        for (int c = 0; c < nkeys; c++) {
            fputs("<td>", f);
            h_text(f, table_get(&t, r, c));
            fputs("</td>", f);
        }
        h_cell(f, table_num(&t, r, runs), 1, 0, "");
        {
            double v = table_num(&t, r, csv_col(&t.c, "violations"));
            fprintf(f, "<td%s>%s</td>", v > 0 ? " class=\"bad\"" : "", h_num(b, v, 0));
        }
        for (int c = 0; c < ncol; c++) {
            size_t len = strlen(t.c.hdr[c]);
            double mean, lo, hi, n;
            if (!ends_with(t.c.hdr[c], "_mean"))
                continue;
            mean = table_num(&t, r, c);
            snprintf(name, sizeof name, "%.*s_ci95_lo", (int)(len - 5), t.c.hdr[c]);
            lo = table_num(&t, r, csv_col(&t.c, name));
            snprintf(name, sizeof name, "%.*s_ci95_hi", (int)(len - 5), t.c.hdr[c]);
            hi = table_num(&t, r, csv_col(&t.c, name));
            snprintf(name, sizeof name, "%.*s_n", (int)(len - 5), t.c.hdr[c]);
            n = table_num(&t, r, csv_col(&t.c, name));
            fputs("<td>", f);
            h_ci(f, mean, lo, hi, 1, sig_decimals(mean), "");
            fprintf(f, " (%s)</td>", h_num(b, n, 0));
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n</section>\n", f);
    table_free(&t);
    sweep_made(p);
    return 1;
}
