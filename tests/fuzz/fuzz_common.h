/* fuzz_common: what every mqsim fuzz target checks beyond "no crash": a rejected input is reported as the
 * command's contract says, one line that starts with the file (or the --set argument) it is about. */
#ifndef TESTS_FUZZ_COMMON_H
#define TESTS_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/conf.h"

/* Aborts (a crash libFuzzer reports, with the input) when c holds no proper one-line error. prefix is what
 * the message must start with: the file name given to the loader, or NULL for any. */
static inline void fuzz_check_error(const struct conf *c, const char *prefix, const char *what)
{
    const char *bad = NULL;
    size_t n = strlen(c->err);
    if (!c->failed)
        bad = "failed without c->failed";
    else if (n == 0)
        bad = "empty error message";
    else if (strchr(c->err, '\n') || strchr(c->err, '\r'))
        bad = "error message of more than one line";
    else if (prefix && strncmp(c->err, prefix, strlen(prefix)) != 0 && strncmp(c->err, "--set ", 6) != 0)
        bad = "error message does not start with the file name";
    else if (!strstr(c->err, ": "))
        bad = "error message without \"FILE: \"";
    if (bad) {
        fprintf(stderr, "%s: %s: [%s]\n", what, bad, c->err);
        abort();
    }
}

#endif
