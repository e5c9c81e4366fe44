/* disk: each node's simulated disk: a page cache that appends and serves hot reads, and a device that
 * fsyncs and serves cold reads (in the fsyncs' queue or one of their own), each queue FIFO with latency and
 * throughput. */
#ifndef SIM_DISK_H
#define SIM_DISK_H

#include <stdint.h>
#include <cJSON.h>

#include "sim/conf.h"
#include "sim/dist.h"
#include "sim/disk_state.h"
#include "sim/time.h"

struct sim;

/* Reads a "disk" object into the default every node's disk uses. */
int disk_load(struct sim *s, struct conf *c, const cJSON *obj, const char *path);

/* Parses the keys of a "disk" object into cfg (which holds the defaults to start from). */
int disk_config_parse(struct conf *c, const cJSON *obj, const char *path, struct disk_config *cfg);

#endif
