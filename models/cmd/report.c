/* report: index.html of an output folder (report.h). This file: HTML and number helpers, the page around the
 * sections (report_run.c, report_many.c), the figures inline and the list of files. */
#include "models/cmd/report.h"
#include "models/cmd/report_int.h"
#include "models/cmd/plot_int.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/out.h"

#define SVG_INLINE_MAX (8u << 20)     /* a larger SVG is shown through <img> instead of inline */
#define MAX_FILES 4096

/* ---- HTML and numbers ---- */

void h_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

void h_textf(FILE *f, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    h_text(f, buf);
}

void h_href(FILE *f, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            strchr("-._~/", *s))
            fputc(*s, f);
        else
            fprintf(f, "%%%c%c", hex[*s >> 4], hex[*s & 15]);
    }
}

char *h_num(char *buf, double v, int decimals)
{
    char raw[64], *dot, *o = buf;
    size_t nint, i;

    if (!isfinite(v)) {
        snprintf(buf, 64, isnan(v) ? "\xe2\x80\x93" : (v > 0 ? "inf" : "-inf"));
        return buf;
    }
    if (fabs(v) >= 1e15) {      /* no one reads such a number's digits; keep it short and exact enough */
        snprintf(buf, 64, "%.6g", v);
        return buf;
    }
    snprintf(raw, sizeof raw, "%.*f", decimals, v);
    if (strspn(raw, "-0.") == strlen(raw) && raw[0] == '-')
        memmove(raw, raw + 1, strlen(raw));     /* "-0.0" reads as 0 */
    i = raw[0] == '-' ? 1 : 0;
    if (i)
        *o++ = '-';
    dot = strchr(raw, '.');
    nint = (dot ? (size_t)(dot - raw) : strlen(raw)) - i;
    for (size_t k = 0; k < nint; k++) {
        if (k > 0 && (nint - k) % 3 == 0)
            *o++ = ',';
        *o++ = raw[i + k];
    }
    snprintf(o, 64 - (size_t)(o - buf), "%s", dot ? dot : "");
    return buf;
}

void h_cell(FILE *f, double v, double scale, int decimals, const char *unit)
{
    char b[64];
    fputs("<td>", f);
    h_text(f, h_num(b, v * scale, decimals));
    if (!isnan(v) && unit && *unit) {
        fputs("&#8239;", f);
        h_text(f, unit);
    }
    fputs("</td>", f);
}

void h_ci(FILE *f, double mean, double lo, double hi, double scale, int decimals, const char *unit)
{
    char b[64];
    h_text(f, h_num(b, mean * scale, decimals));
    if (!isnan(mean) && isfinite(lo) && isfinite(hi)) {
        fputs(" &plusmn; ", f);
        h_text(f, h_num(b, (hi - lo) / 2 * scale, decimals));
    }
    if (!isnan(mean) && unit && *unit) {
        fputs("&#8239;", f);
        h_text(f, unit);
    }
}

void h_cell_ci(FILE *f, double mean, double lo, double hi, double scale, int decimals, const char *unit)
{
    fputs("<td>", f);
    h_ci(f, mean, lo, hi, scale, decimals, unit);
    fputs("</td>", f);
}

double j_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *j_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int p_has(const struct page *p, const char *name)
{
    char path[OUT_PATH_MAX];
    return join(path, sizeof path, p->dir, name) == 0 && is_file(path);
}

cJSON *j_load(struct page *p, const char *name)
{
    char path[OUT_PATH_MAX];
    cJSON *root;

    if (join(path, sizeof path, p->dir, name) != 0 || !is_file(path))
        return NULL;
    if (!(root = json_load(path)))
        p->status = ST_INPUT;
    return root;
}

/* ---- the files of the folder ---- */

struct entry {
    char name[256];
    long long size;
    int is_dir;
};

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* The folder's visible entries, sorted by name (so the page does not depend on the directory's order).
 * Returns the count (at most max), or -1. */
static int list_dir(const char *dir, struct entry *e, int max)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    if (!d)
        return -1;
    while ((de = readdir(d)) && n < max) {
        char path[OUT_PATH_MAX];
        struct stat st;
        if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof e[n].name ||
            join(path, sizeof path, dir, de->d_name) != 0 || stat(path, &st) != 0)
            continue;
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
            continue;
        snprintf(e[n].name, sizeof e[n].name, "%s", de->d_name);
        e[n].size = (long long)st.st_size;
        e[n].is_dir = S_ISDIR(st.st_mode);
        n++;
    }
    closedir(d);
    qsort(e, (size_t)n, sizeof *e, entry_cmp);
    return n;
}

