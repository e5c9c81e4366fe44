/* test_models: the read-redirect decision (table-driven, including the seed document's example), the
 * pull response codes, batch limits, and the CommitLog / ConsumeQueue structure. */
#include <check.h>
#include <stdlib.h>

#include "models/store/commitlog.h"
#include "models/broker/redirect.h"
#include "models/remoting/protocol.h"
#include "tests/harness.h"

#define GIB 1073741824ULL
#define MEM_24G_40 ((uint64_t)(24 * GIB * 40 / 100))

/* ---- redirect_suggest, one row per case ---- */

struct suggest_row {
    const char *what;
    int is_slave, slave_read_enable, which;
    enum get_status status;
    uint64_t max_py, pulling, memory;
    int want;
};

static const struct suggest_row suggest_rows[] = {
    {"master, in memory", 0, 1, 1, GET_FOUND, 10000, 9000, 1000, 0},
    {"master, diff == memory stays", 0, 1, 1, GET_FOUND, 10000, 9000, 1000, 0},
    {"master, diff == memory + 1 goes to slave", 0, 1, 1, GET_FOUND, 10001, 9000, 1000, 1},
    {"master, far behind -> whichBrokerWhenConsumeSlowly", 0, 1, 2, GET_FOUND, 5000000, 0, 1000, 2},
    {"master, far behind but slaveReadEnable off", 0, 0, 1, GET_FOUND, 5000000, 0, 1000, 0},
    {"master, nothing found: never to the slave", 0, 1, 1, GET_OFFSET_OVERFLOW_ONE, 5000000, 0, 1000, 0},
    {"slave, caught up with its own end: back to master", 1, 1, 1, GET_OFFSET_OVERFLOW_ONE, 100, 0, 10, 0},
    {"slave, far behind its own end: stays", 1, 1, 1, GET_FOUND, 5000000, 0, 1000, 1},
    {"slave, within threshold of its end: back to master", 1, 1, 1, GET_FOUND, 5000, 4500, 1000, 0},
    {"slave without slaveReadEnable: back to master", 1, 0, 1, GET_FOUND, 5000000, 0, 1000, 0},
    {"slave, offset beyond its end (it lags): back to master", 1, 1, 1, GET_OFFSET_OVERFLOW_BADLY, 100, 0, 10, 0},
};

START_TEST(suggest_table)
{
    const struct suggest_row *r = &suggest_rows[_i];
    struct redirect_in in = {
        .is_slave = r->is_slave, .slave_read_enable = r->slave_read_enable, .which_broker_slowly = r->which,
        .group_broker_id = 0, .status = r->status, .max_offset_py = r->max_py, .max_phy_offset_pulling = r->pulling,
        .memory = r->memory,
    };
    ck_assert_msg(redirect_suggest(&in) == r->want, "%s: got %d, want %d", r->what, redirect_suggest(&in), r->want);
}
END_TEST

/* The redirect flips exactly where the gap crosses the threshold, for thresholds from RocketMQ's
 * default (24 GiB fallback * 40 %) down to a few bytes. */
START_TEST(suggest_flips_at_threshold)
{
    const uint64_t memories[] = {1, 4096, 100ULL << 20, MEM_24G_40};
    for (size_t i = 0; i < sizeof memories / sizeof memories[0]; i++) {
        uint64_t m = memories[i];
        struct redirect_in in = {.slave_read_enable = 1, .which_broker_slowly = 1, .status = GET_FOUND,
                                 .max_phy_offset_pulling = 1000, .memory = m};
        in.max_offset_py = 1000 + m;
        ck_assert_int_eq(redirect_suggest(&in), 0);
        in.max_offset_py = 1000 + m + 1;
        ck_assert_int_eq(redirect_suggest(&in), 1);
    }
}
END_TEST

/* The seed document's example: 1,000,000 messages written on the master, the slave has 960,000, and a
 * consumer that has read 960,000 must be sent back to the master, whether it asks the slave (which has
 * nothing more: it answers "not found" and suggests the master) or the master (40,000 messages behind is
 * far inside 40 % of 24 GiB). */
