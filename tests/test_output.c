/* Unit tests for the output modules: atomic files (out), the JSON Lines trace, CSV time series, stats. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/out.h"
#include "sim/stats.h"
#include "sim/trace.h"
#include "sim/tseries.h"
#include "tests/harness.h"

/* ---- helpers ---- */

/* A fresh empty directory; each test makes its own so tests cannot see each other's files. */
static void make_tmpdir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/mqsim-test-output-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* rm -rf, for the directories made above. */
static void remove_tree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    char sub[OUT_PATH_MAX];

    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    d = opendir(path);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

/* Number of entries in dir other than . and ..; the first one's name goes to first (if not NULL). */
static int count_entries(const char *dir, char *first, size_t size)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n++ == 0 && first != NULL)
            snprintf(first, size, "%s", e->d_name);
    }
    closedir(d);
    return n;
}

/* The whole content of a stream from its start, NUL-terminated; *len gets the byte count. */
static char *read_stream(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);

    ck_assert_ptr_nonnull(buf);
    rewind(f);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
    }
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* ---- out ---- */

START_TEST(test_out_commit_creates_final_file)
{
    char dir[64], path[128], name[256], err[256] = "";
    struct out_file o;

    make_tmpdir(dir, sizeof dir);
    ck_assert_int_eq(out_open(&o, dir, "a.txt", err, sizeof err), 0);
    fputs("hello\n", o.f);
    /* While open, only the temporary file exists, under a hidden name. */
    ck_assert_int_eq(count_entries(dir, name, sizeof name), 1);
    ck_assert_msg(strncmp(name, ".a.txt.tmp.", 11) == 0, "temporary name %s", name);
    snprintf(path, sizeof path, "%s/a.txt", dir);
    ck_assert(!th_exists(path));

    ck_assert_int_eq(out_commit(&o, err, sizeof err), 0);
    ck_assert_ptr_null(o.f);
    ck_assert_int_eq(count_entries(dir, name, sizeof name), 1);
    ck_assert_str_eq(name, "a.txt");
    char *s = th_read(path);
    ck_assert_str_eq(s, "hello\n");
    free(s);

    out_abort(&o);  /* after a commit: must not touch the committed file */
    ck_assert(th_exists(path));

    /* A second commit replaces the file whole. */
    ck_assert_int_eq(out_open(&o, dir, "a.txt", err, sizeof err), 0);
    fputs("second\n", o.f);
    ck_assert_int_eq(out_commit(&o, err, sizeof err), 0);
    s = th_read(path);
    ck_assert_str_eq(s, "second\n");
    free(s);
    ck_assert_int_eq(count_entries(dir, NULL, 0), 1);
    remove_tree(dir);
}
END_TEST

START_TEST(test_out_abort_leaves_nothing)
{
    char dir[64], path[128], err[256] = "";
    struct out_file o;
    struct out_file zero = {0};

    out_abort(&zero);   /* never opened: nothing to do */
    out_abort(&zero);

    make_tmpdir(dir, sizeof dir);
    ck_assert_int_eq(out_open(&o, dir, "m.json", err, sizeof err), 0);
    fputs("partial", o.f);
    out_abort(&o);
    ck_assert_int_eq(count_entries(dir, NULL, 0), 0);
    out_abort(&o);      /* twice is fine */

    /* An abort leaves an existing file as it was. */
    snprintf(path, sizeof path, "%s/m.json", dir);
    write_file(path, "old\n");
    ck_assert_int_eq(out_open(&o, dir, "m.json", err, sizeof err), 0);
    fputs("new", o.f);
    out_abort(&o);
    ck_assert_int_eq(count_entries(dir, NULL, 0), 1);
    char *s = th_read(path);
    ck_assert_str_eq(s, "old\n");
    free(s);

    /* Committing a struct that is not open fails without crashing. */
    ck_assert_int_eq(out_commit(&o, err, sizeof err), -1);
    remove_tree(dir);
}
END_TEST

