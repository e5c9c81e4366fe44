/* test_signals: SIGINT or SIGTERM during a run stops it cleanly: exit 130 / 143 with "interrupted" on stderr,
 * no file left behind (not even a temporary one, nor the staging folder or lock beside the output folder),
 * and the outputs of an earlier run in the same directory untouched. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness.h"

static const char *mqsim(void)
{
    const char *b = getenv("MQSIM");
    return b && *b ? b : "./mqsim";
}

/* Starts a long run into dir, signals it after 1 s, returns its exit status. */
static int interrupted_run(const char *dir, int sig)
{
    char errfile[256];
    snprintf(errfile, sizeof errfile, "%s.stderr", dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            dup2(fd, 2);   /* the expected message is checked below, not shown as if it were a failure */
        execl(mqsim(), mqsim(), "scenarios/bench_master_slave.json", "--out", dir, "--quiet", "--trace", "events",
              (char *)NULL);
        _exit(127);
    }
    sleep(1);
    kill(pid, sig);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    FILE *f = fopen(errfile, "r");
    char line[512] = "";
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    unlink(errfile);
    ck_assert_msg(strstr(line, "interrupted") != NULL, "stderr: %s", line);
    return WEXITSTATUS(st);
}

/* Entries beside dir that belong to it (".NAME.tmp-*", ".NAME.lock", ...). */
static int beside(const char *dir)
{
    const char *name = strrchr(dir, '/') + 1;
    DIR *d = opendir("/tmp");
    int n = 0;
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] == '.' && strncmp(e->d_name + 1, name, strlen(name)) == 0;
    closedir(d);
    return n;
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
    ck_assert_int_eq(beside(dir), 0);
    ck_assert_int_eq(interrupted_run(dir, SIGTERM), 143);
    ck_assert_int_eq(count_files(dir), 0);
    ck_assert_int_eq(beside(dir), 0);
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
    ck_assert_int_eq(beside(dir), 0);
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
    return th_run_suite(s);
}
