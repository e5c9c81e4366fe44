/* harness: what the Check tests share: files in and out of scratch folders, values by path in a JSON
 * document, lines of a text, and a scenario run in-process as `mqsim FILE --trace full --quiet` runs it
 * (harness.c); hand-written metrics.json (harness_fixture.c); the mqsim binary run as a child (harness_child.c);
 * sweep and compare called in a forked child (harness_cmd.c); `mqsim plot` called in-process (harness_plot.c);
 * the engine's recording world of test nodes (harness_world.c).
 * Every helper fails the running test (ck_assert) on what it cannot do, unless it says otherwise. */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <check.h>
#include <cJSON.h>

#include "sim/conf.h"
#include "sim/fault.h"
#include "sim/lab/scenario.h"
#include "sim/sim.h"

/* The whole file, NUL-terminated, its length in *len when len is not NULL; NULL when it cannot be read. */
char *th_slurp(const char *path, size_t *len);
/* As th_slurp, but a file that cannot be read fails the test. */
char *th_read(const char *path);
/* The whole content of a stream from its start, NUL-terminated, its byte count in *len when len is not NULL. */
char *th_read_stream(FILE *f, size_t *len);
/* dir/name into buf. */
void th_join(char *buf, size_t size, const char *dir, const char *name);
/* Writes text to path, replacing it. */
void th_write(const char *path, const char *text);
/* Writes text to a new file /tmp/mqsim-test-XXXXXX, its name in file (the caller unlinks it). */
#define TH_TEMP_NAME 64
void th_temp(char file[TH_TEMP_NAME], const char *text);
/* The same for dir/name, and reading dir/name back (a file that cannot be read fails the test). */
void th_write_in(const char *dir, const char *name, const char *text);
char *th_read_in(const char *dir, const char *name);
/* Whether path names anything (a dangling link too). */
int th_exists(const char *path);

/* The test binary's own folder under /tmp ("/tmp/mqsim-test-NAME-XXXXXX"), made by th_root_make before the
 * suite runs and removed with all it holds by th_root_remove; th_scratch makes a fresh folder in it. */
extern char th_root[64];
int th_root_make(const char *name);
void th_root_remove(void);
void th_scratch(char *dir, size_t size);
/* A test binary's main: runs the suite, then removes th_root (when made) and frees th_mqsim (when found); the
 * process's exit status: 0 when every test passed, else 1. */
int th_run_suite(Suite *s);

/* Parses test JSON with plain cJSON (duplicate keys and all), so that a module is not used to set up its own
 * tests; text that does not parse fails the test. */
cJSON *th_json(const char *text);
/* The value at path ("groups.0.failover.downtime_ms": names and array indexes); NULL when absent. */
const cJSON *th_at(const cJSON *root, const char *path);
/* The number at path: absent or not a number fails the test. */
double th_num(const cJSON *root, const char *path);

/* Newlines in s. */
int th_count_lines(const char *s);
/* Line k (0 = the first) of text, copied: a missing line fails the test. */
char *th_line_at(const char *text, int k);
/* Trace lines (trace.jsonl), each searched within itself: where s occurs on the line at p, or NULL; the
 * number after key on it, or def; whether it holds s; fn(line, arg) for every line that holds ev
 * ("\"ev\":\"consume\""). */
const char *th_on_line(const char *p, const char *s);
double th_field(const char *p, const char *key, double def);
int th_has(const char *p, const char *s);
void th_each(const char *trace, const char *ev, void (*fn)(const char *, void *), void *arg);
/* A thread's waits read off trace lines that end one (its t_ms) and say when it began (from_ms): their number,
 * the first start, the last end, the shortest and longest, and whether each began where the one before ended.
 * th_wait_add takes one line; start from a zeroed struct. */
struct th_waits {
    int n;
    double first_from, last_to, shortest, longest;
    int back_to_back;
};
void th_wait_add(struct th_waits *w, const char *line);
/* The lines that hold ev and also `with` (NULL: any), at a t_ms in [from, to); the t_ms of the first of them
 * after `after`, or -1. */
int th_count(const char *trace, const char *ev, const char *with, double from, double to);
double th_first(const char *trace, const char *ev, const char *with, double after);

/* A scenario given as text, run with `--set` overrides into a fresh folder under /tmp; its metrics.json,
 * trace.jsonl and timeseries.csv read back. th_run_free removes the folder. */
