/* timeline: a run's trace.jsonl and timeseries.csv as a Chrome Trace Event file (timeline.json), which
 * ui.perfetto.dev and chrome://tracing open.
 *
 * Processes: the topic, one per broker group, the NameServers, the producers, the consumers, the operator.
 * Threads: one per node, plus a node's raft and HA tracks and a group's outage and election tracks. Spans
 * ("X", with a duration) for roles, HA connections, outages, elections and the operator's procedure; instants
 * ("i") for crashes, restarts, partitions, registrations, route changes; counters ("C") from timeseries.csv
 * for slave lag, backlog, send rate and p99 latency. The file grows with the events trace, never with the
 * messages: per-message lines of a full trace (sends, consumption, pulls, HA transfers, follower commits)
 * and the leader's raft.commit are skipped. */
#include "models/cmd/timeline.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/cmd/plot_int.h"
#include "models/cmd/cli.h"
#include "models/cmd/report.h"
#include "sim/out.h"

enum { MAX_TRACKS = 4096, MAX_PROCS = 256 };

/* A thread of the timeline: a node's role track or one of its companions, or a group's own track. */
struct track {
    char name[96];
    int pid, tid;
    char span[48];              /* the open span's name, "" if none */
    double since;               /* when it opened (us) */
    char arg[64];               /* one argument of the open span (a peer, a term), "" if none */
};

struct proc { char name[64]; };

struct timeline {
    FILE *f;
    int nev;                    /* events written (a comma before each but the first) */
    struct proc procs[MAX_PROCS];
    int nprocs;
    struct track *tracks;
    int ntracks;
    double end_us;              /* the last time seen */
    int full;                   /* a limit was hit (warned once) */
};

static void emit_head(struct timeline *t)
{
    fputs(t->nev++ ? ",\n" : "\n", t->f);
}

static void put_us(FILE *f, double us) { fprintf(f, "%.3f", us); }

static int proc_id(struct timeline *t, const char *name)
{
    for (int i = 0; i < t->nprocs; i++)
        if (strcmp(t->procs[i].name, name) == 0)
            return i + 1;
    if (t->nprocs == MAX_PROCS) {
        if (!t->full++)
            fprintf(stderr, "mqsim: timeline: more than %d processes; the rest share the last one\n", MAX_PROCS);
        return MAX_PROCS;
    }
    snprintf(t->procs[t->nprocs].name, sizeof t->procs[0].name, "%s", name);
    t->nprocs++;
    emit_head(t);
    fprintf(t->f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"tid\":0,\"args\":{\"name\":", t->nprocs);
    put_str(t->f, name);
    fprintf(t->f, "}}");
    emit_head(t);
    fprintf(t->f, "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%d,\"tid\":0,\"args\":{\"sort_index\":%d}}",
            t->nprocs, t->nprocs);
    return t->nprocs;
}

static struct track *track(struct timeline *t, const char *proc, const char *name)
{
    int pid = proc_id(t, proc);
    for (int i = 0; i < t->ntracks; i++)
        if (t->tracks[i].pid == pid && strcmp(t->tracks[i].name, name) == 0)
            return &t->tracks[i];
    if (t->ntracks == MAX_TRACKS) {
        if (!t->full++)
            fprintf(stderr, "mqsim: timeline: more than %d tracks; the rest share the last one\n", MAX_TRACKS);
        return &t->tracks[MAX_TRACKS - 1];
    }
    struct track *k = &t->tracks[t->ntracks++];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    k->pid = pid;
    k->tid = t->ntracks;
    emit_head(t);
    fprintf(t->f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":", pid, k->tid);
    put_str(t->f, name);
    fprintf(t->f, "}}");
    emit_head(t);
    fprintf(t->f, "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%d,\"tid\":%d,\"args\":{\"sort_index\":%d}}",
            pid, k->tid, k->tid);
    return k;
}

