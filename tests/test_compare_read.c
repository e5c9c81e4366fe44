/* test_compare_read: what mqsim compare reads from hand-written metrics.json (topic, every group by name,
 * failovers that recovered or not, older files), the censored statistics and their cells (all recovered, some
 * censored, all censored), and numbers printed as people read them. */
#include <check.h>
#include <cJSON.h>
#include <math.h>
#include <string.h>

#include "models/cmd/compare.h"
#include "models/cmd/compare_int.h"
#include "tests/harness.h"

static void extract_text(const char *text, struct crun *r)
{
    cJSON *root = cJSON_Parse(text);
    ck_assert_msg(root != NULL, "fixture does not parse:\n%s", text);
    memset(r, 0, sizeof *r);
    ck_assert_int_eq(compare_extract(root, r), 0);
    cJSON_Delete(root);
}

/* ======================================================================================================
 * reading metrics.json
 * ====================================================================================================== */

START_TEST(test_extract_topic_and_groups)
{
    struct th_fx_group g[] = {th_fx_rec("broker-a", 21500.5), th_fx_calm("broker-b")};
    struct crun r;
    extract_text(th_fx_metrics(0.97125, 22500, 3000, 12.5, 23100, 300000, g, 2), &r);
    ck_assert(r.has_metrics);
    ck_assert_double_eq(r.v[CR_AVAIL], 0.97125);
    ck_assert_double_eq(r.v[CR_WRITE_UNAVAIL], 22500);
    ck_assert_double_eq(r.v[CR_READ_UNAVAIL], 3000);
    ck_assert_double_eq(r.v[CR_P99], 12.5);
    ck_assert_double_eq(r.v[CR_ACKED_LOST], 23100);
    ck_assert_double_eq(r.v[CR_DUPLICATES], 2);
    ck_assert_double_eq(r.v[CR_SENT], 1000);
    ck_assert_double_eq(r.v[CR_CONSUMED], 940);
    ck_assert_uint_eq(r.ng, 2);
    const struct cgroup *a = compare_group(&r, "broker-a"), *b = compare_group(&r, "broker-b");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_null(compare_group(&r, "broker-c"));
    ck_assert(a->failover && !b->failover);
    ck_assert_double_eq(a->v[CG_DOWNTIME], 21500.5);
    ck_assert_double_eq(a->v[CG_RECOVERED], 1);
    ck_assert(isnan(a->v[CG_CENSORED]));
    ck_assert_double_eq(a->v[CG_DETECTION], 5000);      /* measured from the crash */
    ck_assert_double_eq(a->v[CG_ELECTION], 9000);
    ck_assert_double_eq(a->v[CG_PROMOTION], 10000);
    ck_assert_double_eq(a->v[CG_AVAIL], 0.95);
    ck_assert_double_eq(a->v[CG_WRITE_UNAVAIL], 22500.5);
    ck_assert_double_eq(a->v[CG_P99], 15);
    ck_assert(isnan(b->v[CG_DOWNTIME]) && isnan(b->v[CG_RECOVERED]) && isnan(b->v[CG_PROMOTION]));
    ck_assert_double_eq(b->v[CG_P99], 4.5);
    compare_run_free(&r);
}
END_TEST

START_TEST(test_extract_censored)
{
    struct th_fx_group g[] = {th_fx_cens("broker-a", 85000)};
    struct crun r;
    extract_text(th_fx_metrics(NAN, 85000, 85000, NAN, 0, 145000, g, 1), &r);
    const struct cgroup *a = compare_group(&r, "broker-a");
    ck_assert(a && a->failover);
    ck_assert(isnan(a->v[CG_DOWNTIME]));
    ck_assert_double_eq(a->v[CG_RECOVERED], 0);
    ck_assert_double_eq(a->v[CG_CENSORED], 85000);
    ck_assert(isnan(a->v[CG_ELECTION]) && isnan(a->v[CG_PROMOTION]));
    ck_assert(isnan(r.v[CR_AVAIL]) && isnan(r.v[CR_P99]));  /* null: no sends, no acknowledged send */
    compare_run_free(&r);

    /* recovered false beside a number: the number is not shown as a downtime. */
    g[0].down = 1234;
    extract_text(th_fx_metrics(0.9, 1, 1, 1, 0, 145000, g, 1), &r);
    ck_assert(isnan(compare_group(&r, "broker-a")->v[CG_DOWNTIME]));
    compare_run_free(&r);

    /* An older metrics.json: no "recovered"; a null downtime is censored at the end of the run. */
    g[0] = th_fx_cens("broker-a", NAN);
    g[0].recovered = -1;
    extract_text(th_fx_metrics(0.9, 1, 1, 1, 0, 145000, g, 1), &r);
    a = compare_group(&r, "broker-a");
    ck_assert_double_eq(a->v[CG_RECOVERED], 0);
    ck_assert_double_eq(a->v[CG_CENSORED], 145000 - 60000);
    compare_run_free(&r);
    g[0] = th_fx_rec("broker-a", 7000);
    g[0].recovered = -1;
    extract_text(th_fx_metrics(0.9, 1, 1, 1, 0, 145000, g, 1), &r);
    ck_assert_double_eq(compare_group(&r, "broker-a")->v[CG_RECOVERED], 1);
    ck_assert_double_eq(compare_group(&r, "broker-a")->v[CG_DOWNTIME], 7000);
    compare_run_free(&r);

    /* No topic, no groups: every figure NaN, no group. */
    extract_text("{\"messages\": {\"sent\": 5}}", &r);
    ck_assert(r.has_metrics && r.ng == 0 && isnan(r.v[CR_AVAIL]) && r.v[CR_SENT] == 5);
    compare_run_free(&r);
}
END_TEST

