/* dist: parsing and sampling of distributions. The unit lives in each key's suffix so a scenario reads
 * unambiguously ("median_ms": 2), and a wrong or missing unit is an error rather than a silent 1000x. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dist.h"

struct unit_suffix {
    const char *suffix;
    enum sim_unit unit;
    double factor;      /* to the base unit */
};

static const struct unit_suffix suffixes[] = {
    {"_ns", SIM_UNIT_TIME, 1.0},
    {"_us", SIM_UNIT_TIME, 1e3},
    {"_ms", SIM_UNIT_TIME, 1e6},
    {"_s", SIM_UNIT_TIME, 1e9},
    {"_bytes", SIM_UNIT_BYTES, 1.0},
    {"_kib", SIM_UNIT_BYTES, 1024.0},
    {"_mib", SIM_UNIT_BYTES, 1048576.0},
    {"_per_s", SIM_UNIT_RATE, 1.0},
    {"_per_min", SIM_UNIT_RATE, 1.0 / 60.0},
};
#define NSUFFIX (sizeof suffixes / sizeof suffixes[0])

/* The suffix messages name for unit: the one the README's examples use. */
static const char *usual_suffix(enum sim_unit u)
{
    return u == SIM_UNIT_TIME ? "_ms" : u == SIM_UNIT_BYTES ? "_bytes" : "_per_s";
}

static const char *unit_name(enum sim_unit u)
{
    switch (u) {
    case SIM_UNIT_TIME: return "a duration (_ns, _us, _ms or _s)";
    case SIM_UNIT_BYTES: return "a size (_bytes, _kib or _mib)";
    default: return "a rate (_per_s or _per_min)";
    }
}

/* The suffix the scenario used for a parameter ("_ms" of "max_ms"), for messages. */
static const char *unit_suffix_of(const cJSON *obj, const char *base)
{
    size_t bl = strlen(base);
    for (const cJSON *k = obj->child; k; k = k->next)
        if (strncmp(k->string, base, bl) == 0 && k->string[bl] == '_')
            return k->string + bl;
    return "";
}

static const char *article(const char *word) { return word[0] == 'e' ? "an" : "a"; }   /* exp, empirical */

static const char *const kind_names[] = {"const", "uniform", "exp", "normal", "lognormal", "pareto",
                                         "empirical", NULL};

/* Parameters with a unit, per kind, and the unitless one (NULL if none). */
static const char *const params[][3] = {
    {"value", NULL, NULL}, {"min", "max", NULL}, {"mean", NULL, NULL}, {"mean", "sd", NULL},
    {"median", NULL, NULL}, {"scale", NULL, NULL}, {"values", NULL, NULL},
};
static const char *const unitless[] = {NULL, NULL, NULL, NULL, "sigma", "shape", NULL};

/* Finds the known suffix ending key (the longest match, so "_per_s" wins over "_s"). */
static const struct unit_suffix *find_suffix(const char *key, size_t *base_len)
{
    const struct unit_suffix *best = NULL;
    size_t klen = strlen(key), blen = 0;
    for (size_t i = 0; i < NSUFFIX; i++) {
        size_t sl = strlen(suffixes[i].suffix);
        if (klen > sl && strcmp(key + klen - sl, suffixes[i].suffix) == 0 &&
            (!best || sl > strlen(best->suffix))) {
            best = &suffixes[i];
            blen = klen - sl;
        }
    }
    *base_len = blen;
    return best;
}

static int is_param(int kind, const char *base, size_t len)
{
    for (int i = 0; i < 3 && params[kind][i]; i++)
        if (strlen(params[kind][i]) == len && strncmp(params[kind][i], base, len) == 0)
            return 1;
    return 0;
}

static int read_value(struct conf *c, const cJSON *v, const char *path, const struct unit_suffix *u, double max,
                      double *out)
{
    char d[96];
    if (!cJSON_IsNumber(v))
        return conf_fail(c, path, "expected a number, got %s", conf_describe(v, d, sizeof d));
    double x = v->valuedouble * u->factor;
    if (!isfinite(x) || x < 0 || x > max)
        return conf_fail(c, path, "must be between 0 and %.15g %s, got %.15g", max / u->factor, u->suffix + 1,
                         v->valuedouble);
    *out = x;
    return 0;
}