/* A complete span on track k from `from` to `to` (us). */
static void span(struct timeline *t, const struct track *k, const char *name, double from, double to,
                 const char *argname, const char *arg)
{
    if (to < from)
        to = from;
    emit_head(t);
    fprintf(t->f, "{\"ph\":\"X\",\"name\":");
    put_str(t->f, name);
    fprintf(t->f, ",\"pid\":%d,\"tid\":%d,\"ts\":", k->pid, k->tid);
    put_us(t->f, from);
    fprintf(t->f, ",\"dur\":");
    put_us(t->f, to - from);
    if (argname && arg && *arg) {
        fprintf(t->f, ",\"args\":{");
        put_str(t->f, argname);
        fputc(':', t->f);
        put_str(t->f, arg);
        fputc('}', t->f);
    }
    fputc('}', t->f);
}

static void close_span(struct timeline *t, struct track *k, double now)
{
    if (k->span[0])
        span(t, k, k->span, k->since, now, "detail", k->arg);
    k->span[0] = 0;
    k->arg[0] = 0;
}

/* Ends the open span of k and opens `name` (nothing if the same span is open). */
static void set_span(struct timeline *t, struct track *k, const char *name, const char *arg, double now)
{
    if (strcmp(k->span, name) == 0 && strcmp(k->arg, arg ? arg : "") == 0)
        return;
    close_span(t, k, now);
    snprintf(k->span, sizeof k->span, "%s", name);
    snprintf(k->arg, sizeof k->arg, "%s", arg ? arg : "");
    k->since = now;
}

static void instant(struct timeline *t, const struct track *k, const char *name, double now, const cJSON *args)
{
    emit_head(t);
    fprintf(t->f, "{\"ph\":\"i\",\"s\":\"t\",\"name\":");
    put_str(t->f, name);
    fprintf(t->f, ",\"pid\":%d,\"tid\":%d,\"ts\":", k->pid, k->tid);
    put_us(t->f, now);
    if (args) {
        char *s = cJSON_PrintUnformatted(args);
        if (s)
            fprintf(t->f, ",\"args\":%s", s);
        free(s);
    }
    fputc('}', t->f);
}

static void counter(struct timeline *t, int pid, const char *name, double now, double v)
{
    emit_head(t);
    fprintf(t->f, "{\"ph\":\"C\",\"name\":");
    put_str(t->f, name);
    fprintf(t->f, ",\"pid\":%d,\"tid\":0,\"ts\":", pid);
    put_us(t->f, now);
    fprintf(t->f, ",\"args\":{\"value\":");
    put_num(t->f, v);
    fprintf(t->f, "}}");
}

/* ---- which process a node belongs to ---- */

/* Brokers are named by broker.start (its group); the rest by their name. */
struct node_group { char node[64], group[64]; };

static const char *proc_of(const struct node_group *ng, int n, const char *node)
{
    for (int i = 0; i < n; i++)
        if (strcmp(ng[i].node, node) == 0)
            return ng[i].group;
    if (strncmp(node, "ns-", 3) == 0)
        return "nameservers";
    if (strncmp(node, "producer", 8) == 0)
        return "producers";
    if (strncmp(node, "consumer", 8) == 0)
        return "consumers";
    if (strcmp(node, "operator") == 0)
        return "operator";
    return "other";
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_of(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* The lines a timeline skips without parsing: one per message or per commit. */
/* What is wrong with a trace line, with its JSON path, or NULL: every line is an object with the event's
 * time (t_ms), its node ("" for the topic's and the faults') and its name (ev). */
static const char *bad_line(const cJSON *e)
{
    if (!e || !cJSON_IsObject(e))
        return "$: not a JSON object";
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e, "t_ms")))
        return "$.t_ms: expected the event's time in ms (a number)";
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "node")))
        return "$.node: expected the node's name (a string)";
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "ev")))
        return "$.ev: expected the event's name (a string)";
    return NULL;
}

static int skipped(const char *line)
{
    static const char *const evs[] = {"\"ev\":\"send.", "\"ev\":\"msg.", "\"ev\":\"consume\"", "\"ev\":\"pull.serve\"",
                                      "\"ev\":\"pull.cold_read\"", "\"ev\":\"ha.transfer\"", "\"ev\":\"ha.cold_read\"",
                                      "\"ev\":\"raft.commit\"", "\"ev\":\"raft.cold_read\"",
                                      "\"ev\":\"ha.diverged_msg\"", NULL};
    for (int i = 0; evs[i]; i++)
        if (strstr(line, evs[i]))
            return 1;
    return 0;
}

