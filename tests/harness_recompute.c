/* recompute: metrics.json's figures from a full trace alone (tests/recompute.h). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "tests/recompute.h"

int th_dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the value of rank ceil(q n) among the sorted values. */
double th_exact_quantile(const double *sorted, size_t n, double q)
{
    size_t rank = (size_t)ceil(q * (double)n);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

struct tsend {
    double start, t;
    int ok, group;       /* group: index in names, -1 for none */
    uint32_t msg;
};

static int send_cmp(const void *a, const void *b)
{
    const struct tsend *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->msg < y->msg ? -1 : x->msg > y->msg;
}

static int group_index(const cJSON *j, const char *const *names, int ngroups)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(j, "group");
    for (int i = 0; cJSON_IsString(g) && i < ngroups; i++)
        if (strcmp(g->valuestring, names[i]) == 0)
            return i;
    return -1;
}

/* Where a delivery gap starts: the later of the last delivery, the backlog's start and the read warm-up. */
static double read_from(double last, double since, double read_warmup)
{
    double from = last > since ? last : since;
    return from > read_warmup ? from : read_warmup;
}

/* The README's definitions applied to the trace, for `group` (-1: the topic). crash_ms >= 0: also the
 * first acknowledgement of a send started after it (the end of the downtime). */

struct recomputed recompute(const char *trace, const char *const *names, int ngroups, int group,
                                   double warmup, double read_warmup, double gap, double end, double crash_ms)
{
    struct recomputed rc = {.first_write = -1, .write_open = -1, .read_open = -1};
    size_t cap = 1024, n = 0;
    struct tsend *s = malloc(cap * sizeof *s);
    /* per message: 1 acked, 2 consumed, 4 gone */
    size_t mcap = 1 << 16;
    unsigned char *st = calloc(mcap, 1);
    double backlog = 0, since = -1, last = -1;
    char *copy = strdup(trace);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(line);
        const char *ev = cJSON_GetObjectItemCaseSensitive(j, "ev")->valuestring;
        double t = cJSON_GetObjectItemCaseSensitive(j, "t_ms")->valuedouble;
        const cJSON *mj = cJSON_GetObjectItemCaseSensitive(j, "msg");
        uint32_t msg = cJSON_IsNumber(mj) ? (uint32_t)mj->valuedouble : 0;
        while (cJSON_IsNumber(mj) && msg >= mcap) {
            st = realloc(st, mcap * 2);
            memset(st + mcap, 0, mcap);
            mcap *= 2;
        }
        int gi = group_index(j, names, ngroups);
        int mine = group < 0 || gi == group;
        int ack = strcmp(ev, "send.ack") == 0, fail = strcmp(ev, "send.fail") == 0;
        int delta = 0;
        if (ack || fail) {
            if (n == cap)
                s = realloc(s, (cap *= 2) * sizeof *s);
            s[n++] = (struct tsend){.start = cJSON_GetObjectItemCaseSensitive(j, "start_ms")->valuedouble,
                                    .t = t, .ok = ack, .group = gi, .msg = msg};
            if (ack) {
                if (mine && t >= warmup)
                    rc.acks_in_window++;
                st[msg] |= 1;
                const cJSON *held = cJSON_GetObjectItemCaseSensitive(j, "held");
                if (!cJSON_IsTrue(held))
                    st[msg] |= 4;
                if (mine && !(st[msg] & 6))
                    delta = +1;
                if (mine && crash_ms >= 0 && rc.first_write < 0 && s[n - 1].start > crash_ms)
                    rc.first_write = t;
            }
        } else if (strcmp(ev, "consume") == 0 && mine) {
            /* a delivery: a gap with a backlog longer than `gap` ends here */
            double from = read_from(last, since, read_warmup);
            if (backlog > 0 && since >= 0 && t - from > gap)
                rc.read_unavail += t - from;
            last = t;
            if ((st[msg] & 7) == 1)
                delta = -1;
            st[msg] |= 2;
        } else if (strcmp(ev, "msg.gone") == 0) {
            st[msg] |= 4;
            delta = mine ? -1 : 0;
        } else if (strcmp(ev, "msg.back") == 0) {
            st[msg] &= (unsigned char)~4;
            delta = mine ? +1 : 0;
        }
        if (delta < 0 && backlog + delta <= 0) {
            double from = read_from(last, since, read_warmup);
            if (since >= 0 && t - from > gap)
                rc.read_unavail += t - from;
        }
        if (delta) {
            double before = backlog;
            backlog += delta;
            if (before <= 0 && backlog > 0)
                since = t;
            else if (backlog <= 0)
                since = -1;
        }
        cJSON_Delete(j);
    }
    if (backlog > 0 && since >= 0) {
        double from = read_from(last, since, read_warmup);
        if (end - from > gap) {
            rc.read_unavail += end - from;
            rc.read_open = end - from;
        }
    }
    free(copy);
    free(st);
    /* sends in start order: outages, counts, latencies */
    qsort(s, n, sizeof *s, send_cmp);
    double *lat = malloc((n + 1) * sizeof *lat), fail_since = -1;
    size_t nl = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].start < warmup || (group >= 0 && s[i].group != group))
            continue;
        rc.sends++;
        if (s[i].ok) {
            rc.acked++;
            lat[nl++] = s[i].t - s[i].start;
            if (fail_since >= 0 && s[i].start > fail_since) {
                rc.write_unavail += s[i].start - fail_since;
                rc.write_outages++;
            }
            fail_since = -1;
        } else {
            rc.failed++;
            if (fail_since < 0)
                fail_since = s[i].start;
        }
    }
    if (fail_since >= 0 && end > fail_since) {
        rc.write_unavail += end - fail_since;
        rc.write_open = end - fail_since;   /* not ended: censored */
        rc.write_outages++;
    }
    qsort(lat, nl, sizeof *lat, th_dcmp);
    rc.p50 = nl ? th_exact_quantile(lat, nl, 0.5) : NAN;
    rc.p90 = nl ? th_exact_quantile(lat, nl, 0.9) : NAN;
    rc.p99 = nl ? th_exact_quantile(lat, nl, 0.99) : NAN;
    rc.p999 = nl ? th_exact_quantile(lat, nl, 0.999) : NAN;
    double sum = 0;
    for (size_t i = 0; i < nl; i++)
        sum += lat[i];
    rc.lat_mean = nl ? sum / (double)nl : NAN;
    rc.lat_max = nl ? lat[nl - 1] : NAN;
    free(lat);
    free(s);
    return rc;
}

