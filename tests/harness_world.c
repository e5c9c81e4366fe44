/* harness_world: the engine's recording world of test nodes, for the sim tests (tests/harness.h says what each
 * helper does). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "sim/conf.h"
#include "sim/disk.h"
#include "sim/fault.h"
#include "sim/net.h"
#include "sim/sim.h"
#include "tests/harness.h"

uint64_t th_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static struct th_world *world_of(struct sim_node *n) { return ((struct th_tnode *)n->model)->w; }

static struct th_rec *rec_add(struct th_world *w, enum th_rkind k, sim_node_id node, uint32_t inc)
{
    if (w->nr == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 256;
        w->r = realloc(w->r, w->cap * sizeof *w->r);
        TH_REQUIRE(w->r != NULL, "out of memory");
    }
    struct th_rec *r = &w->r[w->nr++];
    memset(r, 0, sizeof *r);
    r->kind = k;
    r->t = sim_now(w->s);
    r->node = node;
    r->inc = inc;
    return r;
}

static void m_start(struct sim_node *n)
{
    struct th_world *w = world_of(n);
    TH_REQUIRE(!w->in_handler, "a start inline");
    rec_add(w, TH_R_START, n->id, n->inc);
    if (w->start)
        w->start(w, n);
}

static void m_message(struct sim_node *n, const struct sim_msg *m)
{
    struct th_world *w = world_of(n);
    TH_REQUIRE(!w->in_handler, "a message delivered inline");
    TH_REQUIRE(m->to == n->id, "message for %u delivered to %u", m->to, n->id);
    TH_REQUIRE(m->len == 0 ? m->data == NULL : m->data != NULL, "data %p with len %u", m->data, m->len);
    if (!w->quiet) {
        struct th_rec *r = rec_add(w, TH_R_MSG, n->id, n->inc);
        r->a = m->from;
        r->b = m->type;
        r->len = m->len;
        r->conn = m->conn;
        if (m->len)
            memcpy(&r->tag, m->data, m->len < 8 ? m->len : 8);
        r->hash = th_fnv(TH_FNV0, m->data, m->len);
    }
    if (w->msg)
        w->msg(w, n, m);
}

static void m_timer(struct sim_node *n, uint64_t tag)
{
    struct th_world *w = world_of(n);
    TH_REQUIRE(!w->in_handler, "a timer fired inline");
    rec_add(w, TH_R_TIMER, n->id, n->inc)->tag = tag;
    if (w->timer)
        w->timer(w, n, tag);
}

static void m_disk(struct sim_node *n, int file, enum sim_disk_op op, uint64_t tag)
{
    struct th_world *w = world_of(n);
    TH_REQUIRE(!w->in_handler, "a disk completion inline");
    struct th_rec *r = rec_add(w, TH_R_DISK, n->id, n->inc);
    r->tag = tag;
    r->a = (uint32_t)file;
    r->b = (uint32_t)op;
    if (w->disk)
        w->disk(w, n, file, op, tag);
}

static void m_conn(struct sim_node *n, sim_conn c, enum sim_conn_ev ev, sim_node_id peer, uint64_t tag)
{
    struct th_world *w = world_of(n);
    TH_REQUIRE(!w->in_handler, "a connection event inline");
    struct th_rec *r = rec_add(w, TH_R_CONN, n->id, n->inc);
    r->tag = tag;
    r->a = (uint32_t)ev;
    r->b = peer;
    r->conn = c;
    if (w->conn)
        w->conn(w, n, c, ev, peer, tag);
}

static void m_crash(struct sim_node *n, enum sim_crash_kind kind)
{
    struct th_world *w = world_of(n);
    rec_add(w, TH_R_CRASH, n->id, n->inc)->a = (uint32_t)kind;
    if (w->crash)
        w->crash(w, n, kind);
}

const struct sim_node_ops th_world_ops = {
    .start = m_start, .on_message = m_message, .on_timer = m_timer, .on_disk_done = m_disk,
    .on_conn = m_conn, .on_crash = m_crash,
};

static void hook_rec(struct sim *s, void *ctx, uint64_t arg)
{
    struct th_world *w = ctx;
    (void)s;
    rec_add(w, TH_R_HOOK, SIM_NODE_NONE, 0)->tag = arg;
}

sim_node_id th_world_add(struct th_world *w, const char *name)
{
    ck_assert_int_lt(w->n, TH_WORLD_MAXN);
    w->tn[w->n].w = w;
    w->tn[w->n].i = w->n;
    sim_node_id id = sim_node_add(w->s, name, &th_world_ops, &w->tn[w->n]);
    ck_assert_uint_eq(id, (sim_node_id)w->n);
    w->n++;
    return id;
}

/* A world of n nodes "n0".."n<n-1>" with constant latency lat (ns), no loss and bandwidth bw (0: none). */
void th_world_init(struct th_world *w, uint64_t seed, int n, sim_time lat, double bw)
{
    memset(w, 0, sizeof *w);
    w->s = sim_new(seed);
    ck_assert_ptr_nonnull(w->s);
    struct sim_dist d = sim_dist_const(SIM_UNIT_TIME, (double)lat);
    ck_assert_int_eq(sim_net_default(w->s, &d, 0, bw), 0);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", i);
        th_world_add(w, name);
    }
    w->hook = sim_hook_register(w->s, hook_rec, w);
    ck_assert_int_ge(w->hook, 0);
}

