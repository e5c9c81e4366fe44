/* scenario: the top level of a scenario file (name, run, network, disk, faults) and the run itself:
 * sampling, progress, and the three output files written atomically. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/lab/scenario.h"
#include "sim/lab/outdir.h"
#include "sim/disk.h"
#include "sim/net.h"
#include "sim/out.h"
#include "sim/wall.h"

#define MAX_DURATION (30LL * 86400 * SIM_S)
#define MAX_SAMPLES 10000000LL

static const char *const trace_names[] = {"off", "events", "full", NULL};
static const char *const timeseries_names[] = {"wide", "long", NULL};

/* The file name without directories and ".json", for the default scenario name. */
static void base_name(const char *file, char *buf, size_t size)
{
    const char *b = strrchr(file, '/');
    b = b ? b + 1 : file;
    snprintf(buf, size, "%s", b);
    size_t l = strlen(buf);
    if (l > 5 && strcmp(buf + l - 5, ".json") == 0)
        buf[l - 5] = 0;
}

int scenario_name_ok(const char *s)
{
    if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strlen(s) > 100)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
              *s == '_' || *s == '.'))
            return 0;
    return 1;
}

static int load_run(struct scenario *sc, const struct run_opts *o, struct conf *c)
{
    static const char *const keys[] = {"duration_ms", "seed", "sample_ms", "trace", "warmup_ms", "timeseries", NULL};
    const cJSON *run = conf_child(sc->root, "run");
    const cJSON empty = {.type = cJSON_Object};
    if (!run)
        run = &empty;
    if (conf_keys(c, run, "$.run", keys) < 0)
        return -1;
    int64_t seed;
    int level;
    conf_time(c, run, "$.run", "duration_ms", 300 * SIM_S, 1 * SIM_MS, MAX_DURATION, &sc->duration);
    conf_int(c, run, "$.run", "seed", 1, 0, ((int64_t)1 << 53) - 1, &seed);
    conf_time(c, run, "$.run", "sample_ms", 1 * SIM_S, 1 * SIM_MS, MAX_DURATION, &sc->sample);
    conf_enum(c, run, "$.run", "trace", trace_names, TRACE_EVENTS, &level);
    conf_enum(c, run, "$.run", "timeseries", timeseries_names, 0, &sc->timeseries_long);
    sc->warmup = -1;   /* the world's default */
    if (conf_child(run, "warmup_ms"))
        conf_time(c, run, "$.run", "warmup_ms", 0, 0, MAX_DURATION, &sc->warmup);
    if (c->failed)
        return -1;
    if (sc->duration / sc->sample > MAX_SAMPLES)
        return conf_fail(c, "$.run.sample_ms", "too small for the duration: at most %lld samples a run",
                         MAX_SAMPLES);
    /* Every figure is counted after the warm-up: one that lasts the whole run leaves nothing to measure. */
    if (sc->warmup >= sc->duration)
        return conf_fail(c, "$.run.warmup_ms", "%.15g ms is not before the run's end (run.duration_ms %.15g): "
                         "nothing would be measured", sim_time_to_ms(sc->warmup), sim_time_to_ms(sc->duration));
    sc->seed = o->seed_set ? o->seed : (uint64_t)seed;
    sc->trace_level = (enum trace_level)level;
    if (o->trace)
        sc->trace_level = (enum trace_level)trace_level_parse(o->trace);   /* checked by the caller */
    return 0;
}

/* Finds the one world whose keys the scenario uses. */
static int pick_world(struct scenario *sc, struct conf *c)
{
    for (int i = 0; mqsim_worlds[i]; i++)
        for (const char *const *k = mqsim_worlds[i]->keys; *k; k++)
            if (conf_child(sc->root, *k)) {
                if (sc->world && sc->world != mqsim_worlds[i])
                    return conf_fail(c, "$", "mixes \"%s\" and \"%s\" models; a scenario holds one kind",
                                     sc->world->name, mqsim_worlds[i]->name);
                sc->world = mqsim_worlds[i];
            }
    if (!sc->world) {
        char want[512] = "";
        for (int i = 0; mqsim_worlds[i]; i++) {
            size_t l = strlen(want);
            snprintf(want + l, sizeof want - l, "%s\"%s\"", i ? " or " : "", mqsim_worlds[i]->keys[0]);
        }
        return conf_fail(c, "$", "nothing to simulate: expected a %s section", want);
    }
    return 0;
}

