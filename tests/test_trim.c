/* test_trim: the world's memory trim (world.c) forgets only what nothing can read again, and when made to
 * forget more, the protocol's read of it is the violation "trimmed_read": a consumer's pull, a slave's HA
 * transfer, a DLedger leader's push. Then the gaps the check found, each a replayed exploration run: a DLedger
 * leader's resend, a crash's cut (classic and DLedger), a follower's check of a resent batch, a controller-mode
 * handshake's cut, and the one no floor keeps: a handshake back to an epoch's start, fetched again as filler.
 * Last, the trim changes no figure of the shipped scenarios. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/broker/broker.h"
#include "models/dledger/raft.h"
#include "sim/lab/scenario.h"
#include "models/world/world.h"
#include "tests/harness.h"

/* One group of two (master and slave), 100 messages a second, one consumer, broker-a-1 paused for 10 s from 5 s
 * (or, `pause` "consumer-0", the consumer). */
static const char *world_json(const char *paused)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"name\": \"t\", \"run\": {\"duration_ms\": 30000, \"seed\": 7, \"trace\": \"off\"},"
             " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
             " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
             " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}],"
             " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
             " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
             " \"faults\": [{\"at_ms\": 5000, \"op\": \"pause\", \"node\": \"%s\", \"duration_ms\": 10000}]}",
             paused);
    return buf;
}

/* The world's memory trim (world.c) must never forget what a consumer may still read: the real store keeps its
 * files for days. A trim forced at 10 s below a paused consumer's next offsets makes its pulls at 15 s find the
 * queues' start moved on, which the broker reports as the violation "trimmed_read" (and the messages in between
 * are never consumed); the same run left to the world's own trim reports none and consumes them all. */
START_TEST(trim_below_a_reader_is_a_violation)
{
    const char *sets[] = {"producers.stop_ms=8000"};
    for (int trim = 0; trim < 2; trim++) {
        struct scenario sc;
        th_load(&sc, world_json("consumer-0"), sets, 1);
        th_run_to(&sc, 10 * SIM_S);
        struct rmq_world *w = rmq_world_get(sc.w);
        if (trim) {
            uint64_t end = broker_log(w->g[0].broker[0])->max_offset;
            for (int r = 0; r < w->g[0].n; r++)
                broker_trim(w->g[0].broker[r], end);
        }
        th_run_to(&sc, 30 * SIM_S);
        cJSON *m = th_metrics(&sc);
        const cJSON *v = th_at(m, "invariants.violations");
        ck_assert_double_gt(th_num(m, "messages.acked"), 600);
        if (trim) {
            ck_assert_int_ge(cJSON_GetArraySize(v), 1);
            ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(v, 0), "invariant")->valuestring, "trimmed_read");
            ck_assert_double_gt(th_num(m, "messages.acked_unconsumed"), 0);
        } else {
            ck_assert_int_eq(cJSON_GetArraySize(v), 0);
            ck_assert_double_eq(th_num(m, "messages.acked_unconsumed"), 0);
        }
        cJSON_Delete(m);
        scenario_free(&sc);
    }
}
END_TEST

/* The same for a replica that fell behind: a follower paused from 5 s to 15 s, and at 10 s its master's log
 * forgets all but its newest message. The replica's catch-up then asks for what the master forgot, an HA
 * transfer's CommitLog offset (HAConnection.WriteSocketService, with a 2,000-byte window so the master waits
 * for the paused slave) or a DLedger entry's index (EntryDispatcher's push, compare or truncate): each is the
 * violation "trimmed_read". Left to the world's own trim, which keeps every replica's end, neither is. */
