/* test_timeline: timeline.json against the Chrome Trace Event format (an object with traceEvents; phases M, X,
 * i and C with their fields; every track named by metadata) and against the run it shows: the outage spans add
 * up to metrics.json's write and read outage of the topic and of each group, the crash is an instant at the
 * failover's crash_ms and the crashed broker is "down" from then on, a DLedger group's election span ends at
 * elected_ms. The same folder gives the same bytes; a folder without a trace is refused. */
#include <check.h>
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/cmd/plot_int.h"
#include "models/cmd/timeline.h"
#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"


/* Runs a shipped scenario with an events trace into a fresh folder (with one more override, or NULL);
 * returns the folder. */
static const char *run2(const char *file, const char *duration, const char *more, char *dir, size_t size)
{
    snprintf(dir, size, "%s/run-XXXXXX", th_root);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    const char *sets[] = {duration, more};
    struct run_opts o = {.file = file, .sets = sets, .nsets = more ? 2 : 1, .out = dir, .quiet = 1, .trace = "events"};
    struct scenario sc;
    struct conf c;
    ck_assert_msg(scenario_load(&sc, &o, &c) == 0, "%s", c.err);
    ck_assert_int_eq(scenario_execute(&sc, &o), 0);
    scenario_free(&sc);
    return dir;
}

static const char *run(const char *file, const char *duration, char *dir, size_t size)
{
    return run2(file, duration, NULL, dir, size);
}


static cJSON *load_json(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = slurp(path);
    ck_assert_msg(text != NULL, "%s missing", path);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_msg(j != NULL, "%s: not JSON", path);
    return j;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsNumber(v), "no number \"%s\"", key);
    return v->valuedouble;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The name metadata gives a process (tid < 0) or a thread. */
static const char *meta_name(const cJSON *events, int pid, int tid)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, events) {
        const char *ph = str(e, "ph"), *name = str(e, "name");
        if (strcmp(ph, "M") != 0 || (int)num(e, "pid") != pid)
            continue;
        if (tid < 0 && strcmp(name, "process_name") == 0)
            return str(cJSON_GetObjectItemCaseSensitive(e, "args"), "name");
        if (tid >= 0 && strcmp(name, "thread_name") == 0 && (int)num(e, "tid") == tid)
            return str(cJSON_GetObjectItemCaseSensitive(e, "args"), "name");
    }
    return NULL;
}

/* Every event well formed; every track of a span or instant named. */
static void check_format(const cJSON *tl)
{
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(tl, "traceEvents");
    ck_assert(cJSON_IsArray(events));
    ck_assert_int_gt(cJSON_GetArraySize(events), 10);
    int seen[4] = {0};
    const cJSON *e;
    cJSON_ArrayForEach(e, events) {
        const char *ph = str(e, "ph");
        ck_assert_ptr_nonnull(ph);
        ck_assert_ptr_nonnull(str(e, "name"));
        num(e, "pid");
        if (strcmp(ph, "M") == 0) {
            seen[0]++;
            ck_assert(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(e, "args")));
            continue;
        }
        ck_assert_double_ge(num(e, "ts"), 0);
        if (strcmp(ph, "C") == 0) {
            seen[3]++;
            ck_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "args"),
                                                                      "value")));
            ck_assert_ptr_nonnull(meta_name(events, (int)num(e, "pid"), -1));
            continue;
        }
        ck_assert_msg(strcmp(ph, "X") == 0 || strcmp(ph, "i") == 0, "phase %s", ph);
        seen[strcmp(ph, "X") == 0 ? 1 : 2]++;
        if (strcmp(ph, "X") == 0)
            ck_assert_double_ge(num(e, "dur"), 0);
        ck_assert_ptr_nonnull(meta_name(events, (int)num(e, "pid"), -1));
        ck_assert_ptr_nonnull(meta_name(events, (int)num(e, "pid"), (int)num(e, "tid")));
    }
    for (int i = 0; i < 4; i++)
        ck_assert_int_gt(seen[i], 0);
}

