/* controller_group: several controllers as a DLedger group of their own (DLedgerController, the
 * controller/ module of RocketMQ 5.x). Each embeds the Raft member of models/dledger; its leader is the
 * active controller. Only the leader answers the brokers' requests, the others answer CONTROLLER_NOT_LEADER
 * (EventScheduler.appendEvent). The leader runs them one after another (EventScheduler): it decides on its
 * state machine, appends the resulting events to the log and answers once they are committed and applied;
 * every member applies committed events in log order (DLedgerControllerStateMachine.onApply ->
 * ReplicasInfoManager.applyEvent), so a new leader takes over with the same brokers' metadata. A new
 * leader first commits an empty entry (RoleChangeHandler: the state machine may be behind) and only then
 * serves and schedules scanInactiveMasterAndTriggerReelect. Heartbeats are not replicated: every broker
 * sends them to every controller (ReplicasManager.sendHeartbeatToController). */
#include <stdlib.h>
#include <string.h>

#include "models/controller/controller_int.h"
#include "models/report/report.h"

#define CTL_RPC_RAFT (1ULL << 62)   /* rpc tags of the DLedger member carry this bit */

/* DLedgerEntry.HEADER_SIZE is 48 bytes; an event's body is EventSerializer's type and JSON of a few
 * fields (about 100 bytes, assumed). */
#define ENTRY_HEADER 48
#define EVENT_BODY 100
/* DLedgerController.appendToDLedgerAndWait: dLedgerFuture.get(5, TimeUnit.SECONDS). The member fails no
 * append of the controllers' group on its own (a state machine is registered: raft_cfg.state_machine). */
#define APPEND_WAIT (5 * SIM_S)
/* Its timer's tag: the entry's index and the term it was appended in (a wait of an earlier leadership of
 * this member, for an index appended again since, must not end the new one). */
#define WAIT_TAG(c, index) (CT_APPEND_WAIT | ((uint64_t)(c)->raft->term & 0xffffff) << 8 | (uint64_t)(index) << 32)

static struct trace *trace_of(struct controller *c) { return sim_trace(c->n->sim); }

/* An event in the entry's message id: type, replica + 1, SyncStateSet, group. */
static uint32_t encode(const struct ctl_event *ev)
{
    return (uint32_t)ev->type | (uint32_t)(ev->replica + 1) << 4 | (ev->sss & 0xffu) << 8 | (uint32_t)ev->group << 16;
}

static struct ctl_event decode(uint32_t m)
{
    struct ctl_event ev = {(enum ctl_ev)(m & 0xf), (int)(m >> 16), (int)(m >> 4 & 0xf) - 1, m >> 8 & 0xff};
    return ev;
}

static struct ctl_job *job_at(struct controller *c, uint32_t i) { return &c->job[(c->job_head + i) % CTL_JOBS_MAX]; }

static void job_pop(struct controller *c)
{
    c->job_head = (c->job_head + 1) % CTL_JOBS_MAX;
    c->job_n--;
}

/* The answer of a job: its result and the group's metadata after it (ControllerEventHandler.run); the
 * next brokerId, the registration's answer (ReplicasInfoManager.getNextBrokerId, registerBroker), nothing
 * for applyBrokerId. */
static void finish(struct controller *c, struct ctl_job *j, int status, int applied)
{
    if (j->designate)
        ctl_trace_admin_elect(c, j->q.group, j->q.replica, status);
    if (j->code != 0 && j->ctx.conn) {
        if (applied && j->code == CTL_NEXT_ID) {
            struct ctl_id_req iq = {j->q.group, j->q.replica, ctl_next_id(c, j->q.group)};
            rpc_reply(c->n, j->ctx, status, &iq, sizeof iq, 0);
        } else if (applied && j->code == CTL_REGISTER) {
            struct ctl_info i;
            ctl_register_answer(c, &j->q, &i);
            rpc_reply(c->n, j->ctx, status, &i, sizeof i, 0);
        } else if (applied && j->code != CTL_APPLY_ID) {
            struct ctl_info i = ctl_info_of(c, j->q.group);
            rpc_reply(c->n, j->ctx, status, &i, sizeof i, 0);
        } else {
            rpc_reply(c->n, j->ctx, status, NULL, 0, 0);
        }
    }
    /* ControllerManager and ControllerRequestProcessor: a master elected is told to the brokers */
    if (applied && j->ev.type == EV_ELECT && status == RMQ_SUCCESS)
        ctl_notify(c, j->q.group);
}

static void push_job(struct controller *c, uint16_t code, const struct ctl_req *q, struct rpc_ctx ctx, int designate,
                     int attempt);

/* ControllerManager.triggerElectMaster: the controller's own election is tried again, up to
 * electMasterMaxRetryCount attempts, until one succeeds. Called once the job is off the queue. */
