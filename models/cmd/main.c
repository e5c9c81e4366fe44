/* main: the mqsim command: run a scenario, validate one, benchmark the engine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cmd/compare.h"
#include "models/cmd/explore.h"
#include "models/phold/phold.h"
#include "models/cmd/plot.h"
#include "sim/lab/scenario.h"
#include "models/cmd/sweep.h"
#include "models/cmd/timeline.h"
#include "sim/wall.h"


static const char usage[] =
    "usage: mqsim SCENARIO.json [--seed N] [--set key.path=VALUE]... [--out DIR]\n"
    "                           [--trace off|events|full] [--timeline] [--quiet]\n"
    "       mqsim validate SCENARIO.json [--set key.path=VALUE]...\n"
    "       mqsim compare A.json B.json [...] --runs N [--jobs J] [--out DIR] [--plot]\n"
    "       mqsim sweep SWEEP.json [--jobs J] [--out DIR] [--list] [--collect DIR...] [--plot]\n"
    "       mqsim plot DIR\n"
    "       mqsim timeline DIR\n"
    "       mqsim explore SCENARIO.json --runs N [--jobs J] [--out DIR]\n"
    "       mqsim bench phold [--lps N] [--population K] [--remote F] [--lookahead L] [--mean M]\n"
    "                         [--end T] [--seed S] [--json]\n"
    "       mqsim --help | --version\n";

static const char help[] =
    "\n"
    "mqsim simulates Apache RocketMQ replication and failover: brokers, NameServers, producers and\n"
    "consumers run as protocol code over a simulated network and disk, driven by one event scheduler.\n"
    "\n"
    "Run a scenario:\n"
    "  mqsim SCENARIO.json      runs it and writes metrics.json, trace.jsonl and timeseries.csv\n"
    "    --seed N               run seed (overrides run.seed); the same seed gives identical outputs\n"
    "    --set key.path=VALUE   overrides any scenario value, e.g. --set run.duration_ms=60000,\n"
    "                           --set faults[0].at_ms=30000; VALUE is JSON, or else a plain string\n"
    "    --out DIR              output directory (default out/<scenario name>)\n"
    "    --trace LEVEL          off, events (default) or full\n"
    "    --timeline             also writes timeline.json (Chrome Trace Event format: open it in\n"
    "                           https://ui.perfetto.dev or chrome://tracing); needs a trace, so\n"
    "                           \"off\" becomes \"events\"\n"
    "    --quiet                no summary and no progress\n"
    "  mqsim validate SCENARIO.json   checks a scenario without running it\n"
    "  mqsim timeline DIR       writes DIR/timeline.json from a run's trace.jsonl and timeseries.csv\n"
    "\n"
    "Benchmark the engine (PHOLD, Fujimoto 1990; one time unit is one simulated millisecond):\n"
    "  mqsim bench phold        --lps 1024 --population 16 --remote 0.9 --lookahead 0.1 --mean 1.0\n"
    "                           --end 1000 --seed 1; --json prints one JSON object\n"
    "\n"
    "Exit status: 0 ran; 1 an invariant was violated (the seed replays it); 2 bad usage or input;\n"
    "3 output could not be written. Errors name the file and the JSON path.\n"
    "See README.md for every scenario key, its unit and its default.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "mqsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

/* ---- mqsim SCENARIO.json / mqsim validate ---- */

/* --timeline: timeline.json joins the run's outputs before they are published. */
static int write_timeline(const char *dir, void *ctx, char *err, size_t errsz)
{
    (void)ctx;
    return timeline_write(dir, err, errsz);
}

static int cmd_run(int argc, char **argv, int validate_only)
{
    struct run_opts o = {0};
    int timeline = 0;
    const char **sets = calloc((size_t)argc, sizeof *sets);
    if (!sets)
        return 2;
    o.sets = sets;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--set") == 0 && v) {
            sets[o.nsets++] = v;
            i++;
        } else if (strncmp(a, "--set=", 6) == 0) {
            sets[o.nsets++] = a + 6;
        } else if (!validate_only && strcmp(a, "--seed") == 0) {
            if (parse_u64(v, &o.seed) < 0 || o.seed >= (1ULL << 53)) {
                free(sets);
                return usage_error("--seed: expected an integer from 0 to 2^53 - 1, got \"%s\"", v ? v : "");
            }
            o.seed_set = 1;
            i++;
        } else if (!validate_only && strcmp(a, "--out") == 0 && v) {
            o.out = v;
            i++;
        } else if (!validate_only && strcmp(a, "--trace") == 0 && v) {
            if (trace_level_parse(v) < 0) {
                free(sets);
                return usage_error("--trace: expected \"off\", \"events\" or \"full\", got \"%s\"", v);
            }
            o.trace = v;
            i++;
        } else if (!validate_only && strcmp(a, "--quiet") == 0) {
            o.quiet = 1;
        } else if (!validate_only && strcmp(a, "--timeline") == 0) {
            timeline = 1;
        } else if (a[0] == '-' && a[1]) {
            int known = strcmp(a, "--set") == 0 ||
                        (!validate_only && (strcmp(a, "--seed") == 0 || strcmp(a, "--out") == 0 ||
                                            strcmp(a, "--trace") == 0));
            free(sets);
            return usage_error(known ? "option \"%s\" needs a value" : "unknown option \"%s\"", a);
        } else if (!o.file) {
            o.file = a;
        } else {
            free(sets);
            return usage_error("one scenario at a time; unexpected \"%s\"", a);
        }
    }
    if (!o.file) {
        free(sets);
        return usage_error("%s", "no scenario file given");
    }
    struct scenario sc;
    struct conf c;
    int rc;
    if (scenario_load(&sc, &o, &c) < 0) {
        fprintf(stderr, "mqsim: %s\n", c.err);
        rc = 2;
    } else if (validate_only) {
        printf("%s: ok (%zu nodes, %d faults, %.0f ms)\n", o.file, sim_node_count(sc.sim), sc.faults.n,
               sim_time_to_ms(sc.duration));
        rc = 0;
    } else {
        if (timeline) {
            if (sc.trace_level == TRACE_OFF)
                sc.trace_level = TRACE_EVENTS;
            o.before_publish = write_timeline;
        }
        rc = scenario_execute(&sc, &o);
    }
    scenario_free(&sc);
    free(sets);
    return rc;
}

