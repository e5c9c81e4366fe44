/* cli_cmds: every mqsim command's operands and options, with the help text `mqsim help COMMAND` prints. */
#include "models/cmd/cli.h"

#define SET_HELP "changes a scenario value before it is checked, e.g. run.duration_ms=60000,\n" \
                 "faults[0].at_ms=30000; VALUE is JSON, or else a plain string; repeatable"

static const struct cli_opt run_opts[] = {
    {OPT_SEED, "seed", "N", "run seed (replaces run.seed); the same seed gives identical outputs"},
    {OPT_SET, "set", "KEY.PATH=VALUE", SET_HELP},
    {OPT_OUT, "out", "DIR", "output folder (default out/<scenario name>), replaced whole when the run ends"},
    {OPT_TRACE, "trace", "LEVEL", "off, events or full (default: the scenario's run.trace, events)"},
    {OPT_TIMELINE, "timeline", NULL, "also writes timeline.json (Chrome Trace Event format, for\n"
                                     "https://ui.perfetto.dev); needs a trace, so \"off\" becomes \"events\""},
    {OPT_QUIET, "quiet", NULL, "no summary, no progress line and no note (a fault after the run's end)"},
    {0},
};

static const struct cli_cmd run_cmd = {
    "run", "SCENARIO.json [--seed N] [--set KEY.PATH=VALUE]... [--out DIR] [--trace off|events|full]\n"
           "                   [--timeline] [--quiet]",
    "Runs one scenario and writes metrics.json, trace.jsonl and timeseries.csv to the output folder, with a\n"
    "summary on stdout. `mqsim run SCENARIO.json` and `mqsim SCENARIO.json` are the same.\n"
    "Exit status: 0 ran; 1 an invariant was violated (the seed replays it); 2 bad usage or input;\n"
    "3 output could not be written.",
    run_opts,
};

static const struct cli_opt validate_opts[] = {
    {OPT_SET, "set", "KEY.PATH=VALUE", SET_HELP},
    {0},
};

static const struct cli_cmd validate_cmd = {
    "validate", "FILE.json [--set KEY.PATH=VALUE]...",
    "Checks a scenario, or a sweep file (one with \"base\" and \"vary\": its base scenario with every grid\n"
    "point's values), without running anything. Exit status 0 when it is valid, 2 with the first problem.",
    validate_opts,
};

static const struct cli_opt compare_opts[] = {
    {OPT_RUNS, "runs", "N", "runs per scenario (required): seeds S..S+N-1"},
    {OPT_SEED_START, "seed-start", "S", "first seed (default 1)"},
    {OPT_JOBS, "jobs", "J", "runs at once (default: the online cores)"},
    {OPT_OUT, "out", "DIR", "output folder (default out/compare)"},
    {OPT_SET, "set", "KEY.PATH=VALUE", SET_HELP ";\nthe same for every scenario"},
    {OPT_PLOT, "plot", NULL, "draws the figures at the end (mqsim plot DIR)"},
    {OPT_QUIET, "quiet", NULL, "no progress line and no notes (the table still prints)"},
    {0},
};

static const struct cli_cmd compare_cmd = {
    "compare", "A.json B.json [...] --runs N [--seed-start S] [--jobs J] [--out DIR] [--set ...]... [--plot]\n"
               "                   [--quiet]",
    "Runs each scenario over the same seeds as child processes and prints one table, a column a scenario;\n"
    "writes DIR/compare.csv (a row a run) and DIR/compare.json (summaries and how they were made).\n"
    "Interrupted (^C), it keeps the runs that finished in DIR/.compare-runs.jsonl; the same command again\n"
    "runs only the others.\n"
    "Exit status: 0; 1 a run broke an invariant or crashed (everything is still written); 2 bad usage or\n"
    "input; 3 an output could not be written or a run could not be carried out.",
    compare_opts,
};

static const struct cli_opt sweep_opts[] = {
    {OPT_JOBS, "jobs", "J", "runs at once (default: the online cores)"},
    {OPT_OUT, "out", "DIR", "output folder (default out/<sweep name>)"},
    {OPT_LIST, "list", NULL, "prints one shell command per pending run instead of running them"},
    {OPT_COLLECT, "collect", NULL, "merges the metrics.json of --list runs found in the DIR operands\n"
                                   "given after SWEEP.json (each the --out of those runs)"},
    {OPT_PLOT, "plot", NULL, "draws the figures at the end (mqsim plot DIR)"},
    {OPT_QUIET, "quiet", NULL, "no progress line and no notes (the results table still prints)"},
    {0},
};

