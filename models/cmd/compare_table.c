/* compare_table: the table mqsim compare prints, a column a scenario: the topic's figures, every group's
 * (downtime with its censored runs apart), the message accounting and the runs that failed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cmd/compare_int.h"
#include "sim/lab/numfmt.h"

#define TCOLS 64
#define CELL 96

/* ---- numbers ---- */

static int decimals(double ref)
{
    return numfmt_decimals(ref);
}

void compare_fmt_num(char *b, size_t n, double v, double ref)
{
    numfmt(b, n, v, decimals(ref));
}

/* "mean ± half" with the decimals of the larger; the mean alone when there is no interval. */
static void fmt_mean_ci(char *b, size_t n, const struct stats_summary *st, double scale, const char *unit)
{
    if (isnan(st->mean)) {
        snprintf(b, n, "-");
        return;
    }
    double m = st->mean / scale, h = st->ci95_half / scale;
    int dec = decimals(isnan(h) ? m : fmax(fabs(m), fabs(h)));
    char a[64], c[64];
    numfmt(a, sizeof a, m, dec);
    if (isnan(h))
        snprintf(b, n, "%s%s", a, unit);
    else
        snprintf(b, n, "%s ± %s%s", a, numfmt(c, sizeof c, h, dec), unit);
}

/* An availability in percent: two decimals, more when two would round a figure below 100% up to "100.00". */
static void fmt_percent(char *b, size_t n, const struct stats_summary *st)
{
    if (isnan(st->mean)) {
        snprintf(b, n, "-");
        return;
    }
    double m = st->mean * 100, h = st->ci95_half * 100;
    int dec = 2;
    while (dec < 5 && m < 100 && m >= 100 - 0.5 * pow(10, -dec))
        dec++;
    if (isnan(h))
        snprintf(b, n, "%.*f%%", dec, m);
    else
        snprintf(b, n, "%.*f ± %.*f%%", dec, m, dec, h);
}

void compare_fmt_downtime(char *b, size_t n, const struct cdown *d)
{
    if (d->failovers == 0) {
        snprintf(b, n, "-");
    } else if (d->recovered == 0) {
        char x[48];
        compare_fmt_num(x, sizeof x, d->censored_min / 1000, d->censored_min / 1000);
        if (isnan(d->censored_min))
            snprintf(b, n, "%zu censored", d->censored);
        else
            snprintf(b, n, "> %s s (%zu censored)", x, d->censored);
    } else {
        fmt_mean_ci(b, n, &d->st, 1000, "");
    }
}

void compare_fmt_censored(char *b, size_t n, const struct cdown *d)
{
    char x[48];
    compare_fmt_num(x, sizeof x, d->censored_min / 1000, d->censored_min / 1000);
    if (d->failovers == 0)
        snprintf(b, n, "-");
    else if (d->censored == 0 || isnan(d->censored_min))
        snprintf(b, n, "%zu", d->censored);
    else
        snprintf(b, n, "%zu (> %s s)", d->censored, x);
}

/* ---- the grid ---- */

struct table {
    size_t ncols, nrows, cap;
    char **cells;   /* nrows * ncols */
};

static void t_add(struct table *t, const char *const *row)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        char **c = realloc(t->cells, cap * t->ncols * sizeof *c);
        if (!c)
            return;
        t->cells = c;
        t->cap = cap;
    }
    for (size_t k = 0; k < t->ncols; k++)
        t->cells[t->nrows * t->ncols + k] = strdup(row[k] ? row[k] : "");
    t->nrows++;
}

/* Characters on screen: UTF-8 continuation bytes (of "±") take no column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void t_print(const struct table *t, FILE *f)
{
    size_t *w = calloc(t->ncols, sizeof *w);
    if (!w)
        return;
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t k = 0; k < t->ncols; k++) {
            size_t x = width(t->cells[r * t->ncols + k]);
            if (x > w[k])
                w[k] = x;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t k = 0; k < t->ncols; k++) {
            const char *cell = t->cells[r * t->ncols + k];
            size_t pad = w[k] - width(cell);
            if (k < 2)
                fprintf(f, "%s%*s%s", cell ? cell : "", (int)pad, "", k == 0 ? "  " : "");
            else
                fprintf(f, "  %*s%s", (int)pad, "", cell ? cell : "");
        }
        fputc('\n', f);
    }
    free(w);
}

static void t_free(struct table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
}

/* ---- rows ---- */

/* How a row's cells are made from the summary of its metric. */
enum { K_SECONDS, K_MS, K_PERCENT, K_MEAN_MAX, K_MEDIAN, K_P95, K_MAX };