int sim_dist_parse(struct conf *c, const cJSON *v, const char *path, enum sim_unit unit, double max,
                   struct sim_dist *out)
{
    char p[512], d[96];
    if (c->failed)
        return -1;
    if (!cJSON_IsObject(v))
        return conf_fail(c, path, "expected a distribution object such as {\"const_ms\": 5}, got %s",
                         conf_describe(v, d, sizeof d));
    memset(out, 0, sizeof *out);
    out->unit = unit;

    int kind = SIM_DIST_CONST;
    const cJSON *dn = conf_child(v, "dist");
    if (dn && conf_enum(c, v, path, "dist", kind_names, 0, &kind) < 0)
        return -1;
    out->kind = (enum sim_dist_kind)kind;

    /* Go through the keys: the unit must fit, the parameter must belong to this kind. */
    double val[2] = {NAN, NAN};
    const cJSON *values = NULL;
    const struct unit_suffix *vunit = NULL;
    int seen_unitless = 0, seen_offset = 0;
    for (const cJSON *k = v->child; k; k = k->next) {
        const char *key = k->string;
        conf_path_key(p, sizeof p, path, key);
        if (strcmp(key, "dist") == 0)
            continue;
        if (unitless[kind] && strcmp(key, unitless[kind]) == 0) {
            if (!cJSON_IsNumber(k) || !isfinite(k->valuedouble))
                return conf_fail(c, p, "expected a number, got %s", conf_describe(k, d, sizeof d));
            double lim = kind == SIM_DIST_LOGNORMAL ? 10.0 : 1e6;
            if (kind == SIM_DIST_LOGNORMAL ? (k->valuedouble < 0 || k->valuedouble > lim)
                                           : (k->valuedouble <= 0 || k->valuedouble > lim))
                return conf_fail(c, p, "must be %s %g, got %g",
                                 kind == SIM_DIST_LOGNORMAL ? "between 0 and" : "above 0 and at most", lim,
                                 k->valuedouble);
            out->b = k->valuedouble;
            seen_unitless = 1;
            continue;
        }
        size_t blen;
        const struct unit_suffix *s = find_suffix(key, &blen);
        if (!s) {
            if (is_param(kind, key, strlen(key)))
                return conf_fail(c, p, "missing unit: \"%s\" must end in the unit of %s", key,
                                 unit_name(unit));
            goto unknown;
        }
        if (blen == 6 && strncmp(key, "offset", 6) == 0) {
            if (s->unit != unit)
                return conf_fail(c, p, "wrong unit: expected %s", unit_name(unit));
            if (seen_offset++)
                return conf_fail(c, p, "offset given twice (with another unit)");
            if (read_value(c, k, p, s, max, &out->off) < 0)
                return -1;
            continue;
        }
        if (!is_param(kind, key, blen)) {
            if (!dn && blen == 5 && strncmp(key, "const", 5) == 0)
                ;   /* the {"const_ms": v} shorthand */
            else
                goto unknown;
        }
        if (s->unit != unit)
            return conf_fail(c, p, "wrong unit: expected %s", unit_name(unit));
        int slot = (blen == 3 && (strncmp(key, "max", 3) == 0)) || (blen == 2 && strncmp(key, "sd", 2) == 0);
        if (!isnan(val[slot]) || (kind == SIM_DIST_EMPIRICAL && values))
            return conf_fail(c, p, "the parameter is given twice");
        if (kind == SIM_DIST_EMPIRICAL) {
            if (!cJSON_IsArray(k) || cJSON_GetArraySize(k) < 1)
                return conf_fail(c, p, "expected a non-empty array of numbers, got %s",
                                 cJSON_IsArray(k) ? "an empty array" : conf_describe(k, d, sizeof d));
            if (cJSON_GetArraySize(k) > 1000000)
                return conf_fail(c, p, "at most 1000000 values, got %d", cJSON_GetArraySize(k));
            values = k;
            vunit = s;
            continue;
        }
        if (read_value(c, k, p, s, max, &val[slot]) < 0)
            return -1;
        continue;
    unknown:;
        /* Name what this kind takes, in the unit expected. */
        const char *us = usual_suffix(unit);
        char want[160] = "";
        for (int i = 0; i < 3 && params[kind][i]; i++) {
            size_t l = strlen(want);
            snprintf(want + l, sizeof want - l, "%s\"%s%s\"", l ? ", " : "", dn ? params[kind][i] : "const", us);
        }
        if (dn && unitless[kind]) {
            size_t l = strlen(want);
            snprintf(want + l, sizeof want - l, ", \"%s\"", unitless[kind]);
        }
        return conf_fail(c, p, "unknown key \"%s\" for %s %s distribution (expected %s)", key,
                         article(kind_names[kind]), kind_names[kind], want);
    }

