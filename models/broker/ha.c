/* ha: classic master/slave replication (R44 HAService, HAConnection, HAClient). The slave opens the
 * connection and reports its max offset; the master streams its CommitLog from there in frames of at most
 * haTransferBatchSize bytes, which end wherever that falls, inside a message or not (ha_frame.c), waits up
 * to 100 ms when there is nothing new, heartbeats after 5 s of silence; the master drops a link that has
 * been silent for 20 s, and so does the slave by its housekeeping clock (ha_housekeeping_clock: R498's runs
 * from its own reports), and the slave reconnects. In controller mode (5.x AutoSwitchHAConnection/Client) the
 * headers are larger and every frame carries the master's confirm offset, which bounds what the slave reads. */
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_ctl_int.h"
#include "models/broker/broker_int.h"
#include "models/report/report.h"

#define FRAME_HEADER 12   /* 8-byte phyOffset + 4-byte size */
/* Controller mode (5.x AutoSwitchHAConnection.TRANSFER_HEADER_SIZE): state 4 + body size 4 + offset 8 + epoch 4
 * + epochStartOffset 8 + confirmOffset 8 bytes. */
#define CTL_FRAME_HEADER 36
#define REPORT_SIZE 8       /* the slave's 8-byte max offset */
#define CTL_REPORT_SIZE 12  /* AutoSwitchHAClient.TRANSFER_HEADER_SIZE: state 4 + offset 8 */
/* The connection's tag, which the master sees at its accept: MessageStoreConfig.haListenPort 10912, the port
 * HAService.AcceptSocketService listens on (the remoting port 10911 + 1). */
#define HA_PORT 10912

static uint64_t frame_header(const struct broker *b) { return b->ctl ? CTL_FRAME_HEADER : FRAME_HEADER; }

static void trace_ha(struct broker *b, const char *ev, sim_node_id peer, uint64_t offset)
{
    struct trace *tr = trace_of(b);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, node_now(b->n), b->n->name, ev);
    trace_str(tr, "peer", peer == SIM_NODE_NONE ? NULL : sim_node(b->n->sim, peer)->name);
    trace_uint(tr, "offset", offset);
    trace_end(tr);
}

/* ---- master side ---- */

static struct ha_conn *hac_find(struct broker *b, sim_conn c)
{
    for (int i = 0; i < b->nhac; i++)
        if (b->hac[i].in_use && b->hac[i].conn == c)
            return &b->hac[i];
    return NULL;
}

static struct ha_conn *hac_add(struct broker *b, sim_conn c)
{
    int i;
    for (i = 0; i < b->nhac && b->hac[i].in_use; i++)
        ;
    if (i == b->hac_cap) {
        struct ha_conn *a = realloc(b->hac, (size_t)(b->hac_cap + 1) * sizeof *a);
        if (!a)
            return NULL;
        memset(&a[i], 0, sizeof a[i]);
        b->hac = a;
        b->hac_cap++;
    }
    if (i == b->nhac)
        b->nhac++;
    struct ha_conn *h = &b->hac[i];
    struct ha_conn keep = *h;   /* the slot's frame buffer is kept, and its generation moves on */
    memset(h, 0, sizeof *h);
    h->rd_buf = keep.rd_buf;
    h->gen = keep.gen + 1;
    h->conn = c;
    h->replica = -1;
    const struct rmq_group *g = &b->base.w->g[b->group];
    sim_node_id peer = node_conn_peer(b->n, c);
    for (int r = 0; r < g->n; r++)
        if (g->node[r] == peer)
            h->replica = r;
    h->in_use = 1;
    return h;
}

/* A slave's connection ends (HAConnection.shutdown): in controller mode its slave leaves the SyncStateSet. */
static void hac_lost(struct broker *b, struct ha_conn *h)
{
    h->in_use = 0;
    if (b->ctl)
        ctl_conn_lost(b, h);
}