START_TEST(trim_below_a_replica_is_a_violation)
{
    const char *classic[] = {"groups[0].ha_window_bytes=2000"};
    const char *dledger[] = {"groups[0].ha=\"dledger\"", "groups[0].replicas=3"};
    for (int dl = 0; dl < 2; dl++)
        for (int trim = 0; trim < 2; trim++) {
            struct scenario sc;
            th_load(&sc, world_json("broker-a-1"), dl ? dledger : classic, dl ? 2 : 1);
            th_run_to(&sc, 10 * SIM_S);
            struct rmq_world *w = rmq_world_get(sc.w);
            int m = world_current_master(w, 0);
            ck_assert_int_ge(m, 0);
            ck_assert_int_ne(m, 1);
            if (trim) {
                const struct commitlog *cl = broker_log(w->g[0].broker[m]);
                broker_trim(w->g[0].broker[m], cl_at(cl, cl_end(cl) - 1)->offset);
            }
            th_run_to(&sc, 30 * SIM_S);
            cJSON *mj = th_metrics(&sc);
            const cJSON *v = th_at(mj, "invariants.violations");
            ck_assert_double_gt(th_num(mj, "messages.acked"), 2500);
            if (trim) {
                ck_assert_int_ge(cJSON_GetArraySize(v), 1);
                const cJSON *v0 = cJSON_GetArrayItem(v, 0);
                ck_assert_str_eq(cJSON_GetObjectItem(v0, "invariant")->valuestring, "trimmed_read");
                char name[32];
                snprintf(name, sizeof name, "broker-a-%d", m);
                ck_assert_str_eq(cJSON_GetObjectItem(v0, "node")->valuestring, name);
            } else
                ck_assert_int_eq(cJSON_GetArraySize(v), 0);
            cJSON_Delete(mj);
            scenario_free(&sc);
        }
}
END_TEST

/* The trim keeps what a DLedger leader sends again (dledger_explore.json's seed 13 with host crashes among the
 * ops, shrunk to one fault): the leader is broker-a-2; from 92.169 s to 99.069 s what broker-a-0 sends is lost.
 * broker-a-0 goes on appending the leader's entries (and commits up to 19232 at 97.2 s), but the leader hears no
 * ack, so its dispatcher's water-mark for broker-a-0 stays at 18233. Every replica's committed index and the
 * consumer are far ahead, so a trim that kept only those forgot entry 18234, which the leader sends again once a
 * second after the heal (doCheckAppendResponse), each time without the entry: the violation trimmed_read at
 * 100.19 s and four times more. The trim now keeps what the dispatchers read
 * (raft_read_floor). */
START_TEST(leader_resend_after_lost_acks_still_reads)
{
    struct th_run r;
    th_run(&r,
           "{\"name\": \"t\", \"run\": {\"duration_ms\": 110000, \"sample_ms\": 1000, \"seed\": 13},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\"}],"
           " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 512}}, \"consumers\": {\"count\": 1},"
           " \"operator\": {\"enabled\": false},"
           " \"faults\": [{\"at_ms\": 92169, \"op\": \"partition\", \"a\": [\"broker-a-0\"], \"b\": [\"ns-0\","
           " \"broker-a-1\", \"broker-a-2\", \"producer-0\", \"consumer-0\"], \"oneway\": true, \"duration_ms\": 6900}]}",
           NULL, 0);
    /* the premise: broker-a-2 leads all along, and broker-a-0 goes on committing through the partition */
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"raft.role\"", "\"role\":\"leader\"", 0, 1e300), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-2\",\"ev\":\"raft.role\"", "\"role\":\"leader\"", 0, 1e300), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"raft.commit\"", "\"index\":19232}", 97000, 98000), 1);
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    ck_assert_double_eq(th_num(r.m, "messages.acked_unconsumed"), 0);
    th_run_free(&r);
}
END_TEST

/* The trim keeps what a host crash can lose: a slave that flushes once a minute (flushIntervalCommitLog 60 s)
 * has fsynced only up to 1,296,020 when its host dies at 90 s, while the consumer has committed up to about
 * 1.5 MB. A trim below the replicas' ends and the consumer's offsets alone forgot the slave's lost bytes from
 * its own log too, so the crash's cut (recoverAbnormally) found the log's kept start above it: the violation
 * trimmed_read, and the slave came back claiming 221,100 bytes it had lost, asked its master for 1,517,120 and
 * showed a smaller lag (3,204 messages at most instead of 4,209). The trim now keeps every replica's fsynced end
 * (broker_durable_end): the slave asks for what it kept. */
