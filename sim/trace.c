/* trace: a buffered JSON Lines event trace.
 *
 * A full trace is millions of lines, so the per-field path formats numbers by hand (no printf) into one
 * private buffer that is handed to fwrite in 256 KiB chunks. */
#include "sim/trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/out.h"

#define TRACE_BUF_SIZE (256u * 1024)
/* trace_end drains the buffer once less than this is free, so an ordinary event always fits whole in the
 * rest of the buffer and reaches the FILE in one fwrite. Only longer events are split across two fwrites,
 * which loses nothing: the bytes still go out in order. */
#define TRACE_SLACK 4096u
/* Room asked for a number: "-" + 20 digits + "." + 6 digits fits. */
#define NUM_ROOM 32u
/* Keys up to this length are written through one room check; longer ones piece by piece. */
#define KEY_ROOM 256u

int trace_level_parse(const char *s)
{
    if (strcmp(s, "off") == 0)
        return TRACE_OFF;
    if (strcmp(s, "events") == 0)
        return TRACE_EVENTS;
    if (strcmp(s, "full") == 0)
        return TRACE_FULL;
    return -1;
}

void trace_init(struct trace *tr, enum trace_level level, FILE *f)
{
    memset(tr, 0, sizeof *tr);
    if (level == TRACE_OFF || f == NULL)
        return;
    tr->buf = malloc(TRACE_BUF_SIZE);
    if (tr->buf == NULL) {
        tr->err = ENOMEM;
        return;
    }
    tr->f = f;
    tr->cap = TRACE_BUF_SIZE;
    tr->level = level;
}

/* Writes bytes straight to the FILE. After the first failure nothing more is written and tracing turns
 * off, so callers stop paying for formatting; trace_flush reports the error. */
static void tr_write(struct trace *tr, const char *p, size_t n)
{
    if (tr->err != 0 || n == 0)
        return;
    errno = 0;
    if (fwrite(p, 1, n, tr->f) != n) {
        tr->err = errno != 0 ? errno : EIO;
        tr->level = TRACE_OFF;
    }
}

static void tr_drain(struct trace *tr)
{
    tr_write(tr, tr->buf, tr->len);
    tr->len = 0;
}

/* Returns where to write at least n (<= TRACE_SLACK) more bytes; the caller then advances tr->len. */
static inline char *tr_room(struct trace *tr, size_t n)
{
    if (tr->cap - tr->len < n)
        tr_drain(tr);
    return tr->buf + tr->len;
}

/* Appends n bytes of any length. A piece bigger than the whole buffer (a huge string) goes to the FILE
 * directly, after what is buffered, so the order of bytes is kept. */
static void tr_put(struct trace *tr, const char *p, size_t n)
{
    if (tr->cap - tr->len < n) {
        tr_drain(tr);
        if (n > tr->cap) {
            tr_write(tr, p, n);
            return;
        }
    }
    memcpy(tr->buf + tr->len, p, n);
    tr->len += n;
}

