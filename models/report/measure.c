/* measure: sends taken in start order for outages, backlog and delivery gaps for read outages. */
#include "models/report/measure.h"

#include <stdlib.h>
#include <string.h>

/* Latencies from 1 us to 10^7 ms in bins of 2 %: every quantile within 1 % of the exact one. */
#define LAT_LO 1e-3
#define LAT_HI 1e7
#define LAT_REL_ERR 0.01

enum { S_PENDING, S_ACKED, S_FAILED };

static int scope_init(struct meas_scope *s)
{
    memset(s, 0, sizeof *s);
    s->fail_since = s->open_since = s->last_fail = s->read_open_since = -1;
    s->last_delivery = -1;
    s->backlog_since = -1;
    s->lat = sim_hist_new(LAT_LO, LAT_HI, LAT_REL_ERR);
    s->lat_iv = sim_hist_new(LAT_LO, LAT_HI, LAT_REL_ERR);
    return s->lat && s->lat_iv ? 0 : -1;
}

static void scope_free(struct meas_scope *s)
{
    sim_hist_free(s->lat);
    sim_hist_free(s->lat_iv);
    s->lat = s->lat_iv = NULL;
}

int meas_init(struct meas *m, int ngroups, sim_time warmup, sim_time read_gap)
{
    memset(m, 0, sizeof *m);
    m->warmup = warmup;
    m->read_warmup = warmup;
    m->read_gap = read_gap;
    m->ngroups = ngroups;
    m->cap = 1024;
    m->ring = calloc(m->cap, sizeof *m->ring);
    m->group = calloc((size_t)(ngroups > 0 ? ngroups : 1), sizeof *m->group);
    if (!m->ring || !m->group || scope_init(&m->topic) < 0)
        return -1;
    for (int g = 0; g < ngroups; g++)
        if (scope_init(&m->group[g]) < 0)
            return -1;
    if (ngroups == 1) {
        m->topic_iv = m->topic.lat_iv;
        m->topic.lat_iv = m->group[0].lat_iv;
        m->iv_shared = 1;
    }
    return 0;
}

void meas_free(struct meas *m)
{
    if (m->iv_shared)
        m->topic.lat_iv = m->topic_iv;
    scope_free(&m->topic);
    for (int g = 0; m->group && g < m->ngroups; g++)
        scope_free(&m->group[g]);
    free(m->group);
    free(m->ring);
    memset(m, 0, sizeof *m);
}

/* ---- write outages: a maximal run of failing sends in start order (sends that start at the same instant in
 * message id order), from the first one's start to the start of the next acknowledged send; one of zero length
 * (that send started at the same instant) is none ---- */

/* Tells the host an outage of scope (-1: the topic) ended or was closed by the end of the run. */
static void outage_seen(const struct meas *m, int scope, int write, sim_time from, sim_time to, int open)
{
    if (m->on_outage)
        m->on_outage(m->ctx, scope, write, from, to, open);
}

static inline void outage_take(const struct meas *m, struct meas_scope *s, int scope, int ok, sim_time t0)
{
    if (!ok) {
        if (s->fail_since < 0)
            s->fail_since = t0;
        s->last_fail = t0;
    } else if (s->fail_since >= 0) {
        if (t0 > s->fail_since) {
            s->write_unavail += t0 - s->fail_since;
            outage_seen(m, scope, 1, s->fail_since, t0, 0);
        }
        s->fail_since = -1;
    }
}

static inline void take(struct meas *m, const struct meas_send *e)
{
    if (e->t0 < m->warmup)
        return;
    outage_take(m, &m->topic, -1, e->state == S_ACKED, e->t0);
    if (e->group >= 0 && e->group < m->ngroups)
        outage_take(m, &m->group[e->group], e->group, e->state == S_ACKED, e->t0);
}

