/* test_absurd: values that parse but make no sense (durations of 1e300 ms, rates of 0 and 1e12, 100,000
 * nodes, a negative median, a million empirical values copied to every producer, JSON nested 100,000
 * deep, a 60 MB file). Each row runs the binary ($MQSIM, else ./mqsim) as a subprocess under a hard alarm,
 * so that a hang fails the row, and checks its peak memory; it must either exit 2 with one line naming the
 * file and the JSON path, or exit 0. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A child still running after this is killed by SIGALRM (which survives exec): a hang. The heaviest rows take
 * about 5 s in a normal build (the 60 MB files); the margin is for loaded machines. */
#define LIMIT_S 60
/* Peak resident memory a row may use. Without the fixes behind some rows they needed tens of gigabytes; the
 * heaviest now peaks near 790 MiB (60 MB of faults: cJSON's tree is about six times the text). */
#define MAX_RSS_KB (1536L * 1024)
/* Under AddressSanitizer (MQSIM_SANITIZED, set by `make test SANITIZE=1`) every one of a 60 MB file's millions
 * of small allocations carries redzones, freed memory waits in quarantine, and the shadow grows with the heap:
 * the 60 MB rows take five times as long and nearly twice the memory (27 s, 1,454 MiB measured on a 2-core
 * Xeon). Both limits are doubled there; the normal build's run keeps the real bound. */
static int g_scale = 1;

static char *g_mqsim;

/* A small master-slave scenario; %s is spliced in as more top-level keys (or nothing). */
#define GROUPS_HEAD "{\"name\": \"absurd\", \"run\": {\"duration_ms\": 20000, \"trace\": \"off\"}, " \
                    "\"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}]"
#define BASE_HEAD GROUPS_HEAD ", \"producers\": {\"count\": 1, \"rate_per_s\": 200}, \"consumers\": {\"count\": 1}"
#define BASE BASE_HEAD "}"
#define WITH(extra) BASE_HEAD ", " extra "}"
#define PHOLD "{\"run\": {\"duration_ms\": 1000, \"trace\": \"off\"}, \"phold\": {\"lps\": 4, \"population\": 1}}"

/* Scenarios too big to write inline, made by gen(). */
enum gen {
    G_TEXT,             /* text as given */
    G_EMPIRICAL_1M,     /* 1,000,000 values: network latency, 1000 producers' size, 300 links */
    G_EMPIRICAL_1M1,    /* 1,000,001 values: one too many */
    G_NESTED,           /* "description" holding arrays nested 100,000 deep */
    G_NESTED_SET,       /* text as given, and --set a.a.a...=1: a path of 10,000 steps */
    G_NESTED_VALUE,     /* text as given, and --set description=[[[...]]]: a value nested 500 deep */
    G_DESC_60MB,        /* a 60 MB description */
    G_SPACE_60MB,       /* the base scenario after 60 MB of spaces */
    G_FAULTS_60MB,      /* 60 MB of faults naming the last of 10,000 PHOLD LPs */
    G_FAULTS_1M1,       /* 1,000,001 heals */
    G_LINKS_60MB,       /* 60 MB of links */
    G_65MB,             /* over the 64 MiB limit */
    G_GROUPS_100K,      /* 100,000 groups */
    G_MAX_CLUSTER,      /* every count at its maximum */
};

struct row {
    const char *name;
    enum gen gen;
    const char *text;
    const char *args[6];    /* extra arguments (--set ...) */
    int run;                /* 0: mqsim validate; 1: mqsim run, trace off, output to a scratch directory */
    int want;               /* 0 or 2 */
    const char *err;        /* want 2: what stderr's one line must hold: "s.json: $.path: ..." */
};

