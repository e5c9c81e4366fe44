/* rpc: RocketMQ's remoting as the models use it: request/response over connections, matched by opaque,
 * with a client-side timeout; one connection per peer, opened on first use (NettyRemotingClient). */
#ifndef MODELS_RPC_H
#define MODELS_RPC_H

#include <stdint.h>
#include <string.h>

#include "models/remoting/protocol.h"
#include "sim/sim.h"

/* Every remoting frame starts with this. */
struct rpc_hdr {
    uint32_t opaque;
    int16_t code;              /* request code, or the response's status */
    uint16_t flags;            /* RPC_RESPONSE */
};
#define RPC_RESPONSE 1

/* Timer tags with this bit belong to the rpc layer: a model's on_timer passes them to rpc_on_timer. */
#define RPC_TIMER_BIT (1ULL << 63)
#define RPC_REQ_MAX 96         /* largest request body kept in its slot while connecting (a larger one is
                                  copied to the heap then: a DLedger batch push, rarely) */

/* The reply handler: status is the response code, or RMQ_TIMEOUT / RMQ_CONN_FAILED; body is NULL then. */
typedef void (*rpc_reply_fn)(struct sim_node *n, uint64_t tag, int status, const void *body, uint32_t len);

#define RPC_PEER_HINTS 16      /* a power of two */

struct rpc_peer {
    sim_node_id node;
    sim_conn conn;
    int connecting;
};

struct rpc_pending {
    uint32_t gen;              /* low bits of the opaque that last used this slot */
    uint8_t in_use, waiting;   /* waiting: queued until the connection is up */
    uint8_t async;             /* invokeAsync (a pull): its timeout never closes the connection */
    uint8_t late;              /* rpc_call_begun: not timed out while its connection is being made */
    uint8_t short_left;        /* sent (or given up) with little of its timeout left: with close_needs_time
                                  its timeout closes nothing */
    uint8_t spent;             /* rpc_call_spent: written with 0 ms, fails at once and closes its connection */
    uint16_t code;
    sim_node_id peer;
    sim_conn conn;             /* the connection it was sent on (0 while waiting) */
    sim_time deadline;
    sim_time begin;            /* when its invokeSync began (costTime counts from here) */
    uint64_t tag;
    uint32_t len;
    uint64_t wire;
    unsigned char body[RPC_REQ_MAX];
    unsigned char *big;        /* a body over RPC_REQ_MAX while waiting for the connection, else NULL */
    uint32_t next_free;
};

struct rpc {
    struct sim_node *n;
    rpc_reply_fn on_reply;
    struct rpc_peer *peers;
    int npeers, peers_cap;
    uint8_t hint[RPC_PEER_HINTS];   /* peer index + 1 of a node, by its id's low bits (0: none): a leader's
                                       pushes to its followers in turn find theirs in one look */
    struct rpc_pending *pend;
    uint32_t cap, free_head, inflight;
    /* One timer for all requests, armed at the earliest deadline: a timer per request would fill the
     * event queue with cancelled timeouts, since nearly every request is answered long before. */
    sim_timer timer;
    sim_time armed;            /* when that timer fires (SIM_TIME_MAX: none) */
    unsigned char *scratch;    /* where a request too large for the stack's frame is built (grown, kept) */
    uint32_t scratch_cap;
    int fail_fast;             /* a connection the peer closes fails the requests sent on it at once (5.1.3+
                                  NettyRemotingClient.channelInactive -> closeChannel -> failFast); else they
                                  wait for their timeouts */
    int close_on_timeout;      /* a synchronous request that times out closes its connection, which fails the
                                  others sent on it at once (clientCloseSocketIfTimeout: invokeSync ->
                                  closeChannel -> close -> failFast); the next request connects anew */
    int close_needs_time;      /* ...unless it had little time left when it was sent: R53 invokeSync's
                                  shouldClose, left > MIN_CLOSE_TIMEOUT_MILLIS (100) || left > timeoutMillis / 4;
                                  R44/R498 close whatever was left */
    sim_time scan_first;       /* rpc_scan: the first run of the client's scanResponseTable (absolute time) */
    sim_time scan_period;      /* and the time between runs; 0: asynchronous requests time out at their deadline */
};

