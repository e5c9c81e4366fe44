/* stats: summaries of a sample computed with GSL. */
#include "sim/stats.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

static void set_all_nan(struct stats_summary *s)
{
    s->mean = s->sd = s->ci95_lo = s->ci95_hi = s->ci95_half = NAN;
    s->median = s->p95 = s->min = s->max = NAN;
}

int stats_summarize(const double *x, size_t n, struct stats_summary *s)
{
    double *v;
    size_t i, m = 0;

    s->n = 0;
    set_all_nan(s);
    if (n == 0)
        return 0;
    v = malloc(n * sizeof *v);
    if (v == NULL)
        return -1;
    /* gsl_sort orders with <, under which a NaN compares false with everything: leaving one in would
     * scramble the order and so the median and quantiles. */
    for (i = 0; i < n; i++)
        if (!isnan(x[i]))
            v[m++] = x[i];
    s->n = m;
    if (m == 0)
        goto done;

    gsl_sort(v, 1, m);
    s->mean = gsl_stats_mean(v, 1, m);
    s->median = gsl_stats_median_from_sorted_data(v, 1, m);
    s->p95 = gsl_stats_quantile_from_sorted_data(v, 1, m, 0.95);
    s->min = v[0];
    s->max = v[m - 1];
    if (m == 1) {
        s->sd = 0;  /* gsl_stats_sd would divide by n - 1 = 0 */
        goto done;
    }
    s->sd = gsl_stats_sd_m(v, 1, m, s->mean);
    /* A t rather than a normal quantile: mqsim compares a handful of seeded runs, where 1.96 would give
     * intervals that are too narrow (t(0.975, 4) = 2.78). */
    s->ci95_half = gsl_cdf_tdist_Pinv(0.975, (double)(m - 1)) * s->sd / sqrt((double)m);
    s->ci95_lo = s->mean - s->ci95_half;
    s->ci95_hi = s->mean + s->ci95_half;

done:
    free(v);
    return 0;
}

/* cJSON would print a NaN as null anyway; saying so here keeps that from depending on its version. */
static cJSON *number_or_null(double v)
{
    return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

/* Adds item to obj under key (to an array when key is NULL). On failure, including a NULL item from a
 * failed create, the item is freed and -1 returned, so the caller has only obj to free. */
static int add(cJSON *obj, const char *key, cJSON *item)
{
    if (item == NULL)
        return -1;
    if (key != NULL ? !cJSON_AddItemToObject(obj, key, item) : !cJSON_AddItemToArray(obj, item)) {
        cJSON_Delete(item);
        return -1;
    }
    return 0;
}

cJSON *stats_to_json(const struct stats_summary *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *ci;

    if (o == NULL)
        return NULL;
    if (add(o, "n", cJSON_CreateNumber((double)s->n)) != 0 ||
        add(o, "mean", number_or_null(s->mean)) != 0 ||
        add(o, "sd", number_or_null(s->sd)) != 0 ||
        add(o, "ci95", ci = cJSON_CreateArray()) != 0 ||
        add(ci, NULL, number_or_null(s->ci95_lo)) != 0 ||
        add(ci, NULL, number_or_null(s->ci95_hi)) != 0 ||
        add(o, "median", number_or_null(s->median)) != 0 ||
        add(o, "p95", number_or_null(s->p95)) != 0 ||
        add(o, "min", number_or_null(s->min)) != 0 ||
        add(o, "max", number_or_null(s->max)) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
