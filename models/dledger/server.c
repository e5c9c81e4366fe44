/* server: a DLedger member's life cycle and the host's hooks, handed to its parts (DLedgerServer).
 *
 * The member is split as DLedger splits it: member_state.c (MemberState), leader_elector.c
 * (DLedgerLeaderElector), entry_pusher.c (DLedgerEntryPusher's dispatchers), quorum_ack.c (its pending appends
 * and QuorumAckChecker), entry_handler.c (its EntryHandler), leadership.c (preferred leader and leadership
 * transfer), and raft_classic.c (the Raft paper's election), each with its header; raft_msg.h holds what
 * members send each other, raft_self.h what the parts read of the member itself (its clock, majority, draws and
 * log), and role_change.h what the parts do at member_state.c's role changes (apart, so that the includes make
 * no loop: tests/check_layers.sh). */
#include <stdlib.h>
#include <string.h>

#include "models/dledger/raft_msg.h"
#include "models/dledger/raft_self.h"
#include "models/dledger/member_state.h"
#include "models/dledger/role_change.h"
#include "models/dledger/leader_elector.h"
#include "models/dledger/raft_classic.h"
#include "models/dledger/leadership.h"
#include "models/dledger/entry_pusher.h"
#include "models/dledger/quorum_ack.h"
#include "models/dledger/entry_handler.h"

void raft_on_request(struct raft *r, uint16_t code, struct rpc_ctx ctx, const void *body, uint32_t len)
{
    switch (code) {
    case RAFT_VOTE:
        raft_on_vote_request(r, ctx, body, len);
        break;
    case RAFT_HEARTBEAT:
        raft_on_heartbeat_request(r, ctx, body, len);
        break;
    case RAFT_PUSH:
        raft_on_push_request(r, ctx, body, len);
        break;
    case RAFT_TAKE_LEADERSHIP:
        raft_on_take_request(r, ctx, body, len);
        break;
    }
}

void raft_on_reply(struct raft *r, uint64_t tag, int status, const void *body, uint32_t len)
{
    if (r->cfg.election == RAFT_ELECTION_CLASSIC && (TAG_KIND(tag) == TG_VOTE || TAG_KIND(tag) == TG_HB)) {
        raft_classic_on_reply(r, tag, status, body, len);
        return;
    }
    switch (TAG_KIND(tag)) {
    case TG_VOTE:
        raft_on_vote_reply(r, TAG_X(tag), status, body, len);
        break;
    case TG_HB:
        raft_on_heartbeat_reply(r, TAG_X(tag), status, body, len, TAG_PEER(tag));
        break;
    case TG_PUSH:
        raft_on_push_reply(r, TAG_PEER(tag), TAG_X(tag), status, body, len);
        break;
    case TG_TAKE:
        raft_on_take_reply(r, TAG_PEER(tag), TAG_X(tag), status, body, len);
        break;
    }
}

/* One tick: the StateMaintainer, then the leader's entry pusher (or the host's word that term and vote are
 * written). */
void raft_on_timer(struct raft *r, uint64_t tag)
{
    if (TAG_KIND(tag) == TG_PERSISTED) {
        raft_persisted(r);
        return;
    }
    if (TAG_KIND(tag) == TG_QUORUM) {
        raft_quorum_look(r);
        return;
    }
    if (r->cfg.election == RAFT_ELECTION_CLASSIC && TAG_KIND(tag) != TG_TICK) {
        raft_classic_on_timer(r, tag);
        return;
    }
    r->io.timer(r->io.host, r->cfg.tick, TAG(TG_TICK, 0, 0));
    sim_time now = raft_now(r);
    r->last_tick = now;
    raft_elector_tick(r, now);
    raft_leadership_tick(r, now);
    raft_pusher_tick(r);
    raft_handler_tick(r);
}

/* ---- life cycle ---- */

void raft_init(struct raft *r, const struct raft_cfg *cfg, const struct raft_io *io, struct commitlog *log, int self,
               int n)
{
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    r->io = *io;
    r->log = log;
    r->self = self;
    r->n = n;
    r->voted_for = r->durable_vote = RAFT_NONE;
    r->transferee = RAFT_NONE;
    r->term_to_take = -1;
}

void raft_free(struct raft *r)
{
    free(r->pend);
    r->pend = NULL;
    raft_pusher_free(r);
    raft_handler_free(r);
}

void raft_start(struct raft *r)
{
    /* Everything but term, vote and the log is memory and starts afresh. */
    r->known_max_term = r->term;
    r->leader = RAFT_NONE;
    r->committed = -1;
    r->reported_term = -1;
    raft_elector_reset(r);
    raft_pusher_reset(r);
    raft_handler_reset(r);
    r->ff_check = raft_now(r);   /* lastCheckFastForwardTimeMs: when the EntryHandler is made */
    raft_leadership_reset(r);
    if (r->cfg.election == RAFT_ELECTION_CLASSIC) {
        raft_classic_start(r);
    } else {
        raft_reset_election_timeout(r);
        raft_set_role(r, RAFT_CANDIDATE, RAFT_NONE);
    }
    r->io.timer(r->io.host, r->cfg.tick, TAG(TG_TICK, 0, 0));
}
