/* disk_state: a node's disk configuration and state types (page cache, device,
 * fsyncs in flight). The engine's private state (sim_int.h) embeds them, so they sit apart from
 * disk.h's functions. */
#ifndef SIM_DISK_STATE_H
#define SIM_DISK_STATE_H

#include <stdint.h>

#include "sim/dist.h"
#include "sim/time.h"

struct disk_config {
    struct sim_dist append_latency, fsync_latency, read_latency;
    double append_bps;     /* page-cache copy throughput, bytes/s (0 = unlimited) */
    double write_bps;      /* device write throughput for dirty bytes at fsync */
    double read_bps;       /* device read throughput for reads that miss the cache */
    int shared_queue;      /* cold reads wait in the fsyncs' queue (1), or in one of their own (0) */
    uint64_t readahead;    /* a page fault's read-around window in bytes, whole pages (0 = none): Linux's
                              read_ahead_kb (128 KiB by default), which a model's page cache applies */
};

#define DISK_FILES 8

struct fsync_pending {
    uint8_t file;
    uint64_t target;       /* bytes of the file written when the fsync was issued */
};

struct node_disk {
    const struct disk_config *cfg;
    struct sim_rng *rng;
    sim_time cache_busy, dev_busy, read_busy;   /* each queue free from then; read_busy unused when shared */
    uint64_t written[DISK_FILES], durable[DISK_FILES];
    struct fsync_pending *ring;   /* fsyncs in flight, in device order */
    uint32_t ring_head, ring_n, ring_cap;
};

#endif
