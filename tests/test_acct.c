/* test_acct: acct_count against a count message by message, over a window of mixed fates (groups, replicas,
 * statuses, consumption, failures and pending sends) on both sides of the liveness cut-off and after a fold. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "models/report/acct.h"
#include "sim/rng.h"
#include "tests/harness.h"

/* Asks about one group (-1: any) with a stored mask test and flags that must be set. */
struct ask {
    int group;
    unsigned alive;             /* counts when mask & alive == 0 (0: any mask) */
    unsigned need;
    unsigned asked;             /* how many times want ran */
};

static int want(void *ctx, int g, unsigned mask, unsigned flags)
{
    struct ask *a = ctx;
    a->asked++;
    if (a->group >= 0 && g != a->group)
        return 0;
    if (a->alive && (mask & a->alive))
        return 0;
    return (flags & a->need) == a->need;
}

/* The same question asked of each message in the window, without acct_count. */
static uint64_t by_hand(const struct acct *a, const struct ask *q)
{
    uint64_t n = 0;
    for (uint32_t m = acct_first(a); m < a->n; m++) {
        if (acct_result_of(a, m) != ACCT_ACKED || acct_group_of(a, m) < 0)
            continue;
        unsigned flags = (acct_status_of(a, m) == RMQ_SUCCESS ? ACCT_F_SUCCESS : 0) |
                         (acct_consumed_count(a, m) == 0 ? ACCT_F_UNREAD : 0) | (m < a->cutoff ? ACCT_F_EARLY : 0);
        struct ask copy = *q;
        n += want(&copy, acct_group_of(a, m), acct_stored_mask(a, m), flags) != 0;
    }
    return n;
}

START_TEST(count_matches_each_message)
{
    struct acct a;
    ck_assert_int_eq(acct_init(&a), 0);
    struct sim_rng *r = sim_rng_new(11, "test", "acct");
    enum { N = 20000 };
    static const int statuses[] = {RMQ_SUCCESS, RMQ_SUCCESS, RMQ_SUCCESS, RMQ_FLUSH_SLAVE_TIMEOUT, RMQ_TIMEOUT};
    for (uint32_t i = 0; i < N; i++) {
        uint32_t m = acct_new(&a);
        int g = (int)sim_rng_below(r, 3);
        /* runs of alike messages, broken now and then, as a real window is */
        int odd = sim_rng_below(r, 8) == 0;
        acct_stored(&a, m, g, 0, 1);
        if (!odd || sim_rng_below(r, 2))
            acct_stored(&a, m, g, 1, 1);
        if (odd && sim_rng_below(r, 2))
            acct_stored(&a, m, g, 0, 0);
        if (!odd || i < N / 4 || sim_rng_below(r, 4))   /* the first quarter settles */
            acct_result(&a, m, g, statuses[odd ? sim_rng_below(r, 5) : 0]);
        for (uint64_t c = odd ? sim_rng_below(r, 3) : 1; c > 0; c--)
            acct_consumed(&a, m);
        if (i == N / 2)
            acct_cutoff(&a);
    }
    for (uint32_t m = 0; m < N / 4; m++) {   /* unpinned: the first quarter can fold */
        acct_unpin(&a, m);
        acct_unpin(&a, m);
    }
    struct ask qs[] = {
        {.group = -1}, {.group = 1}, {.group = -1, .alive = 1}, {.group = 2, .alive = 3},
        {.group = -1, .need = ACCT_F_SUCCESS}, {.group = -1, .need = ACCT_F_EARLY | ACCT_F_UNREAD},
        {.group = 0, .need = ACCT_F_UNREAD}, {.group = -1, .alive = 2, .need = ACCT_F_EARLY},
    };
    enum { Q = sizeof qs / sizeof qs[0] };
    uint64_t expect[Q];
    for (size_t k = 0; k < Q; k++)
        expect[k] = by_hand(&a, &qs[k]);
    /* The whole window, then a quarter folded into the counters and the rest in the window: the same. */
    for (int fold = 0; fold < 2; fold++) {
        for (size_t k = 0; k < Q; k++) {
            struct ask q = qs[k];
            uint64_t got = acct_count(&a, want, &q);
            ck_assert_msg(got == expect[k], "fold %d question %zu: %llu vs %llu", fold, k, (unsigned long long)got,
                          (unsigned long long)expect[k]);
            ck_assert_uint_lt(q.asked, N / 4);   /* not once a message */
        }
        acct_fold(&a, 0);
        acct_fold(&a, 2 * ACCT_GRACE);
        ck_assert_uint_eq(acct_first(&a), N / 4);
    }
    sim_rng_free(r);
    acct_free(&a);
}
END_TEST