static const struct row rows[] = {
    /* ---- durations of 1e300 ms (and other absurd times) ---- */
    {"run.duration_ms 1e300", G_TEXT, BASE, {"--set", "run.duration_ms=1e300"}, 0, 2,
     "s.json: $.run.duration_ms: must be between 1 and 2592000000 ms, got 1e+300"},
    {"run.duration_ms -1e300", G_TEXT, BASE, {"--set", "run.duration_ms=-1e300"}, 0, 2,
     "s.json: $.run.duration_ms: must be between 1 and 2592000000 ms"},
    {"run.duration_ms 1e-300", G_TEXT, BASE, {"--set", "run.duration_ms=1e-300"}, 0, 2,
     "s.json: $.run.duration_ms: must be between 1 and 2592000000 ms"},
    {"run.sample_ms 1e300", G_TEXT, BASE, {"--set", "run.sample_ms=1e300"}, 0, 2, "s.json: $.run.sample_ms: "},
    {"run.sample_ms too small for 30 days", G_TEXT, BASE,
     {"--set", "run.duration_ms=2592000000", "--set", "run.sample_ms=1"}, 0, 2, "s.json: $.run.sample_ms: "},
    {"faults[0].at_ms 1e300", G_TEXT, WITH("\"faults\": [{\"at_ms\": 1e300, \"op\": \"crash_host\", "
                                           "\"node\": \"broker-a-0\"}]"), {NULL}, 0, 2,
     "s.json: $.faults[0].at_ms: must be between 0 and "},
    {"faults[0].duration_ms 1e300", G_TEXT, WITH("\"faults\": [{\"at_ms\": 1, \"op\": \"pause\", "
                                                 "\"node\": \"broker-a-0\", \"duration_ms\": 1e300}]"), {NULL}, 0, 2,
     "s.json: $.faults[0].duration_ms: "},
    {"a crash restarted after a year runs", G_TEXT,
     WITH("\"faults\": [{\"at_ms\": 1000, \"op\": \"crash_host\", \"node\": \"broker-a-1\", "
          "\"duration_ms\": 31536000000}]"), {NULL}, 1, 0, NULL},
    {"groups[0].ha_idle_wait_ms 1e300", G_TEXT, BASE, {"--set", "groups[0].ha_idle_wait_ms=1e300"}, 0, 2,
     "s.json: $.groups[0].ha_idle_wait_ms: must be between 1 and 86400000 ms"},
    {"broker.register_name_server_period_ms 1e300", G_TEXT,
     WITH("\"broker\": {\"register_name_server_period_ms\": 1e300}"),
     {NULL}, 0, 2, "s.json: $.broker.register_name_server_period_ms: "},
    {"broker.register_name_server_period_ms 5000 (RocketMQ's range is 10-60 s)", G_TEXT,
     WITH("\"broker\": {\"register_name_server_period_ms\": 5000}"), {NULL}, 0, 2,
     "s.json: $.broker.register_name_server_period_ms: must be between 10000 and 60000 ms, got 5000"},
    {"producers.start_ms 1e300", G_TEXT, BASE, {"--set", "producers.start_ms=1e300"}, 0, 2,
     "s.json: $.producers.start_ms: "},
    {"network.connect_timeout_ms 1e300", G_TEXT, BASE, {"--set", "network.connect_timeout_ms=1e300"}, 0, 2,
     "s.json: $.network.connect_timeout_ms: "},
    {"network.syn_retries 0 (Linux's range is 1-127)", G_TEXT, BASE, {"--set", "network.syn_retries=0"}, 0, 2,
     "s.json: $.network.syn_retries: must be between 1 and 127, got 0"},
    {"network.syn_linear_timeouts 128", G_TEXT, BASE, {"--set", "network.syn_linear_timeouts=128"}, 0, 2,
     "s.json: $.network.syn_linear_timeouts: must be between 0 and 127, got 128"},
    {"latency const_ms 1e300", G_TEXT, BASE, {"--set", "network.latency={\"const_ms\":1e300}"}, 0, 2,
     "s.json: $.network.latency.const_ms: must be between 0 and 86400000 ms"},
    {"operator alert_delay max_ms 1e300", G_TEXT, BASE,
     {"--set", "operator.alert_delay={\"dist\":\"uniform\",\"min_ms\":1,\"max_ms\":1e300}"}, 0, 2,
     "s.json: $.operator.alert_delay.max_ms: "},
    {"lognormal sigma that reaches 1e300", G_TEXT, BASE,
     {"--set", "network.latency={\"dist\":\"lognormal\",\"median_ms\":1,\"sigma\":10}"}, 0, 2,
     "s.json: $.network.latency: median * exp(3 * sigma) must be at most"},
    {"phold.mean_ms 1e300", G_TEXT, PHOLD, {"--set", "phold.mean_ms=1e300"}, 0, 2, "s.json: $.phold.mean_ms: "},

    /* ---- rates of 0 and 1e12 ---- */
    {"producers.rate_per_s 0 runs", G_TEXT, BASE, {"--set", "producers.rate_per_s=0"}, 1, 0, NULL},
    {"producers.rate_per_s 0 poisson runs", G_TEXT, BASE,
     {"--set", "producers.rate_per_s=0", "--set", "producers.arrivals=poisson"}, 1, 0, NULL},
    {"producers.rate_per_s 1e12", G_TEXT, BASE, {"--set", "producers.rate_per_s=1e12"}, 0, 2,
     "s.json: $.producers.rate_per_s: must be between 0 and 10000000, got 1000000000000"},
    {"consumers.consume_rate_per_s 0 runs", G_TEXT, BASE, {"--set", "consumers.consume_rate_per_s=0"}, 1, 0, NULL},
    {"consumers.consume_rate_per_s 1e12", G_TEXT, BASE, {"--set", "consumers.consume_rate_per_s=1e12"}, 0, 2,
     "s.json: $.consumers.consume_rate_per_s: "},
    {"network.bandwidth_mbit_per_s 0 runs", G_TEXT, BASE, {"--set", "network.bandwidth_mbit_per_s=0"}, 1, 0, NULL},
    {"network.bandwidth_mbit_per_s 1e12", G_TEXT, BASE, {"--set", "network.bandwidth_mbit_per_s=1e12"}, 0, 2,
     "s.json: $.network.bandwidth_mbit_per_s: "},
    {"network.bandwidth_mbit_per_s 1e-300", G_TEXT, BASE, {"--set", "network.bandwidth_mbit_per_s=1e-300"}, 0, 2,
     "s.json: $.network.bandwidth_mbit_per_s: must be 0 (unlimited) or at least 0.001, got 1e-300"},
    {"network.bandwidth_mbit_per_s 0.001 runs", G_TEXT, BASE, {"--set", "network.bandwidth_mbit_per_s=0.001"}, 1, 0,
     NULL},
    {"network.loss 1 runs", G_TEXT, BASE, {"--set", "network.loss=1"}, 1, 0, NULL},
    {"disk throughputs 0 run", G_TEXT, WITH("\"disk\": {\"append_mib_per_s\": 0, \"write_mib_per_s\": 0, "
                                            "\"read_mib_per_s\": 0}"), {NULL}, 1, 0, NULL},
    {"disk.write_mib_per_s 1e-300", G_TEXT, BASE, {"--set", "disk.write_mib_per_s=1e-300"}, 0, 2,
     "s.json: $.disk.write_mib_per_s: must be 0 (unlimited) or at least 0.001, got 1e-300"},
    {"a 0.001 MiB/s disk with SYNC_FLUSH runs", G_TEXT,
     WITH("\"disk\": {\"append_mib_per_s\": 0.001, \"write_mib_per_s\": 0.001, \"read_mib_per_s\": 0.001}, "
          "\"broker\": {\"flush\": \"SYNC_FLUSH\"}"), {NULL}, 1, 0, NULL},
    {"disk latencies of pareto shape 0.001 (every draw past any clock) run", G_TEXT,
     WITH("\"disk\": {\"append_latency\": {\"dist\": \"pareto\", \"scale_ms\": 1, \"shape\": 0.001}, "
          "\"fsync_latency\": {\"dist\": \"pareto\", \"scale_ms\": 1, \"shape\": 0.001}}, "
          "\"broker\": {\"flush\": \"SYNC_FLUSH\"}"), {NULL}, 1, 0, NULL},
    {"disk.write_mib_per_s 1e12", G_TEXT, BASE, {"--set", "disk.write_mib_per_s=1e12"}, 0, 2,
     "s.json: $.disk.write_mib_per_s: "},
    {"link fault bandwidth 1e12", G_TEXT,
     WITH("\"faults\": [{\"at_ms\": 1, \"op\": \"link\", \"from\": \"broker-a-0\", \"to\": \"broker-a-1\", "
          "\"bandwidth_mbit_per_s\": 1e12}]"), {NULL}, 0, 2,
     "s.json: $.faults[0].bandwidth_mbit_per_s: "},
    {"link fault bandwidth 1e-300", G_TEXT,
     WITH("\"faults\": [{\"at_ms\": 1, \"op\": \"link\", \"from\": \"broker-a-0\", \"to\": \"broker-a-1\", "
          "\"bandwidth_mbit_per_s\": 1e-300}]"), {NULL}, 0, 2,
     "s.json: $.faults[0].bandwidth_mbit_per_s: must be 0 (unlimited) or at least 0.001, got 1e-300"},
    {"a link fault of 0 Mbit/s runs", G_TEXT,
     WITH("\"faults\": [{\"at_ms\": 1000, \"op\": \"link\", \"from\": \"broker-a-0\", \"to\": \"broker-a-1\", "
          "\"bandwidth_mbit_per_s\": 0, \"loss\": 1}]"), {NULL}, 1, 0, NULL},

    /* ---- a cluster of 100,000 ---- */
    {"groups[0].replicas 100000", G_TEXT, BASE, {"--set", "groups[0].replicas=100000"}, 0, 2,
     "s.json: $.groups[0].replicas: must be between 1 and 8, got 100000"},
    {"100000 groups", G_GROUPS_100K, NULL, {NULL}, 0, 2, "s.json: $.groups: at most 64 groups, got 100000"},
    {"nameservers.count 100000", G_TEXT, BASE, {"--set", "nameservers.count=100000"}, 0, 2,
     "s.json: $.nameservers.count: must be between 0 and 16, got 100000"},
    {"producers.count 100000", G_TEXT, BASE, {"--set", "producers.count=100000"}, 0, 2,
     "s.json: $.producers.count: "},
    {"consumers.count 100000", G_TEXT, BASE, {"--set", "consumers.count=100000"}, 0, 2,
     "s.json: $.consumers.count: "},
    {"phold.lps 100000", G_TEXT, PHOLD, {"--set", "phold.lps=100000"}, 0, 2,
     "s.json: $.phold.lps: must be between 1 and 4096, got 100000"},
    {"phold.lps 4096 validates", G_TEXT, PHOLD, {"--set", "phold.lps=4096"}, 0, 0, NULL},
    {"phold lps * population over 10^7", G_TEXT, PHOLD, {"--set", "phold.lps=4096", "--set", "phold.population=10000"},
     0, 2, "s.json: $.phold: lps * population must be at most 10000000"},
    {"the largest cluster validates: 64 groups of 8, 16 nameservers, 1000 producers and consumers", G_MAX_CLUSTER,
     NULL,     {NULL}, 0, 0, NULL},

    /* ---- distributions: negative parameters ---- */
    {"lognormal negative median", G_TEXT, BASE,
     {"--set", "network.latency={\"dist\":\"lognormal\",\"median_ms\":-2,\"sigma\":0.5}"}, 0, 2,
     "s.json: $.network.latency.median_ms: must be between 0 and 86400000 ms, got -2"},
    {"lognormal median 0", G_TEXT, BASE,
     {"--set", "network.latency={\"dist\":\"lognormal\",\"median_ms\":0,\"sigma\":0.5}"}, 0, 2,
     "s.json: $.network.latency: the median of a lognormal must be above 0"},
    {"lognormal negative sigma", G_TEXT, BASE,
     {"--set", "network.latency={\"dist\":\"lognormal\",\"median_ms\":1,\"sigma\":-1}"}, 0, 2,
     "s.json: $.network.latency.sigma: "},
    {"uniform negative min", G_TEXT, BASE,
     {"--set", "operator.reaction={\"dist\":\"uniform\",\"min_ms\":-5,\"max_ms\":5}"}, 0, 2,
     "s.json: $.operator.reaction.min_ms: "},
    {"normal negative sd", G_TEXT, BASE,
     {"--set", "disk.fsync_latency={\"dist\":\"normal\",\"mean_ms\":1,\"sd_ms\":-1}"}, 0, 2,
     "s.json: $.disk.fsync_latency.sd_ms: "},
    {"pareto shape 0", G_TEXT, BASE,
     {"--set", "network.latency={\"dist\":\"pareto\",\"scale_ms\":1,\"shape\":0}"}, 0, 2,
     "s.json: $.network.latency.shape: "},
    {"pareto shape 1e-300 runs (clamped tail)", G_TEXT, BASE,
     {"--set", "operator.reaction={\"dist\":\"pareto\",\"scale_ms\":1,\"shape\":1e-300}"}, 1, 0, NULL},
    {"negative offset", G_TEXT, BASE, {"--set", "network.latency={\"const_ms\":1,\"offset_ms\":-1}"}, 0, 2,
     "s.json: $.network.latency.offset_ms: "},
    {"negative size", G_TEXT, BASE, {"--set", "producers.size={\"const_bytes\":-1}"}, 0, 2,
     "s.json: $.producers.size.const_bytes: "},
    {"negative empirical value", G_TEXT, BASE,
     {"--set", "network.latency={\"dist\":\"empirical\",\"values_ms\":[1,-1e300]}"}, 0, 2,
     "s.json: $.network.latency.values_ms[1]: "},

    /* ---- huge empirical lists ---- */
    {"1,000,000 empirical values, copied to 1000 producers and 300 links", G_EMPIRICAL_1M, NULL, {NULL}, 0, 0, NULL},
    {"1,000,001 empirical values", G_EMPIRICAL_1M1, NULL, {NULL}, 0, 2,
     "s.json: $.producers.size.values_bytes: at most 1000000 values, got 1000001"},

    /* ---- deep nesting ---- */
    {"JSON nested 100,000 deep", G_NESTED, NULL, {NULL}, 0, 2, "s.json: $: invalid JSON at line 1, column "},
    {"--set path 10,000 steps deep", G_NESTED_SET, BASE, {NULL}, 0, 2, "s.json: the path has more than 100 steps"},
    {"--set value nested 500 deep", G_NESTED_VALUE, BASE, {NULL}, 0, 2, "s.json: $.description: expected a string"},

    /* ---- big files ---- */
    {"60 MB description validates", G_DESC_60MB, NULL, {NULL}, 0, 0, NULL},
    {"60 MB of spaces before the scenario validates", G_SPACE_60MB, NULL, {NULL}, 0, 0, NULL},
    {"60 MB of faults (870,000) naming the last of 4096 LPs validates", G_FAULTS_60MB, NULL, {NULL}, 0, 0, NULL},
    {"1,000,001 faults", G_FAULTS_1M1, NULL, {NULL}, 0, 2, "s.json: $.faults: at most 1000000 faults, got 1000001"},
    {"60 MB of links", G_LINKS_60MB, NULL, {NULL}, 0, 2, "s.json: $.network.links: at most 100000 links, got "},
    {"65 MB", G_65MB, NULL, {NULL}, 0, 2, "s.json: $: too large (more than 64 MiB)"},
};

