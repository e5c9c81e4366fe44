/* sweep_run: one call of mqsim sweep: the sweep opened, its pending runs carried out by the runner's pool of
 * child processes (shared among MPI ranks under mpirun), each finished run appended to results.csv, and the
 * runs that failed or broke an invariant reported with the command that replays them. */
#include "sim/lab/sweep.h"
#include "sim/lab/sweep_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef MQSIM_MPI
#include <mpi.h>
#endif

#include "sim/buf.h"
#include "sim/lab/runner.h"
#include "sim/out.h"

#define MAX_NOTES 10

#ifdef MQSIM_MPI
/* Under mpirun (Open MPI, or any PMI launcher), not when run by hand: a plain run needs no MPI. */
static int under_mpirun(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}
#endif

struct sweep_run *sweep_begin(void)
{
    struct sweep_run *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->fd = -1;
    x->nranks = 1;
    x->nlocal = 1;
#ifdef MQSIM_MPI
    x->mpi = under_mpirun();
    if (x->mpi) {
        MPI_Comm local;
        MPI_Init(NULL, NULL);
        MPI_Comm_rank(MPI_COMM_WORLD, &x->rank);
        MPI_Comm_size(MPI_COMM_WORLD, &x->nranks);
        if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local) == MPI_SUCCESS) {
            MPI_Comm_size(local, &x->nlocal);
            MPI_Comm_free(&local);
        }
    }
#endif
    return x;
}