/* A send whose first attempt was stored on group 0's master but got no answer (its process died), retried and
 * acknowledged on group 1: group 0's copy is then lost (that host crashes, its page cache unflushed). That
 * drop is of replica 0 of group 0, not of group 1's master, which still holds the acknowledged message: it
 * is not lost, and it stays in group 1's backlog. Group 0's stores after the retry (its slave replicating the
 * old copy) do not count either. */
START_TEST(retry_on_another_group_keeps_its_own_replicas)
{
    struct acct a;
    ck_assert_int_eq(acct_init(&a), 0);
    uint32_t m = acct_new(&a);
    acct_attempt(&a, m, 0);
    ck_assert_int_eq(acct_stored(&a, m, 0, 0, 1), 0);
    acct_attempt(&a, m, 1);
    ck_assert_int_eq(acct_stored(&a, m, 1, 0, 1), 0);
    ck_assert_int_eq(acct_stored(&a, m, 0, 1, 1), 0);
    ck_assert_int_eq(acct_result(&a, m, 1, RMQ_SUCCESS), 1);       /* joins group 1's backlog */
    ck_assert_int_eq(acct_stored(&a, m, 1, 1, 1), 0);
    ck_assert_int_eq(acct_stored(&a, m, 0, 0, 0), 0);               /* group 0's copy gone: no change */
    ck_assert_int_eq(acct_stored(&a, m, 0, 1, 0), 0);
    ck_assert_int_eq(acct_group_of(&a, m), 1);
    ck_assert_uint_eq(acct_stored_mask(&a, m), 3);
    unsigned alive[2] = {1, 1};                                      /* each group's master, replica 0 */
    ck_assert_uint_eq(acct_acked_lost(&a, alive, 2), 0);
    ck_assert_int_eq(acct_stored(&a, m, 1, 0, 0), 0);               /* group 1's master loses it: the slave has it */
    ck_assert_uint_eq(acct_acked_lost(&a, alive, 2), 1);
    ck_assert_int_eq(acct_stored(&a, m, 1, 1, 0), -1);              /* and the slave: it leaves the backlog */
    acct_free(&a);
}
END_TEST

/* The same end to end (5.3, two SYNC_MASTER groups flushing synchronously, seed 20): broker-a-0's process
 * dies at 72.736 s with message 28695 stored and unanswered, the producer retries it on broker-b at once
 * (fail_fast_on_close), and broker-a-0's host crash at 75.422 s takes the unflushed copy. broker-b's master
 * still holds it: nothing acknowledged is lost (it was counted lost, and the SYNC_MASTER check failed). */
START_TEST(retry_on_another_group_end_to_end)
{
    struct th_run r;
    th_run(&r,
           "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 100000, \"seed\": 20, \"trace\": \"full\"},"
           TH_SYNC_FLUSH_PAIR("", "")
           " \"consumers\": {\"count\": 2},"
           " \"faults\": [{\"at_ms\": 59643, \"op\": \"crash_host\", \"node\": \"broker-b-0\", \"duration_ms\": 5117},"
           "  {\"at_ms\": 72736, \"op\": \"crash_process\", \"node\": \"broker-a-0\", \"duration_ms\": 13903},"
           "  {\"at_ms\": 75422, \"op\": \"crash_host\", \"node\": \"broker-a-0\", \"duration_ms\": 4465}]}",
           NULL, 0);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"send.ack\",\"msg\":28695,",
                              "\"group\":\"broker-b\",\"status\":\"SUCCESS\",\"attempts\":2", 72736, 72738), 1);
    ck_assert_double_eq(th_num(r.m, "messages.acked_lost"), 0);
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    th_run_free(&r);
}
END_TEST

/* A retry to the same group after an attempt that stored the message and got no answer: every replica may
 * hold two copies. Dropping one (a truncation, an unflushed page cache) leaves the replica holding the other,
 * and only the last copy's drop takes its bit; the copies' table empties as they go, and when the message
 * leaves the window with copies still in memory at its fold. */
