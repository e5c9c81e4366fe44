/* names: a hash index of a simulation's node names, for loaders that look up many names (a fault schedule or
 * a list of links can name nodes a million times; sim_node_find compares against every node). */
#ifndef SIM_NAMES_H
#define SIM_NAMES_H

#include "sim/sim.h"

struct sim_names;

/* Indexes the nodes s holds now (nodes added later are not in it). NULL when out of memory. */
struct sim_names *sim_names_new(struct sim *s);

/* The node with that name, or SIM_NODE_NONE; what sim_node_find answers, in constant time. */
sim_node_id sim_names_find(const struct sim_names *ix, const char *name);

void sim_names_free(struct sim_names *ix);

#endif
