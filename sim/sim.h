/* sim: the discrete-event engine; one struct sim holds a whole simulation: clock, event queue, nodes,
 * network, disks. Models see it through the node interface below and never through globals. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "sim/dist.h"
#include "sim/rng.h"
#include "sim/time.h"
#include "sim/trace.h"

#include "sim/node.h"

/* ---- building and running ---- */

/* A new simulation with the run seed. NULL when out of memory. */
struct sim *sim_new(uint64_t seed);
void sim_free(struct sim *s);

/* Adds a node (before sim_run). name is copied and must be unique. Returns its id, or SIM_NODE_NONE on a
 * duplicate name or when out of memory. Nodes start at time 0 in the order added. */
sim_node_id sim_node_add(struct sim *s, const char *name, const struct sim_node_ops *ops, void *model);
struct sim_node *sim_node(struct sim *s, sim_node_id id);
size_t sim_node_count(const struct sim *s);
/* The node with that name, or SIM_NODE_NONE. */
sim_node_id sim_node_find(const struct sim *s, const char *name);

/* Runs events in (time, insertion order) until the next event lies after `until`, none are left, or a
 * model called sim_stop. The clock then reads `until` when it was reached. Returns the number of events
 * executed by this call. */
uint64_t sim_run(struct sim *s, sim_time until);
void sim_stop(struct sim *s);
int sim_stopped(const struct sim *s);

/* The clock. It is the first member of struct sim (sim_int.h), so reading it needs no call: models read it
 * several times an event. */
static inline sim_time sim_now(const struct sim *s) { return *(const sim_time *)(const void *)s; }
uint64_t sim_events(const struct sim *s);   /* events executed so far (cancelled ones not counted) */
/* A model's virtual timer (work it runs only when someone looks, at the time an event would have run it):
 * sim_order_mark() when it is armed; sim_order_passed(s, mark) says whether a timer armed then for now
 * would already have run, before the event running now (it runs after the events at the same time that
 * were scheduled before it was armed). */
uint64_t sim_order_mark(const struct sim *s);
int sim_order_passed(const struct sim *s, uint64_t mark);
size_t sim_pending(const struct sim *s);    /* events in the queue, tombstones included */
uint64_t sim_seed(const struct sim *s);

/* Engine-level callbacks that belong to no node (samplers, checkers): a sim_hook_fn (node.h) runs at
 * time t with arg. */
int sim_hook_register(struct sim *s, sim_hook_fn fn, void *ctx);   /* returns a hook id >= 0, or -1 */
int sim_hook_at(struct sim *s, sim_time t, int hook, uint64_t arg);
/* Called after every event when set (invariant checks); NULL by default so the loop pays nothing. */
void sim_set_after_event(struct sim *s, sim_hook_fn fn, void *ctx);

/* The trace every module writes to (level off unless the caller opened one). */
struct trace *sim_trace(struct sim *s);
void sim_set_trace(struct sim *s, struct trace *tr);

/* Symbolic node names in fault schedules ("@..."): the models resolve them when the fault happens (for
 * instance to whichever node holds a role at that moment). fn returns SIM_NODE_NONE when nothing fits
 * now, SIM_NODE_BAD when the name means nothing. */
void sim_set_resolver(struct sim *s, sim_resolve_fn fn, void *ctx);
sim_node_id sim_resolve(struct sim *s, const char *name);

/* Engine-wide random stream for a purpose (faults, workload generators that belong to no node). */
struct sim_rng *sim_rng(struct sim *s, const char *purpose);

/* Statistics the engine keeps (struct sim_stats, node.h). */
const struct sim_stats *sim_stats(const struct sim *s);

/* ---- the node's view of the world ---- */

static inline sim_time node_now(const struct sim_node *n) { return sim_now(n->sim); }

/* A random stream of this node for a purpose ("election", "workload", ...), created on first use and
 * owned by the engine. Cache the pointer at start: the lookup is not for the hot path. */
struct sim_rng *node_rng(struct sim_node *n, const char *purpose);

/* Calls on_timer(tag) after delay (>= 0). Timers die with the node's process. */
sim_timer node_timer(struct sim_node *n, sim_time delay, uint64_t tag);
/* Cancels a pending timer; a handle that already fired or was cancelled is ignored. O(1). */
void node_timer_cancel(struct sim_node *n, sim_timer t);

/* Sends a datagram-like message (lost on loss, partition or a dead receiver). wire_bytes is its size on the
 * wire for bandwidth; payload is copied. Returns 0, or -1 if this node is not up. */
int node_send(struct sim_node *n, sim_node_id to, uint16_t type, const void *payload, uint32_t len,
              uint64_t wire_bytes);

/* Opens a connection (TCP-like: ordered, loss shows as delay, dies with either process). The result comes
 * as on_conn(UP or FAILED, tag); the peer gets on_conn(ACCEPTED, tag) too, the tag standing for the port the
 * connection was made to (a model with several services tells them apart by it). */
