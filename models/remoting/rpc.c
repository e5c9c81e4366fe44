/* rpc: remoting over the engine's connections. Requests wait in a slot pool (no malloc per request in
 * steady state); the opaque is the slot plus a generation, so a late response to a reused slot is ignored.
 * As in RocketMQ 4.x, requests on a connection the peer closes (a FIN: the engine's dead process) are not
 * failed early: they time out (4.x fails them only on its own close, an idle close or a reset); with
 * fail_fast (5.1.3+ channelInactive) they fail when the close arrives. With close_on_timeout
 * (clientCloseSocketIfTimeout, 4.9+) a synchronous request's timeout is such an own close. */
#include <stdlib.h>
#include <string.h>

#include "models/remoting/rpc.h"

#define SLOT_BITS RPC_SLOT_BITS
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define NO_SLOT UINT32_MAX
#define FRAME_MAX (sizeof(struct rpc_hdr) + sizeof(struct rmq_route) + 64)

void rpc_init(struct rpc *r, struct sim_node *n, rpc_reply_fn on_reply)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->on_reply = on_reply;
    r->free_head = NO_SLOT;
    r->armed = SIM_TIME_MAX;
}

/* Makes sure the timer fires no later than t. */
static inline void arm(struct rpc *r, sim_time t)
{
    if (t >= r->armed)
        return;
    node_timer_cancel(r->n, r->timer);
    r->timer = node_timer(r->n, t - node_now(r->n), RPC_TIMER_BIT);
    r->armed = t;
}

/* Drops the heap copy of a waiting request's body. */
static void drop_big(struct rpc_pending *p)
{
    free(p->big);
    p->big = NULL;
}

void rpc_free(struct rpc *r)
{
    for (uint32_t i = 0; i < r->cap; i++)
        drop_big(&r->pend[i]);
    free(r->scratch);
    free(r->peers);
    free(r->pend);
    memset(r, 0, sizeof *r);
}

void rpc_reset(struct rpc *r)
{
    /* Timers died with the process; only the bookkeeping needs clearing. */
    r->npeers = 0;
    memset(r->hint, 0, sizeof r->hint);
    r->free_head = NO_SLOT;
    for (uint32_t i = r->cap; i-- > 0;) {
        drop_big(&r->pend[i]);
        r->pend[i].in_use = 0;
        r->pend[i].next_free = r->free_head;
        r->free_head = i;
    }
    r->inflight = 0;
    r->armed = SIM_TIME_MAX;
    r->timer = 0;
    r->scan_period = 0;
}

/* The pool is full: it doubles. Returns 0, or -1 when it cannot grow. Out of line: allocation stops once the
 * pool covers the peak of requests in flight. */
static __attribute__((noinline)) int slots_grow(struct rpc *r)
{
    uint32_t cap = r->cap ? r->cap * 2 : 64;
    if (cap > SLOT_MASK + 1)
        return -1;
    struct rpc_pending *p = realloc(r->pend, (size_t)cap * sizeof *p);
    if (!p)
        return -1;
    memset(p + r->cap, 0, (size_t)(cap - r->cap) * sizeof *p);
    for (uint32_t i = cap; i-- > r->cap;) {
        p[i].next_free = r->free_head;
        r->free_head = i;
    }
    r->pend = p;
    r->cap = cap;
    return 0;
}

/* Inlined into the calls: every request takes a slot. */
static inline __attribute__((always_inline)) uint32_t slot_alloc(struct rpc *r)
{
    if (r->free_head == NO_SLOT && slots_grow(r) < 0)
        return NO_SLOT;
    uint32_t i = r->free_head;
    r->free_head = r->pend[i].next_free;
    r->pend[i].in_use = 1;
    r->inflight++;
    return i;
}

static void slot_release(struct rpc *r, uint32_t i) { rpc_slot_release(r, i); }

static uint32_t opaque_of(const struct rpc *r, uint32_t slot) { return (r->pend[slot].gen << SLOT_BITS) | slot; }

/* Notes that peer i is node's, for peer_get's next look (a peer index past 254 is not noted). */
static void hint_set(struct rpc *r, sim_node_id node, int i)
{
    r->hint[node & (RPC_PEER_HINTS - 1)] = i < UINT8_MAX ? (uint8_t)(i + 1) : 0;
}