/* What a file of an output folder is, or NULL. */
static const char *describe(const char *name)
{
    static const char *const known[][2] = {
        {"metrics.json", "the run's results (README \"Outputs\")"},
        {"timeseries.csv", "the sampled time series, a row per sample and group"},
        {"trace.jsonl", "the trace, one event a line"},
        {"timeline.json", "Chrome Trace Event file: open it in ui.perfetto.dev (nothing is uploaded) or "
                          "chrome://tracing"},
        {"compare.csv", "one row per run of mqsim compare"},
        {"compare.json", "per scenario: the summaries of compare.csv's columns"},
        {"results.csv", "one row per run of the sweep"},
        {"summary.csv", "one row per grid point of the sweep"},
        {"sweep.json", "how the sweep was made"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i][0]) == 0)
            return known[i][1];
    return NULL;
}

static void file_row(FILE *f, const struct entry *e, const char *what)
{
    char b[64];
    fputs("<tr><td><a href=\"", f);
    h_href(f, e->name);
    fputs(e->is_dir ? "/\">" : "\">", f);
    h_text(f, e->name);
    fputs(e->is_dir ? "/</a></td><td></td><td>" : "</a></td><td>", f);
    if (!e->is_dir) {
        h_text(f, h_num(b, (double)e->size, 0));
        fputs("&nbsp;B", f);
    }
    fputs(e->is_dir ? "" : "</td><td>", f);
    h_text(f, what ? what : "");
    fputs("</td></tr>\n", f);
}

/* The data files first (CSV, JSON, JSON Lines, folders), then the figures and their gnuplot data. */
static void files_section(struct page *p, const struct entry *e, int n)
{
    FILE *f = p->f;
    int nother = 0;

    fputs("<section id=\"files\"><h2>Files</h2>\n<table class=\"files\"><thead><tr><th>file</th><th>size</th>"
          "<th>what</th></tr></thead><tbody>\n", f);
    for (int i = 0; i < n; i++) {
        if (strcmp(e[i].name, "index.html") == 0)
            continue;
        if (e[i].is_dir || ends_with(e[i].name, ".csv") || ends_with(e[i].name, ".json") ||
            ends_with(e[i].name, ".jsonl"))
            file_row(f, &e[i], describe(e[i].name));
        else
            nother++;
    }
    fputs("</tbody></table>\n", f);
    if (p_has(p, "trace.jsonl") && !p_has(p, "timeline.json")) {
        fputs("<p class=\"note\">No timeline.json here: <code>mqsim timeline ", f);
        h_text(f, p->dir);
        fputs("</code> writes it from trace.jsonl (and rewrites this page).</p>\n", f);
    }
    if (nother > 0) {
        fputs("<details><summary>Figures and their gnuplot data</summary>\n<table class=\"files\"><tbody>\n", f);
        for (int i = 0; i < n; i++)
            if (!e[i].is_dir && strcmp(e[i].name, "index.html") != 0 && !ends_with(e[i].name, ".csv") &&
                !ends_with(e[i].name, ".json") && !ends_with(e[i].name, ".jsonl"))
                file_row(f, &e[i], ends_with(e[i].name, ".dat") ? "gnuplot data (plots/*.gp read it)" : NULL);
        fputs("</tbody></table></details>\n", f);
    }
    fputs("</section>\n", f);
}

/* ---- figures ---- */

/* The order figures are shown in: a run's availability, latency, lag; compare's; a sweep's; the rest. */
static int fig_rank(const char *name)
{
    static const char *const order[] = {"availability.", "latency.", "lag-", "downtime-cdf.", "downtime-ci.",
                                        "sweep-"};
    for (int i = 0; i < (int)(sizeof order / sizeof order[0]); i++)
        if (strncmp(name, order[i], strlen(order[i])) == 0)
            return i;
    return 99;
}

static int fig_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int rx = fig_rank(x), ry = fig_rank(y);
    return rx != ry ? rx - ry : strcmp(x, y);
}

/* The length of what at s comes before an id: in ` id="x"`, `href="#x"` (xlink:href too) or `url(#x)`; 0 when
 * s starts none of these. */
static size_t id_ref(const char *s)
{
    static const char *const pre[] = {" id=\"", " id='", "\nid=\"", "\nid='", "href=\"#", "href='#", "url(#"};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (strncmp(s, pre[i], strlen(pre[i])) == 0)
            return strlen(pre[i]);
    return 0;
}

/* The SVG from its <svg element on (no XML prolog: it sits inside HTML), each of its ids and the references
 * to them prefixed with "fN-", so that the figures of one page do not share ids (gnuplot names its parts the
 * same in every file). */
static void inline_svg(FILE *f, const char *svg, int n)
{
    const char *s = strstr(svg, "<svg");
    while (*s) {
        size_t skip = id_ref(s);
        if (skip) {
            fwrite(s, 1, skip, f);
            fprintf(f, "f%d-", n);
            s += skip;
        } else {
            fputc(*s++, f);
        }
    }
}

