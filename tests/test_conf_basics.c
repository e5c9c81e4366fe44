/* test_conf_basics: the strict JSON configuration reader's error format, JSON paths, value descriptions,
 * children, and the check for unknown keys. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/conf.h"
#include "tests/harness.h"

#define FILE_NAME "t.json"

START_TEST(test_fail_format)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    ck_assert_int_eq(c.failed, 0);
    ck_assert_str_eq(c.err, "");
    ck_assert_int_eq(conf_fail(&c, "$.a[1].b", "bad %d", 7), -1);
    ck_assert_int_eq(c.failed, 1);
    ck_assert_str_eq(c.err, "t.json: $.a[1].b: bad 7");

    /* The first error wins. */
    ck_assert_int_eq(conf_fail(&c, "$.x", "second"), -1);
    ck_assert_str_eq(c.err, "t.json: $.a[1].b: bad 7");

    /* No path: an error about the file itself. */
    conf_init(&c, "f.json");
    conf_fail(&c, NULL, "cannot open: %s", "gone");
    ck_assert_str_eq(c.err, "f.json: cannot open: gone");

    /* One line a problem, whatever ends up in the message. */
    conf_init(&c, "a\nb.json");
    conf_fail(&c, "$", "x\ty");
    ck_assert_str_eq(c.err, "a?b.json: $: x?y");

    /* A very long message is cut, never overflowed. */
    char big[3000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    conf_init(&c, FILE_NAME);
    conf_fail(&c, "$", "%s", big);
    ck_assert_uint_eq(strlen(c.err), sizeof c.err - 1);
}
END_TEST

START_TEST(test_paths)
{
    char buf[64], small[8];
    ck_assert_str_eq(conf_path_key(buf, sizeof buf, "$", "run"), "$.run");
    ck_assert_str_eq(conf_path_key(buf, sizeof buf, NULL, "run"), "$.run");
    ck_assert_str_eq(conf_path_index(buf, sizeof buf, "$.brokers", 1), "$.brokers[1]");
    ck_assert_str_eq(conf_path_key(buf, sizeof buf, "$.a", "max_ms-2"), "$.a.max_ms-2");
    /* Keys that would read as path syntax are bracketed and quoted. */
    ck_assert_str_eq(conf_path_key(buf, sizeof buf, "$", "a.b"), "$[\"a.b\"]");
    ck_assert_str_eq(conf_path_key(buf, sizeof buf, "$", ""), "$[\"\"]");
    ck_assert_str_eq(conf_path_key(buf, sizeof buf, "$", "a\nb"), "$[\"a\\nb\"]");

    /* Appending in place. */
    strcpy(buf, "$.x");
    conf_path_index(buf, sizeof buf, buf, 2);
    conf_path_key(buf, sizeof buf, buf, "y");
    ck_assert_str_eq(buf, "$.x[2].y");

    /* Truncation: always NUL-terminated within size. */
    ck_assert_str_eq(conf_path_key(small, sizeof small, "$.abcdef", "ghij"), "$.abcde");
    ck_assert_str_eq(conf_path_key(small, sizeof small, "$", "abcdefghij"), "$.abcde");
    ck_assert_str_eq(conf_path_index(small, sizeof small, "$.ab", 123456), "$.ab[12");
    ck_assert_str_eq(conf_path_key(small, 1, "$", "a"), "");
    small[0] = 'q';
    conf_path_key(small, 0, "$", "a");          /* size 0: nothing written */
    ck_assert_int_eq(small[0], 'q');
}
END_TEST

