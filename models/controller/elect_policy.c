/* elect_policy: DefaultElectPolicy's choice among the valid brokers of a group (RIP-44,
 * controller/elect/impl/DefaultElectPolicy.java): its comparator with Java's arithmetic, and the TreeSet whose
 * first() names the new master. Who is valid, the old master and the designated broker are controller.c's. */
#include "models/controller/controller_int.h"

/* A Java long or int difference cast to int: its low 32 bits as a signed value. */
static int32_t java_int(uint64_t v)
{
    uint32_t x = (uint32_t)v;
    return x & 0x80000000u ? -(int32_t)(~x & 0x7fffffffu) - 1 : (int32_t)x;
}

/* DefaultElectPolicy's comparator, Java arithmetic included: below 0 when a goes before b. Epoch descending
 * (o2.getEpoch() - o1.getEpoch()), then max offset descending ((int) (o2.getMaxOffset() - o1.getMaxOffset()):
 * two offsets 2 GiB or more apart may compare the wrong way, or equal, as in RocketMQ), then election
 * priority ascending (o1.getElectionPriority() - o2.getElectionPriority(): the lower value is preferred). */
static int32_t elect_cmp(const struct ctl_replica *a, const struct ctl_replica *b)
{
    if (a->epoch != b->epoch)
        return java_int((uint64_t)(uint32_t)b->epoch - (uint64_t)(uint32_t)a->epoch);
    if (a->max_offset != b->max_offset)
        return java_int(b->max_offset - a->max_offset);
    return java_int((uint64_t)(uint32_t)a->priority - (uint64_t)(uint32_t)b->priority);
}

/* The TreeSet<BrokerLiveInfo> of DefaultElectPolicy.tryElect (a java.util.TreeMap: a red-black tree) as
 * far as first() needs it: the brokers go in in brokerId order (a HashSet<Long> of small ids iterates
 * ascending; ctl_elect_first), one that compares equal to a member is not added, and the answer is the
 * leftmost node. With a consistent comparator that is the least broker, the lower brokerId on a tie; when
 * offsets 2 GiB or more apart make elect_cmp inconsistent it is what RocketMQ's tree gives. Index -1 is
 * Java's null. */
struct rb {
    int n, root;
    int key[RMQ_MAX_REPLICAS], left[RMQ_MAX_REPLICAS], right[RMQ_MAX_REPLICAS], up[RMQ_MAX_REPLICAS];
    int black[RMQ_MAX_REPLICAS];
};

static int rb_up(const struct rb *t, int x) { return x < 0 ? -1 : t->up[x]; }
static int rb_left(const struct rb *t, int x) { return x < 0 ? -1 : t->left[x]; }
static int rb_right(const struct rb *t, int x) { return x < 0 ? -1 : t->right[x]; }
static int rb_black(const struct rb *t, int x) { return x < 0 || t->black[x]; }
static void rb_paint(struct rb *t, int x, int black)
{
    if (x >= 0)
        t->black[x] = black;
}

static void rb_relink(struct rb *t, int old, int nu)   /* old's parent points at nu instead */
{
    int p = t->up[old];
    t->up[nu] = p;
    if (p < 0)
        t->root = nu;
    else if (t->left[p] == old)
        t->left[p] = nu;
    else
        t->right[p] = nu;
}

static void rb_rotate_left(struct rb *t, int x)
{
    int r = x < 0 ? -1 : t->right[x];
    if (r < 0)
        return;
    t->right[x] = t->left[r];
    if (t->left[r] >= 0)
        t->up[t->left[r]] = x;
    rb_relink(t, x, r);
    t->left[r] = x;
    t->up[x] = r;
}

static void rb_rotate_right(struct rb *t, int x)
{
    int l = x < 0 ? -1 : t->left[x];
    if (l < 0)
        return;
    t->left[x] = t->right[l];
    if (t->right[l] >= 0)
        t->up[t->right[l]] = x;
    rb_relink(t, x, l);
    t->right[l] = x;
    t->up[x] = l;
}

/* TreeMap.put's walk, then fixAfterInsertion. */
static void rb_add(struct rb *t, const struct ctl_group *g, int replica)
{
    int x = t->n, p = -1, c = 0;
    for (int y = t->root; y >= 0; y = c < 0 ? t->left[y] : t->right[y]) {
        p = y;
        if ((c = elect_cmp(&g->r[replica], &g->r[t->key[y]])) == 0)
            return;   /* an equal one is there: the set keeps it */
    }
    t->n++;
    t->key[x] = replica;
    t->left[x] = t->right[x] = -1;
    t->up[x] = p;
    t->black[x] = 0;
    if (p < 0)
        t->root = x;
    else if (c < 0)
        t->left[p] = x;
    else
        t->right[p] = x;
    while (x >= 0 && x != t->root && !rb_black(t, rb_up(t, x))) {
        int pp = rb_up(t, rb_up(t, x));
        int on_left = rb_up(t, x) == rb_left(t, pp);
        int y = on_left ? rb_right(t, pp) : rb_left(t, pp);
        if (!rb_black(t, y)) {
            rb_paint(t, rb_up(t, x), 1);
            rb_paint(t, y, 1);
            rb_paint(t, pp, 0);
            x = pp;
            continue;
        }
        if (x == (on_left ? rb_right(t, rb_up(t, x)) : rb_left(t, rb_up(t, x)))) {
            x = rb_up(t, x);
            (on_left ? rb_rotate_left : rb_rotate_right)(t, x);
        }
        rb_paint(t, rb_up(t, x), 1);
        rb_paint(t, rb_up(t, rb_up(t, x)), 0);
        (on_left ? rb_rotate_right : rb_rotate_left)(t, rb_up(t, rb_up(t, x)));
    }
    t->black[t->root] = 1;
}

/* The first broker of DefaultElectPolicy.tryElect's TreeSet built from the brokers of valid (a non-empty mask),
 * added in brokerId order: the ids the controller handed out in the order the brokers applied for them
 * (ReplicasInfoManager.applyBrokerId), not the replicas' places in the scenario. */
int ctl_elect_first(const struct ctl_group *g, uint32_t valid)
{
    struct rb t = {.n = 0, .root = -1};
    for (uint32_t left = valid; left;) {
        int next = -1;
        for (int r = 0; r < RMQ_MAX_REPLICAS; r++)
            if ((left >> r & 1) && (next < 0 || g->r[r].id < g->r[next].id))
                next = r;
        left &= ~(1u << next);
        rb_add(&t, g, next);
    }
    int x = t.root;
    while (t.left[x] >= 0)
        x = t.left[x];
    return t.key[x];
}
