/* acct: each message's fate in four bytes: where it is stored, how the send ended, how often it was
 * consumed; so a run can say exactly how many acknowledged messages were lost or consumed twice. */
#ifndef MODELS_ACCT_H
#define MODELS_ACCT_H

#include "models/world.h"

enum acct_result { ACCT_PENDING, ACCT_ACKED, ACCT_FAILED };

void acct_init(struct acct *a);
void acct_free(struct acct *a);

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
