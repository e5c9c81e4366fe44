/* page_cache: what cold reads bring into a broker's page cache. mqsim's page cache is the CommitLog's bytes
 * written since the host last came back, up to host_memory_bytes behind its end (broker_cache_low), and the
 * pages reads of older bytes brought in: a pull's copy, the HA writer's socket write, a DLedger dispatcher's
 * decode, all through the mapped file. Linux keeps a page it read until memory pressure evicts it, so a
 * second reader of the same bytes (another consumer group, a consumer's retry, the HA writer after a pull)
 * finds it; and a fault on a file mapped MADV_NORMAL reads around the faulting page (mm/filemap.c,
 * do_sync_mmap_readahead: ra->start = pgoff - ra_pages / 2, ra->size = ra_pages, read_ahead_kb 128 by
 * default), where MADV_RANDOM (VM_RAND_READ) reads the faulting page alone.
 *
 * Bounded: the pages read are kept as at most PC_RANGES disjoint ranges, merged when they touch, the least
 * recently read or hit range dropped when a new one needs its slot, and together at most host_memory_bytes,
 * the least recently used range cut from its low end (a sequential reader's oldest pages) first. A host
 * crash drops them all, a process crash keeps them; what the CommitLog's memory trim forgot goes from them
 * (but for the filler frames that read it).
 * A sequential reader reads ahead: ra_submit marks a read-around window's page async_size (ra_pages / 4) before
 * its end PG_readahead, and a reader reaching it starts page_cache_async_ra (do_async_mmap_readahead), the next
 * window read while the reader goes on, itself marked on its first page if it reads it (pc_async). One mark a
 * range here: the newest window's, or a merged range's. Not modelled: reads do not evict written pages (the two
 * are bounded apart).
 */
#include <string.h>

#include "models/broker/broker_int.h"

/* The start of the page holding byte x, and the first page start at or after x. */
static inline uint64_t page_down(uint64_t x) { return x & ~(uint64_t)(PAGE - 1); }
static inline uint64_t page_up(uint64_t x) { return page_down(x + PAGE - 1); }

/* Drops range i. */
static void pc_drop(struct page_reads *pc, int i) { pc->r[i] = pc->r[--pc->n]; }

/* The least recently used range. */
static int pc_oldest(const struct page_reads *pc)
{
    int k = 0;
    for (int i = 1; i < pc->n; i++)
        if (pc->r[i].used < pc->r[k].used)
            k = i;
    return k;
}

/* The bytes of [lo, hi) in the ranges. */
static uint64_t pc_covered(const struct page_reads *pc, uint64_t lo, uint64_t hi)
{
    uint64_t n = 0;
    for (int i = 0; i < pc->n; i++) {
        uint64_t a = pc->r[i].lo > lo ? pc->r[i].lo : lo, z = pc->r[i].hi < hi ? pc->r[i].hi : hi;
        if (a < z)
            n += z - a;
    }
    return n;
}

/* The first byte of [lo, hi) in no range (hi: none). */
static uint64_t uncovered_from(const struct page_reads *pc, uint64_t lo, uint64_t hi)
{
    for (int i = 0; i < pc->n && lo < hi; i++)
        if (lo >= pc->r[i].lo && lo < pc->r[i].hi) {
            lo = pc->r[i].hi;
            i = -1;   /* ranges are disjoint but not sorted: look again from the new start */
        }
    return lo < hi ? lo : hi;
}

/* [lo, hi) is read in, its PG_readahead page at mark (PC_NO_MARK: none) in a window ending at mark_end: merged
 * with the ranges it touches into one, the newest, which keeps this mark, or else a mark of those it merged; then
 * the bounds. */
