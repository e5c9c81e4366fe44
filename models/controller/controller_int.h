/* controller_int: the controller's state, shared by controller.c (BrokerHeartbeatManager,
 * ReplicasInfoManager, ControllerManager), elect_policy.c (DefaultElectPolicy's order) and controller_group.c (DLedgerController: the controllers'
 * DLedger group, its replicated event log and the active controller). Not for other components. */
#ifndef MODELS_CONTROLLER_INT_H
#define MODELS_CONTROLLER_INT_H

#include "models/controller/controller_cfg.h"
#include "models/controller/ctl_proto.h"
#include "models/dledger/raft.h"
#include "models/remoting/rpc.h"
#include "models/store/commitlog.h"
#include "models/world/cluster.h"

enum { CT_SCAN = 1, CT_REELECT, CT_RAFT, CT_FIRST, CT_APPEND_WAIT };

struct ctl_replica {
    int registered;            /* has a brokerId (ApplyBrokerIdEvent: BrokerReplicaInfo.addBroker); replicated
                                  under a group */
    int32_t id;                /* that brokerId, handed out in the order the applications came */
    int active;                /* in the controller's live table (each controller's own): until the scan
                                  finds its heartbeat expired or its channel closes (see ctl_alive) */
    int heard;                 /* group: this controller had a heartbeat since its start */
    sim_node_id node;
    sim_conn conn;             /* the channel the last heartbeat came on */
    sim_time last_hb;
    int32_t epoch;
    uint64_t max_offset;
    int32_t priority;
};

struct ctl_group {
    int master;                /* replica index, -1: none */
    int32_t master_epoch, sss_epoch;
    uint32_t sss;
    int elected_once;          /* SyncStateInfo.isFirstTimeForElect is false */
    int32_t next_id;           /* BrokerReplicaInfo.nextAssignBrokerId; 0: no broker of the set registered yet */
    int8_t id_owner[CTL_IDS_MAX];  /* replica + 1 holding a brokerId (brokerIdInfo), 0: free. The register check
                                  code (address;timestamp) that lets a broker apply again for the id it holds
                                  is the replica here: a broker never applies for another id of its own */
    struct ctl_replica r[RMQ_MAX_REPLICAS];
    /* the invariant check's memory (controller_check_master) */
    int32_t seen_epoch;
    sim_node_id seen_node;
};

/* A state change as a log entry (ReplicasInfoManager's EventMessage: ApplyBrokerIdEvent, ElectMasterEvent,
 * AlterSyncStateSetEvent); EV_NONE is the empty entry a new leader commits first. */
enum ctl_ev { EV_NONE, EV_REGISTER, EV_ELECT, EV_ALTER };
struct ctl_event {
    enum ctl_ev type;
    int group;
    int replica;               /* REGISTER: the broker; ELECT: the new master, -1 for none */
    uint32_t sss;              /* ALTER: the new SyncStateSet; REGISTER: the brokerId applied for */
};

/* A request the leader's EventScheduler runs in turn: compute, append, wait for the commit, answer. */
struct ctl_job {
    uint16_t code;             /* CTL_ELECT, CTL_ALTER_SSS, CTL_GET_INFO; 0: the controller's own */
    struct ctl_req q;
    struct rpc_ctx ctx;
    int64_t index;             /* the entry it waits for (-1: not appended yet) */
    int result;                /* the answer's code once computed */
    int designate;             /* CTL_ELECT from the admin naming q.replica (controller_admin_elect) */
    int attempt;               /* the controller's own CTL_ELECT: attempts before this one (triggerElectMaster) */
    struct ctl_event ev;
};
#define CTL_JOBS_MAX 256