static const struct {
    const char *json;   /* the value is {"v": JSON}["v"] */
    const char *want;
} describe_cases[] = {
    { "\"x\"", "string \"x\"" },
    { "\"\"", "string \"\"" },
    { "\"a\\nb\\\"c\"", "string \"a\\nb\\\"c\"" },
    { "\"0123456789012345678901234567890123456789XYZ\"", "string \"0123456789012345678901234567890123456789...\"" },
    { "3.5", "number 3.5" },
    { "-2", "number -2" },
    { "1000000", "number 1000000" },
    { "0.1", "number 0.1" },
    { "1e300", "number 1e+300" },
    { "1e400", "number inf" },
    { "true", "true" },
    { "false", "false" },
    { "null", "null" },
    { "{\"a\":1}", "an object" },
    { "[1,2]", "an array" },
};

START_TEST(test_describe)
{
    char text[256], buf[96];
    snprintf(text, sizeof text, "{\"v\": %s}", describe_cases[_i].json);
    cJSON *root = th_json(text);
    ck_assert_str_eq(conf_describe(cJSON_GetObjectItemCaseSensitive(root, "v"), buf, sizeof buf),
                     describe_cases[_i].want);
    cJSON_Delete(root);
}
END_TEST

START_TEST(test_describe_small_buffer)
{
    char buf[8];
    cJSON *v = cJSON_CreateString("a long string");
    ck_assert_str_eq(conf_describe(v, buf, sizeof buf), "string ");
    ck_assert_str_eq(conf_describe(NULL, buf, sizeof buf), "nothing");
    cJSON_Delete(v);
}
END_TEST

START_TEST(test_child)
{
    cJSON *root = th_json("{\"Seed\": 1, \"seed\": 2, \"list\": [1]}");
    ck_assert_ptr_null(conf_child(root, "SEED"));
    ck_assert_int_eq(conf_child(root, "Seed")->valueint, 1);
    ck_assert_int_eq(conf_child(root, "seed")->valueint, 2);
    ck_assert_ptr_null(conf_child(root, "absent"));
    ck_assert_ptr_null(conf_child(conf_child(root, "list"), "x"));   /* not an object */
    ck_assert_ptr_null(conf_child(NULL, "x"));
    cJSON_Delete(root);
}
END_TEST

static const char *const run_keys[] = { "seed", "runs", "trace", NULL };

static const char *const abc_keys[] = { "a", "b", "c", NULL };

static const char *const tie_keys[] = { "abc", "abd", NULL };

static const char *const speed_keys[] = { "seed", "speed", NULL };

static const char *const long_keys[] = { "abcdefghijkl", NULL };

static const char *const no_keys[] = { NULL };

