/* plot_run: a run's output folder read for its figures (metrics.json; timeseries.csv, whose every sample has the
 * topic's row, group "*", then one row a broker group; trace.jsonl's redirects), the failover marks the figures
 * share, and the run part of `mqsim plot`: every figure that fits. */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "models/cmd/plot_run.h"
#include "sim/out.h"

static const char *const run_cols[RC_NFIX] = {
    "t_ms", "master_max_offset", "backlog_msgs", "reads_master", "reads_slave", "redirect_threshold_bytes",
    "sends", "acked", "failed", "latency_p50_ms", "latency_p99_ms", "redirects_to_slave", "redirects_to_master",
};

/* What each mark is called: after a manual promotion (an operator alerted, then promoting the slave) and after
 * an election (DLedger). */
static const char *const mk_manual[MK_N + 1] = {"master crash", "detected (operator alert)", "promoted",
                                                "first write acknowledged", "not recovered"};
static const char *const mk_elected[MK_N + 1] = {"master crash", "detected (a follower became candidate)",
                                                 "elected", "first write acknowledged", "not recovered"};

static void group_init(struct rgroup *g, const char *name, const char *safe)
{
    int k;
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", name);
    safe_name(g->safe, sizeof g->safe, safe);
    for (k = 0; k < MK_N; k++)
        g->fo[k] = NAN;
    g->downtime_ms = NAN;
    g->censored_ms = NAN;
    g->recovered = -1;
}

/* The group called name, added at the end when new; the topic for "*". NULL when out of memory. */
static struct rgroup *run_group(struct run *r, const char *name)
{
    int i;
    struct rgroup *ng;
    if (strcmp(name, "*") == 0)
        return &r->topic;
    for (i = 0; i < r->ng; i++)
        if (strcmp(r->g[i].name, name) == 0)
            return &r->g[i];
    ng = realloc(r->g, (size_t)(r->ng + 1) * sizeof *ng);
    if (!ng)
        return NULL;
    r->g = ng;
    ng = &r->g[r->ng++];
    group_init(ng, name, name);
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
    free(r->topic.v);
    free(r->topic.mk);
    memset(r, 0, sizeof *r);
}

static double json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void json_str(const cJSON *o, const char *key, char *buf, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(v))
        snprintf(buf, size, "%s", v->valuestring);
}

/* A group's failover object. */
static void read_failover(const struct run *r, struct rgroup *rg, const cJSON *fo)
{
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(fo, "recovered");
    double elected = json_num(fo, "elected_ms"), promoted = json_num(fo, "promoted_ms");

    rg->failover = 1;
    rg->fo[MK_CRASH] = json_num(fo, "crash_ms");
    rg->fo[MK_DETECTED] = json_num(fo, "detected_ms");
    /* The new master: DLedger's first leader of a later term, or the operator's promotion (either key may be
     * missing or null in the other kind of run). */
    rg->fo[MK_NEW_MASTER] = r->elected ? (isfinite(elected) ? elected : promoted)
                                       : (isfinite(promoted) ? promoted : elected);
    rg->fo[MK_FIRST_WRITE] = json_num(fo, "first_write_ms");
    rg->downtime_ms = json_num(fo, "downtime_ms");
    rg->censored_ms = json_num(fo, "censored_ms");
    rg->recovered = cJSON_IsBool(rec) ? cJSON_IsTrue(rec) : -1;
    json_str(fo, "new_master", rg->new_master, sizeof rg->new_master);
    json_str(fo, "crash_kind", rg->crash_kind, sizeof rg->crash_kind);
}

/* metrics.json: scenario, seed, ha, the end of the run, the topic's figures, the groups in order and their
 * failovers. 0, or -1 (printed). */
