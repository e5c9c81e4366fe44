/* net_connect: a connection's opening, TCP's three-way handshake: the SYN and its answer (a SYN-ACK, or a
 * reset from a host without the process), the SYNs sent again while none is answered (Linux's schedule), and
 * the connect's deadline (the client's timeout, or the kernel's give-up). The connection's life after it is
 * net.c's. */
#include <stdlib.h>
#include <string.h>

#include "sim/net.h"
#include "sim/sim.h"
#include "sim/sim_int.h"
#include "sim/net_int.h"

/* Linux's TCP_RTO_MAX: a doubled SYN interval goes no higher. */
#define SYN_RTO_MAX (120 * SIM_S)

/* The interval before the SYN sent again k-th (k from 1; k = the retries + 1 is the kernel's give-up), given
 * the one before it (`prev`; syn_rto for k = 1). Linux's tcp_retransmit_timer: syn_rto
 * (TCP_TIMEOUT_INIT) for the first syn_linear + 1 (tcp_syn_linear_timeouts: 0 up to 6.4, 4 from 6.5), then
 * doubled each time, at most TCP_RTO_MAX. */
static sim_time syn_interval(const struct net_config *cfg, int k, sim_time prev)
{
    if (k <= cfg->syn_linear + 1)
        return cfg->syn_rto;
    return prev < SYN_RTO_MAX / 2 ? prev * 2 : SYN_RTO_MAX;
}

/* The SYNs sent again at most: tcp_syn_retries, and tcp_syn_linear_timeouts more (tcp_write_timeout). */
static int syn_retries(const struct net_config *cfg) { return cfg->syn_retries + cfg->syn_linear; }

/* When the connect fails unless its SYN-ACK came before: the client's timeout (connectTimeoutMillis), or the
 * kernel's own give-up, one interval after the last SYN (127 s after the first with Linux's defaults up to
 * 6.4, 131 s from 6.5), when sooner. */
static sim_time syn_deadline(const struct sim *s, const struct conn_rec *r)
{
    const struct net_config *cfg = &s->net.cfg;
    sim_time t = r->timeout_us ? (sim_time)r->timeout_us * SIM_US : cfg->connect_timeout, give_up = 0, iv = 0;
    for (int k = 1; k <= syn_retries(cfg) + 1 && give_up < t; k++) {
        iv = syn_interval(cfg, k, iv);
        give_up += iv;
    }
    sim_time d = t < give_up ? t : give_up;
    return d < SIM_TIME_MAX - r->t0 ? r->t0 + d : SIM_TIME_MAX;
}

/* No SYN-ACK will come for the SYNs sent so far (lost on the way, a dead host, or the answer lost): the
 * kernel sends the SYN again on syn_interval's schedule, at most syn_retries times, while the connect has
 * time left; else it fails at its deadline. */
static void syn_lost(struct sim *s, sim_conn c)
{
    const struct net_config *cfg = &s->net.cfg;
    struct conn_rec *r = &s->net.conns[c];
    sim_time deadline = syn_deadline(s, r), next = r->t0, iv = 0;
    /* the next send time after the ones made, and not in the past (a SYN that took longer than syn_rto) */
    int k;
    for (k = 0; (k < r->syn_sent || next < s->now) && next < deadline; k++) {
        iv = syn_interval(cfg, k + 1, iv);
        next = iv < deadline - next ? next + iv : deadline;
    }
    if (next < deadline && k <= syn_retries(cfg))
        sim_hook_at(s, next, s->net.syn_hook, (uint64_t)c << 1 | 1);
    else
        net_conn_notify(s, deadline, r->a, c, SIM_CONN_FAILED, r->tag);
}

/* The connect's SYN, sent now: it lands at its peer (net_on_syn), or it is lost (a cut path, or a loss:
 * a SYN is not retransmitted as a connection's segment is, but sent again by syn_lost's schedule). One that
 * would land past the deadline fails the connect then. */
