/* fuzz_sweep: the sweep file loader (sweep_load: its keys, the metric expressions, and loading the base
 * scenario with "set" and every varied value). sweep_load reads a file, so each input is written to
 * DIR/sweep.json in a private temporary directory that also holds links to the shipped scenarios
 * (scenarios/ *.json, from the working directory or $MQSIM_SCENARIOS), which "base" may name. Nothing is
 * run. A rejected input must come back as one line naming the file.
 *
 * Inputs whose grid has more than MAX_GRID points are skipped: sweep_load loads the base scenario once a
 * grid point, so 3 keys of 100 values (1.4 KB) take a minute in a normal build and far longer here, a
 * timeout on every such input. That is models/sweep.c's to bound; drop this skip when it does. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "sim/lab/sweep.h"
#include "tests/fuzz/fuzz_common.h"

#define MAX_GRID 10000

static char dir[64];
static char file[128];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void cleanup(void)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *src = getenv("MQSIM_SCENARIOS");
    static char abs_src[8192];
    char cwd[4096], from[8192 + 256], to[512];
    if (!src || !*src)
        src = "scenarios";
    if (src[0] != '/' && getcwd(cwd, sizeof cwd)) {
        snprintf(abs_src, sizeof abs_src, "%s/%s", cwd, src);
        src = abs_src;
    }
    snprintf(dir, sizeof dir, "/tmp/mqsim-fuzz-sweep-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("fuzz_sweep: mkdtemp");
        abort();
    }
    atexit(cleanup);
    snprintf(file, sizeof file, "%s/sweep.json", dir);
    DIR *d = opendir(src);
    if (!d) {
        fprintf(stderr, "fuzz_sweep: cannot open %s (run from the repository root or set MQSIM_SCENARIOS)\n", src);
        abort();
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0 && strcmp(e->d_name, "sweep.json") != 0) {
            snprintf(from, sizeof from, "%s/%s", src, e->d_name);
            snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
            if (symlink(from, to) != 0)
                perror("fuzz_sweep: symlink");
        }
    }
    closedir(d);
    return 0;
}

/* The number of grid points the input asks for, as far as it can be read (0 when it cannot). */
static double grid_points(const uint8_t *data, size_t size)
{
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    const cJSON *vary = cJSON_GetObjectItemCaseSensitive(root, "vary"), *v;
    double n = 1;
    cJSON_ArrayForEach(v, vary)
    {
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(v, "values");
        if (cJSON_IsArray(vals))
            n *= cJSON_GetArraySize(vals);
    }
    cJSON_Delete(root);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (grid_points(data, size) > MAX_GRID)
        return 0;
    FILE *f = fopen(file, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror("fuzz_sweep: cannot write the input");
        abort();
    }
    struct sweep sw;
    struct conf c;
    if (sweep_load(&sw, file, &c) < 0)
        fuzz_check_error(&c, file, "sweep_load");
    sweep_free(&sw);
    return 0;
}
