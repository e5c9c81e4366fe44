/* raft_check: the committed entries are kept as (term, msg) from a base index, so leader completeness
 * is checked exactly; terms' leaders in a growing array (terms are small numbers). */
#include <stdlib.h>
#include <string.h>

#include "models/dledger/raft.h"
#include "models/report/report.h"
#include "models/dledger/raft_check.h"

struct committed_entry {
    uint32_t term, msg;
};

struct raft_check {
    struct report *rep;
    struct sim *sim;
    int group, members;
    sim_node_id node[RAFT_MAX_PEERS];
    const struct commitlog *log[RAFT_MAX_PEERS];
    const struct raft *raft[RAFT_MAX_PEERS];
    int *leader_of_term;       /* replica + 1, 0 = none seen */
    int64_t nterms;
    struct committed_entry *c; /* committed entries from index base */
    uint64_t base, n, cap;
    int hint;                  /* log matching: the member to compare with first (the last that had to scan) */
    int matching_broken;       /* a log_matching break was reported: compare in member order only */
};

struct raft_check *raft_check_new(struct report *rep, struct sim *s, int group, int n)
{
    struct raft_check *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->rep = rep;
    c->sim = s;
    c->group = group;
    c->members = n < RAFT_MAX_PEERS ? n : RAFT_MAX_PEERS;
    for (int r = 0; r < RAFT_MAX_PEERS; r++)
        c->node[r] = SIM_NODE_NONE;
    return c;
}

void raft_check_member(struct raft_check *c, int replica, sim_node_id node, const struct commitlog *log,
                       const struct raft *raft)
{
    if (replica < 0 || replica >= c->members)
        return;
    c->node[replica] = node;
    c->log[replica] = log;
    c->raft[replica] = raft;
}

void raft_check_free(struct raft_check *c)
{
    if (!c)
        return;
    free(c->leader_of_term);
    free(c->c);
    free(c);
}

static void violation(struct raft_check *c, const char *what, int replica, int64_t term, int64_t index)
{
    report_violation(c->rep, what, c->group, replica >= 0 ? c->node[replica] : SIM_NODE_NONE, term, index);
}

/* Election safety: member r is a live leader of term t; no other member may ever have been one. */
static void one_leader(struct raft_check *c, int r, int64_t t)
{
    if (t < 0)
        return;
    if (t >= c->nterms) {
        int64_t n = c->nterms ? c->nterms : 64;
        while (n <= t)
            n *= 2;
        int *a = realloc(c->leader_of_term, (size_t)n * sizeof *a);
        if (!a)
            return;
        memset(a + c->nterms, 0, (size_t)(n - c->nterms) * sizeof *a);
        c->leader_of_term = a;
        c->nterms = n;
    }
    if (c->leader_of_term[t] == 0)
        c->leader_of_term[t] = r + 1;
    else if (c->leader_of_term[t] != r + 1)
        violation(c, "election_safety", r, t, -1);
}

/* The entry before e (index i) in cl, or NULL: e - 1 inside a chunk. */
static const struct cl_entry *entry_before(const struct commitlog *cl, const struct cl_entry *e, uint64_t i)
{
    if (i == 0 || i == cl->first)
        return NULL;
    return (i & (CL_CHUNK - 1)) ? e - 1 : cl_at(cl, i - 1);
}

/* Log matching: an entry of the same index and term as one already in another log must be the same entry
 * with the same predecessor. Every entry was checked this way when it was appended, and an entry and its
 * predecessor stay together until a truncation removes both, so the logs holding (index, term) agree with
 * one another (equality is transitive): comparing with the first of them is the pairwise check, at one
 * comparison an append rather than one per member. The first violation of a run is reported as before;
 * a log that already broke the property may be reported fewer times.
 *
 * Since they all agree until a break is reported, any holder gives the first one's verdict when it holds
 * the predecessor too (or the new entry has none): a follower's append is compared first with the member
 * whose append last had to scan (the leader, whose appends are the newest), and the members are scanned
 * in order, as described, when that member does not settle it or a break was reported before. */
