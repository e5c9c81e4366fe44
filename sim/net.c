/* net: message passing between nodes. Every message, datagram or connection segment, takes one path:
 * serialise at the sender (bandwidth), propagate (latency draw), and, on a connection, never overtake
 * what was sent earlier in the same direction (FIFO, as a TCP stream stays ordered). In this order: the
 * links' table, the path and datagrams, then connections (send, close, delivery, the segments TCP holds while
 * a path is cut, a node's crash). A connection's opening is net_connect.c's; a link's own settings and cuts
 * are net_link.c's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/net.h"
#include "sim/sim.h"
#include "sim/sim_int.h"
#include "sim/net_int.h"

void net_config_default(struct net_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->def.latency.kind = SIM_DIST_LOGNORMAL;
    cfg->def.latency.unit = SIM_UNIT_TIME;
    cfg->def.latency.a = log(0.2e6);   /* median 0.2 ms in ns */
    cfg->def.latency.b = 0.3;
    cfg->def.loss = 0;
    cfg->def.bandwidth = 10e9 / 8;     /* 10 Gbit/s */
    cfg->connect_timeout = 3000 * SIM_MS;
    cfg->syn_rto = 1000 * SIM_MS;
    cfg->syn_retries = 6;   /* Linux's tcp_syn_retries */
    cfg->syn_linear = 0;    /* tcp_syn_linear_timeouts before Linux 6.5 (4 from 6.5) */
    cfg->retransmit = 200 * SIM_MS;
    cfg->tcp_timeout = 924600 * SIM_MS;
}

int net_init(struct net *n)
{
    n->links_cap = 1024;
    n->links = malloc(n->links_cap * sizeof *n->links);
    if (!n->links)
        return -1;
    for (size_t i = 0; i < n->links_cap; i++)
        n->links[i].key = LINK_EMPTY;
    return 0;
}

static void held_free(struct conn_rec *r, int d)
{
    while (r->held[d]) {
        struct held_seg *h = r->held[d];
        r->held[d] = h->next;
        free(h);
    }
    r->held_tail[d] = NULL;
}

void net_free(struct net *n)
{
    for (uint32_t c = 1; c < n->nconns; c++) {
        held_free(&n->conns[c], 0);
        held_free(&n->conns[c], 1);
    }
    sim_dist_free(&n->cfg.def.latency);
    for (int i = 0; i < n->ncfgs; i++)
        sim_dist_free(&n->cfgs[i].latency);
    free(n->cfgs);
    free(n->links);
    free(n->conns);
}

/* The links: an open-addressing table keyed by (from, to). */

static size_t link_hash(uint64_t key, size_t mask)
{
    key *= 0x9e3779b97f4a7c15ULL;
    return (size_t)(key >> 32) & mask;
}

static int links_grow(struct net *n)
{
    size_t cap = n->links_cap * 2;
    struct link *a = malloc(cap * sizeof *a);
    if (!a)
        return -1;
    for (size_t i = 0; i < cap; i++)
        a[i].key = LINK_EMPTY;
    for (size_t i = 0; i < n->links_cap; i++) {
        if (n->links[i].key == LINK_EMPTY)
            continue;
        size_t j = link_hash(n->links[i].key, cap - 1);
        while (a[j].key != LINK_EMPTY)
            j = (j + 1) & (cap - 1);
        a[j] = n->links[i];
    }
    free(n->links);
    n->links = a;
    n->links_cap = cap;
    return 0;
}

/* The entry of from -> to, or NULL when it has none. */
static struct link *link_find(struct net *n, sim_node_id from, sim_node_id to)
{
    uint64_t key = ((uint64_t)from << 32) | to;
    size_t mask = n->links_cap - 1;
    for (size_t j = link_hash(key, mask);; j = (j + 1) & mask) {
        struct link *l = &n->links[j];
        if (l->key == key)
            return l;
        if (l->key == LINK_EMPTY)
            return NULL;
    }
}

/* The entry of from -> to, created on first use. NULL only when out of memory. */
struct link *net_link_get(struct net *n, sim_node_id from, sim_node_id to)
{
    struct link *found = link_find(n, from, to);
    if (found)
        return found;
    /* Keep the load at most one half so probes stay short. */
    if ((n->nlinks + 1) * 2 > n->links_cap && links_grow(n) < 0)
        return NULL;
    uint64_t key = ((uint64_t)from << 32) | to;
    size_t mask = n->links_cap - 1;
    size_t j = link_hash(key, mask);
    while (n->links[j].key != LINK_EMPTY)
        j = (j + 1) & mask;
    struct link *l = &n->links[j];
    l->key = key;
    l->busy_until = 0;
    l->cfg = -1;
    l->cut = 0;
    n->nlinks++;
    return l;
}