/* messages.acked_lost from the trace alone (README, "Acknowledged but lost"): the acknowledged messages
 * (send.ack) whose group's master at the end (run.end) no longer holds them by their last msg.held, or, in a
 * group with no master then, that no replica holds. One group, named names[0]. */
double recompute_lost(const char *trace)
{
    size_t cap = 1 << 16;
    int *mask = calloc(cap, sizeof *mask);   /* last msg.held mask + 1; 0: none seen (held by none) */
    unsigned char *acked = calloc(cap, 1);
    int end_replica = -2;
    char *copy = strdup(trace);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        int held = strstr(line, "\"ev\":\"msg.held\"") != NULL, ack = strstr(line, "\"ev\":\"send.ack\"") != NULL;
        int end = strstr(line, "\"ev\":\"run.end\"") != NULL;
        if (!held && !ack && !end)
            continue;
        cJSON *j = cJSON_Parse(line);
        if (end) {
            end_replica = (int)cJSON_GetObjectItemCaseSensitive(j, "replica")->valuedouble;
        } else {
            size_t msg = (size_t)cJSON_GetObjectItemCaseSensitive(j, "msg")->valuedouble;
            while (msg >= cap) {
                mask = realloc(mask, 2 * cap * sizeof *mask);
                acked = realloc(acked, 2 * cap);
                memset(mask + cap, 0, cap * sizeof *mask);
                memset(acked + cap, 0, cap);
                cap *= 2;
            }
            if (held)
                mask[msg] = 1 + (int)cJSON_GetObjectItemCaseSensitive(j, "mask")->valuedouble;
            else
                acked[msg] = 1;
        }
        cJSON_Delete(j);
    }
    ck_assert_msg(end_replica > -2, "no run.end in the trace");
    double lost = 0;
    for (size_t i = 0; i < cap; i++) {
        if (!acked[i])
            continue;
        int m = mask[i] ? mask[i] - 1 : 0;
        lost += end_replica < 0 ? m == 0 : !(m >> end_replica & 1);
    }
    free(copy);
    free(mask);
    free(acked);
    return lost;
}

double recompute_duplicates(const char *trace)
{
    size_t cap = 1 << 16;
    unsigned char *seen = calloc(cap, 1);
    double dups = 0;
    char *copy = strdup(trace);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strstr(line, "\"ev\":\"consume\""))
            continue;
        cJSON *j = cJSON_Parse(line);
        size_t msg = (size_t)cJSON_GetObjectItemCaseSensitive(j, "msg")->valuedouble;
        cJSON_Delete(j);
        while (msg >= cap) {
            seen = realloc(seen, 2 * cap);
            memset(seen + cap, 0, cap);
            cap *= 2;
        }
        dups += seen[msg];
        seen[msg] = 1;
    }
    free(copy);
    free(seen);
    return dups;
}
