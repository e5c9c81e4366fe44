/* disk: each node's simulated disk: a page cache that appends and serves hot reads, and a device that
 * fsyncs and serves cold reads, each a FIFO queue with latency and throughput. */
#ifndef SIM_DISK_H
#define SIM_DISK_H

#include <stdint.h>
#include <cJSON.h>

#include "sim/conf.h"
#include "sim/dist.h"
#include "sim/time.h"

struct sim;

struct disk_config {
    struct sim_dist append_latency, fsync_latency, read_latency;
    double append_bps;     /* page-cache copy throughput, bytes/s (0 = unlimited) */
    double write_bps;      /* device write throughput for dirty bytes at fsync */
    double read_bps;       /* device read throughput for reads that miss the cache */
};

#define DISK_FILES 8

struct fsync_pending {
    uint8_t file;
    uint64_t target;       /* bytes of the file written when the fsync was issued */
};

struct node_disk {
    const struct disk_config *cfg;
    struct sim_rng *rng;
    sim_time cache_busy, dev_busy;
    uint64_t written[DISK_FILES], durable[DISK_FILES];
    struct fsync_pending *ring;   /* fsyncs in flight, in device order */
    uint32_t ring_head, ring_n, ring_cap;
};

/* Defaults (an SSD with a page cache; assumptions, no measured source): append 5 us + 2000 MiB/s, fsync
 * lognormal median 1 ms sigma 0.5 + 500 MiB/s of dirty data, cold read lognormal median 0.1 ms sigma 0.5
 * + 500 MiB/s. */
void disk_config_default(struct disk_config *cfg);

/* Reads a "disk" object into the default every node's disk uses. */
int disk_load(struct sim *s, struct conf *c, const cJSON *obj, const char *path);

/* Parses the keys of a "disk" object into cfg (which holds the defaults to start from). */
int disk_config_parse(struct conf *c, const cJSON *obj, const char *path, struct disk_config *cfg);

#endif