START_TEST(seed_example)
{
    static struct commitlog master, slave;
    cl_init(&master);
    cl_init(&slave);
    for (uint32_t i = 0; i < 1000000; i++) {
        ck_assert(cl_append(&master, i, 1024 + RMQ_MSG_OVERHEAD, 0, i) != CL_NONE);
        if (i < 960000)
            ck_assert(cl_append(&slave, i, 1024 + RMQ_MSG_OVERHEAD, 0, i) != CL_NONE);
    }
    uint64_t read = 960000;

    /* At the slave: the queue offset equals its end. */
    ck_assert_uint_eq(cl_next_qoff(&slave, 0), read);
    struct redirect_in at_slave = {.is_slave = 1, .slave_read_enable = 1, .which_broker_slowly = 1,
                                   .status = GET_OFFSET_OVERFLOW_ONE, .max_offset_py = slave.max_offset,
                                   .memory = MEM_24G_40};
    ck_assert_int_eq(redirect_suggest(&at_slave), 0);
    ck_assert_int_eq(redirect_response_code(&at_slave, read), RMQ_PULL_NOT_FOUND);

    /* At the master: diff = max offset - offset of the last message examined. */
    const struct cl_entry *e = cl_at(&master, cl_qentry(&master, 0, read + 31));
    ck_assert_ptr_nonnull(e);
    struct redirect_in at_master = {.slave_read_enable = 1, .which_broker_slowly = 1, .status = GET_FOUND,
                                    .max_offset_py = master.max_offset, .max_phy_offset_pulling = e->offset,
                                    .memory = MEM_24G_40};
    ck_assert_int_eq(redirect_suggest(&at_master), 0);

    /* And the same consumer is sent to the slave once the host is small enough that 40,000 messages are
     * more than 40 % of its memory (100 MiB * 40 % = 40 MiB < 40,000 * 1144 B). */
    at_master.memory = (100ULL << 20) * 40 / 100;
    ck_assert_int_eq(redirect_suggest(&at_master), 1);
    cl_free(&master);
    cl_free(&slave);
}
END_TEST

START_TEST(response_codes)
{
    struct redirect_in in = {0};
    in.status = GET_FOUND;
    ck_assert_int_eq(redirect_response_code(&in, 5), RMQ_SUCCESS);
    in.status = GET_NO_MESSAGE_IN_QUEUE;
    ck_assert_int_eq(redirect_response_code(&in, 0), RMQ_PULL_NOT_FOUND);
    ck_assert_int_eq(redirect_response_code(&in, 7), RMQ_PULL_OFFSET_MOVED);
    in.status = GET_OFFSET_OVERFLOW_ONE;
    ck_assert_int_eq(redirect_response_code(&in, 7), RMQ_PULL_NOT_FOUND);
    in.status = GET_OFFSET_OVERFLOW_BADLY;
    ck_assert_int_eq(redirect_response_code(&in, 7), RMQ_PULL_OFFSET_MOVED);
    in.status = GET_OFFSET_TOO_SMALL;
    ck_assert_int_eq(redirect_response_code(&in, 7), RMQ_PULL_OFFSET_MOVED);
    /* A slave never moves the consumer's offset (offsetCheckInSlave false). */
    in.is_slave = 1;
    ck_assert_int_eq(redirect_response_code(&in, 7), RMQ_PULL_RETRY_IMMEDIATELY);
    in.status = GET_OFFSET_OVERFLOW_BADLY;
    ck_assert_int_eq(redirect_response_code(&in, 7), RMQ_PULL_RETRY_IMMEDIATELY);
    /* With offsetCheckInSlave it moves it as a master does. */
    in.offset_check_in_slave = 1;
    ck_assert_int_eq(redirect_response_code(&in, 7), RMQ_PULL_OFFSET_MOVED);
    in.offset_check_in_slave = 0;
    /* A 4.x slave holds a pull that found nothing; from 5.0 (composeResponseHeader) it sends the consumer to
     * the master at once, and still serves what it found. */
    in.status = GET_OFFSET_OVERFLOW_ONE;
    ck_assert_int_eq(redirect_response_code(&in, 7), RMQ_PULL_NOT_FOUND);
    in.redirects_to_master = 1;
    ck_assert_int_eq(redirect_response_code(&in, 7), RMQ_PULL_RETRY_IMMEDIATELY);
    in.status = GET_NO_MESSAGE_IN_QUEUE;
    ck_assert_int_eq(redirect_response_code(&in, 0), RMQ_PULL_RETRY_IMMEDIATELY);
    in.status = GET_FOUND;
    ck_assert_int_eq(redirect_response_code(&in, 7), RMQ_SUCCESS);
    in.is_slave = 0;   /* a master is not concerned */
    in.status = GET_OFFSET_OVERFLOW_ONE;
    ck_assert_int_eq(redirect_response_code(&in, 7), RMQ_PULL_NOT_FOUND);
}
END_TEST

