/* Unit tests for the JSON Lines trace (sim/trace): levels, times, fields, escapes, buffering and write errors. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/trace.h"
#include "tests/harness.h"

/* One event at time t with no fields, as the trace writes it. */
static char *trace_one(sim_time t)
{
    FILE *f = tmpfile();
    struct trace tr;
    char *s;

    ck_assert_ptr_nonnull(f);
    trace_init(&tr, TRACE_EVENTS, f);
    trace_begin(&tr, t, "n", "e");
    trace_end(&tr);
    ck_assert_int_eq(trace_flush(&tr), 0);
    trace_free(&tr);
    s = th_read_stream(f, NULL);
    fclose(f);
    return s;
}

START_TEST(test_trace_level_parse)
{
    ck_assert_int_eq(trace_level_parse("off"), TRACE_OFF);
    ck_assert_int_eq(trace_level_parse("events"), TRACE_EVENTS);
    ck_assert_int_eq(trace_level_parse("full"), TRACE_FULL);
    ck_assert_int_eq(trace_level_parse("Full"), -1);
    ck_assert_int_eq(trace_level_parse(""), -1);
    ck_assert_int_eq(trace_level_parse("event"), -1);
}
END_TEST

START_TEST(test_trace_t_ms)
{
    static const struct { sim_time t; const char *ms; } cases[] = {
        {12345000, "12.345"}, {12345678, "12.345678"}, {0, "0.000"}, {-1500000, "-1.500"},
        {1, "0.000001"}, {10, "0.00001"}, {1000, "0.001"}, {1000000, "1.000"}, {-1, "-0.000001"},
        {1234567890, "1234.56789"}, {30 * SIM_S, "30000.000"},
        {INT64_MAX, "9223372036854.775807"}, {INT64_MIN, "-9223372036854.775808"},
    };
    char want[128];
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = trace_one(cases[i].t);
        snprintf(want, sizeof want, "{\"t_ms\":%s,\"node\":\"n\",\"ev\":\"e\"}\n", cases[i].ms);
        ck_assert_str_eq(s, want);
        free(s);
    }
}
END_TEST

START_TEST(test_trace_fields)
{
    FILE *f = tmpfile();
    struct trace tr;
    char *s;

    ck_assert_ptr_nonnull(f);
    trace_init(&tr, TRACE_FULL, f);
    ck_assert(trace_on(&tr, TRACE_EVENTS));
    ck_assert(trace_on(&tr, TRACE_FULL));
    trace_begin(&tr, 12345000, "broker-a-0", "ha.connect");
    trace_str(&tr, "peer", "x");
    trace_int(&tr, "offset", 123);
    trace_int(&tr, "neg", -42);
    trace_int(&tr, "min", INT64_MIN);
    trace_uint(&tr, "max", UINT64_MAX);
    trace_uint(&tr, "zero", 0);
    trace_str(&tr, "none", NULL);
    trace_double(&tr, "half", 2.5);
    trace_double(&tr, "third", 1.0 / 3);
    trace_double(&tr, "whole", 7);
    trace_double(&tr, "nan", NAN);
    trace_double(&tr, "inf", INFINITY);
    trace_bool(&tr, "yes", 1);
    trace_bool(&tr, "no", 0);
    trace_time_ms(&tr, "deadline_ms", 42 * SIM_MS + 500);
    trace_end(&tr);
    trace_begin(&tr, 0, "c", "tick");
    trace_end(&tr);
    ck_assert_int_eq(trace_flush(&tr), 0);
    trace_free(&tr);
    s = th_read_stream(f, NULL);
    ck_assert_str_eq(s,
        "{\"t_ms\":12.345,\"node\":\"broker-a-0\",\"ev\":\"ha.connect\",\"peer\":\"x\",\"offset\":123,"
        "\"neg\":-42,\"min\":-9223372036854775808,\"max\":18446744073709551615,\"zero\":0,\"none\":null,"
        "\"half\":2.5,\"third\":0.333333,\"whole\":7,\"nan\":null,\"inf\":null,\"yes\":true,\"no\":false,"
        "\"deadline_ms\":42.0005}\n"
        "{\"t_ms\":0.000,\"node\":\"c\",\"ev\":\"tick\"}\n");
    free(s);
    fclose(f);
}
END_TEST

