/* plot_compare: the figures of a compare.csv (mqsim compare): downtime-cdf, the CDF of client-visible downtime
 * per scenario and group, and downtime-ci, mean downtime and promotion time with 95% confidence intervals. */
#include "models/cmd/plot_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/out.h"
#include "sim/stats.h"

/* ---- compare.csv: one row per run of each scenario ---- */

/* The columns of one group's failovers in compare.csv: "<group>.downtime_ms", "<group>.recovered",
 * "<group>.censored_ms", "<group>.promotion_ms". An older compare.csv has one group, named "", with
 * "downtime_ms" (or "crash_ms" and "first_write_ms") and "promotion_ms" (or "promoted_ms") and no "recovered":
 * there every row is a failover and one without a downtime did not recover. */
struct cgcols {
    char *name;
    int down, rec, cens, promo, promoted, crash, first_write;
};

/* A curve of the CDF and a pair of bars: the failovers of one group in the runs of one scenario. */
struct scen {
    char *scenario, *group;
    double *down, *promo;      /* seconds, one a failover; down is NaN for a run that did not recover */
    size_t n, cap;             /* failovers */
    size_t rows, censored;     /* the scenario's runs; its failovers that did not recover */
    double cens_min;           /* s: the smallest censored time of those; NaN when none is known */
};

/* A summary with NaN bounds replaced by the mean (a run alone has no interval: the bar has no whiskers). */
static void summarize(const double *x, size_t n, struct stats_summary *s)
{
    stats_summarize(x, n, s);
    if (!isfinite(s->ci95_lo) || !isfinite(s->ci95_hi))
        s->ci95_lo = s->ci95_hi = s->mean;
}

/* The groups of compare.csv with a downtime column, in header order. Returns how many, or -1 out of memory. */
static int compare_groups(const struct csv *c, struct cgcols **out)
{
    struct cgcols *g = NULL;
    int n = 0, i;
    *out = NULL;
    for (i = 0; i < c->nhdr; i++) {
        const char *h = c->hdr[i];
        size_t len = strlen(h);
        char col[600];
        struct cgcols *ng;
        int legacy = strcasecmp(h, "downtime_ms") == 0;
        if (!legacy && !(len > 12 && ends_with(h, ".downtime_ms")))
            continue;
        if (!(ng = realloc(g, (size_t)(n + 1) * sizeof *ng)))
            goto oom;
        g = ng;
        memset(&g[n], 0, sizeof g[n]);
        g[n].crash = g[n].first_write = g[n].promoted = -1;
        if (!(g[n].name = strndup(h, legacy ? 0 : len - 12)))
            goto oom;           /* g[n], not counted yet, holds nothing to free */
        g[n].down = i;
        snprintf(col, sizeof col, "%s%s%s", g[n].name, legacy ? "" : ".", "recovered");
        g[n].rec = legacy ? -1 : csv_col(c, col);
        snprintf(col, sizeof col, "%s%s%s", g[n].name, legacy ? "" : ".", "censored_ms");
        g[n].cens = legacy ? -1 : csv_col(c, col);
        snprintf(col, sizeof col, "%s%s%s", g[n].name, legacy ? "" : ".", "promotion_ms");
        g[n].promo = csv_col(c, col);
        if (legacy)
            g[n].promoted = csv_col(c, "promoted_ms");
        n++;
    }
    if (n == 0 && csv_col(c, "crash_ms") >= 0 && csv_col(c, "first_write_ms") >= 0) {
        if (!(g = calloc(1, sizeof *g)) || !(g->name = strdup("")))
            goto oom;
        g->down = g->rec = g->cens = -1;
        g->crash = csv_col(c, "crash_ms");
        g->first_write = csv_col(c, "first_write_ms");
        g->promo = csv_col(c, "promotion_ms");
        g->promoted = csv_col(c, "promoted_ms");
        n = 1;
    }
    *out = g;
    return n;
oom:
    for (i = 0; g && i < n; i++)
        free(g[i].name);
    free(g);
    return -1;
}

