/* explore: `mqsim explore SCENARIO.json --runs N`: every seed draws its own fault schedule within the
 * scenario's "explore" bounds (some runs calm, some storms), followed by a fault-free tail. Each run is the
 * scenario plus that schedule plus a liveness check, written out as a concrete scenario and run as a child
 * process. A run that breaks an invariant (exit 1) or dies is a failure: its scenario replays it exactly,
 * and it is shrunk, fault by fault, to the smallest schedule that still fails. Losses the configuration
 * does not promise to avoid (ASYNC_MASTER's unreplicated messages) are findings, counted, not failures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/cmd/cli.h"
#include "models/cmd/explore.h"
#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"
#include "sim/buf.h"
#include "sim/lab/csv.h"
#include "sim/fault.h"
#include "sim/out.h"
#include "sim/rng.h"
#include "sim/wall.h"

#include "models/cmd/explore_int.h"


/* explore.json: how the exploration was made (as compare.json and sweep.json say it): the mqsim version,
 * the command that makes it again (not --out, --jobs or --quiet), the scenario with the sha256 of its
 * bytes as read, the --set values, the seeds, and how many runs failed. */
static int write_provenance(const struct explore *ex, size_t failures, char *err, size_t errsz)
{
    struct buf cmd = {0}, opts = {0};
    buf_addf(&opts, " --runs %zu --seed-start %llu", ex->runs, (unsigned long long)ex->seed_start);
    for (int k = 0; k < ex->nsets; k++) {
        buf_add(&opts, " --set ");
        buf_shell(&opts, ex->sets[k]);
    }
    buf_command(&cmd, "mqsim explore", &ex->file, 1, opts.s);
    cmd.oom |= opts.oom;
    buf_free(&opts);
    cJSON *root = cJSON_CreateObject(), *run = cJSON_AddObjectToObject(root, "run");
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)ex->seed_start);
    int ok = run && !cmd.oom && cJSON_AddStringToObject(run, "mqsim_version", MQSIM_VERSION) &&
             cJSON_AddStringToObject(run, "command", cmd.s) && cJSON_AddStringToObject(run, "scenario_file", ex->file) &&
             cJSON_AddStringToObject(run, "scenario_sha256", ex->sha256);
    cJSON *sets = ok ? cJSON_AddArrayToObject(run, "overrides") : NULL;
    ok = sets != NULL;
    for (int k = 0; ok && k < ex->nsets; k++)
        ok = cJSON_AddItemToArray(sets, cJSON_CreateString(ex->sets[k]));
    ok = ok && cJSON_AddItemToObject(run, "seed_start", cJSON_CreateRaw(seed)) &&
         cJSON_AddNumberToObject(run, "runs", (double)ex->runs) &&
         cJSON_AddNumberToObject(root, "failures", (double)failures);
    buf_free(&cmd);
    int rc = ok ? out_write_json(ex->dir, "explore.json", root, err, errsz) : -1;
    if (!ok)
        snprintf(err, errsz, "%s/explore.json: out of memory", ex->dir);
    cJSON_Delete(root);
    return rc;
}

/* ---- running ---- */

static int write_scenario(const char *path, const cJSON *s)
{
    char *text = cJSON_Print(s);
    FILE *f = text ? fopen(path, "w") : NULL;
    int rc = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(text);
    return rc;
}

struct job {
    struct explore *ex;
    const char **files;        /* scenario per job */
    const char **outs;
    const uint64_t *seeds;
    int *status;
    struct runner_progress *progress;   /* the runs' progress line; NULL while shrinking */
};

static int job_prepare(void *ctx, size_t i, struct runner_cmd *cmd)
{
    struct job *j = ctx;
    argv_add(&cmd->argv, j->ex->exe);
    argv_add(&cmd->argv, "--seed");
    argv_addf(&cmd->argv, "%llu", (unsigned long long)j->seeds[i]);
    argv_add(&cmd->argv, "--quiet");
    argv_add(&cmd->argv, "--trace");
    argv_add(&cmd->argv, "off");
    argv_add(&cmd->argv, "--out");
    argv_add(&cmd->argv, j->outs[i]);
    argv_add(&cmd->argv, "--");     /* the file last: a name that starts with '-' is not an option */
    argv_add(&cmd->argv, j->files[i]);
    /* Beside the run's folder, which the run replaces whole when it ends. */
    snprintf(cmd->err_path, sizeof cmd->err_path, "%s.stderr.txt", j->outs[i]);
    return cmd->argv.oom ? -1 : 0;
}

