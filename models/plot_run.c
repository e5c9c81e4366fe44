/* plot_run: the figures of one run's output folder (timeseries.csv, metrics.json, trace.jsonl): slave lag per
 * broker group and availability. */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "models/plot_int.h"
#include "sim/out.h"

enum { RC_T, RC_MOFF, RC_BACKLOG, RC_RM, RC_RS, RC_THR, RC_ACK, RC_FAIL, RC_RTS, RC_RTM, RC_NFIX };
static const char *const run_cols[RC_NFIX] = {
    "t_ms", "master_max_offset", "backlog_msgs", "reads_master", "reads_slave", "redirect_threshold_bytes",
    "acked", "send_failed", "redirects_to_slave", "redirects_to_master",
};

enum { MK_CRASH, MK_DETECTED, MK_PROMOTED, MK_FIRST_WRITE, MK_N };
static const char *const mk_names[MK_N] = {"crash_ms", "detected_ms", "promoted_ms", "first_write_ms"};
static const char *const mk_words[MK_N] = {"master crash", "detected (operator alert)", "promoted",
                                           "first write acknowledged"};

struct rgroup {
    char name[128], safe[128];
    double *v;                 /* n rows of run.w values: the fixed columns, then bytes, msgs per slave */
    size_t n, cap;
    double *mk;                /* pull.suggest: (t_ms, to) pairs */
    size_t nmk, capmk;
    double fo[MK_N];           /* failover times (ms), NaN when null */
    double downtime_ms;
    char new_master[128];
};

struct run {
    int col[RC_NFIX];
    int nslaves;
    int slave_col[16][2];      /* slaveN_lag_bytes, slaveN_lag_msgs */
    int w;
    struct rgroup *g;
    int ng;
    char scenario[128];
    double seed;
};

static struct rgroup *run_group(struct run *r, const char *name)
{
    int i;
    struct rgroup *ng;
    for (i = 0; i < r->ng; i++)
        if (strcmp(r->g[i].name, name) == 0)
            return &r->g[i];
    ng = realloc(r->g, (size_t)(r->ng + 1) * sizeof *ng);
    if (!ng)
        return NULL;
    r->g = ng;
    ng = &r->g[r->ng++];
    memset(ng, 0, sizeof *ng);
    snprintf(ng->name, sizeof ng->name, "%s", name);
    safe_name(ng->safe, sizeof ng->safe, name);
    for (i = 0; i < MK_N; i++)
        ng->fo[i] = NAN;
    ng->downtime_ms = NAN;
    return ng;
}

static void run_free(struct run *r)
{
    int i;
    for (i = 0; i < r->ng; i++) {
        free(r->g[i].v);
        free(r->g[i].mk);
    }
    free(r->g);
    memset(r, 0, sizeof *r);
}

static double json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* metrics.json: scenario, seed, the groups in order and their failover times. 0, or -1 (printed). */
static int run_read_metrics(struct plot *p, struct run *r)
{
    char path[OUT_PATH_MAX];
    char *text;
    cJSON *root, *groups, *g;
    int rc = 0;

    if (join(path, sizeof path, p->dir, "metrics.json") != 0 || !(text = slurp(path))) {
        perr("%s/metrics.json: %s", p->dir, strerror(errno));
        return -1;
    }
    root = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(root)) {
        perr("%s: not a JSON object", path);
        cJSON_Delete(root);
        return -1;
    }
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "scenario")))
        snprintf(r->scenario, sizeof r->scenario, "%s",
                 cJSON_GetObjectItemCaseSensitive(root, "scenario")->valuestring);
    r->seed = json_num(root, "seed");
    groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
    cJSON_ArrayForEach(g, groups) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "name");
        const cJSON *fo = cJSON_GetObjectItemCaseSensitive(g, "failover");
        struct rgroup *rg;
        int k;
        if (!cJSON_IsString(name))
            continue;
        if (!(rg = run_group(r, name->valuestring))) {
            rc = -1;
            perr("%s: out of memory", path);
            break;
        }
        if (cJSON_IsObject(fo)) {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(fo, "new_master");
            for (k = 0; k < MK_N; k++)
                rg->fo[k] = json_num(fo, mk_names[k]);
            rg->downtime_ms = json_num(fo, "downtime_ms");
            if (cJSON_IsString(nm))
                snprintf(rg->new_master, sizeof rg->new_master, "%s", nm->valuestring);
        }
    }
    cJSON_Delete(root);
    return rc;
}

