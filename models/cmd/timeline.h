/* timeline: a run's output folder as a Chrome Trace Event file for ui.perfetto.dev and chrome://tracing. */
#ifndef MODELS_CMD_TIMELINE_H
#define MODELS_CMD_TIMELINE_H

#include <stddef.h>

/* Reads dir/trace.jsonl (and timeseries.csv, metrics.json when there) and writes dir/timeline.json
 * atomically. 0, or 2 (no or bad trace) / 3 (cannot write) with a message in err. */
int timeline_write(const char *dir, char *err, size_t errsz);

/* mqsim timeline DIR */
int cmd_timeline(int argc, char **argv);

#endif
