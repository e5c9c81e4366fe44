/* ha_master: the master's side of classic HA (R44 HAService.AcceptSocketService, HAConnection's
 * ReadSocketService and WriteSocketService; 5.x AutoSwitchHAConnection): a slave's connection taken, its
 * reports read, the CommitLog streamed to it in frames (ha_frame.c cuts them), heartbeats and housekeeping.
 * ha.c dispatches to it and runs the slave's side. */
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

static uint64_t frame_header(const struct broker *b) { return b->ctl ? CTL_FRAME_HEADER : FRAME_HEADER; }

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
    ha_trace(b, why, peer, h->ack);
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
        ha_trace(b, "ha.transfer", node_conn_peer(b->n, h->conn), d->phy_offset);
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
     * report stands for here. With nothing left it sleeps in allWaitForRunning(100), which only ha_master_tick
     * or a SYNC_MASTER put's wakeupAll (ha_wakeup) ends: a report does not wake it (ReadSocketService only
     * records the ack). */
    h->blocked = h->in_use && h->requested && h->next < b->cl.max_offset;
    if (b->ctl && h->in_use && h->requested && h->next >= b->cl.max_offset)
        ctl_all_sent(b, h);   /* the writer finds nothing to transfer (it looks every 100 ms: ha_master_tick) */
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
void ha_master_tick(struct broker *b)
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
             * has its own check: ha_master_accepted). */
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
 * 100 ms waits, ha_master_tick, begin with the first transfer). ReadSocketService's housekeeping clock starts
 * here: a slave that never reports is dropped at its select(1000) round after ha_housekeeping (ha_master_accepted).
 * Controller mode takes the connection at the slave's first message instead (ha_master_on_report). */
void ha_master_accept(struct broker *b, sim_conn c)
{
    if (b->ctl || b->raft || (b->role == RMQ_SLAVE && !ctl_promoting(b)) || hac_find(b, c))
        return;
    struct ha_conn *h = hac_add(b, c);
    if (!h)
        return;
    h->last_read = node_now(b->n);
    ha_trace(b, "ha.accept", node_conn_peer(b->n, c), b->cl.max_offset);
    node_timer(b->n, b->cfg.ha_housekeeping + 1 * SIM_S, BT(BT_HA_ACCEPTED, c));
}

/* The housekeeping of a connection accepted at ha_master_accept, if it never reported. */
void ha_master_accepted(struct broker *b, sim_conn c)
{
    struct ha_conn *h = hac_find(b, c);
    if (h && !h->requested && node_now(b->n) - h->last_read > b->cfg.ha_housekeeping)
        hac_drop(b, h, "ha.disconnect");
}

/* Out of line, as client_on_data: ha_on_message sees every message a broker gets, and inlined these would
 * make all of them pay for their registers. */
__attribute__((noinline)) void ha_master_on_report(struct broker *b, sim_conn c, uint64_t offset,
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
        ha_trace(b, "ha.accept", node_conn_peer(b->n, c), offset);
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
            ha_trace(b, "ha.request", node_conn_peer(b->n, c), offset);
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

int ha_master_closed(struct broker *b, sim_conn c)
{
    struct ha_conn *h = hac_find(b, c);
    if (!h)
        return 0;
    ha_trace(b, "ha.disconnect", node_conn_peer(b->n, c), h->ack);
    hac_lost(b, h);
    return 1;
}
