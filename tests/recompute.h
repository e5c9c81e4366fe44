/* recompute: the README's measurement definitions applied to a full trace alone, for the tests that compare
 * them with metrics.json (tests/test_measure.c). */
#ifndef TESTS_RECOMPUTE_H
#define TESTS_RECOMPUTE_H

#include <stddef.h>

struct recomputed {
    double sends, acked, failed, write_unavail, read_unavail, p50, p99, first_write;
    double p90, p999, lat_mean, lat_max;   /* the other latency figures; NaN when nothing was acknowledged */
    double acks_in_window;          /* send.ack events at or after the warm-up, whenever their send started */
    double write_open, read_open;   /* the outage the run ended in, its length so far; -1: none */
    double write_outages;           /* write outages (of positive length; the open one too) */
};

/* The figures of `group` (an index in names; -1: the topic) from the trace. crash_ms >= 0: also the first
 * acknowledgement of a send started after it (the end of the downtime). */
struct recomputed recompute(const char *trace, const char *const *names, int ngroups, int group, double warmup,
                            double read_warmup, double gap, double end, double crash_ms);

/* messages.acked_lost of a one-group run from the trace (README, "Acknowledged but lost"). */
double recompute_lost(const char *trace);

/* messages.duplicates from the trace: the `consume` events of a message consumed before. */
double recompute_duplicates(const char *trace);

/* qsort's order of doubles, and the nearest-rank quantile of n sorted values. */
int th_dcmp(const void *a, const void *b);
double th_exact_quantile(const double *sorted, size_t n, double q);

#endif
