/* scenario: loading a scenario file into a simulation, running it, and writing its outputs. */
#ifndef MODELS_SCENARIO_H
#define MODELS_SCENARIO_H

#include <stdint.h>
#include <stdio.h>
#include <cJSON.h>

#include "sim/conf.h"
#include "sim/fault.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/tseries.h"

/* The version metrics.json records (run.mqsim_version) and --version prints. */
#define MQSIM_VERSION "0.2.0"

struct scenario;

/* A family of models a scenario can hold (each world of models/). It owns some top-level keys of the scenario,
 * builds its nodes on the scenario's sim, samples a time series and reports metrics. */
struct world_ops {
    const char *name;
    const char *const *keys;    /* top-level keys it reads; NULL-terminated */
    /* Reads its keys from sc->root and adds its nodes. Returns its state, or NULL with c->failed set. Only
     * called when at least one of its keys is present. */
    void *(*load)(struct scenario *sc, struct conf *c);
    /* Called at every sample point; appends rows to its own table. May be NULL. */
    void (*sample)(void *w, struct scenario *sc);
    struct tseries *(*series)(void *w);
    /* The run is over (not called when it was interrupted): closes what is still open. May be NULL. */
    void (*finish)(void *w, struct scenario *sc);
    /* Adds what it measured with to metrics.json's "run" object (e.g. the warm-up). May be NULL. */
    void (*run_info)(void *w, struct scenario *sc, cJSON *run);
    /* Adds its results to metrics.json's root object. */
    void (*metrics)(void *w, struct scenario *sc, cJSON *root);
    /* A few lines a person reads in ten seconds. */
    void (*summary)(void *w, struct scenario *sc, FILE *out);
    /* Broken invariants found (each recorded in metrics); > 0 makes the run exit 1. May be NULL. */
    int (*violations)(void *w);
    void (*free)(void *w);
};

struct run_opts {
    const char *file;
    const char *const *sets;    /* "--set key.path=VALUE" arguments */
    int nsets;
    int sets_own;               /* the sets are a sweep's (its "set" and "vary", which its errors name), not
                                   the command line's: an error is not blamed on a --set */
    int seed_set;
    uint64_t seed;
    const char *trace;          /* NULL: the scenario's run.trace */
    const char *out;            /* NULL: out/<name> */
    int quiet;
    /* Called with the staging folder once the run's files are in it, before it replaces the output
     * folder (outdir.h): more outputs made from them (a timeline). 0, or non-zero with err filled. */
    int (*before_publish)(const char *dir, void *ctx, char *err, size_t errsz);
    void *publish_ctx;
};

struct scenario {
    const char *file;
    cJSON *root;
    const char *name;
    uint64_t seed;
    sim_time duration;
    sim_time sample;
    sim_time warmup;            /* run.warmup_ms, or -1 for the world's default */
    enum trace_level trace_level;
    int timeseries_long;        /* run.timeseries: 0 "wide" (a column a metric), 1 "long" (t_ms,group,metric,value) */
    char sha256[65];            /* of the scenario file's bytes, as read */

    struct sim *sim;
    struct fault_plan faults;
    const struct world_ops *world;
    void *w;

    int sample_hook;
    /* Set while running, for the models' own use. */
    struct trace trace;
};

/* Loads, validates and builds. Returns 0, or -1 with the error in c->err (exit status 2). Nothing is
 * written anywhere. */
int scenario_load(struct scenario *sc, const struct run_opts *o, struct conf *c);

/* The same from a scenario already in memory (tests, fuzzing): text[0..len) need not be NUL-terminated.
 * o->file names it in messages and gives the default scenario name, as if it had been read from there. */
int scenario_load_text(struct scenario *sc, const struct run_opts *o, const char *text, size_t len,
                       struct conf *c);

/* The first fault whose time is a number after run.duration_ms, or -1: it will not happen in this run (a
 * run cut short with --set run.duration_ms, most often; a time drawn from a distribution may fall after the
 * end by chance, and is not counted here). */
int scenario_late_fault(const struct scenario *sc);

/* Runs to run.duration_ms and writes metrics.json, trace.jsonl and timeseries.csv to the output directory.
 * Returns the exit status: 0, 1 (an invariant broke), 3 (output could not be written). */
int scenario_execute(struct scenario *sc, const struct run_opts *o);

/* metrics.json's tree as it stands at the current simulated time (scenario_execute writes it at the end; called
 * on a scenario just loaded, it has every key a run of it will write, except those that appear as the run goes:
 * under a value that is null there, an empty object or an empty array). NULL when out of memory. */
cJSON *scenario_metrics(struct scenario *sc, const struct run_opts *o);

void scenario_free(struct scenario *sc);

/* A name that can name an output directory: 1 to 100 of letters, digits, '-', '_' and '.', not "." or "..". */
int scenario_name_ok(const char *s);

/* The worlds the program links in, NULL-terminated: the program defines this list (mqsim's is in
 * models/cmd/worlds.c), and scenario_load picks the one whose keys a scenario uses. */
extern const struct world_ops *const mqsim_worlds[];

#endif