static const struct net_link_cfg *link_cfg(const struct net *n, const struct link *l)
{
    return l->cfg < 0 ? &n->cfg.def : &n->cfgs[l->cfg];
}

/* Sends wire_bytes over src -> to, leaving at `depart` at the earliest. On TX_OK *arrive is when it gets
 * there, and *sent when it left src (its last byte on the wire, after the bytes queued before it). A reliable
 * segment (a connection's) is never lost: a loss costs one retransmit delay instead, and it counts as sent
 * at its first transmission, which keeps a stream's sent times in its order (its retransmission would not
 * happen if its host died meanwhile, but neither would the later segments' deliveries, which TCP holds
 * behind it: the host's death drops a suffix of the stream either way); and with fifo (the stream's latest
 * arrival in this direction) it never overtakes an earlier one. Inlined into the two sends, every message's
 * path; the rarer callers take net_transmit_id. */
static inline __attribute__((always_inline)) int transmit(struct sim *s, struct node_int *src, sim_node_id to,
                                                          sim_time depart, uint64_t wire_bytes, int reliable,
                                                          sim_time *fifo, sim_time *arrive, sim_time *sent)
{
    struct net *net = &s->net;
    struct link *l = net->nlinks ? link_find(net, src->pub.id, to) : NULL;
    if (l && l->cut)
        return TX_CUT;
    const struct net_link_cfg *cfg = l ? link_cfg(net, l) : &net->cfg.def;
    if (cfg->bandwidth > 0 && wire_bytes > 0) {
        sim_time *busy = l && l->cfg >= 0 ? &l->busy_until : &src->nic_busy;
        if (*busy > depart)
            depart = *busy;
        /* The serialisation delay, ceil(q) in whole nanoseconds, capped: a long backlog on a very slow link
         * must not overflow the clock. ceil without libm's way: q is never negative, and below 2^61 its
         * truncation c is floor(q) exactly, so c + (c < q) is ceil(q), a value a double holds exactly;
         * from 2^61 (or infinite) ceil(q) is past any room left (depart >= 0, SIM_TIME_MAX is 2^61 - 1). */
        double q = (double)wire_bytes * 1e9 / cfg->bandwidth;
        if (q < 0x1p61) {
            sim_time c = (sim_time)q;
            c += (double)c < q;
            depart = (double)c < (double)(SIM_TIME_MAX - depart) ? depart + c : SIM_TIME_MAX;
        } else {
            depart = SIM_TIME_MAX;
        }
        *busy = depart;
    }
    sim_time lat = sim_dist_time(&cfg->latency, src->net_rng);
    sim_time t = lat < SIM_TIME_MAX - depart ? depart + lat : SIM_TIME_MAX;
    if (cfg->loss > 0 && sim_rng_uniform(src->net_rng) < cfg->loss) {
        if (!reliable)
            return TX_LOST;
        t += net->cfg.retransmit;   /* (it counts as sent at its first transmission: see *sent above) */
    }
    if (fifo) {
        if (t < *fifo)
            t = *fifo;
        *fifo = t;
    }
    *arrive = t;
    *sent = depart;
    return TX_OK;
}

/* The engine's record of a node a model holds (its public part is the record's first member). */
static inline struct node_int *node_rec(struct sim_node *n) { return (struct node_int *)n; }

int net_transmit_id(struct sim *s, sim_node_id from, sim_node_id to, sim_time depart, uint64_t wire_bytes,
                    int reliable, sim_time *fifo, sim_time *arrive, sim_time *sent)
{
    return transmit(s, node_int(s, from), to, depart, wire_bytes, reliable, fifo, arrive, sent);
}

/* The FIFO mark of c in the direction from -> (its other end). */
static sim_time *conn_fifo(struct conn_rec *r, sim_node_id from)
{
    return r->a == from ? &r->fifo_ab : &r->fifo_ba;
}

/* Notes on an event (a message or a close) when it leaves its sender, if after now: net_on_host_down reads it. */
static inline void note_sent(struct sim *s, struct sim_event *e, sim_time sent)
{
    if (sent > s->now) {
        e->flags |= EVF_QUEUED;
        s->sent[sim_event_slot(s, e)] = sent;
    }
}