static void hac_drop(struct broker *b, struct ha_conn *h, const char *why)
{
    sim_node_id peer = node_conn_peer(b->n, h->conn);
    node_conn_close(b->n, h->conn);
    trace_ha(b, why, peer, h->ack);
    hac_lost(b, h);
}

int ha_slave_ok(const struct broker *b, uint64_t put_end)
{
    int connected = 0;
    for (int i = 0; i < b->nhac; i++)
        connected |= b->hac[i].in_use;
    /* signed, as Java's longs: a slave already past this put (it acknowledged later puts) is in reach */
    return connected && (int64_t)(put_end - b->push2slave) < (int64_t)b->cfg.ha_fallbehind_max;
}

/* Controller mode: the frame's header carries the master's CommitLog.getConfirmOffset() at the time it is
 * built (AutoSwitchHAConnection.buildTransferHeaderBuffer, "additional info"), data and heartbeat frames
 * alike; mqsim puts it after the entries. Returns the payload's length with it. */
static uint32_t put_confirm(struct broker *b, unsigned char *buf, uint32_t len)
{
    if (!b->ctl)
        return len;
    uint64_t confirm = ctl_header_confirm(b);
    memcpy(buf + len, &confirm, sizeof confirm);
    return len + (uint32_t)sizeof confirm;
}

/* transferData: frame d on h's socket (lastWriteTimestamp), traced at level full. */
static void write_frame(struct broker *b, struct ha_conn *h, const struct rmq_ha_data *d, uint32_t len, uint64_t wire)
{
    node_conn_send(b->n, h->conn, RMQ_HA_DATA, d, len, wire);
    h->last_write = node_now(b->n);
    if (trace_on(trace_of(b), TRACE_FULL))
        trace_ha(b, "ha.transfer", node_conn_peer(b->n, h->conn), d->phy_offset);
}

/* WriteSocketService: send from nextTransferFromWhere while there is data and room on the socket, and the
 * writer is not waiting for a read of the frame it cut (ha_frame_cold). */
static void push(struct broker *b, struct ha_conn *h)
{
    unsigned char buf[HA_FRAME_MAX];
    struct rmq_ha_data *d = (struct rmq_ha_data *)buf;
    sim_time now = node_now(b->n);
    if (h->reading)
        return;
    while (h->in_use && h->requested && h->next < b->cl.max_offset && h->next - h->ack < b->cfg.ha_window) {
        /* HAConnection.WriteSocketService: the bytes from nextTransferFromWhere, at most
         * haTransferBatchSize of them, whatever they are (ha_frame.c); a filler for what the trim forgot */
        uint64_t bytes = cl_phy_trimmed(&b->cl, h->next) && h->next < h->held_to ? ha_frame_filler(b, h, d)
                                                                                  : ha_frame_cut(b, h, d);
        if (!bytes)
            break;
        ha_frame_label(b, h, d);
        uint32_t len = put_confirm(b, buf, (uint32_t)(sizeof *d + d->n * sizeof d->e[0]));
        h->master_max = b->cl.max_offset;   /* updateLastTransferInfo */
        h->last_transfer = now;
        if (ha_frame_cold(b, h, buf, len, bytes, frame_header(b) + bytes))
            return;
        write_frame(b, h, d, len, frame_header(b) + bytes);
    }
    /* Where the writer stopped. With data left (the window is full) it waits for the socket: transferData
     * did not finish, and its select wakes it as the slave drains the connection, which the slave's next
     * report stands for here. With nothing left it sleeps in allWaitForRunning(100), which only master_tick
     * or a SYNC_MASTER put's wakeupAll (ha_wakeup) ends: a report does not wake it (ReadSocketService only
     * records the ack). */
    h->blocked = h->in_use && h->requested && h->next < b->cl.max_offset;
    if (b->ctl && h->in_use && h->requested && h->next >= b->cl.max_offset)
        ctl_all_sent(b, h);   /* the writer finds nothing to transfer (it looks every 100 ms: master_tick) */
}

