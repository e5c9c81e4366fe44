/* test_fuzz_regress: inputs that once crashed, hung, leaked or blew up the loaders (found by the fuzz targets
 * in tests/fuzz/ or while writing them), run through the scenario loader in this process: each must come back
 * as a clean error naming the file and the JSON path, or load. Under `make test SANITIZE=1` a leak or
 * undefined behaviour on any row fails the suite too. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/lab/scenario.h"
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define MS_BASE "\"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}], \"run\": {\"trace\": \"off\"}"
#define PHOLD_BASE "\"phold\": {\"lps\": 8, \"population\": 2}, \"run\": {\"duration_ms\": 1000}"

struct row {
    const char *name;
    const char *text;           /* the scenario, as bytes (may hold NULs: len) */
    size_t len;                 /* 0: strlen(text) */
    const char *sets[4];        /* --set arguments */
    int ok;                     /* 1: must load */
    const char *err;            /* else: c.err must start with this */
};

static const struct row rows[] = {
    /* fuzz_set: 1,000,000 LPs took hours to build (sim_node_add compares each new name with every node). */
    {"phold.lps 1000000", "{" PHOLD_BASE "}", 0, {"phold.lps=1000000"}, 0,
     "fuzz.json: $.phold.lps: must be between 1 and 4096, got 1000000"},
    /* fuzz_set: cJSON skips any byte up to 0x20 before a value, so this is 9729 LPs: over 10 s to build under
     * the fuzzer's instrumentation, before the limit came down to 4096. */
    {"phold.lps \\x12 9729", "{" PHOLD_BASE "}", 0, {"phold.lps=\x12" "9729"}, 0,
     "fuzz.json: $.phold.lps: must be between 1 and 4096, got 9729"},
    {"phold.lps 4096 loads", "{" PHOLD_BASE "}", 0, {"phold.lps=4096", "phold.population=1"}, 1, NULL},
    /* Leak: network.latency's empirical list was not released when a later key of "network" was wrong. */
    {"network: empirical latency, then a bad loss",
     "{" MS_BASE ", \"network\": {\"latency\": {\"dist\": \"empirical\", \"values_ms\": [1, 2]}, \"loss\": 2}}", 0,
     {NULL}, 0, "fuzz.json: $.network.loss: must be between 0 and 1, got 2"},
    {"network.links[0]: empirical latency, then a bad bandwidth",
     "{" MS_BASE ", \"network\": {\"links\": [{\"from\": \"broker-a-0\", \"to\": \"broker-a-1\", \"latency\": "
     "{\"dist\": \"empirical\", \"values_ms\": [1]}, \"bandwidth_mbit_per_s\": -1}]}}", 0, {NULL}, 0,
     "fuzz.json: $.network.links[0].bandwidth_mbit_per_s: must be between 0 and 10000000, got -1"},
    {"network.links[1] unknown node after a link with an empirical latency",
     "{" MS_BASE ", \"network\": {\"links\": [{\"from\": \"broker-a-0\", \"to\": \"broker-a-1\", \"latency\": "
     "{\"dist\": \"empirical\", \"values_ms\": [1]}}, {\"from\": \"broker-a-0\", \"to\": \"nobody\"}]}}", 0, {NULL}, 0,
     "fuzz.json: $.network.links[1].to: no node named \"nobody\""},
    /* MQSIM_FUZZ_RUN_MS: 1e-300 Mbit/s made a packet's serialisation 5e305 ns, converted to a 64-bit time
     * (undefined behaviour in sim/net.c); the same in sim/disk.c with 1e-300 MiB/s. */
    {"network.bandwidth_mbit_per_s 1e-300", "{" MS_BASE ", \"network\": {\"bandwidth_mbit_per_s\": 1e-300}}", 0,
     {NULL}, 0, "fuzz.json: $.network.bandwidth_mbit_per_s: must be 0 (unlimited) or at least 0.001, got 1e-300"},
    {"network.links[0].bandwidth_mbit_per_s 1e-9", "{" MS_BASE ", \"network\": {\"links\": [{\"from\": "
     "\"broker-a-0\", \"to\": \"broker-a-1\", \"bandwidth_mbit_per_s\": 1e-9}]}}", 0, {NULL}, 0,
     "fuzz.json: $.network.links[0].bandwidth_mbit_per_s: must be 0 (unlimited) or at least 0.001, got 1e-09"},
    {"disk.append_mib_per_s 1e-300", "{" MS_BASE ", \"disk\": {\"append_mib_per_s\": 1e-300}}", 0, {NULL}, 0,
     "fuzz.json: $.disk.append_mib_per_s: must be 0 (unlimited) or at least 0.001, got 1e-300"},
    {"bandwidth 0 (unlimited) and 0.001 load", "{" MS_BASE ", \"network\": {\"bandwidth_mbit_per_s\": 0}, "
     "\"disk\": {\"read_mib_per_s\": 0.001}}", 0, {NULL}, 1, NULL},
    /* A --set path of 100,000 steps built a tree 100,000 deep, which cJSON_Delete frees by recursion. */
    {"--set path of 101 steps", "{" MS_BASE "}", 0,
     {"a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
      "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a=1"},
     0, "fuzz.json: the path has more than 100 steps (from --set a.a.a."},
    /* Empirical lists are shared between copies: a copy that outlives the original, and the original's end. */
    {"empirical size shared by 3 producers", "{" MS_BASE ", \"producers\": {\"count\": 3, \"size\": "
     "{\"dist\": \"empirical\", \"values_bytes\": [1, 2, 3]}}}", 0, {NULL}, 1, NULL},
    {"empirical default latency copied to links, then replaced by --set",
     "{" MS_BASE ", \"network\": {\"latency\": {\"dist\": \"empirical\", \"values_us\": [5, 6]}, \"links\": "
     "[{\"from\": \"broker-a-0\", \"to\": \"broker-a-1\"}, {\"from\": \"ns-0\", \"to\": \"broker-a-1\", \"latency\": "
     "{\"dist\": \"empirical\", \"values_us\": [7]}}]}, \"faults\": [{\"at_ms\": 5, \"op\": \"link\", "
     "\"from\": \"ns-0\", \"to\": \"broker-a-0\", \"latency\": {\"dist\": \"empirical\", \"values_us\": [8]}}]}", 0,
     {"operator.reaction={\"dist\":\"empirical\",\"values_ms\":[1,2]}"}, 1, NULL},
    {"an empirical list with a bad value after a good one",
     "{" MS_BASE ", \"disk\": {\"read_latency\": {\"dist\": \"empirical\", \"values_ms\": [1, \"x\"]}}}", 0, {NULL},
     0, "fuzz.json: $.disk.read_latency.values_ms[1]: expected a number, got string \"x\""},
    {"a NUL byte in the text", "{\"phold\": {}\0}", 14, {NULL}, 0,
     "fuzz.json: $: invalid JSON at line 1, column 13 (NUL byte)"},
    {"no text at all", "", 0, {NULL}, 0, "fuzz.json: $: empty document, expected a JSON object"},
    /* fuzz_set: the "(from --set ...)" an error names its argument with passed the argument's \r on. */
    {"a --set argument holding a control character", "{" MS_BASE "}", 0,
     {"producers.count=0\x02" "consumers.c\r" "unt=0"}, 0,
     "fuzz.json: $.producers.count: expected an integer, got string \"0\\u0002consumers.c\\runt=0\" (from --set "
     "producers.count=0?consumers.c?unt=0)"},
};