struct controller {
    struct rmq_node base;
    struct sim_node *n;
    struct rpc rpc;
    struct controller_cfg cfg;
    int broken;                /* test only: controller_break_election */
    int ngroups;
    struct ctl_group *g;
    /* the controllers' DLedger group (count > 1), NULL members otherwise */
    int self;                  /* member index */
    struct controller **members;   /* all members; member 0 owns the array */
    int32_t *announced;        /* a group's highest masterEpoch any member traced (and, for an election,
                                  reported); one array for all members (controller_create, controller_free) */
    struct raft *raft;
    struct commitlog log;
    int64_t applied;           /* the last applied entry */
    int serving;               /* RoleChangeHandler: leader and its first entry applied (startScheduling) */
    int64_t first_index;       /* that first entry */
    uint64_t reelect_gen;      /* the leader's scanInactiveMaster schedule (an older one stops) */
    int64_t term_vote_term;    /* term and vote as written (MemberState.persistTerm) */
    int term_vote_vote;
    struct ctl_job job[CTL_JOBS_MAX];
    uint32_t job_head, job_n;
};

/* controller.c */
void ctl_apply(struct controller *c, const struct ctl_event *ev);
int ctl_decide_elect(struct controller *c, int gi, int requester, int designate, struct ctl_event *ev);
/* The admin election's answer in the trace (code -1: no controller to answer). */
void ctl_trace_admin_elect(struct controller *c, int gi, int r, int code);
int ctl_decide_alter(struct controller *c, const struct ctl_req *q, struct ctl_event *ev);
/* ReplicasInfoManager.getNextBrokerId: the brokerId the group hands out next. */
int32_t ctl_next_id(const struct controller *c, int gi);
/* ReplicasInfoManager.applyBrokerId: SUCCESS with the ApplyBrokerIdEvent in ev, or CTL_BROKER_ID_INVALID. */
int ctl_decide_apply_id(struct controller *c, const struct ctl_id_req *q, struct ctl_event *ev);
/* ReplicasInfoManager.registerBroker's answer: the master only while it is alive; CTL_NEED_TO_BE_REGISTERED
 * for a broker without a brokerId. */
int ctl_register_answer(const struct controller *c, const struct ctl_req *q, struct ctl_info *i);
void ctl_notify(struct controller *c, int gi);
/* DefaultBrokerHeartbeatManager.isBrokerActive: in the live table and heard from within the timeout now. */
int ctl_alive(const struct controller *c, const struct ctl_replica *x);
struct ctl_info ctl_info_of(const struct controller *c, int gi);
void ctl_heartbeat_seen(struct controller *c, const struct sim_msg *m, const struct ctl_heartbeat *hb);

/* elect_policy.c: DefaultElectPolicy's TreeSet first() over the brokers of valid (non-empty), which the caller
 * found alive and eligible. */
int ctl_elect_first(const struct ctl_group *g, uint32_t valid);

/* controller_group.c */
int ctlg_init(struct controller *c);
void ctlg_free(struct controller *c);
void ctlg_start(struct controller *c);
/* A request from a broker (ELECT, ALTER_SSS, GET_INFO, METADATA) or the controller's own election
 * (code CTL_ELECT, ctx.conn 0) under the group: queued on the leader, CONTROLLER_NOT_LEADER elsewhere. */
void ctlg_request(struct controller *c, uint16_t code, const struct ctl_req *q, struct rpc_ctx ctx, int own);
int ctlg_on_request(struct controller *c, uint16_t code, struct rpc_ctx ctx, const void *body, uint32_t len);
void ctlg_on_reply(struct controller *c, uint64_t tag, int status, const void *body, uint32_t len);
void ctlg_on_timer(struct controller *c, uint64_t tag);
/* The role change handler's turn after the member became leader: it appends the first (empty) entry. */
void ctlg_first_entry(struct controller *c);
/* appendToDLedgerAndWait's get(5, SECONDS) is over (the CT_APPEND_WAIT timer's tag: the entry and its term). */
void ctlg_append_wait_over(struct controller *c, uint64_t tag);
/* The admin's designated election of replica r on the leader c: queued as the brokers' requests are. */
void ctlg_admin_elect(struct controller *c, int gi, int r);

#endif