/* peer_get's way when the hint for the node's id is another node's. */
static struct rpc_peer *peer_find(struct rpc *r, sim_node_id node)
{
    for (int i = 0; i < r->npeers; i++)
        if (r->peers[i].node == node) {
            hint_set(r, node, i);
            return &r->peers[i];
        }
    if (r->npeers == r->peers_cap) {
        int cap = r->peers_cap ? r->peers_cap * 2 : 8;
        struct rpc_peer *p = realloc(r->peers, (size_t)cap * sizeof *p);
        if (!p)
            return NULL;
        r->peers = p;
        r->peers_cap = cap;
    }
    hint_set(r, node, r->npeers);
    struct rpc_peer *p = &r->peers[r->npeers++];
    memset(p, 0, sizeof *p);
    p->node = node;
    return p;
}

static inline struct rpc_peer *peer_get(struct rpc *r, sim_node_id node)
{
    /* The peer the hint names for the id's low bits: a producer's sends, a consumer's pulls, a leader's
     * pushes to each follower in turn find theirs at once. */
    int i = r->hint[node & (RPC_PEER_HINTS - 1)] - 1;
    if (i >= 0 && r->peers[i].node == node)
        return &r->peers[i];
    return peer_find(r, node);
}

/* node_conn_send's answer: -1 when the connection is not open (or memory is short). Inlined into its
 * callers (a request, an answer): every remoting frame passes here. */
static inline __attribute__((always_inline)) int send_frame(struct sim_node *n, sim_conn c, uint32_t opaque, int code,
                                                            uint16_t flags, const void *body, uint32_t len,
                                                            uint64_t extra_wire)
{
    unsigned char buf[FRAME_MAX];
    struct rpc_hdr h = {.opaque = opaque, .code = (int16_t)code, .flags = flags};
    if (len > sizeof buf - sizeof h)
        len = sizeof buf - sizeof h;
    memcpy(buf, &h, sizeof h);
    if (len)
        memcpy(buf + sizeof h, body, len);
    return node_conn_send(n, c, flags & RPC_RESPONSE ? RMQ_RESPONSE : (uint16_t)code, buf,
                          (uint32_t)(sizeof h + len), RMQ_HEADER_BYTES + len + extra_wire);
}

/* A request frame too large for send_frame's buffer, built in the rpc's scratch buffer (grown to the
 * largest seen, so a steady stream of them allocates nothing). */
static __attribute__((noinline)) int send_large(struct rpc *r, sim_conn c, uint32_t opaque, int code,
                                                uint16_t flags, const void *body, uint32_t len,
                                                uint64_t extra_wire)
{
    struct rpc_hdr h = {.opaque = opaque, .code = (int16_t)code, .flags = flags};
    uint32_t need = (uint32_t)sizeof h + len;
    if (need > r->scratch_cap) {
        unsigned char *b = realloc(r->scratch, need);
        if (!b)
            return -2;   /* out of memory, where -1 is a connection not open */
        r->scratch = b;
        r->scratch_cap = need;
    }
    memcpy(r->scratch, &h, sizeof h);
    memcpy(r->scratch + sizeof h, body, len);
    return node_conn_send(r->n, c, flags & RPC_RESPONSE ? RMQ_RESPONSE : (uint16_t)code, r->scratch, need,
                          RMQ_HEADER_BYTES + len + extra_wire);
}

static inline __attribute__((always_inline)) int send_request(struct rpc *r, sim_conn c, uint32_t opaque, int code,
                                                              const void *body, uint32_t len, uint64_t extra_wire)
{
    if (len > FRAME_MAX - sizeof(struct rpc_hdr))
        return send_large(r, c, opaque, code, 0, body, len, extra_wire);
    return send_frame(r->n, c, opaque, code, 0, body, len, extra_wire);
}

/* rpc_call and rpc_call_async: inlined into both, as each send passes here. */
void rpc_scan(struct rpc *r, sim_time first, sim_time period)
{
    r->scan_first = first;
    r->scan_period = period;
}

/* The first run of the response scan at or after t. */
static sim_time scan_run_after(const struct rpc *r, sim_time t)
{
    if (t <= r->scan_first)
        return r->scan_first;
    sim_time k = (t - r->scan_first + r->scan_period - 1) / r->scan_period;
    return r->scan_first + k * r->scan_period;
}

/* Whether a request sent (or given up) now, its deadline at p->deadline, had little time left: R53
 * NettyRemotingClient.invokeSync, shouldClose = left > MIN_CLOSE_TIMEOUT_MILLIS || left > timeoutMillis / 4. */
static uint8_t short_left(const struct rpc_pending *p, sim_time now)
{
    sim_time left = p->deadline - now, timeout = p->deadline - p->begin;
    return !(left > 100 * SIM_MS || left > timeout / 4);
}

