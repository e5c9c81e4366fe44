/* plot_sweep: the figures of a summary.csv (mqsim sweep): sweep-<metric>, each metric's mean and 95% confidence
 * interval against the first swept parameter, a line per combination of the others. */
#include "models/cmd/plot_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/out.h"

/* ---- summary.csv: one row per grid point of a sweep ---- */

struct spt {
    double x, mean, lo, hi, n;
    const char *xs;
    size_t cat;
};

static int spt_cmp(const void *a, const void *b)
{
    const struct spt *x = a, *y = b;
    if (x->x != y->x)
        return (x->x > y->x) - (x->x < y->x);
    return (x->cat > y->cat) - (x->cat < y->cat);
}

/* The metric a column belongs to: the longest m with a column "m_mean" and this column "m_<something>". */
static int metric_of(const struct table *t, const int *metric_cols, int nm, int col)
{
    int i, best = -1;
    size_t best_len = 0;
    const char *c = t->c.hdr[col];
    for (i = 0; i < nm; i++) {
        const char *mcol = t->c.hdr[metric_cols[i]];
        size_t len = strlen(mcol) - strlen("_mean");
        if (strlen(c) > len + 1 && strncasecmp(c, mcol, len) == 0 && c[len] == '_' && len > best_len) {
            best = i;
            best_len = len;
        }
    }
    return best;
}

/* The axis label of a parameter or metric and the divisor its values are shown with: a name in _ms is shown in
 * seconds, one in _bytes in MiB, anything else as it is. */
static double unit_label(const char *name, char *label, size_t size)
{
    if (ends_with(name, "_ms")) {
        snprintf(label, size, "%.*s (s)", (int)(strlen(name) - 3), name);
        return 1000.0;
    }
    if (ends_with(name, "_bytes")) {
        snprintf(label, size, "%.*s (MiB)", (int)(strlen(name) - 6), name);
        return MIB;
    }
    snprintf(label, size, "%s", name);
    return 1.0;
}

/* Column i of the summary: the first of lo-suffixes found for metric m. */
static int stat_col(const struct table *t, const char *metric, const char *const *suffixes)
{
    char name[512];
    int i, c;
    for (i = 0; suffixes[i]; i++) {
        snprintf(name, sizeof name, "%s_%s", metric, suffixes[i]);
        if ((c = csv_col(&t->c, name)) >= 0)
            return c;
    }
    return -1;
}

