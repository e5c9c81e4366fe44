/* world_controller: the "controllers" section of a scenario (RIP-44's controller, ControllerConfig) and
 * building its node. */
#include <stddef.h>
#include <string.h>

#include "models/controller/controller.h"
#include "sim/lab/fields.h"
#include "models/world/world.h"

#define MAX_DAY_MS 86400000.0

static void world_controller_defaults(struct controller_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->heartbeat_timeout = 10 * SIM_S;
    c->scan_initial = 2 * SIM_S;
    c->scan_interval = 5 * SIM_S;
    c->scan_inactive_master = 5 * SIM_S;
    c->elect_unclean = 0;
    c->notify_role_changed = 1;
    c->elect_retries = 3;
    c->request_timeout = 3 * SIM_S;
    c->sync_metadata = 10 * SIM_S;
    /* DLedgerConfig's defaults (REFERENCE section 5), as DLedgerController builds its DLedgerConfig */
    struct raft_cfg *r = &c->raft;
    r->election = RAFT_ELECTION_DLEDGER;
    r->heartbeat = 2000 * SIM_MS;
    r->max_heartbeat_leak = 3;
    r->min_vote_interval = 300 * SIM_MS;
    r->max_vote_interval = 1000 * SIM_MS;
    r->max_pending_requests = 10000;
    r->max_wait_ack = 2500 * SIM_MS;
    r->state_machine = 1;   /* DLedgerController registers DLedgerControllerStateMachine */
    r->max_push_timeout = 1000 * SIM_MS;
    r->max_pending_push = 1000;
    r->peer_push_throttle_point = 300 * 1024 * 1024;
    r->peer_push_quota = 20 * 1024 * 1024;
    r->max_batch_push_size = 4096;
    r->tick = 10 * SIM_MS;
    r->rpc_timeout = 3 * SIM_S;
    r->preferred_leader = -1;
    r->max_transfer_wait_index = 1000;
    r->min_take_vote_interval = 30 * SIM_MS;
    r->max_take_vote_interval = 100 * SIM_MS;
    r->transfer_wait_timeout = 1000 * SIM_MS;
}

#define KF(k, t, f, lo, hi) {k, t, offsetof(struct controller_cfg, f), lo, hi, NULL}
static const struct field controller_fields[] = {
    KF("count", F_INT, count, 1, RMQ_MAX_REPLICAS),
    KF("controller_heartbeat_timeout_ms", F_TIME, heartbeat_timeout, 1, MAX_DAY_MS),
    KF("scan_initial_delay_ms", F_TIME, scan_initial, 0, MAX_DAY_MS),
    KF("scan_not_active_broker_interval_ms", F_TIME, scan_interval, 1, MAX_DAY_MS),
    KF("scan_inactive_master_interval_ms", F_TIME, scan_inactive_master, 1, MAX_DAY_MS),
    KF("enable_elect_unclean_master", F_BOOL, elect_unclean, 0, 1),
    KF("notify_broker_role_changed", F_BOOL, notify_role_changed, 0, 1),
    KF("elect_master_max_retry_count", F_INT, elect_retries, 1, 100),
    KF("request_timeout_ms", F_TIME, request_timeout, 1, MAX_DAY_MS),
    KF("enable_controller_in_namesrv", F_BOOL, in_namesrv, 0, 1),
    KF("sync_controller_metadata_period_ms", F_TIME, sync_metadata, 1, MAX_DAY_MS),
    KF("heart_beat_time_interval_ms", F_TIME, raft.heartbeat, 1, MAX_DAY_MS),
    KF("max_heart_beat_leak", F_INT, raft.max_heartbeat_leak, 1, 1000),
    KF("min_vote_interval_ms", F_TIME, raft.min_vote_interval, 0, MAX_DAY_MS),
    KF("max_vote_interval_ms", F_TIME, raft.max_vote_interval, 1, MAX_DAY_MS),
};

int world_controller_read(struct conf *c, const cJSON *root, struct world_cfg *wc)
{
    world_controller_defaults(&wc->ctl);
    const cJSON *s = conf_child(root, "controllers");
    if (s) {
        wc->ctl.count = 1;
        if (fields_read(c, s, "$.controllers", controller_fields,
                        (int)(sizeof controller_fields / sizeof controller_fields[0]), &wc->ctl, NULL) < 0)
            return -1;
        if (wc->ctl.raft.max_vote_interval < wc->ctl.raft.min_vote_interval)
            return conf_fail(c, "$.controllers.max_vote_interval_ms", "is below min_vote_interval_ms");
        if (wc->ctl.in_namesrv && wc->ctl.count > wc->nns)
            return conf_fail(c, "$.controllers.enable_controller_in_namesrv",
                             "controller k runs in NameServer k: %d controllers need %d nameservers, got %d",
                             wc->ctl.count, wc->ctl.count, wc->nns);
    }
    char p[64];
    for (int gi = 0; gi < wc->ngroups; gi++) {
        const struct broker_cfg *b = &wc->groups[gi].broker;
        snprintf(p, sizeof p, "$.groups[%d].ha", gi);
        if (b->controller && !wc->ctl.count)
            return conf_fail(c, p, "\"controller\" needs a \"controllers\" section, e.g. {\"count\": 1}");
        if (b->controller && b->min_in_sync_replicas > wc->groups[gi].replicas) {
            snprintf(p, sizeof p, "$.groups[%d].min_in_sync_replicas", gi);
            return conf_fail(c, p, "is above the group's %d replicas: no put could ever succeed",
                             wc->groups[gi].replicas);
        }
    }
    return 0;
}

int world_controller_build(struct rmq_world *w, const struct world_cfg *wc)
{
    w->ctl_node = SIM_NODE_NONE;
    if (!wc->ctl.count)
        return 0;
    if (!(w->ctl = controller_create(w, &wc->ctl)))
        return -1;
    w->ctl_node = controller_node(w->ctl);
    w->nctl = controller_count(w->ctl);
    for (int k = 0; k < w->nctl; k++) {
        w->ctl_nodes[k] = controller_node_at(w->ctl, k);
        /* enableControllerInNamesrv: one process, one host with NameServer k */
        if (wc->ctl.in_namesrv && sim_node_cohost(w->sim, w->ns[k], w->ctl_nodes[k]) < 0)
            return -1;
    }
    w->ctl_leader_poll = wc->ctl.sync_metadata;
    w->ctl_unclean = wc->ctl.elect_unclean;
    return 0;
}
