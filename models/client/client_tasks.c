/* client_tasks: see client_tasks.h. */
#include <string.h>

#include "models/client/client_tasks.h"

void ct_init(struct client_tasks *ct, struct sim_node *n, int (*run)(void *, enum ct_task), void *owner)
{
    memset(ct, 0, sizeof *ct);
    ct->n = n;
    ct->run = run;
    ct->owner = owner;
    ct->running = -1;
    for (int t = 0; t < CT_N; t++)
        ct->initial[t] = -1;
}

void ct_define(struct client_tasks *ct, enum ct_task t, uint64_t tag, sim_time initial, sim_time period)
{
    ct->tag[t] = tag;
    ct->initial[t] = initial < 0 ? 0 : initial;
    ct->period[t] = period > 0 ? period : 1;
}

void ct_stop(struct client_tasks *ct)
{
    ct->running = -1;
    ct->in_run = 0;
    memset(ct->waiting, 0, sizeof ct->waiting);
    memset(ct->armed, 0, sizeof ct->armed);   /* the process's timers die with it */
}

void ct_start(struct client_tasks *ct, sim_time base, struct sim_rng *phase_rng)
{
    sim_time now = node_now(ct->n);
    ct_stop(ct);
    ct->phase = 0;
    ct->phase_rng = phase_rng;
    for (int t = 0; t < CT_N; t++) {
        if (ct->initial[t] < 0)
            continue;
        ct->at[t] = now + base + ct->initial[t];
        ct->first[t] = 1;
        ct->armed[t] = 1;
        node_timer(ct->n, base + ct->initial[t], ct->tag[t]);
    }
}

/* Schedules task t's run after the one starting now: its scheduled time plus the period, or after its first
 * run plus the phase modulo the period. A run already due (the task was held back a whole period) waits
 * for the thread at once, so that it catches up before a task scheduled later. */
static void reschedule(struct client_tasks *ct, enum ct_task t)
{
    sim_time step = ct->period[t];
    if (ct->first[t]) {
        ct->first[t] = 0;
        if (ct->phase > 0 && ct->phase % step)
            step = ct->phase % step;
    }
    ct->at[t] += step;
    sim_time now = node_now(ct->n);
    if (ct->at[t] > now) {
        ct->armed[t] = 1;
        node_timer(ct->n, ct->at[t] - now, ct->tag[t]);
    } else {
        ct->waiting[t] = 1;
    }
}

/* Runs task t on the thread. A reply that comes inline may end it (ct_done) before run returns. */
static void run_task(struct client_tasks *ct, enum ct_task t)
{
    if (t == CT_ROUTE && ct->first[t] && ct->phase_rng)
        ct->phase = 1 + (sim_time)sim_rng_below(ct->phase_rng, (uint64_t)ct->period[t]);
    ct->running = (int)t;
    ct->in_run = 1;
    int holds = ct->run(ct->owner, t);
    ct->in_run = 0;
    reschedule(ct, t);
    if (!holds && ct->running == (int)t)
        ct->running = -1;
}

/* While the thread is free: the waiting task scheduled earliest (ties: the first created) runs. */
static void run_waiting(struct client_tasks *ct)
{
    while (ct->running < 0) {
        int best = -1;
        for (int t = 0; t < CT_N; t++)
            if (ct->waiting[t] && (best < 0 || ct->at[t] < ct->at[best]))
                best = t;
        if (best < 0)
            return;
        ct->waiting[best] = 0;
        run_task(ct, (enum ct_task)best);
    }
}

void ct_on_timer(struct client_tasks *ct, enum ct_task t)
{
    sim_time now = node_now(ct->n);
    if (!ct->armed[t] || ct->at[t] > now)
        return;   /* taken already with another task due at the same time (below) */
    ct->armed[t] = 0;
    ct->waiting[t] = 1;
    if (ct->running >= 0)
        return;
    /* The tasks whose timers fire at this same time, later in the event order, are due too: the queue takes
     * them by creation order, not by when their timers were set. (A paused process's timers fire when the
     * pause ends, after their time: those due by then are taken alike, earliest first.) */
    for (int u = 0; u < CT_N; u++)
        if (ct->armed[u] && ct->at[u] <= now) {
            ct->armed[u] = 0;
            ct->waiting[u] = 1;
        }
    run_waiting(ct);
}

void ct_done(struct client_tasks *ct, enum ct_task t)
{
    if (ct->running != (int)t)
        return;
    ct->running = -1;
    if (!ct->in_run)
        run_waiting(ct);
}