void plot_sweep(struct plot *p)
{
    static const char *const ignore[] = {"point", "index", "idx", "id", "runs", "n", "seed", "seeds", "dir", "out",
                                         "name", "scenario", "violations", "errors", "failed", "exit", "file", NULL};
    static const char *const lo_sfx[] = {"ci95_lo", "ci_lo", "lo", NULL}, *const hi_sfx[] = {"ci95_hi", "ci_hi",
                                                                                               "hi", NULL};
    static const char *const n_sfx[] = {"n", "runs", NULL};
    char path[OUT_PATH_MAX], jpath[OUT_PATH_MAX];
    struct table t;
    int *mcols = NULL, *params = NULL, *cand = NULL, nm = 0, np = 0, nc = 0, c, i, pass, numeric = 1;
    double xdiv = 1.0;
    char *sweep_json = NULL, **skey = NULL, xlabel[512], keytitle[1024] = "";
    size_t r, ncat = 0, nser = 0, keychars = 0;
    const char **cats = NULL, **sers = NULL;
    size_t *row_cat = NULL, *row_ser = NULL;
    struct spt *pts = NULL;

    if (join(path, sizeof path, p->dir, "summary.csv") != 0 || table_load(&t, path) != 0) {
        plot_bail(p);
        return;
    }
    mcols = calloc((size_t)t.c.nhdr + 1, sizeof *mcols);
    params = calloc((size_t)t.c.nhdr + 1, sizeof *params);
    cand = calloc((size_t)t.c.nhdr + 1, sizeof *cand);
    skey = calloc(t.nrows + 1, sizeof *skey);
    cats = calloc(t.nrows + 1, sizeof *cats);
    sers = calloc(t.nrows + 1, sizeof *sers);
    row_cat = calloc(t.nrows + 1, sizeof *row_cat);
    row_ser = calloc(t.nrows + 1, sizeof *row_ser);
    pts = calloc(t.nrows + 1, sizeof *pts);
    if (!mcols || !params || !cand || !skey || !cats || !sers || !row_cat || !row_ser || !pts)
        goto oom;
    for (c = 0; c < t.c.nhdr; c++)
        if (ends_with(t.c.hdr[c], "_mean") && strlen(t.c.hdr[c]) > strlen("_mean"))
            mcols[nm++] = c;
    if (nm == 0 || t.nrows == 0) {
        perr("%s: %s", path, nm == 0 ? "no <metric>_mean column" : "no rows");
        plot_bail(p);
        goto done;
    }
    /* The swept parameters: the columns that belong to no metric, or those of them sweep.json names when it is
     * there; of these, columns that are bookkeeping (a run count, a point number) or the same in every row are
     * dropped unless nothing would be left. */
    if (join(jpath, sizeof jpath, p->dir, "sweep.json") == 0 && is_file(jpath))
        sweep_json = slurp(jpath);
    for (pass = 0; pass < 2 && np == 0; pass++) {
        for (c = 0; c < t.c.nhdr; c++) {
            char quoted[512];
            if (metric_of(&t, mcols, nm, c) >= 0 || ends_with(t.c.hdr[c], "_mean"))
                continue;
            snprintf(quoted, sizeof quoted, "\"%s\"", t.c.hdr[c]);
            if (pass == 0 && !(sweep_json && strstr(sweep_json, quoted)))
                continue;
            cand[nc++] = c;
        }
        for (i = 0; i < nc; i++) {
            int k, skip = 0;
            c = cand[i];
            for (k = 0; ignore[k]; k++)
                if (strcasecmp(t.c.hdr[c], ignore[k]) == 0)
                    skip = 1;
            for (r = 1; r < t.nrows && !skip; r++)
                if (strcmp(table_get(&t, r, c), table_get(&t, 0, c)) != 0)
                    break;
            if (t.nrows > 1 && r == t.nrows)
                skip = 1;
            if (!skip)
                params[np++] = c;
        }
        if (np == 0 && nc > 0)
            params[np++] = cand[0];
    }
    if (np == 0) {
        perr("%s: no parameter column before the metrics", path);
        set_status(p, ST_INPUT);
        goto done;
    }

    /* x: the first parameter, numeric when every value is a number, else one category a value. */
    for (r = 0; r < t.nrows; r++)
        if (!isfinite(table_num(&t, r, params[0])))
            numeric = 0;
    if (numeric)
        xdiv = unit_label(t.c.hdr[params[0]], xlabel, sizeof xlabel);
    else
        snprintf(xlabel, sizeof xlabel, "%s", t.c.hdr[params[0]]);
    /* A line per combination of the other parameters: the key's title names them, its entries give values. */
    for (i = 1; i < np; i++) {
        size_t len = strlen(keytitle);
        snprintf(keytitle + len, sizeof keytitle - len, "%s%s", i > 1 ? ", " : "", t.c.hdr[params[i]]);
    }
    keychars = strlen(keytitle);
    for (r = 0; r < t.nrows; r++) {
        const char *xs = table_get(&t, r, params[0]);
        char key[1024] = "";
        size_t k;
        for (k = 0; k < ncat && strcmp(cats[k], xs) != 0; k++)
            ;
        if (k == ncat)
            cats[ncat++] = xs;
        row_cat[r] = k;
        for (i = 1; i < np; i++) {
            size_t len = strlen(key);
            snprintf(key + len, sizeof key - len, "%s%s", i > 1 ? ", " : "", table_get(&t, r, params[i]));
        }
        if (!(skey[r] = strdup(key)))
            goto oom;
        for (k = 0; k < nser && strcmp(sers[k], key) != 0; k++)
            ;
        if (k == nser)
            sers[nser++] = skey[r];
        if (strlen(key) > keychars)
            keychars = strlen(key);
        row_ser[r] = k;
    }

    for (i = 0; i < nm; i++) {
        char metric[256], fig[300], name[320], dpath[OUT_PATH_MAX], ylabel[512], title[1024], what[512], safe[256];
        char sub[128];
        int cm = mcols[i], clo, chi, cn, nblocks = 0, logx = 0;
        double ydiv;
        struct out_file o = {0};
        struct buf v = {0};
        double nmax = 0, xmin = INFINITY, xmax = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
        size_t s;

        snprintf(metric, sizeof metric, "%.*s", (int)(strlen(t.c.hdr[cm]) - strlen("_mean")), t.c.hdr[cm]);
        clo = stat_col(&t, metric, lo_sfx);
        chi = stat_col(&t, metric, hi_sfx);
        cn = stat_col(&t, metric, n_sfx);
        ydiv = unit_label(metric, ylabel, sizeof ylabel);
        safe_name(safe, sizeof safe, metric);
        snprintf(fig, sizeof fig, "sweep-%s", safe);
        snprintf(name, sizeof name, "%s.dat", fig);
        if (join(dpath, sizeof dpath, p->dir, name) != 0 || open_data(p, &o, name) != 0) {
            set_status(p, ST_OUTPUT);
            continue;
        }
        fprintf(o.f, "# %s against %s, per series (index i): x mean ci95_lo ci95_hi n x_label (x divided by %g, "
                     "y by %g)\n", metric, t.c.hdr[params[0]], xdiv, ydiv);
        for (s = 0; s < nser; s++) {
            size_t m = 0, j;
            for (r = 0; r < t.nrows; r++) {
                double mean = table_num(&t, r, cm), div = ydiv;
                if (row_ser[r] != s || !isfinite(mean))
                    continue;
                pts[m].x = numeric ? table_num(&t, r, params[0]) / xdiv : (double)row_cat[r];
                pts[m].cat = row_cat[r];
                pts[m].xs = table_get(&t, r, params[0]);
                pts[m].mean = mean / div;
                pts[m].lo = finite_or(table_num(&t, r, clo), mean) / div;
                pts[m].hi = finite_or(table_num(&t, r, chi), mean) / div;
                pts[m].n = table_num(&t, r, cn);
                nmax = fmax(nmax, finite_or(pts[m].n, 0));
                m++;
            }
            if (m == 0)
                continue;
            qsort(pts, m, sizeof *pts, spt_cmp);
            fprintf(o.f, "%s\"x\" \"mean\" ", nblocks ? "\n\n" : "");
            put_str(o.f, nser > 1 ? sers[s] : metric);
            fputc('\n', o.f);
            for (j = 0; j < m; j++) {
                put_num(o.f, pts[j].x);
                fputc(' ', o.f);
                put_num(o.f, pts[j].mean);
                fputc(' ', o.f);
                put_num(o.f, pts[j].lo);
                fputc(' ', o.f);
                put_num(o.f, pts[j].hi);
                fputc(' ', o.f);
                put_num(o.f, pts[j].n);
                fputc(' ', o.f);
                put_str(o.f, pts[j].xs);
                fputc('\n', o.f);
                xmin = fmin(xmin, pts[j].x);
                xmax = fmax(xmax, pts[j].x);
                ylo = fmin(ylo, pts[j].mean);
                yhi = fmax(yhi, fmax(pts[j].hi, pts[j].mean));
            }
            nblocks++;
        }
        if (commit_data(&o) != 0) {
            set_status(p, ST_OUTPUT);
            continue;
        }
        if (nblocks == 0) {     /* no grid point has this metric (e.g. no failover in any run) */
            perr("plot: %s: no figure %s: sweep metric \"%s\" is null in every run", p->dir, fig, metric);
            continue;
        }
        if (numeric && xmin > 0 && xmax / xmin >= 100)
            logx = 1;
        snprintf(title, sizeof title, "%s against %s", metric, t.c.hdr[params[0]]);
        if (nmax > 0)
            snprintf(sub, sizeof sub, "mean of %.0f runs a point, 95%% confidence interval", nmax);
        else
            snprintf(sub, sizeof sub, "mean, 95%% confidence interval");
        gp_str(&v, "data", dpath);
        gp_str(&v, "title", title);
        gp_str(&v, "subtitle", sub);
        gp_num(&v, "ylo", ylo);
        gp_num(&v, "yhi", yhi);
        gp_str(&v, "xlabel", xlabel);
        gp_str(&v, "ylabel", ylabel);
        gp_str(&v, "keytitle", keytitle);
        gp_num(&v, "keychars", (double)keychars);
        gp_num(&v, "nblocks", nblocks);
        gp_num(&v, "categorical", !numeric);
        gp_num(&v, "ncat", (double)ncat);
        gp_num(&v, "logx", logx);
        gp_num(&v, "xmin", xmin);
        gp_num(&v, "xmax", xmax);
        snprintf(what, sizeof what, "%s against %s", metric, t.c.hdr[params[0]]);
        set_status(p, run_figure(p, "sweep.gp", fig, &v, what));
        buf_free(&v);
    }
    goto done;

oom:
    perr("%s: out of memory", path);
    set_status(p, ST_OUTPUT);
done:
    if (skey)
        for (r = 0; r < t.nrows; r++)
            free(skey[r]);
    free(skey);
    free(sweep_json);
    free(mcols);
    free(params);
    free(cand);
    free(cats);
    free(sers);
    free(row_cat);
    free(row_ser);
    free(pts);
    table_free(&t);
}