/* ======================================================================================================
 * censored statistics and cells
 * ====================================================================================================== */

/* One scenario of three runs whose broker-a downtimes are d[k] (NaN: censored at c[k]). */
static void three_runs(struct compare *c, struct crun *res, const double *d, const double *cs)
{
    memset(c, 0, sizeof *c);
    static char *names[] = {(char *)"s"};
    c->names = names;
    c->nsc = 1;
    c->runs = 3;
    c->res = res;
    for (int k = 0; k < 3; k++) {
        struct th_fx_group g = isnan(d[k]) ? th_fx_cens("broker-a", cs[k]) : th_fx_rec("broker-a", d[k]);
        extract_text(th_fx_metrics(0.9, 1, 1, 1, 0, 300000, &g, 1), &res[k]);
    }
    ck_assert_int_eq(compare_names_build(c), 0);
}

static void free_runs(struct compare *c)
{
    for (size_t k = 0; k < c->runs; k++)
        compare_run_free(&c->res[k]);
    compare_names_free(&c->groups);
}

START_TEST(test_censored_cells)
{
    struct compare c;
    struct crun res[3];
    struct cdown d;
    char cell[96];

    /* All recovered: 10, 12, 14 s: mean 12, 95% CI 12 -/+ t(0.975, 2) * 2 / sqrt(3) = 12 -/+ 4.968. */
    three_runs(&c, res, (double[]){10000, 12000, 14000}, (double[]){NAN, NAN, NAN});
    compare_downtime(&c, 0, "broker-a", &d);
    ck_assert_uint_eq(d.failovers, 3);
    ck_assert_uint_eq(d.recovered, 3);
    ck_assert_uint_eq(d.censored, 0);
    ck_assert(isnan(d.censored_min));
    ck_assert_double_eq_tol(d.st.mean, 12000, 1e-9);
    compare_fmt_downtime(cell, sizeof cell, &d);
    ck_assert_str_eq(cell, "12.0 ± 5.0");
    compare_fmt_censored(cell, sizeof cell, &d);
    ck_assert_str_eq(cell, "0");
    free_runs(&c);

    /* Some censored: the statistics are the recovered runs' alone; the censored ones are counted, bounded
     * below by the smallest censored time. */
    three_runs(&c, res, (double[]){20000, NAN, NAN}, (double[]){NAN, 90000, 85000});
    compare_downtime(&c, 0, "broker-a", &d);
    ck_assert_uint_eq(d.failovers, 3);
    ck_assert_uint_eq(d.recovered, 1);
    ck_assert_uint_eq(d.censored, 2);
    ck_assert_double_eq(d.censored_min, 85000);
    ck_assert_uint_eq(d.st.n, 1);
    ck_assert_double_eq(d.st.max, 20000);
    compare_fmt_downtime(cell, sizeof cell, &d);
    ck_assert_str_eq(cell, "20.0");
    compare_fmt_censored(cell, sizeof cell, &d);
    ck_assert_str_eq(cell, "2 (> 85.0 s)");
    free_runs(&c);

    /* All censored: no measured value at all. */
    three_runs(&c, res, (double[]){NAN, NAN, NAN}, (double[]){90000, 85000.4, 95000});
    compare_downtime(&c, 0, "broker-a", &d);
    ck_assert_uint_eq(d.recovered, 0);
    ck_assert_uint_eq(d.censored, 3);
    ck_assert_uint_eq(d.st.n, 0);
    compare_fmt_downtime(cell, sizeof cell, &d);
    ck_assert_str_eq(cell, "> 85.0 s (3 censored)");
    compare_fmt_censored(cell, sizeof cell, &d);
    ck_assert_str_eq(cell, "3 (> 85.0 s)");
    /* A group that is not there: no failover, "-". */
    compare_downtime(&c, 0, "broker-z", &d);
    ck_assert_uint_eq(d.failovers, 0);
    compare_fmt_downtime(cell, sizeof cell, &d);
    ck_assert_str_eq(cell, "-");
    free_runs(&c);
}
END_TEST

START_TEST(test_numbers_as_people_read_them)
{
    static const struct { double v; const char *want; } cases[] = {
        {23100, "23,100"}, {1234567.8, "1,234,568"}, {329.12, "329.1"}, {7.25, "7.2"}, {0.456, "0.46"},
        {0.0042, "0.004"}, {0, "0.0"}, {-0.0, "0.0"}, {NAN, "-"}, {1e15, "1,000,000,000,000,000"},
        {-23100, "-23,100"}, {-0.01, "-0.010"}, {999.96, "1,000.0"}, {INFINITY, "-"},
    };
    char b[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        compare_fmt_num(b, sizeof b, cases[i].v, cases[i].v);
        ck_assert_msg(strcmp(b, cases[i].want) == 0, "%g: \"%s\", expected \"%s\"", cases[i].v, b, cases[i].want);
    }
}
END_TEST

static Suite *compare_read_suite(void)
{
    Suite *s = suite_create("compare_read");
    TCase *tc = tcase_create("reading");
    tcase_add_test(tc, test_extract_topic_and_groups);
    tcase_add_test(tc, test_extract_censored);
    tcase_add_test(tc, test_censored_cells);
    tcase_add_test(tc, test_numbers_as_people_read_them);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(compare_read_suite());
}
