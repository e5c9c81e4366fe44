/* harness: what the Check tests share: files in and out of scratch folders, values by path in a JSON
 * document, lines of a text, and a scenario run in-process as `mqsim FILE --trace full --quiet` runs it.
 * Every helper fails the running test (ck_assert) on what it cannot do, unless it says otherwise. */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <stddef.h>
#include <stdio.h>

#include <cJSON.h>

#include "sim/lab/scenario.h"

/* The whole file, NUL-terminated, its length in *len when len is not NULL; NULL when it cannot be read. */
char *th_slurp(const char *path, size_t *len);
/* As th_slurp, but a file that cannot be read fails the test. */
char *th_read(const char *path);
/* The whole content of a stream from its start, NUL-terminated, its byte count in *len when len is not NULL. */
char *th_read_stream(FILE *f, size_t *len);
/* dir/name into buf. */
void th_join(char *buf, size_t size, const char *dir, const char *name);
/* Writes text to path, replacing it. */
void th_write(const char *path, const char *text);
/* The same for dir/name, and reading dir/name back (a file that cannot be read fails the test). */
void th_write_in(const char *dir, const char *name, const char *text);
char *th_read_in(const char *dir, const char *name);
/* Whether path names anything (a dangling link too). */
int th_exists(const char *path);

/* The test binary's own folder under /tmp ("/tmp/mqsim-test-NAME-XXXXXX"), made by th_root_make before the
 * suite runs and removed with all it holds by th_root_remove; th_scratch makes a fresh folder in it. */
extern char th_root[64];
int th_root_make(const char *name);
void th_root_remove(void);
void th_scratch(char *dir, size_t size);

/* Parses test JSON with plain cJSON (duplicate keys and all), so that a module is not used to set up its own
 * tests; text that does not parse fails the test. */
cJSON *th_json(const char *text);
/* The value at path ("groups.0.failover.downtime_ms": names and array indexes); NULL when absent. */
const cJSON *th_at(const cJSON *root, const char *path);
/* The number at path: absent or not a number fails the test. */
double th_num(const cJSON *root, const char *path);

/* Newlines in s. */
int th_count_lines(const char *s);
/* Line k (0 = the first) of text, copied: a missing line fails the test. */
char *th_line_at(const char *text, int k);

/* A scenario given as text, run with `--set` overrides into a fresh folder under /tmp; its metrics.json,
 * trace.jsonl and timeseries.csv read back. th_run_free removes the folder. */
struct th_run {
    char dir[96];
    cJSON *m;
    char *trace, *series;
};
void th_run(struct th_run *r, const char *text, const char *const *sets, int nsets);
void th_run_free(struct th_run *r);

/* A scenario given as text loaded into sc with `--set` overrides, to be stepped by hand: a load error fails
 * the test. scenario_free releases it. */
void th_load(struct scenario *sc, const char *text, const char *const *sets, int nsets);
/* Runs sc to `until`, sampling every simulated second as `mqsim` does (the world settles consumed entries when
 * it samples). */
void th_run_to(struct scenario *sc, sim_time until);
/* The world's metrics now, as metrics.json would hold them (cJSON_Delete it). */
cJSON *th_metrics(struct scenario *sc);

/* Fixture metrics.json documents, as mqsim compare reads them. A group's figures; NAN writes null. */
struct th_fx_group {
    const char *name;
    int failover;       /* 0: "failover": null */
    int recovered;      /* -1: no "recovered" (an older metrics.json) */
    double down, cens, crash, detected, elected, promoted, avail, wu, ru, p99;
};
/* A metrics.json with the topic, the messages and the groups given, in a static buffer (valid until the next call). */
char *th_fx_metrics(double avail, double wu, double ru, double p99, double acked_lost, double sim_ms,
                    const struct th_fx_group *g, int ng);
/* A group that recovered after down ms (crash at 60 s, detected 5 s, elected 9 s, promoted 10 s after it). */
struct th_fx_group th_fx_rec(const char *name, double down);
/* A group that did not recover: its run ended cens ms after the crash; no new master. */
struct th_fx_group th_fx_cens(const char *name, double c);
/* A group that did not fail over. */
struct th_fx_group th_fx_calm(const char *name);

#endif