/* Adds row r of group g to its scenario's series (made on first sight). 0, or -1 out of memory. */
static int scen_add(struct scen **sc, int *ns, const struct table *t, size_t r, int cs, const struct cgcols *g)
{
    const char *name = table_get(t, r, cs);
    double crash = table_num(t, r, g->crash);
    double d = g->down >= 0 ? table_num(t, r, g->down) : table_num(t, r, g->first_write) - crash;
    double pr = g->promo >= 0 ? table_num(t, r, g->promo) : table_num(t, r, g->promoted) - crash;
    double rec = g->rec >= 0 ? table_num(t, r, g->rec) : !isnan(d);
    struct scen *s = NULL;
    int i;
    for (i = 0; i < *ns; i++)
        if (strcmp((*sc)[i].scenario, name) == 0 && strcmp((*sc)[i].group, g->name) == 0)
            s = &(*sc)[i];
    if (!s) {
        struct scen *n2 = realloc(*sc, (size_t)(*ns + 1) * sizeof *n2);
        if (!n2)
            return -1;
        *sc = n2;
        s = &n2[*ns];
        memset(s, 0, sizeof *s);
        s->cens_min = NAN;
        (*ns)++;
        if (!(s->scenario = strdup(name)) || !(s->group = strdup(g->name)))
            return -1;
    }
    s->rows++;
    if (isnan(rec))
        return 0;               /* no failover of this group in this run */
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        double *nd = realloc(s->down, cap * sizeof *nd), *np;
        if (!nd)
            return -1;
        s->down = nd;
        if (!(np = realloc(s->promo, cap * sizeof *np)))
            return -1;
        s->promo = np;
        s->cap = cap;
    }
    /* A run that did not recover has no downtime, only a lower bound: the time from the crash to its end. */
    s->down[s->n] = rec == 1 ? d / 1000.0 : NAN;
    s->promo[s->n] = pr / 1000.0;
    s->n++;
    if (rec != 1) {
        double cm = table_num(t, r, g->cens) / 1000.0;
        s->censored++;
        if (!isnan(cm) && !(cm >= s->cens_min))
            s->cens_min = cm;
    }
    return 0;
}

/* The key title of a series: "scenario" or "scenario broker-a" when the groups differ, with its runs. */
static void scen_label(const struct scen *s, int by_group, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s%s%s (%zu run%s", s->scenario, by_group ? " " : "", by_group ? s->group : "",
                     s->n, s->n == 1 ? "" : "s");
    if (n > 0 && (size_t)n < size && s->n < s->rows)
        n += snprintf(buf + n, size - (size_t)n, " of %zu with a failover", s->rows);
    if (n > 0 && (size_t)n < size && s->censored > 0)
        n += snprintf(buf + n, size - (size_t)n, "; %zu of %zu did not recover in the run", s->censored, s->n);
    if (n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ")");
}

/* "12.3 s": a bar's label. */
static void secs_label(char *buf, size_t size, double s)
{
    double a = fabs(s);
    snprintf(buf, size, "%.*f s", a >= 100 ? 0 : a >= 10 ? 1 : 2, s + 0.0);
}

/* downtime-cdf: per series a block: (first value, 0), (i-th smallest, i / failovers), and, when runs did not
 * recover, the curve held level up to the smallest censored time: beyond it the CDF is not known. A log axis:
 * a downtime under 1 ms is drawn at 1 ms. Returns the blocks written, or -1. */
static int write_cdf(struct plot *p, const struct scen *sc, int ns, int by_group, double *dmin, double *dmax,
                     int *clamped)
{
    struct out_file o = {0};
    int i, nb = 0;
    if (open_data(p, &o, "downtime-cdf.dat") != 0)
        return -1;
    fprintf(o.f, "# per scenario and group (index i): downtime_s fraction_of_runs_with_a_failover\n");
    for (i = 0; i < ns; i++)
        for (size_t j = 0; j < sc[i].n; j++) {
            if (isfinite(sc[i].down[j])) {
                *clamped |= sc[i].down[j] < 0.001;
                *dmin = fmin(*dmin, fmax(sc[i].down[j], 0.001));
                *dmax = fmax(*dmax, fmax(sc[i].down[j], 0.001));
            }
            if (isfinite(sc[i].cens_min) && sc[i].cens_min > 0)
                *dmax = fmax(*dmax, sc[i].cens_min);
        }
    for (i = 0; i < ns; i++) {
        double *x = malloc((sc[i].n + 1) * sizeof *x), end;
        size_t m = 0, j;
        char label[1024];
        if (!x) {
            out_abort(&o);
            return -1;
        }
        for (j = 0; j < sc[i].n; j++)
            if (isfinite(sc[i].down[j]))
                x[m++] = fmax(sc[i].down[j], 0.001);
        qsort(x, m, sizeof *x, dcmp);
        end = isfinite(sc[i].cens_min) && sc[i].cens_min > 0 ? sc[i].cens_min : NAN;
        if (m == 0 && isnan(end)) {
            free(x);
            continue;           /* nothing recovered and no censored time: no curve to draw */
        }
        scen_label(&sc[i], by_group, label, sizeof label);
        fprintf(o.f, "%s\"downtime_s\" \"fraction\" ", nb ? "\n\n" : "");
        put_str(o.f, label);
        fputc('\n', o.f);
        /* A curve of no recovered run starts at the axis' left end (as the script rounds it). */
        put_num(o.f, m ? x[0] : pow(10, floor(log10(fmin(*dmin, end)))));
        fputs(" 0\n", o.f);
        for (j = 0; j < m; j++) {
            put_num(o.f, x[j]);
            fputc(' ', o.f);
            put_num(o.f, (double)(j + 1) / (double)sc[i].n);
            fputc('\n', o.f);
        }
        if (!isnan(end) && (m == 0 || end > x[m - 1])) {
            put_num(o.f, end);
            fputc(' ', o.f);
            put_num(o.f, (double)m / (double)sc[i].n);
            fputc('\n', o.f);
        }
        nb++;
        free(x);
    }
    return commit_data(&o) == 0 ? nb : -1;
}

