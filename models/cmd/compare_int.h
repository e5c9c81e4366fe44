/* compare_int: what the files of mqsim compare share (reading runs, the table, compare.csv and compare.json);
 * not for use outside compare*.c and their tests. */
#ifndef MODELS_COMPARE_INT_H
#define MODELS_COMPARE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cJSON.h>

#include "sim/lab/runner.h"
#include "sim/out.h"
#include "sim/stats.h"

/* Figures of a whole run, in compare.csv's column order: the topic's (what clients of every group saw) and the
 * message accounting. Times in ms; availability a fraction. */
/* The last three say what of the figures above is censored in the run: the write and the read outage still open
 * at its end (their lengths so far, ms; NaN when none was), and acked_lost only a lower bound (1; 0 when
 * exact). */
enum { CR_AVAIL, CR_WRITE_UNAVAIL, CR_READ_UNAVAIL, CR_P99, CR_ACKED_LOST, CR_DUPLICATES, CR_SENT, CR_ACKED,
       CR_SEND_FAILED, CR_CONSUMED, CR_WRITE_OPEN, CR_READ_OPEN, CR_LOST_CENSORED, CR_COUNT };
extern const char *const compare_run_cols[CR_COUNT];

/* Figures of one broker group in one run, in compare.csv's column order (after "<group>."). The first
 * CG_NFAILOVER exist only for groups that failed over in some run. detection, election and promotion are
 * measured from the crash (metrics.json's detected_ms, elected_ms, promoted_ms minus crash_ms). recovered is
 * 1 or 0; a run that did not recover has no downtime (NaN) and a censored_ms, the time from the crash to the
 * end of the run: its downtime is at least that. */
enum { CG_DOWNTIME, CG_RECOVERED, CG_CENSORED, CG_DETECTION, CG_ELECTION, CG_PROMOTION, CG_NFAILOVER = CG_PROMOTION + 1,
       CG_AVAIL = CG_NFAILOVER, CG_WRITE_UNAVAIL, CG_READ_UNAVAIL, CG_P99, CG_WRITE_OPEN, CG_READ_OPEN, CG_COUNT };
extern const char *const compare_group_cols[CG_COUNT];

struct cgroup {
    char *name;
    int failover;           /* the run's metrics.json has a failover for this group */
    double v[CG_COUNT];     /* NaN: null or absent */
};

struct crun {
    int status;             /* the child's exit status (128 + N: killed by signal N) */
    int has_metrics;        /* metrics.json was read */
    double v[CR_COUNT];     /* NaN: null or absent */
    struct cgroup *g;       /* the run's groups, in metrics.json's order */
    size_t ng;
    char *note;             /* why a run gave no metrics, for the message */
};

/* The group names of all runs: scenario order, then seed, then the order in metrics.json; failover says
 * whether the group failed over in any run of any scenario (only those get downtime rows and columns). */
struct cnames {
    char **name;
    int *failover;
    size_t n;
};

struct compare {
    const char **files;
    char **names;           /* scenario names */
    size_t nsc, runs;       /* runs a scenario; res[s * runs + k] is scenario s, seed seed_start + k */
    uint64_t seed_start;
    const char **sets;
    int nsets;
    const char *exe;
    char tmp[OUT_PATH_MAX];
    struct crun *res;
    struct cnames groups;
    struct runner_progress prog;
    char (*sha)[65];        /* sha256 of each scenario file, as read */
    unsigned char *done;    /* done[i]: run i is in res (taken from the journal or finished) */
    size_t *pending;        /* the runs to carry out, in order */
    size_t npending;
    char journal[OUT_PATH_MAX + 32];
    int jfd;                /* the journal, open for appending and locked; -1 when not open */
};

/* ---- compare_read.c ---- */

/* Fills r's figures from a parsed metrics.json (every field NaN or absent where the file has no number) and
 * sets has_metrics. Tolerates older files: a failover without "recovered" recovered when its downtime_ms is a
 * number; without "censored_ms", a run that did not recover is censored at sim_ms - crash_ms. A downtime is
 * never kept for a run that did not recover. Returns 0, or -1 when out of memory (r then holds no groups). */
