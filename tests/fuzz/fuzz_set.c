/* fuzz_set: --set on a fixed scenario. The input is one or more assignments "key.path=VALUE", one a line,
 * applied by the scenario loader (conf_apply_set) to one of three fixed bases before the whole scenario is
 * checked and built, as `mqsim SCENARIO --set ...` does. A first line "@1" or "@2" picks the DLedger or the
 * PHOLD base instead of the master-slave one. A rejected input must come back as one line naming the file
 * or the --set argument. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/lab/scenario.h"
#include "tests/fuzz/fuzz_common.h"

#define MAX_SETS 8

/* Every section and every kind of fault and distribution, so that a path has something to land on. */
static const char base_ms[] =
    "{\"name\": \"fuzz\", \"description\": \"d\","
    " \"run\": {\"duration_ms\": 60000, \"seed\": 7, \"sample_ms\": 1000, \"trace\": \"off\"},"
    " \"nameservers\": {\"count\": 2, \"scan_initial_delay_ms\": 5000},"
    " \"broker\": {\"flush\": \"ASYNC_FLUSH\", \"queues\": 4},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"SYNC_MASTER\"},"
    "              {\"name\": \"broker-b\", \"replicas\": 3, \"slave_read_enable\": true}],"
    " \"producers\": {\"count\": 2, \"rate_per_s\": 100, \"arrivals\": \"poisson\","
    "                 \"size\": {\"dist\": \"empirical\", \"values_bytes\": [100, 1024, 4096]}},"
    " \"consumers\": {\"count\": 1, \"consume_rate_per_s\": 50},"
    " \"operator\": {\"enabled\": true, \"alert_delay\": {\"const_ms\": 1000},"
    "                \"reaction\": {\"dist\": \"exp\", \"mean_ms\": 2000},"
    "                \"procedure\": {\"dist\": \"normal\", \"mean_ms\": 3000, \"sd_ms\": 100}},"
    " \"network\": {\"latency\": {\"dist\": \"lognormal\", \"median_ms\": 0.2, \"sigma\": 0.3}, \"loss\": 0.001,"
    "               \"links\": [{\"from\": \"broker-a-0\", \"to\": \"broker-a-1\", \"latency\":"
    "                           {\"dist\": \"pareto\", \"scale_ms\": 1, \"shape\": 1.5}}]},"
    " \"disk\": {\"fsync_latency\": {\"dist\": \"uniform\", \"min_ms\": 1, \"max_ms\": 2}, \"read_mib_per_s\": 100},"
    " \"faults\": [{\"at_ms\": 10000, \"op\": \"crash_host\", \"node\": \"broker-a-0\", \"duration_ms\": 5000},"
    "            {\"at_ms\": 11000, \"op\": \"crash_process\", \"node\": \"@master:broker-b\"},"
    "            {\"at_ms\": 12000, \"op\": \"restart\", \"node\": \"broker-b-0\"},"
    "            {\"at_ms\": 13000, \"op\": \"pause\", \"node\": \"ns-0\", \"duration_ms\": 100},"
    "            {\"at_ms\": 14000, \"op\": \"disk_stall\", \"node\": \"broker-b-1\", \"duration_ms\": 100},"
    "            {\"at_ms\": 15000, \"op\": \"partition\", \"a\": [\"ns-0\"], \"b\": [\"broker-b-2\"]},"
    "            {\"at_ms\": 16000, \"op\": \"heal\"},"
    "            {\"at_ms\": 17000, \"op\": \"link\", \"from\": \"producer-0\", \"to\": \"broker-a-0\","
    "             \"loss\": 0.1, \"bandwidth_mbit_per_s\": 10}]}";

static const char base_dledger[] =
    "{\"name\": \"fuzz_dledger\", \"run\": {\"duration_ms\": 60000, \"trace\": \"off\"},"
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\", \"election\": \"raft\"}],"
    " \"producers\": {\"count\": 1, \"rate_per_s\": 100}, \"consumers\": {\"count\": 1},"
    " \"operator\": {\"enabled\": false},"
    " \"faults\": [{\"at_ms\": 6000, \"op\": \"crash_host\", \"node\": \"@master:broker-a\"}]}";

static const char base_phold[] =
    "{\"name\": \"fuzz_phold\", \"run\": {\"duration_ms\": 1000, \"trace\": \"off\"},"
    " \"phold\": {\"lps\": 8, \"population\": 2, \"remote\": 0.5, \"lookahead_ms\": 0.1, \"mean_ms\": 1},"
    " \"faults\": [{\"at_ms\": 100, \"op\": \"crash_host\", \"node\": \"lp-3\", \"duration_ms\": 50},"
    "            {\"at_ms\": 200, \"op\": \"partition\", \"a\": [\"lp-0\"], \"b\": [\"lp-1\"], \"duration_ms\": 5}]}";

static const char *const bases[] = {base_ms, base_dledger, base_phold};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bases must stay valid scenarios as the format grows, or every input would fail the same way. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        struct run_opts o = {.file = "fuzz.json"};
        struct scenario sc;
        struct conf c;
        if (scenario_load_text(&sc, &o, bases[i], strlen(bases[i]), &c) < 0) {
            fprintf(stderr, "fuzz_set: base %zu does not load: %s\n", i, c.err);
            abort();
        }
        scenario_free(&sc);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A NUL-terminated copy whose newlines become the ends of the assignments. */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    const char *sets[MAX_SETS];
    int nsets = 0, base = 0;
    char *p = text;
    if (p[0] == '@' && (p[1] == '1' || p[1] == '2') && (p[2] == '\n' || p[2] == '\0')) {
        base = p[1] - '0';
        p += p[2] ? 3 : 2;
    }
    while (*p && nsets < MAX_SETS) {
        sets[nsets++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }

    struct run_opts o = {.file = "fuzz.json", .sets = sets, .nsets = nsets};
    struct scenario sc;
    struct conf c;
    if (scenario_load_text(&sc, &o, bases[base], strlen(bases[base]), &c) < 0)
        fuzz_check_error(&c, "fuzz.json: ", "--set");
    scenario_free(&sc);
    free(text);
    return 0;
}
