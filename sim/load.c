/* load: reading the engine's own scenario sections, "network" and "disk", into a struct sim. */
#include <math.h>
#include <string.h>

#include "sim/disk.h"
#include "sim/net.h"
#include "sim/sim.h"
#include "sim/sim_int.h"

/* Largest latency or delay a distribution may produce by configuration: one day. */
#define MAX_DELAY_NS (86400.0 * 1e9)

/* Entries of "network.links": a path with its own settings is a handful of lines in a scenario; a list this
 * long is a generated mistake, and each entry costs memory for the rest of the run. */
#define MAX_LINKS 100000

static int read_link_cfg(struct conf *c, const cJSON *obj, const char *path, const struct net_link_cfg *def,
                         struct net_link_cfg *out)
{
    double mbit;
    if (sim_dist_get(c, obj, path, "latency", SIM_UNIT_TIME, MAX_DELAY_NS, &def->latency, &out->latency) < 0)
        return -1;
    conf_double(c, obj, path, "loss", def->loss, 0.0, 1.0, &out->loss);
    conf_throughput(c, obj, path, "bandwidth_mbit_per_s", def->bandwidth * 8 / 1e6, 1e7, &mbit);
    if (c->failed) {
        sim_dist_free(&out->latency);   /* an empirical list read above is this function's to release */
        return -1;
    }
    out->bandwidth = mbit * 1e6 / 8;
    return 0;
}

static sim_node_id node_ref(const struct sim *s, struct conf *c, const cJSON *obj, const char *path,
                            const char *key)
{
    const char *name;
    char p[512];
    if (conf_string(c, obj, path, key, NULL, &name) < 0)
        return SIM_NODE_NONE;
    if (!name) {
        conf_fail(c, path, "missing \"%s\"", key);
        return SIM_NODE_NONE;
    }
    sim_node_id id = sim_node_find(s, name);
    if (id == SIM_NODE_NONE)
        conf_fail(c, conf_path_key(p, sizeof p, path, key), "no node named \"%s\"", name);
    return id;
}

int net_load(struct sim *s, struct conf *c, const cJSON *obj, const char *path)
{
    static const char *const keys[] = {"latency", "loss", "bandwidth_mbit_per_s", "connect_timeout_ms",
                                       "syn_rto_ms", "syn_retries", "syn_linear_timeouts", "retransmit_ms",
                                       "tcp_timeout_ms", "links", NULL};
    static const char *const link_keys[] = {"from", "to", "both_ways", "latency", "loss",
                                            "bandwidth_mbit_per_s", NULL};
    struct net_config *cfg = &s->net.cfg;
    char p[512], q[512];
    if (!obj)
        return 0;
    if (conf_keys(c, obj, path, keys) < 0)
        return -1;
    struct net_link_cfg def;
    if (read_link_cfg(c, obj, path, &cfg->def, &def) < 0)
        return -1;
    sim_dist_free(&cfg->def.latency);
    cfg->def = def;
    conf_time(c, obj, path, "connect_timeout_ms", cfg->connect_timeout, 1 * SIM_MS, 600 * SIM_S,
              &cfg->connect_timeout);
    conf_time(c, obj, path, "syn_rto_ms", cfg->syn_rto, 1 * SIM_MS, 600 * SIM_S, &cfg->syn_rto);
    /* Linux's ranges: tcp_syn_retries 1 to MAX_TCP_SYNCNT (127), tcp_syn_linear_timeouts 0 to 127. */
    int64_t retries, linear;
    conf_int(c, obj, path, "syn_retries", cfg->syn_retries, 1, 127, &retries);
    conf_int(c, obj, path, "syn_linear_timeouts", cfg->syn_linear, 0, 127, &linear);
    if (!c->failed) {
        cfg->syn_retries = (int)retries;
        cfg->syn_linear = (int)linear;
    }
    conf_time(c, obj, path, "retransmit_ms", cfg->retransmit, 1 * SIM_MS, 600 * SIM_S, &cfg->retransmit);
    conf_time(c, obj, path, "tcp_timeout_ms", cfg->tcp_timeout, 1 * SIM_MS, 86400 * SIM_S, &cfg->tcp_timeout);
    const cJSON *links = conf_child(obj, "links");
    if (links) {
        conf_path_key(p, sizeof p, path, "links");
        if (!cJSON_IsArray(links))
            return conf_fail(c, p, "expected an array of links");
        int n = cJSON_GetArraySize(links);
        if (n > MAX_LINKS)
            return conf_fail(c, p, "at most %d links, got %d", MAX_LINKS, n);
        int i = 0;
        for (const cJSON *l = links->child; l && !c->failed; l = l->next, i++) {
            conf_path_index(q, sizeof q, p, i);
            if (conf_keys(c, l, q, link_keys) < 0)
                break;
            sim_node_id from = node_ref(s, c, l, q, "from"), to = node_ref(s, c, l, q, "to");
            int both;
            conf_bool(c, l, q, "both_ways", 1, &both);
            struct net_link_cfg lc;
            if (c->failed || read_link_cfg(c, l, q, &cfg->def, &lc) < 0)
                break;
            if (sim_link_set(s, from, to, &lc.latency, lc.loss, lc.bandwidth) < 0 ||
                (both && sim_link_set(s, to, from, &lc.latency, lc.loss, lc.bandwidth) < 0))
                conf_fail(c, q, "out of memory");
            sim_dist_free(&lc.latency);
        }
    }
    return c->failed ? -1 : 0;
}