int scenario_late_fault(const struct scenario *sc)
{
    for (int i = 0; i < sc->faults.n; i++)
        if (!sc->faults.f[i].at_drawn && sc->faults.f[i].at > sc->duration)
            return i;
    return -1;
}

/* Everything after the JSON tree is in sc->root and the --set arguments are applied: the checks, and
 * building the simulation. */
static int load_tree(struct scenario *sc, const struct run_opts *o, struct conf *c)
{
    /* Top-level keys: ours plus every world's. */
    const char *keys[64] = {"name", "description", "run", "network", "disk", "faults"};
    int nk = 6;
    for (int i = 0; mqsim_worlds[i]; i++)
        for (const char *const *k = mqsim_worlds[i]->keys; *k && nk < 63; k++)
            keys[nk++] = *k;
    keys[nk] = NULL;
    if (conf_child(sc->root, "base") && conf_child(sc->root, "vary"))
        return conf_fail(c, "$", "a sweep file (it has \"base\" and \"vary\"), not a scenario: run it with "
                         "mqsim sweep");
    if (conf_keys(c, sc->root, "$", keys) < 0)
        return -1;

    static char def_name[128];
    const char *desc;
    base_name(o->file, def_name, sizeof def_name);
    conf_string(c, sc->root, "$", "name", def_name, &sc->name);
    conf_string(c, sc->root, "$", "description", "", &desc);
    if (c->failed)
        return -1;
    if (!scenario_name_ok(sc->name))
        return conf_fail(c, conf_child(sc->root, "name") ? "$.name" : "$",
                         "\"%s\" cannot name an output directory: use letters, digits, '-', '_' and '.'",
                         sc->name);
    if (load_run(sc, o, c) < 0 || pick_world(sc, c) < 0)
        return -1;

    sc->sim = sim_new(sc->seed);
    if (!sc->sim)
        return conf_fail(c, "$", "out of memory");
    /* Engine sections first: the models' defaults may depend on them; links and faults name nodes, so
     * they are resolved after the world has added its nodes. */
    if (disk_load(sc->sim, c, conf_child(sc->root, "disk"), "$.disk") < 0)
        return -1;
    sc->w = sc->world->load(sc, c);
    if (!sc->w)
        return c->failed ? -1 : conf_fail(c, "$", "out of memory");
    if (net_load(sc->sim, c, conf_child(sc->root, "network"), "$.network") < 0)
        return -1;
    if (fault_load(sc->sim, c, conf_child(sc->root, "faults"), "$.faults", &sc->faults) < 0)
        return -1;
    for (int i = 0; i < sc->faults.n; i++)
        if (sc->faults.f[i].symbol && sim_resolve(sc->sim, sc->faults.f[i].symbol) == SIM_NODE_BAD) {
            char p[64];
            snprintf(p, sizeof p, "$.faults[%d].node", i);
            return conf_fail(c, p, "unknown symbolic node \"%s\" (expected \"@master:GROUP\", \"@slave:GROUP\" or "
                             "\"@controller_leader\")",
                             sc->faults.f[i].symbol);
        }
    return 0;
}

/* A value a --set put in the tree is checked like the file's own, at its path; the error then names the
 * argument that brought it (the last one at or above the path: later arguments override earlier ones). */
static int blame_set(const struct run_opts *o, struct conf *c)
{
    for (int i = o->nsets - 1; i >= 0 && c->err_path[0]; i--) {
        const char *eq = strchr(o->sets[i], '=');
        size_t n = eq ? (size_t)(eq - o->sets[i]) : 0;
        const char *p = c->err_path + 2;   /* after "$." */
        if (n == 0 || strncmp(c->err_path, "$.", 2) != 0 || strncmp(p, o->sets[i], n) != 0 ||
            (p[n] != '\0' && p[n] != '.' && p[n] != '['))
            continue;
        conf_append(c, " (from --set %s)", o->sets[i]);
        break;
    }
    return -1;
}

