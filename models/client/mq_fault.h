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
                                   gives, for the thread choosing now (mqf_index_enter) */
    uint32_t gen;               /* which TopicPublishInfo this is: each rebuild makes a new one (1, 2, ...) */
};

/* One application thread's sendWhichQueue value (ThreadLocalIndex's ThreadLocal<Integer>) and the publish info
 * it belongs to: MQClientInstance.updateTopicRouteInfoFromNameServer builds a new TopicPublishInfo
 * (topicRouteData2TopicPublishInfo) whenever the route changed, with a new ThreadLocalIndex, so every thread's
 * index restarts at random at its first choice on it. */
struct send_index {
    uint32_t which;
    uint32_t gen;               /* the publish_info.gen `which` belongs to; 0: none */
};

/* Before a choice: the thread's index into pi->which, or, when it has none on this publish info (none since the
 * last rebuild), a random start drawn from rng. ThreadLocalIndex.incrementAndGet (R44 getAndIncrement):
 * "if (null == index) index = Math.abs(random.nextInt())" (R53: random.nextInt(), masked with POSITIVE_MASK
 * when returned), a java.util.Random of its own per ThreadLocalIndex, so per TopicPublishInfo; the first
 * choice gets index + 1, as uniform over 0 .. 2^31 - 1 as the start. */
void mqf_index_enter(struct publish_info *pi, struct send_index *ix, struct sim_rng *rng);
/* After the choice: the thread keeps where it left the index (threadLocalIndex.set). */
void mqf_index_leave(const struct publish_info *pi, struct send_index *ix);

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