static void retry_elect(struct controller *c, const struct ctl_job *done)
{
    if (done->code != CTL_ELECT || done->ctx.conn || done->designate || done->result == RMQ_SUCCESS ||
        done->attempt + 1 >= c->cfg.elect_retries)
        return;
    push_job(c, CTL_ELECT, &done->q, (struct rpc_ctx){0, 0}, 0, done->attempt + 1);
}

/* The head job is over with `status`: answered (its event applied or not), off the queue, and, the
 * controller's own election failing, tried again. */
static void finish_head(struct controller *c, int status, int applied)
{
    struct ctl_job *j = job_at(c, 0);
    finish(c, j, status, applied);
    struct ctl_job done = *j;
    done.result = status;
    job_pop(c);
    retry_elect(c, &done);
}

/* EventScheduler's loop: the head job decides and appends, or waits for its entry to be applied. */
static void pump(struct controller *c)
{
    while (c->serving && c->job_n) {
        struct ctl_job *j = job_at(c, 0);
        if (j->index >= 0) {
            if (c->applied < j->index)
                return;
            finish_head(c, j->result, 1);
            continue;
        }
        struct ctl_event ev = {EV_NONE, j->q.group, j->q.replica, 0};
        int result = RMQ_SUCCESS;
        if (j->code == CTL_ELECT)
            result = ctl_decide_elect(c, j->q.group, j->ctx.conn || j->designate ? j->q.replica : -1, j->designate,
                                      &ev);
        else if (j->code == CTL_ALTER_SSS)
            result = ctl_decide_alter(c, &j->q, &ev);
        else if (j->code == CTL_APPLY_ID) {
            struct ctl_id_req iq = {j->q.group, j->q.replica, (int32_t)j->q.sss};
            result = ctl_decide_apply_id(c, &iq, &ev);
        } else if (j->code == CTL_REGISTER) {
            struct ctl_info i;   /* a broker's address never changes here: no UpdateBrokerAddressEvent */
            result = ctl_register_answer(c, &j->q, &i);
        }
        j->ev = ev;
        j->result = result;
        if (ev.type == EV_NONE) {   /* a read (isProcessReadEvent false: no entry) or nothing to change */
            finish_head(c, result, 1);
            continue;
        }
        int64_t at = raft_end(c->raft) + 1;
        if (raft_propose(c->raft, encode(&ev), ENTRY_HEADER + EVENT_BODY, 0, cl_next_qoff(&c->log, 0),
                         (uint64_t)at) != 0) {
            finish_head(c, RMQ_SYSTEM_ERROR, 0);
            continue;
        }
        j->index = at;
        node_timer(c->n, APPEND_WAIT, WAIT_TAG(c, at));
        return;
    }
}

static void push_job(struct controller *c, uint16_t code, const struct ctl_req *q, struct rpc_ctx ctx, int designate,
                     int attempt)
{
    if (c->job_n == CTL_JOBS_MAX) {
        if (code && ctx.conn)
            rpc_reply(c->n, ctx, RMQ_SYSTEM_BUSY, NULL, 0, 0);
        if (designate)
            ctl_trace_admin_elect(c, q->group, q->replica, RMQ_SYSTEM_BUSY);
        return;
    }
    struct ctl_job *j = job_at(c, c->job_n++);
    memset(j, 0, sizeof *j);
    j->code = code;
    j->q = *q;
    j->ctx = ctx;
    j->index = -1;
    j->designate = designate;
    j->attempt = attempt;
    pump(c);
}

/* The controller's own election is not queued twice. */
static int queued(struct controller *c, uint16_t code, int gi)
{
    for (uint32_t i = 0; i < c->job_n; i++) {
        const struct ctl_job *j = job_at(c, i);
        if (j->code == code && !j->ctx.conn && !j->designate && j->q.group == gi)
            return 1;
    }
    return 0;
}

void ctlg_request(struct controller *c, uint16_t code, const struct ctl_req *q, struct rpc_ctx ctx, int own)
{
    if (!c->serving) {
        if (!own)
            rpc_reply(c->n, ctx, CTL_NOT_LEADER, NULL, 0, 0);
        return;
    }
    if (own && queued(c, code, q->group))
        return;
    push_job(c, code, q, own ? (struct rpc_ctx){0, 0} : ctx, 0, 0);
}

void ctlg_admin_elect(struct controller *c, int gi, int r)
{
    struct ctl_req q = {(uint16_t)gi, (uint16_t)r, 0, 0, 0};
    push_job(c, CTL_ELECT, &q, (struct rpc_ctx){0, 0}, 1, 0);
}