static void pc_add(struct broker *b, uint64_t lo, uint64_t hi, uint64_t mark, uint64_t mark_end)
{
    struct page_reads *pc = &b->pc;
    for (int i = 0; i < pc->n; i++)
        if (pc->r[i].lo <= hi && pc->r[i].hi >= lo) {
            lo = pc->r[i].lo < lo ? pc->r[i].lo : lo;
            hi = pc->r[i].hi > hi ? pc->r[i].hi : hi;
            if (mark == PC_NO_MARK) {
                mark = pc->r[i].mark;
                mark_end = pc->r[i].mark_end;
            }
            pc_drop(pc, i--);
        }
    if (pc->n == PC_RANGES)
        pc_drop(pc, pc_oldest(pc));
    pc->r[pc->n++] = (struct pc_range){lo, hi, ++pc->clock, mark, mark_end};
    uint64_t total = 0, cap = b->cfg.host_memory;
    for (int i = 0; i < pc->n; i++)
        total += pc->r[i].hi - pc->r[i].lo;
    while (total > cap) {
        int k = pc_oldest(pc);
        uint64_t len = pc->r[k].hi - pc->r[k].lo, cut = total - cap < len ? total - cap : len;
        pc->r[k].lo += cut;
        total -= cut;
        if (pc->r[k].lo == pc->r[k].hi)
            pc_drop(pc, k);
    }
}

/* [lo, hi) is on its way in, its pages in at `ready` (SIM_TIME_MAX: its read not issued yet, broker_page_io sets
 * it): a free slot or one of a read that ended. With every slot's read still on its way, it joins the slot
 * ending last (this touch's own, or the latest read's): the slot spans both, and its pages are in when the later
 * of the two reads ends (one not issued yet counting as the later: the device's FIFO read queue ends it after
 * every read before it), so no reader of them is served before its read ends (one of pages between the two may
 * wait longer than its own read). */
static void pc_flight(struct page_reads *pc, uint64_t lo, uint64_t hi, sim_time now, sim_time ready)
{
    int k = -1;
    for (int i = 0; i < pc->nfl && k < 0; i++)
        if (pc->fl[i].ready <= now)
            k = i;
    if (k < 0 && pc->nfl < PC_RANGES)
        k = pc->nfl++;
    if (k >= 0) {
        pc->fl[k] = (struct pc_flight){lo, hi, ready};
        return;
    }
    k = 0;
    for (int i = 1; i < pc->nfl; i++)
        if (pc->fl[i].ready > pc->fl[k].ready)
            k = i;
    struct pc_flight *f = &pc->fl[k];
    f->lo = f->lo < lo ? f->lo : lo;
    f->hi = f->hi > hi ? f->hi : hi;
    f->ready = f->ready > ready ? f->ready : ready;
}

/* A touch reached a window's PG_readahead page: page_cache_async_ra reads the next window, from the first page
 * after the window (start: ondemand_readahead's ra->start += ra->size), ra bytes (get_next_ra_size of a full
 * read-around window: the maximum), while the reader goes on; a reader of its pages waits for it (pc_flight).
 * page_cache_ra_unbounded reads only the pages not in the page cache, and marks the window's first page
 * (async_size = size) only if it reads it: a window that begins in pages read in before ends the chain. It
 * stops where the written bytes begin (top), as a fault's window does. */
static void pc_async(struct broker *b, uint64_t start, uint64_t ra, uint64_t top, uint64_t at)
{
    struct page_reads *pc = &b->pc;
    uint64_t top_page = page_up(top), end = start + ra < top_page ? start + ra : top_page;
    /* No more than the memory holds beside the pages still ahead of the reader (at `at`), which the least
     * recently used range's cut from its low end would otherwise take (pc_add): mqsim's bound, as Linux would
     * thrash there (a host's memory is much larger than a window in any real deployment). */
    uint64_t ahead = start > at ? start - at : 0;
    uint64_t room = b->cfg.host_memory > ahead ? (b->cfg.host_memory - ahead) / PAGE * PAGE : 0;
    if (start < end && end - start > room)
        end = start + room;
    if (start >= end)
        return;
    uint64_t cold = end < top ? end : top, bytes = cold - start - pc_covered(pc, start, cold);
    uint64_t from = uncovered_from(pc, start, end);
    pc_add(b, start, end, from == start ? start : PC_NO_MARK, end);
    if (!bytes)
        return;
    sim_time now = node_now(b->n), done = node_disk_read(b->n, FILE_COMMITLOG, bytes, 0, COLD_TAG(COLD_AHEAD, 0));
    pc_flight(pc, from, end, now, done > now ? done : now);
    struct trace *tr = trace_of(b);
    if (trace_on(tr, TRACE_FULL)) {
        trace_begin(tr, now, b->n->name, "page.readahead");
        trace_uint(tr, "offset", start);
        trace_uint(tr, "bytes", bytes);
        trace_time_ms(tr, "until_ms", done > now ? done : now);
        trace_end(tr);
    }
}

