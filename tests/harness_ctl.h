/* harness_ctl: what the controller-mode tests share (tests/test_controller*.c). */
#ifndef TESTS_HARNESS_CTL_H
#define TESTS_HARNESS_CTL_H

#include "models/broker/broker.h"
#include "models/controller/controller.h"
#include "sim/lab/scenario.h"

/* A world of one group of three replicas in controller mode under `controllers` controllers (seed 3, 1 ms
 * constant links, 100 msg/s of 100 bytes, one consumer, no operator, 600 s); group_extra is spliced into
 * the group's object and extra into the top level (both may be NULL). The text lives until the next call.
 * Under a controller group the producers start at 3 s, not 1 s: the brokers register only once the group's
 * leader serves (their first attempts, refused meanwhile, are retried after random pauses: the last brokerId
 * is handed out at 2.05 s at seed 3), and a slave that connects while the 100 msg/s flow never joins the
 * SyncStateSet over constant links: each of its reports comes with the master two puts further
 * (AutoSwitchHAService.maybeExpandInSyncStateSet wants slaveMaxOffset >= the master's getMaxPhyOffset). */
char *th_ctl_world(int controllers, const char *group_extra, const char *extra);
/* Group 0's metadata as the (active) controller holds it. */
struct ctl_info th_ctl_info(struct scenario *sc);
/* Replica r of group 0's role. */
enum rmq_role th_ctl_role(struct scenario *sc, int r);

/* controller_explore.json's world as a run of it replays (3 controllers, a group of three, 200 msg/s of 512 B
 * from 5 s, one consumer, 240 s) with the group's own keys (`group`: "key": value pairs), the faults (the
 * array's items) and the liveness check's start; the text lives until the next call. */
char *th_ctl_explore(int seed, const char *group, const char *faults, int liveness_after_ms);

#endif
