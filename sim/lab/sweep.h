/* sweep: the machinery of `mqsim sweep`: one base scenario run over a grid of values times seeds, in parallel
 * child processes (or MPI ranks, or a batch system through --list/--collect); results.csv, resumable, and
 * summary.csv with confidence intervals. The grid and the file (sweep_grid.c), the runs (sweep_run.c), the
 * outputs (sweep_out.c), --list and --collect (sweep_batch.c). */
#ifndef SIM_LAB_SWEEP_H
#define SIM_LAB_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "sim/conf.h"
#include "sim/lab/mexpr.h"

/* A sweep file (strict JSON):
 *   {"name": "redirect_sweep",                  (default: the file name without .json)
 *    "description": "...",                      (free text)
 *    "base": "slave_lag.json",                  (the scenario, relative to the sweep file's directory)
 *    "set": {"run.duration_ms": 200000},        (optional: --set for every run)
 *    "vary": [{"key": "groups[0].access_message_in_memory_max_ratio", "values": [10, 20, 40]}, ...],
 *    "seeds": 5, "seed_start": 1,               (seeds seed_start .. seed_start + seeds - 1)
 *    "metrics": {"slave_read_fraction": "groups[0].reads.slave / (groups[0].reads.master + ...)"}}
 * The grid is the cartesian product of the values, the first key varying slowest. */

struct sweep_var {
    char *key;          /* a --set path */
    size_t nvals;
    char **set;         /* per value: the --set argument "key=<compact JSON>" */
    char **text;        /* per value: as results.csv writes it (a string bare, anything else as JSON) */
};

struct sweep_metric {
    char *name;
    char *text;         /* the expression as the file writes it */
    struct mexpr *expr;
};

struct sweep {
    char *file;                 /* the sweep file, as given */
    char *base;                 /* the base scenario's path, resolved against the sweep file's directory */
    char *base_given;           /* as the file writes it */
    char sha256[65];            /* of the sweep file's bytes, as read */
    char base_sha256[65];       /* of the base scenario's bytes, as read */
    char *name;
    char **sets;                /* "key=<JSON>" from "set", given to every run before the varied keys */
    size_t nsets;
    struct sweep_var *vars;
    size_t nvars;
    struct sweep_metric *metrics;
    size_t nmetrics;
    uint64_t seed_start;
    size_t seeds;
    size_t npoints, nruns;      /* nruns = npoints * seeds; run r is point r / seeds, seed start + r % seeds */
};

/* Reads and checks a sweep file: its keys, the metric expressions, and that the base scenario loads with
 * "set" and each varied value and each grid point (in-process, as a run would). Returns 0, or -1 with the
 * error in c->err ("FILE: $.path: message"). sw is always safe to sweep_free. */
int sweep_load(struct sweep *sw, const char *file, struct conf *c);
void sweep_free(struct sweep *sw);

/* The index of var's value at a grid point. */
size_t sweep_value_index(const struct sweep *sw, size_t point, size_t var);

/* Run r's directory name under DIR/runs/ (for --list and --collect): "p<point>-<hash>-s<seed>", the hash
 * covering the base, "set" and the point's values, so that a changed sweep does not collect stale runs. */
void sweep_run_dir_name(const struct sweep *sw, size_t run, char *buf, size_t size);

/* ---- one call of the command ---- */

struct sweep_run;

struct sweep_opts {
    const char *file;           /* the sweep file */
    const char *out;            /* DIR; NULL: out/<name> */
    int jobs;                   /* children at once; 0: the processors (shared by the MPI ranks of a machine) */
    int quiet;
};

/* Starts a call: under mpirun (with MQSIM_MPI), joins the MPI job. Returns NULL out of memory. */
struct sweep_run *sweep_begin(void);
/* Reads the sweep file and DIR/results.csv (rank 0); every rank must succeed. Returns 0, or the exit status
 * (2 bad sweep file or results.csv not this sweep's, 3 cannot run) with the problem printed. */
int sweep_open(struct sweep_run *x, const struct sweep_opts *o);
/* Runs every grid point and seed not yet in DIR/results.csv as a child process, appending one line a
 * finished run (a single write, then fsync), so results.csv is a complete CSV even after a crash or ^C and a
 * second call resumes; at the end results.csv is rewritten atomically in grid then seed order and
 * DIR/summary.csv is written. Under MPI the ranks share the runs and rank 0 writes the files.
 * Returns 0; 1 when a run broke an invariant or crashed; 2 a bad metric path; 3 output not written or a run
 * could not be carried out; 130 / 143 after SIGINT / SIGTERM. */
int sweep_exec(struct sweep_run *x);
/* --list: prints a shell command a pending run, each writing to DIR/runs/<sweep_run_dir_name>. 0 or 3. */
int sweep_list(struct sweep_run *x);
/* --collect: merges DIR/runs/ * /metrics.json of the pending runs from each of dirs into results.csv, then
 * writes summary.csv. Returns as sweep_exec. */
int sweep_collect(struct sweep_run *x, char **dirs, int ndirs);
/* DIR, this process's MPI rank (0 alone), and whether results.csv and summary.csv were written. */
const char *sweep_out_dir(const struct sweep_run *x);
int sweep_rank(const struct sweep_run *x);
int sweep_written(const struct sweep_run *x);
/* Ends the call (under MPI every rank returns rank 0's status rc) and frees x. Returns the exit status. */
int sweep_end(struct sweep_run *x, int rc);

#endif