void th_world_free(struct th_world *w)
{
    sim_free(w->s);
    free(w->r);
    w->r = NULL;
    w->s = NULL;
}

struct sim_node *th_world_node(struct th_world *w, int i) { return sim_node(w->s, (sim_node_id)i); }

/* The nth (from 0) record of kind k for node (SIM_NODE_NONE: any node), or NULL. */
const struct th_rec *th_world_find(const struct th_world *w, enum th_rkind k, sim_node_id node, int nth)
{
    for (size_t i = 0; i < w->nr; i++)
        if (w->r[i].kind == k && (node == SIM_NODE_NONE || w->r[i].node == node) && nth-- == 0)
            return &w->r[i];
    return NULL;
}

int th_world_count(const struct th_world *w, enum th_rkind k, sim_node_id node)
{
    int c = 0;
    for (size_t i = 0; i < w->nr; i++)
        if (w->r[i].kind == k && (node == SIM_NODE_NONE || w->r[i].node == node))
            c++;
    return c;
}

/* The nth connection event ev seen by node, or NULL. */
const struct th_rec *th_world_find_conn(const struct th_world *w, sim_node_id node, enum sim_conn_ev ev, int nth)
{
    for (size_t i = 0; i < w->nr; i++)
        if (w->r[i].kind == TH_R_CONN && w->r[i].node == node && w->r[i].a == (uint32_t)ev && nth-- == 0)
            return &w->r[i];
    return NULL;
}

void th_world_connect_start(struct th_world *w, struct sim_node *n)
{
    if (n->id == 0) {
        w->c[0] = node_connect(n, 1, 77);
        ck_assert_uint_ne(w->c[0], 0);
    }
}

void th_world_disk(struct th_world *w, const char *json)
{
    struct conf c;
    conf_init(&c, TH_CONF_FILE);
    cJSON *v = cJSON_Parse(json);
    ck_assert_ptr_nonnull(v);
    int rc = disk_load(w->s, &c, v, "$.disk");
    ck_assert_msg(rc == 0, "disk_load: %s", c.err);
    cJSON_Delete(v);
}

void th_world_faults(struct th_world *w, const char *json, struct fault_plan *plan, struct conf *c)
{
    cJSON *v = cJSON_Parse(json);
    ck_assert_ptr_nonnull(v);
    conf_init(c, TH_CONF_FILE);
    memset(plan, 0, sizeof *plan);
    int rc = fault_load(w->s, c, v, "$.faults", plan);
    ck_assert_int_eq(rc, c->failed ? -1 : 0);
    cJSON_Delete(v);
}
