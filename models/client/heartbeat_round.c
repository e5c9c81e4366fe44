/* heartbeat_round: see heartbeat_round.h. */
#include <stdlib.h>

#include "models/client/heartbeat_round.h"

int hb_round_start(struct hb_round *h, const struct ns_client *route, int masters_only)
{
    int n = 0;
    for (int i = 0; i < route->ngroups; i++)
        n += route->g[route->order[i]].n;
    if (n > h->cap) {
        sim_node_id *p = realloc(h->node, (size_t)n * sizeof *p);
        if (!p)
            return -1;
        h->node = p;
        h->cap = n;
    }
    n = 0;
    for (int i = 0; i < route->ngroups; i++) {
        const struct ns_client_group *g = &route->g[route->order[i]];
        for (int k = 0; k < g->n; k++)
            if (!masters_only || g->id[k] == 0)
                h->node[n++] = g->node[k];
    }
    h->n = n;
    h->next = 0;
    return 0;
}

int hb_round_next(struct hb_round *h, struct rpc *rpc, const void *body, uint32_t len, sim_time timeout,
                  uint64_t tag)
{
    if (h->next < h->n) {
        rpc_call(rpc, h->node[h->next++], RMQ_HEART_BEAT, body, len, 0, timeout, tag);
        return 1;
    }
    hb_round_reset(h);
    return 0;
}

void hb_round_free(struct hb_round *h)
{
    free(h->node);
    h->node = NULL;
    h->n = h->next = h->cap = 0;
}