/* Queues a message event, due at `at`, that left its sender at `sent`; the payload is copied inline when it
 * fits in 8 bytes, else into a pool buffer. A connection's message (conn, its direction's FIFO mark passed)
 * joins the direction's chain (sim.c: sim_schedule_chained). */
static inline int queue_msg(struct sim *s, sim_time at, sim_time sent, sim_node_id from, sim_node_id to,
                            uint16_t type, const void *payload, uint32_t len, sim_conn conn)
{
    struct sim_event *e;
    if (conn) {
        struct conn_rec *r = &s->net.conns[conn];
        e = sim_schedule_chained(s, at, to, conn, from, &r->chain_last[r->a == from ? 0 : 1]);
    } else {
        e = sim_schedule(s, at, EV_MSG, to);
    }
    if (!e)
        return -1;
    note_sent(s, e, sent);
    e->from = from;
    e->type = type;
    e->len = len;
    e->conn = conn;
    e->data = 0;
    if (len > sizeof e->data) {
        void *buf = pool_get(s, len);
        if (!buf) {
            e->kind = EV_MSG;
            e->len = 0;   /* delivered empty rather than crash; cannot happen short of OOM */
            return -1;
        }
        memcpy(buf, payload, len);
        e->data = (uint64_t)(uintptr_t)buf;
    } else if (len > 0) {
        memcpy(&e->data, payload, len);
    }
    s->stats.msgs_sent++;
    return 0;
}

int node_send(struct sim_node *n, sim_node_id to, uint16_t type, const void *payload, uint32_t len,
              uint64_t wire_bytes)
{
    struct sim *s = n->sim;
    if (n->state != SIM_NODE_UP || to >= s->nnodes)
        return -1;
    sim_time at, sent;
    switch (transmit(s, node_rec(n), to, s->now, wire_bytes, 0, NULL, &at, &sent)) {
    case TX_OK:
        return queue_msg(s, at, sent, n->id, to, type, payload, len, 0);
    case TX_LOST:
        s->stats.msgs_dropped_loss++;
        return 0;
    case TX_CUT:
        s->stats.msgs_dropped_cut++;
        return 0;
    default:
        return -1;
    }
}

_Static_assert(sizeof(struct conn_rec) == 128, "a connection's record is 128 bytes (net_state.h)");

static struct conn_rec *conn_get(struct sim *s, sim_conn c)
{
    return c > 0 && c < s->net.nconns ? &s->net.conns[c] : NULL;
}

struct sim_event *net_conn_notify(struct sim *s, sim_time at, sim_node_id to, sim_conn c, enum sim_conn_ev ev,
                                  uint64_t tag)
{
    struct sim_event *e = sim_schedule(s, at, EV_CONN, to);
    if (!e)
        return NULL;
    e->from = SIM_NODE_NONE;   /* a close's sender, set by conn_fin: its host's death may keep it unsent */
    e->type = (uint16_t)ev;
    e->conn = c;
    e->data = tag;
    return e;
}

/* A close (FIN) from `from`, due at `at` at its peer, that left from's NIC at `sent`. */
static void conn_fin(struct sim *s, sim_time at, sim_time sent, sim_node_id from, sim_node_id to, sim_conn c)
{
    struct sim_event *e = net_conn_notify(s, at, to, c, SIM_CONN_CLOSED, 0);
    if (!e)
        return;
    e->from = from;
    note_sent(s, e, sent);
}

/* Tells `to` that the other side of c is gone, after what that side already sent (same link, FIFO).
 * Nothing arrives over a cut link or a broken stream: then the peer finds out by its own timeouts. */
static int hold(struct sim *s, sim_conn c, int d, uint16_t type, const void *payload, uint32_t len, uint64_t wire);

static void conn_send_close(struct sim *s, sim_node_id from, sim_node_id to, sim_conn c)
{
    sim_time at, sent;
    struct conn_rec *r = &s->net.conns[c];
    int d = r->a == from ? 0 : 1;
    if (r->broken)
        return;
    if (r->held[d]) {
        hold(s, c, d, HELD_FIN, NULL, 0, 64);   /* after the data still waiting */
        return;
    }
    switch (net_transmit_id(s, from, to, s->now, 64, 1, conn_fifo(r, from), &at, &sent)) {
    case TX_OK:
        conn_fin(s, at, sent, from, to, c);
        break;
    case TX_CUT:
        hold(s, c, d, HELD_FIN, NULL, 0, 64);
        break;
    default:
        break;
    }
}

