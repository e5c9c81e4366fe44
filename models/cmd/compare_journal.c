/* compare_journal: DIR/.compare-runs.jsonl, the runs of an unfinished compare, so that an interrupted compare
 * resumes. Each finished run (exit 0 or 1, with its metrics) is appended as one line with a single write and
 * fsync: the scenario file's sha256, the --set values, the seed and the mqsim version it was run with, its exit
 * status and the figures compare takes from its metrics.json (numbers as cJSON prints them, which read back
 * to the same double). A run of the same file content, --set values, seed and version is taken from the
 * journal instead of being run again, so the resumed compare writes what an uninterrupted one would. The
 * journal is removed once compare.csv and compare.json are written. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/cmd/compare_int.h"
#include "sim/lab/scenario.h"

#define JOURNAL ".compare-runs.jsonl"

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static void nums_read(const cJSON *arr, double *v, int n)
{
    for (int k = 0; k < n; k++) {
        const cJSON *x = cJSON_GetArrayItem(arr, k);
        v[k] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
    }
}

/* Whether line j was made by scenario s with this compare's --set values and this mqsim. */
static int same_making(const struct compare *c, size_t s, const cJSON *j)
{
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(j, "scenario_sha256");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(j, "mqsim_version");
    const cJSON *sets = cJSON_GetObjectItemCaseSensitive(j, "set");
    if (!cJSON_IsString(sha) || strcmp(sha->valuestring, c->sha[s]) != 0 || !cJSON_IsString(ver) ||
        strcmp(ver->valuestring, MQSIM_VERSION) != 0 || !cJSON_IsArray(sets) || cJSON_GetArraySize(sets) != c->nsets)
        return 0;
    for (int k = 0; k < c->nsets; k++) {
        const cJSON *x = cJSON_GetArrayItem(sets, k);
        if (!cJSON_IsString(x) || strcmp(x->valuestring, c->sets[k]) != 0)
            return 0;
    }
    return 1;
}

/* Fills run i from line j. Returns 0, or -1 when the line is not a run's (it is then ignored). */
static int restore(struct crun *r, const cJSON *j)
{
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "exit");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "v");
    const cJSON *gs = cJSON_GetObjectItemCaseSensitive(j, "groups"), *g;
    if (!cJSON_IsNumber(ex) || (ex->valueint != 0 && ex->valueint != 1) || cJSON_GetArraySize(v) != CR_COUNT ||
        !cJSON_IsArray(gs))
        return -1;
    int n = cJSON_GetArraySize(gs);
    struct cgroup *gr = n ? calloc((size_t)n, sizeof *gr) : NULL;
    if (n && !gr)
        return -1;
    size_t ng = 0;
    cJSON_ArrayForEach(g, gs) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "name");
        const cJSON *gv = cJSON_GetObjectItemCaseSensitive(g, "v");
        if (!cJSON_IsString(name) || cJSON_GetArraySize(gv) != CG_COUNT)
            continue;
        gr[ng].name = strdup(name->valuestring);
        if (!gr[ng].name)
            continue;
        gr[ng].failover = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "failover"));
        nums_read(gv, gr[ng].v, CG_COUNT);
        ng++;
    }
    r->status = ex->valueint;
    r->has_metrics = 1;
    nums_read(v, r->v, CR_COUNT);
    r->g = gr;
    r->ng = ng;
    return 0;
}

