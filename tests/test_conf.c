/* test_conf: the strict JSON configuration reader: getters, keys, parsing, files and --set overrides. */
#include <check.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/conf.h"

#define FILE_NAME "t.json"

/* Parses test JSON with plain cJSON (duplicate keys and all), so conf is not used to set up its own tests. */
static cJSON *json(const char *text)
{
    cJSON *v = cJSON_Parse(text);
    ck_assert_msg(v != NULL, "test JSON does not parse: %s", text);
    return v;
}

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

/* ---- conf_fail, paths, descriptions ------------------------------------------------------------------ */

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
    cJSON *root = json(text);
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
    cJSON *root = json("{\"Seed\": 1, \"seed\": 2, \"list\": [1]}");
    ck_assert_ptr_null(conf_child(root, "SEED"));
    ck_assert_int_eq(conf_child(root, "Seed")->valueint, 1);
    ck_assert_int_eq(conf_child(root, "seed")->valueint, 2);
    ck_assert_ptr_null(conf_child(root, "absent"));
    ck_assert_ptr_null(conf_child(conf_child(root, "list"), "x"));   /* not an object */
    ck_assert_ptr_null(conf_child(NULL, "x"));
    cJSON_Delete(root);
}
END_TEST

/* ---- Getters --------------------------------------------------------------------------------------------- */

/* Each table row reads key "k" of the object in json at path "$.sec"; err NULL means success with want. */
static const struct {
    const char *json;
    int64_t min, max;
    int64_t want;
    const char *err;
} int_cases[] = {
    { "{}", 0, 100, 7, NULL },                                              /* absent: the default */
    { "{\"k\": 0}", 0, 100, 0, NULL },                                      /* at min */
    { "{\"k\": 100}", 0, 100, 100, NULL },                                  /* at max */
    { "{\"k\": 5}", 5, 5, 5, NULL },
    { "{\"k\": 100.0}", 0, 100, 100, NULL },                                /* JSON has no integer type */
    { "{\"k\": 1e2}", 0, 100, 100, NULL },
    { "{\"k\": -0}", 0, 100, 0, NULL },
    { "{\"k\": -9007199254740992}", INT64_MIN, INT64_MAX, -9007199254740992LL, NULL },
    { "{\"k\": 9007199254740992}", 0, INT64_MAX, 9007199254740992LL, NULL },
    { "{\"k\": 101}", 0, 100, 0, "t.json: $.sec.k: must be between 0 and 100, got 101" },
    { "{\"k\": 250}", 0, 100, 0, "t.json: $.sec.k: must be between 0 and 100, got 250" },
    { "{\"k\": -1}", 0, 100, 0, "t.json: $.sec.k: must be between 0 and 100, got -1" },
    { "{\"k\": 1e300}", 0, 100, 0, "t.json: $.sec.k: must be between 0 and 100, got 1e+300" },
    { "{\"k\": -1e300}", 0, 100, 0, "t.json: $.sec.k: must be between 0 and 100, got -1e+300" },
    { "{\"k\": 1e19}", INT64_MIN, INT64_MAX, 0, "t.json: $.sec.k: outside the 64-bit range, got 1e+19" },
    { "{\"k\": -1}", 0, INT64_MAX, 0, "t.json: $.sec.k: must be at least 0, got -1" },
    { "{\"k\": 11}", INT64_MIN, 10, 0, "t.json: $.sec.k: must be at most 10, got 11" },
    { "{\"k\": 9007199254740994}", 0, INT64_MAX, 0,
      "t.json: $.sec.k: integers beyond 2^53 (9007199254740992) are not exact in JSON, got 9007199254740994" },
    { "{\"k\": 2.5}", 0, 100, 0, "t.json: $.sec.k: expected an integer, got number 2.5" },
    { "{\"k\": 1e400}", 0, 100, 0, "t.json: $.sec.k: expected an integer, got number inf" },
    { "{\"k\": \"abc\"}", 0, 100, 0, "t.json: $.sec.k: expected an integer, got string \"abc\"" },
    { "{\"k\": \"5\"}", 0, 100, 0, "t.json: $.sec.k: expected an integer, got string \"5\"" },
    { "{\"k\": null}", 0, 100, 0, "t.json: $.sec.k: expected an integer, got null" },
    { "{\"k\": true}", 0, 100, 0, "t.json: $.sec.k: expected an integer, got true" },
    { "{\"k\": {}}", 0, 100, 0, "t.json: $.sec.k: expected an integer, got an object" },
    { "{\"k\": [1]}", 0, 100, 0, "t.json: $.sec.k: expected an integer, got an array" },
    { "[]", 0, 100, 0, "t.json: $.sec: expected an object, got an array" },
    { "{\"K\": 5}", 0, 100, 7, NULL },                                      /* case-sensitive: "k" is absent */
};