/* The --set arguments first (an argument that cannot apply names itself: conf_apply_set), then the checks,
 * whose errors at a path a --set wrote name that argument. */
static int load_tree_blamed(struct scenario *sc, const struct run_opts *o, struct conf *c)
{
    for (int i = 0; i < o->nsets; i++)
        if (conf_apply_set(c, sc->root, o->sets[i]) < 0)
            return -1;
    if (load_tree(sc, o, c) == 0)
        return 0;
    return o->sets_own ? -1 : blame_set(o, c);
}

int scenario_load(struct scenario *sc, const struct run_opts *o, struct conf *c)
{
    memset(sc, 0, sizeof *sc);
    sc->file = o->file;
    conf_init(c, o->file);
    sc->root = conf_load_file(c, o->file);
    if (!sc->root)
        return -1;
    memcpy(sc->sha256, c->sha256, sizeof sc->sha256);
    return load_tree_blamed(sc, o, c);
}

int scenario_load_text(struct scenario *sc, const struct run_opts *o, const char *text, size_t len,
                       struct conf *c)
{
    memset(sc, 0, sizeof *sc);
    sc->file = o->file;
    conf_init(c, o->file);
    sc->root = conf_parse(c, text, len);
    if (!sc->root)
        return -1;
    memcpy(sc->sha256, c->sha256, sizeof sc->sha256);
    return load_tree_blamed(sc, o, c);
}

void scenario_free(struct scenario *sc)
{
    if (sc->w && sc->world->free)
        sc->world->free(sc->w);
    fault_plan_free(&sc->faults);
    sim_free(sc->sim);
    cJSON_Delete(sc->root);
    memset(sc, 0, sizeof *sc);
}

/* ---- running ---- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) { interrupted = sig; }

static void on_sample(struct sim *s, void *ctx, uint64_t arg)
{
    struct scenario *sc = ctx;
    (void)arg;
    if (sc->world->sample)
        sc->world->sample(sc->w, sc);
    sim_time next = sim_now(s) + sc->sample;
    if (next <= sc->duration)
        sim_hook_at(s, next, sc->sample_hook, 0);
}

static void progress(const struct scenario *sc, double start, int done)
{
    double el = wall_seconds() - start;
    double frac = (double)sim_now(sc->sim) / (double)sc->duration;
    fprintf(stderr, "\r%s: %5.1f%%  sim %.1f s of %.1f s  %.1fM events  %.1f s%s", sc->name, 100 * frac,
            sim_time_to_ms(sim_now(sc->sim)) / 1000, sim_time_to_ms(sc->duration) / 1000,
            (double)sim_events(sc->sim) / 1e6, el, done ? "\n" : "   ");
    fflush(stderr);
}

static cJSON *engine_json(struct sim *s)
{
    const struct sim_stats *st = sim_stats(s);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "nodes", (double)sim_node_count(s));
    cJSON_AddNumberToObject(e, "msgs_sent", (double)st->msgs_sent);
    cJSON_AddNumberToObject(e, "msgs_delivered", (double)st->msgs_delivered);
    cJSON_AddNumberToObject(e, "msgs_lost", (double)st->msgs_dropped_loss);
    cJSON_AddNumberToObject(e, "msgs_cut", (double)st->msgs_dropped_cut);
    cJSON_AddNumberToObject(e, "msgs_to_down", (double)st->msgs_dropped_down);
    cJSON_AddNumberToObject(e, "disk_ops", (double)st->disk_ops);
    cJSON_AddNumberToObject(e, "faults", (double)st->faults);
    cJSON_AddNumberToObject(e, "peak_pending", (double)st->peak_pending);
    return e;
}

/* How the run was made: enough to make it again. */
static cJSON *run_json(struct scenario *sc, const struct run_opts *o, const struct world_ops *w)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "mqsim_version", MQSIM_VERSION);
    cJSON_AddStringToObject(r, "scenario_file", sc->file);
    cJSON_AddStringToObject(r, "scenario_sha256", sc->sha256);
    /* The command that makes these figures again: the same however the options were ordered, where the
     * outputs went or how much was traced, so runs that are the same give the same bytes. A file named "-x"
     * would read as options: then the options come first and "--" before the file. */
    cJSON *cmd = cJSON_AddArrayToObject(r, "command");
    char seedw[32];
    snprintf(seedw, sizeof seedw, "%llu", (unsigned long long)sc->seed);
    int dashed = sc->file[0] == '-';
    const char *words[] = {"mqsim", sc->file, "--seed", seedw};
    for (int k = 0; cmd && k < 4; k++)
        if (k != 1 || !dashed)
            cJSON_AddItemToArray(cmd, cJSON_CreateString(words[k]));
    for (int k = 0; cmd && k < o->nsets; k++) {
        cJSON_AddItemToArray(cmd, cJSON_CreateString("--set"));
        cJSON_AddItemToArray(cmd, cJSON_CreateString(o->sets[k]));
    }
    if (cmd && dashed) {
        cJSON_AddItemToArray(cmd, cJSON_CreateString("--"));
        cJSON_AddItemToArray(cmd, cJSON_CreateString(sc->file));
    }
    cJSON *ov = cJSON_AddArrayToObject(r, "overrides");
    for (int k = 0; ov && k < o->nsets; k++)
        cJSON_AddItemToArray(ov, cJSON_CreateString(o->sets[k]));
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)sc->seed);
    cJSON_AddItemToObject(r, "seed", cJSON_CreateRaw(seed));
    if (w->run_info)
        w->run_info(sc->w, sc, r);
    return r;
}

