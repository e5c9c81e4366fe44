/* test_explore: `mqsim explore` end to end (as a user runs it): it finds the ASYNC_MASTER loss on
 * master_crash.json as a finding, finds nothing in 200 seeds of DLedger exploration, and finds a planted bug
 * (the test-only binary mqsim-planted, whose DLedger voters ignore the candidate's log) whose shrunk
 * scenario still fails when replayed. */
#include <check.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness.h"

static const char *bin(const char *env, const char *def)
{
    const char *b = getenv(env);
    return b && *b ? b : def;
}

/* Runs a shell command (paths are ours, no user input), returns its exit status; output into *out. */
static int run(const char *cmd, char *out, size_t size)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char tmp[64];

static const char *tmpdir(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/mqsim-explore-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    return tmp;
}

static void rmtree(const char *d)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    ck_assert_int_eq(system(cmd), 0);
}

/* The summary's findings line, recomputed from explore.csv: the runs with each count above 0 and its sum. */
static void check_findings(const char *d, const char *summary)
{
    char path[128], line[1024];
    snprintf(path, sizeof path, "%s/e/explore.csv", d);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "seed,faults,status,acked,acked_lost,acked_skipped,duplicates,violation,nodes\n");
    long runs[3] = {0}, sum[3] = {0};
    while (fgets(line, sizeof line, f)) {
        long seed, faults, status, acked, v[3];
        ck_assert_int_eq(sscanf(line, "%ld,%ld,%ld,%ld,%ld,%ld,%ld", &seed, &faults, &status, &acked, &v[0], &v[1],
                                &v[2]), 7);
        for (int i = 0; i < 3; i++) {
            runs[i] += v[i] > 0;
            sum[i] += v[i];
        }
    }
    fclose(f);
    char want[512];
    snprintf(want, sizeof want, "findings: acknowledged messages lost in %ld runs (%ld in all), acknowledged, still "
             "held and never consumed (acked_skipped) in %ld runs (%ld), consumed twice in %ld runs (%ld)\n",
             runs[0], sum[0], runs[1], sum[1], runs[2], sum[2]);
    ck_assert_msg(strstr(summary, want) != NULL, "no \"%s\" in:\n%s", want, summary);
}

START_TEST(finds_async_master_loss)
{
    static char out[65536];
    char cmd[1024];
    const char *d = tmpdir();
    snprintf(cmd, sizeof cmd, "%s explore scenarios/master_crash.json --runs 6 --jobs 2 --quiet --out %s/e "
                              "--set run.duration_ms=600000 2>&1", bin("MQSIM", "./mqsim"), d);
    int st = run(cmd, out, sizeof out);
    ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
    /* Every run loses the messages the slave had not pulled: a finding, not a failure. */
    ck_assert_msg(strstr(out, "0 failures") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "acknowledged messages lost in 6 runs") != NULL, "%s", out);
    static char summary[65536];
    memcpy(summary, out, sizeof summary);
    snprintf(cmd, sizeof cmd, "test -s %s/e/explore.csv && wc -l < %s/e/explore.csv", d, d);
    ck_assert_int_eq(run(cmd, out, sizeof out), 0);
    ck_assert_int_eq(atoi(out), 7);
    check_findings(d, summary);
    /* explore.json says how it was made: the scenario's sha256 (as sha256sum prints it), the command. */
    snprintf(cmd, sizeof cmd, "%s/e/explore.json", d);
    FILE *f = fopen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    fclose(f);
    out[n] = 0;
    cJSON *j = cJSON_Parse(out), *r = cJSON_GetObjectItemCaseSensitive(j, "run");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(run("sha256sum scenarios/master_crash.json", out, sizeof out), 0);
    ck_assert_int_eq(strncmp(out, cJSON_GetObjectItemCaseSensitive(r, "scenario_sha256")->valuestring, 64), 0);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r, "command")->valuestring,
                     "mqsim explore scenarios/master_crash.json --runs 6 --seed-start 1 --set run.duration_ms=600000");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j, "failures")->valueint, 0);
    cJSON_Delete(j);
    rmtree(d);
}
END_TEST