int compare_extract(const cJSON *root, struct crun *r);

/* Frees what compare_extract allocated and the note; r can be extracted into again. */
void compare_run_free(struct crun *r);

/* The group of r named name, or NULL. */
const struct cgroup *compare_group(const struct crun *r, const char *name);

/* Builds c->groups from c->res. Returns 0, or -1 when out of memory. */
int compare_names_build(struct compare *c);
void compare_names_free(struct cnames *n);

/* Summary of metric m over the runs of scenario s with metrics: a run figure (group NULL, m a CR_ index) or a
 * group figure (m a CG_ index; runs without that group or figure count as NaN, that is not at all). */
void compare_summary(const struct compare *c, size_t s, const char *group, int m, struct stats_summary *st);

/* The runs of scenario s whose figure m (as compare_summary) is a number other than 0: for the censoring
 * columns (CR_WRITE_OPEN, ...), the runs where that figure is censored. */
size_t compare_count_flagged(const struct compare *c, size_t s, const char *group, int m);

/* The downtime of one group over the runs of one scenario, censored runs apart. */
struct cdown {
    size_t failovers;       /* runs with a failover of the group */
    size_t recovered;       /* of those, runs whose clients wrote again before the end */
    size_t censored;        /* of those, runs that did not recover (failovers - recovered) */
    double censored_min;    /* ms; the smallest censored_ms of the censored runs; NaN when none is known */
    struct stats_summary st;/* over the recovered runs */
};
void compare_downtime(const struct compare *c, size_t s, const char *group, struct cdown *d);

/* Counts of one scenario's runs (no_failover: runs where no group failed over). */
struct ccounts {
    size_t with_metrics, no_failover, violations, failed, crashed;
};
void compare_count(const struct compare *c, size_t s, struct ccounts *k);

/* ---- compare_journal.c ---- */

/* Opens and locks DIR/.compare-runs.jsonl (exclusive: a second compare into DIR is refused) and fills res and
 * done from its lines made with the same scenario file contents, --set values and mqsim version, for the
 * seeds of this compare; *reused counts them. 0, or -1 with err set. */
int compare_journal_open(struct compare *c, const char *dir, size_t *reused, char *err, size_t errsz);
/* Appends finished run i (exit 0 or 1 with metrics; others are run again next time) in one write and fsync. */
int compare_journal_add(struct compare *c, size_t i, char *err, size_t errsz);
/* Closes the journal, and removes it when remove_it (compare.csv and compare.json are written). */
void compare_journal_close(struct compare *c, int remove_it);

/* ---- compare_table.c ---- */

/* A number as people read it: fixed-point, never an exponent; decimals by the size of ref (its absolute
 * value): 0 from 1000, 1 from 1, 2 from 0.1, else 3. "-" for NaN. */
void compare_fmt_num(char *b, size_t n, double v, double ref);

/* The mean ± 95% CI cell of a downtime, in seconds: the recovered runs' "mean ± half" (the mean alone with
 * one run); with every run censored "> X s (N censored)", X the smallest censored time ("N censored" when none
 * is known); "-" with no failover. */
void compare_fmt_downtime(char *b, size_t n, const struct cdown *d);

/* The censored cell: "0", "K (> X s)", or "K" when no censored time is known; "-" with no failover. */
void compare_fmt_censored(char *b, size_t n, const struct cdown *d);

/* The table of every scenario side by side, on f. */
void compare_print_table(const struct compare *c, FILE *f);

/* ---- compare_out.c ---- */

/* DIR/compare.csv: one row a run, scenario then seed order. 0, or -1 with err set. */
int compare_write_csv(const struct compare *c, const char *dir, char *err, size_t errsz);

/* DIR/compare.json: per scenario the counts and summaries. 0, or -1 with err set. */
int compare_write_json(const struct compare *c, const char *dir, char *err, size_t errsz);


#endif