START_TEST(test_int)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *obj = json(int_cases[_i].json);
    int64_t out = -12345;
    int rc = conf_int(&c, obj, "$.sec", "k", 7, int_cases[_i].min, int_cases[_i].max, &out);
    if (int_cases[_i].err == NULL) {
        ck_assert_msg(rc == 0, "row %d: unexpected error: %s", _i, c.err);
        ck_assert_int_eq(out, int_cases[_i].want);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_int_eq(c.failed, 1);
        ck_assert_str_eq(c.err, int_cases[_i].err);
        ck_assert_int_eq(out, -12345);      /* untouched on error */
    }
    cJSON_Delete(obj);
}
END_TEST

static const struct {
    const char *json;
    double min, max;
    double want;
    const char *err;
} double_cases[] = {
    { "{}", 0, 1, 0.5, NULL },
    { "{\"k\": 0}", 0, 1, 0, NULL },
    { "{\"k\": 1}", 0, 1, 1, NULL },
    { "{\"k\": 0.25}", 0, 1, 0.25, NULL },
    { "{\"k\": -1e300}", -DBL_MAX, 0, -1e300, NULL },
    { "{\"k\": 1.5}", 0, 1, 0, "t.json: $.sec.k: must be between 0 and 1, got 1.5" },
    { "{\"k\": -0.25}", 0, 1, 0, "t.json: $.sec.k: must be between 0 and 1, got -0.25" },
    { "{\"k\": 0.1}", 0.25, 0.5, 0, "t.json: $.sec.k: must be between 0.25 and 0.5, got 0.1" },
    { "{\"k\": 1e300}", 0, 100, 0, "t.json: $.sec.k: must be between 0 and 100, got 1e+300" },
    { "{\"k\": -1}", 0, INFINITY, 0, "t.json: $.sec.k: must be at least 0, got -1" },
    { "{\"k\": 11}", -DBL_MAX, 10, 0, "t.json: $.sec.k: must be at most 10, got 11" },
    { "{\"k\": 1e400}", 0, INFINITY, 0, "t.json: $.sec.k: expected a finite number, got number inf" },
    { "{\"k\": \"x\"}", 0, 1, 0, "t.json: $.sec.k: expected a number, got string \"x\"" },
    { "{\"k\": {}}", 0, 1, 0, "t.json: $.sec.k: expected a number, got an object" },
    { "{\"k\": false}", 0, 1, 0, "t.json: $.sec.k: expected a number, got false" },
    { "{\"k\": null}", 0, 1, 0, "t.json: $.sec.k: expected a number, got null" },
};

START_TEST(test_double)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *obj = json(double_cases[_i].json);
    double out = -12345;
    int rc = conf_double(&c, obj, "$.sec", "k", 0.5, double_cases[_i].min, double_cases[_i].max, &out);
    if (double_cases[_i].err == NULL) {
        ck_assert_msg(rc == 0, "row %d: unexpected error: %s", _i, c.err);
        ck_assert(out == double_cases[_i].want);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_str_eq(c.err, double_cases[_i].err);
        ck_assert(out == -12345);
    }
    cJSON_Delete(obj);
}
END_TEST

static const struct {
    const char *json;
    int want;
    const char *err;
} bool_cases[] = {
    { "{}", 1, NULL },
    { "{\"k\": true}", 1, NULL },
    { "{\"k\": false}", 0, NULL },
    { "{\"k\": 1}", 0, "t.json: $.sec.k: expected true or false, got number 1" },
    { "{\"k\": \"true\"}", 0, "t.json: $.sec.k: expected true or false, got string \"true\"" },
    { "{\"k\": null}", 0, "t.json: $.sec.k: expected true or false, got null" },
};

