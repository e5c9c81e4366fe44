/* plot_avail: figure availability of a run (plots/availability.gp). Above: the topic's sends acknowledged and
 * failed per second (every send, those that found no route to any group too: they appear only in the topic's
 * rows) and the messages delivered to consumers. Below: a lane for the topic's writes and one for its reads,
 * then the same per broker group, and the failovers' moments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cmd/plot_run.h"

enum { AV_IDLE, AV_OK, AV_PARTIAL, AV_DOWN };

struct rates {
    double *v;
    size_t n, cap;
};

static int rate_push(struct rates *r, double x)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        double *nv = realloc(r->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        r->v = nv;
        r->cap = cap;
    }
    r->v[r->n++] = x;
    return 0;
}

/* Writes over one interval. In an outage (a crash to the first acknowledged write) an interval without an
 * acknowledgement is down even when no send failed in it: sends are still in flight, or (in a group's rows)
 * fail without reaching the group, as when it has left the route. */
static int write_state(double acked, double failed, int outage)
{
    acked = finite_or(acked, 0);
    failed = finite_or(failed, 0);
    if (acked > 0)
        return failed > 0 ? AV_PARTIAL : AV_OK;
    if (failed > 0 || outage)
        return AV_DOWN;
    return AV_IDLE;
}

/* Reads over one interval: down when nothing was delivered while there was something to read (backlog > 0),
 * idle when there was nothing to read. Without a backlog column the write outage decides. */
static int read_state(double reads, double backlog, int outage)
{
    if (isfinite(reads) && reads > 0)
        return AV_OK;
    if (isfinite(backlog))
        return backlog > 0 ? AV_DOWN : AV_IDLE;
    return outage ? AV_DOWN : AV_IDLE;
}

/* Whether (a, b] is inside an outage of g; the topic's is when every group is in one. */
static int outage(const struct run *r, const struct rgroup *g, double a, double b)
{
    int i;
    if (g != &r->topic)
        return run_in_outage(g, a, b);
    for (i = 0; i < r->ng; i++)
        if (!run_in_outage(&r->g[i], a, b))
            return 0;
    return r->ng > 0;
}

/* One lane being written: consecutive intervals in one state become one box. */
struct lane {
    FILE *f;
    int lane, state;           /* state -1: no box open */
    double a, b;               /* the open box, ms */
    size_t boxes;
};

static void lane_close(struct lane *l)
{
    if (l->state < 0)
        return;
    put_num(l->f, (l->a + l->b) / 2000.0);
    fprintf(l->f, " %d ", l->lane);
    put_num(l->f, (l->b - l->a) / 2000.0);
    fprintf(l->f, " %d\n", l->state);
    l->boxes++;
    l->state = -1;
}

static void lane_add(struct lane *l, double a, double b, int state)
{
    if (l->state >= 0 && (state != l->state || a != l->b))
        lane_close(l);
    if (l->state < 0) {
        l->state = state;
        l->a = a;
    }
    l->b = b;
}

/* The rates of one series into data (a block: a comment naming it, then t_s acked_per_s failed_per_s
 * reads_per_s sends_per_s backlog_msgs) and its two lanes, writes at lane wl and reads at wl - 1. The topic's
 * rates go into rv and ymax (the scale). Returns the boxes written, or -1 out of memory. */
static long put_series(FILE *data, FILE *lanes, const struct run *r, const struct rgroup *g, int wl,
                       struct rates *rv, double *ymax)
{
    struct lane wr = {lanes, wl, -1, 0, 0, 0}, rd = {lanes, wl - 1, -1, 0, 0, 0};
    int topic = g == &r->topic, rows = 0, k;
    size_t w = (size_t)r->w, i;

    if (topic)
        fprintf(data, "# topic: every send (failures without a route included)\n");
    else
        fprintf(data, "\n\n# group %s\n", g->name);
    for (i = 0; i < g->n; i++) {
        const double *row = g->v + i * w;
        double dt = run_interval_s(r, g, i), t = row[RC_T], a = t - dt * 1000.0, reads = NAN;
        double rates[5];
        int out;
        if (dt <= 0)
            continue;
        if (isfinite(row[RC_RM]) || isfinite(row[RC_RS]))
            reads = finite_or(row[RC_RM], 0) + finite_or(row[RC_RS], 0);
        rates[0] = run_per_s(row[RC_ACK], dt);
        rates[1] = run_per_s(row[RC_FAIL], dt);
        rates[2] = run_per_s(reads, dt);
        rates[3] = run_per_s(row[RC_SENDS], dt);
        rates[4] = row[RC_BACKLOG];
        put_num(data, t / 1000.0);
        for (k = 0; k < 5; k++) {
            fputc(' ', data);
            put_num(data, rates[k]);
        }
        fputc('\n', data);
        rows++;
        for (k = 0; topic && k < 3; k++) {
            *ymax = fmax(*ymax, finite_or(rates[k], 0));
            if (isfinite(rates[k]) && rates[k] > 0 && rate_push(rv, rates[k]) != 0)
                return -1;
        }
        out = outage(r, g, a, t);
        lane_add(&wr, a, t, write_state(row[RC_ACK], row[RC_FAIL], out));
        lane_add(&rd, a, t, read_state(reads, row[RC_BACKLOG], out));
    }
    if (rows == 0)
        fputs("0 NaN NaN NaN NaN NaN\n", data);     /* an empty block would stop gnuplot's index */
    /* An outage that lasts to the end of the run (no write acknowledged after the crash) is drawn to the end
     * even when the last sample is earlier. */
    if (wr.state >= 0 && r->end_ms > wr.b && outage(r, g, wr.b, r->end_ms))
        lane_add(&wr, wr.b, r->end_ms, AV_DOWN);
    lane_close(&wr);
    lane_close(&rd);
    return (long)(wr.boxes + rd.boxes);
}

