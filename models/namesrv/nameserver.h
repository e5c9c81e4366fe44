/* nameserver: RocketMQ's NameServer (broker registry, expiry scan, topic routes) and the client half of its
 * protocol that producers and consumers share (MQClientInstance's NameServer choice and route table). */
#ifndef MODELS_NAMESERVER_H
#define MODELS_NAMESERVER_H

#include <stdint.h>

#include "models/remoting/protocol.h"
#include "models/remoting/rpc.h"
#include "models/world/cluster.h"
#include "sim/sim.h"

/* MQClientInstance.updateTopicRouteInfoFromNameServer: getTopicRouteInfoFromNameServer(topic, 1000 * 3). */
#define NS_ROUTE_TIMEOUT (3 * SIM_S)
/* ---- the NameServer ---- */

struct nameserver;

/* Adds a NameServer node named `name` to w->sim and returns it, or NULL on a duplicate name or out of
 * memory. cfg is copied. The node reads w->ngroups and w->g[] (names, cfg.queues) only once running. */
struct nameserver *nameserver_create(struct rmq_world *w, const char *name, const struct ns_cfg *cfg);
/* Frees the model state (the node itself belongs to the sim). NULL is fine. */
void nameserver_free(struct nameserver *ns);
sim_node_id nameserver_node(const struct nameserver *ns);
/* Brokers (group, brokerId entries) the NameServer holds now. */
int nameserver_brokers(const struct nameserver *ns);

/* ---- the client half: a producer's or consumer's view of the topic's route ---- */

/* One broker group as the last route listed it (BrokerData.brokerAddrs, by ascending brokerId), or, stale, as
 * MQClientInstance.brokerAddrTable still holds it after a route without it (see keep_stale). */
struct ns_client_group {
    uint8_t n;                          /* brokers; 0: the group is not in the client's table */
    uint8_t queues;                     /* the topic's queues on the group (QueueData); 0 when stale */
    uint8_t stale;                      /* not in the last route, its brokers kept until ns_client_clean */
    uint16_t id[RMQ_MAX_REPLICAS];
    sim_node_id node[RMQ_MAX_REPLICAS];
};

/* Embedded in a client's state. Fields are read-only outside nameserver.c. */
struct ns_client {
    struct sim_node *n;                 /* the client's node (trace names, timers) */
    struct rpc *rpc;                    /* the client's remoting */
    uint64_t tag;                       /* rpc tag of this client's route requests */
    int have;                           /* a route arrived since the process started */
    int fetching;                       /* a GET_ROUTE is in flight */
    int nns;                            /* NameServers in list[] (w->nns, read at reset) */
    uint8_t list[RMQ_MAX_NAMESERVERS];  /* NettyRemotingClient.namesrvAddrList after updateNameServerAddressList's
                                           Collections.shuffle: indexes into w->ns, walked in this order */
    int chosen;                         /* NettyRemotingClient.namesrvAddrChoosed, an index into list[] */
    int connected;                      /* the client has had a channel to the chosen NameServer */
    int tries;                          /* NameServers tried by the request in flight */
    sim_time begin;                     /* when the request in flight began (its invokeSync's beginStartTime) */
    int walk;                           /* a failed connect tries the next NameServer within the request (R44/R498
                                           getAndCreateNameserverChannel's loop); else the request fails (R53) */
    int ngroups;                        /* w->ngroups, read at reset */
    int next_id;                        /* ns_client_find tries brokerId + 1 for a slave's id it lacks (4.8.0+) */
    int keep_stale;                     /* a group missing from a new route keeps its brokers (stale) until
                                           ns_client_clean, as brokerAddrTable does; else it is dropped at once */
    int order[RMQ_MAX_GROUPS];          /* group indexes sorted by name (MessageQueue.compareTo on brokerName) */
    struct ns_client_group g[RMQ_MAX_GROUPS];
};

