/* broker_controller: a broker in controller mode (RIP-44; broker/.../controller/ReplicasManager.java,
 * store/.../ha/autoswitch/AutoSwitchHAService.java, EpochFileCache.java). It starts (registers with the
 * controller, asks for an election), heartbeats the controller, polls and is told the group's master and
 * SyncStateSet, and hands what it learns to broker_ctl_role.c, which switches role without a restart (the new
 * master is SYNC_MASTER whatever its config, #6813, once its old HA client stopped and its ConsumeQueue dispatch
 * caught up). The epoch file and the slave's handshake are broker_ctl_epoch.c's; the master's SyncStateSet,
 * confirm offset and puts broker_ctl_sss.c's; replication itself is the classic HA of ha.c. */
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/controller/controller.h"
#include "models/report/report.h"
#include "models/broker/broker_ctl_int.h"

/* DefaultMessageStore.addScheduleTask: storeCheckpoint.flush() at a fixed rate of one second, the first a
 * second after start (not configurable). setConfirmOffset only sets the checkpoint's field; the flush
 * writes it to the mapped file and forces it, so a crash, of the process or the host, loses the updates
 * since. */
#define CHECKPOINT_FLUSH SIM_S

/* FlushConsumeQueueService's rounds (cq_flush.c), every flushIntervalConsumeQueue from the store's start: at
 * the default, 1 s, at the checkpoint's instants, and its timer runs both. */
#define CQ_FLUSH_WITH_CHECKPOINT(b) ((b)->cfg.cq_flush_interval == CHECKPOINT_FLUSH)

/* ReplicasManager.start: a failed startBasicService is tried again RETRY_INTERVAL_SECOND (5 s) later;
 * schedulingSyncBrokerMetadata: the replica-info poll's first run 3 s after the start succeeded. */
#define START_RETRY (5 * SIM_S)
#define SYNC_INITIAL (3 * SIM_S)
/* startBasicService: register() up to 5 times, Thread.sleep(random.nextInt(1000)) after each failure. */
#define REGISTER_TRIES 5
#define REGISTER_PAUSE_MS 1000
/* BrokerController.scheduleSendHeartbeat: scheduleAtFixedRate(..., 1000, brokerHeartbeatInterval) */
#define HEARTBEAT_INITIAL SIM_S

/* The controller requests go to: the one controller, or the leader the broker knows of a group
 * (ReplicasManager's controllerLeaderAddress; SIM_NODE_NONE while unknown). */
static sim_node_id ctl_target(struct broker *b)
{
    const struct rmq_world *w = b->base.w;
    if (w->nctl <= 1)
        return w->ctl_node;
    return b->ctl->leader >= 0 ? w->ctl_nodes[b->ctl->leader] : SIM_NODE_NONE;
}

int ctl_request(struct broker *b, uint16_t code, uint32_t sss, uint64_t tag)
{
    struct ctl_req q = {(uint16_t)b->group, (uint16_t)b->replica, b->ctl->info.master_epoch,
                        b->ctl->info.sss_epoch, sss};
    sim_node_id to = ctl_target(b);
    if (to == SIM_NODE_NONE)
        return -1;
    rpc_call(&b->rpc, to, code, &q, sizeof q, 0, BROKER_API_TIMEOUT, BR_CTL | tag);
    return 0;
}

/* ReplicasManager.sendHeartbeatToController: to every controller address. BrokerOuterAPI sends it by
 * invokeOneway, so its timeout closes nothing (the controller's answer here is read by nobody). */
static void heartbeat(struct broker *b)
{
    const struct rmq_world *w = b->base.w;
    /* getMaxPhyOffset: the bytes of a message held in part included (ha_frame.c) */
    struct ctl_heartbeat hb = {(uint16_t)b->group, (uint16_t)b->replica, ctl_last_epoch(b), broker_log_end(b),
                               b->cfg.election_priority};
    if (w->nctl <= 1) {
        rpc_call_async(&b->rpc, w->ctl_node, CTL_HEARTBEAT, &hb, sizeof hb, 0, HEARTBEAT_TIMEOUT, BR_CTL | CTL_TAG_HB);
        return;
    }
    for (int k = 0; k < w->nctl; k++)
        rpc_call_async(&b->rpc, w->ctl_nodes[k], CTL_HEARTBEAT, &hb, sizeof hb, 0, HEARTBEAT_TIMEOUT,
                       BR_CTL | CTL_TAG_HB);
}

static void start_register(struct broker *b);
static void start_attempt_over(struct broker *b);

/* ReplicasManager.updateControllerMetadata: asks the controllers in turn, the first that names a leader
 * decides; when none does, the known leader stays. */
