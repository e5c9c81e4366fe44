/* keypath: reading a key path a step at a time. */
#include "sim/keypath.h"

void keypath_init(struct keypath *kp, const char *text, const char *end, enum keypath_syntax syntax,
                  long max_index)
{
    kp->p = text;
    kp->end = end;
    kp->syntax = syntax;
    kp->max_index = max_index;
    kp->want_key = 1;
    kp->err = KEYPATH_OK;
    kp->err_at = NULL;
    kp->step_at = text;
}

/* The byte at p, or 0 at the end of the text. */
static char peek(const struct keypath *kp)
{
    if (kp->end ? kp->p >= kp->end : *kp->p == '\0')
        return 0;
    return *kp->p;
}

static int is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static int fail(struct keypath *kp, enum keypath_error err)
{
    kp->err = err;
    kp->err_at = kp->p;
    return -1;
}

static int read_key(struct keypath *kp, struct keypath_step *st)
{
    const char *k = kp->p;
    char c;
    kp->step_at = k;
    if (kp->syntax == KEYPATH_NAMES) {
        if (!is_name_start(peek(kp)))
            return fail(kp, KEYPATH_NO_KEY);
        while (is_name(peek(kp)))
            kp->p++;
    } else {
        while ((c = peek(kp)) != 0 && c != '.' && c != '[' && c != ']')
            kp->p++;
        if (kp->p == k)
            return fail(kp, KEYPATH_NO_KEY);
    }
    st->key = k;
    st->len = (size_t)(kp->p - k);
    st->index = 0;
    kp->want_key = 0;
    return 1;
}

static int read_index(struct keypath *kp, struct keypath_step *st)
{
    const char *digits;
    long v = 0;
    char c;
    kp->step_at = kp->p;
    kp->p++;        /* '[' */
    digits = kp->p;
    while ((c = peek(kp)) >= '0' && c <= '9') {
        if (v > (kp->max_index - (c - '0')) / 10)
            return fail(kp, KEYPATH_TOO_BIG);
        v = v * 10 + (c - '0');
        kp->p++;
    }
    if (kp->p == digits)
        return fail(kp, KEYPATH_NO_DIGITS);
    if (peek(kp) != ']')
        return fail(kp, KEYPATH_NO_CLOSE);
    kp->p++;
    st->key = NULL;
    st->len = 0;
    st->index = v;
    return 1;
}

int keypath_next(struct keypath *kp, struct keypath_step *st)
{
    if (kp->want_key)
        return read_key(kp, st);
    char c = peek(kp);
    if (c == '.') {
        kp->p++;
        kp->want_key = 1;
        return read_key(kp, st);
    }
    if (c == '[')
        return read_index(kp, st);
    if (c == 0 || kp->syntax == KEYPATH_NAMES)
        return 0;   /* a path in an expression ends where it cannot go on */
    return fail(kp, KEYPATH_JUNK);
}