struct rowdef {
    const char *group;      /* NULL: a figure of the whole run */
    int m;                  /* CR_ or CG_ index */
    int kind;
    int of_failovers;       /* a group's failover time: " (n of m)" when some failovers lack it */
    int flag;               /* 1 + the CR_ or CG_ index saying in which runs the figure is censored; 0: none */
    const char *flag_word;  /* " (k runs <flag_word>: lower bound)" when k runs are */
};

/* An outage still open at the end of a run: its total there counts it up to the end, a lower bound. */
#define OPEN "open at the end"

static void cell(char *b, size_t n, const struct compare *c, size_t s, const struct rowdef *d)
{
    struct stats_summary st;
    compare_summary(c, s, d->group, d->m, &st);
    switch (d->kind) {
    case K_SECONDS: fmt_mean_ci(b, n, &st, 1000, ""); break;
    case K_MS: fmt_mean_ci(b, n, &st, 1, ""); break;
    case K_PERCENT: fmt_percent(b, n, &st); break;
    case K_MEDIAN: compare_fmt_num(b, n, st.median / 1000, st.median / 1000); break;
    case K_P95: compare_fmt_num(b, n, st.p95 / 1000, st.p95 / 1000); break;
    case K_MAX: compare_fmt_num(b, n, st.max / 1000, st.max / 1000); break;
    default: {
        char mean[48], max[48];
        compare_fmt_num(mean, sizeof mean, st.mean, st.mean == 0 ? 1 : st.mean);
        numfmt(max, sizeof max, st.max, 0);
        if (isnan(st.mean))
            snprintf(b, n, "-");
        else
            snprintf(b, n, "%.40s / %.40s", mean, max);
    }
    }
    if (d->of_failovers && st.n > 0) {
        struct cdown dn;
        compare_downtime(c, s, d->group, &dn);
        size_t len = strlen(b);
        if (st.n < dn.failovers && len < n)
            snprintf(b + len, n - len, " (%zu of %zu)", st.n, dn.failovers);
    }
    size_t k = d->flag && st.n > 0 ? compare_count_flagged(c, s, d->group, d->flag - 1) : 0;
    size_t len = strlen(b);
    if (k && len < n)   /* the figure of those runs is a lower bound: the mean is one too */
        snprintf(b + len, n - len, " (%zu run%s %s: lower bound)", k, k == 1 ? "" : "s", d->flag_word);
}

static void stat_row(struct table *t, const struct compare *c, const char *l0, const char *l1,
                     const struct rowdef *d)
{
    const char *row[TCOLS];
    char buf[TCOLS][CELL];
    row[0] = l0;
    row[1] = l1;
    for (size_t s = 0; s < c->nsc; s++) {
        cell(buf[s], CELL, c, s, d);
        row[2 + s] = buf[s];
    }
    t_add(t, row);
}

enum { D_MEAN, D_RECOVERED, D_CENSORED };

static void downtime_row(struct table *t, const struct compare *c, const char *group, const char *l0,
                         const char *l1, int which)
{
    const char *row[TCOLS];
    char buf[TCOLS][CELL];
    row[0] = l0;
    row[1] = l1;
    for (size_t s = 0; s < c->nsc; s++) {
        struct cdown d;
        compare_downtime(c, s, group, &d);
        if (which == D_MEAN)
            compare_fmt_downtime(buf[s], CELL, &d);
        else if (which == D_CENSORED)
            compare_fmt_censored(buf[s], CELL, &d);
        else if (d.failovers == 0)
            snprintf(buf[s], CELL, "-");
        else
            snprintf(buf[s], CELL, "%zu", d.recovered);
        row[2 + s] = buf[s];
    }
    t_add(t, row);
}

static void count_row(struct table *t, const struct compare *c, const char *l0, const char *l1, int which)
{
    const char *row[TCOLS];
    char buf[TCOLS][32];
    row[0] = l0;
    row[1] = l1;
    for (size_t s = 0; s < c->nsc; s++) {
        struct ccounts k;
        compare_count(c, s, &k);
        size_t v = which == 0 ? k.with_metrics : which == 1 ? k.no_failover : which == 2 ? k.violations
                 : k.failed - k.violations;
        snprintf(buf[s], sizeof buf[s], "%zu", v);
        row[2 + s] = buf[s];
    }
    t_add(t, row);
}