int sweep_open(struct sweep_run *x, const struct sweep_opts *o)
{
    /* Every rank reads the sweep; all must agree before anything runs (a rank that cannot read it stops
     * them all), and one message is enough: rank 0's, or another rank's when rank 0 had none. */
    struct conf c;
    char err[OUT_PATH_MAX + 1280] = "";
    int rc = 0;
    x->quiet = o->quiet;
    x->out = o->out;
    if (sweep_load(&x->sw, o->file, &c) < 0) {
        snprintf(err, sizeof err, "%s", c.err);
        rc = 2;
    } else {
        if (!x->out) {
            snprintf(x->def_out, sizeof x->def_out, "out/%s", x->sw.name);
            x->out = x->def_out;
        }
        /* Under MPI, the cores of a machine are shared by the ranks on it. */
        x->jobs = o->jobs > 0 ? o->jobs : runner_default_jobs() / x->nlocal > 0 ? runner_default_jobs() / x->nlocal
                                                                                : 1;
        char e[OUT_PATH_MAX + 1024];
        if (!(x->exe = runner_exe(e, sizeof e))) {
            snprintf(err, sizeof err, "sweep: %s", e);
            rc = 3;
        } else if (sweep_results_init(&x->res, &x->sw) < 0) {
            snprintf(err, sizeof err, "out of memory");
            rc = 3;
        } else if (x->rank == 0 && sweep_results_load(&x->res, &x->sw, x->out, e, sizeof e) < 0) {
            snprintf(err, sizeof err, "%s", e);
            rc = 2;
        }
    }
#ifdef MQSIM_MPI
    if (x->nranks > 1) {
        int worst = rc, rc0 = rc;
        MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        MPI_Bcast(&rc0, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (rc && rc0 && x->rank != 0)
            err[0] = '\0';
        rc = worst;
    }
#endif
    if (err[0])
        fprintf(stderr, "mqsim: %s\n", err);
    return rc;
}

static void note_failure(struct sweep_run *x, size_t run, int status, const char *note)
{
    struct sweep_failure *f = realloc(x->fails, (x->nfails + 1) * sizeof *f);
    if (!f)
        return;
    x->fails = f;
    f[x->nfails].run = run;
    f[x->nfails].status = status;
    f[x->nfails].note = strdup(note ? note : "");
    x->nfails++;
}

static int open_append(struct sweep_run *x)
{
    char path[OUT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/results.csv", x->out);
    x->fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0666);
    if (x->fd < 0) {
        fprintf(stderr, "mqsim: %s: cannot open for appending: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Appends one finished run to results.csv with a single write, then fsync: the file is a complete CSV at
 * every moment (the header goes with the first line). */
static int append_row(struct sweep_run *x, const char *line)
{
    struct buf d = {0};
    struct stat st;
    if (x->fd < 0 && open_append(x) < 0)
        return -1;
    if (fstat(x->fd, &st) == 0 && st.st_size == 0) {
        sweep_header(&x->sw, &d);
        buf_add(&d, "\n");
    }
    buf_add(&d, line);
    buf_add(&d, "\n");
    size_t off = 0;
    while (!d.oom && off < d.len) {
        ssize_t w = write(x->fd, d.s + off, d.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int ok = !d.oom && off == d.len && fsync(x->fd) == 0;
    if (!ok)
        fprintf(stderr, "mqsim: %s/results.csv: write failed: %s\n", x->out, d.oom ? "out of memory" :
                strerror(errno ? errno : EIO));
    buf_free(&d);
    return ok ? 0 : -1;
}

/* A finished run reaches rank 0 (or the only process): a row, or a failure note. */
static int deliver(struct sweep_run *x, size_t run, int status, const char *line)
{
    char err[512];
    if (!line || !*line || !(status == 0 || status == 1)) {
        note_failure(x, run, status, line);
        runner_progress_add(&x->prog, 1);
        return 0;
    }
    if (append_row(x, line) < 0) {
        x->fatal = 3;
        return -1;
    }
    if (sweep_add_line(&x->res, &x->sw, line, err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        x->fatal = 3;
        return -1;
    }
    x->new_rows++;
    runner_progress_add(&x->prog, 1);
    return 0;
}

#ifdef MQSIM_MPI
enum { TAG_ROW = 1, TAG_FAIL = 2, TAG_DONE = 3 };

/* "run status text": a row (TAG_ROW) or a failure note (TAG_FAIL) for rank 0. */
static int send_result(size_t run, int status, const char *text, int tag)
{
    struct buf d = {0};
    buf_addf(&d, "%zu %d %s", run, status, text ? text : "");
    if (d.oom)
        return -1;
    MPI_Send(d.s, (int)d.len + 1, MPI_CHAR, 0, tag, MPI_COMM_WORLD);
    buf_free(&d);
    return 0;
}

/* Rank 0's poll: takes what the other ranks have finished. 1 while some rank is not done. */
static int mpi_poll(void *p)
{
    struct sweep_run *x = p;
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (!flag)
            break;
        int n = 0;
        MPI_Get_count(&st, MPI_CHAR, &n);
        char *buf = malloc((size_t)n + 1);
        if (!buf)
            return -1;
        MPI_Recv(buf, n, MPI_CHAR, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        buf[n > 0 ? n - 1 : 0] = '\0';
        if (st.MPI_TAG == TAG_DONE) {
            x->ranks_done++;
        } else {
            unsigned long long run = 0;
            int status = 0, off = 0;
            if (sscanf(buf, "%llu %d %n", &run, &status, &off) < 2 || run >= x->sw.nruns) {
                free(buf);
                fprintf(stderr, "mqsim: sweep: a malformed message from rank %d\n", st.MPI_SOURCE);
                x->fatal = 3;
                return -1;
            }
            int rc = 0;
            if (st.MPI_TAG == TAG_ROW) {
                rc = deliver(x, (size_t)run, status, buf + off);
            } else {
                note_failure(x, (size_t)run, status, buf + off);
                runner_progress_add(&x->prog, 1);
            }
            free(buf);
            if (rc < 0)
                return -1;
        }
    }
    return x->ranks_done < x->nranks - 1 ? 1 : 0;
}
#endif

static int sw_prepare(void *p, size_t i, struct runner_cmd *cmd)
{
    struct sweep_run *x = p;
    const struct sweep *sw = &x->sw;
    size_t run = x->todo[i], point = run / sw->seeds;
    argv_add(&cmd->argv, x->exe);
    argv_add(&cmd->argv, "--seed");
    argv_addf(&cmd->argv, "%llu", (unsigned long long)(sw->seed_start + run % sw->seeds));
    argv_add(&cmd->argv, "--out");
    argv_addf(&cmd->argv, "%s/%zu", x->tmp, i);
    argv_add(&cmd->argv, "--quiet");
    argv_add(&cmd->argv, "--trace");
    argv_add(&cmd->argv, "off");
    for (size_t k = 0; k < sw->nsets; k++) {
        argv_add(&cmd->argv, "--set");
        argv_add(&cmd->argv, sw->sets[k]);
    }
    for (size_t k = 0; k < sw->nvars; k++) {
        argv_add(&cmd->argv, "--set");
        argv_add(&cmd->argv, sw->vars[k].set[sweep_value_index(sw, point, k)]);
    }
    argv_add(&cmd->argv, "--");     /* the file last: a name that starts with '-' is not an option */
    argv_add(&cmd->argv, sw->base);
    snprintf(cmd->err_path, sizeof cmd->err_path, "%s/%zu.err", x->tmp, i);
    return 0;
}

static int sw_finish(void *p, size_t i, int status)
{
    struct sweep_run *x = p;
    size_t run = x->todo[i];
    char dir[OUT_PATH_MAX + 32], path[OUT_PATH_MAX + 64], err[1024], note[1100] = "";
    char *line = NULL;
    snprintf(dir, sizeof dir, "%s/%zu", x->tmp, i);
    if (status == 0 || status == 1) {
        struct conf cf;
        snprintf(path, sizeof path, "%s/metrics.json", dir);
        conf_init(&cf, path);
        cJSON *root = conf_load_file(&cf, path);
        if (root) {
            size_t bad = SIZE_MAX;
            line = sweep_make_row(&x->sw, run, status, root, !x->checked, &bad, err, sizeof err);
            cJSON_Delete(root);
            if (!line) {
                char mp[512];
                if (bad == SIZE_MAX) {
                    fprintf(stderr, "mqsim: sweep: %s\n", err);
                    x->fatal = 3;
                    return -1;
                }
                fprintf(stderr, "mqsim: %s: %s: %s\n", x->sw.file,
                        conf_path_key(mp, sizeof mp, "$.metrics", x->sw.metrics[bad].name), err);
                x->fatal = 2;
                return -1;
            }
            x->checked = 1;
        } else {
            snprintf(note, sizeof note, "%s", cf.err);
            status = 3;
        }
    } else {
        snprintf(path, sizeof path, "%s/%zu.err", x->tmp, i);
        runner_first_line(path, note, sizeof note);
    }
    runner_remove_tree(dir);
    snprintf(path, sizeof path, "%s/%zu.err", x->tmp, i);
    unlink(path);
    int rc;
#ifdef MQSIM_MPI
    if (x->rank != 0) {
        rc = send_result(run, status, line ? line : note, line ? TAG_ROW : TAG_FAIL);
        free(line);
        return rc;
    }
#endif
    if (line)
        rc = deliver(x, run, status, line);
    else {
        note_failure(x, run, status, note);
        runner_progress_add(&x->prog, 1);
        rc = 0;
    }
    free(line);
    return rc;
}

/* Shell command that replays run `run` (for messages). */
static void replay_command(const struct sweep *sw, size_t run, struct buf *d)
{
    size_t point = run / sw->seeds;
    struct buf opts = {0};
    buf_addf(&opts, " --seed %llu", (unsigned long long)(sw->seed_start + run % sw->seeds));
    for (size_t k = 0; k < sw->nsets; k++) {
        buf_add(&opts, " --set ");
        buf_shell(&opts, sw->sets[k]);
    }
    for (size_t k = 0; k < sw->nvars; k++) {
        buf_add(&opts, " --set ");
        buf_shell(&opts, sw->vars[k].set[sweep_value_index(sw, point, k)]);
    }
    const char *base = sw->base;
    buf_command(d, "mqsim", &base, 1, opts.s);
    d->oom |= opts.oom;
    buf_free(&opts);
}

static int fail_cmp(const void *a, const void *b)
{
    const struct sweep_failure *x = a, *y = b;
    return x->run < y->run ? -1 : x->run > y->run;
}

/* Messages about runs that broke an invariant (new this time) or failed; the exit status they imply. */
int sweep_report_runs(struct sweep_run *x, size_t first_new)
{
    const struct sweep *sw = &x->sw;
    int rc = 0;
    size_t shown = 0, more = 0;
    if (x->nfails)
        qsort(x->fails, x->nfails, sizeof *x->fails, fail_cmp);
    for (size_t i = 0; i < x->nfails; i++) {
        const struct sweep_failure *f = &x->fails[i];
        struct buf d = {0};
        char st[64];
        rc = f->status > 128 && rc != 3 ? 1 : 3;
        if (shown++ >= MAX_NOTES) {
            more++;
            continue;
        }
        replay_command(sw, f->run, &d);
        fprintf(stderr, "mqsim: sweep: %s%s%s; not recorded, it runs again next time: %s\n",
                runner_status_text(f->status, st, sizeof st), *f->note ? ": " : "", f->note, d.s ? d.s : "");
        buf_free(&d);
    }
    for (size_t i = 0; i < x->res.n; i++) {
        const struct sweep_row *w = &x->res.rows[i];
        if (w->run < 0 || w->exit != 1)
            continue;
        if (rc == 0)
            rc = 1;
        if (i < first_new)
            continue;
        if (shown++ >= MAX_NOTES) {
            more++;
            continue;
        }
        struct buf d = {0};
        replay_command(sw, (size_t)w->run, &d);
        fprintf(stderr, "mqsim: sweep: an invariant was broken; replay: %s\n", d.s ? d.s : "");
        buf_free(&d);
    }
    if (more)
        fprintf(stderr, "mqsim: sweep: ... and %zu more\n", more);
    return rc;
}

int sweep_finish_outputs(struct sweep_run *x)
{
    char err[OUT_PATH_MAX + 256];
    if (sweep_results_write(&x->res, &x->sw, x->out, err, sizeof err) < 0 ||
        sweep_summary_write(&x->res, &x->sw, x->out, err, sizeof err) < 0 ||
        sweep_json_write(&x->res, &x->sw, x->out, err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        return 3;
    }
    sweep_report_null_metrics(&x->res, &x->sw);
    x->written = 1;
    return 0;
}

static int pending_runs(struct sweep_run *x, size_t **list, size_t *n)
{
    *list = malloc((x->sw.nruns + 1) * sizeof **list);
    if (!*list)
        return -1;
    *n = 0;
    for (size_t r = 0; r < x->sw.nruns; r++)
        if (x->res.by_run[r] < 0)
            (*list)[(*n)++] = r;
    return 0;
}

/* Runs this process's share of the pending runs; on rank 0 (or alone) writes the results. */
int sweep_exec(struct sweep_run *x)
{
    char err[OUT_PATH_MAX + 256];
    size_t *pending = NULL, npending = 0, first_new = x->res.n;
    int rc = 0;
    if (x->rank == 0) {
        if (pending_runs(x, &pending, &npending) < 0) {
            fprintf(stderr, "mqsim: out of memory\n");
            rc = 3;
        } else if (out_mkdirs(x->out, err, sizeof err) < 0) {
            fprintf(stderr, "mqsim: %s\n", err);
            rc = 3;
        } else if (x->res.rewrite && sweep_results_write(&x->res, &x->sw, x->out, err, sizeof err) < 0) {
            /* A line cut short or a run twice: rewrite before appending, so appends extend a clean file. */
            fprintf(stderr, "mqsim: %s\n", err);
            rc = 3;
        }
    }
#ifdef MQSIM_MPI
    if (x->nranks > 1) {
        unsigned long long n = npending;
        MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (rc) {
            free(pending);
            return rc;
        }
        MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
        if (x->rank != 0) {
            pending = malloc((n + 1) * sizeof *pending);
            if (!pending)
                MPI_Abort(MPI_COMM_WORLD, 3);
        }
        npending = (size_t)n;
        unsigned long long *tmp = malloc((n + 1) * sizeof *tmp);
        if (!tmp)
            MPI_Abort(MPI_COMM_WORLD, 3);
        for (size_t k = 0; x->rank == 0 && k < npending; k++)
            tmp[k] = pending[k];
        MPI_Bcast(tmp, (int)n, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
        for (size_t k = 0; k < npending; k++)
            pending[k] = (size_t)tmp[k];
        free(tmp);
        if (x->rank != 0 && out_mkdirs(x->out, err, sizeof err) < 0) {
            fprintf(stderr, "mqsim: %s\n", err);
            MPI_Abort(MPI_COMM_WORLD, 3);
        }
    }
#endif
    if (rc) {
        free(pending);
        return rc;
    }
    /* Rank r takes the pending runs k with k % nranks == r; alone, all of them. */
    x->todo = malloc((npending / (size_t)x->nranks + 2) * sizeof *x->todo);
    if (!x->todo) {
        free(pending);
        fprintf(stderr, "mqsim: out of memory\n");
        return 3;
    }
    for (size_t k = (size_t)x->rank; k < npending; k += (size_t)x->nranks)
        x->todo[x->ntodo++] = pending[k];
    free(pending);
    x->npending = npending;
    if (x->rank == 0 && !x->quiet && npending < x->sw.nruns)
        fprintf(stderr, "sweep %s: %zu of %zu runs already in %s/results.csv; %zu to run\n", x->sw.name,
                x->sw.nruns - npending, x->sw.nruns, x->out, npending);

    /* Signals are caught from before the directory for the runs exists, so that ^C cannot leave it behind. */
    if (runner_signals_begin() < 0) {
        fprintf(stderr, "mqsim: sweep: cannot set up signal handling\n");
        return 3;
    }
    if (runner_tmpdir(x->out, "sweep-runs", x->tmp, sizeof x->tmp, err, sizeof err) < 0) {
        fprintf(stderr, "mqsim: %s\n", err);
        runner_signals_end();
#ifdef MQSIM_MPI
        if (x->nranks > 1)
            MPI_Abort(MPI_COMM_WORLD, 3);
#endif
        return 3;
    }
    char label[160];
    snprintf(label, sizeof label, "sweep %s", x->sw.name);
    runner_progress_init(&x->prog, label, npending, x->quiet || x->rank != 0);
    struct runner r = {.jobs = x->jobs, .progress = &x->prog};
    struct runner_ops ops = {.prepare = sw_prepare, .finish = sw_finish};
#ifdef MQSIM_MPI
    if (x->nranks > 1 && x->rank == 0)
        ops.poll = mpi_poll;
#endif
    int pr = runner_run(&r, x->ntodo, &ops, x);
    runner_progress_end(&x->prog);
    runner_remove_tree(x->tmp);
    if (x->fd >= 0) {
        close(x->fd);
        x->fd = -1;
    }
    if (pr == RUNNER_SIGNALLED) {
        int sig = runner_signals_end();
        if (x->rank == 0) {
            size_t have = 0;
            for (size_t k = 0; k < x->sw.nruns; k++)
                have += x->res.by_run[k] >= 0;
            fprintf(stderr, "mqsim: sweep: interrupted; %s/results.csv holds %zu of %zu runs; the same command "
                    "resumes\n", x->out, have, x->sw.nruns);
        }
#ifdef MQSIM_MPI
        if (x->nranks > 1)
            MPI_Abort(MPI_COMM_WORLD, 128 + sig);
#endif
        return 128 + sig;
    }
    if (pr != 0) {
        runner_signals_end();
        if (x->fatal == 2 && !x->res.exists)
            rmdir(x->out);      /* a bad metric path: nothing written, not even the directory (if empty) */
#ifdef MQSIM_MPI
        if (x->nranks > 1)
            MPI_Abort(MPI_COMM_WORLD, x->fatal ? x->fatal : 3);
#endif
        return x->fatal ? x->fatal : 3;
    }
#ifdef MQSIM_MPI
    if (x->nranks > 1 && x->rank != 0) {
        MPI_Send("", 1, MPI_CHAR, 0, TAG_DONE, MPI_COMM_WORLD);
        runner_signals_end();
        return 0;
    }
#endif
    rc = sweep_finish_outputs(x);
    int sig = runner_signals_end();
    if (rc == 0) {
        rc = sweep_report_runs(x, first_new);
        sweep_print_summary(x);   /* the results, on stdout: --quiet keeps them, as compare's table */
    }
    return sig ? 128 + sig : rc;
}

const char *sweep_out_dir(const struct sweep_run *x)
{
    return x->out;
}

int sweep_rank(const struct sweep_run *x)
{
    return x->rank;
}

int sweep_written(const struct sweep_run *x)
{
    return x->written;
}

int sweep_end(struct sweep_run *x, int rc)
{
#ifdef MQSIM_MPI
    if (x->mpi) {
        if (x->nranks > 1)
            MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
        MPI_Finalize();
    }
#endif
    for (size_t i = 0; i < x->nfails; i++)
        free(x->fails[i].note);
    free(x->fails);
    free(x->todo);
    sweep_results_free(&x->res);
    sweep_free(&x->sw);
    free(x);
    return rc;
}
