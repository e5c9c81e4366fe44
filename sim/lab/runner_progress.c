/* runner_progress: the progress line of compare, sweep and explore on stderr: redrawn in place on a
 * terminal (at most ten times a second, and every second while runs go on), a line per tenth of the runs
 * and every 30 s otherwise (a log, CI). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/lab/runner.h"
#include "sim/wall.h"

static void fmt_secs(char *buf, size_t size, double s)
{
    if (s < 0)
        s = 0;
    if (s < 90)
        snprintf(buf, size, "%.0f s", s);
    else if (s < 5400)
        snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, size, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

static void progress_draw(struct runner_progress *p)
{
    double el = wall_seconds() - p->start;
    char eta[32] = "";
    if (p->done > 0 && p->done < p->total) {
        char t[24];
        fmt_secs(t, sizeof t, el / (double)p->done * (double)(p->total - p->done));
        snprintf(eta, sizeof eta, ", ETA %s", t);
    }
    char els[24];
    fmt_secs(els, sizeof els, el);
    if (p->tty)
        fprintf(stderr, "\r%s: %zu/%zu runs, %s elapsed%s\033[K", p->label, p->done, p->total, els, eta);
    else
        fprintf(stderr, "%s: %zu/%zu runs (%d%%), %s elapsed%s\n", p->label, p->done, p->total,
                p->total ? (int)(100 * p->done / p->total) : 100, els, eta);
    fflush(stderr);
    p->last_draw = wall_seconds();
    p->drawn = 1;
}

void runner_progress_init(struct runner_progress *p, const char *label, size_t total, int quiet)
{
    memset(p, 0, sizeof *p);
    p->label = label;
    p->total = total;
    p->enabled = !quiet && total > 0;
    p->tty = isatty(2);
    p->start = p->last_draw = wall_seconds();
    if (p->enabled && p->tty)
        progress_draw(p);
}

void runner_progress_add(struct runner_progress *p, size_t k)
{
    p->done += k;
    if (!p->enabled)
        return;
    if (p->tty) {
        /* Thousands of short runs must not turn into thousands of redraws. */
        if (p->done == p->total || wall_seconds() - p->last_draw >= 0.1)
            progress_draw(p);
        return;
    }
    int decile = p->total ? (int)(10 * p->done / p->total) : 10;
    if (decile > p->decile) {
        p->decile = decile;
        progress_draw(p);
    }
}

void runner_progress_tick(struct runner_progress *p)
{
    if (p->enabled && p->tty && wall_seconds() - p->last_draw >= 1.0)
        progress_draw(p);
    /* Not a terminal (a log, CI): long runs still show they go on. */
    else if (p->enabled && !p->tty && wall_seconds() - p->last_draw >= 30.0)
        progress_draw(p);
}

void runner_progress_end(struct runner_progress *p)
{
    if (p->enabled && p->tty && p->drawn) {
        fprintf(stderr, "\n");
        fflush(stderr);
    }
    p->enabled = 0;
}