static void figures_section(struct page *p, const struct entry *e, int n)
{
    const char *svg[MAX_FILES];
    int nsvg = 0;

    for (int i = 0; i < n; i++)
        if (!e[i].is_dir && ends_with(e[i].name, ".svg"))
            svg[nsvg++] = e[i].name;
    if (nsvg == 0)
        return;
    qsort(svg, (size_t)nsvg, sizeof *svg, fig_cmp);
    fputs("<section id=\"figures\"><h2>Figures</h2>\n", p->f);
    for (int i = 0; i < nsvg; i++) {
        char path[OUT_PATH_MAX], png[300];
        char *text = NULL;
        size_t len = strlen(svg[i]);

        snprintf(png, sizeof png, "%.*s.png", (int)(len - 4), svg[i]);
        fprintf(p->f, "<figure id=\"fig-%d\">\n", i + 1);
        if (join(path, sizeof path, p->dir, svg[i]) == 0)
            text = slurp(path);
        if (text && strlen(text) <= SVG_INLINE_MAX && strstr(text, "<svg") && !strstr(text, "<script")) {
            inline_svg(p->f, text, i + 1);
        } else {
            /* too large to inline, or with a script in it: the browser shows it from the file */
            fputs("<img src=\"", p->f);
            h_href(p->f, svg[i]);
            fputs("\" alt=\"", p->f);
            h_text(p->f, svg[i]);
            fputs("\">", p->f);
        }
        free(text);
        fputs("\n<figcaption><a href=\"", p->f);
        h_href(p->f, svg[i]);
        fputs("\">", p->f);
        h_text(p->f, svg[i]);
        fputs("</a>", p->f);
        if (p_has(p, png)) {
            fputs(" &middot; <a href=\"", p->f);
            h_href(p->f, png);
            fputs("\">", p->f);
            h_text(p->f, png);
            fputs("</a>", p->f);
        }
        fputs("</figcaption></figure>\n", p->f);
    }
    fputs("</section>\n", p->f);
}

/* ---- the page ---- */

static const char style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:1.5em auto;max-width:1100px;"
    "padding:0 1em;color:#1b1b1b;background:#fff;line-height:1.4}\n"
    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;"
    "margin-top:1.6em}h3{font-size:1.05em}\n"
    "table{border-collapse:collapse;margin:.5em 0}th,td{padding:.2em .7em;border-bottom:1px solid #eee;"
    "text-align:right;vertical-align:top}th{background:#f5f5f5}\n"
    "td:first-child,th:first-child,table.files td{text-align:left}td:first-child{white-space:nowrap}\n"
    ".bad{color:#b00020;font-weight:600}.ok{color:#1b7f3a}.note{color:#555;font-size:.92em}\n"
    "code,pre{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.9em}\n"
    "pre{background:#f7f7f7;padding:.6em;overflow:auto;white-space:pre-wrap;max-height:30em;border:1px solid #e5e5e5}\n"
    "figure{margin:1em 0}figure svg,figure img{width:100%;height:auto;border:1px solid #eee}\n"
    "figcaption{font-size:.9em;color:#555}dl{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}"
    "dt{color:#555}dd{margin:0}\n";

int report_write(const char *dir, int quiet)
{
    struct page pg = {.dir = dir};
    struct out_file o = {0};
    struct entry *e;
    char err[2 * OUT_PATH_MAX], title[512];
    int n, any;

    e = malloc(MAX_FILES * sizeof *e);
    if (!e) {
        perr("%s/index.html: out of memory", dir);
        return ST_OUTPUT;
    }
    n = list_dir(dir, e, MAX_FILES);
    if (n < 0) {
        perr("%s: %s", dir, strerror(errno));
        free(e);
        return ST_INPUT;
    }
    if (out_open(&o, dir, "index.html", err, sizeof err) != 0) {
        perr("%s", err);
        free(e);
        return ST_OUTPUT;
    }
    pg.f = o.f;
    snprintf(title, sizeof title, "mqsim: %s", dir);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          /* a page that loads nothing and runs nothing: the browser is told so too */
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' data:; "
          "style-src 'unsafe-inline'\">\n<title>", o.f);
    h_text(o.f, title);
    fprintf(o.f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
    any = report_run(&pg);
    any += report_compare(&pg);
    any += report_sweep(&pg);
    if (!any) {
        fputs("<h1>", o.f);
        h_text(o.f, dir);
        fputs("</h1>\n<p class=\"bad\">No metrics.json, compare.csv or summary.csv here: nothing to report.</p>\n",
              o.f);
        if (pg.status == 0)
            perr("%s: no metrics.json, compare.csv or summary.csv for index.html", dir);
        pg.status = ST_INPUT;
    }
    figures_section(&pg, e, n);
    files_section(&pg, e, n);
    fputs("<footer class=\"note\"><p>Written by <code>mqsim plot</code>; static, no script, readable "
          "offline.</p></footer>\n</body>\n</html>\n", o.f);
    free(e);
    if (out_commit(&o, err, sizeof err) != 0) {
        perr("%s", err);
        return ST_OUTPUT;
    }
    if (!quiet)
        printf("%s/index.html  the folder's report: headline numbers, how it was made, figures, files\n", dir);
    return pg.status;
}
