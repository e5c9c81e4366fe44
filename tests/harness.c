/* harness: the helpers every Check test shares (harness.h). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/cmd/plot.h"
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

void th_run(struct th_run *r, const char *text, const char *const *sets, int nsets)
{
    char file[64], path[160];
    snprintf(file, sizeof file, "/tmp/mqsim-test-XXXXXX");
    int fd = mkstemp(file);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    snprintf(r->dir, sizeof r->dir, "/tmp/mqsim-test-out-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(r->dir));
    struct run_opts o = {.file = file, .sets = sets, .nsets = nsets, .trace = "full", .out = r->dir, .quiet = 1};
    struct scenario sc;
    struct conf c;
    ck_assert_msg(scenario_load(&sc, &o, &c) == 0, "load: %s", c.err);
    ck_assert_int_eq(scenario_execute(&sc, &o), 0);
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

void th_load(struct scenario *sc, const char *text, const char *const *sets, int nsets)
{
    char file[64];
    snprintf(file, sizeof file, "/tmp/mqsim-test-XXXXXX");
    int fd = mkstemp(file);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
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

/* ---- fixture metrics.json ---- */

static void jnum(char *b, size_t n, double v)
{
    if (isnan(v))
        snprintf(b, n, "null");
    else
        snprintf(b, n, "%.17g", v);
}

/* A metrics.json with the topic, the messages and the groups given. */
char *th_fx_metrics(double avail, double wu, double ru, double p99, double acked_lost, double sim_ms,
                     const struct th_fx_group *g, int ng)
{
    static char buf[8192];
    char a[32], b[32], c[32], d[32];
    int n;
    jnum(a, sizeof a, avail);
    jnum(b, sizeof b, wu);
    jnum(c, sizeof c, ru);
    jnum(d, sizeof d, p99);
    n = snprintf(buf, sizeof buf, "{\"scenario\": \"x\", \"seed\": 1, \"sim_ms\": %.17g, \"ha\": \"master_slave\",\n"
                 " \"messages\": {\"sent\": 1000, \"acked\": 950, \"send_failed\": 50, \"consumed\": 940,\n"
                 "  \"acked_lost\": %.17g, \"duplicates\": 2},\n"
                 " \"topic\": {\"sends\": 1000, \"acked\": 950, \"failed\": 50, \"availability\": %s,\n"
                 "  \"write_unavailable_ms\": %s, \"read_unavailable_ms\": %s,\n"
                 "  \"latency_ms\": {\"mean\": 2, \"p50\": 1, \"p90\": 3, \"p99\": %s, \"p999\": 40, \"max\": 90}},\n"
                 " \"groups\": [", sim_ms, acked_lost, a, b, c, d);
    for (int i = 0; i < ng; i++) {
        char v[10][32];
        double x[10] = {g[i].down, g[i].cens, g[i].crash, g[i].detected, g[i].elected, g[i].promoted, g[i].avail,
                        g[i].wu, g[i].ru, g[i].p99};
        for (int k = 0; k < 10; k++)
            jnum(v[k], sizeof v[k], x[k]);
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      "%s\n  {\"name\": \"%s\", \"availability\": %s, \"write_unavailable_ms\": %s,"
                      " \"read_unavailable_ms\": %s, \"latency_ms\": {\"p50\": 1, \"p99\": %s}, \"failover\": ",
                      i ? "," : "", g[i].name, v[6], v[7], v[8], v[9]);
        if (!g[i].failover) {
            n += snprintf(buf + n, sizeof buf - (size_t)n, "null}");
            continue;
        }
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      "{\"crash_ms\": %s, \"crash_kind\": \"process\", \"detected_ms\": %s, \"elected_ms\": %s, "
                      "\"new_master\": \"b-1\", \"promoted_ms\": %s, \"first_write_ms\": null, \"downtime_ms\": %s",
                      v[2], v[3], v[4], v[5], v[0]);
        if (g[i].recovered >= 0)
            n += snprintf(buf + n, sizeof buf - (size_t)n, ", \"recovered\": %s, \"censored_ms\": %s",
                          g[i].recovered ? "true" : "false", v[1]);
        n += snprintf(buf + n, sizeof buf - (size_t)n, "}}");
    }
    n += snprintf(buf + n, sizeof buf - (size_t)n, "],\n \"invariants\": {\"checked\": 1, \"violations\": []}}\n");
    ck_assert(n > 0 && (size_t)n < sizeof buf);
    return buf;
}

