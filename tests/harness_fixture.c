/* harness_fixture: metrics.json documents written by hand, as mqsim compare reads them. */
#include <check.h>
#include <math.h>
#include <stdio.h>

#include "tests/harness.h"

static void jnum(char *b, size_t n, double v)
{
    if (isnan(v))
        snprintf(b, n, "null");
    else
        snprintf(b, n, "%.17g", v);
}

/* A metrics.json with the topic, the messages and the groups given. */
char *th_fx_metrics(double avail, double wu, double ru, double p99, double acked_lost, double sim_ms,
                     const struct th_fx_group *g, int ng)
{
    static char buf[8192];
    char a[32], b[32], c[32], d[32];
    int n, headless = 0;
    for (int i = 0; i < ng; i++)
        headless |= g[i].failover && g[i].recovered == 0;   /* no master at the end: the loss is a lower bound */
    jnum(a, sizeof a, avail);
    jnum(b, sizeof b, wu);
    jnum(c, sizeof c, ru);
    jnum(d, sizeof d, p99);
    n = snprintf(buf, sizeof buf, "{\"scenario\": \"x\", \"seed\": 1, \"sim_ms\": %.17g, \"ha\": \"master_slave\",\n"
                 " \"messages\": {\"sent\": 1000, \"acked\": 950, \"send_failed\": 50, \"consumed\": 940,\n"
                 "  \"acked_lost\": %.17g, \"acked_lost_censored\": %s, \"duplicates\": 2},\n"
                 " \"topic\": {\"sends\": 1000, \"acked\": 950, \"failed\": 50, \"availability\": %s,\n"
                 "  \"write_unavailable_ms\": %s, \"read_unavailable_ms\": %s,\n"
                 "  \"latency_ms\": {\"mean\": 2, \"p50\": 1, \"p90\": 3, \"p99\": %s, \"p999\": 40, \"max\": 90}},\n"
                 " \"groups\": [", sim_ms, acked_lost, headless ? "true" : "false", a, b, c, d);
    for (int i = 0; i < ng; i++) {
        char v[10][32];
        double x[10] = {g[i].down, g[i].cens, g[i].crash, g[i].detected, g[i].elected, g[i].promoted, g[i].avail,
                        g[i].wu, g[i].ru, g[i].p99};
        for (int k = 0; k < 10; k++)
            jnum(v[k], sizeof v[k], x[k]);
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      "%s\n  {\"name\": \"%s\", \"availability\": %s, \"write_unavailable_ms\": %s,"
                      " \"read_unavailable_ms\": %s, \"write_outage_open_ms\": %s, \"latency_ms\": {\"p50\": 1,"
                      " \"p99\": %s}, \"failover\": ",
                      i ? "," : "", g[i].name, v[6], v[7], v[8], g[i].failover && g[i].recovered == 0 ? v[7] : "null",
                      v[9]);
        if (!g[i].failover) {
            n += snprintf(buf + n, sizeof buf - (size_t)n, "null}");
            continue;
        }
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      "{\"crash_ms\": %s, \"crash_kind\": \"process\", \"detected_ms\": %s, \"elected_ms\": %s, "
                      "\"new_master\": \"b-1\", \"promoted_ms\": %s, \"first_write_ms\": null, \"downtime_ms\": %s",
                      v[2], v[3], v[4], v[5], v[0]);
        if (g[i].recovered >= 0)
            n += snprintf(buf + n, sizeof buf - (size_t)n, ", \"recovered\": %s, \"censored_ms\": %s",
                          g[i].recovered ? "true" : "false", v[1]);
        n += snprintf(buf + n, sizeof buf - (size_t)n, "}}");
    }
    n += snprintf(buf + n, sizeof buf - (size_t)n, "],\n \"invariants\": {\"checked\": 1, \"violations\": []}}\n");
    ck_assert(n > 0 && (size_t)n < sizeof buf);
    return buf;
}

/* A group that recovered after down ms (crash at 60 s, detected 5 s, elected 9 s, promoted 10 s after it). */
struct th_fx_group th_fx_rec(const char *name, double down)
{
    return (struct th_fx_group){name, 1, 1, down, NAN, 60000, 65000, 69000, 70000, 0.95, down + 1000, 2000, 15};
}

/* A group that did not recover: its run ended cens ms after the crash; no new master. */
struct th_fx_group th_fx_cens(const char *name, double c)
{
    return (struct th_fx_group){name, 1, 0, NAN, c, 60000, 65000, NAN, NAN, 0.5, c, c, 8};
}

/* A group that did not fail over. */
struct th_fx_group th_fx_calm(const char *name)
{
    return (struct th_fx_group){name, 0, 0, NAN, NAN, NAN, NAN, NAN, NAN, 1, 0, 0, 4.5};
}
