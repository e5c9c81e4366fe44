/* runner: the pool of mqsim child processes behind compare, sweep and explore, their signals, argument
 * vectors and small text and file helpers (the progress line is runner_progress.c's). */
#include "sim/lab/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- argument vectors ---- */

void argv_add(struct argv_buf *a, const char *s)
{
    if (a->oom)
        return;
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        char **v = realloc(a->v, cap * sizeof *v);
        if (!v) {
            a->oom = 1;
            return;
        }
        a->v = v;
        a->cap = cap;
    }
    char *c = strdup(s);
    if (!c) {
        a->oom = 1;
        return;
    }
    a->v[a->n++] = c;
    a->v[a->n] = NULL;
}

void argv_addf(struct argv_buf *a, const char *fmt, ...)
{
    char buf[4096 + 256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        a->oom = 1;
    else
        argv_add(a, buf);
}

void argv_free(struct argv_buf *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* ---- signals ---- */

static volatile sig_atomic_t g_signal;
static struct {
    int active;
    sigset_t old_mask, wait_mask;
    struct sigaction old_int, old_term, old_chld;
} g_sig;

static void on_stop_signal(int sig)
{
    if (!g_signal)
        g_signal = sig;
}

/* Only there so that SIGCHLD interrupts pselect: its default action is to be ignored. */
static void on_child(int sig)
{
    (void)sig;
}

int runner_signals_begin(void)
{
    sigset_t set;
    struct sigaction sa;
    g_signal = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, &g_sig.old_mask) < 0)
        return -1;
    g_sig.wait_mask = g_sig.old_mask;
    sigdelset(&g_sig.wait_mask, SIGINT);
    sigdelset(&g_sig.wait_mask, SIGTERM);
    sigdelset(&g_sig.wait_mask, SIGCHLD);
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;    /* no SA_RESTART: a signal must end the wait */
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, &g_sig.old_int);
    sigaction(SIGTERM, &sa, &g_sig.old_term);
    sa.sa_handler = on_child;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, &g_sig.old_chld);
    g_sig.active = 1;
    return 0;
}

int runner_signals_end(void)
{
    if (!g_sig.active)
        return 0;
    /* Unmask first, with our handlers still in place: a signal that came while blocked is caught here
     * and reported, instead of killing the process under the handler of before. */
    sigprocmask(SIG_SETMASK, &g_sig.old_mask, NULL);
    sigaction(SIGINT, &g_sig.old_int, NULL);
    sigaction(SIGTERM, &g_sig.old_term, NULL);
    sigaction(SIGCHLD, &g_sig.old_chld, NULL);
    g_sig.active = 0;
    return g_signal;
}

int runner_interrupted(void)
{
    return g_signal;
}

/* ---- the pool ---- */

struct slot {
    pid_t pid;
    size_t job;
};

static int status_of(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return 255;
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_exec(const struct runner_cmd *cmd)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGCHLD, &sa, NULL);
    sigprocmask(SIG_SETMASK, &g_sig.old_mask, NULL);
    int null = open("/dev/null", O_RDWR);
    int err = open(cmd->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (null < 0 || err < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(err, 2) < 0)
        _exit(127);
    if (null > 2)
        close(null);
    if (err > 2)
        close(err);
    execv(cmd->argv.v[0], cmd->argv.v);
    static const char msg[] = "mqsim: cannot run the mqsim binary (exec failed)\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(127);
}

static void stop_children(struct slot *slots, int jobs)
{
    for (int k = 0; k < jobs; k++)
        if (slots[k].pid > 0)
            kill(slots[k].pid, SIGTERM);
    for (int k = 0; k < jobs; k++)
        if (slots[k].pid > 0) {
            int st;
            while (waitpid(slots[k].pid, &st, 0) < 0 && errno == EINTR)
                ;
            slots[k].pid = 0;
        }
}

