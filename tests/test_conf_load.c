/* test_conf_load: the strict JSON configuration reader on whole documents: parsing, files, --set overrides, and
 * sessions in which the first error wins. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/conf.h"
#include "tests/harness.h"

#define FILE_NAME "t.json"

/* Writes text to a fresh temporary file and returns its name in buf. */
static const char *temp_file(char *buf, size_t size, const char *text, size_t len)
{
    snprintf(buf, size, "/tmp/test_conf_XXXXXX");
    int fd = mkstemp(buf);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    return buf;
}

static const char *const roles[] = { "master", "slave", NULL };

static const char *const run_keys[] = { "seed", "runs", "trace", NULL };

static const struct {
    const char *text;
    size_t len;         /* 0: strlen(text) */
    const char *err;    /* NULL: parses to an object */
} parse_cases[] = {
    { "{}", 0, NULL },
    { "  {\"a\": [1, {\"b\": null}]}\n\n", 0, NULL },
    { "{\"a\": 1}garbage", 8, NULL },                                /* len ends the text, no NUL needed */
    { "", 0, "t.json: $: empty document, expected a JSON object" },
    { " \n\t\r\n", 0, "t.json: $: empty document, expected a JSON object" },
    { "{\n  \"a\": 1,\n  \"b\": tru\n}\n", 0, "t.json: $: invalid JSON at line 3, column 8" },
    { "{\"a\": 1} x", 0, "t.json: $: invalid JSON at line 1, column 10" },       /* trailing garbage */
    { "{\"a\": 1}\n{}", 0, "t.json: $: invalid JSON at line 2, column 1" },
    { "{\"a\": 1", 0, "t.json: $: invalid JSON at line 1, column 8" },           /* cut short */
    { "{\"\xc3\xa9t\xc3\xa9\": x}", 0, "t.json: $: invalid JSON at line 1, column 9" },  /* columns count characters */
    { "{}\0{}", 5, "t.json: $: invalid JSON at line 1, column 3 (NUL byte)" },
    { "[1, 2]", 0, "t.json: $: expected an object, got an array" },
    { "\"x\"", 0, "t.json: $: expected an object, got string \"x\"" },
    { "42", 0, "t.json: $: expected an object, got number 42" },
    { "null", 0, "t.json: $: expected an object, got null" },
};

START_TEST(test_parse)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    size_t len = parse_cases[_i].len != 0 ? parse_cases[_i].len : strlen(parse_cases[_i].text);
    cJSON *root = conf_parse(&c, parse_cases[_i].text, len);
    if (parse_cases[_i].err == NULL) {
        ck_assert_msg(root != NULL, "row %d: unexpected error: %s", _i, c.err);
        ck_assert(cJSON_IsObject(root));
        ck_assert_int_eq(c.failed, 0);
    } else {
        ck_assert_ptr_null(root);
        ck_assert_str_eq(c.err, parse_cases[_i].err);
    }
    cJSON_Delete(root);
}
END_TEST

START_TEST(test_load_file)
{
    char name[64], want[256];
    const char *good = "{\"run\": {\"seed\": 7}}\n";
    temp_file(name, sizeof name, good, strlen(good));
    struct conf c;
    conf_init(&c, name);
    cJSON *root = conf_load_file(&c, name);
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(conf_child(conf_child(root, "run"), "seed")->valueint, 7);
    cJSON_Delete(root);
    unlink(name);

    /* Invalid JSON: the file name, "$", line and column. */
    const char *bad = "{\n  \"run\": {\n    \"seed\": 7,\n  }\n}\n";
    temp_file(name, sizeof name, bad, strlen(bad));
    conf_init(&c, name);
    ck_assert_ptr_null(conf_load_file(&c, name));
    snprintf(want, sizeof want, "%s: $: invalid JSON at line 4, column 4", name);
    ck_assert_str_eq(c.err, want);
    unlink(name);

    /* Empty file. */
    temp_file(name, sizeof name, "", 0);
    conf_init(&c, name);
    ck_assert_ptr_null(conf_load_file(&c, name));
    snprintf(want, sizeof want, "%s: $: empty document, expected a JSON object", name);
    ck_assert_str_eq(c.err, want);
    unlink(name);

    /* Top level not an object. */
    temp_file(name, sizeof name, "[]", 2);
    conf_init(&c, name);
    ck_assert_ptr_null(conf_load_file(&c, name));
    snprintf(want, sizeof want, "%s: $: expected an object, got an empty array", name);
    ck_assert_str_eq(c.err, want);
    unlink(name);
}
END_TEST

