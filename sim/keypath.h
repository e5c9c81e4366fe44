/* keypath: the syntax of a path to a value in a JSON tree, read a step at a time. One parser for the paths of
 * --set overrides ("groups[0].role=slave") and of a sweep's metrics ("groups[0].failover.detected_ms"):
 *
 *     PATH := KEY ( '.' KEY | '[' DIGITS ']' )*
 *
 * What a KEY may hold and where a path ends depend on where it is written (enum keypath_syntax). The parser
 * reports what is wrong and where; each caller words its own messages. */
#ifndef SIM_KEYPATH_H
#define SIM_KEYPATH_H

#include <stddef.h>

enum keypath_syntax {
    /* A key is any bytes but '.', '[' and ']' (a --set path, whose text ends before its '='). The path is
     * the whole text: a byte after an index that is neither '.' nor '[' is an error. */
    KEYPATH_ANY_KEY,
    /* A key is a name, [A-Za-z_][A-Za-z0-9_]*, and the path ends at the first byte that cannot continue it
     * (a path inside an expression, followed by " / ..." or ")"). */
    KEYPATH_NAMES
};

enum keypath_error {
    KEYPATH_OK,
    KEYPATH_NO_KEY,         /* no key where one must be: at the start, or after '.' */
    KEYPATH_NO_DIGITS,      /* '[' not followed by a digit */
    KEYPATH_TOO_BIG,        /* an index over the maximum: err_at is the digit that makes it so */
    KEYPATH_NO_CLOSE,       /* an index's digits not followed by ']' */
    KEYPATH_JUNK            /* KEYPATH_ANY_KEY: after a step, a byte that is neither '.' nor '[' */
};

/* A path being read. Set up with keypath_init; the fields are public for reading. */
struct keypath {
    const char *p;          /* the next byte to read */
    const char *end;        /* the end of the text; NULL: the text ends at its NUL */
    enum keypath_syntax syntax;
    long max_index;
    int want_key;           /* at the start and after '.', a key must come */
    enum keypath_error err; /* after keypath_next returned -1 */
    const char *err_at;     /* where the error was found */
    const char *step_at;    /* where the last step read (or failed) starts: its key's first byte, or '[' */
};

/* One step: a key (not NUL-terminated: len bytes at key) or, with key NULL, an index. */
struct keypath_step {
    const char *key;
    size_t len;
    long index;
};

/* Reads text (up to end, or to its NUL when end is NULL); indexes above max_index are errors. */
void keypath_init(struct keypath *kp, const char *text, const char *end, enum keypath_syntax syntax,
                  long max_index);

/* Reads the next step: 1 with *st, 0 at the end of the path (kp->p is just past it), or -1 with kp->err and
 * kp->err_at set (and kp->p there too). */
int keypath_next(struct keypath *kp, struct keypath_step *st);

#endif