/* timeseries.csv into per-group rows. 0, or -1 (printed). */
static int run_read_series(struct plot *p, struct run *r)
{
    char path[OUT_PATH_MAX];
    struct csv c;
    int gcol, i, k, rd;

    if (join(path, sizeof path, p->dir, "timeseries.csv") != 0 || csv_open(&c, path) != 0)
        return -1;
    gcol = csv_col(&c, "group");
    for (i = 0; i < RC_NFIX; i++)
        r->col[i] = csv_col(&c, run_cols[i]);
    if (r->col[RC_T] < 0 || gcol < 0) {
        perr("%s: no %s column: not the time series of a broker run", path, gcol < 0 ? "\"group\"" : "\"t_ms\"");
        csv_close(&c);
        return -1;
    }
    for (k = 1; k <= 16; k++) {
        char name[64];
        snprintf(name, sizeof name, "slave%d_lag_bytes", k);
        r->slave_col[k - 1][0] = csv_col(&c, name);
        snprintf(name, sizeof name, "slave%d_lag_msgs", k);
        r->slave_col[k - 1][1] = csv_col(&c, name);
        if (r->slave_col[k - 1][0] < 0 && r->slave_col[k - 1][1] < 0)
            break;
        r->nslaves = k;
    }
    r->w = RC_NFIX + 2 * r->nslaves;
    while ((rd = csv_next(&c)) == 1) {
        struct rgroup *g = run_group(r, csv_get(&c, gcol));
        double *row;
        if (!g) {
            rd = -1;
            break;
        }
        if (g->n == g->cap) {
            size_t cap = g->cap ? g->cap * 2 : 256;
            double *nv = realloc(g->v, cap * (size_t)r->w * sizeof *nv);
            if (!nv) {
                rd = -1;
                break;
            }
            g->v = nv;
            g->cap = cap;
        }
        row = g->v + g->n * (size_t)r->w;
        for (i = 0; i < RC_NFIX; i++)
            row[i] = r->col[i] < 0 ? NAN : parse_num(csv_get(&c, r->col[i]));
        for (k = 0; k < r->nslaves; k++) {
            row[RC_NFIX + 2 * k] = parse_num(csv_get(&c, r->slave_col[k][0]));
            row[RC_NFIX + 2 * k + 1] = parse_num(csv_get(&c, r->slave_col[k][1]));
        }
        if (isnan(row[RC_T]))
            continue;           /* a row without a time is no sample */
        g->n++;
    }
    csv_close(&c);
    if (rd < 0) {
        perr("%s: out of memory", path);
        return -1;
    }
    return 0;
}

/* trace.jsonl's pull.suggest events (the consumer told to read elsewhere) into the groups. Returns 1 when the
 * trace was read, 0 when there is none, -1 on a problem (printed). */