START_TEST(batch_limits)
{
    /* The first message always fits. */
    ck_assert(!redirect_batch_full(1 << 20, 32, 0, 0, 1));
    /* In memory: 32 messages or 256 KiB. */
    ck_assert(!redirect_batch_full(1024, 32, 30 * 1024, 30, 0));
    ck_assert(redirect_batch_full(1024, 32, 31 * 1024, 32, 0));
    ck_assert(redirect_batch_full(2048, 32, 262144 - 1024, 10, 0));
    /* On disk: 8 messages or 64 KiB. */
    ck_assert(!redirect_batch_full(1024, 32, 7 * 1024, 7, 1));
    ck_assert(redirect_batch_full(1024, 32, 8 * 1024, 8, 1));
    ck_assert(redirect_batch_full(4096, 32, 65536 - 1024, 3, 1));
    /* The request's own limit. */
    ck_assert(redirect_batch_full(10, 4, 40, 4, 0));
}
END_TEST

/* ---- commitlog ---- */

START_TEST(cl_basics)
{
    struct commitlog cl;
    cl_init(&cl);
    for (uint32_t i = 0; i < 3000; i++)
        ck_assert(cl_append(&cl, i, 100 + i % 7, (uint16_t)(i % 3), cl_next_qoff(&cl, i % 3)) == i);
    ck_assert_uint_eq(cl_end(&cl), 3000);
    ck_assert_uint_eq(cl_next_qoff(&cl, 0), 1000);
    /* Queue 1's 10th message is message 31. */
    ck_assert_uint_eq(cl_at(&cl, cl_qentry(&cl, 1, 10))->msg, 31);
    /* Find by physical offset. */
    const struct cl_entry *e = cl_at(&cl, 1234);
    ck_assert_uint_eq(cl_find(&cl, e->offset), 1234);
    ck_assert_uint_eq(cl_find(&cl, e->offset + 1), 1235);
    ck_assert_uint_eq(cl_find(&cl, cl.max_offset), 3000);
    /* A queue number out of order is refused. */
    ck_assert(cl_append(&cl, 9, 10, 0, 5) == CL_NONE);
    cl_free(&cl);
}
END_TEST

/* cl_find against a linear scan: every offset of a log of messages of varied sizes, a trimmed head, and
 * each number of entries from 0 to 40 (the search gallops back from the end, so the short logs and the
 * bracket edges are where it could go wrong). */
START_TEST(cl_find_matches_scan)
{
    for (uint32_t n = 0; n <= 40; n++) {
        struct commitlog cl;
        cl_init(&cl);
        for (uint32_t i = 0; i < n + 5; i++)
            cl_append(&cl, i, 1 + (i * 37) % 11, 0, cl_next_qoff(&cl, 0));
        cl_trim(&cl, cl_at(&cl, 4)->offset + cl_at(&cl, 4)->size);
        for (uint64_t phy = 0; phy <= cl.max_offset + 1; phy++) {
            uint64_t want = cl.first;
            while (want < cl_end(&cl) && cl_at(&cl, want)->offset < phy)
                want++;
            ck_assert_uint_eq(cl_find(&cl, phy), want);
        }
        cl_free(&cl);
    }
}
END_TEST

static int dropped_count;
static void count_drop(void *ctx, uint32_t msg)
{
    (void)ctx;
    (void)msg;
    dropped_count++;
}

