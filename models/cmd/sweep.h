/* sweep: mqsim sweep: one base scenario run over a grid of values times seeds, in parallel child processes
 * (or MPI ranks, or a batch system through --list/--collect); results.csv and summary.csv, resumable. The
 * machinery, which knows no RocketMQ, is sim/lab/sweep.h (included: the sweep file and its grid). */
#ifndef MODELS_SWEEP_H
#define MODELS_SWEEP_H

#include "sim/lab/sweep.h"

/* mqsim sweep SWEEP.json [--jobs J] [--out DIR] [--list | --collect DIR...] [--plot] [--quiet]
 * argv holds the arguments after the word "sweep". DIR defaults to out/<name>.
 * Runs every grid point and seed not yet in DIR/results.csv (sweep_exec), or with --list prints a shell
 * command a pending run, or with --collect merges their outputs (DIR/runs/ * /metrics.json) instead of running
 * anything; --plot then draws summary.csv's figures (plot_dir). With MQSIM_MPI under mpirun, the ranks share
 * the runs and rank 0 writes the files.
 * Returns 0; 1 when a run of the sweep broke an invariant or crashed; 2 bad usage or sweep file; 3 output
 * not written or a run could not be carried out; 130 / 143 after SIGINT / SIGTERM. */
int cmd_sweep(int argc, char **argv);

#endif