int runner_run(const struct runner *r, size_t n, const struct runner_ops *ops, void *ctx)
{
    int jobs = r->jobs > 0 ? r->jobs : 1;
    struct slot *slots = calloc((size_t)jobs, sizeof *slots);
    if (!slots) {
        fprintf(stderr, "mqsim: out of memory\n");
        return RUNNER_STOPPED;
    }
    size_t next = 0;
    int running = 0, rc = 0;
    for (;;) {
        if (g_signal) {
            rc = RUNNER_SIGNALLED;
            break;
        }
        /* Reap whatever has ended. */
        for (int k = 0; k < jobs && rc == 0; k++) {
            int st;
            if (slots[k].pid <= 0)
                continue;
            pid_t w = waitpid(slots[k].pid, &st, WNOHANG);
            if (w == 0 || (w < 0 && errno == EINTR))
                continue;
            slots[k].pid = 0;
            running--;
            if (ops->finish(ctx, slots[k].job, w < 0 ? 255 : status_of(st)) < 0)
                rc = RUNNER_STOPPED;
        }
        if (rc)
            break;
        /* Start as many as allowed. */
        while (running < jobs && next < n && rc == 0 && !g_signal) {
            struct runner_cmd cmd;
            memset(&cmd, 0, sizeof cmd);
            if (ops->prepare(ctx, next, &cmd) < 0 || cmd.argv.oom || cmd.argv.n == 0) {
                if (cmd.argv.oom)
                    fprintf(stderr, "mqsim: out of memory\n");
                argv_free(&cmd.argv);
                rc = RUNNER_STOPPED;
                break;
            }
            fflush(NULL);   /* the child must not flush our buffered output a second time */
            pid_t pid = fork();
            if (pid == 0)
                child_exec(&cmd);
            argv_free(&cmd.argv);
            if (pid < 0) {
                fprintf(stderr, "mqsim: cannot start a run: fork: %s\n", strerror(errno));
                rc = RUNNER_STOPPED;
                break;
            }
            int k = 0;
            while (slots[k].pid > 0)
                k++;
            slots[k].pid = pid;
            slots[k].job = next++;
            running++;
        }
        if (rc)
            break;
        int awaiting = 0;
        if (ops->poll) {
            awaiting = ops->poll(ctx);
            if (awaiting < 0) {
                rc = RUNNER_STOPPED;
                break;
            }
        }
        if (running == 0 && next >= n && !awaiting)
            break;
        /* Sleep until a child ends, a signal comes, or it is time to poll or redraw. Signals are blocked
         * everywhere else, so one that comes just before this call is delivered inside it: nothing is missed. */
        struct timespec ts, *tsp = NULL;
        if (ops->poll || (r->progress && r->progress->enabled && r->progress->tty)) {
            long ms = ops->poll ? (r->poll_ms > 0 ? r->poll_ms : 100) : 1000;
            ts.tv_sec = ms / 1000;
            ts.tv_nsec = (ms % 1000) * 1000000L;
            tsp = &ts;
        }
        pselect(0, NULL, NULL, NULL, tsp, g_sig.active ? &g_sig.wait_mask : NULL);
        if (r->progress)
            runner_progress_tick(r->progress);
    }
    stop_children(slots, jobs);
    free(slots);
    return rc;
}

/* ---- helpers ---- */

static char g_exe[4096];

void runner_set_exe(const char *path)
{
    g_exe[0] = '\0';
    if (path && runner_absolute(path, g_exe, sizeof g_exe) < 0)
        g_exe[0] = '\0';
}

const char *runner_exe(char *err, size_t errsz)
{
    static char self[4096];
    if (g_exe[0])
        return g_exe;
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        snprintf(err, errsz, "cannot find the mqsim binary: /proc/self/exe: %s", strerror(errno));
        return NULL;
    }
    self[n] = '\0';
    return self;
}

int runner_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 ? (n > 4096 ? 4096 : (int)n) : 1;
}

int runner_parse_int(const char *s, long long min, long long max, long long *out)
{
    char *end;
    if (!s || !*s || (*s < '0' || *s > '9'))
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static void remove_at(int at, const char *name, int *failed)
{
    struct stat st;
    if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT)
            *failed = 1;
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL)
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                    remove_at(dirfd(d), e->d_name, failed);
            closedir(d);
        } else if (fd >= 0) {
            close(fd);
        }
        if (unlinkat(at, name, AT_REMOVEDIR) != 0)
            *failed = 1;
    } else if (unlinkat(at, name, 0) != 0) {
        *failed = 1;
    }
}

int runner_remove_tree(const char *path)
{
    int failed = 0;
    remove_at(AT_FDCWD, path, &failed);
    return failed ? -1 : 0;
}

int runner_tmpdir(const char *parent, const char *name, char *buf, size_t size, char *err, size_t errsz)
{
    int n = snprintf(buf, size, "%s/.%s-XXXXXX", parent, name);
    if (n < 0 || (size_t)n >= size) {
        snprintf(err, errsz, "%s: path too long", parent);
        return -1;
    }
    if (!mkdtemp(buf)) {
        snprintf(err, errsz, "%s: cannot create a directory for the runs: %s", buf, strerror(errno));
        return -1;
    }
    return 0;
}

const char *runner_status_text(int status, char *buf, size_t size)
{
    if (status == 127)
        snprintf(buf, size, "could not start (exit 127)");
    else if (status > 128)
        snprintf(buf, size, "killed by signal %d", status - 128);
    else
        snprintf(buf, size, "exit %d", status);
    return buf;
}

void runner_first_line(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(buf, (int)size, f)) {
        size_t l = strcspn(buf, "\r\n");
        buf[l] = '\0';
    }
    fclose(f);
}

void runner_dirname(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, size, ".");
    else if (slash == path)
        snprintf(buf, size, "/");
    else
        snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

int runner_absolute(const char *path, char *buf, size_t size)
{
    if (path[0] == '/') {
        int n = snprintf(buf, size, "%s", path);
        return n < 0 || (size_t)n >= size ? -1 : 0;
    }
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    int n = snprintf(buf, size, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}
