/* consumer: a RocketMQ push consumer in clustering mode (DefaultMQPushConsumer): route refresh, queue
 * rebalance, long-polling pulls with the per-queue read redirect, consumption and offset commits. */
#ifndef MODELS_CONSUMER_H
#define MODELS_CONSUMER_H

#include <stdint.h>

#include "models/client/client_cfg.h"
#include "models/world/cluster.h"
#include "sim/sim.h"

struct consumer;

/* Adds a consumer node named `name` to w->sim and returns it, or NULL on a duplicate name or out of memory.
 * cfg is copied. index is the consumer's position in the one consumer group (0 .. w->nconsumers-1), its
 * place in AllocateMessageQueueAveragely. The node reads the world's NameServers and groups only once
 * running. */
struct consumer *consumer_create(struct rmq_world *w, const char *name, int index, const struct consumer_cfg *cfg);
/* Frees the model state (the node itself belongs to the sim). NULL is fine. */
void consumer_free(struct consumer *c);
sim_node_id consumer_node(const struct consumer *c);

/* Messages this consumer has processed (duplicates included), over all its lives. */
uint64_t consumer_consumed(const struct consumer *c);

/* Messages of group pulled and waiting in this consumer's process queues (not yet processed). */
uint64_t consumer_backlog(const struct consumer *c, int group);

/* The consumer's commit offset for (group, queue) as its offset store holds it, or -1 when the queue is
 * not held or has none (for tests and invariant checks). */
int64_t consumer_offset(const struct consumer *c, int group, int queue);

/* The lowest queue offset of (group, queue) this consumer may still ask a broker for: its next pull
 * (PullRequest.nextOffset) and its offset store's entry, which it commits and a later rebalance reads back.
 * UINT64_MAX when it holds neither (the world's CommitLog trim keeps what any consumer may still read). */
uint64_t consumer_lowest_offset(const struct consumer *c, int group, int queue);

#endif
