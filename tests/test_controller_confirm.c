/* test_controller_confirm: a controller-mode slave reads only up to the confirm offset its master's last HA
 * frame carried (5.3 AutoSwitchHAConnection.buildTransferHeaderBuffer, AutoSwitchHAClient:
 * setConfirmOffset(min(confirmOffset, maxPhyOffset)); CommitLog.getConfirmOffset of a SLAVE bounds its
 * ReputMessageService), on constant 1 ms links with 100 msg/s of 100 bytes (220 bytes stored a message).
 * With all_ack_in_sync_state_set the frame that carries a message carries the confirm offset from before
 * its acks, so a slave shows a message one frame later, and an idle master's last message only with its
 * heartbeat 5 s on; a partitioned SyncStateSet member stops the slaves' confirm offset with the master's;
 * a slave promoted with messages above its confirm offset dispatches them in changeToMaster's wait. With the
 * flag off a slave reads everything it stores, as before. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/broker/broker_ctl_int.h"
#include "models/controller/controller.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"
#include "tests/harness.h"
#include "tests/harness_ctl.h"

#define MSG 220   /* 100 bytes + RMQ_MSG_OVERHEAD */

static struct broker *brk(struct scenario *sc, int r) { return rmq_world_get(sc->w)->g[0].broker[r]; }

/* Messages stored on b that its consumers may not read yet. */
static uint64_t hidden(struct broker *b)
{
    uint64_t n = 0;
    for (int q = 0; q < 4; q++)
        n += cl_next_qoff(broker_log(b), q) - broker_visible_qoff(b, q);
    return n;
}

/* The producer stops at 5 s, after 400 messages; the consumer starts at 6 s and is sent to broker-a-1
 * (brokerId 3: it applied for its brokerId after broker-a-2, ReplicasManager.register) by the master's redirect
 * (slave reads on, threshold 0), where it drains the backlog and is held at the end of what the slave shows.
 * It starts from the first offset: with the threshold 0 the master's first message is "on disk", so its
 * offset query is answered QUERY_NOT_FOUND (queryConsumerOffset). */
static char *idle_world_with(int all_ack, const char *trace, const char *faults)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"name\": \"cc\", \"run\": {\"duration_ms\": 20000, \"seed\": 3, \"trace\": \"%s\"},"
             " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
             " \"controllers\": {\"count\": 1},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\","
             " \"all_ack_in_sync_state_set\": %s, \"slave_read_enable\": true,"
             " \"access_message_in_memory_max_ratio\": 0, \"which_broker_when_consume_slowly\": 3,"
             " \"slave_wakes_held_pulls\": true}],"
             " \"producers\": {\"rate_per_s\": 100, \"stop_ms\": 5000, \"size\": {\"const_bytes\": 100}},"
             " \"consumers\": {\"count\": 1, \"start_ms\": 6000, \"consume_from_where\": \"first_offset\"},"
             " \"operator\": {\"enabled\": false}%s%s}",
             trace, all_ack ? "true" : "false", faults ? ", " : "", faults ? faults : "");
    return buf;
}

static char *idle_world(int all_ack, const char *trace) { return idle_world_with(all_ack, trace, NULL); }

/* Steady traffic: each frame brings a message and the confirm offset from before its acks, so broker-a-2
 * holds every message the master has and shows all but the newest. */
START_TEST(slave_is_one_frame_behind)
{
    struct scenario sc;
    th_load(&sc, idle_world(1, "off"), NULL, 0);
    struct broker *m = brk(&sc, 0), *s = brk(&sc, 2);
    th_run_to(&sc, 4995 * SIM_MS);
    ck_assert_uint_eq(broker_log(s)->max_offset, 88000);   /* the 400th message, stored at 4.992 s */
    ck_assert_uint_eq(broker_log(m)->max_offset, 88000);
    ck_assert_uint_eq(m->ctl->confirm, 88000);              /* both slaves acked it */
    ck_assert_uint_eq(s->ctl->confirm, 88000 - MSG);        /* the frame that brought it said 87780 */
    ck_assert_uint_eq(hidden(s), 1);
    ck_assert_uint_eq(hidden(m), 0);
    scenario_free(&sc);
}
END_TEST

/* Idle from 5 s: the master sends broker-a-1 nothing until its heartbeat (haSendHeartbeatInterval 5000 ms
 * after its last transfer at 4.991 s, at the writer's next 100 ms round, which runs from the first slave's
 * first report at 256 ms), whose header raises the slave's confirm offset at 10.057 s: the consumer's pull
 * held on broker-a-1 is woken then and the 400th message is consumed at 10.058 s, not at the hold service's
 * next check. */
