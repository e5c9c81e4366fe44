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

int main(void)
{
    Suite *s = suite_create("acct");
    TCase *tc = tcase_create("count");
    tcase_add_test(tc, count_matches_each_message);
    suite_add_tcase(s, tc);
    return th_run_suite(s);
}