/* A group that recovered after down ms (crash at 60 s, detected 5 s, elected 9 s, promoted 10 s after it). */
struct th_fx_group th_fx_rec(const char *name, double down)
{
    return (struct th_fx_group){name, 1, 1, down, NAN, 60000, 65000, 69000, 70000, 0.95, down + 1000, 2000, 15};
}

/* A group that did not recover: its run ended cens ms after the crash; no new master. */
struct th_fx_group th_fx_cens(const char *name, double c)
{
    return (struct th_fx_group){name, 1, 0, NAN, c, 60000, 65000, NAN, NAN, 0.5, c, c, 8};
}

/* A group that did not fail over. */
struct th_fx_group th_fx_calm(const char *name)
{
    return (struct th_fx_group){name, 0, 0, NAN, NAN, NAN, NAN, NAN, NAN, 1, 0, 0, 4.5};
}

cJSON *th_json(const char *text)
{
    cJSON *v = cJSON_Parse(text);
    ck_assert_msg(v != NULL, "test JSON does not parse: %s", text);
    return v;
}

/* ---- running mqsim (the cli tests) ---- */

/* A child that runs longer than this is killed (SIGALRM survives exec), so a hang fails the test instead of
 * leaving a process behind. Generous: sanitizer builds are several times slower. */
#define CHILD_LIMIT_S 60
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

char *th_mqsim;

char *th_slurp_in(const char *dir, const char *name, size_t *len)
{
    char p[512];
    th_join(p, sizeof p, dir, name);
    char *s = th_slurp(p, len);
    ck_assert_msg(s != NULL, "%s: %s", p, strerror(errno));
    return s;
}

int th_exists_in(const char *dir, const char *name)
{
    char p[512];
    struct stat st;
    th_join(p, sizeof p, dir, name);
    return lstat(p, &st) == 0;
}

char *th_list_dir(const char *dir)
{
    char *names[64];
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < N(names)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names[n] = strdup(e->d_name);
        ck_assert_ptr_nonnull(names[n]);
        n++;
    }
    closedir(d);
    for (int i = 1; i < n; i++)     /* insertion sort: a handful of names */
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    char *s = malloc(len);
    ck_assert_ptr_nonnull(s);
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        strcat(s, names[i]);
        strcat(s, "\n");
        free(names[i]);
    }
    return s;
}

void th_assert_dir_holds(const char *dir, const char *expected, const char *what)
{
    char *got = th_list_dir(dir);
    ck_assert_msg(strcmp(got, expected) == 0, "%s: the directory holds\n%s-- expected\n%s--", what, got, expected);
    free(got);
}