START_TEST(test_bool)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *obj = json(bool_cases[_i].json);
    int out = 42;
    int rc = conf_bool(&c, obj, "$.sec", "k", 1, &out);
    if (bool_cases[_i].err == NULL) {
        ck_assert_msg(rc == 0, "row %d: unexpected error: %s", _i, c.err);
        ck_assert_int_eq(out, bool_cases[_i].want);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_str_eq(c.err, bool_cases[_i].err);
        ck_assert_int_eq(out, 42);
    }
    cJSON_Delete(obj);
}
END_TEST

static const struct {
    const char *json;
    const char *want;   /* "<def>" for the default pointer */
    const char *err;
} string_cases[] = {
    { "{}", "<def>", NULL },
    { "{\"k\": \"broker-a\"}", "broker-a", NULL },
    { "{\"k\": \" \"}", " ", NULL },
    { "{\"k\": \"\"}", NULL, "t.json: $.sec.k: must not be empty" },
    { "{\"k\": 5}", NULL, "t.json: $.sec.k: expected a string, got number 5" },
    { "{\"k\": null}", NULL, "t.json: $.sec.k: expected a string, got null" },
    { "{\"k\": [\"a\"]}", NULL, "t.json: $.sec.k: expected a string, got an array" },
};

START_TEST(test_string)
{
    static const char def[] = "default";
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *obj = json(string_cases[_i].json);
    const char *out = "untouched";
    int rc = conf_string(&c, obj, "$.sec", "k", def, &out);
    if (string_cases[_i].err == NULL) {
        ck_assert_msg(rc == 0, "row %d: unexpected error: %s", _i, c.err);
        if (strcmp(string_cases[_i].want, "<def>") == 0)
            ck_assert_ptr_eq(out, def);
        else {
            ck_assert_str_eq(out, string_cases[_i].want);
            ck_assert_ptr_eq(out, cJSON_GetObjectItemCaseSensitive(obj, "k")->valuestring);  /* into the tree */
        }
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_str_eq(c.err, string_cases[_i].err);
        ck_assert_str_eq(out, "untouched");
    }
    cJSON_Delete(obj);
}
END_TEST

START_TEST(test_string_null_default)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *obj = json("{}");
    const char *out = "x";
    ck_assert_int_eq(conf_string(&c, obj, "$", "name", NULL, &out), 0);
    ck_assert_ptr_null(out);
    /* An absent section (NULL) reads as all keys absent. */
    out = "x";
    ck_assert_int_eq(conf_string(&c, NULL, "$.run", "name", "d", &out), 0);
    ck_assert_str_eq(out, "d");
    cJSON_Delete(obj);
}
END_TEST

static const char *const roles[] = { "master", "slave", NULL };
static const char *const trace_modes[] = { "off", "events", "full", NULL };
static const char *const only[] = { "only", NULL };

static const struct {
    const char *json;
    const char *const *choices;
    int want;
    const char *err;
} enum_cases[] = {
    { "{}", roles, 1, NULL },
    { "{\"k\": \"master\"}", roles, 0, NULL },
    { "{\"k\": \"slave\"}", roles, 1, NULL },
    { "{\"k\": \"full\"}", trace_modes, 2, NULL },
    { "{\"k\": \"mastr\"}", roles, 0, "t.json: $.sec.k: expected \"master\" or \"slave\", got \"mastr\"" },
    { "{\"k\": \"Master\"}", roles, 0, "t.json: $.sec.k: expected \"master\" or \"slave\", got \"Master\"" },
    { "{\"k\": \"ful\"}", trace_modes, 0, "t.json: $.sec.k: expected \"off\", \"events\" or \"full\", got \"ful\"" },
    { "{\"k\": \"x\"}", only, 0, "t.json: $.sec.k: expected \"only\", got \"x\"" },
    { "{\"k\": 1}", roles, 0, "t.json: $.sec.k: expected \"master\" or \"slave\", got number 1" },
    { "{\"k\": null}", roles, 0, "t.json: $.sec.k: expected \"master\" or \"slave\", got null" },
    { "{\"k\": \"\"}", roles, 0, "t.json: $.sec.k: expected \"master\" or \"slave\", got \"\"" },
};

