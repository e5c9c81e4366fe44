/* test_controller_cqflush: what a controller-mode broker's ConsumeQueues keep across a crash of its host, and
 * what a demoted master's readers see. 5.3 DefaultMessageStore.FlushConsumeQueueService forces a queue at its
 * 1 s round once its writes passed 2 page boundaries (4 KiB) past its flushed position, every queue every
 * 60 s (the first round after the start); after a host crash a queue keeps what was forced, and the
 * recovery dispatches again up to the checkpoint's confirm offset (CommitLog.recoverAbnormally l.734), so a
 * queue reads to the greater of the two (models/broker/cq_flush.c).
 *
 * The world: one controller, a group of three on constant 1 ms links, 100 msg/s of 100 bytes (220 bytes
 * stored a message) over 4 queues from about 1 s, 25 a queue a second. broker-a-0, the master, is cut off
 * from its slaves at 10 s: it stores on, its allAckInSyncStateSet off, and dispatches all it stores, but its
 * confirm offset, the least ack of its SyncStateSet, stays where the acks stopped (224 messages a queue;
 * while a member has no HA connection the value stays, AutoSwitchHAService.computeConfirmOffset), and so
 * does the one its checkpoint forces every second. A queue's 400 entries at 17 s are 8,000 bytes, one page
 * boundary past the flushed position 0 (the thorough round at 1 s found nothing); its 425 at 18 s are 8,500,
 * two: the 18 s round forces every queue. Under SYNC_FLUSH its CommitLog is on disk but for its last 10 ms,
 * so a host crash takes only ConsumeQueue entries. It is back at 40 s as a SLAVE (the controller elected one
 * of the others meanwhile), still cut off from them: nothing else changes what it shows. */
#include <check.h>
#include <stdio.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/broker/broker_ctl_int.h"
#include "models/controller/controller.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"
#include "tests/harness.h"
#include "tests/harness_ctl.h"

static struct broker *brk(struct scenario *sc, int r) { return rmq_world_get(sc->w)->g[0].broker[r]; }

/* broker-a-0 cut off from its slaves at 10 s, its host down at crash_ms and back at 40 s; `group`: more keys. */
static void load_cut_off_crash_with(struct scenario *sc, int crash_ms, const char *group)
{
    char faults[512];
    snprintf(faults, sizeof faults,
             "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"],"
             " \"b\": [\"broker-a-1\", \"broker-a-2\"]},"
             " {\"at_ms\": %d, \"op\": \"crash_host\", \"node\": \"broker-a-0\", \"duration_ms\": %d}]",
             crash_ms, 40000 - crash_ms);
    char g[256];
    snprintf(g, sizeof g, ", \"flush\": \"SYNC_FLUSH\"%s", group);
    th_load(sc, th_ctl_world(1, g, faults), NULL, 0);
}

static void load_cut_off_crash(struct scenario *sc, int crash_ms) { load_cut_off_crash_with(sc, crash_ms, ""); }

/* The host dies at 18.5 s, half a second after the round that forced every queue at 425 entries: back at
 * 40 s each queue reads to there, 201 entries above what the recovered confirm offset gives (all mqsim kept
 * before it followed the service), and the 12 or 13 entries dispatched after the round are gone, though
 * the log kept their messages. */
START_TEST(host_crash_keeps_what_the_last_round_forced)
{
    struct scenario sc;
    load_cut_off_crash(&sc, 18500);
    struct broker *m = brk(&sc, 0);
    th_run_to(&sc, 18 * SIM_S);
    uint64_t forced[4];
    for (int q = 0; q < 4; q++) {
        forced[q] = broker_visible_qoff(m, q);
        ck_assert_uint_eq(forced[q], 425);
    }
    th_run_to(&sc, 18500 * SIM_MS - 1);
    uint64_t at_crash[4];
    for (int q = 0; q < 4; q++) {
        at_crash[q] = cl_next_qoff(broker_log(m), q);
        ck_assert_uint_eq(broker_visible_qoff(m, q), at_crash[q]);   /* a master with the flag off: all */
        ck_assert_uint_ge(at_crash[q], forced[q] + 12);
    }
    th_run_to(&sc, 40 * SIM_S);
    ck_assert_int_eq(m->n->state, SIM_NODE_UP);
    ck_assert_int_eq(broker_role(m), RMQ_SLAVE);
    for (int q = 0; q < 4; q++) {
        ck_assert_uint_eq(cl_next_qoff(broker_log(m), q), at_crash[q]);   /* the log is whole */
        ck_assert_uint_eq(broker_qoff_below(m, q, m->ctl->confirm), 224);
        ck_assert_uint_eq(broker_visible_qoff(m, q), forced[q]);
    }
    th_run_to(&sc, 45 * SIM_S);
    for (int q = 0; q < 4; q++)
        ck_assert_uint_eq(broker_visible_qoff(m, q), forced[q]);
    scenario_free(&sc);
}
END_TEST