START_TEST(a_second_copy_on_a_replica_outlives_the_first_drop)
{
    struct acct a;
    ck_assert_int_eq(acct_init(&a), 0);
    uint32_t m = acct_new(&a);
    acct_attempt(&a, m, 0);
    ck_assert_int_eq(acct_stored(&a, m, 0, 0, 1), 0);               /* the first attempt's copy */
    ck_assert_int_eq(acct_stored(&a, m, 0, 1, 1), 0);
    acct_attempt(&a, m, 0);                                          /* the retry, to the same group */
    ck_assert_int_eq(acct_stored(&a, m, 0, 0, 1), 0);
    ck_assert_int_eq(acct_result(&a, m, 0, RMQ_SUCCESS), 1);
    ck_assert_int_eq(acct_stored(&a, m, 0, 1, 1), 0);
    ck_assert_uint_eq(a.copies_n, 2);
    ck_assert_int_eq(acct_stored(&a, m, 0, 0, 0), 0);               /* the master drops one copy */
    ck_assert_uint_eq(acct_stored_mask(&a, m), 3);
    unsigned master[1] = {1};
    ck_assert_uint_eq(acct_acked_lost(&a, master, 1), 0);
    ck_assert_int_eq(acct_stored(&a, m, 0, 0, 0), 0);               /* and the other: the slave holds it */
    ck_assert_uint_eq(acct_stored_mask(&a, m), 2);
    ck_assert_uint_eq(acct_acked_lost(&a, master, 1), 1);
    ck_assert_uint_eq(a.copies_n, 1);
    ck_assert_int_eq(acct_stored(&a, m, 0, 1, 0), 0);
    ck_assert_int_eq(acct_stored(&a, m, 0, 1, 0), -1);              /* the slave's last copy: out of the backlog */
    ck_assert_uint_eq(a.copies_n, 0);
    /* Copies trimmed, never dropped, leave the table when the message is folded. */
    uint32_t k = acct_new(&a);
    acct_attempt(&a, k, 0);
    acct_stored(&a, k, 0, 0, 1);
    acct_stored(&a, k, 0, 0, 1);
    acct_result(&a, k, 0, RMQ_SUCCESS);
    ck_assert_uint_eq(a.copies_n, 1);
    acct_unpin(&a, k);
    acct_unpin(&a, k);
    acct_fold(&a, 0);
    acct_fold(&a, ACCT_GRACE + 1);
    ck_assert_uint_eq(acct_first(&a), 2);
    ck_assert_uint_eq(a.copies_n, 0);
    acct_free(&a);
}
END_TEST

/* Many messages with second copies on several replicas, dropped in a shuffled order: the table (open
 * addressing, deletion by moving entries back) must find every entry after others left. */
START_TEST(copies_table_survives_deletions)
{
    struct acct a;
    ck_assert_int_eq(acct_init(&a), 0);
    enum { N = 3000 };
    for (uint32_t i = 0; i < N; i++) {
        uint32_t m = acct_new(&a);
        acct_attempt(&a, m, 0);
        for (int r = 0; r < 3; r++) {
            acct_stored(&a, m, 0, r, 1);
            acct_stored(&a, m, 0, r, 1);
        }
    }
    ck_assert_uint_eq(a.copies_n, 3 * N);
    for (uint32_t step = 0; step < 3 * N; step++) {
        uint32_t j = (step * 7919u) % (3 * N);   /* 7919 is prime to 3N: every (message, replica) once */
        uint32_t m = j / 3;
        int r = (int)(j % 3);
        acct_stored(&a, m, 0, r, 0);
        ck_assert_uint_eq(acct_stored_mask(&a, m) >> r & 1, 1);       /* one copy left */
    }
    ck_assert_uint_eq(a.copies_n, 0);
    for (uint32_t m = 0; m < N; m++)
        for (int r = 0; r < 3; r++)
            acct_stored(&a, m, 0, r, 0);
    for (uint32_t m = 0; m < N; m++)
        ck_assert_uint_eq(acct_stored_mask(&a, m), 0);
    acct_free(&a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("acct");
    TCase *tc = tcase_create("count");
    tcase_add_test(tc, count_matches_each_message);
    tcase_add_test(tc, retry_on_another_group_keeps_its_own_replicas);
    tcase_add_test(tc, retry_on_another_group_end_to_end);
    tcase_add_test(tc, a_second_copy_on_a_replica_outlives_the_first_drop);
    tcase_add_test(tc, copies_table_survives_deletions);
    suite_add_tcase(s, tc);
    return th_run_suite(s);
}