/* A window to read ahead from start once the touch's own read is issued (broker_page_io): the copy reached the
 * mark at `at` behind a fault of its own, whose read the device's FIFO queue must end first. */
static void defer_async(struct page_touch *t, uint64_t start, uint64_t top, uint64_t at)
{
    t->ahead = start;
    t->ahead_top = top;
    t->ahead_at = at;
}

/* The read-around window. DLedgerCommitLog keeps its entries in DLedger's own data files (dLedgerFileList),
 * which CommitLog.load's scanFileAndSetReadMode (it walks the CommitLog's mappedFileQueue) never madvises. */
static uint64_t pc_ra(const struct broker *b)
{
    uint64_t ra = b->cfg.data_read_ahead || b->raft ? sim_disk_readahead(b->n) / PAGE * PAGE : 0;
    if (ra > b->cfg.host_memory / PAGE * PAGE)
        ra = b->cfg.host_memory / PAGE * PAGE;   /* no window larger than what the memory keeps of it */
    return ra;
}

/* Where the read-around window of a fault at byte p starts: do_sync_mmap_readahead's ra->start, ra_pages / 2
 * pages before p's page (not before the file's start). */
static uint64_t window_lo(uint64_t p, uint64_t ra)
{
    uint64_t page = page_down(p), half = ra / PAGE / 2 * PAGE;
    return page > half ? page - half : 0;
}

int broker_page_io(struct broker *b, const struct page_touch *t, uint64_t tag)
{
    struct page_reads *pc = &b->pc;
    sim_time now = node_now(b->n), end = now;
    if (t->read)
        end = node_disk_read(b->n, FILE_COMMITLOG, t->read, 0, tag);
    else if (t->wait > now)
        node_disk_wait(b->n, FILE_COMMITLOG, t->wait, tag);
    for (int i = 0; i < pc->nfl; i++)
        if (pc->fl[i].ready == SIM_TIME_MAX)
            pc->fl[i].ready = end > now ? end : now;   /* the pages are in when the read ends */
    if (t->ahead)
        pc_async(b, t->ahead, pc_ra(b), t->ahead_top, t->ahead_at);
    return t->read || t->wait > now;
}

void broker_page_unwaited(struct broker *b, const struct page_touch *t)
{
    struct page_touch ahead = {.ahead = t->ahead, .ahead_top = t->ahead_top, .ahead_at = t->ahead_at};
    broker_page_io(b, &ahead, 0);
}

