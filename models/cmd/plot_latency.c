/* plot_latency: figure latency of a run (plots/latency.gp): the median and 99th percentile latency of the sends
 * acknowledged in each sample interval, for the topic and per broker group, with the failovers' moments. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/cmd/plot_run.h"

/* One series as a block of latency.dat: a comment naming it, then t_s p50_ms p99_ms (NaN when no send was
 * acknowledged in the interval, or a value is not positive: the axis is logarithmic). Widens [*lo, *hi]. */
static void put_series(FILE *f, const struct run *r, const struct rgroup *g, double *lo, double *hi)
{
    size_t i, w = (size_t)r->w;
    int rows = 0;

    if (g == &r->topic)
        fprintf(f, "# topic\n");
    else
        fprintf(f, "\n\n# group %s\n", g->name);
    for (i = 0; i < g->n; i++) {
        const double *row = g->v + i * w;
        double q[2] = {row[RC_P50], row[RC_P99]};
        int k;
        put_num(f, row[RC_T] / 1000.0);
        for (k = 0; k < 2; k++) {
            if (!(q[k] > 0) || !isfinite(q[k]))
                q[k] = NAN;
            if (isfinite(q[k])) {
                *lo = fmin(*lo, q[k]);
                *hi = fmax(*hi, q[k]);
            }
            fputc(' ', f);
            put_num(f, q[k]);
        }
        fputc('\n', f);
        rows++;
    }
    if (rows == 0)
        fputs("0 NaN NaN\n", f);     /* an empty block would stop gnuplot's index */
}

int fig_latency(struct plot *p, const struct run *r)
{
    static const char *const names[2] = {"latency.dat", "latency.marks.dat"};
    char path[2][OUT_PATH_MAX], title[512], run_t[256], whole[256] = "", groups[2048] = "";
    char mt[MK_N][1024];
    struct out_file o = {0};
    struct buf v = {0};
    double lo = INFINITY, hi = 0;
    int gi, k, rc, nunrec;

    if (r->col[RC_P50] < 0 && r->col[RC_P99] < 0)
        return 0;
    for (k = 0; k < 2; k++)
        if (join(path[k], sizeof path[k], p->dir, names[k]) != 0) {
            perr("%s/%s: path too long", p->dir, names[k]);
            return ST_OUTPUT;
        }
    if (open_data(p, &o, names[0]) != 0)
        return ST_OUTPUT;
    fprintf(o.f, "# %s: send latency of the sends acknowledged in each sample interval, per series (index 0 the "
                 "topic, index g the group g): t_s p50_ms p99_ms\n", r->scenario);
    put_series(o.f, r, &r->topic, &lo, &hi);
    for (gi = 0; gi < r->ng; gi++) {
        const struct rgroup *g = &r->g[gi];
        if (strlen(groups) + strlen(g->safe) + 2 < sizeof groups) {
            strcat(groups, gi ? " " : "");
            strcat(groups, g->safe);
        }
        put_series(o.f, r, g, &lo, &hi);
    }
    if (commit_data(&o) != 0)
        return ST_OUTPUT;
    if (run_write_marks(p, r, names[1], mt, &nunrec) < 0)
        return ST_OUTPUT;
    if (!(hi > 0))
        return 0;               /* no send acknowledged in the whole run: no latency to draw */

    run_title(r, run_t, sizeof run_t);
    if (isfinite(r->lat_p50) && isfinite(r->lat_p99))
        snprintf(whole, sizeof whole, "whole run (topic): p50 %.3g ms, p99 %.3g ms", r->lat_p50, r->lat_p99);
    snprintf(title, sizeof title, "Send latency: p50 and p99 of the sends acknowledged in each sample interval (%s)",
             run_t);
    gp_str(&v, "data", path[0]);
    gp_str(&v, "marks", path[1]);
    gp_str(&v, "title", title);
    gp_str(&v, "whole", whole);
    gp_str(&v, "groups", groups);
    gp_num(&v, "ngroups", r->ng);
    gp_num(&v, "tmax", r->end_ms / 1000.0);
    gp_num(&v, "ymin", lo);
    gp_num(&v, "ymax", hi);
    for (k = 0; k < MK_N; k++) {
        char vn[16];
        snprintf(vn, sizeof vn, "mt%d", k);
        gp_str(&v, vn, mt[k]);
    }
    rc = run_figure(p, "latency.gp", "latency", &v, "send latency (p50, p99) of the topic and each group over time");
    buf_free(&v);
    return rc;
}