void ha_cold_read_done(struct broker *b, uint64_t arg)
{
    struct ha_conn *h = ha_frame_cold_done(b, arg);
    if (!h)
        return;
    write_frame(b, h, (const struct rmq_ha_data *)h->rd_buf, h->rd_len, h->rd_wire);
    push(b, h);   /* the writer goes on */
}

static void arm_master_timer(struct broker *b)
{
    if (!b->ha_timer_armed) {
        b->ha_timer_armed = 1;
        b->ha_master_timer = node_timer(b->n, b->cfg.ha_idle_wait, BT(BT_HA_MASTER, 0));
    }
}

/* The writer's 100 ms wait, and both sides' housekeeping, in one tick. */
static void master_tick(struct broker *b)
{
    sim_time now = node_now(b->n);
    int live = 0;
    for (int i = 0; i < b->nhac; i++) {
        struct ha_conn *h = &b->hac[i];
        if (!h->in_use)
            continue;
        if (!node_conn_open(b->n, h->conn)) {
            hac_lost(b, h);
            continue;
        }
        if (h->requested && now - h->last_read > b->cfg.ha_housekeeping) {
            /* ReadSocketService: "ha housekeeping" after 20 s without a report (one that never reported
             * has its own check: accepted). */
            hac_drop(b, h, "ha.disconnect");
            continue;
        }
        push(b, h);
        if (h->requested && !h->reading && now - h->last_write > b->cfg.ha_heartbeat) {
            /* sendHeartbeatIfNeeded: an empty frame, which in controller mode carries the confirm offset too */
            unsigned char hbuf[sizeof(struct rmq_ha_data) + sizeof(uint64_t)];
            struct rmq_ha_data hb = {.phy_offset = h->next, .n = 0};
            ha_frame_label(b, h, &hb);
            memcpy(hbuf, &hb, sizeof hb);
            node_conn_send(b->n, h->conn, RMQ_HA_DATA, hbuf, put_confirm(b, hbuf, sizeof hb), frame_header(b));
            h->last_write = now;
        }
        live = 1;
    }
    if (live)
        arm_master_timer(b);
}

void ha_wakeup(struct broker *b)
{
    for (int i = 0; i < b->nhac; i++)
        if (b->hac[i].in_use)
            push(b, &b->hac[i]);
}

/* HAService.AcceptSocketService takes a slave's connection: the HAConnection's constructor counts it
 * (connectionCount, which isSlaveOK reads), so a SYNC_MASTER put waits for this slave from now on, though
 * nothing is sent it until its first report (WriteSocketService sleeps while slaveRequestOffset is -1; its
 * 100 ms waits, master_tick, begin with the first transfer). ReadSocketService's housekeeping clock starts
 * here: a slave that never reports is dropped at its select(1000) round after ha_housekeeping (accepted).
 * Controller mode takes the connection at the slave's first message instead (master_on_report). */
static void ha_accept(struct broker *b, sim_conn c)
{
    if (b->ctl || b->raft || (b->role == RMQ_SLAVE && !ctl_promoting(b)) || hac_find(b, c))
        return;
    struct ha_conn *h = hac_add(b, c);
    if (!h)
        return;
    h->last_read = node_now(b->n);
    trace_ha(b, "ha.accept", node_conn_peer(b->n, c), b->cl.max_offset);
    node_timer(b->n, b->cfg.ha_housekeeping + 1 * SIM_S, BT(BT_HA_ACCEPTED, c));
}

/* The housekeeping of a connection accepted at ha_accept, if it never reported. */
static void accepted(struct broker *b, sim_conn c)
{
    struct ha_conn *h = hac_find(b, c);
    if (h && !h->requested && node_now(b->n) - h->last_read > b->cfg.ha_housekeeping)
        hac_drop(b, h, "ha.disconnect");
}

