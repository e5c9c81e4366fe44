/* test_keypath: the key-path parser in its two syntaxes: steps, where a path ends, and what is wrong where. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/buf.h"
#include "sim/keypath.h"
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The steps of text as "key" and "[index]" joined by spaces, then "|" and either "end@N" (where the path
 * ended) or "ERR@N" with the error's name and offset. A --set style path ends at an '=' when there is one. */
static void steps(const char *text, enum keypath_syntax syn, long max, char *out, size_t size)
{
    static const char *const names[] = {"ok", "no_key", "no_digits", "too_big", "no_close", "junk"};
    const char *eq = syn == KEYPATH_ANY_KEY ? strchr(text, '=') : NULL;
    struct keypath kp;
    struct keypath_step st;
    struct buf b;
    int r;
    buf_fixed(&b, out, size);
    keypath_init(&kp, text, eq ? eq : text + strlen(text), syn, max);
    if (syn == KEYPATH_NAMES)
        keypath_init(&kp, text, NULL, syn, max);
    while ((r = keypath_next(&kp, &st)) > 0) {
        if (st.key)
            buf_addf(&b, "%.*s ", (int)st.len, st.key);
        else
            buf_addf(&b, "[%ld] ", st.index);
    }
    if (r == 0)
        buf_addf(&b, "|end@%d", (int)(kp.p - text));
    else
        buf_addf(&b, "|%s@%d", names[kp.err], (int)(kp.err_at - text));
}

static const struct { const char *text; enum keypath_syntax syn; const char *want; } cases[] = {
    { "groups[0].failover.detected_ms", KEYPATH_NAMES, "groups [0] failover detected_ms |end@30" },
    { "a[1][22].b", KEYPATH_NAMES, "a [1] [22] b |end@10" },
    { "a.b / c", KEYPATH_NAMES, "a b |end@3" },             /* a path in an expression ends before " /" */
    { "a[0]b", KEYPATH_NAMES, "a [0] |end@4" },
    { "a)", KEYPATH_NAMES, "a |end@1" },
    { "a-b.c", KEYPATH_NAMES, "a |end@1" },
    { "", KEYPATH_NAMES, "|no_key@0" },
    { "9a", KEYPATH_NAMES, "|no_key@0" },
    { "a.", KEYPATH_NAMES, "a |no_key@2" },
    { "a.[0]", KEYPATH_NAMES, "a |no_key@2" },
    { "a[]", KEYPATH_NAMES, "a |no_digits@2" },
    { "a[x]", KEYPATH_NAMES, "a |no_digits@2" },
    { "a[1", KEYPATH_NAMES, "a |no_close@3" },
    { "a[1x]", KEYPATH_NAMES, "a |no_close@3" },
    { "a[999]", KEYPATH_NAMES, "a [999] |end@6" },
    { "a[1000]", KEYPATH_NAMES, "a |too_big@5" },           /* max 999: the fourth digit is too many */
    { "a[0001]", KEYPATH_NAMES, "a [1] |end@7" },

    { "run.trace=full", KEYPATH_ANY_KEY, "run trace |end@9" },
    { "brokers[1].role=slave", KEYPATH_ANY_KEY, "brokers [1] role |end@15" },
    { "odd key-1.x y=1", KEYPATH_ANY_KEY, "odd key-1 x y |end@13" },  /* keys hold anything but . [ ] */
    { "a[0][1]=1", KEYPATH_ANY_KEY, "a [0] [1] |end@7" },
    { ".a=1", KEYPATH_ANY_KEY, "|no_key@0" },
    { "a..b=1", KEYPATH_ANY_KEY, "a |no_key@2" },
    { "a.=1", KEYPATH_ANY_KEY, "a |no_key@2" },
    { "]=1", KEYPATH_ANY_KEY, "|no_key@0" },
    { "a]=1", KEYPATH_ANY_KEY, "a |junk@1" },
    { "a[0]b=1", KEYPATH_ANY_KEY, "a [0] |junk@4" },
    { "a[0]]=1", KEYPATH_ANY_KEY, "a [0] |junk@4" },
    { "a[=1", KEYPATH_ANY_KEY, "a |no_digits@2" },          /* the path ends at '=': no digits there */
    { "a[1=1", KEYPATH_ANY_KEY, "a |no_close@3" },
    { "a[-1]=1", KEYPATH_ANY_KEY, "a |no_digits@2" },
    { "a[1000]=1", KEYPATH_ANY_KEY, "a |too_big@5" },
};

START_TEST(test_steps)
{
    char got[256];
    steps(cases[_i].text, cases[_i].syn, 999, got, sizeof got);
    ck_assert_msg(strcmp(got, cases[_i].want) == 0, "[%s]: got \"%s\", want \"%s\"", cases[_i].text, got,
                  cases[_i].want);
}
END_TEST

/* The maximum is exact: INT_MAX is an index, INT_MAX + 1 is not, whatever its last digit. */
START_TEST(test_max_index)
{
    char got[256];
    steps("a[2147483647]", KEYPATH_NAMES, INT_MAX, got, sizeof got);
    ck_assert_str_eq(got, "a [2147483647] |end@13");
    steps("a[2147483648]", KEYPATH_NAMES, INT_MAX, got, sizeof got);
    ck_assert_str_eq(got, "a |too_big@11");
    steps("a[2147483650]", KEYPATH_NAMES, INT_MAX, got, sizeof got);
    ck_assert_str_eq(got, "a |too_big@11");
    steps("a[21474836470]", KEYPATH_NAMES, INT_MAX, got, sizeof got);
    ck_assert_str_eq(got, "a |too_big@12");
}
END_TEST

/* step_at: where the failing step starts, so a caller can quote the whole of a bad index. */
START_TEST(test_step_at)
{
    const char *text = "a.b[12x]";
    struct keypath kp;
    struct keypath_step st;
    keypath_init(&kp, text, NULL, KEYPATH_NAMES, 999);
    ck_assert_int_eq(keypath_next(&kp, &st), 1);
    ck_assert_int_eq(keypath_next(&kp, &st), 1);
    ck_assert_ptr_eq(kp.step_at, text + 2);
    ck_assert_int_eq(keypath_next(&kp, &st), -1);
    ck_assert_int_eq(kp.err, KEYPATH_NO_CLOSE);
    ck_assert_ptr_eq(kp.step_at, text + 3);
    ck_assert_ptr_eq(kp.err_at, text + 6);
}
END_TEST

static Suite *keypath_suite(void)
{
    Suite *s = suite_create("keypath");
    TCase *tc = tcase_create("keypath");
    tcase_add_loop_test(tc, test_steps, 0, N(cases));
    tcase_add_test(tc, test_max_index);
    tcase_add_test(tc, test_step_at);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(keypath_suite());
}