void th_result_free(struct th_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

static int anon_fd(void)
{
    char p[96];
    snprintf(p, sizeof p, "%s/io-XXXXXX", th_root);
    int fd = mkstemp(p);
    ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
    unlink(p);
    return fd;
}

static char *slurp_fd(int fd, size_t *len)
{
    off_t end = lseek(fd, 0, SEEK_END);
    ck_assert(end >= 0);
    char *buf = malloc((size_t)end + 1);
    ck_assert_ptr_nonnull(buf);
    size_t n = 0;
    while (n < (size_t)end) {
        ssize_t got = pread(fd, buf + n, (size_t)end - n, (off_t)n);
        if (got < 0 && errno == EINTR)
            continue;
        ck_assert_msg(got > 0, "read: %s", strerror(errno));
        n += (size_t)got;
    }
    buf[n] = '\0';
    *len = n;
    close(fd);
    return buf;
}

void th_run_in(const char *cwd, const char *const *args, struct th_result *r)
{
    const char *argv[40];
    int n = 0;
    argv[n++] = th_mqsim;
    for (int i = 0; args[i]; i++) {
        ck_assert(n < N(argv) - 1);
        argv[n++] = args[i];
    }
    argv[n] = NULL;

    int fo = anon_fd(), fe = anon_fd();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || chdir(cwd) != 0)
            _exit(126);
        alarm(CHILD_LIMIT_S);
        execv(th_mqsim, (char *const *)argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ck_assert_msg(errno == EINTR, "waitpid: %s", strerror(errno));
    memset(r, 0, sizeof *r);
    r->status = st;
    r->out = slurp_fd(fo, &r->out_len);
    r->err = slurp_fd(fe, &r->err_len);
    ck_assert_msg(!(WIFEXITED(st) && WEXITSTATUS(st) == 127 && r->err_len == 0), "cannot run %s", th_mqsim);
}

void th_assert_exit(const struct th_result *r, int code, const char *what)
{
    ck_assert_msg(WIFEXITED(r->status), "%s: mqsim was killed by signal %d; stderr:\n%s", what,
                  WIFSIGNALED(r->status) ? WTERMSIG(r->status) : -1, r->err);
    ck_assert_msg(WEXITSTATUS(r->status) == code, "%s: exit status %d, expected %d; stderr:\n%s", what,
                  WEXITSTATUS(r->status), code, r->err);
}

void th_assert_ok(const struct th_result *r, const char *what)
{
    th_assert_exit(r, 0, what);
    ck_assert_msg(r->err_len == 0, "%s: unexpected stderr:\n%s", what, r->err);
}

static char *usage_text(void)
{
    char dir[96];
    struct th_result r;
    th_scratch(dir, sizeof dir);
    th_run_in(dir, (const char *const[]){"--help", NULL}, &r);
    th_assert_ok(&r, "--help");
    char *blank = strstr(r.out, "\n\n");
    ck_assert_msg(blank != NULL, "--help: no empty line after the usage:\n%s", r.out);
    blank[1] = '\0';
    char *u = strdup(r.out);
    ck_assert_ptr_nonnull(u);
    th_result_free(&r);
    return u;
}

void th_assert_stderr_line(const struct th_result *r, const char *line, int usage_ok, const char *what)
{
    size_t n = strlen(line);
    int ok = strncmp(r->err, line, n) == 0 && r->err[n] == '\n';
    if (ok && r->err[n + 1] != '\0') {
        ok = 0;
        if (usage_ok) {
            char *u = usage_text();
            ok = strcmp(r->err + n + 1, u) == 0;
            free(u);
        }
    }
    ck_assert_msg(ok, "%s: stderr\n%s-- expected the line\n%s\n--%s", what, r->err, line,
                  usage_ok ? " (optionally followed by the usage)" : "");
}

cJSON *th_metrics_of(const char *dir)
{
    char *text = th_slurp_in(dir, "metrics.json", NULL);
    cJSON *m = cJSON_Parse(text);
    ck_assert_msg(cJSON_IsObject(m), "%s/metrics.json is not a JSON object:\n%s", dir, text);
    free(text);
    return m;
}

char *th_absolute(const char *path)
{
    char cwd[4096];
    if (access(path, F_OK) != 0)
        return NULL;
    if (path[0] == '/')
        return strdup(path);
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", cwd, path);
    return p;
}

int th_mqsim_find(const char *test)
{
    const char *bin = getenv("MQSIM");
    if (!bin || !*bin)
        bin = "./mqsim";
    th_mqsim = th_absolute(bin);
    if (!th_mqsim || access(th_mqsim, X_OK) != 0) {
        fprintf(stderr, "%s: no mqsim binary at %s (set MQSIM, or run from the repository root)\n", test, bin);
        return -1;
    }
    return 0;
}

void th_assert_same_file(const char *a, const char *b, const char *name)
{
    size_t la, lb;
    char *x = th_slurp_in(a, name, &la), *y = th_slurp_in(b, name, &lb);
    ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s differs between two runs with the same seed", name);
    free(x);
    free(y);
}

/* ---- mqsim plot (the plot tests) ---- */

char th_plot_lag[128], th_plot_crash[128];
int th_plot_runs_ok, th_gnuplot;

void th_copy_run(const char *from, const char *dir)
{
    static const char *const names[] = {"metrics.json", "timeseries.csv", "trace.jsonl"};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[512];
        char *text;
        th_join(p, sizeof p, from, names[i]);
        text = th_slurp(p, NULL);
        ck_assert_msg(text != NULL, "%s: %s", p, strerror(errno));
        th_write_in(dir, names[i], text);
        free(text);
    }
}

