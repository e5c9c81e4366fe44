/* net_state: the network's configuration and state types (links, held segments,
 * connections). The engine's private state (sim_int.h) embeds them, so they sit apart from
 * net.h's functions. */
#ifndef SIM_NET_STATE_H
#define SIM_NET_STATE_H

#include <stdint.h>

#include "sim/dist.h"
#include "sim/time.h"

struct sim;
typedef uint32_t sim_node_id;

/* How one direction of a link behaves. */
struct net_link_cfg {
    struct sim_dist latency;   /* one-way propagation delay */
    double loss;               /* probability a datagram is lost; on a connection, a loss costs a retransmit */
    double bandwidth;          /* bytes per second, 0 = unlimited; serialisation delay queues FIFO per link */
};

struct net_config {
    struct net_link_cfg def;
    sim_time connect_timeout;  /* a connect to a dead or cut-off host fails after this */
    sim_time syn_rto;          /* a SYN not answered is sent again after this, then twice as long, ... */
    int syn_retries;           /* ... this many times at most (tcp_syn_retries) ... */
    int syn_linear;            /* ... the first this many + 1 intervals not doubled (tcp_syn_linear_timeouts) */
    sim_time retransmit;       /* extra delay of a lost segment on a connection (TCP's minimum RTO) */
    sim_time tcp_timeout;      /* a stalled connection gives up after this (Linux tcp_retries2 = 15: ~924.6 s) */
};

/* An ordered pair (from, to) with settings of its own or a cut; pairs without either have no entry, so the
 * common path does no lookup at all. */
struct link {
    uint64_t key;              /* from << 32 | to; LINK_EMPTY when the slot is free */
    sim_time busy_until;       /* serialising on this link (own bandwidth) until then */
    int32_t cfg;               /* index into net.cfgs, or -1 for the default */
    uint32_t cut;              /* 1 while partitioned in this direction */
};
#define LINK_EMPTY UINT64_MAX

/* A segment TCP keeps retransmitting while the path is cut (one direction of one connection). */
struct held_seg {
    struct held_seg *next;
    uint16_t type;             /* HELD_FIN: the close that follows the data */
    uint32_t len;
    uint64_t wire;
    unsigned char data[];
};
#define HELD_FIN 0xffff

struct conn_rec {
    sim_node_id a, b;          /* a connected to b */
    uint32_t a_inc, b_inc;     /* incarnations of each end when it joined */
    uint8_t open_a, open_b;    /* each side's state: 0 closed, 1 open, 2 connecting (a only) */
    uint8_t broken;            /* retransmissions timed out: the stream is dead */
    uint8_t syn_sent;          /* while connecting: the SYNs sent (a lost one is sent again: syn_interval) */
    uint32_t timeout_us;       /* the connect's own timeout (node_connect_within), 0: the network's */
    sim_time fifo_ab, fifo_ba; /* latest arrival so far in each direction: the stream stays ordered */
    /* Per direction (0: a -> b, 1: b -> a): segments held while the path is cut, retransmitted with
     * exponential backoff until it heals (then delivered in order) or tcp_timeout passes. */
    struct held_seg *held[2], *held_tail[2];
    sim_time stall_since[2], rto[2];
    uint64_t tag;              /* the connecting side's tag */
    union {
        sim_time t0;           /* until the SYN lands: when the connect began (its timeout runs from here) */
        sim_time io_b;         /* from then on: the accepting side's last read or write (node_conn_last_io) */
    };
    uint32_t chain_last[2];    /* per direction, the last message in flight (its event slot), or UINT32_MAX
                                  (sim_schedule_chained); 128 bytes in all: every send and delivery finds
                                  its record by one shift */
};

struct net {
    struct net_config cfg;
    struct net_link_cfg *cfgs; /* per-link overrides */
    int ncfgs;
    struct link *links;        /* open addressing, linear probing, power-of-two size */
    size_t nlinks, links_cap;
    struct conn_rec *conns;    /* id 0 unused; ids are never reused within a run */
    uint32_t nconns, conns_cap;
    int syn_hook;              /* the engine hook that lands a SYN at its peer (arg conn << 1), or sends a
                                  lost one again (conn << 1 | 1) */
    int retx_hook;             /* the engine hook that retransmits held segments */
};

#endif