/* Where a deferred response goes (a held pull, a put waiting for the slave). */
struct rpc_ctx {
    sim_conn conn;
    uint32_t opaque;
};

void rpc_init(struct rpc *r, struct sim_node *n, rpc_reply_fn on_reply);
void rpc_free(struct rpc *r);

/* Forgets connections and requests (the process died); nothing is called back. */
void rpc_reset(struct rpc *r);

/* Sends a request of `code` with body to peer; on_reply(tag, ...) comes once: with
 * the response, or with RMQ_TIMEOUT after timeout, or RMQ_CONN_FAILED when the connection cannot be had.
 * The timeout covers connecting too (invokeSync). extra_wire is added to the frame's wire size. */
void rpc_call(struct rpc *r, sim_node_id peer, uint16_t code, const void *body, uint32_t len,
              uint64_t extra_wire, sim_time timeout, uint64_t tag);
/* invokeSync as NettyRemotingClient runs it for a NameServer: begun at `begin` (<= now; the time since, spent
 * connecting to other NameServers, counts against timeout: costTime), and waiting for its connection however
 * long the connect takes (createChannel's awaitUninterruptibly(connectTimeoutMillis), or 5.x's netty connect
 * timeout), the deadline not counting meanwhile. A connection that fails gives RMQ_CONN_FAILED. Once the
 * connection is open, a request with no time left is not sent and times out at once (`timeoutMillis <
 * costTime`: RemotingTimeoutException), closing the connection under close_on_timeout unless
 * close_needs_time; else it is sent with what is left. Its timeout never comes inline (an out-of-memory
 * RMQ_SYSTEM_ERROR may, as rpc_call's). */
void rpc_call_begun(struct rpc *r, sim_node_id peer, uint16_t code, const void *body, uint32_t len,
                    uint64_t extra_wire, sim_time begin, sim_time timeout, uint64_t tag);
/* invokeSync with 0 ms left (a send whose budget a timed-out attempt spent, when the millisecond clock reads
 * costTime == timeout). R44/R498 (`timeoutMillis < costTime` false): on an open connection the request is
 * written and fails at once, NettyRemotingAbstract.invokeSyncImpl's waitResponse(0) returning before the write
 * completes (RemotingSendRequestException: RMQ_CONN_FAILED, as a later event), and invokeSync's catch closes
 * the connection whatever close_on_timeout says, failing the others on it; with no open connection it is
 * rpc_call_begun with 0 ms (connect, then not sent). R53 (close_needs_time: its invokeSync, `left <= 0`) throws
 * RemotingTimeoutException before the write and closes nothing: rpc_call_begun with 0 ms. */
void rpc_call_spent(struct rpc *r, sim_node_id peer, uint16_t code, const void *body, uint32_t len,
                    uint64_t extra_wire, uint64_t tag);
/* The same as invokeAsync (a consumer's pull): its timeout leaves the connection open whatever
 * close_on_timeout says. */
void rpc_call_async(struct rpc *r, sim_node_id peer, uint16_t code, const void *body, uint32_t len,
                    uint64_t extra_wire, sim_time timeout, uint64_t tag);

/* Asynchronous requests time out as NettyRemotingAbstract.scanResponseTable fails them: at its first run at
 * least RPC_SCAN_GRACE after their deadline (beginTimestamp + timeoutMillis + 1000 <= now), its runs being at
 * `first` (an absolute time) and every `period` after. Synchronous ones keep their deadline (invokeSync's
 * waitResponse). Reset by rpc_reset (a new process sets its own). */
#define RPC_SCAN_GRACE (1000 * SIM_MS)
void rpc_scan(struct rpc *r, sim_time first, sim_time period);

/* Opens the connection to peer now, unless it is open or opening, so that a later call does not wait for
 * it (a server that holds its peers' channels from the start). A failure is silent: the next call
 * connects again. Returns 1 when the connection is open or opening (its UP or FAILED comes to the node's
 * on_conn), 0 when no connection could be started. */
int rpc_connect(struct rpc *r, sim_node_id peer);

/* Whether this client's connection to peer is up (ChannelWrapper.isOK: the channel active): 0 while
 * connecting, after a close by either side, or when it never connected. */
int rpc_peer_open(struct rpc *r, sim_node_id peer);

