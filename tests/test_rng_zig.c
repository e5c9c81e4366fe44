/* test_rng_zig: sim_rng_gaussian, which makes most of GSL's ziggurat draws itself on the stream's state,
 * gives GSL's gsl_ran_gaussian_ziggurat's numbers bit for bit, and leaves the stream where GSL leaves it;
 * sim_exp is libm's exp bit for bit; and a lognormal duration drawn through sim_dist_time is the one
 * computed from GSL's draw and libm's exp. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dist.h"
#include "sim/rng.h"
#include "tests/harness.h"

#define DRAWS 400000   /* a stream: 2 million in all */

/* For checks on hot paths: Check's ck_assert records a mark point on every call, which costs a write. */
#define REQUIRE(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Two streams from the same (seed, owner, purpose) start in the same state: one draws through
 * sim_rng_gaussian, the other through GSL's function; every draw, and every 1000th the uniform that
 * follows it (the streams' states), must agree. The first three streams each meet, within their first
 * 80,000 draws, a first draw whose j equals its strip's bound exactly, the one value where the fast path
 * must give way to GSL (found by running these draws with the bound test made `<=`, which then fails at
 * draws 76,662, 44,611 and 35,222); the others are ordinary streams. */
START_TEST(test_gaussian_is_gsls)
{
    static const uint64_t seeds[] = {1, 111, 183, 1000, 1001};
    static const char *const owners[] = {"zig", "zig", "zig", "broker-a-0", "client-0"};
    uint64_t seed = seeds[_i];
    struct sim_rng *a = sim_rng_new(seed, owners[_i], _i < 3 ? "edge" : "net");
    struct sim_rng *b = sim_rng_new(seed, owners[_i], _i < 3 ? "edge" : "net");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    long neg = 0, zero = 0, tail = 0;
    for (long i = 0; i < DRAWS; i++) {
        double x = sim_rng_gaussian(a), y = sim_rng_gaussian_gsl(b);
        REQUIRE(same_bits(x, y), "seed %llu draw %ld: %.17g (%a) against GSL's %.17g (%a)",
                (unsigned long long)seed, i, x, x, y, y);
        neg += signbit(x) != 0;
        zero += x == 0;
        tail += fabs(x) > 3.44;
        if (i % 1000 == 999) {
            double u = sim_rng_uniform(a), v = sim_rng_uniform(b);
            REQUIRE(u == v, "seed %llu after draw %ld: the streams part (%.17g against %.17g)",
                    (unsigned long long)seed, i, u, v);
        }
    }
    /* A sane normal sample: both signs, about 0.06 % beyond the tail's start (GSL's own slow path). */
    ck_assert_int_gt(neg, DRAWS / 2 - DRAWS / 100);
    ck_assert_int_lt(neg, DRAWS / 2 + DRAWS / 100);
    ck_assert_int_gt(tail, 0);
    ck_assert_int_lt(zero, 100);
    sim_rng_free(a);
    sim_rng_free(b);
}
END_TEST

/* A lognormal network delay (the engine's default, median 0.2 ms, sigma 0.3, and a wide one with an
 * offset) through sim_dist_time, against llround(offset + exp(mu + sigma * GSL's draw)). */
START_TEST(test_lognormal_time_is_gsls)
{
    struct sim_dist d[2] = {
        {.kind = SIM_DIST_LOGNORMAL, .unit = SIM_UNIT_TIME, .a = log(0.2e6), .b = 0.3},
        {.kind = SIM_DIST_LOGNORMAL, .unit = SIM_UNIT_TIME, .a = log(3e6), .b = 2.0, .off = 100e3},
    };
    for (int k = 0; k < 2; k++) {
        struct sim_rng *a = sim_rng_new(77, "n", "net"), *b = sim_rng_new(77, "n", "net");
        for (long i = 0; i < DRAWS / 4; i++) {
            sim_time t = sim_dist_time(&d[k], a);
            sim_time u = (sim_time)llround(d[k].off + exp(d[k].a + d[k].b * sim_rng_gaussian_gsl(b)));
            REQUIRE(t == u, "dist %d draw %ld: %lld against %lld", k, i, (long long)t, (long long)u);
        }
        sim_rng_free(a);
        sim_rng_free(b);
    }
}
END_TEST

/* sim_exp is libm's exp bit for bit: over the whole range a double's exp is finite in and past it
 * (overflow, underflow, denormal results), and at the special values. */
START_TEST(test_exp_is_libms)
{
    static const double special[] = {0.0, -0.0, 1.0, -1.0, 709.782712893384, 709.79, -745.13321910194122,
                                     -745.2, 1e-300, -1e-300, INFINITY, -INFINITY, NAN};
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++)
        ck_assert_msg(same_bits(sim_exp(special[k]), exp(special[k])), "exp(%a)", special[k]);
    uint64_t x = 12345;
    for (long i = 0; i < 4 * DRAWS; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        double v = ((double)(x >> 11) / 9007199254740992.0 - 0.5) * (i % 2 ? 1500.0 : 40.0);
        REQUIRE(same_bits(sim_exp(v), exp(v)), "exp(%a): %a against libm's %a", v, sim_exp(v), exp(v));
    }
}
END_TEST

static Suite *zig_suite(void)
{
    Suite *s = suite_create("rng_zig");
    TCase *tc = tcase_create("gaussian");
    tcase_add_loop_test(tc, test_gaussian_is_gsls, 0, 5);
    tcase_add_test(tc, test_lognormal_time_is_gsls);
    tcase_add_test(tc, test_exp_is_libms);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(zig_suite());
}