struct th_run {
    char dir[96];
    cJSON *m;
    char *trace, *series;
};
void th_run(struct th_run *r, const char *text, const char *const *sets, int nsets);
/* The same for a run whose exit status must be `status` (1: it breaks an invariant, and says which in
 * metrics.json). */
void th_run_exit(struct th_run *r, const char *text, const char *const *sets, int nsets, int status);
void th_run_free(struct th_run *r);

/* A scenario file run in-process as `mqsim FILE [--set SET] --quiet` runs it (exit 0), into a fresh folder under
 * /tmp that is removed after: hook(sc, 0, arg) once it is loaded, hook(sc, 1, arg) once it has run and before
 * it is freed (hook may be NULL). Returns metrics.json, and timeseries.csv in *series unless series is NULL
 * (free both). */
char *th_run_file(const char *file, const char *set, void (*hook)(struct scenario *sc, int ran, void *arg),
                  void *arg, char **series);

/* A scenario given as text loaded into sc with `--set` overrides, to be stepped by hand: a load error fails
 * the test. scenario_free releases it. */
void th_load(struct scenario *sc, const char *text, const char *const *sets, int nsets);
/* Runs sc to `until`, sampling every simulated second as `mqsim` does (the world settles consumed entries when
 * it samples). */
void th_run_to(struct scenario *sc, sim_time until);
/* The world's metrics now, as metrics.json would hold them (cJSON_Delete it). */
cJSON *th_metrics(struct scenario *sc);

/* Fixture metrics.json documents, as mqsim compare reads them (harness_fixture.c). A group's figures; NAN writes
 * null. */
struct th_fx_group {
    const char *name;
    int failover;       /* 0: "failover": null */
    int recovered;      /* -1: no "recovered" (an older metrics.json) */
    double down, cens, crash, detected, elected, promoted, avail, wu, ru, p99;
};
/* A metrics.json with the topic, the messages and the groups given, in a static buffer (valid until the next call). */
char *th_fx_metrics(double avail, double wu, double ru, double p99, double acked_lost, double sim_ms,
                    const struct th_fx_group *g, int ng);
/* A group that recovered after down ms (crash at 60 s, detected 5 s, elected 9 s, promoted 10 s after it). */
struct th_fx_group th_fx_rec(const char *name, double down);
/* A group that did not recover: its run ended cens ms after the crash; no new master. */
struct th_fx_group th_fx_cens(const char *name, double c);
/* A group that did not fail over. */
struct th_fx_group th_fx_calm(const char *name);

/* Running the mqsim binary as a child, the way the cli tests do (harness_child.c). th_mqsim is its absolute path:
 * th_mqsim_find sets it from $MQSIM (else ./mqsim) in main, before the runner forks the tests, and says on stderr,
 * naming the test binary, when there is none (-1). */
extern char *th_mqsim;
int th_mqsim_find(const char *test);
/* An anonymous file for a child's output: created under th_root and unlinked at once. */
int th_anon_fd(void);
/* All that fd holds from its start, NUL-terminated, its length in *len when len is not NULL; closes fd. */
char *th_slurp_fd(int fd, size_t *len);
/* path made absolute against the working directory (the children run elsewhere), or NULL when it is not there. */
char *th_absolute(const char *path);
/* The same, or NULL and a line on stderr naming the test binary (run from the repository root). */
char *th_find(const char *test, const char *path);
/* A child's exit and output. */
struct th_result {
    int status;         /* from waitpid */
    char *out, *err;    /* stdout and stderr, NUL-terminated */
    size_t out_len, err_len;
};
void th_result_free(struct th_result *r);
/* Runs th_mqsim with args (NULL-terminated) in directory cwd, stdin from /dev/null, stdout and stderr captured
 * in files under th_root; a child that runs over 60 s is killed. No shell: arguments reach mqsim exactly as
 * given. */
void th_run_in(const char *cwd, const char *const *args, struct th_result *r);
/* The exit status must be exactly code: never a signal (a crash, a sanitizer abort) nor another status. */
void th_assert_exit(const struct th_result *r, int code, const char *what);
/* A run that must succeed quietly: exit 0, nothing on stderr. */
void th_assert_ok(const struct th_result *r, const char *what);
/* stderr is exactly the line "line\n"; with usage_ok, it may also be followed by the usage text (what --help
 * prints before its first empty line), the way command-line mistakes are answered. */
