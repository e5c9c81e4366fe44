/* mexpr: parsing and evaluating a sweep's metric expressions. */
#include "sim/lab/mexpr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/keypath.h"

#define MEXPR_MAX_SUM 16        /* paths in one parenthesised sum */
#define MEXPR_MAX_INDEX 999999999

struct mpath {
    char *text;                 /* as written, for messages */
    size_t nsteps;
    struct mstep {
        char *key;              /* NULL for an index */
        int index;
    } *steps;
};

struct mterm {
    size_t n;
    struct mpath p[MEXPR_MAX_SUM];
};

struct mexpr {
    struct mterm num, den;
    int has_den;
};

struct parser {
    const char *s, *p;
    char *err;
    size_t errsz;
    int failed;
};

static void skip_space(struct parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
}

/* Describes the token at p for a message: `"*"`, `"+"`, or `the end`. */
static void describe_at(const char *p, char *buf, size_t size)
{
    if (!*p)
        snprintf(buf, size, "the end");
    else if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
        snprintf(buf, size, "byte 0x%02x", (unsigned char)*p);
    else if (*p == '"')
        snprintf(buf, size, "'\"'");
    else
        snprintf(buf, size, "\"%c\"", *p);
}

static int fail_at(struct parser *ps, const char *what)
{
    if (ps->failed)
        return -1;
    char got[32];
    describe_at(ps->p, got, sizeof got);
    if (!*ps->p)
        snprintf(ps->err, ps->errsz, "unexpected end at column %d: expected %s", (int)(ps->p - ps->s) + 1, what);
    else
        snprintf(ps->err, ps->errsz, "unexpected %s at column %d: expected %s", got, (int)(ps->p - ps->s) + 1,
                 what);
    ps->failed = 1;
    return -1;
}

static void path_free(struct mpath *p)
{
    for (size_t i = 0; i < p->nsteps; i++)
        free(p->steps[i].key);
    free(p->steps);
    free(p->text);
    memset(p, 0, sizeof *p);
}

static int add_step(struct parser *ps, struct mpath *path, const char *key, size_t klen, int index)
{
    struct mstep *st = realloc(path->steps, (path->nsteps + 1) * sizeof *st);
    if (!st)
        goto oom;
    path->steps = st;
    st = &path->steps[path->nsteps];
    st->key = NULL;
    st->index = index;
    if (key) {
        st->key = malloc(klen + 1);
        if (!st->key)
            goto oom;
        memcpy(st->key, key, klen);
        st->key[klen] = '\0';
    }
    path->nsteps++;
    return 0;
oom:
    snprintf(ps->err, ps->errsz, "out of memory");
    ps->failed = 1;
    return -1;
}

static int parse_path(struct parser *ps, struct mpath *path)
{
    const char *start = ps->p;
    struct keypath kp;
    struct keypath_step st;
    int r;
    keypath_init(&kp, ps->p, NULL, KEYPATH_NAMES, MEXPR_MAX_INDEX);
    while ((r = keypath_next(&kp, &st)) > 0)
        if (add_step(ps, path, st.key, st.len, (int)st.index) < 0)
            return -1;
    ps->p = kp.p;
    if (r < 0) {
        switch (kp.err) {
        case KEYPATH_NO_DIGITS:
            return fail_at(ps, "an index (digits)");
        case KEYPATH_TOO_BIG:
            return fail_at(ps, "a smaller index");
        case KEYPATH_NO_CLOSE:
            return fail_at(ps, "\"]\"");
        default:
            return fail_at(ps, path->nsteps == 0 ? "a path into metrics.json, like \"groups[0].lag.max_bytes\""
                                                 : "a key after \".\"");
        }
    }
    size_t n = (size_t)(ps->p - start);
    path->text = malloc(n + 1);
    if (!path->text) {
        snprintf(ps->err, ps->errsz, "out of memory");
        ps->failed = 1;
        return -1;
    }
    memcpy(path->text, start, n);
    path->text[n] = '\0';
    return 0;
}

static int parse_term(struct parser *ps, struct mterm *t)
{
    skip_space(ps);
    if (*ps->p != '(') {
        t->n = 1;
        return parse_path(ps, &t->p[0]);
    }
    ps->p++;
    for (;;) {
        skip_space(ps);
        if (t->n == MEXPR_MAX_SUM) {
            snprintf(ps->err, ps->errsz, "more than %d paths in one sum", MEXPR_MAX_SUM);
            ps->failed = 1;
            return -1;
        }
        if (parse_path(ps, &t->p[t->n++]) < 0)
            return -1;
        skip_space(ps);
        if (*ps->p == ')') {
            ps->p++;
            return 0;
        }
        if (*ps->p != '+')
            return fail_at(ps, "\"+\" or \")\"");
        ps->p++;
    }
}