/* Digits of u at p; returns how many. Writes from the end so no reversal is needed. */
static size_t fmt_u64(char *p, uint64_t u)
{
    char tmp[20];
    size_t n = sizeof tmp;

    do {
        tmp[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    memcpy(p, tmp + n, sizeof tmp - n);
    return sizeof tmp - n;
}

static size_t fmt_i64(char *p, int64_t v)
{
    if (v >= 0)
        return fmt_u64(p, (uint64_t)v);
    p[0] = '-';
    /* Negated in unsigned arithmetic so INT64_MIN does not overflow. */
    return 1 + fmt_u64(p + 1, (uint64_t)0 - (uint64_t)v);
}

/* Nanoseconds as milliseconds: integer part, '.', the six sub-millisecond digits with trailing zeros
 * trimmed down to at least three. 12345000 -> 12.345, 12345678 -> 12.345678, -1500000 -> -1.500.
 * Integer arithmetic only, so the output is exact and the same on every machine. */
static size_t fmt_ms(char *p, sim_time t)
{
    uint64_t u = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
    uint32_t frac = (uint32_t)(u % 1000000);
    size_t n = 0, keep = 6;
    char d[6];
    int i;

    if (t < 0)
        p[n++] = '-';
    n += fmt_u64(p + n, u / 1000000);
    p[n++] = '.';
    for (i = 5; i >= 0; i--) {
        d[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    while (keep > 3 && d[keep - 1] == '0')
        keep--;
    memcpy(p + n, d, keep);
    return n + keep;
}

/* Writes s as a JSON string. Runs of plain bytes are copied in one piece. */
static void tr_quoted(struct trace *tr, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;
    char *p;

    tr_put(tr, "\"", 1);
    for (;; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        tr_put(tr, run, (size_t)(s - run));
        if (c == '\0')
            break;
        p = tr_room(tr, 6);
        if (c == '"' || c == '\\') {
            p[0] = '\\';
            p[1] = (char)c;
            tr->len += 2;
        } else {
            memcpy(p, "\\u00", 4);
            p[4] = hex[c >> 4];
            p[5] = hex[c & 15];
            tr->len += 6;
        }
        run = s + 1;
    }
    tr_put(tr, "\"", 1);
}

/* Appends ,"key": and returns room for a number after it. */
static char *tr_key(struct trace *tr, const char *key)
{
    size_t k = strlen(key);
    char *p;

    if (k <= KEY_ROOM) {
        p = tr_room(tr, k + 4 + NUM_ROOM);
        p[0] = ',';
        p[1] = '"';
        memcpy(p + 2, key, k);
        p[k + 2] = '"';
        p[k + 3] = ':';
        tr->len += k + 4;
        return p + k + 4;
    }
    tr_put(tr, ",\"", 2);
    tr_put(tr, key, k);
    tr_put(tr, "\":", 2);
    return tr_room(tr, NUM_ROOM);
}

void trace_begin(struct trace *tr, sim_time t, const char *node, const char *ev)
{
    char *p;

    if (tr->level == TRACE_OFF)
        return;
    p = tr_room(tr, 8 + NUM_ROOM);
    memcpy(p, "{\"t_ms\":", 8);
    tr->len += 8 + fmt_ms(p + 8, t);
    tr_put(tr, ",\"node\":", 8);
    tr_quoted(tr, node);
    tr_put(tr, ",\"ev\":", 6);
    tr_quoted(tr, ev);
}

void trace_int(struct trace *tr, const char *key, int64_t v)
{
    char *p;

    if (tr->level == TRACE_OFF)
        return;
    p = tr_key(tr, key);
    tr->len += fmt_i64(p, v);
}

void trace_uint(struct trace *tr, const char *key, uint64_t v)
{
    char *p;

    if (tr->level == TRACE_OFF)
        return;
    p = tr_key(tr, key);
    tr->len += fmt_u64(p, v);
}

void trace_str(struct trace *tr, const char *key, const char *s)
{
    char *p;

    if (tr->level == TRACE_OFF)
        return;
    p = tr_key(tr, key);
    if (s == NULL) {
        memcpy(p, "null", 4);
        tr->len += 4;
        return;
    }
    tr_quoted(tr, s);
}

void trace_double(struct trace *tr, const char *key, double v)
{
    char num[OUT_NUM_MAX];
    size_t n;
    char *p;

    if (tr->level == TRACE_OFF)
        return;
    p = tr_key(tr, key);
    n = out_format_double(num, v);
    if (n == 0) {
        memcpy(p, "null", 4);
        tr->len += 4;
        return;
    }
    /* Up to 317 characters for huge values: more than the room tr_key guaranteed, so go through tr_put. */
    tr_put(tr, num, n);
}

void trace_bool(struct trace *tr, const char *key, int v)
{
    char *p;

    if (tr->level == TRACE_OFF)
        return;
    p = tr_key(tr, key);
    if (v) {
        memcpy(p, "true", 4);
        tr->len += 4;
    } else {
        memcpy(p, "false", 5);
        tr->len += 5;
    }
}

void trace_time_ms(struct trace *tr, const char *key, sim_time t)
{
    char *p;

    if (tr->level == TRACE_OFF)
        return;
    p = tr_key(tr, key);
    tr->len += fmt_ms(p, t);
}

void trace_end(struct trace *tr)
{
    char *p;

    if (tr->level == TRACE_OFF)
        return;
    p = tr_room(tr, 2);
    p[0] = '}';
    p[1] = '\n';
    tr->len += 2;
    if (tr->cap - tr->len < TRACE_SLACK)
        tr_drain(tr);
}

int trace_flush(struct trace *tr)
{
    if (tr->buf != NULL)
        tr_drain(tr);
    /* f is NULL when tracing never started; fflush(NULL) would flush every stream in the process. */
    if (tr->f != NULL && tr->err == 0) {
        errno = 0;
        if (fflush(tr->f) != 0) {
            tr->err = errno != 0 ? errno : EIO;
            tr->level = TRACE_OFF;
        }
    }
    return tr->err != 0 ? -1 : 0;
}

void trace_free(struct trace *tr)
{
    free(tr->buf);
    tr->buf = NULL;
    tr->len = 0;
    tr->cap = 0;
    tr->level = TRACE_OFF;
}
