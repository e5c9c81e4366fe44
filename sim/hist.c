/* hist: log-spaced bins in a gsl_histogram (gsl_histogram_set_ranges takes arbitrary edges), with the exact
 * count, sum, minimum and maximum kept beside it. */
#include "sim/hist.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_histogram.h>

struct sim_hist {
    gsl_histogram *g;
    double lo, hi;
    double inv_log_r;           /* 1 / log(r): a value's bin is floor(log(x / lo) / log(r)) */
    uint64_t n;
    double sum, min, max;
};

struct sim_hist *sim_hist_new(double lo, double hi, double rel_err)
{
    if (!(lo > 0) || !(hi > lo) || !(rel_err > 0) || !(rel_err < 1))
        return NULL;
    double r = 1 + 2 * rel_err;
    size_t nbins = (size_t)ceil(log(hi / lo) / log(r));
    if (nbins < 1 || nbins > 1000000)
        return NULL;
    struct sim_hist *h = calloc(1, sizeof *h);
    double *edges = malloc((nbins + 1) * sizeof *edges);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    if (h && edges)
        h->g = gsl_histogram_alloc(nbins);
    if (h && edges && h->g) {
        for (size_t k = 0; k <= nbins; k++)
            edges[k] = lo * pow(r, (double)k);
        if (gsl_histogram_set_ranges(h->g, edges, nbins + 1) != GSL_SUCCESS) {
            gsl_histogram_free(h->g);
            h->g = NULL;
        }
    }
    gsl_set_error_handler(old);
    free(edges);
    if (!h || !h->g) {
        free(h);
        return NULL;
    }
    h->lo = lo;
    h->hi = gsl_histogram_max(h->g);
    h->inv_log_r = 1 / log(r);
    sim_hist_reset(h);
    return h;
}

void sim_hist_free(struct sim_hist *h)
{
    if (!h)
        return;
    gsl_histogram_free(h->g);
    free(h);
}

void sim_hist_reset(struct sim_hist *h)
{
    gsl_histogram_reset(h->g);
    h->n = 0;
    h->sum = 0;
    h->min = INFINITY;
    h->max = -INFINITY;
}

/* x's bin in h (x not NaN). */
static size_t bin_of(const struct sim_hist *h, double x)
{
    size_t i, n = h->g->n;
    if (x < h->lo)
        return 0;
    if (x >= h->hi)
        return n - 1;
    /* The bin straight from the logarithm (a binary search costs several times more on the hot path), then
     * one step either way where rounding put it across an edge. */
    i = (size_t)(log(x / h->lo) * h->inv_log_r);
    if (i >= n)
        i = n - 1;
    const double *e = h->g->range;
    if (x < e[i] && i > 0)
        i--;
    else if (x >= e[i + 1] && i + 1 < n)
        i++;
    return i;
}

static void add_at(struct sim_hist *h, double x, size_t bin)
{
    h->n++;
    h->sum += x;
    if (x < h->min)
        h->min = x;
    if (x > h->max)
        h->max = x;
    h->g->bin[bin] += 1;
}

void sim_hist_add(struct sim_hist *h, double x)
{
    if (!isnan(x))
        add_at(h, x, bin_of(h, x));
}

void sim_hist_add2(struct sim_hist *a, struct sim_hist *b, double x)
{
    if (isnan(x))
        return;
    size_t i = bin_of(a, x);
    add_at(a, x, i);
    int same = a->lo == b->lo && a->hi == b->hi && a->inv_log_r == b->inv_log_r && a->g->n == b->g->n;
    add_at(b, x, same ? i : bin_of(b, x));
}

int sim_hist_merge(struct sim_hist *dst, const struct sim_hist *src)
{
    if (dst->g->n != src->g->n || dst->lo != src->lo || dst->hi != src->hi)
        return -1;
    if (!src->n)
        return 0;
    for (size_t i = 0; i < src->g->n; i++)
        dst->g->bin[i] += src->g->bin[i];
    dst->n += src->n;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    return 0;
}

uint64_t sim_hist_count(const struct sim_hist *h) { return h->n; }
double sim_hist_mean(const struct sim_hist *h) { return h->n ? h->sum / (double)h->n : NAN; }
double sim_hist_max(const struct sim_hist *h) { return h->n ? h->max : NAN; }

double sim_hist_quantile(const struct sim_hist *h, double q)
{
    if (!h->n)
        return NAN;
    uint64_t rank = (uint64_t)ceil(q * (double)h->n);
    if (rank < 1)
        rank = 1;
    if (rank > h->n)
        rank = h->n;
    double seen = 0;
    size_t i = 0;
    for (; i < h->g->n; i++) {
        seen += h->g->bin[i];
        if (seen >= (double)rank)
            break;
    }
    if (i == h->g->n)
        i = h->g->n - 1;
    double v = sqrt(h->g->range[i] * h->g->range[i + 1]);
    return v < h->min ? h->min : v > h->max ? h->max : v;
}
