/* raft_cfg: a DLedger member's settings (DLedgerConfig) and its roles, with DLedger's defaults. */
#ifndef MODELS_DLEDGER_RAFT_CFG_H
#define MODELS_DLEDGER_RAFT_CFG_H

#include "sim/time.h"

enum raft_role { RAFT_CANDIDATE, RAFT_LEADER, RAFT_FOLLOWER };
enum raft_election { RAFT_ELECTION_DLEDGER, RAFT_ELECTION_CLASSIC };

/* DLedgerConfig, with DLedger's defaults (REFERENCE section 5). */
struct raft_cfg {
    enum raft_election election;
    sim_time heartbeat;          /* heartBeatTimeIntervalMs 2000 */
    int max_heartbeat_leak;      /* maxHeartBeatLeak 3 */
    sim_time min_vote_interval;  /* minVoteIntervalMs 300 */
    sim_time max_vote_interval;  /* maxVoteIntervalMs 1000 */
    int max_pending_requests;    /* maxPendingRequestsNum 10000 */
    sim_time max_wait_ack;       /* maxWaitAckTimeMs 2500 */
    /* A state machine is registered (DLedgerServer.registerStateMachine: the controllers' group): the
     * QuorumAckChecker's fsmCaller branch, which fails no pending append after max_wait_ack; the host waits
     * on its own (DLedgerController.appendToDLedgerAndWait: 5 s). */
    int state_machine;
    sim_time max_push_timeout;   /* maxPushTimeOutMs 1000 */
    int max_pending_push;        /* EntryDispatcher.maxPendingSize 1000 (pushes, or batches, unanswered) */
    int peer_push_throttle_point;   /* peerPushThrottlePoint 300 MiB: a follower this far behind ... */
    int peer_push_quota;            /* ... gets at most peerPushQuota (20 MiB) of pushes a second */
    int batch_push;              /* isEnableBatchPush false (RocketMQ: MessageStoreConfig.enableBatchPush) */
    int max_batch_push_size;     /* maxBatchPushSize 4096 bytes: a batch is sent once its entries reach it */
    sim_time tick;               /* StateMaintainer's sleep: 10 ms */
    sim_time rpc_timeout;        /* push/compare wait (3 s in doCompare); votes and heartbeats use their own */
    /* fsync the term file before a vote answer leaves (MemberState.persistTerm writes it through
     * IOUtils.string2File, temp file + rename, no fsync: off under DLedger; the Raft paper's stable storage:
     * on under classic timing). -1 until the scenario is read: then by election. */
    int persist_term_fsync;
    /* Preferred leader and leadership transfer (DLedgerConfig) */
    int preferred_leader;                  /* preferredLeaderIds (RocketMQ: the broker's preferredLeaderId), a
                                            * member index, -1 for none */
    int max_transfer_wait_index;           /* maxLeadershipTransferWaitIndex 1000 */
    sim_time min_take_vote_interval;       /* minTakeLeadershipVoteIntervalMs 30 */
    sim_time max_take_vote_interval;       /* maxTakeLeadershipVoteIntervalMs 100 */
    sim_time transfer_wait_timeout;        /* leadershipTransferWaitTimeout 1000 */
    /* classic Raft timing ("election": "raft") */
    sim_time election_min, election_max;   /* follower timeout drawn from [min, max] at every reset */
    sim_time raft_heartbeat;               /* the leader's interval */
    /* Open a connection to every peer at start, as deployed servers hold theirs, so that no election pays a
     * connection set-up. DLedger's NettyRemotingClient connects on first use: on by default for "raft" only. */
    int connect_at_start;
    /* Member 0 stands for election at once on the group's first start (term 0, empty log), as LogCabin's
     * --bootstrap makes server 1 the first leader: a group whose timeouts cannot break a tie (150-150 ms)
     * still gets its first leader. "raft" only. */
    int bootstrap;
    /* Raft's rule (section 5.4.2): commit only entries of the leader's own term by counting replicas.
     * DLedger 0.3 counts any entry, so this is off by default. */
    int commit_current_term_only;
    /* Test-only broken variant: voters ignore the candidate's log (to show the invariants catch it). */
    int broken_vote_ignores_log;
};

#endif