static const struct {
    const char *json;
    const char *const *allowed;
    const char *err;    /* NULL: accepted */
} keys_cases[] = {
    { "{}", run_keys, NULL },
    { "{\"seed\": 1, \"trace\": \"off\"}", run_keys, NULL },
    { "{\"sed\": 1}", run_keys, "t.json: $.run.sed: unknown key \"sed\" (did you mean \"seed\"?)" },
    { "{\"seed\": 1, \"Runs\": 2}", run_keys, "t.json: $.run.Runs: unknown key \"Runs\" (did you mean \"runs\"?)" },
    { "{\"xyz\": 1}", abc_keys, "t.json: $.run.xyz: unknown key \"xyz\" (expected one of: \"a\", \"b\", \"c\")" },
    /* One letter against one letter is a full rewrite, not a typo. */
    { "{\"x\": 1}", abc_keys, "t.json: $.run.x: unknown key \"x\" (expected one of: \"a\", \"b\", \"c\")" },
    { "{\"nothing_alike\": 1}", run_keys,
      "t.json: $.run.nothing_alike: unknown key \"nothing_alike\" (expected one of: \"seed\", \"runs\", \"trace\")" },
    /* Ties go to the first allowed key; otherwise the closest wins. */
    { "{\"abx\": 1}", tie_keys, "t.json: $.run.abx: unknown key \"abx\" (did you mean \"abc\"?)" },
    { "{\"speeed\": 1}", speed_keys, "t.json: $.run.speeed: unknown key \"speeed\" (did you mean \"speed\"?)" },
    /* Long keys: up to a third of the length may differ. */
    { "{\"abcXefYhijZl\": 1}", long_keys,
      "t.json: $.run.abcXefYhijZl: unknown key \"abcXefYhijZl\" (did you mean \"abcdefghijkl\"?)" },
    { "{\"aXXXXfghijkl\": 1}", long_keys,
      "t.json: $.run.aXXXXfghijkl: unknown key \"aXXXXfghijkl\" (did you mean \"abcdefghijkl\"?)" },
    { "{\"XXXXXfghijkl\": 1}", long_keys,
      "t.json: $.run.XXXXXfghijkl: unknown key \"XXXXXfghijkl\" (expected one of: \"abcdefghijkl\")" },
    { "{\"a\": 1}", no_keys, "t.json: $.run.a: unknown key \"a\" (no keys are allowed here)" },
    /* A key that is no identifier is quoted in the path and escaped everywhere. */
    { "{\"se\\ned\": 1}", run_keys, "t.json: $.run[\"se\\ned\"]: unknown key \"se\\ned\" (did you mean \"seed\"?)" },
    /* cJSON keeps both copies of a repeated key; we do not. */
    { "{\"seed\": 1, \"runs\": 2, \"seed\": 3}", run_keys, "t.json: $.run.seed: duplicate key \"seed\"" },
    /* The first problem in document order is the one reported. */
    { "{\"sed\": 1, \"runs\": 2, \"runs\": 3}", run_keys,
      "t.json: $.run.sed: unknown key \"sed\" (did you mean \"seed\"?)" },
    { "[1]", run_keys, "t.json: $.run: expected an object, got an array" },
    { "\"run\"", run_keys, "t.json: $.run: expected an object, got string \"run\"" },
};

START_TEST(test_keys)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *obj = th_json(keys_cases[_i].json);
    int rc = conf_keys(&c, obj, "$.run", keys_cases[_i].allowed);
    if (keys_cases[_i].err == NULL) {
        ck_assert_msg(rc == 0, "row %d: unexpected error: %s", _i, c.err);
        ck_assert_int_eq(c.failed, 0);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_str_eq(c.err, keys_cases[_i].err);
    }
    cJSON_Delete(obj);
}
END_TEST

START_TEST(test_keys_long_list)
{
    /* Many allowed keys: the list is cut with "..." and the message still fits. */
    char names[100][24];
    const char *allowed[101];
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "key_number_%03d", i);
        allowed[i] = names[i];
    }
    allowed[100] = NULL;
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *obj = th_json("{\"zzzzzzzzzzzzzzzzzzzz\": 1}");
    ck_assert_int_eq(conf_keys(&c, obj, "$", allowed), -1);
    ck_assert_ptr_nonnull(strstr(c.err, "unknown key \"zzzzzzzzzzzzzzzzzzzz\" (expected one of: \"key_number_000\", "));
    size_t n = strlen(c.err);
    ck_assert_uint_lt(n, sizeof c.err - 1);
    ck_assert_str_eq(c.err + n - 6, ", ...)");
    cJSON_Delete(obj);

    /* An absent section has no unknown keys. */
    conf_init(&c, FILE_NAME);
    ck_assert_int_eq(conf_keys(&c, NULL, "$.run", run_keys), 0);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *conf_basics_suite(void)
{
    Suite *s = suite_create("conf_basics");
    TCase *tc = tcase_create("basics");
    tcase_add_test(tc, test_fail_format);
    tcase_add_test(tc, test_paths);
    tcase_add_loop_test(tc, test_describe, 0, N(describe_cases));
    tcase_add_test(tc, test_describe_small_buffer);
    tcase_add_test(tc, test_child);
    suite_add_tcase(s, tc);

    tc = tcase_create("keys");
    tcase_add_loop_test(tc, test_keys, 0, N(keys_cases));
    tcase_add_test(tc, test_keys_long_list);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(conf_basics_suite());
}
