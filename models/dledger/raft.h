/* raft: a DLedger member (openmessaging/dledger 0.3): leader election with DLedger's timing and vote
 * answers, and quorum replication of a log whose entries are the broker's CommitLog messages. The member
 * talks to the world only through struct raft_io, so the same code runs under any host. */
#ifndef MODELS_RAFT_H
#define MODELS_RAFT_H

#include <stdint.h>

#include "models/dledger/raft_cfg.h"
#include "models/store/commitlog.h"
#include "models/remoting/rpc.h"
#include "sim/sim.h"

#define RAFT_MAX_PEERS RMQ_MAX_REPLICAS
#define RAFT_NONE (-1)


/* What the member needs from its host. tags are the member's own; the host hands them back. */
struct raft_io {
    void *host;
    struct sim_node *node;     /* the host's node: its clock */
    /* A request to peer (rpc_call through the host); the answer comes back through raft_on_reply. */
    void (*call)(void *host, int peer, uint16_t code, const void *body, uint32_t len, uint64_t extra_wire,
                 sim_time timeout, uint64_t tag);
    void (*reply)(void *host, struct rpc_ctx ctx, int status, const void *body, uint32_t len);
    void (*timer)(void *host, sim_time delay, uint64_t tag);
    /* Term and vote to the member's file (MemberState.persistTerm); raft_persisted() follows as a later event
     * once they are written (at the same instant when the host only writes the file; after its fsync when it
     * syncs: see RAFT_TIMER_PERSISTED). */
    void (*persist)(void *host);
    void (*role_changed)(void *host, enum raft_role role, uint64_t term, int leader);
    /* This member answered a vote request (for the trace). */
    void (*voted)(void *host, int64_t term, int candidate, int granted);
    /* The committed index rose to `index` (everything up to it is committed). */
    void (*committed)(void *host, int64_t index);
    /* This member appended (follower) or dropped entries (from index on). */
    void (*appended)(void *host, const struct cl_entry *e);
    void (*truncated)(void *host, int64_t from);
    /* An append this member proposed as leader ended: status RMQ_SUCCESS or an error code. */
    void (*append_done)(void *host, uint64_t tag, int status);
    /* A leadership transfer this member started as leader ended: the transferee's answer (ok = it leads). */
    void (*transferred)(void *host, int transferee, int ok, const char *code);
    /* The member needed its log at `index` (an entry it reads, a follower's end it compares with, a cut), which
     * only the host's memory trim forgot (the real store keeps its files): a fault of the host's trim, reported,
     * not a protocol event. NULL: no trim. */
    void (*trimmed_read)(void *host, int64_t index);
    /* The leader's dispatcher for follower peer is about to push entries first..last, or to compare or truncate
     * at entry first (= last): when some of their bytes are not in the host's page cache, the host reads them
     * (returns 1) and raft_on_read(tag) follows when the read ends; 0: they are in memory, the request goes now.
     * NULL: never read. */
    int (*read)(void *host, int peer, int64_t first, int64_t last, uint64_t tag);
    struct sim_rng *rng;
};

/* A DLedger member: its state is small; its log is the host's CommitLog (entry index = log index). */
struct raft {
    struct raft_cfg cfg;
    struct raft_io io;
    struct commitlog *log;
    int self, n;                     /* member index and group size */

    /* MemberState */
    enum raft_role role;
    int64_t term, known_max_term;
    int voted_for, leader;
    int64_t committed;
    int64_t reported_term;           /* the term of the last role change told to the host */
    int64_t durable_term;            /* term and vote as last made durable */
    int durable_vote;

    /* DLedgerLeaderElector */
    sim_time last_leader_heartbeat, last_send_heartbeat, last_succ_heartbeat, next_vote, election_deadline;
    int need_increase_term;
    int last_parse;                  /* VoteResponse.ParseResult */
    int busy;                        /* a vote round or heartbeat round is waiting for answers (DLedger: through
                                      * role changes too, as its StateMaintainer thread waits) */
    int64_t round;                   /* id of the current round (stale answers are ignored) */
    int round_term;
    int round_is_vote;               /* the round is a vote round (else heartbeats) */
    int answers, accepted, valid, bigger_ledger, not_ready, already_has_leader, succ, inconsistent;
    int64_t max_term_seen;
    sim_time round_deadline;
    int persist_pending;             /* waiting for term/vote to be durable */
    struct { struct rpc_ctx ctx; int result; int64_t term; } vote_replies[RAFT_MAX_PEERS * 4];
    int nvote_replies;
    int start_round_after_persist;