/* ---- making the scenario file ---- */

static FILE *open_out(const char *dir)
{
    char p[256];
    snprintf(p, sizeof p, "%s/s.json", dir);
    FILE *f = fopen(p, "w");
    ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
    return f;
}

static void put_values(FILE *f, long n)
{
    fputc('[', f);
    for (long i = 0; i < n; i++)
        fprintf(f, "%s%ld", i ? "," : "", 1 + i % 9);
    fputc(']', f);
}

static void pad(FILE *f, int ch, long bytes)
{
    char buf[65536];
    memset(buf, ch, sizeof buf);
    for (long done = 0; done < bytes; done += (long)sizeof buf)
        fwrite(buf, 1, bytes - done < (long)sizeof buf ? (size_t)(bytes - done) : sizeof buf, f);
}

#define MB (1024L * 1024)

static void gen(const struct row *r, const char *dir)
{
    FILE *f = open_out(dir);
    switch (r->gen) {
    case G_TEXT:
    case G_NESTED_SET:
    case G_NESTED_VALUE:
        fputs(r->text, f);
        break;
    case G_EMPIRICAL_1M:
    case G_EMPIRICAL_1M1: {
        long n = r->gen == G_EMPIRICAL_1M ? 1000000 : 1000001;
        fputs(GROUPS_HEAD ", \"producers\": {\"count\": 1000, \"size\": "
              "{\"dist\": \"empirical\", \"values_bytes\": ", f);
        put_values(f, n);
        fputs("}}, \"network\": {\"latency\": {\"dist\": \"empirical\", \"values_us\": ", f);
        put_values(f, n);
        fputs("}, \"links\": [", f);
        for (int i = 0; i < 300; i++)
            fprintf(f, "%s{\"from\": \"producer-%d\", \"to\": \"broker-a-%d\"}", i ? ", " : "", i, i % 2);
        fputs("]}}", f);
        break;
    }
    case G_NESTED:
        fputs("{\"description\": ", f);
        pad(f, '[', 100000);
        pad(f, ']', 100000);
        fputs(", \"phold\": {}}", f);
        break;
    case G_DESC_60MB:
        fputs("{\"phold\": {\"lps\": 4}, \"description\": \"", f);
        pad(f, 'x', 60 * MB);
        fputs("\"}", f);
        break;
    case G_SPACE_60MB:
        pad(f, ' ', 60 * MB);
        fputs(PHOLD, f);
        break;
    case G_FAULTS_60MB: {
        fputs("{\"phold\": {\"lps\": 4096, \"population\": 1}, \"faults\": [", f);
        long bytes = 0;
        for (long i = 0; bytes < 60 * MB; i++)
            bytes += fprintf(f, "%s{\"at_ms\": %ld, \"op\": \"pause\", \"node\": \"lp-4095\", \"duration_ms\": 1}",
                             i ? ", " : "", i % 1000);
        fputs("]}", f);
        break;
    }
    case G_FAULTS_1M1:
        fputs("{\"phold\": {}, \"faults\": [", f);
        for (long i = 0; i < 1000001; i++)
            fprintf(f, "%s{\"at_ms\": 0, \"op\": \"heal\"}", i ? "," : "");
        fputs("]}", f);
        break;
    case G_LINKS_60MB: {
        fputs("{\"phold\": {\"lps\": 4096, \"population\": 1}, \"network\": {\"links\": [", f);
        long bytes = 0;
        for (long i = 0; bytes < 60 * MB; i++)
            bytes += fprintf(f, "%s{\"from\": \"lp-%ld\", \"to\": \"lp-%ld\"}", i ? ", " : "", i % 4096,
                             (i / 4096) % 4096);
        fputs("]}}", f);
        break;
    }
    case G_65MB:
        fputs("{\"phold\": {}, \"description\": \"", f);
        pad(f, 'x', 65 * MB);
        fputs("\"}", f);
        break;
    case G_MAX_CLUSTER:
        fputs("{\"groups\": [", f);
        for (int i = 0; i < 64; i++)
            fprintf(f, "%s{\"name\": \"g%d\", \"replicas\": 8}", i ? ", " : "", i);
        fputs("], \"nameservers\": {\"count\": 16}, \"producers\": {\"count\": 1000}, "
              "\"consumers\": {\"count\": 1000}}", f);
        break;
    case G_GROUPS_100K:
        fputs("{\"groups\": [", f);
        for (int i = 0; i < 100000; i++)
            fprintf(f, "%s{\"replicas\": 1}", i ? ", " : "");
        fputs("]}", f);
        break;
    }
    ck_assert_int_eq(fclose(f), 0);
}

