/* out: output files written under a temporary name and renamed into place. */
#include "sim/out.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Large enough that writing a big trace costs few write(2) calls; allocated once per file. */
#define OUT_BUF_SIZE (1u << 20)

static void set_err(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errsz == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
}

/* mkdir one path component; an existing directory counts as success. */
static int mkdir_one(const char *path, char *err, size_t errsz)
{
    struct stat st;
    int e;

    if (mkdir(path, 0777) == 0)
        return 0;
    e = errno;
    /* Test existence after the failure rather than before: mkdir on an existing directory can fail with
     * EACCES or EROFS instead of EEXIST, and a directory that exists is all we want. */
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        set_err(err, errsz, "%s: not a directory", path);
        return -1;
    }
    set_err(err, errsz, "%s: cannot create directory: %s", path, strerror(e));
    return -1;
}

int out_mkdirs(const char *dir, char *err, size_t errsz)
{
    char path[OUT_PATH_MAX];
    size_t len = strlen(dir);
    char *p;

    if (len == 0) {
        set_err(err, errsz, "empty output directory name");
        return -1;
    }
    if (len >= sizeof path) {
        set_err(err, errsz, "%.64s...: cannot create directory: %s", dir, strerror(ENAMETOOLONG));
        return -1;
    }
    memcpy(path, dir, len + 1);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';

    /* Create each prefix in turn; start past a leading '/' so "/" itself is never attempted. */
    for (p = path + 1; *p != '\0'; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        if (mkdir_one(path, err, errsz) != 0)
            return -1;
        *p = '/';
    }
    return mkdir_one(path, err, errsz);
}

int out_open(struct out_file *o, const char *dir, const char *name, char *err, size_t errsz)
{
    int n;

    memset(o, 0, sizeof *o);
    if (strchr(name, '/') != NULL || name[0] == '\0') {
        set_err(err, errsz, "%s/%s: output name must be a plain file name", dir, name);
        return -1;
    }
    n = snprintf(o->final, sizeof o->final, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof o->final)
        goto too_long;
    /* The pid keeps two processes writing the same directory (compare --jobs) out of each other's way;
     * the leading dot keeps the half-written file out of casual ls and glob output. */
    n = snprintf(o->tmp, sizeof o->tmp, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof o->tmp)
        goto too_long;

    o->f = fopen(o->tmp, "w");
    if (o->f == NULL) {
        set_err(err, errsz, "%s: cannot open for writing: %s", o->final, strerror(errno));
        memset(o, 0, sizeof *o);
        return -1;
    }
    /* Without the big buffer stdio would write(2) every 4 KiB. If malloc fails, the default buffer works. */
    o->buf = malloc(OUT_BUF_SIZE);
    if (o->buf != NULL && setvbuf(o->f, o->buf, _IOFBF, OUT_BUF_SIZE) != 0) {
        free(o->buf);
        o->buf = NULL;
    }
    return 0;

too_long:
    set_err(err, errsz, "%.64s/%.64s...: cannot open for writing: %s", dir, name, strerror(ENAMETOOLONG));
    memset(o, 0, sizeof *o);
    return -1;
}

/* Closes the stream if open, removes the temporary file if any, frees the buffer and zeroes o. */
static void out_cleanup(struct out_file *o)
{
    if (o->f != NULL)
        fclose(o->f);
    if (o->tmp[0] != '\0')
        unlink(o->tmp);
    free(o->buf);   /* only after fclose: stdio uses it until then */
    memset(o, 0, sizeof *o);
}

int out_commit(struct out_file *o, char *err, size_t errsz)
{
    const char *what;
    int e;
    FILE *f = o->f;

    if (f == NULL) {
        set_err(err, errsz, "%s: write failed: file is not open", o->final[0] ? o->final : "(none)");
        out_cleanup(o);
        return -1;
    }
    /* errno is cleared so that an error flag set by an earlier write is reported with the errno of the
     * retried flush (usually the same cause, e.g. ENOSPC) rather than whatever errno held before. */
    errno = 0;
    what = "write failed";
    if (fflush(f) != 0 || ferror(f))
        goto fail;
    what = "fsync failed";
    /* Without fsync a crash soon after the rename can leave a complete-looking but empty file. */
    if (fsync(fileno(f)) != 0)
        goto fail;
    o->f = NULL;
    what = "write failed";
    if (fclose(f) != 0)
        goto fail;
    what = "cannot rename into place";
    if (rename(o->tmp, o->final) != 0)
        goto fail;
    o->tmp[0] = '\0';   /* renamed: nothing left to unlink */
    out_cleanup(o);
    return 0;

fail:
    e = errno != 0 ? errno : EIO;
    set_err(err, errsz, "%s: %s: %s", o->final, what, strerror(e));
    out_cleanup(o);
    return -1;
}

void out_abort(struct out_file *o)
{
    out_cleanup(o);
}

int out_write_json(const char *dir, const char *name, const cJSON *root, char *err, size_t errsz)
{
    struct out_file o;
    char *text = cJSON_Print(root);

    if (text == NULL) {
        set_err(err, errsz, "%s/%s: cannot format JSON: out of memory", dir, name);
        return -1;
    }
    if (out_open(&o, dir, name, err, errsz) != 0) {
        free(text);
        return -1;
    }
    fputs(text, o.f);
    fputc('\n', o.f);
    free(text);
    return out_commit(&o, err, errsz);  /* catches any error of the writes above */
}

/* Integers are formatted by hand: it is the common case in a trace or CSV and snprintf is slow. */
static size_t format_int(char *buf, int64_t v)
{
    char tmp[24];
    size_t n = 0, len = 0;
    /* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        buf[len++] = '-';
    while (n > 0)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

size_t out_format_double(char *buf, double v)
{
    int n;

    if (!isfinite(v)) {
        buf[0] = '\0';
        return 0;
    }
    /* Below 2^53 every integer is exact, so the cast is exact and cannot overflow. -0.0 becomes "0". */
    if (fabs(v) < 9007199254740992.0 && (double)(int64_t)v == v)
        return format_int(buf, (int64_t)v);

    n = snprintf(buf, OUT_NUM_MAX, "%.6f", v);
    if (n <= 0 || n >= OUT_NUM_MAX) {   /* cannot happen for a finite double; be safe anyway */
        buf[0] = '\0';
        return 0;
    }
    /* "%.6f" always has a '.', so trimming zeros stops there at the latest. */
    while (buf[n - 1] == '0')
        buf[--n] = '\0';
    if (buf[n - 1] == '.')
        buf[--n] = '\0';
    if (n == 2 && buf[0] == '-' && buf[1] == '0') {   /* e.g. -1e-9 printed as "-0.000000" */
        buf[0] = '0';
        buf[1] = '\0';
        n = 1;
    }
    return (size_t)n;
}
