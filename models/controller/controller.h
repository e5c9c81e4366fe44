/* controller: RocketMQ 5.x's controller (RIP-44, the controller/ module): per broker group the master, its
 * epoch and the SyncStateSet; broker heartbeats and their expiry; electMaster by the 5.3 policy; the
 * notifications of a role change. One controller (count 1): it is the active controller. */
#ifndef MODELS_CONTROLLER_H
#define MODELS_CONTROLLER_H

#include "models/controller/controller_cfg.h"
#include "models/controller/ctl_proto.h"
#include "models/world/cluster.h"

struct controller;

/* Adds the controller node `name` for the world's groups. NULL when out of memory. */
struct controller *controller_create(struct rmq_world *w, const char *name, const struct controller_cfg *cfg);
void controller_free(struct controller *c);
sim_node_id controller_node(const struct controller *c);
/* What the controller holds for group gi now. */
struct ctl_info controller_info(const struct controller *c, int gi);

/* The run's invariant check: a broker of group gi took the master role at epoch on node. Records a
 * violation when another node was master at the same epoch, or the group's epoch went back. */
void controller_check_master(struct controller *c, int gi, int32_t epoch, sim_node_id node);

/* Test only: elect ignoring the SyncStateSet (any active replica, lowest index first): a broken election
 * the invariant checks must catch. */
void controller_break_election(struct controller *c);

#endif