START_TEST(idle_slave_learns_confirm_at_heartbeat)
{
    struct scenario sc;
    th_load(&sc, idle_world(1, "off"), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    struct broker *s = brk(&sc, 1);
    th_run_to(&sc, 6100 * SIM_MS);
    ck_assert_uint_eq(w->rep.acct.consumed, 399);
    ck_assert_int_gt(s->nheld, 0);
    ck_assert_uint_eq(hidden(s), 1);
    th_run_to(&sc, 10056 * SIM_MS);
    ck_assert_uint_eq(s->ctl->confirm, 88000 - MSG);
    ck_assert_uint_eq(w->rep.acct.consumed, 399);
    th_run_to(&sc, 10057 * SIM_MS);
    ck_assert_uint_eq(s->ctl->confirm, 88000);
    ck_assert_uint_eq(hidden(s), 0);
    th_run_to(&sc, 10059 * SIM_MS);
    ck_assert_uint_eq(w->rep.acct.consumed, 400);
    scenario_free(&sc);
}
END_TEST

/* The same from the trace: the master serves the consumer's first pull (32 messages) and sends it to
 * broker-a-1, which serves 367 more by 6.1 s and the 400th only after the heartbeat. */
START_TEST(trace_slave_serves_last_message_after_heartbeat)
{
    struct th_run r;
    th_run(&r, idle_world(1, "full"), NULL, 0);
    double last_before = 0, first_after = 0;
    int served = 0;
    for (const char *p = r.trace; (p = strstr(p, "\"node\":\"broker-a-1\",\"ev\":\"pull.serve\"")); p++) {
        const char *line = p;
        while (line > r.trace && line[-1] != '\n')
            line--;
        double t = strtod(line + strlen("{\"t_ms\":"), NULL);
        const char *nn = strstr(p, "\"n\":");
        int n = nn ? atoi(nn + 4) : 0;
        if (n <= 0)
            continue;
        served += n;
        if (t < 10000)
            last_before = t;
        else if (!first_after)
            first_after = t;
    }
    ck_assert_int_eq(served, 368);
    ck_assert_double_lt(last_before, 6100);
    ck_assert_double_ge(first_after, 10057);
    ck_assert_double_lt(first_after, 10059);
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    th_run_free(&r);
}
END_TEST

/* all_ack_in_sync_state_set off: the master sends its max offset, broker-a-2 reads all it stores and the
 * consumer has the 400 messages by 6.05 s. */
START_TEST(flag_off_slave_reads_all)
{
    struct scenario sc;
    th_load(&sc, idle_world(0, "off"), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    struct broker *s = brk(&sc, 2);
    for (sim_time t = 1000 * SIM_MS; t <= 6100 * SIM_MS; t += 7 * SIM_MS) {
        th_run_to(&sc, t);
        ck_assert_uint_eq(hidden(s), 0);
        ck_assert_uint_eq(s->ctl->confirm, broker_log(s)->max_offset);
    }
    ck_assert_uint_eq(w->rep.acct.consumed, 400);
    ck_assert_uint_gt(th_ctl_info(&sc).sss, 1);
    scenario_free(&sc);
}
END_TEST

/* broker-a-1 cut off from the master at 10 s. */
#define CUT_OFF_B1 \
    "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"], \"b\": [\"broker-a-1\"]}]"

/* broker-a-1 is cut off from the master at 10 s but stays in the SyncStateSet until the master gives its
 * connection up at 30 s (20 s without a report; AutoSwitchHAService.removeConnection): the master's confirm
 * offset stops, and the frames broker-a-2 still gets carry it: broker-a-2 holds the messages but shows no
 * more than the master does. Once the set is {0, 2} the next frame shows them. */
START_TEST(slave_stops_at_the_confirm_it_was_sent)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, ", \"all_ack_in_sync_state_set\": true", CUT_OFF_B1), NULL, 0);
    struct broker *m = brk(&sc, 0), *s = brk(&sc, 2);
    th_run_to(&sc, 11 * SIM_S);
    uint64_t confirm = m->ctl->confirm;
    th_run_to(&sc, 27 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 7);
    ck_assert_uint_eq(m->ctl->confirm, confirm);
    ck_assert_uint_eq(s->ctl->confirm, confirm);
    ck_assert_uint_ge(broker_log(s)->max_offset + 2 * MSG, broker_log(m)->max_offset);   /* it has them */
    ck_assert_uint_gt(hidden(s), 1500);
    for (int q = 0; q < 4; q++)
        ck_assert_uint_eq(broker_visible_qoff(s, q), broker_visible_qoff(m, q));
    th_run_to(&sc, 35 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 5);
    ck_assert_uint_le(hidden(s), 1);
    scenario_free(&sc);
}
END_TEST

