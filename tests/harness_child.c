/* harness_child: the mqsim binary run as a child process, its exit status and output captured, and the files and
 * folders it leaves, the way the cli tests look at them. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness.h"

/* A child that runs longer than this is killed (SIGALRM survives exec), so a hang fails the test instead of
 * leaving a process behind. Generous: sanitizer builds are several times slower. */
#define CHILD_LIMIT_S 60
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

char *th_mqsim;

char *th_slurp_in(const char *dir, const char *name, size_t *len)
{
    char p[512];
    th_join(p, sizeof p, dir, name);
    char *s = th_slurp(p, len);
    ck_assert_msg(s != NULL, "%s: %s", p, strerror(errno));
    return s;
}

int th_exists_in(const char *dir, const char *name)
{
    char p[512];
    struct stat st;
    th_join(p, sizeof p, dir, name);
    return lstat(p, &st) == 0;
}

char *th_list_dir(const char *dir)
{
    char *names[64];
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < N(names)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names[n] = strdup(e->d_name);
        ck_assert_ptr_nonnull(names[n]);
        n++;
    }
    closedir(d);
    for (int i = 1; i < n; i++)     /* insertion sort: a handful of names */
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    char *s = malloc(len);
    ck_assert_ptr_nonnull(s);
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        strcat(s, names[i]);
        strcat(s, "\n");
        free(names[i]);
    }
    return s;
}

void th_assert_dir_holds(const char *dir, const char *expected, const char *what)
{
    char *got = th_list_dir(dir);
    ck_assert_msg(strcmp(got, expected) == 0, "%s: the directory holds\n%s-- expected\n%s--", what, got, expected);
    free(got);
}

void th_result_free(struct th_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

int th_anon_fd(void)
{
    char p[96];
    snprintf(p, sizeof p, "%s/io-XXXXXX", th_root);
    int fd = mkstemp(p);
    ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
    unlink(p);
    return fd;
}

char *th_slurp_fd(int fd, size_t *len)
{
    off_t end = lseek(fd, 0, SEEK_END);
    ck_assert(end >= 0);
    char *buf = malloc((size_t)end + 1);
    ck_assert_ptr_nonnull(buf);
    size_t n = 0;
    while (n < (size_t)end) {
        ssize_t got = pread(fd, buf + n, (size_t)end - n, (off_t)n);
        if (got < 0 && errno == EINTR)
            continue;
        ck_assert_msg(got > 0, "read: %s", strerror(errno));
        n += (size_t)got;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    close(fd);
    return buf;
}

void th_run_in(const char *cwd, const char *const *args, struct th_result *r)
{
    const char *argv[40];
    int n = 0;
    argv[n++] = th_mqsim;
    for (int i = 0; args[i]; i++) {
        ck_assert(n < N(argv) - 1);
        argv[n++] = args[i];
    }
    argv[n] = NULL;

    int fo = th_anon_fd(), fe = th_anon_fd();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || chdir(cwd) != 0)
            _exit(126);
        alarm(CHILD_LIMIT_S);
        execv(th_mqsim, (char *const *)argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ck_assert_msg(errno == EINTR, "waitpid: %s", strerror(errno));
    memset(r, 0, sizeof *r);
    r->status = st;
    r->out = th_slurp_fd(fo, &r->out_len);
    r->err = th_slurp_fd(fe, &r->err_len);
    ck_assert_msg(!(WIFEXITED(st) && WEXITSTATUS(st) == 127 && r->err_len == 0), "cannot run %s", th_mqsim);
}

void th_assert_exit(const struct th_result *r, int code, const char *what)
{
    ck_assert_msg(WIFEXITED(r->status), "%s: mqsim was killed by signal %d; stderr:\n%s", what,
                  WIFSIGNALED(r->status) ? WTERMSIG(r->status) : -1, r->err);
    ck_assert_msg(WEXITSTATUS(r->status) == code, "%s: exit status %d, expected %d; stderr:\n%s", what,
                  WEXITSTATUS(r->status), code, r->err);
}

void th_assert_ok(const struct th_result *r, const char *what)
{
    th_assert_exit(r, 0, what);
    ck_assert_msg(r->err_len == 0, "%s: unexpected stderr:\n%s", what, r->err);
}

static char *usage_text(void)
{
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_run_in(dir, (const char *const[]){"--help", NULL}, &r);
    th_assert_ok(&r, "--help");
    char *blank = strstr(r.out, "\n\n");
    ck_assert_msg(blank != NULL, "--help: no empty line after the usage:\n%s", r.out);
    blank[1] = '\0';
    char *u = strdup(r.out);
    ck_assert_ptr_nonnull(u);
    th_result_free(&r);
    return u;
}

void th_assert_stderr_line(const struct th_result *r, const char *line, int usage_ok, const char *what)
{
    size_t n = strlen(line);
    int ok = strncmp(r->err, line, n) == 0 && r->err[n] == '\n';
    if (ok && r->err[n + 1] != '\0') {
        ok = 0;
        if (usage_ok) {
            char *u = usage_text();
            ok = strcmp(r->err + n + 1, u) == 0;
            free(u);
        }
    }
    ck_assert_msg(ok, "%s: stderr\n%s-- expected the line\n%s\n--%s", what, r->err, line,
                  usage_ok ? " (optionally followed by the usage)" : "");
}

cJSON *th_metrics_of(const char *dir)
{
    char *text = th_slurp_in(dir, "metrics.json", NULL);
    cJSON *m = cJSON_Parse(text);
    ck_assert_msg(cJSON_IsObject(m), "%s/metrics.json is not a JSON object:\n%s", dir, text);
    free(text);
    return m;
}

char *th_absolute(const char *path)
{
    char cwd[4096];
    if (access(path, F_OK) != 0)
        return NULL;
    if (path[0] == '/')
        return strdup(path);
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", cwd, path);
    return p;
}

char *th_find(const char *test, const char *path)
{
    char *p = th_absolute(path);
    if (!p)
        fprintf(stderr, "%s: %s not found (run from the repository root)\n", test, path);
    return p;
}

int th_mqsim_find(const char *test)
{
    const char *bin = getenv("MQSIM");
    if (!bin || !*bin)
        bin = "./mqsim";
    th_mqsim = th_absolute(bin);
    if (!th_mqsim || access(th_mqsim, X_OK) != 0) {
        fprintf(stderr, "%s: no mqsim binary at %s (set MQSIM, or run from the repository root)\n", test, bin);
        return -1;
    }
    return 0;
}

void th_assert_same_file(const char *a, const char *b, const char *name)
{
    size_t la, lb;
    char *x = th_slurp_in(a, name, &la), *y = th_slurp_in(b, name, &lb);
    ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s differs between two runs with the same seed", name);
    free(x);
    free(y);
}
