/* sweep_out: a sweep's outputs: results.csv read back (to resume), a row made from a run's metrics.json and
 * added, the file rewritten in grid order; summary.csv with confidence intervals; the summary on stdout. */
#include "sim/lab/sweep_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/buf.h"
#include "sim/lab/csv.h"
#include "sim/lab/numfmt.h"
#include "sim/lab/runner.h"
#include "sim/out.h"
#include "sim/stats.h"

void sweep_results_free(struct sweep_results *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->rows[i].line);
        free(r->rows[i].vals);
    }
    free(r->rows);
    free(r->by_run);
    memset(r, 0, sizeof *r);
}

int sweep_results_init(struct sweep_results *r, const struct sweep *sw)
{
    memset(r, 0, sizeof *r);
    r->by_run = malloc(sw->nruns * sizeof *r->by_run);
    if (!r->by_run)
        return -1;
    for (size_t i = 0; i < sw->nruns; i++)
        r->by_run[i] = -1;
    return 0;
}

void sweep_header(const struct sweep *sw, struct buf *d)
{
    for (size_t k = 0; k < sw->nvars; k++) {
        csv_put_field(d, sw->vars[k].key);
        buf_add(d, ",");
    }
    buf_add(d, "seed,exit");
    for (size_t m = 0; m < sw->nmetrics; m++) {
        buf_add(d, ",");
        csv_put_field(d, sw->metrics[m].name);
    }
}