START_TEST(cl_truncate_and_trim)
{
    struct commitlog cl;
    cl_init(&cl);
    for (uint32_t i = 0; i < 100; i++)
        cl_append(&cl, i, 100, (uint16_t)(i % 2), cl_next_qoff(&cl, i % 2));
    /* Cut in the middle of message 50: it and everything after go. */
    dropped_count = 0;
    cl_truncate(&cl, 50 * 100 + 30, count_drop, NULL);
    ck_assert_int_eq(dropped_count, 50);
    ck_assert_uint_eq(cl.max_offset, 5000);
    ck_assert_uint_eq(cl_next_qoff(&cl, 0), 25);
    ck_assert_uint_eq(cl_next_qoff(&cl, 1), 25);
    /* Appending continues the numbering. */
    ck_assert(cl_append(&cl, 500, 100, 0, 25) != CL_NONE);
    /* Trim: offsets and queue numbers stay; old entries are gone from memory. */
    cl_trim(&cl, 2000);
    ck_assert_uint_eq(cl.first, 20);
    ck_assert_ptr_null(cl_at(&cl, 19));
    ck_assert_uint_eq(cl_at(&cl, 20)->offset, 2000);
    ck_assert_uint_eq(cl_min_qoff(&cl, 0), 10);
    ck_assert_uint_eq(cl_qentry(&cl, 0, 9), CL_NONE);
    ck_assert_uint_eq(cl_qentry(&cl, 0, 10), 20);
    ck_assert_uint_eq(cl_find(&cl, 0), 20);
    /* What the trim forgot is told from what the log never held. */
    ck_assert(cl_trimmed(&cl, 0, 0) && cl_trimmed(&cl, 0, 9));
    ck_assert(!cl_trimmed(&cl, 0, 10) && !cl_trimmed(&cl, 0, 30));
    ck_assert(cl_phy_trimmed(&cl, 0) && cl_phy_trimmed(&cl, 1999) && !cl_phy_trimmed(&cl, 2000));
    /* A slave that starts from the master's last file. */
    cl_reset(&cl, 1 << 20);
    ck_assert(cl_append(&cl, 7, 100, 1, 4000) != CL_NONE);
    ck_assert_uint_eq(cl_at(&cl, 0)->offset, 1 << 20);
    ck_assert_uint_eq(cl_min_qoff(&cl, 1), 4000);
    ck_assert(!cl_trimmed(&cl, 1, 0) && !cl_trimmed(&cl, 1, 3999) && !cl_trimmed(&cl, 0, 5));
    ck_assert(!cl_phy_trimmed(&cl, 0) && !cl_phy_trimmed(&cl, (1 << 20) - 1));
    /* A queue trimmed empty goes on from where it was; what went is still the trim's. */
    ck_assert(cl_append(&cl, 8, 100, 1, 4001) != CL_NONE);
    cl_trim(&cl, cl.max_offset);
    ck_assert_uint_eq(cl_min_qoff(&cl, 1), 4002);
    ck_assert(cl_append(&cl, 9, 100, 1, 4002) != CL_NONE);
    ck_assert(cl_trimmed(&cl, 1, 4000) && cl_trimmed(&cl, 1, 4001) && !cl_trimmed(&cl, 1, 3999));
    cl_free(&cl);
}
END_TEST

/* Bytes no ConsumeQueue indexes (a slave's stopped reput, a repeated queue offset): in the log, not in the
 * queues, and truncating or trimming them leaves the queues alone; a fragment is not a message dropped. */
