/* report_run: the part of index.html a run's metrics.json gives: the headline numbers of the topic and of each
 * broker group, the failovers, the messages, the invariants, and how the run was made (its scenario). */
#include "models/cmd/report_int.h"
#include "models/cmd/plot_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sha256.h"

#define MAX_VIOLATIONS_SHOWN 20

/* A count that is known: the number, else "–". */
static void count_cell(FILE *f, const cJSON *o, const char *key)
{
    h_cell(f, j_num(o, key), 1, 0, "");
}

/* Downtime as measured, or, for a failover that never recovered, "not recovered" and the censored time: at
 * least that long (README "Measurements"). */
static void downtime_cell(FILE *f, const cJSON *fo)
{
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(fo, "recovered");
    char b[64];

    if (!cJSON_IsObject(fo)) {
        fputs("<td>no failover</td>", f);
    } else if (cJSON_IsFalse(rec)) {
        fputs("<td class=\"bad\">not recovered", f);
        if (isfinite(j_num(fo, "censored_ms"))) {
            fputs(": &gt; ", f);
            h_text(f, h_num(b, j_num(fo, "censored_ms") / 1000, 1));
            fputs("&#8239;s (censored)", f);
        }
        fputs("</td>", f);
    } else {
        h_cell(f, j_num(fo, "downtime_ms"), 1e-3, 1, "s");
    }
}

static void topic_section(struct page *p, const cJSON *root)
{
    FILE *f = p->f;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "topic");
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(t, "latency_ms");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "messages");
    double lost = j_num(m, "acked_lost");

    fputs("<section id=\"headline\"><h2>Headline</h2>\n<table><thead><tr><th></th><th>availability</th>"
          "<th>write outage</th><th>read outage</th><th>latency p50</th><th>latency p99</th><th>sends</th>"
          "<th>acknowledged</th><th>failed</th></tr></thead><tbody>\n<tr><td>topic</td>", f);
    h_cell(f, j_num(t, "availability"), 100, 3, "%");
    h_cell(f, j_num(t, "write_unavailable_ms"), 1e-3, 1, "s");
    h_cell(f, j_num(t, "read_unavailable_ms"), 1e-3, 1, "s");
    h_cell(f, j_num(lat, "p50"), 1, 3, "ms");
    h_cell(f, j_num(lat, "p99"), 1, 3, "ms");
    count_cell(f, t, "sends");
    count_cell(f, t, "acked");
    count_cell(f, t, "failed");
    fputs("</tr>\n</tbody></table>\n", f);

    fputs("<table><thead><tr><th>messages</th><th>sent</th><th>acknowledged</th><th>send failed</th>"
          "<th>consumed</th><th>acked_lost</th><th>duplicates</th></tr></thead><tbody>\n<tr><td></td>", f);
    count_cell(f, m, "sent");
    count_cell(f, m, "acked");
    count_cell(f, m, "send_failed");
    count_cell(f, m, "consumed");
    if (lost > 0) {
        char b[64];
        fprintf(f, "<td class=\"bad\">%s</td>", h_num(b, lost, 0));
    } else {
        count_cell(f, m, "acked_lost");
    }
    count_cell(f, m, "duplicates");
    fputs("</tr>\n</tbody></table>\n<p class=\"note\">acked_lost: acknowledged messages that their group's "
          "master at the end of the run no longer holds (a group with no master then counts those no replica "
          "holds, up or down: a lower bound). Outages and downtime are defined in the README, "
          "\"Measurements\".</p>\n",
          f);
}

/* A failover's moments, in seconds of simulated time. */
static void failover_row(FILE *f, const char *group, const cJSON *fo, int elected)
{
    const char *kind = j_str(fo, "crash_kind"), *nm = j_str(fo, "new_master");
    double nmt = elected ? j_num(fo, "elected_ms") : j_num(fo, "promoted_ms");

    if (isnan(nmt))
        nmt = elected ? j_num(fo, "promoted_ms") : j_num(fo, "elected_ms");
    fputs("<tr><td>", f);
    h_text(f, group);
    fputs("</td>", f);
    h_cell(f, j_num(fo, "crash_ms"), 1e-3, 3, "s");
    fputs("<td>", f);
    h_text(f, kind ? kind : "");
    fputs("</td>", f);
    h_cell(f, j_num(fo, "detected_ms"), 1e-3, 3, "s");
    h_cell(f, nmt, 1e-3, 3, "s");
    fputs("<td>", f);
    h_text(f, nm ? nm : "");
    fputs("</td>", f);
    h_cell(f, j_num(fo, "first_write_ms"), 1e-3, 3, "s");
    downtime_cell(f, fo);
    fputs("</tr>\n", f);
}

