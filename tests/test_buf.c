/* test_buf: the string builder: growing on the heap, bounded in an array, and its quoting helpers. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/buf.h"
#include "sim/lab/csv.h"
#include "tests/harness.h"

START_TEST(test_growing)
{
    struct buf b = {0};
    buf_add(&b, "");
    ck_assert_ptr_nonnull(b.s);
    ck_assert_str_eq(b.s, "");
    for (int i = 0; i < 1000; i++)
        buf_addf(&b, "%d,", i % 10);
    ck_assert_uint_eq(b.len, 2000);
    ck_assert_uint_eq(strlen(b.s), 2000);
    ck_assert_int_eq(memcmp(b.s, "0,1,2,", 6), 0);
    buf_reset(&b);
    ck_assert_str_eq(b.s, "");
    buf_addn(&b, "abcdef", 3);
    buf_addc(&b, '!');
    buf_num(&b, 2.5);
    buf_num(&b, NAN);
    ck_assert_str_eq(b.s, "abc!2.5");
    ck_assert_int_eq(b.oom, 0);
    buf_free(&b);
    ck_assert_ptr_null(b.s);
    ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(test_fixed_cuts)
{
    char a[8];
    struct buf b;
    buf_fixed(&b, a, sizeof a);
    ck_assert_str_eq(a, "");
    buf_add(&b, "abc");
    buf_addf(&b, "%d", 12345);          /* 4 of the 5 digits fit */
    ck_assert_str_eq(a, "abc1234");
    ck_assert_uint_eq(b.len, 7);
    buf_addc(&b, 'x');                  /* full: nothing more */
    buf_addf(&b, "y");
    ck_assert_str_eq(a, "abc1234");
    ck_assert_int_eq(b.oom, 0);

    char z[1] = {'q'};
    buf_fixed(&b, z, 0);                /* size 0: not even the NUL is written */
    buf_add(&b, "abc");
    ck_assert_int_eq(z[0], 'q');
    buf_fixed(&b, z, 1);
    buf_add(&b, "abc");
    ck_assert_int_eq(z[0], '\0');
}
END_TEST

START_TEST(test_quote)
{
    char a[128];
    struct buf b;
    buf_fixed(&b, a, sizeof a);
    buf_quote(&b, "a\"b\\c\nd\te\x01", 64);
    ck_assert_str_eq(a, "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
    buf_fixed(&b, a, sizeof a);
    buf_quote(&b, "abcdef", 3);
    ck_assert_str_eq(a, "\"abc...\"");
    buf_fixed(&b, a, sizeof a);
    buf_quote(&b, "ab\xc3\xa9", 3);     /* not cut inside the two bytes of an e acute */
    ck_assert_str_eq(a, "\"ab...\"");
    buf_fixed(&b, a, 6);                /* cut by the array too */
    buf_quote(&b, "abcdef", 64);
    ck_assert_str_eq(a, "\"abcd");
}
END_TEST

START_TEST(test_shell_and_csv_field)
{
    struct buf b = {0};
    buf_shell(&b, "plain/path-1.json");
    buf_add(&b, " ");
    buf_shell(&b, "it's a b");
    buf_add(&b, " ");
    buf_shell(&b, "");
    ck_assert_str_eq(b.s, "plain/path-1.json 'it'\\''s a b' ''");
    buf_reset(&b);
    csv_put_field(&b, "plain");
    buf_add(&b, ",");
    csv_put_field(&b, "a,\"b\"");
    buf_add(&b, ",");
    csv_put_field(&b, "line\nend");
    ck_assert_str_eq(b.s, "plain,\"a,\"\"b\"\"\",\"line\nend\"");
    buf_free(&b);
}
END_TEST

/* A command line runs as it reads: operands first, unless one starts with '-' (then the options, "--" and the
 * operands). */
START_TEST(test_command)
{
    struct buf b = {0};
    const char *plain[] = {"a.json", "b c.json"}, *dashed[] = {"a.json", "-b.json"};
    buf_command(&b, "mqsim compare", plain, 2, " --runs 3");
    ck_assert_str_eq(b.s, "mqsim compare a.json 'b c.json' --runs 3");
    buf_reset(&b);
    buf_command(&b, "mqsim compare", dashed, 2, " --runs 3");
    ck_assert_str_eq(b.s, "mqsim compare --runs 3 -- a.json -b.json");
    buf_reset(&b);
    buf_command(&b, "mqsim sweep", dashed + 1, 1, "");
    ck_assert_str_eq(b.s, "mqsim sweep -- -b.json");
    buf_free(&b);
}
END_TEST

static Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf");
    tcase_add_test(tc, test_growing);
    tcase_add_test(tc, test_fixed_cuts);
    tcase_add_test(tc, test_quote);
    tcase_add_test(tc, test_shell_and_csv_field);
    tcase_add_test(tc, test_command);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(buf_suite());
}
