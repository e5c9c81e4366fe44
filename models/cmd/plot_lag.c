/* plot_lag: figure lag-<group> of a run, one a broker group: its slaves' lag against the read-redirect
 * threshold, the consumer's backlog, where the consumer reads, and its redirects (plots/lag.gp). Only the
 * group's own rows of timeseries.csv are used, never the topic's. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/cmd/plot_run.h"

/* Figure lag-<group>: slave lag against the redirect threshold, the consumer's backlog, its redirects. */
int fig_lag(struct plot *p, const struct run *r, const struct rgroup *g, int have_trace)
{
    char name[256], mname[256], fig[192], path[OUT_PATH_MAX], mpath[OUT_PATH_MAX], title[512], what[256];
    char run_t[256], lagmax[16 * 24] = "";
    double smax[16] = {0};
    struct out_file o = {0}, m = {0};
    struct buf v = {0};
    double sb = 0, sm = 0, doff = 0, dack = 0, bpm = 0, thr = NAN, ymax = 0, bmax = 0, tmax = 0, rmax = 0;
    size_t i, nts = 0, ntm = 0, w = (size_t)r->w;
    int k, rc, any = 0, nslaves = 0;

    for (i = 0; i < g->n; i++) {
        const double *row = g->v + i * w;
        if (isfinite(row[RC_BACKLOG]))
            any = 1;
        for (k = 0; k < r->nslaves; k++) {
            double b = row[RC_NFIX + 2 * k], n = row[RC_NFIX + 2 * k + 1];
            if (isfinite(b)) {
                any = 1;
                if (k + 1 > nslaves)
                    nslaves = k + 1;    /* this group has (had) a k-th slave; other groups may have more */
            }
            if (isfinite(b) && isfinite(n) && n > 0) {
                sb += b;
                sm += n;
            }
        }
        const double *prev = i > 0 ? row - w : NULL;
        if (prev && isfinite(row[RC_MOFF]) && isfinite(prev[RC_MOFF]) && row[RC_MOFF] > prev[RC_MOFF] &&
            isfinite(row[RC_ACK]) && row[RC_ACK] > 0) {
            doff += row[RC_MOFF] - prev[RC_MOFF];
            dack += row[RC_ACK];
        }
        if (isfinite(row[RC_THR]))
            thr = row[RC_THR];
        tmax = row[RC_T] / 1000.0;
    }
    if (!any)
        return 0;               /* neither slaves nor a consumer backlog: nothing to draw for this group */
    /* Bytes a stored message takes in the commit log: the right axis (messages) is the left (MiB) divided by it. */
    bpm = sm > 0 ? sb / sm : dack > 0 ? doff / dack : 0;
    for (i = 0; i < g->n; i++) {
        const double *row = g->v + i * w;
        double dt = run_interval_s(r, g, i);
        for (k = 0; k < r->nslaves; k++) {
            ymax = fmax(ymax, finite_or(row[RC_NFIX + 2 * k] / MIB, 0));
            smax[k] = fmax(smax[k], finite_or(row[RC_NFIX + 2 * k] / MIB, 0));
        }
        bmax = fmax(bmax, finite_or(row[RC_BACKLOG], 0));
        rmax = fmax(rmax, finite_or(run_per_s(row[RC_RM], dt), 0) + finite_or(run_per_s(row[RC_RS], dt), 0));
    }
    if (bpm > 0)
        ymax = fmax(ymax, bmax * bpm / MIB);
    for (k = 0; k < nslaves; k++) {
        size_t len = strlen(lagmax);
        snprintf(lagmax + len, sizeof lagmax - len, "%s%.6g", k ? " " : "", smax[k]);
    }

    snprintf(fig, sizeof fig, "lag-%s", g->safe);
    snprintf(name, sizeof name, "%s.dat", fig);
    snprintf(mname, sizeof mname, "%s.marks.dat", fig);
    if (join(path, sizeof path, p->dir, name) != 0 || join(mpath, sizeof mpath, p->dir, mname) != 0)
        return ST_OUTPUT;
    if (open_data(p, &o, name) != 0 || open_data(p, &m, mname) != 0) {
        out_abort(&o);
        return ST_OUTPUT;
    }
    fprintf(o.f, "# %s, group %s: t_s backlog_msgs threshold_mib reads_master_per_s reads_slave_per_s "
                 "redirects_to_slave redirects_to_master, then per slave lag_mib lag_msgs\n",
            r->scenario, g->name);
    for (i = 0; i < g->n; i++) {
        const double *row = g->v + i * w;
        double dt = run_interval_s(r, g, i);
        put_num(o.f, row[RC_T] / 1000.0);
        fputc(' ', o.f);
        put_num(o.f, row[RC_BACKLOG]);
        fputc(' ', o.f);
        put_num(o.f, row[RC_THR] / MIB);
        fputc(' ', o.f);
        put_num(o.f, run_per_s(row[RC_RM], dt));
        fputc(' ', o.f);
        put_num(o.f, run_per_s(row[RC_RS], dt));
        fputc(' ', o.f);
        put_num(o.f, row[RC_RTS]);
        fputc(' ', o.f);
        put_num(o.f, row[RC_RTM]);
        for (k = 0; k < r->nslaves; k++) {
            fputc(' ', o.f);
            put_num(o.f, row[RC_NFIX + 2 * k] / MIB);
            fputc(' ', o.f);
            put_num(o.f, row[RC_NFIX + 2 * k + 1]);
        }
        fputc('\n', o.f);
    }
    if (have_trace) {
        fprintf(m.f, "# %s, group %s: pull.suggest events: t_s to (1: sent to a slave; 0: back to the master)\n",
                r->scenario, g->name);
        for (i = 0; i < g->nmk; i++) {
            put_num(m.f, g->mk[2 * i] / 1000.0);
            fprintf(m.f, " %d\n", g->mk[2 * i + 1] > 0 ? 1 : 0);
            if (g->mk[2 * i + 1] > 0)
                nts++;
            else
                ntm++;
        }
    } else if (r->col[RC_RTS] >= 0 || r->col[RC_RTM] >= 0) {
        /* No trace: one mark at the end of each sample interval in which the running counts grew. */
        fprintf(m.f, "# %s, group %s: from timeseries.csv, samples where redirects_to_slave (1) or "
                     "redirects_to_master (0) grew: t_s to\n", r->scenario, g->name);
        for (i = 1; i < g->n; i++) {
            const double *row = g->v + i * w, *prev = row - w;
            for (k = 0; k < 2; k++) {
                int c = k == 0 ? RC_RTS : RC_RTM;
                double d = row[c] - prev[c];
                if (isfinite(d) && d > 0) {
                    put_num(m.f, row[RC_T] / 1000.0);
                    fprintf(m.f, " %d\n", k == 0);
                    if (k == 0)
                        nts += (size_t)d;
                    else
                        ntm += (size_t)d;
                }
            }
        }
        have_trace = 2;
    }
    if (nts + ntm == 0)
        fputs("NaN 0\n", m.f);     /* gnuplot warns about a data file without a row */
    if (commit_data(&o) != 0 || commit_data(&m) != 0) {
        out_abort(&m);
        return ST_OUTPUT;
    }

    run_title(r, run_t, sizeof run_t);
    snprintf(title, sizeof title, "%s: slave lag against the read-redirect threshold (%s)", g->name, run_t);
    gp_str(&v, "data", path);
    gp_str(&v, "marks", mpath);
    gp_str(&v, "title", title);
    gp_num(&v, "nslaves", nslaves);
    gp_num(&v, "bpm", bpm);
    gp_num(&v, "thr_mib", thr / MIB);
    gp_num(&v, "ymax_mib", ymax);
    gp_str(&v, "lagmax", lagmax);
    gp_num(&v, "backlog_max", bmax);
    gp_num(&v, "reads_max", rmax);
    gp_num(&v, "tmax", tmax);
    gp_num(&v, "nts", (double)nts);
    gp_num(&v, "ntm", (double)ntm);
    gp_num(&v, "have_trace", have_trace);
    snprintf(what, sizeof what, "slave lag, redirect threshold and the consumer's redirects of %s", g->name);
    rc = run_figure(p, "lag.gp", fig, &v, what);
    buf_free(&v);
    return rc;
}