/* stopScheduling: EventScheduler.shutdown(true) interrupts the job running, whose appendToDLedgerAndWait
 * fails and cancels its future, which ControllerRequestProcessor's future.get turns into an exception and the
 * remoting layer into SYSTEM_ERROR at once. The jobs queued behind it never run: their processor threads wait
 * out WAIT_TIMEOUT_OUT (5 s) and answer SYSTEM_ERROR after the broker's 3 s invokeSync has given up, so they
 * are answered nothing here (an admin's elect_master is traced SYSTEM_ERROR now). */
static void stop_serving(struct controller *c)
{
    c->serving = 0;
    for (uint32_t i = 0; c->job_n; i++) {
        struct ctl_job *j = job_at(c, 0);
        if (i == 0 && j->index >= 0)
            finish(c, j, RMQ_SYSTEM_ERROR, 0);   /* the job running */
        else if (j->designate)
            ctl_trace_admin_elect(c, j->q.group, j->q.replica, RMQ_SYSTEM_ERROR);
        job_pop(c);
    }
}

/* ---- the member's I/O ---- */

static void io_call(void *host, int peer, uint16_t code, const void *body, uint32_t len, uint64_t extra_wire,
                    sim_time timeout, uint64_t tag)
{
    struct controller *c = host;
    rpc_call(&c->rpc, c->members[peer]->n->id, code, body, len, extra_wire, timeout, CTL_RPC_RAFT | tag);
}

static void io_reply(void *host, struct rpc_ctx ctx, int status, const void *body, uint32_t len)
{
    struct controller *c = host;
    rpc_reply(c->n, ctx, status, body, len, 0);
}

static void io_timer(void *host, sim_time delay, uint64_t tag)
{
    struct controller *c = host;
    node_timer(c->n, delay, CT_RAFT | tag << 8);
}

/* MemberState.persistTerm writes the term file without fsync; the controllers' files are taken as durable
 * (a host crash within the kernel's writeback delay is not modelled for them). */
static void io_persist(void *host)
{
    struct controller *c = host;
    c->term_vote_term = c->raft->term;
    c->term_vote_vote = c->raft->voted_for;
    node_timer(c->n, 0, CT_RAFT | (uint64_t)RAFT_TIMER_PERSISTED << 8);
}

static void propose_first(struct controller *c)
{
    c->first_index = raft_end(c->raft) + 1;
    if (raft_propose(c->raft, 0, ENTRY_HEADER, 0, cl_next_qoff(&c->log, 0), (uint64_t)c->first_index) != 0)
        c->first_index = -1;
    else
        node_timer(c->n, APPEND_WAIT, WAIT_TAG(c, c->first_index));
}

static void io_role_changed(void *host, enum raft_role role, uint64_t term, int leader)
{
    struct controller *c = host;
    struct trace *tr = trace_of(c);
    (void)leader;
    if (trace_on(tr, TRACE_EVENTS)) {
        trace_begin(tr, node_now(c->n), c->n->name, "controller.raft_role");
        trace_uint(tr, "term", term);
        trace_str(tr, "role", role == RAFT_LEADER ? "leader" : role == RAFT_FOLLOWER ? "follower" : "candidate");
        trace_end(tr);
    }
    if (role != RAFT_LEADER) {
        if (c->serving)
            stop_serving(c);
        c->first_index = -1;
        return;
    }
    /* RoleChangeHandler LEADER, on its own executor (after the member has set itself up as leader): an
     * empty entry first; serving once it is committed and applied */
    c->first_index = -1;
    node_timer(c->n, 0, CT_FIRST);
}

/* DLedgerControllerStateMachine.onApply: committed entries in order, on every member. The first member to
 * apply a new masterEpoch, the leader that committed it, reports and traces it (ctl_apply). */
static void io_committed(void *host, int64_t index)
{
    struct controller *c = host;
    while (c->applied < index) {
        const struct cl_entry *e = cl_at(&c->log, (uint64_t)(c->applied + 1));
        c->applied++;
        if (!e)
            continue;
        struct ctl_event ev = decode(e->msg);
        if (ev.type != EV_NONE && ev.group < c->ngroups && ev.replica < RMQ_MAX_REPLICAS)
            ctl_apply(c, &ev);
    }
    if (!c->serving && c->raft->role == RAFT_LEADER && c->first_index >= 0 && c->applied >= c->first_index) {
        /* startScheduling, and the leader's scanInactiveMasterAndTriggerReelect schedule */
        c->serving = 1;
        c->reelect_gen++;
        node_timer(c->n, c->cfg.scan_inactive_master, CT_REELECT | c->reelect_gen << 8);
        struct trace *tr = trace_of(c);
        if (trace_on(tr, TRACE_EVENTS)) {
            trace_begin(tr, node_now(c->n), c->n->name, "controller.active");
            trace_uint(tr, "term", (uint64_t)c->raft->term);
            trace_end(tr);
        }
    }
    pump(c);
}