static void groups_section(struct page *p, const cJSON *root)
{
    FILE *f = p->f;
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "groups"), *g;
    const char *ha = j_str(root, "ha");
    int elected = ha && strcmp(ha, "master_slave") != 0, nfo = 0;

    if (cJSON_GetArraySize(groups) == 0)
        return;
    fputs("<h3>Broker groups</h3>\n<table><thead><tr><th>group</th><th>availability</th><th>write outage</th>"
          "<th>read outage</th><th>downtime</th><th>latency p50</th><th>latency p99</th><th>max lag</th>"
          "<th>reads from master</th><th>reads from slave</th></tr></thead><tbody>\n", f);
    cJSON_ArrayForEach(g, groups) {
        const cJSON *lat = cJSON_GetObjectItemCaseSensitive(g, "latency_ms");
        const cJSON *lag = cJSON_GetObjectItemCaseSensitive(g, "lag");
        const cJSON *reads = cJSON_GetObjectItemCaseSensitive(g, "reads");
        const cJSON *fo = cJSON_GetObjectItemCaseSensitive(g, "failover");
        fputs("<tr><td>", f);
        h_text(f, j_str(g, "name"));
        fputs("</td>", f);
        h_cell(f, j_num(g, "availability"), 100, 3, "%");
        h_cell(f, j_num(g, "write_unavailable_ms"), 1e-3, 1, "s");
        h_cell(f, j_num(g, "read_unavailable_ms"), 1e-3, 1, "s");
        downtime_cell(f, fo);
        h_cell(f, j_num(lat, "p50"), 1, 3, "ms");
        h_cell(f, j_num(lat, "p99"), 1, 3, "ms");
        h_cell(f, j_num(lag, "max_msgs"), 1, 0, "msgs");
        count_cell(f, reads, "master");
        count_cell(f, reads, "slave");
        fputs("</tr>\n", f);
        nfo += cJSON_IsObject(fo);
    }
    fputs("</tbody></table>\n", f);
    if (nfo == 0)
        return;
    fprintf(f, "<h3>Failovers</h3>\n<table><thead><tr><th>group</th><th>master crash</th><th>kind</th>"
               "<th>detected</th><th>%s</th><th>new master</th><th>first write acknowledged</th>"
               "<th>downtime</th></tr></thead><tbody>\n",
            elected ? "elected" : "promoted");
    cJSON_ArrayForEach(g, groups) {
        const cJSON *fo = cJSON_GetObjectItemCaseSensitive(g, "failover");
        if (cJSON_IsObject(fo))
            failover_row(f, j_str(g, "name"), fo, elected);
    }
    fputs("</tbody></table>\n<p class=\"note\">Times from the start of the run; downtime runs from the crash to "
          "the first acknowledgement of a send that started after it.</p>\n",
          f);
}

static void invariants_section(struct page *p, const cJSON *root)
{
    FILE *f = p->f;
    const cJSON *inv = cJSON_GetObjectItemCaseSensitive(root, "invariants");
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(inv, "violations"), *v;
    int n = cJSON_GetArraySize(vs), k = 0;
    char b[64];

    if (!cJSON_IsObject(inv))
        return;
    if (n == 0) {
        fprintf(f, "<p class=\"ok\">Invariants: none broken (%s checked).</p>\n", h_num(b, j_num(inv, "checked"), 0));
        return;
    }
    fprintf(f, "<p class=\"bad\">Invariants: %d broken. The first:</p>\n<ul>\n", n);
    cJSON_ArrayForEach(v, vs) {
        char *s;
        if (k++ == MAX_VIOLATIONS_SHOWN)
            break;
        s = cJSON_PrintUnformatted(v);
        fputs("<li><code>", f);
        h_text(f, s ? s : "?");
        fputs("</code></li>\n", f);
        free(s);
    }
    fputs("</ul>\n", f);
}

/* A shell word as the shell reads it back: bare when it is plain, else in single quotes. */
static void shell_word(FILE *f, const char *w)
{
    if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%[]") ==
                  strlen(w)) {
        h_text(f, w);
        return;
    }
    h_text(f, "'");
    for (; *w; w++)
        h_text(f, *w == '\'' ? "'\\''" : (char[2]){*w, 0});
    h_text(f, "'");
}

/* The scenario as given: the file named in run.scenario_file, shown when it still has the bytes the run read
 * (the same sha256); otherwise said why not. */
static void scenario_text(struct page *p, const char *file, const char *sha)
{
    FILE *f = p->f;
    char *text = file ? slurp(file) : NULL;
    char now[65];

    if (!file) {
        fputs("<p class=\"note\">metrics.json names no scenario file.</p>\n", f);
        return;
    }
    if (!text) {
        fputs("<p class=\"note\">The scenario file <code>", f);
        h_text(f, file);
        fputs("</code> is not readable from where this page was written (its path is relative to where mqsim "
              "ran); its sha256 above identifies it.</p>\n",
              f);
        return;
    }
    sha256_hex(text, strlen(text), now);
    if (sha && strcmp(now, sha) != 0) {
        fputs("<p class=\"bad\">The scenario file <code>", f);
        h_text(f, file);
        fputs("</code> has changed since the run (its sha256 is now ", f);
        h_text(f, now);
        fputs("); the run's scenario is not shown.</p>\n", f);
    } else {
        fputs("<details open><summary>The scenario as given (<code>", f);
        h_text(f, file);
        fputs("</code>, the bytes the run read)</summary>\n<pre>", f);
        h_text(f, text);
        fputs("</pre></details>\n", f);
    }
    free(text);
}