static int job_finish(void *ctx, size_t i, int status)
{
    struct job *j = ctx;
    j->status[i] = status;
    if (j->progress)
        runner_progress_add(j->progress, 1);
    return 0;
}

/* Runs scenario files as children; status[i] gets each exit status. */
static int run_all(struct explore *ex, size_t n, const char **files, const char **outs, const uint64_t *seeds,
                   int *status, int jobs, struct runner_progress *pg)
{
    struct job j = {ex, files, outs, seeds, status, pg};
    struct runner_ops ops = {job_prepare, job_finish, NULL};
    struct runner r = {jobs, 0, pg};
    return runner_run(&r, n, &ops, &j);
}

/* A run's files once nothing needs them: its scenario, its output folder and its stderr (job_prepare). */
static void drop_run(const char *file, const char *out)
{
    char err_path[OUT_PATH_MAX + 96];
    snprintf(err_path, sizeof err_path, "%s.stderr.txt", out);
    remove(file);
    runner_remove_tree(out);
    remove(err_path);
}

static cJSON *read_json(const char *path)
{
    struct conf c;
    conf_init(&c, path);
    return conf_load_file(&c, path);
}

static double metric(const cJSON *m, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, a), b);
    return cJSON_IsNumber(x) ? x->valuedouble : 0;
}

/* Re-runs candidate schedules with one fault fewer while the run still fails (exit status other than 0),
 * until no single fault can go. Writes the smallest to min_path. Returns the number of faults left. */
static int shrink(struct explore *ex, uint64_t seed, cJSON *faults, double end_ms, const char *min_path, int jobs)
{
    char file[OUT_PATH_MAX + 64], out[OUT_PATH_MAX + 64];
    snprintf(file, sizeof file, "%s/shrink-%llu.json", ex->dir, (unsigned long long)seed);
    snprintf(out, sizeof out, "%s/shrink-%llu", ex->dir, (unsigned long long)seed);
    int changed = 1;
    while (changed && !runner_interrupted()) {
        changed = 0;
        for (int i = 0; i < cJSON_GetArraySize(faults); i++) {
            cJSON *cand = cJSON_Duplicate(faults, 1);
            cJSON_DeleteItemFromArray(cand, i);
            cJSON *s = explore_concrete(ex, cand, end_ms, seed);
            int st = -1;
            const char *files[1] = {file}, *outs[1] = {out};
            if (write_scenario(file, s) == 0)
                run_all(ex, 1, files, outs, &seed, &st, jobs, NULL);
            cJSON_Delete(s);
            if (st != 0 && st >= 0) {
                cJSON_Delete(faults->child ? cJSON_DetachItemFromArray(faults, i) : NULL);
                cJSON_Delete(cand);
                changed = 1;
                break;
            }
            cJSON_Delete(cand);
        }
    }
    cJSON *s = explore_concrete(ex, faults, end_ms, seed);
    write_scenario(min_path, s);
    cJSON_Delete(s);
    drop_run(file, out);
    return cJSON_GetArraySize(faults);
}

static void usage_line(const char *msg, const char *arg)
{
    fprintf(stderr, "mqsim: explore: ");
    fprintf(stderr, msg, arg);
    fprintf(stderr, "\n");
}