/* Keeps a segment for retransmission; the first one held starts the backoff. */
static int hold(struct sim *s, sim_conn c, int d, uint16_t type, const void *payload, uint32_t len, uint64_t wire)
{
    struct conn_rec *r = &s->net.conns[c];
    struct held_seg *h = malloc(sizeof *h + len);
    if (!h)
        return -1;
    h->next = NULL;
    h->type = type;
    h->len = len;
    h->wire = wire;
    if (len)
        memcpy(h->data, payload, len);
    if (r->held[d]) {
        r->held_tail[d]->next = h;
    } else {
        r->held[d] = h;
        r->stall_since[d] = s->now;
        r->rto[d] = s->net.cfg.retransmit;
        sim_hook_at(s, s->now + r->rto[d], s->net.retx_hook, ((uint64_t)c << 1) | (uint64_t)d);
    }
    r->held_tail[d] = h;
    s->stats.msgs_dropped_cut++;
    return 0;
}

/* Whether direction d holds a FIN (the last segment held, after the data written before the close). */
static int held_fin(const struct conn_rec *r, int d) { return r->held[d] && r->held_tail[d]->type == HELD_FIN; }

/* A retransmission timer: deliver what the healed path lets through, in order; back off while it is
 * still cut; give up after tcp_timeout (the sender's socket gets ETIMEDOUT: its side closes). A side that
 * closed (close(), or its process died: the kernel sends the FIN) still sends what it had written and then
 * the FIN; a side whose host died sends nothing more. */
void net_on_retx(struct sim *s, void *ctx, uint64_t arg)
{
    sim_conn c = (sim_conn)(arg >> 1);
    int d = (int)(arg & 1);
    struct conn_rec *r = &s->net.conns[c];
    sim_node_id from = d == 0 ? r->a : r->b, to = d == 0 ? r->b : r->a;
    (void)ctx;
    if ((d == 0 ? r->open_a : r->open_b) != 1 && !held_fin(r, d)) {
        held_free(r, d);   /* closed with no FIN to send (its host died, or the peer had closed first) */
        return;
    }
    while (r->held[d]) {
        struct held_seg *h = r->held[d];
        sim_time at, sent;
        if (net_transmit_id(s, from, to, s->now, h->wire, 1, conn_fifo(r, from), &at, &sent) != TX_OK)
            break;
        if (h->type == HELD_FIN)
            conn_fin(s, at, sent, from, to, c);
        else
            queue_msg(s, at, sent, from, to, h->type, h->data, h->len, c);
        r->held[d] = h->next;
        free(h);
    }
    if (!r->held[d]) {
        r->held_tail[d] = NULL;
        return;
    }
    if (s->now - r->stall_since[d] >= s->net.cfg.tcp_timeout) {
        held_free(r, d);
        r->broken = 1;
        if ((d == 0 ? r->open_a : r->open_b) == 1)
            net_conn_notify(s, s->now, from, c, SIM_CONN_CLOSED, 0);
        return;
    }
    r->rto[d] = r->rto[d] * 2 > 120 * SIM_S ? 120 * SIM_S : r->rto[d] * 2;
    sim_hook_at(s, s->now + r->rto[d], s->net.retx_hook, arg);
}

/* This node's side of c: 1 when n is the connecting side (a), 0 when the accepting side (b), -1 neither. */
static int conn_side(const struct conn_rec *r, const struct sim_node *n)
{
    if (r->a == n->id && r->a_inc == n->inc)
        return 1;
    if (r->b == n->id && r->b_inc == n->inc)
        return 0;
    return -1;
}

int node_conn_open(const struct sim_node *n, sim_conn c)
{
    struct conn_rec *r = conn_get(n->sim, c);
    if (!r || n->state != SIM_NODE_UP)
        return 0;
    int side = conn_side(r, n);
    return (side == 1 ? r->open_a : side == 0 ? r->open_b : 0) == 1;
}

sim_node_id node_conn_peer(const struct sim_node *n, sim_conn c)
{
    struct conn_rec *r = conn_get(n->sim, c);
    if (!r)
        return SIM_NODE_NONE;
    int side = conn_side(r, n);
    return side == 1 ? r->b : side == 0 ? r->a : SIM_NODE_NONE;
}

