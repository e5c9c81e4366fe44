/* test_ha_frame: HA frames cut as R44's HAConnection.WriteSocketService cuts them, haTransferBatchSize (32 KiB)
 * bytes whatever the message boundaries, each acknowledged by the slave after it appends it
 * (HAService.HAClient.dispatchReadRequest, reportSlaveMaxOffsetPlus): a message of more than 5 frames raises
 * push2SlaveMaxOffset 5 times before its end arrives, so a 4.4 SYNC_MASTER put of it is answered
 * FLUSH_SLAVE_TIMEOUT although the slave stores it (RocketMQ #1535); the slave's acks step through a message
 * frame by frame, and a slave restarted with part of a message drops it (its recovery) and gets it again. In
 * controller mode a slave's part counts in its heartbeat and its handshake (getMaxPhyOffset), so the handshake
 * truncates a part the new master's log does not hold.
 * One group on constant 1 ms links, one message (a 200 KiB or 100 KiB body, 120 bytes of header: the first at
 * offset 0) at 2 s. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/broker/broker_int.h"
#include "models/world/world.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

#define FRAME 32768
#define BIG (204800 + RMQ_MSG_OVERHEAD)   /* 7 frames: 6 of 32 KiB and 8,312 bytes */
#define MID (102400 + RMQ_MSG_OVERHEAD)   /* 4 frames: 3 of 32 KiB and 4,216 bytes */

/* One message of `body` bytes at 2 s; extra: more top-level keys (faults). */
static void world(char *buf, size_t size, const char *version, const char *role, int body, int ms,
                  const char *extra)
{
    snprintf(buf, size,
             "{\"name\": \"t\", \"version\": \"%s\", \"run\": {\"duration_ms\": %d, \"seed\": 1, \"warmup_ms\": 1000},"
             " \"network\": {\"latency\": {\"const_ms\": 1}},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"%s\"}],"
             " \"producers\": {\"rate_per_s\": 1, \"arrivals\": \"constant\", \"size\": {\"const_bytes\": %d},"
             "   \"start_ms\": 2000, \"stop_ms\": 2500},"
             " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}%s}",
             version, ms, role, body, extra ? extra : "");
}

/* Whether broker b's log holds message 0 whole at offset 0, as `size` bytes. */
static int holds_first(const struct broker *b, uint32_t size)
{
    const struct cl_entry *e = cl_at(broker_log(b), cl_find(broker_log(b), 0));
    return e && e->offset == 0 && e->msg == 0 && e->size == size && !(e->flags & CL_FRAGMENT);
}

/* 4.4: the put waits in GroupTransferService, 5 wake-ups each ended by an ack that raises push2SlaveMaxOffset;
 * the message takes 7 frames (4 at once, the window of 128 KiB, then 3 more as the acks come), so the fifth ack
 * (offset 163,840) ends the last wait and the put is answered FLUSH_SLAVE_TIMEOUT, 8 ms after the send, while
 * the slave appends the last frame 1 ms later and stores the message. 4.9's wait lasts slaveTimeout (3 s):
 * SUCCESS at the seventh ack. */
START_TEST(put_of_200_kib_times_out_on_44)
{
    static const char *const versions[] = {"4.4", "4.9"};
    for (int v = 0; v < 2; v++) {
        char text[1024];
        world(text, sizeof text, versions[v], "SYNC_MASTER", 204800, 4000, NULL);
        struct scenario sc;
        th_load(&sc, text, NULL, 0);
        th_run_to(&sc, 4000 * SIM_MS);
        struct rmq_world *w = rmq_world_get(sc.w);
        int stored = holds_first(w->g[0].broker[1], BIG);
        cJSON *m = th_metrics(&sc);
        double fst = th_at(m, "messages.status.FLUSH_SLAVE_TIMEOUT") ? th_num(m, "messages.status.FLUSH_SLAVE_TIMEOUT") : 0;
        double ok = th_at(m, "messages.status.SUCCESS") ? th_num(m, "messages.status.SUCCESS") : 0;
        double ms = th_num(m, "topic.latency_ms.max");
        fprintf(stderr, "%s SYNC_MASTER, 200 KiB: %.0f FLUSH_SLAVE_TIMEOUT, %.0f SUCCESS after %.3f ms; slave stores"
                " it: %d\n", versions[v], fst, ok, ms, stored);
        ck_assert_int_eq(stored, 1);
        ck_assert_double_eq(fst, (v == 0 ? 1 : 0));
        ck_assert_double_eq(ok, (v == 0 ? 0 : 1));
        ck_assert_double_lt(ms, 10);   /* at the acks, not at a timeout */
        cJSON_Delete(m);
        scenario_free(&sc);
    }
}
END_TEST