/* ---- running one row ---- */

struct result {
    int status;         /* exit status, or 128 + signal */
    long maxrss_kb;
    double seconds;
    char *out, *err;
    size_t err_len;
};

/* Runs mqsim with argv (argv[0] is ignored) in dir, stdout and stderr to files, under the alarm. */
static void run(const char *dir, char *const *argv, struct result *r)
{
    char out[256], err[256];
    snprintf(out, sizeof out, "%s/stdout", dir);
    snprintf(err, sizeof err, "%s/stderr", dir);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || chdir(dir) != 0)
            _exit(127);
        dup2(o, 1);
        dup2(e, 2);
        signal(SIGALRM, SIG_DFL);
        alarm(LIMIT_S * g_scale);
        execv(g_mqsim, argv);
        _exit(127);
    }
    int st;
    struct rusage ru;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    /* The largest of the children waited for: Check runs each row in a process of its own, so this one. */
    ck_assert_int_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->maxrss_kb = ru.ru_maxrss;
    r->out = th_read(out);
    r->err = th_slurp(err, &r->err_len);
    ck_assert_msg(r->err != NULL, "%s: cannot read", err);
}

static char *repeat(const char *head, const char *unit, int n, const char *mid, const char *unit2, int n2,
                    const char *tail)
{
    size_t len = strlen(head) + strlen(unit) * (size_t)n + strlen(mid) + strlen(unit2) * (size_t)n2 + strlen(tail);
    char *s = malloc(len + 1), *p = s;
    ck_assert_ptr_nonnull(s);
    p += sprintf(p, "%s", head);
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s", unit);
    p += sprintf(p, "%s", mid);
    for (int i = 0; i < n2; i++)
        p += sprintf(p, "%s", unit2);
    sprintf(p, "%s", tail);
    return s;
}