int cmd_explore(int argc, char **argv)
{
    struct explore ex;
    memset(&ex, 0, sizeof ex);
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0, jobs = runner_default_jobs(), rc = 0;
    long long v;
    const char *out = NULL;
    ex.runs = 100;
    ex.seed_start = 1;
    struct cli_parse p;
    const char *val;
    int k;
    if (!sets || cli_begin(&p, cli_find("explore"), "mqsim: explore: ", argc, argv) < 0) {
        free(sets);
        return 2;
    }
    while ((k = cli_next(&p, &val)) != CLI_END) {
        const char *bad = NULL;
        if (k == OPT_HELP) {
            cli_help(p.cmd, stdout);
            cli_end(&p);
            free(sets);
            return 0;
        }
        if (k == CLI_ERROR) {
            cli_end(&p);
            free(sets);
            return 2;
        }
        if (k == OPT_RUNS) {
            if (runner_parse_int(val, 1, 1000000, &v) == 0)
                ex.runs = (size_t)v;
            else
                bad = "--runs: expected an integer from 1 to 1000000, got \"%s\"";
        } else if (k == OPT_JOBS) {
            if (runner_parse_int(val, 1, 4096, &v) == 0)
                jobs = (int)v;
            else
                bad = "--jobs: expected an integer from 1 to 4096, got \"%s\"";
        } else if (k == OPT_SEED_START) {
            if (runner_parse_int(val, 0, (1LL << 53) - 1, &v) == 0)
                ex.seed_start = (uint64_t)v;
            else
                bad = "--seed-start: expected an integer from 0 to 2^53 - 1, got \"%s\"";
        } else if (k == OPT_OUT) {
            out = val;
        } else if (k == OPT_SET) {
            sets[nsets++] = val;
        } else if (k == OPT_QUIET) {
            ex.quiet = 1;
        } else if (ex.file) {
            bad = "one scenario at a time; unexpected \"%s\"";
        } else {
            ex.file = val;
        }
        if (bad) {
            usage_line(bad, val);
            cli_end(&p);
            free(sets);
            return 2;
        }
    }
    cli_end(&p);
    if (!ex.file) {
        usage_line("%s", "no scenario file given");
        free(sets);
        return 2;
    }

    /* Load the scenario in-process: errors as a run gives them, the node names, the bounds. */
    struct scenario sc;
    struct conf c;
    struct run_opts o = {.file = ex.file, .sets = sets, .nsets = nsets};
    if (scenario_load(&sc, &o, &c) < 0) {
        fprintf(stderr, "mqsim: %s\n", c.err);
        scenario_free(&sc);
        free(sets);
        return 2;
    }
    if (sc.world != &rmq_world_ops) {
        fprintf(stderr, "mqsim: %s: $: explore needs a RocketMQ scenario (\"groups\")\n", ex.file);
        scenario_free(&sc);
        free(sets);
        return 2;
    }
    struct rmq_world *w = rmq_world_get(sc.w);
    memcpy(ex.sha256, sc.sha256, sizeof ex.sha256);
    ex.sets = sets;
    ex.nsets = nsets;
    conf_init(&c, ex.file);
    ex.base = conf_load_file(&c, ex.file);
    for (int i = 0; ex.base && i < nsets; i++)
        conf_apply_set(&c, ex.base, sets[i]);
    world_cfg_read(&c, ex.base, &ex.cfg);
    ex.duration = sc.duration;
    ex.net_latency = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ex.base, "network"), "latency");
    ex.targets = calloc(sim_node_count(sc.sim), sizeof *ex.targets);
    ex.partners = calloc(sim_node_count(sc.sim), sizeof *ex.partners);
    ex.groups = calloc((size_t)w->ngroups, sizeof *ex.groups);
    if (!ex.targets || !ex.partners || !ex.groups) {
        fprintf(stderr, "mqsim: %s: out of memory\n", ex.file);
        scenario_free(&sc);
        rc = 3;
        goto done;
    }
    /* The kinds explore.targets names, in this order: NameServers, each group's replicas, controllers,
     * producers, consumers (the first two alone by default). */
    unsigned kinds = ex.cfg.explore.targets;
    for (int i = 0; (kinds & EXPLORE_NAMESERVERS) && i < w->nns; i++)
        ex.targets[ex.ntargets++] = strdup(sim_node(sc.sim, w->ns[i])->name);
    for (int g = 0; g < w->ngroups; g++) {
        ex.groups[ex.ngroups++] = strdup(w->g[g].name);
        for (int r = 0; (kinds & EXPLORE_BROKERS) && r < w->g[g].n; r++)
            ex.targets[ex.ntargets++] = strdup(sim_node(sc.sim, w->g[g].node[r])->name);
    }
    for (int i = 0; (kinds & EXPLORE_CONTROLLERS) && i < w->nctl; i++)
        ex.targets[ex.ntargets++] = strdup(sim_node(sc.sim, w->ctl_nodes[i])->name);
    for (int want = RMQ_PRODUCER; want <= RMQ_CONSUMER; want++) {
        if (!(kinds & (want == RMQ_PRODUCER ? EXPLORE_PRODUCERS : EXPLORE_CONSUMERS)))
            continue;
        for (size_t id = 0; id < sim_node_count(sc.sim); id++) {
            const struct sim_node *n = sim_node(sc.sim, (sim_node_id)id);
            if (n->model && ((const struct rmq_node *)n->model)->kind == (enum rmq_kind)want)
                ex.targets[ex.ntargets++] = strdup(n->name);
        }
    }
    /* A partition or a slow link joins a target to the others and to the NameServers and brokers, so that a
     * client or a controller chosen alone is cut off from the cluster, not from its own kind. */
    for (int i = 0; i < ex.ntargets; i++)
        ex.partners[ex.npartners++] = strdup(ex.targets[i]);
    for (int i = 0; !(kinds & EXPLORE_NAMESERVERS) && i < w->nns; i++)
        ex.partners[ex.npartners++] = strdup(sim_node(sc.sim, w->ns[i])->name);
    for (int g = 0; !(kinds & EXPLORE_BROKERS) && g < w->ngroups; g++)
        for (int r = 0; r < w->g[g].n; r++)
            ex.partners[ex.npartners++] = strdup(sim_node(sc.sim, w->g[g].node[r])->name);
    char name[128];
    snprintf(name, sizeof name, "%s", sc.name);
    scenario_free(&sc);
    if (ex.ntargets == 0) {
        fprintf(stderr, "mqsim: %s: $.explore.targets: names no node of the scenario (no controllers, say)\n",
                ex.file);
        rc = 2;
        goto done;
    }
    if (ex.duration - ex.cfg.explore.tail <= ex.cfg.explore.start) {
        /* Faults fall in [start_ms, duration - tail_ms): an empty window would make every run calm. */
        int by_start = ex.cfg.explore.start >= ex.duration;
        fprintf(stderr, "mqsim: %s: $.explore.%s: start_ms %.0f and tail_ms %.0f leave no room for faults in a "
                "run of %.0f ms (they fall from start_ms to run.duration_ms - tail_ms)\n", ex.file,
                by_start ? "start_ms" : "tail_ms", sim_time_to_ms(ex.cfg.explore.start),
                sim_time_to_ms(ex.cfg.explore.tail), sim_time_to_ms(ex.duration));
        rc = 2;
        goto done;
    }

    char err[OUT_PATH_MAX + 128];
    if (out)
        snprintf(ex.dir, sizeof ex.dir, "%s", out);
    else
        snprintf(ex.dir, sizeof ex.dir, "out/%s-explore", name);
    char runs_dir[OUT_PATH_MAX + 16], fail_dir[OUT_PATH_MAX + 16];
    snprintf(runs_dir, sizeof runs_dir, "%s/runs", ex.dir);
    snprintf(fail_dir, sizeof fail_dir, "%s/failures", ex.dir);
    if (out_mkdirs(runs_dir, err, sizeof err) < 0 || out_mkdirs(fail_dir, err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        rc = 3;
        goto done;
    }
    ex.exe = runner_exe(err, sizeof err);
    if (!ex.exe) {
        fprintf(stderr, "mqsim: %s\n", err);
        rc = 3;
        goto done;
    }

    /* Draw every schedule and write every concrete scenario. */
    ex.res = calloc(ex.runs, sizeof *ex.res);
    char **files = calloc(ex.runs, sizeof *files), **outs = calloc(ex.runs, sizeof *outs);
    uint64_t *seeds = calloc(ex.runs, sizeof *seeds);
    int *status = calloc(ex.runs, sizeof *status);
    double *ends = calloc(ex.runs, sizeof *ends);
    cJSON **sched = calloc(ex.runs, sizeof *sched);
    for (size_t i = 0; i < ex.runs; i++) {
        seeds[i] = ex.seed_start + i;
        sched[i] = explore_draw(&ex, seeds[i], &ends[i]);
        files[i] = malloc(OUT_PATH_MAX + 64);
        outs[i] = malloc(OUT_PATH_MAX + 64);
        snprintf(files[i], OUT_PATH_MAX + 64, "%s/seed-%llu.json", runs_dir, (unsigned long long)seeds[i]);
        snprintf(outs[i], OUT_PATH_MAX + 64, "%s/seed-%llu", runs_dir, (unsigned long long)seeds[i]);
        cJSON *s = explore_concrete(&ex, sched[i], ends[i], seeds[i]);
        if (write_scenario(files[i], s) < 0) {
            fprintf(stderr, "mqsim: %s: cannot write\n", files[i]);
            cJSON_Delete(s);
            rc = 3;
            goto free_runs;
        }
        cJSON_Delete(s);
        ex.res[i].seed = seeds[i];
        ex.res[i].nfaults = cJSON_GetArraySize(sched[i]);
    }

    struct runner_progress pg;
    runner_progress_init(&pg, "explore", ex.runs, ex.quiet);
    runner_signals_begin();
    int rr = run_all(&ex, ex.runs, (const char **)files, (const char **)outs, seeds, status, jobs, &pg);
    runner_progress_end(&pg);

    /* Judge every run; shrink the failures. */
    size_t failures = 0, lossy = 0, dup_runs = 0, skip_runs = 0;
    double lost_total = 0, dup_total = 0, skip_total = 0;
    struct buf csv = {0};
    buf_add(&csv, "seed,faults,status,acked,acked_lost,acked_skipped,duplicates,violation,nodes\n");
    for (size_t i = 0; i < ex.runs && rr == 0; i++) {
        struct run_result *res = &ex.res[i];
        res->status = status[i];
        char mp[OUT_PATH_MAX + 96];
        snprintf(mp, sizeof mp, "%s/metrics.json", outs[i]);
        cJSON *m = read_json(mp);
        if (m) {
            res->acked = metric(m, "messages", "acked");
            res->acked_lost = metric(m, "messages", "acked_lost");
            res->duplicates = metric(m, "messages", "duplicates");
            res->skipped = metric(m, "messages", "acked_skipped");
            const cJSON *vl = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "invariants"), "violations");
            const cJSON *v0 = cJSON_GetArrayItem(vl, 0);
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(v0, "invariant");
            if (cJSON_IsString(nm))
                snprintf(res->violation, sizeof res->violation, "%s", nm->valuestring);
            cJSON_Delete(m);
        } else if (res->status == 0) {
            res->status = 3;
        }
        if (res->acked_lost > 0) {
            lossy++;
            lost_total += res->acked_lost;
        }
        if (res->skipped > 0) {
            skip_runs++;
            skip_total += res->skipped;
        }
        if (res->duplicates > 0) {
            dup_runs++;
            dup_total += res->duplicates;
        }
        buf_addf(&csv, "%llu,%d,%d,", (unsigned long long)res->seed, res->nfaults, res->status);
        buf_num(&csv, res->acked);
        buf_add(&csv, ",");
        buf_num(&csv, res->acked_lost);
        buf_add(&csv, ",");
        buf_num(&csv, res->skipped);
        buf_add(&csv, ",");
        buf_num(&csv, res->duplicates);
        buf_add(&csv, ",");
        csv_put_field(&csv, res->violation);
        struct buf nodes = {0};
        explore_fault_nodes(sched[i], &nodes);
        buf_add(&csv, ",");
        csv_put_field(&csv, nodes.s ? nodes.s : "");
        buf_free(&nodes);
        buf_add(&csv, "\n");
        if (res->status == 0)
            continue;
        failures++;
        char fp[OUT_PATH_MAX + 64], minp[OUT_PATH_MAX + 64], sbuf[64];
        snprintf(fp, sizeof fp, "%s/seed-%llu.json", fail_dir, (unsigned long long)res->seed);
        snprintf(minp, sizeof minp, "%s/seed-%llu.min.json", fail_dir, (unsigned long long)res->seed);
        cJSON *s = explore_concrete(&ex, sched[i], ends[i], res->seed);
        write_scenario(fp, s);
        cJSON_Delete(s);
        /* "--": an output folder named "-x" gives paths that would read as options */
        printf("FAILURE seed %llu: %s%s%s; replay: mqsim %s%s\n", (unsigned long long)res->seed,
               runner_status_text(res->status, sbuf, sizeof sbuf), res->violation[0] ? ", " : "", res->violation,
               fp[0] == '-' ? "-- " : "", fp);
        int left = shrink(&ex, res->seed, sched[i], ends[i], minp, jobs);
        printf("  shrunk to %d fault%s: mqsim %s%s\n", left, left == 1 ? "" : "s", minp[0] == '-' ? "-- " : "", minp);
    }
    int sig = runner_signals_end();
    if (rr == 0 && !csv.oom && out_mkdirs(ex.dir, err, sizeof err) == 0) {
        struct out_file f = {0};
        if (out_open(&f, ex.dir, "explore.csv", err, sizeof err) == 0) {
            fputs(csv.s, f.f);
            if (out_commit(&f, err, sizeof err) < 0)
                fprintf(stderr, "mqsim: %s\n", err);
        }
        if (write_provenance(&ex, failures, err, sizeof err) < 0)
            fprintf(stderr, "mqsim: %s\n", err);
    }
    buf_free(&csv);
    if (rr != 0 || sig) {
        fprintf(stderr, "mqsim: explore: interrupted\n");
        rc = sig == 15 ? 143 : 130;
        goto free_runs;
    }
    printf("explore %s: %zu runs (seeds %llu..%llu), %zu failure%s\n", name, ex.runs,
           (unsigned long long)ex.seed_start, (unsigned long long)(ex.seed_start + ex.runs - 1), failures,
           failures == 1 ? "" : "s");
    /* acked_skipped: held by a live replica and never read, in a group that promises no delivery; a
     * consumer's offsets ahead of a promoted replica's queues, or a queue started at its end. */
    printf("findings: acknowledged messages lost in %zu runs (%.0f in all), acknowledged, still held and never "
           "consumed (acked_skipped) in %zu runs (%.0f), consumed twice in %zu runs (%.0f)\n",
           lossy, lost_total, skip_runs, skip_total, dup_runs, dup_total);
    printf("per run: %s/explore.csv; failures and their shrunk scenarios: %s/\n", ex.dir, fail_dir);
    rc = failures ? 1 : 0;
    /* Keep the failures' concrete scenarios; drop the per-run outputs of the runs that passed. */
    for (size_t i = 0; i < ex.runs; i++)
        if (ex.res[i].status == 0)
            drop_run(files[i], outs[i]);
    rmdir(runs_dir);   /* gone when every run passed; else it keeps the failures' outputs and stderr */
free_runs:
    for (size_t i = 0; i < ex.runs; i++) {
        free(files[i]);
        free(outs[i]);
        cJSON_Delete(sched[i]);
    }
    free(files);
    free(outs);
    free(seeds);
    free(status);
    free(ends);
    free(sched);
done:
    for (int i = 0; i < ex.ntargets; i++)
        free(ex.targets[i]);
    for (int i = 0; i < ex.npartners; i++)
        free(ex.partners[i]);
    free(ex.partners);
    for (int i = 0; i < ex.ngroups; i++)
        free(ex.groups[i]);
    free(ex.targets);
    free(ex.groups);
    free(ex.res);
    world_cfg_free(&ex.cfg);
    cJSON_Delete(ex.base);
    free(sets);
    return rc;
}
