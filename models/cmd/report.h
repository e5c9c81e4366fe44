/* report: index.html, one page that shows what an output folder holds: the headline numbers, how it was made,
 * the figures and the files. */
#ifndef MODELS_CMD_REPORT_H
#define MODELS_CMD_REPORT_H

/* Writes dir/index.html (atomically: a temporary name renamed into place) from what dir holds:
 *   a run (metrics.json): the topic's and each group's availability, write and read outage, downtime or
 *     "not recovered" with its censored time, p50/p99 latency, the messages (acked_lost included), the
 *     invariants; how the run was made (metrics.json run: version, command, overrides, scenario_file and
 *     scenario_sha256, the scenario's text when the file is still there with that hash);
 *   a compare (compare.json, else compare.csv): those figures per scenario, means with 95% CIs;
 *   a sweep (summary.csv): each grid point's runs and each metric's mean and CI;
 * then every <figure>.svg of dir inline, and links to the folder's files (CSV, JSON, timeline.json ...).
 * Static HTML with its style inline: no script, nothing loaded from the network; every text escaped.
 * The same folder gives the same bytes. Prints "dir/index.html  what" on stdout unless quiet.
 * Returns 0; 2 when dir holds none of the above or an input cannot be read (the page is still written with
 * what could be read, when something could); 3 when the page cannot be written (the problem on stderr). */
int report_write(const char *dir, int quiet);

#endif
