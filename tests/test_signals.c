/* test_signals: SIGINT or SIGTERM during a run stops it cleanly: exit 130 / 143, no file left behind (not
 * even a temporary one), and the outputs of an earlier run in the same directory untouched. */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *mqsim(void)
{
    const char *b = getenv("MQSIM");
    return b && *b ? b : "./mqsim";
}

/* Starts a long run into dir, signals it after 1 s, returns its exit status. */
static int interrupted_run(const char *dir, int sig)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl(mqsim(), mqsim(), "scenarios/bench_master_slave.json", "--out", dir, "--quiet", "--trace", "events",
              (char *)NULL);
        _exit(127);
    }
    sleep(1);
    kill(pid, sig);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

START_TEST(sigint_and_sigterm)
{
    char dir[] = "/tmp/mqsim-sig-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(interrupted_run(dir, SIGINT), 130);
    ck_assert_int_eq(count_files(dir), 0);
    ck_assert_int_eq(interrupted_run(dir, SIGTERM), 143);
    ck_assert_int_eq(count_files(dir), 0);
    /* An earlier run's outputs stay as they were. */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s scenarios/engine_demo.json --out %s --quiet", mqsim(), dir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(count_files(dir), 3);
    struct stat before, after;
    char metrics[256];
    snprintf(metrics, sizeof metrics, "%s/metrics.json", dir);
    ck_assert_int_eq(stat(metrics, &before), 0);
    ck_assert_int_eq(interrupted_run(dir, SIGINT), 130);
    ck_assert_int_eq(stat(metrics, &after), 0);
    ck_assert_int_eq(before.st_size, after.st_size);
    ck_assert_int_eq(before.st_mtime, after.st_mtime);
    ck_assert_int_eq(count_files(dir), 3);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("signals");
    TCase *t = tcase_create("signals");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, sigint_and_sigterm);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
