/* test_dist: seeded random streams (sim/rng.h) and distributions read from JSON (sim/dist.h): every form,
 * units, sample means against sim_dist_mean, and every error with its JSON path. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/conf.h"
#include "sim/dist.h"
#include "sim/rng.h"
#include "sim/time.h"
#include "tests/harness.h"

#define FILE_NAME "t.json"
#define PATH "$.d"
#define MAX_DELAY (86400.0 * 1e9)   /* what the engine's loaders allow: one day */
#define DRAWS 200000

/* For checks on hot paths: Check's ck_assert records a mark point on every call, which costs a write. */
#define REQUIRE(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)

/* Parses json as a distribution at "$.d". Returns sim_dist_parse's result; c holds the error. */
static int parse(const char *json, enum sim_unit unit, double max, struct conf *c, struct sim_dist *d)
{
    cJSON *v = cJSON_Parse(json);
    ck_assert_msg(v != NULL, "test JSON does not parse: %s", json);
    conf_init(c, FILE_NAME);
    memset(d, 0, sizeof *d);
    int rc = sim_dist_parse(c, v, PATH, unit, max, d);
    cJSON_Delete(v);
    ck_assert_int_eq(rc, c->failed ? -1 : 0);
    return rc;
}

static void parse_ok(const char *json, enum sim_unit unit, struct sim_dist *d)
{
    struct conf c;
    int rc = parse(json, unit, unit == SIM_UNIT_TIME ? MAX_DELAY : 1e12, &c, d);
    ck_assert_msg(rc == 0, "%s: %s", json, c.err);
}

static int close_rel(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fabs(b);
}

/* ---- rng ----------------------------------------------------------------------------------------------- */

START_TEST(test_rng_same_and_different)
{
    struct sim_rng *a = sim_rng_new(42, "node", "net");
    struct sim_rng *b = sim_rng_new(42, "node", "net");
    struct sim_rng *others[] = {
        sim_rng_new(43, "node", "net"), sim_rng_new(42, "node2", "net"), sim_rng_new(42, "node", "disk"),
        sim_rng_new(42, "nodenet", ""), sim_rng_new(42, "", "nodenet"), sim_rng_new(42, "nod", "enet"),
    };
    double xa[100], xb[100];
    for (int i = 0; i < 100; i++) {
        xa[i] = sim_rng_uniform(a);
        xb[i] = sim_rng_uniform(b);
    }
    ck_assert_int_eq(memcmp(xa, xb, sizeof xa), 0);
    for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
        int eq = 0;
        for (int i = 0; i < 100; i++)
            eq += sim_rng_uniform(others[k]) == xa[i];
        ck_assert_msg(eq < 3, "stream %zu matches the reference in %d of 100 draws", k, eq);
        sim_rng_free(others[k]);
    }
    sim_rng_free(a);
    sim_rng_free(b);
    sim_rng_free(NULL);
}
END_TEST

START_TEST(test_rng_derive)
{
    ck_assert_uint_eq(sim_rng_derive(1, "a", "b"), sim_rng_derive(1, "a", "b"));
    ck_assert_uint_ne(sim_rng_derive(1, "a", "b"), sim_rng_derive(2, "a", "b"));
    ck_assert_uint_ne(sim_rng_derive(1, "ab", "c"), sim_rng_derive(1, "a", "bc"));
    ck_assert_uint_ne(sim_rng_derive(1, "a", "b"), sim_rng_derive(1, "b", "a"));
    ck_assert_uint_eq(sim_rng_derive(1, NULL, "x"), sim_rng_derive(1, "", "x"));
    ck_assert_uint_eq(sim_rng_derive(1, "x", NULL), sim_rng_derive(1, "x", ""));
}
END_TEST

/* Thousands of streams (a node each) start in distinct places: no two share their first draws. */
static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

START_TEST(test_rng_many_streams)
{
    enum { K = 5000 };
    static uint64_t first[K];
    for (int i = 0; i < K; i++) {
        char name[32];
        snprintf(name, sizeof name, "broker-%d", i);
        struct sim_rng *r = sim_rng_new(7, name, "net");
        ck_assert_ptr_nonnull(r);
        uint64_t hi = sim_rng_below(r, 1ULL << 32), lo = sim_rng_below(r, 1ULL << 32);
        first[i] = hi << 32 | lo;
        sim_rng_free(r);
    }
    qsort(first, K, sizeof first[0], cmp_u64);
    for (int i = 1; i < K; i++)
        ck_assert_uint_ne(first[i], first[i - 1]);
}
END_TEST

