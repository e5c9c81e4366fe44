/* plot: `mqsim plot DIR`. Reads what a run, a compare or a sweep wrote, prepares the small data files the
 * scripts in plots/ read, and runs gnuplot once a figure (it writes the PNG and the SVG). The data files are
 * kept beside the figures so that a user can restyle a figure with gnuplot alone. */
#include "models/cmd/plot.h"
#include "models/cmd/plot_int.h"

#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/out.h"
#include "sim/stats.h"

#ifndef MQSIM_PREFIX
#define MQSIM_PREFIX "/usr/local"
#endif

#define GNUPLOT_LIMIT_S 120    /* a gnuplot that runs longer is killed by SIGALRM (it survives exec) */
#define STDERR_KEEP 8192       /* bytes of gnuplot's stderr passed on */

void set_status(struct plot *p, int st)
{
    if (st > p->status)
        p->status = st;
}

/* One line on stderr, "mqsim: " first. */
void perr(const char *fmt, ...)
{
    va_list ap;
    char line[2048];
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "mqsim: %s\n", line);
}

/* ---- small helpers ---- */

int join(char *buf, size_t size, const char *a, const char *b)
{
    int n = snprintf(buf, size, "%s/%s", a, b);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int in_dir(const struct plot *p, const char *name)
{
    char path[OUT_PATH_MAX];
    return join(path, sizeof path, p->dir, name) == 0 && is_file(path);
}

/* The whole file NUL-terminated, or NULL (errno set). */
char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (!f)
        return NULL;
    do {
        if (cap - len < 65536) {
            char *nb = realloc(buf, cap + 65536 + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = nb;
            cap += 65536;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        free(buf);
        fclose(f);
        errno = EIO;
        return NULL;
    }
    fclose(f);
    if (!buf && !(buf = malloc(1)))
        return NULL;
    buf[len] = '\0';
    return buf;
}

/* A file-name part made of [A-Za-z0-9._-], everything else '_'. */
void safe_name(char *out, size_t size, const char *in)
{
    size_t i;
    for (i = 0; in[i] != '\0' && i + 1 < size; i++) {
        unsigned char ch = (unsigned char)in[i];
        out[i] = (char)(isalnum(ch) || ch == '.' || ch == '-' || ch == '_' ? ch : '_');
    }
    if (i > 0 && out[0] == '.')
        out[0] = '_';
    out[i] = '\0';
    if (i == 0)
        snprintf(out, size, "_");
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* A number in a data file: gnuplot reads NaN as an undefined point (a gap in a line). */
void put_num(FILE *f, double v)
{
    char buf[OUT_NUM_MAX];
    if (out_format_double(buf, v) == 0)
        fputs("NaN", f);
    else
        fputs(buf, f);
}

/* A string in a data file, in double quotes; gnuplot has no escape for a quote there. */
void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++)
        fputc(*s == '"' ? '\'' : (unsigned char)*s < ' ' ? ' ' : *s, f);
    fputc('"', f);
}

double finite_or(double v, double dflt)
{
    return isfinite(v) ? v : dflt;
}

/* ---- gnuplot -e definitions ---- */

/* name='value'; in a gnuplot single-quoted string only ' is special, written ''. */
void gp_str(struct buf *b, const char *name, const char *val)
{
    buf_addf(b, "%s='", name);
    for (; *val; val++) {
        if (*val == '\'')
            buf_add(b, "''");
        else
            buf_addc(b, (unsigned char)*val < ' ' ? ' ' : *val);
    }
    buf_add(b, "';");
}

void gp_num(struct buf *b, const char *name, double v)
{
    if (isnan(v))
        buf_addf(b, "%s=NaN;", name);
    else
        buf_addf(b, "%s=%.17g;", name, isinf(v) ? (v > 0 ? 1e300 : -1e300) : v);
}

/* ---- CSV ---- */

int open_csv(struct csv *c, const char *path)
{
    int r;
    if (csv_open(c, path, CSV_LENIENT) != 0) {
        perr("%s: %s", path, strerror(errno));
        return -1;
    }
    r = csv_read_header(c);
    if (r <= 0) {
        perr("%s: %s", path, r == 0 ? "empty, expected a header row" : "out of memory");
        csv_close(c);
        return -1;
    }
    return 0;
}

/* A field as a number; NaN when it is empty, "null", "NaN" or not a number. */
double parse_num(const char *s)
{
    char *end;
    double v;
    if (!*s || strcasecmp(s, "null") == 0 || strcasecmp(s, "na") == 0)
        return NAN;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0')
        return NAN;
    return v;
}

/* A whole small CSV in memory (compare.csv, summary.csv). */
struct table {
    struct csv c;              /* for the header */
    size_t nrows;
    char **cell;               /* nrows * c.nhdr copies */
};

static void table_free(struct table *t)
{
    size_t i;
    for (i = 0; i < t->nrows * (size_t)t->c.nhdr; i++)
        free(t->cell[i]);
    free(t->cell);
    csv_close(&t->c);
    memset(t, 0, sizeof *t);
}

static int table_load(struct table *t, const char *path)
{
    size_t cap = 0;
    int r, i;

    memset(t, 0, sizeof *t);
    if (open_csv(&t->c, path) != 0)
        return -1;
    while ((r = csv_next(&t->c)) == 1) {
        size_t w = (size_t)t->c.nhdr;
        if (t->nrows == cap) {
            char **nc;
            cap = cap ? cap * 2 : 64;
            nc = realloc(t->cell, cap * w * sizeof *nc);
            if (!nc) {
                r = -1;
                break;
            }
            t->cell = nc;
        }
        for (i = 0; i < t->c.nhdr; i++)
            t->cell[t->nrows * w + (size_t)i] = NULL;
        t->nrows++;
        for (i = 0; i < t->c.nhdr; i++)
            if (!(t->cell[(t->nrows - 1) * w + (size_t)i] = strdup(csv_get(&t->c, i))))
                r = -1;
        if (r < 0)
            break;
    }
    if (r < 0) {
        perr("%s: out of memory", path);
        table_free(t);
        return -1;
    }
    return 0;
}

static const char *table_get(const struct table *t, size_t row, int col)
{
    return col < 0 ? "" : t->cell[row * (size_t)t->c.nhdr + (size_t)col];
}

static double table_num(const struct table *t, size_t row, int col)
{
    return parse_num(table_get(t, row, col));
}

/* ---- gnuplot ---- */

/* The first executable "gnuplot" on PATH. 0, or -1. */
static int find_gnuplot(char *out, size_t size)
{
    const char *path = getenv("PATH");
    const char *s;

    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (s = path; *s;) {
        const char *e = strchr(s, ':');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n > 0 && n + sizeof "/gnuplot" <= size) {
            memcpy(out, s, n);
            memcpy(out + n, "/gnuplot", sizeof "/gnuplot");
            if (is_file(out) && access(out, X_OK) == 0)
                return 0;
        }
        if (!e)
            break;
        s = e + 1;
    }
    return -1;
}