int disk_config_parse(struct conf *c, const cJSON *obj, const char *path, struct disk_config *cfg)
{
    static const char *const keys[] = {"append_latency", "fsync_latency", "read_latency", "append_mib_per_s",
                                       "write_mib_per_s", "read_mib_per_s", "shared_queue", "readahead_bytes", NULL};
    struct disk_config in = *cfg;
    double mib[3];
    int64_t ra = (int64_t)in.readahead;
    if (conf_keys(c, obj, path, keys) < 0)
        return -1;
    /* Linux's read_ahead_kb, in bytes: whole pages of 4 KiB, at most 1 GiB */
    if (conf_int(c, obj, path, "readahead_bytes", ra, 0, 1 << 30, &ra) == 0 && ra % 4096) {
        char q[256];
        conf_fail(c, conf_path_key(q, sizeof q, path, "readahead_bytes"),
                  "expected a multiple of 4096 (whole pages), got %lld", (long long)ra);
    }
    conf_throughput(c, obj, path, "append_mib_per_s", in.append_bps / 1048576, 1e7, &mib[0]);
    conf_throughput(c, obj, path, "write_mib_per_s", in.write_bps / 1048576, 1e7, &mib[1]);
    conf_throughput(c, obj, path, "read_mib_per_s", in.read_bps / 1048576, 1e7, &mib[2]);
    int shared;
    conf_bool(c, obj, path, "shared_queue", in.shared_queue, &shared);
    if (c->failed)
        return -1;
    struct disk_config out = in;
    if (sim_dist_get(c, obj, path, "append_latency", SIM_UNIT_TIME, MAX_DELAY_NS, &in.append_latency,
                     &out.append_latency) < 0)
        return -1;
    if (sim_dist_get(c, obj, path, "fsync_latency", SIM_UNIT_TIME, MAX_DELAY_NS, &in.fsync_latency,
                     &out.fsync_latency) < 0) {
        sim_dist_free(&out.append_latency);
        return -1;
    }
    if (sim_dist_get(c, obj, path, "read_latency", SIM_UNIT_TIME, MAX_DELAY_NS, &in.read_latency,
                     &out.read_latency) < 0) {
        sim_dist_free(&out.append_latency);
        sim_dist_free(&out.fsync_latency);
        return -1;
    }
    out.append_bps = mib[0] * 1048576;
    out.write_bps = mib[1] * 1048576;
    out.read_bps = mib[2] * 1048576;
    out.shared_queue = shared;
    out.readahead = (uint64_t)ra;
    sim_dist_free(&cfg->append_latency);
    sim_dist_free(&cfg->fsync_latency);
    sim_dist_free(&cfg->read_latency);
    *cfg = out;
    return 0;
}

int disk_load(struct sim *s, struct conf *c, const cJSON *obj, const char *path)
{
    if (!obj)
        return 0;
    return disk_config_parse(c, obj, path, &s->disk_default);
}