/* A late request whose connection is open with no time left (invokeSync: `timeoutMillis < costTime`, R53
 * `left <= 0`): it is not sent, and times out at the layer's timer, now, on connection c. */
static void give_up(struct rpc *r, struct rpc_pending *p, sim_conn c)
{
    sim_time now = node_now(r->n);
    p->waiting = 0;
    p->conn = c;
    p->short_left = 1;
    p->deadline = now;
    drop_big(p);
    arm(r, now);
}

/* A request to peer, whose record pe the caller found (peer_get; NULL: out of memory). */
static inline __attribute__((always_inline)) void call_peer(struct rpc *r, struct rpc_peer *pe, sim_node_id peer,
                                                             uint16_t code, const void *body, uint32_t len,
                                                             uint64_t extra_wire, sim_time begin, sim_time timeout,
                                                             uint64_t tag, uint8_t async, uint8_t late, uint8_t spent)
{
    uint32_t i = pe ? slot_alloc(r) : NO_SLOT;
    if (i == NO_SLOT) {
        r->on_reply(r->n, tag, RMQ_SYSTEM_ERROR, NULL, 0);
        return;
    }
    struct rpc_pending *p = &r->pend[i];
    p->async = async;
    p->late = late;
    p->short_left = 0;
    p->spent = 0;
    p->conn = 0;
    p->code = code;
    p->peer = peer;
    p->tag = tag;
    p->len = len;
    p->wire = extra_wire;
    p->begin = begin;
    p->deadline = begin + timeout;
    if (async && r->scan_period > 0)
        p->deadline = scan_run_after(r, p->deadline + RPC_SCAN_GRACE);
    if (late && pe->conn && !pe->connecting && node_conn_open(r->n, pe->conn)) {
        sim_time now = node_now(r->n);
        if (p->deadline <= now) {
            give_up(r, p, pe->conn);
            return;
        }
        p->short_left = short_left(p, now);
    }
    if (!late)
        arm(r, p->deadline);
    /* On an open connection at once; node_conn_send tests that it is open before anything else. */
    if (pe->conn && !pe->connecting) {
        if (late)
            arm(r, p->deadline);
        int rc = send_request(r, pe->conn, opaque_of(r, i), code, body, len, extra_wire);
        p->conn = pe->conn;
        if (rc >= 0) {
            p->spent = spent;
            return;
        }
        if (rc == -2) {
            slot_release(r, i);
            r->on_reply(r->n, tag, RMQ_SYSTEM_ERROR, NULL, 0);
            return;
        }
    }
    /* Only a request that waits for its connection needs its body kept (sent from rpc_on_conn). */
    if (len > RPC_REQ_MAX && !(p->big = malloc(len))) {
        slot_release(r, i);
        r->on_reply(r->n, tag, RMQ_SYSTEM_ERROR, NULL, 0);
        return;
    }
    if (len)
        memcpy(p->big ? p->big : p->body, body, len);
    p->waiting = 1;
    if (!pe->connecting) {
        pe->conn = node_connect(r->n, peer, 0);
        pe->connecting = pe->conn != 0;
    }
}

static inline __attribute__((always_inline)) void call(struct rpc *r, sim_node_id peer, uint16_t code,
                                                        const void *body, uint32_t len, uint64_t extra_wire,
                                                        sim_time begin, sim_time timeout, uint64_t tag,
                                                        uint8_t async, uint8_t late, uint8_t spent)
{
    call_peer(r, peer_get(r, peer), peer, code, body, len, extra_wire, begin, timeout, tag, async, late, spent);
}

void rpc_call(struct rpc *r, sim_node_id peer, uint16_t code, const void *body, uint32_t len,
              uint64_t extra_wire, sim_time timeout, uint64_t tag)
{
    call(r, peer, code, body, len, extra_wire, node_now(r->n), timeout, tag, 0, 0, 0);
}

void rpc_call_begun(struct rpc *r, sim_node_id peer, uint16_t code, const void *body, uint32_t len,
                    uint64_t extra_wire, sim_time begin, sim_time timeout, uint64_t tag)
{
    call(r, peer, code, body, len, extra_wire, begin, timeout, tag, 0, 1, 0);
}

void rpc_call_async(struct rpc *r, sim_node_id peer, uint16_t code, const void *body, uint32_t len,
                    uint64_t extra_wire, sim_time timeout, uint64_t tag)
{
    call(r, peer, code, body, len, extra_wire, node_now(r->n), timeout, tag, 1, 0, 0);
}