START_TEST(slave_host_crash_asks_for_what_it_lost)
{
    struct th_run r;
    th_run(&r,
           "{\"name\": \"t\", \"run\": {\"duration_ms\": 120000, \"seed\": 7},"
           " \"network\": {\"latency\": {\"const_ms\": 1}, \"bandwidth_mbit_per_s\": 0},"
           " \"disk\": {\"fsync_latency\": {\"const_ms\": 1}, \"read_latency\": {\"const_ms\": 0.1}},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2, \"flush_interval_commitlog_ms\": 60000}],"
           " \"producers\": {\"rate_per_s\": 100, \"size\": {\"const_bytes\": 100}},"
           " \"consumers\": {\"count\": 1}, \"operator\": {\"enabled\": false},"
           " \"faults\": [{\"at_ms\": 90000, \"op\": \"crash_host\", \"node\": \"broker-a-1\", \"duration_ms\": 2000}]}",
           NULL, 0);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"broker.start\"", "\"max_offset\":1296020}", 92000, 92001), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"ha.request\"", "\"offset\":1296020}", 90000, 1e300), 1);
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    ck_assert_double_eq(th_num(r.m, "groups.0.lag.max_msgs"), 4209);
    th_run_free(&r);
}
END_TEST

/* A follower's check of entries it holds already takes what the trim forgot as the sender's (dledger_explore.json
 * with batch pushes, seed 133, shrunk to one fault): from 68.552 s the link from the leader broker-a-1 to broker-a-0
 * is slow (lognormal, median 144 ms) and loses 15 % of its packets, so batches the leader sends again reach
 * broker-a-0 after the first copies were acknowledged, committed everywhere and trimmed. DLedger compares them with
 * its files and answers SUCCESS; a follower that took the forgotten entries as missing answered
 * INCONSISTENT_STATE and sent the leader's dispatcher back to compare, twice by 100 s (with the reads reported,
 * the violation trimmed_read from 70.288 s; the 240 s run's mean send latency was 1.45 ms instead of 1.63). */
START_TEST(batch_resend_below_the_trim_is_the_same_entry)
{
    struct scenario sc;
    th_load(&sc,
            "{\"name\": \"t\", \"run\": {\"duration_ms\": 100000, \"sample_ms\": 1000, \"seed\": 133},"
            " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\", \"enable_batch_push\": true}],"
            " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 512}}, \"consumers\": {\"count\": 1},"
            " \"operator\": {\"enabled\": false},"
            " \"faults\": [{\"at_ms\": 68552, \"op\": \"link\", \"from\": \"broker-a-1\", \"to\": \"broker-a-0\","
            " \"latency\": {\"dist\": \"lognormal\", \"median_ms\": 144, \"sigma\": 0.5}, \"loss\": 0.15}]}",
            NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 68 * SIM_S);
    const struct raft *l = broker_raft(w->g[0].broker[1]);
    ck_assert_int_eq(l->role, RAFT_LEADER);
    int64_t round = l->peer[0].round;
    th_run_to(&sc, 100 * SIM_S);
    ck_assert_int_eq(l->role, RAFT_LEADER);
    ck_assert_int_eq(l->peer[0].round, round);   /* never back to COMPARE */
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* A DLedger follower's host crash leaves its log ending with the last entry its fsynced bytes hold whole, and
 * the restarted member reads that entry's term (its votes' ledgerEndTerm, the leader's compare). broker-a-0's
 * disk stalls from 15 s to 35 s and its host dies at 27.5 s: its log is cut back to about 15 s, which every
 * replica had committed and the consumer read long before. A trim that kept only the fsynced end forgot the
 * entry the log then ends with: the member voted with ledgerEndTerm -1 and the leader compared against an end
 * it had forgotten (the violation trimmed_read, 7 times), and the run's send latency differed (p99 1.119 ms
 * against 1.097). */