/* Both slaves cut off from the master at 4 s: its last 100 messages (4-5 s) wait above its confirm offset
 * until its connections close (20 s without a report, 24.057 s) and the SyncStateSet is the master alone
 * (the controller's answer, at 24.059-24.060 s). Then CommitLog.getConfirmOffset is the max offset, and the
 * ReputMessageService, which reads getReputEndOffset every round (a 1 ms sleep), dispatches them at its next
 * round; the producer stopped at 5 s, so no put arms that round (mqsim kept them hidden for good). */
START_TEST(master_alone_dispatches_at_its_next_round)
{
    struct scenario sc;
    th_load(&sc, idle_world_with(1, "off", "\"faults\": [{\"at_ms\": 4000, \"op\": \"partition\","
                                           " \"a\": [\"broker-a-0\"], \"b\": [\"broker-a-1\", \"broker-a-2\"]}]"),
            NULL, 0);
    struct broker *m = brk(&sc, 0);
    th_run_to(&sc, 24058 * SIM_MS);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 3);
    ck_assert_uint_eq(m->ctl->confirm, 66000);   /* the acks of 4 s */
    ck_assert_uint_eq(broker_log(m)->max_offset, 88000);
    ck_assert_uint_eq(hidden(m), 100);
    th_run_to(&sc, 24059 * SIM_MS);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 1);
    ck_assert_uint_eq(hidden(m), 100);
    th_run_to(&sc, 24061 * SIM_MS);   /* the answer reaches the master 1 ms later, the next round 1 ms on */
    ck_assert_uint_eq(ctl_read_end(m), 88000);
    ck_assert_uint_eq(hidden(m), 0);
    scenario_free(&sc);
}
END_TEST

/* The world of the tests below: broker-a-2's process (or host) crashes at 12.5 s and is back at 12.6 s. */
static void load_restart(struct scenario *sc, const char *group, const char *op)
{
    char faults[256];
    snprintf(faults, sizeof faults, "\"faults\": [{\"at_ms\": 12500, \"op\": \"%s\", \"node\": \"broker-a-2\","
             " \"duration_ms\": 100}]", op);
    th_load(sc, th_ctl_world(1, group, faults), NULL, 0);
}

/* Steady traffic; broker-a-2's process crashes at 12.5 s and restarts at 12.6 s. Its confirm offset comes
 * back from the StoreCheckpoint as flushed last, at 12 s (every second from its start: 5.3 DefaultMessageStore
 * .addScheduleTask), not as it was at the crash, half a second and about 50 messages later, and its
 * ReputMessageService starts again from there (DefaultMessageStore.start l.408). But its log and its
 * ConsumeQueues, mapped files, are whole in the page cache: the recovery cuts the queues only where the log
 * ends (CommitLog.recoverAbnormally l.788-792) and getMessage reads to their end (DefaultMessageStore
 * l.816), so its readers read all they could before the crash (mqsim hid the ~50 messages above the
 * recovered offset until the master's frames raised it). */
