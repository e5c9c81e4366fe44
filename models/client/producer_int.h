/* producer_int: what producer.c (the client, its route, heartbeat and workload) and producer_send.c (the
 * publish info and the sends in flight: TopicPublishInfo, MQFaultStrategy, sendDefaultImpl) share.
 *
 * Timer tags: enum p_timer. Rpc tags (producer_tag): enum p_rpc in the low 4 bits, slot << 4, generation << 32. */
#ifndef MODELS_CLIENT_PRODUCER_INT_H
#define MODELS_CLIENT_PRODUCER_INT_H

#include <stdint.h>

#include "models/client/client_cfg.h"
#include "models/client/client_tasks.h"
#include "models/client/heartbeat_round.h"
#include "models/client/latency_fault.h"
#include "models/client/mq_fault.h"
#include "models/namesrv/nameserver.h"
#include "models/remoting/rpc.h"
#include "models/world/cluster.h"
#include "sim/sim.h"

enum p_timer { P_T_ROUTE = 1, P_T_WORKLOAD, P_T_THREAD, P_T_HEARTBEAT, P_T_DETECT };
enum p_rpc { P_R_ROUTE = 1, P_R_SEND, P_R_HEARTBEAT, P_R_DETECT };

#define P_NO_SLOT UINT32_MAX
#define P_GEN_MASK 0x7fffffffu
#define P_SLOT_MAX (1u << 27)
enum ps_state { PS_FREE, PS_WAIT_ROUTE, PS_SENDING };

/* One send in progress: an application thread inside sendDefaultImpl. */
struct psend {
    uint32_t msg, size;
    sim_time t0;                /* beginTimestampFirst */
    sim_time t_attempt;         /* beginTimestampPrev */
    uint32_t gen;
    uint32_t next;              /* free list or route-wait list */
    uint8_t state;
    uint8_t attempts;           /* `times` */
    uint32_t thread;            /* closed: the application thread that called send() */
    uint32_t key;               /* ordered: the selector's argument (an Integer: hashCode() is the key) */
    uint16_t queue;             /* the last attempt's queue id */
    int16_t group;              /* the last attempt's group (lastBrokerName), -1 before the first */
    int status;                 /* the last attempt's status */
};

struct producer {
    struct rmq_node base;
    struct sim_node *n;
    struct producer_cfg cfg;
    int index;
    struct rpc rpc;
    struct ns_client route;
    struct client_tasks tasks;  /* MQClientInstance's scheduled executor: the route poll, the heartbeat */
    struct sim_rng *rng;        /* "workload": arrivals, sizes, the first publish info's thread-0 index start */
    struct sim_rng *ns_rng;     /* "nameserver": the first NameServer chosen */
    struct sim_rng *key_rng;    /* "order_keys": ordered sends' keys */
    struct sim_rng *which_rng;  /* "send_which_queue": the index's other random starts (a thread's first choice on
                                   a new publish info; 5.x resetIndex on a retry, with sendLatencyFaultEnable) */
    struct sim_rng **think_rng; /* closed: thread t's think times, stream "think.<t>" (made at its first draw) */
    uint32_t next_thread;       /* closed: the thread the next new_message runs on */

    struct publish_info pub;    /* TopicPublishInfo */
    struct send_index *tl;      /* sendWhichQueue's value per application thread (closed: `threads`; open: one) */
    uint32_t ntl;

    struct psend *s;
    uint32_t cap, free_head, inflight;
    uint32_t wait_head, wait_tail;   /* sends waiting for tryToFindTopicPublishInfo's route request */

    sim_time wl_base;           /* constant arrivals: the k-th message is due at wl_base + k / rate */
    uint64_t wl_k;

    uint64_t sent, acked, failed;

    struct hb_round hb;         /* the heartbeat round in progress (without vipChannelEnabled) */

    struct latency_fault lf;    /* sendLatencyFaultEnable */
    struct {                    /* 5.x LatencyFaultToleranceImpl's detector (startDetectorEnable) */
        int busy;               /* a round is asking group `next` */
        int next;
        int pending;            /* runs come due during the round, to run after it */
        sim_node_id connecting; /* the broker whose channel the round waits for, or SIM_NODE_NONE */
        sim_time t0;            /* when the round came to group `next` */
        uint32_t gen;           /* the process's start: replies from an earlier one are ignored */
    } det;
    uint32_t fixed_size;        /* a constant size distribution's size, drawn once (it uses no randomness); 0: none */
};

static inline uint64_t producer_tag(enum p_rpc kind, uint32_t slot, uint32_t gen)
{
    return (uint64_t)kind | (uint64_t)slot << 4 | (uint64_t)(gen & P_GEN_MASK) << 32;
}

/* producer_send.c */
/* MQClientInstance.topicRouteData2TopicPublishInfo: the writable queues from the route, a new publish info. */
void producer_rebuild_publish_info(struct producer *p);
/* A slot for a new send (P_NO_SLOT: every application thread is busy, or out of memory); released by
 * producer_send_finish, or producer_send_release when the producer dies. */
uint32_t producer_send_alloc(struct producer *p);
void producer_send_release(struct producer *p, uint32_t i);
/* The application's send() returns with status. */
void producer_send_report(struct producer *p, uint32_t msg, int group, int queue, int status, int attempts,
                          sim_time t0);
/* One iteration of sendDefaultImpl's loop, or its end; finish: the send is over (reported, slot released). */
void producer_send_attempt(struct producer *p, uint32_t i);
void producer_send_finish(struct producer *p, uint32_t i);
/* The broker's answer (or the rpc's failure) to slot i's attempt of generation gen. */
void producer_send_on_reply(struct producer *p, uint32_t i, uint32_t gen, int status);

/* producer_detect.c */
/* startDetectorEnable, with the latency fault tolerance and its 5.x tables. */
int producer_detect_enabled(const struct producer *p);
/* The process starts: its first round 3 s from now, when enabled. */
void producer_detect_start(struct producer *p);
/* The P_T_DETECT timer fired: a round runs (or waits for the one in progress). */
void producer_detect_on_timer(struct producer *p);
/* A connection event (after the rpc layer's): the round may be waiting for that channel. */
void producer_detect_on_conn(struct producer *p, sim_node_id peer, enum sim_conn_ev ev);
/* The answer (or failure) of group g's GET_MAX_OFFSET, asked by the round of generation gen. */
void producer_detect_on_reply(struct producer *p, uint32_t g, uint32_t gen, int status);

#endif