/* Out of line, as client_on_data: ha_on_message sees every message a broker gets, and inlined these would
 * make all of them pay for their registers. */
__attribute__((noinline)) static void master_on_report(struct broker *b, sim_conn c, uint64_t offset,
                                                        uint64_t held_to)
{
    struct ha_conn *h = hac_find(b, c);
    if (!h) {
        /* Controller mode, or a slave that was not a master when the connection came: taken at the report. */
        if (b->role == RMQ_SLAVE && !ctl_promoting(b)) {
            node_conn_close(b->n, c);
            return;
        }
        h = hac_add(b, c);
        if (!h)
            return;
        trace_ha(b, "ha.accept", node_conn_peer(b->n, c), offset);
    }
    int first = !h->requested;
    if (first) {
        /* The first report sets where the transfer starts (slaveRequestOffset): from the slave's offset, or,
         * for an empty slave, from the start of the master's last CommitLog file (WriteSocketService). */
        h->requested = 1;
        if (offset == 0) {
            uint64_t max = b->cl.max_offset;
            h->next = max - max % b->cfg.commitlog_file;
        } else {
            h->next = offset;
            h->exact = 1;
        }
        if (b->ctl)
            ha_frame_epoch_start(b, h);
        h->last_write = node_now(b->n);
        if (!b->ctl)
            trace_ha(b, "ha.request", node_conn_peer(b->n, c), offset);
    }
    h->ack = offset;
    h->held_to = held_to;
    h->last_read = node_now(b->n);
    if (b->ctl)
        ctl_report(b, h);   /* before the confirm offset, as ReadSocketService does */
    /* notifyTransferSome: push2SlaveMaxOffset only ever rises, and is the max over all slaves; a rise wakes
     * R44's GroupTransferService (group_transfer.c), whose answers broker_acks_advanced sends. */
    if (offset > b->push2slave) {
        b->push2slave = offset;
        gts_notify(b);
    }
    if (b->ctl)
        ctl_slave_ack(b, h->replica);
    broker_acks_advanced(b);
    /* The writer starts at the first report (WriteSocketService polls for it every 10 ms: that wait is not
     * modelled) and resumes a transfer the window held; a writer asleep in its 100 ms wait is not woken by a
     * report. */
    if (first || h->blocked)
        push(b, h);
    arm_master_timer(b);
}

/* ---- slave side (HAClient) ---- */

/* The node the client's connection c goes to: the address it connected to, which an update may have
 * changed since. */
static sim_node_id client_peer(const struct broker *b, sim_conn c)
{
    sim_node_id p = c ? node_conn_peer(b->n, c) : SIM_NODE_NONE;
    return p != SIM_NODE_NONE ? p : b->master;
}

static void client_close(struct broker *b, const char *why)
{
    sim_node_id peer = client_peer(b, b->ha_conn);
    if (b->ha_conn)
        node_conn_close(b->n, b->ha_conn);
    if (b->ha_conn || b->ha_connecting) {
        trace_ha(b, why, peer, b->cl.max_offset);
        if (b->ctl)
            ctl_ha_closed(b);
    }
    b->ha_conn = 0;
    b->ha_connecting = 0;
}

/* A read from the master (HA_CLOCK_READ) or a report of the slave's (HA_CLOCK_REPORT) restarts the clocks
 * that run from it. */
static void client_clocks(struct broker *b, enum ha_clock what)
{
    sim_time now = node_now(b->n);
    if (b->cfg.ha_heartbeat_clock == (int)what)
        b->ha_hb_since = now;
    if (b->cfg.ha_housekeeping_clock == (int)what)
        b->ha_hk_since = now;
}

static void report(struct broker *b)
{
    struct rmq_ha_report r = {broker_log_end(b), b->ha_held_to};
    node_conn_send(b->n, b->ha_conn, RMQ_HA_REPORT, &r, sizeof r, b->ctl ? CTL_REPORT_SIZE : REPORT_SIZE);
    b->ha_reported = r.max_offset;
    client_clocks(b, HA_CLOCK_REPORT);
}