START_TEST(restart_keeps_what_it_dispatched)
{
    struct scenario sc;
    load_restart(&sc, ", \"all_ack_in_sync_state_set\": true", "crash_process");
    struct broker *s = brk(&sc, 2);
    th_run_to(&sc, 11990 * SIM_MS);
    uint64_t before = s->ctl->confirm;
    th_run_to(&sc, 12 * SIM_S);
    uint64_t flushed = s->ctl->confirm;
    th_run_to(&sc, 12010 * SIM_MS);
    ck_assert_uint_lt(before, flushed);           /* it moves with the traffic ... */
    ck_assert_uint_lt(flushed, s->ctl->confirm);  /* ... so the flush at 12 s took the value at 12 s */
    th_run_to(&sc, 12500 * SIM_MS - 1);
    uint64_t at_crash = s->ctl->confirm, log_end = broker_log(s)->max_offset;
    ck_assert_uint_ge(at_crash, flushed + 45 * MSG);
    uint64_t seen[4];
    for (int q = 0; q < 4; q++)
        seen[q] = broker_visible_qoff(s, q);
    ck_assert_uint_le(hidden(s), 1);   /* the newest message: one frame behind */
    th_run_to(&sc, 12600 * SIM_MS);
    ck_assert_int_eq(s->n->state, SIM_NODE_UP);
    ck_assert_uint_eq(broker_log(s)->max_offset, log_end);
    ck_assert_uint_eq(s->ctl->confirm, flushed);
    ck_assert_uint_eq(s->ctl->disp_to, flushed);   /* the dispatch starts again there */
    for (int q = 0; q < 4; q++)
        ck_assert_uint_eq(broker_visible_qoff(s, q), seen[q]);
    ck_assert_uint_le(hidden(s), 1);
    th_run_to(&sc, 14 * SIM_S);            /* its HA client is back at 13.6-13.7 s */
    ck_assert_uint_gt(s->ctl->confirm, at_crash);
    ck_assert_uint_le(hidden(s), 1);
    scenario_free(&sc);
}
END_TEST

/* As restart_keeps_what_it_dispatched, a crash of the host, under SYNC_FLUSH so that the log is whole again
 * but for its last 10 ms: of the ConsumeQueues only what FlushConsumeQueueService forced survives (a queue
 * whose writes passed two page boundaries at a 1 s round, or all every 60 s: models/broker/cq_flush.c). At
 * 25 messages a queue a second none has reached its second page (410 entries) by 12.5 s, and the first round,
 * at 1 s, found the queues empty, so nothing of them survives; recoverAbnormally dispatches again up to the
 * recovered confirm offset (CommitLog l.734), and the ~50 messages above it wait for the master's frames. (On a
 * slave, whose dispatch stops at its confirm offset and whose checkpoint is forced at the instants of the
 * queues' rounds, what a round forces lies above what the checkpoint restores only after its confirm offset
 * fell; a master with allAckInSyncStateSet off dispatches past its own: tests/test_controller_cqflush.c.) */
START_TEST(host_restart_reads_to_the_recovered_confirm)
{
    struct scenario sc;
    load_restart(&sc, ", \"all_ack_in_sync_state_set\": true, \"flush\": \"SYNC_FLUSH\"", "crash_host");
    struct broker *s = brk(&sc, 2);
    th_run_to(&sc, 12 * SIM_S);
    uint64_t flushed = s->ctl->confirm;
    th_run_to(&sc, 12500 * SIM_MS - 1);
    uint64_t log_end = broker_log(s)->max_offset;
    ck_assert_uint_le(hidden(s), 1);
    th_run_to(&sc, 12600 * SIM_MS);
    ck_assert_int_eq(s->n->state, SIM_NODE_UP);
    ck_assert_uint_ge(broker_log(s)->max_offset + 2 * MSG, log_end);   /* a SYNC_FLUSH slave forces every 10 ms */
    ck_assert_uint_eq(s->ctl->confirm, flushed);
    ck_assert_uint_ge(hidden(s), 45);
    th_run_to(&sc, 14 * SIM_S);
    ck_assert_uint_le(hidden(s), 1);
    scenario_free(&sc);
}
END_TEST

/* As restart_keeps_what_it_dispatched, with readUnCommitted: the restarted ReputMessageService starts at
 * the flushed confirm offset and its first rounds take the dispatch on to the max offset
 * (getReputEndOffset), so nothing is hidden and the ~50 messages above enter its backlog at the restart,
 * not at the first frame of its HA client (back at 13.6-13.7 s). */
START_TEST(restart_with_read_uncommitted_dispatches_to_the_end)
{
    struct scenario sc;
    load_restart(&sc, ", \"all_ack_in_sync_state_set\": true, \"read_uncommitted\": true", "crash_process");
    struct broker *s = brk(&sc, 2);
    th_run_to(&sc, 12 * SIM_S);
    uint64_t flushed = s->ctl->confirm;
    th_run_to(&sc, 12600 * SIM_MS);
    ck_assert_int_eq(s->n->state, SIM_NODE_UP);
    ck_assert_uint_eq(s->ctl->confirm, flushed);
    ck_assert_uint_ge(broker_log(s)->max_offset, flushed + 45 * MSG);
    ck_assert_uint_eq(hidden(s), 0);
    ck_assert_uint_eq(s->ctl->disp_to, broker_log(s)->max_offset);
    scenario_free(&sc);
}
END_TEST