START_TEST(follower_host_crash_keeps_its_last_entry)
{
    struct scenario sc;
    th_load(&sc,
            "{\"name\": \"t\", \"run\": {\"duration_ms\": 60000, \"sample_ms\": 1000, \"seed\": 5},"
            " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\"}],"
            " \"producers\": {\"rate_per_s\": 200, \"size\": {\"const_bytes\": 512}}, \"consumers\": {\"count\": 1},"
            " \"operator\": {\"enabled\": false},"
            " \"faults\": [{\"at_ms\": 15000, \"op\": \"disk_stall\", \"node\": \"broker-a-0\", \"duration_ms\": 20000},"
            " {\"at_ms\": 27500, \"op\": \"crash_host\", \"node\": \"broker-a-0\", \"duration_ms\": 1000}]}",
            NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    th_run_to(&sc, 28600 * SIM_MS);
    const struct raft *f = broker_raft(w->g[0].broker[0]);
    ck_assert_int_lt(raft_end(f), 3200);   /* the premise: cut back to about 15 s of 200 entries a second */
    ck_assert_int_ge(raft_end_term(f), 0);
    th_run_to(&sc, 60 * SIM_S);
    ck_assert_int_eq(w->rep.invariant_violations, 0);
    scenario_free(&sc);
}
END_TEST

/* The trim keeps what a controller-mode handshake truncates to (controller_explore.json, seed 542, shrunk to
 * two host crashes): the master broker-a-0 (epoch 2 from 46.5 s, begun at 3,446,296) loses its host at 70.8 s
 * and is master again at 73.5 s, its epoch 2 begun again at what it recovered. Its slaves' epoch files and its
 * own then agree only on epoch 1 (EpochFileCache.findConsistentPoint), so broker-a-1 truncates from 6,162,632
 * to epoch 2's start, 3,446,296, at 81.00 s (5 s after it closed its HA connection at 76.00 s:
 * closeMasterAndWait, then a new connection and its handshake) and asks at once for what follows: the master
 * takes the connection at that report. Until the master's crash something else
 * held the trim lower; from its return to the handshakes nothing did, and a trim that did not keep the
 * consistent point forgot it: the cut stopped at the log's kept start (the violation trimmed_read). The trim
 * keeps each replica's consistent point with the master (ctl_truncation_floor). Where the trim passed the
 * epoch's start before the crash, no floor can keep it: the next test. */
START_TEST(controller_handshake_cut_still_reads)
{
    struct th_run r;
    th_run(&r,
           "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 120000, \"sample_ms\": 1000, \"seed\": 542},"
           " \"nameservers\": {\"count\": 1}, \"controllers\": {\"count\": 3},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\","
           " \"all_ack_in_sync_state_set\": true, \"flush\": \"SYNC_FLUSH\"}],"
           " \"producers\": {\"count\": 1, \"rate_per_s\": 200, \"size\": {\"const_bytes\": 512}, \"start_ms\": 5000},"
           " \"consumers\": {\"count\": 1, \"start_ms\": 5000}, \"operator\": {\"enabled\": false},"
           " \"faults\": [{\"at_ms\": 70781, \"op\": \"crash_host\", \"node\": \"@master:broker-a\", \"duration_ms\": 2714},"
           " {\"at_ms\": 32264, \"op\": \"crash_host\", \"node\": \"broker-a-2\", \"duration_ms\": 15673}]}",
           NULL, 0);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"broker.truncate\"", "\"to\":3446296}", 80500, 81500), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"ha.accept\"",
                              "\"peer\":\"broker-a-1\",\"offset\":3446296}", 81000, 81500), 1);
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    th_run_free(&r);
}
END_TEST

/* A run of `json` for `secs` seconds, with the world's memory trim or (keep_all) with none: each second's end
 * of replica r's CommitLog at ends[r][second], and the metrics. */
static cJSON *run_kept(const char *json, int keep_all, int secs, uint64_t ends[][200])
{
    struct scenario sc;
    th_load(&sc, json, NULL, 0);
    struct rmq_world *w = rmq_world_get(sc.w);
    w->keep_all = keep_all;
    for (int t = 1; t <= secs; t++) {
        th_run_to(&sc, t * SIM_S);
        for (int r = 0; r < w->g[0].n; r++)
            ends[r][t] = broker_log(w->g[0].broker[r])->max_offset;
    }
    cJSON *m = th_metrics(&sc);
    scenario_free(&sc);
    return m;
}