static void client_tick(struct broker *b);

/* The client's next round now, its 1 s rounds counted from here (the timer's chain replaced). */
static void client_round_now(struct broker *b)
{
    node_timer_cancel(b->n, b->ha_client_timer);
    b->ha_client_timer = 0;
    b->ha_retry_at = node_now(b->n);
    client_tick(b);
}

/* waitForRunning(d) after a connect that failed or found no address, or closeMasterAndWait: the loop's next
 * round, and its connect, comes when the wait is over, not at the next of the 1 s rounds. In controller mode
 * a wakeup() that came since the last wait (ServiceThread.hasNotified: an address update while the client
 * connected or was connected) ends it at once, and the next round connects. */
static void client_wait_for(struct broker *b, sim_time d)
{
    if (b->ctl && b->ha_notified) {
        b->ha_notified = 0;
        client_round_now(b);
        return;
    }
    b->ha_retry_at = node_now(b->n) + d;
    node_timer_cancel(b->n, b->ha_client_timer);
    b->ha_client_timer = node_timer(b->n, d, BT(BT_HA_CLIENT, 0));
}

static void client_wait(struct broker *b) { client_wait_for(b, b->cfg.ha_reconnect); }

/* HAClient.connectMaster. A client with no master address (a process that just started, or in controller
 * mode a client started afresh at a change to slave, while no registration answer has named the master)
 * finds none and waits 5 s (waitForRunning(1000 * 5); AutoSwitchHAClient.run in READY). */
static void client_connect(struct broker *b)
{
    ha_partial_ready(b);
    if (b->master == SIM_NODE_NONE) {
        client_wait(b);
        return;
    }
    /* RemotingUtil.connect(addr), 5.x RemotingHelper.connect(addr): a blocking connect of its own timeout,
     * 5 s in every release. Controller mode's epoch handshake follows on the connection (ha_on_conn). */
    b->ha_conn = node_connect_within(b->n, b->master, HA_PORT, b->cfg.ha_connect_timeout);
    b->ha_connecting = b->ha_conn != 0;
}

/* After the slave closed the connection on a read error or a bad frame: R53 (DefaultHAClient) and
 * controller mode wait 5 s (closeMasterAndWait); R44/R498 connect again in the same round. */
static void client_after_close(struct broker *b)
{
    if (b->cfg.ha_wait_after_close || b->ctl)
        client_wait(b);
    else
        client_connect(b);
}

/* One round of HAClient.run: connect if needed, heartbeat, housekeeping. select(1000) paces it. */
static void client_tick(struct broker *b)
{
    sim_time now = node_now(b->n);
    if (b->role != RMQ_SLAVE)
        return;
    b->ha_client_timer = node_timer(b->n, 1 * SIM_S, BT(BT_HA_CLIENT, 0));
    if (!b->ha_conn && !b->ha_connecting) {
        if (now >= b->ha_retry_at)
            client_connect(b);
        return;
    }
    if (b->ha_connecting)
        return;
    if (b->ctl && !ctl_ha_agreed(b))
        return;   /* HANDSHAKE: the loop waits for the master's answer, no report or housekeeping meanwhile */
    /* isTimeToReportOffset: the heartbeat, and in 4.x the first report too (see ha_on_conn). On 4.4 its clock
     * runs from the last read, so while the master's heartbeats come (every ha_send_heartbeat_interval_ms
     * and a little) the slave's rounds rarely find it old enough: an idle connection gets no report, and the
     * master's housekeeping drops it (#1082). */
    if (now - b->ha_hb_since > b->cfg.ha_heartbeat)
        report(b);
    /* Housekeeping: from the last read (R44, R53), or from the last report (R498), which the slave's own
     * heartbeat restarts every 5 s: a 4.9 slave never closes a silent connection itself. */
    if (now - b->ha_hk_since > b->cfg.ha_housekeeping) {
        /* "HAClient, housekeeping, found this connection expired": closeMaster, and the next round, at
         * once, connects again (no wait in any release; controller mode at its next round, as before) */
        client_close(b, "ha.disconnect");
        if (!b->ctl)
            client_connect(b);
    }
}

