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

#define REPORT_SIZE 8       /* the slave's 8-byte max offset */
#define CTL_REPORT_SIZE 12  /* AutoSwitchHAClient.TRANSFER_HEADER_SIZE: state 4 + offset 8 */
/* The connection's tag, which the master sees at its accept: MessageStoreConfig.haListenPort 10912, the port
 * HAService.AcceptSocketService listens on (the remoting port 10911 + 1). */
#define HA_PORT 10912

void ha_trace(struct broker *b, const char *ev, sim_node_id peer, uint64_t offset)
{
    struct trace *tr = trace_of(b);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, node_now(b->n), b->n->name, ev);
    trace_str(tr, "peer", peer == SIM_NODE_NONE ? NULL : sim_node(b->n->sim, peer)->name);
    trace_uint(tr, "offset", offset);
    trace_end(tr);
}


/* ---- slave side (HAClient) ---- */

/* The node the client's connection c goes to: the address it connected to, which an update may have
 * changed since. */
static sim_node_id client_peer(const struct broker *b, sim_conn c)
{
    sim_node_id p = c ? node_conn_peer(b->n, c) : SIM_NODE_NONE;
    return p != SIM_NODE_NONE ? p : b->master;
}

/* Closes the client's connection (or gives up its connect): traced as why, unless NULL. */
static void client_close(struct broker *b, const char *why)
{
    sim_node_id peer = client_peer(b, b->ha_conn);
    if (b->ha_conn)
        node_conn_close(b->n, b->ha_conn);
    if (b->ha_conn || b->ha_connecting) {
        if (why)
            ha_trace(b, why, peer, b->cl.max_offset);
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

/* ---- stopping the client (controller mode) ---- */

/* AutoSwitchHAClient.transferFromMaster: select(1000), begun again after every read; handshakeWithMaster:
 * select(5000) after each handshake it sends (the first at the connect). */
#define TRANSFER_SELECT SIM_S
#define HANDSHAKE_SELECT (5 * SIM_S)
/* ha_join_timer's kinds (the BT_HA_CLIENT timer's argument; 0 is the client's round) */
enum { JOIN_SELECT = 1, JOIN_WAIT };

/* ha.client_stopped: a change of role's wait for the HA client thread is over, `waited_ms` after it began,
 * ended `by` a select that ran out (TRANSFER's select(1000), HANDSHAKE's select(5000)), data (a frame ended
 * the select), the connection's close, a connect's end, the handshake's answer, or a wait. */
static void trace_stopped(struct broker *b, sim_node_id peer, const char *by)
{
    struct trace *tr = trace_of(b);
    if (!trace_on(tr, TRACE_EVENTS))
        return;
    trace_begin(tr, node_now(b->n), b->n->name, "ha.client_stopped");
    trace_str(tr, "peer", peer == SIM_NODE_NONE ? NULL : sim_node(b->n->sim, peer)->name);
    trace_double(tr, "waited_ms", sim_time_to_ms(node_now(b->n) - b->ha_join_at));
    trace_str(tr, "by", by);
    trace_end(tr);
}

/* The client thread's loop found isStopped and ended: ServiceThread.shutdown's join returns, and
 * AutoSwitchHAClient.shutdown goes on (closeMaster, selector.close), then the change of role. */
static void join_end(struct broker *b, const char *by)
{
    sim_node_id peer = b->ha_join_peer;
    node_timer_cancel(b->n, b->ha_join_timer);
    node_timer_cancel(b->n, b->ha_client_timer);
    b->ha_join_timer = b->ha_client_timer = 0;
    b->ha_joining = 0;
    trace_stopped(b, peer, by);
    client_close(b, NULL);
    b->ha_client_on = 0;
    ctl_ha_closed(b);   /* a handshake's late answer is not taken */
    ctl_ha_joined(b);
}

int ha_client_stop(struct broker *b)
{
    sim_time now = node_now(b->n);
    if (!b->ctl || !b->ha_client_on || b->role != RMQ_SLAVE || (!b->ha_conn && !b->ha_connecting))
        return 0;
    /* The thread's wait that shutdown's wakeup() does not end, as it only counts down the waitPoint of
     * waitForRunning (ServiceThread.wakeup), and join (getJoinTime, 90 s; no interrupt) waits for it:
     * - a blocking connect (RemotingHelper.connect, 5 s timeout): until it succeeds or fails (SIM_CONN_UP,
     *   SIM_CONN_FAILED); after a failure its waitForRunning(5000) ends at once;
     * - TRANSFER, transferFromMaster's select(1000): until a frame or the connection's end makes the socket
     *   readable (the frame is read and appended, the offset reported), or the select times out, which a
     *   master whose host died leaves as the only end. The loop begins a select after each read, so the
     *   selects run out 1 s, 2 s, ... after the last read (the handshake's answer or a frame); mqsim's
     *   one-second rounds (client_tick), which keep their phase, are not what ends this one;
     * - HANDSHAKE, handshakeWithMaster's select(5000): until the master's answer (doTruncate), or the
     *   select's end, 5 s after the handshake was sent. */
    b->ha_joining = 1;
    b->ha_join_at = now;
    b->ha_join_peer = client_peer(b, b->ha_conn);
    if (b->ha_connecting)
        return 1;
    int hs = !ctl_ha_agreed(b);
    sim_time since = hs ? b->ha_up_at : b->ha_read_at, period = hs ? HANDSHAKE_SELECT : TRANSFER_SELECT;
    sim_time end = since + ((now - since) / period + 1) * period;
    b->ha_join_timer = node_timer(b->n, end - now, BT(BT_HA_CLIENT, JOIN_SELECT));
    return 1;
}

/* One round of HAClient.run: connect if needed, heartbeat, housekeeping. select(1000) paces it. */
static void client_tick(struct broker *b)
{
    sim_time now = node_now(b->n);
    if (b->role != RMQ_SLAVE)
        return;
    if (b->ha_joining)
        return;   /* a change of role is stopping the client, whose thread waits on (ha_client_stop) */
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
    b->ha_read_at = node_now(b->n);
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
    ha_trace(b, "ha.master", master, b->cl.max_offset);
    /* AutoSwitchHAClient.updateHaMasterAddress: a changed address calls wakeup(). A client waiting (READY:
     * no address, or a connect failed) runs its next round, and connects, at once; one connecting or
     * connected keeps the wakeup for its next wait (ServiceThread.hasNotified). */
    if (!b->ctl || master == SIM_NODE_NONE || !b->ha_client_on || b->role != RMQ_SLAVE || b->ha_joining)
        return;   /* (a client being stopped takes the address, and is started afresh without it) */
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
        b->ha_read_at = node_now(b->n);   /* the answer was read: TRANSFER's selects run from here */
        report(b);
        if (b->ha_joining)
            join_end(b, "handshake");
        return;
    }
    /* No answer (mqsim's exchange gives up after HANDSHAKE_TIMEOUT) or an error: closeMasterAndWait. No
     * consistent point: doTruncate fails, waitForRunning(1000 * 2), then closeMasterAndWait; a wakeup kept
     * (hasNotified) ends the first wait, not the second. */
    client_close(b, "ha.disconnect");
    if (b->ha_joining) {
        /* Stopping: the wakeup shutdown made ends closeMasterAndWait's wait at once, but with no consistent
         * point doTruncate's waitForRunning(1000 * 2) takes it, and closeMasterAndWait waits its 5 s. */
        node_timer_cancel(b->n, b->ha_join_timer);
        b->ha_join_timer = 0;
        if (how == HA_HS_NO_POINT)
            b->ha_join_timer = node_timer(b->n, b->cfg.ha_reconnect, BT(BT_HA_CLIENT, JOIN_WAIT));
        else
            join_end(b, "handshake");
        return;
    }
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
    node_timer_cancel(b->n, b->ha_join_timer);
    b->ha_join_timer = 0;
    b->ha_joining = 0;
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
        ha_master_accepted(b, (sim_conn)arg);
    } else if (kind == BT_HA_MASTER) {
        b->ha_timer_armed = 0;
        b->ha_master_timer = 0;
        ha_master_tick(b);
    } else if (arg == JOIN_SELECT || arg == JOIN_WAIT) {
        b->ha_join_timer = 0;
        if (b->ha_joining)
            join_end(b, arg == JOIN_SELECT ? "select" : "wait");
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
            ha_master_on_report(b, m->conn, r.max_offset, r.held_to);
        }
        return 1;
    }
    if (m->type == RMQ_HA_DATA) {
        if (m->conn == b->ha_conn && b->role == RMQ_SLAVE) {
            client_on_data(b, m);
            if (b->ha_joining)
                join_end(b, "data");   /* the frame ended the select: read, appended, reported; the loop ends */
        }
        return 1;
    }
    return 0;
}

