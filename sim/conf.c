/* conf: strict reading of JSON configuration, every error naming the file and the JSON path. */
#include "sim/conf.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/buf.h"
#include "sim/keypath.h"

/* A scenario is a few kilobytes; anything this big is a mistake (a trace or a binary given by accident), and
 * reading it whole would only waste memory before failing. */
#define CONF_MAX_FILE ((size_t)64 * 1024 * 1024)

/* Strings quoted in messages are cut after this many bytes so that one bad value cannot fill the message. */
#define CONF_QUOTE_MAX 40

/* Longest key considered for "did you mean": the edit distance table lives on the stack. */
#define CONF_KEY_MAX 64

/* Steps in a --set path ("a.b[2].c" has four). */
#define CONF_SET_MAX_STEPS 100

/* Beyond 2^53 a JSON number (held as a double by cJSON) no longer holds every integer, so the value the user
 * wrote may not be the value we read. */
#define CONF_EXACT_INT 9007199254740992.0

/* Writes a double the way a user would write it: integers without exponent or decimals while they are exact,
 * otherwise the shortest of %.15g/%.17g that reads back as the same double. */
static const char *fmt_num(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "nan");
    else if (isinf(v))
        snprintf(buf, size, v < 0 ? "-inf" : "inf");
    else if (v == trunc(v) && fabs(v) <= CONF_EXACT_INT)
        snprintf(buf, size, "%.0f", v);
    else {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.15g", v);
        if (strtod(tmp, NULL) != v)
            snprintf(tmp, sizeof tmp, "%.17g", v);
        snprintf(buf, size, "%s", tmp);
    }
    return buf;
}

/* Appends a NULL-terminated list of choices as "a", "b" or "c" (last_sep " or ") or "a", "b", "c" (", "),
 * ending with ", ..." when the list would make the message too long. */
static void add_choices(struct buf *b, const char *const *list, const char *last_sep)
{
    size_t count = 0;
    while (list[count] != NULL)
        count++;
    size_t start = b->len;
    for (size_t i = 0; i < count; i++) {
        if (b->len - start > 400) {
            buf_addf(b, ", ...");
            return;
        }
        if (i > 0)
            buf_addf(b, "%s", i + 1 == count ? last_sep : ", ");
        buf_quote(b, list[i], CONF_KEY_MAX);
    }
}

/* ---- Errors -------------------------------------------------------------------------------------------------- */

void conf_init(struct conf *c, const char *file)
{
    c->file = file;
    c->failed = 0;
    c->err[0] = '\0';
}

