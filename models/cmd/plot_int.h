/* plot_int: what the files of `mqsim plot` share: the state of one call, file and CSV helpers, running gnuplot. */
#ifndef MODELS_PLOT_INT_H
#define MODELS_PLOT_INT_H

#include <stddef.h>
#include <stdio.h>

#include "sim/buf.h"
#include "sim/lab/csv.h"
#include "sim/out.h"

#define ST_INPUT 2             /* exit status: bad or missing input */
#define ST_OUTPUT 3            /* exit status: output not written (gnuplot missing or failing, disk) */
#define MIB 1048576.0

struct plot {
    const char *dir;
    int quiet;
    char gnuplot[OUT_PATH_MAX];
    char scripts[OUT_PATH_MAX];
    int status;                /* the worst exit status so far */
    int drawn;                 /* figures written */
    int bailed;                /* an input could not be read or held nothing to draw: nothing more is drawn,
                                  and no index.html */
};

/* Keeps the worst exit status seen. */
void set_status(struct plot *p, int st);
/* An input of the folder cannot be read or holds nothing to draw (its line already printed): exit status 2,
 * and the folder is left as it was. */
void plot_bail(struct plot *p);
/* One line on stderr, "mqsim: " first. */
void perr(const char *fmt, ...);
/* buf = "a/b". 0, or -1 when it does not fit. */
int join(char *buf, size_t size, const char *a, const char *b);
int is_file(const char *path);
/* The whole file NUL-terminated, or NULL (errno set). */
char *slurp(const char *path);
/* A JSON object read whole from path, or NULL with one line printed naming path and the JSON path:
 * "mqsim: DIR/metrics.json: $: invalid JSON at line 1, column 301" (the messages of a scenario file's). */
struct cJSON *json_load(const char *path);
/* A file-name part made of [A-Za-z0-9._-], everything else '_'. */
void safe_name(char *out, size_t size, const char *in);
/* A number in a data file: gnuplot reads NaN as an undefined point (a gap in a line). */
void put_num(FILE *f, double v);
/* A string in a data file, in double quotes; gnuplot has no escape for a quote there. */
void put_str(FILE *f, const char *s);
double finite_or(double v, double dflt);
/* Whether s ends with suffix, ignoring ASCII case. */
int ends_with(const char *s, const char *suffix);
/* qsort comparison of doubles, ascending. */
int dcmp(const void *a, const void *b);

/* gnuplot -e definitions: name='value'; (single quotes doubled) and name=number; (NaN as NaN) added to b. */
void gp_str(struct buf *b, const char *name, const char *val);
void gp_num(struct buf *b, const char *name, double v);

/* Opens path as a lenient CSV and reads its header. 0, or -1 with an error printed (naming path). */
int open_csv(struct csv *c, const char *path);
/* A whole small CSV in memory (compare.csv, summary.csv). */
struct table {
    struct csv c;              /* for the header */
    size_t nrows;
    char **cell;               /* nrows * c.nhdr copies */
};

/* Reads path whole: 0, or -1 with an error printed. */
int table_load(struct table *t, const char *path);
void table_free(struct table *t);
/* Row row's field in column col ("" for col -1), as text or as a number (parse_num). */
const char *table_get(const struct table *t, size_t row, int col);
double table_num(const struct table *t, size_t row, int col);

/* Whether t is a time series in long form (README "Outputs": t_ms, group, metric, value columns). */
int table_is_long(const struct table *t);
/* Turns a long-form table into the wide form mqsim writes by default: columns group (when there is one), t_ms,
 * then each metric in order of first appearance; one row per run of long rows with the same time and group;
 * an empty field where a row has no value for a metric. 0, or -1 out of memory (t is then unchanged). */
int table_widen(struct table *t);

/* A field as a number; NaN when it is empty, "null", "NaN" or not a number. */
double parse_num(const char *s);

/* Opens DIR/name for an atomic write; prints the error. 0 or -1. */
int open_data(struct plot *p, struct out_file *o, const char *name);
/* Renames it into place; prints the error. 0 or -1. */
int commit_data(struct out_file *o);
/* Runs plots/<script> for figure fig with the definitions in vars (plus png= and svg=, the temporary names
 * the script writes to). On success renames both into place and prints a line (what the figure shows) unless
 * quiet. Returns 0 or ST_OUTPUT (the problem printed). */
int run_figure(struct plot *p, const char *script, const char *fig, struct buf *vars, const char *what);
/* A figure the data cannot give this time: an earlier plot's fig.svg and fig.png go, so that index.html does
 * not show them. */
void drop_figure(struct plot *p, const char *fig);

/* The figures of a run folder (timeseries.csv, metrics.json, trace.jsonl when there): plot_run.c. */
void plot_run(struct plot *p);
/* The figures of compare.csv: plot_compare.c. */
void plot_compare(struct plot *p);
/* The figures of summary.csv: plot_sweep.c. */
void plot_sweep(struct plot *p);

#endif
