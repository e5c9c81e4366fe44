/* nodes: the engine's registry of nodes (by id, and by name through a hash index), their random streams
 * and the engine's own (sim_rng), and the resolver a world sets for names that start with "@". */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/sim_int.h"

static void free_rngs(struct sim_rng **r, const char **purpose, int n)
{
    for (int i = 0; i < n; i++) {
        sim_rng_free(r[i]);
        free((char *)purpose[i]);
    }
    free(r);
    free(purpose);
}

static size_t name_hash(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 0x100000001b3ULL;
    return (size_t)(h ^ (h >> 29));
}

/* Adds node id under its name; grows the index so it stays at most half full. */
static int name_index_add(struct sim *s, sim_node_id id)
{
    if ((s->nnodes + 1) * 2 > s->name_cap) {
        size_t cap = s->name_cap ? s->name_cap * 2 : 64;
        uint32_t *a = calloc(cap, sizeof *a);
        if (!a)
            return -1;
        for (size_t i = 0; i < s->name_cap; i++)
            if (s->name_ix[i]) {
                size_t j = name_hash(s->nodes[s->name_ix[i] - 1]->pub.name) & (cap - 1);
                while (a[j])
                    j = (j + 1) & (cap - 1);
                a[j] = s->name_ix[i];
            }
        free(s->name_ix);
        s->name_ix = a;
        s->name_cap = cap;
    }
    size_t j = name_hash(s->nodes[id]->pub.name) & (s->name_cap - 1);
    while (s->name_ix[j])
        j = (j + 1) & (s->name_cap - 1);
    s->name_ix[j] = id + 1;
    return 0;
}

sim_node_id sim_node_add(struct sim *s, const char *name, const struct sim_node_ops *ops, void *model)
{
    if (sim_node_find(s, name) != SIM_NODE_NONE || s->nnodes >= SIM_NODE_NONE - 1)
        return SIM_NODE_NONE;
    if (s->nnodes == s->nodes_cap) {
        size_t cap = s->nodes_cap ? s->nodes_cap * 2 : 16;
        struct node_int **a = realloc(s->nodes, cap * sizeof *a);
        if (!a)
            return SIM_NODE_NONE;
        s->nodes = a;
        struct node_hot *h = realloc(s->hot, cap * sizeof *h);
        if (!h)
            return SIM_NODE_NONE;
        s->hot = h;
        s->nodes_cap = cap;
    }
    struct node_int *n = aligned_alloc(64, (sizeof *n + 63) / 64 * 64);
    if (n)
        memset(n, 0, sizeof *n);
    char *nm = strdup(name);
    if (!n || !nm) {
        free(n);
        free(nm);
        return SIM_NODE_NONE;
    }
    sim_node_id id = (sim_node_id)s->nnodes;
    n->pub.sim = s;
    n->pub.id = id;
    n->pub.name = nm;
    n->pub.ops = ops;
    n->pub.model = model;
    n->pub.state = SIM_NODE_UP;
    n->cohost = SIM_NODE_NONE;
    n->disk.cfg = &s->disk_default;
    s->hot[s->nnodes] = (struct node_hot){0, HOT_UP};
    s->nodes[s->nnodes++] = n;
    if (name_index_add(s, id) < 0) {
        s->nnodes--;
        free(nm);
        free(n);
        return SIM_NODE_NONE;
    }
    n->disk.rng = node_rng(&n->pub, "disk");
    n->net_rng = node_rng(&n->pub, "net");
    /* Boot at time 0, in the order nodes were added. */
    if (!n->disk.rng || !n->net_rng || !sim_schedule(s, s->now, EV_START, id)) {
        s->nnodes--;
        free(nm);
        free(n);
        return SIM_NODE_NONE;
    }
    return id;
}

struct sim_node *sim_node(struct sim *s, sim_node_id id)
{
    return id < s->nnodes ? &s->nodes[id]->pub : NULL;
}

size_t sim_node_count(const struct sim *s) { return s->nnodes; }

sim_node_id sim_node_find(const struct sim *s, const char *name)
{
    if (!s->name_cap)
        return SIM_NODE_NONE;
    for (size_t j = name_hash(name) & (s->name_cap - 1); s->name_ix[j]; j = (j + 1) & (s->name_cap - 1))
        if (strcmp(s->nodes[s->name_ix[j] - 1]->pub.name, name) == 0)
            return s->name_ix[j] - 1;
    return SIM_NODE_NONE;
}

static struct sim_rng *rng_lookup(uint64_t seed, const char *owner, const char *purpose,
                                  struct sim_rng ***rngs, const char ***purposes, int *n)
{
    for (int i = 0; i < *n; i++)
        if (strcmp((*purposes)[i], purpose) == 0)
            return (*rngs)[i];
    struct sim_rng **r = realloc(*rngs, (size_t)(*n + 1) * sizeof *r);
    if (!r)
        return NULL;
    *rngs = r;
    const char **p = realloc(*purposes, (size_t)(*n + 1) * sizeof *p);
    if (!p)
        return NULL;
    *purposes = p;
    char *copy = strdup(purpose);
    struct sim_rng *g = sim_rng_new(seed, owner, purpose);
    if (!copy || !g) {
        free(copy);
        sim_rng_free(g);
        return NULL;
    }
    r[*n] = g;
    p[*n] = copy;
    (*n)++;
    return g;
}

struct sim_rng *node_rng(struct sim_node *n, const char *purpose)
{
    struct node_int *ni = (struct node_int *)n;
    struct sim_rng *r = rng_lookup(n->sim->seed, n->name, purpose, &ni->rngs, &ni->rng_purpose, &ni->nrng);
    /* The engine's own two ("disk", "net") come first; the next is the model's. */
    if (!ni->model_rng && ni->nrng > 2)
        ni->model_rng = r;
    return r;
}

struct sim_rng *sim_rng(struct sim *s, const char *purpose)
{
    /* Owner "" cannot clash with a node: node names are non-empty. */
    return rng_lookup(s->seed, "", purpose, &s->rngs, &s->rng_purpose, &s->nrng);
}

void nodes_free(struct sim *s)
{
    for (size_t i = 0; i < s->nnodes; i++) {
        struct node_int *n = s->nodes[i];
        free((char *)n->pub.name);
        free_rngs(n->rngs, n->rng_purpose, n->nrng);
        free(n->disk.ring);
        free(n);
    }
    free(s->nodes);
    free(s->hot);
    free(s->name_ix);
    free_rngs(s->rngs, s->rng_purpose, s->nrng);
}

void sim_set_resolver(struct sim *s, sim_resolve_fn fn, void *ctx)
{
    s->resolver = fn;
    s->resolver_ctx = ctx;
}

sim_node_id sim_resolve(struct sim *s, const char *name)
{
    if (name[0] != '@')
        return sim_node_find(s, name);
    return s->resolver ? s->resolver(s->resolver_ctx, name) : SIM_NODE_NONE;
}
