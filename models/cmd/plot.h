/* plot: `mqsim plot DIR`, the figures that fit what an output directory holds, drawn by gnuplot from plots/. */
#ifndef MODELS_PLOT_H
#define MODELS_PLOT_H

/* `mqsim plot DIR [--quiet]`; argv holds the words after "plot". Returns the exit status of plot_dir, or 2
 * for bad usage (with the usage line on stderr). */
int cmd_plot(int argc, char **argv);

/* Draws every figure that fits what dir holds, each as dir/<figure>.png (pngcairo) and dir/<figure>.svg:
 *   timeseries.csv + metrics.json (a run): lag-<group> per broker group (slave lag against the redirect
 *     threshold, with the consumer's redirects from trace.jsonl when it is there), availability (the topic's
 *     and each group's writes and reads) and latency (p50, p99 of the sends acknowledged per interval);
 *   compare.csv (mqsim compare): downtime-cdf and downtime-ci;
 *   summary.csv (mqsim sweep): sweep-<metric> per metric.
 * The data gnuplot reads is prepared beside them (<figure>.dat, <figure>.marks.dat, ...), written atomically;
 * the figures are written under a temporary name and renamed into place once gnuplot succeeded. Scripts are
 * looked for in $MQSIM_PLOTS, <directory of the binary>/plots, <directory of the binary>/../share/mqsim/plots,
 * ./plots and MQSIM_PREFIX/share/mqsim/plots, in that order. Prints one line a figure written unless quiet
 * (problems are printed either way, one line each, on stderr).
 * Returns 0 when every figure was drawn; 2 when dir holds nothing plottable or an input is unreadable (the
 * other figures are still drawn); 3 when gnuplot is not on PATH (nothing is written), a script cannot be
 * found, gnuplot fails (its stderr lines are passed on) or an output cannot be written. */
int plot_dir(const char *dir, int quiet);

#endif
