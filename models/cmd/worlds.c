/* worlds: the model families a scenario may hold, looked up by their top-level keys: the RocketMQ
 * deployment (models/world) and the engine's PHOLD benchmark (models/phold). */
#include <stddef.h>

#include "models/phold/phold.h"
#include "models/world/world.h"
#include "sim/lab/scenario.h"

const struct world_ops *const mqsim_worlds[] = {&rmq_world_ops, &phold_world_ops, NULL};