/* Where the trim passed the epoch's start before a master's host crash (controller_explore.json, seed 214, shrunk
 * to two faults): broker-a-1, master of epoch 2 since 28.2 s (begun at 2,914,784), loses its host at 121.0 s and
 * is master again at 126.0 s, its epoch 2 begun again at what it recovered, 13,476,768. Its slaves then truncate
 * to 2,914,784 (EpochFileCache.findConsistentPoint; AutoSwitchHAClient.doTruncate: broker-a-0 at 131.83 s,
 * broker-a-2 at 132.00 s, each at the handshake of its first connection 5 s after its old one closed) and fetch
 * 10.5 MB again at once, which the trim had forgotten on every replica. The slaves held those bytes before they
 * truncated, as the master did (one master writes an epoch), so the master sends them as filler: the bytes, not
 * their messages, which nothing can read again. Against the same run with nothing trimmed: every second each
 * replica's log ends within one transfer batch (32 KiB) of where it ends there, the slaves catch up in the same
 * second (to within a transfer batch of the master's end: a frame may be on its way at a sample), and the
 * messages' fates and the largest lag in bytes are the same. The filler ends where the master's kept log begins,
 * so the frames after it are cut at other offsets than with nothing trimmed, and the send latencies, which wait
 * for the slaves (all_ack_in_sync_state_set), move slightly. (While a slave is below what the master keeps its lag
 * in messages is not known and its timeseries cells are empty; here that lasts the 10 ms of a fetch, which no
 * sample falls in.) */