/* The scripts directory: the first candidate holding lag.gp. 0, or -1 with the places looked in printed. */
static int find_scripts(char *out, size_t size)
{
    char cand[5][OUT_PATH_MAX];
    char exe[OUT_PATH_MAX], looked[5 * OUT_PATH_MAX + 16];
    const char *env = getenv("MQSIM_PLOTS");
    int n = 0, i;
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);

    if (env && *env)
        snprintf(cand[n++], OUT_PATH_MAX, "%s", env);
    if (len > 0) {
        char *slash;
        exe[len] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            if (join(cand[n], OUT_PATH_MAX, exe, "plots") == 0)
                n++;
            if (join(cand[n], OUT_PATH_MAX, exe, "../share/mqsim/plots") == 0)
                n++;
        }
    }
    snprintf(cand[n++], OUT_PATH_MAX, "./plots");
    snprintf(cand[n++], OUT_PATH_MAX, "%s/share/mqsim/plots", MQSIM_PREFIX);
    looked[0] = '\0';
    for (i = 0; i < n; i++) {
        char probe[OUT_PATH_MAX];
        if (join(probe, sizeof probe, cand[i], "lag.gp") == 0 && is_file(probe)) {
            snprintf(out, size, "%s", cand[i]);
            return 0;
        }
        strcat(looked, i ? ", " : "");
        strcat(looked, cand[i]);
    }
    perr("the gnuplot scripts of mqsim (plots/*.gp) were not found; looked in %s (set MQSIM_PLOTS to their "
         "directory)", looked);
    return -1;
}

