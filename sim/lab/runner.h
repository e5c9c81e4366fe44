/* runner: what the multi-run commands (compare, sweep) share: a pool of mqsim child processes (fork + exec),
 * at most J at once; SIGINT/SIGTERM handling; the progress line (runner_progress.c); and small text and file
 * helpers. */
#ifndef MODELS_RUNNER_H
#define MODELS_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- argument vectors ---- */

/* An argv under construction: strings are copied; v stays NULL-terminated. */
struct argv_buf {
    char **v;
    size_t n, cap;
    int oom;
};

void argv_add(struct argv_buf *a, const char *s);
void argv_addf(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void argv_free(struct argv_buf *a);

/* ---- signals ---- */

/* From runner_signals_begin to runner_signals_end, SIGINT, SIGTERM and SIGCHLD are caught and kept blocked
 * except while the pool waits for its children, so a signal never lands in the middle of writing a file:
 * the command notices it at its next wait (or at runner_signals_end) and stops cleanly. Returns 0 or -1. */
int runner_signals_begin(void);
/* Restores the signal mask and handlers of before. Returns the signal that arrived meanwhile (SIGINT or
 * SIGTERM; the first one), or 0. */
int runner_signals_end(void);
/* The first SIGINT or SIGTERM caught since runner_signals_begin, or 0. */
int runner_interrupted(void);

/* ---- progress ---- */

/* "LABEL: 37/75 runs, 12.3 s elapsed, ETA 11 s" on stderr: redrawn in place (\r) when stderr is a
 * terminal, otherwise a plain line each time another tenth of the runs is done and when 30 s have passed
 * since the last line (runner_progress_tick). Nothing when quiet. */
struct runner_progress {
    const char *label;
    size_t total, done;
    double start, last_draw;
    int enabled, tty, decile, drawn;
};

void runner_progress_init(struct runner_progress *p, const char *label, size_t total, int quiet);
/* k more runs are done. */
void runner_progress_add(struct runner_progress *p, size_t k);
/* Redraws the terminal line if a second has passed (elapsed time and ETA move on between runs). */
void runner_progress_tick(struct runner_progress *p);
/* Ends the terminal line with a newline. */
void runner_progress_end(struct runner_progress *p);

/* ---- the pool ---- */

/* One child: argv[0] is the program (an absolute path), its stdin and stdout are /dev/null, its stderr goes
 * to err_path (created or truncated), so that one failing run cannot scribble over the progress line. */
struct runner_cmd {
    struct argv_buf argv;
    char err_path[4096 + 64];
};

struct runner_ops {
    /* Builds job i's command. Returns 0, or -1 to stop the pool (after printing why). */
    int (*prepare)(void *ctx, size_t i, struct runner_cmd *cmd);
    /* Job i ended with status: its exit status 0..255, 128 + N when signal N killed it. Called in completion
     * order, never concurrently. Returns 0, or -1 to stop the pool (after printing why). */
    int (*finish)(void *ctx, size_t i, int status);
    /* May be NULL. Called each time the pool wakes up, at least every poll_ms: returns 1 while it still
     * awaits something (the pool then runs on after its own jobs are done), 0 when not, -1 to stop. */
    int (*poll)(void *ctx);
};

struct runner {
    int jobs;                           /* children at once, >= 1 */
    int poll_ms;                        /* wake-up interval for ops->poll; 0: 100 ms */
    struct runner_progress *progress;   /* ticked while waiting; may be NULL */
};

#define RUNNER_STOPPED (-1)     /* a callback returned -1 */
#define RUNNER_SIGNALLED (-2)   /* SIGINT or SIGTERM: see runner_interrupted() */

/* Runs jobs 0..n-1 between runner_signals_begin and _end. Returns 0 when every job has finished, or
 * RUNNER_STOPPED / RUNNER_SIGNALLED after sending SIGTERM to every running child and waiting for it. */
int runner_run(const struct runner *r, size_t n, const struct runner_ops *ops, void *ctx);

/* ---- helpers ---- */

/* The mqsim binary the children run: the one set by runner_set_exe (tests), else this process's own
 * (/proc/self/exe). Returns an absolute path, or NULL with a message in err. */
const char *runner_exe(char *err, size_t errsz);
/* path NULL: back to /proc/self/exe. The path is made absolute. */
void runner_set_exe(const char *path);

/* Online processors (sysconf), at least 1. */
int runner_default_jobs(void);

/* Parses a decimal integer in [min, max]; 0 or -1. */
int runner_parse_int(const char *s, long long min, long long max, long long *out);

/* rm -rf path. A missing path is fine. Returns 0 or -1. */
int runner_remove_tree(const char *path);

/* Makes a fresh directory parent/.NAME-XXXXXX for the children's outputs (parent must exist). */
int runner_tmpdir(const char *parent, const char *name, char *buf, size_t size, char *err, size_t errsz);

/* "exit 3", "killed by signal 11", "could not start". */
const char *runner_status_text(int status, char *buf, size_t size);

/* The first line of a file (a child's stderr), at most size - 1 bytes; "" when empty or unreadable. */
void runner_first_line(const char *path, char *buf, size_t size);

/* The directory part of path ("." when none) into buf. */
void runner_dirname(const char *path, char *buf, size_t size);

/* path made absolute against the current directory (without resolving links; the path need not exist). */
int runner_absolute(const char *path, char *buf, size_t size);

#endif