START_TEST(test_rng_ranges)
{
    struct sim_rng *r = sim_rng_new(1, "x", "y");
    double sum = 0, sum_exp = 0, sum_g = 0, sum_g2 = 0;
    long buckets[10] = {0};
    int high = 0;
    for (int i = 0; i < DRAWS; i++) {
        double u = sim_rng_uniform(r);
        REQUIRE(u >= 0 && u < 1, "uniform %g", u);
        sum += u;
        double p = sim_rng_uniform_pos(r);
        REQUIRE(p > 0 && p < 1, "uniform_pos %g", p);
        uint64_t k = sim_rng_below(r, 10);
        REQUIRE(k < 10, "below(10) = %llu", (unsigned long long)k);
        buckets[k]++;
        uint64_t big = sim_rng_below(r, 1ULL << 40);
        REQUIRE(big < 1ULL << 40, "below(2^40) = %llu", (unsigned long long)big);
        high += big >= 1ULL << 39;
        REQUIRE(sim_rng_below(r, 1) == 0, "below(1) != 0");
        double e = sim_rng_exp(r, 3.0);
        REQUIRE(e >= 0, "exp %g", e);
        sum_exp += e;
        double g = sim_rng_gaussian(r);
        sum_g += g;
        sum_g2 += g * g;
    }
    ck_assert(close_rel(sum / DRAWS, 0.5, 0.01));
    for (int b = 0; b < 10; b++)
        ck_assert_msg(labs(buckets[b] - DRAWS / 10) < DRAWS / 10 / 20, "bucket %d has %ld", b, buckets[b]);
    ck_assert(close_rel((double)high / DRAWS, 0.5, 0.02));   /* the wide range reaches its upper half */
    ck_assert(close_rel(sum_exp / DRAWS, 3.0, 0.015));
    ck_assert(fabs(sum_g / DRAWS) < 0.01);
    ck_assert(close_rel(sum_g2 / DRAWS, 1.0, 0.015));
    sim_rng_free(r);
}
END_TEST

/* ---- distributions: forms, means, bounds ------------------------------------------------------------- */

static const struct {
    const char *json;
    enum sim_unit unit;
    enum sim_dist_kind kind;
    double mean;         /* expected sim_dist_mean, base unit */
    double lo, hi;       /* every sample within [lo, hi] */
    double tol;          /* relative tolerance of the sample mean */
} forms[] = {
    {"{\"const_ms\":5}", SIM_UNIT_TIME, SIM_DIST_CONST, 5e6, 5e6, 5e6, 0},
    {"{\"dist\":\"const\",\"value_ms\":5}", SIM_UNIT_TIME, SIM_DIST_CONST, 5e6, 5e6, 5e6, 0},
    {"{\"dist\":\"uniform\",\"min_ms\":1,\"max_ms\":3}", SIM_UNIT_TIME, SIM_DIST_UNIFORM, 2e6, 1e6, 3e6, 0.01},
    {"{\"dist\":\"uniform\",\"min_ms\":2,\"max_ms\":2}", SIM_UNIT_TIME, SIM_DIST_UNIFORM, 2e6, 2e6, 2e6, 0},
    {"{\"dist\":\"exp\",\"mean_ms\":5}", SIM_UNIT_TIME, SIM_DIST_EXP, 5e6, 0, INFINITY, 0.015},
    /* Truncated at 0: the mean of N(1, 2) restricted to [0, inf) is 1 + 2 phi(0.5) / (1 - Phi(-0.5)). */
    {"{\"dist\":\"normal\",\"mean_ms\":1,\"sd_ms\":2}", SIM_UNIT_TIME, SIM_DIST_NORMAL, 2.01832087e6, 0,
     INFINITY, 0.01},
    {"{\"dist\":\"normal\",\"mean_ms\":0,\"sd_ms\":1}", SIM_UNIT_TIME, SIM_DIST_NORMAL, 0.7978846e6, 0,
     INFINITY, 0.01},   /* half-normal: sd * sqrt(2 / pi) */
    {"{\"dist\":\"normal\",\"mean_ms\":100,\"sd_ms\":10}", SIM_UNIT_TIME, SIM_DIST_NORMAL, 100e6, 0, INFINITY,
     0.01},
    {"{\"dist\":\"lognormal\",\"median_ms\":2,\"sigma\":0.5}", SIM_UNIT_TIME, SIM_DIST_LOGNORMAL,
     2e6 * 1.1331485, 0, INFINITY, 0.01},   /* median * exp(sigma^2 / 2) */
    {"{\"dist\":\"lognormal\",\"median_ms\":2,\"sigma\":0}", SIM_UNIT_TIME, SIM_DIST_LOGNORMAL, 2e6,
     2e6 - 1e-6, 2e6 + 1e-6, 1e-9},   /* exp(log(x)) may miss x by an ulp */
    {"{\"dist\":\"pareto\",\"scale_ms\":1,\"shape\":3}", SIM_UNIT_TIME, SIM_DIST_PARETO, 1.5e6, 1e6, INFINITY,
     0.02},
    {"{\"dist\":\"empirical\",\"values_ms\":[1,2,3,10]}", SIM_UNIT_TIME, SIM_DIST_EMPIRICAL, 4e6, 1e6, 10e6,
     0.015},
    {"{\"dist\":\"exp\",\"mean_ms\":5,\"offset_ms\":2}", SIM_UNIT_TIME, SIM_DIST_EXP, 7e6, 2e6, INFINITY, 0.015},
    {"{\"const_ms\":5,\"offset_us\":250}", SIM_UNIT_TIME, SIM_DIST_CONST, 5.25e6, 5.25e6, 5.25e6, 0},
    {"{\"dist\":\"uniform\",\"min_kib\":1,\"max_kib\":3,\"offset_bytes\":10}", SIM_UNIT_BYTES, SIM_DIST_UNIFORM,
     2048 + 10, 1024 + 10, 3072 + 10, 0.01},
    {"{\"dist\":\"exp\",\"mean_per_min\":120}", SIM_UNIT_RATE, SIM_DIST_EXP, 2, 0, INFINITY, 0.015},
};