uint64_t broker_page_touch(struct broker *b, uint64_t from, uint64_t to, uint64_t low, struct page_touch *t)
{
    struct page_reads *pc = &b->pc;
    uint64_t ra = pc_ra(b);
    /* The trim forgot what lies below the log's start: nothing asks for it any more, but an HA writer's
     * filler frames (ha_frame_filler), which read the bytes the trim forgot, from this touch's window on. */
    uint64_t win = window_lo(from, ra);
    uint64_t keep = b->cl.min_offset < win ? b->cl.min_offset : win;
    for (int i = 0; i < pc->n; i++) {
        if (pc->r[i].hi <= keep)
            pc_drop(pc, i--);
        else if (pc->r[i].lo < keep)
            pc->r[i].lo = keep;
    }
    uint64_t top = low > to ? low : to, read = 0, p = from;
    while (p < to) {
        int in = -1;
        for (int i = 0; i < pc->n && in < 0; i++)
            if (p >= pc->r[i].lo && p < pc->r[i].hi)
                in = i;
        if (in >= 0) {   /* read in before: a hit up to the range's end, once the read that brings it ends */
            uint64_t z = pc->r[in].hi < to ? pc->r[in].hi : to;
            t->hit += z - p;
            for (int i = 0; i < pc->nfl; i++)
                if (pc->fl[i].lo < z && pc->fl[i].hi > p && pc->fl[i].ready > t->wait)
                    t->wait = pc->fl[i].ready;
            pc->r[in].used = ++pc->clock;
            uint64_t m = pc->r[in].mark;
            /* [p, z) overlaps the marked page [m, m + PAGE): do_async_mmap_readahead */
            if (ra && m != PC_NO_MARK && m < z && m + PAGE > p) {
                pc->r[in].mark = PC_NO_MARK;
                if (t->read || read)
                    defer_async(t, pc->r[in].mark_end, top, m);   /* the copy's own faults are read first */
                else
                    pc_async(b, pc->r[in].mark_end, ra, top, m);
            }
            p = z;
            continue;
        }
        uint64_t page = page_down(p), lo, hi;
        if (ra) {
            lo = window_lo(page, ra);
            hi = lo + ra;
            t->windows++;
        } else {
            /* MADV_RANDOM: filemap_fault reads the faulting page; the pages up to the next one read in or the
             * touch's end fault in turn, each alone (one read here) */
            uint64_t q = to;
            for (int i = 0; i < pc->n; i++)
                if (pc->r[i].lo > p && pc->r[i].lo < q)
                    q = pc->r[i].lo;
            lo = page;
            hi = page_up(q);
        }
        /* The bytes from top on are the written ones, cached: the window stops at top's page, read whole. */
        uint64_t top_page = page_up(top), cold = hi < top ? hi : top;
        if (hi > top_page)
            hi = top_page;
        read += cold - lo - pc_covered(pc, lo, cold);
        /* ra_submit marks the page async_size (ra_pages / 4) before the window's end PG_readahead; the same copy
         * reaches it once its fault's read is in, and the next window's read follows that read. A fault further
         * on in the same copy, in a window deferred before it, supersedes that window: its own covers it. */
        uint64_t mark = ra ? lo + ra - ra / PAGE / 4 * PAGE : PC_NO_MARK;
        if (t->ahead && page >= t->ahead && page < t->ahead + ra)
            t->ahead = 0;
        if (mark >= hi) {
            mark = PC_NO_MARK;   /* a window cut at the written bytes: nothing to read ahead past them */
        } else if (mark < to) {
            defer_async(t, hi, top, mark);
            mark = PC_NO_MARK;
        }
        /* on their way: from the window's first page not read in before (its lower half mostly is) */
        pc_flight(pc, uncovered_from(pc, lo, hi), hi, node_now(b->n), SIM_TIME_MAX);
        pc_add(b, lo, hi, mark, hi);
        p = hi;
    }
    t->read += read;
    return read;
}

int broker_page_read_in(const struct broker *b, uint64_t phy)
{
    /* mincore counts a page resident once it is up to date (mm/mincore.c, mincore_page: folio_test_uptodate),
     * so not while the read bringing it in is on its way */
    for (int i = 0; i < b->pc.nfl; i++)
        if (phy >= b->pc.fl[i].lo && phy < b->pc.fl[i].hi && b->pc.fl[i].ready > node_now(b->n))
            return 0;
    for (int i = 0; i < b->pc.n; i++)
        if (phy >= b->pc.r[i].lo && phy < b->pc.r[i].hi && phy >= b->cl.min_offset)
            return 1;
    return 0;
}

void broker_page_forget(struct broker *b) { memset(&b->pc, 0, sizeof b->pc); }

void broker_page_trace_fields(struct trace *tr, const struct page_touch *t)
{
    trace_uint(tr, "hit", t->hit);
    trace_uint(tr, "windows", t->windows);
}

void broker_page_hit(struct broker *b, const char *reader, const struct page_touch *t)
{
    struct trace *tr = trace_of(b);
    if (!trace_on(tr, TRACE_FULL))
        return;
    trace_begin(tr, node_now(b->n), b->n->name, "page.hit");
    trace_str(tr, "reader", reader);
    trace_uint(tr, "bytes", t->hit);
    trace_time_ms(tr, "until_ms", t->wait > node_now(b->n) ? t->wait : node_now(b->n));
    trace_end(tr);
}
