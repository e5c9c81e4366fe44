/* test_conf_get: the strict JSON configuration reader's getters: integers, doubles, booleans, strings, enums
 * and times, each with its defaults and its errors. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim/conf.h"
#include "tests/harness.h"

#define FILE_NAME "t.json"

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
    { "[]", 0, 100, 0, "t.json: $.sec: expected an object, got an empty array" },
    { "{\"K\": 5}", 0, 100, 7, NULL },                                      /* case-sensitive: "k" is absent */
};

START_TEST(test_int)
{
    struct conf c;
    conf_init(&c, FILE_NAME);
    cJSON *obj = th_json(int_cases[_i].json);
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
    cJSON *obj = th_json(double_cases[_i].json);
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
    cJSON *obj = th_json(bool_cases[_i].json);
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
    cJSON *obj = th_json(string_cases[_i].json);
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
    cJSON *obj = th_json("{}");
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
    cJSON *obj = th_json(enum_cases[_i].json);
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
    cJSON *obj = th_json(text);
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

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *conf_get_suite(void)
{
    Suite *s = suite_create("conf_get");
    TCase *tc = tcase_create("getters");
    tcase_add_loop_test(tc, test_int, 0, N(int_cases));
    tcase_add_loop_test(tc, test_double, 0, N(double_cases));
    tcase_add_loop_test(tc, test_bool, 0, N(bool_cases));
    tcase_add_loop_test(tc, test_string, 0, N(string_cases));
    tcase_add_test(tc, test_string_null_default);
    tcase_add_loop_test(tc, test_enum, 0, N(enum_cases));
    tcase_add_loop_test(tc, test_time, 0, N(time_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(conf_get_suite());
}