START_TEST(test_enum)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *obj = json(enum_cases[_i].json);
    int out = 99;
    int rc = conf_enum(&c, obj, "$.sec", "k", enum_cases[_i].choices, 1, &out);
    if (enum_cases[_i].err == NULL) {
        ck_assert_msg(rc == 0, "row %d: unexpected error: %s", _i, c.err);
        ck_assert_int_eq(out, enum_cases[_i].want);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_str_eq(c.err, enum_cases[_i].err);
        ck_assert_int_eq(out, 99);
    }
    cJSON_Delete(obj);
}
END_TEST

static const struct {
    const char *key;
    const char *value;  /* JSON text, or NULL for an absent key */
    sim_time min, max;
    sim_time want;
    const char *err;
} time_cases[] = {
    { "t_ms", NULL, 0, SIM_TIME_MAX, 777, NULL },                           /* absent: the default, in ns */
    { "t_ns", "5", 0, SIM_TIME_MAX, 5, NULL },
    { "t_us", "5", 0, SIM_TIME_MAX, 5 * SIM_US, NULL },
    { "t_ms", "5", 0, SIM_TIME_MAX, 5 * SIM_MS, NULL },
    { "t_s", "5", 0, SIM_TIME_MAX, 5 * SIM_S, NULL },
    { "t_ms", "1.5", 0, SIM_TIME_MAX, 1500000, NULL },
    { "t_us", "1.25", 0, SIM_TIME_MAX, 1250, NULL },
    { "t_s", "0.0000015", 0, SIM_TIME_MAX, 1500, NULL },
    { "t_s", "86400", 0, SIM_TIME_MAX, 86400 * SIM_S, NULL },
    /* Rounded to the nearest nanosecond, halves away from zero. */
    { "t_ns", "2.4", 0, SIM_TIME_MAX, 2, NULL },
    { "t_ns", "2.5", 0, SIM_TIME_MAX, 3, NULL },
    { "t_ns", "2.6", 0, SIM_TIME_MAX, 3, NULL },
    { "t_ns", "-2.5", -10, 10, -3, NULL },
    { "t_us", "0.0004", 0, SIM_TIME_MAX, 0, NULL },
    { "t_us", "0.0006", 0, SIM_TIME_MAX, 1, NULL },
    /* Edges, and messages in the key's unit. */
    { "t_ms", "0", 0, 86400000 * SIM_MS, 0, NULL },
    { "t_ms", "86400000", 0, 86400000 * SIM_MS, 86400000 * SIM_MS, NULL },
    { "t_ms", "-5", 0, 86400000 * SIM_MS, 0, "t.json: $.sec.t_ms: must be between 0 and 86400000 ms, got -5" },
    { "t_ms", "86400001", 0, 86400000 * SIM_MS, 0,
      "t.json: $.sec.t_ms: must be between 0 and 86400000 ms, got 86400001" },
    { "t_ms", "1", 1500000, 10 * SIM_MS, 0, "t.json: $.sec.t_ms: must be between 1.5 and 10 ms, got 1" },
    { "t_ms", "1.4999994", 1500000, 10 * SIM_MS, 0,
      "t.json: $.sec.t_ms: must be between 1.5 and 10 ms, got 1.4999994" },
    { "t_ms", "1.4999996", 1500000, 10 * SIM_MS, 1500000, NULL },            /* rounds up onto min */
    { "t_s", "3e9", 0, SIM_TIME_MAX, 0,
      "t.json: $.sec.t_s: must be between 0 and 2305843009.213693951 s, got 3000000000" },
    { "t_us", "-1", 0, INT64_MAX, 0, "t.json: $.sec.t_us: must be at least 0 us, got -1" },
    { "t_ms", "1e300", 0, SIM_TIME_MAX, 0,
      "t.json: $.sec.t_ms: must be between 0 and 2305843009213.693951 ms, got 1e+300" },
    { "t_ms", "-1e300", 0, SIM_S, 0, "t.json: $.sec.t_ms: must be between 0 and 1000 ms, got -1e+300" },
    { "t_ms", "1e13", INT64_MIN, INT64_MAX, 0, "t.json: $.sec.t_ms: outside the 64-bit range, got 10000000000000" },
    { "t_ns", "9223372036854775807", 0, INT64_MAX, 0,
      "t.json: $.sec.t_ns: must be at least 0 ns, got 9.2233720368547758e+18" },
    /* Types. */
    { "t_ms", "1e400", 0, SIM_TIME_MAX, 0, "t.json: $.sec.t_ms: expected a finite number, got number inf" },
    { "t_ms", "\"5ms\"", 0, SIM_TIME_MAX, 0, "t.json: $.sec.t_ms: expected a number, got string \"5ms\"" },
    { "t_ms", "{}", 0, SIM_TIME_MAX, 0, "t.json: $.sec.t_ms: expected a number, got an object" },
    { "t_ms", "null", 0, SIM_TIME_MAX, 0, "t.json: $.sec.t_ms: expected a number, got null" },
    /* A key without a unit is a bug in the loader, reported even when the key is absent. */
    { "timeout", "5", 0, SIM_TIME_MAX, 0,
      "t.json: $.sec.timeout: conf_time: key \"timeout\" has no unit suffix (_ns, _us, _ms or _s)" },
    { "timeout", NULL, 0, SIM_TIME_MAX, 0,
      "t.json: $.sec.timeout: conf_time: key \"timeout\" has no unit suffix (_ns, _us, _ms or _s)" },
    { "_s", NULL, 0, SIM_TIME_MAX, 0,
      "t.json: $.sec._s: conf_time: key \"_s\" has no unit suffix (_ns, _us, _ms or _s)" },
    { "t_mins", "5", 0, SIM_TIME_MAX, 0,
      "t.json: $.sec.t_mins: conf_time: key \"t_mins\" has no unit suffix (_ns, _us, _ms or _s)" },
};

