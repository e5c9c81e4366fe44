/* outdir: a run's output folder written whole or not at all, one writer at a time (see outdir.h). */
#include "sim/lab/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/lab/runner.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A file a run, its figures or its timeline writes, or the temporary file of one. */
static int run_output(const char *name)
{
    static const char *const names[] = {"metrics.json", "trace.jsonl", "timeseries.csv", "timeline.json",
                                        "index.html", NULL};
    for (int i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    if (ends_with(name, ".png") || ends_with(name, ".svg") || ends_with(name, ".dat") || ends_with(name, ".gp"))
        return 1;
    return name[0] == '.' && strstr(name, ".tmp.") != NULL;
}

/* dir into its parent and last name: "out/run/" gives "out" and "run"; "run" gives "." and "run". */
static int split(const char *dir, char *parent, size_t psz, char *base, size_t bsz)
{
    char tmp[OUT_PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
        return -1;
    size_t n = strlen(tmp);
    while (n > 1 && tmp[n - 1] == '/')
        tmp[--n] = 0;
    char *slash = strrchr(tmp, '/');
    const char *b = slash ? slash + 1 : tmp;
    if (!*b || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
        return -1;
    if (snprintf(base, bsz, "%s", b) >= (int)bsz)
        return -1;   /* past NAME_MAX: no file system would take it, and a cut name would lock another's */
    if (!slash)
        snprintf(parent, psz, ".");
    else if (slash == tmp)
        snprintf(parent, psz, "/");
    else {
        *slash = 0;
        snprintf(parent, psz, "%s", tmp);
    }
    return 0;
}

/* 0 when the target is missing or holds only run outputs; else -1 with err. */
static int replaceable(const char *dir, char *err, size_t errsz)
{
    struct stat st;
    if (lstat(dir, &st) != 0)
        return errno == ENOENT ? 0 : (snprintf(err, errsz, "%s: %s", dir, strerror(errno)), -1);
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errsz, "%s: not a directory", dir);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errsz, "%s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[OUT_PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!run_output(e->d_name) || lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(err, errsz,
                     "%s: holds \"%s\", which is not a run's output; choose another --out or move it away "
                     "(a run replaces its folder whole)",
                     dir, e->d_name);
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

/* Removes parent/.base.tmp-* and parent/.base.old-*: what an interrupted command left. */
static void clean_stale(const char *parent, const char *base)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    char tmp[512], old[512];
    snprintf(tmp, sizeof tmp, ".%s.tmp-", base);
    snprintf(old, sizeof old, ".%s.old-", base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, tmp, strlen(tmp)) != 0 && strncmp(e->d_name, old, strlen(old)) != 0)
            continue;
        char path[OUT_PATH_MAX + 512];
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        runner_remove_tree(path);
    }
    closedir(d);
}

/* Holds the lock file: flock on it, and it must still be the file at that path (a writer that finished
 * removes it; a locker of the removed file would not exclude the next one). */
static int take_lock(struct outdir *d, const char *dir, char *err, size_t errsz)
{
    for (int tries = 0; tries < 100; tries++) {
        int fd = open(d->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            snprintf(err, errsz, "%s: %s", d->lock, strerror(errno));
            return OUTDIR_ERR;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int busy = errno == EWOULDBLOCK;
            snprintf(err, errsz, busy ? "%s: another mqsim is writing this folder (it holds %s)" : "%s: %s", dir,
                     busy ? d->lock : strerror(errno));
            close(fd);
            return busy ? OUTDIR_BUSY : OUTDIR_ERR;
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(d->lock, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            d->lock_fd = fd;
            return 0;
        }
        close(fd);
    }
    snprintf(err, errsz, "%s: cannot take the lock %s", dir, d->lock);
    return OUTDIR_ERR;
}

static void release(struct outdir *d)
{
    if (d->lock_fd < 0)
        return;
    unlink(d->lock);
    close(d->lock_fd);
    d->lock_fd = -1;
}

int outdir_begin(struct outdir *d, const char *dir, char *err, size_t errsz)
{
    char parent[OUT_PATH_MAX], base[256];
    memset(d, 0, sizeof *d);
    d->lock_fd = -1;
    if (split(dir, parent, sizeof parent, base, sizeof base) < 0 || strlen(dir) >= sizeof d->final - 64) {
        snprintf(err, errsz,
                 "%s: name a folder of its own (at most %zu bytes, its last name at most %zu; not \".\", \"..\" "
                 "or \"/\")", dir, sizeof d->final - 64, sizeof base - 1);
        return OUTDIR_ERR;
    }
    snprintf(d->final, sizeof d->final, "%s", dir);
    snprintf(d->lock, sizeof d->lock, "%s/.%s.lock", parent, base);
    snprintf(d->stage, sizeof d->stage, "%s/.%s.tmp-%ld", parent, base, (long)getpid());
    snprintf(d->old, sizeof d->old, "%s/.%s.old-%ld", parent, base, (long)getpid());
    if (out_mkdirs(parent, err, errsz) < 0)
        return OUTDIR_ERR;
    int rc = take_lock(d, dir, err, errsz);
    if (rc < 0)
        return rc;
    clean_stale(parent, base);
    if (replaceable(dir, err, errsz) < 0) {
        release(d);
        return OUTDIR_ERR;
    }
    if (mkdir(d->stage, 0755) != 0) {
        snprintf(err, errsz, "%s: %s", d->stage, strerror(errno));
        release(d);
        return OUTDIR_ERR;
    }
    return 0;
}

int outdir_publish(struct outdir *d, char *err, size_t errsz)
{
    const char *old = d->old;
    int had_old = rename(d->final, old) == 0;
    if (!had_old && errno != ENOENT) {
        snprintf(err, errsz, "%s: cannot move the earlier run aside: %s", d->final, strerror(errno));
        outdir_abort(d);
        return -1;
    }
    if (rename(d->stage, d->final) != 0) {
        snprintf(err, errsz, "%s: %s", d->final, strerror(errno));
        if (had_old)
            rename(old, d->final);
        outdir_abort(d);
        return -1;
    }
    if (had_old)
        runner_remove_tree(old);
    d->stage[0] = 0;
    release(d);
    return 0;
}

void outdir_abort(struct outdir *d)
{
    if (d->stage[0])
        runner_remove_tree(d->stage);
    d->stage[0] = 0;
    release(d);
}