static int conf_vfail(struct conf *c, const char *path, const char *fmt, va_list ap)
{
    if (c->failed)
        return -1;
    c->failed = 1;

    struct buf b;
    buf_fixed(&b, c->err, sizeof c->err);
    buf_addf(&b, "%s: ", c->file != NULL ? c->file : "<input>");
    if (path != NULL)       /* NULL: an error about the file itself, which has no JSON path */
        buf_addf(&b, "%s: ", path);
    buf_vaddf(&b, fmt, ap);

    /* The contract is one line a problem; a file name or a --set argument may still hold a control character. */
    for (char *p = c->err; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return -1;
}

int conf_fail(struct conf *c, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    conf_vfail(c, path, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- Paths and descriptions ------------------------------------------------------------------------------- */

/* A key that can be written after a dot and still be read back unambiguously; others use ["..."]. */
static int is_plain_key(const char *key)
{
    if (*key == '\0')
        return 0;
    for (const char *p = key; *p != '\0'; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return 0;
    return 1;
}

/* Starts buf with parent. memmove and the length check make buf == parent (appending in place) safe too. */
static void path_start(struct buf *b, char *buf, size_t size, const char *parent)
{
    if (parent == NULL)
        parent = "$";
    size_t n = strlen(parent);
    if (n >= size)
        n = size - 1;
    memmove(buf, parent, n);
    buf[n] = '\0';
    buf_fixed(b, buf + n, size - n);   /* appends go after parent, within size */
}

const char *conf_path_key(char *buf, size_t size, const char *parent, const char *key)
{
    if (size == 0)
        return buf;
    struct buf b;
    path_start(&b, buf, size, parent);
    if (is_plain_key(key))
        buf_addf(&b, ".%s", key);
    else {
        buf_addc(&b, '[');
        buf_quote(&b, key, CONF_KEY_MAX);
        buf_addc(&b, ']');
    }
    return buf;
}

const char *conf_path_index(char *buf, size_t size, const char *parent, int index)
{
    if (size == 0)
        return buf;
    struct buf b;
    path_start(&b, buf, size, parent);
    buf_addf(&b, "[%d]", index);
    return buf;
}

const char *conf_describe(const cJSON *v, char *buf, size_t size)
{
    struct buf b;
    char num[64];
    buf_fixed(&b, buf, size);
    if (v == NULL)
        buf_addf(&b, "nothing");
    else if (cJSON_IsString(v)) {
        buf_addf(&b, "string ");
        buf_quote(&b, v->valuestring != NULL ? v->valuestring : "", CONF_QUOTE_MAX);
    } else if (cJSON_IsNumber(v))
        buf_addf(&b, "number %s", fmt_num(num, sizeof num, v->valuedouble));
    else if (cJSON_IsTrue(v))
        buf_addf(&b, "true");
    else if (cJSON_IsFalse(v))
        buf_addf(&b, "false");
    else if (cJSON_IsNull(v))
        buf_addf(&b, "null");
    else if (cJSON_IsObject(v))
        buf_addf(&b, "an object");
    else if (cJSON_IsArray(v))
        buf_addf(&b, "an array");
    else
        buf_addf(&b, "an invalid value");
    return buf;
}

/* ---- Parsing ------------------------------------------------------------------------------------------------- */

/* Parses text[0..len), which must have a NUL at text[len] (cJSON's "null terminated" check looks for it). */
static cJSON *parse_buffer(struct conf *c, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    if (i == len) {
        conf_fail(c, "$", "empty document, expected a JSON object");
        return NULL;
    }

    /* cJSON stops at a NUL byte and would take what follows for the end of the text; a NUL inside the file is
     * an error like any other stray byte. */
    const char *nul = memchr(text, '\0', len);
    const char *end = NULL;
    cJSON *root = NULL;
    if (nul == NULL)
        root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    else
        end = nul;
    if (root == NULL) {
        /* The position from return_parse_end, not cJSON_GetErrorPtr(): that one is a global shared by threads. */
        size_t pos = end != NULL && end >= text && end <= text + len ? (size_t)(end - text) : len;
        long line = 1, col = 1;
        for (size_t k = 0; k < pos; k++) {
            if (text[k] == '\n') {
                line++;
                col = 1;
            } else if (((unsigned char)text[k] & 0xC0) != 0x80) {  /* count characters, not UTF-8 bytes */
                col++;
            }
        }
        /* No "unexpected end of file" guess: cJSON also points past the end for a trailing comma. */
        conf_fail(c, "$", "invalid JSON at line %ld, column %ld%s", line, col, nul != NULL ? " (NUL byte)" : "");
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        char d[96];
        conf_fail(c, "$", "expected an object, got %s", conf_describe(root, d, sizeof d));
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

cJSON *conf_parse(struct conf *c, const char *text, size_t len)
{
    if (c->failed)
        return NULL;
    /* text need not be NUL-terminated (a fuzzer's buffer), so parse a terminated copy. */
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        conf_fail(c, NULL, "out of memory");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    cJSON *root = parse_buffer(c, copy, len);
    free(copy);
    return root;
}

cJSON *conf_load_file(struct conf *c, const char *file)
{
    if (c->failed)
        return NULL;
    if (c->file == NULL)
        c->file = file;

    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        conf_fail(c, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }

    /* Read in growing chunks rather than trusting the size from stat: the file may be a pipe or /dev/stdin.
     * We read at most one byte past the limit, which is enough to know it is exceeded. */
    cJSON *root = NULL;
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap + 1);
    if (buf == NULL) {
        conf_fail(c, NULL, "out of memory");
        goto done;
    }
    for (;;) {
        if (len == cap) {
            if (cap > CONF_MAX_FILE)
                break;
            size_t ncap = cap * 2 > CONF_MAX_FILE ? CONF_MAX_FILE + 1 : cap * 2;
            char *nbuf = realloc(buf, ncap + 1);
            if (nbuf == NULL) {
                conf_fail(c, NULL, "out of memory");
                goto done;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                conf_fail(c, NULL, "cannot read: %s", strerror(errno));
                goto done;
            }
            break;
        }
    }
    if (len > CONF_MAX_FILE) {
        conf_fail(c, NULL, "too large (more than 64 MiB)");
        goto done;
    }
    buf[len] = '\0';
    root = parse_buffer(c, buf, len);
done:
    free(buf);
    fclose(f);
    return root;
}

/* ---- Command-line overrides ------------------------------------------------------------------------------- */

/* Records an error about a --set argument: the argument stands where the file name would be. */
static int set_fail(struct conf *c, const char *arg, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int set_fail(struct conf *c, const char *arg, const char *path, const char *fmt, ...)
{
    char prefix[256];
    struct buf b;
    buf_fixed(&b, prefix, sizeof prefix);
    buf_addf(&b, "--set %.200s%s", arg, strlen(arg) > 200 ? "..." : "");

    const char *file = c->file;
    c->file = prefix;
    va_list ap;
    va_start(ap, fmt);
    conf_vfail(c, path, fmt, ap);
    va_end(ap);
    c->file = file;     /* prefix dies with this frame; the message has been copied into c->err */
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

/* ---- Keys -------------------------------------------------------------------------------------------------- */

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
                add_choices(&b, allowed, ", ");
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

/* ---- Typed getters ------------------------------------------------------------------------------------------ */

/* Finds key in obj for a getter: 0 when absent (obj NULL counts as an absent object, so an optional section
 * can be read without a check), 1 with *v and the key's path in p, -1 when obj is not an object. */
static int lookup(struct conf *c, const cJSON *obj, const char *path, const char *key,
                  const cJSON **v, char *p, size_t psize)
{
    if (obj == NULL)
        return 0;
    if (!cJSON_IsObject(obj)) {
        char d[96];
        return conf_fail(c, path, "expected an object, got %s", conf_describe(obj, d, sizeof d));
    }
    *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (*v == NULL)
        return 0;
    conf_path_key(p, psize, path, key);
    return 1;
}

/* lookup() for a number: 1 with *x when present and finite, 0 when absent, -1 (recorded) otherwise. cJSON
 * turns 1e400 into inf; no configuration value means infinity. */
static int lookup_finite(struct conf *c, const cJSON *obj, const char *path, const char *key, char *p,
                         size_t psize, double *x)
{
    const cJSON *v = NULL;
    char d[96];
    int r = lookup(c, obj, path, key, &v, p, psize);
    if (r <= 0)
        return r;
    if (!cJSON_IsNumber(v))
        return conf_fail(c, p, "expected a number, got %s", conf_describe(v, d, sizeof d));
    if (!isfinite(v->valuedouble))
        return conf_fail(c, p, "expected a finite number, got %s", conf_describe(v, d, sizeof d));
    *x = v->valuedouble;
    return 1;
}

/* "must be between A and B[ UNIT], got X", or "at least"/"at most" when one side has no real bound. */
static int range_fail(struct conf *c, const char *p, const char *lo, const char *hi, const char *unit,
                      const char *got)
{
    const char *sp = unit[0] != '\0' ? " " : "";
    if (lo == NULL && hi == NULL)
        return conf_fail(c, p, "outside the 64-bit range, got %s", got);
    if (lo == NULL)
        return conf_fail(c, p, "must be at most %s%s%s, got %s", hi, sp, unit, got);
    if (hi == NULL)
        return conf_fail(c, p, "must be at least %s%s%s, got %s", lo, sp, unit, got);
    return conf_fail(c, p, "must be between %s and %s%s%s, got %s", lo, hi, sp, unit, got);
}

static int int_range_fail(struct conf *c, const char *p, int64_t min, int64_t max, const char *got)
{
    char lo[32], hi[32];
    snprintf(lo, sizeof lo, "%" PRId64, min);
    snprintf(hi, sizeof hi, "%" PRId64, max);
    return range_fail(c, p, min == INT64_MIN ? NULL : lo, max == INT64_MAX ? NULL : hi, "", got);
}

int conf_int(struct conf *c, const cJSON *obj, const char *path, const char *key,
             int64_t def, int64_t min, int64_t max, int64_t *out)
{
    if (c->failed)
        return -1;
    const cJSON *v = NULL;
    char p[512], d[96], got[64];
    int r = lookup(c, obj, path, key, &v, p, sizeof p);
    if (r <= 0) {
        if (r == 0)
            *out = def;
        return r;
    }
    if (!cJSON_IsNumber(v))
        return conf_fail(c, p, "expected an integer, got %s", conf_describe(v, d, sizeof d));
    double x = v->valuedouble;
    if (!isfinite(x) || x != trunc(x))
        return conf_fail(c, p, "expected an integer, got %s", conf_describe(v, d, sizeof d));
    fmt_num(got, sizeof got, x);

    /* Compare in double before any conversion: casting a double outside int64 to int64 is undefined. */
    if (x < (double)min || x > (double)max)
        return int_range_fail(c, p, min, max, got);
    if (fabs(x) > CONF_EXACT_INT)
        return conf_fail(c, p, "integers beyond 2^53 (9007199254740992) are not exact in JSON, got %s", got);
    int64_t i = (int64_t)x;
    /* (double)min and (double)max may have rounded outward; the exact check is on integers. */
    if (i < min || i > max)
        return int_range_fail(c, p, min, max, got);
    *out = i;
    return 0;
}

int conf_double(struct conf *c, const cJSON *obj, const char *path, const char *key,
                double def, double min, double max, double *out)
{
    if (c->failed)
        return -1;
    char p[512];
    double x;
    int r = lookup_finite(c, obj, path, key, p, sizeof p, &x);
    if (r <= 0) {
        if (r == 0)
            *out = def;
        return r;
    }
    if (x < min || x > max) {
        char lo[64], hi[64], got[64];
        fmt_num(lo, sizeof lo, min);
        fmt_num(hi, sizeof hi, max);
        fmt_num(got, sizeof got, x);
        return range_fail(c, p, min <= -DBL_MAX ? NULL : lo, max >= DBL_MAX ? NULL : hi, "", got);
    }
    *out = x;
    return 0;
}

int conf_throughput(struct conf *c, const cJSON *obj, const char *path, const char *key, double def, double max,
                    double *out)
{
    if (c->failed)
        return -1;
    double x;
    if (conf_double(c, obj, path, key, def, 0, max, &x) < 0)
        return -1;
    if (x > 0 && x < CONF_MIN_THROUGHPUT) {
        char p[512];
        /* 1e-300 Mbit/s turned a packet's serialisation time into 1e305 ns, which no clock holds. */
        return conf_fail(c, conf_path_key(p, sizeof p, path, key), "must be 0 (unlimited) or at least %g, got %g",
                         CONF_MIN_THROUGHPUT, x);
    }
    *out = x;
    return 0;
}

int conf_bool(struct conf *c, const cJSON *obj, const char *path, const char *key, int def, int *out)
{
    if (c->failed)
        return -1;
    const cJSON *v = NULL;
    char p[512], d[96];
    int r = lookup(c, obj, path, key, &v, p, sizeof p);
    if (r <= 0) {
        if (r == 0)
            *out = def;
        return r;
    }
    if (!cJSON_IsBool(v))
        return conf_fail(c, p, "expected true or false, got %s", conf_describe(v, d, sizeof d));
    *out = cJSON_IsTrue(v);
    return 0;
}

int conf_string(struct conf *c, const cJSON *obj, const char *path, const char *key,
                const char *def, const char **out)
{
    if (c->failed)
        return -1;
    const cJSON *v = NULL;
    char p[512], d[96];
    int r = lookup(c, obj, path, key, &v, p, sizeof p);
    if (r <= 0) {
        if (r == 0)
            *out = def;
        return r;
    }
    if (!cJSON_IsString(v) || v->valuestring == NULL)
        return conf_fail(c, p, "expected a string, got %s", conf_describe(v, d, sizeof d));
    if (v->valuestring[0] == '\0')
        return conf_fail(c, p, "must not be empty");
    *out = v->valuestring;
    return 0;
}

int conf_enum(struct conf *c, const cJSON *obj, const char *path, const char *key,
              const char *const *choices, int def, int *out)
{
    if (c->failed)
        return -1;
    const cJSON *v = NULL;
    char p[512];
    int r = lookup(c, obj, path, key, &v, p, sizeof p);
    if (r <= 0) {
        if (r == 0)
            *out = def;
        return r;
    }
    if (cJSON_IsString(v) && v->valuestring != NULL) {
        for (int i = 0; choices[i] != NULL; i++) {
            if (strcmp(v->valuestring, choices[i]) == 0) {
                *out = i;
                return 0;
            }
        }
    }
    /* A wrong string is shown bare ("mastr"), any other value described (number 1): the expected values are
     * strings, so the quotes alone say it was a string. */
    char m[768];
    struct buf b;
    buf_fixed(&b, m, sizeof m);
    buf_addf(&b, "expected ");
    add_choices(&b, choices, " or ");
    buf_addf(&b, ", got ");
    if (cJSON_IsString(v) && v->valuestring != NULL)
        buf_quote(&b, v->valuestring, CONF_QUOTE_MAX);
    else {
        char d[96];
        buf_addf(&b, "%s", conf_describe(v, d, sizeof d));
    }
    return conf_fail(c, p, "%s", m);
}

/* Writes t / unit exactly, as a decimal without trailing zeros: 1500000 ns in ms is "1.5". Integer arithmetic
 * so that large bounds such as SIM_TIME_MAX print exactly. */
static const char *fmt_time(char *buf, size_t size, sim_time t, sim_time unit, int unit_digits)
{
    uint64_t mag = t < 0 ? (uint64_t)(-(t + 1)) + 1 : (uint64_t)t;     /* -INT64_MIN would overflow */
    uint64_t q = mag / (uint64_t)unit, rem = mag % (uint64_t)unit;
    int n = snprintf(buf, size, "%s%" PRIu64, t < 0 ? "-" : "", q);
    if (rem != 0 && n > 0 && (size_t)n < size) {
        char frac[16];
        snprintf(frac, sizeof frac, "%0*" PRIu64, unit_digits, rem);
        for (size_t k = strlen(frac); k > 0 && frac[k - 1] == '0'; k--)
            frac[k - 1] = '\0';
        snprintf(buf + n, size - (size_t)n, ".%s", frac);
    }
    return buf;
}

int conf_time(struct conf *c, const cJSON *obj, const char *path, const char *key,
              sim_time def, sim_time min, sim_time max, sim_time *out)
{
    if (c->failed)
        return -1;

    static const struct { const char *suffix, *name; sim_time unit; int digits; } units[] = {
        { "_ns", "ns", SIM_NS, 0 }, { "_us", "us", SIM_US, 3 }, { "_ms", "ms", SIM_MS, 6 }, { "_s", "s", SIM_S, 9 },
    };
    size_t klen = strlen(key);
    int u = -1;
    for (int i = 0; i < 4 && u < 0; i++) {
        size_t slen = strlen(units[i].suffix);
        if (klen > slen && strcmp(key + klen - slen, units[i].suffix) == 0)
            u = i;
    }
    if (u < 0) {
        /* A bug in the loader, not in the file: every duration key must carry its unit. */
        char p[512];
        return conf_fail(c, conf_path_key(p, sizeof p, path, key),
                         "conf_time: key \"%s\" has no unit suffix (_ns, _us, _ms or _s)", key);
    }

    char p[512];
    double x;
    int r = lookup_finite(c, obj, path, key, p, sizeof p, &x);
    if (r <= 0) {
        if (r == 0)
            *out = def;
        return r;
    }

    /* Range check in double first, with a margin for rounding, and never near 2^63: the cast below must be
     * defined. 9.2e18 is just under 2^63 (9.22e18). The exact check follows on integers. */
    double ns = x * (double)units[u].unit;
    int in = fabs(ns) < 9.2e18 && ns >= (double)min - 1.0 && ns <= (double)max + 1.0;
    sim_time t = 0;
    if (in) {
        t = (sim_time)round(ns);     /* to nearest, halves away from zero */
        in = t >= min && t <= max;
    }
    if (!in) {
        char lo[48], hi[48], got[64];
        fmt_time(lo, sizeof lo, min, units[u].unit, units[u].digits);
        fmt_time(hi, sizeof hi, max, units[u].unit, units[u].digits);
        fmt_num(got, sizeof got, x);
        return range_fail(c, p, min == INT64_MIN ? NULL : lo, max == INT64_MAX ? NULL : hi, units[u].name, got);
    }
    *out = t;
    return 0;
}
