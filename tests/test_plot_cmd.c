/* test_plot_cmd: `mqsim plot DIR` (models/plot*.c) called in-process on compare.csv and summary.csv fixtures
 * (latency quantiles, columns found by name in any order, confidence intervals, units), and the command's
 * contract: no gnuplot on PATH gives exit 3 and its one line, an empty directory exit 2, a failing script exit 3
 * with gnuplot's error passed on and nothing left behind. index.html's contents: test_report.c. Without gnuplot the
 * figures are not checked: a stand-in lets the data files be. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/cmd/plot.h"
#include "tests/harness.h"

/* Columns in an unusual order, extra columns, empty fields (null), a quoted name with a comma. */
static const char compare_csv[] =
    "seed,acked_lost,promotion_ms,runs_ok,downtime_ms,scenario\n"
    "1,10,8000,1,10000,manual\n"
    "2,12,15000,1,20000,manual\n"
    "3,9,25000,1,30000,manual\n"
    "4,11,,1,,manual\n"
    "1,0,2000,1,3000,\"dledger, 3 nodes\"\n"
    "2,0,2500,1,3500,\"dledger, 3 nodes\"\n"
    "3,0,3000,1,4000,\"dledger, 3 nodes\"\n"
    "1,0,1000,1,1500,controller\n";

START_TEST(test_compare)
{
    char dir[128];
    char *ci, *cdf, *line;
    int rows = 0;
    struct th_captured c;

    th_scratch(dir, sizeof dir);
    th_write_in(dir, "compare.csv", compare_csv);
    c = th_plot_dir_captured(dir, 0);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_int_eq(th_count_lines(c.out), 3);                /* two figures and index.html */
    th_check_figure(dir, "downtime-cdf", 1000, 600);
    th_check_figure(dir, "downtime-ci", 1000, 600);
    th_check_no_temporaries(dir);

    /* manual: downtimes 10, 20, 30 s (the run without one is left out): mean 20 s, 95% CI 20 -/+
     * t(0.975, 2) * 10 / sqrt(3) = 20 -/+ 24.8413771; promotions 8, 15, 25 s. */
    ci = th_read_in(dir, "downtime-ci.dat");
    for (line = strtok(ci, "\n"); line; line = strtok(NULL, "\n")) {
        int i, dn, pn, runs;
        char name[64];
        double dm, dlo, dhi, pm, plo, phi;
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%d \"%63[^\"]\" %lf %lf %lf %d %lf %lf %lf %d %d", &i, name, &dm, &dlo, &dhi,
                                &dn, &pm, &plo, &phi, &pn, &runs), 11);
        ck_assert_int_eq(i, rows);
        if (rows == 0) {
            ck_assert_str_eq(name, "manual");
            ck_assert_double_eq_tol(dm, 20.0, 1e-9);
            ck_assert_double_eq_tol(dlo, 20.0 - 24.8413771, 1e-6);
            ck_assert_double_eq_tol(dhi, 20.0 + 24.8413771, 1e-6);
            ck_assert_int_eq(dn, 3);
            ck_assert_int_eq(runs, 4);
            ck_assert_double_eq_tol(pm, 16.0, 1e-9);
            ck_assert_int_eq(pn, 3);
        } else if (rows == 1) {
            ck_assert_str_eq(name, "dledger, 3 nodes");
            ck_assert_double_eq_tol(dm, 3.5, 1e-9);
        } else {
            /* One run: no interval, the whiskers collapse onto the mean. */
            ck_assert_str_eq(name, "controller");
            ck_assert_double_eq_tol(dlo, 1.5, 1e-9);
            ck_assert_double_eq_tol(dhi, 1.5, 1e-9);
        }
        rows++;
    }
    ck_assert_int_eq(rows, 3);
    free(ci);
    /* The CDF of manual ends at 3 of 4 runs: one never recovered (an older compare.csv: no censored time). */
    cdf = th_read_in(dir, "downtime-cdf.dat");
    ck_assert_ptr_nonnull(strstr(cdf, "\"manual (4 runs; 1 of 4 did not recover in the run)\"\n10 0\n10 0.25\n20 0.5\n30 0.75\n"));
    free(cdf);
    th_captured_free(&c);
}
END_TEST

START_TEST(test_compare_bad_header)
{
    char dir[128];
    struct th_captured c;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "compare.csv", "scenario,seed,promotion_ms\nx,1,5\n");
    c = th_plot_dir_captured(dir, 0);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_int_eq(th_count_lines(c.err), 1);
    ck_assert_ptr_nonnull(strstr(c.err, "compare.csv"));
    ck_assert_ptr_nonnull(strstr(c.err, "downtime_ms"));
    th_assert_dir_holds(dir, "compare.csv\n", "a compare.csv without downtimes");   /* no figure, no index.html */
    th_captured_free(&c);
}
END_TEST

