/* net: the simulated network's configuration and state: links with latency, bandwidth and loss,
 * partitions, and TCP-like connections.
 *
 * Two kinds of traffic take one path (serialise, propagate, arrive). A connection is a TCP stream: ordered
 * (FIFO per direction: nothing sent later arrives earlier), a lost segment costs a retransmit delay, and it
 * dies with either process. A datagram (node_send) is UDP-like: lost on loss, and with random latency two
 * datagrams may arrive out of order. Serialisation happens at the sender's NIC at the default bandwidth,
 * or on the link itself when the link has settings of its own (a slower path). */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <stdint.h>
#include <cJSON.h>

#include "sim/conf.h"
#include "sim/dist.h"
#include "sim/net_state.h"
#include "sim/time.h"

struct sim;

/* Reads a "network" object: latency, loss, bandwidth_mbit_per_s, connect_timeout_ms, syn_rto_ms, syn_retries,
 * syn_linear_timeouts, retransmit_ms, tcp_timeout_ms and "links" (per-link overrides by node name, resolved
 * against s's nodes). Applies it to s. */
int net_load(struct sim *s, struct conf *c, const cJSON *obj, const char *path);

#endif
