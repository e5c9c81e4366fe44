/* plot_util: what the figures of `mqsim plot` share: messages, file and number helpers, gnuplot definitions,
 * CSV tables, and running gnuplot for a figure. */
#include "models/cmd/plot_int.h"

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

#include "sim/conf.h"
#include "sim/out.h"

#define GNUPLOT_LIMIT_S 120    /* a gnuplot that runs longer is killed by SIGALRM (it survives exec) */
#define STDERR_KEEP 8192       /* bytes of gnuplot's stderr passed on */

void set_status(struct plot *p, int st)
{
    if (st > p->status)
        p->status = st;
}

void plot_bail(struct plot *p)
{
    set_status(p, ST_INPUT);
    p->bailed = 1;
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

/* The whole file NUL-terminated, or NULL (errno set). */
cJSON *json_load(const char *path)
{
    struct conf c;
    conf_init(&c, path);
    cJSON *root = conf_load_file(&c, path);
    if (!root)
        perr("%s", c.err);
    return root;
}

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

int ends_with(const char *s, const char *suffix)
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

void table_free(struct table *t)
{
    size_t i;
    for (i = 0; i < t->nrows * (size_t)t->c.nhdr; i++)
        free(t->cell[i]);
    free(t->cell);
    csv_close(&t->c);
    memset(t, 0, sizeof *t);
}

int table_load(struct table *t, const char *path)
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

const char *table_get(const struct table *t, size_t row, int col)
{
    return col < 0 ? "" : t->cell[row * (size_t)t->c.nhdr + (size_t)col];
}

double table_num(const struct table *t, size_t row, int col)
{
    return parse_num(table_get(t, row, col));
}

/* ---- gnuplot ---- */

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

/* ---- timeseries.csv in long form ---- */

int table_is_long(const struct table *t)
{
    return csv_col(&t->c, "metric") >= 0 && csv_col(&t->c, "value") >= 0 && csv_col(&t->c, "t_ms") >= 0;
}

/* The column of name in hdr[0..*n), added at the end when new. -1 when there is no room or no memory. */
static int wide_col(char **hdr, int *n, int max, const char *name)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(hdr[i], name) == 0)
            return i;
    if (*n == max || !(hdr[*n] = strdup(name)))
        return -1;
    return (*n)++;
}

int table_widen(struct table *t)
{
    enum { MAX_COLS = 512 };
    int ct = csv_col(&t->c, "t_ms"), cg = csv_col(&t->c, "group"), cm = csv_col(&t->c, "metric"),
        cv = csv_col(&t->c, "value"), nh = 0, w;
    char **hdr = calloc(MAX_COLS, sizeof *hdr), **cell = NULL;
    size_t nrows = 0, cap = 0, r;
    int rc = -1;

    if (!hdr)
        return -1;
    /* The header first, so that every row has its width: the label, the time, each metric in order. */
    if ((cg >= 0 && wide_col(hdr, &nh, MAX_COLS, "group") < 0) || wide_col(hdr, &nh, MAX_COLS, "t_ms") < 0)
        goto out;
    for (r = 0; r < t->nrows; r++)
        if (wide_col(hdr, &nh, MAX_COLS, table_get(t, r, cm)) < 0)
            goto out;
    w = nh;
    for (r = 0; r < t->nrows; r++) {
        const char *tm = table_get(t, r, ct), *g = table_get(t, r, cg);
        char **row = nrows ? cell + (nrows - 1) * (size_t)w : NULL;
        int k;
        /* A new wide row where the time or the label changes: the long rows of one sample come together. */
        if (!row || strcmp(row[cg >= 0 ? 1 : 0], tm) != 0 || (cg >= 0 && strcmp(row[0], g) != 0)) {
            if (nrows == cap) {
                char **nc;
                cap = cap ? 2 * cap : 256;
                if (!(nc = realloc(cell, cap * (size_t)w * sizeof *nc)))
                    goto out;
                cell = nc;
            }
            row = cell + nrows++ * (size_t)w;
            for (k = 0; k < w; k++)
                row[k] = NULL;
            for (k = 0; k < w; k++)
                if (!(row[k] = strdup(k == 0 && cg >= 0 ? g : k == (cg >= 0) ? tm : "")))
                    goto out;
        }
        k = wide_col(hdr, &nh, MAX_COLS, table_get(t, r, cm));
        free(row[k]);
        if (!(row[k] = strdup(table_get(t, r, cv))))
            goto out;
    }
    for (r = 0; r < t->nrows * (size_t)t->c.nhdr; r++)
        free(t->cell[r]);
    free(t->cell);
    for (int i = 0; i < t->c.nhdr; i++)
        free(t->c.hdr[i]);
    free(t->c.hdr);
    t->c.hdr = hdr;
    t->c.nhdr = nh;
    t->cell = cell;
    t->nrows = nrows;
    return 0;
out:
    for (r = 0; r < nrows * (size_t)nh; r++)
        free(cell[r]);
    free(cell);
    for (int i = 0; i < nh; i++)
        free(hdr[i]);
    free(hdr);
    return rc;
}

void drop_figure(struct plot *p, const char *fig)
{
    static const char *const ext[] = {".svg", ".png"};
    char path[OUT_PATH_MAX], name[OUT_PATH_MAX];
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "%s%s", fig, ext[i]);
        if (join(path, sizeof path, p->dir, name) == 0 && unlink(path) != 0 && errno != ENOENT)
            perr("%s: %s", path, strerror(errno));
    }
}