sim_conn node_connect(struct sim_node *n, sim_node_id to, uint64_t tag);
/* The same with its own connect timeout (1 us to 4294 s; a blocking connect's, say) instead of the
 * network's connect_timeout_ms. */
sim_conn node_connect_within(struct sim_node *n, sim_node_id to, uint64_t tag, sim_time timeout);
/* Sends over an open connection. Returns -1 when this side is closed. */
int node_conn_send(struct sim_node *n, sim_conn c, uint16_t type, const void *payload, uint32_t len,
                   uint64_t wire_bytes);
/* Closes this side; the peer gets on_conn(CLOSED) after the data already sent. */
void node_conn_close(struct sim_node *n, sim_conn c);
/* The other end of a connection, or SIM_NODE_NONE. */
sim_node_id node_conn_peer(const struct sim_node *n, sim_conn c);
/* 1 when this side of c is open. */
int node_conn_open(const struct sim_node *n, sim_conn c);
/* The accepting side's last read or write on c (the accept counts as one; a write counts when it is made,
 * whether or not the path is cut), or -1 when n is not c's accepting side or that side is closed: what an
 * idle-channel timer at a server reads. */
sim_time node_conn_last_io(const struct sim_node *n, sim_conn c);

/* Disk: each node has SIM_DISK_FILES files. Append lands in the page cache, fsync makes every byte
 * appended before it durable, read is served from cache or from the device. Completion comes as
 * on_disk_done(file, op, tag). */
#define SIM_DISK_FILES 8
void node_disk_append(struct sim_node *n, int file, uint64_t bytes, uint64_t tag);
void node_disk_fsync(struct sim_node *n, int file, uint64_t tag);
/* Bytes written into the page cache at once, with no completion event (a write into an mmap'ed file,
 * as a log-structured store does); they become durable with the next fsync. */
void node_disk_write(struct sim_node *n, int file, uint64_t bytes);
/* Returns when the read ends (-1: none issued, the node down). */
sim_time node_disk_read(struct sim_node *n, int file, uint64_t bytes, int cached, uint64_t tag);
/* A read that finds its bytes on their way in from another read: it ends at `until` (at once if past),
 * occupying nothing, as a read would (on_disk_done, SIM_DISK_READ). */
void node_disk_wait(struct sim_node *n, int file, sim_time until, uint64_t tag);
/* The disk's read-around window in bytes (disk.readahead_bytes, whole pages; 0: none). The engine reads no
 * offsets: a model that keeps a page cache of its files applies it to its own faults. */
uint64_t sim_disk_readahead(const struct sim_node *n);
/* Bytes whose append completed (survive a process crash) and bytes made durable (survive a host crash). */
uint64_t sim_disk_written(const struct sim_node *n, int file);
uint64_t sim_disk_durable(const struct sim_node *n, int file);
/* The model tells the disk it dropped a file's tail (after a crash) or truncated it. */
void node_disk_truncate(struct sim_node *n, int file, uint64_t bytes);

/* ---- faults (the scenario's schedule, or models, e.g. an operator restarting a server) ---- */

void sim_crash(struct sim *s, sim_node_id id, enum sim_crash_kind kind);
/* Starts a node that is down (its host comes back too); no-op when up. */
void sim_restart(struct sim *s, sim_node_id id);
/* Freezes a node for d: its timers, messages and disk completions wait until then. */
void sim_pause(struct sim *s, sim_node_id id, sim_time d);
/* a and b are one process on one host (two services in one server process): a crash, restart or pause of
 * either is the other's too, and cutting or healing a path to or from one does the same for the other.
 * -1 when either is bound already or they are the same node. */
int sim_node_cohost(struct sim *s, sim_node_id a, sim_node_id b);
/* The node bound to id by sim_node_cohost, SIM_NODE_NONE for none. */
sim_node_id sim_node_cohost_of(const struct sim *s, sim_node_id id);
/* Cuts (cut=1) or heals (cut=0) the path from -> to (one way), and the same paths of their cohosts. */
void sim_link_cut(struct sim *s, sim_node_id from, sim_node_id to, int cut);
/* Heals every cut link. */
void sim_heal_all(struct sim *s);
/* Changes from -> to: NULL lat, NAN loss or NAN bandwidth (bytes/s, 0 = unlimited) keep the current one. */
int sim_link_set(struct sim *s, sim_node_id from, sim_node_id to, const struct sim_dist *lat, double loss,
                 double bandwidth_bytes_per_s);
/* Sets the default of every link without its own settings (NAN loss or bandwidth keeps the current). */
int sim_net_default(struct sim *s, const struct sim_dist *lat, double loss, double bandwidth_bytes_per_s);
/* How long a stalled connection holds its segments before it gives up (network.tcp_timeout_ms). */
sim_time sim_net_tcp_timeout(const struct sim *s);
/* Makes the node's disk unavailable for d from now: operations issued before the stall ends wait. */
void sim_disk_stall(struct sim *s, sim_node_id id, sim_time d);

#endif