/* A scalar of run.version_keys as the scenario writes it. */
static void json_scalar(FILE *f, const cJSON *v)
{
    char b[64];
    if (cJSON_IsString(v))
        h_text(f, v->valuestring);
    else if (cJSON_IsBool(v))
        fputs(cJSON_IsTrue(v) ? "true" : "false", f);
    else if (cJSON_IsNumber(v)) {
        snprintf(b, sizeof b, "%.15g", v->valuedouble);
        h_text(f, b);
    }
}

/* The scenario's "version" and the value each of its profile's keys ran with (run.version_keys). */
static void version_keys(struct page *p, const cJSON *run)
{
    FILE *f = p->f;
    const char *v = j_str(run, "version");
    const cJSON *k;
    if (!v)
        return;
    fputs("<h3>RocketMQ version ", f);
    h_text(f, v);
    fputs("</h3>\n<p class=\"note\">The defaults of this release where they differ from the others (the README's "
          "\"Version profiles\"); a key the scenario sets wins.</p>\n<table><thead><tr><th>key</th><th>profile</th>"
          "<th>ran with</th></tr></thead><tbody>\n",
          f);
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(run, "version_keys")) {
        fputs("<tr><td><code>", f);
        h_text(f, j_str(k, "key") ? j_str(k, "key") : "?");
        fputs("</code></td><td>", f);
        json_scalar(f, cJSON_GetObjectItemCaseSensitive(k, "profile"));
        fputs("</td><td>", f);
        json_scalar(f, cJSON_GetObjectItemCaseSensitive(k, "value"));
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void made_section(struct page *p, const cJSON *root)
{
    FILE *f = p->f;
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(root, "run"), *w;
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(run, "command");
    const cJSON *ov = cJSON_GetObjectItemCaseSensitive(run, "overrides");
    const char *file = j_str(run, "scenario_file"), *sha = j_str(run, "scenario_sha256");
    int first = 1;

    fputs("<section id=\"scenario\"><h2>How it was made</h2>\n<dl>\n", f);
    if (cJSON_IsArray(cmd)) {
        fputs("<dt>command</dt><dd><code>", f);
        cJSON_ArrayForEach(w, cmd) {
            if (!cJSON_IsString(w))
                continue;
            if (!first)
                fputc(' ', f);
            first = 0;
            shell_word(f, w->valuestring);
        }
        fputs("</code></dd>\n", f);
    }
    fputs("<dt>scenario file</dt><dd><code>", f);
    h_text(f, file ? file : "(not recorded)");
    fputs("</code></dd>\n<dt>its sha256</dt><dd><code>", f);
    h_text(f, sha ? sha : "(not recorded)");
    fputs("</code></dd>\n<dt>overrides</dt><dd>", f);
    if (cJSON_GetArraySize(ov) == 0)
        fputs("none", f);
    cJSON_ArrayForEach(w, ov) {
        if (cJSON_IsString(w)) {
            fputs("<code>--set ", f);
            shell_word(f, w->valuestring);
            fputs("</code> ", f);
        }
    }
    fputs("</dd>\n<dt>mqsim version</dt><dd>", f);
    h_text(f, j_str(run, "mqsim_version") ? j_str(run, "mqsim_version") : "(not recorded)");
    fputs("</dd>\n<dt>warm-up</dt><dd>", f);
    {
        char b[64];
        h_text(f, h_num(b, j_num(run, "warmup_ms") / 1000, 3));
    }
    fputs("&#8239;s</dd>\n</dl>\n", f);
    version_keys(p, run);
    scenario_text(p, file, sha);
    fputs("<p class=\"note\">The overrides above apply on top of the file. Keys the scenario leaves out take "
          "their defaults, listed in the README's \"Scenario reference\"; this page does not resolve them.</p>\n"
          "</section>\n",
          f);
}

int report_run(struct page *p)
{
    cJSON *root = j_load(p, "metrics.json");
    FILE *f = p->f;
    const char *name, *ha;
    char b[64];

    if (!root)
        return 0;
    name = j_str(root, "scenario");
    ha = j_str(root, "ha");
    fputs("<h1>", f);
    h_text(f, name ? name : "run");
    fputs(", seed ", f);
    h_text(f, h_num(b, j_num(root, "seed"), 0));
    fputs("</h1>\n<p class=\"note\">", f);
    h_text(f, ha ? ha : "");
    fputs(ha ? "; " : "", f);
    h_text(f, h_num(b, j_num(root, "sim_ms") / 1000, 1));
    fputs("&#8239;s simulated; ", f);
    h_text(f, h_num(b, j_num(root, "events"), 0));
    fputs(" events</p>\n", f);
    topic_section(p, root);
    groups_section(p, root);
    invariants_section(p, root);
    fputs("</section>\n", f);
    made_section(p, root);
    cJSON_Delete(root);
    return 1;
}
