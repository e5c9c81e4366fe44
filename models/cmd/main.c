/* main: the mqsim command: run a scenario, validate one, benchmark the engine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/cmd/cli.h"
#include "models/cmd/compare.h"
#include "models/cmd/explore.h"
#include "models/phold/phold.h"
#include "models/cmd/plot.h"
#include "sim/lab/scenario.h"
#include "sim/lab/sweep.h"
#include "models/cmd/sweep.h"
#include "models/cmd/timeline.h"
#include "sim/wall.h"


static const char help[] =
    "\n"
    "mqsim simulates Apache RocketMQ replication and failover: brokers, NameServers, producers and\n"
    "consumers run as protocol code over a simulated network and disk, driven by one event scheduler.\n"
    "`mqsim help COMMAND` (or `mqsim COMMAND --help`) lists every option of a command.\n"
    "\n"
    "Exit status: 0 ran; 1 an invariant was violated (the seed replays it); 2 bad usage or input;\n"
    "3 output could not be written (compare and sweep: 1 also when a run crashed, 3 when a run could not\n"
    "be carried out). Errors name the file and the JSON path.\n"
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

/* `mqsim validate` on a sweep file (a JSON object with "base" and "vary"): its keys, metrics, and its base
 * scenario at every grid point, as `mqsim sweep` checks them. Returns the exit status, or -1 when the file is
 * not a sweep file (or cannot be read: the scenario loader then says why). */
static int validate_sweep(const char *file, int nsets)
{
    struct conf c;
    conf_init(&c, file);
    cJSON *root = conf_load_file(&c, file);
    int is_sweep = cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "base") &&
                   cJSON_GetObjectItemCaseSensitive(root, "vary");
    cJSON_Delete(root);
    if (!is_sweep)
        return -1;
    if (nsets)
        return usage_error("%s: a sweep file takes no --set (its \"set\" holds the values for every run)", file);
    struct sweep sw;
    int rc = 0;
    if (sweep_load(&sw, file, &c) < 0) {
        fprintf(stderr, "mqsim: %s\n", c.err);
        rc = 2;
    } else {
        printf("%s: ok (sweep of %s: %zu points x %zu seeds = %zu runs, %zu metrics)\n", file, sw.base,
               sw.npoints, sw.seeds, sw.nruns, sw.nmetrics);
    }
    sweep_free(&sw);
    return rc;
}

static int cmd_run(int argc, char **argv, int validate_only)
{
    struct run_opts o = {0};
    int timeline = 0, rc = 2, k;
    const char *v;
    struct cli_parse p;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets || cli_begin(&p, cli_find(validate_only ? "validate" : "run"), "mqsim: ", argc, argv) < 0) {
        free(sets);
        return 2;
    }
    o.sets = sets;
    while ((k = cli_next(&p, &v)) != CLI_END) {
        if (k == CLI_ERROR)
            goto bad;
        if (k == OPT_HELP) {
            cli_help(p.cmd, stdout);
            rc = 0;
            goto bad;
        }
        if (k == OPT_SET) {
            sets[o.nsets++] = v;
        } else if (k == OPT_SEED) {
            if (parse_u64(v, &o.seed) < 0 || o.seed >= (1ULL << 53)) {
                cli_fail(&p, "--seed: expected an integer from 0 to 2^53 - 1, got \"%s\"", v);
                goto bad;
            }
            o.seed_set = 1;
        } else if (k == OPT_OUT) {
            o.out = v;
        } else if (k == OPT_TRACE) {
            if (trace_level_parse(v) < 0) {
                cli_fail(&p, "--trace: expected \"off\", \"events\" or \"full\", got \"%s\"", v);
                goto bad;
            }
            o.trace = v;
        } else if (k == OPT_QUIET) {
            o.quiet = 1;
        } else if (k == OPT_TIMELINE) {
            timeline = 1;
        } else if (!o.file) {
            o.file = v;
        } else {
            cli_fail(&p, "one %s at a time; unexpected \"%s\"", validate_only ? "file" : "scenario", v);
            goto bad;
        }
    }
    cli_end(&p);
    if (!o.file) {
        free(sets);
        return usage_error("%s", "no scenario file given");
    }
    if (validate_only) {
        int sr = validate_sweep(o.file, o.nsets);
        if (sr >= 0) {
            free(sets);
            return sr;
        }
    }
    struct scenario sc;
    struct conf c;
    int late;
    if (scenario_load(&sc, &o, &c) < 0) {
        fprintf(stderr, "mqsim: %s\n", c.err);
        rc = 2;
        goto done;
    }
    /* Not an error: a run cut short on purpose is common. But the figures will show no such fault. */
    if ((late = scenario_late_fault(&sc)) >= 0 && (validate_only || !o.quiet))
        fprintf(stderr, "mqsim: note: %s: $.faults[%d].at_ms: %.15g ms is after the run's end (run.duration_ms "
                "%.15g): that fault does not happen in this run\n", o.file, late,
                sim_time_to_ms(sc.faults.f[late].at), sim_time_to_ms(sc.duration));
    if (validate_only) {
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
done:
    scenario_free(&sc);
    free(sets);
    return rc;
bad:
    cli_end(&p);
    free(sets);
    return rc;
}