/* rpc_call_async when rpc_peer_open(r, peer), in one look for the peer: returns 1 when sent (or failed, as
 * rpc_call_async's failures come), 0 when the connection is not up, and then nothing was done. */
int rpc_call_async_open(struct rpc *r, sim_node_id peer, uint16_t code, const void *body, uint32_t len,
                        uint64_t extra_wire, sim_time timeout, uint64_t tag);

/* Whether a connect of this client's to peer is under way (ChannelWrapper's future not done): a synchronous
 * call that timed out meanwhile left it going, and its caller's createChannel still waits for it. */
int rpc_peer_connecting(struct rpc *r, sim_node_id peer);

/* Server side: the context to answer req later, and the answer itself. Inline, as rpc_parse: both run for
 * every frame. */
static inline struct rpc_ctx rpc_ctx_of(const struct sim_msg *req)
{
    struct rpc_ctx c = {req->conn, 0};
    struct rpc_hdr h;
    if (req->len >= sizeof h) {
        memcpy(&h, req->data, sizeof h);
        c.opaque = h.opaque;
    }
    return c;
}
void rpc_reply(struct sim_node *n, struct rpc_ctx ctx, int status, const void *body, uint32_t len,
               uint64_t extra_wire);
/* An answer whose body may be larger than a route (a consumer list), built in r's scratch buffer. */
void rpc_reply_big(struct rpc *r, struct rpc_ctx ctx, int status, const void *body, uint32_t len,
                   uint64_t extra_wire);
/* A oneway request from the server to the client at the other end of connection c, which the client
 * opened (Broker2Client). A closed connection takes nothing. */
void rpc_oneway_to(struct sim_node *n, sim_conn c, uint16_t code, const void *body, uint32_t len);

/* The frame's header and body of a message, or -1 when it is not a remoting frame. */
static inline int rpc_parse(const struct sim_msg *m, struct rpc_hdr *h, const void **body, uint32_t *len)
{
    if (m->len < sizeof *h || m->type == RMQ_HA_REPORT || m->type == RMQ_HA_DATA)
        return -1;
    memcpy(h, m->data, sizeof *h);
    *body = (const unsigned char *)m->data + sizeof *h;
    *len = m->len - (uint32_t)sizeof *h;
    return 0;
}

/* A request's opaque: its slot in the low RPC_SLOT_BITS, the slot's generation above. */
#define RPC_SLOT_BITS 20

/* Frees slot i for the next request; a late response to it no longer matches (the generation moves). */
static inline void rpc_slot_release(struct rpc *r, uint32_t i)
{
    struct rpc_pending *p = &r->pend[i];
    p->in_use = 0;
    p->waiting = 0;
    p->gen = (p->gen + 1) & 0xfff;
    p->next_free = r->free_head;
    r->free_head = i;
    r->inflight--;
}

/* Hooks a model calls from its own callbacks. Each returns 1 when it consumed the event. rpc_on_message
 * and rpc_on_timer are inline: every client's every answer, and every model's every timer, passes them. */
static inline int rpc_on_message(struct rpc *r, const struct sim_msg *m)
{
    struct rpc_hdr h;
    const void *body;
    uint32_t len;
    if (m->type != RMQ_RESPONSE || rpc_parse(m, &h, &body, &len) < 0)
        return 0;
    uint32_t i = h.opaque & ((1u << RPC_SLOT_BITS) - 1);   /* the live slot the opaque names */
    if (i >= r->cap || !r->pend[i].in_use || r->pend[i].gen != h.opaque >> RPC_SLOT_BITS || r->pend[i].waiting)
        return 1;   /* timed out already: RocketMQ logs and drops a late response */
    uint64_t tag = r->pend[i].tag;
    rpc_slot_release(r, i);
    r->on_reply(r->n, tag, h.code, body, len);
    return 1;
}

/* The layer's timer fired: times out what is due and arms the next deadline. */
void rpc_timer_fired(struct rpc *r);

static inline int rpc_on_timer(struct rpc *r, uint64_t tag)
{
    if (!(tag & RPC_TIMER_BIT))
        return 0;
    rpc_timer_fired(r);
    return 1;
}
int rpc_on_conn(struct rpc *r, sim_conn c, enum sim_conn_ev ev);

#endif
