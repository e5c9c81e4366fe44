/* compare: mqsim compare: several scenarios over the same seeds, run in parallel, summarised side by side. */
#ifndef MODELS_COMPARE_H
#define MODELS_COMPARE_H

/* mqsim compare A.json B.json [...] --runs N [--seed-start S] [--jobs J] [--out DIR] [--set key=VALUE]...
 *               [--quiet]
 * argv holds the arguments after the word "compare". Every scenario is checked in-process first (a bad one:
 * its error on stderr, exit 2, nothing run or written). Then each runs over seeds S..S+N-1 as child processes
 * of the mqsim binary (at most J at once, default the online cores); the table goes to stdout, one row per
 * run to DIR/compare.csv, the summaries to DIR/compare.json (DIR default out/compare).
 * Returns the exit status: 0; 1 when a run broke an invariant or crashed (everything is still written);
 * 2 bad usage or scenario; 3 output could not be written or a run could not be carried out;
 * 130 / 143 after SIGINT / SIGTERM (children killed, nothing written). */
int cmd_compare(int argc, char **argv);

#endif