__attribute__((noinline)) static void client_on_data(struct broker *b, const struct sim_msg *m)
{
    const struct rmq_ha_data *d = m->data;
    if (m->len < sizeof *d || m->len < sizeof *d + d->n * sizeof d->e[0])
        return;
    client_clocks(b, HA_CLOCK_READ);   /* processReadEvent: readSize > 0 */
    /* dispatchReadRequest (R44 HAService.HAClient l.433-470): the master's offset must be where this
     * slave's log ends (getMaxPhyOffset: a partial message's bytes included), unless the slave is empty and
     * takes whatever the master starts with. That is the only check: the bytes are appended whatever they
     * hold. */
    uint64_t end = broker_log_end(b);
    if (end != 0 && end != d->phy_offset) {
        client_close(b, "ha.offset_mismatch");
        client_after_close(b);
        return;
    }
    if (end == 0 && b->cl.n == 0 && d->phy_offset != 0) {
        cl_reset(&b->cl, d->phy_offset);
        b->disk_base = d->phy_offset;
        b->flushed = d->phy_offset;
        b->ha_verified = d->phy_offset;
    }
    if (b->ha_check && d->n > 0) {
        b->ha_check = 0;
        ha_diverge_check(b, d);
    }
    if (b->ctl && d->epoch >= 0)
        ctl_frame_epoch(b, d->epoch, d->epoch_start);   /* before the append, as AutoSwitchHAClient does */
    /* Controller mode: the confirm offset the frame carries (see put_confirm), in force while the frame's
     * messages are appended; ctl_frame_confirm then sets it as AutoSwitchHAClient does after the append. */
    struct frame_confirm fc = {0};
    if (b->ctl && m->len >= sizeof *d + d->n * sizeof d->e[0] + sizeof fc.offset) {
        memcpy(&fc.offset, (const unsigned char *)m->data + sizeof *d + d->n * sizeof d->e[0], sizeof fc.offset);
        fc.old = ctl_read_end(b);
        fc.max_before = b->cl.max_offset;
        fc.valid = 1;
        b->ctl->confirm = fc.offset;
    }
    uint32_t n;   /* whole messages stored */
    int failed = ha_frame_append(b, d, &fc, &n) < 0;
    if (b->ctl)
        ctl_frame_confirm(b, &fc, n);
    if (failed) {
        client_close(b, "ha.append_failed");
        return;
    }
    /* reportSlaveMaxOffsetPlus: report whenever the log grew, a partial message's bytes too. */
    if (broker_log_end(b) > b->ha_reported)
        report(b);
}

void ha_master_address(struct broker *b, sim_node_id master)
{
    if (master == b->master)
        return;
    /* updateHaMasterAddress; a connection to the old address is left to housekeeping, as in HAClient. */
    b->master = master;
    b->ha_verified = 0;   /* measurement: what matched the old master says nothing of the new one */
    trace_ha(b, "ha.master", master, b->cl.max_offset);
    /* AutoSwitchHAClient.updateHaMasterAddress: a changed address calls wakeup(). A client waiting (READY:
     * no address, or a connect failed) runs its next round, and connects, at once; one connecting or
     * connected keeps the wakeup for its next wait (ServiceThread.hasNotified). */
    if (!b->ctl || master == SIM_NODE_NONE || !b->ha_client_on || b->role != RMQ_SLAVE)
        return;
    if (b->ha_conn || b->ha_connecting)
        b->ha_notified = 1;
    else
        client_round_now(b);
}