int rpc_connect(struct rpc *r, sim_node_id peer)
{
    struct rpc_peer *pe = peer_get(r, peer);
    if (!pe)
        return 0;
    if (pe->connecting || (pe->conn && node_conn_open(r->n, pe->conn)))
        return 1;
    pe->conn = node_connect(r->n, peer, 0);
    pe->connecting = pe->conn != 0;
    return pe->connecting;
}

/* The peer already known for node, or NULL: peer_get's hint first (a 4.x consumer asks before every pull),
 * then the scan, without adding a peer. */
static struct rpc_peer *peer_known(struct rpc *r, sim_node_id node)
{
    int i = r->hint[node & (RPC_PEER_HINTS - 1)] - 1;
    if (i < 0 || i >= r->npeers || r->peers[i].node != node)
        for (i = 0; i < r->npeers && r->peers[i].node != node; i++)
            ;
    return i < r->npeers ? &r->peers[i] : NULL;
}

/* Whether p (NULL: no such peer) has a connection that is up. */
static inline int peer_open(const struct rpc *r, const struct rpc_peer *p)
{
    return p && p->conn && !p->connecting && node_conn_open(r->n, p->conn);
}

int rpc_peer_open(struct rpc *r, sim_node_id peer) { return peer_open(r, peer_known(r, peer)); }

int rpc_call_async_open(struct rpc *r, sim_node_id peer, uint16_t code, const void *body, uint32_t len,
                        uint64_t extra_wire, sim_time timeout, uint64_t tag)
{
    /* rpc_peer_open's test on the peer it finds, which the request then goes on: one look, where the test
     * and rpc_call_async each made theirs (a 4.x consumer's every pull). */
    struct rpc_peer *p = peer_known(r, peer);
    if (!peer_open(r, p))
        return 0;
    call_peer(r, p, peer, code, body, len, extra_wire, node_now(r->n), timeout, tag, 1, 0, 0);
    return 1;
}

int rpc_peer_connecting(struct rpc *r, sim_node_id peer)
{
    const struct rpc_peer *p = peer_known(r, peer);
    return p && p->connecting;
}

void rpc_call_spent(struct rpc *r, sim_node_id peer, uint16_t code, const void *body, uint32_t len,
                    uint64_t extra_wire, uint64_t tag)
{
    sim_time now = node_now(r->n);
    int late = r->close_needs_time || !rpc_peer_open(r, peer);
    call(r, peer, code, body, len, extra_wire, now, 0, tag, 0, (uint8_t)late, (uint8_t)!late);
}

void rpc_reply(struct sim_node *n, struct rpc_ctx ctx, int status, const void *body, uint32_t len,
               uint64_t extra_wire)
{
    /* A connection closed meanwhile takes nothing: node_conn_send refuses it. */
    send_frame(n, ctx.conn, ctx.opaque, status, RPC_RESPONSE, body, len, extra_wire);
}

void rpc_reply_big(struct rpc *r, struct rpc_ctx ctx, int status, const void *body, uint32_t len,
                   uint64_t extra_wire)
{
    if (len > FRAME_MAX - sizeof(struct rpc_hdr))
        send_large(r, ctx.conn, ctx.opaque, status, RPC_RESPONSE, body, len, extra_wire);
    else
        send_frame(r->n, ctx.conn, ctx.opaque, status, RPC_RESPONSE, body, len, extra_wire);
}

void rpc_oneway_to(struct sim_node *n, sim_conn c, uint16_t code, const void *body, uint32_t len)
{
    send_frame(n, c, 0, code, 0, body, len, 0);
}

/* Fails every request marked `mark` with CONN_FAILED. Marked first, then failed: the callbacks may issue new
 * requests to the same peer (and grow the pool), and those are not marked. */
static void fail_marked(struct rpc *r, uint8_t mark)
{
    for (uint32_t i = 0; i < r->cap; i++) {
        struct rpc_pending *p = &r->pend[i];
        if (!(p->in_use && p->waiting == mark))
            continue;
        uint64_t tag = p->tag;
        drop_big(p);
        slot_release(r, i);
        r->on_reply(r->n, tag, RMQ_CONN_FAILED, NULL, 0);
    }
}

/* Marks (3) every request sent on connection c, for fail_marked: NettyRemotingAbstract.failFast fails the
 * requests of one channel. */
static void mark_sent_on(struct rpc *r, sim_conn c)
{
    for (uint32_t i = 0; i < r->cap; i++)
        if (r->pend[i].in_use && !r->pend[i].waiting && r->pend[i].conn == c)
            r->pend[i].waiting = 3;
}