static void ask_meta(struct broker *b, int k)
{
    b->ctl->meta_busy = 1;
    rpc_call(&b->rpc, b->base.w->ctl_nodes[k], CTL_METADATA, NULL, 0, 0, BROKER_API_TIMEOUT,
             BR_CTL | CTL_TAG_META | (uint64_t)k << 8);
}

static void meta_answer(struct broker *b, int k, int status, const void *body, uint32_t len)
{
    struct ctl_broker *c = b->ctl;
    struct ctl_meta m = {-1};
    if (status == RMQ_SUCCESS && len >= sizeof m)
        memcpy(&m, body, sizeof m);
    if (m.leader < 0 || m.leader >= b->base.w->nctl) {
        if (k + 1 < b->base.w->nctl) {
            ask_meta(b, k + 1);
            return;
        }
        c->meta_busy = 0;
        /* schedulingSyncControllerMetadata: before the first success, three passes 1 s apart; then
         * startBasicService failed, and ReplicasManager.start tries again START_RETRY after the last
         * pass's sleep */
        if (!c->meta_known) {
            int last = ++c->meta_tries == 3;
            if (last) {
                c->meta_tries = 0;
                start_attempt_over(b);
            }
            node_timer(b->n, last ? SIM_S + START_RETRY : SIM_S, BT(BT_CTL, CTL_T_META));
        }
        return;
    }
    c->meta_busy = 0;
    c->leader = m.leader;
    if (!c->meta_known) {
        /* then the fixed-rate update (3 s, then every syncControllerMetadataPeriod), and startBasicService
         * goes on: the replica info, an election when there is no master */
        c->meta_known = 1;
        node_timer(b->n, 3 * SIM_S, BT(BT_CTL, CTL_T_META));
        start_register(b);
    }
}


uint32_t ctl_state_version(const struct broker *b) { return b->ctl->state_version; }

/* ReplicasManager.start's first startBasicService attempt is over, whether it succeeded or failed (its retries
 * go on an executor): BrokerController.start goes on, and registers with the NameServers
 * (registerBrokerAll(true, false, true)) after the role change that attempt made, if any, and only if the
 * attempt reached RUNNING: `if (!isIsolated && ...)`. A broker whose first attempt failed registers at its
 * role changes (registerBrokerWhenRoleChange) and, once RUNNING, periodically. */
static void start_attempt_over(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    if (c->start_registered)
        return;
    c->start_registered = 1;
    if (b->cfg.register_at_start && c->started)
        broker_register_all(b, 0);
}

/* startBasicService succeeded (a master is known, or this broker's brokerElect made one): then
 * schedulingSyncBrokerMetadata. A broker elected at its start completes it once its changeToMaster, dispatch
 * wait included, returned. */
void ctl_start_done(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    if (c->started)
        return;
    if (c->promoting || c->joining) {
        c->start_after_promote = 1;
        return;
    }
    c->started = 1;
    c->start_after_promote = 0;
    node_timer(b->n, SYNC_INITIAL, BT(BT_CTL, CTL_T_SYNC));
    start_attempt_over(b);
}

/* startBasicService failed (the registration or the election did not answer, or named no master): tried
 * again START_RETRY (after `pause`, the last registration attempt's sleep) later. */
static void start_failed_after(struct broker *b, sim_time pause)
{
    struct ctl_broker *c = b->ctl;
    if (c->started || c->retry_armed)
        return;
    c->retry_armed = 1;
    node_timer(b->n, pause + START_RETRY, BT(BT_CTL, CTL_T_START));
    start_attempt_over(b);
}

static void start_failed(struct broker *b) { start_failed_after(b, 0); }

static int id_request(struct broker *b, uint16_t code, int32_t id, uint64_t tag)
{
    struct ctl_id_req q = {(uint16_t)b->group, (uint16_t)b->replica, id};
    sim_node_id to = ctl_target(b);
    if (to == SIM_NODE_NONE)
        return -1;
    rpc_call(&b->rpc, to, code, &q, sizeof q, 0, BROKER_API_TIMEOUT, BR_CTL | tag);
    return 0;
}

/* One registration attempt, ReplicasManager.register(), from where the broker's files say it is
 * (confirmNowRegisteringState): with a brokerId in the metadata file only registerBrokerToController; with
 * one in the temp file applyBrokerId, then registerBrokerToController; with neither getNextBrokerId first.
 * Each step is a request to the controller (3 s timeout), its answer the next step (ctl_on_reply). */
