/* mexpr: parsing and evaluating a sweep's metric expressions. */
#include "sim/lab/mexpr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/keypath.h"

#define MEXPR_MAX_DEPTH 64      /* parentheses and unary minus nested */
#define MEXPR_MAX_INDEX 999999999

struct mpath {
    char *text;                 /* as written, for messages */
    size_t nsteps;
    struct mstep {
        char *key;              /* NULL for an index */
        int index;
    } *steps;
};

/* A node of the expression's tree: a number, a path, a negation (of a), or a binary operation on a and b. */
struct mexpr {
    char op;                    /* 'n' number, 'p' path, '~' negation, or one of + - * / */
    double num;
    struct mpath path;
    struct mexpr *a, *b;
};

struct parser {
    const char *s, *p;
    char *err;
    size_t errsz;
    int failed;
    int depth;
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
        snprintf(ps->err, ps->errsz, "in \"%s\": unexpected end at column %d: expected %s", ps->s,
                 (int)(ps->p - ps->s) + 1, what);
    else
        snprintf(ps->err, ps->errsz, "in \"%s\": unexpected %s at column %d: expected %s", ps->s, got,
                 (int)(ps->p - ps->s) + 1, what);
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

#define EXPECT_OPERAND "a number, a path into metrics.json (like \"groups[0].lag.max_bytes\") or \"(\""

static struct mexpr *node(struct parser *ps, char op, struct mexpr *a, struct mexpr *b)
{
    struct mexpr *e = calloc(1, sizeof *e);
    if (!e) {
        mexpr_free(a);
        mexpr_free(b);
        if (!ps->failed)
            snprintf(ps->err, ps->errsz, "out of memory");
        ps->failed = 1;
        return NULL;
    }
    e->op = op;
    e->a = a;
    e->b = b;
    return e;
}

/* A number: digits, an optional fraction, an optional exponent ("2", "0.5", "1e6"; no sign, no "inf"). */
static struct mexpr *parse_number(struct parser *ps)
{
    const char *q = ps->p;
    while (*q >= '0' && *q <= '9')
        q++;
    if (*q == '.') {
        q++;
        if (!(*q >= '0' && *q <= '9')) {
            ps->p = q;
            fail_at(ps, "a digit after \".\"");
            return NULL;
        }
        while (*q >= '0' && *q <= '9')
            q++;
    }
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (!(*q >= '0' && *q <= '9')) {
            ps->p = q;
            fail_at(ps, "the exponent's digits");
            return NULL;
        }
        while (*q >= '0' && *q <= '9')
            q++;
    }
    char buf[128];
    if ((size_t)(q - ps->p) >= sizeof buf) {
        fail_at(ps, "a number of fewer than 128 characters");
        return NULL;
    }
    memcpy(buf, ps->p, (size_t)(q - ps->p));
    buf[q - ps->p] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v)) {
        fail_at(ps, "a number small enough for a double");
        return NULL;
    }
    struct mexpr *e = node(ps, 'n', NULL, NULL);
    if (e)
        e->num = v;
    ps->p = q;
    return e;
}

static struct mexpr *parse_sum(struct parser *ps);

/* primary := NUMBER | PATH | '(' sum ')';  unary := '-' unary | primary */
static struct mexpr *parse_unary(struct parser *ps)
{
    skip_space(ps);
    if (ps->depth >= MEXPR_MAX_DEPTH) {
        fail_at(ps, "fewer nested parentheses and signs (64 at most)");
        return NULL;
    }
    struct mexpr *e;
    if (*ps->p == '-') {
        ps->p++;
        ps->depth++;
        e = parse_unary(ps);
        ps->depth--;
        return e ? node(ps, '~', e, NULL) : NULL;
    }
    if (*ps->p == '(') {
        ps->p++;
        ps->depth++;
        e = parse_sum(ps);
        ps->depth--;
        if (!e)
            return NULL;
        skip_space(ps);
        if (*ps->p != ')') {
            fail_at(ps, "an operator (+ - * /) or \")\"");
            mexpr_free(e);
            return NULL;
        }
        ps->p++;
        return e;
    }
    if ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.')
        return parse_number(ps);
    if (!((*ps->p >= 'A' && *ps->p <= 'Z') || (*ps->p >= 'a' && *ps->p <= 'z') || *ps->p == '_')) {
        fail_at(ps, EXPECT_OPERAND);
        return NULL;
    }
    e = node(ps, 'p', NULL, NULL);
    if (e && parse_path(ps, &e->path) < 0) {
        mexpr_free(e);
        return NULL;
    }
    return e;
}

