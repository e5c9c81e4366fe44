/* rmq: RocketMQ's wire vocabulary as the models speak it: request and response codes, message bodies,
 * broker roles, limits. Every RocketMQ model includes this; it holds no behaviour. */
#ifndef MODELS_RMQ_H
#define MODELS_RMQ_H

#include <stdint.h>

#include "sim/sim.h"

#define RMQ_MAX_GROUPS 64      /* broker groups in one scenario */
#define RMQ_MAX_REPLICAS 8     /* brokers in one group (master + slaves, or DLedger peers) */
#define RMQ_MAX_QUEUES 64      /* queues of the topic on one group */
#define RMQ_MAX_NAMESERVERS 16 /* NameServers in one scenario */
#define RMQ_PULL_MAX 32        /* pullBatchSize */
#define RMQ_HEADER_BYTES 200   /* a remoting frame's header on the wire (RemotingCommand + ext fields) */
#define RMQ_MSG_OVERHEAD 120   /* a stored message's fixed fields around its body in the CommitLog */

/* Request codes (sim_msg.type). Responses travel with RMQ_RESPONSE and the request's opaque. The HA
 * stream is not remoting: it has its own two frame types on its own connection. */
enum rmq_code {
    RMQ_RESPONSE = 1,
    RMQ_REGISTER_BROKER,       /* broker -> NameServer */
    RMQ_GET_ROUTE,             /* client -> NameServer */
    RMQ_SEND,                  /* producer -> master */
    RMQ_PULL,                  /* consumer -> master or slave */
    RMQ_QUERY_OFFSET,          /* consumer -> broker (findBrokerAddressInAdmin) */
    RMQ_COMMIT_OFFSET,         /* consumer -> broker */
    RMQ_GET_ALL_OFFSETS,       /* slave -> master (SlaveSynchronize.syncConsumerOffset) */
    RMQ_PROBE,                 /* operator's monitoring -> broker; the 5.x producer's fault detector
                                  (GET_MAX_OFFSET, answered by any live broker) */
    RMQ_HA_REPORT,             /* slave -> master: 8-byte max offset */
    RMQ_HA_DATA,               /* master -> slave: phyOffset, size, then the bytes */
    RMQ_LOCK_BATCH_MQ,         /* orderly consumer -> master (RebalanceImpl.lock/lockAll) */
    RMQ_UNLOCK_BATCH_MQ,       /* orderly consumer -> master (RebalanceImpl.unlock), oneway */
    RMQ_HEART_BEAT,            /* client -> every broker (MQClientInstance.sendHeartbeatToAllBroker) */
    RMQ_GET_CONSUMER_LIST,     /* consumer -> a broker of the topic (GET_CONSUMER_LIST_BY_GROUP) */
    RMQ_NOTIFY_IDS_CHANGED,    /* broker -> consumer, oneway (NOTIFY_CONSUMER_IDS_CHANGED) */
    RMQ_GET_MAX_OFFSET         /* consumer -> master: a queue's max offset (MQAdminImpl.maxOffset) */
};

/* Response codes with RocketMQ's values (common/.../protocol/ResponseCode.java), and two the client
 * makes up itself when no response comes. */
enum rmq_status {
    RMQ_SUCCESS = 0,
    RMQ_SYSTEM_ERROR = 1,
    RMQ_SYSTEM_BUSY = 2,
    RMQ_REQUEST_CODE_NOT_SUPPORTED = 3,
    RMQ_FLUSH_DISK_TIMEOUT = 10,
    RMQ_SLAVE_NOT_AVAILABLE = 11,
    RMQ_FLUSH_SLAVE_TIMEOUT = 12,
    RMQ_SERVICE_NOT_AVAILABLE = 14,
    RMQ_NO_PERMISSION = 16,
    RMQ_TOPIC_NOT_EXIST = 17,
    RMQ_PULL_NOT_FOUND = 19,
    RMQ_PULL_RETRY_IMMEDIATELY = 20,
    RMQ_PULL_OFFSET_MOVED = 21,
    RMQ_QUERY_NOT_FOUND = 22,
    RMQ_SUBSCRIPTION_NOT_EXIST = 24,
    RMQ_TIMEOUT = -1,          /* client side: no response within the timeout */
    RMQ_CONN_FAILED = -2       /* client side: could not connect */
};

const char *rmq_status_name(int status);

/* A send's result counts as stored when the master kept the message (SendMessageProcessor: sendOK). */
static inline int rmq_send_ok(int status)
{
    return status == RMQ_SUCCESS || status == RMQ_FLUSH_DISK_TIMEOUT || status == RMQ_FLUSH_SLAVE_TIMEOUT ||
           status == RMQ_SLAVE_NOT_AVAILABLE;
}

enum rmq_role { RMQ_ASYNC_MASTER, RMQ_SYNC_MASTER, RMQ_SLAVE };
enum rmq_flush { RMQ_ASYNC_FLUSH, RMQ_SYNC_FLUSH };

/* ---- bodies (after struct rpc_hdr in a remoting frame) ---- */