void raft_check_append(struct raft_check *c, int replica, const struct commitlog *log, uint64_t index)
{
    const struct cl_entry *e = cl_at(log, index);
    if (!e)
        return;
    int h = c->hint;
    const struct commitlog *o = c->log[h];
    if (!c->matching_broken && h != replica && o && index - o->first < o->n) {
        const struct cl_entry *x = cl_at(o, index);
        if (x->term == e->term && x->msg == e->msg) {
            const struct cl_entry *ep = entry_before(log, e, index), *xp = ep ? entry_before(o, x, index) : NULL;
            if (!ep || (xp && ep->term == xp->term && ep->msg == xp->msg))
                return;
        }
    }
    c->hint = replica;
    for (int r = 0; r < c->members; r++) {
        o = c->log[r];
        /* index - o->first < o->n: o keeps index (most logs are shorter when the leader appends) */
        if (r == replica || !o || index - o->first >= o->n)
            continue;
        const struct cl_entry *x = cl_at(o, index);
        if (x->term != e->term)
            continue;
        const struct cl_entry *ep = entry_before(log, e, index), *xp = entry_before(o, x, index);
        if (x->msg != e->msg || (ep && xp && (ep->term != xp->term || ep->msg != xp->msg))) {
            c->matching_broken = 1;
            violation(c, "log_matching", replica, e->term, (int64_t)index);
        }
        if (xp || !ep)
            return;   /* compared in full; else a log that still holds the predecessor compares it */
    }
}

void raft_check_truncate(struct raft_check *c, int replica, const struct commitlog *log, int is_leader,
                         int64_t term, uint64_t from)
{
    if (is_leader)
        violation(c, "leader_append_only", replica, term, (int64_t)from);
    /* Dropping a divergent entry at a committed index is how followers converge; dropping the committed
     * entry itself is a loss. */
    for (uint64_t i = from; i < cl_end(log) && i < c->base + c->n; i++) {
        const struct cl_entry *e = cl_at(log, i);
        if (i >= c->base && e && e->term == c->c[i - c->base].term && e->msg == c->c[i - c->base].msg) {
            violation(c, "committed_entry_removed", replica, term, (int64_t)i);
            return;
        }
    }
}

void raft_check_commit(struct raft_check *c, const struct commitlog *log, int64_t from, int64_t committed)
{
    if (committed < 0)
        return;
    if (c->n == 0 && c->base == 0)
        c->base = log->first;
    while ((int64_t)(c->base + c->n) <= committed) {
        const struct cl_entry *e = cl_at(log, c->base + c->n);
        if (!e)
            return;
        if (c->n == c->cap) {
            uint64_t cap = c->cap ? c->cap * 2 : 1024;
            struct committed_entry *a = realloc(c->c, cap * sizeof *a);
            if (!a)
                return;
            c->c = a;
            c->cap = cap;
        }
        c->c[c->n].term = e->term;
        c->c[c->n].msg = e->msg;
        c->n++;
    }
    /* The committing member's newly committed entries must agree with what was committed before. */
    uint64_t lo = from < 0 ? 0 : (uint64_t)from;
    if (lo < log->first)
        lo = log->first;
    if (lo < c->base)
        lo = c->base;
    uint64_t end = c->base + c->n;
    const struct cl_entry *e = (int64_t)lo <= committed ? cl_at(log, lo) : NULL;
    for (uint64_t i = lo; e && (int64_t)i <= committed && i < end; i++) {
        const struct committed_entry *k = &c->c[i - c->base];
        if (e->term != k->term || e->msg != k->msg) {
            violation(c, "committed_entries_differ", -1, e->term, (int64_t)i);
            break;
        }
        e = cl_after(log, e, i);
    }
}

void raft_check_leader(struct raft_check *c, int replica, const struct commitlog *log, int64_t term)
{
    for (uint64_t i = c->base; i < c->base + c->n; i++) {
        const struct cl_entry *e = cl_at(log, i);
        if (i < log->first)
            continue;   /* trimmed from memory: below every log's end, so present */
        if (!e || e->term != c->c[i - c->base].term || e->msg != c->c[i - c->base].msg) {
            violation(c, "leader_completeness", replica, term, (int64_t)i);
            break;
        }
    }
    /* A member is a leader of a term from here on (DLedgerLeaderElector.changeRoleToLeader), and only this
     * way: election safety is checked here rather than after every event. */
    if (replica >= 0 && replica < c->members)
        one_leader(c, replica, term);
}

void raft_check_trim(struct raft_check *c, uint64_t index)
{
    if (index <= c->base || c->n == 0)
        return;
    uint64_t drop = index - c->base;
    if (drop > c->n)
        drop = c->n;
    memmove(c->c, c->c + drop, (size_t)(c->n - drop) * sizeof *c->c);
    c->n -= drop;
    c->base += drop;
}
