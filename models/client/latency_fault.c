/* latency_fault: the producer's LatencyFaultToleranceImpl; see latency_fault.h. */
#include <string.h>

#include "models/client/latency_fault.h"

/* latencyMax -> notAvailableDuration (ms), and the latency an exception is charged (isolation) to pick its
 * duration. */
static const int64_t latency_max[2][7] = {{50, 100, 550, 1000, 2000, 3000, 15000},   /* R44 */
                                          {50, 100, 550, 1800, 3000, 5000, 15000}};  /* 5.x */
static const int64_t not_available[2][7] = {{0, 0, 30000, 60000, 120000, 180000, 600000},
                                            {0, 0, 2000, 5000, 6000, 10000, 30000}};
static const int64_t isolation_ms[2] = {30000, 10000};

void lf_reset(struct latency_fault *f, int tables_5x)
{
    memset(f->item, 0, sizeof f->item);   /* which_worst goes on counting */
    f->tables_5x = tables_5x;
}

int lf_available(const struct latency_fault *f, int g, sim_time now)
{
    return !f->item[g].used || now - f->item[g].start >= 0;
}

void lf_update(struct latency_fault *f, int g, sim_time now, sim_time latency, int isolation, int reachable)
{
    int t = f->tables_5x;
    /* Java measures whole milliseconds (System.currentTimeMillis differences). MQFaultStrategy.updateFaultItem
     * (R44, R498, R53): an exception's charge, 30000 ms (5.x: 10000), only picks the duration
     * (computeNotAvailableDuration(isolation ? 30000 : currentLatency)); the FaultItem keeps the attempt's
     * real elapsed time as its currentLatency, which FaultItem.compareTo sorts on. */
    int64_t ms = latency / SIM_MS, charged = isolation ? isolation_ms[t] : ms, duration = 0;
    for (int i = 6; i >= 0; i--)   /* computeNotAvailableDuration */
        if (charged >= latency_max[t][i]) {
            duration = not_available[t][i];
            break;
        }
    sim_time until = now + duration * SIM_MS;
    if (!f->item[g].used)
        f->item[g].check = 0;   /* a new FaultItem: checkStamp 0, due at the detector's next round */
    if (!t) {
        f->item[g].start = until;   /* R44/R498 updateFaultItem: every answer sets it */
    } else if (!f->item[g].used) {
        f->item[g].start = duration > 0 ? until : now;
    } else if (duration > 0 && until > f->item[g].start) {
        f->item[g].start = until;   /* 5.x FaultItem.updateNotAvailableDuration: only ever extended */
    }
    f->item[g].used = 1;
    f->item[g].latency = ms;
    f->item[g].reachable = reachable != 0;   /* 5.x LatencyFaultToleranceImpl.updateFaultItem: setReachable */
}

/* FaultItem.compareTo: available first, then lower latency, then earlier startTimestamp. pickOneAtLeast
 * shuffles before sorting; mqsim breaks the remaining ties by group order instead. */
static int before(const struct latency_fault *f, int a, int b, sim_time now)
{
    int aa = lf_available(f, a, now), ab = lf_available(f, b, now);
    if (aa != ab)
        return aa;
    if (f->item[a].latency != f->item[b].latency)
        return f->item[a].latency < f->item[b].latency;
    if (f->item[a].start != f->item[b].start)
        return f->item[a].start < f->item[b].start;
    return a < b;
}

int lf_pick(struct latency_fault *f, sim_time now)
{
    int items[RMQ_MAX_GROUPS], n = 0;
    for (int g = 0; g < RMQ_MAX_GROUPS; g++)
        if (f->item[g].used) {
            int k = n++;
            while (k > 0 && before(f, g, items[k - 1], now)) {
                items[k] = items[k - 1];
                k--;
            }
            items[k] = g;
        }
    if (n == 0)
        return -1;
    int half = n / 2;
    return half <= 0 ? items[0] : items[f->which_worst++ % (uint32_t)half];
}

void lf_remove(struct latency_fault *f, int g) { f->item[g].used = 0; }