/* clientCloseSocketIfTimeout (NettyRemotingClient.invokeSync): the connection c a request timed out on is
 * closed (closeChannel), and its close() fails every other request sent on it (failFast: sendRequestOK false,
 * RemotingSendRequestException). They are marked here and failed after the timed-out one's own answer, so
 * that requests its callback sends (a retry) go on a new connection and are not marked. A connection the
 * peer has already replaced is closed alone (closeChannel leaves the table's newer one). */
static void close_timed_out(struct rpc *r, sim_node_id peer, sim_conn c)
{
    node_conn_close(r->n, c);
    for (int i = 0; i < r->npeers; i++)
        if (r->peers[i].node == peer && r->peers[i].conn == c) {
            r->peers[i].conn = 0;
            r->peers[i].connecting = 0;
        }
    mark_sent_on(r, c);
}

void rpc_timer_fired(struct rpc *r)
{
    sim_time now = node_now(r->n);
    r->armed = SIM_TIME_MAX;
    r->timer = 0;
    /* Time out what is due, in slot order (deterministic); callbacks may add requests, which arm anew. */
    for (uint32_t i = 0; i < r->cap; i++) {
        struct rpc_pending *p = &r->pend[i];
        if (!p->in_use || p->deadline > now || (p->late && p->waiting))
            continue;
        uint64_t t = p->tag;
        /* sent (or given up on an open connection), and synchronous; R53's shouldClose. A 0 ms request
         * (rpc_call_spent) fails with RemotingSendRequestException, whose catch closes the connection
         * (R498 NettyRemotingClient.invokeSync, 4.9.7 l.393-396; R44 l.378-381). */
        int spent = p->spent;
        int close = spent || (r->close_on_timeout && !p->async && !p->waiting &&
                              !(r->close_needs_time && p->short_left));
        sim_node_id peer = p->peer;
        sim_conn c = p->conn;
        drop_big(p);
        slot_release(r, i);
        if (close)
            close_timed_out(r, peer, c);
        r->on_reply(r->n, t, spent ? RMQ_CONN_FAILED : RMQ_TIMEOUT, NULL, 0);
        if (close)
            fail_marked(r, 3);
    }
    sim_time next = SIM_TIME_MAX;
    for (uint32_t i = 0; i < r->cap; i++)
        if (r->pend[i].in_use && r->pend[i].deadline < next && !(r->pend[i].late && r->pend[i].waiting))
            next = r->pend[i].deadline;
    if (next < SIM_TIME_MAX)
        arm(r, next);
}

int rpc_on_conn(struct rpc *r, sim_conn c, enum sim_conn_ev ev)
{
    struct rpc_peer *pe = NULL;
    for (int i = 0; i < r->npeers; i++)
        if (r->peers[i].conn == c)
            pe = &r->peers[i];
    if (!pe)
        return 0;
    sim_node_id peer = pe->node;
    switch (ev) {
    case SIM_CONN_UP:
        pe->connecting = 0;
        for (uint32_t i = 0; i < r->cap; i++) {
            struct rpc_pending *p = &r->pend[i];
            if (p->in_use && p->waiting && p->peer == peer) {
                sim_time now = node_now(r->n);
                if (p->late && p->deadline <= now) {
                    give_up(r, p, c);   /* NettyRemotingClient.invokeSync: timeoutMillis < costTime */
                    continue;
                }
                p->waiting = 0;
                p->conn = c;
                p->short_left = short_left(p, now);
                if (p->late)
                    arm(r, p->deadline);
                send_request(r, c, opaque_of(r, i), p->code, p->big ? p->big : p->body, p->len, p->wire);
                drop_big(p);
            }
        }
        break;
    case SIM_CONN_FAILED:
        pe->connecting = 0;
        pe->conn = 0;
        /* Every request that waited for this connection fails. */
        for (uint32_t i = 0; i < r->cap; i++)
            if (r->pend[i].in_use && r->pend[i].waiting && r->pend[i].peer == peer)
                r->pend[i].waiting = 2;
        fail_marked(r, 2);
        break;
    case SIM_CONN_CLOSED:
        pe->conn = 0;
        pe->connecting = 0;
        /* NettyRemotingAbstract.failFast: with fail_fast every request sent on it fails now, as requestFail
         * does (sendRequestOK false: RemotingSendRequestException). */
        if (r->fail_fast) {
            mark_sent_on(r, c);
            fail_marked(r, 3);
        }
        break;
    default:
        break;
    }
    return 1;
}