static int write_outputs(struct scenario *sc, const struct run_opts *o, const char *dir,
                         struct out_file *trace_file, char *err, size_t errsz)
{
    struct out_file ts = {0};
    if (trace_file->f) {
        if (trace_flush(&sc->trace) < 0) {
            snprintf(err, errsz, "%s/trace.jsonl: write failed: %s", dir, strerror(errno ? errno : EIO));
            return -1;
        }
        if (out_commit(trace_file, err, errsz) < 0)
            return -1;
    }
    struct tseries *series = sc->world->series ? sc->world->series(sc->w) : NULL;
    if (series) {
        if (out_open(&ts, dir, "timeseries.csv", err, errsz) < 0)
            return -1;
        /* Both forms start with the time, the first column of every world's table. */
        if ((sc->timeseries_long ? tseries_write_csv_long(series, ts.f, 0) : tseries_write_csv(series, ts.f)) < 0) {
            out_abort(&ts);
            snprintf(err, errsz, "%s/timeseries.csv: write failed", dir);
            return -1;
        }
        if (out_commit(&ts, err, errsz) < 0)
            return -1;
    }
    cJSON *root = scenario_metrics(sc, o);
    int rc = out_write_json(dir, "metrics.json", root, err, errsz);
    cJSON_Delete(root);
    return rc;
}

cJSON *scenario_metrics(struct scenario *sc, const struct run_opts *o)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "scenario", sc->name);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)sc->seed);
    cJSON_AddItemToObject(root, "seed", cJSON_CreateRaw(seed));   /* exact: a double would round it */
    cJSON_AddItemToObject(root, "run", run_json(sc, o, sc->world));
    cJSON_AddNumberToObject(root, "sim_ms", sim_time_to_ms(sim_now(sc->sim)));
    cJSON_AddNumberToObject(root, "events", (double)sim_events(sc->sim));
    sc->world->metrics(sc->w, sc, root);
    cJSON_AddItemToObject(root, "engine", engine_json(sc->sim));
    return root;
}