/* No run recovered and none says when it ended: no CDF can be drawn (one line, exit 2, and an earlier plot's
 * CDF removed), but the confidence intervals can, and index.html shows them. */
START_TEST(test_compare_no_recovery)
{
    char dir[128];
    struct th_captured c;
    th_scratch(dir, sizeof dir);
    /* an earlier plot of the folder, whose runs recovered, drew a CDF: it must not stay beside the new data */
    th_write_in(dir, "compare.csv", "scenario,seed,downtime_ms,recovered,promotion_ms\nmanual,1,5000,1,3000\n");
    c = th_plot_dir_captured(dir, 1);
    ck_assert_int_eq(c.rc, 0);
    th_captured_free(&c);
    th_write_in(dir, "compare.csv", "scenario,seed,downtime_ms,recovered,promotion_ms\nmanual,1,,0,\nmanual,2,,0,\n");
    c = th_plot_dir_captured(dir, 0);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_int_eq(th_count_lines(c.err), 1);
    ck_assert_ptr_nonnull(strstr(c.err, "no run recovered and no censored time is known; no downtime CDF"));
    ck_assert(th_exists_in(dir, "downtime-ci.dat"));
    ck_assert(th_exists_in(dir, "index.html"));
    ck_assert(!th_exists_in(dir, "downtime-cdf.svg") && !th_exists_in(dir, "downtime-cdf.png"));
    th_captured_free(&c);
}
END_TEST

/* Two swept keys (a number in ms, then a role), two metrics; bookkeeping columns (runs, violations) that are not
 * swept keys; stats in any order. */
static const char summary_csv[] =
    "operator.reaction.median_ms,groups[0].role,runs,violations,downtime_ms_mean,downtime_ms_n,downtime_ms_sd,"
    "downtime_ms_ci95_lo,downtime_ms_ci95_hi,downtime_ms_median,downtime_ms_p95,acked_lost_n,acked_lost_mean,"
    "acked_lost_sd,acked_lost_ci95_lo,acked_lost_ci95_hi,acked_lost_median,acked_lost_p95\n"
    "60000,ASYNC_MASTER,10,0,130000,10,20000,115000,145000,128000,160000,10,50,10,43,57,50,65\n"
    "300000,ASYNC_MASTER,10,0,370000,10,60000,327000,413000,360000,470000,10,52,11,44,60,51,70\n"
    "600000,ASYNC_MASTER,10,1,690000,10,90000,625000,755000,680000,840000,10,49,9,43,55,49,63\n"
    "60000,SYNC_MASTER,10,0,135000,10,20000,120000,150000,130000,165000,10,0,0,0,0,0,0\n"
    "300000,SYNC_MASTER,10,0,380000,10,60000,337000,423000,370000,480000,10,0,0,0,0,0,0\n"
    "600000,SYNC_MASTER,10,0,,0,,,,,,10,0,0,0,0,0,0\n";

START_TEST(test_sweep)
{
    char dir[128];
    char *dat;
    struct th_captured c;

    th_scratch(dir, sizeof dir);
    th_write_in(dir, "summary.csv", summary_csv);
    c = th_plot_dir_captured(dir, 0);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_int_eq(th_count_lines(c.out), 3);                /* one figure a metric, and index.html */
    th_check_figure(dir, "sweep-downtime_ms", 1000, 600);
    th_check_figure(dir, "sweep-acked_lost", 1000, 600);
    th_check_no_temporaries(dir);
    /* x in seconds, y in seconds; a line per role; the grid point without a mean is left out. */
    dat = th_read_in(dir, "sweep-downtime_ms.dat");
    ck_assert_ptr_nonnull(strstr(dat, "\"ASYNC_MASTER\"\n60 130 115 145 10 \"60000\"\n"
                                      "300 370 327 413 10 \"300000\"\n600 690 625 755 10 \"600000\"\n"));
    ck_assert_ptr_nonnull(strstr(dat, "\n\n\n\"x\" \"mean\" \"SYNC_MASTER\"\n60 135 120 150 10 "
                                      "\"60000\"\n300 380 337 423 10 \"300000\"\n"));
    ck_assert_ptr_null(strstr(dat, "600 NaN"));
    free(dat);
    th_captured_free(&c);
}
END_TEST

