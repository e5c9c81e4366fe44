/* mq_fault: a producer's publish info (TopicPublishInfo: the writable queues and sendWhichQueue) and the
 * choice of an attempt's queue on it (MQFaultStrategy.selectOneMessageQueue), with or without the latency
 * fault table (latency_fault.h, sendLatencyFaultEnable). */
#ifndef MODELS_CLIENT_MQ_FAULT_H
#define MODELS_CLIENT_MQ_FAULT_H

#include <stdint.h>

#include "models/client/latency_fault.h"
#include "models/remoting/protocol.h"
#include "sim/rng.h"
#include "sim/time.h"

/* A MessageQueue of the publish info. */
struct pqueue {
    uint16_t group;
    uint16_t queue;
};

/* TopicPublishInfo: the writable queues, ordered by group name then queue id. */
struct publish_info {
    int nq;
    struct pqueue q[RMQ_MAX_GROUPS * RMQ_MAX_QUEUES];
    uint32_t which;             /* sendWhichQueue: the value its next incrementAndGet (R44: getAndIncrement)
                                   gives */
};

/* R44 MQFaultStrategy.selectOneMessageQueue(tpInfo, lastBrokerName): with lf (sendLatencyFaultEnable) the
 * first queue round robin whose broker is available and, on a retry (last_group >= 0), is the last one; else a
 * queue of pickOneAtLeast's broker; without lf, TopicPublishInfo.selectOneMessageQueue(lastBrokerName).
 * pi->nq > 0. */
struct pqueue mqf_select_r44(struct publish_info *pi, struct latency_fault *lf, int last_group, sim_time now);
/* R498 MQFaultStrategy.selectOneMessageQueue(tpInfo, lastBrokerName): with lf, R44's choice without its
 * last-broker rule (dropped in 4.8.0, #1576: a retry takes any available broker's queue); without lf,
 * TopicPublishInfo.selectOneMessageQueue(lastBrokerName) advancing sendWhichQueue at each queue looked at, as
 * 5.x does. pi->nq > 0. */
struct pqueue mqf_select_r498(struct publish_info *pi, struct latency_fault *lf, int last_group, sim_time now);
/* 5.x MQFaultStrategy.selectOneMessageQueue(tpInfo, lastBrokerName, resetIndex) (5.1.4 on; R53): with lf
 * (sendLatencyFaultEnable), on a retry (reset_index) sendWhichQueue restarts at a random index drawn from rng,
 * then the first queue round robin whose broker is available and not the last attempt's (last_group; -1:
 * none), else the first whose broker is reachable and not the last's, else the next queue whatever its broker;
 * sendWhichQueue advances at each queue looked at. pickOneAtLeast is never called. Without lf, the first
 * queue round robin not of the last broker, else the next one, sendWhichQueue advancing at each queue looked at
 * as well (R44 advances it once for the scan). pi->nq > 0. */
struct pqueue mqf_select_5x(struct publish_info *pi, struct latency_fault *lf, int last_group, int reset_index,
                            struct sim_rng *rng, sim_time now);

#endif
