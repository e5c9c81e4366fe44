/* cluster: a RocketMQ deployment as its components see it: the NameServers, the broker groups with their
 * replicas, the clients, and the report (accounting, measurements) they all tell what happened. The world
 * (world.h) builds it; components reach it from their node (world_of). No statistics live here. */
#ifndef MODELS_WORLD_CLUSTER_H
#define MODELS_WORLD_CLUSTER_H

#include <stdint.h>

#include "models/broker/broker_cfg.h"
#include "models/namesrv/namesrv_cfg.h"
#include "models/remoting/protocol.h"
#include "models/report/report.h"
#include "sim/sim.h"

struct broker;
struct nameserver;
struct producer;
struct consumer;
struct operator_;
struct raft_check;
struct controller;

struct rmq_group {
    char name[32];
    int idx;
    int n;                              /* replicas */
    sim_node_id node[RMQ_MAX_REPLICAS];
    struct broker *broker[RMQ_MAX_REPLICAS];
    struct broker_cfg cfg;
    struct raft_check *check;           /* DLedger invariants (NULL for classic HA) */
};

struct rmq_world {
    struct sim *sim;
    int nns;
    sim_node_id *ns;
    struct nameserver **nss;
    struct ns_cfg ns_cfg;
    int ngroups;
    struct rmq_group *g;
    int nproducers;
    struct producer **producers;
    int nconsumers;
    struct consumer **consumers;
    struct operator_ *op;
    struct controller *ctl;     /* RIP-44's controller (NULL: none) */
    sim_node_id ctl_node;
    int nctl;                   /* controllers: 1, or the members of their DLedger group */
    sim_node_id ctl_nodes[RMQ_MAX_REPLICAS];
    sim_time ctl_leader_poll;   /* the brokers' syncControllerMetadataPeriod: who leads (several controllers) */
    int ctl_unclean;            /* its enableElectUncleanMaster */
    struct report rep;          /* accounting and measurements: what every component reports to */
    int keep_all;               /* tests: the memory trim (world.c) forgets nothing, so that a run can be compared
                                   with itself trimmed */
};

/* Every RocketMQ model's state starts with this, so any node leads to its world. */
enum rmq_kind { RMQ_NAMESERVER, RMQ_BROKER, RMQ_PRODUCER, RMQ_CONSUMER, RMQ_OPERATOR, RMQ_CONTROLLER };
struct rmq_node {
    struct rmq_world *w;
    enum rmq_kind kind;
};

static inline struct rmq_world *world_of(const struct sim_node *n) { return ((struct rmq_node *)n->model)->w; }

/* The group index of a broker node, or -1. */
static inline int world_group_of(const struct rmq_world *w, sim_node_id node)
{
    for (int gi = 0; gi < w->ngroups; gi++)
        for (int r = 0; r < w->g[gi].n; r++)
            if (w->g[gi].node[r] == node)
                return gi;
    return -1;
}

#endif