static void start_register(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    int rc;
    if (c->my_id > 0)
        rc = ctl_request(b, CTL_REGISTER, 0, CTL_TAG_REGISTER);
    else if (c->temp_id > 0)
        rc = id_request(b, CTL_APPLY_ID, c->temp_id, CTL_TAG_APPLY);
    else
        rc = id_request(b, CTL_NEXT_ID, 0, CTL_TAG_NEXT_ID);
    if (rc < 0)
        start_failed(b);   /* no controller leader known */
}

/* A registration attempt failed: the next after a pause drawn in [0, 1 s), and after the fifth the start
 * failed (its sleep, then START_RETRY). */
static void register_failed(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    sim_time pause = (sim_time)sim_rng_below(c->start_rng, REGISTER_PAUSE_MS) * SIM_MS;
    if (++c->register_tries < REGISTER_TRIES) {
        node_timer(b->n, pause, BT(BT_CTL, CTL_T_REGISTER));
    } else {
        c->register_tries = 0;
        start_failed_after(b, pause);
    }
}

/* startBasicService once registered: `masterBrokerId != null || brokerElect()`: done when a master is known
 * (an answer or a notify named one, or this broker is being promoted), else brokerElect, whose answer
 * decides (start_answer). */
static void start_known_or_elect(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    if (c->info.master >= 0 || c->promoting)
        ctl_start_done(b);
    else if (ctl_request(b, CTL_ELECT, 0, CTL_TAG_ELECT) < 0)
        start_failed(b);
}

/* The retry of startBasicService: the registration again if it failed, else the heartbeat and the rest. */
static void start_retry(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    c->retry_armed = 0;
    if (c->started || c->start_after_promote)
        return;
    if (!c->registered) {
        start_register(b);
        return;
    }
    heartbeat(b);
    start_known_or_elect(b);
}

/* The answer of getNextBrokerId or applyBrokerId (ReplicasManager.register). The next id goes to the temp
 * file and is applied for; an applied id goes to the metadata file (brokerControllerId, the brokerId the
 * broker has from now on, also after restarts) and the broker registers. A refused application (another
 * broker applied for the same id first) clears the temp file: the attempt failed, and the next asks for
 * the next id again. */
static void id_answer(struct broker *b, uint64_t tag, int status, const void *body, uint32_t len)
{
    struct ctl_broker *c = b->ctl;
    if (c->registered || c->started)
        return;
    if (tag == CTL_TAG_NEXT_ID) {
        struct ctl_id_req q;
        if (status != RMQ_SUCCESS || len < sizeof q || (memcpy(&q, body, sizeof q), q.id < 1)) {
            register_failed(b);
            return;
        }
        c->temp_id = q.id;   /* createTempMetadataFile */
        if (id_request(b, CTL_APPLY_ID, c->temp_id, CTL_TAG_APPLY) < 0)
            register_failed(b);
        return;
    }
    if (status != RMQ_SUCCESS) {
        c->temp_id = 0;   /* tempBrokerMetadata.clear(), registerState INITIAL */
        register_failed(b);
        return;
    }
    c->my_id = c->temp_id;   /* createMetadataFileAndDeleteTemp */
    c->temp_id = 0;
    if (ctl_request(b, CTL_REGISTER, 0, CTL_TAG_REGISTER) < 0)
        register_failed(b);
}

/* An answer while startBasicService runs: the registration's, or brokerElect's. The registration succeeds
 * when answered; the start then succeeds if a master is known (the answer or a notify named one: this
 * broker's masterBrokerId), else after a brokerElect that names one. */
static void start_answer(struct broker *b, uint64_t tag, int has_info, const struct ctl_info *i)
{
    struct ctl_broker *c = b->ctl;
    if (tag == CTL_TAG_REGISTER) {
        if (!has_info) {
            register_failed(b);
            return;
        }
        c->registered = 1;
        c->register_tries = 0;
        /* REGISTER_TO_CONTROLLER_DONE: "The scheduled task for heartbeat sending is not starting now, so we
         * should manually send heartbeat request", then the master known or brokerElect */
        heartbeat(b);
        start_known_or_elect(b);
        return;
    }
    if (has_info && i->master >= 0)   /* brokerElect: the answer names the master */
        ctl_start_done(b);
    else
        start_failed(b);
}

/* ---- broker hooks ---- */

int ctl_init(struct broker *b)
{
    b->ctl = calloc(1, sizeof *b->ctl);
    return b->ctl ? 0 : -1;
}

void ctl_free(struct broker *b) { free(b->ctl); }

/* ReplicasManager.start after a (re)start: SLAVE until told otherwise; register by heartbeat, ask for the
 * replica info, and elect when there is no master (brokerElect). The epoch file survives a restart. */