START_TEST(test_load_file_errors)
{
    /* File-level errors have no JSON path. */
    struct conf c;
    conf_init(&c, "scenarios/none.json");
    ck_assert_ptr_null(conf_load_file(&c, "/nonexistent-dir-for-test_conf/none.json"));
    ck_assert_str_eq(c.err, "scenarios/none.json: $: cannot open: No such file or directory");

    /* Without a name from conf_init, the file's own name is used. */
    conf_init(&c, NULL);
    ck_assert_ptr_null(conf_load_file(&c, "/nonexistent-dir-for-test_conf/none.json"));
    ck_assert_str_eq(c.err, "/nonexistent-dir-for-test_conf/none.json: $: cannot open: No such file or directory");

    conf_init(&c, "/tmp");
    ck_assert_ptr_null(conf_load_file(&c, "/tmp"));
    ck_assert_str_eq(c.err, "/tmp: $: cannot read: Is a directory");
}
END_TEST

START_TEST(test_load_file_too_large)
{
    /* A sparse file one byte over the 64 MiB limit. */
    char name[64], want[128];
    temp_file(name, sizeof name, "", 0);
    ck_assert_int_eq(truncate(name, (off_t)64 * 1024 * 1024 + 1), 0);
    struct conf c;
    conf_init(&c, name);
    ck_assert_ptr_null(conf_load_file(&c, name));
    snprintf(want, sizeof want, "%s: $: too large (more than 64 MiB)", name);
    ck_assert_str_eq(c.err, want);
    unlink(name);
}
END_TEST

static const char base_tree[] =
    "{\"run\":{\"seed\":1,\"trace\":\"off\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
    "\"x\":[[0,1],[2,3]]}";

static const struct {
    const char *arg;
    const char *want;   /* the whole tree afterwards, printed unformatted */
} set_cases[] = {
    /* Replacing keeps the key where it was. */
    { "run.trace=full",
      "{\"run\":{\"seed\":1,\"trace\":\"full\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[2,3]]}" },
    { "run.seed=42",
      "{\"run\":{\"seed\":42,\"trace\":\"off\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[2,3]]}" },
    { "run.quiet=true",
      "{\"run\":{\"seed\":1,\"trace\":\"off\",\"quiet\":true},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[2,3]]}" },
    { "brokers[1].role=master",
      "{\"run\":{\"seed\":1,\"trace\":\"off\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"master\"}],"
      "\"x\":[[0,1],[2,3]]}" },
    { "brokers[0]={\"role\":\"slave\",\"id\":0}",
      "{\"run\":{\"seed\":1,\"trace\":\"off\"},\"brokers\":[{\"role\":\"slave\",\"id\":0},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[2,3]]}" },
    { "x[1][0]=9",
      "{\"run\":{\"seed\":1,\"trace\":\"off\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[9,3]]}" },
    /* Missing objects are created. */
    { "net.link.loss=0.5",
      "{\"run\":{\"seed\":1,\"trace\":\"off\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[2,3]],\"net\":{\"link\":{\"loss\":0.5}}}" },
    /* VALUE: JSON when it is JSON, a plain string otherwise. */
    { "name=\"x\"",
      "{\"run\":{\"seed\":1,\"trace\":\"off\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[2,3]],\"name\":\"x\"}" },
    { "v=null",
      "{\"run\":{\"seed\":1,\"trace\":\"off\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[2,3]],\"v\":null}" },
    { "run=[1, 2]",
      "{\"run\":[1,2],\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],\"x\":[[0,1],[2,3]]}" },
    { "v=1 2",
      "{\"run\":{\"seed\":1,\"trace\":\"off\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[2,3]],\"v\":\"1 2\"}" },
    { "v=a=b",
      "{\"run\":{\"seed\":1,\"trace\":\"off\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[2,3]],\"v\":\"a=b\"}" },
    { "v=",
      "{\"run\":{\"seed\":1,\"trace\":\"off\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[2,3]],\"v\":\"\"}" },
    { "v=-1.5e3",
      "{\"run\":{\"seed\":1,\"trace\":\"off\"},\"brokers\":[{\"role\":\"master\"},{\"role\":\"slave\"}],"
      "\"x\":[[0,1],[2,3]],\"v\":-1500}" },
};

START_TEST(test_set)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *root = th_json(base_tree);
    int rc = conf_apply_set(&c, root, set_cases[_i].arg);
    ck_assert_msg(rc == 0, "row %d: unexpected error: %s", _i, c.err);
    char *out = cJSON_PrintUnformatted(root);
    ck_assert_str_eq(out, set_cases[_i].want);
    free(out);
    cJSON_Delete(root);
}
END_TEST