/* Progress on a stderr that is not a terminal: a line each tenth of the runs, the last one at 4/4. */
START_TEST(progress_moves)
{
    static char out[65536];
    char cmd[1024];
    const char *d = tmpdir();
    snprintf(cmd, sizeof cmd, "%s explore scenarios/master_crash.json -n 4 -j2 -o %s/e "
                              "--set run.duration_ms=150000 2>&1 >/dev/null", bin("MQSIM", "./mqsim"), d);
    int st = run(cmd, out, sizeof out);
    ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
    static const char *const want[] = {"explore: 1/4 runs (25%)", "explore: 2/4 runs (50%)",
                                       "explore: 3/4 runs (75%)", "explore: 4/4 runs (100%)"};
    const char *at = out;
    for (int i = 0; i < 4; i++) {
        at = strstr(at, want[i]);
        ck_assert_msg(at != NULL, "no \"%s\" in order in:\n%s", want[i], out);
    }
    rmtree(d);
}
END_TEST

START_TEST(dledger_200_seeds_clean)
{
    static char out[65536];
    char cmd[1024], want[32];
    const char *d = tmpdir();
    /* Under the sanitizers every run is several times slower: fewer seeds there (memory safety is what that
     * build checks), all 200 in the normal build. */
    int runs = getenv("MQSIM_SANITIZED") ? 30 : 200;
    snprintf(cmd, sizeof cmd, "%s explore scenarios/dledger_explore.json --runs %d --jobs 2 --quiet --out %s/e 2>&1",
             bin("MQSIM", "./mqsim"), runs, d);
    snprintf(want, sizeof want, "%d runs", runs);
    int st = run(cmd, out, sizeof out);
    ck_assert_msg(st == 0 && strstr(out, want) && strstr(out, "0 failures"), "exit %d:\n%s", st, out);
    /* Every run passed: nothing of theirs is left (runs/ holds only failures' files). */
    snprintf(cmd, sizeof cmd, "%s/e/runs", d);
    struct stat sb;
    ck_assert_msg(stat(cmd, &sb) != 0, "%s was left behind", cmd);
    rmtree(d);
}
END_TEST

/* SYNC_MASTER with ASYNC_FLUSH: a master whose host crashes and comes back before a promotion recovers only
 * what it flushed, so SUCCESS messages that only its slave still holds are lost to its consumers. explore
 * finds it in seeds 1-13 on broker-b (ASYNC_FLUSH) only, every shrunk schedule a host crash of broker-b's
 * master, and the same schedule with broker-b flushing synchronously loses nothing. */
START_TEST(finds_sync_master_async_flush_loss)
{
    static char out[65536];
    char cmd[2048], file[256];
    const char *d = tmpdir();
    snprintf(cmd, sizeof cmd, "%s explore scenarios/sync_master_explore.json --runs 13 --jobs 2 --quiet --out %s/e 2>&1",
             bin("MQSIM", "./mqsim"), d);
    int st = run(cmd, out, sizeof out);
    ck_assert_msg(st == 1 && strstr(out, "FAILURE seed 12: exit 1") && strstr(out, "13 runs (seeds 1..13), 4 failures"),
                  "exit %d:\n%s", st, out);
    static const int seeds[] = {1, 9, 12, 13};
    for (int i = 0; i < 4; i++) {
        snprintf(file, sizeof file, "%s/e/failures/seed-%d.min.json", d, seeds[i]);
        char *text = th_slurp(file, NULL);
        ck_assert_msg(text != NULL, "%s missing", file);
        cJSON *sc = cJSON_Parse(text);
        free(text);
        const cJSON *f;
        int crashes = 0;
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(sc, "faults")) {
            const char *node = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "node"));
            ck_assert_msg(node && (strcmp(node, "@master:broker-b") == 0 || strcmp(node, "broker-b-0") == 0),
                          "%s: a fault on %s", file, node ? node : "no node");
            crashes += strcmp(cJSON_GetObjectItemCaseSensitive(f, "op")->valuestring, "crash_host") == 0;
        }
        ck_assert_msg(crashes == 1, "%s: %d host crashes", file, crashes);
        cJSON_Delete(sc);
        snprintf(cmd, sizeof cmd, "%s %s --quiet --out %s/r 2>&1", bin("MQSIM", "./mqsim"), file, d);
        ck_assert_int_eq(run(cmd, out, sizeof out), 1);
        snprintf(cmd, sizeof cmd, "%s %s --set 'groups[1].flush=SYNC_FLUSH' --quiet --out %s/r 2>&1",
                 bin("MQSIM", "./mqsim"), file, d);
        ck_assert_msg(run(cmd, out, sizeof out) == 0, "%s with SYNC_FLUSH:\n%s", file, out);
    }
    rmtree(d);
}
END_TEST

