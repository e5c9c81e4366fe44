/* conf_get: the typed getters: a key's value read with its type and range checked, or its default. */
#include "sim/conf.h"
#include "sim/conf_int.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/buf.h"

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
    conf_fmt_num(got, sizeof got, x);

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
    double x = 0;   /* set by lookup_finite when it returns 1 (-O3 cannot see it) */
    int r = lookup_finite(c, obj, path, key, p, sizeof p, &x);
    if (r <= 0) {
        if (r == 0)
            *out = def;
        return r;
    }
    if (x < min || x > max) {
        char lo[64], hi[64], got[64];
        conf_fmt_num(lo, sizeof lo, min);
        conf_fmt_num(hi, sizeof hi, max);
        conf_fmt_num(got, sizeof got, x);
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
    double x = 0;   /* set by conf_double when it returns 0 (-O3 cannot see it) */
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
    conf_choices(&b, choices, " or ");
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
    double x = 0;   /* set by lookup_finite when it returns 1 (-O3 cannot see it) */
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
        conf_fmt_num(got, sizeof got, x);
        return range_fail(c, p, min == INT64_MIN ? NULL : lo, max == INT64_MAX ? NULL : hi, units[u].name, got);
    }
    *out = t;
    return 0;
}