/* product := unary ( ('*' | '/') unary )* */
static struct mexpr *parse_product(struct parser *ps)
{
    struct mexpr *e = parse_unary(ps);
    for (;;) {
        if (!e)
            return NULL;
        skip_space(ps);
        if (*ps->p != '*' && *ps->p != '/')
            return e;
        char op = *ps->p++;
        struct mexpr *b = parse_unary(ps);
        if (!b) {
            mexpr_free(e);
            return NULL;
        }
        e = node(ps, op, e, b);
    }
}

/* sum := product ( ('+' | '-') product )* */
static struct mexpr *parse_sum(struct parser *ps)
{
    struct mexpr *e = parse_product(ps);
    for (;;) {
        if (!e)
            return NULL;
        skip_space(ps);
        if (*ps->p != '+' && *ps->p != '-')
            return e;
        char op = *ps->p++;
        struct mexpr *b = parse_product(ps);
        if (!b) {
            mexpr_free(e);
            return NULL;
        }
        e = node(ps, op, e, b);
    }
}

void mexpr_free(struct mexpr *e)
{
    if (!e)
        return;
    mexpr_free(e->a);
    mexpr_free(e->b);
    path_free(&e->path);
    free(e);
}

struct mexpr *mexpr_parse(const char *text, char *err, size_t errsz)
{
    struct parser ps = {.s = text, .p = text, .err = err, .errsz = errsz};
    skip_space(&ps);
    if (!*ps.p) {
        snprintf(err, errsz, "empty expression: expected %s", EXPECT_OPERAND);
        return NULL;
    }
    struct mexpr *e = parse_sum(&ps);
    if (!e)
        return NULL;
    skip_space(&ps);
    if (*ps.p) {
        fail_at(&ps, "an operator (+ - * /) or the end");
        mexpr_free(e);
        return NULL;
    }
    return e;
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

/* open: an empty object or array on the way takes any path (a run's start, where they have not filled yet). */
static double path_eval(const struct mpath *p, const cJSON *root, char *err, size_t errsz, int open)
{
    const cJSON *v = root;
    for (size_t i = 0; i < p->nsteps; i++) {
        const struct mstep *st = &p->steps[i];
        if (cJSON_IsNull(v))
            return NAN;     /* e.g. "failover": null in a run where nothing failed */
        if (open && (cJSON_IsObject(v) || cJSON_IsArray(v)) && !v->child)
            return NAN;
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

static double eval(const struct mexpr *e, const cJSON *root, char *err, size_t errsz, int open)
{
    if (err && errsz)
        err[0] = '\0';
    double a, b;
    switch (e->op) {
    case 'n':
        return e->num;
    case 'p':
        return path_eval(&e->path, root, err, errsz, open);
    case '~':
        return -eval(e->a, root, err, errsz, open);     /* NaN stays NaN */
    default:
        break;
    }
    a = eval(e->a, root, err, errsz, open);
    if (err && err[0])
        return NAN;
    b = eval(e->b, root, err, errsz, open);
    if (err && err[0])
        return NAN;
    switch (e->op) {
    case '+':
        return a + b;
    case '-':
        return a - b;
    case '*':
        return a * b;
    default:
        return b == 0 ? NAN : a / b;    /* NaN in either stays NaN */
    }
}

double mexpr_eval(const struct mexpr *e, const cJSON *root, char *err, size_t errsz)
{
    return eval(e, root, err, errsz, 0);
}

int mexpr_check_start(const struct mexpr *e, const cJSON *start, char *err, size_t errsz)
{
    eval(e, start, err, errsz, 1);
    return err[0] ? -1 : 0;
}