START_TEST(test_trace_escape)
{
    FILE *f = tmpfile();
    struct trace tr;
    char *s;

    ck_assert_ptr_nonnull(f);
    trace_init(&tr, TRACE_EVENTS, f);
    trace_begin(&tr, 1000000, "a\"b\\c", "ev\n");
    trace_str(&tr, "s", "tab\there\r\nx\x01\x1f\x7f caf\xc3\xa9 \"q\" \\");
    trace_str(&tr, "empty", "");
    trace_end(&tr);
    ck_assert_int_eq(trace_flush(&tr), 0);
    trace_free(&tr);
    s = th_read_stream(f, NULL);
    ck_assert_str_eq(s,
        "{\"t_ms\":1.000,\"node\":\"a\\\"b\\\\c\",\"ev\":\"ev\\u000a\","
        "\"s\":\"tab\\u0009here\\u000d\\u000ax\\u0001\\u001f\x7f caf\xc3\xa9 \\\"q\\\" \\\\\","
        "\"empty\":\"\"}\n");
    free(s);
    fclose(f);
}
END_TEST

START_TEST(test_trace_off_writes_nothing)
{
    FILE *f = tmpfile();
    struct trace tr;

    /* Off with no file at all, the usual case for --trace off. */
    trace_init(&tr, TRACE_OFF, NULL);
    ck_assert(!trace_on(&tr, TRACE_EVENTS));
    ck_assert(!trace_on(&tr, TRACE_FULL));
    trace_begin(&tr, 1, "n", "e");
    trace_int(&tr, "k", 1);
    trace_str(&tr, "s", "v");
    trace_end(&tr);
    ck_assert_int_eq(trace_flush(&tr), 0);
    trace_free(&tr);

    /* Off with a file: the file stays empty. */
    ck_assert_ptr_nonnull(f);
    trace_init(&tr, TRACE_OFF, f);
    trace_begin(&tr, 1, "n", "e");
    trace_double(&tr, "d", 1.5);
    trace_end(&tr);
    ck_assert_int_eq(trace_flush(&tr), 0);
    trace_free(&tr);
    fseek(f, 0, SEEK_END);
    ck_assert_int_eq(ftell(f), 0);

    /* "events" leaves out what only "full" asks for. */
    trace_init(&tr, TRACE_EVENTS, f);
    ck_assert(trace_on(&tr, TRACE_EVENTS));
    ck_assert(!trace_on(&tr, TRACE_FULL));
    trace_free(&tr);
    fclose(f);
}
END_TEST

START_TEST(test_trace_many_events)
{
    enum { N = 100000 };
    FILE *f = tmpfile();
    struct trace tr;
    char *s, *line, *nl;
    size_t len;
    long i, lines = 0, bad = 0;

    ck_assert_ptr_nonnull(f);
    trace_init(&tr, TRACE_FULL, f);
    for (i = 0; i < N; i++) {
        trace_begin(&tr, (sim_time)i * 1500 * SIM_US + i, i % 2 ? "broker-a-0" : "broker-a-1", "commit");
        trace_int(&tr, "i", i);
        trace_uint(&tr, "offset", (uint64_t)i * 4096);
        trace_str(&tr, "peer", "producer-0");
        trace_end(&tr);
    }
    ck_assert_int_eq(trace_flush(&tr), 0);
    trace_free(&tr);
    s = th_read_stream(f, &len);
    fclose(f);

    /* Every line whole and in order: several buffer drains happened in between. Each line is copied
     * out before it is searched: ASan's string interceptors take the length of the whole rest of the
     * buffer on every call, which makes a search in place quadratic. Bad lines are counted rather than
     * asserted one by one, since each ck_assert writes to Check's log in fork mode. */
    for (line = s; line < s + len && (nl = memchr(line, '\n', (size_t)(s + len - line))) != NULL;
         line = nl + 1) {
        char one[256];
        const char *key;
        size_t n = (size_t)(nl - line);

        if (n >= sizeof one) {
            bad++;
            continue;
        }
        memcpy(one, line, n);
        one[n] = '\0';
        key = strstr(one, ",\"i\":");
        if (strncmp(one, "{\"t_ms\":", 8) != 0 || one[n - 1] != '}' || key == NULL ||
            strtol(key + 5, NULL, 10) != lines)
            bad++;
        lines++;
    }
    ck_assert(line == s + len);     /* no unterminated last line */
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(lines, N);
    ck_assert_ptr_nonnull(strstr(s, "{\"t_ms\":81481.554321,\"node\":\"broker-a-0\",\"ev\":\"commit\","
                                    "\"i\":54321,\"offset\":222498816,\"peer\":\"producer-0\"}\n"));
    free(s);
}
END_TEST