static const struct {
    const char *arg;
    const char *err;
} set_error_cases[] = {
    { "run.seed", "t.json: missing \"=\", expected --set PATH=VALUE (from --set run.seed)" },
    { "=5", "t.json: $: empty path before \"=\" (from --set =5)" },
    { "a..b=1", "t.json: $.a: empty key (from --set a..b=1)" },
    { ".a=1", "t.json: $: empty key (from --set .a=1)" },
    { "a.=1", "t.json: $.a: empty key (from --set a.=1)" },
    { "a.[0]=1", "t.json: $.a: empty key (from --set a.[0]=1)" },
    { "[0]=1", "t.json: $: empty key (from --set [0]=1)" },
    { "a[x]=1", "t.json: $.a: bad index \"x\", expected a non-negative integer (from --set a[x]=1)" },
    { "a[-1]=1", "t.json: $.a: bad index \"-1\", expected a non-negative integer (from --set a[-1]=1)" },
    { "a[]=1", "t.json: $.a: bad index \"\", expected a non-negative integer (from --set a[]=1)" },
    { "a[99999999999]=1",
      "t.json: $.a: bad index \"99999999999\", expected a non-negative integer (from --set a[99999999999]=1)" },
    { "a[1=1", "t.json: $.a: missing \"]\" (from --set a[1=1)" },
    { "a[1]b=1", "t.json: $.a[1]: expected \".\" or \"[\" after \"]\", got \"b\" (from --set a[1]b=1)" },
    { "a]=1", "t.json: $.a: unexpected \"]\" (from --set a]=1)" },
    { "brokers[2].role=x",
      "t.json: $.brokers[2]: index 2 out of range, the array has 2 elements (from --set brokers[2].role=x)" },
    { "run[0]=1", "t.json: $.run: expected an array, got an object (from --set run[0]=1)" },
    { "run.seed.x=1", "t.json: $.run.seed: expected an object, got number 1 (from --set run.seed.x=1)" },
    { "brokers.role=x", "t.json: $.brokers: expected an object, got an array (from --set brokers.role=x)" },
    { "x[0][1].y=1", "t.json: $.x[0][1]: expected an object, got number 1 (from --set x[0][1].y=1)" },
    /* The objects made on the way are taken out again: the tree is left as it was. */
    { "new.list[0]=1",
      "t.json: $.new.list: expected an array to index, but the key is absent (from --set new.list[0]=1)" },
};

START_TEST(test_set_errors)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *root = th_json(base_tree);
    ck_assert_int_eq(conf_apply_set(&c, root, set_error_cases[_i].arg), -1);
    ck_assert_str_eq(c.err, set_error_cases[_i].err);
    ck_assert_str_eq(c.file, FILE_NAME);    /* the --set prefix was only borrowed */
    char *out = cJSON_PrintUnformatted(root);
    ck_assert_str_eq(out, base_tree);
    free(out);
    cJSON_Delete(root);
}
END_TEST

START_TEST(test_set_misc)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *arr = th_json("[1]");
    ck_assert_int_eq(conf_apply_set(&c, arr, "a=1"), -1);
    ck_assert_str_eq(c.err, "t.json: $: expected an object, got an array (from --set a=1)");
    cJSON_Delete(arr);

    /* Several overrides in a row, on an empty tree. */
    conf_init(&c, FILE_NAME);
    cJSON *root = th_json("{}");
    ck_assert_int_eq(conf_apply_set(&c, root, "a.b.c=1"), 0);
    ck_assert_int_eq(conf_apply_set(&c, root, "a.b.d=[0,0]"), 0);
    ck_assert_int_eq(conf_apply_set(&c, root, "a.b.d[1]=x"), 0);
    ck_assert_int_eq(conf_apply_set(&c, root, "a.e=off"), 0);
    char *out = cJSON_PrintUnformatted(root);
    ck_assert_str_eq(out, "{\"a\":{\"b\":{\"c\":1,\"d\":[0,\"x\"]},\"e\":\"off\"}}");
    free(out);

    /* A long argument is cut in the message. */
    char arg[600];
    memset(arg, 'k', sizeof arg - 1);
    arg[sizeof arg - 1] = '\0';
    arg[300] = '[';
    ck_assert_int_eq(conf_apply_set(&c, root, arg), -1);
    ck_assert_ptr_nonnull(strstr(c.err, "t.json: missing \"=\""));
    ck_assert_ptr_nonnull(strstr(c.err, "kkk...)"));
    ck_assert_uint_lt(strlen(c.err), 300);
    cJSON_Delete(root);
}
END_TEST