/* Adds the record f has just read (its fields, its text line) as a row. Returns 0, or -1 with err. */
static int add_row(struct sweep_results *r, const struct sweep *sw, const struct csv *f, char *err, size_t errsz)
{
    size_t want = sw->nvars + 2 + sw->nmetrics, line_len;
    const char *line = csv_record_text(f, &line_len);
    long long seed, ex;
    if ((size_t)f->nf != want) {
        snprintf(err, errsz, "expected %zu fields, got %d", want, f->nf);
        return -1;
    }
    if (runner_parse_int(csv_field(f, (int)sw->nvars), 0, (long long)SWEEP_SEED_MAX, &seed) < 0) {
        snprintf(err, errsz, "seed: expected an integer, got \"%.40s\"", csv_field(f, (int)sw->nvars));
        return -1;
    }
    if (runner_parse_int(csv_field(f, (int)sw->nvars + 1), 0, 255, &ex) < 0) {
        snprintf(err, errsz, "exit: expected 0 to 255, got \"%.40s\"", csv_field(f, (int)sw->nvars + 1));
        return -1;
    }
    double *vals = malloc((sw->nmetrics + 1) * sizeof *vals);
    if (!vals) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    for (size_t m = 0; m < sw->nmetrics; m++) {
        const char *s = csv_field(f, (int)(sw->nvars + 2 + m));
        char *end;
        vals[m] = NAN;
        if (!*s)
            continue;
        vals[m] = strtod(s, &end);
        if (*end || !isfinite(vals[m])) {
            snprintf(err, errsz, "%s: expected a number or nothing, got \"%.40s\"", sw->metrics[m].name, s);
            free(vals);
            return -1;
        }
    }
    long point = 0;
    for (size_t k = 0; k < sw->nvars && point >= 0; k++) {
        size_t j = 0;
        while (j < sw->vars[k].nvals && strcmp(sw->vars[k].text[j], csv_field(f, (int)k)) != 0)
            j++;
        point = j < sw->vars[k].nvals ? point * (long)sw->vars[k].nvals + (long)j : -1;
    }
    long run = -1;
    if (point >= 0 && (uint64_t)seed >= sw->seed_start && (uint64_t)seed - sw->seed_start < sw->seeds)
        run = point * (long)sw->seeds + (long)((uint64_t)seed - sw->seed_start);
    if (run >= 0 && r->by_run[run] >= 0) {
        r->dropped++;   /* a run recorded twice: the first stays */
        r->rewrite = 1;
        free(vals);
        return 0;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct sweep_row *rows = realloc(r->rows, cap * sizeof *rows);
        if (!rows) {
            free(vals);
            snprintf(err, errsz, "out of memory");
            return -1;
        }
        r->rows = rows;
        r->cap = cap;
    }
    struct sweep_row *w = &r->rows[r->n];
    w->line = malloc(line_len + 1);
    if (!w->line) {
        free(vals);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    memcpy(w->line, line, line_len);
    w->line[line_len] = '\0';
    w->point = point;
    w->seed = (uint64_t)seed;
    w->run = run;
    w->order = r->n;
    w->exit = (int)ex;
    w->vals = vals;
    if (run >= 0)
        r->by_run[run] = (long)r->n;
    r->n++;
    return 0;
}

/* Adds a row given as one CSV line (made by sweep_make_row). */
int sweep_add_line(struct sweep_results *r, const struct sweep *sw, const char *line, char *err, size_t errsz)
{
    struct csv f;
    size_t len = strlen(line);
    char *nl = malloc(len + 2);
    int rc = -1;
    if (!nl) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    memcpy(nl, line, len);
    nl[len] = '\n';
    nl[len + 1] = '\0';
    csv_init_mem(&f, nl, len + 1, CSV_STRICT);
    if (csv_next(&f) != 1)
        snprintf(err, errsz, "malformed row \"%.60s\"", line);
    else
        rc = add_row(r, sw, &f, err, errsz);
    csv_close(&f);
    free(nl);
    return rc;
}

/* Reads dir/results.csv if it is there. Returns 0, or -1 with err (exit status 2: the file is not this
 * sweep's, or is damaged before its last line). */
int sweep_results_load(struct sweep_results *r, const struct sweep *sw, const char *dir, char *err, size_t errsz)
{
    char path[OUT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    struct conf cf;
    conf_init(&cf, path);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct buf text = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
        buf_addn(&text, chunk, got);
    int bad = ferror(fp);
    fclose(fp);
    if (bad || text.oom) {
        snprintf(err, errsz, "%s: cannot read: %s", path, bad ? strerror(errno) : "out of memory");
        buf_free(&text);
        return -1;
    }
    r->exists = 1;
    struct csv f;
    struct buf want = {0};
    size_t line = 1, rec_len;
    int rc = 0;
    sweep_header(sw, &want);
    csv_init_mem(&f, text.s, text.len, CSV_STRICT);
    int h = csv_next(&f);
    if (h == CSV_END || h == CSV_CUT) {
        r->rewrite = 1;     /* empty, or a header cut short: nothing to keep */
        goto out;
    }
    const char *htext = csv_record_text(&f, &rec_len);
    if (h < 0 || rec_len != want.len || memcmp(htext, want.s, rec_len) != 0) {
        snprintf(err, errsz, "%s: line 1: the columns are not this sweep's (%.300s): use another --out, or "
                 "remove the file to start again", path, want.s ? want.s : "");
        rc = -1;
        goto out;
    }
    for (;;) {
        line++;
        int k = csv_next(&f);
        if (k == CSV_END)
            break;
        if (k == CSV_CUT) {
            r->rewrite = 1;     /* a line cut short by a crash: dropped, and the run is run again */
            break;
        }
        char e[512];
        if (k < 0) {
            snprintf(err, errsz, "%s: line %zu: malformed CSV", path, line);
            rc = -1;
            break;
        }
        if (add_row(r, sw, &f, e, sizeof e) < 0) {
            snprintf(err, errsz, "%s: line %zu: %.300s", path, line, e);
            rc = -1;
            break;
        }
    }
out:
    csv_close(&f);
    buf_free(&want);
    buf_free(&text);
    return rc;
}

static const struct sweep_row *g_sort_rows;

/* This sweep's grid order, then seed; rows of other grid points after, as they were. */
static int row_cmp(const void *a, const void *b)
{
    const struct sweep_row *x = &g_sort_rows[*(const size_t *)a], *y = &g_sort_rows[*(const size_t *)b];
    int xo = x->point < 0, yo = y->point < 0;
    if (xo != yo)
        return xo - yo;
    if (!xo && x->point != y->point)
        return x->point < y->point ? -1 : 1;
    if (!xo && x->seed != y->seed)
        return x->seed < y->seed ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Writes dir/results.csv atomically, in grid then seed order. */
int sweep_results_write(const struct sweep_results *r, const struct sweep *sw, const char *dir, char *err,
                         size_t errsz)
{
    size_t *idx = malloc((r->n + 1) * sizeof *idx);
    struct out_file o;
    struct buf d = {0};
    if (!idx) {
        snprintf(err, errsz, "%s/results.csv: out of memory", dir);
        return -1;
    }
    for (size_t i = 0; i < r->n; i++)
        idx[i] = i;
    g_sort_rows = r->rows;
    qsort(idx, r->n, sizeof *idx, row_cmp);
    if (out_open(&o, dir, "results.csv", err, errsz) < 0) {
        free(idx);
        return -1;
    }
    sweep_header(sw, &d);
    if (!d.oom)
        fprintf(o.f, "%s\n", d.s);
    for (size_t i = 0; i < r->n; i++)
        fprintf(o.f, "%s\n", r->rows[idx[i]].line);
    free(idx);
    int oom = d.oom;
    buf_free(&d);
    if (oom) {
        out_abort(&o);
        snprintf(err, errsz, "%s/results.csv: out of memory", dir);
        return -1;
    }
    return out_commit(&o, err, errsz);
}

/* summary.csv: a line a grid point, the statistics of each metric over this sweep's seeds. */
int sweep_summary_write(const struct sweep_results *r, const struct sweep *sw, const char *dir, char *err,
                         size_t errsz)
{
    static const char *const stat_cols[] = {"n", "mean", "sd", "ci95_lo", "ci95_hi", "median", "p95"};
    struct out_file o;
    struct buf d = {0};
    double *x = malloc(sw->seeds * sizeof *x);
    if (!x || out_open(&o, dir, "summary.csv", err, errsz) < 0) {
        if (!x)
            snprintf(err, errsz, "%s/summary.csv: out of memory", dir);
        free(x);
        return -1;
    }
    for (size_t k = 0; k < sw->nvars; k++) {
        csv_put_field(&d, sw->vars[k].key);
        buf_add(&d, ",");
    }
    buf_add(&d, "runs,violations");
    for (size_t m = 0; m < sw->nmetrics; m++)
        for (size_t s = 0; s < 7; s++)
            buf_addf(&d, ",%s_%s", sw->metrics[m].name, stat_cols[s]);
    buf_add(&d, "\n");
    for (size_t p = 0; p < sw->npoints && !d.oom; p++) {
        size_t runs = 0, viol = 0;
        for (size_t k = 0; k < sw->nvars; k++) {
            csv_put_field(&d, sw->vars[k].text[sweep_value_index(sw, p, k)]);
            buf_add(&d, ",");
        }
        for (size_t s = 0; s < sw->seeds; s++) {
            long i = r->by_run[p * sw->seeds + s];
            runs += i >= 0;
            viol += i >= 0 && r->rows[i].exit == 1;
        }
        buf_addf(&d, "%zu,%zu", runs, viol);
        for (size_t m = 0; m < sw->nmetrics; m++) {
            size_t n = 0;
            struct stats_summary st;
            for (size_t s = 0; s < sw->seeds; s++) {
                long i = r->by_run[p * sw->seeds + s];
                if (i >= 0)
                    x[n++] = r->rows[i].vals[m];
            }
            if (stats_summarize(x, n, &st) < 0)
                d.oom = 1;
            buf_addf(&d, ",%zu", st.n);
            double v[6] = {st.mean, st.sd, st.ci95_lo, st.ci95_hi, st.median, st.p95};
            for (int k = 0; k < 6; k++) {
                buf_add(&d, ",");
                buf_num(&d, v[k]);
            }
        }
        buf_add(&d, "\n");
        if (!d.oom)
            fwrite(d.s, 1, d.len, o.f);
        buf_reset(&d);
    }
    free(x);
    int oom = d.oom;
    buf_free(&d);
    if (oom) {
        out_abort(&o);
        snprintf(err, errsz, "%s/summary.csv: out of memory", dir);
        return -1;
    }
    return out_commit(&o, err, errsz);
}

/* The CSV line of run `run` from its metrics.json. With check, a metric path that metrics.json does not
 * have is an error (in err, with *bad_metric set to its index); otherwise it reads as empty. */
char *sweep_make_row(const struct sweep *sw, size_t run, int exit_status, const cJSON *root, int check,
                      size_t *bad_metric, char *err, size_t errsz)
{
    struct buf d = {0};
    size_t point = run / sw->seeds;
    for (size_t k = 0; k < sw->nvars; k++) {
        csv_put_field(&d, sw->vars[k].text[sweep_value_index(sw, point, k)]);
        buf_add(&d, ",");
    }
    buf_addf(&d, "%llu,%d", (unsigned long long)(sw->seed_start + run % sw->seeds), exit_status);
    for (size_t m = 0; m < sw->nmetrics; m++) {
        char e[512];
        double v = mexpr_eval(sw->metrics[m].expr, root, check ? e : NULL, sizeof e);
        if (check && e[0]) {
            snprintf(err, errsz, "%s", e);
            *bad_metric = m;
            buf_free(&d);
            return NULL;
        }
        buf_add(&d, ",");
        buf_num(&d, v);
    }
    if (d.oom) {
        snprintf(err, errsz, "out of memory");
        buf_free(&d);
        return NULL;
    }
    return d.s;
}

int sweep_violations_in(const cJSON *root)
{
    const cJSON *inv = cJSON_GetObjectItemCaseSensitive(root, "invariants");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(inv, "violations");
    return cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0;
}

/* Characters on screen: UTF-8 continuation bytes (of "±") take no column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* A few lines on stdout: each grid point's mean and 95% CI half-width of each metric, in aligned columns
 * headed by the last part of each varied key. */
void sweep_print_summary(const struct sweep_run *x)
{
    const struct sweep *sw = &x->sw;
    size_t have = 0;
    for (size_t r = 0; r < sw->nruns; r++)
        have += x->res.by_run[r] >= 0;
    printf("sweep %s: %zu of %zu runs in %s/results.csv (%zu new); summary in %s/summary.csv\n", sw->name,
           have, sw->nruns, x->out, x->new_rows, x->out);
    if (sw->npoints > 200)
        return;
    size_t ncols = sw->nvars + sw->nmetrics, nrows = sw->npoints + 1;
    char **cell = calloc(ncols * nrows, sizeof *cell);
    size_t *w = calloc(ncols, sizeof *w);
    double *v = malloc(sw->seeds * sizeof *v);
    if (!cell || !w || !v)
        goto out;
    for (size_t k = 0; k < sw->nvars; k++) {
        const char *key = sw->vars[k].key, *dot = strrchr(key, '.');
        cell[k] = strdup(dot && dot[1] ? dot + 1 : key);
    }
    for (size_t m = 0; m < sw->nmetrics; m++)
        cell[sw->nvars + m] = strdup(sw->metrics[m].name);
    for (size_t p = 0; p < sw->npoints; p++) {
        char **row = cell + (p + 1) * ncols;
        for (size_t k = 0; k < sw->nvars; k++)
            row[k] = strdup(sw->vars[k].text[sweep_value_index(sw, p, k)]);
        for (size_t m = 0; m < sw->nmetrics; m++) {
            size_t n = 0;
            struct stats_summary st;
            char buf[160];
            for (size_t s = 0; s < sw->seeds; s++) {
                long i = x->res.by_run[p * sw->seeds + s];
                if (i >= 0)
                    v[n++] = x->res.rows[i].vals[m];
            }
            stats_summarize(v, n, &st);
            /* Fixed point with thousands grouped (23,100), never an exponent. */
            int dec = numfmt_decimals(isnan(st.ci95_half) ? st.mean : fmax(fabs(st.mean), fabs(st.ci95_half)));
            char m_s[64], h_s[64];
            numfmt(m_s, sizeof m_s, st.mean, dec);
            if (isnan(st.mean) || isnan(st.ci95_half))
                snprintf(buf, sizeof buf, "%s", m_s);
            else
                snprintf(buf, sizeof buf, "%s ± %s", m_s, numfmt(h_s, sizeof h_s, st.ci95_half, dec));
            row[sw->nvars + m] = strdup(buf);
        }
    }
    for (size_t i = 0; i < ncols * nrows; i++)
        if (!cell[i])
            goto out;
    printf("each metric: the mean over the grid point's seeds %s\n", sw->seeds > 1
           ? "± the half-width of its 95% confidence interval (Student's t)" : "(one seed: no interval)");
    for (size_t i = 0; i < ncols * nrows; i++)
        if (width(cell[i]) > w[i % ncols])
            w[i % ncols] = width(cell[i]);
    for (size_t r = 0; r < nrows; r++) {
        for (size_t k = 0; k < ncols; k++) {
            const char *c = cell[r * ncols + k];
            int pad = (int)(w[k] - width(c));
            if (k < sw->nvars)      /* grid values left, metrics right */
                printf("%s%s%*s", k ? "  " : "", c, pad, "");
            else
                printf("  %*s%s", pad, "", c);
        }
        printf("\n");
    }
out:
    if (cell)
        for (size_t i = 0; i < ncols * nrows; i++)
            free(cell[i]);
    free(cell);
    free(w);
    free(v);
}
