/* buf: a NUL-terminated string built by appending, growing on the heap or bounded by the caller's array. */
#ifndef SIM_BUF_H
#define SIM_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A zeroed struct is an empty string that grows on the heap (s stays NULL until the first append); a failed
 * allocation sets oom and later appends do nothing, so a builder checks oom once at the end.
 * buf_fixed makes one that writes into the caller's array instead: what does not fit is cut silently (the
 * part that fits is kept), so building a message can never overflow; it never sets oom. */
struct buf {
    char *s;
    size_t len, cap;
    int oom;
    int fixed;          /* s is the caller's array of cap bytes */
};

/* An empty string in array (size bytes; size 0 holds nothing, not even the NUL). */
void buf_fixed(struct buf *b, char *array, size_t size);

void buf_add(struct buf *b, const char *s);
void buf_addn(struct buf *b, const char *s, size_t n);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Appends s in double quotes, JSON-escaped so that a message stays on one line whatever the user typed, and
 * cut after max bytes (at a UTF-8 character boundary) with "..." inside the quotes. */
void buf_quote(struct buf *b, const char *s, size_t max);
/* Appends s quoted for a POSIX shell: bare when it holds only [A-Za-z0-9_./=:,@%+-], else in single quotes. */
void buf_shell(struct buf *b, const char *s);
/* Appends a command line: head (as is), then the n operands as shell words and then opts (as is: options and
 * their values, each with a leading space); but when an operand starts with '-', which the command would read
 * as an option, opts first, then " --" and the operands, so that the line runs as it reads. */
void buf_command(struct buf *b, const char *head, const char *const *operands, size_t n, const char *opts);
/* Appends v in the number format of every output file (out_format_double); NaN and infinities add nothing. */
void buf_num(struct buf *b, double v);

/* Empties the string, keeping its memory (and a fixed buffer's array). */
void buf_reset(struct buf *b);
/* Frees a growing buffer's memory and zeroes it; a fixed buffer is only emptied. */
void buf_free(struct buf *b);

#endif
