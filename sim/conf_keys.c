/* conf_keys: checking an object's keys against those allowed, with a "did you mean" for a likely typo. */
#include "sim/conf.h"
#include "sim/conf_int.h"

#include <limits.h>
#include <string.h>

#include "sim/buf.h"

/* Levenshtein distance between two short strings; INT_MAX when either is too long to bother. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > CONF_KEY_MAX || lb > CONF_KEY_MAX)
        return INT_MAX;
    int prev[CONF_KEY_MAX + 1], row[CONF_KEY_MAX + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, row, (lb + 1) * sizeof row[0]);
    }
    return prev[lb];
}

/* The allowed key closest to key, or NULL when none is close enough to be a likely typo: within 2 edits or a
 * third of the key's length, and not a complete rewrite (two unrelated one-letter keys are 1 edit apart). */
static const char *closest_key(const char *key, const char *const *allowed)
{
    const char *best = NULL;
    int best_d = INT_MAX;
    for (size_t i = 0; allowed[i] != NULL; i++) {
        int d = edit_distance(key, allowed[i]);
        if (d < best_d) {   /* strict: on a tie the first in allowed order stays */
            best_d = d;
            best = allowed[i];
        }
    }
    if (best == NULL || best_d == INT_MAX)
        return NULL;
    size_t len = strlen(key), blen = strlen(best);
    int limit = len / 3 > 2 ? (int)(len / 3) : 2;
    if (best_d > limit || (size_t)best_d >= (len > blen ? len : blen))
        return NULL;
    return best;
}

int conf_keys(struct conf *c, const cJSON *obj, const char *path, const char *const *allowed)
{
    if (c->failed)
        return -1;
    if (obj == NULL)
        return 0;
    char d[96], p[512];
    if (!cJSON_IsObject(obj))
        return conf_fail(c, path, "expected an object, got %s", conf_describe(obj, d, sizeof d));

    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        const char *key = it->string != NULL ? it->string : "";
        int known = 0;
        for (size_t i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        conf_path_key(p, sizeof p, path, key);

        if (!known) {
            char m[768];
            struct buf b;
            buf_fixed(&b, m, sizeof m);
            buf_addf(&b, "unknown key ");
            buf_quote(&b, key, CONF_KEY_MAX);
            const char *near = closest_key(key, allowed);
            if (near != NULL) {
                buf_addf(&b, " (did you mean ");
                buf_quote(&b, near, CONF_KEY_MAX);
                buf_addf(&b, "?)");
            } else if (allowed[0] == NULL) {
                buf_addf(&b, " (no keys are allowed here)");
            } else {
                buf_addf(&b, " (expected one of: ");
                conf_choices(&b, allowed, ", ");
                buf_addf(&b, ")");
            }
            return conf_fail(c, p, "%s", m);
        }
        /* Earlier keys are all allowed and distinct, so this loop is short whatever the size of obj. */
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next) {
            if (prev->string != NULL && strcmp(prev->string, key) == 0) {
                char q[CONF_KEY_MAX + 16];
                struct buf b;
                buf_fixed(&b, q, sizeof q);
                buf_quote(&b, key, CONF_KEY_MAX);
                return conf_fail(c, p, "duplicate key %s", q);
            }
        }
    }
    return 0;
}

const cJSON *conf_child(const cJSON *obj, const char *key)
{
    if (!cJSON_IsObject(obj) || key == NULL)
        return NULL;
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

