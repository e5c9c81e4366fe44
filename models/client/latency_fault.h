/* latency_fault: the producer's LatencyFaultToleranceImpl (R44 and 5.x): a table of the brokers that
 * answered slowly or failed, each unavailable for a while that grows with its latency (MQFaultStrategy's
 * latencyMax -> notAvailableDuration), and the pick of a broker when none is available. */
#ifndef MODELS_CLIENT_LATENCY_FAULT_H
#define MODELS_CLIENT_LATENCY_FAULT_H

#include <stdint.h>

#include "models/remoting/protocol.h"
#include "sim/time.h"

/* LatencyFaultToleranceImpl.faultItemTable, by group. */
struct latency_fault {
    struct fault_item {
        sim_time latency, start;   /* currentLatency (ms); startTimestamp: available again from here */
        uint8_t used;
        uint8_t reachable;         /* 5.x reachableFlag (R44 has none: never read there) */
        sim_time check;            /* 5.x checkStamp: the detector asks the broker again from here */
    } item[RMQ_MAX_GROUPS];
    uint32_t which_worst;          /* whichItemWorst */
    int tables_5x;                 /* the 5.x latencyMax / notAvailableDuration tables, else R44's */
};

/* An empty table (a process start; the pick's counter goes on). */
void lf_reset(struct latency_fault *f, int tables_5x);
/* FaultItem.isAvailable for group g. */
int lf_available(const struct latency_fault *f, int g, sim_time now);
/* 5.x FaultItem.isReachable for group g (a group not in the table is: LatencyFaultToleranceImpl.isReachable). */
static inline int lf_reachable(const struct latency_fault *f, int g)
{
    return !f->item[g].used || f->item[g].reachable;
}
/* MQFaultStrategy.updateFaultItem(brokerName, currentLatency, isolation[, reachable]): latency is the attempt's
 * elapsed time, kept as the item's currentLatency; isolation charges the exception's latency for the duration
 * only; reachable is 5.x's FaultItem.setReachable (R44 has no such flag). */
void lf_update(struct latency_fault *f, int g, sim_time now, sim_time latency, int isolation, int reachable);
/* R44 LatencyFaultToleranceImpl.pickOneAtLeast: one of the better half of the groups in the table, or -1 (5.x's
 * MQFaultStrategy never calls its pickOneAtLeast). */
int lf_pick(struct latency_fault *f, sim_time now);
/* remove(notBestBroker). */
void lf_remove(struct latency_fault *f, int g);

#endif
