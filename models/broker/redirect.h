/* redirect: how a broker answers a pull, as RocketMQ 4.x decides it: the status of the read, the response
 * code, and which broker the consumer should pull from next (suggestWhichBrokerId). Pure functions. */
#ifndef MODELS_REDIRECT_H
#define MODELS_REDIRECT_H

#include <stdint.h>

/* DefaultMessageStore.getMessage's outcome (GetMessageStatus), the ones the model produces. */
enum get_status {
    GET_FOUND, GET_NO_MESSAGE_IN_QUEUE, GET_OFFSET_TOO_SMALL, GET_OFFSET_OVERFLOW_ONE, GET_OFFSET_OVERFLOW_BADLY
};

struct redirect_in {
    int is_slave;               /* brokerRole == SLAVE */
    int slave_read_enable;      /* BrokerConfig.slaveReadEnable */
    int which_broker_slowly;    /* SubscriptionGroupConfig.whichBrokerWhenConsumeSlowly */
    int group_broker_id;        /* SubscriptionGroupConfig.brokerId (0) */
    enum get_status status;
    uint64_t max_offset_py;     /* the CommitLog's max offset when the pull was served */
    uint64_t max_phy_offset_pulling;   /* physical offset of the last ConsumeQueue entry examined */
    uint64_t memory;            /* host memory * accessMessageInMemoryMaxRatio / 100 */
};

/* DefaultMessageStore.getMessage: suggestPullingFromSlave = diff > memory, set only when messages were
 * found (every other outcome leaves it false). */
int redirect_pulling_from_slave(const struct redirect_in *in);

/* PullMessageProcessor: the brokerId the response suggests. */
int redirect_suggest(const struct redirect_in *in);

/* PullMessageProcessor: the response code for a read outcome (before long polling), given the request
 * offset (NO_MESSAGE_IN_QUEUE at offset 0 is "not found", elsewhere "offset moved") and whether the broker
 * checks offsets (a slave does not: offsetCheckInSlave false turns OFFSET_MOVED into RETRY_IMMEDIATELY). */
int redirect_response_code(const struct redirect_in *in, uint64_t request_qoffset);

/* DefaultMessageStore.isTheBatchFull with the in-memory and on-disk transfer limits (256 KiB / 32 messages
 * in memory, 64 KiB / 8 on disk). */
int redirect_batch_full(uint64_t size_py, int max_msgs, uint64_t buffer_total, int message_total, int in_disk);

#endif