    /* Every parameter present, and consistent. */
    const char *need = NULL;
    if (kind == SIM_DIST_EMPIRICAL) {
        if (!values)
            need = "values";
    } else {
        if (isnan(val[0]))
            need = dn ? params[kind][0] : "const";
        else if (params[kind][1] && isnan(val[1]))
            need = params[kind][1];
        else if (unitless[kind] && !seen_unitless)
            need = unitless[kind];
    }
    if (need) {
        int has_unit = !(unitless[kind] && strcmp(need, unitless[kind]) == 0);
        return conf_fail(c, path, "%s %s distribution needs \"%s%s\"", article(kind_names[kind]), kind_names[kind], need,
                         has_unit ? usual_suffix(unit) : "");
    }

    switch (out->kind) {
    case SIM_DIST_CONST: out->a = val[0]; break;
    case SIM_DIST_EXP: out->a = val[0]; break;
    case SIM_DIST_UNIFORM:
        out->a = val[0];
        out->b = val[1];
        if (out->b < out->a) {
            const cJSON *mx = conf_child(v, "max"), *mn = NULL;
            char kmax[64], kmin[64];
            snprintf(kmax, sizeof kmax, "max%s", unit_suffix_of(v, "max"));
            snprintf(kmin, sizeof kmin, "min%s", unit_suffix_of(v, "min"));
            mx = conf_child(v, kmax);
            mn = conf_child(v, kmin);
            return conf_fail(c, path, "\"%s\" (%.15g) is below \"%s\" (%.15g)", kmax, mx ? mx->valuedouble : 0,
                             kmin, mn ? mn->valuedouble : 0);
        }
        break;
    case SIM_DIST_NORMAL:
        out->a = val[0];
        out->b = val[1];   /* a mean of 0 gives a half-normal */
        break;
    case SIM_DIST_LOGNORMAL:
        if (val[0] <= 0)
            return conf_fail(c, path, "the median of a lognormal must be above 0");
        out->a = log(val[0]);
        if (exp(out->a + 3 * out->b) > max)
            return conf_fail(c, path, "median * exp(3 * sigma) must be at most %g%s; sigma is too large",
                             unit == SIM_UNIT_TIME ? max / 1e6 : max, unit == SIM_UNIT_TIME ? " ms" : "");
        break;
    case SIM_DIST_PARETO:
        if (val[0] <= 0)
            return conf_fail(c, path, "the scale of a pareto must be above 0");
        out->a = val[0];
        break;
    case SIM_DIST_EMPIRICAL: {
        int n = cJSON_GetArraySize(values);
        out->values = malloc((size_t)n * sizeof *out->values);
        out->refs = malloc(sizeof *out->refs);
        if (!out->values || !out->refs) {
            free(out->values);
            free(out->refs);
            out->values = NULL;
            out->refs = NULL;
            return conf_fail(c, path, "out of memory");
        }
        *out->refs = 1;
        out->n = (uint32_t)n;
        int i = 0;
        char key[64];
        snprintf(key, sizeof key, "values%s", values->string + 6);
        for (const cJSON *x = values->child; x; x = x->next, i++) {
            char pk[512];
            conf_path_index(pk, sizeof pk, conf_path_key(p, sizeof p, path, values->string), i);
            if (read_value(c, x, pk, vunit, max, &out->values[i]) < 0) {
                sim_dist_free(out);
                return -1;
            }
        }
        break;
    }
    }
    return 0;
}

static void put_key(char (*names)[SIM_DIST_KEY_MAX], int max, int *n, const char *base, const char *suffix)
{
    if (*n < max)
        snprintf(names[*n], SIM_DIST_KEY_MAX, "%s%s", base, suffix);
    (*n)++;
}

int sim_dist_keys(enum sim_unit unit, char (*names)[SIM_DIST_KEY_MAX], int max)
{
    const char *us = usual_suffix(unit);
    int n = 0;
    put_key(names, max, &n, "dist", "");
    put_key(names, max, &n, "const", us);
    for (int k = 0; kind_names[k]; k++) {
        for (int i = 0; i < 3 && params[k][i]; i++)
            put_key(names, max, &n, params[k][i], us);
        if (unitless[k])
            put_key(names, max, &n, unitless[k], "");
    }
    put_key(names, max, &n, "offset", us);
    return n;
}

const char *sim_dist_suffix(enum sim_unit unit, int i)
{
    for (size_t k = 0; k < NSUFFIX; k++)
        if (suffixes[k].unit == unit && i-- == 0)
            return suffixes[k].suffix;
    return NULL;
}

