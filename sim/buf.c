/* buf: growing and bounded string building. */
#include "sim/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/out.h"

void buf_fixed(struct buf *b, char *array, size_t size)
{
    b->s = array;
    b->len = 0;
    b->cap = size;
    b->oom = 0;
    b->fixed = 1;
    if (size > 0)
        array[0] = '\0';
}

/* Room for more bytes and a NUL: 0 when there is; -1 when not (a fixed buffer has room only for what fits,
 * which the caller asks with fixed_room). */
static int grow(struct buf *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

/* Bytes a fixed buffer can still take before its NUL. */
static size_t fixed_room(const struct buf *b)
{
    return b->len + 1 < b->cap ? b->cap - b->len - 1 : 0;
}

void buf_addn(struct buf *b, const char *s, size_t n)
{
    if (b->fixed) {
        size_t room = fixed_room(b);
        if (room == 0)
            return;
        if (n > room)
            n = room;
    } else if (grow(b, n) < 0) {
        return;
    }
    if (n > 0)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void buf_add(struct buf *b, const char *s)
{
    buf_addn(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
    buf_addn(b, &c, 1);
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    if (b->fixed) {
        if (fixed_room(b) == 0)
            return;
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        if (n < 0)
            return;
        b->len += (size_t)n;
        if (b->len >= b->cap)
            b->len = b->cap - 1;
        return;
    }
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if (grow(b, (size_t)n) < 0)
        return;
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vaddf(b, fmt, ap);
    va_end(ap);
}

void buf_quote(struct buf *b, const char *s, size_t max)
{
    size_t n = strlen(s);
    int cut = n > max;
    if (cut) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)   /* do not split a multi-byte character */
            n--;
    }
    buf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"':  buf_add(b, "\\\""); break;
        case '\\': buf_add(b, "\\\\"); break;
        case '\n': buf_add(b, "\\n"); break;
        case '\r': buf_add(b, "\\r"); break;
        case '\t': buf_add(b, "\\t"); break;
        default:
            if (ch < 0x20 || ch == 0x7f)
                buf_addf(b, "\\u%04x", ch);
            else
                buf_addc(b, (char)ch);
        }
    }
    if (cut)
        buf_add(b, "...");
    buf_addc(b, '"');
}

void buf_shell(struct buf *b, const char *s)
{
    int plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                strchr("_./=:,@%+-", *p) != NULL;
    if (plain) {
        buf_add(b, s);
        return;
    }
    buf_add(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            buf_add(b, "'\\''");   /* end the quote, an escaped quote, start again */
        else
            buf_addn(b, p, 1);
    }
    buf_add(b, "'");
}

void buf_command(struct buf *b, const char *head, const char *const *operands, size_t n, const char *opts)
{
    int dashed = 0;
    for (size_t i = 0; i < n; i++)
        dashed |= operands[i][0] == '-';
    buf_add(b, head);
    if (dashed) {
        buf_add(b, opts ? opts : "");
        buf_add(b, " --");
    }
    for (size_t i = 0; i < n; i++) {
        buf_add(b, " ");
        buf_shell(b, operands[i]);
    }
    if (!dashed)
        buf_add(b, opts ? opts : "");
}

void buf_num(struct buf *b, double v)
{
    char tmp[OUT_NUM_MAX];
    size_t n = out_format_double(tmp, v);
    buf_addn(b, tmp, n);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->s && b->cap > 0)
        b->s[0] = '\0';
}

void buf_free(struct buf *b)
{
    if (b->fixed) {
        buf_reset(b);
        return;
    }
    free(b->s);
    memset(b, 0, sizeof *b);
}
