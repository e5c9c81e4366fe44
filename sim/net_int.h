/* net_int: what net.c shares with net_connect.c: one transmission over a path, and a connection event. */
#ifndef SIM_NET_INT_H
#define SIM_NET_INT_H

#include "sim/sim_int.h"

enum { TX_OK, TX_LOST, TX_CUT, TX_NOMEM };

/* Sends wire_bytes from -> to, leaving at `depart` at the earliest (net.c's transmit, for the callers off the
 * message path: connects, closes, retransmissions): TX_OK with *arrive and *sent, or why not. */
int net_transmit_id(struct sim *s, sim_node_id from, sim_node_id to, sim_time depart, uint64_t wire_bytes,
                    int reliable, sim_time *fifo, sim_time *arrive, sim_time *sent);
/* Tells `to`, at `at`, of event ev on connection c (its tag); the event, whose `from` is none. */
struct sim_event *net_conn_notify(struct sim *s, sim_time at, sim_node_id to, sim_conn c, enum sim_conn_ev ev,
                                  uint64_t tag);

#endif
