/* test_report: index.html (models/cmd/report*.c) and timeseries.csv's long form. From hand-written folders: a
 * run's page has its headline numbers, the unrecovered group as censored, every text escaped (a hostile scenario
 * and group name), the figures inline with their ids made distinct and no XML prolog, links to the files, the
 * same bytes twice, no temporary file left; compare and sweep pages have their tables; a folder with nothing
 * gives exit 2. From real runs ($MQSIM, else ./mqsim): mqsim plot gives the same figure data from the long form
 * as from the wide one, and the page shows the scenario file as given. In a browser: when /usr/bin/chromium is
 * there, tests/html_check.sh loads a real run's page without a console message, and fails a page with a script
 * error and one that reaches for the network; without Chromium that case says it is skipped. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/cmd/plot.h"
#include "models/cmd/report.h"
#include "models/cmd/report_int.h"
#include "tests/harness.h"


static char *read_text(const char *dir, const char *name)
{
    char p[512];
    FILE *f;
    char *buf;
    long n;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    f = fopen(p, "rb");
    ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int count_of(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

#define HAS(page, s) ck_assert_msg(strstr(page, s) != NULL, "index.html lacks %s", s)
#define LACKS(page, s) ck_assert_msg(strstr(page, s) == NULL, "index.html has %s", s)

/* report_write with stdout silenced; returns its status. */
static int report_quiet(const char *dir)
{
    return report_write(dir, 1);
}

/* ---- helpers ---- */

