/* wall: monotonic wall clock and peak memory, for the figures mqsim prints on stdout. */
#include <sys/resource.h>
#include <time.h>

#include "sim/wall.h"

double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

long wall_peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return ru.ru_maxrss * 1024L;   /* Linux reports kilobytes */
}