START_TEST(test_time)
{
    char text[256];
    if (time_cases[_i].value != NULL)
        snprintf(text, sizeof text, "{\"%s\": %s}", time_cases[_i].key, time_cases[_i].value);
    else
        snprintf(text, sizeof text, "{}");
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *obj = json(text);
    sim_time out = -12345;
    int rc = conf_time(&c, obj, "$.sec", time_cases[_i].key, 777, time_cases[_i].min, time_cases[_i].max, &out);
    if (time_cases[_i].err == NULL) {
        ck_assert_msg(rc == 0, "row %d: unexpected error: %s", _i, c.err);
        ck_assert_int_eq(out, time_cases[_i].want);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_str_eq(c.err, time_cases[_i].err);
        ck_assert_int_eq(out, -12345);
    }
    cJSON_Delete(obj);
}
END_TEST

/* ---- conf_keys ------------------------------------------------------------------------------------------- */

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
    cJSON *obj = json(keys_cases[_i].json);
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
    cJSON *obj = json("{\"zzzzzzzzzzzzzzzzzzzz\": 1}");
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

/* ---- Parsing and files ----------------------------------------------------------------------------------- */

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
    snprintf(want, sizeof want, "%s: $: expected an object, got an array", name);
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
    ck_assert_str_eq(c.err, "scenarios/none.json: cannot open: No such file or directory");

    /* Without a name from conf_init, the file's own name is used. */
    conf_init(&c, NULL);
    ck_assert_ptr_null(conf_load_file(&c, "/nonexistent-dir-for-test_conf/none.json"));
    ck_assert_str_eq(c.err, "/nonexistent-dir-for-test_conf/none.json: cannot open: No such file or directory");

    conf_init(&c, "/tmp");
    ck_assert_ptr_null(conf_load_file(&c, "/tmp"));
    ck_assert_str_eq(c.err, "/tmp: cannot read: Is a directory");
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
    snprintf(want, sizeof want, "%s: too large (more than 64 MiB)", name);
    ck_assert_str_eq(c.err, want);
    unlink(name);
}
END_TEST

