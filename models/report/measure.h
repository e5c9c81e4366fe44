/* measure: what the clients experience, for the topic and for each broker group: sends (one application call
 * with all its attempts) and their latency, write outages, read outages (no delivery while there was
 * something to read). The README defines each figure; every one can be recomputed from a full trace.
 *
 * The models report raw facts (a send returned, the backlog changed, a message was delivered); this module
 * turns them into figures. Nothing here is protocol: it never changes what the simulation does. */
#ifndef MODELS_MEASURE_H
#define MODELS_MEASURE_H

#include <stdint.h>

#include "sim/hist.h"
#include "sim/time.h"

/* One scope: the topic, or one group. */
struct meas_scope {
    uint64_t sends, acked, failed;            /* sends started in the window that returned */
    uint64_t acks_in_window;                  /* sends acknowledged in the window (whenever they started) */
    uint64_t iv_sends, iv_acked, iv_failed;   /* of those, returned in the current sample interval */
    struct sim_hist *lat_iv;    /* latency (ms) of the sends acknowledged in this interval */
    struct sim_hist *lat;       /* of those in the intervals before: lat_iv joins it when an interval ends */
    sim_time fail_since;        /* a write outage open since the start of its first failing send, or -1 */
    sim_time open_since;        /* the start of the write outage the end of the run found open, or -1 */
    sim_time last_fail;         /* the start of the latest failed send, or -1 */
    sim_time write_unavail;
    int64_t backlog;            /* acknowledged, not yet consumed, still held by some replica */
    sim_time last_delivery;     /* -1: none yet */
    sim_time backlog_since;     /* when the backlog last became > 0, or -1 while it is 0 */
    sim_time read_unavail;
    sim_time read_open_since;   /* the start of the read outage the end of the run found open, or -1 */
};

/* A send that returned, waiting until every send that started before it has returned too. */
struct meas_send {
    sim_time t0;
    int16_t group;
    uint8_t state;              /* 0: not returned yet; 1: acknowledged; 2: failed */
};

struct meas {
    sim_time warmup;            /* sends that start before it are not counted */
    sim_time read_warmup;       /* read time before it is not counted (meas_init: the warm-up) */
    sim_time read_gap;          /* a delivery gap longer than this, with a backlog, is a read outage */
    int ngroups;
    struct meas_scope topic;
    struct meas_scope *group;
    /* With one group, every acknowledged send the topic counts is one of that group's, so topic.lat_iv is
     * the group's own histogram (one add per send instead of two) and topic_iv waits aside; a send
     * acknowledged on no group (only a hand-made sequence makes one) gives the topic its own again. */
    struct sim_hist *topic_iv;
    int iv_shared;
    /* Sends by message id (ids are given in start order): [lo, lo + cap) in a ring of cap = 2^k. */
    struct meas_send *ring;
    uint32_t cap;
    uint32_t lo;                /* the oldest send not yet taken in start order */
    uint32_t hi;                /* one past the newest returned */
    /* Told of every outage as it is counted: scope -1 is the topic, else a group; write or read; open when
     * the end of the run closed it. Optional. */
    void (*on_outage)(void *ctx, int scope, int write, sim_time from, sim_time to, int open);
    void *ctx;
};

/* Returns 0, or -1 when out of memory (meas_free cleans up either way). */
int meas_init(struct meas *m, int ngroups, sim_time warmup, sim_time read_gap);
void meas_free(struct meas *m);

/* A send that started at t0 returned at now: acknowledged (ok) or failed; group is its last attempt's group,
 * or -1 when it never reached one (no route). msg ids come from the accounting, dense in start order. */
void meas_send_done(struct meas *m, uint32_t msg, int group, int ok, sim_time t0, sim_time now);

/* meas_backlog's way when a backlog starts or may reach zero (a read outage may start or end). */
void meas_backlog_edge(struct meas *m, int group, int delta, sim_time now);
/* The backlog of group changed by delta (+1: a message became readable; -1: consumed for the first time,
 * or gone from every replica). Inline: every acknowledgement and first consumption calls it, and mostly
 * both backlogs (the topic's and the group's) stay above zero. */
static inline void meas_backlog(struct meas *m, int group, int delta, sim_time now)
{
    if (group < 0 || group >= m->ngroups || delta == 0)
        return;
    struct meas_scope *g = &m->group[group];
    if (m->topic.backlog > 0 && g->backlog > 0 && m->topic.backlog + delta > 0 && g->backlog + delta > 0) {
        m->topic.backlog += delta;   /* something to read before and after: nothing else changes */
        g->backlog += delta;
        return;
    }
    meas_backlog_edge(m, group, delta, now);
}

/* The consumer group received a message of group (before its backlog change, if any). */
void meas_delivery(struct meas *m, int group, sim_time now);

/* Closes what is open at the end of the run (outages run to now; sends still in flight are not counted). */
void meas_finish(struct meas *m, sim_time now);

/* Starts a new sample interval (the interval counters and latencies start again; the interval's latencies
 * join the whole run's). */
void meas_interval_reset(struct meas *m);
/* Moves the current interval's latencies into the whole run's without ending the interval's counts (for
 * reading lat before an interval ended). */
void meas_flush_latency(struct meas *m);

#endif
