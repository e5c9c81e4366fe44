/* test_plot_run: `mqsim plot DIR` (models/plot*.c) called in-process on run folders: every figure type drawn from a
 * real run's output ($MQSIM, else ./mqsim, runs short scenarios once in main) and from run folders written by hand
 * (the topic's "*" rows and the groups' rows of timeseries.csv) is a valid PNG of the expected size and an SVG;
 * the data files gnuplot reads hold what they should (the topic's failures without a route, write and read lanes,
 * idle against down, DLedger's "elected", an unrecovered group down to the end). Without gnuplot the figures are
 * not checked: a stand-in lets the data files be. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/cmd/plot.h"
#include "tests/harness.h"

static const char ts_header[] =
    "group,t_ms,master_max_offset,slave1_lag_bytes,slave1_lag_msgs,backlog_msgs,reads_master,reads_slave,"
    "redirect_threshold_bytes,sends,acked,failed,latency_p50_ms,latency_p99_ms,redirects_to_slave,"
    "redirects_to_master\n";

/* One sample of a series: counts for the interval ending at t_s; p50 < 0 for no acknowledged send (empty). */
struct sample {
    double backlog, reads_master, reads_slave, sends, acked, failed, p50, p99;
};

static void put_row(FILE *f, const char *group, int t_s, const struct sample *s, int topic, double offset)
{
    char p50[32] = "", p99[32] = "";
    if (s->p50 >= 0) {
        snprintf(p50, sizeof p50, "%g", s->p50);
        snprintf(p99, sizeof p99, "%g", s->p99);
    }
    if (topic)
        fprintf(f, "*,%d,,,,%g,%g,%g,,%g,%g,%g,%s,%s,0,0\n", t_s * 1000, s->backlog, s->reads_master, s->reads_slave,
                s->sends, s->acked, s->failed, p50, p99);
    else
        fprintf(f, "%s,%d,%g,0,0,%g,%g,%g,1073741824,%g,%g,%g,%s,%s,0,0\n", group, t_s * 1000, offset, s->backlog,
                s->reads_master, s->reads_slave, s->sends, s->acked, s->failed, p50, p99);
}

static FILE *open_in(const char *dir, const char *name)
{
    char p[512];
    FILE *f;
    th_join(p, sizeof p, dir, name);
    f = fopen(p, "w");
    ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
    return f;
}

/* A manual failover of broker-a, one group, samples 0..20 s: the master crashes at 5 s; sends reach it and fail
 * until 8 s, then broker-a has left the route and every send fails with no route (counted in the "*" rows only)
 * until the promotion; the first write is acknowledged at 14.5 s. Reads: nothing delivered from 5 to 10 s while
 * 50 messages wait (down), the slave serves them at 11 s, then nothing to read until 15 s (idle). */
static void fixture_manual(const char *dir)
{
    FILE *f = open_in(dir, "timeseries.csv");
    double offset = 0;
    int t;
    fputs(ts_header, f);
    for (t = 0; t <= 20; t++) {
        struct sample top = {0, 0, 0, 0, 0, 0, -1, -1}, grp;
        if (t == 0) {
        } else if (t <= 5 || t >= 16) {
            top = (struct sample){0, 100, 0, 100, 100, 0, 2, 5};
        } else if (t <= 8) {
            top = (struct sample){50, 0, 0, 100, 0, 100, -1, -1};
        } else if (t <= 14) {
            top = (struct sample){t <= 10 ? 50 : 0, 0, t == 11 ? 50 : 0, 100, 0, 100, -1, -1};
        } else {
            top = (struct sample){0, 50, 0, 100, 50, 50, 3, 40};
        }
        grp = top;
        if (t >= 9 && t <= 15) {       /* no route: the failures are the topic's alone */
            grp.sends -= grp.failed;
            grp.failed = 0;
        }
        offset += grp.acked * 1000;
        put_row(f, "", t, &top, 1, 0);
        put_row(f, "broker-a", t, &grp, 0, offset);
    }
    ck_assert_int_eq(fclose(f), 0);
    th_write_in(dir, "metrics.json",
               "{\"scenario\": \"hand_manual\", \"seed\": 7, \"ha\": \"master_slave\", \"sim_ms\": 20000,\n"
               " \"topic\": {\"sends\": 2000, \"acked\": 1050, \"failed\": 950, \"availability\": 0.525,\n"
               "   \"latency_ms\": {\"mean\": 2.5, \"p50\": 2, \"p90\": 4, \"p99\": 5, \"p999\": 40,\n"
               "   \"max\": 41}},\n"
               " \"groups\": [{\"name\": \"broker-a\", \"failover\": {\"crash_ms\": 5000,\n"
               "   \"crash_kind\": \"process\", \"detected_ms\": 7000, \"elected_ms\": 14000,\n"
               "   \"new_master\": \"broker-a-1\", \"promoted_ms\": 14000, \"first_write_ms\": 14500,\n"
               "   \"downtime_ms\": 9500, \"recovered\": true, \"censored_ms\": null}}]}\n");
}