/* What a route request came to. */
enum ns_fetch {
    NS_FETCH_PENDING,   /* not over yet: asking the next NameServer */
    NS_FETCH_FAILED,    /* no route came; the previous one is kept (MQClientInstance logs and keeps it) */
    NS_FETCH_SAME,      /* a route came and nothing changed */
    NS_FETCH_CHANGED    /* a route came and some group's brokers or queues changed ("route.change" traced) */
};

/* Prepares c for the client node n, whose rpc layer is r; route replies will carry `tag`. */
void ns_client_init(struct ns_client *c, struct sim_node *n, struct rpc *r, uint64_t tag);

/* At every (re)start of the client process: forgets the route and puts the NameServers in a random order drawn
 * from rng, the first of which it asks first (updateNameServerAddressList's Collections.shuffle of the list, and
 * namesrvIndex's random start in it). Reads w->nns, w->ngroups and group names. */
void ns_client_reset(struct ns_client *c, struct sim_rng *rng);

/* Forgets the route (the process died); nothing is sent. */
void ns_client_clear(struct ns_client *c);

/* MQClientInstance.cleanOfflineBroker: the brokers no topic route lists leave the table, so the stale groups
 * are gone. */
void ns_client_clean(struct ns_client *c);

/* Whether the group is in the last route (topicRouteTable: its queues, findBrokerAddrByTopic), not only in the
 * client's table of brokers. */
static inline int ns_client_routed(const struct ns_client *c, int group)
{
    return group >= 0 && group < c->ngroups && c->g[group].n > 0 && !c->g[group].stale;
}

/* Sends GET_ROUTE to the chosen NameServer unless one is in flight. Returns 1 when a request is in flight
 * afterwards (its reply may already have come inline through the rpc layer), 0 when there is no NameServer
 * at all. The owner's rpc reply function hands replies carrying c->tag to ns_client_on_reply. */
int ns_client_fetch(struct ns_client *c);

/* Takes a route reply. On a connection failure it moves to the next NameServer, and with walk asks it at once
 * within the same request's time (getAndCreateNameserverChannel walks the list; the connects' time counting
 * against the request's timeout) and returns NS_FETCH_PENDING; after a timeout that closed the connection
 * (clientCloseSocketIfTimeout) it moves to the next NameServer for the next request. A route replaces the
 * previous one group by group. */
enum ns_fetch ns_client_on_reply(struct ns_client *c, int status, const void *body, uint32_t len);

/* The group's brokerId 0 node in the client's table, or SIM_NODE_NONE (findBrokerAddressInPublish). Inline, as
 * ns_client_find: every send asks one, every pull the other. */
static inline sim_node_id ns_client_master(const struct ns_client *c, int group)
{
    if (group < 0 || group >= c->ngroups)
        return SIM_NODE_NONE;
    const struct ns_client_group *g = &c->g[group];
    return g->n > 0 && g->id[0] == 0 ? g->node[0] : SIM_NODE_NONE;
}

/* findBrokerAddressInSubscribe(group, id, onlyThisBroker=false), on the client's table (a stale group too):
 * that brokerId's node if the table lists it;
 * else, with next_id and a slave's id (4.8.0+, #2167: a DLedger group's followers are brokerIds 2 and 3 when
 * member 0 leads), brokerId id + 1's; else the group's first entry (lowest brokerId). *used gets the brokerId
 * chosen. SIM_NODE_NONE when the group has no broker in the table (then *used is left alone). With id < 0
 * this is findBrokerAddressInAdmin. */
static inline sim_node_id ns_client_find(const struct ns_client *c, int group, int id, int *used)
{
    if (group < 0 || group >= c->ngroups || c->g[group].n == 0)
        return SIM_NODE_NONE;
    const struct ns_client_group *g = &c->g[group];
    for (int i = 0; i < g->n; i++)
        if (g->id[i] == id) {
            *used = id;
            return g->node[i];
        }
    if (c->next_id && id > 0)
        for (int i = 0; i < g->n; i++)
            if (g->id[i] == id + 1) {
                *used = id + 1;
                return g->node[i];
            }
    *used = g->id[0];
    return g->node[0];
}

#endif