/* As slave_stops_at_the_confirm_it_was_sent, with readUnCommitted on every broker (MessageStoreConfig
 * .readUnCommitted: getReputEndOffset is the max offset): the confirm offsets stop just the same, but neither
 * the master nor broker-a-2 hides a message, and the consumer reads them while broker-a-1 is cut off. */
START_TEST(read_uncommitted_hides_nothing)
{
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, ", \"all_ack_in_sync_state_set\": true, \"read_uncommitted\": true", CUT_OFF_B1),
            NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    struct broker *m = brk(&sc, 0), *s = brk(&sc, 2);
    th_run_to(&sc, 11 * SIM_S);
    uint64_t confirm = m->ctl->confirm;
    uint64_t consumed = w->rep.acct.consumed;
    th_run_to(&sc, 27 * SIM_S);
    ck_assert_uint_eq(th_ctl_info(&sc).sss, 7);
    ck_assert_uint_eq(m->ctl->confirm, confirm);
    ck_assert_uint_eq(s->ctl->confirm, confirm);
    ck_assert_uint_eq(hidden(m), 0);
    ck_assert_uint_le(hidden(s), 1);   /* at most the message of a frame on its way */
    ck_assert_uint_gt(w->rep.acct.consumed, consumed + 1500);
    scenario_free(&sc);
}
END_TEST

/* As above, and the master's process crashes at 20 s: the controller elects broker-a-2 (the alive
 * SyncStateSet member with the larger log) at 20.001 s; its notify comes at 20.004 s (the controller's first
 * to broker-a-2 opens a connection: the first election's went to the master alone, the only broker alive
 * then). Its ~1000 messages above its confirm offset were never dispatched; the change to master's
 * SyncStateSet of itself raises the confirm offset to its end and changeToMaster waits for their dispatch,
 * 2 ms each (reput_message_cost_us 2000): 2 s, promoted at 22.004 s instead of 20.004 s, then every message
 * readable. */
START_TEST(promoted_slave_dispatches_above_its_confirm)
{
    const char *group = ", \"all_ack_in_sync_state_set\": true, \"reput_message_cost_us\": 2000";
    const char *faults = "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"],"
                         " \"b\": [\"broker-a-1\"]},"
                         " {\"at_ms\": 20000, \"op\": \"crash_process\", \"node\": \"broker-a-0\"}]";
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, group, faults), NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    struct broker *s = brk(&sc, 2);
    th_run_to(&sc, 20 * SIM_S);
    ck_assert_uint_gt(hidden(s), 990);
    th_run_to(&sc, 22004 * SIM_MS - 1);
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SLAVE);
    ck_assert_uint_eq(hidden(s), 0);   /* the confirm offset rose at the change's start */
    th_run_to(&sc, 22004 * SIM_MS);
    ck_assert_int_eq(th_ctl_role(&sc, 2), RMQ_SYNC_MASTER);
    ck_assert_int_eq(w->rep.g[0].promoted, 22004 * SIM_MS);
    scenario_free(&sc);

    struct th_run r;
    const char *sets[] = {"run.trace=\"events\""};
    th_run(&r, th_ctl_world(1, group, faults), sets, 1);
    ck_assert_ptr_nonnull(strstr(r.trace, "{\"t_ms\":20004.000,\"node\":\"broker-a-2\",\"ev\":\"broker.dispatch_wait\","
                                          "\"group\":\"broker-a\",\"epoch\":2,\"behind_ms\":2000}"));
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    th_run_free(&r);
}
END_TEST

/* A SyncStateSet member back from a handshake that truncated it acks from far below (a master back as master
 * after its host's crash restarts its epoch, and its slaves' handshakes send them to that epoch's start:
 * controller_explore's seed 214 at 131.834 s), and computeConfirmOffset (5.3 AutoSwitchHAService l.416-437,
 * the least ack of the set) lowers the confirm offset. That stops the ReputMessageService (getReputEndOffset)
 * and takes back nothing it dispatched: getMessage reads up to the ConsumeQueue's getMaxOffsetInQueue
 * (DefaultMessageStore l.816). mqsim's readable end fell with it, and in seed 214 the consumer's next pull,
 * past it, was answered PULL_OFFSET_MOVED: its queue dropped and taken again from the committed offset, the
 * message it had just read (msg 25378, 131.891 s) was read twice. */