void th_assert_stderr_line(const struct th_result *r, const char *line, int usage_ok, const char *what);
/* As th_read_in, its length in *len when len is not NULL. */
char *th_slurp_in(const char *dir, const char *name, size_t *len);
/* Whether dir/name names anything (a dangling link too). */
int th_exists_in(const char *dir, const char *name);
/* The names in dir (not . and ..; at most 64), sorted, one per line, for exact comparison in messages. */
char *th_list_dir(const char *dir);
/* dir holds exactly the names listed in expected, as th_list_dir writes them. */
void th_assert_dir_holds(const char *dir, const char *expected, const char *what);
/* dir/metrics.json, parsed: not a JSON object fails the test. */
cJSON *th_metrics_of(const char *dir);
/* dir_a/name and dir_b/name are byte for byte the same (two runs with the same seed). */
void th_assert_same_file(const char *dir_a, const char *dir_b, const char *name);

/* `mqsim plot` called in-process, the way the plot tests do (harness_plot.c). th_plot_setup, in main before the
 * runner forks the tests: finds $MQSIM (else ./mqsim; -1 and a line on stderr naming the test binary when there is
 * none), points MQSIM_PLOTS at this tree's plots/, makes th_root, puts a stand-in gnuplot first on PATH when there
 * is none (it writes placeholder figures, so only the data files can be checked), and with runs, runs a short
 * slave_lag (redirects both ways) into th_plot_lag and a short master_crash with a quick operator (a failover) into
 * th_plot_crash; th_plot_runs_ok says both produced their files. th_gnuplot: a real gnuplot is on PATH. */
extern char th_plot_lag[128], th_plot_crash[128];
extern int th_plot_runs_ok, th_gnuplot;
int th_plot_setup(const char *test, int runs);
/* Copies the files of a run's output directory into dir (so each test draws into a directory of its own). */
void th_copy_run(const char *from, const char *dir);
/* Number of entries in dir whose name starts with prefix (. and .. too), and of entries but . and .. */
int th_count_prefix(const char *dir, const char *prefix);
int th_count_entries(const char *dir);
/* dir/<fig>.png is a PNG of width x height, more than a few KB; dir/<fig>.svg an SVG document. Nothing is
 * checked without th_gnuplot. */
void th_check_figure(const char *dir, const char *fig, uint32_t width, uint32_t height);
/* No temporary file (".name.tmp.pid") is left in dir. */
void th_check_no_temporaries(const char *dir);
/* Output captured from a call of cmd_plot in this process. */
struct th_captured {
    int rc;
    char *out, *err;
};
void th_captured_free(struct th_captured *c);
/* Runs cmd_plot(argc, argv) with stdout and stderr going to files, and returns what it printed. */
struct th_captured th_plot_captured(int argc, char **argv);
/* The same for `mqsim plot DIR`, with --quiet when quiet. */
struct th_captured th_plot_dir_captured(const char *dir, int quiet);

/* The multi-run commands (harness_cmd.c): cmd_sweep or cmd_compare called in a forked child, its stdout and
 * stderr captured. args[0] is the command word ("sweep", "compare"); fn gets what follows it, as main passes it.
 * th_spawn starts it with stdout and stderr going to *fo and *fe; th_collect waits for it and reads them back;
 * th_run_cmd does both. A child that runs over 100 s is killed. */
typedef int (*th_cmd_fn)(int, char **);
struct th_cmd_result {
    int status;         /* exit status; 128 + N when killed by signal N */
    char *out, *err;
};
void th_cmd_result_free(struct th_cmd_result *r);
pid_t th_spawn(th_cmd_fn fn, const char *const *args, int *fo, int *fe);
void th_collect(pid_t pid, int fo, int fe, struct th_cmd_result *r);
void th_run_cmd(th_cmd_fn fn, const char *const *args, struct th_cmd_result *r);
/* The exit status is code; otherwise the test fails showing stderr and stdout. */
void th_assert_status(const struct th_cmd_result *r, int code, const char *what);
/* A tiny scenario (20 simulated seconds, 200 messages a second) named NAME with FAULTS, e.g. a master crash at
 * 3 s that the operator repairs within seconds (REACTION_MS); producers refresh routes every 2 s. */
