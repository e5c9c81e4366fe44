/* sim_int: the engine's private state, shared by its own files (sim.c, nodes.c, node_life.c, net.c, net_link.c,
 * disk.c, load.c) only. */
#ifndef SIM_SIM_INT_H
#define SIM_SIM_INT_H

#include "sim/node.h"
#include "sim/trace.h"
#include "sim/heap.h"
#include "sim/nearq.h"
#include "sim/net_state.h"
#include "sim/disk_state.h"

enum ev_kind {
    EV_FREE = 0,
    EV_START,      /* a node's start (boot or restart) */
    EV_TIMER,
    EV_MSG,
    EV_CONN,
    EV_DISK,
    EV_HOOK
};

#define EVF_CANCELLED 1
#define EVF_CHAINED    2   /* EV_MSG: in flight in its connection direction's chain (below) */
#define EVF_CHAIN_NEXT 4   /* EV_MSG: a message of the chain waits behind this one (chain_after) */
#define EVF_QUEUED     8   /* EV_MSG, or EV_CONN's close: it left its sender's NIC after it was sent, at
                              sent[its slot] (behind earlier bytes, or its own serialisation) */
#define EVF_UNSENT    16   /* and its sender's host died before then (net.c: net_on_host_down): it never
                              arrives */

/* One pending event: 32 bytes (two to a cache line: the pool is 64-byte aligned), plus 16 in the heap (or in its
 * predecessor's chain_after, for a message waiting in a chain), 16 a slot in chain_after and 8 in sent: 72 bytes a
 * pending event. A free slot links to the next free one through `data`. A timer's `gen` (where a message keeps its
 * length) is the sim's count of timers when it was set, so a stale handle never matches. */
struct sim_event {
    uint8_t kind;
    uint8_t flags;
    uint16_t type;      /* message type | conn event | disk op */
    sim_node_id node;   /* the node it is for */
    sim_node_id from;   /* message sender | disk file | hook id */
    uint32_t inc;       /* the node's incarnation when scheduled */
    union {
        uint32_t len;   /* EV_MSG: payload length */
        uint32_t gen;   /* EV_TIMER: the handle's generation (never 0) */
    };
    sim_conn conn;
    uint64_t data;      /* payload (inline when len <= 8, else a pool buffer) | tag | hook arg */
};

/* Cache-line aligned: pub and net_rng, what a node's every event and send read, share its first line;
 * model_rng opens the second. The loop prefetches both lines, then what they point to. */
struct node_int {
    struct sim_node pub;
    struct sim_rng *net_rng;    /* latency and loss draws of what this node sends */
    struct sim_rng *model_rng;  /* the first stream the model asked for (node_rng), or NULL */
    sim_time nic_busy;          /* the NIC serialises outgoing bytes until then */
    struct node_disk disk;
    struct sim_rng **rngs;      /* streams by purpose, created on first use */
    const char **rng_purpose;
    int nrng;
    sim_node_id cohost;         /* the node sharing this one's process and host (sim_node_cohost), or NONE */
};

/* What the loop reads of a node for every event, dense by node id (8 bytes a node) so that scheduling to a
 * random node of many and checking it at dispatch touch one small array, not the node's own record.
 * Mirrors pub.inc and pub.state; HOT_PAUSED is set while pub.paused_until may lie ahead. */
#define HOT_UP     1u
#define HOT_PAUSED 2u
struct node_hot {
    uint32_t inc;
    uint32_t flags;
};

struct hook {
    sim_hook_fn fn;
    void *ctx;
};

/* Payload buffers by power-of-two size class, recycled through free lists (no malloc in steady state). */
#define POOL_CLASSES 20          /* 16 B .. 8 MiB; larger payloads are malloc'd and freed directly */
struct pool_buf { struct pool_buf *next; };

struct sim {
    sim_time now;               /* first: sim_now (sim.h) reads it there */
    uint64_t seed;
    uint64_t seq;
    uint64_t cur_seq;           /* the sequence number of the event being dispatched */
    int stop;

    struct heap heap;
    struct nearq near;          /* the events due soon other than timers (see queue_push) */
    struct nearq near_timers;   /* while heap is in its heap form, the timers due soon */
    int top_taken;              /* the event being dispatched is still the top of heap (TOP_HEAP), near
                                   (TOP_NEAR) or near_timers (TOP_NEAR_TIMERS), already taken (see sim_run);
                                   0 when not */
    struct sim_event *ev;
    uint32_t ev_cap, ev_free;   /* ev_free: head of the free list, or UINT32_MAX */
    uint32_t live;              /* slots in use: the pending events, chained messages included (sim_pending) */
    /* A connection delivers in order (net.c: a segment never arrives before the one sent before it in the
     * same direction), so only the first of a direction's messages in flight needs a place in the queue:
     * the others wait in the direction's chain (conn_rec.chain_last) with the time and key they were given
     * when sent, and go into the queue, keys unchanged, as the one before them is taken (sim_run). The
     * order of events is the same as with all of them queued: the one taken ranks before its successor,
     * so the successor is queued before its turn. */
    struct heap_ent *chain_after; /* by event slot, as long as ev: with EVF_CHAIN_NEXT, the time and key
                                     (seq << HEAP_SLOT_BITS | its slot) of the message sent after this one in
                                     its direction, which waits */
    sim_time *sent;             /* by event slot, as long as ev: for EVF_QUEUED, when a message (or a close)
                                   left its sender's NIC, after the bytes queued before it (net.c: transmit);
                                   written at every send over a link with a bandwidth */
    uint32_t timer_gen;         /* the last timer's gen */
    size_t tombstones;

