/* explore: fault exploration with invariants and replay: `mqsim explore SCENARIO.json --runs N`. */
#ifndef MODELS_EXPLORE_H
#define MODELS_EXPLORE_H

/* argv after the word "explore". Exit status: 0 no failure, 1 a run broke an invariant or died (its
 * scenario and the shrunk one are written), 2 bad usage or input, 3 output, 130/143 interrupted. */
int cmd_explore(int argc, char **argv);

#endif
