/* mq_fault: MQFaultStrategy.selectOneMessageQueue over TopicPublishInfo; see mq_fault.h. */
#include "models/client/mq_fault.h"

void mqf_index_enter(struct publish_info *pi, struct send_index *ix, struct sim_rng *rng)
{
    if (ix->gen != pi->gen) {
        ix->which = (uint32_t)sim_rng_below(rng, 1u << 31);
        ix->gen = pi->gen;
    }
    pi->which = ix->which;
}

void mqf_index_leave(const struct publish_info *pi, struct send_index *ix)
{
    ix->which = pi->which;
}

/* R44 TopicPublishInfo.selectOneMessageQueue(lastBrokerName): the next queue round robin, skipping queues of
 * the last attempt's broker when another one exists (sendWhichQueue advanced once for the scan). Returns an
 * index into pi->q. */
static int select_queue(struct publish_info *pi, int last_group)
{
    uint32_t nq = (uint32_t)pi->nq;
    if (last_group >= 0) {
        uint32_t index = pi->which++;
        for (uint32_t i = 0; i < nq; i++) {
            uint32_t pos = (index + i) % nq;
            if (pi->q[pos].group != last_group)
                return (int)pos;
        }
    }
    return (int)(pi->which++ % nq);
}

/* R44/R498 MQFaultStrategy.selectOneMessageQueue with sendLatencyFaultEnable; keep_last: R44's rule that a
 * retry takes only the last broker's queues while it is available, which 4.8.0 dropped (#1576, R498). */
static struct pqueue select_fault_4x(struct publish_info *pi, struct latency_fault *lf, int last_group,
                                     int keep_last, sim_time now)
{
    uint32_t nq = (uint32_t)pi->nq, index = pi->which++;
    for (uint32_t i = 0; i < nq; i++) {
        const struct pqueue *mq = &pi->q[index++ % nq];
        /* R44 keeps the last broker on a retry when it is available ("equals(lastBrokerName)"). */
        if (lf_available(lf, mq->group, now) && (!keep_last || last_group < 0 || mq->group == last_group))
            return *mq;
    }
    int not_best = lf_pick(lf, now);
    int wq = 0;
    for (int i = 0; i < pi->nq; i++)
        wq += not_best >= 0 && pi->q[i].group == not_best;   /* getQueueIdByBroker */
    if (wq > 0) {
        struct pqueue mq = pi->q[pi->which++ % nq];
        mq.group = (uint16_t)not_best;
        mq.queue = (uint16_t)(pi->which++ % (uint32_t)wq);
        return mq;
    }
    if (not_best >= 0)
        lf_remove(lf, not_best);
    return pi->q[pi->which++ % nq];
}

struct pqueue mqf_select_r44(struct publish_info *pi, struct latency_fault *lf, int last_group, sim_time now)
{
    return lf ? select_fault_4x(pi, lf, last_group, 1, now) : pi->q[select_queue(pi, last_group)];
}

/* 5.x ThreadLocalIndex.incrementAndGet() & POSITIVE_MASK, then Math.abs(index % size): the next queue. */
static int next_pos(struct publish_info *pi)
{
    return (int)((pi->which++ & 0x7fffffffu) % (uint32_t)pi->nq);
}

enum mqf_filter { MQF_BROKER, MQF_AVAILABLE, MQF_REACHABLE };

/* 5.x TopicPublishInfo.selectOneMessageQueue(QueueFilter... filter) with MQFaultStrategy's BrokerFilter (not
 * lastBrokerName), alone or with its availableFilter or reachableFilter: up to nq queues, sendWhichQueue
 * advanced for each (incrementAndGet in the loop); the first that passes, or -1. */
static int select_filtered(struct publish_info *pi, const struct latency_fault *lf, enum mqf_filter filter,
                           int last_group, sim_time now)
{
    for (int i = 0; i < pi->nq; i++) {
        int pos = next_pos(pi), g = pi->q[pos].group;
        if (g != last_group && (filter == MQF_BROKER ||
                                (filter == MQF_AVAILABLE ? lf_available(lf, g, now) : lf_reachable(lf, g))))
            return pos;
    }
    return -1;
}

/* Without the fault table, R498 TopicPublishInfo.selectOneMessageQueue(lastBrokerName) and R53's
 * selectOneMessageQueue(brokerFilter): the first queue not of the last broker, sendWhichQueue advanced at each
 * queue looked at, else selectOneMessageQueue(), the next one. */
static struct pqueue select_not_last(struct publish_info *pi, int last_group, sim_time now)
{
    if (last_group < 0)
        return pi->q[next_pos(pi)];
    int pos = select_filtered(pi, NULL, MQF_BROKER, last_group, now);
    return pi->q[pos >= 0 ? pos : next_pos(pi)];
}

struct pqueue mqf_select_r498(struct publish_info *pi, struct latency_fault *lf, int last_group, sim_time now)
{
    return lf ? select_fault_4x(pi, lf, last_group, 0, now) : select_not_last(pi, last_group, now);
}

struct pqueue mqf_select_5x(struct publish_info *pi, struct latency_fault *lf, int last_group, int reset_index,
                            struct sim_rng *rng, sim_time now)
{
    int pos;
    if (!lf)
        return select_not_last(pi, last_group, now);
    /* MQFaultStrategy: "if (resetIndex) tpInfo.resetIndex()" (sendDefaultImpl: times > 0), which is
     * ThreadLocalIndex.reset: index = Math.abs(random.nextInt(Integer.MAX_VALUE)); the next incrementAndGet
     * gives index + 1. */
    if (reset_index && rng)
        pi->which = (uint32_t)sim_rng_below(rng, 0x7fffffffu) + 1;
    pos = select_filtered(pi, lf, MQF_AVAILABLE, last_group, now);
    if (pos < 0)
        pos = select_filtered(pi, lf, MQF_REACHABLE, last_group, now);
    if (pos < 0)
        pos = next_pos(pi);   /* tpInfo.selectOneMessageQueue(): no filter, the last broker too */
    return pi->q[pos];
}
