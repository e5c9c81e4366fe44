/* disk: FIFO queues per node. Appends and cached reads go through the page cache; fsyncs and cold reads go
 * to the device, in one queue (shared_queue: a device that serves one request at a time) or in two, the
 * reads beside the fsyncs (an NVMe SSD, whose queues serve both at once). Because fsyncs complete in device
 * order, the durable mark each one sets is kept in a small ring, consumed in the same order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/disk.h"
#include "sim/sim.h"
#include "sim/sim_int.h"

void disk_config_default(struct disk_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->append_latency = sim_dist_const(SIM_UNIT_TIME, 5 * SIM_US);
    cfg->fsync_latency.kind = SIM_DIST_LOGNORMAL;
    cfg->fsync_latency.unit = SIM_UNIT_TIME;
    cfg->fsync_latency.a = log(1e6);
    cfg->fsync_latency.b = 0.5;
    cfg->read_latency.kind = SIM_DIST_LOGNORMAL;
    cfg->read_latency.unit = SIM_UNIT_TIME;
    cfg->read_latency.a = log(0.1e6);
    cfg->read_latency.b = 0.5;
    cfg->append_bps = 2000.0 * 1048576;
    cfg->write_bps = 500.0 * 1048576;
    cfg->read_bps = 500.0 * 1048576;
    cfg->readahead = 131072;   /* VM_READAHEAD_PAGES: read_ahead_kb 128 */
}

/* Clamped like sim_dist_time: a huge transfer over a crawling disk must not overflow the conversion. */
static sim_time xfer(uint64_t bytes, double bps)
{
    if (!(bps > 0))
        return 0;
    double t = ceil((double)bytes * 1e9 / bps);
    return t < (double)SIM_TIME_MAX ? (sim_time)t : SIM_TIME_MAX;
}

/* Runs an operation on a queue: it starts when the queue is free and occupies it until done. The queue's end
 * saturates at SIM_TIME_MAX (never reached by a run), so that operations piling up cannot overflow it. */
static sim_time occupy(sim_time now, sim_time *busy, sim_time d)
{
    sim_time start = *busy > now ? *busy : now;
    *busy = d > SIM_TIME_MAX - start ? SIM_TIME_MAX : start + d;
    return *busy;
}

static void disk_event(struct sim *s, struct sim_node *n, sim_time at, int file, enum sim_disk_op op,
                       uint64_t tag)
{
    struct sim_event *e = sim_schedule(s, at, EV_DISK, n->id);
    if (!e)
        return;
    e->from = (uint32_t)file;
    e->type = (uint16_t)op;
    e->data = tag;
    s->stats.disk_ops++;
}

static int file_ok(int file) { return file >= 0 && file < DISK_FILES; }

void node_disk_append(struct sim_node *n, int file, uint64_t bytes, uint64_t tag)
{
    struct sim *s = n->sim;
    struct node_disk *d = &((struct node_int *)n)->disk;
    if (n->state != SIM_NODE_UP || !file_ok(file))
        return;
    sim_time t = occupy(s->now, &d->cache_busy,
                        sim_dist_time(&d->cfg->append_latency, d->rng) + xfer(bytes, d->cfg->append_bps));
    /* The bytes count as written from the moment the copy into the page cache is queued: a process that
     * dies before the completion is reported still had its write() in the kernel. */
    d->written[file] += bytes;
    disk_event(s, n, t, file, SIM_DISK_APPEND, tag);
}

void node_disk_write(struct sim_node *n, int file, uint64_t bytes)
{
    if (n->state != SIM_NODE_UP || !file_ok(file))
        return;
    ((struct node_int *)n)->disk.written[file] += bytes;
}