/* The host dies at 17.5 s, before any round forced a queue (at 17 s each held 400 entries, one page
 * boundary past 0): every entry dispatched since the start is gone with the host, and the recovery
 * dispatches again up to the checkpoint's confirm offset only, 224 a queue; the other ~190 messages a queue
 * stay in the log, where consumers of this broker do not see them. */
START_TEST(host_crash_loses_what_no_round_forced)
{
    struct scenario sc;
    load_cut_off_crash(&sc, 17500);
    struct broker *m = brk(&sc, 0);
    th_run_to(&sc, 17 * SIM_S);
    for (int q = 0; q < 4; q++)
        ck_assert_uint_eq(broker_visible_qoff(m, q), 400);
    th_run_to(&sc, 17500 * SIM_MS - 1);
    uint64_t at_crash[4];
    for (int q = 0; q < 4; q++)
        at_crash[q] = cl_next_qoff(broker_log(m), q);
    th_run_to(&sc, 40 * SIM_S);
    ck_assert_int_eq(m->n->state, SIM_NODE_UP);
    ck_assert_int_eq(broker_role(m), RMQ_SLAVE);
    for (int q = 0; q < 4; q++) {
        ck_assert_uint_eq(cl_next_qoff(broker_log(m), q), at_crash[q]);
        ck_assert_uint_ge(at_crash[q], 412);
        ck_assert_uint_eq(broker_qoff_below(m, q, m->ctl->confirm), 224);
        ck_assert_uint_eq(broker_visible_qoff(m, q), 224);
    }
    scenario_free(&sc);
}
END_TEST

/* As host_crash_keeps_what_the_last_round_forced, the service every 700 ms and forcing whatever is new
 * (flush_interval_consume_queue_ms, flush_consume_queue_least_pages 0): its rounds fall at 0.7 s steps from
 * the start, away from the checkpoint's seconds, the last before the crash at 18.2 s, and each queue keeps
 * what it held then. */
START_TEST(host_crash_keeps_the_round_of_the_configured_service)
{
    struct scenario sc;
    load_cut_off_crash_with(&sc, 18500, ", \"flush_interval_consume_queue_ms\": 700,"
                                        " \"flush_consume_queue_least_pages\": 0");
    struct broker *m = brk(&sc, 0);
    th_run_to(&sc, 18200 * SIM_MS);
    uint64_t forced[4];
    for (int q = 0; q < 4; q++)
        forced[q] = broker_visible_qoff(m, q);
    th_run_to(&sc, 18500 * SIM_MS - 1);
    for (int q = 0; q < 4; q++)
        ck_assert_uint_ge(cl_next_qoff(broker_log(m), q), forced[q] + 7);
    th_run_to(&sc, 40 * SIM_S);
    ck_assert_int_eq(broker_role(m), RMQ_SLAVE);
    for (int q = 0; q < 4; q++) {
        ck_assert_uint_eq(forced[q], 430);   /* 425 at 18 s, 5 a queue since */
        ck_assert_uint_eq(broker_visible_qoff(m, q), forced[q]);
    }
    scenario_free(&sc);
}
END_TEST

/* A round with 0 pages forces the StoreCheckpoint too (doFlush l.2661-2666), so its confirm offset is the
 * one of that round, not of the checkpoint's own task a second before. The group of three connected, the
 * service every 700 ms with 0 pages: the checkpoint's confirm offset after the round at 18.2 s is the confirm
 * offset of 18.2 s (20 messages past the task's at 18 s), and the master's host, dead at 18.5 s and back at
 * 40 s, recovers it. */
START_TEST(a_round_with_0_pages_forces_the_checkpoint)
{
    struct scenario sc;
    th_load(&sc,
            th_ctl_world(1, ", \"flush_interval_consume_queue_ms\": 700, \"flush_consume_queue_least_pages\": 0",
                         "\"faults\": [{\"at_ms\": 18500, \"op\": \"crash_host\", \"node\": \"broker-a-0\","
                         " \"duration_ms\": 21500}]"),
            NULL, 0);
    struct broker *m = brk(&sc, 0);
    th_run_to(&sc, 18 * SIM_S);
    uint64_t task = m->ctl->ckpt_confirm;
    ck_assert_uint_eq(task, m->ctl->confirm);
    th_run_to(&sc, 18200 * SIM_MS);
    uint64_t round = m->ctl->confirm;
    ck_assert_uint_ge(round, task + 15 * 220);
    ck_assert_uint_eq(m->ctl->ckpt_confirm, round);
    th_run_to(&sc, 18500 * SIM_MS - 1);
    ck_assert_uint_gt(m->ctl->confirm, round);
    ck_assert_uint_eq(m->ctl->ckpt_confirm, round);
    th_run_to(&sc, 40 * SIM_S);
    ck_assert_int_eq(m->n->state, SIM_NODE_UP);
    ck_assert_uint_eq(m->ctl->ckpt_confirm, round);
    scenario_free(&sc);
}
END_TEST