    /* classic Raft ("election": "raft", raft_classic.c): exact timers, named by a generation in their tag */
    sim_time election_armed;         /* when the live election timer fires (-1: none) */
    uint64_t election_gen, beat_gen;

    /* DLedgerEntryPusher, leader side: one dispatcher per peer */
    struct raft_peer {
        int state;                   /* COMPARE, TRUNCATE, APPEND */
        int64_t compare_index, write_index, watermark;
        sim_time oldest_push;        /* send time of the push after the watermark */
        int64_t round;               /* answers of an older dispatcher state are ignored */
        int waiting;                 /* a compare/truncate is in flight (0 while its entry is read) */
        int reading;                 /* the dispatcher waits for a read of what it sends next (io.read) */
        int64_t read_index;          /* that request's entry (batch push: the batch gathered) */
        sim_time last_push;
        sim_time retry_at;           /* after an error answer, the dispatcher sleeps 500 ms (or the quota's) */
        int64_t quota_second;        /* the push quota's second (utils.Quota) and what it counted in it */
        uint64_t quota_bytes;
        int64_t quota_owed;          /* the entry the dispatcher slept for, pushed uncounted after, or -1 */
        /* batch push: the batch being filled (batchAppendEntryRequest; batch_bytes with DLedger's entry
         * headers) and the batches sent and not yet answered or passed by the water-mark (batchPendingMap),
         * in the order sent; an answered one stays as count 0 until it reaches the head or the ring grows */
        int64_t batch_first;
        uint32_t batch_n;
        uint64_t batch_bytes;
        sim_time last_leak_check;    /* lastCheckLeakTimeMs */
        struct raft_batch { int64_t first; uint32_t count; sim_time sent; } *bp;
        uint32_t bp_head, bp_n, bp_cap, bp_live;
        /* pendingMap's send times by index (one entry a push; ring over the indexes from the water-mark on,
         * sent_cap a power of two, grown to what is pending): the push after the water-mark is resent 1 s
         * after its own last send, not 1 s after the water-mark moved */
        sim_time *sent;
        uint32_t sent_cap;
        /* pendingMap's entries at or below the water-mark: pushes whose answer did not come (lost with its
         * connection or its request's timeout, or still to come: a resend waiting in the follower) when a
         * later one's moved the water-mark past them, as disjoint spans of indexes; left_count in all.
         * The leak check forgets those below the water-mark. The rest of pendingMap is every index from the
         * water-mark + 1 to write_index - 1. */
        struct raft_span { int64_t lo, hi; } *left;
        uint32_t left_n, left_cap;
        int64_t left_count;
    } peer[RAFT_MAX_PEERS];
    /* EntryHandler.writeRequestMap: the appends pushed to this member not yet taken, by first index (one
     * each: first and last index, arrival, where the answer goes, answered already by a fast-forward), and
     * lastCheckFastForwardTimeMs (entry_handler.c) */
    struct raft_held {
        int64_t first, last;
        sim_time at;
        struct rpc_ctx ctx;
        uint32_t len;
        int answered;
        void *body;
    } *held;
    uint32_t held_n, held_cap;
    sim_time ff_check;
    /* With batch push the QuorumAckChecker is not woken by acks: it looks every 1 ms (waitForRunning(1))
     * from its last look; q_poll_armed: a look is due */
    sim_time q_last_look;
    int q_poll_armed;
    void *batch_body;                /* where a batch push is built (grown to the largest, kept) */
    size_t batch_body_cap;
    /* QuorumAckChecker's count of water-marks (the leader's own: its log end) above the committed index, as
     * of committed index q_at (INT64_MIN: not known; recounted at the next check) */
    int q_above;
    int64_t q_at;
    /* pending appends (pendingAppendResponsesByTerm): index -> tag, of this member's terms as leader, oldest
     * first (pend_cap a power of two). The first pend_done were answered WAIT_QUORUM_ACK_TIMEOUT and stay,
     * counted as pending, until the committed index passes them. */
    struct raft_pending { int64_t index; uint64_t tag; sim_time created; } *pend;
    uint32_t pend_head, pend_n, pend_cap, pend_done;

