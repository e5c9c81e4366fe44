/* broker: a RocketMQ broker of the classic (pre-DLedger) kind: CommitLog, flush, put and pull handling,
 * consumer offsets, registration with the NameServers, and HA replication as master or slave. */
#ifndef MODELS_BROKER_H
#define MODELS_BROKER_H

#include <stdint.h>

#include "models/store/commitlog.h"
#include "models/world/cluster.h"

struct broker;

/* Adds a broker node named `name` for replica `replica` of group `group`, with brokerId `broker_id`
 * (0 for a master, >= 1 for a slave) and the group's configuration (role taken from broker_id: a master
 * uses cfg->role, a slave SLAVE). NULL when out of memory. */
struct broker *broker_create(struct rmq_world *w, const char *name, int group, int replica, int broker_id,
                             const struct broker_cfg *cfg);
void broker_free(struct broker *b);

sim_node_id broker_node(const struct broker *b);
int broker_id(const struct broker *b);
enum rmq_role broker_role(const struct broker *b);
const struct commitlog *broker_log(const struct broker *b);
/* The consumer offset this broker holds for queue q (UINT64_MAX: none), live and as last persisted. */
uint64_t broker_offset(const struct broker *b, int q);
uint64_t broker_saved_offset(const struct broker *b, int q);
/* The lowest queue offset, per queue, that a pull the broker holds, queues or serves may read (UINT64_MAX:
 * none). */
void broker_pull_floor(const struct broker *b, uint64_t low[RMQ_MAX_QUEUES]);
/* Bytes of the CommitLog made durable by fsync. */
uint64_t broker_flushed(const struct broker *b);

/* The broker's DLedger member, or NULL in classic HA. */
const struct raft *broker_raft(const struct broker *b);
/* An operator's planned leadership switch sent to this DLedger member (DLedgerServer.handleLeadershipTransfer):
 * NULL when the transfer started, else why not (a DLedgerResponseCode name). */
const char *broker_transfer_leadership(struct broker *b, int to);

/* DLedger: the last entry index the ReputMessageService dispatched to the ConsumeQueues (-1: none). */
int64_t broker_dispatched(struct broker *b);
/* DLedger: the lowest entry index the store may still read (INT64_MAX without DLedger): the committed index
 * (at most the log's end), what the ReputMessageService dispatched, the committed index the checkpoint
 * restores after a crash (DLedgerMmapFileStore.recover) and what the EntryDispatchers read (raft_read_floor). */
int64_t broker_dledger_keep(struct broker *b);
/* The lowest CommitLog offset the broker's own store may still read: the start of the entry a host crash would
 * leave its log ending with (its fsynced bytes; a slave then asks its master for what follows, a DLedger member
 * reads that entry's term), and in controller mode its confirm offset, the one its checkpoint restores and,
 * on a slave, where its dispatch backlog was counted to (ctl_keep_offset). */
uint64_t broker_keep_offset(const struct broker *b);
/* Controller mode: where a handshake with `master` would truncate b's log to (their epoch files' consistent
 * point), which the trim keeps; UINT64_MAX when none (not controller mode, b the master, no shared epoch). */
uint64_t ctl_truncation_floor(const struct broker *b, const struct broker *master);

/* What an operator does to broker.conf: takes effect at the next start. */
void broker_reconfigure(struct broker *b, enum rmq_role role, int broker_id);

/* Drops CommitLog entries from memory that end at or before phy (see cl_trim); the world decides when
 * nothing can ask for them any more. */
void broker_trim(struct broker *b, uint64_t phy);

#endif