int sim_dist_get(struct conf *c, const cJSON *obj, const char *path, const char *key, enum sim_unit unit,
                 double max, const struct sim_dist *def, struct sim_dist *out)
{
    char p[512];
    const cJSON *v = conf_child(obj, key);
    if (c->failed)
        return -1;
    if (!v) {
        if (sim_dist_copy(out, def) < 0)
            return conf_fail(c, path, "out of memory");
        return 0;
    }
    return sim_dist_parse(c, v, conf_path_key(p, sizeof p, path, key), unit, max, out);
}

struct sim_dist sim_dist_const(enum sim_unit unit, double value)
{
    struct sim_dist d = {.kind = SIM_DIST_CONST, .unit = unit, .a = value};
    return d;
}

static double draw(const struct sim_dist *d, struct sim_rng *r)
{
    switch (d->kind) {
    case SIM_DIST_CONST:
        return d->a;
    case SIM_DIST_UNIFORM:
        return d->a + (d->b - d->a) * sim_rng_uniform(r);
    case SIM_DIST_EXP:
        return sim_rng_exp(r, d->a);
    case SIM_DIST_NORMAL:
        /* Truncated at 0 by redrawing; after many misses (a mean far below 0 cannot be configured, but a
         * tiny mean with a huge sd can) fall back to 0 so a draw always ends. */
        for (int i = 0; i < 64; i++) {
            double x = d->a + d->b * sim_rng_gaussian(r);
            if (x >= 0)
                return x;
        }
        return 0;
    case SIM_DIST_LOGNORMAL:
        return exp(d->a + d->b * sim_rng_gaussian(r));
    case SIM_DIST_PARETO:
        /* Inverse CDF: x = xm * U^(-1/alpha), U in (0, 1]. */
        return d->a * pow(sim_rng_uniform_pos(r), -1.0 / d->b);
    case SIM_DIST_EMPIRICAL:
        return d->values[sim_rng_below(r, d->n)];
    }
    return 0;
}

double sim_dist_sample(const struct sim_dist *d, struct sim_rng *r)
{
    return d->off + draw(d, r);
}

static double mean_of(const struct sim_dist *d)
{
    switch (d->kind) {
    case SIM_DIST_CONST: return d->a;
    case SIM_DIST_UNIFORM: return (d->a + d->b) / 2;
    case SIM_DIST_EXP: return d->a;
    case SIM_DIST_NORMAL: {
        /* Mean of a normal truncated to [0, inf). */
        if (d->b == 0)
            return d->a;
        double z = -d->a / d->b;
        double pdf = exp(-z * z / 2) / 2.5066282746310002 /* sqrt(2 pi) */;
        double tail = 0.5 * erfc(z / sqrt(2));
        return d->a + d->b * pdf / tail;
    }
    case SIM_DIST_LOGNORMAL: return exp(d->a + d->b * d->b / 2);
    case SIM_DIST_PARETO: return d->b > 1 ? d->b * d->a / (d->b - 1) : INFINITY;
    case SIM_DIST_EMPIRICAL: {
        double s = 0;
        for (uint32_t i = 0; i < d->n; i++)
            s += d->values[i];
        return s / d->n;
    }
    }
    return 0;
}

double sim_dist_mean(const struct sim_dist *d)
{
    return d->off + mean_of(d);
}

int sim_dist_copy(struct sim_dist *dst, const struct sim_dist *src)
{
    *dst = *src;
    if (src->kind != SIM_DIST_EMPIRICAL || !src->values)
        return 0;
    if (src->refs) {
        (*src->refs)++;
        return 0;
    }
    dst->values = malloc((size_t)src->n * sizeof *dst->values);
    dst->refs = malloc(sizeof *dst->refs);
    if (!dst->values || !dst->refs) {
        free(dst->values);
        free(dst->refs);
        dst->values = NULL;
        dst->refs = NULL;
        return -1;
    }
    memcpy(dst->values, src->values, (size_t)src->n * sizeof *dst->values);
    *dst->refs = 1;
    return 0;
}

void sim_dist_free(struct sim_dist *d)
{
    if (d->kind == SIM_DIST_EMPIRICAL) {
        if (!d->refs) {
            free(d->values);
        } else if (--*d->refs == 0) {
            free(d->values);
            free(d->refs);
        }
    }
    d->values = NULL;
    d->refs = NULL;
    d->n = 0;
}