/* downtime-ci: per series the recovered runs' mean downtime and the mean promotion time with 95% confidence
 * intervals, the smallest censored time, and the labels gnuplot prints (every label has a finite position:
 * gnuplot 5.4 crashes on a "with labels" plot without one defined point). Returns 0 or -1. */
static int write_ci(struct plot *p, const struct scen *sc, int ns, int by_group, double *vmax)
{
    struct out_file o = {0};
    int i;
    if (open_data(p, &o, "downtime-ci.dat") != 0)
        return -1;
    fprintf(o.f, "# 1 i, 2 scenario, 3 downtime_mean_s, 4 lo, 5 hi, 6 n (recovered runs), 7 promotion_mean_s, "
                 "8 lo, 9 hi, 10 n, 11 runs with a failover, 12 censored (did not recover), 13 smallest censored "
                 "time_s, 14 group, 15 y and 16 text of the downtime label, 17 y and 18 text of the promotion "
                 "label, 19 y and 20 text of the censored label, 21 the second line of the x label (95%% "
                 "confidence interval, Student t)\n");
    for (i = 0; i < ns; i++) {
        struct stats_summary sd, sp;
        char dl[64] = "", pl[64] = "", cl[64] = "", x2[512];
        int n;
        summarize(sc[i].down, sc[i].n, &sd);
        summarize(sc[i].promo, sc[i].n, &sp);
        *vmax = fmax(*vmax, fmax(finite_or(sd.ci95_hi, 0), finite_or(sp.ci95_hi, 0)));
        *vmax = fmax(*vmax, finite_or(sc[i].cens_min, 0));
        if (sd.n > 0)
            secs_label(dl, sizeof dl, sd.mean);
        if (sp.n > 0)
            secs_label(pl, sizeof pl, sp.mean);
        if (isfinite(sc[i].cens_min)) {
            secs_label(cl, sizeof cl, sc[i].cens_min);
            memmove(cl + 2, cl, strlen(cl) + 1);
            memcpy(cl, "> ", 2);
        }
        n = snprintf(x2, sizeof x2, "%s%s%zu run%s", by_group ? sc[i].group : "", by_group ? ": " : "", sc[i].n,
                     sc[i].n == 1 ? "" : "s");
        if (n > 0 && (size_t)n < sizeof x2 && sc[i].censored > 0)
            snprintf(x2 + n, sizeof x2 - (size_t)n, ", %zu did not recover", sc[i].censored);
        fprintf(o.f, "%d ", i);
        put_str(o.f, sc[i].scenario);
        fputc(' ', o.f);
        put_num(o.f, sd.mean);
        fputc(' ', o.f);
        put_num(o.f, sd.ci95_lo);
        fputc(' ', o.f);
        put_num(o.f, sd.ci95_hi);
        fprintf(o.f, " %zu ", sd.n);
        put_num(o.f, sp.mean);
        fputc(' ', o.f);
        put_num(o.f, sp.ci95_lo);
        fputc(' ', o.f);
        put_num(o.f, sp.ci95_hi);
        fprintf(o.f, " %zu %zu %zu ", sp.n, sc[i].n, sc[i].censored);
        put_num(o.f, sc[i].cens_min);
        fputc(' ', o.f);
        put_str(o.f, sc[i].group);
        fputc(' ', o.f);
        put_num(o.f, fmax(finite_or(sd.ci95_hi, 0), finite_or(sd.mean, 0)));
        fputc(' ', o.f);
        put_str(o.f, dl);
        fputc(' ', o.f);
        put_num(o.f, fmax(finite_or(sp.ci95_hi, 0), finite_or(sp.mean, 0)));
        fputc(' ', o.f);
        put_str(o.f, pl);
        fputc(' ', o.f);
        put_num(o.f, finite_or(sc[i].cens_min, 0));
        fputc(' ', o.f);
        put_str(o.f, cl);
        fputc(' ', o.f);
        put_str(o.f, x2);
        fputc('\n', o.f);
    }
    return commit_data(&o);
}