/* ---- one trace event ---- */

struct state {
    struct node_group ng[512];
    int nng;
    char leader[MAX_PROCS + 1][64]; /* per group process id: the node known to lead, "" when none */
};

static void on_event(struct timeline *t, struct state *st, const cJSON *e)
{
    const char *ev = str_of(e, "ev"), *node = str_of(e, "node"), *group = str_of(e, "group");
    double now = num_of(e, "t_ms", 0) * 1000;
    if (!ev || !node)
        return;
    if (now > t->end_us)
        t->end_us = now;
    if (strcmp(ev, "broker.start") == 0 && group && st->nng < (int)(sizeof st->ng / sizeof st->ng[0])) {
        int known = 0;
        for (int i = 0; i < st->nng; i++)
            known |= strcmp(st->ng[i].node, node) == 0;
        if (!known) {
            snprintf(st->ng[st->nng].node, sizeof st->ng[0].node, "%s", node);
            snprintf(st->ng[st->nng].group, sizeof st->ng[0].group, "%s", group);
            st->nng++;
        }
    }
    if (strncmp(ev, "outage.", 7) == 0) {
        char name[64];
        snprintf(name, sizeof name, "%s outage", ev + 7);
        struct track *k = track(t, group ? group : "topic", group ? "outages" : name);
        span(t, k, name, num_of(e, "from_ms", 0) * 1000, num_of(e, "to_ms", 0) * 1000, "open",
             cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "open")) ? "true" : "false");
        return;
    }
    const char *proc = *node ? proc_of(st->ng, st->nng, node) : "topic";
    struct track *k = track(t, proc, *node ? node : "faults");
    int pid = k->pid;
    if (strcmp(ev, "broker.start") == 0 || strcmp(ev, "broker.role") == 0) {
        set_span(t, k, str_of(e, "role") ? str_of(e, "role") : "broker", NULL, now);
    } else if (strcmp(ev, "crash.host") == 0 || strcmp(ev, "crash.process") == 0) {
        set_span(t, k, "down", ev + 6, now);
        size_t n = strlen(node);
        for (int i = 0; i < t->ntracks; i++)   /* its "<node> raft" and "<node> ha" spans end with it */
            if (t->tracks[i].pid == pid && strncmp(t->tracks[i].name, node, n) == 0 && t->tracks[i].name[n] == ' ')
                close_span(t, &t->tracks[i], now);
        if (strcmp(st->leader[pid], node) == 0)
            st->leader[pid][0] = 0;
        instant(t, k, ev, now, NULL);
    } else if (strcmp(ev, "restart") == 0) {
        set_span(t, k, "starting", NULL, now);
        instant(t, k, ev, now, NULL);
    } else if (strcmp(ev, "raft.role") == 0) {
        char name[128], term[32];
        snprintf(name, sizeof name, "%s raft", node);
        snprintf(term, sizeof term, "term %lld", (long long)num_of(e, "term", 0));
        const char *role = str_of(e, "role") ? str_of(e, "role") : "?";
        set_span(t, track(t, proc, name), role, term, now);
        /* The group's election: from the first candidate while no live leader is known to the next leader. A
         * restarted follower starts as a candidate too; with a leader alive that is no election. */
        struct track *el = track(t, proc, "election");
        if (strcmp(role, "leader") == 0) {
            close_span(t, el, now);
            snprintf(st->leader[pid], sizeof st->leader[pid], "%s", node);
        } else {
            if (strcmp(st->leader[pid], node) == 0)
                st->leader[pid][0] = 0;   /* the leader stepped down */
            if (strcmp(role, "candidate") == 0 && !st->leader[pid][0] && !el->span[0])
                set_span(t, el, "election", NULL, now);
        }
    } else if (strcmp(ev, "ha.connect") == 0 || strcmp(ev, "ha.accept") == 0) {
        char name[128];
        snprintf(name, sizeof name, "%s ha", node);
        set_span(t, track(t, proc, name), strcmp(ev, "ha.connect") == 0 ? "HA to master" : "HA from slave",
                 str_of(e, "peer"), now);
    } else if (strcmp(ev, "ha.disconnect") == 0) {
        char name[128];
        snprintf(name, sizeof name, "%s ha", node);
        close_span(t, track(t, proc, name), now);
        instant(t, k, ev, now, NULL);
    } else if (strcmp(ev, "operator.alert") == 0) {
        set_span(t, k, "failover procedure", group, now);
        instant(t, k, ev, now, e);
    } else if (strcmp(ev, "operator.promote") == 0) {
        close_span(t, k, now);
        instant(t, k, ev, now, e);
    } else {
        /* Registrations, route changes, partitions, pauses, votes, violations: instants with their fields. */
        cJSON *args = cJSON_Duplicate(e, 1);
        if (args) {
            cJSON_DeleteItemFromObjectCaseSensitive(args, "t_ms");
            cJSON_DeleteItemFromObjectCaseSensitive(args, "ev");
            cJSON_DeleteItemFromObjectCaseSensitive(args, "node");
        }
        instant(t, k, ev, now, args);
        cJSON_Delete(args);
    }
}