/* DLedger, two groups, samples 0..18 s of a 20 s run: broker-a's leader crashes at 5 s, a leader is elected at
 * 8 s but no write is acknowledged on broker-a by the end (recovered false); broker-b carries on, so the
 * topic's writes are partly failing. */
static void fixture_dledger(const char *dir)
{
    FILE *f = open_in(dir, "timeseries.csv");
    double off[2] = {0, 0};
    int t;
    fputs(ts_header, f);
    for (t = 0; t <= 18; t++) {
        struct sample a = {0, 0, 0, 0, 0, 0, -1, -1}, b = a, top;
        if (t > 0) {
            b = (struct sample){0, 100, 0, 100, 100, 0, 3, 9};
            a = t <= 5 ? b : (struct sample){0, 0, 0, 100, 0, 100, -1, -1};
        }
        top = (struct sample){0, a.reads_master + b.reads_master, 0, a.sends + b.sends, a.acked + b.acked,
                              a.failed + b.failed, t > 0 ? 3 : -1, 9};
        off[0] += a.acked * 1000;
        off[1] += b.acked * 1000;
        put_row(f, "", t, &top, 1, 0);
        put_row(f, "broker-a", t, &a, 0, off[0]);
        put_row(f, "broker-b", t, &b, 0, off[1]);
    }
    ck_assert_int_eq(fclose(f), 0);
    th_write_in(dir, "metrics.json",
               "{\"scenario\": \"hand_dledger\", \"seed\": 3, \"ha\": \"dledger\", \"sim_ms\": 20000,\n"
               " \"topic\": {\"availability\": 0.75, \"latency_ms\": {\"p50\": 3, \"p99\": 9}},\n"
               " \"groups\": [{\"name\": \"broker-a\", \"failover\": {\"crash_ms\": 5000, \"crash_kind\": \"host\",\n"
               "   \"detected_ms\": null, \"elected_ms\": 8000, \"new_master\": \"broker-a-2\",\n"
               "   \"promoted_ms\": 8200,\n"
               "   \"first_write_ms\": null, \"downtime_ms\": null, \"recovered\": false, \"censored_ms\": 15000}},\n"
               "  {\"name\": \"broker-b\", \"failover\": null}]}\n");
}

/* The rows of block `block` of a gnuplot data file (blocks are separated by two blank lines), NUL-terminated
 * in a copy the caller frees. */
static char *data_block(const char *text, int block)
{
    const char *s = text, *e;
    char *out;
    int i;
    for (i = 0; i < block; i++) {
        s = strstr(s, "\n\n\n");
        ck_assert_msg(s != NULL, "no block %d", block);
        s += 3;
    }
    e = strstr(s, "\n\n\n");
    if (!e)
        e = s + strlen(s);
    out = strndup(s, (size_t)(e - s));
    ck_assert_ptr_nonnull(out);
    return out;
}

