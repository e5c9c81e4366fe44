/* test_outdir: a run's output folder is written whole or not at all. A new folder appears only at publish;
 * a second run replaces the first whole (no stale figure stays); a folder holding other files is refused and
 * left alone; a second writer of the same folder is refused while the first holds it; an aborted run leaves
 * the earlier folder as it was; what an interrupted command left beside the folder is cleaned. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/lab/outdir.h"
#include "sim/lab/runner.h"
#include "tests/harness.h"


static void put(const char *dir, const char *name, const char *text)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static int exists(const char *dir, const char *name)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* The number of entries of dir (hidden ones too). */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

START_TEST(new_folder_appears_at_publish)
{
    char base[128], target[256], err[9000];
    th_scratch(base, sizeof base);
    snprintf(target, sizeof target, "%s/run", base);
    struct outdir d;
    ck_assert_int_eq(outdir_begin(&d, target, err, sizeof err), 0);
    ck_assert_int_ne(access(target, F_OK), 0);   /* nothing visible yet */
    put(d.stage, "metrics.json", "{}\n");
    ck_assert_int_eq(outdir_publish(&d, err, sizeof err), 0);
    ck_assert(exists(target, "metrics.json"));
    ck_assert_int_eq(entries(base), 1);          /* no staging folder, no lock file left */
}
END_TEST

START_TEST(second_run_replaces_whole)
{
    char base[128], target[256], err[9000];
    th_scratch(base, sizeof base);
    snprintf(target, sizeof target, "%s/run", base);
    struct outdir d;
    ck_assert_int_eq(outdir_begin(&d, target, err, sizeof err), 0);
    put(d.stage, "metrics.json", "{\"run\": 1}\n");
    put(d.stage, "availability.png", "old figure");
    put(d.stage, "trace.jsonl", "{}\n");
    ck_assert_int_eq(outdir_publish(&d, err, sizeof err), 0);
    ck_assert_int_eq(outdir_begin(&d, target, err, sizeof err), 0);
    put(d.stage, "metrics.json", "{\"run\": 2}\n");
    ck_assert_int_eq(outdir_publish(&d, err, sizeof err), 0);
    ck_assert(exists(target, "metrics.json"));
    ck_assert(!exists(target, "availability.png"));
    ck_assert(!exists(target, "trace.jsonl"));
    ck_assert_int_eq(entries(target), 1);
    ck_assert_int_eq(entries(base), 1);
}
END_TEST

START_TEST(other_files_refused)
{
    char base[128], target[256], err[9000];
    th_scratch(base, sizeof base);
    snprintf(target, sizeof target, "%s/run", base);
    ck_assert_int_eq(mkdir(target, 0755), 0);
    put(target, "metrics.json", "{}\n");
    put(target, "notes.txt", "mine");
    struct outdir d;
    ck_assert_int_eq(outdir_begin(&d, target, err, sizeof err), OUTDIR_ERR);
    ck_assert_ptr_nonnull(strstr(err, "notes.txt"));
    ck_assert_ptr_nonnull(strstr(err, target));
    ck_assert(exists(target, "notes.txt"));
    ck_assert_int_eq(entries(base), 1);
    /* A file where the folder should be, ".", "/" */
    snprintf(target, sizeof target, "%s/run/notes.txt", base);
    ck_assert_int_eq(outdir_begin(&d, target, err, sizeof err), OUTDIR_ERR);
    ck_assert_int_eq(outdir_begin(&d, ".", err, sizeof err), OUTDIR_ERR);
    ck_assert_int_eq(outdir_begin(&d, "/", err, sizeof err), OUTDIR_ERR);
    ck_assert_int_eq(outdir_begin(&d, "a/..", err, sizeof err), OUTDIR_ERR);
    /* A last name past NAME_MAX is refused whole, not cut to one whose lock another run could hold; nothing is
     * made. */
    char longname[400];
    memset(longname, 'x', 300);
    longname[300] = 0;
    char target2[600];
    snprintf(target2, sizeof target2, "%s/%s", base, longname);
    ck_assert_int_eq(outdir_begin(&d, target2, err, sizeof err), OUTDIR_ERR);
    ck_assert_ptr_nonnull(strstr(err, "its last name at most 255"));
    ck_assert_int_eq(entries(base), 1);
}
END_TEST

START_TEST(second_writer_refused)
{
    char base[128], target[256], err[9000];
    th_scratch(base, sizeof base);
    snprintf(target, sizeof target, "%s/run", base);
    struct outdir a, b;
    ck_assert_int_eq(outdir_begin(&a, target, err, sizeof err), 0);
    /* flock excludes another open of the lock file, in this process as in another one. */
    ck_assert_int_eq(outdir_begin(&b, target, err, sizeof err), OUTDIR_BUSY);
    ck_assert_ptr_nonnull(strstr(err, "another mqsim"));
    put(a.stage, "metrics.json", "{}\n");
    ck_assert_int_eq(outdir_publish(&a, err, sizeof err), 0);
    ck_assert_int_eq(outdir_begin(&b, target, err, sizeof err), 0);   /* free again */
    outdir_abort(&b);
}
END_TEST

START_TEST(abort_keeps_earlier_and_cleans_stale)
{
    char base[128], target[256], err[9000], stale[512];
    th_scratch(base, sizeof base);
    snprintf(target, sizeof target, "%s/run", base);
    struct outdir d;
    ck_assert_int_eq(outdir_begin(&d, target, err, sizeof err), 0);
    put(d.stage, "metrics.json", "{\"run\": 1}\n");
    ck_assert_int_eq(outdir_publish(&d, err, sizeof err), 0);
    ck_assert_int_eq(outdir_begin(&d, target, err, sizeof err), 0);
    put(d.stage, "metrics.json", "{\"run\": 2}\n");
    outdir_abort(&d);
    ck_assert(exists(target, "metrics.json"));
    ck_assert_int_eq(entries(base), 1);
    /* A killed command's staging and old folders. */
    snprintf(stale, sizeof stale, "%s/.run.tmp-99999999", base);
    ck_assert_int_eq(mkdir(stale, 0755), 0);
    put(stale, "trace.jsonl", "half");
    snprintf(stale, sizeof stale, "%s/.run.old-1", base);
    ck_assert_int_eq(mkdir(stale, 0755), 0);
    ck_assert_int_eq(entries(base), 3);
    ck_assert_int_eq(outdir_begin(&d, target, err, sizeof err), 0);
    outdir_abort(&d);
    ck_assert_int_eq(entries(base), 1);
}
END_TEST

int main(void)
{
    if (th_root_make("outdir") < 0)
        return 1;
    Suite *s = suite_create("outdir");
    TCase *t = tcase_create("outdir");
    tcase_add_test(t, new_folder_appears_at_publish);
    tcase_add_test(t, second_run_replaces_whole);
    tcase_add_test(t, other_files_refused);
    tcase_add_test(t, second_writer_refused);
    tcase_add_test(t, abort_keeps_earlier_and_cleans_stale);
    suite_add_tcase(s, t);
    return th_run_suite(s);
}
