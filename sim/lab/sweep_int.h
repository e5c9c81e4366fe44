/* sweep_int: what the files of the sweep machinery share: one call's state and results.csv's rows. */
#ifndef SIM_LAB_SWEEP_INT_H
#define SIM_LAB_SWEEP_INT_H

#include <stddef.h>
#include <stdint.h>
#include <cJSON.h>

#include "sim/buf.h"
#include "sim/lab/runner.h"
#include "sim/lab/sweep.h"
#include "sim/out.h"

#define SWEEP_SEED_MAX (((uint64_t)1 << 53) - 1)   /* seeds are exact in JSON */

/* A line of results.csv. */
struct sweep_row {
    char *line;         /* the CSV record, without its line end */
    long point;         /* -1: values that are not on this sweep's grid */
    uint64_t seed;
    long run;           /* -1: not a run of this sweep (another grid point or seed) */
    size_t order;       /* position in the file */
    int exit;
    double *vals;       /* nmetrics; NaN for an empty field */
};

struct sweep_results {
    struct sweep_row *rows;
    size_t n, cap;
    long *by_run;       /* nruns: the row of each run of this sweep, or -1 */
    int exists;         /* results.csv was there */
    int rewrite;        /* its contents must be rewritten before appending (an incomplete last line, ...) */
    size_t dropped;     /* repeated runs dropped */
};

/* A run that did not finish with a row (it crashed, or its metrics.json could not be read). */
struct sweep_failure {
    size_t run;
    int status;
    char *note;
};

struct sweep_run {
    struct sweep sw;
    struct sweep_results res;
    const char *out;
    const char *exe;
    int quiet, written, jobs, rank, nranks, nlocal, mpi;
    char def_out[256];
    char tmp[OUT_PATH_MAX];
    size_t *todo, ntodo;            /* runs this process carries out */
    size_t npending;                /* runs to do, over every rank */
    struct runner_progress prog;
    int fd;                         /* results.csv open for appending, or -1 */
    int checked;                    /* the metric paths were checked on a first run */
    int fatal;                      /* exit status that stopped the pool */
    size_t new_rows;
    struct sweep_failure *fails;
    size_t nfails;
    int ranks_done;
};

/* ---- sweep_out.c: results.csv and summary.csv ---- */

int sweep_results_init(struct sweep_results *r, const struct sweep *sw);
void sweep_results_free(struct sweep_results *r);
/* results.csv's header row, without its line end. */
void sweep_header(const struct sweep *sw, struct buf *d);
/* Reads dir/results.csv if it is there. Returns 0, or -1 with err (exit status 2: the file is not this
 * sweep's, or is damaged before its last line). */
int sweep_results_load(struct sweep_results *r, const struct sweep *sw, const char *dir, char *err, size_t errsz);
/* Adds a row given as one CSV line (made by sweep_make_row). 0, or -1 with err. */
int sweep_add_line(struct sweep_results *r, const struct sweep *sw, const char *line, char *err, size_t errsz);
/* Writes dir/results.csv atomically, in grid then seed order. 0, or -1 with err. */
int sweep_results_write(const struct sweep_results *r, const struct sweep *sw, const char *dir, char *err,
                        size_t errsz);
/* summary.csv: a line a grid point, the statistics of each metric over this sweep's seeds. 0, or -1. */
int sweep_summary_write(const struct sweep_results *r, const struct sweep *sw, const char *dir, char *err,
                        size_t errsz);
/* The CSV line of run `run` from its metrics.json. With check, a metric path that metrics.json does not
 * have is an error (in err, with *bad_metric set to its index); otherwise it reads as empty. */
char *sweep_make_row(const struct sweep *sw, size_t run, int exit_status, const cJSON *root, int check,
                     size_t *bad_metric, char *err, size_t errsz);
/* Whether metrics.json records a broken invariant. */
int sweep_violations_in(const cJSON *root);
/* A few lines on stdout: each grid point's mean and 95% CI half-width of each metric. */
void sweep_print_summary(const struct sweep_run *x);

/* ---- sweep_prov.c: sweep.json ---- */

/* Whether metric m is null (NaN) in every run of this sweep that has a row (0 when none has). */
int sweep_metric_all_null(const struct sweep_results *r, const struct sweep *sw, size_t m);
/* A line on stderr a metric null in every run; returns how many. */
size_t sweep_report_null_metrics(const struct sweep_results *r, const struct sweep *sw);
/* Writes dir/sweep.json atomically: "name", "run" (how the sweep was made), "metrics" (name: expression),
 * "null_metrics" (the names of those null in every run). 0, or -1 with err. */
int sweep_json_write(const struct sweep_results *r, const struct sweep *sw, const char *dir, char *err,
                     size_t errsz);

/* ---- sweep_run.c ---- */

/* Writes results.csv and summary.csv. 0, or 3 (printed). */
int sweep_finish_outputs(struct sweep_run *x);
/* Messages about runs that broke an invariant (rows from first_new on) or failed; the exit status they
 * imply. */
int sweep_report_runs(struct sweep_run *x, size_t first_new);

#endif