#define TH_CRASH_FIXTURE(NAME, REACTION_MS, FAULTS)                                                           \
    "{\"name\": \"" NAME "\",\n"                                                                               \
    " \"run\": {\"duration_ms\": 20000, \"trace\": \"off\"},\n"                                                \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],\n"                                              \
    " \"producers\": {\"count\": 1, \"rate_per_s\": 200, \"poll_name_server_interval_ms\": 2000},\n"          \
    " \"consumers\": {\"count\": 1},\n"                                                                        \
    " \"operator\": {\"probe_interval_ms\": 2000, \"probe_timeout_ms\": 1000,\n"                              \
    "   \"alert_delay\": {\"dist\": \"uniform\", \"min_ms\": 500, \"max_ms\": 1500},\n"                       \
    "   \"reaction\": {\"const_ms\": " REACTION_MS "},\n"                                                      \
    "   \"procedure\": {\"dist\": \"uniform\", \"min_ms\": 1000, \"max_ms\": 3000}},\n"                        \
    " \"faults\": [" FAULTS "]}\n"
/* A scratch directory holding crash.json, crash_slow.json, steady.json (tiny scenarios: 20 simulated seconds,
 * 200 messages a second, a master crash at 3 s the operator repairs within seconds but in steady.json) and
 * small.json (a sweep of crash.json: 2 x 2 grid points, 3 seeds). */
void th_sweep_fixtures(char *dir, size_t size);
/* small.json's text. */
extern const char th_small_sweep[];
/* Runs the sweep file dir/file into dir/outname with --jobs jobs; asserts exit 0. */
void th_sweep_ok(const char *dir, const char *file, const char *outname, const char *jobs, struct th_cmd_result *r);
/* Sleeps ms milliseconds, signals or not. */
void th_sleep_ms(long ms);
/* Splits one CSV line (no quoted fields) in place into at most max fields; returns the count. */
int th_csv_split(char *line, char **f, int max);
/* The index of the column name in a CSV header line: absent fails the test. */
int th_csv_column(const char *header, const char *name);
/* Every line of a results.csv is complete and has the header's number of fields; the rows but the header in *rows. */
void th_assert_complete_csv(const char *text, int *rows);

/* The engine's recording world (harness_world.c), for the sim tests: a simulation of test nodes that record
 * everything they see (starts, messages, timers, disk completions, connection events, crashes) and a hook
 * that records its calls, in order, with the time. A test gives the nodes behaviour through the world's
 * optional callbacks, called after recording. */
#define TH_WORLD_MAXN 48
/* The file name conf errors are reported under. */
#define TH_CONF_FILE "t.json"
enum th_rkind { TH_R_START = 1, TH_R_MSG, TH_R_TIMER, TH_R_DISK, TH_R_CONN, TH_R_CRASH, TH_R_HOOK };
/* One thing a node (or the hook) saw. */
struct th_rec {
    enum th_rkind kind;
    sim_time t;
    sim_node_id node;
    uint32_t inc;
    uint64_t tag;       /* timer, disk, conn, hook: the tag | msg: the payload's first 8 bytes */
    uint32_t a, b;      /* msg: from, type | conn: event, peer | disk: file, op | crash: kind */
    uint32_t len;       /* msg: payload length */
    sim_conn conn;      /* msg, conn */
    uint64_t hash;      /* msg: FNV-1a of the payload */
};
struct th_world;
/* A node's model: its world and index. */
struct th_tnode {
    struct th_world *w;
    int i;
};
struct th_world {
    struct sim *s;
    struct th_tnode tn[TH_WORLD_MAXN];
    int n;
    struct th_rec *r;
    size_t nr, cap;
    int quiet;          /* do not record messages (hot loops) */
    int hook;           /* the recording hook's id */
    /* Behaviour, called after recording; NULL = record only. */
    void (*start)(struct th_world *w, struct sim_node *n);
    void (*msg)(struct th_world *w, struct sim_node *n, const struct sim_msg *m);
    void (*timer)(struct th_world *w, struct sim_node *n, uint64_t tag);
    void (*disk)(struct th_world *w, struct sim_node *n, int file, enum sim_disk_op op, uint64_t tag);
    void (*conn)(struct th_world *w, struct sim_node *n, sim_conn c, enum sim_conn_ev ev, sim_node_id peer,
                 uint64_t tag);
    void (*crash)(struct th_world *w, struct sim_node *n, enum sim_crash_kind kind);
    /* Scratch for the tests. */
    uint64_t u[16];
    sim_conn c[8];
    sim_timer h[8];
    int in_handler;
    struct sim_rng *rng[TH_WORLD_MAXN];
};
/* The recording nodes' operations (each node's model is its struct th_tnode). */
extern const struct sim_node_ops th_world_ops;
/* A world of n nodes "n0".."n<n-1>" with constant latency lat (ns), no loss and bandwidth bw (0: none), and
 * the recording hook registered (w->hook). th_world_free releases it. */
