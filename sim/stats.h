/* stats: summaries of a sample (mean, spread, 95% confidence interval, quantiles) computed with GSL. */
#ifndef SIM_STATS_H
#define SIM_STATS_H

#include <stddef.h>
#include <cJSON.h>

/* A summary of n values. Fields that a sample this small cannot give are NaN. */
struct stats_summary {
    size_t n;               /* values summarised (NaN inputs are not counted) */
    double mean;
    double sd;              /* sample standard deviation, n - 1 denominator; 0 when n == 1 */
    double ci95_lo, ci95_hi; /* mean -/+ ci95_half */
    double ci95_half;       /* t(0.975, n-1) * sd / sqrt(n), Student t; NaN when n < 2 */
    double median;
    double p95;             /* GSL's quantile: linear between order statistics at (n-1) * 0.95 */
    double min, max;
};

/* Summarises x[0..n-1]. NaN values are skipped (a run without the event measured, for example) and
 * s->n counts the rest. With no values left every field but n is NaN; with one, sd is 0 and the
 * confidence interval is NaN, since one run says nothing about the spread. x is not modified (a sorted
 * copy is made). Returns 0, or -1 when out of memory, with every field but n NaN. */
int stats_summarize(const double *x, size_t n, struct stats_summary *s);

/* {"n":N,"mean":M,"sd":S,"ci95":[LO,HI],"median":MED,"p95":P,"min":A,"max":B}, with NaN as null.
 * Returns NULL when out of memory; the caller owns the tree. */
cJSON *stats_to_json(const struct stats_summary *s);

#endif
