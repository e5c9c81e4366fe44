/* test_sweep_mexpr: metric expressions (sim/lab/mexpr), what sweep and compare compute their metrics with: the
 * values good expressions give on a metrics.json, the errors bad ones give, and paths a document lacks. */
#include <check.h>
#include <cJSON.h>
#include <math.h>
#include <string.h>

#include "sim/lab/mexpr.h"
#include "models/cmd/sweep.h"
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ======================================================================================================
 * metric expressions
 * ====================================================================================================== */

static const char metrics_doc[] =
    "{\"messages\": {\"sent\": 100, \"acked\": 80, \"acked_lost\": 0},"
    " \"groups\": [{\"name\": \"a\", \"failover\": null, \"reads\": {\"master\": 30, \"slave\": 10},"
    "               \"lag\": {\"max_bytes\": 4096}},"
    "              {\"name\": \"b\", \"failover\": {\"crash_ms\": 60000, \"downtime_ms\": null},"
    "               \"reads\": {\"master\": 0, \"slave\": 0}}]}";

static const struct { const char *expr; double want; } good_exprs[] = {
    {"messages.acked", 80},
    {"groups[0].lag.max_bytes", 4096},
    {"groups[0].reads.slave / (groups[0].reads.master + groups[0].reads.slave)", 0.25},
    {"  groups[0].reads.slave/(groups[0].reads.master+groups[0].reads.slave)  ", 0.25},
    {"(messages.acked + messages.acked_lost) / messages.sent", 0.8},
    {"(messages.acked)", 80},
    {"messages.acked / (messages.sent)", 0.8},
    {"groups[1].failover.crash_ms", 60000},
    {"groups[1].failover.downtime_ms", NAN},                  /* null */
    {"groups[0].failover.downtime_ms", NAN},                  /* null on the way */
    {"groups[1].reads.slave / (groups[1].reads.master + groups[1].reads.slave)", NAN},   /* 0 / 0 */
    {"messages.acked / messages.acked_lost", NAN},            /* x / 0 */
    /* Arithmetic: * and / before + and -, left to right, parentheses, numbers, unary minus. */
    {"messages.sent - messages.acked", 20},
    {"messages.sent - messages.acked - 5", 15},               /* (100 - 80) - 5, not 100 - (80 - 5) */
    {"messages.sent / 10 / 2", 5},                            /* (100 / 10) / 2 */
    {"1 + 2 * 3", 7},
    {"(1 + 2) * 3", 9},
    {"2 * 3 + 4 * 5", 26},
    {"100 * messages.acked / messages.sent", 80},
    {"messages.acked / messages.sent * 100", 80},
    {"1 - messages.acked / messages.sent", 0.2},
    {"-messages.acked + 100", 20},
    {"- (messages.sent - messages.acked) * 2", -40},
    {"2 - -3", 5},
    {"messages.sent * 1e-3", 0.1},
    {"0.5 * groups[0].lag.max_bytes / 1024", 2},
    {".25 * 4", 1},
    {"((messages.sent))", 100},
    {"messages.acked * groups[0].failover.crash_ms", NAN},    /* null on the way, through * */
    {"1 + groups[1].failover.downtime_ms", NAN},              /* null, through + */
    {"messages.sent / (messages.acked - 80)", NAN},           /* x / 0 */
};

START_TEST(test_mexpr_good)
{
    cJSON *doc = cJSON_Parse(metrics_doc);
    ck_assert_ptr_nonnull(doc);
    char err[256];
    struct mexpr *e = mexpr_parse(good_exprs[_i].expr, err, sizeof err);
    ck_assert_msg(e != NULL, "\"%s\": %s", good_exprs[_i].expr, err);
    double v = mexpr_eval(e, doc, err, sizeof err);
    ck_assert_msg(err[0] == '\0', "\"%s\": %s", good_exprs[_i].expr, err);
    if (isnan(good_exprs[_i].want))
        ck_assert_msg(isnan(v), "\"%s\" = %g, expected NaN", good_exprs[_i].expr, v);
    else
        ck_assert_msg(fabs(v - good_exprs[_i].want) < 1e-12, "\"%s\" = %g, expected %g", good_exprs[_i].expr, v,
                      good_exprs[_i].want);
    mexpr_free(e);
    cJSON_Delete(doc);
}
END_TEST

static const struct { const char *expr, *err; } bad_exprs[] = {
    {"", "empty expression"},
    {"   ", "empty expression"},
    {"groups[0].reads.slave ^ 2", "in \"groups[0].reads.slave ^ 2\": unexpected \"^\" at column 23: expected an "
                                  "operator (+ - * /) or the end"},
    {"messages.acked +", "in \"messages.acked +\": unexpected end at column 17: expected a number, a path"},
    {"a * * b", "in \"a * * b\": unexpected \"*\" at column 5: expected a number, a path"},
    {"(a + b", "in \"(a + b\": unexpected end at column 7: expected an operator (+ - * /) or \")\""},
    {"(a + b))", "in \"(a + b))\": unexpected \")\" at column 8: expected an operator (+ - * /) or the end"},
    {"()", "in \"()\": unexpected \")\" at column 2: expected a number, a path"},
    {"a.", "in \"a.\": unexpected end at column 3: expected a key after \".\""},
    {"a..b", "unexpected \".\" at column 3: expected a key after \".\""},
    {"a[x]", "unexpected \"x\" at column 3: expected an index (digits)"},
    {"a[1", "unexpected end at column 4: expected \"]\""},
    {"a[-1]", "unexpected \"-\" at column 3: expected an index"},
    {"$.messages.acked", "unexpected \"$\" at column 1: expected a number, a path"},
    {"1 / messages.sent 2", "unexpected \"2\" at column 19: expected an operator (+ - * /) or the end"},
    {"a /", "unexpected end at column 4: expected a number, a path"},
    {"a b", "unexpected \"b\" at column 3: expected an operator (+ - * /) or the end"},
    {"1.", "unexpected end at column 3: expected a digit after \".\""},
    {"2e", "unexpected end at column 3: expected the exponent's digits"},
    {"1e999", "unexpected \"1\" at column 1: expected a number small enough for a double"},
    {"a[99999999999]", "a smaller index"},
    {"messages.acked\n", "unexpected byte 0x0a at column 15"},
    {"((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((a", "at column 65: expected fewer nested"},
};

