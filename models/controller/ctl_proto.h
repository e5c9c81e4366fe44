/* ctl_proto: what brokers in controller mode (RIP-44) and the controller say to each other: request codes
 * and bodies, and the replica information the controller hands out (GetReplicaInfoResponseHeader). */
#ifndef MODELS_CTL_PROTO_H
#define MODELS_CTL_PROTO_H

#include <stdint.h>

#include "models/remoting/protocol.h"

/* Request codes, after the DLedger member's (40..43). */
enum {
    CTL_HEARTBEAT = 50,    /* broker -> controller, every brokerHeartbeatInterval (BROKER_HEARTBEAT) */
    CTL_GET_INFO,          /* broker -> controller: GetReplicaInfo (ReplicasManager.schedulingSyncBrokerMetadata) */
    CTL_ELECT,             /* broker -> controller: ElectMaster (ReplicasManager.brokerElect) */
    CTL_ALTER_SSS,         /* master -> controller: AlterSyncStateSet */
    CTL_NOTIFY,            /* controller -> broker: NotifyBrokerRoleChanged */
    CTL_EPOCH,             /* slave -> master: the epoch handshake (AutoSwitchHAClient's handshake) */
    CTL_METADATA,          /* broker -> any controller: who leads (CONTROLLER_GET_METADATA_INFO,
                              DLedgerController.getControllerMetadata); the answer is a struct ctl_meta */
    /* ReplicasManager.register(): a broker without a brokerId asks for the next one, applies for it, then
     * registers (with a brokerId from its metadata file a restart only registers) */
    CTL_NEXT_ID,           /* CONTROLLER_GET_NEXT_BROKER_ID: a struct ctl_id_req, answered with one (id) */
    CTL_APPLY_ID,          /* CONTROLLER_APPLY_BROKER_ID: a struct ctl_id_req, no body in the answer */
    CTL_REGISTER           /* CONTROLLER_REGISTER_BROKER: a struct ctl_req, answered with a struct ctl_info
                              that names the master only if it is alive (ReplicasInfoManager.registerBroker) */
};

/* Controller response codes beside RMQ_SUCCESS (5.3's ResponseCode.CONTROLLER_*). CTL_ALTER_FAILED stands for
 * every refusal of alterSyncStateSet (INVALID_MASTER, FENCED_*_EPOCH, BROKER_NOT_ALIVE, ... in RocketMQ). */
enum { CTL_MASTER_NOT_AVAILABLE = 2004, CTL_NOT_LEADER = 2007 /* a member of the group that does not lead */,
       CTL_MASTER_STILL_EXIST = 2011, CTL_ELECT_MASTER_FAILED = 2012 /* an election a broker or the admin asked
       for found no one (ReplicasInfoManager.electMaster with a brokerId) */, CTL_ALTER_FAILED = 2013,
       CTL_NEED_TO_BE_REGISTERED = 2010 /* CONTROLLER_BROKER_NEED_TO_BE_REGISTERED */,
       CTL_BROKER_ID_INVALID = 2014 /* CONTROLLER_BROKER_ID_INVALID: applyBrokerId refused */ };

/* The brokerIds a group may hand out (BrokerReplicaInfo.nextAssignBrokerId, from 1; an id is handed out
 * once, so more than the replicas only when an applyBrokerId's answer was lost after it was applied). */
#define CTL_IDS_MAX 32

struct ctl_meta {
    int32_t leader;            /* the member index the answering controller knows as leader, -1: none */
};

struct ctl_heartbeat {
    uint16_t group, replica;
    int32_t epoch;             /* the last epoch of the broker's epoch file with data */
    uint64_t max_offset;
    int32_t priority;          /* brokerElectionPriority */
};

/* The replica information of one group: who is master, its epoch, the SyncStateSet (a bit per replica). */
struct ctl_info {
    uint16_t group;
    int16_t master;            /* replica index, -1: none */
    int32_t master_epoch, sss_epoch;
    uint32_t sss;
};

struct ctl_req {               /* GET_INFO, ELECT, ALTER_SSS */
    uint16_t group, replica;
    int32_t master_epoch, sss_epoch;
    uint32_t sss;              /* ALTER_SSS: the new set */
};

struct ctl_id_req {            /* NEXT_ID (id in the answer), APPLY_ID */
    uint16_t group, replica;
    int32_t id;
};

#define CTL_EPOCHS_MAX 8       /* epoch entries a handshake carries (the newest) */
struct ctl_epoch_entry {
    int32_t epoch;
    uint64_t start;
};
struct ctl_epochs {
    uint32_t n;
    uint64_t max_offset;
    struct ctl_epoch_entry e[CTL_EPOCHS_MAX];
};

#endif