/* The total of the spans called name in the process called proc (ms). */
static double spans_ms(const cJSON *events, const char *proc, const char *name)
{
    double total = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, events) {
        if (strcmp(str(e, "ph"), "X") != 0 || strcmp(str(e, "name"), name) != 0)
            continue;
        const char *p = meta_name(events, (int)num(e, "pid"), -1);
        if (p && strcmp(p, proc) == 0)
            total += num(e, "dur") / 1000;
    }
    return total;
}

/* The first event of phase ph called name on the track called thread: its ts (ms), or -1. */
static double first_ms(const cJSON *events, const char *ph, const char *name, const char *thread)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, events) {
        if (strcmp(str(e, "ph"), ph) != 0 || strcmp(str(e, "name"), name) != 0)
            continue;
        const char *t = meta_name(events, (int)num(e, "pid"), (int)num(e, "tid"));
        if (t && strcmp(t, thread) == 0)
            return num(e, "ts") / 1000;
    }
    return -1;
}

static void check_against_metrics(const char *dir, const char *crashed, int dledger)
{
    char err[4352];
    ck_assert_msg(timeline_write(dir, err, sizeof err) == 0, "%s", err);
    cJSON *tl = load_json(dir, "timeline.json"), *m = load_json(dir, "metrics.json");
    check_format(tl);
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(tl, "traceEvents");
    const cJSON *topic = cJSON_GetObjectItemCaseSensitive(m, "topic");
    ck_assert_double_eq_tol(spans_ms(events, "topic", "write outage"), num(topic, "write_unavailable_ms"), 1e-3);
    ck_assert_double_eq_tol(spans_ms(events, "topic", "read outage"), num(topic, "read_unavailable_ms"), 1e-3);
    ck_assert_double_gt(num(topic, "write_unavailable_ms"), 1000);   /* the check has something to check */
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(m, "groups")) {
        const char *name = str(g, "name");
        ck_assert_double_eq_tol(spans_ms(events, name, "write outage"), num(g, "write_unavailable_ms"), 1e-3);
        ck_assert_double_eq_tol(spans_ms(events, name, "read outage"), num(g, "read_unavailable_ms"), 1e-3);
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(g, "failover");
        if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(f, "crash_ms")))
            continue;
        double crash = num(f, "crash_ms");
        ck_assert_double_eq_tol(first_ms(events, "i", "crash.host", crashed), crash, 1e-6);
        ck_assert_double_eq_tol(first_ms(events, "X", "down", crashed), crash, 1e-6);
        if (dledger)
            ck_assert_double_ge(first_ms(events, "X", "election", "election"), 0);
    }
    if (dledger) {
        /* The last election span ends when the new leader was elected. */
        double end = -1;
        const cJSON *e;
        cJSON_ArrayForEach(e, events)
            if (strcmp(str(e, "ph"), "X") == 0 && strcmp(str(e, "name"), "election") == 0)
                end = (num(e, "ts") + num(e, "dur")) / 1000;
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m,
                                                                                                          "groups"),
                                                                             0),
                                                         "failover");
        ck_assert_double_eq_tol(end, num(f, "elected_ms"), 1e-6);
    }
    cJSON_Delete(tl);
    cJSON_Delete(m);
}

START_TEST(manual_failover)
{
    char dir[128];
    check_against_metrics(run("scenarios/master_crash.json", "run.duration_ms=400000", dir, sizeof dir),
                          "broker-a-0", 0);
}
END_TEST

START_TEST(dledger_failover)
{
    char dir[128];
    check_against_metrics(run("scenarios/dledger_master_crash.json", "run.duration_ms=150000", dir, sizeof dir),
                          "broker-a-2", 1);
}
END_TEST