static const struct cli_cmd sweep_cmd = {
    "sweep", "SWEEP.json [--jobs J] [--out DIR] [--list | --collect DIR...] [--plot] [--quiet]",
    "Runs a base scenario over a grid of values times seeds; writes DIR/results.csv (a row a run) and\n"
    "DIR/summary.csv (a row a grid point). Runs already in results.csv are not run again, so an\n"
    "interrupted sweep resumes.",
    sweep_opts,
};

static const struct cli_opt explore_opts[] = {
    {OPT_RUNS, "runs", "N", "runs, each with its own fault schedule (default 100)"},
    {OPT_SEED_START, "seed-start", "S", "first seed (default 1)"},
    {OPT_JOBS, "jobs", "J", "runs at once (default: the online cores)"},
    {OPT_OUT, "out", "DIR", "output folder (default out/<scenario name>-explore)"},
    {OPT_SET, "set", "KEY.PATH=VALUE", SET_HELP},
    {OPT_QUIET, "quiet", NULL, "no progress line"},
    {0},
};

static const struct cli_cmd explore_cmd = {
    "explore", "SCENARIO.json [--runs N] [--seed-start S] [--jobs J] [--out DIR] [--set ...]... [--quiet]",
    "Draws a fault schedule per seed within the scenario's \"explore\" bounds, runs each, checks safety and\n"
    "liveness, and shrinks every failing run's schedule; writes DIR/explore.csv and DIR/failures/.",
    explore_opts,
};

static const struct cli_opt plot_opts[] = {
    {OPT_QUIET, "quiet", NULL, "no line per figure"},
    {0},
};

static const struct cli_cmd plot_cmd = {
    "plot", "DIR [--quiet]",
    "Draws with gnuplot every figure that fits what DIR holds (a run, a compare or a sweep folder), as\n"
    "DIR/<figure>.png and .svg, with the data files they are drawn from.",
    plot_opts,
};

static const struct cli_opt no_opts[] = {{0}};

static const struct cli_cmd timeline_cmd = {
    "timeline", "DIR",
    "Writes DIR/timeline.json (Chrome Trace Event format: open it in https://ui.perfetto.dev or\n"
    "chrome://tracing) from a run's trace.jsonl and timeseries.csv.",
    no_opts,
};

static const struct cli_opt bench_opts[] = {
    {OPT_LPS, "lps", "N", "logical processes, 1 to 1000000 (default 1024)"},
    {OPT_POPULATION, "population", "K", "events per LP, 1 to 10000 (default 16)"},
    {OPT_REMOTE, "remote", "F", "share of events sent to another LP, 0 to 1 (default 0.9)"},
    {OPT_LOOKAHEAD, "lookahead", "L", "minimum delay, ms, 0 to 1000000 (default 0.1)"},
    {OPT_MEAN, "mean", "M", "mean exponential delay, ms, 0.001 to 1000000 (default 1.0)"},
    {OPT_END, "end", "T", "simulated ms, 0.001 to 1000000000 (default 1000)"},
    {OPT_SEED, "seed", "S", "seed, 0 to 2^53 - 1 (default 1)"},
    {OPT_JSON, "json", NULL, "prints one JSON object"},
    {0},
};

static const struct cli_cmd bench_cmd = {
    "bench", "phold [--lps N] [--population K] [--remote F] [--lookahead L] [--mean M] [--end T] [--seed S]\n"
             "                   [--json]",
    "Benchmarks the engine with PHOLD (Fujimoto 1990; a time unit is one simulated millisecond) and prints\n"
    "events executed against the expected count, wall time and events per second.",
    bench_opts,
};

const struct cli_cmd *const cli_cmds[] = {
    &run_cmd, &validate_cmd, &compare_cmd, &sweep_cmd, &plot_cmd, &timeline_cmd, &explore_cmd, &bench_cmd, NULL,
};