void ctl_start(struct broker *b)
{
    struct ctl_broker *c = b->ctl;
    memset(&c->info, 0, sizeof c->info);
    c->info.master = -1;
    c->ha_sss = 0;
    c->promoting = c->has_pending = c->joining = 0;
    c->disp_end = node_now(b->n);   /* the store recovered its ConsumeQueues: nothing left to dispatch */
    /* The confirm offset comes back from the StoreCheckpoint as last flushed (5.3 DefaultMessageStore.load
     * l.360), corrected to the recovered log (CommitLog.recoverNormally l.377-384, recoverAbnormally
     * l.776-783, in controller mode); the ReputMessageService starts from it (DefaultMessageStore.start l.408:
     * setReputFromOffset(getConfirmOffset()), the field while the store is fenced). */
    c->confirm = c->ckpt_confirm;
    ctl_confirm_clamp(b);
    ctl_reput_from_confirm(b);
    ctl_cq_recovered(b);   /* the ConsumeQueues as the crash left them and the recovery made them */
    c->alter_pending = 0;
    c->lost = 0;
    c->handshake = c->agreed = 0;
    c->master_id = SIM_NODE_NONE;
    c->leader = b->base.w->nctl <= 1 ? 0 : -1;
    c->meta_busy = c->meta_known = c->meta_tries = 0;
    c->registered = c->started = c->retry_armed = c->start_after_promote = c->start_registered = 0;
    c->register_tries = 0;
    if (!c->start_rng)
        c->start_rng = node_rng(b->n, "ctl.start");
    /* No heartbeat yet: BrokerController.scheduleSendHeartbeat's task runs from 1 s but skips its turns
     * while the broker is isolated (fenced until startBasicService reaches RUNNING); startBasicService sends
     * one itself once registered (start_answer, start_retry), and the controller refuses one without a
     * brokerId anyway (ControllerRequestProcessor.handleBrokerHeartbeat). */
    if (b->base.w->nctl > 1)
        ask_meta(b, 0);
    else
        start_register(b);
    node_timer(b->n, HEARTBEAT_INITIAL, BT(BT_CTL, CTL_T_HEARTBEAT));
    node_timer(b->n, CHECKPOINT_FLUSH, BT(BT_CTL, CTL_T_CHECKPOINT));
    if (!CQ_FLUSH_WITH_CHECKPOINT(b))
        node_timer(b->n, b->cfg.cq_flush_interval, BT(BT_CTL, CTL_T_CQ_FLUSH));
}

/* The ConsumeQueues are mapped files like the CommitLog. A process crash leaves them whole in the page
 * cache: all the ReputMessageService had dispatched (cq_end). After a host crash each queue keeps what
 * FlushConsumeQueueService last forced of it (cq_flush.c: each second a queue whose writes passed 2 page
 * boundaries, every queue every 60 s); ctl_start's recovery dispatches again to the checkpoint's confirm. */
void ctl_crash(struct broker *b, enum sim_crash_kind kind)
{
    b->ctl->cq_end = kind == SIM_CRASH_HOST ? 0 : b->rp_py;
    ctl_cq_crash(b, kind);
}

void ctl_on_timer(struct broker *b, uint64_t arg)
{
    switch (arg & 0xf) {
    case CTL_T_HEARTBEAT:
        if (!ctl_isolated(b))
            heartbeat(b);
        node_timer(b->n, b->cfg.ctl_heartbeat, BT(BT_CTL, arg));
        break;
    case CTL_T_SYNC:
        ctl_request(b, CTL_GET_INFO, 0, CTL_TAG_INFO);
        node_timer(b->n, b->cfg.ctl_sync_metadata, BT(BT_CTL, arg));
        break;
    case CTL_T_CHECK:
        if (arg >> 4 != b->ctl->check_gen)
            break;   /* a schedule a promotion replaced or a demotion stopped */
        ctl_check_sss(b);
        node_timer(b->n, b->cfg.ctl_check_sss, BT(BT_CTL, arg));
        break;
    case CTL_T_START:
        start_retry(b);
        break;
    case CTL_T_REGISTER:
        if (!b->ctl->started && !b->ctl->registered)
            start_register(b);
        break;
    case CTL_T_DISPATCH:
        ctl_dispatch_poll(b);
        break;
    case CTL_T_CHECKPOINT:
        b->ctl->ckpt_confirm = b->ctl->confirm;
        if (CQ_FLUSH_WITH_CHECKPOINT(b))
            ctl_cq_flush(b);
        node_timer(b->n, CHECKPOINT_FLUSH, BT(BT_CTL, arg));
        break;
    case CTL_T_CQ_FLUSH:
        if (ctl_cq_flush(b))   /* a round with 0 pages forces the checkpoint as well */
            b->ctl->ckpt_confirm = b->ctl->confirm;
        node_timer(b->n, b->cfg.cq_flush_interval, BT(BT_CTL, arg));
        break;
    case CTL_T_META:
        if (!b->ctl->meta_busy)
            ask_meta(b, 0);
        if (b->ctl->meta_known)
            node_timer(b->n, b->base.w->ctl_leader_poll, BT(BT_CTL, arg));
        break;
    }
}

