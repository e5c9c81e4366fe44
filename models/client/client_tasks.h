/* client_tasks: MQClientInstance.startScheduledTask's executor, a newSingleThreadScheduledExecutor (R44 to
 * R53): the route poll (updateTopicRouteInfoFromNameServer, 10 ms then every pollNameServerInterval), the
 * heartbeat round (cleanOfflineBroker and sendHeartbeatToAllBrokerWithLock, 1 s then every
 * heartbeatBrokerInterval) and, for a consumer, persistAllConsumerOffset (10 s then every
 * persistConsumerOffsetInterval), all at fixed rates on one thread.
 *
 * A task that waits holds the thread: the route poll until its GET_ROUTE is answered or times out (invokeSync,
 * 3 s), the heartbeat round until its last broker answered or timed out (invokeSync each). A task that comes
 * due meanwhile waits for the thread; when it frees, the waiting tasks run one after another, earliest
 * scheduled time first, ties in the order the tasks were created (DelayedWorkQueue: time, then the
 * ScheduledFutureTask's sequence number). Each run's next is its scheduled time plus the period
 * (scheduleAtFixedRate), so a task held back runs late and then catches up.
 *
 * One phase for all: a client started at any time has all its tasks shifted alike. At the route poll's
 * first run the executor draws d, uniform in [1, the poll's period], from the stream the client gave
 * ct_start; every task's runs after its first are then shifted by d modulo its period, so the poll comes
 * 990 ms before the heartbeat round as in RocketMQ (10 ms and 1 s from the start), whatever the draw. */
#ifndef MODELS_CLIENT_CLIENT_TASKS_H
#define MODELS_CLIENT_CLIENT_TASKS_H

#include <stdint.h>

#include "sim/sim.h"

enum ct_task { CT_ROUTE, CT_HEARTBEAT, CT_PERSIST, CT_N };   /* in the order RocketMQ schedules them */

struct client_tasks {
    struct sim_node *n;
    uint64_t tag[CT_N];         /* the client's timer tag of each task */
    sim_time initial[CT_N];     /* from the start to the first run; -1: the task is not scheduled */
    sim_time period[CT_N];
    sim_time at[CT_N];          /* the scheduled time of the task's next run (or of the run waiting) */
    uint8_t first[CT_N];        /* the next run is the task's first */
    uint8_t waiting[CT_N];      /* due, waiting for the thread */
    uint8_t armed[CT_N];        /* its timer is set for at[] */
    int running;                /* the task holding the thread, or -1 */
    int in_run;                 /* inside a task's run function */
    sim_time phase;             /* d (drawn, or set by ct_set_phase); 0: none (no shift) */
    struct sim_rng *phase_rng;  /* where d is drawn from; NULL: no draw */
    /* What a task does: 1 when it holds the thread until ct_done(t), 0 when it is over already. */
    int (*run)(void *owner, enum ct_task t);
    void *owner;
};

/* Prepares ct for node n; run(owner, t) does task t's work. Every task unscheduled. */
void ct_init(struct client_tasks *ct, struct sim_node *n, int (*run)(void *, enum ct_task), void *owner);
/* Task t, whose timer carries tag, first runs `initial` after ct_start, then every `period` (> 0). */
void ct_define(struct client_tasks *ct, enum ct_task t, uint64_t tag, sim_time initial, sim_time period);
/* The process (re)starts now: the thread is free and every defined task's first run is `base` + its initial
 * from now; the route poll's first run draws the phase from phase_rng (NULL: no phase). */
void ct_start(struct client_tasks *ct, sim_time base, struct sim_rng *phase_rng);
/* The process died: the thread's work is gone (its timers die with the process). */
void ct_stop(struct client_tasks *ct);
/* Task t's timer fired. */
void ct_on_timer(struct client_tasks *ct, enum ct_task t);
/* Task t, holding the thread, is over: the next waiting task runs. Nothing when t does not hold it. */
void ct_done(struct client_tasks *ct, enum ct_task t);
/* A phase of its own instead of the draw (after ct_start, before the route poll's first run): the runs after
 * each task's first are shifted by phase (> 0) modulo the task's period. */
static inline void ct_set_phase(struct client_tasks *ct, sim_time phase)
{
    ct->phase = phase;
}
/* Task t holds the thread. */
static inline int ct_holds(const struct client_tasks *ct, enum ct_task t)
{
    return ct->running == (int)t;
}

#endif