static int run_read_trace(struct plot *p, struct run *r)
{
    char path[OUT_PATH_MAX];
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 1;

    if (join(path, sizeof path, p->dir, "trace.jsonl") != 0 || !is_file(path))
        return 0;
    if (!(f = fopen(path, "r"))) {
        perr("%s: %s", path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        cJSON *ev;
        const cJSON *grp;
        struct rgroup *g = NULL;
        double t, to;
        int i;

        if (!strstr(line, "\"pull.suggest\""))
            continue;
        if (!(ev = cJSON_Parse(line)))
            continue;           /* a damaged line says nothing about the others */
        grp = cJSON_GetObjectItemCaseSensitive(ev, "group");
        t = json_num(ev, "t_ms");
        to = json_num(ev, "to");
        for (i = 0; cJSON_IsString(grp) && i < r->ng; i++)
            if (strcmp(r->g[i].name, grp->valuestring) == 0)
                g = &r->g[i];
        if (g && isfinite(t) && isfinite(to)) {
            if (g->nmk == g->capmk) {
                size_t nc = g->capmk ? g->capmk * 2 : 256;
                double *nm = realloc(g->mk, nc * 2 * sizeof *nm);
                if (!nm) {
                    cJSON_Delete(ev);
                    perr("%s: out of memory", path);
                    rc = -1;
                    break;
                }
                g->mk = nm;
                g->capmk = nc;
            }
            g->mk[2 * g->nmk] = t;
            g->mk[2 * g->nmk + 1] = to;
            g->nmk++;
        }
        cJSON_Delete(ev);
    }
    free(line);
    fclose(f);
    return rc;
}

/* Seconds since the previous sample of row i (the interval its per-interval counts cover); 0 for none. */
static double interval_s(const struct run *r, const struct rgroup *g, size_t i)
{
    double t = g->v[i * (size_t)r->w + RC_T], prev;
    if (i > 0)
        prev = g->v[(i - 1) * (size_t)r->w + RC_T];
    else if (g->n > 1 && t > 0)
        prev = t - (g->v[(size_t)r->w + RC_T] - t);
    else
        return 0;
    return t > prev ? (t - prev) / 1000.0 : 0;
}

static double per_s(double count, double dt)
{
    return isfinite(count) && dt > 0 ? count / dt : NAN;
}

static void title_run(const struct run *r, char *buf, size_t size)
{
    if (r->scenario[0] && isfinite(r->seed))
        snprintf(buf, size, "%s, seed %.0f", r->scenario, r->seed);
    else
        snprintf(buf, size, "%s", r->scenario[0] ? r->scenario : "run");
}

/* Figure lag-<group>: slave lag against the redirect threshold, the consumer's backlog, its redirects. */
static int fig_lag(struct plot *p, const struct run *r, const struct rgroup *g, int have_trace)
{
    char name[256], mname[256], fig[192], path[OUT_PATH_MAX], mpath[OUT_PATH_MAX], title[512], what[256];
    char run_t[256], lagmax[16 * 24] = "";
    double smax[16] = {0};
    struct out_file o = {0}, m = {0};
    struct sbuf v = {0};
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
        double dt = interval_s(r, g, i);
        for (k = 0; k < r->nslaves; k++) {
            ymax = fmax(ymax, finite_or(row[RC_NFIX + 2 * k] / MIB, 0));
            smax[k] = fmax(smax[k], finite_or(row[RC_NFIX + 2 * k] / MIB, 0));
        }
        bmax = fmax(bmax, finite_or(row[RC_BACKLOG], 0));
        rmax = fmax(rmax, finite_or(per_s(row[RC_RM], dt), 0) + finite_or(per_s(row[RC_RS], dt), 0));
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
        double dt = interval_s(r, g, i);
        put_num(o.f, row[RC_T] / 1000.0);
        fputc(' ', o.f);
        put_num(o.f, row[RC_BACKLOG]);
        fputc(' ', o.f);
        put_num(o.f, row[RC_THR] / MIB);
        fputc(' ', o.f);
        put_num(o.f, per_s(row[RC_RM], dt));
        fputc(' ', o.f);
        put_num(o.f, per_s(row[RC_RS], dt));
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

    title_run(r, run_t, sizeof run_t);
    snprintf(title, sizeof title, "%s: slave lag against the read-redirect threshold (%s)", g->name, run_t);
    sb_str(&v, "data", path);
    sb_str(&v, "marks", mpath);
    sb_str(&v, "title", title);
    sb_num(&v, "nslaves", nslaves);
    sb_num(&v, "bpm", bpm);
    sb_num(&v, "thr_mib", thr / MIB);
    sb_num(&v, "ymax_mib", ymax);
    sb_str(&v, "lagmax", lagmax);
    sb_num(&v, "backlog_max", bmax);
    sb_num(&v, "reads_max", rmax);
    sb_num(&v, "tmax", tmax);
    sb_num(&v, "nts", (double)nts);
    sb_num(&v, "ntm", (double)ntm);
    sb_num(&v, "have_trace", have_trace);
    snprintf(what, sizeof what, "slave lag, redirect threshold and the consumer's redirects of %s", g->name);
    rc = run_figure(p, "lag.gp", fig, &v, what);
    sb_free(&v);
    return rc;
}

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

/* The state of a lane over one interval (a, b] in ms. In an outage (crash to first acknowledged write) an
 * interval with nothing acknowledged counts as down even when no send has failed yet (they are in flight, or
 * fail without reaching a group). */
static int write_state(const struct rgroup *g, double a, double b, double acked, double failed)
{
    double crash = g->fo[MK_CRASH], back = finite_or(g->fo[MK_FIRST_WRITE], INFINITY);
    int outage = isfinite(crash) && b > crash && a < back;
    acked = finite_or(acked, 0);
    failed = finite_or(failed, 0);
    if (acked > 0)
        return failed > 0 ? AV_PARTIAL : AV_OK;
    if (failed > 0 || outage)
        return AV_DOWN;
    return AV_IDLE;
}

static int read_state(const struct rgroup *g, double a, double b, double reads, double backlog)
{
    double crash = g->fo[MK_CRASH], back = finite_or(g->fo[MK_FIRST_WRITE], INFINITY);
    int outage = isfinite(crash) && b > crash && a < back;
    if (isfinite(reads) && reads > 0)
        return AV_OK;
    if ((isfinite(backlog) && backlog > 0) || outage)
        return AV_DOWN;
    return AV_IDLE;
}

static void put_lane(FILE *f, double a, double b, int lane, int state)
{
    put_num(f, (a + b) / 2000.0);
    fprintf(f, " %d ", lane);
    put_num(f, (b - a) / 2000.0);
    fprintf(f, " %d\n", state);
}

/* Figure availability: per group, writes and reads over time, with the failover's moments. */
static int fig_availability(struct plot *p, const struct run *r)
{
    char path[3][OUT_PATH_MAX], title[512], run_t[256], groups[2048] = "";
    static const char *const names[3] = {"availability.dat", "availability.lanes.dat", "availability.marks.dat"};
    struct out_file o[3] = {{0}};
    struct sbuf v = {0};
    char mt[MK_N][1024];
    size_t w = (size_t)r->w, nseg = 0, nmarks = 0;
    double ymax = 0, tmax = 0, ycap = NAN;
    struct rates rv = {0};
    int gi, k, rc, lanes = 0;

    if (r->col[RC_ACK] < 0 && r->col[RC_RM] < 0 && r->col[RC_RS] < 0)
        return 0;
    for (k = 0; k < 3; k++)
        if (join(path[k], sizeof path[k], p->dir, names[k]) != 0 || open_data(p, &o[k], names[k]) != 0)
            goto fail;
    fprintf(o[0].f, "# per group (index i): t_s acked_per_s send_failed_per_s reads_per_s\n");
    fprintf(o[1].f, "# t_center_s lane half_width_s state (0 no traffic, 1 ok, 2 partly failing, 3 down); lane "
                    "2*(groups-1-g)+1 writes, 2*(groups-1-g) reads of group g\n");
    fprintf(o[2].f, "# t_s kind group (kind 0 crash, 1 detected, 2 promoted, 3 first acknowledged write)\n");
    for (k = 0; k < MK_N; k++)
        mt[k][0] = '\0';
    for (gi = 0; gi < r->ng; gi++) {
        const struct rgroup *g = &r->g[gi];
        int wl = 2 * (r->ng - 1 - gi) + 1, rl = wl - 1, ws = -1, rs = -1;
        double wa = 0, ra = 0, prev_t = 0;
        size_t i;

        if (strlen(groups) + strlen(g->safe) + 2 < sizeof groups) {
            strcat(groups, gi ? " " : "");
            strcat(groups, g->safe);
        }
        fprintf(o[0].f, "%s\"t_s\" \"acked\" \"%s\"\n", gi ? "\n\n" : "", g->safe);
        for (i = 0; i < g->n; i++) {
            const double *row = g->v + i * w;
            double dt = interval_s(r, g, i), t = row[RC_T], a = t - dt * 1000.0;
            double reads = NAN;
            int s1, s2;
            if (isfinite(row[RC_RM]) || isfinite(row[RC_RS]))
                reads = finite_or(row[RC_RM], 0) + finite_or(row[RC_RS], 0);
            tmax = fmax(tmax, t / 1000.0);
            if (dt <= 0)
                continue;
            put_num(o[0].f, t / 1000.0);
            fputc(' ', o[0].f);
            put_num(o[0].f, per_s(row[RC_ACK], dt));
            fputc(' ', o[0].f);
            put_num(o[0].f, per_s(row[RC_FAIL], dt));
            fputc(' ', o[0].f);
            put_num(o[0].f, per_s(reads, dt));
            fputc('\n', o[0].f);
            {
                double rates[3] = {per_s(row[RC_ACK], dt), per_s(row[RC_FAIL], dt), per_s(reads, dt)};
                for (k = 0; k < 3; k++) {
                    ymax = fmax(ymax, finite_or(rates[k], 0));
                    if (isfinite(rates[k]) && rates[k] > 0 && rate_push(&rv, rates[k]) != 0)
                        goto fail;
                }
            }
            s1 = write_state(g, a, t, row[RC_ACK], row[RC_FAIL]);
            s2 = read_state(g, a, t, reads, row[RC_BACKLOG]);
            /* Consecutive intervals in one state become one box. */
            if (ws >= 0 && (s1 != ws || a != prev_t)) {
                put_lane(o[1].f, wa, prev_t, wl, ws);
                nseg++;
                ws = -1;
            }
            if (rs >= 0 && (s2 != rs || a != prev_t)) {
                put_lane(o[1].f, ra, prev_t, rl, rs);
                nseg++;
                rs = -1;
            }
            if (ws < 0) {
                ws = s1;
                wa = a;
            }
            if (rs < 0) {
                rs = s2;
                ra = a;
            }
            prev_t = t;
        }
        if (ws >= 0) {
            put_lane(o[1].f, wa, prev_t, wl, ws);
            nseg++;
        }
        if (rs >= 0) {
            put_lane(o[1].f, ra, prev_t, rl, rs);
            nseg++;
        }
        if (g->n == 0) {
            /* A group in metrics.json but without a sample: an empty block would stop gnuplot's index. */
            fprintf(o[0].f, "0 NaN NaN NaN\n");
        }
        lanes++;
        for (k = 0; k < MK_N; k++) {
            char one[640];
            const char *who = r->ng > 1 ? g->name : "", *sp = r->ng > 1 ? " " : "";
            double t = g->fo[k];
            if (!isfinite(t))
                continue;
            put_num(o[2].f, t / 1000.0);
            fprintf(o[2].f, " %d %d\n", k, gi);
            nmarks++;
            if (k == MK_PROMOTED && g->new_master[0])
                snprintf(one, sizeof one, "%s%s%.1f s (%s)", who, sp, t / 1000.0, g->new_master);
            else if (k == MK_FIRST_WRITE && isfinite(g->downtime_ms))
                snprintf(one, sizeof one, "%s%s%.1f s (downtime %.1f s)", who, sp, t / 1000.0,
                         g->downtime_ms / 1000.0);
            else
                snprintf(one, sizeof one, "%s%s%.1f s", who, sp, t / 1000.0);
            if (strlen(mt[k]) + strlen(one) + 64 < sizeof mt[k]) {
                if (!mt[k][0])
                    snprintf(mt[k], sizeof mt[k], "%s: %s", mk_words[k], one);
                else
                    strcat(strcat(mt[k], ", "), one);
            }
        }
    }
    if (nmarks == 0)
        fputs("NaN 0 0\n", o[2].f);     /* gnuplot warns about a data file without a row */
    for (k = 0; k < 3; k++)
        if (commit_data(&o[k]) != 0)
            goto fail;
    if (nseg == 0 || lanes == 0)
        return 0;

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
    rv.v = NULL;
    title_run(r, run_t, sizeof run_t);
    snprintf(title, sizeof title, "Availability of writes and reads (%s%s)", run_t,
             nmarks == 0 ? "; no master crash" : "");
    sb_str(&v, "data", path[0]);
    sb_str(&v, "lanes", path[1]);
    sb_str(&v, "marks", path[2]);
    sb_str(&v, "title", title);
    sb_str(&v, "groups", groups);
    sb_num(&v, "ngroups", r->ng);
    sb_num(&v, "tmax", tmax);
    sb_num(&v, "ymax", ymax);
    sb_num(&v, "ycap", ycap);
    for (k = 0; k < MK_N; k++) {
        char vn[16];
        snprintf(vn, sizeof vn, "mt%d", k);
        sb_str(&v, vn, mt[k]);
    }
    rc = run_figure(p, "availability.gp", "availability", &v, "availability of writes and reads over time");
    sb_free(&v);
    return rc;

fail:
    free(rv.v);
    for (k = 0; k < 3; k++)
        out_abort(&o[k]);
    return ST_OUTPUT;
}

void plot_run(struct plot *p)
{
    struct run r;
    int i, t, drawn = p->drawn;

    memset(&r, 0, sizeof r);
    r.seed = NAN;
    /* Without a readable metrics.json the figures still come, without the failover's moments. */
    if (run_read_metrics(p, &r) != 0)
        set_status(p, ST_INPUT);
    if (run_read_series(p, &r) != 0) {
        set_status(p, ST_INPUT);
        run_free(&r);
        return;
    }
    t = run_read_trace(p, &r);
    if (t < 0)
        set_status(p, ST_INPUT);
    for (i = 0; i < r.ng; i++)
        if (r.g[i].n > 0)
            set_status(p, fig_lag(p, &r, &r.g[i], t > 0));
    set_status(p, fig_availability(p, &r));
    if (p->drawn == drawn && p->status != ST_OUTPUT) {
        perr("%s/timeseries.csv: no samples of a broker group to plot", p->dir);
        set_status(p, ST_INPUT);
    }
    run_free(&r);
}