/* test_provenance: how a run was made, as metrics.json records it: SHA-256 against FIPS 180-4's examples
 * (one block, the two-block padding case, a million bytes) and every length around the padding boundary
 * against sha256sum; run.scenario_sha256 is the file's digest; run.command is the command that makes the
 * figures again, the same however the run was asked for. */
#include <check.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cmd/plot_int.h"
#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "sim/sha256.h"
#include "tests/harness.h"


START_TEST(sha256_vectors)
{
    char hex[65];
    sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(two, strlen(two), hex);
    ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *m = malloc(1000000);
    ck_assert_ptr_nonnull(m);
    memset(m, 'a', 1000000);
    sha256_hex(m, 1000000, hex);
    free(m);
    ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* Lengths 50..130 (where the length field moves to a second block) against sha256sum. */
START_TEST(sha256_against_sha256sum)
{
    char path[128], cmd[256], want[65], hex[65];
    unsigned char data[130];
    for (int i = 0; i < 130; i++)
        data[i] = (unsigned char)(i * 37 + 11);
    for (size_t len = 50; len <= 130; len++) {
        snprintf(path, sizeof path, "%s/bytes", th_root);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(data, 1, len, f), len);
        fclose(f);
        snprintf(cmd, sizeof cmd, "sha256sum %s", path);
        FILE *p = popen(cmd, "r");
        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(fscanf(p, "%64s", want), 1);
        pclose(p);
        sha256_hex(data, len, hex);
        ck_assert_msg(strcmp(hex, want) == 0, "length %zu: %s, sha256sum %s", len, hex, want);
    }
}
END_TEST

START_TEST(run_records_how_it_was_made)
{
    char dir[128], path[256];
    snprintf(dir, sizeof dir, "%s/run", th_root);
    const char *sets[] = {"run.duration_ms=2000", "run.seed=7"};
    struct run_opts o = {.file = "scenarios/master_crash.json", .sets = sets, .nsets = 2, .out = dir, .quiet = 1};
    struct scenario sc;
    struct conf c;
    ck_assert_msg(scenario_load(&sc, &o, &c) == 0, "%s", c.err);
    ck_assert_int_eq(scenario_execute(&sc, &o), 0);
    scenario_free(&sc);
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    char *text = slurp(path);
    ck_assert_ptr_nonnull(text);
    cJSON *m = cJSON_Parse(text);
    free(text);
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(m, "run");
    FILE *p = popen("sha256sum scenarios/master_crash.json", "r");
    char want[65];
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(fscanf(p, "%64s", want), 1);
    pclose(p);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(run, "scenario_sha256")->valuestring, want);
    static const char *const words[] = {"mqsim", "scenarios/master_crash.json", "--seed", "7", "--set",
                                        "run.duration_ms=2000", "--set", "run.seed=7"};
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(run, "command");
    ck_assert_int_eq(cJSON_GetArraySize(cmd), 8);
    for (int i = 0; i < 8; i++)
        ck_assert_str_eq(cJSON_GetArrayItem(cmd, i)->valuestring, words[i]);
    cJSON_Delete(m);
}
END_TEST

/* The binary ($MQSIM, else ./mqsim): the same run with its options in another order, into another folder,
 * traced or not, records the same command and gives the same metrics.json. */
START_TEST(same_run_same_record)
{
    const char *bin = getenv("MQSIM") && *getenv("MQSIM") ? getenv("MQSIM") : "./mqsim";
    char cmd[1024], a[256], b[256];
    snprintf(cmd, sizeof cmd,
             "%s scenarios/master_crash.json --quiet --set run.duration_ms=1000 --out %s/a --trace off && "
             "%s --out %s/b scenarios/master_crash.json --trace full --set run.duration_ms=1000 --quiet",
             bin, th_root, bin, th_root);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(a, sizeof a, "%s/a/metrics.json", th_root);
    snprintf(b, sizeof b, "%s/b/metrics.json", th_root);
    char *ta = slurp(a), *tb = slurp(b);
    ck_assert_ptr_nonnull(ta);
    ck_assert_ptr_nonnull(tb);
    ck_assert_str_eq(ta, tb);
    ck_assert_ptr_nonnull(strstr(ta, "\"run.duration_ms=1000\""));
    free(ta);
    free(tb);
}
END_TEST

/* A scenario file whose name starts with '-' (given after "--"): the recorded command puts "--" before it,
 * and run exactly as recorded (no shell) it gives the same metrics.json. */
START_TEST(dashed_file_command_reruns)
{
    char *src = slurp("scenarios/master_crash.json"), path[128];
    ck_assert_ptr_nonnull(src);
    snprintf(path, sizeof path, "%s/-odd.json", th_root);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(src, f);
    ck_assert_int_eq(fclose(f), 0);
    free(src);
    struct th_result r;
    th_run_in(th_root, (const char *const[]){"-q", "--out", "a", "--set", "run.duration_ms=1000", "--", "-odd.json",
                                             NULL}, &r);
    th_assert_ok(&r, "mqsim -q --out a --set run.duration_ms=1000 -- -odd.json");
    th_result_free(&r);
    char a[160];
    snprintf(a, sizeof a, "%s/a", th_root);
    cJSON *m = th_metrics_of(a);
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "run"), "command");
    static const char *const want[] = {"mqsim", "--seed", "1", "--set", "run.duration_ms=1000", "--", "-odd.json"};
    ck_assert_int_eq(cJSON_GetArraySize(cmd), 7);
    const char *args[8] = {0};
    for (int i = 0; i < 7; i++) {
        ck_assert_str_eq(cJSON_GetArrayItem(cmd, i)->valuestring, want[i]);
        if (i > 0)
            args[i - 1] = cJSON_GetArrayItem(cmd, i)->valuestring;
    }
    /* As recorded: the summary on stdout, the outputs in out/<scenario name>/. */
    th_run_in(th_root, args, &r);
    th_assert_exit(&r, 0, "the recorded command");   /* not quiet: a note of the faults after the end */
    th_result_free(&r);
    char b[160];
    snprintf(b, sizeof b, "%s/out/master_crash", th_root);
    th_assert_same_file(a, b, "metrics.json");
    cJSON_Delete(m);
}
END_TEST

int main(void)
{
    if (th_root_make("provenance") < 0 || th_mqsim_find("test_provenance") < 0)
        return 1;
    Suite *s = suite_create("provenance");
    TCase *t = tcase_create("provenance");
    tcase_add_test(t, sha256_vectors);
    tcase_add_test(t, sha256_against_sha256sum);
    tcase_add_test(t, run_records_how_it_was_made);
    tcase_add_test(t, same_run_same_record);
    tcase_add_test(t, dashed_file_command_reruns);
    suite_add_tcase(s, t);
    return th_run_suite(s);
}