START_TEST(finds_planted_bug_and_shrinks_it)
{
    static char out[65536];
    char cmd[2048];
    const char *planted = bin("MQSIM_PLANTED", "build/rel/mqsim-planted");
    if (access(planted, X_OK) != 0) {
        fprintf(stderr, "note: %s not built; skipping the planted-bug test\n", planted);
        return;
    }
    const char *d = tmpdir();
    snprintf(cmd, sizeof cmd, "%s explore scenarios/dledger_explore.json --runs 60 --jobs 2 --quiet --out %s/e "
                              "--set 'explore.ops=[\"crash_process\",\"partition\"]' 2>&1", planted, d);
    int st = run(cmd, out, sizeof out);
    ck_assert_msg(st == 1 && strstr(out, "FAILURE seed"), "the planted bug went unnoticed (exit %d):\n%s", st, out);
    /* Replay the first shrunk scenario with the planted binary: it still fails, with fewer faults. */
    char *p = strstr(out, "shrunk to ");
    ck_assert_ptr_nonnull(p);
    int left = atoi(p + 10);
    char *m = strstr(p, "mqsim ");
    ck_assert_ptr_nonnull(m);
    char replay[1024];
    snprintf(replay, sizeof replay, "%s", m + 6);
    replay[strcspn(replay, "\n")] = 0;
    /* The file alone replays: it carries the failing run's seed, and the printed command has no --seed. */
    ck_assert_ptr_null(strstr(replay, "--seed"));
    char *fs = strstr(out, "FAILURE seed ");
    ck_assert_ptr_nonnull(fs);
    snprintf(cmd, sizeof cmd, "grep -Eq '\"seed\":[[:space:]]*%d([^0-9]|$)' %s", atoi(fs + 13), replay);
    ck_assert_msg(run(cmd, out, sizeof out) == 0, "%s lacks the seed", replay);
    snprintf(cmd, sizeof cmd, "%s %s --quiet --out %s/replay 2>&1", planted, replay, d);
    ck_assert_int_eq(run(cmd, out, sizeof out), 1);
    /* And the same scenario with the correct binary passes. */
    snprintf(cmd, sizeof cmd, "%s %s --quiet --out %s/replay2 2>&1", bin("MQSIM", "./mqsim"), replay, d);
    ck_assert_msg(run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_int_le(left, 8);
    rmtree(d);
}
END_TEST

/* explore.targets: with producers the only kind named and process crashes the only op, every fault of every
 * run names the producer (explore.csv's nodes column), a run with faults sends less than a calm one (a
 * producer that is down sends nothing), and every run still passes; a kind the scenario has no node of is
 * refused with the key's path. */
START_TEST(targets_name_the_kinds_faulted)
{
    static char out[65536];
    char cmd[1024];
    const char *d = tmpdir();
    snprintf(cmd, sizeof cmd, "%s explore scenarios/dledger_explore.json --runs 10 --jobs 2 --quiet --out %s/e "
                              "--set 'explore.targets=[\"producers\"]' --set 'explore.ops=[\"crash_process\"]' "
                              "--set explore.symbolic=0 2>&1", bin("MQSIM", "./mqsim"), d);
    int st = run(cmd, out, sizeof out);
    ck_assert_msg(st == 0 && strstr(out, "0 failures"), "exit %d:\n%s", st, out);
    snprintf(cmd, sizeof cmd, "%s/e/explore.csv", d);
    FILE *f = fopen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    char line[256];
    double calm = -1, most_faulted = -1;
    int faulted = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));   /* the header */
    while (fgets(line, sizeof line, f)) {
        int nf = 0, status = 0;
        double acked = 0;
        ck_assert_int_eq(sscanf(line, "%*d,%d,%d,%lf", &nf, &status, &acked), 3);
        ck_assert_int_eq(status, 0);
        /* the last column, the nodes the faults named: the producer alone */
        const char *nodes = strrchr(line, ',') + 1;
        if (nf == 0) {
            calm = acked;
            ck_assert_str_eq(nodes, "\n");
        } else {
            faulted++;
            if (acked > most_faulted)
                most_faulted = acked;
            ck_assert_str_eq(nodes, "producer-0\n");
        }
    }
    fclose(f);
    ck_assert_msg(calm > 0 && faulted > 0, "calm %f, %d runs with faults", calm, faulted);
    ck_assert_double_lt(most_faulted, calm);
    snprintf(cmd, sizeof cmd, "%s explore scenarios/dledger_explore.json --runs 2 --quiet --out %s/f "
                              "--set 'explore.targets=[\"controllers\"]' 2>&1", bin("MQSIM", "./mqsim"), d);
    ck_assert_int_eq(run(cmd, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "$.explore.targets: names no node of the scenario") != NULL, "%s", out);
    rmtree(d);
}
END_TEST

