/* time: simulated time, a signed 64-bit count of nanoseconds. Never a double. */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stdint.h>

typedef int64_t sim_time;

#define SIM_NS ((sim_time)1)
#define SIM_US ((sim_time)1000)
#define SIM_MS ((sim_time)1000000)
#define SIM_S  ((sim_time)1000000000)
/* Far enough to mean "never", small enough that adding a delay cannot overflow. */
#define SIM_TIME_MAX ((sim_time)INT64_MAX / 4)

static inline double sim_time_to_ms(sim_time t) { return (double)t / (double)SIM_MS; }

#endif