void mexpr_free(struct mexpr *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->num.n; i++)
        path_free(&e->num.p[i]);
    for (size_t i = 0; i < e->den.n; i++)
        path_free(&e->den.p[i]);
    free(e);
}

struct mexpr *mexpr_parse(const char *text, char *err, size_t errsz)
{
    struct parser ps = {.s = text, .p = text, .err = err, .errsz = errsz};
    struct mexpr *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    skip_space(&ps);
    if (!*ps.p) {
        snprintf(err, errsz, "empty expression: expected a path into metrics.json, like \"groups[0].lag.max_bytes\"");
        goto fail;
    }
    if (parse_term(&ps, &e->num) < 0)
        goto fail;
    skip_space(&ps);
    if (*ps.p == '/') {
        ps.p++;
        e->has_den = 1;
        if (parse_term(&ps, &e->den) < 0)
            goto fail;
        skip_space(&ps);
        if (*ps.p == '/') {
            fail_at(&ps, "the end (one \"/\" at most)");
            goto fail;
        }
    }
    if (*ps.p == '+') {
        fail_at(&ps, e->has_den ? "the end (a sum goes in parentheses: (a + b))"
                                : "\"/\" or the end (a sum goes in parentheses: (a + b))");
        goto fail;
    }
    if (*ps.p) {
        fail_at(&ps, e->has_den ? "the end" : "\"/\" or the end");
        goto fail;
    }
    return e;
fail:
    mexpr_free(e);
    return NULL;
}

/* Lists an object's keys into buf, for "no key here" messages. */
static void list_keys(const cJSON *obj, char *buf, size_t size)
{
    size_t len = 0;
    int n = 0;
    buf[0] = '\0';
    for (const cJSON *c = obj->child; c && len + 1 < size; c = c->next, n++) {
        int w = n == 12 ? snprintf(buf + len, size - len, ", ...")
                        : snprintf(buf + len, size - len, "%s%s", n ? ", " : "", c->string ? c->string : "");
        if (w < 0 || n == 12)
            break;
        len += (size_t)w;
    }
}

static double path_eval(const struct mpath *p, const cJSON *root, char *err, size_t errsz)
{
    const cJSON *v = root;
    for (size_t i = 0; i < p->nsteps; i++) {
        const struct mstep *st = &p->steps[i];
        if (cJSON_IsNull(v))
            return NAN;     /* e.g. "failover": null in a run where nothing failed */
        const cJSON *next = NULL;
        if (st->key) {
            if (!cJSON_IsObject(v)) {
                if (err)
                    snprintf(err, errsz, "%s: \"%s\" is not an object's key here (%s)", p->text, st->key,
                             cJSON_IsArray(v) ? "an array" : "a value");
                return NAN;
            }
            next = cJSON_GetObjectItemCaseSensitive(v, st->key);
            if (!next) {
                if (err) {
                    char keys[256];
                    list_keys(v, keys, sizeof keys);
                    snprintf(err, errsz, "%s: no key \"%s\" in metrics.json (keys there: %s)", p->text, st->key,
                             keys);
                }
                return NAN;
            }
        } else {
            if (!cJSON_IsArray(v)) {
                if (err)
                    snprintf(err, errsz, "%s: [%d] indexes something that is not an array", p->text, st->index);
                return NAN;
            }
            next = cJSON_GetArrayItem(v, st->index);
            if (!next) {
                if (err)
                    snprintf(err, errsz, "%s: index [%d] is past the end of an array of %d", p->text, st->index,
                             cJSON_GetArraySize(v));
                return NAN;
            }
        }
        v = next;
    }
    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (!cJSON_IsNull(v) && err)
        snprintf(err, errsz, "%s: is %s in metrics.json, not a number", p->text,
                 cJSON_IsString(v) ? "a string" : cJSON_IsBool(v) ? "a boolean"
                 : cJSON_IsArray(v) ? "an array" : "an object");
    return NAN;
}

static double term_eval(const struct mterm *t, const cJSON *root, char *err, size_t errsz)
{
    double sum = 0;
    for (size_t i = 0; i < t->n; i++) {
        double v = path_eval(&t->p[i], root, err, errsz);
        if (err && err[0])
            return NAN;
        sum += v;   /* NaN stays NaN */
    }
    return sum;
}

double mexpr_eval(const struct mexpr *e, const cJSON *root, char *err, size_t errsz)
{
    if (err && errsz)
        err[0] = '\0';
    double num = term_eval(&e->num, root, err, errsz);
    if (!e->has_den || (err && err[0]))
        return e->has_den ? NAN : num;
    double den = term_eval(&e->den, root, err, errsz);
    if (isnan(num) || isnan(den) || den == 0)
        return NAN;
    return num / den;
}