START_TEST(test_forms)
{
    struct sim_dist d;
    parse_ok(forms[_i].json, forms[_i].unit, &d);
    ck_assert_int_eq(d.kind, forms[_i].kind);
    ck_assert_int_eq(d.unit, forms[_i].unit);
    double m = sim_dist_mean(&d);
    ck_assert_msg(close_rel(m, forms[_i].mean, 1e-6), "%s: sim_dist_mean %.9g, want %.9g", forms[_i].json, m,
                  forms[_i].mean);

    struct sim_rng *r = sim_rng_new(2024, "test", forms[_i].json);
    double sum = 0;
    for (int i = 0; i < DRAWS; i++) {
        double x = sim_dist_sample(&d, r);
        REQUIRE(x >= forms[_i].lo && x <= forms[_i].hi, "%s: sample %.17g outside [%g, %g]", forms[_i].json, x,
                forms[_i].lo, forms[_i].hi);
        sum += x;
    }
    double mean = sum / DRAWS;
    ck_assert_msg(close_rel(mean, m, forms[_i].tol) || (forms[_i].tol == 0 && mean == m),
                  "%s: sample mean %.9g, sim_dist_mean %.9g", forms[_i].json, mean, m);
    sim_rng_free(r);
    sim_dist_free(&d);
}
END_TEST

/* Every value of an empirical list is drawn, each about equally often. */
START_TEST(test_empirical_spread)
{
    struct sim_dist d;
    parse_ok("{\"dist\":\"empirical\",\"values_us\":[5,1,5,9]}", SIM_UNIT_TIME, &d);
    ck_assert_uint_eq(d.n, 4);
    ck_assert(d.values[0] == 5000 && d.values[1] == 1000 && d.values[2] == 5000 && d.values[3] == 9000);
    struct sim_rng *r = sim_rng_new(1, "e", "e");
    int n1 = 0, n5 = 0, n9 = 0;
    for (int i = 0; i < 40000; i++) {
        sim_time t = sim_dist_time(&d, r);
        n1 += t == 1000;
        n5 += t == 5000;
        n9 += t == 9000;
    }
    ck_assert_int_eq(n1 + n5 + n9, 40000);
    ck_assert(abs(n1 - 10000) < 600 && abs(n5 - 20000) < 900 && abs(n9 - 10000) < 600);
    /* A copy shares the parsed list (a million values copied to a thousand producers cost 8 MB, not 8 GB),
     * and outlives the original. */
    struct sim_dist e;
    ck_assert_int_eq(sim_dist_copy(&e, &d), 0);
    ck_assert_ptr_eq(e.values, d.values);
    sim_dist_free(&d);
    ck_assert_ptr_null(d.values);
    ck_assert(e.values[3] == 9000);
    sim_dist_free(&e);
    sim_rng_free(r);
}
END_TEST