void ctl_on_reply(struct broker *b, uint64_t tag, int status, const void *body, uint32_t len)
{
    struct ctl_broker *c = b->ctl;
    tag &= ~BR_CTL;
    if ((tag & 0xff) == CTL_TAG_META) {
        meta_answer(b, (int)(tag >> 8), status, body, len);
        return;
    }
    if (tag == CTL_TAG_NEXT_ID || tag == CTL_TAG_APPLY) {
        id_answer(b, tag, status, body, len);
        return;
    }
    if ((tag & 0xff) == CTL_TAG_EPOCH) {
        struct ctl_epochs m;
        if (!c->handshake || (uint32_t)(tag >> 8) != c->handshake_gen)
            return;   /* an earlier connection's, or one closed meanwhile */
        if (status == RMQ_SUCCESS && len >= sizeof m) {
            memcpy(&m, body, sizeof m);
            ctl_handshake_done(b, &m);
        } else {
            ctl_handshake_failed(b);
        }
        return;
    }
    if (tag == CTL_TAG_ALTER)
        c->alter_pending = 0;
    struct ctl_info i;
    /* A refused alterSyncStateSet is not taken: BrokerOuterAPI.alterSyncStateSet decodes a body only on
     * SUCCESS and throws otherwise, and ReplicasManager.doReportSyncStateSetChanged logs the exception (the
     * broker learns a newer epoch from a notify or its next poll) */
    /* ... and an answer to brokerElect only on SUCCESS or CONTROLLER_MASTER_STILL_EXIST
     * (BrokerOuterAPI.brokerElect throws on any other code: CONTROLLER_ELECT_MASTER_FAILED names nobody);
     * registerBrokerToController and getReplicaInfo only on SUCCESS */
    int has_info = tag != CTL_TAG_HB && len >= sizeof i &&
                   (status == RMQ_SUCCESS || (tag == CTL_TAG_ELECT && status == CTL_MASTER_STILL_EXIST));
    if (has_info) {
        memcpy(&i, body, sizeof i);
        ctl_apply_info(b, &i);
    }
    if (tag == CTL_TAG_ALTER)
        ctl_alter_answered(b);   /* the removals that waited for this answer */
    if (!c->started && (tag == CTL_TAG_REGISTER || tag == CTL_TAG_ELECT)) {
        start_answer(b, tag, has_info, &i);
        return;
    }
    /* the replica-info poll (schedulingSyncBrokerMetadata): brokerElect when the controller names no master
     * at an epoch newer than the broker's, master or slave */
    if (has_info && tag == CTL_TAG_INFO && i.master < 0 && i.master_epoch > c->info.master_epoch && !c->promoting &&
        !c->joining)
        ctl_request(b, CTL_ELECT, 0, CTL_TAG_ELECT);
}

void ctl_on_request(struct broker *b, struct rpc_ctx ctx, uint16_t code, const void *body, uint32_t len)
{
    struct ctl_broker *c = b->ctl;
    if (code == CTL_NOTIFY) {
        struct ctl_info i;
        if (len >= sizeof i) {
            memcpy(&i, body, sizeof i);
            ctl_apply_info(b, &i);
        }
        rpc_reply(b->n, ctx, RMQ_SUCCESS, NULL, 0, 0);
        return;
    }
    /* CTL_EPOCH: the master's side of the handshake (its newest epoch entries and its end); a broker waiting
     * for its dispatch has its new epoch entry already. */
    if (b->role == RMQ_SLAVE && !c->promoting) {
        rpc_reply(b->n, ctx, RMQ_SERVICE_NOT_AVAILABLE, NULL, 0, 0);
        return;
    }
    struct ctl_epochs m = {0};
    int from = c->nep > CTL_EPOCHS_MAX ? c->nep - CTL_EPOCHS_MAX : 0;
    for (int i = from; i < c->nep; i++)
        m.e[m.n++] = c->ep[i];
    m.max_offset = b->cl.max_offset;
    rpc_reply(b->n, ctx, RMQ_SUCCESS, &m, sizeof m, 0);
}
