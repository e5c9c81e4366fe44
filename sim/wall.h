/* wall: the real (wall-clock) time, for progress and speed figures only; never for simulated behaviour. */
#ifndef SIM_WALL_H
#define SIM_WALL_H

/* Seconds from an arbitrary fixed point (monotonic clock). */
double wall_seconds(void);

/* Peak resident memory of this process in bytes (0 if unknown). */
long wall_peak_rss(void);

#endif