START_TEST(test_numbers_and_escapes)
{
    char b[64];
    FILE *f = tmpfile();
    char out[256] = "";

    ck_assert_str_eq(h_num(b, 432824.33, 1), "432,824.3");
    ck_assert_str_eq(h_num(b, -1234567, 0), "-1,234,567");
    ck_assert_str_eq(h_num(b, 999, 0), "999");
    ck_assert_str_eq(h_num(b, 0.0004, 2), "0.00");
    ck_assert_str_eq(h_num(b, -0.0004, 2), "0.00");
    ck_assert_str_eq(h_num(b, NAN, 2), "\xe2\x80\x93");
    ck_assert_str_eq(h_num(b, 23100, 0), "23,100");
    ck_assert_ptr_nonnull(f);
    h_text(f, "<a href=\"x\">'&'</a>");
    fputc('|', f);
    h_href(f, "lag-broker a&b.svg");
    rewind(f);
    ck_assert_ptr_nonnull(fgets(out, sizeof out, f));
    ck_assert_str_eq(out, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;|lag-broker%20a%26b.svg");
    fclose(f);
}
END_TEST

/* ---- a run folder by hand ---- */

static const char metrics_json[] =
    "{\"scenario\":\"<b>x&\\\"y'</b>\",\"seed\":7,\"ha\":\"dledger\",\"sim_ms\":90000,\"events\":1234567,"
    "\"run\":{\"mqsim_version\":\"0.2.0\",\"scenario_file\":\"/nonexistent/s.json\",\"scenario_sha256\":\"abc\","
    "\"command\":[\"mqsim\",\"/nonexistent/s.json\",\"--seed\",\"7\",\"--set\",\"a.b=it's\"],"
    "\"overrides\":[\"a.b=it's\"],\"seed\":7,\"warmup_ms\":1000},"
    "\"messages\":{\"sent\":1000,\"acked\":900,\"send_failed\":100,\"consumed\":880,\"acked_lost\":3,"
    "\"duplicates\":0},"
    "\"topic\":{\"sends\":1000,\"acked\":900,\"failed\":100,\"availability\":0.9,\"write_unavailable_ms\":12345.6,"
    "\"read_unavailable_ms\":0,\"latency_ms\":{\"p50\":1.25,\"p99\":7.5}},"
    "\"groups\":[{\"name\":\"g<script>alert(1)</script>\",\"availability\":0.9,\"write_unavailable_ms\":30000,"
    "\"read_unavailable_ms\":0,\"latency_ms\":{\"p50\":1.25,\"p99\":7.5},"
    "\"failover\":{\"crash_ms\":60000,\"crash_kind\":\"host\",\"detected_ms\":61000,\"elected_ms\":null,"
    "\"new_master\":null,\"promoted_ms\":null,\"first_write_ms\":null,\"downtime_ms\":null,\"recovered\":false,"
    "\"censored_ms\":30000},\"lag\":{\"max_msgs\":5},\"reads\":{\"master\":880,\"slave\":0}}],"
    "\"invariants\":{\"checked\":10,\"violations\":[{\"what\":\"<lost>\"}]}}\n";

static const char svg_a[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"  standalone=\"no\"?>\n<svg \n viewBox=\"0 0 10 10\"\n"
    " xmlns=\"http://www.w3.org/2000/svg\"\n xmlns:xlink=\"http://www.w3.org/1999/xlink\"\n>\n"
    "<defs><path id='gpPt0' d='M0,0'/><clipPath id=\"c1\"><rect width=\"1\" height=\"1\"/></clipPath></defs>\n"
    "<use xlink:href='#gpPt0'/><g clip-path=\"url(#c1)\"><text>a &lt; b</text></g>\n</svg>\n";

START_TEST(test_run_page)
{
    char dir[128];
    char *page, *again;

    th_scratch(dir, sizeof dir);
    th_write_in(dir, "metrics.json", metrics_json);
    th_write_in(dir, "timeseries.csv", "group,t_ms,sends\n*,0,1\n");
    th_write_in(dir, "trace.jsonl", "{}\n");
    th_write_in(dir, "availability.svg", svg_a);
    th_write_in(dir, "latency.svg", svg_a);
    th_write_in(dir, "availability.dat", "1 2\n");
    ck_assert_int_eq(report_quiet(dir), 0);
    page = read_text(dir, "index.html");
    /* escaped everywhere: in the title, the table, the command, the violations */
    HAS(page, "&lt;b&gt;x&amp;&quot;y&#39;&lt;/b&gt;, seed 7");
    HAS(page, "g&lt;script&gt;alert(1)&lt;/script&gt;");
    LACKS(page, "<script");
    LACKS(page, "<b>x");
    HAS(page, "{&quot;what&quot;:&quot;&lt;lost&gt;&quot;}");
    HAS(page, "&#39;a.b=it&#39;\\&#39;&#39;s&#39;");          /* the shell quoting of it's, escaped */
    /* the headline: availability, outages, latency, acked_lost in red, the censored group */
    HAS(page, "90.000&#8239;%");
    HAS(page, "12.3&#8239;s");
    HAS(page, "1.250&#8239;ms");
    HAS(page, "7.500&#8239;ms");
    HAS(page, "<td class=\"bad\">3</td>");
    HAS(page, "not recovered: &gt; 30.0&#8239;s (censored)");
    HAS(page, "1,234,567 events");
    HAS(page, "Invariants: 1 broken");
    /* the scenario cannot be read from here, and the page says so */
    HAS(page, "/nonexistent/s.json</code> is not readable");
    /* figures inline in order, ids made distinct, no prolog, references renamed with them */
    ck_assert_int_eq(count_of(page, "<svg"), 2);
    LACKS(page, "<?xml");
    HAS(page, "id='f1-gpPt0'");
    HAS(page, "xlink:href='#f2-gpPt0'");
    HAS(page, "url(#f1-c1)");
    HAS(page, "id=\"f2-c1\"");
    ck_assert_ptr_nonnull(strstr(page, "availability.svg"));
    ck_assert(strstr(page, "id=\"fig-1\"") < strstr(page, "href=\"latency.svg\""));
    /* links to the data, a word on the missing timeline, the gnuplot data apart */
    HAS(page, "<a href=\"metrics.json\">");
    HAS(page, "<a href=\"timeseries.csv\">");
    HAS(page, "<a href=\"trace.jsonl\">");
    HAS(page, "No timeline.json here");
    HAS(page, "<a href=\"availability.dat\">");
    LACKS(page, "<a href=\"index.html\">");
    HAS(page, "Content-Security-Policy");
    /* the same folder, the same bytes; no temporary file left */
    ck_assert_int_eq(report_quiet(dir), 0);
    again = read_text(dir, "index.html");
    ck_assert_str_eq(page, again);
    {
        DIR *d = opendir(dir);
        struct dirent *e;
        while ((e = readdir(d)))
            ck_assert_msg(strstr(e->d_name, ".tmp.") == NULL, "left behind: %s", e->d_name);
        closedir(d);
    }
    free(page);
    free(again);
    /* with timeline.json there, a link to it and no note */
    th_write_in(dir, "timeline.json", "{\"traceEvents\":[]}\n");
    ck_assert_int_eq(report_quiet(dir), 0);
    page = read_text(dir, "index.html");
    HAS(page, "<a href=\"timeline.json\">");
    HAS(page, "ui.perfetto.dev");
    LACKS(page, "No timeline.json here");
    free(page);
}
END_TEST

START_TEST(test_bad_and_empty)
{
    char dir[128];
    char *page;

    th_scratch(dir, sizeof dir);
    ck_assert_int_eq(report_quiet(dir), 2);
    page = read_text(dir, "index.html");
    HAS(page, "nothing to report");
    free(page);
    th_write_in(dir, "metrics.json", "{not json");
    ck_assert_int_eq(report_quiet(dir), 2);
    ck_assert_int_eq(report_quiet("/nonexistent-dir-for-report"), 2);
}
END_TEST

/* ---- compare and sweep folders by hand ---- */

static const char compare_json[] =
    "{\"runs\":4,\"seed_start\":1,\"set\":[],\"scenarios\":["
    "{\"name\":\"a\",\"file\":\"a.json\",\"n\":4,\"failures\":0,\"violations\":1,\"no_failover\":0,"
    "\"metrics\":{\"topic.availability\":{\"n\":4,\"mean\":0.5,\"ci95\":[0.4,0.6]},"
    "\"acked_lost\":{\"n\":4,\"mean\":2.5,\"max\":5}},"
    "\"groups\":[{\"name\":\"broker-a\",\"failovers\":4,\"recovered\":3,\"censored\":1,\"censored_min_ms\":800000,"
    "\"metrics\":{\"downtime_ms\":{\"n\":3,\"mean\":20000,\"ci95\":[10000,30000]}}}]},"
    "{\"name\":\"b&c\",\"file\":\"b.json\",\"n\":4,\"failures\":0,\"violations\":0,\"no_failover\":4,"
    "\"metrics\":{},\"groups\":[]}]}\n";

START_TEST(test_compare_page)
{
    char dir[128];
    char *page;

    th_scratch(dir, sizeof dir);
    th_write_in(dir, "compare.csv", "scenario,file,seed,exit\na,a.json,1,0\n");
    th_write_in(dir, "compare.json", compare_json);
    ck_assert_int_eq(report_quiet(dir), 0);
    page = read_text(dir, "index.html");
    HAS(page, "<th>b&amp;c<br>");
    HAS(page, "50.00 &plusmn; 10.00&#8239;%");
    HAS(page, "20.0 &plusmn; 10.0&#8239;s (3 recovered)");
    HAS(page, "1 not recovered (&gt; 800.0&#8239;s, censored)");
    HAS(page, "<td class=\"bad\">2.5 / 5</td>");
    HAS(page, "<td class=\"bad\">1</td>");
    HAS(page, "<a href=\"compare.csv\">");
    free(page);
}
END_TEST

START_TEST(test_sweep_page)
{
    char dir[128];
    char *page;

    th_scratch(dir, sizeof dir);
    th_write_in(dir, "summary.csv",
               "groups[0].ratio,runs,violations,frac_n,frac_mean,frac_sd,frac_ci95_lo,frac_ci95_hi,frac_median,"
               "frac_p95\n10,5,0,5,0.25,0.1,0.2,0.3,0.25,0.3\n<20>,5,2,4,1500,1,1400,1600,1500,1600\n");
    th_write_in(dir, "results.csv", "groups[0].ratio,seed,exit,frac\n");
    ck_assert_int_eq(report_quiet(dir), 0);
    page = read_text(dir, "index.html");
    HAS(page, "<th>groups[0].ratio</th><th>runs</th><th>violations</th><th>frac</th>");
    HAS(page, "<td>0.2500 &plusmn; 0.0500 (5)</td>");
    HAS(page, "<td>1,500 &plusmn; 100 (4)</td>");
    HAS(page, "<td>&lt;20&gt;</td>");
    HAS(page, "<td class=\"bad\">2</td>");
    HAS(page, "No sweep.json here");
    free(page);

    /* With sweep.json: how it was made, and the metric null in every run named at the top. */
    th_write_in(dir, "sweep.json",
               "{\"name\": \"s\", \"run\": {\"mqsim_version\": \"9.9\", \"command\": \"mqsim sweep s&t.json\","
               " \"sweep_file\": \"s&t.json\", \"sweep_sha256\": \"ab12\","
               " \"scenarios\": [{\"file\": \"base.json\", \"sha256\": \"cd34\"}],"
               " \"overrides\": [\"run.duration_ms=9000\"],"
               " \"vary\": [{\"key\": \"groups[0].ratio\", \"set\": [\"groups[0].ratio=10\", \"groups[0].ratio=20\"]}],"
               " \"seed_start\": 3, \"seeds\": 5, \"runs\": 10},"
               " \"metrics\": {\"frac\": \"a / b\", \"down\": \"groups[0].failover.downtime_ms\"},"
               " \"null_metrics\": [\"down\"]}\n");
    ck_assert_int_eq(report_quiet(dir), 0);
    page = read_text(dir, "index.html");
    HAS(page, "<p class=\"bad\">Null in every run, so in no figure: <code>down</code> "
              "(<code>groups[0].failover.downtime_ms</code>)");
    HAS(page, "<dt>command</dt><dd><code>mqsim sweep s&amp;t.json</code></dd>");
    HAS(page, "<dt>sweep file</dt><dd><code>s&amp;t.json</code>, sha256 <code>ab12</code></dd>");
    HAS(page, "<dt>scenario</dt><dd><code>base.json</code>, sha256 <code>cd34</code></dd>");
    HAS(page, "<code>--set run.duration_ms=9000</code>");
    HAS(page, "<code>groups[0].ratio</code> (2 values)");
    HAS(page, "<dt>seeds</dt><dd>5 from 3 (10 runs)</dd>");
    HAS(page, "<code>frac = a / b</code>");
    HAS(page, "<dt>mqsim version</dt><dd>9.9</dd>");
    free(page);
}
END_TEST

/* ---- real runs ---- */

static const char *mqsim_bin(void)
{
    const char *m = getenv("MQSIM");
    return m && *m ? m : "./mqsim";
}

static int have_gnuplot(void)
{
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

/* A short master_crash run into dir with extra options. */
static void run_master_crash(const char *dir, const char *extra)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s scenarios/master_crash.json --set run.duration_ms=90000 --set operator.reaction.median_ms=5000 "
             "--quiet %s --out %s", mqsim_bin(), extra, dir);
    ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

START_TEST(test_long_form_plots_the_same)
{
    char wide[128], lng[128], cmd[512];
    static const char *const dats[] = {"availability.dat", "latency.dat", "lag-broker-a.dat", "latency.marks.dat"};
    char *a, *b, *page;

    if (!have_gnuplot()) {
        printf("test_report: long-form plot comparison skipped: no gnuplot on PATH\n");
        return;
    }
    th_scratch(wide, sizeof wide);
    th_scratch(lng, sizeof lng);
    strcat(wide, "/run");
    strcat(lng, "/run");
    run_master_crash(wide, "");
    run_master_crash(lng, "--set run.timeseries=long");
    a = read_text(lng, "timeseries.csv");
    ck_assert_msg(strncmp(a, "t_ms,group,metric,value\n", 24) == 0, "long header: %.40s", a);
    HAS(a, "\n59000,broker-a,slave1_lag_msgs,");
    free(a);
    ck_assert_int_eq(plot_dir(wide, 1), 0);
    ck_assert_int_eq(plot_dir(lng, 1), 0);
    for (size_t i = 0; i < sizeof dats / sizeof dats[0]; i++) {
        a = read_text(wide, dats[i]);
        b = read_text(lng, dats[i]);
        ck_assert_msg(strcmp(a, b) == 0, "%s differs between the wide and the long form", dats[i]);
        ck_assert_int_gt(strlen(a), 100);
        free(a);
        free(b);
    }
    /* the page shows the scenario as given: the file is there (tests run from the repository) */
    page = read_text(wide, "index.html");
    HAS(page, "The scenario as given (<code>scenarios/master_crash.json</code>");
    HAS(page, "&quot;crash_host&quot;");
    HAS(page, "--set operator.reaction.median_ms=5000");
    ck_assert_int_eq(count_of(page, "<svg"), 3);
    free(page);
    /* mqsim timeline reads the long form too, and rewrites the page with its link */
    snprintf(cmd, sizeof cmd, "%s timeline %s >/dev/null", mqsim_bin(), lng);
    ck_assert_int_eq(system(cmd), 0);
    page = read_text(lng, "index.html");
    HAS(page, "<a href=\"timeline.json\">");
    free(page);
    a = read_text(lng, "timeline.json");
    HAS(a, "\"name\":\"backlog (msgs)\"");
    free(a);
}
END_TEST

/* ---- in a browser ---- */

START_TEST(test_browser)
{
    char dir[128], bad[128], cmd[1024];

    if (access("/usr/bin/chromium", X_OK) != 0) {
        printf("test_report: browser check SKIPPED: /usr/bin/chromium not found (apt-get install chromium; "
               ".ci/run installs it)\n");
        return;
    }
    if (!have_gnuplot()) {
        printf("test_report: browser check SKIPPED: no gnuplot on PATH for the figures\n");
        return;
    }
    th_scratch(dir, sizeof dir);
    strcat(dir, "/run");
    run_master_crash(dir, "");
    ck_assert_int_eq(plot_dir(dir, 1), 0);
    snprintf(cmd, sizeof cmd, "sh tests/html_check.sh %s/index.html >/dev/null", dir);
    ck_assert_msg(system(cmd) == 0, "the page failed in Chromium: %s", cmd);
    /* The check fails what it should: a script error, and a load from the network (blocked). */
    th_scratch(bad, sizeof bad);
    th_write_in(bad, "a.html", "<!DOCTYPE html><html><head><title>a</title></head><body><h1>a</h1>"
                              "<script>no_such_function();</script></body></html>\n");
    th_write_in(bad, "b.html", "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" "
                              "content=\"default-src 'none'\"><title>b</title></head><body><h1>b</h1>"
                              "<img src=\"http://192.0.2.1/x.png\"></body></html>\n");
    snprintf(cmd, sizeof cmd, "sh tests/html_check.sh %s/a.html 2>/dev/null >/dev/null", bad);
    ck_assert_int_eq(WEXITSTATUS(system(cmd)), 1);
    snprintf(cmd, sizeof cmd, "sh tests/html_check.sh %s/b.html 2>/dev/null >/dev/null", bad);
    ck_assert_int_eq(WEXITSTATUS(system(cmd)), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("report");
    if (th_root_make("report") < 0)
        return 1;
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_numbers_and_escapes);
    tcase_add_test(tc, test_run_page);
    tcase_add_test(tc, test_bad_and_empty);
    tcase_add_test(tc, test_compare_page);
    tcase_add_test(tc, test_sweep_page);
    tcase_add_test(tc, test_long_form_plots_the_same);
    tcase_add_test(tc, test_browser);
    suite_add_tcase(s, tc);
    return th_run_suite(s);
}