void th_world_init(struct th_world *w, uint64_t seed, int n, sim_time lat, double bw);
void th_world_free(struct th_world *w);
/* Adds a recording node named name; its id is the world's next index. */
sim_node_id th_world_add(struct th_world *w, const char *name);
/* Node i of the world. */
struct sim_node *th_world_node(struct th_world *w, int i);
/* The nth (from 0) record of kind k for node (SIM_NODE_NONE: any node), or NULL. */
const struct th_rec *th_world_find(const struct th_world *w, enum th_rkind k, sim_node_id node, int nth);
/* The number of records of kind k for node (SIM_NODE_NONE: any node). */
int th_world_count(const struct th_world *w, enum th_rkind k, sim_node_id node);
/* The nth connection event ev seen by node, or NULL. */
const struct th_rec *th_world_find_conn(const struct th_world *w, sim_node_id node, enum sim_conn_ev ev, int nth);
/* Loads the "disk" section json into the world's simulation: an error fails the test. */
void th_world_disk(struct th_world *w, const char *json);
/* Constant disk latencies: append 1 ms, fsync 5 ms, read 2 ms; no throughput limit. */
#define TH_DISK_CONST "{\"append_latency\":{\"const_ms\":1},\"fsync_latency\":{\"const_ms\":5}," \
                      "\"read_latency\":{\"const_ms\":2},\"append_mib_per_s\":0,\"write_mib_per_s\":0," \
                      "\"read_mib_per_s\":0}"
/* Loads the "faults" section json into plan (zeroed first), c holding any error: the result must agree with
 * c->failed. */
void th_world_faults(struct th_world *w, const char *json, struct fault_plan *plan, struct conf *c);
/* A start callback: n0 connects to n1 (tag 77), the connection in w->c[0]. */
void th_world_connect_start(struct th_world *w, struct sim_node *n);
/* FNV-1a over n bytes, from h (TH_FNV0 to begin). */
uint64_t th_fnv(uint64_t h, const void *p, size_t n);
#define TH_FNV0 0xcbf29ce484222325ULL
/* For checks on hot paths: Check's ck_assert records a mark point on every call, which costs a write. */
#define TH_REQUIRE(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)
/* The clock, exactly (canonical/raft's ASSERT_TIME). */
#define TH_ASSERT_TIME(w, t) ck_assert_int_eq(sim_now((w)->s), (sim_time)(t))
/* A record exists and happened at exactly t. */
#define TH_ASSERT_AT(rec_, when_) do { \
        const struct th_rec *r_ = (rec_); \
        ck_assert_msg(r_ != NULL, "expected a record at %lld ns, found none", (long long)(when_)); \
        ck_assert_int_eq(r_->t, (sim_time)(when_)); \
    } while (0)

/* The world of scenarios/sync_master_explore.json with both groups SYNC_FLUSH, as explore's failures there
 * are replayed: two NameServers, two SYNC_MASTER groups of two (each with `group_keys`, "" or ", key: value"),
 * two producers of 200 msg/s of 512 bytes (with `producer_keys` likewise). */
#define TH_SYNC_FLUSH_PAIR(group_keys, producer_keys)                                                      \
    " \"nameservers\": {\"count\": 2},"                                                                   \
    " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"role\": \"SYNC_MASTER\", \"flush\": \"SYNC_FLUSH\""     \
    group_keys "},"                                                                                        \
    "  {\"name\": \"broker-b\", \"replicas\": 2, \"role\": \"SYNC_MASTER\", \"flush\": \"SYNC_FLUSH\"" group_keys "}],"  \
    " \"producers\": {\"count\": 2, \"rate_per_s\": 200, \"size\": {\"const_bytes\": 512}" producer_keys "},"

#endif