START_TEST(test_absurd)
{
    const struct row *r = &rows[_i];
    char dir[128];
    snprintf(dir, sizeof dir, "%s/r%d-XXXXXX", th_root, _i);
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    gen(r, dir);

    char *argv[32];
    char *dyn = NULL;
    int n = 0;
    argv[n++] = "mqsim";
    if (!r->run)
        argv[n++] = "validate";
    argv[n++] = "s.json";
    for (int i = 0; i < N(r->args) && r->args[i]; i++)
        argv[n++] = (char *)r->args[i];
    if (r->gen == G_NESTED_SET)
        dyn = repeat("", "a.", 9999, "a=1", "", 0, "");
    else if (r->gen == G_NESTED_VALUE)
        dyn = repeat("description=", "[", 500, "", "]", 500, "");
    if (dyn) {
        argv[n++] = "--set";
        argv[n++] = dyn;
    }
    if (r->run) {
        argv[n++] = "--out";
        argv[n++] = "out";
        argv[n++] = "--trace";
        argv[n++] = "off";
        argv[n++] = "--quiet";
    }
    argv[n] = NULL;

    struct result res;
    run(dir, argv, &res);
    /* The heavy rows' figures, so that a limit approached on some machine shows in the log before it fails. */
    if (res.seconds > 1.0 || res.maxrss_kb > 256L * 1024)
        printf("%s: %.1f s, peak memory %ld MiB (limits %d s, %ld MiB)\n", r->name, res.seconds,
               res.maxrss_kb / 1024, LIMIT_S * g_scale, MAX_RSS_KB * g_scale / 1024);
    ck_assert_msg(res.status != 128 + SIGALRM, "%s: still running after %d s (killed)", r->name,
                  LIMIT_S * g_scale);
    ck_assert_msg(res.status == r->want, "%s: exit %d, expected %d (%.1f s); stderr:\n%.2000s", r->name,
                  res.status, r->want, res.seconds, res.err);
    ck_assert_msg(res.maxrss_kb <= MAX_RSS_KB * g_scale, "%s: peak memory %ld MiB, expected at most %ld MiB",
                  r->name, res.maxrss_kb / 1024, MAX_RSS_KB * g_scale / 1024);
    if (r->want == 2) {
        /* One line: "mqsim: s.json: $.path: message" (for a --set argument, then "(from --set ARG)"), nothing on
         * stdout. */
        ck_assert_msg(res.err_len > 8 && strncmp(res.err, "mqsim: ", 7) == 0 &&
                          strchr(res.err, '\n') == res.err + res.err_len - 1,
                      "%s: stderr is not one line \"mqsim: ...\":\n%.2000s", r->name, res.err);
        ck_assert_msg(strstr(res.err, r->err) != NULL, "%s: stderr\n%.2000s\nexpected it to hold\n%s", r->name,
                      res.err, r->err);
        ck_assert_msg(res.out[0] == '\0', "%s: stdout not empty:\n%.500s", r->name, res.out);
    } else {
        ck_assert_msg(res.err_len == 0, "%s: stderr not empty:\n%.2000s", r->name, res.err);
    }
    free(dyn);
    free(res.out);
    free(res.err);
}
END_TEST

int main(void)
{
    const char *bin = getenv("MQSIM");
    char cwd[4096];
    if (!bin || !*bin)
        bin = "./mqsim";
    if (getenv("MQSIM_SANITIZED"))
        g_scale = 2;
    if (bin[0] == '/') {
        g_mqsim = strdup(bin);
    } else if (getcwd(cwd, sizeof cwd)) {
        g_mqsim = malloc(strlen(cwd) + strlen(bin) + 2);
        if (g_mqsim)
            sprintf(g_mqsim, "%s/%s", cwd, bin);
    }
    if (!g_mqsim || access(g_mqsim, X_OK) != 0) {
        fprintf(stderr, "test_absurd: no mqsim binary at %s (set MQSIM, or run from the repository root)\n", bin);
        return 1;
    }
    if (th_root_make("absurd") < 0)
        return 1;

    Suite *s = suite_create("absurd");
    TCase *tc = tcase_create("absurd values");
    tcase_set_timeout(tc, LIMIT_S * g_scale + 30);
    tcase_add_loop_test(tc, test_absurd, 0, N(rows));
    suite_add_tcase(s, tc);
    int rc = th_run_suite(s);
    free(g_mqsim);
    return rc;
}