START_TEST(test_out_mkdirs)
{
    char dir[64], path[256], want[256], err[512] = "";

    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/a/b//c/", dir);
    ck_assert_int_eq(out_mkdirs(path, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    ck_assert(th_exists(path));
    ck_assert_int_eq(out_mkdirs(path, err, sizeof err), 0);  /* already there */

    /* A regular file in the way, as the directory itself and as a parent. */
    snprintf(path, sizeof path, "%s/file", dir);
    write_file(path, "x");
    ck_assert_int_eq(out_mkdirs(path, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s/file: not a directory", dir);
    ck_assert_str_eq(err, want);

    snprintf(path, sizeof path, "%s/file/sub/deeper", dir);
    err[0] = '\0';
    ck_assert_int_eq(out_mkdirs(path, err, sizeof err), -1);
    ck_assert_str_eq(err, want);

    ck_assert_int_eq(out_mkdirs("", err, sizeof err), -1);
    ck_assert_int_eq(out_mkdirs(path, NULL, 0), -1);  /* no error buffer is fine */
    remove_tree(dir);
}
END_TEST

START_TEST(test_out_open_fails)
{
    char dir[64], path[128], want[256], err[512] = "";
    struct out_file o;

    /* Tests run as root, which can write anywhere: a "directory" that is a regular file fails for all. */
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/file", dir);
    write_file(path, "x");
    ck_assert_int_eq(out_open(&o, path, "metrics.json", err, sizeof err), -1);
    snprintf(want, sizeof want, "%s/file/metrics.json: cannot open for writing: %s", dir, strerror(ENOTDIR));
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(o.f);
    out_abort(&o);

    ck_assert_int_eq(out_open(&o, dir, "sub/x.json", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "plain file name"));
    ck_assert_int_eq(count_entries(dir, NULL, 0), 1);
    remove_tree(dir);
}
END_TEST

START_TEST(test_out_commit_rename_fails)
{
    char dir[64], path[128], want[256], err[512] = "";
    struct out_file o;

    /* dir/x is a non-empty directory, so renaming a file over it fails at the last step. */
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/x", dir);
    ck_assert_int_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/x/keep", dir);
    write_file(path, "k");

    ck_assert_int_eq(out_open(&o, dir, "x", err, sizeof err), 0);
    fputs("data", o.f);
    ck_assert_int_eq(out_commit(&o, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s/x: cannot rename into place: ", dir);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got: %s", err);
    ck_assert_int_eq(count_entries(dir, NULL, 0), 1);   /* the temporary file is gone */
    out_abort(&o);
    remove_tree(dir);
}
END_TEST

START_TEST(test_out_write_json)
{
    char dir[64], path[128], err[256] = "";
    cJSON *root = cJSON_CreateObject();

    cJSON_AddNumberToObject(root, "a", 1);
    cJSON_AddStringToObject(root, "b", "x");
    make_tmpdir(dir, sizeof dir);
    ck_assert_int_eq(out_write_json(dir, "m.json", root, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/m.json", dir);
    char *s = th_read(path);
    ck_assert_str_eq(s, "{\n\t\"a\":\t1,\n\t\"b\":\t\"x\"\n}\n");
    free(s);
    ck_assert_int_eq(count_entries(dir, NULL, 0), 1);

    snprintf(path, sizeof path, "%s/m.json", dir);  /* a file, so not usable as a directory */
    ck_assert_int_eq(out_write_json(path, "n.json", root, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot open for writing"));
    cJSON_Delete(root);
    remove_tree(dir);
}
END_TEST

START_TEST(test_out_format_double)
{
    static const struct { double v; const char *want; } cases[] = {
        {3, "3"}, {-12, "-12"}, {0, "0"}, {-0.0, "0"}, {2.5, "2.5"}, {-2.5, "-2.5"},
        {0.000001, "0.000001"}, {1e-9, "0"}, {-1e-9, "0"}, {1.0 / 3, "0.333333"}, {2.0 / 3, "0.666667"},
        {12.345, "12.345"}, {9007199254740991.0, "9007199254740991"}, {1e20, "100000000000000000000"},
    };
    char buf[OUT_NUM_MAX];
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = out_format_double(buf, cases[i].v);
        ck_assert_str_eq(buf, cases[i].want);
        ck_assert_uint_eq(n, strlen(cases[i].want));
    }
    ck_assert_uint_eq(out_format_double(buf, NAN), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(out_format_double(buf, -INFINITY), 0);
    /* The longest case fits. */
    ck_assert_uint_eq(out_format_double(buf, -1.7976931348623157e308), 309 + 1);
}
END_TEST

/* ---- trace ---- */

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
    s = read_stream(f, NULL);
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
    s = read_stream(f, NULL);
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
    s = read_stream(f, NULL);
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
    s = read_stream(f, &len);
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
    s = read_stream(f, &len);
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

/* ---- tseries ---- */

static char *csv_of(const struct tseries *ts, int want_rc)
{
    FILE *f = tmpfile();
    char *s;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(tseries_write_csv(ts, f), want_rc);
    s = read_stream(f, NULL);
    fclose(f);
    return s;
}

START_TEST(test_tseries_csv)
{
    static const char *const cols[] = {"t_ms", "lag", "rate"};
    struct tseries *ts = tseries_new(cols, 3);
    char *s;

    ck_assert_ptr_nonnull(ts);
    ck_assert_int_eq(tseries_row(ts, (double[]){0, 0, NAN}), 0);
    ck_assert_int_eq(tseries_row(ts, (double[]){100, 5, 2.5}), 0);
    ck_assert_int_eq(tseries_row(ts, (double[]){200, -3, 1.0 / 3}), 0);
    ck_assert_int_eq(tseries_row(ts, (double[]){300, INFINITY, 1e-7}), 0);
    ck_assert_uint_eq(tseries_rows(ts), 4);
    ck_assert(tseries_get(ts, 1, 2) == 2.5);
    ck_assert(isnan(tseries_get(ts, 0, 2)));
    ck_assert_ptr_null(tseries_label(ts, 0));
    s = csv_of(ts, 0);
    ck_assert_str_eq(s, "t_ms,lag,rate\n0,0,\n100,5,2.5\n200,-3,0.333333\n300,inf,0\n");
    free(s);

    /* A label given to a table without a label column drops the row, and the table is not written. */
    ck_assert_int_eq(tseries_row_labeled(ts, "g", (double[]){1, 2, 3}), -1);
    ck_assert_uint_eq(tseries_rows(ts), 4);
    s = csv_of(ts, -1);
    free(s);
    tseries_free(ts);

    ck_assert_ptr_null(tseries_new(cols, 0));
    tseries_free(NULL);
}
END_TEST

START_TEST(test_tseries_labeled)
{
    static const char *const cols[] = {"t_ms", "lag"};
    struct tseries *ts = tseries_new_labeled("group", cols, 2);
    char *s;

    ck_assert_ptr_nonnull(ts);
    ck_assert_int_eq(tseries_row_labeled(ts, "broker-a", (double[]){0, 1}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, "broker-b", (double[]){0, 2}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, "broker-a", (double[]){100, 3}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, NULL, (double[]){100, NAN}), 0);
    ck_assert_int_eq(tseries_row(ts, (double[]){200, 0.5}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, "x,\"y\"", (double[]){1, 1}), 0);
    /* Repeated labels are stored once. */
    ck_assert_ptr_eq(tseries_label(ts, 0), tseries_label(ts, 2));
    ck_assert_str_eq(tseries_label(ts, 1), "broker-b");
    ck_assert_ptr_null(tseries_label(ts, 3));
    s = csv_of(ts, 0);
    ck_assert_str_eq(s,
        "group,t_ms,lag\n"
        "broker-a,0,1\n"
        "broker-b,0,2\n"
        "broker-a,100,3\n"
        ",100,\n"
        ",200,0.5\n"
        "\"x,\"\"y\"\"\",1,1\n");
    free(s);
    tseries_free(ts);
}
END_TEST

static char *csv_long_of(const struct tseries *ts, int time_col, int want_rc)
{
    FILE *f = tmpfile();
    char *s;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(tseries_write_csv_long(ts, f, time_col), want_rc);
    s = read_stream(f, NULL);
    fclose(f);
    return s;
}

/* Long form: a row per time, label and metric, missing values left out, labels quoted as in the wide form. */
START_TEST(test_tseries_long)
{
    static const char *const cols[] = {"t_ms", "lag", "p99"};
    struct tseries *ts = tseries_new_labeled("group", cols, 3), *plain;
    char *s;

    ck_assert_ptr_nonnull(ts);
    ck_assert_int_eq(tseries_row_labeled(ts, "*", (double[]){0, NAN, 1.5}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, "broker-a", (double[]){0, 7, NAN}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, NULL, (double[]){1000, 2, INFINITY}), 0);
    ck_assert_int_eq(tseries_row_labeled(ts, "x,y", (double[]){1000.5, 0, 1.0 / 3}), 0);
    s = csv_long_of(ts, 0, 0);
    ck_assert_str_eq(s,
        "t_ms,group,metric,value\n"
        "0,*,p99,1.5\n"
        "0,broker-a,lag,7\n"
        "1000,,lag,2\n"
        "1000,,p99,inf\n"
        "1000.5,\"x,y\",lag,0\n"
        "1000.5,\"x,y\",p99,0.333333\n");
    free(s);
    /* Another column as the time (a NaN time is an empty field), and one out of range. */
    s = csv_long_of(ts, 1, 0);
    ck_assert_str_eq(s, "lag,group,metric,value\n,*,t_ms,0\n,*,p99,1.5\n7,broker-a,t_ms,0\n2,,t_ms,1000\n"
                        "2,,p99,inf\n0,\"x,y\",t_ms,1000.5\n0,\"x,y\",p99,0.333333\n");
    free(s);
    free(csv_long_of(ts, 3, -1));
    free(csv_long_of(ts, -1, -1));
    tseries_free(ts);

    /* Without a label column there is no label field. */
    plain = tseries_new(cols, 3);
    ck_assert_ptr_nonnull(plain);
    ck_assert_int_eq(tseries_row(plain, (double[]){5, 1, NAN}), 0);
    s = csv_long_of(plain, 0, 0);
    ck_assert_str_eq(s, "t_ms,metric,value\n5,lag,1\n");
    free(s);
    /* A dropped row fails the write, as in the wide form. */
    ck_assert_int_eq(tseries_row_labeled(plain, "g", (double[]){6, 1, 1}), -1);
    free(csv_long_of(plain, 0, -1));
    tseries_free(plain);
}
END_TEST

START_TEST(test_tseries_growth)
{
    static const char *const cols[] = {"i", "half"};
    struct tseries *ts = tseries_new_labeled("g", cols, 2);
    char label[32];
    int i;

    ck_assert_ptr_nonnull(ts);
    /* Many rows and enough distinct labels to grow both the rows and the label table several times. */
    for (i = 0; i < 20000; i++) {
        snprintf(label, sizeof label, "g%d", i % 300);
        ck_assert_int_eq(tseries_row_labeled(ts, label, (double[]){i, i / 2.0}), 0);
    }
    ck_assert_uint_eq(tseries_rows(ts), 20000);
    for (i = 0; i < 20000; i += 997) {
        snprintf(label, sizeof label, "g%d", i % 300);
        ck_assert(tseries_get(ts, (size_t)i, 0) == i);
        ck_assert(tseries_get(ts, (size_t)i, 1) == i / 2.0);
        ck_assert_str_eq(tseries_label(ts, (size_t)i), label);
    }
    ck_assert_ptr_eq(tseries_label(ts, 5), tseries_label(ts, 305));
    tseries_free(ts);
}
END_TEST

/* ---- stats ---- */

#define ck_assert_near(a, b, eps) ck_assert_msg(fabs((a) - (b)) <= (eps), "%.17g != %.17g", (a), (b))

START_TEST(test_stats_sample)
{
    /* x = {2,4,4,4,5,5,7,9} (given unsorted, to exercise the sort):
     *   mean = 40/8 = 5
     *   squared deviations 9+1+1+1+0+0+4+16 = 32, sd = sqrt(32/7) = 2.138089935299395
     *   t(0.975, 7) = 2.364624251592785 (Student t table: 2.3646)
     *   half width = 2.364624251592785 * 2.138089935299395 / sqrt(8) = 1.7874879182362104
     *   CI = [3.2125120817637898, 6.78748791823621]
     *   median = (4 + 5) / 2 = 4.5
     *   p95 (GSL: linear at (n-1)*0.95 = 6.65) = x[6] + 0.65 * (x[7] - x[6]) = 7 + 0.65 * 2 = 8.3 */
    static const double x[] = {9, 4, 2, 5, 4, 7, 4, 5};
    double copy[8];
    struct stats_summary s;

    memcpy(copy, x, sizeof x);
    ck_assert_int_eq(stats_summarize(copy, 8, &s), 0);
    ck_assert(memcmp(copy, x, sizeof x) == 0);  /* input untouched */
    ck_assert_uint_eq(s.n, 8);
    ck_assert_near(s.mean, 5.0, 1e-12);
    ck_assert_near(s.sd, 2.138089935299395, 1e-12);
    ck_assert_near(s.ci95_half, 1.7874879182362104, 1e-9);
    ck_assert_near(s.ci95_lo, 3.2125120817637898, 1e-9);
    ck_assert_near(s.ci95_hi, 6.78748791823621, 1e-9);
    ck_assert_near(s.median, 4.5, 1e-12);
    ck_assert_near(s.p95, 8.3, 1e-12);
    ck_assert_near(s.min, 2.0, 0);
    ck_assert_near(s.max, 9.0, 0);

    cJSON *j = stats_to_json(&s);
    ck_assert_ptr_nonnull(j);
    ck_assert_near(cJSON_GetObjectItem(j, "n")->valuedouble, 8.0, 0);
    ck_assert_near(cJSON_GetObjectItem(j, "p95")->valuedouble, 8.3, 1e-12);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "ci95")), 2);
    ck_assert_near(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "ci95"), 1)->valuedouble, 6.78748791823621, 1e-9);
    cJSON_Delete(j);
}
END_TEST

START_TEST(test_stats_small_samples)
{
    struct stats_summary s;
    char *text;
    cJSON *j;

    /* n == 0: nothing but n. */
    ck_assert_int_eq(stats_summarize(NULL, 0, &s), 0);
    ck_assert_uint_eq(s.n, 0);
    ck_assert(isnan(s.mean) && isnan(s.sd) && isnan(s.median) && isnan(s.p95));
    ck_assert(isnan(s.ci95_lo) && isnan(s.ci95_hi) && isnan(s.ci95_half) && isnan(s.min) && isnan(s.max));
    j = stats_to_json(&s);
    text = cJSON_PrintUnformatted(j);
    ck_assert_str_eq(text, "{\"n\":0,\"mean\":null,\"sd\":null,\"ci95\":[null,null],\"median\":null,"
                           "\"p95\":null,\"min\":null,\"max\":null}");
    free(text);
    cJSON_Delete(j);

    /* n == 1: no spread, so no interval. */
    ck_assert_int_eq(stats_summarize((double[]){3}, 1, &s), 0);
    j = stats_to_json(&s);
    text = cJSON_PrintUnformatted(j);
    ck_assert_str_eq(text, "{\"n\":1,\"mean\":3,\"sd\":0,\"ci95\":[null,null],\"median\":3,"
                           "\"p95\":3,\"min\":3,\"max\":3}");
    free(text);
    cJSON_Delete(j);

    /* NaN values are skipped: {1, 3} remain. p95 = 1 + 0.95 * (3 - 1) = 2.9;
     * half width = t(0.975, 1) * sqrt(2) / sqrt(2) = 12.706204736174705. */
    ck_assert_int_eq(stats_summarize((double[]){NAN, 3, NAN, 1}, 4, &s), 0);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_near(s.mean, 2.0, 1e-12);
    ck_assert_near(s.p95, 2.9, 1e-12);
    ck_assert_near(s.ci95_half, 12.706204736174705, 1e-9);

    ck_assert_int_eq(stats_summarize((double[]){NAN}, 1, &s), 0);
    ck_assert_uint_eq(s.n, 0);
    ck_assert(isnan(s.mean));
}
END_TEST

static Suite *output_suite(void)
{
    Suite *s = suite_create("output");
    TCase *tc;

    tc = tcase_create("out");
    tcase_add_test(tc, test_out_commit_creates_final_file);
    tcase_add_test(tc, test_out_abort_leaves_nothing);
    tcase_add_test(tc, test_out_mkdirs);
    tcase_add_test(tc, test_out_open_fails);
    tcase_add_test(tc, test_out_commit_rename_fails);
    tcase_add_test(tc, test_out_write_json);
    tcase_add_test(tc, test_out_format_double);
    suite_add_tcase(s, tc);

    tc = tcase_create("trace");
    tcase_add_test(tc, test_trace_level_parse);
    tcase_add_test(tc, test_trace_t_ms);
    tcase_add_test(tc, test_trace_fields);
    tcase_add_test(tc, test_trace_escape);
    tcase_add_test(tc, test_trace_off_writes_nothing);
    tcase_add_test(tc, test_trace_many_events);
    tcase_add_test(tc, test_trace_huge_string);
    tcase_add_test(tc, test_trace_write_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("tseries");
    tcase_add_test(tc, test_tseries_csv);
    tcase_add_test(tc, test_tseries_labeled);
    tcase_add_test(tc, test_tseries_long);
    tcase_add_test(tc, test_tseries_growth);
    suite_add_tcase(s, tc);

    tc = tcase_create("stats");
    tcase_add_test(tc, test_stats_sample);
    tcase_add_test(tc, test_stats_small_samples);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(output_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