struct rmq_register_req {
    uint16_t group;
    uint16_t broker_id;        /* 0 = master */
    uint32_t state_version;    /* DataVersion.stateVersion: controller mode's master epoch at the broker's last
                                  role change (ReplicasManager: nextVersion(newMasterEpoch)); else 0 */
};
struct rmq_register_resp {
    sim_node_id master;        /* the group's master as the NameServer knows it (haServerAddr), or NONE */
};

/* A route: per group, the brokers the NameServer has, by brokerId (TopicRouteData.brokerDatas). */
struct rmq_route_group {
    uint16_t group;
    uint8_t n;
    uint8_t queues;            /* write/read queue count of the topic on this group */
    uint16_t id[RMQ_MAX_REPLICAS];
    sim_node_id node[RMQ_MAX_REPLICAS];
};
struct rmq_route {
    uint16_t ngroups;
    struct rmq_route_group g[RMQ_MAX_GROUPS];
};

struct rmq_send_req {
    uint32_t msg;              /* message id (accounting) */
    uint32_t size;             /* body bytes */
    uint16_t queue;
};
struct rmq_send_resp {
    uint64_t offset;           /* where the master stored it */
};

struct rmq_pull_req {
    uint16_t queue;
    uint8_t has_commit;        /* the commit-offset flag: set only for pulls sent to the master */
    uint32_t max_msgs;
    uint64_t qoffset;          /* first queue offset wanted */
    uint64_t commit_offset;
    sim_time suspend;          /* long-poll hold time (BROKER_SUSPEND_MAX_TIME_MILLIS) */
};
struct rmq_pull_resp {
    uint64_t next_qoffset;
    uint64_t min_qoffset, max_qoffset;
    uint16_t suggest;          /* suggestWhichBrokerId */
    uint16_t n;
    uint32_t msg[RMQ_PULL_MAX];
};

/* LockBatchRequestBody / UnlockBatchRequestBody: the consumer group is the one group, the mqSet the queues
 * of the receiving broker's group as a bit set. */
struct rmq_lock_req {
    uint64_t client;           /* clientId: the consumer node and its process incarnation (ip@pid) */
    uint64_t mqs;              /* bit q: queue q */
};
struct rmq_lock_resp {
    uint64_t locked;           /* LockBatchResponseBody.lockOKMQSet */
};

struct rmq_offset_req {
    uint16_t queue;
    uint64_t offset;           /* commit only */
};
struct rmq_offset_resp {
    uint64_t offset;
};
struct rmq_all_offsets {
    uint16_t n;
    uint64_t offset[RMQ_MAX_QUEUES];   /* UINT64_MAX: none stored */
};

/* HeartbeatData of a consumer of the one group: its clientId (ip@pid: the node and its process incarnation). A
 * producer alone sends a heartbeat with an empty body (no consumerDataSet), which only ProducerManager, not
 * modelled, reads. */
struct rmq_heartbeat {
    uint64_t client;
};
/* GetConsumerListByGroupResponseBody: the group's clientIds as the broker holds them (an unsorted list in
 * RocketMQ; the client sorts). */
#define RMQ_MAX_CONSUMER_IDS 2048
struct rmq_consumer_list {
    uint32_t n;
    uint64_t client[];
};

/* HA frames. An HA data frame carries the bytes of the master's CommitLog from phy_offset, at most
 * haTransferBatchSize of them whatever the message boundaries (HAConnection.WriteSocketService), as pieces of
 * the messages they belong to: the first piece may begin inside its message, the last may end inside its
 * message. A frame also ends after RMQ_HA_BATCH_MAX pieces (the model's bound, never reached with 32 KiB frames
 * of messages of RMQ_MSG_OVERHEAD bytes or more). */
#define RMQ_HA_BATCH_MAX 1024
struct rmq_ha_report {
    uint64_t max_offset;
    uint64_t held_to;          /* not on the wire (the model's bookkeeping): where this slave's log ended before a
                                  handshake truncated it below what the world's memory trim kept (0: none). The
                                  master sends the bytes its trim forgot below it as filler (ha.c) */
};
/* An entry's flag: bytes of the master's CommitLog that the world's memory trim forgot (size bytes, no
 * message), sent to a slave that held them before its handshake truncated them. */
#define RMQ_HA_FILLER 0x80
struct rmq_ha_entry {
    uint64_t qoff;             /* its queue offset (stored inside each message) */
    uint32_t msg;
    uint32_t size;             /* the piece's bytes in this frame */
    uint32_t total;            /* the bytes of the master's entry this piece is of */
    uint32_t skip;             /* that entry's bytes before this piece (in an earlier frame, or not sent) */
    uint16_t queue;
    uint8_t flags;             /* CL_FRAGMENT: the master's entry is itself the tail of message msg; RMQ_HA_FILLER */
};
struct rmq_ha_data {
    uint64_t phy_offset;       /* where these bytes start in the master's CommitLog */
    uint32_t n;                /* 0: a heartbeat */
    int32_t epoch;             /* controller mode: the header's epoch and its start offset (AutoSwitchHAConnection
                                  .buildTransferHeaderBuffer: the connection's transfer epoch); -1 elsewhere */
    uint64_t epoch_start;
    struct rmq_ha_entry e[];
};

#endif