START_TEST(falling_confirm_hides_nothing_dispatched)
{
    struct scenario sc;
    th_load(&sc, idle_world(1, "off"), NULL, 0);
    struct broker *m = brk(&sc, 0);
    th_run_to(&sc, 4995 * SIM_MS);
    ck_assert_uint_eq(m->ctl->confirm, 88000);
    ck_assert_uint_eq(hidden(m), 0);
    uint64_t seen[4];
    for (int q = 0; q < 4; q++)
        seen[q] = broker_visible_qoff(m, q);
    struct ha_conn *low = NULL;
    int slaves = 0;
    for (int i = 0; i < m->nhac; i++)
        if (m->hac[i].in_use && m->hac[i].replica >= 0 && slaves++ == 0)
            low = &m->hac[i];
    ck_assert_int_eq(slaves, 2);
    low->ack = 200 * MSG;   /* that slave's report: it holds the first 200 messages */
    ctl_update_confirm(m);
    ck_assert_uint_eq(m->ctl->confirm, 200 * MSG);
    ck_assert_uint_eq(hidden(m), 0);
    for (int q = 0; q < 4; q++)
        ck_assert_uint_eq(broker_visible_qoff(m, q), seen[q]);
    scenario_free(&sc);
}
END_TEST

/* The slaves' side of falling_confirm_hides_nothing_dispatched: the master's next frame carries its lower
 * confirm offset (AutoSwitchHAConnection.buildTransferHeaderBuffer) and the slave takes it
 * (AutoSwitchHAClient l.567: setConfirmOffset(min(confirmOffset, maxPhyOffset))). A SyncStateSet change does
 * the same: a member added back (maybeExpandInSyncStateSet: its ack at least the master's max offset when
 * the set is the master alone, getConfirmOffset) lowers computeConfirmOffset below the max offset by the
 * puts stored between its report and the controller's answer (setSyncStateSet, AutoSwitchHAService
 * l.440-452), the master having dispatched to its max offset meanwhile. The slave's dispatch stops; what it
 * dispatched stays readable (mqsim hid it on a slave until a frame raised the offset again). */
START_TEST(slave_falling_confirm_hides_nothing_dispatched)
{
    struct scenario sc;
    th_load(&sc, idle_world(1, "off"), NULL, 0);
    struct broker *s = brk(&sc, 2);
    th_run_to(&sc, 4995 * SIM_MS);
    ck_assert_uint_eq(s->ctl->confirm, 88000 - MSG);
    ck_assert_uint_eq(hidden(s), 1);
    uint64_t seen[4];
    for (int q = 0; q < 4; q++)
        seen[q] = broker_visible_qoff(s, q);
    /* a heartbeat frame (no message) with the lower offset, as ha.c hands it over */
    struct frame_confirm fc = {.offset = 200 * MSG, .old = ctl_read_end(s), .max_before = broker_log(s)->max_offset,
                               .valid = 1};
    s->ctl->confirm = fc.offset;
    ctl_frame_confirm(s, &fc, 0);
    ck_assert_uint_eq(s->ctl->confirm, 200 * MSG);
    ck_assert_uint_eq(ctl_read_end(s), 200 * MSG);   /* the ReputMessageService goes no further */
    ck_assert_uint_eq(hidden(s), 1);
    for (int q = 0; q < 4; q++)
        ck_assert_uint_eq(broker_visible_qoff(s, q), seen[q]);
    scenario_free(&sc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("controller_confirm");
    TCase *tc = tcase_create("slave");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, slave_is_one_frame_behind);
    tcase_add_test(tc, idle_slave_learns_confirm_at_heartbeat);
    tcase_add_test(tc, trace_slave_serves_last_message_after_heartbeat);
    tcase_add_test(tc, flag_off_slave_reads_all);
    tcase_add_test(tc, slave_stops_at_the_confirm_it_was_sent);
    tcase_add_test(tc, promoted_slave_dispatches_above_its_confirm);
    tcase_add_test(tc, master_alone_dispatches_at_its_next_round);
    tcase_add_test(tc, restart_keeps_what_it_dispatched);
    tcase_add_test(tc, host_restart_reads_to_the_recovered_confirm);
    tcase_add_test(tc, restart_with_read_uncommitted_dispatches_to_the_end);
    tcase_add_test(tc, read_uncommitted_hides_nothing);
    tcase_add_test(tc, falling_confirm_hides_nothing_dispatched);
    tcase_add_test(tc, slave_falling_confirm_hides_nothing_dispatched);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