/* An append that failed, or whose wait is over: the job waiting for it is answered with an error (the
 * future is cancelled); the first entry is tried again at once while leader (RoleChangeHandler's loop). */
static void append_failed(struct controller *c, int64_t index)
{
    if (index == c->first_index && c->raft->role == RAFT_LEADER && !c->serving) {
        propose_first(c);
        return;
    }
    if (c->job_n && job_at(c, 0)->index == index) {
        finish_head(c, RMQ_SYSTEM_ERROR, 0);
        pump(c);
    }
}

/* An append of an earlier term answered TERM_CHANGED when this member leads again: nothing waits for it
 * any more (the wait ended after 5 s, or the step-down dropped the jobs: stop_serving), unless both
 * happened within the same 5 s. */
static void io_append_done(void *host, uint64_t tag, int status)
{
    struct controller *c = host;
    if (status != RMQ_SUCCESS)
        append_failed(c, (int64_t)tag);
}

void ctlg_append_wait_over(struct controller *c, uint64_t tag)
{
    int64_t index = (int64_t)(tag >> 32);
    if ((tag >> 8 & 0xffffff) == ((uint64_t)c->raft->term & 0xffffff) && c->applied < index)
        append_failed(c, index);
}

static void io_voted(void *host, int64_t term, int candidate, int granted)
{
    (void)host, (void)term, (void)candidate, (void)granted;
}
static void io_appended(void *host, const struct cl_entry *e) { (void)host, (void)e; }
static void io_truncated(void *host, int64_t from) { (void)host, (void)from; }
static void io_transferred(void *host, int transferee, int ok, const char *code)
{
    (void)host, (void)transferee, (void)ok, (void)code;
}

/* ---- the controller's side ---- */

int ctlg_init(struct controller *c)
{
    c->raft = calloc(1, sizeof *c->raft);
    if (!c->raft)
        return -1;
    cl_init(&c->log);
    struct raft_io io = {
        .host = c, .node = c->n, .call = io_call, .reply = io_reply, .timer = io_timer, .persist = io_persist,
        .role_changed = io_role_changed, .voted = io_voted, .committed = io_committed, .appended = io_appended,
        .truncated = io_truncated, .append_done = io_append_done, .transferred = io_transferred,
        .rng = node_rng(c->n, "election"),
    };
    raft_init(c->raft, &c->cfg.raft, &io, &c->log, c->self, c->cfg.count);
    c->term_vote_vote = RAFT_NONE;
    c->applied = -1;
    c->first_index = -1;
    return 0;
}

void ctlg_free(struct controller *c)
{
    if (!c->raft)
        return;
    raft_free(c->raft);
    free(c->raft);
    cl_free(&c->log);
}

/* A (re)start: the state machine is memory and is rebuilt from the log as the commits come
 * (StateMachineCaller replays from the start); term, vote and the log itself are durable. */
void ctlg_start(struct controller *c)
{
    for (int gi = 0; gi < c->ngroups; gi++) {
        struct ctl_group *g = &c->g[gi];
        g->master = -1;
        g->master_epoch = g->sss_epoch = 0;
        g->sss = 0;
        g->elected_once = 0;
        g->next_id = 0;
        memset(g->id_owner, 0, sizeof g->id_owner);
        for (int r = 0; r < RMQ_MAX_REPLICAS; r++) {
            g->r[r].registered = 0;
            g->r[r].id = 0;
        }
    }
    c->applied = -1;
    c->serving = 0;
    c->first_index = -1;
    c->job_n = c->job_head = 0;
    raft_restore(c->raft, c->term_vote_term, c->term_vote_vote);
    raft_start(c->raft);
}

int ctlg_on_request(struct controller *c, uint16_t code, struct rpc_ctx ctx, const void *body, uint32_t len)
{
    if (code >= RAFT_VOTE && code <= RAFT_TAKE_LEADERSHIP) {
        raft_on_request(c->raft, code, ctx, body, len);
        return 1;
    }
    if (code == CTL_METADATA) {
        struct ctl_meta m = {c->raft->leader};
        rpc_reply(c->n, ctx, RMQ_SUCCESS, &m, sizeof m, 0);
        return 1;
    }
    return 0;
}

void ctlg_on_reply(struct controller *c, uint64_t tag, int status, const void *body, uint32_t len)
{
    if (tag & CTL_RPC_RAFT)
        raft_on_reply(c->raft, tag & ~CTL_RPC_RAFT, status, body, len);
}

void ctlg_on_timer(struct controller *c, uint64_t tag) { raft_on_timer(c->raft, tag); }

void ctlg_first_entry(struct controller *c)
{
    if (c->raft->role == RAFT_LEADER && !c->serving && c->first_index < 0)
        propose_first(c);
}