int ha_on_conn(struct broker *b, sim_conn c, enum sim_conn_ev ev, uint64_t port)
{
    if (ev == SIM_CONN_ACCEPTED) {
        if (port != HA_PORT)
            return 0;
        ha_master_accept(b, c);
        return 1;
    }
    if (c == b->ha_conn) {
        switch (ev) {
        case SIM_CONN_UP: {
            sim_time now = node_now(b->n);
            b->ha_connecting = 0;
            b->ha_up_at = now;
            ha_trace(b, "ha.connect", client_peer(b, c), b->cl.max_offset);
            if (b->ha_joining) {
                join_end(b, "connect");   /* connectMaster returned: the loop ends before the handshake */
                break;
            }
            b->ha_hk_since = now;   /* connectMaster: lastWriteTimestamp (R44, R498), lastReadTimestamp (R53) */
            b->ha_check = 1;   /* measurement: compare the logs where the first data lands */
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
            ha_trace(b, "ha.connect_failed", client_peer(b, c), b->cl.max_offset);
            b->ha_conn = 0;
            b->ha_connecting = 0;
            if (b->ha_joining)
                join_end(b, "connect");   /* its waitForRunning(5000) ends at once: the wakeup came */
            else
                client_wait(b);
            break;
        case SIM_CONN_CLOSED:
            client_close(b, "ha.disconnect");
            if (b->ha_joining)
                join_end(b, "closed");   /* the read fails, closeMasterAndWait's wait ends at once */
            else
                client_after_close(b);
            break;
        default:
            break;
        }
        return 1;
    }
    return ev == SIM_CONN_CLOSED && ha_master_closed(b, c);
}