void ha_client_start(struct broker *b)
{
    /* AutoSwitchHAService.changeToSlave: reOpen (shutdown: closeMaster; init: READY, the clocks from now),
     * updateHaMasterAddress(null), start. The wakeup() the cleared address makes is spent by the new thread's
     * first wait; its second, 5 s, is what a registration answer's address ends. */
    node_timer_cancel(b->n, b->ha_client_timer);
    b->ha_client_timer = 0;
    if (b->ha_conn)
        node_conn_close(b->n, b->ha_conn);
    b->ha_conn = 0;
    b->ha_connecting = 0;
    ctl_ha_closed(b);
    ctl_client_init(b);
    b->ha_reported = 0;
    b->ha_hb_since = b->ha_hk_since = node_now(b->n);
    ha_master_address(b, SIM_NODE_NONE);
    b->ha_notified = 0;
    b->ha_client_on = 1;
    client_round_now(b);
}

void ha_handshake_end(struct broker *b, enum ha_handshake_end how)
{
    if (!b->ha_conn || b->ha_connecting)
        return;
    if (how == HA_HS_AGREED) {
        /* doTruncate: TRANSFER, and the slave reports its max offset (reportSlaveMaxOffset), from which the
         * master transfers */
        report(b);
        return;
    }
    /* No answer (mqsim's exchange gives up after HANDSHAKE_TIMEOUT) or an error: closeMasterAndWait. No
     * consistent point: doTruncate fails, waitForRunning(1000 * 2), then closeMasterAndWait; a wakeup kept
     * (hasNotified) ends the first wait, not the second. */
    client_close(b, "ha.disconnect");
    sim_time d = b->cfg.ha_reconnect;
    if (how == HA_HS_NO_POINT) {
        if (!b->ha_notified)
            d += 2 * SIM_S;
        b->ha_notified = 0;
    }
    client_wait_for(b, d);
}

/* ---- dispatch from the broker ---- */

void ha_start(struct broker *b)
{
    /* A role change restarts HA: the old role's timers go (RocketMQ shuts the old HAService/HAClient
     * threads down before it starts the new ones, AutoSwitchHAService.changeToMaster/changeToSlave). After a
     * crash they are already dead and the cancel does nothing. */
    node_timer_cancel(b->n, b->ha_master_timer);
    node_timer_cancel(b->n, b->ha_client_timer);
    b->ha_master_timer = b->ha_client_timer = 0;
    b->nhac = 0;
    b->push2slave = 0;
    b->ha_timer_armed = 0;
    b->ha_conn = 0;
    b->ha_connecting = 0;
    b->ha_retry_at = 0;
    b->ha_reported = 0;
    b->ha_hb_since = node_now(b->n);   /* R53 DefaultHAClient: lastWriteTimestamp from its construction */
    b->ha_client_on = 0;
    b->ha_notified = 0;
    if (b->role != RMQ_SLAVE || ctl_promoting(b))
        ha_partial_drop(b);   /* AutoSwitchHAService.changeToMaster: truncateInvalidMsg (4.x: at a restart) */
    if (b->role != RMQ_SLAVE || b->raft || b->ctl)
        return;   /* controller mode: no HA client until the change to slave (ha_client_start) */
    b->ha_client_on = 1;
    if (b->ha_warm) {
        b->ha_client_timer = node_timer(b->n, 1 * SIM_S, BT(BT_HA_CLIENT, 0));
        return;
    }
    /* The HAClient thread's first round comes at its start, before the registration names the master:
     * it finds no address and waits 5 s (client_connect), then runs every second. A warm first start
     * (ha_warm_start) runs its first round 1 s after the start instead, the master known by then, as a
     * broker long in service has it. */
    client_tick(b);
}

void ha_on_timer(struct broker *b, enum broker_timer kind, uint64_t arg)
{
    if (kind == BT_HA_ACCEPTED) {
        accepted(b, (sim_conn)arg);
    } else if (kind == BT_HA_MASTER) {
        b->ha_timer_armed = 0;
        b->ha_master_timer = 0;
        master_tick(b);
    } else {
        b->ha_client_timer = 0;
        client_tick(b);
    }
}

