/* harness_ctl: the controller-mode tests' world (tests/harness_ctl.h says what each helper does). */
#include <stdio.h>

#include "models/world/world.h"
#include "tests/harness_ctl.h"

char *th_ctl_world(int controllers, const char *group_extra, const char *extra)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"name\": \"c\", \"run\": {\"duration_ms\": 600000, \"seed\": 3, \"trace\": \"off\"},"
             " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
             " \"controllers\": {\"count\": %d},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\"%s}],"
             " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}%s},"
             " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}%s%s}",
             controllers, group_extra ? group_extra : "", controllers > 1 ? ", \"start_ms\": 3000" : "",
             extra && *extra ? ", " : "", extra ? extra : "");
    return buf;
}

struct ctl_info th_ctl_info(struct scenario *sc) { return controller_info(rmq_world_get(sc->w)->ctl, 0); }

enum rmq_role th_ctl_role(struct scenario *sc, int r) { return broker_role(rmq_world_get(sc->w)->g[0].broker[r]); }

char *th_ctl_explore(int seed, const char *group, const char *faults, int liveness_after_ms)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 240000, \"seed\": %d},"
             " \"nameservers\": {\"count\": 1}, \"controllers\": {\"count\": 3},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\", %s}],"
             " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 512}, \"start_ms\": 5000},"
             " \"consumers\": {\"count\": 1, \"start_ms\": 5000}, \"operator\": {\"enabled\": false},"
             " \"faults\": [%s], \"checks\": {\"liveness_after_ms\": %d, \"recovery_bound_ms\": 60000}}",
             seed, group, faults, liveness_after_ms);
    return buf;
}