/* Figure availability: the topic's sends and deliveries over time, a lane pair for the topic and one a group,
 * and the failovers' moments. */
int fig_availability(struct plot *p, const struct run *r)
{
    static const char *const names[3] = {"availability.dat", "availability.lanes.dat", "availability.marks.dat"};
    char path[3][OUT_PATH_MAX], title[512], run_t[256], share[64] = "", groups[2048] = "";
    char mt[MK_N][1024];
    struct out_file o[2] = {{0}};
    struct buf v = {0};
    struct rates rv = {0};
    double ymax = 0, ycap = NAN;
    long boxes = 0, b;
    int gi, k, rc, nmarks, nunrec;

    if (r->col[RC_ACK] < 0 && r->col[RC_RM] < 0 && r->col[RC_RS] < 0)
        return 0;
    for (k = 0; k < 3; k++)
        if (join(path[k], sizeof path[k], p->dir, names[k]) != 0) {
            perr("%s/%s: path too long", p->dir, names[k]);
            return ST_OUTPUT;
        }
    for (k = 0; k < 2; k++)
        if (open_data(p, &o[k], names[k]) != 0)
            goto fail;
    fprintf(o[0].f, "# %s: per series (index 0 the topic, index g the group g): t_s acked_per_s failed_per_s "
                    "reads_per_s sends_per_s backlog_msgs\n", r->scenario);
    fprintf(o[1].f, "# %s: t_center_s lane half_width_s state (0 idle: no sends / nothing to read, 1 ok, 2 some "
                    "sends failed, 3 down); lane %d topic writes, %d topic reads, 2*(groups-1-g)+1 writes and "
                    "2*(groups-1-g) reads of group g (0-based)\n", r->scenario, 2 * r->ng + 1, 2 * r->ng);
    if ((b = put_series(o[0].f, o[1].f, r, &r->topic, 2 * r->ng + 1, &rv, &ymax)) < 0)
        goto oom;
    boxes += b;
    for (gi = 0; gi < r->ng; gi++) {
        const struct rgroup *g = &r->g[gi];
        if (strlen(groups) + strlen(g->safe) + 2 < sizeof groups) {
            strcat(groups, gi ? " " : "");
            strcat(groups, g->safe);
        }
        if ((b = put_series(o[0].f, o[1].f, r, g, 2 * (r->ng - 1 - gi) + 1, &rv, &ymax)) < 0)
            goto oom;
        boxes += b;
    }
    for (k = 0; k < 2; k++)
        if (commit_data(&o[k]) != 0)
            goto fail;
    if ((nmarks = run_write_marks(p, r, names[2], mt, &nunrec)) < 0)
        goto fail;
    if (boxes == 0) {
        free(rv.v);
        return 0;
    }

    /* A catch-up burst (a consumer back after an outage reads at many times the usual rate) would squash
     * everything else: the scale stops at twice the 98th percentile of the rates when the peak is far above. */
    if (rv.n > 0) {
        double p98;
        qsort(rv.v, rv.n, sizeof *rv.v, dcmp);
        p98 = rv.v[(size_t)((double)(rv.n - 1) * 0.98)];
        if (ymax > 4 * p98)
            ycap = 2 * p98;
    }
    free(rv.v);
    run_title(r, run_t, sizeof run_t);
    if (isfinite(r->availability))
        snprintf(share, sizeof share, "; %.2f%% of sends acknowledged", 100.0 * r->availability);
    snprintf(title, sizeof title, "Availability of writes and reads (%s%s%s)", run_t, share,
             nmarks == 0 ? "; no master crash" : "");
    gp_str(&v, "data", path[0]);
    gp_str(&v, "lanes", path[1]);
    gp_str(&v, "marks", path[2]);
    gp_str(&v, "title", title);
    gp_str(&v, "groups", groups);
    gp_num(&v, "ngroups", r->ng);
    gp_num(&v, "tmax", r->end_ms / 1000.0);
    gp_num(&v, "ymax", ymax);
    gp_num(&v, "ycap", ycap);
    gp_num(&v, "nunrec", nunrec);
    for (k = 0; k < MK_N; k++) {
        char vn[16];
        snprintf(vn, sizeof vn, "mt%d", k);
        gp_str(&v, vn, mt[k]);
    }
    rc = run_figure(p, "availability.gp", "availability", &v,
                    "availability of the topic's and each group's writes and reads over time");
    buf_free(&v);
    return rc;

oom:
    perr("%s/%s: out of memory", p->dir, names[0]);
fail:
    free(rv.v);
    for (k = 0; k < 2; k++)
        out_abort(&o[k]);
    return ST_OUTPUT;
}
