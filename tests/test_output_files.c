/* Unit tests for atomic output files (sim/out): written to a temporary name and renamed into place, or nothing. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/out.h"
#include "tests/harness.h"

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

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

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

static Suite *output_files_suite(void)
{
    Suite *s = suite_create("output_files");
    TCase *tc = tcase_create("out");
    tcase_add_test(tc, test_out_commit_creates_final_file);
    tcase_add_test(tc, test_out_abort_leaves_nothing);
    tcase_add_test(tc, test_out_mkdirs);
    tcase_add_test(tc, test_out_open_fails);
    tcase_add_test(tc, test_out_commit_rename_fails);
    tcase_add_test(tc, test_out_write_json);
    tcase_add_test(tc, test_out_format_double);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(output_files_suite());
}