int ha_on_message(struct broker *b, const struct sim_msg *m)
{
    if (m->type == RMQ_HA_REPORT) {
        struct rmq_ha_report r;
        if (m->len >= sizeof r) {
            memcpy(&r, m->data, sizeof r);
            master_on_report(b, m->conn, r.max_offset, r.held_to);
        }
        return 1;
    }
    if (m->type == RMQ_HA_DATA) {
        if (m->conn == b->ha_conn && b->role == RMQ_SLAVE)
            client_on_data(b, m);
        return 1;
    }
    return 0;
}

int ha_on_conn(struct broker *b, sim_conn c, enum sim_conn_ev ev, uint64_t port)
{
    if (ev == SIM_CONN_ACCEPTED) {
        if (port != HA_PORT)
            return 0;
        ha_accept(b, c);
        return 1;
    }
    if (c == b->ha_conn) {
        switch (ev) {
        case SIM_CONN_UP: {
            sim_time now = node_now(b->n);
            b->ha_connecting = 0;
            b->ha_hk_since = now;   /* connectMaster: lastWriteTimestamp (R44, R498), lastReadTimestamp (R53) */
            b->ha_check = 1;   /* measurement: compare the logs where the first data lands */
            trace_ha(b, "ha.connect", client_peer(b, c), b->cl.max_offset);
            /* connectMaster sets currentReportedOffset to the log's end. Controller mode shakes hands at once
             * and reports when that is done; a warm first start (ha_warm_start) reports at once, as a slave
             * long in service reconnecting. Otherwise connectMaster ran inside a round, select(1000) right after it, so the
             * rounds run from the connect, and the round goes on to isTimeToReportOffset: R53 reports at once
             * when its last report is more than 5 s old (as after its 5 s wait); R44/R498 restart the clock
             * here (ha_report_clock_from_connect), so the first report comes 5-6 s later and the master
             * sends nothing until it. Each select returns a little after its second and currentTimeMillis
             * counts whole milliseconds, so after five rounds the interval reads 5000 or 5001 ms, and at 5001
             * (often: five rounds' drift is near the millisecond) the report goes at the fifth round, else
             * at the sixth. mqsim's rounds are exact: it takes the fifth, the clock set 1 ms before. */
            b->ha_reported = broker_log_end(b);
            if (b->ctl) {
                /* AutoSwitchHAClient.connectMaster: HANDSHAKE at once, the report when it is done
                 * (ha_handshake_end) */
                ctl_ha_connected(b, node_conn_peer(b->n, c));
                break;
            }
            if (b->ha_warm) {
                b->ha_warm = 0;
                report(b);
                break;
            }
            node_timer_cancel(b->n, b->ha_client_timer);
            b->ha_client_timer = node_timer(b->n, 1 * SIM_S, BT(BT_HA_CLIENT, 0));
            if (b->cfg.ha_report_clock_from_connect)
                b->ha_hb_since = now - SIM_MS;
            if (now - b->ha_hb_since > b->cfg.ha_heartbeat)
                report(b);
            break;
        }
        case SIM_CONN_FAILED:
            trace_ha(b, "ha.connect_failed", client_peer(b, c), b->cl.max_offset);
            b->ha_conn = 0;
            b->ha_connecting = 0;
            client_wait(b);
            break;
        case SIM_CONN_CLOSED:
            client_close(b, "ha.disconnect");
            client_after_close(b);
            break;
        default:
            break;
        }
        return 1;
    }
    struct ha_conn *h = hac_find(b, c);
    if (h && ev == SIM_CONN_CLOSED) {
        trace_ha(b, "ha.disconnect", node_conn_peer(b->n, c), h->ack);
        hac_lost(b, h);
        return 1;
    }
    return 0;
}
