/* acct: each message's fate in four bytes: where it is stored, how the send ended, how often it was
 * consumed; so a run can say exactly how many acknowledged messages were lost or consumed twice. */
#ifndef MODELS_ACCT_H
#define MODELS_ACCT_H

#include <stdint.h>

#include "models/remoting/protocol.h"

/* Send statuses as counter indexes: RocketMQ's codes (0..55) and the client's own (-1, -2). */
#define ACCT_STATUS_BIAS 8
#define ACCT_STATUS_INDEX(s) ((unsigned)((s) + ACCT_STATUS_BIAS) & 0x3fu)
#define ACCT_STATUSES 64

struct acct {
    uint32_t *fate;             /* per message id, see acct.c */
    uint32_t n, cap;
    uint64_t sent, acked, send_failed, consumed, duplicates;
    uint64_t status_count[ACCT_STATUSES];
    uint64_t consumed_by_group[RMQ_MAX_GROUPS];   /* distinct messages of each group consumed */
};

enum acct_result { ACCT_PENDING, ACCT_ACKED, ACCT_FAILED };

void acct_init(struct acct *a);
void acct_free(struct acct *a);

/* Ids are dense from 0 in the order messages are created (the order their sends start). */
uint32_t acct_new(struct acct *a);

/* The mutators return how the message's membership in its group's backlog changed (+1, 0, -1): the backlog
 * is what consumers could still read, the messages acknowledged, never consumed and held by some replica. */

/* The producer's final word on a message: stored with `status` on `group`, or failed (status < 0 or not
 * a stored status) after all attempts. */
int acct_result(struct acct *a, uint32_t msg, int group, int status);
/* A replica (index in its group) appended or dropped the message. */
int acct_stored(struct acct *a, uint32_t msg, int group, int replica, int stored);
/* A consumer processed the message. */
int acct_consumed(struct acct *a, uint32_t msg);

enum acct_result acct_result_of(const struct acct *a, uint32_t msg);
/* The status the send ended with (meaningful once it is not pending). */
int acct_status_of(const struct acct *a, uint32_t msg);
/* The group it was stored on (acked), or -1. */
int acct_group_of(const struct acct *a, uint32_t msg);
/* Bit r set: replica r of its group holds it. */
unsigned acct_stored_mask(const struct acct *a, uint32_t msg);
uint32_t acct_consumed_count(const struct acct *a, uint32_t msg);

/* Acknowledged messages that the replicas in `alive_mask` of their group (per group) no longer hold. */
uint64_t acct_acked_lost(const struct acct *a, const unsigned *alive_mask_by_group, int ngroups);
/* Acknowledged messages never consumed. */
uint64_t acct_acked_unconsumed(const struct acct *a);

#endif