static void group_rows(struct table *t, const struct compare *c, size_t g)
{
    const char *name = c->groups.name[g];
    char l[7][300];
    static const char *const what[7] = {"downtime (s)", "detection (s)", "election (s)", "promotion (s)",
                                        "write outage (s)", "read outage (s)", "availability"};
    for (int k = 0; k < 7; k++)
        snprintf(l[k], sizeof l[k], "%s %s", name, what[k]);
    if (c->groups.failover[g]) {
        downtime_row(t, c, name, l[0], "recovered runs", D_RECOVERED);
        downtime_row(t, c, name, "", "mean ± 95% CI", D_MEAN);
        stat_row(t, c, "", "median", &(struct rowdef){name, CG_DOWNTIME, K_MEDIAN, 0, 0, NULL});
        stat_row(t, c, "", "p95", &(struct rowdef){name, CG_DOWNTIME, K_P95, 0, 0, NULL});
        stat_row(t, c, "", "max", &(struct rowdef){name, CG_DOWNTIME, K_MAX, 0, 0, NULL});
        downtime_row(t, c, name, "", "censored runs", D_CENSORED);
        stat_row(t, c, l[1], "mean ± 95% CI", &(struct rowdef){name, CG_DETECTION, K_SECONDS, 1, 0, NULL});
        stat_row(t, c, l[2], "mean ± 95% CI", &(struct rowdef){name, CG_ELECTION, K_SECONDS, 1, 0, NULL});
        stat_row(t, c, l[3], "mean ± 95% CI", &(struct rowdef){name, CG_PROMOTION, K_SECONDS, 1, 0, NULL});
    }
    stat_row(t, c, l[4], "mean ± 95% CI", &(struct rowdef){name, CG_WRITE_UNAVAIL, K_SECONDS, 0, 1 + CG_WRITE_OPEN, OPEN});
    stat_row(t, c, l[5], "mean ± 95% CI", &(struct rowdef){name, CG_READ_UNAVAIL, K_SECONDS, 0, 1 + CG_READ_OPEN, OPEN});
    stat_row(t, c, l[6], "mean ± 95% CI", &(struct rowdef){name, CG_AVAIL, K_PERCENT, 0, 0, NULL});
    snprintf(l[0], sizeof l[0], "%s p99 latency (ms)", name);
    stat_row(t, c, l[0], "mean ± 95% CI", &(struct rowdef){name, CG_P99, K_MS, 0, 0, NULL});
}

void compare_print_table(const struct compare *c, FILE *f)
{
    struct table t = {.ncols = 2 + c->nsc};
    const char *row[TCOLS];
    row[0] = "";
    row[1] = "";
    for (size_t s = 0; s < c->nsc; s++)
        row[2 + s] = c->names[s];
    t_add(&t, row);
    count_row(&t, c, "runs", "with metrics", 0);
    stat_row(&t, c, "topic availability", "mean ± 95% CI", &(struct rowdef){NULL, CR_AVAIL, K_PERCENT, 0, 0, NULL});
    stat_row(&t, c, "topic write outage (s)", "mean ± 95% CI",
             &(struct rowdef){NULL, CR_WRITE_UNAVAIL, K_SECONDS, 0, 1 + CR_WRITE_OPEN, OPEN});
    stat_row(&t, c, "topic read outage (s)", "mean ± 95% CI",
             &(struct rowdef){NULL, CR_READ_UNAVAIL, K_SECONDS, 0, 1 + CR_READ_OPEN, OPEN});
    stat_row(&t, c, "topic p99 latency (ms)", "mean ± 95% CI", &(struct rowdef){NULL, CR_P99, K_MS, 0, 0, NULL});
    for (size_t g = 0; g < c->groups.n; g++)
        group_rows(&t, c, g);
    stat_row(&t, c, "acked lost", "mean / max",
             &(struct rowdef){NULL, CR_ACKED_LOST, K_MEAN_MAX, 0, 1 + CR_LOST_CENSORED, "censored"});
    stat_row(&t, c, "duplicates", "mean / max", &(struct rowdef){NULL, CR_DUPLICATES, K_MEAN_MAX, 0, 0, NULL});
    count_row(&t, c, "no failover", "runs", 1);
    count_row(&t, c, "invariant violated", "runs (exit 1)", 2);
    int failed = 0;
    for (size_t s = 0; s < c->nsc; s++) {
        struct ccounts k;
        compare_count(c, s, &k);
        failed |= k.failed > k.violations;
    }
    if (failed)
        count_row(&t, c, "failed", "runs (no metrics)", 3);
    fprintf(f, "compare: %zu run%s a scenario, seeds %llu..%llu\n", c->runs, c->runs == 1 ? "" : "s",
            (unsigned long long)c->seed_start, (unsigned long long)(c->seed_start + c->runs - 1));
    t_print(&t, f);
    t_free(&t);
}
