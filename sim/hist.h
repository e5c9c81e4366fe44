/* hist: a histogram with log-spaced bins, for quantiles of values spanning many orders of magnitude
 * (latencies) in bounded memory, with a bounded relative error. */
#ifndef SIM_HIST_H
#define SIM_HIST_H

#include <stddef.h>
#include <stdint.h>

struct sim_hist;

/* Bins cover [lo, hi) with edges lo * r^k, r = 1 + 2 * rel_err, so a bin's geometric middle is within
 * rel_err of every value in it. Values below lo count in the first bin, values at or above hi in the
 * last; the exact minimum, maximum and sum are kept beside the bins. lo > 0, hi > lo, 0 < rel_err < 1.
 * Returns NULL when out of memory or on bad arguments. */
struct sim_hist *sim_hist_new(double lo, double hi, double rel_err);
void sim_hist_free(struct sim_hist *h);

void sim_hist_add(struct sim_hist *h, double x);
/* sim_hist_add(a, x) and sim_hist_add(b, x), the bin found once when their bins are the same. */
void sim_hist_add2(struct sim_hist *a, struct sim_hist *b, double x);
/* The bin sim_hist_add puts x in (x not NaN): bin k holds [lo * r^k, lo * r^(k+1)), the first also what is
 * below, the last what is above. */
size_t sim_hist_bin(const struct sim_hist *h, double x);
/* Forgets every value (the bins stay). */
void sim_hist_reset(struct sim_hist *h);

/* Adds src's values to dst (made with the same lo, hi and rel_err). Returns 0, or -1 when the bins differ. */
int sim_hist_merge(struct sim_hist *dst, const struct sim_hist *src);

uint64_t sim_hist_count(const struct sim_hist *h);
/* Exact, from the values themselves; NaN when empty. */
double sim_hist_mean(const struct sim_hist *h);
double sim_hist_max(const struct sim_hist *h);
/* The q-quantile by nearest rank (the value of rank ceil(q * n), 1-based, among the n values in order):
 * the geometric middle of the bin that holds that rank, clamped to the exact minimum and maximum. Within
 * rel_err of the exact nearest-rank quantile for values in [lo, hi). NaN when empty; 0 <= q <= 1. */
double sim_hist_quantile(const struct sim_hist *h, double q);

#endif
