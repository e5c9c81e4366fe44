/* report: what the RocketMQ components tell the accounting and the measurements. Components call these and
 * nothing else of the statistics: a send returned, a replica stored or dropped a message, a consumer
 * processed one, a pull came back, a master crashed, a new one was elected or promoted. */
#ifndef MODELS_REPORT_H
#define MODELS_REPORT_H

#include <stdint.h>

#include "sim/sim.h"

struct rmq_world;

/* A new message: the application called send(). Returns its id (dense from 0, in start order). */
uint32_t report_send_start(struct rmq_world *w);
/* The application's send() returned, at now: stored with `status` on `group` (acknowledged when the status
 * is a stored one), or failed; group is the last attempt's group, -1 when no attempt reached a group.
 * t0 is when the call started. Also writes send.ack / send.fail to a full trace, for node. */
void report_send_done(struct rmq_world *w, const char *node, uint32_t msg, int group, int status, int attempts,
                      sim_time t0);

/* A replica (index in its group) appended (stored) or dropped the message. */
void report_stored(struct rmq_world *w, uint32_t msg, int group, int replica, int stored);
/* A consumer's listener processed a message of group. */
void report_consumed(struct rmq_world *w, uint32_t msg, int group);

/* A consumer's pull from group's brokerId ended; n messages came back (ok: the broker answered). */
void report_pull(struct rmq_world *w, int group, int broker_id, int ok, int n);
/* A consumer's per-queue suggestion for group changed from one brokerId to another. */
void report_redirect(struct rmq_world *w, int group, int from_id, int to_id);

/* The failover timeline; only the first master crash of a group is followed. */
void report_master_crash(struct rmq_world *w, int group, int host, int64_t term);
/* Someone noticed the master is gone: the operator's alert, or a DLedger member turning candidate. */
void report_detected(struct rmq_world *w, int group);
/* A new master exists on the server side: a DLedger leader of a later term than at the crash (term >= 0),
 * or the operator's promotion (term -1). */
void report_elected(struct rmq_world *w, int group, int64_t term);
/* The new master took the master role (brokerId 0) and registers with the NameServers. */
void report_promoted(struct rmq_world *w, int group, sim_node_id node);

/* Records a broken invariant (the first 64 are kept for metrics.json). */
void report_violation(struct rmq_world *w, const char *invariant, int group, sim_node_id node, int64_t term,
                      int64_t index);

#endif
