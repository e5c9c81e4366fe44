/* plot_run: one run's output folder as the figures read it (plot_run.c), and the figures drawn from it:
 * fig_lag (plot_lag.c), fig_availability (plot_avail.c), fig_latency (plot_latency.c). */
#ifndef MODELS_PLOT_RUN_H
#define MODELS_PLOT_RUN_H

#include <stddef.h>
#include <stdio.h>

#include "models/cmd/plot_int.h"

/* The timeseries.csv columns read (any order, found by name); a row holds these, then bytes and messages
 * behind per slave. */
enum {
    RC_T, RC_MOFF, RC_BACKLOG, RC_RM, RC_RS, RC_THR, RC_SENDS, RC_ACK, RC_FAIL, RC_P50, RC_P99, RC_RTS, RC_RTM,
    RC_NFIX
};

/* A failover's moments (metrics.json groups[].failover): the master's crash, its detection, the new master
 * (DLedger: elected_ms; manual promotion: promoted_ms), the first acknowledged write. Kind MK_UNRECOVERED is
 * the end of a run in which no write was acknowledged after the crash (a mark in the data, not a moment). */
enum { MK_CRASH, MK_DETECTED, MK_NEW_MASTER, MK_FIRST_WRITE, MK_N, MK_UNRECOVERED = MK_N };

/* A series: the topic's rows (group "*") or one broker group's, with its failover. */
struct rgroup {
    char name[128], safe[128];
    double *v;                 /* n rows of run.w values (see RC_*) */
    size_t n, cap;
    double *mk;                /* pull.suggest: (t_ms, to) pairs */
    size_t nmk, capmk;
    int failover;              /* metrics.json has a failover object for it */
    double fo[MK_N];           /* failover times (ms), NaN when null */
    double downtime_ms;        /* NaN when null */
    double censored_ms;        /* crash to the end of the run when not recovered; NaN when null */
    int recovered;             /* 1 yes, 0 no (an outage to the end of the run), -1 not stated */
    char new_master[128];
    char crash_kind[16];       /* "process", "host" or "" */
};

struct run {
    int col[RC_NFIX];
    int nslaves;
    int slave_col[16][2];      /* slaveN_lag_bytes, slaveN_lag_msgs */
    int w;                     /* values a row */
    struct rgroup topic;       /* the rows of group "*": sends of the whole topic, failures without a route too */
    struct rgroup *g;          /* the broker groups, in metrics.json's order */
    int ng;
    char scenario[128];
    double seed;
    int elected;               /* ha is not "master_slave": a new master is elected, not promoted by an operator */
    double end_ms;             /* the end of the run (metrics.json sim_ms, else the last sample) */
    double availability;       /* metrics.json topic figures; NaN when absent or null */
    double lat_p50, lat_p99;
};

/* Seconds since the previous sample of row i (the interval its per-interval counts cover); 0 for none. */
double run_interval_s(const struct run *r, const struct rgroup *g, size_t i);
/* count / dt, NaN when count is unknown or dt is 0. */
double run_per_s(double count, double dt);
/* "scenario, seed N" for a figure's title. */
void run_title(const struct run *r, char *buf, size_t size);
/* Whether the interval (a, b] in ms lies inside g's write outage: from its master's crash to the first
 * acknowledged write, or to the end of the run when there was none. */
int run_in_outage(const struct rgroup *g, double a, double b);
/* Writes the failover marks of every group into DIR/name, one row a moment: t_s kind group "label" (kind
 * MK_*, group 0-based; an unrecovered group's row is at the end of the run), or one NaN row when there is
 * none; the key text of each kind into keys[k] ("" when no group has that moment) and the number of
 * MK_UNRECOVERED rows into *unrecovered. Returns the number of rows of kinds below MK_N, or -1 (printed). */
int run_write_marks(struct plot *p, const struct run *r, const char *name, char keys[MK_N][1024], int *unrecovered);

/* The figures; each returns 0 (drawn, or nothing to draw) or an exit status (ST_OUTPUT). */
int fig_lag(struct plot *p, const struct run *r, const struct rgroup *g, int have_trace);
int fig_availability(struct plot *p, const struct run *r);
int fig_latency(struct plot *p, const struct run *r);

#endif