/* The election spans of the timeline in dir: how many, and the start of the last one (ms). */
static int elections(const char *dir, double *last)
{
    char err[4352];
    ck_assert_msg(timeline_write(dir, err, sizeof err) == 0, "%s", err);
    cJSON *tl = load_json(dir, "timeline.json");
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(tl, "traceEvents"))
        if (strcmp(str(e, "ph"), "X") == 0 && strcmp(str(e, "name"), "election") == 0) {
            n++;
            *last = num(e, "ts") / 1000;
        }
    cJSON_Delete(tl);
    return n;
}

/* A DLedger follower restarted while its leader lives starts as a candidate and follows: no election. The
 * leader's crash is one (the start is the other). */
START_TEST(elections_only_without_leader)
{
    char dir[128];
    double last = -1;
    run2("scenarios/dledger_master_crash.json", "run.duration_ms=50000",
         "faults=[{\"at_ms\": 30000, \"op\": \"crash_process\", \"node\": \"@slave:broker-a\", "
         "\"duration_ms\": 5000}]",
         dir, sizeof dir);
    ck_assert_int_eq(elections(dir, &last), 1);
    ck_assert_double_lt(last, 5000);
    run("scenarios/dledger_master_crash.json", "run.duration_ms=90000", dir, sizeof dir);
    ck_assert_int_eq(elections(dir, &last), 2);
    ck_assert_double_gt(last, 60000);
}
END_TEST

START_TEST(same_bytes_and_refusal)
{
    char dir[128], err[4352], path[256];
    run("scenarios/dledger_master_crash.json", "run.duration_ms=90000", dir, sizeof dir);
    ck_assert_int_eq(timeline_write(dir, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/timeline.json", dir);
    char *a = slurp(path);
    ck_assert_int_eq(timeline_write(dir, err, sizeof err), 0);
    char *b = slurp(path);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    /* No trace: refused, naming the folder, nothing written. */
    snprintf(path, sizeof path, "%s/trace.jsonl", dir);
    ck_assert_int_eq(unlink(path), 0);
    snprintf(path, sizeof path, "%s/timeline.json", dir);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(timeline_write(dir, err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, dir));
    ck_assert_ptr_nonnull(strstr(err, "trace.jsonl"));
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(timeline_write("/nonexistent/folder", err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "no such folder"));
}
END_TEST

/* A damaged trace line is refused with its file, line and JSON path, and nothing is written. */
START_TEST(bad_lines_named)
{
    static const struct {
        const char *line, *want;
    } cases[] = {
        {"not json", ":2: $: not a JSON object"},
        {"[1]", ":2: $: not a JSON object"},
        {"{\"node\":\"b\",\"ev\":\"x\"}", ":2: $.t_ms: expected the event's time in ms"},
        {"{\"t_ms\":\"1\",\"node\":\"b\",\"ev\":\"x\"}", ":2: $.t_ms: expected the event's time in ms"},
        {"{\"t_ms\":1,\"ev\":\"x\"}", ":2: $.node: expected the node's name"},
        {"{\"t_ms\":1,\"node\":\"b\",\"ev\":7}", ":2: $.ev: expected the event's name"},
    };
    char dir[128], err[4352], path[256], out[256];
    run("scenarios/master_crash.json", "run.duration_ms=1000", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/trace.jsonl", dir);
    snprintf(out, sizeof out, "%s/timeline.json", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "{\"t_ms\":0,\"node\":\"b\",\"ev\":\"broker.start\"}\n%s\n", cases[i].line);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(timeline_write(dir, err, sizeof err), 2);
        ck_assert_msg(strstr(err, "trace.jsonl") && strstr(err, cases[i].want), "%s: %s", cases[i].line, err);
        ck_assert_int_ne(access(out, F_OK), 0);
    }
}
END_TEST

int main(void)
{
    if (th_root_make("timeline") < 0)
        return 1;
    Suite *s = suite_create("timeline");
    TCase *t = tcase_create("timeline");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, manual_failover);
    tcase_add_test(t, dledger_failover);
    tcase_add_test(t, same_bytes_and_refusal);
    tcase_add_test(t, elections_only_without_leader);
    tcase_add_test(t, bad_lines_named);
    suite_add_tcase(s, t);
    return th_run_suite(s);
}
