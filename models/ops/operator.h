/* operator: the pre-4.5 human failover: monitoring notices the dead master, a page goes out, a person
 * reacts, stops the slave, edits broker.conf to make it the master, and starts it again. */
#ifndef MODELS_OPERATOR_H
#define MODELS_OPERATOR_H

#include "models/ops/operator_cfg.h"
#include "models/world/cluster.h"

/* Adds the operator's node (its monitoring probes travel the simulated network). */
struct operator_ *operator_create(struct rmq_world *w, const char *name, const struct operator_cfg *cfg);
void operator_free(struct operator_ *op);

#endif