/* ---- conf_apply_set ---------------------------------------------------------------------------------------- */

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
    cJSON *root = json(base_tree);
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
    { "run.seed", "--set run.seed: missing \"=\", expected --set PATH=VALUE" },
    { "=5", "--set =5: $: empty path before \"=\"" },
    { "a..b=1", "--set a..b=1: $.a: empty key" },
    { ".a=1", "--set .a=1: $: empty key" },
    { "a.=1", "--set a.=1: $.a: empty key" },
    { "a.[0]=1", "--set a.[0]=1: $.a: empty key" },
    { "[0]=1", "--set [0]=1: $: empty key" },
    { "a[x]=1", "--set a[x]=1: $.a: bad index \"x\", expected a non-negative integer" },
    { "a[-1]=1", "--set a[-1]=1: $.a: bad index \"-1\", expected a non-negative integer" },
    { "a[]=1", "--set a[]=1: $.a: bad index \"\", expected a non-negative integer" },
    { "a[99999999999]=1", "--set a[99999999999]=1: $.a: bad index \"99999999999\", expected a non-negative integer" },
    { "a[1=1", "--set a[1=1: $.a: missing \"]\"" },
    { "a[1]b=1", "--set a[1]b=1: $.a[1]: expected \".\" or \"[\" after \"]\", got \"b\"" },
    { "a]=1", "--set a]=1: $.a: unexpected \"]\"" },
    { "brokers[2].role=x", "--set brokers[2].role=x: $.brokers[2]: index 2 out of range, the array has 2 elements" },
    { "run[0]=1", "--set run[0]=1: $.run: expected an array, got an object" },
    { "run.seed.x=1", "--set run.seed.x=1: $.run.seed: expected an object, got number 1" },
    { "brokers.role=x", "--set brokers.role=x: $.brokers: expected an object, got an array" },
    { "x[0][1].y=1", "--set x[0][1].y=1: $.x[0][1]: expected an object, got number 1" },
    /* The objects made on the way are taken out again: the tree is left as it was. */
    { "new.list[0]=1", "--set new.list[0]=1: $.new.list: expected an array to index, but the key is absent" },
};

START_TEST(test_set_errors)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *root = json(base_tree);
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
    cJSON *arr = json("[1]");
    ck_assert_int_eq(conf_apply_set(&c, arr, "a=1"), -1);
    ck_assert_str_eq(c.err, "--set a=1: $: expected an object, got an array");
    cJSON_Delete(arr);

    /* Several overrides in a row, on an empty tree. */
    conf_init(&c, FILE_NAME);
    cJSON *root = json("{}");
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
    ck_assert_ptr_nonnull(strstr(c.err, "...: missing \"=\""));
    ck_assert_uint_lt(strlen(c.err), 300);
    cJSON_Delete(root);
}
END_TEST

/* ---- The first error wins ---------------------------------------------------------------------------------- */

START_TEST(test_first_error_wins)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *root = json("{\"a\": \"x\", \"b\": 5, \"sed\": 1}");
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

static Suite *conf_suite(void)
{
    Suite *s = suite_create("conf");

    TCase *tc = tcase_create("basics");
    tcase_add_test(tc, test_fail_format);
    tcase_add_test(tc, test_paths);
    tcase_add_loop_test(tc, test_describe, 0, N(describe_cases));
    tcase_add_test(tc, test_describe_small_buffer);
    tcase_add_test(tc, test_child);
    suite_add_tcase(s, tc);

    tc = tcase_create("getters");
    tcase_add_loop_test(tc, test_int, 0, N(int_cases));
    tcase_add_loop_test(tc, test_double, 0, N(double_cases));
    tcase_add_loop_test(tc, test_bool, 0, N(bool_cases));
    tcase_add_loop_test(tc, test_string, 0, N(string_cases));
    tcase_add_test(tc, test_string_null_default);
    tcase_add_loop_test(tc, test_enum, 0, N(enum_cases));
    tcase_add_loop_test(tc, test_time, 0, N(time_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("keys");
    tcase_add_loop_test(tc, test_keys, 0, N(keys_cases));
    tcase_add_test(tc, test_keys_long_list);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
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
    SRunner *sr = srunner_create(conf_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