START_TEST(test_first_error_wins)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *root = th_json("{\"a\": \"x\", \"b\": 5, \"sed\": 1}");
    int64_t i = 11;
    double d = 2.5;
    int b = 3, e = 4;
    const char *s = "keep";
    sim_time t = 5;

    ck_assert_int_eq(conf_int(&c, root, "$", "a", 0, 0, 10, &i), -1);
    const char *first = "t.json: $.a: expected an integer, got string \"x\"";
    ck_assert_str_eq(c.err, first);

    /* Every later call returns -1 at once and writes nothing, even for valid or absent keys. */
    ck_assert_int_eq(conf_int(&c, root, "$", "b", 0, 0, 10, &i), -1);
    ck_assert_int_eq(conf_int(&c, root, "$", "absent", 0, 0, 10, &i), -1);
    ck_assert_int_eq(conf_double(&c, root, "$", "b", 0, 0, 10, &d), -1);
    ck_assert_int_eq(conf_bool(&c, root, "$", "absent", 1, &b), -1);
    ck_assert_int_eq(conf_string(&c, root, "$", "a", NULL, &s), -1);
    ck_assert_int_eq(conf_enum(&c, root, "$", "a", roles, 0, &e), -1);
    ck_assert_int_eq(conf_time(&c, root, "$", "b_ms", 0, 0, SIM_S, &t), -1);
    ck_assert_int_eq(conf_time(&c, root, "$", "no_unit", 0, 0, SIM_S, &t), -1);
    ck_assert_int_eq(conf_keys(&c, root, "$", run_keys), -1);
    ck_assert_int_eq(conf_apply_set(&c, root, "b=6"), -1);
    ck_assert_ptr_null(conf_parse(&c, "{}", 2));
    ck_assert_ptr_null(conf_load_file(&c, "/nonexistent-dir-for-test_conf/x.json"));
    ck_assert_int_eq(i, 11);
    ck_assert(d == 2.5);
    ck_assert_int_eq(b, 3);
    ck_assert_int_eq(e, 4);
    ck_assert_str_eq(s, "keep");
    ck_assert_int_eq(t, 5);
    ck_assert_int_eq(conf_child(root, "b")->valueint, 5);   /* the --set was not applied */
    ck_assert_str_eq(c.err, first);
    cJSON_Delete(root);
}
END_TEST

/* A loader reads a whole section, then checks failed once. */
START_TEST(test_loader_pattern)
{
    static const char *const allowed[] = { "seed", "runs", "timeout_ms", "role", NULL };
    struct conf c;
    conf_init(&c, "scenarios/x.json");
    const char *text = "{\"run\": {\"seed\": 3, \"timeout_ms\": 2.5, \"role\": \"slave\"}}";
    cJSON *root = conf_parse(&c, text, strlen(text));
    ck_assert_ptr_nonnull(root);
    const cJSON *run = conf_child(root, "run");
    int64_t seed = 0, runs = 0;
    sim_time timeout = 0;
    int role = -1;
    conf_keys(&c, run, "$.run", allowed);
    conf_int(&c, run, "$.run", "seed", 1, 0, INT64_MAX, &seed);
    conf_int(&c, run, "$.run", "runs", 10, 1, 1000000, &runs);
    conf_time(&c, run, "$.run", "timeout_ms", SIM_S, 0, SIM_TIME_MAX, &timeout);
    conf_enum(&c, run, "$.run", "role", roles, 0, &role);
    ck_assert_msg(!c.failed, "%s", c.err);
    ck_assert_int_eq(seed, 3);
    ck_assert_int_eq(runs, 10);
    ck_assert_int_eq(timeout, 2500000);
    ck_assert_int_eq(role, 1);
    cJSON_Delete(root);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *conf_load_suite(void)
{
    Suite *s = suite_create("conf_load");
    TCase *tc = tcase_create("files");
    tcase_add_loop_test(tc, test_parse, 0, N(parse_cases));
    tcase_add_test(tc, test_load_file);
    tcase_add_test(tc, test_load_file_errors);
    tcase_add_test(tc, test_load_file_too_large);
    suite_add_tcase(s, tc);

    tc = tcase_create("set");
    tcase_add_loop_test(tc, test_set, 0, N(set_cases));
    tcase_add_loop_test(tc, test_set_errors, 0, N(set_error_cases));
    tcase_add_test(tc, test_set_misc);
    suite_add_tcase(s, tc);

    tc = tcase_create("sessions");
    tcase_add_test(tc, test_first_error_wins);
    tcase_add_test(tc, test_loader_pattern);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(conf_load_suite());
}