/* A demoted master. broker-a-0 is cut off from its slaves and the controller from 10 s to 40 s; the
 * controller elects broker-a-2 at 20 s (epoch 2), and broker-a-0, stored on by the producer until the
 * NameServer refuses its registration as brokerId 0 at 40 s, learns of the new epoch at 48.012 s and becomes
 * a SLAVE: the controller closed its channel when its heartbeats expired (22 s), the close reaches it with
 * TCP's first retransmission after the heal, and it asks again on a new channel. A SLAVE's
 * ReputMessageService stops at its confirm offset (getReputEndOffset), still the one of 10 s, but what it
 * dispatched stays in its ConsumeQueues, which getMessage reads to the end (DefaultMessageStore l.816): its
 * readers see all 656 entries a queue until its HA client's handshake with
 * broker-a-2 cuts the log at the consistent point, the start of epoch 2 (197,120, where broker-a-2's log
 * ended), at 48.020 s: DefaultMessageStore.truncateDirtyFiles (l.708-740) cuts every ConsumeQueue there
 * (truncateDirtyLogicFiles) and starts the ReputMessageService again from min(its offset, the cut). From
 * then on they see the 224 a queue below the cut, then what broker-a-2's frames bring. */
START_TEST(demoted_master_reads_what_it_dispatched_until_the_cut)
{
    const char *faults = "\"faults\": [{\"at_ms\": 10000, \"op\": \"partition\", \"a\": [\"broker-a-0\"],"
                         " \"b\": [\"broker-a-1\", \"broker-a-2\", \"controller-0\"], \"duration_ms\": 30000}]";
    struct scenario sc;
    th_load(&sc, th_ctl_world(1, "", faults), NULL, 0);
    struct broker *m = brk(&sc, 0);
    th_run_to(&sc, 48011 * SIM_MS);
    ck_assert_int_eq(broker_role(m), RMQ_SYNC_MASTER);   /* changeToMaster */
    ck_assert_int_eq(th_ctl_info(&sc).master, 2);
    ck_assert_uint_eq(m->ctl->confirm, 197120);
    uint64_t end = broker_log(m)->max_offset;
    ck_assert_uint_eq(end, 576840);
    for (int q = 0; q < 4; q++)
        ck_assert_uint_eq(broker_visible_qoff(m, q), cl_next_qoff(broker_log(m), q));
    th_run_to(&sc, 48012 * SIM_MS);
    ck_assert_int_eq(broker_role(m), RMQ_SLAVE);
    for (sim_time t = 48012 * SIM_MS; t < 48020 * SIM_MS; t += SIM_MS) {
        th_run_to(&sc, t);
        ck_assert_uint_eq(broker_log(m)->max_offset, end);
        for (int q = 0; q < 4; q++) {
            ck_assert_uint_ge(broker_visible_qoff(m, q), 655);
            ck_assert_uint_eq(broker_visible_qoff(m, q), cl_next_qoff(broker_log(m), q));
        }
    }
    th_run_to(&sc, 48020 * SIM_MS);
    ck_assert_uint_eq(broker_log(m)->max_offset, 197120);
    for (int q = 0; q < 4; q++) {
        ck_assert_uint_eq(cl_next_qoff(broker_log(m), q), 224);
        ck_assert_uint_eq(broker_visible_qoff(m, q), 224);
    }
    th_run_to(&sc, 62 * SIM_S);
    for (int q = 0; q < 4; q++)
        ck_assert_uint_gt(broker_visible_qoff(m, q), 1000);   /* broker-a-2's messages since 20 s */
    scenario_free(&sc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("controller_cqflush");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, host_crash_keeps_what_the_last_round_forced);
    tcase_add_test(tc, host_crash_loses_what_no_round_forced);
    tcase_add_test(tc, host_crash_keeps_the_round_of_the_configured_service);
    tcase_add_test(tc, a_round_with_0_pages_forces_the_checkpoint);
    tcase_add_test(tc, demoted_master_reads_what_it_dispatched_until_the_cut);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(suite()); }