static void send_syn(struct sim *s, sim_conn c)
{
    struct conn_rec *r = &s->net.conns[c];
    sim_time syn, sent, deadline = syn_deadline(s, r);
    r->syn_sent++;
    if (net_transmit_id(s, r->a, r->b, s->now, 64, 0, &r->fifo_ab, &syn, &sent) != TX_OK)
        syn_lost(s, c);
    else if (syn >= deadline)
        net_conn_notify(s, deadline, r->a, c, SIM_CONN_FAILED, r->tag);
    else
        sim_hook_at(s, syn, s->net.syn_hook, (uint64_t)c << 1);
}

sim_conn node_connect_within(struct sim_node *n, sim_node_id to, uint64_t tag, sim_time timeout)
{
    struct sim *s = n->sim;
    struct net *net = &s->net;
    if (n->state != SIM_NODE_UP || to >= s->nnodes)
        return 0;
    if (net->nconns == 0)
        net->nconns = 1;   /* id 0 means "none" */
    if (net->nconns >= net->conns_cap) {
        if (net->conns_cap >= UINT32_MAX / 2)
            return 0;
        uint32_t cap = net->conns_cap ? net->conns_cap * 2 : 64;
        struct conn_rec *a = realloc(net->conns, (size_t)cap * sizeof *a);
        if (!a)
            return 0;
        net->conns = a;
        net->conns_cap = cap;
    }
    sim_conn c = net->nconns++;
    struct conn_rec *r = &net->conns[c];
    memset(r, 0, sizeof *r);
    r->a = n->id;
    r->b = to;
    r->a_inc = n->inc;
    r->tag = tag;
    r->t0 = s->now;
    r->open_a = 2;
    r->chain_last[0] = r->chain_last[1] = UINT32_MAX;
    if (timeout > 0) {
        sim_time us = (timeout + SIM_US - 1) / SIM_US;
        r->timeout_us = us < UINT32_MAX ? (uint32_t)us : UINT32_MAX;
    }
    send_syn(s, c);
    return c;
}

sim_conn node_connect(struct sim_node *n, sim_node_id to, uint64_t tag) { return node_connect_within(n, to, tag, 0); }

/* A SYN lands: what happens depends on the peer at this moment, not when the connect began. A dead host
 * never answers (the SYN is sent again, or the connect times out), a host without the process answers with
 * a reset, a live process accepts, unless its SYN-ACK would come after the connect gave up. */
void net_on_syn(struct sim *s, void *ctx, uint64_t arg)
{
    sim_conn c = (sim_conn)(arg >> 1);
    struct conn_rec *r = &s->net.conns[c];
    const struct sim_node *src = &node_int(s, r->a)->pub, *dst = &node_int(s, r->b)->pub;
    sim_time synack, sent, deadline = syn_deadline(s, r);
    (void)ctx;
    if (r->open_a != 2 || src->inc != r->a_inc)
        return;   /* the connecting side gave up or died */
    if (arg & 1) {
        send_syn(s, c);   /* the retransmission */
        return;
    }
    if (dst->state == SIM_NODE_HOST_DOWN ||
        net_transmit_id(s, r->b, r->a, s->now, 64, 0, &r->fifo_ba, &synack, &sent) != TX_OK) {
        syn_lost(s, c);
        return;
    }
    if (synack >= deadline) {
        net_conn_notify(s, deadline, r->a, c, SIM_CONN_FAILED, r->tag);
        return;
    }
    if (dst->state == SIM_NODE_PROCESS_DOWN) {
        net_conn_notify(s, synack, r->a, c, SIM_CONN_FAILED, r->tag);
        return;
    }
    r->b_inc = dst->inc;
    r->open_b = 1;
    r->io_b = s->now;   /* t0 is not read again; the accept is the channel's first activity */
    net_conn_notify(s, s->now, r->b, c, SIM_CONN_ACCEPTED, r->tag);   /* the port it came to */
    net_conn_notify(s, synack, r->a, c, SIM_CONN_UP, r->tag);
}