START_TEST(epoch_restart_fetches_again_what_the_trim_forgot)
{
    const char *json =
        "{\"name\": \"t\", \"version\": \"5.3\", \"run\": {\"duration_ms\": 180000, \"sample_ms\": 1000, \"seed\": 214},"
        " \"nameservers\": {\"count\": 1}, \"controllers\": {\"count\": 3},"
        " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"controller\","
        " \"all_ack_in_sync_state_set\": true, \"flush\": \"SYNC_FLUSH\"}],"
        " \"producers\": {\"count\": 1, \"rate_per_s\": 200, \"size\": {\"const_bytes\": 512}, \"start_ms\": 5000},"
        " \"consumers\": {\"count\": 1, \"start_ms\": 5000}, \"operator\": {\"enabled\": false},"
        " \"faults\": [{\"at_ms\": 28059, \"op\": \"crash_process\", \"node\": \"@master:broker-a\", \"duration_ms\": 11772},"
        " {\"at_ms\": 121035, \"op\": \"crash_host\", \"node\": \"@master:broker-a\", \"duration_ms\": 4973}]}";
    struct th_run r;
    th_run(&r, json, NULL, 0);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-2\",\"ev\":\"broker.truncate\"", "\"to\":2914784}", 131000, 133000), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-1\",\"ev\":\"ha.accept\"",
                              "\"peer\":\"broker-a-2\",\"offset\":2914784}", 131000, 133000), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"broker.truncate\"", "\"to\":2914784}", 131000, 132000), 1);
    ck_assert_int_eq(cJSON_GetArraySize(th_at(r.m, "invariants.violations")), 0);
    /* at 132 s broker-a-0 has fetched it all again, the master reading the frames from its disk, its page
     * cache empty since its host came back (one read of a 128 KiB readahead window at the first frame's fault,
     * at 131.835 s, then 81 windows read ahead as the frames reach their PG_readahead marks, the last at
     * 131.875 s: fillers as the rest; 162 reads at faults until 131.894 s when every window was read at a
     * fault), and broker-a-2, its handshake 2 ms later, is still 1 MB (1592 messages) short of the master from
     * its old end */
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"ha.cold_read\"", "\"peer\":\"broker-a-0\"", 131000, 132000), 1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"page.readahead\"", NULL, 131000, 132000), 81);
    ck_assert_double_eq_tol(th_first(r.trace, "\"ev\":\"ha.cold_read\"", "\"peer\":\"broker-a-0\"", 131000),
                            131834.961965, 1e-6);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"page.readahead\"", NULL, 131874.6, 131874.7), 1);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"page.readahead\"", NULL, 131874.7, 132000), 0);
    ck_assert_ptr_nonnull(strstr(r.series, "\nbroker-a,132000,14482912,0,0,1006144,1592,"));
    th_run_free(&r);
    static uint64_t ends[2][3][200];
    cJSON *m[2];
    for (int keep = 0; keep < 2; keep++)
        m[keep] = run_kept(json, keep, 180, ends[keep]);
    int caught[2][3] = {{0}};
    for (int t = 131; t <= 180; t++)
        for (int rep = 0; rep < 3; rep++) {
            uint64_t a = ends[0][rep][t], b = ends[1][rep][t];
            ck_assert_msg((a > b ? a - b : b - a) <= 32768, "replica %d at %d s: %llu trimmed, %llu kept", rep, t,
                          (unsigned long long)a, (unsigned long long)b);
            for (int keep = 0; keep < 2; keep++)
                if (!caught[keep][rep] && ends[keep][rep][t] + 32768 >= ends[keep][1][t])
                    caught[keep][rep] = t;
        }
    ck_assert_uint_eq(ends[0][2][132], 13476768);   /* the premise: broker-a-2 truncates after 132 s */
    ck_assert_int_eq(caught[0][2], 133);   /* broker-a-2 truncated at 132.00 s, broker-a-0 at 131.83 s */
    ck_assert_int_eq(caught[0][0], 132);
    for (int rep = 0; rep < 3; rep += 2)
        ck_assert_int_eq(caught[0][rep], caught[1][rep]);
    const char *same[] = {"messages", "groups.0.failover", "groups.0.lag.max_bytes", "invariants"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char *a = cJSON_PrintUnformatted(th_at(m[0], same[i])), *b = cJSON_PrintUnformatted(th_at(m[1], same[i]));
        ck_assert_str_eq(a, b);
        free(a);
        free(b);
    }
    /* broker-a-2 at 132 s, before its handshake: each 10.5 MB fetch ends within 10 ms, between samples */
    ck_assert_double_eq(th_num(m[0], "groups.0.lag.max_bytes"), 1006144);
    ck_assert_double_eq_tol(th_num(m[0], "topic.latency_ms.mean"), th_num(m[1], "topic.latency_ms.mean"), 0.01);
    cJSON_Delete(m[0]);
    cJSON_Delete(m[1]);
}
END_TEST

static void keep_all(struct scenario *sc, int ran, void *arg)
{
    (void)arg;
    if (!ran)
        rmq_world_get(sc->w)->keep_all = 1;
}

/* A shipped scenario's metrics.json and timeseries.csv, run as `mqsim FILE` runs it, with the world's memory
 * trim or (keep) with none. */
static char *run_shipped(const char *file, int keep)
{
    char *series, *m = th_run_file(file, NULL, keep ? keep_all : NULL, NULL, &series);
    char *both = malloc(strlen(m) + strlen(series) + 1);
    ck_assert_ptr_nonnull(both);
    strcpy(both, m);
    strcat(both, series);
    free(m);
    free(series);
    return both;
}

/* The shipped scenarios that run in seconds (the benchmarks and explorations aside). */
static const char *const shipped[] = {
    "master_crash", "slave_crash", "slave_restart", "slave_lag", "old_master_returns", "ordered_master_crash",
    "dledger_master_crash", "dledger_catchup", "dledger_planned_switch", "raft_figure16", "controller_master_crash",
    "controller_leader_crash", "controller_partition", "two_groups_master_crash", "two_groups_dledger_crash",
    "sync_vs_async_throughput",
};

/* The trim changes no figure: each shipped scenario's metrics.json and timeseries.csv are the same bytes with
 * the world's memory trim as with nothing trimmed. */
