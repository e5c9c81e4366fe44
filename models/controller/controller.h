/* controller: RocketMQ 5.x's controller (RIP-44, the controller/ module): per broker group the master, its
 * epoch and the SyncStateSet; broker heartbeats and their expiry; electMaster by the 5.3 policy; the
 * notifications of a role change. One controller (count 1) is the active controller; several form a DLedger
 * group whose leader is (DLedgerController). */
#ifndef MODELS_CONTROLLER_H
#define MODELS_CONTROLLER_H

#include "models/controller/controller_cfg.h"
#include "models/controller/ctl_proto.h"
#include "models/world/cluster.h"

struct controller;

/* Adds cfg->count controller nodes "controller-<k>" for the world's groups and returns controller 0, which
 * owns the others. NULL when out of memory. */
struct controller *controller_create(struct rmq_world *w, const struct controller_cfg *cfg);
/* Frees every controller (c is controller 0). */
void controller_free(struct controller *c);
sim_node_id controller_node(const struct controller *c);
int controller_count(const struct controller *c);
sim_node_id controller_node_at(const struct controller *c, int k);
/* The member that is the active controller (leader with its first entry applied), -1 for none; 0 for one
 * controller. */
int controller_leader(const struct controller *c);
/* What the active controller holds for group gi now (with none: the member that applied most). */
struct ctl_info controller_info(const struct controller *c, int gi);
/* What member k holds for group gi. */
struct ctl_info controller_info_at(const struct controller *c, int k, int gi);

/* The run's invariant check: a broker of group gi took the master role at epoch on node. Records a
 * violation when another node was master at the same epoch, or the group's epoch went back. */
void controller_check_master(struct controller *c, int gi, int32_t epoch, sim_node_id node);

/* The admin's electMaster naming replica r of group gi (mqadmin electMaster -b; ElectMasterRequestHeader
 * .ofAdminTrigger, designateElect true), handed to the active controller: r becomes master if it is an alive
 * member of the SyncStateSet (of any replica with unclean election), else the answer is
 * CONTROLLER_ELECT_MASTER_FAILED and nothing changes; r already master: CONTROLLER_MASTER_STILL_EXIST. The
 * answer is traced (controller.admin_elect) when known; with no active controller it is
 * CONTROLLER_NOT_LEADER (NO_CONTROLLER when no controller is up). */
void controller_admin_elect(struct controller *c, int gi, int r);

/* Test only: elect ignoring the SyncStateSet (any active replica, lowest index first): a broken election
 * the invariant checks must catch. */
void controller_break_election(struct controller *c);

#endif