/* ---- units ------------------------------------------------------------------------------------------- */

static const struct {
    const char *json;
    enum sim_unit unit;
    double a, b;    /* the stored parameters, base unit */
} units[] = {
    {"{\"const_ns\":5}", SIM_UNIT_TIME, 5, 0},
    {"{\"const_us\":5}", SIM_UNIT_TIME, 5e3, 0},
    {"{\"const_ms\":5}", SIM_UNIT_TIME, 5e6, 0},
    {"{\"const_s\":5}", SIM_UNIT_TIME, 5e9, 0},
    {"{\"const_ms\":0.0015}", SIM_UNIT_TIME, 1500, 0},
    {"{\"const_ms\":0}", SIM_UNIT_TIME, 0, 0},
    {"{\"dist\":\"uniform\",\"min_us\":1,\"max_ms\":1}", SIM_UNIT_TIME, 1e3, 1e6},   /* units may differ */
    {"{\"dist\":\"normal\",\"mean_s\":1,\"sd_ns\":7}", SIM_UNIT_TIME, 1e9, 7},
    {"{\"const_bytes\":5}", SIM_UNIT_BYTES, 5, 0},
    {"{\"const_kib\":5}", SIM_UNIT_BYTES, 5 * 1024.0, 0},
    {"{\"const_mib\":5}", SIM_UNIT_BYTES, 5 * 1048576.0, 0},
    {"{\"const_per_s\":5}", SIM_UNIT_RATE, 5, 0},
    {"{\"const_per_min\":30}", SIM_UNIT_RATE, 0.5, 0},
    {"{\"dist\":\"pareto\",\"scale_kib\":2,\"shape\":1.5}", SIM_UNIT_BYTES, 2048, 1.5},
};

START_TEST(test_units)
{
    struct sim_dist d;
    parse_ok(units[_i].json, units[_i].unit, &d);
    ck_assert_msg(d.a == units[_i].a, "%s: a = %.17g, want %.17g", units[_i].json, d.a, units[_i].a);
    ck_assert_msg(d.b == units[_i].b, "%s: b = %.17g, want %.17g", units[_i].json, d.b, units[_i].b);
    sim_dist_free(&d);
}
END_TEST

START_TEST(test_time_rounding)
{
    struct sim_rng *r = sim_rng_new(1, "", "");
    struct sim_dist d = sim_dist_const(SIM_UNIT_TIME, 1.4);
    ck_assert_int_eq(sim_dist_time(&d, r), 1);
    d.a = 1.5;
    ck_assert_int_eq(sim_dist_time(&d, r), 2);
    d.a = 2.5e6;
    d.off = 0.5;
    ck_assert_int_eq(sim_dist_time(&d, r), 2500001);
    /* A heavy tail is clamped, never overflows the clock. */
    d.a = 1e30;
    d.off = 0;
    ck_assert_int_eq(sim_dist_time(&d, r), SIM_TIME_MAX);
    sim_rng_free(r);
}
END_TEST

/* sim_round is llround: halves away from zero, the largest double below a half, negatives, integers near
 * 2^53 and 2^62, and a million random values over every magnitude a duration in nanoseconds takes. */
START_TEST(test_round_is_llround)
{
    const double edge[] = {0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, 0.49999999999999994, -0.49999999999999994,
                           4503599627370495.5, 4503599627370497.0, 9007199254740993.0, 1e15 + 0.5,
                           4.6e18, -4.6e18, 0.25, 1e-300, 123456.5000000001, 7.999999999999999};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        ck_assert_int_eq(sim_round(edge[i]), llround(edge[i]));
    struct sim_rng *r = sim_rng_new(7, "", "");
    for (int i = 0; i < 1000000; i++) {
        double x = ldexp(sim_rng_uniform(r), (int)sim_rng_below(r, 62)) * (i % 2 ? 1 : -1);
        ck_assert_int_eq(sim_round(x), llround(x));
        x = floor(x) + 0.5;
        ck_assert_int_eq(sim_round(x), llround(x));
    }
    sim_rng_free(r);
}
END_TEST

