/* fields: a table of a config struct's scenario keys (name, type, place, range), read with the strict
 * conf API; one table per section keeps key names, ranges and defaults in one place. */
#ifndef MODELS_FIELDS_H
#define MODELS_FIELDS_H

#include <stddef.h>
#include <cJSON.h>

#include "sim/conf.h"

enum field_type {
    F_TIME,        /* sim_time; the key's suffix is its unit */
    F_INT,         /* int */
    F_U64,         /* uint64_t */
    F_DOUBLE,      /* double */
    F_BOOL,        /* int 0/1 */
    F_ENUM,        /* int index into choices */
    F_DIST_TIME,   /* struct sim_dist of durations */
    F_DIST_BYTES   /* struct sim_dist of sizes */
};

struct field {
    const char *key;
    enum field_type type;
    size_t off;
    double min, max;           /* in the key's unit (for F_TIME: milliseconds etc. as written) */
    const char *const *choices;
};

/* Reads every key of the table present in obj into base (absent keys keep what base holds: the
 * defaults). Unknown keys are errors unless listed in extra (NULL-terminated, may be NULL). */
int fields_read(struct conf *c, const cJSON *obj, const char *path, const struct field *t, int n, void *base,
                const char *const *extra);

#endif