/* A fault window that is empty (start_ms past run.duration_ms - tail_ms) would make every run calm: refused
 * with the key at fault, exit 2, and no folder written. */
START_TEST(empty_fault_window_refused)
{
    static char out[4096];
    char cmd[1024], dir[600];
    const char *d = tmpdir();
    static const char *const sets[] = {"explore.start_ms=900000", "explore.tail_ms=235000"};
    static const char *const says[] = {"$.explore.start_ms: start_ms 900000 and tail_ms 90000 leave no room for faults",
                                       "$.explore.tail_ms: start_ms 10000 and tail_ms 235000 leave no room for faults"};
    for (int i = 0; i < 2; i++) {
        snprintf(dir, sizeof dir, "%s/w%d", d, i);
        snprintf(cmd, sizeof cmd, "%s explore scenarios/dledger_explore.json --runs 1 --quiet --out %s --set %s 2>&1",
                 bin("MQSIM", "./mqsim"), dir, sets[i]);
        ck_assert_int_eq(run(cmd, out, sizeof out), 2);
        ck_assert_msg(strstr(out, says[i]) != NULL, "%s", out);
        ck_assert_int_ne(access(dir, F_OK), 0);
    }
    rmtree(d);
}
END_TEST

static Suite *explore_suite(void)
{
    Suite *s = suite_create("explore");
    TCase *t = tcase_create("explore");
    tcase_set_timeout(t, 900);
    tcase_add_test(t, finds_async_master_loss);
    tcase_add_test(t, targets_name_the_kinds_faulted);
    tcase_add_test(t, empty_fault_window_refused);
    tcase_add_test(t, progress_moves);
    tcase_add_test(t, finds_sync_master_async_flush_loss);
    tcase_add_test(t, finds_planted_bug_and_shrinks_it);
    tcase_add_test(t, dledger_200_seeds_clean);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run_suite(explore_suite());
}