/* ---- counters from timeseries.csv ---- */

/* At most this many counter samples per label and counter: longer runs are folded into buckets of k rows
 * (the largest backlog, lag and p99 of the bucket; the send rate over the bucket). */
enum { MAX_SAMPLES = 2000 };

struct bucket { double t0, t1, backlog, lag, p99, sends; int rows; };

static double max_of(double a, double b) { return b != b ? a : (a != a || b > a ? b : a); }

static void flush_bucket(struct timeline *t, int pid, struct bucket *b)
{
    if (!b->rows)
        return;
    double at = b->t0 * 1000;
    if (b->backlog == b->backlog)
        counter(t, pid, "backlog (msgs)", at, b->backlog);
    if (b->lag == b->lag)
        counter(t, pid, "slave lag (msgs)", at, b->lag);
    if (b->p99 == b->p99)
        counter(t, pid, "send p99 (ms)", at, b->p99);
    if (b->t1 > b->t0 && b->sends == b->sends)
        counter(t, pid, "sends/s", at, b->sends * 1000 / (b->t1 - b->t0));
    b->rows = 0;
}

static void counters(struct timeline *t, const struct table *tb)
{
    int cg = csv_col(&tb->c, "group"), ct = csv_col(&tb->c, "t_ms"), cb = csv_col(&tb->c, "backlog_msgs"),
        cs = csv_col(&tb->c, "sends"), cl = csv_col(&tb->c, "slave1_lag_msgs"),
        cp = csv_col(&tb->c, "latency_p99_ms");
    if (cg < 0 || ct < 0)
        return;
    /* Labels: the topic "*" and each group, each with its own rows in time order. */
    size_t per_label = 0;
    for (size_t r = 0; r < tb->nrows; r++)
        per_label += strcmp(table_get(tb, r, cg), "*") == 0;
    size_t k = per_label / MAX_SAMPLES + 1;
    for (int pass = 0; pass < t->nprocs; pass++) {
        const char *label = pass == 0 ? "*" : t->procs[pass].name;
        int pid = pass + 1;
        struct bucket b = {0};
        double prev = -1;
        for (size_t r = 0; r < tb->nrows; r++) {
            if (strcmp(table_get(tb, r, cg), label) != 0)
                continue;
            double now = table_num(tb, r, ct);
            if (!b.rows) {
                b = (struct bucket){.t0 = prev >= 0 ? prev : now, .backlog = NAN, .lag = NAN, .p99 = NAN};
            }
            /* A row counts the sends returned since the row before of its label. */
            b.t1 = now;
            b.backlog = max_of(b.backlog, cb >= 0 ? table_num(tb, r, cb) : NAN);
            b.lag = max_of(b.lag, cl >= 0 ? table_num(tb, r, cl) : NAN);
            b.p99 = max_of(b.p99, cp >= 0 ? table_num(tb, r, cp) : NAN);
            double sends = cs >= 0 ? table_num(tb, r, cs) : NAN;
            if (prev >= 0 && sends == sends)
                b.sends = b.sends == b.sends ? b.sends + sends : sends;
            b.rows++;
            prev = now;
            if ((size_t)b.rows >= k)
                flush_bucket(t, pid, &b);
        }
        flush_bucket(t, pid, &b);
    }
}

