/* harness_cmd: the multi-run commands (mqsim sweep, mqsim compare) called in-process in a forked child, their
 * stdout and stderr captured; the tiny scenarios and sweep file they run; and the CSV files they write. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "models/cmd/sweep.h"
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
/* A child that runs longer than this is killed (SIGALRM survives exec), so a hang fails the test. */
#define CHILD_LIMIT_S 100

#define CRASH_AT_3S "{\"at_ms\": 3000, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}"

/* Two grid keys, 2 x 2 points, 3 seeds: 12 runs. detect_ms differs from seed to seed. */
const char th_small_sweep[] =
    "{\"name\": \"small\",\n"
    " \"base\": \"crash.json\",\n"
    " \"set\": {\"run.duration_ms\": 15000},\n"
    " \"vary\": [{\"key\": \"operator.reaction.const_ms\", \"values\": [500, 3000]},\n"
    "          {\"key\": \"producers.rate_per_s\", \"values\": [100, 200]}],\n"
    " \"seeds\": 3,\n"
    " \"metrics\": {\"detect_ms\": \"groups[0].failover.detected_ms\",\n"
    "             \"acked_frac\": \"messages.acked / messages.sent\",\n"
    "             \"down_ms\": \"groups[0].failover.downtime_ms\",\n"
    "             \"lost_per_fail\": \"messages.acked_lost / (messages.send_failed + messages.duplicates)\"}}\n";

void th_sweep_fixtures(char *dir, size_t size)
{
    th_scratch(dir, size);
    th_write_in(dir, "crash.json", TH_CRASH_FIXTURE("tiny_crash", "1000", CRASH_AT_3S));
    th_write_in(dir, "crash_slow.json", TH_CRASH_FIXTURE("tiny_crash_slow", "4000", CRASH_AT_3S));
    th_write_in(dir, "steady.json", TH_CRASH_FIXTURE("tiny_steady", "1000", ""));
    th_write_in(dir, "small.json", th_small_sweep);
}

void th_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

void th_cmd_result_free(struct th_cmd_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

pid_t th_spawn(th_cmd_fn fn, const char *const *args, int *fo, int *fe)
{
    char *argv[64];
    int argc = 0;
    for (; args[argc + 1]; argc++) {
        ck_assert(argc < N(argv) - 1);
        argv[argc] = (char *)args[argc + 1];
    }
    argv[argc] = NULL;
    *fo = th_anon_fd();
    *fe = th_anon_fd();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (dup2(*fo, 1) < 0 || dup2(*fe, 2) < 0)
            _exit(126);
        alarm(CHILD_LIMIT_S);
        int rc = fn(argc, argv);
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    return pid;
}

void th_collect(pid_t pid, int fo, int fe, struct th_cmd_result *r)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ck_assert_msg(errno == EINTR, "waitpid: %s", strerror(errno));
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->out = th_slurp_fd(fo, NULL);
    r->err = th_slurp_fd(fe, NULL);
}

void th_run_cmd(th_cmd_fn fn, const char *const *args, struct th_cmd_result *r)
{
    int fo, fe;
    pid_t pid = th_spawn(fn, args, &fo, &fe);
    th_collect(pid, fo, fe, r);
}

void th_assert_status(const struct th_cmd_result *r, int code, const char *what)
{
    ck_assert_msg(r->status == code, "%s: exit status %d, expected %d; stderr:\n%s\nstdout:\n%s", what, r->status,
                  code, r->err, r->out);
}

int th_csv_split(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == ',') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

int th_csv_column(const char *header, const char *name)
{
    char *h = strdup(header), *f[64];
    int n = th_csv_split(h, f, 64), k = -1;
    for (int i = 0; i < n; i++)
        if (strcmp(f[i], name) == 0)
            k = i;
    free(h);
    ck_assert_msg(k >= 0, "no column \"%s\" in %s", name, header);
    return k;
}

void th_assert_complete_csv(const char *text, int *rows)
{
    size_t len = strlen(text);
    ck_assert_msg(len > 0 && text[len - 1] == '\n', "results.csv does not end with a line end:\n%s", text);
    int lines = th_count_lines(text);
    char *h = th_line_at(text, 0), *f[64];
    int want = th_csv_split(h, f, 64);
    free(h);
    for (int i = 1; i < lines; i++) {
        char *l = th_line_at(text, i);
        int got = th_csv_split(l, f, 64);
        ck_assert_msg(got == want, "line %d has %d fields, the header %d", i + 1, got, want);
        free(l);
    }
    *rows = lines - 1;
}

void th_sweep_ok(const char *dir, const char *file, const char *outname, const char *jobs, struct th_cmd_result *r)
{
    char path[256], out[256];
    th_join(path, sizeof path, dir, file);
    th_join(out, sizeof out, dir, outname);
    th_run_cmd(cmd_sweep, (const char *const[]){"sweep", path, "--out", out, "--jobs", jobs, NULL}, r);
    th_assert_status(r, 0, outname);
}