/* Passes on gnuplot's stderr, a line at a time. */
static void pass_on(const char *script, char *text)
{
    char *line, *save = NULL;
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t' || *line == '^')
            line++;
        if (*line)
            perr("gnuplot (%s): %s", script, line);
    }
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (long)st.st_size : -1;
}

/* Runs plots/<script> for figure fig with the definitions in vars (plus png= and svg=, the temporary names
 * the script writes to). On success renames both into place and prints a line. Returns 0 or ST_OUTPUT. */
int run_figure(struct plot *p, const char *script, const char *fig, struct buf *vars, const char *what)
{
    char spath[OUT_PATH_MAX], tmp[2][OUT_PATH_MAX], fin[2][OUT_PATH_MAX];
    static const char *const ext[2] = {"png", "svg"};
    char err[STDERR_KEEP + 1];
    size_t elen = 0;
    int fd[2], status = 0, i, ok;
    pid_t pid;

    if (join(spath, sizeof spath, p->scripts, script) != 0)
        goto too_long;
    for (i = 0; i < 2; i++) {
        int a = snprintf(tmp[i], OUT_PATH_MAX, "%s/.%s.%s.tmp.%ld", p->dir, fig, ext[i], (long)getpid());
        int b = snprintf(fin[i], OUT_PATH_MAX, "%s/%s.%s", p->dir, fig, ext[i]);
        if (a < 0 || a >= OUT_PATH_MAX || b < 0 || b >= OUT_PATH_MAX)
            goto too_long;
        gp_str(vars, ext[i], tmp[i]);
    }
    if (vars->oom) {
        perr("%s/%s: out of memory", p->dir, fig);
        return ST_OUTPUT;
    }
    fflush(stdout);
    fflush(stderr);
    if (pipe(fd) != 0) {
        perr("%s/%s: pipe: %s", p->dir, fig, strerror(errno));
        return ST_OUTPUT;
    }
    pid = fork();
    if (pid < 0) {
        perr("%s/%s: fork: %s", p->dir, fig, strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return ST_OUTPUT;
    }
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
        }
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        if (nul > 2)
            close(nul);
        alarm(GNUPLOT_LIMIT_S);
        execl(p->gnuplot, "gnuplot", "-e", vars->s, spath, (char *)NULL);
        dprintf(2, "cannot run %s: %s\n", p->gnuplot, strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    for (;;) {
        char chunk[1024];
        ssize_t n = read(fd[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (elen < STDERR_KEEP) {
            size_t take = (size_t)n < STDERR_KEEP - elen ? (size_t)n : STDERR_KEEP - elen;
            memcpy(err + elen, chunk, take);
            elen += take;
        }
    }
    close(fd[0]);
    err[elen] = '\0';
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && file_size(tmp[0]) > 0 && file_size(tmp[1]) > 0;
    if (ok)
        for (i = 0; i < 2 && ok; i++)
            if (rename(tmp[i], fin[i]) != 0) {
                perr("%s: %s", fin[i], strerror(errno));
                ok = 0;
            }
    if (!ok) {
        if (elen > 0)
            pass_on(script, err);
        else if (WIFSIGNALED(status))
            perr("gnuplot (%s) was killed by signal %d drawing %s/%s", script, WTERMSIG(status), p->dir, fig);
        else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
            perr("gnuplot (%s) exited with status %d drawing %s/%s", script, WEXITSTATUS(status), p->dir, fig);
        else
            perr("gnuplot (%s) wrote no figure to %s/%s.png", script, p->dir, fig);
        for (i = 0; i < 2; i++)
            unlink(tmp[i]);
        return ST_OUTPUT;
    }
    p->drawn++;
    if (elen > 0 && !p->quiet)
        pass_on(script, err);
    if (!p->quiet)
        printf("%s  %s  %s\n", fin[0], fin[1], what);
    return 0;

too_long:
    perr("%s/%s: path too long", p->dir, fig);
    return ST_OUTPUT;
}

/* Opens DIR/name for an atomic write; prints the error. */
int open_data(struct plot *p, struct out_file *o, const char *name)
{
    char err[OUT_PATH_MAX + 128];
    if (out_open(o, p->dir, name, err, sizeof err) != 0) {
        perr("%s", err);
        return -1;
    }
    return 0;
}

int commit_data(struct out_file *o)
{
    char err[OUT_PATH_MAX + 128];
    if (out_commit(o, err, sizeof err) != 0) {
        perr("%s", err);
        return -1;
    }
    return 0;
}

int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

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
 * recover, the curve held level up to the smallest censored time (beyond it the CDF is not known). A log axis:
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
                 "time (s), 14 group, 15 y and 16 text of the downtime label, 17 y and 18 text of the promotion "
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

static void plot_compare(struct plot *p)
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
        set_status(p, ST_INPUT);
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
        set_status(p, ST_INPUT);
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

static void plot_sweep(struct plot *p)
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
        set_status(p, ST_INPUT);
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
        set_status(p, ST_INPUT);
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
        if (nblocks == 0)
            continue;           /* no grid point has this metric (e.g. no failover in any run) */
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

/* ---- the command ---- */

int plot_dir(const char *dir, int quiet)
{
    struct plot p;
    struct stat st;
    int run, cmp, swp;

    memset(&p, 0, sizeof p);
    p.dir = dir;
    p.quiet = quiet;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        perr("%s: %s", dir, stat(dir, &st) != 0 ? strerror(errno) : "not a directory");
        return ST_INPUT;
    }
    run = in_dir(&p, "timeseries.csv") && in_dir(&p, "metrics.json");
    cmp = in_dir(&p, "compare.csv");
    swp = in_dir(&p, "summary.csv");
    if (!run && !cmp && !swp) {
        perr("%s: nothing to plot (expected timeseries.csv and metrics.json from a run, compare.csv from mqsim "
             "compare or summary.csv from mqsim sweep)", dir);
        return ST_INPUT;
    }
    if (find_gnuplot(p.gnuplot, sizeof p.gnuplot) != 0) {
        fprintf(stderr, "mqsim: gnuplot not found; install it (apt-get install gnuplot-nox) \xe2\x80\x94 the CSV "
                        "files in %s are kept\n", dir);
        return ST_OUTPUT;
    }
    if (find_scripts(p.scripts, sizeof p.scripts) != 0)
        return ST_OUTPUT;
    if (run)
        plot_run(&p);
    if (cmp)
        plot_compare(&p);
    if (swp)
        plot_sweep(&p);
    fflush(stdout);
    return p.status;
}

int cmd_plot(int argc, char **argv)
{
    const char *dir = NULL;
    int quiet = 0, i;

    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            perr("plot: unknown option %s (usage: mqsim plot DIR [--quiet])", argv[i]);
            return ST_INPUT;
        } else if (dir) {
            perr("plot: one directory per call (usage: mqsim plot DIR [--quiet])");
            return ST_INPUT;
        } else {
            dir = argv[i];
        }
    }
    if (!dir) {
        perr("plot: which directory? (usage: mqsim plot DIR [--quiet])");
        return ST_INPUT;
    }
    return plot_dir(dir, quiet);
}