/* A categorical first key, named by sweep.json (so the constant "base" column is not taken for a key). */
START_TEST(test_sweep_categorical)
{
    char dir[128];
    char *dat;
    struct th_captured c;

    th_scratch(dir, sizeof dir);
    th_write_in(dir, "sweep.json", "{\"base\": \"scenarios/master_crash.json\", \"runs\": 5,\n"
                                  " \"vary\": {\"groups[0].flush\": [\"ASYNC_FLUSH\", \"SYNC_FLUSH\"]}}\n");
    th_write_in(dir, "summary.csv", "base,groups[0].flush,acked_lost_mean,acked_lost_ci95_lo,acked_lost_ci95_hi\n"
                                   "x.json,ASYNC_FLUSH,120.5,100,141\n"
                                   "x.json,SYNC_FLUSH,0,0,0\n");
    c = th_plot_dir_captured(dir, 1);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    th_check_figure(dir, "sweep-acked_lost", 1000, 600);
    dat = th_read_in(dir, "sweep-acked_lost.dat");
    ck_assert_ptr_nonnull(strstr(dat, "\n0 120.5 100 141 NaN \"ASYNC_FLUSH\"\n1 0 0 0 NaN \"SYNC_FLUSH\"\n"));
    free(dat);
    th_captured_free(&c);
}
END_TEST

/* A metric null at every grid point (no failover in any run) gets no figure, and a line says so; the others
 * are drawn. */
START_TEST(test_sweep_null_metric)
{
    char dir[128];
    struct th_captured c;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "summary.csv", "rate,runs,violations,acked_n,acked_mean,acked_ci95_lo,acked_ci95_hi,"
                                   "down_ms_n,down_ms_mean,down_ms_ci95_lo,down_ms_ci95_hi\n"
                                   "100,2,0,2,95,90,100,0,,,\n"
                                   "200,2,0,2,190,180,200,0,,,\n");
    c = th_plot_dir_captured(dir, 1);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    th_check_figure(dir, "sweep-acked", 1000, 600);
    ck_assert_msg(strstr(c.err, "no figure sweep-down_ms: sweep metric \"down_ms\" is null in every run") != NULL,
                  "stderr: %s", c.err);
    ck_assert_msg(strstr(c.err, "\"acked\"") == NULL, "stderr: %s", c.err);
    th_captured_free(&c);
}
END_TEST

START_TEST(test_sweep_without_metrics)
{
    char dir[128];
    struct th_captured c;
    th_scratch(dir, sizeof dir);
    th_write_in(dir, "summary.csv", "a,b\n1,2\n");
    c = th_plot_dir_captured(dir, 0);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_int_eq(th_count_lines(c.err), 1);
    ck_assert_ptr_nonnull(strstr(c.err, "summary.csv"));
    th_assert_dir_holds(dir, "summary.csv\n", "a summary.csv without metrics");
    th_captured_free(&c);
}
END_TEST

START_TEST(test_no_gnuplot)
{
    char dir[128], empty[128], line[512];
    struct th_captured c;

    ck_assert_msg(th_plot_runs_ok, "the mqsim runs in main failed");
    th_scratch(dir, sizeof dir);
    th_scratch(empty, sizeof empty);
    th_copy_run(th_plot_lag, dir);
    th_write_in(dir, "compare.csv", compare_csv);
    ck_assert_int_eq(setenv("PATH", empty, 1), 0);
    c = th_plot_dir_captured(dir, 0);
    ck_assert_int_eq(c.rc, 3);
    snprintf(line, sizeof line, "mqsim: gnuplot not found; install it (apt-get install gnuplot-nox) \xe2\x80\x94 the CSV "
                                "files in %s are kept\n", dir);
    ck_assert_str_eq(c.err, line);
    ck_assert_str_eq(c.out, "");
    ck_assert_int_eq(th_count_entries(dir), 4);               /* nothing written */
    th_captured_free(&c);
}
END_TEST

START_TEST(test_empty_dir)
{
    char dir[128];
    struct th_captured c;
    th_scratch(dir, sizeof dir);
    c = th_plot_dir_captured(dir, 0);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_int_eq(th_count_lines(c.err), 1);
    ck_assert_ptr_nonnull(strstr(c.err, "nothing to plot"));
    ck_assert_int_eq(th_count_entries(dir), 0);
    th_captured_free(&c);
}
END_TEST

