/* Unit tests for the CSV time series (sim/tseries): wide, labeled and long forms, and growth. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/tseries.h"
#include "tests/harness.h"

static char *csv_of(const struct tseries *ts, int want_rc)
{
    FILE *f = tmpfile();
    char *s;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(tseries_write_csv(ts, f), want_rc);
    s = th_read_stream(f, NULL);
    fclose(f);
    return s;
}

START_TEST(test_tseries_csv)
{
    static const char *const cols[] = {"t_ms", "lag", "rate"};
    struct tseries *ts = tseries_new(cols, 3);
    char *s;

    ck_assert_ptr_nonnull(ts);
    ck_assert_int_eq(tseries_row(ts, (double[]){0, 0, NAN}), 0);
    ck_assert_int_eq(tseries_row(ts, (double[]){100, 5, 2.5}), 0);
    ck_assert_int_eq(tseries_row(ts, (double[]){200, -3, 1.0 / 3}), 0);
    ck_assert_int_eq(tseries_row(ts, (double[]){300, INFINITY, 1e-7}), 0);
    ck_assert_uint_eq(tseries_rows(ts), 4);
    ck_assert(tseries_get(ts, 1, 2) == 2.5);
    ck_assert(isnan(tseries_get(ts, 0, 2)));
    ck_assert_ptr_null(tseries_label(ts, 0));
    s = csv_of(ts, 0);
    ck_assert_str_eq(s, "t_ms,lag,rate\n0,0,\n100,5,2.5\n200,-3,0.333333\n300,inf,0\n");
    free(s);

    /* A label given to a table without a label column drops the row, and the table is not written. */
    ck_assert_int_eq(tseries_row_labeled(ts, "g", (double[]){1, 2, 3}), -1);
    ck_assert_uint_eq(tseries_rows(ts), 4);
    s = csv_of(ts, -1);
    free(s);
    tseries_free(ts);

    ck_assert_ptr_null(tseries_new(cols, 0));
    tseries_free(NULL);
}
END_TEST

START_TEST(test_tseries_labeled)
{
    static const char *const cols[] = {"t_ms", "lag"};
    struct tseries *ts = tseries_new_labeled("group", cols, 2);
    char *s;

    ck_assert_ptr_nonnull(ts);
    ck_assert_int_eq(tseries_row_labeled(ts, "broker-a", (double[]){0, 1}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, "broker-b", (double[]){0, 2}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, "broker-a", (double[]){100, 3}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, NULL, (double[]){100, NAN}), 0);
    ck_assert_int_eq(tseries_row(ts, (double[]){200, 0.5}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, "x,\"y\"", (double[]){1, 1}), 0);
    /* Repeated labels are stored once. */
    ck_assert_ptr_eq(tseries_label(ts, 0), tseries_label(ts, 2));
    ck_assert_str_eq(tseries_label(ts, 1), "broker-b");
    ck_assert_ptr_null(tseries_label(ts, 3));
    s = csv_of(ts, 0);
    ck_assert_str_eq(s,
        "group,t_ms,lag\n"
        "broker-a,0,1\n"
        "broker-b,0,2\n"
        "broker-a,100,3\n"
        ",100,\n"
        ",200,0.5\n"
        "\"x,\"\"y\"\"\",1,1\n");
    free(s);
    tseries_free(ts);
}
END_TEST

static char *csv_long_of(const struct tseries *ts, int time_col, int want_rc)
{
    FILE *f = tmpfile();
    char *s;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(tseries_write_csv_long(ts, f, time_col), want_rc);
    s = th_read_stream(f, NULL);
    fclose(f);
    return s;
}

/* Long form: a row per time, label and metric, missing values left out, labels quoted as in the wide form. */
START_TEST(test_tseries_long)
{
    static const char *const cols[] = {"t_ms", "lag", "p99"};
    struct tseries *ts = tseries_new_labeled("group", cols, 3), *plain;
    char *s;

    ck_assert_ptr_nonnull(ts);
    ck_assert_int_eq(tseries_row_labeled(ts, "*", (double[]){0, NAN, 1.5}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, "broker-a", (double[]){0, 7, NAN}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, NULL, (double[]){1000, 2, INFINITY}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, "x,y", (double[]){1000.5, 0, 1.0 / 3}), 0);
    s = csv_long_of(ts, 0, 0);
    ck_assert_str_eq(s,
        "t_ms,group,metric,value\n"
        "0,*,p99,1.5\n"
        "0,broker-a,lag,7\n"
        "1000,,lag,2\n"
        "1000,,p99,inf\n"
        "1000.5,\"x,y\",lag,0\n"
        "1000.5,\"x,y\",p99,0.333333\n");
    free(s);
    /* Another column as the time (a NaN time is an empty field), and one out of range. */
    s = csv_long_of(ts, 1, 0);
    ck_assert_str_eq(s, "lag,group,metric,value\n,*,t_ms,0\n,*,p99,1.5\n7,broker-a,t_ms,0\n2,,t_ms,1000\n"
                        "2,,p99,inf\n0,\"x,y\",t_ms,1000.5\n0,\"x,y\",p99,0.333333\n");
    free(s);
    free(csv_long_of(ts, 3, -1));
    free(csv_long_of(ts, -1, -1));
    tseries_free(ts);

    /* Without a label column there is no label field. */
    plain = tseries_new(cols, 3);
    ck_assert_ptr_nonnull(plain);
    ck_assert_int_eq(tseries_row(plain, (double[]){5, 1, NAN}), 0);
    s = csv_long_of(plain, 0, 0);
    ck_assert_str_eq(s, "t_ms,metric,value\n5,lag,1\n");
    free(s);
    /* A dropped row fails the write, as in the wide form. */
    ck_assert_int_eq(tseries_row_labeled(plain, "g", (double[]){6, 1, 1}), -1);
    free(csv_long_of(plain, 0, -1));
    tseries_free(plain);
}
END_TEST

START_TEST(test_tseries_growth)
{
    static const char *const cols[] = {"i", "half"};
    struct tseries *ts = tseries_new_labeled("g", cols, 2);
    char label[32];
    int i;

    ck_assert_ptr_nonnull(ts);
    /* Many rows and enough distinct labels to grow both the rows and the label table several times. */
    for (i = 0; i < 20000; i++) {
        snprintf(label, sizeof label, "g%d", i % 300);
        ck_assert_int_eq(tseries_row_labeled(ts, label, (double[]){i, i / 2.0}), 0);
    }
    ck_assert_uint_eq(tseries_rows(ts), 20000);
    for (i = 0; i < 20000; i += 997) {
        snprintf(label, sizeof label, "g%d", i % 300);
        ck_assert(tseries_get(ts, (size_t)i, 0) == i);
        ck_assert(tseries_get(ts, (size_t)i, 1) == i / 2.0);
        ck_assert_str_eq(tseries_label(ts, (size_t)i), label);
    }
    ck_assert_ptr_eq(tseries_label(ts, 5), tseries_label(ts, 305));
    tseries_free(ts);
}
END_TEST

static Suite *output_tseries_suite(void)
{
    Suite *s = suite_create("output_tseries");
    TCase *tc = tcase_create("tseries");
    tcase_add_test(tc, test_tseries_csv);
    tcase_add_test(tc, test_tseries_labeled);
    tcase_add_test(tc, test_tseries_long);
    tcase_add_test(tc, test_tseries_growth);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(output_tseries_suite());
}