/* Events larger than the slack and a string larger than the whole buffer: output must equal, byte for
 * byte, what was asked for. */
START_TEST(test_trace_huge_string)
{
    enum { BIG = 700 * 1024, MID = 6000, NMID = 200 };
    FILE *f = tmpfile();
    struct trace tr;
    char *big = malloc(BIG + 1), *mid = malloc(MID + 1), *want, *s, *w;
    size_t len, i;

    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(big);
    ck_assert_ptr_nonnull(mid);
    for (i = 0; i < BIG; i++)
        big[i] = (char)('a' + i % 26);
    big[BIG] = '\0';
    big[100] = '"';             /* an escape early on, */
    big[BIG - 10] = '\n';       /* and one past the first buffer's worth */
    memset(mid, 'm', MID);
    mid[MID] = '\0';

    trace_init(&tr, TRACE_EVENTS, f);
    for (i = 0; i < NMID; i++) {
        trace_begin(&tr, 1, "n", "mid");
        trace_str(&tr, "s", mid);
        trace_end(&tr);
    }
    trace_begin(&tr, 2, "n", "big");
    trace_str(&tr, "s", big);
    trace_end(&tr);
    trace_begin(&tr, 3, "n", "after");
    trace_end(&tr);
    ck_assert_int_eq(trace_flush(&tr), 0);
    trace_free(&tr);
    s = th_read_stream(f, &len);
    fclose(f);

    want = malloc((size_t)NMID * (MID + 64) + BIG + 256);
    ck_assert_ptr_nonnull(want);
    w = want;
    for (i = 0; i < NMID; i++)
        w += sprintf(w, "{\"t_ms\":0.000001,\"node\":\"n\",\"ev\":\"mid\",\"s\":\"%s\"}\n", mid);
    w += sprintf(w, "{\"t_ms\":0.000002,\"node\":\"n\",\"ev\":\"big\",\"s\":\"");
    memcpy(w, big, 100);
    w += 100;
    w += sprintf(w, "\\\"");
    memcpy(w, big + 101, BIG - 10 - 101);
    w += BIG - 10 - 101;
    w += sprintf(w, "\\u000a%s\"}\n", big + BIG - 9);
    w += sprintf(w, "{\"t_ms\":0.000003,\"node\":\"n\",\"ev\":\"after\"}\n");
    ck_assert_uint_eq(len, (size_t)(w - want));
    ck_assert(memcmp(s, want, len) == 0);
    free(want);
    free(s);
    free(big);
    free(mid);
}
END_TEST

START_TEST(test_trace_write_error)
{
    FILE *f = fopen("/dev/full", "w");
    struct trace tr;
    int i;

    if (f == NULL)
        return;     /* no /dev/full here: nothing to test against */
    trace_init(&tr, TRACE_EVENTS, f);
    for (i = 0; i < 20000; i++) {  /* more than the buffer, so a drain fails before the flush */
        trace_begin(&tr, i, "n", "e");
        trace_end(&tr);
    }
    ck_assert_int_eq(trace_flush(&tr), -1);
    ck_assert_int_eq(tr.err, ENOSPC);
    ck_assert(!trace_on(&tr, TRACE_EVENTS));   /* callers stop formatting for a trace going nowhere */
    ck_assert_int_eq(trace_flush(&tr), -1);    /* and the error stays */
    trace_free(&tr);
    fclose(f);
}
END_TEST

static Suite *output_trace_suite(void)
{
    Suite *s = suite_create("output_trace");
    TCase *tc = tcase_create("trace");
    tcase_add_test(tc, test_trace_level_parse);
    tcase_add_test(tc, test_trace_t_ms);
    tcase_add_test(tc, test_trace_fields);
    tcase_add_test(tc, test_trace_escape);
    tcase_add_test(tc, test_trace_off_writes_nothing);
    tcase_add_test(tc, test_trace_many_events);
    tcase_add_test(tc, test_trace_huge_string);
    tcase_add_test(tc, test_trace_write_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(output_trace_suite());
}
