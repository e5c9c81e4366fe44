/* node: the node interface of the engine: what a model implements (struct sim_node_ops) and the types it
 * sees (ids, messages, crash kinds, connection and disk events), with the engine's callback and statistics
 * types. sim.h has the functions; the engine's private state (sim_int.h) needs only these types. */
#ifndef SIM_NODE_H
#define SIM_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/time.h"

struct sim;
struct sim_node;

typedef uint32_t sim_node_id;
typedef uint64_t sim_timer;   /* a timer handle: slot and generation; 0 is never a live timer */
typedef uint32_t sim_conn;    /* a connection id; 0 is never a connection */

#define SIM_NODE_NONE UINT32_MAX
#define SIM_NODE_BAD (UINT32_MAX - 1)   /* a resolver's answer to a symbolic name it does not know */

/* A message as its receiver sees it; valid only during on_message. */
struct sim_msg {
    sim_node_id from, to;
    uint16_t type;       /* the model's message type */
    uint32_t len;        /* payload bytes */
    const void *data;    /* the payload, a copy of what was sent (NULL when len == 0) */
    sim_conn conn;       /* the connection it came over, or 0 */
};

enum sim_crash_kind {
    SIM_CRASH_PROCESS,   /* the process dies, the host stays: page cache survives, sockets are closed */
    SIM_CRASH_HOST       /* the machine dies: unsynced disk bytes are lost, peers are not told */
};

enum sim_conn_ev {
    SIM_CONN_UP = 1,     /* to the connecting side: the connection is established */
    SIM_CONN_ACCEPTED,   /* to the accepting side: a peer connected */
    SIM_CONN_FAILED,     /* to the connecting side: refused (peer process down) or timed out */
    SIM_CONN_CLOSED      /* to either side: the peer closed it, or its process died */
};

enum sim_disk_op { SIM_DISK_APPEND = 1, SIM_DISK_FSYNC, SIM_DISK_READ };

/* What a model implements. Every callback runs inside an event; anything it starts (send, timer, disk)
 * completes as a later event, never inline. A model may swap its node's ops (a role change). */
struct sim_node_ops {
    void (*start)(struct sim_node *n);     /* at boot and at every restart */
    void (*on_message)(struct sim_node *n, const struct sim_msg *m);
    void (*on_timer)(struct sim_node *n, uint64_t tag);
    void (*on_disk_done)(struct sim_node *n, int file, enum sim_disk_op op, uint64_t tag);
    void (*on_conn)(struct sim_node *n, sim_conn c, enum sim_conn_ev ev, sim_node_id peer, uint64_t tag);
    /* The node just died: drop volatile state. After a host crash, sim_disk_durable() tells what survived
     * on each file; after a process crash, sim_disk_written() does. */
    void (*on_crash)(struct sim_node *n, enum sim_crash_kind kind);
    /* The process is frozen until `until` (optional): its events wait. A model that keeps some of its own
     * future work as virtual wake-ups instead of events turns them into timers here, so that they wait too. */
    void (*on_pause)(struct sim_node *n, sim_time until);
};

enum sim_node_state { SIM_NODE_UP, SIM_NODE_PROCESS_DOWN, SIM_NODE_HOST_DOWN };

/* The public part of a node. */
struct sim_node {
    struct sim *sim;
    sim_node_id id;
    const char *name;
    const struct sim_node_ops *ops;
    void *model;                  /* the model's state */
    enum sim_node_state state;
    uint32_t inc;                 /* incarnation: bumped at every crash, so stale events are dropped */
    sim_time paused_until;        /* a frozen process (GC pause) runs nothing before this */
};

/* An engine-level callback: runs at a time with an argument (sim_hook_at), or after every event. */
typedef void (*sim_hook_fn)(struct sim *s, void *ctx, uint64_t arg);

/* Resolves a symbolic node name of a fault schedule ("@..."); see sim_set_resolver. */
typedef sim_node_id (*sim_resolve_fn)(void *ctx, const char *name);

/* Statistics the engine keeps. */
struct sim_stats {
    uint64_t events, msgs_sent, msgs_delivered, msgs_dropped_loss, msgs_dropped_cut, msgs_dropped_down;
    uint64_t disk_ops, faults;
    uint64_t dispatched;        /* entries taken off the queue and run (cancelled ones not; a paused or dead
                                 * node's count), the after-event hook's calls */
    size_t peak_pending;
};

#endif