/* ---- mqsim bench phold ---- */

static int cmd_bench(int argc, char **argv)
{
    struct phold_config cfg;
    phold_config_default(&cfg);
    double lookahead = 0.1, mean = 1.0, end = 1000, x;
    uint64_t seed = 1, u;
    int json = 0, k, ok, phold = 0;
    const char *v, *opt = "", *want = "";
    struct cli_parse cp;
    if (cli_begin(&cp, cli_find("bench"), "mqsim: bench: ", argc, argv) < 0)
        return 2;
    while ((k = cli_next(&cp, &v)) != CLI_END) {
        if (k == CLI_ERROR) {
            cli_end(&cp);
            return 2;
        }
        switch (k) {
        case OPT_HELP: cli_help(cp.cmd, stdout); cli_end(&cp); return 0;
        case OPT_JSON: json = 1; ok = 1; break;
        case OPT_LPS:
            ok = parse_u64(v, &u) == 0 && u >= 1 && u <= 1000000;
            cfg.lps = (int64_t)u;
            opt = "--lps", want = "an integer from 1 to 1000000";
            break;
        case OPT_POPULATION:
            ok = parse_u64(v, &u) == 0 && u >= 1 && u <= 10000;
            cfg.population = (int64_t)u;
            opt = "--population", want = "an integer from 1 to 10000";
            break;
        case OPT_REMOTE:
            ok = parse_double(v, 0, 1, &x) == 0;
            cfg.remote = x;
            opt = "--remote", want = "a fraction from 0 to 1";
            break;
        case OPT_LOOKAHEAD:
            ok = parse_double(v, 0, 1e6, &x) == 0;
            lookahead = x;
            opt = "--lookahead", want = "ms from 0 to 1000000";
            break;
        case OPT_MEAN:
            ok = parse_double(v, 1e-3, 1e6, &x) == 0;
            mean = x;
            opt = "--mean", want = "ms from 0.001 to 1000000";
            break;
        case OPT_END:
            ok = parse_double(v, 1e-3, 1e9, &x) == 0;
            end = x;
            opt = "--end", want = "ms from 0.001 to 1000000000";
            break;
        case OPT_SEED:
            ok = parse_u64(v, &u) == 0 && u <= (1ULL << 53) - 1;
            seed = u;
            opt = "--seed", want = "an integer from 0 to 2^53 - 1";
            break;
        default:
            ok = !phold && strcmp(v, "phold") == 0;
            phold = 1;
            if (!ok) {
                cli_end(&cp);
                return usage_error("bench: expected \"phold\", got \"%s\"", v);
            }
        }
        if (!ok) {
            cli_fail(&cp, "%s: expected %s, got \"%s\"", opt, want, v ? v : "");
            cli_end(&cp);
            return 2;
        }
    }
    cli_end(&cp);
    if (!phold)
        return usage_error("%s", "bench: expected \"phold\"");
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

/* `mqsim help [COMMAND]`. */
static int cmd_help(int argc, char **argv)
{
    if (argc == 0) {
        cli_usage_all(stdout);
        printf("%s", help);
        return 0;
    }
    const struct cli_cmd *c = cli_find(argv[0]);
    if (!c || argc > 1)
        return usage_error("help: no command \"%s\" (run, validate, compare, sweep, plot, timeline, explore, "
                           "bench)", argc > 1 ? argv[1] : argv[0]);
    cli_help(c, stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no scenario file given");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return cmd_help(0, NULL);
    if (strcmp(cmd, "help") == 0)
        return cmd_help(argc - 2, argv + 2);
    if (strcmp(cmd, "--version") == 0) {
        printf("mqsim %s\n", MQSIM_VERSION);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2, 0);
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
    /* A plain word that names no file is a mistyped command ("compre"), not a scenario: said so, where the
     * run would take it as a file and blame its other words. */
    if (cmd[0] != '-' && !strchr(cmd, '/') && !strchr(cmd, '.') && access(cmd, F_OK) != 0)
        return usage_error("no command \"%s\" (run, validate, compare, sweep, plot, timeline, explore, bench; "
                           "or a scenario file)", cmd);
    return cmd_run(argc - 1, argv + 1, 0);
}