/* A 100 KiB message takes 4 frames, 4 acks: within GroupTransferService's 5 wake-ups, SUCCESS on 4.4. */
START_TEST(put_of_100_kib_succeeds_on_44)
{
    char text[1024];
    world(text, sizeof text, "4.4", "SYNC_MASTER", 102400, 4000, NULL);
    struct th_run r;
    th_run(&r, text, NULL, 0);
    int frames = th_count(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"ha.transfer\"", NULL, 2000, 2100);
    double ok = th_num(r.m, "messages.status.SUCCESS"), ms = th_num(r.m, "topic.latency_ms.max");
    fprintf(stderr, "4.4 SYNC_MASTER, 100 KiB: %d frames, %.0f SUCCESS after %.3f ms\n", frames, ok, ms);
    ck_assert_int_eq(frames, 4);
    ck_assert_ptr_nonnull(strstr(r.trace, "\"ev\":\"ha.transfer\",\"peer\":\"broker-a-1\",\"offset\":98304"));
    ck_assert_double_eq(ok, 1);
    ck_assert_ptr_null(th_at(r.m, "messages.status.FLUSH_SLAVE_TIMEOUT"));
    ck_assert_double_lt(ms, 10);
    th_run_free(&r);
}
END_TEST

/* The master's push2SlaveMaxOffset (the slave's acks) steps through the 200 KiB message 32 KiB at a time, and
 * while it is inside the message the slave's log holds nothing: the message is appended (and counted stored)
 * when its last byte comes. Sampled every 50 us from 2 s to 2.02 s. */
START_TEST(acks_step_through_the_message)
{
    char text[1024];
    world(text, sizeof text, "4.4", "ASYNC_MASTER", 204800, 3000, NULL);
    const char *slow[] = {"network.bandwidth_mbit_per_s=100"};   /* a frame in 2.6 ms */
    struct scenario sc;
    th_load(&sc, text, slow, 1);
    struct rmq_world *w = rmq_world_get(sc.w);
    struct broker *m = w->g[0].broker[0], *s = w->g[0].broker[1];
    uint64_t seen[16];
    int n = 0, early = 0;
    for (int k = 0; k <= 2000; k++) {
        th_run_to(&sc, 2000 * SIM_MS + k * 100 * SIM_US);
        if (m->push2slave > 0 && (n == 0 || seen[n - 1] != m->push2slave) && n < 16)
            seen[n++] = m->push2slave;
        early += s->ha_reported > 0 && s->ha_reported < BIG && broker_log(s)->max_offset != 0;
    }
    for (int k = 0; k < n; k++)
        fprintf(stderr, "%s%llu", k ? ", " : "acks: ", (unsigned long long)seen[k]);
    fprintf(stderr, "\n");
    ck_assert_int_eq(n, 7);
    for (int k = 0; k < 6; k++)
        ck_assert_uint_eq(seen[k], (uint64_t)(k + 1) * FRAME);
    ck_assert_uint_eq(seen[6], BIG);
    ck_assert_int_eq(early, 0);
    ck_assert_int_eq(holds_first(s, BIG), 1);
    scenario_free(&sc);
}
END_TEST

/* The master's link to the slave carries 8 Mbit/s from 1 s, so the 200 KiB message takes about 200 ms; the
 * slave's process dies at 2.1 s holding 3 of its frames (98,304 bytes, reported) and is back at 3.1 s. Its
 * recovery drops the incomplete message (CommitLog.recoverAbnormally: ha.partial_dropped at offset 0), its
 * first report (13.1 s: the address 5 s after the restart, the report 5 s after the connect) asks for offset
 * 0, and the message comes again, whole. */