void node_disk_fsync(struct sim_node *n, int file, uint64_t tag)
{
    struct sim *s = n->sim;
    struct node_disk *d = &((struct node_int *)n)->disk;
    if (n->state != SIM_NODE_UP || !file_ok(file))
        return;
    if (d->ring_n == d->ring_cap) {
        /* Grow and unwrap the ring; in steady state a node has only a few fsyncs in flight. */
        uint32_t cap = d->ring_cap ? d->ring_cap * 2 : 8;
        struct fsync_pending *a = malloc((size_t)cap * sizeof *a);
        if (!a)
            return;
        for (uint32_t i = 0; i < d->ring_n; i++)
            a[i] = d->ring[(d->ring_head + i) % d->ring_cap];
        free(d->ring);
        d->ring = a;
        d->ring_cap = cap;
        d->ring_head = 0;
    }
    uint64_t dirty = d->written[file] - d->durable[file];
    sim_time t = occupy(s->now, &d->dev_busy,
                        sim_dist_time(&d->cfg->fsync_latency, d->rng) + xfer(dirty, d->cfg->write_bps));
    struct fsync_pending *f = &d->ring[(d->ring_head + d->ring_n++) % d->ring_cap];
    f->file = (uint8_t)file;
    f->target = d->written[file];
    disk_event(s, n, t, file, SIM_DISK_FSYNC, tag);
}

sim_time node_disk_read(struct sim_node *n, int file, uint64_t bytes, int cached, uint64_t tag)
{
    struct sim *s = n->sim;
    struct node_disk *d = &((struct node_int *)n)->disk;
    if (n->state != SIM_NODE_UP || !file_ok(file))
        return -1;
    sim_time t = cached
        ? occupy(s->now, &d->cache_busy,
                 sim_dist_time(&d->cfg->append_latency, d->rng) + xfer(bytes, d->cfg->append_bps))
        : occupy(s->now, d->cfg->shared_queue ? &d->dev_busy : &d->read_busy,
                 sim_dist_time(&d->cfg->read_latency, d->rng) + xfer(bytes, d->cfg->read_bps));
    disk_event(s, n, t, file, SIM_DISK_READ, tag);
    return t;
}

void node_disk_wait(struct sim_node *n, int file, sim_time until, uint64_t tag)
{
    struct sim *s = n->sim;
    if (n->state != SIM_NODE_UP || !file_ok(file))
        return;
    disk_event(s, n, until > s->now ? until : s->now, file, SIM_DISK_READ, tag);
}

uint64_t sim_disk_readahead(const struct sim_node *n) { return ((const struct node_int *)n)->disk.cfg->readahead; }

uint64_t sim_disk_written(const struct sim_node *n, int file)
{
    return file_ok(file) ? ((const struct node_int *)n)->disk.written[file] : 0;
}

uint64_t sim_disk_durable(const struct sim_node *n, int file)
{
    return file_ok(file) ? ((const struct node_int *)n)->disk.durable[file] : 0;
}

void node_disk_truncate(struct sim_node *n, int file, uint64_t bytes)
{
    struct node_disk *d = &((struct node_int *)n)->disk;
    if (!file_ok(file))
        return;
    if (d->written[file] > bytes)
        d->written[file] = bytes;
    if (d->durable[file] > bytes)
        d->durable[file] = bytes;
}

void disk_on_crash(struct sim *s, struct node_int *n, enum sim_crash_kind kind)
{
    struct node_disk *d = &n->disk;
    /* Operations in flight die with the process; their completions are dropped by incarnation. */
    d->ring_n = 0;
    d->ring_head = 0;
    /* A restarted process queues behind nothing of its earlier life. */
    d->cache_busy = d->dev_busy = d->read_busy = s->now;
    if (kind == SIM_CRASH_HOST)
        for (int f = 0; f < DISK_FILES; f++)
            d->written[f] = d->durable[f];
}

void sim_disk_stall(struct sim *s, sim_node_id id, sim_time d)
{
    struct node_disk *k = &node_int(s, id)->disk;
    if (d <= 0)
        return;
    sim_time from = s->now;
    k->cache_busy = (k->cache_busy > from ? k->cache_busy : from) + d;
    k->dev_busy = (k->dev_busy > from ? k->dev_busy : from) + d;
    k->read_busy = (k->read_busy > from ? k->read_busy : from) + d;
    s->stats.faults++;
    if (trace_on(s->trace, TRACE_EVENTS)) {
        trace_begin(s->trace, s->now, node_int(s, id)->pub.name, "disk.stall");
        trace_time_ms(s->trace, "until_ms", from + d);
        trace_end(s->trace);
    }
}
