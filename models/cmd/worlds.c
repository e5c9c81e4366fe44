/* worlds: the model families a scenario may hold, looked up by their top-level keys. */
#include <stddef.h>

#include "sim/lab/scenario.h"

const struct world_ops *const mqsim_worlds[] = {&rmq_world_ops, &phold_world_ops, NULL};
