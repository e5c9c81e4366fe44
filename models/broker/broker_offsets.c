/* broker_offsets: the consumer-offset requests a broker answers (ConsumerOffsetManager through
 * ConsumerManageProcessor; GET_ALL_OFFSETS for the slave's SlaveSynchronize). */
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"

#define OFFSET_NONE UINT64_MAX

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
        rpc_reply(b->n, ctx, r.offset == OFFSET_NONE ? RMQ_QUERY_NOT_FOUND : RMQ_SUCCESS, &r, sizeof r, 0);
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
