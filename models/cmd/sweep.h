/* sweep: mqsim sweep: one base scenario run over a grid of values times seeds, in parallel child processes
 * (or MPI ranks, or a batch system through --list/--collect); results.csv and summary.csv, resumable. */
#ifndef MODELS_SWEEP_H
#define MODELS_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "sim/lab/mexpr.h"
#include "sim/conf.h"

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
    struct mexpr *expr;
};

struct sweep {
    char *file;                 /* the sweep file, as given */
    char *base;                 /* the base scenario's path, resolved against the sweep file's directory */
    char *base_given;           /* as the file writes it */
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

/* mqsim sweep SWEEP.json [--jobs J] [--out DIR] [--list | --collect DIR...] [--quiet]
 * argv holds the arguments after the word "sweep". DIR defaults to out/<name>.
 * Runs every grid point and seed not yet in DIR/results.csv as a child process, appending one line a
 * finished run (a single write, then fsync), so results.csv is a complete CSV even after a crash or ^C and a
 * second call resumes; at the end results.csv is rewritten atomically in grid then seed order and
 * DIR/summary.csv is written. --list prints a shell command a pending run; --collect merges their outputs
 * (DIR/runs/ * /metrics.json) instead of running anything. With MQSIM_MPI under mpirun, the ranks share the
 * runs and rank 0 writes the files.
 * Returns 0; 1 when a run of the sweep broke an invariant or crashed; 2 bad usage or sweep file; 3 output
 * not written or a run could not be carried out; 130 / 143 after SIGINT / SIGTERM. */
int cmd_sweep(int argc, char **argv);

#endif