void plot_compare(struct plot *p)
{
    char path[OUT_PATH_MAX], data[OUT_PATH_MAX], title[512], note[256], note2[128];
    struct table t;
    struct scen *sc = NULL;
    struct cgcols *gc = NULL;
    struct buf v = {0};
    int ns = 0, ng = 0, i, cs, nb, by_group = 0, clamped = 0;
    size_t r, runs_max = 0, censored = 0;
    double dmin = INFINITY, dmax = 0, vmax = 0;

    if (join(path, sizeof path, p->dir, "compare.csv") != 0 || table_load(&t, path) != 0) {
        plot_bail(p);
        return;
    }
    cs = csv_col(&t.c, "scenario");
    if (cs < 0)
        cs = csv_col(&t.c, "name");
    if ((ng = compare_groups(&t.c, &gc)) < 0)
        goto oom;
    if (cs < 0 || ng == 0) {
        perr("%s: expected the columns \"scenario\" and \"<group>.downtime_ms\" (or \"downtime_ms\") in the header; "
             "no downtime figures", path);
        plot_bail(p);
        goto done;
    }
    for (r = 0; r < t.nrows; r++)
        for (i = 0; i < ng; i++)
            if (scen_add(&sc, &ns, &t, r, cs, &gc[i]) != 0)
                goto oom;
    /* Series without a failover are left out; the rest are told apart by group when there are several. */
    for (i = 0; i < ns; i++) {
        if (sc[i].n == 0) {
            free(sc[i].scenario);
            free(sc[i].group);
            free(sc[i].down);
            free(sc[i].promo);
            memmove(&sc[i], &sc[i + 1], (size_t)(ns - i - 1) * sizeof *sc);
            ns--;
            i--;
            continue;
        }
        by_group |= strcmp(sc[i].group, sc[0].group) != 0;
        runs_max = sc[i].n > runs_max ? sc[i].n : runs_max;
        censored += sc[i].censored;
    }
    if (ns == 0) {
        perr("%s: no run has a failover (every downtime_ms is empty); no downtime figures", path);
        set_status(p, ST_INPUT);
        goto done;
    }

    if (join(data, sizeof data, p->dir, "downtime-cdf.dat") != 0 ||
        (nb = write_cdf(p, sc, ns, by_group, &dmin, &dmax, &clamped)) < 0) {
        set_status(p, ST_OUTPUT);
        goto done;
    }
    /* Two lines in the plot: how runs that did not recover are counted, and where a 0 is drawn. */
    snprintf(note, sizeof note, "%s", censored > 0 ? "Runs that did not recover in the run count as not recovered: "
             "such a curve ends below 100%, at the earliest end of those runs." : "");
    snprintf(note2, sizeof note2, "%s", clamped ? "Downtimes under 1 ms are drawn at 1 ms." : "");
    if (nb > 0) {
        snprintf(title, sizeof title, "Client-visible downtime after a master crash (CDF over %zu runs%s)", runs_max,
                 ns > 1 ? " per scenario" : "");
        gp_str(&v, "data", data);
        gp_str(&v, "title", title);
        gp_str(&v, "note", note);
        gp_str(&v, "note2", note2);
        gp_num(&v, "nblocks", nb);
        gp_num(&v, "xmin", isfinite(dmin) ? dmin : dmax);
        gp_num(&v, "xmax", dmax);
        set_status(p, run_figure(p, "downtime_cdf.gp", "downtime-cdf", &v,
                                 "CDF of client-visible downtime per scenario"));
        buf_free(&v);
    } else {
        perr("%s: no run recovered and no censored time is known; no downtime CDF", path);
        drop_figure(p, "downtime-cdf");
        set_status(p, ST_INPUT);
    }

    if (join(data, sizeof data, p->dir, "downtime-ci.dat") != 0 || write_ci(p, sc, ns, by_group, &vmax) != 0) {
        set_status(p, ST_OUTPUT);
        goto done;
    }
    snprintf(title, sizeof title, "Mean downtime and promotion time after a master crash, with 95%% confidence "
                                  "intervals");
    gp_str(&v, "data", data);
    gp_str(&v, "title", title);
    gp_num(&v, "nscen", ns);
    gp_num(&v, "ncensored", (double)censored);
    gp_num(&v, "vmax", vmax);
    set_status(p, run_figure(p, "downtime_ci.gp", "downtime-ci", &v,
                             "mean downtime and promotion time per scenario, 95% confidence intervals"));
    goto done;

oom:
    perr("%s: out of memory", path);
    set_status(p, ST_OUTPUT);
done:
    buf_free(&v);
    for (i = 0; i < ns; i++) {
        free(sc[i].scenario);
        free(sc[i].group);
        free(sc[i].down);
        free(sc[i].promo);
    }
    free(sc);
    for (i = 0; i < ng; i++)
        free(gc[i].name);
    free(gc);
    table_free(&t);
}
