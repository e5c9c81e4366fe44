/* heartbeat_round: MQClientInstance.sendHeartbeatToAllBroker, the round a client's heartbeat task makes over
 * brokerAddrTable while it holds lockHeartbeat: one invokeSync after another, each broker's answer, failure or
 * timeout sending the next. A process with a consumer asks every broker of the route, masters and slaves; a
 * producer alone (consumerEmpty) only the masters. The client calls hb_round_next from its reply handler. */
#ifndef MODELS_CLIENT_HEARTBEAT_ROUND_H
#define MODELS_CLIENT_HEARTBEAT_ROUND_H

#include <stdint.h>

#include "models/namesrv/nameserver.h"
#include "models/remoting/rpc.h"
#include "sim/time.h"

struct hb_round {
    sim_node_id *node;          /* the round's brokers, groups in name order, then brokerId */
    int n, next, cap;           /* n 0: no round (lockHeartbeat free) */
};

/* Starts a round over route's brokers (masters_only: brokerId 0 alone) without asking any yet: 0, or -1 when
 * out of memory (no round). Only when none is in progress. */
int hb_round_start(struct hb_round *h, const struct ns_client *route, int masters_only);
/* Asks the round's next broker (body as the heartbeat's, the reply carrying tag): 1, or 0 when the round is
 * over and h idle again. */
int hb_round_next(struct hb_round *h, struct rpc *rpc, const void *body, uint32_t len, sim_time timeout,
                  uint64_t tag);
/* A round is in progress. */
static inline int hb_round_busy(const struct hb_round *h)
{
    return h->n > 0;
}
/* No round (the process restarted: its calls are gone with its remoting). */
static inline void hb_round_reset(struct hb_round *h)
{
    h->n = h->next = 0;
}
void hb_round_free(struct hb_round *h);

#endif