int th_count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

int th_count_entries(const char *dir)
{
    return th_count_prefix(dir, "") - 2;     /* . and .. */
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void th_check_figure(const char *dir, const char *fig, uint32_t width, uint32_t height)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    char name[256], p[512];
    size_t len;
    char *png, *svg;
    const char *s;

    if (!th_gnuplot)
        return;                 /* the stand-in draws nothing: only the data files can be checked */
    snprintf(name, sizeof name, "%s.png", fig);
    th_join(p, sizeof p, dir, name);
    png = th_slurp(p, &len);
    ck_assert_msg(png != NULL, "%s: %s", p, strerror(errno));
    ck_assert_msg(len > 8 * 1024, "%s: only %zu bytes", p, len);
    ck_assert_msg(memcmp(png, sig, 8) == 0, "%s: no PNG signature", p);
    ck_assert_msg(memcmp(png + 12, "IHDR", 4) == 0, "%s: the first chunk is not IHDR", p);
    ck_assert_msg(be32((unsigned char *)png + 16) == width && be32((unsigned char *)png + 20) == height,
                  "%s: %ux%u, expected %ux%u", p, be32((unsigned char *)png + 16), be32((unsigned char *)png + 20),
                  width, height);
    free(png);

    snprintf(name, sizeof name, "%s.svg", fig);
    th_join(p, sizeof p, dir, name);
    svg = th_slurp(p, &len);
    ck_assert_msg(svg != NULL, "%s: %s", p, strerror(errno));
    for (s = svg; *s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'; s++)
        ;
    ck_assert_msg(strncmp(s, "<?xml", 5) == 0 || strncmp(s, "<svg", 4) == 0, "%s: not an SVG document", p);
    ck_assert_msg(strstr(svg, "</svg>") != NULL, "%s: the SVG is not complete", p);
    free(svg);
}

void th_check_no_temporaries(const char *dir)
{
    ck_assert_msg(th_count_prefix(dir, ".") == 2, "%s: a temporary file was left behind", dir);
}

void th_captured_free(struct th_captured *c)
{
    free(c->out);
    free(c->err);
}

static char *drain(int fd)
{
    char *s;
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    s = calloc((size_t)st.st_size + 1, 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ck_assert(read(fd, s, (size_t)st.st_size) == st.st_size);
    close(fd);
    return s;
}

static int temp_fd(void)
{
    char p[128];
    int fd;
    snprintf(p, sizeof p, "%s/io-XXXXXX", th_root);
    fd = mkstemp(p);
    ck_assert_int_ge(fd, 0);
    unlink(p);
    return fd;
}

struct th_captured th_plot_captured(int argc, char **argv)
{
    struct th_captured c;
    int out = temp_fd(), err = temp_fd();
    int save_out = dup(1), save_err = dup(2);
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    c.rc = cmd_plot(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(save_out, 1);
    dup2(save_err, 2);
    close(save_out);
    close(save_err);
    c.out = drain(out);
    c.err = drain(err);
    return c;
}

struct th_captured th_plot_dir_captured(const char *dir, int quiet)
{
    char *argv[3];
    argv[0] = (char *)dir;
    argv[1] = (char *)"--quiet";
    argv[2] = NULL;
    return th_plot_captured(quiet ? 2 : 1, argv);
}

static int run_mqsim(const char *bin, char *const *args)
{
    int status;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0) {
            dup2(nul, 1);
            dup2(nul, 2);
        }
        alarm(60);
        execv(bin, args);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int gnuplot_on_path(void)
{
    const char *path = getenv("PATH");
    char *copy, *dir, *save = NULL;
    int found = 0;
    if (!path || !(copy = strdup(path)))
        return 0;
    for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/gnuplot", *dir ? dir : ".");
        found = access(p, X_OK) == 0;
    }
    free(copy);
    return found;
}

static void install_stand_in(const char *test)
{
    char bin[PATH_MAX], p[PATH_MAX + 16], *path;
    const char *old = getenv("PATH");
    FILE *f;
    snprintf(bin, sizeof bin, "%s/bin", th_root);
    snprintf(p, sizeof p, "%s/gnuplot", bin);
    if (mkdir(bin, 0777) != 0 || !(f = fopen(p, "w")))
        return;
    fputs("#!/bin/sh\n"
          "for v in png svg; do\n"
          "  f=$(printf '%s\\n' \"$2\" | tr ';' '\\n' | sed -n \"s/^$v='\\(.*\\)'\\$/\\1/p\")\n"
          "  [ -n \"$f\" ] && echo stand-in > \"$f\"\n"
          "done\n"
          "exit 0\n", f);
    fclose(f);
    chmod(p, 0755);
    path = malloc(strlen(bin) + strlen(old ? old : "") + 2);
    if (!path)
        return;
    sprintf(path, "%s:%s", bin, old ? old : "");
    setenv("PATH", path, 1);
    free(path);
    fprintf(stderr, "%s: no gnuplot on PATH: data files tested, figures not drawn\n", test);
}

int th_plot_setup(const char *test, int runs)
{
    const char *bin = getenv("MQSIM");
    char *abs_bin, *plots;

    if (!bin || !*bin)
        bin = "./mqsim";
    abs_bin = th_absolute(bin);
    if (!abs_bin || access(abs_bin, X_OK) != 0) {
        fprintf(stderr, "%s: no mqsim binary at %s (set MQSIM, or run from the repository root)\n", test, bin);
        free(abs_bin);
        return -1;
    }
    /* The scripts of this tree, whatever directory a test changes to. */
    if (access("plots/lag.gp", R_OK) == 0 && !getenv("MQSIM_PLOTS") && (plots = th_absolute("plots")) != NULL) {
        setenv("MQSIM_PLOTS", plots, 1);
        free(plots);
    }
    if (th_root_make(test + (strncmp(test, "test_", 5) == 0 ? 5 : 0)) < 0) {
        free(abs_bin);
        return -1;
    }
    th_gnuplot = gnuplot_on_path();
    if (!th_gnuplot)
        install_stand_in(test);
    snprintf(th_plot_lag, sizeof th_plot_lag, "%s/slave_lag", th_root);
    snprintf(th_plot_crash, sizeof th_plot_crash, "%s/master_crash", th_root);
    if (runs) {
        char *lag[] = {abs_bin, (char *)"scenarios/slave_lag.json", (char *)"--set", (char *)"run.duration_ms=150000",
                       (char *)"--out", th_plot_lag, (char *)"--quiet", NULL};
        /* A quick operator, so that the whole failover fits in 150 s. */
        char *crash[] = {abs_bin, (char *)"scenarios/master_crash.json",
                         (char *)"--set", (char *)"run.duration_ms=150000",
                         (char *)"--set", (char *)"faults[0].at_ms=20000",
                         (char *)"--set", (char *)"operator.alert_delay={\"const_ms\":5000}",
                         (char *)"--set", (char *)"operator.reaction={\"const_ms\":10000}",
                         (char *)"--set", (char *)"operator.procedure={\"const_ms\":10000}",
                         (char *)"--out", th_plot_crash, (char *)"--quiet", NULL};
        int a = run_mqsim(abs_bin, lag), b = run_mqsim(abs_bin, crash);
        th_plot_runs_ok = a == 0 && b == 0;
        if (!th_plot_runs_ok)
            fprintf(stderr, "%s: %s exited %d (slave_lag) and %d (master_crash)\n", test, abs_bin, a, b);
    }
    free(abs_bin);
    return 0;
}
