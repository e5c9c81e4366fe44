/* report: what the RocketMQ components tell the accounting and the measurements. Components call these and
 * nothing else of the statistics: a send returned, a replica stored or dropped a message, a consumer
 * processed one, a pull came back, a master crashed, a new one was elected or promoted. */
#ifndef MODELS_REPORT_H
#define MODELS_REPORT_H

#include <stdint.h>

#include "models/report/acct.h"
#include "models/report/measure.h"
#include "models/remoting/protocol.h"
#include "sim/sim.h"
#include "sim/trace.h"

/* What is known of one broker group: its consumers' reads and redirects, and the failover timeline of its
 * first master crash (-1: not yet). */
struct report_group {
    char name[32];
    uint64_t reads_master, reads_slave;         /* messages delivered by pulls */
    uint64_t reads_master_iv, reads_slave_iv;   /* in the current sample interval */
    uint64_t redirects_to_slave, redirects_to_master;
    sim_time crash, detected, elected, promoted, first_write;
    int crash_host;                     /* the crash took the host (else the process) */
    int64_t crash_term;                 /* DLedger: the Raft term at the crash */
    sim_node_id new_master;
    uint64_t diverged_msgs;             /* slaves' messages where the master holds other bytes (ha_diverge.c) */
    /* Ordered sends: a queue's stall runs from its first failed send to its next acknowledged one. */
    sim_time stall_from[RMQ_MAX_QUEUES];  /* -1: the queue is not stalled */
    uint64_t stalls;                      /* stalls that ended */
    sim_time stall_max, stall_total;      /* of those */
    /* Orderly consumers: a queue's consume stall runs from a consume request that finds it not locked to
     * the next message of it processed. */
    sim_time ostall_from[RMQ_MAX_QUEUES]; /* -1: the queue is not stalled */
    uint64_t ostalls;
    sim_time ostall_max, ostall_total;
};

/* A broken invariant, as metrics.json lists it. */
struct report_violation {
    char invariant[32];
    int group;
    sim_node_id node;
    int64_t term, index;
    sim_time t;
};

struct report {
    struct sim *sim;
    int ngroups;
    struct report_group *g;
    struct acct acct;           /* every message's fate */
    struct meas meas;           /* what the clients experience */
    int invariant_violations;
    uint64_t invariant_checks;
    struct report_violation violations[64];   /* the first 64 */
    int nviolations;
    int ordered;                /* some producer sends ordered messages: metrics.json has ordered_stall_ms */
    int orderly;                /* some consumer is orderly: metrics.json has orderly_stall_ms */
};

/* For groups named names[0..ngroups-1]; warm-up and read gap as in measure.h. 0, or -1 when out of memory
 * (report_free cleans up either way). */
int report_init(struct report *r, struct sim *s, int ngroups, const char *const *names, sim_time warmup,
                sim_time read_gap);
void report_free(struct report *r);

/* A new message: the application called send(). Returns its id (dense from 0, in start order). */
uint32_t report_send_start(struct report *r);
/* The application's send() returned, at now: stored with `status` on `group` (acknowledged when the status
 * is a stored one), or failed; group is the last attempt's group, -1 when no attempt reached a group.
 * t0 is when the call started. queue is the queue of an ordered send (sendSelectImpl), else -1. Also writes
 * send.ack / send.fail to a full trace, for node (with the queue of an ordered send). An ordered queue
 * stalls at its first failed send and recovers at its next acknowledged one (report_group's stalls). */
void report_send_done(struct report *r, const char *node, uint32_t msg, int group, int queue, int status,
                      int attempts, sim_time t0);

/* The producer sends an attempt of msg to a master of group. */
/* report_attempt and report_stored with a full trace: as they are, and a `msg.held` when the replicas of the
 * message's group that hold it change (report.c). */
void report_attempt_traced(struct report *r, uint32_t msg, int group);
void report_stored_traced(struct report *r, uint32_t msg, int group, int replica, int stored);
static inline void report_attempt(struct report *r, uint32_t msg, int group)
{
    if (__builtin_expect(trace_on(sim_trace(r->sim), TRACE_FULL), 0))
        report_attempt_traced(r, msg, group);
    else
        acct_attempt(&r->acct, msg, group);
}
/* report_stored's way when the backlog changed by d (a message left every replica, or came back). */
void report_stored_backlog(struct report *r, uint32_t msg, int group, int d);
/* A replica (index in its group) appended (stored) or dropped the message. Inline: every replica's every
 * append calls it, and nearly always the backlog stays as it was. */
static inline void report_stored_untraced(struct report *r, uint32_t msg, int group, int replica, int stored)
{
    int d = acct_stored(&r->acct, msg, group, replica, stored);
    if (d != 0)
        report_stored_backlog(r, msg, group, d);
}
static inline void report_stored(struct report *r, uint32_t msg, int group, int replica, int stored)
{
    if (__builtin_expect(trace_on(sim_trace(r->sim), TRACE_FULL), 0))
        report_stored_traced(r, msg, group, replica, stored);
    else
        report_stored_untraced(r, msg, group, replica, stored);
}
/* A consumer's listener processed a message of group. */
void report_consumed(struct report *r, uint32_t msg, int group);

/* An orderly consumer had messages of (group, queue) to process and did not hold the queue's lock (a
 * ConsumeRequest found the ProcessQueue not locked or its lock expired): the queue's consume stall starts,
 * unless it runs already. */
void report_orderly_blocked(struct report *r, int group, int queue);
/* An orderly consumer processed a message of (group, queue): a consume stall of the queue ends. */
void report_orderly_consumed(struct report *r, int group, int queue);

/* A consumer's pull from group's brokerId ended; n messages came back (ok: the broker answered). */
void report_pull(struct report *r, int group, int broker_id, int ok, int n);
/* A consumer's per-queue suggestion for group changed from one brokerId to another. */
void report_redirect(struct report *r, int group, int from_id, int to_id);

/* The failover timeline; only the first master crash of a group is followed, and only until its first
 * write: detected, elected and promoted after it are left out. */
void report_master_crash(struct report *r, int group, int host, int64_t term);
/* Someone noticed the master is gone: the operator's alert, or a DLedger member turning candidate. */
void report_detected(struct report *r, int group);
/* A new master exists on the server side: a DLedger leader of a later term than at the crash (term >= 0),
 * or the operator's promotion (term -1). */
void report_elected(struct report *r, int group, int64_t term);
/* The new master took the master role (brokerId 0) and registers with the NameServers; a later one before
 * the first write replaces it (the failover's is the master's that took the first write). */
void report_promoted(struct report *r, int group, sim_node_id node);

/* Replication resumed on a slave whose log differs from its master's: n of the slave's messages sit at
 * offsets where the master holds other bytes. */
void report_diverged(struct report *r, int group, uint64_t n);

/* Records a broken invariant (the first 64 are kept for metrics.json). */
void report_violation(struct report *r, const char *invariant, int group, sim_node_id node, int64_t term,
                      int64_t index);

#endif