/* Grows the ring so that msg fits; the ring keeps ids [lo, lo + cap). */
static int ring_fit(struct meas *m, uint32_t msg)
{
    uint32_t need = msg - m->lo + 1;
    if (need <= m->cap)
        return 0;
    uint32_t cap = m->cap;
    while (cap < need) {
        if (cap > UINT32_MAX / 2)
            return -1;
        cap *= 2;
    }
    struct meas_send *r = calloc(cap, sizeof *r);
    if (!r)
        return -1;
    for (uint32_t id = m->lo; id != m->hi; id++)
        r[id & (cap - 1)] = m->ring[id & (m->cap - 1)];
    free(m->ring);
    m->ring = r;
    m->cap = cap;
    return 0;
}

/* The topic's interval histogram becomes its own: a copy of the group's so far (the same values added in
 * the same order, so the same bins, count, sum, minimum and maximum). */
static void unshare_iv(struct meas *m)
{
    m->topic.lat_iv = m->topic_iv;
    sim_hist_reset(m->topic.lat_iv);
    sim_hist_merge(m->topic.lat_iv, m->group[0].lat_iv);
    m->iv_shared = 0;
}

/* The counts; the caller adds the latency to the scope's lat_iv (into lat at the interval's end). */
static void scope_send(struct meas_scope *s, int ok)
{
    s->sends++;
    s->iv_sends++;
    if (ok) {
        s->acked++;
        s->iv_acked++;
    } else {
        s->failed++;
        s->iv_failed++;
    }
}

void meas_send_done(struct meas *m, uint32_t msg, int group, int ok, sim_time t0, sim_time now)
{
    if (ok && now >= m->warmup) {
        m->topic.acks_in_window++;
        if (group >= 0 && group < m->ngroups)
            m->group[group].acks_in_window++;
    }
    if (t0 >= m->warmup) {
        double lat = sim_time_to_ms(now - t0);
        int in_group = group >= 0 && group < m->ngroups;
        if (ok && !in_group && m->iv_shared)
            unshare_iv(m);
        scope_send(&m->topic, ok);
        if (in_group)
            scope_send(&m->group[group], ok);
        /* One add a send with one group (the topic's histogram is the group's); with several, one bin
         * lookup for both. */
        if (ok && in_group && !m->iv_shared)
            sim_hist_add2(m->topic.lat_iv, m->group[group].lat_iv, lat);
        else if (ok)
            sim_hist_add(in_group ? m->group[group].lat_iv : m->topic.lat_iv, lat);
    }
    if (msg < m->lo)
        return;
    struct meas_send e = {.t0 = t0, .group = (int16_t)group, .state = ok ? S_ACKED : S_FAILED};
    if (msg == m->lo && m->hi == m->lo) {
        /* The oldest send, and none after it has returned: taken at once, the ring untouched. */
        take(m, &e);
        m->lo = m->hi = msg + 1;
        return;
    }
    if (ring_fit(m, msg) < 0) {
        /* No memory to wait for the sends before it: take it now (the order may be off by this one). */
        take(m, &e);
        return;
    }
    if (msg - m->lo >= m->hi - m->lo)
        m->hi = msg + 1;
    m->ring[msg & (m->cap - 1)] = e;
    while (m->lo != m->hi && m->ring[m->lo & (m->cap - 1)].state != S_PENDING) {
        struct meas_send *h = &m->ring[m->lo & (m->cap - 1)];
        take(m, h);
        h->state = S_PENDING;
        m->lo++;
    }
}

/* ---- read outages: no delivery while the backlog stayed above zero, for longer than read_gap ---- */

static inline void gap_close(const struct meas *m, struct meas_scope *s, int scope, sim_time now, int open)
{
    if (s->backlog <= 0 || s->backlog_since < 0)
        return;
    /* from the later of the last delivery, the backlog's start and the read warm-up */
    sim_time from = s->last_delivery > s->backlog_since ? s->last_delivery : s->backlog_since;
    if (from < m->read_warmup)
        from = m->read_warmup;
    if (now - from <= m->read_gap)
        return;
    s->read_unavail += now - from;
    outage_seen(m, scope, 0, from, now, open);
    if (open && s->read_open_since < 0)
        s->read_open_since = from;
}

