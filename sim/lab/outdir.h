/* outdir: a run's output folder, written whole or not at all.
 *
 * The outputs go to a staging folder beside the target (".NAME.tmp-PID"); when every file is written, the
 * staging folder takes the target's place (the old one is renamed aside and removed), so a reader sees the
 * earlier run's files or this run's, never a mix, and an interrupted or failed run leaves the target as it
 * was. A lock file beside the target (".NAME.lock", flock) keeps two mqsim processes from writing the same
 * folder; holding it, the staging and old folders an interrupted command left behind are removed.
 *
 * Only a folder that holds nothing but a run's outputs (metrics.json, trace.jsonl, timeseries.csv,
 * timeline.json, index.html, figures and their data) is replaced; anything else there is refused, so a
 * mistaken --out never deletes other files. */
#ifndef SIM_LAB_OUTDIR_H
#define SIM_LAB_OUTDIR_H

#include <stddef.h>

#include "sim/out.h"

struct outdir {
    char final[OUT_PATH_MAX];       /* the target, as given */
    char stage[OUT_PATH_MAX + 320]; /* where the outputs are written until outdir_publish */
    char old[OUT_PATH_MAX + 320];   /* where the earlier run's folder waits while the new one moves in */
    char lock[OUT_PATH_MAX + 320];
    int lock_fd;                    /* -1: not held */
};

/* Results of outdir_begin besides 0. */
#define OUTDIR_ERR (-1)         /* cannot be written (err says why) */
#define OUTDIR_BUSY (-2)        /* another mqsim holds the lock */

/* Takes the lock, checks the target may be replaced, and makes the empty staging folder. On failure
 * nothing is left behind and err says why. */
int outdir_begin(struct outdir *d, const char *dir, char *err, size_t errsz);

/* The staging folder replaces the target; the lock is released. 0, or -1 with err (the target is then as
 * it was, and the staging folder is gone). */
int outdir_publish(struct outdir *d, char *err, size_t errsz);

/* Removes the staging folder and releases the lock; the target stays as it was. Safe after publish. */
void outdir_abort(struct outdir *d);

#endif