#define SLOW_SLAVE                                                                                          \
    ", \"faults\": [{\"at_ms\": 1000, \"op\": \"link\", \"from\": \"broker-a-0\", \"to\": \"broker-a-1\","    \
    " \"both_ways\": false, \"bandwidth_mbit_per_s\": 8},"                                                  \
    " {\"at_ms\": 2200, \"op\": \"crash_process\", \"node\": \"broker-a-1\", \"duration_ms\": 1000}]"

START_TEST(restarted_slave_drops_a_partial_message)
{
    char text[1024];
    world(text, sizeof text, "4.4", "ASYNC_MASTER", 204800, 20000, SLOW_SLAVE);
    struct th_run r;
    th_run(&r, text, NULL, 0);
    const char *drop = strstr(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"ha.partial_dropped\"");
    double request = th_first(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"ha.request\"", NULL, 3100);
    const char *req = strstr(r.trace, "\"ev\":\"ha.request\",\"peer\":\"broker-a-1\",\"offset\":0}");
    fprintf(stderr, "slave restarted with part of a message: %.*s; first report after the restart at %.3f ms\n",
            drop ? (int)(strchr(drop, '\n') - drop) : 4, drop ? drop : "none", request);
    ck_assert_ptr_nonnull(drop);
    ck_assert_double_eq(th_field(drop, "\"offset\":", -1), 0);
    ck_assert_double_eq(th_field(drop, "\"bytes\":", -1), 2 * FRAME);
    ck_assert_double_eq(th_first(r.trace, "\"ev\":\"ha.partial_dropped\"", NULL, 0), 2200);
    ck_assert_double_gt(request, 13200);
    ck_assert_double_lt(request, 13300);
    ck_assert_ptr_nonnull(req);
    th_run_free(&r);

    struct scenario sc;
    th_load(&sc, text, NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    struct broker *m = w->g[0].broker[0], *s = w->g[0].broker[1];
    th_run_to(&sc, 2199 * SIM_MS);
    ck_assert_uint_eq(m->push2slave, 2 * FRAME);   /* reported, inside the message */
    ck_assert_uint_eq(broker_log(s)->max_offset, 0);
    th_run_to(&sc, 20000 * SIM_MS);
    ck_assert_int_eq(holds_first(s, BIG), 1);
    ck_assert_uint_eq(broker_log(s)->max_offset, BIG);
    scenario_free(&sc);
}
END_TEST

/* Controller mode (5.3, all_ack_in_sync_state_set, so a slave's frames carry the SyncStateSet's confirm
 * offset): two 200 KiB messages at 2 s and 3 s; from 2.5 s the master's links carry 8 Mbit/s to broker-a-1
 * and 2 Mbit/s to broker-a-2, and its host dies at 3.15 s, when broker-a-1 holds 4 frames (131,072 bytes) of
 * the second message and broker-a-2 one (32,768). Their heartbeats count those bytes (getMaxPhyOffset), so
 * the controller elects broker-a-1 with 335,992 at 15 s; as master it drops its part (changeToMaster's
 * truncateInvalidMsg) and writes from 204,920. broker-a-2's part survives its READY state (the confirm
 * offset its frame carried, 204,920, did not pass the message's first byte), and its handshake finds the
 * consistent point 204,920 below its log's end, 237,688 with the part (doTruncate, findConsistentPoint with
 * getMaxPhyOffset as the last epoch's end): it truncates the part there. Had it kept it, its first report
 * (237,688) would have had the new master send from inside its first new message, whose bytes it would have
 * appended after the part, and its ReputMessageService would have stopped there for good. */
#define TWO_SLOW_SLAVES                                                                                     \
    ", \"faults\": [{\"at_ms\": 2500, \"op\": \"link\", \"from\": \"broker-a-0\", \"to\": \"broker-a-1\","    \
    " \"both_ways\": false, \"bandwidth_mbit_per_s\": 8},"                                                  \
    " {\"at_ms\": 2500, \"op\": \"link\", \"from\": \"broker-a-0\", \"to\": \"broker-a-2\","                 \
    " \"both_ways\": false, \"bandwidth_mbit_per_s\": 2},"                                                  \
    " {\"at_ms\": 3150, \"op\": \"crash_host\", \"node\": \"broker-a-0\"}]"

START_TEST(controller_slave_truncates_its_partial_at_the_handshake)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 60000, \"seed\": 1, \"warmup_ms\": 1000},"
             " \"network\": {\"latency\": {\"const_ms\": 1}}, \"controllers\": {\"count\": 1},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\","
             "   \"all_ack_in_sync_state_set\": true}],"
             " \"producers\": {\"rate_per_s\": 1, \"arrivals\": \"constant\", \"size\": {\"const_bytes\": 204800},"
             "   \"start_ms\": 2000, \"stop_ms\": 55000},"
             " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false}%s}",
             TWO_SLOW_SLAVES);
    struct th_run r;
    th_run(&r, text, NULL, 0);
    const char *elect = strstr(r.trace, "\"ev\":\"controller.elect\",\"group\":\"broker-a\",\"master\":\"broker-a-1\"");
    const char *cut = strstr(r.trace, "\"node\":\"broker-a-2\",\"ev\":\"broker.truncate\"");
    fprintf(stderr, "controller mode, two slaves with parts of a message: %.*s; %.*s; broker-a-2's reput stops: %d\n",
            elect ? (int)(strchr(elect, '\n') - elect) : 4, elect ? elect : "none",
            cut ? (int)(strchr(cut, '\n') - cut) : 4, cut ? cut : "none",
            th_count(r.trace, "\"node\":\"broker-a-2\",\"ev\":\"reput.stop\"", NULL, 0, 1e9));
    ck_assert_ptr_nonnull(elect);
    ck_assert_double_eq(th_field(elect, "\"max_offset\":", -1), BIG + 4 * FRAME);
    ck_assert_ptr_nonnull(strstr(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"ha.partial_dropped\""));
    ck_assert_ptr_nonnull(cut);
    ck_assert_double_eq(th_field(cut, "\"from\":", -1), BIG + FRAME);
    ck_assert_double_eq(th_field(cut, "\"to\":", -1), BIG);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-2\",\"ev\":\"reput.stop\"", NULL, 0, 1e9), 0);
    th_run_free(&r);

    /* Afterwards broker-a-2 holds what the new master holds, message by message, none of it a fragment. */
    struct scenario sc;
    th_load(&sc, text, NULL, 0);
    th_run_to(&sc, 60000 * SIM_MS);
    struct rmq_world *w = rmq_world_get(sc.w);
    const struct commitlog *m = broker_log(w->g[0].broker[1]), *s = broker_log(w->g[0].broker[2]);
    ck_assert_uint_gt(m->max_offset, 3 * BIG);
    ck_assert_uint_eq(s->max_offset, m->max_offset);
    for (uint64_t i = cl_find(s, BIG); i < s->first + s->n; i++) {
        const struct cl_entry *e = cl_at(s, i), *me = cl_at(m, cl_find(m, e->offset));
        ck_assert(!(e->flags & CL_FRAGMENT));
        ck_assert_ptr_nonnull(me);
        ck_assert_uint_eq(e->msg, me->msg);
    }
    scenario_free(&sc);
}
END_TEST

static Suite *ha_frame_suite(void)
{
    Suite *s = suite_create("ha_frame");
    TCase *tc = tcase_create("frames");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, put_of_200_kib_times_out_on_44);
    tcase_add_test(tc, put_of_100_kib_succeeds_on_44);
    tcase_add_test(tc, acks_step_through_the_message);
    tcase_add_test(tc, restarted_slave_drops_a_partial_message);
    tcase_add_test(tc, controller_slave_truncates_its_partial_at_the_handshake);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return th_run_suite(ha_frame_suite()); }
