/* hist: log-spaced bins in a gsl_histogram (gsl_histogram_set_ranges takes arbitrary edges), with the exact
 * count, sum, minimum and maximum kept beside it. */
#include "sim/hist.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_histogram.h>

struct sim_hist {
    gsl_histogram *g;
    double lo, hi;
    double inv_log_r;           /* 1 / log(r): a value's bin is floor(log(x / lo) / log(r)) */
    double log2_lo, inv_log2_r; /* the same in base 2, for log2_approx */
    int approx;                 /* log2_approx's error is under half a bin (bins 0.3 % wide or more) */
    /* The bin of the smallest value of each cell of the doubles in [lo, hi) that share their exponent and
     * top cell_bits mantissa bits (cells no wider than a bin, so a value is in its cell's bin or the next):
     * cell[(bits >> (52 - cell_bits)) - cell0]. NULL: the bin is found from the logarithm. */
    uint16_t *cell;
    uint64_t cell0;
    int cell_bits;
    uint64_t n;
    double sum, min, max;
};

/* log2(x) for a positive normal x, within LOG2_APPROX_ERR: the exponent, plus a cubic in the mantissa's
 * fraction t for log2(1 + t) (exact at t = 0 and 1; its largest error, 0.00094, was found by scanning
 * t in steps of 0.001, and tests/test_measure.c checks every bin it leads to). */
#define LOG2_APPROX_ERR 0.001
static inline double log2_approx(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    int e = (int)(b >> 52) - 1023;
    b = (b & 0xfffffffffffffULL) | 0x3ff0000000000000ULL;
    double m;
    memcpy(&m, &b, sizeof m);
    double t = m - 1;
    return e + t + t * (1 - t) * (0.423 - 0.159 * t);
}

static void cells_init(struct sim_hist *h, double rel_err);

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
    h->log2_lo = log2(lo);
    h->inv_log2_r = 1 / log2(r);
    h->approx = lo >= DBL_MIN && LOG2_APPROX_ERR * h->inv_log2_r < 0.5;
    cells_init(h, rel_err);
    sim_hist_reset(h);
    return h;
}

void sim_hist_free(struct sim_hist *h)
{
    if (!h)
        return;
    gsl_histogram_free(h->g);
    free(h->cell);
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

/* x's bin in h (x not NaN): the one whose edges hold it, e[i] <= x < e[i + 1]. */
static size_t bin_by_log(const struct sim_hist *h, double x)
{
    size_t i, n = h->g->n;
    if (x < h->lo)
        return 0;
    if (x >= h->hi)
        return n - 1;
    /* The bin straight from the logarithm (a binary search costs several times more on the hot path),
     * approximated when that puts it at most one bin off, then stepped to the edges that hold x. */
    double k = h->approx ? (log2_approx(x) - h->log2_lo) * h->inv_log2_r : log(x / h->lo) * h->inv_log_r;
    i = k > 0 ? (size_t)k : 0;
    if (i >= n)
        i = n - 1;
    const double *e = h->g->range;
    while (i > 0 && x < e[i])
        i--;
    while (i + 1 < n && x >= e[i + 1])
        i++;
    return i;
}

/* The cells' bins (see struct sim_hist), when lo is a positive normal double and the bins fit 16 bits: a
 * value's bin is then a table read and a comparison or two, where the logarithm costs about 60
 * instructions (each acknowledged send adds one). Left NULL otherwise, or when out of memory. */
#define CELL_BITS_MAX 10
static void cells_init(struct sim_hist *h, double rel_err)
{
    size_t n = h->g->n;
    if (!(h->lo >= DBL_MIN) || n > 65536)
        return;
    int bits = 0;   /* cells at most 2^-bits of their binade's start wide: no wider than a bin's 2 rel_err */
    while (bits < CELL_BITS_MAX && ldexp(1.0, -bits) > 2 * rel_err)
        bits++;
    if (ldexp(1.0, -bits) > 2 * rel_err)
        return;
    uint64_t blo, bhi;
    memcpy(&blo, &h->lo, sizeof blo);
    memcpy(&bhi, &h->hi, sizeof bhi);
    uint64_t k0 = blo >> (52 - bits), k1 = bhi >> (52 - bits), cells = k1 - k0 + 1;
    if (cells > (1u << 20))
        return;
    uint16_t *c = malloc(cells * sizeof *c);
    if (!c)
        return;
    for (uint64_t k = 0; k < cells; k++) {
        uint64_t b = (k0 + k) << (52 - bits);
        double x;
        memcpy(&x, &b, sizeof x);
        c[k] = (uint16_t)bin_by_log(h, x);   /* the first cell starts below lo: bin 0, as lo's */
    }
    h->cell = c;
    h->cell0 = k0;
    h->cell_bits = bits;
}

size_t sim_hist_bin(const struct sim_hist *h, double x)
{
    if (!h->cell || !(x >= h->lo) || x >= h->hi)
        return bin_by_log(h, x);
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    size_t i = h->cell[(b >> (52 - h->cell_bits)) - h->cell0], n = h->g->n;
    /* x is at or above its cell's start, so at or above that value's bin's lower edge; a cell no wider
     * than a bin leaves at most one edge between them, crossed or not as x falls (e[n] is hi, above x): a
     * comparison added, not a branch, which would be mispredicted about as often as taken. The loop after
     * it never runs unless edges lie closer than the cells are wide. */
    const double *e = h->g->range;
    i += x >= e[i + 1];
    while (i + 1 < n && x >= e[i + 1])
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
        add_at(h, x, sim_hist_bin(h, x));
}

void sim_hist_add2(struct sim_hist *a, struct sim_hist *b, double x)
{
    if (isnan(x))
        return;
    size_t i = sim_hist_bin(a, x);
    add_at(a, x, i);
    int same = a->lo == b->lo && a->hi == b->hi && a->inv_log_r == b->inv_log_r && a->g->n == b->g->n;
    add_at(b, x, same ? i : sim_hist_bin(b, x));
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
