/* conf_set: command-line overrides, --set a.b[2].c=VALUE, applied to a configuration tree. */
#include "sim/conf.h"
#include "sim/conf_int.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/keypath.h"

/* Steps in a --set path ("a.b[2].c" has four). */
#define CONF_SET_MAX_STEPS 100

/* Records an error about a --set argument as a value it set that the file cannot take is reported: the file,
 * the path (when the argument has one that far), the message, then the argument (cut after 200 bytes). */
static int set_fail(struct conf *c, const char *arg, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int set_fail(struct conf *c, const char *arg, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    conf_vfail(c, path, fmt, ap);
    va_end(ap);
    conf_append(c, " (from --set %.200s%s)", arg, strlen(arg) > 200 ? "..." : "");
    return -1;
}

/* One step of a --set path: a key or an array index. */
struct set_step {
    int is_index;
    char key[256];
    int index;
};

/* Reads the next step of a --set path. Returns 1 with a step, 0 at the end of the path, -1 with *msg on a
 * syntax error. */
static int set_next(struct keypath *kp, struct set_step *st, char *msg, size_t msg_size)
{
    struct keypath_step ks;
    int r = keypath_next(kp, &ks);
    if (r > 0 && ks.key != NULL) {
        if (ks.len >= sizeof st->key) {
            snprintf(msg, msg_size, "key longer than %zu bytes", sizeof st->key - 1);
            return -1;
        }
        memcpy(st->key, ks.key, ks.len);
        st->key[ks.len] = '\0';
        st->is_index = 0;
    } else if (r > 0) {
        st->is_index = 1;
        st->index = (int)ks.index;
    }
    if (r >= 0)
        return r;

    const char *at = kp->err_at, *end = kp->end;
    switch (kp->err) {
    case KEYPATH_NO_KEY:
        snprintf(msg, msg_size, "%s", at < end && *at == ']' ? "unexpected \"]\"" : "empty key");
        break;
    case KEYPATH_JUNK:
        if (*at == ']')
            snprintf(msg, msg_size, "unexpected \"]\"");
        else
            snprintf(msg, msg_size, "expected \".\" or \"[\" after \"]\", got \"%c\"", *at);
        break;
    default: {
        /* An index: what stands between '[' and the first ']', whatever is wrong with it. */
        const char *d = kp->step_at + 1, *close = d;
        while (close < end && *close != ']')
            close++;
        size_t n = (size_t)(close - d);
        if (close == end)
            snprintf(msg, msg_size, "missing \"]\"");
        else
            snprintf(msg, msg_size, "bad index \"%.*s\", expected a non-negative integer", (int)(n > 40 ? 40 : n),
                     d);
        break;
    }
    }
    return -1;
}

/* Adds a step to a JSON path being built for messages. */
static void path_step(char *path, size_t size, const struct set_step *st)
{
    if (st->is_index)
        conf_path_index(path, size, path, st->index);
    else
        conf_path_key(path, size, path, st->key);
}

int conf_apply_set(struct conf *c, cJSON *root, const char *assignment)
{
    if (c->failed)
        return -1;

    const char *eq = strchr(assignment, '=');
    if (eq == NULL)
        return set_fail(c, assignment, NULL, "missing \"=\", expected --set PATH=VALUE");
    if (eq == assignment)
        return set_fail(c, assignment, "$", "empty path before \"=\"");

    /* First pass: the whole path must be well formed before the tree is touched. */
    struct keypath cur;
    struct set_step st;
    keypath_init(&cur, assignment, eq, KEYPATH_ANY_KEY, INT_MAX);
    char path[512] = "$", msg[128];
    int r, steps = 0;
    while ((r = set_next(&cur, &st, msg, sizeof msg)) > 0) {
        path_step(path, sizeof path, &st);
        /* Missing objects are created, so a path of a million steps would build a tree a million deep, which
         * cJSON frees by recursion: a stack overflow. No scenario key lies deeper than a handful of steps. */
        if (++steps > CONF_SET_MAX_STEPS)
            return set_fail(c, assignment, NULL, "the path has more than %d steps", CONF_SET_MAX_STEPS);
    }
    if (r < 0)
        return set_fail(c, assignment, path, "%s", msg);

    /* The value is JSON when it parses as JSON, so numbers, booleans and lists keep their type; anything else
     * is a plain string, so `--set run.trace=full` needs no shell-escaped quotes. */
    const char *text = eq + 1;
    cJSON *value = cJSON_ParseWithLengthOpts(text, strlen(text) + 1, NULL, 1);
    if (value == NULL)
        value = cJSON_CreateString(text);
    if (value == NULL)
        return set_fail(c, assignment, NULL, "out of memory");

    /* Second pass: walk and change the tree. An object we create is remembered so that a later error can take
     * it out again: a failed --set leaves the tree as it was. */
    cJSON *node = root, *created = NULL, *created_parent = NULL;
    strcpy(path, "$");
    keypath_init(&cur, assignment, eq, KEYPATH_ANY_KEY, INT_MAX);
    char d[96];
    if (!cJSON_IsObject(root)) {
        set_fail(c, assignment, path, "expected an object, got %s", conf_describe(root, d, sizeof d));
        goto fail;
    }
    set_next(&cur, &st, msg, sizeof msg);     /* cannot fail: checked above */
    for (;;) {
        struct set_step next = { 0 };
        int more = set_next(&cur, &next, msg, sizeof msg) > 0;

        /* node is the object or array that holds step st. */
        if (st.is_index) {
            if (!cJSON_IsArray(node)) {
                set_fail(c, assignment, path, "expected an array, got %s", conf_describe(node, d, sizeof d));
                goto fail;
            }
            int size = cJSON_GetArraySize(node);
            path_step(path, sizeof path, &st);
            if (st.index >= size) {
                set_fail(c, assignment, path, "index %d out of range, the array has %d element%s",
                         st.index, size, size == 1 ? "" : "s");
                goto fail;
            }
            if (!more) {
                if (!cJSON_ReplaceItemInArray(node, st.index, value)) {
                    set_fail(c, assignment, NULL, "out of memory");
                    goto fail;
                }
                return 0;
            }
            node = cJSON_GetArrayItem(node, st.index);
        } else {
            if (!cJSON_IsObject(node)) {
                set_fail(c, assignment, path, "expected an object, got %s", conf_describe(node, d, sizeof d));
                goto fail;
            }
            cJSON *child = cJSON_GetObjectItemCaseSensitive(node, st.key);
            path_step(path, sizeof path, &st);
            if (!more) {
                cJSON_bool ok = child != NULL ? cJSON_ReplaceItemInObjectCaseSensitive(node, st.key, value)
                                              : cJSON_AddItemToObject(node, st.key, value);
                if (!ok) {
                    set_fail(c, assignment, NULL, "out of memory");
                    goto fail;
                }
                return 0;
            }
            if (child == NULL) {
                if (next.is_index) {
                    set_fail(c, assignment, path, "expected an array to index, but the key is absent");
                    goto fail;
                }
                child = cJSON_CreateObject();
                if (child == NULL || !cJSON_AddItemToObject(node, st.key, child)) {
                    cJSON_Delete(child);
                    set_fail(c, assignment, NULL, "out of memory");
                    goto fail;
                }
                if (created == NULL) {
                    created = child;
                    created_parent = node;
                }
            }
            node = child;
        }
        st = next;
    }

fail:
    if (created != NULL)
        cJSON_Delete(cJSON_DetachItemViaPointer(created_parent, created));
    cJSON_Delete(value);
    return -1;
}