int scenario_execute(struct scenario *sc, const struct run_opts *o)
{
    char final[OUT_PATH_MAX], err[2 * OUT_PATH_MAX + 256];
    struct out_file trace_file = {0};
    int len = o->out ? snprintf(final, sizeof final, "%s", o->out)
                     : snprintf(final, sizeof final, "out/%s", sc->name);
    if (len < 0 || (size_t)len >= sizeof final - 64) {
        fprintf(stderr, "mqsim: --out: the path is too long (at most %zu bytes)\n", sizeof final - 64);
        return 3;
    }
    /* Everything is written to a staging folder that replaces the target whole at the end (outdir.h). */
    struct outdir od;
    if (outdir_begin(&od, final, err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        return 3;
    }
    const char *dir = od.stage;
    if (sc->trace_level != TRACE_OFF && out_open(&trace_file, dir, "trace.jsonl", err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        outdir_abort(&od);
        return 3;
    }
    trace_init(&sc->trace, sc->trace_level, trace_file.f);
    sim_set_trace(sc->sim, &sc->trace);
    sc->sample_hook = sim_hook_register(sc->sim, on_sample, sc);
    sim_hook_at(sc->sim, 0, sc->sample_hook, 0);

    int show = !o->quiet && isatty(2);
    double start = wall_seconds(), last = start;
    /* Run in slices of simulated time so progress can be shown and ^C noticed; the slicing changes nothing
     * simulated. */
    sim_time slice = sc->duration / 200 > SIM_MS ? sc->duration / 200 : SIM_MS;
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    while (sim_now(sc->sim) < sc->duration && !sim_stopped(sc->sim) && !interrupted) {
        sim_time to = sim_now(sc->sim) + slice;
        sim_run(sc->sim, to < sc->duration ? to : sc->duration);
        if (show && wall_seconds() - last > 0.25) {
            last = wall_seconds();
            progress(sc, start, 0);
        }
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (interrupted) {
        /* Stopped by a signal: nothing half-written stays behind, earlier outputs are left as they were. */
        if (show)
            fprintf(stderr, "\n");
        sim_set_trace(sc->sim, NULL);
        out_abort(&trace_file);
        outdir_abort(&od);
        trace_free(&sc->trace);
        fprintf(stderr, "mqsim: %s: interrupted at %.1f s simulated; nothing written\n", sc->file,
                sim_time_to_ms(sim_now(sc->sim)) / 1000);
        return interrupted == SIGTERM ? 143 : 130;
    }
    double wall = wall_seconds() - start;
    if (show)
        progress(sc, start, 1);
    if (sc->world->finish)
        sc->world->finish(sc->w, sc);
    sim_set_trace(sc->sim, NULL);

    int rc = 0;
    if (write_outputs(sc, o, dir, &trace_file, err, sizeof err) < 0 ||
        (o->before_publish && o->before_publish(dir, o->publish_ctx, err, sizeof err) != 0) ||
        outdir_publish(&od, err, sizeof err) < 0) {
        out_abort(&trace_file);
        outdir_abort(&od);
        fprintf(stderr, "mqsim: %s\n", err);
        rc = 3;
    }
    trace_free(&sc->trace);
    if (rc)
        return rc;
    dir = final;

    int bad = sc->world->violations ? sc->world->violations(sc->w) : 0;
    if (!o->quiet) {
        printf("%s (seed %llu): %.1f s simulated, %llu events\n", sc->name, (unsigned long long)sc->seed,
               sim_time_to_ms(sim_now(sc->sim)) / 1000, (unsigned long long)sim_events(sc->sim));
        sc->world->summary(sc->w, sc, stdout);
        printf("wall %.2f s, %.2fM events/s, peak memory %.0f MiB; outputs in %s/\n", wall,
               wall > 0 ? (double)sim_events(sc->sim) / wall / 1e6 : 0.0, (double)wall_peak_rss() / 1048576,
               dir);
    }
    if (bad) {
        fprintf(stderr, "mqsim: %s: %d invariant violation%s (seed %llu); see %s/metrics.json\n", sc->file, bad,
                bad == 1 ? "" : "s", (unsigned long long)sc->seed, dir);
        return 1;
    }
    return 0;
}