/* ---- mqsim bench phold ---- */

static int cmd_bench(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "phold") != 0)
        return usage_error("bench: expected \"phold\", got \"%s\"", argc ? argv[0] : "");
    struct phold_config cfg;
    phold_config_default(&cfg);
    double lookahead = 0.1, mean = 1.0, end = 1000, x;
    uint64_t seed = 1, u;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0) {
            json = 1;
            continue;
        }
        if (!v)
            return usage_error("option \"%s\" needs a value", a);
        i++;
        if (strcmp(a, "--lps") == 0 && parse_u64(v, &u) == 0 && u >= 1 && u <= 1000000)
            cfg.lps = (int64_t)u;
        else if (strcmp(a, "--population") == 0 && parse_u64(v, &u) == 0 && u >= 1 && u <= 10000)
            cfg.population = (int64_t)u;
        else if (strcmp(a, "--remote") == 0 && parse_double(v, 0, 1, &x) == 0)
            cfg.remote = x;
        else if (strcmp(a, "--lookahead") == 0 && parse_double(v, 0, 1e6, &x) == 0)
            lookahead = x;
        else if (strcmp(a, "--mean") == 0 && parse_double(v, 1e-3, 1e6, &x) == 0)
            mean = x;
        else if (strcmp(a, "--end") == 0 && parse_double(v, 1e-3, 1e9, &x) == 0)
            end = x;
        else if (strcmp(a, "--seed") == 0 && parse_u64(v, &u) == 0)
            seed = u;
        else
            return usage_error("bench phold: bad option or value \"%s\"", a);
    }
    if (cfg.lps * cfg.population > 10000000)
        return usage_error("%s", "bench phold: lps * population must be at most 10000000");
    cfg.lookahead = (sim_time)(lookahead * SIM_MS);
    cfg.mean = (sim_time)(mean * SIM_MS);
    sim_time t_end = (sim_time)(end * SIM_MS);

    struct sim *s = sim_new(seed);
    struct phold *p = s ? phold_new(s, &cfg) : NULL;
    struct sim_dist lat = phold_network_latency(&cfg);
    if (!p || sim_net_default(s, &lat, 0, 0) < 0) {
        fprintf(stderr, "mqsim: bench phold: out of memory\n");
        phold_free(p);
        sim_free(s);
        return 3;
    }
    double t0 = wall_seconds();
    sim_run(s, t_end);
    double wall = wall_seconds() - t0;
    uint64_t events = phold_handled(p);
    double expected = phold_expected(&cfg, t_end);
    double rate = wall > 0 ? (double)events / wall : 0;
    if (json)
        printf("{\"events\": %llu, \"expected\": %.0f, \"wall_s\": %.3f, \"events_per_s\": %.0f, "
               "\"peak_pending\": %zu, \"peak_rss_bytes\": %ld}\n",
               (unsigned long long)events, expected, wall, rate, sim_stats(s)->peak_pending, wall_peak_rss());
    else
        printf("phold: %lld LPs x %lld events, remote %.2f, lookahead %g, mean %g, end %g, seed %llu\n"
               "events executed %llu (expected N*K*T/(L+m) = %.0f, ratio %.4f)\n"
               "wall %.3f s, %.2f million events/s, peak pending %zu, peak memory %.1f MiB\n",
               (long long)cfg.lps, (long long)cfg.population, cfg.remote, lookahead, mean, end,
               (unsigned long long)seed, (unsigned long long)events, expected, (double)events / expected, wall,
               rate / 1e6, sim_stats(s)->peak_pending, (double)wall_peak_rss() / 1048576);
    phold_free(p);
    sim_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no scenario file given");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        printf("%s%s", usage, help);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("mqsim %s\n", MQSIM_VERSION);
        return 0;
    }
    if (strcmp(cmd, "validate") == 0)
        return cmd_run(argc - 2, argv + 2, 1);
    if (strcmp(cmd, "bench") == 0)
        return cmd_bench(argc - 2, argv + 2);
    if (strcmp(cmd, "compare") == 0)
        return cmd_compare(argc - 2, argv + 2);
    if (strcmp(cmd, "sweep") == 0)
        return cmd_sweep(argc - 2, argv + 2);
    if (strcmp(cmd, "plot") == 0)
        return cmd_plot(argc - 2, argv + 2);
    if (strcmp(cmd, "timeline") == 0)
        return cmd_timeline(argc - 2, argv + 2);
    if (strcmp(cmd, "explore") == 0)
        return cmd_explore(argc - 2, argv + 2);
    return cmd_run(argc - 1, argv + 1, 0);
}