/* Column col (1-based) of the row at t_s in a block; NaN for "NaN"; fails when there is no such row. */
static double block_value(const char *block, double t_s, int col)
{
    const char *line = block;
    while (line && *line) {
        if (*line != '#' && *line != '\n') {
            char *end;
            double t = strtod(line, &end);
            if (end != line && fabs(t - t_s) < 1e-9) {
                const char *s = line;
                int c;
                for (c = 1; c < col; c++) {
                    s = strchr(s, ' ');
                    ck_assert_msg(s != NULL, "row at %g has no column %d", t_s, col);
                    s++;
                }
                return strncmp(s, "NaN", 3) == 0 ? NAN : strtod(s, NULL);
            }
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    ck_abort_msg("no row at t = %g s", t_s);
    return NAN;
}

/* The state of the box of availability.lanes.dat on lane `lane` that holds time t_s; -1 when none does. When
 * end_s is not NULL, it gets that box's end. */
static int lane_state(const char *lanes, int lane, double t_s, double *end_s)
{
    const char *line = lanes;
    while (line && *line) {
        double mid, half;
        int l, st;
        if (*line != '#' && sscanf(line, "%lf %d %lf %d", &mid, &l, &half, &st) == 4 && l == lane &&
            t_s > mid - half && t_s < mid + half) {
            if (end_s)
                *end_s = mid + half;
            return st;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return -1;
}

START_TEST(test_run_slave_lag)
{
    char dir[128];
    char *dat, *marks, *line;
    int rows = 0, to_slave = 0, to_master = 0;
    struct th_captured c;

    ck_assert_msg(th_plot_runs_ok, "the mqsim runs in main failed");
    th_scratch(dir, sizeof dir);
    th_copy_run(th_plot_lag, dir);
    c = th_plot_dir_captured(dir, 0);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_msg(c.err[0] == '\0', "stderr: %s", c.err);
    ck_assert_int_eq(th_count_lines(c.out), 4);                /* one line a figure, then index.html's */
    ck_assert_ptr_nonnull(strstr(c.out, "/index.html  "));
    ck_assert_ptr_nonnull(strstr(c.out, "lag-broker-a.png"));
    ck_assert_ptr_nonnull(strstr(c.out, "availability.png"));
    ck_assert_ptr_nonnull(strstr(c.out, "latency.png"));
    th_check_figure(dir, "lag-broker-a", 1000, 720);
    th_check_figure(dir, "availability", 1000, 600);
    th_check_figure(dir, "latency", 1000, 500);
    th_check_no_temporaries(dir);

    /* The data: times in seconds, the threshold in MiB (256 MiB * 40%), one tick per pull.suggest. */
    dat = th_read_in(dir, "lag-broker-a.dat");
    for (line = strtok(dat, "\n"); line; line = strtok(NULL, "\n")) {
        double t, backlog, thr;
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%lf %lf %lf", &t, &backlog, &thr), 3);
        ck_assert_double_eq_tol(thr, 102.4, 1e-9);
        ck_assert_double_eq_tol(t, rows, 1e-9);
        rows++;
    }
    ck_assert_int_eq(rows, 151);                            /* 0 .. 150 s */
    free(dat);
    marks = th_read_in(dir, "lag-broker-a.marks.dat");
    for (line = strtok(marks, "\n"); line; line = strtok(NULL, "\n")) {
        double t;
        int to;
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%lf %d", &t, &to), 2);
        ck_assert(t > 1 && t <= 150);
        to ? to_slave++ : to_master++;
    }
    free(marks);
    /* The consumer is sent to the slave once its backlog passes the threshold (about 50 s in). */
    ck_assert_int_gt(to_slave, 0);
    ck_assert_int_ge(to_slave, to_master);
    th_captured_free(&c);
}
END_TEST

START_TEST(test_run_failover)
{
    char dir[128];
    char *marks, *lanes, *line;
    int kinds[4] = {0, 0, 0, 0}, down = 0;
    struct th_captured c;

    ck_assert_msg(th_plot_runs_ok, "the mqsim runs in main failed");
    th_scratch(dir, sizeof dir);
    th_copy_run(th_plot_crash, dir);
    c = th_plot_dir_captured(dir, 1);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_str_eq(c.out, "");                            /* --quiet */
    ck_assert_str_eq(c.err, "");
    th_check_figure(dir, "availability", 1000, 600);
    th_check_figure(dir, "lag-broker-a", 1000, 720);
    th_check_figure(dir, "latency", 1000, 500);

    /* The four moments of the failover, from metrics.json, in order. */
    marks = th_read_in(dir, "availability.marks.dat");
    {
        double prev = 0;
        for (line = strtok(marks, "\n"); line; line = strtok(NULL, "\n")) {
            double t;
            int kind, group;
            if (line[0] == '#')
                continue;
            ck_assert_int_eq(sscanf(line, "%lf %d %d", &t, &kind, &group), 3);
            ck_assert(kind >= 0 && kind < 4 && group == 0);
            ck_assert_msg(t >= prev, "marks out of order: %s", line);
            ck_assert(kind != 0 || fabs(t - 20.0) < 1e-9);  /* the crash, at 20 s */
            prev = t;
            kinds[kind]++;
        }
    }
    ck_assert_int_eq(kinds[0], 1);
    ck_assert_int_eq(kinds[1], 1);
    ck_assert_int_eq(kinds[2], 1);
    ck_assert_int_eq(kinds[3], 1);
    free(marks);
    /* Writes are down from the crash on: a lane box in state 3 starting at 20 s. */
    lanes = th_read_in(dir, "availability.lanes.dat");
    for (line = strtok(lanes, "\n"); line; line = strtok(NULL, "\n")) {
        double mid, half;
        int lane, state;
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%lf %d %lf %d", &mid, &lane, &half, &state), 4);
        if (lane == 1 && state == 3 && fabs(mid - half - 20.0) < 1e-6)
            down++;
    }
    ck_assert_int_eq(down, 1);
    free(lanes);

    /* The topic's failed sends, per second over 1 s samples, add up to metrics.json's topic.failed (failures
     * without a route included): at least the group's own. */
    {
        char *dat = th_read_in(dir, "availability.dat"), *metrics = th_read_in(dir, "metrics.json");
        char *topic = data_block(dat, 0), *group = data_block(dat, 1);
        const char *m = strstr(metrics, "\"topic\"");
        double sum[2] = {0, 0}, want;
        int k;
        for (k = 0; k < 2; k++) {
            char *blk = k ? group : topic, *save = NULL;
            for (line = strtok_r(blk, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                double ts, acked, failed;
                if (line[0] != '#' && sscanf(line, "%lf %lf %lf", &ts, &acked, &failed) == 3)
                    sum[k] += failed;
            }
        }
        ck_assert_ptr_nonnull(m);
        m = strstr(m, "\"failed\":");
        ck_assert_ptr_nonnull(m);
        want = strtod(m + strlen("\"failed\":"), NULL);
        ck_assert_double_gt(want, 0);
        ck_assert_double_eq_tol(sum[0], want, 1e-6);
        ck_assert_double_ge(sum[0], sum[1]);
        free(topic);
        free(group);
        free(dat);
        free(metrics);
    }
    th_captured_free(&c);
}
END_TEST

/* A run without trace.jsonl: the redirect ticks come from the running counts in timeseries.csv. */
START_TEST(test_run_without_trace)
{
    char dir[128], p[512];
    char *marks;
    struct th_captured c;

    ck_assert_msg(th_plot_runs_ok, "the mqsim runs in main failed");
    th_scratch(dir, sizeof dir);
    th_copy_run(th_plot_lag, dir);
    th_join(p, sizeof p, dir, "trace.jsonl");
    ck_assert_int_eq(unlink(p), 0);
    c = th_plot_dir_captured(dir, 1);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    th_check_figure(dir, "lag-broker-a", 1000, 720);
    marks = th_read_in(dir, "lag-broker-a.marks.dat");
    ck_assert_ptr_nonnull(strstr(marks, "from timeseries.csv"));
    ck_assert_ptr_nonnull(strstr(marks, " 1\n"));
    free(marks);
    th_captured_free(&c);
}
END_TEST

/* Bad input in a run folder (metrics.json cut short or not an object, timeseries.csv without its columns):
 * exit 2, one line naming the file (and in a JSON file the JSON path), and the folder as it was: no figure, no
 * index.html. */
START_TEST(test_run_bad_input_draws_nothing)
{
    static const struct {
        const char *file, *text, *says;
    } bad[] = {
        {"metrics.json", "{\"bad", "/metrics.json: $: invalid JSON at line 1, column 3"},
        {"metrics.json", "[1]", "/metrics.json: $: expected an object, got an array"},
        {"timeseries.csv", "group,t_ms\nbroker-a,1000,5\n", "timeseries.csv"},
    };
    ck_assert_msg(th_plot_runs_ok, "the mqsim runs in main failed");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char dir[128];
        th_scratch(dir, sizeof dir);
        th_copy_run(th_plot_lag, dir);
        th_write_in(dir, bad[i].file, bad[i].text);
        char *before = th_list_dir(dir);
        struct th_captured c = th_plot_dir_captured(dir, 1);
        ck_assert_msg(c.rc == 2, "%s: exit %d, stderr: %s", bad[i].file, c.rc, c.err);
        ck_assert_msg(th_count_lines(c.err) == 1 && strstr(c.err, bad[i].says), "%s: stderr %s", bad[i].file, c.err);
        char *after = th_list_dir(dir);
        ck_assert_str_eq(after, before);
        free(before);
        free(after);
        th_captured_free(&c);
    }
}
END_TEST

START_TEST(test_run_topic_and_lanes)
{
    char dir[128];
    char *dat, *topic, *group, *lanes, *marks;
    struct th_captured c;
    double t;

    th_scratch(dir, sizeof dir);
    fixture_manual(dir);
    c = th_plot_dir_captured(dir, 0);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_msg(c.err[0] == '\0', "stderr: %s", c.err);
    ck_assert_int_eq(th_count_lines(c.out), 4);                /* lag-broker-a, availability, latency, index.html */
    th_check_figure(dir, "availability", 1000, 600);
    th_check_figure(dir, "latency", 1000, 500);
    th_check_figure(dir, "lag-broker-a", 1000, 720);
    th_check_no_temporaries(dir);

    /* The topic's failed sends per second include the failures without a route (9..15 s), which the group's
     * rows do not have. */
    dat = th_read_in(dir, "availability.dat");
    topic = data_block(dat, 0);
    group = data_block(dat, 1);
    ck_assert_ptr_nonnull(strstr(topic, "# topic"));
    ck_assert_ptr_nonnull(strstr(group, "# group broker-a"));
    for (t = 6; t <= 14; t++) {
        ck_assert_double_eq_tol(block_value(topic, t, 3), 100, 1e-9);
        ck_assert_double_eq_tol(block_value(topic, t, 2), 0, 1e-9);
    }
    ck_assert_double_eq_tol(block_value(group, 7, 3), 100, 1e-9);
    ck_assert_double_eq_tol(block_value(group, 12, 3), 0, 1e-9);
    ck_assert_double_eq_tol(block_value(topic, 15, 2), 50, 1e-9);
    ck_assert_double_eq_tol(block_value(topic, 15, 3), 50, 1e-9);
    ck_assert_double_eq_tol(block_value(topic, 3, 4), 100, 1e-9);     /* delivered per second */
    ck_assert_double_eq_tol(block_value(topic, 3, 5), 100, 1e-9);     /* sends per second */
    free(topic);
    free(group);
    free(dat);

    /* Lanes (one group): 3 topic writes, 2 topic reads, 1 broker-a writes, 0 broker-a reads. */
    lanes = th_read_in(dir, "availability.lanes.dat");
    ck_assert_int_eq(lane_state(lanes, 3, 3.5, NULL), 1);
    ck_assert_int_eq(lane_state(lanes, 3, 11.5, NULL), 3);               /* every send fails */
    ck_assert_int_eq(lane_state(lanes, 3, 14.5, NULL), 2);               /* some acknowledged, some failed */
    ck_assert_int_eq(lane_state(lanes, 1, 11.5, NULL), 3);               /* no route: down, not idle */
    ck_assert_int_eq(lane_state(lanes, 1, 14.5, NULL), 1);
    ck_assert_int_eq(lane_state(lanes, 1, 18.5, NULL), 1);
    ck_assert_int_eq(lane_state(lanes, 0, 7.5, NULL), 3);                /* backlog 50, nothing delivered */
    ck_assert_int_eq(lane_state(lanes, 0, 10.5, NULL), 1);               /* the slave serves them */
    ck_assert_int_eq(lane_state(lanes, 0, 12.5, NULL), 0);               /* backlog 0: idle, not down */
    ck_assert_int_eq(lane_state(lanes, 2, 12.5, NULL), 0);
    ck_assert_int_eq(lane_state(lanes, 0, 17.5, NULL), 1);
    free(lanes);

    /* Manual promotion: the operator's alert and the promotion, in order, each labelled. */
    marks = th_read_in(dir, "availability.marks.dat");
    ck_assert_ptr_nonnull(strstr(marks, "\n5 0 0 \"master crash\"\n"));
    ck_assert_ptr_nonnull(strstr(marks, "\n7 1 0 \"detected (operator alert)\"\n"));
    ck_assert_ptr_nonnull(strstr(marks, "\n14 2 0 \"promoted\"\n"));
    ck_assert_ptr_nonnull(strstr(marks, "\n14.5 3 0 \"first write acknowledged\"\n"));
    ck_assert_ptr_null(strstr(marks, "elected"));
    ck_assert_ptr_null(strstr(marks, "not recovered"));
    free(marks);

    /* Latency: p50 and p99 of the topic, a gap where nothing was acknowledged. */
    dat = th_read_in(dir, "latency.dat");
    topic = data_block(dat, 0);
    group = data_block(dat, 1);
    ck_assert_double_eq_tol(block_value(topic, 3, 2), 2, 1e-9);
    ck_assert_double_eq_tol(block_value(topic, 3, 3), 5, 1e-9);
    ck_assert_double_eq_tol(block_value(topic, 15, 3), 40, 1e-9);
    ck_assert(isnan(block_value(topic, 10, 2)) && isnan(block_value(topic, 10, 3)));
    ck_assert(isnan(block_value(topic, 0, 2)));
    ck_assert_double_eq_tol(block_value(group, 15, 2), 3, 1e-9);
    free(topic);
    free(group);
    free(dat);

    /* lag-broker-a is drawn from the group's rows alone: 21 samples, not 42. */
    dat = th_read_in(dir, "lag-broker-a.dat");
    ck_assert_int_eq(th_count_lines(dat), 1 + 21);
    free(dat);
    th_captured_free(&c);
}
END_TEST

START_TEST(test_run_dledger_unrecovered)
{
    char dir[128];
    char *marks, *lanes, *dat, *blk;
    struct th_captured c;
    double end = 0;

    th_scratch(dir, sizeof dir);
    fixture_dledger(dir);
    c = th_plot_dir_captured(dir, 1);
    ck_assert_msg(c.rc == 0, "exit %d, stderr: %s", c.rc, c.err);
    ck_assert_str_eq(c.err, "");
    th_check_figure(dir, "availability", 1000, 600 + 72);     /* a lane pair more for the second group */
    th_check_figure(dir, "latency", 1000, 500);
    th_check_figure(dir, "lag-broker-a", 1000, 720);
    th_check_figure(dir, "lag-broker-b", 1000, 720);

    /* DLedger: the new master is elected (elected_ms, not promoted_ms), no operator is alerted. */
    marks = th_read_in(dir, "availability.marks.dat");
    ck_assert_ptr_nonnull(strstr(marks, "\n8 2 0 \"elected\"\n"));
    ck_assert_ptr_null(strstr(marks, "operator"));
    ck_assert_ptr_null(strstr(marks, "promoted\""));
    ck_assert_ptr_null(strstr(marks, " 3 0 "));                      /* no first write on broker-a */
    ck_assert_ptr_nonnull(strstr(marks, "\n20 4 0 \"not recovered\"\n"));  /* crash + censored_ms */
    ck_assert_ptr_null(strstr(marks, " 1 \""));                     /* broker-b had no failover */
    free(marks);

    /* Lanes (two groups): 5 topic writes, 4 topic reads, 3/2 broker-a, 1/0 broker-b. broker-a's writes are down
     * from the crash to the end of the run, past its last sample (18 s). */
    lanes = th_read_in(dir, "availability.lanes.dat");
    ck_assert_int_eq(lane_state(lanes, 3, 4.5, NULL), 1);
    ck_assert_int_eq(lane_state(lanes, 3, 12.5, &end), 3);
    ck_assert_double_eq_tol(end, 20, 1e-9);
    ck_assert_int_eq(lane_state(lanes, 3, 19.5, NULL), 3);
    ck_assert_int_eq(lane_state(lanes, 1, 12.5, NULL), 1);
    ck_assert_int_eq(lane_state(lanes, 5, 12.5, NULL), 2);              /* the topic: partly failing */
    ck_assert_int_eq(lane_state(lanes, 2, 12.5, NULL), 0);              /* nothing to read: idle */
    free(lanes);

    dat = th_read_in(dir, "availability.dat");
    blk = data_block(dat, 0);
    ck_assert_double_eq_tol(block_value(blk, 12, 2), 100, 1e-9);
    ck_assert_double_eq_tol(block_value(blk, 12, 3), 100, 1e-9);
    free(blk);
    blk = data_block(dat, 2);
    ck_assert_ptr_nonnull(strstr(blk, "# group broker-b"));
    free(blk);
    free(dat);
    dat = th_read_in(dir, "latency.dat");
    blk = data_block(dat, 2);
    ck_assert_double_eq_tol(block_value(blk, 12, 3), 9, 1e-9);
    free(blk);
    free(dat);
    th_captured_free(&c);
}
END_TEST

static Suite *plot_run_suite(void)
{
    Suite *s = suite_create("plot_run");
    TCase *tc = tcase_create("figures");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_run_slave_lag);
    tcase_add_test(tc, test_run_failover);
    tcase_add_test(tc, test_run_without_trace);
    tcase_add_test(tc, test_run_bad_input_draws_nothing);
    tcase_add_test(tc, test_run_topic_and_lanes);
    tcase_add_test(tc, test_run_dledger_unrecovered);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (th_plot_setup("test_plot_run", 1) < 0)
        return 1;
    return th_run_suite(plot_run_suite());
}
