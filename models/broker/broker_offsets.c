/* broker_offsets: ConsumerManageProcessor (queryConsumerOffset, updateConsumerOffset) and the admin
 * processor's getAllConsumerOffset, which a slave's SlaveSynchronize asks for. */
#include <string.h>

#include "models/broker/broker_int.h"

/* ConsumerManageProcessor.queryConsumerOffset when the group has no offset for the queue: answer 0 (SUCCESS)
 * only if the queue's minimum offset is 0 (getMinOffsetInQueue: mqsim's lowest offset held, which its trims
 * leave, as a ConsumeQueue whose files are all kept) and, R44/R498, !checkInDiskByConsumeOffset(.., 0): no
 * message at 0, or one at most accessMessageInMemoryMaxRatio of the host's memory behind the CommitLog's max
 * offset (DefaultMessageStore.checkInDiskByCommitOffset); R53 checkInMemByConsumeOffset(.., 0, 1): a message
 * at 0 (none: false) whose bytes are in the page cache (SelectMappedBufferResult.isInMem, mincore; mqsim's:
 * broker_page_cached, or a page a cold read brought in: broker_page_read_in). Else QUERY_NOT_FOUND, and the
 * consumer starts where its consume_from_where says. */
static int zero_if_not_found(const struct broker *b, uint16_t queue)
{
    const struct cl_queue *q = &b->cl.q[queue];
    uint64_t max = broker_max_offset_py(b);
    if (q->low_qoff == UINT64_MAX)
        return !b->cfg.query_offset_in_page_cache;   /* getMinOffsetInQueue 0; no unit at offset 0 */
    if (q->low_qoff > 0)
        return 0;
    if (b->cfg.query_offset_in_page_cache)
        return broker_page_cached(b, q->low_phy, max) || broker_page_read_in(b, q->low_phy);
    uint64_t behind = max > q->low_phy ? max - q->low_phy : 0;
    return behind <= b->memory;
}

void broker_handle_offsets(struct broker *b, struct rpc_ctx ctx, uint16_t code, const void *body, uint32_t len)
{
    struct rmq_offset_req req = {0};
    if (len >= sizeof req)
        memcpy(&req, body, sizeof req);
    if (code != RMQ_GET_ALL_OFFSETS && req.queue >= RMQ_MAX_QUEUES) {
        rpc_reply(b->n, ctx, RMQ_SYSTEM_ERROR, NULL, 0, 0);
        return;
    }
    switch (code) {
    case RMQ_QUERY_OFFSET: {
        struct rmq_offset_resp r = {b->offsets[req.queue]};
        int found = r.offset != OFFSET_NONE;
        if (!found && zero_if_not_found(b, req.queue)) {
            r.offset = 0;
            found = 1;
        }
        rpc_reply(b->n, ctx, found ? RMQ_SUCCESS : RMQ_QUERY_NOT_FOUND, &r, sizeof r, 0);
        break;
    }
    case RMQ_GET_MAX_OFFSET: {
        /* AdminBrokerProcessor.getMaxOffset: getMaxOffsetInQueue, the ConsumeQueue's end: what the
         * ReputMessageService has dispatched (a DLedger member's committed entries; controller mode's up to the
         * confirm offset), as a pull sees it, not the CommitLog's queue index */
        struct rmq_offset_resp r = {broker_visible_qoff(b, req.queue)};
        rpc_reply(b->n, ctx, RMQ_SUCCESS, &r, sizeof r, 0);
        break;
    }
    case RMQ_COMMIT_OFFSET:
        /* ConsumerOffsetManager.commitOffset: a slave stores it too (there is no slave -> master path). */
        b->offsets[req.queue] = req.offset;
        rpc_reply(b->n, ctx, RMQ_SUCCESS, NULL, 0, 0);
        break;
    case RMQ_GET_ALL_OFFSETS: {
        struct rmq_all_offsets r;
        r.n = RMQ_MAX_QUEUES;
        memcpy(r.offset, b->offsets, sizeof r.offset);
        rpc_reply(b->n, ctx, RMQ_SUCCESS, &r, sizeof r, 0);
        break;
    }
    }
}