int timeline_write(const char *dir, char *err, size_t errsz)
{
    char path[4096];
    struct stat st_dir;
    if (stat(dir, &st_dir) != 0 || !S_ISDIR(st_dir.st_mode)) {
        snprintf(err, errsz, "%s: no such folder", dir);
        return 2;
    }
    if (join(path, sizeof path, dir, "trace.jsonl") < 0 || !is_file(path)) {
        snprintf(err, errsz, "%s/trace.jsonl: not found (run with --trace events or full)", dir);
        return 2;
    }
    FILE *in = fopen(path, "r");
    if (!in) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return 2;
    }
    struct out_file o = {0};
    if (out_open(&o, dir, "timeline.json", err, errsz) < 0) {
        fclose(in);
        return 3;
    }
    struct timeline t = {.f = o.f};
    struct state *st = calloc(1, sizeof *st);
    t.tracks = calloc(MAX_TRACKS, sizeof *t.tracks);
    int rc = 0;
    if (!st || !t.tracks) {
        snprintf(err, errsz, "%s: out of memory", dir);
        rc = 3;
    }
    fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", o.f);
    proc_id(&t, "topic");   /* first in the list */
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    while (!rc && getline(&line, &cap, in) > 0) {
        lineno++;
        if (skipped(line))
            continue;
        cJSON *e = cJSON_Parse(line);
        const char *bad = bad_line(e);
        if (bad) {
            snprintf(err, errsz, "%s:%ld: %s", path, lineno, bad);
            rc = 2;
        } else {
            on_event(&t, st, e);
        }
        cJSON_Delete(e);
    }
    free(line);
    fclose(in);
    if (!rc) {
        /* The run's end closes what is open: from metrics.json's sim_ms when there is one. */
        char mpath[4096];
        char *m = join(mpath, sizeof mpath, dir, "metrics.json") == 0 ? slurp(mpath) : NULL;
        cJSON *mj = m ? cJSON_Parse(m) : NULL;
        double end = num_of(mj, "sim_ms", -1) * 1000;
        if (end > t.end_us)
            t.end_us = end;
        cJSON_Delete(mj);
        free(m);
        for (int i = 0; i < t.ntracks; i++)
            close_span(&t, &t.tracks[i], t.end_us);
        struct table tb;
        char tpath[4096];
        if (join(tpath, sizeof tpath, dir, "timeseries.csv") == 0 && is_file(tpath) && table_load(&tb, tpath) == 0) {
            /* run.timeseries "long": the same columns once widened */
            if (!table_is_long(&tb) || table_widen(&tb) == 0)
                counters(&t, &tb);
            table_free(&tb);
        }
        fputs("\n]}\n", o.f);
    }
    free(st);
    free(t.tracks);
    if (rc) {
        out_abort(&o);
        return rc;
    }
    return out_commit(&o, err, errsz) < 0 ? 3 : 0;
}

int cmd_timeline(int argc, char **argv)
{
    const char *dir = NULL, *v;
    int k;
    struct cli_parse p;
    if (cli_begin(&p, cli_find("timeline"), "mqsim: timeline: ", argc, argv) < 0)
        return 2;
    while ((k = cli_next(&p, &v)) != CLI_END) {
        if (k == OPT_HELP) {
            cli_help(p.cmd, stdout);
            cli_end(&p);
            return 0;
        }
        if (k == CLI_ERROR || dir) {
            if (k != CLI_ERROR)
                cli_fail(&p, "one folder at a time; unexpected \"%s\"", v);
            cli_end(&p);
            return 2;
        }
        dir = v;
    }
    cli_end(&p);
    if (!dir) {
        fprintf(stderr, "mqsim: usage: mqsim timeline DIR (a run's output folder with its trace.jsonl)\n");
        return 2;
    }
    char err[4352];
    int rc = timeline_write(dir, err, sizeof err);
    if (rc)
        fprintf(stderr, "mqsim: timeline: %s\n", err);
    else
        printf("%s/timeline.json: open it in https://ui.perfetto.dev or chrome://tracing\n", dir);
    /* A report already there links the timeline now. */
    char page[4096];
    if (!rc && join(page, sizeof page, dir, "index.html") == 0 && is_file(page))
        rc = report_write(dir, 0);
    return rc;
}