static int run_read_metrics(struct plot *p, struct run *r)
{
    char path[OUT_PATH_MAX], ha[32] = "";
    cJSON *root, *g;
    const cJSON *topic, *lat;
    int rc = 0;

    if (join(path, sizeof path, p->dir, "metrics.json") != 0) {
        perr("%s/metrics.json: path too long", p->dir);
        return -1;
    }
    if (!(root = json_load(path)))
        return -1;
    json_str(root, "scenario", r->scenario, sizeof r->scenario);
    json_str(root, "ha", ha, sizeof ha);
    r->elected = ha[0] && strcmp(ha, "master_slave") != 0;
    r->seed = json_num(root, "seed");
    r->end_ms = json_num(root, "sim_ms");
    topic = cJSON_GetObjectItemCaseSensitive(root, "topic");
    lat = cJSON_GetObjectItemCaseSensitive(topic, "latency_ms");
    r->availability = json_num(topic, "availability");
    r->lat_p50 = json_num(lat, "p50");
    r->lat_p99 = json_num(lat, "p99");
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(root, "groups")) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "name");
        const cJSON *fo = cJSON_GetObjectItemCaseSensitive(g, "failover");
        struct rgroup *rg;
        if (!cJSON_IsString(name) || strcmp(name->valuestring, "*") == 0)
            continue;
        if (!(rg = run_group(r, name->valuestring))) {
            rc = -1;
            perr("%s: out of memory", path);
            break;
        }
        if (cJSON_IsObject(fo))
            read_failover(r, rg, fo);
    }
    cJSON_Delete(root);
    return rc;
}

/* timeseries.csv's rows as they are read: streamed from the file in wide form (the default), or, for the long
 * form (run.timeseries "long"), from the whole file made wide in memory. */
struct series_src {
    struct csv c;              /* the file, streamed; or the widened table's header */
    struct table t;
    int table;                 /* rows come from t */
    size_t row;                /* the next row of t */
};

static int src_open(struct series_src *s, const char *path)
{
    memset(s, 0, sizeof *s);
    if (open_csv(&s->c, path) != 0)
        return -1;
    if (csv_col(&s->c, "metric") < 0 || csv_col(&s->c, "value") < 0)
        return 0;
    csv_close(&s->c);
    if (table_load(&s->t, path) != 0)
        return -1;
    if (table_widen(&s->t) != 0) {
        perr("%s: out of memory", path);
        table_free(&s->t);
        return -1;
    }
    s->table = 1;
    return 0;
}

static const struct csv *src_hdr(const struct series_src *s)
{
    return s->table ? &s->t.c : &s->c;
}

/* 1 when there is a row, 0 at the end, -1 on a problem. */
static int src_next(struct series_src *s)
{
    if (!s->table)
        return csv_next(&s->c);
    return s->row < s->t.nrows ? (s->row++, 1) : 0;
}

static const char *src_get(struct series_src *s, int col)
{
    return s->table ? table_get(&s->t, s->row - 1, col) : csv_get(&s->c, col);
}

static void src_close(struct series_src *s)
{
    if (s->table)
        table_free(&s->t);
    else
        csv_close(&s->c);
}