START_TEST(trim_changes_no_figure)
{
    char file[96];
    snprintf(file, sizeof file, "scenarios/%s.json", shipped[_i]);
    char *trimmed = run_shipped(file, 0), *kept = run_shipped(file, 1);
    ck_assert_msg(strcmp(trimmed, kept) == 0, "%s: the outputs differ with the trim", file);
    free(trimmed);
    free(kept);
}
END_TEST

/* A pull its consumer no longer waits for may still reach the broker (dledger_explore, version 5.3, the
 * consumer the only target, seed 14 shrunk): consumer-0 cannot reach the brokers from 62.252 s to 81.360 s.
 * Its pulls time out and it closes their channel; TCP holds them, retransmits with backoff and delivers them,
 * with their commit offsets, after the heal; the broker serves them (offsets 3063-3064) at 84.29 s, as
 * RocketMQ's files would serve them, and stores the old commit offsets. Before, the trim had forgotten them
 * (nothing kept what a lost pull reads): six trimmed_read violations from 87.657 s. The consumer's host
 * answers the first answer on the closed channel with a reset, so the broker drops the channel at once and no
 * rebalance takes queues back from those offsets: nothing is consumed twice (96 messages were, while the
 * broker counted the old channel as a second consumer until its FIN, before the reset was modelled). */
START_TEST(lost_pull_still_reads)
{
    struct th_run r;
    th_run(&r,
           "{\"name\": \"t\", \"version\": \"5.3\","
           " \"run\": {\"duration_ms\": 240000, \"sample_ms\": 1000, \"seed\": 14},"
           " \"groups\": [{\"name\": \"broker-a\", \"replicas\": 3, \"ha\": \"dledger\"}],"
           " \"producers\": {\"count\": 1, \"rate_per_s\": 200, \"size\": {\"const_bytes\": 512}},"
           " \"consumers\": {\"count\": 1, \"start_ms\": 5000, \"consume_from_where\": \"first_offset\"},"
           " \"operator\": {\"enabled\": false},"
           " \"faults\": [{\"at_ms\": 62252, \"op\": \"partition\", \"a\": [\"consumer-0\"],"
           " \"b\": [\"ns-0\", \"broker-a-0\", \"broker-a-1\", \"broker-a-2\"], \"oneway\": true,"
           " \"duration_ms\": 19108}]}",
           NULL, 0);
    ck_assert_int_eq(th_count(r.trace, "\"ev\":\"invariant.violation\"", NULL, 0, 1e300), 0);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"pull.serve\"",
                              "\"queue\":3,\"offset\":3063,\"n\":32,\"code\":0", 84285, 84286), 1);
    ck_assert_int_eq(th_count(r.trace, "\"node\":\"broker-a-0\",\"ev\":\"broker.client_gone\"", "\"why\":\"closed\"",
                              84286, 84287), 1);
    ck_assert_double_eq(th_num(r.m, "messages.duplicates"), 0);
    ck_assert_double_eq(th_num(r.m, "messages.acked_lost"), 0);
    th_run_free(&r);
}
END_TEST

static Suite *trim_suite(void)
{
    Suite *s = suite_create("trim");
    TCase *t = tcase_create("trim");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, trim_below_a_reader_is_a_violation);
    tcase_add_test(t, trim_below_a_replica_is_a_violation);
    tcase_add_test(t, leader_resend_after_lost_acks_still_reads);
    tcase_add_test(t, slave_host_crash_asks_for_what_it_lost);
    tcase_add_test(t, batch_resend_below_the_trim_is_the_same_entry);
    tcase_add_test(t, follower_host_crash_keeps_its_last_entry);
    tcase_add_test(t, controller_handshake_cut_still_reads);
    tcase_add_test(t, epoch_restart_fetches_again_what_the_trim_forgot);
    tcase_add_test(t, lost_pull_still_reads);
    tcase_add_loop_test(t, trim_changes_no_figure, 0, (int)(sizeof shipped / sizeof shipped[0]));
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run_suite(trim_suite());
}
