/* test_sweep_cluster: a sweep shared among machines: --list and --collect (as a Slurm array runs them) give
 * the same files byte for byte as a local sweep, and so does an MPI sweep (skipped without an MPI build and
 * mpirun). Runs are child processes of the mqsim binary under test ($MQSIM, else ./mqsim). */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/lab/runner.h"
#include "models/cmd/sweep.h"
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
/* A child that runs longer than this is killed, so a hang fails the test. */
#define CHILD_LIMIT_S 100

/* Runs a shell command line (from --list); returns its exit status. */
static int shell(const char *line)
{
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        alarm(CHILD_LIMIT_S);
        execl("/bin/sh", "sh", "-c", line, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ck_assert(errno == EINTR);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* --list, the commands run by a shell, then --collect: the files of a local sweep, byte for byte. */
START_TEST(test_list_collect_equals_local)
{
    char dir[96], out[256], path[256], batch[256];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    th_join(path, sizeof path, dir, "small.json");
    th_join(batch, sizeof batch, dir, "batch");
    th_sweep_ok(dir, "small.json", "local", "2", &r);
    th_cmd_result_free(&r);

    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", batch, "--list", NULL}, &r);
    th_assert_status(&r, 0, "--list");
    ck_assert_int_eq(th_count_lines(r.out), 12);
    /* Run them out of order, half now: --list then shows the other half only. */
    for (int k = 11; k >= 0; k -= 2) {
        char *l = th_line_at(r.out, k);
        ck_assert_msg(shell(l) == 0, "%s", l);
        free(l);
    }
    char *all = strdup(r.out);
    th_cmd_result_free(&r);
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", batch, "--list", NULL}, &r);
    th_assert_status(&r, 0, "--list again");
    ck_assert_int_eq(th_count_lines(r.out), 6);
    for (int k = 0; k < 12; k += 2) {
        char *l = th_line_at(all, k);
        ck_assert_msg(strstr(r.out, l), "pending run missing from the second --list: %s", l);
        ck_assert_msg(shell(l) == 0, "%s", l);
        free(l);
    }
    th_cmd_result_free(&r);
    free(all);
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", batch, "--collect", batch, NULL}, &r);
    th_assert_status(&r, 0, "--collect");
    ck_assert_msg(strstr(r.err, "collected 12 runs from 1 directory; 0 still missing"), "%s", r.err);
    th_cmd_result_free(&r);
    th_join(out, sizeof out, dir, "local");
    const char *files[] = {"results.csv", "summary.csv"};
    for (int i = 0; i < 2; i++) {
        char *a = th_read_in(out, files[i]), *b = th_read_in(batch, files[i]);
        ck_assert_msg(strcmp(a, b) == 0, "%s differs:\nlocal:\n%s\ncollected:\n%s", files[i], a, b);
        free(a);
        free(b);
    }
}
END_TEST

/* --list ends with the command that collects the runs, as it must be typed: the folder quoted for the shell,
 * and "--" before a sweep file whose name starts with '-' (read as options, it failed). That command, run,
 * collects them. */
START_TEST(test_list_names_the_collect_command)
{
    char dir[96], odd[256], small[256];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    th_join(small, sizeof small, dir, "small.json");
    th_join(odd, sizeof odd, dir, "-s.json");
    ck_assert_int_eq(link(small, odd), 0);
    ck_assert_int_eq(chdir(dir), 0);
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", "--out", "o $x", "--list", "--", "-s.json", NULL}, &r);
    th_assert_status(&r, 0, "--list of -s.json");
    ck_assert_msg(strstr(r.err, "then: mqsim sweep --out 'o $x' --collect -- -s.json 'o $x'\n"), "%s", r.err);
    for (int k = 0; k < th_count_lines(r.out); k++) {
        char *l = th_line_at(r.out, k);
        ck_assert_msg(shell(l) == 0, "%s", l);
        free(l);
    }
    th_cmd_result_free(&r);
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", "--out", "o $x", "--collect", "--", "-s.json", "o $x", NULL},
               &r);
    th_assert_status(&r, 0, "the --collect --list named");
    ck_assert_msg(strstr(r.err, "collected 12 runs from 1 directory; 0 still missing"), "%s", r.err);
    th_cmd_result_free(&r);
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", small, "--out", "plain", "--list", NULL}, &r);
    th_assert_status(&r, 0, "--list of small.json");
    char want[512];
    snprintf(want, sizeof want, "then: mqsim sweep %s plain --out plain --collect\n", small);
    ck_assert_msg(strstr(r.err, want), "%s", r.err);
    th_cmd_result_free(&r);
}
END_TEST

/* A --collect folder that is not there (a typo) is bad input: exit 2, one line naming it, nothing written
 * (it used to merge as a folder of no runs and write the results of none). */
START_TEST(test_collect_missing_folder)
{
    char dir[96], out[256], path[256], gone[256];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    th_join(path, sizeof path, dir, "small.json");
    th_join(out, sizeof out, dir, "collected");
    th_join(gone, sizeof gone, dir, "no-such-folder");
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--collect", gone, NULL}, &r);
    th_assert_status(&r, 2, "--collect of a missing folder");
    ck_assert_msg(strstr(r.err, "no-such-folder\" is not a folder") && th_count_lines(r.err) == 1, "%s", r.err);
    ck_assert_msg(access(out, F_OK) != 0, "%s was created", out);
    th_cmd_result_free(&r);
}
END_TEST

/* ======================================================================================================
 * MPI
 * ====================================================================================================== */

/* mpirun -np 2 of the MPI build gives the results of a local sweep. The MPI binary is $MQSIM_MPI_BIN, which
 * .ci/run sets right after `make MPI=1`; without it (make test), without that binary or without mpirun the
 * test says so and passes: an MPI build left from an earlier tree must not fail the suite of a newer one. */
START_TEST(test_mpi_sweep_equals_local)
{
    const char *bin = getenv("MQSIM_MPI_BIN");
    char abs_bin[4096];
    const char *skip = !bin || !*bin ? "MQSIM_MPI_BIN is not set (.ci/run sets it after make MPI=1)"
                     : access(bin, X_OK) != 0 ? "no MPI binary at $MQSIM_MPI_BIN (make MPI=1)"
                     : shell("command -v mpirun >/dev/null 2>&1") != 0 ? "no mpirun (apt-get install openmpi-bin)"
                     : NULL;
    if (skip) {
        printf("test_sweep_cluster: MPI test skipped: %s\n", skip);
        return;
    }
    ck_assert(runner_absolute(bin, abs_bin, sizeof abs_bin) == 0);
    char dir[96], path[256], mpi_out[256], local[256];
    struct th_cmd_result r;
    th_sweep_fixtures(dir, sizeof dir);
    th_join(path, sizeof path, dir, "small.json");
    th_join(mpi_out, sizeof mpi_out, dir, "mpi");
    th_join(local, sizeof local, dir, "local");
    th_sweep_ok(dir, "small.json", "local", "2", &r);
    th_cmd_result_free(&r);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mpirun --allow-run-as-root --oversubscribe -np 2 '%s' sweep '%s' --out '%s' "
             "--jobs 1 --quiet > '%s/mpi.log' 2>&1", abs_bin, path, mpi_out, dir);
    int st = shell(cmd);
    char *log = th_read_in(dir, "mpi.log");
    ck_assert_msg(st == 0, "%s: exit %d\n%s", cmd, st, log);
    free(log);
    const char *files[] = {"results.csv", "summary.csv"};
    for (int i = 0; i < 2; i++) {
        char *a = th_read_in(local, files[i]), *b = th_read_in(mpi_out, files[i]);
        ck_assert_msg(strcmp(a, b) == 0, "%s differs:\nlocal:\n%s\nmpi:\n%s", files[i], a, b);
        free(a);
        free(b);
    }
    ck_assert_int_eq(th_count_prefix(mpi_out, ".sweep-runs"), 0);
}
END_TEST

static Suite *sweep_cluster_suite(void)
{
    Suite *s = suite_create("sweep_cluster");
    TCase *tc = tcase_create("sweep runs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_list_collect_equals_local);
    tcase_add_test(tc, test_collect_missing_folder);
    tcase_add_test(tc, test_list_names_the_collect_command);
    suite_add_tcase(s, tc);

    tc = tcase_create("mpi");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_mpi_sweep_equals_local);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (th_mqsim_find("test_sweep_cluster") < 0 || th_root_make("sweep_cluster") < 0)
        return 1;
    runner_set_exe(th_mqsim);
    return th_run_suite(sweep_cluster_suite());
}