sim_time node_conn_last_io(const struct sim_node *n, sim_conn c)
{
    struct conn_rec *r = conn_get(n->sim, c);
    if (!r || n->state != SIM_NODE_UP || conn_side(r, n) != 0 || r->open_b != 1 || r->a == r->b)
        return -1;
    return r->io_b;
}

int node_conn_send(struct sim_node *n, sim_conn c, uint16_t type, const void *payload, uint32_t len,
                   uint64_t wire_bytes)
{
    struct sim *s = n->sim;
    if (c == 0 || c >= s->net.nconns || n->state != SIM_NODE_UP)
        return -1;
    struct conn_rec *r = &s->net.conns[c];
    /* node_conn_open and the direction (0: a -> b) in one pass; as conn_side, the connecting side is
     * tried first, and a connection to itself keeps the direction a -> b. */
    int d;
    if (r->a == n->id && r->a_inc == n->inc)
        d = r->open_a == 1 ? 0 : -1;
    else if (r->b == n->id && r->b_inc == n->inc)
        d = r->open_b != 1 ? -1 : r->a == n->id ? 0 : 1;
    else
        d = -1;
    if (d < 0)
        return -1;
    if (r->broken) {
        s->stats.msgs_dropped_cut++;
        return 0;
    }
    if (d == 1)
        r->io_b = s->now;   /* a write: it reaches the socket's buffer, whether or not the path is cut */
    if (r->held[d])
        return hold(s, c, d, type, payload, len, wire_bytes);   /* behind what waits for the path */
    sim_node_id to = d == 0 ? r->b : r->a;
    sim_time at, sent;
    switch (transmit(s, node_rec(n), to, s->now, wire_bytes, 1, d == 0 ? &r->fifo_ab : &r->fifo_ba, &at, &sent)) {
    case TX_OK:
        return queue_msg(s, at, sent, n->id, to, type, payload, len, c);
    case TX_CUT:
        /* TCP keeps the segment and retransmits it until the path heals or the connection times out. */
        return hold(s, c, d, type, payload, len, wire_bytes);
    default:
        return -1;
    }
}

void node_conn_close(struct sim_node *n, sim_conn c)
{
    struct sim *s = n->sim;
    struct conn_rec *r = conn_get(s, c);
    int side = r && n->state == SIM_NODE_UP ? conn_side(r, n) : -1;
    if (side < 0 || !(side == 1 ? r->open_a : r->open_b))
        return;   /* not ours, or closed already; a connect in progress is abandoned below */
    sim_node_id peer = side == 1 ? r->b : r->a;
    if (side == 1)
        r->open_a = 0;
    else
        r->open_b = 0;
    if ((side == 1 ? r->open_b : r->open_a) == 1)
        conn_send_close(s, n->id, peer, c);
}

void net_conn_event(struct sim *s, struct sim_event *e, struct sim_node *dst)
{
    struct conn_rec *r = conn_get(s, e->conn);
    enum sim_conn_ev ev = (enum sim_conn_ev)e->type;
    uint64_t tag = e->data;
    sim_conn c = e->conn;
    if (!r || (e->flags & EVF_UNSENT))
        return;
    sim_node_id peer = r->a == dst->id ? r->b : r->a;
    switch (ev) {
    case SIM_CONN_ACCEPTED:
        if (r->open_b != 1)
            return;   /* closed again before this arrived */
        break;
    case SIM_CONN_UP:
    case SIM_CONN_FAILED:
        if (r->open_a != 2)
            return;   /* closed or crashed while connecting */
        r->open_a = ev == SIM_CONN_UP ? 1 : 0;
        break;
    case SIM_CONN_CLOSED: {
        int side = conn_side(r, dst);
        if (side < 0 || !(side == 1 ? r->open_a : r->open_b))
            return;   /* already closed on this side: nothing to tell */
        if (side == 1)
            r->open_a = 0;
        else
            r->open_b = 0;
        break;
    }
    }
    if (dst->ops->on_conn)
        dst->ops->on_conn(dst, c, ev, peer, tag);
}

/* A reset for data that came after the receiving process closed the connection: Linux answers it at once
 * (tcp_rcv_state_process, TCPAbortOnData), a bare segment behind nothing held for retransmission (a reset
 * lost on the way costs what a lost segment costs: the sender's retransmission draws another). The close the
 * process sent (a FIN, perhaps still held) then finds the sender closed already. Not modelled: the same
 * answer from the kernel of a process that died (its orphaned sockets), and the socket's held data dropped
 * with it (here it is sent and refused). */
