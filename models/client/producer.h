/* producer: a RocketMQ producer application (DefaultMQProducer, SYNC sends from many threads): route refresh,
 * queue selection, sendDefaultImpl's retries within one timeout budget, and the workload that drives it. */
#ifndef MODELS_PRODUCER_H
#define MODELS_PRODUCER_H

#include <stdint.h>

#include "models/client/client_cfg.h"
#include "models/world/cluster.h"
#include "sim/sim.h"

struct producer;

/* Adds a producer node named `name` to w->sim and returns it, or NULL on a duplicate name or out of memory.
 * cfg is copied (its size distribution too). index is the producer's position among w->producers. The node
 * reads the world's NameServers and groups only once running. */
struct producer *producer_create(struct rmq_world *w, const char *name, int index, const struct producer_cfg *cfg);
/* Frees the model state (the node itself belongs to the sim). NULL is fine. */
void producer_free(struct producer *p);
sim_node_id producer_node(const struct producer *p);

/* Messages created (each got an accounting id), finally acknowledged as stored, and finally failed
 * (including those refused with a full pool and those lost in flight when the producer crashed). Any of
 * the pointers may be NULL. */
void producer_counts(const struct producer *p, uint64_t *sent, uint64_t *acked, uint64_t *failed);

/* Sends in flight now (application threads blocked in send). */
uint32_t producer_inflight(const struct producer *p);

#endif