/* timeseries.csv (either form) into the topic's rows and each group's. 0, or -1 (printed). */
static int run_read_series(struct plot *p, struct run *r)
{
    char path[OUT_PATH_MAX];
    struct series_src src;
    const struct csv *c;
    int gcol, i, k, rd;

    if (join(path, sizeof path, p->dir, "timeseries.csv") != 0 || src_open(&src, path) != 0)
        return -1;
    c = src_hdr(&src);
    gcol = csv_col(c, "group");
    for (i = 0; i < RC_NFIX; i++)
        r->col[i] = csv_col(c, run_cols[i]);
    if (r->col[RC_FAIL] < 0)
        r->col[RC_FAIL] = csv_col(c, "send_failed");     /* its name before mqsim 0.3 */
    if (r->col[RC_T] < 0 || gcol < 0) {
        perr("%s: no %s column: not the time series of a broker run", path, gcol < 0 ? "\"group\"" : "\"t_ms\"");
        src_close(&src);
        return -1;
    }
    for (k = 1; k <= 16; k++) {
        char name[64];
        snprintf(name, sizeof name, "slave%d_lag_bytes", k);
        r->slave_col[k - 1][0] = csv_col(c, name);
        snprintf(name, sizeof name, "slave%d_lag_msgs", k);
        r->slave_col[k - 1][1] = csv_col(c, name);
        if (r->slave_col[k - 1][0] < 0 && r->slave_col[k - 1][1] < 0)
            break;
        r->nslaves = k;
    }
    r->w = RC_NFIX + 2 * r->nslaves;
    while ((rd = src_next(&src)) == 1) {
        struct rgroup *g = run_group(r, src_get(&src, gcol));
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
            row[i] = r->col[i] < 0 ? NAN : parse_num(src_get(&src, r->col[i]));
        for (k = 0; k < r->nslaves; k++) {
            row[RC_NFIX + 2 * k] = parse_num(src_get(&src, r->slave_col[k][0]));
            row[RC_NFIX + 2 * k + 1] = parse_num(src_get(&src, r->slave_col[k][1]));
        }
        if (isnan(row[RC_T]))
            continue;           /* a row without a time is no sample */
        g->n++;
    }
    src_close(&src);
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

double run_interval_s(const struct run *r, const struct rgroup *g, size_t i)
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

double run_per_s(double count, double dt)
{
    return isfinite(count) && dt > 0 ? count / dt : NAN;
}

void run_title(const struct run *r, char *buf, size_t size)
{
    if (r->scenario[0] && isfinite(r->seed))
        snprintf(buf, size, "%s, seed %.0f", r->scenario, r->seed);
    else
        snprintf(buf, size, "%s", r->scenario[0] ? r->scenario : "run");
}

int run_in_outage(const struct rgroup *g, double a, double b)
{
    double crash = g->fo[MK_CRASH], back = g->fo[MK_FIRST_WRITE];
    if (!isfinite(crash))
        return 0;
    if (!isfinite(back))
        back = INFINITY;        /* no write acknowledged after the crash: down to the end of the run */
    return b > crash && a < back;
}

/* The end of g's outage when it never recovered: the crash plus censored_ms, else the end of the run. */
static double unrecovered_end(const struct run *r, const struct rgroup *g)
{
    double crash = g->fo[MK_CRASH];
    if (!isfinite(crash) || isfinite(g->fo[MK_FIRST_WRITE]) || g->recovered == 1)
        return NAN;
    return isfinite(g->censored_ms) ? crash + g->censored_ms : r->end_ms;
}

int run_write_marks(struct plot *p, const struct run *r, const char *name, char keys[MK_N][1024], int *unrecovered)
{
    const char *const *words = r->elected ? mk_elected : mk_manual;
    struct out_file o = {0};
    int gi, k, n = 0, rows = 0;

    for (k = 0; k < MK_N; k++)
        keys[k][0] = '\0';
    *unrecovered = 0;
    if (open_data(p, &o, name) != 0)
        return -1;
    fprintf(o.f, "# %s: failover marks: t_s kind group label (kind 0 master crash, 1 detected, 2 %s, 3 first "
                 "acknowledged write, 4 the end of a run without one; group 0-based)\n",
            r->scenario, words[MK_NEW_MASTER]);
    for (gi = 0; gi < r->ng; gi++) {
        const struct rgroup *g = &r->g[gi];
        const char *who = r->ng > 1 ? g->name : "", *sp = r->ng > 1 ? " " : "";
        for (k = 0; k <= MK_N; k++) {
            char one[640];
            double t = k < MK_N ? g->fo[k] : unrecovered_end(r, g);
            if (!isfinite(t))
                continue;
            put_num(o.f, t / 1000.0);
            fprintf(o.f, " %d %d ", k, gi);
            put_str(o.f, words[k]);
            fputc('\n', o.f);
            rows++;
            if (k < MK_N)
                n++;
            else
                (*unrecovered)++;
            if (k == MK_CRASH && g->crash_kind[0])
                snprintf(one, sizeof one, "%s%s%.1f s (%s)", who, sp, t / 1000.0, g->crash_kind);
            else if (k == MK_NEW_MASTER && g->new_master[0])
                snprintf(one, sizeof one, "%s%s%.1f s (%s)", who, sp, t / 1000.0, g->new_master);
            else if (k == MK_FIRST_WRITE && isfinite(g->downtime_ms))
                snprintf(one, sizeof one, "%s%s%.1f s (downtime %.1f s)", who, sp, t / 1000.0,
                         g->downtime_ms / 1000.0);
            else if (k == MK_N)
                snprintf(one, sizeof one, "%s%snone by the end of the run (down for %.1f s or more)", who, sp,
                         (t - g->fo[MK_CRASH]) / 1000.0);
            else
                snprintf(one, sizeof one, "%s%s%.1f s", who, sp, t / 1000.0);
            {
                char *key = keys[k < MK_N ? k : MK_FIRST_WRITE];
                if (strlen(key) + strlen(one) + 64 < 1024) {
                    if (!key[0])
                        snprintf(key, 1024, "%s: %s", words[k < MK_N ? k : MK_FIRST_WRITE], one);
                    else
                        strcat(strcat(key, ", "), one);
                }
            }
        }
    }
    if (rows == 0)
        fputs("NaN 0 0 \"\"\n", o.f);     /* gnuplot warns about a data file without a row */
    if (commit_data(&o) != 0)
        return -1;
    return n;
}

/* A time series from before the topic had rows of its own (mqsim 0.2): the topic's rows are the sums of the
 * groups' at each sample point (sends that found no route are then missing, as they were not counted).
 * 0, or -1 out of memory. */
static int sum_topic(struct run *r)
{
    static const int summed[] = {RC_BACKLOG, RC_RM, RC_RS, RC_SENDS, RC_ACK, RC_FAIL};
    struct rgroup *t = &r->topic;
    size_t w = (size_t)r->w, i, n = 0;
    int gi, k;

    for (gi = 0; gi < r->ng; gi++)
        n = r->g[gi].n > n ? r->g[gi].n : n;
    if (t->n > 0 || n == 0)
        return 0;
    if (!(t->v = malloc(n * w * sizeof *t->v)))
        return -1;
    t->cap = n;
    for (i = 0; i < n; i++) {
        double *row = t->v + t->n * w;
        int have = 0;
        for (k = 0; k < (int)w; k++)
            row[k] = NAN;
        for (gi = 0; gi < r->ng; gi++) {
            const struct rgroup *g = &r->g[gi];
            const double *gr = i < g->n ? g->v + i * w : NULL;
            if (!gr || (have && gr[RC_T] != row[RC_T]))
                continue;       /* groups sampled at other times are left out */
            row[RC_T] = gr[RC_T];
            have = 1;
            for (k = 0; k < (int)(sizeof summed / sizeof summed[0]); k++)
                if (isfinite(gr[summed[k]]))
                    row[summed[k]] = finite_or(row[summed[k]], 0) + gr[summed[k]];
        }
        t->n++;
    }
    return 0;
}

void plot_run(struct plot *p)
{
    struct run r;
    int i, t, drawn = p->drawn;

    memset(&r, 0, sizeof r);
    r.seed = r.end_ms = r.availability = r.lat_p50 = r.lat_p99 = NAN;
    group_init(&r.topic, "*", "topic");
    /* Bad input draws nothing: its one line, and the folder as it was. */
    if (run_read_metrics(p, &r) != 0 || run_read_series(p, &r) != 0) {
        plot_bail(p);
        run_free(&r);
        return;
    }
    if (sum_topic(&r) != 0) {
        perr("%s/timeseries.csv: out of memory", p->dir);
        set_status(p, ST_OUTPUT);
        run_free(&r);
        return;
    }
    {
        double last = r.topic.n > 0 ? r.topic.v[(r.topic.n - 1) * (size_t)r.w + RC_T] : 0;
        for (i = 0; i < r.ng; i++)
            if (r.g[i].n > 0)
                last = fmax(last, r.g[i].v[(r.g[i].n - 1) * (size_t)r.w + RC_T]);
        r.end_ms = isfinite(r.end_ms) ? fmax(r.end_ms, last) : last;
    }
    t = run_read_trace(p, &r);
    if (t < 0) {
        plot_bail(p);
        run_free(&r);
        return;
    }
    for (i = 0; i < r.ng; i++)
        if (r.g[i].n > 0)
            set_status(p, fig_lag(p, &r, &r.g[i], t > 0));
    set_status(p, fig_availability(p, &r));
    set_status(p, fig_latency(p, &r));
    if (p->drawn == drawn && p->status != ST_OUTPUT) {
        perr("%s/timeseries.csv: no samples of a broker group to plot", p->dir);
        plot_bail(p);
    }
    run_free(&r);
}