static void conn_send_reset(struct sim *s, sim_node_id from, sim_node_id to, sim_conn c)
{
    sim_time at, sent;
    struct conn_rec *r = &s->net.conns[c];
    if (net_transmit_id(s, from, to, s->now, 64, 1, conn_fifo(r, from), &at, &sent) == TX_OK)
        conn_fin(s, at, sent, from, to, c);
}

/* A message for a connection the receiving process no longer has (closed, broken, or an earlier life's):
 * dropped, and the host answers the sender with a reset. */
static __attribute__((noinline)) void deliver_refused(struct sim *s, const struct sim_event *e,
                                                      const struct sim_node *dst, struct conn_rec *r, int side)
{
    if (r && !r->broken) {
        int sender_open = (r->a == e->from ? r->open_a : r->open_b) == 1;
        if (sender_open && side < 0)
            conn_send_close(s, dst->id, e->from, e->conn);
        else if (sender_open)
            conn_send_reset(s, dst->id, e->from, e->conn);   /* this process closed it */
    }
    s->stats.msgs_dropped_down++;
}

void net_deliver(struct sim *s, struct sim_event *e, struct sim_node *dst)
{
    uint32_t len = e->len;
    uint64_t data = e->data;   /* kept here: e is not read after the model's call */
    if (__builtin_expect(e->flags & EVF_UNSENT, 0) && dst) {
        s->stats.msgs_dropped_loss++;   /* its sender's host died before it left (net_on_host_down) */
        dst = NULL;
    }
    if (dst && e->conn) {
        struct conn_rec *r = conn_get(s, e->conn);
        int side = r ? conn_side(r, dst) : -1;
        if ((side == 1 ? r->open_a : side == 0 ? r->open_b : 0) != 1 || r->broken) {
            deliver_refused(s, e, dst, r, side);
            dst = NULL;
        } else if (side == 0) {
            r->io_b = s->now;   /* a read at the accepting side */
        }
    }
    if (dst) {
        struct sim_msg m = {
            .from = e->from, .to = e->node, .type = e->type, .len = len, .conn = e->conn,
            .data = len == 0 ? NULL : len > sizeof e->data ? (const void *)(uintptr_t)data : &e->data,
        };
        s->stats.msgs_delivered++;
        dst->ops->on_message(dst, &m);
    }
    if (len > sizeof e->data)
        pool_put(s, (void *)(uintptr_t)data, len);
}

void net_on_host_down(struct sim *s, sim_node_id id)
{
    struct net *net = &s->net;
    for (sim_conn c = 1; c < net->nconns; c++) {
        struct conn_rec *r = &net->conns[c];
        if (r->a == id)
            held_free(r, 0);
        if (r->b == id)
            held_free(r, 1);
    }
    /* What its NIC, or a link of its own, had not sent yet (queued behind earlier bytes on a slow link) dies
     * in its kernel's buffers: those messages and closes never arrive, and a NIC back with the host starts
     * empty. A scan of the pending events, a host's death being rare. */
    for (uint32_t i = 0; i < s->ev_cap; i++) {
        struct sim_event *e = &s->ev[i];
        if ((e->kind == EV_MSG || e->kind == EV_CONN) && (e->flags & EVF_QUEUED) && e->from == id &&
            s->sent[i] > s->now)
            e->flags |= EVF_UNSENT;
    }
    struct node_int *n = node_int(s, id);
    if (n->nic_busy > s->now)
        n->nic_busy = s->now;
    for (size_t i = 0; net->nlinks && i < net->links_cap; i++) {
        struct link *l = &net->links[i];
        if (l->key != LINK_EMPTY && (sim_node_id)(l->key >> 32) == id && l->busy_until > s->now)
            l->busy_until = s->now;
    }
}

void net_on_crash(struct sim *s, sim_node_id id, enum sim_crash_kind kind)
{
    struct net *net = &s->net;
    for (sim_conn c = 1; c < net->nconns; c++) {
        struct conn_rec *r = &net->conns[c];
        int side = r->a == id ? 1 : r->b == id ? 0 : -1;
        if (side < 0 || !(side == 1 ? r->open_a : r->open_b))
            continue;
        if (side == 1)
            r->open_a = 0;
        else
            r->open_b = 0;
        /* A dead process's kernel closes its sockets; a dead host says nothing. */
        if (kind == SIM_CRASH_PROCESS && (side == 1 ? r->open_b : r->open_a) == 1)
            conn_send_close(s, id, side == 1 ? r->b : r->a, c);
    }
}
