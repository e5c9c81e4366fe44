/* raft_msg: what DLedger members send each other (the request and answer bodies, DLedgerResponseCode, the
 * vote's results) and the tags their answers and timers come back with. */
#ifndef MODELS_DLEDGER_RAFT_MSG_H
#define MODELS_DLEDGER_RAFT_MSG_H

#include "models/dledger/raft.h"

/* DLedgerResponseCode, the ones that matter here (heartbeat, push and leadership transfer answers). */
enum dl_code {
    D_SUCCESS, D_EXPIRED_TERM, D_INCONSISTENT_LEADER, D_TERM_NOT_READY, D_INCONSISTENT_STATE, D_UNKNOWN,
    D_NOT_FOLLOWER, D_NOT_LEADER, D_INCONSISTENT_TERM, D_LEADER_TRANSFERRING, D_FALL_BEHIND_TOO_MUCH,
    D_TAKE_LEADERSHIP_FAILED, D_UNKNOWN_MEMBER, D_INTERNAL_ERROR, D_REPEATED_PUSH
};

/* VoteResponse.RESULT */
enum vote_result {
    V_UNKNOWN, V_ACCEPT, V_REJECT_UNKNOWN_LEADER, V_REJECT_UNEXPECTED_LEADER, V_REJECT_EXPIRED_VOTE_TERM,
    V_REJECT_ALREADY_VOTED, V_REJECT_ALREADY_HAS_LEADER, V_REJECT_TERM_NOT_READY, V_REJECT_TERM_SMALL_THAN_LEDGER,
    V_REJECT_EXPIRED_LEDGER_TERM, V_REJECT_SMALL_LEDGER_END_INDEX, V_REJECT_TAKING_LEADERSHIP
};
/* VoteResponse.ParseResult */
enum parse_result { P_WAIT_TO_REVOTE, P_REVOTE_IMMEDIATELY, P_PASSED, P_WAIT_TO_VOTE_NEXT };

struct vote_req { int64_t term, end_index, end_term; int32_t candidate; };
struct vote_resp { int64_t term; int32_t result; };
struct hb_req { int64_t term; int32_t leader; };
struct hb_resp { int64_t term; int32_t code; };

/* PushEntryRequest.Type, and the push's wire (entry_pusher.c sends, entry_handler.c answers) */
enum push_type { PUSH_APPEND, PUSH_COMPARE, PUSH_TRUNCATE, PUSH_COMMIT };
struct push_entry { int64_t index; uint64_t qoff; uint32_t term, msg, size; uint16_t queue; };
struct push_req {
    int64_t term, commit;
    int32_t leader;
    uint8_t type, has_entry;
    uint16_t count;            /* 0: the one entry e; else a batch of count entries, e and count - 1 after
                                * (max_batch_push_size is at most 4 MiB, an entry at least 120 bytes) */
    struct push_entry e;
};
/* Its size is part of every push's wire bytes: the count sits in what was padding. */
_Static_assert(sizeof(struct push_req) == 56, "a push request's fixed part is 56 bytes");
/* buildResponse: index the (first) entry's, count the batch's; mqsim leaves count 0 for one entry (DLedger
 * gives 1, and only the batch path reads it) */
struct push_resp { int64_t term, index, begin, end; int32_t code, count; };

/* Reply and timer tags: kind, peer, and the round or index they belong to. */
enum tag_kind { TG_TICK = 1, TG_VOTE, TG_HB, TG_PUSH, TG_PERSISTED = RAFT_TIMER_PERSISTED, TG_TAKE, TG_ELECTION, TG_BEAT,
                TG_QUORUM };
#define TAG(kind, peer, x) ((uint64_t)(kind) | ((uint64_t)(peer) << 4) | ((uint64_t)(x) << 12))
#define TAG_KIND(t) ((int)((t) & 0xf))
#define TAG_PEER(t) ((int)(((t) >> 4) & 0xff))
#define TAG_X(t) ((int64_t)((t) >> 12))

#endif