START_TEST(cl_undispatched)
{
    struct commitlog cl;
    cl_init(&cl);
    for (uint32_t i = 0; i < 10; i++)
        cl_append(&cl, i, 100, 0, cl_next_qoff(&cl, 0));
    ck_assert(cl_append_undispatched(&cl, 50, 30, 0, 7, CL_FRAGMENT) == 10);
    ck_assert(cl_append_undispatched(&cl, 51, 100, 0, 8, 0) == 11);
    ck_assert_uint_eq(cl.max_offset, 1130);
    ck_assert_uint_eq(cl_next_qoff(&cl, 0), 10);
    ck_assert_uint_eq(cl_at(&cl, 10)->flags, CL_UNDISPATCHED | CL_FRAGMENT);
    ck_assert_uint_eq(cl_at(&cl, 11)->flags, CL_UNDISPATCHED);
    ck_assert_uint_eq(cl_at(&cl, 9)->flags, 0);
    /* Queue numbering goes on after them. */
    ck_assert(cl_append(&cl, 52, 100, 0, 10) == 12);
    ck_assert_uint_eq(cl_at(&cl, cl_qentry(&cl, 0, 10))->msg, 52);
    /* Truncating at the fragment: message 51 and 52 are dropped (reported), the fragment is not. */
    dropped_count = 0;
    cl_truncate(&cl, 1000, count_drop, NULL);
    ck_assert_int_eq(dropped_count, 2);
    ck_assert_uint_eq(cl.max_offset, 1000);
    ck_assert_uint_eq(cl_next_qoff(&cl, 0), 10);
    /* Trimming past an undispatched entry keeps the queue's numbering. */
    ck_assert(cl_append_undispatched(&cl, 60, 100, 0, 3, 0) != CL_NONE);
    ck_assert(cl_append(&cl, 61, 100, 0, 10) != CL_NONE);
    cl_trim(&cl, 1100);
    ck_assert_uint_eq(cl_min_qoff(&cl, 0), 10);
    ck_assert_uint_eq(cl_at(&cl, cl_qentry(&cl, 0, 10))->msg, 61);
    cl_free(&cl);
}
END_TEST

/* Two logs that share 5 messages and then part: what each holds at the other's offsets. */
START_TEST(cl_same_at_offsets)
{
    struct commitlog a, b;
    cl_init(&a);
    cl_init(&b);
    for (uint32_t i = 0; i < 5; i++) {
        cl_append(&a, i, 100, 0, i);
        cl_append(&b, i, 100, 0, i);
    }
    cl_append(&a, 10, 100, 0, 5);    /* a: [500, 600) message 10 */
    cl_append(&b, 20, 150, 0, 5);    /* b: [500, 650) message 20, [650, 750) message 21 */
    cl_append(&b, 21, 100, 0, 6);
    ck_assert(cl_same_at(&b, cl_at(&a, 4)));
    ck_assert(!cl_same_at(&b, cl_at(&a, 5)));
    /* a takes b's bytes from 600 on: the tail of message 20, then message 21. */
    ck_assert(cl_append_undispatched(&a, 20, 50, 0, 5, CL_FRAGMENT) == 6);
    ck_assert(cl_append_undispatched(&a, 21, 100, 0, 6, 0) == 7);
    ck_assert(cl_same_at(&b, cl_at(&a, 6)));
    ck_assert(cl_same_at(&b, cl_at(&a, 7)));
    ck_assert(!cl_same_at(&b, cl_at(&a, 5)));
    /* A fragment of another message, or one that ends elsewhere, is not the same bytes. */
    struct cl_entry f = *cl_at(&a, 6);
    f.msg = 21;
    ck_assert(!cl_same_at(&b, &f));
    f.msg = 20;
    f.size = 40;
    ck_assert(!cl_same_at(&b, &f));
    /* Offsets b does not keep. */
    cl_trim(&b, 200);
    ck_assert(!cl_same_at(&b, cl_at(&a, 0)));
    ck_assert(cl_same_at(&b, cl_at(&a, 2)));
    cl_free(&a);
    cl_free(&b);
}
END_TEST

static Suite *models_suite(void)
{
    Suite *s = suite_create("models");
    TCase *t = tcase_create("redirect");
    tcase_add_loop_test(t, suggest_table, 0, (int)(sizeof suggest_rows / sizeof suggest_rows[0]));
    tcase_add_test(t, suggest_flips_at_threshold);
    tcase_add_test(t, seed_example);
    tcase_add_test(t, response_codes);
    tcase_add_test(t, batch_limits);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);
    t = tcase_create("commitlog");
    tcase_add_test(t, cl_basics);
    tcase_add_test(t, cl_truncate_and_trim);
    tcase_add_test(t, cl_find_matches_scan);
    tcase_add_test(t, cl_undispatched);
    tcase_add_test(t, cl_same_at_offsets);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run_suite(models_suite());
}
