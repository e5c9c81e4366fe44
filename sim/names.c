/* names: open addressing over the node ids, keyed by FNV-1a of the name, at most half full. */
#include "sim/names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sim_names {
    struct sim *sim;
    size_t mask;
    sim_node_id *slot;      /* SIM_NODE_NONE when empty */
};

static uint64_t hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

struct sim_names *sim_names_new(struct sim *s)
{
    size_t n = sim_node_count(s), cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    struct sim_names *ix = malloc(sizeof *ix);
    sim_node_id *slot = malloc(cap * sizeof *slot);
    if (!ix || !slot) {
        free(ix);
        free(slot);
        return NULL;
    }
    for (size_t i = 0; i < cap; i++)
        slot[i] = SIM_NODE_NONE;
    ix->sim = s;
    ix->mask = cap - 1;
    ix->slot = slot;
    for (size_t id = 0; id < n; id++) {
        size_t j = hash(sim_node(s, (sim_node_id)id)->name) & ix->mask;
        while (slot[j] != SIM_NODE_NONE)
            j = (j + 1) & ix->mask;
        slot[j] = (sim_node_id)id;
    }
    return ix;
}

sim_node_id sim_names_find(const struct sim_names *ix, const char *name)
{
    for (size_t j = hash(name) & ix->mask; ix->slot[j] != SIM_NODE_NONE; j = (j + 1) & ix->mask)
        if (strcmp(sim_node(ix->sim, ix->slot[j])->name, name) == 0)
            return ix->slot[j];
    return SIM_NODE_NONE;
}

void sim_names_free(struct sim_names *ix)
{
    if (ix)
        free(ix->slot);
    free(ix);
}
