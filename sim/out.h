/* out: output files written under a temporary name and renamed into place, so no reader sees half a file. */
#ifndef SIM_OUT_H
#define SIM_OUT_H

#include <stddef.h>
#include <stdio.h>
#include <cJSON.h>

#define OUT_PATH_MAX 4096
/* Longest text out_format_double produces, with its NUL: "%.6f" of -DBL_MAX is 317 characters. */
#define OUT_NUM_MAX 352

/* One output file being written. A zero-initialised struct is "not open": out_abort on it does nothing. */
struct out_file {
    FILE *f;                    /* write through this between out_open and out_commit */
    char *buf;                  /* stdio buffer, freed after fclose */
    char tmp[OUT_PATH_MAX];     /* dir/.name.tmp.<pid>; empty when there is nothing to clean up */
    char final[OUT_PATH_MAX];   /* dir/name */
};

/* Errors below are one line without a trailing newline, naming the path: "out/x: not a directory",
 * "out/x/metrics.json: write failed: No space left on device". err may be NULL or errsz 0 to ignore it. */

/* Creates dir and any missing parents (mkdir -p, mode 0777 before umask). An existing directory is fine.
 * Returns 0, or -1 with an error naming the component that could not be created or is not a directory. */
int out_mkdirs(const char *dir, char *err, size_t errsz);

/* Opens dir/.name.tmp.<pid> for writing with a 1 MiB buffer. name is a plain file name (no '/'); dir must
 * exist. Returns 0 with o->f ready, or -1 with an error and o left zeroed (out_abort is still safe). */
int out_open(struct out_file *o, const char *dir, const char *name, char *err, size_t errsz);

/* Finishes the file: any earlier write error, fflush, fsync, fclose, then rename over dir/name. Returns 0,
 * or -1 with an error; either way the temporary file is gone and o is zeroed (out_abort is a no-op). */
int out_commit(struct out_file *o, char *err, size_t errsz);

/* Closes and deletes the temporary file, leaving dir/name as it was. Safe on a zeroed, committed or
 * already aborted struct. */
void out_abort(struct out_file *o);

/* Writes root as formatted JSON (cJSON_Print) plus a final newline to dir/name, atomically. 0 or -1. */
int out_write_json(const char *dir, const char *name, const cJSON *root, char *err, size_t errsz);

/* The number format every output file shares (trace, CSV), so the same value always reads the same:
 * integral values as integers ("3", "-12"), others as "%.6f" with trailing zeros trimmed ("2.5", "0.000001");
 * values that round to zero are "0", never "-0". Writes into buf (OUT_NUM_MAX bytes) with a NUL and returns
 * the length, or returns 0 and writes "" for NaN and infinities, which the caller spells its own way. */
size_t out_format_double(char *buf, double v);

#endif
