/* bench_heap: the baseline `make bench` sets beside `mqsim bench phold`: a bare loop over a 4-ary heap of
 * (time, sequence, LP) that makes PHOLD's random draws with GSL (one taus2 stream) and does nothing else.
 * The engine's events per second divided by this loop's is the engine's overhead figure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/heap.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    long lps = 1024, pop = 16;
    double remote = 0.9, lookahead = 0.1, mean = 1.0, end = 1000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--lps")) lps = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--population")) pop = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--end")) end = atof(argv[i + 1]);
    }
    gsl_rng *g = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(g, 1);
    struct heap h = {0};
    uint64_t seq = 0, events = 0;
    const sim_time L = (sim_time)(lookahead * 1e6), T = (sim_time)(end * 1e6);
    const double m = mean * 1e6;
    for (long lp = 0; lp < lps; lp++)
        for (long k = 0; k < pop; k++) {
            struct heap_ent e = {L + (sim_time)gsl_ran_exponential(g, m), (seq++ << HEAP_SLOT_BITS) | (uint64_t)lp};
            heap_push(&h, e);
        }
    double t0 = now_s();
    for (;;) {
        struct heap_ent e;
        heap_pop(&h, &e);
        if (e.t > T)
            break;
        events++;
        uint64_t lp = heap_slot(&e);
        if (gsl_rng_uniform(g) < remote)
            lp = gsl_rng_uniform_int(g, (unsigned long)lps);
        struct heap_ent n = {e.t + L + (sim_time)gsl_ran_exponential(g, m), (seq++ << HEAP_SLOT_BITS) | lp};
        heap_push(&h, n);
    }
    double wall = now_s() - t0;
    printf("bare heap loop: %llu events, wall %.3f s, %.2f million events/s\n", (unsigned long long)events, wall,
           (double)events / wall / 1e6);
    heap_free(&h);
    gsl_rng_free(g);
    return 0;
}
