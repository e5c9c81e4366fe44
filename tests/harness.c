/* harness: the helpers every Check test shares (harness.h). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

char *th_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *th_read(const char *path)
{
    char *s = th_slurp(path, NULL);
    ck_assert_msg(s != NULL, "%s: %s", path, strerror(errno));
    return s;
}

void th_join(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    ck_assert(n > 0 && (size_t)n < size);
}

void th_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

void th_write_in(const char *dir, const char *name, const char *text)
{
    char p[512];
    th_join(p, sizeof p, dir, name);
    th_write(p, text);
}

char *th_read_in(const char *dir, const char *name)
{
    char p[512];
    th_join(p, sizeof p, dir, name);
    return th_read(p);
}

int th_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

char th_root[64];

int th_root_make(const char *name)
{
    snprintf(th_root, sizeof th_root, "/tmp/mqsim-test-%s-XXXXXX", name);
    if (!mkdtemp(th_root)) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

void th_root_remove(void)
{
    if (th_root[0])
        runner_remove_tree(th_root);
}

void th_scratch(char *dir, size_t size)
{
    snprintf(dir, size, "%s/t-XXXXXX", th_root);
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
}

const cJSON *th_at(const cJSON *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *v = root;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save))
        v = (*tok >= '0' && *tok <= '9') ? cJSON_GetArrayItem(v, atoi(tok)) : cJSON_GetObjectItemCaseSensitive(v, tok);
    return v;
}

double th_num(const cJSON *root, const char *path)
{
    const cJSON *v = th_at(root, path);
    ck_assert_msg(v && cJSON_IsNumber(v), "%s is not a number", path);
    return v->valuedouble;
}

int th_count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

const char *th_on_line(const char *p, const char *s)
{
    const char *eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p), m = strlen(s);
    for (size_t i = 0; i + m <= n; i++)
        if (p[i] == s[0] && memcmp(p + i, s, m) == 0)
            return p + i;
    return NULL;
}

double th_field(const char *p, const char *key, double def)
{
    const char *k = th_on_line(p, key);
    return k ? atof(k + strlen(key)) : def;
}

int th_has(const char *p, const char *s) { return th_on_line(p, s) != NULL; }

void th_each(const char *trace, const char *ev, void (*fn)(const char *, void *), void *arg)
{
    for (const char *l = trace; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (th_has(l, ev))
            fn(l, arg);
}

void th_wait_add(struct th_waits *w, const char *l)
{
    double to = th_field(l, "\"t_ms\":", -1), from = th_field(l, "\"from_ms\":", -1);
    if (w->n == 0) {
        w->first_from = from;
        w->shortest = to - from;
        w->back_to_back = 1;
    } else if (from != w->last_to) {
        w->back_to_back = 0;
    }
    w->n++;
    w->last_to = to;
    if (to - from > w->longest)
        w->longest = to - from;
    if (to - from < w->shortest)
        w->shortest = to - from;
}

struct th_counting {
    const char *with;
    double from, to;
    int n;
};

static void count_line(const char *l, void *arg)
{
    struct th_counting *k = arg;
    double t = th_field(l, "\"t_ms\":", -1);
    if (t >= k->from && t < k->to && (!k->with || th_has(l, k->with)))
        k->n++;
}

int th_count(const char *trace, const char *ev, const char *with, double from, double to)
{
    struct th_counting k = {with, from, to, 0};
    th_each(trace, ev, count_line, &k);
    return k.n;
}

double th_first(const char *trace, const char *ev, const char *with, double after)
{
    for (const char *l = trace; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (!th_has(l, ev) || (with && !th_has(l, with)))
            continue;
        double t = th_field(l, "\"t_ms\":", -1);
        if (t > after)
            return t;
    }
    return -1;
}

char *th_line_at(const char *text, int k)
{
    const char *p = text;
    for (int i = 0; i < k && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    ck_assert_msg(p && *p, "no line %d in\n%s", k, text);
    char *s = strndup(p, strcspn(p, "\n"));
    ck_assert_ptr_nonnull(s);
    return s;
}

void th_temp(char file[TH_TEMP_NAME], const char *text)
{
    snprintf(file, TH_TEMP_NAME, "/tmp/mqsim-test-XXXXXX");
    int fd = mkstemp(file);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

void th_run(struct th_run *r, const char *text, const char *const *sets, int nsets)
{
    th_run_exit(r, text, sets, nsets, 0);
}

void th_run_exit(struct th_run *r, const char *text, const char *const *sets, int nsets, int status)
{
    char file[TH_TEMP_NAME], path[160];
    th_temp(file, text);
    snprintf(r->dir, sizeof r->dir, "/tmp/mqsim-test-out-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(r->dir));
    struct run_opts o = {.file = file, .sets = sets, .nsets = nsets, .trace = "full", .out = r->dir, .quiet = 1};
    struct scenario sc;
    struct conf c;
    ck_assert_msg(scenario_load(&sc, &o, &c) == 0, "load: %s", c.err);
    ck_assert_int_eq(scenario_execute(&sc, &o), status);
    scenario_free(&sc);
    unlink(file);
    th_join(path, sizeof path, r->dir, "metrics.json");
    char *m = th_read(path);
    r->m = cJSON_Parse(m);
    ck_assert_msg(r->m != NULL, "%s: not JSON", path);
    free(m);
    th_join(path, sizeof path, r->dir, "trace.jsonl");
    r->trace = th_read(path);
    th_join(path, sizeof path, r->dir, "timeseries.csv");
    r->series = th_read(path);
}

void th_run_free(struct th_run *r)
{
    cJSON_Delete(r->m);
    free(r->trace);
    free(r->series);
    ck_assert_int_eq(runner_remove_tree(r->dir), 0);
}

char *th_run_file(const char *file, const char *set, void (*hook)(struct scenario *sc, int ran, void *arg),
                  void *arg, char **series)
{
    char dir[] = "/tmp/mqsim-test-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    const char *sets[] = {set};
    struct run_opts o = {.file = file, .sets = sets, .nsets = set ? 1 : 0, .out = dir, .quiet = 1};
    struct scenario sc;
    struct conf c;
    ck_assert_msg(scenario_load(&sc, &o, &c) == 0, "%s", c.err);
    if (hook)
        hook(&sc, 0, arg);
    ck_assert_int_eq(scenario_execute(&sc, &o), 0);
    if (hook)
        hook(&sc, 1, arg);
    scenario_free(&sc);
    char *m = th_read_in(dir, "metrics.json");
    if (series)
        *series = th_read_in(dir, "timeseries.csv");
    ck_assert_int_eq(runner_remove_tree(dir), 0);
    return m;
}

void th_load(struct scenario *sc, const char *text, const char *const *sets, int nsets)
{
    char file[TH_TEMP_NAME];
    th_temp(file, text);
    struct run_opts o = {.file = file, .sets = sets, .nsets = nsets};
    struct conf c;
    int rc = scenario_load(sc, &o, &c);
    unlink(file);
    ck_assert_msg(rc == 0, "load failed: %s", c.err);
}

void th_run_to(struct scenario *sc, sim_time until)
{
    while (sim_now(sc->sim) < until) {
        sim_time next = (sim_now(sc->sim) / SIM_S + 1) * SIM_S;
        sim_run(sc->sim, next < until ? next : until);
        if (sim_now(sc->sim) % SIM_S == 0)
            sc->world->sample(sc->w, sc);
    }
}

cJSON *th_metrics(struct scenario *sc)
{
    cJSON *root = cJSON_CreateObject();
    ck_assert_ptr_nonnull(root);
    sc->world->metrics(sc->w, sc, root);
    return root;
}

char *th_read_stream(FILE *f, size_t *len)
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

cJSON *th_json(const char *text)
{
    cJSON *v = cJSON_Parse(text);
    ck_assert_msg(v != NULL, "test JSON does not parse: %s", text);
    return v;
}

int th_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    th_root_remove();
    free(th_mqsim);
    th_mqsim = NULL;
    return failed == 0 ? 0 : 1;
}