START_TEST(test_row)
{
    const struct row *r = &rows[_i];
    int nsets = 0;
    while (nsets < N(r->sets) && r->sets[nsets])
        nsets++;
    struct run_opts o = {.file = "fuzz.json", .sets = r->sets, .nsets = nsets};
    struct scenario sc;
    struct conf c;
    int rc = scenario_load_text(&sc, &o, r->text, r->len ? r->len : strlen(r->text), &c);
    if (r->ok) {
        ck_assert_msg(rc == 0, "%s: expected to load, got: %s", r->name, c.err);
    } else {
        ck_assert_msg(rc < 0, "%s: loaded, expected: %s", r->name, r->err);
        ck_assert_msg(strncmp(c.err, r->err, strlen(r->err)) == 0, "%s: error\n%s\nexpected it to start with\n%s",
                      r->name, c.err, r->err);
        for (const char *q = c.err; *q; q++)
            ck_assert_msg((unsigned char)*q >= 0x20 && *q != 0x7f, "%s: a control character in: %s", r->name, c.err);
    }
    scenario_free(&sc);
}
END_TEST

/* The same text loads the same way from a file (scenario_load) and from memory (scenario_load_text). */
START_TEST(test_file_and_text_agree)
{
    char path[] = "/tmp/mqsim-fuzz-regress-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *text = "{" MS_BASE ", \"producers\": {\"rate_per_s\": -1}}";
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
    struct run_opts o = {.file = path};
    struct scenario a, b;
    struct conf ca, cb;
    ck_assert_int_lt(scenario_load(&a, &o, &ca), 0);
    ck_assert_int_lt(scenario_load_text(&b, &o, text, strlen(text), &cb), 0);
    ck_assert_str_eq(ca.err, cb.err);
    scenario_free(&a);
    scenario_free(&b);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fuzz_regress");
    TCase *tc = tcase_create("inputs");
    tcase_add_loop_test(tc, test_row, 0, N(rows));
    tcase_add_test(tc, test_file_and_text_agree);
    suite_add_tcase(s, tc);
    return th_run_suite(s);
}