    /* Leadership transfer: MemberState.transferee / termToTakeLeadership, the transferee's wait for the
     * leader's index and its TakeLeadershipTask, DLedgerServer.checkPreferredLeader's schedule and the
     * leader's peersLiveTable. */
    int transferee;
    int64_t term_to_take;
    int take_waiting, take_task;     /* catching up before taking; a TakeLeadershipTask answer is owed */
    struct rpc_ctx take_ctx;
    int64_t take_term, take_index;
    int take_from;
    sim_time take_since, next_preferred_check;
    uint8_t peer_live[RAFT_MAX_PEERS];

    /* statistics */
    uint64_t elections, votes_granted, transfers;
    sim_time last_tick;
};

/* A host that writes term and vote without a disk event of its own (no fsync) sets a zero-delay timer with
 * this tag: raft_on_timer then takes it as raft_persisted. */
#define RAFT_TIMER_PERSISTED 5

/* Request codes on the host's rpc (rmq.h leaves room above RMQ_HA_DATA). */
enum { RAFT_VOTE = 40, RAFT_HEARTBEAT, RAFT_PUSH, RAFT_TAKE_LEADERSHIP };

void raft_init(struct raft *r, const struct raft_cfg *cfg, const struct raft_io *io, struct commitlog *log, int self,
               int n);
void raft_free(struct raft *r);

/* The process starts (boot or restart): term and vote come back from durable storage (the host tells
 * which through raft_restore first), role CANDIDATE, timers armed. */
void raft_start(struct raft *r);
void raft_restore(struct raft *r, int64_t term, int vote);

/* Host hooks. raft_on_request answers (possibly later, through io.reply). */
void raft_on_request(struct raft *r, uint16_t code, struct rpc_ctx ctx, const void *body, uint32_t len);
void raft_on_reply(struct raft *r, uint64_t tag, int status, const void *body, uint32_t len);
void raft_on_timer(struct raft *r, uint64_t tag);
void raft_persisted(struct raft *r);
/* The read io.read started with this tag ended: the dispatcher pushes what it read (unless its state changed
 * meanwhile) and goes on. */
void raft_on_read(struct raft *r, uint64_t tag);

/* As leader: append a message (the host has not touched its log). Returns 0 with append_done(tag, ...)
 * to follow, or an error status at once: RMQ_SERVICE_NOT_AVAILABLE (not leader), RMQ_SYSTEM_BUSY
 * (LEADER_PENDING_FULL), RMQ_SYSTEM_ERROR (LEADER_TRANSFERRING). */
int raft_propose(struct raft *r, uint32_t msg, uint32_t size, uint16_t queue, uint64_t qoff, uint64_t tag);

/* DLedgerServer.handleLeadershipTransfer as the leader (an operator's planned switch): hands leadership to
 * member `to` unless it is this member, this member does not lead, a transfer is under way, or `to` is
 * maxLeadershipTransferWaitIndex entries or more behind. Returns NULL when started (io.transferred
 * follows), else the DLedgerResponseCode's name. */
const char *raft_transfer_leadership(struct raft *r, int to);

/* The lowest index this member's EntryDispatchers may still read for a follower (a leader's: the entry
 * after a follower's water-mark, which a push that timed out sends again, or the index it compares or
 * truncates at); INT64_MAX when none. The host's memory trim keeps it. */
int64_t raft_read_floor(const struct raft *r);

static inline int64_t raft_end(const struct raft *r) { return (int64_t)cl_end(r->log) - 1; }
int64_t raft_end_term(const struct raft *r);
int64_t raft_term_at(const struct raft *r, int64_t index);

#endif
