/* mq_fault: MQFaultStrategy.selectOneMessageQueue over TopicPublishInfo; see mq_fault.h. */
#include "models/client/mq_fault.h"

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

struct pqueue mqf_select_r44(struct publish_info *pi, struct latency_fault *lf, int last_group, sim_time now)
{
    if (!lf)
        return pi->q[select_queue(pi, last_group)];
    uint32_t nq = (uint32_t)pi->nq, index = pi->which++;
    for (uint32_t i = 0; i < nq; i++) {
        const struct pqueue *mq = &pi->q[index++ % nq];
        /* R44 keeps the last broker on a retry when it is available ("equals(lastBrokerName)"). */
        if (lf_available(lf, mq->group, now) && (last_group < 0 || mq->group == last_group))
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
