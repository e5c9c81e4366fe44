/* conf: strict reading of JSON configuration, every error naming the file and the JSON path. */
#ifndef SIM_CONF_H
#define SIM_CONF_H

#include <stdint.h>
#include <cJSON.h>

#include "sim/time.h"

/* One loading session for one file. The first error wins: later calls after a failure are no-ops that
 * return -1, so a loader can read a whole object and check c->failed once. */
struct conf {
    const char *file;   /* shown in every message, e.g. "scenarios/x.json" */
    int failed;
    char err[1024];     /* "FILE: $.a.b[1].c: message", without a trailing newline */
    char err_path[256]; /* the error's JSON path ("" for an error about the file itself) */
    char sha256[65];    /* the SHA-256 of the bytes conf_load_file or conf_parse last read ("" before) */
};

void conf_init(struct conf *c, const char *file);

/* Records an error at path (a JSON path such as "$.brokers[1].role") unless one is recorded already.
 * path NULL is for errors about the file itself, which have no JSON path: "FILE: message".
 * Returns -1 so callers can `return conf_fail(...)`. */
int conf_fail(struct conf *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds to the recorded error's message, kept on one line as conf_fail keeps it. */
void conf_append(struct conf *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads and parses a JSON file. Errors: cannot open (with strerror), empty, invalid JSON (with line and
 * column), top level not an object. Returns NULL on error; the caller frees the tree with cJSON_Delete.
 * Messages name c->file (file itself when c->file is NULL). Errors about the file have no JSON path,
 * errors about its content have "$":
 *   FILE: cannot open: No such file or directory      FILE: $: empty document, expected a JSON object
 *   FILE: cannot read: Is a directory                 FILE: $: invalid JSON at line 3, column 8
 *   FILE: too large (more than 64 MiB)                FILE: $: expected an object, got an array */
cJSON *conf_load_file(struct conf *c, const char *file);

/* Same, from a string already in memory (tests, fuzzing). */
cJSON *conf_parse(struct conf *c, const char *text, size_t len);

/* Applies a command-line override "a.b[2].c=VALUE" to the tree before validation. VALUE is parsed as JSON
 * when it is valid JSON (numbers, true, false, null, "quoted", [..], {..}), otherwise taken as a plain string.
 * Missing intermediate objects are created; an array index must exist. Errors name "--set ARG". */
int conf_apply_set(struct conf *c, cJSON *root, const char *assignment);

/* Path helpers: write parent + ".key" or parent + "[i]" into buf. Always NUL-terminated. */
const char *conf_path_key(char *buf, size_t size, const char *parent, const char *key);
const char *conf_path_index(char *buf, size_t size, const char *parent, int index);

/* Checks that obj is an object whose keys are all in allowed (NULL-terminated). An unknown key is an error
 * at its own path, with a "did you mean" when an allowed key is close (edit distance); so is a key given
 * twice. obj NULL (an absent section) passes. */
int conf_keys(struct conf *c, const cJSON *obj, const char *path, const char *const *allowed);

/* Typed getters. obj is an object at path; key may be absent, in which case *out = def. A present key of the
 * wrong type or out of [min, max] is an error with its path, saying what was expected and what was found.
 * null is a wrong type, never "absent". obj NULL reads as an absent section: every key takes its default.
 * On error, and when c has already failed, *out is left unchanged. */
int conf_int(struct conf *c, const cJSON *obj, const char *path, const char *key,
             int64_t def, int64_t min, int64_t max, int64_t *out);
int conf_double(struct conf *c, const cJSON *obj, const char *path, const char *key,
                double def, double min, double max, double *out);
/* A throughput (a bandwidth, a disk's speed) in the key's unit: 0 means unlimited; otherwise at least
 * CONF_MIN_THROUGHPUT and at most max, so that moving a few GiB takes a time the clock can hold. */
#define CONF_MIN_THROUGHPUT 0.001
int conf_throughput(struct conf *c, const cJSON *obj, const char *path, const char *key, double def, double max,
                    double *out);
int conf_bool(struct conf *c, const cJSON *obj, const char *path, const char *key, int def, int *out);
/* *out points into the tree (or is def). A present string must be non-empty. */
int conf_string(struct conf *c, const cJSON *obj, const char *path, const char *key,
                const char *def, const char **out);
/* choices is NULL-terminated; *out is the index. A wrong value reads: expected "a", "b" or "c", got "x". */
int conf_enum(struct conf *c, const cJSON *obj, const char *path, const char *key,
              const char *const *choices, int def, int *out);
/* A duration whose unit is the key's suffix (_ns, _us, _ms, _s), e.g. key "timeout_ms": 1.5 -> 1.5 ms.
 * Fractions are kept to the nanosecond (rounded to nearest). def, min and max are in nanoseconds. */
int conf_time(struct conf *c, const cJSON *obj, const char *path, const char *key,
              sim_time def, sim_time min, sim_time max, sim_time *out);

/* Returns the child of obj named key, or NULL when absent (no error). */
const cJSON *conf_child(const cJSON *obj, const char *key);

/* Describes a JSON value for messages: `string "x"`, `number 3.5`, `true`, `null`, `an object`, `an array`. */
const char *conf_describe(const cJSON *v, char *buf, size_t size);

#endif