/* A script gnuplot rejects: exit 3, gnuplot's error on stderr, no figure and no temporary file left. */
START_TEST(test_gnuplot_fails)
{
    char dir[128], plots[128];
    struct th_captured c;

    if (!th_gnuplot)
        return;                 /* gnuplot's own messages are what is checked */

    th_scratch(dir, sizeof dir);
    th_scratch(plots, sizeof plots);
    th_write_in(plots, "lag.gp", "# present: the directory is recognised by it\n");
    th_write_in(plots, "downtime_cdf.gp", "set terminal pngcairo\nset output png\nplot this_is_not_defined(x)\n");
    th_write_in(plots, "downtime_ci.gp", "set terminal pngcairo\nset output png\nplot sin(x)\n");   /* no SVG */
    th_write_in(dir, "compare.csv", compare_csv);
    ck_assert_int_eq(setenv("MQSIM_PLOTS", plots, 1), 0);
    c = th_plot_dir_captured(dir, 0);
    ck_assert_int_eq(c.rc, 3);
    ck_assert_msg(strstr(c.err, "mqsim: gnuplot (downtime_cdf.gp): ") != NULL, "stderr: %s", c.err);
    ck_assert_msg(strstr(c.err, "undefined function") != NULL, "stderr: %s", c.err);
    ck_assert_msg(strstr(c.err, "downtime_ci.gp") != NULL, "stderr: %s", c.err);
    ck_assert(!th_exists_in(dir, "downtime-cdf.png"));
    ck_assert(!th_exists_in(dir, "downtime-ci.png"));
    ck_assert(!th_exists_in(dir, "downtime-ci.svg"));
    th_check_no_temporaries(dir);
    th_captured_free(&c);
}
END_TEST

START_TEST(test_scripts_not_found)
{
    char dir[128], nowhere[128];
    struct th_captured c;
    th_scratch(dir, sizeof dir);
    th_scratch(nowhere, sizeof nowhere);
    th_write_in(dir, "compare.csv", compare_csv);
    ck_assert_int_eq(setenv("MQSIM_PLOTS", nowhere, 1), 0);
    ck_assert_int_eq(chdir(nowhere), 0);                  /* no ./plots either */
    c = th_plot_dir_captured(dir, 0);
    if (access("/usr/local/share/mqsim/plots/lag.gp", F_OK) == 0) {
        ck_assert_int_eq(c.rc, 0);                         /* an installed copy was found */
    } else {
        ck_assert_int_eq(c.rc, 3);
        ck_assert_int_eq(th_count_lines(c.err), 1);
        ck_assert_ptr_nonnull(strstr(c.err, nowhere));
        ck_assert_ptr_nonnull(strstr(c.err, "share/mqsim/plots"));
    }
    th_captured_free(&c);
}
END_TEST

START_TEST(test_usage)
{
    char *none[1] = {NULL};
    char *bad[3] = {(char *)"x", (char *)"--loud", NULL};
    char *two[3] = {(char *)"x", (char *)"y", NULL};
    char *missing[2] = {(char *)"/nonexistent/mqsim-plot", NULL};
    struct th_captured c = th_plot_captured(0, none);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_int_eq(th_count_lines(c.err), 1);
    th_captured_free(&c);
    c = th_plot_captured(2, bad);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_ptr_nonnull(strstr(c.err, "--loud"));
    th_captured_free(&c);
    c = th_plot_captured(2, two);
    ck_assert_int_eq(c.rc, 2);
    th_captured_free(&c);
    c = th_plot_captured(1, missing);
    ck_assert_int_eq(c.rc, 2);
    ck_assert_ptr_nonnull(strstr(c.err, "/nonexistent/mqsim-plot"));
    th_captured_free(&c);
}
END_TEST

static Suite *plot_cmd_suite(void)
{
    Suite *s = suite_create("plot_cmd");
    TCase *tc = tcase_create("figures");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_compare);
    tcase_add_test(tc, test_sweep);
    tcase_add_test(tc, test_sweep_categorical);
    tcase_add_test(tc, test_sweep_null_metric);
    suite_add_tcase(s, tc);

    tc = tcase_create("contract");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_no_gnuplot);
    tcase_add_test(tc, test_empty_dir);
    tcase_add_test(tc, test_gnuplot_fails);
    tcase_add_test(tc, test_scripts_not_found);
    tcase_add_test(tc, test_compare_bad_header);
    tcase_add_test(tc, test_compare_no_recovery);
    tcase_add_test(tc, test_sweep_without_metrics);
    tcase_add_test(tc, test_usage);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (th_plot_setup("test_plot_cmd", 1) < 0)
        return 1;
    return th_run_suite(plot_cmd_suite());
}