/* The backlog reaches 0 (or stays there): a read outage may end. */
static void backlog_low(const struct meas *m, struct meas_scope *s, int scope, int delta, sim_time now)
{
    int64_t before = s->backlog;
    if (delta < 0 && before + delta <= 0)
        gap_close(m, s, scope, now, 0);
    s->backlog += delta;
    if (s->backlog < 0)
        s->backlog = 0;
    if (before <= 0 && s->backlog > 0)
        s->backlog_since = now;
    else if (s->backlog == 0)
        s->backlog_since = -1;
}

static inline void scope_backlog(const struct meas *m, struct meas_scope *s, int scope, int delta, sim_time now)
{
    int64_t before = s->backlog;   /* never below 0 */
    if (delta > 0) {
        s->backlog = before + delta;
        if (before == 0)
            s->backlog_since = now;
    } else if (before + delta > 0) {
        s->backlog = before + delta;   /* still something to read: nothing else changes */
    } else {
        backlog_low(m, s, scope, delta, now);
    }
}

void meas_backlog_edge(struct meas *m, int group, int delta, sim_time now)
{
    scope_backlog(m, &m->topic, -1, delta, now);
    scope_backlog(m, &m->group[group], group, delta, now);
}

static void scope_delivery(const struct meas *m, struct meas_scope *s, int scope, sim_time now)
{
    gap_close(m, s, scope, now, 0);
    s->last_delivery = now;
}

void meas_delivery(struct meas *m, int group, sim_time now)
{
    scope_delivery(m, &m->topic, -1, now);
    if (group >= 0 && group < m->ngroups)
        scope_delivery(m, &m->group[group], group, now);
}

static void scope_finish(const struct meas *m, struct meas_scope *s, int scope, sim_time now)
{
    if (s->fail_since >= 0) {
        s->write_unavail += now - s->fail_since;
        if (now > s->fail_since) {
            outage_seen(m, scope, 1, s->fail_since, now, 1);
            if (s->open_since < 0)
                s->open_since = s->fail_since;
        }
        s->fail_since = now;
    }
    gap_close(m, s, scope, now, 1);
    s->last_delivery = now;   /* a second finish adds nothing */
}

void meas_finish(struct meas *m, sim_time now)
{
    /* Sends still in flight have no outcome: the ones that returned after them are taken in order. */
    for (; m->lo != m->hi; m->lo++) {
        struct meas_send *h = &m->ring[m->lo & (m->cap - 1)];
        if (h->state != S_PENDING)
            take(m, h);
        h->state = S_PENDING;
    }
    scope_finish(m, &m->topic, -1, now);
    for (int g = 0; g < m->ngroups; g++)
        scope_finish(m, &m->group[g], g, now);
}

static void scope_flush_latency(struct meas_scope *s)
{
    sim_hist_merge(s->lat, s->lat_iv);
    sim_hist_reset(s->lat_iv);
}

void meas_flush_latency(struct meas *m)
{
    if (m->iv_shared)
        sim_hist_merge(m->topic.lat, m->topic.lat_iv);   /* the group's, reset with the group below */
    else
        scope_flush_latency(&m->topic);
    for (int g = 0; g < m->ngroups; g++)
        scope_flush_latency(&m->group[g]);
}

void meas_interval_reset(struct meas *m)
{
    meas_flush_latency(m);
    m->topic.iv_sends = m->topic.iv_acked = m->topic.iv_failed = 0;
    for (int g = 0; g < m->ngroups; g++)
        m->group[g].iv_sends = m->group[g].iv_acked = m->group[g].iv_failed = 0;
}