START_TEST(test_dist_get)
{
    struct conf c;
    struct sim_dist def, out;
    conf_init(&c, FILE_NAME);
    cJSON *obj = cJSON_Parse("{\"latency\":{\"const_ms\":3}}");
    ck_assert_ptr_nonnull(obj);
    double vals[] = {1, 2};
    def = (struct sim_dist){.kind = SIM_DIST_EMPIRICAL, .unit = SIM_UNIT_TIME, .values = vals, .n = 2};
    /* Absent: a copy of the default, its list its own. */
    ck_assert_int_eq(sim_dist_get(&c, obj, "$.net", "other", SIM_UNIT_TIME, MAX_DELAY, &def, &out), 0);
    ck_assert_int_eq(out.kind, SIM_DIST_EMPIRICAL);
    ck_assert_ptr_ne(out.values, vals);
    ck_assert(out.n == 2 && out.values[1] == 2);
    sim_dist_free(&out);
    /* Present: parsed, with its path. */
    ck_assert_int_eq(sim_dist_get(&c, obj, "$.net", "latency", SIM_UNIT_TIME, MAX_DELAY, &def, &out), 0);
    ck_assert(out.kind == SIM_DIST_CONST && out.a == 3e6);
    ck_assert_int_eq(sim_dist_get(&c, obj, "$.net", "latency", SIM_UNIT_BYTES, 1e9, &def, &out), -1);
    ck_assert_msg(strncmp(c.err, "t.json: $.net.latency.const_ms: ", 32) == 0 && strstr(c.err, "wrong unit"),
                  "got \"%s\"", c.err);
    /* After a failure, every later call fails too. */
    ck_assert_int_eq(sim_dist_get(&c, obj, "$.net", "other", SIM_UNIT_TIME, MAX_DELAY, &def, &out), -1);
    cJSON_Delete(obj);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------------------ */

static const struct {
    const char *json;
    enum sim_unit unit;
    double max;          /* 0: one day of nanoseconds */
    const char *err;     /* the start of the message, exactly: "FILE: PATH: " */
    const char *sub;     /* what must follow somewhere in the message (its wording may be refined) */
} errors[] = {
    /* Units. */
    {"{\"dist\":\"exp\",\"mean\":5}", SIM_UNIT_TIME, 0,
     "t.json: $.d.mean: ", "missing unit: \"mean\" must end in the unit of a duration (_ns, _us, _ms or _s)"},
    {"{\"dist\":\"uniform\",\"min\":1,\"max_ms\":2}", SIM_UNIT_TIME, 0, "t.json: $.d.min: ", "missing unit"},
    {"{\"dist\":\"exp\",\"mean_bytes\":5}", SIM_UNIT_TIME, 0,
     "t.json: $.d.mean_bytes: ", "wrong unit: expected a duration (_ns, _us, _ms or _s)"},
    {"{\"const_ms\":5}", SIM_UNIT_BYTES, 0,
     "t.json: $.d.const_ms: ", "wrong unit: expected a size (_bytes, _kib or _mib)"},
    {"{\"const_s\":5}", SIM_UNIT_RATE, 0, "t.json: $.d.const_s: ",
     "wrong unit: expected a rate (_per_s or _per_min)"},
    {"{\"const_per_s\":5}", SIM_UNIT_TIME, 0, "t.json: $.d.const_per_s: ", "wrong unit"},   /* not "_s" */
    {"{\"dist\":\"exp\",\"mean_ms\":5,\"offset_kib\":1}", SIM_UNIT_TIME, 0, "t.json: $.d.offset_kib: ",
     "wrong unit"},
    /* Names and keys. */
    {"{\"dist\":\"gauss\",\"mean_ms\":5}", SIM_UNIT_TIME, 0, "t.json: $.d.dist: ",
     "expected \"const\", \"uniform\", \"exp\", \"normal\", \"lognormal\", \"pareto\" or \"empirical\", "
     "got \"gauss\""},
    {"{\"dist\":5}", SIM_UNIT_TIME, 0, "t.json: $.d.dist: ", "got number 5"},
    {"{\"dist\":\"exp\",\"mean_ms\":5,\"foo_ms\":1}", SIM_UNIT_TIME, 0, "t.json: $.d.foo_ms: ",
     "unknown key \"foo_ms\""},
    {"{\"dist\":\"exp\",\"mean_ms\":5,\"foo\":1}", SIM_UNIT_TIME, 0, "t.json: $.d.foo: ", "unknown key \"foo\""},
    {"{\"dist\":\"lognormal\",\"median_ms\":5,\"sigma\":1,\"shape\":2}", SIM_UNIT_TIME, 0, "t.json: $.d.shape: ",
     "unknown key"},
    {"{\"dist\":\"const\",\"const_ms\":5}", SIM_UNIT_TIME, 0, "t.json: $.d.const_ms: ", "\"value_ms\""},
    {"{\"const_ms\":5,\"min_ms\":1}", SIM_UNIT_TIME, 0, "t.json: $.d.min_ms: ", "unknown key"},
    {"{\"dist\":\"exp\",\"mean_ms\":1,\"mean_us\":5}", SIM_UNIT_TIME, 0, "t.json: $.d.mean_us: ", "given twice"},
    /* Missing parameters. */
    {"{}", SIM_UNIT_TIME, 0, "t.json: $.d: ", "const distribution needs \"const_ms\""},
    {"{\"dist\":\"uniform\",\"min_ms\":1}", SIM_UNIT_TIME, 0, "t.json: $.d: ",
     "uniform distribution needs \"max_ms\""},
    {"{\"dist\":\"uniform\",\"max_kib\":1}", SIM_UNIT_BYTES, 0, "t.json: $.d: ",
     "uniform distribution needs \"min_bytes\""},
    {"{\"dist\":\"lognormal\",\"median_ms\":1}", SIM_UNIT_TIME, 0, "t.json: $.d: ",
     "lognormal distribution needs \"sigma\""},
    {"{\"dist\":\"pareto\",\"shape\":2}", SIM_UNIT_TIME, 0, "t.json: $.d: ",
     "pareto distribution needs \"scale_ms\""},
    {"{\"dist\":\"empirical\"}", SIM_UNIT_TIME, 0, "t.json: $.d: ", "needs \"values"},
    /* Ranges. */
    {"{\"dist\":\"uniform\",\"min_ms\":3,\"max_ms\":1}", SIM_UNIT_TIME, 0, "t.json: $.d: ", "is below"},
    {"{\"const_ms\":-1}", SIM_UNIT_TIME, 0, "t.json: $.d.const_ms: ", "must be between 0 and"},
    {"{\"const_ms\":2000}", SIM_UNIT_TIME, 1e9, "t.json: $.d.const_ms: ", "must be between 0 and 1000"},
    {"{\"dist\":\"exp\",\"mean_s\":1e300}", SIM_UNIT_TIME, 0, "t.json: $.d.mean_s: ", "must be between 0 and"},
    {"{\"dist\":\"lognormal\",\"median_ms\":1,\"sigma\":-1}", SIM_UNIT_TIME, 0,
     "t.json: $.d.sigma: ", "must be between 0 and 10, got -1"},
    {"{\"dist\":\"lognormal\",\"median_ms\":0,\"sigma\":1}", SIM_UNIT_TIME, 0,
     "t.json: $.d: ", "the median of a lognormal must be above 0"},
    {"{\"dist\":\"lognormal\",\"median_s\":3600,\"sigma\":9}", SIM_UNIT_TIME, 0, "t.json: $.d: ",
     "sigma is too large"},
    {"{\"dist\":\"pareto\",\"scale_ms\":1,\"shape\":0}", SIM_UNIT_TIME, 0, "t.json: $.d.shape: ",
     "must be above 0"},
    {"{\"dist\":\"pareto\",\"scale_ms\":0,\"shape\":2}", SIM_UNIT_TIME, 0, "t.json: $.d: ",
     "the scale of a pareto must be above 0"},
    {"{\"dist\":\"empirical\",\"values_ms\":[1,-2]}", SIM_UNIT_TIME, 0, "t.json: $.d.values_ms[1]: ",
     "must be between 0 and"},
    {"{\"dist\":\"empirical\",\"values_ms\":[1,\"x\"]}", SIM_UNIT_TIME, 0,
     "t.json: $.d.values_ms[1]: ", "expected a number, got string \"x\""},
    {"{\"dist\":\"empirical\",\"values_ms\":[]}", SIM_UNIT_TIME, 0, "t.json: $.d.values_ms: ",
     "expected a non-empty array"},
    {"{\"dist\":\"empirical\",\"values_ms\":3}", SIM_UNIT_TIME, 0, "t.json: $.d.values_ms: ",
     "expected a non-empty array"},
    /* Types. */
    {"5", SIM_UNIT_TIME, 0, "t.json: $.d: ", "expected a distribution object such as {\"const_ms\": 5}, got number 5"},
    {"[1]", SIM_UNIT_TIME, 0, "t.json: $.d: ", "got an array"},
    {"null", SIM_UNIT_TIME, 0, "t.json: $.d: ", "got null"},
    {"{\"const_ms\":\"5\"}", SIM_UNIT_TIME, 0, "t.json: $.d.const_ms: ", "expected a number, got string \"5\""},
    {"{\"dist\":\"lognormal\",\"median_ms\":1,\"sigma\":\"big\"}", SIM_UNIT_TIME, 0, "t.json: $.d.sigma: ",
     "expected a number"},
};

START_TEST(test_errors)
{
    struct conf c;
    struct sim_dist d;
    double max = errors[_i].max > 0 ? errors[_i].max : MAX_DELAY;
    ck_assert_int_eq(parse(errors[_i].json, errors[_i].unit, max, &c, &d), -1);
    ck_assert_int_eq(c.failed, 1);
    size_t n = strlen(errors[_i].err);
    ck_assert_msg(strncmp(c.err, errors[_i].err, n) == 0, "%s: got \"%s\", want it to start with \"%s\"",
                  errors[_i].json, c.err, errors[_i].err);
    ck_assert_msg(strstr(c.err + n, errors[_i].sub) != NULL, "%s: got \"%s\", want \"%s\" in it",
                  errors[_i].json, c.err, errors[_i].sub);
    /* Nothing is left allocated on failure (ASan's leak check); freeing the result is still safe. */
    sim_dist_free(&d);
}
END_TEST

/* A fixed bug (sim/dist.c, the "offset" branch of sim_dist_parse): a second offset key was silently taken,
 * the last one winning, where a parameter given twice is an error ("given twice (with another unit)"): with
 * {"offset_ms":2,"offset_us":3} the offset was 3 us and the 2 ms dropped without a word. */
START_TEST(test_offset_given_twice)
{
    struct conf c;
    struct sim_dist d;
    int rc = parse("{\"dist\":\"exp\",\"mean_ms\":1,\"offset_ms\":2,\"offset_us\":3}", SIM_UNIT_TIME, MAX_DELAY,
                   &c, &d);
    ck_assert_msg(rc == -1, "accepted, with offset %g ns", d.off);
    ck_assert_msg(strncmp(c.err, "t.json: $.d.offset_us: ", 23) == 0, "got \"%s\"", c.err);
    sim_dist_free(&d);
}
END_TEST

/* A session that already failed does not parse, and keeps its first error. */
START_TEST(test_error_first_wins)
{
    struct conf c;
    struct sim_dist d;
    conf_init(&c, FILE_NAME);
    conf_fail(&c, "$.x", "first");
    cJSON *v = cJSON_Parse("{\"const_ms\":5}");
    ck_assert_int_eq(sim_dist_parse(&c, v, PATH, SIM_UNIT_TIME, MAX_DELAY, &d), -1);
    ck_assert_str_eq(c.err, "t.json: $.x: first");
    cJSON_Delete(v);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *dist_suite(void)
{
    Suite *s = suite_create("dist");

    TCase *tc = tcase_create("rng");
    tcase_add_test(tc, test_rng_same_and_different);
    tcase_add_test(tc, test_rng_derive);
    tcase_add_test(tc, test_rng_many_streams);
    tcase_add_test(tc, test_rng_ranges);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("forms");
    tcase_add_loop_test(tc, test_forms, 0, N(forms));
    tcase_add_test(tc, test_empirical_spread);
    tcase_add_loop_test(tc, test_units, 0, N(units));
    tcase_add_test(tc, test_time_rounding);
    tcase_add_test(tc, test_round_is_llround);
    tcase_add_test(tc, test_dist_get);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_loop_test(tc, test_errors, 0, N(errors));
    tcase_add_test(tc, test_error_first_wins);
    tcase_add_test(tc, test_offset_given_twice);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(dist_suite());
}
