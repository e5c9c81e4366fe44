/* redirect: how a broker answers a pull, as RocketMQ 4.x decides it: the status of the read, the response
 * code, and which broker the consumer should pull from next (suggestWhichBrokerId). Pure functions, inline:
 * a pull asks them, and the batch test once a message. */
#ifndef MODELS_REDIRECT_H
#define MODELS_REDIRECT_H

#include <stdint.h>

#include "models/remoting/protocol.h"

/* DefaultMessageStore.getMessage's outcome (GetMessageStatus), the ones the model produces. */
enum get_status {
    GET_FOUND, GET_NO_MESSAGE_IN_QUEUE, GET_OFFSET_TOO_SMALL, GET_OFFSET_OVERFLOW_ONE, GET_OFFSET_OVERFLOW_BADLY
};

struct redirect_in {
    int is_slave;               /* brokerRole == SLAVE */
    int offset_check_in_slave;  /* MessageStoreConfig.offsetCheckInSlave: a slave moves offsets as a master does */
    int slave_read_enable;      /* BrokerConfig.slaveReadEnable */
    int which_broker_slowly;    /* SubscriptionGroupConfig.whichBrokerWhenConsumeSlowly */
    int redirects_to_master;    /* R53 composeResponseHeader's "slave redirect pullRequest to master" */
    int group_broker_id;        /* SubscriptionGroupConfig.brokerId (0) */
    enum get_status status;
    uint64_t max_offset_py;     /* the CommitLog's max offset when the pull was served */
    uint64_t max_phy_offset_pulling;   /* physical offset of the last ConsumeQueue entry examined */
    uint64_t memory;            /* host memory * accessMessageInMemoryMaxRatio / 100 */
};

/* DefaultMessageStore.getMessage: suggestPullingFromSlave = diff > memory, set only when messages were
 * found (every other outcome leaves it false). */
static inline int redirect_pulling_from_slave(const struct redirect_in *in)
{
    if (in->status != GET_FOUND)
        return 0;
    uint64_t diff = in->max_offset_py > in->max_phy_offset_pulling ? in->max_offset_py - in->max_phy_offset_pulling : 0;
    return diff > in->memory;
}

/* PullMessageProcessor: the brokerId the response suggests. */
static inline int redirect_suggest(const struct redirect_in *in)
{
    /* With slaveReadEnable the subscription group decides; without it, always the master. A slave without
     * slaveReadEnable sets PULL_RETRY_IMMEDIATELY and MASTER_ID first, and the later status switch
     * overwrites the code, so it serves the pull and sends the consumer back (REFERENCE section 2). */
    if (!in->slave_read_enable)
        return 0;
    return redirect_pulling_from_slave(in) ? in->which_broker_slowly : in->group_broker_id;
}

/* PullMessageProcessor: the response code for a read outcome (before long polling), given the request
 * offset (NO_MESSAGE_IN_QUEUE at offset 0 is "not found", elsewhere "offset moved") and whether the broker
 * checks offsets (a slave does not: offsetCheckInSlave false turns OFFSET_MOVED into RETRY_IMMEDIATELY). */
static inline int redirect_response_code(const struct redirect_in *in, uint64_t request_qoffset)
{
    int code;
    switch (in->status) {
    case GET_FOUND:
        return RMQ_SUCCESS;
    case GET_NO_MESSAGE_IN_QUEUE:
        code = request_qoffset != 0 ? RMQ_PULL_OFFSET_MOVED : RMQ_PULL_NOT_FOUND;
        break;
    case GET_OFFSET_OVERFLOW_ONE:
        code = RMQ_PULL_NOT_FOUND;
        break;
    case GET_OFFSET_TOO_SMALL:
    case GET_OFFSET_OVERFLOW_BADLY:
    default:
        code = RMQ_PULL_OFFSET_MOVED;
        break;
    }
    /* case PULL_OFFSET_MOVED: only a broker that checks offsets moves the consumer; a slave (with
     * offsetCheckInSlave false) answers PULL_RETRY_IMMEDIATELY. From 5.0.0 a slave answers anything it did
     * not find so (and suggests the master: redirect_suggest's 0 when it does not suggest the slave). */
    if (in->is_slave && ((code == RMQ_PULL_OFFSET_MOVED && !in->offset_check_in_slave) || in->redirects_to_master))
        code = RMQ_PULL_RETRY_IMMEDIATELY;
    return code;
}

/* DefaultMessageStore.isTheBatchFull with the in-memory and on-disk transfer limits (256 KiB / 32 messages
 * in memory, 64 KiB / 8 on disk). */
static inline int redirect_batch_full(uint64_t size_py, int max_msgs, uint64_t buffer_total, int message_total,
                                      int in_disk)
{
    if (buffer_total == 0 || message_total == 0)
        return 0;
    if (max_msgs <= message_total)
        return 1;
    uint64_t max_bytes = in_disk ? 65536 : 262144;   /* maxTransferBytesOnMessageIn{Disk,Memory} */
    int max_count = in_disk ? 8 : 32;                /* maxTransferCountOnMessageIn{Disk,Memory} */
    return buffer_total + size_py > max_bytes || message_total > max_count - 1;
}

#endif
