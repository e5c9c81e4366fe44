/* Unit tests for the run statistics (sim/stats): means, quantiles and intervals over a sample. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/stats.h"
#include "tests/harness.h"

#define ck_assert_near(a, b, eps) ck_assert_msg(fabs((a) - (b)) <= (eps), "%.17g != %.17g", (a), (b))

START_TEST(test_stats_sample)
{
    /* x = {2,4,4,4,5,5,7,9} (given unsorted, to exercise the sort):
     *   mean = 40/8 = 5
     *   squared deviations 9+1+1+1+0+0+4+16 = 32, sd = sqrt(32/7) = 2.138089935299395
     *   t(0.975, 7) = 2.364624251592785 (Student t table: 2.3646)
     *   half width = 2.364624251592785 * 2.138089935299395 / sqrt(8) = 1.7874879182362104
     *   CI = [3.2125120817637898, 6.78748791823621]
     *   median = (4 + 5) / 2 = 4.5
     *   p95 (GSL: linear at (n-1)*0.95 = 6.65) = x[6] + 0.65 * (x[7] - x[6]) = 7 + 0.65 * 2 = 8.3 */
    static const double x[] = {9, 4, 2, 5, 4, 7, 4, 5};
    double copy[8];
    struct stats_summary s;

    memcpy(copy, x, sizeof x);
    ck_assert_int_eq(stats_summarize(copy, 8, &s), 0);
    ck_assert(memcmp(copy, x, sizeof x) == 0);  /* input untouched */
    ck_assert_uint_eq(s.n, 8);
    ck_assert_near(s.mean, 5.0, 1e-12);
    ck_assert_near(s.sd, 2.138089935299395, 1e-12);
    ck_assert_near(s.ci95_half, 1.7874879182362104, 1e-9);
    ck_assert_near(s.ci95_lo, 3.2125120817637898, 1e-9);
    ck_assert_near(s.ci95_hi, 6.78748791823621, 1e-9);
    ck_assert_near(s.median, 4.5, 1e-12);
    ck_assert_near(s.p95, 8.3, 1e-12);
    ck_assert_near(s.min, 2.0, 0);
    ck_assert_near(s.max, 9.0, 0);

    cJSON *j = stats_to_json(&s);
    ck_assert_ptr_nonnull(j);
    ck_assert_near(cJSON_GetObjectItem(j, "n")->valuedouble, 8.0, 0);
    ck_assert_near(cJSON_GetObjectItem(j, "p95")->valuedouble, 8.3, 1e-12);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "ci95")), 2);
    ck_assert_near(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "ci95"), 1)->valuedouble, 6.78748791823621, 1e-9);
    cJSON_Delete(j);
}
END_TEST

START_TEST(test_stats_small_samples)
{
    struct stats_summary s;
    char *text;
    cJSON *j;

    /* n == 0: nothing but n. */
    ck_assert_int_eq(stats_summarize(NULL, 0, &s), 0);
    ck_assert_uint_eq(s.n, 0);
    ck_assert(isnan(s.mean) && isnan(s.sd) && isnan(s.median) && isnan(s.p95));
    ck_assert(isnan(s.ci95_lo) && isnan(s.ci95_hi) && isnan(s.ci95_half) && isnan(s.min) && isnan(s.max));
    j = stats_to_json(&s);
    text = cJSON_PrintUnformatted(j);
    ck_assert_str_eq(text, "{\"n\":0,\"mean\":null,\"sd\":null,\"ci95\":[null,null],\"median\":null,"
                           "\"p95\":null,\"min\":null,\"max\":null}");
    free(text);
    cJSON_Delete(j);

    /* n == 1: no spread, so no interval. */
    ck_assert_int_eq(stats_summarize((double[]){3}, 1, &s), 0);
    j = stats_to_json(&s);
    text = cJSON_PrintUnformatted(j);
    ck_assert_str_eq(text, "{\"n\":1,\"mean\":3,\"sd\":0,\"ci95\":[null,null],\"median\":3,"
                           "\"p95\":3,\"min\":3,\"max\":3}");
    free(text);
    cJSON_Delete(j);

    /* NaN values are skipped: {1, 3} remain. p95 = 1 + 0.95 * (3 - 1) = 2.9;
     * half width = t(0.975, 1) * sqrt(2) / sqrt(2) = 12.706204736174705. */
    ck_assert_int_eq(stats_summarize((double[]){NAN, 3, NAN, 1}, 4, &s), 0);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_near(s.mean, 2.0, 1e-12);
    ck_assert_near(s.p95, 2.9, 1e-12);
    ck_assert_near(s.ci95_half, 12.706204736174705, 1e-9);

    ck_assert_int_eq(stats_summarize((double[]){NAN}, 1, &s), 0);
    ck_assert_uint_eq(s.n, 0);
    ck_assert(isnan(s.mean));
}
END_TEST

static Suite *output_stats_suite(void)
{
    Suite *s = suite_create("output_stats");
    TCase *tc = tcase_create("stats");
    tcase_add_test(tc, test_stats_sample);
    tcase_add_test(tc, test_stats_small_samples);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(output_stats_suite());
}