START_TEST(test_mexpr_bad)
{
    char err[256] = "";
    struct mexpr *e = mexpr_parse(bad_exprs[_i].expr, err, sizeof err);
    ck_assert_msg(e == NULL, "\"%s\" was accepted", bad_exprs[_i].expr);
    ck_assert_msg(strstr(err, bad_exprs[_i].err) != NULL, "\"%s\": got\n  %s\nexpected\n  %s", bad_exprs[_i].expr,
                  err, bad_exprs[_i].err);
}
END_TEST

/* A path metrics.json does not have is reported (the first run checks), and reads as NaN. */
START_TEST(test_mexpr_missing_path)
{
    static const struct { const char *expr, *err; } cases[] = {
        {"groups[0].reads.slav", "groups[0].reads.slav: no key \"slav\" in metrics.json (keys there: master, slave)"},
        {"groups[5].reads.slave", "groups[5].reads.slave: index [5] is past the end of an array of 2"},
        {"messages[0]", "messages[0]: [0] indexes something that is not an array"},
        {"groups[0].name", "groups[0].name: is a string in metrics.json, not a number"},
        {"messages.acked / groups[0].reads", "groups[0].reads: is an object in metrics.json, not a number"},
    };
    cJSON *doc = cJSON_Parse(metrics_doc);
    for (int i = 0; i < N(cases); i++) {
        char err[256];
        struct mexpr *e = mexpr_parse(cases[i].expr, err, sizeof err);
        ck_assert_msg(e != NULL, "%s: %s", cases[i].expr, err);
        double v = mexpr_eval(e, doc, err, sizeof err);
        ck_assert_msg(isnan(v), "%s: %g", cases[i].expr, v);
        ck_assert_msg(strcmp(err, cases[i].err) == 0, "%s: got\n  %s\nexpected\n  %s", cases[i].expr, err,
                      cases[i].err);
        ck_assert(isnan(mexpr_eval(e, doc, NULL, 0)));
        mexpr_free(e);
    }
    cJSON_Delete(doc);
}
END_TEST

/* On the metrics.json of a run's start, a path is checked as far as that fixes it: under null, an empty object
 * or an empty array (filled as the run goes) anything is taken; elsewhere the errors are mexpr_eval's. */
START_TEST(test_mexpr_check_start)
{
    static const char start[] =
        "{\"messages\": {\"sent\": 0, \"status\": {}}, \"groups\": [{\"failover\": null, \"lag\": {\"max\": null}}],"
        " \"invariants\": {\"violations\": []}}";
    static const struct { const char *expr, *err; } cases[] = {
        {"messages.status.SUCCESS + groups[0].failover.downtime_ms", ""},
        {"invariants.violations[3].t_ms / messages.sent", ""},
        {"groups[0].lag.max", ""},
        {"messages.statuss.SUCCESS",
         "messages.statuss.SUCCESS: no key \"statuss\" in metrics.json (keys there: sent, status)"},
        {"groups[1].failover.downtime_ms",
         "groups[1].failover.downtime_ms: index [1] is past the end of an array of 1"},
        {"messages.status", "messages.status: is an object in metrics.json, not a number"},
        {"messages.sent.x", "messages.sent.x: \"x\" is not an object's key here (a value)"},
    };
    cJSON *doc = cJSON_Parse(start);
    for (int i = 0; i < N(cases); i++) {
        char err[256];
        struct mexpr *e = mexpr_parse(cases[i].expr, err, sizeof err);
        ck_assert_msg(e != NULL, "%s: %s", cases[i].expr, err);
        int rc = mexpr_check_start(e, doc, err, sizeof err);
        ck_assert_msg(rc == (cases[i].err[0] ? -1 : 0) && strcmp(err, cases[i].err) == 0,
                      "%s: %d, got\n  %s\nexpected\n  %s", cases[i].expr, rc, err, cases[i].err);
        mexpr_free(e);
    }
    cJSON_Delete(doc);
}
END_TEST

static Suite *sweep_mexpr_suite(void)
{
    Suite *s = suite_create("sweep_mexpr");
    TCase *tc = tcase_create("mexpr");
    tcase_add_loop_test(tc, test_mexpr_good, 0, N(good_exprs));
    tcase_add_loop_test(tc, test_mexpr_bad, 0, N(bad_exprs));
    tcase_add_test(tc, test_mexpr_missing_path);
    tcase_add_test(tc, test_mexpr_check_start);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(sweep_mexpr_suite());
}