int compare_journal_open(struct compare *c, const char *dir, size_t *reused, char *err, size_t errsz)
{
    snprintf(c->journal, sizeof c->journal, "%s/%s", dir, JOURNAL);
    *reused = 0;
    c->jfd = open(c->journal, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (c->jfd < 0) {
        snprintf(err, errsz, "%s: cannot open: %s", c->journal, strerror(errno));
        return -1;
    }
    if (flock(c->jfd, LOCK_EX | LOCK_NB) < 0) {
        snprintf(err, errsz, "%s: another mqsim is writing this folder", dir);
        close(c->jfd);
        c->jfd = -1;
        return -1;
    }
    struct stat st;
    char *text = NULL;
    if (fstat(c->jfd, &st) == 0 && st.st_size > 0 && (text = malloc((size_t)st.st_size + 1)) != NULL) {
        ssize_t got = pread(c->jfd, text, (size_t)st.st_size, 0);
        size_t len = got > 0 ? (size_t)got : 0;
        text[len] = '\0';
        /* A line cut short (a full disk, a crash mid-write) is dropped, so the next one starts afresh. */
        char *last = strrchr(text, '\n');
        size_t keep = last ? (size_t)(last - text) + 1 : 0;
        if (keep < len && ftruncate(c->jfd, (off_t)keep) < 0) {
            snprintf(err, errsz, "%s: cannot truncate: %s", c->journal, strerror(errno));
            free(text);
            return -1;
        }
        text[keep] = '\0';
        for (char *line = text, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            *nl = '\0';
            cJSON *j = cJSON_Parse(line);
            const cJSON *seed = cJSON_GetObjectItemCaseSensitive(j, "seed");
            if (cJSON_IsNumber(seed) && seed->valuedouble >= (double)c->seed_start &&
                seed->valuedouble < (double)c->seed_start + (double)c->runs) {
                size_t k = (size_t)(seed->valuedouble - (double)c->seed_start);
                for (size_t s = 0; s < c->nsc; s++) {
                    size_t i = s * c->runs + k;
                    if (!c->done[i] && same_making(c, s, j) && restore(&c->res[i], j) == 0) {
                        c->done[i] = 1;
                        (*reused)++;
                    }
                }
            }
            cJSON_Delete(j);
        }
    }
    free(text);
    return 0;
}

int compare_journal_add(struct compare *c, size_t i, char *err, size_t errsz)
{
    const struct crun *r = &c->res[i];
    if (c->jfd < 0 || !r->has_metrics || (r->status != 0 && r->status != 1))
        return 0;
    cJSON *j = cJSON_CreateObject(), *v, *gs;
    int ok = j && cJSON_AddStringToObject(j, "mqsim_version", MQSIM_VERSION) &&
             cJSON_AddStringToObject(j, "scenario_sha256", c->sha[i / c->runs]);
    cJSON *sets = ok ? cJSON_AddArrayToObject(j, "set") : NULL;
    for (int k = 0; sets && k < c->nsets; k++)
        cJSON_AddItemToArray(sets, cJSON_CreateString(c->sets[k]));
    ok = sets && cJSON_AddNumberToObject(j, "seed", (double)(c->seed_start + i % c->runs)) &&
         cJSON_AddNumberToObject(j, "exit", r->status) && (v = cJSON_AddArrayToObject(j, "v")) &&
         (gs = cJSON_AddArrayToObject(j, "groups"));
    for (int k = 0; ok && k < CR_COUNT; k++)
        ok = cJSON_AddItemToArray(v, num_or_null(r->v[k]));
    for (size_t g = 0; ok && g < r->ng; g++) {
        cJSON *o = cJSON_CreateObject(), *gv;
        ok = o && cJSON_AddItemToArray(gs, o) && cJSON_AddStringToObject(o, "name", r->g[g].name) &&
             cJSON_AddBoolToObject(o, "failover", r->g[g].failover) && (gv = cJSON_AddArrayToObject(o, "v"));
        for (int k = 0; ok && k < CG_COUNT; k++)
            ok = cJSON_AddItemToArray(gv, num_or_null(r->g[g].v[k]));
    }
    char *line = ok ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!line) {
        snprintf(err, errsz, "%s: out of memory", c->journal);
        return -1;
    }
    size_t n = strlen(line);
    line[n] = '\n';     /* over the terminator: written as one line with its newline, in one write */
    ssize_t w = write(c->jfd, line, n + 1);
    free(line);
    if (w != (ssize_t)(n + 1) || fsync(c->jfd) < 0) {
        snprintf(err, errsz, "%s: cannot write: %s", c->journal, w < 0 ? strerror(errno) : "short write");
        return -1;
    }
    return 0;
}

void compare_journal_close(struct compare *c, int remove_it)
{
    if (remove_it && c->journal[0])
        unlink(c->journal);
    if (c->jfd >= 0)
        close(c->jfd);
    c->jfd = -1;
}