    struct node_int **nodes;
    struct node_hot *hot;       /* by node id, nodes_cap long */
    size_t nnodes, nodes_cap;
    uint32_t *name_ix;          /* open addressing: node id + 1 by name hash (0 = empty), half full at most */
    size_t name_cap;

    struct hook *hooks;
    int nhooks;
    sim_hook_fn after_event;
    void *after_ctx;
    sim_resolve_fn resolver;
    void *resolver_ctx;

    struct pool_buf *pool[POOL_CLASSES];

    struct net net;
    struct disk_config disk_default;

    struct trace *trace;
    struct trace trace_off;
    struct sim_rng **rngs;      /* engine-wide streams */
    const char **rng_purpose;
    int nrng;

    struct sim_stats stats;
};

static inline struct node_int *node_int(struct sim *s, sim_node_id id) { return s->nodes[id]; }

/* Schedules an event at absolute time t for node (or SIM_NODE_NONE). Returns the slot, whose fields the
 * caller fills in, or NULL when the queue is full. kind, node, inc and flags are set here. */
struct sim_event *sim_schedule(struct sim *s, sim_time t, enum ev_kind kind, sim_node_id node);
/* sim_schedule for a message on connection conn from `from`, whose direction's chain ended at *last (a
 * slot, or UINT32_MAX) when the direction's last message was sent: t must be no earlier than the time of
 * every message still in flight in that direction (net.c's FIFO mark sees to it). The message becomes the
 * chain's last; it is queued only when it is the first. The caller fills in from and conn. */
struct sim_event *sim_schedule_chained(struct sim *s, sim_time t, sim_node_id node, sim_conn conn,
                                       sim_node_id from, uint32_t *last);
/* Frees every node's record and stream, and the engine's own streams (nodes.c; for sim_free). */
void nodes_free(struct sim *s);
/* The entry of link from -> to in the network's table, created on first use; NULL when out of memory (net.c;
 * for net_link.c). */
struct link *net_link_get(struct net *n, sim_node_id from, sim_node_id to);
uint32_t sim_event_slot(const struct sim *s, const struct sim_event *e);

/* Payload buffers, inline: a network message takes one and gives it back. */
void *pool_get_slow(uint32_t len);   /* malloc: an empty class, or past the largest */
void pool_put_slow(void *p);        /* free: past the largest class */

/* The smallest class c with 16 << c >= len, or POOL_CLASSES when none is. */
static inline int pool_class(uint32_t len)
{
    if (len <= 16)
        return 0;
    int c = 32 - __builtin_clz(len - 1) - 4;
    return c < POOL_CLASSES ? c : POOL_CLASSES;
}

static inline void *pool_get(struct sim *s, uint32_t len)
{
    int c = pool_class(len);
    if (c < POOL_CLASSES && s->pool[c]) {
        struct pool_buf *b = s->pool[c];
        s->pool[c] = b->next;
        return b;
    }
    return pool_get_slow(len);
}

static inline void pool_put(struct sim *s, void *p, uint32_t len)
{
    int c = pool_class(len);
    if (c >= POOL_CLASSES) {
        pool_put_slow(p);
        return;
    }
    struct pool_buf *b = p;
    b->next = s->pool[c];
    s->pool[c] = b;
}

/* Engine-internal parts. */
/* Defaults: latency lognormal median 0.2 ms sigma 0.3 (a data-centre LAN), loss 0, 10 Gbit/s,
 * connect timeout 3000 ms (Netty clients' usual connectTimeoutMillis), retransmit 200 ms (Linux's
 * minimum RTO), TCP timeout 924.6 s (Linux's default 15 retries of an RTO that doubles up to 120 s). */
void net_config_default(struct net_config *cfg);
int net_init(struct net *n);
void net_free(struct net *n);
void net_on_crash(struct sim *s, sim_node_id id, enum sim_crash_kind kind);
/* The node's host died: what it still had to send, on any of its connections, closed ones too, is gone. */
void net_on_host_down(struct sim *s, sim_node_id id);
void net_deliver(struct sim *s, struct sim_event *e, struct sim_node *dst);
void net_conn_event(struct sim *s, struct sim_event *e, struct sim_node *dst);
void net_on_syn(struct sim *s, void *ctx, uint64_t conn);
void net_on_retx(struct sim *s, void *ctx, uint64_t arg);
/* Defaults (an SSD with a page cache; assumptions, no measured source): append 5 us + 2000 MiB/s, fsync
 * lognormal median 1 ms sigma 0.5 + 500 MiB/s of dirty data, cold read lognormal median 0.1 ms sigma 0.5
 * + 500 MiB/s. */
void disk_config_default(struct disk_config *cfg);
void disk_on_crash(struct sim *s, struct node_int *n, enum sim_crash_kind kind);

#endif
